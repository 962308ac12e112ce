// SPDX-License-Identifier: MIT
/*
 * xdg-foreign (zxdg_exporter_v2, zxdg_importer_v2), one island per level.
 *
 * A handle names a window of one client to another, so that a portal's
 * dialog can be the child of the application's window. Across levels that
 * would let one level stack a window on another's and learn of its windows,
 * so every level (and the core) gets a registry of handles and an
 * exporter/importer pair of its own, shown to that level's clients only
 * (levels_bind_global: hidden from every other client, and not bindable). A
 * handle exported in one level is unknown in every other: importing it gives
 * what the protocol gives for any unknown handle, an imported object that is
 * at once sent `destroyed` and whose set_parent_of does nothing (wlroots).
 */
#include <stdlib.h>
#include <wlr/types/wlr_xdg_foreign_registry.h>
#include <wlr/types/wlr_xdg_foreign_v2.h>
#include <wlr/util/log.h>
#include "foreign.h"

struct strata_foreign {
	/* Index 0: the core; level i at i + 1. wlroots frees them with the display. */
	struct wlr_xdg_foreign_registry *registry[STRATA_MAX_LEVELS + 1];
	struct wlr_xdg_foreign_v2 *foreign[STRATA_MAX_LEVELS + 1];
};

bool
foreign_init(struct strata_server *server)
{
	struct strata_foreign *foreign = calloc(1, sizeof(*foreign));
	if (!foreign) {
		return false;
	}
	server->foreign = foreign;
	/* The core (trusted tools) is an island of its own too. */
	for (size_t i = 0; i <= server->config.level_count; i++) {
		int level = (int)i - 1;
		foreign->registry[i] = wlr_xdg_foreign_registry_create(server->display);
		if (!foreign->registry[i]) {
			return false;
		}
		foreign->foreign[i] =
				wlr_xdg_foreign_v2_create(server->display, foreign->registry[i]);
		if (!foreign->foreign[i] ||
				!levels_bind_global(server, foreign->foreign[i]->exporter.global,
						level) ||
				!levels_bind_global(server, foreign->foreign[i]->importer.global,
						level)) {
			wlr_log(WLR_ERROR, "cannot create xdg-foreign for %s",
					levels_name(server, level));
			return false;
		}
	}
	return true;
}

void
foreign_finish(struct strata_server *server)
{
	/* The registries and globals go with the display. */
	free(server->foreign);
	server->foreign = NULL;
}

void
foreign_surface_going(struct strata_server *server, struct wlr_surface *surface)
{
	struct strata_foreign *foreign = server->foreign;
	if (!foreign || !surface) {
		return;
	}
	for (size_t i = 0; i <= server->config.level_count; i++) {
		if (!foreign->foreign[i]) {
			continue;
		}
		struct wlr_xdg_exported_v2 *exported, *tmp;
		wl_list_for_each_safe(exported, tmp, &foreign->foreign[i]->exporter.objects, link) {
			if (exported->base.surface == surface) {
				/* wlroots' own end of an export at unmap: its
				 * importers' children let go, its resource inert. */
				exported->xdg_surface_destroy.notify(&exported->xdg_surface_destroy,
						NULL);
			}
		}
	}
}
