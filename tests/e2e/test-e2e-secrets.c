/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-e2e.h"

/*
 * Secrets hygiene (style.md "never log entry values or passwords: log
 * sizes"; management-api.md "passwords are never logged", admin-password
 * mode 0600): a daemon at -vv runs a broad workload of guest, REST and CLI
 * calls, accepted and refused, with distinctive values, wrong passwords and
 * a real session; afterwards not one of those strings is in its log. The
 * files that hold secrets are not readable by others.
 */

#define DS "/api/vcenter/vm/vm-1/data-sets"

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	const gchar *const args[] = {"-vv", NULL};

	e2e = vmds_e2e_new_args(NULL, NULL, args);
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_create_dataset(e2e, NULL, "ro", "READ_WRITE", "READ_ONLY");
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

static void
guest(const gchar *cmd, gint status)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
	ck_assert_msg(run->status == status,
		      "%.80s: exit %d, expected %d: %s%s",
		      cmd,
		      run->status,
		      status,
		      run->out,
		      run->err);
}

static guint
rest_status(const gchar *method, const gchar *path, const gchar *body)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);
	return reply->status;
}

/* POST /api/session with these credentials; the reply */
static VmdsE2eReply *
login(const gchar *user, const gchar *password)
{
	g_autofree gchar *credentials = g_strdup_printf("%s:%s", user, password);
	g_autofree gchar *encoded =
	    g_base64_encode((const guchar *)credentials, strlen(credentials));
	g_autofree gchar *auth = g_strdup_printf("Basic %s", encoded);
	const gchar *const headers[] = {"Authorization", auth, NULL};

	return vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
}

static gchar *
base64_credentials(const gchar *user, const gchar *password)
{
	g_autofree gchar *credentials = g_strdup_printf("%s:%s", user, password);
	return g_base64_encode((const guchar *)credentials, strlen(credentials));
}

/* the line of @log that holds @found, for the failure message */
static gchar *
line_of(const gchar *log, const gchar *found)
{
	const gchar *start = found;
	const gchar *end = strchr(found, '\n');

	while (start > log && start[-1] != '\n')
		start--;
	return g_strndup(start, end != NULL ? (gsize)(end - start) : strlen(start));
}

START_TEST(test_secrets_log)
{
	g_autofree gchar *tag = g_strdup_printf("%08x", g_random_int());
	g_autoptr(GPtrArray) secrets = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *log = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autofree gchar *session = NULL;
	guint n_debug = 0;
	const gchar *p;

/* a distinctive string to write somewhere, and to look for in the log */
#define SECRET(name) g_ptr_array_add(secrets, g_strdup_printf("secret-%s-%s", name, tag))
#define S(i)	     ((const gchar *)g_ptr_array_index(secrets, i))

	/* guest: single set, two-entry set, appends, a read of them, a delete */
	SECRET("guest-set"); /* 0 */
	SECRET("pair-a");    /* 1 */
	SECRET("pair-b");    /* 2 */
	SECRET("append-1");  /* 3 */
	SECRET("append-2");  /* 4 */
	{
		g_autofree gchar *cmd = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"g\","
		    "\"value\":\"%s\"}]}",
		    S(0));
		guest(cmd, 0);
		g_free(cmd);
		cmd = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\","
		    "\"value\":\"%s\"},{\"key\":\"b\",\"value\":\"%s\"}]}",
		    S(1),
		    S(2));
		guest(cmd, 0);
		for (guint i = 3; i <= 4; i++) {
			g_free(cmd);
			cmd = g_strdup_printf(
			    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"log\","
			    "\"value\":\"%s\",\"append\":true}]}",
			    S(i));
			guest(cmd, 0);
		}
		guest(
		    "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"g\",\"a\",\"b\",\"log\"]}",
		    0);
		guest("datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"b\"]}", 0);
	}

	/* guest: refused writes carrying values */
	SECRET("bad-json");	/* 5 */
	SECRET("extra-member"); /* 6 */
	SECRET("denied");	/* 7 */
	SECRET("no-dataset");	/* 8 */
	SECRET("unknown-cmd");	/* 9 */
	SECRET("cmdfile");	/* 10 */
	{
		g_autofree gchar *cmd = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"x\","
		    "\"value\":\"%s\"}",
		    S(5));
		g_autofree gchar *file_text = NULL;
		g_autofree gchar *file = NULL;
		const gchar *args[] = {"--cmdfile", NULL, NULL};

		guest(cmd, 1);
		g_free(cmd);
		cmd = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"x\","
		    "\"value\":\"%s\",\"other\":1}]}",
		    S(6));
		guest(cmd, 1);
		g_free(cmd);
		cmd = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"ro\",\"entries\":[{\"key\":\"x\","
		    "\"value\":\"%s\"}]}",
		    S(7));
		guest(cmd, 1);
		g_free(cmd);
		cmd = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"nope\",\"entries\":[{\"key\":\"x\","
		    "\"value\":\"%s\"}]}",
		    S(8));
		guest(cmd, 1);
		g_free(cmd);
		cmd = g_strdup_printf("no-such-command %s", S(9));
		guest(cmd, 1);
		file_text = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"f\","
		    "\"value\":\"%s\"}]}\n",
		    S(10));
		file = vmds_e2e_write_file(e2e, "cmd.txt", file_text, strlen(file_text));
		args[1] = file;
		{
			g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
			vmds_e2e_assert_ok(run, "{\"result\":true}");
		}
	}

	/* a malformed packet (TYPE twice) and an oversized one, both carrying a value */
	SECRET("malformed"); /* 11 */
	SECRET("oversized"); /* 12 */
	{
		g_autoptr(GByteArray) packet = g_byte_array_new();
		g_autofree gchar *reply_text = NULL;
		g_autofree gchar *big = g_strnfill(70000, 'o');
		const guint8 type[] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
		guint8 header[12] = {0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0};
		guint32 len = (guint32)strlen(S(11));
		guint32 total = sizeof(type) * 2 + sizeof(header) + len;
		guint8 prefix[4] = {total >> 24, total >> 16, total >> 8, total};
		gint fd = vmds_e2e_connect(e2e, NULL);

		header[8] = len >> 24;
		header[9] = len >> 16;
		header[10] = len >> 8;
		header[11] = len;
		g_byte_array_append(packet, prefix, sizeof(prefix));
		g_byte_array_append(packet, type, sizeof(type));
		g_byte_array_append(packet, header, sizeof(header));
		g_byte_array_append(packet, (const guint8 *)S(11), len);
		g_byte_array_append(packet, type, sizeof(type));
		vmds_e2e_send(fd, packet->data, packet->len);
		reply_text = vmds_e2e_read_reply(fd, NULL);
		ck_assert_str_eq(reply_text, "0 Malformed request");
		close(fd);

		memcpy(big + 100, S(12), strlen(S(12)));
		fd = vmds_e2e_connect(e2e, NULL);
		vmds_e2e_send_request(fd, big, strlen(big), FALSE);
		g_clear_pointer(&reply_text, g_free);
		reply_text = vmds_e2e_read_reply(fd, NULL);
		ck_assert_str_eq(reply_text, "0 Message too large");
		close(fd);
	}

	/* REST: a PUT, a read, refused bodies; the CLI */
	SECRET("rest-put");	 /* 13 */
	SECRET("rest-object");	 /* 14 */
	SECRET("rest-bad-json"); /* 15 */
	SECRET("cli-set");	 /* 16 */
	{
		g_autofree gchar *body = g_strdup_printf("\"%s\"", S(13));
		const gchar *args[] = {"entry", "set", "rw", "cli", S(16), NULL};
		g_autoptr(VmdsE2eRun) run = NULL;

		ck_assert_uint_eq(rest_status("PUT", DS "/rw/entries/r", body), 204);
		ck_assert_uint_eq(rest_status("GET", DS "/rw/entries/r", NULL), 200);
		g_free(body);
		body = g_strdup_printf("{\"value\":\"%s\"}", S(14));
		ck_assert_uint_eq(rest_status("PUT", DS "/rw/entries/r", body), 400);
		g_free(body);
		body = g_strdup_printf("\"%s", S(15));
		ck_assert_uint_eq(rest_status("PUT", DS "/rw/entries/r", body), 400);
		run = vmds_e2e_vmds(e2e, args);
		ck_assert_msg(run->status == 0, "vmds entry set: %s%s", run->out, run->err);
	}

	/* wrong passwords, the real one, and a real session id */
	SECRET("wrong-password"); /* 17 */
	SECRET("other-password"); /* 18 */
	reply = login("admin", S(17));
	ck_assert_uint_eq(reply->status, 401);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = login("nobody", S(18));
	ck_assert_uint_eq(reply->status, 401);
	g_ptr_array_add(secrets, base64_credentials("admin", S(17)));
	g_ptr_array_add(secrets, base64_credentials("nobody", S(18)));
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = login("admin", vmds_e2e_get_password(e2e));
	ck_assert_uint_eq(reply->status, 201);
	session = g_strndup(reply->body + 1, reply->body_len - 2);
	ck_assert_uint_gt(strlen(session), 8);
	{
		const gchar *const headers[] = {"vmware-api-session-id", session, NULL};
		g_autoptr(VmdsE2eReply) list =
		    vmds_e2e_http(e2e, "GET", DS "/rw/entries", headers, NULL, 0);
		ck_assert_uint_eq(list->status, 200);
	}
	g_ptr_array_add(secrets, g_strdup(vmds_e2e_get_password(e2e)));
	g_ptr_array_add(secrets, base64_credentials("admin", vmds_e2e_get_password(e2e)));
	g_ptr_array_add(secrets, g_strdup(session));

	vmds_e2e_stop(e2e);
	log = vmds_e2e_read_log(e2e);

	/* the log is verbose (the check means something): debug lines about requests */
	for (p = strstr(log, "-DEBUG: "); p != NULL; p = strstr(p + 1, "-DEBUG: "))
		n_debug++;
	ck_assert_msg(n_debug >= 20, "only %u debug lines at -vv:\n%s", n_debug, log);
	ck_assert_msg(strstr(log, "datasets-set-entry") != NULL, "requests are not logged");
	for (guint i = 0; i < secrets->len; i++) {
		const gchar *found = strstr(log, S(i));
		g_autofree gchar *line = found != NULL ? line_of(log, found) : NULL;
		ck_assert_msg(found == NULL, "secret %u [%s] is in the log: %s", i, S(i), line);
	}
	g_printerr("e2e-secrets: %u secrets (values, passwords, credentials, a session id) "
		   "absent from a -vv log of %" G_GSIZE_FORMAT " bytes, %u debug lines\n",
		   secrets->len,
		   strlen(log),
		   n_debug);
#undef SECRET
#undef S
}
END_TEST

/*
 * A bug this test found, now fixed:
 * json-glib's parse error messages quote the offending token ("unexpected
 * identifier `secret_...'", "unexpected string constant \"...\""), and
 * the daemon logs those messages: plugins/datasets logs "datasets-set-entry
 * on vm-1 failed: invalid JSON: ..." at debug level, and the REST router
 * logs "PUT ...: invalid JSON: ..." at info level (-v). A value in a request
 * with a JSON syntax error thus reaches the log.
 */
START_TEST(test_secrets_log_parse_errors)
{
	g_autofree gchar *tag = g_strdup_printf("%08x", g_random_int());
	g_autofree gchar *bare = g_strdup_printf("secret_bare_%s", tag);
	g_autofree gchar *rest = g_strdup_printf("secret-rest-array-%s", tag);
	g_autofree gchar *cmd = g_strdup_printf(
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"x\",\"value\":%s}]}",
	    bare);
	g_autofree gchar *body = g_strdup_printf("[\"%s\" \"x\"]", rest);
	g_autofree gchar *log = NULL;

	guest(cmd, 1);
	ck_assert_uint_eq(rest_status("PUT", DS "/rw/entries/r", body), 400);
	vmds_e2e_stop(e2e);
	log = vmds_e2e_read_log(e2e);
	ck_assert_msg(strstr(log, bare) == NULL && strstr(log, rest) == NULL,
		      "values in the log: guest %s, REST %s",
		      strstr(log, bare) != NULL ? "yes" : "no",
		      strstr(log, rest) != NULL ? "yes" : "no");
}
END_TEST

static guint
mode_of(const gchar *path)
{
	GStatBuf st;

	ck_assert_msg(g_stat(path, &st) == 0, "no %s", path);
	return st.st_mode & 07777;
}

static gchar *
vm_file(const gchar *vm, const gchar *suffix)
{
	g_autofree gchar *name = g_strdup_printf("%s%s", vm, suffix);
	return g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", vm, name, NULL);
}

/* what the daemon itself makes private: the password, VM directories, lock and ini */
START_TEST(test_secrets_modes)
{
	g_autofree gchar *password =
	    g_build_filename(vmds_e2e_get_state_dir(e2e), "admin-password", NULL);
	g_autofree gchar *vms = g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", NULL);
	g_autoptr(VmdsE2eReply) reply = NULL;
	const gchar *const ids[] = {"vm-1", "vm-2"};

	reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", "{\"name\":\"web-01\"}");
	vmds_e2e_assert_reply(reply, 201, "\"vm-2\"");
	vmds_e2e_put(e2e, "rw", "k", "v");
	ck_assert_uint_eq(mode_of(password), 0600);
	ck_assert_uint_eq(mode_of(vms), 0700);
	for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
		g_autofree gchar *dir = g_build_filename(vms, ids[i], NULL);
		g_autofree gchar *lock = vm_file(ids[i], ".dsd.lock");
		g_autofree gchar *ini = g_build_filename(dir, "vm.ini", NULL);
		g_autofree gchar *store = vm_file(ids[i], ".dsd");

		ck_assert_msg(mode_of(dir) == 0700, "%s is %04o", dir, mode_of(dir));
		ck_assert_msg(mode_of(lock) == 0600, "%s is %04o", lock, mode_of(lock));
		ck_assert_msg(mode_of(ini) == 0600, "%s is %04o", ini, mode_of(ini));
		/* reported, not asserted here: see test_secrets_store_modes */
		g_printerr("e2e-secrets: %s is %04o\n", store, mode_of(store));
	}
}
END_TEST

/*
 * A bug this test found, now fixed: the
 * store files (.dsd, -wal, -shm) hold every entry value, but SQLite creates
 * them with 0666 & ~umask, i.e. 0644 under the usual umask 022; only the
 * 0700 VM directory keeps others out. They should be 0600 (lib/vmds-store.c
 * could create the file 0600 before sqlite3_open_v2, or set a umask).
 */
START_TEST(test_secrets_store_modes)
{
	const gchar *const suffixes[] = {".dsd", ".dsd-wal"};
	g_autofree gchar *shm = vm_file("vm-1", ".dsd-shm");

	vmds_e2e_put(e2e, "rw", "k", "v");
	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree gchar *path = vm_file("vm-1", suffixes[i]);
		ck_assert_msg((mode_of(path) & 0077) == 0,
			      "%s is %04o: readable by others",
			      path,
			      mode_of(path));
	}
	/* the store's WAL index lives in the daemon's memory (exclusive locking) */
	ck_assert_msg(!g_file_test(shm, G_FILE_TEST_EXISTS), "%s exists", shm);
}
END_TEST

static Suite *
secrets_suite(void)
{
	Suite *s = suite_create("e2e-secrets");
	TCase *tc = tcase_create("secrets");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_secrets_log);
	tcase_add_test(tc, test_secrets_modes);
	tcase_add_test(tc, test_secrets_log_parse_errors);
	tcase_add_test(tc, test_secrets_store_modes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(secrets_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
