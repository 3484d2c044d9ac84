/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmds-channel.h"
#include "vmds-guest-rpc.h"
#include "vmds-paths.h"

/*
 * The guest's side of the channel, said once for vmtoolsd, vmware-rpctool
 * and vmds-ovfenv: which address to use, one request and its reply, and
 * what a reply means for the exit status (guest-rpc.md §3 and §4).
 */

/* $VMTOOLSD_CONFIG, else the system file for root, the user's otherwise */
static gchar *
vmds_guest_rpc_config_path(void)
{
	const gchar *env = g_getenv("VMTOOLSD_CONFIG");
	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	if (geteuid() == 0)
		return g_build_filename(VMDS_SYSCONFDIR, "vmtoolsd.conf", NULL);
	return g_build_filename(g_get_user_config_dir(), "vmds", "vmtoolsd.conf", NULL);
}

/**
 * vmds_guest_rpc_channel:
 *
 * Returns: (transfer full): the daemon's address: $VMTOOLSD_CHANNEL, else
 *   `[channel] address` of the config file, else the socket of vm-1 in the
 *   default run directory (vmtoolsd(1), "Channel")
 */
gchar *
vmds_guest_rpc_channel(void)
{
	const gchar *env = g_getenv("VMTOOLSD_CHANNEL");
	g_autofree gchar *config = NULL;
	g_autoptr(GKeyFile) kf = NULL;
	g_autofree gchar *run_dir = NULL;
	g_autofree gchar *socket = NULL;
	gchar *address;

	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	config = vmds_guest_rpc_config_path();
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

/**
 * vmds_guest_rpc_call:
 * @request: (array length=len): the request's bytes, sent as they are
 * @len: their number
 * @success: (out): %TRUE when the reply was `1 TEXT`, %FALSE when it was
 *   `0 TEXT` or had neither prefix
 * @error: a #GError or %NULL
 *
 * Sends one request with FAST_CLOSE on a fresh connection to the channel of
 * vmds_guest_rpc_channel() and reads its reply.
 *
 * Returns: (transfer full): the reply's text without its `1 ` or `0 `
 *   prefix (the whole reply when it has neither); %NULL when the address is
 *   wrong, the daemon cannot be reached or did not reply, the message then
 *   naming the address
 */
GBytes *
vmds_guest_rpc_call(const guint8 *request, gsize len, gboolean *success, GError **error)
{
	g_autofree gchar *channel = vmds_guest_rpc_channel();
	g_autoptr(VmdsChannelAddress) address = NULL;
	g_autoptr(GBytes) reply = NULL;
	const gchar *text;
	gsize text_len = 0;
	gint fd;

	g_return_val_if_fail(success != NULL, NULL);

	*success = FALSE;
	address = vmds_channel_address_parse(channel, error);
	if (address == NULL)
		return NULL;
	fd = vmds_channel_connect(address, VMDS_GUEST_RPC_CONNECT_TIMEOUT_MS, error);
	if (fd < 0) {
		g_prefix_error(error, "cannot reach vmdsd at %s: ", channel);
		return NULL;
	}
	reply = vmds_channel_call(fd, request, len, TRUE, VMDS_GUEST_RPC_CALL_TIMEOUT_MS, error);
	close(fd);
	if (reply == NULL) {
		g_prefix_error(error, "no reply from vmdsd at %s: ", channel);
		return NULL;
	}
	text = g_bytes_get_data(reply, &text_len);
	if (text_len >= 2 && (text[0] == '1' || text[0] == '0') && text[1] == ' ') {
		*success = text[0] == '1';
		return g_bytes_new_from_bytes(reply, 2, text_len - 2);
	}
	return g_steal_pointer(&reply);
}

/**
 * vmds_guest_rpc_is_failure_envelope:
 * @text: (array length=len): a successful reply's text
 * @len: its length
 *
 * Returns: %TRUE when @text is a DataSets failure envelope: a JSON object
 *   whose first member is `"result": false`
 */
gboolean
vmds_guest_rpc_is_failure_envelope(const gchar *text, gsize len)
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

/* the bytes as they are, and a newline */
static void
vmds_guest_rpc_print(FILE *out, GBytes *text)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data(text, &len);

	if (len > 0)
		fwrite(data, 1, len, out);
	fputc('\n', out);
}

/**
 * vmds_guest_rpc_send:
 * @prgname: the program's name, which starts its own messages
 * @request: (array length=len): the request's bytes
 * @len: their number
 *
 * `vmtoolsd --cmd`: sends @request and prints the reply: `1 TEXT` puts TEXT
 * and a newline on standard output, `0 TEXT` on standard error; a channel
 * that fails puts one line on standard error, starting with @prgname.
 *
 * Returns: the exit status: %EXIT_SUCCESS for `1 TEXT` unless TEXT is a
 *   DataSets failure envelope or standard output cannot be written,
 *   %EXIT_FAILURE otherwise
 */
int
vmds_guest_rpc_send(const gchar *prgname, const guint8 *request, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) text = NULL;
	gboolean success = FALSE;
	gsize text_len = 0;
	const gchar *data;

	text = vmds_guest_rpc_call(request, len, &success, &error);
	if (text == NULL) {
		fprintf(stderr, "%s: %s\n", prgname, error->message);
		return EXIT_FAILURE;
	}
	if (!success) {
		vmds_guest_rpc_print(stderr, text);
		return EXIT_FAILURE;
	}
	vmds_guest_rpc_print(stdout, text);
	if (fflush(stdout) != 0)
		return EXIT_FAILURE;
	data = g_bytes_get_data(text, &text_len);
	return vmds_guest_rpc_is_failure_envelope(data, text_len) ? EXIT_FAILURE : EXIT_SUCCESS;
}
