// SPDX-License-Identifier: MIT
/*
 * The seat and its input gate (seat.h). Keyboards are joined in one
 * wlr_keyboard_group, so the wlr_seat never switches keyboards: a switch
 * would send clients the raw modifiers, reserved modifier included. Keys
 * and modifiers are sent to the focused client directly (not through
 * wlroots' keyboard grabs); the pointer goes through wlroots' grabs, which
 * the gate ends whenever focus moves.
 */
#include <linux/input-event-codes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wlr/backend/headless.h>
#include <wlr/interfaces/wlr_input_device.h>
#include <wlr/interfaces/wlr_keyboard.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_keyboard_group.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_touch.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include "layout.h"
#include "pointer_constraints.h"
#include "process.h"
#include "seat.h"
#include "view.h"

struct seat_keyboard {
	struct wl_list link; /* strata_seat.keyboards */
	struct strata_seat *seat;
	struct wlr_input_device *device;
	struct wl_listener destroy;
};

static uint32_t
now_msec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int
view_level(struct strata_view *view)
{
	return view ? view->level : POLICY_NO_LEVEL;
}

/* ---- what clients see of the keyboard --------------------------------- */

/* The client keyboard takes the group's modifiers less the reserved one:
 * clients never learn of it, not even from a new wl_keyboard's enter. */
static struct wlr_keyboard_modifiers
filtered_modifiers(struct strata_seat *seat)
{
	struct wlr_keyboard_modifiers mods = seat->keyboard_group->keyboard.modifiers;
	mods.depressed &= ~seat->reserved_mask;
	mods.latched &= ~seat->reserved_mask;
	mods.locked &= ~seat->reserved_mask;
	struct wlr_keyboard *shown = seat->client_keyboard->keyboard;
	wlr_keyboard_notify_modifiers(shown, mods.depressed, mods.latched, mods.locked, mods.group);
	return shown->modifiers;
}

static void
remember_press(struct strata_seat *seat, uint32_t keycode)
{
	seat->presses[seat->press_count++] = keycode;
}

/* Forgets the press of keycode; true if it was delivered to the client
 * that has focus now (the list is emptied whenever that changes). */
static bool
take_press(struct strata_seat *seat, uint32_t keycode)
{
	for (size_t i = 0; i < seat->press_count; i++) {
		if (seat->presses[i] == keycode) {
			seat->presses[i] = seat->presses[--seat->press_count];
			return true;
		}
	}
	return false;
}

/*
 * Who hears input changes: presses and buttons delivered so far are never
 * released to anyone (the client that got them loses focus or gets leave).
 */
/* The seat forgets a finger: what the device says of it from now on goes
 * nowhere. */
static void
touch_point_forget(struct seat_touch_point *point)
{
	point->used = false;
	wl_list_remove(&point->surface_destroy.link);
	wl_list_init(&point->surface_destroy.link);
}

/* Every touch point a client was told of (but those of keep_level, when
 * given) is cancelled (wl_touch.cancel; wlroots forgets the client's
 * points), and what the device says of those fingers from now on (motion,
 * up) goes nowhere. */
static void
cancel_touches_but(struct strata_seat *seat, const int *keep_level)
{
	for (int i = 0; i < SEAT_MAX_TOUCH_POINTS; i++) {
		if (!seat->touch_points[i].used ||
				(keep_level && seat->touch_points[i].level == *keep_level)) {
			continue;
		}
		touch_point_forget(&seat->touch_points[i]);
		struct wlr_touch_point *point =
				wlr_seat_touch_get_point(seat->wlr_seat, seat->touch_points[i].id);
		if (point && point->surface) {
			wlr_seat_touch_notify_cancel(seat->wlr_seat, point->surface);
		} else if (point) {
			/* Its surface is gone: nobody to tell; wlroots drops it. */
			wlr_seat_touch_notify_up(seat->wlr_seat, now_msec(),
					seat->touch_points[i].id);
		}
	}
}

static void
cancel_touches(struct strata_seat *seat)
{
	cancel_touches_but(seat, NULL);
}

static void
forget_delivered(struct strata_seat *seat)
{
	seat->press_count = 0;
	seat->buttons_delivered = 0;
	seat->button_client = NULL;
}

/* Pops every client grab: popup grabs (popup_done), drags, pointer grabs. */
static void
end_client_grabs(struct strata_seat *seat)
{
	wlr_seat_pointer_end_grab(seat->wlr_seat);
	wlr_seat_keyboard_end_grab(seat->wlr_seat);
	wlr_seat_touch_end_grab(seat->wlr_seat);
}

static void
keyboard_enter_view(struct strata_seat *seat, struct strata_view *view)
{
	if (!view || seat->modal) {
		return;
	}
	/* No held key in the enter event: nothing pressed before the focus
	 * change is ever delivered to the new window. */
	struct wlr_keyboard_modifiers mods = filtered_modifiers(seat);
	seat->sent_modifiers = mods;
	wlr_seat_keyboard_enter(seat->wlr_seat, view_surface(view), NULL, 0, &mods);
}

/* ---- focus ------------------------------------------------------------ */

static void process_motion(struct strata_seat *seat, uint32_t time);
static void clear_pointer_focus(struct strata_seat *seat);
static void refresh_constraint(struct strata_seat *seat);

#define DIALOG_DEPTH_MAX 4
#define DIALOGS_RAISED_MAX 16

static void
raise_one(struct strata_seat *seat, struct strata_view *view, int depth)
{
	wlr_scene_node_raise_to_top(view->tree);
	wl_list_remove(&view->link);
	wl_list_insert(&seat->server->views, &view->link);
	if (depth >= DIALOG_DEPTH_MAX) {
		return;
	}
	/* Its dialogs stay above it (the list changes as they rise: they are
	 * gathered first). */
	struct strata_view *dialogs[DIALOGS_RAISED_MAX], *other;
	size_t count = 0;
	wl_list_for_each_reverse(other, &seat->server->views, link) {
		if (count < DIALOGS_RAISED_MAX && other != view && other->mapped && other->dialog &&
				view_parent(other) == view) {
			dialogs[count++] = other;
		}
	}
	for (size_t i = 0; i < count; i++) {
		raise_one(seat, dialogs[i], depth + 1);
	}
}

static void
raise_view(struct strata_seat *seat, struct strata_view *view)
{
	raise_one(seat, view, 0);
	/* X11 menus and tooltips stay on top (each is cut to where its level
	 * may draw): gathered first, as the list changes when they rise. */
	struct strata_view *unmanaged[DIALOGS_RAISED_MAX], *other;
	size_t count = 0;
	wl_list_for_each_reverse(other, &seat->server->views, link) {
		if (count < DIALOGS_RAISED_MAX && other->mapped && other->unmanaged) {
			unmanaged[count++] = other;
		}
	}
	for (size_t i = 0; i < count; i++) {
		wlr_scene_node_raise_to_top(unmanaged[i]->tree);
		wl_list_remove(&unmanaged[i]->link);
		wl_list_insert(&seat->server->views, &unmanaged[i]->link);
	}
}

/* Moves focus to view (NULL: nobody); the rules were checked by the caller. */
static void
set_focus(struct strata_seat *seat, struct strata_view *view)
{
	struct strata_view *old = seat->focused;
	if (old == view) {
		if (view) {
			raise_view(seat, view);
		}
		return;
	}
	/* Whatever the old client holds, it loses; fingers down on windows of
	 * another level than the new focus are cancelled, whatever had focus
	 * in between (within a level they go on: a window that closes under a
	 * finger is not a change of level). */
	end_client_grabs(seat);
	forget_delivered(seat);
	if (view) {
		cancel_touches_but(seat, &view->level);
	}
	/* The seat offers a new selection to whoever has keyboard focus at that
	 * moment: take focus away first, so that the old client (maybe of
	 * another level) is never offered the new level's selection; the
	 * listeners swap it; then enter, which offers it to the new client. */
	wlr_seat_keyboard_clear_focus(seat->wlr_seat);
	seat->focused = view;
	if (view) {
		seat->last_level = view->level;
	}
	if (old) {
		view_set_focused(old, false);
	}
	if (view) {
		raise_view(seat, view);
		view_set_focused(view, true);
	}
	struct seat_focus_event event = {
		.old_view = old,
		.new_view = view,
		.old_level = view_level(old),
		.new_level = view_level(view),
	};
	wl_signal_emit(&seat->events.focus, &event);
	keyboard_enter_view(seat, seat->focused);
	/* The raised window may now be under the pointer. */
	seat_pointer_rebase(seat);
	/* A constraint holds only in the focused window. */
	refresh_constraint(seat);
	wlr_log(WLR_DEBUG, "focus: %s view %u",
			view ? levels_name(seat->server, view->level) : "no", view ? view->id : 0);
}

void
seat_focus(struct strata_seat *seat, struct strata_view *view)
{
	if (view && view->unmanaged) {
		/* A menu never has the keyboard: its window does, if any. */
		view = view_focus_target(view);
	}
	if (view && view->mapped) {
		set_focus(seat, view);
	}
}

/* The views top of the stack first, as the focus rules see them. */
static size_t
collect_candidates(struct strata_seat *seat, struct focus_candidate *out,
		struct strata_view **views, size_t max)
{
	size_t count = 0;
	struct strata_view *view;
	wl_list_for_each(view, &seat->server->views, link) {
		if (count == max) {
			break;
		}
		out[count] = (struct focus_candidate){ .level = view->level,
			.mapped = view->mapped && !view->unmanaged };
		views[count++] = view;
	}
	return count;
}

#define CANDIDATES_MAX 512

void
seat_focus_next(struct strata_seat *seat)
{
	static struct focus_candidate candidates[CANDIDATES_MAX];
	static struct strata_view *views[CANDIDATES_MAX];
	size_t count = collect_candidates(seat, candidates, views, CANDIDATES_MAX);
	int focused = -1;
	for (size_t i = 0; i < count; i++) {
		if (views[i] == seat->focused) {
			focused = (int)i;
		}
	}
	int next = focus_next(candidates, count, focused);
	if (next >= 0) {
		set_focus(seat, views[next]);
	}
}

void
seat_view_mapped(struct strata_seat *seat, struct strata_view *view)
{
	/* While a modal owner has the seat, the user is not looking at the
	 * windows: the one they left gets the keyboard back. */
	if (!seat->modal &&
			focus_takes_focus_on_map(view_level(seat->focused), seat->last_level,
					view->level)) {
		set_focus(seat, view);
		return;
	}
	/* Below the focused window (if any): it must not cover what the user
	 * works in. */
	struct strata_view *focused = seat->focused;
	if (focused) {
		wlr_scene_node_place_below(view->tree, focused->tree);
		wl_list_remove(&view->link);
		wl_list_insert(&focused->link, &view->link);
	} else {
		wlr_scene_node_lower_to_bottom(view->tree);
		wl_list_remove(&view->link);
		wl_list_insert(seat->server->views.prev, &view->link);
	}
}

void
seat_view_unmapped(struct strata_seat *seat, struct strata_view *view)
{
	if (seat->grabbed_view == view) {
		seat->grabbed_view = NULL;
		seat->cursor_mode = STRATA_CURSOR_PASSTHROUGH;
	}
	if (seat->focused != view) {
		return;
	}
	static struct focus_candidate candidates[CANDIDATES_MAX];
	static struct strata_view *views[CANDIDATES_MAX];
	size_t count = collect_candidates(seat, candidates, views, CANDIDATES_MAX);
	size_t gone = count;
	for (size_t i = 0; i < count; i++) {
		if (views[i] == view) {
			gone = i;
		}
	}
	int next = focus_fallback(candidates, count, gone);
	set_focus(seat, next >= 0 ? views[next] : NULL);
}

struct strata_view *
seat_focused_view(struct strata_seat *seat)
{
	return seat->focused;
}

int
seat_focused_level(struct strata_seat *seat)
{
	return view_level(seat->focused);
}

/* ---- modal owners ----------------------------------------------------- */

bool
seat_begin_modal(struct strata_seat *seat, struct seat_modal *modal)
{
	if (seat->modal && seat->modal != modal) {
		return false;
	}
	seat->modal = modal;
	/* No lock or confinement outlives the client's hold on the seat. */
	pointer_constraints_release(seat->constraints);
	end_client_grabs(seat);
	forget_delivered(seat);
	cancel_touches(seat);
	seat->cursor_mode = STRATA_CURSOR_PASSTHROUGH;
	seat->grabbed_view = NULL;
	/* No client hears anything from now on: they are told so, and no
	 * client's cursor image stays on screen. */
	wlr_seat_keyboard_clear_focus(seat->wlr_seat);
	clear_pointer_focus(seat);
	return true;
}

void
seat_take_modal(struct strata_seat *seat, struct seat_modal *modal)
{
	struct seat_modal *old = seat->modal;
	if (old && old != modal) {
		/* The old owner loses the seat before it hears it: its own
		 * seat_end_modal() is then a no-op, and no client is given the
		 * keyboard between the two owners. */
		seat->modal = NULL;
		if (old->cancel) {
			old->cancel(old);
		}
	}
	seat->modal = NULL;
	seat_begin_modal(seat, modal);
}

void
seat_end_modal(struct strata_seat *seat, struct seat_modal *modal)
{
	if (seat->modal != modal || !modal) {
		return;
	}
	seat->modal = NULL;
	forget_delivered(seat);
	keyboard_enter_view(seat, seat->focused);
	process_motion(seat, now_msec());
}

void
seat_forget_modal(struct strata_seat *seat, struct seat_modal *modal)
{
	if (seat->modal == modal) {
		seat->modal = NULL;
	}
}

bool
seat_modal_active(struct strata_seat *seat)
{
	return seat->modal != NULL;
}

void
seat_pointer_rebase(struct strata_seat *seat)
{
	if (seat->cursor_mode == STRATA_CURSOR_PASSTHROUGH && !seat->rebasing) {
		seat->rebasing = true;
		process_motion(seat, now_msec());
		/* No device sends a frame after this one: a client (wl_pointer 5
		 * and up) applies the enter, leave or motion only at its frame. */
		if (!seat->modal) {
			wlr_seat_pointer_notify_frame(seat->wlr_seat);
		}
		seat->rebasing = false;
	}
}

/*
 * A window committed, moved, came or went: when that changed the surface
 * under a still pointer, or where on it the pointer is (a surface grew
 * under it, a subsurface moved), the pointer is routed again, as if it had
 * moved. Not while a button is held (the implicit grab keeps its surface)
 * and never for a commit that changed nothing under the pointer: no motion
 * event for every frame a window draws.
 */
static void
handle_views_changed(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, views_changed);
	if (seat->modal || seat->rebasing || seat->buttons_delivered ||
			seat->cursor_mode != STRATA_CURSOR_PASSTHROUGH) {
		return;
	}
	double sx = 0, sy = 0;
	struct wlr_surface *surface = NULL;
	view_at(seat->server, seat->cursor->x, seat->cursor->y, &surface, &sx, &sy);
	struct wlr_surface *held = seat->wlr_seat->pointer_state.focused_surface;
	double moved_x = sx - (seat->cursor->x - seat->pointer_dx);
	double moved_y = sy - (seat->cursor->y - seat->pointer_dy);
	if (surface == held && (!surface || (fabs(moved_x) < 1e-6 && fabs(moved_y) < 1e-6))) {
		return;
	}
	seat_pointer_rebase(seat);
}

/* ---- keyboard --------------------------------------------------------- */

static bool
is_reserved_keysym(struct strata_seat *seat, xkb_keysym_t sym)
{
	if (seat->reserved_mask == WLR_MODIFIER_ALT) {
		return sym == XKB_KEY_Alt_L || sym == XKB_KEY_Alt_R;
	}
	return sym == XKB_KEY_Super_L || sym == XKB_KEY_Super_R;
}

/* The modifiers a key combination of the configuration names. */
#define SAK_MODIFIERS \
	(WLR_MODIFIER_SHIFT | WLR_MODIFIER_CTRL | WLR_MODIFIER_ALT | WLR_MODIFIER_LOGO)

/* Is this press a secure attention key? Its keysym with the modifiers held
 * (Shift applied), and the key's unshifted keysym, both lowered, against
 * each combination, with exactly its modifiers among Shift, Ctrl, Alt and
 * Logo (Caps Lock and Num Lock do not count). */
static bool
is_sak(struct strata_seat *seat, uint32_t keycode, const xkb_keysym_t *syms, int nsyms)
{
	const struct strata_config *cfg = &seat->server->config;
	struct wlr_keyboard *keyboard = &seat->keyboard_group->keyboard;
	uint32_t mods = wlr_keyboard_get_modifiers(keyboard) & SAK_MODIFIERS;
	const xkb_keysym_t *base = NULL;
	xkb_layout_index_t layout = xkb_state_key_get_layout(keyboard->xkb_state, keycode + 8);
	int nbase = layout == XKB_LAYOUT_INVALID ?
			0 :
			xkb_keymap_key_get_syms_by_level(keyboard->keymap, keycode + 8, layout, 0,
					&base);
	for (size_t c = 0; c < cfg->sak_count; c++) {
		if (cfg->sak[c].modifiers != mods) {
			continue;
		}
		for (int i = 0; i < nsyms; i++) {
			if (xkb_keysym_to_lower(syms[i]) == cfg->sak[c].keysym) {
				return true;
			}
		}
		for (int i = 0; i < nbase; i++) {
			if (xkb_keysym_to_lower(base[i]) == cfg->sak[c].keysym) {
				return true;
			}
		}
	}
	return false;
}

/* A digit (XKB_KEY_0 to XKB_KEY_9) on the key's first two levels in its
 * current layout, or XKB_KEY_NoSymbol. */
static xkb_keysym_t
key_digit(struct wlr_keyboard *keyboard, uint32_t keycode)
{
	xkb_layout_index_t layout = xkb_state_key_get_layout(keyboard->xkb_state, keycode + 8);
	for (xkb_level_index_t level = 0; level < 2; level++) {
		const xkb_keysym_t *syms;
		int n = xkb_keymap_key_get_syms_by_level(keyboard->keymap, keycode + 8, layout,
				level, &syms);
		for (int i = 0; i < n; i++) {
			if (syms[i] >= XKB_KEY_0 && syms[i] <= XKB_KEY_9) {
				return syms[i];
			}
		}
	}
	return XKB_KEY_NoSymbol;
}

static bool
is_digit_keysym(xkb_keysym_t sym)
{
	return (sym >= XKB_KEY_0 && sym <= XKB_KEY_9) ||
			(sym >= XKB_KEY_KP_0 && sym <= XKB_KEY_KP_9);
}

static void
handle_key_event(struct strata_seat *seat, uint32_t time, uint32_t keycode, bool pressed)
{
	struct wlr_keyboard *keyboard = &seat->keyboard_group->keyboard;
	const xkb_keysym_t *syms;
	int nsyms = xkb_state_key_get_syms(keyboard->xkb_state, keycode + 8, &syms);
	seat->last_activity_ms = process_clock_ms();
	bool reserved_key = false, lock_key = false;
	bool reserved_held = wlr_keyboard_get_modifiers(keyboard) & seat->reserved_mask;
	for (int i = 0; i < nsyms; i++) {
		reserved_key |= is_reserved_keysym(seat, syms[i]);
		lock_key |= reserved_held && binding_lookup(syms[i]) == BINDING_LOCK;
	}
	bool press_delivered = !pressed && take_press(seat, keycode);
	struct gate_key in = {
		.pressed = pressed,
		.reserved_key = reserved_key,
		.reserved_held = reserved_held,
		.modal = seat->modal != NULL,
		.client_focused = seat->wlr_seat->keyboard_state.focused_surface != NULL,
		.press_delivered = press_delivered,
		.press_table_full = seat->press_count == SEAT_MAX_PRESSES,
		.sak = pressed && is_sak(seat, keycode, syms, nsyms),
		.lock_key = pressed && lock_key,
	};
	enum gate_key_action action = gate_decide_key(&in);
	if (gate_key_releases_constraint(&in, action)) {
		/* Before the shortcut acts: the user has the pointer back. */
		pointer_constraints_release(seat->constraints);
	}
	switch (action) {
	case GATE_KEY_SAK:
		wl_signal_emit(&seat->events.sak, NULL);
		return;
	case GATE_KEY_LOCK: {
		enum binding_action lock = BINDING_LOCK;
		wl_signal_emit(&seat->events.binding, &lock);
		return;
	}
	case GATE_KEY_DROP:
		return;
	case GATE_KEY_TO_MODAL: {
		bool gives_digit = false;
		for (int i = 0; i < nsyms; i++) {
			gives_digit |= is_digit_keysym(syms[i]);
		}
		xkb_keysym_t digit = seat->modal && seat->modal->digits && !gives_digit ?
				key_digit(keyboard, keycode) :
				XKB_KEY_NoSymbol;
		if (digit != XKB_KEY_NoSymbol) {
			seat->modal->handle_key(seat->modal, digit, reserved_held);
			return;
		}
		for (int i = 0; i < nsyms && seat->modal; i++) {
			seat->modal->handle_key(seat->modal, syms[i], reserved_held);
		}
		return;
	}
	case GATE_KEY_BINDING:
		for (int i = 0; i < nsyms; i++) {
			enum binding_action binding = binding_lookup(syms[i]);
			if (binding != BINDING_NONE) {
				wl_signal_emit(&seat->events.binding, &binding);
			}
		}
		return;
	case GATE_KEY_TO_CLIENT:
		if (pressed) {
			remember_press(seat, keycode);
		}
		wlr_seat_keyboard_send_key(seat->wlr_seat, time, keycode,
				pressed ? WL_KEYBOARD_KEY_STATE_PRESSED :
					  WL_KEYBOARD_KEY_STATE_RELEASED);
		return;
	}
}

static void
handle_group_key(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, group_key);
	struct wlr_event_keyboard_key *event = data;
	handle_key_event(seat, event->time_msec, event->keycode,
			event->state == WL_KEYBOARD_KEY_STATE_PRESSED);
}

static void
handle_group_modifiers(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, group_modifiers);
	struct wlr_keyboard_modifiers mods = filtered_modifiers(seat);
	/* Only a change clients may see goes out: a press of the reserved
	 * modifier alone would otherwise tell the focused client when the
	 * user reaches for a shortcut or the secure attention key. */
	if (seat->modal || memcmp(&mods, &seat->sent_modifiers, sizeof(mods)) == 0) {
		return;
	}
	seat->sent_modifiers = mods;
	wlr_seat_keyboard_send_modifiers(seat->wlr_seat, &mods);
}

static void
handle_group_leave(struct wl_listener *listener, void *data)
{
	/* A keyboard left the group with keys down: their releases go where
	 * their presses went, or nowhere. */
	struct strata_seat *seat = wl_container_of(listener, seat, group_leave);
	struct wl_array *keys = data;
	uint32_t *key;
	wl_array_for_each(key, keys) {
		handle_key_event(seat, now_msec(), *key, false);
	}
}

static void
keyboard_handle_destroy(struct wl_listener *listener, void *data)
{
	struct seat_keyboard *keyboard = wl_container_of(listener, keyboard, destroy);
	struct strata_seat *seat = keyboard->seat;
	if (seat->virtual_keyboard == keyboard->device) {
		seat->virtual_keyboard = NULL;
	}
	wlr_keyboard_group_remove_keyboard(seat->keyboard_group, keyboard->device->keyboard);
	wl_list_remove(&keyboard->destroy.link);
	wl_list_remove(&keyboard->link);
	free(keyboard);
}

static void
add_keyboard(struct strata_seat *seat, struct wlr_input_device *device)
{
	struct seat_keyboard *keyboard = calloc(1, sizeof(*keyboard));
	if (!keyboard) {
		return;
	}
	keyboard->seat = seat;
	keyboard->device = device;
	/* Same keymap and repeat as the group, or the group refuses it. */
	wlr_keyboard_set_keymap(device->keyboard, seat->keyboard_group->keyboard.keymap);
	wlr_keyboard_set_repeat_info(device->keyboard, 25, 600);
	if (!wlr_keyboard_group_add_keyboard(seat->keyboard_group, device->keyboard)) {
		wlr_log(WLR_ERROR, "keyboard %s cannot join the seat: ignored", device->name);
		free(keyboard);
		return;
	}
	keyboard->destroy.notify = keyboard_handle_destroy;
	wl_signal_add(&device->events.destroy, &keyboard->destroy);
	wl_list_insert(&seat->keyboards, &keyboard->link);
}

/* ---- pointer ---------------------------------------------------------- */

/* The drag under way while its grab has the pointer (popup grabs are
 * refused during a drag, so nothing should replace it; if something did,
 * the drag is inert and rules nothing). */
static struct wlr_drag *
active_drag(struct strata_seat *seat)
{
	struct wlr_drag *drag = seat->wlr_seat->drag;
	return drag && seat->wlr_seat->pointer_state.grab == &drag->pointer_grab ? drag : NULL;
}

static int
drag_level(struct strata_seat *seat)
{
	struct wlr_drag *drag = active_drag(seat);
	if (!drag || !drag->seat_client) {
		return POLICY_NO_LEVEL;
	}
	return levels_client_level(seat->server, drag->seat_client->client);
}

static void
set_default_cursor(struct strata_seat *seat)
{
	if (seat->cursor_manager) {
		wlr_xcursor_manager_set_cursor_image(seat->cursor_manager, "left_ptr",
				seat->cursor);
	}
}

static void
clear_pointer_focus(struct strata_seat *seat)
{
	if (seat->pointer_client) {
		seat->pointer_client = NULL;
		set_default_cursor(seat);
	}
	wlr_seat_pointer_notify_clear_focus(seat->wlr_seat);
}

/*
 * The implicit grab: while a button pressed in a surface is held, that
 * surface keeps the pointer wherever it goes (a scrollbar thumb or a text
 * selection dragged out of its window), and hears the release. Never over
 * another level's window: no client follows the pointer there (the
 * pointer then goes where it is, as without a grab). True when the motion
 * went to the held surface.
 */
static bool
implicit_grab_motion(struct strata_seat *seat, struct strata_view *view, struct wlr_surface *under,
		uint32_t time)
{
	struct wlr_surface *held = seat->wlr_seat->pointer_state.focused_surface;
	if (seat->modal || seat->cursor_mode != STRATA_CURSOR_PASSTHROUGH || !held ||
			held == under || !seat->buttons_delivered || !seat->button_client ||
			seat->button_client != seat->pointer_client || active_drag(seat) ||
			wl_resource_get_client(held->resource) != seat->button_client) {
		return false;
	}
	int level = levels_client_level(seat->server, seat->button_client);
	if (view && view->level != level) {
		return false;
	}
	wlr_seat_pointer_notify_motion(seat->wlr_seat, time, seat->cursor->x - seat->pointer_dx,
			seat->cursor->y - seat->pointer_dy);
	return true;
}

static void
route_motion(struct strata_seat *seat, uint32_t time)
{
	struct wlr_cursor *cursor = seat->cursor;
	double sx = 0, sy = 0;
	struct wlr_surface *surface = NULL;
	struct strata_view *view = NULL;
	if (!seat->modal && seat->cursor_mode == STRATA_CURSOR_PASSTHROUGH) {
		view = view_at(seat->server, cursor->x, cursor->y, &surface, &sx, &sy);
	}
	if (implicit_grab_motion(seat, view, surface, time)) {
		return;
	}
	int dragged = drag_level(seat);
	struct gate_motion in = {
		.modal = seat->modal != NULL,
		.grab_active = seat->cursor_mode != STRATA_CURSOR_PASSTHROUGH && seat->grabbed_view,
		.over_surface = surface != NULL,
		.drag_other_level = dragged != POLICY_NO_LEVEL && view && view->level != dragged,
	};
	switch (gate_decide_motion(&in)) {
	case GATE_MOTION_NONE:
		clear_pointer_focus(seat);
		return;
	case GATE_MOTION_GRAB: {
		struct strata_view *grabbed = seat->grabbed_view;
		if (seat->cursor_mode == STRATA_CURSOR_MOVE) {
			view_configure(grabbed, (int)(cursor->x - seat->grab_x),
					(int)(cursor->y - seat->grab_y), 0, 0);
			layout_keep_floating(seat->server, grabbed);
		} else {
			int width = seat->grab_box.width + (int)(cursor->x - seat->grab_x);
			int height = seat->grab_box.height + (int)(cursor->y - seat->grab_y);
			view_configure(grabbed, grabbed->x, grabbed->y, width < 32 ? 32 : width,
					height < 32 ? 32 : height);
		}
		return;
	}
	case GATE_MOTION_TO_SURFACE: {
		struct wl_client *client = wl_resource_get_client(surface->resource);
		if (client != seat->pointer_client) {
			/* A client's cursor image never shows over another's surface. */
			set_default_cursor(seat);
			seat->pointer_client = client;
		}
		seat->pointer_dx = cursor->x - sx;
		seat->pointer_dy = cursor->y - sy;
		wlr_seat_pointer_notify_enter(seat->wlr_seat, surface, sx, sy);
		wlr_seat_pointer_notify_motion(seat->wlr_seat, time, sx, sy);
		return;
	}
	}
}

/* Pointer focus follows the cursor; then the constraint that may hold. */
static void
process_motion(struct strata_seat *seat, uint32_t time)
{
	route_motion(seat, time);
	refresh_constraint(seat);
}

/* Which constraint may hold now (policy.c, gate_allows_constraint). */
static void
refresh_constraint(struct strata_seat *seat)
{
	struct wlr_seat_pointer_state *pointer = &seat->wlr_seat->pointer_state;
	struct wlr_surface *focused =
			seat->focused && seat->focused->mapped ? view_surface(seat->focused) : NULL;
	struct constraint_context context = {
		.pointer_surface = pointer->focused_surface,
		.sx = pointer->sx,
		.sy = pointer->sy,
		.pointer_in_focused_window = pointer->focused_surface && focused &&
				wlr_surface_get_root_surface(pointer->focused_surface) == focused,
		.modal = seat->modal != NULL,
		.grab_active = seat->cursor_mode != STRATA_CURSOR_PASSTHROUGH,
	};
	if (pointer_constraints_update(seat->constraints, &context)) {
		/* The user is told how to get the pointer back. */
		notice_post(seat->server, "This window holds the pointer: press %s to free it",
				seat->reserved_mask == WLR_MODIFIER_ALT ? "Alt" : "Logo");
	}
}

static void
handle_constraints_changed(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, constraints_changed);
	refresh_constraint(seat);
}

/* The device moved the pointer by (dx, dy): relative motion to the pointer's
 * client, then the cursor moves as far as a lock or confinement lets it. */
static void
pointer_moved(struct strata_seat *seat, struct wlr_input_device *device, uint32_t time, double dx,
		double dy, double dx_unaccel, double dy_unaccel)
{
	const struct wlr_seat_pointer_state *pointer = &seat->wlr_seat->pointer_state;
	double cursor_dx, cursor_dy;
	pointer_constraints_motion(seat->constraints, seat->modal != NULL, time, pointer->sx,
			pointer->sy, dx, dy, dx_unaccel, dy_unaccel, &cursor_dx, &cursor_dy);
	if (cursor_dx == 0 && cursor_dy == 0 && seat->constraints->active) {
		return; /* locked: the cursor stays, and so does everything under it */
	}
	wlr_cursor_move(seat->cursor, device, cursor_dx, cursor_dy);
	process_motion(seat, time);
}

static void
handle_cursor_motion(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, cursor_motion);
	seat->last_activity_ms = process_clock_ms();
	struct wlr_event_pointer_motion *event = data;
	pointer_moved(seat, event->device, event->time_msec, event->delta_x, event->delta_y,
			event->unaccel_dx, event->unaccel_dy);
}

static void
handle_cursor_motion_absolute(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, cursor_motion_absolute);
	seat->last_activity_ms = process_clock_ms();
	struct wlr_event_pointer_motion_absolute *event = data;
	/* As a relative move from where the cursor is (tablets, nested
	 * windows, injected input), so that locks and confinements hold. */
	double lx, ly;
	wlr_cursor_absolute_to_layout_coords(seat->cursor, event->device, event->x, event->y, &lx,
			&ly);
	double dx = lx - seat->cursor->x, dy = ly - seat->cursor->y;
	pointer_moved(seat, event->device, event->time_msec, dx, dy, dx, dy);
}

static void
begin_grab(struct strata_seat *seat, struct strata_view *view, enum strata_cursor_mode mode)
{
	seat->grabbed_view = view;
	seat->cursor_mode = mode;
	view->floating = true;
	view->fullscreen = false;
	view->fullscreen_by_user = false;
	view->maximized = false;
	if (mode == STRATA_CURSOR_MOVE) {
		seat->grab_x = seat->cursor->x - view->x;
		seat->grab_y = seat->cursor->y - view->y;
	} else {
		seat->grab_x = seat->cursor->x;
		seat->grab_y = seat->cursor->y;
		seat->grab_box = (struct wlr_box){ view->x, view->y, view->width, view->height };
	}
	clear_pointer_focus(seat);
	/* Out of its column: the others take the room it leaves. */
	layout_arrange(seat->server);
}

/*
 * A release no client hears (dropped by the gate, or ending the
 * compositor's move or resize) still ends the button for wlr_seat, which
 * counts buttons held (for grab serials and drags): told with nobody under
 * the pointer, then pointer focus comes back. Only a button wlr_seat holds:
 * one it never had would not be counted down.
 */
static void
forget_release(struct strata_seat *seat, const struct wlr_event_pointer_button *event)
{
	const struct wlr_seat_pointer_state *state = &seat->wlr_seat->pointer_state;
	bool held = false;
	for (size_t i = 0; i < state->button_count; i++) {
		held = held || state->buttons[i] == event->button;
	}
	if (!held) {
		return;
	}
	clear_pointer_focus(seat);
	wlr_seat_pointer_notify_button(seat->wlr_seat, event->time_msec, event->button,
			WLR_BUTTON_RELEASED);
	seat_pointer_rebase(seat);
}

static uint32_t
button_bit(uint32_t button)
{
	return button >= BTN_LEFT && button < BTN_LEFT + 32 ? 1u << (button - BTN_LEFT) : 0;
}

static void
handle_cursor_button(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, cursor_button);
	seat->last_activity_ms = process_clock_ms();
	struct wlr_event_pointer_button *event = data;
	bool pressed = event->state == WLR_BUTTON_PRESSED;
	uint32_t bit = button_bit(event->button);
	double sx = 0, sy = 0;
	struct wlr_surface *surface = NULL;
	struct strata_view *view = NULL;
	if (!seat->modal) {
		view = view_at(seat->server, seat->cursor->x, seat->cursor->y, &surface, &sx, &sy);
	}
	struct wlr_keyboard *keyboard = &seat->keyboard_group->keyboard;
	struct gate_button in = {
		.pressed = pressed,
		.reserved_held = wlr_keyboard_get_modifiers(keyboard) & seat->reserved_mask,
		.modal = seat->modal != NULL,
		.over_window = view != NULL,
		.over_surface = surface != NULL,
		/* The drag grab drops only on its own level's surfaces (the motion
		 * gate never lets it into another's), so during a drag the release
		 * goes to it wherever the pointer is. */
		.press_delivered = !pressed && (seat->buttons_delivered & bit) &&
				seat->button_client &&
				(seat->button_client == seat->pointer_client || active_drag(seat)),
		.grab_active = seat->cursor_mode != STRATA_CURSOR_PASSTHROUGH,
	};
	if (!pressed) {
		seat->buttons_delivered &= ~bit;
	}
	switch (gate_decide_button(&in, event->button)) {
	case GATE_BUTTON_DROP:
		if (!pressed) {
			forget_release(seat, event);
		}
		return;
	case GATE_BUTTON_TO_MODAL:
		seat->modal->handle_button(seat->modal, event->button);
		return;
	case GATE_BUTTON_END_GRAB:
		seat->cursor_mode = STRATA_CURSOR_PASSTHROUGH;
		seat->grabbed_view = NULL;
		forget_release(seat, event);
		process_motion(seat, event->time_msec);
		return;
	case GATE_BUTTON_MOVE:
		seat_focus(seat, view);
		if (!view->unmanaged) {
			begin_grab(seat, view, STRATA_CURSOR_MOVE);
		}
		return;
	case GATE_BUTTON_RESIZE:
		seat_focus(seat, view);
		if (!view->unmanaged) {
			begin_grab(seat, view, STRATA_CURSOR_RESIZE);
		}
		return;
	case GATE_BUTTON_FOCUS:
		/* A click is a user action: it may move focus to any level. */
		seat_focus(seat, view);
		return;
	case GATE_BUTTON_FOCUS_AND_CLIENT:
		/* A click in a window: the user may be held by its constraints again. */
		pointer_constraints_resume(seat->constraints);
		seat_focus(seat, view);
		/* The focus change may have ended grabs and pointer focus: the
		 * press goes to the surface under the pointer, entered anew. */
		process_motion(seat, event->time_msec);
		if (!seat->wlr_seat->pointer_state.focused_surface) {
			return;
		}
		/* Who gets the press: the pointer's client (it may have bound no
		 * wl_seat: then no seat client, and nobody hears it). */
		seat->buttons_delivered |= bit;
		seat->button_client = seat->pointer_client;
		wlr_seat_pointer_notify_button(seat->wlr_seat, event->time_msec, event->button,
				event->state);
		return;
	case GATE_BUTTON_TO_CLIENT:
		wlr_seat_pointer_notify_button(seat->wlr_seat, event->time_msec, event->button,
				event->state);
		if (!seat->buttons_delivered) {
			seat->button_client = NULL;
		}
		return;
	}
}

static void
handle_cursor_axis(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, cursor_axis);
	seat->last_activity_ms = process_clock_ms();
	struct wlr_event_pointer_axis *event = data;
	if (gate_allows_axis(seat->modal != NULL,
			    seat->wlr_seat->pointer_state.focused_surface != NULL)) {
		wlr_seat_pointer_notify_axis(seat->wlr_seat, event->time_msec, event->orientation,
				event->delta, event->delta_discrete, event->source);
	}
}

static void
handle_cursor_frame(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, cursor_frame);
	if (!seat->modal) {
		wlr_seat_pointer_notify_frame(seat->wlr_seat);
	}
}

static void
handle_request_cursor(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, request_cursor);
	struct wlr_seat_pointer_request_set_cursor_event *event = data;
	/* Only the client under the pointer may set its image; and only where a
	 * cursor is drawn at all (not headless, where screenshots stay exact). */
	if (!seat->cursor_manager || seat->modal ||
			seat->wlr_seat->pointer_state.focused_client != event->seat_client) {
		return;
	}
	wlr_cursor_set_surface(seat->cursor, event->surface, event->hotspot_x, event->hotspot_y);
}

/* ---- client grabs ----------------------------------------------------- */

/*
 * wlroots 0.15 starts an xdg_popup grab for any client that asks, with any
 * serial, and then ignores keyboard focus changes until the grab ends. A
 * grab stands only if it comes from the client that has keyboard focus,
 * with a serial of an input event that client was sent, while no modal
 * owner has the seat; otherwise it is ended at once (popup_done).
 */
static void
seat_request_logger(void *data, enum wl_protocol_logger_type type,
		const struct wl_protocol_logger_message *message)
{
	struct strata_seat *seat = data;
	if (type != WL_PROTOCOL_LOGGER_REQUEST || message->arguments_count != 2 ||
			strcmp(message->message->name, "grab") != 0 ||
			strcmp(wl_resource_get_class(message->resource), "xdg_popup") != 0) {
		return;
	}
	seat->popup_grab_client = wl_resource_get_client(message->resource);
	seat->popup_grab_serial = message->arguments[1].u;
}

static struct wlr_xdg_popup_grab *
popup_grab_of_touch(struct strata_seat *seat, struct wlr_seat_touch_grab *grab)
{
	struct wlr_xdg_popup_grab *popup_grab;
	wl_list_for_each(popup_grab, &seat->server->xdg_shell->popup_grabs, link) {
		if (&popup_grab->touch_grab == grab) {
			return popup_grab;
		}
	}
	return NULL;
}

static bool
popup_grab_allowed(struct strata_seat *seat, struct wl_client *client)
{
	/* Not during a drag either: the popup's grab would take the drag's
	 * place and leave it on, inert, for as long as its source lives. */
	if (seat->modal || seat->wlr_seat->drag || !seat->focused ||
			view_client(seat->focused) != client || seat->popup_grab_client != client) {
		return false;
	}
	struct wlr_seat_client *seat_client = wlr_seat_client_for_wl_client(seat->wlr_seat, client);
	return seat_client &&
			wlr_seat_client_validate_event_serial(seat_client, seat->popup_grab_serial);
}

/*
 * A drag whose pointer grab another grab took (a popup grab, refused and
 * ended) would stay on, inert, until its source goes, and no other drag
 * could start: it is ended. Its source is cancelled (its client is told,
 * and that ends the drag); a drag without one has its grab put back and
 * cancelled.
 */
static void
end_inert_drag(struct strata_seat *seat)
{
	struct wlr_drag *drag = seat->wlr_seat->drag;
	if (!drag || drag->grab_type != WLR_DRAG_GRAB_KEYBOARD_POINTER || active_drag(seat)) {
		return;
	}
	if (drag->source) {
		wlr_data_source_destroy(drag->source);
	} else {
		wlr_seat_pointer_start_grab(seat->wlr_seat, &drag->pointer_grab);
		wlr_seat_pointer_end_grab(seat->wlr_seat);
	}
}

static void
handle_touch_grab_begin(struct wl_listener *listener, void *data)
{
	/* xdg_popup.grab starts the pointer, keyboard and touch grabs in that
	 * order: at the last one the whole grab can be judged and ended. */
	struct strata_seat *seat = wl_container_of(listener, seat, touch_grab_begin);
	struct wlr_xdg_popup_grab *popup_grab = popup_grab_of_touch(seat, data);
	if (!popup_grab) {
		return;
	}
	struct wl_client *client = popup_grab->client;
	bool allowed = popup_grab_allowed(seat, client);
	seat->popup_grab_client = NULL;
	if (!allowed) {
		wlr_log(WLR_INFO,
				"popup grab refused: not from the focused client with a serial it "
				"was sent, or during a drag");
		end_client_grabs(seat);
		end_inert_drag(seat);
	}
}

/* ---- touch ------------------------------------------------------------ */

static int
touch_point_index(struct strata_seat *seat, int32_t id)
{
	for (int i = 0; i < SEAT_MAX_TOUCH_POINTS; i++) {
		if (seat->touch_points[i].used && seat->touch_points[i].id == id) {
			return i;
		}
	}
	return -1;
}

/*
 * A finger down is a user action like a click: the window under it gets
 * focus (any level), then its surface gets the point. While a modal owner
 * has the seat no client hears a touch, and a point whose down was not
 * delivered is never delivered (its motions and its up are dropped). When
 * focus moves to another level or a modal owner takes the seat, every point
 * delivered is cancelled (cancel_touches): a finger never goes on talking
 * to a level that lost focus, nor under the lock. A finger's motion over a
 * window of another level than its own is not delivered.
 */
static void
handle_touch_down(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, touch_down);
	struct wlr_event_touch_down *event = data;
	seat->last_activity_ms = process_clock_ms();
	if (seat->modal || touch_point_index(seat, event->touch_id) >= 0) {
		return;
	}
	double lx, ly, sx, sy;
	wlr_cursor_absolute_to_layout_coords(seat->cursor, event->device, event->x, event->y, &lx,
			&ly);
	struct wlr_surface *surface = NULL;
	struct strata_view *view = view_at(seat->server, lx, ly, &surface, &sx, &sy);
	if (!view) {
		return;
	}
	seat_focus(seat, view);
	/* Focus may have gone elsewhere (a modal came up): look again. */
	view = seat->modal ? NULL : view_at(seat->server, lx, ly, &surface, &sx, &sy);
	int slot = -1;
	for (int i = 0; slot < 0 && i < SEAT_MAX_TOUCH_POINTS; i++) {
		slot = seat->touch_points[i].used ? -1 : i;
	}
	if (!view || !surface || slot < 0) {
		return;
	}
	struct seat_touch_point *point = &seat->touch_points[slot];
	point->used = true;
	point->id = event->touch_id;
	point->level = view->level;
	point->dx = lx - sx;
	point->dy = ly - sy;
	wl_signal_add(&surface->events.destroy, &point->surface_destroy);
	wlr_seat_touch_notify_down(seat->wlr_seat, surface, event->time_msec, event->touch_id, sx,
			sy);
}

/* The surface a finger went down on is gone (the window closed, the
 * subsurface destroyed): its client is told the finger is up, as wl_touch
 * asks, and the finger's later motions and up go nowhere. Only that client
 * hears it: the point never moves to another surface. Clients apply touch
 * events at wl_touch.frame, so a frame closes the up. */
static void
handle_touch_surface_destroy(struct wl_listener *listener, void *data)
{
	struct seat_touch_point *point = wl_container_of(listener, point, surface_destroy);
	struct strata_seat *seat = point->seat;
	int32_t id = point->id;
	touch_point_forget(point);
	if (wlr_seat_touch_get_point(seat->wlr_seat, id)) {
		wlr_seat_touch_notify_up(seat->wlr_seat, now_msec(), id);
		/* No device frame follows: the up is a whole event of its own. */
		wlr_seat_touch_notify_frame(seat->wlr_seat);
	}
}

static void
handle_touch_motion(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, touch_motion);
	struct wlr_event_touch_motion *event = data;
	seat->last_activity_ms = process_clock_ms();
	int slot = touch_point_index(seat, event->touch_id);
	if (slot < 0 || seat->modal) {
		return;
	}
	double lx, ly, sx, sy;
	wlr_cursor_absolute_to_layout_coords(seat->cursor, event->device, event->x, event->y, &lx,
			&ly);
	struct wlr_surface *under = NULL;
	struct strata_view *view = view_at(seat->server, lx, ly, &under, &sx, &sy);
	if (view && view->level != seat->touch_points[slot].level) {
		return;
	}
	wlr_seat_touch_notify_motion(seat->wlr_seat, event->time_msec, event->touch_id,
			lx - seat->touch_points[slot].dx, ly - seat->touch_points[slot].dy);
}

static void
touch_point_end(struct strata_seat *seat, uint32_t time_msec, int32_t id)
{
	int slot = touch_point_index(seat, id);
	if (slot < 0) {
		return;
	}
	touch_point_forget(&seat->touch_points[slot]);
	if (wlr_seat_touch_get_point(seat->wlr_seat, id)) {
		wlr_seat_touch_notify_up(seat->wlr_seat, time_msec, id);
	}
}

static void
handle_touch_up(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, touch_up);
	struct wlr_event_touch_up *event = data;
	seat->last_activity_ms = process_clock_ms();
	touch_point_end(seat, event->time_msec, event->touch_id);
}

/* The device gave up on a finger (a palm, a suspended device): its client
 * is told so (cancel, never an up, which would complete a tap). */
static void
handle_touch_cancel(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, touch_cancel);
	struct wlr_event_touch_cancel *event = data;
	int slot = touch_point_index(seat, event->touch_id);
	if (slot < 0) {
		return;
	}
	touch_point_forget(&seat->touch_points[slot]);
	/* A client's touch grab (a drag, a popup) would swallow the cancel and
	 * be left waiting for an up that never comes. */
	wlr_seat_touch_end_grab(seat->wlr_seat);
	struct wlr_touch_point *point = wlr_seat_touch_get_point(seat->wlr_seat, event->touch_id);
	if (point && point->surface) {
		wlr_seat_touch_notify_cancel(seat->wlr_seat, point->surface);
	} else if (point) {
		wlr_seat_touch_notify_up(seat->wlr_seat, event->time_msec, event->touch_id);
	}
	/* wlroots cancels every point of that client: so does the seat. */
	for (int i = 0; i < SEAT_MAX_TOUCH_POINTS; i++) {
		if (seat->touch_points[i].used &&
				!wlr_seat_touch_get_point(seat->wlr_seat,
						seat->touch_points[i].id)) {
			touch_point_forget(&seat->touch_points[i]);
		}
	}
}

static void
handle_touch_frame(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, touch_frame);
	/* wlroots sends it only to clients told of a touch since the last
	 * (an up ends its point, and its frame still has to follow). */
	if (!seat->modal) {
		wlr_seat_touch_notify_frame(seat->wlr_seat);
	}
}

/* ---- devices ---------------------------------------------------------- */

static void
update_capabilities(struct strata_seat *seat)
{
	uint32_t caps = WL_SEAT_CAPABILITY_POINTER;
	if (!wl_list_empty(&seat->keyboards)) {
		caps |= WL_SEAT_CAPABILITY_KEYBOARD;
	}
	if (seat->has_touch) {
		caps |= WL_SEAT_CAPABILITY_TOUCH;
	}
	wlr_seat_set_capabilities(seat->wlr_seat, caps);
}

static void
handle_new_input(struct wl_listener *listener, void *data)
{
	struct strata_seat *seat = wl_container_of(listener, seat, new_input);
	struct wlr_input_device *device = data;
	switch (device->type) {
	case WLR_INPUT_DEVICE_KEYBOARD:
		add_keyboard(seat, device);
		break;
	case WLR_INPUT_DEVICE_POINTER:
		wlr_cursor_attach_input_device(seat->cursor, device);
		break;
	case WLR_INPUT_DEVICE_TOUCH:
		/* Its events come through the cursor (handle_touch_*). */
		wlr_cursor_attach_input_device(seat->cursor, device);
		seat->has_touch = true;
		break;
	default:
		break;
	}
	update_capabilities(seat);
}

static void
client_keyboard_device_destroy(struct wlr_input_device *device)
{
	free(device);
}

static const struct wlr_input_device_impl client_keyboard_impl = {
	.destroy = client_keyboard_device_destroy,
};

static bool
client_keyboard_init(struct strata_seat *seat)
{
	struct wlr_input_device *device = calloc(1, sizeof(*device));
	struct wlr_keyboard *keyboard = calloc(1, sizeof(*keyboard));
	if (!device || !keyboard) {
		free(device);
		free(keyboard);
		return false;
	}
	wlr_input_device_init(device, WLR_INPUT_DEVICE_KEYBOARD, &client_keyboard_impl,
			"strata-seat", 0, 0);
	device->keyboard = keyboard;
	wlr_keyboard_init(keyboard, NULL);
	wlr_keyboard_set_keymap(keyboard, seat->keyboard_group->keyboard.keymap);
	wlr_keyboard_set_repeat_info(keyboard, 25, 600);
	seat->client_keyboard = device;
	wlr_seat_set_keyboard(seat->wlr_seat, device);
	return true;
}

static bool
group_init(struct strata_seat *seat)
{
	seat->keyboard_group = wlr_keyboard_group_create();
	struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	struct xkb_keymap *keymap = context ?
			xkb_keymap_new_from_names(context, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS) :
			NULL;
	xkb_context_unref(context);
	if (!seat->keyboard_group || !keymap) {
		xkb_keymap_unref(keymap);
		wlr_log(WLR_ERROR, "cannot compile a keymap for the seat");
		return false;
	}
	wlr_keyboard_set_keymap(&seat->keyboard_group->keyboard, keymap);
	xkb_keymap_unref(keymap);
	wlr_keyboard_set_repeat_info(&seat->keyboard_group->keyboard, 25, 600);
	seat->group_key.notify = handle_group_key;
	wl_signal_add(&seat->keyboard_group->keyboard.events.key, &seat->group_key);
	seat->group_modifiers.notify = handle_group_modifiers;
	wl_signal_add(&seat->keyboard_group->keyboard.events.modifiers, &seat->group_modifiers);
	seat->group_leave.notify = handle_group_leave;
	wl_signal_add(&seat->keyboard_group->events.leave, &seat->group_leave);
	return client_keyboard_init(seat);
}

struct strata_seat *
seat_create(struct strata_server *server)
{
	struct strata_seat *seat = calloc(1, sizeof(*seat));
	if (!seat) {
		return NULL;
	}
	seat->server = server;
	wl_list_init(&seat->keyboards);
	wl_signal_init(&seat->events.focus);
	wl_signal_init(&seat->events.binding);
	wl_signal_init(&seat->events.sak);
	seat->last_activity_ms = process_clock_ms();
	seat->last_level = POLICY_NO_LEVEL;
	for (int i = 0; i < SEAT_MAX_TOUCH_POINTS; i++) {
		seat->touch_points[i].seat = seat;
		seat->touch_points[i].surface_destroy.notify = handle_touch_surface_destroy;
		wl_list_init(&seat->touch_points[i].surface_destroy.link);
	}
	seat->reserved_mask = server->config.modifier == STRATA_MODIFIER_ALT ? WLR_MODIFIER_ALT :
									       WLR_MODIFIER_LOGO;
	seat->wlr_seat = wlr_seat_create(server->display, "seat0");
	seat->cursor = wlr_cursor_create();
	seat->request_logger =
			wl_display_add_protocol_logger(server->display, seat_request_logger, seat);
	seat->constraints = seat->wlr_seat ?
			pointer_constraints_create(server->display, seat->wlr_seat) :
			NULL;
	if (!seat->wlr_seat || !seat->cursor || !seat->request_logger || !seat->constraints ||
			!group_init(seat)) {
		seat_destroy(seat);
		return NULL;
	}
	wlr_cursor_attach_output_layout(seat->cursor, server->output_layout);
	/* A pointer from the start, device or not: a wl_pointer made while the
	 * seat has none is inert, and wlroots 0.15's relative-pointer and
	 * pointer-constraints requests read the NULL it leaves (request_guard.c
	 * refuses those too). */
	update_capabilities(seat);
	if (!server->headless) {
		seat->cursor_manager = wlr_xcursor_manager_create(NULL, 24);
		if (seat->cursor_manager) {
			wlr_xcursor_manager_load(seat->cursor_manager, 1);
		}
	}
	seat->cursor_motion.notify = handle_cursor_motion;
	wl_signal_add(&seat->cursor->events.motion, &seat->cursor_motion);
	seat->cursor_motion_absolute.notify = handle_cursor_motion_absolute;
	wl_signal_add(&seat->cursor->events.motion_absolute, &seat->cursor_motion_absolute);
	seat->cursor_button.notify = handle_cursor_button;
	wl_signal_add(&seat->cursor->events.button, &seat->cursor_button);
	seat->cursor_axis.notify = handle_cursor_axis;
	wl_signal_add(&seat->cursor->events.axis, &seat->cursor_axis);
	seat->cursor_frame.notify = handle_cursor_frame;
	wl_signal_add(&seat->cursor->events.frame, &seat->cursor_frame);
	seat->views_changed.notify = handle_views_changed;
	wl_signal_add(&server->events.views_changed, &seat->views_changed);
	seat->touch_down.notify = handle_touch_down;
	wl_signal_add(&seat->cursor->events.touch_down, &seat->touch_down);
	seat->touch_up.notify = handle_touch_up;
	wl_signal_add(&seat->cursor->events.touch_up, &seat->touch_up);
	seat->touch_motion.notify = handle_touch_motion;
	wl_signal_add(&seat->cursor->events.touch_motion, &seat->touch_motion);
	seat->touch_cancel.notify = handle_touch_cancel;
	wl_signal_add(&seat->cursor->events.touch_cancel, &seat->touch_cancel);
	seat->touch_frame.notify = handle_touch_frame;
	wl_signal_add(&seat->cursor->events.touch_frame, &seat->touch_frame);
	seat->new_input.notify = handle_new_input;
	wl_signal_add(&server->backend->events.new_input, &seat->new_input);
	seat->request_cursor.notify = handle_request_cursor;
	wl_signal_add(&seat->wlr_seat->events.request_set_cursor, &seat->request_cursor);
	seat->touch_grab_begin.notify = handle_touch_grab_begin;
	wl_signal_add(&seat->wlr_seat->events.touch_grab_begin, &seat->touch_grab_begin);
	seat->constraints_changed.notify = handle_constraints_changed;
	wl_signal_add(&seat->constraints->events.changed, &seat->constraints_changed);

	if (server->input_backend) {
		seat->virtual_keyboard = wlr_headless_add_input_device(server->input_backend,
				WLR_INPUT_DEVICE_KEYBOARD);
		seat->virtual_pointer = wlr_headless_add_input_device(server->input_backend,
				WLR_INPUT_DEVICE_POINTER);
		if (!seat->virtual_keyboard || !seat->virtual_pointer) {
			wlr_log(WLR_ERROR, "cannot create the virtual keyboard and pointer");
			seat_destroy(seat);
			return NULL;
		}
	}
	return seat;
}

void
seat_destroy(struct strata_seat *seat)
{
	if (!seat) {
		return;
	}
	if (seat->cursor_motion.notify) {
		wl_list_remove(&seat->cursor_motion.link);
		wl_list_remove(&seat->cursor_motion_absolute.link);
		wl_list_remove(&seat->cursor_button.link);
		wl_list_remove(&seat->cursor_axis.link);
		wl_list_remove(&seat->cursor_frame.link);
		wl_list_remove(&seat->views_changed.link);
		wl_list_remove(&seat->touch_down.link);
		wl_list_remove(&seat->touch_up.link);
		wl_list_remove(&seat->touch_motion.link);
		wl_list_remove(&seat->touch_cancel.link);
		wl_list_remove(&seat->touch_frame.link);
		wl_list_remove(&seat->new_input.link);
		wl_list_remove(&seat->request_cursor.link);
		wl_list_remove(&seat->touch_grab_begin.link);
		wl_list_remove(&seat->constraints_changed.link);
	}
	for (int i = 0; i < SEAT_MAX_TOUCH_POINTS; i++) {
		touch_point_forget(&seat->touch_points[i]);
	}
	pointer_constraints_destroy(seat->constraints);
	struct seat_keyboard *keyboard, *tmp;
	wl_list_for_each_safe(keyboard, tmp, &seat->keyboards, link) {
		keyboard_handle_destroy(&keyboard->destroy, NULL);
	}
	if (seat->keyboard_group) {
		if (seat->group_key.notify) {
			wl_list_remove(&seat->group_key.link);
			wl_list_remove(&seat->group_modifiers.link);
			wl_list_remove(&seat->group_leave.link);
		}
		wlr_keyboard_group_destroy(seat->keyboard_group);
	}
	if (seat->client_keyboard) {
		wlr_seat_set_keyboard(seat->wlr_seat, NULL);
		wlr_input_device_destroy(seat->client_keyboard);
	}
	if (seat->request_logger) {
		wl_protocol_logger_destroy(seat->request_logger);
	}
	wlr_xcursor_manager_destroy(seat->cursor_manager);
	wlr_cursor_destroy(seat->cursor);
	free(seat);
}

bool
seat_inject_key(struct strata_seat *seat, uint32_t evdev_keycode, bool pressed)
{
	if (!seat->virtual_keyboard) {
		return false;
	}
	struct wlr_event_keyboard_key event = {
		.time_msec = now_msec(),
		.keycode = evdev_keycode,
		.update_state = true,
		.state = pressed ? WL_KEYBOARD_KEY_STATE_PRESSED : WL_KEYBOARD_KEY_STATE_RELEASED,
	};
	wlr_keyboard_notify_key(seat->virtual_keyboard->keyboard, &event);
	return true;
}

bool
seat_inject_motion(struct strata_seat *seat, double lx, double ly)
{
	if (!seat->virtual_pointer) {
		return false;
	}
	struct wlr_box *layout_box = wlr_output_layout_get_box(seat->server->output_layout, NULL);
	if (!layout_box || layout_box->width <= 0 || layout_box->height <= 0) {
		return false;
	}
	struct wlr_box box = *layout_box;
	struct wlr_pointer *pointer = seat->virtual_pointer->pointer;
	struct wlr_event_pointer_motion_absolute event = {
		.device = seat->virtual_pointer,
		.time_msec = now_msec(),
		.x = (lx - box.x) / box.width,
		.y = (ly - box.y) / box.height,
	};
	wl_signal_emit(&pointer->events.motion_absolute, &event);
	wl_signal_emit(&pointer->events.frame, pointer);
	return true;
}

bool
seat_inject_button(struct strata_seat *seat, uint32_t button, bool pressed)
{
	if (!seat->virtual_pointer) {
		return false;
	}
	struct wlr_pointer *pointer = seat->virtual_pointer->pointer;
	struct wlr_event_pointer_button event = {
		.device = seat->virtual_pointer,
		.time_msec = now_msec(),
		.button = button,
		.state = pressed ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED,
	};
	wl_signal_emit(&pointer->events.button, &event);
	wl_signal_emit(&pointer->events.frame, pointer);
	return true;
}

bool
seat_inject_touch(struct strata_seat *seat, enum seat_touch_kind kind, int32_t id, double lx,
		double ly)
{
	if (!seat->server->input_backend) {
		return false;
	}
	if (!seat->virtual_touch) {
		seat->virtual_touch = wlr_headless_add_input_device(seat->server->input_backend,
				WLR_INPUT_DEVICE_TOUCH);
		if (!seat->virtual_touch || !seat->virtual_touch->touch) {
			return false;
		}
	}
	struct wlr_box *layout_box = wlr_output_layout_get_box(seat->server->output_layout, NULL);
	if (!layout_box || layout_box->width <= 0 || layout_box->height <= 0) {
		return false;
	}
	struct wlr_box box = *layout_box;
	struct wlr_touch *touch = seat->virtual_touch->touch;
	double x = (lx - box.x) / box.width, y = (ly - box.y) / box.height;
	uint32_t time = now_msec();
	switch (kind) {
	case SEAT_TOUCH_DOWN: {
		struct wlr_event_touch_down event = { .device = seat->virtual_touch,
			.time_msec = time,
			.touch_id = id,
			.x = x,
			.y = y };
		wl_signal_emit(&touch->events.down, &event);
		break;
	}
	case SEAT_TOUCH_MOTION: {
		struct wlr_event_touch_motion event = { .device = seat->virtual_touch,
			.time_msec = time,
			.touch_id = id,
			.x = x,
			.y = y };
		wl_signal_emit(&touch->events.motion, &event);
		break;
	}
	case SEAT_TOUCH_UP: {
		struct wlr_event_touch_up event = { .device = seat->virtual_touch,
			.time_msec = time,
			.touch_id = id };
		wl_signal_emit(&touch->events.up, &event);
		break;
	}
	case SEAT_TOUCH_CANCEL: {
		struct wlr_event_touch_cancel event = { .device = seat->virtual_touch,
			.time_msec = time,
			.touch_id = id };
		wl_signal_emit(&touch->events.cancel, &event);
		break;
	}
	}
	wl_signal_emit(&touch->events.frame, NULL);
	return true;
}

struct xkb_keymap *
seat_keymap(struct strata_seat *seat)
{
	return seat->keyboard_group ? seat->keyboard_group->keyboard.keymap : NULL;
}
