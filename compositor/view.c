// SPDX-License-Identifier: MIT
/*
 * Views: toplevel windows, the level frame the compositor draws around
 * them, and the box their client may draw in. Focus, stacking and input are
 * seat.c's; the xdg-shell events are xdg_shell.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wlr/util/log.h>
#include "output.h"
#include "text.h"
#include "view.h"

/* Bigger than any output: what is shown of a window without an allotted size. */
#define VIEW_SIZE_MAX 16384

/* The border of an X11 override-redirect window, inside its box. */
#define VIEW_UNMANAGED_BORDER 2

struct wlr_surface *
view_surface(struct strata_view *view)
{
	if (!view) {
		return NULL;
	}
	if (view->xsurface) {
		return view->xsurface->surface;
	}
	return view->xdg_surface ? view->xdg_surface->surface : NULL;
}

struct wl_client *
view_client(struct strata_view *view)
{
	struct wlr_surface *surface = view_surface(view);
	return surface ? wl_resource_get_client(surface->resource) : NULL;
}

void
view_geometry(struct strata_view *view, struct wlr_box *geo)
{
	if (view->xsurface) {
		/* What Xwayland last committed is what it shows: the X window's
		 * size may run ahead of it. */
		struct wlr_surface *surface = view->xsurface->surface;
		*geo = (struct wlr_box){
			.width = surface ? surface->current.width : 0,
			.height = surface ? surface->current.height : 0,
		};
		return;
	}
	wlr_xdg_surface_get_geometry(view->xdg_surface, geo);
}

struct view_frame_extents
view_frame_extents(struct strata_view *view)
{
	const struct strata_config *cfg = &view->server->config;
	if (view->unmanaged) {
		/* Its border is inside its box: it adds nothing around it. */
		return (struct view_frame_extents){ 0 };
	}
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

/* Whether the title bar drawn (or its absence) is what the view needs now. */
static bool
title_bar_current(struct strata_view *view)
{
	if (view->fullscreen || view->level < 0 || view->unmanaged ||
			view_frame_extents(view).title == 0) {
		return !view->title_bar;
	}
	return view->title_bar && view->title_bar_width == view->width &&
			view->title_bar_focused == view->focused;
}

static void
view_draw_title_bar(struct strata_view *view)
{
	struct strata_server *server = view->server;
	const struct strata_config *cfg = &server->config;
	struct view_frame_extents ext = view_frame_extents(view);
	view->title_bar_stale = false;
	if (title_bar_current(view)) {
		return;
	}
	if (view->title_bar) {
		wlr_scene_node_destroy(view->title_bar);
		view->title_bar = NULL;
	}
	server->stat_title_bars++;
	if (ext.title == 0 || view->width <= 0 || view->level < 0) {
		return;
	}
	const struct strata_level *level = &cfg->levels[view->level];
	char label[STRATA_LEVEL_NAME_MAX + 3];
	snprintf(label, sizeof(label), "[%s]", level->name);
	struct text_line lines[2] = {
		{ .text = label, .bold = true },
		{ .text = view->title[0] ? view->title : view->app_id, .bold = view->focused },
	};
	view->title_bar = text_bar_create(view->frame, 0, -ext.title, view->width, ext.title,
			level->colour, level->text_colour, cfg->font, lines, 2, false);
	view->title_bar_width = view->width;
	view->title_bar_focused = view->focused;
	if (view->urgent_mark) {
		wlr_scene_node_raise_to_top(&view->urgent_mark->node);
	}
}

/* The urgent mark's place: a square at the title bar's right end. */
static void
place_urgent_mark(struct strata_view *view)
{
	struct view_frame_extents ext = view_frame_extents(view);
	int inset = ext.title >= 12 ? 4 : 0;
	int side = ext.title - 2 * inset;
	bool shown = side > 0 && view->width > side + 2 * inset && !view->fullscreen;
	wlr_scene_node_set_enabled(&view->urgent_mark->node, shown);
	if (shown) {
		wlr_scene_rect_set_size(view->urgent_mark, side, side);
		wlr_scene_node_set_position(&view->urgent_mark->node, view->width - side - inset,
				-ext.title + inset);
	}
}

void
view_set_urgent(struct strata_view *view, bool urgent)
{
	if (urgent && !view->focused && !view->urgent_mark && view->level >= 0) {
		float colour[4];
		config_colour_to_floats(VIEW_URGENT_RGB << 8 | 0xff, colour);
		view->urgent_mark = wlr_scene_rect_create(view->frame, 1, 1, colour);
		if (view->urgent_mark) {
			place_urgent_mark(view);
		}
	} else if (!urgent && view->urgent_mark) {
		wlr_scene_node_destroy(&view->urgent_mark->node);
		view->urgent_mark = NULL;
	}
}

void
view_update_frame(struct strata_view *view)
{
	struct view_frame_extents ext = view_frame_extents(view);
	int b = ext.border, t = ext.title, w = view->width, h = view->height;
	if (view->unmanaged) {
		/* Inside the box, over the content's edges: the window cannot
		 * draw over it, and it adds nothing outside the box. */
		b = VIEW_UNMANAGED_BORDER;
		wlr_scene_rect_set_size(view->border[0], w, b < h ? b : h);
		wlr_scene_node_set_position(&view->border[0]->node, 0, 0);
		wlr_scene_rect_set_size(view->border[1], w, b < h ? b : h);
		wlr_scene_node_set_position(&view->border[1]->node, 0, h > b ? h - b : 0);
		wlr_scene_rect_set_size(view->border[2], b < w ? b : w, h);
		wlr_scene_node_set_position(&view->border[2]->node, 0, 0);
		wlr_scene_rect_set_size(view->border[3], b < w ? b : w, h);
		wlr_scene_node_set_position(&view->border[3]->node, w > b ? w - b : 0, 0);
		wl_signal_emit(&view->server->events.views_changed, view);
		return;
	}
	/* top (above the title bar), bottom, left, right: all outside the content */
	wlr_scene_rect_set_size(view->border[0], w, b);
	wlr_scene_node_set_position(&view->border[0]->node, 0, -t - b);
	wlr_scene_rect_set_size(view->border[1], w, b);
	wlr_scene_node_set_position(&view->border[1]->node, 0, h);
	wlr_scene_rect_set_size(view->border[2], b, h + t + 2 * b);
	wlr_scene_node_set_position(&view->border[2]->node, -b, -t - b);
	wlr_scene_rect_set_size(view->border[3], b, h + t + 2 * b);
	wlr_scene_node_set_position(&view->border[3]->node, w, -t - b);
	if (view->urgent_mark) {
		place_urgent_mark(view);
	}
	if (!view->title_bar && !title_bar_current(view)) {
		/* A first bar at once: the pointer finds the window by it (a
		 * Logo+drag on the title bar of a window just mapped). */
		view_draw_title_bar(view);
	} else if (!view->title_bar_stale && !title_bar_current(view)) {
		/* A bar drawn anew (text laid out, rendered) once, before the
		 * next frame, the old one shown and hit until then: a map
		 * resizes, then focuses, a window; each used to draw it. */
		view->title_bar_stale = true;
		view->server->title_bars_stale = true;
		struct strata_output *output;
		wl_list_for_each(output, &view->server->outputs, link) {
			wlr_output_schedule_frame(output->wlr_output);
		}
	}
	wl_signal_emit(&view->server->events.views_changed, view);
}

static void
handle_before_frame(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, view_before_frame);
	if (!server->title_bars_stale) {
		return;
	}
	server->title_bars_stale = false;
	struct strata_view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->title_bar_stale) {
			view_draw_title_bar(view);
		}
	}
}

void
views_init(struct strata_server *server)
{
	server->view_before_frame.notify = handle_before_frame;
	wl_signal_add(&server->events.before_frame, &server->view_before_frame);
}

void
views_finish(struct strata_server *server)
{
	if (server->view_before_frame.notify) {
		wl_list_remove(&server->view_before_frame.link);
		server->view_before_frame.notify = NULL;
	}
}

static int
shown_length(int committed, int allotted)
{
	int length = committed > 0 ? committed : 1;
	if (allotted > 0 && length > allotted) {
		length = allotted;
	}
	return length > VIEW_SIZE_MAX ? VIEW_SIZE_MAX : length;
}

void
view_sync_geometry(struct strata_view *view)
{
	struct wlr_box geo;
	view_geometry(view, &geo);
	int width = shown_length(geo.width, view->allot_width);
	int height = shown_length(geo.height, view->allot_height);
	if (width != view->width || height != view->height) {
		/* Where the old box was and the new one is: content that was
		 * shown and is now clipped away must be drawn over. */
		struct wlr_box before;
		view_get_frame_box(view, &before);
		view->width = width;
		view->height = height;
		view_update_frame(view);
		if (view->mapped) {
			struct wlr_box after;
			view_get_frame_box(view, &after);
			scene_damage_box(view->server->scene, &before);
			scene_damage_box(view->server->scene, &after);
		}
	}
	wlr_scene_node_set_position(view->tree, view->x, view->y);
}

void
view_configure(struct strata_view *view, int x, int y, int width, int height)
{
	view->x = x;
	view->y = y;
	if (width > 0 && height > 0 &&
			(width != view->allot_width || height != view->allot_height)) {
		view->allot_width = width;
		view->allot_height = height;
		if (view->xdg_surface) {
			wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)width,
					(uint32_t)height);
		}
	}
	if (view->xsurface && !view->unmanaged) {
		/* X11 hears its position too: its menus are placed from it. */
		wlr_xwayland_surface_configure(view->xsurface, (int16_t)x, (int16_t)y,
				(uint16_t)(view->allot_width > 0 ? view->allot_width :
								   view->xsurface->width),
				(uint16_t)(view->allot_height > 0 ? view->allot_height :
								    view->xsurface->height));
	}
	view_sync_geometry(view);
}

void
view_place_unasked(struct strata_view *view, int x, int y, int max_width, int max_height)
{
	view->x = x;
	view->y = y;
	view->allot_width = max_width > 0 ? max_width : 1;
	view->allot_height = max_height > 0 ? max_height : 1;
	if (view->xsurface && !view->unmanaged) {
		/* Its own size, cut to the most it may have. */
		int width = view->xsurface->width, height = view->xsurface->height;
		wlr_xwayland_surface_configure(view->xsurface, (int16_t)x, (int16_t)y,
				(uint16_t)(width < view->allot_width ? width : view->allot_width),
				(uint16_t)(height < view->allot_height ? height :
									 view->allot_height));
	}
	view_sync_geometry(view);
}

struct strata_view *
view_parent(struct strata_view *view)
{
	struct strata_view *found = NULL;
	if (view->xsurface) {
		struct wlr_xwayland_surface *parent = view->xsurface->parent;
		found = parent ? parent->data : NULL;
	} else {
		struct wlr_xdg_surface *parent = view->xdg_surface->toplevel->parent;
		if (!parent || parent->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL || !parent->data) {
			return NULL;
		}
		found = view_from_node(parent->data);
	}
	/* A parent of another level (xdg-foreign would be the only way) is
	 * no parent: a window is never placed by another level's. */
	if (!found || found == view || !found->mapped || found->unmanaged ||
			found->level != view->level) {
		return NULL;
	}
	return found;
}

struct strata_view *
view_focus_target(struct strata_view *view)
{
	if (!view->unmanaged) {
		return view;
	}
	for (struct wlr_xwayland_surface *parent = view->xsurface->parent; parent;
			parent = parent->parent) {
		struct strata_view *found = parent->data;
		if (found && found->mapped && !found->unmanaged && found->level == view->level) {
			return found;
		}
	}
	struct wl_client *client = view_client(view);
	struct strata_view *other;
	wl_list_for_each(other, &view->server->views, link) {
		if (other->mapped && !other->unmanaged && other->level == view->level &&
				view_client(other) == client) {
			return other;
		}
	}
	return NULL;
}

bool
view_wants_dialog(struct strata_view *view)
{
	if (view->xsurface) {
		const struct wlr_xwayland_surface_size_hints *hints = view->xsurface->size_hints;
		bool fixed = hints && hints->min_width > 0 && hints->min_height > 0 &&
				hints->min_width == hints->max_width &&
				hints->min_height == hints->max_height;
		return fixed || view->xsurface->modal || view_parent(view) != NULL;
	}
	struct wlr_xdg_toplevel *toplevel = view->xdg_surface->toplevel;
	const struct wlr_xdg_toplevel_state *state = &toplevel->pending;
	bool fixed = state->min_width > 0 && state->min_height > 0 &&
			state->min_width == state->max_width &&
			state->min_height == state->max_height;
	return fixed || view_parent(view) != NULL;
}

struct strata_view *
view_from_node(struct wlr_scene_node *node)
{
	for (; node; node = node->parent) {
		struct scene_tag *tag = scene_node_tag(node);
		if (tag && tag->view) {
			return tag->view;
		}
	}
	return NULL;
}

struct strata_view *
view_at(struct strata_server *server, double lx, double ly, struct wlr_surface **surface,
		double *sx, double *sy)
{
	*surface = NULL;
	struct wlr_scene_node *node = scene_node_at(server->scene, lx, ly, sx, sy);
	if (!node) {
		return NULL;
	}
	if (node->type == WLR_SCENE_NODE_SURFACE) {
		*surface = wlr_scene_surface_from_node(node)->surface;
	}
	/* The banner, dialogs and the background belong to no view. */
	return view_from_node(node);
}

void
view_set_focused(struct strata_view *view, bool focused)
{
	view->focused = focused;
	if (focused) {
		view_set_urgent(view, false);
	}
	if (view->xsurface) {
		wlr_xwayland_surface_activate(view->xsurface, focused);
		if (focused) {
			wlr_xwayland_surface_restack(view->xsurface, NULL, XCB_STACK_MODE_ABOVE);
		}
	} else if (view->xdg_surface->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		wlr_xdg_toplevel_set_activated(view->xdg_surface, focused);
	}
	view_update_frame(view);
}

void
view_close(struct strata_view *view)
{
	if (view->xsurface) {
		wlr_xwayland_surface_close(view->xsurface);
	} else if (view->xdg_surface->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		wlr_xdg_toplevel_send_close(view->xdg_surface);
	}
}

void
view_set_fullscreen(struct strata_view *view, bool fullscreen, bool by_user)
{
	view->fullscreen = fullscreen;
	view->fullscreen_by_user = fullscreen && by_user;
	if (view->xsurface) {
		wlr_xwayland_surface_set_fullscreen(view->xsurface, fullscreen);
	} else {
		wlr_xdg_toplevel_set_fullscreen(view->xdg_surface, fullscreen);
	}
	view_update_frame(view);
}

static void
sanitize_into(char *out, size_t size, const char *in)
{
	sanitize_title(in ? in : "", in ? strlen(in) : 0, out, size);
}

void
view_update_title(struct strata_view *view)
{
	if (view->xsurface) {
		sanitize_into(view->title, sizeof(view->title), view->xsurface->title);
		sanitize_into(view->app_id, sizeof(view->app_id), view->xsurface->class);
	} else {
		struct wlr_xdg_toplevel *toplevel = view->xdg_surface->toplevel;
		sanitize_into(view->title, sizeof(view->title), toplevel->title);
		sanitize_into(view->app_id, sizeof(view->app_id), toplevel->app_id);
	}
	view->title_bar_width = -1; /* redraw */
	view_update_frame(view);
}

/* An override-redirect window: its box, where its level may draw (never
 * over the banner or another level's window). */
static void
unmanaged_clip(struct scene_tag *tag, pixman_region32_t *region)
{
	struct strata_view *view = tag->view;
	view_popup_region(view->server, view->level, region);
	pixman_region32_intersect_rect(region, region, view->x, view->y, (unsigned)view->width,
			(unsigned)view->height);
}

/* The content subtree: the box, in layout coordinates. */
static void
content_clip(struct scene_tag *tag, pixman_region32_t *region)
{
	struct strata_view *view = tag->view;
	pixman_region32_union_rect(region, region, view->x, view->y, (unsigned)view->width,
			(unsigned)view->height);
}

void
view_popup_region(struct strata_server *server, int level, pixman_region32_t *region)
{
	struct strata_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		struct wlr_box box;
		if (output_usable_box(output, &box)) {
			pixman_region32_union_rect(region, region, box.x, box.y,
					(unsigned)box.width, (unsigned)box.height);
		}
	}
	struct strata_view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->mapped && view->level != level) {
			struct wlr_box frame;
			view_get_frame_box(view, &frame);
			pixman_region32_t other;
			pixman_region32_init_rect(&other, frame.x, frame.y, (unsigned)frame.width,
					(unsigned)frame.height);
			pixman_region32_subtract(region, region, &other);
			pixman_region32_fini(&other);
		}
	}
}

/* A view of level without content yet: its tree (hidden, in the unmapped
 * layer) and its identity. */
static struct strata_view *
view_new(struct strata_server *server, int level)
{
	struct strata_view *view = calloc(1, sizeof(*view));
	if (!view) {
		return NULL;
	}
	view->server = server;
	view->id = ++server->next_view_id;
	view->level = level;
	view->width = 1;
	view->height = 1;
	view->title_bar_width = -1;
	view->tag = (struct scene_tag){ .view = view };
	view->content_tag = (struct scene_tag){ .view = view,
		.clip = content_clip,
		.backdrop = true,
		.solid = true };

	struct wlr_scene_tree *tree = wlr_scene_tree_create(server->layer_unmapped);
	if (!tree) {
		free(view);
		return NULL;
	}
	view->tree = &tree->node;
	view->tree->data = &view->tag;
	/* Shown at map time, in layer_views (xdg_shell.c, xwayland.c). */
	wlr_scene_node_set_enabled(view->tree, false);
	return view;
}

/* The frame, above the content (made first): borders of the level's colour. */
static bool
view_add_frame(struct strata_view *view)
{
	struct wlr_scene_tree *frame = wlr_scene_tree_create(view->tree);
	if (!view->content || !frame) {
		wlr_scene_node_destroy(view->tree);
		free(view);
		return false;
	}
	view->content->data = &view->content_tag;
	view->frame = &frame->node;
	float colour[4] = { 0.5f, 0.5f, 0.5f, 1.0f };
	if (view->level >= 0) {
		config_colour_to_floats(view->server->config.levels[view->level].colour, colour);
	}
	for (int i = 0; i < 4; i++) {
		view->border[i] = wlr_scene_rect_create(view->frame, 0, 0, colour);
	}
	return true;
}

struct strata_view *
view_create(struct strata_server *server, struct wlr_xdg_surface *xdg_surface)
{
	struct strata_view *view = view_new(server,
			levels_client_level(server, wl_resource_get_client(xdg_surface->resource)));
	if (!view) {
		return NULL;
	}
	view->xdg_surface = xdg_surface;
	view->content = wlr_scene_xdg_surface_create(view->tree, xdg_surface);
	if (!view_add_frame(view)) {
		return NULL;
	}
	/* Popups find their parent's scene node here. */
	xdg_surface->data = view->content;

	/* wlroots announces the surface at its first commit: a title or app_id
	 * set before that is already there. */
	struct wlr_xdg_toplevel *toplevel = xdg_surface->toplevel;
	sanitize_into(view->title, sizeof(view->title), toplevel->title);
	sanitize_into(view->app_id, sizeof(view->app_id), toplevel->app_id);

	wl_list_insert(server->views.prev, &view->link);
	return view;
}

struct strata_view *
view_create_x11(struct strata_server *server, struct wlr_xwayland_surface *xsurface, int level,
		bool unmanaged)
{
	if (!xsurface->surface) {
		return NULL;
	}
	struct strata_view *view = view_new(server, level);
	if (!view) {
		return NULL;
	}
	view->xsurface = xsurface;
	view->unmanaged = unmanaged;
	if (unmanaged) {
		/* Its border too is cut (it is inside the tree's clip). */
		view->tag.clip = unmanaged_clip;
		view->content_tag.clip = unmanaged_clip;
	}
	struct wlr_scene_surface *content = wlr_scene_surface_create(view->tree, xsurface->surface);
	view->content = content ? &content->node : NULL;
	if (!view_add_frame(view)) {
		return NULL;
	}
	xsurface->data = view;
	sanitize_into(view->title, sizeof(view->title), xsurface->title);
	sanitize_into(view->app_id, sizeof(view->app_id), xsurface->class);
	wl_list_insert(server->views.prev, &view->link);
	return view;
}

void
view_destroy(struct strata_view *view)
{
	if (!view) {
		return;
	}
	wl_list_remove(&view->link);
	if (view->xsurface) {
		view->xsurface->data = NULL;
	}
	if (view->xdg_surface && view->xdg_surface->data == view->content) {
		/* wlroots keeps an xdg_surface whose toplevel went (it may be
		 * given a role again): it must not point at the freed tree, which
		 * a popup or a child window would otherwise take for a parent. */
		view->xdg_surface->data = NULL;
	}
	wlr_scene_node_destroy(view->tree);
	free(view);
}
