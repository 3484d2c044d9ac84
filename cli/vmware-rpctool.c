/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-guest-rpc.h"

/*
 * vmware-rpctool: open-vm-tools' other guest RPC client, which cloud-init
 * and appliance scripts call first (`vmware-rpctool "info-get
 * guestinfo.ovfEnv"`). It sends its first argument as `vmtoolsd --cmd` does
 * and prints the reply as it does, over the same channel. Its arguments are
 * read as open-vm-tools' rpctool/rpctool.c reads them [vmware]: no argument
 * is a usage error; a first argument starting with -h or --help asks for the
 * usage; any argument after the first is ignored.
 */

/* [vmware] word for word, and on standard error even when asked for */
static void
vmware_rpctool_usage(void)
{
	fputs("rpctool syntax:\n"
	      "\n"
	      "  -h | --help\tprint usage.\n"
	      "  rpctool <text>\tsend <text> as an RPC command.\n",
	      stderr);
}

int
main(int argc, char *argv[])
{
	if (argc <= 1) {
		vmware_rpctool_usage();
		return EXIT_FAILURE;
	}
	/* [vmware] prefixes: -hx and --helpx are asking for the usage too */
	if (strncmp(argv[1], "-h", 2) == 0 || strncmp(argv[1], "--help", 6) == 0) {
		vmware_rpctool_usage();
		return EXIT_SUCCESS;
	}
	return vmds_guest_rpc_send("vmware-rpctool", (const guint8 *)argv[1], strlen(argv[1]));
}
