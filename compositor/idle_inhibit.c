// SPDX-License-Identifier: MIT
/*
 * Idle inhibitors (zwp_idle_inhibit_manager_v1): a video player asks that
 * the screen not blank while its surface is visible. Strata blanks nothing
 * (the headless backend has no power state, and output power management is
 * core-only), so an inhibitor is only recorded: logged with its level and
 * counted. It never delays the idle lock: lock.c's timer counts from the
 * user's last input and knows nothing of inhibitors, so a level cannot keep
 * an unattended session unlocked by playing something.
 */
#include <stdlib.h>
#include <wlr/types/wlr_idle_inhibit_v1.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/log.h>
#include "idle_inhibit.h"

struct strata_idle_inhibit {
	struct strata_server *server;
	struct wlr_idle_inhibit_manager_v1 *manager; /* freed with the display */
	struct wl_listener new_inhibitor;
	struct wl_list inhibitors; /* idle_inhibitor.link */
};

struct idle_inhibitor {
	struct strata_idle_inhibit *owner;
	int level;
	struct wl_listener destroy;
	struct wl_list link; /* strata_idle_inhibit.inhibitors */
};

static void
inhibitor_handle_destroy(struct wl_listener *listener, void *data)
{
	struct idle_inhibitor *inhibitor = wl_container_of(listener, inhibitor, destroy);
	wlr_log(WLR_DEBUG, "idle inhibitor of %s gone",
			levels_name(inhibitor->owner->server, inhibitor->level));
	wl_list_remove(&inhibitor->destroy.link);
	wl_list_remove(&inhibitor->link);
	free(inhibitor);
}

static void
handle_new_inhibitor(struct wl_listener *listener, void *data)
{
	struct strata_idle_inhibit *owner = wl_container_of(listener, owner, new_inhibitor);
	struct wlr_idle_inhibitor_v1 *wlr_inhibitor = data;
	struct idle_inhibitor *inhibitor = calloc(1, sizeof(*inhibitor));
	if (!inhibitor) {
		return; /* recording only: nothing depends on it */
	}
	inhibitor->owner = owner;
	inhibitor->level = levels_client_level(owner->server,
			wl_resource_get_client(wlr_inhibitor->resource));
	inhibitor->destroy.notify = inhibitor_handle_destroy;
	wl_signal_add(&wlr_inhibitor->events.destroy, &inhibitor->destroy);
	wl_list_insert(&owner->inhibitors, &inhibitor->link);
	wlr_log(WLR_INFO, "idle inhibitor of %s recorded (%zu alive); the idle lock ignores it",
			levels_name(owner->server, inhibitor->level),
			(size_t)wl_list_length(&owner->inhibitors));
}

bool
idle_inhibit_init(struct strata_server *server)
{
	struct strata_idle_inhibit *owner = calloc(1, sizeof(*owner));
	if (!owner) {
		return false;
	}
	owner->manager = wlr_idle_inhibit_v1_create(server->display);
	if (!owner->manager) {
		free(owner);
		return false;
	}
	owner->server = server;
	wl_list_init(&owner->inhibitors);
	owner->new_inhibitor.notify = handle_new_inhibitor;
	wl_signal_add(&owner->manager->events.new_inhibitor, &owner->new_inhibitor);
	server->idle_inhibit = owner;
	return true;
}

void
idle_inhibit_finish(struct strata_server *server)
{
	struct strata_idle_inhibit *owner = server->idle_inhibit;
	if (!owner) {
		return;
	}
	struct idle_inhibitor *inhibitor, *tmp;
	wl_list_for_each_safe(inhibitor, tmp, &owner->inhibitors, link) {
		wl_list_remove(&inhibitor->destroy.link);
		wl_list_remove(&inhibitor->link);
		free(inhibitor);
	}
	wl_list_remove(&owner->new_inhibitor.link);
	free(owner);
	server->idle_inhibit = NULL;
}

size_t
idle_inhibit_count(struct strata_server *server)
{
	return server->idle_inhibit ? (size_t)wl_list_length(&server->idle_inhibit->inhibitors) : 0;
}
