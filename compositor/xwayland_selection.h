/* SPDX-License-Identifier: MIT */
#ifndef STRATA_XWAYLAND_SELECTION_H
#define STRATA_XWAYLAND_SELECTION_H

#include <wlr/types/wlr_seat.h>
#include "server.h"

/*
 * The clipboard bridge of one level's X11 programs. wlroots' XWM carries
 * X11's CLIPBOARD and PRIMARY to and from the seat it is given; it is given
 * this bridge's seat (a wlr_seat whose wl_seat global no client ever sees,
 * with no input), never the user's, and that seat's selections are always
 * the level's own (clipboard.c):
 * - the level's selection changes (a Wayland program of the level, a
 *   confirmed transfer into it): the seat gets a wrapper of it, and the XWM
 *   serves it to the level's X11 programs;
 * - an X11 program of the level takes CLIPBOARD or PRIMARY: it becomes the
 *   level's selection, only while the level has keyboard focus (the XWM
 *   also requires one of its X11 windows to have it); otherwise it is
 *   refused.
 * No other level's selection ever reaches this seat.
 */
struct xwayland_bridge;

/* For level (an index of the configuration); NULL when out of memory. */
struct xwayland_bridge *xwayland_bridge_create(struct strata_server *server, int level);
/* What to give the level's XWM (wlr_xwayland_set_seat). */
struct wlr_seat *xwayland_bridge_seat(struct xwayland_bridge *bridge);
/* At shutdown, after its XWM is gone; NULL-safe. */
void xwayland_bridge_destroy(struct xwayland_bridge *bridge);

#endif
