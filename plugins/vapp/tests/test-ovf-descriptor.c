/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <libxml/globals.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmds-error.h"
#include "vmds-ovf-descriptor.h"
#include "vmds-vapp-type.h"

/*
 * The OVF descriptor reader: appliance descriptors shaped as vendors ship
 * them, every OVF type and qualifier against the vApp type vSphere gives it,
 * and a hostile corpus, each refused with its reason. The expectations are
 * written from DSP0243/DSP8023 and vSphere's VAppPropertyInfo; the fixtures
 * are in tests/data/ovf ($VMDS_TEST_DATADIR/ovf).
 */

static GBytes *
fixture_read(const gchar *name)
{
	const gchar *dir = g_getenv("VMDS_TEST_DATADIR");
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	ck_assert_msg(dir != NULL, "VMDS_TEST_DATADIR is not set");
	path = g_build_filename(dir, "ovf", name, NULL);
	ck_assert_msg(g_file_get_contents(path, &data, &len, &error), "%s", error->message);
	return g_bytes_new_take(data, len);
}

/* the parse, with NULL exactly when an error is set */
static VmdsOvfDescriptor *
parse(const gchar *data, gsize len, GError **error)
{
	VmdsOvfDescriptor *descriptor = vmds_ovf_descriptor_parse(data, len, error);

	ck_assert_msg((descriptor == NULL) == (*error != NULL), "result and error disagree");
	if (*error != NULL)
		ck_assert(g_error_matches(*error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	return descriptor;
}

static VmdsOvfDescriptor *
parse_fixture(const gchar *name, GError **error)
{
	g_autoptr(GBytes) bytes = fixture_read(name);
	gsize len;
	const gchar *data = g_bytes_get_data(bytes, &len);

	return parse(data, len, error);
}

typedef struct {
	const gchar *id;
	const gchar *class_id;
	const gchar *instance_id;
	const gchar *category;
	const gchar *label;
	const gchar *description;
	const gchar *type;
	const gchar *default_value;
	gboolean user_configurable;
} ExpectedProperty;

/* a VMware-style appliance: two ProductSections, categories, a password,
 * a choice whose default depends on the deployment option, VAMI ip ones */
static const ExpectedProperty appliance_properties[] = {
    {"guestinfo.hostname",
     NULL,
     NULL,
     "Application",
     "Hostname",
     "The fully qualified domain name of the appliance",
     "string(1..253)",
     "photon-appliance",
     TRUE},
    {"guestinfo.root_password",
     NULL,
     NULL,
     "Application",
     "Root password",
     "The password of root: 8 to 64 characters",
     "password(8..64)",
     "",
     TRUE},
    {"guestinfo.ssh_enabled",
     NULL,
     NULL,
     "Application",
     "Enable SSH",
     NULL,
     "boolean",
     "True",
     TRUE},
    {"guestinfo.public_keys",
     NULL,
     NULL,
     "Application",
     "SSH public keys",
     "Authorized keys of root, one per line: <type> <key> [comment] & nothing else",
     "string",
     "",
     TRUE},
    {"guestinfo.user_data",
     NULL,
     NULL,
     "Application",
     "Encoded user-data",
     "Cloud-init user-data, base64 encoded to fit into an XML attribute;\n"
     "          applied at first boot.",
     "string",
     "",
     TRUE},
    /* ovf:userConfigurable left out: false; the default configuration is
     * "medium", whose Value overrides ovf:value */
    {"guestinfo.size",
     NULL,
     NULL,
     "Sizing",
     "Deployment size",
     NULL,
     "string[\"small\", \"medium\", \"large\"]",
     "medium",
     FALSE},
    {"guestinfo.https_port",
     NULL,
     NULL,
     "Sizing",
     "HTTPS port",
     NULL,
     "int(1..65535)",
     "443",
     TRUE},
    {"guestinfo.workers", NULL, NULL, "Sizing", "Worker threads", NULL, "int", "4", FALSE},
    /* after an empty Category: none */
    {"guestinfo.build", NULL, NULL, NULL, NULL, NULL, "string", "21964712", FALSE},
    {"ip0",
     "vami",
     "photon-appliance",
     "Networking Properties",
     "Network 1 IP Address",
     "The IP address for this interface. Leave blank if DHCP is desired.",
     "ip",
     "",
     TRUE},
    {"netmask0",
     "vami",
     "photon-appliance",
     "Networking Properties",
     "Network 1 Netmask",
     "The netmask or prefix for this interface. Leave blank if DHCP is desired.",
     "string",
     "255.255.255.0",
     TRUE},
    {"gateway",
     "vami",
     "photon-appliance",
     "Networking Properties",
     "Default Gateway",
     "The default gateway address for this VM. Leave blank if DHCP is desired.",
     "ip",
     "",
     TRUE},
    {"DNS",
     "vami",
     "photon-appliance",
     "Networking Properties",
     "DNS",
     "The domain name servers for this VM (comma separated). Leave blank if DHCP is desired.",
     "string",
     "",
     TRUE},
    {"ip1",
     "vami",
     "photon-appliance",
     "Networking Properties",
     "Network 2 IP Address",
     "From the IP pool of the network protocol profile of VM Network",
     "ip:VM Network",
     "",
     FALSE},
};

/* Ubuntu's cloud image: cloud-init's OVF datasource keys, iso transport */
static const ExpectedProperty ubuntu_properties[] = {
    {"instance-id",
     NULL,
     NULL,
     NULL,
     "A Unique Instance ID for this instance",
     "Specifies the instance id.  This is required and used to determine if the machine "
     "should take \"first boot\" actions",
     "string",
     "id-ovf",
     TRUE},
    {"hostname",
     NULL,
     NULL,
     NULL,
     NULL,
     "Specifies the hostname for the appliance",
     "string",
     "ubuntuguest",
     TRUE},
    {"seedfrom",
     NULL,
     NULL,
     NULL,
     "Url to seed instance data from",
     "This field is optional, but indicates that the instance should 'seed' user-data and "
     "meta-data from the given url.  If set to 'http://tinyurl.com/sm-' is given, meta-data "
     "will be pulled from http://tinyurl.com/sm-meta-data and user-data from "
     "http://tinyurl.com/sm-user-data.  Leave this empty if you do not want to seed from a "
     "url.",
     "string",
     "",
     TRUE},
    {"public-keys",
     NULL,
     NULL,
     NULL,
     "ssh public keys",
     "This field is optional, but indicates that the instance should populate the default "
     "user's 'authorized_keys' with this value",
     "string",
     "",
     TRUE},
    {"user-data",
     NULL,
     NULL,
     NULL,
     "Encoded user-data",
     "In order to fit into a xml attribute, this value is base64 encoded . It will be "
     "decoded, and then processed normally as user-data.",
     "string",
     "",
     TRUE},
    {"password",
     NULL,
     NULL,
     NULL,
     "Default User's password",
     "If set, the default user's password will be set to this value to allow password "
     "based login.  The password will be good for only a single login.  If set to the "
     "string 'RANDOM' then a random password will be generated, and written to the "
     "console.",
     "string",
     "",
     TRUE},
};

static const struct {
	const gchar *file;
	gboolean guestinfo;
	gboolean iso;
	const ExpectedProperty *properties;
	guint n_properties;
} fixtures[] = {
    {"appliance.ovf", TRUE, TRUE, appliance_properties, G_N_ELEMENTS(appliance_properties)},
    {"ubuntu-cloudimg.ovf", FALSE, TRUE, ubuntu_properties, G_N_ELEMENTS(ubuntu_properties)},
};

START_TEST(test_ovf_descriptor_fixtures)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfDescriptor) descriptor = parse_fixture(fixtures[_i].file, &error);

	ck_assert_msg(descriptor != NULL, "%s: %s", fixtures[_i].file, error->message);
	ck_assert_int_eq(descriptor->transport_guestinfo, fixtures[_i].guestinfo);
	ck_assert_int_eq(descriptor->transport_iso, fixtures[_i].iso);
	ck_assert_uint_eq(descriptor->properties->len, fixtures[_i].n_properties);
	for (guint i = 0; i < descriptor->properties->len; i++) {
		VmdsVappProperty *p = g_ptr_array_index(descriptor->properties, i);
		const ExpectedProperty *e = &fixtures[_i].properties[i];
		g_autoptr(VmdsVappType) type = NULL;
		ck_assert_str_eq(p->id, e->id);
		ck_assert_pstr_eq(p->class_id, e->class_id);
		ck_assert_pstr_eq(p->instance_id, e->instance_id);
		ck_assert_pstr_eq(p->category, e->category);
		ck_assert_pstr_eq(p->label, e->label);
		ck_assert_pstr_eq(p->description, e->description);
		ck_assert_str_eq(p->type, e->type);
		ck_assert_str_eq(p->default_value, e->default_value);
		ck_assert_msg(p->user_configurable == e->user_configurable, "%s", e->id);
		/* as vSphere has them: no key yet, the value empty */
		ck_assert_int_eq(p->key, 0);
		ck_assert_str_eq(p->value, "");
		ck_assert_ptr_null(p->type_reference);
		type = vmds_vapp_type_parse(p->type, NULL);
		ck_assert_msg(type != NULL, "%s", p->type);
	}
}
END_TEST

/* one Property in a minimal descriptor: its attributes, then the vApp type
 * it becomes, or (type NULL) a part of the refusal */
#define ONE_PROPERTY                                                                               \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                             \
	"<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\"\n"                             \
	"    xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\"\n"                               \
	"    xmlns:vmw=\"http://www.vmware.com/schema/ovf\">\n"                                    \
	"  <References/>\n"                                                                        \
	"  <VirtualSystem ovf:id=\"vm\">\n"                                                        \
	"    <Info>A virtual machine</Info>\n"                                                     \
	"    <ProductSection>\n"                                                                   \
	"      <Info>Properties</Info>\n"                                                          \
	"      <Property ovf:key=\"p\" %s/>\n"                                                     \
	"    </ProductSection>\n"                                                                  \
	"  </VirtualSystem>\n"                                                                     \
	"</Envelope>\n"

static const struct {
	const gchar *attributes;
	const gchar *type;
	const gchar *message;
} types[] = {
    /* string and its lengths */
    {"ovf:type=\"string\"", "string", NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\"MinLen(2)\"", "string(2..)", NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\"MaxLen(10)\"", "string(..10)", NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\"MinLen(0),MaxLen(65535)\"", "string(0..65535)", NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\" MaxLen( 16 ) , MinLen(4) \"", "string(4..16)", NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\"MaxLen(1048576)\"", "string(..65535)", NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\"MinLen(8),MaxLen(3)\"",
     NULL,
     "line 10: property 'p': type 'string(8..3)': the least is more than the most"},
    {"ovf:type=\"string\" ovf:qualifiers=\"MinLen(70000)\"",
     NULL,
     "MinLen(70000) is more than a vApp string's 65535 characters"},
    {"ovf:type=\"string\" ovf:qualifiers=\"MinLen(-1)\"", NULL, "MinLen takes a whole number"},
    {"ovf:type=\"string\" ovf:qualifiers=\"MinLen(2),MinLen(3)\"", NULL, "MinLen is given twice"},
    {"ovf:type=\"string\" ovf:qualifiers=\"MinLen(2) MaxLen(3)\"",
     NULL,
     "qualifiers are separated by commas"},
    {"ovf:type=\"string\" ovf:qualifiers=\"MaxLen(3\"", NULL, "a ( does not close"},
    /* unknown qualifiers and those of other types are ignored */
    {"ovf:type=\"string\" ovf:qualifiers=\"Units(bytes),MaxLen(4)\"", "string(..4)", NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\"MinValue(3)\"", "string", NULL},
    /* choices */
    {"ovf:type=\"string\" ovf:qualifiers=\"ValueMap{&quot;small&quot;,&quot;large&quot;}\" "
     "ovf:value=\"large\"",
     "string[\"small\", \"large\"]",
     NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\"ValueMap{&quot;a\\&quot;b&quot;, "
     "&quot;c\\\\d&quot;, &quot;e,f&quot;}\"",
     "string[\"a\\\"b\", \"c\\\\d\", \"e,f\"]",
     NULL},
    {"ovf:type=\"string\" ovf:qualifiers=\"ValueMap{}\"", NULL, "the ValueMap is empty"},
    {"ovf:type=\"string\" ovf:qualifiers=\"ValueMap{small}\"",
     NULL,
     "each ValueMap value is in quotes"},
    {"ovf:type=\"string\" ovf:qualifiers=\"ValueMap{&quot;a&quot;\"",
     NULL,
     "ValueMap values are separated by commas"},
    {"ovf:type=\"string\" ovf:qualifiers=\"ValueMap(3)\"", NULL, "ValueMap takes a list"},
    {"ovf:type=\"string\" ovf:qualifiers=\"ValueMap{&quot;small&quot;}\" ovf:value=\"large\"",
     NULL,
     "line 10: property 'p', default value: the value does not fit type 'string[\"small\"]': "
     "it is none of the choices"},
    /* password */
    {"ovf:type=\"string\" ovf:password=\"true\"", "password", NULL},
    {"ovf:type=\"string\" ovf:password=\" 1 \" ovf:qualifiers=\"MinLen(8)\"",
     "password(8..)",
     NULL},
    {"ovf:type=\"string\" ovf:password=\"false\" ovf:qualifiers=\"MaxLen(8)\"",
     "string(..8)",
     NULL},
    {"ovf:type=\"string\" ovf:password=\"true\" ovf:qualifiers=\"ValueMap{&quot;a&quot;}\"",
     NULL,
     "a password (ovf:password) cannot have a ValueMap"},
    {"ovf:type=\"string\" ovf:password=\"yes\"",
     NULL,
     "property 'p': ovf:password is not a boolean"},
    {"ovf:type=\"uint8\" ovf:password=\"true\"",
     NULL,
     "ovf:password applies to ovf:type string, not uint8"},
    /* boolean */
    {"ovf:type=\"boolean\" ovf:value=\"false\"", "boolean", NULL},
    {"ovf:type=\"boolean\" ovf:value=\"yes\"",
     NULL,
     "line 10: property 'p', default value: the value does not fit type 'boolean'"},
    /* the CIM integers, exactly */
    {"ovf:type=\"uint8\"", "int(0..255)", NULL},
    {"ovf:type=\"sint8\" ovf:value=\"-128\"", "int(-128..127)", NULL},
    {"ovf:type=\"uint16\"", "int(0..65535)", NULL},
    {"ovf:type=\"sint16\"", "int(-32768..32767)", NULL},
    {"ovf:type=\"uint32\" ovf:value=\"4294967295\"", "int(0..4294967295)", NULL},
    {"ovf:type=\"sint32\"", "int", NULL},
    {"ovf:type=\"uint64\" ovf:value=\"18446744073709551615\"",
     "int(0..18446744073709551615)",
     NULL},
    {"ovf:type=\"sint64\" ovf:value=\"-9223372036854775808\"",
     "int(-9223372036854775808..9223372036854775807)",
     NULL},
    {"ovf:type=\"uint64\" ovf:value=\"18446744073709551616\"",
     NULL,
     "default value: the value does not fit type 'int(0..18446744073709551615)': it is out of "
     "range"},
    {"ovf:type=\"uint16\" ovf:qualifiers=\"MinValue(1024)\"", "int(1024..65535)", NULL},
    {"ovf:type=\"sint32\" ovf:qualifiers=\"MaxValue(10)\"", "int(-2147483648..10)", NULL},
    {"ovf:type=\"sint32\" ovf:qualifiers=\"MinValue(-2147483648),MaxValue(+2147483647)\"",
     "int",
     NULL},
    {"ovf:type=\"sint64\" ovf:qualifiers=\"MinValue(-0),MaxValue(007)\"", "int(0..7)", NULL},
    {"ovf:type=\"uint8\" ovf:qualifiers=\"MaxValue(256)\"",
     NULL,
     "MaxValue(256) is outside uint8's 0..255"},
    {"ovf:type=\"uint8\" ovf:qualifiers=\"MinValue(-1)\"",
     NULL,
     "MinValue(-1) is outside uint8's 0..255"},
    {"ovf:type=\"uint8\" ovf:qualifiers=\"MinValue(10),MaxValue(5)\"",
     NULL,
     "MinValue is more than MaxValue"},
    {"ovf:type=\"uint8\" ovf:qualifiers=\"MinValue(1.5)\"", NULL, "MinValue takes a whole number"},
    {"ovf:type=\"uint8\" ovf:qualifiers=\"MinLen(3)\"", "int(0..255)", NULL},
    {"ovf:type=\"uint8\" ovf:qualifiers=\"ValueMap{&quot;1&quot;,&quot;2&quot;}\" "
     "ovf:value=\"2\"",
     "string[\"1\", \"2\"]",
     NULL},
    {"ovf:type=\"uint8\" ovf:qualifiers=\"ValueMap{&quot;1&quot;,&quot;300&quot;}\"",
     NULL,
     "ValueMap value 2 is not a whole number from 0 to 255"},
    {"ovf:type=\"uint16\" ovf:value=\"70000\"",
     NULL,
     "line 10: property 'p', default value: the value does not fit type 'int(0..65535)': it is "
     "out of range"},
    /* reals: their qualifiers are ignored */
    {"ovf:type=\"real32\" ovf:value=\"1.5\"", "real", NULL},
    {"ovf:type=\"real64\" ovf:qualifiers=\"MinValue(1)\"", "real", NULL},
    {"ovf:type=\"real64\" ovf:value=\"1\"",
     NULL,
     "default value: the value does not fit type 'real'"},
    /* VMware's: ip, ip:network, expression */
    {"ovf:type=\"string\" vmw:qualifiers=\"Ip\" ovf:value=\"2001:db8::1\"", "ip", NULL},
    {"ovf:type=\"string\" vmw:qualifiers=\"IP\"", "ip", NULL},
    {"ovf:type=\"string\" vmw:qualifiers=\"Ip\" ovf:value=\"10.0.0.256\"",
     NULL,
     "default value: the value does not fit type 'ip'"},
    {"ovf:type=\"string\" vmw:qualifiers=\"Ip('VM Network')\"", "ip:VM Network", NULL},
    {"ovf:type=\"string\" vmw:qualifiers=\"Ip(&quot;Net 2&quot;)\"", "ip:Net 2", NULL},
    {"ovf:type=\"string\" vmw:qualifiers=\"Ip('')\"",
     NULL,
     "vmw:qualifiers 'Ip('')' is not supported"},
    {"ovf:type=\"string\" vmw:qualifiers=\"Netmask('VM Network')\"",
     NULL,
     "vmw:qualifiers 'Netmask('VM Network')' is not supported: Ip and Ip('network') are"},
    {"ovf:type=\"uint32\" vmw:qualifiers=\"Ip\"",
     NULL,
     "vmw:qualifiers applies to ovf:type string, not uint32"},
    {"ovf:type=\"string\" ovf:password=\"true\" vmw:qualifiers=\"Ip\"",
     NULL,
     "an IP address (vmw:qualifiers) cannot be a password"},
    {"ovf:type=\"expression\" ovf:value=\"${netmask:VM Network}\"", "expression", NULL},
    /* matched by namespace, not by prefix: these are not VMware's nor OVF's */
    {"xmlns:x=\"http://example.com/not-vmware\" x:qualifiers=\"Ip\" ovf:type=\"string\"",
     "string",
     NULL},
    {"xmlns:vmw=\"http://example.com/not-vmware\" vmw:qualifiers=\"Ip\" ovf:type=\"string\"",
     "string",
     NULL},
    {"xmlns:o=\"http://schemas.dmtf.org/ovf/envelope/1\" o:type=\"string\" "
     "o:qualifiers=\"MaxLen(5)\"",
     "string(..5)",
     NULL},
    {"ovf:type=\"string\" qualifiers=\"MaxLen(5)\" password=\"true\"", "string", NULL},
    {"type=\"string\"", NULL, "line 10: property 'p' has no ovf:type"},
    /* other types */
    {"ovf:type=\"datetime\"", NULL, "ovf:type 'datetime' is not supported"},
    {"ovf:type=\"char16\"", NULL, "ovf:type 'char16' is not supported"},
    {"ovf:type=\"String\"", NULL, "ovf:type 'String' is not supported"},
    {"ovf:type=\"int\"", NULL, "ovf:type 'int' is not supported"},
    {"ovf:type=\"string\" ovf:userConfigurable=\"maybe\"",
     NULL,
     "property 'p': ovf:userConfigurable is not a boolean"},
};

START_TEST(test_ovf_descriptor_types)
{
	g_autofree gchar *doc = g_strdup_printf(ONE_PROPERTY, types[_i].attributes);
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfDescriptor) descriptor = parse(doc, strlen(doc), &error);

	if (types[_i].type == NULL) {
		ck_assert_msg(descriptor == NULL, "%s: accepted", types[_i].attributes);
		ck_assert_msg(strstr(error->message, types[_i].message) != NULL,
			      "%s: %s",
			      types[_i].attributes,
			      error->message);
		return;
	}
	ck_assert_msg(descriptor != NULL, "%s: %s", types[_i].attributes, error->message);
	ck_assert_uint_eq(descriptor->properties->len, 1);
	ck_assert_str_eq(((VmdsVappProperty *)g_ptr_array_index(descriptor->properties, 0))->type,
			 types[_i].type);
}
END_TEST

/* the hostile corpus: each refused, for its reason */
static const struct {
	const gchar *file;
	const gchar *message;
} hostile[] = {
    {"hostile-billion-laughs.ovf", "the OVF descriptor declares a DTD: refused"},
    {"hostile-external-entity.ovf", "the OVF descriptor declares a DTD: refused"},
    {"hostile-external-dtd.ovf", "the OVF descriptor declares a DTD: refused"},
    {"hostile-dtd-only.ovf", "the OVF descriptor declares a DTD: refused"},
    {"hostile-deep-nesting.ovf", "line 9: Excessive depth in document: 256"},
    {"hostile-latin1.ovf", "the OVF descriptor is not UTF-8 (byte 406): refused"},
    {"hostile-utf16.ovf", "the OVF descriptor is not UTF-8 (byte 0): refused"},
    {"hostile-nul-byte.ovf", "the OVF descriptor is not UTF-8 (byte 354): refused"},
    {"hostile-truncated.ovf", "Premature end of data in tag"},
    {"hostile-empty.ovf", "the OVF descriptor is empty"},
    {"hostile-not-xml.ovf", "line 1: Start tag expected"},
    {"hostile-ovf09-namespace.ovf",
     "line 2: the root element is {http://www.vmware.com/schema/ovf/1/envelope}Envelope, not "
     "an OVF Envelope (http://schemas.dmtf.org/ovf/envelope/1)"},
    {"hostile-attribute-namespace.ovf", "line 8: a Property has no ovf:key"},
    {"hostile-unprefixed-key.ovf", "line 8: a Property has no ovf:key"},
    {"hostile-missing-key.ovf", "line 8: a Property has no ovf:key"},
    {"hostile-duplicate-id.ovf",
     "line 10: property 'hostname' is defined twice: line 8 has the same key in the OVF "
     "environment, 'hostname'"},
    {"hostile-default-mismatch.ovf",
     "line 8: property 'port', default value: the value does not fit type 'int(0..65535)': it "
     "is out of range"},
    {"hostile-collection.ovf",
     "line 4: a VirtualSystemCollection (a vApp of several VMs) is not supported"},
    {"hostile-envelope-product.ovf",
     "line 4: a ProductSection directly in the Envelope is not supported"},
    {"hostile-undefined-entity.ovf", "line 8: Entity 'host' not defined"},
    {"hostile-control-char.ovf", "line 8: xmlParseCharRef: invalid xmlChar value 1"},
    {"hostile-unsupported-type.ovf",
     "line 8: property 'boot-time': ovf:type 'datetime' is not supported"},
};

START_TEST(test_ovf_descriptor_hostile)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfDescriptor) descriptor = parse_fixture(hostile[_i].file, &error);

	ck_assert_msg(descriptor == NULL, "%s: accepted", hostile[_i].file);
	ck_assert_msg(strstr(error->message, hostile[_i].message) != NULL,
		      "%s: %s",
		      hostile[_i].file,
		      error->message);
	/* nothing of the file the entity names was read */
	ck_assert_ptr_null(strstr(error->message, "root:"));
}
END_TEST

/* a descriptor with @n properties, padded with white space to @size bytes
 * (when larger), or a Label of @label_chars e-acutes */
static gchar *
make_descriptor(guint n, gsize size, gsize label_chars, gsize *len)
{
	GString *doc = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				    "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
				    "xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\">\n"
				    "<References/>\n<VirtualSystem ovf:id=\"vm\">\n<Info>x</Info>\n"
				    "<ProductSection>\n<Info>x</Info>\n");
	const gchar *tail = "</ProductSection>\n</VirtualSystem>\n</Envelope>\n";

	for (guint i = 0; i < n; i++)
		g_string_append_printf(doc, "<Property ovf:key=\"p%u\" ovf:type=\"string\"/>\n", i);
	if (label_chars > 0) {
		g_string_append(doc, "<Property ovf:key=\"labelled\" ovf:type=\"string\"><Label>");
		for (gsize i = 0; i < label_chars; i++)
			g_string_append(doc, "\xc3\xa9");
		g_string_append(doc, "</Label></Property>\n");
	}
	while (doc->len + strlen(tail) < size)
		g_string_append_c(doc, doc->len % 64 == 0 ? '\n' : ' ');
	g_string_append(doc, tail);
	*len = doc->len;
	return g_string_free(doc, FALSE);
}

START_TEST(test_ovf_descriptor_size)
{
	gsize len;
	g_autofree gchar *doc = make_descriptor(1, VMDS_OVF_DESCRIPTOR_MAX, 0, &len);
	g_autofree gchar *big = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfDescriptor) descriptor = NULL;

	/* 16 MiB exactly: read */
	ck_assert_uint_eq(len, VMDS_OVF_DESCRIPTOR_MAX);
	descriptor = parse(doc, len, &error);
	ck_assert_msg(descriptor != NULL, "%s", error->message);
	ck_assert_uint_eq(descriptor->properties->len, 1);

	/* 17 MiB: refused before it is read */
	big = make_descriptor(1, 17 * 1024 * 1024, 0, &len);
	g_clear_pointer(&descriptor, vmds_ovf_descriptor_free);
	descriptor = parse(big, len, &error);
	ck_assert_ptr_null(descriptor);
	ck_assert_str_eq(error->message,
			 "the OVF descriptor is 17825792 bytes, more than 16777216: refused");
}
END_TEST

START_TEST(test_ovf_descriptor_many_properties)
{
	gsize len;
	g_autofree gchar *doc = make_descriptor(VMDS_OVF_DESCRIPTOR_MAX_PROPERTIES, 0, 0, &len);
	g_autofree gchar *more = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfDescriptor) descriptor = parse(doc, len, &error);

	ck_assert_msg(descriptor != NULL, "%s", error->message);
	ck_assert_uint_eq(descriptor->properties->len, VMDS_OVF_DESCRIPTOR_MAX_PROPERTIES);

	/* the 10,001st is on line 10008 */
	more = make_descriptor(VMDS_OVF_DESCRIPTOR_MAX_PROPERTIES + 1, 0, 0, &len);
	g_clear_pointer(&descriptor, vmds_ovf_descriptor_free);
	descriptor = parse(more, len, &error);
	ck_assert_ptr_null(descriptor);
	ck_assert_str_eq(error->message,
			 "line 10008: the OVF descriptor has more than 10000 properties");
}
END_TEST

START_TEST(test_ovf_descriptor_long_text)
{
	gsize len;
	g_autofree gchar *doc = make_descriptor(0, 0, VMDS_VAPP_MAX_STRING, &len);
	g_autofree gchar *longer = NULL;
	g_autofree gchar *value = NULL;
	g_autofree gchar *long_value = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfDescriptor) descriptor = parse(doc, len, &error);
	VmdsVappProperty *p;

	/* 65,535 characters (131,070 bytes): taken whole */
	ck_assert_msg(descriptor != NULL, "%s", error->message);
	p = g_ptr_array_index(descriptor->properties, 0);
	ck_assert_int_eq(g_utf8_strlen(p->label, -1), VMDS_VAPP_MAX_STRING);

	longer = make_descriptor(0, 0, VMDS_VAPP_MAX_STRING + 1, &len);
	g_clear_pointer(&descriptor, vmds_ovf_descriptor_free);
	descriptor = parse(longer, len, &error);
	ck_assert_ptr_null(descriptor);
	ck_assert_msg(strstr(error->message, "a Label is longer than 65535 characters") != NULL,
		      "%s",
		      error->message);
	g_clear_error(&error);

	value = g_strnfill(VMDS_VAPP_MAX_STRING + 1, 'v');
	long_value = g_strdup_printf(ONE_PROPERTY, "ovf:type=\"string\" ovf:value=\"VALUE\"");
	{
		g_auto(GStrv) parts = g_strsplit(long_value, "VALUE", 2);
		g_autofree gchar *doc2 = g_strjoin(value, parts[0], parts[1], NULL);
		descriptor = parse(doc2, strlen(doc2), &error);
	}
	ck_assert_ptr_null(descriptor);
	ck_assert_str_eq(error->message,
			 "line 10: property 'p': its ovf:value is longer than 65535 characters");
}
END_TEST

/* white space in ids, classes and instances: vSphere takes none */
START_TEST(test_ovf_descriptor_white_space)
{
	const gchar *docs[][2] = {
	    {"<Property ovf:key=\"host name\" ovf:type=\"string\"/>",
	     "line 10: property 'host name': its ovf:key holds white space"},
	    {"<Property ovf:key=\"\" ovf:type=\"string\"/>", "line 10: a Property has no ovf:key"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(docs); i++) {
		g_autofree gchar *doc = g_strdup_printf(ONE_PROPERTY, "ovf:type=\"string\"");
		g_auto(GStrv) parts =
		    g_strsplit(doc, "<Property ovf:key=\"p\" ovf:type=\"string\"/>", 2);
		g_autofree gchar *edited = g_strjoin(docs[i][0], parts[0], parts[1], NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsOvfDescriptor) descriptor = parse(edited, strlen(edited), &error);
		ck_assert_ptr_null(descriptor);
		ck_assert_str_eq(error->message, docs[i][1]);
	}
	{
		g_autofree gchar *doc = g_strdup_printf(ONE_PROPERTY, "ovf:type=\"string\"");
		g_auto(GStrv) parts = g_strsplit(doc, "<ProductSection>", 2);
		g_autofree gchar *edited =
		    g_strjoin("<ProductSection ovf:class=\"a b\">", parts[0], parts[1], NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsOvfDescriptor) descriptor = parse(edited, strlen(edited), &error);
		ck_assert_ptr_null(descriptor);
		ck_assert_str_eq(error->message,
				 "line 8: a ProductSection's ovf:class or ovf:instance holds white "
				 "space");
	}
}
END_TEST

/* the same id in two classes is two properties; class "a" + id "b.c" and id
 * "a.b" + instance "c" are one key in the environment: refused */
START_TEST(test_ovf_descriptor_env_keys)
{
	const gchar *sections[] = {
	    "<ProductSection ovf:class=\"x\"><Info>i</Info>"
	    "<Property ovf:key=\"ip0\" ovf:type=\"string\"/></ProductSection>\n"
	    "<ProductSection ovf:class=\"y\"><Info>i</Info>"
	    "<Property ovf:key=\"ip0\" ovf:type=\"string\"/></ProductSection>",
	    "<ProductSection ovf:class=\"a\"><Info>i</Info>"
	    "<Property ovf:key=\"b.c\" ovf:type=\"string\"/></ProductSection>\n"
	    "<ProductSection ovf:instance=\"c\"><Info>i</Info>"
	    "<Property ovf:key=\"a.b\" ovf:type=\"string\"/></ProductSection>",
	};

	for (guint i = 0; i < G_N_ELEMENTS(sections); i++) {
		g_autofree gchar *doc =
		    g_strdup_printf("<?xml version=\"1.0\"?>\n"
				    "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
				    "xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\">\n"
				    "<References/><VirtualSystem ovf:id=\"vm\"><Info>i</Info>\n%s\n"
				    "</VirtualSystem></Envelope>\n",
				    sections[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsOvfDescriptor) descriptor = parse(doc, strlen(doc), &error);
		if (i == 0) {
			VmdsVappProperty *p;
			ck_assert_msg(descriptor != NULL, "%s", error->message);
			ck_assert_uint_eq(descriptor->properties->len, 2);
			p = g_ptr_array_index(descriptor->properties, 1);
			ck_assert_str_eq(p->class_id, "y");
			ck_assert_str_eq(p->id, "ip0");
			/* the transport is not said: neither */
			ck_assert(!descriptor->transport_guestinfo && !descriptor->transport_iso);
		} else {
			ck_assert_ptr_null(descriptor);
			ck_assert_str_eq(error->message,
					 "line 5: property 'a.b' is defined twice: line 4 has the "
					 "same key in the OVF environment, 'a.b.c'");
		}
	}
}
END_TEST

/* transports: a space-separated (DSP0243) or comma-separated (DSP8023 1.0)
 * list; unknown ones ignored; in the OVF namespace only */
START_TEST(test_ovf_descriptor_transports)
{
	const struct {
		const gchar *attribute;
		gboolean guestinfo;
		gboolean iso;
	} cases[] = {
	    {"ovf:transport=\"com.vmware.guestInfo\"", TRUE, FALSE},
	    {"ovf:transport=\"iso\"", FALSE, TRUE},
	    {"ovf:transport=\" iso  com.vmware.guestInfo \"", TRUE, TRUE},
	    {"ovf:transport=\"iso,com.vmware.guestInfo\"", TRUE, TRUE},
	    {"ovf:transport=\"http://www.ibm.com/xmlns/ovf/transport/filesystem/etc/ovf-transport "
	     "iso\"",
	     FALSE,
	     TRUE},
	    {"ovf:transport=\"ISO com.vmware.guestinfo\"", FALSE, FALSE},
	    {"ovf:transport=\"\"", FALSE, FALSE},
	    {"transport=\"iso\"", FALSE, FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *doc = g_strdup_printf(
		    "<?xml version=\"1.0\"?>\n"
		    "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
		    "xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\">\n"
		    "<References/><VirtualSystem ovf:id=\"vm\"><Info>i</Info>\n"
		    "<VirtualHardwareSection %s><Info>i</Info></VirtualHardwareSection>\n"
		    "</VirtualSystem></Envelope>\n",
		    cases[i].attribute);
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsOvfDescriptor) descriptor = parse(doc, strlen(doc), &error);
		ck_assert_msg(descriptor != NULL, "%s", error->message);
		ck_assert_uint_eq(descriptor->properties->len, 0);
		ck_assert_msg(descriptor->transport_guestinfo == cases[i].guestinfo &&
				  descriptor->transport_iso == cases[i].iso,
			      "%s",
			      cases[i].attribute);
	}
}
END_TEST

/* libxml2 prints nothing on stderr, and the caller's handler is put back */
static void
other_handler_cb(void *user_data, xmlErrorPtr error)
{
}

START_TEST(test_ovf_descriptor_silent)
{
	const gchar *files[] = {
	    "hostile-truncated.ovf",
	    "hostile-not-xml.ovf",
	    "hostile-undefined-entity.ovf",
	    "hostile-deep-nesting.ovf",
	    "hostile-control-char.ovf",
	    "hostile-billion-laughs.ovf",
	};
	g_autofree gchar *path = NULL;
	g_autofree gchar *captured = NULL;
	gint fd = g_file_open_tmp("test-ovf-descriptor-XXXXXX", &path, NULL);
	gint saved = dup(STDERR_FILENO);

	ck_assert_int_ge(fd, 0);
	xmlSetStructuredErrorFunc(&saved, other_handler_cb);
	fflush(stderr);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsOvfDescriptor) descriptor = parse_fixture(files[i], &error);
		ck_assert_ptr_null(descriptor);
	}
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	ck_assert(xmlStructuredError == other_handler_cb);
	ck_assert(xmlStructuredErrorContext == &saved);
	xmlSetStructuredErrorFunc(NULL, NULL);
	ck_assert(g_file_get_contents(path, &captured, NULL, NULL));
	g_unlink(path);
	ck_assert_str_eq(captured, "");
}
END_TEST

static Suite *
ovf_descriptor_suite(void)
{
	Suite *s = suite_create("ovf-descriptor");
	TCase *tc = tcase_create("descriptor");

	/* 16 MiB under valgrind */
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_ovf_descriptor_fixtures, 0, G_N_ELEMENTS(fixtures));
	tcase_add_loop_test(tc, test_ovf_descriptor_types, 0, G_N_ELEMENTS(types));
	tcase_add_loop_test(tc, test_ovf_descriptor_hostile, 0, G_N_ELEMENTS(hostile));
	tcase_add_test(tc, test_ovf_descriptor_size);
	tcase_add_test(tc, test_ovf_descriptor_many_properties);
	tcase_add_test(tc, test_ovf_descriptor_long_text);
	tcase_add_test(tc, test_ovf_descriptor_white_space);
	tcase_add_test(tc, test_ovf_descriptor_env_keys);
	tcase_add_test(tc, test_ovf_descriptor_transports);
	tcase_add_test(tc, test_ovf_descriptor_silent);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(ovf_descriptor_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
