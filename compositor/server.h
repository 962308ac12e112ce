/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SERVER_H
#define STRATA_SERVER_H

#include <stdbool.h>
#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/render/allocator.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_xcursor_manager.h>
#include <wlr/types/wlr_xdg_decoration_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <xkbcommon/xkbcommon.h>
#include "common/config.h"

struct strata_test_control;
struct strata_shm;
struct strata_session;

/* Level index of core clients (and of the compositor's own UI). */
#define STRATA_LEVEL_CORE (-1)
/* Level index of a client whose socket could not be identified. */
#define STRATA_LEVEL_UNKNOWN (-2)

enum strata_cursor_mode {
	STRATA_CURSOR_PASSTHROUGH,
	STRATA_CURSOR_MOVE,
	STRATA_CURSOR_RESIZE,
};

struct strata_listener_socket {
	int fd;
	int level; /* index in config levels, or STRATA_LEVEL_CORE */
	char path[108];
	struct wl_event_source *source;
	struct strata_server *server;
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
	struct wl_global *core_shm; /* libwayland's, for core clients */

	struct wlr_scene *scene;
	struct wlr_scene_node *layer_background; /* struct wlr_scene_tree */
	struct wlr_scene_node *layer_views;
	struct wlr_scene_node *layer_overlay; /* banners: above everything a client draws */
	struct wlr_output_layout *output_layout;
	struct wl_list outputs; /* strata_output.link */
	struct wl_listener new_output;

	struct wlr_xdg_shell *xdg_shell;
	struct wl_listener new_xdg_surface;
	struct wlr_xdg_decoration_manager_v1 *decoration_manager;
	struct wl_listener new_decoration;
	struct wl_list views; /* strata_view.link, top of the stack first */
	struct strata_view *focused_view; /* may be NULL */
	uint32_t next_view_id;

	struct wlr_seat *seat;
	struct wl_list keyboards; /* strata_keyboard.link */
	struct wl_listener new_input;
	struct wl_listener request_cursor;
	struct wl_listener request_set_selection;
	struct wlr_cursor *cursor;
	struct wlr_xcursor_manager *cursor_manager; /* may be NULL (headless) */
	struct wl_listener cursor_motion;
	struct wl_listener cursor_motion_absolute;
	struct wl_listener cursor_button;
	struct wl_listener cursor_axis;
	struct wl_listener cursor_frame;
	enum strata_cursor_mode cursor_mode;
	struct strata_view *grabbed_view;
	double grab_x, grab_y;
	struct wlr_box grab_box;
	uint32_t resize_edges;
	uint32_t pointer_buttons_to_client; /* bitmask of buttons pressed while forwarded */

	/* Test injection devices (headless backend); may be NULL. */
	struct wlr_input_device *virtual_keyboard;
	struct wlr_input_device *virtual_pointer;

	/* Sockets and client identity (levels.c). */
	char runtime_dir[256];
	char data_dir[256]; /* levels' homes and the audit log */
	bool runtime_dir_created;
	struct strata_listener_socket sockets[STRATA_MAX_LEVELS + 1];
	size_t socket_count;
	struct wl_listener client_created;
	struct wl_list clients; /* strata_client.link */
	uint32_t next_client_id;

	struct strata_test_control *test_control; /* may be NULL */
	struct strata_session *session; /* may be NULL (--no-cages) */
	struct strata_audio *audio; /* NULL unless [audio] enabled */

	/* Frame statistics, for the test-control and benchmarks. */
	uint64_t stat_frames;
	uint64_t stat_render_ns_total;
	uint64_t stat_render_ns_max;
};

struct strata_client {
	struct wl_client *client;
	int level;
	uint32_t id;
	struct wl_listener destroy;
	struct wl_list link; /* strata_server.clients */
};

/* server.c */
bool server_init(struct strata_server *server, const char *headless_size, bool test_control);
bool server_start(struct strata_server *server);
void server_finish(struct strata_server *server);
/* The box in layout coordinates where windows may be: outputs minus banner. */
bool server_usable_area(struct strata_server *server, struct wlr_box *box);
/* Level name for messages; "core" and "unknown" for the two special levels. */
const char *server_level_name(struct strata_server *server, int level);

/*
 * A program or data file of Strata: the first DIR/dirs[i]/name that access()
 * allows with mode, DIR being the directory of the running strata (dirs
 * name where it is installed, e.g. ".", and where it is in the build tree,
 * e.g. "../cage-proxy"). Fills out (size bytes) and returns true, else
 * leaves out empty.
 */
bool server_find_file(char *out, size_t size, const char *const *dirs, const char *name, int mode);

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

#endif
