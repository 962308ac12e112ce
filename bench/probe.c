// SPDX-License-Identifier: MIT
/*
 * strata-probe: a tiny Wayland client that times what a proxy in the path
 * adds. It connects to $WAYLAND_DISPLAY and prints one number per line on
 * stdout, nothing else; diagnostics go to stderr, and any failure exits 1.
 *
 *   startup N          N times: connect, get the registry, one round trip,
 *                      disconnect. Each duration in µs.
 *   sync N             N wl_display.sync round trips on one connection, µs.
 *   commit W H N       Map an xdg_toplevel, then N times: fill an ARGB W×H
 *                      shm buffer (two, alternating) with fresh data, attach,
 *                      damage_buffer the whole of it, request a frame
 *                      callback and commit. Prints the time from just before
 *                      wl_surface.commit to that callback's done, in µs.
 *   commitsync W H N   The same loop, but timed from just before the commit
 *                      to the done of a wl_display.sync sent right after
 *                      it: the commit's own cost (transit, the compositor's
 *                      copy), free of the output's frame clock. Each commit
 *                      still waits for the previous one's frame, so it
 *                      reaches an idle compositor.
 *   flood N            N wl_region.add then one round trip; prints the
 *                      whole time divided by N, in ns per message.
 *   key CONTROL N      Map a window (it takes keyboard focus), then N times:
 *                      ask the test-control socket CONTROL to press a key
 *                      and time, from just before the request is written,
 *                      until wl_keyboard.key arrives, in µs (then release it,
 *                      untimed). Input latency through the seat.
 *   motion CONTROL N   The same for pointer motion inside the window: from
 *                      the request to wl_pointer.motion, in µs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"

#define MAX_SIDE 8192

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	fputs("strata-probe: ", stderr);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) {
		die("clock_gettime: %s", strerror(errno));
	}
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
print_us(uint64_t ns)
{
	if (printf("%" PRIu64 ".%01" PRIu64 "\n", ns / 1000, (ns % 1000) / 100) < 0) {
		die("cannot write to stdout");
	}
}

static unsigned long
parse_count(const char *text, unsigned long min, unsigned long max, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		die("%s must be a number from %lu to %lu, not \"%s\"", what, min, max, text);
	}
	return v;
}

/* Explains why the connection failed, and exits. */
static void
die_display(struct wl_display *display, const char *what)
{
	int err = wl_display_get_error(display);
	if (err == EPROTO) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
		die("%s: protocol error %u on %s@%u", what, code, iface ? iface->name : "?", id);
	}
	die("%s: %s", what, strerror(err ? err : errno));
}

static struct wl_display *
connect_display(void)
{
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		die("cannot connect to \"%s\": %s",
				getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "(unset)",
				strerror(errno));
	}
	return display;
}

static void
roundtrip(struct wl_display *display)
{
	if (wl_display_roundtrip(display) < 0) {
		die_display(display, "round trip");
	}
}

/* ---- globals ------------------------------------------------------------ */

struct globals {
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	bool argb;
};

static void
shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct globals *g = data;
	if (format == WL_SHM_FORMAT_ARGB8888) {
		g->argb = true;
	}
}

static const struct wl_shm_listener shm_listener = { .format = shm_format };

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
	struct globals *g = data;
	if (!g) {
		return;
	}
	if (strcmp(interface, wl_compositor_interface.name) == 0 && version >= 4 &&
			!g->compositor) {
		g->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
		if (!g->compositor) {
			die("cannot bind wl_compositor");
		}
	} else if (strcmp(interface, wl_shm_interface.name) == 0 && !g->shm) {
		g->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
		if (!g->shm || wl_shm_add_listener(g->shm, &shm_listener, g) < 0) {
			die("cannot bind wl_shm");
		}
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !g->seat) {
		g->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
		if (!g->seat) {
			die("cannot bind wl_seat");
		}
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0 && !g->wm_base) {
		g->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		if (!g->wm_base || xdg_wm_base_add_listener(g->wm_base, &wm_base_listener, g) < 0) {
			die("cannot bind xdg_wm_base");
		}
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

static struct wl_registry *
get_registry(struct wl_display *display, struct globals *g)
{
	struct wl_registry *registry = wl_display_get_registry(display);
	if (!registry || wl_registry_add_listener(registry, &registry_listener, g) < 0) {
		die("cannot create the registry");
	}
	return registry;
}

/* ---- startup, sync, flood ------------------------------------------------ */

static void
mode_startup(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		struct wl_display *display = connect_display();
		struct wl_registry *registry = get_registry(display, NULL);
		roundtrip(display);
		uint64_t t1 = now_ns();
		wl_registry_destroy(registry);
		wl_display_disconnect(display);
		print_us(t1 - t0);
	}
}

static void
callback_done(void *data, struct wl_callback *callback, uint32_t time)
{
	uint64_t *done_at = data;
	*done_at = now_ns();
}

static const struct wl_callback_listener callback_listener = { .done = callback_done };

/* A new wl_callback whose done stores the time in *done_at. */
static struct wl_callback *
timed_callback(struct wl_callback *callback, uint64_t *done_at)
{
	if (!callback || wl_callback_add_listener(callback, &callback_listener, done_at) < 0) {
		die("cannot create a wl_callback");
	}
	return callback;
}

/* Dispatches until *flag is non-zero. */
static void
dispatch_until(struct wl_display *display, const uint64_t *flag, const char *what)
{
	while (*flag == 0) {
		if (wl_display_dispatch(display) < 0) {
			die_display(display, what);
		}
	}
}

static void
mode_sync(unsigned long n)
{
	struct wl_display *display = connect_display();
	roundtrip(display);
	for (unsigned long i = 0; i < n; i++) {
		uint64_t done_at = 0;
		uint64_t t0 = now_ns();
		struct wl_callback *callback = timed_callback(wl_display_sync(display), &done_at);
		dispatch_until(display, &done_at, "sync");
		wl_callback_destroy(callback);
		print_us(done_at - t0);
	}
	wl_display_disconnect(display);
}

/* Writes what libwayland has queued, waiting for the socket when it is full. */
static void
flush_all(struct wl_display *display)
{
	while (wl_display_flush(display) < 0) {
		if (errno == EPIPE) {
			/* The peer closed: read why (a wl_display.error) if it said. */
			while (wl_display_dispatch(display) >= 0) {
			}
			die_display(display, "flush");
		}
		if (errno != EAGAIN) {
			die_display(display, "flush");
		}
		struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLOUT };
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			die("poll: %s", strerror(errno));
		}
	}
}

static void
mode_flood(unsigned long n)
{
	struct wl_display *display = connect_display();
	struct globals g = { 0 };
	struct wl_registry *registry = get_registry(display, &g);
	roundtrip(display);
	if (!g.compositor) {
		die("no wl_compositor version 4");
	}
	struct wl_region *region = wl_compositor_create_region(g.compositor);
	if (!region) {
		die("cannot create a wl_region");
	}
	roundtrip(display);
	uint64_t t0 = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		/* The same rectangle: the region stays one box, so the
		 * compositor's cost per request does not grow. */
		wl_region_add(region, 0, 0, 1, 1);
		/* libwayland's buffer holds 4096 bytes (170 of these): flush
		 * before it fills, so a full socket waits instead of failing. */
		if (i % 128 == 127) {
			flush_all(display);
		}
	}
	flush_all(display);
	roundtrip(display);
	uint64_t t1 = now_ns();
	if (printf("%.1f\n", (double)(t1 - t0) / (double)n) < 0) {
		die("cannot write to stdout");
	}
	wl_region_destroy(region);
	wl_compositor_destroy(g.compositor);
	if (g.shm) {
		wl_shm_destroy(g.shm);
	}
	if (g.wm_base) {
		xdg_wm_base_destroy(g.wm_base);
	}
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
}

/* ---- commit -------------------------------------------------------------- */

struct buffer {
	struct wl_buffer *wl;
	uint32_t *pixels;
	bool busy;
};

struct window {
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	bool configured, closed;
};

static void
buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct buffer *buffer = data;
	buffer->busy = false;
}

static const struct wl_buffer_listener buffer_listener = { .release = buffer_release };

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct window *window = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	window->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		struct wl_array *states)
{
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct window *window = data;
	window->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

/* A toplevel, configured (not mapped: no buffer yet). */
static void
window_configure(struct wl_display *display, struct globals *g, struct window *window)
{
	window->surface = wl_compositor_create_surface(g->compositor);
	if (!window->surface) {
		die("cannot create a wl_surface");
	}
	window->xdg_surface = xdg_wm_base_get_xdg_surface(g->wm_base, window->surface);
	if (!window->xdg_surface ||
			xdg_surface_add_listener(window->xdg_surface, &xdg_surface_listener,
					window) < 0) {
		die("cannot create an xdg_surface");
	}
	window->toplevel = xdg_surface_get_toplevel(window->xdg_surface);
	bool ok = window->toplevel &&
			xdg_toplevel_add_listener(window->toplevel, &toplevel_listener, window) ==
					0;
	if (!ok) {
		die("cannot create an xdg_toplevel");
	}
	xdg_toplevel_set_title(window->toplevel, "strata-probe");
	xdg_toplevel_set_app_id(window->toplevel, "strata-probe");
	wl_surface_commit(window->surface);
	while (!window->configured) {
		if (wl_display_dispatch(display) < 0) {
			die_display(display, "waiting for the first configure");
		}
	}
}

static int
create_shm_file(size_t size)
{
	int fd = memfd_create("strata-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		die("memfd_create: %s", strerror(errno));
	}
	int ret;
	do {
		ret = ftruncate(fd, (off_t)size);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		die("ftruncate %zu bytes: %s", size, strerror(errno));
	}
	/* A pool that cannot shrink under the compositor. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		die("F_ADD_SEALS: %s", strerror(errno));
	}
	return fd;
}

/* Cheap fresh data: xorshift32 over the words; the state carries over. */
static void
fill(uint32_t *pixels, size_t words, uint32_t *state)
{
	uint32_t x = *state;
	for (size_t i = 0; i < words; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		pixels[i] = x;
	}
	*state = x;
}

static void
mode_commit(unsigned long width, unsigned long height, unsigned long n, bool with_frame)
{
	struct wl_display *display = connect_display();
	struct globals g = { 0 };
	struct wl_registry *registry = get_registry(display, &g);
	roundtrip(display);
	if (!g.compositor || !g.shm || !g.wm_base) {
		die("the compositor lacks wl_compositor v4, wl_shm or xdg_wm_base");
	}
	roundtrip(display); /* wl_shm formats */
	if (!g.argb) {
		die("wl_shm has no ARGB8888");
	}

	size_t stride = width * 4;
	size_t frame_bytes = stride * height;
	size_t size = 2 * frame_bytes;
	if (size > INT32_MAX) {
		die("%lux%lu is too large for one pool", width, height);
	}
	int fd = create_shm_file(size);
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		die("mmap %zu bytes: %s", size, strerror(errno));
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(g.shm, fd, (int32_t)size);
	if (!pool) {
		die("cannot create a wl_shm_pool");
	}
	struct buffer buffers[2];
	for (int i = 0; i < 2; i++) {
		buffers[i] = (struct buffer){
			.wl = wl_shm_pool_create_buffer(pool, (int32_t)(i * frame_bytes),
					(int32_t)width, (int32_t)height, (int32_t)stride,
					WL_SHM_FORMAT_ARGB8888),
			.pixels = (uint32_t *)((char *)map + i * frame_bytes),
		};
		if (!buffers[i].wl ||
				wl_buffer_add_listener(buffers[i].wl, &buffer_listener,
						&buffers[i]) < 0) {
			die("cannot create a wl_buffer");
		}
	}
	wl_shm_pool_destroy(pool);
	close(fd);

	struct window window = { 0 };
	window_configure(display, &g, &window);

	uint32_t state = 0x9e3779b9u;
	for (unsigned long i = 0; i < n; i++) {
		if (window.closed) {
			die("the compositor closed the window");
		}
		struct buffer *buffer = &buffers[i % 2];
		/* Not timed: the compositor gives a buffer back once it copied it. */
		while (buffer->busy) {
			if (wl_display_dispatch(display) < 0) {
				die_display(display, "waiting for a buffer release");
			}
		}
		fill(buffer->pixels, frame_bytes / 4, &state);
		wl_surface_attach(window.surface, buffer->wl, 0, 0);
		wl_surface_damage_buffer(window.surface, 0, 0, (int32_t)width, (int32_t)height);
		uint64_t frame_at = 0, sync_at = 0;
		struct wl_callback *frame =
				timed_callback(wl_surface_frame(window.surface), &frame_at);
		uint64_t t0 = now_ns();
		wl_surface_commit(window.surface);
		buffer->busy = true;
		struct wl_callback *sync = NULL;
		if (!with_frame) {
			sync = timed_callback(wl_display_sync(display), &sync_at);
		}
		flush_all(display);
		if (sync) {
			dispatch_until(display, &sync_at, "waiting for the sync after the commit");
			wl_callback_destroy(sync);
		}
		/* Both modes go at the output's pace: the next commit follows this
		 * one's frame, when the compositor has just drawn and is idle. */
		dispatch_until(display, &frame_at, "waiting for the frame callback");
		wl_callback_destroy(frame);
		print_us((with_frame ? frame_at : sync_at) - t0);
	}

	xdg_toplevel_destroy(window.toplevel);
	xdg_surface_destroy(window.xdg_surface);
	wl_surface_destroy(window.surface);
	for (int i = 0; i < 2; i++) {
		wl_buffer_destroy(buffers[i].wl);
	}
	roundtrip(display);
	if (munmap(map, size) < 0) {
		die("munmap: %s", strerror(errno));
	}
	xdg_wm_base_destroy(g.wm_base);
	wl_shm_destroy(g.shm);
	wl_compositor_destroy(g.compositor);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
}

/* ---- input latency --------------------------------------------------------- */

struct input_probe {
	struct wl_keyboard *keyboard;
	struct wl_pointer *pointer;
	bool focused;
	uint64_t key_at; /* when the awaited key event came; 0: not yet */
	uint32_t key_state; /* the state awaited */
	uint64_t motion_at;
};

static void
probe_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format, int32_t fd, uint32_t size)
{
	close(fd);
}

static void
probe_key_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface, struct wl_array *keys)
{
	((struct input_probe *)data)->focused = true;
}

static void
probe_key_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface)
{
	((struct input_probe *)data)->focused = false;
}

static void
probe_key(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t time, uint32_t key,
		uint32_t state)
{
	struct input_probe *probe = data;
	if (state == probe->key_state && probe->key_at == 0) {
		probe->key_at = now_ns();
	}
}

static void
probe_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t depressed,
		uint32_t latched, uint32_t locked, uint32_t group)
{
}

static void
probe_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener probe_keyboard_listener = {
	.keymap = probe_keymap,
	.enter = probe_key_enter,
	.leave = probe_key_leave,
	.key = probe_key,
	.modifiers = probe_modifiers,
	.repeat_info = probe_repeat_info,
};

static void
probe_pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
		struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	/* The first motion over the window comes as enter, with the position
	 * (wlroots sends no motion for the position enter already gave). */
	struct input_probe *probe = data;
	if (probe->motion_at == 0) {
		probe->motion_at = now_ns();
	}
}

static void
probe_pointer_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
		struct wl_surface *surface)
{
}

static void
probe_pointer_motion(void *data, struct wl_pointer *pointer, uint32_t time, wl_fixed_t x,
		wl_fixed_t y)
{
	struct input_probe *probe = data;
	if (probe->motion_at == 0) {
		probe->motion_at = now_ns();
	}
}

static void
probe_pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial, uint32_t time,
		uint32_t button, uint32_t state)
{
}

static void
probe_pointer_axis(void *data, struct wl_pointer *pointer, uint32_t time, uint32_t axis,
		wl_fixed_t value)
{
}

static const struct wl_pointer_listener probe_pointer_listener = {
	.enter = probe_pointer_enter,
	.leave = probe_pointer_leave,
	.motion = probe_pointer_motion,
	.button = probe_pointer_button,
	.axis = probe_pointer_axis,
};

/* A connection to the test-control socket. */
static int
control_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		die("control socket path too long");
	}
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		die("cannot connect to %s: %s", path, strerror(errno));
	}
	return fd;
}

static void
control_send(int fd, const char *line)
{
	size_t len = strlen(line);
	if (write(fd, line, len) != (ssize_t)len) {
		die("cannot write to the control socket: %s", strerror(errno));
	}
}

/* Reads the control reply up to its final "ok..." or "error..." line. */
static void
control_reply(int fd, char *out, size_t size)
{
	size_t used = 0;
	for (;;) {
		if (used + 1 >= size) {
			die("control reply too long");
		}
		ssize_t n = read(fd, out + used, size - 1 - used);
		if (n <= 0) {
			die("the control socket closed");
		}
		used += (size_t)n;
		out[used] = '\0';
		char *last = out;
		for (char *nl; (nl = strchr(last, '\n')) && nl[1];) {
			last = nl + 1;
		}
		if (used > 0 && out[used - 1] == '\n' &&
				(strncmp(last, "ok", 2) == 0 || strncmp(last, "error", 5) == 0)) {
			if (strncmp(last, "error", 5) == 0) {
				die("control: %s", last);
			}
			return;
		}
	}
}

/* The probe's window box, from the test-control's window list. */
static void
control_window_box(int fd, int *x, int *y, int *width, int *height)
{
	static char reply[65536];
	control_send(fd, "windows\n");
	control_reply(fd, reply, sizeof(reply));
	for (char *line = reply; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl) {
			*nl = '\0';
		}
		if (strstr(line, "app_id=\"strata-probe\"") &&
				sscanf(line,
						"window id=%*u level=%*s focused=%*d fullscreen=%*d x=%d y=%d "
						"width=%d height=%d",
						x, y, width, height) == 4) {
			return;
		}
		line = nl ? nl + 1 : NULL;
	}
	die("the probe's window is not in the window list");
}

static void
mode_input(const char *control_path, unsigned long n, bool motion)
{
	struct wl_display *display = connect_display();
	struct globals g = { 0 };
	struct wl_registry *registry = get_registry(display, &g);
	roundtrip(display);
	if (!g.compositor || !g.shm || !g.wm_base || !g.seat) {
		die("the compositor lacks wl_compositor v4, wl_shm, xdg_wm_base or wl_seat");
	}
	struct input_probe probe = { 0 };
	probe.keyboard = wl_seat_get_keyboard(g.seat);
	probe.pointer = wl_seat_get_pointer(g.seat);
	wl_keyboard_add_listener(probe.keyboard, &probe_keyboard_listener, &probe);
	wl_pointer_add_listener(probe.pointer, &probe_pointer_listener, &probe);
	struct window window = { 0 };
	window_configure(display, &g, &window);
	/* A buffer of the window's size: it maps, and takes keyboard focus. */
	int fd = create_shm_file(400 * 300 * 4);
	struct wl_shm_pool *pool = wl_shm_create_pool(g.shm, fd, 400 * 300 * 4);
	struct wl_buffer *buffer =
			wl_shm_pool_create_buffer(pool, 0, 400, 300, 1600, WL_SHM_FORMAT_ARGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_surface_attach(window.surface, buffer, 0, 0);
	wl_surface_damage_buffer(window.surface, 0, 0, 400, 300);
	wl_surface_commit(window.surface);
	while (!probe.focused) {
		if (wl_display_dispatch(display) < 0) {
			die_display(display, "waiting for keyboard focus");
		}
	}
	int control = control_connect(control_path);
	char reply[4096];
	int x = 0, y = 0, width = 0, height = 0;
	control_window_box(control, &x, &y, &width, &height);
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0;
		if (motion) {
			char line[64];
			snprintf(line, sizeof(line), "motion %d %d\n", x + 10 + (int)(i % 2) * 20,
					y + 10 + (int)(i % 2) * 20);
			probe.motion_at = 0;
			t0 = now_ns();
			control_send(control, line);
			dispatch_until(display, &probe.motion_at, "waiting for the motion");
			control_reply(control, reply, sizeof(reply));
			print_us(probe.motion_at - t0);
			continue;
		}
		probe.key_at = 0;
		probe.key_state = WL_KEYBOARD_KEY_STATE_PRESSED;
		t0 = now_ns();
		control_send(control, "keydown a\n");
		dispatch_until(display, &probe.key_at, "waiting for the key press");
		uint64_t took = probe.key_at - t0;
		control_reply(control, reply, sizeof(reply));
		probe.key_at = 0;
		probe.key_state = WL_KEYBOARD_KEY_STATE_RELEASED;
		control_send(control, "keyup a\n");
		dispatch_until(display, &probe.key_at, "waiting for the key release");
		control_reply(control, reply, sizeof(reply));
		print_us(took);
	}
	close(control);
	wl_buffer_destroy(buffer);
	xdg_toplevel_destroy(window.toplevel);
	xdg_surface_destroy(window.xdg_surface);
	wl_surface_destroy(window.surface);
	wl_keyboard_destroy(probe.keyboard);
	wl_pointer_destroy(probe.pointer);
	roundtrip(display);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
}

static void
usage(void)
{
	fputs("Usage: strata-probe startup N | sync N | commit W H N | commitsync W H N | flood N\n"
	      "                    | key CONTROL N | motion CONTROL N\n",
			stderr);
	exit(2);
}

int
main(int argc, char *argv[])
{
	if (argc < 2) {
		usage();
	}
	const char *mode = argv[1];
	if (strcmp(mode, "startup") == 0 && argc == 3) {
		mode_startup(parse_count(argv[2], 1, 10000000, "N"));
	} else if (strcmp(mode, "sync") == 0 && argc == 3) {
		mode_sync(parse_count(argv[2], 1, 100000000, "N"));
	} else if ((strcmp(mode, "commit") == 0 || strcmp(mode, "commitsync") == 0) && argc == 5) {
		unsigned long w = parse_count(argv[2], 1, MAX_SIDE, "W");
		unsigned long h = parse_count(argv[3], 1, MAX_SIDE, "H");
		mode_commit(w, h, parse_count(argv[4], 1, 10000000, "N"),
				strcmp(mode, "commit") == 0);
	} else if ((strcmp(mode, "key") == 0 || strcmp(mode, "motion") == 0) && argc == 4) {
		mode_input(argv[2], parse_count(argv[3], 1, 1000000, "N"),
				strcmp(mode, "motion") == 0);
	} else if (strcmp(mode, "flood") == 0 && argc == 3) {
		mode_flood(parse_count(argv[2], 1, 1000000000, "N"));
	} else {
		usage();
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		die("cannot write to stdout");
	}
	return 0;
}
