/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "vmds-peer.h"

/* who is at the other end of a unix socket, beyond SO_PEERCRED */

/**
 * vmds_peer_in_group:
 * @fd: a connected unix socket
 * @gid: the peer's primary group (SO_PEERCRED)
 * @group: a group, or (gid_t)-1 for none
 *
 * Returns: whether the peer is a member of @group, by its primary group or
 *   one of its supplementary groups (SO_PEERGROUPS)
 */
gboolean
vmds_peer_in_group(gint fd, gid_t gid, gid_t group)
{
	g_autofree gid_t *groups = NULL;
	socklen_t len = 64 * sizeof(gid_t);

	if (group == (gid_t)-1)
		return FALSE;
	if (gid == group)
		return TRUE;
	groups = g_new(gid_t, len / sizeof(gid_t));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		/* ERANGE says how many there are; the kernel caps them at 65536 */
		if (errno != ERANGE || len > 65536 * sizeof(gid_t))
			return FALSE;
		groups = g_renew(gid_t, groups, len / sizeof(gid_t));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			return FALSE;
	}
	for (guint i = 0; i < len / sizeof(gid_t); i++) {
		if (groups[i] == group)
			return TRUE;
	}
	return FALSE;
}
