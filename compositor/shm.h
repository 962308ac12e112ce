/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SHM_H
#define STRATA_SHM_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_compositor.h>

/*
 * Strata's own wl_shm for level clients (attacks M01-M12). wlroots 0.15.1
 * renders straight from client memory with no SIGBUS protection: a client
 * that truncates its pool kills the compositor. Here every committed buffer
 * is copied (its damage, into the surface's own store) into compositor
 * memory under a SIGBUS guard, at the commit or, for windows, before the
 * frame that shows it is drawn (shm.c says when), so the renderer only ever
 * touches memory the compositor owns; a fault ends that client with
 * WL_SHM_ERROR_INVALID_FD. Pools and buffers are checked for real (stride against width and bytes
 * per pixel, 64-bit bounds, advertised formats) and capped per client.
 */

struct strata_shm_limits {
	int32_t max_width, max_height; /* of one buffer, pixels */
	uint64_t max_bytes_per_client; /* mapped pool bytes */
	uint32_t max_pools_per_client;
};

struct strata_shm;

struct strata_shm *shm_create(struct wl_display *display, struct wlr_renderer *renderer,
		const struct strata_shm_limits *limits);
void shm_destroy(struct strata_shm *shm);
struct wl_global *shm_get_global(struct strata_shm *shm);

/*
 * Copies the damage windows committed since the last frame into their
 * surfaces' stores, and gives their buffers back: called before a frame is
 * drawn (shm.c's top comment), and on a timer when no frame comes.
 */
void shm_flush(struct strata_shm *shm);

/*
 * Follows compositor's surfaces, so that a commit copies only its damage into
 * the surface's store (shm.c); without it every frame is copied whole.
 */
void shm_watch_surfaces(struct strata_shm *shm, struct wlr_compositor *compositor);

/* Bytes of pool memory the client has mapped, and its number of pools. */
uint64_t shm_client_bytes(struct strata_shm *shm, struct wl_client *client);
uint32_t shm_client_pools(struct strata_shm *shm, struct wl_client *client);

/* Bytes per pixel of a wl_shm format we accept, or 0. */
uint32_t shm_format_bpp(uint32_t wl_shm_format);

#endif
