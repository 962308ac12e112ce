/* SPDX-License-Identifier: MIT */
#ifndef STRATA_VIEW_H
#define STRATA_VIEW_H

#include <stdbool.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/box.h>
#include <wlr/xwayland.h>
#include "common/sanitize.h"
#include "scene.h"
#include "server.h"

/*
 * A toplevel window: the client's xdg tree and, above it, the frame the
 * compositor draws in the level's colour. The frame is drawn over the
 * client's surfaces, so a client cannot paint over its own border, and the
 * client's surfaces are clipped to the window's box (scene.h), so it
 * cannot paint outside it either.
 *
 * The box is the window geometry the client committed, cut to the size the
 * layout (or the user) gave it: a client that ignores its configure never
 * grows over its neighbour.
 */
struct strata_view {
	struct scene_tag tag; /* node data of tree: the window, unclipped (frame) */
	struct scene_tag content_tag; /* node data of content: clipped to the box */
	struct wl_list link; /* strata_server.views, top of the stack first */
	struct strata_server *server;
	/* Exactly one of the two: an xdg toplevel, or an X11 window of a
	 * level's Xwayland (xwayland.c), the latter from its map to its unmap. */
	struct wlr_xdg_surface *xdg_surface;
	struct wlr_xwayland_surface *xsurface;
	/* An X11 override-redirect window (a menu, a tooltip): never tiled,
	 * never given focus, no title bar; a thin border of its level's colour
	 * drawn inside its box, and cut to where its level may draw. */
	bool unmanaged;
	uint32_t id;
	int level; /* the level of the client that owns it; fixed */
	bool mapped;
	bool floating; /* moved or resized by the user: out of the tiling */
	/* A dialog (a parent, or a fixed size) or a tiny helper surface: not
	 * tiled, shown at its own size, centred over its parent inside its
	 * level's column (layout.c). Decided when it is announced and at map;
	 * a move by the user makes it floating instead. */
	bool dialog;
	bool fullscreen;
	/* Logo+F: the whole area under the banner. A client's own request
	 * (fullscreen or maximised) only ever gets its level's column. */
	bool fullscreen_by_user;
	bool maximized;
	bool focused; /* drawn as focused (seat.c decides) */
	/* Asked for attention (xdg-activation without the right to focus):
	 * a mark on the title bar until the window gets focus. */
	struct wlr_scene_rect *urgent_mark; /* may be NULL */

	/* Where the content's top-left goes, layout coordinates. */
	int x, y;
	/* Size asked of the client (0: none yet): the most it is shown at. */
	int allot_width, allot_height;
	/* Size shown: the committed window geometry, cut to the allotted size. */
	int width, height;
	/* The column the layout gave the window's level (popups stay inside it
	 * when they can); empty when floating or fullscreen. */
	struct wlr_box column;

	char title[STRATA_TITLE_MAX]; /* sanitised */
	char app_id[STRATA_TITLE_MAX]; /* sanitised */

	struct wlr_scene_node *tree; /* struct wlr_scene_tree, data = &tag */
	struct wlr_scene_node *content; /* the xdg tree, data = &content_tag */
	struct wlr_scene_node *frame; /* struct wlr_scene_tree, above content */
	struct wlr_scene_rect *border[4]; /* top, bottom, left, right */
	struct wlr_scene_node *title_bar; /* may be NULL */
	int title_bar_width; /* what title_bar was drawn for */
	bool title_bar_focused;
	bool title_bar_stale; /* to be drawn again before the next frame */

	/* xdg-shell events, handled in xdg_shell.c */
	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener destroy;
	struct wl_listener commit;
	struct wl_listener request_maximize;
	struct wl_listener request_fullscreen;
	struct wl_listener set_title;
	struct wl_listener set_app_id;
};

/* The frame around the content: border on every side, title bar on top. */
struct view_frame_extents {
	int border, title;
};

/* The view and its scene nodes (not mapped yet). */
struct strata_view *view_create(struct strata_server *server, struct wlr_xdg_surface *xdg_surface);
/* The view of a mapped X11 window of level (its surface's scene node made
 * here), not shown yet: the caller places it and puts it in layer_views. */
struct strata_view *view_create_x11(struct strata_server *server,
		struct wlr_xwayland_surface *xsurface, int level, bool unmanaged);

/* The client's surface (the xdg toplevel's or the X11 window's) and its client. */
struct wlr_surface *view_surface(struct strata_view *view);
struct wl_client *view_client(struct strata_view *view);
/* The window geometry the client committed (x, y: within its surface). */
void view_geometry(struct strata_view *view, struct wlr_box *geo);
/* Frees the view and its nodes; the caller has taken focus and grabs off it. */
void view_destroy(struct strata_view *view);

/* The view the scene node belongs to (frame, content or popup), or NULL. */
struct strata_view *view_from_node(struct wlr_scene_node *node);
/* The view under the layout point, and the client surface and surface
 * coordinates there (NULL surface: the frame), respecting clips. */
struct strata_view *view_at(struct strata_server *server, double lx, double ly,
		struct wlr_surface **surface, double *sx, double *sy);

/* Content box (x, y, width, height) and outer frame box, layout coords. */
void view_get_frame_box(struct strata_view *view, struct wlr_box *box);
struct view_frame_extents view_frame_extents(struct strata_view *view);
/* Move the content to (x, y) and, when width and height are > 0, ask the
 * client for that size (it is then never shown larger). */
void view_configure(struct strata_view *view, int x, int y, int width, int height);
/* Move the content to (x, y) and show at most max_width x max_height of it,
 * without asking the client for a size (a dialog picks its own). */
void view_place_unasked(struct strata_view *view, int x, int y, int max_width, int max_height);
/* The parent window of a dialog (xdg_toplevel.set_parent), when it is
 * mapped and of the same level; otherwise NULL. */
struct strata_view *view_parent(struct strata_view *view);
/* Who gets the keyboard when an override-redirect window is clicked: its
 * X11 parent's view, else the topmost mapped managed window of its
 * Xwayland; NULL when there is none. Any other view: itself. */
struct strata_view *view_focus_target(struct strata_view *view);
/* Whether the client asks for a window of its own size: a parent, or a
 * minimum size equal to its maximum, as the client set them last. */
bool view_wants_dialog(struct strata_view *view);
/* Take the client's committed geometry; redraw the frame if it changed. */
void view_sync_geometry(struct strata_view *view);
/* Redraw the frame (border, title bar) for the view's current state. */
void view_update_frame(struct strata_view *view);
/* Title bars are drawn before each frame, for the windows whose bar
 * changed since the last (views_init listens to before_frame). */
void views_init(struct strata_server *server);
void views_finish(struct strata_server *server);
/* Drawn focused or not, and told to the client (xdg activated state). */
void view_set_focused(struct strata_view *view, bool focused);
void view_set_fullscreen(struct strata_view *view, bool fullscreen, bool by_user);
void view_close(struct strata_view *view);
/* The urgent mark on the title bar (a square of VIEW_URGENT_RGB at its right
 * end), until the window gets focus; never on a focused window. */
#define VIEW_URGENT_RGB 0xffbf00u
void view_set_urgent(struct strata_view *view, bool urgent);
/* The title or app_id changed: sanitise and redraw. */
void view_update_title(struct strata_view *view);

/*
 * Where popups of windows of `level` may draw, layout coordinates: the
 * outputs below the banner, less every frame of another level's mapped
 * windows.
 */
void view_popup_region(struct strata_server *server, int level, pixman_region32_t *region);

#endif
