/* SPDX-License-Identifier: MIT */
#ifndef STRATA_POINTER_CONSTRAINTS_H
#define STRATA_POINTER_CONSTRAINTS_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_seat.h>

/*
 * zwp_pointer_constraints_v1 and zwp_relative_pointer_manager_v1 for level
 * clients. At most one constraint is active: the one on the surface under
 * the pointer, when that surface belongs to the focused window, the cursor
 * is inside the constraint's region, no modal owner has the seat and the
 * user has not released it (policy.h, gate_allows_constraint). The seat
 * (seat.c) says when to look again; this file only applies the answer and
 * filters motion. Relative motion goes to the client with pointer focus
 * only.
 */

struct wlr_pointer_constraint_v1;

struct strata_pointer_constraints {
	struct wlr_pointer_constraints_v1 *manager;
	struct wlr_relative_pointer_manager_v1 *relative_manager;
	struct wlr_seat *wlr_seat;
	struct wlr_pointer_constraint_v1 *active; /* may be NULL */
	/* Released by the user; nothing activates until a click in a window. */
	bool released_by_user;
	struct wl_list watches; /* constraint_watch.link */
	struct wl_listener new_constraint;

	struct {
		/* A constraint came, went or changed its region: the seat looks
		 * again (pointer_constraints_update). */
		struct wl_signal changed;
	} events;
};

/* What the seat knows when it asks which constraint may be active. */
struct constraint_context {
	struct wlr_surface *pointer_surface; /* pointer focus; may be NULL */
	double sx, sy; /* the cursor in pointer_surface's coordinates */
	bool pointer_in_focused_window; /* pointer_surface belongs to the focused window */
	bool modal;
	bool grab_active;
};

struct strata_pointer_constraints *pointer_constraints_create(struct wl_display *display,
		struct wlr_seat *wlr_seat);
void pointer_constraints_destroy(struct strata_pointer_constraints *constraints); /* NULL safe */

/* Activates the constraint the context allows, deactivates any other;
 * true when one was activated now (it did not hold before). */
bool pointer_constraints_update(struct strata_pointer_constraints *constraints,
		const struct constraint_context *context);
/* The user escapes (reserved modifier, secure attention key, lock): the
 * active constraint is deactivated at once, and none activates again until
 * pointer_constraints_resume() (a click in a window). */
void pointer_constraints_release(struct strata_pointer_constraints *constraints);
void pointer_constraints_resume(struct strata_pointer_constraints *constraints);

/*
 * The pointer device moved by (dx, dy): relative motion goes to the client
 * with pointer focus (if the gate lets it), and the motion the cursor may
 * make is returned in (*cursor_dx, *cursor_dy): none while locked, kept in
 * the region while confined, all of it otherwise. (sx, sy): the cursor in
 * the pointer focus's coordinates.
 */
void pointer_constraints_motion(struct strata_pointer_constraints *constraints, bool modal,
		uint32_t time_msec, double sx, double sy, double dx, double dy, double dx_unaccel,
		double dy_unaccel, double *cursor_dx, double *cursor_dy);

#endif
