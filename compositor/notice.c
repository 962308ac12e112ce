// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include "notice.h"
#include "server.h"

#define NOTICE_MS 8000

static int
handle_notice_timer(void *data)
{
	struct strata_server *server = data;
	server->notice.text[0] = '\0';
	server_status_changed(server);
	return 0;
}

void
notice_post(struct strata_server *server, const char *fmt, ...)
{
	struct strata_notice *notice = &server->notice;
	va_list args;
	va_start(args, fmt);
	vsnprintf(notice->text, sizeof(notice->text), fmt, args);
	va_end(args);
	if (!notice->timer) {
		notice->timer = wl_event_loop_add_timer(server->event_loop, handle_notice_timer,
				server);
	}
	if (notice->timer) {
		wl_event_source_timer_update(notice->timer, NOTICE_MS);
	}
	server_status_changed(server);
}

const char *
notice_text(struct strata_server *server)
{
	return server->notice.text;
}

void
notice_finish(struct strata_server *server)
{
	if (server->notice.timer) {
		wl_event_source_remove(server->notice.timer);
		server->notice.timer = NULL;
	}
	server->notice.text[0] = '\0';
}
