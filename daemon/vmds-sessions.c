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
 * the timeout is gone.
 */

/* failed logins a client may make before it has to wait */
#define VMDS_SESSIONS_FREE_FAILURES 5
/* the longest wait, seconds; each further failure doubles it up to this */
#define VMDS_SESSIONS_MAX_BACKOFF 300
/* how many clients' failures are remembered at once */
#define VMDS_SESSIONS_MAX_CLIENTS 4096

typedef struct {
	guint failures;
	gint64 last;	      /* monotonic µs of the last failure */
	gint64 blocked_until; /* monotonic µs */
} VmdsSessionsClient;

struct _VmdsSessions {
	GHashTable *sessions; /* id → last use, monotonic µs */
	GHashTable *clients;  /* client address → VmdsSessionsClient */
	guint timeout;	      /* seconds */
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

VmdsSessions *
vmds_sessions_new(guint timeout)
{
	VmdsSessions *self = g_new0(VmdsSessions, 1);
	self->sessions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->timeout = timeout;
	return self;
}

void
vmds_sessions_free(VmdsSessions *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->sessions);
	g_hash_table_unref(self->clients);
	g_free(self);
}

void
vmds_sessions_set_timeout(VmdsSessions *self, guint timeout)
{
	self->timeout = timeout;
}

static void
vmds_sessions_expire(VmdsSessions *self, gint64 now)
{
	GHashTableIter iter;
	gint64 *last;

	g_hash_table_iter_init(&iter, self->sessions);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&last)) {
		if (now - *last > (gint64)self->timeout * G_USEC_PER_SEC)
			g_hash_table_iter_remove(&iter);
	}
}

/**
 * vmds_sessions_create:
 * @self: a #VmdsSessions
 * @user: who logged in
 *
 * Returns: (transfer full): the new session's id
 */
gchar *
vmds_sessions_create(VmdsSessions *self, const gchar *user)
{
	gchar *id = vmds_secret_new(16);
	gint64 now = g_get_monotonic_time();

	vmds_sessions_expire(self, now);
	g_hash_table_insert(self->sessions, g_strdup(id), g_memdup2(&now, sizeof(now)));
	g_info("session opened for %s (%u open)", user, g_hash_table_size(self->sessions));
	return id;
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
	gint64 now = g_get_monotonic_time();
	gint64 *last;

	if (id == NULL)
		return FALSE;
	vmds_sessions_expire(self, now);
	last = g_hash_table_lookup(self->sessions, id);
	if (last == NULL)
		return FALSE;
	*last = now;
	return TRUE;
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
	return g_hash_table_remove(self->sessions, id);
}

/**
 * vmds_sessions_login_allowed:
 * @self: a #VmdsSessions
 * @client: the client's address
 * @retry_after: (out): seconds until it may try again, when not allowed
 *
 * Brute force is slowed per client: after %VMDS_SESSIONS_FREE_FAILURES
 * failed logins, each further attempt must wait 1, 2, 4, ... seconds (at
 * most %VMDS_SESSIONS_MAX_BACKOFF) after the last failure.
 *
 * Returns: whether @client may try to log in now
 */
gboolean
vmds_sessions_login_allowed(VmdsSessions *self, const gchar *client, guint *retry_after)
{
	VmdsSessionsClient *c = g_hash_table_lookup(self->clients, client);
	gint64 now = g_get_monotonic_time();

	if (c == NULL || now >= c->blocked_until)
		return TRUE;
	*retry_after = (guint)((c->blocked_until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
	return FALSE;
}

/**
 * vmds_sessions_login_failed:
 * @self: a #VmdsSessions
 * @client: the client's address
 *
 * Returns: how many logins @client has failed in a row
 */
guint
vmds_sessions_login_failed(VmdsSessions *self, const gchar *client)
{
	VmdsSessionsClient *c = g_hash_table_lookup(self->clients, client);
	gint64 now = g_get_monotonic_time();

	if (c == NULL) {
		/* a flood of addresses must not grow this without bound */
		if (g_hash_table_size(self->clients) >= VMDS_SESSIONS_MAX_CLIENTS)
			g_hash_table_remove_all(self->clients);
		c = g_new0(VmdsSessionsClient, 1);
		g_hash_table_insert(self->clients, g_strdup(client), c);
	} else if (now - c->last > (gint64)VMDS_SESSIONS_MAX_BACKOFF * 2 * G_USEC_PER_SEC) {
		/* quiet for long enough: start afresh */
		c->failures = 0;
	}
	c->failures++;
	c->last = now;
	if (c->failures >= VMDS_SESSIONS_FREE_FAILURES) {
		guint shift = MIN(c->failures - VMDS_SESSIONS_FREE_FAILURES, 9);
		guint wait = MIN(1u << shift, (guint)VMDS_SESSIONS_MAX_BACKOFF);
		c->blocked_until = now + (gint64)wait * G_USEC_PER_SEC;
	}
	return c->failures;
}

/**
 * vmds_sessions_login_succeeded:
 * @self: a #VmdsSessions
 * @client: the client's address
 *
 * Forgets @client's failures.
 */
void
vmds_sessions_login_succeeded(VmdsSessions *self, const gchar *client)
{
	g_hash_table_remove(self->clients, client);
}
