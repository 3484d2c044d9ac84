/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "vmds-config.h"

/*
 * The config file parser, vmds.conf(5), on any bytes. Oracles: NULL exactly
 * when an error is set, and then a VMDS_ERROR; a loaded config keeps every
 * number inside the range vmds.conf(5) gives it, the mode inside 0777, the
 * TLS pair together, and the strings the daemon dereferences set.
 */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	vmds_fuzz_init_logging();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsConfig) config = vmds_config_load_data((const gchar *)data, size, &error);

	if (config != NULL && error != NULL && vmds_fuzz_skip_known("config-error-set"))
		return 0;
	VMDS_FUZZ_CHECK(
	    (config == NULL) == (error != NULL), "config %p with error %p", config, error);
	if (config == NULL) {
		VMDS_FUZZ_CHECK(error->domain == VMDS_ERROR,
				"error of domain %s: %s",
				g_quark_to_string(error->domain),
				error->message);
		return 0;
	}
	VMDS_FUZZ_CHECK(config->keyfile != NULL && config->http_listen != NULL &&
			    config->username != NULL,
			"a string the daemon needs is NULL");
	VMDS_FUZZ_CHECK(config->socket_mode <= 0777, "socket mode %o", config->socket_mode);
	VMDS_FUZZ_CHECK(config->max_connections >= 1 && config->max_connections <= 100000,
			"max-connections %u",
			config->max_connections);
	VMDS_FUZZ_CHECK(config->request_timeout >= 1 && config->request_timeout <= 3600,
			"request-timeout %u",
			config->request_timeout);
	VMDS_FUZZ_CHECK(config->idle_timeout >= 1 && config->idle_timeout <= 86400,
			"idle-timeout %u",
			config->idle_timeout);
	VMDS_FUZZ_CHECK(config->max_request >= 64 && config->max_request <= 16 * 1024 * 1024,
			"max-request %u",
			config->max_request);
	VMDS_FUZZ_CHECK(config->session_timeout >= 1 && config->session_timeout <= 7 * 86400,
			"session-timeout %u",
			config->session_timeout);
	VMDS_FUZZ_CHECK(config->max_body >= 1024 && config->max_body <= 256 * 1024 * 1024,
			"max-body %u",
			config->max_body);
	VMDS_FUZZ_CHECK((config->tls_certificate == NULL) == (config->tls_key == NULL),
			"tls-certificate without tls-key");
	VMDS_FUZZ_CHECK((config->group == NULL || config->group[0] == '\0') ==
			    (config->gid == (gid_t)-1),
			"group %s with gid %d",
			config->group,
			(gint)config->gid);
	return 0;
}
