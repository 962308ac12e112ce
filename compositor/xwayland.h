/* SPDX-License-Identifier: MIT */
#ifndef STRATA_XWAYLAND_H
#define STRATA_XWAYLAND_H

#include <stdbool.h>
#include "server.h"

/*
 * X11 programs: one Xwayland per level ([level NAME] xwayland = lazy | yes |
 * no), in that level's cage, its X11 windows windows of the level.
 *
 * - The server: wlroots' (wlr_xwayland_create: its XWM runs here, in the
 *   compositor), started through strata-xwayland-launcher (WLR_XWAYLAND),
 *   which runs Xwayland in a cage of the level as the level's uid, with
 *   XTEST and RECORD off unless the level turns both on (Xwayland has
 *   one switch for the two).
 * - Its Wayland connection goes through a strata-cage-proxy of the level
 *   (the launcher starts one for it) to the socketpair wlroots makes:
 *   tagged with the level when wlroots creates it (levels_tag_client), by
 *   the descriptor, never by anything Xwayland says.
 * - Its X11 sockets: the path socket lives in a tmpfs mounted over
 *   /tmp/.X11-unix in the compositor's own mount namespace (nobody outside
 *   strata and the cages it starts sees it), linked as
 *   /tmp/.X11-unix/levels/LEVEL/X0, a directory (0750 root:cage group)
 *   that only the level's cages get, as /tmp/.X11-unix with DISPLAY=:0.
 *   The abstract socket wlroots also binds is bound in a network namespace
 *   of its own, which no process is in: a cage sharing the host's network
 *   cannot reach it.
 * - Supervised: wlroots starts it again (lazily) after it ends; when
 *   wlroots gives up (a failed start) it is made anew here after a
 *   back-off (250 ms doubling to 30 s), its socket in the same place.
 * - Windows: managed X11 windows are views like xdg toplevels (frame,
 *   title bar, layout, focus rules); override-redirect windows are
 *   "unmanaged" views: kept under the banner, cut to where their level may
 *   draw, a border of the level's colour inside, never focused; one that
 *   covers more than 90 % of the output is managed instead. No X11 request
 *   moves focus to another level: _NET_ACTIVE_WINDOW focuses a window only
 *   while its level has focus, otherwise it marks it urgent.
 */
struct strata_xwayland;

/* After the session (needs root and cages); NULL when no level has an
 * Xwayland (or strata is not root: then a level asking for one is an
 * error, logged, and it has none). false in *failed when a level's
 * Xwayland was asked for and cannot be set up: strata must not start. */
struct strata_xwayland *xwayland_create(struct strata_server *server, bool *failed);
/* The X servers end (wlroots closes their connections). NULL-safe. */
void xwayland_destroy(struct strata_xwayland *xwayland);

/* For the test-control: a level's X server now. */
struct xwayland_state {
	int display; /* on the compositor's side; -1: none now */
	bool running; /* an Xwayland is connected */
	unsigned restarts; /* times it was made anew here */
};
void xwayland_describe(struct strata_xwayland *xwayland, int level, struct xwayland_state *out);

#endif
