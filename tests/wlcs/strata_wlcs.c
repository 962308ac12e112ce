// SPDX-License-Identifier: GPL-3.0-only
/*
 * Strata's integration module for wlcs, the Wayland conformance suite.
 *
 * Copyright the Strata authors. This file is test code under the GNU General
 * Public License version 3 only, because it includes wlcs's headers (GPL-3.0);
 * it is built into a module wlcs loads, never linked into anything shipped.
 *
 * Each test gets a fresh strata, started in the wlcs process the way strata's
 * main() starts it (compositor/startup.c): headless, pixman, no cages, one
 * level "low" from a generated configuration. wlcs calls every hook on the
 * compositor's thread (start_on_this_thread: its event loop is driven from
 * ours), so nothing here needs a lock.
 *
 *   create_client_socket      a socketpair; strata's end is accepted as a
 *                             low client (levels_accept_client), as a
 *                             connection to the level's socket is. Built
 *                             with STRATA_WLCS_PROXY, the client's end goes
 *                             through a strata-cage-proxy process of its own
 *                             (--connection, sandboxed when run as root).
 *   position_window_absolute  the window floats there (layout_float_at)
 *   create_pointer/touch      a headless input device each, driven through
 *                             its wlr_pointer/wlr_touch signals: strata's
 *                             seat sees them as it sees real devices
 *   get_descriptor            the level globals of the global policy table
 *
 * One workaround for wlcs 1.5.0's own clients, never for strata's: its
 * helpers (create_xdg_shell_stable_surface, create_visible_surface, the
 * input-region fixtures) commit a buffer right after the initial commit, or
 * with it, without waiting for the first configure, which xdg-shell forbids; wlroots answers with
 * xdg_surface.error unconfigured_buffer, as it does for any client. So the
 * harness, seeing such a commit from a wlcs client, marks the first configure
 * (scheduled by that commit at the latest) as acknowledged (the client's own ack, when it
 * comes, is then taken as usual). Every use is counted and printed at the
 * end of a server ("strata-wlcs: acked N configures for wlcs's clients").
 *
 * Coordinates: strata keeps the banner and every window's frame outside
 * the clients' surfaces, so wlcs's point (0, 0) is the top-left of where a
 * window's content can be: below the banner, inside a frame. The same
 * offset applies to windows, pointers and touches.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client-core.h>
#include <wayland-server-core.h>
#include <wlcs/display_server.h>
#include <wlcs/pointer.h>
#include <wlcs/touch.h>
#include <wlr/backend/headless.h>
#include <wlr/interfaces/wlr_input_device.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/types/wlr_touch.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include "common/global_policy.h"
#include "layout.h"
#include "output.h"
#include "seat.h"
#include "server.h"
#include "startup.h"
#include "view.h"

#ifndef STRATA_WLCS_PROXY
#define STRATA_WLCS_PROXY 0
#endif

#define OUTPUT_SIZE "1920x1080"
#define MAX_PROXIES 256

/* A wlcs client: the fd wlcs got (its wl_display's) and strata's wl_client. */
struct wlcs_client {
	struct strata_wlcs *wlcs;
	int client_fd;
	struct wl_client *client;
	struct wl_listener destroy;
	struct wl_list link; /* strata_wlcs.clients */
};

struct strata_wlcs {
	WlcsDisplayServer base;
	char dir[64]; /* everything of this run: configuration, sockets, homes */
	char config_path[128];
	struct strata_server server;
	bool running;
	struct wl_event_source *wlcs_source;
	struct wl_protocol_logger *early_buffer_logger;
	unsigned early_buffers; /* commits the workaround let through */
	struct wl_list clients; /* wlcs_client.link */
	pid_t proxies[MAX_PROXIES];
	size_t proxy_count;
	WlcsExtensionDescriptor extensions[64];
	WlcsIntegrationDescriptor descriptor;
};

struct wlcs_pointer {
	WlcsPointer base;
	struct strata_wlcs *wlcs;
	struct wlr_input_device *device;
};

struct wlcs_touch {
	WlcsTouch base;
	struct strata_wlcs *wlcs;
	struct wlr_input_device *device;
	bool down;
};

static uint32_t
now_msec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static struct strata_wlcs *
wlcs_of(WlcsDisplayServer *base)
{
	return wl_container_of(base, (struct strata_wlcs *)NULL, base);
}

/* Layout coordinates of wlcs's point (x, y) (see the top of the file). */
static void
to_layout(struct strata_wlcs *wlcs, double x, double y, double *lx, double *ly)
{
	struct strata_server *server = &wlcs->server;
	struct wlr_box area = { 0 };
	output_usable_area(server, &area);
	int border = server->config.levels[0].border_width;
	*lx = x + area.x + border;
	*ly = y + area.y + server->config.title_height + border;
}

/* Normalized [0, 1] device coordinate of the layout point lx (its box
 * starting at start, length long). wlroots turns it back into lx with a
 * multiplication that may land a hair below an integer (x/1920*1920):
 * a point wlcs puts exactly on a surface's edge would fall on the wrong
 * side of it. A millionth of a pixel more rounds it back (wl_fixed has
 * 1/256). */
static double
to_device(double lx, int start, int length)
{
	return (lx - start + 1e-6) / length;
}

static bool
write_config(struct strata_wlcs *wlcs)
{
	snprintf(wlcs->config_path, sizeof(wlcs->config_path), "%s/strata.ini", wlcs->dir);
	FILE *f = fopen(wlcs->config_path, "we");
	if (!f) {
		return false;
	}
	fputs("; Generated by tests/wlcs: one level, low.\n"
	      "[level low]\n"
	      "colour = #2e7d32\n"
	      "text_colour = #ffffff\n"
	      "banner = WLCS\n"
	      /* As root, strata needs the user whose password unlocks; and
	       * never an idle lock in the middle of a test. */
	      "[lock]\n"
	      "user = root\n"
	      "idle_seconds = 0\n",
			f);
	return fclose(f) == 0;
}

/* The level globals of the policy table that a headless, pixman strata
 * makes: every one but the GPU renderer's. */
static void
fill_descriptor(struct strata_wlcs *wlcs)
{
	size_t count, n = 0;
	const struct strata_global_rule *rules = global_policy_rules(&count);
	for (size_t i = 0; i < count && n < sizeof(wlcs->extensions) / sizeof(wlcs->extensions[0]);
			i++) {
		if (rules[i].scope != STRATA_GLOBAL_LEVEL ||
				strcmp(rules[i].interface, "wl_drm") == 0 ||
				strcmp(rules[i].interface, "zwp_linux_dmabuf_v1") == 0) {
			continue;
		}
		wlcs->extensions[n].name = rules[i].interface;
		wlcs->extensions[n].version = rules[i].max_version;
		n++;
	}
	wlcs->descriptor.version = 1;
	wlcs->descriptor.num_extensions = n;
	wlcs->descriptor.supported_extensions = wlcs->extensions;
}

/* The workaround for wlcs's clients (see the top of the file). */
static void
handle_request(void *data, enum wl_protocol_logger_type type,
		const struct wl_protocol_logger_message *message)
{
	struct strata_wlcs *wlcs = data;
	if (type != WL_PROTOCOL_LOGGER_REQUEST ||
			strcmp(wl_resource_get_class(message->resource), "wl_surface") != 0 ||
			strcmp(message->message->name, "commit") != 0) {
		return;
	}
	struct wlr_surface *surface = wlr_surface_from_resource(message->resource);
	if (!surface || !wlr_surface_is_xdg_surface(surface)) {
		return;
	}
	struct wlr_xdg_surface *xdg_surface = wlr_xdg_surface_from_wlr_surface(surface);
	bool attaches = (surface->pending.committed & WLR_SURFACE_STATE_BUFFER) &&
			surface->pending.buffer;
	if (xdg_surface && !xdg_surface->configured && attaches &&
			xdg_surface->role != WLR_XDG_SURFACE_ROLE_NONE) {
		xdg_surface->configured = true;
		wlcs->early_buffers++;
	}
}

static int
handle_wlcs_events(int fd, uint32_t mask, void *data)
{
	struct wl_event_loop *wlcs_loop = data;
	wl_event_loop_dispatch(wlcs_loop, 0);
	return 0;
}

static void
reap_proxies(struct strata_wlcs *wlcs)
{
	/* Each proxy ends with its connection; strata closed them all. */
	for (size_t i = 0; i < wlcs->proxy_count; i++) {
		int status;
		for (int tries = 0; tries < 200; tries++) {
			pid_t r = waitpid(wlcs->proxies[i], &status, WNOHANG);
			if (r != 0) {
				break;
			}
			if (tries == 199) {
				fprintf(stderr, "strata-wlcs: proxy %d did not end; killed\n",
						(int)wlcs->proxies[i]);
				kill(wlcs->proxies[i], SIGKILL);
				waitpid(wlcs->proxies[i], &status, 0);
			}
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	wlcs->proxy_count = 0;
}

static void
wlcs_start_on_this_thread(WlcsDisplayServer *base, struct wl_event_loop *wlcs_loop)
{
	struct strata_wlcs *wlcs = wlcs_of(base);
	struct strata_server *server = &wlcs->server;
	char runtime_dir[128], data_dir[128];
	snprintf(runtime_dir, sizeof(runtime_dir), "%s/run", wlcs->dir);
	snprintf(data_dir, sizeof(data_dir), "%s/data", wlcs->dir);
	struct strata_startup startup = {
		.config_path = wlcs->config_path,
		.headless = OUTPUT_SIZE,
		.runtime_dir = runtime_dir,
		.data_dir = data_dir,
		.cages = false,
		.test_control = false,
		.quiet = true,
		.auth_helper = STRATA_AUTH_PATH,
		.clipboard_guard = STRATA_CLIPBOARD_GUARD_PATH,
	};
	config_set_defaults(&server->config);
	if (!config_load_file(&server->config, wlcs->config_path, NULL, NULL) ||
			!startup_open(server, &startup) || !startup_start(server, &startup)) {
		/* wlcs cannot be told: every test of this server fails loudly. */
		fprintf(stderr, "strata-wlcs: strata did not start\n");
		abort();
	}
	wlcs->wlcs_source =
			wl_event_loop_add_fd(server->event_loop, wl_event_loop_get_fd(wlcs_loop),
					WL_EVENT_READABLE, handle_wlcs_events, wlcs_loop);
	if (!wlcs->wlcs_source) {
		abort();
	}
	/* A touchscreen from the start, as on a machine that has one: the seat
	 * has the touch capability before any client binds it (wlcs's client
	 * gets a second wl_pointer when capabilities change, and then counts
	 * two enters without a leave). */
	if (!wlr_headless_add_input_device(server->input_backend, WLR_INPUT_DEVICE_TOUCH)) {
		abort();
	}
	/* The pointer starts on the banner, over no window: a test's first
	 * window is entered only when the test moves a pointer onto it. */
	seat_inject_motion(server->seat, 0, 0);
	wlcs->early_buffer_logger =
			wl_display_add_protocol_logger(server->display, handle_request, wlcs);
	if (!wlcs->early_buffer_logger) {
		abort();
	}
	/* What wlcs queued before we ran. */
	wl_event_loop_dispatch(wlcs_loop, 0);
	wlcs->running = true;
	wl_display_run(server->display);
	wlcs->running = false;
	wl_event_source_remove(wlcs->wlcs_source);
	wlcs->wlcs_source = NULL;
	wl_protocol_logger_destroy(wlcs->early_buffer_logger);
	wlcs->early_buffer_logger = NULL;
	if (wlcs->early_buffers > 0) {
		fprintf(stderr, "strata-wlcs: acked %u configures for wlcs's clients\n",
				wlcs->early_buffers);
	}
	startup_close(server);
	reap_proxies(wlcs);
}

static void
wlcs_stop(WlcsDisplayServer *base)
{
	struct strata_wlcs *wlcs = wlcs_of(base);
	wl_display_terminate(wlcs->server.display);
}

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct wlcs_client *c = wl_container_of(listener, c, destroy);
	wl_list_remove(&c->destroy.link);
	wl_list_remove(&c->link);
	free(c);
}

/* The proxy on client (its client's end) and upstream (strata's), as
 * fds 3 and 4, nothing else; -1 when it could not be started. */
static pid_t
start_proxy(struct strata_wlcs *wlcs, int client, int upstream)
{
	static unsigned serial;
	char sandbox_dir[160];
	snprintf(sandbox_dir, sizeof(sandbox_dir), "%s/proxy-%u", wlcs->dir, ++serial);
	bool root = geteuid() == 0;
	const char *argv[] = {
		STRATA_CAGE_PROXY_PATH,
		"--level",
		"low",
		"-c",
		wlcs->config_path,
		"--connection",
		"3,4",
		root ? "--sandbox-dir" : "--no-sandbox",
		root ? sandbox_dir : NULL,
		root ? "--uid" : NULL,
		"65534",
		"--gid",
		"65534",
		NULL,
	};
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int c = fcntl(client, F_DUPFD_CLOEXEC, 10);
		int u = fcntl(upstream, F_DUPFD_CLOEXEC, 10);
		if (null < 0 || c < 0 || u < 0 || dup2(null, STDIN_FILENO) < 0 ||
				(!getenv("STRATA_WLCS_PROXY_LOG") &&
						dup2(null, STDOUT_FILENO) < 0) ||
				dup2(c, 3) < 0 || dup2(u, 4) < 0 || close_range(5, ~0U, 0) < 0) {
			_exit(127);
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int
wlcs_create_client_socket(WlcsDisplayServer *base)
{
	struct strata_wlcs *wlcs = wlcs_of(base);
	struct strata_server *server = &wlcs->server;
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		return -1;
	}
	int client_fd = pair[0], strata_fd = pair[1];
	if (STRATA_WLCS_PROXY) {
		/* client_fd <-> proxy <-> strata_fd */
		int up[2];
		if (wlcs->proxy_count >= MAX_PROXIES ||
				socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, up) < 0) {
			close(pair[0]);
			close(pair[1]);
			return -1;
		}
		pid_t pid = start_proxy(wlcs, pair[1], up[0]);
		close(pair[1]);
		close(up[0]);
		if (pid < 0) {
			close(pair[0]);
			close(up[1]);
			return -1;
		}
		wlcs->proxies[wlcs->proxy_count++] = pid;
		strata_fd = up[1];
	}
	struct wlcs_client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(client_fd);
		close(strata_fd);
		return -1;
	}
	c->client = levels_accept_client(server, strata_fd, 0);
	if (!c->client) {
		free(c);
		close(client_fd);
		return -1;
	}
	c->wlcs = wlcs;
	c->client_fd = client_fd;
	c->destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(c->client, &c->destroy);
	wl_list_insert(&wlcs->clients, &c->link);
	return client_fd;
}

static struct wl_client *
client_of_display(struct strata_wlcs *wlcs, struct wl_display *display)
{
	int fd = wl_display_get_fd(display);
	struct wlcs_client *c;
	wl_list_for_each(c, &wlcs->clients, link) {
		if (c->client_fd == fd) {
			return c->client;
		}
	}
	return NULL;
}

static void
wlcs_position_window_absolute(WlcsDisplayServer *base, struct wl_display *display,
		struct wl_surface *client_surface, int x, int y)
{
	struct strata_wlcs *wlcs = wlcs_of(base);
	struct strata_server *server = &wlcs->server;
	struct wl_client *client = client_of_display(wlcs, display);
	/* The proxy forwards ids as they are: the client's id is strata's. */
	uint32_t id = wl_proxy_get_id((struct wl_proxy *)client_surface);
	struct wl_resource *resource = client ? wl_client_get_object(client, id) : NULL;
	/* By name: this module sees libwayland-client's wl_surface_interface. */
	if (!resource || strcmp(wl_resource_get_class(resource), "wl_surface") != 0) {
		fprintf(stderr, "strata-wlcs: position_window_absolute: no surface %u%s\n", id,
				client ? "" : " (not a client of ours)");
		return;
	}
	struct wlr_surface *surface = wlr_surface_from_resource(resource);
	struct strata_view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view_surface(view) == surface) {
			/* The window, as wlcs (and Mir) mean it: its geometry's
			 * top-left goes to (x, y). */
			double lx, ly;
			to_layout(wlcs, x, y, &lx, &ly);
			layout_float_at(server, view, (int)lx, (int)ly);
			seat_pointer_rebase(server->seat);
			return;
		}
	}
	fprintf(stderr, "strata-wlcs: position_window_absolute: surface %u is no window\n", id);
}

static struct wlcs_pointer *
pointer_of(WlcsPointer *base)
{
	return wl_container_of(base, (struct wlcs_pointer *)NULL, base);
}

static void
pointer_move_absolute(WlcsPointer *base, wl_fixed_t x, wl_fixed_t y)
{
	struct wlcs_pointer *p = pointer_of(base);
	struct wlr_box *box = wlr_output_layout_get_box(p->wlcs->server.output_layout, NULL);
	double lx, ly;
	to_layout(p->wlcs, wl_fixed_to_double(x), wl_fixed_to_double(y), &lx, &ly);
	struct wlr_event_pointer_motion_absolute event = {
		.device = p->device,
		.time_msec = now_msec(),
		.x = to_device(lx, box->x, box->width),
		.y = to_device(ly, box->y, box->height),
	};
	wl_signal_emit(&p->device->pointer->events.motion_absolute, &event);
	wl_signal_emit(&p->device->pointer->events.frame, p->device->pointer);
}

static void
pointer_move_relative(WlcsPointer *base, wl_fixed_t dx, wl_fixed_t dy)
{
	struct wlcs_pointer *p = pointer_of(base);
	struct wlr_event_pointer_motion event = {
		.device = p->device,
		.time_msec = now_msec(),
		.delta_x = wl_fixed_to_double(dx),
		.delta_y = wl_fixed_to_double(dy),
		.unaccel_dx = wl_fixed_to_double(dx),
		.unaccel_dy = wl_fixed_to_double(dy),
	};
	wl_signal_emit(&p->device->pointer->events.motion, &event);
	wl_signal_emit(&p->device->pointer->events.frame, p->device->pointer);
}

static void
pointer_button(WlcsPointer *base, int button, bool pressed)
{
	struct wlcs_pointer *p = pointer_of(base);
	struct wlr_event_pointer_button event = {
		.device = p->device,
		.time_msec = now_msec(),
		.button = (uint32_t)button,
		.state = pressed ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED,
	};
	wl_signal_emit(&p->device->pointer->events.button, &event);
	wl_signal_emit(&p->device->pointer->events.frame, p->device->pointer);
}

static void
pointer_button_down(WlcsPointer *base, int button)
{
	pointer_button(base, button, true);
}

static void
pointer_button_up(WlcsPointer *base, int button)
{
	pointer_button(base, button, false);
}

static void
pointer_destroy(WlcsPointer *base)
{
	struct wlcs_pointer *p = pointer_of(base);
	/* Gone with its compositor (wlcs may destroy it after stop). */
	if (p->wlcs->running) {
		wlr_input_device_destroy(p->device);
	}
	free(p);
}

static WlcsPointer *
wlcs_create_pointer(WlcsDisplayServer *base)
{
	struct strata_wlcs *wlcs = wlcs_of(base);
	struct wlcs_pointer *p = calloc(1, sizeof(*p));
	if (!p) {
		return NULL;
	}
	p->wlcs = wlcs;
	/* Announced at once (the backend runs): the seat attaches it to its
	 * cursor as it does every pointer. */
	p->device = wlr_headless_add_input_device(wlcs->server.input_backend,
			WLR_INPUT_DEVICE_POINTER);
	if (!p->device) {
		free(p);
		return NULL;
	}
	p->base = (WlcsPointer){
		.version = WLCS_POINTER_VERSION,
		.move_absolute = pointer_move_absolute,
		.move_relative = pointer_move_relative,
		.button_up = pointer_button_up,
		.button_down = pointer_button_down,
		.destroy = pointer_destroy,
	};
	return &p->base;
}

static struct wlcs_touch *
touch_of(WlcsTouch *base)
{
	return wl_container_of(base, (struct wlcs_touch *)NULL, base);
}

/*
 * wlcs 1.5.0 passes a touch's position as whole pixels, not as the
 * wl_fixed_t its header (touch.h) declares: wlcs::Touch::down_at(int, int)
 * hands its ints straight to touch_down and touch_move.
 */
static void
touch_down(WlcsTouch *base, wl_fixed_t x, wl_fixed_t y)
{
	struct wlcs_touch *t = touch_of(base);
	struct wlr_box *box = wlr_output_layout_get_box(t->wlcs->server.output_layout, NULL);
	double lx, ly;
	to_layout(t->wlcs, x, y, &lx, &ly);
	struct wlr_event_touch_down event = {
		.device = t->device,
		.time_msec = now_msec(),
		.touch_id = 0,
		.x = to_device(lx, box->x, box->width),
		.y = to_device(ly, box->y, box->height),
	};
	t->down = true;
	wl_signal_emit(&t->device->touch->events.down, &event);
	wl_signal_emit(&t->device->touch->events.frame, NULL);
}

static void
touch_move(WlcsTouch *base, wl_fixed_t x, wl_fixed_t y)
{
	struct wlcs_touch *t = touch_of(base);
	struct wlr_box *box = wlr_output_layout_get_box(t->wlcs->server.output_layout, NULL);
	double lx, ly;
	to_layout(t->wlcs, x, y, &lx, &ly); /* whole pixels (see touch_down) */
	struct wlr_event_touch_motion event = {
		.device = t->device,
		.time_msec = now_msec(),
		.touch_id = 0,
		.x = to_device(lx, box->x, box->width),
		.y = to_device(ly, box->y, box->height),
	};
	wl_signal_emit(&t->device->touch->events.motion, &event);
	wl_signal_emit(&t->device->touch->events.frame, NULL);
}

static void
touch_up(WlcsTouch *base)
{
	struct wlcs_touch *t = touch_of(base);
	struct wlr_event_touch_up event = {
		.device = t->device,
		.time_msec = now_msec(),
		.touch_id = 0,
	};
	t->down = false;
	wl_signal_emit(&t->device->touch->events.up, &event);
	wl_signal_emit(&t->device->touch->events.frame, NULL);
}

static void
touch_destroy(WlcsTouch *base)
{
	struct wlcs_touch *t = touch_of(base);
	if (t->wlcs->running) {
		wlr_input_device_destroy(t->device);
	}
	free(t);
}

static WlcsTouch *
wlcs_create_touch(WlcsDisplayServer *base)
{
	struct strata_wlcs *wlcs = wlcs_of(base);
	struct wlcs_touch *t = calloc(1, sizeof(*t));
	if (!t) {
		return NULL;
	}
	t->wlcs = wlcs;
	t->device = wlr_headless_add_input_device(wlcs->server.input_backend,
			WLR_INPUT_DEVICE_TOUCH);
	if (!t->device) {
		free(t);
		return NULL;
	}
	t->base = (WlcsTouch){
		.version = WLCS_TOUCH_VERSION,
		.touch_down = touch_down,
		.touch_move = touch_move,
		.touch_up = touch_up,
		.destroy = touch_destroy,
	};
	return &t->base;
}

static const WlcsIntegrationDescriptor *
wlcs_get_descriptor(const WlcsDisplayServer *base)
{
	const struct strata_wlcs *wlcs = wl_container_of(base, (struct strata_wlcs *)NULL, base);
	return &wlcs->descriptor;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static WlcsDisplayServer *
wlcs_create_server(int argc, const char **argv)
{
	static bool log_set;
	if (!log_set) {
		/* A sanitizer runtime preloaded into the runner (run_wlcs.py
		 * --preload) is for this process only: strata's children (the
		 * proxies, the clipboard guard) are sanitized executables with
		 * their own, and two runtimes make them abort at start. wlcs
		 * runs no thread yet. */
		unsetenv("LD_PRELOAD");
		wlr_log_init(getenv("STRATA_WLCS_DEBUG") ? WLR_DEBUG : WLR_ERROR, NULL);
		log_set = true;
	}
	struct strata_wlcs *wlcs = calloc(1, sizeof(*wlcs));
	if (!wlcs) {
		return NULL;
	}
	wl_list_init(&wlcs->clients);
	snprintf(wlcs->dir, sizeof(wlcs->dir), "/tmp/strata-wlcs-XXXXXX");
	if (!mkdtemp(wlcs->dir) || !write_config(wlcs)) {
		fprintf(stderr, "strata-wlcs: cannot prepare %s: %s\n", wlcs->dir, strerror(errno));
		free(wlcs);
		return NULL;
	}
	fill_descriptor(wlcs);
	wlcs->base = (WlcsDisplayServer){
		.version = 3,
		.start = NULL,
		.stop = wlcs_stop,
		.create_client_socket = wlcs_create_client_socket,
		.position_window_absolute = wlcs_position_window_absolute,
		.create_pointer = wlcs_create_pointer,
		.create_touch = wlcs_create_touch,
		.get_descriptor = wlcs_get_descriptor,
		.start_on_this_thread = wlcs_start_on_this_thread,
	};
	return &wlcs->base;
}

static void
wlcs_destroy_server(WlcsDisplayServer *base)
{
	struct strata_wlcs *wlcs = wlcs_of(base);
	nftw(wlcs->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(wlcs);
}

const WlcsServerIntegration wlcs_server_integration = {
	.version = 1,
	.create_server = wlcs_create_server,
	.destroy_server = wlcs_destroy_server,
};
