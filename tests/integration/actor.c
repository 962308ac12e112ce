// SPDX-License-Identifier: MIT
/*
 * itest-actor: a Wayland client for the seat and scene tests. It maps one
 * window filled with one colour, writes every input event it gets to a log
 * (one line each), and plays the tricks it is told to: grabbing popups with
 * a real or a forged serial, a drag, popups placed over other windows or the
 * banner, subsurfaces walking out of their parent, buffers larger than the
 * window, a tiny window geometry, a viewport or a buffer scale that blows the
 * surface up. SIGUSR1 makes it finish a round trip and log "barrier N": once
 * that line is there, every event the compositor sent before is in the log.
 *
 * usage: itest-actor --log FILE --colour AARRGGBB [--popup-colour AARRGGBB]
 *                    [--size WxH] [--app-id ID] [--trick TRICK]...
 * tricks:
 *   popup-grab-on-press        at each button press, a popup grabbing with that press's serial
 *   popup-grab-forged          once focused, a popup grabbing with a serial never sent
 *   popup-grab-unfocused       right after mapping, a popup grabbing with a forged serial
 *   drag-on-press              at the first button press, a drag from that press
 *   popup:DX,DY,W,H,ADJ        a popup of WxH at (DX,DY) from the window's top-left,
 *                              constraint adjustment ADJ (xdg_positioner bits)
 *   subsurface:DX,DY,W,H       a subsurface of WxH at (DX,DY) from the previous one
 *                              (the first: from the window), so several walk out
 *   buffer:W,H                 the window's buffer is WxH whatever was configured
 *   geometry:X,Y,W,H           xdg_surface.set_window_geometry
 *   viewport:W,H               wp_viewport destination size of the window's surface
 *   scale:N                    wl_surface.set_buffer_scale
 *   popup-geometry:W,H         popups say their window geometry is WxH (and
 *                              ask for that size) whatever their buffer
 *   grab-on-hover              at the first pointer enter, a popup grabbing with
 *                              that enter's serial (a real one, without focus)
 *   drag-on-reenter            at the second pointer enter, a drag from the last
 *                              press's serial
 *   drag-sourceless            once focused, a drag without a source (a drag within
 *                              the client) with a forged serial
 *   popup-during-drag          with drag-on-press: right after the drag, a popup
 *                              grabbing with the same press's serial
 *   maximize, fullscreen       asks for it once mapped
 *   popup-on-leave:DX,DY,W,H   at the first keyboard leave, a popup of WxH at
 *                              (DX,DY) from the window's top-left, no grab
 *   frames                     asks for a frame callback after each one (empty
 *                              commits) and logs "frame N" for each
 *   transparent                the window's buffer is all alpha 0
 *   claim-opaque               the window says it is opaque everywhere
 *   noinput                    the window takes no input anywhere
 *   min-size:W,H, max-size:W,H xdg_toplevel.set_min_size / set_max_size before
 *                              the first commit; the window is drawn at the size
 *                              configured, but never below the minimum or above
 *                              the maximum (as toolkits do)
 *   dialog:W,H,FIXED           once mapped, a second toplevel whose parent is the
 *                              window (app_id ID-dialog), filled with the popup
 *                              colour, WxH unless configured otherwise; FIXED 1:
 *                              its minimum and maximum sizes are WxH
 *   helper                     once mapped, a second toplevel of 1x1 whatever it
 *                              is told (app_id ID-helper), no parent, in the
 *                              popup colour
 *   lock-pointer, confine-pointer
 *                              once mapped, a persistent lock (confinement) of the
 *                              pointer to the window; logs "locked", "unlocked"
 *                              ("confined", "unconfined")
 *   confine-box:X,Y,W,H        the same confinement to that box of the window
 *                              (to the union of them, when given more than
 *                              once), and logs "motion X Y" (surface
 *                              coordinates)
 *   relative-pointer           a zwp_relative_pointer_v1; logs "relative DX DY"
 *   text-input                 a zwp_text_input_v3, enabled at each enter and
 *                              disabled at each leave; logs "text enter", "text
 *                              leave", "text preedit S", "text commit S", "text
 *                              delete B A"
 *   text-input-eager           the same, but enabled at once, before any enter
 * A drag entering the window is accepted (its text, as a copy) and its drop
 * logged ("data drop"); a drag of its own logs how it ends.
 * SIGUSR2 binds one more wl_keyboard (what its enter says is logged), then
 * logs "keyboard barrier N" after a round trip.
 */
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <wayland-client.h>
#include "pointer-constraints-unstable-v1-client-protocol.h"
#include "relative-pointer-unstable-v1-client-protocol.h"
#include "shm_fill.h"
#include "text-input-unstable-v3-client-protocol.h"
#include "viewporter-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define MAX_TRICKS 16
#define FORGED_SERIAL 0x7ffffff0u

enum trick_kind {
	TRICK_POPUP_GRAB_ON_PRESS,
	TRICK_POPUP_GRAB_FORGED,
	TRICK_POPUP_GRAB_UNFOCUSED,
	TRICK_DRAG_ON_PRESS,
	TRICK_POPUP,
	TRICK_SUBSURFACE,
	TRICK_BUFFER,
	TRICK_GEOMETRY,
	TRICK_VIEWPORT,
	TRICK_SCALE,
	TRICK_POPUP_GEOMETRY,
	TRICK_GRAB_ON_HOVER,
	TRICK_DRAG_ON_REENTER,
	TRICK_DRAG_SOURCELESS,
	TRICK_POPUP_DURING_DRAG,
	TRICK_MAXIMIZE,
	TRICK_FULLSCREEN,
	TRICK_TRANSPARENT,
	TRICK_CLAIM_OPAQUE,
	TRICK_NOINPUT,
	TRICK_FRAMES,
	TRICK_POPUP_ON_LEAVE,
	TRICK_MIN_SIZE,
	TRICK_MAX_SIZE,
	TRICK_DIALOG,
	TRICK_HELPER,
	TRICK_LOCK_POINTER,
	TRICK_CONFINE_POINTER,
	TRICK_CONFINE_BOX,
	TRICK_RELATIVE_POINTER,
	TRICK_TEXT_INPUT,
	TRICK_TEXT_INPUT_EAGER,
};

struct trick {
	enum trick_kind kind;
	int a, b, c, d, e;
};

struct actor {
	int log_fd;
	uint32_t colour;
	uint32_t popup_colour; /* popups are filled with this one */
	int width, height;
	const char *app_id;
	struct trick tricks[MAX_TRICKS];
	size_t trick_count;

	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_subcompositor *subcompositor;
	struct wl_shm *shm;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_pointer *pointer;
	struct wl_touch *touch;
	struct wl_data_device_manager *data_manager;
	struct wl_data_device *data_device;
	struct xdg_wm_base *wm_base;
	struct wp_viewporter *viewporter;
	struct zwp_pointer_constraints_v1 *pointer_constraints;
	struct zwp_relative_pointer_manager_v1 *relative_manager;
	struct zwp_text_input_manager_v3 *text_input_manager;
	struct zwp_text_input_v3 *text_input;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured, mapped;
	uint32_t configure_serial;
	int configured_width, configured_height;

	bool focused_once;
	unsigned pointer_enters;
	uint32_t last_press_serial;
	bool dragged;
	unsigned barriers, keyboard_barriers;
	unsigned popups;
	unsigned frames; /* frame callbacks done (the frames trick) */
	bool popped_on_leave; /* the popup-on-leave trick played */
};

/* A second toplevel (the dialog and helper tricks). */
struct second_window {
	struct actor *actor;
	const char *name; /* "dialog" or "helper" */
	int width, height;
	bool fixed; /* minimum and maximum sizes are its size */
	bool own_size; /* drawn at its size whatever it is told */
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	int configured_width, configured_height;
	bool mapped;
};

static void say(struct actor *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct actor *a, const char *fmt, ...)
{
	char line[512];
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, args);
	va_end(args);
	if (n < 0) {
		return;
	}
	if ((size_t)n > sizeof(line) - 2) {
		n = (int)sizeof(line) - 2;
	}
	line[n++] = '\n';
	/* One write per line: the test reads the log while we append. */
	if (write(a->log_fd, line, (size_t)n) != n) {
		_exit(3);
	}
}

static struct wl_buffer *
filled_buffer(struct actor *a, int width, int height, uint32_t colour)
{
	return shm_filled_buffer(a->shm, width, height, colour);
}

static const struct trick *
find_trick(struct actor *a, enum trick_kind kind)
{
	for (size_t i = 0; i < a->trick_count; i++) {
		if (a->tricks[i].kind == kind) {
			return &a->tricks[i];
		}
	}
	return NULL;
}

/* ---- popups ------------------------------------------------------------- */

struct popup {
	struct actor *actor;
	unsigned id;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_popup *xdg_popup;
	int width, height;
	bool attached;
};

static void
popup_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct popup *p = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	if (!p->attached) {
		struct wl_buffer *buffer = filled_buffer(p->actor, p->width, p->height,
				p->actor->popup_colour);
		wl_surface_attach(p->surface, buffer, 0, 0);
		wl_surface_damage(p->surface, 0, 0, p->width, p->height);
		p->attached = true;
	}
	wl_surface_commit(p->surface);
	say(p->actor, "popup %u configured", p->id);
}

static const struct xdg_surface_listener popup_surface_listener = {
	.configure = popup_surface_configure,
};

static void
popup_configure(void *data, struct xdg_popup *popup, int32_t x, int32_t y, int32_t width,
		int32_t height)
{
	struct popup *p = data;
	say(p->actor, "popup %u at %d,%d size %dx%d", p->id, x, y, width, height);
}

static void
popup_done(void *data, struct xdg_popup *popup)
{
	struct popup *p = data;
	say(p->actor, "popup %u done", p->id);
	xdg_popup_destroy(p->xdg_popup);
	xdg_surface_destroy(p->xdg_surface);
	wl_surface_destroy(p->surface);
	free(p);
}

static void
popup_repositioned(void *data, struct xdg_popup *popup, uint32_t token)
{
}

static const struct xdg_popup_listener popup_listener = {
	.configure = popup_configure,
	.popup_done = popup_done,
	.repositioned = popup_repositioned,
};

/* A popup of width x height at (x, y) of the window; grab with serial if set. */
static void
open_popup(struct actor *a, int x, int y, int width, int height, uint32_t adjustment, bool grab,
		uint32_t serial)
{
	struct popup *p = calloc(1, sizeof(*p));
	p->actor = a;
	p->id = ++a->popups;
	p->width = width;
	p->height = height;
	struct xdg_positioner *positioner = xdg_wm_base_create_positioner(a->wm_base);
	const struct trick *geometry = find_trick(a, TRICK_POPUP_GEOMETRY);
	xdg_positioner_set_size(positioner, geometry ? geometry->a : width,
			geometry ? geometry->b : height);
	xdg_positioner_set_anchor_rect(positioner, 0, 0, 1, 1);
	xdg_positioner_set_anchor(positioner, XDG_POSITIONER_ANCHOR_TOP_LEFT);
	xdg_positioner_set_gravity(positioner, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
	xdg_positioner_set_offset(positioner, x, y);
	xdg_positioner_set_constraint_adjustment(positioner, adjustment);
	p->surface = wl_compositor_create_surface(a->compositor);
	p->xdg_surface = xdg_wm_base_get_xdg_surface(a->wm_base, p->surface);
	xdg_surface_add_listener(p->xdg_surface, &popup_surface_listener, p);
	p->xdg_popup = xdg_surface_get_popup(p->xdg_surface, a->xdg_surface, positioner);
	xdg_popup_add_listener(p->xdg_popup, &popup_listener, p);
	if (geometry) {
		xdg_surface_set_window_geometry(p->xdg_surface, 0, 0, geometry->a, geometry->b);
	}
	xdg_positioner_destroy(positioner);
	if (grab) {
		xdg_popup_grab(p->xdg_popup, a->seat, serial);
		say(a, "popup %u grab serial %u", p->id, serial);
	}
	wl_surface_commit(p->surface);
}

/* ---- drag --------------------------------------------------------------- */

static void
source_target(void *data, struct wl_data_source *source, const char *mime_type)
{
}

static void
source_send(void *data, struct wl_data_source *source, const char *mime_type, int32_t fd)
{
	close(fd);
}

static void
source_cancelled(void *data, struct wl_data_source *source)
{
	say(data, "drag cancelled");
	wl_data_source_destroy(source);
}

static void
source_dnd_drop_performed(void *data, struct wl_data_source *source)
{
	say(data, "drag dropped");
}

static void
source_dnd_finished(void *data, struct wl_data_source *source)
{
	say(data, "drag finished");
}

static void
source_action(void *data, struct wl_data_source *source, uint32_t action)
{
}

static const struct wl_data_source_listener source_listener = {
	.target = source_target,
	.send = source_send,
	.cancelled = source_cancelled,
	.dnd_drop_performed = source_dnd_drop_performed,
	.dnd_finished = source_dnd_finished,
	.action = source_action,
};

static void
start_drag(struct actor *a, uint32_t serial)
{
	struct wl_data_source *source = wl_data_device_manager_create_data_source(a->data_manager);
	wl_data_source_add_listener(source, &source_listener, a);
	wl_data_source_offer(source, "text/plain;charset=utf-8");
	wl_data_source_set_actions(source, WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
	wl_data_device_start_drag(a->data_device, source, a->surface, NULL, serial);
	say(a, "drag started");
}

static void
device_data_offer(void *data, struct wl_data_device *device, struct wl_data_offer *offer)
{
}

/* A drag over the window is welcome: its text is accepted, as a copy. */
static void
device_enter(void *data, struct wl_data_device *device, uint32_t serial, struct wl_surface *surface,
		wl_fixed_t x, wl_fixed_t y, struct wl_data_offer *offer)
{
	say(data, "data enter");
	if (offer) {
		wl_data_offer_accept(offer, serial, "text/plain;charset=utf-8");
		if (wl_data_offer_get_version(offer) >= WL_DATA_OFFER_SET_ACTIONS_SINCE_VERSION) {
			wl_data_offer_set_actions(offer, WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY,
					WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
		}
	}
}

static void
device_leave(void *data, struct wl_data_device *device)
{
	say(data, "data leave");
}

static void
device_motion(void *data, struct wl_data_device *device, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
}

static void
device_drop(void *data, struct wl_data_device *device)
{
	say(data, "data drop");
}

static void
device_selection(void *data, struct wl_data_device *device, struct wl_data_offer *offer)
{
}

static const struct wl_data_device_listener device_listener = {
	.data_offer = device_data_offer,
	.enter = device_enter,
	.leave = device_leave,
	.motion = device_motion,
	.drop = device_drop,
	.selection = device_selection,
};

/* ---- pointer constraints, relative motion, text input ------------------- */

static void
locked(void *data, struct zwp_locked_pointer_v1 *locked_pointer)
{
	say(data, "locked");
}

static void
unlocked(void *data, struct zwp_locked_pointer_v1 *locked_pointer)
{
	say(data, "unlocked");
}

static const struct zwp_locked_pointer_v1_listener locked_listener = {
	.locked = locked,
	.unlocked = unlocked,
};

static void
confined(void *data, struct zwp_confined_pointer_v1 *confined_pointer)
{
	say(data, "confined");
}

static void
unconfined(void *data, struct zwp_confined_pointer_v1 *confined_pointer)
{
	say(data, "unconfined");
}

static const struct zwp_confined_pointer_v1_listener confined_listener = {
	.confined = confined,
	.unconfined = unconfined,
};

static void
relative_motion(void *data, struct zwp_relative_pointer_v1 *relative, uint32_t utime_hi,
		uint32_t utime_lo, wl_fixed_t dx, wl_fixed_t dy, wl_fixed_t dx_unaccel,
		wl_fixed_t dy_unaccel)
{
	say(data, "relative %d %d", wl_fixed_to_int(dx), wl_fixed_to_int(dy));
}

static const struct zwp_relative_pointer_v1_listener relative_listener = {
	.relative_motion = relative_motion,
};

/* The constraint tricks, once the window is mapped (a persistent one: it
 * may be activated again after each release). */
static void
constrain_pointer(struct actor *a)
{
	if (!a->pointer_constraints || !a->pointer) {
		say(a, "no pointer constraints");
		return;
	}
	if (find_trick(a, TRICK_LOCK_POINTER)) {
		struct zwp_locked_pointer_v1 *lock =
				zwp_pointer_constraints_v1_lock_pointer(a->pointer_constraints,
						a->surface, a->pointer, NULL,
						ZWP_POINTER_CONSTRAINTS_V1_LIFETIME_PERSISTENT);
		zwp_locked_pointer_v1_add_listener(lock, &locked_listener, a);
	}
	const struct trick *box = find_trick(a, TRICK_CONFINE_BOX);
	if (find_trick(a, TRICK_CONFINE_POINTER) || box) {
		struct wl_region *region = NULL;
		if (box) {
			/* Every confine-box given: the region is their union. */
			region = wl_compositor_create_region(a->compositor);
			for (size_t i = 0; i < a->trick_count; i++) {
				const struct trick *t = &a->tricks[i];
				if (t->kind == TRICK_CONFINE_BOX) {
					wl_region_add(region, t->a, t->b, t->c, t->d);
				}
			}
		}
		struct zwp_confined_pointer_v1 *confine =
				zwp_pointer_constraints_v1_confine_pointer(a->pointer_constraints,
						a->surface, a->pointer, region,
						ZWP_POINTER_CONSTRAINTS_V1_LIFETIME_PERSISTENT);
		zwp_confined_pointer_v1_add_listener(confine, &confined_listener, a);
		if (region) {
			wl_region_destroy(region);
		}
	}
}

static void
text_input_enable(struct actor *a)
{
	zwp_text_input_v3_enable(a->text_input);
	zwp_text_input_v3_set_content_type(a->text_input, ZWP_TEXT_INPUT_V3_CONTENT_HINT_NONE,
			ZWP_TEXT_INPUT_V3_CONTENT_PURPOSE_NORMAL);
	zwp_text_input_v3_set_surrounding_text(a->text_input, a->app_id, 0, 0);
	zwp_text_input_v3_commit(a->text_input);
}

static void
text_enter(void *data, struct zwp_text_input_v3 *text_input, struct wl_surface *surface)
{
	struct actor *a = data;
	say(a, "text enter");
	text_input_enable(a);
}

static void
text_leave(void *data, struct zwp_text_input_v3 *text_input, struct wl_surface *surface)
{
	struct actor *a = data;
	say(a, "text leave");
	if (!find_trick(a, TRICK_TEXT_INPUT_EAGER)) {
		zwp_text_input_v3_disable(a->text_input);
		zwp_text_input_v3_commit(a->text_input);
	}
}

static void
text_preedit(void *data, struct zwp_text_input_v3 *text_input, const char *text,
		int32_t cursor_begin, int32_t cursor_end)
{
	say(data, "text preedit %s", text ? text : "");
}

static void
text_commit(void *data, struct zwp_text_input_v3 *text_input, const char *text)
{
	say(data, "text commit %s", text ? text : "");
}

static void
text_delete(void *data, struct zwp_text_input_v3 *text_input, uint32_t before, uint32_t after)
{
	say(data, "text delete %u %u", before, after);
}

static void
text_done(void *data, struct zwp_text_input_v3 *text_input, uint32_t serial)
{
}

static const struct zwp_text_input_v3_listener text_input_listener = {
	.enter = text_enter,
	.leave = text_leave,
	.preedit_string = text_preedit,
	.commit_string = text_commit,
	.delete_surrounding_text = text_delete,
	.done = text_done,
};

/* ---- keyboard and pointer: everything goes to the log ------------------ */

static void
keyboard_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format, int32_t fd,
		uint32_t size)
{
	close(fd);
}

static void
keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface, struct wl_array *keys)
{
	struct actor *a = data;
	char held[256] = "";
	size_t used = 0;
	uint32_t *key;
	wl_array_for_each(key, keys) {
		used += (size_t)snprintf(held + used, sizeof(held) - used, "%s%u", used ? "," : "",
				*key);
		if (used >= sizeof(held)) {
			break;
		}
	}
	say(a, "enter keys=[%s]", held);
	if (!a->focused_once) {
		a->focused_once = true;
		if (find_trick(a, TRICK_POPUP_GRAB_FORGED)) {
			open_popup(a, 10, 10, 120, 80, 0, true, FORGED_SERIAL);
		}
		if (find_trick(a, TRICK_DRAG_SOURCELESS)) {
			wl_data_device_start_drag(a->data_device, NULL, a->surface, NULL,
					FORGED_SERIAL);
			say(a, "sourceless drag");
		}
	}
}

static void
keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface)
{
	struct actor *a = data;
	say(a, "leave");
	const struct trick *t = find_trick(a, TRICK_POPUP_ON_LEAVE);
	if (t && !a->popped_on_leave) {
		/* What a client that sees the X-ray come might draw then. */
		a->popped_on_leave = true;
		open_popup(a, t->a, t->b, t->c, t->d, 0, false, 0);
	}
}

static void
keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t time, uint32_t key,
		uint32_t state)
{
	say(data, "key %u %s", key, state ? "pressed" : "released");
}

static void
keyboard_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t depressed,
		uint32_t latched, uint32_t locked, uint32_t group)
{
	say(data, "mods %u %u %u", depressed, latched, locked);
}

static void
keyboard_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat_info,
};

static void
pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial, struct wl_surface *surface,
		wl_fixed_t x, wl_fixed_t y)
{
	struct actor *a = data;
	say(a, "pointer enter");
	a->pointer_enters++;
	if (a->pointer_enters == 1 && find_trick(a, TRICK_GRAB_ON_HOVER)) {
		open_popup(a, 10, 10, 120, 80, 0, true, serial);
	}
	if (a->pointer_enters == 2 && a->last_press_serial &&
			find_trick(a, TRICK_DRAG_ON_REENTER)) {
		start_drag(a, a->last_press_serial);
	}
}

static void
pointer_leave(void *data, struct wl_pointer *pointer, uint32_t serial, struct wl_surface *surface)
{
	say(data, "pointer leave");
}

static void
pointer_motion(void *data, struct wl_pointer *pointer, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
	struct actor *a = data;
	if (find_trick(a, TRICK_CONFINE_BOX)) {
		say(a, "motion %d %d", wl_fixed_to_int(x), wl_fixed_to_int(y));
	}
}

static void
pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial, uint32_t time,
		uint32_t button, uint32_t state)
{
	struct actor *a = data;
	say(a, "button %u %s", button, state ? "pressed" : "released");
	if (state != WL_POINTER_BUTTON_STATE_PRESSED) {
		return;
	}
	a->last_press_serial = serial;
	if (find_trick(a, TRICK_POPUP_GRAB_ON_PRESS)) {
		open_popup(a, 20, 20, 160, 120, 0, true, serial);
	}
	if (find_trick(a, TRICK_DRAG_ON_PRESS) && !a->dragged) {
		a->dragged = true;
		start_drag(a, serial);
		if (find_trick(a, TRICK_POPUP_DURING_DRAG)) {
			open_popup(a, 20, 20, 160, 120, 0, true, serial);
		}
	}
}

static void
pointer_axis(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis, wl_fixed_t value)
{
	say(data, "axis %u", axis);
}

static void
pointer_frame(void *data, struct wl_pointer *pointer)
{
}

static void
pointer_axis_source(void *data, struct wl_pointer *pointer, uint32_t source)
{
}

static void
pointer_axis_stop(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis)
{
}

static void
pointer_axis_discrete(void *data, struct wl_pointer *pointer, uint32_t axis, int32_t discrete)
{
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_enter,
	.leave = pointer_leave,
	.motion = pointer_motion,
	.button = pointer_button,
	.axis = pointer_axis,
	.frame = pointer_frame,
	.axis_source = pointer_axis_source,
	.axis_stop = pointer_axis_stop,
	.axis_discrete = pointer_axis_discrete,
};

/* Touch: "touch down ID X Y", "touch motion ID X Y", "touch up ID",
 * "touch cancel" (surface coordinates, whole pixels). */
static void
touch_down(void *data, struct wl_touch *touch, uint32_t serial, uint32_t time,
		struct wl_surface *surface, int32_t id, wl_fixed_t x, wl_fixed_t y)
{
	say(data, "touch down %d %d %d", id, wl_fixed_to_int(x), wl_fixed_to_int(y));
}

static void
touch_up(void *data, struct wl_touch *touch, uint32_t serial, uint32_t time, int32_t id)
{
	say(data, "touch up %d", id);
}

static void
touch_motion(void *data, struct wl_touch *touch, uint32_t time, int32_t id, wl_fixed_t x,
		wl_fixed_t y)
{
	say(data, "touch motion %d %d %d", id, wl_fixed_to_int(x), wl_fixed_to_int(y));
}

static void
touch_frame(void *data, struct wl_touch *touch)
{
}

static void
touch_cancel(void *data, struct wl_touch *touch)
{
	say(data, "touch cancel");
}

static const struct wl_touch_listener touch_listener = {
	.down = touch_down,
	.up = touch_up,
	.motion = touch_motion,
	.frame = touch_frame,
	.cancel = touch_cancel,
};

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct actor *a = data;
	if ((caps & WL_SEAT_CAPABILITY_TOUCH) && !a->touch) {
		a->touch = wl_seat_get_touch(seat);
		wl_touch_add_listener(a->touch, &touch_listener, a);
		say(a, "touch ready");
	}
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !a->keyboard) {
		a->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(a->keyboard, &keyboard_listener, a);
	}
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !a->pointer) {
		a->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(a->pointer, &pointer_listener, a);
		if (find_trick(a, TRICK_RELATIVE_POINTER) && a->relative_manager) {
			struct zwp_relative_pointer_v1 *relative =
					zwp_relative_pointer_manager_v1_get_relative_pointer(
							a->relative_manager, a->pointer);
			zwp_relative_pointer_v1_add_listener(relative, &relative_listener, a);
		}
	}
}

static void
seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

/* ---- the window ----------------------------------------------------------- */

static void
wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		struct wl_array *states)
{
	struct actor *a = data;
	a->configured_width = width;
	a->configured_height = height;
	say(a, "configure %d %d", width, height);
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	say(data, "close");
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void
add_subsurfaces(struct actor *a)
{
	struct wl_surface *parent = a->surface;
	for (size_t i = 0; i < a->trick_count; i++) {
		const struct trick *t = &a->tricks[i];
		if (t->kind != TRICK_SUBSURFACE) {
			continue;
		}
		struct wl_surface *surface = wl_compositor_create_surface(a->compositor);
		struct wl_subsurface *sub =
				wl_subcompositor_get_subsurface(a->subcompositor, surface, parent);
		wl_subsurface_set_position(sub, t->a, t->b);
		wl_subsurface_set_desync(sub);
		struct wl_buffer *buffer = filled_buffer(a, t->c, t->d, a->colour);
		wl_surface_attach(surface, buffer, 0, 0);
		wl_surface_damage(surface, 0, 0, t->c, t->d);
		wl_surface_commit(surface);
		parent = surface;
		say(a, "subsurface at %d,%d size %dx%d", t->a, t->b, t->c, t->d);
	}
}

static void
draw_window(struct actor *a)
{
	int width = a->width, height = a->height;
	const struct trick *t;
	if ((t = find_trick(a, TRICK_BUFFER))) {
		width = t->a;
		height = t->b;
	} else if (a->configured_width > 0 && a->configured_height > 0) {
		width = a->configured_width;
		height = a->configured_height;
	}
	if ((t = find_trick(a, TRICK_MAX_SIZE))) {
		width = width < t->a ? width : t->a;
		height = height < t->b ? height : t->b;
	}
	if ((t = find_trick(a, TRICK_MIN_SIZE))) {
		width = width > t->a ? width : t->a;
		height = height > t->b ? height : t->b;
	}
	if ((t = find_trick(a, TRICK_SCALE))) {
		wl_surface_set_buffer_scale(a->surface, t->a);
	}
	if ((t = find_trick(a, TRICK_VIEWPORT)) && a->viewporter) {
		struct wp_viewport *viewport =
				wp_viewporter_get_viewport(a->viewporter, a->surface);
		wp_viewport_set_destination(viewport, t->a, t->b);
	}
	if ((t = find_trick(a, TRICK_GEOMETRY))) {
		xdg_surface_set_window_geometry(a->xdg_surface, t->a, t->b, t->c, t->d);
	}
	struct wl_buffer *buffer = filled_buffer(a, width, height,
			find_trick(a, TRICK_TRANSPARENT) ? 0u : a->colour);
	if (find_trick(a, TRICK_CLAIM_OPAQUE) || find_trick(a, TRICK_NOINPUT)) {
		struct wl_region *region = wl_compositor_create_region(a->compositor);
		if (find_trick(a, TRICK_CLAIM_OPAQUE)) {
			wl_region_add(region, 0, 0, 1 << 20, 1 << 20);
			wl_surface_set_opaque_region(a->surface, region);
		} else {
			wl_surface_set_input_region(a->surface, region); /* empty */
		}
		wl_region_destroy(region);
	}
	wl_surface_attach(a->surface, buffer, 0, 0);
	wl_surface_damage_buffer(a->surface, 0, 0, width, height);
}

/* The frames trick: a frame callback after every one, with an empty commit
 * each time; each one done is logged ("frame N"): a window that is not
 * drawn is never told to draw again. */
static void request_frame(struct actor *a);

static void
frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct actor *a = data;
	wl_callback_destroy(callback);
	say(a, "frame %u", ++a->frames);
	request_frame(a);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_done,
};

static void
request_frame(struct actor *a)
{
	struct wl_callback *callback = wl_surface_frame(a->surface);
	wl_callback_add_listener(callback, &frame_listener, a);
	wl_surface_commit(a->surface);
}

static void
second_toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		struct wl_array *states)
{
	struct second_window *w = data;
	w->configured_width = width;
	w->configured_height = height;
	say(w->actor, "%s configure %d %d", w->name, width, height);
}

static void
second_toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct second_window *w = data;
	say(w->actor, "%s close", w->name);
}

static const struct xdg_toplevel_listener second_toplevel_listener = {
	.configure = second_toplevel_configure,
	.close = second_toplevel_close,
};

static void
second_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct second_window *w = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	int width = w->width, height = w->height;
	if (!w->own_size && w->configured_width > 0 && w->configured_height > 0) {
		width = w->configured_width;
		height = w->configured_height;
	}
	struct wl_buffer *buffer = filled_buffer(w->actor, width, height, w->actor->popup_colour);
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, width, height);
	wl_surface_commit(w->surface);
	if (!w->mapped) {
		w->mapped = true;
		say(w->actor, "%s mapped %dx%d", w->name, width, height);
	}
}

static const struct xdg_surface_listener second_surface_listener = {
	.configure = second_surface_configure,
};

/* A second toplevel, announced (first commit) with its parent and sizes. */
static void
open_second_window(struct actor *a, const char *name, int width, int height, bool fixed,
		bool with_parent)
{
	struct second_window *w = calloc(1, sizeof(*w));
	if (!w) {
		_exit(4);
	}
	*w = (struct second_window){ .actor = a,
		.name = name,
		.width = width,
		.height = height,
		.fixed = fixed,
		.own_size = fixed || !with_parent };
	w->surface = wl_compositor_create_surface(a->compositor);
	w->xdg_surface = xdg_wm_base_get_xdg_surface(a->wm_base, w->surface);
	xdg_surface_add_listener(w->xdg_surface, &second_surface_listener, w);
	w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
	xdg_toplevel_add_listener(w->toplevel, &second_toplevel_listener, w);
	if (with_parent) {
		xdg_toplevel_set_parent(w->toplevel, a->toplevel);
	}
	if (fixed) {
		xdg_toplevel_set_min_size(w->toplevel, width, height);
		xdg_toplevel_set_max_size(w->toplevel, width, height);
	}
	char app_id[128];
	snprintf(app_id, sizeof(app_id), "%s-%s", a->app_id, name);
	xdg_toplevel_set_app_id(w->toplevel, app_id);
	xdg_toplevel_set_title(w->toplevel, app_id);
	wl_surface_commit(w->surface);
}

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct actor *a = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	a->configured = true;
	const struct trick *t;
	if (!a->mapped) {
		add_subsurfaces(a);
		draw_window(a);
		wl_surface_commit(a->surface);
		a->mapped = true;
		say(a, "mapped");
		if (find_trick(a, TRICK_MAXIMIZE)) {
			xdg_toplevel_set_maximized(a->toplevel);
		}
		if (find_trick(a, TRICK_FULLSCREEN)) {
			xdg_toplevel_set_fullscreen(a->toplevel, NULL);
		}
		if (find_trick(a, TRICK_FRAMES)) {
			request_frame(a);
		}
		if ((t = find_trick(a, TRICK_DIALOG))) {
			open_second_window(a, "dialog", t->a, t->b, t->c != 0, true);
		}
		if (find_trick(a, TRICK_HELPER)) {
			open_second_window(a, "helper", 1, 1, false, false);
		}
		if (find_trick(a, TRICK_LOCK_POINTER) || find_trick(a, TRICK_CONFINE_POINTER) ||
				find_trick(a, TRICK_CONFINE_BOX)) {
			constrain_pointer(a);
			wl_surface_commit(a->surface);
		}
		if (find_trick(a, TRICK_POPUP_GRAB_UNFOCUSED)) {
			open_popup(a, 10, 10, 120, 80, 0, true, FORGED_SERIAL);
		}
		for (size_t i = 0; i < a->trick_count; i++) {
			const struct trick *t = &a->tricks[i];
			if (t->kind == TRICK_POPUP) {
				open_popup(a, t->a, t->b, t->c, t->d, (uint32_t)t->e, false, 0);
			}
		}
		return;
	}
	if (!find_trick(a, TRICK_BUFFER)) {
		draw_window(a);
	}
	wl_surface_commit(a->surface);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static uint32_t
at_most(uint32_t offered, uint32_t wanted)
{
	return offered < wanted ? offered : wanted;
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
		uint32_t version)
{
	struct actor *a = data;
	if (strcmp(interface, "wl_compositor") == 0) {
		a->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
				at_most(version, 4));
	} else if (strcmp(interface, "wl_subcompositor") == 0) {
		a->subcompositor = wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
	} else if (strcmp(interface, "wl_shm") == 0) {
		a->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, "wl_seat") == 0) {
		a->seat = wl_registry_bind(registry, name, &wl_seat_interface, at_most(version, 5));
		wl_seat_add_listener(a->seat, &seat_listener, a);
	} else if (strcmp(interface, "wl_data_device_manager") == 0) {
		a->data_manager = wl_registry_bind(registry, name,
				&wl_data_device_manager_interface, at_most(version, 3));
	} else if (strcmp(interface, "xdg_wm_base") == 0) {
		a->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface,
				at_most(version, 3));
		xdg_wm_base_add_listener(a->wm_base, &wm_base_listener, a);
	} else if (strcmp(interface, "wp_viewporter") == 0) {
		a->viewporter = wl_registry_bind(registry, name, &wp_viewporter_interface, 1);
	} else if (strcmp(interface, "zwp_pointer_constraints_v1") == 0) {
		a->pointer_constraints = wl_registry_bind(registry, name,
				&zwp_pointer_constraints_v1_interface, 1);
	} else if (strcmp(interface, "zwp_relative_pointer_manager_v1") == 0) {
		a->relative_manager = wl_registry_bind(registry, name,
				&zwp_relative_pointer_manager_v1_interface, 1);
	} else if (strcmp(interface, "zwp_text_input_manager_v3") == 0) {
		a->text_input_manager = wl_registry_bind(registry, name,
				&zwp_text_input_manager_v3_interface, 1);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* ---- main ----------------------------------------------------------------- */

static bool
parse_trick(const char *text, struct trick *t)
{
	static const struct {
		const char *name;
		enum trick_kind kind;
		int args;
	} names[] = {
		{ "popup-grab-on-press", TRICK_POPUP_GRAB_ON_PRESS, 0 },
		{ "popup-grab-forged", TRICK_POPUP_GRAB_FORGED, 0 },
		{ "popup-grab-unfocused", TRICK_POPUP_GRAB_UNFOCUSED, 0 },
		{ "drag-on-press", TRICK_DRAG_ON_PRESS, 0 },
		{ "popup", TRICK_POPUP, 5 },
		{ "subsurface", TRICK_SUBSURFACE, 4 },
		{ "buffer", TRICK_BUFFER, 2 },
		{ "geometry", TRICK_GEOMETRY, 4 },
		{ "viewport", TRICK_VIEWPORT, 2 },
		{ "scale", TRICK_SCALE, 1 },
		{ "popup-geometry", TRICK_POPUP_GEOMETRY, 2 },
		{ "grab-on-hover", TRICK_GRAB_ON_HOVER, 0 },
		{ "drag-on-reenter", TRICK_DRAG_ON_REENTER, 0 },
		{ "drag-sourceless", TRICK_DRAG_SOURCELESS, 0 },
		{ "popup-during-drag", TRICK_POPUP_DURING_DRAG, 0 },
		{ "maximize", TRICK_MAXIMIZE, 0 },
		{ "fullscreen", TRICK_FULLSCREEN, 0 },
		{ "transparent", TRICK_TRANSPARENT, 0 },
		{ "claim-opaque", TRICK_CLAIM_OPAQUE, 0 },
		{ "noinput", TRICK_NOINPUT, 0 },
		{ "frames", TRICK_FRAMES, 0 },
		{ "popup-on-leave", TRICK_POPUP_ON_LEAVE, 4 },
		{ "min-size", TRICK_MIN_SIZE, 2 },
		{ "max-size", TRICK_MAX_SIZE, 2 },
		{ "dialog", TRICK_DIALOG, 3 },
		{ "helper", TRICK_HELPER, 0 },
		{ "lock-pointer", TRICK_LOCK_POINTER, 0 },
		{ "confine-pointer", TRICK_CONFINE_POINTER, 0 },
		{ "confine-box", TRICK_CONFINE_BOX, 4 },
		{ "relative-pointer", TRICK_RELATIVE_POINTER, 0 },
		{ "text-input", TRICK_TEXT_INPUT, 0 },
		{ "text-input-eager", TRICK_TEXT_INPUT_EAGER, 0 },
	};
	const char *colon = strchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) != len || strncmp(names[i].name, text, len) != 0) {
			continue;
		}
		*t = (struct trick){ .kind = names[i].kind };
		if (names[i].args == 0) {
			return colon == NULL;
		}
		if (!colon) {
			return false;
		}
		int *v[] = { &t->a, &t->b, &t->c, &t->d, &t->e };
		const char *p = colon + 1;
		for (int k = 0; k < names[i].args; k++) {
			char *end;
			long n = strtol(p, &end, 10);
			if (end == p || (k + 1 < names[i].args ? *end != ',' : *end != '\0')) {
				return false;
			}
			*v[k] = (int)n;
			p = end + 1;
		}
		return true;
	}
	return false;
}

static int
usage(void)
{
	fprintf(stderr,
			"usage: itest-actor --log FILE --colour AARRGGBB "
			"[--popup-colour AARRGGBB] [--size WxH] [--app-id ID] [--trick TRICK]...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct actor a = { .log_fd = -1, .width = 400, .height = 300, .app_id = "itest-actor" };
	bool have_colour = false;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc) {
			return usage();
		}
		const char *opt = argv[i], *val = argv[++i];
		if (strcmp(opt, "--log") == 0) {
			a.log_fd = open(val, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		} else if (strcmp(opt, "--colour") == 0) {
			a.colour = (uint32_t)strtoul(val, NULL, 16);
			have_colour = true;
		} else if (strcmp(opt, "--popup-colour") == 0) {
			a.popup_colour = (uint32_t)strtoul(val, NULL, 16);
		} else if (strcmp(opt, "--size") == 0) {
			if (sscanf(val, "%dx%d", &a.width, &a.height) != 2 || a.width <= 0 ||
					a.height <= 0) {
				return usage();
			}
		} else if (strcmp(opt, "--app-id") == 0) {
			a.app_id = val;
		} else if (strcmp(opt, "--trick") == 0) {
			if (a.trick_count == MAX_TRICKS ||
					!parse_trick(val, &a.tricks[a.trick_count])) {
				fprintf(stderr, "itest-actor: bad trick \"%s\"\n", val);
				return usage();
			}
			a.trick_count++;
		} else {
			return usage();
		}
	}
	if (a.log_fd < 0 || !have_colour) {
		return usage();
	}
	if (!a.popup_colour) {
		a.popup_colour = a.colour;
	}
	sigset_t usr;
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigaddset(&usr, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr, NULL);
	int sigfd = signalfd(-1, &usr, SFD_CLOEXEC);

	a.display = wl_display_connect(NULL);
	if (!a.display || sigfd < 0) {
		fprintf(stderr, "itest-actor: cannot connect to the compositor\n");
		return 1;
	}
	a.registry = wl_display_get_registry(a.display);
	wl_registry_add_listener(a.registry, &registry_listener, &a);
	wl_display_roundtrip(a.display);
	if (!a.compositor || !a.shm || !a.wm_base || !a.seat) {
		fprintf(stderr, "itest-actor: a global is missing\n");
		return 1;
	}
	if (a.data_manager) {
		a.data_device = wl_data_device_manager_get_data_device(a.data_manager, a.seat);
		wl_data_device_add_listener(a.data_device, &device_listener, &a);
	}
	if (find_trick(&a, TRICK_TEXT_INPUT) || find_trick(&a, TRICK_TEXT_INPUT_EAGER)) {
		if (!a.text_input_manager) {
			fprintf(stderr, "itest-actor: no zwp_text_input_manager_v3\n");
			return 1;
		}
		a.text_input = zwp_text_input_manager_v3_get_text_input(a.text_input_manager,
				a.seat);
		zwp_text_input_v3_add_listener(a.text_input, &text_input_listener, &a);
		if (find_trick(&a, TRICK_TEXT_INPUT_EAGER)) {
			/* Enabled without ever being told of focus: what an
			 * attacker in an unfocused window would try. */
			text_input_enable(&a);
			say(&a, "text enabled");
		}
	}
	a.surface = wl_compositor_create_surface(a.compositor);
	a.xdg_surface = xdg_wm_base_get_xdg_surface(a.wm_base, a.surface);
	xdg_surface_add_listener(a.xdg_surface, &xdg_surface_listener, &a);
	a.toplevel = xdg_surface_get_toplevel(a.xdg_surface);
	xdg_toplevel_add_listener(a.toplevel, &toplevel_listener, &a);
	xdg_toplevel_set_app_id(a.toplevel, a.app_id);
	xdg_toplevel_set_title(a.toplevel, a.app_id);
	const struct trick *t;
	if ((t = find_trick(&a, TRICK_MIN_SIZE))) {
		xdg_toplevel_set_min_size(a.toplevel, t->a, t->b);
	}
	if ((t = find_trick(&a, TRICK_MAX_SIZE))) {
		xdg_toplevel_set_max_size(a.toplevel, t->a, t->b);
	}
	wl_surface_commit(a.surface);

	struct pollfd fds[2] = {
		{ .fd = wl_display_get_fd(a.display), .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	for (;;) {
		while (wl_display_prepare_read(a.display) != 0) {
			wl_display_dispatch_pending(a.display);
		}
		if (wl_display_flush(a.display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(a.display);
			break;
		}
		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			wl_display_cancel_read(a.display);
			break;
		}
		if (fds[0].revents & POLLIN) {
			if (wl_display_read_events(a.display) < 0) {
				break;
			}
		} else {
			wl_display_cancel_read(a.display);
		}
		if (wl_display_dispatch_pending(a.display) < 0) {
			break;
		}
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo info;
			if (read(sigfd, &info, sizeof(info)) == sizeof(info) &&
					info.ssi_signo == SIGUSR2) {
				/* What a new wl_keyboard's enter tells (held keys,
				 * modifiers) goes to the log like any other. */
				struct wl_keyboard *more = wl_seat_get_keyboard(a.seat);
				wl_keyboard_add_listener(more, &keyboard_listener, &a);
				if (wl_display_roundtrip(a.display) < 0) {
					break;
				}
				say(&a, "keyboard barrier %u", ++a.keyboard_barriers);
			} else {
				/* Everything sent before our sync is dispatched (and logged)
				 * before its done event. */
				if (wl_display_roundtrip(a.display) < 0) {
					break;
				}
				say(&a, "barrier %u", ++a.barriers);
			}
		}
	}
	say(&a, "disconnected error %d", wl_display_get_error(a.display));
	return 1;
}
