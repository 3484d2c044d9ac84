/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmds-export.h"
#include "vmds-migration-routes.h"
#include "vmds-vm-plugin.h"

/*
 * Moving a VM between daemons: `GET /api/vcenter/vm/{vm}?action=export`
 * and `POST /api/vcenter/vm?action=import`, actions of the built-in `vm`
 * plugin's routes. The file format is vmds-export.c's.
 */

/* the query parameter @name: a cid from 3 to 4294967294, or 0 for none */
static gboolean
vmds_migration_routes_query_cid(VmdsRequest *request, guint32 *cid, GError **error)
{
	const gchar *text = g_hash_table_lookup(request->query, "cid");
	guint64 n = 0;

	if (text == NULL)
		return TRUE;
	if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32 - 1, &n, NULL) || n == 1 ||
	    n == 2) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "query parameter 'cid' must be a whole number from 3 to "
				    "4294967294, or 0 for none");
		return FALSE;
	}
	*cid = (guint32)n;
	return TRUE;
}

/* a file with the body in it, for a body the REST server kept in memory */
static gint
vmds_migration_routes_body_file(VmdsRequest *request, GError **error)
{
	gint fd;
	gsize done = 0;

	if (request->body_fd >= 0)
		return dup(request->body_fd);
	fd = memfd_create("vmds-import", MFD_CLOEXEC);
	while (fd >= 0 && done < request->body_len) {
		gssize n = write(fd, request->body + done, request->body_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			fd = -1;
			break;
		}
		done += (gsize)n;
	}
	if (fd < 0)
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot take in the import: %s",
			    g_strerror(errno));
	return fd;
}

/*
 * POST /api/vcenter/vm?action=import[&name=NAME][&cid=CID][&owner=USER],
 * the body an export (GET /api/vcenter/vm/{vm}?action=export), checked
 * whole before anything is created. Administrators only: an export carries
 * the VM's store whole, metadata of the domains only administrators write
 * (SYSTEM, VCENTER) included, which a user could otherwise forge. Owners
 * are users of the daemon that exported, so none is carried: the import
 * has the owner it names, else none.
 */
gboolean
vmds_migration_routes_import(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_auto(VmdsExportInfo) info = {0};
	const gchar *name = g_hash_table_lookup(request->query, "name");
	const gchar *owner = g_hash_table_lookup(request->query, "owner");
	guint32 cid = 0;
	gboolean cid_given = g_hash_table_contains(request->query, "cid");
	VmdsVm *vm;
	gint fd;

	if (!request->caller.administrator) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_ACCESS_DENIED,
				    "only administrators import a VM: an export carries metadata "
				    "only administrators may write");
		return FALSE;
	}
	if (owner != NULL && owner[0] == '\0')
		owner = NULL;
	if (!vmds_migration_routes_query_cid(request, &cid, error))
		return FALSE;
	fd = vmds_migration_routes_body_file(request, error);
	if (fd < 0)
		return FALSE;
	if (!vmds_export_read(fd, &info, error)) {
		close(fd);
		return FALSE;
	}
	vm = vmds_context_import_vm(vmds_plugin_get_context(plugin),
				    name != NULL ? name : info.name,
				    owner,
				    cid_given ? cid : info.cid,
				    fd,
				    info.store_offset,
				    info.store_size,
				    error);
	close(fd);
	return vmds_vm_plugin_reply_created(request, vm, error);
}

/* GET /api/vcenter/vm/{vm}?action=export: the VM as one file, streamed.
 * Administrators only: it is the VM's store whole, with the metadata its
 * owner may not see (SYSTEM PRIVATE, VCENTER) */
gboolean
vmds_migration_routes_export(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsVm *vm = vmds_context_lookup_vm(vmds_plugin_get_context(plugin), request->vm);
	VmdsExport *export;

	if (!request->caller.administrator) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_ACCESS_DENIED,
				    "only administrators export a VM: an export carries all of its "
				    "data, metadata its owner may not see included");
		return FALSE;
	}
	if (vm->store == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
			    "VM %s is not served here (%s): export it on the daemon that serves "
			    "it",
			    vm->id,
			    vm->unavailable != NULL ? vm->unavailable : "no store");
		return FALSE;
	}
	export = vmds_export_new(vm, request->response, error);
	if (export == NULL)
		return FALSE;
	vmds_request_set_stream(
	    request, vmds_export_write_part, export, (GDestroyNotify)vmds_export_free);
	request->stream.content_type = VMDS_EXPORT_CONTENT_TYPE;
	return TRUE;
}
