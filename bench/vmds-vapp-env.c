/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "vmds-guestinfo.h"
#include "vmds-ovf-iso.h"
#include "vmds-vapp.h"

/*
 * vmds-vapp-env DIR PROPERTIES ROUNDS: what regenerating a VM's OVF
 * environment costs, on the engine in-process (no daemon, no REST). A
 * store in DIR gets PROPERTIES properties (a 40-character string value
 * each, one boolean in ten, one password in ten); then ROUNDS times one
 * property's value changes (vmds_vapp_update(): the transaction, the
 * environment written anew, the guestinfo variable, the commit with its
 * fsync), and for comparison ROUNDS times the same change of a store with
 * 1 property, and ROUNDS ISO images of the large environment are built.
 * Prints one JSON object of medians, in milliseconds.
 */

static gint
bench_compare_cb(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
	return x < y ? -1 : x > y;
}

static gdouble
bench_median(GArray *times)
{
	g_array_sort(times, bench_compare_cb);
	return g_array_index(times, gdouble, times->len / 2);
}

static VmdsStore *
bench_store(const gchar *dir, const gchar *name, guint n, GError **error)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_autoptr(GPtrArray) schemas = g_ptr_array_new();
	g_autoptr(VmdsStore) store = NULL;

	g_ptr_array_add(schemas, (gpointer)&vmds_guestinfo_schema);
	g_ptr_array_add(schemas, (gpointer)&vmds_vapp_schema);
	store = vmds_store_open(path, schemas, error);
	if (store == NULL || !vmds_vapp_configure(store, "vm-1", TRUE, TRUE, TRUE, error))
		return NULL;
	for (guint i = 0; i < n; i++) {
		g_autoptr(VmdsVappProperty) p = vmds_vapp_property_new();
		p->key = -1;
		p->id = g_strdup_printf("com.example.appliance.setting-%04u", i);
		p->category = g_strdup("Application");
		p->label = g_strdup_printf("Setting %u", i);
		p->type = g_strdup(i % 10 == 1 ? "boolean" : i % 10 == 2 ? "password" : "string");
		p->value =
		    g_strdup(i % 10 == 1 ? "true" : "0123456789012345678901234567890123456789");
		if (!vmds_vapp_add(store, "vm-1", p, error))
			return NULL;
	}
	return g_steal_pointer(&store);
}

/* ROUNDS changes of property 0's value, each timed */
static GArray *
bench_updates(VmdsStore *store, guint rounds, GError **error)
{
	g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(VmdsVappProperty) p = vmds_vapp_get(store, 0, error);

	if (p == NULL)
		return NULL;
	for (guint i = 0; i < rounds; i++) {
		gint64 start = g_get_monotonic_time();
		gdouble ms;
		g_free(p->value);
		p->value = g_strdup_printf("value-%u", i);
		if (!vmds_vapp_update(store, "vm-1", p, error))
			return NULL;
		ms = (gdouble)(g_get_monotonic_time() - start) / 1000.0;
		g_array_append_val(times, ms);
	}
	return g_steal_pointer(&times);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) large = NULL;
	g_autoptr(VmdsStore) small = NULL;
	g_autoptr(GArray) large_times = NULL;
	g_autoptr(GArray) small_times = NULL;
	g_autoptr(GArray) iso_times = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_auto(VmdsVappState) state = {0};
	guint n, rounds;

	if (argc != 4) {
		fprintf(stderr, "usage: vmds-vapp-env DIR PROPERTIES ROUNDS\n");
		return 2;
	}
	n = (guint)g_ascii_strtoull(argv[2], NULL, 10);
	rounds = (guint)g_ascii_strtoull(argv[3], NULL, 10);
	large = bench_store(argv[1], "large.dsd", n, &error);
	small = large != NULL ? bench_store(argv[1], "small.dsd", 1, &error) : NULL;
	large_times = small != NULL ? bench_updates(large, rounds, &error) : NULL;
	small_times = large_times != NULL ? bench_updates(small, rounds, &error) : NULL;
	if (small_times == NULL || !vmds_vapp_get_state(large, &state, &error)) {
		fprintf(stderr, "vmds-vapp-env: %s\n", error->message);
		return 1;
	}
	for (guint i = 0; i < rounds; i++) {
		gint64 start = g_get_monotonic_time();
		g_autoptr(GBytes) iso = vmds_ovf_iso_build(state.env, state.env_changed, &error);
		gdouble ms = (gdouble)(g_get_monotonic_time() - start) / 1000.0;
		if (iso == NULL) {
			fprintf(stderr, "vmds-vapp-env: %s\n", error->message);
			return 1;
		}
		g_array_append_val(iso_times, ms);
	}
	printf("{\"properties\":%u,\"env_bytes\":%" G_GSIZE_FORMAT ",\"rounds\":%u,"
	       "\"update_ms\":%.3f,\"update_1_property_ms\":%.3f,\"iso_build_ms\":%.3f}\n",
	       n,
	       g_bytes_get_size(state.env),
	       rounds,
	       bench_median(large_times),
	       bench_median(small_times),
	       bench_median(iso_times));
	return 0;
}
