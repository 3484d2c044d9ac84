/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-error.h"
#include "vmds-metadata-filter.h"

/*
 * The query filter of issue 12 (vCD's query service syntax): every form that
 * parses and every one that does not, with the column its error names; the
 * SQL it compiles to; and what that SQL selects in a real index (the design
 * note's schema) of hand-made fixtures, for an administrator, an owner, and
 * an owner with the VCENTER right. Expected results come from vCD's
 * documentation and the issue, written by hand.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* filters that parse, and their number of conditions */
static const struct {
	const gchar *filter;
	guint n_conditions;
} good[] = {
    /* each operator and type */
    {"metadata:a==STRING:x", 1},
    {"metadata:a!=STRING:x", 1},
    {"metadata:a==NUMBER:1", 1},
    {"metadata:a!=NUMBER:-1", 1},
    {"metadata:a=gt=NUMBER:+1", 1},
    {"metadata:a=lt=NUMBER:007", 1},
    {"metadata:a=ge=NUMBER:9223372036854775807", 1},
    {"metadata:a=le=NUMBER:-9223372036854775808", 1},
    {"metadata:a==DATETIME:2012-06-18T12:00:00-05:00", 1},
    {"metadata:a!=DATETIME:2012-06-18T17:00:00Z", 1},
    {"metadata:a=gt=DATETIME:2012-06-18T17:00:00.5Z", 1},
    {"metadata:a=lt=DATETIME:2012-06-18T17:00:00+14:00", 1},
    {"metadata:a=ge=DATETIME:2012-06-18T17:00:00%2B01:00", 1},
    {"metadata:a=le=DATETIME:2012-06-18T17:00:00", 1},
    {"metadata:a==BOOLEAN:true", 1},
    {"metadata:a==BOOLEAN:false", 1},
    {"metadata:a==BOOLEAN:1", 1},
    {"metadata:a!=BOOLEAN:0", 1},
    /* vCD's own examples (programming guide 5.1, "Metadata Query Filter
     * Expressions") */
    {"metadata:rank=ge=NUMBER:1", 1},
    {"metadata@SYSTEM:expiry=le=DATETIME:2012-06-18T12:00:00-05:00", 1},
    /* domains */
    {"metadata@SYSTEM:a==STRING:x", 1},
    {"metadata@VCENTER:a==STRING:x", 1},
    {"metadata@GENERAL:a==STRING:x", 1},
    /* wildcards */
    {"metadata:a==STRING:*", 1},
    {"metadata:a==STRING:x*y*", 1},
    {"metadata:a!=STRING:x%2Ay", 1},
    {"metadata:a*b==STRING:x", 1},
    /* values: empty, ':' and '=' as they are, every reserved character
     * encoded, UTF-8 */
    {"metadata:a==STRING:", 1},
    {"metadata:a==STRING:b:c=d", 1},
    {"metadata:a==STRING:%3B%2C%28%29%3D%3A%25%20%2a", 1},
    {"metadata:a%3Db%3Ac%28d%29%2Ce%21f==STRING:x", 1},
    {"metadata:a:b@c==STRING:x", 1},
    {"metadata:%C3%A9t%C3%A9==STRING:%E2%82%AC", 1},
    {"metadata:été==STRING:€", 1},
    {"metadata:a==STRING:a+b", 1},
    /* AND, OR, parentheses */
    {"metadata:a==STRING:x;metadata:b==STRING:y", 2},
    {"metadata:a==STRING:x,metadata:b==STRING:y", 2},
    {"metadata:a==STRING:x;metadata:b==STRING:y,metadata:c==STRING:z", 3},
    {"(metadata:a==STRING:x)", 1},
    {"((metadata:a==STRING:x,metadata:b==STRING:y);metadata:c==STRING:z)", 3},
    {"(metadata:a==STRING:x;metadata:b==STRING:y),(metadata:c==STRING:z;metadata:a==STRING:"
     "w)",
     4},
};

/* filters that do not parse: the column and the reason of the error */
static const struct {
	const gchar *filter;
	guint column;
	const gchar *why;
} bad[] = {
    /* no condition */
    {"", 1, "expected a condition (metadata:KEY==TYPE:VALUE) or '('"},
    {"name==foo", 1, "expected a condition"},
    {"(numberOfVMs!=0;isPrimary==true)", 2, "expected a condition"},
    {"Metadata:a==STRING:x", 1, "expected a condition"},
    /* after 'metadata' */
    {"metadata", 9, "expected ':' or '@' and a domain (SYSTEM, VCENTER or GENERAL)"},
    {"metadatax:a==STRING:x", 9, "expected ':' or '@'"},
    {"metadata;", 9, "expected ':' or '@'"},
    /* domains */
    {"metadata@:a==STRING:x", 10, "expected a domain (SYSTEM, VCENTER or GENERAL) after '@'"},
    {"metadata@system:a==STRING:x", 10, "expected a domain"},
    {"metadata@SYSTEMS:a==STRING:x", 10, "expected a domain"},
    {"metadata@PRIVATE:a==STRING:x", 10, "expected a domain"},
    {"metadata@SYSTEM", 16, "expected ':' after the domain"},
    {"metadata@SYSTEM1:a==STRING:x", 16, "expected ':' after the domain"},
    /* keys */
    {"metadata:", 10, "expected a key"},
    {"metadata:==STRING:x", 10, "expected a key"},
    {"metadata:a;b==STRING:x", 11, "';' in a key is written %3B"},
    {"metadata:a,b==STRING:x", 11, "',' in a key is written %2C"},
    {"metadata:a(b)==STRING:x", 11, "'(' in a key is written %28"},
    {"metadata:a)==STRING:x", 11, "')' in a key is written %29"},
    {"metadata:a%3Bb==STRING:x", 10, "a metadata key has no ';'"},
    {"metadata:..%2Fx==STRING:y", 10, "segment"},
    {"metadata:%C3==STRING:x", 10, "a metadata key is UTF-8"},
    {"metadata:a%zz==STRING:x", 11, "'%' begins an escape of two hexadecimal digits"},
    {"metadata:%00==STRING:x", 10, "%00 is not allowed in a key or value"},
    /* operators */
    {"metadata:a", 11, "expected an operator (==, !=, =gt=, =lt=, =ge=, =le=)"},
    {"metadata:a=STRING:x", 11, "expected an operator (==, !=, =gt=, =lt=, =ge=, =le=)"},
    {"metadata:a=gte=NUMBER:1", 11, "expected an operator"},
    {"metadata:a=GT=NUMBER:1", 11, "expected an operator"},
    {"metadata:a!STRING:x", 11, "expected an operator"},
    {"metadata:a<NUMBER:1", 20, "expected an operator"},
    /* types */
    {"metadata:PenTested==false", 21, "expected a type (STRING, NUMBER, DATETIME or BOOLEAN)"},
    {"metadata:a==string:x", 13, "expected a type"},
    {"metadata:a==STRINGS:x", 13, "expected a type"},
    {"metadata:a===STRING:x", 13, "expected a type"},
    {"metadata:a==STRING", 19, "expected ':' after the type"},
    {"metadata:a==NUMBER1", 19, "expected ':' after the type"},
    /* ordering operators: NUMBER and DATETIME only */
    {"metadata:a=gt=STRING:x", 11, "=gt= compares NUMBER and DATETIME values only"},
    {"metadata:a=lt=STRING:x", 11, "=lt= compares NUMBER and DATETIME values only"},
    {"metadata:a=ge=BOOLEAN:1", 11, "=ge= compares NUMBER and DATETIME values only"},
    {"metadata:a=le=BOOLEAN:true", 11, "=le= compares NUMBER and DATETIME values only"},
    /* values, each type exactly */
    {"metadata:a==NUMBER:", 20, "a NUMBER value is a decimal integer"},
    {"metadata:a==NUMBER:x", 20, "a NUMBER value is a decimal integer"},
    {"metadata:a==NUMBER:1.5", 20, "a NUMBER value is a decimal integer"},
    {"metadata:a==NUMBER:1e3", 20, "a NUMBER value is a decimal integer"},
    {"metadata:a==NUMBER:9223372036854775808", 20, "a signed 64-bit integer"},
    {"metadata:a==NUMBER:-9223372036854775809", 20, "a signed 64-bit integer"},
    {"metadata:a==NUMBER:1*", 20, "a NUMBER value is a decimal integer"},
    {"metadata:a==DATETIME:2012-06-18", 22, "xsd:dateTime"},
    {"metadata:a==DATETIME:2012-06-18 12:00:00Z", 32, "a space or control character"},
    {"metadata:a==DATETIME:2012-06-18T12:00:00%2005:00", 22, "xsd:dateTime"},
    {"metadata:a==DATETIME:2012-02-30T00:00:00Z", 22, "a day of the calendar"},
    {"metadata:a==DATETIME:2012-06-18T12:00:00+15:00", 22, "-14:00 to +14:00"},
    {"metadata:a==BOOLEAN:True", 21, "a BOOLEAN value is 1, 0, true or false"},
    {"metadata:a==BOOLEAN:yes", 21, "a BOOLEAN value is 1, 0, true or false"},
    {"metadata:a==BOOLEAN:", 21, "a BOOLEAN value is 1, 0, true or false"},
    /* wildcards: with == only */
    {"metadata:a!=STRING:x*", 21, "a wildcard (*) is allowed with == only"},
    {"metadata:a!=STRING:%2A*", 23, "a wildcard (*) is allowed with == only"},
    /* values: reserved characters and escapes */
    {"metadata:a==STRING:x(y", 21, "'(' in a value is written %28"},
    {"metadata:a==STRING:%zz", 20, "'%' begins an escape of two hexadecimal digits"},
    {"metadata:a==STRING:x%2", 21, "'%' begins an escape"},
    {"metadata:a==STRING:x%", 21, "'%' begins an escape"},
    {"metadata:a==STRING:x%;metadata:b==STRING:y", 21, "'%' begins an escape"},
    {"metadata:a==STRING:%00", 20, "%00 is not allowed in a key or value"},
    {"metadata:a==STRING:%FF", 20, "the value is not UTF-8 once decoded"},
    {"metadata:a==STRING:%C3%A9(", 26, "'(' in a value is written %28"},
    /* spaces and control characters: nowhere as they are */
    {" metadata:a==STRING:x", 1, "a space or control character is written %20 or %XX"},
    {"metadata :a==STRING:x", 9, "a space or control character"},
    {"metadata: a==STRING:x", 10, "a space or control character"},
    {"metadata:a ==STRING:x", 11, "a space or control character"},
    {"metadata:a== STRING:x", 13, "a space or control character"},
    {"metadata:a==STRING: x", 20, "a space or control character"},
    {"metadata:a==STRING:x y", 21, "a space or control character"},
    {"metadata:a==STRING:x ;metadata:b==STRING:y", 21, "a space or control character"},
    {"metadata:a==STRING:x; metadata:b==STRING:y", 22, "a space or control character"},
    {"metadata:a==STRING:x\t", 21, "a space or control character"},
    {"metadata:a==STRING:x\n", 21, "a space or control character"},
    {"metadata:a==STRING:x\x7f", 21, "a space or control character"},
    {"( metadata:a==STRING:x)", 2, "a space or control character"},
    {"(metadata:a==STRING:x )", 22, "a space or control character"},
    /* structure */
    {";metadata:a==STRING:x", 1, "expected a condition"},
    {"metadata:a==STRING:x;", 22, "expected a condition"},
    {"metadata:a==STRING:x,", 22, "expected a condition"},
    {"metadata:a==STRING:x,,metadata:b==STRING:y", 22, "expected a condition"},
    {"metadata:a==STRING:x;;metadata:b==STRING:y", 22, "expected a condition"},
    {"()", 2, "expected a condition"},
    {"(metadata:a==STRING:x", 22, "expected ')' to close the '(' of column 1"},
    {"((metadata:a==STRING:x)", 24, "expected ')' to close the '(' of column 1"},
    {"metadata:a==STRING:x)", 21, "')' closes no '('"},
    {"metadata:a==STRING:x))", 21, "')' closes no '('"},
    {"(metadata:a==STRING:x)metadata:b==STRING:y", 23, "expected ';', ',' or the end"},
    {"(metadata:a==STRING:x)(metadata:b==STRING:y)", 23, "expected ';', ',' or the end"},
    {"((metadata:a==STRING:x)(metadata:b==STRING:y))", 24, "expected ';', ',' or ')'"},
    /* columns count characters, not bytes */
    {"metadata:é==FOO:x", 13, "expected a type"},
    {"metadata:€€==STRING:x y", 22, "a space or control character"},
    {"metadata:a==STRING:\xff", 20, "not UTF-8"},
    {"metadata:é==STRING:\xc3", 20, "not UTF-8"},
};

/* an administrator, an owner, an owner with the VCENTER right */
typedef enum {
	VIEWER_ADMINISTRATOR,
	VIEWER_OWNER,
	VIEWER_VCENTER,
	VIEWER_LAST,
} Viewer;

/*
 * The index: VMs vm-1 to vm-5 and vm-1's data set rw owned by alice, vm-6 by
 * bob. Datetimes: T0 = 2012-06-18T17:00:00Z = 1340038800 s (date -u -d);
 * 2000-01-01T00:00:00Z = 946684800 s.
 */
static const gchar fixtures[] =
    "INSERT INTO objects VALUES (1, 'vm-1', 1, 'vm', '', 'alice');"
    "INSERT INTO objects VALUES (2, 'vm-1', 1, 'dataset', 'rw', 'alice');"
    "INSERT INTO objects VALUES (3, 'vm-2', 2, 'vm', '', 'alice');"
    "INSERT INTO objects VALUES (4, 'vm-3', 3, 'vm', '', 'alice');"
    "INSERT INTO objects VALUES (5, 'vm-4', 4, 'vm', '', 'alice');"
    "INSERT INTO objects VALUES (6, 'vm-5', 5, 'vm', '', 'alice');"
    "INSERT INTO objects VALUES (7, 'vm-6', 6, 'vm', '', 'bob');"
    /* vm-1 */
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'env', 'STRING', 'prod', NULL);"
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'tier', 'NUMBER', '10', 10);"
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'created', 'DATETIME',"
    " '2012-06-18T17:00:00Z', 1340038800000000);"
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'ok', 'BOOLEAN', 'true', 1);"
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'name', 'STRING', 'Zürich Web',"
    " NULL);"
    "INSERT INTO entries VALUES (1, 'SYSTEM', 'READONLY', 'cost', 'NUMBER', '5', 5);"
    "INSERT INTO entries VALUES (1, 'SYSTEM', 'PRIVATE', 'secret', 'STRING', 's3', NULL);"
    "INSERT INTO entries VALUES (1, 'VCENTER', 'READWRITE', 'host', 'STRING', 'esx-1', NULL);"
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'a=b:c(d),e*f!', 'STRING',"
    " 'x;y,z(w)=v:u%t', NULL);"
    /* vm-1's data set rw */
    "INSERT INTO entries VALUES (2, 'GENERAL', 'READWRITE', 'env', 'STRING', 'prod', NULL);"
    "INSERT INTO entries VALUES (2, 'GENERAL', 'READWRITE', 'tier', 'NUMBER', '3', 3);"
    /* vm-2 */
    "INSERT INTO entries VALUES (3, 'GENERAL', 'READWRITE', 'env', 'STRING', 'Prod', NULL);"
    "INSERT INTO entries VALUES (3, 'GENERAL', 'READWRITE', 'tier', 'NUMBER', '9', 9);"
    "INSERT INTO entries VALUES (3, 'GENERAL', 'READWRITE', 'created', 'DATETIME',"
    " '2012-06-18T17:00:00.000001Z', 1340038800000001);"
    "INSERT INTO entries VALUES (3, 'GENERAL', 'READWRITE', 'ok', 'BOOLEAN', 'false', 0);"
    "INSERT INTO entries VALUES (3, 'GENERAL', 'READWRITE', 'name', 'STRING', 'ZÜRICH web',"
    " NULL);"
    "INSERT INTO entries VALUES (3, 'SYSTEM', 'PRIVATE', 'cost', 'NUMBER', '7', 7);"
    "INSERT INTO entries VALUES (3, 'SYSTEM', 'READONLY', 'secret', 'STRING', 's3', NULL);"
    "INSERT INTO entries VALUES (3, 'GENERAL', 'READWRITE', 'cost', 'NUMBER', '5', 5);"
    /* vm-3: a STRING of 1,001 characters is in the index as NULL */
    "INSERT INTO entries VALUES (4, 'GENERAL', 'READWRITE', 'env', 'STRING', 'production-eu',"
    " NULL);"
    "INSERT INTO entries VALUES (4, 'GENERAL', 'READWRITE', 'tier', 'NUMBER', '100', 100);"
    "INSERT INTO entries VALUES (4, 'GENERAL', 'READWRITE', 'created', 'DATETIME',"
    " '2000-01-01T00:00:00Z', 946684800000000);"
    "INSERT INTO entries VALUES (4, 'GENERAL', 'READWRITE', 'long', 'STRING', NULL, NULL);"
    "INSERT INTO entries VALUES (4, 'GENERAL', 'READWRITE', 'star', 'STRING', 'a*b', NULL);"
    "INSERT INTO entries VALUES (4, 'VCENTER', 'READWRITE', 'host', 'STRING', 'esx-2', NULL);"
    /* vm-4: env of another type, the NUMBER bounds */
    "INSERT INTO entries VALUES (5, 'GENERAL', 'READWRITE', 'env', 'NUMBER', '5', 5);"
    "INSERT INTO entries VALUES (5, 'GENERAL', 'READWRITE', 'star', 'STRING', 'aXb', NULL);"
    "INSERT INTO entries VALUES (5, 'GENERAL', 'READWRITE', 'tier', 'NUMBER',"
    " '-9223372036854775808', -9223372036854775808);"
    "INSERT INTO entries VALUES (5, 'GENERAL', 'READWRITE', 'big', 'NUMBER',"
    " '9223372036854775807', 9223372036854775807);"
    /* vm-5: none; vm-6, bob's */
    "INSERT INTO entries VALUES (7, 'GENERAL', 'READWRITE', 'env', 'STRING', 'prod', NULL);"
    "INSERT INTO entries VALUES (7, 'SYSTEM', 'PRIVATE', 'cost', 'NUMBER', '5', 5);";

/* the design note's index */
static const gchar schema[] =
    "CREATE TABLE objects(object_id INTEGER PRIMARY KEY, vm TEXT, vm_number INTEGER,"
    " object_type TEXT, object_name TEXT, owner TEXT, UNIQUE(vm, object_type, object_name));"
    "CREATE TABLE entries(object_id INTEGER REFERENCES objects(object_id) ON DELETE CASCADE,"
    " domain TEXT, visibility TEXT, key TEXT, type TEXT, value TEXT, num INTEGER,"
    " PRIMARY KEY (object_id, domain, key));"
    "CREATE INDEX entries_value ON entries(key, type, value);"
    "CREATE INDEX entries_num ON entries(key, type, num);"
    "CREATE TABLE vm_generations(vm TEXT PRIMARY KEY, generation INTEGER);";

/* what each viewer's query selects; vcenter NULL: as the owner's */
static const struct {
	const gchar *filter;
	const gchar *administrator;
	const gchar *owner;
	const gchar *vcenter;
} selects[] = {
    /* STRING ==: case-sensitive */
    {"metadata:env==STRING:prod", "vm-1 vm-1/rw vm-6", "vm-1 vm-1/rw", NULL},
    {"metadata:env==STRING:Prod", "vm-2", "vm-2", NULL},
    {"metadata:env==STRING:PROD", "", "", NULL},
    {"metadata:env==STRING:pro", "", "", NULL},
    /* wildcards: case-insensitive, anywhere */
    {"metadata:env==STRING:prod*", "vm-1 vm-1/rw vm-2 vm-3 vm-6", "vm-1 vm-1/rw vm-2 vm-3", NULL},
    {"metadata:env==STRING:*EU", "vm-3", "vm-3", NULL},
    {"metadata:env==STRING:P*D", "vm-1 vm-1/rw vm-2 vm-6", "vm-1 vm-1/rw vm-2", NULL},
    {"metadata:env==STRING:*", "vm-1 vm-1/rw vm-2 vm-3 vm-6", "vm-1 vm-1/rw vm-2 vm-3", NULL},
    {"metadata:name==STRING:zürich*", "vm-1 vm-2", "vm-1 vm-2", NULL},
    {"metadata:name==STRING:*WEB", "vm-1 vm-2", "vm-1 vm-2", NULL},
    {"metadata:name==STRING:Z%C3%BCrich%20Web", "vm-1", "vm-1", NULL},
    /* an encoded asterisk is one */
    {"metadata:star==STRING:a%2Ab", "vm-3", "vm-3", NULL},
    {"metadata:star==STRING:a*b", "vm-3 vm-4", "vm-3 vm-4", NULL},
    {"metadata:star==STRING:A%2AB*", "vm-3", "vm-3", NULL},
    /* !=: the key visible, not with this typed value */
    {"metadata:env!=STRING:prod", "vm-2 vm-3 vm-4", "vm-2 vm-3 vm-4", NULL},
    {"metadata:env==NUMBER:5", "vm-4", "vm-4", NULL},
    {"metadata:tier==STRING:10", "", "", NULL},
    {"metadata:tier!=STRING:10",
     "vm-1 vm-1/rw vm-2 vm-3 vm-4",
     "vm-1 vm-1/rw vm-2 vm-3 vm-4",
     NULL},
    {"metadata:nothing!=STRING:x", "", "", NULL},
    /* NUMBER: integers (10 > 9), the 64-bit bounds */
    {"metadata:tier=gt=NUMBER:9", "vm-1 vm-3", "vm-1 vm-3", NULL},
    {"metadata:tier=ge=NUMBER:9", "vm-1 vm-2 vm-3", "vm-1 vm-2 vm-3", NULL},
    {"metadata:tier=lt=NUMBER:10", "vm-1/rw vm-2 vm-4", "vm-1/rw vm-2 vm-4", NULL},
    {"metadata:tier=le=NUMBER:10", "vm-1 vm-1/rw vm-2 vm-4", "vm-1 vm-1/rw vm-2 vm-4", NULL},
    {"metadata:tier==NUMBER:+010", "vm-1", "vm-1", NULL},
    {"metadata:tier!=NUMBER:10", "vm-1/rw vm-2 vm-3 vm-4", "vm-1/rw vm-2 vm-3 vm-4", NULL},
    {"metadata:tier=le=NUMBER:-9223372036854775808", "vm-4", "vm-4", NULL},
    {"metadata:big=ge=NUMBER:9223372036854775807", "vm-4", "vm-4", NULL},
    /* DATETIME: instants, whatever the offset */
    {"metadata:created==DATETIME:2012-06-18T12:00:00-05:00", "vm-1", "vm-1", NULL},
    {"metadata:created==DATETIME:2012-06-19T02:00:00+09:00", "vm-1", "vm-1", NULL},
    {"metadata:created==DATETIME:2012-06-19T02:00:00%2B09:00", "vm-1", "vm-1", NULL},
    {"metadata:created==DATETIME:2012-06-18T17:00:00", "vm-1", "vm-1", NULL},
    {"metadata:created=gt=DATETIME:2012-06-18T17:00:00Z", "vm-2", "vm-2", NULL},
    {"metadata:created=ge=DATETIME:2012-06-18T12:00:00.000000-05:00",
     "vm-1 vm-2",
     "vm-1 vm-2",
     NULL},
    {"metadata:created=lt=DATETIME:2012-06-18T17:00:00.000001Z", "vm-1 vm-3", "vm-1 vm-3", NULL},
    {"metadata:created=le=DATETIME:2012-06-18T17:00:00.000001Z",
     "vm-1 vm-2 vm-3",
     "vm-1 vm-2 vm-3",
     NULL},
    {"metadata:created!=DATETIME:2012-06-18T17:00:00Z", "vm-2 vm-3", "vm-2 vm-3", NULL},
    /* BOOLEAN: 1 is true, 0 false */
    {"metadata:ok==BOOLEAN:true", "vm-1", "vm-1", NULL},
    {"metadata:ok==BOOLEAN:1", "vm-1", "vm-1", NULL},
    {"metadata:ok==BOOLEAN:0", "vm-2", "vm-2", NULL},
    {"metadata:ok!=BOOLEAN:true", "vm-2", "vm-2", NULL},
    /* a STRING over 1,000 characters matches nothing */
    {"metadata:long==STRING:*", "", "", NULL},
    {"metadata:long!=STRING:x", "", "", NULL},
    /* a key and a value with every reserved character */
    {"metadata:a%3Db:c%28d%29%2Ce*f%21==STRING:x%3By%2Cz%28w%29=v:u%25t", "vm-1", "vm-1", NULL},
    /* SYSTEM: READONLY for owners, PRIVATE for administrators only */
    {"metadata@SYSTEM:cost==NUMBER:5", "vm-1 vm-6", "vm-1", NULL},
    {"metadata@SYSTEM:cost==NUMBER:7", "vm-2", "", NULL},
    {"metadata@SYSTEM:cost=ge=NUMBER:0", "vm-1 vm-2 vm-6", "vm-1", NULL},
    {"metadata@SYSTEM:cost!=NUMBER:5", "vm-2", "", NULL},
    {"metadata@SYSTEM:secret==STRING:s3", "vm-1 vm-2", "vm-2", NULL},
    {"metadata@SYSTEM:secret!=STRING:x", "vm-1 vm-2", "vm-2", NULL},
    {"metadata@SYSTEM:secret==STRING:*", "vm-1 vm-2", "vm-2", NULL},
    /* GENERAL is another domain: the same key, another entry */
    {"metadata:cost==NUMBER:5", "vm-2", "vm-2", NULL},
    {"metadata@GENERAL:cost==NUMBER:5", "vm-2", "vm-2", NULL},
    {"metadata@SYSTEM:env==STRING:prod", "", "", NULL},
    /* VCENTER: with the right only */
    {"metadata@VCENTER:host==STRING:esx-1", "vm-1", "", "vm-1"},
    {"metadata@VCENTER:host!=STRING:esx-1", "vm-3", "", "vm-3"},
    {"metadata@VCENTER:host==STRING:ESX*", "vm-1 vm-3", "", "vm-1 vm-3"},
    {"metadata@VCENTER:host==STRING:esx*,metadata:env==STRING:prod",
     "vm-1 vm-1/rw vm-3 vm-6",
     "vm-1 vm-1/rw",
     "vm-1 vm-1/rw vm-3"},
    {"metadata@VCENTER:host==STRING:esx*;metadata:env==STRING:prod", "vm-1", "", "vm-1"},
    /* AND binds tighter than OR; parentheses group */
    {"metadata:env==STRING:prod;metadata:tier=gt=NUMBER:5,metadata:ok==BOOLEAN:false",
     "vm-1 vm-2",
     "vm-1 vm-2",
     NULL},
    {"metadata:ok==BOOLEAN:false,metadata:env==STRING:prod;metadata:tier=gt=NUMBER:5",
     "vm-1 vm-2",
     "vm-1 vm-2",
     NULL},
    {"metadata:env==STRING:prod;(metadata:tier=gt=NUMBER:5,metadata:ok==BOOLEAN:false)",
     "vm-1",
     "vm-1",
     NULL},
    {"(metadata:ok==BOOLEAN:false,metadata:env==STRING:prod);metadata:tier=gt=NUMBER:5",
     "vm-1 vm-2",
     "vm-1 vm-2",
     NULL},
    {"((metadata:tier=lt=NUMBER:10);(metadata:env==STRING:prod*))",
     "vm-1/rw vm-2",
     "vm-1/rw vm-2",
     NULL},
    {"metadata:tier=gt=NUMBER:50,metadata:tier=lt=NUMBER:0,metadata:env==STRING:Prod",
     "vm-2 vm-3 vm-4",
     "vm-2 vm-3 vm-4",
     NULL},
    {"metadata:env==STRING:prod;metadata:env==STRING:Prod", "", "", NULL},
    {"metadata@SYSTEM:cost==NUMBER:5,metadata:cost==NUMBER:5", "vm-1 vm-2 vm-6", "vm-1 vm-2", NULL},
};

static gchar *
test_metadata_filter_run(sqlite3 *db, const gchar *filter, Viewer viewer)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsMetadataFilter) self = vmds_metadata_filter_parse(filter, &error);
	g_autoptr(GPtrArray) params =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autoptr(GString) result = g_string_new(NULL);
	g_autofree gchar *where = NULL;
	g_autofree gchar *sql = NULL;
	gboolean administrator = viewer == VIEWER_ADMINISTRATOR;
	gint rc;

	ck_assert_msg(self != NULL, "%s: %s", filter, error->message);
	where = vmds_metadata_filter_to_sql(self, administrator, viewer == VIEWER_VCENTER, params);
	/* as a caller adds its own: the viewer's objects only */
	sql = g_strdup_printf("SELECT o.vm, o.object_name FROM objects AS o WHERE %s(%s) "
			      "ORDER BY o.object_id",
			      administrator ? "" : "o.owner = ? AND ",
			      where);
	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	ck_assert_int_eq(sqlite3_bind_parameter_count(stmt), params->len + !administrator);
	if (!administrator)
		ck_assert_int_eq(sqlite3_bind_text(stmt, 1, "alice", -1, SQLITE_STATIC), SQLITE_OK);
	ck_assert_msg(vmds_metadata_filter_bind(stmt, administrator ? 1 : 2, params, &error),
		      "%s",
		      error->message);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const gchar *name = (const gchar *)sqlite3_column_text(stmt, 1);
		if (result->len > 0)
			g_string_append_c(result, ' ');
		g_string_append(result, (const gchar *)sqlite3_column_text(stmt, 0));
		if (name[0] != '\0')
			g_string_append_printf(result, "/%s", name);
	}
	ck_assert_msg(rc == SQLITE_DONE, "%s: %s", filter, sqlite3_errmsg(db));
	return g_string_free(g_steal_pointer(&result), FALSE);
}

static sqlite3 *
test_metadata_filter_index(void)
{
	g_autoptr(sqlite3) db = NULL;
	g_autoptr(GError) error = NULL;
	gchar *msg = NULL;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, fixtures, NULL, NULL, &msg) != SQLITE_OK)
		ck_abort_msg("%s", msg);
	ck_assert_msg(vmds_metadata_filter_register(db, &error), "%s", error->message);
	return g_steal_pointer(&db);
}

/* what to_sql() gives: its '?' are the params, it holds no literal */
static void
test_metadata_filter_check_sql(const VmdsMetadataFilter *self, gboolean administrator, gboolean vc)
{
	g_autoptr(GPtrArray) params =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	g_autofree gchar *sql = vmds_metadata_filter_to_sql(self, administrator, vc, params);
	guint marks = 0;

	for (const gchar *p = sql; *p != '\0'; p++)
		marks += *p == '?';
	ck_assert_uint_eq(marks, params->len);
	ck_assert_msg(strchr(sql, '\'') == NULL && strchr(sql, '"') == NULL, "%s", sql);
	for (guint i = 0; i < params->len; i++) {
		GVariant *param = g_ptr_array_index(params, i);
		ck_assert(g_variant_is_of_type(param, G_VARIANT_TYPE_INT64) ||
			  g_variant_is_of_type(param, G_VARIANT_TYPE_STRING));
	}
}

START_TEST(test_metadata_filter_good)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsMetadataFilter) self = vmds_metadata_filter_parse(good[_i].filter, &error);

	ck_assert_msg(self != NULL, "%s: %s", good[_i].filter, error->message);
	ck_assert_uint_eq(vmds_metadata_filter_get_n_conditions(self), good[_i].n_conditions);
	for (guint v = 0; v < 4; v++)
		test_metadata_filter_check_sql(self, v & 1, v >> 1);
}
END_TEST

START_TEST(test_metadata_filter_bad)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsMetadataFilter) self = vmds_metadata_filter_parse(bad[_i].filter, &error);
	g_autofree gchar *prefix = g_strdup_printf("filter: column %u: ", bad[_i].column);

	ck_assert_msg(self == NULL, "'%s' parsed", bad[_i].filter);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	ck_assert_msg(g_str_has_prefix(error->message, prefix) &&
			  strstr(error->message + strlen(prefix), bad[_i].why) != NULL,
		      "'%s': %s, not column %u: %s",
		      bad[_i].filter,
		      error->message,
		      bad[_i].column,
		      bad[_i].why);
}
END_TEST

/* the limits, at N and N + 1 */
static gchar *
test_metadata_filter_conditions(guint n, const gchar *separator)
{
	g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 1; i <= n; i++)
		g_ptr_array_add(conditions, g_strdup_printf("metadata:k%u==NUMBER:%u", i, i));
	g_ptr_array_add(conditions, NULL);
	return g_strjoinv(separator, (gchar **)conditions->pdata);
}

static void
test_metadata_filter_refused(const gchar *filter, const gchar *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsMetadataFilter) self = vmds_metadata_filter_parse(filter, &error);

	ck_assert(self == NULL);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	ck_assert_str_eq(error->message, message);
}

static void
test_metadata_filter_parses(const gchar *filter, guint n_conditions)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsMetadataFilter) self = vmds_metadata_filter_parse(filter, &error);

	ck_assert_msg(self != NULL, "%s", error->message);
	ck_assert_uint_eq(vmds_metadata_filter_get_n_conditions(self), n_conditions);
}

START_TEST(test_metadata_filter_limits)
{
	g_autofree gchar *and8 = test_metadata_filter_conditions(8, ";");
	g_autofree gchar *and9 = test_metadata_filter_conditions(9, ";");
	g_autofree gchar *or9 = test_metadata_filter_conditions(9, ",");
	g_autofree gchar *deep16 = NULL;
	g_autofree gchar *deep17 = NULL;
	g_autoptr(GString) s1000 = g_string_new("metadata:a==STRING:");
	g_autoptr(GString) s1001 = NULL;
	g_autoptr(GString) e1000 = g_string_new("metadata:a==STRING:");
	g_autoptr(GString) e1001 = NULL;
	g_autoptr(GString) u1000 = g_string_new("metadata:a==STRING:");
	g_autoptr(GString) bytes8192 = g_string_new("metadata:k==STRING:");
	g_autofree gchar *pad = NULL;

	/* 8 conditions; the 9th (its 'metadata' at column 8 * 22 + 1) is one too
	 * many, ANDed or ORed */
	test_metadata_filter_parses(and8, 8);
	test_metadata_filter_refused(and9,
				     "filter: column 177: a filter has at most 8 metadata "
				     "conditions");
	test_metadata_filter_refused(or9,
				     "filter: column 177: a filter has at most 8 metadata "
				     "conditions");

	/* parentheses 16 deep, not 17 */
	deep16 = g_strdup_printf(
	    "%s%s%s", pad = g_strnfill(16, '('), "metadata:a==STRING:x", "))))))))))))))))");
	test_metadata_filter_parses(deep16, 1);
	g_free(pad);
	deep17 = g_strdup_printf(
	    "%s%s%s", pad = g_strnfill(17, '('), "metadata:a==STRING:x", ")))))))))))))))))");
	test_metadata_filter_refused(deep17, "filter: column 17: parentheses nest at most 16 deep");

	/* STRING values of 1,000 characters, not 1,001: characters, not bytes,
	 * encoded or not */
	for (guint i = 0; i < 1000; i++) {
		g_string_append_c(s1000, 'a');
		g_string_append(e1000, "%C3%A9");
		g_string_append(u1000, "é");
	}
	test_metadata_filter_parses(s1000->str, 1);
	test_metadata_filter_parses(e1000->str, 1);
	test_metadata_filter_parses(u1000->str, 1);
	s1001 = g_string_new(s1000->str);
	g_string_append_c(s1001, '*');
	test_metadata_filter_refused(s1001->str,
				     "filter: column 20: a STRING value of more than 1000 "
				     "characters is not searchable");
	e1001 = g_string_new(e1000->str);
	g_string_append(e1001, "%C3%A9");
	test_metadata_filter_refused(e1001->str,
				     "filter: column 20: a STRING value of more than 1000 "
				     "characters is not searchable");
	g_string_append(u1000, "é");
	test_metadata_filter_refused(u1000->str,
				     "filter: column 20: a STRING value of more than 1000 "
				     "characters is not searchable");

	/* 8,192 bytes of text, not 8,193: 19 + 908 x 9 + 1 */
	for (guint i = 0; i < 908; i++)
		g_string_append(bytes8192, "%E2%82%AC");
	g_string_append_c(bytes8192, 'a');
	ck_assert_uint_eq(bytes8192->len, 8192);
	test_metadata_filter_parses(bytes8192->str, 1);
	g_string_append_c(bytes8192, 'a');
	test_metadata_filter_refused(bytes8192->str, "filter: longer than 8192 bytes");
}
END_TEST

/* the SQL, as the design note has it */
START_TEST(test_metadata_filter_sql)
{
	const struct {
		const gchar *filter;
		gboolean administrator;
		gboolean vcenter;
		const gchar *sql;
		const gchar *params; /* GVariant text of the tuple */
	} cases[] = {
	    {"metadata:env==STRING:prod",
	     TRUE,
	     FALSE,
	     "o.object_id IN (SELECT e.object_id FROM entries AS e WHERE e.domain = ? "
	     "AND e.key = ? AND e.type = ? AND e.value = ?)",
	     "('GENERAL', 'env', 'STRING', 'prod')"},
	    {"metadata:env==STRING:Pr*%2A\\D",
	     FALSE,
	     FALSE,
	     "o.object_id IN (SELECT e.object_id FROM entries AS e WHERE e.domain = ? "
	     "AND e.key = ? AND e.type = ? AND vmds_metadata_match(e.value, ?))",
	     "('GENERAL', 'env', 'STRING', 'pr*\\\\*\\\\\\\\d')"},
	    {"metadata@SYSTEM:cost=gt=NUMBER:5",
	     FALSE,
	     FALSE,
	     "o.object_id IN (SELECT e.object_id FROM entries AS e WHERE e.domain = ? "
	     "AND e.key = ? AND e.visibility = ? AND e.type = ? AND e.num > ?)",
	     "('SYSTEM', 'cost', 'READONLY', 'NUMBER', int64 5)"},
	    {"metadata@SYSTEM:cost=le=DATETIME:1970-01-01T00:00:01+00:00",
	     TRUE,
	     FALSE,
	     "o.object_id IN (SELECT e.object_id FROM entries AS e WHERE e.domain = ? "
	     "AND e.key = ? AND e.type = ? AND e.num <= ?)",
	     "('SYSTEM', 'cost', 'DATETIME', int64 1000000)"},
	    {"metadata:ok!=BOOLEAN:1",
	     FALSE,
	     TRUE,
	     "o.object_id IN (SELECT e.object_id FROM entries AS e WHERE e.domain = ? "
	     "AND e.key = ? AND NOT (e.type = ? AND e.num = ?))",
	     "('GENERAL', 'ok', 'BOOLEAN', int64 1)"},
	    {"metadata:a!=STRING:b",
	     FALSE,
	     FALSE,
	     "o.object_id IN (SELECT e.object_id FROM entries AS e WHERE e.domain = ? "
	     "AND e.key = ? AND NOT (e.type = ? AND e.value = ?))",
	     "('GENERAL', 'a', 'STRING', 'b')"},
	    {"metadata@VCENTER:host==STRING:x", FALSE, FALSE, "0", "()"},
	    {"metadata@VCENTER:host=lt=NUMBER:1",
	     FALSE,
	     TRUE,
	     "o.object_id IN (SELECT e.object_id FROM entries AS e WHERE e.domain = ? "
	     "AND e.key = ? AND e.type = ? AND e.num < ?)",
	     "('VCENTER', 'host', 'NUMBER', int64 1)"},
	    {"(metadata@VCENTER:a==NUMBER:1,metadata@VCENTER:b==NUMBER:2);metadata@VCENTER:c=="
	     "NUMBER:3",
	     FALSE,
	     FALSE,
	     "((0 OR 0) AND 0)",
	     "()"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsMetadataFilter) self =
		    vmds_metadata_filter_parse(cases[i].filter, &error);
		g_autoptr(GPtrArray) params =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
		g_autofree gchar *sql = NULL;
		g_autoptr(GVariant) tuple = NULL;
		g_autofree gchar *text = NULL;

		ck_assert_msg(self != NULL, "%s: %s", cases[i].filter, error->message);
		sql = vmds_metadata_filter_to_sql(
		    self, cases[i].administrator, cases[i].vcenter, params);
		ck_assert_str_eq(sql, cases[i].sql);
		tuple = g_variant_ref_sink(
		    g_variant_new_tuple((GVariant **)params->pdata, params->len));
		text = g_variant_print(tuple, TRUE);
		ck_assert_str_eq(text, cases[i].params);
	}
}
END_TEST

START_TEST(test_metadata_filter_select)
{
	g_autoptr(sqlite3) db = test_metadata_filter_index();
	const gchar *expected[VIEWER_LAST] = {
	    selects[_i].administrator,
	    selects[_i].owner,
	    selects[_i].vcenter != NULL ? selects[_i].vcenter : selects[_i].owner,
	};
	const gchar *names[] = {"administrator", "owner", "owner with vcenter-metadata"};

	for (guint v = 0; v < VIEWER_LAST; v++) {
		g_autofree gchar *got = test_metadata_filter_run(db, selects[_i].filter, (Viewer)v);
		ck_assert_msg(g_str_equal(got, expected[v]),
			      "%s, %s: selected '%s', not '%s'",
			      selects[_i].filter,
			      names[v],
			      got,
			      expected[v]);
	}
}
END_TEST

/* the wildcard function: casefolded patterns, '*' and '\' */
START_TEST(test_metadata_filter_match)
{
	const struct {
		const gchar *value;
		const gchar *pattern;
		gboolean match;
	} cases[] = {
	    {"prod", "prod*", TRUE},
	    {"PROD-eu", "prod*", TRUE},
	    {"xprod", "prod*", FALSE},
	    {"prod", "prod", TRUE},
	    {"prod", "pro", FALSE},
	    {"", "*", TRUE},
	    {"", "", TRUE},
	    {"x", "", FALSE},
	    {"abc", "a*c", TRUE},
	    {"ac", "a*c", TRUE},
	    {"ab", "a*c", FALSE},
	    {"aXbXc", "a*b*c", TRUE},
	    {"abcbc", "*bc", TRUE},
	    {"mississippi", "*sip*", TRUE},
	    {"mississippi", "m*iss*ppi", TRUE},
	    {"aaa", "a*a*a*a", FALSE},
	    {"aaaa", "a**a", TRUE},
	    {"a*b", "a\\*b", TRUE},
	    {"aXb", "a\\*b", FALSE},
	    {"a\\b", "a\\\\b", TRUE},
	    {"a\\", "a\\", TRUE},
	    {"ZÜRICH", "zürich", TRUE},
	    {"Zürich Web", "zürich*", TRUE},
	    {"Straße", "strasse", TRUE},
	    {"ÉTÉ", "*t*", TRUE},
	    {"\xff", "*", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		ck_assert_msg(vmds_metadata_filter_match(cases[i].value, cases[i].pattern) ==
				  cases[i].match,
			      "'%s' against '%s'",
			      cases[i].value,
			      cases[i].pattern);
}
END_TEST

/* the SQL function: NULL in, NULL out */
START_TEST(test_metadata_filter_function)
{
	g_autoptr(sqlite3) db = test_metadata_filter_index();
	g_autoptr(sqlite3_stmt) stmt = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(db,
					    "SELECT vmds_metadata_match('ABC', 'a*'), "
					    "vmds_metadata_match('ABC', 'b*'), "
					    "vmds_metadata_match(NULL, '*'), "
					    "vmds_metadata_match('x', NULL)",
					    -1,
					    &stmt,
					    NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(stmt, 0), 1);
	ck_assert_int_eq(sqlite3_column_int(stmt, 1), 0);
	ck_assert_int_eq(sqlite3_column_type(stmt, 2), SQLITE_NULL);
	ck_assert_int_eq(sqlite3_column_type(stmt, 3), SQLITE_NULL);
}
END_TEST

static Suite *
metadata_filter_suite(void)
{
	Suite *s = suite_create("metadata-filter");
	TCase *tc = tcase_create("grammar");

	tcase_add_loop_test(tc, test_metadata_filter_good, 0, G_N_ELEMENTS(good));
	tcase_add_loop_test(tc, test_metadata_filter_bad, 0, G_N_ELEMENTS(bad));
	tcase_add_test(tc, test_metadata_filter_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("sql");
	tcase_add_test(tc, test_metadata_filter_sql);
	tcase_add_loop_test(tc, test_metadata_filter_select, 0, G_N_ELEMENTS(selects));
	tcase_add_test(tc, test_metadata_filter_match);
	tcase_add_test(tc, test_metadata_filter_function);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(metadata_filter_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
