// SPDX-License-Identifier: MIT
/*
 * xdg-shell, xdg-decoration and KDE server-decoration: toplevels become views, whose events drive
 * the layout and the focus rules; popups are put in their parent's scene,
 * slid or flipped into their level's column, cut to where their level may
 * draw (never over the banner or another level's window), and get a thin
 * border in the level's colour so that a popup cannot pass for a window of
 * another level or for the compositor's own UI.
 */
#include <stdlib.h>
#include <string.h>
#include <wlr/types/wlr_server_decoration.h>
#include <wlr/types/wlr_xdg_decoration_v1.h>
#include <wlr/util/log.h>
#include "foreign.h"
#include "layout.h"
#include "output.h"
#include "seat.h"
#include "view.h"

#define POPUP_BORDER 1

/* ---- toplevels ---------------------------------------------------------- */

/* Windows placed anew; what is under a still pointer is worked out again. */
static void
arrange(struct strata_server *server)
{
	layout_arrange(server);
	seat_pointer_rebase(server->seat);
}

/* Smaller than this (window geometry) where it was given more: a helper
 * surface (a 1x1 one, say), not a window to tile. */
#define HELPER_MAX 16

static bool
is_helper(struct strata_view *view)
{
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geo);
	return (geo.width < HELPER_MAX && view->allot_width >= HELPER_MAX) ||
			(geo.height < HELPER_MAX && view->allot_height >= HELPER_MAX);
}

static void
handle_map(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, map);
	struct strata_server *server = view->server;
	view->mapped = true;
	/* From the unmapped layer (server.h), once; on top of the windows. */
	wlr_scene_node_reparent(view->tree, server->layer_views);
	wlr_scene_node_set_enabled(view->tree, true);
	view_sync_geometry(view);
	view->dialog = view->dialog || view_wants_dialog(view) || is_helper(view);
	if (view->xdg_surface->toplevel->requested.fullscreen) {
		/* Asked for before the first configure (foot --fullscreen). */
		view_set_fullscreen(view, true, false);
	}
	layout_arrange(server);
	seat_view_mapped(server->seat, view);
	seat_pointer_rebase(server->seat);
	wlr_log(WLR_INFO, "view %u mapped: level %s, app_id \"%s\"", view->id,
			levels_name(server, view->level), view->app_id);
	wl_signal_emit(&server->events.views_changed, view);
}

static void
handle_unmap(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, unmap);
	view->mapped = false;
	wlr_scene_node_set_enabled(view->tree, false);
	seat_view_unmapped(view->server->seat, view);
	arrange(view->server);
	wl_signal_emit(&view->server->events.views_changed, view);
}

static void
handle_commit(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, commit);
	if (view->mapped) {
		int width = view->width, height = view->height;
		view_sync_geometry(view);
		if (view->dialog && (width != view->width || height != view->height)) {
			/* Centred again at its new size. */
			layout_place_dialog(view->server, view);
		}
		/* Its subsurfaces may have come or moved with this commit. */
		wl_signal_emit(&view->server->events.views_changed, view);
	}
}

static void
handle_request_maximize(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, request_maximize);
	if (!view->xdg_surface->configured) {
		return;
	}
	view->maximized = view->xdg_surface->toplevel->requested.maximized;
	wlr_xdg_toplevel_set_maximized(view->xdg_surface, view->maximized);
	arrange(view->server);
}

static void
handle_request_fullscreen(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, request_fullscreen);
	if (!view->xdg_surface->configured) {
		/* Remembered in requested.fullscreen and applied at map time. */
		return;
	}
	view_set_fullscreen(view, view->xdg_surface->toplevel->requested.fullscreen, false);
	arrange(view->server);
}

static void
handle_set_title(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, set_title);
	view_update_title(view);
}

static void
handle_set_app_id(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, set_app_id);
	view_update_title(view);
}

static void
handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, destroy);
	/* wlroots unmaps (and the layout and pointer follow) before it
	 * destroys; this is for safety: the seat must hold no pointer to it. */
	seat_view_unmapped(view->server->seat, view);
	wl_list_remove(&view->map.link);
	wl_list_remove(&view->unmap.link);
	wl_list_remove(&view->destroy.link);
	wl_list_remove(&view->commit.link);
	wl_list_remove(&view->request_maximize.link);
	wl_list_remove(&view->request_fullscreen.link);
	wl_list_remove(&view->set_title.link);
	wl_list_remove(&view->set_app_id.link);
	view_destroy(view);
}

/*
 * Clients cannot start moves or resizes themselves (request_move and
 * request_resize are not listened to): only the reserved modifier and the
 * pointer do that (seat.c).
 */
static void
toplevel_create(struct strata_server *server, struct wlr_xdg_surface *xdg_surface)
{
	struct strata_view *view = view_create(server, xdg_surface);
	if (!view) {
		wl_resource_post_no_memory(xdg_surface->resource);
		return;
	}
	struct wlr_xdg_toplevel *toplevel = xdg_surface->toplevel;
	view->map.notify = handle_map;
	wl_signal_add(&xdg_surface->events.map, &view->map);
	view->unmap.notify = handle_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &view->unmap);
	view->destroy.notify = handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &view->destroy);
	view->commit.notify = handle_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &view->commit);
	view->request_maximize.notify = handle_request_maximize;
	wl_signal_add(&toplevel->events.request_maximize, &view->request_maximize);
	view->request_fullscreen.notify = handle_request_fullscreen;
	wl_signal_add(&toplevel->events.request_fullscreen, &view->request_fullscreen);
	view->set_title.notify = handle_set_title;
	wl_signal_add(&toplevel->events.set_title, &view->set_title);
	view->set_app_id.notify = handle_set_app_id;
	wl_signal_add(&toplevel->events.set_app_id, &view->set_app_id);
	/* The first configure already gives the size it will have as a tile:
	 * the client draws once, at that size, not first at a size of its own.
	 * One that asked to be fullscreen or maximised is placed at map. */
	int width, height;
	if (toplevel->requested.fullscreen || toplevel->requested.maximized) {
		return;
	}
	if (view_wants_dialog(view)) {
		/* A dialog picks its own size (its first configure is 0x0),
		 * shown inside its level's column. wlroots announces the
		 * surface at its first commit: its parent and sizes are set. */
		view->dialog = true;
	} else if (layout_first_size(server, view, &width, &height)) {
		view->allot_width = width;
		view->allot_height = height;
		wlr_xdg_toplevel_set_size(xdg_surface, (uint32_t)width, (uint32_t)height);
	}
}

/* ---- popups ------------------------------------------------------------- */

struct strata_popup {
	struct scene_tag tag; /* node data of tree: clipped to the level's region */
	struct wlr_xdg_popup *wlr_popup;
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
	return node ? view_from_node(node) : NULL;
}

/* Its own box with its border (its window geometry: what the border is
 * drawn around), within its level's region. */
static void
popup_clip(struct scene_tag *tag, pixman_region32_t *region)
{
	struct strata_popup *popup = wl_container_of(tag, popup, tag);
	struct strata_view *view = tag->view;
	view_popup_region(view->server, view->level, region);
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(popup->wlr_popup->base, &geo);
	int lx, ly;
	wlr_scene_node_coords(popup->tree, &lx, &ly);
	int b = POPUP_BORDER;
	pixman_region32_intersect_rect(region, region, lx - b, ly - b,
			(unsigned)(geo.width + 2 * b), (unsigned)(geo.height + 2 * b));
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

/* Slid or flipped into the level's column when the window is tiled (else
 * the area under the banner); what still sticks out is cut (popup_clip). */
static void
popup_unconstrain(struct strata_popup *popup)
{
	struct strata_view *view = popup->tag.view;
	struct wlr_box usable;
	if (!output_usable_area(view->server, &usable)) {
		return;
	}
	struct wlr_box area = usable;
	if (!wlr_box_empty(&view->column)) {
		wlr_box_intersection(&area, &view->column, &usable);
	}
	/* The box is in the coordinates of the toplevel's window geometry. */
	struct wlr_box box = {
		.x = area.x - view->x + POPUP_BORDER,
		.y = area.y - view->y + POPUP_BORDER,
		.width = area.width - 2 * POPUP_BORDER,
		.height = area.height - 2 * POPUP_BORDER,
	};
	wlr_xdg_popup_unconstrain_from_box(popup->wlr_popup, &box);
}

static void
popup_handle_commit(struct wl_listener *listener, void *data)
{
	struct strata_popup *popup = wl_container_of(listener, popup, commit);
	popup_update_border(popup);
	/* Mapped, moved, resized: the X-ray, if up, tints it where it is now. */
	wl_signal_emit(&popup->tag.view->server->events.views_changed, popup->tag.view);
}

static void
popup_handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_popup *popup = wl_container_of(listener, popup, destroy);
	struct strata_view *view = popup->tag.view;
	struct wlr_xdg_surface *xdg_surface = popup->wlr_popup->base;
	if (xdg_surface->data == popup->tree) {
		/* wlroots frees the tree with the role; the xdg_surface may stay
		 * and be a popup again, parent of another: no dangling pointer. */
		xdg_surface->data = NULL;
	}
	wl_list_remove(&popup->commit.link);
	wl_list_remove(&popup->destroy.link);
	free(popup);
	wl_signal_emit(&view->server->events.views_changed, view);
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
		wl_resource_post_no_memory(xdg_surface->resource);
		return;
	}
	popup->tag = (struct scene_tag){ .view = view, .clip = popup_clip, .solid = true };
	popup->wlr_popup = wlr_popup;
	popup->tree = wlr_scene_xdg_surface_create(parent->data, xdg_surface);
	if (!popup->tree) {
		free(popup);
		wl_resource_post_no_memory(xdg_surface->resource);
		return;
	}
	popup->tree->data = &popup->tag;
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
	} else if (xdg_surface->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		toplevel_create(server, xdg_surface);
	}
}

/* ---- parents that go ---------------------------------------------------- */

/*
 * wlroots 0.15.1 clears a toplevel's parent only when the parent unmaps (and
 * ends an xdg-foreign export of it the same way): a parent freed without
 * ever being mapped leaves its children pointing at freed memory, their
 * unmap listener linked into it, which any later look at the parent, and
 * wlroots' own teardown, would use. wlroots frees an xdg surface when its
 * xdg_surface, its xdg_toplevel, its wl_surface or its client's xdg_wm_base
 * resource goes. So those resources of every client are watched from their
 * creation; the destroy listener runs before wlroots frees anything, and
 * every toplevel (of any client: xdg-foreign parents across clients) lets
 * go of the one going, whose exports end too.
 */
enum watch_kind {
	WATCH_WL_SURFACE,
	WATCH_XDG_SURFACE,
	WATCH_XDG_TOPLEVEL,
	WATCH_WM_BASE,
};

struct parent_client {
	struct strata_server *server;
	struct wl_listener resource_created;
	struct wl_listener client_destroy;
	size_t watches; /* its watches alive */
	bool gone; /* the client is going: freed with its last watch */
};

struct parent_watch {
	struct wl_resource *resource;
	enum watch_kind kind;
	struct parent_client *owner;
	struct wl_listener destroy;
	struct wl_list link; /* server.xdg_toplevel_watches (toplevels only; else empty) */
};

/* The toplevel surface is about to be freed: no toplevel keeps it as its
 * parent, and its exports end. */
static void
toplevel_going(struct strata_server *server, struct wlr_xdg_surface *going)
{
	if (!going || going->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return;
	}
	/* Its own parent let go of too: xdg-foreign keeps a record of a child
	 * it parented, freed only when the child unmaps or changes parent
	 * (set_parent); a toplevel going without ever mapping left it, and the
	 * import's end then set the parent of a surface without a toplevel
	 * (wlroots' assertion, or freed memory). */
	wlr_xdg_toplevel_set_parent(going, NULL);
	struct parent_watch *w;
	wl_list_for_each(w, &server->xdg_toplevel_watches, link) {
		/* user data: the wlr_xdg_surface, NULL once inert */
		struct wlr_xdg_surface *child = wl_resource_get_user_data(w->resource);
		if (child && child != going && child->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL &&
				child->toplevel && child->toplevel->parent == going) {
			wlr_xdg_toplevel_set_parent(child, NULL);
		}
	}
	foreign_surface_going(server, going->surface);
}

static void
parent_watch_handle_destroy(struct wl_listener *listener, void *data)
{
	struct parent_watch *w = wl_container_of(listener, w, destroy);
	struct parent_client *owner = w->owner;
	struct strata_server *server = owner->server;
	struct wl_client *client = wl_resource_get_client(w->resource);
	enum watch_kind kind = w->kind;
	void *user_data = wl_resource_get_user_data(w->resource);
	wl_list_remove(&w->link);
	wl_list_remove(&w->destroy.link);
	free(w);
	switch (kind) {
	case WATCH_WL_SURFACE: {
		struct wlr_surface *surface = user_data;
		if (surface && wlr_surface_is_xdg_surface(surface)) {
			toplevel_going(server, wlr_xdg_surface_from_wlr_surface(surface));
		}
		break;
	}
	case WATCH_XDG_SURFACE:
	case WATCH_XDG_TOPLEVEL:
		toplevel_going(server, user_data);
		break;
	case WATCH_WM_BASE: {
		/* Every xdg surface of the client goes with it. */
		struct parent_watch *t, *tmp;
		wl_list_for_each_safe(t, tmp, &server->xdg_toplevel_watches, link) {
			if (wl_resource_get_client(t->resource) == client) {
				toplevel_going(server, wl_resource_get_user_data(t->resource));
			}
		}
		break;
	}
	}
	owner->watches--;
	if (owner->gone && owner->watches == 0) {
		free(owner);
	}
}

static void
parent_client_handle_resource_created(struct wl_listener *listener, void *data)
{
	struct parent_client *owner = wl_container_of(listener, owner, resource_created);
	struct wl_resource *resource = data;
	static const struct {
		const char *class;
		enum watch_kind kind;
	} watched[] = {
		{ "wl_surface", WATCH_WL_SURFACE },
		{ "xdg_surface", WATCH_XDG_SURFACE },
		{ "xdg_toplevel", WATCH_XDG_TOPLEVEL },
		{ "xdg_wm_base", WATCH_WM_BASE },
	};
	const char *class = wl_resource_get_class(resource);
	size_t i = 0;
	while (i < sizeof(watched) / sizeof(watched[0]) && strcmp(class, watched[i].class) != 0) {
		i++;
	}
	if (i == sizeof(watched) / sizeof(watched[0])) {
		return;
	}
	struct parent_watch *w = calloc(1, sizeof(*w));
	if (!w) {
		/* Unwatched, a parent could leave a dangling pointer: no. */
		wl_client_post_no_memory(wl_resource_get_client(resource));
		return;
	}
	w->resource = resource;
	w->kind = watched[i].kind;
	w->owner = owner;
	owner->watches++;
	if (w->kind == WATCH_XDG_TOPLEVEL) {
		wl_list_insert(&owner->server->xdg_toplevel_watches, &w->link);
	} else {
		wl_list_init(&w->link);
	}
	w->destroy.notify = parent_watch_handle_destroy;
	wl_resource_add_destroy_listener(resource, &w->destroy);
}

static void
parent_client_handle_destroy(struct wl_listener *listener, void *data)
{
	/* Its resources are destroyed after this: the watches still run. */
	struct parent_client *owner = wl_container_of(listener, owner, client_destroy);
	wl_list_remove(&owner->resource_created.link);
	wl_list_remove(&owner->client_destroy.link);
	owner->gone = true;
	if (owner->watches == 0) {
		free(owner);
	}
}

static void
handle_client_created(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, xdg_client_created);
	struct wl_client *client = data;
	struct parent_client *owner = calloc(1, sizeof(*owner));
	if (!owner) {
		wl_client_post_no_memory(client);
		return;
	}
	owner->server = server;
	owner->resource_created.notify = parent_client_handle_resource_created;
	wl_client_add_resource_created_listener(client, &owner->resource_created);
	owner->client_destroy.notify = parent_client_handle_destroy;
	wl_client_add_destroy_listener(client, &owner->client_destroy);
}

/* ---- decorations -------------------------------------------------------- */

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
	wl_list_init(&server->xdg_toplevel_watches);
	server->xdg_client_created.notify = handle_client_created;
	wl_display_add_client_created_listener(server->display, &server->xdg_client_created);
	server->decoration_manager = wlr_xdg_decoration_manager_v1_create(server->display);
	if (!server->decoration_manager) {
		return false;
	}
	server->new_decoration.notify = handle_new_decoration;
	wl_signal_add(&server->decoration_manager->events.new_toplevel_decoration,
			&server->new_decoration);
	/*
	 * KDE's older protocol, the one GTK 3, Firefox and Chromium know: its
	 * default mode "server" tells them not to draw a title bar of their own
	 * under the level's. A client may still ask for client mode (wlroots
	 * answers yes); the compositor's frame is drawn all the same.
	 */
	struct wlr_server_decoration_manager *kde_decoration =
			wlr_server_decoration_manager_create(server->display);
	if (!kde_decoration) {
		return false;
	}
	wlr_server_decoration_manager_set_default_mode(kde_decoration,
			WLR_SERVER_DECORATION_MANAGER_MODE_SERVER);
	return true;
}

void
xdg_shell_finish(struct strata_server *server)
{
	wl_list_remove(&server->new_xdg_surface.link);
	wl_list_remove(&server->xdg_client_created.link);
	wl_list_remove(&server->new_decoration.link);
}
