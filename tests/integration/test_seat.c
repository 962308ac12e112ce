// SPDX-License-Identifier: MIT
// The seat's promise, tried as an attacker would: whatever a client holds
// when the user moves focus to another level's window (a popup grab with a
// real or a forged serial, a pointer button held down, a drag carried over
// the other window, a key held down), after the change every key the user
// types reaches the newly focused window and not one reaches the old one.
// Each test counts the key events two recording clients (itest-actor)
// really received.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>
#include "actor_client.h"
#include "strata_test.h"

#define EVENT_TIMEOUT_MS 5000
/* evdev codes, as wl_keyboard.key carries them */
#define KEY_A 30
#define KEY_B 48
#define KEY_C 46
#define KEY_X 45 /* the key held across the focus change: not in "abc" */
#define KEY_LEFTMETA 125
#define MOD_LOGO 64 /* Mod4 in the default keymap's modifier mask */
#define BTN_LEFT 272

#define LOW_RGB 0x13579bu
#define HIGH_RGB 0x2468acu

static void
start(struct strata_session *s, struct actor *a, const char *level, const char *app_id,
		const char *const *tricks)
{
	actor_start(s, a, level, app_id, strcmp(level, "low") == 0 ? LOW_RGB : HIGH_RGB, 0, tricks);
}

static void
move_to_window(struct strata_session *s, struct actor *a)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, a->window.id, &x, &y),
			"no visible point of %s", a->app_id);
	free(session_ctl_ok(s, "motion %d %d", x, y));
}

/* high maps, then low (with its tricks); the user clicks low: it has focus. */
static void
low_focused_beside_high(struct strata_session *s, struct actor *low, struct actor *high,
		const char *const *low_tricks)
{
	start(s, high, "high", "seat-high", NULL);
	start(s, low, "low", "seat-low", low_tricks);
	actor_click(s, low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
}

/* The left button goes down over the actor, and the actor got the press. */
static void
press_left_in(struct strata_session *s, struct actor *a)
{
	size_t mark = actor_mark(a);
	free(session_ctl_ok(s, "button left press"));
	char line[40];
	snprintf(line, sizeof(line), "button %d pressed", BTN_LEFT);
	actor_wait_line(s, a, mark, line);
}

/*
 * The common end of every test: the user has moved focus to `to` (high);
 * text typed now must reach `to` whole and `from` (low) not at all.
 */
static void
typed_text_reaches_only(struct strata_session *s, struct actor *to, struct actor *from,
		size_t from_mark)
{
	session_assert_msg(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS),
			"the click did not give the high window focus");
	size_t to_mark = actor_mark(to);
	free(session_ctl_ok(s, "type abc"));
	char line[32];
	snprintf(line, sizeof(line), "key %d released", KEY_C);
	actor_wait_line(s, to, to_mark, line);
	actor_barrier(s, from);
	actor_barrier(s, to);
	char listing[1024];
	int stolen = actor_count_lines(from, from_mark, "key ", listing, sizeof(listing));
	session_assert_msg(s, stolen == 0, "the window that lost focus still got %d key events: %s",
			stolen, listing);
	int got = actor_count_lines(to, to_mark, "key ", listing, sizeof(listing));
	session_assert_msg(s, got == 6, "the focused window got %d key events, not 6: %s", got,
			listing);
	tap_diag("focused window: %s", listing);
}

/* ---- tests ------------------------------------------------------------- */

/* A menu opened by a real click (the serial of that press) grabs the seat;
 * a click on another level's window dismisses it and takes the keyboard. */
static void
popup_grab_with_a_sent_serial_ends_on_click_elsewhere(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &high, "high", "seat-high", NULL);
	start(s, &low, "low", "seat-low", (const char *const[]){ "popup-grab-on-press", NULL });
	actor_click(s, &low, "left");
	actor_wait_line(s, &low, 0, "popup 1 configured");
	/* The grab is real: low has the keyboard. */
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "type a"));
	char line[32];
	snprintf(line, sizeof(line), "key %d released", KEY_A);
	actor_wait_line(s, &low, mark, line);

	mark = actor_mark(&low);
	actor_click(s, &high, "left");
	actor_wait_line(s, &low, mark, "popup 1 done");
	typed_text_reaches_only(s, &high, &low, mark);
	session_stop(s);
}

/* A grab with a serial the compositor never sent is refused at once. */
static void
popup_grab_with_a_forged_serial_is_refused(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &low, "low", "seat-low", (const char *const[]){ "popup-grab-forged", NULL });
	actor_wait_line(s, &low, 0, "popup 1 grab serial 2147483632");
	actor_wait_line(s, &low, 0, "popup 1 done");
	start(s, &high, "high", "seat-high", NULL);
	size_t mark = actor_mark(&low);
	actor_click(s, &high, "left");
	typed_text_reaches_only(s, &high, &low, mark);
	session_stop(s);
}

/* A window without focus cannot grab the seat at all. */
static void
popup_grab_from_an_unfocused_window_is_refused(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &high, "high", "seat-high", NULL);
	size_t mark = 0;
	start(s, &low, "low", "seat-low", (const char *const[]){ "popup-grab-unfocused", NULL });
	actor_wait_line(s, &low, 0, "popup 1 done");
	/* high kept focus (a new window of another level never takes it). */
	typed_text_reaches_only(s, &high, &low, mark);
	session_stop(s);
}

/* A button held down in low while the user clicks high. */
static void
button_held_in_low_during_a_click_on_high(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, NULL);
	move_to_window(s, &low);
	size_t low_mark = actor_mark(&low);
	press_left_in(s, &low);
	char line[40];

	size_t high_mark = actor_mark(&high);
	actor_click(s, &high, "right");
	free(session_ctl_ok(s, "button left release"));
	typed_text_reaches_only(s, &high, &low, low_mark);
	/* high never hears the release of a press it did not get. */
	char *events = actor_events(&high);
	snprintf(line, sizeof(line), "button %d released", BTN_LEFT);
	session_assert_msg(s, !strstr(events + high_mark, line),
			"high got the release of low's button: %s", events + high_mark);
	free(events);
	session_stop(s);
}

/* A drag started in low and carried over high, dropped there, then a click. */
static void
drag_from_low_carried_over_high(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	/* low maps first and has focus: its first press starts the drag. */
	start(s, &low, "low", "seat-low", (const char *const[]){ "drag-on-press", NULL });
	start(s, &high, "high", "seat-high", NULL);
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	move_to_window(s, &low);
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "button left press"));
	actor_wait_line(s, &low, mark, "drag started");
	actor_barrier(s, &low); /* the compositor has the start_drag request */
	int lx, ly;
	session_assert(s, session_window_visible_point(s, low.window.id, &lx, &ly));
	free(session_ctl_ok(s, "motion %d %d", lx + 3, ly + 3));
	actor_wait_line(s, &low, mark, "data enter"); /* the drag works within low */
	int hx, hy;
	session_assert(s, session_window_visible_point(s, high.window.id, &hx, &hy));
	free(session_ctl_ok(s, "motion %d %d", hx - 5, hy));
	free(session_ctl_ok(s, "motion %d %d", hx, hy));
	free(session_ctl_ok(s, "button left release"));
	actor_barrier(s, &high);
	char *events = actor_events(&high);
	session_assert_msg(s, !strstr(events, "data enter"), "low's drag entered high: %s", events);
	free(events);

	mark = actor_mark(&low);
	actor_click(s, &high, "left");
	typed_text_reaches_only(s, &high, &low, mark);
	session_stop(s);
}

/*
 * A key held down in low while focus moves to high, by a click or by
 * Logo+Tab: high never gets it (not in its enter, not as a key event, not
 * its release); low gets nothing after it lost focus, its release included.
 */
static void
key_held_while_focus_moves(bool by_click)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, NULL);
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "keydown x"));
	char line[32];
	snprintf(line, sizeof(line), "key %d pressed", KEY_X);
	actor_wait_line(s, &low, mark, line);

	mark = actor_mark(&low);
	size_t high_mark = actor_mark(&high);
	if (by_click) {
		actor_click(s, &high, "left");
	} else {
		free(session_ctl_ok(s, "key logo+Tab"));
	}
	free(session_ctl_ok(s, "keyup x"));
	typed_text_reaches_only(s, &high, &low, mark);
	char *events = actor_events(&high);
	session_assert_msg(s, strstr(events + high_mark, "enter keys=[]\n") != NULL,
			"high's enter did not come with an empty key list: %s", events + high_mark);
	snprintf(line, sizeof(line), "key %d ", KEY_X);
	session_assert_msg(s, !strstr(events + high_mark, line),
			"the key held in low reached high: %s", events + high_mark);
	free(events);
	session_stop(s);
}

static void
key_held_while_a_click_moves_focus(void)
{
	key_held_while_focus_moves(true);
}

static void
key_held_while_logo_tab_moves_focus(void)
{
	key_held_while_focus_moves(false);
}

/* A real serial is not enough: the enter serial of a window the pointer
 * merely passed over (without keyboard focus) cannot grab the seat. */
static void
popup_grab_with_a_hover_serial_is_refused(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &high, "high", "seat-high", NULL);
	start(s, &low, "low", "seat-low", (const char *const[]){ "grab-on-hover", NULL });
	session_assert(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS));
	size_t mark = actor_mark(&low);
	/* The pointer may be over low since it mapped: its enter counts too. */
	move_to_window(s, &low);
	actor_wait_line(s, &low, 0, "pointer enter");
	actor_wait_line(s, &low, 0, "popup 1 done");
	typed_text_reaches_only(s, &high, &low, mark);
	session_stop(s);
}

/*
 * What a wl_keyboard bound later is told at its enter: no key held in
 * another level's window (x, pressed while low had focus), not the Logo key
 * the compositor keeps for itself, not Logo among the modifiers.
 */
static void
a_new_keyboard_hears_no_key_held_elsewhere(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, NULL);
	size_t low_mark = actor_mark(&low);
	free(session_ctl_ok(s, "keydown x"));
	char line[32];
	snprintf(line, sizeof(line), "key %d pressed", KEY_X);
	actor_wait_line(s, &low, low_mark, line);
	free(session_ctl_ok(s, "key logo+Tab"));
	session_assert(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS));
	free(session_ctl_ok(s, "keydown logo"));
	actor_barrier(s, &high); /* the enter of the focus change is logged */

	size_t mark = actor_mark(&high);
	actor_keyboard_barrier(s, &high);
	char enters[512], mods[512];
	int entered = actor_count_lines(&high, mark, "enter keys=", enters, sizeof(enters));
	session_assert_msg(s, entered == 1, "the new keyboard got %d enters: %s", entered, enters);
	char x_code[8], logo_code[8];
	snprintf(x_code, sizeof(x_code), "%d", KEY_X);
	snprintf(logo_code, sizeof(logo_code), "%d", KEY_LEFTMETA);
	session_assert_msg(s, !strstr(enters, x_code) && !strstr(enters, logo_code),
			"the new keyboard's enter lists a held key: %s", enters);
	int told = actor_count_lines(&high, mark, "mods ", mods, sizeof(mods));
	session_assert_msg(s, told >= 1, "the new keyboard's enter came without modifiers");
	char *events = actor_events(&high);
	for (const char *p = events + mark; (p = strstr(p, "mods "));) {
		unsigned depressed = 0;
		session_assert(s, sscanf(p, "mods %u", &depressed) == 1);
		session_assert_msg(s, !(depressed & MOD_LOGO),
				"the new keyboard was told Logo is down: %s", mods);
		p += 5;
	}
	free(events);
	tap_diag("new keyboard: %s %s", enters, mods);
	free(session_ctl_ok(s, "keyup logo"));
	free(session_ctl_ok(s, "keyup x"));
	actor_barrier(s, &low);
	int stolen = actor_count_lines(&low, low_mark, "key ", enters, sizeof(enters));
	session_assert_msg(s, stolen == 1, "low got %d key events, not its one press: %s", stolen,
			enters);
	session_stop(s);
}

/*
 * A press in low that low never hears released: released over high, or
 * ending a resize the user started with Logo+right on low (no client hears
 * that release). The seat forgets the press all the same: back over low, a
 * drag from that press's serial is refused (the source is cancelled,
 * nothing enters).
 */
static void
old_press_starts_no_drag(bool by_resize)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, (const char *const[]){ "drag-on-reenter", NULL });
	size_t mark = actor_mark(&low);
	press_left_in(s, &low);
	if (by_resize) {
		free(session_ctl_ok(s, "keydown logo"));
		free(session_ctl_ok(s, "button right press"));
		actor_wait_line(s, &low, mark, "pointer leave"); /* the resize took it */
		free(session_ctl_ok(s, "button left release"));
		free(session_ctl_ok(s, "button right release"));
		free(session_ctl_ok(s, "keyup logo"));
	} else {
		move_to_window(s, &high);
		size_t high_mark = actor_mark(&high);
		free(session_ctl_ok(s, "button left release"));
		actor_barrier(s, &high);
		/* high never hears the release of a press it did not get. */
		char *events = actor_events(&high), line[40];
		snprintf(line, sizeof(line), "button %d released", BTN_LEFT);
		session_assert_msg(s, !strstr(events + high_mark, line),
				"high got the release of low's press: %s", events + high_mark);
		free(events);
	}
	move_to_window(s, &low);
	actor_wait_line(s, &low, mark, "drag started");
	actor_wait_line(s, &low, mark, "drag cancelled");
	actor_barrier(s, &low);
	char *events = actor_events(&low);
	session_assert_msg(s, !strstr(events + mark, "data enter"),
			"a drag from a press already released started: %s", events + mark);
	free(events);
	session_stop(s);
}

static void
a_press_released_elsewhere_starts_no_drag(void)
{
	old_press_starts_no_drag(false);
}

static void
a_press_ended_by_a_resize_starts_no_drag(void)
{
	old_press_starts_no_drag(true);
}

/*
 * The user types into high; high's only window closes. A low window mapped
 * then does not take the keyboard: what the user goes on typing (meant for
 * high) reaches no one until they click a window.
 */
static void
no_focus_to_another_level_after_the_last_window_closed(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high, other;
	start(s, &high, "high", "seat-high", NULL);
	session_assert(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS));
	session_kill_client(s, high.pid);
	session_assert_msg(s, session_wait_windows(s, 0, EVENT_TIMEOUT_MS),
			"high's window did not go");
	session_assert(s, session_wait_focused_level(s, "none", EVENT_TIMEOUT_MS));
	start(s, &low, "low", "seat-low", NULL);
	free(session_ctl_ok(s, "type abc"));
	actor_barrier(s, &low);
	char listing[512];
	int stolen = actor_count_lines(&low, 0, "key ", listing, sizeof(listing));
	session_assert_msg(s, stolen == 0, "low's new window got %d keys meant for high: %s",
			stolen, listing);
	session_assert_msg(s,
			actor_count_lines(&low, 0, "enter keys=", listing, sizeof(listing)) == 0,
			"low's new window took the keyboard: %s", listing);
	/* A click gives it focus (the keys above were not lost by accident). */
	start(s, &other, "high", "seat-high-2", NULL);
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "type abc"));
	snprintf(listing, sizeof(listing), "key %d released", KEY_C);
	actor_wait_line(s, &low, mark, listing);
	session_stop(s);
}

/*
 * Within a level, drag and drop works: a drag from one low window dropped
 * on another low window is dropped there (the positive side of the drag
 * rules above), and high hears nothing of it.
 */
static void
drag_and_drop_within_a_level(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor from, to, high;
	start(s, &high, "high", "seat-high", NULL);
	start(s, &from, "low", "seat-low", (const char *const[]){ "drag-on-press", NULL });
	start(s, &to, "low", "seat-low-2", NULL);
	actor_click(s, &to, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	move_to_window(s, &from);
	size_t mark = actor_mark(&from);
	free(session_ctl_ok(s, "button left press"));
	actor_wait_line(s, &from, mark, "drag started");
	actor_barrier(s, &from); /* the compositor has the start_drag request */
	move_to_window(s, &to);
	actor_wait_line(s, &to, 0, "data enter");
	actor_barrier(s, &to); /* it accepted the offer */
	free(session_ctl_ok(s, "button left release"));
	actor_wait_line(s, &to, 0, "data drop");
	actor_wait_line(s, &from, mark, "drag dropped");
	actor_barrier(s, &high);
	char *events = actor_events(&high);
	session_assert_msg(s, !strstr(events, "data "), "high heard of low's drag: %s", events);
	free(events);
	session_stop(s);
}

/*
 * A drag without a source, refused for its forged serial, is freed by the
 * compositor without a trace: the keyboard is still the window's, and a
 * real drag from a real press works afterwards (nothing stuck).
 */
static void
a_refused_drag_without_a_source_leaves_nothing(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low;
	start(s, &low, "low", "seat-low",
			(const char *const[]){ "drag-sourceless", "drag-on-press", NULL });
	actor_wait_line(s, &low, 0, "sourceless drag");
	actor_barrier(s, &low);
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "type abc"));
	char line[32];
	snprintf(line, sizeof(line), "key %d released", KEY_C);
	actor_wait_line(s, &low, mark, line);

	move_to_window(s, &low);
	mark = actor_mark(&low);
	free(session_ctl_ok(s, "button left press"));
	actor_wait_line(s, &low, mark, "drag started");
	actor_barrier(s, &low);
	int lx, ly;
	session_assert(s, session_window_visible_point(s, low.window.id, &lx, &ly));
	free(session_ctl_ok(s, "motion %d %d", lx + 3, ly + 3));
	actor_wait_line(s, &low, mark, "data enter");
	free(session_ctl_ok(s, "button left release"));
	actor_wait_line(s, &low, mark, "data drop");
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/*
 * A popup grab during the client's own drag is refused: it would take the
 * drag's place and leave the drag on, inert, holding the pointer out of
 * the other level's windows. The drag ends with it; high works after.
 */
static void
popup_grab_during_a_drag_is_refused(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &high, "high", "seat-high", NULL);
	start(s, &low, "low", "seat-low",
			(const char *const[]){ "drag-on-press", "popup-during-drag", NULL });
	/* The press that gives low focus is held: the drag starts from it. */
	move_to_window(s, &low);
	press_left_in(s, &low);
	actor_wait_line(s, &low, 0, "drag started");
	actor_wait_line(s, &low, 0, "popup 1 done");
	/* The drag the grab took the place of is ended with it, not left on,
	 * inert. */
	actor_wait_line(s, &low, 0, "drag cancelled");
	free(session_ctl_ok(s, "button left release"));
	size_t mark = actor_mark(&low);
	actor_click(s, &high, "left");
	typed_text_reaches_only(s, &high, &low, mark);
	session_stop(s);
}

/* ---- a finger on a surface that goes away ------------------------------- */

struct touch_log {
	struct wl_surface *down_on; /* the surface of the last down */
	int downs, ups, motions, cancels;
	bool up_pending; /* an up not followed by a frame yet */
	int framed_ups; /* ups a frame closed (clients apply events at frames) */
};

static void
touch_log_down(void *data, struct wl_touch *touch, uint32_t serial, uint32_t time,
		struct wl_surface *surface, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	struct touch_log *log = data;
	log->down_on = surface;
	log->downs++;
}

static void
touch_log_up(void *data, struct wl_touch *touch, uint32_t serial, uint32_t time, int32_t id)
{
	struct touch_log *log = data;
	log->ups++;
	log->up_pending = true;
}

static void
touch_log_motion(void *data, struct wl_touch *touch, uint32_t time, int32_t id, wl_fixed_t x,
		wl_fixed_t y)
{
	struct touch_log *log = data;
	log->motions++;
}

static void
touch_log_frame(void *data, struct wl_touch *touch)
{
	struct touch_log *log = data;
	if (log->up_pending) {
		log->up_pending = false;
		log->framed_ups++;
	}
}

static void
touch_log_cancel(void *data, struct wl_touch *touch)
{
	struct touch_log *log = data;
	log->cancels++;
}

static const struct wl_touch_listener touch_log_listener = {
	.down = touch_log_down,
	.up = touch_log_up,
	.motion = touch_log_motion,
	.frame = touch_log_frame,
	.cancel = touch_log_cancel,
};

/*
 * A finger is down on a window and the window is destroyed: its client is
 * told the finger is up (wl_touch.up, then wl_touch.frame, at which clients
 * apply it; wlroots 0.15 said nothing, and the client waited for an up
 * forever). What the device says of that finger
 * afterwards reaches nobody.
 */
static void
a_finger_on_a_destroyed_surface_is_lifted(void)
{
	struct strata_session *s = session_start(NULL);
	/* The touchscreen comes (an unknown finger lifted makes it). */
	free(session_ctl_ok(s, "touch up 99"));
	struct raw_client *c = raw_client_connect(session_socket(s, "low"));
	session_assert_msg(s, c != NULL, "cannot connect to low");
	const struct raw_global *g = raw_client_find_global(c, "wl_seat");
	session_assert(s, g != NULL);
	struct wl_seat *seat = wl_registry_bind(c->registry, g->name, &wl_seat_interface, 5);
	struct wl_touch *touch = wl_seat_get_touch(seat);
	struct touch_log log = { 0 };
	wl_touch_add_listener(touch, &touch_log_listener, &log);
	struct raw_window *w = raw_window_create(c, 300, 200, "touch-gone", "touch-gone");
	session_assert_msg(s, w != NULL, "the window did not map");
	struct window_info info;
	session_assert(s,
			session_wait_window(s, &(struct window_match){ .app_id = "touch-gone" },
					&info, EVENT_TIMEOUT_MS));
	int x, y;
	session_assert(s, session_window_visible_point(s, info.id, &x, &y));
	free(session_ctl_ok(s, "touch down 1 %d %d", x, y));
	session_assert(s, raw_client_roundtrip(c, EVENT_TIMEOUT_MS));
	session_assert_msg(s, log.downs == 1 && log.down_on == w->surface,
			"the finger did not go down on the window (%d downs)", log.downs);
	raw_window_destroy(w);
	session_assert(s, raw_client_roundtrip(c, EVENT_TIMEOUT_MS));
	session_assert_msg(s, log.ups == 1 && log.framed_ups == 1 && log.cancels == 0,
			"the window was destroyed under the finger: %d up (%d closed by a frame), "
			"%d cancel (1 up and its frame wanted)",
			log.ups, log.framed_ups, log.cancels);
	free(session_ctl_ok(s, "touch motion 1 %d %d", x + 5, y + 5));
	free(session_ctl_ok(s, "touch up 1"));
	session_assert(s, raw_client_roundtrip(c, EVENT_TIMEOUT_MS));
	session_assert_msg(s, log.ups == 1 && log.motions == 0 && raw_client_error(c) == 0,
			"the lifted finger still talks: %d up, %d motion, error %d", log.ups,
			log.motions, raw_client_error(c));
	wl_touch_destroy(touch);
	wl_seat_destroy(seat);
	raw_client_destroy(c);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

TAP_TESTS(TAP_CASE(popup_grab_with_a_sent_serial_ends_on_click_elsewhere),
		TAP_CASE(popup_grab_with_a_forged_serial_is_refused),
		TAP_CASE(popup_grab_from_an_unfocused_window_is_refused),
		TAP_CASE(button_held_in_low_during_a_click_on_high),
		TAP_CASE(drag_from_low_carried_over_high),
		TAP_CASE(key_held_while_a_click_moves_focus),
		TAP_CASE(key_held_while_logo_tab_moves_focus),
		TAP_CASE(popup_grab_with_a_hover_serial_is_refused),
		TAP_CASE(a_new_keyboard_hears_no_key_held_elsewhere),
		TAP_CASE(a_press_released_elsewhere_starts_no_drag),
		TAP_CASE(no_focus_to_another_level_after_the_last_window_closed),
		TAP_CASE(a_press_ended_by_a_resize_starts_no_drag),
		TAP_CASE(drag_and_drop_within_a_level),
		TAP_CASE(a_refused_drag_without_a_source_leaves_nothing),
		TAP_CASE(popup_grab_during_a_drag_is_refused),
		TAP_CASE(a_finger_on_a_destroyed_surface_is_lifted))
