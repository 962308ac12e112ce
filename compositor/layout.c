// SPDX-License-Identifier: MIT
/*
 * Placement: levels side by side. The area under the banner is cut into one
 * column per level that has tiled windows (in the configuration's order), and
 * each column is shared by its level's windows, one above the other. So low
 * and high windows stand side by side and never overlap unless the user
 * moves one. Fullscreen and maximised windows get the whole area under the
 * banner; windows the user moved or resized float where they were put.
 */
#include "output.h"
#include "view.h"

#define LAYOUT_GAP 6

static void
place_in_cell(struct strata_view *view, struct wlr_box cell)
{
	struct view_frame_extents ext = view_frame_extents(view);
	int width = cell.width - 2 * ext.border;
	int height = cell.height - ext.title - 2 * ext.border;
	view_configure(view, cell.x + ext.border, cell.y + ext.title + ext.border,
			width > 1 ? width : 1, height > 1 ? height : 1);
}

static bool
is_tiled(struct strata_view *view)
{
	return view->mapped && !view->floating && !view->fullscreen && !view->maximized;
}

void
layout_arrange(struct strata_server *server)
{
	struct wlr_box area;
	if (!server_usable_area(server, &area)) {
		return;
	}
	int per_level[STRATA_MAX_LEVELS] = { 0 };
	int columns = 0;
	struct strata_view *view;
	wl_list_for_each(view, &server->views, link) {
		if (is_tiled(view) && view->level >= 0) {
			if (per_level[view->level]++ == 0) {
				columns++;
			}
		}
	}

	int column = 0;
	for (size_t level = 0; level < server->config.level_count && columns > 0; level++) {
		if (per_level[level] == 0) {
			continue;
		}
		int inner_width = area.width - (columns + 1) * LAYOUT_GAP;
		int x0 = area.x + LAYOUT_GAP + column * (inner_width / columns + LAYOUT_GAP);
		int width = inner_width / columns;
		int rows = per_level[level];
		int inner_height = area.height - (rows + 1) * LAYOUT_GAP;
		int row = 0;
		/* Oldest window on top of the column: walk the list from its end. */
		wl_list_for_each_reverse(view, &server->views, link) {
			if (!is_tiled(view) || view->level != (int)level) {
				continue;
			}
			struct wlr_box cell = {
				.x = x0,
				.y = area.y + LAYOUT_GAP + row * (inner_height / rows + LAYOUT_GAP),
				.width = width,
				.height = inner_height / rows,
			};
			place_in_cell(view, cell);
			row++;
		}
		column++;
	}

	wl_list_for_each(view, &server->views, link) {
		if (!view->mapped) {
			continue;
		}
		if (view->fullscreen || view->maximized) {
			place_in_cell(view, area);
		} else if (view->floating) {
			/* Whatever the user did, the frame stays under the banner. */
			struct view_frame_extents ext = view_frame_extents(view);
			int min_y = area.y + ext.title + ext.border;
			if (view->y < min_y) {
				view_configure(view, view->x, min_y, 0, 0);
			}
		}
	}
}
