// SPDX-License-Identifier: MIT
/*
 * The global allowlist: the single source of truth for what a level client
 * may see. The compositor applies it through wl_display_set_global_filter()
 * (libwayland enforces it again at bind time); the cage proxy rewrites each
 * client's registry from it and caps versions.
 */
#include <string.h>
#include "common/global_policy.h"

/* Keep sorted by scope, then by name. */
static const struct strata_global_rule rules[] = {
	/* What ordinary applications need, and is confined to their own surfaces. */
	{ "org_kde_kwin_server_decoration_manager", STRATA_GLOBAL_LEVEL, 1,
			"tells GTK 3 and browsers that the compositor draws the frame "
			"(default mode server)" },
	{ "wl_compositor", STRATA_GLOBAL_LEVEL, 4, "surfaces and regions" },
	{ "wl_data_device_manager", STRATA_GLOBAL_LEVEL, 3,
			"clipboard and drag and drop, brokered per level by the compositor" },
	{ "wl_drm", STRATA_GLOBAL_LEVEL, 2, "legacy Mesa buffer sharing (GPU renderer only)" },
	{ "wl_output", STRATA_GLOBAL_LEVEL, 4, "output geometry for placement and scale" },
	{ "wl_seat", STRATA_GLOBAL_LEVEL, 7, "input; events go to the focused surface only" },
	{ "wl_shm", STRATA_GLOBAL_LEVEL, 1, "shared-memory buffers" },
	{ "wl_subcompositor", STRATA_GLOBAL_LEVEL, 1,
			"subsurfaces, drawn inside the parent's frame" },
	{ "wp_presentation", STRATA_GLOBAL_LEVEL, 1, "presentation timing feedback" },
	{ "wp_viewporter", STRATA_GLOBAL_LEVEL, 1, "surface cropping and scaling" },
	{ "xdg_activation_v1", STRATA_GLOBAL_LEVEL, 1,
			"a token moves focus only within the level that has focus; else the "
			"target is marked urgent (rate-limited by the proxy)" },
	{ "xdg_wm_base", STRATA_GLOBAL_LEVEL, 3, "toplevel windows and popups" },
	{ "zwp_idle_inhibit_manager_v1", STRATA_GLOBAL_LEVEL, 1,
			"recorded only: it never delays the idle lock" },
	{ "zwp_linux_dmabuf_v1", STRATA_GLOBAL_LEVEL, 4, "GPU buffers (GPU renderer only)" },
	{ "zwp_pointer_constraints_v1", STRATA_GLOBAL_LEVEL, 1,
			"locks or confines the pointer in the focused window only; the reserved "
			"modifier, the secure attention key, the lock and any focus change "
			"release it" },
	{ "zwp_pointer_gestures_v1", STRATA_GLOBAL_LEVEL, 3,
			"touchpad gestures, to the surface with pointer focus only" },
	{ "zwp_primary_selection_device_manager_v1", STRATA_GLOBAL_LEVEL, 1,
			"middle-click selection, kept per level by the compositor" },
	{ "zwp_relative_pointer_manager_v1", STRATA_GLOBAL_LEVEL, 1,
			"relative motion, to the client under the pointer only" },
	{ "zwp_text_input_manager_v3", STRATA_GLOBAL_LEVEL, 1,
			"text from the core's input method, to the focused window only" },
	{ "zxdg_decoration_manager_v1", STRATA_GLOBAL_LEVEL, 1,
			"lets clients learn that the compositor draws the frame" },
	{ "zxdg_exporter_v2", STRATA_GLOBAL_LEVEL, 1,
			"window handles (xdg-foreign), one registry per level" },
	{ "zxdg_importer_v2", STRATA_GLOBAL_LEVEL, 1,
			"imports only handles its own level exported; others are dead" },
	{ "zxdg_output_manager_v1", STRATA_GLOBAL_LEVEL, 3, "logical output geometry" },

	/* Privileged: they read or change what other clients show, type or copy. */
	{ "ext_idle_notifier_v1", STRATA_GLOBAL_CORE, 1, "observes user activity" },
	{ "ext_session_lock_manager_v1", STRATA_GLOBAL_CORE, 1, "locks the session" },
	{ "org_kde_kwin_idle", STRATA_GLOBAL_CORE, 1, "observes user activity" },
	{ "strata_control_v1", STRATA_GLOBAL_CORE, 1, "starts programs in any level's cage" },
	{ "zwlr_data_control_manager_v1", STRATA_GLOBAL_CORE, 2,
			"reads and sets every selection without focus" },
	{ "zwlr_export_dmabuf_manager_v1", STRATA_GLOBAL_CORE, 1, "captures outputs" },
	{ "zwlr_foreign_toplevel_manager_v1", STRATA_GLOBAL_CORE, 3,
			"lists and controls every window" },
	{ "zwlr_gamma_control_manager_v1", STRATA_GLOBAL_CORE, 1,
			"recolours outputs, defeating level colours" },
	{ "zwlr_input_inhibit_manager_v1", STRATA_GLOBAL_CORE, 1, "grabs all input" },
	{ "zwlr_layer_shell_v1", STRATA_GLOBAL_CORE, 4, "draws panels and overlays above windows" },
	{ "zwlr_output_manager_v1", STRATA_GLOBAL_CORE, 2, "reconfigures outputs" },
	{ "zwlr_output_power_manager_v1", STRATA_GLOBAL_CORE, 1, "blanks outputs" },
	{ "zwlr_screencopy_manager_v1", STRATA_GLOBAL_CORE, 3, "captures outputs" },
	{ "zwlr_virtual_pointer_manager_v1", STRATA_GLOBAL_CORE, 2, "injects pointer input" },
	{ "zwp_input_method_manager_v2", STRATA_GLOBAL_CORE, 1, "sees every key typed" },
	{ "zwp_keyboard_shortcuts_inhibit_manager_v1", STRATA_GLOBAL_CORE, 1,
			"would take the reserved shortcuts away from the compositor" },
	{ "zwp_virtual_keyboard_manager_v1", STRATA_GLOBAL_CORE, 1, "injects keyboard input" },
};

const struct strata_global_rule *
global_policy_rules(size_t *count)
{
	*count = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

const struct strata_global_rule *
global_policy_lookup(const char *interface)
{
	if (!interface) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (strcmp(rules[i].interface, interface) == 0) {
			return &rules[i];
		}
	}
	return NULL;
}

bool
global_policy_allows(const char *interface, bool is_core)
{
	const struct strata_global_rule *rule = global_policy_lookup(interface);
	if (!rule) {
		return false;
	}
	return is_core || rule->scope == STRATA_GLOBAL_LEVEL;
}
