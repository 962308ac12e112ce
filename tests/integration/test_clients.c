// SPDX-License-Identifier: MIT
// Real Debian clients run and map on each level socket, and each window
// carries the level of the socket its client came through.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strata_test.h"

#define MAP_TIMEOUT_MS 15000

/* The level the `clients` request gives for pid, or "" when not connected. */
static void
client_level(struct strata_session *s, pid_t pid, char *level, size_t size)
{
	char *reply = session_ctl_ok(s, "clients");
	char needle[32];
	snprintf(needle, sizeof(needle), " pid=%d", (int)pid);
	level[0] = '\0';
	for (char *line = strtok(reply, "\n"); line; line = strtok(NULL, "\n")) {
		char *at = strstr(line, needle);
		char *lv = strstr(line, " level=");
		if (at && (at[strlen(needle)] == '\0' || at[strlen(needle)] == ' ') && lv) {
			snprintf(level, size, "%.*s", (int)strcspn(lv + 7, " "), lv + 7);
		}
	}
	free(reply);
}

static void
check_client(char *const argv[], const char *app_id)
{
	session_require_program(argv[0]);
	struct strata_session *s = session_start(NULL);
	pid_t low = session_spawn_client(s, "low", argv);
	pid_t high = session_spawn_client(s, "high", argv);
	const char *levels[] = { "low", "high" };
	pid_t pids[] = { low, high };
	struct window_info w[2];
	for (int i = 0; i < 2; i++) {
		struct window_match m = { .level = levels[i], .app_id = app_id };
		if (!session_wait_window(s, &m, &w[i], MAP_TIMEOUT_MS)) {
			session_dump_client_log(s, pids[i], 20);
			session_fail(s, "no %s window with app_id \"%s\" within %d ms", levels[i],
					app_id, MAP_TIMEOUT_MS);
		}
		session_assert_msg(s, w[i].width > 0 && w[i].height > 0, "%s window is %dx%d",
				levels[i], w[i].width, w[i].height);
		char level[32];
		client_level(s, pids[i], level, sizeof(level));
		session_assert_msg(s, strcmp(level, levels[i]) == 0,
				"client pid %d started on the %s socket is listed with level \"%s\"",
				(int)pids[i], levels[i], level);
	}
	session_assert_msg(s, w[0].id != w[1].id, "both windows have id %u", w[0].id);
	/* Exactly one window per client, none with a level it did not come from. */
	struct window_info *list;
	int count = session_windows(s, &list);
	session_assert_int_eq(s, count, 2);
	for (int i = 0; i < count; i++) {
		session_assert_msg(s, list[i].id == w[0].id || list[i].id == w[1].id,
				"unexpected window %u level=%s", list[i].id, list[i].level);
	}
	free(list);
	/* Let them draw a few frames, then the clients and the compositor must
	 * still be there. */
	session_sleep_ms(500);
	session_assert_msg(s, session_client_running(s, low), "the low %s exited", argv[0]);
	session_assert_msg(s, session_client_running(s, high), "the high %s exited", argv[0]);
	session_assert(s, session_compositor_alive(s));
	session_kill_client(s, low);
	session_kill_client(s, high);
	session_assert_msg(s, session_wait_windows(s, 0, 5000),
			"windows left after the clients exited");
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

static void
weston_simple_shm_maps_on_each_level(void)
{
	char *argv[] = { "weston-simple-shm", NULL };
	check_client(argv, "org.freedesktop.weston.simple-shm");
}

static void
foot_maps_on_each_level(void)
{
	char *argv[] = { "foot", "--app-id=itest-foot", "--", "sh", "-c", "sleep 60", NULL };
	check_client(argv, "itest-foot");
}

static void
weston_terminal_maps_on_each_level(void)
{
	char *argv[] = { "weston-terminal", "--shell=/bin/sh", NULL };
	check_client(argv, "org.freedesktop.weston.wayland-terminal");
}

TAP_TESTS(TAP_CASE(weston_simple_shm_maps_on_each_level), TAP_CASE(foot_maps_on_each_level),
		TAP_CASE(weston_terminal_maps_on_each_level))
