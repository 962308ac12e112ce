// SPDX-License-Identifier: MIT
/*
 * The global allowlist shared by the compositor's filter and the cage proxy.
 * Every check walks the table itself (global_policy_rules()), so a row added
 * tomorrow is checked too, and a walk over no row fails.
 */
#include <stdio.h>
#include <string.h>
#include "common/global_policy.h"
#include "protocol.h"
#include "tap.h"

/* Everything the issue names as privileged: in the table, core-only. */
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
	"zwp_input_method_manager_v2",
};

static const struct strata_global_rule *
rules_of_table(size_t *count)
{
	*count = 0;
	const struct strata_global_rule *rules = global_policy_rules(count);
	tap_assert_msg(rules != NULL && *count > 0, "the policy table has no row");
	return rules;
}

/* Every CORE row: hidden from levels, shown to the core; every LEVEL row:
 * shown to both. Both kinds of row exist. */
static void
every_row_is_applied_as_its_scope_says(void)
{
	size_t count;
	const struct strata_global_rule *rules = rules_of_table(&count);
	size_t core = 0, level = 0;
	for (size_t i = 0; i < count; i++) {
		const char *name = rules[i].interface;
		switch (rules[i].scope) {
		case STRATA_GLOBAL_CORE:
			tap_assert_msg(!global_policy_allows(name, false),
					"%s (core-only) is shown to a level", name);
			tap_assert_msg(global_policy_allows(name, true),
					"%s is hidden from the core", name);
			core++;
			break;
		case STRATA_GLOBAL_LEVEL:
			tap_assert_msg(global_policy_allows(name, false),
					"%s is hidden from levels", name);
			tap_assert_msg(global_policy_allows(name, true),
					"%s is hidden from the core", name);
			level++;
			break;
		default:
			tap_fail("%s has scope %d, neither LEVEL nor CORE", name,
					(int)rules[i].scope);
		}
	}
	tap_diag("%zu core-only rows, %zu level rows", core, level);
	tap_assert_msg(core > 0 && level > 0, "%zu core-only and %zu level rows checked", core,
			level);
	tap_assert_int_eq(core + level, count);
}

static void
privileged_globals_are_core_rows(void)
{
	for (size_t i = 0; i < sizeof(privileged) / sizeof(privileged[0]); i++) {
		const struct strata_global_rule *rule = global_policy_lookup(privileged[i]);
		tap_assert_msg(rule != NULL, "%s is not in the table", privileged[i]);
		tap_assert_msg(rule->scope == STRATA_GLOBAL_CORE, "%s is not core-only",
				privileged[i]);
	}
}

/*
 * The version a level client is offered is capped by its row: at least 1,
 * and never above the version of the protocol XML the proxy parses with
 * (a cap above what the proxy knows would be no cap; the proxy takes the
 * smaller). A level row the proxy has no XML for never reaches a cage (the
 * proxy drops what it cannot parse): said, not failed.
 */
static void
level_rows_have_versions_the_proxy_can_cap(void)
{
	size_t count, checked = 0;
	const struct strata_global_rule *rules = rules_of_table(&count);
	for (size_t i = 0; i < count; i++) {
		const struct strata_global_rule *rule = &rules[i];
		tap_assert_msg(rule->max_version >= 1, "%s: cap %u", rule->interface,
				rule->max_version);
		const struct wire_interface *iface = wire_interface_lookup(rule->interface);
		if (rule->scope != STRATA_GLOBAL_LEVEL) {
			continue;
		}
		if (!iface) {
			tap_diag("%s: a level row without protocol XML in the proxy: cages never "
				 "see it",
					rule->interface);
			continue;
		}
		tap_assert_msg(rule->max_version <= iface->version,
				"%s: cap %u above the XML's version %u", rule->interface,
				rule->max_version, iface->version);
		checked++;
	}
	tap_assert_msg(checked > 0, "no level row checked");
}

/* What is not in the table is hidden from everybody: every interface the
 * proxy knows that has no row, and near misses of every row's name. */
static void
interfaces_missing_from_the_table_are_hidden_from_everybody(void)
{
	size_t checked = 0;
	for (size_t i = 0; i < wire_interface_count; i++) {
		const char *name = wire_interfaces[i]->name;
		if (global_policy_lookup(name)) {
			continue;
		}
		tap_assert_msg(!global_policy_allows(name, false), "%s (no row) shown to a level",
				name);
		tap_assert_msg(!global_policy_allows(name, true), "%s (no row) shown to the core",
				name);
		checked++;
	}
	tap_assert_msg(checked > 0, "every interface the proxy knows has a row: nothing checked");
	size_t count;
	const struct strata_global_rule *rules = rules_of_table(&count);
	for (size_t i = 0; i < count; i++) {
		char near[4][128];
		snprintf(near[0], sizeof(near[0]), "%s ", rules[i].interface);
		snprintf(near[1], sizeof(near[1]), "%s2", rules[i].interface);
		snprintf(near[2], sizeof(near[2]), "x%s", rules[i].interface);
		snprintf(near[3], sizeof(near[3]), "%.*s", (int)strlen(rules[i].interface) - 1,
				rules[i].interface);
		for (int k = 0; k < 4; k++) {
			tap_assert_msg(!global_policy_allows(near[k], false) &&
							!global_policy_allows(near[k], true),
					"\"%s\" (no row) is shown", near[k]);
		}
	}
	static const char *const unknown[] = { "zwp_text_input_manager_v1", "zwp_tablet_manager_v2",
		"", "WL_COMPOSITOR" };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		tap_assert(!global_policy_allows(unknown[i], false));
		tap_assert(!global_policy_allows(unknown[i], true));
	}
	tap_assert(!global_policy_allows(NULL, false));
	tap_assert(!global_policy_allows(NULL, true));
}

static void
table_is_well_formed(void)
{
	size_t count;
	const struct strata_global_rule *rules = rules_of_table(&count);
	for (size_t i = 0; i < count; i++) {
		tap_assert(rules[i].interface && rules[i].interface[0]);
		tap_assert(rules[i].why && rules[i].why[0]);
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

TAP_TESTS(TAP_CASE(every_row_is_applied_as_its_scope_says),
		TAP_CASE(privileged_globals_are_core_rows),
		TAP_CASE(level_rows_have_versions_the_proxy_can_cap),
		TAP_CASE(interfaces_missing_from_the_table_are_hidden_from_everybody),
		TAP_CASE(table_is_well_formed),
		TAP_CASE(version_caps_match_what_the_compositor_offers), )
