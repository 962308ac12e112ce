// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <wlr/util/log.h>
#include <xkbcommon/xkbcommon-keysyms.h>
#include "chooser.h"
#include "output.h"
#include "process.h"
#include "seat.h"
#include "session.h"
#include "text.h"

#define CHOOSER_WIDTH 560
#define CHOOSER_BACKGROUND 0x1c1c1cff
#define CHOOSER_BORDER 0xe0e0e0ff /* no level's colour: it belongs to none */
#define CHOOSER_HEADER_TEXT 0x1c1c1cff
/* Digits typed this soon after the chooser opened were typed ahead, meant
 * for a window that was there a moment before: they choose nothing. */
#define CHOOSER_SETTLE_MS 300

struct strata_chooser {
	struct strata_server *server;
	struct seat_modal modal;
	struct wlr_scene_node *dialog; /* non-NULL while open */
	uint64_t opened_ms; /* process_clock_ms() */
	struct wl_listener outputs_changed;
};

static void
launch_terminal(struct strata_chooser *chooser, int level)
{
	struct strata_server *server = chooser->server;
	const char *argv[] = { server->config.terminal, NULL };
	char err[256];
	if (session_launch(server->session, level, argv, true, err, sizeof(err)) < 0) {
		wlr_log(WLR_ERROR, "Logo+Return: %s", err);
	}
}

static void
close_dialog(struct strata_chooser *chooser)
{
	if (chooser->dialog) {
		wlr_scene_node_destroy(chooser->dialog);
		chooser->dialog = NULL;
		seat_end_modal(chooser->server->seat, &chooser->modal);
	}
}

/* A digit of the main row or of the keypad: 1 to 9, else 0. */
static int
digit(xkb_keysym_t sym)
{
	if (sym >= XKB_KEY_1 && sym <= XKB_KEY_9) {
		return (int)(sym - XKB_KEY_0);
	}
	if (sym >= XKB_KEY_KP_1 && sym <= XKB_KEY_KP_9) {
		return (int)(sym - XKB_KEY_KP_0);
	}
	return 0;
}

static void
handle_key(struct seat_modal *modal, xkb_keysym_t sym, bool reserved_held)
{
	struct strata_chooser *chooser = wl_container_of(modal, chooser, modal);
	int n = digit(sym);
	bool settled = process_clock_ms() - chooser->opened_ms >= CHOOSER_SETTLE_MS;
	if (n >= 1 && (size_t)n <= chooser->server->config.level_count && settled &&
			session_level_up(chooser->server->session, n - 1)) {
		close_dialog(chooser);
		launch_terminal(chooser, n - 1);
	} else if (sym == XKB_KEY_Escape) {
		close_dialog(chooser);
	}
}

/* A click is a change of mind. */
static void
handle_button(struct seat_modal *modal, uint32_t button)
{
	struct strata_chooser *chooser = wl_container_of(modal, chooser, modal);
	close_dialog(chooser);
}

/* The X-ray or the lock took the seat: the seat is theirs now. */
static void
handle_cancel(struct seat_modal *modal)
{
	struct strata_chooser *chooser = wl_container_of(modal, chooser, modal);
	if (chooser->dialog) {
		wlr_scene_node_destroy(chooser->dialog);
		chooser->dialog = NULL;
	}
}

/* The dialog, centred on the first output; NULL when there is none. */
static struct wlr_scene_node *
draw_dialog(struct strata_chooser *chooser)
{
	struct strata_server *server = chooser->server;
	const struct strata_config *cfg = &server->config;
	struct wlr_box area;
	if (!output_usable_area(server, &area)) {
		return NULL;
	}
	char items[STRATA_MAX_LEVELS][80], hint[64];
	struct text_box_line lines[STRATA_MAX_LEVELS + 2];
	size_t n = 0;
	for (size_t i = 0; i < cfg->level_count; i++) {
		/* A level that is down (no proxy) cannot be chosen. */
		bool up = session_level_up(server->session, (int)i);
		snprintf(items[i], sizeof(items[i]), "%zu   %s%s", i + 1, cfg->levels[i].name,
				up ? "" : "   (down: cannot open)");
		lines[n++] = (struct text_box_line){ .text = items[i],
			.colour = up ? 0xffffffff : 0x888888ff,
			.bold = true,
			.swatch = cfg->levels[i].colour };
	}
	snprintf(hint, sizeof(hint), "1 to %zu: choose     Escape: cancel", cfg->level_count);
	lines[n++] = (struct text_box_line){ .text = NULL, .colour = 0xffffffff };
	lines[n++] = (struct text_box_line){ .text = hint, .colour = 0xbbbbbbff };
	/* The header, then about 36 px a line. */
	int width = CHOOSER_WIDTH < area.width ? CHOOSER_WIDTH : area.width;
	int height = 80 + (int)n * 36;
	height = height < area.height ? height : area.height;
	return text_box_create(server->layer_overlay, area.x + (area.width - width) / 2,
			area.y + (area.height - height) / 2, width, height, CHOOSER_BACKGROUND,
			CHOOSER_BORDER, 6, "Open a terminal in which level?", CHOOSER_HEADER_TEXT,
			cfg->font, lines, n);
}

void
chooser_open(struct strata_chooser *chooser)
{
	struct strata_server *server = chooser->server;
	const struct strata_config *cfg = &server->config;
	if (chooser->dialog || !server->session || cfg->level_count == 0) {
		return;
	}
	if (cfg->level_count == 1) {
		launch_terminal(chooser, 0);
		return;
	}
	if (seat_modal_active(server->seat)) {
		return;
	}
	chooser->dialog = draw_dialog(chooser);
	if (!chooser->dialog) {
		return;
	}
	if (!seat_begin_modal(server->seat, &chooser->modal)) {
		wlr_scene_node_destroy(chooser->dialog);
		chooser->dialog = NULL;
		return;
	}
	chooser->opened_ms = process_clock_ms();
}

/* Outputs came or went: the open chooser is drawn again, centred on the
 * output that is first now; with no output left, it closes. */
static void
handle_outputs_changed(struct wl_listener *listener, void *data)
{
	struct strata_chooser *chooser = wl_container_of(listener, chooser, outputs_changed);
	if (!chooser->dialog) {
		return;
	}
	wlr_scene_node_destroy(chooser->dialog);
	chooser->dialog = draw_dialog(chooser);
	if (!chooser->dialog) {
		seat_end_modal(chooser->server->seat, &chooser->modal);
	}
}

struct strata_chooser *
chooser_create(struct strata_server *server)
{
	struct strata_chooser *chooser = calloc(1, sizeof(*chooser));
	if (!chooser) {
		return NULL;
	}
	chooser->server = server;
	chooser->modal = (struct seat_modal){
		.handle_key = handle_key,
		.handle_button = handle_button,
		.cancel = handle_cancel,
		.digits = true,
	};
	chooser->outputs_changed.notify = handle_outputs_changed;
	wl_signal_add(&server->events.outputs_changed, &chooser->outputs_changed);
	return chooser;
}

void
chooser_destroy(struct strata_chooser *chooser)
{
	if (!chooser) {
		return;
	}
	if (chooser->dialog) {
		wlr_scene_node_destroy(chooser->dialog);
	}
	wl_list_remove(&chooser->outputs_changed.link);
	seat_forget_modal(chooser->server->seat, &chooser->modal);
	free(chooser);
}
