/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
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

/* the rest of @in to @out, in the kernel when it can, else through a buffer */
static gboolean
vmds_durable_copy_fd(gint in, gint out, const gchar *to, GError **error)
{
	g_autofree gchar *buf = NULL;

	for (;;) {
		gssize n = copy_file_range(in, NULL, out, NULL, VMDS_DURABLE_CHUNK, 0);
		if (n == 0)
			return TRUE;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 &&
		    (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP))
			break;
		if (n < 0)
			return vmds_durable_fail("write", to, errno, error);
	}
	buf = g_malloc(VMDS_DURABLE_CHUNK);
	for (;;) {
		gssize n = read(in, buf, VMDS_DURABLE_CHUNK);
		if (n == 0)
			return TRUE;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmds_durable_fail("read for", to, errno, error);
		for (gssize done = 0; done < n;) {
			gssize w = write(out, buf + done, (gsize)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return vmds_durable_fail("write", to, errno, error);
			done += w;
		}
	}
}

/**
 * vmds_durable_copy:
 * @from: a file
 * @to: where its copy goes: a file that does not exist
 * @error: a #GError or %NULL
 *
 * Copies @from to @to (mode 0600) and syncs the copy; @to is removed again
 * when that fails. The caller renames it into place (vmds_durable_rename()).
 *
 * Returns: %TRUE once the copy is on disk
 */
gboolean
vmds_durable_copy(const gchar *from, const gchar *to, GError **error)
{
	gint in = g_open(from, O_RDONLY | O_CLOEXEC, 0);
	gint out;
	gboolean ok;

	if (in < 0)
		return vmds_durable_fail("open", from, errno, error);
	out = g_open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		gint errsv = errno;
		close(in);
		return vmds_durable_fail("create", to, errsv, error);
	}
	ok = vmds_durable_copy_fd(in, out, to, error);
	if (ok && fsync(out) < 0)
		ok = vmds_durable_fail("sync", to, errno, error);
	close(in);
	if (close(out) < 0 && ok)
		ok = vmds_durable_fail("write", to, errno, error);
	if (!ok)
		g_unlink(to);
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
