// SPDX-License-Identifier: MIT
/*
 * Input: keyboards, the pointer, and the reserved modifier. Every key pressed
 * while the reserved modifier (Logo by default) is held belongs to the
 * compositor and never reaches a client, and clients never see the modifier
 * itself. Keyboard input goes only to the focused surface; focus changes only
 * by a click or a reserved shortcut.
 */
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <time.h>
#include <wlr/backend/headless.h>
#include <wlr/interfaces/wlr_keyboard.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/util/log.h>
#include "audio.h"
#include "input.h"
#include "clipboard.h"
#include "output.h"
#include "session.h"
#include "transfer.h"
#include "view.h"

static uint32_t
now_msec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static uint32_t
reserved_mask(struct strata_server *server)
{
	return server->config.modifier == STRATA_MODIFIER_ALT ? WLR_MODIFIER_ALT :
								WLR_MODIFIER_LOGO;
}

static bool
is_reserved_keysym(struct strata_server *server, xkb_keysym_t sym)
{
	if (server->config.modifier == STRATA_MODIFIER_ALT) {
		return sym == XKB_KEY_Alt_L || sym == XKB_KEY_Alt_R;
	}
	return sym == XKB_KEY_Super_L || sym == XKB_KEY_Super_R;
}

static void
send_filtered_modifiers(struct strata_server *server, struct wlr_keyboard *keyboard)
{
	struct wlr_keyboard_modifiers mods = keyboard->modifiers;
	uint32_t mask = reserved_mask(server);
	mods.depressed &= ~mask;
	mods.latched &= ~mask;
	mods.locked &= ~mask;
	wlr_seat_keyboard_notify_modifiers(server->seat, &mods);
}

static void
focus_cycle(struct strata_server *server)
{
	/* The window at the bottom of the stack comes up: repeated presses walk
	 * through every window. */
	struct strata_view *view, *last = NULL;
	wl_list_for_each(view, &server->views, link) {
		if (view->mapped && view != server->focused_view) {
			last = view;
		}
	}
	if (last) {
		view_focus(last);
	}
}

/* A reserved shortcut: Logo (or the configured modifier) + sym. */
static void
handle_binding(struct strata_server *server, xkb_keysym_t sym)
{
	struct strata_view *focused = server->focused_view;
	switch (sym) {
	case XKB_KEY_Tab:
	case XKB_KEY_ISO_Left_Tab:
		focus_cycle(server);
		break;
	case XKB_KEY_q:
	case XKB_KEY_Q:
		if (focused) {
			view_close(focused);
		}
		break;
	case XKB_KEY_v:
	case XKB_KEY_V:
		/* Cross-level paste into the focused window's level. */
		transfer_begin(server);
		break;
	case XKB_KEY_m:
	case XKB_KEY_M:
		/* The microphone: to the focused level, or back from it. */
		audio_toggle_mic(server);
		break;
	case XKB_KEY_Return:
		/* A terminal in the level of the focused window, never elsewhere. */
		if (focused && focused->level >= 0 && server->session) {
			const char *argv[] = { server->config.terminal, NULL };
			char err[256];
			if (session_launch(server->session, focused->level, argv, true, err,
					    sizeof(err)) < 0) {
				wlr_log(WLR_ERROR, "Logo+Return: %s", err);
			}
		}
		break;
	case XKB_KEY_f:
	case XKB_KEY_F:
		if (focused) {
			view_set_fullscreen(focused, !focused->fullscreen);
		}
		break;
	default:
		break;
	}
}

static bool
forwarded_take(struct strata_keyboard *keyboard, uint32_t keycode)
{
	for (size_t i = 0; i < keyboard->forwarded_count; i++) {
		if (keyboard->forwarded[i] == keycode) {
			keyboard->forwarded[i] = keyboard->forwarded[--keyboard->forwarded_count];
			return true;
		}
	}
	return false;
}

static void
keyboard_handle_key(struct wl_listener *listener, void *data)
{
	struct strata_keyboard *keyboard = wl_container_of(listener, keyboard, key);
	struct strata_server *server = keyboard->server;
	struct wlr_event_keyboard_key *event = data;
	struct wlr_keyboard *wlr_keyboard = keyboard->device->keyboard;

	uint32_t xkb_keycode = event->keycode + 8;
	const xkb_keysym_t *syms;
	int nsyms = xkb_state_key_get_syms(wlr_keyboard->xkb_state, xkb_keycode, &syms);
	bool reserved_held = wlr_keyboard_get_modifiers(wlr_keyboard) & reserved_mask(server);
	bool is_reserved_key = false;
	for (int i = 0; i < nsyms; i++) {
		is_reserved_key |= is_reserved_keysym(server, syms[i]);
	}

	if (event->state == WL_KEYBOARD_KEY_STATE_RELEASED) {
		/* A release goes out only for a press that went out. */
		if (forwarded_take(keyboard, event->keycode)) {
			wlr_seat_set_keyboard(server->seat, keyboard->device);
			wlr_seat_keyboard_notify_key(server->seat, event->time_msec, event->keycode,
					event->state);
		}
		return;
	}

	if (transfer_state(server) != TRANSFER_IDLE) {
		/* The dialog has the keyboard: no client hears a key. */
		for (int i = 0; i < nsyms; i++) {
			transfer_handle_key(server, syms[i]);
		}
		return;
	}
	if (is_reserved_key) {
		return;
	}
	if (reserved_held) {
		for (int i = 0; i < nsyms; i++) {
			handle_binding(server, syms[i]);
		}
		return;
	}
	if (!server->seat->keyboard_state.focused_surface) {
		return;
	}
	if (keyboard->forwarded_count <
			sizeof(keyboard->forwarded) / sizeof(keyboard->forwarded[0])) {
		keyboard->forwarded[keyboard->forwarded_count++] = event->keycode;
	} else {
		return; /* more than 32 keys held: drop, never leave one stuck */
	}
	wlr_seat_set_keyboard(server->seat, keyboard->device);
	wlr_seat_keyboard_notify_key(server->seat, event->time_msec, event->keycode, event->state);
}

static void
keyboard_handle_modifiers(struct wl_listener *listener, void *data)
{
	struct strata_keyboard *keyboard = wl_container_of(listener, keyboard, modifiers);
	wlr_seat_set_keyboard(keyboard->server->seat, keyboard->device);
	send_filtered_modifiers(keyboard->server, keyboard->device->keyboard);
}

static void
keyboard_handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_keyboard *keyboard = wl_container_of(listener, keyboard, destroy);
	struct strata_server *server = keyboard->server;
	if (server->virtual_keyboard == keyboard->device) {
		server->virtual_keyboard = NULL;
	}
	wl_list_remove(&keyboard->modifiers.link);
	wl_list_remove(&keyboard->key.link);
	wl_list_remove(&keyboard->destroy.link);
	wl_list_remove(&keyboard->link);
	free(keyboard);
}

static void
add_keyboard(struct strata_server *server, struct wlr_input_device *device)
{
	struct strata_keyboard *keyboard = calloc(1, sizeof(*keyboard));
	if (!keyboard) {
		return;
	}
	keyboard->server = server;
	keyboard->device = device;

	struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	struct xkb_keymap *keymap = context ?
			xkb_keymap_new_from_names(context, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS) :
			NULL;
	if (!keymap) {
		wlr_log(WLR_ERROR, "cannot compile a keymap for %s", device->name);
		xkb_context_unref(context);
		free(keyboard);
		return;
	}
	wlr_keyboard_set_keymap(device->keyboard, keymap);
	xkb_keymap_unref(keymap);
	xkb_context_unref(context);
	wlr_keyboard_set_repeat_info(device->keyboard, 25, 600);

	keyboard->modifiers.notify = keyboard_handle_modifiers;
	wl_signal_add(&device->keyboard->events.modifiers, &keyboard->modifiers);
	keyboard->key.notify = keyboard_handle_key;
	wl_signal_add(&device->keyboard->events.key, &keyboard->key);
	keyboard->destroy.notify = keyboard_handle_destroy;
	wl_signal_add(&device->events.destroy, &keyboard->destroy);
	wl_list_insert(&server->keyboards, &keyboard->link);
	wlr_seat_set_keyboard(server->seat, device);
}

static void
handle_new_input(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, new_input);
	struct wlr_input_device *device = data;
	switch (device->type) {
	case WLR_INPUT_DEVICE_KEYBOARD:
		add_keyboard(server, device);
		break;
	case WLR_INPUT_DEVICE_POINTER:
		wlr_cursor_attach_input_device(server->cursor, device);
		break;
	default:
		break;
	}
	uint32_t caps = WL_SEAT_CAPABILITY_POINTER;
	if (!wl_list_empty(&server->keyboards)) {
		caps |= WL_SEAT_CAPABILITY_KEYBOARD;
	}
	wlr_seat_set_capabilities(server->seat, caps);
}

static void
process_motion(struct strata_server *server, uint32_t time)
{
	struct wlr_cursor *cursor = server->cursor;
	if (server->cursor_mode == STRATA_CURSOR_MOVE && server->grabbed_view) {
		struct strata_view *view = server->grabbed_view;
		view_configure(view, (int)(cursor->x - server->grab_x),
				(int)(cursor->y - server->grab_y), 0, 0);
		layout_arrange(server); /* keeps it under the banner */
		return;
	}
	if (server->cursor_mode == STRATA_CURSOR_RESIZE && server->grabbed_view) {
		struct strata_view *view = server->grabbed_view;
		int width = server->grab_box.width + (int)(cursor->x - server->grab_x);
		int height = server->grab_box.height + (int)(cursor->y - server->grab_y);
		view_configure(view, view->x, view->y, width < 32 ? 32 : width,
				height < 32 ? 32 : height);
		return;
	}

	double sx, sy;
	struct wlr_surface *surface = NULL;
	struct strata_view *view = view_at(server, cursor->x, cursor->y, &surface, &sx, &sy);
	if (!surface && server->cursor_manager) {
		wlr_xcursor_manager_set_cursor_image(server->cursor_manager, "left_ptr", cursor);
	}
	if (surface && view && !clipboard_drag_allowed(server, view->level)) {
		/* A drag never enters another level's surfaces. */
		wlr_seat_pointer_clear_focus(server->seat);
	} else if (surface) {
		wlr_seat_pointer_notify_enter(server->seat, surface, sx, sy);
		wlr_seat_pointer_notify_motion(server->seat, time, sx, sy);
	} else {
		/* Over the banner, a frame or the background: no client hears it. */
		wlr_seat_pointer_clear_focus(server->seat);
	}
}

static void
handle_cursor_motion(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, cursor_motion);
	struct wlr_event_pointer_motion *event = data;
	wlr_cursor_move(server->cursor, event->device, event->delta_x, event->delta_y);
	process_motion(server, event->time_msec);
}

static void
handle_cursor_motion_absolute(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, cursor_motion_absolute);
	struct wlr_event_pointer_motion_absolute *event = data;
	wlr_cursor_warp_absolute(server->cursor, event->device, event->x, event->y);
	process_motion(server, event->time_msec);
}

static void
begin_grab(struct strata_server *server, struct strata_view *view, enum strata_cursor_mode mode)
{
	server->grabbed_view = view;
	server->cursor_mode = mode;
	view->floating = true;
	view->fullscreen = false;
	view->maximized = false;
	if (mode == STRATA_CURSOR_MOVE) {
		server->grab_x = server->cursor->x - view->x;
		server->grab_y = server->cursor->y - view->y;
	} else {
		server->grab_x = server->cursor->x;
		server->grab_y = server->cursor->y;
		server->grab_box = (struct wlr_box){ view->x, view->y, view->width, view->height };
	}
	wlr_seat_pointer_clear_focus(server->seat);
}

static void
handle_cursor_button(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, cursor_button);
	struct wlr_event_pointer_button *event = data;
	uint32_t bit = event->button >= BTN_LEFT && event->button < BTN_LEFT + 32 ?
			1u << (event->button - BTN_LEFT) :
			0;

	if (event->state == WLR_BUTTON_RELEASED) {
		if (server->cursor_mode != STRATA_CURSOR_PASSTHROUGH) {
			server->cursor_mode = STRATA_CURSOR_PASSTHROUGH;
			server->grabbed_view = NULL;
			process_motion(server, event->time_msec);
		}
		if (server->pointer_buttons_to_client & bit) {
			server->pointer_buttons_to_client &= ~bit;
			wlr_seat_pointer_notify_button(server->seat, event->time_msec,
					event->button, event->state);
		}
		return;
	}

	transfer_handle_click(server);
	double sx, sy;
	struct wlr_surface *surface = NULL;
	struct strata_view *view =
			view_at(server, server->cursor->x, server->cursor->y, &surface, &sx, &sy);
	struct wlr_keyboard *keyboard = wlr_seat_get_keyboard(server->seat);
	bool reserved_held =
			keyboard && (wlr_keyboard_get_modifiers(keyboard) & reserved_mask(server));
	if (reserved_held) {
		/* Reserved modifier + button: move (left) or resize (right). */
		if (view) {
			view_focus(view);
			if (event->button == BTN_LEFT) {
				begin_grab(server, view, STRATA_CURSOR_MOVE);
			} else if (event->button == BTN_RIGHT) {
				begin_grab(server, view, STRATA_CURSOR_RESIZE);
			}
		}
		return;
	}
	if (view) {
		/* A click is a user action: it may move focus to any level. */
		view_focus(view);
	}
	if (surface) {
		server->pointer_buttons_to_client |= bit;
		wlr_seat_pointer_notify_button(server->seat, event->time_msec, event->button,
				event->state);
	}
}

static void
handle_cursor_axis(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, cursor_axis);
	struct wlr_event_pointer_axis *event = data;
	wlr_seat_pointer_notify_axis(server->seat, event->time_msec, event->orientation,
			event->delta, event->delta_discrete, event->source);
}

static void
handle_cursor_frame(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, cursor_frame);
	wlr_seat_pointer_notify_frame(server->seat);
}

static void
handle_request_cursor(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, request_cursor);
	struct wlr_seat_pointer_request_set_cursor_event *event = data;
	/* Only the client under the pointer may set its image; and only where a
	 * cursor is drawn at all (not headless, where screenshots stay exact). */
	if (!server->cursor_manager ||
			server->seat->pointer_state.focused_client != event->seat_client) {
		return;
	}
	wlr_cursor_set_surface(server->cursor, event->surface, event->hotspot_x, event->hotspot_y);
}

static void
handle_request_set_selection(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, request_set_selection);
	clipboard_request_set_selection(server, data);
}

bool
input_init(struct strata_server *server)
{
	wl_list_init(&server->keyboards);
	server->seat = wlr_seat_create(server->display, "seat0");
	server->cursor = wlr_cursor_create();
	if (!server->seat || !server->cursor) {
		return false;
	}
	wlr_cursor_attach_output_layout(server->cursor, server->output_layout);
	if (!server->headless) {
		server->cursor_manager = wlr_xcursor_manager_create(NULL, 24);
		if (server->cursor_manager) {
			wlr_xcursor_manager_load(server->cursor_manager, 1);
		}
	}
	server->cursor_motion.notify = handle_cursor_motion;
	wl_signal_add(&server->cursor->events.motion, &server->cursor_motion);
	server->cursor_motion_absolute.notify = handle_cursor_motion_absolute;
	wl_signal_add(&server->cursor->events.motion_absolute, &server->cursor_motion_absolute);
	server->cursor_button.notify = handle_cursor_button;
	wl_signal_add(&server->cursor->events.button, &server->cursor_button);
	server->cursor_axis.notify = handle_cursor_axis;
	wl_signal_add(&server->cursor->events.axis, &server->cursor_axis);
	server->cursor_frame.notify = handle_cursor_frame;
	wl_signal_add(&server->cursor->events.frame, &server->cursor_frame);

	server->new_input.notify = handle_new_input;
	wl_signal_add(&server->backend->events.new_input, &server->new_input);
	server->request_cursor.notify = handle_request_cursor;
	wl_signal_add(&server->seat->events.request_set_cursor, &server->request_cursor);
	server->request_set_selection.notify = handle_request_set_selection;
	wl_signal_add(&server->seat->events.request_set_selection, &server->request_set_selection);

	if (server->input_backend) {
		server->virtual_keyboard = wlr_headless_add_input_device(server->input_backend,
				WLR_INPUT_DEVICE_KEYBOARD);
		server->virtual_pointer = wlr_headless_add_input_device(server->input_backend,
				WLR_INPUT_DEVICE_POINTER);
		if (!server->virtual_keyboard || !server->virtual_pointer) {
			wlr_log(WLR_ERROR, "cannot create the virtual keyboard and pointer");
			return false;
		}
	}
	return true;
}

void
input_finish(struct strata_server *server)
{
	wl_list_remove(&server->cursor_motion.link);
	wl_list_remove(&server->cursor_motion_absolute.link);
	wl_list_remove(&server->cursor_button.link);
	wl_list_remove(&server->cursor_axis.link);
	wl_list_remove(&server->cursor_frame.link);
	wl_list_remove(&server->new_input.link);
	wl_list_remove(&server->request_cursor.link);
	wl_list_remove(&server->request_set_selection.link);
	wlr_xcursor_manager_destroy(server->cursor_manager);
	wlr_cursor_destroy(server->cursor);
}

bool
input_inject_key(struct strata_server *server, uint32_t evdev_keycode, bool pressed)
{
	if (!server->virtual_keyboard) {
		return false;
	}
	struct wlr_event_keyboard_key event = {
		.time_msec = now_msec(),
		.keycode = evdev_keycode,
		.update_state = true,
		.state = pressed ? WL_KEYBOARD_KEY_STATE_PRESSED : WL_KEYBOARD_KEY_STATE_RELEASED,
	};
	wlr_keyboard_notify_key(server->virtual_keyboard->keyboard, &event);
	return true;
}

bool
input_inject_motion(struct strata_server *server, double lx, double ly)
{
	if (!server->virtual_pointer) {
		return false;
	}
	struct wlr_box *layout_box = wlr_output_layout_get_box(server->output_layout, NULL);
	if (!layout_box || layout_box->width <= 0 || layout_box->height <= 0) {
		return false;
	}
	struct wlr_box box = *layout_box;
	struct wlr_pointer *pointer = server->virtual_pointer->pointer;
	struct wlr_event_pointer_motion_absolute event = {
		.device = server->virtual_pointer,
		.time_msec = now_msec(),
		.x = (lx - box.x) / box.width,
		.y = (ly - box.y) / box.height,
	};
	wl_signal_emit(&pointer->events.motion_absolute, &event);
	wl_signal_emit(&pointer->events.frame, pointer);
	return true;
}

bool
input_inject_button(struct strata_server *server, uint32_t button, bool pressed)
{
	if (!server->virtual_pointer) {
		return false;
	}
	struct wlr_pointer *pointer = server->virtual_pointer->pointer;
	struct wlr_event_pointer_button event = {
		.device = server->virtual_pointer,
		.time_msec = now_msec(),
		.button = button,
		.state = pressed ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED,
	};
	wl_signal_emit(&pointer->events.button, &event);
	wl_signal_emit(&pointer->events.frame, pointer);
	return true;
}
