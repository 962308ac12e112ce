// SPDX-License-Identifier: MIT
// What the user sees: each window's border and title bar in its level's
// colour, the banner showing the focused level's name, marking and colours
// (read from its pixels, following clicks), and screenshots as valid PNGs
// of the same pixels.
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "banner_check.h"
#include "strata_test.h"

#define LOW_COLOUR 0x2e7d32u
#define HIGH_COLOUR 0xc62828u
#define MAP_TIMEOUT_MS 15000

static uint32_t
level_colour(const char *level)
{
	return strcmp(level, "low") == 0 ? LOW_COLOUR : HIGH_COLOUR;
}

/* Both levels' proxies up: nothing but the focused level in the banner. */
static void
wait_levels_up(struct strata_session *s)
{
	session_assert_msg(s,
			session_wait_level(s, "low", true, 10000) &&
					session_wait_level(s, "high", true, 10000),
			"the levels' proxies did not come up");
}

/* The banner's pixels show the level (NULL: nobody) and nothing else, and
 * not the other level's name nor the other level. */
static void
assert_banner(struct strata_session *s, const char *level)
{
	struct banner_expect shows = { .level = level };
	session_assert_banner(s, &shows, 3000);
	struct banner_expect nobody = { .level = NULL }, low = { .level = "low" },
			     high = { .level = "high" };
	if (level) {
		bool is_low = strcmp(level, "low") == 0;
		/* The right colours with the other level's name; the other level. */
		struct banner_expect wrong_name = { .level = level,
			.label = is_low ? "HIGH" : "LOW" };
		session_assert_banner_is_not(s, &wrong_name);
		session_assert_banner_is_not(s, is_low ? &high : &low);
		session_assert_banner_is_not(s, &nobody);
	} else {
		session_assert_banner_is_not(s, &low);
		session_assert_banner_is_not(s, &high);
	}
}

static bool
covered_by_other(const struct window_info *list, int count, unsigned id, int x, int y)
{
	for (int i = 0; i < count && list[i].id != id; i++) {
		const struct window_info *o = &list[i];
		if (x >= o->frame_x && y >= o->frame_y && x < o->frame_x + o->frame_width &&
				y < o->frame_y + o->frame_height) {
			return true;
		}
	}
	return false;
}

/* The window's left border, middle of the strip, and its title bar (majority
 * of samples: the level name is drawn there) are in the level's colour. */
static void
assert_decoration(struct strata_session *s, const struct window_info *w)
{
	struct window_info *list;
	int count = session_windows(s, &list);
	uint32_t colour = level_colour(w->level);
	int border = w->x - w->frame_x;
	session_assert_msg(s, border > 0, "window %u has no left border (frame x %d, content x %d)",
			w->id, w->frame_x, w->x);
	int bx = w->frame_x + border / 2, checked = 0;
	for (int k = 1; k < 8; k++) {
		int by = w->y + w->height * k / 8;
		if (bx < 0 || covered_by_other(list, count, w->id, bx, by)) {
			continue;
		}
		uint32_t px = session_pixel(s, bx, by);
		session_assert_msg(s, px == colour,
				"%s window %u: border pixel (%d,%d) is #%06x, expected #%06x",
				w->level, w->id, bx, by, px, colour);
		checked++;
	}
	/* A check over no pixels proves nothing. */
	session_assert_msg(s, checked >= 4, "window %u: only %d of 7 border samples are visible",
			w->id, checked);
	int ty = w->frame_y + (w->y - w->frame_y) / 2;
	int match = 0, total = 0;
	for (int i = 0; i < 20; i++) {
		int tx = w->frame_x + 2 + i * (w->frame_width - 4) / 19;
		if (ty < SESSION_BANNER_HEIGHT || covered_by_other(list, count, w->id, tx, ty)) {
			continue;
		}
		match += session_pixel(s, tx, ty) == colour;
		total++;
	}
	free(list);
	session_assert_msg(s, total >= 10, "window %u: only %d of 20 title bar samples are visible",
			w->id, total);
	session_assert_msg(s, match * 2 > total,
			"%s window %u: %d of %d title bar samples are #%06x", w->level, w->id,
			match, total, colour);
}

/* A weston-simple-shm window on each level. */
static void
start_two_windows(struct strata_session *s, struct window_info *low, struct window_info *high)
{
	session_require_program("weston-simple-shm");
	char *argv[] = { "weston-simple-shm", NULL };
	session_spawn_client(s, "low", argv);
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .level = "low" }, low,
					MAP_TIMEOUT_MS),
			"no low window");
	session_spawn_client(s, "high", argv);
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .level = "high" }, high,
					MAP_TIMEOUT_MS),
			"no high window");
}

static void
click_window(struct strata_session *s, const struct window_info *w)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, w->id, &x, &y),
			"no visible point in window %u", w->id);
	free(session_ctl_ok(s, "click %d %d", x, y));
}

static void
borders_show_the_level_colour(void)
{
	struct strata_session *s = session_start(NULL);
	struct window_info low, high;
	start_two_windows(s, &low, &high);
	/* Both focused and unfocused windows, in either stacking order. */
	for (int round = 0; round < 2; round++) {
		click_window(s, round == 0 ? &low : &high);
		session_assert(s, session_wait_focused_level(s, round == 0 ? "low" : "high", 3000));
		session_assert(s,
				session_find_window(s, &(struct window_match){ .id = low.id },
						&low));
		session_assert(s,
				session_find_window(s, &(struct window_match){ .id = high.id },
						&high));
		assert_decoration(s, &low);
		assert_decoration(s, &high);
	}
	session_stop(s);
}

static void
banner_is_idle_without_focus(void)
{
	struct strata_session *s = session_start(NULL);
	wait_levels_up(s);
	assert_banner(s, NULL);
	session_stop(s);
}

static void
banner_follows_focus(void)
{
	struct strata_session *s = session_start(NULL);
	wait_levels_up(s);
	struct window_info low, high;
	start_two_windows(s, &low, &high);
	for (int round = 0; round < 4; round++) {
		const struct window_info *w = round % 2 == 0 ? &low : &high;
		click_window(s, w);
		session_assert_msg(s, session_wait_focused_level(s, w->level, 3000),
				"clicking the %s window did not focus it", w->level);
		assert_banner(s, w->level);
	}
	session_stop(s);
}

static void
screenshot_is_a_png_of_the_output(void)
{
	struct strata_session *s = session_start(NULL);
	wait_levels_up(s);
	struct window_info low, high;
	start_two_windows(s, &low, &high);
	click_window(s, &high);
	session_assert(s, session_wait_focused_level(s, "high", 3000));
	assert_banner(s, "high");
	char path[256];
	snprintf(path, sizeof(path), "%s/shot.png", s->dir);
	free(session_ctl_ok(s, "screenshot %s", path));
	size_t len = 0;
	char *data = session_read_file(path, &len);
	session_assert_msg(s, data != NULL, "no screenshot at %s", path);
	static const unsigned char signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	session_assert_msg(s, len > sizeof(signature) && memcmp(data, signature, 8) == 0,
			"%s is not a PNG (%zu bytes)", path, len);
	free(data);
	cairo_surface_t *png = cairo_image_surface_create_from_png(path);
	session_assert_msg(s, cairo_surface_status(png) == CAIRO_STATUS_SUCCESS, "cairo: %s",
			cairo_status_to_string(cairo_surface_status(png)));
	session_assert_int_eq(s, cairo_image_surface_get_width(png), s->opts.width);
	session_assert_int_eq(s, cairo_image_surface_get_height(png), s->opts.height);
	/* The same pixels as `pixel`: the banner and the high window's border. */
	cairo_surface_flush(png);
	const unsigned char *bytes = cairo_image_surface_get_data(png);
	int stride = cairo_image_surface_get_stride(png);
	int points[][2] = { { 5, 5 }, { s->opts.width / 2, SESSION_BANNER_HEIGHT - 3 },
		{ high.frame_x + (high.x - high.frame_x) / 2, high.y + high.height / 2 } };
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		int x = points[i][0], y = points[i][1];
		uint32_t in_png = *(const uint32_t *)(bytes + (size_t)y * (size_t)stride +
						  (size_t)x * 4) &
				0xffffff;
		uint32_t live = session_pixel(s, x, y);
		session_assert_msg(s, in_png == live, "pixel (%d,%d): #%06x in the PNG, #%06x live",
				x, y, in_png, live);
	}
	cairo_surface_destroy(png);
	session_stop(s);
}

/*
 * `stats` names the slowest frames since its reset, slowest first, and what
 * each drew: a focus change (two title bars drawn anew, the banner) and a
 * screenshot are among them. Writing the screenshot (PNG encoding, 50 ms
 * and more) is done after its frame, never inside it: no frame spent 1 ms
 * answering captures.
 */
static void
stats_name_the_worst_frames(void)
{
	struct strata_session *s = session_start(NULL);
	wait_levels_up(s);
	struct window_info low, high;
	start_two_windows(s, &low, &high);
	free(session_ctl_ok(s, "stats reset"));
	click_window(s, &high);
	session_assert(s, session_wait_focused_level(s, "high", 3000));
	/* A frame of its own (the focus change's, or one after it), then the
	 * screenshot's: at least two frames, whatever the timing. */
	free(session_ctl_ok(s, "pixel 5 5"));
	char path[256];
	snprintf(path, sizeof(path), "%s/stats.png", s->dir);
	free(session_ctl_ok(s, "screenshot %s", path));
	char *reply = session_ctl_ok(s, "stats");
	int count = 0;
	long previous = -1;
	bool title_bars_seen = false;
	for (char *line = strtok(reply, "\n"); line; line = strtok(NULL, "\n")) {
		int rank;
		long total, cpu, flush, prepare, draw, commit, capture, damage, ops, views, bars;
		if (strncmp(line, "worst ", 6) != 0) {
			continue;
		}
		int fields = sscanf(line,
				"worst rank=%d total_us=%ld cpu_us=%ld flush_us=%ld prepare_us=%ld "
				"draw_us=%ld commit_us=%ld capture_us=%ld damage_px=%ld ops=%ld "
				"views=%ld title_bars=%ld",
				&rank, &total, &cpu, &flush, &prepare, &draw, &commit, &capture,
				&damage, &ops, &views, &bars);
		tap_diag("%s", line);
		session_assert_msg(s, fields == 12, "a worst-frame line that does not parse: %s",
				line);
		session_assert_int_eq(s, rank, ++count);
		session_assert_msg(s, previous < 0 || total <= previous,
				"rank %d took %ld us, more than the rank before (%ld us)", rank,
				total, previous);
		previous = total;
		session_assert_msg(s, damage > 0 && ops > 0 && views == 2,
				"rank %d drew %ld pixels in %ld ops with %ld windows", rank, damage,
				ops, views);
		session_assert_msg(s, capture < 1000,
				"rank %d spent %ld us answering captures inside the frame", rank,
				capture);
		title_bars_seen = title_bars_seen || bars >= 1;
	}
	free(reply);
	session_assert_msg(s, count >= 2, "stats named %d frames", count);
	session_assert_msg(s, title_bars_seen,
			"no frame names the title bars the focus change drew anew");
	session_stop(s);
}

TAP_TESTS(TAP_CASE(borders_show_the_level_colour), TAP_CASE(banner_is_idle_without_focus),
		TAP_CASE(banner_follows_focus), TAP_CASE(screenshot_is_a_png_of_the_output),
		TAP_CASE(stats_name_the_worst_frames))
