// SPDX-License-Identifier: MIT
/*
 * The compositor's objects, created in dependency order and destroyed in the
 * reverse order.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wlr/backend/headless.h>
#include <wlr/backend/multi.h>
#include <wlr/render/pixman.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_presentation_time.h>
#include <wlr/types/wlr_screencopy_v1.h>
#include <wlr/types/wlr_viewporter.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/util/log.h>
#include "actions.h"
#include "activation.h"
#include "banner.h"
#include "clipboard.h"
#include "foreign.h"
#include "gestures.h"
#include "idle_inhibit.h"
#include "layout.h"
#include "output.h"
#include "renderer.h"
#include "request_guard.h"
#include "seat.h"
#include "shm.h"
#include "server.h"
#include "text_input.h"
#include "view.h"
#include "xray.h"

static bool
parse_size(const char *text, int *width, int *height)
{
	char *end;
	long w = strtol(text, &end, 10);
	if (*end != 'x') {
		return false;
	}
	long h = strtol(end + 1, &end, 10);
	if (*end != '\0' || w < 320 || h < 240 || w > 8192 || h > 8192) {
		return false;
	}
	*width = (int)w;
	*height = (int)h;
	return true;
}

static bool
create_backend(struct strata_server *server, const char *headless_size, bool test_control)
{
	if (headless_size) {
		int width, height;
		if (!parse_size(headless_size, &width, &height)) {
			fprintf(stderr,
					"strata: --headless takes WIDTHxHEIGHT (320x240 to 8192x8192), "
					"not \"%s\"\n",
					headless_size);
			return false;
		}
		server->headless = true;
		server->backend = wlr_headless_backend_create(server->display);
		if (!server->backend) {
			return false;
		}
		server->input_backend = server->backend;
		/* pixman: no GPU is needed, and pixels read back are exact. */
		server->renderer = wlr_pixman_renderer_create();
		if (!server->renderer ||
				!wlr_headless_add_output(server->backend, (unsigned)width,
						(unsigned)height)) {
			return false;
		}
		return true;
	}
	/* A real seat (DRM + libinput through libseat), or nested in a window
	 * when WAYLAND_DISPLAY or DISPLAY is set. */
	server->backend = wlr_backend_autocreate(server->display);
	if (!server->backend) {
		return false;
	}
	server->renderer = renderer_create(server->backend);
	if (!server->renderer) {
		return false;
	}
	if (test_control && wlr_backend_is_multi(server->backend)) {
		/* Injected input comes from virtual devices of a headless backend. */
		server->input_backend = wlr_headless_backend_create(server->display);
		if (!server->input_backend ||
				!wlr_multi_backend_add(server->backend, server->input_backend)) {
			return false;
		}
	}
	return true;
}

bool
server_init(struct strata_server *server, const char *headless_size, bool test_control)
{
	wl_list_init(&server->outputs);
	wl_list_init(&server->views);
	wl_list_init(&server->clients);
	wl_list_init(&server->new_output.link);
	wl_signal_init(&server->events.status_changed);
	wl_signal_init(&server->events.outputs_changed);
	wl_signal_init(&server->events.views_changed);
	wl_signal_init(&server->events.before_frame);
	server->display = wl_display_create();
	if (!server->display) {
		return false;
	}
	server->event_loop = wl_display_get_event_loop(server->display);

	if (!create_backend(server, headless_size, test_control)) {
		wlr_log(WLR_ERROR, "cannot create the backend or the renderer");
		return false;
	}
	/*
	 * libwayland's wl_shm (what wlr_renderer_init_wl_display creates) stays
	 * for core clients, whose screencopy needs it; level clients get Strata's
	 * SIGBUS-safe one instead (the global filter shows each side its own).
	 */
	if (!wlr_renderer_init_wl_display(server->renderer, server->display)) {
		return false;
	}
	const struct strata_config *cfg = &server->config;
	struct strata_shm_limits limits = {
		.max_width = cfg->max_buffer_width,
		.max_height = cfg->max_buffer_height,
		.max_bytes_per_client = (uint64_t)cfg->shm_mib_per_client << 20,
		.max_pools_per_client = (uint32_t)cfg->shm_pools_per_client,
	};
	server->shm = shm_create(server->display, server->renderer, &limits);
	if (!server->shm || !request_guard_init(server)) {
		wlr_log(WLR_ERROR, "cannot create the shm global or the request guard");
		return false;
	}
	server->allocator = wlr_allocator_autocreate(server->backend, server->renderer);
	if (!server->allocator) {
		wlr_log(WLR_ERROR, "cannot create an allocator");
		return false;
	}
	server->compositor = wlr_compositor_create(server->display, server->renderer);
	if (!server->compositor || !wlr_data_device_manager_create(server->display)) {
		return false;
	}
	shm_watch_surfaces(server->shm, server->compositor);

	server->output_layout = wlr_output_layout_create();
	server->scene = wlr_scene_create();
	if (!server->output_layout || !server->scene) {
		return false;
	}
	/* Bottom to top: windows, the banner, the X-ray and the lock (scene.c
	 * clears to the background colour first). */
	server->layer_unmapped = &wlr_scene_tree_create(&server->scene->node)->node;
	wlr_scene_node_set_enabled(server->layer_unmapped, false);
	server->layer_views = &wlr_scene_tree_create(&server->scene->node)->node;
	server->layer_overlay = &wlr_scene_tree_create(&server->scene->node)->node;
	server->layer_trusted = &wlr_scene_tree_create(&server->scene->node)->node;
	wlr_scene_attach_output_layout(server->scene, server->output_layout);
	server->new_output.notify = output_handle_new;
	wl_signal_add(&server->backend->events.new_output, &server->new_output);

	if (!xdg_shell_init(server)) {
		return false;
	}
	struct wlr_presentation *presentation =
			wlr_presentation_create(server->display, server->backend);
	if (!presentation) {
		return false;
	}
	wlr_scene_set_presentation(server->scene, presentation);
	if (!wlr_viewporter_create(server->display) ||
			!wlr_xdg_output_manager_v1_create(server->display, server->output_layout)) {
		return false;
	}
	/* Privileged: the global filter shows these to core clients only. */
	if (!wlr_screencopy_manager_v1_create(server->display) || !control_init(server)) {
		return false;
	}
	server->seat = seat_create(server);
	if (!server->seat || !clipboard_init(server) || !actions_init(server)) {
		return false;
	}
	server->text_input = text_input_relay_create(server);
	if (!server->text_input) {
		return false;
	}
	/* Level protocols with a rule each (common/global_policy.c). */
	if (!activation_init(server) || !foreign_init(server) || !idle_inhibit_init(server) ||
			!gestures_init(server)) {
		wlr_log(WLR_ERROR,
				"cannot create xdg-activation, xdg-foreign, idle-inhibit or "
				"pointer gestures");
		return false;
	}
	layout_init(server);
	views_init(server);
	server->banner = banner_create(server);
	server->xray = xray_create(server);
	return server->banner != NULL && server->xray != NULL;
}

bool
server_start(struct strata_server *server)
{
	if (!wlr_backend_start(server->backend)) {
		wlr_log(WLR_ERROR, "cannot start the backend");
		return false;
	}
	if (wl_list_empty(&server->outputs)) {
		wlr_log(WLR_ERROR, "no output could be enabled");
		return false;
	}
	return true;
}

void
server_finish(struct strata_server *server)
{
	if (!server->display) {
		return;
	}
	levels_close_sockets(server);
	/* Before the clients go: their windows unmapping would redraw it. */
	xray_destroy(server->xray);
	server->xray = NULL;
	wl_display_destroy_clients(server->display);
	if (server->xdg_shell) {
		xdg_shell_finish(server);
	}
	request_guard_finish(server);
	idle_inhibit_finish(server);
	foreign_finish(server);
	notice_finish(server);
	banner_destroy(server->banner);
	server->banner = NULL;
	layout_finish(server);
	views_finish(server);
	actions_finish(server);
	shm_destroy(server->shm);
	server->shm = NULL;
	text_input_relay_destroy(server->text_input);
	server->text_input = NULL;
	if (server->seat) {
		gestures_finish(server);
		clipboard_finish(server);
		seat_destroy(server->seat);
		server->seat = NULL;
	}
	if (server->backend) {
		wl_list_remove(&server->new_output.link);
		wlr_backend_destroy(server->backend);
	}
	/* The layout first: the scene listens to it (wlr_scene_attach_output_layout)
	 * and would be told of its end after being freed. */
	wlr_output_layout_destroy(server->output_layout);
	server->output_layout = NULL;
	if (server->scene) {
		wlr_scene_node_destroy(&server->scene->node);
	}
	wlr_allocator_destroy(server->allocator);
	wlr_renderer_destroy(server->renderer);
	wl_display_destroy(server->display);
	server->display = NULL;
}
