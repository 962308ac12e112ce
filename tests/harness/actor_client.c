// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actor_client.h"

#define MAP_TIMEOUT_MS 15000
#define EVENT_TIMEOUT_MS 5000

static pid_t
spawn_on_level(struct strata_session *s, void *level, char *const argv[])
{
	return session_spawn_client(s, level, argv);
}

void
actor_start(struct strata_session *s, struct actor *a, const char *level, const char *app_id,
		uint32_t rgb, uint32_t popup_rgb, const char *const *tricks)
{
	actor_start_spawned(s, a, spawn_on_level, (void *)level, app_id, rgb, popup_rgb, tricks);
}

void
actor_start_spawned(struct strata_session *s, struct actor *a, actor_spawn_fn spawn, void *data,
		const char *app_id, uint32_t rgb, uint32_t popup_rgb, const char *const *tricks)
{
	const char *bin = getenv("STRATA_ACTOR_BIN");
	session_assert_msg(s, bin && bin[0],
			"STRATA_ACTOR_BIN is not set (run through meson test)");
	snprintf(a->log, sizeof(a->log), "%s/%s.events", s->dir, app_id);
	snprintf(a->app_id, sizeof(a->app_id), "%s", app_id);
	a->barriers = 0;
	a->keyboard_barriers = 0;
	char colour[16], popup_colour[16];
	snprintf(colour, sizeof(colour), "ff%06x", rgb & 0xffffff);
	snprintf(popup_colour, sizeof(popup_colour), "ff%06x",
			(popup_rgb ? popup_rgb : rgb) & 0xffffff);
	char *argv[48];
	int n = 0;
	argv[n++] = (char *)bin;
	argv[n++] = "--log";
	argv[n++] = a->log;
	argv[n++] = "--colour";
	argv[n++] = colour;
	argv[n++] = "--popup-colour";
	argv[n++] = popup_colour;
	argv[n++] = "--app-id";
	argv[n++] = a->app_id;
	for (int i = 0; tricks && tricks[i]; i++) {
		session_assert_msg(s, n + 3 < (int)(sizeof(argv) / sizeof(argv[0])),
				"too many tricks");
		argv[n++] = "--trick";
		argv[n++] = (char *)tricks[i];
	}
	argv[n] = NULL;
	a->pid = spawn(s, data, argv);
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .app_id = app_id },
					&a->window, MAP_TIMEOUT_MS),
			"%s did not map", app_id);
	/* What the compositor sent at the map (keyboard enter, modifiers, the
	 * activated configure) is in the log before the caller takes a mark:
	 * a mark taken between "enter" and "mods" read as a modifiers event
	 * sent later (trusted test 10 failed so once, in CI under /root). */
	actor_barrier(s, a);
}

char *
actor_events(struct actor *a)
{
	char *text = session_read_file(a->log, NULL);
	return text ? text : strdup("");
}

size_t
actor_mark(struct actor *a)
{
	char *text = actor_events(a);
	size_t len = strlen(text);
	free(text);
	return len;
}

/* The text past from (never past its end). */
static const char *
past(const char *text, size_t from)
{
	size_t len = strlen(text);
	return text + (from < len ? from : len);
}

int
actor_count_lines(struct actor *a, size_t from, const char *prefix, char *listing, size_t size)
{
	char *text = actor_events(a);
	int count = 0;
	size_t used = 0, prefix_len = strlen(prefix);
	if (listing && size) {
		listing[0] = '\0';
	}
	for (const char *p = past(text, from); *p;) {
		const char *nl = strchr(p, '\n');
		size_t line_len = nl ? (size_t)(nl - p) : strlen(p);
		if (line_len >= prefix_len && strncmp(p, prefix, prefix_len) == 0) {
			count++;
			if (listing && used + line_len + 3 < size) {
				used += (size_t)snprintf(listing + used, size - used, "%.*s; ",
						(int)line_len, p);
			}
		}
		p += line_len + (nl ? 1 : 0);
	}
	free(text);
	return count;
}

struct line_wait {
	struct actor *actor;
	size_t from;
	const char *line;
};

static bool
has_line(struct strata_session *s, void *data)
{
	struct line_wait *w = data;
	char *text = actor_events(w->actor);
	bool found = false;
	size_t len = strlen(w->line);
	for (const char *p = past(text, w->from); *p && !found;) {
		const char *nl = strchr(p, '\n');
		size_t line_len = nl ? (size_t)(nl - p) : strlen(p);
		found = line_len == len && strncmp(p, w->line, len) == 0;
		p += line_len + (nl ? 1 : 0);
	}
	free(text);
	return found;
}

void
actor_wait_line(struct strata_session *s, struct actor *a, size_t from, const char *line)
{
	struct line_wait w = { a, from, line };
	if (!session_wait_for(has_line, s, &w, EVENT_TIMEOUT_MS)) {
		char *text = actor_events(a);
		session_fail(s, "%s never logged \"%s\"; its events since the mark:\n%s", a->app_id,
				line, past(text, from));
	}
}

struct count_wait {
	struct actor *actor;
	const char *needle;
	int count;
};

static bool
has_count(struct strata_session *s, void *data)
{
	struct count_wait *w = data;
	char *text = actor_events(w->actor);
	int count = 0;
	for (const char *p = text; (p = strstr(p, w->needle)); p++) {
		count++;
	}
	free(text);
	return count >= w->count;
}

void
actor_wait_count(struct strata_session *s, struct actor *a, const char *needle, int count)
{
	struct count_wait w = { a, needle, count };
	if (!session_wait_for(has_count, s, &w, EVENT_TIMEOUT_MS)) {
		char *text = actor_events(a);
		session_fail(s, "%s logged \"%s\" fewer than %d times: %s", a->app_id, needle,
				count, text);
	}
}

void
actor_barrier(struct strata_session *s, struct actor *a)
{
	char line[32];
	snprintf(line, sizeof(line), "barrier %u", ++a->barriers);
	session_assert(s, kill(a->pid, SIGUSR1) == 0);
	actor_wait_line(s, a, 0, line);
}

void
actor_keyboard_barrier(struct strata_session *s, struct actor *a)
{
	char line[40];
	snprintf(line, sizeof(line), "keyboard barrier %u", ++a->keyboard_barriers);
	session_assert(s, kill(a->pid, SIGUSR2) == 0);
	actor_wait_line(s, a, 0, line);
}

void
actor_click(struct strata_session *s, struct actor *a, const char *button)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, a->window.id, &x, &y),
			"no visible point of %s", a->app_id);
	free(session_ctl_ok(s, "click %d %d %s", x, y, button));
}

void
actor_first_configure(struct strata_session *s, struct actor *a, int *width, int *height)
{
	char *log = actor_events(a);
	const char *line = strstr(log, "configure ");
	session_assert_msg(s, line && sscanf(line, "configure %d %d", width, height) == 2,
			"%s got no configure", a->app_id);
	free(log);
}
