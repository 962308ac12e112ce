// SPDX-License-Identifier: MIT
// The trusted path, tried as a user and an attacker would: the secure
// attention key opens the X-ray from every state a client can put the seat
// in, and while it is up no key reaches any client and every window wears
// its real level's label; the screen lock hides every level on every output
// (also one plugged in while locked, from its first frame), keeps every key
// from every client from the moment it is asked for, and opens only to the
// user's password, checked by real PAM for a user this test creates.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "actor_client.h"
#include "pam_user.h"
#include "strata_test.h"

#define EVENT_TIMEOUT_MS 5000
#define KEY_C 46
#define LOW_RGB 0x13579bu /* the actors' own colours */
#define HIGH_RGB 0x2468acu
#define LOW_LEVEL_RGB 0x2e7d32u /* the default levels' colours: borders, titles, banner */
#define HIGH_LEVEL_RGB 0xc62828u
#define LOCK_RGB 0x15191du /* lock.c: LOCK_BACKGROUND */
#define XRAY_LABEL_WIDTH 420 /* xray.c */

static void
start(struct strata_session *s, struct actor *a, const char *level, const char *app_id,
		const char *const *tricks)
{
	actor_start(s, a, level, app_id, strcmp(level, "low") == 0 ? LOW_RGB : HIGH_RGB, 0, tricks);
}

/* The state line of `lock` or `xray`. */
static char *
state(struct strata_session *s, const char *what)
{
	char *reply = session_ctl_ok(s, "%s", what);
	char *copy = strdup(session_reply_result(reply));
	free(reply);
	return copy;
}

static bool
state_has(struct strata_session *s, const char *what, const char *needle)
{
	char *text = state(s, what);
	bool has = strstr(text, needle) != NULL;
	free(text);
	return has;
}

/* Polls the state (10 ms apart) until it says needle; fails after timeout. */
static void
wait_state(struct strata_session *s, const char *what, const char *needle, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (state_has(s, what, needle)) {
			return;
		}
		usleep(10 * 1000);
	}
	char *text = state(s, what);
	session_fail(s, "%s never said \"%s\": %s", what, needle, text);
}

static long
state_number(struct strata_session *s, const char *what, const char *key)
{
	char *text = state(s, what);
	char pattern[64];
	snprintf(pattern, sizeof(pattern), " %s=", key);
	const char *at = strstr(text, pattern);
	long value = at ? strtol(at + strlen(pattern), NULL, 10) : -1;
	free(text);
	session_assert_msg(s, at, "%s has no %s", what, key);
	return value;
}

/* Pixels of exactly rgb in an image. */
static long
census(const uint32_t *pixels, int width, int height, uint32_t rgb)
{
	long count = 0;
	for (long i = 0; i < (long)width * height; i++) {
		count += pixels[i] == rgb;
	}
	return count;
}

/* Every colour a level's client or frame draws: none may show. */
static void
assert_no_level_pixel(struct strata_session *s, const uint32_t *pixels, int width, int height,
		const char *where)
{
	static const uint32_t colours[] = { LOW_RGB, HIGH_RGB, LOW_LEVEL_RGB, HIGH_LEVEL_RGB };
	session_assert_msg(s, (long)width * height > 0, "%s: no pixels", where);
	for (size_t i = 0; i < sizeof(colours) / sizeof(colours[0]); i++) {
		long n = census(pixels, width, height, colours[i]);
		session_assert_msg(s, n == 0, "%s: %ld pixels of %06x", where, n, colours[i]);
	}
	long lock = census(pixels, width, height, LOCK_RGB);
	session_assert_msg(s, lock > (long)width * height / 2,
			"%s: only %ld pixels of the lock's background", where, lock);
	tap_diag("%s: %dx%d, 0 level pixels, %ld of the lock", where, width, height, lock);
}

/* No key event reached the actor since mark (after a barrier); nor a
 * modifiers event, unless it was given the keyboard back (re-entered). */
static void
assert_no_keys(struct strata_session *s, struct actor *a, size_t mark, const char *when)
{
	actor_barrier(s, a);
	char *events = actor_events(a);
	bool reentered = strstr(events + mark, "enter keys=") != NULL;
	free(events);
	char listing[1024];
	int got = actor_count_lines(a, mark, "key ", listing, sizeof(listing));
	session_assert_msg(s, got == 0, "%s: %s got %d key events: %s", when, a->app_id, got,
			listing);
	int mods = actor_count_lines(a, mark, "mods ", listing, sizeof(listing));
	if (mods > 0 && !reentered) {
		char *all = actor_events(a);
		tap_diag("%s since the mark:\n%s", a->app_id, all + mark);
		free(all);
	}
	session_assert_msg(s, mods == 0 || reentered, "%s: %s got modifiers: %s", when, a->app_id,
			listing);
}

/* Text typed now reaches the actor whole. */
static void
typing_reaches(struct strata_session *s, struct actor *a)
{
	size_t mark = actor_mark(a);
	free(session_ctl_ok(s, "type abc"));
	char line[32];
	snprintf(line, sizeof(line), "key %d released", KEY_C);
	actor_wait_line(s, a, mark, line);
}

/* The X-ray's label of a window: its level's colour at the left end of the
 * label (text is centred: its ends are background). */
static uint32_t
label_pixel(struct strata_session *s, const struct window_info *w)
{
	int width = w->frame_width < XRAY_LABEL_WIDTH ? w->frame_width : XRAY_LABEL_WIDTH;
	int x = w->frame_x + (w->frame_width - width) / 2 + 4;
	int y = w->frame_y + w->frame_height / 2;
	return session_pixel(s, x, y);
}

/* ---- the X-ray ------------------------------------------------------------- */

/* Two windows, one per level: the SAK opens the X-ray over both; every
 * window wears its level's label, none shows its own colour, keys reach
 * nobody; Escape gives the keyboard back to the window the user left. */
static void
xray_labels_every_window_and_keeps_every_key(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &high, "high", "xray-high", NULL);
	start(s, &low, "low", "xray-low", NULL);
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = low.window.id },
					&low.window));
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = high.window.id },
					&high.window));
	int w, h;
	uint32_t *before = session_screenshot(s, &w, &h);
	session_assert(s, census(before, w, h, LOW_RGB) > 0 && census(before, w, h, HIGH_RGB) > 0);
	free(before);

	size_t low_mark = actor_mark(&low), high_mark = actor_mark(&high);
	free(session_ctl_ok(s, "key logo+Escape"));
	wait_state(s, "xray", "open=1 windows=2", EVENT_TIMEOUT_MS);
	actor_wait_line(s, &low, low_mark, "leave");
	free(session_ctl_ok(s, "type abc"));
	free(session_ctl_ok(s, "key ctrl+c Return logo+q logo+Tab"));
	/* No shortcut acts under the X-ray: still open, nothing closed. */
	session_assert(s, state_has(s, "xray", "open=1 windows=2"));
	assert_no_keys(s, &low, low_mark, "X-ray up");
	assert_no_keys(s, &high, high_mark, "X-ray up");

	uint32_t *shot = session_screenshot(s, &w, &h);
	long low_seen = census(shot, w, h, LOW_RGB), high_seen = census(shot, w, h, HIGH_RGB);
	free(shot);
	session_assert_msg(s, low_seen == 0 && high_seen == 0,
			"untinted window pixels under the X-ray: low %ld, high %ld", low_seen,
			high_seen);
	uint32_t low_label = label_pixel(s, &low.window), high_label = label_pixel(s, &high.window);
	session_assert_msg(s, low_label == LOW_LEVEL_RGB, "low's label %06x", low_label);
	session_assert_msg(s, high_label == HIGH_LEVEL_RGB, "high's label %06x", high_label);
	session_keep_screenshot(s, "xray.png");

	/* A click changes nothing: no client hears it, the X-ray stays. */
	actor_click(s, &high, "left");
	session_assert(s, state_has(s, "xray", "open=1"));
	free(session_ctl_ok(s, "key Escape"));
	wait_state(s, "xray", "open=0", EVENT_TIMEOUT_MS);
	assert_no_keys(s, &high, high_mark, "after the X-ray");
	typing_reaches(s, &low);

	/* From the X-ray, L locks the screen (the X-ray goes under it). */
	free(session_ctl_ok(s, "key logo+Escape"));
	wait_state(s, "xray", "open=1", EVENT_TIMEOUT_MS);
	free(session_ctl_ok(s, "key l"));
	wait_state(s, "lock", "locked=1 ", EVENT_TIMEOUT_MS);
	session_assert(s, state_has(s, "xray", "open=0"));
	uint32_t *locked = session_screenshot(s, &w, &h);
	assert_no_level_pixel(s, locked, w, h, "locked from the X-ray");
	free(locked);
	session_stop(s);
}

/* A client that holds a popup grab, another drawing fullscreen: the SAK
 * still opens the X-ray, the grab ends (popup_done), and the SAK again
 * closes it. */
static void
xray_opens_over_a_grab_and_a_fullscreen_window(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &high, "high", "xray-full", (const char *const[]){ "fullscreen", NULL });
	start(s, &low, "low", "xray-grab", (const char *const[]){ "popup-grab-on-press", NULL });
	actor_click(s, &low, "left");
	actor_wait_line(s, &low, 0, "popup 1 configured");
	size_t low_mark = actor_mark(&low), high_mark = actor_mark(&high);
	free(session_ctl_ok(s, "key logo+Escape"));
	wait_state(s, "xray", "open=1", EVENT_TIMEOUT_MS);
	actor_wait_line(s, &low, low_mark, "popup 1 done");
	free(session_ctl_ok(s, "type abc"));
	assert_no_keys(s, &low, low_mark, "X-ray over a popup grab");
	free(session_ctl_ok(s, "key logo+Escape"));
	wait_state(s, "xray", "open=0", EVENT_TIMEOUT_MS);

	actor_click(s, &high, "left");
	session_assert(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS));
	high_mark = actor_mark(&high);
	free(session_ctl_ok(s, "key logo+Escape"));
	wait_state(s, "xray", "open=1", EVENT_TIMEOUT_MS);
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = high.window.id },
					&high.window));
	uint32_t label = label_pixel(s, &high.window);
	session_assert_msg(s, label == HIGH_LEVEL_RGB, "fullscreen high's label %06x", label);
	free(session_ctl_ok(s, "type abc"));
	assert_no_keys(s, &high, high_mark, "X-ray over a fullscreen window");
	free(session_ctl_ok(s, "key Escape"));
	wait_state(s, "xray", "open=0", EVENT_TIMEOUT_MS);
	typing_reaches(s, &high);
	session_stop(s);
}

/* A popup out in the empty desktop beside its (small) window, where no
 * window's box is: the X-ray tints it in its level's colour too, so it
 * cannot pose as another level's label or banner. */
static void
xray_tints_popups_beside_their_window(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low;
	const uint32_t popup_rgb = 0x7a00a8u;
	actor_start(s, &low, "low", "xray-popup", LOW_RGB, popup_rgb,
			(const char *const[]){ "buffer:400,300", "popup:450,20,240,120,0", NULL });
	actor_wait_line(s, &low, 0, "popup 1 configured");
	int w, h;
	uint32_t *shot = session_screenshot(s, &w, &h);
	long before = census(shot, w, h, popup_rgb);
	free(shot);
	session_assert_msg(s, before > 10000, "the popup shows %ld pixels before the X-ray",
			before);
	free(session_ctl_ok(s, "key logo+Escape"));
	wait_state(s, "xray", "open=1", EVENT_TIMEOUT_MS);
	shot = session_screenshot(s, &w, &h);
	long popup = census(shot, w, h, popup_rgb), window = census(shot, w, h, LOW_RGB);
	free(shot);
	session_assert_msg(s, popup == 0 && window == 0,
			"untinted under the X-ray: %ld popup pixels (of %ld), %ld window pixels",
			popup, before, window);
	free(session_ctl_ok(s, "key Escape"));
	wait_state(s, "xray", "open=0", EVENT_TIMEOUT_MS);
	session_stop(s);

	/* A client that sees the X-ray come (its keyboard leaves) maps a popup
	 * then: tinted too, from its first frame on. */
	s = session_start(NULL);
	const uint32_t late_rgb = 0x00a87au;
	actor_start(s, &low, "low", "xray-late-popup", LOW_RGB, late_rgb,
			(const char *const[]){ "buffer:400,300", "popup-on-leave:450,20,240,120",
					NULL });
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "key logo+Escape"));
	actor_wait_line(s, &low, mark, "popup 1 configured");
	actor_barrier(s, &low);
	shot = session_screenshot_current(s, &w, &h);
	long late = census(shot, w, h, late_rgb);
	free(shot);
	shot = session_screenshot(s, &w, &h);
	long late_whole = census(shot, w, h, late_rgb);
	free(shot);
	session_assert_msg(s, late == 0 && late_whole == 0,
			"a popup mapped under the X-ray shows %ld / %ld untinted pixels", late,
			late_whole);
	free(session_ctl_ok(s, "key Escape"));
	wait_state(s, "xray", "open=0", EVENT_TIMEOUT_MS);
	shot = session_screenshot(s, &w, &h);
	long after = census(shot, w, h, late_rgb);
	free(shot);
	session_assert_msg(s, after > 10000, "the late popup shows %ld pixels after the X-ray",
			after);
	session_stop(s);
}

/* [lock] sak set to Ctrl+Alt+Delete and a dedicated key: both open and close
 * the X-ray; Logo+Escape, no longer the SAK, does nothing. */
static void
a_configured_sak_opens_the_xray(void)
{
	struct session_options opts = { .config = "[lock]\nuser = root\n"
						  "sak = Ctrl+Alt+Delete, XF86ScreenSaver\n" };
	struct strata_session *s = session_start(&opts);
	struct actor low;
	start(s, &low, "low", "sak-low", NULL);
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	free(session_ctl_ok(s, "key logo+Escape"));
	session_assert(s, state_has(s, "xray", "open=0"));
	/* Delete with some of the modifiers, or none, is the window's. */
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "key Delete alt+Delete ctrl+Delete"));
	actor_barrier(s, &low);
	session_assert(s, state_has(s, "xray", "open=0"));
	char listing[512];
	int deletes = actor_count_lines(&low, mark, "key 111 pressed", listing, sizeof(listing));
	session_assert_msg(s, deletes == 3, "the window got %d Delete presses: %s", deletes,
			listing);
	mark = actor_mark(&low);
	free(session_ctl_ok(s, "key ctrl+alt+Delete"));
	wait_state(s, "xray", "open=1", EVENT_TIMEOUT_MS);
	/* Ctrl and Alt went down before Delete: the window saw them (it had
	 * the keyboard), then lost the keyboard; Delete it never saw. */
	actor_barrier(s, &low);
	actor_count_lines(&low, mark, "key 111 ", listing, sizeof(listing));
	session_assert_msg(s, !strstr(listing, "key 111"), "Delete reached the window: %s",
			listing);
	free(session_ctl_ok(s, "key XF86ScreenSaver"));
	wait_state(s, "xray", "open=0", EVENT_TIMEOUT_MS);
	free(session_ctl_ok(s, "key XF86ScreenSaver"));
	wait_state(s, "xray", "open=1", EVENT_TIMEOUT_MS);
	free(session_ctl_ok(s, "key ctrl+alt+Delete"));
	wait_state(s, "xray", "open=0", EVENT_TIMEOUT_MS);
	typing_reaches(s, &low);
	session_stop(s);
}

/* strata with a configuration: its exit status, and what it said (out). */
static int
run_strata(const char *config, const char *const extra[], char *out, size_t size)
{
	char dir[] = "/tmp/itest-cfg-XXXXXX";
	tap_assert(mkdtemp(dir));
	char conf[64], data[64], rt[64];
	snprintf(conf, sizeof(conf), "%s/c.ini", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(rt, sizeof(rt), "%s/rt", dir);
	FILE *f = fopen(conf, "w");
	tap_assert(f && fputs(config, f) >= 0 && fclose(f) == 0);
	const char *bin = getenv("STRATA_BIN");
	tap_assert(bin && *bin);
	const char *argv[16] = { bin, "-c", conf, "--data-dir", data, "--runtime-dir", rt };
	int argc = 7;
	for (int i = 0; extra[i] && argc < 15; i++) {
		argv[argc++] = extra[i];
	}
	int fds[2];
	tap_assert(pipe2(fds, O_CLOEXEC) == 0);
	pid_t pid = fork();
	tap_assert(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	/* A strata that starts when it should refuse is ended after 10 s. */
	size_t used = 0;
	uint64_t end = session_now_ms() + 10000;
	for (;;) {
		uint64_t now = session_now_ms();
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		if (now >= end || poll(&pfd, 1, (int)(end - now)) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		ssize_t n = read(fds[0], out + used, size - used - 1);
		if (n <= 0) {
			break;
		}
		used += (size_t)n;
		if (used + 1 >= size) {
			break;
		}
	}
	out[used] = '\0';
	close(fds[0]);
	int status = 0;
	if (waitpid(pid, &status, WNOHANG) == 0) {
		/* Still running with its output full or ended: it is not what
		 * the test waits for. */
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	tap_assert(system(cmd) == 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Run as root without [lock] user, strata does not start (root's password
 * would unlock); a SAK that is also a reserved shortcut is refused, by
 * --validate too. */
static void
lock_settings_are_checked(void)
{
	if (geteuid() != 0) {
		tap_unavailable("this checks what strata does as root");
	}
	char out[4096];
	int status = run_strata("[session]\n",
			(const char *const[]){ "--headless", "640x480", "--no-cages", NULL }, out,
			sizeof(out));
	tap_diag("%s", out);
	tap_assert_int_eq(status, 1);
	tap_assert(strstr(out, "set [lock] user"));
	status = run_strata("[lock]\nuser = root\nsak = Logo+Tab\n",
			(const char *const[]){ "--validate", NULL }, out, sizeof(out));
	tap_diag("%s", out);
	tap_assert_int_eq(status, 1);
	tap_assert(strstr(out, "reserved shortcut for focus-next"));
	status = run_strata("[lock]\nuser = nobody-here-x\n",
			(const char *const[]){ "--headless", "640x480", "--no-cages", NULL }, out,
			sizeof(out));
	tap_assert_int_eq(status, 1);
	tap_assert(strstr(out, "does not exist"));
}

/* ---- the lock ---------------------------------------------------------------- */

/* Logo+L with keys typed in the same breath: not one reaches a client; no
 * pixel of any level shows; the SAK does nothing while locked. */
static void
lock_hides_every_level_and_keeps_every_key(void)
{
	struct session_options opts = {
		.config = "[lock]\nuser = root\n"
			  "text = TEST WORKSTATION \xE2\x80\x94 HIGH AND LOW\n"
	};
	struct strata_session *s = session_start(&opts);
	struct actor low, high;
	start(s, &high, "high", "lock-high", (const char *const[]){ "frames", NULL });
	start(s, &low, "low", "lock-low", NULL);
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	/* Shown, high is told to draw every frame. */
	size_t frames_mark = actor_mark(&high);
	usleep(300 * 1000);
	actor_barrier(s, &high);
	int shown_frames = actor_count_lines(&high, frames_mark, "frame ", NULL, 0);
	session_assert_msg(s, shown_frames >= 5, "only %d frames in 300 ms while shown",
			shown_frames);
	size_t low_mark = actor_mark(&low), high_mark = actor_mark(&high);
	/* One request: the lock key and the keys after it in one go, as fast
	 * as hands on a keyboard can never be. */
	free(session_ctl_ok(s, "key logo+l a b c Return"));
	wait_state(s, "lock", "locked=1", EVENT_TIMEOUT_MS);
	free(session_ctl_ok(s, "type secret"));
	free(session_ctl_ok(s, "key logo+Escape"));
	session_assert(s, state_has(s, "xray", "open=0"));
	assert_no_keys(s, &low, low_mark, "locked");
	assert_no_keys(s, &high, high_mark, "locked");

	int w, h;
	uint32_t *shot = session_screenshot(s, &w, &h);
	assert_no_level_pixel(s, shot, w, h, "locked screen");
	free(shot);
	shot = session_screenshot_current(s, &w, &h);
	assert_no_level_pixel(s, shot, w, h, "locked screen, as damage has it");
	free(shot);
	session_keep_screenshot(s, "lock.png");
	/* Not drawn at all, not merely covered: a locked level is never told
	 * to draw (the one callback in flight at the lock aside). */
	frames_mark = actor_mark(&high);
	usleep(300 * 1000);
	actor_barrier(s, &high);
	int locked_frames = actor_count_lines(&high, frames_mark, "frame ", NULL, 0);
	session_assert_msg(s, locked_frames == 0, "%d frames in 300 ms while locked (%d shown)",
			locked_frames, shown_frames);
	long first_frame = state_number(s, "lock", "first_frame_us");
	session_assert_msg(s, first_frame > 0, "no first locked frame measured");
	tap_diag("lock key to the first locked frame: %ld us", first_frame);
	/* A window that maps while locked is not drawn either. */
	struct actor late;
	actor_start(s, &late, "high", "lock-late", HIGH_RGB, 0, NULL);
	shot = session_screenshot(s, &w, &h);
	assert_no_level_pixel(s, shot, w, h, "a window mapped while locked");
	free(shot);
	session_stop(s);
}

/* A monitor plugged in while locked shows the lock in its first frame; the
 * first one unplugged leaves the other locked. */
static void
outputs_that_come_and_go_stay_locked(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low;
	start(s, &low, "low", "hotplug-low", NULL);
	free(session_ctl_ok(s, "key logo+l"));
	wait_state(s, "lock", "locked=1", EVENT_TIMEOUT_MS);
	char path[300];
	snprintf(path, sizeof(path), "/tmp/itest-hotplug-%d.png", (int)getpid());
	char *reply = session_ctl_ok(s, "output-add 1024x768 %s", path);
	char name[64] = "";
	const char *at = strstr(reply, "output name=");
	session_assert_msg(s, at && sscanf(at, "output name=%63s", name) == 1, "reply: %s", reply);
	free(reply);
	int w, h;
	uint32_t *first = session_load_png(s, path, &w, &h);
	unlink(path);
	session_assert_int_eq(s, w, 1024);
	session_assert_int_eq(s, h, 768);
	assert_no_level_pixel(s, first, w, h, "the new output's first frame");
	free(first);

	/* The windows' output goes: the rest stays locked; the windows move
	 * to the one left, and are not drawn there. */
	free(session_ctl_ok(s, "output-remove HEADLESS-1"));
	session_assert(s, state_has(s, "lock", "locked=1"));
	snprintf(path, sizeof(path), "/tmp/itest-hotplug-%d-b.png", (int)getpid());
	free(session_ctl_ok(s, "output-screenshot %s %s", name, path));
	first = session_load_png(s, path, &w, &h);
	unlink(path);
	assert_no_level_pixel(s, first, w, h, "the output left after an unplug");
	free(first);

	/* No output at all, then one plugged in: the window is laid out on it,
	 * and its very first frame shows the lock and nothing of the window. */
	free(session_ctl_ok(s, "output-remove %s", name));
	snprintf(path, sizeof(path), "/tmp/itest-hotplug-%d-c.png", (int)getpid());
	reply = session_ctl_ok(s, "output-add 800x600 %s", path);
	free(reply);
	first = session_load_png(s, path, &w, &h);
	unlink(path);
	assert_no_level_pixel(s, first, w, h, "the first frame of the only output");
	free(first);
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = low.window.id },
					&low.window));
	tap_diag("the window is at %d,%d %dx%d, on the 800x600 output", low.window.x, low.window.y,
			low.window.width, low.window.height);
	session_assert_msg(s,
			low.window.x >= 0 && low.window.x < 800 && low.window.y >= 0 &&
					low.window.y < 600,
			"the window is not on the only output");
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "type abc"));
	assert_no_keys(s, &low, mark, "locked, after the hotplug");
	session_stop(s);
}

/* idle_seconds = 10: the lock comes 10 s after the last input, not before. */
static void
idle_time_locks(void)
{
	struct session_options opts = { .config = "[lock]\nuser = root\nidle_seconds = 10\n" };
	struct strata_session *s = session_start(&opts);
	struct actor low;
	start(s, &low, "low", "idle-low", NULL);
	struct timespec t0, t1;
	/* Input half-way through the idle time starts it again (the pointer,
	 * then a key). */
	free(session_ctl_ok(s, "motion 100 300"));
	usleep(6 * 1000 * 1000);
	session_assert(s, state_has(s, "lock", "locked=0"));
	free(session_ctl_ok(s, "key shift"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wait_state(s, "lock", "locked=1", 15000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	tap_diag("locked %ld ms after the last input", ms);
	session_assert_msg(s, ms >= 9900 && ms < 12000, "locked after %ld ms of 10 s idle", ms);
	int w, h;
	uint32_t *shot = session_screenshot(s, &w, &h);
	assert_no_level_pixel(s, shot, w, h, "locked by idle time");
	free(shot);
	session_stop(s);
}

/* ---- unlocking, with real PAM ------------------------------------------- */

#define TEST_PASSWORD "right horse 7"

/* Escape empties the field first, as a user starting over would. */
static void
type_password(struct strata_session *s, const char *password)
{
	/* Keys count once the prompt is on screen. */
	wait_state(s, "lock", "shown=1 ", EVENT_TIMEOUT_MS);
	free(session_ctl_ok(s, "key Escape"));
	free(session_ctl_ok(s, "type %s", password));
	free(session_ctl_ok(s, "key Return"));
}

/* Waits for the helper's answer to the password just typed. */
static void
wait_checked(struct strata_session *s, long failures_before)
{
	for (int waited = 0; waited < 10000; waited += 10) {
		char *text = state(s, "lock");
		bool done = strstr(text, "checking=0") &&
				(strstr(text, "locked=0") ||
						state_number(s, "lock", "failures") >
								failures_before);
		free(text);
		if (done) {
			return;
		}
		usleep(10 * 1000);
	}
	session_fail(s, "the password was never answered");
}

/* A session whose lock a real PAM user (password TEST_PASSWORD) unlocks;
 * locked from the start with strata --locked if locked. */
static struct strata_session *
start_with_pam_user(struct pam_user *pam, bool locked)
{
	pam_user_create(pam, TEST_PASSWORD);
	char config[256];
	snprintf(config, sizeof(config), "[lock]\nuser = %s\npam_service = %s\n", pam->user,
			pam->service);
	struct session_options opts = { .config = config, .locked = locked };
	return session_start(&opts);
}

/* Wrong passwords keep it locked, with a delay that grows; a password
 * typed during the delay is not even checked; a killed helper comes back
 * and the screen stays locked; the right password unlocks and the keyboard
 * goes back to the window the user left. */
static void
only_the_password_unlocks(void)
{
	struct pam_user pam;
	struct strata_session *s = start_with_pam_user(&pam, false);
	struct actor low, high;
	start(s, &high, "high", "pam-high", NULL);
	start(s, &low, "low", "pam-low", NULL);
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	unsigned focused_id = 0;
	session_assert(s, session_focused(s, &focused_id, NULL, 0));
	size_t low_mark = actor_mark(&low), high_mark = actor_mark(&high);

	free(session_ctl_ok(s, "key logo+l"));
	wait_state(s, "lock", "helper=ready", EVENT_TIMEOUT_MS);
	/* A window of the focused level that maps while locked does not take
	 * the keyboard the user will come back to. */
	struct actor late;
	start(s, &late, "low", "pam-late", NULL);
	size_t late_mark = actor_mark(&late);
	type_password(s, "wrong horse 7");
	wait_checked(s, 0);
	session_assert(s, state_has(s, "lock", "locked=1 "));
	session_assert(s, state_has(s, "lock", "failures=1 "));
	session_assert(s, state_has(s, "lock", "typed=0 "));

	/* The second failure doubles the wait; the right password typed during
	 * it is refused unchecked. */
	wait_state(s, "lock", "retry_in_ms=0 ", 3000);
	type_password(s, TEST_PASSWORD "x");
	wait_checked(s, 1);
	session_assert(s, state_has(s, "lock", "failures=2 "));
	long retry = state_number(s, "lock", "retry_in_ms");
	session_assert_msg(s, retry > 1000 && retry <= 2000, "second delay %ld ms", retry);
	type_password(s, TEST_PASSWORD);
	session_assert(s, state_has(s, "lock", "checking=0 "));
	session_assert(s, state_has(s, "lock", "locked=1 "));
	session_assert(s, state_has(s, "lock", "Wait"));

	/* The helper killed: the screen stays locked, another one starts. */
	long pid = state_number(s, "lock", "helper_pid");
	long starts = state_number(s, "lock", "helper_starts");
	session_assert(s, pid > 0);
	session_assert(s, kill((pid_t)pid, SIGKILL) == 0);
	tap_diag("helper %ld killed after %ld starts", pid, starts);
	for (int waited = 0; state_number(s, "lock", "helper_starts") == starts; waited += 10) {
		session_assert_msg(s, waited < 5000, "the helper was not started again");
		usleep(10 * 1000);
	}
	wait_state(s, "lock", "helper=ready", EVENT_TIMEOUT_MS);
	session_assert(s, state_has(s, "lock", "locked=1 "));
	int w, h;
	uint32_t *shot = session_screenshot(s, &w, &h);
	assert_no_level_pixel(s, shot, w, h, "locked, helper restarted");
	free(shot);

	wait_state(s, "lock", "retry_in_ms=0 ", 4000);
	type_password(s, TEST_PASSWORD);
	wait_checked(s, 2);
	wait_state(s, "lock", "locked=0 ", EVENT_TIMEOUT_MS);
	assert_no_keys(s, &low, low_mark, "until unlocked");
	assert_no_keys(s, &high, high_mark, "until unlocked");
	assert_no_keys(s, &late, late_mark, "until unlocked");
	unsigned after = 0;
	session_assert(s, session_focused(s, &after, NULL, 0));
	session_assert_int_eq(s, after, focused_id);
	shot = session_screenshot(s, &w, &h);
	session_assert(s, census(shot, w, h, LOW_RGB) > 0 && census(shot, w, h, HIGH_RGB) > 0);
	free(shot);
	typing_reaches(s, &low);
	session_stop(s);
	pam_user_remove(&pam);
}

/* A helper that takes the password and never answers: after the lock's
 * timeout it is replaced, the screen stays locked, and the user is told
 * to type the password again. */
static void
a_hanging_helper_is_replaced(void)
{
	char dir[] = "/tmp/itest-auth-XXXXXX";
	tap_assert(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/hang", dir);
	FILE *f = fopen(path, "w");
	tap_assert(f);
	fprintf(f, "#!/bin/sh\necho 'strata-auth: ready'\nexec sleep 1000 <&3\n");
	tap_assert(fclose(f) == 0);
	tap_assert(chmod(path, 0755) == 0);
	setenv("STRATA_TEST_AUTH_HELPER", path, 1);
	struct strata_session *s = session_start(NULL);
	unsetenv("STRATA_TEST_AUTH_HELPER");
	struct actor low;
	start(s, &low, "low", "hang-low", NULL);
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "key logo+l"));
	wait_state(s, "lock", "helper=ready", EVENT_TIMEOUT_MS);
	long starts = state_number(s, "lock", "helper_starts");
	type_password(s, "anything");
	wait_state(s, "lock", "checking=1 ", EVENT_TIMEOUT_MS);
	/* lock.c: LOCK_AUTH_TIMEOUT_MS, 20 s. */
	wait_state(s, "lock", "checking=0 ", 25000);
	session_assert(s, state_has(s, "lock", "locked=1 "));
	session_assert(s, state_has(s, "lock", "type it again"));
	wait_state(s, "lock", "helper=ready", EVENT_TIMEOUT_MS);
	session_assert(s, state_number(s, "lock", "helper_starts") > starts);
	int w, h;
	uint32_t *shot = session_screenshot(s, &w, &h);
	assert_no_level_pixel(s, shot, w, h, "locked, helper hung");
	free(shot);
	assert_no_keys(s, &low, mark, "locked, helper hung");
	session_stop(s);
	unlink(path);
	rmdir(dir);
}

/* A stand-in helper from a shell script (STRATA_TEST_AUTH_HELPER): its
 * path (in dir, which the caller removes). */
static void
write_helper(char *dir, char *path, size_t size, const char *body)
{
	tap_assert(mkdtemp(dir));
	snprintf(path, size, "%s/helper", dir);
	FILE *f = fopen(path, "w");
	tap_assert(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	tap_assert(fclose(f) == 0);
	tap_assert(chmod(path, 0755) == 0);
}

/* A session locked with the stand-in helper body, its prompt on screen. */
static struct strata_session *
locked_with_helper(const char *body, char *dir, char *path, size_t size, struct actor *low)
{
	write_helper(dir, path, size, body);
	setenv("STRATA_TEST_AUTH_HELPER", path, 1);
	struct strata_session *s = session_start(NULL);
	unsetenv("STRATA_TEST_AUTH_HELPER");
	start(s, low, "low", "stand-in", NULL);
	free(session_ctl_ok(s, "key logo+l"));
	wait_state(s, "lock", "shown=1 ", EVENT_TIMEOUT_MS);
	return s;
}

static void
end_locked(struct strata_session *s, const char *dir, const char *path, const char *what)
{
	session_assert(s, state_has(s, "lock", "locked=1 "));
	int w, h;
	uint32_t *shot = session_screenshot(s, &w, &h);
	assert_no_level_pixel(s, shot, w, h, what);
	free(shot);
	session_stop(s);
	unlink(path);
	rmdir(dir);
}

/* Helpers that misbehave never unlock and never make the compositor fork
 * in a loop: one that dies as soon as it is up is started again after a
 * growing delay; one that reads the request and says "accepted" to
 * another (a sequence number it was not sent) is replaced; one that never
 * says it is ready is replaced after 20 s. */
static void
misbehaving_helpers_never_unlock(void)
{
	char dir[] = "/tmp/itest-auth-XXXXXX", path[64];
	struct actor low;
	struct strata_session *s = locked_with_helper("echo 'strata-auth: ready'\nexit 1", dir,
			path, sizeof(path), &low);
	/* Two seconds of it: 250 ms, then doubling, is 4 or 5 starts. */
	usleep(2000 * 1000);
	long starts = state_number(s, "lock", "helper_starts");
	tap_diag("a helper that exits at once: %ld starts in 2 s", starts);
	session_assert_msg(s, starts >= 2 && starts <= 8,
			"%ld starts of a helper that exits at once, in 2 s", starts);
	type_password(s, "anything");
	wait_state(s, "lock", "typed=0 ", 10000);
	wait_state(s, "lock", "checking=0 ", 10000);
	end_locked(s, dir, path, "locked, the helper exiting at once");

	char dir2[] = "/tmp/itest-auth-XXXXXX";
	s = locked_with_helper("echo 'strata-auth: ready'\n"
			       "dd bs=1 count=16 <&3 >/dev/null 2>&1\n"
			       "printf '\\001\\000\\000\\000Y' >&3\nexec sleep 1000",
			dir2, path, sizeof(path), &low);
	wait_state(s, "lock", "helper=ready", EVENT_TIMEOUT_MS);
	starts = state_number(s, "lock", "helper_starts");
	type_password(s, "anything");
	wait_state(s, "lock", "typed=0 ", 10000);
	wait_state(s, "lock", "checking=0 ", 10000);
	session_assert_msg(s,
			state_number(s, "lock", "helper_starts") > starts ||
					state_has(s, "lock", "helper=stopped") ||
					state_has(s, "lock", "helper=starting"),
			"the helper that answered another request was kept");
	end_locked(s, dir2, path, "locked, the helper answering another request");

	char dir3[] = "/tmp/itest-auth-XXXXXX";
	s = locked_with_helper("exec sleep 1000", dir3, path, sizeof(path), &low);
	starts = state_number(s, "lock", "helper_starts");
	/* lock.c: LOCK_AUTH_TIMEOUT_MS, 20 s, to say it is ready too. */
	for (int waited = 0; state_number(s, "lock", "helper_starts") == starts; waited += 50) {
		session_assert_msg(s, waited < 25000, "a helper never ready was kept");
		usleep(50 * 1000);
	}
	end_locked(s, dir3, path, "locked, the helper never ready");
}

/* A stand-in that answers the request's own number, in two writes (the
 * number, then later the verdict): that, and only that, unlocks. */
static void
a_reply_in_two_pieces_unlocks(void)
{
	char dir[] = "/tmp/itest-auth-XXXXXX", path[64];
	struct actor low;
	struct strata_session *s = locked_with_helper("echo 'strata-auth: ready'\n"
						      "dd bs=1 count=4 <&3 >&3 2>/dev/null\n"
						      "dd bs=1 count=12 <&3 >/dev/null 2>&1\n"
						      "sleep 0.2\nprintf Y >&3\nexec sleep 1000",
			dir, path, sizeof(path), &low);
	size_t mark = actor_mark(&low);
	type_password(s, "anything");
	wait_state(s, "lock", "locked=0 ", EVENT_TIMEOUT_MS);
	assert_no_keys(s, &low, mark, "until unlocked");
	typing_reaches(s, &low);
	session_stop(s);
	unlink(path);
	rmdir(dir);
}

/* ---- sleep ----------------------------------------------------------------- */

struct child {
	pid_t pid;
	int in, out; /* its stdin (ours to write), its stdout (ours to read) */
};

/* argv with stdin and stdout on pipes, stderr inherited. */
static struct child
spawn_piped(const char *const argv[])
{
	int in[2], out[2];
	tap_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	struct child c = { .pid = fork() };
	tap_assert(c.pid >= 0);
	if (c.pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c.in = in[1];
	c.out = out[0];
	return c;
}

/* The next line the child prints, within timeout_ms; false on timeout or
 * end of file. */
static bool
read_line(struct child *c, char *out, size_t size, int timeout_ms)
{
	size_t len = 0;
	while (len + 1 < size) {
		struct pollfd pfd = { .fd = c->out, .events = POLLIN };
		if (poll(&pfd, 1, timeout_ms) <= 0) {
			return false;
		}
		char ch;
		if (read(c->out, &ch, 1) != 1) {
			return false;
		}
		if (ch == '\n') {
			break;
		}
		out[len++] = ch;
	}
	out[len] = '\0';
	return true;
}

/* Lines until one starts with prefix (each one logged), within timeout_ms. */
static bool
wait_line(struct child *c, const char *prefix, char *out, size_t size, int timeout_ms)
{
	while (read_line(c, out, size, timeout_ms)) {
		tap_diag("%s", out);
		if (strncmp(out, prefix, strlen(prefix)) == 0) {
			return true;
		}
	}
	return false;
}

static void
end_child(struct child *c)
{
	close(c->in);
	close(c->out);
	kill(c->pid, SIGTERM);
	waitpid(c->pid, NULL, 0);
}

/* The screen watch's log past *seen: waits (5 s at most) for a frame line,
 * the first one when locked is 0, else the first whose colour count is
 * more than half of the frame (the lock's background); its time in *when. */
static bool
watch_frame(struct strata_session *s, pid_t watch, size_t *seen, int locked, double *when)
{
	uint64_t end = session_now_ms() + 5000;
	while (session_now_ms() < end) {
		size_t len = 0;
		char *text = session_read_file(session_client_log(s, watch), &len);
		for (char *line = text ? text + *seen : NULL; line && *line;) {
			char *nl = strchr(line, '\n');
			if (!nl) {
				break;
			}
			*nl = '\0';
			*seen += (size_t)(nl - line) + 1;
			double t;
			unsigned long long count, of;
			if (sscanf(line, "frame %lf count=%llu of=%llu", &t, &count, &of) == 3 &&
					(!locked || count * 2 > of)) {
				if (when) {
					*when = t;
				}
				free(text);
				return true;
			}
			line = nl + 1;
		}
		free(text);
		session_sleep_ms(10);
	}
	return false;
}

/* The watch said "waiting" past seen: its next copy is the next damaged frame. */
static bool
watch_waits(struct strata_session *s, pid_t watch, size_t seen)
{
	uint64_t end = session_now_ms() + 5000;
	while (session_now_ms() < end) {
		char *text = session_read_file(session_client_log(s, watch), NULL);
		bool waiting = text && strlen(text) > seen && strstr(text + seen, "waiting\n");
		free(text);
		if (waiting) {
			return true;
		}
		session_sleep_ms(10);
	}
	return false;
}

/* logind says the system goes to sleep: the screen is locked, and the
 * delay inhibitor strata held is let go only once the lock is on screen;
 * after the wake-up strata holds another. */
static void
the_lock_comes_before_sleep(void)
{
	session_require_program("dbus-daemon");
	const char *fake = getenv("STRATA_FAKE_LOGIND_BIN");
	if (!fake || !*fake) {
		tap_unavailable("STRATA_FAKE_LOGIND_BIN is not set: run through meson test");
	}
	const char *daemon_argv[] = { "dbus-daemon", "--session", "--nofork", "--nopidfile",
		"--print-address=1", NULL };
	struct child bus = spawn_piped(daemon_argv);
	char address[512];
	tap_assert_msg(read_line(&bus, address, sizeof(address), 5000), "no bus address");
	const char *fake_argv[] = { fake, address, NULL };
	struct child logind = spawn_piped(fake_argv);
	char line[256];
	tap_assert_msg(wait_line(&logind, "ready", line, sizeof(line), 5000),
			"the fake logind did not start");
	setenv("STRATA_TEST_SLEEP_BUS", address, 1);
	struct strata_session *s = session_start(NULL);
	unsetenv("STRATA_TEST_SLEEP_BUS");
	session_assert_msg(s, wait_line(&logind, "inhibit ", line, sizeof(line), 5000),
			"strata took no sleep inhibitor");
	session_assert_msg(s, strstr(line, "inhibit sleep strata") && strstr(line, " delay"),
			"inhibitor: %s", line);
	struct actor low;
	start(s, &low, "low", "sleep-low", NULL);
	session_assert(s, state_has(s, "lock", "locked=0"));
	/* What the screen shows, frame by frame, with the time of each commit:
	 * a copy waits for the next damaged frame, which is the lock's. */
	char colour[8];
	snprintf(colour, sizeof(colour), "%06x", LOCK_RGB);
	const char *watch_bin = getenv("STRATA_SCREEN_WATCH_BIN");
	session_assert_msg(s, watch_bin && *watch_bin, "STRATA_SCREEN_WATCH_BIN is not set");
	pid_t watch = session_spawn_client(s, "core",
			(char *[]){ (char *)watch_bin, colour, NULL });
	size_t seen = 0;
	session_assert_msg(s, watch_frame(s, watch, &seen, 0, NULL), "no first frame copied");
	session_assert_msg(s, watch_waits(s, watch, seen), "the screen copy does not wait");

	session_assert(s, write(logind.in, "sleep\n", 6) == 6);
	session_assert_msg(s, wait_line(&logind, "released ", line, sizeof(line), 5000),
			"the inhibitor was never let go");
	double released = strtod(line + strlen("released "), NULL);
	session_assert(s, state_has(s, "lock", "locked=1"));
	/* The first frame that shows the lock was committed before logind was
	 * let go: the machine never sleeps with a level on screen. */
	double shown = 0;
	session_assert_msg(s, watch_frame(s, watch, &seen, 1, &shown),
			"no frame showing the lock was copied");
	tap_diag("lock on screen at %.6f, inhibitor let go at %.6f (%+.3f ms)", shown, released,
			(released - shown) * 1000);
	session_assert_msg(s, shown <= released,
			"logind was let go %.3f ms before the lock was on screen",
			(shown - released) * 1000);
	int w, h;
	uint32_t *shot = session_screenshot(s, &w, &h);
	assert_no_level_pixel(s, shot, w, h, "locked for sleep");
	free(shot);

	session_assert(s, write(logind.in, "wake\n", 5) == 5);
	session_assert_msg(s, wait_line(&logind, "inhibit ", line, sizeof(line), 5000),
			"no new inhibitor after the wake-up");
	session_assert(s, state_has(s, "lock", "locked=1"));
	session_stop(s);
	end_child(&logind);
	end_child(&bus);
}

/* A point inside a's window that no other window covers. */
static void
touch_point_in(struct strata_session *s, struct actor *a, const char *app_id, int *x, int *y)
{
	struct window_info w;
	session_assert(s, session_find_window(s, &(struct window_match){ .app_id = app_id }, &w));
	session_assert(s, session_window_visible_point(s, w.id, x, y));
}

static int
lines_since(struct actor *a, size_t mark, const char *prefix)
{
	char listing[512];
	return actor_count_lines(a, mark, prefix, listing, sizeof(listing));
}

/*
 * A finger talks to the window it went down on, and to no one once that
 * window loses focus, the lock comes, or the finger strays over another
 * level's window: what each client received is read from its own log.
 */
static void
touch_never_outlives_focus_or_the_lock(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low, high;
	start(s, &low, "low", "touch-low", NULL);
	start(s, &high, "high", "touch-high", NULL);
	/* The touchscreen comes (an unknown finger lifted makes it): each
	 * client binds its wl_touch. */
	free(session_ctl_ok(s, "touch up 99"));
	actor_wait_count(s, &low, "touch ready", 1);
	actor_wait_count(s, &high, "touch ready", 1);
	int lx, ly, hx, hy;
	touch_point_in(s, &low, "touch-low", &lx, &ly);
	touch_point_in(s, &high, "touch-high", &hx, &hy);

	/* Finger 1 on low, then finger 2 on high: focus goes to high, low's
	 * finger is cancelled, and what finger 1 does next reaches nobody. */
	size_t low_mark = actor_mark(&low), high_mark = actor_mark(&high);
	free(session_ctl_ok(s, "touch down 1 %d %d", lx, ly));
	actor_wait_count(s, &low, "touch down 1 ", 1);
	free(session_ctl_ok(s, "touch down 2 %d %d", hx, hy));
	session_assert(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS));
	actor_wait_count(s, &high, "touch down 2 ", 1);
	free(session_ctl_ok(s, "touch motion 1 %d %d", lx + 3, ly + 3));
	free(session_ctl_ok(s, "touch up 1"));
	actor_barrier(s, &low);
	session_assert_msg(s, lines_since(&low, low_mark, "touch cancel") == 1,
			"low's finger was not cancelled when focus went to high");
	session_assert_msg(s,
			lines_since(&low, low_mark, "touch motion") == 0 &&
					lines_since(&low, low_mark, "touch up") == 0,
			"low heard its finger after focus went to high");

	/* Finger 2 strays over low's window: high hears none of that. */
	free(session_ctl_ok(s, "touch motion 2 %d %d", hx + 2, hy + 2));
	actor_wait_count(s, &high, "touch motion 2 ", 1);
	free(session_ctl_ok(s, "touch motion 2 %d %d", lx, ly));
	free(session_ctl_ok(s, "touch up 2"));
	actor_barrier(s, &high);
	session_assert_msg(s, lines_since(&high, high_mark, "touch motion 2 ") == 1,
			"high heard its finger over low's window");
	session_assert_msg(s, lines_since(&high, high_mark, "touch up 2") == 1,
			"high did not hear its finger lifted");

	/* Finger 3 on high, then the lock: cancelled, and nothing after. */
	high_mark = actor_mark(&high);
	free(session_ctl_ok(s, "touch down 3 %d %d", hx, hy));
	actor_wait_count(s, &high, "touch down 3 ", 1);
	free(session_ctl_ok(s, "key logo+l"));
	wait_state(s, "lock", "locked=1", EVENT_TIMEOUT_MS);
	free(session_ctl_ok(s, "touch motion 3 %d %d", hx + 4, hy + 4));
	free(session_ctl_ok(s, "touch up 3"));
	free(session_ctl_ok(s, "touch down 4 %d %d", hx, hy));
	free(session_ctl_ok(s, "touch up 4"));
	actor_barrier(s, &high);
	actor_barrier(s, &low);
	session_assert_msg(s, lines_since(&high, high_mark, "touch cancel") == 1,
			"high's finger was not cancelled by the lock");
	session_assert_msg(s,
			lines_since(&high, high_mark, "touch motion") == 0 &&
					lines_since(&high, high_mark, "touch up") == 0 &&
					lines_since(&high, high_mark, "touch down 4") == 0 &&
					lines_since(&low, low_mark, "touch down 4") == 0,
			"a client heard a finger under the lock");
	session_stop(s);
}

/*
 * strata --locked (the workstation's session, and its restarts): locked
 * before any client connects. Windows that map under it show nothing and
 * hear nothing; only the password opens the session, and then they show.
 */
static void
a_session_started_locked_opens_with_the_password_only(void)
{
	struct pam_user pam;
	struct strata_session *s = start_with_pam_user(&pam, true);
	session_assert_msg(s, state_has(s, "lock", "locked=1 "),
			"strata --locked was not locked once ready");
	struct actor low, high;
	start(s, &low, "low", "start-locked-low", NULL);
	start(s, &high, "high", "start-locked-high", NULL);
	size_t low_mark = actor_mark(&low), high_mark = actor_mark(&high);
	wait_state(s, "lock", "shown=1 ", EVENT_TIMEOUT_MS);
	int w, h;
	uint32_t *shot = session_screenshot(s, &w, &h);
	long low_px = census(shot, w, h, LOW_RGB), high_px = census(shot, w, h, HIGH_RGB);
	free(shot);
	session_assert_msg(s, low_px == 0 && high_px == 0,
			"under the lock at start, %ld pixels of low's windows and %ld of high's show",
			low_px, high_px);
	free(session_ctl_ok(s, "click 400 400"));
	free(session_ctl_ok(s, "type secret"));
	type_password(s, "wrong horse 7");
	wait_checked(s, 0);
	session_assert(s, state_has(s, "lock", "locked=1 "));
	wait_state(s, "lock", "retry_in_ms=0 ", 3000);
	type_password(s, TEST_PASSWORD);
	wait_checked(s, 1);
	session_assert_msg(s, state_has(s, "lock", "locked=0 "),
			"the right password did not unlock");
	char listing[512];
	session_assert_msg(s,
			actor_count_lines(&low, low_mark, "key ", listing, sizeof(listing)) == 0 &&
					actor_count_lines(&high, high_mark, "key ", listing,
							sizeof(listing)) == 0,
			"a window heard keys typed under the lock: %s", listing);
	shot = session_screenshot(s, &w, &h);
	low_px = census(shot, w, h, LOW_RGB);
	high_px = census(shot, w, h, HIGH_RGB);
	free(shot);
	session_assert_msg(s, low_px > 1000 && high_px > 1000,
			"unlocked, low shows %ld pixels and high %ld", low_px, high_px);
	session_stop(s);
	pam_user_remove(&pam);
}

TAP_TESTS(TAP_CASE(xray_labels_every_window_and_keeps_every_key),
		TAP_CASE(xray_opens_over_a_grab_and_a_fullscreen_window),
		TAP_CASE(xray_tints_popups_beside_their_window),
		TAP_CASE(a_configured_sak_opens_the_xray), TAP_CASE(lock_settings_are_checked),
		TAP_CASE(lock_hides_every_level_and_keeps_every_key),
		TAP_CASE(outputs_that_come_and_go_stay_locked),
		TAP_CASE_TIMEOUT(idle_time_locks, 90),
		TAP_CASE_TIMEOUT(only_the_password_unlocks, 120),
		TAP_CASE_TIMEOUT(a_hanging_helper_is_replaced, 90),
		TAP_CASE_TIMEOUT(misbehaving_helpers_never_unlock, 90),
		TAP_CASE(a_reply_in_two_pieces_unlocks), TAP_CASE(the_lock_comes_before_sleep),
		TAP_CASE_TIMEOUT(a_session_started_locked_opens_with_the_password_only, 120),
		TAP_CASE(touch_never_outlives_focus_or_the_lock));
