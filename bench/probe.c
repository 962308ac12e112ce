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
 *                      it: the commit's own cost in the compositor's event
 *                      loop (transit, and a copy if it makes one there:
 *                      strata copies a window's damage for the frame drawn),
 *                      free of the output's frame clock. Each commit
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
 *   anim W H           One window redrawing the whole of its W×H XRGB8888
 *                      buffer on each frame callback, whole damage, until
 *                      killed. Prints nothing.
 *   map N M HOLD       Opens N idle windows (240×160 solid XRGB8888, one
 *                      pool; each configure answered with a commit), holds
 *                      them HOLD s (a line on stderr says when it starts),
 *                      then M times maps one window more and destroys it.
 *                      Prints "TOTAL CONFIGURE" per sample, µs from just
 *                      before the surface is created to the frame callback
 *                      done of its first buffer, and to its first configure.
 *   exec SOCKET LOG CMD...  Runs CMD (a compositor, output to LOG), connects
 *                      to SOCKET once it answers (tried each ms, sleeping),
 *                      maps a window; prints µs from the fork to the frame
 *                      callback done of its first buffer, then stops CMD.
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
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
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
	if (g.seat) {
		wl_seat_destroy(g.seat);
	}
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
	bool mapped; /* has a buffer: answers each configure with a commit */
	uint64_t configured_at; /* when the first configure came */
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
	if (!window->configured) {
		window->configured_at = now_ns();
	}
	window->configured = true;
	/* A mapped window keeps its buffer, whatever size it is asked for
	 * (smaller than asked is allowed): the commit tells the compositor
	 * the configure is done, which a tiling layout waits for. */
	if (window->mapped) {
		wl_surface_commit(window->surface);
	}
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

/* A toplevel and its initial commit; does not wait for the configure. */
static void
window_create(struct globals *g, struct window *window)
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
}

/* A toplevel, configured (not mapped: no buffer yet). */
static void
window_configure(struct wl_display *display, struct globals *g, struct window *window)
{
	window_create(g, window);
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
	if (g.seat) {
		wl_seat_destroy(g.seat);
	}
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
	xdg_wm_base_destroy(g.wm_base);
	wl_shm_destroy(g.shm);
	wl_compositor_destroy(g.compositor);
	wl_seat_destroy(g.seat);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
}

/* ---- windows of the compositor benchmark ----------------------------------- */

#define IDLE_WIDTH 240
#define IDLE_HEIGHT 160
#define WAIT_MS 20000 /* for a configure or a frame that should come at once */

/*
 * Dispatches until *flag is non-zero or timeout_ms have passed; false on
 * timeout. poll() sleeps: nothing here spins.
 */
static bool
dispatch_until_timeout(struct wl_display *display, const uint64_t *flag, int timeout_ms,
		const char *what)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		if (wl_display_dispatch_pending(display) < 0) {
			die_display(display, what);
		}
		if (*flag != 0) {
			return true;
		}
		flush_all(display);
		uint64_t now = now_ns();
		if (now >= deadline) {
			return false;
		}
		struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLIN };
		int ret = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);
		if (ret < 0 && errno != EINTR) {
			die("poll: %s", strerror(errno));
		}
		if (ret > 0 && wl_display_dispatch(display) < 0) {
			die_display(display, what);
		}
	}
}

/* Answers events (configures, pings) for ms milliseconds. */
static void
pump(struct wl_display *display, int ms)
{
	static const uint64_t never = 0;
	dispatch_until_timeout(display, &never, ms, "answering events");
}

/* One memfd pool cut into equal slots of XRGB8888 pixels: one pool for any
 * number of windows (strata caps the pools a client may hold). */
struct slot_pool {
	struct wl_shm_pool *pool;
	uint8_t *map;
	size_t size, slot_bytes;
	int32_t width, height;
};

static void
slot_pool_init(struct slot_pool *pool, struct globals *g, int32_t width, int32_t height,
		size_t slots)
{
	pool->width = width;
	pool->height = height;
	pool->slot_bytes = (size_t)width * (size_t)height * 4;
	pool->size = pool->slot_bytes * slots;
	if (pool->size > INT32_MAX) {
		die("%zu slots of %dx%d are too large for one pool", slots, width, height);
	}
	int fd = create_shm_file(pool->size);
	pool->map = mmap(NULL, pool->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pool->map == MAP_FAILED) {
		die("mmap %zu bytes: %s", pool->size, strerror(errno));
	}
	pool->pool = wl_shm_create_pool(g->shm, fd, (int32_t)pool->size);
	if (!pool->pool) {
		die("cannot create a wl_shm_pool");
	}
	close(fd);
}

static uint32_t *
slot_pool_pixels(struct slot_pool *pool, size_t slot)
{
	return (uint32_t *)(pool->map + slot * pool->slot_bytes);
}

/* A new wl_buffer over one slot. */
static struct wl_buffer *
slot_pool_buffer(struct slot_pool *pool, size_t slot)
{
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool->pool,
			(int32_t)(slot * pool->slot_bytes), pool->width, pool->height,
			pool->width * 4, WL_SHM_FORMAT_XRGB8888);
	if (!buffer) {
		die("cannot create a wl_buffer");
	}
	return buffer;
}

static void
slot_pool_finish(struct slot_pool *pool)
{
	wl_shm_pool_destroy(pool->pool);
	if (munmap(pool->map, pool->size) < 0) {
		die("munmap: %s", strerror(errno));
	}
}

static void
fill_solid(uint32_t *pixels, size_t words, uint32_t colour)
{
	for (size_t i = 0; i < words; i++) {
		pixels[i] = colour;
	}
}

static void
window_destroy(struct window *window)
{
	xdg_toplevel_destroy(window->toplevel);
	xdg_surface_destroy(window->xdg_surface);
	wl_surface_destroy(window->surface);
}

static void
connect_globals(struct wl_display *display, struct globals *g, struct wl_registry **registry)
{
	*registry = get_registry(display, g);
	roundtrip(display);
	if (!g->compositor || !g->shm || !g->wm_base) {
		die("the compositor lacks wl_compositor v4, wl_shm or xdg_wm_base");
	}
}

static void
release_globals(struct globals *g, struct wl_registry *registry)
{
	xdg_wm_base_destroy(g->wm_base);
	wl_shm_destroy(g->shm);
	wl_compositor_destroy(g->compositor);
	if (g->seat) {
		wl_seat_destroy(g->seat);
	}
	wl_registry_destroy(registry);
}

/*
 * anim W H: one window that redraws the whole of a W×H XRGB8888 buffer on
 * each frame callback (a pattern that moves by a few pixels a frame) and
 * damages the whole of it, until it is killed or the window is closed.
 */
static void
mode_anim(unsigned long width, unsigned long height)
{
	struct wl_display *display = connect_display();
	struct globals g = { 0 };
	struct wl_registry *registry;
	connect_globals(display, &g, &registry);
	struct slot_pool pool;
	slot_pool_init(&pool, &g, (int32_t)width, (int32_t)height, 2);
	struct buffer buffers[2];
	for (size_t i = 0; i < 2; i++) {
		buffers[i] = (struct buffer){
			.wl = slot_pool_buffer(&pool, i),
			.pixels = slot_pool_pixels(&pool, i),
		};
		if (wl_buffer_add_listener(buffers[i].wl, &buffer_listener, &buffers[i]) < 0) {
			die("cannot listen to a wl_buffer");
		}
	}
	struct window window = { 0 };
	window_configure(display, &g, &window);
	xdg_toplevel_set_app_id(window.toplevel, "strata-probe-anim");
	window.mapped = true;
	for (uint32_t frame = 0; !window.closed; frame++) {
		struct buffer *buffer = &buffers[frame % 2];
		while (buffer->busy) {
			if (wl_display_dispatch(display) < 0) {
				die_display(display, "waiting for a buffer release");
			}
		}
		for (unsigned long y = 0; y < height; y++) {
			uint32_t *row = buffer->pixels + y * width;
			uint32_t green = ((uint32_t)y + frame * 2) & 0xff;
			for (unsigned long x = 0; x < width; x++) {
				row[x] = 0xff000000u | ((((uint32_t)x + frame * 4) & 0xff) << 16) |
						(green << 8) | (frame & 0xff);
			}
		}
		wl_surface_attach(window.surface, buffer->wl, 0, 0);
		wl_surface_damage_buffer(window.surface, 0, 0, (int32_t)width, (int32_t)height);
		uint64_t done_at = 0;
		struct wl_callback *callback =
				timed_callback(wl_surface_frame(window.surface), &done_at);
		wl_surface_commit(window.surface);
		buffer->busy = true;
		/* A hidden window may wait for ever, as any client would. */
		dispatch_until(display, &done_at, "waiting for the frame callback");
		wl_callback_destroy(callback);
	}
	window_destroy(&window);
	for (size_t i = 0; i < 2; i++) {
		wl_buffer_destroy(buffers[i].wl);
	}
	slot_pool_finish(&pool);
	release_globals(&g, registry);
	wl_display_disconnect(display);
}

/*
 * map N M HOLD: opens N windows in this connection (each a solid IDLE
 * buffer, answering every configure with a commit), holds them HOLD seconds
 * (saying so on stderr, so that a script can time the compositor then), and
 * then M times maps one more window and destroys it again. Each sample is a
 * line "TOTAL CONFIGURE" in µs: from just before the new surface is created
 * to the done of the frame callback of its first buffer's commit, and to its
 * first configure.
 */
static void
mode_map(unsigned long open_count, unsigned long samples, unsigned long hold_s)
{
	struct wl_display *display = connect_display();
	struct globals g = { 0 };
	struct wl_registry *registry;
	connect_globals(display, &g, &registry);
	struct slot_pool pool;
	slot_pool_init(&pool, &g, IDLE_WIDTH, IDLE_HEIGHT, open_count + 1);
	for (size_t i = 0; i <= open_count; i++) {
		uint32_t shade = (uint32_t)(0x30 + (i * 37) % 0x90);
		fill_solid(slot_pool_pixels(&pool, i), pool.slot_bytes / 4,
				0xff000000u | shade << 16 | 0x40u << 8 | (0xff - shade));
	}
	struct window *windows = calloc(open_count ? open_count : 1, sizeof(*windows));
	struct wl_buffer **buffers = calloc(open_count ? open_count : 1, sizeof(*buffers));
	if (!windows || !buffers) {
		die("out of memory");
	}
	for (size_t i = 0; i < open_count; i++) {
		window_create(&g, &windows[i]);
	}
	for (size_t i = 0; i < open_count; i++) {
		if (!dispatch_until_timeout(display, &windows[i].configured_at, WAIT_MS,
				    "waiting for the first configures")) {
			die("window %zu of %lu: no configure within %d ms", i + 1, open_count,
					WAIT_MS);
		}
		buffers[i] = slot_pool_buffer(&pool, i);
		wl_surface_attach(windows[i].surface, buffers[i], 0, 0);
		wl_surface_damage_buffer(windows[i].surface, 0, 0, IDLE_WIDTH, IDLE_HEIGHT);
		wl_surface_commit(windows[i].surface);
		windows[i].mapped = true;
	}
	roundtrip(display);
	roundtrip(display);
	fprintf(stderr, "strata-probe: %lu windows open, holding %lu s\n", open_count, hold_s);
	pump(display, (int)hold_s * 1000);

	for (unsigned long s = 0; s < samples; s++) {
		struct window window = { 0 };
		uint64_t t0 = now_ns();
		window_create(&g, &window);
		if (!dispatch_until_timeout(display, &window.configured_at, WAIT_MS,
				    "waiting for the configure")) {
			die("sample %lu: no configure within %d ms", s + 1, WAIT_MS);
		}
		struct wl_buffer *buffer = slot_pool_buffer(&pool, open_count);
		wl_surface_attach(window.surface, buffer, 0, 0);
		wl_surface_damage_buffer(window.surface, 0, 0, IDLE_WIDTH, IDLE_HEIGHT);
		uint64_t done_at = 0;
		struct wl_callback *callback =
				timed_callback(wl_surface_frame(window.surface), &done_at);
		window.mapped = true;
		wl_surface_commit(window.surface);
		if (!dispatch_until_timeout(display, &done_at, WAIT_MS,
				    "waiting for the first frame callback")) {
			die("sample %lu (window %lu): no frame callback within %d ms of its first "
			    "buffer",
					s + 1, open_count + 1, WAIT_MS);
		}
		if (printf("%.1f %.1f\n", (double)(done_at - t0) / 1000.0,
				    (double)(window.configured_at - t0) / 1000.0) < 0) {
			die("cannot write to stdout");
		}
		wl_callback_destroy(callback);
		window_destroy(&window);
		roundtrip(display);
		wl_buffer_destroy(buffer);
		/* The others' new configures (a tiling layout) are answered. */
		pump(display, 50);
	}

	for (size_t i = 0; i < open_count; i++) {
		window_destroy(&windows[i]);
		wl_buffer_destroy(buffers[i]);
	}
	roundtrip(display);
	free(windows);
	free(buffers);
	slot_pool_finish(&pool);
	release_globals(&g, registry);
	wl_display_disconnect(display);
}

/* SIGTERM to the child's process group, SIGKILL after 5 s. */
static void
stop_child(pid_t pid)
{
	kill(-pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			return;
		}
		struct timespec ts = { .tv_nsec = 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * exec SOCKET LOG CMD...: runs CMD (a compositor) in a session of its own,
 * output to LOG, connects to SOCKET as soon as it answers (tried every
 * millisecond, sleeping in between), maps a window and prints the time from
 * just before the fork to the done of the frame callback of its first
 * buffer, in µs. Then stops CMD (SIGTERM to its group, SIGKILL after 5 s).
 */
static void
mode_exec(const char *socket_path, const char *log, char *const argv[])
{
	fflush(stdout);
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		die("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
			_exit(126);
		}
		setsid();
		execvp(argv[0], argv);
		dprintf(2, "strata-probe: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	struct wl_display *display = NULL;
	while (!display) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			die("%s ended (status %d) before %s answered", argv[0], status,
					socket_path);
		}
		struct stat st;
		if (stat(socket_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			display = wl_display_connect(socket_path);
		}
		if (!display) {
			if (now_ns() - t0 > (uint64_t)WAIT_MS * 1000000u) {
				stop_child(pid);
				die("%s did not answer within %d ms", socket_path, WAIT_MS);
			}
			struct timespec ts = { .tv_nsec = 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	struct globals g = { 0 };
	struct wl_registry *registry;
	connect_globals(display, &g, &registry);
	struct slot_pool pool;
	slot_pool_init(&pool, &g, IDLE_WIDTH, IDLE_HEIGHT, 1);
	fill_solid(slot_pool_pixels(&pool, 0), pool.slot_bytes / 4, 0xff406080u);
	struct window window = { 0 };
	window_create(&g, &window);
	if (!dispatch_until_timeout(display, &window.configured_at, WAIT_MS, "first configure")) {
		stop_child(pid);
		die("no configure within %d ms", WAIT_MS);
	}
	struct wl_buffer *buffer = slot_pool_buffer(&pool, 0);
	wl_surface_attach(window.surface, buffer, 0, 0);
	wl_surface_damage_buffer(window.surface, 0, 0, IDLE_WIDTH, IDLE_HEIGHT);
	uint64_t done_at = 0;
	struct wl_callback *callback = timed_callback(wl_surface_frame(window.surface), &done_at);
	window.mapped = true;
	wl_surface_commit(window.surface);
	if (!dispatch_until_timeout(display, &done_at, WAIT_MS, "first frame callback")) {
		stop_child(pid);
		die("no frame callback within %d ms of the first buffer", WAIT_MS);
	}
	print_us(done_at - t0);
	wl_callback_destroy(callback);
	window_destroy(&window);
	wl_buffer_destroy(buffer);
	slot_pool_finish(&pool);
	release_globals(&g, registry);
	wl_display_disconnect(display);
	stop_child(pid);
}

static void
usage(void)
{
	fputs("Usage: strata-probe startup N | sync N | commit W H N | commitsync W H N | flood N\n"
	      "                    | key CONTROL N | motion CONTROL N | anim W H | map N M HOLD\n"
	      "                    | exec SOCKET LOG CMD...\n",
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
	} else if (strcmp(mode, "anim") == 0 && argc == 4) {
		mode_anim(parse_count(argv[2], 1, MAX_SIDE, "W"),
				parse_count(argv[3], 1, MAX_SIDE, "H"));
	} else if (strcmp(mode, "map") == 0 && argc == 5) {
		mode_map(parse_count(argv[2], 0, 4000, "N"), parse_count(argv[3], 0, 100000, "M"),
				parse_count(argv[4], 0, 3600, "HOLD"));
	} else if (strcmp(mode, "exec") == 0 && argc >= 5) {
		mode_exec(argv[2], argv[3], &argv[4]);
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
