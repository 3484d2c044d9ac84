/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-e2e.h"

/*
 * The daemon and the file system (issue 8, points 8-11, 16, 17 and the
 * per-VM socket owner and group of 19): it refuses run, state and plugin
 * directories, the config file and the REST password file that someone
 * other than root or its user can change, at start and on SIGHUP; one daemon
 * serves a run dir; a VM id is never used twice; a failed VM creation
 * leaves nothing behind; a VM's socket can have its own owner and group,
 * who alone (with root and the daemon's user) may use it.
 */

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

/* the name of the user the tests and their daemons run as */
static gchar *
me(void)
{
	struct passwd *pw = getpwuid(geteuid());
	ck_assert_ptr_nonnull(pw);
	return g_strdup(pw->pw_name);
}

/* the daemon, stopped, does not start again: exit status 1 and one line */
static void
assert_refuses(const gchar *message)
{
	g_autofree gchar *line = g_strdup_printf("vmdsd: %s\n", message);
	g_autofree gchar *log = NULL;
	gint status = 0;

	ck_assert_msg(!vmds_e2e_try_start(e2e, &status), "vmdsd started; expected: %s", message);
	ck_assert_int_eq(status, 1);
	log = vmds_e2e_read_log(e2e);
	ck_assert_msg(strstr(log, line) != NULL, "no [%s] in the log:\n%s", message, log);
}

/* "… is writable by group and others (owner U, mode 0777): run 'chmod go-w …'" */
static gchar *
writable_message(const gchar *prefix, const gchar *path, guint mode)
{
	g_autofree gchar *owner = me();
	return g_strdup_printf("%s%s is writable by group and others (owner %s, mode %04o): run "
			       "'chmod go-w %s'",
			       prefix,
			       path,
			       owner,
			       mode,
			       path);
}

static void
assert_guest_ok(void)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, "datasets-list");
	vmds_e2e_assert_ok(run, "{\"result\":true,\"datasets\":[]}");
}

/* point 8: a run dir others can write is refused, and nothing in it touched */
START_TEST(test_fs_run_dir)
{
	const gchar *run_dir = vmds_e2e_get_run_dir(e2e);
	g_autofree gchar *victim = g_build_filename(vmds_e2e_get_tmp(e2e), "victim", NULL);
	g_autofree gchar *socket = vmds_e2e_socket_path(e2e, NULL);
	g_autofree gchar *message = writable_message("refusing the run directory: ", run_dir, 0777);
	GStatBuf st;

	vmds_e2e_stop(e2e);
	ck_assert_int_eq(g_chmod(run_dir, 0777), 0);
	/* what another user could leave there: vm-1.sock, a link to root's file */
	ck_assert(g_file_set_contents(victim, "root's", -1, NULL));
	ck_assert_int_eq(g_chmod(victim, 0600), 0);
	ck_assert_int_eq(symlink(victim, socket), 0);
	assert_refuses(message);
	ck_assert_int_eq(g_stat(victim, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_gid, getegid());
	ck_assert_int_eq(g_lstat(socket, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));

	/* fixed: it starts, and the stale link is replaced by the socket */
	ck_assert_int_eq(g_chmod(run_dir, 0755), 0);
	vmds_e2e_start(e2e);
	ck_assert_int_eq(g_lstat(socket, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(g_stat(victim, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	assert_guest_ok();
}
END_TEST

/* a directory on the way counts: anyone could rename the files in it away */
START_TEST(test_fs_parent_dir)
{
	const gchar *tmp = vmds_e2e_get_tmp(e2e);
	g_autofree gchar *config = g_build_filename(tmp, "vmds.conf", NULL);
	g_autofree gchar *prefix =
	    g_strdup_printf("refusing the config file: cannot trust %s: ", config);
	g_autofree gchar *message = writable_message(prefix, tmp, 0777);

	vmds_e2e_stop(e2e);
	ck_assert_int_eq(g_chmod(tmp, 0777), 0);
	assert_refuses(message);
	/* with the sticky bit (as /tmp) others cannot rename what is not theirs */
	ck_assert_int_eq(g_chmod(tmp, 01777), 0);
	vmds_e2e_start(e2e);
	assert_guest_ok();
	vmds_e2e_stop(e2e);
	ck_assert_int_eq(g_chmod(tmp, 0755), 0);
	vmds_e2e_start(e2e);
}
END_TEST

/* point 10: a state dir anyone can write, and a password file others can read */
START_TEST(test_fs_state_dir_and_password)
{
	const gchar *state_dir = vmds_e2e_get_state_dir(e2e);
	g_autofree gchar *password = g_build_filename(state_dir, "admin-password", NULL);
	g_autofree gchar *owner = me();
	g_autofree gchar *message =
	    writable_message("refusing the state directory: ", state_dir, 0777);
	g_autofree gchar *secret = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	vmds_e2e_stop(e2e);
	ck_assert_int_eq(g_chmod(state_dir, 0777), 0);
	assert_refuses(message);
	ck_assert_int_eq(g_chmod(state_dir, 0755), 0);

	ck_assert_int_eq(g_chmod(password, 0644), 0);
	secret = g_strdup_printf("cannot use the REST password: %s is a secret open to group or "
				 "others (owner %s, mode 0644): run 'chmod 0600 %s'",
				 password,
				 owner,
				 password);
	assert_refuses(secret);
	ck_assert_int_eq(g_chmod(password, 0640), 0);
	g_free(secret);
	secret = g_strdup_printf("cannot use the REST password: %s is a secret open to group or "
				 "others (owner %s, mode 0640): run 'chmod 0600 %s'",
				 password,
				 owner,
				 password);
	assert_refuses(secret);
	ck_assert_int_eq(g_chmod(password, 0600), 0);

	if (vmds_e2e_is_root()) {
		ck_assert_int_eq(chown(password, 65534, 65534), 0);
		g_free(secret);
		secret = g_strdup_printf(
		    "cannot use the REST password: %s is owned by nobody (uid 65534, mode 0600), "
		    "not by root or the daemon's user root: run 'chown root %s'",
		    password,
		    password);
		assert_refuses(secret);
		ck_assert_int_eq(chown(password, 0, 0), 0);
	}
	vmds_e2e_start(e2e);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm", NULL);
	vmds_e2e_assert_reply(reply, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");
}
END_TEST

/* point 10: a config file others can write, or owned by another user */
START_TEST(test_fs_config_file)
{
	g_autofree gchar *config = g_build_filename(vmds_e2e_get_tmp(e2e), "vmds.conf", NULL);
	g_autofree gchar *message = writable_message("refusing the config file: ", config, 0666);

	vmds_e2e_stop(e2e);
	ck_assert_int_eq(g_chmod(config, 0666), 0);
	assert_refuses(message);
	ck_assert_int_eq(g_chmod(config, 0644), 0);
	if (vmds_e2e_is_root()) {
		g_autofree gchar *owned = g_strdup_printf(
		    "refusing the config file: %s is owned by nobody (uid 65534, mode 0644), not "
		    "by root or the daemon's user root: run 'chown root %s'",
		    config,
		    config);
		ck_assert_int_eq(chown(config, 65534, 65534), 0);
		assert_refuses(owned);
		ck_assert_int_eq(chown(config, 0, 0), 0);
	}
	vmds_e2e_start(e2e);
	assert_guest_ok();
}
END_TEST

/* points 8 and 9: a plugin directory others can write; a plugin behind a link */
START_TEST(test_fs_plugin_dir)
{
	g_autofree gchar *saved = g_strdup(g_getenv("VMDS_PLUGINDIR"));
	g_autofree gchar *plugins = g_build_filename(vmds_e2e_get_tmp(e2e), "plugins", NULL);
	g_autofree gchar *plugin = g_build_filename(saved, "libvmds-plugin-datasets.so", NULL);
	g_autofree gchar *link = g_build_filename(plugins, "libvmds-plugin-datasets.so", NULL);
	g_autofree gchar *message =
	    writable_message("refusing the plugin directory: ", plugins, 0777);
	g_autofree gchar *warning = NULL;
	g_autofree gchar *log = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;

	vmds_e2e_stop(e2e);
	ck_assert_int_eq(g_mkdir(plugins, 0755), 0);
	ck_assert_int_eq(g_chmod(plugins, 0777), 0);
	ck_assert_int_eq(symlink(plugin, link), 0);
	g_setenv("VMDS_PLUGINDIR", plugins, TRUE);
	assert_refuses(message);

	/* a trusted directory: the daemon starts, without the plugin behind the link */
	ck_assert_int_eq(g_chmod(plugins, 0755), 0);
	vmds_e2e_start(e2e);
	g_setenv("VMDS_PLUGINDIR", saved, TRUE);
	warning = g_strdup_printf(
	    "plugin not loaded: %s is a symbolic link: only the file itself is accepted", link);
	log = vmds_e2e_read_log(e2e);
	ck_assert_msg(strstr(log, warning) != NULL, "no [%s] in the log:\n%s", warning, log);
	run = vmds_e2e_vmtoolsd(e2e, "datasets-list");
	vmds_e2e_assert_run(run, 1, "", "Unknown command\n");
}
END_TEST

/* a login with @password: its HTTP status */
static guint
login(const gchar *password)
{
	g_autofree gchar *auth = vmds_e2e_basic_auth("admin", password, -1);
	const gchar *const headers[] = {"Authorization", auth, NULL};
	g_autoptr(VmdsE2eReply) reply =
	    vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
	return reply->status;
}

/* point 10 on SIGHUP: a password file others can read is not taken, the old one stays */
START_TEST(test_fs_password_reload)
{
	g_autofree gchar *path =
	    g_build_filename(vmds_e2e_get_state_dir(e2e), "admin-password", NULL);
	g_autofree gchar *owner = me();
	g_autofree gchar *refused = g_strdup_printf(
	    "configuration not reloaded: cannot use the REST password: %s is a secret open to "
	    "group or others (owner %s, mode 0644): run 'chmod 0600 %s'",
	    path,
	    owner,
	    path);
	g_autofree gchar *old = g_strdup(vmds_e2e_get_password(e2e));
	g_autofree gchar *log = NULL;

	ck_assert_uint_eq(login(old), 201);
	ck_assert(g_file_set_contents(path, "a-new-password\n", -1, NULL));
	ck_assert_int_eq(g_chmod(path, 0644), 0);
	vmds_e2e_reload(e2e, "");
	log = vmds_e2e_read_log(e2e);
	ck_assert_msg(strstr(log, refused) != NULL, "no [%s] in the log:\n%s", refused, log);
	ck_assert_uint_eq(login("a-new-password"), 401);
	ck_assert_uint_eq(login(old), 201);

	ck_assert_int_eq(g_chmod(path, 0600), 0);
	vmds_e2e_reload(e2e, "");
	ck_assert_uint_eq(login("a-new-password"), 201);
	ck_assert_uint_eq(login(old), 401);
	/* the file is now the old one again, for the fixture's own logins */
	{
		g_autofree gchar *line = g_strdup_printf("%s\n", old);
		ck_assert(g_file_set_contents(path, line, -1, NULL));
		vmds_e2e_reload(e2e, "");
	}
}
END_TEST

/*
 * point 11: a second daemon on the same run dir (with its own state dir)
 * exits 1 saying who serves it, and the first one's sockets keep working
 */
START_TEST(test_fs_run_dir_lock)
{
	g_autofree gchar *state2 = g_build_filename(vmds_e2e_get_tmp(e2e), "state2", NULL);
	g_autofree gchar *config = g_build_filename(vmds_e2e_get_tmp(e2e), "vmds.conf", NULL);
	g_autofree gchar *expected = g_strdup_printf("vmdsd: another vmdsd (pid %d) serves %s\n",
						     (gint)vmds_e2e_get_pid(e2e),
						     vmds_e2e_get_run_dir(e2e));
	g_autofree gchar *lock = g_build_filename(vmds_e2e_get_run_dir(e2e), "vmdsd.lock", NULL);
	/* timeout(1): a daemon that did start would otherwise be waited for forever */
	const gchar *const argv[] = {"timeout",
				     "60",
				     g_getenv("VMDSD"),
				     "-c",
				     config,
				     "--state-dir",
				     state2,
				     "--run-dir",
				     vmds_e2e_get_run_dir(e2e),
				     "--http",
				     "127.0.0.1:0",
				     NULL};
	g_autoptr(VmdsE2eRun) run = NULL;
	GStatBuf st;

	assert_guest_ok();
	run = vmds_e2e_run(e2e, argv, NULL, NULL, 0);
	vmds_e2e_assert_run(run, 1, "", expected);
	assert_guest_ok();
	ck_assert_int_eq(g_lstat(lock, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* the lock goes with the daemon: a restart on the same run dir works */
	vmds_e2e_restart(e2e);
	assert_guest_ok();
}
END_TEST

static gchar *
create_vm(const gchar *name)
{
	g_autofree gchar *body = g_strdup_printf("{\"name\":\"%s\"}", name);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", body);
	g_autoptr(JsonNode) node = NULL;

	ck_assert_msg(reply->status == 201, "HTTP %u %s", reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_VALUE(node));
	return g_strdup(json_node_get_string(node));
}

/* point 16: a deleted VM's id never comes back, across restarts */
START_TEST(test_fs_ids_never_reused)
{
	g_autofree gchar *next_id =
	    g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", "next-id", NULL);
	g_autofree gchar *id = create_vm("web-01");
	g_autoptr(VmdsE2eReply) reply = NULL;

	ck_assert_str_eq(id, "vm-2");
	reply = vmds_e2e_rest(e2e, "DELETE", "/api/vcenter/vm/vm-2", NULL);
	vmds_e2e_assert_reply(reply, 204, "");
	vmds_e2e_restart(e2e);
	g_free(id);
	id = create_vm("someone-else");
	ck_assert_str_eq(id, "vm-3");
	/* an install from before the file: the highest id there plus one */
	vmds_e2e_stop(e2e);
	ck_assert_int_eq(g_unlink(next_id), 0);
	vmds_e2e_start(e2e);
	g_free(id);
	id = create_vm("web-02");
	ck_assert_str_eq(id, "vm-4");
}
END_TEST

static gint
compare_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the entries of a directory, sorted, space-separated */
static gchar *
list_dir(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	const gchar *name;

	ck_assert_ptr_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, (gpointer)name);
	g_ptr_array_sort(names, compare_cb);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (gchar **)names->pdata);
}

/* N of a reply "vm-N" */
static guint64
vm_number(const gchar *body)
{
	g_autoptr(JsonNode) node = json_from_string(body, NULL);
	const gchar *id = NULL;
	guint64 n = 0;

	ck_assert_msg(node != NULL && JSON_NODE_HOLDS_VALUE(node), "%s", body);
	id = json_node_get_string(node);
	ck_assert_msg(g_str_has_prefix(id, "vm-") &&
			  g_ascii_string_to_unsigned(id + 3, 10, 1, G_MAXUINT32, &n, NULL),
		      "%s",
		      body);
	return n;
}

/* the descriptor the daemon's next one would get: the lowest not open (under
 * valgrind its own descriptors sit far above, so counting them would not do) */
static guint
lowest_free_fd(void)
{
	g_autofree gchar *fd_dir = g_strdup_printf("/proc/%d/fd", (gint)vmds_e2e_get_pid(e2e));
	g_autoptr(GDir) dir = g_dir_open(fd_dir, 0, NULL);
	g_autoptr(GHashTable) open = g_hash_table_new(NULL, NULL);
	const gchar *name;
	guint n = 0;

	ck_assert_msg(dir != NULL, "cannot read %s", fd_dir);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_hash_table_add(open, GUINT_TO_POINTER((guint)atoi(name) + 1));
	while (g_hash_table_contains(open, GUINT_TO_POINTER(n + 1)))
		n++;
	return n;
}

/*
 * POST @path with @body and the fixture's session on a new connection, in
 * two steps: the headers (with Expect: 100-continue), and once the daemon
 * has read them and asked for the body (so the connection is accepted and
 * needs no new descriptor), @between, then the body.
 */
static VmdsE2eRawReply *
post_in_two(const gchar *path, const gchar *body, void (*between)(gpointer), gpointer data)
{
	const gchar *host = vmds_e2e_get_url(e2e) + strlen("http://");
	g_autofree gchar *head = g_strdup_printf("POST %s HTTP/1.1\r\n"
						 "Host: %s\r\n"
						 "vmware-api-session-id: %s\r\n"
						 "Content-Type: application/json\r\n"
						 "Content-Length: %zu\r\n"
						 "Expect: 100-continue\r\n"
						 "\r\n",
						 path,
						 host,
						 vmds_e2e_get_session(e2e),
						 strlen(body));
	gint fd = vmds_e2e_http_connect(e2e, NULL);
	g_autoptr(VmdsE2eRawReply) go_on = NULL;
	VmdsE2eRawReply *reply = NULL;

	vmds_e2e_send(fd, (const guint8 *)head, strlen(head));
	go_on = vmds_e2e_http_read(fd, 60000);
	ck_assert_msg(go_on != NULL && go_on->status == 100, "no 100 Continue for POST %s", path);
	between(data);
	vmds_e2e_send(fd, (const guint8 *)body, strlen(body));
	reply = vmds_e2e_http_read(fd, 60000);
	ck_assert_msg(reply != NULL, "no reply to POST %s", path);
	close(fd);
	return reply;
}

/* the daemon's descriptor limit: *@data more than it holds now */
static void
set_fd_room_cb(gpointer data)
{
	struct rlimit tight = {0};

	ck_assert_int_eq(prlimit(vmds_e2e_get_pid(e2e), RLIMIT_NOFILE, NULL, &tight), 0);
	tight.rlim_cur = lowest_free_fd() + *(guint *)data;
	ck_assert_int_eq(prlimit(vmds_e2e_get_pid(e2e), RLIMIT_NOFILE, &tight, NULL), 0);
}

/*
 * point 17: a VM creation that fails leaves nothing behind. The daemon gets
 * room for 1, 2, 3 ... more descriptors, so creating fails at each step
 * that opens one (the next id, vm.ini, the store, the socket) until it
 * succeeds; each failure is a 500 with a vSphere error body and leaves
 * vms/ and the run dir as they were; the ids it used stay used; a restart
 * warns about nothing, and the next creation works. The requests go on a
 * REST connection the daemon took before its limit was lowered: a new one
 * would be refused (the descriptors left are the guests' reserve).
 */
START_TEST(test_fs_create_rollback)
{
	g_autofree gchar *vms = g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", NULL);
	const gchar *run_dir = vmds_e2e_get_run_dir(e2e);
	g_autofree gchar *vms_before = list_dir(vms);
	g_autofree gchar *run_before = list_dir(run_dir);
	g_autofree gchar *log = NULL;
	g_autofree gchar *created = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	struct rlimit lim = {0};
	guint failures = 0;
	guint64 n = 0;
	gsize log_len;

	ck_assert_str_eq(vms_before, "next-id vm-1");
	/* prlimit() on another process needs its uid or CAP_SYS_RESOURCE */
	ck_assert_int_eq(prlimit(vmds_e2e_get_pid(e2e), RLIMIT_NOFILE, NULL, &lim), 0);
	for (guint room = 1; room <= 16 && created == NULL; room++) {
		g_autoptr(VmdsE2eRawReply) raw = NULL;
		g_autofree gchar *type = NULL;
		g_autofree gchar *vms_after = NULL;
		g_autofree gchar *run_after = NULL;

		raw = post_in_two("/api/vcenter/vm", "{\"name\":\"web\"}", set_fd_room_cb, &room);
		ck_assert_int_eq(prlimit(vmds_e2e_get_pid(e2e), RLIMIT_NOFILE, &lim, NULL), 0);
		if (raw->status == 201) {
			created = g_strdup(raw->body);
			break;
		}
		failures++;
		type = vmds_e2e_raw_error_type(raw);
		ck_assert_msg(raw->status == 500 && g_strcmp0(type, "ERROR") == 0,
			      "room for %u: HTTP %u %s",
			      room,
			      raw->status,
			      raw->body);
		vms_after = list_dir(vms);
		ck_assert_msg(g_strcmp0(vms_after, vms_before) == 0,
			      "room for %u: vms/ holds [%s] after %s",
			      room,
			      vms_after,
			      raw->body);
		run_after = list_dir(run_dir);
		ck_assert_str_eq(run_after, run_before);
	}
	ck_assert_msg(created != NULL, "no VM created after %u failures", failures);
	/* the ids the failures used stay used: at least one failed after the
	 * VM's directory was made (so the rollback ran) */
	n = vm_number(created);
	ck_assert_msg(
	    n >= 3 && n <= failures + 2, "created %s after %u failures", created, failures);

	/* a restart has nothing to warn about */
	log = vmds_e2e_read_log(e2e);
	log_len = strlen(log);
	vmds_e2e_restart(e2e);
	g_free(log);
	log = vmds_e2e_read_log(e2e);
	ck_assert_msg(strstr(log + log_len, "WARNING") == NULL, "%s", log + log_len);
	reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", "{\"name\":\"web-2\"}");
	ck_assert_uint_eq(reply->status, 201);
	ck_assert_uint_eq(vm_number(reply->body), n + 1);
}
END_TEST

static gid_t
group_id(const gchar *name)
{
	struct group *gr = getgrnam(name);
	ck_assert_msg(gr != NULL, "no group '%s' in /etc/group", name);
	return gr->gr_gid;
}

#define LIST_OK "{\"result\":true,\"datasets\":[{\"name\":\"ds\",\"description\":\"test\"}]}"
#define NOBODY	65534

/* datasets-list on @vm's socket as @uid, @gid and @groups: served, or access-denied */
static void
assert_list_as(guint uid, guint gid, const gchar *groups, const gchar *vm, gboolean served)
{
	g_autoptr(VmdsE2eRun) run =
	    vmds_e2e_vmtoolsd_as(e2e, uid, gid, groups, vm, "datasets-list");

	if (served)
		vmds_e2e_assert_ok(run, LIST_OK);
	else
		vmds_e2e_assert_failure(run, "access-denied");
}

static void
setup_0666(void)
{
	e2e = vmds_e2e_new("[backchannel]\nsocket-mode=0666\n");
}

/*
 * point 19: a VM whose socket has a group of its own. A user in that group
 * gets replies on that VM, and access-denied on vm-1, whose socket anyone
 * can connect to but which has no such group. vmds vm create and vm info
 * carry the group, and it survives a restart.
 */
START_TEST(test_fs_socket_group)
{
	gid_t users = 0;
	g_autofree gchar *users_str = NULL;
	g_autofree gchar *socket = vmds_e2e_socket_path(e2e, "vm-2");
	g_autofree gchar *info = NULL;
	g_autofree gchar *get = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	GStatBuf st;

	if (!vmds_e2e_can_run_as("other callers"))
		return;
	users = group_id("users");
	users_str = g_strdup_printf("%u", (guint)users);
	{
		const gchar *const args[] = {
		    "vm", "create", "grp", "--socket-group", "users", NULL};
		run = vmds_e2e_vmds(e2e, args);
		vmds_e2e_assert_run(run, 0, "vm-2\n", "");
	}
	info = g_strdup_printf("vm: vm-2\nname: grp\nbackchannel: %s\nsocket_group: users\n"
			       "snapshot_count: 0\nsnapshots_size: 0\n",
			       socket);
	g_clear_pointer(&run, vmds_e2e_run_free);
	{
		const gchar *const args[] = {"vm", "info", "vm-2", NULL};
		run = vmds_e2e_vmds(e2e, args);
		vmds_e2e_assert_run(run, 0, info, "");
	}
	get = g_strdup_printf(
	    "{\"vm\":\"vm-2\",\"name\":\"grp\",\"backchannel\":\"%s\",\"socket_group\":\"users\","
	    "\"snapshot_count\":0,\"snapshots_size\":0}",
	    socket);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-2", NULL);
	vmds_e2e_assert_reply(reply, 200, get);
	ck_assert_int_eq(g_lstat(socket, &st), 0);
	ck_assert_uint_eq(st.st_gid, users);
	ck_assert_uint_eq(st.st_uid, geteuid());
	ck_assert_uint_eq(st.st_mode & 0777, 0666);
	vmds_e2e_create_dataset(e2e, "vm-2", "ds", "READ_WRITE", "READ_WRITE");

	for (guint pass = 0; pass < 2; pass++) {
		/* a member, by a supplementary group and by the primary one */
		assert_list_as(NOBODY, NOBODY, users_str, "vm-2", TRUE);
		assert_list_as(NOBODY, users, NULL, "vm-2", TRUE);
		/* the same user on a VM without that group */
		assert_list_as(NOBODY, NOBODY, users_str, "vm-1", FALSE);
		/* someone else on the VM with the group */
		assert_list_as(NOBODY, NOBODY, NULL, "vm-2", FALSE);
		/* root and the daemon's user still may */
		g_clear_pointer(&run, vmds_e2e_run_free);
		{
			g_autofree gchar *channel = vmds_e2e_channel(e2e, "vm-2");
			const gchar *const args[] = {"--cmd", "datasets-list", NULL};
			g_autofree gchar *env0 = g_strdup_printf("VMTOOLSD_CHANNEL=%s", channel);
			const gchar *const env[] = {env0, NULL};
			run = vmds_e2e_vmtoolsd_argv(e2e, args, env);
			vmds_e2e_assert_ok(run, LIST_OK);
		}
		/* kept in vm.ini: the same after a restart */
		vmds_e2e_restart(e2e);
		ck_assert_int_eq(g_lstat(socket, &st), 0);
		ck_assert_uint_eq(st.st_gid, users);
	}
}
END_TEST

static void
setup_0666_group(void)
{
	e2e = vmds_e2e_new("[backchannel]\nsocket-mode=0666\ngroup=users\n");
}

/*
 * point 19: a VM's own group replaces the configured [backchannel] group on
 * its socket; a VM's own owner may use its socket
 */
START_TEST(test_fs_socket_group_replaces_global)
{
	gid_t users = 0;
	gid_t staff = 0;
	g_autofree gchar *users_str = NULL;
	g_autofree gchar *staff_str = NULL;
	g_autofree gchar *socket2 = vmds_e2e_socket_path(e2e, "vm-2");
	g_autofree gchar *socket3 = vmds_e2e_socket_path(e2e, "vm-3");
	g_autofree gchar *get = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	GStatBuf st;

	if (!vmds_e2e_can_run_as("other callers"))
		return;
	users = group_id("users");
	staff = group_id("staff");
	users_str = g_strdup_printf("%u", (guint)users);
	staff_str = g_strdup_printf("%u", (guint)staff);
	reply = vmds_e2e_rest(
	    e2e, "POST", "/api/vcenter/vm", "{\"name\":\"staff-vm\",\"socket_group\":\"staff\"}");
	vmds_e2e_assert_reply(reply, 201, "\"vm-2\"");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(
	    e2e, "POST", "/api/vcenter/vm", "{\"name\":\"nobody-vm\",\"socket_owner\":\"nobody\"}");
	vmds_e2e_assert_reply(reply, 201, "\"vm-3\"");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	get = g_strdup_printf(
	    "{\"vm\":\"vm-3\",\"name\":\"nobody-vm\",\"backchannel\":\"%s\","
	    "\"socket_owner\":\"nobody\",\"snapshot_count\":0,\"snapshots_size\":0}",
	    socket3);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-3", NULL);
	vmds_e2e_assert_reply(reply, 200, get);
	ck_assert_int_eq(g_lstat(socket2, &st), 0);
	ck_assert_uint_eq(st.st_gid, staff);
	ck_assert_int_eq(g_lstat(socket3, &st), 0);
	ck_assert_uint_eq(st.st_uid, NOBODY);
	/* no group of its own: the configured one */
	ck_assert_uint_eq(st.st_gid, users);
	for (guint i = 1; i <= 3; i++) {
		g_autofree gchar *vm = g_strdup_printf("vm-%u", i);
		vmds_e2e_create_dataset(e2e, vm, "ds", "READ_WRITE", "READ_WRITE");
	}

	/* vm-2 has its own group: members of the configured group are outsiders there */
	assert_list_as(NOBODY, NOBODY, staff_str, "vm-2", TRUE);
	assert_list_as(NOBODY, NOBODY, users_str, "vm-2", FALSE);
	/* vm-1 has none: the configured group, and only it */
	assert_list_as(NOBODY, NOBODY, users_str, "vm-1", TRUE);
	assert_list_as(NOBODY, NOBODY, staff_str, "vm-1", FALSE);
	/* vm-3's owner may use it, another user may not (unless in the group) */
	assert_list_as(NOBODY, NOBODY, NULL, "vm-3", TRUE);
	assert_list_as(65533, 65533, NULL, "vm-3", FALSE);
	assert_list_as(65533, 65533, users_str, "vm-3", TRUE);
	/* the owner of vm-3 is nobody special on vm-1 */
	assert_list_as(NOBODY, NOBODY, NULL, "vm-1", FALSE);
}
END_TEST

/* point 19: the owner and group must exist and be strings; nothing is created otherwise */
START_TEST(test_fs_socket_owner_invalid)
{
	const struct {
		const gchar *body;
		const gchar *message;
	} rows[] = {
	    {"{\"name\":\"x\",\"socket_owner\":\"no-such-user-vmds\"}",
	     "socket_owner: no user named 'no-such-user-vmds'"},
	    {"{\"name\":\"x\",\"socket_group\":\"no-such-group-vmds\"}",
	     "socket_group: no group named 'no-such-group-vmds'"},
	    {"{\"name\":\"x\",\"socket_owner\":\"\"}", "socket_owner: no user named ''"},
	    {"{\"name\":\"x\",\"socket_owner\":0}", "member 'socket_owner' must be a string"},
	    {"{\"name\":\"x\",\"socket_group\":[\"users\"]}",
	     "member 'socket_group' must be a string"},
	    {"{\"name\":\"x\",\"socket_group\":null}", "member 'socket_group' must be a string"},
	};
	g_autofree gchar *vms = g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", NULL);
	g_autoptr(VmdsE2eRun) run = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autoptr(VmdsE2eReply) reply =
		    vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", rows[i].body);
		g_autoptr(VmdsE2eReply) list = NULL;
		g_autofree gchar *expected =
		    g_strdup_printf("\"default_message\":\"%s\"", rows[i].message);
		g_autofree gchar *listing = NULL;

		vmds_e2e_assert_error(reply, 400, "INVALID_ARGUMENT");
		ck_assert_msg(
		    strstr(reply->body, expected) != NULL, "%s: %s", rows[i].body, reply->body);
		list = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm", NULL);
		vmds_e2e_assert_reply(list, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");
		listing = list_dir(vms);
		ck_assert_str_eq(listing, "next-id vm-1");
	}
	{
		const gchar *const args[] = {
		    "vm", "create", "x", "--socket-group", "no-such-group-vmds", NULL};
		run = vmds_e2e_vmds(e2e, args);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(
		    strstr(run->err, "socket_group: no group named 'no-such-group-vmds'") != NULL,
		    "%s",
		    run->err);
	}
}
END_TEST

static Suite *
filesystem_suite(void)
{
	Suite *s = suite_create("e2e-filesystem");
	TCase *tc = tcase_create("trust");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fs_run_dir);
	tcase_add_test(tc, test_fs_parent_dir);
	tcase_add_test(tc, test_fs_state_dir_and_password);
	tcase_add_test(tc, test_fs_config_file);
	tcase_add_test(tc, test_fs_plugin_dir);
	tcase_add_test(tc, test_fs_password_reload);
	suite_add_tcase(s, tc);

	tc = tcase_create("inventory");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fs_run_dir_lock);
	tcase_add_test(tc, test_fs_ids_never_reused);
	tcase_add_test(tc, test_fs_create_rollback);
	tcase_add_test(tc, test_fs_socket_owner_invalid);
	suite_add_tcase(s, tc);

	tc = tcase_create("socket-owner");
	tcase_add_checked_fixture(tc, setup_0666, teardown);
	tcase_add_test(tc, test_fs_socket_group);
	suite_add_tcase(s, tc);

	tc = tcase_create("socket-owner-and-group");
	tcase_add_checked_fixture(tc, setup_0666_group, teardown);
	tcase_add_test(tc, test_fs_socket_group_replaces_global);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(filesystem_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
