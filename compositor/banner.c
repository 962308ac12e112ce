// SPDX-License-Identifier: MIT
/*
 * The banner: the trusted area along the top of every output. It shows the
 * level of the window that has keyboard focus, in that level's colours, and
 * the integrator's marking for it. It lives in the overlay layer, above
 * everything a client can draw, and the layout never gives its rows to a
 * window, fullscreen included.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "audio.h"
#include "output.h"
#include "session.h"
#include "text.h"
#include "transfer.h"
#include "view.h"

#define NOTICE_MS 8000

static char notice[256];
static struct wl_event_source *notice_timer;

static int
handle_notice_timer(void *data)
{
	notice[0] = '\0';
	banner_update_all(data);
	return 0;
}

void
banner_notice(struct strata_server *server, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(notice, sizeof(notice), fmt, args);
	va_end(args);
	if (!notice_timer) {
		notice_timer = wl_event_loop_add_timer(server->event_loop, handle_notice_timer,
				server);
	}
	if (notice_timer) {
		wl_event_source_timer_update(notice_timer, NOTICE_MS);
	}
	banner_update_all(server);
}

void
banner_finish(struct strata_server *server)
{
	if (notice_timer) {
		wl_event_source_remove(notice_timer);
		notice_timer = NULL;
	}
	notice[0] = '\0';
}

static void
upper_copy(char *out, size_t size, const char *in)
{
	size_t i = 0;
	for (; in[i] && i + 1 < size; i++) {
		out[i] = (char)toupper((unsigned char)in[i]);
	}
	out[i] = '\0';
}

void
banner_update_all(struct strata_server *server)
{
	const struct strata_config *cfg = &server->config;
	struct strata_view *focused = server->focused_view;
	const struct strata_level *level = NULL;
	if (focused && focused->level >= 0) {
		level = &cfg->levels[focused->level];
	}

	char name[STRATA_LEVEL_NAME_MAX + 1];
	struct text_line lines[6];
	size_t count = 0;
	strata_rgba background, foreground;
	if (level) {
		upper_copy(name, sizeof(name), level->name);
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
	char mic[STRATA_LEVEL_NAME_MAX + 8],
			playing[STRATA_MAX_LEVELS * (STRATA_LEVEL_NAME_MAX + 2) + 16];
	audio_banner_mic(server, mic, sizeof(mic));
	audio_banner_playing(server, playing, sizeof(playing));
	if (mic[0]) {
		lines[count++] = (struct text_line){ .text = mic, .bold = true };
	}
	if (playing[0]) {
		lines[count++] = (struct text_line){ .text = playing, .bold = false };
	}

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
