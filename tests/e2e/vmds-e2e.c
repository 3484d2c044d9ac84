/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmds-e2e.h"
#include "vmds-json.h"
#include "vmds-packet.h"
#include "vmds-test.h"

/* safety nets only: every wait ends as soon as its event happens */
#define VMDS_E2E_READY_TIMEOUT_S 60
#define VMDS_E2E_IO_TIMEOUT_MS	 60000

struct _VmdsE2e {
	gchar *tmp;
	gchar *state_dir;
	gchar *run_dir;
	gchar *config_path;
	gchar *log_path;
	gchar *notify_path;
	GSocket *notify;
	GSubprocess *daemon;
	gchar *url;
	gchar *password;
	SoupSession *soup;
	gchar *session;
	gchar **daemon_args;	   /* extra vmdsd arguments, e.g. -vv */
	guint64 fd_limit;	   /* RLIMIT_NOFILE the daemon starts with, or 0 */
	const gchar *asan_options; /* added to the daemon's ASAN_OPTIONS */
};

/* fixtures still alive when a failed test exits the forked child */
static GPtrArray *vmds_e2e_live = NULL;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMDS_E2E_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(VMDS_E2E_ASAN)
/*
 * LeakSanitizer skips the e2e test binaries themselves: what they could
 * leak is fixture code, and in a process with GLib threads and hundreds of
 * descriptors its exit check now and then crashes its own tracer ("Tracer
 * caught signal 11") after every test passed. The daemons they start are
 * checked: each runs LeakSanitizer at its exit, a report makes it exit
 * non-zero, and vmds_e2e_stop() fails the test on that.
 */
int __lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return 1;
}
#endif

/* an environment variable meson test sets; the test fails without it */
const gchar *
vmds_e2e_getenv(const gchar *name)
{
	const gchar *value = g_getenv(name);
	ck_assert_msg(
	    value != NULL && value[0] != '\0', "$%s is not set (run through meson test)", name);
	return value;
}

/* set while a test process exits early: daemons are killed, not checked */
static gboolean vmds_e2e_exiting = FALSE;

static void
vmds_e2e_atexit_cb(void)
{
	vmds_e2e_exiting = TRUE;
	while (vmds_e2e_live != NULL && vmds_e2e_live->len > 0)
		vmds_e2e_free(g_ptr_array_index(vmds_e2e_live, vmds_e2e_live->len - 1));
}

/* the daemon dies with the test process, even when a failed test exits early */
static void
vmds_e2e_child_setup_cb(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* a file size limit (the storage-error tests) fails writes, not the daemon */
	signal(SIGXFSZ, SIG_IGN);
}

/**
 * vmds_e2e_new:
 * @config: (nullable): the text of the daemon's config file
 *
 * Makes a fresh temp directory and starts vmdsd in it.
 */
VmdsE2e *
vmds_e2e_new(const gchar *config)
{
	return vmds_e2e_new_on(config, NULL);
}

/* a fixture whose daemon is not started yet */
static VmdsE2e *
vmds_e2e_create(const gchar *config, const gchar *state_dir)
{
	VmdsE2e *self = g_new0(VmdsE2e, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketAddress) address = NULL;

	self->tmp = g_dir_make_tmp("vmds-e2e-XXXXXX", &error);
	ck_assert_msg(self->tmp != NULL, "%s", error != NULL ? error->message : "");
	/* traversable by the unprivileged users of the access tests */
	ck_assert_int_eq(g_chmod(self->tmp, 0755), 0);
	self->state_dir =
	    state_dir != NULL ? g_strdup(state_dir) : g_build_filename(self->tmp, "state", NULL);
	self->run_dir = g_build_filename(self->tmp, "run", NULL);
	self->config_path = g_build_filename(self->tmp, "vmds.conf", NULL);
	self->log_path = g_build_filename(self->tmp, "vmdsd.log", NULL);
	self->notify_path = g_build_filename(self->tmp, "notify.sock", NULL);
	ck_assert(g_file_set_contents(self->config_path, config != NULL ? config : "", -1, NULL));

	self->notify = g_socket_new(
	    G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
	ck_assert_msg(self->notify != NULL, "%s", error != NULL ? error->message : "");
	address = g_unix_socket_address_new(self->notify_path);
	ck_assert_msg(g_socket_bind(self->notify, address, FALSE, &error),
		      "%s",
		      error != NULL ? error->message : "");

	if (vmds_e2e_live == NULL) {
		vmds_e2e_live = g_ptr_array_new();
		atexit(vmds_e2e_atexit_cb);
	}
	g_ptr_array_add(vmds_e2e_live, self);
	return self;
}

/**
 * vmds_e2e_new_on:
 * @config: (nullable): the text of the daemon's config file
 * @state_dir: (nullable): another fixture's state directory, to share it
 *
 * Like vmds_e2e_new(), on a given state directory.
 */
VmdsE2e *
vmds_e2e_new_on(const gchar *config, const gchar *state_dir)
{
	VmdsE2e *self = vmds_e2e_create(config, state_dir);
	vmds_e2e_start(self);
	return self;
}

/**
 * vmds_e2e_new_measured:
 * @config: (nullable): the text of the daemon's config file
 *
 * Like vmds_e2e_new(), for a daemon whose memory a test measures: under
 * AddressSanitizer freed memory waits in a quarantine (256 MiB) before it
 * is reused, so the daemon's RSS grows with what it frees; this daemon
 * gets none (ASAN_OPTIONS quarantine_size_mb=0, which nothing else reads).
 */
VmdsE2e *
vmds_e2e_new_measured(const gchar *config)
{
	VmdsE2e *self = vmds_e2e_create(config, NULL);

	self->asan_options = "quarantine_size_mb=0";
	vmds_e2e_start(self);
	return self;
}

/**
 * vmds_e2e_new_https:
 * @config: the text of a daemon's config file that sets a certificate
 *
 * Like vmds_e2e_new(), for a daemon that serves HTTPS. Under
 * AddressSanitizer this daemon skips the leak check at exit: GIO loads its
 * TLS backend with dlopen(), and clang 14's LeakSanitizer crashes ("Tracer
 * caught signal 11") reading the dynamic thread-local storage of such
 * modules under glibc 2.36, so the check would fail every such daemon
 * (ASAN_OPTIONS detect_leaks=0). The daemons of every other test keep it,
 * and valgrind checks this one. Without a leak check it needs no exact
 * stacks either: the fast unwinder (fast_unwind_on_malloc=1) makes each
 * TLS handshake take milliseconds instead of two seconds.
 */
VmdsE2e *
vmds_e2e_new_https(const gchar *config)
{
	VmdsE2e *self = vmds_e2e_create(config, NULL);

	self->asan_options = "detect_leaks=0:fast_unwind_on_malloc=1";
	vmds_e2e_start(self);
	return self;
}

/**
 * vmds_e2e_free:
 * @self: (nullable): a fixture
 *
 * Kills the daemon if it still runs and removes the temp directory.
 */
void
vmds_e2e_free(VmdsE2e *self)
{
	if (self == NULL)
		return;
	if (vmds_e2e_live != NULL)
		g_ptr_array_remove(vmds_e2e_live, self);
	/* a daemon still running is stopped the way an operator would, so that
	 * every test also checks a clean exit (and, under valgrind or ASan, that
	 * the daemon leaked nothing) */
	if (self->daemon != NULL && vmds_e2e_exiting) {
		g_subprocess_force_exit(self->daemon);
		g_subprocess_wait(self->daemon, NULL, NULL);
		g_clear_object(&self->daemon);
	}
	if (self->daemon != NULL) {
		gint status;
		g_subprocess_send_signal(self->daemon, SIGTERM);
		g_subprocess_wait(self->daemon, NULL, NULL);
		status = g_subprocess_get_if_exited(self->daemon)
			     ? g_subprocess_get_exit_status(self->daemon)
			     : 128 + g_subprocess_get_term_sig(self->daemon);
		g_clear_object(&self->daemon);
		if (status != 0 && g_getenv("VMDS_E2E_KEEP") == NULL) {
			g_autofree gchar *log = NULL;
			g_file_get_contents(self->log_path, &log, NULL, NULL);
			g_printerr("vmdsd exited %d on SIGTERM; its log:\n%s\n",
				   status,
				   log != NULL ? log : "");
		}
		ck_assert_msg(status == 0, "vmdsd exited %d on SIGTERM", status);
	}
	g_clear_object(&self->notify);
	g_clear_object(&self->soup);
	if (self->tmp != NULL && g_getenv("VMDS_E2E_KEEP") == NULL)
		vmds_test_rm_rf(self->tmp);
	g_free(self->tmp);
	g_free(self->state_dir);
	g_free(self->run_dir);
	g_free(self->config_path);
	g_free(self->log_path);
	g_free(self->notify_path);
	g_free(self->url);
	g_free(self->password);
	g_free(self->session);
	g_strfreev(self->daemon_args);
	g_free(self);
}

/* the environment of every child: nothing of the developer's own setup */
static gchar **
vmds_e2e_environ(VmdsE2e *self)
{
	gchar **env = g_get_environ();
	const gchar *const drop[] = {"VMDS_STATE_DIR",
				     "VMDS_RUN_DIR",
				     "VMDS_CONFIG",
				     "VMDS_URL",
				     "VMDS_USERNAME",
				     "VMDS_PASSWORD",
				     "VMDS_VM",
				     "VMTOOLSD_CHANNEL",
				     "VMTOOLSD_CONFIG",
				     "NOTIFY_SOCKET",
				     "XDG_CONFIG_HOME",
				     "XDG_STATE_HOME",
				     "XDG_RUNTIME_DIR",
				     "G_MESSAGES_DEBUG"};

	for (guint i = 0; i < G_N_ELEMENTS(drop); i++)
		env = g_environ_unsetenv(env, drop[i]);
	env = g_environ_setenv(env, "HOME", self->tmp, TRUE);
	env = g_environ_setenv(env, "VMTOOLSD_CONFIG", "/nonexistent/vmtoolsd.conf", TRUE);
	return env;
}

/**
 * vmds_e2e_try_start:
 * @self: a fixture whose daemon is not running
 * @status: (out): the exit status when the daemon exited before it was ready
 *
 * Returns: %TRUE once the daemon said READY=1
 */
gboolean
vmds_e2e_try_start(VmdsE2e *self, gint *status)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_auto(GStrv) env = vmds_e2e_environ(self);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url_file = g_build_filename(self->run_dir, "vmdsd.url", NULL);
	g_autofree gchar *password_file = NULL;
	g_autofree gchar *url = NULL;
	gint64 deadline = g_get_monotonic_time() + VMDS_E2E_READY_TIMEOUT_S * G_USEC_PER_SEC;
	gboolean ready = FALSE;
	gint log_fd;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	const gchar *wrapper;

	ck_assert(self->daemon == NULL);
	env = g_environ_setenv(env, "NOTIFY_SOCKET", self->notify_path, TRUE);
	env = g_environ_setenv(env, "VMDS_PLUGINDIR", vmds_e2e_getenv("VMDS_PLUGINDIR"), TRUE);
	if (self->asan_options != NULL) {
		const gchar *asan = g_environ_getenv(env, "ASAN_OPTIONS");
		g_autofree gchar *options =
		    g_strdup_printf("%s%s%s",
				    asan != NULL ? asan : "",
				    asan != NULL && asan[0] != '\0' ? ":" : "",
				    self->asan_options);
		env = g_environ_setenv(env, "ASAN_OPTIONS", options, TRUE);
	}
	g_subprocess_launcher_set_environ(launcher, env);
	log_fd = g_open(self->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ck_assert_int_ge(log_fd, 0);
	g_subprocess_launcher_take_stdout_fd(launcher, dup(log_fd));
	g_subprocess_launcher_take_stderr_fd(launcher, log_fd);
	g_subprocess_launcher_set_child_setup(launcher, vmds_e2e_child_setup_cb, NULL, NULL);
	/* a descriptor limit is set first, for the tool to see it
	 * (vmds_e2e_set_fd_limit()) */
	if (self->fd_limit != 0) {
		g_ptr_array_add(argv, g_strdup("prlimit"));
		g_ptr_array_add(argv,
				g_strdup_printf("--nofile=%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
						self->fd_limit,
						self->fd_limit));
		g_ptr_array_add(argv, g_strdup("--"));
	}
	/* VMDS_TEST_DAEMON_WRAPPER (the valgrind test setup sets it) runs the
	 * daemon under a tool, whose own failure then fails the stop */
	wrapper = g_getenv("VMDS_TEST_DAEMON_WRAPPER");
	if (wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) words = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; words[i] != NULL; i++) {
			if (words[i][0] != '\0')
				g_ptr_array_add(argv, g_strdup(words[i]));
		}
	}
	g_ptr_array_add(argv, g_strdup(vmds_e2e_getenv("VMDSD")));
	g_ptr_array_add(argv, g_strdup("-c"));
	g_ptr_array_add(argv, g_strdup(self->config_path));
	g_ptr_array_add(argv, g_strdup("--state-dir"));
	g_ptr_array_add(argv, g_strdup(self->state_dir));
	g_ptr_array_add(argv, g_strdup("--run-dir"));
	g_ptr_array_add(argv, g_strdup(self->run_dir));
	g_ptr_array_add(argv, g_strdup("--http"));
	g_ptr_array_add(argv, g_strdup("127.0.0.1:0"));
	for (guint i = 0; self->daemon_args != NULL && self->daemon_args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(self->daemon_args[i]));
	g_ptr_array_add(argv, NULL);
	self->daemon =
	    g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	ck_assert_msg(self->daemon != NULL, "cannot start vmdsd: %s", error->message);

	/* readiness: READY=1 on the notify socket; a daemon that exits early ends the wait */
	while (!ready) {
		gchar buf[512];
		gssize n;

		ck_assert_msg(g_get_monotonic_time() < deadline, "vmdsd never said READY=1");
		if (!g_socket_condition_timed_wait(self->notify, G_IO_IN, 100000, NULL, NULL)) {
			if (g_subprocess_get_identifier(self->daemon) == NULL) {
				g_subprocess_wait(self->daemon, NULL, NULL);
				*status = g_subprocess_get_if_exited(self->daemon)
					      ? g_subprocess_get_exit_status(self->daemon)
					      : 128 + g_subprocess_get_term_sig(self->daemon);
				g_clear_object(&self->daemon);
				return FALSE;
			}
			continue;
		}
		n = g_socket_receive(self->notify, buf, sizeof(buf) - 1, NULL, &error);
		ck_assert_msg(n >= 0, "%s", error != NULL ? error->message : "");
		buf[n] = '\0';
		ready = strstr(buf, "READY=1") != NULL;
	}

	ck_assert_msg(
	    g_file_get_contents(url_file, &url, NULL, &error), "no URL file: %s", error->message);
	g_free(self->url);
	self->url = g_strdup(g_strstrip(url));
	ck_assert(g_str_has_prefix(self->url, "http://127.0.0.1:") ||
		  g_str_has_prefix(self->url, "https://127.0.0.1:"));
	if (self->password == NULL) {
		password_file = g_build_filename(self->state_dir, "admin-password", NULL);
		ck_assert_msg(g_file_get_contents(password_file, &self->password, NULL, &error),
			      "no admin-password: %s",
			      error->message);
		g_strstrip(self->password);
	}
	/* sessions live in the daemon's memory */
	g_clear_pointer(&self->session, g_free);
	*status = 0;
	return TRUE;
}

/**
 * vmds_e2e_reload:
 * @self: a fixture with a running daemon
 * @config: the new text of its config file
 *
 * Rewrites the config file, sends SIGHUP, and waits for the daemon to say
 * READY=1 again (it says RELOADING=1 first).
 */
void
vmds_e2e_reload(VmdsE2e *self, const gchar *config)
{
	gint64 deadline = g_get_monotonic_time() + VMDS_E2E_READY_TIMEOUT_S * G_USEC_PER_SEC;
	gboolean ready = FALSE;

	ck_assert(self->daemon != NULL);
	ck_assert(g_file_set_contents(self->config_path, config, -1, NULL));
	g_subprocess_send_signal(self->daemon, SIGHUP);
	while (!ready) {
		gchar buf[512];
		gssize n;
		g_autoptr(GError) error = NULL;

		ck_assert_msg(g_get_monotonic_time() < deadline, "vmdsd never said READY=1");
		if (!g_socket_condition_timed_wait(self->notify, G_IO_IN, 100000, NULL, NULL))
			continue;
		n = g_socket_receive(self->notify, buf, sizeof(buf) - 1, NULL, &error);
		ck_assert_msg(n >= 0, "%s", error != NULL ? error->message : "");
		buf[n] = '\0';
		ready = strstr(buf, "READY=1") != NULL;
	}
}

void
vmds_e2e_start(VmdsE2e *self)
{
	gint status = 0;
	if (!vmds_e2e_try_start(self, &status)) {
		g_autofree gchar *log = vmds_e2e_read_log(self);
		ck_abort_msg("vmdsd exited with status %d before it was ready:\n%s", status, log);
	}
}

/* the daemon exits 0 after a SIGTERM the test sent itself (a second one
 * while it stops would kill it) */
void
vmds_e2e_wait_exit(VmdsE2e *self)
{
	g_autoptr(GError) error = NULL;

	ck_assert(self->daemon != NULL);
	ck_assert(g_subprocess_wait(self->daemon, NULL, &error));
	ck_assert_msg(g_subprocess_get_if_exited(self->daemon) &&
			  g_subprocess_get_exit_status(self->daemon) == 0,
		      "vmdsd did not exit 0 on SIGTERM");
	g_clear_object(&self->daemon);
}

/* SIGTERM, and the daemon exits 0 */
void
vmds_e2e_stop(VmdsE2e *self)
{
	ck_assert(self->daemon != NULL);
	g_subprocess_send_signal(self->daemon, SIGTERM);
	vmds_e2e_wait_exit(self);
}

/* kill -9: no chance to clean up */
void
vmds_e2e_kill(VmdsE2e *self)
{
	ck_assert(self->daemon != NULL);
	g_subprocess_send_signal(self->daemon, SIGKILL);
	ck_assert(g_subprocess_wait(self->daemon, NULL, NULL));
	ck_assert(g_subprocess_get_if_signaled(self->daemon));
	ck_assert_int_eq(g_subprocess_get_term_sig(self->daemon), SIGKILL);
	g_clear_object(&self->daemon);
}

/**
 * vmds_e2e_set_fd_limit:
 * @self: a fixture
 * @limit: the soft and hard RLIMIT_NOFILE, or 0 for the test's own
 *
 * Every later start of the daemon gets @limit, set by prlimit(1) ahead of
 * VMDS_TEST_DAEMON_WRAPPER: a tool such as valgrind shows the daemon the
 * limit it started with (less descriptors it keeps for itself) and hides a
 * change made from outside while it runs (`prlimit --pid`).
 */
void
vmds_e2e_set_fd_limit(VmdsE2e *self, guint64 limit)
{
	self->fd_limit = limit;
}

void
vmds_e2e_restart(VmdsE2e *self)
{
	if (self->daemon != NULL)
		vmds_e2e_stop(self);
	vmds_e2e_start(self);
}

const gchar *
vmds_e2e_get_tmp(VmdsE2e *self)
{
	return self->tmp;
}

const gchar *
vmds_e2e_get_state_dir(VmdsE2e *self)
{
	return self->state_dir;
}

const gchar *
vmds_e2e_get_run_dir(VmdsE2e *self)
{
	return self->run_dir;
}

const gchar *
vmds_e2e_get_url(VmdsE2e *self)
{
	return self->url;
}

const gchar *
vmds_e2e_get_password(VmdsE2e *self)
{
	return self->password;
}

gchar *
vmds_e2e_socket_path(VmdsE2e *self, const gchar *vm)
{
	g_autofree gchar *name = g_strdup_printf("%s.sock", vm != NULL ? vm : "vm-1");
	return g_build_filename(self->run_dir, name, NULL);
}

gchar *
vmds_e2e_channel(VmdsE2e *self, const gchar *vm)
{
	g_autofree gchar *path = vmds_e2e_socket_path(self, vm);
	return g_strdup_printf("unix:%s", path);
}

/* a file in the temp directory, readable by anyone */
gchar *
vmds_e2e_write_file(VmdsE2e *self, const gchar *name, const gchar *data, gsize len)
{
	gchar *path = g_build_filename(self->tmp, name, NULL);
	ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
	ck_assert_int_eq(g_chmod(path, 0644), 0);
	return path;
}

gchar *
vmds_e2e_read_log(VmdsE2e *self)
{
	gchar *log = NULL;
	if (!g_file_get_contents(self->log_path, &log, NULL, NULL))
		return g_strdup("(no log)");
	return log;
}

/* processes */

void
vmds_e2e_run_free(VmdsE2eRun *run)
{
	if (run == NULL)
		return;
	g_free(run->out);
	g_free(run->err);
	g_free(run);
}

static gchar *
vmds_e2e_bytes_steal(GBytes *bytes, gsize *len)
{
	gsize n = 0;
	const guint8 *data = bytes != NULL ? g_bytes_get_data(bytes, &n) : NULL;
	gchar *ret = g_malloc(n + 1);

	if (n > 0)
		memcpy(ret, data, n);
	ret[n] = '\0';
	*len = n;
	return ret;
}

/**
 * vmds_e2e_run:
 * @self: a fixture
 * @argv: the program and its arguments
 * @env: (nullable): `NAME=VALUE` to set, or `NAME` to unset, over the base
 *   environment (channel and REST of this fixture's daemon)
 * @input: (nullable): standard input
 * @input_len: its length
 *
 * Returns: what the process wrote, and its exit status
 */
VmdsE2eRun *
vmds_e2e_run(VmdsE2e *self,
	     const gchar *const *argv,
	     const gchar *const *env,
	     const gchar *input,
	     gsize input_len)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	    G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_auto(GStrv) run_env = vmds_e2e_environ(self);
	g_autofree gchar *channel = vmds_e2e_channel(self, NULL);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GBytes) in = g_bytes_new(input != NULL ? input : "", input_len);
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GBytes) err = NULL;
	g_autoptr(GError) error = NULL;
	VmdsE2eRun *run = g_new0(VmdsE2eRun, 1);

	run_env = g_environ_setenv(run_env, "VMTOOLSD_CHANNEL", channel, TRUE);
	run_env = g_environ_setenv(run_env, "VMDS_STATE_DIR", self->state_dir, TRUE);
	run_env = g_environ_setenv(run_env, "VMDS_RUN_DIR", self->run_dir, TRUE);
	if (self->url != NULL)
		run_env = g_environ_setenv(run_env, "VMDS_URL", self->url, TRUE);
	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		const gchar *eq = strchr(env[i], '=');
		g_autofree gchar *name = NULL;
		if (eq == NULL) {
			run_env = g_environ_unsetenv(run_env, env[i]);
			continue;
		}
		name = g_strndup(env[i], (gsize)(eq - env[i]));
		run_env = g_environ_setenv(run_env, name, eq + 1, TRUE);
	}
	g_subprocess_launcher_set_environ(launcher, run_env);
	g_subprocess_launcher_set_cwd(launcher, self->tmp);
	proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
	ck_assert_msg(proc != NULL, "cannot run %s: %s", argv[0], error->message);
	ck_assert_msg(g_subprocess_communicate(proc, in, NULL, &out, &err, &error),
		      "%s: %s",
		      argv[0],
		      error->message);
	run->out = vmds_e2e_bytes_steal(out, &run->out_len);
	run->err = vmds_e2e_bytes_steal(err, &run->err_len);
	run->status = g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc)
						       : 128 + g_subprocess_get_term_sig(proc);
	return run;
}

VmdsE2eRun *
vmds_e2e_vmtoolsd_argv(VmdsE2e *self, const gchar *const *args, const gchar *const *env)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (gpointer)vmds_e2e_getenv("VMTOOLSD"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return vmds_e2e_run(self, (const gchar *const *)argv->pdata, env, NULL, 0);
}

/* `vmtoolsd --cmd CMD` */
VmdsE2eRun *
vmds_e2e_vmtoolsd(VmdsE2e *self, const gchar *cmd)
{
	const gchar *const args[] = {"--cmd", cmd, NULL};
	return vmds_e2e_vmtoolsd_argv(self, args, NULL);
}

/**
 * vmds_e2e_can_run_as:
 * @what: what needs other users, for the SKIP line
 *
 * Returns: %TRUE when this process may run programs as other users
 *   (vmds_e2e_vmtoolsd_as()): root, with setpriv(1); else says SKIP
 */
gboolean
vmds_e2e_can_run_as(const gchar *what)
{
	g_autofree gchar *setpriv = g_find_program_in_path("setpriv");

	if (!vmds_e2e_is_root() || setpriv == NULL) {
		g_printerr("SKIP: %s need root and setpriv(1)\n", what);
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_e2e_vmtoolsd_as:
 * @self: a fixture
 * @uid: the user to run as
 * @gid: its group
 * @groups: (nullable): its supplementary groups, as setpriv --groups takes
 *   them; %NULL for none
 * @vm: (nullable): the VM whose socket it uses; %NULL for vm-1
 * @cmd: what `--cmd` sends
 *
 * `vmtoolsd --cmd CMD` as another user (setpriv(1): see
 * vmds_e2e_can_run_as()).
 */
VmdsE2eRun *
vmds_e2e_vmtoolsd_as(
    VmdsE2e *self, guint uid, guint gid, const gchar *groups, const gchar *vm, const gchar *cmd)
{
	g_autofree gchar *setpriv = g_find_program_in_path("setpriv");
	g_autofree gchar *reuid = g_strdup_printf("--reuid=%u", uid);
	g_autofree gchar *regid = g_strdup_printf("--regid=%u", gid);
	g_autofree gchar *groups_arg =
	    groups != NULL ? g_strdup_printf("--groups=%s", groups) : g_strdup("--clear-groups");
	g_autofree gchar *channel = vmds_e2e_channel(self, vm);
	g_autofree gchar *channel_env = g_strdup_printf("VMTOOLSD_CHANNEL=%s", channel);
	const gchar *const argv[] = {
	    setpriv, reuid, regid, groups_arg, vmds_e2e_getenv("VMTOOLSD"), "--cmd", cmd, NULL};
	const gchar *const env[] = {channel_env, NULL};

	ck_assert(setpriv != NULL);
	return vmds_e2e_run(self, argv, env, NULL, 0);
}

VmdsE2eRun *
vmds_e2e_vmds_input(VmdsE2e *self, const gchar *const *args, const gchar *input, gsize len)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (gpointer)vmds_e2e_getenv("VMDS_CLI"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return vmds_e2e_run(self, (const gchar *const *)argv->pdata, NULL, input, len);
}

/* the admin CLI, with the credentials of this fixture's daemon */
VmdsE2eRun *
vmds_e2e_vmds(VmdsE2e *self, const gchar *const *args)
{
	return vmds_e2e_vmds_input(self, args, NULL, 0);
}

/* `sh -c SCRIPT`; $VMTOOLSD and $VMDS_CLI name the binaries */
VmdsE2eRun *
vmds_e2e_shell(VmdsE2e *self, const gchar *script)
{
	const gchar *const argv[] = {"/bin/sh", "-c", script, NULL};
	return vmds_e2e_run(self, argv, NULL, NULL, 0);
}

/* REST */

void
vmds_e2e_reply_free(VmdsE2eReply *reply)
{
	if (reply == NULL)
		return;
	g_free(reply->body);
	g_free(reply);
}

/* the daemon's own certificate, whatever it is */
static gboolean
vmds_e2e_accept_certificate_cb(GObject *object,
			       GTlsCertificate *certificate,
			       GTlsCertificateFlags errors,
			       gpointer user_data)
{
	return TRUE;
}

/**
 * vmds_e2e_http:
 * @self: a fixture
 * @method: the HTTP method
 * @path: the path and query, percent-encoded, e.g. `/api/vcenter/vm`
 * @headers: (nullable): name, value, name, value, ..., %NULL
 * @body: (nullable): the JSON body
 * @body_len: its length
 *
 * One HTTP request with no session unless @headers carry one.
 */
VmdsE2eReply *
vmds_e2e_http(VmdsE2e *self,
	      const gchar *method,
	      const gchar *path,
	      const gchar *const *headers,
	      const gchar *body,
	      gsize body_len)
{
	g_autofree gchar *text = g_strconcat(self->url, path, NULL);
	g_autoptr(GUri) uri = g_uri_parse(text, SOUP_HTTP_URI_FLAGS, NULL);
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) reply_body = NULL;
	g_autoptr(GError) error = NULL;
	VmdsE2eReply *reply = g_new0(VmdsE2eReply, 1);

	ck_assert_msg(uri != NULL, "bad URL %s", text);
	if (self->soup == NULL)
		self->soup = soup_session_new_with_options("timeout", 120, NULL);
	msg = soup_message_new_from_uri(method, uri);
	/* over TLS ([http] tls-certificate), the daemon's own certificate */
	g_signal_connect(
	    msg, "accept-certificate", G_CALLBACK(vmds_e2e_accept_certificate_cb), NULL);
	for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
		soup_message_headers_replace(
		    soup_message_get_request_headers(msg), headers[i], headers[i + 1]);
	if (body != NULL) {
		g_autoptr(GBytes) bytes = g_bytes_new(body, body_len);
		soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
	}
	reply_body = soup_session_send_and_read(self->soup, msg, NULL, &error);
	if (reply_body == NULL) {
		g_autofree gchar *log = vmds_e2e_read_log(self);
		ck_abort_msg("%s %s: %s; vmdsd's log:\n%s", method, text, error->message, log);
	}
	reply->status = soup_message_get_status(msg);
	reply->body = vmds_e2e_bytes_steal(reply_body, &reply->body_len);
	return reply;
}

static const gchar *
vmds_e2e_session(VmdsE2e *self)
{
	g_autofree gchar *credentials = NULL;
	g_autofree gchar *encoded = NULL;
	g_autofree gchar *auth = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autoptr(JsonNode) node = NULL;

	if (self->session != NULL)
		return self->session;
	credentials = g_strdup_printf("admin:%s", self->password);
	encoded = g_base64_encode((const guchar *)credentials, strlen(credentials));
	auth = g_strdup_printf("Basic %s", encoded);
	{
		const gchar *const headers[] = {"Authorization", auth, NULL};
		reply = vmds_e2e_http(self, "POST", "/api/session", headers, NULL, 0);
	}
	ck_assert_msg(reply->status == 201, "login: HTTP %u %s", reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	ck_assert_msg(node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
			  json_node_get_value_type(node) == G_TYPE_STRING,
		      "login: the session id is not a JSON string: %s",
		      reply->body);
	self->session = g_strdup(json_node_get_string(node));
	return self->session;
}

/* a REST call in this fixture's session (logged in on first use) */
VmdsE2eReply *
vmds_e2e_rest_len(
    VmdsE2e *self, const gchar *method, const gchar *path, const gchar *body, gsize body_len)
{
	const gchar *const headers[] = {"vmware-api-session-id", vmds_e2e_session(self), NULL};
	return vmds_e2e_http(self, method, path, headers, body, body_len);
}

VmdsE2eReply *
vmds_e2e_rest(VmdsE2e *self, const gchar *method, const gchar *path, const gchar *body)
{
	return vmds_e2e_rest_len(self, method, path, body, body != NULL ? strlen(body) : 0);
}

/*
 * The error_type of a vSphere-style error body, after checking its whole
 * shape: {"error_type":T,"messages":[{"id":"vmds.…","default_message":M,"args":[]}]}.
 * NULL when the body is not of that shape.
 */
gchar *
vmds_e2e_error_type(const VmdsE2eReply *reply)
{
	g_autoptr(JsonNode) node = json_from_string(reply->body, NULL);
	JsonObject *obj;
	JsonNode *type;
	JsonNode *messages;
	JsonObject *msg;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return NULL;
	obj = json_node_get_object(node);
	type = json_object_get_member(obj, "error_type");
	messages = json_object_get_member(obj, "messages");
	if (json_object_get_size(obj) != 2 || type == NULL || !JSON_NODE_HOLDS_VALUE(type) ||
	    json_node_get_value_type(type) != G_TYPE_STRING || messages == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(messages) ||
	    json_array_get_length(json_node_get_array(messages)) < 1)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT(json_array_get_element(json_node_get_array(messages), 0)))
		return NULL;
	msg = json_array_get_object_element(json_node_get_array(messages), 0);
	if (!json_object_has_member(msg, "id") || !json_object_has_member(msg, "default_message") ||
	    !json_object_has_member(msg, "args") ||
	    !JSON_NODE_HOLDS_VALUE(json_object_get_member(msg, "id")) ||
	    !g_str_has_prefix(json_object_get_string_member(msg, "id"), "vmds.") ||
	    !JSON_NODE_HOLDS_VALUE(json_object_get_member(msg, "default_message")) ||
	    strlen(json_object_get_string_member(msg, "default_message")) == 0 ||
	    !JSON_NODE_HOLDS_ARRAY(json_object_get_member(msg, "args")))
		return NULL;
	return g_strdup(json_node_get_string(type));
}

/* raw guest protocol */

/* a blocking connection to the unix socket at @path */
static gint
vmds_e2e_connect_path(const gchar *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	gint fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert(strlen(path) < sizeof(sun.sun_path));
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	ck_assert_msg(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
		      "connect %s: %s",
		      path,
		      g_strerror(errno));
	return fd;
}

/* a blocking connection to a VM's backchannel */
gint
vmds_e2e_connect(VmdsE2e *self, const gchar *vm)
{
	g_autofree gchar *path = vmds_e2e_socket_path(self, vm);
	return vmds_e2e_connect_path(path);
}

void
vmds_e2e_send(gint fd, const guint8 *data, gsize len)
{
	gsize done = 0;

	while (done < len) {
		gssize n = send(fd, data + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "send: %s", g_strerror(errno));
		done += (gsize)n;
	}
}

/* one DATA packet carrying @text */
void
vmds_e2e_send_request(gint fd, const gchar *text, gsize len, gboolean fast_close)
{
	g_autoptr(GByteArray) packet = g_byte_array_new();

	vmds_packet_encode(packet, VMDS_PACKET_TYPE_DATA, (const guint8 *)text, len, fast_close);
	vmds_e2e_send(fd, packet->data, packet->len);
}

/* reads exactly @len bytes; FALSE on EOF (or reset) before the first byte */
static gboolean
vmds_e2e_read_exact(gint fd, guint8 *buf, gsize len)
{
	gsize done = 0;

	while (done < len) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		gssize n;
		gint rc = poll(&pfd, 1, VMDS_E2E_IO_TIMEOUT_MS);
		if (rc < 0 && errno == EINTR)
			continue;
		ck_assert_msg(rc == 1, "no reply within %d ms", VMDS_E2E_IO_TIMEOUT_MS);
		n = recv(fd, buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			ck_assert_msg(done == 0, "connection closed inside a packet");
			return FALSE;
		}
		ck_assert_msg(n > 0, "recv: %s", g_strerror(errno));
		done += (gsize)n;
	}
	return TRUE;
}

/**
 * vmds_e2e_read_reply:
 * @fd: a connection
 * @len: (out) (optional): the payload length
 *
 * Returns: the payload of the next reply packet, NUL-terminated, or %NULL
 * when the server closed the connection
 */
gchar *
vmds_e2e_read_reply(gint fd, gsize *len)
{
	guint8 header[VMDS_PACKET_HEADER_SIZE];
	g_autofree guint8 *body = NULL;
	g_autoptr(GError) error = NULL;
	VmdsPacket packet;
	guint32 n;
	gchar *ret;

	if (!vmds_e2e_read_exact(fd, header, sizeof(header)))
		return NULL;
	n = vmds_packet_read_length(header);
	ck_assert_uint_le(n, 16 * 1024 * 1024);
	body = g_malloc(n + 1);
	ck_assert_msg(vmds_e2e_read_exact(fd, body, n), "connection closed inside a packet");
	ck_assert_msg(
	    vmds_packet_decode(body, n, &packet, &error), "bad reply: %s", error->message);
	ck_assert_int_eq(packet.type, VMDS_PACKET_TYPE_DATA);
	ret = g_malloc(packet.payload_len + 1);
	memcpy(ret, packet.payload, packet.payload_len);
	ret[packet.payload_len] = '\0';
	if (len != NULL)
		*len = packet.payload_len;
	return ret;
}

/**
 * vmds_e2e_wait_eof:
 * @fd: a connection
 * @timeout_ms: how long to wait
 *
 * Polls for the server to close @fd (EOF or a reset); the test fails when
 * data arrives instead.
 *
 * Returns: the milliseconds the close took, or -1 when it did not come
 * within @timeout_ms
 */
gint
vmds_e2e_wait_eof(gint fd, gint timeout_ms)
{
	gint64 start = g_get_monotonic_time();

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		gint64 left = timeout_ms - (g_get_monotonic_time() - start) / 1000;
		guint8 byte;
		gssize n;

		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (gint)left) <= 0)
			continue;
		n = recv(fd, &byte, 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		ck_assert_msg(n <= 0, "the server sent data where it must close without a reply");
		return (gint)((g_get_monotonic_time() - start) / 1000);
	}
}

/*
 * How long a close the daemon owes at once (after a FAST_CLOSE reply, a
 * refused packet, the peer's EOF) may take to be seen: 2 s, or 10 s when
 * the daemon runs under a tool such as valgrind (VMDS_TEST_DAEMON_WRAPPER).
 * Either is a safety net for a loaded machine, not a latency: the close
 * follows the reply in the same turn of the daemon's loop.
 */
gint
vmds_e2e_close_timeout_ms(void)
{
	const gchar *wrapper = g_getenv("VMDS_TEST_DAEMON_WRAPPER");
	return wrapper != NULL && wrapper[0] != '\0' ? 10000 : 2000;
}

/* the idle timeout in seconds of the daemon's config file as it is now (vmds.conf(5)) */
static guint64
vmds_e2e_idle_timeout(VmdsE2e *self)
{
	g_autoptr(GKeyFile) keys = g_key_file_new();
	g_autoptr(GError) error = NULL;
	guint64 seconds;

	ck_assert_msg(g_key_file_load_from_file(keys, self->config_path, G_KEY_FILE_NONE, &error),
		      "%s: %s",
		      self->config_path,
		      error->message);
	if (!g_key_file_has_key(keys, "backchannel", "idle-timeout", NULL))
		return 60;
	seconds = g_key_file_get_uint64(keys, "backchannel", "idle-timeout", &error);
	ck_assert_msg(error == NULL, "idle-timeout: %s", error != NULL ? error->message : "");
	return seconds;
}

/**
 * vmds_e2e_wait_closed:
 * @self: the fixture whose daemon @fd is connected to
 * @fd: a connection the daemon must close now, without sending more
 *
 * Waits vmds_e2e_close_timeout_ms() at most. A connection the daemon wrongly
 * keeps open is closed by its idle timeout, so the daemon's must be far
 * longer than the wait, or an idle close would pass for the one the test
 * asks for: a test with a short idle timeout cannot use this (the test
 * fails).
 *
 * Returns: %TRUE when the daemon closed @fd within the wait
 */
gboolean
vmds_e2e_wait_closed(VmdsE2e *self, gint fd)
{
	gint bound = vmds_e2e_close_timeout_ms();
	guint64 idle = vmds_e2e_idle_timeout(self);

	ck_assert_msg(idle * 1000 >= 4 * (guint64)bound,
		      "an idle timeout of %" G_GUINT64_FORMAT " s could pass for a close within "
		      "%d ms: wait with vmds_e2e_wait_eof() instead",
		      idle,
		      bound);
	return vmds_e2e_wait_eof(fd, bound) >= 0;
}

/* the daemon's resident memory, in KiB (VmRSS) */
gsize
vmds_e2e_daemon_rss_kib(VmdsE2e *self)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/status", (gint)vmds_e2e_get_pid(self));
	g_autofree gchar *status = NULL;
	const gchar *line;

	ck_assert(g_file_get_contents(path, &status, NULL, NULL));
	line = strstr(status, "\nVmRSS:");
	ck_assert(line != NULL);
	return (gsize)g_ascii_strtoull(line + strlen("\nVmRSS:"), NULL, 10);
}

static gint
vmds_e2e_compare_int64_cb(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a;
	gint64 y = *(const gint64 *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * vmds_e2e_report_latency:
 * @test: the test binary's name, for the line it prints
 * @what: what was timed
 * @times: (element-type gint64): round trip times in µs; sorted in place
 * @p99: (out) (optional): the 99th percentile, µs
 *
 * Prints n, median, p99 and max on stderr.
 *
 * Returns: the max, µs
 */
gint64
vmds_e2e_report_latency(const gchar *test, const gchar *what, GArray *times, gint64 *p99)
{
	gint64 max;

	ck_assert_uint_gt(times->len, 0);
	g_array_sort(times, vmds_e2e_compare_int64_cb);
	max = g_array_index(times, gint64, times->len - 1);
	g_printerr("%s: %s: %u round trips, median %.2f ms, p99 %.2f ms, max %.2f ms\n",
		   test,
		   what,
		   times->len,
		   g_array_index(times, gint64, times->len / 2) / 1000.0,
		   g_array_index(times, gint64, times->len * 99 / 100) / 1000.0,
		   max / 1000.0);
	if (p99 != NULL)
		*p99 = g_array_index(times, gint64, times->len * 99 / 100);
	return max;
}

/* helpers for tests */

/**
 * vmds_e2e_strings_copy:
 * @table: a table of strings to strings
 *
 * Returns: (transfer full): a copy of @table, its keys and values copied
 */
GHashTable *
vmds_e2e_strings_copy(GHashTable *table)
{
	GHashTable *copy = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	g_hash_table_iter_init(&iter, table);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_hash_table_insert(copy, g_strdup(key), g_strdup(value));
	return copy;
}

/**
 * vmds_e2e_strings_equal:
 * @a: a table of strings to strings
 * @b: another
 *
 * Returns: whether both hold the same keys with the same values
 */
gboolean
vmds_e2e_strings_equal(GHashTable *a, GHashTable *b)
{
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	if (g_hash_table_size(a) != g_hash_table_size(b))
		return FALSE;
	g_hash_table_iter_init(&iter, a);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (g_strcmp0(value, g_hash_table_lookup(b, key)) != 0)
			return FALSE;
	}
	return TRUE;
}

/**
 * vmds_e2e_env_uint:
 * @name: an environment variable, a test's option
 * @fallback: its value when unset or empty
 * @value: (out): its value
 *
 * Returns: %FALSE when it is set to something else than a number from 0 to
 *   4294967295 (then @value is @fallback)
 */
gboolean
vmds_e2e_env_uint(const gchar *name, guint fallback, guint *value)
{
	const gchar *text = g_getenv(name);
	guint64 number = 0;

	*value = fallback;
	if (text == NULL || text[0] == '\0')
		return TRUE;
	if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &number, NULL))
		return FALSE;
	*value = (guint)number;
	return TRUE;
}

/* @text as a JSON string literal: `"` `\` and control characters escaped */
gchar *
vmds_e2e_json_string(const gchar *text, gssize len)
{
	/* not json-glib's generator: 1.6 writes U+001F unescaped, which is not JSON */
	GString *out = g_string_new(NULL);

	vmds_json_append_string(out, text, len);
	return g_string_free(out, FALSE);
}

void
vmds_e2e_create_dataset(
    VmdsE2e *self, const gchar *vm, const gchar *name, const gchar *host, const gchar *guest)
{
	g_autofree gchar *name_json = vmds_e2e_json_string(name, -1);
	g_autofree gchar *path =
	    g_strdup_printf("/api/vcenter/vm/%s/data-sets", vm != NULL ? vm : "vm-1");
	g_autofree gchar *body = g_strdup_printf(
	    "{\"name\":%s,\"description\":\"test\",\"host\":\"%s\",\"guest\":\"%s\"}",
	    name_json,
	    host,
	    guest);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(self, "POST", path, body);

	vmds_e2e_assert_reply(reply, 201, name_json);
}

static gchar *
vmds_e2e_entry_path(const gchar *dataset, const gchar *key)
{
	g_autofree gchar *ds = g_uri_escape_string(dataset, NULL, FALSE);
	g_autofree gchar *k = g_uri_escape_string(key, NULL, FALSE);
	return g_strdup_printf("/api/vcenter/vm/vm-1/data-sets/%s/entries/%s", ds, k);
}

/* PUT an entry of vm-1 over REST: 204 */
void
vmds_e2e_put(VmdsE2e *self, const gchar *dataset, const gchar *key, const gchar *value)
{
	g_autofree gchar *path = vmds_e2e_entry_path(dataset, key);
	g_autofree gchar *body = vmds_e2e_json_string(value, -1);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(self, "PUT", path, body);

	vmds_e2e_assert_reply(reply, 204, "");
}

/* the keys of a data set of vm-1 as the REST body, `["a","b"]` */
gchar *
vmds_e2e_keys(VmdsE2e *self, const gchar *dataset)
{
	g_autofree gchar *ds = g_uri_escape_string(dataset, NULL, FALSE);
	g_autofree gchar *path = g_strdup_printf("/api/vcenter/vm/vm-1/data-sets/%s/entries", ds);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(self, "GET", path, NULL);

	ck_assert_msg(reply->status == 200, "GET %s: %u %s", path, reply->status, reply->body);
	return g_strdup(reply->body);
}

/*
 * Everything observable about vm-1's data sets, as text: the list, each data
 * set's attributes (with `used`), and where the host may read, its keys and
 * values. Equal dumps before and after a refused call prove it changed nothing.
 */
gchar *
vmds_e2e_dump(VmdsE2e *self, const gchar *dataset)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(VmdsE2eReply) list =
	    vmds_e2e_rest(self, "GET", "/api/vcenter/vm/vm-1/data-sets", NULL);
	g_autoptr(JsonNode) node = NULL;
	JsonArray *array;

	ck_assert_uint_eq(list->status, 200);
	g_string_append_printf(out, "%s\n", list->body);
	node = json_from_string(list->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_ARRAY(node));
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonObject *obj = json_array_get_object_element(array, i);
		const gchar *name = json_object_get_string_member(obj, "data_set");
		g_autofree gchar *ds = g_uri_escape_string(name, NULL, FALSE);
		g_autofree gchar *info_path =
		    g_strdup_printf("/api/vcenter/vm/vm-1/data-sets/%s", ds);
		g_autofree gchar *keys_path = g_strdup_printf("%s/entries", info_path);
		g_autoptr(VmdsE2eReply) info = NULL;
		g_autoptr(VmdsE2eReply) keys = NULL;
		g_autoptr(JsonNode) keys_node = NULL;

		if (dataset != NULL && g_strcmp0(dataset, name) != 0)
			continue;
		info = vmds_e2e_rest(self, "GET", info_path, NULL);
		ck_assert_uint_eq(info->status, 200);
		g_string_append_printf(out, "%s\n", info->body);
		keys = vmds_e2e_rest(self, "GET", keys_path, NULL);
		g_string_append_printf(out, "%u %s\n", keys->status, keys->body);
		if (keys->status != 200)
			continue;
		keys_node = json_from_string(keys->body, NULL);
		ck_assert(keys_node != NULL && JSON_NODE_HOLDS_ARRAY(keys_node));
		for (guint j = 0; j < json_array_get_length(json_node_get_array(keys_node)); j++) {
			const gchar *key =
			    json_array_get_string_element(json_node_get_array(keys_node), j);
			g_autofree gchar *path = vmds_e2e_entry_path(name, key);
			g_autoptr(VmdsE2eReply) value = vmds_e2e_rest(self, "GET", path, NULL);
			ck_assert_uint_eq(value->status, 200);
			g_string_append_printf(out, "%s=%s\n", key, value->body);
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

gboolean
vmds_e2e_is_root(void)
{
	return geteuid() == 0;
}

GPid
vmds_e2e_get_pid(VmdsE2e *self)
{
	const gchar *id = self->daemon != NULL ? g_subprocess_get_identifier(self->daemon) : NULL;
	ck_assert(id != NULL);
	return (GPid)g_ascii_strtoll(id, NULL, 10);
}

/* success: exactly JSON and a newline on stdout, nothing on stderr, exit 0 */
void
vmds_e2e_assert_ok(const VmdsE2eRun *run, const gchar *json)
{
	g_autofree gchar *expected = g_strdup_printf("%s\n", json);
	vmds_e2e_assert_run(run, 0, expected, "");
}

/*
 * A DataSets failure envelope on stdout, exit 1: exactly
 * {"result":false,"error-id":ID,"error-message":"..."} and a newline.
 */
void
vmds_e2e_assert_failure(const VmdsE2eRun *run, const gchar *error_id)
{
	g_autofree gchar *prefix =
	    g_strdup_printf("{\"result\":false,\"error-id\":\"%s\",\"error-message\":\"", error_id);
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;

	ck_assert_msg(run->status == 1 && run->err[0] == '\0',
		      "exit %d, stderr [%s], stdout [%s]; expected %s",
		      run->status,
		      run->err,
		      run->out,
		      error_id);
	ck_assert_msg(g_str_has_prefix(run->out, prefix) && g_str_has_suffix(run->out, "\"}\n"),
		      "stdout [%s] is not a %s envelope",
		      run->out,
		      error_id);
	ck_assert_msg(strchr(run->out, '\n') == run->out + run->out_len - 1, "more than one line");
	node = json_from_string(run->out, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_OBJECT(node));
	obj = json_node_get_object(node);
	ck_assert_uint_eq(json_object_get_size(obj), 3);
	ck_assert_str_ne(json_object_get_string_member(obj, "error-message"), "");
}

/* crash consistency, exhaustion, secrets */

/**
 * vmds_e2e_new_args:
 * @config: (nullable): the text of the daemon's config file
 * @state_dir: (nullable): another fixture's state directory, to share it
 * @args: more vmdsd arguments for every start of this fixture, e.g. `-vv`
 *
 * Like vmds_e2e_new_on(), with more daemon arguments.
 */
VmdsE2e *
vmds_e2e_new_args(const gchar *config, const gchar *state_dir, const gchar *const *args)
{
	VmdsE2e *self = vmds_e2e_create(config, state_dir);

	self->daemon_args = g_strdupv((gchar **)args);
	vmds_e2e_start(self);
	return self;
}

/* `<state-dir>/vms/<vm>/<vm>.dsd` */
gchar *
vmds_e2e_store_path(VmdsE2e *self, const gchar *vm)
{
	const gchar *id = vm != NULL ? vm : "vm-1";
	g_autofree gchar *name = g_strdup_printf("%s.dsd", id);

	return g_build_filename(self->state_dir, "vms", id, name, NULL);
}

/* copies @src to @dst when it exists; FALSE when it does not */
static gboolean
vmds_e2e_copy_file(const gchar *src, const gchar *dst)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;

	g_unlink(dst);
	if (!g_file_get_contents(src, &data, &len, &error)) {
		ck_assert_msg(
		    g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT), "%s", error->message);
		return FALSE;
	}
	ck_assert_msg(g_file_set_contents(dst, data, (gssize)len, &error), "%s", error->message);
	return TRUE;
}

/**
 * vmds_e2e_integrity_check:
 * @self: a fixture whose daemon is dead or idle
 * @vm: (nullable): the VM, default `vm-1`
 *
 * Copies a VM's store and its write-ahead log (what a crash left behind) to
 * a scratch directory and runs `sqlite3 COPY 'PRAGMA integrity_check'` there,
 * so the daemon's own recovery at its next start still sees the original.
 *
 * Returns: what sqlite3 printed, stripped: `ok` for a sound store
 */
gchar *
vmds_e2e_integrity_check(VmdsE2e *self, const gchar *vm)
{
	g_autofree gchar *store = vmds_e2e_store_path(self, vm);
	g_autofree gchar *wal = g_strdup_printf("%s-wal", store);
	g_autofree gchar *dir = g_build_filename(self->tmp, "integrity", NULL);
	g_autofree gchar *copy = g_build_filename(dir, "copy.dsd", NULL);
	g_autofree gchar *copy_wal = g_strdup_printf("%s-wal", copy);
	g_autofree gchar *copy_shm = g_strdup_printf("%s-shm", copy);
	const gchar *const argv[] = {"sqlite3", copy, "PRAGMA integrity_check", NULL};
	g_autoptr(VmdsE2eRun) run = NULL;

	ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
	g_unlink(copy_shm);
	ck_assert_msg(vmds_e2e_copy_file(store, copy), "no store %s", store);
	vmds_e2e_copy_file(wal, copy_wal);
	run = vmds_e2e_run(self, argv, NULL, NULL, 0);
	if (run->status != 0)
		return g_strdup_printf("sqlite3 exited %d: %s%s", run->status, run->out, run->err);
	return g_strdup(g_strstrip(run->out));
}

/*
 * Hostile peers and access control: raw HTTP, the session, any VM's state.
 * (Appended as one block; the includes are here so the block stays whole.)
 */

#include <arpa/inet.h>
#include <netinet/in.h>

/* the port of the fixture's REST URL, http(s)://127.0.0.1:PORT */
static guint16
vmds_e2e_http_port(VmdsE2e *self)
{
	const gchar *colon = strrchr(self->url, ':');
	guint64 port = 0;

	ck_assert(colon != NULL);
	ck_assert(g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL));
	return (guint16)port;
}

/**
 * vmds_e2e_http_connect:
 * @self: a fixture
 * @source: (nullable): the local address to connect from, e.g. `127.0.0.7`
 *
 * Returns: a blocking TCP connection to the daemon's REST port
 */
gint
vmds_e2e_http_connect(VmdsE2e *self, const gchar *source)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	gint fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	if (source != NULL) {
		struct sockaddr_in local = {.sin_family = AF_INET};
		ck_assert_int_eq(inet_pton(AF_INET, source, &local.sin_addr), 1);
		ck_assert_msg(bind(fd, (struct sockaddr *)&local, sizeof(local)) == 0,
			      "bind %s: %s",
			      source,
			      g_strerror(errno));
	}
	ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr), 1);
	sin.sin_port = htons(vmds_e2e_http_port(self));
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		      "connect %s: %s",
		      self->url,
		      g_strerror(errno));
	return fd;
}

/**
 * vmds_e2e_http_connect_unix:
 * @self: a fixture
 *
 * Returns: a blocking connection to the daemon's REST unix socket (api.sock
 *   in its run directory), where the test's own user is trusted
 */
gint
vmds_e2e_http_connect_unix(VmdsE2e *self)
{
	g_autofree gchar *path = g_build_filename(self->run_dir, "api.sock", NULL);
	return vmds_e2e_connect_path(path);
}

/* up to @len bytes from @source, waiting at most until @deadline (monotonic
 * µs): 0 on EOF, -1 when the deadline passed */
typedef gssize (*VmdsE2eRecvFunc)(gpointer source, guint8 *buf, gsize len, gint64 deadline);

/* a VmdsE2eRecvFunc on a socket, GINT_TO_POINTER(fd) */
static gssize
vmds_e2e_http_recv(gpointer source, guint8 *buf, gsize len, gint64 deadline)
{
	gint fd = GPOINTER_TO_INT(source);

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		gint rc;
		gssize n;

		if (left <= 0)
			return -1;
		rc = poll(&pfd, 1, (gint)MIN(left, G_MAXINT));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return -1;
		n = recv(fd, buf, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ECONNRESET)
			return 0;
		ck_assert_msg(n >= 0, "recv: %s", g_strerror(errno));
		return n;
	}
}

/* one HTTP/1.1 response (see vmds_e2e_http_read()) from @source */
static VmdsE2eRawReply *
vmds_e2e_http_read_from(VmdsE2eRecvFunc recv_func, gpointer source, gint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	g_autoptr(GByteArray) data = g_byte_array_new();
	g_autoptr(VmdsE2eRawReply) reply = g_new0(VmdsE2eRawReply, 1);
	g_autofree gchar *length = NULL;
	const gchar *end = NULL;
	gsize header_len;
	guint64 want = G_MAXUINT64;

	/* the header block */
	while (end == NULL) {
		guint8 buf[4096];
		gssize n = recv_func(source, buf, sizeof(buf), deadline);
		if (n < 0)
			return NULL;
		ck_assert_msg(n > 0,
			      "the server closed the connection after %u bytes, before the "
			      "headers ended",
			      data->len);
		g_byte_array_append(data, buf, (guint)n);
		end = g_strstr_len((const gchar *)data->data, data->len, "\r\n\r\n");
	}
	header_len = (gsize)(end - (const gchar *)data->data) + 4;
	reply->headers = g_strndup((const gchar *)data->data, header_len);
	ck_assert_msg(g_str_has_prefix(reply->headers, "HTTP/1.1 ") ||
			  g_str_has_prefix(reply->headers, "HTTP/1.0 "),
		      "not an HTTP response: %s",
		      reply->headers);
	reply->status = (guint)g_ascii_strtoull(reply->headers + 9, NULL, 10);
	length = vmds_e2e_raw_reply_header(reply, "Content-Length");
	if (length != NULL)
		ck_assert(g_ascii_string_to_unsigned(length, 10, 0, G_MAXUINT32, &want, NULL));
	else if (reply->status == 204 || reply->status == 304 || reply->status < 200)
		want = 0;
	g_byte_array_remove_range(data, 0, (guint)header_len);

	/* the body */
	while (data->len < want) {
		guint8 buf[65536];
		gssize n = recv_func(source, buf, sizeof(buf), deadline);
		if (n < 0)
			return NULL;
		if (n == 0) {
			ck_assert_msg(want == G_MAXUINT64,
				      "the server closed the connection inside a body");
			break;
		}
		g_byte_array_append(data, buf, (guint)n);
	}
	reply->body = g_malloc(data->len + 1);
	memcpy(reply->body, data->data, data->len);
	reply->body[data->len] = '\0';
	reply->body_len = data->len;
	return g_steal_pointer(&reply);
}

/**
 * vmds_e2e_http_read:
 * @fd: a connection to the REST port with a request sent
 * @timeout_ms: how long to wait for the whole reply
 *
 * Reads one HTTP/1.1 response: the status line, the headers, and a body of
 * Content-Length bytes (or up to EOF without one).
 *
 * Returns: the reply, or %NULL when none came within @timeout_ms
 */
VmdsE2eRawReply *
vmds_e2e_http_read(gint fd, gint timeout_ms)
{
	return vmds_e2e_http_read_from(vmds_e2e_http_recv, GINT_TO_POINTER(fd), timeout_ms);
}

/* a VmdsE2eRecvFunc on a TLS connection, whose socket's timeout stands for
 * the deadline */
static gssize
vmds_e2e_tls_recv(gpointer source, guint8 *buf, gsize len, gint64 deadline)
{
	g_autoptr(GError) error = NULL;
	gssize n = g_input_stream_read(
	    g_io_stream_get_input_stream(G_IO_STREAM(source)), buf, len, NULL, &error);

	if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		return -1;
	if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
		return 0;
	ck_assert_msg(n >= 0, "TLS read: %s", error != NULL ? error->message : "");
	return n;
}

/**
 * vmds_e2e_https_raw:
 * @self: a fixture whose daemon serves HTTPS ([http] tls-certificate)
 * @request: the whole request, sent as is over TLS
 * @len: its length
 *
 * One request on a fresh TLS connection; the daemon's certificate is taken
 * as it comes.
 *
 * Returns: the reply; the test fails when none comes
 */
VmdsE2eRawReply *
vmds_e2e_https_raw(VmdsE2e *self, const gchar *request, gsize len)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) tcp = NULL;
	g_autoptr(GIOStream) tls = NULL;
	g_autoptr(GError) error = NULL;
	VmdsE2eRawReply *reply;

	ck_assert(g_str_has_prefix(self->url, "https://"));
	g_socket_client_set_timeout(client, VMDS_E2E_IO_TIMEOUT_MS / 1000);
	tcp = g_socket_client_connect_to_host(
	    client, "127.0.0.1", vmds_e2e_http_port(self), NULL, &error);
	ck_assert_msg(tcp != NULL, "connect %s: %s", self->url, error->message);
	tls = g_tls_client_connection_new(G_IO_STREAM(tcp), NULL, &error);
	ck_assert_msg(tls != NULL, "TLS: %s", error->message);
	/* the daemon closes without close_notify */
	g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(tls), FALSE);
	g_signal_connect(
	    tls, "accept-certificate", G_CALLBACK(vmds_e2e_accept_certificate_cb), NULL);
	ck_assert_msg(g_output_stream_write_all(
			  g_io_stream_get_output_stream(tls), request, len, NULL, NULL, &error),
		      "TLS write: %s",
		      error->message);
	reply = vmds_e2e_http_read_from(vmds_e2e_tls_recv, tls, VMDS_E2E_IO_TIMEOUT_MS);
	ck_assert_msg(reply != NULL, "no reply within %d ms", VMDS_E2E_IO_TIMEOUT_MS);
	g_io_stream_close(tls, NULL, NULL);
	return reply;
}

/**
 * vmds_e2e_http_raw:
 * @self: a fixture
 * @source: (nullable): the local address to connect from
 * @request: the whole request, sent as is
 * @len: its length
 *
 * One request on a fresh connection.
 *
 * Returns: the reply; the test fails when none comes
 */
VmdsE2eRawReply *
vmds_e2e_http_raw(VmdsE2e *self, const gchar *source, const gchar *request, gsize len)
{
	gint fd = vmds_e2e_http_connect(self, source);
	VmdsE2eRawReply *reply;

	vmds_e2e_send(fd, (const guint8 *)request, len);
	reply = vmds_e2e_http_read(fd, VMDS_E2E_IO_TIMEOUT_MS);
	close(fd);
	ck_assert_msg(reply != NULL, "no reply within %d ms", VMDS_E2E_IO_TIMEOUT_MS);
	return reply;
}

void
vmds_e2e_raw_reply_free(VmdsE2eRawReply *reply)
{
	if (reply == NULL)
		return;
	g_free(reply->headers);
	g_free(reply->body);
	g_free(reply);
}

/* the value of header @name (case-insensitive), or NULL */
gchar *
vmds_e2e_raw_reply_header(const VmdsE2eRawReply *reply, const gchar *name)
{
	g_auto(GStrv) lines = g_strsplit(reply->headers, "\r\n", -1);
	gsize name_len = strlen(name);

	for (guint i = 1; lines[i] != NULL; i++) {
		if (g_ascii_strncasecmp(lines[i], name, name_len) == 0 && lines[i][name_len] == ':')
			return g_strstrip(g_strdup(lines[i] + name_len + 1));
	}
	return NULL;
}

/* the error_type of a vSphere-style error body (see vmds_e2e_error_type) */
gchar *
vmds_e2e_raw_error_type(const VmdsE2eRawReply *reply)
{
	VmdsE2eReply plain = {reply->status, reply->body, reply->body_len};
	return vmds_e2e_error_type(&plain);
}

/* the default_message of an error body, or NULL */
gchar *
vmds_e2e_raw_error_message(const VmdsE2eRawReply *reply)
{
	g_autofree gchar *type = vmds_e2e_raw_error_type(reply);
	g_autoptr(JsonNode) node = NULL;
	JsonArray *messages;

	if (type == NULL)
		return NULL;
	node = json_from_string(reply->body, NULL);
	messages = json_object_get_array_member(json_node_get_object(node), "messages");
	return g_strdup(json_object_get_string_member(json_array_get_object_element(messages, 0),
						      "default_message"));
}

/* the id of this fixture's session (logged in on first use) */
const gchar *
vmds_e2e_get_session(VmdsE2e *self)
{
	return vmds_e2e_session(self);
}

/* `Basic base64(user:password)`; @password may hold NUL bytes */
gchar *
vmds_e2e_basic_auth(const gchar *user, const gchar *password, gssize password_len)
{
	g_autoptr(GString) credentials = g_string_new(user);
	g_autofree gchar *encoded = NULL;

	g_string_append_c(credentials, ':');
	g_string_append_len(credentials, password, password_len);
	encoded = g_base64_encode((const guchar *)credentials->str, credentials->len);
	return g_strdup_printf("Basic %s", encoded);
}

/*
 * Everything observable about @vm's data sets, as vmds_e2e_dump() tells it
 * for vm-1; a VM that does not exist dumps as its 404.
 */
gchar *
vmds_e2e_dump_vm(VmdsE2e *self, const gchar *vm)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree gchar *vm_esc = g_uri_escape_string(vm, NULL, FALSE);
	g_autofree gchar *base = g_strdup_printf("/api/vcenter/vm/%s/data-sets", vm_esc);
	g_autoptr(VmdsE2eReply) list = vmds_e2e_rest(self, "GET", base, NULL);
	g_autoptr(JsonNode) node = NULL;
	JsonArray *array;

	g_string_append_printf(out, "%s %u %s\n", vm, list->status, list->body);
	if (list->status != 200)
		return g_string_free(g_steal_pointer(&out), FALSE);
	node = json_from_string(list->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_ARRAY(node));
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonObject *obj = json_array_get_object_element(array, i);
		const gchar *name = json_object_get_string_member(obj, "data_set");
		g_autofree gchar *ds = g_uri_escape_string(name, NULL, FALSE);
		g_autofree gchar *info_path = g_strdup_printf("%s/%s", base, ds);
		g_autofree gchar *keys_path = g_strdup_printf("%s/entries", info_path);
		g_autoptr(VmdsE2eReply) info = vmds_e2e_rest(self, "GET", info_path, NULL);
		g_autoptr(VmdsE2eReply) keys = vmds_e2e_rest(self, "GET", keys_path, NULL);
		g_autoptr(JsonNode) keys_node = NULL;
		JsonArray *key_array;

		ck_assert_uint_eq(info->status, 200);
		g_string_append_printf(out, "%s\n%u %s\n", info->body, keys->status, keys->body);
		if (keys->status != 200)
			continue;
		keys_node = json_from_string(keys->body, NULL);
		ck_assert(keys_node != NULL && JSON_NODE_HOLDS_ARRAY(keys_node));
		key_array = json_node_get_array(keys_node);
		for (guint j = 0; j < json_array_get_length(key_array); j++) {
			const gchar *key = json_array_get_string_element(key_array, j);
			g_autofree gchar *k = g_uri_escape_string(key, NULL, FALSE);
			g_autofree gchar *path = g_strdup_printf("%s/entries/%s", info_path, k);
			g_autoptr(VmdsE2eReply) value = vmds_e2e_rest(self, "GET", path, NULL);
			ck_assert_uint_eq(value->status, 200);
			g_string_append_printf(out, "%s=%s\n", key, value->body);
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}
