/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-metadata.h"
#include "vmds-test-store.h"
#include "vmds-test.h"

/*
 * vCD object metadata in a real store (issue 12, seed 003, the shared
 * design): typed values, keys, domains x visibility x role, limits at N and
 * N + 1, merges, objects, the generation. The expected outcomes are written
 * from those texts; the instants from `date -u -d ... +%s`.
 */

/* success, where a VmdsError is expected otherwise (INVALID_ARGUMENT is 0) */
#define OK (-1)

static gchar *test_dir = NULL;
static GPtrArray *test_schemas = NULL;
static VmdsStore *test_store = NULL;

static const VmdsMetadataObject vm = {VMDS_METADATA_OBJECT_VM, ""};
static const VmdsMetadataObject ds_a = {VMDS_METADATA_OBJECT_DATASET, "a"};
static const VmdsMetadataObject ds_b = {VMDS_METADATA_OBJECT_DATASET, "b"};

typedef enum { ADMIN, OWNER, OWNER_VC } Role;

static const VmdsMetadataViewer viewers[] = {
    [ADMIN] = {"root", TRUE, FALSE},
    [OWNER] = {"alice", FALSE, FALSE},
    [OWNER_VC] = {"bob", FALSE, TRUE},
};

#define GENERAL	  VMDS_METADATA_GENERAL
#define SYSTEM	  VMDS_METADATA_SYSTEM
#define VCENTER	  VMDS_METADATA_VCENTER
#define READWRITE VMDS_METADATA_READWRITE
#define READONLY  VMDS_METADATA_READONLY
#define PRIVATE	  VMDS_METADATA_PRIVATE
#define STRING	  VMDS_METADATA_STRING
#define NUMBER	  VMDS_METADATA_NUMBER
#define DATETIME  VMDS_METADATA_DATETIME
#define BOOLEAN	  VMDS_METADATA_BOOLEAN

static VmdsStore *
open_store(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	VmdsStore *store = vmds_store_open(path, test_schemas, &error);

	ck_assert_msg(store != NULL, "%s", error != NULL ? error->message : "");
	return store;
}

static void
setup(void)
{
	g_autofree gchar *path = NULL;

	test_dir = g_dir_make_tmp("vmds-test-metadata-XXXXXX", NULL);
	ck_assert_ptr_nonnull(test_dir);
	path = g_build_filename(test_dir, "vm-1", "vm-1.dsd", NULL);
	test_schemas = g_ptr_array_new();
	g_ptr_array_add(test_schemas, (gpointer)&vmds_metadata_schema);
	test_store = open_store(path);
}

static void
teardown(void)
{
	g_clear_object(&test_store);
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
	g_clear_pointer(&test_schemas, g_ptr_array_unref);
}

static guint64
generation(void)
{
	g_autoptr(GError) error = NULL;
	guint64 g = G_MAXUINT64;

	ck_assert_msg(vmds_metadata_get_generation(test_store, &g, &error),
		      "%s",
		      error != NULL ? error->message : "");
	return g;
}

static GPtrArray *
batch_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_entry_free);
}

static void
batch_add(GPtrArray *batch,
	  VmdsMetadataDomain domain,
	  VmdsMetadataVisibility visibility,
	  const gchar *key,
	  VmdsMetadataType type,
	  const gchar *value)
{
	g_ptr_array_add(batch, vmds_metadata_entry_new(domain, visibility, key, type, value));
}

/* a merge whose outcome is @code (OK or a VmdsError) */
static void
merge_expect(const VmdsMetadataObject *object, Role role, GPtrArray *batch, gint code)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = vmds_metadata_merge(test_store, object, &viewers[role], batch, &error);

	ck_assert(ok == (error == NULL));
	if (code == OK)
		ck_assert_msg(ok, "%s", error->message);
	else
		assert_error(error, code);
}

static void
set_expect(const VmdsMetadataObject *object,
	   Role role,
	   VmdsMetadataDomain domain,
	   VmdsMetadataVisibility visibility,
	   const gchar *key,
	   VmdsMetadataType type,
	   const gchar *value,
	   gint code)
{
	g_autoptr(VmdsMetadataEntry) entry =
	    vmds_metadata_entry_new(domain, visibility, key, type, value);
	g_autoptr(GError) error = NULL;
	gboolean ok = vmds_metadata_set(test_store, object, &viewers[role], entry, &error);

	ck_assert(ok == (error == NULL));
	if (code == OK)
		ck_assert_msg(ok, "%s: %s", key, error->message);
	else
		assert_error(error, code);
}

static void
set_ok(const VmdsMetadataObject *object,
       VmdsMetadataDomain domain,
       VmdsMetadataVisibility visibility,
       const gchar *key,
       VmdsMetadataType type,
       const gchar *value)
{
	set_expect(object, ADMIN, domain, visibility, key, type, value, OK);
}

/* the value of an entry as @role sees it; NULL when NOT_FOUND */
static VmdsMetadataEntry *
get(const VmdsMetadataObject *object, Role role, VmdsMetadataDomain domain, const gchar *key)
{
	g_autoptr(GError) error = NULL;
	VmdsMetadataEntry *entry =
	    vmds_metadata_get(test_store, object, &viewers[role], domain, key, &error);

	ck_assert((entry == NULL) == (error != NULL));
	if (entry == NULL)
		assert_error(error, VMDS_ERROR_NOT_FOUND);
	return entry;
}

static gchar *
get_value(const VmdsMetadataObject *object, Role role, VmdsMetadataDomain domain, const gchar *key)
{
	g_autoptr(VmdsMetadataEntry) entry = get(object, role, domain, key);

	return entry != NULL ? g_strdup(entry->value) : NULL;
}

static void
assert_value(const VmdsMetadataObject *object,
	     VmdsMetadataDomain domain,
	     const gchar *key,
	     const gchar *expected)
{
	g_autofree gchar *value = get_value(object, ADMIN, domain, key);

	if (expected == NULL)
		ck_assert_msg(value == NULL, "%s is there: %s", key, value);
	else
		ck_assert_msg(g_strcmp0(value, expected) == 0,
			      "%s: '%s', not '%s'",
			      key,
			      value != NULL ? value : "(none)",
			      expected);
}

static void
remove_expect(const VmdsMetadataObject *object,
	      Role role,
	      VmdsMetadataDomain domain,
	      const gchar *key,
	      gint code)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = vmds_metadata_remove(test_store, object, &viewers[role], domain, key, &error);

	ck_assert(ok == (error == NULL));
	if (code == OK)
		ck_assert_msg(ok, "%s: %s", key, error->message);
	else
		assert_error(error, code);
}

/* the entries @role sees, as "DOMAIN/key" joined by spaces */
static gchar *
list_text(const VmdsMetadataObject *object, Role role)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries =
	    vmds_metadata_list(test_store, object, &viewers[role], &error);
	g_autoptr(GString) text = g_string_new(NULL);

	ck_assert_msg(entries != NULL, "%s", error != NULL ? error->message : "");
	for (guint i = 0; i < entries->len; i++) {
		VmdsMetadataEntry *e = g_ptr_array_index(entries, i);
		g_string_append_printf(text,
				       "%s%s/%s",
				       i > 0 ? " " : "",
				       vmds_metadata_domain_to_string(e->domain),
				       e->key);
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* values */

static const struct {
	VmdsMetadataType type;
	const gchar *text;
	const gchar *canonical; /* NULL: refused */
	gint64 num;
} value_cases[] = {
    /* NUMBER: xsd:long, exact bounds */
    {NUMBER, "0", "0", 0},
    {NUMBER, "-0", "0", 0},
    {NUMBER, "+0", "0", 0},
    {NUMBER, "+42", "42", 42},
    {NUMBER, "-42", "-42", -42},
    {NUMBER, "007", "7", 7},
    {NUMBER, "-007", "-7", -7},
    {NUMBER, "9223372036854775807", "9223372036854775807", G_MAXINT64},
    {NUMBER, "+9223372036854775807", "9223372036854775807", G_MAXINT64},
    {NUMBER, "9223372036854775806", "9223372036854775806", G_MAXINT64 - 1},
    {NUMBER, "0000000000000000000009223372036854775807", "9223372036854775807", G_MAXINT64},
    {NUMBER, "9223372036854775808", NULL, 0},
    {NUMBER, "-9223372036854775808", "-9223372036854775808", G_MININT64},
    {NUMBER, "-9223372036854775807", "-9223372036854775807", G_MININT64 + 1},
    {NUMBER, "-9223372036854775809", NULL, 0},
    {NUMBER, "18446744073709551616", NULL, 0},
    {NUMBER, "99999999999999999999999", NULL, 0},
    {NUMBER, "notANumber", NULL, 0},
    {NUMBER, "", NULL, 0},
    {NUMBER, "+", NULL, 0},
    {NUMBER, "-", NULL, 0},
    {NUMBER, " 1", NULL, 0},
    {NUMBER, "1 ", NULL, 0},
    {NUMBER, "1.0", NULL, 0},
    {NUMBER, "1e3", NULL, 0},
    {NUMBER, "0x1F", NULL, 0},
    {NUMBER, "--1", NULL, 0},
    {NUMBER, "+-1", NULL, 0},
    {NUMBER, "1_000", NULL, 0},
    {NUMBER, "\xd9\xa1", NULL, 0}, /* ARABIC-INDIC DIGIT ONE */
    /* BOOLEAN: 1, 0, true, false, case-sensitive */
    {BOOLEAN, "true", "true", 1},
    {BOOLEAN, "false", "false", 0},
    {BOOLEAN, "1", "true", 1},
    {BOOLEAN, "0", "false", 0},
    {BOOLEAN, "notABool", NULL, 0},
    {BOOLEAN, "TRUE", NULL, 0},
    {BOOLEAN, "True", NULL, 0},
    {BOOLEAN, "yes", NULL, 0},
    {BOOLEAN, "", NULL, 0},
    {BOOLEAN, " true", NULL, 0},
    {BOOLEAN, "01", NULL, 0},
    {BOOLEAN, "-1", NULL, 0},
    /* DATETIME: the UTC instant; 2012-06-18T17:00:00Z is 1340038800 */
    {DATETIME, "2012-06-18T12:00:00-05:00", "2012-06-18T17:00:00Z", 1340038800000000},
    {DATETIME, "2012-06-18T17:00:00Z", "2012-06-18T17:00:00Z", 1340038800000000},
    {DATETIME, "2012-06-18T17:00:00", "2012-06-18T17:00:00Z", 1340038800000000},
    {DATETIME, "2012-06-18T17:00:00+00:00", "2012-06-18T17:00:00Z", 1340038800000000},
    {DATETIME, "2012-06-18T17:00:00-00:00", "2012-06-18T17:00:00Z", 1340038800000000},
    {DATETIME, "2012-06-19T02:30:00+09:30", "2012-06-18T17:00:00Z", 1340038800000000},
    {DATETIME, "2012-06-18T12:00:00+14:00", "2012-06-17T22:00:00Z", 1339970400000000},
    {DATETIME, "2012-06-18T12:00:00-14:00", "2012-06-19T02:00:00Z", 1340071200000000},
    {DATETIME, "2012-06-18T17:00:00.5Z", "2012-06-18T17:00:00.5Z", 1340038800500000},
    {DATETIME, "2012-06-18T17:00:00.000001Z", "2012-06-18T17:00:00.000001Z", 1340038800000001},
    {DATETIME, "2012-06-18T17:00:00.123456Z", "2012-06-18T17:00:00.123456Z", 1340038800123456},
    {DATETIME, "2012-06-18T17:00:00.1234560Z", "2012-06-18T17:00:00.123456Z", 1340038800123456},
    {DATETIME, "2012-06-18T17:00:00.000Z", "2012-06-18T17:00:00Z", 1340038800000000},
    {DATETIME, "2012-06-18T17:00:00.1234567Z", NULL, 0},
    {DATETIME, "2012-12-31T23:00:00-05:00", "2013-01-01T04:00:00Z", 1357012800000000},
    {DATETIME, "2012-06-18T24:00:00Z", "2012-06-19T00:00:00Z", 1340064000000000},
    {DATETIME, "2012-06-18T24:00:00.0Z", "2012-06-19T00:00:00Z", 1340064000000000},
    {DATETIME, "2012-06-18T24:00:01Z", NULL, 0},
    {DATETIME, "2012-06-18T24:00:00.1Z", NULL, 0},
    {DATETIME, "2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z", 951782400000000},
    {DATETIME, "2013-02-29T00:00:00Z", NULL, 0},
    {DATETIME, "1900-02-29T00:00:00Z", NULL, 0},
    {DATETIME, "2012-04-31T00:00:00Z", NULL, 0},
    {DATETIME, "2012-13-01T00:00:00Z", NULL, 0},
    {DATETIME, "2012-00-10T00:00:00Z", NULL, 0},
    {DATETIME, "2012-06-00T00:00:00Z", NULL, 0},
    {DATETIME, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", 0},
    {DATETIME, "1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z", -1},
    {DATETIME, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", -62135596800000000},
    {DATETIME, "0001-01-01T00:30:00+00:30", "0001-01-01T00:00:00Z", -62135596800000000},
    {DATETIME, "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z", 253402300799999999},
    {DATETIME, "0000-01-01T00:00:00Z", NULL, 0},
    {DATETIME, "10000-01-01T00:00:00Z", NULL, 0},
    {DATETIME, "-0001-01-01T00:00:00Z", NULL, 0},
    {DATETIME, "0001-01-01T00:00:00+00:01", NULL, 0},
    {DATETIME, "9999-12-31T23:00:00-01:00", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00+14:01", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00+15:00", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00+05:60", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00+0500", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00+05", NULL, 0},
    {DATETIME, "2012-06-18T23:59:60Z", NULL, 0},
    {DATETIME, "2012-06-18T12:60:00Z", NULL, 0},
    {DATETIME, "2012-06-18T25:00:00Z", NULL, 0},
    {DATETIME, "notADate", NULL, 0},
    {DATETIME, "", NULL, 0},
    {DATETIME, "2012-06-18", NULL, 0},
    {DATETIME, "2012-06-18T12:00Z", NULL, 0},
    {DATETIME, "2012-06-18 12:00:00Z", NULL, 0},
    {DATETIME, "2012-06-18t12:00:00Z", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00z", NULL, 0},
    {DATETIME, "2012-6-18T12:00:00Z", NULL, 0},
    {DATETIME, "2012-06-18T1:00:00Z", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00.Z", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00Z ", NULL, 0},
    {DATETIME, " 2012-06-18T12:00:00Z", NULL, 0},
    {DATETIME, "2012-06-18T12:00:00ZZ", NULL, 0},
    /* STRING: UTF-8, as sent */
    {STRING, "", "", 0},
    {STRING, "prod", "prod", 0},
    {STRING, "h\xc3\xa9llo \xe2\x9c\x93", "h\xc3\xa9llo \xe2\x9c\x93", 0},
    {STRING, "a;b/../c", "a;b/../c", 0},
    {STRING, " 42 ", " 42 ", 0},
    {STRING, "\xff", NULL, 0},
    {STRING, "\xc3", NULL, 0},
    {STRING, "\xed\xa0\x80", NULL, 0}, /* a UTF-16 surrogate */
};

START_TEST(test_metadata_value)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *canonical = NULL;
	gint64 num = 12345;
	gboolean ok = vmds_metadata_parse_value(
	    value_cases[_i].type, value_cases[_i].text, &canonical, &num, &error);

	ck_assert(ok == (error == NULL));
	if (value_cases[_i].canonical == NULL) {
		ck_assert_msg(!ok,
			      "%s '%s' taken as '%s'",
			      vmds_metadata_type_to_string(value_cases[_i].type),
			      value_cases[_i].text,
			      canonical);
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
		return;
	}
	ck_assert_msg(ok, "'%s': %s", value_cases[_i].text, error != NULL ? error->message : "");
	ck_assert_str_eq(canonical, value_cases[_i].canonical);
	ck_assert_int_eq(num, value_cases[_i].num);
}
END_TEST

/* instants compare as instants, not as text */
static const struct {
	const gchar *a;
	const gchar *b;
	gint cmp;
} instant_cases[] = {
    {"2012-06-18T12:00:00-05:00", "2012-06-19T02:30:00+09:30", 0},
    {"2012-06-18T12:00:00-05:00", "2012-06-18T17:00:00", 0},
    {"2012-06-18T12:00:00-05:00", "2012-06-18T13:00:00-03:00", 1},
    {"2012-06-18T23:00:00+01:00", "2012-06-18T22:30:00Z", -1},
    {"2012-06-18T24:00:00Z", "2012-06-19T00:00:00Z", 0},
    {"1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z", -1},
};

START_TEST(test_metadata_value_instants)
{
	g_autoptr(GError) error = NULL;
	gint64 a = 0, b = 0;

	ck_assert(vmds_metadata_parse_value(DATETIME, instant_cases[_i].a, NULL, &a, &error));
	ck_assert(vmds_metadata_parse_value(DATETIME, instant_cases[_i].b, NULL, &b, &error));
	ck_assert_int_eq((a > b) - (a < b), instant_cases[_i].cmp);
}
END_TEST

START_TEST(test_metadata_value_names)
{
	static const struct {
		VmdsMetadataType type;
		const gchar *name;
		const gchar *api_name;
	} names[] = {
	    {STRING, "STRING", "MetadataStringValue"},
	    {NUMBER, "NUMBER", "MetadataNumberValue"},
	    {DATETIME, "DATETIME", "MetadataDateTimeValue"},
	    {BOOLEAN, "BOOLEAN", "MetadataBooleanValue"},
	};
	VmdsMetadataType type;
	VmdsMetadataDomain domain;
	VmdsMetadataVisibility visibility;
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		ck_assert_str_eq(vmds_metadata_type_to_string(names[i].type), names[i].name);
		ck_assert_str_eq(vmds_metadata_type_to_api_name(names[i].type), names[i].api_name);
		ck_assert(vmds_metadata_type_from_string(names[i].name, &type));
		ck_assert_int_eq(type, names[i].type);
		ck_assert(vmds_metadata_type_from_api_name(names[i].api_name, &type));
		ck_assert_int_eq(type, names[i].type);
	}
	ck_assert(!vmds_metadata_type_from_string("string", &type));
	ck_assert(!vmds_metadata_type_from_api_name("MetadataIntegerValue", &type));
	ck_assert_ptr_null(vmds_metadata_type_to_string((VmdsMetadataType)4));
	ck_assert(vmds_metadata_domain_from_string("SYSTEM", &domain));
	ck_assert_int_eq(domain, SYSTEM);
	ck_assert(!vmds_metadata_domain_from_string("system", &domain));
	ck_assert_str_eq(vmds_metadata_domain_to_string(VCENTER), "VCENTER");
	ck_assert(vmds_metadata_visibility_from_string("PRIVATE", &visibility));
	ck_assert_int_eq(visibility, PRIVATE);
	ck_assert(!vmds_metadata_visibility_from_string("HIDDEN", &visibility));
	/* an unknown type is refused, not a crash */
	ck_assert(!vmds_metadata_parse_value((VmdsMetadataType)9, "1", NULL, NULL, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
}
END_TEST

/* keys */

static const struct {
	const gchar *key;
	gboolean ok;
} key_cases[] = {
    {"a", TRUE},       {"env", TRUE},	 {"a/b", TRUE},	   {"a//b", TRUE},	 {"/", TRUE},
    {"/a/", TRUE},     {"a/.b", TRUE},	 {"a/..b", TRUE},  {"a./b", TRUE},	 {".a", TRUE},
    {"..a", TRUE},     {"a.", TRUE},	 {"a..", TRUE},	   {".../a", TRUE},	 {"a/...", TRUE},
    {"a/.../b", TRUE}, {"%2E%2E", TRUE}, {"a b", TRUE},	   {"cl\xc3\xa9", TRUE}, {"", FALSE},
    {";", FALSE},      {"a;b", FALSE},	 {"a;", FALSE},	   {"a/./b", FALSE},	 {"a/../b", FALSE},
    {"/./", FALSE},    {"/../", FALSE},	 {"./a", FALSE},   {"../a", FALSE},	 {"./", FALSE},
    {"../", FALSE},    {"a/.", FALSE},	 {"a/..", FALSE},  {"/.", FALSE},	 {"/..", FALSE},
    {".", FALSE},      {"..", FALSE},	 {"a\xff", FALSE}, {"\xc3", FALSE},
};

START_TEST(test_metadata_key)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = vmds_metadata_check_key(key_cases[_i].key, &error);

	ck_assert(ok == (error == NULL));
	ck_assert_msg(ok == key_cases[_i].ok, "key '%s'", key_cases[_i].key);
	if (!ok)
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
}
END_TEST

/* @n times @unit */
static gchar *
repeat(const gchar *unit, guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append(s, unit);
	return g_string_free(s, FALSE);
}

/* 256 characters, however many bytes each */
START_TEST(test_metadata_key_length)
{
	static const gchar *const units[] = {"k", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9d\x84\x9e"};

	for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
		g_autofree gchar *at = repeat(units[i], 256);
		g_autofree gchar *over = repeat(units[i], 257);
		g_autoptr(GError) error = NULL;

		ck_assert_msg(vmds_metadata_check_key(at, &error), "%s", units[i]);
		ck_assert(!vmds_metadata_check_key(over, &error));
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	}
}
END_TEST

/* domains x visibility x role */

/* by the administrator, on the VM: what each role meets */
static void
seed(void)
{
	set_ok(&vm, GENERAL, READWRITE, "g", STRING, "general");
	set_ok(&vm, SYSTEM, READONLY, "ro", STRING, "readonly");
	set_ok(&vm, SYSTEM, PRIVATE, "pv", STRING, "private");
	set_ok(&vm, VCENTER, READWRITE, "vc", STRING, "vcenter");
}

typedef enum { GET, SET, REMOVE } Op;

static const struct {
	Role role;
	Op op;
	VmdsMetadataDomain domain;
	VmdsMetadataVisibility visibility; /* of a SET */
	const gchar *key;
	gint code;
} access_cases[] = {
    /* the administrator: everything */
    {ADMIN, GET, GENERAL, 0, "g", OK},
    {ADMIN, GET, SYSTEM, 0, "ro", OK},
    {ADMIN, GET, SYSTEM, 0, "pv", OK},
    {ADMIN, GET, VCENTER, 0, "vc", OK},
    {ADMIN, GET, GENERAL, 0, "none", VMDS_ERROR_NOT_FOUND},
    {ADMIN, GET, GENERAL, 0, "ro", VMDS_ERROR_NOT_FOUND},
    {ADMIN, SET, GENERAL, READWRITE, "g", OK},
    {ADMIN, SET, GENERAL, READWRITE, "new", OK},
    {ADMIN, SET, SYSTEM, READONLY, "ro", OK},
    {ADMIN, SET, SYSTEM, PRIVATE, "ro", OK},
    {ADMIN, SET, SYSTEM, PRIVATE, "pv", OK},
    {ADMIN, SET, SYSTEM, READONLY, "pv", OK},
    {ADMIN, SET, SYSTEM, READONLY, "new", OK},
    {ADMIN, SET, SYSTEM, PRIVATE, "new", OK},
    {ADMIN, SET, VCENTER, READWRITE, "vc", OK},
    {ADMIN, SET, VCENTER, READWRITE, "new", OK},
    {ADMIN, REMOVE, GENERAL, 0, "g", OK},
    {ADMIN, REMOVE, SYSTEM, 0, "ro", OK},
    {ADMIN, REMOVE, SYSTEM, 0, "pv", OK},
    {ADMIN, REMOVE, VCENTER, 0, "vc", OK},
    {ADMIN, REMOVE, GENERAL, 0, "none", VMDS_ERROR_NOT_FOUND},
    {ADMIN, REMOVE, SYSTEM, 0, "g", VMDS_ERROR_NOT_FOUND},
    /* the owner: GENERAL; reads SYSTEM READONLY; nothing else exists */
    {OWNER, GET, GENERAL, 0, "g", OK},
    {OWNER, GET, SYSTEM, 0, "ro", OK},
    {OWNER, GET, SYSTEM, 0, "pv", VMDS_ERROR_NOT_FOUND},
    {OWNER, GET, VCENTER, 0, "vc", VMDS_ERROR_NOT_FOUND},
    {OWNER, GET, SYSTEM, 0, "none", VMDS_ERROR_NOT_FOUND},
    {OWNER, SET, GENERAL, READWRITE, "g", OK},
    {OWNER, SET, GENERAL, READWRITE, "new", OK},
    {OWNER, SET, GENERAL, READWRITE, "ro", OK}, /* GENERAL's own "ro" */
    {OWNER, SET, SYSTEM, READONLY, "ro", VMDS_ERROR_ACCESS_DENIED},
    {OWNER, SET, SYSTEM, PRIVATE, "ro", VMDS_ERROR_ACCESS_DENIED},
    {OWNER, SET, SYSTEM, PRIVATE, "pv", VMDS_ERROR_NOT_FOUND},
    {OWNER, SET, SYSTEM, READONLY, "pv", VMDS_ERROR_NOT_FOUND},
    {OWNER, SET, SYSTEM, READONLY, "new", VMDS_ERROR_NOT_FOUND},
    {OWNER, SET, SYSTEM, PRIVATE, "new", VMDS_ERROR_NOT_FOUND},
    {OWNER, SET, VCENTER, READWRITE, "vc", VMDS_ERROR_NOT_FOUND},
    {OWNER, SET, VCENTER, READWRITE, "new", VMDS_ERROR_NOT_FOUND},
    {OWNER, REMOVE, GENERAL, 0, "g", OK},
    {OWNER, REMOVE, SYSTEM, 0, "ro", VMDS_ERROR_ACCESS_DENIED},
    {OWNER, REMOVE, SYSTEM, 0, "pv", VMDS_ERROR_NOT_FOUND},
    {OWNER, REMOVE, SYSTEM, 0, "none", VMDS_ERROR_NOT_FOUND},
    {OWNER, REMOVE, VCENTER, 0, "vc", VMDS_ERROR_NOT_FOUND},
    {OWNER, REMOVE, GENERAL, 0, "none", VMDS_ERROR_NOT_FOUND},
    /* with the vcenter-metadata right: VCENTER too, SYSTEM as the owner */
    {OWNER_VC, GET, GENERAL, 0, "g", OK},
    {OWNER_VC, GET, SYSTEM, 0, "ro", OK},
    {OWNER_VC, GET, SYSTEM, 0, "pv", VMDS_ERROR_NOT_FOUND},
    {OWNER_VC, GET, VCENTER, 0, "vc", OK},
    {OWNER_VC, SET, GENERAL, READWRITE, "g", OK},
    {OWNER_VC, SET, SYSTEM, READONLY, "ro", VMDS_ERROR_ACCESS_DENIED},
    {OWNER_VC, SET, SYSTEM, PRIVATE, "pv", VMDS_ERROR_NOT_FOUND},
    {OWNER_VC, SET, SYSTEM, READONLY, "new", VMDS_ERROR_NOT_FOUND},
    {OWNER_VC, SET, VCENTER, READWRITE, "vc", OK},
    {OWNER_VC, SET, VCENTER, READWRITE, "new", OK},
    {OWNER_VC, REMOVE, GENERAL, 0, "g", OK},
    {OWNER_VC, REMOVE, SYSTEM, 0, "ro", VMDS_ERROR_ACCESS_DENIED},
    {OWNER_VC, REMOVE, SYSTEM, 0, "pv", VMDS_ERROR_NOT_FOUND},
    {OWNER_VC, REMOVE, VCENTER, 0, "vc", OK},
    {OWNER_VC, REMOVE, VCENTER, 0, "none", VMDS_ERROR_NOT_FOUND},
};

START_TEST(test_metadata_access)
{
	const gchar *const all = "GENERAL/g SYSTEM/pv SYSTEM/ro VCENTER/vc";
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *value = NULL;
	guint64 g0;

	seed();
	before = list_text(&vm, ADMIN);
	ck_assert_str_eq(before, all);
	g0 = generation();
	switch (access_cases[_i].op) {
	case GET: {
		g_autoptr(VmdsMetadataEntry) entry =
		    get(&vm, access_cases[_i].role, access_cases[_i].domain, access_cases[_i].key);
		ck_assert_msg(
		    (entry != NULL) == (access_cases[_i].code == OK), "%s", access_cases[_i].key);
		ck_assert_uint_eq(generation(), g0);
		return;
	}
	case SET:
		set_expect(&vm,
			   access_cases[_i].role,
			   access_cases[_i].domain,
			   access_cases[_i].visibility,
			   access_cases[_i].key,
			   STRING,
			   "changed",
			   access_cases[_i].code);
		break;
	case REMOVE:
		remove_expect(&vm,
			      access_cases[_i].role,
			      access_cases[_i].domain,
			      access_cases[_i].key,
			      access_cases[_i].code);
		break;
	}
	after = list_text(&vm, ADMIN);
	if (access_cases[_i].code != OK) {
		/* nothing changed */
		ck_assert_str_eq(after, all);
		ck_assert_uint_eq(generation(), g0);
		return;
	}
	ck_assert_uint_gt(generation(), g0);
	value = get_value(&vm, ADMIN, access_cases[_i].domain, access_cases[_i].key);
	if (access_cases[_i].op == SET) {
		g_autoptr(VmdsMetadataEntry) entry =
		    get(&vm, ADMIN, access_cases[_i].domain, access_cases[_i].key);
		ck_assert_str_eq(value, "changed");
		ck_assert_int_eq(entry->visibility, access_cases[_i].visibility);
	} else {
		ck_assert_ptr_null(value);
	}
}
END_TEST

/* each role's list, in order: GENERAL, SYSTEM, VCENTER, keys bytewise */
START_TEST(test_metadata_list)
{
	g_autofree gchar *admin = NULL;
	g_autofree gchar *owner = NULL;
	g_autofree gchar *owner_vc = NULL;
	g_autofree gchar *dataset = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GError) error = NULL;

	seed();
	set_ok(&vm, GENERAL, READWRITE, "b", NUMBER, "2");
	set_ok(&vm, GENERAL, READWRITE, "a", BOOLEAN, "1");
	set_ok(&vm, GENERAL, READWRITE, "B", DATETIME, "2012-06-18T12:00:00-05:00");
	set_ok(&vm, SYSTEM, READONLY, "z", STRING, "");
	set_ok(&vm, SYSTEM, PRIVATE, "aa", STRING, "");
	set_ok(&ds_a, SYSTEM, PRIVATE, "p", STRING, "");
	set_ok(&ds_a, GENERAL, READWRITE, "x", STRING, "");

	admin = list_text(&vm, ADMIN);
	ck_assert_str_eq(admin,
			 "GENERAL/B GENERAL/a GENERAL/b GENERAL/g SYSTEM/aa SYSTEM/pv SYSTEM/ro "
			 "SYSTEM/z VCENTER/vc");
	owner = list_text(&vm, OWNER);
	ck_assert_str_eq(owner, "GENERAL/B GENERAL/a GENERAL/b GENERAL/g SYSTEM/ro SYSTEM/z");
	owner_vc = list_text(&vm, OWNER_VC);
	ck_assert_str_eq(owner_vc,
			 "GENERAL/B GENERAL/a GENERAL/b GENERAL/g SYSTEM/ro SYSTEM/z VCENTER/vc");
	dataset = list_text(&ds_a, OWNER_VC);
	ck_assert_str_eq(dataset, "GENERAL/x");

	/* entries come back whole, canonical, with num */
	entries = vmds_metadata_list(test_store, &vm, &viewers[OWNER], &error);
	ck_assert_ptr_nonnull(entries);
	for (guint i = 0; i < entries->len; i++) {
		VmdsMetadataEntry *e = g_ptr_array_index(entries, i);
		ck_assert_int_ne(e->visibility, PRIVATE);
		if (g_str_equal(e->key, "B")) {
			ck_assert_int_eq(e->type, DATETIME);
			ck_assert_str_eq(e->value, "2012-06-18T17:00:00Z");
			ck_assert_int_eq(e->num, 1340038800000000);
		} else if (g_str_equal(e->key, "a")) {
			ck_assert_int_eq(e->type, BOOLEAN);
			ck_assert_str_eq(e->value, "true");
			ck_assert_int_eq(e->num, 1);
		} else if (g_str_equal(e->key, "ro")) {
			ck_assert_int_eq(e->domain, SYSTEM);
			ck_assert_int_eq(e->visibility, READONLY);
		}
	}
}
END_TEST

/* an owner cannot tell a PRIVATE entry from none: the same code and message
 * for each call, before and after it is removed */
START_TEST(test_metadata_private_hidden)
{
	static const Role roles[] = {OWNER, OWNER_VC};
	gchar *messages[2][3] = {{NULL}};

	seed();
	for (guint pass = 0; pass < 2; pass++) {
		g_autofree gchar *list = NULL;

		for (guint r = 0; r < G_N_ELEMENTS(roles); r++) {
			const VmdsMetadataViewer *viewer = &viewers[roles[r]];
			g_autoptr(VmdsMetadataEntry) entry =
			    vmds_metadata_entry_new(SYSTEM, PRIVATE, "pv", STRING, "x");
			g_autoptr(GError) e_get = NULL;
			g_autoptr(GError) e_set = NULL;
			g_autoptr(GError) e_remove = NULL;
			const GError *errors[3];

			ck_assert_ptr_null(
			    vmds_metadata_get(test_store, &vm, viewer, SYSTEM, "pv", &e_get));
			ck_assert(!vmds_metadata_set(test_store, &vm, viewer, entry, &e_set));
			ck_assert(!vmds_metadata_remove(
			    test_store, &vm, viewer, SYSTEM, "pv", &e_remove));
			errors[0] = e_get;
			errors[1] = e_set;
			errors[2] = e_remove;
			for (guint i = 0; i < 3; i++) {
				assert_error(errors[i], VMDS_ERROR_NOT_FOUND);
				if (pass == 0)
					messages[r][i] = g_strdup(errors[i]->message);
				else
					ck_assert_str_eq(errors[i]->message, messages[r][i]);
			}
			list = list_text(&vm, roles[r]);
			ck_assert_ptr_null(strstr(list, "pv"));
			g_clear_pointer(&list, g_free);
		}
		/* then the same key, absent */
		if (pass == 0)
			remove_expect(&vm, ADMIN, SYSTEM, "pv", OK);
	}
	for (guint r = 0; r < 2; r++) {
		for (guint i = 0; i < 3; i++)
			g_free(messages[r][i]);
	}
}
END_TEST

/* malformed input is INVALID_ARGUMENT, before any access rule */
static const struct {
	const VmdsMetadataObject *object;
	Role role;
	VmdsMetadataDomain domain;
	VmdsMetadataVisibility visibility;
	const gchar *key;
	VmdsMetadataType type;
	const gchar *value;
} invalid_cases[] = {
    {&vm, ADMIN, GENERAL, READONLY, "k", STRING, "v"},
    {&vm, ADMIN, GENERAL, PRIVATE, "k", STRING, "v"},
    {&vm, ADMIN, SYSTEM, READWRITE, "k", STRING, "v"},
    {&vm, ADMIN, VCENTER, READONLY, "k", STRING, "v"},
    {&vm, ADMIN, VCENTER, PRIVATE, "k", STRING, "v"},
    {&ds_a, ADMIN, VCENTER, READWRITE, "k", STRING, "v"},
    {&ds_a, OWNER_VC, VCENTER, READWRITE, "k", STRING, "v"},
    {&vm, OWNER, VCENTER, READONLY, "k", STRING, "v"},
    {&vm, OWNER, SYSTEM, READWRITE, "k", STRING, "v"},
    {&vm, ADMIN, (VmdsMetadataDomain)3, READWRITE, "k", STRING, "v"},
    {&vm, ADMIN, GENERAL, (VmdsMetadataVisibility)3, "k", STRING, "v"},
    {&vm, ADMIN, GENERAL, READWRITE, "k", (VmdsMetadataType)4, "v"},
    {&vm, ADMIN, GENERAL, READWRITE, "k", STRING, NULL},
    {&vm, ADMIN, GENERAL, READWRITE, NULL, STRING, "v"},
    {&vm, ADMIN, GENERAL, READWRITE, "", STRING, "v"},
    {&vm, ADMIN, GENERAL, READWRITE, "a;b", STRING, "v"},
    {&vm, OWNER, SYSTEM, READONLY, "../ro", STRING, "v"},
    {&vm, ADMIN, GENERAL, READWRITE, "k", NUMBER, "notANumber"},
    {&vm, ADMIN, GENERAL, READWRITE, "k", BOOLEAN, "notABool"},
    {&vm, ADMIN, GENERAL, READWRITE, "k", DATETIME, "notADate"},
    {&vm, OWNER, SYSTEM, READONLY, "ro", NUMBER, "notANumber"},
    {&vm, ADMIN, GENERAL, READWRITE, "k", STRING, "\xff"},
};

START_TEST(test_metadata_invalid_entry)
{
	guint64 g0;
	g_autofree gchar *list = NULL;

	seed();
	g0 = generation();
	set_expect(invalid_cases[_i].object,
		   invalid_cases[_i].role,
		   invalid_cases[_i].domain,
		   invalid_cases[_i].visibility,
		   invalid_cases[_i].key,
		   invalid_cases[_i].type,
		   invalid_cases[_i].value,
		   VMDS_ERROR_INVALID_ARGUMENT);
	ck_assert_uint_eq(generation(), g0);
	list = list_text(&vm, ADMIN);
	ck_assert_str_eq(list, "GENERAL/g SYSTEM/pv SYSTEM/ro VCENTER/vc");
}
END_TEST

START_TEST(test_metadata_invalid_object)
{
	static const VmdsMetadataObject objects[] = {
	    {"disk", ""},
	    {"VM", ""},
	    {VMDS_METADATA_OBJECT_VM, "x"},
	    {VMDS_METADATA_OBJECT_DATASET, ""},
	    {VMDS_METADATA_OBJECT_DATASET, "\xff"},
	    {NULL, ""},
	    {VMDS_METADATA_OBJECT_DATASET, NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(objects); i++) {
		const VmdsMetadataObject *o = &objects[i];
		g_autoptr(GError) e_list = NULL;
		g_autoptr(GError) e_get = NULL;
		g_autoptr(GError) e_remove = NULL;
		g_autoptr(GError) e_remove_object = NULL;
		g_autoptr(GPtrArray) entries =
		    vmds_metadata_list(test_store, o, &viewers[ADMIN], &e_list);
		g_autoptr(VmdsMetadataEntry) entry =
		    vmds_metadata_get(test_store, o, &viewers[ADMIN], GENERAL, "k", &e_get);

		ck_assert_ptr_null(entries);
		assert_error(e_list, VMDS_ERROR_INVALID_ARGUMENT);
		ck_assert_ptr_null(entry);
		assert_error(e_get, VMDS_ERROR_INVALID_ARGUMENT);
		set_expect(
		    o, ADMIN, GENERAL, READWRITE, "k", STRING, "v", VMDS_ERROR_INVALID_ARGUMENT);
		ck_assert(
		    !vmds_metadata_remove(test_store, o, &viewers[ADMIN], GENERAL, "k", &e_remove));
		assert_error(e_remove, VMDS_ERROR_INVALID_ARGUMENT);
		ck_assert(!vmds_metadata_remove_object(test_store, o, &e_remove_object));
		assert_error(e_remove_object, VMDS_ERROR_INVALID_ARGUMENT);
	}
	ck_assert_uint_eq(generation(), 0);
}
END_TEST

/* get and remove: a malformed key or domain is INVALID_ARGUMENT; VCENTER
 * on a data set holds nothing */
START_TEST(test_metadata_lookup_args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsMetadataEntry) entry = NULL;

	entry = vmds_metadata_get(test_store, &vm, &viewers[ADMIN], GENERAL, "a/../b", &error);
	ck_assert_ptr_null(entry);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	entry =
	    vmds_metadata_get(test_store, &vm, &viewers[ADMIN], (VmdsMetadataDomain)5, "k", &error);
	ck_assert_ptr_null(entry);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	remove_expect(&vm, ADMIN, GENERAL, "", VMDS_ERROR_INVALID_ARGUMENT);
	remove_expect(&vm, ADMIN, (VmdsMetadataDomain)5, "k", VMDS_ERROR_INVALID_ARGUMENT);
	entry = get(&ds_a, ADMIN, VCENTER, "k");
	ck_assert_ptr_null(entry);
	remove_expect(&ds_a, ADMIN, VCENTER, "k", VMDS_ERROR_NOT_FOUND);
}
END_TEST

/* limits */

/* @n STRING entries of @domain whose keys ("<prefix>00000", 6 bytes each)
 * and values weigh @bytes in all */
static GPtrArray *
batch_sized(VmdsMetadataDomain domain,
	    VmdsMetadataVisibility visibility,
	    gchar prefix,
	    guint n,
	    gsize bytes)
{
	GPtrArray *batch = batch_new();
	gsize each;
	gsize first;

	ck_assert_uint_ge(bytes, 6 * n);
	each = (bytes - 6 * n) / n;
	first = each + (bytes - 6 * n) % n;
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *key = g_strdup_printf("%c%05u", prefix, i);
		g_autofree gchar *value = g_strnfill(i == 0 ? first : each, 'v');
		batch_add(batch, domain, visibility, key, STRING, value);
	}
	return batch;
}

static gint64
count_entries(void)
{
	return vmds_test_store_query_int(test_store, "SELECT count(*) FROM metadata_entries");
}

static const struct {
	VmdsMetadataDomain domain;
	VmdsMetadataVisibility visibility;
	guint n;
	gsize bytes;
	gint code;
} limit_cases[] = {
    {GENERAL, READWRITE, 1024, 1024 * 6, OK},
    {GENERAL, READWRITE, 1025, 1025 * 6, VMDS_ERROR_QUOTA_EXCEEDED},
    {GENERAL, READWRITE, 2, 131072, OK},
    {GENERAL, READWRITE, 2, 131073, VMDS_ERROR_QUOTA_EXCEEDED},
    {GENERAL, READWRITE, 1024, 131072, OK},
    {GENERAL, READWRITE, 1024, 131073, VMDS_ERROR_QUOTA_EXCEEDED},
    {SYSTEM, READONLY, 128, 128 * 6, OK},
    {SYSTEM, READONLY, 129, 129 * 6, VMDS_ERROR_QUOTA_EXCEEDED},
    {SYSTEM, PRIVATE, 128, 128 * 6, OK},
    {SYSTEM, PRIVATE, 129, 129 * 6, VMDS_ERROR_QUOTA_EXCEEDED},
    {SYSTEM, PRIVATE, 2, 16384, OK},
    {SYSTEM, PRIVATE, 2, 16385, VMDS_ERROR_QUOTA_EXCEEDED},
    {SYSTEM, READONLY, 128, 16384, OK},
    {SYSTEM, READONLY, 128, 16385, VMDS_ERROR_QUOTA_EXCEEDED},
    {VCENTER, READWRITE, 128, 128 * 6, OK},
    {VCENTER, READWRITE, 129, 129 * 6, VMDS_ERROR_QUOTA_EXCEEDED},
    {VCENTER, READWRITE, 1, 16384, OK},
    {VCENTER, READWRITE, 1, 16385, VMDS_ERROR_QUOTA_EXCEEDED},
};

/* N in one batch, then N + 1 in one batch and one more on top of N */
START_TEST(test_metadata_limits)
{
	g_autoptr(GPtrArray) batch = batch_sized(limit_cases[_i].domain,
						 limit_cases[_i].visibility,
						 'k',
						 limit_cases[_i].n,
						 limit_cases[_i].bytes);

	merge_expect(&vm, ADMIN, batch, limit_cases[_i].code);
	if (limit_cases[_i].code != OK) {
		/* all or nothing */
		ck_assert_int_eq(count_entries(), 0);
		ck_assert_uint_eq(generation(), 0);
		return;
	}
	ck_assert_int_eq(count_entries(), limit_cases[_i].n);
	if (limit_cases[_i].n == 128 || limit_cases[_i].n == 1024) {
		/* one more entry, even an empty value, is one too many... */
		guint64 g0 = generation();
		set_expect(&vm,
			   ADMIN,
			   limit_cases[_i].domain,
			   limit_cases[_i].visibility,
			   "x",
			   STRING,
			   "",
			   VMDS_ERROR_QUOTA_EXCEEDED);
		ck_assert_int_eq(count_entries(), limit_cases[_i].n);
		ck_assert_uint_eq(generation(), g0);
	}
	if (limit_cases[_i].bytes > 6 * limit_cases[_i].n) {
		/* ...and one more byte too: the first value, one longer */
		g_autofree gchar *value = NULL;
		g_autoptr(VmdsMetadataEntry) first =
		    get(&vm, ADMIN, limit_cases[_i].domain, "k00000");

		value = g_strconcat(first->value, "v", NULL);
		set_expect(&vm,
			   ADMIN,
			   limit_cases[_i].domain,
			   limit_cases[_i].visibility,
			   "k00000",
			   STRING,
			   value,
			   VMDS_ERROR_QUOTA_EXCEEDED);
		/* a shorter one fits */
		value[strlen(value) - 2] = '\0';
		set_expect(&vm,
			   ADMIN,
			   limit_cases[_i].domain,
			   limit_cases[_i].visibility,
			   "k00000",
			   STRING,
			   value,
			   OK);
	}
	/* replacing an entry at the count keeps the count */
	if (limit_cases[_i].n > 1) {
		set_expect(&vm,
			   ADMIN,
			   limit_cases[_i].domain,
			   limit_cases[_i].visibility,
			   "k00001",
			   STRING,
			   "",
			   OK);
		ck_assert_int_eq(count_entries(), limit_cases[_i].n);
	}
}
END_TEST

/* VCENTER counts with SYSTEM; GENERAL apart; each object apart */
START_TEST(test_metadata_limits_shared)
{
	g_autoptr(GPtrArray) system = batch_sized(SYSTEM, PRIVATE, 's', 127, 16000);
	g_autoptr(GPtrArray) vcenter = batch_sized(VCENTER, READWRITE, 'v', 1, 384);
	g_autoptr(GPtrArray) general = batch_sized(GENERAL, READWRITE, 'g', 1024, 131072);
	g_autoptr(GPtrArray) general_a = batch_sized(GENERAL, READWRITE, 'g', 1024, 131072);
	g_autoptr(GPtrArray) system_a = batch_sized(SYSTEM, READONLY, 's', 128, 16384);

	merge_expect(&vm, ADMIN, system, OK);
	merge_expect(&vm, OWNER_VC, vcenter, OK);
	/* 128 entries and 16,384 bytes: a VCENTER entry more is refused, to
	 * the holder of the right and to the administrator */
	set_expect(&vm, OWNER_VC, VCENTER, READWRITE, "x", STRING, "", VMDS_ERROR_QUOTA_EXCEEDED);
	set_expect(&vm, ADMIN, SYSTEM, READONLY, "x", STRING, "", VMDS_ERROR_QUOTA_EXCEEDED);
	/* GENERAL has its own */
	merge_expect(&vm, OWNER, general, OK);
	set_expect(&vm, OWNER, GENERAL, READWRITE, "x", STRING, "", VMDS_ERROR_QUOTA_EXCEEDED);
	/* a data set has its own */
	merge_expect(&ds_a, OWNER, general_a, OK);
	merge_expect(&ds_a, ADMIN, system_a, OK);
	ck_assert_int_eq(count_entries(), 128 + 1024 + 1024 + 128);
	/* a removal makes room */
	remove_expect(&vm, OWNER_VC, VCENTER, "v00000", OK);
	set_expect(&vm, OWNER_VC, VCENTER, READWRITE, "x", STRING, "", OK);
}
END_TEST

/* a value weighs its canonical text, a key and value their UTF-8 bytes */
START_TEST(test_metadata_limits_canonical)
{
	g_autofree gchar *fill = g_strnfill(131072 - 1 - 2, 'v');
	g_autofree gchar *accents = repeat("\xc3\xa9", 8190); /* 16,380 bytes */
	g_autofree gchar *rest = g_strnfill(16384 - 2 - 1 - 20, 'v');

	/* "f" + fill, and "n" + "7": 131,072 bytes; "+0007" as sent is 5 */
	set_ok(&vm, GENERAL, READWRITE, "f", STRING, fill);
	set_expect(&vm, OWNER, GENERAL, READWRITE, "n", NUMBER, "+0007", OK);
	set_expect(&vm, OWNER, GENERAL, READWRITE, "n", NUMBER, "10", VMDS_ERROR_QUOTA_EXCEEDED);
	set_expect(&vm, OWNER, GENERAL, READWRITE, "n", BOOLEAN, "1", VMDS_ERROR_QUOTA_EXCEEDED);
	set_expect(&vm, OWNER, GENERAL, READWRITE, "n", BOOLEAN, "0", VMDS_ERROR_QUOTA_EXCEEDED);
	remove_expect(&vm, OWNER, GENERAL, "n", OK);
	/* room for 2 bytes: "b" + "true" is 5, "b" + "1" is 2 ("+1" as sent) */
	set_expect(&vm, OWNER, GENERAL, READWRITE, "b", BOOLEAN, "1", VMDS_ERROR_QUOTA_EXCEEDED);
	set_expect(&vm, OWNER, GENERAL, READWRITE, "b", NUMBER, "+1", OK);

	/* SYSTEM: "é" is 2 bytes: "ab" + 8,190 of them is 16,382; "d" + "0"
	 * ("-0" as sent) makes 16,384, "dd" + "0" 16,385 */
	set_ok(&vm, SYSTEM, READONLY, "ab", STRING, accents);
	set_expect(&vm, ADMIN, SYSTEM, READONLY, "d", NUMBER, "-0", OK);
	remove_expect(&vm, ADMIN, SYSTEM, "d", OK);
	set_expect(&vm, ADMIN, SYSTEM, READONLY, "dd", NUMBER, "0", VMDS_ERROR_QUOTA_EXCEEDED);
	/* a DATETIME weighs its UTC text, 20 bytes, however it was written
	 * (25 here): "ab" + 16,361 + "d" + 20 = 16,384 */
	set_ok(&vm, SYSTEM, READONLY, "ab", STRING, rest);
	set_expect(&vm, ADMIN, SYSTEM, PRIVATE, "d", DATETIME, "2012-06-18T12:00:00-05:00", OK);
	set_expect(&vm,
		   ADMIN,
		   SYSTEM,
		   PRIVATE,
		   "d",
		   DATETIME,
		   "2012-06-18T17:00:00.5Z",
		   VMDS_ERROR_QUOTA_EXCEEDED);
	assert_value(&vm, SYSTEM, "d", "2012-06-18T17:00:00Z");
}
END_TEST

/* merges */

START_TEST(test_metadata_merge)
{
	g_autoptr(GPtrArray) first = batch_new();
	g_autoptr(GPtrArray) second = batch_new();
	g_autoptr(VmdsMetadataEntry) a = NULL;
	g_autofree gchar *list = NULL;

	batch_add(first, GENERAL, READWRITE, "a", STRING, "1");
	batch_add(first, GENERAL, READWRITE, "b", STRING, "2");
	merge_expect(&vm, OWNER, first, OK);
	/* same domain and key: replaced, its type too; else added */
	batch_add(second, GENERAL, READWRITE, "a", NUMBER, "+10");
	batch_add(second, GENERAL, READWRITE, "c", STRING, "3");
	merge_expect(&vm, OWNER, second, OK);
	list = list_text(&vm, OWNER);
	ck_assert_str_eq(list, "GENERAL/a GENERAL/b GENERAL/c");
	a = get(&vm, OWNER, GENERAL, "a");
	ck_assert_int_eq(a->type, NUMBER);
	ck_assert_str_eq(a->value, "10");
	ck_assert_int_eq(a->num, 10);
	assert_value(&vm, GENERAL, "b", "2");
	assert_value(&vm, GENERAL, "c", "3");
	/* the batch's entries were made canonical */
	ck_assert_str_eq(((VmdsMetadataEntry *)g_ptr_array_index(second, 0))->value, "10");
	ck_assert_int_eq(((VmdsMetadataEntry *)g_ptr_array_index(second, 0))->num, 10);
	/* the store keeps num for the index: NULL for strings */
	ck_assert_int_eq(vmds_test_store_query_int(
			     test_store, "SELECT count(*) FROM metadata_entries WHERE num IS NULL"),
			 2);
	ck_assert_int_eq(vmds_test_store_query_int(
			     test_store, "SELECT num FROM metadata_entries WHERE key = 'a'"),
			 10);
}
END_TEST

/* the same key in GENERAL, SYSTEM and VCENTER: three entries */
START_TEST(test_metadata_merge_domains)
{
	g_autoptr(GPtrArray) batch = batch_new();
	g_autofree gchar *list = NULL;
	g_autofree gchar *owner = NULL;

	batch_add(batch, GENERAL, READWRITE, "k", STRING, "general");
	batch_add(batch, SYSTEM, READONLY, "k", STRING, "system");
	batch_add(batch, VCENTER, READWRITE, "k", STRING, "vcenter");
	merge_expect(&vm, ADMIN, batch, OK);
	list = list_text(&vm, ADMIN);
	ck_assert_str_eq(list, "GENERAL/k SYSTEM/k VCENTER/k");
	assert_value(&vm, GENERAL, "k", "general");
	assert_value(&vm, SYSTEM, "k", "system");
	assert_value(&vm, VCENTER, "k", "vcenter");
	/* removing one leaves the others */
	remove_expect(&vm, OWNER, GENERAL, "k", OK);
	assert_value(&vm, SYSTEM, "k", "system");
	assert_value(&vm, VCENTER, "k", "vcenter");
	/* a SYSTEM entry made PRIVATE goes out of the owner's sight */
	set_ok(&vm, SYSTEM, PRIVATE, "k", STRING, "secret");
	owner = list_text(&vm, OWNER);
	ck_assert_str_eq(owner, "");
	assert_value(&vm, SYSTEM, "k", "secret");
}
END_TEST

/* in a batch, the last of the same domain and key wins */
START_TEST(test_metadata_merge_duplicates)
{
	g_autoptr(GPtrArray) batch = batch_new();

	batch_add(batch, GENERAL, READWRITE, "d", STRING, "1");
	batch_add(batch, GENERAL, READWRITE, "d", BOOLEAN, "0");
	merge_expect(&vm, OWNER, batch, OK);
	ck_assert_int_eq(count_entries(), 1);
	assert_value(&vm, GENERAL, "d", "false");
}
END_TEST

/* a batch is all or nothing, whichever entry fails and why */
static const struct {
	Role role;
	VmdsMetadataDomain domain;
	VmdsMetadataVisibility visibility;
	const gchar *key;
	VmdsMetadataType type;
	const gchar *value;
	gint code;
} batch_failures[] = {
    {ADMIN, GENERAL, READWRITE, "n", NUMBER, "notANumber", VMDS_ERROR_INVALID_ARGUMENT},
    {OWNER, GENERAL, READWRITE, "../n", STRING, "", VMDS_ERROR_INVALID_ARGUMENT},
    {OWNER, SYSTEM, READONLY, "ro", STRING, "", VMDS_ERROR_ACCESS_DENIED},
    {OWNER, SYSTEM, READONLY, "new", STRING, "", VMDS_ERROR_NOT_FOUND},
    {OWNER, SYSTEM, PRIVATE, "pv", STRING, "", VMDS_ERROR_NOT_FOUND},
    {OWNER, VCENTER, READWRITE, "vc", STRING, "", VMDS_ERROR_NOT_FOUND},
};

START_TEST(test_metadata_merge_atomic)
{
	g_autoptr(GPtrArray) batch = batch_new();
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *big = g_strnfill(131072, 'v');
	guint64 g0;

	seed();
	before = list_text(&vm, ADMIN);
	g0 = generation();
	batch_add(batch, GENERAL, READWRITE, "g", STRING, "replaced");
	batch_add(batch, GENERAL, READWRITE, "added", STRING, "x");
	if ((gsize)_i < G_N_ELEMENTS(batch_failures)) {
		batch_add(batch,
			  batch_failures[_i].domain,
			  batch_failures[_i].visibility,
			  batch_failures[_i].key,
			  batch_failures[_i].type,
			  batch_failures[_i].value);
		merge_expect(&vm, batch_failures[_i].role, batch, batch_failures[_i].code);
	} else {
		/* past a limit once the whole batch is in */
		batch_add(batch, GENERAL, READWRITE, "big", STRING, big);
		merge_expect(&vm, OWNER, batch, VMDS_ERROR_QUOTA_EXCEEDED);
	}
	after = list_text(&vm, ADMIN);
	ck_assert_str_eq(after, before);
	assert_value(&vm, GENERAL, "g", "general");
	ck_assert_uint_eq(generation(), g0);
}
END_TEST

/* an intermediate state past a limit is fine when the result is not */
START_TEST(test_metadata_merge_limit_on_result)
{
	g_autoptr(GPtrArray) fill = batch_sized(SYSTEM, READONLY, 's', 128, 128 * 6);
	g_autoptr(GPtrArray) batch = batch_new();
	g_autofree gchar *big = g_strnfill(16384, 'v');

	merge_expect(&vm, ADMIN, fill, OK);
	/* s00000 past 16,384 bytes, then back: the result fits */
	batch_add(batch, SYSTEM, READONLY, "s00000", STRING, big);
	batch_add(batch, SYSTEM, READONLY, "s00000", STRING, "small");
	merge_expect(&vm, ADMIN, batch, OK);
	assert_value(&vm, SYSTEM, "s00000", "small");
	ck_assert_int_eq(count_entries(), 128);
	/* the other way round, it does not */
	g_ptr_array_set_size(batch, 0);
	batch_add(batch, SYSTEM, READONLY, "s00000", STRING, "");
	batch_add(batch, SYSTEM, READONLY, "s00000", STRING, big);
	merge_expect(&vm, ADMIN, batch, VMDS_ERROR_QUOTA_EXCEEDED);
	assert_value(&vm, SYSTEM, "s00000", "small");
}
END_TEST

START_TEST(test_metadata_merge_empty)
{
	g_autoptr(GPtrArray) batch = batch_new();

	merge_expect(&vm, OWNER, batch, OK);
	ck_assert_uint_eq(generation(), 0);
	ck_assert_int_eq(count_entries(), 0);
}
END_TEST

/* set makes the entry canonical in place */
START_TEST(test_metadata_set_canonical)
{
	g_autoptr(VmdsMetadataEntry) entry = vmds_metadata_entry_new(
	    GENERAL, READWRITE, "when", DATETIME, "2012-06-18T12:00:00-05:00");
	g_autoptr(GError) error = NULL;

	ck_assert(vmds_metadata_set(test_store, &vm, &viewers[OWNER], entry, &error));
	ck_assert_str_eq(entry->value, "2012-06-18T17:00:00Z");
	ck_assert_int_eq(entry->num, 1340038800000000);
	ck_assert_int_eq(vmds_test_store_query_int(
			     test_store, "SELECT num FROM metadata_entries WHERE key = 'when'"),
			 1340038800000000);
}
END_TEST

/* objects */

START_TEST(test_metadata_objects)
{
	g_autofree gchar *list_vm = NULL;
	g_autofree gchar *list_a = NULL;
	g_autofree gchar *list_b = NULL;
	g_autoptr(GError) error = NULL;
	const VmdsMetadataObject ds_a_upper = {VMDS_METADATA_OBJECT_DATASET, "A"};
	guint64 g0;

	set_ok(&vm, GENERAL, READWRITE, "k", STRING, "vm");
	set_ok(&ds_a, GENERAL, READWRITE, "k", STRING, "a");
	set_ok(&ds_b, GENERAL, READWRITE, "k", STRING, "b");
	set_ok(&ds_a, SYSTEM, PRIVATE, "p", STRING, "a");
	set_ok(&ds_a_upper, GENERAL, READWRITE, "k", STRING, "A");
	assert_value(&vm, GENERAL, "k", "vm");
	assert_value(&ds_a, GENERAL, "k", "a");
	assert_value(&ds_b, GENERAL, "k", "b");
	assert_value(&ds_a_upper, GENERAL, "k", "A");
	assert_value(&vm, SYSTEM, "p", NULL);
	remove_expect(&ds_b, OWNER, GENERAL, "k", OK);
	assert_value(&vm, GENERAL, "k", "vm");
	assert_value(&ds_a, GENERAL, "k", "a");

	/* a data set deleted: all of its metadata goes, PRIVATE too, and only
	 * its own */
	g0 = generation();
	ck_assert(vmds_metadata_remove_object(test_store, &ds_a, &error));
	ck_assert_uint_gt(generation(), g0);
	list_a = list_text(&ds_a, ADMIN);
	ck_assert_str_eq(list_a, "");
	list_vm = list_text(&vm, ADMIN);
	ck_assert_str_eq(list_vm, "GENERAL/k");
	assert_value(&ds_a_upper, GENERAL, "k", "A");
	/* nothing to remove: no change */
	g0 = generation();
	ck_assert(vmds_metadata_remove_object(test_store, &ds_a, &error));
	ck_assert(vmds_metadata_remove_object(test_store, &ds_b, &error));
	ck_assert_uint_eq(generation(), g0);
	list_b = list_text(&ds_b, ADMIN);
	ck_assert_str_eq(list_b, "");
}
END_TEST

/* the generation */

START_TEST(test_metadata_generation)
{
	g_autoptr(GPtrArray) batch = batch_new();
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(VmdsMetadataEntry) entry = NULL;
	g_autoptr(GError) error = NULL;
	guint64 g0, g1, g2, g3, g4;

	g0 = generation();
	ck_assert_uint_eq(g0, 0);
	set_ok(&vm, GENERAL, READWRITE, "a", STRING, "1");
	g1 = generation();
	ck_assert_uint_gt(g1, g0);
	/* reads change nothing */
	entries = vmds_metadata_list(test_store, &vm, &viewers[ADMIN], &error);
	entry = get(&vm, ADMIN, GENERAL, "a");
	ck_assert_uint_eq(generation(), g1);
	/* each write bumps it, a replacement with the same value too */
	set_ok(&vm, GENERAL, READWRITE, "a", STRING, "1");
	g2 = generation();
	ck_assert_uint_gt(g2, g1);
	batch_add(batch, GENERAL, READWRITE, "b", STRING, "2");
	batch_add(batch, GENERAL, READWRITE, "c", STRING, "3");
	merge_expect(&ds_a, OWNER, batch, OK);
	g3 = generation();
	ck_assert_uint_gt(g3, g2);
	remove_expect(&vm, OWNER, GENERAL, "a", OK);
	g4 = generation();
	ck_assert_uint_gt(g4, g3);
	/* failures do not */
	remove_expect(&vm, OWNER, GENERAL, "a", VMDS_ERROR_NOT_FOUND);
	set_expect(&vm, OWNER, SYSTEM, READONLY, "s", STRING, "", VMDS_ERROR_NOT_FOUND);
	set_expect(&vm, OWNER, GENERAL, READWRITE, "n", NUMBER, "x", VMDS_ERROR_INVALID_ARGUMENT);
	ck_assert_uint_eq(generation(), g4);
}
END_TEST

/* metadata follows a copy of the store whole (no copy rule); a store
 * reverted to that copy and changed again never repeats a generation */
START_TEST(test_metadata_generation_revert)
{
	g_autofree gchar *snapshot = g_build_filename(test_dir, "snapshot.dsd", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *list = NULL;
	guint64 at_snapshot, after, again;

	ck_assert_ptr_null(vmds_metadata_schema.copy_rules);
	ck_assert_uint_eq(vmds_metadata_schema.n_copy_rules, 0);
	ck_assert_str_eq(vmds_metadata_schema.component, "metadata");
	ck_assert_uint_eq(vmds_metadata_schema.n_steps, 1);
	ck_assert_uint_eq(vmds_store_get_version(test_store, "metadata"), 1);

	seed();
	set_ok(&ds_a, SYSTEM, PRIVATE, "p", STRING, "a");
	at_snapshot = generation();
	ck_assert(vmds_store_copy(test_store, snapshot, VMDS_STORE_COPY_NONE, &error));
	set_ok(&vm, GENERAL, READWRITE, "later", STRING, "x");
	after = generation();

	/* revert: the copy in place of the store */
	g_clear_object(&test_store);
	test_store = open_store(snapshot);
	ck_assert_uint_eq(generation(), at_snapshot);
	list = list_text(&vm, ADMIN);
	ck_assert_str_eq(list, "GENERAL/g SYSTEM/pv SYSTEM/ro VCENTER/vc");
	assert_value(&ds_a, SYSTEM, "p", "a");
	set_ok(&vm, GENERAL, READWRITE, "other", STRING, "y");
	again = generation();
	ck_assert_uint_gt(again, at_snapshot);
	ck_assert_uint_gt(again, after);
}
END_TEST

static Suite *
metadata_suite(void)
{
	Suite *s = suite_create("metadata");
	TCase *tc;

	tc = tcase_create("values");
	tcase_add_loop_test(tc, test_metadata_value, 0, G_N_ELEMENTS(value_cases));
	tcase_add_loop_test(tc, test_metadata_value_instants, 0, G_N_ELEMENTS(instant_cases));
	tcase_add_test(tc, test_metadata_value_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_loop_test(tc, test_metadata_key, 0, G_N_ELEMENTS(key_cases));
	tcase_add_test(tc, test_metadata_key_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_metadata_access, 0, G_N_ELEMENTS(access_cases));
	tcase_add_test(tc, test_metadata_list);
	tcase_add_test(tc, test_metadata_private_hidden);
	tcase_add_loop_test(tc, test_metadata_invalid_entry, 0, G_N_ELEMENTS(invalid_cases));
	tcase_add_test(tc, test_metadata_invalid_object);
	tcase_add_test(tc, test_metadata_lookup_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_metadata_limits, 0, G_N_ELEMENTS(limit_cases));
	tcase_add_test(tc, test_metadata_limits_shared);
	tcase_add_test(tc, test_metadata_limits_canonical);
	suite_add_tcase(s, tc);

	tc = tcase_create("merge");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metadata_merge);
	tcase_add_test(tc, test_metadata_merge_domains);
	tcase_add_test(tc, test_metadata_merge_duplicates);
	tcase_add_loop_test(tc, test_metadata_merge_atomic, 0, G_N_ELEMENTS(batch_failures) + 1);
	tcase_add_test(tc, test_metadata_merge_limit_on_result);
	tcase_add_test(tc, test_metadata_merge_empty);
	tcase_add_test(tc, test_metadata_set_canonical);
	suite_add_tcase(s, tc);

	tc = tcase_create("objects");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metadata_objects);
	suite_add_tcase(s, tc);

	tc = tcase_create("generation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metadata_generation);
	tcase_add_test(tc, test_metadata_generation_revert);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(metadata_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
