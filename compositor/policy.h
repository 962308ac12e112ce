/* SPDX-License-Identifier: MIT */
#ifndef STRATA_POLICY_H
#define STRATA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xkbcommon/xkbcommon.h>
#include "common/config.h"

/*
 * The compositor's input decisions as pure functions of plain values: the
 * input gate (where each key, button, motion and scroll goes), the table
 * of reserved shortcuts, and the focus rules. seat.c applies them; the
 * unit tests (tests/unit/test_policy.c) call them without a display.
 */

/* ---- the input gate ----------------------------------------------------- */

/* What the seat knows when a key event arrives. */
struct gate_key {
	bool pressed; /* false: a release */
	bool reserved_key; /* the key is the reserved modifier itself (Logo or Alt) */
	bool reserved_held; /* the reserved modifier is held */
	bool modal; /* a modal owner (dialog, X-ray, lock) has the seat */
	bool client_focused; /* a client surface has keyboard focus */
	/* A release: its press went to the client that has focus now, since
	 * it got focus; a release whose press went elsewhere never goes out. */
	bool press_delivered;
	bool press_table_full; /* no room to remember one more delivered press */
	/* The press is the secure attention key ([lock] sak), or the lock key
	 * (the reserved modifier held + L): taken in every state, before a
	 * modal owner or a client. Their releases are never delivered (their
	 * presses were not). */
	bool sak;
	bool lock_key;
};

enum gate_key_action {
	GATE_KEY_DROP, /* nobody hears it */
	GATE_KEY_TO_CLIENT, /* to the focused client */
	GATE_KEY_TO_MODAL, /* to the modal owner */
	GATE_KEY_BINDING, /* a reserved shortcut */
	GATE_KEY_SAK, /* the secure attention key */
	GATE_KEY_LOCK, /* the lock key */
};

enum gate_key_action gate_decide_key(const struct gate_key *key);

struct gate_button {
	bool pressed;
	bool reserved_held;
	bool modal;
	bool over_window; /* a window (frame or content) is under the pointer */
	bool over_surface; /* a client surface is under the pointer, inside its clip */
	/* a release: its press went to the pointer's client, or started the
	 * drag under way (which drops only within its level) */
	bool press_delivered;
	bool grab_active; /* a compositor move or resize is going on */
};

enum gate_button_action {
	GATE_BUTTON_DROP,
	GATE_BUTTON_TO_MODAL,
	GATE_BUTTON_FOCUS, /* a press on a window: focus it, nothing to the client */
	GATE_BUTTON_FOCUS_AND_CLIENT, /* a press on a surface: focus, then deliver */
	GATE_BUTTON_TO_CLIENT, /* a release whose press was delivered */
	GATE_BUTTON_MOVE, /* reserved + left on a window: the user moves it */
	GATE_BUTTON_RESIZE, /* reserved + right on a window: the user resizes it */
	GATE_BUTTON_END_GRAB, /* the release that ends a move or resize */
};

/* button: BTN_LEFT (0x110), BTN_RIGHT (0x111), ... */
enum gate_button_action gate_decide_button(const struct gate_button *button, uint32_t code);

struct gate_motion {
	bool modal;
	bool grab_active;
	bool over_surface;
	/* A drag is going on and the surface under the pointer belongs to
	 * another level than the drag's. */
	bool drag_other_level;
};

enum gate_motion_action {
	GATE_MOTION_NONE, /* no client hears it (pointer focus cleared) */
	GATE_MOTION_GRAB, /* the compositor's move or resize follows it */
	GATE_MOTION_TO_SURFACE, /* enter (if new) and motion to the surface under it */
};

enum gate_motion_action gate_decide_motion(const struct gate_motion *motion);

/* Scroll goes to the pointer's client only when no modal owner has the seat. */
bool gate_allows_axis(bool modal, bool client_has_pointer);

/* Relative motion (zwp_relative_pointer_v1) goes to the client with pointer
 * focus only, and to nobody while a modal owner has the seat. */
bool gate_allows_relative_motion(bool modal, bool client_has_pointer);

/* ---- pointer constraints (lock, confine) ------------------------------ */

struct gate_constraint {
	bool modal; /* a modal owner (dialog, X-ray, lock) has the seat */
	bool grab_active; /* a compositor move or resize is going on */
	/* The constraint's surface is the one under the pointer (it has
	 * pointer focus), and that surface belongs to the focused window. */
	bool pointer_on_surface;
	bool surface_in_focused_window;
	bool cursor_in_region; /* the cursor is inside the constraint's region */
	/* The user released constraints (the reserved modifier, the secure
	 * attention key, the lock) and has not clicked into a window since. */
	bool released_by_user;
};

/* May this constraint be active now? Any false answer deactivates it. */
bool gate_allows_constraint(const struct gate_constraint *constraint);

/* A key press that releases any pointer constraint at once: the reserved
 * modifier itself (so that no lock or confinement ever holds the pointer
 * away from the compositor's own actions, Logo+drag included), every
 * reserved shortcut, the secure attention key and the lock key. */
bool gate_key_releases_constraint(const struct gate_key *key, enum gate_key_action action);

/* ---- text input (zwp_text_input_v3 and the core's input method) ------- */

struct gate_text_input {
	bool enabled; /* the client enabled it (its current state) */
	/* It was sent enter for a surface, and that surface has keyboard
	 * focus now (a modal owner clears keyboard focus). */
	bool on_keyboard_focus;
};

/* May the input method hear of this text input (activate, its state), and
 * may what the input method commits be sent to it? */
bool gate_allows_text_input(const struct gate_text_input *text_input);

/* ---- the reserved shortcuts -------------------------------------------- */

enum binding_action {
	BINDING_NONE,
	BINDING_FOCUS_NEXT, /* Tab */
	BINDING_CLOSE, /* q */
	BINDING_PASTE_ACROSS, /* v: paste from another level, after confirmation */
	BINDING_MICROPHONE, /* m */
	BINDING_TERMINAL, /* Return */
	BINDING_FULLSCREEN, /* f */
	BINDING_LOCK, /* l: the screen lock */
};

/* The action of reserved modifier + sym (case-insensitive for letters). */
enum binding_action binding_lookup(xkb_keysym_t sym);
const char *binding_action_name(enum binding_action action);

/*
 * What the configuration parser cannot see: a secure attention key ([lock]
 * sak) that is also a reserved shortcut (Logo+Tab, Logo+L, ...) would take
 * it away. false, and why in why (a sentence), when one is.
 */
bool binding_check_sak(const struct strata_config *cfg, char *why, size_t why_size);

/* ---- the focus rules ----------------------------------------------------- */

/* Level index of "no window has focus" (distinct from the core's level, -1). */
#define POLICY_NO_LEVEL (-1000)

/*
 * A newly mapped window takes focus only when the focused window is of its
 * level, or when nothing has focus and no other level had it last (at the
 * start of the session, or after the last window of that level closed): a
 * window of another level never steals the keyboard from what the user was
 * typing into, even once that window is gone.
 */
bool focus_takes_focus_on_map(int focused_level, int last_level, int new_level);

/* What the focus rules need to know of a window; windows are given top of
 * the stack first. */
struct focus_candidate {
	int level;
	bool mapped;
};

/*
 * The focused window (index gone) went away: the window that takes focus
 * next, or -1 for nobody. Only a window of the same level: the next
 * keystroke, meant for the closed window, must not land in another level.
 */
int focus_fallback(const struct focus_candidate *windows, size_t count, size_t gone);

/* Logo+Tab: the window at the bottom of the stack comes up, so repeated
 * presses walk through every window; -1 when there is no other. */
int focus_next(const struct focus_candidate *windows, size_t count, int focused);

/* What an xdg-activation request gets. */
enum activation_verdict {
	ACTIVATION_FOCUS, /* the target takes focus */
	ACTIVATION_URGENT, /* the target's title bar is marked, nothing more */
};

/* What the compositor knows of an xdg_activation_v1.activate request. */
struct activation_facts {
	/* The token came from an input event of a surface that had keyboard
	 * focus then (wlroots checked serial and focus when it was made);
	 * false for a token made without serial or surface. */
	bool token_complete;
	int token_level; /* level of the client whose surface made the token */
	int target_level; /* level of the window asking to be activated */
	int focused_level; /* level that has focus now, POLICY_NO_LEVEL for none */
	bool modal; /* the lock, the X-ray or a dialog has the seat */
};

/*
 * Focus moves only within the level the user is typing into: a complete
 * token of the target's own level, while that level has focus and nothing
 * modal is up. Anything else (a token of another level, one made without
 * user input, a level that does not have focus) only marks the target.
 */
enum activation_verdict activation_decide(const struct activation_facts *facts);

#endif
