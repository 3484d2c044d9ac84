/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmds-safe-path.h"
#include "vmds.h"

/*
 * Whether the daemon can trust a path: whether anyone but root and the
 * daemon's own user can change what it names. A directory, config file,
 * password file or plugin is trusted when
 *
 * - every directory on the way to it, and every symlink followed, is owned
 *   by root or the daemon's user, and no one else can write those
 *   directories; a directory on the way that others may write is fine only
 *   with the sticky bit (/tmp), where no one else can rename or remove what
 *   root or we own in it;
 * - it is owned by root or the daemon's user and no one else can write it
 *   (a secret: no one else can read it either).
 *
 * The walk goes from / one component at a time through O_PATH descriptors
 * and checks what it opened, so the object checked is the object used: a
 * file is read, and a plugin loaded, through the descriptor the check ends
 * with. Socket modes and owners are set the same way, never through a link.
 */

#define VMDS_SAFE_PATH_MAX_LINKS 40

typedef gint VmdsSafePathFd;

static void
vmds_safe_path_close(VmdsSafePathFd fd)
{
	close(fd);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(VmdsSafePathFd, vmds_safe_path_close, -1)

/* what the object at the end of a walk must be */
typedef enum {
	VMDS_SAFE_PATH_RULE_ON_THE_WAY, /* a directory others may write if it is sticky */
	VMDS_SAFE_PATH_RULE_END,	/* no one else may write it */
	VMDS_SAFE_PATH_RULE_SECRET,	/* no one else may do anything with it */
} VmdsSafePathRule;

static gboolean G_GNUC_PRINTF(3, 4)
    vmds_safe_path_set_errno(GError **error, gint errsv, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *message = NULL;
	VmdsError code = VMDS_ERROR_STORAGE;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	if (errsv == ENOENT || errsv == ENOTDIR)
		code = VMDS_ERROR_NOT_FOUND;
	else if (errsv == EACCES || errsv == EPERM)
		code = VMDS_ERROR_ACCESS_DENIED;
	else if (errsv == ELOOP)
		code = VMDS_ERROR_INVALID_ARGUMENT;
	g_set_error(error, VMDS_ERROR, code, "%s: %s", message, g_strerror(errsv));
	return FALSE;
}

static gchar *
vmds_safe_path_user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	return pw != NULL ? g_strdup(pw->pw_name) : g_strdup_printf("%u", (guint)uid);
}

/* who can write it, as a phrase; NULL when no one but its owner can */
static const gchar *
vmds_safe_path_writers(mode_t mode)
{
	if ((mode & S_IWGRP) != 0 && (mode & S_IWOTH) != 0)
		return "group and others";
	if ((mode & S_IWGRP) != 0)
		return "its group";
	if ((mode & S_IWOTH) != 0)
		return "others";
	return NULL;
}

/*
 * Checks @st, the object @what on the way to @path or at its end, against
 * @rule; the error names it, its owner and mode, and the command that fixes it.
 */
static gboolean
vmds_safe_path_check_stat(const gchar *path,
			  const gchar *what,
			  const struct stat *st,
			  VmdsSafePathRule rule,
			  GError **error)
{
	g_autofree gchar *owner = vmds_safe_path_user_name(st->st_uid);
	g_autofree gchar *prefix =
	    g_strcmp0(path, what) != 0 ? g_strdup_printf("cannot trust %s: ", path) : g_strdup("");
	guint mode = (guint)(st->st_mode & 07777);
	const gchar *writers = vmds_safe_path_writers(st->st_mode);

	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		g_autofree gchar *me = vmds_safe_path_user_name(geteuid());
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ACCESS_DENIED,
			    "%s%s is owned by %s (uid %u, mode %04o), not by root or the daemon's "
			    "user %s: run 'chown %s%s %s'",
			    prefix,
			    what,
			    owner,
			    (guint)st->st_uid,
			    mode,
			    me,
			    S_ISLNK(st->st_mode) ? "-h " : "",
			    me,
			    what);
		return FALSE;
	}
	if (S_ISLNK(st->st_mode))
		return TRUE;
	if (rule == VMDS_SAFE_PATH_RULE_SECRET && (st->st_mode & 077) != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ACCESS_DENIED,
			    "%s%s is a secret open to group or others (owner %s, mode %04o): run "
			    "'chmod 0600 %s'",
			    prefix,
			    what,
			    owner,
			    mode,
			    what);
		return FALSE;
	}
	if (writers == NULL)
		return TRUE;
	if (rule == VMDS_SAFE_PATH_RULE_ON_THE_WAY && S_ISDIR(st->st_mode) &&
	    (st->st_mode & S_ISVTX) != 0)
		return TRUE;
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_ACCESS_DENIED,
		    "%s%s is writable by %s (owner %s, mode %04o): run 'chmod go-w %s'",
		    prefix,
		    what,
		    writers,
		    owner,
		    mode,
		    what);
	return FALSE;
}

/* the components of @path, pushed so that the first is popped first */
static void
vmds_safe_path_push(GPtrArray *todo, const gchar *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);

	for (guint i = g_strv_length(parts); i > 0; i--) {
		if (parts[i - 1][0] != '\0' && g_strcmp0(parts[i - 1], ".") != 0)
			g_ptr_array_add(todo, g_strdup(parts[i - 1]));
	}
}

static void
vmds_safe_path_close_cb(gpointer data)
{
	if (*(gint *)data >= 0)
		close(*(gint *)data);
}

/* the walked path to @depth directories, "/" at 0 */
static gchar *
vmds_safe_path_join(GPtrArray *names, guint depth, const gchar *last)
{
	g_autoptr(GString) str = g_string_new(NULL);

	for (guint i = 0; i < depth; i++)
		g_string_append_printf(str, "/%s", (const gchar *)g_ptr_array_index(names, i));
	if (last != NULL)
		g_string_append_printf(str, "/%s", last);
	if (str->len == 0)
		g_string_append_c(str, '/');
	return g_string_free(g_steal_pointer(&str), FALSE);
}

/*
 * Walks @path from / and checks every directory and symlink on the way. The
 * end is left to the caller: @dir_fd is the directory holding it, @name its
 * name there ("." for / itself), @what its path without symlinks, and @st
 * what it is (not followed: the end is a symlink only when @follow is
 * FALSE). A relative @path starts at the working directory.
 */
static gboolean
vmds_safe_path_walk(const gchar *path,
		    gboolean follow,
		    gint *dir_fd,
		    gchar **name,
		    gchar **what,
		    struct stat *st,
		    GError **error)
{
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(gint));
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *last = NULL;
	guint links = 0;
	gint fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	g_array_set_clear_func(fds, vmds_safe_path_close_cb);
	if (fd < 0 || fstat(fd, st) < 0) {
		gint errsv = errno;
		if (fd >= 0)
			close(fd);
		return vmds_safe_path_set_errno(error, errsv, "cannot open /");
	}
	g_array_append_val(fds, fd);
	if (!vmds_safe_path_check_stat(path, "/", st, VMDS_SAFE_PATH_RULE_ON_THE_WAY, error))
		return FALSE;
	vmds_safe_path_push(todo, path);
	if (!g_path_is_absolute(path)) {
		g_autofree gchar *cwd = g_get_current_dir();
		vmds_safe_path_push(todo, cwd);
	}
	while (todo->len > 0) {
		g_autofree gchar *comp = g_ptr_array_steal_index(todo, todo->len - 1);
		gint top = g_array_index(fds, gint, fds->len - 1);
		g_autofree gchar *here = NULL;
		gchar target[PATH_MAX];
		gssize n;

		if (g_strcmp0(comp, "..") == 0) {
			if (fds->len > 1) {
				g_array_set_size(fds, fds->len - 1);
				g_ptr_array_set_size(names, names->len - 1);
			}
			continue;
		}
		here = vmds_safe_path_join(names, names->len, comp);
		if (fstatat(top, comp, st, AT_SYMLINK_NOFOLLOW) < 0)
			return vmds_safe_path_set_errno(error, errno, "cannot open %s", here);
		if (S_ISLNK(st->st_mode) && (todo->len > 0 || follow)) {
			if (!vmds_safe_path_check_stat(
				path, here, st, VMDS_SAFE_PATH_RULE_ON_THE_WAY, error))
				return FALSE;
			if (++links > VMDS_SAFE_PATH_MAX_LINKS)
				return vmds_safe_path_set_errno(
				    error, ELOOP, "cannot follow %s", here);
			n = readlinkat(top, comp, target, sizeof(target) - 1);
			if (n < 0)
				return vmds_safe_path_set_errno(
				    error, errno, "cannot read the link %s", here);
			target[n] = '\0';
			if (target[0] == '/') {
				g_array_set_size(fds, 1);
				g_ptr_array_set_size(names, 0);
			}
			vmds_safe_path_push(todo, target);
			continue;
		}
		if (todo->len == 0) {
			last = g_steal_pointer(&comp);
			break;
		}
		if (!S_ISDIR(st->st_mode))
			return vmds_safe_path_set_errno(error, ENOTDIR, "cannot open %s", here);
		fd = openat(top, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return vmds_safe_path_set_errno(error, errno, "cannot open %s", here);
		g_array_append_val(fds, fd);
		g_ptr_array_add(names, g_steal_pointer(&comp));
		if (fstat(fd, st) < 0)
			return vmds_safe_path_set_errno(error, errno, "cannot open %s", here);
		if (!vmds_safe_path_check_stat(
			path, here, st, VMDS_SAFE_PATH_RULE_ON_THE_WAY, error))
			return FALSE;
	}
	/* the end is a directory already walked into: /, or a path ending in .. */
	if (last == NULL) {
		last = g_strdup(".");
		*what = vmds_safe_path_join(names, names->len, NULL);
	} else {
		*what = vmds_safe_path_join(names, names->len, last);
	}
	*dir_fd = g_array_index(fds, gint, fds->len - 1);
	g_array_index(fds, gint, fds->len - 1) = -1;
	g_array_set_size(fds, fds->len - 1);
	*name = g_steal_pointer(&last);
	return fstatat(*dir_fd, *name, st, AT_SYMLINK_NOFOLLOW) == 0 ||
	       vmds_safe_path_set_errno(error, errno, "cannot open %s", *what);
}

/**
 * vmds_safe_path_check_dir:
 * @path: a directory the daemon keeps its state, sockets or plugins in
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_NOT_FOUND when @path does not exist,
 * %VMDS_ERROR_ACCESS_DENIED when someone other than root or the daemon's
 * user can change what it holds (the message names the culprit, its owner
 * and mode, and the command that fixes it)
 */
gboolean
vmds_safe_path_check_dir(const gchar *path, GError **error)
{
	g_auto(VmdsSafePathFd) dir_fd = -1;
	g_autofree gchar *name = NULL;
	g_autofree gchar *what = NULL;
	struct stat st;

	g_return_val_if_fail(path != NULL, FALSE);

	if (!vmds_safe_path_walk(path, TRUE, &dir_fd, &name, &what, &st, error))
		return FALSE;
	if (!S_ISDIR(st.st_mode))
		return vmds_safe_path_set_errno(error, ENOTDIR, "cannot use %s", what);
	return vmds_safe_path_check_stat(path, what, &st, VMDS_SAFE_PATH_RULE_END, error);
}

/**
 * vmds_safe_path_open:
 * @path: a file
 * @flags: what else it must be
 * @error: a #GError or %NULL
 *
 * Opens a regular file for reading once vmds_safe_path_check_dir()'s rule
 * holds for the directories on the way and the file is owned by root or the
 * daemon's user and not writable by anyone else. The checks are made on
 * the descriptor returned.
 *
 * Returns: a descriptor (close-on-exec), or -1 with %VMDS_ERROR_NOT_FOUND,
 * %VMDS_ERROR_ACCESS_DENIED or %VMDS_ERROR_INVALID_ARGUMENT (not a regular
 * file, or a symlink with %VMDS_SAFE_PATH_FLAG_NOFOLLOW)
 */
gint
vmds_safe_path_open(const gchar *path, VmdsSafePathFlags flags, GError **error)
{
	g_auto(VmdsSafePathFd) dir_fd = -1;
	g_auto(VmdsSafePathFd) fd = -1;
	g_autofree gchar *name = NULL;
	g_autofree gchar *what = NULL;
	gboolean follow = (flags & VMDS_SAFE_PATH_FLAG_NOFOLLOW) == 0;
	VmdsSafePathRule rule = (flags & VMDS_SAFE_PATH_FLAG_PRIVATE) != 0
				    ? VMDS_SAFE_PATH_RULE_SECRET
				    : VMDS_SAFE_PATH_RULE_END;
	struct stat st;

	g_return_val_if_fail(path != NULL, -1);

	if (!vmds_safe_path_walk(path, follow, &dir_fd, &name, &what, &st, error))
		return -1;
	if (S_ISLNK(st.st_mode)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s is a symbolic link: only the file itself is accepted",
			    what);
		return -1;
	}
	/* anything else (a FIFO, a device) could block or act on open */
	if (!S_ISREG(st.st_mode)) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "%s is not a file", what);
		return -1;
	}
	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		vmds_safe_path_set_errno(error, errno, "cannot open %s", what);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "%s is not a file", what);
		return -1;
	}
	if (!vmds_safe_path_check_stat(path, what, &st, rule, error))
		return -1;
	return g_steal_fd(&fd);
}

/**
 * vmds_safe_path_read:
 * @path: a file
 * @flags: what else it must be
 * @len: (out) (optional): its length
 * @error: a #GError or %NULL
 *
 * Reads a file vmds_safe_path_open() accepts.
 *
 * Returns: (transfer full): its contents, NUL-terminated
 */
gchar *
vmds_safe_path_read(const gchar *path, VmdsSafePathFlags flags, gsize *len, GError **error)
{
	g_auto(VmdsSafePathFd) fd = vmds_safe_path_open(path, flags, error);
	g_autoptr(GString) buf = NULL;

	if (fd < 0)
		return NULL;
	buf = g_string_new(NULL);
	for (;;) {
		gchar chunk[4096];
		gssize n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vmds_safe_path_set_errno(error, errno, "cannot read %s", path);
			return NULL;
		}
		if (n == 0)
			break;
		g_string_append_len(buf, chunk, n);
	}
	if (len != NULL)
		*len = buf->len;
	return g_string_free(g_steal_pointer(&buf), FALSE);
}

/**
 * vmds_safe_path_set_socket:
 * @path: a unix socket the daemon just bound
 * @mode: its file mode
 * @uid: its owner, or (uid_t)-1 to leave it
 * @gid: its group, or (gid_t)-1 to leave it
 * @error: a #GError or %NULL
 *
 * Sets the mode, owner and group of the socket file at @path without
 * following a symlink: whatever is found there is opened with O_PATH and
 * O_NOFOLLOW, must be a socket, and is changed through that descriptor.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when @path is not a socket
 */
gboolean
vmds_safe_path_set_socket(const gchar *path, guint mode, uid_t uid, gid_t gid, GError **error)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *base = NULL;
	g_autofree gchar *proc = NULL;
	g_auto(VmdsSafePathFd) dir_fd = -1;
	g_auto(VmdsSafePathFd) fd = -1;
	struct stat st;

	g_return_val_if_fail(path != NULL, FALSE);

	dir = g_path_get_dirname(path);
	base = g_path_get_basename(path);
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return vmds_safe_path_set_errno(error, errno, "cannot open %s", dir);
	fd = openat(dir_fd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return vmds_safe_path_set_errno(error, errno, "cannot open %s", path);
	if (!S_ISSOCK(st.st_mode)) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "%s is not a socket", path);
		return FALSE;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return vmds_safe_path_set_errno(
		    error, errno, "cannot set the owner or group of %s", path);
	/* what glibc's fchmodat(AT_SYMLINK_NOFOLLOW) does, on the object checked */
	proc = g_strdup_printf("/proc/self/fd/%d", fd);
	if (chmod(proc, mode) < 0)
		return vmds_safe_path_set_errno(error, errno, "cannot set the mode of %s", path);
	return TRUE;
}

/**
 * vmds_safe_path_listen_socket:
 * @path: where the socket goes; nothing may be there (a caller removes
 *   what a killed daemon left, as its policy says)
 * @mode: its file mode
 * @uid: its owner, or (uid_t)-1 to leave it
 * @gid: its group, or (gid_t)-1 to leave it
 * @error: a #GError or %NULL
 *
 * Binds a non-blocking unix stream socket to @path, sets its mode, owner
 * and group as vmds_safe_path_set_socket() does (before anyone can connect)
 * and listens. On failure nothing is left at @path.
 *
 * Returns: the listening descriptor, or -1 with a %G_IO_ERROR (or the
 *   error of vmds_safe_path_set_socket())
 */
gint
vmds_safe_path_listen_socket(const gchar *path, guint mode, uid_t uid, gid_t gid, GError **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	gint fd;
	gint errsv;

	g_return_val_if_fail(path != NULL, -1);

	if (strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_FILENAME_TOO_LONG,
			    "%s is %zu bytes, a socket path at most %zu: use a shorter run "
			    "directory",
			    path,
			    strlen(path),
			    sizeof(addr.sun_path) - 1);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		errsv = errno;
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	if (!vmds_safe_path_set_socket(path, mode, uid, gid, error)) {
		close(fd);
		g_unlink(path);
		return -1;
	}
	if (listen(fd, 128) < 0) {
		errsv = errno;
		close(fd);
		g_unlink(path);
		goto fail;
	}
	return fd;

fail:
	g_set_error(error,
		    G_IO_ERROR,
		    g_io_error_from_errno(errsv),
		    "cannot listen on %s: %s",
		    path,
		    g_strerror(errsv));
	return -1;
}
