// SPDX-License-Identifier: MIT
/*
 * Pointer gestures (zwp_pointer_gestures_v1). wlroots sends each gesture to
 * the client that has pointer focus on the seat; here they are let through
 * only when a client surface has pointer focus and no modal owner has the
 * seat, exactly as buttons and scrolling are (seat.c). A gesture counts as
 * user activity for the idle lock.
 *
 * The headless backend has no touchpad: in tests the global is offered and
 * bound (through the cage proxy too), but no gesture is ever made.
 */
#include <stdlib.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_pointer_gestures_v1.h>
#include "gestures.h"
#include "process.h"
#include "seat.h"

struct strata_gestures {
	struct strata_seat *seat;
	struct wlr_pointer_gestures_v1 *wlr_gestures; /* freed with the display */
	struct wl_listener swipe_begin;
	struct wl_listener swipe_update;
	struct wl_listener swipe_end;
	struct wl_listener pinch_begin;
	struct wl_listener pinch_update;
	struct wl_listener pinch_end;
	struct wl_listener hold_begin;
	struct wl_listener hold_end;
};

/* May this gesture event go out? */
static bool
gesture_deliverable(struct strata_gestures *gestures)
{
	struct strata_seat *seat = gestures->seat;
	seat->last_activity_ms = process_clock_ms();
	return !seat_modal_active(seat) && seat->wlr_seat->pointer_state.focused_surface != NULL;
}

static void
handle_swipe_begin(struct wl_listener *listener, void *data)
{
	struct strata_gestures *gestures = wl_container_of(listener, gestures, swipe_begin);
	struct wlr_event_pointer_swipe_begin *event = data;
	if (gesture_deliverable(gestures)) {
		wlr_pointer_gestures_v1_send_swipe_begin(gestures->wlr_gestures,
				gestures->seat->wlr_seat, event->time_msec, event->fingers);
	}
}

static void
handle_swipe_update(struct wl_listener *listener, void *data)
{
	struct strata_gestures *gestures = wl_container_of(listener, gestures, swipe_update);
	struct wlr_event_pointer_swipe_update *event = data;
	if (gesture_deliverable(gestures)) {
		wlr_pointer_gestures_v1_send_swipe_update(gestures->wlr_gestures,
				gestures->seat->wlr_seat, event->time_msec, event->dx, event->dy);
	}
}

static void
handle_swipe_end(struct wl_listener *listener, void *data)
{
	struct strata_gestures *gestures = wl_container_of(listener, gestures, swipe_end);
	struct wlr_event_pointer_swipe_end *event = data;
	if (gesture_deliverable(gestures)) {
		wlr_pointer_gestures_v1_send_swipe_end(gestures->wlr_gestures,
				gestures->seat->wlr_seat, event->time_msec, event->cancelled);
	}
}

static void
handle_pinch_begin(struct wl_listener *listener, void *data)
{
	struct strata_gestures *gestures = wl_container_of(listener, gestures, pinch_begin);
	struct wlr_event_pointer_pinch_begin *event = data;
	if (gesture_deliverable(gestures)) {
		wlr_pointer_gestures_v1_send_pinch_begin(gestures->wlr_gestures,
				gestures->seat->wlr_seat, event->time_msec, event->fingers);
	}
}

static void
handle_pinch_update(struct wl_listener *listener, void *data)
{
	struct strata_gestures *gestures = wl_container_of(listener, gestures, pinch_update);
	struct wlr_event_pointer_pinch_update *event = data;
	if (gesture_deliverable(gestures)) {
		wlr_pointer_gestures_v1_send_pinch_update(gestures->wlr_gestures,
				gestures->seat->wlr_seat, event->time_msec, event->dx, event->dy,
				event->scale, event->rotation);
	}
}

static void
handle_pinch_end(struct wl_listener *listener, void *data)
{
	struct strata_gestures *gestures = wl_container_of(listener, gestures, pinch_end);
	struct wlr_event_pointer_pinch_end *event = data;
	if (gesture_deliverable(gestures)) {
		wlr_pointer_gestures_v1_send_pinch_end(gestures->wlr_gestures,
				gestures->seat->wlr_seat, event->time_msec, event->cancelled);
	}
}

static void
handle_hold_begin(struct wl_listener *listener, void *data)
{
	struct strata_gestures *gestures = wl_container_of(listener, gestures, hold_begin);
	struct wlr_event_pointer_hold_begin *event = data;
	if (gesture_deliverable(gestures)) {
		wlr_pointer_gestures_v1_send_hold_begin(gestures->wlr_gestures,
				gestures->seat->wlr_seat, event->time_msec, event->fingers);
	}
}

static void
handle_hold_end(struct wl_listener *listener, void *data)
{
	struct strata_gestures *gestures = wl_container_of(listener, gestures, hold_end);
	struct wlr_event_pointer_hold_end *event = data;
	if (gesture_deliverable(gestures)) {
		wlr_pointer_gestures_v1_send_hold_end(gestures->wlr_gestures,
				gestures->seat->wlr_seat, event->time_msec, event->cancelled);
	}
}

bool
gestures_init(struct strata_server *server)
{
	struct strata_gestures *gestures = calloc(1, sizeof(*gestures));
	if (!gestures) {
		return false;
	}
	gestures->wlr_gestures = wlr_pointer_gestures_v1_create(server->display);
	if (!gestures->wlr_gestures) {
		free(gestures);
		return false;
	}
	gestures->seat = server->seat;
	struct wlr_cursor *cursor = server->seat->cursor;
	gestures->swipe_begin.notify = handle_swipe_begin;
	wl_signal_add(&cursor->events.swipe_begin, &gestures->swipe_begin);
	gestures->swipe_update.notify = handle_swipe_update;
	wl_signal_add(&cursor->events.swipe_update, &gestures->swipe_update);
	gestures->swipe_end.notify = handle_swipe_end;
	wl_signal_add(&cursor->events.swipe_end, &gestures->swipe_end);
	gestures->pinch_begin.notify = handle_pinch_begin;
	wl_signal_add(&cursor->events.pinch_begin, &gestures->pinch_begin);
	gestures->pinch_update.notify = handle_pinch_update;
	wl_signal_add(&cursor->events.pinch_update, &gestures->pinch_update);
	gestures->pinch_end.notify = handle_pinch_end;
	wl_signal_add(&cursor->events.pinch_end, &gestures->pinch_end);
	gestures->hold_begin.notify = handle_hold_begin;
	wl_signal_add(&cursor->events.hold_begin, &gestures->hold_begin);
	gestures->hold_end.notify = handle_hold_end;
	wl_signal_add(&cursor->events.hold_end, &gestures->hold_end);
	server->gestures = gestures;
	return true;
}

void
gestures_finish(struct strata_server *server)
{
	struct strata_gestures *gestures = server->gestures;
	if (!gestures) {
		return;
	}
	wl_list_remove(&gestures->swipe_begin.link);
	wl_list_remove(&gestures->swipe_update.link);
	wl_list_remove(&gestures->swipe_end.link);
	wl_list_remove(&gestures->pinch_begin.link);
	wl_list_remove(&gestures->pinch_update.link);
	wl_list_remove(&gestures->pinch_end.link);
	wl_list_remove(&gestures->hold_begin.link);
	wl_list_remove(&gestures->hold_end.link);
	free(gestures);
	server->gestures = NULL;
}
