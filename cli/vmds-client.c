/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>
#include <string.h>

#include "vmds-client.h"
#include "vmds-error.h"

/*
 * A synchronous client of the management REST API: one SoupSession, one API
 * session (POST /api/session with HTTP Basic, then the session header on
 * every call) — or, over the daemon's unix socket, none: there the caller's
 * own credentials are what counts. The server is the untrusted party: replies are type-checked by
 * the callers, and this file refuses replies json-glib cannot parse safely.
 */

/* json-glib's parser recurses; deeper replies are refused before it sees them */
#define VMDS_CLIENT_MAX_DEPTH	   64
#define VMDS_CLIENT_SESSION_HEADER "vmware-api-session-id"
/* the largest JSON reply read from a stream (an id, an error) */
#define VMDS_CLIENT_MAX_STREAM_REPLY (1024 * 1024)
/* what a streamed body is read and written in */
#define VMDS_CLIENT_PART (256 * 1024)

/* the scheme of a URL naming the daemon's unix socket: `unix:/run/vmds/api.sock` */
#define VMDS_CLIENT_UNIX_SCHEME "unix:"

struct _VmdsClient {
	SoupSession *session;
	gchar *url;	   /* base URL, no trailing '/'; or unix:PATH */
	gchar *base;	   /* what paths are appended to: url, or http://localhost */
	gboolean local;	   /* over the unix socket: no login */
	gchar *session_id; /* NULL until logged in */
	gboolean insecure;
};

/* a client of the API on the daemon's unix socket at @path */
static VmdsClient *
vmds_client_new_unix(const gchar *path, GError **error)
{
	g_autoptr(GSocketAddress) address = NULL;
	VmdsClient *self;

	if (!g_path_is_absolute(path)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "invalid URL '" VMDS_CLIENT_UNIX_SCHEME "%s': the socket path must be "
			    "absolute",
			    path);
		return NULL;
	}
	address = g_unix_socket_address_new(path);
	self = g_new0(VmdsClient, 1);
	self->url = g_strconcat(VMDS_CLIENT_UNIX_SCHEME, path, NULL);
	self->base = g_strdup("http://localhost");
	self->local = TRUE;
	self->session = soup_session_new_with_options("timeout",
						      VMDS_CLIENT_TIMEOUT,
						      "user-agent",
						      "vmds/" VMDS_VERSION,
						      "remote-connectable",
						      address,
						      NULL);
	return self;
}

/**
 * vmds_client_new:
 * @url: the base URL of the daemon, e.g. `http://127.0.0.1:8976`, or
 *   `unix:PATH` for its unix socket
 * @ca_file: (nullable): PEM certificates to trust instead of the system's
 * @insecure: accept any TLS certificate
 * @error: a #GError or %NULL
 *
 * Returns: a client, not yet logged in, or %NULL if @url is not an http or
 * https URL or @ca_file cannot be loaded
 */
VmdsClient *
vmds_client_new(const gchar *url, const gchar *ca_file, gboolean insecure, GError **error)
{
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GTlsDatabase) database = NULL;
	g_autofree gchar *base = NULL;
	const gchar *scheme = NULL;
	const gchar *host = NULL;
	VmdsClient *self = NULL;
	gsize len;

	g_return_val_if_fail(url != NULL, NULL);

	if (g_str_has_prefix(url, VMDS_CLIENT_UNIX_SCHEME))
		return vmds_client_new_unix(url + strlen(VMDS_CLIENT_UNIX_SCHEME), error);
	uri = g_uri_parse(url, G_URI_FLAGS_NONE, error);
	if (uri == NULL) {
		g_prefix_error(error, "invalid URL '%s': ", url);
		return NULL;
	}
	scheme = g_uri_get_scheme(uri);
	host = g_uri_get_host(uri);
	if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "invalid URL '%s': the scheme is not http or https",
			    url);
		return NULL;
	}
	if (host == NULL || host[0] == '\0') {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "invalid URL '%s': no host",
			    url);
		return NULL;
	}
	/* the URL appears in error messages, so it must never hold a password */
	if (g_uri_get_userinfo(uri) != NULL) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid URL: credentials in the URL are not supported, "
				    "set VMDS_USERNAME and VMDS_PASSWORD");
		return NULL;
	}
	if (g_uri_get_query(uri) != NULL || g_uri_get_fragment(uri) != NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "invalid URL '%s': a base URL has no query or fragment",
			    url);
		return NULL;
	}

	if (ca_file != NULL) {
		/* GTlsFileDatabase wants an absolute path */
		g_autofree gchar *ca_path = g_canonicalize_filename(ca_file, NULL);
		database = g_tls_file_database_new(ca_path, error);
		if (database == NULL) {
			g_prefix_error(error, "cannot load CA certificates from %s: ", ca_file);
			return NULL;
		}
	}

	/* the API paths are appended to the base, which may carry a path prefix */
	base = g_strdup(url);
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		base[--len] = '\0';

	self = g_new0(VmdsClient, 1);
	self->url = g_steal_pointer(&base);
	self->base = g_strdup(self->url);
	self->insecure = insecure;
	self->session = soup_session_new_with_options(
	    "timeout", VMDS_CLIENT_TIMEOUT, "user-agent", "vmds/" VMDS_VERSION, NULL);
	if (database != NULL)
		soup_session_set_tls_database(self->session, database);
	return self;
}

/**
 * vmds_client_free:
 * @self: a #VmdsClient
 *
 * Frees the client. It does not log out: call vmds_client_logout() first.
 */
void
vmds_client_free(VmdsClient *self)
{
	if (self == NULL)
		return;
	g_clear_object(&self->session);
	g_free(self->url);
	g_free(self->base);
	g_free(self->session_id);
	g_free(self);
}

/**
 * vmds_client_is_local:
 * @self: a #VmdsClient
 *
 * Returns: whether it talks to the daemon's unix socket, where the caller's
 *   credentials stand in for a login
 */
gboolean
vmds_client_is_local(VmdsClient *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->local;
}

/**
 * vmds_client_get_url:
 * @self: a #VmdsClient
 *
 * Returns: the base URL, without a trailing slash; `unix:PATH` for the unix
 *   socket
 */
const gchar *
vmds_client_get_url(VmdsClient *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->url;
}

static gboolean
vmds_client_accept_certificate_cb(SoupMessage *msg,
				  GTlsCertificate *certificate,
				  GTlsCertificateFlags errors,
				  gpointer user_data)
{
	g_debug("accepting a TLS certificate with errors 0x%x (--insecure)", (guint)errors);
	return TRUE;
}

static SoupMessage *
vmds_client_message_new(
    VmdsClient *self, const gchar *method, const gchar *path, JsonNode *body, GError **error)
{
	g_autofree gchar *url = g_strconcat(self->base, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	SoupMessageHeaders *headers = NULL;

	if (msg == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "invalid request URL '%s'",
			    url);
		return NULL;
	}
	/* the API never redirects; following one could carry credentials elsewhere */
	soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
	if (self->insecure) {
		g_signal_connect(
		    msg, "accept-certificate", G_CALLBACK(vmds_client_accept_certificate_cb), NULL);
	}
	headers = soup_message_get_request_headers(msg);
	soup_message_headers_replace(headers, "Accept", "application/json");
	if (self->session_id != NULL)
		soup_message_headers_replace(headers, VMDS_CLIENT_SESSION_HEADER, self->session_id);
	if (body != NULL) {
		g_autofree gchar *raw = json_to_string(body, FALSE);
		g_autoptr(GString) text = g_string_new(raw);
		g_autoptr(GBytes) bytes = NULL;
		/* json-glib 1.6 writes U+001F unescaped, which is not JSON and the
		 * daemon refuses; no other raw 0x1f byte can be in its output */
		g_string_replace(text, "\x1f", "\\u001f", 0);
		bytes = g_bytes_new(text->str, text->len);
		soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
	}
	return g_steal_pointer(&msg);
}

static gboolean
vmds_client_check_depth(const gchar *data, gsize len, GError **error)
{
	gboolean in_string = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < len; i++) {
		gchar c = data[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			if (++depth > VMDS_CLIENT_MAX_DEPTH) {
				g_set_error(error,
					    VMDS_ERROR,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "JSON nested deeper than %u levels",
					    (guint)VMDS_CLIENT_MAX_DEPTH);
				return FALSE;
			}
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return TRUE;
}

static JsonNode *
vmds_client_parse(GBytes *bytes, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) error_local = NULL;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(bytes, &len);
	JsonNode *root = NULL;

	if (len == 0) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid reply from the server: empty body");
		return NULL;
	}
	if (len > G_MAXSSIZE || !vmds_client_check_depth(data, len, &error_local) ||
	    !json_parser_load_from_data(parser, data, (gssize)len, &error_local)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "invalid reply from the server: %s",
			    error_local != NULL ? error_local->message : "too large");
		return NULL;
	}
	root = json_parser_steal_root(parser);
	if (root == NULL) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid reply from the server: no JSON value");
		return NULL;
	}
	return root;
}

/**
 * vmds_client_node_get_string:
 * @node: (nullable): a node of a reply
 *
 * Returns: (nullable): the string @node holds, or %NULL when it is missing or
 *   not a string (json-glib's own getter raises a critical then)
 */
const gchar *
vmds_client_node_get_string(JsonNode *node)
{
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

static const gchar *
vmds_client_object_get_string(JsonObject *obj, const gchar *member)
{
	return vmds_client_node_get_string(json_object_get_member(obj, member));
}

static gint
vmds_client_status_to_code(guint status)
{
	switch (status) {
	case SOUP_STATUS_BAD_REQUEST:
		return VMDS_ERROR_INVALID_ARGUMENT;
	case SOUP_STATUS_UNAUTHORIZED:
		return VMDS_ERROR_UNAUTHENTICATED;
	case SOUP_STATUS_FORBIDDEN:
		return VMDS_ERROR_ACCESS_DENIED;
	case SOUP_STATUS_NOT_FOUND:
		return VMDS_ERROR_NOT_FOUND;
	default:
		return VMDS_ERROR_INTERNAL;
	}
}

/* the REST error body: {"error_type":"...","messages":[{"default_message":"..."}]} */
static void
vmds_client_set_rest_error(SoupMessage *msg, GBytes *bytes, GError **error)
{
	guint status = soup_message_get_status(msg);
	g_autoptr(JsonNode) root = vmds_client_parse(bytes, NULL);
	const gchar *error_type = NULL;
	const gchar *message = NULL;
	const gchar *reason = soup_message_get_reason_phrase(msg);

	if (root != NULL && JSON_NODE_HOLDS_OBJECT(root)) {
		JsonObject *obj = json_node_get_object(root);
		JsonNode *messages = json_object_get_member(obj, "messages");
		error_type = vmds_client_object_get_string(obj, "error_type");
		if (messages != NULL && JSON_NODE_HOLDS_ARRAY(messages) &&
		    json_array_get_length(json_node_get_array(messages)) > 0) {
			JsonNode *first = json_array_get_element(json_node_get_array(messages), 0);
			if (JSON_NODE_HOLDS_OBJECT(first)) {
				message = vmds_client_object_get_string(json_node_get_object(first),
									"default_message");
			}
		}
	}
	if (reason == NULL || reason[0] == '\0')
		reason = soup_status_get_phrase(status);
	if (reason == NULL)
		reason = "";
	if (message != NULL && message[0] != '\0') {
		g_set_error(error,
			    VMDS_ERROR,
			    vmds_client_status_to_code(status),
			    "%s (%s)",
			    message,
			    error_type != NULL ? error_type : reason);
	} else if (error_type != NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    vmds_client_status_to_code(status),
			    "the server replied %u %s (%s)",
			    status,
			    reason,
			    error_type);
	} else {
		g_set_error(error,
			    VMDS_ERROR,
			    vmds_client_status_to_code(status),
			    "the server replied %u %s",
			    status,
			    reason);
	}
}

/* a request that got no reply, or a reply that broke off */
static void
vmds_client_set_send_error(VmdsClient *self, const GError *error_local, GError **error)
{
	g_set_error(error,
		    G_IO_ERROR,
		    error_local->domain == G_IO_ERROR ? error_local->code : G_IO_ERROR_FAILED,
		    "cannot reach %s: %s",
		    self->url,
		    error_local->message);
}

/* the reply of @msg, whose body is @bytes: an error unless 2xx; parsed into
 * @reply when given */
static gboolean
vmds_client_check_reply(SoupMessage *msg, GBytes *bytes, JsonNode **reply, GError **error)
{
	guint status = soup_message_get_status(msg);

	g_debug("%s %s: %u, %" G_GSIZE_FORMAT " bytes",
		soup_message_get_method(msg),
		g_uri_get_path(soup_message_get_uri(msg)),
		status,
		g_bytes_get_size(bytes));
	if (!SOUP_STATUS_IS_SUCCESSFUL(status)) {
		vmds_client_set_rest_error(msg, bytes, error);
		return FALSE;
	}
	if (reply != NULL) {
		*reply = vmds_client_parse(bytes, error);
		return *reply != NULL;
	}
	return TRUE;
}

static gboolean
vmds_client_send(VmdsClient *self, SoupMessage *msg, JsonNode **reply, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GBytes) bytes = NULL;

	bytes = soup_session_send_and_read(self->session, msg, NULL, &error_local);
	if (bytes == NULL) {
		vmds_client_set_send_error(self, error_local, error);
		return FALSE;
	}
	return vmds_client_check_reply(msg, bytes, reply, error);
}

/* the id goes back into a header, so it must be a plain token */
static gboolean
vmds_client_session_id_valid(const gchar *id)
{
	if (id == NULL || id[0] == '\0' || strlen(id) > 1024)
		return FALSE;
	for (const gchar *p = id; *p != '\0'; p++) {
		if (*p < 0x21 || *p > 0x7e)
			return FALSE;
	}
	return TRUE;
}

/**
 * vmds_client_login:
 * @self: a #VmdsClient
 * @username: the user name
 * @password: the password, never logged
 * @error: a #GError or %NULL
 *
 * Creates an API session with HTTP Basic credentials; later calls carry it.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_client_login(VmdsClient *self, const gchar *username, const gchar *password, GError **error)
{
	g_autofree gchar *userpass = NULL;
	g_autofree gchar *encoded = NULL;
	g_autofree gchar *auth = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(JsonNode) reply = NULL;
	const gchar *id = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(username != NULL, FALSE);
	g_return_val_if_fail(password != NULL, FALSE);

	userpass = g_strdup_printf("%s:%s", username, password);
	encoded = g_base64_encode((const guchar *)userpass, strlen(userpass));
	auth = g_strdup_printf("Basic %s", encoded);
	msg = vmds_client_message_new(self, "POST", "/api/session", NULL, error);
	if (msg == NULL)
		return FALSE;
	soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", auth);
	if (!vmds_client_send(self, msg, &reply, error)) {
		if (error != NULL && *error != NULL && (*error)->domain == VMDS_ERROR)
			g_prefix_error(error, "cannot log in as '%s': ", username);
		return FALSE;
	}
	id = vmds_client_node_get_string(reply);
	if (!vmds_client_session_id_valid(id)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid reply from the server: no session id");
		return FALSE;
	}
	g_free(self->session_id);
	self->session_id = g_strdup(id);
	return TRUE;
}

/**
 * vmds_client_logout:
 * @self: a #VmdsClient
 *
 * Ends the API session, if any. A failure only matters to the server (the
 * session expires), so it is logged and otherwise ignored.
 */
void
vmds_client_logout(VmdsClient *self)
{
	g_autoptr(GError) error_local = NULL;

	g_return_if_fail(self != NULL);

	if (self->session_id == NULL)
		return;
	if (!vmds_client_call(self, "DELETE", "/api/session", NULL, NULL, &error_local))
		g_debug("failed to end the session: %s", error_local->message);
	g_clear_pointer(&self->session_id, g_free);
}

/**
 * vmds_client_call:
 * @self: a #VmdsClient
 * @method: the HTTP method
 * @path: the path below the base URL, starting with `/`, already percent-encoded
 * @body: (nullable): the JSON request body
 * @reply: (out) (optional): the parsed JSON reply body
 * @error: a #GError or %NULL
 *
 * Sends one request. A reply status other than 2xx is an error carrying the
 * REST error body's message and error type. When @reply is given, the reply
 * must be JSON; it is not checked further.
 *
 * Returns: %TRUE on a 2xx reply
 */
gboolean
vmds_client_call(VmdsClient *self,
		 const gchar *method,
		 const gchar *path,
		 JsonNode *body,
		 JsonNode **reply,
		 GError **error)
{
	g_autoptr(SoupMessage) msg = NULL;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(method != NULL, FALSE);
	g_return_val_if_fail(path != NULL && path[0] == '/', FALSE);

	msg = vmds_client_message_new(self, method, path, body, error);
	if (msg == NULL)
		return FALSE;
	return vmds_client_send(self, msg, reply, error);
}

/* the whole of a small reply body from @stream: JSON, an id or an error */
static GBytes *
vmds_client_read_reply(GInputStream *stream, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 part[8192];

	for (;;) {
		gssize n = g_input_stream_read(stream, part, sizeof part, NULL, error);
		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		if (buf->len + (gsize)n > VMDS_CLIENT_MAX_STREAM_REPLY) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_MESSAGE_TOO_LARGE,
				    "the reply is larger than %u bytes",
				    (guint)VMDS_CLIENT_MAX_STREAM_REPLY);
			return NULL;
		}
		g_byte_array_append(buf, part, (guint)n);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

/* the reply of @msg when it is a small one (an error, or with @reply JSON),
 * from @stream */
static gboolean
vmds_client_finish_stream(
    VmdsClient *self, SoupMessage *msg, GInputStream *stream, JsonNode **reply, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GBytes) bytes = vmds_client_read_reply(stream, &error_local);

	if (bytes == NULL) {
		vmds_client_set_send_error(self, error_local, error);
		return FALSE;
	}
	return vmds_client_check_reply(msg, bytes, reply, error);
}

/**
 * vmds_client_download:
 * @self: a #VmdsClient
 * @path: the path below the base URL, starting with `/`, already percent-encoded
 * @content_type: the type the reply body must have
 * @out: where the reply body goes
 * @out_name: what @out is, for error messages
 * @progress: (nullable): told the bytes written so far as they are written
 * @user_data: for @progress
 * @error: a #GError or %NULL
 *
 * GETs a reply body that need not fit in memory, a part at a time, into
 * @out, which is neither flushed nor closed. A reply status other than 2xx
 * is an error as with vmds_client_call(), and so is a body of another type
 * or one that breaks off (a chunked body that does not end with its last
 * chunk): then @out holds a part of it.
 *
 * Returns: %TRUE when the whole body was written
 */
gboolean
vmds_client_download(VmdsClient *self,
		     const gchar *path,
		     const gchar *content_type,
		     GOutputStream *out,
		     const gchar *out_name,
		     VmdsClientProgressFunc progress,
		     gpointer user_data,
		     GError **error)
{
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *accept = NULL;
	g_autofree guint8 *buf = NULL;
	const gchar *type = NULL;
	goffset done = 0;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(path != NULL && path[0] == '/', FALSE);
	g_return_val_if_fail(content_type != NULL, FALSE);
	g_return_val_if_fail(G_IS_OUTPUT_STREAM(out), FALSE);

	msg = vmds_client_message_new(self, "GET", path, NULL, error);
	if (msg == NULL)
		return FALSE;
	/* errors still come as JSON */
	accept = g_strdup_printf("%s, application/json", content_type);
	soup_message_headers_replace(soup_message_get_request_headers(msg), "Accept", accept);
	stream = soup_session_send(self->session, msg, NULL, &error_local);
	if (stream == NULL) {
		vmds_client_set_send_error(self, error_local, error);
		return FALSE;
	}
	if (!SOUP_STATUS_IS_SUCCESSFUL(soup_message_get_status(msg)))
		return vmds_client_finish_stream(self, msg, stream, NULL, error);
	type = soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL);
	if (g_strcmp0(type, content_type) != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "invalid reply from the server: its body is %s, not %s",
			    type != NULL ? type : "of no type",
			    content_type);
		return FALSE;
	}
	buf = g_malloc(VMDS_CLIENT_PART);
	for (;;) {
		gssize n = g_input_stream_read(stream, buf, VMDS_CLIENT_PART, NULL, &error_local);
		if (n < 0) {
			g_set_error(error,
				    G_IO_ERROR,
				    error_local->domain == G_IO_ERROR ? error_local->code
								      : G_IO_ERROR_FAILED,
				    "the reply from %s broke off after %" G_GOFFSET_FORMAT
				    " bytes: %s",
				    self->url,
				    done,
				    error_local->message);
			return FALSE;
		}
		if (n == 0)
			break;
		if (!g_output_stream_write_all(out, buf, (gsize)n, NULL, NULL, error)) {
			g_prefix_error(error, "cannot write %s: ", out_name);
			return FALSE;
		}
		done += n;
		if (progress != NULL)
			progress(done, user_data);
	}
	g_debug("GET %s: %u, %" G_GOFFSET_FORMAT " bytes streamed",
		path,
		soup_message_get_status(msg),
		done);
	return TRUE;
}

typedef struct {
	VmdsClientProgressFunc func;
	gpointer user_data;
	goffset done;
} VmdsClientProgress;

static void
vmds_client_wrote_body_data_cb(SoupMessage *msg, guint chunk_size, gpointer user_data)
{
	VmdsClientProgress *progress = user_data;

	progress->done += chunk_size;
	progress->func(progress->done, progress->user_data);
}

/**
 * vmds_client_upload:
 * @self: a #VmdsClient
 * @method: the HTTP method
 * @path: the path below the base URL, starting with `/`, already percent-encoded
 * @content_type: the type of @body
 * @body: the request body, read a part at a time as it is sent
 * @length: its length in bytes, sent as Content-Length
 * @progress: (nullable): told the bytes sent so far as they are sent
 * @user_data: for @progress
 * @reply: (out) (optional): the parsed JSON reply body
 * @error: a #GError or %NULL
 *
 * Sends one request whose body need not fit in memory. The reply is taken
 * as by vmds_client_call().
 *
 * Returns: %TRUE on a 2xx reply
 */
gboolean
vmds_client_upload(VmdsClient *self,
		   const gchar *method,
		   const gchar *path,
		   const gchar *content_type,
		   GInputStream *body,
		   goffset length,
		   VmdsClientProgressFunc progress,
		   gpointer user_data,
		   JsonNode **reply,
		   GError **error)
{
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(GError) error_local = NULL;
	VmdsClientProgress closure = {progress, user_data, 0};

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(method != NULL, FALSE);
	g_return_val_if_fail(path != NULL && path[0] == '/', FALSE);
	g_return_val_if_fail(G_IS_INPUT_STREAM(body), FALSE);
	g_return_val_if_fail(length >= 0, FALSE);

	msg = vmds_client_message_new(self, method, path, NULL, error);
	if (msg == NULL)
		return FALSE;
	soup_message_set_request_body(msg, content_type, body, (gssize)length);
	/* the server may refuse the request from its headers (too large, no
	 * session): it says so before any of the body is sent, which would
	 * otherwise meet a closed connection */
	soup_message_headers_set_expectations(soup_message_get_request_headers(msg),
					      SOUP_EXPECTATION_CONTINUE);
	if (progress != NULL) {
		g_signal_connect(
		    msg, "wrote-body-data", G_CALLBACK(vmds_client_wrote_body_data_cb), &closure);
	}
	stream = soup_session_send(self->session, msg, NULL, &error_local);
	if (stream == NULL) {
		vmds_client_set_send_error(self, error_local, error);
		return FALSE;
	}
	return vmds_client_finish_stream(self, msg, stream, reply, error);
}
