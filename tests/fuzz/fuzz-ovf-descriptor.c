/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "vmds-ovf-descriptor.h"
#include "vmds-ovf-env.h"
#include "vmds-vapp-type.h"

/*
 * The OVF descriptor reader, vmds_ovf_descriptor_parse(), on any bytes: an
 * appliance's .ovf uploaded over REST. Oracles: NULL exactly when an error is
 * set, and then VMDS_ERROR_INVALID_ARGUMENT; a descriptor holds at most
 * 10,000 properties, each with an id, no key, an empty value, a type that
 * vmds_vapp_type_parse() takes and a default value that fits it (but for the
 * kept kinds, expression and ip:NET), UTF-8 texts of at most 65,535
 * characters, and no two with the same key in the OVF environment.
 */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	vmds_fuzz_init_logging();
	return 0;
}

static void
vmds_fuzz_check_text(const gchar *what, const gchar *id, const gchar *text)
{
	if (text == NULL)
		return;
	VMDS_FUZZ_CHECK(g_utf8_validate(text, -1, NULL), "%s of %s is not UTF-8", what, id);
	VMDS_FUZZ_CHECK(g_utf8_strlen(text, -1) <= VMDS_VAPP_MAX_STRING,
			"%s of %s is %ld characters",
			what,
			id,
			g_utf8_strlen(text, -1));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfDescriptor) descriptor =
	    vmds_ovf_descriptor_parse((const gchar *)data, size, &error);
	g_autoptr(GHashTable) keys = NULL;

	VMDS_FUZZ_CHECK((descriptor == NULL) == (error != NULL),
			"descriptor %p with error %p",
			descriptor,
			error);
	if (descriptor == NULL) {
		VMDS_FUZZ_CHECK(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT),
				"error %s %d: %s",
				g_quark_to_string(error->domain),
				error->code,
				error->message);
		VMDS_FUZZ_CHECK(g_utf8_validate(error->message, -1, NULL), "message not UTF-8");
		return 0;
	}
	VMDS_FUZZ_CHECK(descriptor->properties->len <= VMDS_OVF_DESCRIPTOR_MAX_PROPERTIES,
			"%u properties",
			descriptor->properties->len);
	keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < descriptor->properties->len; i++) {
		VmdsVappProperty *p = g_ptr_array_index(descriptor->properties, i);
		g_autoptr(GError) error_local = NULL;
		g_autoptr(VmdsVappType) type = NULL;
		VMDS_FUZZ_CHECK(p->id != NULL && p->id[0] != '\0', "property %u has no id", i);
		VMDS_FUZZ_CHECK(
		    p->key == 0, "property %s has key %" G_GINT64_FORMAT, p->id, p->key);
		VMDS_FUZZ_CHECK(p->value != NULL && p->value[0] == '\0', "%s has a value", p->id);
		VMDS_FUZZ_CHECK(p->type != NULL && p->default_value != NULL,
				"%s has no type or default",
				p->id);
		vmds_fuzz_check_text("id", p->id, p->id);
		vmds_fuzz_check_text("class", p->id, p->class_id);
		vmds_fuzz_check_text("instance", p->id, p->instance_id);
		vmds_fuzz_check_text("category", p->id, p->category);
		vmds_fuzz_check_text("label", p->id, p->label);
		vmds_fuzz_check_text("description", p->id, p->description);
		vmds_fuzz_check_text("default", p->id, p->default_value);
		type = vmds_vapp_type_parse(p->type, &error_local);
		VMDS_FUZZ_CHECK(type != NULL, "%s: %s", p->id, error_local->message);
		if (vmds_vapp_type_get_kind(type) != VMDS_VAPP_UNSUPPORTED)
			VMDS_FUZZ_CHECK(vmds_vapp_type_check(type, p->default_value, &error_local),
					"%s: %s",
					p->id,
					error_local->message);
		VMDS_FUZZ_CHECK(
		    g_hash_table_add(keys, vmds_ovf_env_key(p->class_id, p->id, p->instance_id)),
		    "%s: a second property with its key",
		    p->id);
	}
	return 0;
}
