/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds-dispatch.h"
#include "vmds-test.h"

/*
 * The one place that writes what a guest reads: a command's data or error
 * as plain text (`1 text`, `0 message`) or in the DataSets envelope, the
 * refusals made before a command runs, and replies that come later.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

#define TEST_TYPE_PLUGIN (test_plugin_get_type())
G_DECLARE_FINAL_TYPE(TestPlugin, test_plugin, TEST, PLUGIN, VmdsPlugin)

struct _TestPlugin {
	VmdsPlugin parent_instance;
	VmdsDeferred *deferred; /* the last deferred call's */
	guint runs;
};

G_DEFINE_FINAL_TYPE(TestPlugin, test_plugin, VMDS_TYPE_PLUGIN)

/* `echo ARGS`: the arguments back; `fail`: an error; `members`: two members;
 * `nothing`: no reply text; `later`: deferred */
static gboolean
test_plugin_echo(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	TEST_PLUGIN(plugin)->runs++;
	g_string_append_len(call->reply, call->args, (gssize)call->args_len);
	return TRUE;
}

static gboolean
test_plugin_fail(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	g_string_append(call->reply, "half a reply");
	g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_KEY_NOT_FOUND, "no key \"k\"");
	return FALSE;
}

static gboolean
test_plugin_members(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	g_string_append(call->reply, "\"a\":1,\"b\":[]");
	return TRUE;
}

static gboolean
test_plugin_nothing(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	return TRUE;
}

static gboolean
test_plugin_later(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	TEST_PLUGIN(plugin)->deferred = vmds_call_defer(call, 0);
	return TRUE;
}

static gboolean
test_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	const struct {
		const gchar *name;
		VmdsCommandFunc func;
		VmdsCommandFlags flags;
	} commands[] = {
	    {"echo", test_plugin_echo, 0},
	    {"fail", test_plugin_fail, 0},
	    {"env-echo", test_plugin_echo, VMDS_COMMAND_FLAG_ENVELOPE},
	    {"env-fail", test_plugin_fail, VMDS_COMMAND_FLAG_ENVELOPE},
	    {"env-members", test_plugin_members, VMDS_COMMAND_FLAG_ENVELOPE},
	    {"env-nothing", test_plugin_nothing, VMDS_COMMAND_FLAG_ENVELOPE},
	    {"root", test_plugin_echo, VMDS_COMMAND_FLAG_PRIVILEGED},
	    {"env-root",
	     test_plugin_echo,
	     VMDS_COMMAND_FLAG_PRIVILEGED | VMDS_COMMAND_FLAG_ENVELOPE},
	    {"later", test_plugin_later, 0},
	    {"env-later", test_plugin_later, VMDS_COMMAND_FLAG_ENVELOPE},
	};
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
		vmds_plugin_add_command(
		    plugin, commands[i].name, commands[i].func, commands[i].flags);
	return TRUE;
}

static void
test_plugin_init(TestPlugin *self)
{
}

static void
test_plugin_class_init(TestPluginClass *klass)
{
	VMDS_PLUGIN_CLASS(klass)->startup = test_plugin_startup;
}

static VmdsPlugin *test_plugin = NULL;
static VmdsDispatch *test_dispatch = NULL;
static VmdsVm *test_vm = NULL;

static void
test_dispatch_setup(void)
{
	g_autoptr(GError) error = NULL;

	test_plugin = g_object_new(TEST_TYPE_PLUGIN, "name", "test", NULL);
	ck_assert(vmds_plugin_startup(test_plugin, &error));
	test_dispatch = vmds_dispatch_new();
	vmds_dispatch_add_commands(test_dispatch, test_plugin);
	test_vm = vmds_vm_new("vm-1");
}

static void
test_dispatch_teardown(void)
{
	g_clear_pointer(&test_vm, vmds_vm_unref);
	g_clear_pointer(&test_dispatch, vmds_dispatch_free);
	g_clear_object(&test_plugin);
}

/* runs @request as uid 1000; the status and reply as the guest reads them */
static gchar *
test_dispatch_run(const gchar *request, gsize len, gboolean privileged)
{
	g_autofree guint8 *payload = g_malloc(len + 1);
	g_autoptr(GString) reply = g_string_new("left over");
	VmdsDispatchLater later = {0};
	gboolean ok;

	memcpy(payload, request, len);
	payload[len] = '\0';
	ok = vmds_dispatch_run(
	    test_dispatch, test_vm, 1000, privileged, payload, len, reply, &later);
	ck_assert_ptr_null(later.deferred);
	/* the payload is left whole: a request may be run twice */
	ck_assert_mem_eq(payload, request, len);
	return g_strdup_printf("%s %s", ok ? "1" : "0", reply->str);
}

#define assert_run(request, expected)                                                              \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *got_ = test_dispatch_run(request, strlen(request), TRUE);        \
		ck_assert_str_eq(got_, expected);                                                  \
	}                                                                                          \
	G_STMT_END

START_TEST(test_dispatch_plain)
{
	assert_run("echo hello world", "1 hello world");
	assert_run("echo", "1 ");
	/* the error's message, whatever the command wrote before it failed */
	assert_run("fail now", "0 no key \"k\"");
	assert_run("nope", "0 Unknown command");
	assert_run("", "0 Unknown command");
	assert_run(" echo", "0 Unknown command");
}
END_TEST

START_TEST(test_dispatch_envelope)
{
	assert_run("env-members", "1 {\"result\":true,\"a\":1,\"b\":[]}");
	assert_run("env-nothing", "1 {\"result\":true}");
	assert_run("env-fail x",
		   "1 {\"result\":false,\"error-id\":\"key-not-found\",\"error-message\":"
		   "\"no key \\\"k\\\"\"}");
}
END_TEST

/* refused before the command runs: unprivileged callers, NUL in arguments */
START_TEST(test_dispatch_refusals)
{
	g_autofree gchar *denied = test_dispatch_run("root x", 6, FALSE);
	g_autofree gchar *env_denied = test_dispatch_run("env-root x", 10, FALSE);
	g_autofree gchar *nul = test_dispatch_run("echo a\0b", 8, TRUE);
	g_autofree gchar *env_nul = test_dispatch_run("env-echo a\0b", 12, TRUE);
	g_autofree gchar *nul_name = test_dispatch_run("ec\0ho a", 7, TRUE);

	ck_assert_str_eq(denied, "0 Permission denied");
	ck_assert_str_eq(env_denied,
			 "1 {\"result\":false,\"error-id\":\"access-denied\",\"error-message\":"
			 "\"user 1000 may not run env-root: run it as root, as the VM's socket "
			 "owner or as a member of its socket group\"}");
	ck_assert_str_eq(nul, "0 arguments may not contain a NUL byte");
	ck_assert_str_eq(env_nul,
			 "1 {\"result\":false,\"error-id\":\"invalid-argument\",\"error-message\":"
			 "\"arguments may not contain a NUL byte\"}");
	ck_assert_str_eq(nul_name, "0 Unknown command");
	ck_assert_uint_eq(TEST_PLUGIN(test_plugin)->runs, 0);
	assert_run("root x", "1 x");
}
END_TEST

/* a deferred reply, and how the core writes it once it comes */
START_TEST(test_dispatch_later)
{
	guint8 plain[] = "later";
	guint8 envelope[] = "env-later";
	g_autoptr(GString) reply = g_string_new(NULL);
	g_autoptr(GError) error = g_error_new_literal(VMDS_ERROR, VMDS_ERROR_TIMED_OUT, "late");
	VmdsDispatchLater later = {0};
	TestPlugin *plugin = TEST_PLUGIN(test_plugin);

	ck_assert(vmds_dispatch_run(test_dispatch, test_vm, 0, TRUE, plain, 5, reply, &later));
	ck_assert_ptr_nonnull(later.deferred);
	ck_assert_ptr_eq(later.deferred, plugin->deferred);
	g_string_append(vmds_deferred_get_reply(later.deferred), "done");
	ck_assert(vmds_dispatch_finish(&later, NULL, reply));
	ck_assert_str_eq(reply->str, "done");
	ck_assert(!vmds_dispatch_finish(&later, error, reply));
	ck_assert_str_eq(reply->str, "late");
	vmds_deferred_unref(later.deferred);
	vmds_deferred_unref(g_steal_pointer(&plugin->deferred));

	ck_assert(vmds_dispatch_run(test_dispatch, test_vm, 0, TRUE, envelope, 9, reply, &later));
	g_string_append(vmds_deferred_get_reply(later.deferred), "\"v\":2");
	ck_assert(vmds_dispatch_finish(&later, NULL, reply));
	ck_assert_str_eq(reply->str, "{\"result\":true,\"v\":2}");
	ck_assert(vmds_dispatch_finish(&later, error, reply));
	ck_assert_str_eq(
	    reply->str, "{\"result\":false,\"error-id\":\"timed-out\",\"error-message\":\"late\"}");
	vmds_deferred_unref(later.deferred);
	vmds_deferred_unref(g_steal_pointer(&plugin->deferred));
}
END_TEST

typedef struct {
	guint calls;
	gint code; /* -1: none */
} TestDone;

static void
test_dispatch_done_cb(VmdsDeferred *deferred, const GError *error, gpointer user_data)
{
	TestDone *done = user_data;

	done->calls++;
	done->code = error != NULL ? error->code : -1;
}

/*
 * A deferred reply reaches the core once: returned before the core started
 * it, returned after, or at its deadline (then a later return does nothing
 * and the plugin's cancellable says it is no longer wanted); one the core
 * cancels never reaches it.
 */
START_TEST(test_dispatch_deferred_once)
{
	TestDone done = {0};
	VmdsDeferred *deferred;

	deferred = vmds_deferred_new(0);
	vmds_deferred_return(vmds_deferred_ref(deferred), NULL);
	ck_assert_uint_eq(done.calls, 0);
	vmds_deferred_start(deferred, test_dispatch_done_cb, &done);
	ck_assert_uint_eq(done.calls, 1);
	ck_assert_int_eq(done.code, -1);
	vmds_deferred_unref(deferred);

	done = (TestDone){0};
	deferred = vmds_deferred_new(10);
	vmds_deferred_start(deferred, test_dispatch_done_cb, &done);
	while (done.calls == 0)
		g_main_context_iteration(NULL, TRUE);
	ck_assert_int_eq(done.code, VMDS_ERROR_TIMED_OUT);
	ck_assert(g_cancellable_is_cancelled(vmds_deferred_get_cancellable(deferred)));
	ck_assert(vmds_deferred_is_done(deferred));
	vmds_deferred_return(vmds_deferred_ref(deferred), NULL);
	ck_assert_uint_eq(done.calls, 1);
	vmds_deferred_unref(deferred);

	done = (TestDone){0};
	deferred = vmds_deferred_new(0);
	vmds_deferred_start(deferred, test_dispatch_done_cb, &done);
	vmds_deferred_cancel(deferred);
	ck_assert(g_cancellable_is_cancelled(vmds_deferred_get_cancellable(deferred)));
	vmds_deferred_return(
	    vmds_deferred_ref(deferred),
	    g_error_new_literal(VMDS_ERROR, VMDS_ERROR_INTERNAL, "too late to say"));
	ck_assert_uint_eq(done.calls, 0);
	vmds_deferred_unref(deferred);
}
END_TEST

/* a plugin without settings (no configure function) takes its group only
 * empty: a key there is a typo the daemon refuses, as in any other group */
START_TEST(test_dispatch_no_settings)
{
	g_autoptr(GKeyFile) config = g_key_file_new();
	g_autoptr(GError) error = NULL;

	ck_assert(vmds_plugin_configure(test_plugin, config, &error));
	ck_assert(g_key_file_load_from_data(config, "[test]\n[other]\nx=1\n", -1, 0, NULL));
	ck_assert(vmds_plugin_configure(test_plugin, config, &error));
	ck_assert(g_key_file_load_from_data(config, "[test]\nx=1\n", -1, 0, NULL));
	ck_assert(!vmds_plugin_configure(test_plugin, config, &error));
	ck_assert_str_eq(error->message, "unknown key 'x' in group [test]: it takes no settings");
}
END_TEST

static Suite *
test_dispatch_suite(void)
{
	Suite *s = suite_create("dispatch");
	TCase *tc = tcase_create("dispatch");

	tcase_add_checked_fixture(tc, test_dispatch_setup, test_dispatch_teardown);
	tcase_add_test(tc, test_dispatch_plain);
	tcase_add_test(tc, test_dispatch_envelope);
	tcase_add_test(tc, test_dispatch_refusals);
	tcase_add_test(tc, test_dispatch_later);
	tcase_add_test(tc, test_dispatch_deferred_once);
	tcase_add_test(tc, test_dispatch_no_settings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_dispatch_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
