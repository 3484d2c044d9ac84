/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* [vmware] the port the real tools use for guest→host requests */
#define VMDS_CHANNEL_VSOCK_PORT 976
/* a client refuses replies larger than this (a page holds one 1 MiB value at
 * most, which JSON escaping can grow six-fold) */
#define VMDS_CHANNEL_MAX_REPLY (8 * 1024 * 1024)

typedef enum {
	VMDS_CHANNEL_UNIX,
	VMDS_CHANNEL_VSOCK,
} VmdsChannelKind;

/**
 * VmdsChannelAddress:
 * @kind: unix socket or vsock
 * @path: the socket path, for %VMDS_CHANNEL_UNIX
 * @cid: the context id, for %VMDS_CHANNEL_VSOCK
 * @port: the port, for %VMDS_CHANNEL_VSOCK
 *
 * A parsed `unix:PATH` or `vsock:CID:PORT` address.
 */
typedef struct {
	VmdsChannelKind kind;
	gchar *path;
	guint32 cid;
	guint32 port;
} VmdsChannelAddress;

VmdsChannelAddress *vmds_channel_address_parse(const gchar *text, GError **error);
gchar *vmds_channel_address_to_string(const VmdsChannelAddress *address);
void vmds_channel_address_free(VmdsChannelAddress *address);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsChannelAddress, vmds_channel_address_free)

gint vmds_channel_connect(const VmdsChannelAddress *address, guint timeout_ms, GError **error);
GBytes *vmds_channel_call(gint fd,
			  const guint8 *request,
			  gsize request_len,
			  gboolean fast_close,
			  guint timeout_ms,
			  GError **error);

G_END_DECLS
