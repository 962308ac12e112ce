// SPDX-License-Identifier: MIT
/*
 * xdg-activation: a window asks for focus with a token that another window
 * (or itself) obtained from a user's input.
 *
 * wlroots 0.15 makes a token valid only when the serial it names was sent
 * to its client and the surface it names had keyboard focus (otherwise the
 * client gets a token that activates nothing), and lets tokens expire after
 * 30 s. What it does not know is levels: a token is only worth focus
 * within the level that made it, and only while that level has focus
 * (policy.c, activation_decide): the user is typing into that level, and a
 * link clicked there may bring that level's browser up. A token from
 * another level, one made without input, or any request while another
 * level (or the lock, the X-ray, a dialog) has the keyboard gets the target
 * an urgent mark on its title bar and nothing else; keys keep going where
 * they went. The cage proxy rate-limits token requests.
 */
#include <stdlib.h>
#include <wlr/types/wlr_xdg_activation_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include "activation.h"
#include "seat.h"
#include "view.h"

struct strata_activation {
	struct strata_server *server;
	struct wlr_xdg_activation_v1 *wlr_activation;
	struct wl_listener request_activate;
	struct wl_listener destroy;
};

static struct strata_view *
view_of_surface(struct strata_server *server, struct wlr_surface *surface)
{
	struct strata_view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->xdg_surface && view->xdg_surface->surface == surface) {
			return view;
		}
	}
	return NULL;
}

static void
handle_request_activate(struct wl_listener *listener, void *data)
{
	struct strata_activation *activation =
			wl_container_of(listener, activation, request_activate);
	struct strata_server *server = activation->server;
	struct wlr_xdg_activation_v1_request_activate_event *event = data;
	struct strata_view *view = view_of_surface(server, event->surface);
	if (!view || !view->mapped) {
		wlr_log(WLR_DEBUG, "activation: the surface is not a mapped window");
		return;
	}
	struct wlr_xdg_activation_token_v1 *token = event->token;
	struct activation_facts facts = {
		/* wlroots checked seat, serial and focus when it was made */
		.token_complete = token->seat != NULL && token->surface != NULL,
		.token_level = STRATA_LEVEL_UNKNOWN,
		.target_level = view->level,
		.focused_level = seat_focused_level(server->seat),
		.modal = seat_modal_active(server->seat),
	};
	if (token->surface && token->surface->resource) {
		facts.token_level = levels_client_level(server,
				wl_resource_get_client(token->surface->resource));
	}
	enum activation_verdict verdict = activation_decide(&facts);
	wlr_log(WLR_INFO, "activation: window %u (%s) with a %s token of %s, %s focused: %s",
			view->id, levels_name(server, view->level),
			facts.token_complete ? "complete" : "bare",
			levels_name(server, facts.token_level),
			facts.modal ? "modal" : levels_name(server, facts.focused_level),
			verdict == ACTIVATION_FOCUS ? "focus" : "urgent");
	if (verdict == ACTIVATION_FOCUS) {
		seat_focus(server->seat, view);
	} else {
		view_set_urgent(view, true);
	}
}

static void
handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_activation *activation = wl_container_of(listener, activation, destroy);
	wl_list_remove(&activation->request_activate.link);
	wl_list_remove(&activation->destroy.link);
	activation->server->activation = NULL;
	free(activation);
}

bool
activation_init(struct strata_server *server)
{
	struct strata_activation *activation = calloc(1, sizeof(*activation));
	if (!activation) {
		return false;
	}
	activation->wlr_activation = wlr_xdg_activation_v1_create(server->display);
	if (!activation->wlr_activation) {
		free(activation);
		return false;
	}
	activation->server = server;
	activation->request_activate.notify = handle_request_activate;
	wl_signal_add(&activation->wlr_activation->events.request_activate,
			&activation->request_activate);
	/* wlroots destroys it with the display. */
	activation->destroy.notify = handle_destroy;
	wl_signal_add(&activation->wlr_activation->events.destroy, &activation->destroy);
	server->activation = activation;
	return true;
}
