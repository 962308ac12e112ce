/* SPDX-License-Identifier: MIT */
#ifndef STRATA_REQUEST_GUARD_H
#define STRATA_REQUEST_GUARD_H

#include <stdbool.h>
#include "server.h"

/*
 * Clamps or refuses absurd geometry in client requests before wlroots sees
 * them, so that nothing reaches pixman or the layout as an invalid or
 * overflowing rectangle (regions, damage, window geometry, positioners,
 * subsurface and attach offsets, size hints, cursor hotspots, buffer scale).
 *
 * It is a libwayland protocol logger: libwayland 1.21 calls it with the
 * request's argument array right before invoking the handler
 * (wayland-server.c, log_closure), so a clamped argument is what the handler
 * receives. Refused requests also get a protocol error.
 *
 * It also refuses what only the cage proxy would otherwise check (defence
 * in depth, for a client on a level socket without the proxy): the fd of a
 * data offer's receive must be the write end of a pipe; any other fd is
 * closed, the source writes into /dev/null instead, and the client gets a
 * protocol error.
 *
 * And what wlroots 0.15 lets through of xdg-shell's rules:
 * xdg_wm_base.get_xdg_surface on a surface with another role or a buffer
 * ends the client with the protocol's error (role, invalid_surface_state).
 */
bool request_guard_init(struct strata_server *server);
/* Is fd the write end of a pipe (what a data offer's receive must get)? */
bool request_guard_fd_is_pipe_writer(int fd);
void request_guard_finish(struct strata_server *server);

/* Coordinates and sizes in requests are kept within +-this many pixels. */
#define STRATA_COORD_MAX (1 << 20)
/* The largest buffer scale a surface may ask for. */
#define STRATA_SCALE_MAX 8

#endif
