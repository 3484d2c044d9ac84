/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-guestinfo.h"
#include "vmds-test-store.h"
#include "vmds-test.h"
#include "vmds-vapp.h"

/*
 * vApp properties in a real store: enabling, transports, the property
 * schema checked against the type grammar, all-or-nothing imports, and the
 * environment published as the guestinfo variable ovfEnv (which a guest's
 * info-set overrides until the environment next changes).
 */

static gchar *test_dir = NULL;
static gchar *test_path = NULL;
static GPtrArray *test_schemas = NULL;
static VmdsStore *test_store = NULL;

static void
setup(void)
{
	g_autoptr(GError) error = NULL;

	test_dir = g_dir_make_tmp("vmds-test-vapp-XXXXXX", NULL);
	ck_assert_ptr_nonnull(test_dir);
	test_path = g_build_filename(test_dir, "vm-1", "vm-1.dsd", NULL);
	test_schemas = g_ptr_array_new();
	g_ptr_array_add(test_schemas, (gpointer)&vmds_guestinfo_schema);
	g_ptr_array_add(test_schemas, (gpointer)&vmds_vapp_schema);
	test_store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_msg(test_store != NULL, "%s", error != NULL ? error->message : "");
}

static void
teardown(void)
{
	g_clear_object(&test_store);
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
	g_clear_pointer(&test_path, g_free);
	g_clear_pointer(&test_schemas, g_ptr_array_unref);
}

static VmdsVappProperty *
property(const gchar *id, const gchar *type, const gchar *value, const gchar *default_value)
{
	VmdsVappProperty *p = vmds_vapp_property_new();

	p->key = -1;
	p->id = g_strdup(id);
	p->type = g_strdup(type);
	p->value = g_strdup(value);
	p->default_value = g_strdup(default_value);
	return p;
}

static void
enable(gboolean guestinfo, gboolean iso)
{
	g_autoptr(GError) error = NULL;

	ck_assert_msg(vmds_vapp_configure(test_store, "vm-1", TRUE, guestinfo, iso, &error),
		      "%s",
		      error != NULL ? error->message : "");
}

static gint64
add(const gchar *id, const gchar *type, const gchar *value, const gchar *default_value)
{
	g_autoptr(VmdsVappProperty) p = property(id, type, value, default_value);
	g_autoptr(GError) error = NULL;

	ck_assert_msg(vmds_vapp_add(test_store, "vm-1", p, &error),
		      "%s: %s",
		      id,
		      error != NULL ? error->message : "");
	return p->key;
}

/* takes @owned */
static void
add_fails(VmdsVappProperty *owned, gint code)
{
	g_autoptr(VmdsVappProperty) p = owned;
	g_autoptr(GError) error = NULL;

	ck_assert_msg(!vmds_vapp_add(test_store, "vm-1", p, &error), "%s was taken", p->id);
	ck_assert_msg(g_error_matches(error, VMDS_ERROR, code),
		      "%s: %s",
		      p->id,
		      error != NULL ? error->message : "(none)");
}

/* the environment as stored, NUL-terminated; NULL for none */
static gchar *
env_text(void)
{
	g_auto(VmdsVappState) state = {0};
	g_autoptr(GError) error = NULL;

	ck_assert(vmds_vapp_get_state(test_store, &state, &error));
	if (state.env == NULL)
		return NULL;
	return g_strndup(g_bytes_get_data(state.env, NULL), g_bytes_get_size(state.env));
}

/* the guestinfo variable ovfEnv, or NULL */
static gchar *
ovf_env_variable(void)
{
	g_autoptr(GError) error = NULL;
	gchar *value = vmds_guestinfo_get(test_store, "ovfenv", &error);

	ck_assert((value == NULL) == g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND));
	return value;
}

static void
assert_env_has(const gchar *key, const gchar *value)
{
	g_autofree gchar *env = env_text();
	g_autofree gchar *attrs = g_strdup_printf("oe:key=\"%s\" oe:value=\"%s\"", key, value);

	ck_assert_ptr_nonnull(env);
	ck_assert_msg(strstr(env, attrs) != NULL, "no %s in\n%s", attrs, env);
}

START_TEST(test_vapp_disabled)
{
	g_auto(VmdsVappState) state = {0};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *env = NULL;
	g_autofree gchar *variable = NULL;

	/* a new VM: no vApp, no environment, no variable */
	ck_assert(vmds_vapp_get_state(test_store, &state, &error));
	ck_assert(!state.enabled && !state.transport_guestinfo && !state.transport_iso);
	add_fails(property("a", "string", "x", NULL), VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE);
	env = env_text();
	ck_assert_ptr_null(env);
	variable = ovf_env_variable();
	ck_assert_ptr_null(variable);
}
END_TEST

START_TEST(test_vapp_properties)
{
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(VmdsVappProperty) got = NULL;
	g_autoptr(GError) error = NULL;
	VmdsVappProperty *p;

	enable(TRUE, FALSE);
	/* keys: the next free one from 0, or the one given */
	ck_assert_int_eq(add("hostname", "string(1..63)", "web-1", NULL), 0);
	ck_assert_int_eq(add("port", "int(1..65535)", "", "8080"), 1);
	p = property("debug", "boolean", "true", "False");
	p->key = 10;
	p->class_id = g_strdup("vm");
	p->instance_id = g_strdup("1");
	ck_assert(vmds_vapp_add(test_store, "vm-1", p, &error));
	vmds_vapp_property_free(p);
	ck_assert_int_eq(add("secret", "password(8..)", "hunter2hunter2", NULL), 11);

	/* the environment: values, defaults for empty ones, booleans as
	 * True/False, keys classId.id.instanceId, passwords in clear */
	assert_env_has("hostname", "web-1");
	assert_env_has("port", "8080");
	assert_env_has("vm.debug.1", "True");
	assert_env_has("secret", "hunter2hunter2");

	/* refusals: taken key or id, a value or default not of the type, a
	 * type the API cannot assign, no id, a bad type; nothing changes */
	p = property("other", "string", "", NULL);
	p->key = 0;
	add_fails(p, VMDS_ERROR_ALREADY_EXISTS);
	add_fails(property("hostname", "string", "", NULL), VMDS_ERROR_ALREADY_EXISTS);
	add_fails(property("n", "int(0..9)", "10", NULL), VMDS_ERROR_INVALID_ARGUMENT);
	add_fails(property("n", "int(0..9)", "", "-1"), VMDS_ERROR_INVALID_ARGUMENT);
	add_fails(property("n", "boolean", "yes", NULL), VMDS_ERROR_INVALID_ARGUMENT);
	add_fails(property("n", "ip", "300.1.1.1", NULL), VMDS_ERROR_INVALID_ARGUMENT);
	add_fails(property("n", "expression", "", NULL), VMDS_ERROR_INVALID_ARGUMENT);
	add_fails(property("n", "ip:VM Network", "", NULL), VMDS_ERROR_INVALID_ARGUMENT);
	add_fails(property("n", "integer", "", NULL), VMDS_ERROR_INVALID_ARGUMENT);
	add_fails(property("", "string", "", NULL), VMDS_ERROR_INVALID_ARGUMENT);
	add_fails(property("n", "string", "a\001b", NULL), VMDS_ERROR_INVALID_ARGUMENT);
	all = vmds_vapp_list(test_store, &error);
	ck_assert_uint_eq(all->len, 4);

	/* update replaces in whole; remove */
	got = vmds_vapp_get(test_store, 1, &error);
	ck_assert_str_eq(got->id, "port");
	g_free(got->value);
	got->value = g_strdup("443");
	ck_assert(vmds_vapp_update(test_store, "vm-1", got, &error));
	assert_env_has("port", "443");
	g_free(got->value);
	got->value = g_strdup("70000");
	ck_assert(!vmds_vapp_update(test_store, "vm-1", got, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	g_clear_error(&error);
	assert_env_has("port", "443");
	g_free(got->id);
	got->id = g_strdup("hostname");
	g_free(got->value);
	got->value = g_strdup("1");
	ck_assert(!vmds_vapp_update(test_store, "vm-1", got, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_ALREADY_EXISTS));
	g_clear_error(&error);
	ck_assert(vmds_vapp_remove(test_store, "vm-1", 1, &error));
	ck_assert(!vmds_vapp_remove(test_store, "vm-1", 1, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND));
	g_clear_error(&error);
	got->key = 1;
	ck_assert(!vmds_vapp_update(test_store, "vm-1", got, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND));
}
END_TEST

START_TEST(test_vapp_guestinfo_transport)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *env = NULL;
	g_autofree gchar *variable = NULL;
	g_autoptr(VmdsVappProperty) p = NULL;

	/* the iso transport alone: an environment, no variable */
	enable(FALSE, TRUE);
	add("hostname", "string", "web-1", NULL);
	env = env_text();
	ck_assert_ptr_nonnull(env);
	variable = ovf_env_variable();
	ck_assert_ptr_null(variable);

	/* guestInfo on: the variable is the environment */
	enable(TRUE, TRUE);
	variable = ovf_env_variable();
	ck_assert_str_eq(variable, env);
	g_clear_pointer(&variable, g_free);

	/* a guest's info-set stays while the environment does not change... */
	ck_assert(vmds_guestinfo_set(test_store, "ovfEnv", "NULL", TRUE, 1024, &error));
	p = vmds_vapp_get(test_store, 0, &error);
	g_free(p->label);
	p->label = g_strdup("Host name");
	ck_assert(vmds_vapp_update(test_store, "vm-1", p, &error));
	variable = ovf_env_variable();
	ck_assert_str_eq(variable, "NULL");
	g_clear_pointer(&variable, g_free);

	/* ...and the environment's next change replaces it */
	g_free(p->value);
	p->value = g_strdup("web-2");
	ck_assert(vmds_vapp_update(test_store, "vm-1", p, &error));
	g_clear_pointer(&env, g_free);
	env = env_text();
	variable = ovf_env_variable();
	ck_assert_str_eq(variable, env);
	g_clear_pointer(&variable, g_free);

	/* guestInfo off: the host's variable goes; a guest's would stay */
	enable(FALSE, TRUE);
	variable = ovf_env_variable();
	ck_assert_ptr_null(variable);
	enable(TRUE, TRUE);
	ck_assert(vmds_guestinfo_set(test_store, "ovfEnv", " ", TRUE, 1024, &error));
	enable(FALSE, TRUE);
	variable = ovf_env_variable();
	ck_assert_str_eq(variable, " ");
}
END_TEST

START_TEST(test_vapp_disable_deletes)
{
	g_auto(VmdsVappState) state = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) all = NULL;
	g_autofree gchar *env = NULL;
	g_autofree gchar *variable = NULL;

	enable(TRUE, TRUE);
	add("a", "string", "1", NULL);
	add("b", "string", "2", NULL);
	ck_assert(vmds_vapp_configure(test_store, "vm-1", FALSE, TRUE, TRUE, &error));
	ck_assert(vmds_vapp_get_state(test_store, &state, &error));
	ck_assert(!state.enabled && !state.transport_guestinfo && !state.transport_iso);
	ck_assert_uint_eq(state.properties, 0);
	env = env_text();
	ck_assert_ptr_null(env);
	variable = ovf_env_variable();
	ck_assert_ptr_null(variable);
	/* enabled again: the old properties are gone for good */
	enable(TRUE, FALSE);
	all = vmds_vapp_list(test_store, &error);
	ck_assert_uint_eq(all->len, 0);
}
END_TEST

static VmdsOvfDescriptor *
descriptor(void)
{
	VmdsOvfDescriptor *d = g_new0(VmdsOvfDescriptor, 1);

	d->properties = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_vapp_property_free);
	d->transport_guestinfo = TRUE;
	return d;
}

START_TEST(test_vapp_import)
{
	g_autoptr(VmdsOvfDescriptor) good = descriptor();
	g_autoptr(VmdsOvfDescriptor) bad = descriptor();
	g_autoptr(GArray) keys = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsVappProperty) p = NULL;
	g_autoptr(GPtrArray) all = NULL;
	g_auto(VmdsVappState) state = {0};

	/* all or nothing: the second property is bad, so vApp stays off */
	g_ptr_array_add(bad->properties, property("a", "string", "", "x"));
	g_ptr_array_add(bad->properties, property("b", "int(0..1)", "", "2"));
	ck_assert_ptr_null(vmds_vapp_import(test_store, "vm-1", bad, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	g_clear_error(&error);
	ck_assert(vmds_vapp_get_state(test_store, &state, &error));
	ck_assert(!state.enabled);

	/* a type the API cannot assign comes with a descriptor, and keeps its
	 * value in the environment */
	g_ptr_array_add(good->properties, property("a", "string", "", "x"));
	g_ptr_array_add(good->properties, property("gw", "ip:VM Network", "", "10.0.0.1"));
	keys = vmds_vapp_import(test_store, "vm-1", good, &error);
	ck_assert_msg(keys != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_uint_eq(keys->len, 2);
	ck_assert_int_eq(g_array_index(keys, gint64, 0), 0);
	ck_assert_int_eq(g_array_index(keys, gint64, 1), 1);
	assert_env_has("gw", "10.0.0.1");
	g_clear_pointer(&keys, g_array_unref);

	/* it may keep that type and value while the rest changes... */
	p = vmds_vapp_get(test_store, 1, &error);
	g_free(p->label);
	p->label = g_strdup("Gateway");
	ck_assert_msg(vmds_vapp_update(test_store, "vm-1", p, &error), "%s", error->message);
	/* ...but no value is assigned to it */
	g_free(p->value);
	p->value = g_strdup("10.0.0.2");
	ck_assert(!vmds_vapp_update(test_store, "vm-1", p, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	g_clear_error(&error);

	/* a second import of the same ids changes nothing */
	ck_assert_ptr_null(vmds_vapp_import(test_store, "vm-1", good, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_ALREADY_EXISTS));
	all = vmds_vapp_list(test_store, &error);
	ck_assert_uint_eq(all->len, 2);
}
END_TEST

START_TEST(test_vapp_publish)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_auto(VmdsVappState) state = {0};
	gint64 changed;

	enable(TRUE, FALSE);
	add("a", "string", "1", NULL);
	before = env_text();
	ck_assert(vmds_vapp_get_state(test_store, &state, &error));
	changed = state.env_changed;
	vmds_vapp_state_clear(&state);

	/* nothing to say anew: nothing written */
	ck_assert(vmds_vapp_publish(test_store, "vm-1", &error));
	ck_assert(vmds_vapp_get_state(test_store, &state, &error));
	ck_assert_int_eq(state.env_changed, changed);
	vmds_vapp_state_clear(&state);

	/* a clone: the environment names the VM it is in */
	ck_assert(vmds_vapp_publish(test_store, "vm-2", &error));
	after = env_text();
	ck_assert(strstr(before, "ve:vCenterId=\"vm-1\"") != NULL);
	ck_assert(strstr(after, "ve:vCenterId=\"vm-2\"") != NULL);
	ck_assert(vmds_vapp_get_state(test_store, &state, &error));
	ck_assert_int_ge(state.env_changed, changed);
}
END_TEST

static Suite *
vapp_suite(void)
{
	Suite *s = suite_create("vapp");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_vapp_disabled);
	tcase_add_test(tc, test_vapp_properties);
	tcase_add_test(tc, test_vapp_guestinfo_transport);
	tcase_add_test(tc, test_vapp_disable_deletes);
	tcase_add_test(tc, test_vapp_import);
	tcase_add_test(tc, test_vapp_publish);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(vapp_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
