// SPDX-License-Identifier: MIT
/*
 * The layout's arithmetic (compositor/layout.c), linked from the objects the
 * compositor uses: columns never overlap, never leave the area, and each
 * level with tiled windows gets one, in level order.
 */
#include "layout.h"
#include "tap.h"

static bool
inside(const struct wlr_box *inner, const struct wlr_box *outer)
{
	return inner->x >= outer->x && inner->y >= outer->y &&
			inner->x + inner->width <= outer->x + outer->width &&
			inner->y + inner->height <= outer->y + outer->height;
}

static bool
overlap(const struct wlr_box *a, const struct wlr_box *b)
{
	return a->x < b->x + b->width && b->x < a->x + a->width && a->y < b->y + b->height &&
			b->y < a->y + a->height;
}

static void
columns_side_by_side_in_level_order(void)
{
	const struct wlr_box area = { 0, 32, 1920, 1048 };
	int counts[3] = { 2, 0, 1 };
	struct wlr_box columns[3];
	layout_columns(&area, counts, 3, columns);
	tap_assert(!wlr_box_empty(&columns[0]));
	tap_assert(wlr_box_empty(&columns[1]));
	tap_assert(!wlr_box_empty(&columns[2]));
	tap_assert(columns[0].x < columns[2].x);
	tap_assert(!overlap(&columns[0], &columns[2]));
	tap_assert(inside(&columns[0], &area) && inside(&columns[2], &area));
	/* Two columns and three gaps fill the width (up to rounding). */
	int used = columns[0].width + columns[2].width + 3 * LAYOUT_GAP;
	tap_assert_msg(used <= area.width && used > area.width - 2, "used %d of %d", used,
			area.width);
}

static void
every_count_of_levels_fits(void)
{
	const struct wlr_box area = { 100, 32, 1280, 688 };
	int checked = 0;
	for (size_t levels = 1; levels <= 8; levels++) {
		int counts[8] = { 0 };
		for (size_t i = 0; i < levels; i++) {
			counts[i] = (int)i + 1;
		}
		struct wlr_box columns[8];
		layout_columns(&area, counts, levels, columns);
		for (size_t i = 0; i < levels; i++) {
			tap_assert_msg(inside(&columns[i], &area), "%zu levels: column %zu outside",
					levels, i);
			for (size_t j = i + 1; j < levels; j++) {
				tap_assert_msg(!overlap(&columns[i], &columns[j]),
						"%zu levels: columns %zu and %zu overlap", levels,
						i, j);
				checked++;
			}
			if (i + 1 < levels) {
				int gap = columns[i + 1].x - (columns[i].x + columns[i].width);
				tap_assert_msg(gap >= LAYOUT_GAP,
						"%zu levels: columns %zu and %zu %d apart", levels,
						i, i + 1, gap);
			}
			for (int row = 0; row < counts[i]; row++) {
				struct wlr_box cell = layout_cell(&columns[i], row, counts[i]);
				tap_assert(inside(&cell, &columns[i]));
				for (int other = row + 1; other < counts[i]; other++) {
					struct wlr_box next =
							layout_cell(&columns[i], other, counts[i]);
					tap_assert(!overlap(&cell, &next));
				}
			}
		}
	}
	tap_assert_int_eq(checked, 84); /* pairs of columns, 1 to 8 levels */
}

static void
degenerate_areas_give_no_column(void)
{
	int counts[2] = { 1, 1 };
	struct wlr_box columns[2];
	/* Exactly three gaps wide: no room for any column. */
	const struct wlr_box gaps = { 0, 0, 3 * LAYOUT_GAP, 500 };
	layout_columns(&gaps, counts, 2, columns);
	tap_assert(wlr_box_empty(&columns[0]) && wlr_box_empty(&columns[1]));
	/* One pixel more each: columns of one pixel. */
	const struct wlr_box tight = { 0, 0, 3 * LAYOUT_GAP + 2, 500 };
	layout_columns(&tight, counts, 2, columns);
	tap_assert_int_eq(columns[0].width, 1);
	tap_assert_int_eq(columns[1].width, 1);
	tap_assert(!overlap(&columns[0], &columns[1]));
	int none[2] = { 0, 0 };
	layout_columns(&tight, none, 2, columns);
	tap_assert(wlr_box_empty(&columns[0]) && wlr_box_empty(&columns[1]));
}

static void
content_sits_inside_its_frame(void)
{
	const struct wlr_box cell = { 10, 40, 300, 200 };
	struct wlr_box content = layout_content_in_cell(&cell, 4, 24);
	tap_assert_int_eq(content.x, 14);
	tap_assert_int_eq(content.y, 68);
	tap_assert_int_eq(content.width, 292);
	tap_assert_int_eq(content.height, 168);
	/* A frame as big as the cell: the content never goes below 1x1. */
	const struct wlr_box tiny = { 0, 0, 8, 30 };
	content = layout_content_in_cell(&tiny, 4, 24);
	tap_assert_int_eq(content.width, 1);
	tap_assert_int_eq(content.height, 1);
	struct wlr_box zero_rows = layout_cell(&cell, 0, 0);
	tap_assert(inside(&zero_rows, &cell));
}

/* The dialog's frame (content grown by border and title). */
static struct wlr_box
dialog_frame(const struct wlr_box *content, int border, int title)
{
	return (struct wlr_box){ content->x - border, content->y - title - border,
		content->width + 2 * border, content->height + title + 2 * border };
}

static void
dialog_centred_over_its_parent_inside_the_column(void)
{
	const struct wlr_box column = { 6, 38, 951, 1036 };
	const struct wlr_box parent = { 6, 38, 951, 500 };
	struct wlr_box content = layout_dialog_content(&column, &parent, 300, 200, 4, 24);
	tap_assert_int_eq(content.width, 300);
	tap_assert_int_eq(content.height, 200);
	struct wlr_box frame = dialog_frame(&content, 4, 24);
	tap_assert_int_eq(frame.x + frame.width / 2, parent.x + parent.width / 2);
	tap_assert_int_eq(frame.y + frame.height / 2, parent.y + parent.height / 2);
	/* No parent: over the column. */
	content = layout_dialog_content(&column, NULL, 300, 200, 4, 24);
	frame = dialog_frame(&content, 4, 24);
	tap_assert_int_eq(frame.x + frame.width / 2, column.x + column.width / 2);
	tap_assert_int_eq(frame.y + frame.height / 2, column.y + column.height / 2);
}

static void
dialog_slid_and_cut_into_the_column(void)
{
	const struct wlr_box column = { 963, 38, 951, 1036 };
	/* A parent near the column's left edge: the dialog slides right to
	 * stay inside, its frame exactly at the edge. */
	const struct wlr_box parent = { 963, 38, 100, 100 };
	struct wlr_box content = layout_dialog_content(&column, &parent, 600, 400, 4, 24);
	struct wlr_box frame = dialog_frame(&content, 4, 24);
	tap_assert_int_eq(frame.x, column.x);
	tap_assert_int_eq(frame.y, column.y);
	tap_assert(inside(&frame, &column));
	/* Exactly as wide as the column can hold: not cut, frame at both edges. */
	content = layout_dialog_content(&column, &parent, 951 - 8, 300, 4, 24);
	tap_assert_int_eq(content.width, 943);
	frame = dialog_frame(&content, 4, 24);
	tap_assert_int_eq(frame.x, column.x);
	tap_assert_int_eq(frame.width, column.width);
	/* One pixel more, and far too tall: cut to the column. */
	content = layout_dialog_content(&column, &parent, 951 - 7, 5000, 4, 24);
	tap_assert_int_eq(content.width, 943);
	frame = dialog_frame(&content, 4, 24);
	tap_assert(inside(&frame, &column));
	tap_assert_int_eq(frame.height, column.height);
	/* Nothing to show: still 1x1, inside. */
	content = layout_dialog_content(&column, &parent, 0, 0, 4, 24);
	tap_assert_int_eq(content.width, 1);
	tap_assert_int_eq(content.height, 1);
	frame = dialog_frame(&content, 4, 24);
	tap_assert(inside(&frame, &column));
}

TAP_TESTS(TAP_CASE(columns_side_by_side_in_level_order), TAP_CASE(every_count_of_levels_fits),
		TAP_CASE(degenerate_areas_give_no_column), TAP_CASE(content_sits_inside_its_frame),
		TAP_CASE(dialog_centred_over_its_parent_inside_the_column),
		TAP_CASE(dialog_slid_and_cut_into_the_column))
