/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-login-throttle.h"

/*
 * Brute force against REST logins is slowed twice over: per client address,
 * and per account over every address, so that rotating through addresses
 * (127.0.0.0/8 has 16 million) does not escape it. After a number of free
 * failures, each further attempt must wait 1, 2, 4, ... seconds after the
 * last failure, at most VMDS_LOGIN_THROTTLE_MAX_WAIT; while it waits, even
 * the right password is refused, so the wait cannot be probed.
 *
 * The tables are bounded. A full table makes room by forgetting a record
 * that is not blocked (the one quiet the longest); when every record in it
 * is blocked, new keys share one overflow record instead, which blocks like
 * any other. Nothing a client does lifts a block early.
 */

/* the longest wait, seconds; each further failure doubles it up to this */
#define VMDS_LOGIN_THROTTLE_MAX_WAIT 300

typedef struct {
	guint failures;
	gint64 last;	      /* monotonic µs of the last failure */
	gint64 blocked_until; /* monotonic µs */
} VmdsLoginRecord;

typedef struct {
	GHashTable *records; /* key → VmdsLoginRecord */
	VmdsLoginRecord overflow;
	guint max_records;
	guint free_failures;
} VmdsLoginTable;

struct _VmdsLoginThrottle {
	VmdsLoginTable clients;
	VmdsLoginTable accounts;
};

static void
vmds_login_table_init(VmdsLoginTable *table, guint max_records, guint free_failures)
{
	table->records = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	table->max_records = max_records;
	table->free_failures = free_failures;
}

/* @key's record, or the overflow record while the table is full of blocked
 * ones; NULL when @key has none */
static VmdsLoginRecord *
vmds_login_table_lookup(VmdsLoginTable *table, const gchar *key)
{
	VmdsLoginRecord *record = g_hash_table_lookup(table->records, key);

	if (record != NULL)
		return record;
	if (g_hash_table_size(table->records) >= table->max_records)
		return &table->overflow;
	return NULL;
}

/* a record for @key: a new one, in room made by forgetting one that is not
 * blocked, or the overflow record when every one is */
static VmdsLoginRecord *
vmds_login_table_insert(VmdsLoginTable *table, const gchar *key, gint64 now)
{
	VmdsLoginRecord *record = g_hash_table_lookup(table->records, key);

	if (record != NULL)
		return record;
	if (g_hash_table_size(table->records) >= table->max_records) {
		GHashTableIter iter;
		gpointer victim_key = NULL;
		gpointer k;
		VmdsLoginRecord *r;
		gint64 oldest = G_MAXINT64;

		g_hash_table_iter_init(&iter, table->records);
		while (g_hash_table_iter_next(&iter, &k, (gpointer *)&r)) {
			if (r->blocked_until <= now && r->last < oldest) {
				oldest = r->last;
				victim_key = k;
			}
		}
		if (victim_key == NULL)
			return &table->overflow;
		g_hash_table_remove(table->records, victim_key);
	}
	record = g_new0(VmdsLoginRecord, 1);
	g_hash_table_insert(table->records, g_strdup(key), record);
	return record;
}

static void
vmds_login_record_fail(VmdsLoginRecord *record, guint free_failures, gint64 now)
{
	/* quiet for long enough: start afresh */
	if (now - record->last > (gint64)VMDS_LOGIN_THROTTLE_MAX_WAIT * 2 * G_USEC_PER_SEC)
		record->failures = 0;
	record->failures++;
	record->last = now;
	if (record->failures >= free_failures) {
		guint shift = MIN(record->failures - free_failures, 9);
		guint wait = MIN(1u << shift, (guint)VMDS_LOGIN_THROTTLE_MAX_WAIT);
		record->blocked_until =
		    MAX(record->blocked_until, now + (gint64)wait * G_USEC_PER_SEC);
	}
}

/* seconds until @record lets an attempt through; 0 when it does now */
static guint
vmds_login_record_wait(const VmdsLoginRecord *record, gint64 now)
{
	if (record == NULL || now >= record->blocked_until)
		return 0;
	return (guint)((record->blocked_until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

/**
 * vmds_login_throttle_new:
 * @max_clients: how many client addresses are remembered at once
 * @max_accounts: how many accounts are remembered at once
 *
 * Returns: (transfer full): a throttle that has seen no failure
 */
VmdsLoginThrottle *
vmds_login_throttle_new(guint max_clients, guint max_accounts)
{
	VmdsLoginThrottle *self = g_new0(VmdsLoginThrottle, 1);

	vmds_login_table_init(
	    &self->clients, MAX(max_clients, 1), VMDS_LOGIN_THROTTLE_CLIENT_FREE_FAILURES);
	vmds_login_table_init(
	    &self->accounts, MAX(max_accounts, 1), VMDS_LOGIN_THROTTLE_ACCOUNT_FREE_FAILURES);
	return self;
}

void
vmds_login_throttle_free(VmdsLoginThrottle *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->clients.records);
	g_hash_table_unref(self->accounts.records);
	g_free(self);
}

/**
 * vmds_login_throttle_check:
 * @self: a #VmdsLoginThrottle
 * @client: the client's address
 * @account: the account it tries to log in to
 * @now: the monotonic time, µs
 * @retry_after: (out): seconds until it may try again, when not allowed
 *
 * Returns: whether @client may try to log in to @account now
 */
gboolean
vmds_login_throttle_check(VmdsLoginThrottle *self,
			  const gchar *client,
			  const gchar *account,
			  gint64 now,
			  guint *retry_after)
{
	guint wait =
	    MAX(vmds_login_record_wait(vmds_login_table_lookup(&self->clients, client), now),
		vmds_login_record_wait(vmds_login_table_lookup(&self->accounts, account), now));

	*retry_after = wait;
	return wait == 0;
}

/**
 * vmds_login_throttle_failed:
 * @self: a #VmdsLoginThrottle
 * @client: the client's address
 * @account: the account it tried
 * @now: the monotonic time, µs
 *
 * Returns: how many logins @client has failed in a row
 */
guint
vmds_login_throttle_failed(VmdsLoginThrottle *self,
			   const gchar *client,
			   const gchar *account,
			   gint64 now)
{
	VmdsLoginRecord *by_client = vmds_login_table_insert(&self->clients, client, now);
	VmdsLoginRecord *by_account = vmds_login_table_insert(&self->accounts, account, now);

	vmds_login_record_fail(by_client, self->clients.free_failures, now);
	vmds_login_record_fail(by_account, self->accounts.free_failures, now);
	return by_client->failures;
}

/**
 * vmds_login_throttle_succeeded:
 * @self: a #VmdsLoginThrottle
 * @client: the client's address
 * @account: the account it logged in to
 *
 * Forgets the failures of @client and of @account.
 */
void
vmds_login_throttle_succeeded(VmdsLoginThrottle *self, const gchar *client, const gchar *account)
{
	g_hash_table_remove(self->clients.records, client);
	g_hash_table_remove(self->accounts.records, account);
}
