// SPDX-License-Identifier: MIT
/*
 * The banner: the trusted area along the top of every output. It shows the
 * level of the window that has keyboard focus, in that level's colours,
 * the integrator's marking for it, levels that are down, who holds the
 * microphone and who plays sound, and the latest notice. It lives in the
 * overlay layer, above everything a client can draw, and the layout never
 * gives its rows to a window, fullscreen included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audio.h"
#include "banner.h"
#include "output.h"
#include "seat.h"
#include "session.h"
#include "text.h"

struct strata_banner {
	struct strata_server *server;
	int level; /* the level drawn, POLICY_NO_LEVEL for none */
	struct wl_listener focus;
	struct wl_listener status_changed;
	struct wl_listener outputs_changed;
};

static void
banner_draw(struct strata_banner *banner)
{
	struct strata_server *server = banner->server;
	const struct strata_config *cfg = &server->config;
	int focused = seat_focused_level(server->seat);
	const struct strata_level *level = NULL;
	if (focused >= 0 && (size_t)focused < cfg->level_count) {
		level = &cfg->levels[focused];
	}
	banner->level = focused;

	char name[STRATA_LEVEL_NAME_MAX + 1];
	struct text_line lines[6];
	size_t count = 0;
	strata_rgba background, foreground;
	if (level) {
		text_upper_copy(name, sizeof(name), level->name);
		lines[count++] = (struct text_line){ .text = name, .bold = true };
		if (level->banner[0]) {
			lines[count++] = (struct text_line){ .text = level->banner, .bold = false };
		}
		background = level->colour;
		foreground = level->text_colour;
	} else {
		lines[count++] = (struct text_line){ .text = "No window has focus", .bold = false };
		background = cfg->idle_colour;
		foreground = cfg->idle_text_colour;
	}

	/* Levels whose cage cannot be reached: said on every output. */
	char down[STRATA_MAX_LEVELS * (STRATA_LEVEL_NAME_MAX + 2) + 32] = "";
	if (server->session) {
		size_t used = 0;
		for (size_t i = 0; i < cfg->level_count; i++) {
			if (!session_level_up(server->session, (int)i)) {
				used += (size_t)snprintf(down + used, sizeof(down) - used, "%s%s",
						used ? ", " : "\u26a0 down: ", cfg->levels[i].name);
			}
		}
		if (used) {
			lines[count++] = (struct text_line){ .text = down, .bold = true };
		}
	}

	/* Who hears the microphone, who is playing: the core's word, not a cage's. */
	char mic[STRATA_MAX_LEVELS * (STRATA_LEVEL_NAME_MAX + 2) + 32],
			playing[STRATA_MAX_LEVELS * (STRATA_LEVEL_NAME_MAX + 2) + 16];
	audio_banner_mic(server, mic, sizeof(mic));
	audio_banner_playing(server, playing, sizeof(playing));
	if (mic[0]) {
		lines[count++] = (struct text_line){ .text = mic, .bold = true };
	}
	if (playing[0]) {
		lines[count++] = (struct text_line){ .text = playing, .bold = false };
	}
	const char *notice = notice_text(server);
	if (notice[0]) {
		lines[count++] = (struct text_line){ .text = notice, .bold = false };
	}

	struct strata_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		if (output->banner) {
			wlr_scene_node_destroy(output->banner);
			output->banner = NULL;
		}
		struct wlr_box box;
		output_get_box(output, &box);
		output->banner = text_bar_create(server->layer_overlay, box.x, box.y, box.width,
				cfg->banner_height, background, foreground, cfg->font, lines, count,
				true);
	}
}

static void
handle_focus(struct wl_listener *listener, void *data)
{
	struct strata_banner *banner = wl_container_of(listener, banner, focus);
	struct seat_focus_event *event = data;
	/* Within one level the banner says the same: no redraw. */
	if (event->new_level != banner->level) {
		banner_draw(banner);
	}
}

static void
handle_status_changed(struct wl_listener *listener, void *data)
{
	struct strata_banner *banner = wl_container_of(listener, banner, status_changed);
	banner_draw(banner);
}

static void
handle_outputs_changed(struct wl_listener *listener, void *data)
{
	struct strata_banner *banner = wl_container_of(listener, banner, outputs_changed);
	banner_draw(banner);
}

struct strata_banner *
banner_create(struct strata_server *server)
{
	struct strata_banner *banner = calloc(1, sizeof(*banner));
	if (!banner) {
		return NULL;
	}
	banner->server = server;
	banner->level = POLICY_NO_LEVEL;
	banner->focus.notify = handle_focus;
	wl_signal_add(&server->seat->events.focus, &banner->focus);
	banner->status_changed.notify = handle_status_changed;
	wl_signal_add(&server->events.status_changed, &banner->status_changed);
	banner->outputs_changed.notify = handle_outputs_changed;
	wl_signal_add(&server->events.outputs_changed, &banner->outputs_changed);
	return banner;
}

void
banner_destroy(struct strata_banner *banner)
{
	if (!banner) {
		return;
	}
	wl_list_remove(&banner->focus.link);
	wl_list_remove(&banner->status_changed.link);
	wl_list_remove(&banner->outputs_changed.link);
	free(banner);
}
