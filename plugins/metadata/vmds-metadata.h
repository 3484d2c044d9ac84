/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-metadata-value.h"
#include "vmds.h"

G_BEGIN_DECLS

/* the characters of a key at most */
#define VMDS_METADATA_MAX_KEY_CHARS 256
/* per object: GENERAL, then SYSTEM and VCENTER together */
#define VMDS_METADATA_GENERAL_MAX_ENTRIES 1024
#define VMDS_METADATA_GENERAL_MAX_BYTES	  131072
#define VMDS_METADATA_SYSTEM_MAX_ENTRIES  128
#define VMDS_METADATA_SYSTEM_MAX_BYTES	  16384

/* the objects metadata is on */
#define VMDS_METADATA_OBJECT_VM	     "vm"
#define VMDS_METADATA_OBJECT_DATASET "dataset"

/**
 * VmdsMetadataDomain:
 * @VMDS_METADATA_GENERAL: the owner's and administrators' (vCD's default)
 * @VMDS_METADATA_SYSTEM: written by administrators only, READONLY or PRIVATE
 * @VMDS_METADATA_VCENTER: on VMs only, for administrators and holders of
 *   the vcenter-metadata right
 */
typedef enum {
	VMDS_METADATA_GENERAL,
	VMDS_METADATA_SYSTEM,
	VMDS_METADATA_VCENTER,
} VmdsMetadataDomain;

#define VMDS_METADATA_DOMAIN_LAST (VMDS_METADATA_VCENTER + 1)

/**
 * VmdsMetadataVisibility:
 * @VMDS_METADATA_READWRITE: GENERAL and VCENTER entries
 * @VMDS_METADATA_READONLY: a SYSTEM entry the owner reads
 * @VMDS_METADATA_PRIVATE: a SYSTEM entry only administrators know of
 */
typedef enum {
	VMDS_METADATA_READWRITE,
	VMDS_METADATA_READONLY,
	VMDS_METADATA_PRIVATE,
} VmdsMetadataVisibility;

#define VMDS_METADATA_VISIBILITY_LAST (VMDS_METADATA_PRIVATE + 1)

/**
 * VmdsMetadataEntry:
 * @domain: its domain
 * @visibility: READWRITE in GENERAL and VCENTER; READONLY or PRIVATE in
 *   SYSTEM
 * @key: its key, unique in the domain of its object
 * @type: its value's type
 * @value: its value: as sent on the way in, canonical once written (the
 *   engine replaces it) and on the way out
 * @num: what the query index compares (vmds_metadata_parse_value()); 0 for
 *   a STRING
 *
 * One name=value pair of vCD's object metadata.
 */
typedef struct {
	VmdsMetadataDomain domain;
	VmdsMetadataVisibility visibility;
	gchar *key;
	VmdsMetadataType type;
	gchar *value;
	gint64 num;
} VmdsMetadataEntry;

/**
 * VmdsMetadataViewer:
 * @user: the caller's user name, for messages only: who may reach the
 *   object (an administrator, or its owner) is decided before the engine
 * @administrator: whether the caller is an administrator
 * @vcenter_metadata: whether the caller holds the right "vcenter-metadata"
 *
 * Who calls, as the engine's access rules see it.
 */
typedef struct {
	const gchar *user;
	gboolean administrator;
	gboolean vcenter_metadata;
} VmdsMetadataViewer;

/**
 * VmdsMetadataObject:
 * @type: %VMDS_METADATA_OBJECT_VM or %VMDS_METADATA_OBJECT_DATASET
 * @name: "" for the VM; the data set's name
 *
 * What of the VM an entry is on. The engine does not check that a data set
 * of that name exists: its caller resolves the object first.
 */
typedef struct {
	const gchar *type;
	const gchar *name;
} VmdsMetadataObject;

extern const VmdsStoreSchema vmds_metadata_schema;

VmdsMetadataEntry *vmds_metadata_entry_new(VmdsMetadataDomain domain,
					   VmdsMetadataVisibility visibility,
					   const gchar *key,
					   VmdsMetadataType type,
					   const gchar *value);
void vmds_metadata_entry_free(VmdsMetadataEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsMetadataEntry, vmds_metadata_entry_free)

const gchar *vmds_metadata_domain_to_string(VmdsMetadataDomain domain);
gboolean vmds_metadata_domain_from_string(const gchar *text, VmdsMetadataDomain *domain);
const gchar *vmds_metadata_visibility_to_string(VmdsMetadataVisibility visibility);
gboolean vmds_metadata_visibility_from_string(const gchar *text,
					      VmdsMetadataVisibility *visibility);

gboolean vmds_metadata_check_key(const gchar *key, GError **error);
GPtrArray *vmds_metadata_list(VmdsStore *store,
			      const VmdsMetadataObject *object,
			      const VmdsMetadataViewer *viewer,
			      GError **error);
VmdsMetadataEntry *vmds_metadata_get(VmdsStore *store,
				     const VmdsMetadataObject *object,
				     const VmdsMetadataViewer *viewer,
				     VmdsMetadataDomain domain,
				     const gchar *key,
				     GError **error);
gboolean vmds_metadata_merge(VmdsStore *store,
			     const VmdsMetadataObject *object,
			     const VmdsMetadataViewer *viewer,
			     GPtrArray *entries,
			     GError **error);
gboolean vmds_metadata_set(VmdsStore *store,
			   const VmdsMetadataObject *object,
			   const VmdsMetadataViewer *viewer,
			   VmdsMetadataEntry *entry,
			   GError **error);
gboolean vmds_metadata_remove(VmdsStore *store,
			      const VmdsMetadataObject *object,
			      const VmdsMetadataViewer *viewer,
			      VmdsMetadataDomain domain,
			      const gchar *key,
			      GError **error);
gboolean
vmds_metadata_remove_object(VmdsStore *store, const VmdsMetadataObject *object, GError **error);
gboolean vmds_metadata_get_generation(VmdsStore *store, guint64 *generation, GError **error);

G_END_DECLS
