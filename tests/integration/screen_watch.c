// SPDX-License-Identifier: MIT
/*
 * What is on screen, and when: a core client (screencopy, core socket only)
 * that copies every frame the first output commits with damage and prints,
 * per frame, its commit time (CLOCK_MONOTONIC, as wlroots stamps it) and how
 * many of its pixels are of one colour:
 *
 *   waiting                       (copies are asked for in every slot: the
 *                                  next damaged frames will be printed)
 *   frame SEC.NSEC count=N of=M
 *
 * usage: itest-screen-watch RRGGBB
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>
#include "screencopy-wire-client-protocol.h"

/* Two copies are always asked for: while one frame's pixels are counted,
 * the other slot waits for the next damaged frame, so none is missed. */
#define SLOTS 2

struct watch;

struct slot {
	struct watch *watch;
	struct zwlr_screencopy_frame_v1 *frame;
	struct wl_buffer *buffer; /* made at the first frame */
	uint32_t *pixels;
	size_t size;
	uint32_t format, width, height, stride;
};

struct watch {
	struct wl_shm *shm;
	struct wl_output *output;
	struct zwlr_screencopy_manager_v1 *manager;
	uint32_t colour; /* 0xRRGGBB */
	struct slot slots[SLOTS];
	int waiting; /* copies asked for, not done yet */
	bool failed;
};

static void capture(struct slot *slot);

static void
frame_buffer(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format, uint32_t width,
		uint32_t height, uint32_t stride)
{
	struct slot *slot = data;
	slot->format = format;
	slot->width = width;
	slot->height = height;
	slot->stride = stride;
}

static void
frame_buffer_done(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	struct slot *slot = data;
	struct watch *w = slot->watch;
	size_t size = (size_t)slot->stride * slot->height;
	if (!slot->buffer) {
		int fd = memfd_create("screen-watch", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
			fprintf(stderr, "screen-watch: memfd: %s\n", strerror(errno));
			exit(1);
		}
		slot->pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (slot->pixels == MAP_FAILED) {
			exit(1);
		}
		struct wl_shm_pool *pool = wl_shm_create_pool(w->shm, fd, (int32_t)size);
		slot->buffer = wl_shm_pool_create_buffer(pool, 0, (int32_t)slot->width,
				(int32_t)slot->height, (int32_t)slot->stride, slot->format);
		wl_shm_pool_destroy(pool);
		close(fd);
		slot->size = size;
	} else if (size != slot->size) {
		fprintf(stderr, "screen-watch: the output changed size\n");
		exit(1);
	}
	zwlr_screencopy_frame_v1_copy_with_damage(frame, slot->buffer);
	if (++w->waiting == SLOTS) {
		printf("waiting\n");
		fflush(stdout);
	}
}

static void
frame_flags(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t flags)
{
}

static void
frame_ready(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t sec_hi, uint32_t sec_lo,
		uint32_t nsec)
{
	struct slot *slot = data;
	struct watch *w = slot->watch;
	w->waiting--;
	uint64_t sec = ((uint64_t)sec_hi << 32) | sec_lo;
	size_t count = 0, of = 0;
	for (uint32_t y = 0; y < slot->height; y++) {
		const uint32_t *row = (const uint32_t *)((const char *)slot->pixels +
				(size_t)y * slot->stride);
		for (uint32_t x = 0; x < slot->width; x++) {
			count += (row[x] & 0xffffff) == w->colour;
			of++;
		}
	}
	printf("frame %llu.%09u count=%zu of=%zu\n", (unsigned long long)sec, nsec, count, of);
	fflush(stdout);
	zwlr_screencopy_frame_v1_destroy(frame);
	capture(slot);
}

static void
frame_failed(void *data, struct zwlr_screencopy_frame_v1 *frame)
{
	struct slot *slot = data;
	slot->watch->failed = true;
}

static void
frame_damage(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t x, uint32_t y,
		uint32_t width, uint32_t height)
{
}

static void
frame_linux_dmabuf(void *data, struct zwlr_screencopy_frame_v1 *frame, uint32_t format,
		uint32_t width, uint32_t height)
{
}

static const struct zwlr_screencopy_frame_v1_listener frame_listener = {
	.buffer = frame_buffer,
	.flags = frame_flags,
	.ready = frame_ready,
	.failed = frame_failed,
	.damage = frame_damage,
	.linux_dmabuf = frame_linux_dmabuf,
	.buffer_done = frame_buffer_done,
};

static void
capture(struct slot *slot)
{
	struct watch *w = slot->watch;
	slot->frame = zwlr_screencopy_manager_v1_capture_output(w->manager, 0, w->output);
	zwlr_screencopy_frame_v1_add_listener(slot->frame, &frame_listener, slot);
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
		uint32_t version)
{
	struct watch *w = data;
	if (strcmp(interface, wl_shm_interface.name) == 0) {
		w->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, wl_output_interface.name) == 0 && !w->output) {
		w->output = wl_registry_bind(registry, name, &wl_output_interface, 1);
	} else if (strcmp(interface, zwlr_screencopy_manager_v1_interface.name) == 0 &&
			version >= 3) {
		w->manager = wl_registry_bind(registry, name, &zwlr_screencopy_manager_v1_interface,
				3);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

int
main(int argc, char **argv)
{
	struct watch w = { 0 };
	char *end;
	if (argc != 2 || (w.colour = (uint32_t)strtoul(argv[1], &end, 16), *end != '\0')) {
		fprintf(stderr, "usage: itest-screen-watch RRGGBB\n");
		return 2;
	}
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "screen-watch: cannot connect\n");
		return 1;
	}
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, &w);
	wl_display_roundtrip(display);
	if (!w.shm || !w.output || !w.manager) {
		fprintf(stderr, "screen-watch: no wl_shm, wl_output or screencopy v3\n");
		return 1;
	}
	for (int i = 0; i < SLOTS; i++) {
		w.slots[i].watch = &w;
		capture(&w.slots[i]);
	}
	while (!w.failed && wl_display_dispatch(display) >= 0) {
	}
	fprintf(stderr, "screen-watch: %s\n", w.failed ? "a copy failed" : "disconnected");
	return 1;
}
