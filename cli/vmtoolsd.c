/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmds-guest-rpc.h"

/*
 * vmtoolsd: the guest's thin client, compatible with open-vm-tools'
 * `vmtoolsd --cmd` and `--cmdfile` (guest-rpc.md §3). It sends bytes and
 * prints bytes; it only peeks at "result" to choose the exit status. With
 * neither option it execs the daemon, as `vmtoolsd` alone starts the service.
 */

static void
vmtoolsd_usage(FILE *out)
{
	fputs("Usage: vmtoolsd --cmd TEXT\n"
	      "       vmtoolsd --cmdfile FILE\n"
	      "       vmtoolsd [DAEMON OPTIONS]\n"
	      "\n"
	      "Send one guest RPC to vmdsd and print its reply.\n"
	      "\n"
	      "  --cmd TEXT       send TEXT, e.g. 'datasets-list' or\n"
	      "                   'datasets-get-entry {\"dataset\":\"ds1\",\"keys\":[\"k\"]}'\n"
	      "  --cmdfile FILE   send the contents of FILE (up to a NUL byte, without\n"
	      "                   trailing white space)\n"
	      "  -h, --help       show this help\n"
	      "  --version        print the version\n"
	      "\n"
	      "A reply '1 TEXT' prints TEXT on stdout and exits 0 (1 when TEXT is a JSON\n"
	      "object whose \"result\" is false); '0 TEXT' prints TEXT on stderr and exits 1.\n"
	      "With neither --cmd nor --cmdfile, vmtoolsd runs vmdsd with the same options.\n"
	      "\n"
	      "The channel is $VMTOOLSD_CHANNEL, else [channel] address in $VMTOOLSD_CONFIG\n"
	      "or vmtoolsd.conf, else the socket of vm-1 in the default run directory.\n"
	      "See vmtoolsd(1).\n",
	      out);
}

/* the file up to its first NUL, without trailing ASCII white space [vmware] */
static int
vmtoolsd_send_file(const gchar *path)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	const gchar *nul;

	if (!g_file_get_contents(path, &data, &len, NULL)) {
		fprintf(stderr, "Unable to read command from file %s.\n", path);
		return EXIT_FAILURE;
	}
	nul = memchr(data, '\0', len);
	if (nul != NULL)
		len = (gsize)(nul - data);
	while (len > 0 && g_ascii_isspace(data[len - 1]))
		len--;
	return vmds_guest_rpc_send("vmtoolsd", (const guint8 *)data, len);
}

/* with neither --cmd nor --cmdfile, vmtoolsd is the service */
static int
vmtoolsd_exec_daemon(char *argv[])
{
	const gchar *daemon = g_getenv("VMDSD");
	g_autofree gchar *installed = g_build_filename(VMDS_SBINDIR, "vmdsd", NULL);

	if (daemon == NULL || daemon[0] == '\0')
		daemon = g_file_test(installed, G_FILE_TEST_IS_EXECUTABLE) ? installed : "vmdsd";
	argv[0] = (char *)daemon;
	execvp(daemon, argv);
	fprintf(stderr, "vmtoolsd: cannot run %s: %s\n", daemon, g_strerror(errno));
	return EXIT_FAILURE;
}

int
main(int argc, char *argv[])
{
	const gchar *cmd = NULL;
	const gchar *cmdfile = NULL;
	const gchar *other = NULL;

	for (int i = 1; i < argc; i++) {
		const gchar **target = NULL;
		const gchar *value = NULL;
		if (g_strcmp0(argv[i], "--cmd") == 0 || g_str_has_prefix(argv[i], "--cmd=")) {
			target = &cmd;
		} else if (g_strcmp0(argv[i], "--cmdfile") == 0 ||
			   g_str_has_prefix(argv[i], "--cmdfile=")) {
			target = &cmdfile;
		} else if (g_strcmp0(argv[i], "-h") == 0 || g_strcmp0(argv[i], "--help") == 0) {
			vmtoolsd_usage(stdout);
			return EXIT_SUCCESS;
		} else if (g_strcmp0(argv[i], "--version") == 0) {
			printf("vmtoolsd (vmds) %s\n", VMDS_VERSION);
			return EXIT_SUCCESS;
		} else {
			/* the daemon's option, when there is no --cmd */
			other = other != NULL ? other : argv[i];
			continue;
		}
		value = strchr(argv[i], '=');
		if (value != NULL) {
			value++;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			fprintf(stderr, "vmtoolsd: %s needs an argument\n\n", argv[i]);
			vmtoolsd_usage(stderr);
			return EXIT_FAILURE;
		}
		if (cmd != NULL || cmdfile != NULL) {
			fprintf(stderr, "vmtoolsd: give one --cmd or one --cmdfile\n\n");
			vmtoolsd_usage(stderr);
			return EXIT_FAILURE;
		}
		*target = value;
	}
	if (cmd == NULL && cmdfile == NULL)
		return vmtoolsd_exec_daemon(argv);
	if (other != NULL) {
		fprintf(stderr,
			"vmtoolsd: unexpected argument '%s' with --cmd or --cmdfile\n\n",
			other);
		vmtoolsd_usage(stderr);
		return EXIT_FAILURE;
	}
	if (cmd != NULL)
		return vmds_guest_rpc_send("vmtoolsd", (const guint8 *)cmd, strlen(cmd));
	return vmtoolsd_send_file(cmdfile);
}
