/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <unistd.h>

#include "vmds-http-listener.h"
#include "vmds-http.h"
#include "vmds-login-throttle.h"
#include "vmds-router.h"
#include "vmds-sessions.h"
#include "vmds-users.h"

/*
 * The REST server (libsoup 3): what a request must be before any of its
 * body is read (a Host this server answers to, one Content-Length within the
 * cap, and a session or trusted credentials for any body but a login's
 * tiny one), logins and sessions; the router does the rest. Which
 * connections exist at all, and for how long, is VmdsHttpListener's.
 *
 * All of that runs in a thread of its own, with its own main context: the
 * daemon's main loop, which serves the guests, never polls or parses a REST
 * connection, so a flood of them (or of TLS handshakes) costs guests no
 * latency. Only a routed request crosses over: the REST thread pauses it and
 * posts it to the main context, where the router runs it against the stores
 * like any guest request, and the reply (and each further part of a streamed
 * one) is posted back. Sessions, logins and connections are the REST
 * thread's alone; the daemon's calls into this object (listen, settings,
 * credentials, close) run there too, and wait for it.
 *
 * Who a request comes from (its VmdsCaller) is settled here, with the job:
 * the user of the session it names, as that user is now (its role, its
 * right; a session made before the user's password changed, or of a user
 * since removed, is gone), else a trusted local peer, an administrator.
 * The configured administrator's password is compared in constant time as
 * it always was; every other name goes through Argon2id (vmds-users.c),
 * here and never in the main thread, an unknown name against a dummy hash.
 */

#define VMDS_HTTP_SESSION_PATH "/api/session"
/* the session of vSphere's older REST API, which govmomi's rest.Client (and
 * so govc and Terraform's provider) logs in with: the same sessions, its
 * replies wrapped in {"value": ...} and 200 where the new API says 201/204 */
#define VMDS_HTTP_LEGACY_SESSION_PATH "/rest/com/vmware/cis/session"
#define VMDS_HTTP_SESSION_HEADER      "vmware-api-session-id"
/* the VmdsHttpJob a message being routed belongs to, in its data */
#define VMDS_HTTP_JOB_KEY "vmds-http-job"
/* the VmdsHttpSpool an import's body goes to, in its message's data */
#define VMDS_HTTP_SPOOL_KEY "vmds-http-spool"
/* a login takes its credentials from the Authorization header; a body,
 * which some clients send anyway (`{}`), is read only this long */
#define VMDS_HTTP_MAX_LOGIN_BODY 1024
/* what a streamed reply sends at a time, about */
#define VMDS_HTTP_STREAM_PART 65536
/* the account key that failed logins with a name no user can have share
 * (one longer than a user name may be) */
#define VMDS_HTTP_OTHER_ACCOUNT ""
/* how many client addresses and accounts the login throttle remembers: any
 * name a user may have is an account of its own, whether or not there is
 * such a user, so the throttle tells no one which users exist */
#define VMDS_HTTP_THROTTLE_CLIENTS  4096
#define VMDS_HTTP_THROTTLE_ACCOUNTS 1024
/* descriptors the guests' reserve holds beyond one per guest connection:
 * the VMs' sockets and stores, and room to create some */
#define VMDS_HTTP_FD_HEADROOM 64

struct _VmdsHttp {
	GObject parent_instance;
	/* the REST thread's own */
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
	SoupServer *server;
	VmdsHttpListener *listener;
	VmdsSessions *sessions;
	VmdsLoginThrottle *throttle;
	VmdsUsers *users; /* the daemon's; also read by the main thread */
	gchar *username;
	gchar *password;
	guint max_body;
	guint max_import;
	gchar *spool_dir;     /* where import bodies are written: the state dir */
	gchar **server_names; /* besides IP literals, and localhost on loopback */
	gboolean loopback;
	gchar *url;	   /* written by vmds_http_listen(), read after it */
	guint drain_ticks; /* while closing: how long yet to wait for connections */
	/* the main thread's own */
	GMainContext *main_context;
	VmdsRouter *router;
	gboolean closed;
	gint jobs; /* routed requests the main thread still holds (atomic) */
	/* synchronous calls into the REST thread */
	GMutex lock;
	GCond cond;
};

G_DEFINE_FINAL_TYPE(VmdsHttp, vmds_http, G_TYPE_OBJECT)

/* runs @func(@data) in @context's thread, at default priority; @notify
 * frees @data also when the context goes before it ran */
static void
vmds_http_post(GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
	GSource *source = g_idle_source_new();

	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	g_source_set_callback(source, func, data, notify);
	g_source_attach(source, context);
	g_source_unref(source);
}

typedef void (*VmdsHttpFunc)(VmdsHttp *self, gpointer data);

typedef struct {
	VmdsHttp *http;
	VmdsHttpFunc func;
	gpointer data;
	gboolean done;
} VmdsHttpCall;

static gboolean
vmds_http_call_cb(gpointer user_data)
{
	VmdsHttpCall *call = user_data;

	call->func(call->http, call->data);
	g_mutex_lock(&call->http->lock);
	call->done = TRUE;
	g_cond_broadcast(&call->http->cond);
	g_mutex_unlock(&call->http->lock);
	return G_SOURCE_REMOVE;
}

/* runs @func in the REST thread and waits for it */
static void
vmds_http_call(VmdsHttp *self, VmdsHttpFunc func, gpointer data)
{
	VmdsHttpCall call = {self, func, data, FALSE};

	if (self->thread == NULL || g_thread_self() == self->thread) {
		func(self, data);
		return;
	}
	vmds_http_post(self->context, vmds_http_call_cb, &call, NULL);
	g_mutex_lock(&self->lock);
	while (!call.done)
		g_cond_wait(&self->cond, &self->lock);
	g_mutex_unlock(&self->lock);
}

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

/* the user name and password of HTTP Basic credentials, or FALSE */
static gboolean
vmds_http_parse_basic(SoupServerMessage *msg, gchar **user, gchar **password)
{
	const gchar *auth = soup_message_headers_get_one(
	    soup_server_message_get_request_headers(msg), "Authorization");
	g_autofree guchar *decoded = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;
	gchar *colon;

	if (auth == NULL || g_ascii_strncasecmp(auth, "Basic ", 6) != 0)
		return FALSE;
	decoded = g_base64_decode(auth + 6, &len);
	text = g_strndup((const gchar *)decoded, len);
	colon = strchr(text, ':');
	if (colon == NULL || strlen(text) != len) {
		memset(text, 0, len);
		return FALSE;
	}
	*colon = '\0';
	*user = g_strdup(text);
	*password = g_strdup(colon + 1);
	memset(text, 0, len);
	memset(decoded, 0, len);
	return TRUE;
}

/* the account the login throttle counts a login against: the name, unless
 * no user can have it */
static const gchar *
vmds_http_account(VmdsHttp *self, const gchar *user)
{
	if (user == NULL)
		return VMDS_HTTP_OTHER_ACCOUNT;
	return g_strcmp0(user, self->username) == 0 || strlen(user) <= VMDS_USER_MAX_NAME
		   ? user
		   : VMDS_HTTP_OTHER_ACCOUNT;
}

/* a new session's id: `201 "id"`, or on the older API `200 {"value":"id"}` */
static void
vmds_http_reply_session(SoupServerMessage *msg, const gchar *id, gboolean legacy)
{
	g_autoptr(GString) body = g_string_new(legacy ? "{\"value\":" : NULL);

	vmds_json_append_string(body, id, -1);
	if (legacy)
		g_string_append_c(body, '}');
	vmds_http_reply_json(msg, legacy ? 200 : 201, body->str, body->len);
}

/* a user's password hashed again with today's Argon2id parameters, on its
 * way to the main thread, which alone writes users.db */
typedef struct {
	VmdsHttp *http;
	gchar *name;
	guint64 generation;
	gchar *hash;
} VmdsHttpRehash;

static void
vmds_http_rehash_free(gpointer data)
{
	VmdsHttpRehash *rehash = data;

	vmds_user_wipe(rehash->hash);
	g_free(rehash->hash);
	g_free(rehash->name);
	g_atomic_int_add(&rehash->http->jobs, -1);
	g_free(rehash);
}

static gboolean
vmds_http_rehash_cb(gpointer data)
{
	VmdsHttpRehash *rehash = data;
	g_autoptr(GError) error = NULL;

	if (vmds_users_rehash(
		rehash->http->users, rehash->name, rehash->generation, rehash->hash, &error))
		g_info("hashed the password of user %s again, with the current Argon2id "
		       "parameters",
		       rehash->name);
	else
		g_warning("cannot keep the new hash of user %s's password: %s",
			  rehash->name,
			  error->message);
	return G_SOURCE_REMOVE;
}

/* after @user's login with @password: an outdated hash made again, in this
 * thread (40 ms), and handed to the main thread (a job, which
 * vmds_http_close() waits for) */
static void
vmds_http_rehash(VmdsHttp *self, const VmdsUser *user, const gchar *password)
{
	VmdsHttpRehash *rehash;
	g_autoptr(GError) error = NULL;
	gchar *hash = vmds_user_hash_password(password, &error);

	if (hash == NULL) {
		g_warning("cannot hash user %s's password again: %s", user->name, error->message);
		return;
	}
	rehash = g_new0(VmdsHttpRehash, 1);
	rehash->http = self;
	rehash->name = g_strdup(user->name);
	rehash->generation = user->generation;
	rehash->hash = hash;
	g_atomic_int_inc(&self->jobs);
	g_main_context_invoke_full(self->main_context,
				   G_PRIORITY_DEFAULT,
				   vmds_http_rehash_cb,
				   rehash,
				   vmds_http_rehash_free);
}

static void
vmds_http_login(VmdsHttp *self, SoupServerMessage *msg, const VmdsHttpPeer *peer, gboolean legacy)
{
	g_autofree gchar *user = NULL;
	g_autofree gchar *password = NULL;
	g_autofree gchar *session = NULL;
	gboolean offered = vmds_http_parse_basic(msg, &user, &password);
	const gchar *account = vmds_http_account(self, user);
	gint64 now = g_get_monotonic_time();
	guint retry_after = 0;
	gboolean ok;
	g_autoptr(VmdsUser) found = NULL;
	guint64 stamp = 0;

	/* the credentials of a trusted local peer are its own: a password is
	 * checked only if it sends one */
	if (!offered && peer->trusted) {
		session = vmds_sessions_create(self->sessions, peer->client, 0);
		vmds_http_reply_session(msg, session, legacy);
		return;
	}
	if (!vmds_login_throttle_check(self->throttle, peer->client, account, now, &retry_after)) {
		g_autofree gchar *message =
		    g_strdup_printf("too many failed logins: try again in %u seconds", retry_after);
		g_autofree gchar *retry = g_strdup_printf("%u", retry_after);
		soup_message_headers_replace(
		    soup_server_message_get_response_headers(msg), "Retry-After", retry);
		vmds_http_fail(msg, "session", VMDS_ERROR_UNAUTHENTICATED, message);
		if (password != NULL)
			memset(password, 0, strlen(password));
		return;
	}
	/* the configured administrator: both compared, always, so timing tells
	 * nothing of which was wrong; any other name: Argon2id, against a
	 * dummy hash when there is no such user, so an unknown name costs
	 * what a wrong password does */
	ok =
	    offered && self->password != NULL &&
	    (vmds_secret_equal(self->username, user) & vmds_secret_equal(self->password, password));
	if (offered && !ok && self->username != NULL && !vmds_secret_equal(self->username, user)) {
		found = vmds_users_verify(self->users, user, password);
		ok = found != NULL;
		if (found != NULL && found->outdated_hash)
			vmds_http_rehash(self, found, password);
		stamp = found != NULL ? found->generation : 0;
	}
	if (password != NULL)
		memset(password, 0, strlen(password));
	if (!ok) {
		/* the offered name and password are never logged */
		g_warning("refused a login from %s: wrong user name or password "
			  "(%u failures in a row)",
			  peer->client,
			  vmds_login_throttle_failed(self->throttle, peer->client, account, now));
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "WWW-Authenticate",
					     "Basic realm=\"vmds\"");
		vmds_http_fail(
		    msg, "session", VMDS_ERROR_UNAUTHENTICATED, "wrong user name or password");
		return;
	}
	vmds_login_throttle_succeeded(self->throttle, peer->client, account);
	session = vmds_sessions_create(self->sessions, user, stamp);
	vmds_http_reply_session(msg, session, legacy);
}

/*
 * Who @msg comes from, into @caller (its user to be freed), or FALSE for
 * nobody: the session it names, as its user is now; without a session
 * header, a trusted local peer, an administrator. A session header that
 * names no live session is refused even from a trusted peer: a client that
 * logged in as a user means to act as that user, never as more.
 */
static gboolean
vmds_http_identify(VmdsHttp *self,
		   SoupServerMessage *msg,
		   const VmdsHttpPeer *peer,
		   VmdsCaller *caller)
{
	const gchar *id = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
						       VMDS_HTTP_SESSION_HEADER);
	g_autoptr(VmdsUser) user = NULL;
	const gchar *name;
	guint64 stamp = 0;

	*caller = (VmdsCaller){0};
	if (id == NULL) {
		if (!peer->trusted)
			return FALSE;
		*caller = (VmdsCaller){g_strdup(peer->client), TRUE, TRUE};
		return TRUE;
	}
	name = vmds_sessions_lookup(self->sessions, id, &stamp);
	if (name == NULL)
		return FALSE;
	/* the configured administrator's, or a trusted peer's */
	if (stamp == 0) {
		*caller = (VmdsCaller){g_strdup(name), TRUE, TRUE};
		return TRUE;
	}
	user = vmds_users_lookup(self->users, name);
	if (user == NULL || user->built_in || user->generation != stamp) {
		g_info("session of %s ended: the user's password changed, or the user went", name);
		vmds_sessions_remove(self->sessions, id);
		return FALSE;
	}
	*caller =
	    (VmdsCaller){g_strdup(name),
			 user->role == VMDS_USER_ROLE_ADMINISTRATOR,
			 user->role == VMDS_USER_ROLE_ADMINISTRATOR || user->vcenter_metadata};
	return TRUE;
}

static gboolean
vmds_http_authenticated(VmdsHttp *self, SoupServerMessage *msg, const VmdsHttpPeer *peer)
{
	VmdsCaller caller;
	gboolean ok = vmds_http_identify(self, msg, peer, &caller);

	g_free((gchar *)caller.user);
	return ok;
}

/* `{"value":{"user":...,"created_time":...,"last_accessed_time":...}}`, what
 * the older API's `?~action=get` answers, for a session that still names
 * its user (not one whose password changed, or who went) */
static void
vmds_http_describe_session(VmdsHttp *self,
			   SoupServerMessage *msg,
			   const VmdsHttpPeer *peer,
			   const gchar *id)
{
	g_autoptr(GString) body = g_string_new("{\"value\":{\"user\":");
	gint64 times[2] = {0};
	/* its times before this request uses it */
	const gchar *user = vmds_sessions_describe(self->sessions, id, &times[0], &times[1]);
	const gchar *const names[] = {"created_time", "last_accessed_time"};

	if (user == NULL || !vmds_http_authenticated(self, msg, peer)) {
		vmds_http_fail(msg, "session", VMDS_ERROR_UNAUTHENTICATED, "no such session");
		return;
	}
	vmds_json_append_string(body, user, -1);
	for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
		g_autoptr(GDateTime) when =
		    g_date_time_new_from_unix_utc(times[i] / G_USEC_PER_SEC);
		g_autofree gchar *text = g_date_time_format(when, "%Y-%m-%dT%H:%M:%S.000Z");
		g_string_append_printf(body, ",\"%s\":", names[i]);
		vmds_json_append_string(body, text, -1);
	}
	g_string_append(body, "}}");
	vmds_http_reply_json(msg, 200, body->str, body->len);
}

static void
vmds_http_handle_session(VmdsHttp *self,
			 SoupServerMessage *msg,
			 const gchar *method,
			 const VmdsHttpPeer *peer,
			 gboolean legacy)
{
	const gchar *id = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
						       VMDS_HTTP_SESSION_HEADER);
	const gchar *query = g_uri_get_query(soup_server_message_get_uri(msg));

	if (g_strcmp0(method, "POST") == 0 && legacy && g_strcmp0(query, "~action=get") == 0) {
		vmds_http_describe_session(self, msg, peer, id);
		return;
	}
	if (g_strcmp0(method, "POST") == 0 && query == NULL) {
		vmds_http_login(self, msg, peer, legacy);
		return;
	}
	if (g_strcmp0(method, "DELETE") == 0 && query == NULL) {
		if (id == NULL || !vmds_sessions_remove(self->sessions, id)) {
			vmds_http_fail(
			    msg, "session", VMDS_ERROR_UNAUTHENTICATED, "no such session");
			return;
		}
		vmds_http_reply_json(msg, legacy ? 200 : 204, NULL, 0);
		return;
	}
	vmds_http_fail(msg,
		       "session",
		       VMDS_ERROR_UNSUPPORTED,
		       legacy ? VMDS_HTTP_LEGACY_SESSION_PATH
			   " supports POST, POST ?~action=get and DELETE only"
			      : VMDS_HTTP_SESSION_PATH " supports POST and DELETE only");
}

/* which session path @path is: 0 none, 1 the API's, 2 the older API's */
static guint
vmds_http_session_path(const gchar *path)
{
	if (g_strcmp0(path, VMDS_HTTP_SESSION_PATH) == 0)
		return 1;
	if (g_strcmp0(path, VMDS_HTTP_LEGACY_SESSION_PATH) == 0)
		return 2;
	return 0;
}

/*
 * A routed request on its way between the threads. The REST thread holds it
 * while its message is alive, the main thread while it runs the route or a
 * stream; each side lets go once, and the last frees it.
 */
typedef struct {
	gatomicrefcount ref;
	VmdsHttp *http;
	/* the REST thread's */
	SoupServerMessage *msg;
	gboolean rest_released;
	gchar *client; /* for the log */
	/* what the main thread reads */
	gchar *method;
	gchar *path;
	gchar *query;
	GBytes *body;
	gint body_fd; /* an import's body, on disk; or -1 */
	/* what the main thread writes, then posts back */
	guint status;
	GString *response;	   /* the body, or the next part of a streamed one */
	gboolean done;		   /* that part is the last */
	gboolean failed;	   /* the stream broke off */
	gboolean streamed;	   /* the body comes a part at a time */
	const gchar *content_type; /* (nullable): of a streamed body; JSON */
	VmdsCaller caller;	   /* its user is owned */
	/* the main thread's */
	VmdsStream stream;
	VmdsRouterLater later; /* a reply the route deferred */
	gint64 deadline;       /* when it is due; for the REST thread */
	gboolean main_released;
	/* the REST thread let go: the main thread stops producing */
	gint abandoned;
} VmdsHttpJob;

static void
vmds_http_job_unref(VmdsHttpJob *job)
{
	if (!g_atomic_ref_count_dec(&job->ref))
		return;
	g_free(job->client);
	g_free((gchar *)job->caller.user);
	g_free(job->method);
	g_free(job->path);
	g_free(job->query);
	g_bytes_unref(job->body);
	if (job->body_fd >= 0)
		close(job->body_fd);
	if (job->response != NULL)
		g_string_free(job->response, TRUE);
	g_free(job);
}

/* runs @func(@job) in @context's thread; the job lives until it has */
static void
vmds_http_job_post(VmdsHttpJob *job, GMainContext *context, GSourceFunc func)
{
	g_atomic_ref_count_inc(&job->ref);
	vmds_http_post(context, func, job, (GDestroyNotify)vmds_http_job_unref);
}

/* the main thread is done with @job: its stream (which may hold a store) is
 * freed here, in the thread that made it */
static void
vmds_http_job_main_release(VmdsHttpJob *job)
{
	if (job->main_released)
		return;
	job->main_released = TRUE;
	vmds_stream_clear(&job->stream);
	if (job->later.deferred != NULL) {
		vmds_deferred_cancel(job->later.deferred);
		g_clear_pointer(&job->later.deferred, vmds_deferred_unref);
	}
	g_atomic_int_add(&job->http->jobs, -1);
	vmds_http_job_unref(job);
}

static gboolean
vmds_http_job_abandon_cb(gpointer user_data)
{
	vmds_http_job_main_release(user_data);
	return G_SOURCE_REMOVE;
}

/* the REST thread is done with @job (its message finished or went) */
static void
vmds_http_job_rest_release(VmdsHttpJob *job)
{
	if (job->rest_released)
		return;
	job->rest_released = TRUE;
	g_signal_handlers_disconnect_by_data(job->msg, job);
	g_object_set_data(G_OBJECT(job->msg), VMDS_HTTP_JOB_KEY, NULL);
	g_clear_object(&job->msg);
	g_atomic_int_set(&job->abandoned, 1);
	/* a stream still open in the main thread is freed there */
	vmds_http_job_post(job, job->http->main_context, vmds_http_job_abandon_cb);
	vmds_http_job_unref(job);
}

static void
vmds_http_job_finished_cb(SoupServerMessage *msg, gpointer user_data)
{
	vmds_http_job_rest_release(user_data);
}

/* REST thread: the client of a deferred reply left (its connection is
 * closed): the main thread cancels the deferral, and libsoup, its message
 * unpaused, lets it go, with the connection's slot */
static void
vmds_http_client_left_cb(VmdsHttpListener *listener, SoupServerMessage *msg, gpointer user_data)
{
	VmdsHttpJob *job = g_object_get_data(G_OBJECT(msg), VMDS_HTTP_JOB_KEY);

	if (job == NULL)
		return;
	g_info("%s: %s %s: the client left before its deferred reply",
	       job->client,
	       job->method,
	       job->path);
	vmds_http_job_rest_release(job);
	soup_server_message_set_status(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
	soup_server_message_unpause(msg);
}

static gboolean vmds_http_job_part_cb(gpointer user_data);

/* REST thread: a part of a streamed reply was sent; the main thread writes
 * the next */
static void
vmds_http_job_wrote_chunk_cb(SoupServerMessage *msg, gpointer user_data)
{
	VmdsHttpJob *job = user_data;

	if (job->done || job->failed)
		return;
	vmds_http_job_post(job, job->http->main_context, vmds_http_job_part_cb);
}

/* REST thread: the next part of a streamed reply, from the main thread */
static gboolean
vmds_http_job_part_reply_cb(gpointer user_data)
{
	VmdsHttpJob *job = user_data;
	SoupMessageBody *body;

	if (job->rest_released)
		return G_SOURCE_REMOVE;
	body = soup_server_message_get_response_body(job->msg);
	if (job->failed) {
		vmds_http_listener_abort(job->http->listener, job->msg);
	} else {
		if (job->response->len > 0) {
			gsize n = job->response->len;
			soup_message_body_append(
			    body,
			    SOUP_MEMORY_TAKE,
			    g_string_free(g_steal_pointer(&job->response), FALSE),
			    n);
			job->response = g_string_new(NULL);
		}
		if (job->done)
			soup_message_body_complete(body);
	}
	soup_server_message_unpause(job->msg);
	return G_SOURCE_REMOVE;
}

/* main thread: writes the next part of a streamed reply */
static gboolean
vmds_http_job_part_cb(gpointer user_data)
{
	VmdsHttpJob *job = user_data;
	g_autoptr(GError) error = NULL;

	if (g_atomic_int_get(&job->abandoned) || job->main_released)
		return G_SOURCE_REMOVE;
	g_string_truncate(job->response, 0);
	if (!job->stream.func(job->stream.data, job->response, &job->done, &error)) {
		/* the status went out already: all that is left is to stop short */
		g_warning("%s %s: the reply failed after its start, closing its connection: %s",
			  job->method,
			  job->path,
			  error != NULL ? error->message : "no reason given");
		job->failed = TRUE;
	}
	if (job->done || job->failed)
		vmds_stream_clear(&job->stream);
	vmds_http_job_post(job, job->http->context, vmds_http_job_part_reply_cb);
	return G_SOURCE_REMOVE;
}

/* REST thread: the route's reply, from the main thread */
static gboolean
vmds_http_job_reply_cb(gpointer user_data)
{
	VmdsHttpJob *job = user_data;
	SoupServerMessage *msg = job->msg;
	SoupMessageHeaders *headers;
	SoupMessageBody *body;

	if (job->rest_released)
		return G_SOURCE_REMOVE;
	g_info("%s: %s %s → %u", job->client, job->method, job->path, job->status);
	if (!job->streamed) {
		vmds_http_reply_json(msg, job->status, job->response->str, job->response->len);
		soup_server_message_unpause(msg);
		vmds_http_job_rest_release(job);
		return G_SOURCE_REMOVE;
	}
	/* a body sent a part at a time, chunked: never whole in memory */
	headers = soup_server_message_get_response_headers(msg);
	body = soup_server_message_get_response_body(msg);
	soup_server_message_set_status(msg, job->status, NULL);
	soup_message_headers_set_content_type(
	    headers, job->content_type != NULL ? job->content_type : "application/json", NULL);
	soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
	soup_message_body_set_accumulate(body, FALSE);
	g_signal_connect(msg, "wrote-chunk", G_CALLBACK(vmds_http_job_wrote_chunk_cb), job);
	if (job->response->len > 0)
		vmds_http_job_part_reply_cb(job);
	else
		vmds_http_job_post(job, job->http->main_context, vmds_http_job_part_cb);
	return G_SOURCE_REMOVE;
}

/* REST thread: the reply was deferred; its connection may wait for it */
static gboolean
vmds_http_job_wait_cb(gpointer user_data)
{
	VmdsHttpJob *job = user_data;

	if (!job->rest_released)
		vmds_http_listener_wait(job->http->listener, job->msg, job->deadline);
	return G_SOURCE_REMOVE;
}

/* main thread: the reply a route deferred came, or why it did not */
static void
vmds_http_job_deferred_cb(VmdsDeferred *deferred, const GError *error, gpointer user_data)
{
	VmdsHttpJob *job = user_data;

	job->status = vmds_router_finish(&job->later, error, job->response);
	vmds_http_job_post(job, job->http->context, vmds_http_job_reply_cb);
	vmds_http_job_main_release(job);
}

/* main thread: runs the route */
static gboolean
vmds_http_job_run_cb(gpointer user_data)
{
	VmdsHttpJob *job = user_data;
	VmdsHttp *self = job->http;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(job->body, &len);

	if (g_atomic_int_get(&job->abandoned)) {
		vmds_http_job_main_release(job);
		return G_SOURCE_REMOVE;
	}
	if (self->closed) {
		g_autoptr(GError) error = g_error_new_literal(
		    VMDS_ERROR, VMDS_ERROR_UNAVAILABLE, "the daemon is stopping");
		job->status = vmds_router_error_body(job->response, "http", error);
	} else {
		job->status = vmds_router_handle_as(self->router,
						    &job->caller,
						    job->method,
						    job->path,
						    job->query,
						    data != NULL ? data : "",
						    len,
						    job->body_fd,
						    job->response,
						    &job->stream,
						    &job->later);
	}
	/* an import's body is the route's only while it runs */
	if (job->body_fd >= 0) {
		close(job->body_fd);
		job->body_fd = -1;
	}
	/* the main thread keeps its hold until a deferred reply comes */
	if (job->later.deferred != NULL) {
		job->deadline = vmds_deferred_get_deadline(job->later.deferred);
		vmds_http_job_post(job, self->context, vmds_http_job_wait_cb);
		vmds_deferred_start(job->later.deferred, vmds_http_job_deferred_cb, job);
		return G_SOURCE_REMOVE;
	}
	/* the main thread keeps its hold while there is a stream */
	job->streamed = job->stream.func != NULL;
	job->content_type = job->stream.content_type;
	vmds_http_job_post(job, self->context, vmds_http_job_reply_cb);
	if (!job->streamed)
		vmds_http_job_main_release(job);
	return G_SOURCE_REMOVE;
}

/*
 * An import's body (`POST /api/vcenter/vm?action=import`, an exported VM)
 * may be far larger than [http] max-body: it is not kept in memory but
 * written, as it arrives, to a file in the state directory that has no name
 * (so nothing is left of it should the daemon die), and handed to the route
 * as VmdsRequest.body_fd. Each part that arrives gives the connection the
 * request timeout again, so a slow link is not a stalled client.
 */
typedef struct {
	VmdsHttp *http;
	gint fd;
	gint error; /* errno of a failed write, or 0 */
} VmdsHttpSpool;

static void
vmds_http_spool_free(VmdsHttpSpool *spool)
{
	if (spool->fd >= 0)
		close(spool->fd);
	g_free(spool);
}

static gboolean
vmds_http_is_import(const gchar *method, const gchar *path, GHashTable *query)
{
	return g_strcmp0(method, "POST") == 0 &&
	       (g_strcmp0(path, "/api/vcenter/vm") == 0 ||
		g_strcmp0(path, "/api/vcenter/vm/") == 0) &&
	       query != NULL && g_strcmp0(g_hash_table_lookup(query, "action"), "import") == 0;
}

static void
vmds_http_spool_chunk_cb(SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
	VmdsHttpSpool *spool = user_data;
	gsize len;
	const guint8 *data = g_bytes_get_data(chunk, &len);

	vmds_http_listener_extend(spool->http->listener, msg);
	while (spool->error == 0 && len > 0) {
		gssize n = write(spool->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			spool->error = errno;
			break;
		}
		data += n;
		len -= (gsize)n;
	}
}

/* a file without a name in the state directory for @msg's body */
static gboolean
vmds_http_spool_start(VmdsHttp *self, SoupServerMessage *msg, GError **error)
{
	g_autofree gchar *template = g_build_filename(self->spool_dir, ".import-XXXXXX", NULL);
	VmdsHttpSpool *spool;
	gint fd = g_mkstemp_full(template, O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot take in the import: %s",
			    g_strerror(errno));
		return FALSE;
	}
	g_unlink(template);
	spool = g_new0(VmdsHttpSpool, 1);
	spool->http = self;
	spool->fd = fd;
	g_object_set_data_full(
	    G_OBJECT(msg), VMDS_HTTP_SPOOL_KEY, spool, (GDestroyNotify)vmds_http_spool_free);
	soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
	g_signal_connect(msg, "got-chunk", G_CALLBACK(vmds_http_spool_chunk_cb), spool);
	return TRUE;
}

/* the file @msg's body went to, rewound, or -1 (no spool, or a write failed:
 * then the job's body is empty, and the route refuses it) */
static gint
vmds_http_spool_steal(SoupServerMessage *msg)
{
	VmdsHttpSpool *spool = g_object_get_data(G_OBJECT(msg), VMDS_HTTP_SPOOL_KEY);
	gint fd;

	if (spool == NULL)
		return -1;
	if (spool->error != 0) {
		g_warning("an import's body could not be written to disk: %s",
			  g_strerror(spool->error));
		return -1;
	}
	fd = spool->fd;
	spool->fd = -1;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* REST thread: hands an authenticated request of @caller (its user taken)
 * to the router, in the main thread; the message waits */
static void
vmds_http_dispatch(VmdsHttp *self,
		   SoupServerMessage *msg,
		   const VmdsHttpPeer *peer,
		   VmdsCaller *caller,
		   const gchar *method,
		   GUri *uri)
{
	VmdsHttpJob *job = g_new0(VmdsHttpJob, 1);

	g_atomic_ref_count_init(&job->ref);
	g_atomic_ref_count_inc(&job->ref); /* one for each thread */
	job->http = self;
	job->msg = g_object_ref(msg);
	job->client = g_strdup(peer->client);
	job->caller = *caller;
	caller->user = NULL;
	job->method = g_strdup(method);
	job->path = g_strdup(g_uri_get_path(uri));
	job->query = g_strdup(g_uri_get_query(uri));
	job->body_fd = vmds_http_spool_steal(msg);
	job->body = job->body_fd >= 0
			? g_bytes_new_static("", 0)
			: soup_message_body_flatten(soup_server_message_get_request_body(msg));
	job->response = g_string_new(NULL);
	g_signal_connect(msg, "finished", G_CALLBACK(vmds_http_job_finished_cb), job);
	g_object_set_data(G_OBJECT(msg), VMDS_HTTP_JOB_KEY, job);
	g_atomic_int_inc(&self->jobs);
	soup_server_message_pause(msg);
	vmds_http_job_post(job, self->main_context, vmds_http_job_run_cb);
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
	const VmdsHttpPeer *peer = vmds_http_listener_get_peer(self->listener, msg);
	VmdsCaller caller = {0};

	if (soup_server_message_get_status(msg) != 0 || peer == NULL)
		return; /* refused by the early handler */
	if (vmds_http_session_path(g_uri_get_path(uri)) != 0) {
		vmds_http_handle_session(
		    self, msg, method, peer, vmds_http_session_path(g_uri_get_path(uri)) == 2);
	} else if (!vmds_http_identify(self, msg, peer, &caller)) {
		vmds_http_fail(
		    msg,
		    "session",
		    VMDS_ERROR_UNAUTHENTICATED,
		    "this call needs a session: POST /api/session with the user name "
		    "and password, then send its id in the vmware-api-session-id header");
	} else {
		/* answered, and logged, once the main thread ran the route */
		vmds_http_dispatch(self, msg, peer, &caller, method, uri);
		return;
	}
	g_info("%s: %s %s → %u",
	       peer->client,
	       method,
	       g_uri_get_path(uri),
	       soup_server_message_get_status(msg));
}

/*
 * Answers before the body is read, and closes: libsoup would otherwise read
 * (and buffer) the whole body first, whatever status an early handler sets.
 */
static void
vmds_http_refuse_early(VmdsHttp *self, SoupServerMessage *msg, guint code, const gchar *message)
{
	g_autoptr(GError) error = g_error_new_literal(VMDS_ERROR, code, message);
	g_autoptr(GString) body = g_string_new(NULL);
	g_autofree gchar *head = NULL;
	guint status = vmds_router_error_body(body, "http", error);

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
	vmds_http_listener_refuse(self->listener, msg, body->str, body->len);
}

/* the host part of a Host header: without the port, IPv6 without brackets */
static gchar *
vmds_http_host_name(const gchar *host)
{
	const gchar *colon;

	if (host[0] == '[') {
		const gchar *end = strchr(host, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return NULL;
		return g_strndup(host + 1, (gsize)(end - host - 1));
	}
	colon = strrchr(host, ':');
	if (colon != NULL && strchr(host, ':') != colon)
		return NULL; /* an IPv6 literal without brackets */
	return colon != NULL ? g_strndup(host, (gsize)(colon - host)) : g_strdup(host);
}

/*
 * Whether @host (a Host header) names this server: an IP literal, `localhost`
 * when listening on loopback, or one of [http] server-names. Anything else
 * is a name some DNS made point here (DNS rebinding): a web page in a browser
 * on this host must not reach the API through it.
 */
static gboolean
vmds_http_host_allowed(VmdsHttp *self, const gchar *host)
{
	g_autofree gchar *name = vmds_http_host_name(host);
	gsize len;

	if (name == NULL || name[0] == '\0')
		return FALSE;
	if (g_hostname_is_ip_address(name))
		return TRUE;
	len = strlen(name);
	if (name[len - 1] == '.')
		name[len - 1] = '\0';
	if (self->loopback && g_ascii_strcasecmp(name, "localhost") == 0)
		return TRUE;
	for (guint i = 0; self->server_names != NULL && self->server_names[i] != NULL; i++) {
		if (g_ascii_strcasecmp(name, self->server_names[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

/*
 * What is refused before a byte of the body is read: a path with a `.` or
 * `..` segment as sent, the dots plain or percent-encoded; a Host this server
 * does not answer to; more than one Content-Length; a chunked body; one larger
 * than the cap; any body on a request that is not authenticated (a session,
 * or trusted local credentials), but a login's tiny one. No client makes the
 * daemon read, let alone buffer, what it sends unless it has logged in.
 */
static void
vmds_http_early_cb(SoupServer *server,
		   SoupServerMessage *msg,
		   const gchar *path,
		   GHashTable *query,
		   gpointer user_data)
{
	VmdsHttp *self = VMDS_HTTP(user_data);
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	const VmdsHttpPeer *peer = vmds_http_listener_get_peer(self->listener, msg);
	const gchar *lengths = soup_message_headers_get_list(headers, "Content-Length");
	const gchar *host = soup_message_headers_get_one(headers, "Host");
	goffset len = soup_message_headers_get_content_length(headers);
	gboolean login = vmds_http_session_path(path) != 0;
	gboolean import = vmds_http_is_import(soup_server_message_get_method(msg), path, query);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *message = NULL;

	if (peer == NULL) {
		vmds_http_refuse_early(self,
				       msg,
				       VMDS_ERROR_INTERNAL,
				       "a request on a connection the daemon does not know");
	} else if (vmds_http_listener_has_dot_segment(self->listener, msg)) {
		/* libsoup resolved them: the path it hands on names another
		 * resource */
		vmds_http_refuse_early(
		    self, msg, VMDS_ERROR_INVALID_ARGUMENT, VMDS_ROUTER_DOT_SEGMENT_MESSAGE);
	} else if (!peer->local && host != NULL && !vmds_http_host_allowed(self, host)) {
		message = g_strdup_printf("this server does not answer to the host name in "
					  "'Host: %s': use its address, or add the name to "
					  "[http] server-names",
					  host);
		vmds_http_refuse_early(self, msg, VMDS_ERROR_INVALID_ARGUMENT, message);
	} else if (lengths != NULL && strchr(lengths, ',') != NULL) {
		vmds_http_refuse_early(
		    self, msg, VMDS_ERROR_INVALID_ARGUMENT, "more than one Content-Length header");
	} else if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CHUNKED) {
		vmds_http_refuse_early(
		    self,
		    msg,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "chunked request bodies are not accepted: send a Content-Length");
	} else if (len > (goffset)(import ? self->max_import : self->max_body)) {
		message = g_strdup_printf("request body of %" G_GOFFSET_FORMAT
					  " bytes is larger than %u bytes ([http] %s)",
					  len,
					  import ? self->max_import : self->max_body,
					  import ? "max-import" : "max-body");
		vmds_http_refuse_early(self, msg, VMDS_ERROR_INVALID_ARGUMENT, message);
	} else if (login && len > VMDS_HTTP_MAX_LOGIN_BODY) {
		vmds_http_refuse_early(self,
				       msg,
				       VMDS_ERROR_INVALID_ARGUMENT,
				       "a login takes its credentials from the Authorization "
				       "header: its body must be empty");
	} else if (len > 0 && !login && !vmds_http_authenticated(self, msg, peer)) {
		vmds_http_refuse_early(self,
				       msg,
				       VMDS_ERROR_UNAUTHENTICATED,
				       "this call needs a session: POST /api/session with the user "
				       "name and password, then send its id in the "
				       "vmware-api-session-id header");
	} else if (import && !vmds_http_spool_start(self, msg, &error)) {
		vmds_http_refuse_early(self, msg, error->code, error->message);
	}
}

/* the IP address @host names, from [http] listen */
static GInetAddress *
vmds_http_parse_host(const gchar *host, GError **error)
{
	GInetAddress *inet = g_strcmp0(host, "localhost") == 0
				 ? g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4)
				 : g_inet_address_new_from_string(host);

	if (inet == NULL) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_ARGUMENT,
			    "[http] listen: '%s' is not an IP address",
			    host);
	}
	return inet;
}

static gboolean
vmds_http_listen_inet(VmdsHttp *self, const VmdsConfig *config, GError **error)
{
	g_autoptr(GSocketConnectable) connectable = NULL;
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GSocketAddress) address = NULL;
	g_autoptr(GTlsCertificate) cert = NULL;
	g_autofree gchar *literal = NULL;
	const gchar *host;
	guint16 port = 0;

	connectable = g_network_address_parse(config->http_listen, VMDS_DEFAULT_HTTP_PORT, error);
	if (connectable == NULL) {
		g_prefix_error(error, "[http] listen: ");
		return FALSE;
	}
	host = g_network_address_get_hostname(G_NETWORK_ADDRESS(connectable));
	inet = vmds_http_parse_host(host, error);
	if (inet == NULL)
		return FALSE;
	if (config->tls_certificate != NULL) {
		if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
			g_set_error_literal(
			    error,
			    G_IO_ERROR,
			    G_IO_ERROR_NOT_SUPPORTED,
			    "[http] tls-certificate: GIO has no TLS backend; install "
			    "glib-networking (Debian and Fedora name it so)");
			return FALSE;
		}
		cert = g_tls_certificate_new_from_files(
		    config->tls_certificate, config->tls_key, error);
		if (cert == NULL) {
			g_prefix_error(error, "[http] tls-certificate: ");
			return FALSE;
		}
	}
	address = g_inet_socket_address_new(
	    inet, g_network_address_get_port(G_NETWORK_ADDRESS(connectable)));
	if (!vmds_http_listener_add_inet(
		self->listener, G_INET_SOCKET_ADDRESS(address), cert, &port, error)) {
		g_prefix_error(error, "cannot listen on %s: ", config->http_listen);
		return FALSE;
	}
	self->loopback = g_inet_address_get_is_loopback(inet);
	literal = g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV6
		      ? g_strdup_printf("[%s]", host)
		      : g_strdup(host);
	self->url = g_strdup_printf("%s://%s:%u", cert != NULL ? "https" : "http", literal, port);
	return TRUE;
}

/* REST thread */
static void
vmds_http_listen_cb(VmdsHttp *self, gpointer data)
{
	const VmdsConfig *config = ((gpointer *)data)[0];
	GError **error = ((gpointer *)data)[1];

	if (config->http_listen[0] != '\0' && !vmds_http_listen_inet(self, config, error))
		return;
	if (config->http_socket != NULL && config->http_socket[0] != '\0' &&
	    !vmds_http_listener_add_unix(
		self->listener, config->http_socket, config->admin_gid, error))
		return;
}

/**
 * vmds_http_listen:
 * @self: a #VmdsHttp
 * @config: where to listen (`[http] listen`, HOST:PORT; port 0 picks one;
 *   empty: not over TCP), the TLS certificate, and the unix socket
 *   (`[http] socket`, with its `admin-group`)
 * @error: a #GError or %NULL
 *
 * Returns: %TRUE when listening; vmds_http_get_url() then says where over TCP
 */
gboolean
vmds_http_listen(VmdsHttp *self, const VmdsConfig *config, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gpointer data[] = {(gpointer)config, &error_local};

	vmds_http_call(self, vmds_http_listen_cb, data);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_http_get_url:
 * @self: a #VmdsHttp
 *
 * Returns: (nullable): the base URL of the API over TCP
 */
const gchar *
vmds_http_get_url(VmdsHttp *self)
{
	return self->url;
}

/* REST thread */
static void
vmds_http_set_config_cb(VmdsHttp *self, gpointer data)
{
	const VmdsConfig *config = data;
	VmdsHttpLimits limits = {
	    .max_connections = config->http_max_connections,
	    .max_per_client = config->http_max_connections_client,
	    .request_timeout = config->http_request_timeout,
	    .max_discard = (gsize)config->max_body * 4,
	    .fd_reserve = config->max_connections + VMDS_HTTP_FD_HEADROOM,
	};

	vmds_sessions_set_limits(self->sessions, config->session_timeout, config->max_sessions);
	vmds_http_listener_set_limits(self->listener, &limits);
	self->max_body = config->max_body;
	self->max_import = config->max_import;
	g_free(self->spool_dir);
	self->spool_dir = g_strdup(config->state_dir);
	g_strfreev(self->server_names);
	self->server_names = g_strdupv(config->server_names);
}

/**
 * vmds_http_set_config:
 * @self: a #VmdsHttp
 * @config: the settings
 *
 * Applies the caps, timeouts and host names; the guests' descriptor reserve
 * is room for every guest connection the backchannel allows, and some.
 */
void
vmds_http_set_config(VmdsHttp *self, const VmdsConfig *config)
{
	vmds_http_call(self, vmds_http_set_config_cb, (gpointer)config);
}

static void
vmds_http_forget_credentials(VmdsHttp *self)
{
	g_clear_pointer(&self->username, g_free);
	if (self->password != NULL)
		memset(self->password, 0, strlen(self->password));
	g_clear_pointer(&self->password, g_free);
}

/* REST thread */
static void
vmds_http_set_credentials_cb(VmdsHttp *self, gpointer data)
{
	const gchar *username = ((const gchar **)data)[0];
	const gchar *password = ((const gchar **)data)[1];
	gboolean changed = self->password != NULL && (g_strcmp0(self->username, username) != 0 ||
						      g_strcmp0(self->password, password) != 0);

	vmds_http_forget_credentials(self);
	self->username = g_strdup(username);
	self->password = g_strdup(password);
	if (changed)
		g_message("the REST credentials changed: %u sessions ended",
			  vmds_sessions_remove_all(self->sessions));
}

/**
 * vmds_http_set_credentials:
 * @self: a #VmdsHttp
 * @username: (nullable): the REST user
 * @password: (nullable): its password
 *
 * A change of either ends every session.
 */
void
vmds_http_set_credentials(VmdsHttp *self, const gchar *username, const gchar *password)
{
	const gchar *data[] = {username, password};

	vmds_http_call(self, vmds_http_set_credentials_cb, data);
}

/**
 * vmds_http_get_router:
 * @self: a #VmdsHttp
 *
 * Returns: (transfer none): its router, for the main thread
 */
VmdsRouter *
vmds_http_get_router(VmdsHttp *self)
{
	return self->router;
}

/**
 * vmds_http_add_routes:
 * @self: a #VmdsHttp
 * @routes: (element-type VmdsRoute): routes a plugin registered; borrowed
 *
 * The routes run in the main thread.
 */
void
vmds_http_add_routes(VmdsHttp *self, GPtrArray *routes)
{
	vmds_router_add_routes(self->router, routes);
}

/* how long closing waits for libsoup to let the connections go: 2 s */
#define VMDS_HTTP_DRAIN_TICK_MS 10
#define VMDS_HTTP_DRAIN_TICKS	200

/* REST thread: the loop ends once libsoup has let every connection go, or
 * after a while */
static gboolean
vmds_http_drain_cb(gpointer user_data)
{
	VmdsHttp *self = user_data;

	if (vmds_http_listener_get_count(self->listener) > 0 && --self->drain_ticks > 0)
		return G_SOURCE_CONTINUE;
	g_main_loop_quit(self->loop);
	return G_SOURCE_REMOVE;
}

/* REST thread: stops listening and ends the connections */
static void
vmds_http_close_cb(VmdsHttp *self, gpointer data)
{
	GSource *drain = g_timeout_source_new(VMDS_HTTP_DRAIN_TICK_MS);

	vmds_http_listener_close(self->listener);
	self->drain_ticks = VMDS_HTTP_DRAIN_TICKS;
	g_source_set_callback(drain, vmds_http_drain_cb, self, NULL);
	g_source_attach(drain, self->context);
	g_source_unref(drain);
}

/**
 * vmds_http_close:
 * @self: a #VmdsHttp
 *
 * Stops listening (the unix socket goes), ends every connection, and stops
 * the REST thread. Requests already handed to the main thread are answered
 * `503`, or dropped with their connection.
 */
void
vmds_http_close(VmdsHttp *self)
{
	if (self->thread == NULL)
		return;
	self->closed = TRUE;
	vmds_http_call(self, vmds_http_close_cb, NULL);
	g_thread_join(g_steal_pointer(&self->thread));
	/* what the REST thread left: its message ends are run here now, then
	 * the main thread's part of the jobs */
	soup_server_disconnect(self->server);
	while (g_main_context_pending(self->context))
		g_main_context_iteration(self->context, FALSE);
	while (g_atomic_int_get(&self->jobs) > 0 && g_main_context_pending(self->main_context))
		g_main_context_iteration(self->main_context, FALSE);
}

static gpointer
vmds_http_thread_cb(gpointer data)
{
	VmdsHttp *self = data;

	g_main_context_push_thread_default(self->context);
	g_main_loop_run(self->loop);
	g_main_context_pop_thread_default(self->context);
	return NULL;
}

/**
 * vmds_http_new:
 * @context: the daemon, whose VMs routes name
 * @users: the users who may log in besides the configured administrator;
 *   borrowed, it must outlive the server
 *
 * Returns: (transfer full): a REST server, its thread running, not listening
 *   yet
 */
VmdsHttp *
vmds_http_new(VmdsContext *context, VmdsUsers *users)
{
	VmdsHttp *self = g_object_new(VMDS_TYPE_HTTP, NULL);

	self->users = users;
	self->router = vmds_router_new(context);
	self->thread = g_thread_new("vmds-rest", vmds_http_thread_cb, self);
	return self;
}

static void
vmds_http_init(VmdsHttp *self)
{
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->main_context = g_main_context_ref_thread_default();
	self->context = g_main_context_new();
	self->loop = g_main_loop_new(self->context, FALSE);
	/* made here, used in the REST thread only once it runs: what they
	 * attach goes to its context */
	g_main_context_push_thread_default(self->context);
	/* no Server header: what runs here is nobody's business */
	/* raw paths: a key's %2F and %2E stay what they are until the router
	 * decodes each segment (libsoup would decode the path whole, and refuse
	 * a key that decodes to a `..` segment) */
	self->server = soup_server_new("server-header", NULL, "raw-paths", TRUE, NULL);
	self->listener = vmds_http_listener_new(self->server);
	g_signal_connect(self->listener, "client-left", G_CALLBACK(vmds_http_client_left_cb), self);
	g_main_context_pop_thread_default(self->context);
	self->sessions = vmds_sessions_new(VMDS_CONFIG_DEFAULT_SESSION_TIMEOUT,
					   VMDS_CONFIG_DEFAULT_MAX_SESSIONS);
	self->throttle =
	    vmds_login_throttle_new(VMDS_HTTP_THROTTLE_CLIENTS, VMDS_HTTP_THROTTLE_ACCOUNTS);
	self->max_body = VMDS_CONFIG_DEFAULT_MAX_BODY;
	self->max_import = VMDS_CONFIG_DEFAULT_MAX_IMPORT;
	self->spool_dir = g_strdup(g_get_tmp_dir());
	soup_server_add_early_handler(self->server, NULL, vmds_http_early_cb, self, NULL);
	soup_server_add_handler(self->server, NULL, vmds_http_handler_cb, self, NULL);
}

static void
vmds_http_finalize(GObject *obj)
{
	VmdsHttp *self = VMDS_HTTP(obj);

	vmds_http_close(self);
	g_clear_object(&self->listener);
	g_object_unref(self->server);
	vmds_sessions_free(self->sessions);
	vmds_login_throttle_free(self->throttle);
	vmds_router_free(self->router);
	vmds_http_forget_credentials(self);
	g_free(self->url);
	g_free(self->spool_dir);
	g_strfreev(self->server_names);
	g_main_loop_unref(self->loop);
	g_main_context_unref(self->context);
	g_main_context_unref(self->main_context);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	G_OBJECT_CLASS(vmds_http_parent_class)->finalize(obj);
}

static void
vmds_http_class_init(VmdsHttpClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = vmds_http_finalize;
}
