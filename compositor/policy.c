// SPDX-License-Identifier: MIT
#include <linux/input-event-codes.h>
#include <stdio.h>
#include "policy.h"

enum gate_key_action
gate_decide_key(const struct gate_key *key)
{
	if (!key->pressed) {
		/* A release reaches a client only if its press did, under the
		 * same focus: never to a window that gained focus since, never
		 * to one that lost it. The modal owner acts on presses only. */
		return key->press_delivered && key->client_focused ? GATE_KEY_TO_CLIENT :
								     GATE_KEY_DROP;
	}
	if (key->sak) {
		return GATE_KEY_SAK;
	}
	if (key->lock_key) {
		return GATE_KEY_LOCK;
	}
	if (key->modal) {
		return GATE_KEY_TO_MODAL;
	}
	if (key->reserved_key) {
		return GATE_KEY_DROP;
	}
	if (key->reserved_held) {
		return GATE_KEY_BINDING;
	}
	if (!key->client_focused || key->press_table_full) {
		/* More keys held than can be remembered: dropping the press is
		 * the only way never to leave one stuck in a client. */
		return GATE_KEY_DROP;
	}
	return GATE_KEY_TO_CLIENT;
}

enum gate_button_action
gate_decide_button(const struct gate_button *button, uint32_t code)
{
	if (!button->pressed) {
		if (button->grab_active) {
			return GATE_BUTTON_END_GRAB;
		}
		return button->press_delivered ? GATE_BUTTON_TO_CLIENT : GATE_BUTTON_DROP;
	}
	if (button->modal) {
		return GATE_BUTTON_TO_MODAL;
	}
	if (button->grab_active) {
		return GATE_BUTTON_DROP;
	}
	if (button->reserved_held) {
		if (!button->over_window) {
			return GATE_BUTTON_DROP;
		}
		if (code == BTN_LEFT) {
			return GATE_BUTTON_MOVE;
		}
		if (code == BTN_RIGHT) {
			return GATE_BUTTON_RESIZE;
		}
		return GATE_BUTTON_FOCUS;
	}
	if (button->over_surface) {
		return GATE_BUTTON_FOCUS_AND_CLIENT;
	}
	return button->over_window ? GATE_BUTTON_FOCUS : GATE_BUTTON_DROP;
}

enum gate_motion_action
gate_decide_motion(const struct gate_motion *motion)
{
	if (motion->modal) {
		return GATE_MOTION_NONE;
	}
	if (motion->grab_active) {
		return GATE_MOTION_GRAB;
	}
	if (!motion->over_surface || motion->drag_other_level) {
		return GATE_MOTION_NONE;
	}
	return GATE_MOTION_TO_SURFACE;
}

bool
gate_allows_axis(bool modal, bool client_has_pointer)
{
	return !modal && client_has_pointer;
}

bool
gate_allows_relative_motion(bool modal, bool client_has_pointer)
{
	return !modal && client_has_pointer;
}

bool
gate_allows_constraint(const struct gate_constraint *constraint)
{
	return !constraint->modal && !constraint->grab_active && !constraint->released_by_user &&
			constraint->pointer_on_surface && constraint->surface_in_focused_window &&
			constraint->cursor_in_region;
}

bool
gate_key_releases_constraint(const struct gate_key *key, enum gate_key_action action)
{
	if (!key->pressed) {
		return false;
	}
	return key->reserved_key || action == GATE_KEY_BINDING || action == GATE_KEY_SAK ||
			action == GATE_KEY_LOCK;
}

bool
gate_allows_text_input(const struct gate_text_input *text_input)
{
	return text_input->enabled && text_input->on_keyboard_focus;
}

static const struct {
	xkb_keysym_t sym;
	enum binding_action action;
} bindings[] = {
	{ XKB_KEY_Tab, BINDING_FOCUS_NEXT },
	{ XKB_KEY_ISO_Left_Tab, BINDING_FOCUS_NEXT },
	{ XKB_KEY_q, BINDING_CLOSE },
	{ XKB_KEY_v, BINDING_PASTE_ACROSS },
	{ XKB_KEY_m, BINDING_MICROPHONE },
	{ XKB_KEY_Return, BINDING_TERMINAL },
	{ XKB_KEY_KP_Enter, BINDING_TERMINAL },
	{ XKB_KEY_f, BINDING_FULLSCREEN },
	{ XKB_KEY_l, BINDING_LOCK },
};

enum binding_action
binding_lookup(xkb_keysym_t sym)
{
	xkb_keysym_t lower = xkb_keysym_to_lower(sym);
	for (size_t i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
		if (bindings[i].sym == lower || bindings[i].sym == sym) {
			return bindings[i].action;
		}
	}
	return BINDING_NONE;
}

const char *
binding_action_name(enum binding_action action)
{
	static const char *const names[] = {
		[BINDING_NONE] = "none",
		[BINDING_FOCUS_NEXT] = "focus-next",
		[BINDING_CLOSE] = "close",
		[BINDING_PASTE_ACROSS] = "paste-across",
		[BINDING_MICROPHONE] = "microphone",
		[BINDING_TERMINAL] = "terminal",
		[BINDING_FULLSCREEN] = "fullscreen",
		[BINDING_LOCK] = "lock",
	};
	return (unsigned)action < sizeof(names) / sizeof(names[0]) ? names[action] : "?";
}

bool
binding_check_sak(const struct strata_config *cfg, char *why, size_t why_size)
{
	uint32_t reserved = cfg->modifier == STRATA_MODIFIER_ALT ? STRATA_KEYMOD_ALT :
								   STRATA_KEYMOD_LOGO;
	for (size_t i = 0; i < cfg->sak_count; i++) {
		enum binding_action action = binding_lookup(cfg->sak[i].keysym);
		if (cfg->sak[i].modifiers == reserved && action != BINDING_NONE) {
			/* As written, so quoted: the parser trims white space
			 * around names, a vertical tab or a form feed too. */
			char quoted[64];
			config_quote(cfg->sak_text, quoted, sizeof(quoted));
			snprintf(why, why_size,
					"[lock] sak \"%s\" is also the reserved shortcut for %s: "
					"choose another key",
					quoted, binding_action_name(action));
			return false;
		}
	}
	return true;
}

bool
focus_takes_focus_on_map(int focused_level, int last_level, int new_level)
{
	if (focused_level != POLICY_NO_LEVEL) {
		return focused_level == new_level;
	}
	return last_level == POLICY_NO_LEVEL || last_level == new_level;
}

int
focus_fallback(const struct focus_candidate *windows, size_t count, size_t gone)
{
	if (gone >= count) {
		return -1;
	}
	int level = windows[gone].level;
	for (size_t i = 0; i < count; i++) {
		if (i != gone && windows[i].mapped && windows[i].level == level &&
				level != POLICY_NO_LEVEL) {
			return (int)i;
		}
	}
	return -1;
}

int
focus_next(const struct focus_candidate *windows, size_t count, int focused)
{
	for (size_t i = count; i-- > 0;) {
		if ((int)i != focused && windows[i].mapped) {
			return (int)i;
		}
	}
	return -1;
}

enum activation_verdict
activation_decide(const struct activation_facts *facts)
{
	if (!facts->token_complete || facts->modal || facts->token_level < 0 ||
			facts->token_level != facts->target_level ||
			facts->focused_level != facts->token_level) {
		return ACTIVATION_URGENT;
	}
	return ACTIVATION_FOCUS;
}
