// SPDX-License-Identifier: MIT
/*
 * xdg-shell and xdg-decoration: toplevels become views; popups are put in
 * their parent's scene, kept inside the area under the banner, and get a
 * thin border in the level's colour so that a popup cannot pass for a
 * window of another level or for the compositor's own UI.
 */
#include <stdlib.h>
#include <wlr/types/wlr_xdg_decoration_v1.h>
#include <wlr/util/log.h>
#include "output.h"
#include "view.h"

#define POPUP_BORDER 1

struct strata_popup {
	struct wlr_xdg_popup *wlr_popup;
	struct strata_view *view; /* the toplevel it belongs to */
	struct wlr_scene_node *tree;
	struct wlr_scene_rect *border[4];
	struct wl_listener commit;
	struct wl_listener destroy;
};

static struct strata_view *
toplevel_view_of(struct wlr_xdg_surface *xdg_surface)
{
	while (xdg_surface && xdg_surface->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		struct wlr_surface *parent = xdg_surface->popup->parent;
		if (!parent || !wlr_surface_is_xdg_surface(parent)) {
			return NULL;
		}
		xdg_surface = wlr_xdg_surface_from_wlr_surface(parent);
	}
	if (!xdg_surface || xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return NULL;
	}
	struct wlr_scene_node *node = xdg_surface->data;
	return node && node->parent ? node->parent->data : NULL;
}

static void
popup_update_border(struct strata_popup *popup)
{
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(popup->wlr_popup->base, &geo);
	int w = geo.width, h = geo.height, b = POPUP_BORDER;
	wlr_scene_rect_set_size(popup->border[0], w + 2 * b, b);
	wlr_scene_node_set_position(&popup->border[0]->node, -b, -b);
	wlr_scene_rect_set_size(popup->border[1], w + 2 * b, b);
	wlr_scene_node_set_position(&popup->border[1]->node, -b, h);
	wlr_scene_rect_set_size(popup->border[2], b, h);
	wlr_scene_node_set_position(&popup->border[2]->node, -b, 0);
	wlr_scene_rect_set_size(popup->border[3], b, h);
	wlr_scene_node_set_position(&popup->border[3]->node, w, 0);
}

static void
popup_unconstrain(struct strata_popup *popup)
{
	struct strata_view *view = popup->view;
	struct wlr_box usable;
	if (!server_usable_area(view->server, &usable)) {
		return;
	}
	/* The box is in the coordinates of the toplevel's window geometry. */
	struct wlr_box box = {
		.x = usable.x - view->x + POPUP_BORDER,
		.y = usable.y - view->y + POPUP_BORDER,
		.width = usable.width - 2 * POPUP_BORDER,
		.height = usable.height - 2 * POPUP_BORDER,
	};
	wlr_xdg_popup_unconstrain_from_box(popup->wlr_popup, &box);
}

static void
popup_handle_commit(struct wl_listener *listener, void *data)
{
	struct strata_popup *popup = wl_container_of(listener, popup, commit);
	popup_update_border(popup);
}

static void
popup_handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_popup *popup = wl_container_of(listener, popup, destroy);
	wl_list_remove(&popup->commit.link);
	wl_list_remove(&popup->destroy.link);
	free(popup);
}

static void
popup_create(struct strata_server *server, struct wlr_xdg_surface *xdg_surface)
{
	struct wlr_xdg_popup *wlr_popup = xdg_surface->popup;
	struct strata_view *view = toplevel_view_of(xdg_surface);
	struct wlr_xdg_surface *parent =
			wlr_popup->parent && wlr_surface_is_xdg_surface(wlr_popup->parent) ?
			wlr_xdg_surface_from_wlr_surface(wlr_popup->parent) :
			NULL;
	if (!view || !parent || !parent->data) {
		/* No toplevel to belong to (e.g. a layer surface's): never shown. */
		wlr_log(WLR_DEBUG, "popup without a toplevel parent: not shown");
		return;
	}
	struct strata_popup *popup = calloc(1, sizeof(*popup));
	if (!popup) {
		return;
	}
	popup->wlr_popup = wlr_popup;
	popup->view = view;
	popup->tree = wlr_scene_xdg_surface_create(parent->data, xdg_surface);
	xdg_surface->data = popup->tree;
	float colour[4] = { 0.5f, 0.5f, 0.5f, 1.0f };
	if (view->level >= 0) {
		config_colour_to_floats(server->config.levels[view->level].colour, colour);
	}
	for (int i = 0; i < 4; i++) {
		popup->border[i] = wlr_scene_rect_create(popup->tree, 0, 0, colour);
	}
	popup->commit.notify = popup_handle_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &popup->commit);
	popup->destroy.notify = popup_handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &popup->destroy);
	popup_unconstrain(popup);
}

static void
handle_new_xdg_surface(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;
	if (xdg_surface->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		popup_create(server, xdg_surface);
		return;
	}
	if (xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return;
	}
	if (!view_create(server, xdg_surface)) {
		wl_resource_post_no_memory(xdg_surface->resource);
	}
}

struct strata_decoration {
	struct wlr_xdg_toplevel_decoration_v1 *decoration;
	struct wl_listener request_mode;
	struct wl_listener destroy;
};

static void
decoration_handle_request_mode(struct wl_listener *listener, void *data)
{
	struct strata_decoration *deco = wl_container_of(listener, deco, request_mode);
	/* The compositor always draws the frame, whatever the client prefers. */
	wlr_xdg_toplevel_decoration_v1_set_mode(deco->decoration,
			WLR_XDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
}

static void
decoration_handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_decoration *deco = wl_container_of(listener, deco, destroy);
	wl_list_remove(&deco->request_mode.link);
	wl_list_remove(&deco->destroy.link);
	free(deco);
}

static void
handle_new_decoration(struct wl_listener *listener, void *data)
{
	struct wlr_xdg_toplevel_decoration_v1 *decoration = data;
	struct strata_decoration *deco = calloc(1, sizeof(*deco));
	if (!deco) {
		return;
	}
	deco->decoration = decoration;
	deco->request_mode.notify = decoration_handle_request_mode;
	wl_signal_add(&decoration->events.request_mode, &deco->request_mode);
	deco->destroy.notify = decoration_handle_destroy;
	wl_signal_add(&decoration->events.destroy, &deco->destroy);
	decoration_handle_request_mode(&deco->request_mode, decoration);
}

bool
xdg_shell_init(struct strata_server *server)
{
	server->xdg_shell = wlr_xdg_shell_create(server->display);
	if (!server->xdg_shell) {
		return false;
	}
	server->new_xdg_surface.notify = handle_new_xdg_surface;
	wl_signal_add(&server->xdg_shell->events.new_surface, &server->new_xdg_surface);
	server->decoration_manager = wlr_xdg_decoration_manager_v1_create(server->display);
	if (!server->decoration_manager) {
		return false;
	}
	server->new_decoration.notify = handle_new_decoration;
	wl_signal_add(&server->decoration_manager->events.new_toplevel_decoration,
			&server->new_decoration);
	return true;
}

void
xdg_shell_finish(struct strata_server *server)
{
	wl_list_remove(&server->new_xdg_surface.link);
	wl_list_remove(&server->new_decoration.link);
}
