/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sys/random.h>

#include "vmds-sessions.h"

/*
 * REST sessions: `POST /api/session` makes one, the
 * `vmware-api-session-id` header names it, and one left idle longer than
 * the timeout is gone. Every operation costs the same however many sessions
 * there are: a session is found by its id in a hash table, and the sessions
 * are also kept in the order of their last use, so the idle ones are at the
 * front, where expiry and the cap take them from.
 */

typedef struct {
	gchar *id;
	gchar *user;
	guint64 stamp;	/* what the caller tells the user's sessions apart by */
	gint64 last;	/* monotonic µs of the last use */
	gint64 created; /* wall clock µs */
	gint64 used;	/* wall clock µs of the last use */
	GList link;	/* in VmdsSessions.lru; data is the session */
} VmdsSession;

struct _VmdsSessions {
	GHashTable *sessions; /* id → VmdsSession */
	GQueue lru;	      /* of VmdsSession, least recently used first */
	guint timeout;	      /* seconds */
	guint max_sessions;
};

/**
 * vmds_secret_new:
 * @bytes: how many random bytes
 *
 * Returns: (transfer full): @bytes from the kernel's random source, as hex
 */
gchar *
vmds_secret_new(gsize bytes)
{
	g_autofree guint8 *buf = g_malloc(bytes);
	GString *hex = g_string_sized_new(bytes * 2);
	gsize got = 0;

	while (got < bytes) {
		gssize n = getrandom(buf + got, bytes - got, 0);
		if (n > 0)
			got += (gsize)n;
	}
	for (gsize i = 0; i < bytes; i++)
		g_string_append_printf(hex, "%02x", buf[i]);
	return g_string_free(hex, FALSE);
}

/**
 * vmds_secret_equal:
 * @a: a secret
 * @b: what a peer offered
 *
 * Compares in time that depends only on the length of @b.
 *
 * Returns: whether @a and @b are equal
 */
gboolean
vmds_secret_equal(const gchar *a, const gchar *b)
{
	gsize la = strlen(a);
	gsize lb = strlen(b);
	guint8 diff = la != lb;

	for (gsize i = 0; i < lb; i++)
		diff |= (guint8)(a[i % MAX(la, 1)] ^ b[i]);
	return diff == 0 && la > 0;
}

static void
vmds_session_free(VmdsSession *session)
{
	/* the id is a credential: it does not linger in freed memory */
	memset(session->id, 0, strlen(session->id));
	g_free(session->id);
	g_free(session->user);
	g_free(session);
}

/**
 * vmds_sessions_new:
 * @timeout: seconds a session may stay unused
 * @max_sessions: how many sessions there may be at once
 *
 * Returns: (transfer full): no sessions yet
 */
VmdsSessions *
vmds_sessions_new(guint timeout, guint max_sessions)
{
	VmdsSessions *self = g_new0(VmdsSessions, 1);

	self->sessions =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)vmds_session_free);
	g_queue_init(&self->lru);
	self->timeout = timeout;
	self->max_sessions = MAX(max_sessions, 1);
	return self;
}

void
vmds_sessions_free(VmdsSessions *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->sessions);
	g_free(self);
}

void
vmds_sessions_set_limits(VmdsSessions *self, guint timeout, guint max_sessions)
{
	self->timeout = timeout;
	self->max_sessions = MAX(max_sessions, 1);
}

static void
vmds_sessions_drop(VmdsSessions *self, VmdsSession *session)
{
	g_queue_unlink(&self->lru, &session->link);
	g_hash_table_remove(self->sessions, session->id);
}

/* the sessions idle for longer than the timeout: all at the front */
static void
vmds_sessions_expire(VmdsSessions *self, gint64 now)
{
	for (;;) {
		VmdsSession *oldest = g_queue_peek_head(&self->lru);
		if (oldest == NULL || now - oldest->last <= (gint64)self->timeout * G_USEC_PER_SEC)
			return;
		vmds_sessions_drop(self, oldest);
	}
}

/**
 * vmds_sessions_create:
 * @self: a #VmdsSessions
 * @user: who logged in
 * @stamp: whatever tells this login of @user from others (the REST server
 *   keeps the generation of the user's password here)
 *
 * Makes a session. When there are as many as the cap allows, the one left
 * unused the longest ends to make room.
 *
 * Returns: (transfer full): the new session's id
 */
gchar *
vmds_sessions_create(VmdsSessions *self, const gchar *user, guint64 stamp)
{
	VmdsSession *session = g_new0(VmdsSession, 1);
	gint64 now = g_get_monotonic_time();

	vmds_sessions_expire(self, now);
	while (g_hash_table_size(self->sessions) >= self->max_sessions) {
		VmdsSession *oldest = g_queue_peek_head(&self->lru);
		g_info("session of %s ended: %u sessions is the limit",
		       oldest->user,
		       self->max_sessions);
		vmds_sessions_drop(self, oldest);
	}
	session->id = vmds_secret_new(16);
	session->user = g_strdup(user);
	session->stamp = stamp;
	session->last = now;
	session->created = session->used = g_get_real_time();
	session->link.data = session;
	g_queue_push_tail_link(&self->lru, &session->link);
	g_hash_table_insert(self->sessions, session->id, session);
	g_info("session opened for %s (%u open)", user, g_hash_table_size(self->sessions));
	return g_strdup(session->id);
}

/**
 * vmds_sessions_check:
 * @self: a #VmdsSessions
 * @id: (nullable): what the client sent
 *
 * Returns: whether @id is a live session; its idle time starts again
 */
gboolean
vmds_sessions_check(VmdsSessions *self, const gchar *id)
{
	guint64 stamp;

	return vmds_sessions_lookup(self, id, &stamp) != NULL;
}

/**
 * vmds_sessions_lookup:
 * @self: a #VmdsSessions
 * @id: (nullable): what the client sent
 * @stamp: (out): the stamp the session was made with
 *
 * Returns: (transfer none) (nullable): whose live session @id is, or %NULL;
 *   its idle time starts again
 */
const gchar *
vmds_sessions_lookup(VmdsSessions *self, const gchar *id, guint64 *stamp)
{
	gint64 now = g_get_monotonic_time();
	VmdsSession *session;

	if (id == NULL)
		return NULL;
	vmds_sessions_expire(self, now);
	session = g_hash_table_lookup(self->sessions, id);
	if (session == NULL)
		return NULL;
	session->last = now;
	session->used = g_get_real_time();
	g_queue_unlink(&self->lru, &session->link);
	g_queue_push_tail_link(&self->lru, &session->link);
	*stamp = session->stamp;
	return session->user;
}

/**
 * vmds_sessions_describe:
 * @self: a #VmdsSessions
 * @id: a live session's id
 * @created: (out): when it was made, wall clock µs
 * @used: (out): when it was used last, wall clock µs
 *
 * Returns: (transfer none) (nullable): who it belongs to, or %NULL for no
 *   such session
 */
const gchar *
vmds_sessions_describe(VmdsSessions *self, const gchar *id, gint64 *created, gint64 *used)
{
	VmdsSession *session = id != NULL ? g_hash_table_lookup(self->sessions, id) : NULL;

	if (session == NULL)
		return NULL;
	*created = session->created;
	*used = session->used;
	return session->user;
}

/**
 * vmds_sessions_remove:
 * @self: a #VmdsSessions
 * @id: a session id
 *
 * Returns: whether there was such a session
 */
gboolean
vmds_sessions_remove(VmdsSessions *self, const gchar *id)
{
	VmdsSession *session = g_hash_table_lookup(self->sessions, id);

	if (session == NULL)
		return FALSE;
	vmds_sessions_drop(self, session);
	return TRUE;
}

/**
 * vmds_sessions_remove_all:
 * @self: a #VmdsSessions
 *
 * Ends every session, e.g. when the password changed.
 *
 * Returns: how many there were
 */
guint
vmds_sessions_remove_all(VmdsSessions *self)
{
	guint n = g_hash_table_size(self->sessions);

	g_queue_init(&self->lru);
	g_hash_table_remove_all(self->sessions);
	return n;
}

/**
 * vmds_sessions_get_count:
 * @self: a #VmdsSessions
 *
 * Returns: how many sessions there are, expired ones not yet removed included
 */
guint
vmds_sessions_get_count(VmdsSessions *self)
{
	return g_hash_table_size(self->sessions);
}
