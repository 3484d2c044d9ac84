/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-durable.h"
#include "vmds-error.h"

/*
 * File operations that are on disk once they return, so that a crash (a
 * kill -9, a power cut) right after leaves what they made, whole.
 */

/* the bytes a copy moves per read and write, when the kernel cannot copy */
#define VMDS_DURABLE_CHUNK (1024 * 1024)

static gboolean
vmds_durable_fail(const gchar *what, const gchar *path, gint errsv, GError **error)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_STORAGE,
		    "cannot %s %s: %s",
		    what,
		    path,
		    g_strerror(errsv));
	return FALSE;
}

/**
 * vmds_durable_sync:
 * @path: a file, or a directory (then the names in it)
 * @error: a #GError or %NULL
 *
 * Returns: %TRUE once what @path holds is on disk
 */
gboolean
vmds_durable_sync(const gchar *path, GError **error)
{
	gint fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0 || fsync(fd) < 0) {
		gint errsv = errno;
		if (fd >= 0)
			close(fd);
		return vmds_durable_fail("sync", path, errsv, error);
	}
	close(fd);
	return TRUE;
}

/* @size bytes of @in from @offset to @out, in the kernel when it can, else
 * through a buffer; FALSE when @in ends first */
static gboolean
vmds_durable_copy_fd(
    gint in, goffset offset, goffset size, gint out, const gchar *to, GError **error)
{
	g_autofree gchar *buf = NULL;
	loff_t off = offset;
	goffset left = size;

	while (left > 0) {
		gssize n =
		    copy_file_range(in, &off, out, NULL, (gsize)MIN(left, VMDS_DURABLE_CHUNK), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 &&
		    (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP))
			break;
		if (n < 0)
			return vmds_durable_fail("write", to, errno, error);
		if (n == 0)
			return vmds_durable_fail("copy to", to, EIO, error);
		left -= n;
	}
	if (left > 0)
		buf = g_malloc(VMDS_DURABLE_CHUNK);
	while (left > 0) {
		gssize n = pread(in, buf, (gsize)MIN(left, VMDS_DURABLE_CHUNK), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmds_durable_fail("read for", to, errno, error);
		if (n == 0)
			return vmds_durable_fail("copy to", to, EIO, error);
		for (gssize done = 0; done < n;) {
			gssize w = write(out, buf + done, (gsize)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return vmds_durable_fail("write", to, errno, error);
			done += w;
		}
		off += n;
		left -= n;
	}
	return TRUE;
}

/**
 * vmds_durable_copy_range:
 * @in: an open file
 * @offset: where in it what is copied starts
 * @size: how many bytes are copied
 * @to: where the copy goes: a file that does not exist
 * @error: a #GError or %NULL
 *
 * Copies @size bytes of @in from @offset to @to (mode 0600) and syncs the
 * copy; @to is removed again when that fails. The caller renames it into
 * place (vmds_durable_rename()).
 *
 * Returns: %TRUE once the copy is on disk
 */
gboolean
vmds_durable_copy_range(gint in, goffset offset, goffset size, const gchar *to, GError **error)
{
	gint out = g_open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	gboolean ok;

	if (out < 0)
		return vmds_durable_fail("create", to, errno, error);
	ok = vmds_durable_copy_fd(in, offset, size, out, to, error);
	if (ok && fsync(out) < 0)
		ok = vmds_durable_fail("sync", to, errno, error);
	if (close(out) < 0 && ok)
		ok = vmds_durable_fail("write", to, errno, error);
	if (!ok)
		g_unlink(to);
	return ok;
}

/**
 * vmds_durable_copy:
 * @from: a file
 * @to: where its copy goes: a file that does not exist
 * @error: a #GError or %NULL
 *
 * Copies @from to @to, durably (vmds_durable_copy_range()).
 *
 * Returns: %TRUE once the copy is on disk
 */
gboolean
vmds_durable_copy(const gchar *from, const gchar *to, GError **error)
{
	gint in = g_open(from, O_RDONLY | O_CLOEXEC, 0);
	struct stat st;
	gboolean ok;

	if (in < 0)
		return vmds_durable_fail("open", from, errno, error);
	if (fstat(in, &st) < 0) {
		gint errsv = errno;
		close(in);
		return vmds_durable_fail("read", from, errsv, error);
	}
	ok = vmds_durable_copy_range(in, 0, st.st_size, to, error);
	close(in);
	return ok;
}

/**
 * vmds_durable_rename:
 * @from: a file
 * @to: its new name, in the same directory; a file there is replaced
 * @error: a #GError or %NULL
 *
 * Returns: %TRUE once the new name is on disk
 */
gboolean
vmds_durable_rename(const gchar *from, const gchar *to, GError **error)
{
	g_autofree gchar *dir = g_path_get_dirname(to);

	if (g_rename(from, to) < 0)
		return vmds_durable_fail("rename to", to, errno, error);
	return vmds_durable_sync(dir, error);
}

/**
 * vmds_durable_remove_leftover:
 * @dir: a directory
 * @name: a file in it that a crash left half made (a `.part`, a snapshot's
 *   .ini without its copy, an export's copy)
 *
 * Removes it; a failure is only logged: the next start tries again.
 */
void
vmds_durable_remove_leftover(const gchar *dir, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);

	if (g_unlink(path) < 0)
		g_warning("cannot remove %s, left by a crash: %s", path, g_strerror(errno));
}
