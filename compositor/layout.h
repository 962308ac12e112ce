/* SPDX-License-Identifier: MIT */
#ifndef STRATA_LAYOUT_H
#define STRATA_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <wlr/util/box.h>
#include "config.h"

struct strata_server;
struct strata_view;

/*
 * Placement: levels side by side. The area under the banner is cut into one
 * column per level that has tiled windows (in the configuration's order),
 * and each column is shared by its level's windows, one above the other.
 * Dialogs (view.h) are not tiled: each floats at its own size over its
 * parent, inside its level's column, cropped to it when larger.
 * The arithmetic is pure (unit-tested); layout_arrange applies it.
 */

#define LAYOUT_GAP 6

/*
 * columns[i]: the column of level i, or an empty box when the level has no
 * tiled window (tiled_per_level[i] == 0). Columns never overlap and stay
 * inside area.
 */
void layout_columns(const struct wlr_box *area, const int *tiled_per_level, size_t level_count,
		struct wlr_box *columns);
/* Row `row` (0 at the top) of `rows` in a column. */
struct wlr_box layout_cell(const struct wlr_box *column, int row, int rows);
/* The content box of a window whose frame fills cell (never below 1x1). */
struct wlr_box layout_content_in_cell(const struct wlr_box *cell, int border, int title);

/*
 * Where a dialog's content goes in its level's column: at its own size
 * (width x height, its window geometry) cut to what the column holds, its
 * frame centred on its parent's frame (parent_frame NULL or empty: on the
 * column), then slid to lie inside the column.
 */
struct wlr_box layout_dialog_content(const struct wlr_box *column,
		const struct wlr_box *parent_frame, int width, int height, int border, int title);

/* Lays the views out again whenever outputs change. */
void layout_init(struct strata_server *server);
void layout_finish(struct strata_server *server);
/*
 * The content size a view not yet mapped will get as a tiled window, for its
 * first configure; false if it has no level or there is no output.
 */
bool layout_first_size(struct strata_server *server, struct strata_view *view, int *width,
		int *height);
/* Lay out every mapped view again. */
void layout_arrange(struct strata_server *server);
/* Place a dialog again (its size changed). */
void layout_place_dialog(struct strata_server *server, struct strata_view *view);
/* Keep a floating view's frame under the banner (after a move). */
void layout_keep_floating(struct strata_server *server, struct strata_view *view);

#if STRATA_HAS_TEST_CONTROL
/* Test builds only (tests/wlcs places windows where a test says): the window
 * floats with its content's top-left at (x, y), layout coordinates, shown at
 * the size its client committed, as a window the user moved and let go; the
 * others are arranged again. Its frame is still kept under the banner. */
void layout_float_at(struct strata_server *server, struct strata_view *view, int x, int y);
#endif

#endif
