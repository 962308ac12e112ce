/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SEAT_H
#define STRATA_SEAT_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_keyboard_group.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xcursor_manager.h>
#include <xkbcommon/xkbcommon.h>
#include "policy.h"
#include "server.h"

/*
 * The seat: keyboards, the pointer, keyboard focus, the reserved modifier,
 * and the one input gate (policy.h) that decides where every key, button,
 * motion and scroll goes. Nothing else in the compositor routes input.
 *
 * Focus moves only by a user action (a click, a focus shortcut) or by the
 * focus rules when windows map and unmap. Whatever a client holds when
 * focus moves (a popup grab, a pointer grab, a drag, keys or buttons held
 * down), it loses: its grabs end, keys it pressed are never released to it
 * and never delivered to the new window, and after the change not one key
 * event reaches the old focus until the user gives focus back.
 *
 * A focus change is announced on events.focus, in this order: keyboard
 * focus is taken from the old client, the listeners run (the clipboard
 * swaps the level's selection there), then the new client gets focus.
 *
 * A modal owner (the clipboard dialog, the level chooser, the X-ray, the
 * lock screen) takes every key press and button press through the same
 * gate; while one is up no client hears any input event (a touch point a
 * client was told of is cancelled), and a window that maps does not take
 * focus (the user gets back the window they left).
 *
 * The secure attention key (config [lock] sak) is checked before anything
 * else, on every keyboard and in every state: it is never delivered, never
 * given to a modal owner as a key, and its release is swallowed. It is
 * announced on events.sak. The lock key (reserved modifier + L) is taken
 * the same way, announced on events.binding.
 */

enum strata_cursor_mode {
	STRATA_CURSOR_PASSTHROUGH,
	STRATA_CURSOR_MOVE,
	STRATA_CURSOR_RESIZE,
};

struct strata_view;
struct strata_pointer_constraints;

struct seat_focus_event {
	struct strata_view *old_view, *new_view; /* may be NULL */
	int old_level, new_level; /* level index, POLICY_NO_LEVEL for none */
};

struct seat_modal {
	/* A key press (keysym after the keymap), with the reserved modifier
	 * held or not. */
	void (*handle_key)(struct seat_modal *modal, xkb_keysym_t sym, bool reserved_held);
	/* A button press anywhere. */
	void (*handle_button)(struct seat_modal *modal, uint32_t button);
	/* A trusted owner (X-ray, lock) took the seat over from this one: it
	 * no longer has the seat and ends what it was doing. May be NULL for
	 * owners that are never taken over. */
	void (*cancel)(struct seat_modal *modal);
	/* Its answers are digits: a key whose unshifted or shifted symbol is
	 * a digit gives that digit (on AZERTY, 1 to 9 are the shifted
	 * symbols of the top row), unless the key already gives one. Never
	 * for owners that read text (the lock's password). */
	bool digits;
};

/* Keys whose press went to a client, and under which focus. */
#define SEAT_MAX_PRESSES 32

struct strata_seat {
	struct strata_server *server;
	struct wlr_seat *wlr_seat;
	struct wlr_cursor *cursor;
	struct wlr_xcursor_manager *cursor_manager; /* may be NULL (headless: no image) */
	struct wl_list keyboards; /* seat_keyboard.link */
	/* Every device's keys come through this one group (the gate's input). */
	struct wlr_keyboard_group *keyboard_group;
	/* The keyboard the wlr_seat knows and shows clients (its keymap, and
	 * what a new wl_keyboard's enter carries): the group's keymap, the
	 * modifiers the gate lets through, never a key down. */
	struct wlr_input_device *client_keyboard;
	uint32_t reserved_mask; /* WLR_MODIFIER_LOGO or WLR_MODIFIER_ALT */
	/* The modifiers the focused client was told last (its enter or the
	 * last modifiers event). */
	struct wlr_keyboard_modifiers sent_modifiers;

	struct strata_view *focused; /* may be NULL */
	int last_level; /* the level that had focus last, POLICY_NO_LEVEL before any */
	/* Fingers down on a touchscreen that a client hears at once. */
#define SEAT_MAX_TOUCH_POINTS 16
	/* Keys and buttons delivered to the client that has focus now; emptied
	 * whenever who hears input changes (focus, modal), so that what was
	 * delivered before is never released to anyone. */
	uint32_t presses[SEAT_MAX_PRESSES]; /* keycodes */
	size_t press_count;
	uint32_t buttons_delivered; /* bit (button - BTN_LEFT) */
	struct wl_client *button_client; /* who got those presses; may be NULL */
	struct wl_client *pointer_client; /* whose surface the pointer is on; may be NULL */
	/* Layout minus surface coordinates of the surface with pointer focus,
	 * as of the last motion it was told of (its implicit grab's origin). */
	double pointer_dx, pointer_dy;

	struct seat_modal *modal; /* may be NULL */
	/* process clock (ms) of the last input event of any device. */
	uint64_t last_activity_ms;

	enum strata_cursor_mode cursor_mode;
	struct strata_view *grabbed_view; /* may be NULL */
	double grab_x, grab_y;
	struct wlr_box grab_box;

	/* The last xdg_popup.grab request, checked when its grab begins. */
	struct wl_client *popup_grab_client; /* may be NULL */
	uint32_t popup_grab_serial;
	struct wl_protocol_logger *request_logger;

	/* Pointer locks and confinements, relative motion (pointer_constraints.c). */
	struct strata_pointer_constraints *constraints;
	struct wl_listener constraints_changed;

	/* Injection devices (headless backend, test-control); may be NULL. */
	struct wlr_input_device *virtual_keyboard;
	struct wlr_input_device *virtual_pointer;
	struct wlr_input_device *virtual_touch; /* test-control: made at its first use */

	struct {
		struct wl_signal focus; /* struct seat_focus_event */
		struct wl_signal binding; /* enum binding_action */
		struct wl_signal sak; /* NULL: the secure attention key was pressed */
	} events;

	struct wl_listener new_input;
	struct wl_listener cursor_motion;
	struct wl_listener cursor_motion_absolute;
	struct wl_listener cursor_button;
	struct wl_listener cursor_axis;
	struct wl_listener cursor_frame;
	/* Touchscreens (through the cursor, like pointers): a finger's down
	 * is a user action like a click; the point then stays with the
	 * surface it went down on. Each delivered point, and how far that
	 * surface is from the layout's origin (for its motions). */
	struct wl_listener touch_down;
	struct wl_listener touch_up;
	struct wl_listener touch_motion;
	struct wl_listener touch_cancel;
	struct wl_listener touch_frame;
	bool has_touch; /* a touch device came (the capability stays) */
	struct seat_touch_point {
		struct strata_seat *seat;
		int32_t id;
		int level; /* the level of the window it went down on */
		double dx, dy; /* layout minus surface coordinates */
		bool used;
		/* Its surface going away ends the point (wl_touch.up): wlroots
		 * 0.15 would leave the client waiting for the finger's up. */
		struct wl_listener surface_destroy; /* linked while used */
	} touch_points[SEAT_MAX_TOUCH_POINTS];
	struct wl_listener request_cursor;
	struct wl_listener touch_grab_begin;
	/* Windows and their subsurfaces moved, came or went, or changed size:
	 * what is under a still pointer may have changed. */
	struct wl_listener views_changed;
	bool rebasing; /* in seat_pointer_rebase (views change under it) */
	struct wl_listener group_key;
	struct wl_listener group_modifiers;
	struct wl_listener group_leave;
};

struct strata_seat *seat_create(struct strata_server *server);
void seat_destroy(struct strata_seat *seat);

/* A user action moved focus to view (any level); it comes to the top. */
void seat_focus(struct strata_seat *seat, struct strata_view *view);
/* Logo+Tab. */
void seat_focus_next(struct strata_seat *seat);
/* The focus rules, as windows come and go (xdg_shell.c). */
void seat_view_mapped(struct strata_seat *seat, struct strata_view *view);
void seat_view_unmapped(struct strata_seat *seat, struct strata_view *view);
/* Windows moved, came or went under a still pointer: pointer focus follows
 * what is under it now. */
void seat_pointer_rebase(struct strata_seat *seat);

struct strata_view *seat_focused_view(struct strata_seat *seat); /* may be NULL */
int seat_focused_level(struct strata_seat *seat); /* POLICY_NO_LEVEL: none */

/* The modal owner takes the seat; false if another one has it. */
bool seat_begin_modal(struct strata_seat *seat, struct seat_modal *modal);
/* A trusted owner takes the seat whoever has it: the one it replaces is
 * cancelled (its cancel callback). Always succeeds. */
void seat_take_modal(struct strata_seat *seat, struct seat_modal *modal);
void seat_end_modal(struct strata_seat *seat, struct seat_modal *modal);
/* The owner goes away (shutdown): it no longer has the seat, and no client
 * is given the keyboard for it. */
void seat_forget_modal(struct strata_seat *seat, struct seat_modal *modal);
bool seat_modal_active(struct strata_seat *seat);

/* Injection through the headless virtual devices, exactly as real input. */
bool seat_inject_key(struct strata_seat *seat, uint32_t evdev_keycode, bool pressed);
bool seat_inject_motion(struct strata_seat *seat, double lx, double ly);
bool seat_inject_button(struct strata_seat *seat, uint32_t button, bool pressed);
/* A finger of a virtual touchscreen (made at the first use): down, motion
 * (at lx, ly in layout coordinates), up or cancel, then a frame. */
enum seat_touch_kind {
	SEAT_TOUCH_DOWN,
	SEAT_TOUCH_MOTION,
	SEAT_TOUCH_UP,
	SEAT_TOUCH_CANCEL
};
bool seat_inject_touch(struct strata_seat *seat, enum seat_touch_kind kind, int32_t id, double lx,
		double ly);
struct xkb_keymap *seat_keymap(struct strata_seat *seat); /* the virtual keyboard's */

#endif
