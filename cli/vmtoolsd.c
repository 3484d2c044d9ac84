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

#include "vmds-channel.h"
#include "vmds-packet.h"
#include "vmds-paths.h"

/*
 * vmtoolsd: the guest's thin client, compatible with open-vm-tools'
 * `vmtoolsd --cmd` and `--cmdfile` (guest-rpc.md §3). It sends bytes and
 * prints bytes; it only peeks at "result" to choose the exit status. With
 * neither option it execs the daemon, as `vmtoolsd` alone starts the service.
 */

#define VMTOOLSD_CONNECT_TIMEOUT_MS 10000
#define VMTOOLSD_CALL_TIMEOUT_MS    60000

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

/* $VMTOOLSD_CONFIG, else the system file for root, the user's otherwise */
static gchar *
vmtoolsd_config_path(void)
{
	const gchar *env = g_getenv("VMTOOLSD_CONFIG");
	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	if (geteuid() == 0)
		return g_build_filename(VMDS_SYSCONFDIR, "vmtoolsd.conf", NULL);
	return g_build_filename(g_get_user_config_dir(), "vmds", "vmtoolsd.conf", NULL);
}

static gchar *
vmtoolsd_channel(void)
{
	const gchar *env = g_getenv("VMTOOLSD_CHANNEL");
	g_autofree gchar *config = NULL;
	g_autoptr(GKeyFile) kf = NULL;
	g_autofree gchar *run_dir = NULL;
	g_autofree gchar *socket = NULL;
	gchar *address;

	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	config = vmtoolsd_config_path();
	kf = g_key_file_new();
	if (g_key_file_load_from_file(kf, config, G_KEY_FILE_NONE, NULL)) {
		address = g_key_file_get_string(kf, "channel", "address", NULL);
		if (address != NULL)
			return address;
	}
	run_dir = vmds_paths_run_dir();
	socket = vmds_paths_socket(run_dir, VMDS_DEFAULT_VM);
	/* an ordinary user reaches a daemon of its own, else the system's */
	if (geteuid() != 0 && g_getenv("VMDS_RUN_DIR") == NULL &&
	    !g_file_test(socket, G_FILE_TEST_EXISTS)) {
		g_free(socket);
		socket = vmds_paths_socket(VMDS_SYSTEM_RUN_DIR, VMDS_DEFAULT_VM);
	}
	return g_strdup_printf("unix:%s", socket);
}

/* a DataSets failure envelope: a JSON object whose first member is "result": false */
static gboolean
vmtoolsd_is_failure_envelope(const gchar *text, gsize len)
{
	const gchar *const tokens[] = {"{", "\"result\"", ":", "false"};
	gsize pos = 0;

	for (guint i = 0; i < G_N_ELEMENTS(tokens); i++) {
		gsize n = strlen(tokens[i]);
		while (pos < len && g_ascii_isspace(text[pos]))
			pos++;
		if (len - pos < n || memcmp(text + pos, tokens[i], n) != 0)
			return FALSE;
		pos += n;
	}
	return TRUE;
}

static int
vmtoolsd_send(const guint8 *request, gsize len)
{
	g_autofree gchar *channel = vmtoolsd_channel();
	g_autoptr(VmdsChannelAddress) address = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *text;
	gsize text_len = 0;
	gint fd;

	address = vmds_channel_address_parse(channel, &error);
	if (address == NULL) {
		fprintf(stderr, "vmtoolsd: %s\n", error->message);
		return EXIT_FAILURE;
	}
	fd = vmds_channel_connect(address, VMTOOLSD_CONNECT_TIMEOUT_MS, &error);
	if (fd < 0) {
		fprintf(
		    stderr, "vmtoolsd: cannot reach vmdsd at %s: %s\n", channel, error->message);
		return EXIT_FAILURE;
	}
	reply = vmds_channel_call(fd, request, len, TRUE, VMTOOLSD_CALL_TIMEOUT_MS, &error);
	close(fd);
	if (reply == NULL) {
		fprintf(
		    stderr, "vmtoolsd: no reply from vmdsd at %s: %s\n", channel, error->message);
		return EXIT_FAILURE;
	}
	text = g_bytes_get_data(reply, &text_len);
	if (text_len >= 2 && text[0] == '1' && text[1] == ' ') {
		fwrite(text + 2, 1, text_len - 2, stdout);
		fputc('\n', stdout);
		if (fflush(stdout) != 0)
			return EXIT_FAILURE;
		return vmtoolsd_is_failure_envelope(text + 2, text_len - 2) ? EXIT_FAILURE
									    : EXIT_SUCCESS;
	}
	if (text_len >= 2 && text[0] == '0' && text[1] == ' ') {
		text += 2;
		text_len -= 2;
	}
	fwrite(text, 1, text_len, stderr);
	fputc('\n', stderr);
	return EXIT_FAILURE;
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
	return vmtoolsd_send((const guint8 *)data, len);
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
		return vmtoolsd_send((const guint8 *)cmd, strlen(cmd));
	return vmtoolsd_send_file(cmdfile);
}
