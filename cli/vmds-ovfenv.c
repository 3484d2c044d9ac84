/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-error.h"
#include "vmds-guest-rpc.h"
#include "vmds-json.h"
#include "vmds-ovf-env-reader.h"
#include "vmds-ovf-iso.h"

/*
 * vmds-ovfenv: the vApp properties of the OVF environment for guest
 * scripts, read from guestinfo.ovfEnv over the guest channel (the same
 * channel and call as vmtoolsd --cmd) or from --file: an ovf-env.xml, an
 * ISO 9660 image or a CD-ROM device holding one. The document is checked
 * (vmds-ovf-env-reader.c) before anything is printed.
 */

/* exit statuses (vmds-ovfenv(1), EXIT STATUS) */
#define VMDS_OVFENV_EXIT_OK	0
#define VMDS_OVFENV_EXIT_ERROR	1
#define VMDS_OVFENV_EXIT_NO_KEY 2

#define VMDS_OVFENV_REQUEST "info-get guestinfo.ovfEnv"
/* how much of a file is looked at to tell XML from an ISO image */
#define VMDS_OVFENV_HEAD_SIZE 64

/* XML: a UTF-8 byte order mark, or '<' after blanks; anything else (an ISO
 * image starts with 32 KiB of zeros) is tried as an ISO image */
static gboolean
vmds_ovfenv_looks_like_xml(const guint8 *head, gsize len)
{
	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		return TRUE;
	for (gsize i = 0; i < len; i++) {
		if (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')
			continue;
		return head[i] == '<';
	}
	/* empty or blank: the reader says what is wrong with it */
	return TRUE;
}

/* the rest of @in after @head, up to one byte over the reader's limit */
static GBytes *
vmds_ovfenv_read_xml(GInputStream *in, const guint8 *head, gsize head_len, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[65536];

	g_byte_array_append(buf, head, (guint)head_len);
	while (buf->len <= VMDS_OVF_ENV_READER_MAX_SIZE) {
		gssize n = g_input_stream_read(in, chunk, sizeof(chunk), NULL, error);
		if (n < 0) {
			vmds_error_convert(error);
			return NULL;
		}
		if (n == 0)
			break;
		g_byte_array_append(buf, chunk, (guint)n);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

/* --file: ovf-env.xml, or an ISO image or CD-ROM holding it */
static GBytes *
vmds_ovfenv_read_file(const gchar *path, GError **error)
{
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GFileInputStream) in = NULL;
	guint8 head[VMDS_OVFENV_HEAD_SIZE];
	gsize head_len = 0;

	in = g_file_read(file, NULL, error);
	if (in == NULL || !g_input_stream_read_all(
			      G_INPUT_STREAM(in), head, sizeof(head), &head_len, NULL, error)) {
		vmds_error_convert(error);
		return NULL;
	}
	if (vmds_ovfenv_looks_like_xml(head, head_len))
		return vmds_ovfenv_read_xml(G_INPUT_STREAM(in), head, head_len, error);
	g_clear_object(&in);
	return vmds_ovf_iso_read_env(path, VMDS_OVF_ENV_READER_MAX_SIZE, error);
}

/* guestinfo.ovfEnv over the guest channel */
static GBytes *
vmds_ovfenv_read_guestinfo(GError **error)
{
	g_autoptr(GBytes) text = NULL;
	gboolean success = FALSE;

	text = vmds_guest_rpc_call(
	    (const guint8 *)VMDS_OVFENV_REQUEST, strlen(VMDS_OVFENV_REQUEST), &success, error);
	if (text == NULL)
		return NULL;
	if (!success) {
		gsize len = 0;
		const gchar *data = g_bytes_get_data(text, &len);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_NOT_FOUND,
			    "no guestinfo.ovfEnv: the daemon answered '%.*s'",
			    (int)len,
			    len > 0 ? data : "");
		return NULL;
	}
	return g_steal_pointer(&text);
}

static void
vmds_ovfenv_append_properties(GString *out, VmdsOvfEnvReader *reader, gboolean json)
{
	guint n = 0;
	const VmdsOvfEnvProperty *props = vmds_ovf_env_reader_get_properties(reader, &n);

	if (json)
		g_string_append_c(out, '{');
	for (guint i = 0; i < n; i++) {
		if (json) {
			if (i > 0)
				g_string_append_c(out, ',');
			vmds_json_append_string(out, props[i].key, -1);
			g_string_append_c(out, ':');
			vmds_json_append_string(out, props[i].value, -1);
		} else {
			/* the value as it is, though it may hold newlines */
			g_string_append_printf(out, "%s=%s\n", props[i].key, props[i].value);
		}
	}
	if (json)
		g_string_append(out, "}\n");
}

int
main(int argc, char *argv[])
{
	g_autofree gchar *file = NULL;
	g_autofree gchar *key = NULL;
	gboolean json = FALSE;
	gboolean version = FALSE;
	/* --key is G_OPTION_ARG_FILENAME: its bytes as given, in every locale */
	const GOptionEntry entries[] = {
	    {"file",
	     'f',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_FILENAME,
	     &file,
	     "Read the environment from FILE: an ovf-env.xml, an ISO 9660 image or a CD-ROM device",
	     "FILE"},
	    {"key",
	     'k',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_FILENAME,
	     &key,
	     "Print the value of property KEY only",
	     "KEY"},
	    {"json",
	     'j',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_NONE,
	     &json,
	     "Print a JSON object of all properties (with --key: the value as a JSON string)",
	     NULL},
	    {"version",
	     0,
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_NONE,
	     &version,
	     "Print the version",
	     NULL},
	    {NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- read the OVF environment");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) doc = NULL;
	g_autoptr(VmdsOvfEnvReader) reader = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *source;

	g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_set_summary(
	    context,
	    "Print the vApp properties of the OVF environment, from "
	    "guestinfo.ovfEnv over the guest channel\n"
	    "(as vmtoolsd --cmd 'info-get guestinfo.ovfEnv') or from --file.");
	g_option_context_set_description(
	    context,
	    "Without --key and --json, each property is printed as "
	    "KEY=VALUE and a newline, in the\n"
	    "document's order, the value as it is (it may hold "
	    "newlines: use --key or --json).\n"
	    "\n"
	    "Exit status: 0 done; 1 no environment, an unreadable or "
	    "broken one, or a wrong\n"
	    "option; 2 --key names no property. See vmds-ovfenv(1).\n");
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		fprintf(stderr, "vmds-ovfenv: %s (see vmds-ovfenv --help)\n", error->message);
		return VMDS_OVFENV_EXIT_ERROR;
	}
	if (version) {
		printf("vmds-ovfenv (vmds) %s\n", VMDS_VERSION);
		return VMDS_OVFENV_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr,
			"vmds-ovfenv: unexpected argument '%s' (see vmds-ovfenv --help)\n",
			argv[1]);
		return VMDS_OVFENV_EXIT_ERROR;
	}

	/* the messages of reading name the file or the daemon's address */
	source = file != NULL ? file : "guestinfo.ovfEnv";
	doc =
	    file != NULL ? vmds_ovfenv_read_file(file, &error) : vmds_ovfenv_read_guestinfo(&error);
	if (doc == NULL) {
		fprintf(stderr, "vmds-ovfenv: %s\n", error->message);
		return VMDS_OVFENV_EXIT_ERROR;
	}
	reader = vmds_ovf_env_reader_new(doc, &error);
	if (reader == NULL) {
		fprintf(stderr, "vmds-ovfenv: %s: %s\n", source, error->message);
		return VMDS_OVFENV_EXIT_ERROR;
	}

	if (key != NULL) {
		const gchar *value = vmds_ovf_env_reader_lookup(reader, key);
		if (value == NULL) {
			fprintf(stderr,
				"vmds-ovfenv: %s: no property '%s' in the OVF environment\n",
				source,
				key);
			return VMDS_OVFENV_EXIT_NO_KEY;
		}
		if (json)
			vmds_json_append_string(out, value, -1);
		else
			g_string_append(out, value);
		g_string_append_c(out, '\n');
	} else {
		vmds_ovfenv_append_properties(out, reader, json);
	}
	if (fwrite(out->str, 1, out->len, stdout) != out->len || fflush(stdout) != 0) {
		fprintf(stderr, "vmds-ovfenv: cannot write to standard output\n");
		return VMDS_OVFENV_EXIT_ERROR;
	}
	return VMDS_OVFENV_EXIT_OK;
}
