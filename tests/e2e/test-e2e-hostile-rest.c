/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "vmds-e2e.h"
#include "vmds-test.h"

/*
 * A hostile REST client: a catalogue of malformed requests
 * (management-api.md), sent byte for byte on a raw connection so nothing
 * is normalised on the way. Each row must get exactly its status and
 * error_type, change nothing (the VM list, every data set of vm-1 and vm-2,
 * vm-1's guestinfo, vApp and metadata, rw's metadata, the users: see
 * state_text()), and leave the daemon serving the next good request. Each
 * row comes from its own source address, so the login rate limit of one
 * never changes the answer of another.
 *
 * A row whose `bug` is set showed a product bug; it states what the spec
 * expects. A fixed one runs like any other (VMDS_E2E_KNOWN_BUGS=0 leaves
 * such rows out); one still open, OPEN_BUG(...), runs only with
 * VMDS_E2E_KNOWN_BUGS=1, so the suite passes until it is fixed.
 */
#define OPEN_BUG(text) "open: " text

#define DS  "/api/vcenter/vm/vm-1/data-sets"
#define ENT DS "/rw/entries"
/* the guestinfo and vApp plugins' routes (docs/rest-api.md) */
#define GI     "/api/vcenter/vm/vm-1/guest-info"
#define GIS    "/api/vcenter/vm/vm-1/guest-info-settings"
#define VAPP   "/api/vcenter/vm/vm-1/vapp"
#define PROPS  VAPP "/properties"
#define IMPORT VAPP "?action=import"

/* request headers; @S@ is the fixture's session id, @PW@ its password */
#define SESSION "vmware-api-session-id: @S@\r\n"
#define NOAUTH	""
/* "basic64 TEXT": an Authorization: Basic header carrying base64(TEXT) */
#define BASIC(text) "basic64 " text

#define IA	 "INVALID_ARGUMENT"
#define UNAUTH	 "UNAUTHENTICATED"
#define NOTFOUND "NOT_FOUND"
#define UNSUPP	 "UNSUPPORTED"
#define EXISTS	 "ALREADY_EXISTS"
#define NOTNOW	 "NOT_ALLOWED_IN_CURRENT_STATE"
/* libsoup refused the request itself: any 4xx, with an empty body */
#define LIBSOUP NULL

/*
 * default_messages (the message column): exact, or a pattern where `*`
 * stands for what only restates the implementation (a byte offset)
 */
#define NOT_UTF8      "arguments are not valid UTF-8"
#define NOT_OBJECT    "arguments must be a JSON object"
#define JSON(problem) "invalid JSON at byte *: " problem
#define IN_PATH(name) "data set name '" name "' cannot be named in a path: no '/', '.' or '..'"
#define BODY_CAP(len) "request body of " len " bytes is larger than 6356992 bytes ([http] max-body)"
#define CHUNKED	      "chunked request bodies are not accepted: send a Content-Length"
#define NO_SESSION                                                                                 \
	"this call needs a session: POST /api/session with the user name and password, then "      \
	"send its id in the vmware-api-session-id header"
#define BAD_PATH "the path is not valid percent-encoded UTF-8"
#define DOTS                                                                                       \
	"a path may not have '.' or '..' segments, not even percent-encoded (%2E): name a key "    \
	"like that with .../entries?key=KEY"
#define BAD_QUERY "invalid query: each parameter is NAME=VALUE, percent-encoded"
#define NOT_KEY                                                                                    \
	"a vApp property key is an integer from 0 to 2147483647, in decimal without a sign or "    \
	"leading zeros"
#define KEY_RANGE   "member 'key' must be an integer from 0 to 2147483647"
#define LIMIT_RANGE "member 'guest_size_limit' must be an integer from 0 to 4294967295"
#define GI_NAME	    "a guestinfo name is guestinfo.NAME, NAME of UTF-8 without blanks"
#define DTD	    "the OVF descriptor declares a DTD: refused"
#define NETWORK_TYPE(id, type)                                                                     \
	"vApp property '" id "': type '" type "' depends on vSphere network profiles and cannot "  \
	"be assigned through the API"

#define B(s) s, sizeof(s) - 1
#define NB   NULL, 0

typedef struct {
	const gchar *name;
	const gchar *method;
	const gchar *target; /* the request target, as sent */
	const gchar *auth;   /* header lines, or BASIC(...) */
	const gchar *body;
	gsize body_len;
	const gchar *framing; /* NULL: Content-Length of the body; else these header
				 lines, and the body is never sent */
	guint status;
	const gchar *error_type;
	const gchar *message; /* default_message (g_pattern_match_simple) */
	const gchar *bug;
} RestCase;

typedef struct {
	gchar *name;
	gchar *method;
	gchar *target;
	gchar *auth;
	GBytes *body;
	gchar *framing;
	guint status;
	gchar *error_type;
	gchar *message;
	gchar *bug;
} RestRow;

static VmdsE2e *e2e = NULL;

static void
rest_row_free(RestRow *row)
{
	g_free(row->name);
	g_free(row->method);
	g_free(row->target);
	g_free(row->auth);
	g_clear_pointer(&row->body, g_bytes_unref);
	g_free(row->framing);
	g_free(row->error_type);
	g_free(row->message);
	g_free(row->bug);
	g_free(row);
}

static void
rows_add_cases(GPtrArray *rows, const RestCase *cases, guint n)
{
	for (guint i = 0; i < n; i++) {
		RestRow *row = g_new0(RestRow, 1);
		row->name = g_strdup(cases[i].name);
		row->method = g_strdup(cases[i].method);
		row->target = g_strdup(cases[i].target);
		row->auth = g_strdup(cases[i].auth);
		row->body =
		    cases[i].body != NULL ? g_bytes_new(cases[i].body, cases[i].body_len) : NULL;
		row->framing = g_strdup(cases[i].framing);
		row->status = cases[i].status;
		row->error_type = g_strdup(cases[i].error_type);
		row->message = g_strdup(cases[i].message);
		row->bug = g_strdup(cases[i].bug);
		g_ptr_array_add(rows, row);
	}
}

/* a row built at run time; takes @target and @body */
static RestRow *
rows_add(GPtrArray *rows,
	 const gchar *name,
	 const gchar *method,
	 gchar *target,
	 gchar *body,
	 guint status,
	 const gchar *error_type,
	 const gchar *message)
{
	RestRow *row = g_new0(RestRow, 1);
	row->name = g_strdup(name);
	row->method = g_strdup(method);
	row->target = target;
	row->auth = g_strdup(SESSION);
	row->body = body != NULL ? g_bytes_new_take(body, strlen(body)) : NULL;
	row->status = status;
	row->error_type = g_strdup(error_type);
	row->message = g_strdup(message);
	g_ptr_array_add(rows, row);
	return row;
}

/* request bodies: JSON syntax, types, members, names */
static const RestCase body_cases[] = {
    {"create: a lone {",
     "POST",
     DS,
     SESSION,
     B("{"),
     NULL,
     400,
     IA,
     JSON("an unexpected end"),
     ("the body ends after the {, and the message says \"a member name that is not a "
      "string\"")},
    {"create: trailing comma",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\",}"),
     NULL,
     400,
     IA,
     JSON("a member name that is not a string")},
    {"create: a raw NUL in the name",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\0y\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     JSON("a control character in a string")},
    {"create: \\u0000 in the name",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\\u0000y\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     JSON("a NUL character")},
    {"create: 0xFF in the name",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\xff\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     NOT_UTF8},
    {"create: overlong '..' in the name",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"\xc0\xae\xc0\xae\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     NOT_UTF8},
    {"create: an array", "POST", DS, SESSION, B("[]"), NULL, 400, IA, NOT_OBJECT},
    {"create: null", "POST", DS, SESSION, B("null"), NULL, 400, IA, NOT_OBJECT},
    {"create: a number", "POST", DS, SESSION, B("42"), NULL, 400, IA, NOT_OBJECT},
    {"create: name an array",
     "POST",
     DS,
     SESSION,
     B("{\"name\":[\"x\"],\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     "member 'name' must be a string"},
    {"create: name null",
     "POST",
     DS,
     SESSION,
     B("{\"name\":null,\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     "member 'name' must be a string"},
    {"create: name an object",
     "POST",
     DS,
     SESSION,
     B("{\"name\":{},\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     "member 'name' must be a string"},
    {"create: host a number",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"host\":1,\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     "member 'host' must be a string"},
    {"create: guest true",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"host\":\"NONE\",\"guest\":true}"),
     NULL,
     400,
     IA,
     "member 'guest' must be a string"},
    {"create: description a number",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"description\":7,\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     "member 'description' must be a string"},
    {"create: omit_from_snapshot_and_clone 1",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\",\"omit_from_snapshot_and_clone\":1}"),
     NULL,
     400,
     IA,
     "member 'omit_from_snapshot_and_clone' must be true or false"},
    {"create: omit_from_snapshot_and_clone \"true\"",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\",\"omit_from_snapshot_and_clone\":"
       "\"true\"}"),
     NULL,
     400,
     IA,
     "member 'omit_from_snapshot_and_clone' must be true or false"},
    {"create: unknown member data_set",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"data_set\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     "unknown member 'data_set'"},
    {"create: read-only member used",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"used\":0,\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     "unknown member 'used'"},
    {"create: name ../vm-2",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"../vm-2\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     IN_PATH("../vm-2")},
    {"create: name ..\\/vm-2 (an escaped slash)",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"..\\/vm-2\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     IN_PATH("../vm-2")},
    {"create: name .",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\".\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     IN_PATH("."),
     "a data set named '.' is created: no URL can name it again"},
    {"create: name ..",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"..\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     IN_PATH(".."),
     "a data set named '..' is created: its URL names the VM (DELETE deletes vm-1)"},
    {"create: an escaped lone surrogate in the name",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"\\ud800\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     JSON("a lone surrogate"),
     "the error body is not UTF-8: json-glib's parse error echoes the surrogate as the bytes "
     "ED A0 80 and vmds_json_parse copies it into default_message"},
    {"create: a second object after the first",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\"}{}"),
     NULL,
     400,
     IA,
     JSON("more after the value"),
     "vmds_json_parse accepts a second JSON value after the object"},
    {"create: single-quoted strings",
     "POST",
     DS,
     SESSION,
     B("{'name':'x','host':'NONE','guest':'NONE'}"),
     NULL,
     400,
     IA,
     JSON("a member name that is not a string"),
     "vmds_json_parse accepts single-quoted strings"},
    {"create: member name twice",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"name\":\"y\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     JSON("a duplicate member"),
     "a duplicate member is not refused: the last one wins"},
    {"create: member name twice, once spelt with an escape",
     "POST",
     DS,
     SESSION,
     B("{\"name\":\"x\",\"n\\u0061me\":\"y\",\"host\":\"NONE\",\"guest\":\"NONE\"}"),
     NULL,
     400,
     IA,
     "*duplicate member*",
     ("the validator compares member names as written: json-glib keeps the last one, "
      "and data set 'y' is created")},
    {"update: used",
     "PATCH",
     DS "/rw",
     SESSION,
     B("{\"used\":5}"),
     NULL,
     400,
     IA,
     "unknown member 'used'"},
    {"update: host null",
     "PATCH",
     DS "/rw",
     SESSION,
     B("{\"host\":null}"),
     NULL,
     400,
     IA,
     "member 'host' must be a string"},
    {"update: guest an array",
     "PATCH",
     DS "/rw",
     SESSION,
     B("{\"guest\":[\"READ_ONLY\"]}"),
     NULL,
     400,
     IA,
     "member 'guest' must be a string"},
    {"update: an array", "PATCH", DS "/rw", SESSION, B("[]"), NULL, 400, IA, NOT_OBJECT},
    {"update: an unknown member after a good one",
     "PATCH",
     DS "/rw",
     SESSION,
     B("{\"description\":\"x\",\"extra\":1}"),
     NULL,
     400,
     IA,
     "unknown member 'extra'"},
    {"update: name, unchanged",
     "PATCH",
     DS "/rw",
     SESSION,
     B("{\"name\":\"rw\"}"),
     NULL,
     400,
     IA,
     "unknown member 'name'"},
    {"put: \\u0000 in the value",
     "PUT",
     ENT "/a",
     SESSION,
     B("\"x\\u0000y\""),
     NULL,
     400,
     IA,
     JSON("a NUL character")},
    {"put: 0xFF in the value", "PUT", ENT "/a", SESSION, B("\"\xff\""), NULL, 400, IA, NOT_UTF8},
    {"put: an escaped lone surrogate",
     "PUT",
     ENT "/a",
     SESSION,
     B("\"\\ud800\""),
     NULL,
     400,
     IA,
     JSON("a lone surrogate")},
    {"put: true", "PUT", ENT "/a", SESSION, B("true"), NULL, 400, IA, "the body must be a string"},
    {"put: two strings",
     "PUT",
     ENT "/a",
     SESSION,
     B("\"a\" \"b\""),
     NULL,
     400,
     IA,
     JSON("more after the value")},
    {"put: a single-quoted string",
     "PUT",
     ENT "/a",
     SESSION,
     B("'v'"),
     NULL,
     400,
     IA,
     JSON("an unexpected character"),
     "vmds_json_parse accepts single-quoted strings"},
    {"vm create: cid -1",
     "POST",
     "/api/vcenter/vm",
     SESSION,
     B("{\"name\":\"x\",\"cid\":-1}"),
     NULL,
     400,
     IA,
     "member 'cid' must be a whole number from 3 to 4294967294"},
    {"vm create: cid 2^32",
     "POST",
     "/api/vcenter/vm",
     SESSION,
     B("{\"name\":\"x\",\"cid\":4294967296}"),
     NULL,
     400,
     IA,
     "member 'cid' must be a whole number from 3 to 4294967294"},
    {"vm create: cid 1.5",
     "POST",
     "/api/vcenter/vm",
     SESSION,
     B("{\"name\":\"x\",\"cid\":1.5}"),
     NULL,
     400,
     IA,
     "member 'cid' must be a whole number from 3 to 4294967294"},
    {"vm create: name an array",
     "POST",
     "/api/vcenter/vm",
     SESSION,
     B("{\"name\":[\"x\"]}"),
     NULL,
     400,
     IA,
     "member 'name' must be a string"},
    {"vm create: name null",
     "POST",
     "/api/vcenter/vm",
     SESSION,
     B("{\"name\":null}"),
     NULL,
     400,
     IA,
     "member 'name' must be a string"},
    {"create VM: cid 2^64+5",
     "POST",
     "/api/vcenter/vm",
     SESSION,
     B("{\"name\":\"x\",\"cid\":18446744073709551621}"),
     NULL,
     400,
     IA,
     JSON("an integer beyond 64 bits")},
};

/* bodies too large, or not framed by Content-Length: refused before they are read */
static const RestCase framing_cases[] = {
    {"put: Content-Length 100 MB, Expect: 100-continue",
     "PUT",
     ENT "/a",
     SESSION,
     NB,
     "Content-Length: 100000000\r\nExpect: 100-continue\r\n",
     400,
     IA,
     BODY_CAP("100000000")},
    {"put: Content-Length one over the cap, Expect: 100-continue",
     "PUT",
     ENT "/a",
     SESSION,
     NB,
     "Content-Length: 6356993\r\nExpect: 100-continue\r\n",
     400,
     IA,
     BODY_CAP("6356993")},
    {"create: Content-Length 2^63 - 1, Expect: 100-continue",
     "POST",
     DS,
     SESSION,
     NB,
     "Content-Length: 9223372036854775807\r\nExpect: 100-continue\r\n",
     400,
     IA,
     BODY_CAP("9223372036854775807")},
    {"create: no session, Content-Length 100 MB, Expect: 100-continue",
     "POST",
     DS,
     NOAUTH,
     NB,
     "Content-Length: 100000000\r\nExpect: 100-continue\r\n",
     400,
     IA,
     BODY_CAP("100000000")},
    {"put: chunked, headers only, Expect: 100-continue",
     "PUT",
     ENT "/a",
     SESSION,
     NB,
     "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n",
     400,
     IA,
     CHUNKED},
    {"put: chunked, headers only",
     "PUT",
     ENT "/a",
     SESSION,
     NB,
     "Transfer-Encoding: chunked\r\n",
     400,
     IA,
     CHUNKED,
     "without Expect: 100-continue the refusal of a chunked body waits for the body"},
    {"put: Content-Length 100 MB, headers only",
     "PUT",
     ENT "/a",
     SESSION,
     NB,
     "Content-Length: 100000000\r\n",
     400,
     IA,
     BODY_CAP("100000000"),
     "without Expect: 100-continue the refusal waits for the whole body, and libsoup buffers "
     "it"},
};

/* sessions and logins */
static const RestCase session_cases[] = {
    {"list: no session", "GET", DS, NOAUTH, NB, NULL, 401, UNAUTH, NO_SESSION},
    {"delete a data set with force: no session",
     "DELETE",
     DS "/rw?force=true",
     NOAUTH,
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"put: no session", "PUT", ENT "/a", NOAUTH, B("\"x\""), NULL, 401, UNAUTH, NO_SESSION},
    {"create a VM: no session",
     "POST",
     "/api/vcenter/vm",
     NOAUTH,
     B("{\"name\":\"x\"}"),
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"delete a VM: no session",
     "DELETE",
     "/api/vcenter/vm/vm-2",
     NOAUTH,
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"a forged session of zeros",
     "DELETE",
     DS "/rw?force=true",
     "vmware-api-session-id: 00000000000000000000000000000000\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"the session in capitals",
     "DELETE",
     ENT "/a",
     "vmware-api-session-id: @SU@\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"the session and one more character",
     "DELETE",
     ENT "/a",
     "vmware-api-session-id: @S@0\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"the session without its last character",
     "DELETE",
     ENT "/a",
     "vmware-api-session-id: @S-@\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"an empty session header",
     "DELETE",
     ENT "/a",
     "vmware-api-session-id: \r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"a 10,000-character session",
     "DELETE",
     ENT "/a",
     "vmware-api-session-id: @LONG@\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"the session as a query parameter",
     "DELETE",
     ENT "/a?vmware-api-session-id=@S@",
     NOAUTH,
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"the session as a cookie",
     "DELETE",
     ENT "/a",
     "Cookie: vmware-api-session-id=@S@\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"the session under a misspelt header",
     "DELETE",
     ENT "/a",
     "vmware-api-session: @S@\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"the password as the session",
     "DELETE",
     ENT "/a",
     "vmware-api-session-id: @PW@\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"login: wrong password",
     "POST",
     "/api/session",
     BASIC("admin:wrong"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: empty password",
     "POST",
     "/api/session",
     BASIC("admin:"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: no colon",
     "POST",
     "/api/session",
     BASIC("admin@PW@"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: bad base64",
     "POST",
     "/api/session",
     "Authorization: Basic !!!!\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: Basic without credentials",
     "POST",
     "/api/session",
     "Authorization: Basic\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: a Bearer token",
     "POST",
     "/api/session",
     "Authorization: Bearer @PW@\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: the user in another case",
     "POST",
     "/api/session",
     BASIC("Admin:@PW@"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: the password, NUL, more",
     "POST",
     "/api/session",
     BASIC("admin:@PW@@NUL@x"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: the password and one more character",
     "POST",
     "/api/session",
     BASIC("admin:@PW@x"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: the password without its last character",
     "POST",
     "/api/session",
     BASIC("admin:@PW-@"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: a NUL after the user",
     "POST",
     "/api/session",
     BASIC("admin@NUL@:@PW@"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: only a colon",
     "POST",
     "/api/session",
     BASIC(":"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: a 10,000-character password",
     "POST",
     "/api/session",
     BASIC("admin:@LONG@"),
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"login: no Authorization",
     "POST",
     "/api/session",
     NOAUTH,
     NB,
     NULL,
     401,
     UNAUTH,
     "wrong user name or password"},
    {"logout: no session",
     "DELETE",
     "/api/session",
     NOAUTH,
     NB,
     NULL,
     401,
     UNAUTH,
     "no such session"},
    {"logout: a forged session",
     "DELETE",
     "/api/session",
     "vmware-api-session-id: 00000000000000000000000000000000\r\n",
     NB,
     NULL,
     401,
     UNAUTH,
     "no such session"},
    {"session: PUT",
     "PUT",
     "/api/session",
     SESSION,
     B("{}"),
     NULL,
     400,
     UNSUPP,
     "/api/session supports POST and DELETE only"},
    {"session: PATCH",
     "PATCH",
     "/api/session",
     SESSION,
     B("{}"),
     NULL,
     400,
     UNSUPP,
     "/api/session supports POST and DELETE only"},
};

/* paths: traversal, NUL, bad UTF-8, odd VM ids and names, queries, methods */
static const RestCase path_cases[] = {
    /* the path is routed as sent, each segment decoded on its own: what is
     * encoded in a segment is part of its name, and can leave nothing */
    {"encoded traversal out of a key",
     "GET",
     ENT "/..%2F..%2F..%2Fetc%2Fpasswd",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no key '../../../etc/passwd' in data set 'rw'"},
    /* the URI parser resolves dot segments before the path is routed, so
     * one would name another resource: refused (see test_hostile_rest_dots_*) */
    {"plain traversal to /etc/passwd",
     "GET",
     ENT "/../../../../../../etc/passwd",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     DOTS},
    {"%2e%2e%2f in a key",
     "GET",
     ENT "/%2e%2e%2fx",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no key '../x' in data set 'rw'"},
    {"../ encoded in the VM id",
     "GET",
     "/api/vcenter/vm/..%2Fvm-1/data-sets",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM '../vm-1'"},
    {"vm-1/../vm-2 encoded as the VM id",
     "GET",
     "/api/vcenter/vm/vm-1%2F..%2Fvm-2/data-sets",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM 'vm-1/../vm-2'"},
    /* and so does a segment of encoded dots alone (a key like that goes as
     * ?key=) */
    {"%2e%2e as the VM id",
     "GET",
     "/api/vcenter/vm/%2e%2e/data-sets",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     DOTS},
    {"%2e%2e as the data set",
     "PATCH",
     DS "/%2e%2e",
     SESSION,
     B("{\"description\":\"x\"}"),
     NULL,
     400,
     IA,
     DOTS},
    {".. as the key", "PUT", ENT "/..", SESSION, B("\"v\""), NULL, 400, IA, DOTS},
    {"%00 in the data set", "GET", DS "/rw%00/entries", SESSION, NB, NULL, 400, IA, BAD_PATH},
    {"%00 in a key", "PUT", ENT "/a%00b", SESSION, B("\"v\""), NULL, 400, IA, BAD_PATH},
    {"%00 after the VM id", "GET", "/api/vcenter/vm/vm-1%00", SESSION, NB, NULL, 400, IA, BAD_PATH},
    {"%FF in a key", "GET", ENT "/%FF", SESSION, NB, NULL, 400, IA, BAD_PATH},
    {"overlong '..' as the data set",
     "GET",
     DS "/%C0%AE%C0%AE",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     BAD_PATH},
    {"a surrogate in a key", "PUT", ENT "/%ED%A0%80", SESSION, B("\"v\""), NULL, 400, IA, BAD_PATH},
    {"%FF in the VM id", "DELETE", "/api/vcenter/vm/vm-%FF", SESSION, NB, NULL, 400, IA, BAD_PATH},
    {"..\\vm-2 as the VM id",
     "GET",
     "/api/vcenter/vm/..%5Cvm-2",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM '..\\vm-2'"},
    {"vm-1 and a space",
     "GET",
     "/api/vcenter/vm/vm-1%20",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM 'vm-1 '"},
    {"VM-1",
     "GET",
     "/api/vcenter/vm/VM-1/data-sets",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM 'VM-1'"},
    {"vm-01", "DELETE", "/api/vcenter/vm/vm-01", SESSION, NB, NULL, 404, NOTFOUND, "no VM 'vm-01'"},
    {"vm-0", "DELETE", "/api/vcenter/vm/vm-0", SESSION, NB, NULL, 404, NOTFOUND, "no VM 'vm-0'"},
    {"vm-2^64",
     "DELETE",
     "/api/vcenter/vm/vm-18446744073709551617",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM 'vm-18446744073709551617'"},
    {"a query encoded into the VM id",
     "DELETE",
     "/api/vcenter/vm/vm-2%3Fforce=true",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM 'vm-2?force=true'"},
    {"vm-2's data set under vm-1",
     "DELETE",
     DS "/only-on-2?force=true",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no data set 'only-on-2'"},
    {"force=1",
     "DELETE",
     DS "/rw?force=1",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "force must be true or false, not '1'"},
    {"force=TRUE",
     "DELETE",
     DS "/rw?force=TRUE",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "force must be true or false, not 'TRUE'"},
    {"force= (empty)",
     "DELETE",
     DS "/rw?force=",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "force must be true or false, not ''"},
    {"force=true;x=1",
     "DELETE",
     DS "/rw?force=true;x=1",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "force must be true or false, not 'true;x=1'"},
    {"bad percent-encoding in the query", "DELETE", DS "/rw?%zz", SESSION, NB, NULL, 400, LIBSOUP},
    {"force without a value",
     "DELETE",
     DS "/rw?force",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     BAD_QUERY,
     "a query that GLib cannot parse is 500 ERROR (vmds_router_handle converts G_URI_ERROR to "
     "INTERNAL)"},
    {"force=%00",
     "DELETE",
     DS "/rw?force=%00",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     BAD_QUERY,
     "a query that GLib cannot parse is 500 ERROR (vmds_router_handle converts G_URI_ERROR to "
     "INTERNAL)"},
    {"force given twice",
     "DELETE",
     DS "/rw?force=false&force=true",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "invalid query: the parameter 'force' is given twice",
     "the last of two values was taken: ?force=false&force=true deleted the data set"},
    {"key given twice",
     "DELETE",
     ENT "?key=a&key=b",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "invalid query: the parameter 'key' is given twice",
     "the last of two values was taken: the entry b was deleted"},
    {"a query without =",
     "GET",
     DS "?x",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     BAD_QUERY,
     "a query that GLib cannot parse is 500 ERROR (vmds_router_handle converts G_URI_ERROR to "
     "INTERNAL)"},
    {"OPTIONS",
     "OPTIONS",
     DS,
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     "OPTIONS is not supported on /api/vcenter/vm/vm-1/data-sets"},
    {"PATCH the VM list",
     "PATCH",
     "/api/vcenter/vm",
     SESSION,
     B("{}"),
     NULL,
     400,
     UNSUPP,
     "PATCH is not supported on /api/vcenter/vm"},
    {"DELETE the VM list",
     "DELETE",
     "/api/vcenter/vm",
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     "DELETE is not supported on /api/vcenter/vm"},
    {"POST an entry",
     "POST",
     ENT "/a",
     SESSION,
     B("\"v\""),
     NULL,
     400,
     UNSUPP,
     "POST is not supported on /api/vcenter/vm/vm-1/data-sets/rw/entries/a"},
    /* PUT and DELETE on the entries take the key as ?key= */
    {"PUT the entries without a key",
     "PUT",
     ENT,
     SESSION,
     B("[\"a\"]"),
     NULL,
     400,
     IA,
     "no key: name it in the path (.../entries/KEY) or as .../entries?key=KEY"},
    {"an unknown method",
     "BREW",
     DS,
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     "BREW is not supported on /api/vcenter/vm/vm-1/data-sets"},
    {"/api", "GET", "/api", SESSION, NB, NULL, 404, NOTFOUND, "no such resource: /api"},
    {"/", "GET", "/", SESSION, NB, NULL, 404, NOTFOUND, "no such resource: /"},
    {"data-set (singular)",
     "GET",
     "/api/vcenter/vm/vm-1/data-set",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no such resource: /api/vcenter/vm/vm-1/data-set"},
    {"a key below a key",
     "GET",
     ENT "/a/b",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no key 'a/b' in data set 'rw'"},
    {"below /api/session",
     "GET",
     "/api/session/x",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no such resource: /api/session/x"},
    {"/API in capitals",
     "GET",
     "/API/vcenter/vm",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no such resource: /API/vcenter/vm"},
    /* the VM lifecycle */
    {"snapshot without a session",
     "POST",
     "/api/vcenter/vm/vm-1/snapshots",
     NOAUTH,
     B("{\"name\":\"s\"}"),
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"import without a session",
     "POST",
     "/api/vcenter/vm?action=import",
     NOAUTH,
     B("VMDS-EXPORT 1\n"),
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"import over max-import",
     "POST",
     "/api/vcenter/vm?action=import&name=x",
     SESSION,
     NB,
     "Content-Length: 600000000\r\n",
     400,
     IA,
     "request body of 600000000 bytes is larger than 536870912 bytes ([http] max-import)"},
    {"import of a JSON body",
     "POST",
     "/api/vcenter/vm?action=import",
     SESSION,
     B("{\"name\":\"x\"}"),
     NULL,
     400,
     IA,
     "the file is not a whole vmds export: it does not begin with 'VMDS-EXPORT '"},
    {"revert: the action given twice",
     "POST",
     "/api/vcenter/vm/vm-1/snapshots/snapshot-1?action=revert&action=revert",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "invalid query: the parameter 'action' is given twice"},
    {"revert: a snapshot id with an encoded traversal",
     "POST",
     "/api/vcenter/vm/vm-1/snapshots/..%2Fvm-2?action=revert",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "VM vm-1 has no snapshot '../vm-2'"},
    {"clone: a source with a traversal",
     "POST",
     "/api/vcenter/vm?action=clone",
     SESSION,
     B("{\"source\":\"../vm-2\",\"name\":\"c\"}"),
     NULL,
     404,
     NOTFOUND,
     "no VM '../vm-2'"},
    {"export: another action",
     "GET",
     "/api/vcenter/vm/vm-1?action=exfiltrate",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "invalid action: GET /api/vcenter/vm/{vm} takes action=export, or no action for the "
     "VM's settings"},
};

/* a small OVF descriptor: its ProductSection property @key, string, @rest
 * more attributes; the VirtualHardwareSection's transport iso */
#define OVF(prolog, key, rest)                                                                     \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" prolog                                      \
	"<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "                              \
	"xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\"><References/>"                       \
	"<VirtualSystem ovf:id=\"vm\"><Info>A virtual machine</Info>"                              \
	"<ProductSection><Info>Properties</Info><Property ovf:key=\"" key                          \
	"\" ovf:type=\"string\" " rest "/></ProductSection>"                                       \
	"<VirtualHardwareSection ovf:transport=\"iso\"><Info>Hardware</Info>"                      \
	"</VirtualHardwareSection></VirtualSystem></Envelope>\n"

/*
 * the guestinfo and vApp routes (docs/rest-api.md, plugins/guestinfo and
 * plugins/vapp README): vm-1 holds guestinfo.hostname, vApp enabled with
 * both transports, and the properties 0 hostname string(1..63) and 1 port
 * int(1..65535) (populate())
 */
static const RestCase guestcfg_cases[] = {
    {"guest-info put: a number",
     "PUT",
     GI "/x",
     SESSION,
     B("5"),
     NULL,
     400,
     IA,
     "the body must be a string"},
    {"guest-info put: an object",
     "PUT",
     GI "/x",
     SESSION,
     B("{\"value\":\"v\"}"),
     NULL,
     400,
     IA,
     "the body must be a string"},
    {"guest-info put: null",
     "PUT",
     GI "/hostname",
     SESSION,
     B("null"),
     NULL,
     400,
     IA,
     "the body must be a string"},
    {"guest-info put: 0xFF in the value",
     "PUT",
     GI "/x",
     SESSION,
     B("\"\xff\""),
     NULL,
     400,
     IA,
     NOT_UTF8},
    {"guest-info put: \\u0000 in the value",
     "PUT",
     GI "/x",
     SESSION,
     B("\"a\\u0000b\""),
     NULL,
     400,
     IA,
     JSON("a NUL character")},
    {"guest-info put: a name with a blank",
     "PUT",
     GI "/a%20b",
     SESSION,
     B("\"v\""),
     NULL,
     400,
     IA,
     GI_NAME},
    {"guest-info put: a name with a control character",
     "PUT",
     GI "/a%01b",
     SESSION,
     B("\"v\""),
     NULL,
     400,
     IA,
     GI_NAME},
    {"guest-info put: %00 in the name",
     "PUT",
     GI "/a%00",
     SESSION,
     B("\"v\""),
     NULL,
     400,
     IA,
     BAD_PATH},
    {"guest-info get: unknown",
     "GET",
     GI "/nope",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "No value found"},
    {"guest-info delete: unknown",
     "DELETE",
     GI "/nope",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no guestinfo.nope"},
    {"guest-info: POST",
     "POST",
     GI "/x",
     SESSION,
     B("\"v\""),
     NULL,
     400,
     UNSUPP,
     "POST is not supported on /api/vcenter/vm/vm-1/guest-info/x"},
    {"guest-info: no session",
     "PUT",
     GI "/hostname",
     NOAUTH,
     B("\"x\""),
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"guest-info: an unknown VM",
     "GET",
     "/api/vcenter/vm/vm-9/guest-info",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM 'vm-9'"},
    {"guest-info-settings: a float limit",
     "PATCH",
     GIS,
     SESSION,
     B("{\"guest_size_limit\":1.5}"),
     NULL,
     400,
     IA,
     LIMIT_RANGE},
    {"guest-info-settings: limit 1e400",
     "PATCH",
     GIS,
     SESSION,
     B("{\"guest_size_limit\":1e400}"),
     NULL,
     400,
     IA,
     LIMIT_RANGE},
    {"guest-info-settings: limit -1",
     "PATCH",
     GIS,
     SESSION,
     B("{\"guest_size_limit\":-1}"),
     NULL,
     400,
     IA,
     LIMIT_RANGE},
    {"guest-info-settings: limit 2^32",
     "PATCH",
     GIS,
     SESSION,
     B("{\"guest_size_limit\":4294967296}"),
     NULL,
     400,
     IA,
     LIMIT_RANGE},
    {"guest-info-settings: limit a string",
     "PATCH",
     GIS,
     SESSION,
     B("{\"guest_size_limit\":\"1024\"}"),
     NULL,
     400,
     IA,
     LIMIT_RANGE},
    {"guest-info-settings: guest_writes 1",
     "PATCH",
     GIS,
     SESSION,
     B("{\"guest_writes\":1}"),
     NULL,
     400,
     IA,
     "member 'guest_writes' must be true or false"},
    {"guest-info-settings: the read-only guest_bytes",
     "PATCH",
     GIS,
     SESSION,
     B("{\"guest_writes\":false,\"guest_bytes\":0}"),
     NULL,
     400,
     IA,
     "unknown member 'guest_bytes'"},
    {"guest-info-settings: PUT",
     "PUT",
     GIS,
     SESSION,
     B("{}"),
     NULL,
     400,
     UNSUPP,
     "PUT is not supported on /api/vcenter/vm/vm-1/guest-info-settings"},
    {"vapp: transports not an array",
     "PATCH",
     VAPP,
     SESSION,
     B("{\"transports\":\"iso\"}"),
     NULL,
     400,
     IA,
     "member 'transports' must be an array of \"com.vmware.guestInfo\" and \"iso\""},
    {"vapp: an unknown transport",
     "PATCH",
     VAPP,
     SESSION,
     B("{\"transports\":[\"iso\",\"floppy\"]}"),
     NULL,
     400,
     IA,
     "unknown transport 'floppy': the transports are com.vmware.guestInfo and iso"},
    {"vapp: a transport of another case",
     "PATCH",
     VAPP,
     SESSION,
     B("{\"transports\":[\"ISO\"]}"),
     NULL,
     400,
     IA,
     "unknown transport 'ISO': the transports are com.vmware.guestInfo and iso"},
    {"vapp: a transport a number",
     "PATCH",
     VAPP,
     SESSION,
     B("{\"transports\":[1]}"),
     NULL,
     400,
     IA,
     "a transport must be a string"},
    /* it would delete every property */
    {"vapp: disabled with a transport",
     "PATCH",
     VAPP,
     SESSION,
     B("{\"enabled\":false,\"transports\":[\"iso\"]}"),
     NULL,
     400,
     NOTNOW,
     "vApp properties are disabled: a transport needs them enabled"},
    {"vapp: enabled \"false\"",
     "PATCH",
     VAPP,
     SESSION,
     B("{\"enabled\":\"false\"}"),
     NULL,
     400,
     IA,
     "member 'enabled' must be true or false"},
    {"vapp: the read-only property_count",
     "PATCH",
     VAPP,
     SESSION,
     B("{\"enabled\":false,\"property_count\":0}"),
     NULL,
     400,
     IA,
     "unknown member 'property_count'"},
    {"vapp: DELETE",
     "DELETE",
     VAPP,
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     "DELETE is not supported on /api/vcenter/vm/vm-1/vapp"},
    {"vapp: POST without an action",
     "POST",
     VAPP,
     SESSION,
     B(OVF("", "k", "")),
     NULL,
     400,
     IA,
     "invalid action: POST /api/vcenter/vm/{vm}/vapp takes action=import with an OVF "
     "descriptor as the body"},
    {"vapp: an unknown VM",
     "GET",
     "/api/vcenter/vm/vm-9/vapp",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM 'vm-9'"},
    {"vapp environment: no session",
     "GET",
     VAPP "/environment",
     NOAUTH,
     NB,
     NULL,
     401,
     UNAUTH,
     NO_SESSION},
    {"vapp iso: POST",
     "POST",
     VAPP "/iso",
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     "POST is not supported on /api/vcenter/vm/vm-1/vapp/iso"},
    {"import: a DTD",
     "POST",
     IMPORT,
     SESSION,
     B(OVF("<!DOCTYPE Envelope [<!ELEMENT Envelope ANY>]>\n", "k", "ovf:value=\"v\"")),
     NULL,
     400,
     IA,
     DTD},
    {"import: billion laughs",
     "POST",
     IMPORT,
     SESSION,
     B(OVF("<!DOCTYPE Envelope [\n<!ENTITY a \"lol\">\n"
	   "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	   "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	   "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	   "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	   "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
	   "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
	   "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"
	   "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\n]>\n",
	   "k",
	   "ovf:value=\"&i;\"")),
     NULL,
     400,
     IA,
     DTD},
    {"import: an external entity",
     "POST",
     IMPORT,
     SESSION,
     B(OVF("<!DOCTYPE Envelope [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n",
	   "k",
	   "ovf:value=\"&x;\"")),
     NULL,
     400,
     IA,
     DTD},
    {"import: not XML",
     "POST",
     IMPORT,
     SESSION,
     B("hostname=vm\nuser-data=\n"),
     NULL,
     400,
     IA,
     "line 1: Start tag expected, '<' not found"},
    {"import: 0 bytes",
     "POST",
     IMPORT,
     SESSION,
     B(""),
     NULL,
     400,
     IA,
     "the OVF descriptor is empty"},
    {"import: Latin-1",
     "POST",
     IMPORT,
     SESSION,
     B(OVF("", "caf\xe9", "")),
     NULL,
     400,
     IA,
     "the OVF descriptor is not UTF-8 (byte *): refused"},
    {"import: an undefined entity",
     "POST",
     IMPORT,
     SESSION,
     B(OVF("", "k", "ovf:value=\"&host;\"")),
     NULL,
     400,
     IA,
     "line *: Entity 'host' not defined"},
    /* all or nothing: vApp stays as it is, and the first property is not added */
    {"import: an id taken",
     "POST",
     IMPORT,
     SESSION,
     B(OVF("", "hostname", "ovf:value=\"x\"")),
     NULL,
     400,
     EXISTS,
     "vApp property 'hostname' exists already (key 0)"},
    {"import: another action",
     "POST",
     VAPP "?action=export",
     SESSION,
     B(OVF("", "k", "")),
     NULL,
     400,
     IA,
     "invalid action: POST /api/vcenter/vm/{vm}/vapp takes action=import with an OVF "
     "descriptor as the body"},
    {"property: key 1e400",
     "POST",
     PROPS,
     SESSION,
     B("{\"key\":1e400,\"id\":\"k\"}"),
     NULL,
     400,
     IA,
     KEY_RANGE},
    {"property: key 2147483648",
     "POST",
     PROPS,
     SESSION,
     B("{\"key\":2147483648,\"id\":\"k\"}"),
     NULL,
     400,
     IA,
     KEY_RANGE},
    {"property: key -1",
     "POST",
     PROPS,
     SESSION,
     B("{\"key\":-1,\"id\":\"k\"}"),
     NULL,
     400,
     IA,
     KEY_RANGE},
    {"property: key 1.0",
     "POST",
     PROPS,
     SESSION,
     B("{\"key\":1.0,\"id\":\"k\"}"),
     NULL,
     400,
     IA,
     KEY_RANGE},
    {"property: key \"1\"",
     "POST",
     PROPS,
     SESSION,
     B("{\"key\":\"1\",\"id\":\"k\"}"),
     NULL,
     400,
     IA,
     KEY_RANGE},
    {"property: a key taken",
     "POST",
     PROPS,
     SESSION,
     B("{\"key\":0,\"id\":\"k\"}"),
     NULL,
     400,
     EXISTS,
     "a vApp property with key 0 exists already"},
    {"property: an id taken",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"port\"}"),
     NULL,
     400,
     EXISTS,
     "vApp property 'port' exists already (key 1)"},
    {"property: no id",
     "POST",
     PROPS,
     SESSION,
     B("{\"type\":\"string\"}"),
     NULL,
     400,
     IA,
     "a vApp property needs an id"},
    {"property: an unknown member",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"k\",\"secret\":true}"),
     NULL,
     400,
     IA,
     "unknown member 'secret'"},
    {"property: user_configurable \"yes\"",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"k\",\"user_configurable\":\"yes\"}"),
     NULL,
     400,
     IA,
     "member 'user_configurable' must be true or false"},
    {"property: an octal escape in the value",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"k\",\"value\":\"\\377\"}"),
     NULL,
     400,
     IA,
     JSON("an invalid escape")},
    {"property: an escaped lone surrogate in the value",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"k\",\"value\":\"\\udc00\"}"),
     NULL,
     400,
     IA,
     JSON("a lone surrogate")},
    {"property: a raw 0xFF in the value",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"k\",\"value\":\"\xff\"}"),
     NULL,
     400,
     IA,
     NOT_UTF8},
    {"property: U+FFFE in the value",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"k\",\"value\":\"\\ufffe\"}"),
     NULL,
     400,
     IA,
     "the value of vApp property 'k' holds U+FFFE, which an OVF environment (XML 1.0) cannot "
     "carry"},
    {"property: a control character in the id",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"a\\u0001b\"}"),
     NULL,
     400,
     IA,
     "the id of vApp property 'a\001b' holds U+0001, which an OVF environment (XML 1.0) cannot "
     "carry"},
    {"property: an int out of its range",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"n\",\"type\":\"int(1..10)\",\"value\":\"11\"}"),
     NULL,
     400,
     IA,
     "the value of vApp property 'n': the value does not fit type 'int(1..10)': it is out of "
     "range"},
    /* never quoting the value: it may be a password */
    {"property: a password too short",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"pw\",\"type\":\"password(8..)\",\"value\":\"hunter2\"}"),
     NULL,
     400,
     IA,
     "the value of vApp property 'pw': the value does not fit type 'password(8..)': its length "
     "is out of range"},
    {"property: a real without a dot",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"r\",\"type\":\"real\",\"value\":\"1e3\"}"),
     NULL,
     400,
     IA,
     "the value of vApp property 'r': the value does not fit type 'real': it is not a real such "
     "as -1.5 or 2.0e3"},
    {"property: the type expression",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"u\",\"type\":\"expression\"}"),
     NULL,
     400,
     IA,
     NETWORK_TYPE("u", "expression")},
    {"property: the type ip:NETWORK",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"u\",\"type\":\"ip:VM Network\"}"),
     NULL,
     400,
     IA,
     NETWORK_TYPE("u", "ip:VM Network")},
    {"property: the type ${...}",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"u\",\"type\":\"${gateway}\"}"),
     NULL,
     400,
     IA,
     NETWORK_TYPE("u", "${gateway}")},
    {"property: the type UNSUPPORTED_TYPE",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"u\",\"type\":\"UNSUPPORTED_TYPE\"}"),
     NULL,
     400,
     IA,
     "vApp property 'u': type 'UNSUPPORTED_TYPE': not a type: string, string(x..y), "
     "string[\"a\", \"b\"], int, int(x..y), real, real(x..y), boolean, password, "
     "password(x..y) or ip"},
    {"property: int bounds reversed",
     "POST",
     PROPS,
     SESSION,
     B("{\"id\":\"t\",\"type\":\"int(10..1)\"}"),
     NULL,
     400,
     IA,
     "vApp property 't': type 'int(10..1)': the least is more than the most"},
    {"property: an array",
     "POST",
     PROPS,
     SESSION,
     B("[{\"id\":\"k\"}]"),
     NULL,
     400,
     IA,
     NOT_OBJECT},
    {"property patch: the key",
     "PATCH",
     PROPS "/0",
     SESSION,
     B("{\"key\":5}"),
     NULL,
     400,
     IA,
     "unknown member 'key'"},
    {"property patch: an id taken",
     "PATCH",
     PROPS "/0",
     SESSION,
     B("{\"id\":\"port\"}"),
     NULL,
     400,
     EXISTS,
     "vApp property 'port' exists already (key 1)"},
    /* the value 8080 stays, and no longer fits */
    {"property patch: a type the value does not fit",
     "PATCH",
     PROPS "/1",
     SESSION,
     B("{\"type\":\"int(1..10)\"}"),
     NULL,
     400,
     IA,
     "the value of vApp property 'port': the value does not fit type 'int(1..10)': it is out of "
     "range"},
    {"property patch: unknown",
     "PATCH",
     PROPS "/99",
     SESSION,
     B("{\"label\":\"x\"}"),
     NULL,
     404,
     NOTFOUND,
     "no vApp property with key 99"},
    {"property: PUT",
     "PUT",
     PROPS "/0",
     SESSION,
     B("{\"id\":\"x\"}"),
     NULL,
     400,
     UNSUPP,
     "PUT is not supported on /api/vcenter/vm/vm-1/vapp/properties/0"},
    {"property: unknown",
     "GET",
     PROPS "/99",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no vApp property with key 99"},
    {"property delete: unknown",
     "DELETE",
     PROPS "/2",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no vApp property with key 2"},
    {"property key %00", "GET", PROPS "/%00", SESSION, NB, NULL, 400, IA, BAD_PATH},
    {"property key -1", "DELETE", PROPS "/-1", SESSION, NB, NULL, 400, IA, NOT_KEY},
    {"property key 00",
     "DELETE",
     PROPS "/00",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     NOT_KEY,
     "00 named the property 0 (and deleted it), +1 was refused"},
    {"property key +1", "GET", PROPS "/+1", SESSION, NB, NULL, 400, IA, NOT_KEY},
    {"property key of 20 digits",
     "DELETE",
     PROPS "/18446744073709551617",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     NOT_KEY},
    {"property key 2^31",
     "PATCH",
     PROPS "/2147483648",
     SESSION,
     B("{\"label\":\"x\"}"),
     NULL,
     400,
     IA,
     NOT_KEY},
    {"property key a name", "GET", PROPS "/hostname", SESSION, NB, NULL, 400, IA, NOT_KEY},
    {"property key 0x1", "GET", PROPS "/0x1", SESSION, NB, NULL, 400, IA, NOT_KEY},
};

/*
 * the metadata plugin's routes (docs/rest-api.md "Object metadata",
 * plugins/metadata/README.md): vm-1 holds the GENERAL entry env (STRING
 * prod) and the SYSTEM PRIVATE entry cost (NUMBER 4711), its data set rw
 * the GENERAL entry owner (STRING ops) (populate()). A body is checked
 * member by member, then the key, the domain and visibility, the value
 * against its type, then who may write, then the limits; a POST is all or
 * nothing. A PUT's body is a MetadataValue: a key in it is an unknown
 * member, and a domain in it must be the path's.
 */
#define MD   "/api/vcenter/vm/vm-1/metadata"
#define DSMD DS "/rw/metadata"
/* "typedValue":{"_type":"Metadata<type>Value","value":<value>} */
#define TYPED(type, value)                                                                         \
	"\"typedValue\":{\"_type\":\"Metadata" type "Value\",\"value\":" value "}"
/* a PUT body (vCD's MetadataValue) */
#define VALUE(type, value) "{" TYPED(type, value) "}"
#define PROD		   VALUE("String", "\"prod\"")
/* a POST body and one of its entries (vCD's MetadataEntry) */
#define ENTRIES(entries)	"{\"metadataEntry\":[" entries "]}"
#define ENTRY(key, type, value) "{\"key\":\"" key "\"," TYPED(type, value) "}"
#define ENTRY_AT(i, problem)	"metadataEntry[" i "]: " problem
#define IN_ENTRY(key, problem)	"metadata entry '" key "': " problem
#define QUOTA			"UNABLE_TO_ALLOCATE_RESOURCE"
#define TYPED_VALUE(or)		"member 'typedValue.value' is required, a string" or
#define TYPED_REQUIRED		"member 'typedValue' is required, an object of _type and value"
#define ENTRIES_REQUIRED	"member 'metadataEntry' is required, an array of entries"
#define DOMAIN_OBJECT		"member 'domain' must be an object of value and visibility"
#define UNKNOWN_DOMAIN(name)                                                                       \
	"unknown metadata domain '" name "': the domains are GENERAL, SYSTEM and VCENTER"
#define UNKNOWN_VISIBILITY(name)                                                                   \
	"unknown metadata visibility '" name "': the visibilities are READWRITE, READONLY and "    \
	"PRIVATE"
#define UNKNOWN_TYPE(name)                                                                         \
	"unknown metadata type '" name "': the types are MetadataStringValue, "                    \
	"MetadataNumberValue, MetadataDateTimeValue and MetadataBooleanValue"
#define SYSTEM_RW "a SYSTEM entry is READONLY or PRIVATE, never READWRITE"
#define NOT_SYSTEM(domain)                                                                         \
	"a " domain " entry is READWRITE; READONLY and PRIVATE are for SYSTEM entries"
#define PATH_DOMAIN(body, path) "domain '" body "' in the body, but the path names domain " path
#define KEY_SEMICOLON		"a metadata key has no ';'"
#define KEY_DOTS                                                                                   \
	"a metadata key has no '.' or '..' segment: no '/./' or '/../', not starting with './' "   \
	"or '../', not ending with '/.' or '/..'"
#define KEY_LONG    "a metadata key has at most 256 characters"
#define NUMBER_TEXT "a NUMBER value is a decimal integer: an optional sign, then digits"
#define NUMBER_RANGE                                                                               \
	"a NUMBER value is a signed 64-bit integer, -9223372036854775808 to 9223372036854775807"
#define BOOLEAN_TEXT "a BOOLEAN value is 1, 0, true or false"
#define DATE_TEXT                                                                                  \
	"a DATETIME value is an xsd:dateTime, YYYY-MM-DDThh:mm:ss[.s][Z|(+|-)hh:mm], e.g. "        \
	"2012-06-18T12:00:00-05:00"
#define DATE_DAY                                                                                   \
	"a DATETIME value is a day of the calendar (years 0001 to 9999) and a time of day, "       \
	"00:00:00 to 23:59:59 or 24:00:00"
#define DATE_UTC  "a DATETIME value is in the years 0001 to 9999 once in UTC"
#define DATE_ZONE "a DATETIME value's time zone is -14:00 to +14:00"
#define DATE_USEC                                                                                  \
	"a DATETIME value is kept to the microsecond: its fraction has no non-zero digit after "   \
	"the sixth"
#define NO_ENTRY(domain, key, object) "no " domain " metadata entry '" key "' on " object
#define UNSUPPORTED_ON(method, path)  method " is not supported on " path
#define NO_RESOURCE(path)	      "no such resource: " path

static const RestCase metadata_cases[] = {
    /* JSON and the body's shape */
    {"metadata put: a lone {",
     "PUT",
     MD "/env",
     SESSION,
     B("{"),
     NULL,
     400,
     IA,
     JSON("an unexpected end")},
    {"metadata put: an empty body",
     "PUT",
     MD "/env",
     SESSION,
     B(""),
     NULL,
     400,
     IA,
     JSON("an unexpected end")},
    {"metadata put: a missing comma",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"domain\":{} " TYPED("String", "\"x\"") "}"),
     NULL,
     400,
     IA,
     JSON("a missing comma")},
    {"metadata put: a bare string (an entry's value)",
     "PUT",
     MD "/env",
     SESSION,
     B("\"prod\""),
     NULL,
     400,
     IA,
     NOT_OBJECT},
    {"metadata put: null", "PUT", MD "/env", SESSION, B("null"), NULL, 400, IA, NOT_OBJECT},
    {"metadata post: trailing comma",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("k", "String", "\"v\"") ",")),
     NULL,
     400,
     IA,
     JSON("an unexpected character")},
    {"metadata post: an array",
     "POST",
     MD,
     SESSION,
     B("[" ENTRY("k", "String", "\"v\"") "]"),
     NULL,
     400,
     IA,
     NOT_OBJECT},
    {"metadata post: 0xFF in a value",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("k", "String", "\"\xff\""))),
     NULL,
     400,
     IA,
     NOT_UTF8},
    {"metadata post: \\u0000 in a key",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("k\\u0000", "String", "\"v\""))),
     NULL,
     400,
     IA,
     JSON("a NUL character")},
    {"metadata post: {}", "POST", MD, SESSION, B("{}"), NULL, 400, IA, ENTRIES_REQUIRED},
    {"metadata post: metadataEntry an object",
     "POST",
     MD,
     SESSION,
     B("{\"metadataEntry\":" ENTRY("k", "String", "\"v\"") "}"),
     NULL,
     400,
     IA,
     ENTRIES_REQUIRED},
    {"metadata post: metadataEntry null",
     "POST",
     MD,
     SESSION,
     B("{\"metadataEntry\":null}"),
     NULL,
     400,
     IA,
     ENTRIES_REQUIRED},
    {"metadata post: an unknown member beside metadataEntry",
     "POST",
     MD,
     SESSION,
     B("{\"metadataEntry\":[],\"href\":\"x\"}"),
     NULL,
     400,
     IA,
     "unknown member 'href'"},
    {"metadata post: an entry a string",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("\"k\"")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "a metadata entry must be an object")},
    {"metadata post: the second entry an array",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("k", "String", "\"v\"") ",[]")),
     NULL,
     400,
     IA,
     ENTRY_AT("1", "a metadata entry must be an object")},
    {"metadata post: an entry with a member value",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"key\":\"k\",\"value\":\"v\"," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "unknown member 'value'")},
    /* key */
    {"metadata post: no key",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{" TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "missing member 'key'")},
    {"metadata post: key a number",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"key\":7," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "member 'key' must be a string")},
    {"metadata post: key null",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"key\":null," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "member 'key' must be a string")},
    {"metadata post: key an array",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"key\":[\"k\"]," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "member 'key' must be a string")},
    {"metadata post: key empty",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("", "String", "\"v\""))),
     NULL,
     400,
     IA,
     "a metadata key is not empty"},
    {"metadata post: key with ;",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("a;b", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_SEMICOLON},
    {"metadata post: key a/../b",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("a/../b", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata post: key a/./b",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("a/./b", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata post: key ./a",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("./a", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata post: key ../a",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("../a", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata post: key a/.",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("a/.", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata post: key a/..",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("a/..", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata post: key ..",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("..", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata post: a good entry, then a bad key (all or nothing)",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("new", "String", "\"v\"") "," ENTRY("a;b", "String", "\"v\""))),
     NULL,
     400,
     IA,
     KEY_SEMICOLON},
    {"metadata post: a good entry, then a bad value (all or nothing)",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("env", "String", "\"test\"") "," ENTRY("n", "Number", "\"x\""))),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_TEXT)},
    /* domain */
    {"metadata post: domain a string",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"domain\":\"SYSTEM\",\"key\":\"k\"," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", DOMAIN_OBJECT)},
    {"metadata post: domain an array",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"domain\":[\"SYSTEM\"],\"key\":\"k\"," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", DOMAIN_OBJECT)},
    {"metadata post: domain null",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"domain\":null,\"key\":\"k\"," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", DOMAIN_OBJECT)},
    {"metadata post: domain.value a number",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"domain\":{\"value\":1},\"key\":\"k\"," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "member 'domain.value' must be a string"),
     "the message named member 'value': an entry has two (domain.value, typedValue.value)"},
    {"metadata post: domain.value OTHER",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"domain\":{\"value\":\"OTHER\"},\"key\":\"k\"," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", UNKNOWN_DOMAIN("OTHER"))},
    {"metadata post: domain.value system (lower case)",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(
	 "{\"domain\":{\"value\":\"system\",\"visibility\":\"READONLY\"},\"key\":\"k\"," TYPED(
	     "String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", UNKNOWN_DOMAIN("system"))},
    {"metadata post: domain.visibility true",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"domain\":{\"visibility\":true},\"key\":\"k\"," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "member 'domain.visibility' must be a string"),
     "the message named member 'visibility', not the object it is in"},
    {"metadata post: domain.visibility HIDDEN",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"HIDDEN\"},\"key\":\"k\"," TYPED(
	 "String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", UNKNOWN_VISIBILITY("HIDDEN"))},
    {"metadata post: domain with a member href",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"domain\":{\"value\":\"SYSTEM\",\"href\":\"x\"},\"key\":\"k\"," TYPED(
	 "String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", "unknown member 'href'")},
    {"metadata post: SYSTEM READWRITE",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(
	 "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"READWRITE\"},\"key\":\"k\"," TYPED(
	     "String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     IN_ENTRY("k", SYSTEM_RW)},
    {"metadata post: GENERAL PRIVATE",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(
	 "{\"domain\":{\"visibility\":\"PRIVATE\"},\"key\":\"k\"," TYPED("String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     IN_ENTRY("k", NOT_SYSTEM("GENERAL"))},
    {"metadata post: VCENTER READONLY",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(
	 "{\"domain\":{\"value\":\"VCENTER\",\"visibility\":\"READONLY\"},\"key\":\"k\"," TYPED(
	     "String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     IN_ENTRY("k", NOT_SYSTEM("VCENTER"))},
    {"metadata put: SYSTEM READWRITE",
     "PUT",
     MD "/SYSTEM/cost",
     SESSION,
     B("{\"domain\":{\"visibility\":\"READWRITE\"}," TYPED("Number", "1") "}"),
     NULL,
     400,
     IA,
     IN_ENTRY("cost", SYSTEM_RW)},
    {"metadata put: GENERAL READONLY",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"domain\":{\"visibility\":\"READONLY\"}," TYPED("String", "\"x\"") "}"),
     NULL,
     400,
     IA,
     IN_ENTRY("env", NOT_SYSTEM("GENERAL"))},
    {"metadata put: domain.value 7",
     "PUT",
     MD "/SYSTEM/cost",
     SESSION,
     B("{\"domain\":{\"value\":7}," TYPED("Number", "1") "}"),
     NULL,
     400,
     IA,
     "member 'domain.value' must be a string",
     "the message named member 'value': a value has two (domain.value, typedValue.value)"},
    {"metadata put: domain.value OTHER",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"domain\":{\"value\":\"OTHER\"}," TYPED("String", "\"x\"") "}"),
     NULL,
     400,
     IA,
     UNKNOWN_DOMAIN("OTHER")},
    /* a PUT's body names another key or domain than its path */
    {"metadata put: the body names another key",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"key\":\"other\"," TYPED("String", "\"x\"") "}"),
     NULL,
     400,
     IA,
     "unknown member 'key'"},
    {"metadata put: the body names SYSTEM, the path GENERAL",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"READONLY\"}," TYPED("String",
									       "\"x\"") "}"),
     NULL,
     400,
     IA,
     PATH_DOMAIN("SYSTEM", "GENERAL")},
    {"metadata put: the body names GENERAL, the path SYSTEM",
     "PUT",
     MD "/SYSTEM/cost",
     SESSION,
     B("{\"domain\":{\"value\":\"GENERAL\"}," TYPED("Number", "1") "}"),
     NULL,
     400,
     IA,
     PATH_DOMAIN("GENERAL", "SYSTEM")},
    {"metadata put: the body names SYSTEM, the path VCENTER",
     "PUT",
     MD "/VCENTER/v",
     SESSION,
     B("{\"domain\":{\"value\":\"SYSTEM\"}," TYPED("String", "\"x\"") "}"),
     NULL,
     400,
     IA,
     PATH_DOMAIN("SYSTEM", "VCENTER")},
    {"metadata put: a data set's body names another data set's key",
     "PUT",
     DSMD "/owner",
     SESSION,
     B("{\"key\":\"env\"," TYPED("String", "\"x\"") "}"),
     NULL,
     400,
     IA,
     "unknown member 'key'"},
    /* typedValue */
    {"metadata put: no typedValue",
     "PUT",
     MD "/env",
     SESSION,
     B("{}"),
     NULL,
     400,
     IA,
     TYPED_REQUIRED},
    {"metadata put: typedValue a string",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"typedValue\":\"prod\"}"),
     NULL,
     400,
     IA,
     TYPED_REQUIRED},
    {"metadata post: typedValue an array",
     "POST",
     MD,
     SESSION,
     B(ENTRIES("{\"key\":\"k\",\"typedValue\":[]}")),
     NULL,
     400,
     IA,
     ENTRY_AT("0", TYPED_REQUIRED)},
    {"metadata put: no _type",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"typedValue\":{\"value\":\"x\"}}"),
     NULL,
     400,
     IA,
     "missing member '_type'"},
    {"metadata put: _type a number",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"typedValue\":{\"_type\":1,\"value\":\"x\"}}"),
     NULL,
     400,
     IA,
     "member '_type' must be a string"},
    {"metadata put: _type MetadataIntegerValue",
     "PUT",
     MD "/env",
     SESSION,
     B(VALUE("Integer", "1")),
     NULL,
     400,
     IA,
     UNKNOWN_TYPE("MetadataIntegerValue")},
    {"metadata put: _type STRING (the query's name)",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"typedValue\":{\"_type\":\"STRING\",\"value\":\"x\"}}"),
     NULL,
     400,
     IA,
     UNKNOWN_TYPE("STRING")},
    {"metadata post: _type unknown",
     "POST",
     MD,
     SESSION,
     B(ENTRIES(ENTRY("k", "Xml", "\"v\""))),
     NULL,
     400,
     IA,
     ENTRY_AT("0", UNKNOWN_TYPE("MetadataXmlValue"))},
    {"metadata put: typedValue with a member type",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"type\":\"x\",\"value\":\"x\"}}"),
     NULL,
     400,
     IA,
     "unknown member 'type'"},
    {"metadata put: no value",
     "PUT",
     MD "/env",
     SESSION,
     B("{\"typedValue\":{\"_type\":\"MetadataStringValue\"}}"),
     NULL,
     400,
     IA,
     TYPED_VALUE("")},
    {"metadata put: a STRING value a number",
     "PUT",
     MD "/env",
     SESSION,
     B(VALUE("String", "5")),
     NULL,
     400,
     IA,
     TYPED_VALUE("")},
    {"metadata put: a STRING value null",
     "PUT",
     MD "/env",
     SESSION,
     B(VALUE("String", "null")),
     NULL,
     400,
     IA,
     TYPED_VALUE("")},
    {"metadata put: a STRING value an object",
     "PUT",
     MD "/env",
     SESSION,
     B(VALUE("String", "{\"value\":\"x\"}")),
     NULL,
     400,
     IA,
     TYPED_VALUE("")},
    {"metadata put: a NUMBER value true",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "true")),
     NULL,
     400,
     IA,
     TYPED_VALUE(" or an integer")},
    {"metadata put: a NUMBER value 1.5",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "1.5")),
     NULL,
     400,
     IA,
     TYPED_VALUE(" or an integer")},
    {"metadata put: a NUMBER value 2^63 (JSON)",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "9223372036854775808")),
     NULL,
     400,
     IA,
     JSON("an integer beyond 64 bits"),
     "kept as -9223372036854775808: json-glib 1.6 reads an integer past 64 bits wrapped or "
     "saturated"},
    {"metadata put: a NUMBER value -2^63-1 (JSON)",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "-9223372036854775809")),
     NULL,
     400,
     IA,
     JSON("an integer beyond 64 bits"),
     "kept as 9223372036854775807: json-glib 1.6 reads an integer past 64 bits wrapped or "
     "saturated"},
    {"metadata put: a NUMBER value 2^64+1 (JSON)",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "18446744073709551617")),
     NULL,
     400,
     IA,
     JSON("an integer beyond 64 bits"),
     "kept as -1: json-glib 1.6 reads an integer past 64 bits wrapped or saturated"},
    {"metadata put: a BOOLEAN value 1 (JSON)",
     "PUT",
     MD "/b",
     SESSION,
     B(VALUE("Boolean", "1")),
     NULL,
     400,
     IA,
     TYPED_VALUE(" or a boolean")},
    {"metadata put: a DATETIME value a number",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "1339999999")),
     NULL,
     400,
     IA,
     TYPED_VALUE("")},
    /* values not of their type */
    {"metadata put: notANumber",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"notANumber\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_TEXT)},
    {"metadata put: NUMBER 1.0",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"1.0\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_TEXT)},
    {"metadata put: NUMBER 1e3",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"1e3\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_TEXT)},
    {"metadata put: NUMBER with a blank",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\" 1\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_TEXT)},
    {"metadata put: NUMBER empty",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_TEXT)},
    {"metadata put: NUMBER a lone sign",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"-\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_TEXT)},
    {"metadata put: NUMBER 0x10",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"0x10\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_TEXT)},
    {"metadata put: NUMBER 2^63",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"9223372036854775808\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_RANGE)},
    {"metadata put: NUMBER -2^63-1",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"-9223372036854775809\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_RANGE)},
    {"metadata put: NUMBER of 30 digits",
     "PUT",
     MD "/n",
     SESSION,
     B(VALUE("Number", "\"123456789012345678901234567890\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("n", NUMBER_RANGE)},
    {"metadata put: notABool",
     "PUT",
     MD "/b",
     SESSION,
     B(VALUE("Boolean", "\"notABool\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("b", BOOLEAN_TEXT)},
    {"metadata put: BOOLEAN TRUE",
     "PUT",
     MD "/b",
     SESSION,
     B(VALUE("Boolean", "\"TRUE\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("b", BOOLEAN_TEXT)},
    {"metadata put: BOOLEAN yes",
     "PUT",
     MD "/b",
     SESSION,
     B(VALUE("Boolean", "\"yes\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("b", BOOLEAN_TEXT)},
    {"metadata put: notADate",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"notADate\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_TEXT)},
    {"metadata put: DATETIME with a blank for T",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2012-06-18 12:00:00Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_TEXT)},
    {"metadata put: DATETIME of a date only",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2012-06-18\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_TEXT)},
    {"metadata put: DATETIME of year 10000",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"10000-01-01T00:00:00Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_TEXT)},
    {"metadata put: DATETIME of year 0000",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"0000-01-01T00:00:00Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_DAY)},
    {"metadata put: DATETIME February 30",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2012-02-30T00:00:00Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_DAY)},
    {"metadata put: DATETIME February 29 of 2100",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2100-02-29T00:00:00Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_DAY)},
    {"metadata put: DATETIME month 13",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2012-13-01T00:00:00Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_DAY)},
    {"metadata put: DATETIME 24:00:01",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2012-06-18T24:00:01Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_DAY)},
    {"metadata put: DATETIME a leap second",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2016-12-31T23:59:60Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_DAY)},
    {"metadata put: DATETIME before 0001 in UTC",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"0001-01-01T00:00:00+00:01\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_UTC)},
    {"metadata put: DATETIME after 9999 in UTC",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"9999-12-31T23:59:59-00:01\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_UTC)},
    {"metadata put: DATETIME zone +15:00",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2012-06-18T12:00:00+15:00\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_ZONE)},
    {"metadata put: DATETIME to the tenth of a microsecond",
     "PUT",
     MD "/d",
     SESSION,
     B(VALUE("DateTime", "\"2012-06-18T12:00:00.1234567Z\"")),
     NULL,
     400,
     IA,
     IN_ENTRY("d", DATE_USEC)},
    {"metadata put: a STRING value of bad UTF-8",
     "PUT",
     MD "/env",
     SESSION,
     B(VALUE("String", "\"\xc0\xae\"")),
     NULL,
     400,
     IA,
     NOT_UTF8},
    /* keys in the path, percent-encoded or not */
    {"metadata put: key a%3Bb", "PUT", MD "/a%3Bb", SESSION, B(PROD), NULL, 400, IA, KEY_SEMICOLON},
    {"metadata put: key a;b", "PUT", MD "/a;b", SESSION, B(PROD), NULL, 400, IA, KEY_SEMICOLON},
    {"metadata put: SYSTEM key a%3bb",
     "PUT",
     MD "/SYSTEM/a%3bb",
     SESSION,
     B(PROD),
     NULL,
     400,
     IA,
     KEY_SEMICOLON},
    {"metadata put: key a%2F..%2Fb",
     "PUT",
     MD "/a%2F..%2Fb",
     SESSION,
     B(PROD),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata put: key a%2F.%2Fb",
     "PUT",
     MD "/a%2F.%2Fb",
     SESSION,
     B(PROD),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata put: key a%2F%2E%2E%2Fb",
     "PUT",
     MD "/a%2F%2E%2E%2Fb",
     SESSION,
     B(PROD),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata put: key .%2Fa", "PUT", MD "/.%2Fa", SESSION, B(PROD), NULL, 400, IA, KEY_DOTS},
    {"metadata put: key ..%2Fenv",
     "PUT",
     MD "/..%2Fenv",
     SESSION,
     B(PROD),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata put: key a%2F.", "PUT", MD "/a%2F.", SESSION, B(PROD), NULL, 400, IA, KEY_DOTS},
    {"metadata delete: key a%2F..", "DELETE", MD "/a%2F..", SESSION, NB, NULL, 400, IA, KEY_DOTS},
    {"metadata get: key ..%2F..%2Fdata-sets",
     "GET",
     MD "/..%2F..%2Fdata-sets",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata put: data set key ..%2F..%2Fmetadata%2Fenv",
     "PUT",
     DSMD "/..%2F..%2Fmetadata%2Fenv",
     SESSION,
     B(PROD),
     NULL,
     400,
     IA,
     KEY_DOTS},
    {"metadata put: key %2E%2E", "PUT", MD "/%2E%2E", SESSION, B(PROD), NULL, 400, IA, DOTS},
    {"metadata delete: key %2e", "DELETE", MD "/%2e", SESSION, NB, NULL, 400, IA, DOTS},
    {"metadata put: key %FF", "PUT", MD "/%FF", SESSION, B(PROD), NULL, 400, IA, BAD_PATH},
    {"metadata get: key a%00", "GET", MD "/a%00", SESSION, NB, NULL, 400, IA, BAD_PATH},
    /* methods, domains and objects of the path */
    {"metadata: PATCH",
     "PATCH",
     MD,
     SESSION,
     B(ENTRIES("")),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("PATCH", MD)},
    {"metadata: PUT the list",
     "PUT",
     MD,
     SESSION,
     B(ENTRIES("")),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("PUT", MD)},
    {"metadata: DELETE the list",
     "DELETE",
     MD,
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("DELETE", MD)},
    {"metadata: POST to a key",
     "POST",
     MD "/env",
     SESSION,
     B(PROD),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("POST", MD "/env")},
    {"metadata: PATCH a SYSTEM key",
     "PATCH",
     MD "/SYSTEM/cost",
     SESSION,
     B(PROD),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("PATCH", MD "/SYSTEM/cost")},
    {"metadata: POST to a data set's key",
     "POST",
     DSMD "/owner",
     SESSION,
     B(PROD),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("POST", DSMD "/owner")},
    {"metadata: domain FOO in the path",
     "PUT",
     MD "/FOO/k",
     SESSION,
     B(PROD),
     NULL,
     404,
     NOTFOUND,
     NO_RESOURCE(MD "/FOO/k")},
    {"metadata: domain GENERAL in the path",
     "GET",
     MD "/GENERAL/env",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_RESOURCE(MD "/GENERAL/env")},
    {"metadata: domain system (lower case) in the path",
     "DELETE",
     MD "/system/cost",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_RESOURCE(MD "/system/cost")},
    {"metadata: a key of two segments",
     "PUT",
     MD "/a/b",
     SESSION,
     B(PROD),
     NULL,
     404,
     NOTFOUND,
     NO_RESOURCE(MD "/a/b")},
    {"metadata: an empty key segment",
     "DELETE",
     MD "//env",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_RESOURCE(MD "//env")},
    {"metadata get: no such key",
     "GET",
     MD "/nope",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_ENTRY("GENERAL", "nope", "the VM")},
    {"metadata delete: no such key",
     "DELETE",
     MD "/nope",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_ENTRY("GENERAL", "nope", "the VM")},
    {"metadata delete: a GENERAL key in SYSTEM",
     "DELETE",
     MD "/SYSTEM/env",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_ENTRY("SYSTEM", "env", "the VM")},
    {"metadata delete: a SYSTEM key in GENERAL",
     "DELETE",
     MD "/cost",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_ENTRY("GENERAL", "cost", "the VM")},
    {"metadata get: a VM that is not there",
     "GET",
     "/api/vcenter/vm/vm-9/metadata",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no VM 'vm-9'"},
    {"metadata put: a VM that is not there",
     "PUT",
     "/api/vcenter/vm/vm-9/metadata/env",
     SESSION,
     B(PROD),
     NULL,
     404,
     NOTFOUND,
     "no VM 'vm-9'"},
    {"metadata get: a data set that is not there",
     "GET",
     DS "/nope/metadata",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no data set 'nope' in VM vm-1"},
    {"metadata post: a data set that is not there",
     "POST",
     DS "/nope/metadata",
     SESSION,
     B(ENTRIES(ENTRY("k", "String", "\"v\""))),
     NULL,
     404,
     NOTFOUND,
     "no data set 'nope' in VM vm-1"},
    {"metadata put: vm-2's data set through vm-1",
     "PUT",
     DS "/only-on-2/metadata/k",
     SESSION,
     B(PROD),
     NULL,
     404,
     NOTFOUND,
     "no data set 'only-on-2' in VM vm-1"},
    /* VCENTER is on VMs only */
    {"metadata put: VCENTER on a data set",
     "PUT",
     DSMD "/VCENTER/k",
     SESSION,
     B(PROD),
     NULL,
     400,
     IA,
     IN_ENTRY("k", "the VCENTER domain is on VMs only, not on data sets")},
    {"metadata post: VCENTER on a data set",
     "POST",
     DSMD,
     SESSION,
     B(ENTRIES(
	 "{\"domain\":{\"value\":\"VCENTER\",\"visibility\":\"READWRITE\"},\"key\":\"k\"," TYPED(
	     "String", "\"v\"") "}")),
     NULL,
     400,
     IA,
     IN_ENTRY("k", "the VCENTER domain is on VMs only, not on data sets")},
    {"metadata get: VCENTER on a data set",
     "GET",
     DSMD "/VCENTER/k",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_ENTRY("VCENTER", "k", "data set 'rw'")},
    {"metadata delete: VCENTER on a data set",
     "DELETE",
     DSMD "/VCENTER/owner",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_ENTRY("VCENTER", "owner", "data set 'rw'")},
};

/*
 * GET /api/query (docs/rest-api.md "Metadata queries", the plugin README's
 * "Queries"): the filter is the query parameter once decoded, its keys and
 * values percent-encoded once more (a '%' in the filter is %25 in the
 * URL). A malformed filter says the column where it broke: the 1-based
 * position of the part that is wrong (the operator, the type, the key or
 * the value where it starts, the '(' too many, the end where a ')' is
 * missing), counted here by hand from the filter as decoded.
 */
#define Q(filter)	 "/api/query?type=vm&filter=" filter
#define FILTER(col, why) "filter: column " col ": " why
#define OPERATOR	 "expected an operator (==, !=, =gt=, =lt=, =ge=, =le=)"
#define A_TYPE		 "expected a type (STRING, NUMBER, DATETIME or BOOLEAN) and ':'"
#define CONDITION	 "expected a condition (metadata:KEY==TYPE:VALUE) or '('"
#define ESCAPE		 "'%' begins an escape of two hexadecimal digits (%25 is '%' itself)"
#define SPACE                                                                                      \
	"a space or control character is written %20 or %XX in a key or value and is allowed "     \
	"nowhere else"
#define ORDERING(op)		op " compares NUMBER and DATETIME values only"
#define FIELDS(field)		"fields: '" field "' is not metadata:KEY or metadata@DOMAIN:KEY"
#define NOT_IN(name, text, max) name ": '" text "' is not an integer from 1 to " max
#define PAGE(text)		NOT_IN("page", text, "4294967295")
#define PAGE_SIZE(text)		NOT_IN("pageSize", text, "128")
/* one condition of 20 characters */
#define N1 "metadata:a==NUMBER:1"

static const RestCase query_cases[] = {
    {"query: no type",
     "GET",
     "/api/query",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "type: required, vm or dataset"},
    {"query: a filter and no type",
     "GET",
     "/api/query?filter=metadata:env==STRING:prod",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "type: required, vm or dataset"},
    {"query: type folder",
     "GET",
     "/api/query?type=folder",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "type: 'folder' is not vm or dataset"},
    {"query: type VM",
     "GET",
     "/api/query?type=VM",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "type: 'VM' is not vm or dataset"},
    {"query: type empty",
     "GET",
     "/api/query?type=",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "type: '' is not vm or dataset"},
    {"query: type twice",
     "GET",
     "/api/query?type=vm&type=dataset",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "invalid query: the parameter 'type' is given twice"},
    {"query: POST",
     "POST",
     "/api/query?type=vm",
     SESSION,
     B("{}"),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("POST", "/api/query")},
    {"query: DELETE",
     "DELETE",
     "/api/query",
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("DELETE", "/api/query")},
    /* the filter */
    {"query: no operator",
     "GET",
     Q("metadata:env=prod"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("13", OPERATOR)},
    {"query: operator =gte=",
     "GET",
     Q("metadata:tier=gte=NUMBER:2"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("14", OPERATOR)},
    {"query: operator < (the key runs to the end)",
     "GET",
     Q("metadata:tier<NUMBER:2"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("23", OPERATOR)},
    {"query: =gt= on a STRING",
     "GET",
     Q("metadata:env=gt=STRING:a"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("13", ORDERING("=gt="))},
    {"query: =le= on a BOOLEAN",
     "GET",
     Q("metadata:ok=le=BOOLEAN:true"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("12", ORDERING("=le="))},
    {"query: type TEXT",
     "GET",
     Q("metadata:env==TEXT:prod"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("15", A_TYPE)},
    {"query: type string (lower case)",
     "GET",
     Q("metadata:env==string:prod"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("15", A_TYPE)},
    {"query: = after the type",
     "GET",
     Q("metadata:env==STRING=prod"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("21", "expected ':' after the type")},
    {"query: 9 conditions",
     "GET",
     Q(N1 ";" N1 "," N1 ";" N1 "," N1 ";" N1 "," N1 ";" N1 "," N1),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("169", "a filter has at most 8 metadata conditions")},
    {"query: a ( not closed",
     "GET",
     Q("(" N1),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("22", "expected ')' to close the '(' of column 1")},
    {"query: the outer of two ( not closed",
     "GET",
     Q("((" N1 ")"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("24", "expected ')' to close the '(' of column 1")},
    {"query: a ) too many",
     "GET",
     Q(N1 ")"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("21", "')' closes no '('")},
    {"query: ()", "GET", Q("()"), SESSION, NB, NULL, 400, IA, FILTER("2", CONDITION)},
    {"query: parentheses 17 deep",
     "GET",
     Q("(((((((((((((((((" N1 ")))))))))))))))))"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("17", "parentheses nest at most 16 deep")},
    {"query: %zz in a key",
     "GET",
     Q("metadata:a%25zz==STRING:x"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("11", ESCAPE)},
    {"query: %2 at the end of a value",
     "GET",
     Q("metadata:a==STRING:x%252"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("21", ESCAPE)},
    {"query: %00 in a value",
     "GET",
     Q("metadata:a==STRING:%2500"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("20", "%00 is not allowed in a key or value")},
    {"query: a space in a value",
     "GET",
     Q("metadata:a==STRING:x%20y"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("21", SPACE)},
    {"query: ( in a value",
     "GET",
     Q("metadata:a==STRING:x(y"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("21", "'(' in a value is written %28")},
    {"query: ; in a key",
     "GET",
     Q("metadata:a;b==STRING:x"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("11", "';' in a key is written %3B")},
    {"query: %3B in a key",
     "GET",
     Q("metadata:a%253Bb==STRING:x"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("10", KEY_SEMICOLON)},
    {"query: key a/../b",
     "GET",
     Q("metadata:a/../b==STRING:x"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("10", KEY_DOTS)},
    {"query: no key",
     "GET",
     Q("metadata:==STRING:x"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("10", "expected a key")},
    {"query: no metadata",
     "GET",
     Q("env==STRING:prod"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("1", CONDITION)},
    {"query: metadata=",
     "GET",
     Q("metadata=env==STRING:prod"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("9",
	    "expected ':' or '@' and a domain (SYSTEM, VCENTER or GENERAL) after "
	    "'metadata'")},
    {"query: domain FOO",
     "GET",
     Q("metadata@FOO:a==STRING:x"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("10", "expected a domain (SYSTEM, VCENTER or GENERAL) after '@'")},
    {"query: = after the domain",
     "GET",
     Q("metadata@SYSTEM=a==STRING:x"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("16", "expected ':' after the domain")},
    {"query: a wildcard with !=",
     "GET",
     Q("metadata:a!=STRING:x*"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("21", "a wildcard (*) is allowed with == only (%2A is an asterisk that is not one)")},
    {"query: notANumber",
     "GET",
     Q("metadata:n==NUMBER:notANumber"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("20", NUMBER_TEXT)},
    {"query: NUMBER 2^63",
     "GET",
     Q("metadata:n=gt=NUMBER:9223372036854775808"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("22", NUMBER_RANGE)},
    {"query: notADate",
     "GET",
     Q("metadata:d=ge=DATETIME:notADate"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("24", DATE_TEXT)},
    {"query: notABool",
     "GET",
     Q("metadata:b==BOOLEAN:notABool"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("21", BOOLEAN_TEXT)},
    {"query: a ; at the end",
     "GET",
     Q("metadata:a==STRING:x;"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("22", CONDITION)},
    {"query: more after the )",
     "GET",
     Q("(" N1 ")x"),
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FILTER("23", "expected ';', ',' or the end of the filter")},
    /* fields */
    {"query: fields env",
     "GET",
     "/api/query?type=vm&fields=env",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FIELDS("env")},
    {"query: fields tag:env",
     "GET",
     "/api/query?type=vm&fields=tag:env",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FIELDS("tag:env")},
    {"query: fields metadata@FOO:env",
     "GET",
     "/api/query?type=vm&fields=metadata@FOO:env",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FIELDS("metadata@FOO:env")},
    {"query: fields metadata: (no key)",
     "GET",
     "/api/query?type=vm&fields=metadata:",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FIELDS("metadata:")},
    {"query: fields with an empty one",
     "GET",
     "/api/query?type=dataset&fields=metadata:a,,metadata:b",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FIELDS("")},
    {"query: fields metadata:%zz",
     "GET",
     "/api/query?type=vm&fields=metadata:%25zz",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FIELDS("metadata:%zz")},
    {"query: fields metadata:%FF",
     "GET",
     "/api/query?type=vm&fields=metadata:%25FF",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     FIELDS("metadata:\xef\xbf\xbd"),
     "the message quoted the key's byte FF: the error body was not UTF-8"},
    {"query: 9 fields",
     "GET",
     "/api/query?type=vm&fields=metadata:a,metadata:b,metadata:c,metadata:d,metadata:e,"
     "metadata:f,metadata:g,metadata:h,metadata:i",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     "fields: more than 8"},
    /* pages */
    {"query: page 0", "GET", "/api/query?type=vm&page=0", SESSION, NB, NULL, 400, IA, PAGE("0")},
    {"query: page -1", "GET", "/api/query?type=vm&page=-1", SESSION, NB, NULL, 400, IA, PAGE("-1")},
    {"query: page +1",
     "GET",
     "/api/query?type=vm&page=%2B1",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE("+1")},
    {"query: page one",
     "GET",
     "/api/query?type=vm&page=one",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE("one")},
    {"query: page 1.5",
     "GET",
     "/api/query?type=vm&page=1.5",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE("1.5")},
    {"query: page empty", "GET", "/api/query?type=vm&page=", SESSION, NB, NULL, 400, IA, PAGE("")},
    {"query: page 2^32",
     "GET",
     "/api/query?type=vm&page=4294967296",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE("4294967296"),
     "the message said that 4294967296 is not a positive integer"},
    {"query: pageSize 0",
     "GET",
     "/api/query?type=vm&pageSize=0",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE_SIZE("0")},
    {"query: pageSize -5",
     "GET",
     "/api/query?type=vm&pageSize=-5",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE_SIZE("-5")},
    {"query: pageSize ten",
     "GET",
     "/api/query?type=vm&pageSize=ten",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE_SIZE("ten")},
    {"query: pageSize 129",
     "GET",
     "/api/query?type=vm&pageSize=129",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE_SIZE("129")},
    {"query: pageSize 2^32",
     "GET",
     "/api/query?type=vm&pageSize=4294967296",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE_SIZE("4294967296"),
     "the message said that 4294967296 is not a positive integer, not that it is over 128"},
    {"query: pageSize of 30 digits",
     "GET",
     "/api/query?type=vm&pageSize=123456789012345678901234567890",
     SESSION,
     NB,
     NULL,
     400,
     IA,
     PAGE_SIZE("123456789012345678901234567890"),
     "the message said that the number is not a positive integer, not that it is over 128"},
};

/*
 * the users routes (docs/rest-api.md "Users and owners", vmds(1)): the
 * fixture's administrator is admin (configured, built in) and alice a
 * user (populate()). A user name is 1 to 64 characters of [a-z0-9_.-],
 * not starting with '.' or '-'; a password 8 to 1,024 bytes of UTF-8; the
 * configured administrator cannot be changed or removed here.
 */
#define USERS "/api/vmds/users"
#define USER_NAME                                                                                  \
	"a user name is 1 to 64 characters: lowercase letters, digits, '_', '.' and '-', not "     \
	"starting with '.' or '-'"
#define PASSWORD "a password is 8 to 1024 bytes of UTF-8"
#define ROLE	 "a role is 'administrator' or 'user'"
#define BUILT_IN                                                                                   \
	"'admin' is the configured administrator ([http] username): its password is the "          \
	"daemon's password file; replace that file and reload the daemon (SIGHUP)"
/* a POST body of the user @name with a good password */
#define NEW_USER(name) "{\"name\":\"" name "\",\"password\":\"password-1\"}"

static const RestCase users_cases[] = {
    {"users post: a lone {",
     "POST",
     USERS,
     SESSION,
     B("{"),
     NULL,
     400,
     IA,
     JSON("an unexpected end")},
    {"users post: a string", "POST", USERS, SESSION, B("\"bob\""), NULL, 400, IA, NOT_OBJECT},
    {"users post: name empty", "POST", USERS, SESSION, B(NEW_USER("")), NULL, 400, IA, USER_NAME},
    {"users post: name Bob", "POST", USERS, SESSION, B(NEW_USER("Bob")), NULL, 400, IA, USER_NAME},
    {"users post: name a/b", "POST", USERS, SESSION, B(NEW_USER("a/b")), NULL, 400, IA, USER_NAME},
    {"users post: name .bob",
     "POST",
     USERS,
     SESSION,
     B(NEW_USER(".bob")),
     NULL,
     400,
     IA,
     USER_NAME},
    {"users post: name -bob",
     "POST",
     USERS,
     SESSION,
     B(NEW_USER("-bob")),
     NULL,
     400,
     IA,
     USER_NAME},
    {"users post: name ..", "POST", USERS, SESSION, B(NEW_USER("..")), NULL, 400, IA, USER_NAME},
    {"users post: name with a blank",
     "POST",
     USERS,
     SESSION,
     B(NEW_USER("b ob")),
     NULL,
     400,
     IA,
     USER_NAME},
    {"users post: name with a colon",
     "POST",
     USERS,
     SESSION,
     B(NEW_USER("b:ob")),
     NULL,
     400,
     IA,
     USER_NAME},
    {"users post: name zoë",
     "POST",
     USERS,
     SESSION,
     B(NEW_USER("zo\xc3\xab")),
     NULL,
     400,
     IA,
     USER_NAME},
    {"users post: name with %2F",
     "POST",
     USERS,
     SESSION,
     B(NEW_USER("a%2Fb")),
     NULL,
     400,
     IA,
     USER_NAME},
    {"users post: name a number",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":5,\"password\":\"password-1\"}"),
     NULL,
     400,
     IA,
     "member 'name' must be a string"},
    {"users post: name null",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":null,\"password\":\"password-1\"}"),
     NULL,
     400,
     IA,
     "member 'name' must be a string"},
    {"users post: no name",
     "POST",
     USERS,
     SESSION,
     B("{\"password\":\"password-1\"}"),
     NULL,
     400,
     IA,
     "missing member 'name'"},
    {"users post: no password",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\"}"),
     NULL,
     400,
     IA,
     "missing member 'password'"},
    {"users post: password of 7 bytes",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"1234567\"}"),
     NULL,
     400,
     IA,
     PASSWORD},
    {"users post: password of 4 characters in 7 bytes",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"\xc3\xa9\xc3\xa9\xc3\xa9x\"}"),
     NULL,
     400,
     IA,
     PASSWORD},
    {"users post: password empty",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"\"}"),
     NULL,
     400,
     IA,
     PASSWORD},
    {"users post: password a number",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":12345678}"),
     NULL,
     400,
     IA,
     "member 'password' must be a string"},
    {"users post: password \\u0000",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"pass\\u0000word\"}"),
     NULL,
     400,
     IA,
     JSON("a NUL character")},
    {"users post: role root",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"password-1\",\"role\":\"root\"}"),
     NULL,
     400,
     IA,
     ROLE},
    {"users post: role Administrator",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"password-1\",\"role\":\"Administrator\"}"),
     NULL,
     400,
     IA,
     ROLE},
    {"users post: role empty",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"password-1\",\"role\":\"\"}"),
     NULL,
     400,
     IA,
     ROLE},
    {"users post: role an array",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"password-1\",\"role\":[\"user\"]}"),
     NULL,
     400,
     IA,
     "member 'role' must be a string"},
    {"users post: vcenter_metadata \"true\"",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"password-1\",\"vcenter_metadata\":\"true\"}"),
     NULL,
     400,
     IA,
     "member 'vcenter_metadata' must be true or false"},
    {"users post: vcenter_metadata 1",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"password-1\",\"vcenter_metadata\":1}"),
     NULL,
     400,
     IA,
     "member 'vcenter_metadata' must be true or false"},
    {"users post: member owner",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"password-1\",\"owner\":\"alice\"}"),
     NULL,
     400,
     IA,
     "unknown member 'owner'"},
    {"users post: member built_in",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"bob\",\"password\":\"password-1\",\"built_in\":false}"),
     NULL,
     400,
     IA,
     "unknown member 'built_in'"},
    {"users post: member user (the list's)",
     "POST",
     USERS,
     SESSION,
     B("{\"user\":\"bob\",\"password\":\"password-1\"}"),
     NULL,
     400,
     IA,
     "unknown member 'user'"},
    {"users post: alice again",
     "POST",
     USERS,
     SESSION,
     B(NEW_USER("alice")),
     NULL,
     400,
     EXISTS,
     "a user named 'alice' exists already"},
    {"users post: alice again as an administrator",
     "POST",
     USERS,
     SESSION,
     B("{\"name\":\"alice\",\"password\":\"password-1\",\"role\":\"administrator\"}"),
     NULL,
     400,
     EXISTS,
     "a user named 'alice' exists already"},
    {"users post: the configured administrator's name",
     "POST",
     USERS,
     SESSION,
     B(NEW_USER("admin")),
     NULL,
     400,
     EXISTS,
     "'admin' is the configured administrator's name"},
    {"users patch: admin's role",
     "PATCH",
     USERS "/admin",
     SESSION,
     B("{\"role\":\"user\"}"),
     NULL,
     400,
     NOTNOW,
     BUILT_IN},
    {"users patch: admin's password",
     "PATCH",
     USERS "/admin",
     SESSION,
     B("{\"password\":\"new-password-1\"}"),
     NULL,
     400,
     NOTNOW,
     BUILT_IN},
    {"users patch: admin's vcenter_metadata",
     "PATCH",
     USERS "/admin",
     SESSION,
     B("{\"vcenter_metadata\":false}"),
     NULL,
     400,
     NOTNOW,
     BUILT_IN},
    {"users patch: admin, nothing",
     "PATCH",
     USERS "/admin",
     SESSION,
     B("{}"),
     NULL,
     400,
     NOTNOW,
     BUILT_IN},
    {"users delete: admin", "DELETE", USERS "/admin", SESSION, NB, NULL, 400, NOTNOW, BUILT_IN},
    {"users delete: nobody",
     "DELETE",
     USERS "/nobody",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no user 'nobody'"},
    {"users delete: ALICE",
     "DELETE",
     USERS "/ALICE",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no user 'ALICE'"},
    {"users delete: alice%2F..",
     "DELETE",
     USERS "/alice%2F..",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     "no user 'alice/..'"},
    {"users patch: nobody",
     "PATCH",
     USERS "/nobody",
     SESSION,
     B("{\"role\":\"user\"}"),
     NULL,
     404,
     NOTFOUND,
     "no user 'nobody'"},
    {"users patch: alice's name",
     "PATCH",
     USERS "/alice",
     SESSION,
     B("{\"name\":\"eve\"}"),
     NULL,
     400,
     IA,
     "unknown member 'name'"},
    {"users patch: alice's password of 7 bytes",
     "PATCH",
     USERS "/alice",
     SESSION,
     B("{\"password\":\"1234567\"}"),
     NULL,
     400,
     IA,
     PASSWORD},
    {"users patch: alice's role admin",
     "PATCH",
     USERS "/alice",
     SESSION,
     B("{\"role\":\"admin\"}"),
     NULL,
     400,
     IA,
     ROLE},
    {"users patch: alice's vcenter_metadata \"yes\"",
     "PATCH",
     USERS "/alice",
     SESSION,
     B("{\"vcenter_metadata\":\"yes\"}"),
     NULL,
     400,
     IA,
     "member 'vcenter_metadata' must be true or false"},
    {"users patch: an array", "PATCH", USERS "/alice", SESSION, B("[]"), NULL, 400, IA, NOT_OBJECT},
    /* methods */
    {"users: POST to a user",
     "POST",
     USERS "/alice",
     SESSION,
     B(NEW_USER("alice")),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("POST", USERS "/alice")},
    {"users: PUT a user",
     "PUT",
     USERS "/alice",
     SESSION,
     B("{\"role\":\"administrator\"}"),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("PUT", USERS "/alice")},
    {"users: PUT the list",
     "PUT",
     USERS,
     SESSION,
     B("[]"),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("PUT", USERS)},
    {"users: DELETE the list",
     "DELETE",
     USERS,
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("DELETE", USERS)},
    {"users: PATCH the list",
     "PATCH",
     USERS,
     SESSION,
     B("{\"role\":\"user\"}"),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("PATCH", USERS)},
    {"routes: POST",
     "POST",
     "/api/vmds/routes",
     SESSION,
     B("{}"),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("POST", "/api/vmds/routes")},
    {"routes: DELETE",
     "DELETE",
     "/api/vmds/routes",
     SESSION,
     NB,
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("DELETE", "/api/vmds/routes")},
    {"routes: PUT",
     "PUT",
     "/api/vmds/routes",
     SESSION,
     B("[]"),
     NULL,
     400,
     UNSUPP,
     UNSUPPORTED_ON("PUT", "/api/vmds/routes")},
    {"routes: a route of its own",
     "GET",
     "/api/vmds/routes/0",
     SESSION,
     NB,
     NULL,
     404,
     NOTFOUND,
     NO_RESOURCE("/api/vmds/routes/0")},
};

static GPtrArray *
rows_bodies(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)rest_row_free);
	g_autofree gchar *name1000 = g_strnfill(1000, 'n');
	g_autofree gchar *value = g_strnfill(1048577, 'v');
	g_autofree gchar *open33 = g_strnfill(32, '[');
	g_autofree gchar *close33 = g_strnfill(32, ']');
	g_autofree gchar *open100k = g_strnfill(100000, '[');

	rows_add_cases(rows, body_cases, G_N_ELEMENTS(body_cases));
	rows_add(
	    rows,
	    "create: a 1,000-byte name",
	    "POST",
	    g_strdup(DS),
	    g_strdup_printf("{\"name\":\"%s\",\"host\":\"NONE\",\"guest\":\"NONE\"}", name1000),
	    400,
	    IA,
	    "data set name of 1000 bytes is longer than 255 bytes");
	rows_add(rows,
		 "create: JSON nested 33 deep",
		 "POST",
		 g_strdup(DS),
		 g_strdup_printf("{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\","
				 "\"description\":%s\"d\"%s}",
				 open33,
				 close33),
		 400,
		 IA,
		 JSON("nesting deeper than 32 levels"));
	rows_add(rows,
		 "create: 100,000 unbalanced [",
		 "POST",
		 g_strdup(DS),
		 g_steal_pointer(&open100k),
		 400,
		 IA,
		 JSON("nesting deeper than 32 levels"));
	rows_add(rows,
		 "put: a value of 1,048,577 bytes",
		 "PUT",
		 g_strdup(ENT "/a"),
		 g_strdup_printf("\"%s\"", value),
		 400,
		 IA,
		 "value of key 'a' in data set 'rw' would be 1048577 bytes, longer than 1048576 "
		 "bytes");
	return rows;
}

static GPtrArray *
rows_framing(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)rest_row_free);
	rows_add_cases(rows, framing_cases, G_N_ELEMENTS(framing_cases));
	/* a whole chunked body is refused too */
	{
		RestRow *row = g_new0(RestRow, 1);
		const gchar chunked[] = "5\r\n\"new\"\r\n0\r\n\r\n";
		row->name = g_strdup("put: chunked, a whole body");
		row->method = g_strdup("PUT");
		row->target = g_strdup(ENT "/new");
		row->auth = g_strdup(SESSION);
		row->framing = g_strdup("Transfer-Encoding: chunked\r\n");
		row->body = g_bytes_new(chunked, sizeof(chunked) - 1);
		row->status = 400;
		row->error_type = g_strdup(IA);
		row->message = g_strdup(CHUNKED);
		g_ptr_array_add(rows, row);
	}
	return rows;
}

static GPtrArray *
rows_sessions(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)rest_row_free);
	rows_add_cases(rows, session_cases, G_N_ELEMENTS(session_cases));
	return rows;
}

static GPtrArray *
rows_paths(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)rest_row_free);
	g_autofree gchar *long_id = g_strnfill(5000, 'v');
	g_autofree gchar *long_ds = g_strnfill(5000, 'd');
	g_autofree gchar *no_vm = g_strdup_printf("no VM '%s'", long_id);

	rows_add_cases(rows, path_cases, G_N_ELEMENTS(path_cases));
	rows_add(rows,
		 "a 5,000-character VM id",
		 "GET",
		 g_strdup_printf("/api/vcenter/vm/%s/data-sets", long_id),
		 NULL,
		 404,
		 NOTFOUND,
		 no_vm);
	rows_add(rows,
		 "a 5,000-character data set",
		 "DELETE",
		 g_strdup_printf(DS "/%s?force=true", long_ds),
		 NULL,
		 400,
		 IA,
		 "data set name of 5000 bytes is longer than 255 bytes");
	return rows;
}

static GPtrArray *
rows_guestcfg(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)rest_row_free);
	g_autofree gchar *id70k = g_strnfill(70000, 'i');
	g_autofree gchar *digits101 = g_strnfill(101, '9');
	g_autofree gchar *choices = g_strnfill(70000, 'c');
	g_autofree gchar *int_type = g_strdup_printf("int(0..%s)", digits101);
	g_autofree gchar *negative_type = g_strdup_printf("int(-%.100s..0)", digits101);
	RestRow *row;

	rows_add_cases(rows, guestcfg_cases, G_N_ELEMENTS(guestcfg_cases));
	/* a message names the property by its id, cut to 64 bytes */
	row = rows_add(
	    rows,
	    "property: an id of 70,000 characters",
	    "POST",
	    g_strdup(PROPS),
	    g_strdup_printf("{\"id\":\"%s\"}", id70k),
	    400,
	    IA,
	    "the id of vApp property "
	    "'iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii…' is longer "
	    "than 65535 characters");
	row->bug = g_strdup("the message quoted the whole id, and so did the log line");
	row = rows_add(rows,
		       "property: a type of 70,000 characters",
		       "POST",
		       g_strdup(PROPS),
		       g_strdup_printf("{\"id\":\"c\",\"type\":\"string[\\\"%s\\\"]\"}", choices),
		       400,
		       IA,
		       "the type of vApp property 'c' is longer than 65535 characters");
	row->bug = g_strdup("stored (201): the type was the one text attribute not held to 65,535 "
			    "characters");
	{
		g_autofree gchar *message =
		    g_strdup_printf("vApp property 't': type '%.64s…': a bound is at most 100 "
				    "characters, its sign included",
				    int_type);
		rows_add(rows,
			 "property: an int bound of 101 digits",
			 "POST",
			 g_strdup(PROPS),
			 g_strdup_printf("{\"id\":\"t\",\"type\":\"%s\"}", int_type),
			 400,
			 IA,
			 message);
	}
	{
		g_autofree gchar *message =
		    g_strdup_printf("vApp property 't': type '%.64s…': a bound is at most 100 "
				    "characters, its sign included",
				    negative_type);
		rows_add(
		    rows,
		    "property: an int bound of 100 digits and its sign",
		    "PATCH",
		    g_strdup(PROPS "/1"),
		    g_strdup_printf("{\"id\":\"t\",\"type\":\"%s\",\"value\":\"\"}", negative_type),
		    400,
		    IA,
		    message);
	}
	return rows;
}

/* a POST body of @n entries of @domain ("" for GENERAL), keys k0, k1, ... */
static gchar *
metadata_entries(guint n, const gchar *domain)
{
	g_autoptr(GString) body = g_string_new("{\"metadataEntry\":[");

	for (guint i = 0; i < n; i++)
		g_string_append_printf(body,
				       "%s{%s\"key\":\"k%u\"," TYPED("Number", "%u") "}",
				       i > 0 ? "," : "",
				       domain,
				       i,
				       i);
	g_string_append(body, "]}");
	return g_string_free(g_steal_pointer(&body), FALSE);
}

static GPtrArray *
rows_metadata(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)rest_row_free);
	const gchar *system = "\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"READONLY\"},";
	g_autofree gchar *key257 = g_strnfill(257, 'k');
	g_autofree gchar *general_bytes = g_strnfill(131072, 'v');
	g_autofree gchar *system_bytes = g_strnfill(16384, 'v');

	rows_add_cases(rows, metadata_cases, G_N_ELEMENTS(metadata_cases));
	/* keys of 257 characters: the limit counts characters, not bytes */
	rows_add(rows,
		 "metadata put: a key of 257 characters",
		 "PUT",
		 g_strdup_printf(MD "/%s", key257),
		 g_strdup(PROD),
		 400,
		 IA,
		 KEY_LONG);
	rows_add(rows,
		 "metadata post: a key of 257 characters",
		 "POST",
		 g_strdup(DSMD),
		 g_strdup_printf(ENTRIES(ENTRY("%s", "String", "\"v\"")), key257),
		 400,
		 IA,
		 KEY_LONG);
	{
		g_autoptr(GString) path = g_string_new(MD "/");
		for (guint i = 0; i < 257; i++)
			g_string_append(path, "%C3%A9");
		rows_add(rows,
			 "metadata delete: a key of 257 characters, 514 bytes",
			 "DELETE",
			 g_string_free(g_steal_pointer(&path), FALSE),
			 NULL,
			 400,
			 IA,
			 KEY_LONG);
	}
	/* the limits (README "Limits"), one past each; nothing is written */
	rows_add(rows,
		 "metadata post: 1,025 GENERAL entries",
		 "POST",
		 g_strdup(MD),
		 metadata_entries(1025, ""),
		 400,
		 QUOTA,
		 "the GENERAL metadata of the VM is limited to 1024 entries");
	rows_add(rows,
		 "metadata put: GENERAL past 131,072 bytes",
		 "PUT",
		 g_strdup(MD "/big"),
		 g_strdup_printf(VALUE("String", "\"%s\""), general_bytes),
		 400,
		 QUOTA,
		 "the GENERAL metadata of the VM is limited to 131072 bytes of keys and values");
	rows_add(rows,
		 "metadata post: 129 SYSTEM entries",
		 "POST",
		 g_strdup(MD),
		 metadata_entries(129, system),
		 400,
		 QUOTA,
		 "the SYSTEM and VCENTER metadata of the VM is limited to 128 entries");
	rows_add(rows,
		 "metadata put: SYSTEM past 16,384 bytes",
		 "PUT",
		 g_strdup(MD "/SYSTEM/big"),
		 g_strdup_printf(VALUE("String", "\"%s\""), system_bytes),
		 400,
		 QUOTA,
		 "the SYSTEM and VCENTER metadata of the VM is limited to 16384 bytes of keys and "
		 "values");
	rows_add(rows,
		 "metadata put: VCENTER past 16,384 bytes",
		 "PUT",
		 g_strdup(MD "/VCENTER/big"),
		 g_strdup_printf(VALUE("String", "\"%s\""), system_bytes),
		 400,
		 QUOTA,
		 "the SYSTEM and VCENTER metadata of the VM is limited to 16384 bytes of keys and "
		 "values");
	rows_add(rows,
		 "metadata put: a data set's GENERAL past 131,072 bytes",
		 "PUT",
		 g_strdup(DSMD "/big"),
		 g_strdup_printf(VALUE("String", "\"%s\""), general_bytes),
		 400,
		 QUOTA,
		 "the GENERAL metadata of data set 'rw' is limited to 131072 bytes of keys and "
		 "values");
	rows_add(rows,
		 "metadata post: 129 SYSTEM entries on a data set",
		 "POST",
		 g_strdup(DSMD),
		 metadata_entries(129, system),
		 400,
		 QUOTA,
		 "the SYSTEM and VCENTER metadata of data set 'rw' is limited to 128 entries");
	return rows;
}

static GPtrArray *
rows_query(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)rest_row_free);
	g_autofree gchar *value1001 = g_strnfill(1001, 'x');
	g_autofree gchar *filter8193 = g_strnfill(8193, 'x');
	g_autofree gchar *key257 = g_strnfill(257, 'k');
	g_autofree gchar *type5000 = g_strnfill(5000, 't');
	g_autofree gchar *key5000 = g_strnfill(5000, 'k');
	/* 64 bytes of it quoted */
	g_autofree gchar *field_message = g_strdup_printf(FIELDS("metadata:%.55s…"), key5000);
	RestRow *row;

	rows_add_cases(rows, query_cases, G_N_ELEMENTS(query_cases));
	rows_add(rows,
		 "query: a STRING value of 1,001 characters",
		 "GET",
		 g_strdup_printf(Q("metadata:a==STRING:%s"), value1001),
		 NULL,
		 400,
		 IA,
		 FILTER("20", "a STRING value of more than 1000 characters is not searchable"));
	rows_add(rows,
		 "query: a key of 257 characters",
		 "GET",
		 g_strdup_printf(Q("metadata:%s==STRING:x"), key257),
		 NULL,
		 400,
		 IA,
		 FILTER("10", KEY_LONG));
	rows_add(rows,
		 "query: a filter of 8,193 bytes",
		 "GET",
		 g_strdup_printf(Q("%s"), filter8193),
		 NULL,
		 400,
		 IA,
		 "filter: longer than 8192 bytes");
	/* a message quotes at most 64 bytes of what the client sent */
	row =
	    rows_add(rows,
		     "query: a type of 5,000 characters",
		     "GET",
		     g_strdup_printf("/api/query?type=%s", type5000),
		     NULL,
		     400,
		     IA,
		     "type: 'tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt…' is "
		     "not vm or dataset");
	row->bug = g_strdup("the message quoted the whole type");
	row = rows_add(rows,
		       "query: a field of 5,009 characters",
		       "GET",
		       g_strdup_printf("/api/query?type=vm&fields=metadata:%s", key5000),
		       NULL,
		       400,
		       IA,
		       field_message);
	row->bug = g_strdup("the message quoted the whole field");
	return rows;
}

static GPtrArray *
rows_users(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)rest_row_free);
	g_autofree gchar *name65 = g_strnfill(65, 'u');
	g_autofree gchar *name5000 = g_strnfill(5000, 'u');
	g_autofree gchar *password1025 = g_strnfill(1025, 'p');

	rows_add_cases(rows, users_cases, G_N_ELEMENTS(users_cases));
	rows_add(rows,
		 "users post: a name of 65 characters",
		 "POST",
		 g_strdup(USERS),
		 g_strdup_printf(NEW_USER("%s"), name65),
		 400,
		 IA,
		 USER_NAME);
	rows_add(rows,
		 "users post: a password of 1,025 bytes",
		 "POST",
		 g_strdup(USERS),
		 g_strdup_printf("{\"name\":\"bob\",\"password\":\"%s\"}", password1025),
		 400,
		 IA,
		 PASSWORD);
	rows_add(rows,
		 "users patch: alice's password of 1,025 bytes",
		 "PATCH",
		 g_strdup(USERS "/alice"),
		 g_strdup_printf("{\"password\":\"%s\"}", password1025),
		 400,
		 IA,
		 PASSWORD);
	/* a message quotes at most 64 bytes of what the client sent */
	rows_add(rows,
		 "users delete: a name of 5,000 characters",
		 "DELETE",
		 g_strdup_printf(USERS "/%s", name5000),
		 NULL,
		 404,
		 NOTFOUND,
		 "no user 'uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu…'");
	return rows;
}

static const struct {
	const gchar *name;
	GPtrArray *(*build)(void);
} groups[] = {
    {"bodies", rows_bodies},
    {"framing", rows_framing},
    {"sessions", rows_sessions},
    {"paths", rows_paths},
    {"guestcfg", rows_guestcfg},
    {"metadata", rows_metadata},
    {"query", rows_query},
    {"users", rows_users},
};

/* running rows */

static gboolean
bug_is_open(const gchar *bug)
{
	return bug != NULL && g_str_has_prefix(bug, "open: ");
}

/* whether a row that showed @bug runs (see the top of the file) */
static gboolean
bug_row_runs(const gchar *bug)
{
	const gchar *known = g_getenv("VMDS_E2E_KNOWN_BUGS");

	if (bug == NULL)
		return TRUE;
	if (bug_is_open(bug))
		return g_strcmp0(known, "1") == 0;
	return g_strcmp0(known, "0") != 0;
}

/* every VM, every data set of vm-1 and vm-2, vm-1's guestinfo variables
 * and settings, vApp settings and properties (its environment is the
 * variable ovfEnv), the metadata of vm-1 and of its data set rw, and the
 * users */
static gchar *
state_text(void)
{
	static const gchar *const reads[] = {
	    "/api/vcenter/vm", GI, GIS, VAPP, PROPS, MD, DSMD, USERS};
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree gchar *vm1 = vmds_e2e_dump(e2e, NULL);
	g_autofree gchar *vm2 = vmds_e2e_dump_vm(e2e, "vm-2");

	for (guint i = 0; i < G_N_ELEMENTS(reads); i++) {
		g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", reads[i], NULL);
		g_string_append_printf(text, "%s: %u %s\n", reads[i], reply->status, reply->body);
	}
	g_string_append_printf(text, "%s%s", vm1, vm2);
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* @text with the placeholders filled in */
static GByteArray *
expand(const gchar *text)
{
	const gchar *session = vmds_e2e_get_session(e2e);
	const gchar *password = vmds_e2e_get_password(e2e);
	GByteArray *out = g_byte_array_new();
	const gchar *p = text;

	while (*p != '\0') {
		const gchar *value = NULL;
		gsize len = 0;
		g_autofree gchar *owned = NULL;
		if (g_str_has_prefix(p, "@S@")) {
			value = session, len = strlen(session), p += 3;
		} else if (g_str_has_prefix(p, "@S-@")) {
			value = session, len = strlen(session) - 1, p += 4;
		} else if (g_str_has_prefix(p, "@SU@")) {
			owned = g_ascii_strup(session, -1);
			value = owned, len = strlen(owned), p += 4;
		} else if (g_str_has_prefix(p, "@PW@")) {
			value = password, len = strlen(password), p += 4;
		} else if (g_str_has_prefix(p, "@PW-@")) {
			value = password, len = strlen(password) - 1, p += 5;
		} else if (g_str_has_prefix(p, "@NUL@")) {
			value = "", len = 1, p += 5;
		} else if (g_str_has_prefix(p, "@LONG@")) {
			owned = g_strnfill(10000, 'f');
			value = owned, len = 10000, p += 6;
		} else {
			value = p, len = 1, p++;
		}
		g_byte_array_append(out, (const guint8 *)value, (guint)len);
	}
	return out;
}

/* the request of @row, byte for byte */
static GByteArray *
row_request(const RestRow *row)
{
	g_autoptr(GByteArray) target = expand(row->target);
	g_autoptr(GString) head = g_string_new(NULL);
	GByteArray *out = g_byte_array_new();

	g_string_append_printf(head, "%s ", row->method);
	g_string_append_len(head, (const gchar *)target->data, target->len);
	g_string_append(head, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
	if (row->auth != NULL && g_str_has_prefix(row->auth, "basic64 ")) {
		g_autoptr(GByteArray) credentials = expand(row->auth + 8);
		g_autofree gchar *encoded = g_base64_encode(credentials->data, credentials->len);
		g_string_append_printf(head, "Authorization: Basic %s\r\n", encoded);
	} else if (row->auth != NULL) {
		g_autoptr(GByteArray) lines = expand(row->auth);
		g_string_append_len(head, (const gchar *)lines->data, lines->len);
	}
	if (row->framing != NULL) {
		g_string_append(head, row->framing);
	} else {
		g_string_append_printf(
		    head,
		    "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n",
		    row->body != NULL ? g_bytes_get_size(row->body) : 0);
	}
	g_string_append(head, "\r\n");
	g_byte_array_append(out, (const guint8 *)head->str, head->len);
	/* with its own framing, a body is sent only when it is whole (chunked) */
	if (row->body != NULL &&
	    (row->framing == NULL || g_str_has_prefix(row->framing, "Transfer")))
		g_byte_array_append(
		    out, g_bytes_get_data(row->body, NULL), (guint)g_bytes_get_size(row->body));
	return out;
}

static void
assert_row_reply(const RestRow *row, const VmdsE2eRawReply *reply)
{
	g_autofree gchar *type = vmds_e2e_raw_error_type(reply);
	g_autofree gchar *message = NULL;

	if (row->error_type == NULL) {
		/* libsoup answered on its own; the daemon never saw the request */
		ck_assert_msg(reply->status >= 400 && reply->status < 500,
			      "%s: HTTP %u, expected a 4xx: %s",
			      row->name,
			      reply->status,
			      reply->body);
		ck_assert_msg(reply->body_len == 0 || type != NULL,
			      "%s: a body that is no error body: %s",
			      row->name,
			      reply->body);
		return;
	}
	ck_assert_msg(reply->status == row->status && g_strcmp0(type, row->error_type) == 0,
		      "%s: HTTP %u %s, expected %u %s: %s",
		      row->name,
		      reply->status,
		      type,
		      row->status,
		      row->error_type,
		      reply->body);
	message = vmds_e2e_raw_error_message(reply);
	ck_assert_msg(g_pattern_match_simple(row->message, message),
		      "%s: default_message [%.300s], expected [%.300s]",
		      row->name,
		      message,
		      row->message);
}

/* @before: the state before the row, which it must leave as it is */
static void
run_row(const RestRow *row, guint idx, const gchar *before)
{
	g_autofree gchar *after = NULL;
	g_autofree gchar *source = g_strdup_printf("127.0.%u.%u", 1 + idx / 250, 1 + idx % 250);
	g_autoptr(GByteArray) request = row_request(row);
	g_autoptr(VmdsE2eRawReply) reply = NULL;
	g_autoptr(VmdsE2eReply) good = NULL;
	gint fd = vmds_e2e_http_connect(e2e, source);

	vmds_e2e_send(fd, request->data, request->len);
	/* a body announced and never sent: the reply must come without it */
	reply = vmds_e2e_http_read(fd, row->bug != NULL ? 5000 : 60000);
	close(fd);
	ck_assert_msg(reply != NULL, "%s: no reply before the body was sent", row->name);
	assert_row_reply(row, reply);

	after = state_text();
	ck_assert_msg(g_strcmp0(before, after) == 0,
		      "%s changed the state:\n%s\n--- after ---\n%s",
		      row->name,
		      before,
		      after);
	good = vmds_e2e_rest(e2e, "GET", ENT "/a", NULL);
	vmds_e2e_assert_reply(good, 200, "\"alpha\"");
}

static void
run_group(guint group)
{
	g_autoptr(GPtrArray) rows = groups[group].build();
	const gchar *filter = g_getenv("VMDS_E2E_ROWS");
	/* read once: each row is checked to leave it so, which makes it the
	 * state before the next */
	g_autofree gchar *state = state_text();
	guint ran = 0;
	guint skipped = 0;

	/* what the rows must leave is there to be changed */
	ck_assert_msg(strstr(state, "\"key\":\"cost\"") != NULL &&
			  strstr(state, "\"key\":\"owner\"") != NULL &&
			  strstr(state, "\"user\":\"alice\"") != NULL,
		      "%s",
		      state);

	for (guint i = 0; i < rows->len; i++) {
		RestRow *row = g_ptr_array_index(rows, i);
		/* VMDS_E2E_ROWS=TEXT runs only the rows whose name holds TEXT */
		if (filter != NULL && strstr(row->name, filter) == NULL)
			continue;
		if (!bug_row_runs(row->bug)) {
			skipped++;
			continue;
		}
		run_row(row, i, state);
		ran++;
	}
	g_print("hostile-rest %s: %u rows passed, %u known product bugs skipped\n",
		groups[group].name,
		ran,
		skipped);
}

static const struct {
	const gchar *method;
	const gchar *path;
	const gchar *body;
	guint status;
	const gchar *reply;
} fixture_calls[] = {
    {"PUT", GI "/hostname", "\"web-01\"", 204, ""},
    {"PATCH",
     VAPP,
     "{\"enabled\":true,\"transports\":[\"com.vmware.guestInfo\",\"iso\"]}",
     204,
     ""},
    {"POST",
     PROPS,
     "{\"id\":\"hostname\",\"type\":\"string(1..63)\",\"value\":\"web-1\"}",
     201,
     "0"},
    {"POST", PROPS, "{\"id\":\"port\",\"type\":\"int(1..65535)\",\"value\":\"8080\"}", 201, "1"},
    /* metadata: vm-1 env (GENERAL) and cost (SYSTEM PRIVATE), rw owner */
    {"PUT", MD "/env", PROD, 200, PROD},
    {"PUT",
     MD "/SYSTEM/cost",
     "{\"domain\":{\"visibility\":\"PRIVATE\"}," TYPED("Number", "4711") "}",
     200,
     "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"PRIVATE\"}," TYPED("Number", "4711") "}"},
    {"PUT", DSMD "/owner", VALUE("String", "\"ops\""), 200, VALUE("String", "\"ops\"")},
    /* the user alice */
    {"POST", USERS, NEW_USER("alice"), 201, "\"alice\""},
};

/* vm-1: rw (a, b), ro (host READ_ONLY) and fixture_calls; vm-2: only-on-2 (s) */
static void
populate(void)
{
	g_autoptr(VmdsE2eReply) reply = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_create_dataset(e2e, NULL, "ro", "READ_ONLY", "READ_WRITE");
	vmds_e2e_put(e2e, "rw", "a", "alpha");
	vmds_e2e_put(e2e, "rw", "b", "beta");
	reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", "{\"name\":\"other\"}");
	vmds_e2e_assert_reply(reply, 201, "\"vm-2\"");
	vmds_e2e_create_dataset(e2e, "vm-2", "only-on-2", "READ_WRITE", "READ_WRITE");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(
	    e2e, "PUT", "/api/vcenter/vm/vm-2/data-sets/only-on-2/entries/s", "\"secret\"");
	vmds_e2e_assert_reply(reply, 204, "");
	/* vm-1: guestinfo.hostname; vApp with both transports, properties 0 and
	 * 1; metadata on vm-1 and rw; the user alice */
	for (guint i = 0; i < G_N_ELEMENTS(fixture_calls); i++) {
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_rest(
		    e2e, fixture_calls[i].method, fixture_calls[i].path, fixture_calls[i].body);
		vmds_e2e_assert_reply(reply, fixture_calls[i].status, fixture_calls[i].reply);
	}
}

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
	populate();
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

/* the daemon serves HTTPS, with a certificate made for it (by openssl(1)) */
static gchar *tls_dir = NULL;

static void
setup_tls(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *openssl = g_find_program_in_path("openssl");
	g_autofree gchar *cert = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *err = NULL;
	gint status = -1;

	if (openssl == NULL || !g_tls_backend_supports_tls(g_tls_backend_get_default()))
		return;
	tls_dir = g_dir_make_tmp("vmds-e2e-tls-XXXXXX", &error);
	ck_assert_msg(tls_dir != NULL, "%s", error != NULL ? error->message : "");
	cert = g_build_filename(tls_dir, "cert.pem", NULL);
	key = g_build_filename(tls_dir, "key.pem", NULL);
	{
		const gchar *argv[] = {openssl,
				       "req",
				       "-x509",
				       "-newkey",
				       "ec",
				       "-pkeyopt",
				       "ec_paramgen_curve:prime256v1",
				       "-nodes",
				       "-days",
				       "1",
				       "-subj",
				       "/CN=127.0.0.1",
				       "-keyout",
				       key,
				       "-out",
				       cert,
				       NULL};
		ck_assert_msg(g_spawn_sync(NULL,
					   (gchar **)argv,
					   NULL,
					   G_SPAWN_STDOUT_TO_DEV_NULL,
					   NULL,
					   NULL,
					   NULL,
					   &err,
					   &status,
					   &error),
			      "openssl: %s",
			      error->message);
		ck_assert_msg(g_spawn_check_wait_status(status, NULL), "openssl: %s", err);
	}
	config = g_strdup_printf("[http]\ntls-certificate=%s\ntls-key=%s\n", cert, key);
	e2e = vmds_e2e_new_https(config);
	ck_assert(g_str_has_prefix(vmds_e2e_get_url(e2e), "https://"));
	populate();
}

static void
teardown_tls(void)
{
	teardown();
	if (tls_dir != NULL)
		vmds_test_rm_rf(tls_dir);
	g_clear_pointer(&tls_dir, g_free);
}

/* dot segments: each line gets 400 INVALID_ARGUMENT and changes nothing */

typedef enum {
	TRANSPORT_TCP,
	TRANSPORT_UNIX,
	TRANSPORT_TLS,
} Transport;

static const gchar *const transport_names[] = {"TCP", "the unix socket", "TLS"};

/*
 * Request lines, up to the version, whose path has a `.` or `..` segment
 * with its dots as they are or percent-encoded in any case. libsoup's URI
 * parser (GLib) decodes %2E and resolves such segments: what each would
 * have done, unrefused, is in its comment. The empty data set `empty` is
 * what a DELETE without ?force=true removes.
 */
static const struct {
	const gchar *line;
	const gchar *body; /* (nullable) */
} dot_lines[] = {
    /* DELETE DS/empty: 204, the data set gone (how the bug was found) */
    {"DELETE " DS "/empty/entries/%2E%2E", NULL},
    /* GET DS/empty: the data set, not the key `..` */
    {"GET " DS "/empty/entries/%2E%2E", NULL},
    /* DELETE DS/rw?force=true: the data set and its entries */
    {"DELETE " ENT "/%2e%2E?force=true", NULL},
    {"DELETE " ENT "/.%2e?force=true", NULL},
    {"DELETE " ENT "/%2E./?force=true", NULL},
    /* PUT ENT/ (the key from the path: none) */
    {"PUT " ENT "/%2e", "\"v\""},
    /* DELETE vm-2's data set, through vm-1's path */
    {"DELETE " DS "/%2E%2E/%2E%2E/vm-2/data-sets/only-on-2?force=true", NULL},
    /* DELETE vm-2 */
    {"DELETE " DS "/rw/%2e%2e/%2e%2e/%2e%2e/vm-2", NULL},
    /* PUT ENT/a: its value replaced */
    {"PUT " ENT "/%2E/a", "\"v\""},
    /* sent as they are: DELETE ENT/a; PUT ENT/b; DELETE DS/rw */
    {"DELETE " ENT "/x/../a", NULL},
    {"PUT " DS "/rw/./entries/b", "\"v\""},
    {"DELETE " DS "/./rw?force=true", NULL},
    /* the absolute form of the target */
    {"DELETE http://127.0.0.1" ENT "/%2E%2E?force=true", NULL},
    /* an empty line first, a tab between the fields: libsoup takes those */
    {"\r\nDELETE\t" DS "/empty/entries/%2E%2E\t", NULL},
};

static VmdsE2eRawReply *
send_request(Transport transport, const gchar *request)
{
	VmdsE2eRawReply *reply;
	gint fd;

	if (transport == TRANSPORT_TLS)
		return vmds_e2e_https_raw(e2e, request, strlen(request));
	fd = transport == TRANSPORT_TCP ? vmds_e2e_http_connect(e2e, NULL)
					: vmds_e2e_http_connect_unix(e2e);
	vmds_e2e_send(fd, (const guint8 *)request, strlen(request));
	reply = vmds_e2e_http_read(fd, 60000);
	close(fd);
	ck_assert_msg(reply != NULL, "%s: no reply", request);
	return reply;
}

/* @line (up to its version), with a session and @body (nullable) */
static gchar *
dot_request(const gchar *line, const gchar *body)
{
	return g_strdup_printf("%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
			       "vmware-api-session-id: %s\r\n"
			       "Content-Type: application/json\r\n"
			       "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
			       line,
			       vmds_e2e_get_session(e2e),
			       body != NULL ? strlen(body) : 0,
			       body != NULL ? body : "");
}

/* a request over @transport answered with @status and @body */
static void
assert_request(Transport transport,
	       const gchar *line,
	       const gchar *body,
	       guint status,
	       const gchar *reply_body)
{
	g_autofree gchar *request = dot_request(line, body);
	g_autoptr(VmdsE2eRawReply) reply = send_request(transport, request);

	ck_assert_msg(reply->status == status && g_strcmp0(reply->body, reply_body) == 0,
		      "%s over %s: HTTP %u %s, expected %u %s",
		      line,
		      transport_names[transport],
		      reply->status,
		      reply->body,
		      status,
		      reply_body);
}

static void
run_dots(Transport transport)
{
	/* over TLS, the first lines and queries: what is refused sits above
	 * TLS, and the rest are the same bytes through it (a TLS handshake
	 * takes seconds in the AddressSanitizer build's test process, whose
	 * every malloc walks the stack) */
	gboolean full = transport != TRANSPORT_TLS;
	g_autoptr(VmdsE2eReply) reply = NULL;
	const gchar *key_dots = ENT "?key=%2E%2E";
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "empty", "READ_WRITE", "READ_WRITE");
	/* the keys `.` and `..`, named with ?key= */
	reply = vmds_e2e_rest(e2e, "PUT", ENT "?key=..", "\"two\"");
	vmds_e2e_assert_reply(reply, 204, "");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "PUT", ENT "?key=.", "\"one\"");
	vmds_e2e_assert_reply(reply, 204, "");
	before = state_text();
	ck_assert_msg(
	    strstr(before, "empty") != NULL && strstr(before, "\"..\"") != NULL, "%s", before);

	for (guint i = 0; i < (full ? G_N_ELEMENTS(dot_lines) : 4); i++) {
		g_autofree gchar *request = dot_request(dot_lines[i].line, dot_lines[i].body);
		g_autoptr(VmdsE2eRawReply) refused = send_request(transport, request);
		g_autofree gchar *type = vmds_e2e_raw_error_type(refused);
		g_autofree gchar *message = vmds_e2e_raw_error_message(refused);
		g_autofree gchar *shown = g_strescape(dot_lines[i].line, NULL);

		ck_assert_msg(refused->status == 400 && g_strcmp0(type, IA) == 0 &&
				  g_strcmp0(message, DOTS) == 0,
			      "%s over %s: HTTP %u %s",
			      shown,
			      transport_names[transport],
			      refused->status,
			      refused->body);
	}
	/* what any of them did would still show */
	after = state_text();
	ck_assert_msg(g_strcmp0(before, after) == 0,
		      "a refused request over %s changed the state:\n%s\n--- after ---\n%s",
		      transport_names[transport],
		      before,
		      after);

	/* the keys `.` and `..` go in the query, their dots as they are or not */
	assert_request(transport, "GET " ENT "?key=..", NULL, 200, "\"two\"");
	assert_request(transport, "GET " ENT "?key=%2E%2E", NULL, 200, "\"two\"");
	if (!full)
		return;
	assert_request(transport, "PUT " ENT "?key=%2e", "\"uno\"", 204, "");
	assert_request(transport, "GET " ENT "?key=.", NULL, 200, "\"uno\"");
	assert_request(transport, "DELETE " ENT "?key=.", NULL, 204, "");
	assert_request(transport, "DELETE " ENT "?key=..", NULL, 204, "");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", key_dots, NULL);
	vmds_e2e_assert_error(reply, 404, NOTFOUND);
	/* three dots are a name */
	assert_request(transport, "PUT " ENT "/.%2E.", "\"three\"", 204, "");
	assert_request(transport, "GET " ENT "?key=...", NULL, 200, "\"three\"");
	assert_request(transport, "DELETE " ENT "/%2e%2e%2e", NULL, 204, "");
	/* a query is no path: a key may have dot segments there */
	assert_request(transport, "PUT " ENT "?key=/../", "\"q\"", 204, "");
	assert_request(transport, "GET " ENT "?key=/../", NULL, 200, "\"q\"");
	assert_request(transport, "DELETE " ENT "?key=/../", NULL, 204, "");
	/* and the data set was there all along */
	assert_request(transport, "DELETE " DS "/empty", NULL, 204, "");
}

START_TEST(test_hostile_rest_bodies)
{
	run_group(0);
}
END_TEST

START_TEST(test_hostile_rest_framing)
{
	run_group(1);
}
END_TEST

START_TEST(test_hostile_rest_sessions)
{
	run_group(2);
}
END_TEST

START_TEST(test_hostile_rest_paths)
{
	run_group(3);
}
END_TEST

START_TEST(test_hostile_rest_guestcfg)
{
	run_group(4);
}
END_TEST

START_TEST(test_hostile_rest_metadata)
{
	run_group(5);
}
END_TEST

START_TEST(test_hostile_rest_query)
{
	run_group(6);
}
END_TEST

START_TEST(test_hostile_rest_users)
{
	run_group(7);
}
END_TEST

/*
 * A path with a `.` or `..` segment, its dots as they are or percent-encoded
 * in any case mix, is refused before it is routed: 400 INVALID_ARGUMENT, and
 * nothing changes. GLib resolves such segments in the URI libsoup hands on,
 * so `DELETE .../entries/%2E%2E`, meant for the key `..`, deleted the data
 * set (204). Keys `.` and `..` are named with ?key=, which still works.
 */
START_TEST(test_hostile_rest_dots_tcp)
{
	run_dots(TRANSPORT_TCP);
}
END_TEST

START_TEST(test_hostile_rest_dots_unix)
{
	run_dots(TRANSPORT_UNIX);
}
END_TEST

/* an HTTP/1.0 request without Host: libsoup builds its URI from the local
 * address, which it took for an IP one; over the unix socket that was a
 * critical (the daemon aborted under G_DEBUG=fatal-criticals) */
START_TEST(test_hostile_rest_no_host)
{
	for (Transport t = TRANSPORT_TCP; t <= TRANSPORT_UNIX; t++) {
		g_autofree gchar *request = g_strdup_printf("GET /api/vcenter/vm HTTP/1.0\r\n"
							    "vmware-api-session-id: %s\r\n\r\n",
							    vmds_e2e_get_session(e2e));
		g_autoptr(VmdsE2eRawReply) reply = send_request(t, request);

		ck_assert_msg(reply->status == 200,
			      "over %s: %u %s",
			      transport_names[t],
			      reply->status,
			      reply->body);
		ck_assert_msg(strstr(reply->body, "\"vm-1\"") != NULL,
			      "over %s: %s",
			      transport_names[t],
			      reply->body);
	}
}
END_TEST

/* the same over HTTPS: the listener does TLS itself, and what looks at the
 * request-target sits above it */
START_TEST(test_hostile_rest_dots_tls)
{
	if (e2e == NULL) {
		g_printerr("SKIP: test_hostile_rest_dots_tls needs openssl(1) and a GIO TLS "
			   "backend (glib-networking)\n");
		return;
	}
	run_dots(TRANSPORT_TLS);
}
END_TEST

static Suite *
hostile_rest_suite(void)
{
	Suite *s = suite_create("e2e-hostile-rest");
	TCase *tc = tcase_create("catalogue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_hostile_rest_bodies);
	tcase_add_test(tc, test_hostile_rest_framing);
	tcase_add_test(tc, test_hostile_rest_sessions);
	tcase_add_test(tc, test_hostile_rest_paths);
	tcase_add_test(tc, test_hostile_rest_guestcfg);
	tcase_add_test(tc, test_hostile_rest_metadata);
	tcase_add_test(tc, test_hostile_rest_query);
	tcase_add_test(tc, test_hostile_rest_users);
	tcase_add_test(tc, test_hostile_rest_dots_tcp);
	tcase_add_test(tc, test_hostile_rest_dots_unix);
	tcase_add_test(tc, test_hostile_rest_no_host);
	suite_add_tcase(s, tc);
	tc = tcase_create("tls");
	tcase_add_checked_fixture(tc, setup_tls, teardown_tls);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_hostile_rest_dots_tls);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(hostile_rest_suite());
	guint total = 0;
	guint bugs = 0;
	guint open = 0;

	/* the catalogue's size, counted without a daemon */
	for (guint g = 0; g < G_N_ELEMENTS(groups); g++) {
		g_autoptr(GPtrArray) rows = groups[g].build();
		guint group_bugs = 0;
		guint group_open = 0;
		for (guint i = 0; i < rows->len; i++) {
			RestRow *row = g_ptr_array_index(rows, i);
			group_bugs += row->bug != NULL;
			group_open += bug_is_open(row->bug);
			/* an error body is checked with its message; libsoup's empty one has none
			 */
			if ((row->error_type != NULL) != (row->message != NULL)) {
				g_printerr("row %s: the message column must be set exactly "
					   "when an error_type is expected\n",
					   row->name);
				return EXIT_FAILURE;
			}
		}
		g_print("hostile-rest catalogue: %-10s %3u rows (%u known product bugs, %u open)\n",
			groups[g].name,
			rows->len,
			group_bugs,
			group_open);
		total += rows->len;
		bugs += group_bugs;
		open += group_open;
	}
	g_print("hostile-rest catalogue: %u rows, %u run by default, %u known product bugs, "
		"%u of them open (run those with VMDS_E2E_KNOWN_BUGS=1)\n",
		total,
		total - open,
		bugs,
		open);
	if (total - open < 50) {
		g_printerr("the catalogue must hold at least 50 rows run by default\n");
		return EXIT_FAILURE;
	}
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
