/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-datasets-cache.h"

/*
 * What the engine keeps in memory of one VM's store, so as not to ask SQLite
 * on every request: each data set's id and access modes, and small entry
 * values. It hangs on the store it was read from and forgets everything
 * when the store says a transaction rolled back (what was read inside it
 * may never have been) or that it closed. Whoever changes a row forgets
 * what the cache holds of it, before the change.
 */

/* what a cached value costs beyond its bytes (the table's slot, the
 * allocator's header), roughly: so that many tiny values count too */
#define VMDS_DATASETS_CACHE_OVERHEAD 64

struct _VmdsDatasetsCache {
	GHashTable *refs;   /* name -> VmdsDatasetsRef */
	GHashTable *values; /* VmdsDatasetsCacheValue; NULL while empty */
	gsize values_cost;  /* what the values cost, VMDS_DATASETS_CACHE_MAX_BYTES at most */
	gboolean closed;    /* the store closed: nothing is kept any more */
};

/* an entry value kept in memory, in one allocation that is its own key in
 * the table of values */
typedef struct {
	gint64 dataset_id;
	const gchar *key; /* in data, NUL-terminated */
	gsize key_len;
	gsize value_len;
	gchar data[]; /* the key, its NUL, the value */
} VmdsDatasetsCacheValue;

static guint
vmds_datasets_cache_value_hash_cb(gconstpointer data)
{
	const VmdsDatasetsCacheValue *value = data;

	return g_str_hash(value->key) ^ g_int64_hash(&value->dataset_id);
}

static gboolean
vmds_datasets_cache_value_equal_cb(gconstpointer a, gconstpointer b)
{
	const VmdsDatasetsCacheValue *value_a = a;
	const VmdsDatasetsCacheValue *value_b = b;

	return value_a->dataset_id == value_b->dataset_id &&
	       strcmp(value_a->key, value_b->key) == 0;
}

static gsize
vmds_datasets_cache_value_cost(gsize key_len, gsize value_len)
{
	return sizeof(VmdsDatasetsCacheValue) + key_len + 1 + value_len +
	       VMDS_DATASETS_CACHE_OVERHEAD;
}

/* an empty cache of values costs nothing: the table goes with its values */
static void
vmds_datasets_cache_forget_all_values(VmdsDatasetsCache *self)
{
	g_clear_pointer(&self->values, g_hash_table_unref);
	self->values_cost = 0;
}

/* the store rolled a transaction back, or closed */
static void
vmds_datasets_cache_forget_all_cb(VmdsStore *store, gpointer user_data)
{
	VmdsDatasetsCache *self = user_data;

	g_hash_table_remove_all(self->refs);
	vmds_datasets_cache_forget_all_values(self);
}

static void
vmds_datasets_cache_closed_cb(VmdsStore *store, gpointer user_data)
{
	VmdsDatasetsCache *self = user_data;

	vmds_datasets_cache_forget_all_cb(store, self);
	self->closed = TRUE;
}

static void
vmds_datasets_cache_free(VmdsDatasetsCache *self)
{
	g_hash_table_unref(self->refs);
	vmds_datasets_cache_forget_all_values(self);
	g_free(self);
}

/**
 * vmds_datasets_cache_get:
 * @store: a #VmdsStore
 *
 * Returns: (transfer none): the cache of @store, made on first use; it
 *   lives as long as the store
 */
VmdsDatasetsCache *
vmds_datasets_cache_get(VmdsStore *store)
{
	static GQuark quark = 0;
	VmdsDatasetsCache *self;

	if (G_UNLIKELY(quark == 0))
		quark = g_quark_from_static_string("vmds-datasets-cache");
	self = g_object_get_qdata(G_OBJECT(store), quark);
	if (G_LIKELY(self != NULL))
		return self;
	self = g_new0(VmdsDatasetsCache, 1);
	self->refs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_object_set_qdata_full(
	    G_OBJECT(store), quark, self, (GDestroyNotify)vmds_datasets_cache_free);
	g_signal_connect(store, "rolled-back", G_CALLBACK(vmds_datasets_cache_forget_all_cb), self);
	g_signal_connect(store, "closed", G_CALLBACK(vmds_datasets_cache_closed_cb), self);
	return self;
}

/**
 * vmds_datasets_cache_lookup_ref:
 * @self: a #VmdsDatasetsCache
 * @name: a data set's name
 *
 * Returns: (nullable): what the cache holds of the data set's row
 */
const VmdsDatasetsRef *
vmds_datasets_cache_lookup_ref(VmdsDatasetsCache *self, const gchar *name)
{
	return g_hash_table_lookup(self->refs, name);
}

/**
 * vmds_datasets_cache_add_ref:
 * @self: a #VmdsDatasetsCache
 * @name: a data set's name
 * @ref: what its row says, just read from the store
 *
 * Keeps @ref; when the cache holds %VMDS_DATASETS_CACHE_MAX_DATASETS data
 * sets already, it forgets them all first.
 */
void
vmds_datasets_cache_add_ref(VmdsDatasetsCache *self, const gchar *name, const VmdsDatasetsRef *ref)
{
	if (self->closed)
		return;
	if (g_hash_table_size(self->refs) >= VMDS_DATASETS_CACHE_MAX_DATASETS)
		g_hash_table_remove_all(self->refs);
	g_hash_table_insert(self->refs, g_strdup(name), g_memdup2(ref, sizeof(*ref)));
}

/**
 * vmds_datasets_cache_forget_ref:
 * @self: a #VmdsDatasetsCache
 * @name: a data set's name
 *
 * Forgets the data set's row; call after changing it.
 */
void
vmds_datasets_cache_forget_ref(VmdsDatasetsCache *self, const gchar *name)
{
	g_hash_table_remove(self->refs, name);
}

/**
 * vmds_datasets_cache_lookup_value:
 * @self: a #VmdsDatasetsCache
 * @dataset_id: the id of the data set's row
 * @key: the entry's key
 * @value_len: (out): the length of the value in bytes
 *
 * Returns: (transfer none) (array length=value_len) (nullable): the value,
 * not NUL-terminated, valid until the next call that changes the cache; or
 * %NULL when the cache does not hold it
 */
const gchar *
vmds_datasets_cache_lookup_value(VmdsDatasetsCache *self,
				 gint64 dataset_id,
				 const gchar *key,
				 gsize *value_len)
{
	VmdsDatasetsCacheValue probe = {.dataset_id = dataset_id, .key = key};
	const VmdsDatasetsCacheValue *value;

	if (self->values == NULL)
		return NULL;
	value = g_hash_table_lookup(self->values, &probe);
	if (value == NULL)
		return NULL;
	*value_len = value->value_len;
	return value->data + value->key_len + 1;
}

/**
 * vmds_datasets_cache_add_value:
 * @self: a #VmdsDatasetsCache
 * @dataset_id: the id of the data set's row
 * @key: the entry's key
 * @value: (array length=value_len): the value just read from the store
 * @value_len: the length of @value in bytes
 *
 * Keeps a copy of an entry's value, if it is at most
 * %VMDS_DATASETS_CACHE_MAX_VALUE bytes long. When the values kept would
 * cost more than %VMDS_DATASETS_CACHE_MAX_BYTES (with their keys and what
 * the table spends on each), the cache forgets all of them first.
 */
void
vmds_datasets_cache_add_value(VmdsDatasetsCache *self,
			      gint64 dataset_id,
			      const gchar *key,
			      const gchar *value,
			      gsize value_len)
{
	VmdsDatasetsCacheValue *cached;
	gsize key_len;
	gsize cost;

	if (value_len > VMDS_DATASETS_CACHE_MAX_VALUE || self->closed)
		return;
	key_len = strlen(key);
	cost = vmds_datasets_cache_value_cost(key_len, value_len);
	if (cost > VMDS_DATASETS_CACHE_MAX_BYTES)
		return;
	vmds_datasets_cache_forget_value(self, dataset_id, key);
	/* full: start again, simpler than choosing what to evict, and it
	 * costs only when more small values are read than fit */
	if (self->values_cost + cost > VMDS_DATASETS_CACHE_MAX_BYTES)
		vmds_datasets_cache_forget_all_values(self);
	if (self->values == NULL) {
		self->values = g_hash_table_new_full(vmds_datasets_cache_value_hash_cb,
						     vmds_datasets_cache_value_equal_cb,
						     g_free,
						     NULL);
	}
	cached = g_malloc(sizeof(*cached) + key_len + 1 + value_len);
	cached->dataset_id = dataset_id;
	cached->key = cached->data;
	cached->key_len = key_len;
	cached->value_len = value_len;
	memcpy(cached->data, key, key_len + 1);
	if (value_len > 0)
		memcpy(cached->data + key_len + 1, value, value_len);
	g_hash_table_add(self->values, cached);
	self->values_cost += cost;
}

/**
 * vmds_datasets_cache_forget_value:
 * @self: a #VmdsDatasetsCache
 * @dataset_id: the id of the data set's row
 * @key: the entry's key
 *
 * Forgets the value of one entry, if the cache holds it.
 */
void
vmds_datasets_cache_forget_value(VmdsDatasetsCache *self, gint64 dataset_id, const gchar *key)
{
	VmdsDatasetsCacheValue probe = {.dataset_id = dataset_id, .key = key};
	VmdsDatasetsCacheValue *cached;

	if (self->values == NULL)
		return;
	cached = g_hash_table_lookup(self->values, &probe);
	if (cached == NULL)
		return;
	self->values_cost -= vmds_datasets_cache_value_cost(cached->key_len, cached->value_len);
	g_hash_table_remove(self->values, cached);
}

/**
 * vmds_datasets_cache_forget_values:
 * @self: a #VmdsDatasetsCache
 * @dataset_id: the id of the data set's row
 *
 * Forgets the values of all entries of one data set.
 */
void
vmds_datasets_cache_forget_values(VmdsDatasetsCache *self, gint64 dataset_id)
{
	GHashTableIter iter;
	gpointer data = NULL;

	if (self->values == NULL)
		return;
	g_hash_table_iter_init(&iter, self->values);
	while (g_hash_table_iter_next(&iter, &data, NULL)) {
		const VmdsDatasetsCacheValue *cached = data;

		if (cached->dataset_id != dataset_id)
			continue;
		self->values_cost -=
		    vmds_datasets_cache_value_cost(cached->key_len, cached->value_len);
		g_hash_table_iter_remove(&iter);
	}
}
