/* SPDX-License-Identifier: MIT */
#ifndef TESTS_SHM_FILL_H
#define TESTS_SHM_FILL_H

#include <stdint.h>
#include <wayland-client.h>

/* A width x height ARGB8888 wl_buffer filled with colour (0xAARRGGBB), in
 * its own memfd pool; NULL when the sizes are not positive or memory is
 * short. The test programs' and the actor's one way to make a buffer. */
struct wl_buffer *shm_filled_buffer(struct wl_shm *shm, int width, int height, uint32_t colour);

#endif
