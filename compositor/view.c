// SPDX-License-Identifier: MIT
/*
 * Views: toplevel windows with the level frame the compositor draws around
 * them, and the focus rules.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/util/log.h>
#include "clipboard.h"
#include "output.h"
#include "text.h"
#include "transfer.h"
#include "audio.h"
#include "view.h"

struct view_frame_extents
view_frame_extents(struct strata_view *view)
{
	const struct strata_config *cfg = &view->server->config;
	struct view_frame_extents ext = { .border = 4, .title = cfg->title_height };
	if (view->level >= 0) {
		ext.border = cfg->levels[view->level].border_width;
	}
	if (view->fullscreen) {
		/* Fullscreen keeps the border, never the title bar. */
		ext.title = 0;
	}
	return ext;
}

void
view_get_frame_box(struct strata_view *view, struct wlr_box *box)
{
	struct view_frame_extents ext = view_frame_extents(view);
	*box = (struct wlr_box){
		.x = view->x - ext.border,
		.y = view->y - ext.title - ext.border,
		.width = view->width + 2 * ext.border,
		.height = view->height + ext.title + 2 * ext.border,
	};
}

static void
view_draw_title_bar(struct strata_view *view)
{
	struct strata_server *server = view->server;
	const struct strata_config *cfg = &server->config;
	struct view_frame_extents ext = view_frame_extents(view);
	bool focused = server->focused_view == view;
	if (view->title_bar && view->title_bar_width == view->width &&
			view->title_bar_focused == focused && !view->fullscreen) {
		return;
	}
	if (view->title_bar) {
		wlr_scene_node_destroy(view->title_bar);
		view->title_bar = NULL;
	}
	if (ext.title == 0 || view->width <= 0 || view->level < 0) {
		return;
	}
	const struct strata_level *level = &cfg->levels[view->level];
	char label[STRATA_LEVEL_NAME_MAX + 3];
	snprintf(label, sizeof(label), "[%s]", level->name);
	struct text_line lines[2] = {
		{ .text = label, .bold = true },
		{ .text = view->title[0] ? view->title : view->app_id, .bold = focused },
	};
	view->title_bar = text_bar_create(view->frame, 0, -ext.title, view->width, ext.title,
			level->colour, level->text_colour, cfg->font, lines, 2, false);
	view->title_bar_width = view->width;
	view->title_bar_focused = focused;
}

void
view_update_frame(struct strata_view *view)
{
	struct view_frame_extents ext = view_frame_extents(view);
	int b = ext.border, t = ext.title, w = view->width, h = view->height;
	/* top (above the title bar), bottom, left, right: all outside the content */
	wlr_scene_rect_set_size(view->border[0], w, b);
	wlr_scene_node_set_position(&view->border[0]->node, 0, -t - b);
	wlr_scene_rect_set_size(view->border[1], w, b);
	wlr_scene_node_set_position(&view->border[1]->node, 0, h);
	wlr_scene_rect_set_size(view->border[2], b, h + t + 2 * b);
	wlr_scene_node_set_position(&view->border[2]->node, -b, -t - b);
	wlr_scene_rect_set_size(view->border[3], b, h + t + 2 * b);
	wlr_scene_node_set_position(&view->border[3]->node, w, -t - b);
	view_draw_title_bar(view);
}

static void
view_sync_geometry(struct strata_view *view)
{
	struct wlr_box geo;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geo);
	/* A client can claim any geometry; keep what we draw sane. */
	int width = geo.width > 0 ? geo.width : 1;
	int height = geo.height > 0 ? geo.height : 1;
	if (width > 16384) {
		width = 16384;
	}
	if (height > 16384) {
		height = 16384;
	}
	if (width != view->width || height != view->height) {
		view->width = width;
		view->height = height;
		view_update_frame(view);
	}
	wlr_scene_node_set_position(view->tree, view->x, view->y);
}

void
view_configure(struct strata_view *view, int x, int y, int width, int height)
{
	view->x = x;
	view->y = y;
	if (width > 0 && height > 0 &&
			(width != view->pending_width || height != view->pending_height)) {
		view->pending_width = width;
		view->pending_height = height;
		wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)width, (uint32_t)height);
	}
	wlr_scene_node_set_position(view->tree, x, y);
}

struct strata_view *
view_at(struct strata_server *server, double lx, double ly, struct wlr_surface **surface,
		double *sx, double *sy)
{
	*surface = NULL;
	struct wlr_scene_node *node = wlr_scene_node_at(&server->scene->node, lx, ly, sx, sy);
	if (!node) {
		return NULL;
	}
	if (node->type == WLR_SCENE_NODE_SURFACE) {
		*surface = wlr_scene_surface_from_node(node)->surface;
	}
	/* Walk up to the view's tree; the banner and the background have none. */
	while (node && !node->data) {
		node = node->parent;
	}
	return node ? node->data : NULL;
}

static void
set_activated(struct strata_view *view, bool activated)
{
	if (view && view->xdg_surface->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		wlr_xdg_toplevel_set_activated(view->xdg_surface, activated);
	}
}

void
view_focus(struct strata_view *view)
{
	struct strata_server *server = view ? view->server : NULL;
	if (!view) {
		return;
	}
	struct strata_view *previous = server->focused_view;
	struct wlr_seat *seat = server->seat;
	if (previous == view) {
		wlr_scene_node_raise_to_top(view->tree);
		return;
	}
	/*
	 * The seat sends a new selection to whoever has keyboard focus at that
	 * moment: take focus away first, so the old client (maybe of another
	 * level) is never offered the new level's selection; then the new level's
	 * selections; then enter, which offers them to the new client.
	 */
	wlr_seat_keyboard_notify_clear_focus(seat);
	clipboard_focus_level(server, view->level);
	audio_focus_level(server, view->level);
	set_activated(previous, false);
	server->focused_view = view;
	wlr_scene_node_raise_to_top(view->tree);
	wl_list_remove(&view->link);
	wl_list_insert(&server->views, &view->link);
	set_activated(view, true);

	struct wlr_keyboard *keyboard = wlr_seat_get_keyboard(seat);
	if (keyboard) {
		/* Clients never learn of the reserved modifier; no held key either. */
		struct wlr_keyboard_modifiers mods = keyboard->modifiers;
		uint32_t reserved = server->config.modifier == STRATA_MODIFIER_ALT ?
				WLR_MODIFIER_ALT :
				WLR_MODIFIER_LOGO;
		mods.depressed &= ~reserved;
		mods.latched &= ~reserved;
		mods.locked &= ~reserved;
		wlr_seat_keyboard_notify_enter(seat, view->xdg_surface->surface, NULL, 0, &mods);
	} else {
		wlr_seat_keyboard_notify_enter(seat, view->xdg_surface->surface, NULL, 0, NULL);
	}
	if (previous) {
		view_update_frame(previous);
	}
	view_update_frame(view);
	banner_update_all(server);
	transfer_focus_changed(server);
	wlr_log(WLR_DEBUG, "focus: view %u (%s)", view->id, server_level_name(server, view->level));
}

/* Focus goes to nobody: e.g. the focused view went away and no other of its
 * level is left. */
static void
focus_clear(struct strata_server *server)
{
	server->focused_view = NULL;
	wlr_seat_keyboard_notify_clear_focus(server->seat);
	clipboard_focus_level(server, -1);
	audio_focus_level(server, -1);
	banner_update_all(server);
	transfer_focus_changed(server);
}

void
view_close(struct strata_view *view)
{
	if (view->xdg_surface->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		wlr_xdg_toplevel_send_close(view->xdg_surface);
	}
}

void
view_set_fullscreen(struct strata_view *view, bool fullscreen)
{
	view->fullscreen = fullscreen;
	wlr_xdg_toplevel_set_fullscreen(view->xdg_surface, fullscreen);
	view_update_frame(view);
	layout_arrange(view->server);
}

static void
sanitize_into(char *out, size_t size, const char *in)
{
	sanitize_title(in ? in : "", in ? strlen(in) : 0, out, size);
}

static void
handle_set_title(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, set_title);
	sanitize_into(view->title, sizeof(view->title), view->xdg_surface->toplevel->title);
	view->title_bar_width = -1; /* redraw */
	view_update_frame(view);
}

static void
handle_set_app_id(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, set_app_id);
	sanitize_into(view->app_id, sizeof(view->app_id), view->xdg_surface->toplevel->app_id);
	if (!view->title[0]) {
		view->title_bar_width = -1;
		view_update_frame(view);
	}
}

static void
handle_map(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, map);
	struct strata_server *server = view->server;
	view->mapped = true;
	wlr_scene_node_set_enabled(view->tree, true);
	view_sync_geometry(view);
	if (view->xdg_surface->toplevel->requested.fullscreen) {
		/* Asked for before the first configure (foot --fullscreen). */
		view_set_fullscreen(view, true);
	}
	layout_arrange(server);
	/*
	 * A new window takes focus only when nothing has it or when the focused
	 * window is of the same level: a window of another level never steals
	 * the keyboard from what the user is typing into.
	 */
	struct strata_view *focused = server->focused_view;
	if (!focused || focused->level == view->level) {
		view_focus(view);
	} else {
		/* Below the focused window: it must not cover what the user works in. */
		wlr_scene_node_place_below(view->tree, focused->tree);
		wl_list_remove(&view->link);
		wl_list_insert(&focused->link, &view->link);
	}
	wlr_log(WLR_INFO, "view %u mapped: level %s, app_id \"%s\"", view->id,
			server_level_name(server, view->level), view->app_id);
}

static void
focus_next_after_unmap(struct strata_view *gone)
{
	struct strata_server *server = gone->server;
	if (server->focused_view != gone) {
		return;
	}
	/*
	 * Focus falls back only to a window of the same level: the next keystroke
	 * the user types, meant for the closed window, must not land in another
	 * level. Otherwise nothing has focus until the user picks a window.
	 */
	struct strata_view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view != gone && view->mapped && view->level == gone->level) {
			server->focused_view = NULL;
			view_focus(view);
			return;
		}
	}
	focus_clear(server);
}

static void
handle_unmap(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, unmap);
	struct strata_server *server = view->server;
	view->mapped = false;
	wlr_scene_node_set_enabled(view->tree, false);
	if (server->grabbed_view == view) {
		server->grabbed_view = NULL;
		server->cursor_mode = STRATA_CURSOR_PASSTHROUGH;
	}
	focus_next_after_unmap(view);
	layout_arrange(server);
}

static void
handle_commit(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, commit);
	if (view->mapped) {
		view_sync_geometry(view);
	}
}

static void
handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, destroy);
	view_destroy(view);
}

static void
handle_request_move(struct wl_listener *listener, void *data)
{
	/* Moves start only from the reserved modifier and the pointer (input.c):
	 * a client cannot start a grab on its own. */
}

static void
handle_request_resize(struct wl_listener *listener, void *data)
{
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
	layout_arrange(view->server);
}

static void
handle_request_fullscreen(struct wl_listener *listener, void *data)
{
	struct strata_view *view = wl_container_of(listener, view, request_fullscreen);
	if (!view->xdg_surface->configured) {
		/* Remembered in requested.fullscreen and applied at map time. */
		return;
	}
	view_set_fullscreen(view, view->xdg_surface->toplevel->requested.fullscreen);
}

struct strata_view *
view_create(struct strata_server *server, struct wlr_xdg_surface *xdg_surface)
{
	struct strata_view *view = calloc(1, sizeof(*view));
	if (!view) {
		return NULL;
	}
	view->server = server;
	view->xdg_surface = xdg_surface;
	view->id = ++server->next_view_id;
	view->level = levels_client_level(server, wl_resource_get_client(xdg_surface->resource));
	view->width = 1;
	view->height = 1;
	view->title_bar_width = -1;

	struct wlr_scene_tree *tree = wlr_scene_tree_create(server->layer_views);
	view->tree = &tree->node;
	view->tree->data = view;
	view->content = wlr_scene_xdg_surface_create(view->tree, xdg_surface);
	struct wlr_scene_tree *frame = wlr_scene_tree_create(view->tree);
	view->frame = &frame->node;
	float colour[4] = { 0.5f, 0.5f, 0.5f, 1.0f };
	if (view->level >= 0) {
		config_colour_to_floats(server->config.levels[view->level].colour, colour);
	}
	for (int i = 0; i < 4; i++) {
		view->border[i] = wlr_scene_rect_create(view->frame, 0, 0, colour);
	}
	wlr_scene_node_set_enabled(view->tree, false);
	xdg_surface->data = view->content;

	view->map.notify = handle_map;
	wl_signal_add(&xdg_surface->events.map, &view->map);
	view->unmap.notify = handle_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &view->unmap);
	view->destroy.notify = handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &view->destroy);
	view->commit.notify = handle_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &view->commit);

	struct wlr_xdg_toplevel *toplevel = xdg_surface->toplevel;
	view->request_move.notify = handle_request_move;
	wl_signal_add(&toplevel->events.request_move, &view->request_move);
	view->request_resize.notify = handle_request_resize;
	wl_signal_add(&toplevel->events.request_resize, &view->request_resize);
	view->request_maximize.notify = handle_request_maximize;
	wl_signal_add(&toplevel->events.request_maximize, &view->request_maximize);
	view->request_fullscreen.notify = handle_request_fullscreen;
	wl_signal_add(&toplevel->events.request_fullscreen, &view->request_fullscreen);
	view->set_title.notify = handle_set_title;
	wl_signal_add(&toplevel->events.set_title, &view->set_title);
	view->set_app_id.notify = handle_set_app_id;
	wl_signal_add(&toplevel->events.set_app_id, &view->set_app_id);

	/* wlroots announces the surface at its first commit: a title or app_id
	 * set before that is already there. */
	sanitize_into(view->title, sizeof(view->title), toplevel->title);
	sanitize_into(view->app_id, sizeof(view->app_id), toplevel->app_id);

	wl_list_insert(server->views.prev, &view->link);
	return view;
}

void
view_destroy(struct strata_view *view)
{
	if (!view) {
		return;
	}
	struct strata_server *server = view->server;
	if (server->focused_view == view) {
		focus_next_after_unmap(view);
		if (server->focused_view == view) {
			server->focused_view = NULL;
		}
	}
	if (server->grabbed_view == view) {
		server->grabbed_view = NULL;
		server->cursor_mode = STRATA_CURSOR_PASSTHROUGH;
	}
	wl_list_remove(&view->map.link);
	wl_list_remove(&view->unmap.link);
	wl_list_remove(&view->destroy.link);
	wl_list_remove(&view->commit.link);
	wl_list_remove(&view->request_move.link);
	wl_list_remove(&view->request_resize.link);
	wl_list_remove(&view->request_maximize.link);
	wl_list_remove(&view->request_fullscreen.link);
	wl_list_remove(&view->set_title.link);
	wl_list_remove(&view->set_app_id.link);
	wl_list_remove(&view->link);
	wlr_scene_node_destroy(view->tree);
	free(view);
	layout_arrange(server);
}
