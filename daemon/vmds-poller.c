/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "vmds-poller.h"

/*
 * Many file descriptors behind one GLib source: an epoll set whose own fd is
 * the only one the main loop polls. The loop's cost per turn then no longer
 * grows with the number of guest connections and sockets, a descriptor whose
 * interest changes costs one epoll_ctl instead of a rebuilt poll array, and
 * every request that is ready in one turn is read in one dispatch, so its
 * owner can answer them together (group commit) before the loop goes on.
 *
 * Level-triggered: a watch that leaves data unread is called again next turn.
 * The owner's done function runs at the end of each dispatch, and also when
 * the time given to vmds_poller_wake_at() has come (timeouts).
 */

#define VMDS_POLLER_MAX_EVENTS 64

typedef struct {
	GSource source;
	VmdsPoller *poller;
} VmdsPollerSource;

struct _VmdsPoller {
	gint epfd;
	GSource *source;
	VmdsPollerDoneFunc done_func;
	gpointer user_data;
	/* the events being served, so a watch removed meanwhile is skipped */
	struct epoll_event events[VMDS_POLLER_MAX_EVENTS];
	gint n_events;
	gint current;
	gboolean dispatching;
};

static gboolean
vmds_poller_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	VmdsPoller *self = ((VmdsPollerSource *)source)->poller;
	gint64 ready_time = g_source_get_ready_time(source);
	gboolean woken = ready_time >= 0 && g_source_get_time(source) >= ready_time;
	gint n;

	/* a main loop run from a watch's function waits for this turn to end */
	if (self->dispatching)
		return G_SOURCE_CONTINUE;
	self->dispatching = TRUE;
	do {
		n = epoll_wait(self->epfd, self->events, VMDS_POLLER_MAX_EVENTS, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		g_warning("cannot wait for guest sockets: %s", g_strerror(errno));
		n = 0;
	}
	self->n_events = n;
	for (self->current = 0; self->current < n; self->current++) {
		VmdsPollerWatch *watch = self->events[self->current].data.ptr;
		if (watch != NULL)
			watch->func(self->events[self->current].events, watch->user_data);
	}
	self->n_events = 0;
	if (woken)
		g_source_set_ready_time(source, -1);
	self->done_func(woken, self->user_data);
	self->dispatching = FALSE;
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs vmds_poller_source_funcs = {
    .dispatch = vmds_poller_dispatch,
};

/**
 * vmds_poller_new:
 * @done_func: called at the end of each turn that served watches or woke up
 * @user_data: for @done_func
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): a poller attached to the default main context,
 * or %NULL
 */
VmdsPoller *
vmds_poller_new(VmdsPollerDoneFunc done_func, gpointer user_data, GError **error)
{
	g_autoptr(VmdsPoller) self = g_new0(VmdsPoller, 1);

	self->done_func = done_func;
	self->user_data = user_data;
	self->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (self->epfd < 0) {
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errno),
			    "cannot create an epoll set: %s",
			    g_strerror(errno));
		return NULL;
	}
	self->source = g_source_new(&vmds_poller_source_funcs, sizeof(VmdsPollerSource));
	((VmdsPollerSource *)self->source)->poller = self;
	g_source_set_name(self->source, "vmds-poller");
	g_source_add_unix_fd(self->source, self->epfd, G_IO_IN);
	/* GLib blocks a source while it is dispatched by taking its fds out of
	 * the poll set and back, and each change wakes the loop once more: two
	 * eventfd writes and a spare loop turn for every dispatch; recursion is
	 * refused above instead */
	g_source_set_can_recurse(self->source, TRUE);
	g_source_attach(self->source, NULL);
	return g_steal_pointer(&self);
}

/**
 * vmds_poller_free:
 * @self: a #VmdsPoller whose watches were all removed
 */
void
vmds_poller_free(VmdsPoller *self)
{
	if (self == NULL)
		return;
	if (self->source != NULL) {
		g_source_destroy(self->source);
		g_source_unref(self->source);
	}
	if (self->epfd >= 0)
		close(self->epfd);
	g_free(self);
}

/**
 * vmds_poller_add:
 * @self: a #VmdsPoller
 * @watch: where the registration is kept; must stay until removed
 * @fd: a non-blocking file descriptor
 * @events: EPOLLIN, EPOLLOUT, or both
 * @func: called with the events when @fd is ready
 * @user_data: for @func
 * @error: a #GError or %NULL
 *
 * Starts watching @fd. Errors and hang-ups are always reported.
 */
gboolean
vmds_poller_add(VmdsPoller *self,
		VmdsPollerWatch *watch,
		gint fd,
		guint32 events,
		VmdsPollerFunc func,
		gpointer user_data,
		GError **error)
{
	struct epoll_event ev = {.events = events, .data.ptr = watch};

	if (epoll_ctl(self->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errno),
			    "cannot watch a socket: %s",
			    g_strerror(errno));
		watch->fd = -1;
		return FALSE;
	}
	watch->fd = fd;
	watch->events = events;
	watch->func = func;
	watch->user_data = user_data;
	return TRUE;
}

/**
 * vmds_poller_modify:
 * @self: a #VmdsPoller
 * @watch: a registered watch
 * @events: what to watch for now
 */
void
vmds_poller_modify(VmdsPoller *self, VmdsPollerWatch *watch, guint32 events)
{
	struct epoll_event ev = {.events = events, .data.ptr = watch};

	if (watch->fd < 0 || watch->events == events)
		return;
	/* cannot fail for a registered descriptor but on ENOMEM, which the
	 * kernel does not return for a modification */
	if (epoll_ctl(self->epfd, EPOLL_CTL_MOD, watch->fd, &ev) < 0)
		g_warning("cannot change what a socket is watched for: %s", g_strerror(errno));
	watch->events = events;
}

/**
 * vmds_poller_remove:
 * @self: a #VmdsPoller
 * @watch: a watch, registered or not
 *
 * Stops watching; events of this turn not served yet are dropped, so the
 * watch's owner may be freed once the call that removed it returns.
 */
void
vmds_poller_remove(VmdsPoller *self, VmdsPollerWatch *watch)
{
	if (watch->fd < 0)
		return;
	epoll_ctl(self->epfd, EPOLL_CTL_DEL, watch->fd, NULL);
	watch->fd = -1;
	for (gint i = self->current + 1; i < self->n_events; i++) {
		if (self->events[i].data.ptr == watch)
			self->events[i].data.ptr = NULL;
	}
}

/**
 * vmds_poller_wake_at:
 * @self: a #VmdsPoller
 * @when: a monotonic time, in microseconds
 *
 * Makes the done function run, with woken set, no later than @when (or
 * earlier, if an earlier time was asked for already).
 */
void
vmds_poller_wake_at(VmdsPoller *self, gint64 when)
{
	gint64 ready_time = g_source_get_ready_time(self->source);

	if (ready_time < 0 || when < ready_time)
		g_source_set_ready_time(self->source, when);
}

/**
 * vmds_poller_get_time:
 * @self: a #VmdsPoller
 *
 * Returns: the monotonic time of this main loop turn, in microseconds
 */
gint64
vmds_poller_get_time(VmdsPoller *self)
{
	return g_source_get_time(self->source);
}
