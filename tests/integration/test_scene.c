// SPDX-License-Identifier: MIT
// The scene rule, tried as an attacker would: a low client paints with one
// distinctive colour and plays every trick that could put its pixels where
// they must not be (popups aimed at the other level's column and at the
// banner, subsurfaces walking out of their window, buffers larger than the
// window, a tiny window geometry, a viewport or a buffer scale that blows
// the surface up), with its window raised by a click. A census of the
// screenshot then counts the attacker's colour inside the high window's
// frame and in the banner: 0. The high window must stay visible (its own
// colour counted inside its box), and the attacker must really have drawn
// (its colour counted inside its own box), or the census proves nothing.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actor_client.h"
#include "strata_test.h"

#define EVENT_TIMEOUT_MS 5000
#define ATTACKER_RGB 0x13579bu
#define VICTIM_RGB 0x2468acu
#define POPUP_RGB 0x13579cu /* the attacker's popups */

struct box {
	int x, y, width, height;
};

static long
census(struct strata_session *s, const uint32_t *pixels, int width, int height, struct box box,
		uint32_t rgb, const char *what)
{
	return session_census(s, pixels, width, height, box.x, box.y, box.width, box.height, rgb,
			what);
}

static struct box
frame_box(const struct window_info *w)
{
	return (struct box){ w->frame_x, w->frame_y, w->frame_width, w->frame_height };
}

static struct box
content_box(const struct window_info *w)
{
	return (struct box){ w->x, w->y, w->width, w->height };
}

/*
 * The census of one screenshot; returns the pixels of the attacker's
 * popups on screen. popup_max > 0: there may be no more than that many.
 */
static long
judge(struct strata_session *s, const uint32_t *pixels, int width, int height, const char *shot,
		const struct actor *victim, const struct actor *attacker, int popups,
		bool toplevel_only, long popup_max)
{
	tap_diag("%s:", shot);
	struct box banner = { 0, 0, width, SESSION_BANNER_HEIGHT };
	long in_victim = census(s, pixels, width, height, frame_box(&victim->window), ATTACKER_RGB,
			"the high window's frame");
	long in_banner = census(s, pixels, width, height, banner, ATTACKER_RGB, "the banner");
	long victim_seen = census(s, pixels, width, height, content_box(&victim->window),
			VICTIM_RGB, "the high window's content");
	/* Its window or its popups over it: the attacker's paint in its own box. */
	long attacker_drew = census(s, pixels, width, height, content_box(&attacker->window),
					     ATTACKER_RGB, "the attacker's own content") +
			census(s, pixels, width, height, content_box(&attacker->window), POPUP_RGB,
					"the attacker's own content");
	long popup_in_victim = census(s, pixels, width, height, frame_box(&victim->window),
			POPUP_RGB, "the high window's frame");
	long popup_in_banner = census(s, pixels, width, height, banner, POPUP_RGB, "the banner");
	struct box whole = { 0, 0, width, height };
	long popup_shown = census(s, pixels, width, height, whole, POPUP_RGB, "the screen");
	long outside = 0;
	if (toplevel_only) {
		/* Everywhere but the attacker's own frame: the whole screen, less it. */
		outside = census(s, pixels, width, height, whole, ATTACKER_RGB, "the screen") -
				census(s, pixels, width, height, frame_box(&attacker->window),
						ATTACKER_RGB, "the attacker's frame");
	}
	session_assert_msg(s, attacker_drew > 1000,
			"%s: the attacker drew only %ld pixels in its own window: the trick did not "
			"run",
			shot, attacker_drew);
	session_assert_msg(s, in_victim == 0,
			"%s: %ld attacker pixels inside the high window's frame", shot, in_victim);
	session_assert_msg(s, in_banner == 0, "%s: %ld attacker pixels in the banner", shot,
			in_banner);
	session_assert_msg(s, outside == 0, "%s: %ld attacker pixels outside its own frame", shot,
			outside);
	session_assert_msg(s, popup_in_victim == 0,
			"%s: %ld pixels of the attacker's popups inside the high window's frame",
			shot, popup_in_victim);
	session_assert_msg(s, popup_in_banner == 0,
			"%s: %ld pixels of the attacker's popups in the banner", shot,
			popup_in_banner);
	/* A popup the compositor could slide into the attacker's own column is
	 * shown there: popups are cut, not hidden. */
	session_assert_msg(s, popups == 0 || popup_shown > 1000,
			"%s: the attacker's popups are not shown at all (%ld pixels)", shot,
			popup_shown);
	session_assert_msg(s, popup_max == 0 || popup_shown <= popup_max,
			"%s: the attacker's popups show %ld pixels, more than their %ld", shot,
			popup_shown, popup_max);
	session_assert_msg(s, victim_seen > 1000, "%s: the high window is not visible (%ld pixels)",
			shot, victim_seen);
	return popup_shown;
}

/*
 * The victim (high) maps first, then the attacker (low) with its tricks;
 * a click raises and focuses the attacker; the census follows, of the screen
 * as damage tracking drew it and of a whole redraw.
 * toplevel_only: the attacker's pixels may be nowhere outside its own
 * frame (no popup in play). popup_max > 0: its popups may show no more
 * pixels than that.
 */
static void
run_census(const char *const *tricks, int popups, bool toplevel_only, long popup_max)
{
	struct strata_session *s = session_start(NULL);
	struct actor victim, attacker;
	actor_start(s, &victim, "high", "scene-victim", VICTIM_RGB, POPUP_RGB, NULL);
	actor_start(s, &attacker, "low", "scene-attacker", ATTACKER_RGB, POPUP_RGB, tricks);
	/* Raise the attacker by clicking it (a user action: it comes on top). */
	int x, y;
	session_assert(s, session_window_visible_point(s, attacker.window.id, &x, &y));
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	if (popups > 0) {
		actor_wait_count(s, &attacker, " configured", popups);
	}
	/* Its commits are all in: a round trip after them. */
	actor_barrier(s, &attacker);
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = victim.window.id },
					&victim.window));
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = attacker.window.id },
					&attacker.window));

	int width, height;
	uint32_t *pixels = session_screenshot_current(s, &width, &height);
	judge(s, pixels, width, height, "the screen as drawn", &victim, &attacker, popups,
			toplevel_only, popup_max);
	free(pixels);
	pixels = session_screenshot(s, &width, &height);
	judge(s, pixels, width, height, "a whole redraw", &victim, &attacker, popups, toplevel_only,
			popup_max);
	free(pixels);

	/* Input follows the same rule: a click where the attacker's surface would
	 * be, inside the high window, goes to the high window. */
	struct box vb = content_box(&victim.window);
	free(session_ctl_ok(s, "click %d %d", vb.x + vb.width / 2, vb.y + vb.height / 2));
	session_assert_msg(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS),
			"a click inside the high window did not reach it");
	session_stop(s);
}

/*
 * The user floats the attacker (low) half over the victim (high) with
 * Logo+drag on its title bar; returns with both windows listed anew and the box where the
 * attacker's frame covers the victim's (at least 100x100).
 */
static struct box
float_attacker_over_victim(struct strata_session *s, struct actor *victim, struct actor *attacker)
{
	/* By its title bar: the compositor's, whatever the client takes. */
	const struct window_info *w = &attacker->window;
	int x = w->x + w->width / 2, y = (w->frame_y + w->y) / 2;
	session_assert_msg(s, w->y - w->frame_y >= 4, "the attacker has no title bar");
	int dx = (victim->window.x + victim->window.width / 2) -
			(attacker->window.x + attacker->window.width / 2);
	free(session_ctl_ok(s, "motion %d %d", x, y));
	free(session_ctl_ok(s, "keydown logo"));
	free(session_ctl_ok(s, "button left press"));
	free(session_ctl_ok(s, "motion %d %d", x + dx / 2, y));
	free(session_ctl_ok(s, "button left release"));
	free(session_ctl_ok(s, "keyup logo"));
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	actor_barrier(s, attacker);
	/* The victim, alone in the tiled layout now, has had its new size and
	 * drawn at it: the boxes read below are the ones on screen. */
	actor_barrier(s, victim);
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = victim->window.id },
					&victim->window));
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = attacker->window.id },
					&attacker->window));
	const struct window_info *a = &attacker->window, *v = &victim->window;
	int x0 = a->frame_x > v->frame_x ? a->frame_x : v->frame_x;
	int y0 = a->frame_y > v->frame_y ? a->frame_y : v->frame_y;
	int x1 = a->frame_x + a->frame_width < v->frame_x + v->frame_width ?
			a->frame_x + a->frame_width :
			v->frame_x + v->frame_width;
	int y1 = a->frame_y + a->frame_height < v->frame_y + v->frame_height ?
			a->frame_y + a->frame_height :
			v->frame_y + v->frame_height;
	session_assert_msg(s, x1 - x0 >= 100 && y1 - y0 >= 100,
			"the attacker was not moved over the victim: frames %d,%d %dx%d and %d,%d "
			"%dx%d",
			a->frame_x, a->frame_y, a->frame_width, a->frame_height, v->frame_x,
			v->frame_y, v->frame_width, v->frame_height);
	return (struct box){ x0, y0, x1 - x0, y1 - y0 };
}

/*
 * A low window whose pixels are all transparent (claiming to be opaque or
 * not), floated by the user over a high window: inside low's frame not one
 * high pixel shows through, on screen as drawn or redrawn whole. A low
 * window must not dress itself in the content of a high one.
 */
static void
transparent_window_over_another_level(bool claim_opaque)
{
	struct strata_session *s = session_start(NULL);
	struct actor victim, attacker;
	actor_start(s, &victim, "high", "scene-victim", VICTIM_RGB, POPUP_RGB, NULL);
	actor_start(s, &attacker, "low", "scene-attacker", ATTACKER_RGB, POPUP_RGB,
			claim_opaque ? (const char *const[]){ "transparent", "claim-opaque",
						       NULL } :
				       (const char *const[]){ "transparent", NULL });
	struct box overlap = float_attacker_over_victim(s, &victim, &attacker);
	for (int whole = 0; whole < 2; whole++) {
		int width, height;
		uint32_t *pixels = whole ? session_screenshot(s, &width, &height) :
					   session_screenshot_current(s, &width, &height);
		tap_diag("%s:", whole ? "a whole redraw" : "the screen as drawn");
		long through = census(s, pixels, width, height, frame_box(&attacker.window),
				VICTIM_RGB, "the low window's frame");
		long overlap_victim = census(s, pixels, width, height, overlap, VICTIM_RGB,
				"where low covers high");
		long victim_seen = census(s, pixels, width, height, content_box(&victim.window),
				VICTIM_RGB, "the high window's content");
		free(pixels);
		session_assert_msg(s, through == 0 && overlap_victim == 0,
				"%ld high pixels show through the transparent low window", through);
		/* The rest of high is still drawn: the census looked at a real screen. */
		session_assert_msg(s, victim_seen > 1000, "the high window is not visible (%ld)",
				victim_seen);
	}
	session_stop(s);
}

/* ---- tests ------------------------------------------------------------- */

static void
transparent_window_over_another_level_shows_none_of_it(void)
{
	transparent_window_over_another_level(false);
}

static void
transparent_window_claiming_opaque_over_another_level_shows_none_of_it(void)
{
	transparent_window_over_another_level(true);
}

/*
 * A low window that takes no input (an empty input region), floated over a
 * high window: a click inside low's frame is low's (it keeps focus), and
 * the high window below hears nothing of it, not even the pointer. No click goes through a
 * window to another level's.
 */
static void
click_on_a_window_without_input_does_not_go_through(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor victim, attacker;
	actor_start(s, &victim, "high", "scene-victim", VICTIM_RGB, POPUP_RGB, NULL);
	actor_start(s, &attacker, "low", "scene-attacker", ATTACKER_RGB, POPUP_RGB,
			(const char *const[]){ "noinput", NULL });
	struct box overlap = float_attacker_over_victim(s, &victim, &attacker);
	/* low, floated, is on top and focused; the user clicks in it where it
	 * covers high. */
	actor_barrier(s, &victim);
	size_t mark = actor_mark(&victim);
	free(session_ctl_ok(s, "click %d %d", overlap.x + overlap.width / 2,
			overlap.y + overlap.height / 2));
	actor_barrier(s, &victim);
	session_assert_msg(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS),
			"the click went to the high window below");
	char listing[512];
	int heard = actor_count_lines(&victim, mark, "button ", listing, sizeof(listing));
	session_assert_msg(s, heard == 0, "the high window below heard the click: %s", listing);
	int entered = actor_count_lines(&victim, mark, "pointer enter", listing, sizeof(listing));
	session_assert_msg(s, entered == 0, "the pointer entered the high window below: %s",
			listing);
	session_stop(s);
}

static void
client_maximize_stays_in_its_column(void)
{
	run_census((const char *const[]){ "maximize", NULL }, 0, true, 0);
}

static void
client_fullscreen_stays_in_its_column(void)
{
	run_census((const char *const[]){ "fullscreen", NULL }, 0, true, 0);
}

static void
popup_geometry_smaller_than_its_buffer(void)
{
	/* The popup says it is 60x40 but its buffer is 400x300: no more of it
	 * shows than its box and the one-pixel ring of the clip. */
	run_census((const char *const[]){ "popup:40,40,400,300,0", "popup-geometry:60,40", NULL },
			1, false, 62 * 42);
}

static void
popups_aimed_at_the_other_column_and_the_banner(void)
{
	/* ADJ 0: the compositor may not move them (only cut them); 15: it may
	 * slide and flip them. */
	run_census((const char *const[]){ "popup:1300,100,500,300,0", "popup:1300,450,500,300,15",
				   "popup:100,-400,300,300,0", "popup:-600,-600,3000,2000,0",
				   NULL },
			4, false, 0);
}

static void
subsurface_ladder_walks_out_of_the_window(void)
{
	/* Each step from the previous one: left and up, then far right (over
	 * high's column), then up into the banner. */
	run_census((const char *const[]){ "subsurface:-300,-300,400,400",
				   "subsurface:1400,100,500,500", "subsurface:0,-900,500,500",
				   "subsurface:-2000,1200,3000,3000", NULL },
			0, true, 0);
}

static void
buffer_larger_than_the_window(void)
{
	run_census((const char *const[]){ "buffer:3000,2000", NULL }, 0, true, 0);
}

static void
tiny_window_geometry_over_a_large_buffer(void)
{
	run_census((const char *const[]){ "buffer:3000,2000", "geometry:0,0,200,150", NULL }, 0,
			true, 0);
}

static void
viewport_destination_larger_than_the_window(void)
{
	run_census((const char *const[]){ "viewport:4000,4000", NULL }, 0, true, 0);
}

static void
buffer_scale_over_a_huge_buffer(void)
{
	run_census((const char *const[]){ "buffer:6000,4000", "scale:2", NULL }, 0, true, 0);
}

/*
 * A new window's first configure already gives the size it gets once
 * mapped as a tile, the second window of a column included (the first is
 * then resized): it draws once, at that size.
 */
static void
first_configure_gives_the_tile_size(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor one, two;
	actor_start(s, &one, "low", "first-one", VICTIM_RGB, POPUP_RGB, NULL);
	int w, h;
	actor_first_configure(s, &one, &w, &h);
	tap_diag("first window: first configure %dx%d, mapped %dx%d", w, h, one.window.width,
			one.window.height);
	session_assert_msg(s, w == one.window.width && h == one.window.height,
			"the first configure said %dx%d, the window was given %dx%d", w, h,
			one.window.width, one.window.height);
	actor_start(s, &two, "low", "first-two", ATTACKER_RGB, POPUP_RGB, NULL);
	actor_barrier(s, &two);
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = two.window.id },
					&two.window));
	actor_first_configure(s, &two, &w, &h);
	tap_diag("second window: first configure %dx%d, mapped %dx%d", w, h, two.window.width,
			two.window.height);
	session_assert_msg(s, w == two.window.width && h == two.window.height,
			"the first configure said %dx%d, the window was given %dx%d", w, h,
			two.window.width, two.window.height);
	session_assert_msg(s, h < one.window.height, "the second window did not share the column");
	session_stop(s);
}

TAP_TESTS(TAP_CASE(popups_aimed_at_the_other_column_and_the_banner),
		TAP_CASE(subsurface_ladder_walks_out_of_the_window),
		TAP_CASE(buffer_larger_than_the_window),
		TAP_CASE(tiny_window_geometry_over_a_large_buffer),
		TAP_CASE(viewport_destination_larger_than_the_window),
		TAP_CASE(buffer_scale_over_a_huge_buffer),
		TAP_CASE(client_maximize_stays_in_its_column),
		TAP_CASE(client_fullscreen_stays_in_its_column),
		TAP_CASE(popup_geometry_smaller_than_its_buffer),
		TAP_CASE(transparent_window_over_another_level_shows_none_of_it),
		TAP_CASE(transparent_window_claiming_opaque_over_another_level_shows_none_of_it),
		TAP_CASE(click_on_a_window_without_input_does_not_go_through),
		TAP_CASE(first_configure_gives_the_tile_size))
