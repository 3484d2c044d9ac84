/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* after stdint.h and sys/types.h: it uses their types without including
 * them; with its copy of libburn's struct burn_source, as there is no libburn
 * here to read the image it writes */
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs.h>

#include "vmds-error.h"
#include "vmds-ovf-iso.h"

/*
 * The OVF environment as vSphere's "iso" transport carries it: an ISO 9660
 * image the hypervisor attaches to the VM as a CD-ROM, holding the document
 * as `ovf-env.xml` at its root, volume id `OVF ENV`. libisofs writes and
 * reads the format; nothing here knows its bytes.
 *
 * The names a guest sees: `ovf-env.xml` through Rock Ridge and Joliet (Linux
 * mounts, Windows), `OVF_ENV.XML;1` in the plain ISO 9660 tree (level 1),
 * which Linux shows as `ovf_env.xml` when mounted with norock,nojoliet;
 * cloud-init's OVF datasource looks for ovf-env.xml, ovf_env.xml,
 * OVF_ENV.XML and OVF-ENV.XML, so each way of mounting finds one.
 *
 * An image is deterministic: every time in it (the volume's, the directory
 * records', Rock Ridge's) is the env's mtime in UTC, so an unchanged env
 * makes the same bytes and vmds_ovf_iso_sync() leaves the file alone.
 */

/* the latest year an ISO 9660 directory record can carry (1900 + 255) */
#define VMDS_OVF_ISO_YEAR_MAX 2155

/* the shortest ISO 9660 image: 16 blocks of system area, then the primary
 * volume descriptor */
#define VMDS_OVF_ISO_SIZE_MIN (17 * 2048)

/* the bytes the image is read in from the writer thread at once; a multiple
 * of the 2048-byte block, as the ring buffer delivers a read whole or not */
#define VMDS_OVF_ISO_CHUNK (64 * 2048)

typedef struct burn_source VmdsOvfIsoBurnSource;

static void
vmds_ovf_iso_burn_source_free(VmdsOvfIsoBurnSource *bs)
{
	/* joins the writer thread; there is no libburn to do it */
	bs->free_data(bs);
	free(bs);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(IsoImage, iso_image_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IsoWriteOpts, iso_write_opts_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IsoReadOpts, iso_read_opts_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IsoDataSource, iso_data_source_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IsoStream, iso_stream_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IsoDirIter, iso_dir_iter_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsOvfIsoBurnSource, vmds_ovf_iso_burn_source_free)

/* a libisofs error code as a GError; FALSE when @ret is one */
static gboolean
vmds_ovf_iso_check(gint ret, gint code, const gchar *what, GError **error)
{
	if (ret >= 0)
		return TRUE;
	g_set_error(error, VMDS_ERROR, code, "%s: %s", what, iso_error_to_msg(ret));
	return FALSE;
}

/* an errno as a GError naming @path: the converter's code when it has one,
 * else a storage error, the disk's */
static gboolean
vmds_ovf_iso_fail(const gchar *what, const gchar *path, gint errsv, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	g_set_error(&error_local,
		    G_FILE_ERROR,
		    g_file_error_from_errno(errsv),
		    "cannot %s %s: %s",
		    what,
		    path,
		    g_strerror(errsv));
	vmds_error_convert(&error_local);
	if (error_local->code == VMDS_ERROR_INTERNAL)
		error_local->code = VMDS_ERROR_STORAGE;
	g_propagate_error(error, g_steal_pointer(&error_local));
	return FALSE;
}

/*
 * libisofs keeps process-wide state that iso_init() sets up (its message
 * queue, the node xinfo cloners it registers) and counts no users of: an
 * iso_finish() would free it under another thread building or reading an
 * image, and freeing it before the process exits gains nothing. So it is
 * set up once, on first use, and never finished.
 *
 * iso_init_with_flag(1) is iso_init() without its setlocale(LC_CTYPE, ""),
 * which would change the locale of the whole process; names are UTF-8
 * whatever the locale says.
 */
static gboolean
vmds_ovf_iso_init(GError **error)
{
	static gsize done = 0;
	static gint ret = 0;

	if (g_once_init_enter(&done)) {
		ret = iso_init_with_flag(1);
		if (ret >= 0) {
			iso_set_local_charset("UTF-8", 0);
			/* its messages go nowhere: its codes become GErrors */
			iso_set_msgs_severities("NEVER", "NEVER", "libisofs: ");
		}
		g_once_init_leave(&done, 1);
	}
	return vmds_ovf_iso_check(ret, VMDS_ERROR_INTERNAL, "cannot set up libisofs", error);
}

/* @mtime as the volume's "uuid", YYYYMMDDhhmmsscc in UTC, which libisofs
 * writes as the volume's creation and modification times (and so blkid's
 * UUID of the image) */
static gchar *
vmds_ovf_iso_uuid(gint64 mtime, GError **error)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autofree gchar *secs = NULL;

	if (mtime >= 0)
		dt = g_date_time_new_from_unix_utc(mtime / G_USEC_PER_SEC);
	if (dt == NULL || g_date_time_get_year(dt) > VMDS_OVF_ISO_YEAR_MAX) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the time %" G_GINT64_FORMAT
			    " µs since the epoch is not between 1970 and %d, which an ISO 9660 "
			    "image can carry",
			    mtime,
			    VMDS_OVF_ISO_YEAR_MAX);
		return NULL;
	}
	secs = g_date_time_format(dt, "%Y%m%d%H%M%S");
	return g_strdup_printf("%s%02d", secs, (gint)(mtime % G_USEC_PER_SEC / 10000));
}

/* the options every image is written with: its times and owners fixed */
static IsoWriteOpts *
vmds_ovf_iso_write_opts(time_t secs, gchar *uuid, GError **error)
{
	g_autoptr(IsoWriteOpts) opts = NULL;
	gint ret = iso_write_opts_new(&opts, 0);

	if (ret >= 0)
		ret = iso_write_opts_set_iso_level(opts, 1);
	if (ret >= 0)
		ret = iso_write_opts_set_rockridge(opts, 1);
	if (ret >= 0)
		ret = iso_write_opts_set_joliet(opts, 1);
	if (ret >= 0)
		ret = iso_write_opts_set_output_charset(opts, "UTF-8");
	/* the volume id as given, "OVF ENV", not "OVF_ENV": ECMA-119 allows no
	 * space in it, but guests look for the label with one (as mkisofs
	 * writes it) */
	if (ret >= 0)
		ret = iso_write_opts_set_relaxed_vol_atts(opts, 1);
	/* Joliet's name "ovf-env.xml", not "ovf-env.xml;1" (as mkisofs writes
	 * it); the plain tree keeps its "OVF_ENV.XML;1" */
	if (ret >= 0)
		ret = iso_write_opts_set_omit_version_numbers(opts, 2);
	/* root:root, r-x for the directory and r-- for the file */
	if (ret >= 0)
		ret = iso_write_opts_set_replace_mode(opts, 2, 2, 2, 2);
	if (ret >= 0)
		ret = iso_write_opts_set_default_dir_mode(opts, 0555);
	if (ret >= 0)
		ret = iso_write_opts_set_default_file_mode(opts, 0444);
	if (ret >= 0)
		ret = iso_write_opts_set_default_uid(opts, 0);
	if (ret >= 0)
		ret = iso_write_opts_set_default_gid(opts, 0);
	/* every node's times (Rock Ridge's, and the directory records' of the
	 * ISO 9660 and Joliet trees) are @secs, in UTC whatever the zone */
	if (ret >= 0)
		ret = iso_write_opts_set_replace_timestamps(opts, 2);
	if (ret >= 0)
		ret = iso_write_opts_set_default_timestamp(opts, secs);
	if (ret >= 0)
		ret = iso_write_opts_set_dir_rec_mtime(opts, 7);
	if (ret >= 0)
		ret = iso_write_opts_set_always_gmt(opts, 1);
	/* the volume's times: the uuid overrides creation and modification */
	if (ret >= 0)
		ret = iso_write_opts_set_pvd_times(opts, secs, secs, 0, 0, uuid);
	if (!vmds_ovf_iso_check(
		ret, VMDS_ERROR_INTERNAL, "cannot set the options of the ISO image", error))
		return NULL;
	return g_steal_pointer(&opts);
}

/* what the writer thread makes, in memory */
static GBytes *
vmds_ovf_iso_read_image(VmdsOvfIsoBurnSource *bs, GError **error)
{
	off_t size = bs->get_size(bs);
	g_autofree guchar *data = NULL;
	guchar tail[2048];
	off_t done = 0;

	if (size <= 0 || size > G_MAXINT32) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INTERNAL,
			    "libisofs sizes the ISO image at %" G_GINT64_FORMAT " bytes",
			    (gint64)size);
		return NULL;
	}
	data = g_malloc((gsize)size);
	while (done < size) {
		gint want = (gint)MIN(size - done, VMDS_OVF_ISO_CHUNK);
		gint n = bs->read_xt(bs, data + done, want);
		if (n != want) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INTERNAL,
				    "libisofs stopped writing the ISO image after %" G_GINT64_FORMAT
				    " of %" G_GINT64_FORMAT " bytes",
				    (gint64)done,
				    (gint64)size);
			return NULL;
		}
		done += n;
	}
	/* then the end, once the writer thread is done; 3: it failed after all */
	if (bs->read_xt(bs, tail, sizeof(tail)) != 0 ||
	    iso_ring_buffer_get_status(bs, NULL, NULL) == 3) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INTERNAL,
				    "libisofs failed to write the ISO image");
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&data), (gsize)size);
}

/**
 * vmds_ovf_iso_build:
 * @env: the OVF environment document (vmds_ovf_env_write())
 * @mtime: when it last changed, in microseconds since the epoch (UTC)
 * @error: a #GError or %NULL
 *
 * Makes the ISO 9660 image of vSphere's "iso" transport: the volume
 * %VMDS_OVF_ISO_VOLUME_ID holding @env alone, as %VMDS_OVF_ISO_ENV_NAME at
 * its root, with Rock Ridge and Joliet names. Every time in the image is
 * @mtime, so the same @env and @mtime make the same bytes.
 *
 * Returns: (transfer full): the image; %NULL with
 *   %VMDS_ERROR_INVALID_ARGUMENT when @mtime is before 1970 or after 2155
 */
GBytes *
vmds_ovf_iso_build(GBytes *env, gint64 mtime, GError **error)
{
	gsize env_size = 0;
	const guint8 *env_data = NULL;
	time_t secs = (time_t)(mtime / G_USEC_PER_SEC);
	guchar *buf;
	gint ret;
	g_autofree gchar *uuid = NULL;
	g_autoptr(IsoImage) image = NULL;
	g_autoptr(IsoWriteOpts) opts = NULL;
	g_autoptr(IsoStream) stream = NULL;
	g_autoptr(VmdsOvfIsoBurnSource) bs = NULL;

	g_return_val_if_fail(env != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!vmds_ovf_iso_init(error))
		return NULL;
	uuid = vmds_ovf_iso_uuid(mtime, error);
	if (uuid == NULL)
		return NULL;
	opts = vmds_ovf_iso_write_opts(secs, uuid, error);
	if (opts == NULL)
		return NULL;

	/* the stream takes the buffer and free()s it: a copy from malloc() */
	env_data = g_bytes_get_data(env, &env_size);
	buf = malloc(MAX(env_size, 1));
	if (buf == NULL) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INTERNAL, "no memory for the ISO image");
		return NULL;
	}
	if (env_size > 0)
		memcpy(buf, env_data, env_size);
	ret = iso_memory_stream_new(buf, env_size, &stream);
	if (ret < 0)
		free(buf);
	if (ret >= 0)
		ret = iso_image_new(VMDS_OVF_ISO_VOLUME_ID, &image);
	/* the file takes the stream's reference */
	if (ret >= 0)
		ret = iso_image_add_new_file(
		    image, iso_image_get_root(image), VMDS_OVF_ISO_ENV_NAME, stream, NULL);
	if (ret >= 0)
		g_steal_pointer(&stream);
	if (ret >= 0)
		ret = iso_image_create_burn_source(image, opts, &bs);
	if (!vmds_ovf_iso_check(ret,
				VMDS_ERROR_INTERNAL,
				"cannot make the ISO image of the OVF environment",
				error))
		return NULL;
	return vmds_ovf_iso_read_image(bs, error);
}

/* whether @path holds @iso already; a file that is not there does not */
static gboolean
vmds_ovf_iso_same(const gchar *path, GBytes *iso, gboolean *same, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	GStatBuf st;
	g_autoptr(GError) error_local = NULL;

	*same = FALSE;
	if (g_stat(path, &st) < 0) {
		if (errno == ENOENT)
			return TRUE;
		return vmds_ovf_iso_fail("read", path, errno, error);
	}
	if (!S_ISREG(st.st_mode) || (guint64)st.st_size != g_bytes_get_size(iso))
		return TRUE;
	if (!g_file_get_contents(path, &data, &len, &error_local)) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		vmds_error_convert(&error_local);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	*same = len == g_bytes_get_size(iso) && memcmp(data, g_bytes_get_data(iso, NULL), len) == 0;
	return TRUE;
}

/* @iso in @part, on disk; @part is gone again when that fails */
static gboolean
vmds_ovf_iso_write_part(const gchar *part, GBytes *iso, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(iso, &len);
	gint fd = g_open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	gboolean ok = TRUE;

	if (fd < 0)
		return vmds_ovf_iso_fail("create", part, errno, error);
	/* 0644 whatever the umask: the hypervisor reads it, maybe as another user */
	if (fchmod(fd, 0644) < 0)
		ok = vmds_ovf_iso_fail("set the mode of", part, errno, error);
	for (gsize done = 0; ok && done < len;) {
		gssize n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ok = vmds_ovf_iso_fail("write", part, errno, error);
		else
			done += (gsize)n;
	}
	if (ok && fsync(fd) < 0)
		ok = vmds_ovf_iso_fail("sync", part, errno, error);
	if (close(fd) < 0 && ok)
		ok = vmds_ovf_iso_fail("write", part, errno, error);
	if (!ok)
		g_unlink(part);
	return ok;
}

static gboolean
vmds_ovf_iso_sync_dir(const gchar *path, GError **error)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	gint fd = g_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd < 0 || fsync(fd) < 0) {
		gint errsv = errno;
		if (fd >= 0)
			close(fd);
		return vmds_ovf_iso_fail("sync", dir, errsv, error);
	}
	close(fd);
	return TRUE;
}

/**
 * vmds_ovf_iso_sync:
 * @path: the image file a VM's CD-ROM is backed by
 * @iso: what it is to hold (vmds_ovf_iso_build())
 * @changed: (out) (optional): whether @path was written
 * @error: a #GError or %NULL
 *
 * Makes @path hold exactly @iso. When it does already, nothing is written
 * and its inode and times are left alone. Otherwise @iso goes to
 * `@path.part` (mode 0644), is synced and renamed over @path, and the
 * directory is synced: a crash leaves the old image or the new one, and a
 * failure leaves the old one (and no `.part`).
 *
 * Returns: %TRUE once @path holds @iso, on disk
 */
gboolean
vmds_ovf_iso_sync(const gchar *path, GBytes *iso, gboolean *changed, GError **error)
{
	gboolean same = FALSE;
	g_autofree gchar *part = NULL;

	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(iso != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (changed != NULL)
		*changed = FALSE;
	if (!vmds_ovf_iso_same(path, iso, &same, error))
		return FALSE;
	if (same)
		return TRUE;
	part = g_strdup_printf("%s.part", path);
	if (!vmds_ovf_iso_write_part(part, iso, error))
		return FALSE;
	if (g_rename(part, path) < 0) {
		gint errsv = errno;
		g_unlink(part);
		return vmds_ovf_iso_fail("replace", path, errsv, error);
	}
	if (changed != NULL)
		*changed = TRUE;
	/* the new image is in place; this makes its name durable */
	return vmds_ovf_iso_sync_dir(path, error);
}

/* whether libisofs refused the image's format rather than failed to read it */
static gboolean
vmds_ovf_iso_is_format_error(gint ret)
{
	switch ((guint)ret) {
	case ISO_WRONG_PVD:
	case ISO_WRONG_RR:
	case ISO_UNSUPPORTED_RR:
	case ISO_WRONG_ECMA119:
	case ISO_UNSUPPORTED_ECMA119:
	case ISO_WRONG_EL_TORITO:
	case ISO_UNSUPPORTED_EL_TORITO:
	case ISO_UNSUPPORTED_VD:
	case ISO_WRONG_RR_WARN:
	case ISO_SUSP_WRONG_CE_SIZE:
	case ISO_DATA_SOURCE_SORRY:
	case ISO_DATA_SOURCE_MISHAP:
	case ISO_DATA_SOURCE_FAILURE:
	case ISO_DATA_SOURCE_FATAL:
		return TRUE;
	default:
		return FALSE;
	}
}

/* the env file at @root: ovf-env.xml, or the plain ISO 9660 tree's
 * ovf_env.xml, in any case */
static IsoNode *
vmds_ovf_iso_find_env(IsoDir *root)
{
	g_autoptr(IsoDirIter) iter = NULL;
	IsoNode *node = NULL;

	if (iso_dir_get_children(root, &iter) < 0)
		return NULL;
	while (iso_dir_iter_next(iter, &node) == 1) {
		const gchar *name = iso_node_get_name(node);
		if (ISO_NODE_IS_FILE(node) && name != NULL &&
		    (g_ascii_strcasecmp(name, VMDS_OVF_ISO_ENV_NAME) == 0 ||
		     g_ascii_strcasecmp(name, "ovf_env.xml") == 0))
			return node;
	}
	return NULL;
}

static GBytes *
vmds_ovf_iso_read_stream(const gchar *path, IsoStream *stream, gsize max_size, GError **error)
{
	off_t size = iso_stream_get_size(stream);
	g_autofree guchar *data = NULL;
	gsize done = 0;
	gint ret;

	if (size < 0 || (guint64)size > max_size) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_TOO_LARGE,
			    "the OVF environment in %s is %" G_GINT64_FORMAT
			    " bytes, more than the %" G_GSIZE_FORMAT " allowed",
			    path,
			    (gint64)size,
			    max_size);
		return NULL;
	}
	data = g_malloc(MAX((gsize)size, 1));
	ret = iso_stream_open(stream);
	while (ret >= 0 && done < (gsize)size) {
		ret = iso_stream_read(stream, data + done, (gsize)size - done);
		if (ret == 0)
			ret = (gint)ISO_FILE_READ_ERROR; /* ends before its size */
		else if (ret > 0)
			done += (gsize)ret;
	}
	if ((guint)ret != ISO_FILE_NOT_OPENED)
		iso_stream_close(stream);
	if (ret < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot read %s from %s: %s",
			    VMDS_OVF_ISO_ENV_NAME,
			    path,
			    iso_error_to_msg(ret));
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&data), done);
}

/**
 * vmds_ovf_iso_read_env:
 * @path: an ISO 9660 image: a file, or a CD-ROM's block device
 * @max_size: the most bytes the environment may have
 * @error: a #GError or %NULL
 *
 * Reads the OVF environment from the root of the image: `ovf-env.xml` in
 * any case (Rock Ridge or Joliet names; the plain ISO 9660 tree's
 * `OVF_ENV.XML` too).
 *
 * Returns: (transfer full): the environment; %NULL with
 *   %VMDS_ERROR_NOT_FOUND when @path or the file in it does not exist,
 *   %VMDS_ERROR_INVALID_ARGUMENT when @path is not an ISO 9660 image,
 *   %VMDS_ERROR_TOO_LARGE when the environment has more than @max_size bytes
 */
GBytes *
vmds_ovf_iso_read_env(const gchar *path, gsize max_size, GError **error)
{
	g_autofree gchar *abs_path = NULL;
	g_autoptr(IsoDataSource) src = NULL;
	g_autoptr(IsoReadOpts) opts = NULL;
	g_autoptr(IsoImage) image = NULL;
	IsoNode *node;
	struct stat st;
	gint fd;
	gint ret;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (!vmds_ovf_iso_init(error))
		return NULL;
	/* libisofs's data source opens it again; this says why it cannot, and
	 * tells a file too short to be an image (libisofs: "Read error") from a
	 * device that fails to read */
	fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		vmds_ovf_iso_fail("open", path, errno, error);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		vmds_ovf_iso_fail("read", path, errno, error);
		close(fd);
		return NULL;
	}
	close(fd);
	if (S_ISDIR(st.st_mode) || (!S_ISBLK(st.st_mode) && st.st_size < VMDS_OVF_ISO_SIZE_MIN)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s is not an ISO 9660 image",
			    path);
		return NULL;
	}

	abs_path = g_canonicalize_filename(path, NULL);
	ret = iso_data_source_new_from_file(abs_path, &src);
	if (ret >= 0)
		ret = iso_read_opts_new(&opts, 0);
	/* the names and the data are all it needs */
	if (ret >= 0)
		ret = iso_read_opts_set_no_aaip(opts, 1);
	if (ret >= 0)
		ret = iso_read_opts_set_no_md5(opts, 1);
	if (ret >= 0)
		ret = iso_read_opts_set_input_charset(opts, "UTF-8");
	if (ret >= 0)
		ret = iso_image_new(NULL, &image);
	if (!vmds_ovf_iso_check(ret, VMDS_ERROR_INTERNAL, "cannot set up libisofs", error))
		return NULL;
	ret = iso_image_import(image, src, opts, NULL);
	if (ret < 0 && vmds_ovf_iso_is_format_error(ret)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s is not an ISO 9660 image",
			    path);
		return NULL;
	}
	if (ret < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot read %s: %s",
			    path,
			    iso_error_to_msg(ret));
		return NULL;
	}
	node = vmds_ovf_iso_find_env(iso_image_get_root(image));
	if (node == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_NOT_FOUND,
			    "the ISO 9660 image %s holds no %s",
			    path,
			    VMDS_OVF_ISO_ENV_NAME);
		return NULL;
	}
	return vmds_ovf_iso_read_stream(path, iso_file_get_stream(ISO_FILE(node)), max_size, error);
}
