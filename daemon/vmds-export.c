/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "vmds-export.h"

/*
 * A VM exported for migration: one self-contained file,
 *
 *     VMDS-EXPORT 1\n
 *     {"vm":"vm-3","name":"web","cid":7,"exported":"2026-12-02T05:10:00Z","store_size":N}\n
 *     N bytes: the VM's store (an SQLite database), everything in it
 *     CRC32 89abcdef\n
 *
 * The first line names the format and its version; the second, one line of
 * JSON (at most 4 KiB), what the VM was; the trailer the CRC-32 (zlib's, as
 * gzip's) of every byte before it, as 8 lowercase hex digits. The checksum
 * tells a truncated or damaged file from a whole one; it is no signature.
 * The store is read as it was when the export began: every write
 * acknowledged before it and none after.
 */

#define VMDS_EXPORT_MAGIC   "VMDS-EXPORT "
#define VMDS_EXPORT_VERSION 1
/* the longest header line, its newline included */
#define VMDS_EXPORT_MAX_HEADER 4096
/* "CRC32 " and 8 hex digits and "\n" */
#define VMDS_EXPORT_TRAILER_LEN 15
/* what one part of an export's body holds */
#define VMDS_EXPORT_PART (1024 * 1024)
/* how every SQLite database begins */
#define VMDS_EXPORT_SQLITE_MAGIC "SQLite format 3"

struct _VmdsExport {
	VmdsStore *store; /* held while the export reads it */
	goffset offset;	  /* in its main file: what is sent next */
	goffset size;	  /* of its main file */
	uLong crc;	  /* of everything sent */
	gboolean ended;	  /* the trailer went */
};

/**
 * vmds_export_new:
 * @vm: a served VM, between transactions
 * @out: where the file's first part (its header) goes
 * @error: a #GError or %NULL
 *
 * Holds the VM's store (vmds_store_hold()) so that its parts read the store
 * as it is now, whole: data sets flagged omit_from_snapshot_and_clone too,
 * since a VM that moves keeps all of its data. Nothing is copied; writes go
 * on meanwhile. Writes the export's header.
 *
 * Returns: (transfer full): the export, whose parts
 *   vmds_export_write_part() writes; %NULL with %VMDS_ERROR_RESOURCE_IN_USE
 *   while another export of the VM runs
 */
VmdsExport *
vmds_export_new(VmdsVm *vm, GString *out, GError **error)
{
	g_autoptr(VmdsExport) self = g_new0(VmdsExport, 1);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *when = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	gsize start = out->len;

	if (!vmds_store_hold(vm->store, &self->size, error))
		return NULL;
	self->store = g_object_ref(vm->store);
	g_string_append_printf(out, VMDS_EXPORT_MAGIC "%u\n{\"vm\":", VMDS_EXPORT_VERSION);
	vmds_json_append_string(out, vm->id, -1);
	g_string_append(out, ",\"name\":");
	vmds_json_append_string(out, vm->name, -1);
	if (vm->cid != 0)
		g_string_append_printf(out, ",\"cid\":%u", vm->cid);
	g_string_append_printf(
	    out, ",\"exported\":\"%s\",\"store_size\":%" G_GOFFSET_FORMAT "}\n", when, self->size);
	self->crc =
	    crc32(crc32(0, NULL, 0), (const Bytef *)out->str + start, (uInt)(out->len - start));
	return g_steal_pointer(&self);
}

/**
 * vmds_export_write_part:
 * @data: a #VmdsExport
 * @out: where the part goes
 * @done: (out): set with the last part
 * @error: a #GError or %NULL
 *
 * The next part of the export, after its header: the store a part at a
 * time, then the trailer. A #VmdsStreamFunc.
 *
 * Returns: %FALSE when the store cannot be read (it was closed: the VM was
 *   reverted or deleted)
 */
gboolean
vmds_export_write_part(gpointer data, GString *out, gboolean *done, GError **error)
{
	VmdsExport *self = data;
	gsize want = (gsize)MIN(self->size - self->offset, VMDS_EXPORT_PART);
	gsize start = out->len;

	if (want > 0) {
		g_string_set_size(out, start + want);
		if (!vmds_store_read_held(self->store, self->offset, out->str + start, want, error))
			return FALSE;
		self->crc = crc32(self->crc, (const Bytef *)out->str + start, (uInt)want);
		self->offset += (goffset)want;
	}
	if (self->offset == self->size) {
		g_string_append_printf(out, "CRC32 %08lx\n", self->crc);
		self->ended = TRUE;
	}
	*done = self->ended;
	return TRUE;
}

void
vmds_export_free(VmdsExport *self)
{
	if (self == NULL)
		return;
	if (self->store != NULL) {
		vmds_store_release(self->store);
		g_object_unref(self->store);
	}
	g_free(self);
}

static gboolean
vmds_export_refuse(GError **error, const gchar *why)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "the file is not a whole vmds export: %s",
		    why);
	return FALSE;
}

/* up to @len bytes of @fd at @offset into @buf; how many, or -1 */
static gssize
vmds_export_pread(gint fd, gpointer buf, gsize len, goffset offset)
{
	gsize got = 0;

	while (got < len) {
		gssize n = pread(fd, (guint8 *)buf + got, len - got, offset + (goffset)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (gsize)n;
	}
	return (gssize)got;
}

/* the header's JSON line, type-checked, into @info */
static gboolean
vmds_export_parse_header(const gchar *line, gsize len, VmdsExportInfo *info, GError **error)
{
	const gchar *const allowed[] = {"vm", "name", "cid", "exported", "store_size", NULL};
	g_autoptr(JsonObject) obj = vmds_json_parse_object(line, len, error);
	const gchar *name = NULL;
	const gchar *unused = NULL;
	JsonNode *node;

	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error) ||
	    !vmds_json_object_get_string(obj, "vm", TRUE, &unused, error) ||
	    !vmds_json_object_get_string(obj, "name", TRUE, &name, error) ||
	    !vmds_json_object_get_string(obj, "exported", TRUE, &unused, error)) {
		g_prefix_error(error, "the file is not a whole vmds export: its header: ");
		return FALSE;
	}
	node = json_object_get_member(obj, "cid");
	if (node != NULL) {
		if (!JSON_NODE_HOLDS_VALUE(node) ||
		    json_node_get_value_type(node) != G_TYPE_INT64 || json_node_get_int(node) < 3 ||
		    json_node_get_int(node) >= G_MAXUINT32)
			return vmds_export_refuse(error, "its header's cid is not 3 to 4294967294");
		info->cid = (guint32)json_node_get_int(node);
	}
	node = json_object_get_member(obj, "store_size");
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64 || json_node_get_int(node) < 0)
		return vmds_export_refuse(error, "its header has no store_size");
	info->store_size = json_node_get_int(node);
	info->name = g_strdup(name);
	return TRUE;
}

/**
 * vmds_export_read:
 * @fd: an export file, as received
 * @info: (out caller-allocates): what it says, zeroed first
 * @error: a #GError or %NULL
 *
 * Checks the file whole: its format and version, its header, that it is
 * exactly as long as its header says (not truncated, nothing after), and
 * its checksum.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when it is not a whole
 *   export of this version
 */
gboolean
vmds_export_read(gint fd, VmdsExportInfo *info, GError **error)
{
	g_autofree gchar *head = g_malloc(VMDS_EXPORT_MAX_HEADER + 64);
	g_autofree guint8 *buf = NULL;
	gchar trailer[VMDS_EXPORT_TRAILER_LEN + 1] = {0};
	gchar sqlite_magic[sizeof VMDS_EXPORT_SQLITE_MAGIC] = {0};
	const gchar *line1_end, *line2_end;
	gchar expected[VMDS_EXPORT_TRAILER_LEN + 1];
	guint64 version = 0;
	gssize head_len;
	struct stat st;
	goffset pos;
	uLong crc;

	memset(info, 0, sizeof *info);
	if (fstat(fd, &st) < 0)
		return vmds_export_refuse(error, g_strerror(errno));
	head_len = vmds_export_pread(fd, head, VMDS_EXPORT_MAX_HEADER + 63, 0);
	if (head_len < 0)
		return vmds_export_refuse(error, g_strerror(errno));
	head[head_len] = '\0';
	if (!g_str_has_prefix(head, VMDS_EXPORT_MAGIC))
		return vmds_export_refuse(error, "it does not begin with 'VMDS-EXPORT '");
	line1_end = memchr(head, '\n', MIN((gsize)head_len, 32));
	if (line1_end == NULL)
		return vmds_export_refuse(error, "its first line does not end");
	{
		g_autofree gchar *digits =
		    g_strndup(head + strlen(VMDS_EXPORT_MAGIC),
			      (gsize)(line1_end - head) - strlen(VMDS_EXPORT_MAGIC));
		if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT32, &version, NULL))
			return vmds_export_refuse(error, "its format version is not a number");
	}
	if (version != VMDS_EXPORT_VERSION) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the file is an export of format version %" G_GUINT64_FORMAT
			    "; this vmds reads version %u: import it with a vmds that does",
			    version,
			    VMDS_EXPORT_VERSION);
		return FALSE;
	}
	line2_end = memchr(line1_end + 1, '\n', (gsize)(head + head_len - (line1_end + 1)));
	if (line2_end == NULL || line2_end - line1_end > VMDS_EXPORT_MAX_HEADER)
		return vmds_export_refuse(error, "its header line does not end within 4 KiB");
	if (!vmds_export_parse_header(
		line1_end + 1, (gsize)(line2_end - line1_end - 1), info, error)) {
		vmds_export_info_clear(info);
		return FALSE;
	}
	info->store_offset = line2_end + 1 - head;
	if (st.st_size < info->store_offset + VMDS_EXPORT_TRAILER_LEN ||
	    info->store_size > st.st_size - info->store_offset - VMDS_EXPORT_TRAILER_LEN) {
		vmds_export_info_clear(info);
		return vmds_export_refuse(error, "it is shorter than its header says (truncated)");
	}
	if (info->store_size < st.st_size - info->store_offset - VMDS_EXPORT_TRAILER_LEN) {
		vmds_export_info_clear(info);
		return vmds_export_refuse(error, "it goes on after its end");
	}
	if (vmds_export_pread(fd, sqlite_magic, sizeof sqlite_magic, info->store_offset) !=
		(gssize)sizeof sqlite_magic ||
	    memcmp(sqlite_magic, VMDS_EXPORT_SQLITE_MAGIC, sizeof sqlite_magic) != 0) {
		vmds_export_info_clear(info);
		return vmds_export_refuse(error, "what it holds is not a store");
	}
	/* the checksum of everything before the trailer */
	buf = g_malloc(VMDS_EXPORT_PART);
	crc = crc32(0, NULL, 0);
	for (pos = 0; pos < info->store_offset + info->store_size;) {
		gsize want =
		    (gsize)MIN(info->store_offset + info->store_size - pos, VMDS_EXPORT_PART);
		gssize n = vmds_export_pread(fd, buf, want, pos);
		if (n != (gssize)want) {
			vmds_export_info_clear(info);
			return vmds_export_refuse(error,
						  n < 0 ? g_strerror(errno) : "it ended early");
		}
		crc = crc32(crc, buf, (uInt)n);
		pos += n;
	}
	g_snprintf(expected, sizeof expected, "CRC32 %08lx\n", crc);
	if (vmds_export_pread(fd, trailer, VMDS_EXPORT_TRAILER_LEN, pos) !=
		VMDS_EXPORT_TRAILER_LEN ||
	    !g_str_has_prefix(trailer, "CRC32 ")) {
		vmds_export_info_clear(info);
		return vmds_export_refuse(error, "it has no checksum at its end (truncated)");
	}
	if (strcmp(trailer, expected) != 0) {
		vmds_export_info_clear(info);
		return vmds_export_refuse(error, "its checksum does not match: it was damaged");
	}
	return TRUE;
}

void
vmds_export_info_clear(VmdsExportInfo *info)
{
	g_clear_pointer(&info->name, g_free);
}
