/* SPDX-License-Identifier: MIT */
#ifndef STRATA_TEXT_H
#define STRATA_TEXT_H

#include <wlr/types/wlr_scene.h>
#include "common/config.h"

/* in, upper-cased (ASCII letters: level names), into out of size bytes. */
void text_upper_copy(char *out, size_t size, const char *in);

struct text_line {
	const char *text; /* UTF-8, already sanitised */
	bool bold;
};

/*
 * Draws a bar of width x height filled with background, with the given runs
 * of text in text_colour (left to right, separated by gaps; centred when
 * centre is set), and puts it in the scene under parent at (x, y). Returns
 * the new buffer node, or NULL (out of memory, zero size).
 * In wlroots 0.15 a scene buffer cannot be swapped: callers destroy the old
 * node and draw a new one.
 */
struct wlr_scene_node *text_bar_create(struct wlr_scene_node *parent, int x, int y, int width,
		int height, strata_rgba background, strata_rgba text_colour, const char *font,
		const struct text_line *lines, size_t line_count, bool centre);

struct text_box_line {
	const char *text; /* UTF-8, already sanitised; NULL: an empty line */
	strata_rgba colour;
	bool bold;
	bool mono; /* monospace, wrapped (previews) */
	int max_lines; /* for wrapped text: at most this many lines (0: 1) */
	strata_rgba swatch; /* a square of this colour before the text (0: none) */
};

/*
 * A dialog-style box: background, a border of border_px in border_colour, a
 * header bar in border_colour with header text, then the lines top to
 * bottom. Everything is clipped to the box.
 */
struct wlr_scene_node *text_box_create(struct wlr_scene_node *parent, int x, int y, int width,
		int height, strata_rgba background, strata_rgba border_colour, int border_px,
		const char *header, strata_rgba header_text, const char *font,
		const struct text_box_line *lines, size_t line_count);

#endif
