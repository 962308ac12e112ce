// SPDX-License-Identifier: MIT
/*
 * The X-ray (xray.h): opened and closed by the secure attention key,
 * redrawn whole while it is up whenever windows, outputs or what the panel
 * says change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wlr/util/log.h>
#include "audio.h"
#include "clipboard.h"
#include "lock.h"
#include "output.h"
#include "scene.h"
#include "seat.h"
#include "session.h"
#include "text.h"
#include "transfer.h"
#include "view.h"
#include "xray.h"

#define XRAY_OUTLINE_PX 8
#define XRAY_TINT_ALPHA 0xa0 /* the level colour over the window's content */
#define XRAY_LABEL_HEIGHT 72 /* the level's name: 39 px type */
#define XRAY_LABEL_WIDTH 420
#define XRAY_PANEL_WIDTH 820
#define XRAY_PANEL_LINE_PX 28 /* text.c: a 16 px line and its gap */
#define XRAY_PANEL_BACKGROUND 0x15191dffu
#define XRAY_PANEL_ACCENT 0x5a6a7affu
#define XRAY_TEXT 0xf0f0f0ffu
#define XRAY_WARNING 0xffb454ffu

#define XRAY_MAX_LINES (STRATA_MAX_LEVELS + 6)
#define XRAY_LINE_MAX 400

struct strata_xray {
	struct strata_server *server;
	struct seat_modal modal;
	bool open;
	size_t windows; /* windows labelled in the last drawing */
	/* The transfers as the panel shows them: read (the audit log) when the
	 * X-ray opens and when the status changes, not at every redraw. */
	char transfer_now[200];
	char transfer_last[XRAY_LINE_MAX - 40];
	struct wlr_scene_node *tree; /* struct wlr_scene_tree in layer_trusted; may be NULL */
	/* A redraw asked for by a change, done once the event loop is idle:
	 * a client changing its title or size at every commit costs one
	 * drawing per loop turn, not one per request. */
	struct wl_event_source *redraw; /* may be NULL */
	struct wl_listener sak;
	struct wl_listener views_changed;
	struct wl_listener status_changed;
	struct wl_listener outputs_changed;
	struct wl_listener before_frame;
};

static void
rect(struct wlr_scene_node *parent, int x, int y, int width, int height, strata_rgba colour)
{
	if (width <= 0 || height <= 0) {
		return;
	}
	float c[4];
	config_colour_to_floats(colour, c);
	struct wlr_scene_rect *r = wlr_scene_rect_create(parent, width, height, c);
	if (r) {
		wlr_scene_node_set_position(&r->node, x, y);
	}
}

/* The region a node may draw in: the clip of the nearest node at or above
 * it whose tag has one (scene.h); false when nothing clips it. */
static bool
node_clip(struct wlr_scene_node *node, pixman_region32_t *region)
{
	for (; node; node = node->parent) {
		struct scene_tag *tag = scene_node_tag(node);
		if (tag && tag->clip) {
			tag->clip(tag, region);
			return true;
		}
	}
	return false;
}

/* Every client surface of a window where it is drawn (the window's own,
 * subsurfaces, popups, cut as scene.c cuts them), tinted in the level's
 * colour: a popup out beside its window cannot pose as another level's. */
static void
tint_surfaces(struct strata_xray *xray, struct wlr_scene_node *node, strata_rgba tint)
{
	if (!node->state.enabled) {
		return;
	}
	if (node->type == WLR_SCENE_NODE_SURFACE) {
		struct wlr_scene_surface *scene_surface = wlr_scene_surface_from_node(node);
		int lx, ly;
		wlr_scene_node_coords(node, &lx, &ly);
		pixman_region32_t region, clip;
		pixman_region32_init_rect(&region, lx, ly,
				(unsigned)scene_surface->surface->current.width,
				(unsigned)scene_surface->surface->current.height);
		pixman_region32_init(&clip);
		if (node_clip(node, &clip)) {
			pixman_region32_intersect(&region, &region, &clip);
		}
		int count;
		const pixman_box32_t *boxes = pixman_region32_rectangles(&region, &count);
		for (int i = 0; i < count; i++) {
			rect(xray->tree, boxes[i].x1, boxes[i].y1, boxes[i].x2 - boxes[i].x1,
					boxes[i].y2 - boxes[i].y1, tint);
		}
		pixman_region32_fini(&clip);
		pixman_region32_fini(&region);
	}
	struct wlr_scene_node *child;
	wl_list_for_each(child, &node->state.children, state.link) {
		tint_surfaces(xray, child, tint);
	}
}

/* One window: tint, outline, and its level's name over its middle. */
static void
draw_window(struct strata_xray *xray, struct strata_view *view)
{
	const struct strata_config *cfg = &xray->server->config;
	if (view->level < 0 || (size_t)view->level >= cfg->level_count) {
		return;
	}
	const struct strata_level *level = &cfg->levels[view->level];
	struct wlr_box box;
	view_get_frame_box(view, &box);
	strata_rgba tint = (level->colour & ~0xffu) | XRAY_TINT_ALPHA;
	rect(xray->tree, box.x, box.y, box.width, box.height, tint);
	/* Popups and subsurfaces, wherever they reach (the window's own
	 * surface again, under the tint above: a little darker). */
	tint_surfaces(xray, view->content, tint);
	int o = XRAY_OUTLINE_PX;
	rect(xray->tree, box.x - o, box.y - o, box.width + 2 * o, o, level->colour);
	rect(xray->tree, box.x - o, box.y + box.height, box.width + 2 * o, o, level->colour);
	rect(xray->tree, box.x - o, box.y, o, box.height, level->colour);
	rect(xray->tree, box.x + box.width, box.y, o, box.height, level->colour);

	char name[STRATA_LEVEL_NAME_MAX + 1];
	text_upper_copy(name, sizeof(name), level->name);
	struct text_line line = { .text = name, .bold = true };
	int width = XRAY_LABEL_WIDTH < box.width ? XRAY_LABEL_WIDTH : box.width;
	int height = XRAY_LABEL_HEIGHT < box.height ? XRAY_LABEL_HEIGHT : box.height;
	text_bar_create(xray->tree, box.x + (box.width - width) / 2,
			box.y + (box.height - height) / 2, width, height, level->colour,
			level->text_colour, cfg->font, &line, 1, true);
	xray->windows++;
}

/* What each level holds, who has the microphone, the transfers. */
static void
draw_panel(struct strata_xray *xray)
{
	struct strata_server *server = xray->server;
	const struct strata_config *cfg = &server->config;
	struct wlr_box area;
	if (!output_usable_area(server, &area)) {
		return;
	}
	static char text[XRAY_MAX_LINES][XRAY_LINE_MAX];
	struct text_box_line lines[XRAY_MAX_LINES];
	size_t n = 0;

	struct strata_view *focused = seat_focused_view(server->seat);
	if (focused && focused->level >= 0) {
		snprintf(text[n], XRAY_LINE_MAX, "Keyboard: %s, \u201c%s\u201d (back on Escape)",
				cfg->levels[focused->level].name, focused->title);
	} else {
		snprintf(text[n], XRAY_LINE_MAX, "Keyboard: no window");
	}
	lines[n] = (struct text_box_line){ .text = text[n], .colour = XRAY_TEXT, .bold = true };
	n++;

	for (size_t i = 0; i < cfg->level_count && n < XRAY_MAX_LINES - 4; i++) {
		char clip[200];
		clipboard_describe_level(server, (int)i, clip, sizeof(clip));
		bool up = !server->session || session_level_up(server->session, (int)i);
		bool sound_up = false, plays = false;
		audio_level_state(server, (int)i, &sound_up, &plays);
		const char *sound = !server->audio ? "" :
				!sound_up          ? "; \u26a0 SOUND DOWN" :
				plays              ? "; playing sound" :
						     "; silent";
		snprintf(text[n], XRAY_LINE_MAX, "%s: clipboard %s%s%s", cfg->levels[i].name, clip,
				sound, up ? "" : "; \u26a0 CAGE DOWN");
		up = up && (!server->audio || sound_up);
		lines[n] = (struct text_box_line){ .text = text[n],
			.colour = up ? XRAY_TEXT : XRAY_WARNING,
			.swatch = cfg->levels[i].colour };
		n++;
	}
	char mic[STRATA_MAX_LEVELS * (STRATA_LEVEL_NAME_MAX + 2) + 32];
	audio_banner_mic(server, mic, sizeof(mic));
	if (!server->audio) {
		snprintf(text[n], XRAY_LINE_MAX, "Sound: not enabled");
	} else if (strstr(mic, "down")) {
		snprintf(text[n], XRAY_LINE_MAX, "Sound: \u26a0 down, nobody hears or is heard");
	} else {
		snprintf(text[n], XRAY_LINE_MAX, "Microphone: %s", mic[0] ? mic + 5 : "nobody");
	}
	lines[n] = (struct text_box_line){ .text = text[n], .colour = XRAY_TEXT };
	n++;
	snprintf(text[n], XRAY_LINE_MAX, "Transfer under way: %s", xray->transfer_now);
	lines[n] = (struct text_box_line){ .text = text[n], .colour = XRAY_TEXT };
	n++;
	snprintf(text[n], XRAY_LINE_MAX, "Last transfer: %s", xray->transfer_last);
	lines[n] = (struct text_box_line){ .text = text[n], .colour = XRAY_TEXT };
	n++;
	lines[n++] = (struct text_box_line){ .text = NULL };
	snprintf(text[n], XRAY_LINE_MAX, "Escape: back to work    L: lock the screen");
	lines[n] = (struct text_box_line){ .text = text[n], .colour = XRAY_TEXT, .bold = true };
	n++;

	int width = XRAY_PANEL_WIDTH < area.width ? XRAY_PANEL_WIDTH : area.width;
	int height = 44 + 14 + (int)n * XRAY_PANEL_LINE_PX + 20;
	height = height < area.height ? height : area.height;
	/* At the bottom of the first output: the labels stay readable. */
	text_box_create(xray->tree, area.x + (area.width - width) / 2,
			area.y + area.height - height - 16, width, height, XRAY_PANEL_BACKGROUND,
			XRAY_PANEL_ACCENT, 4, "Secure attention: what is what", XRAY_TEXT,
			cfg->font, lines, n);
}

static void
clear(struct strata_xray *xray)
{
	if (xray->tree) {
		wlr_scene_node_destroy(xray->tree);
		xray->tree = NULL;
	}
	xray->windows = 0;
}

static void
draw(struct strata_xray *xray)
{
	struct strata_server *server = xray->server;
	clear(xray);
	struct wlr_scene_tree *tree = wlr_scene_tree_create(server->layer_trusted);
	if (!tree) {
		/* The seat is still ours: no client hears input meanwhile. */
		wlr_log(WLR_ERROR, "xray: out of memory");
		return;
	}
	xray->tree = &tree->node;
	/* Below the lock's tree (made first) in layer_trusted: the lock wins. */
	wlr_scene_node_lower_to_bottom(xray->tree);
	/* Bottom of the stack first: a window's label is drawn above the
	 * windows under it. */
	struct strata_view *view;
	wl_list_for_each_reverse(view, &server->views, link) {
		if (view->mapped && view->tree->state.enabled) {
			draw_window(xray, view);
		}
	}
	draw_panel(xray);
}

static void
close_xray(struct strata_xray *xray, bool give_back_seat)
{
	if (!xray->open) {
		return;
	}
	xray->open = false;
	if (xray->redraw) {
		wl_event_source_remove(xray->redraw);
		xray->redraw = NULL;
	}
	clear(xray);
	wlr_log(WLR_INFO, "xray: closed");
	if (give_back_seat) {
		seat_end_modal(xray->server->seat, &xray->modal);
	}
}

static void
read_transfers(struct strata_xray *xray)
{
	if (xray->server->transfer) {
		transfer_describe_for_xray(xray->server->transfer, xray->transfer_now,
				sizeof(xray->transfer_now), xray->transfer_last,
				sizeof(xray->transfer_last));
	} else {
		snprintf(xray->transfer_now, sizeof(xray->transfer_now), "none");
		snprintf(xray->transfer_last, sizeof(xray->transfer_last), "none");
	}
}

static void
open_xray(struct strata_xray *xray)
{
	/* Input first: nothing reaches a client from here on. */
	seat_take_modal(xray->server->seat, &xray->modal);
	xray->open = true;
	read_transfers(xray);
	draw(xray);
	wlr_log(WLR_INFO, "xray: opened, %zu windows", xray->windows);
}

static void
handle_sak(struct wl_listener *listener, void *data)
{
	struct strata_xray *xray = wl_container_of(listener, xray, sak);
	if (lock_is_locked(xray->server->lock)) {
		return; /* the lock already holds everything */
	}
	if (xray->open) {
		close_xray(xray, true);
	} else {
		open_xray(xray);
	}
}

static void
handle_modal_key(struct seat_modal *modal, xkb_keysym_t sym, bool reserved_held)
{
	struct strata_xray *xray = wl_container_of(modal, xray, modal);
	switch (xkb_keysym_to_lower(sym)) {
	case XKB_KEY_Escape:
		close_xray(xray, true);
		break;
	case XKB_KEY_l:
		/* The lock takes the seat over and cancels us. */
		lock_engage(xray->server->lock, "from the X-ray");
		break;
	default:
		break;
	}
}

static void
handle_modal_button(struct seat_modal *modal, uint32_t button)
{
	/* A click changes nothing: the X-ray is closed from the keyboard. */
}

static void
handle_modal_cancel(struct seat_modal *modal)
{
	struct strata_xray *xray = wl_container_of(modal, xray, modal);
	close_xray(xray, false);
}

static void
handle_redraw(void *data)
{
	struct strata_xray *xray = data;
	xray->redraw = NULL;
	if (xray->open) {
		draw(xray);
	}
}

static void
handle_changed(struct strata_xray *xray)
{
	if (xray->open && !xray->redraw) {
		xray->redraw = wl_event_loop_add_idle(xray->server->event_loop, handle_redraw,
				xray);
		if (!xray->redraw) {
			draw(xray); /* no memory for the idle source: now */
		}
	}
}

static void
handle_views_changed(struct wl_listener *listener, void *data)
{
	struct strata_xray *xray = wl_container_of(listener, xray, views_changed);
	handle_changed(xray);
}

static void
handle_status_changed(struct wl_listener *listener, void *data)
{
	struct strata_xray *xray = wl_container_of(listener, xray, status_changed);
	if (xray->open) {
		read_transfers(xray); /* a transfer's outcome is told this way */
	}
	handle_changed(xray);
}

static void
handle_outputs_changed(struct wl_listener *listener, void *data)
{
	struct strata_xray *xray = wl_container_of(listener, xray, outputs_changed);
	handle_changed(xray);
}

/* A redraw asked for since the last one is done before any frame is drawn:
 * a window or popup that changed is never shown a frame untinted. */
static void
handle_before_frame(struct wl_listener *listener, void *data)
{
	struct strata_xray *xray = wl_container_of(listener, xray, before_frame);
	if (xray->redraw) {
		wl_event_source_remove(xray->redraw);
		handle_redraw(xray);
	}
}

bool
xray_is_open(struct strata_xray *xray)
{
	return xray && xray->open;
}

void
xray_describe(struct strata_xray *xray, char *out, size_t size)
{
	char now[200] = "none", last[XRAY_LINE_MAX] = "none";
	if (xray && xray->server->transfer) {
		transfer_describe_for_xray(xray->server->transfer, now, sizeof(now), last,
				sizeof(last));
	}
	snprintf(out, size, "open=%d windows=%zu transfer=\"%s\" last=\"%s\"", xray_is_open(xray),
			xray ? xray->windows : 0, now, last);
}

struct strata_xray *
xray_create(struct strata_server *server)
{
	struct strata_xray *xray = calloc(1, sizeof(*xray));
	if (!xray) {
		return NULL;
	}
	xray->server = server;
	xray->modal.handle_key = handle_modal_key;
	xray->modal.handle_button = handle_modal_button;
	xray->modal.cancel = handle_modal_cancel;
	xray->sak.notify = handle_sak;
	wl_signal_add(&server->seat->events.sak, &xray->sak);
	xray->views_changed.notify = handle_views_changed;
	wl_signal_add(&server->events.views_changed, &xray->views_changed);
	xray->status_changed.notify = handle_status_changed;
	wl_signal_add(&server->events.status_changed, &xray->status_changed);
	xray->outputs_changed.notify = handle_outputs_changed;
	wl_signal_add(&server->events.outputs_changed, &xray->outputs_changed);
	xray->before_frame.notify = handle_before_frame;
	wl_signal_add(&server->events.before_frame, &xray->before_frame);
	return xray;
}

void
xray_destroy(struct strata_xray *xray)
{
	if (!xray) {
		return;
	}
	if (xray->redraw) {
		wl_event_source_remove(xray->redraw);
	}
	clear(xray);
	seat_forget_modal(xray->server->seat, &xray->modal);
	wl_list_remove(&xray->sak.link);
	wl_list_remove(&xray->views_changed.link);
	wl_list_remove(&xray->status_changed.link);
	wl_list_remove(&xray->outputs_changed.link);
	wl_list_remove(&xray->before_frame.link);
	free(xray);
}
