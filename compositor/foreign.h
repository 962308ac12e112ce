/* SPDX-License-Identifier: MIT */
#ifndef STRATA_FOREIGN_H
#define STRATA_FOREIGN_H

#include <stdbool.h>
#include "server.h"

/* xdg-foreign v2: a registry and an exporter/importer pair per level, each
 * pair shown to its level only; a handle never crosses levels. */
bool foreign_init(struct strata_server *server);
void foreign_finish(struct strata_server *server);
/*
 * surface (a toplevel's) is about to be freed: its exports end now, as they
 * would at its unmap. wlroots 0.15.1 ends an export only at its surface's
 * unmap, so an export of a surface never mapped would outlive it, its
 * listener linked into freed memory (xdg_shell.c calls this).
 */
void foreign_surface_going(struct strata_server *server, struct wlr_surface *surface);

#endif
