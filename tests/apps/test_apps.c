// SPDX-License-Identifier: MIT
/*
 * The application matrix: Debian's everyday programs, each started in the
 * low cage through strata-run as a user's launcher does, must map, draw,
 * take a typed key and open a menu where they have one. What is judged is
 * what the user sees: the window listed, colours in its content, the screen
 * changing after a key (more pixels than a blinking cursor changes).
 *
 * STRATA_APP_MATRIX=all runs every program (bench/apps.sh does, and prints
 * the table); otherwise only the ones scripts/install-deps.sh installs run
 * and the others are skipped, saying so. A program of the running set that
 * is missing fails. STRATA_APP_MATRIX_OUTSIDE=1 also times each launch
 * outside the cage (the same program on the level's socket, no cage, no
 * proxy). Each launch is timed twice in a session: the first start, then
 * (once the first has closed) the second, with the level's caches warm.
 * Each program gets a line "matrix: NAME cage_first_ms=N cage_ms=N
 * outside_first_ms=N outside_ms=N" (-1: not measured).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strata_test.h"

#define MAP_TIMEOUT_MS 60000
#define CHANGE_TIMEOUT_MS 8000
/* A blinking text cursor changes fewer pixels than this; typed text, a
 * focus ring or a menu more. */
#define CHANGED_PIXELS_MIN 400

/* In a list of requests: a right click in the middle of the window. */
#define RIGHT_CLICK "right-click"

struct app {
	const char *name;
	const char *program; /* must be installed */
	bool in_ci; /* installed by scripts/install-deps.sh */
	const char *const *argv;
	/* test-control requests that make a visible change (a typed key) */
	const char *const *keys;
	/* requests that open a menu (NULL: the program has none); the pointer
	 * is on the window's title bar, unless RIGHT_CLICK moves it */
	const char *const *menu;
	/* a dialog it shows at its first start, closed with Escape as a user
	 * would (LibreOffice's Tip of the Day) */
	bool first_dialog;
	/* the app_id of its window, where it shows another first (a splash);
	 * NULL: its first window */
	const char *app_id;
};

static bool
run_all(void)
{
	const char *set = getenv("STRATA_APP_MATRIX");
	return set && strcmp(set, "all") == 0;
}

/* The low window (the session holds only this program's). */
static bool
wait_low_window(struct strata_session *s, struct window_info *out, int timeout_ms)
{
	return session_wait_window(s, &(struct window_match){ .level = "low" }, out, timeout_ms);
}

/* Whether what started the program (the cage's sandbox, a child of the
 * compositor; or the program outside a cage, our child) has ended. */
static bool
launch_ended(struct strata_session *s, pid_t pid, bool in_cage)
{
	if (in_cage) {
		return kill(pid, 0) < 0 && errno == ESRCH;
	}
	return session_wait_client_exit(s, pid, 0, NULL);
}

/* Waits until the program has ended, no low window is listed and no low
 * client is connected (a program may be between two windows, or two
 * processes, for a moment: its end is what counts). */
static bool
wait_low_gone(struct strata_session *s, pid_t pid, bool in_cage, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (session_now_ms() < deadline) {
		if (launch_ended(s, pid, in_cage)) {
			char *windows = session_ctl_ok(s, "windows");
			char *clients = session_ctl_ok(s, "clients");
			bool gone = !strstr(windows, "level=low") && !strstr(clients, "level=low");
			free(windows);
			free(clients);
			if (gone) {
				return true;
			}
		}
		session_sleep_ms(100);
	}
	return false;
}

/* Starts the program (in the cage or outside it) and returns its map time
 * in ms; its window in out. */
static long
launch_and_time(struct strata_session *s, const struct app *app, bool in_cage,
		struct window_info *out, pid_t *pid)
{
	uint64_t start = session_now_ms();
	if (in_cage) {
		*pid = session_cage_launch(s, "low", app->argv);
	} else {
		*pid = session_spawn_client(s, "low", (char *const *)app->argv);
	}
	struct window_match match = { .level = "low", .app_id = app->app_id };
	session_assert_msg(s, session_wait_window(s, &match, out, MAP_TIMEOUT_MS),
			"%s %s never mapped", app->name,
			in_cage ? "in the low cage" : "outside the cage");
	return (long)(session_now_ms() - start);
}

/* Asks the low window to close (Logo+q, the user's way) and waits for the
 * program to be gone; one that asks first (qterminal: "are you sure?") is
 * ended with SIGTERM (pid: what started it, the cage's sandbox or the
 * program outside one). */
static void
close_low(struct strata_session *s, const struct app *app, pid_t pid, bool in_cage)
{
	free(session_ctl_ok(s, "key logo+q"));
	if (wait_low_gone(s, pid, in_cage, 5000)) {
		return;
	}
	tap_diag("%s is still there after Logo+q: SIGTERM", app->name);
	kill(pid, SIGTERM);
	session_assert_msg(s, wait_low_gone(s, pid, in_cage, 20000),
			"%s did not go, even with SIGTERM", app->name);
}

/* Low windows listed now. */
static int
low_windows(struct strata_session *s)
{
	struct window_info *windows;
	int count = session_windows(s, &windows), low = 0;
	for (int i = 0; i < count; i++) {
		low += strcmp(windows[i].level, "low") == 0;
	}
	free(windows);
	return low;
}

/* Waits (10 s at most) for the dialog a program shows at its first start,
 * closes it with Escape and returns with the one window left in w. */
static void
close_first_dialog(struct strata_session *s, const struct app *app, struct window_info *w)
{
	uint64_t deadline = session_now_ms() + 10000;
	while (low_windows(s) < 2 && session_now_ms() < deadline) {
		session_sleep_ms(100);
	}
	if (low_windows(s) >= 2) {
		free(session_ctl_ok(s, "key Escape"));
		deadline = session_now_ms() + 10000;
		while (low_windows(s) > 1 && session_now_ms() < deadline) {
			session_sleep_ms(100);
		}
	}
	if (low_windows(s) != 1) {
		char *listing = session_ctl_ok(s, "windows");
		tap_diag("%s", listing);
		free(listing);
		session_fail(s, "%s: %d windows, not its one window", app->name, low_windows(s));
	}
	session_assert(s, wait_low_window(s, w, 1000));
}

/* Distinct colours in a box of a screenshot (up to 3). */
static int
colours_in(const uint32_t *pixels, int width, int height, const struct window_info *w)
{
	uint32_t seen[3];
	int count = 0;
	for (int y = w->y; y < w->y + w->height && y < height; y++) {
		for (int x = w->x; x < w->x + w->width && x < width; x++) {
			uint32_t p = pixels[(size_t)y * (size_t)width + (size_t)x];
			bool known = false;
			for (int i = 0; i < count; i++) {
				known = known || seen[i] == p;
			}
			if (!known) {
				seen[count++] = p;
				if (count == 3) {
					return count;
				}
			}
		}
	}
	return count;
}

/* Pixels under the banner that differ between two screenshots and are not
 * marked noisy (noisy may be NULL); with mark, they are marked noisy. */
static long
changed(const uint32_t *a, const uint32_t *b, int width, int height, bool *noisy, bool mark)
{
	long count = 0;
	for (long i = (long)width * SESSION_BANNER_HEIGHT; i < (long)width * height; i++) {
		if (a[i] != b[i] && !(noisy && noisy[i])) {
			count++;
			if (mark) {
				noisy[i] = true;
			}
		}
	}
	return count;
}

/* Waits until the window shows at least two colours (it drew something). */
static void
assert_draws(struct strata_session *s, const struct app *app, const struct window_info *w)
{
	uint64_t deadline = session_now_ms() + CHANGE_TIMEOUT_MS;
	int colours = 0;
	do {
		int width, height;
		uint32_t *pixels = session_screenshot(s, &width, &height);
		colours = colours_in(pixels, width, height, w);
		free(pixels);
		if (colours >= 2) {
			return;
		}
		session_sleep_ms(200);
	} while (session_now_ms() < deadline);
	session_fail(s, "%s shows %d colour(s) in its window: it drew nothing", app->name, colours);
}

/* Sends the requests and waits for the screen to change by more than a
 * cursor blink; returns the pixels changed. */
static long
change_after(struct strata_session *s, const struct window_info *w, const char *const *requests)
{
	int width, height;
	/* What changes by itself (a spinner, a blinking cursor, a tooltip
	 * coming) is watched for 1.5 s first and left out of the count. */
	uint32_t *before = session_screenshot(s, &width, &height);
	bool *noisy = calloc((size_t)width * (size_t)height, sizeof(*noisy));
	session_assert(s, noisy != NULL);
	long noise = 0;
	for (int shot = 0; shot < 5; shot++) {
		session_sleep_ms(300);
		uint32_t *again = session_screenshot(s, &width, &height);
		noise += changed(before, again, width, height, noisy, true);
		free(before);
		before = again;
	}
	if (noise > 0) {
		tap_diag("%ld pixels change by themselves: left out", noise);
	}
	for (size_t i = 0; requests[i]; i++) {
		if (strcmp(requests[i], RIGHT_CLICK) == 0) {
			free(session_ctl_ok(s, "click %d %d right", w->x + w->width / 2,
					w->y + w->height / 2));
		} else {
			free(session_ctl_ok(s, "%s", requests[i]));
		}
	}
	long most = 0;
	uint64_t deadline = session_now_ms() + CHANGE_TIMEOUT_MS;
	do {
		session_sleep_ms(200);
		uint32_t *after = session_screenshot(s, &width, &height);
		long n = changed(before, after, width, height, noisy, false);
		free(after);
		most = n > most ? n : most;
	} while (most < CHANGED_PIXELS_MIN && session_now_ms() < deadline);
	free(noisy);
	free(before);
	return most;
}

static void
run_app(const struct app *app)
{
	if (!app->in_ci && !run_all()) {
		tap_skip("%s runs with STRATA_APP_MATRIX=all (bench/apps.sh)", app->name);
	}
	session_require_program("bwrap");
	session_require_program(app->program);
	bool outside = getenv("STRATA_APP_MATRIX_OUTSIDE") &&
			strcmp(getenv("STRATA_APP_MATRIX_OUTSIDE"), "1") == 0;
	long outside_first = -1, outside_ms = -1, cage_first = -1, cage_ms;
	struct window_info w;
	struct strata_session *s;
	pid_t pid;
	if (outside) {
		s = session_start(NULL);
		outside_first = launch_and_time(s, app, false, &w, &pid);
		close_low(s, app, pid, false);
		outside_ms = launch_and_time(s, app, false, &w, &pid);
		session_stop(s);
	}
	s = session_start(NULL);
	session_assert_msg(s, session_wait_level(s, "low", true, 10000),
			"the low level's proxy did not come up");
	if (run_all()) {
		cage_first = launch_and_time(s, app, true, &w, &pid);
		close_low(s, app, pid, true);
	}
	cage_ms = launch_and_time(s, app, true, &w, &pid);
	if (app->first_dialog) {
		close_first_dialog(s, app, &w);
	}
	tap_diag("%s mapped in the low cage in %ld ms (%dx%d)", app->name, cage_ms, w.width,
			w.height);
	assert_draws(s, app, &w);
	/* The keyboard goes where the user clicks. */
	int x, y;
	session_assert(s, session_window_visible_point(s, w.id, &x, &y));
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert(s, session_wait_focused_level(s, "low", 5000));
	/* The pointer rests on the title bar (the compositor's): no hover,
	 * no tooltip changes the window while the keys are judged. */
	free(session_ctl_ok(s, "motion %d %d", w.x + w.width / 2, (w.frame_y + w.y) / 2));
	long typed = change_after(s, &w, app->keys);
	session_assert_msg(s, typed >= CHANGED_PIXELS_MIN,
			"%s: the screen changed by %ld pixels after the keys: they were not taken",
			app->name, typed);
	long menu = -1;
	if (app->menu) {
		menu = change_after(s, &w, app->menu);
		session_assert_msg(s, menu >= CHANGED_PIXELS_MIN,
				"%s: the screen changed by %ld pixels after the menu key: no menu",
				app->name, menu);
		free(session_ctl_ok(s, "key Escape"));
	}
	tap_diag("matrix: %s cage_first_ms=%ld cage_ms=%ld outside_first_ms=%ld outside_ms=%ld "
		 "typed_px=%ld menu_px=%ld",
			app->name, cage_first, cage_ms, outside_first, outside_ms, typed, menu);
	session_stop(s);
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const type_text[] = { "type strata typed this key by key", NULL };

static const struct app apps[] = {
	{ "foot", "foot", true, ARGV("foot", "--config=/dev/null"), type_text, NULL },
	{ "weston-terminal", "weston-terminal", true, ARGV("weston-terminal", "--shell=/bin/sh"),
			type_text, NULL },
	{ "gtk3-widget-factory", "gtk3-widget-factory", true, ARGV("gtk3-widget-factory"),
			ARGV("key Tab", "key Tab", "key Tab"), ARGV("key F10") },
	{ "gtk4-widget-factory", "gtk4-widget-factory", false, ARGV("gtk4-widget-factory"),
			ARGV("key Tab", "key Tab", "key Tab"), ARGV("key F10") },
	{ "qterminal", "qterminal", false, ARGV("env", "QT_QPA_PLATFORM=wayland", "qterminal"),
			type_text, ARGV(RIGHT_CLICK) },
	{ "firefox-esr", "firefox-esr", false, ARGV("firefox-esr", "--new-instance", "about:blank"),
			ARGV("key ctrl+l", "type strata typed this"), ARGV("key alt+f") },
	{ "chromium", "chromium", false,
			ARGV("chromium", "--ozone-platform=wayland", "--no-sandbox",
					"--no-first-run", "about:blank"),
			ARGV("key ctrl+l", "type strata typed this"), ARGV("key alt+f") },
	{ "mpv", "mpv", false,
			ARGV("mpv", "--vo=wlshm", "--pause", "--loop=inf",
					"av://lavfi:testsrc=size=640x480:rate=25"),
			ARGV("key space"), NULL },
	{ "zathura", "zathura", false, ARGV("zathura"), ARGV("key colon"), NULL },
	{ "mousepad", "mousepad", false, ARGV("mousepad"), type_text, ARGV("key F10") },
	{ "imv", "imv-wayland", false, ARGV("imv-wayland", "/usr/share/pixmaps/debian-logo.png"),
			ARGV("key plus", "key plus"), NULL },
	{ "libreoffice-writer", "libreoffice", false,
			ARGV("libreoffice", "--writer", "--norestore"), type_text,
			ARGV("key alt+f"), .first_dialog = true, .app_id = "libreoffice-writer" },
};

static void
foot_case(void)
{
	run_app(&apps[0]);
}
static void
weston_terminal_case(void)
{
	run_app(&apps[1]);
}
static void
gtk3_case(void)
{
	run_app(&apps[2]);
}
static void
gtk4_case(void)
{
	run_app(&apps[3]);
}
static void
qterminal_case(void)
{
	run_app(&apps[4]);
}
static void
firefox_case(void)
{
	run_app(&apps[5]);
}
static void
chromium_case(void)
{
	run_app(&apps[6]);
}
static void
mpv_case(void)
{
	run_app(&apps[7]);
}
static void
zathura_case(void)
{
	run_app(&apps[8]);
}
static void
mousepad_case(void)
{
	run_app(&apps[9]);
}
static void
imv_case(void)
{
	run_app(&apps[10]);
}
static void
libreoffice_case(void)
{
	run_app(&apps[11]);
}

TAP_TESTS(TAP_CASE_TIMEOUT(foot_case, 300), TAP_CASE_TIMEOUT(weston_terminal_case, 300),
		TAP_CASE_TIMEOUT(gtk3_case, 300), TAP_CASE_TIMEOUT(gtk4_case, 300),
		TAP_CASE_TIMEOUT(qterminal_case, 300), TAP_CASE_TIMEOUT(firefox_case, 300),
		TAP_CASE_TIMEOUT(chromium_case, 300), TAP_CASE_TIMEOUT(mpv_case, 300),
		TAP_CASE_TIMEOUT(zathura_case, 300), TAP_CASE_TIMEOUT(mousepad_case, 300),
		TAP_CASE_TIMEOUT(imv_case, 300), TAP_CASE_TIMEOUT(libreoffice_case, 300))
