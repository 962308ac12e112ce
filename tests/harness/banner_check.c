// SPDX-License-Identifier: MIT
// The banner read from its pixels. See banner_check.h.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include "banner_check.h"

/* Fewer differing pixels than this between two labels of the same banner
 * would mean the text is not drawn at all (one glyph is some 50 pixels). */
#define BANNER_MIN_LABEL_PIXELS 40

static void
config_error(void *data, const char *source, int line, const char *message)
{
	tap_diag("session config %s:%d: %s", source, line, message);
	*(bool *)data = true;
}

void
banner_session_config(struct strata_session *s, struct strata_config *cfg)
{
	/* The file the compositor was started with (session_start() wrote it;
	 * s->opts.config may point into a caller's frame long gone). */
	char path[300];
	snprintf(path, sizeof(path), "%s/compositor.ini", s->dir);
	bool failed = false;
	config_set_defaults(cfg);
	if (!config_load_file(cfg, path, config_error, &failed) || failed) {
		session_fail(s, "the session's configuration %s does not parse", path);
	}
}

static void
set_source(cairo_t *cr, strata_rgba c)
{
	cairo_set_source_rgba(cr, ((c >> 24) & 0xff) / 255.0, ((c >> 16) & 0xff) / 255.0,
			((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
}

struct banner_run {
	const char *text;
	bool bold;
};

/*
 * A bar as compositor/text.c text_bar_create() draws one with centre set:
 * the background, then the runs left to right, separated by half the bar's
 * height, centred, each vertically centred, in a font of 11/20 of the
 * height. Written out here on purpose, not linked: a change in how the
 * compositor draws its banner must show up as a difference.
 */
static void
draw_bar(cairo_surface_t *surface, int width, int height, strata_rgba background,
		strata_rgba text_colour, const char *font, const struct banner_run *runs,
		size_t count)
{
	cairo_t *cr = cairo_create(surface);
	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	set_source(cr, background);
	cairo_paint(cr);
	cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
	PangoLayout *layouts[8];
	int widths[8], heights[8];
	count = count < 8 ? count : 8;
	int total = 0, gap = height / 2, font_px = height * 11 / 20;
	if (font_px < 8) {
		font_px = 8;
	}
	for (size_t i = 0; i < count; i++) {
		layouts[i] = pango_cairo_create_layout(cr);
		PangoFontDescription *desc = pango_font_description_from_string(font);
		pango_font_description_set_absolute_size(desc, font_px * PANGO_SCALE);
		pango_font_description_set_weight(desc,
				runs[i].bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
		pango_layout_set_font_description(layouts[i], desc);
		pango_font_description_free(desc);
		pango_layout_set_single_paragraph_mode(layouts[i], TRUE);
		pango_layout_set_text(layouts[i], runs[i].text, -1);
		pango_layout_get_pixel_size(layouts[i], &widths[i], &heights[i]);
		total += widths[i] + (i > 0 ? gap : 0);
	}
	int pen = total < width ? (width - total) / 2 : height / 3;
	set_source(cr, text_colour);
	for (size_t i = 0; i < count; i++) {
		cairo_save(cr);
		cairo_rectangle(cr, 0, 0, width, height);
		cairo_clip(cr);
		cairo_move_to(cr, pen, (height - heights[i]) / 2.0);
		pango_cairo_show_layout(cr, layouts[i]);
		cairo_restore(cr);
		pen += widths[i] + gap;
		g_object_unref(layouts[i]);
	}
	cairo_destroy(cr);
	cairo_surface_flush(surface);
}

uint32_t *
banner_render(struct strata_session *s, const struct strata_config *cfg, int width,
		const struct banner_expect *e)
{
	struct banner_run runs[8];
	size_t count = 0;
	char label[64];
	strata_rgba background = cfg->idle_colour, foreground = cfg->idle_text_colour;
	if (e->level) {
		int index = config_find_level(cfg, e->level);
		if (index < 0) {
			session_fail(s, "banner: no level \"%s\" in the session's configuration",
					e->level);
		}
		const struct strata_level *level = &cfg->levels[index];
		if (e->label) {
			snprintf(label, sizeof(label), "%s", e->label);
		} else {
			size_t i = 0;
			for (; level->name[i] && i + 1 < sizeof(label); i++) {
				label[i] = (char)toupper((unsigned char)level->name[i]);
			}
			label[i] = '\0';
		}
		runs[count++] = (struct banner_run){ label, true };
		const char *marking = e->marking ? e->marking : level->banner;
		if (marking[0]) {
			runs[count++] = (struct banner_run){ marking, false };
		}
		background = level->colour;
		foreground = level->text_colour;
	} else {
		runs[count++] = (struct banner_run){ e->label ? e->label : "No window has focus",
			false };
	}
	if (e->down) {
		runs[count++] = (struct banner_run){ e->down, true };
	}
	if (e->mic) {
		runs[count++] = (struct banner_run){ e->mic, true };
	}
	if (e->playing) {
		runs[count++] = (struct banner_run){ e->playing, false };
	}
	if (e->notice) {
		runs[count++] = (struct banner_run){ e->notice, false };
	}
	int height = cfg->banner_height;
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
	session_assert(s, cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS);
	draw_bar(surface, width, height, background, foreground, cfg->font, runs, count);
	const unsigned char *data = cairo_image_surface_get_data(surface);
	int stride = cairo_image_surface_get_stride(surface);
	uint32_t *pixels = malloc((size_t)width * (size_t)height * sizeof(*pixels));
	for (int y = 0; y < height; y++) {
		const uint32_t *row = (const uint32_t *)(data + (size_t)y * (size_t)stride);
		for (int x = 0; x < width; x++) {
			pixels[(size_t)y * (size_t)width + (size_t)x] = row[x] & 0xffffff;
		}
	}
	cairo_surface_destroy(surface);
	return pixels;
}

static int
count_differences(const uint32_t *a, const uint32_t *b, size_t n)
{
	int differ = 0;
	for (size_t i = 0; i < n; i++) {
		differ += a[i] != b[i];
	}
	return differ;
}

/* The banner rows of a screenshot (malloc'd, width set). */
static uint32_t *
screenshot_banner(struct strata_session *s, const struct strata_config *cfg, int *width)
{
	int w, h;
	uint32_t *pixels = session_screenshot(s, &w, &h);
	session_assert_msg(s, w > 0 && h > cfg->banner_height,
			"screenshot of %dx%d: no room for a %d px banner", w, h,
			cfg->banner_height);
	*width = w;
	return pixels; /* the first banner_height rows are the banner */
}

int
session_banner_difference(struct strata_session *s, const struct banner_expect *e)
{
	struct strata_config cfg;
	banner_session_config(s, &cfg);
	int width;
	uint32_t *shot = screenshot_banner(s, &cfg, &width);
	uint32_t *expected = banner_render(s, &cfg, width, e);
	int differ = count_differences(shot, expected, (size_t)width * (size_t)cfg.banner_height);
	free(expected);
	free(shot);
	return differ;
}

static void
write_png(const uint32_t *pixels, int width, int height, const char *path)
{
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	unsigned char *data = cairo_image_surface_get_data(surface);
	int stride = cairo_image_surface_get_stride(surface);
	for (int y = 0; y < height; y++) {
		memcpy(data + (size_t)y * (size_t)stride, pixels + (size_t)y * (size_t)width,
				(size_t)width * sizeof(*pixels));
	}
	cairo_surface_mark_dirty(surface);
	if (cairo_surface_write_to_png(surface, path) == CAIRO_STATUS_SUCCESS) {
		tap_diag("banner: wrote %s", path);
	}
	cairo_surface_destroy(surface);
}

static void
describe_expectation(const struct banner_expect *e, char *out, size_t size)
{
	snprintf(out, size, "level=%s label=%s marking=%s%s%s%s%s%s%s%s%s",
			e->level ? e->level : "none", e->label ? e->label : "(level name)",
			e->marking ? e->marking : "(configured)", e->down ? " down=" : "",
			e->down ? e->down : "", e->mic ? " mic=" : "", e->mic ? e->mic : "",
			e->playing ? " playing=" : "", e->playing ? e->playing : "",
			e->notice ? " notice=" : "", e->notice ? e->notice : "");
}

/* The same banner with another label must look different, or comparing
 * proves nothing. */
static void
assert_labels_discriminate(struct strata_session *s, const struct strata_config *cfg, int width,
		const struct banner_expect *e, const uint32_t *expected)
{
	struct banner_expect other = *e;
	other.label = e->level ? "XQXQ" : "Xq xq xq xq";
	uint32_t *decoy = banner_render(s, cfg, width, &other);
	int differ = count_differences(expected, decoy, (size_t)width * (size_t)cfg->banner_height);
	free(decoy);
	session_assert_msg(s, differ >= BANNER_MIN_LABEL_PIXELS,
			"banner: the rendering of another label differs in only %d pixels: the test "
			"cannot read text",
			differ);
}

void
session_assert_banner_at(struct strata_session *s, const char *file, int line,
		const struct banner_expect *e, int timeout_ms)
{
	struct strata_config cfg;
	banner_session_config(s, &cfg);
	int width, differ = INT_MAX;
	uint32_t *shot = screenshot_banner(s, &cfg, &width);
	uint32_t *expected = banner_render(s, &cfg, width, e);
	size_t n = (size_t)width * (size_t)cfg.banner_height;
	assert_labels_discriminate(s, &cfg, width, e, expected);
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		differ = count_differences(shot, expected, n);
		if (differ == 0 || session_now_ms() >= deadline) {
			break;
		}
		session_sleep_ms(50);
		free(shot);
		int again;
		shot = screenshot_banner(s, &cfg, &again);
		session_assert(s, again == width);
	}
	if (differ != 0) {
		char want[512], base[PATH_MAX], path[PATH_MAX + 64];
		describe_expectation(e, want, sizeof(want));
		char *reply = session_ctl(s, "banner");
		tap_diag("banner: the compositor says (diagnostic only): %.*s",
				(int)strcspn(reply, "\n"), reply);
		free(reply);
		reply = session_ctl(s, "windows");
		tap_diag("banner: windows now:\n%s", reply);
		free(reply);
		static int seq;
		if (!getcwd(base, sizeof(base))) {
			snprintf(base, sizeof(base), "/tmp");
		}
		snprintf(path, sizeof(path), "%s/banner-%d-%d-shown.png", base, (int)getpid(),
				++seq);
		write_png(shot, width, cfg.banner_height, path);
		snprintf(path, sizeof(path), "%s/banner-%d-%d-expected.png", base, (int)getpid(),
				seq);
		write_png(expected, width, cfg.banner_height, path);
		free(shot);
		free(expected);
		session_fail_at(s, file, line,
				"banner: %d of %zu pixels differ from the expected banner (%s) after %d ms",
				differ, n, want, timeout_ms);
	}
	free(shot);
	free(expected);
}

void
session_assert_banner_is_not_at(struct strata_session *s, const char *file, int line,
		const struct banner_expect *e)
{
	int differ = session_banner_difference(s, e);
	if (differ < BANNER_MIN_LABEL_PIXELS) {
		char want[512];
		describe_expectation(e, want, sizeof(want));
		session_fail_at(s, file, line,
				"banner: the pixels match a banner they must not (%s): only %d pixels "
				"differ",
				want, differ);
	}
}
