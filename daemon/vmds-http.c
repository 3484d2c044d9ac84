/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "vmds-http.h"
#include "vmds-router.h"
#include "vmds-sessions.h"

/*
 * The REST server (libsoup 3): TLS, the body cap, sessions; the router
 * does the rest.
 */

#define VMDS_HTTP_SESSION_PATH	 "/api/session"
#define VMDS_HTTP_SESSION_HEADER "vmware-api-session-id"

struct _VmdsHttp {
	GObject parent_instance;
	SoupServer *server;
	VmdsRouter *router;
	VmdsSessions *sessions;
	gchar *username;
	gchar *password;
	gchar *url;
	guint max_body;
};

G_DEFINE_FINAL_TYPE(VmdsHttp, vmds_http, G_TYPE_OBJECT)

static void
vmds_http_reply_json(SoupServerMessage *msg, guint status, const gchar *json, gsize len)
{
	soup_server_message_set_status(msg, status, NULL);
	if (len > 0)
		soup_server_message_set_response(
		    msg, "application/json", SOUP_MEMORY_COPY, json, len);
}

static void
vmds_http_reply_error(SoupServerMessage *msg, const gchar *area, const GError *error)
{
	g_autoptr(GString) body = g_string_new(NULL);
	guint status = vmds_router_error_body(body, area, error);
	vmds_http_reply_json(msg, status, body->str, body->len);
}

static void
vmds_http_fail(SoupServerMessage *msg, const gchar *area, gint code, const gchar *message)
{
	g_autoptr(GError) error = g_error_new_literal(VMDS_ERROR, code, message);
	vmds_http_reply_error(msg, area, error);
}

/* HTTP Basic credentials against the configured user and password */
static gboolean
vmds_http_check_basic(VmdsHttp *self, SoupServerMessage *msg, gchar **user)
{
	const gchar *auth = soup_message_headers_get_one(
	    soup_server_message_get_request_headers(msg), "Authorization");
	g_autofree guchar *decoded = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;
	gchar *colon;

	if (auth == NULL || g_ascii_strncasecmp(auth, "Basic ", 6) != 0 || self->password == NULL)
		return FALSE;
	decoded = g_base64_decode(auth + 6, &len);
	text = g_strndup((const gchar *)decoded, len);
	colon = strchr(text, ':');
	if (colon == NULL || strlen(text) != len)
		return FALSE;
	*colon = '\0';
	/* both compared, always, so timing tells nothing of which was wrong */
	if (!(vmds_secret_equal(self->username, text) &
	      vmds_secret_equal(self->password, colon + 1)))
		return FALSE;
	*user = g_strdup(text);
	return TRUE;
}

static void
vmds_http_handle_session(VmdsHttp *self, SoupServerMessage *msg, const gchar *method)
{
	const gchar *id = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
						       VMDS_HTTP_SESSION_HEADER);

	if (g_strcmp0(method, "POST") == 0) {
		g_autofree gchar *user = NULL;
		g_autofree gchar *session = NULL;
		g_autoptr(GString) body = g_string_new(NULL);
		const gchar *client = soup_server_message_get_remote_host(msg);
		guint retry_after = 0;
		if (client == NULL)
			client = "unknown";
		if (!vmds_sessions_login_allowed(self->sessions, client, &retry_after)) {
			g_autofree gchar *message = g_strdup_printf(
			    "too many failed logins: try again in %u seconds", retry_after);
			g_autofree gchar *retry = g_strdup_printf("%u", retry_after);
			soup_message_headers_replace(
			    soup_server_message_get_response_headers(msg), "Retry-After", retry);
			vmds_http_fail(msg, "session", VMDS_ERROR_UNAUTHENTICATED, message);
			return;
		}
		if (!vmds_http_check_basic(self, msg, &user)) {
			/* the offered name and password are never logged */
			g_warning("refused a login from %s: wrong user name or password "
				  "(%u failures in a row)",
				  client,
				  vmds_sessions_login_failed(self->sessions, client));
			soup_message_headers_replace(soup_server_message_get_response_headers(msg),
						     "WWW-Authenticate",
						     "Basic realm=\"vmds\"");
			vmds_http_fail(msg,
				       "session",
				       VMDS_ERROR_UNAUTHENTICATED,
				       "wrong user name or password");
			return;
		}
		vmds_sessions_login_succeeded(self->sessions, client);
		session = vmds_sessions_create(self->sessions, user);
		vmds_json_append_string(body, session, -1);
		vmds_http_reply_json(msg, 201, body->str, body->len);
		return;
	}
	if (g_strcmp0(method, "DELETE") == 0) {
		if (id == NULL || !vmds_sessions_remove(self->sessions, id)) {
			vmds_http_fail(
			    msg, "session", VMDS_ERROR_UNAUTHENTICATED, "no such session");
			return;
		}
		vmds_http_reply_json(msg, 204, NULL, 0);
		return;
	}
	vmds_http_fail(
	    msg, "session", VMDS_ERROR_UNSUPPORTED, "/api/session supports POST and DELETE only");
}

static void
vmds_http_dispatch(VmdsHttp *self, SoupServerMessage *msg, const gchar *method, GUri *uri)
{
	g_autoptr(GBytes) body =
	    soup_message_body_flatten(soup_server_message_get_request_body(msg));
	g_autoptr(GString) response = g_string_new(NULL);
	gsize len = 0;
	const gchar *data = g_bytes_get_data(body, &len);
	guint status = vmds_router_handle(self->router,
					  method,
					  g_uri_get_path(uri),
					  g_uri_get_query(uri),
					  data != NULL ? data : "",
					  len,
					  response);

	vmds_http_reply_json(msg, status, response->str, response->len);
}

static void
vmds_http_handler_cb(SoupServer *server,
		     SoupServerMessage *msg,
		     const gchar *path,
		     GHashTable *query,
		     gpointer user_data)
{
	VmdsHttp *self = VMDS_HTTP(user_data);
	const gchar *method = soup_server_message_get_method(msg);
	GUri *uri = soup_server_message_get_uri(msg);
	const gchar *session = soup_message_headers_get_one(
	    soup_server_message_get_request_headers(msg), VMDS_HTTP_SESSION_HEADER);

	if (soup_server_message_get_status(msg) != 0)
		return; /* refused by the early handler */
	if (g_strcmp0(g_uri_get_path(uri), VMDS_HTTP_SESSION_PATH) == 0)
		vmds_http_handle_session(self, msg, method);
	else if (!vmds_sessions_check(self->sessions, session))
		vmds_http_fail(
		    msg,
		    "session",
		    VMDS_ERROR_UNAUTHENTICATED,
		    "this call needs a session: POST /api/session with the user name "
		    "and password, then send its id in the vmware-api-session-id header");
	else
		vmds_http_dispatch(self, msg, method, uri);
	g_info("%s %s → %u", method, g_uri_get_path(uri), soup_server_message_get_status(msg));
}

/* a body larger than the cap is refused before it is read */
/*
 * Answers before the body is read, and closes: libsoup would otherwise read
 * (and buffer) the whole body first, whatever status an early handler sets.
 * The reply is small, so one write into the fresh socket buffer sends it.
 */
static void
vmds_http_refuse_early(SoupServerMessage *msg, guint code, const gchar *message)
{
	g_autoptr(GError) error = g_error_new_literal(VMDS_ERROR, code, message);
	g_autoptr(GString) body = g_string_new(NULL);
	g_autoptr(GIOStream) stream = NULL;
	g_autofree gchar *head = NULL;
	guint status = vmds_router_error_body(body, "http", error);
	GOutputStream *out;

	head = g_strdup_printf("HTTP/1.1 %u %s\r\n"
			       "Content-Type: application/json\r\n"
			       "Content-Length: %" G_GSIZE_FORMAT "\r\n"
			       "Connection: close\r\n\r\n",
			       status,
			       soup_status_get_phrase(status),
			       body->len);
	g_string_prepend(body, head);
	g_info("%s %s refused before its body: %s",
	       soup_server_message_get_method(msg),
	       g_uri_get_path(soup_server_message_get_uri(msg)),
	       message);
	stream = soup_server_message_steal_connection(msg);
	if (stream == NULL)
		return;
	out = g_io_stream_get_output_stream(stream);
	g_pollable_output_stream_write_nonblocking(
	    G_POLLABLE_OUTPUT_STREAM(out), body->str, body->len, NULL, NULL);
	g_io_stream_close(stream, NULL, NULL);
}

/* a body larger than the cap, a chunked one, or one without a session is
 * refused before it is read: no client makes the daemon buffer what it sends
 * unless it has logged in */
static void
vmds_http_early_cb(SoupServer *server,
		   SoupServerMessage *msg,
		   const gchar *path,
		   GHashTable *query,
		   gpointer user_data)
{
	VmdsHttp *self = VMDS_HTTP(user_data);
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	goffset len = soup_message_headers_get_content_length(headers);
	const gchar *session = soup_message_headers_get_one(headers, VMDS_HTTP_SESSION_HEADER);
	g_autofree gchar *message = NULL;

	if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CHUNKED) {
		vmds_http_refuse_early(
		    msg,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "chunked request bodies are not accepted: send a Content-Length");
	} else if (len > (goffset)self->max_body) {
		message = g_strdup_printf("request body of %" G_GOFFSET_FORMAT
					  " bytes is larger than %u bytes",
					  len,
					  self->max_body);
		vmds_http_refuse_early(msg, VMDS_ERROR_INVALID_ARGUMENT, message);
	} else if (len > 0 && g_strcmp0(path, VMDS_HTTP_SESSION_PATH) != 0 &&
		   !vmds_sessions_check(self->sessions, session)) {
		vmds_http_refuse_early(msg,
				       VMDS_ERROR_UNAUTHENTICATED,
				       "this call needs a session: POST /api/session with the user "
				       "name and password, then send its id in the "
				       "vmware-api-session-id header");
	}
}

/**
 * vmds_http_listen:
 * @self: a #VmdsHttp
 * @config: where to listen (`[http] listen`, HOST:PORT; port 0 picks one)
 *   and the TLS certificate
 * @error: a #GError or %NULL
 *
 * Returns: %TRUE when listening; vmds_http_get_url() then says where
 */
gboolean
vmds_http_listen(VmdsHttp *self, const VmdsConfig *config, GError **error)
{
	g_autoptr(GSocketConnectable) connectable = NULL;
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GSocketAddress) address = NULL;
	g_autoptr(GSList) uris = NULL;
	SoupServerListenOptions options = 0;
	const gchar *host;

	connectable = g_network_address_parse(config->http_listen, VMDS_DEFAULT_HTTP_PORT, error);
	if (connectable == NULL) {
		g_prefix_error(error, "[http] listen: ");
		return FALSE;
	}
	host = g_network_address_get_hostname(G_NETWORK_ADDRESS(connectable));
	inet = g_strcmp0(host, "localhost") == 0 ? g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4)
						 : g_inet_address_new_from_string(host);
	if (inet == NULL) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "[http] listen: '%s' is not an IP address",
			    host);
		return FALSE;
	}
	if (config->tls_certificate != NULL) {
		g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_files(
		    config->tls_certificate, config->tls_key, error);
		if (cert == NULL)
			return FALSE;
		soup_server_set_tls_certificate(self->server, cert);
		options |= SOUP_SERVER_LISTEN_HTTPS;
	}
	address = g_inet_socket_address_new(
	    inet, g_network_address_get_port(G_NETWORK_ADDRESS(connectable)));
	if (!soup_server_listen(self->server, address, options, error)) {
		g_prefix_error(error, "cannot listen on %s: ", config->http_listen);
		return FALSE;
	}
	uris = soup_server_get_uris(self->server);
	if (uris != NULL) {
		GUri *uri = uris->data;
		g_autofree gchar *literal = g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV6
						? g_strdup_printf("[%s]", host)
						: g_strdup(host);
		self->url = g_strdup_printf(
		    "%s://%s:%d", g_uri_get_scheme(uri), literal, g_uri_get_port(uri));
	}
	g_slist_free_full(g_steal_pointer(&uris), (GDestroyNotify)g_uri_unref);
	return TRUE;
}

const gchar *
vmds_http_get_url(VmdsHttp *self)
{
	return self->url;
}

void
vmds_http_set_config(VmdsHttp *self, const VmdsConfig *config)
{
	vmds_sessions_set_timeout(self->sessions, config->session_timeout);
	self->max_body = config->max_body;
}

void
vmds_http_set_credentials(VmdsHttp *self, const gchar *username, const gchar *password)
{
	g_free(self->username);
	self->username = g_strdup(username);
	if (self->password != NULL)
		memset(self->password, 0, strlen(self->password));
	g_free(self->password);
	self->password = g_strdup(password);
}

void
vmds_http_add_routes(VmdsHttp *self, GPtrArray *routes)
{
	vmds_router_add_routes(self->router, routes);
}

VmdsHttp *
vmds_http_new(VmdsInventory *inventory)
{
	VmdsHttp *self = g_object_new(VMDS_TYPE_HTTP, NULL);
	self->router = vmds_router_new(inventory);
	return self;
}

static void
vmds_http_init(VmdsHttp *self)
{
	self->server = soup_server_new("server-header", "vmdsd/" VMDS_VERSION, NULL);
	self->sessions = vmds_sessions_new(1800);
	self->max_body = 6 * VMDS_DATASETS_MAX_VALUE + 64 * 1024;
	soup_server_add_early_handler(self->server, NULL, vmds_http_early_cb, self, NULL);
	soup_server_add_handler(self->server, NULL, vmds_http_handler_cb, self, NULL);
}

static void
vmds_http_finalize(GObject *obj)
{
	VmdsHttp *self = VMDS_HTTP(obj);

	soup_server_disconnect(self->server);
	g_object_unref(self->server);
	vmds_sessions_free(self->sessions);
	vmds_router_free(self->router);
	vmds_http_set_credentials(self, NULL, NULL);
	g_free(self->url);
	G_OBJECT_CLASS(vmds_http_parent_class)->finalize(obj);
}

static void
vmds_http_class_init(VmdsHttpClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = vmds_http_finalize;
}
