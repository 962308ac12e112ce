// SPDX-License-Identifier: MIT
// Keyboard focus: typed text reaches only the focused level, new windows do
// not steal focus, reserved (Logo) shortcuts never reach clients, Logo+Tab
// moves focus across levels.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>
#include "strata_test.h"

#define MAP_TIMEOUT_MS 15000
/* evdev codes, as wl_keyboard.key carries them */
#define KEY_TAB 15
#define KEY_A 30
#define KEY_B 48
#define KEY_LEFTMETA 125

/* ---- helper: a window that logs every keyboard event it gets ----------- */

struct keylog {
	int fd;
	struct wl_keyboard *keyboard;
	xkb_mod_index_t logo;
};

static void
keyboard_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format, int32_t fd,
		uint32_t size)
{
	struct keylog *k = data;
	char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		return;
	}
	struct xkb_context *ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	struct xkb_keymap *keymap = xkb_keymap_new_from_string(ctx, map, XKB_KEYMAP_FORMAT_TEXT_V1,
			XKB_KEYMAP_COMPILE_NO_FLAGS);
	munmap(map, size);
	if (keymap) {
		k->logo = xkb_keymap_mod_get_index(keymap, XKB_MOD_NAME_LOGO);
		xkb_keymap_unref(keymap);
	}
	xkb_context_unref(ctx);
	dprintf(k->fd, "keymap\n");
}

static void
keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface, struct wl_array *keys)
{
	struct keylog *k = data;
	dprintf(k->fd, "enter\n");
	uint32_t *key;
	wl_array_for_each(key, keys) {
		dprintf(k->fd, "key %u held-at-enter\n", *key);
	}
}

static void
keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface)
{
	dprintf(((struct keylog *)data)->fd, "leave\n");
}

static void
keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t time, uint32_t key,
		uint32_t state)
{
	dprintf(((struct keylog *)data)->fd, "key %u %s\n", key, state ? "pressed" : "released");
}

static void
keyboard_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t depressed,
		uint32_t latched, uint32_t locked, uint32_t group)
{
	struct keylog *k = data;
	uint32_t all = depressed | latched | locked;
	dprintf(k->fd, "mods %u %u %u%s\n", depressed, latched, locked,
			k->logo != XKB_MOD_INVALID && (all & (1u << k->logo)) ? " logo" : "");
}

static void
keyboard_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat_info,
};

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct keylog *k = data;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !k->keyboard) {
		k->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(k->keyboard, &keyboard_listener, k);
	}
}

static void
seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

/* keylog OUT APP_ID: map a window, log keyboard events to OUT until killed. */
static int
helper_main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[0], "keylog") != 0) {
		fprintf(stderr, "usage: --helper keylog OUT APP_ID\n");
		return 2;
	}
	struct keylog k = { .logo = XKB_MOD_INVALID };
	k.fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	struct raw_client *c = raw_client_connect(getenv("WAYLAND_DISPLAY"));
	const struct raw_global *g = c ? raw_client_find_global(c, "wl_seat") : NULL;
	if (k.fd < 0 || !g) {
		fprintf(stderr, "keylog: no output file, connection or seat\n");
		return 1;
	}
	struct wl_seat *seat = wl_registry_bind(c->registry, g->name, &wl_seat_interface, 1);
	wl_seat_add_listener(seat, &seat_listener, &k);
	struct raw_window *w = raw_window_create(c, 400, 300, argv[2], argv[2]);
	if (!w) {
		fprintf(stderr, "keylog: cannot map a window\n");
		return 1;
	}
	dprintf(k.fd, "mapped\n");
	while (wl_display_dispatch(c->display) >= 0) {
	}
	fprintf(stderr, "keylog: connection lost (error %d)\n", raw_client_error(c));
	return 1;
}

/* ---- test helpers ------------------------------------------------------ */

static void
path_in(struct strata_session *s, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", s->dir, name);
}

struct file_wait {
	const char *path;
	const char *needle; /* NULL: the file merely exists */
};

static bool
file_has(struct strata_session *s, void *data)
{
	struct file_wait *f = data;
	char *text = session_read_file(f->path, NULL);
	bool has = text && (!f->needle || strstr(text, f->needle));
	free(text);
	return has;
}

static void
wait_file(struct strata_session *s, const char *path, const char *needle, int timeout_ms)
{
	struct file_wait f = { path, needle };
	if (!session_wait_for(file_has, s, &f, timeout_ms)) {
		char *text = session_read_file(path, NULL);
		session_fail(s, "%s does not contain \"%s\" after %d ms; it holds: %s", path,
				needle ? needle : "", timeout_ms, text ? text : "(no file)");
	}
}

static char *
file_text(struct strata_session *s, const char *path)
{
	char *text = session_read_file(path, NULL);
	session_assert_msg(s, text != NULL, "cannot read %s", path);
	return text;
}

/* foot on `level` writing the first line typed into it to out. */
static struct window_info
start_foot_reader(struct strata_session *s, const char *level, const char *out)
{
	session_require_program("foot");
	char app_id[64], cmd[400];
	snprintf(app_id, sizeof(app_id), "--app-id=itest-foot-%s", level);
	snprintf(cmd, sizeof(cmd), "head -n1 > '%s'", out);
	char *argv[] = { "foot", app_id, "--", "sh", "-c", cmd, NULL };
	session_spawn_client(s, level, argv);
	struct window_info w;
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .app_id = app_id + 9 }, &w,
					MAP_TIMEOUT_MS),
			"foot did not map on %s", level);
	session_assert_msg(s, strcmp(w.level, level) == 0, "foot started on %s shows level %s",
			level, w.level);
	/* The shell is up once it created the file. */
	wait_file(s, out, NULL, 10000);
	return w;
}

static struct window_info
start_keylog(struct strata_session *s, const char *level, const char *out)
{
	char app_id[64];
	snprintf(app_id, sizeof(app_id), "itest-keylog-%s", level);
	const char *args[] = { "keylog", out, app_id, NULL };
	pid_t pid = session_spawn_helper(s, level, args);
	struct window_info w;
	if (!session_wait_window(s, &(struct window_match){ .app_id = app_id }, &w,
			    MAP_TIMEOUT_MS)) {
		session_dump_client_log(s, pid, 20);
		session_fail(s, "the keylog helper did not map on %s", level);
	}
	session_assert_msg(s, strcmp(w.level, level) == 0, "keylog started on %s shows level %s",
			level, w.level);
	/* It has a keyboard: its silence later on means something. */
	wait_file(s, out, "keymap", 5000);
	return w;
}

static void
click_window(struct strata_session *s, const struct window_info *w)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, w->id, &x, &y),
			"no visible point in window %u", w->id);
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert_msg(s, session_wait_focused_level(s, w->level, 3000),
			"clicking the %s window did not focus it", w->level);
	unsigned id = 0;
	session_focused(s, &id, NULL, 0);
	session_assert_msg(s, id == w->id, "focused window is %u, clicked %u", id, w->id);
}

static void
assert_no_line(struct strata_session *s, const char *path, const char *needle, const char *what)
{
	char *text = file_text(s, path);
	bool found = strstr(text, needle) != NULL;
	if (found) {
		tap_diag("%s holds:", path);
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			tap_diag("  %s", line);
		}
	}
	free(text);
	session_assert_msg(s, !found, "%s: found \"%s\" in %s", what, needle, path);
}

/* ---- tests ------------------------------------------------------------- */

static void
typed_text_reaches_only_the_focused_level(void)
{
	struct strata_session *s = session_start(NULL);
	char out_low[256], out_high[256], text[64];
	path_in(s, "out-low", out_low, sizeof(out_low));
	path_in(s, "out-high", out_high, sizeof(out_high));
	start_foot_reader(s, "low", out_low);
	struct window_info high = start_foot_reader(s, "high", out_high);
	click_window(s, &high);
	snprintf(text, sizeof(text), "strata-secret-%d-%ld", (int)getpid(), (long)session_now_ms());
	free(session_ctl_ok(s, "type %s", text));
	free(session_ctl_ok(s, "key Return"));
	char line[80];
	snprintf(line, sizeof(line), "%s\n", text);
	wait_file(s, out_high, line, 5000);
	char *got = file_text(s, out_high);
	session_assert_msg(s, strcmp(got, line) == 0, "high got \"%s\", typed \"%s\"", got, text);
	free(got);
	got = file_text(s, out_low);
	session_assert_msg(s, got[0] == '\0', "the low client received \"%s\"", got);
	free(got);
	session_stop(s);
}

static void
new_window_does_not_steal_focus(void)
{
	struct strata_session *s = session_start(NULL);
	char out_high[256], log_low[256];
	path_in(s, "out-high", out_high, sizeof(out_high));
	path_in(s, "keylog-low", log_low, sizeof(log_low));
	struct window_info high = start_foot_reader(s, "high", out_high);
	click_window(s, &high);
	free(session_ctl_ok(s, "type first-half-"));
	/* A low window maps while the user is typing into high. */
	struct window_info low = start_keylog(s, "low", log_low);
	free(session_ctl_ok(s, "type second-half"));
	unsigned id = 0;
	char level[32];
	session_assert_msg(s, session_focused(s, &id, level, sizeof(level)), "nothing has focus");
	session_assert_msg(s, id == high.id && strcmp(level, "high") == 0,
			"focus moved to window %u (%s) when a low window mapped", id, level);
	session_assert(s, session_find_window(s, &(struct window_match){ .id = low.id }, &low));
	session_assert_msg(s, !low.focused, "the new low window is listed as focused");
	free(session_ctl_ok(s, "key Return"));
	wait_file(s, out_high, "first-half-second-half\n", 5000);
	assert_no_line(s, log_low, "enter", "the low window got keyboard focus");
	assert_no_line(s, log_low, "key ", "the low window got key events");
	session_stop(s);
}

static void
logo_shortcuts_do_not_reach_clients(void)
{
	struct strata_session *s = session_start(NULL);
	char log[256], marker[32];
	path_in(s, "keylog-high", log, sizeof(log));
	struct window_info w = start_keylog(s, "high", log);
	click_window(s, &w);
	wait_file(s, log, "enter", 3000);
	/* As one combo, and as a held Logo key around a plain key. */
	free(session_ctl_ok(s, "key logo+a"));
	free(session_ctl_ok(s, "keydown logo"));
	free(session_ctl_ok(s, "key a"));
	free(session_ctl_ok(s, "keyup logo"));
	/* A plain key afterwards shows that the client was listening. */
	free(session_ctl_ok(s, "key b"));
	snprintf(marker, sizeof(marker), "key %d released", KEY_B);
	wait_file(s, log, marker, 3000);
	snprintf(marker, sizeof(marker), "key %d ", KEY_A);
	assert_no_line(s, log, marker, "a Logo+a key event reached the client");
	snprintf(marker, sizeof(marker), "key %d ", KEY_LEFTMETA);
	assert_no_line(s, log, marker, "the Logo key reached the client");
	assert_no_line(s, log, " logo", "the client saw the Logo modifier");
	session_assert(s, session_find_window(s, &(struct window_match){ .id = w.id }, NULL));
	session_stop(s);
}

static void
logo_tab_cycles_focus_across_levels(void)
{
	struct strata_session *s = session_start(NULL);
	char log_low[256], log_high[256], marker[32];
	path_in(s, "keylog-low", log_low, sizeof(log_low));
	path_in(s, "keylog-high", log_high, sizeof(log_high));
	struct window_info low = start_keylog(s, "low", log_low);
	struct window_info high = start_keylog(s, "high", log_high);
	click_window(s, &low);
	for (int round = 0; round < 4; round++) {
		const struct window_info *next = round % 2 == 0 ? &high : &low;
		free(session_ctl_ok(s, "key logo+Tab"));
		session_assert_msg(s, session_wait_focused_level(s, next->level, 3000),
				"Logo+Tab (round %d) did not move focus to %s", round, next->level);
		unsigned id = 0;
		session_focused(s, &id, NULL, 0);
		session_assert_int_eq(s, id, next->id);
	}
	/* The focused client saw the keyboard enter, and nobody saw Logo or Tab. */
	wait_file(s, log_high, "enter", 3000);
	snprintf(marker, sizeof(marker), "key %d ", KEY_TAB);
	assert_no_line(s, log_low, marker, "Tab reached the low client");
	assert_no_line(s, log_high, marker, "Tab reached the high client");
	snprintf(marker, sizeof(marker), "key %d ", KEY_LEFTMETA);
	assert_no_line(s, log_low, marker, "Logo reached the low client");
	assert_no_line(s, log_high, marker, "Logo reached the high client");
	session_stop(s);
}

SESSION_TESTS_WITH_HELPER(helper_main, TAP_CASE(typed_text_reaches_only_the_focused_level),
		TAP_CASE(new_window_does_not_steal_focus),
		TAP_CASE(logo_shortcuts_do_not_reach_clients),
		TAP_CASE(logo_tab_cycles_focus_across_levels))
