/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>

#include "vmds-daemon.h"
#include "vmds-log.h"

/* vmdsd: options, logging, then run the daemon object until a signal */

static guint vmds_vmdsd_verbosity = 0;
/* whether -v decides what is shown; without it G_MESSAGES_DEBUG does */
static gboolean vmds_vmdsd_filter = TRUE;

static gboolean
vmds_vmdsd_verbose_cb(const gchar *option_name, const gchar *value, gpointer data, GError **error)
{
	vmds_vmdsd_verbosity++;
	return TRUE;
}

/* -v shows info messages, -vv debug ones too; vmds_log_writer_cb() escapes
 * what peers sent and writes (the journal under systemd, else stderr) */
static GLogWriterOutput
vmds_vmdsd_log_writer_cb(GLogLevelFlags log_level,
			 const GLogField *fields,
			 gsize n_fields,
			 gpointer user_data)
{
	if (vmds_vmdsd_filter && (log_level & G_LOG_LEVEL_DEBUG) != 0 && vmds_vmdsd_verbosity < 2)
		return G_LOG_WRITER_HANDLED;
	if (vmds_vmdsd_filter && (log_level & G_LOG_LEVEL_INFO) != 0 && vmds_vmdsd_verbosity < 1)
		return G_LOG_WRITER_HANDLED;
	return vmds_log_writer_cb(log_level, fields, n_fields, user_data);
}

int
main(int argc, char *argv[])
{
	VmdsDaemonOptions options = {0};
	gboolean version = FALSE;
	g_autoptr(GOptionContext) context = g_option_context_new(NULL);
	g_autoptr(VmdsDaemon) daemon = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *run_dir = NULL;
	g_autofree gchar *http_listen = NULL;
	const GOptionEntry entries[] = {
	    {"config",
	     'c',
	     0,
	     G_OPTION_ARG_FILENAME,
	     &config_path,
	     "Read settings from FILE (default: " VMDS_SYSCONFDIR "/vmds.conf for root, "
	     "~/.config/vmds/vmds.conf otherwise)",
	     "FILE"},
	    {"state-dir",
	     0,
	     0,
	     G_OPTION_ARG_FILENAME,
	     &state_dir,
	     "Keep the VMs' stores in DIR",
	     "DIR"},
	    {"run-dir",
	     0,
	     0,
	     G_OPTION_ARG_FILENAME,
	     &run_dir,
	     "Put the VMs' backchannel sockets in DIR",
	     "DIR"},
	    {"http",
	     0,
	     0,
	     G_OPTION_ARG_STRING,
	     &http_listen,
	     "Serve the REST API on HOST:PORT (port 0 picks a free one; empty: no REST)",
	     "HOST:PORT"},
	    {"verbose",
	     'v',
	     G_OPTION_FLAG_NO_ARG,
	     G_OPTION_ARG_CALLBACK,
	     vmds_vmdsd_verbose_cb,
	     "Log what each request does; twice for debug detail",
	     NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
	    {NULL},
	};

	setlocale(LC_ALL, "");
	/* a file over its size limit fails the write (EFBIG), which the store
	 * reports as a storage error, rather than killing the daemon */
	signal(SIGXFSZ, SIG_IGN);
	g_option_context_set_summary(
	    context,
	    "Serve vSphere-style DataSets to guests over per-VM backchannel "
	    "sockets, and a REST management API.");
	g_option_context_set_description(context,
					 "See vmdsd(8) and vmds.conf(5). Signals: SIGTERM and "
					 "SIGINT stop, SIGHUP reloads the config file.\n");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("vmdsd: %s\nTry 'vmdsd --help'.\n", error->message);
		return EXIT_FAILURE;
	}
	if (argc > 1) {
		g_printerr("vmdsd: unexpected argument '%s'\nTry 'vmdsd --help'.\n", argv[1]);
		return EXIT_FAILURE;
	}
	/* info and debug messages are formatted only when something shows them */
	g_log_set_debug_enabled(vmds_vmdsd_verbosity > 0 || g_getenv("G_MESSAGES_DEBUG") != NULL);
	vmds_vmdsd_filter = vmds_vmdsd_verbosity > 0 || g_getenv("G_MESSAGES_DEBUG") == NULL;
	g_log_set_writer_func(vmds_vmdsd_log_writer_cb, NULL, NULL);
	if (version) {
		g_print("vmdsd %s\n", VMDS_VERSION);
		return EXIT_SUCCESS;
	}
	options.config_path = config_path;
	options.state_dir = state_dir;
	options.run_dir = run_dir;
	options.http_listen = http_listen;
	daemon = vmds_daemon_new(&options);
	if (!vmds_daemon_setup(daemon, &error)) {
		g_printerr("vmdsd: %s\n", error->message);
		return EXIT_FAILURE;
	}
	vmds_daemon_run(daemon);
	return EXIT_SUCCESS;
}
