/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* the umbrella header: the only project header plugins and clients include */

#pragma once

#include "vmds-caller.h"
#include "vmds-channel.h"
#include "vmds-config-table.h"
#include "vmds-context.h"
#include "vmds-deferred.h"
#include "vmds-error.h"
#include "vmds-json.h"
#include "vmds-packet.h"
#include "vmds-paths.h"
#include "vmds-plugin.h"
#include "vmds-store.h"
#include "vmds-vm.h"
