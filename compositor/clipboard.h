/* SPDX-License-Identifier: MIT */
#ifndef STRATA_CLIPBOARD_H
#define STRATA_CLIPBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_primary_selection.h>
#include "server.h"

/*
 * Per-level clipboards. Each level keeps its own selection and primary
 * selection source; the seat only ever holds a compositor-owned wrapper
 * for the focused level, which forwards requests to that level's source
 * (lazily, every MIME type it offers). Switching focus to another level
 * swaps the wrapper before the keyboard enters, so a client is offered its
 * own level's selection only. Sources may be set only by the client that
 * has keyboard focus. Drag and drop works within a level only.
 */
#define CLIPBOARD_MAX_MIME_TYPES 32
#define CLIPBOARD_MAX_MIME_LENGTH 255

bool clipboard_init(struct strata_server *server);
void clipboard_finish(struct strata_server *server);

/* The level's current selection source (a client's or a transferred
 * snapshot), or NULL. */
struct wlr_data_source *clipboard_level_source(struct strata_server *server, int level);
/* The level's current primary selection source, or NULL. */
struct wlr_primary_selection_source *clipboard_level_primary(struct strata_server *server,
		int level);
/* The MIME types of a level's primary selection; set: whether it has one. */
size_t clipboard_level_primary_types(struct strata_server *server, int level, bool *set);

/* Makes source the level's selection (the level owns it from now on; any
 * previous source of that level is cancelled), and the seat's if the level
 * has focus. */
void clipboard_set_level_source(struct strata_server *server, int level,
		struct wlr_data_source *source, uint32_t serial);

/* The same for the primary selection. */
void clipboard_set_level_primary(struct strata_server *server, int level,
		struct wlr_primary_selection_source *source, uint32_t serial);

/*
 * A level's selection or primary selection changed (or went): listeners
 * get a struct clipboard_change (the X11 bridge, xwayland_selection.c).
 */
struct clipboard_change {
	int level;
	bool primary;
};
void clipboard_add_change_listener(struct wl_listener *listener);
/* A new compositor-owned source that serves the level's current selection
 * (or primary selection) when read, the way the seat's does; NULL when the
 * level has none. Whoever gets it owns it. */
struct wlr_data_source *clipboard_level_wrapper(struct strata_server *server, int level);
struct wlr_primary_selection_source *clipboard_level_primary_wrapper(struct strata_server *server,
		int level);
/* Whether a source is such a wrapper (never a client's). */
bool clipboard_is_wrapper(const struct wlr_data_source *source);
bool clipboard_is_primary_wrapper(const struct wlr_primary_selection_source *source);

/* For the X-ray: "empty", or the first MIME type and how many more, and the
 * size when the compositor holds the bytes (a transferred snapshot). Never
 * the content. */
void clipboard_describe_level(struct strata_server *server, int level, char *out, size_t size);

/*
 * Makes bytes (len of them, malloc'd; the clipboard owns them from now on)
 * the level's selection: a compositor-owned source that serves exactly
 * those bytes, as text (the text types) or as image/png. false (bytes
 * freed) when out of memory.
 */
bool clipboard_set_level_snapshot(struct strata_server *server, int level, uint8_t *bytes,
		size_t len, bool image);

#endif
