/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SERVER_H
#define STRATA_SERVER_H

#include <stdbool.h>
#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/render/allocator.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_xdg_decoration_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <xkbcommon/xkbcommon.h>
#include "common/config.h"
#include "notice.h"

struct strata_test_control;
struct strata_shm;
struct strata_session;
struct strata_seat;
struct strata_text_input_relay;
struct strata_chooser;
struct strata_transfer;
struct strata_banner;
struct strata_lock;
struct strata_xray;
struct strata_activation;
struct strata_foreign;
struct strata_idle_inhibit;
struct strata_gestures;
struct process_supervisor;
struct strata_xwayland;
struct strata_sleep_watch;

/* Level index of core clients (and of the compositor's own UI). */
#define STRATA_LEVEL_CORE (-1)
/* Level index of a client whose socket could not be identified. */
#define STRATA_LEVEL_UNKNOWN (-2)

struct strata_listener_socket {
	int fd;
	int level; /* index in config levels, or STRATA_LEVEL_CORE */
	char path[108];
	struct wl_event_source *source;
	struct strata_server *server;
};

/* One frame drawn, for the test-control's worst frames (output.c). */
#define STRATA_WORST_FRAMES 8
struct frame_stat {
	uint64_t total_ns; /* from the frame event to the commit's end */
	uint64_t cpu_ns; /* of which on the CPU (less: the compositor waited) */
	uint64_t flush_ns; /* copying committed client buffers (shm.c) */
	uint64_t prepare_ns; /* before_frame: title bars, the X-ray */
	uint64_t draw_ns; /* the scene drawn into the output buffer */
	uint64_t commit_ns; /* the output commit, captures included */
	uint64_t capture_ns; /* of which answering captures (screenshots) */
	uint64_t damage_px; /* pixels redrawn */
	uint64_t at_ms; /* when, on the monotonic clock */
	uint32_t ops; /* nodes and fills drawn */
	uint32_t views; /* windows there were */
	uint32_t title_bars; /* title bars drawn for it */
};

struct strata_server {
	struct wl_display *display;
	struct wl_event_loop *event_loop;
	struct strata_config config;
	bool headless;

	struct wlr_backend *backend;
	struct wlr_backend *input_backend; /* headless, for injected input; may be NULL */
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;
	struct wlr_compositor *compositor;
	struct strata_shm *shm; /* the level clients' wl_shm */

	struct wlr_scene *scene;
	/* Below the views: the background colour, drawn by scene.c's clear. */
	struct wlr_scene_node *layer_views; /* struct wlr_scene_tree */
	/* Windows not yet mapped, never drawn: wlroots 0.15 schedules a frame
	 * for every node made in a shown tree, even an empty one, and such a
	 * frame would hold a new window's first frame back by a refresh. */
	struct wlr_scene_node *layer_unmapped;
	struct wlr_scene_node *layer_overlay; /* banners: above everything a client draws */
	/* The X-ray and the lock, above the banner; never a client surface. */
	struct wlr_scene_node *layer_trusted;
	struct wlr_output_layout *output_layout;
	struct wl_list outputs; /* strata_output.link */
	struct wl_listener new_output;

	struct wlr_xdg_shell *xdg_shell;
	struct wl_listener new_xdg_surface;
	struct wl_listener xdg_client_created; /* xdg_shell.c watches parents */
	struct wl_list xdg_toplevel_watches; /* xdg_shell.c: every xdg_toplevel resource */
	struct wlr_xdg_decoration_manager_v1 *decoration_manager;
	struct wl_listener new_decoration;
	struct wl_list views; /* strata_view.link, top of the stack first */
	uint32_t next_view_id;
	struct wl_listener layout_outputs_changed; /* layout.c */
	struct wl_listener view_before_frame; /* view.c: title bars */
	bool title_bars_stale; /* some view's title bar is to be drawn */

	struct strata_seat *seat; /* keyboards, pointer, focus, the input gate */
	struct strata_text_input_relay *text_input; /* text inputs and the core's IM */
	struct wl_listener binding; /* actions.c: the reserved shortcuts */
	struct strata_chooser *chooser; /* actions.c: Logo+Return with no window */

	/* Sockets and client identity (levels.c). */
	char runtime_dir[256];
	char data_dir[256]; /* levels' homes and the audit log */
	bool runtime_dir_created;
	struct strata_listener_socket sockets[STRATA_MAX_LEVELS + 1];
	size_t socket_count;
	struct wl_listener client_created;
	struct wl_list clients; /* strata_client.link */
	uint32_t next_client_id;
	/* Globals made for one level (or the core) only, xdg-foreign: the
	 * filter shows each to that level's clients and to nobody else; and
	 * globals nobody sees (level STRATA_LEVEL_UNKNOWN: the X11 clipboard
	 * bridges' seats). */
	struct {
		const struct wl_global *global;
		int level;
	} level_globals[3 * (STRATA_MAX_LEVELS + 1)];
	size_t level_global_count;
	struct strata_activation *activation; /* xdg-activation (activation.c) */
	struct strata_foreign *foreign; /* xdg-foreign, per level (foreign.c) */
	struct strata_idle_inhibit *idle_inhibit; /* idle-inhibit (idle_inhibit.c) */
	struct strata_gestures *gestures; /* pointer gestures (gestures.c) */

	struct strata_test_control *test_control; /* may be NULL */
	struct process_supervisor *supervisor; /* every child process (process.c) */
	struct strata_session *session; /* may be NULL (--no-cages) */
	struct strata_xwayland *xwayland; /* the levels' Xwaylands; may be NULL */
	struct strata_audio *audio; /* NULL unless [audio] enabled */
	struct strata_transfer *transfer; /* the cross-level clipboard transfer */
	struct strata_banner *banner;
	struct strata_lock *lock; /* the screen lock (lock.c) */
	struct strata_xray *xray; /* what the secure attention key shows (xray.c) */
	struct strata_sleep_watch *sleep_watch; /* may be NULL (no logind) */
	struct strata_notice notice;

	struct {
		/* What the banner shows changed (levels up or down, sound,
		 * notices, the clipboard): it draws itself again. */
		struct wl_signal status_changed;
		/* An output came, went or changed its mode. */
		struct wl_signal outputs_changed;
		/* An output is about to draw a frame: what must be in it is
		 * brought up to date now (the X-ray). */
		struct wl_signal before_frame;
		/* A window mapped, unmapped, moved, changed size or committed; a
		 * popup committed or went. */
		struct wl_signal views_changed;
	} events;

	/* Keep each output's last committed frame (test-control). */
	bool keep_frames;

	/* Pastes of a transferred snapshot being written, per level
	 * (clipboard.c: at most CLIPBOARD_SNAPSHOT_WRITERS each). */
	int snapshot_writers[STRATA_MAX_LEVELS];

	/* SIGPIPE's disposition before startup_open ignored it (startup.c),
	 * when sigpipe_ignored. */
	bool sigpipe_ignored;
	void (*sigpipe_before)(int);

	/* Frame statistics, for the test-control and benchmarks. */
	uint64_t stat_frames;
	uint64_t stat_render_ns_total;
	uint64_t stat_render_ns_max;
	/* The slowest frames since the last reset, slowest first, and what
	 * they drew; title bars drawn so far (view.c counts them). */
	struct frame_stat stat_worst[STRATA_WORST_FRAMES];
	uint64_t stat_title_bars;
	uint64_t stat_capture_ns; /* answering captures in this frame */
};

struct strata_client {
	struct wl_client *client;
	int level;
	bool xwayland; /* a level's Xwayland (xwayland.c), not a socket's */
	uint32_t id;
	struct wl_listener destroy;
	struct wl_list link; /* strata_server.clients */
};

/* What the banner shows changed: it redraws (banner.c listens). */
static inline void
server_status_changed(struct strata_server *server)
{
	wl_signal_emit(&server->events.status_changed, server);
}

/* server.c */
bool server_init(struct strata_server *server, const char *headless_size, bool test_control);
bool server_start(struct strata_server *server);
void server_finish(struct strata_server *server);

/* control.c */
bool control_init(struct strata_server *server);

/* xdg_shell.c */
bool xdg_shell_init(struct strata_server *server);
void xdg_shell_finish(struct strata_server *server);

/* levels.c */
bool levels_open_sockets(struct strata_server *server, const char *runtime_dir);
void levels_close_sockets(struct strata_server *server);
/* Level of the client: the socket it connected through, fixed at accept time. */
int levels_client_level(struct strata_server *server, const struct wl_client *client);
struct strata_client *levels_client_info(const struct wl_client *client);
/* A client on client_fd, of level for its whole life, as every connection
 * accepted on a level's socket (and a test harness's socketpair) gets; NULL
 * (client_fd closed) on failure. */
struct wl_client *levels_accept_client(struct strata_server *server, int client_fd, int level);
/* Tags a client the compositor did not accept itself (a level's Xwayland,
 * on a socketpair) with level, for its whole life; false when out of memory. */
bool levels_tag_client(struct strata_server *server, struct wl_client *client, int level);
/* The global is shown to no client at all (made for the compositor's own
 * use, e.g. a seat for an XWM); false when the table is full. */
bool levels_hide_global(struct strata_server *server, const struct wl_global *global);
/* Level name for messages; "core" and "unknown" for the two special levels. */
const char *levels_name(struct strata_server *server, int level);
/* The global is for the clients of level (or STRATA_LEVEL_CORE) only: hidden
 * from every other client and not bindable by them; false when full. */
bool levels_bind_global(struct strata_server *server, const struct wl_global *global, int level);

#endif
