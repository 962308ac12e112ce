// SPDX-License-Identifier: MIT
/* The global allowlist shared by the compositor's filter and the cage proxy. */
#include <string.h>
#include "common/global_policy.h"
#include "tap.h"

/* Everything the issue names as privileged: never visible to a level. */
static const char *const privileged[] = {
	"zwlr_screencopy_manager_v1",
	"zwlr_export_dmabuf_manager_v1",
	"zwlr_data_control_manager_v1",
	"zwp_virtual_keyboard_manager_v1",
	"zwlr_virtual_pointer_manager_v1",
	"zwlr_layer_shell_v1",
	"zwlr_input_inhibit_manager_v1",
	"zwp_keyboard_shortcuts_inhibit_manager_v1",
	"zwlr_gamma_control_manager_v1",
	"zwlr_output_manager_v1",
	"zwlr_foreign_toplevel_manager_v1",
	"org_kde_kwin_idle",
	"ext_idle_notifier_v1",
};

static void
privileged_globals_are_core_only(void)
{
	for (size_t i = 0; i < sizeof(privileged) / sizeof(privileged[0]); i++) {
		tap_assert_msg(!global_policy_allows(privileged[i], false), "%s visible to a level",
				privileged[i]);
		tap_assert_msg(global_policy_allows(privileged[i], true), "%s hidden from the core",
				privileged[i]);
	}
}

static void
ordinary_globals_are_allowed(void)
{
	static const char *const ordinary[] = {
		"wl_compositor",
		"wl_subcompositor",
		"wl_shm",
		"wl_seat",
		"wl_output",
		"wl_data_device_manager",
		"xdg_wm_base",
		"zxdg_decoration_manager_v1",
		"wp_viewporter",
		"wp_presentation",
	};
	for (size_t i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++) {
		tap_assert_msg(global_policy_allows(ordinary[i], false), "%s denied to levels",
				ordinary[i]);
		tap_assert(global_policy_allows(ordinary[i], true));
	}
}

static void
unknown_globals_fail_closed(void)
{
	tap_assert(!global_policy_allows("zwp_text_input_manager_v3", false));
	tap_assert(!global_policy_allows("xdg_activation_v1", false));
	tap_assert(!global_policy_allows("", false));
	tap_assert(!global_policy_allows(NULL, false));
	tap_assert(!global_policy_allows("wl_compositor ", false));
	tap_assert(!global_policy_allows("WL_COMPOSITOR", false));
	/* Unknown is hidden from the core too: nothing is exposed by accident. */
	tap_assert(!global_policy_allows("zwp_text_input_manager_v3", true));
}

static void
table_is_well_formed(void)
{
	size_t count;
	const struct strata_global_rule *rules = global_policy_rules(&count);
	tap_assert(count > 10);
	for (size_t i = 0; i < count; i++) {
		tap_assert(rules[i].interface && rules[i].interface[0]);
		tap_assert(rules[i].max_version >= 1);
		tap_assert(rules[i].why && rules[i].why[0]);
		tap_assert(rules[i].scope == STRATA_GLOBAL_LEVEL ||
				rules[i].scope == STRATA_GLOBAL_CORE);
		tap_assert(global_policy_lookup(rules[i].interface) == &rules[i]);
		for (size_t j = i + 1; j < count; j++) {
			tap_assert_msg(strcmp(rules[i].interface, rules[j].interface) != 0,
					"%s listed twice", rules[i].interface);
		}
	}
}

static void
version_caps_match_what_the_compositor_offers(void)
{
	/* Caps that the proxy will enforce; wlroots 0.15.1 offers these. */
	tap_assert_int_eq(global_policy_lookup("xdg_wm_base")->max_version, 3);
	tap_assert_int_eq(global_policy_lookup("wl_seat")->max_version, 7);
	tap_assert_int_eq(global_policy_lookup("wl_compositor")->max_version, 4);
}

TAP_TESTS(TAP_CASE(privileged_globals_are_core_only), TAP_CASE(ordinary_globals_are_allowed),
		TAP_CASE(unknown_globals_fail_closed), TAP_CASE(table_is_well_formed),
		TAP_CASE(version_caps_match_what_the_compositor_offers), )
