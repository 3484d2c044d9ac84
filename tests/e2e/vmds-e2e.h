/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <check.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The end-to-end fixture: a real vmdsd in a fresh temp directory (its own
 * state dir, run dir, config file, free port), ready when it says READY=1 on
 * $NOTIFY_SOCKET; the real vmtoolsd and vmds run against it; REST over
 * libsoup; raw packets over the unix socket. Binaries come from $VMDSD,
 * $VMTOOLSD, $VMDS_CLI and $VMDS_PLUGINDIR.
 */

typedef struct _VmdsE2e VmdsE2e;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

/* what a finished process wrote and how it ended */
typedef struct {
	gchar *out; /* NUL-terminated; out_len bytes */
	gsize out_len;
	gchar *err;
	gsize err_len;
	gint status; /* exit status, or 128 + signal */
} VmdsE2eRun;

/* a REST reply */
typedef struct {
	guint status;
	gchar *body; /* NUL-terminated; body_len bytes */
	gsize body_len;
} VmdsE2eReply;

VmdsE2e *vmds_e2e_new(const gchar *config);
VmdsE2e *vmds_e2e_new_on(const gchar *config, const gchar *state_dir);
VmdsE2e *vmds_e2e_new_measured(const gchar *config);
VmdsE2e *vmds_e2e_new_https(const gchar *config);
void vmds_e2e_free(VmdsE2e *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsE2e, vmds_e2e_free)

void vmds_e2e_start(VmdsE2e *self);
void vmds_e2e_stop(VmdsE2e *self);
void vmds_e2e_wait_exit(VmdsE2e *self);
void vmds_e2e_kill(VmdsE2e *self);
void vmds_e2e_restart(VmdsE2e *self);
void vmds_e2e_set_fd_limit(VmdsE2e *self, guint64 limit);
void vmds_e2e_reload(VmdsE2e *self, const gchar *config);
gboolean vmds_e2e_try_start(VmdsE2e *self, gint *status);

const gchar *vmds_e2e_getenv(const gchar *name);
gboolean vmds_e2e_env_uint(const gchar *name, guint fallback, guint *value);
GHashTable *vmds_e2e_strings_copy(GHashTable *table);
gboolean vmds_e2e_strings_equal(GHashTable *a, GHashTable *b);
const gchar *vmds_e2e_get_tmp(VmdsE2e *self);
const gchar *vmds_e2e_get_state_dir(VmdsE2e *self);
const gchar *vmds_e2e_get_run_dir(VmdsE2e *self);
const gchar *vmds_e2e_get_url(VmdsE2e *self);
const gchar *vmds_e2e_get_password(VmdsE2e *self);
gchar *vmds_e2e_socket_path(VmdsE2e *self, const gchar *vm);
gchar *vmds_e2e_channel(VmdsE2e *self, const gchar *vm);
gchar *vmds_e2e_write_file(VmdsE2e *self, const gchar *name, const gchar *data, gsize len);
gchar *vmds_e2e_read_log(VmdsE2e *self);

/* processes */
VmdsE2eRun *vmds_e2e_run(VmdsE2e *self,
			 const gchar *const *argv,
			 const gchar *const *env,
			 const gchar *input,
			 gsize input_len);
VmdsE2eRun *vmds_e2e_vmtoolsd(VmdsE2e *self, const gchar *cmd);
gboolean vmds_e2e_can_run_as(const gchar *what);
VmdsE2eRun *vmds_e2e_vmtoolsd_as(
    VmdsE2e *self, guint uid, guint gid, const gchar *groups, const gchar *vm, const gchar *cmd);
VmdsE2eRun *
vmds_e2e_vmtoolsd_argv(VmdsE2e *self, const gchar *const *args, const gchar *const *env);
VmdsE2eRun *vmds_e2e_vmds(VmdsE2e *self, const gchar *const *args);
VmdsE2eRun *
vmds_e2e_vmds_input(VmdsE2e *self, const gchar *const *args, const gchar *input, gsize len);
VmdsE2eRun *vmds_e2e_shell(VmdsE2e *self, const gchar *script);
void vmds_e2e_run_free(VmdsE2eRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsE2eRun, vmds_e2e_run_free)

/* REST */
VmdsE2eReply *
vmds_e2e_rest(VmdsE2e *self, const gchar *method, const gchar *path, const gchar *body);
VmdsE2eReply *vmds_e2e_rest_len(
    VmdsE2e *self, const gchar *method, const gchar *path, const gchar *body, gsize body_len);
VmdsE2eReply *vmds_e2e_http(VmdsE2e *self,
			    const gchar *method,
			    const gchar *path,
			    const gchar *const *headers,
			    const gchar *body,
			    gsize body_len);
void vmds_e2e_reply_free(VmdsE2eReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsE2eReply, vmds_e2e_reply_free)
gchar *vmds_e2e_error_type(const VmdsE2eReply *reply);

/* raw guest protocol */
gint vmds_e2e_connect(VmdsE2e *self, const gchar *vm);
void vmds_e2e_send(gint fd, const guint8 *data, gsize len);
void vmds_e2e_send_request(gint fd, const gchar *text, gsize len, gboolean fast_close);
gchar *vmds_e2e_read_reply(gint fd, gsize *len);
gint vmds_e2e_wait_eof(gint fd, gint timeout_ms);
gint vmds_e2e_close_timeout_ms(void);
gboolean vmds_e2e_wait_closed(VmdsE2e *self, gint fd);
gsize vmds_e2e_daemon_rss_kib(VmdsE2e *self);
gint64 vmds_e2e_report_latency(const gchar *test, const gchar *what, GArray *times, gint64 *p99);

/* helpers for tests */
gchar *vmds_e2e_json_string(const gchar *text, gssize len);
gchar *vmds_e2e_keys(VmdsE2e *self, const gchar *dataset);
void vmds_e2e_create_dataset(
    VmdsE2e *self, const gchar *vm, const gchar *name, const gchar *host, const gchar *guest);
void vmds_e2e_put(VmdsE2e *self, const gchar *dataset, const gchar *key, const gchar *value);
gchar *vmds_e2e_dump(VmdsE2e *self, const gchar *dataset);
gboolean vmds_e2e_is_root(void);
GPid vmds_e2e_get_pid(VmdsE2e *self);
void vmds_e2e_assert_ok(const VmdsE2eRun *run, const gchar *json);
void vmds_e2e_assert_failure(const VmdsE2eRun *run, const gchar *error_id);

#define vmds_e2e_assert_run(run, exp_status, exp_out, exp_err)                                     \
	G_STMT_START                                                                               \
	{                                                                                          \
		ck_assert_msg((run)->status == (exp_status),                                       \
			      "exit status %d, expected %d; stdout [%s] stderr [%s]",              \
			      (run)->status,                                                       \
			      (exp_status),                                                        \
			      (run)->out,                                                          \
			      (run)->err);                                                         \
		ck_assert_str_eq((run)->out, (exp_out));                                           \
		ck_assert_str_eq((run)->err, (exp_err));                                           \
	}                                                                                          \
	G_STMT_END

#define vmds_e2e_assert_reply(reply, exp_status, exp_body)                                         \
	G_STMT_START                                                                               \
	{                                                                                          \
		ck_assert_msg((reply)->status == (exp_status),                                     \
			      "HTTP %u, expected %u: %s",                                          \
			      (reply)->status,                                                     \
			      (guint)(exp_status),                                                 \
			      (reply)->body);                                                      \
		ck_assert_str_eq((reply)->body, (exp_body));                                       \
	}                                                                                          \
	G_STMT_END

#define vmds_e2e_assert_error(reply, exp_status, exp_type)                                         \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *type__ = vmds_e2e_error_type(reply);                             \
		ck_assert_msg((reply)->status == (exp_status),                                     \
			      "HTTP %u, expected %u: %s",                                          \
			      (reply)->status,                                                     \
			      (guint)(exp_status),                                                 \
			      (reply)->body);                                                      \
		ck_assert_msg(g_strcmp0(type__, (exp_type)) == 0,                                  \
			      "error_type %s, expected %s: %s",                                    \
			      type__,                                                              \
			      (exp_type),                                                          \
			      (reply)->body);                                                      \
	}                                                                                          \
	G_STMT_END

/* crash consistency, exhaustion, secrets */
VmdsE2e *vmds_e2e_new_args(const gchar *config, const gchar *state_dir, const gchar *const *args);
gchar *vmds_e2e_store_path(VmdsE2e *self, const gchar *vm);
gchar *vmds_e2e_integrity_check(VmdsE2e *self, const gchar *vm);

G_END_DECLS

/*
 * Hostile peers and access control (test-e2e-hostile-guest.c,
 * test-e2e-hostile-rest.c, test-e2e-auth.c): HTTP on a raw TCP connection
 * (or the REST unix socket, or TLS), so a test controls every byte of a
 * request (a path libsoup's client would normalise, headers without a body)
 * and sees every header of the reply; a source address on 127.0.0.0/8 per
 * connection, so per-client rate limits can be told apart; the state of any
 * VM as text.
 */

G_BEGIN_DECLS

typedef struct {
	guint status;	/* from the status line */
	gchar *headers; /* the header block, lines ending in \r\n */
	gchar *body;	/* NUL-terminated; body_len bytes */
	gsize body_len;
} VmdsE2eRawReply;

gint vmds_e2e_http_connect(VmdsE2e *self, const gchar *source);
gint vmds_e2e_http_connect_unix(VmdsE2e *self);
VmdsE2eRawReply *vmds_e2e_http_read(gint fd, gint timeout_ms);
VmdsE2eRawReply *
vmds_e2e_http_raw(VmdsE2e *self, const gchar *source, const gchar *request, gsize len);
VmdsE2eRawReply *vmds_e2e_https_raw(VmdsE2e *self, const gchar *request, gsize len);
void vmds_e2e_raw_reply_free(VmdsE2eRawReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsE2eRawReply, vmds_e2e_raw_reply_free)
gchar *vmds_e2e_raw_reply_header(const VmdsE2eRawReply *reply, const gchar *name);
gchar *vmds_e2e_raw_error_type(const VmdsE2eRawReply *reply);
gchar *vmds_e2e_raw_error_message(const VmdsE2eRawReply *reply);
const gchar *vmds_e2e_get_session(VmdsE2e *self);
gchar *vmds_e2e_basic_auth(const gchar *user, const gchar *password, gssize password_len);
gchar *vmds_e2e_dump_vm(VmdsE2e *self, const gchar *vm);

G_END_DECLS
