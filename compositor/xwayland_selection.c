// SPDX-License-Identifier: MIT
/*
 * The clipboard of a level's X11 programs (xwayland_selection.h): wlroots'
 * XWM bridges X11's CLIPBOARD and PRIMARY to "its seat"; each level's XWM
 * is given a seat of its own, never the user's, whose selections are kept
 * equal to that level's (clipboard.c), so that the XWM only ever carries
 * the level's own selections, both ways.
 */
#include <stdio.h>
#include <stdlib.h>
#include <wlr/types/wlr_primary_selection.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/util/log.h>
#include "clipboard.h"
#include "seat.h"
#include "xwayland_selection.h"

struct xwayland_bridge {
	struct strata_server *server;
	int level;
	struct wlr_seat *seat;
	struct wl_listener request_set_selection; /* the XWM: X11 owns CLIPBOARD */
	struct wl_listener set_primary_selection; /* the XWM: X11 owns PRIMARY */
	struct wl_listener level_changed; /* clipboard.c: the level's changed */
	/* The seat is brought in line with the level from the event loop:
	 * a change is often announced from inside a wlr_seat call (a source
	 * destroyed by wlr_seat_set_selection), which must not be re-entered. */
	struct wl_event_source *sync;
};

/* Only the level with keyboard focus may set its selections, like a
 * Wayland client of that level (the XWM also requires that one of its X11
 * windows is focused). */
static bool
level_has_focus(struct xwayland_bridge *bridge)
{
	struct strata_seat *seat = bridge->server->seat;
	return !seat_modal_active(seat) && seat_focused_level(seat) == bridge->level;
}

/* The seat shows the level's selections: each a wrapper, unless the
 * level's is the XWM's own (an X11 program's), which the seat holds. */
static void
sync_seat(void *data)
{
	struct xwayland_bridge *bridge = data;
	bridge->sync = NULL;
	struct strata_server *server = bridge->server;
	struct wlr_data_source *level = clipboard_level_source(server, bridge->level);
	if (!level || level != bridge->seat->selection_source) {
		wlr_seat_set_selection(bridge->seat, clipboard_level_wrapper(server, bridge->level),
				wl_display_next_serial(server->display));
	}
	struct wlr_primary_selection_source *primary =
			clipboard_level_primary(server, bridge->level);
	if (!primary || primary != bridge->seat->primary_selection_source) {
		wlr_seat_set_primary_selection(bridge->seat,
				clipboard_level_primary_wrapper(server, bridge->level),
				wl_display_next_serial(server->display));
	}
}

static void
schedule_sync(struct xwayland_bridge *bridge)
{
	if (!bridge->sync) {
		bridge->sync = wl_event_loop_add_idle(bridge->server->event_loop, sync_seat,
				bridge);
	}
}

static void
handle_level_changed(struct wl_listener *listener, void *data)
{
	struct xwayland_bridge *bridge = wl_container_of(listener, bridge, level_changed);
	const struct clipboard_change *change = data;
	if (change->level == bridge->level) {
		schedule_sync(bridge);
	}
}

/* An X11 program took CLIPBOARD (or let it go): the XWM asks. */
static void
handle_request_set_selection(struct wl_listener *listener, void *data)
{
	struct xwayland_bridge *bridge = wl_container_of(listener, bridge, request_set_selection);
	struct wlr_seat_request_set_selection_event *event = data;
	struct strata_server *server = bridge->server;
	if (!event->source) {
		/* Its owner went: the level's selection goes with it when it
		 * was that program's, else nothing changes. */
		struct wlr_data_source *current = bridge->seat->selection_source;
		if (current && !clipboard_is_wrapper(current) &&
				clipboard_level_source(server, bridge->level) == current) {
			clipboard_set_level_source(server, bridge->level, NULL, event->serial);
		}
		return;
	}
	if (!level_has_focus(bridge)) {
		wlr_log(WLR_INFO, "level %s: an X11 selection refused: the level has no focus",
				levels_name(server, bridge->level));
		wlr_data_source_destroy(event->source);
		return;
	}
	/* The level owns it; the seat shows it to the XWM as its own. */
	clipboard_set_level_source(server, bridge->level, event->source, event->serial);
	wlr_seat_set_selection(bridge->seat, event->source, event->serial);
}

/* An X11 program took PRIMARY: the XWM set the seat's at once. */
static void
handle_set_primary_selection(struct wl_listener *listener, void *data)
{
	struct xwayland_bridge *bridge = wl_container_of(listener, bridge, set_primary_selection);
	struct wlr_primary_selection_source *source = bridge->seat->primary_selection_source;
	if (!source || clipboard_is_primary_wrapper(source) ||
			source == clipboard_level_primary(bridge->server, bridge->level)) {
		return;
	}
	if (level_has_focus(bridge)) {
		clipboard_set_level_primary(bridge->server, bridge->level, source,
				bridge->seat->primary_selection_serial);
		return;
	}
	wlr_log(WLR_INFO, "level %s: an X11 primary selection refused: the level has no focus",
			levels_name(bridge->server, bridge->level));
	/* Back to the level's, from the event loop (this destroys it). */
	schedule_sync(bridge);
}

struct xwayland_bridge *
xwayland_bridge_create(struct strata_server *server, int level)
{
	struct xwayland_bridge *bridge = calloc(1, sizeof(*bridge));
	if (!bridge) {
		return NULL;
	}
	bridge->server = server;
	bridge->level = level;
	char name[64];
	snprintf(name, sizeof(name), "strata-x11-%s", levels_name(server, level));
	bridge->seat = wlr_seat_create(server->display, name);
	/* Its wl_seat global is nobody's: no client ever binds this seat. */
	if (!bridge->seat || !levels_hide_global(server, bridge->seat->global)) {
		if (bridge->seat) {
			wlr_seat_destroy(bridge->seat);
		}
		free(bridge);
		return NULL;
	}
	bridge->request_set_selection.notify = handle_request_set_selection;
	wl_signal_add(&bridge->seat->events.request_set_selection, &bridge->request_set_selection);
	bridge->set_primary_selection.notify = handle_set_primary_selection;
	wl_signal_add(&bridge->seat->events.set_primary_selection, &bridge->set_primary_selection);
	bridge->level_changed.notify = handle_level_changed;
	clipboard_add_change_listener(&bridge->level_changed);
	sync_seat(bridge);
	return bridge;
}

struct wlr_seat *
xwayland_bridge_seat(struct xwayland_bridge *bridge)
{
	return bridge->seat;
}

void
xwayland_bridge_destroy(struct xwayland_bridge *bridge)
{
	if (!bridge) {
		return;
	}
	wl_list_remove(&bridge->request_set_selection.link);
	wl_list_remove(&bridge->set_primary_selection.link);
	wl_list_remove(&bridge->level_changed.link);
	if (bridge->sync) {
		wl_event_source_remove(bridge->sync);
	}
	/* The seat's sources go with it: wrappers, or an X11 program's (its X
	 * server is gone by now), which the level then loses. */
	wlr_seat_destroy(bridge->seat);
	free(bridge);
}
