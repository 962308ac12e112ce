/* SPDX-License-Identifier: MIT */
#ifndef TESTS_KEYLOG_H
#define TESTS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "strata_test.h"

/*
 * A recording client: a window on a level that writes every keyboard event
 * it receives, one line each, to a log the test reads:
 *
 *   keymap
 *   mapped
 *   enter keys=30,42          (the keys the enter event says are held; "-": none)
 *   mods depressed=shift+logo latched=- locked=-
 *   key 30 pressed / key 30 released
 *   leave
 *   closed                    (xdg_toplevel.close: it destroyed its window and
 *                             stays connected, keyboard and all)
 *   sync                      (after keylog_sync(): everything the
 *                             compositor sent before is logged above)
 *
 * It runs as the test program itself (SESSION_TESTS_WITH_HELPER with
 * keylog_helper_main as the helper).
 */

/* `--helper keylog OUT APP_ID`. */
int keylog_helper_main(int argc, char **argv);

struct keylog {
	pid_t pid;
	char path[256];
	char app_id[64];
	struct window_info window; /* as listed once mapped */
};

/* Starts one on level, waits for its window and its keymap (so that its
 * silence later means something). name: unique within the test. */
void keylog_start(struct strata_session *s, const char *level, const char *name,
		struct keylog *out);
/* A barrier: waits until the client has handled (and logged) every event
 * the compositor sent it before now; fails the test after 5 s. */
void keylog_sync(struct strata_session *s, const struct keylog *k);
/* The log's length now (for keylog_since). */
size_t keylog_mark(struct strata_session *s, const struct keylog *k);
/* The lines written after mark (malloc'd). */
char *keylog_since(struct strata_session *s, const struct keylog *k, size_t mark);
/* Lines of text that start with prefix. */
int keylog_count(const char *text, const char *prefix);
/* The first line of text that starts with prefix, at or after the first
 * line that starts with after (NULL: from the start); copied to out. */
bool keylog_find(const char *text, const char *after, const char *prefix, char *out, size_t size);
/* The last line of text that starts with prefix, copied to out. */
bool keylog_last(const char *text, const char *prefix, char *out, size_t size);
/* Prints text line by line as TAP diagnostics, under a title. */
void keylog_dump(const char *title, const char *text);

#endif
