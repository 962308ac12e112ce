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
#include "strata_test.h"

#define MAP_TIMEOUT_MS 15000
#define EVENT_TIMEOUT_MS 5000
/* evdev codes, as wl_keyboard.key carries them */
#define KEY_A 30
#define KEY_B 48
#define KEY_C 46
#define KEY_X 45 /* the key held across the focus change: not in "abc" */
#define BTN_LEFT 272

struct actor {
	pid_t pid;
	char log[256];
	char app_id[64];
	unsigned barriers;
	struct window_info window;
};

static void
actor_start(struct strata_session *s, struct actor *a, const char *level, const char *app_id,
		const char *const *tricks)
{
	const char *bin = getenv("STRATA_ACTOR_BIN");
	session_assert_msg(s, bin && bin[0],
			"STRATA_ACTOR_BIN is not set (run through meson test)");
	snprintf(a->log, sizeof(a->log), "%s/%s.events", s->dir, app_id);
	snprintf(a->app_id, sizeof(a->app_id), "%s", app_id);
	a->barriers = 0;
	char *argv[32];
	int n = 0;
	argv[n++] = (char *)bin;
	argv[n++] = "--log";
	argv[n++] = a->log;
	argv[n++] = "--colour";
	argv[n++] = strcmp(level, "low") == 0 ? "ff13579b" : "ff2468ac";
	argv[n++] = "--app-id";
	argv[n++] = a->app_id;
	for (int i = 0; tricks && tricks[i] && n < 30; i++) {
		argv[n++] = "--trick";
		argv[n++] = (char *)tricks[i];
	}
	argv[n] = NULL;
	a->pid = session_spawn_client(s, level, argv);
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .app_id = app_id },
					&a->window, MAP_TIMEOUT_MS),
			"%s did not map", app_id);
}

static char *
actor_events(struct strata_session *s, struct actor *a)
{
	char *text = session_read_file(a->log, NULL);
	return text ? text : strdup("");
}

/* Bytes of the log so far: later checks look only past this mark. */
static size_t
actor_mark(struct strata_session *s, struct actor *a)
{
	char *text = actor_events(s, a);
	size_t len = strlen(text);
	free(text);
	return len;
}

struct log_wait {
	struct actor *actor;
	size_t from;
	const char *line;
};

static bool
log_has_line(struct strata_session *s, void *data)
{
	struct log_wait *w = data;
	char *text = actor_events(s, w->actor);
	bool found = false;
	size_t len = strlen(w->line);
	for (const char *p = text + (w->from < strlen(text) ? w->from : strlen(text)); *p;) {
		const char *nl = strchr(p, '\n');
		size_t line_len = nl ? (size_t)(nl - p) : strlen(p);
		if (line_len == len && strncmp(p, w->line, len) == 0) {
			found = true;
			break;
		}
		p += line_len + (nl ? 1 : 0);
	}
	free(text);
	return found;
}

static void
actor_wait_line(struct strata_session *s, struct actor *a, size_t from, const char *line)
{
	struct log_wait w = { a, from, line };
	if (!session_wait_for(log_has_line, s, &w, EVENT_TIMEOUT_MS)) {
		char *text = actor_events(s, a);
		session_fail(s, "%s never logged \"%s\"; its events since the mark:\n%s", a->app_id,
				line, text + (from < strlen(text) ? from : strlen(text)));
	}
}

/* Every event the compositor sent the actor so far is in its log after this. */
static void
actor_barrier(struct strata_session *s, struct actor *a)
{
	char line[32];
	snprintf(line, sizeof(line), "barrier %u", ++a->barriers);
	session_assert(s, kill(a->pid, SIGUSR1) == 0);
	actor_wait_line(s, a, 0, line);
}

/* Key event lines ("key N pressed|released") past the mark. */
static int
count_keys(struct strata_session *s, struct actor *a, size_t from, char *listing, size_t size)
{
	char *text = actor_events(s, a);
	int count = 0;
	size_t used = 0;
	listing[0] = '\0';
	for (const char *p = text + (from < strlen(text) ? from : strlen(text)); *p;) {
		const char *nl = strchr(p, '\n');
		size_t line_len = nl ? (size_t)(nl - p) : strlen(p);
		if (strncmp(p, "key ", 4) == 0) {
			count++;
			if (used + line_len + 3 < size) {
				used += (size_t)snprintf(listing + used, size - used, "%.*s; ",
						(int)line_len, p);
			}
		}
		p += line_len + (nl ? 1 : 0);
	}
	free(text);
	return count;
}

static void
click_window(struct strata_session *s, struct actor *a, const char *button)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, a->window.id, &x, &y),
			"no visible point of %s", a->app_id);
	free(session_ctl_ok(s, "click %d %d %s", x, y, button));
}

static void
move_to_window(struct strata_session *s, struct actor *a)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, a->window.id, &x, &y),
			"no visible point of %s", a->app_id);
	free(session_ctl_ok(s, "motion %d %d", x, y));
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
	size_t to_mark = actor_mark(s, to);
	free(session_ctl_ok(s, "type abc"));
	char line[32];
	snprintf(line, sizeof(line), "key %d released", KEY_C);
	actor_wait_line(s, to, to_mark, line);
	actor_barrier(s, from);
	actor_barrier(s, to);
	char listing[1024];
	int stolen = count_keys(s, from, from_mark, listing, sizeof(listing));
	session_assert_msg(s, stolen == 0, "the window that lost focus still got %d key events: %s",
			stolen, listing);
	int got = count_keys(s, to, to_mark, listing, sizeof(listing));
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
	actor_start(s, &high, "high", "seat-high", NULL);
	actor_start(s, &low, "low", "seat-low",
			(const char *const[]){ "popup-grab-on-press", NULL });
	click_window(s, &low, "left");
	actor_wait_line(s, &low, 0, "popup 1 configured");
	/* The grab is real: low has the keyboard. */
	size_t mark = actor_mark(s, &low);
	free(session_ctl_ok(s, "type a"));
	char line[32];
	snprintf(line, sizeof(line), "key %d released", KEY_A);
	actor_wait_line(s, &low, mark, line);

	mark = actor_mark(s, &low);
	click_window(s, &high, "left");
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
	actor_start(s, &low, "low", "seat-low", (const char *const[]){ "popup-grab-forged", NULL });
	actor_wait_line(s, &low, 0, "popup 1 grab serial 2147483632");
	actor_wait_line(s, &low, 0, "popup 1 done");
	actor_start(s, &high, "high", "seat-high", NULL);
	size_t mark = actor_mark(s, &low);
	click_window(s, &high, "left");
	typed_text_reaches_only(s, &high, &low, mark);
	session_stop(s);
}

/* A window without focus cannot grab the seat at all. */
static void
popup_grab_from_an_unfocused_window_is_refused(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	actor_start(s, &high, "high", "seat-high", NULL);
	size_t mark = 0;
	actor_start(s, &low, "low", "seat-low",
			(const char *const[]){ "popup-grab-unfocused", NULL });
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
	actor_start(s, &high, "high", "seat-high", NULL);
	actor_start(s, &low, "low", "seat-low", NULL);
	click_window(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	move_to_window(s, &low);
	size_t low_mark = actor_mark(s, &low);
	free(session_ctl_ok(s, "button left press"));
	char line[40];
	snprintf(line, sizeof(line), "button %d pressed", BTN_LEFT);
	actor_wait_line(s, &low, low_mark, line);

	size_t high_mark = actor_mark(s, &high);
	click_window(s, &high, "right");
	free(session_ctl_ok(s, "button left release"));
	typed_text_reaches_only(s, &high, &low, low_mark);
	/* high never hears the release of a press it did not get. */
	char *events = actor_events(s, &high);
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
	actor_start(s, &low, "low", "seat-low", (const char *const[]){ "drag-on-press", NULL });
	actor_start(s, &high, "high", "seat-high", NULL);
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	move_to_window(s, &low);
	size_t mark = actor_mark(s, &low);
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
	char *events = actor_events(s, &high);
	session_assert_msg(s, !strstr(events, "data enter"), "low's drag entered high: %s", events);
	free(events);

	mark = actor_mark(s, &low);
	click_window(s, &high, "left");
	typed_text_reaches_only(s, &high, &low, mark);
	session_stop(s);
}

/* A key held down while a click moves focus. */
static void
key_held_while_a_click_moves_focus(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	actor_start(s, &high, "high", "seat-high", NULL);
	actor_start(s, &low, "low", "seat-low", NULL);
	click_window(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	size_t mark = actor_mark(s, &low);
	free(session_ctl_ok(s, "keydown x"));
	char line[32];
	snprintf(line, sizeof(line), "key %d pressed", KEY_X);
	actor_wait_line(s, &low, mark, line);

	mark = actor_mark(s, &low);
	size_t high_mark = actor_mark(s, &high);
	click_window(s, &high, "left");
	free(session_ctl_ok(s, "keyup x"));
	typed_text_reaches_only(s, &high, &low, mark);
	char *events = actor_events(s, &high);
	session_assert_msg(s, strstr(events + high_mark, "enter keys=[]\n") != NULL,
			"high's enter did not come with an empty key list: %s", events + high_mark);
	snprintf(line, sizeof(line), "key %d ", KEY_X);
	session_assert_msg(s, !strstr(events + high_mark, line),
			"the key held in low reached high: %s", events + high_mark);
	free(events);
	session_stop(s);
}

/* A key held down while Logo+Tab moves focus. */
static void
key_held_while_logo_tab_moves_focus(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	actor_start(s, &high, "high", "seat-high", NULL);
	actor_start(s, &low, "low", "seat-low", NULL);
	click_window(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	size_t mark = actor_mark(s, &low);
	free(session_ctl_ok(s, "keydown x"));
	char line[32];
	snprintf(line, sizeof(line), "key %d pressed", KEY_X);
	actor_wait_line(s, &low, mark, line);

	mark = actor_mark(s, &low);
	size_t high_mark = actor_mark(s, &high);
	free(session_ctl_ok(s, "key logo+Tab"));
	free(session_ctl_ok(s, "keyup x"));
	typed_text_reaches_only(s, &high, &low, mark);
	char *events = actor_events(s, &high);
	snprintf(line, sizeof(line), "key %d ", KEY_X);
	session_assert_msg(s, !strstr(events + high_mark, line),
			"the key held in low reached high: %s", events + high_mark);
	session_assert_msg(s, strstr(events + high_mark, "enter keys=[]\n") != NULL,
			"high's enter did not come with an empty key list: %s", events + high_mark);
	free(events);
	session_stop(s);
}

TAP_TESTS(TAP_CASE(popup_grab_with_a_sent_serial_ends_on_click_elsewhere),
		TAP_CASE(popup_grab_with_a_forged_serial_is_refused),
		TAP_CASE(popup_grab_from_an_unfocused_window_is_refused),
		TAP_CASE(button_held_in_low_during_a_click_on_high),
		TAP_CASE(drag_from_low_carried_over_high),
		TAP_CASE(key_held_while_a_click_moves_focus),
		TAP_CASE(key_held_while_logo_tab_moves_focus))
