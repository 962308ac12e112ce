/* SPDX-License-Identifier: MIT */
#ifndef STRATA_NOTICE_H
#define STRATA_NOTICE_H

#include <stdbool.h>
#include <wayland-server-core.h>

/*
 * A transient message for the user, shown in the banner under the focused
 * level's name for a few seconds (a transfer's outcome, a refusal, a
 * reminder). Posting one makes the banner redraw.
 */
struct strata_server;

struct strata_notice {
	char text[256];
	struct wl_event_source *timer; /* may be NULL */
};

void notice_post(struct strata_server *server, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
/* The message shown now, "" when none. */
const char *notice_text(struct strata_server *server);
void notice_finish(struct strata_server *server);

#endif
