// SPDX-License-Identifier: MIT
/*
 * strata-soak-client: one short life of a soak client (bench/soak.sh runs it
 * in a level's cage, many at a time, again and again).
 *
 *   strata-soak-client window TITLE SECONDS END
 *       Connects to $WAYLAND_DISPLAY, maps an xdg_toplevel titled TITLE
 *       (app_id "strata-soak"), and for SECONDS draws a new frame (a new
 *       shm buffer, whole damage) on each frame callback, 10 a second at
 *       most, changes its buffer's size every 20 frames (a resize), and
 *       opens and closes an xdg_popup every 30 frames. Then
 *       it ends as END says:
 *         clean  destroys what it made and disconnects;
 *         kill   SIGKILL to itself, everything still open;
 *         error  a protocol error: xdg_wm_base.destroy with its toplevel
 *                alive (xdg_wm_base.defunct_surfaces), then waits for the
 *                compositor (or the proxy) to end the connection.
 *       Prints one line: "window END frames=N popups=N resizes=N ... ok"
 *       (error: the protocol error came, as it must), or "window fail
 *       WHAT" and exits 1 when something went otherwise.
 *   strata-soak-client tone FILE
 *       Writes a 0.3 s 440 Hz 16-bit stereo 48 kHz WAV to FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <math.h>
#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"

#define SOAK_FRAME_MS 100

struct soak {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_surface *popup_surface;
	struct xdg_surface *popup_xdg;
	struct xdg_popup *popup;
	bool configured, frame_done, closed;
	unsigned frames, popups, resizes;
	uint64_t drawn_at; /* ms */
};

static void
fail(const char *what)
{
	fprintf(stderr, "strata-soak-client: %s\n", what);
	printf("window fail %s\n", what);
	exit(1);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = { .ping = wm_base_ping };

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
		uint32_t version)
{
	struct soak *s = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		s->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		s->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		s->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 2);
		xdg_wm_base_add_listener(s->wm_base, &wm_base_listener, s);
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

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct soak *s = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	s->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
popup_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	xdg_surface_ack_configure(xdg_surface, serial);
}

static const struct xdg_surface_listener popup_surface_listener = {
	.configure = popup_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		struct wl_array *states)
{
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct soak *s = data;
	s->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void
popup_configure(void *data, struct xdg_popup *popup, int32_t x, int32_t y, int32_t w, int32_t h)
{
}

static void
popup_done(void *data, struct xdg_popup *popup)
{
}

static const struct xdg_popup_listener popup_listener = {
	.configure = popup_configure,
	.popup_done = popup_done,
};

static void
buffer_release(void *data, struct wl_buffer *buffer)
{
	wl_buffer_destroy(buffer);
}

static const struct wl_buffer_listener buffer_listener = { .release = buffer_release };

/* A fresh buffer of one colour (destroyed when released). */
static struct wl_buffer *
soak_buffer(struct soak *s, int width, int height, uint32_t colour)
{
	size_t size = (size_t)width * (size_t)height * 4;
	int fd = memfd_create("strata-soak", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		fail("memfd");
	}
	uint32_t *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		fail("mmap");
	}
	for (size_t i = 0; i < size / 4; i++) {
		pixels[i] = colour;
	}
	munmap(pixels, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(s->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width, height, width * 4,
			WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_buffer_add_listener(buffer, &buffer_listener, NULL);
	return buffer;
}

static void
frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct soak *s = data;
	s->frame_done = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static void
soak_draw(struct soak *s)
{
	static const int sizes[][2] = { { 320, 240 }, { 480, 300 }, { 200, 160 } };
	const int *size = sizes[(s->frames / 20) % 3];
	if (s->frames > 0 && s->frames % 20 == 0) {
		s->resizes++;
	}
	uint32_t colour = 0xff000000u | ((s->frames * 2654435761u) & 0xffffff);
	wl_surface_attach(s->surface, soak_buffer(s, size[0], size[1], colour), 0, 0);
	wl_surface_damage_buffer(s->surface, 0, 0, INT32_MAX, INT32_MAX);
	struct wl_callback *callback = wl_surface_frame(s->surface);
	wl_callback_add_listener(callback, &frame_listener, s);
	s->frame_done = false;
	wl_surface_commit(s->surface);
	s->frames++;
	s->drawn_at = now_ms();
}

static void
soak_popup_open(struct soak *s)
{
	struct xdg_positioner *positioner = xdg_wm_base_create_positioner(s->wm_base);
	xdg_positioner_set_size(positioner, 120, 80);
	xdg_positioner_set_anchor_rect(positioner, 10, 10, 20, 20);
	s->popup_surface = wl_compositor_create_surface(s->compositor);
	s->popup_xdg = xdg_wm_base_get_xdg_surface(s->wm_base, s->popup_surface);
	xdg_surface_add_listener(s->popup_xdg, &popup_surface_listener, s);
	s->popup = xdg_surface_get_popup(s->popup_xdg, s->xdg_surface, positioner);
	xdg_popup_add_listener(s->popup, &popup_listener, s);
	xdg_positioner_destroy(positioner);
	wl_surface_commit(s->popup_surface);
	if (wl_display_roundtrip(s->display) < 0) {
		fail("popup round trip");
	}
	wl_surface_attach(s->popup_surface, soak_buffer(s, 120, 80, 0xff2060a0), 0, 0);
	wl_surface_commit(s->popup_surface);
	s->popups++;
}

static void
soak_popup_close(struct soak *s)
{
	if (s->popup) {
		xdg_popup_destroy(s->popup);
		xdg_surface_destroy(s->popup_xdg);
		wl_surface_destroy(s->popup_surface);
		s->popup = NULL;
	}
}

/* Dispatches what has come, waiting at most ms for it. */
static int
soak_pump(struct soak *s, int ms)
{
	while (wl_display_prepare_read(s->display) != 0) {
		if (wl_display_dispatch_pending(s->display) < 0) {
			return -1;
		}
	}
	if (wl_display_flush(s->display) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(s->display);
		return -1;
	}
	struct pollfd pfd = { .fd = wl_display_get_fd(s->display), .events = POLLIN };
	if (poll(&pfd, 1, ms) > 0) {
		if (wl_display_read_events(s->display) < 0) {
			return -1;
		}
	} else {
		wl_display_cancel_read(s->display);
	}
	return wl_display_dispatch_pending(s->display);
}

static int
mode_window(const char *title, double seconds, const char *end)
{
	struct soak s = { 0 };
	s.display = wl_display_connect(NULL);
	if (!s.display) {
		fail("cannot connect");
	}
	struct wl_registry *registry = wl_display_get_registry(s.display);
	wl_registry_add_listener(registry, &registry_listener, &s);
	if (wl_display_roundtrip(s.display) < 0 || !s.compositor || !s.shm || !s.wm_base) {
		fail("no wl_compositor, wl_shm or xdg_wm_base");
	}
	s.surface = wl_compositor_create_surface(s.compositor);
	s.xdg_surface = xdg_wm_base_get_xdg_surface(s.wm_base, s.surface);
	xdg_surface_add_listener(s.xdg_surface, &xdg_surface_listener, &s);
	s.toplevel = xdg_surface_get_toplevel(s.xdg_surface);
	xdg_toplevel_add_listener(s.toplevel, &toplevel_listener, &s);
	xdg_toplevel_set_title(s.toplevel, title);
	xdg_toplevel_set_app_id(s.toplevel, "strata-soak");
	wl_surface_commit(s.surface);
	uint64_t deadline = now_ms() + 10000;
	while (!s.configured) {
		if (soak_pump(&s, 100) < 0 || now_ms() > deadline) {
			fail("no configure");
		}
	}
	soak_draw(&s);
	uint64_t until = now_ms() + (uint64_t)(seconds * 1000);
	while (now_ms() < until && !s.closed) {
		if (soak_pump(&s, 20) < 0) {
			fail("connection lost");
		}
		/* Ten frames a second at most: fifty clients at the output's
		 * 60 Hz would be a benchmark of memset, not a soak. */
		if (s.frame_done && now_ms() >= s.drawn_at + SOAK_FRAME_MS) {
			if (s.frames % 30 == 10) {
				soak_popup_open(&s);
			} else if (s.frames % 30 == 25) {
				soak_popup_close(&s);
			}
			soak_draw(&s);
		}
	}
	if (strcmp(end, "kill") == 0) {
		printf("window kill frames=%u popups=%u resizes=%u ok\n", s.frames, s.popups,
				s.resizes);
		fflush(stdout);
		raise(SIGKILL);
	}
	if (strcmp(end, "error") == 0) {
		xdg_wm_base_destroy(s.wm_base);
		deadline = now_ms() + 5000;
		while (soak_pump(&s, 100) >= 0) {
			if (now_ms() > deadline) {
				fail("no protocol error");
			}
		}
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(s.display, &iface, &id);
		int err = wl_display_get_error(s.display);
		if (err != EPROTO) {
			char what[128];
			snprintf(what, sizeof(what),
					"the connection ended without a protocol error (%s)",
					strerror(err));
			fail(what);
		}
		printf("window error frames=%u popups=%u resizes=%u error=%u on %s ok\n", s.frames,
				s.popups, s.resizes, code,
				iface ? iface->name : "a destroyed object");
		wl_display_disconnect(s.display);
		return 0;
	}
	soak_popup_close(&s);
	xdg_toplevel_destroy(s.toplevel);
	xdg_surface_destroy(s.xdg_surface);
	wl_surface_destroy(s.surface);
	xdg_wm_base_destroy(s.wm_base);
	wl_shm_destroy(s.shm);
	wl_compositor_destroy(s.compositor);
	wl_registry_destroy(registry);
	if (wl_display_roundtrip(s.display) < 0) {
		fail("last round trip");
	}
	wl_display_disconnect(s.display);
	printf("window clean frames=%u popups=%u resizes=%u ok\n", s.frames, s.popups, s.resizes);
	return 0;
}

static void
put_le(FILE *f, uint32_t value, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		fputc((int)((value >> (8 * i)) & 0xff), f);
	}
}

static int
mode_tone(const char *path)
{
	const uint32_t rate = 48000, frames = rate * 3 / 10;
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	uint32_t data = frames * 4;
	fputs("RIFF", f);
	put_le(f, 36 + data, 4);
	fputs("WAVEfmt ", f);
	put_le(f, 16, 4);
	put_le(f, 1, 2); /* PCM */
	put_le(f, 2, 2);
	put_le(f, rate, 4);
	put_le(f, rate * 4, 4);
	put_le(f, 4, 2);
	put_le(f, 16, 2);
	fputs("data", f);
	put_le(f, data, 4);
	for (uint32_t i = 0; i < frames; i++) {
		int16_t v = (int16_t)(8000.0 * sin(2.0 * M_PI * 440.0 * i / rate));
		put_le(f, (uint16_t)v, 2);
		put_le(f, (uint16_t)v, 2);
	}
	return fclose(f) == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	if (argc == 5 && strcmp(argv[1], "window") == 0) {
		const char *end = argv[4];
		if (strcmp(end, "clean") != 0 && strcmp(end, "kill") != 0 &&
				strcmp(end, "error") != 0) {
			fprintf(stderr, "strata-soak-client: END is clean, kill or error\n");
			return 2;
		}
		return mode_window(argv[2], atof(argv[3]), end);
	}
	if (argc == 3 && strcmp(argv[1], "tone") == 0) {
		return mode_tone(argv[2]);
	}
	fprintf(stderr,
			"usage: strata-soak-client window TITLE SECONDS clean|kill|error\n"
			"       strata-soak-client tone FILE\n");
	return 2;
}
