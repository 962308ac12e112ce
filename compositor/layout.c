// SPDX-License-Identifier: MIT
/*
 * Placement (layout.h). A window its client made fullscreen or maximised
 * gets its level's whole column; one the user made fullscreen (Logo+F), the
 * whole area under the banner; windows the user moved or resized float
 * where they were put, their frame kept under the banner. A window is never shown larger
 * than the size it was given (view.c), so a tiled window stays in its cell.
 */
#include "layout.h"
#include "output.h"
#include "scene.h"
#include "view.h"

void
layout_columns(const struct wlr_box *area, const int *tiled_per_level, size_t level_count,
		struct wlr_box *columns)
{
	int count = 0;
	for (size_t i = 0; i < level_count; i++) {
		count += tiled_per_level[i] > 0;
	}
	int inner_width = area->width - (count + 1) * LAYOUT_GAP;
	int width = count > 0 ? inner_width / count : 0;
	int column = 0;
	for (size_t i = 0; i < level_count; i++) {
		if (tiled_per_level[i] == 0 || width <= 0) {
			columns[i] = (struct wlr_box){ 0 };
			continue;
		}
		columns[i] = (struct wlr_box){
			.x = area->x + LAYOUT_GAP + column * (width + LAYOUT_GAP),
			.y = area->y,
			.width = width,
			.height = area->height,
		};
		column++;
	}
}

struct wlr_box
layout_cell(const struct wlr_box *column, int row, int rows)
{
	if (rows < 1) {
		rows = 1;
	}
	int inner_height = column->height - (rows + 1) * LAYOUT_GAP;
	int height = inner_height / rows;
	return (struct wlr_box){
		.x = column->x,
		.y = column->y + LAYOUT_GAP + row * (height + LAYOUT_GAP),
		.width = column->width,
		.height = height > 0 ? height : 0,
	};
}

struct wlr_box
layout_content_in_cell(const struct wlr_box *cell, int border, int title)
{
	int width = cell->width - 2 * border;
	int height = cell->height - title - 2 * border;
	return (struct wlr_box){
		.x = cell->x + border,
		.y = cell->y + title + border,
		.width = width > 1 ? width : 1,
		.height = height > 1 ? height : 1,
	};
}

static void
place_in_cell(struct strata_view *view, const struct wlr_box *cell)
{
	struct view_frame_extents ext = view_frame_extents(view);
	struct wlr_box content = layout_content_in_cell(cell, ext.border, ext.title);
	view_configure(view, content.x, content.y, content.width, content.height);
}

/* Grows bound (empty: nothing yet) to take box in. */
static void
add_box(struct wlr_box *bound, const struct wlr_box *box)
{
	if (wlr_box_empty(box)) {
		return;
	}
	if (wlr_box_empty(bound)) {
		*bound = *box;
		return;
	}
	int x1 = bound->x < box->x ? bound->x : box->x;
	int y1 = bound->y < box->y ? bound->y : box->y;
	int x2 = bound->x + bound->width, y2 = bound->y + bound->height;
	if (box->x + box->width > x2) {
		x2 = box->x + box->width;
	}
	if (box->y + box->height > y2) {
		y2 = box->y + box->height;
	}
	*bound = (struct wlr_box){ x1, y1, x2 - x1, y2 - y1 };
}

/* Whether the view is where place_in_cell would put it, at that size. */
static bool
placed_in_cell(struct strata_view *view, const struct wlr_box *cell)
{
	struct view_frame_extents ext = view_frame_extents(view);
	struct wlr_box content = layout_content_in_cell(cell, ext.border, ext.title);
	return view->x == content.x && view->y == content.y && view->allot_width == content.width &&
			view->allot_height == content.height;
}

static bool
is_tiled(struct strata_view *view)
{
	return view->mapped && !view->unmanaged && !view->floating && !view->dialog &&
			!view->fullscreen && !view->maximized && view->level >= 0;
}

/* A dialog the layout places (not one the user moved, nor one filling its
 * column at its client's request). */
static bool
is_placed_dialog(struct strata_view *view)
{
	return view->mapped && !view->unmanaged && view->dialog && !view->floating &&
			!view->fullscreen && !view->maximized && view->level >= 0;
}

/* Fullscreen or maximised at the client's request: its level's whole
 * column, never more (a client never grows over another level's column). */
static bool
fills_its_column(struct strata_view *view)
{
	return view->mapped && !view->unmanaged && view->level >= 0 && !view->fullscreen_by_user &&
			(view->fullscreen || view->maximized);
}

void
layout_keep_floating(struct strata_server *server, struct strata_view *view)
{
	struct wlr_box area;
	if (!output_usable_area(server, &area)) {
		return;
	}
	/* Whatever the user did, the frame stays under the banner. */
	struct view_frame_extents ext = view_frame_extents(view);
	int min_y = area.y + ext.title + ext.border;
	if (view->y < min_y) {
		view_configure(view, view->x, min_y, 0, 0);
	}
}

/* Per level: its tiled windows, and the windows in its column (those and
 * the ones filling it). */
static void
count_columns(struct strata_server *server, int *per_level, int *in_column)
{
	size_t level_count = server->config.level_count;
	struct strata_view *view;
	wl_list_for_each(view, &server->views, link) {
		if ((size_t)view->level >= level_count || view->level < 0) {
			continue;
		}
		if (is_tiled(view)) {
			per_level[view->level]++;
			in_column[view->level]++;
		} else if (fills_its_column(view) || is_placed_dialog(view)) {
			/* A level with only a dialog still has its column. */
			in_column[view->level]++;
		}
	}
}

bool
layout_first_size(struct strata_server *server, struct strata_view *view, int *width, int *height)
{
	struct wlr_box area;
	size_t level_count = server->config.level_count;
	if (view->mapped || view->level < 0 || (size_t)view->level >= level_count ||
			!output_usable_area(server, &area)) {
		return false;
	}
	int per_level[STRATA_MAX_LEVELS] = { 0 }, in_column[STRATA_MAX_LEVELS] = { 0 };
	count_columns(server, per_level, in_column);
	/* As it will be once mapped: one more tiled window in its column. */
	per_level[view->level]++;
	in_column[view->level]++;
	struct wlr_box columns[STRATA_MAX_LEVELS];
	layout_columns(&area, in_column, level_count, columns);
	struct wlr_box cell = layout_cell(&columns[view->level], 0, per_level[view->level]);
	struct view_frame_extents ext = view_frame_extents(view);
	struct wlr_box content = layout_content_in_cell(&cell, ext.border, ext.title);
	*width = content.width;
	*height = content.height;
	return true;
}

/* The level's column as layout_arrange cuts it now. */
static bool
level_column(struct strata_server *server, int level, struct wlr_box *column)
{
	struct wlr_box area;
	size_t level_count = server->config.level_count;
	if (level < 0 || (size_t)level >= level_count || !output_usable_area(server, &area)) {
		return false;
	}
	int per_level[STRATA_MAX_LEVELS] = { 0 }, in_column[STRATA_MAX_LEVELS] = { 0 };
	count_columns(server, per_level, in_column);
	struct wlr_box columns[STRATA_MAX_LEVELS];
	layout_columns(&area, in_column, level_count, columns);
	*column = columns[level];
	return !wlr_box_empty(column);
}

/* lo <= value <= hi when there is room; lo when there is not. */
static int
clamp_low(int value, int lo, int hi)
{
	if (value > hi) {
		value = hi;
	}
	return value < lo ? lo : value;
}

struct wlr_box
layout_dialog_content(const struct wlr_box *column, const struct wlr_box *parent_frame, int width,
		int height, int border, int title)
{
	struct wlr_box inside = layout_content_in_cell(column, border, title);
	/* Shown at its own size, cut to what the column holds. */
	int w = width < inside.width ? width : inside.width;
	int h = height < inside.height ? height : inside.height;
	w = w > 1 ? w : 1;
	h = h > 1 ? h : 1;
	/* Its frame's centre on the parent's frame's centre (no parent: the
	 * column's), then slid into the column. */
	const struct wlr_box *over =
			parent_frame && !wlr_box_empty(parent_frame) ? parent_frame : column;
	int frame_w = w + 2 * border, frame_h = h + title + 2 * border;
	int frame_x = over->x + (over->width - frame_w) / 2;
	int frame_y = over->y + (over->height - frame_h) / 2;
	frame_x = clamp_low(frame_x, column->x, column->x + column->width - frame_w);
	frame_y = clamp_low(frame_y, column->y, column->y + column->height - frame_h);
	return (struct wlr_box){
		.x = frame_x + border,
		.y = frame_y + title + border,
		.width = w,
		.height = h,
	};
}

static void
place_dialog(struct strata_view *view, const struct wlr_box *column)
{
	struct strata_view *parent = view_parent(view);
	struct wlr_box parent_frame = { 0 };
	if (parent) {
		view_get_frame_box(parent, &parent_frame);
	}
	struct wlr_box geo;
	view_geometry(view, &geo);
	struct view_frame_extents ext = view_frame_extents(view);
	struct wlr_box content = layout_dialog_content(column, &parent_frame, geo.width, geo.height,
			ext.border, ext.title);
	struct wlr_box inside = layout_content_in_cell(column, ext.border, ext.title);
	view->column = *column;
	/* Never asked for a size: the most it is shown at is the column. */
	view_place_unasked(view, content.x, content.y, inside.width, inside.height);
}

void
layout_place_dialog(struct strata_server *server, struct strata_view *view)
{
	struct wlr_box column;
	if (is_placed_dialog(view) && level_column(server, view->level, &column)) {
		place_dialog(view, &column);
	}
}

void
layout_arrange(struct strata_server *server)
{
	struct wlr_box area;
	if (!output_usable_area(server, &area)) {
		return;
	}
	size_t level_count = server->config.level_count;
	int per_level[STRATA_MAX_LEVELS] = { 0 }, in_column[STRATA_MAX_LEVELS] = { 0 };
	count_columns(server, per_level, in_column);
	struct strata_view *view;
	struct wlr_box columns[STRATA_MAX_LEVELS];
	layout_columns(&area, in_column, level_count, columns);

	/* The box around every window that moves, where it is and (as far as
	 * can be told before its client answers) where it goes, is damaged
	 * first, in one piece. Each move then damages the window's old and
	 * new boxes: pixman adds a box one rectangle already covers at no
	 * cost, where hundreds of separate boxes make each addition walk all
	 * the others (the next window's map, with 200 open, spent most of its
	 * time there). Only what moves: damaging the whole column made each
	 * map redraw it. A box larger than guessed is still damaged by its
	 * move, only more slowly. */
	int row[STRATA_MAX_LEVELS] = { 0 };
	struct wlr_box bound = { 0 };
	/* Oldest window on top of its column: walk the list from its end. */
	wl_list_for_each_reverse(view, &server->views, link) {
		if (is_tiled(view) && (size_t)view->level < level_count) {
			struct wlr_box cell = layout_cell(&columns[view->level], row[view->level]++,
					per_level[view->level]);
			if (!placed_in_cell(view, &cell)) {
				struct wlr_box frame;
				view_get_frame_box(view, &frame);
				add_box(&bound, &frame);
				/* Its frame keeps its width (the client has not
				 * answered) inside its new cell. */
				cell.width = frame.width < cell.width ? frame.width : cell.width;
				add_box(&bound, &cell);
			}
		}
	}
	if (!wlr_box_empty(&bound)) {
		scene_damage_box(server->scene, &bound);
	}
	for (size_t i = 0; i < level_count; i++) {
		row[i] = 0;
	}
	wl_list_for_each_reverse(view, &server->views, link) {
		if (!is_tiled(view) || (size_t)view->level >= level_count) {
			view->column = (struct wlr_box){ 0 };
			continue;
		}
		const struct wlr_box *column = &columns[view->level];
		struct wlr_box cell =
				layout_cell(column, row[view->level]++, per_level[view->level]);
		view->column = *column;
		place_in_cell(view, &cell);
	}
	wl_list_for_each(view, &server->views, link) {
		/* Override-redirect windows place themselves (xwayland.c). */
		if (!view->mapped || view->unmanaged) {
			continue;
		}
		if (fills_its_column(view) && (size_t)view->level < level_count) {
			view->column = columns[view->level];
			place_in_cell(view, &columns[view->level]);
		} else if (view->fullscreen) {
			place_in_cell(view, &area);
		} else if (view->floating) {
			layout_keep_floating(server, view);
		} else if (is_placed_dialog(view) && (size_t)view->level < level_count &&
				!wlr_box_empty(&columns[view->level])) {
			place_dialog(view, &columns[view->level]);
		}
	}
}

#if STRATA_HAS_TEST_CONTROL
void
layout_float_at(struct strata_server *server, struct strata_view *view, int x, int y)
{
	view->floating = true;
	view->fullscreen = false;
	view->fullscreen_by_user = false;
	view->maximized = false;
	/* No size asked of it any more: shown as its client draws it. */
	view->allot_width = 0;
	view->allot_height = 0;
	view_configure(view, x, y, 0, 0);
	layout_arrange(server);
}
#endif

static void
handle_outputs_changed(struct wl_listener *listener, void *data)
{
	struct strata_server *server = data;
	layout_arrange(server);
}

void
layout_init(struct strata_server *server)
{
	server->layout_outputs_changed.notify = handle_outputs_changed;
	wl_signal_add(&server->events.outputs_changed, &server->layout_outputs_changed);
}

void
layout_finish(struct strata_server *server)
{
	if (server->layout_outputs_changed.notify) {
		wl_list_remove(&server->layout_outputs_changed.link);
		server->layout_outputs_changed.notify = NULL;
	}
}
