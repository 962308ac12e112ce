// SPDX-License-Identifier: MIT
/*
 * One Xwayland per level (xwayland.h): the servers, their sockets and
 * their supervision; their X11 windows as views.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include <wlr/xwayland.h>
#include "common/io.h"
#include "layout.h"
#include "output.h"
#include "paths.h"
#include "process.h"
#include "seat.h"
#include "session.h"
#include "view.h"
#include "xwayland.h"
#include "xwayland_selection.h"

#define X11_DIR "/tmp/.X11-unix"
#define X11_LEVELS_DIR X11_DIR "/levels"
#define XWAYLAND_BIN "/usr/bin/Xwayland"
#define SPEC_MAGIC "strata-xwayland-spec 2"
#define RESTART_MIN_MS 250
#define RESTART_MAX_MS 30000
#define STABLE_MS 30000
/* An override-redirect window over more of the output than this (per
 * cent) is managed, framed, like any window (Qubes' rule). */
#define UNMANAGED_MAX_PERCENT 90
/* After its server ended, how long its XWM may take to see it: 5 s. */
#define XWM_WAIT_MS 100
#define XWM_WAITS_MAX 50

struct xwayland_level {
	struct strata_xwayland *xw;
	int level;
	struct wlr_xwayland *wlr; /* NULL while there is none */
	int display; /* on the compositor's side; -1 */
	char dir[64]; /* X11_LEVELS_DIR/LEVEL: the cages' /tmp/.X11-unix */
	uid_t uid;
	gid_t gid;
	struct wl_listener new_surface;
	struct wl_listener ready;
	struct wl_listener server_ready; /* its server's, for its descriptor */
	struct wl_client *client; /* its Wayland connection, while it is up */
	struct wl_listener client_destroy;
	struct wl_event_source *timer; /* a check after it went, or a restart */
	bool restart_due; /* the timer makes it anew (else it checks) */
	uint64_t started_ms;
	bool was_ready; /* the running server said it was ready */
	unsigned failures; /* ends in a row that were failures (below) */
	unsigned restarts; /* made anew here */
	unsigned xwm_waits; /* checks for its XWM's end, after the server's */
	int kick_fd; /* xwayland = yes: a connection that starts it; -1 */
	struct xwayland_bridge *bridge; /* its clipboard (xwayland_selection.c) */
};

struct strata_xwayland {
	struct strata_server *server;
	char spec_dir[300]; /* RUNDIR/xwayland: the launcher's specs */
	char launcher[PATH_MAX];
	struct wl_listener client_created;
	struct xwayland_level levels[STRATA_MAX_LEVELS];
	size_t level_count;
};

/* An X11 window of a level's Xwayland, from its creation to its end; a
 * view while it is mapped. */
struct xwayland_window {
	struct xwayland_level *xl;
	struct wlr_xwayland_surface *xsurface;
	struct strata_view *view; /* NULL while unmapped */
	struct wl_listener destroy;
	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener commit; /* on its surface, while mapped */
	struct wl_listener request_configure;
	struct wl_listener request_activate;
	struct wl_listener request_fullscreen;
	struct wl_listener request_maximize;
	struct wl_listener set_title;
	struct wl_listener set_class;
	struct wl_listener set_geometry;
};

static const char *
level_name(struct xwayland_level *xl)
{
	return xl->xw->server->config.levels[xl->level].name;
}

/* ---- windows ------------------------------------------------------------ */

static void
arrange(struct strata_server *server)
{
	layout_arrange(server);
	seat_pointer_rebase(server->seat);
}

/* Whether an override-redirect window covers so much of the output that it
 * is to be managed. */
static bool
covers_the_output(struct strata_server *server, struct wlr_xwayland_surface *xsurface)
{
	struct wlr_box *layout = wlr_output_layout_get_box(server->output_layout, NULL);
	if (!layout || wlr_box_empty(layout)) {
		return false;
	}
	struct wlr_box all = *layout;
	struct wlr_box box = { xsurface->x, xsurface->y, xsurface->width, xsurface->height };
	struct wlr_box over;
	if (!wlr_box_intersection(&over, &box, &all)) {
		return false;
	}
	uint64_t covered = (uint64_t)over.width * (uint64_t)over.height;
	uint64_t output = (uint64_t)all.width * (uint64_t)all.height;
	return covered * 100 > output * UNMANAGED_MAX_PERCENT;
}

/* An override-redirect window where X11 put it, moved under the banner
 * and onto the outputs when it is not; what is still over another level's
 * window is cut (view.c). */
static void
place_unmanaged(struct xwayland_window *win)
{
	struct strata_view *view = win->view;
	struct wlr_xwayland_surface *xs = win->xsurface;
	int x = xs->x, y = xs->y;
	struct wlr_box usable;
	if (output_usable_area(view->server, &usable)) {
		if (x + xs->width > usable.x + usable.width) {
			x = usable.x + usable.width - xs->width;
		}
		if (y + xs->height > usable.y + usable.height) {
			y = usable.y + usable.height - xs->height;
		}
		x = x < usable.x ? usable.x : x;
		y = y < usable.y ? usable.y : y;
	}
	if (x != xs->x || y != xs->y) {
		/* Told, so that what it draws next is placed from there. */
		wlr_xwayland_surface_configure(xs, (int16_t)x, (int16_t)y, xs->width, xs->height);
	}
	struct wlr_box before;
	view_get_frame_box(view, &before);
	view_place_unasked(view, x, y, xs->width, xs->height);
	view_update_frame(view);
	scene_damage_box(view->server->scene, &before);
}

static void
handle_commit(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, commit);
	struct strata_view *view = win->view;
	int width = view->width, height = view->height;
	view_sync_geometry(view);
	if (view->unmanaged) {
		if (width != view->width || height != view->height) {
			view_update_frame(view);
		}
	} else if (view->dialog && (width != view->width || height != view->height)) {
		layout_place_dialog(view->server, view);
	}
	wl_signal_emit(&view->server->events.views_changed, view);
}

static void
map_view(struct xwayland_window *win)
{
	struct xwayland_level *xl = win->xl;
	struct strata_server *server = xl->xw->server;
	struct wlr_xwayland_surface *xs = win->xsurface;
	if (win->view || !xs->surface) {
		return;
	}
	bool unmanaged = xs->override_redirect && !covers_the_output(server, xs);
	struct strata_view *view = view_create_x11(server, xs, xl->level, unmanaged);
	if (!view) {
		wlr_log(WLR_ERROR, "level %s: no memory for an X11 window", level_name(xl));
		return;
	}
	win->view = view;
	view->mapped = true;
	win->commit.notify = handle_commit;
	wl_signal_add(&xs->surface->events.commit, &win->commit);
	wlr_scene_node_reparent(view->tree, server->layer_views);
	wlr_scene_node_set_enabled(view->tree, true);
	if (unmanaged) {
		wlr_scene_node_raise_to_top(view->tree);
		wl_list_remove(&view->link);
		wl_list_insert(&server->views, &view->link);
		place_unmanaged(win);
		seat_pointer_rebase(server->seat);
	} else {
		view->width = xs->width > 0 ? xs->width : 1;
		view->height = xs->height > 0 ? xs->height : 1;
		view->dialog = view_wants_dialog(view);
		if (xs->fullscreen) {
			view_set_fullscreen(view, true, false);
		}
		view->maximized = xs->maximized_horz && xs->maximized_vert;
		view_update_frame(view);
		layout_arrange(server);
		seat_view_mapped(server->seat, view);
		seat_pointer_rebase(server->seat);
	}
	wlr_log(WLR_INFO, "view %u mapped: level %s, X11 %s, class \"%s\"", view->id,
			level_name(xl), unmanaged ? "override-redirect" : "window", view->app_id);
	wl_signal_emit(&server->events.views_changed, view);
}

static void
handle_map(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, map);
	map_view(win);
}

static void
unmap_view(struct xwayland_window *win)
{
	struct strata_view *view = win->view;
	if (!view) {
		return;
	}
	struct strata_server *server = view->server;
	win->view = NULL;
	wl_list_remove(&win->commit.link);
	view->mapped = false;
	struct wlr_box frame;
	view_get_frame_box(view, &frame);
	wlr_scene_node_set_enabled(view->tree, false);
	seat_view_unmapped(server->seat, view);
	view_destroy(view);
	scene_damage_box(server->scene, &frame);
	arrange(server);
	wl_signal_emit(&server->events.views_changed, NULL);
}

static void
handle_unmap(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, unmap);
	unmap_view(win);
}

static void
handle_request_configure(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, request_configure);
	struct wlr_xwayland_surface_configure_event *event = data;
	struct strata_view *view = win->view;
	if (!view) {
		/* Not shown yet: it may size and place itself; the layout
		 * places it at map. */
		wlr_xwayland_surface_configure(win->xsurface, event->x, event->y, event->width,
				event->height);
		return;
	}
	if (view->dialog && !view->floating && !view->fullscreen && !view->maximized) {
		/* A dialog picks its size, shown within its level's column and
		 * centred again (layout.c). */
		wlr_xwayland_surface_configure(win->xsurface, (int16_t)view->x, (int16_t)view->y,
				event->width, event->height);
		layout_place_dialog(view->server, view);
		return;
	}
	/* Anything else keeps what the layout gave it: told again. */
	wlr_xwayland_surface_configure(win->xsurface, (int16_t)view->x, (int16_t)view->y,
			(uint16_t)(view->allot_width > 0 ? view->allot_width : view->width),
			(uint16_t)(view->allot_height > 0 ? view->allot_height : view->height));
}

/* _NET_ACTIVE_WINDOW: a program's word, never the user's. */
static void
handle_request_activate(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, request_activate);
	struct strata_view *view = win->view;
	if (!view || view->unmanaged) {
		return;
	}
	struct strata_seat *seat = view->server->seat;
	if (!seat_modal_active(seat) && seat_focused_level(seat) == view->level) {
		seat_focus(seat, view);
	} else {
		view_set_urgent(view, true);
	}
}

static void
handle_request_fullscreen(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, request_fullscreen);
	struct strata_view *view = win->view;
	if (!view || view->unmanaged) {
		return; /* remembered in xsurface->fullscreen, applied at map */
	}
	/* At most its level's column (layout.c), never over the banner. */
	view_set_fullscreen(view, win->xsurface->fullscreen, false);
	arrange(view->server);
}

static void
handle_request_maximize(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, request_maximize);
	struct strata_view *view = win->view;
	if (!view || view->unmanaged) {
		return;
	}
	view->maximized = win->xsurface->maximized_horz && win->xsurface->maximized_vert;
	arrange(view->server);
}

static void
handle_set_title(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, set_title);
	if (win->view) {
		view_update_title(win->view);
	}
}

static void
handle_set_class(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, set_class);
	if (win->view) {
		view_update_title(win->view);
	}
}

/* An override-redirect window moved or changed its size itself. */
static void
handle_set_geometry(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, set_geometry);
	if (!win->view || !win->view->unmanaged) {
		return;
	}
	struct strata_server *server = win->view->server;
	if (covers_the_output(server, win->xsurface)) {
		/* Grown over the output after its map: managed from now on. */
		unmap_view(win);
		map_view(win);
		return;
	}
	place_unmanaged(win);
	seat_pointer_rebase(server->seat);
}

static void
handle_window_destroy(struct wl_listener *listener, void *data)
{
	struct xwayland_window *win = wl_container_of(listener, win, destroy);
	unmap_view(win);
	wl_list_remove(&win->destroy.link);
	wl_list_remove(&win->map.link);
	wl_list_remove(&win->unmap.link);
	wl_list_remove(&win->request_configure.link);
	wl_list_remove(&win->request_activate.link);
	wl_list_remove(&win->request_fullscreen.link);
	wl_list_remove(&win->request_maximize.link);
	wl_list_remove(&win->set_title.link);
	wl_list_remove(&win->set_class.link);
	wl_list_remove(&win->set_geometry.link);
	free(win);
}

/*
 * Move and resize requests of X11 programs (_NET_WM_MOVERESIZE) are not
 * listened to, like xdg-shell's: only the user moves windows (seat.c).
 */
static void
handle_new_surface(struct wl_listener *listener, void *data)
{
	struct xwayland_level *xl = wl_container_of(listener, xl, new_surface);
	struct wlr_xwayland_surface *xs = data;
	struct xwayland_window *win = calloc(1, sizeof(*win));
	if (!win) {
		wlr_log(WLR_ERROR, "level %s: no memory for an X11 window", level_name(xl));
		return;
	}
	win->xl = xl;
	win->xsurface = xs;
	win->destroy.notify = handle_window_destroy;
	wl_signal_add(&xs->events.destroy, &win->destroy);
	win->map.notify = handle_map;
	wl_signal_add(&xs->events.map, &win->map);
	win->unmap.notify = handle_unmap;
	wl_signal_add(&xs->events.unmap, &win->unmap);
	win->request_configure.notify = handle_request_configure;
	wl_signal_add(&xs->events.request_configure, &win->request_configure);
	win->request_activate.notify = handle_request_activate;
	wl_signal_add(&xs->events.request_activate, &win->request_activate);
	win->request_fullscreen.notify = handle_request_fullscreen;
	wl_signal_add(&xs->events.request_fullscreen, &win->request_fullscreen);
	win->request_maximize.notify = handle_request_maximize;
	wl_signal_add(&xs->events.request_maximize, &win->request_maximize);
	win->set_title.notify = handle_set_title;
	wl_signal_add(&xs->events.set_title, &win->set_title);
	win->set_class.notify = handle_set_class;
	wl_signal_add(&xs->events.set_class, &win->set_class);
	win->set_geometry.notify = handle_set_geometry;
	wl_signal_add(&xs->events.set_geometry, &win->set_geometry);
}

/* ---- servers ------------------------------------------------------------ */

static bool level_start(struct xwayland_level *xl);
static void kick(struct xwayland_level *xl);

static void
arm_timer(struct xwayland_level *xl, int ms, bool restart)
{
	xl->restart_due = restart;
	wl_event_source_timer_update(xl->timer, ms > 0 ? ms : 1);
}

/* The sandbox directories of the level's ended Xwayland proxies (each
 * "xproxy-LEVEL-PID", empty: a chroot), or of every level's (level NULL). */
static void
remove_proxy_dirs(struct strata_xwayland *xw, const char *level)
{
	DIR *dir = opendir(xw->spec_dir);
	if (!dir) {
		return;
	}
	size_t name_len = level ? strlen(level) : 0;
	struct dirent *entry;
	while ((entry = readdir(dir))) {
		const char *name = entry->d_name;
		if (strncmp(name, "xproxy-", 7) != 0) {
			continue;
		}
		/* LEVEL exactly ("a" is not "a-b"): then "-PID". */
		const char *pid = strrchr(name, '-');
		bool ours = !level ||
				(pid == name + 7 + name_len &&
						strncmp(name + 7, level, name_len) == 0);
		if (ours && pid[1] && strspn(pid + 1, "0123456789") == strlen(pid + 1)) {
			/* A proxy still in it keeps working: its root is unlinked. */
			unlinkat(dirfd(dir), name, AT_REMOVEDIR);
		}
	}
	closedir(dir);
}

/* Its Wayland connection went: Xwayland ended. */
static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct xwayland_level *xl = wl_container_of(listener, xl, client_destroy);
	wl_list_remove(&xl->client_destroy.link);
	xl->client = NULL;
	uint64_t lived = process_clock_ms() - xl->started_ms;
	wlr_log(WLR_INFO, "level %s: Xwayland ended after %llu ms", level_name(xl),
			(unsigned long long)lived);
	/* A lazy server ends by itself once its last X11 program has
	 * (-terminate): no failure. One that never got ready, or one started
	 * with the session that ended early, failed. */
	bool stays = xl->xw->server->config.levels[xl->level].xwayland == STRATA_XWAYLAND_YES;
	bool failed = !xl->was_ready || (stays && lived < STABLE_MS);
	xl->failures = failed ? xl->failures + 1 : 0;
	xl->was_ready = false;
	remove_proxy_dirs(xl->xw, level_name(xl));
	/* wlroots decides after us (its listener comes later) whether it
	 * starts it again: look once it has. */
	arm_timer(xl, 0, false);
}

/* wlroots made the Wayland client of an Xwayland: which level's is told by
 * the descriptor, the socketpair wlroots made for that level's server. */
static void
handle_client_created(struct wl_listener *listener, void *data)
{
	struct strata_xwayland *xw = wl_container_of(listener, xw, client_created);
	struct wl_client *client = data;
	int fd = wl_client_get_fd(client);
	for (size_t i = 0; i < xw->level_count; i++) {
		struct xwayland_level *xl = &xw->levels[i];
		if (!xl->wlr || xl->wlr->server->wl_fd[0] < 0 || xl->wlr->server->wl_fd[0] != fd) {
			continue;
		}
		if (xl->client || !levels_tag_client(xw->server, client, xl->level)) {
			/* Untagged, it sees no global at all: Xwayland fails. */
			wlr_log(WLR_ERROR, "level %s: cannot tag its Xwayland's connection",
					level_name(xl));
			return;
		}
		xl->client = client;
		xl->client_destroy.notify = handle_client_destroy;
		wl_client_add_destroy_listener(client, &xl->client_destroy);
		xl->started_ms = process_clock_ms();
		wlr_log(WLR_INFO, "level %s: Xwayland starting (display :%d here)", level_name(xl),
				xl->display);
		return;
	}
}

static void
handle_ready(struct wl_listener *listener, void *data)
{
	struct xwayland_level *xl = wl_container_of(listener, xl, ready);
	wlr_log(WLR_INFO, "level %s: Xwayland is ready", level_name(xl));
	xl->was_ready = true;
	if (xl->kick_fd >= 0) {
		close(xl->kick_fd);
		xl->kick_fd = -1;
	}
}

/* The server said it is ready: wlroots 0.15 gave this descriptor to its
 * XWM's xcb connection, which owns it now (or closed it, when the XWM could
 * not be made), and would close it again when the server ends, whatever
 * number has been reused by then (an event source of the next start: a
 * crash). It is not the server's any more. Runs after wlroots' own. */
static void
handle_server_ready(struct wl_listener *listener, void *data)
{
	struct xwayland_level *xl = wl_container_of(listener, xl, server_ready);
	xl->wlr->server->wm_fd[0] = -1;
}

static void
remove_link(struct xwayland_level *xl)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/X0", xl->dir);
	if (unlink(path) < 0 && errno != ENOENT) {
		wlr_log_errno(WLR_ERROR, "cannot remove %s", path);
	}
}

static void
level_stop(struct xwayland_level *xl)
{
	if (xl->kick_fd >= 0) {
		close(xl->kick_fd);
		xl->kick_fd = -1;
	}
	remove_link(xl);
	if (!xl->wlr) {
		return;
	}
	wl_list_remove(&xl->new_surface.link);
	wl_list_remove(&xl->ready.link);
	wl_list_remove(&xl->server_ready.link);
	if (xl->client) {
		wl_list_remove(&xl->client_destroy.link);
		xl->client = NULL;
	}
	if (xl->display >= 0) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%d", xl->xw->spec_dir, xl->display);
		unlink(path);
	}
	if (xl->wlr->xwm) {
		/* wlroots 0.15 does not end the XWM with its wlr_xwayland (only
		 * when its X11 connection ends): destroyed now, it would be left
		 * with a pointer to it. Left alone instead (a leak). */
		wlr_log(WLR_ERROR,
				"level %s: its X11 window manager is still connected: "
				"left behind",
				level_name(xl));
		/* Nothing may free it later either: wlroots 0.15 would free its
		 * server twice at the display's end. */
		wl_list_remove(&xl->wlr->server->display_destroy.link);
		wl_list_init(&xl->wlr->server->display_destroy.link);
	} else {
		wlr_xwayland_destroy(xl->wlr);
	}
	xl->wlr = NULL;
	xl->display = -1;
}

static int
handle_timer(void *data)
{
	struct xwayland_level *xl = data;
	if (xl->restart_due) {
		xl->restarts++;
		if (!level_start(xl)) {
			unsigned shift = xl->failures < 7 ? xl->failures : 7;
			int delay = RESTART_MIN_MS << shift;
			xl->failures++;
			arm_timer(xl, delay > RESTART_MAX_MS ? RESTART_MAX_MS : delay, true);
		}
		return 0;
	}
	struct wlr_xwayland_server *server = xl->wlr ? xl->wlr->server : NULL;
	if (!server || xl->client) {
		return 0; /* started again already */
	}
	bool listening = server->display >= 0 && server->x_fd_read_event[0];
	bool starting = server->pipe_source != NULL;
	if (listening || starting) {
		/* wlroots serves the next X11 program; one started with the
		 * session is started again now. */
		if (listening && !starting && xl->kick_fd < 0 &&
				xl->xw->server->config.levels[xl->level].xwayland ==
						STRATA_XWAYLAND_YES) {
			kick(xl);
		}
		return 0;
	}
	/* Its XWM ends when its X11 connection is seen closed, which comes on
	 * the event loop after this, in the same round or soon: waited for
	 * (level_stop). */
	if (server->display >= 0 && xl->wlr->xwm && xl->xwm_waits < XWM_WAITS_MAX) {
		xl->xwm_waits++;
		arm_timer(xl, XWM_WAIT_MS, false);
		return 0;
	}
	xl->xwm_waits = 0;
	/* wlroots gave up on it (it failed to start, or ended within 5 s of
	 * its start): made anew, at once after a normal end, after a back-off
	 * when it keeps failing. */
	unsigned shift = xl->failures - 1 < 7 ? xl->failures - 1 : 7;
	int delay = xl->failures ? RESTART_MIN_MS << shift : 1;
	if (delay > RESTART_MAX_MS) {
		delay = RESTART_MAX_MS;
	}
	wlr_log(WLR_INFO, "level %s: Xwayland is not serving; made anew in %d ms", level_name(xl),
			delay);
	level_stop(xl);
	arm_timer(xl, delay, true);
	return 0;
}

/* What strata-xwayland-launcher reads for this display (its header). */
static bool
write_spec(struct xwayland_level *xl)
{
	struct strata_xwayland *xw = xl->xw;
	struct strata_server *server = xw->server;
	const struct strata_level *level = &server->config.levels[xl->level];
	const char *options[CAGE_MAX_ARGS];
	static char buf[8192];
	int count = session_cage_options(server->session, xl->level, options, CAGE_MAX_ARGS, buf,
			sizeof(buf));
	struct session_proxy_info proxy_info, *proxy = &proxy_info;
	if (count < 1 || !session_proxy_for(server->session, xl->level, proxy)) {
		wlr_log(WLR_ERROR, "level %s: cannot build its Xwayland's cage", level_name(xl));
		return false;
	}
	char path[PATH_MAX], tmp[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d", xw->spec_dir, xl->display);
	snprintf(tmp, sizeof(tmp), "%s/.%d.new", xw->spec_dir, xl->display);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		wlr_log_errno(WLR_ERROR, "cannot write %s", tmp);
		return false;
	}
	char ids[64];
	int ids_len = snprintf(ids, sizeof(ids), "%u%c%u", (unsigned)xl->uid, '\0',
			(unsigned)xl->gid);
	/* Started with the session, it stays: wlroots' -terminate is dropped. */
	const char *end = level->xwayland == STRATA_XWAYLAND_YES ? "stay" : "terminate";
	/* Its output goes to the level's log, like its programs'. */
	const char *log = session_level_log(server->session, xl->level);
	bool ok = io_write_all(fd, SPEC_MAGIC, sizeof(SPEC_MAGIC)) &&
			io_write_all(fd, ids, (size_t)ids_len + 1) &&
			io_write_all(fd, end, strlen(end) + 1) &&
			io_write_all(fd, log, strlen(log) + 1);
	/* Its Wayland connection goes through a proxy of the level's, like any
	 * of the level's programs': its program, user and sandbox, then the
	 * options it is given. */
	char proxy_ids[64], sandbox[400];
	int proxy_ids_len = snprintf(proxy_ids, sizeof(proxy_ids), "%u%c%u", (unsigned)proxy->uid,
			'\0', (unsigned)proxy->gid);
	snprintf(sandbox, sizeof(sandbox), "%s/xproxy-%s", xw->spec_dir, level->name);
	ok = ok && io_write_all(fd, proxy->path, strlen(proxy->path) + 1) &&
			io_write_all(fd, proxy_ids, (size_t)proxy_ids_len + 1) &&
			io_write_all(fd, sandbox, strlen(sandbox) + 1) &&
			io_write_all(fd, "--level", 8) &&
			io_write_all(fd, level->name, strlen(level->name) + 1);
	if (ok && proxy->config_path) {
		ok = io_write_all(fd, "-c", 3) &&
				io_write_all(fd, proxy->config_path,
						strlen(proxy->config_path) + 1);
	}
	ok = ok && io_write_all(fd, "--", 3);
	for (int i = 0; ok && i < count; i++) {
		ok = io_write_all(fd, options[i], strlen(options[i]) + 1);
	}
	ok = ok && io_write_all(fd, "--", 3) &&
			io_write_all(fd, XWAYLAND_BIN, sizeof(XWAYLAND_BIN));
	/* Off unless the level turns them on: with XTEST one of its programs
	 * types into the others, with RECORD it reads their input. Xwayland
	 * (22.1) has one switch for both (noTestExtensions): "-extension
	 * RECORD" turns XTEST off too, "+extension XTEST" RECORD on. So both
	 * are on only when the level allows both (xwayland_create says so
	 * when it allows one only). */
	if (ok && !(level->xwayland_xtest && level->xwayland_record)) {
		ok = io_write_all(fd, "-extension", 11) && io_write_all(fd, "XTEST", 6) &&
				io_write_all(fd, "-extension", 11) && io_write_all(fd, "RECORD", 7);
	}
	if (close(fd) < 0 || !ok || rename(tmp, path) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot write %s", path);
		unlink(tmp);
		return false;
	}
	return true;
}

/* The display's path socket, reachable by the level's user only, linked
 * into the directory its cages get. */
static bool
publish_socket(struct xwayland_level *xl)
{
	char socket_path[PATH_MAX], link_path[PATH_MAX], tmp[PATH_MAX];
	snprintf(socket_path, sizeof(socket_path), X11_DIR "/X%d", xl->display);
	snprintf(link_path, sizeof(link_path), "%s/X0", xl->dir);
	snprintf(tmp, sizeof(tmp), "%s/.X0.new", xl->dir);
	if (chown(socket_path, 0, xl->gid) < 0 || chmod(socket_path, 0660) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot give %s to level %s", socket_path, level_name(xl));
		return false;
	}
	unlink(tmp);
	if (link(socket_path, tmp) < 0 || rename(tmp, link_path) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot link %s into %s", socket_path, xl->dir);
		unlink(tmp);
		return false;
	}
	return true;
}

/* xwayland = yes: a connection to its socket makes wlroots start it now
 * (held until it is ready, then closed). */
static void
kick(struct xwayland_level *xl)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), X11_DIR "/X%d", xl->display);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 &&
			errno != EINPROGRESS) {
		wlr_log_errno(WLR_ERROR, "level %s: cannot start its Xwayland", level_name(xl));
		close(fd);
		fd = -1;
	}
	xl->kick_fd = fd;
}

/*
 * wlroots binds an abstract socket besides the path socket: it is bound in
 * a network namespace made for it, which no process is in (the socket
 * keeps it alive), so that no cage sharing the host's network reaches it.
 */
static struct wlr_xwayland *
create_in_private_netns(struct strata_server *server)
{
	int host = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host < 0) {
		wlr_log_errno(WLR_ERROR, "cannot open the network namespace");
		return NULL;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot make a network namespace for X11 sockets");
		close(host);
		return NULL;
	}
	/* Lazy: nothing is started (nothing forked) inside it. */
	struct wlr_xwayland *wlr = wlr_xwayland_create(server->display, server->compositor, true);
	if (setns(host, CLONE_NEWNET) < 0) {
		/* Every cage started from now on would share that namespace
		 * instead of the host's: never go on so. */
		wlr_log_errno(WLR_ERROR, "cannot return to the host's network namespace");
		abort();
	}
	close(host);
	return wlr;
}

static bool
level_start(struct xwayland_level *xl)
{
	struct strata_server *server = xl->xw->server;
	xl->wlr = create_in_private_netns(server);
	if (!xl->wlr) {
		wlr_log(WLR_ERROR, "level %s: cannot create its Xwayland", level_name(xl));
		return false;
	}
	xl->display = xl->wlr->server->display;
	/* Its XWM carries the level's selections only, never the user's seat's. */
	wlr_xwayland_set_seat(xl->wlr, xwayland_bridge_seat(xl->bridge));
	xl->new_surface.notify = handle_new_surface;
	wl_signal_add(&xl->wlr->events.new_surface, &xl->new_surface);
	xl->ready.notify = handle_ready;
	wl_signal_add(&xl->wlr->events.ready, &xl->ready);
	xl->server_ready.notify = handle_server_ready;
	wl_signal_add(&xl->wlr->server->events.ready, &xl->server_ready);
	if (xl->display < 0 || !write_spec(xl) || !publish_socket(xl)) {
		level_stop(xl);
		return false;
	}
	if (server->config.levels[xl->level].xwayland == STRATA_XWAYLAND_YES) {
		kick(xl);
	}
	wlr_log(WLR_INFO, "level %s: X11 display ready for its cages (:%d here)", level_name(xl),
			xl->display);
	return true;
}

/*
 * A tmpfs over /tmp/.X11-unix in a mount namespace of the compositor's own
 * (a slave of the host's: nothing mounted here shows outside): the X11
 * sockets are seen by strata and by the cages it binds them into only.
 */
static bool
private_socket_dir(void)
{
	if (unshare(CLONE_NEWNS) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot make a mount namespace for the X11 sockets");
		return false;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot make the mounts private");
		return false;
	}
	/* The host's, as systemd-tmpfiles makes it, when it has none: the
	 * mount point. */
	if (mkdir(X11_DIR, 01777) == 0) {
		chmod(X11_DIR, 01777);
	} else if (errno != EEXIST) {
		wlr_log_errno(WLR_ERROR, "cannot create %s", X11_DIR);
		return false;
	}
	if (mount("strata-x11", X11_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			    "mode=0755,size=1m") < 0) {
		wlr_log_errno(WLR_ERROR, "cannot mount a tmpfs on %s", X11_DIR);
		return false;
	}
	if (mkdir(X11_LEVELS_DIR, 0755) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot create %s", X11_LEVELS_DIR);
		return false;
	}
	return true;
}

struct strata_xwayland *
xwayland_create(struct strata_server *server, bool *failed)
{
	*failed = false;
	const struct strata_config *cfg = &server->config;
	bool wanted = false, required = false;
	for (size_t i = 0; i < cfg->level_count; i++) {
		wanted = wanted || cfg->levels[i].xwayland != STRATA_XWAYLAND_NO;
		required = required || cfg->levels[i].xwayland == STRATA_XWAYLAND_YES;
	}
	if (!wanted) {
		return NULL;
	}
	if (!server->session || !session_is_root(server->session)) {
		/* Outside a cage, an X server would be shared by everyone. */
		if (required) {
			wlr_log(WLR_ERROR, "xwayland = yes needs cages (strata as root)");
			*failed = true;
		} else {
			wlr_log(WLR_INFO, "no cages: no Xwayland, X11 programs cannot run");
		}
		return NULL;
	}
	struct strata_xwayland *xw = calloc(1, sizeof(*xw));
	if (!xw) {
		*failed = true;
		return NULL;
	}
	xw->server = server;
	if (!paths_find(xw->launcher, sizeof(xw->launcher), PATHS_PROGRAM, NULL, ".",
			    "strata-xwayland-launcher", X_OK)) {
		/* A level that may do without stays up, without X11. */
		wlr_log(WLR_ERROR,
				"no trusted strata-xwayland-launcher: "
				"no Xwayland, X11 programs cannot run");
		free(xw);
		*failed = required;
		return NULL;
	}
	snprintf(xw->spec_dir, sizeof(xw->spec_dir), "%s/xwayland", server->runtime_dir);
	if (!session_make_dir(xw->spec_dir, 0700, 0, 0, false) || !private_socket_dir()) {
		goto fail;
	}
	/* Read by wlroots' child and the launcher: never a level's word. */
	if (setenv("WLR_XWAYLAND", xw->launcher, 1) < 0 ||
			setenv("STRATA_XWAYLAND_DIR", xw->spec_dir, 1) < 0) {
		goto fail;
	}
	xw->client_created.notify = handle_client_created;
	wl_display_add_client_created_listener(server->display, &xw->client_created);
	struct wl_event_loop *loop = wl_display_get_event_loop(server->display);
	for (size_t i = 0; i < cfg->level_count; i++) {
		struct xwayland_level *xl = &xw->levels[xw->level_count];
		if (cfg->levels[i].xwayland == STRATA_XWAYLAND_NO) {
			continue;
		}
		/* Its Wayland connection would go through the level's proxy: a
		 * level without one is down, and has no X server either. */
		struct session_proxy_info proxy;
		if (!session_proxy_for(server->session, (int)i, &proxy)) {
			wlr_log(WLR_ERROR, "level %s: no proxy, so no Xwayland",
					cfg->levels[i].name);
			continue;
		}
		if (cfg->levels[i].xwayland_xtest != cfg->levels[i].xwayland_record) {
			wlr_log(WLR_ERROR,
					"level %s: xwayland_xtest and xwayland_record differ, but "
					"Xwayland turns XTEST and RECORD on and off together: both "
					"stay off (set both to yes for XTEST)",
					cfg->levels[i].name);
		}
		xw->level_count++;
		xl->xw = xw;
		xl->level = (int)i;
		xl->display = -1;
		xl->kick_fd = -1;
		xl->timer = wl_event_loop_add_timer(loop, handle_timer, xl);
		snprintf(xl->dir, sizeof(xl->dir), X11_LEVELS_DIR "/%s", cfg->levels[i].name);
		xl->bridge = xwayland_bridge_create(server, (int)i);
		if (!xl->timer || !xl->bridge ||
				!session_level_ids(server->session, (int)i, &xl->uid, &xl->gid) ||
				!session_make_dir(xl->dir, 0750, 0, xl->gid, true) ||
				!level_start(xl)) {
			wlr_log(WLR_ERROR, "level %s: no Xwayland", cfg->levels[i].name);
			goto fail;
		}
		session_set_x11_dir(server->session, (int)i, xl->dir);
	}
	return xw;
fail:
	*failed = true;
	xwayland_destroy(xw);
	return NULL;
}

void
xwayland_destroy(struct strata_xwayland *xw)
{
	if (!xw) {
		return;
	}
	/* The X servers were ended with every other child: their XWMs see it
	 * on the event loop, given up to 1 s (level_stop says why). */
	struct wl_event_loop *loop = wl_display_get_event_loop(xw->server->display);
	uint64_t deadline = process_clock_ms() + 1000;
	for (;;) {
		bool alive = false;
		for (size_t i = 0; i < xw->level_count; i++) {
			alive = alive || (xw->levels[i].wlr && xw->levels[i].wlr->xwm);
		}
		uint64_t now = process_clock_ms();
		if (!alive || now >= deadline) {
			break;
		}
		wl_event_loop_dispatch(loop, (int)(deadline - now));
	}
	for (size_t i = 0; i < xw->level_count; i++) {
		struct xwayland_level *xl = &xw->levels[i];
		if (xw->server->session) {
			session_set_x11_dir(xw->server->session, xl->level, NULL);
		}
		level_stop(xl);
		if (xl->timer) {
			wl_event_source_remove(xl->timer);
		}
		xwayland_bridge_destroy(xl->bridge);
	}
	if (xw->client_created.notify) {
		wl_list_remove(&xw->client_created.link);
	}
	remove_proxy_dirs(xw, NULL);
	rmdir(xw->spec_dir);
	free(xw);
}

void
xwayland_describe(struct strata_xwayland *xw, int level, struct xwayland_state *out)
{
	*out = (struct xwayland_state){ .display = -1 };
	for (size_t i = 0; xw && i < xw->level_count; i++) {
		struct xwayland_level *xl = &xw->levels[i];
		if (xl->level != level) {
			continue;
		}
		out->display = xl->display;
		out->running = xl->client != NULL;
		out->restarts = xl->restarts;
	}
}
