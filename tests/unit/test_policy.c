// SPDX-License-Identifier: MIT
/*
 * The compositor's input decisions (compositor/policy.c), linked from the
 * objects the compositor uses: the input gate over every combination of
 * its inputs, the reserved shortcuts, the focus rules.
 */
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>
#include "policy.h"
#include "tap.h"

/* ---- keys ------------------------------------------------------------- */

static struct gate_key
key_from_bits(unsigned bits)
{
	return (struct gate_key){
		.pressed = bits & 1,
		.reserved_key = bits & 2,
		.reserved_held = bits & 4,
		.modal = bits & 8,
		.client_focused = bits & 16,
		.press_delivered = bits & 32,
		.press_table_full = bits & 64,
	};
}

/* Invariants over all 128 combinations: what must never happen. */
static void
key_gate_invariants_hold_for_every_input(void)
{
	int seen = 0;
	for (unsigned bits = 0; bits < 128; bits++) {
		struct gate_key k = key_from_bits(bits);
		enum gate_key_action action = gate_decide_key(&k);
		seen++;
		if (action == GATE_KEY_TO_CLIENT) {
			/* A client hears a key only with focus, never during a modal
			 * owner's press, never the reserved modifier, never a
			 * shortcut, never a release whose press it did not get. */
			tap_assert_msg(k.client_focused, "bits %u: key to a client without focus",
					bits);
			tap_assert_msg(!(k.pressed && k.modal),
					"bits %u: press to a client while modal", bits);
			tap_assert_msg(!(k.pressed && k.reserved_key),
					"bits %u: reserved key delivered", bits);
			tap_assert_msg(!(k.pressed && k.reserved_held),
					"bits %u: a shortcut reached a client", bits);
			tap_assert_msg(k.pressed || k.press_delivered,
					"bits %u: a release without its press", bits);
			tap_assert_msg(!(k.pressed && k.press_table_full),
					"bits %u: a press that cannot be remembered went out",
					bits);
		}
		if (!k.pressed) {
			tap_assert_msg(action == GATE_KEY_DROP || action == GATE_KEY_TO_CLIENT,
					"bits %u: a release triggered something", bits);
		}
		if (k.pressed && k.modal) {
			tap_assert_msg(action == GATE_KEY_TO_MODAL,
					"bits %u: a press during a modal owner went elsewhere",
					bits);
		}
	}
	tap_assert_int_eq(seen, 128);
}

static void
key_gate_routes_the_ordinary_cases(void)
{
	struct gate_key typing = { .pressed = true, .client_focused = true };
	tap_assert_int_eq(gate_decide_key(&typing), GATE_KEY_TO_CLIENT);
	struct gate_key shortcut = { .pressed = true,
		.reserved_held = true,
		.client_focused = true };
	tap_assert_int_eq(gate_decide_key(&shortcut), GATE_KEY_BINDING);
	struct gate_key logo = { .pressed = true, .reserved_key = true, .client_focused = true };
	tap_assert_int_eq(gate_decide_key(&logo), GATE_KEY_DROP);
	struct gate_key dialog = { .pressed = true, .modal = true, .client_focused = true };
	tap_assert_int_eq(gate_decide_key(&dialog), GATE_KEY_TO_MODAL);
	struct gate_key release = { .client_focused = true, .press_delivered = true };
	tap_assert_int_eq(gate_decide_key(&release), GATE_KEY_TO_CLIENT);
	struct gate_key stale = { .client_focused = true };
	tap_assert_int_eq(gate_decide_key(&stale), GATE_KEY_DROP);
	struct gate_key nobody = { .pressed = true };
	tap_assert_int_eq(gate_decide_key(&nobody), GATE_KEY_DROP);
	struct gate_key full = { .pressed = true,
		.client_focused = true,
		.press_table_full = true };
	tap_assert_int_eq(gate_decide_key(&full), GATE_KEY_DROP);
}

/* The secure attention key and the lock key go before everything: a modal
 * owner (the dialog, the X-ray, the lock itself), a focused client, a full
 * press table; their releases, never delivered, go nowhere. */
static void
key_gate_takes_the_trusted_keys_first(void)
{
	for (unsigned bits = 0; bits < 16; bits++) {
		struct gate_key k = {
			.pressed = true,
			.reserved_held = bits & 1,
			.modal = bits & 2,
			.client_focused = bits & 4,
			.press_table_full = bits & 8,
		};
		k.sak = true;
		tap_assert_int_eq(gate_decide_key(&k), GATE_KEY_SAK);
		k.sak = false;
		k.lock_key = true;
		tap_assert_int_eq(gate_decide_key(&k), GATE_KEY_LOCK);
		k.pressed = false;
		tap_assert_int_eq(gate_decide_key(&k), GATE_KEY_DROP);
	}
	struct gate_key both = { .pressed = true, .sak = true, .lock_key = true, .modal = true };
	tap_assert_int_eq(gate_decide_key(&both), GATE_KEY_SAK);
}

/* ---- buttons, motion, scroll --------------------------------------------- */

static void
button_gate_invariants_hold_for_every_input(void)
{
	static const uint32_t codes[] = { BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_SIDE };
	int seen = 0;
	for (unsigned bits = 0; bits < 128; bits++) {
		struct gate_button b = {
			.pressed = bits & 1,
			.reserved_held = bits & 2,
			.modal = bits & 4,
			.over_window = bits & 8,
			.over_surface = bits & 16,
			.press_delivered = bits & 32,
			.grab_active = bits & 64,
		};
		for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
			enum gate_button_action action = gate_decide_button(&b, codes[c]);
			seen++;
			bool to_client = action == GATE_BUTTON_TO_CLIENT ||
					action == GATE_BUTTON_FOCUS_AND_CLIENT;
			if (to_client) {
				tap_assert_msg(!b.modal || !b.pressed,
						"bits %u: a press reached a client while modal",
						bits);
				tap_assert_msg(!b.reserved_held || !b.pressed,
						"bits %u: a reserved click reached a client", bits);
				tap_assert_msg(b.pressed ? b.over_surface : b.press_delivered,
						"bits %u: a button to a client it does not concern",
						bits);
				tap_assert_msg(!b.grab_active,
						"bits %u: a client heard a move/resize", bits);
			}
			if (action == GATE_BUTTON_MOVE || action == GATE_BUTTON_RESIZE) {
				tap_assert_msg(b.pressed && b.reserved_held && b.over_window &&
								!b.modal,
						"bits %u: a move or resize without the user's gesture",
						bits);
			}
			if (b.modal && b.pressed) {
				tap_assert_int_eq(action, GATE_BUTTON_TO_MODAL);
			}
		}
	}
	tap_assert_int_eq(seen, 128 * 4);
	struct gate_button click = { .pressed = true, .over_window = true, .over_surface = true };
	tap_assert_int_eq(gate_decide_button(&click, BTN_LEFT), GATE_BUTTON_FOCUS_AND_CLIENT);
	struct gate_button frame = { .pressed = true, .over_window = true };
	tap_assert_int_eq(gate_decide_button(&frame, BTN_LEFT), GATE_BUTTON_FOCUS);
	struct gate_button move = { .pressed = true, .reserved_held = true, .over_window = true };
	tap_assert_int_eq(gate_decide_button(&move, BTN_LEFT), GATE_BUTTON_MOVE);
	tap_assert_int_eq(gate_decide_button(&move, BTN_RIGHT), GATE_BUTTON_RESIZE);
	tap_assert_int_eq(gate_decide_button(&move, BTN_MIDDLE), GATE_BUTTON_FOCUS);
	struct gate_button end = { .grab_active = true };
	tap_assert_int_eq(gate_decide_button(&end, BTN_LEFT), GATE_BUTTON_END_GRAB);
}

static void
motion_and_scroll_gates(void)
{
	for (unsigned bits = 0; bits < 16; bits++) {
		struct gate_motion m = {
			.modal = bits & 1,
			.grab_active = bits & 2,
			.over_surface = bits & 4,
			.drag_other_level = bits & 8,
		};
		enum gate_motion_action action = gate_decide_motion(&m);
		if (action == GATE_MOTION_TO_SURFACE) {
			tap_assert_msg(!m.modal && !m.grab_active && m.over_surface &&
							!m.drag_other_level,
					"bits %u: motion reached a surface it must not", bits);
		}
		if (m.modal) {
			tap_assert_int_eq(action, GATE_MOTION_NONE);
		}
	}
	struct gate_motion drag = { .over_surface = true, .drag_other_level = true };
	tap_assert_int_eq(gate_decide_motion(&drag), GATE_MOTION_NONE);
	struct gate_motion plain = { .over_surface = true };
	tap_assert_int_eq(gate_decide_motion(&plain), GATE_MOTION_TO_SURFACE);
	tap_assert(gate_allows_axis(false, true));
	tap_assert(!gate_allows_axis(true, true));
	tap_assert(!gate_allows_axis(false, false));
}

/* ---- bindings ------------------------------------------------------------- */

static void
binding_table(void)
{
	static const struct {
		xkb_keysym_t sym;
		enum binding_action action;
	} cases[] = {
		{ XKB_KEY_Tab, BINDING_FOCUS_NEXT },
		{ XKB_KEY_ISO_Left_Tab, BINDING_FOCUS_NEXT },
		{ XKB_KEY_q, BINDING_CLOSE },
		{ XKB_KEY_Q, BINDING_CLOSE },
		{ XKB_KEY_v, BINDING_PASTE_ACROSS },
		{ XKB_KEY_V, BINDING_PASTE_ACROSS },
		{ XKB_KEY_m, BINDING_MICROPHONE },
		{ XKB_KEY_M, BINDING_MICROPHONE },
		{ XKB_KEY_Return, BINDING_TERMINAL },
		{ XKB_KEY_KP_Enter, BINDING_TERMINAL },
		{ XKB_KEY_f, BINDING_FULLSCREEN },
		{ XKB_KEY_F, BINDING_FULLSCREEN },
		{ XKB_KEY_l, BINDING_LOCK },
		{ XKB_KEY_L, BINDING_LOCK },
		{ XKB_KEY_a, BINDING_NONE },
		{ XKB_KEY_Escape, BINDING_NONE },
		{ XKB_KEY_Super_L, BINDING_NONE },
		{ XKB_KEY_NoSymbol, BINDING_NONE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tap_assert_msg(binding_lookup(cases[i].sym) == cases[i].action,
				"keysym 0x%x: %s, expected %s", cases[i].sym,
				binding_action_name(binding_lookup(cases[i].sym)),
				binding_action_name(cases[i].action));
	}
	tap_assert_str_eq(binding_action_name(BINDING_PASTE_ACROSS), "paste-across");
	tap_assert_str_eq(binding_action_name((enum binding_action)99), "?");
}

/* ---- focus rules ----------------------------------------------------------- */

static void
new_windows_never_steal_focus_across_levels(void)
{
	/* The start of a session: nothing focused, no level before. */
	tap_assert(focus_takes_focus_on_map(POLICY_NO_LEVEL, POLICY_NO_LEVEL, 0));
	tap_assert(focus_takes_focus_on_map(POLICY_NO_LEVEL, POLICY_NO_LEVEL, 1));
	/* A window of the focused level; never one of another. */
	tap_assert(focus_takes_focus_on_map(1, 1, 1));
	tap_assert(focus_takes_focus_on_map(1, 0, 1));
	tap_assert(!focus_takes_focus_on_map(0, 0, 1));
	tap_assert(!focus_takes_focus_on_map(1, 1, 0));
	/* Nothing focused since high's last window closed: low's new window
	 * does not take the keyboard the user was typing into high with. */
	tap_assert(!focus_takes_focus_on_map(POLICY_NO_LEVEL, 1, 0));
	tap_assert(focus_takes_focus_on_map(POLICY_NO_LEVEL, 1, 1));
	/* A core window (-1) focused: a level's new window does not take it. */
	tap_assert(!focus_takes_focus_on_map(-1, -1, 0));
}

static void
fallback_stays_in_the_level(void)
{
	/* top of the stack first */
	const struct focus_candidate mixed[] = {
		{ .level = 0, .mapped = true }, /* gone */
		{ .level = 1, .mapped = true },
		{ .level = 0, .mapped = false }, /* same level, not shown */
		{ .level = 0, .mapped = true },
	};
	tap_assert_int_eq(focus_fallback(mixed, 4, 0), 3);
	const struct focus_candidate others[] = {
		{ .level = 0, .mapped = true }, /* gone */
		{ .level = 1, .mapped = true },
		{ .level = 2, .mapped = true },
	};
	tap_assert_int_eq(focus_fallback(others, 3, 0), -1);
	tap_assert_int_eq(focus_fallback(others, 3, 3), -1); /* out of range */
	tap_assert_int_eq(focus_fallback(others, 0, 0), -1);
	const struct focus_candidate alone[] = { { .level = 1, .mapped = true } };
	tap_assert_int_eq(focus_fallback(alone, 1, 0), -1);
}

static void
focus_next_walks_the_stack(void)
{
	const struct focus_candidate three[] = {
		{ .level = 0, .mapped = true },
		{ .level = 1, .mapped = true },
		{ .level = 0, .mapped = true },
	};
	/* the bottom of the stack comes up */
	tap_assert_int_eq(focus_next(three, 3, 0), 2);
	tap_assert_int_eq(focus_next(three, 3, 2), 1);
	tap_assert_int_eq(focus_next(three, 3, -1), 2);
	const struct focus_candidate hidden[] = {
		{ .level = 0, .mapped = true },
		{ .level = 1, .mapped = false },
	};
	tap_assert_int_eq(focus_next(hidden, 2, 0), -1);
	tap_assert_int_eq(focus_next(hidden, 0, -1), -1);
}

/* Every combination: focus only for a complete token of the target's own
 * level while that level has focus and nothing modal is up. */
static void
activation_moves_focus_only_within_the_focused_level(void)
{
	const int levels[] = { POLICY_NO_LEVEL, -1, 0, 1 };
	const size_t n = sizeof(levels) / sizeof(levels[0]);
	size_t focus = 0;
	/* every combination of the five facts */
	for (size_t i = 0; i < 2 * 2 * n * n * n; i++) {
		struct activation_facts facts = {
			.token_complete = i & 1,
			.modal = (i >> 1) & 1,
			.token_level = levels[(i >> 2) % n],
			.target_level = levels[(i >> 2) / n % n],
			.focused_level = levels[(i >> 2) / n / n % n],
		};
		bool expect = facts.token_complete && !facts.modal && facts.token_level >= 0 &&
				facts.token_level == facts.target_level &&
				facts.focused_level == facts.token_level;
		enum activation_verdict v = activation_decide(&facts);
		tap_assert_msg(v == (expect ? ACTIVATION_FOCUS : ACTIVATION_URGENT),
				"complete=%d modal=%d token=%d target=%d focused=%d: %d",
				facts.token_complete, facts.modal, facts.token_level,
				facts.target_level, facts.focused_level, (int)v);
		focus += v == ACTIVATION_FOCUS;
	}
	/* the two levels, each with its own token and focus */
	tap_assert_int_eq(focus, 2);
	/* high's window with low's token while low has focus: marked only */
	struct activation_facts cross = { .token_complete = true,
		.token_level = 0,
		.target_level = 1,
		.focused_level = 0 };
	tap_assert_int_eq(activation_decide(&cross), ACTIVATION_URGENT);
}

/* ---- pointer constraints and text input ---------------------------------- */

static void
constraint_holds_only_in_the_focused_window_with_nothing_else_going_on(void)
{
	/* Every combination: active only with all three conditions and none
	 * of the four vetoes. */
	for (unsigned bits = 0; bits < 128; bits++) {
		struct gate_constraint c = {
			.modal = bits & 1,
			.grab_active = bits & 2,
			.pointer_on_surface = bits & 4,
			.surface_in_focused_window = bits & 8,
			.cursor_in_region = bits & 16,
			.released_by_user = bits & 32,
		};
		bool expected = !c.modal && !c.grab_active && c.pointer_on_surface &&
				c.surface_in_focused_window && c.cursor_in_region &&
				!c.released_by_user;
		tap_assert_msg(gate_allows_constraint(&c) == expected, "bits %u", bits);
	}
	tap_assert(gate_allows_relative_motion(false, true));
	tap_assert(!gate_allows_relative_motion(true, true));
	tap_assert(!gate_allows_relative_motion(false, false));
}

static void
reserved_keys_release_constraints(void)
{
	struct gate_key reserved = { .pressed = true,
		.reserved_key = true,
		.client_focused = true };
	tap_assert(gate_key_releases_constraint(&reserved, gate_decide_key(&reserved)));
	struct gate_key shortcut = { .pressed = true,
		.reserved_held = true,
		.client_focused = true };
	tap_assert(gate_key_releases_constraint(&shortcut, gate_decide_key(&shortcut)));
	struct gate_key sak = { .pressed = true, .sak = true, .modal = true };
	tap_assert(gate_key_releases_constraint(&sak, gate_decide_key(&sak)));
	struct gate_key lock = { .pressed = true, .lock_key = true, .reserved_held = true };
	tap_assert(gate_key_releases_constraint(&lock, gate_decide_key(&lock)));
	/* Typing into the window keeps it; releases never release. */
	struct gate_key typed = { .pressed = true, .client_focused = true };
	tap_assert(!gate_key_releases_constraint(&typed, gate_decide_key(&typed)));
	struct gate_key up = { .reserved_key = true, .press_delivered = true };
	tap_assert(!gate_key_releases_constraint(&up, gate_decide_key(&up)));
}

static void
text_input_served_only_on_keyboard_focus(void)
{
	struct gate_text_input both = { .enabled = true, .on_keyboard_focus = true };
	tap_assert(gate_allows_text_input(&both));
	struct gate_text_input unfocused = { .enabled = true };
	tap_assert(!gate_allows_text_input(&unfocused));
	struct gate_text_input disabled = { .on_keyboard_focus = true };
	tap_assert(!gate_allows_text_input(&disabled));
}

/* A secure attention key may not be a reserved shortcut of the modifier in
 * use; with Alt reserved, Logo+L is free. */
static void
sak_never_a_reserved_shortcut(void)
{
	struct strata_config cfg;
	config_set_defaults(&cfg);
	char why[256] = "";
	tap_assert(binding_check_sak(&cfg, why, sizeof(why)));
	cfg.sak[1] = (struct strata_key_combo){ STRATA_KEYMOD_LOGO, XKB_KEY_l };
	cfg.sak_count = 2;
	snprintf(cfg.sak_text, sizeof(cfg.sak_text), "Logo+Escape Logo+L");
	tap_assert(!binding_check_sak(&cfg, why, sizeof(why)));
	tap_assert_str_eq(why,
			"[lock] sak \"Logo+Escape Logo+L\" is also the reserved "
			"shortcut for lock: choose another key");
	cfg.modifier = STRATA_MODIFIER_ALT;
	tap_assert(binding_check_sak(&cfg, why, sizeof(why)));
}

/* Found by fuzz-config: "sak = Logo+Shift\v+Tab" parses (names are trimmed of
 * white space, \v too), and the message quoted the text raw, a control
 * character on the terminal. It is quoted like every other message's. */
static void
sak_message_quotes_what_was_written(void)
{
	struct strata_config cfg;
	config_set_defaults(&cfg);
	char why[256] = "";
	tap_assert(config_load_string(&cfg, "[lock]\nsak = Logo\v+Tab\n", NULL, NULL, NULL));
	tap_assert_str_eq(cfg.sak_text, "Logo\v+Tab");
	tap_assert(!binding_check_sak(&cfg, why, sizeof(why)));
	tap_assert_str_eq(why,
			"[lock] sak \"Logo\\x0B+Tab\" is also the reserved shortcut "
			"for focus-next: choose another key");
}

TAP_TESTS(TAP_CASE(key_gate_invariants_hold_for_every_input),
		TAP_CASE(key_gate_routes_the_ordinary_cases),
		TAP_CASE(key_gate_takes_the_trusted_keys_first),
		TAP_CASE(button_gate_invariants_hold_for_every_input),
		TAP_CASE(motion_and_scroll_gates), TAP_CASE(binding_table),
		TAP_CASE(new_windows_never_steal_focus_across_levels),
		TAP_CASE(fallback_stays_in_the_level), TAP_CASE(focus_next_walks_the_stack),
		TAP_CASE(activation_moves_focus_only_within_the_focused_level),
		TAP_CASE(constraint_holds_only_in_the_focused_window_with_nothing_else_going_on),
		TAP_CASE(reserved_keys_release_constraints),
		TAP_CASE(text_input_served_only_on_keyboard_focus),
		TAP_CASE(sak_never_a_reserved_shortcut),
		TAP_CASE(sak_message_quotes_what_was_written))
