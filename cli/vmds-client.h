/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* seconds a request may take before the call fails */
#define VMDS_CLIENT_TIMEOUT 30

typedef struct _VmdsClient VmdsClient;

/* how much of a streamed body went so far, in bytes */
typedef void (*VmdsClientProgressFunc)(goffset done, gpointer user_data);

VmdsClient *
vmds_client_new(const gchar *url, const gchar *ca_file, gboolean insecure, GError **error);
void vmds_client_free(VmdsClient *self);
const gchar *vmds_client_get_url(VmdsClient *self);
gboolean vmds_client_is_local(VmdsClient *self);
gboolean
vmds_client_login(VmdsClient *self, const gchar *username, const gchar *password, GError **error);
void vmds_client_logout(VmdsClient *self);
gboolean vmds_client_call(VmdsClient *self,
			  const gchar *method,
			  const gchar *path,
			  JsonNode *body,
			  JsonNode **reply,
			  GError **error);
gboolean vmds_client_download(VmdsClient *self,
			      const gchar *path,
			      const gchar *content_type,
			      GOutputStream *out,
			      const gchar *out_name,
			      VmdsClientProgressFunc progress,
			      gpointer user_data,
			      GError **error);
gboolean vmds_client_upload(VmdsClient *self,
			    const gchar *method,
			    const gchar *path,
			    const gchar *content_type,
			    GInputStream *body,
			    goffset length,
			    VmdsClientProgressFunc progress,
			    gpointer user_data,
			    JsonNode **reply,
			    GError **error);

const gchar *vmds_client_node_get_string(JsonNode *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsClient, vmds_client_free)

G_END_DECLS
