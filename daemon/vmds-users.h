/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

/* in the state directory */
#define VMDS_USERS_FILE "users.db"

/* a user name: 1 to 64 bytes of [a-z0-9_.-], not starting with '.' or '-' */
#define VMDS_USER_MAX_NAME 64
/* a password, in bytes of UTF-8 */
#define VMDS_USER_MIN_PASSWORD 8
#define VMDS_USER_MAX_PASSWORD 1024

/*
 * Argon2id (RFC 9106) with OWASP's Password Storage Cheat Sheet's first
 * choice of parameters: 19 MiB of memory, 2 iterations, 1 lane; a random
 * salt of 16 bytes and a hash of 32. A hash is stored as libargon2's
 * encoded string, which carries its parameters, so raising them later
 * leaves the hashes made before valid.
 */
#define VMDS_USER_ARGON2_MEMORY_KIB 19456
#define VMDS_USER_ARGON2_ITERATIONS 2
#define VMDS_USER_ARGON2_LANES	    1
#define VMDS_USER_SALT_BYTES	    16
#define VMDS_USER_HASH_BYTES	    32

typedef enum {
	VMDS_USER_ROLE_USER,
	VMDS_USER_ROLE_ADMINISTRATOR,
} VmdsUserRole;

/**
 * VmdsUser:
 * @name: the user name
 * @role: what it may do
 * @vcenter_metadata: the right to the VCENTER metadata domain
 * @built_in: the configured administrator (`[http] username`), whose
 *   password is the daemon's password file, not kept here
 * @generation: changes whenever the user's password does (never the same
 *   for two users or two passwords in one run), so a session made before is
 *   told from one made after; 0 for the configured administrator
 * @outdated_hash: its password's hash was made with other Argon2id
 *   parameters than vmds_user_hash_password() uses now (a hash from an
 *   older vmds): vmds_users_rehash() replaces it at its next login
 *
 * One user, a copy: what vmds_users_lookup() and vmds_users_list() hand out.
 */
typedef struct {
	gchar *name;
	VmdsUserRole role;
	gboolean vcenter_metadata;
	gboolean built_in;
	guint64 generation;
	gboolean outdated_hash;
} VmdsUser;

void vmds_user_free(VmdsUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsUser, vmds_user_free)

const gchar *vmds_user_role_to_string(VmdsUserRole role);
gboolean vmds_user_role_from_string(const gchar *text, VmdsUserRole *role, GError **error);
gboolean vmds_user_check_name(const gchar *name, GError **error);
gboolean vmds_user_check_password(const gchar *password, GError **error);
gchar *vmds_user_hash_password(const gchar *password, GError **error);
gboolean vmds_user_verify_password(const gchar *encoded, const gchar *password);
void vmds_user_wipe(gchar *secret);

typedef struct _VmdsUsers VmdsUsers;

VmdsUsers *vmds_users_open(const gchar *path, GError **error);
void vmds_users_free(VmdsUsers *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsUsers, vmds_users_free)

void vmds_users_set_admin(VmdsUsers *self, const gchar *name);
GPtrArray *vmds_users_list(VmdsUsers *self);
VmdsUser *vmds_users_lookup(VmdsUsers *self, const gchar *name);
VmdsUser *vmds_users_verify(VmdsUsers *self, const gchar *name, const gchar *password);
gboolean vmds_users_add(VmdsUsers *self,
			const gchar *name,
			VmdsUserRole role,
			gboolean vcenter_metadata,
			const gchar *hash,
			GError **error);
gboolean vmds_users_update(VmdsUsers *self,
			   const gchar *name,
			   const VmdsUserRole *role,
			   const gboolean *vcenter_metadata,
			   const gchar *hash,
			   GError **error);
gboolean vmds_users_remove(VmdsUsers *self, const gchar *name, GError **error);
gboolean vmds_users_rehash(
    VmdsUsers *self, const gchar *name, guint64 generation, const gchar *hash, GError **error);

G_END_DECLS
