/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-deferred.h"
#include "vmds-error.h"

/*
 * A reply that comes later: a guest command or a REST route that waits for
 * something (a long poll) defers its reply, and returns it when it can.
 * Its deadline runs from when it was deferred; at the deadline the core
 * answers VMDS_ERROR_TIMED_OUT. When the client goes (or the command is run
 * again after its group failed to commit) the core cancels it. Either way
 * the plugin's cancellable is cancelled, and a later return does nothing.
 * Everything happens in the main thread.
 */

typedef enum {
	VMDS_DEFERRED_PENDING,	/* waiting for the plugin */
	VMDS_DEFERRED_RETURNED, /* returned before the core started it */
	VMDS_DEFERRED_DONE,	/* answered, timed out or cancelled */
} VmdsDeferredState;

struct _VmdsDeferred {
	gatomicrefcount ref;
	VmdsDeferredState state;
	VmdsDeferredFunc func; /* (nullable): until the core starts it */
	gpointer user_data;
	GError *error; /* what was returned before the start */
	GString *reply;
	guint status;
	GCancellable *cancellable;
	GSource *timeout;
	gint64 deadline; /* monotonic µs; 0 for none */
};

static void
vmds_deferred_stop_timer(VmdsDeferred *self)
{
	if (self->timeout == NULL)
		return;
	g_source_destroy(self->timeout);
	g_clear_pointer(&self->timeout, g_source_unref);
}

/* the reply is there, or why not: to the core, once it started */
static void
vmds_deferred_finish(VmdsDeferred *self, GError *error)
{
	if (self->state != VMDS_DEFERRED_PENDING) {
		g_clear_error(&error);
		return;
	}
	vmds_deferred_stop_timer(self);
	if (error != NULL)
		g_cancellable_cancel(self->cancellable);
	if (self->func == NULL) {
		self->state = VMDS_DEFERRED_RETURNED;
		self->error = error;
		return;
	}
	self->state = VMDS_DEFERRED_DONE;
	self->func(self, error, self->user_data);
	g_clear_error(&error);
}

static gboolean
vmds_deferred_timeout_cb(gpointer user_data)
{
	VmdsDeferred *self = vmds_deferred_ref(user_data);

	g_clear_pointer(&self->timeout, g_source_unref);
	vmds_deferred_finish(self,
			     g_error_new_literal(VMDS_ERROR,
						 VMDS_ERROR_TIMED_OUT,
						 "no reply came before the deadline"));
	vmds_deferred_unref(self);
	return G_SOURCE_REMOVE;
}

/**
 * vmds_deferred_new:
 * @timeout_ms: the deadline, from now; 0 for none
 *
 * For the core: what vmds_call_defer() and vmds_request_defer() make.
 *
 * Returns: (transfer full): a reply to come
 */
VmdsDeferred *
vmds_deferred_new(guint timeout_ms)
{
	VmdsDeferred *self = g_new0(VmdsDeferred, 1);

	g_atomic_ref_count_init(&self->ref);
	self->reply = g_string_new(NULL);
	self->status = 200;
	self->cancellable = g_cancellable_new();
	if (timeout_ms > 0) {
		self->deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
		self->timeout = g_timeout_source_new(timeout_ms);
		g_source_set_callback(self->timeout, vmds_deferred_timeout_cb, self, NULL);
		g_source_attach(self->timeout, NULL);
	}
	return self;
}

/**
 * vmds_deferred_start:
 * @self: a #VmdsDeferred
 * @func: called once, with the reply or why there is none
 * @user_data: for @func
 *
 * For the core, once the command or route that deferred returned: from now
 * on @func gets the reply; now, when it came already.
 */
void
vmds_deferred_start(VmdsDeferred *self, VmdsDeferredFunc func, gpointer user_data)
{
	g_return_if_fail(self->func == NULL);

	self->func = func;
	self->user_data = user_data;
	if (self->state == VMDS_DEFERRED_RETURNED) {
		g_autoptr(GError) error = g_steal_pointer(&self->error);
		self->state = VMDS_DEFERRED_DONE;
		func(self, error, user_data);
	}
}

VmdsDeferred *
vmds_deferred_ref(VmdsDeferred *self)
{
	g_atomic_ref_count_inc(&self->ref);
	return self;
}

void
vmds_deferred_unref(VmdsDeferred *self)
{
	if (!g_atomic_ref_count_dec(&self->ref))
		return;
	vmds_deferred_stop_timer(self);
	g_clear_error(&self->error);
	g_string_free(self->reply, TRUE);
	g_object_unref(self->cancellable);
	g_free(self);
}

/**
 * vmds_deferred_get_reply:
 * @self: a #VmdsDeferred
 *
 * Returns: (transfer none): where the reply goes, as the command or the
 *   route would have written it into #VmdsCall.reply or
 *   #VmdsRequest.response
 */
GString *
vmds_deferred_get_reply(VmdsDeferred *self)
{
	return self->reply;
}

/**
 * vmds_deferred_set_status:
 * @self: a #VmdsDeferred
 * @status: the HTTP status of a REST reply; 200 unless set
 */
void
vmds_deferred_set_status(VmdsDeferred *self, guint status)
{
	self->status = status;
}

guint
vmds_deferred_get_status(VmdsDeferred *self)
{
	return self->status;
}

/**
 * vmds_deferred_get_deadline:
 * @self: a #VmdsDeferred
 *
 * Returns: when the reply times out, in monotonic µs; 0 for never
 */
gint64
vmds_deferred_get_deadline(VmdsDeferred *self)
{
	return self->deadline;
}

/**
 * vmds_deferred_get_cancellable:
 * @self: a #VmdsDeferred
 *
 * Returns: (transfer none): cancelled when the reply is no longer wanted:
 *   its deadline passed, its client went, or the daemon stops
 */
GCancellable *
vmds_deferred_get_cancellable(VmdsDeferred *self)
{
	return self->cancellable;
}

/**
 * vmds_deferred_is_done:
 * @self: a #VmdsDeferred
 *
 * Returns: whether the reply was returned, timed out or was cancelled
 */
gboolean
vmds_deferred_is_done(VmdsDeferred *self)
{
	return self->state != VMDS_DEFERRED_PENDING;
}

/**
 * vmds_deferred_return:
 * @self: (transfer full): a #VmdsDeferred
 * @error: (transfer full) (nullable): why the command or route failed, or
 *   %NULL when its reply is in vmds_deferred_get_reply()
 *
 * Sends the reply, unless it is no longer wanted; either way the caller's
 * reference goes.
 */
void
vmds_deferred_return(VmdsDeferred *self, GError *error)
{
	vmds_deferred_finish(self, error);
	vmds_deferred_unref(self);
}

/**
 * vmds_deferred_cancel:
 * @self: a #VmdsDeferred
 *
 * For the core: the reply is no longer wanted; nothing is called.
 */
void
vmds_deferred_cancel(VmdsDeferred *self)
{
	if (self->state == VMDS_DEFERRED_DONE)
		return;
	self->state = VMDS_DEFERRED_DONE;
	g_clear_error(&self->error);
	vmds_deferred_stop_timer(self);
	g_cancellable_cancel(self->cancellable);
}
