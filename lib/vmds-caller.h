/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-vm.h"

G_BEGIN_DECLS

/**
 * VmdsCaller:
 * @user: who made the request: a user of the daemon (`vmds user ls`), its
 *   configured administrator (`[http] username`), or for a trusted local
 *   peer on the REST unix socket that sent no credentials `uid N`; never
 *   %NULL. Borrowed: valid while the route runs (copy it to keep it in a
 *   deferred reply)
 * @administrator: it sees and manages every VM and the users (the role
 *   `administrator`, the configured administrator, a trusted local peer)
 * @vcenter_metadata: it may read and write the VCENTER metadata domain of
 *   the VMs it sees (the right `vcenter-metadata`; administrators have it)
 *
 * Who a REST request comes from, as routes see it (#VmdsRequest.caller).
 * The router has checked it may reach the route and the VM in its path
 * before the route runs (vmds_caller_can_see_vm()).
 */
typedef struct {
	const gchar *user;
	gboolean administrator;
	gboolean vcenter_metadata;
} VmdsCaller;

gboolean vmds_caller_can_see_vm(const VmdsCaller *caller, const VmdsVm *vm);

G_END_DECLS
