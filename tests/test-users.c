/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <argon2.h>
#include <check.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "vmds-test.h"
#include "vmds-users.h"

/* the users' store (daemon/vmds-users.c): names, passwords, Argon2id
 * hashes, the database on disk, logins */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close)

/* OWASP's parameters, as the encoded string says them */
#define ARGON2ID_PREFIX "$argon2id$v=19$m=19456,t=2,p=1$"

static gchar *tmp_dir;
static gchar *db_path;

static void
setup(void)
{
	tmp_dir = g_dir_make_tmp("vmds-test-users-XXXXXX", NULL);
	ck_assert_ptr_nonnull(tmp_dir);
	db_path = g_build_filename(tmp_dir, "users.db", NULL);
}

static void
teardown(void)
{
	vmds_test_rm_rf(tmp_dir);
	g_clear_pointer(&tmp_dir, g_free);
	g_clear_pointer(&db_path, g_free);
}

static VmdsUsers *
open_users(void)
{
	g_autoptr(GError) error = NULL;
	VmdsUsers *users = vmds_users_open(db_path, &error);

	ck_assert_msg(users != NULL, "%s", error != NULL ? error->message : "no error set");
	ck_assert_ptr_null(error);
	return users;
}

static void
add_user(VmdsUsers *users, const gchar *name, const gchar *password, VmdsUserRole role)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *hash = vmds_user_hash_password(password, &error);

	ck_assert_msg(hash != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_msg(vmds_users_add(users, name, role, FALSE, hash, &error),
		      "%s",
		      error != NULL ? error->message : "no error set");
}

START_TEST(test_users_hash)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *a = vmds_user_hash_password("correct horse", &error);
	g_autofree gchar *b = vmds_user_hash_password("correct horse", &error);
	g_auto(GStrv) fields = NULL;
	g_autofree guchar *salt = NULL;
	gsize salt_len = 0;
	g_autofree gchar *padded = NULL;

	ck_assert_ptr_null(error);
	ck_assert_msg(g_str_has_prefix(a, ARGON2ID_PREFIX), "%s", a);
	ck_assert_msg(g_str_has_prefix(b, ARGON2ID_PREFIX), "%s", b);
	/* a random salt each time: one password, two hashes */
	ck_assert_str_ne(a, b);
	/* $argon2id$v=19$m=..$SALT$HASH: a salt of 16 bytes (base64 without
	 * padding: 22 characters) and a hash of 32 (43 characters) */
	fields = g_strsplit(a, "$", -1);
	ck_assert_uint_eq(g_strv_length(fields), 6);
	ck_assert_uint_eq(strlen(fields[4]), 22);
	ck_assert_uint_eq(strlen(fields[5]), 43);
	padded = g_strconcat(fields[4], "==", NULL);
	salt = g_base64_decode(padded, &salt_len);
	ck_assert_uint_eq(salt_len, 16);
	/* the hash is not the password, nor holds it */
	ck_assert_ptr_null(strstr(a, "correct"));
	ck_assert(vmds_user_verify_password(a, "correct horse"));
	ck_assert(vmds_user_verify_password(b, "correct horse"));
	ck_assert(!vmds_user_verify_password(a, "correct horsE"));
	ck_assert(!vmds_user_verify_password(a, "correct hors"));
	ck_assert(!vmds_user_verify_password(a, "correct horse "));
	ck_assert(!vmds_user_verify_password(a, ""));
	/* a string that is no hash verifies nothing */
	ck_assert(!vmds_user_verify_password("$argon2id$garbage", "correct horse"));
	ck_assert(!vmds_user_verify_password("correct horse", "correct horse"));
}
END_TEST

START_TEST(test_users_names)
{
	const gchar *const good[] = {"a", "alice", "bob-2", "c.d", "_svc", "0", "a_b.c-d"};
	const gchar *const bad[] = {
	    "", "Alice", ".alice", "-alice", "a:b", "a/b", "a b", "a\tb", "é", "a%2Fb", "a@b"};
	g_autofree gchar *max = g_strnfill(VMDS_USER_MAX_NAME, 'a');
	g_autofree gchar *over = g_strnfill(VMDS_USER_MAX_NAME + 1, 'a');

	for (guint i = 0; i < G_N_ELEMENTS(good); i++)
		ck_assert_msg(vmds_user_check_name(good[i], NULL), "refused '%s'", good[i]);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		ck_assert_msg(!vmds_user_check_name(bad[i], &error), "took '%s'", bad[i]);
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	}
	/* 64 bytes, not 65 */
	ck_assert(vmds_user_check_name(max, NULL));
	ck_assert(!vmds_user_check_name(over, NULL));
}
END_TEST

START_TEST(test_users_passwords)
{
	g_autofree gchar *min = g_strnfill(VMDS_USER_MIN_PASSWORD, 'p');
	g_autofree gchar *under = g_strnfill(VMDS_USER_MIN_PASSWORD - 1, 'p');
	g_autofree gchar *max = g_strnfill(VMDS_USER_MAX_PASSWORD, 'p');
	g_autofree gchar *over = g_strnfill(VMDS_USER_MAX_PASSWORD + 1, 'p');
	g_autoptr(GError) error = NULL;
	g_autofree gchar *hash = NULL;

	ck_assert_uint_eq(VMDS_USER_MIN_PASSWORD, 8);
	ck_assert_uint_eq(VMDS_USER_MAX_PASSWORD, 1024);
	ck_assert(vmds_user_check_password(min, NULL));
	ck_assert(vmds_user_check_password(max, NULL));
	ck_assert(!vmds_user_check_password(under, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	ck_assert(!vmds_user_check_password(over, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	ck_assert(!vmds_user_check_password("", NULL));
	ck_assert(!vmds_user_check_password("abcdefg\xff", NULL));
	/* eight bytes of UTF-8, four characters */
	ck_assert(vmds_user_check_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL));
	/* the longest password hashes and verifies, every byte of it */
	hash = vmds_user_hash_password(max, &error);
	ck_assert_ptr_nonnull(hash);
	ck_assert(vmds_user_verify_password(hash, max));
	max[VMDS_USER_MAX_PASSWORD - 1] = 'q';
	ck_assert(!vmds_user_verify_password(hash, max));
}
END_TEST

START_TEST(test_users_roles)
{
	VmdsUserRole role = VMDS_USER_ROLE_USER;
	g_autoptr(GError) error = NULL;

	ck_assert(vmds_user_role_from_string("administrator", &role, NULL));
	ck_assert_int_eq(role, VMDS_USER_ROLE_ADMINISTRATOR);
	ck_assert(vmds_user_role_from_string("user", &role, NULL));
	ck_assert_int_eq(role, VMDS_USER_ROLE_USER);
	ck_assert_str_eq(vmds_user_role_to_string(VMDS_USER_ROLE_ADMINISTRATOR), "administrator");
	ck_assert_str_eq(vmds_user_role_to_string(VMDS_USER_ROLE_USER), "user");
	ck_assert(!vmds_user_role_from_string("Administrator", &role, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	ck_assert(!vmds_user_role_from_string("admin", &role, NULL));
	ck_assert(!vmds_user_role_from_string("", &role, NULL));
}
END_TEST

/* the database: made private, its users back after a reopen */
START_TEST(test_users_store)
{
	g_autoptr(VmdsUsers) users = open_users();
	g_autoptr(GPtrArray) list = vmds_users_list(users);
	g_autoptr(VmdsUser) alice = NULL;
	g_autoptr(VmdsUser) admin = NULL;
	GStatBuf st;

	ck_assert_uint_eq(list->len, 0);
	ck_assert_int_eq(g_stat(db_path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	vmds_users_set_admin(users, "admin");
	add_user(users, "bob", "bob-password", VMDS_USER_ROLE_ADMINISTRATOR);
	add_user(users, "alice", "alice-password", VMDS_USER_ROLE_USER);
	g_clear_pointer(&users, vmds_users_free);

	/* a second open finds them, and the password in the file is a hash */
	users = open_users();
	vmds_users_set_admin(users, "admin");
	g_clear_pointer(&list, g_ptr_array_unref);
	list = vmds_users_list(users);
	ck_assert_uint_eq(list->len, 3);
	ck_assert_str_eq(((VmdsUser *)g_ptr_array_index(list, 0))->name, "admin");
	ck_assert(((VmdsUser *)g_ptr_array_index(list, 0))->built_in);
	ck_assert_str_eq(((VmdsUser *)g_ptr_array_index(list, 1))->name, "alice");
	ck_assert_str_eq(((VmdsUser *)g_ptr_array_index(list, 2))->name, "bob");
	alice = vmds_users_lookup(users, "alice");
	ck_assert_ptr_nonnull(alice);
	ck_assert_int_eq(alice->role, VMDS_USER_ROLE_USER);
	ck_assert(!alice->vcenter_metadata);
	ck_assert(!alice->built_in);
	ck_assert_uint_ne(alice->generation, 0);
	admin = vmds_users_lookup(users, "admin");
	ck_assert_int_eq(admin->role, VMDS_USER_ROLE_ADMINISTRATOR);
	ck_assert(admin->vcenter_metadata);
	ck_assert(admin->built_in);
	ck_assert_uint_eq(admin->generation, 0);
	ck_assert_ptr_null(vmds_users_lookup(users, "carol"));
	ck_assert_ptr_null(vmds_users_lookup(users, NULL));
	{
		g_autoptr(sqlite3) db = NULL;
		sqlite3_stmt *stmt = NULL;
		ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL),
				 SQLITE_OK);
		/* another process reads it while the daemon has it open: it is
		 * not held locked (two daemons may share a state directory) */
		ck_assert_int_eq(
		    sqlite3_prepare_v2(
			db, "SELECT password FROM users WHERE name = 'alice'", -1, &stmt, NULL),
		    SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
		ck_assert(
		    g_str_has_prefix((const gchar *)sqlite3_column_text(stmt, 0), ARGON2ID_PREFIX));
		ck_assert(vmds_user_verify_password((const gchar *)sqlite3_column_text(stmt, 0),
						    "alice-password"));
		sqlite3_finalize(stmt);
	}
	/* a second daemon on the state directory opens it too */
	{
		g_autoptr(VmdsUsers) second = open_users();
		g_autoptr(VmdsUser) found = vmds_users_lookup(second, "bob");
		ck_assert_ptr_nonnull(found);
	}
}
END_TEST

/* add, update, remove, and what each refuses */
START_TEST(test_users_changes)
{
	g_autoptr(VmdsUsers) users = open_users();
	g_autoptr(VmdsUser) before = NULL;
	g_autoptr(VmdsUser) after = NULL;
	g_autoptr(VmdsUser) found = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *hash = vmds_user_hash_password("second-password", NULL);
	VmdsUserRole admin_role = VMDS_USER_ROLE_ADMINISTRATOR;
	gboolean yes = TRUE;

	vmds_users_set_admin(users, "admin");
	add_user(users, "alice", "first-password", VMDS_USER_ROLE_USER);
	/* a name taken, the configured administrator's included */
	ck_assert(!vmds_users_add(users, "alice", VMDS_USER_ROLE_USER, FALSE, hash, &error));
	assert_error(error, VMDS_ERROR_ALREADY_EXISTS);
	g_clear_error(&error);
	ck_assert(!vmds_users_add(users, "admin", VMDS_USER_ROLE_USER, FALSE, hash, &error));
	assert_error(error, VMDS_ERROR_ALREADY_EXISTS);
	g_clear_error(&error);

	/* role and right, the password kept */
	before = vmds_users_lookup(users, "alice");
	ck_assert(vmds_users_update(users, "alice", &admin_role, &yes, NULL, &error));
	ck_assert_ptr_null(error);
	after = vmds_users_lookup(users, "alice");
	ck_assert_int_eq(after->role, VMDS_USER_ROLE_ADMINISTRATOR);
	ck_assert(after->vcenter_metadata);
	ck_assert_uint_eq(after->generation, before->generation);
	found = vmds_users_verify(users, "alice", "first-password");
	ck_assert_ptr_nonnull(found);
	g_clear_pointer(&found, vmds_user_free);

	/* a new password: the old one fails, the generation changes */
	ck_assert(vmds_users_update(users, "alice", NULL, NULL, hash, &error));
	g_clear_pointer(&after, vmds_user_free);
	after = vmds_users_lookup(users, "alice");
	ck_assert_uint_ne(after->generation, before->generation);
	ck_assert_int_eq(after->role, VMDS_USER_ROLE_ADMINISTRATOR);
	ck_assert_ptr_null(vmds_users_verify(users, "alice", "first-password"));
	found = vmds_users_verify(users, "alice", "second-password");
	ck_assert_ptr_nonnull(found);
	ck_assert_uint_eq(found->generation, after->generation);
	g_clear_pointer(&found, vmds_user_free);

	/* the configured administrator is not the database's */
	ck_assert(!vmds_users_update(users, "admin", NULL, NULL, hash, &error));
	assert_error(error, VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE);
	g_clear_error(&error);
	ck_assert(!vmds_users_remove(users, "admin", &error));
	assert_error(error, VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE);
	g_clear_error(&error);
	ck_assert(!vmds_users_update(users, "carol", NULL, NULL, hash, &error));
	assert_error(error, VMDS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	ck_assert(!vmds_users_remove(users, "carol", &error));
	assert_error(error, VMDS_ERROR_NOT_FOUND);
	g_clear_error(&error);

	/* removed, and gone after a reopen too */
	ck_assert(vmds_users_remove(users, "alice", &error));
	ck_assert_ptr_null(vmds_users_lookup(users, "alice"));
	ck_assert_ptr_null(vmds_users_verify(users, "alice", "second-password"));
	g_clear_pointer(&users, vmds_users_free);
	users = open_users();
	ck_assert_ptr_null(vmds_users_lookup(users, "alice"));
	/* a user made again with the name is another user */
	add_user(users, "alice", "third-password", VMDS_USER_ROLE_USER);
	g_clear_pointer(&after, vmds_user_free);
	after = vmds_users_lookup(users, "alice");
	ck_assert_int_eq(after->role, VMDS_USER_ROLE_USER);
	ck_assert_ptr_null(vmds_users_verify(users, "alice", "second-password"));
}
END_TEST

/* how long vmds_users_verify(@name, @password) took, in µs: a refusal */
static gint64
time_verify(VmdsUsers *users, const gchar *name, const gchar *password)
{
	gint64 start = g_get_monotonic_time();
	g_autoptr(VmdsUser) user = vmds_users_verify(users, name, password);

	ck_assert_ptr_null(user);
	return g_get_monotonic_time() - start;
}

/* a login: the right password, a wrong one, an unknown user, the
 * configured administrator's name (whose password the REST server holds):
 * every refusal costs a hash */
START_TEST(test_users_verify)
{
	g_autoptr(VmdsUsers) users = open_users();
	g_autoptr(VmdsUser) user = NULL;
	gint64 wrong = G_MAXINT64;
	gint64 unknown = G_MAXINT64;
	gint64 invalid = G_MAXINT64;

	vmds_users_set_admin(users, "admin");
	add_user(users, "alice", "alice-password", VMDS_USER_ROLE_USER);
	user = vmds_users_verify(users, "alice", "alice-password");
	ck_assert_ptr_nonnull(user);
	ck_assert_str_eq(user->name, "alice");
	ck_assert_ptr_null(vmds_users_verify(users, "alice", "alice-passworD"));
	ck_assert_ptr_null(vmds_users_verify(users, "alice", ""));
	ck_assert_ptr_null(vmds_users_verify(users, "Alice", "alice-password"));
	ck_assert_ptr_null(vmds_users_verify(users, "bob", "alice-password"));
	ck_assert_ptr_null(vmds_users_verify(users, "admin", "alice-password"));
	/* an unknown name costs what a wrong password does: Argon2id with
	 * the same parameters (a dummy hash), not an early return that would
	 * take microseconds. The fastest of five of each, taken in turns, so
	 * a busy machine slows them alike; loose bounds, for valgrind */
	for (guint i = 0; i < 5; i++) {
		wrong = MIN(wrong, time_verify(users, "alice", "not-the-password"));
		unknown = MIN(unknown, time_verify(users, "nobody", "not-the-password"));
		invalid = MIN(invalid, time_verify(users, "No Such:User", "not-the-password"));
	}
	ck_assert_msg(unknown * 3 > wrong && unknown < wrong * 3,
		      "unknown user %" G_GINT64_FORMAT " µs, wrong password %" G_GINT64_FORMAT
		      " µs",
		      unknown,
		      wrong);
	ck_assert_msg(invalid * 3 > wrong && invalid < wrong * 3,
		      "invalid name %" G_GINT64_FORMAT " µs, wrong password %" G_GINT64_FORMAT
		      " µs",
		      invalid,
		      wrong);
}
END_TEST

/* a hash of @password with other Argon2id parameters than today's (t=1,
 * m=8 MiB), as an older vmds could have made it */
static gchar *
old_hash(const gchar *password)
{
	const guint8 salt[16] = "an-old-salt-1234";
	gsize len = argon2_encodedlen(1, 8192, 1, sizeof salt, 32, Argon2_id);
	gchar *encoded = g_malloc0(len);

	ck_assert_int_eq(
	    argon2id_hash_encoded(
		1, 8192, 1, password, strlen(password), salt, sizeof salt, 32, encoded, len),
	    ARGON2_OK);
	ck_assert(g_str_has_prefix(encoded, "$argon2id$v=19$m=8192,t=1,p=1$"));
	return encoded;
}

/* a hash made with other parameters still logs in, says it is outdated,
 * and is replaced durably with today's at the next login, the user's
 * generation (its sessions) kept; one whose password changed meanwhile is
 * left alone */
START_TEST(test_users_rehash)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *alice_old = old_hash("alice-password");
	g_autofree gchar *bob_old = old_hash("bob-password");
	g_autofree gchar *rehash = NULL;
	g_autofree gchar *bob_new = NULL;
	guint64 generation = 0;

	{
		g_autoptr(VmdsUsers) users = open_users();
		g_autoptr(VmdsUser) alice = NULL;
		g_autoptr(VmdsUser) bob = NULL;
		g_autoptr(VmdsUser) again = NULL;

		ck_assert(
		    vmds_users_add(users, "alice", VMDS_USER_ROLE_USER, FALSE, alice_old, &error));
		ck_assert(
		    vmds_users_add(users, "bob", VMDS_USER_ROLE_USER, FALSE, bob_old, &error));
		add_user(users, "carol", "carol-password", VMDS_USER_ROLE_USER);

		alice = vmds_users_verify(users, "alice", "alice-password");
		ck_assert_ptr_nonnull(alice);
		ck_assert(alice->outdated_hash);
		generation = alice->generation;
		rehash = vmds_user_hash_password("alice-password", &error);
		ck_assert_ptr_nonnull(rehash);
		ck_assert(g_str_has_prefix(rehash, ARGON2ID_PREFIX));
		ck_assert_msg(vmds_users_rehash(users, "alice", generation, rehash, &error),
			      "%s",
			      error->message);
		again = vmds_users_verify(users, "alice", "alice-password");
		ck_assert_ptr_nonnull(again);
		ck_assert(!again->outdated_hash);
		ck_assert_uint_eq(again->generation, generation);

		/* bob's password changes between his login and the rehash */
		bob = vmds_users_verify(users, "bob", "bob-password");
		ck_assert(bob != NULL && bob->outdated_hash);
		bob_new = vmds_user_hash_password("bob-new-password", &error);
		ck_assert(vmds_users_update(users, "bob", NULL, NULL, bob_new, &error));
		ck_assert(vmds_users_rehash(users, "bob", bob->generation, rehash, &error));
		ck_assert_ptr_null(vmds_users_verify(users, "bob", "alice-password"));

		/* a current hash is not outdated */
		g_clear_pointer(&again, vmds_user_free);
		again = vmds_users_verify(users, "carol", "carol-password");
		ck_assert(again != NULL && !again->outdated_hash);
	}
	/* on disk: alice's today's hash, bob's new password */
	{
		g_autoptr(sqlite3) db = NULL;
		sqlite3_stmt *stmt = NULL;

		ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL),
				 SQLITE_OK);
		ck_assert_int_eq(
		    sqlite3_prepare_v2(
			db, "SELECT password FROM users WHERE name = 'alice'", -1, &stmt, NULL),
		    SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
		ck_assert_str_eq((const gchar *)sqlite3_column_text(stmt, 0), rehash);
		sqlite3_finalize(stmt);
	}
	{
		g_autoptr(VmdsUsers) users = open_users();
		g_autoptr(VmdsUser) alice = vmds_users_verify(users, "alice", "alice-password");
		g_autoptr(VmdsUser) bob = vmds_users_verify(users, "bob", "bob-new-password");

		ck_assert(alice != NULL && !alice->outdated_hash);
		ck_assert(bob != NULL && !bob->outdated_hash);
	}
}
END_TEST

/* what the daemon cannot use of a database: a row that is not sound is left
 * out (that user cannot log in); a newer layout is refused */
START_TEST(test_users_damaged)
{
	g_autoptr(VmdsUsers) users = open_users();
	g_autoptr(sqlite3) db = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsUsers) refused = NULL;
	g_autoptr(VmdsUser) alice = NULL;

	add_user(users, "alice", "alice-password", VMDS_USER_ROLE_USER);
	g_clear_pointer(&users, vmds_users_free);
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
				      "INSERT INTO users VALUES ('bob', 'user', 0, 'sha1:abc');"
				      "INSERT INTO users VALUES ('Carol', 'user', 0, "
				      "(SELECT password FROM users WHERE name = 'alice'));",
				      NULL,
				      NULL,
				      NULL),
			 SQLITE_OK);
	g_clear_pointer(&db, sqlite3_close);
	users = open_users();
	alice = vmds_users_lookup(users, "alice");
	ck_assert_ptr_nonnull(alice);
	ck_assert_ptr_null(vmds_users_lookup(users, "bob"));
	ck_assert_ptr_null(vmds_users_lookup(users, "Carol"));
	ck_assert_ptr_null(vmds_users_verify(users, "Carol", "alice-password"));
	g_clear_pointer(&users, vmds_users_free);

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
	g_clear_pointer(&db, sqlite3_close);
	refused = vmds_users_open(db_path, &error);
	ck_assert_ptr_null(refused);
	assert_error(error, VMDS_ERROR_STORAGE);
}
END_TEST

static Suite *
test_users_suite(void)
{
	Suite *s = suite_create("users");
	TCase *tc = tcase_create("rules");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_users_hash);
	tcase_add_test(tc, test_users_names);
	tcase_add_test(tc, test_users_passwords);
	tcase_add_test(tc, test_users_roles);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	/* Argon2id costs about 40 ms a hash: a loaded machine needs more than
	 * Check's 4 seconds */
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_users_store);
	tcase_add_test(tc, test_users_changes);
	tcase_add_test(tc, test_users_verify);
	tcase_add_test(tc, test_users_rehash);
	tcase_add_test(tc, test_users_damaged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_users_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
