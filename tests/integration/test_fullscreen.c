// SPDX-License-Identifier: MIT
// Fullscreen means "the output minus the banner" (M32): whether a client asks
// for it, the user toggles it with Logo+f, or a client draws an output-sized
// buffer over everything, the banner stays intact.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>
#include "banner_check.h"
#include "strata_test.h"
#include "xdg-shell-client-protocol.h"

#define ATTACK_COLOUR 0xff00ffu
#define MAP_TIMEOUT_MS 15000

/* ---- helper: a fullscreen client that ignores the configured size ------- */

/* cover WIDTH HEIGHT: ask for fullscreen, then keep attaching a WIDTHxHEIGHT
 * buffer of ATTACK_COLOUR whatever size the compositor configures. */
static int
helper_main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[0], "cover") != 0) {
		fprintf(stderr, "usage: --helper cover WIDTH HEIGHT\n");
		return 2;
	}
	int width = atoi(argv[1]), height = atoi(argv[2]);
	struct raw_client *c = raw_client_connect(getenv("WAYLAND_DISPLAY"));
	struct raw_window *w = c ? raw_window_new(c, "itest-cover", "HIGH - trusted") : NULL;
	if (!w) {
		fprintf(stderr, "cover: cannot connect\n");
		return 1;
	}
	xdg_toplevel_set_fullscreen(w->toplevel, NULL);
	if (!raw_window_map(w, width, height, 0xff000000 | ATTACK_COLOUR)) {
		fprintf(stderr, "cover: cannot map\n");
		return 1;
	}
	while (wl_display_dispatch(c->display) >= 0) {
		if (w->configure_serial != w->acked_serial) {
			xdg_surface_ack_configure(w->xdg_surface, w->configure_serial);
			w->acked_serial = w->configure_serial;
			wl_surface_attach(w->surface, w->buffer, 0, 0);
			wl_surface_damage(w->surface, 0, 0, width, height);
			wl_surface_commit(w->surface);
		}
	}
	fprintf(stderr, "cover: connection lost (error %d)\n", raw_client_error(c));
	return 1;
}

/* ---- test helpers ------------------------------------------------------ */

static int
count_in_banner(const uint32_t *pixels, int width, uint32_t colour)
{
	int n = 0;
	for (int y = 0; y < SESSION_BANNER_HEIGHT; y++) {
		for (int x = 0; x < width; x++) {
			n += pixels[(size_t)y * (size_t)width + (size_t)x] == colour;
		}
	}
	return n;
}

/* The whole banner strip: exactly the banner of the focused level (read
 * from its pixels), and (when given) not a single pixel of the attacker's
 * colour. */
static void
assert_banner_intact(struct strata_session *s, const char *level, uint32_t forbidden)
{
	session_assert_msg(s,
			session_wait_level(s, "low", true, 10000) &&
					session_wait_level(s, "high", true, 10000),
			"the levels' proxies did not come up");
	int width, height;
	uint32_t *pixels = session_screenshot(s, &width, &height);
	int bad = forbidden ? count_in_banner(pixels, width, forbidden) : 0;
	free(pixels);
	session_assert_msg(s, bad == 0, "%d banner pixels are the client's colour #%06x", bad,
			forbidden);
	struct banner_expect expect = { .level = level };
	session_assert_banner(s, &expect, 3000);
}

static bool
is_big(struct strata_session *s, const struct window_info *w)
{
	return w->height * 10 >= (s->opts.height - SESSION_BANNER_HEIGHT) * 9 &&
			w->width * 10 >= s->opts.width * 9;
}

/* within_output: the client used the size it was given, so the whole frame
 * must fit on the output. */
static void
assert_below_banner(struct strata_session *s, const struct window_info *w, bool within_output)
{
	session_assert_msg(s, w->fullscreen, "window %u is not fullscreen", w->id);
	session_assert_msg(s, w->y >= SESSION_BANNER_HEIGHT && w->frame_y >= SESSION_BANNER_HEIGHT,
			"fullscreen window %u at y=%d (frame y=%d) reaches into the %d px banner",
			w->id, w->y, w->frame_y, SESSION_BANNER_HEIGHT);
	if (!within_output) {
		return;
	}
	session_assert_msg(s,
			w->frame_x >= 0 && w->frame_x + w->frame_width <= s->opts.width &&
					w->frame_y + w->frame_height <= s->opts.height,
			"fullscreen window %u frame %d,%d %dx%d leaves the output", w->id,
			w->frame_x, w->frame_y, w->frame_width, w->frame_height);
	/* It did become big: most of the output below the banner. */
	session_assert_msg(s, is_big(s, w), "fullscreen window %u is only %dx%d", w->id, w->width,
			w->height);
}

struct fullscreen_wait {
	unsigned id;
	bool fullscreen;
	bool resized; /* also wait for the client to fill the fullscreen area */
	struct window_info info;
};

static bool
window_fullscreen_is(struct strata_session *s, void *data)
{
	struct fullscreen_wait *f = data;
	return session_find_window(s, &(struct window_match){ .id = f->id }, &f->info) &&
			f->info.fullscreen == f->fullscreen && (!f->resized || is_big(s, &f->info));
}

static struct window_info
wait_fullscreen(struct strata_session *s, unsigned id, bool fullscreen, bool resized)
{
	struct fullscreen_wait f = { .id = id, .fullscreen = fullscreen, .resized = resized };
	if (!session_wait_for(window_fullscreen_is, s, &f, 5000)) {
		session_fail(s, "window %u: fullscreen=%d %dx%d, waited for fullscreen=%d%s", id,
				f.info.fullscreen, f.info.width, f.info.height, fullscreen,
				resized ? " and filling the output" : "");
	}
	return f.info;
}

static void
click_window(struct strata_session *s, const struct window_info *w)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, w->id, &x, &y),
			"no visible point in window %u", w->id);
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert_msg(s, session_wait_focused_level(s, w->level, 3000),
			"clicking the %s window did not focus it", w->level);
}

/* ---- tests ------------------------------------------------------------- */

static void
client_fullscreen_request_stays_below_the_banner(void)
{
	session_require_program("foot");
	struct strata_session *s = session_start(NULL);
	char *argv[] = { "foot", "--fullscreen", "--app-id=itest-foot", "--", "sh", "-c",
		"sleep 60", NULL };
	session_spawn_client(s, "low", argv);
	struct window_info w;
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .app_id = "itest-foot" }, &w,
					MAP_TIMEOUT_MS),
			"foot did not map");
	w = wait_fullscreen(s, w.id, true, true);
	click_window(s, &w);
	w = wait_fullscreen(s, w.id, true, true);
	assert_below_banner(s, &w, true);
	assert_banner_intact(s, "low", 0);
	session_stop(s);
}

static void
logo_f_toggles_fullscreen_below_the_banner(void)
{
	session_require_program("weston-simple-shm");
	struct strata_session *s = session_start(NULL);
	char *argv[] = { "weston-simple-shm", NULL };
	session_spawn_client(s, "high", argv);
	struct window_info w;
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .level = "high" }, &w,
					MAP_TIMEOUT_MS),
			"weston-simple-shm did not map");
	session_assert(s, !w.fullscreen);
	click_window(s, &w);
	free(session_ctl_ok(s, "key logo+f"));
	struct window_info full = wait_fullscreen(s, w.id, true, false);
	session_assert_msg(s,
			full.y >= SESSION_BANNER_HEIGHT && full.frame_y >= SESSION_BANNER_HEIGHT,
			"fullscreen window at y=%d (frame y=%d) reaches into the banner", full.y,
			full.frame_y);
	assert_banner_intact(s, "high", 0);
	free(session_ctl_ok(s, "key logo+f"));
	struct window_info back = wait_fullscreen(s, w.id, false, false);
	session_assert(s, back.frame_y >= SESSION_BANNER_HEIGHT);
	assert_banner_intact(s, "high", 0);
	session_stop(s);
}

/* Pixels of colour outside the box, anywhere on the output. */
static int
count_outside(const uint32_t *pixels, int width, int height, const struct window_info *w,
		uint32_t colour)
{
	int n = 0;
	for (int y = 0; y < height; y++) {
		for (int x = 0; x < width; x++) {
			bool inside = x >= w->frame_x && x < w->frame_x + w->frame_width &&
					y >= w->frame_y && y < w->frame_y + w->frame_height;
			n += !inside && pixels[(size_t)y * (size_t)width + (size_t)x] == colour;
		}
	}
	return n;
}

struct pixel_wait {
	int x, y;
	uint32_t colour;
};

static bool
pixel_is(struct strata_session *s, void *data)
{
	struct pixel_wait *p = data;
	return session_pixel(s, p->x, p->y) == p->colour;
}

/* An output-sized buffer from a client that asked for fullscreen, focused or
 * not, never shows in the banner nor outside its own frame; and the request
 * itself is honoured below the banner. */
static void
oversized_fullscreen_buffer_cannot_cover_the_banner(void)
{
	struct strata_session *s = session_start(NULL);
	char width[16], height[16];
	snprintf(width, sizeof(width), "%d", s->opts.width);
	snprintf(height, sizeof(height), "%d", s->opts.height);
	const char *args[] = { "cover", width, height, NULL };
	pid_t pid = session_spawn_helper(s, "low", args);
	struct window_info w;
	if (!session_wait_window(s, &(struct window_match){ .app_id = "itest-cover" }, &w,
			    MAP_TIMEOUT_MS)) {
		session_dump_client_log(s, pid, 20);
		session_fail(s, "the cover helper did not map");
	}
	/* The attacker drew: its colour is on screen inside its window. */
	struct pixel_wait drawn = { w.x + w.width / 2, w.y + w.height / 2, ATTACK_COLOUR };
	session_assert_msg(s, session_wait_for(pixel_is, s, &drawn, 3000),
			"the cover window never showed #%06x", ATTACK_COLOUR);
	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			click_window(s, &w);
		}
		session_assert(s, session_find_window(s, &(struct window_match){ .id = w.id }, &w));
		int sw, sh;
		uint32_t *pixels = session_screenshot(s, &sw, &sh);
		int outside = count_outside(pixels, sw, sh, &w, ATTACK_COLOUR);
		free(pixels);
		session_assert_msg(s, outside == 0,
				"%d pixels of the client's colour outside its frame %d,%d %dx%d",
				outside, w.frame_x, w.frame_y, w.frame_width, w.frame_height);
		if (round == 1) {
			assert_banner_intact(s, "low", ATTACK_COLOUR);
		}
	}
	w = wait_fullscreen(s, w.id, true, false);
	assert_below_banner(s, &w, false);
	assert_banner_intact(s, "low", ATTACK_COLOUR);
	session_assert_msg(s, session_client_running(s, pid), "the cover helper died");
	session_stop(s);
}

SESSION_TESTS_WITH_HELPER(helper_main, TAP_CASE(client_fullscreen_request_stays_below_the_banner),
		TAP_CASE(logo_f_toggles_fullscreen_below_the_banner),
		TAP_CASE(oversized_fullscreen_buffer_cannot_cover_the_banner))
