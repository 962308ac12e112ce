// SPDX-License-Identifier: MIT
/*
 * Pointer locks and confinements, and relative motion (pointer_constraints.h).
 * wlroots keeps the constraints and their regions; it never activates one by
 * itself. Which one is active is decided here from what the seat reports,
 * through the gate's pure rule (policy.c).
 */
#include <math.h>
#include <stdlib.h>
#include <wlr/types/wlr_pointer_constraints_v1.h>
#include <wlr/types/wlr_relative_pointer_v1.h>
#include <wlr/util/log.h>
#include <pixman.h>
#include "pointer_constraints.h"
#include "policy.h"
#include "relative-pointer-unstable-v1-protocol.h"

struct constraint_watch {
	struct strata_pointer_constraints *constraints;
	struct wlr_pointer_constraint_v1 *constraint;
	struct wl_listener set_region;
	struct wl_listener destroy;
	struct wl_list link; /* strata_pointer_constraints.watches */
};

static void
deactivate(struct strata_pointer_constraints *constraints)
{
	struct wlr_pointer_constraint_v1 *active = constraints->active;
	if (!active) {
		return;
	}
	/* Forgotten first: a oneshot constraint is destroyed by this call. */
	constraints->active = NULL;
	wlr_pointer_constraint_v1_send_deactivated(active);
}

static void
watch_handle_set_region(struct wl_listener *listener, void *data)
{
	struct constraint_watch *watch = wl_container_of(listener, watch, set_region);
	wl_signal_emit(&watch->constraints->events.changed, NULL);
}

static void
watch_handle_destroy(struct wl_listener *listener, void *data)
{
	struct constraint_watch *watch = wl_container_of(listener, watch, destroy);
	struct strata_pointer_constraints *constraints = watch->constraints;
	bool was_active = constraints->active == watch->constraint;
	if (was_active) {
		constraints->active = NULL;
	}
	wl_list_remove(&watch->set_region.link);
	wl_list_remove(&watch->destroy.link);
	wl_list_remove(&watch->link);
	free(watch);
	if (was_active) {
		wl_signal_emit(&constraints->events.changed, NULL);
	}
}

static void
handle_new_constraint(struct wl_listener *listener, void *data)
{
	struct strata_pointer_constraints *constraints =
			wl_container_of(listener, constraints, new_constraint);
	struct wlr_pointer_constraint_v1 *constraint = data;
	struct constraint_watch *watch = calloc(1, sizeof(*watch));
	if (!watch) {
		/* Never activated without a watch: its end would go unseen. */
		wl_client_post_no_memory(wl_resource_get_client(constraint->resource));
		return;
	}
	watch->constraints = constraints;
	watch->constraint = constraint;
	watch->set_region.notify = watch_handle_set_region;
	wl_signal_add(&constraint->events.set_region, &watch->set_region);
	watch->destroy.notify = watch_handle_destroy;
	wl_signal_add(&constraint->events.destroy, &watch->destroy);
	wl_list_insert(&constraints->watches, &watch->link);
	wl_signal_emit(&constraints->events.changed, NULL);
}

static bool
is_watched(struct strata_pointer_constraints *constraints,
		struct wlr_pointer_constraint_v1 *constraint)
{
	struct constraint_watch *watch;
	wl_list_for_each(watch, &constraints->watches, link) {
		if (watch->constraint == constraint) {
			return true;
		}
	}
	return false;
}

bool
pointer_constraints_update(struct strata_pointer_constraints *constraints,
		const struct constraint_context *context)
{
	struct wlr_pointer_constraint_v1 *candidate = NULL;
	if (context->pointer_surface) {
		candidate = wlr_pointer_constraints_v1_constraint_for_surface(constraints->manager,
				context->pointer_surface, constraints->wlr_seat);
	}
	if (candidate && !is_watched(constraints, candidate)) {
		candidate = NULL;
	}
	struct gate_constraint in = {
		.modal = context->modal,
		.grab_active = context->grab_active,
		.pointer_on_surface = candidate != NULL,
		.surface_in_focused_window = context->pointer_in_focused_window,
		.cursor_in_region = candidate &&
				pixman_region32_contains_point(&candidate->region,
						(int)floor(context->sx), (int)floor(context->sy),
						NULL),
		.released_by_user = constraints->released_by_user,
	};
	if (!candidate || !gate_allows_constraint(&in)) {
		deactivate(constraints);
		return false;
	}
	if (constraints->active == candidate) {
		return false;
	}
	deactivate(constraints);
	constraints->active = candidate;
	wlr_pointer_constraint_v1_send_activated(candidate);
	wlr_log(WLR_DEBUG, "pointer %s",
			candidate->type == WLR_POINTER_CONSTRAINT_V1_LOCKED ? "locked" :
									      "confined");
	return true;
}

void
pointer_constraints_release(struct strata_pointer_constraints *constraints)
{
	constraints->released_by_user = true;
	deactivate(constraints);
}

void
pointer_constraints_resume(struct strata_pointer_constraints *constraints)
{
	constraints->released_by_user = false;
}

static void
send_relative_motion(struct strata_pointer_constraints *constraints, uint32_t time_msec, double dx,
		double dy, double dx_unaccel, double dy_unaccel)
{
	struct wlr_seat_client *focused = constraints->wlr_seat->pointer_state.focused_client;
	uint64_t usec = (uint64_t)time_msec * 1000;
	struct wlr_relative_pointer_v1 *relative;
	wl_list_for_each(relative, &constraints->relative_manager->relative_pointers, link) {
		/* The pointer focus's client, and no other. */
		if (relative->seat != constraints->wlr_seat || !focused ||
				wl_resource_get_client(relative->resource) != focused->client) {
			continue;
		}
		zwp_relative_pointer_v1_send_relative_motion(relative->resource,
				(uint32_t)(usec >> 32), (uint32_t)usec, wl_fixed_from_double(dx),
				wl_fixed_from_double(dy), wl_fixed_from_double(dx_unaccel),
				wl_fixed_from_double(dy_unaccel));
	}
}

/* The pixel (x, y) is in the region (coordinates far outside any surface,
 * or not numbers, are in no region); box: the rectangle holding it. */
static bool
in_region(pixman_region32_t *region, double x, double y, pixman_box32_t *box)
{
	const double far = 1 << 30;
	if (!(x > -far && x < far && y > -far && y < far)) {
		return false;
	}
	return pixman_region32_contains_point(region, (int)floor(x), (int)floor(y), box);
}

/* (x, y) brought into box: its last whole pixel on each side (x2 - 1 is
 * the box's, x2 is not); the squared distance it moved. */
static double
clamp_to_box(const pixman_box32_t *box, double x, double y, double *x_out, double *y_out)
{
	*x_out = fmax(fmin(x, box->x2 - 1), box->x1);
	*y_out = fmax(fmin(y, box->y2 - 1), box->y1);
	return (*x_out - x) * (*x_out - x) + (*y_out - y) * (*y_out - y);
}

/* Beyond this many rectangles a region's pointer slides only along the
 * rectangle it is in: a client could otherwise make every motion walk
 * thousands of them. */
#define CONFINE_RECTANGLES_MAX 64

/*
 * Where a confined pointer going from (x1, y1) towards (x2, y2) stops: at
 * (x2, y2) when that is in the region, else at the point of the region
 * nearest to it (it slides along the region's edges, from one rectangle
 * into the next). false when (x1, y1) is not in the region.
 *
 * Not wlr_region_confine: wlroots 0.15's, for a plain rectangle, the
 * pointer on its right edge's top pixel (31, 0 of a 32x64 box) going to
 * (798, 712), rounds 63/712*712 to 62.99999999999999, finds itself in the
 * same rectangle and calls itself again with the same numbers, for ever:
 * the whole compositor stopped (found by the client fuzz target). This is
 * one lookup and at most CONFINE_RECTANGLES_MAX clamps.
 */
static bool
confine(pixman_region32_t *region, double x1, double y1, double x2, double y2, double *x_out,
		double *y_out)
{
	pixman_box32_t start;
	if (!in_region(region, x1, y1, &start)) {
		return false;
	}
	if (in_region(region, x2, y2, NULL)) {
		*x_out = x2;
		*y_out = y2;
		return true;
	}
	double best = clamp_to_box(&start, x2, y2, x_out, y_out);
	int count = 0;
	const pixman_box32_t *boxes = pixman_region32_rectangles(region, &count);
	if (count > CONFINE_RECTANGLES_MAX) {
		return true;
	}
	for (int i = 0; i < count; i++) {
		double x, y;
		double d = clamp_to_box(&boxes[i], x2, y2, &x, &y);
		if (d < best) {
			best = d;
			*x_out = x;
			*y_out = y;
		}
	}
	return true;
}

void
pointer_constraints_motion(struct strata_pointer_constraints *constraints, bool modal,
		uint32_t time_msec, double sx, double sy, double dx, double dy, double dx_unaccel,
		double dy_unaccel, double *cursor_dx, double *cursor_dy)
{
	*cursor_dx = dx;
	*cursor_dy = dy;
	if ((dx != 0 || dy != 0) &&
			gate_allows_relative_motion(modal,
					constraints->wlr_seat->pointer_state.focused_client !=
							NULL)) {
		send_relative_motion(constraints, time_msec, dx, dy, dx_unaccel, dy_unaccel);
	}
	struct wlr_pointer_constraint_v1 *active = constraints->active;
	if (!active) {
		return;
	}
	if (active->type == WLR_POINTER_CONSTRAINT_V1_LOCKED) {
		*cursor_dx = 0;
		*cursor_dy = 0;
		return;
	}
	double to_x, to_y;
	if (confine(&active->region, sx, sy, sx + dx, sy + dy, &to_x, &to_y)) {
		*cursor_dx = to_x - sx;
		*cursor_dy = to_y - sy;
	} else {
		/* The cursor is not in the region (it changed under it): it
		 * stays until the seat looks again. */
		*cursor_dx = 0;
		*cursor_dy = 0;
	}
}

struct strata_pointer_constraints *
pointer_constraints_create(struct wl_display *display, struct wlr_seat *wlr_seat)
{
	struct strata_pointer_constraints *constraints = calloc(1, sizeof(*constraints));
	if (!constraints) {
		return NULL;
	}
	constraints->wlr_seat = wlr_seat;
	wl_list_init(&constraints->watches);
	wl_signal_init(&constraints->events.changed);
	constraints->manager = wlr_pointer_constraints_v1_create(display);
	constraints->relative_manager = wlr_relative_pointer_manager_v1_create(display);
	if (!constraints->manager || !constraints->relative_manager) {
		free(constraints);
		return NULL;
	}
	constraints->new_constraint.notify = handle_new_constraint;
	wl_signal_add(&constraints->manager->events.new_constraint, &constraints->new_constraint);
	return constraints;
}

void
pointer_constraints_destroy(struct strata_pointer_constraints *constraints)
{
	if (!constraints) {
		return;
	}
	/* The globals go with the display; the watches with their constraints
	 * (the clients are gone by now), or here. */
	constraints->active = NULL;
	struct constraint_watch *watch, *tmp;
	wl_list_for_each_safe(watch, tmp, &constraints->watches, link) {
		wl_list_remove(&watch->set_region.link);
		wl_list_remove(&watch->destroy.link);
		wl_list_remove(&watch->link);
		free(watch);
	}
	wl_list_remove(&constraints->new_constraint.link);
	free(constraints);
}
