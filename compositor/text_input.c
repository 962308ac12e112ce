// SPDX-License-Identifier: MIT
/*
 * The relay between level clients' text inputs and the core's input method
 * (text_input.h). One rule decides everything the input method hears: the
 * text input it serves is the enabled one on the surface with keyboard
 * focus, or none (sync_input_method); it is applied again whenever a text
 * input, the keyboard focus or the input method changes.
 */
#include <stdlib.h>
#include <wlr/types/wlr_input_method_v2.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_text_input_v3.h>
#include <wlr/util/log.h>
#include "policy.h"
#include "seat.h"
#include "text_input.h"

struct strata_text_input_relay {
	struct strata_server *server;
	struct wlr_seat *wlr_seat;
	struct wlr_text_input_manager_v3 *text_input_manager;
	struct wlr_input_method_manager_v2 *input_method_manager;
	struct wlr_input_method_v2 *input_method; /* may be NULL: none runs by default */
	/* The text input the input method was activated for; may be NULL. */
	struct relay_text_input *served;
	struct wl_list text_inputs; /* relay_text_input.link */
	/* done events sent to the input method: a commit whose serial is not
	 * this was made for an older state (another field, maybe another
	 * level's) and changes nothing (input-method-v2). */
	uint32_t dones;

	struct wl_listener new_text_input;
	struct wl_listener new_input_method;
	struct wl_listener keyboard_focus_change;
	struct wl_listener input_method_commit;
	struct wl_listener input_method_grab_keyboard;
	struct wl_listener input_method_destroy;
};

struct relay_text_input {
	struct strata_text_input_relay *relay;
	struct wlr_text_input_v3 *input;
	struct wl_listener enable;
	struct wl_listener commit;
	struct wl_listener disable;
	struct wl_listener destroy;
	struct wl_list link; /* strata_text_input_relay.text_inputs */
};

/* The text input the input method may serve now (NULL: none). */
static struct relay_text_input *
focused_text_input(struct strata_text_input_relay *relay)
{
	struct wlr_surface *focus = relay->wlr_seat->keyboard_state.focused_surface;
	struct relay_text_input *text_input;
	wl_list_for_each(text_input, &relay->text_inputs, link) {
		struct gate_text_input in = {
			.enabled = text_input->input->current_enabled,
			.on_keyboard_focus = focus && text_input->input->focused_surface == focus,
		};
		if (gate_allows_text_input(&in)) {
			return text_input;
		}
	}
	return NULL;
}

static void
send_done(struct strata_text_input_relay *relay)
{
	relay->dones++;
	wlr_input_method_v2_send_done(relay->input_method);
}

/* What the client said of its text field, to the input method. */
static void
send_state(struct strata_text_input_relay *relay, struct relay_text_input *text_input)
{
	struct wlr_input_method_v2 *input_method = relay->input_method;
	struct wlr_text_input_v3 *input = text_input->input;
	if (input->active_features & WLR_TEXT_INPUT_V3_FEATURE_SURROUNDING_TEXT) {
		wlr_input_method_v2_send_surrounding_text(input_method,
				input->current.surrounding.text ? input->current.surrounding.text :
								  "",
				input->current.surrounding.cursor,
				input->current.surrounding.anchor);
	}
	wlr_input_method_v2_send_text_change_cause(input_method, input->current.text_change_cause);
	if (input->active_features & WLR_TEXT_INPUT_V3_FEATURE_CONTENT_TYPE) {
		wlr_input_method_v2_send_content_type(input_method,
				input->current.content_type.hint,
				input->current.content_type.purpose);
	}
	send_done(relay);
}

/* The input method serves the focused text input, and no other. */
static void
sync_input_method(struct strata_text_input_relay *relay)
{
	struct relay_text_input *focused = focused_text_input(relay);
	if (!relay->input_method) {
		relay->served = NULL;
		return;
	}
	if (focused == relay->served) {
		return;
	}
	if (relay->served) {
		relay->served = NULL;
		wlr_input_method_v2_send_deactivate(relay->input_method);
		send_done(relay);
	}
	if (focused) {
		relay->served = focused;
		wlr_input_method_v2_send_activate(relay->input_method);
		send_state(relay, focused);
	}
}

/* ---- text inputs ------------------------------------------------------ */

static void
text_input_handle_enable(struct wl_listener *listener, void *data)
{
	struct relay_text_input *text_input = wl_container_of(listener, text_input, enable);
	sync_input_method(text_input->relay);
}

static void
text_input_handle_commit(struct wl_listener *listener, void *data)
{
	struct relay_text_input *text_input = wl_container_of(listener, text_input, commit);
	struct strata_text_input_relay *relay = text_input->relay;
	if (relay->input_method && relay->served == text_input &&
			focused_text_input(relay) == text_input) {
		send_state(relay, text_input);
		return;
	}
	sync_input_method(relay);
}

static void
text_input_handle_disable(struct wl_listener *listener, void *data)
{
	struct relay_text_input *text_input = wl_container_of(listener, text_input, disable);
	sync_input_method(text_input->relay);
}

static void
text_input_handle_destroy(struct wl_listener *listener, void *data)
{
	struct relay_text_input *text_input = wl_container_of(listener, text_input, destroy);
	struct strata_text_input_relay *relay = text_input->relay;
	wl_list_remove(&text_input->enable.link);
	wl_list_remove(&text_input->commit.link);
	wl_list_remove(&text_input->disable.link);
	wl_list_remove(&text_input->destroy.link);
	wl_list_remove(&text_input->link);
	if (relay->served == text_input) {
		relay->served = NULL;
		if (relay->input_method) {
			wlr_input_method_v2_send_deactivate(relay->input_method);
			send_done(relay);
		}
	}
	free(text_input);
	sync_input_method(relay);
}

static bool
same_client(struct wlr_text_input_v3 *input, struct wlr_surface *surface)
{
	return wl_resource_get_client(input->resource) == wl_resource_get_client(surface->resource);
}

static void
handle_new_text_input(struct wl_listener *listener, void *data)
{
	struct strata_text_input_relay *relay = wl_container_of(listener, relay, new_text_input);
	struct wlr_text_input_v3 *input = data;
	if (input->seat != relay->wlr_seat) {
		return;
	}
	struct relay_text_input *text_input = calloc(1, sizeof(*text_input));
	if (!text_input) {
		wl_client_post_no_memory(wl_resource_get_client(input->resource));
		return;
	}
	text_input->relay = relay;
	text_input->input = input;
	text_input->enable.notify = text_input_handle_enable;
	wl_signal_add(&input->events.enable, &text_input->enable);
	text_input->commit.notify = text_input_handle_commit;
	wl_signal_add(&input->events.commit, &text_input->commit);
	text_input->disable.notify = text_input_handle_disable;
	wl_signal_add(&input->events.disable, &text_input->disable);
	text_input->destroy.notify = text_input_handle_destroy;
	wl_signal_add(&input->events.destroy, &text_input->destroy);
	wl_list_insert(&relay->text_inputs, &text_input->link);
	/* Its client may have keyboard focus already. */
	struct wlr_surface *focus = relay->wlr_seat->keyboard_state.focused_surface;
	if (focus && same_client(input, focus)) {
		wlr_text_input_v3_send_enter(input, focus);
	}
}

/*
 * Keyboard focus moved (wlr_seat emits this when focus is cleared, then
 * again when the new surface enters): text inputs off the new focus get
 * leave, and the input method is deactivated, before the new focus's text
 * inputs get enter.
 */
static void
handle_keyboard_focus_change(struct wl_listener *listener, void *data)
{
	struct strata_text_input_relay *relay =
			wl_container_of(listener, relay, keyboard_focus_change);
	struct wlr_seat_keyboard_focus_change_event *event = data;
	struct relay_text_input *text_input;
	wl_list_for_each(text_input, &relay->text_inputs, link) {
		struct wlr_text_input_v3 *input = text_input->input;
		if (input->focused_surface && input->focused_surface != event->new_surface) {
			wlr_text_input_v3_send_leave(input);
		}
	}
	sync_input_method(relay);
	if (!event->new_surface) {
		return;
	}
	wl_list_for_each(text_input, &relay->text_inputs, link) {
		struct wlr_text_input_v3 *input = text_input->input;
		if (!input->focused_surface && same_client(input, event->new_surface)) {
			wlr_text_input_v3_send_enter(input, event->new_surface);
		}
	}
	sync_input_method(relay);
}

/* ---- the input method ------------------------------------------------- */

/* What the input method committed, to the text input. */
static void
send_commit(struct wlr_text_input_v3 *input, const struct wlr_input_method_v2_state *state)
{
	if (state->preedit.text) {
		wlr_text_input_v3_send_preedit_string(input, state->preedit.text,
				state->preedit.cursor_begin, state->preedit.cursor_end);
	}
	if (state->commit_text) {
		wlr_text_input_v3_send_commit_string(input, state->commit_text);
	}
	if (state->delete.before_length || state->delete.after_length) {
		wlr_text_input_v3_send_delete_surrounding_text(input, state->delete.before_length,
				state->delete.after_length);
	}
	wlr_text_input_v3_send_done(input);
}

static void
input_method_handle_commit(struct wl_listener *listener, void *data)
{
	struct strata_text_input_relay *relay =
			wl_container_of(listener, relay, input_method_commit);
	struct wlr_input_method_v2 *input_method = data;
	/* Checked again now: focus may have moved since the input method
	 * was told. */
	struct relay_text_input *focused = focused_text_input(relay);
	if (input_method->current_serial != relay->dones) {
		/* Made before the last done: for a field it may no longer serve
		 * (the user clicked another level's window since). */
		wlr_log(WLR_DEBUG, "input method commit dropped: serial %u, %u done events sent",
				input_method->current_serial, relay->dones);
	} else if (focused && focused == relay->served) {
		send_commit(focused->input, &input_method->current);
	} else {
		wlr_log(WLR_DEBUG, "input method commit dropped: no focused text input");
	}
	/* wlroots 0.15.1 overwrites this state at the next commit without
	 * freeing its strings (im_commit): freed here, once used, or every
	 * commit would leak the text of the one before. */
	free(input_method->current.commit_text);
	input_method->current.commit_text = NULL;
	free(input_method->current.preedit.text);
	input_method->current.preedit.text = NULL;
}

/*
 * The keyboard grab would hand the input method every key of the focused
 * window before the window, and expects the keys it does not use to come
 * back through a virtual keyboard: a second route for keys beside the input
 * gate. Refused: the grab is made inert at once, and keys keep going
 * through the gate only.
 */
static void
input_method_handle_grab_keyboard(struct wl_listener *listener, void *data)
{
	struct wlr_input_method_keyboard_grab_v2 *grab = data;
	wlr_log(WLR_INFO, "input method keyboard grab refused");
	wlr_input_method_keyboard_grab_v2_destroy(grab);
}

static void
input_method_handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_text_input_relay *relay =
			wl_container_of(listener, relay, input_method_destroy);
	wl_list_remove(&relay->input_method_commit.link);
	wl_list_remove(&relay->input_method_grab_keyboard.link);
	wl_list_remove(&relay->input_method_destroy.link);
	relay->input_method = NULL;
	relay->served = NULL;
}

static void
handle_new_input_method(struct wl_listener *listener, void *data)
{
	struct strata_text_input_relay *relay = wl_container_of(listener, relay, new_input_method);
	struct wlr_input_method_v2 *input_method = data;
	struct wl_client *client = wl_resource_get_client(input_method->resource);
	/* The global filter shows the manager to core clients only; checked
	 * again here. One input method at a time. */
	if (levels_client_level(relay->server, client) != STRATA_LEVEL_CORE ||
			relay->input_method || input_method->seat != relay->wlr_seat) {
		wlr_log(WLR_INFO, "input method refused: not a core client, or one runs");
		wlr_input_method_v2_send_unavailable(input_method);
		return;
	}
	relay->input_method = input_method;
	relay->dones = 0;
	relay->input_method_commit.notify = input_method_handle_commit;
	wl_signal_add(&input_method->events.commit, &relay->input_method_commit);
	relay->input_method_grab_keyboard.notify = input_method_handle_grab_keyboard;
	wl_signal_add(&input_method->events.grab_keyboard, &relay->input_method_grab_keyboard);
	relay->input_method_destroy.notify = input_method_handle_destroy;
	wl_signal_add(&input_method->events.destroy, &relay->input_method_destroy);
	/* Its popup surfaces (new_popup_surface) are never put in the scene:
	 * never drawn, never given input. */
	sync_input_method(relay);
}

struct strata_text_input_relay *
text_input_relay_create(struct strata_server *server)
{
	struct strata_text_input_relay *relay = calloc(1, sizeof(*relay));
	if (!relay) {
		return NULL;
	}
	relay->server = server;
	relay->wlr_seat = server->seat->wlr_seat;
	wl_list_init(&relay->text_inputs);
	relay->text_input_manager = wlr_text_input_manager_v3_create(server->display);
	relay->input_method_manager = wlr_input_method_manager_v2_create(server->display);
	if (!relay->text_input_manager || !relay->input_method_manager) {
		free(relay);
		return NULL;
	}
	relay->new_text_input.notify = handle_new_text_input;
	wl_signal_add(&relay->text_input_manager->events.text_input, &relay->new_text_input);
	relay->new_input_method.notify = handle_new_input_method;
	wl_signal_add(&relay->input_method_manager->events.input_method, &relay->new_input_method);
	relay->keyboard_focus_change.notify = handle_keyboard_focus_change;
	wl_signal_add(&relay->wlr_seat->keyboard_state.events.focus_change,
			&relay->keyboard_focus_change);
	return relay;
}

void
text_input_relay_destroy(struct strata_text_input_relay *relay)
{
	if (!relay) {
		return;
	}
	/* After the clients: their text inputs and input method are gone. */
	struct relay_text_input *text_input, *tmp;
	wl_list_for_each_safe(text_input, tmp, &relay->text_inputs, link) {
		wl_list_remove(&text_input->enable.link);
		wl_list_remove(&text_input->commit.link);
		wl_list_remove(&text_input->disable.link);
		wl_list_remove(&text_input->destroy.link);
		wl_list_remove(&text_input->link);
		free(text_input);
	}
	if (relay->input_method) {
		wl_list_remove(&relay->input_method_commit.link);
		wl_list_remove(&relay->input_method_grab_keyboard.link);
		wl_list_remove(&relay->input_method_destroy.link);
	}
	wl_list_remove(&relay->new_text_input.link);
	wl_list_remove(&relay->new_input_method.link);
	wl_list_remove(&relay->keyboard_focus_change.link);
	free(relay);
}
