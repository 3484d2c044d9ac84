/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-log.h"

/*
 * The daemon's log writer. Log lines quote what peers sent (a request path, a
 * VM or data set name, a user name), and a peer must not be able to forge a
 * line: every control character and every byte that is not UTF-8 in a
 * message is written as an escape (\n, \t, \xNN) and a backslash as \\, here,
 * for every message, so no call site has to remember it.
 */

static gboolean
vmds_log_is_clean(const gchar *text)
{
	const gchar *end = NULL;

	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return FALSE;
	}
	return g_utf8_validate(text, -1, &end);
}

/**
 * vmds_log_escape:
 * @text: a message
 *
 * Returns: (transfer full) (nullable): @text with its control characters,
 * bytes that are not UTF-8 and backslashes escaped; %NULL when it has none
 */
gchar *
vmds_log_escape(const gchar *text)
{
	GString *out;
	const gchar *p = text;

	if (vmds_log_is_clean(text))
		return NULL;
	out = g_string_sized_new(strlen(text) + 16);
	while (*p != '\0') {
		guchar c = (guchar)*p;
		gunichar u = g_utf8_get_char_validated(p, -1);

		if (c == '\n') {
			g_string_append(out, "\\n");
		} else if (c == '\t') {
			g_string_append(out, "\\t");
		} else if (c == '\\') {
			g_string_append(out, "\\\\");
		} else if (c < 0x20 || c == 0x7f || u == (gunichar)-1 || u == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02x", c);
		} else {
			const gchar *next = g_utf8_next_char(p);
			g_string_append_len(out, p, next - p);
			p = next;
			continue;
		}
		p++;
	}
	return g_string_free(out, FALSE);
}

/**
 * vmds_log_writer_cb:
 * @log_level: the level
 * @fields: the message's fields
 * @n_fields: how many
 * @user_data: (nullable): unused
 *
 * Escapes the MESSAGE field (vmds_log_escape()), then writes as GLib's
 * default writer does (the journal under systemd, else stderr).
 *
 * Returns: what the default writer returns
 */
GLogWriterOutput
vmds_log_writer_cb(GLogLevelFlags log_level,
		   const GLogField *fields,
		   gsize n_fields,
		   gpointer user_data)
{
	g_autofree GLogField *copy = NULL;
	g_autofree gchar *escaped = NULL;

	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "MESSAGE") != 0 || fields[i].length != -1)
			continue;
		escaped = vmds_log_escape(fields[i].value);
		if (escaped == NULL)
			break;
		copy = g_memdup2(fields, n_fields * sizeof(GLogField));
		copy[i].value = escaped;
		fields = copy;
		break;
	}
	return g_log_writer_default(log_level, fields, n_fields, user_data);
}
