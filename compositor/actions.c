// SPDX-License-Identifier: MIT
#include <wlr/util/log.h>
#include "actions.h"
#include "audio.h"
#include "chooser.h"
#include "layout.h"
#include "lock.h"
#include "seat.h"
#include "session.h"
#include "transfer.h"
#include "view.h"

static void
open_terminal(struct strata_server *server, struct strata_view *focused)
{
	/* A terminal in the level of the focused window, never elsewhere;
	 * with none, the user says which level. */
	if (!server->session) {
		return;
	}
	if (!focused || focused->level < 0) {
		chooser_open(server->chooser);
		return;
	}
	const char *argv[] = { server->config.terminal, NULL };
	char err[256];
	if (session_launch(server->session, focused->level, argv, true, err, sizeof(err)) < 0) {
		wlr_log(WLR_ERROR, "Logo+Return: %s", err);
	}
}

static void
handle_binding(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, binding);
	enum binding_action action = *(enum binding_action *)data;
	struct strata_view *focused = seat_focused_view(server->seat);
	switch (action) {
	case BINDING_NONE:
		break;
	case BINDING_FOCUS_NEXT:
		seat_focus_next(server->seat);
		break;
	case BINDING_CLOSE:
		if (focused) {
			view_close(focused);
		}
		break;
	case BINDING_PASTE_ACROSS:
		transfer_begin(server->transfer);
		break;
	case BINDING_MICROPHONE:
		audio_toggle_mic(server);
		break;
	case BINDING_TERMINAL:
		open_terminal(server, focused);
		break;
	case BINDING_LOCK:
		lock_engage(server->lock, "the lock key");
		break;
	case BINDING_FULLSCREEN:
		if (focused) {
			/* The user's: the whole area under the banner. */
			view_set_fullscreen(focused, !focused->fullscreen, true);
			layout_arrange(server);
			seat_pointer_rebase(server->seat);
		}
		break;
	}
}

bool
actions_init(struct strata_server *server)
{
	server->chooser = chooser_create(server);
	if (!server->chooser) {
		return false;
	}
	server->binding.notify = handle_binding;
	wl_signal_add(&server->seat->events.binding, &server->binding);
	return true;
}

void
actions_finish(struct strata_server *server)
{
	if (server->binding.notify) {
		wl_list_remove(&server->binding.link);
		server->binding.notify = NULL;
	}
	chooser_destroy(server->chooser);
	server->chooser = NULL;
}
