// SPDX-License-Identifier: MIT
// Pointer locks, confinements and relative motion, as the windows see them:
// a lock holds only in the focused window with the pointer on it; the
// reserved modifier (Logo+Tab), the secure attention key and a focus change
// take it away at once (the client is told "unlocked") and the cursor moves
// again (the next click lands in the other window); a window that is not
// focused is never locked; relative motion goes to the client under the
// pointer and never to a window of another level. Every check is on what
// the recording clients (itest-actor) received, and on the banner's pixels
// (the notice telling how to get the pointer back).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actor_client.h"
#include "banner_check.h"
#include "strata_test.h"

#define EVENT_TIMEOUT_MS 5000
#define BTN_LEFT 272
#define LOW_RGB 0x13579bu
#define HIGH_RGB 0x2468acu

static const char *const lock_tricks[] = { "lock-pointer", "relative-pointer", NULL };
static const char *const confine_tricks[] = { "confine-pointer", "relative-pointer", NULL };
static const char *const relative_tricks[] = { "relative-pointer", NULL };

static void
start(struct strata_session *s, struct actor *a, const char *level, const char *app_id,
		const char *const *tricks)
{
	actor_start(s, a, level, app_id, strcmp(level, "low") == 0 ? LOW_RGB : HIGH_RGB, 0, tricks);
}

static void
point_in(struct strata_session *s, struct actor *a, int *x, int *y)
{
	session_assert_msg(s, session_window_visible_point(s, a->window.id, x, y),
			"no visible point of %s", a->app_id);
}

static int
count(struct actor *a, size_t from, const char *prefix)
{
	char listing[1024];
	return actor_count_lines(a, from, prefix, listing, sizeof(listing));
}

static void
assert_none(struct strata_session *s, struct actor *a, size_t from, const char *prefix,
		const char *what)
{
	actor_barrier(s, a);
	char listing[1024];
	int n = actor_count_lines(a, from, prefix, listing, sizeof(listing));
	session_assert_msg(s, n == 0, "%s: %s got %d \"%s\" lines: %s", what, a->app_id, n, prefix,
			listing);
}

/* high maps, then low (its tricks); the user clicks low: it has focus and
 * the pointer. */
static void
low_focused_beside_high(struct strata_session *s, struct actor *low, struct actor *high,
		const char *const *low_tricks, const char *const *high_tricks)
{
	start(s, high, "high", "constraint-high", high_tricks);
	start(s, low, "low", "constraint-low", low_tricks);
	actor_click(s, low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
}

/*
 * While low holds the lock, the user's hand moves to the high window and
 * clicks: the cursor stayed, so the click is low's (and low heard the
 * motion as relative motion); high heard nothing.
 */
static void
assert_cursor_held(struct strata_session *s, struct actor *low, struct actor *high)
{
	size_t low_mark = actor_mark(low), high_mark = actor_mark(high);
	int x, y;
	point_in(s, high, &x, &y);
	free(session_ctl_ok(s, "click %d %d", x, y));
	char line[40];
	snprintf(line, sizeof(line), "button %d pressed", BTN_LEFT);
	actor_wait_line(s, low, low_mark, line);
	session_assert_msg(s, count(low, low_mark, "relative ") > 0,
			"the locked window heard no relative motion");
	assert_none(s, high, high_mark, "button", "a click while low holds the pointer");
	assert_none(s, high, high_mark, "pointer enter", "a click while low holds the pointer");
}

/* The cursor moves again: a click on high lands in high. */
static void
assert_click_reaches(struct strata_session *s, struct actor *to)
{
	size_t mark = actor_mark(to);
	actor_click(s, to, "left");
	char line[40];
	snprintf(line, sizeof(line), "button %d pressed", BTN_LEFT);
	actor_wait_line(s, to, mark, line);
}

static void
logo_tab_releases_a_lock(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, lock_tricks, NULL);
	actor_wait_line(s, &low, 0, "locked");
	/* The banner tells the user how to get the pointer back. */
	struct banner_expect told = { .level = "low",
		.notice = "This window holds the pointer: press Logo to free it" };
	session_assert_banner(s, &told, EVENT_TIMEOUT_MS);
	assert_cursor_held(s, &low, &high);

	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "key logo+Tab"));
	actor_wait_line(s, &low, mark, "unlocked");
	session_assert(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS));
	assert_click_reaches(s, &high);
	/* Not locked again behind the user's back. */
	assert_none(s, &low, mark, "locked", "after Logo+Tab");
	session_stop(s);
}

/* Logo alone, with no shortcut after it, releases the lock too: no lock
 * ever keeps the pointer from a Logo+drag or a Logo shortcut. The lock
 * comes back only after a click in the window. */
static void
the_reserved_modifier_releases_and_a_click_gives_back(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, lock_tricks, NULL);
	actor_wait_line(s, &low, 0, "locked");
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "key Super_L"));
	actor_wait_line(s, &low, mark, "unlocked");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	/* Motion over the window does not lock it again... */
	int x, y;
	point_in(s, &low, &x, &y);
	free(session_ctl_ok(s, "motion %d %d", x + 5, y + 5));
	assert_none(s, &low, mark, "locked", "motion after the release");
	/* ...a click in it does. */
	actor_click(s, &low, "left");
	actor_wait_line(s, &low, mark, "locked");
	session_stop(s);
}

/*
 * A new window of the focused level takes focus: the lock goes with it,
 * though the pointer is still on the locked window (near its bottom-left
 * corner, which stays its own when the column is split in two rows, the
 * focused window on top).
 */
static void
a_focus_change_releases_a_lock(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high, low2;
	start(s, &high, "high", "constraint-high", NULL);
	start(s, &low, "low", "constraint-low", lock_tricks);
	free(session_ctl_ok(s, "click %d %d", low.window.x + 20,
			low.window.y + low.window.height - 20));
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	actor_wait_line(s, &low, 0, "locked");
	size_t mark = actor_mark(&low);
	start(s, &low2, "low", "constraint-low2", NULL);
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	actor_wait_line(s, &low, mark, "unlocked");
	unsigned focused_id = 0;
	session_assert(s, session_focused(s, &focused_id, NULL, 0));
	session_assert_int_eq(s, focused_id, low2.window.id);
	/* The pointer never left the locked window. */
	actor_barrier(s, &low);
	session_assert_msg(s, count(&low, mark, "pointer leave") == 0,
			"the pointer left the locked window: the focus change was not put to the test");
	assert_click_reaches(s, &high);
	session_stop(s);
}

/* The secure attention key (a key of its own, no Logo) releases it. */
static void
the_secure_attention_key_releases_a_lock(void)
{
	struct session_options opts = { .config = "[lock]\nuser = root\nsak = XF86ScreenSaver\n" };
	struct strata_session *s = session_start(&opts);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, lock_tricks, NULL);
	actor_wait_line(s, &low, 0, "locked");
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "key XF86ScreenSaver"));
	actor_wait_line(s, &low, mark, "unlocked");
	free(session_ctl_ok(s, "key XF86ScreenSaver"));
	assert_click_reaches(s, &high);
	session_stop(s);
}

/* A confined pointer stays in its window; Logo+Tab frees it. */
static void
a_confined_pointer_stays_in_its_window(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, confine_tricks, NULL);
	actor_wait_line(s, &low, 0, "confined");
	assert_cursor_held(s, &low, &high);
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "key logo+Tab"));
	actor_wait_line(s, &low, mark, "unconfined");
	assert_click_reaches(s, &high);
	session_stop(s);
}

/* The last pointer motion the confined window saw since mark was at
 * (want_x, want_y), in its surface's coordinates. */
static void
assert_last_motion(struct strata_session *s, struct actor *a, size_t mark, int want_x, int want_y)
{
	actor_barrier(s, a);
	char listing[1024];
	int moves = actor_count_lines(a, mark, "motion ", listing, sizeof(listing));
	const char *last = strstr(listing, "motion ");
	for (const char *p = last; p; p = strstr(p + 1, "motion ")) {
		last = p;
	}
	int x = -1, y = -1;
	session_assert_msg(s, moves > 0 && last && sscanf(last, "motion %d %d", &x, &y) == 2,
			"the confined window saw no motion: %s", listing);
	session_assert_msg(s, x == want_x && y == want_y, "the pointer is at %d,%d, not %d,%d (%s)",
			x, y, want_x, want_y, listing);
}

/*
 * A confinement to a plain rectangle, 32x64 at the window's top-left, the
 * pointer on its right edge's top pixel (31, 0), pushed to (798, 712):
 * wlroots 0.15's confinement (wlr_region_confine) never returned for these
 * numbers, and the compositor stopped for every level (found by the client
 * fuzz target, a game's everyday request). The compositor answers, and the
 * window last saw the pointer in its box, at the corner nearest the target.
 */
static void
a_confined_pointer_pushed_from_an_edge(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low;
	const char *const tricks[] = { "confine-box:0,0,32,64", NULL };
	start(s, &low, "low", "constraint-box", tricks);
	int x = low.window.x, y = low.window.y;
	free(session_ctl_ok(s, "click %d %d", x + 31, y));
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	actor_wait_line(s, &low, 0, "confined");
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "motion %d %d", x + 798, y + 712));
	free(session_ctl_ok(s, "ping"));
	assert_last_motion(s, &low, mark, 31, 63);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/*
 * A confinement to an L: a bar 40x20 at the top, a leg 20x40 under its left
 * half. The pointer at the bar's right end (35, 5) pushed far down, to
 * (35, 200): it slides into the leg, to the region's point nearest the
 * target (19, 59), not only to the bar's bottom edge (35, 19).
 */
static void
a_confined_pointer_slides_into_the_next_rectangle(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low;
	const char *const tricks[] = { "confine-box:0,0,40,20", "confine-box:0,20,20,40", NULL };
	start(s, &low, "low", "constraint-l", tricks);
	int x = low.window.x, y = low.window.y;
	free(session_ctl_ok(s, "click %d %d", x + 35, y + 5));
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	actor_wait_line(s, &low, 0, "confined");
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "motion %d %d", x + 35, y + 200));
	assert_last_motion(s, &low, mark, 19, 59);
	session_stop(s);
}

/* low has focus; high asks for a lock as it maps: the pointer goes over
 * high and through it back to low, and high is never locked. */
static void
an_unfocused_window_is_never_locked(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &low, "low", "constraint-low", NULL);
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	start(s, &high, "high", "constraint-high", lock_tricks);
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	int x, y;
	point_in(s, &high, &x, &y);
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "motion %d %d", x, y));
	actor_wait_line(s, &high, 0, "pointer enter");
	free(session_ctl_ok(s, "motion %d %d", x + 7, y + 3));
	assert_click_reaches(s, &low);
	session_assert(s, count(&low, mark, "pointer enter") > 0);
	assert_none(s, &high, 0, "locked", "a window without focus");
	session_stop(s);
}

/* Both windows have relative pointers; the pointer moves over low: high
 * hears none of it. With the X-ray up, nobody does. */
static void
relative_motion_reaches_only_the_pointer_client(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	low_focused_beside_high(s, &low, &high, relative_tricks, relative_tricks);
	size_t low_mark = actor_mark(&low), high_mark = actor_mark(&high);
	int x, y;
	point_in(s, &low, &x, &y);
	for (int i = 1; i <= 5; i++) {
		free(session_ctl_ok(s, "motion %d %d", x + 4 * i, y + 3 * i));
	}
	actor_wait_line(s, &low, low_mark, "relative 4 3");
	assert_none(s, &high, high_mark, "relative", "motion over the low window");

	free(session_ctl_ok(s, "key logo+Escape"));
	low_mark = actor_mark(&low);
	for (int i = 1; i <= 3; i++) {
		free(session_ctl_ok(s, "motion %d %d", x - 4 * i, y - 3 * i));
	}
	assert_none(s, &low, low_mark, "relative", "motion under the X-ray");
	assert_none(s, &high, high_mark, "relative", "motion under the X-ray");
	session_stop(s);
}

/* Two constraints on one surface: the client gets a protocol error
 * (already_constrained), the compositor lives on and the other windows
 * keep their input. */
static void
a_second_constraint_on_a_surface_is_a_protocol_error(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low;
	start(s, &low, "low", "constraint-low", NULL);
	char log[256];
	snprintf(log, sizeof(log), "%s/constraint-both.events", s->dir);
	char *argv[] = { getenv("STRATA_ACTOR_BIN"), "--log", log, "--colour", "ff112233",
		"--app-id", "constraint-both", "--trick", "lock-pointer", "--trick",
		"confine-pointer", NULL };
	session_assert(s, argv[0] != NULL);
	pid_t pid = session_spawn_client(s, "low", argv);
	int status;
	session_assert_msg(s, session_wait_client_exit(s, pid, EVENT_TIMEOUT_MS, &status),
			"the client with two constraints on a surface was not disconnected");
	char *events = session_read_file(log, NULL);
	session_assert_msg(s, events && strstr(events, "disconnected error "),
			"no protocol error for two constraints on a surface: %s",
			events ? events : "(no log)");
	free(events);
	session_assert(s, session_compositor_alive(s));
	actor_click(s, &low, "left");
	char line[40];
	snprintf(line, sizeof(line), "button %d pressed", BTN_LEFT);
	actor_wait_line(s, &low, 0, line);
	session_stop(s);
}

TAP_TESTS(TAP_CASE(logo_tab_releases_a_lock),
		TAP_CASE(the_reserved_modifier_releases_and_a_click_gives_back),
		TAP_CASE(a_focus_change_releases_a_lock),
		TAP_CASE(the_secure_attention_key_releases_a_lock),
		TAP_CASE(a_confined_pointer_stays_in_its_window),
		TAP_CASE(a_confined_pointer_pushed_from_an_edge),
		TAP_CASE(a_confined_pointer_slides_into_the_next_rectangle),
		TAP_CASE(an_unfocused_window_is_never_locked),
		TAP_CASE(relative_motion_reaches_only_the_pointer_client),
		TAP_CASE(a_second_constraint_on_a_surface_is_a_protocol_error))
