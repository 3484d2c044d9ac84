/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <argon2.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-users.h"

/*
 * The users of the REST API besides the configured administrator
 * (`[http] username`, whose password is the daemon's password file): each
 * with a role, the right to the VCENTER metadata domain, and an Argon2id
 * hash of its password, in `<state-dir>/users.db`, an SQLite database of
 * mode 0600 written durably (synchronous=FULL, one transaction per change,
 * freed pages zeroed: an old hash does not linger in the file). Its journal
 * is SQLite's rollback journal, not WAL, and it is not held locked: two
 * daemons may share a state directory (on shared storage, each serving its
 * own VMs), and both read the users, as they start.
 *
 * Two threads use it: the main thread, which opened it, changes it (the
 * users routes); the REST thread verifies logins and looks users up for
 * sessions. Both read a copy in memory under a lock; only the main thread
 * touches the database. A password is checked outside the lock, so a
 * login's 40 ms of hashing holds up no one else.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* the layout of users.db */
#define VMDS_USERS_SCHEMA_VERSION 1
/* how long a change waits for another daemon's */
#define VMDS_USERS_BUSY_TIMEOUT_MS 5000

/*
 * What the password of a name that is no user is checked against, so that
 * an unknown user costs what a wrong password does: the hash, with the
 * parameters above, of random bytes nobody kept. A login never succeeds
 * against it, whatever it verifies.
 */
#define VMDS_USERS_DUMMY_HASH                                                                      \
	"$argon2id$v=19$m=19456,t=2,p=1$zloMo8pT2McCtanG006xxw$"                                   \
	"BwZ3QFiycdN4oTwBjKrfWLi7HGuy0Xl6FVU9gWqCM2k"

typedef struct {
	VmdsUser user;
	gchar *hash; /* libargon2's encoded string */
} VmdsUsersRecord;

struct _VmdsUsers {
	GMutex lock;	     /* over the members below, but db */
	GHashTable *records; /* name → VmdsUsersRecord */
	gchar *admin;	     /* the configured administrator's name */
	guint64 generation;  /* the last one given */
	/* the main thread's */
	sqlite3 *db;
	gchar *path;
};

/**
 * vmds_user_free:
 * @user: (nullable): a #VmdsUser
 */
void
vmds_user_free(VmdsUser *user)
{
	if (user == NULL)
		return;
	g_free(user->name);
	g_free(user);
}

static VmdsUser *
vmds_user_copy(const VmdsUser *user)
{
	VmdsUser *copy = g_memdup2(user, sizeof *user);
	copy->name = g_strdup(user->name);
	return copy;
}

/**
 * vmds_user_wipe:
 * @secret: (nullable): a password
 *
 * Overwrites @secret with zeros, so it does not linger in freed memory.
 */
void
vmds_user_wipe(gchar *secret)
{
	if (secret != NULL)
		memset(secret, 0, strlen(secret));
}

static const gchar *const vmds_user_roles[] = {
    [VMDS_USER_ROLE_USER] = "user",
    [VMDS_USER_ROLE_ADMINISTRATOR] = "administrator",
};

/**
 * vmds_user_role_to_string:
 * @role: a role
 *
 * Returns: its name: `administrator` or `user`
 */
const gchar *
vmds_user_role_to_string(VmdsUserRole role)
{
	g_return_val_if_fail(role <= VMDS_USER_ROLE_ADMINISTRATOR, NULL);
	return vmds_user_roles[role];
}

/**
 * vmds_user_role_from_string:
 * @text: a role's name, from a peer
 * @role: (out): the role
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT for any other text
 */
gboolean
vmds_user_role_from_string(const gchar *text, VmdsUserRole *role, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS(vmds_user_roles); i++) {
		if (g_strcmp0(text, vmds_user_roles[i]) == 0) {
			*role = (VmdsUserRole)i;
			return TRUE;
		}
	}
	g_set_error_literal(
	    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "a role is 'administrator' or 'user'");
	return FALSE;
}

/**
 * vmds_user_check_name:
 * @name: a user name, from a peer
 * @error: a #GError or %NULL
 *
 * A user name is 1 to 64 bytes of lowercase ASCII letters, digits, `_`, `.`
 * and `-`, not starting with `.` or `-`: safe in a path segment, a log
 * line, a file name and HTTP Basic credentials (no `:`), and never two
 * spellings of one name.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT for another name
 */
gboolean
vmds_user_check_name(const gchar *name, GError **error)
{
	gsize len = strlen(name);
	gboolean ok = len > 0 && len <= VMDS_USER_MAX_NAME && name[0] != '.' && name[0] != '-';

	for (gsize i = 0; ok && i < len; i++)
		ok = g_ascii_islower(name[i]) || g_ascii_isdigit(name[i]) || name[i] == '_' ||
		     name[i] == '.' || name[i] == '-';
	if (!ok)
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "a user name is 1 to 64 characters: lowercase letters, digits, "
				    "'_', '.' and '-', not starting with '.' or '-'");
	return ok;
}

/**
 * vmds_user_check_password:
 * @password: a new password, from a peer (UTF-8 without NUL: a JSON string)
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT unless @password is 8
 *   to 1,024 bytes of UTF-8
 */
gboolean
vmds_user_check_password(const gchar *password, GError **error)
{
	gsize len = strlen(password);

	if (len >= VMDS_USER_MIN_PASSWORD && len <= VMDS_USER_MAX_PASSWORD &&
	    g_utf8_validate(password, -1, NULL))
		return TRUE;
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "a password is %u to %u bytes of UTF-8",
		    (guint)VMDS_USER_MIN_PASSWORD,
		    (guint)VMDS_USER_MAX_PASSWORD);
	return FALSE;
}

/**
 * vmds_user_hash_password:
 * @password: a password vmds_user_check_password() accepts
 * @error: a #GError or %NULL
 *
 * Hashes @password with Argon2id and a new random salt. Takes about 40 ms
 * and 19 MiB: never call it in the main thread.
 *
 * Returns: (transfer full): libargon2's encoded string
 *   (`$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH`), or %NULL
 */
gchar *
vmds_user_hash_password(const gchar *password, GError **error)
{
	guint8 salt[VMDS_USER_SALT_BYTES];
	gsize len = argon2_encodedlen(VMDS_USER_ARGON2_ITERATIONS,
				      VMDS_USER_ARGON2_MEMORY_KIB,
				      VMDS_USER_ARGON2_LANES,
				      VMDS_USER_SALT_BYTES,
				      VMDS_USER_HASH_BYTES,
				      Argon2_id);
	g_autofree gchar *encoded = g_malloc0(len);
	gsize got = 0;
	gint rc;

	while (got < sizeof salt) {
		gssize n = getrandom(salt + got, sizeof salt - got, 0);
		if (n > 0)
			got += (gsize)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (got < sizeof salt) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INTERNAL,
			    "cannot make a salt: %s",
			    g_strerror(errno));
		return NULL;
	}
	rc = argon2id_hash_encoded(VMDS_USER_ARGON2_ITERATIONS,
				   VMDS_USER_ARGON2_MEMORY_KIB,
				   VMDS_USER_ARGON2_LANES,
				   password,
				   strlen(password),
				   salt,
				   sizeof salt,
				   VMDS_USER_HASH_BYTES,
				   encoded,
				   len);
	if (rc != ARGON2_OK) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INTERNAL,
			    "cannot hash the password: %s",
			    argon2_error_message(rc));
		return NULL;
	}
	return g_steal_pointer(&encoded);
}

/* whether @encoded was made with the parameters vmds_user_hash_password()
 * uses now */
static gboolean
vmds_user_hash_is_current(const gchar *encoded)
{
	g_autofree gchar *prefix = g_strdup_printf("$argon2id$v=%d$m=%d,t=%d,p=%d$",
						   ARGON2_VERSION_NUMBER,
						   VMDS_USER_ARGON2_MEMORY_KIB,
						   VMDS_USER_ARGON2_ITERATIONS,
						   VMDS_USER_ARGON2_LANES);

	return g_str_has_prefix(encoded, prefix);
}

/**
 * vmds_user_verify_password:
 * @encoded: a hash vmds_user_hash_password() made
 * @password: what a peer offered
 *
 * Compares in time that does not depend on where the two differ
 * (libargon2 compares the hashes in constant time).
 *
 * Returns: whether @password is the one @encoded was made of
 */
gboolean
vmds_user_verify_password(const gchar *encoded, const gchar *password)
{
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

static void
vmds_users_record_free(VmdsUsersRecord *record)
{
	g_free(record->user.name);
	vmds_user_wipe(record->hash);
	g_free(record->hash);
	g_free(record);
}

static gboolean
vmds_users_fail(VmdsUsers *self, const gchar *what, GError **error)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_STORAGE,
		    "cannot %s %s: %s",
		    what,
		    self->path,
		    sqlite3_errmsg(self->db));
	return FALSE;
}

static gboolean
vmds_users_exec(VmdsUsers *self, const gchar *sql, GError **error)
{
	if (sqlite3_exec(self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return vmds_users_fail(self, "write", error);
	return TRUE;
}

/* users.db, made private before SQLite opens it (its -wal and -shm files
 * get the database's mode) */
static gboolean
vmds_users_create_private(VmdsUsers *self, GError **error)
{
	gint fd = open(self->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || fchmod(fd, 0600) < 0) {
		gint errsv = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot create %s: %s",
			    self->path,
			    g_strerror(errsv));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

/* the table, made or checked */
static gboolean
vmds_users_migrate(VmdsUsers *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint version;

	if (sqlite3_prepare_v2(self->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW)
		return vmds_users_fail(self, "read", error);
	version = sqlite3_column_int(stmt, 0);
	if (version == VMDS_USERS_SCHEMA_VERSION)
		return TRUE;
	if (version != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "%s is of version %d, this daemon reads version %d",
			    self->path,
			    version,
			    VMDS_USERS_SCHEMA_VERSION);
		return FALSE;
	}
	return vmds_users_exec(
	    self,
	    "BEGIN IMMEDIATE;"
	    "CREATE TABLE users ("
	    " name TEXT PRIMARY KEY NOT NULL,"
	    " role TEXT NOT NULL CHECK (role IN ('administrator', 'user')),"
	    " vcenter_metadata INTEGER NOT NULL CHECK (vcenter_metadata IN (0, 1)),"
	    " password TEXT NOT NULL);"
	    "PRAGMA user_version = 1;"
	    "COMMIT;",
	    error);
}

/* the users of the table into memory; a row that is not sound is left out
 * (that user cannot log in) with a warning */
static gboolean
vmds_users_load(VmdsUsers *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint rc;

	if (sqlite3_prepare_v2(self->db,
			       "SELECT name, role, vcenter_metadata, password FROM users",
			       -1,
			       &stmt,
			       NULL) != SQLITE_OK)
		return vmds_users_fail(self, "read", error);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const gchar *name = (const gchar *)sqlite3_column_text(stmt, 0);
		const gchar *role = (const gchar *)sqlite3_column_text(stmt, 1);
		const gchar *hash = (const gchar *)sqlite3_column_text(stmt, 3);
		g_autoptr(GError) error_local = NULL;
		VmdsUsersRecord *record = g_new0(VmdsUsersRecord, 1);

		if (name == NULL || !vmds_user_check_name(name, &error_local) ||
		    !vmds_user_role_from_string(role, &record->user.role, &error_local) ||
		    hash == NULL || !g_str_has_prefix(hash, "$argon2id$")) {
			g_warning("%s: the user '%s' cannot log in: %s",
				  self->path,
				  name != NULL && g_utf8_validate(name, -1, NULL) ? name : "?",
				  error_local != NULL ? error_local->message
						      : "its password is not an Argon2id hash");
			g_free(record);
			continue;
		}
		record->user.name = g_strdup(name);
		record->user.vcenter_metadata = sqlite3_column_int(stmt, 2) != 0;
		record->user.generation = ++self->generation;
		record->hash = g_strdup(hash);
		g_hash_table_insert(self->records, record->user.name, record);
	}
	if (rc != SQLITE_DONE)
		return vmds_users_fail(self, "read", error);
	return TRUE;
}

/**
 * vmds_users_open:
 * @path: the database, `<state-dir>/users.db`; made when missing
 * @error: a #GError or %NULL
 *
 * Opens the users' database in the calling thread, the only one that may
 * change it.
 *
 * Returns: (transfer full): the users, or %NULL
 */
VmdsUsers *
vmds_users_open(const gchar *path, GError **error)
{
	g_autoptr(VmdsUsers) self = g_new0(VmdsUsers, 1);

	g_mutex_init(&self->lock);
	self->records = g_hash_table_new_full(
	    g_str_hash, g_str_equal, NULL, (GDestroyNotify)vmds_users_record_free);
	self->path = g_strdup(path);
	if (!vmds_users_create_private(self, error))
		return NULL;
	if (sqlite3_open_v2(path,
			    &self->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK) {
		vmds_users_fail(self, "open", error);
		return NULL;
	}
	/* a change is answered once it is on disk; a deleted hash is zeroed;
	 * another daemon on the state directory may hold it for a moment */
	sqlite3_busy_timeout(self->db, VMDS_USERS_BUSY_TIMEOUT_MS);
	if (!vmds_users_exec(self, "PRAGMA journal_mode=DELETE", error) ||
	    !vmds_users_exec(self, "PRAGMA synchronous=FULL", error) ||
	    !vmds_users_exec(self, "PRAGMA secure_delete=ON", error) ||
	    !vmds_users_migrate(self, error) || !vmds_users_load(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

void
vmds_users_free(VmdsUsers *self)
{
	if (self == NULL)
		return;
	if (self->db != NULL)
		sqlite3_close(self->db);
	g_hash_table_unref(self->records);
	g_free(self->admin);
	g_free(self->path);
	g_mutex_clear(&self->lock);
	g_free(self);
}

/**
 * vmds_users_set_admin:
 * @self: a #VmdsUsers
 * @name: the configured administrator's name (`[http] username`)
 *
 * The configured administrator is listed with the users, as role
 * administrator; no user of the database may have its name (one that has
 * is out of reach while the configuration names it).
 */
void
vmds_users_set_admin(VmdsUsers *self, const gchar *name)
{
	g_mutex_lock(&self->lock);
	g_free(self->admin);
	self->admin = g_strdup(name);
	if (g_hash_table_contains(self->records, name))
		g_warning("%s: the user '%s' cannot log in: [http] username names the "
			  "configured administrator so",
			  self->path,
			  name);
	g_mutex_unlock(&self->lock);
}

/* the configured administrator, as a user; under the lock */
static VmdsUser *
vmds_users_admin_locked(VmdsUsers *self)
{
	VmdsUser *user = g_new0(VmdsUser, 1);

	user->name = g_strdup(self->admin);
	user->role = VMDS_USER_ROLE_ADMINISTRATOR;
	user->vcenter_metadata = TRUE;
	user->built_in = TRUE;
	return user;
}

/* @name's record, unless the configured administrator has that name; under
 * the lock */
static VmdsUsersRecord *
vmds_users_find_locked(VmdsUsers *self, const gchar *name)
{
	if (name == NULL || g_strcmp0(name, self->admin) == 0)
		return NULL;
	return g_hash_table_lookup(self->records, name);
}

static gint
vmds_users_compare_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0((*(VmdsUser *const *)a)->name, (*(VmdsUser *const *)b)->name);
}

/**
 * vmds_users_list:
 * @self: a #VmdsUsers
 *
 * Any thread.
 *
 * Returns: (transfer container) (element-type VmdsUser): every user, the
 *   configured administrator included, by name
 */
GPtrArray *
vmds_users_list(VmdsUsers *self)
{
	GPtrArray *users = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_user_free);
	GHashTableIter iter;
	VmdsUsersRecord *record;

	g_mutex_lock(&self->lock);
	if (self->admin != NULL)
		g_ptr_array_add(users, vmds_users_admin_locked(self));
	g_hash_table_iter_init(&iter, self->records);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&record)) {
		if (vmds_users_find_locked(self, record->user.name) != NULL)
			g_ptr_array_add(users, vmds_user_copy(&record->user));
	}
	g_mutex_unlock(&self->lock);
	g_ptr_array_sort(users, vmds_users_compare_cb);
	return users;
}

/**
 * vmds_users_lookup:
 * @self: a #VmdsUsers
 * @name: (nullable): a user name, from a peer: any text
 *
 * Any thread.
 *
 * Returns: (transfer full) (nullable): a copy of the user, the configured
 *   administrator included, or %NULL
 */
VmdsUser *
vmds_users_lookup(VmdsUsers *self, const gchar *name)
{
	VmdsUsersRecord *record;
	VmdsUser *user = NULL;

	g_mutex_lock(&self->lock);
	record = vmds_users_find_locked(self, name);
	if (record != NULL)
		user = vmds_user_copy(&record->user);
	else if (name != NULL && g_strcmp0(name, self->admin) == 0)
		user = vmds_users_admin_locked(self);
	g_mutex_unlock(&self->lock);
	return user;
}

/**
 * vmds_users_verify:
 * @self: a #VmdsUsers
 * @name: a user name a peer offered: any text
 * @password: the password it offered
 *
 * Checks a login of a user of the database (not the configured
 * administrator, whose password the REST server holds). A name that is no
 * such user costs what a wrong password does: its password is checked
 * against a hash too. Any thread but the main one: it takes 40 ms.
 *
 * Returns: (transfer full) (nullable): the user when @password is its
 *   password, else %NULL
 */
VmdsUser *
vmds_users_verify(VmdsUsers *self, const gchar *name, const gchar *password)
{
	g_autoptr(VmdsUser) user = NULL;
	g_autofree gchar *hash = NULL;
	VmdsUsersRecord *record;
	gboolean ok;

	g_mutex_lock(&self->lock);
	record = vmds_users_find_locked(self, name);
	if (record != NULL) {
		user = vmds_user_copy(&record->user);
		hash = g_strdup(record->hash);
		user->outdated_hash = !vmds_user_hash_is_current(hash);
	}
	g_mutex_unlock(&self->lock);
	ok = vmds_user_verify_password(hash != NULL ? hash : VMDS_USERS_DUMMY_HASH, password);
	vmds_user_wipe(hash);
	return ok && user != NULL ? g_steal_pointer(&user) : NULL;
}

static gboolean
vmds_users_bind_text(sqlite3_stmt *stmt, gint idx, const gchar *text)
{
	return sqlite3_bind_text(stmt, idx, text, -1, SQLITE_TRANSIENT) == SQLITE_OK;
}

/* runs @stmt, one change, durably */
static gboolean
vmds_users_step(VmdsUsers *self, sqlite3_stmt *stmt, GError **error)
{
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return vmds_users_fail(self, "write", error);
	return TRUE;
}

static gboolean
vmds_users_not_found(const gchar *name, GError **error)
{
	g_set_error(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "no user '%s'", name);
	return FALSE;
}

/* the configured administrator is not the database's to change */
static gboolean
vmds_users_refuse_admin(VmdsUsers *self, const gchar *name, GError **error)
{
	gboolean admin;

	g_mutex_lock(&self->lock);
	admin = g_strcmp0(name, self->admin) == 0;
	g_mutex_unlock(&self->lock);
	if (!admin)
		return TRUE;
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
		    "'%s' is the configured administrator ([http] username): its password is "
		    "the daemon's password file; replace that file and reload the daemon "
		    "(SIGHUP)",
		    name);
	return FALSE;
}

/**
 * vmds_users_add:
 * @self: a #VmdsUsers
 * @name: a name vmds_user_check_name() accepts
 * @role: its role
 * @vcenter_metadata: whether it has the right to the VCENTER domain
 * @hash: its password's hash (vmds_user_hash_password())
 * @error: a #GError or %NULL
 *
 * Adds a user, durably. In the thread that opened @self.
 *
 * Returns: %FALSE with %VMDS_ERROR_ALREADY_EXISTS when the name is taken,
 *   the configured administrator's included
 */
gboolean
vmds_users_add(VmdsUsers *self,
	       const gchar *name,
	       VmdsUserRole role,
	       gboolean vcenter_metadata,
	       const gchar *hash,
	       GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(VmdsUser) existing = vmds_users_lookup(self, name);
	VmdsUsersRecord *record;

	g_return_val_if_fail(vmds_user_check_name(name, NULL), FALSE);
	g_return_val_if_fail(hash != NULL, FALSE);

	if (existing != NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ALREADY_EXISTS,
			    existing->built_in ? "'%s' is the configured administrator's name"
					       : "a user named '%s' exists already",
			    name);
		return FALSE;
	}
	if (sqlite3_prepare_v2(self->db,
			       "INSERT INTO users (name, role, vcenter_metadata, password) "
			       "VALUES (?, ?, ?, ?)",
			       -1,
			       &stmt,
			       NULL) != SQLITE_OK ||
	    !vmds_users_bind_text(stmt, 1, name) ||
	    !vmds_users_bind_text(stmt, 2, vmds_user_role_to_string(role)) ||
	    sqlite3_bind_int(stmt, 3, vcenter_metadata ? 1 : 0) != SQLITE_OK ||
	    !vmds_users_bind_text(stmt, 4, hash))
		return vmds_users_fail(self, "write", error);
	if (!vmds_users_step(self, stmt, error))
		return FALSE;
	record = g_new0(VmdsUsersRecord, 1);
	record->user.name = g_strdup(name);
	record->user.role = role;
	record->user.vcenter_metadata = vcenter_metadata;
	record->hash = g_strdup(hash);
	g_mutex_lock(&self->lock);
	record->user.generation = ++self->generation;
	g_hash_table_replace(self->records, record->user.name, record);
	g_mutex_unlock(&self->lock);
	return TRUE;
}

/**
 * vmds_users_update:
 * @self: a #VmdsUsers
 * @name: a user of the database
 * @role: (nullable): its new role, or %NULL to keep it
 * @vcenter_metadata: (nullable): its new right, or %NULL to keep it
 * @hash: (nullable): its new password's hash, or %NULL to keep it; a new
 *   password ends the user's sessions (#VmdsUser.generation)
 * @error: a #GError or %NULL
 *
 * Changes a user, durably, all of it or nothing. In the thread that opened
 * @self.
 *
 * Returns: %FALSE with %VMDS_ERROR_NOT_FOUND for no such user,
 *   %VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE for the configured
 *   administrator
 */
gboolean
vmds_users_update(VmdsUsers *self,
		  const gchar *name,
		  const VmdsUserRole *role,
		  const gboolean *vcenter_metadata,
		  const gchar *hash,
		  GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(VmdsUser) user = NULL;
	VmdsUsersRecord *record;

	if (!vmds_users_refuse_admin(self, name, error))
		return FALSE;
	user = vmds_users_lookup(self, name);
	if (user == NULL)
		return vmds_users_not_found(name, error);
	if (sqlite3_prepare_v2(self->db,
			       "UPDATE users SET role = ?, vcenter_metadata = ?, "
			       "password = coalesce(?, password) WHERE name = ?",
			       -1,
			       &stmt,
			       NULL) != SQLITE_OK ||
	    !vmds_users_bind_text(
		stmt, 1, vmds_user_role_to_string(role != NULL ? *role : user->role)) ||
	    sqlite3_bind_int(stmt,
			     2,
			     (vcenter_metadata != NULL ? *vcenter_metadata : user->vcenter_metadata)
				 ? 1
				 : 0) != SQLITE_OK ||
	    (hash != NULL ? !vmds_users_bind_text(stmt, 3, hash)
			  : sqlite3_bind_null(stmt, 3) != SQLITE_OK) ||
	    !vmds_users_bind_text(stmt, 4, name))
		return vmds_users_fail(self, "write", error);
	if (!vmds_users_step(self, stmt, error))
		return FALSE;
	g_mutex_lock(&self->lock);
	record = g_hash_table_lookup(self->records, name);
	if (role != NULL)
		record->user.role = *role;
	if (vcenter_metadata != NULL)
		record->user.vcenter_metadata = *vcenter_metadata;
	if (hash != NULL) {
		vmds_user_wipe(record->hash);
		g_free(record->hash);
		record->hash = g_strdup(hash);
		record->user.generation = ++self->generation;
	}
	g_mutex_unlock(&self->lock);
	return TRUE;
}

/**
 * vmds_users_remove:
 * @self: a #VmdsUsers
 * @name: a user of the database
 * @error: a #GError or %NULL
 *
 * Removes a user, durably; its sessions end. In the thread that opened
 * @self.
 *
 * Returns: %FALSE with %VMDS_ERROR_NOT_FOUND for no such user,
 *   %VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE for the configured
 *   administrator
 */
gboolean
vmds_users_remove(VmdsUsers *self, const gchar *name, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(VmdsUser) user = NULL;

	if (!vmds_users_refuse_admin(self, name, error))
		return FALSE;
	user = vmds_users_lookup(self, name);
	if (user == NULL)
		return vmds_users_not_found(name, error);
	if (sqlite3_prepare_v2(self->db, "DELETE FROM users WHERE name = ?", -1, &stmt, NULL) !=
		SQLITE_OK ||
	    !vmds_users_bind_text(stmt, 1, name))
		return vmds_users_fail(self, "write", error);
	if (!vmds_users_step(self, stmt, error))
		return FALSE;
	g_mutex_lock(&self->lock);
	g_hash_table_remove(self->records, name);
	g_mutex_unlock(&self->lock);
	return TRUE;
}

/**
 * vmds_users_rehash:
 * @self: a #VmdsUsers
 * @name: a user whose login vmds_users_verify() accepted, with an
 *   #VmdsUser.outdated_hash
 * @generation: its #VmdsUser.generation then
 * @hash: the hash of the same password with today's parameters
 *   (vmds_user_hash_password())
 * @error: a #GError or %NULL
 *
 * Replaces an outdated hash of the user's password with @hash, durably,
 * unless the password changed (or the user went) since: the password is
 * the same, so its sessions live on. In the thread that opened @self.
 *
 * Returns: %FALSE when the database cannot be written (the old hash stays)
 */
gboolean
vmds_users_rehash(
    VmdsUsers *self, const gchar *name, guint64 generation, const gchar *hash, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(VmdsUser) user = vmds_users_lookup(self, name);
	VmdsUsersRecord *record;

	g_return_val_if_fail(hash != NULL && vmds_user_hash_is_current(hash), FALSE);

	if (user == NULL || user->built_in || user->generation != generation)
		return TRUE;
	if (sqlite3_prepare_v2(
		self->db, "UPDATE users SET password = ? WHERE name = ?", -1, &stmt, NULL) !=
		SQLITE_OK ||
	    !vmds_users_bind_text(stmt, 1, hash) || !vmds_users_bind_text(stmt, 2, name))
		return vmds_users_fail(self, "write", error);
	if (!vmds_users_step(self, stmt, error))
		return FALSE;
	g_mutex_lock(&self->lock);
	record = g_hash_table_lookup(self->records, name);
	vmds_user_wipe(record->hash);
	g_free(record->hash);
	record->hash = g_strdup(hash);
	g_mutex_unlock(&self->lock);
	return TRUE;
}
