/* SPDX-License-Identifier: MIT */
#ifndef STRATA_VIEW_H
#define STRATA_VIEW_H

#include <stdbool.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/util/box.h>
#include "common/sanitize.h"
#include "server.h"

/*
 * A toplevel window: the client's xdg tree and, above it, the frame the
 * compositor draws in the level's colour. The frame is drawn over the
 * client's surfaces, so a client cannot paint over its own border.
 */
struct strata_view {
	struct wl_list link; /* strata_server.views */
	struct strata_server *server;
	struct wlr_xdg_surface *xdg_surface;
	uint32_t id;
	int level; /* the level of the client that owns it; fixed */
	bool mapped;
	bool floating; /* moved or resized by the user: out of the tiling */
	bool fullscreen;
	bool maximized;

	/* Where the content (the client's window geometry) goes, layout coords. */
	int x, y;
	/* Size last asked of the client (0: let it choose). */
	int pending_width, pending_height;
	/* Size the client really has (its window geometry). */
	int width, height;

	char title[STRATA_TITLE_MAX]; /* sanitised */
	char app_id[STRATA_TITLE_MAX]; /* sanitised */

	struct wlr_scene_node *tree; /* struct wlr_scene_tree, node.data = view */
	struct wlr_scene_node *content; /* the xdg tree */
	struct wlr_scene_node *frame; /* struct wlr_scene_tree, above content */
	struct wlr_scene_rect *border[4]; /* top, bottom, left, right */
	struct wlr_scene_node *title_bar; /* may be NULL */
	int title_bar_width; /* what title_bar was drawn for */
	bool title_bar_focused;

	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener destroy;
	struct wl_listener commit;
	struct wl_listener new_popup;
	struct wl_listener request_move;
	struct wl_listener request_resize;
	struct wl_listener request_maximize;
	struct wl_listener request_fullscreen;
	struct wl_listener set_title;
	struct wl_listener set_app_id;
};

/* The frame around the content: border on every side, title bar on top. */
struct view_frame_extents {
	int border, title;
};

struct strata_view *view_create(struct strata_server *server, struct wlr_xdg_surface *xdg_surface);
void view_destroy(struct strata_view *view);

/* Give keyboard focus to view (NULL: to nobody), raise it, update the banner. */
void view_focus(struct strata_view *view);
/* The view under the layout point, and the surface and surface coords there. */
struct strata_view *view_at(struct strata_server *server, double lx, double ly,
		struct wlr_surface **surface, double *sx, double *sy);
void view_close(struct strata_view *view);
void view_set_fullscreen(struct strata_view *view, bool fullscreen);
/* Content box (x, y, width, height) and outer frame box, layout coords. */
void view_get_frame_box(struct strata_view *view, struct wlr_box *box);
struct view_frame_extents view_frame_extents(struct strata_view *view);
/* Move the content to (x, y) and ask the client for width x height. */
void view_configure(struct strata_view *view, int x, int y, int width, int height);
/* Redraw the frame (border, title bar) for the view's current state. */
void view_update_frame(struct strata_view *view);

/* Lay out every tiled view again (layout.c). */
void layout_arrange(struct strata_server *server);

/* banner.c: redraw every output's banner for the current focus. */
void banner_update_all(struct strata_server *server);
void banner_finish(struct strata_server *server);

#endif
