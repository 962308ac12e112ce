// SPDX-License-Identifier: MIT
/*
 * X11 programs in levels, with a real strata, real cages, each level's own
 * real Xwayland and real X11 programs from Debian: xterm, wish (Tk),
 * xclip, and wl-paste for the Wayland side. What is checked is what a user
 * or an attacker sees: pixels on the screen, lines a program read from its
 * keyboard (written to a file in its level's home), bytes a paste returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include "strata_test.h"

#define LOW_RGB 0x2e7d32u
#define HIGH_RGB 0xc62828u
/* What the attacking override-redirect windows are painted with. */
#define ATTACK_RGB 0xff00ffu

static struct strata_session *current;

static struct strata_session *
start_session(const char *config)
{
	session_require_program("bwrap");
	session_require_program("Xwayland");
	session_require_program("xterm");
	struct session_options opts = { .config = config };
	struct strata_session *s = session_start(&opts);
	current = s;
	session_assert_msg(s,
			session_wait_level(s, "low", true, 10000) &&
					session_wait_level(s, "high", true, 10000),
			"the levels' proxies did not come up");
	return s;
}

static void
unique(char *out, size_t size, const char *what)
{
	snprintf(out, size, "%s-%d-%llu", what, (int)getpid(),
			(unsigned long long)session_now_ms());
}

static void
home_path(char *out, size_t size, const char *level, const char *name)
{
	snprintf(out, size, "%s/%s/home/%s", current->data_dir, level, name);
}

/* The file in the level's home, whole (NULL if there is none yet). */
static char *
home_file(const char *level, const char *name)
{
	char path[512];
	home_path(path, sizeof(path), level, name);
	return session_read_file(path, NULL);
}

static bool
wait_home_file(const char *level, const char *name, const char *text, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *data = home_file(level, name);
		bool ok = data && strstr(data, text);
		free(data);
		if (ok) {
			return true;
		}
		if (session_now_ms() >= deadline) {
			return false;
		}
		session_sleep_ms(50);
	}
}

/* A file the cage's user can read, written into its level's home. */
static void
put_home_file(struct strata_session *s, const char *level, const char *name, const char *text)
{
	char path[512];
	home_path(path, sizeof(path), level, name);
	FILE *f = fopen(path, "w");
	session_assert_msg(s, f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);
}

/*
 * An xterm in the level whose shell writes the first line typed into it to
 * $HOME/file; returns its window once mapped.
 */
static struct window_info
xterm_reader(struct strata_session *s, const char *level, const char *title, const char *file)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "head -n1 > \"$HOME/%s\"", file);
	const char *argv[] = { "xterm", "-T", title, "-e", "sh", "-c", cmd, NULL };
	session_cage_launch(s, level, argv);
	struct window_match match = { .level = level, .app_id = "XTerm", .title_contains = title };
	struct window_info info;
	session_assert_msg(s, session_wait_window(s, &match, &info, 20000),
			"xterm in %s never mapped", level);
	return info;
}

/*
 * Waits until the level's X server says the X11 window titled title has its
 * focus (xdotool, in the level's cage). The compositor tells X11 of a focus
 * change on its own connection to the X server, and the keys come on
 * Xwayland's Wayland connection: keys typed within a millisecond of the
 * click may be handled before the focus change, and go to the window that
 * had it (of the same X server, hence level) or nowhere. A user is slower.
 */
static void
wait_x11_focus(struct strata_session *s, const char *level, const char *title)
{
	session_require_program("xdotool");
	char file[96], cmd[512];
	unique(file, sizeof(file), "x11-focus");
	snprintf(cmd, sizeof(cmd),
			"i=0; while [ $i -lt 100 ]; do "
			"[ \"$(xdotool getwindowfocus getwindowname 2>/dev/null)\" = '%s' ] && "
			"{ echo focused > \"$HOME/%s\"; exit 0; }; i=$((i+1)); sleep 0.05; done; "
			"echo never > \"$HOME/%s\"",
			title, file, file);
	const char *argv[] = { "sh", "-c", cmd, NULL };
	session_cage_launch(s, level, argv);
	session_assert_msg(s, wait_home_file(level, file, "focused", 10000),
			"%s's X server never gave its focus to \"%s\"", level, title);
}

static void
click_window(struct strata_session *s, const struct window_info *info)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, info->id, &x, &y),
			"window %u has no visible point", info->id);
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert_msg(s, session_wait_focused_level(s, info->level, 3000),
			"a click did not focus %s", info->level);
	if (strcmp(info->kind, "x11") == 0) {
		wait_x11_focus(s, info->level, info->title);
	}
}

/* Pixels of rgb along the frame's four borders (the ring inside the frame
 * box, border px wide, above the title bar included). */
static long
frame_census(struct strata_session *s, const uint32_t *pixels, int width, int height,
		const struct window_info *w, uint32_t rgb)
{
	int b = 4; /* the default theme's border */
	return session_census(s, pixels, width, height, w->frame_x, w->frame_y, w->frame_width, b,
			       rgb, "top border") +
			session_census(s, pixels, width, height, w->frame_x,
					w->frame_y + w->frame_height - b, w->frame_width, b, rgb,
					"bottom border") +
			session_census(s, pixels, width, height, w->frame_x, w->frame_y, b,
					w->frame_height, rgb, "left border") +
			session_census(s, pixels, width, height, w->frame_x + w->frame_width - b,
					w->frame_y, b, w->frame_height, rgb, "right border");
}

/* The pid of a process named comm (as /proc shows it: 15 bytes at most)
 * running as uid under the session's strata, or 0. */
static pid_t
find_descendant(struct strata_session *s, const char *name, uid_t uid, const char *argument)
{
	DIR *proc = opendir("/proc");
	if (!proc) {
		return 0;
	}
	pid_t found = 0;
	struct dirent *entry;
	while (!found && (entry = readdir(proc))) {
		pid_t pid = (pid_t)strtol(entry->d_name, NULL, 10);
		char path[64], comm[32] = "";
		if (pid <= 0) {
			continue;
		}
		/* Its real uid (a process that changed its uid after exec has
		 * /proc files of root's). */
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		char *status = session_read_file(path, NULL);
		const char *uid_line = status ? strstr(status, "\nUid:") : NULL;
		unsigned real = 0;
		bool match = uid_line && sscanf(uid_line, "\nUid: %u", &real) == 1 && real == uid;
		free(status);
		if (!match) {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		char *text = session_read_file(path, NULL);
		if (text) {
			sscanf(text, "%31s", comm);
			free(text);
		}
		if (strcmp(comm, name) != 0) {
			continue;
		}
		if (argument) {
			/* One of its arguments, whole. */
			snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
			size_t len = 0;
			char *cmdline = session_read_file(path, &len);
			bool has = false;
			for (size_t at = 0; cmdline && at < len; at += strlen(cmdline + at) + 1) {
				has = has || strcmp(cmdline + at, argument) == 0;
			}
			free(cmdline);
			if (!has) {
				continue;
			}
		}
		/* Its ancestors: the cage, the launcher, strata. */
		pid_t up = pid;
		for (int depth = 0; depth < 8 && up > 1 && !found; depth++) {
			snprintf(path, sizeof(path), "/proc/%d/stat", (int)up);
			text = session_read_file(path, NULL);
			const char *after = text ? strrchr(text, ')') : NULL;
			int ppid = 0;
			if (!after || sscanf(after, ") %*c %d", &ppid) != 1) {
				free(text);
				break;
			}
			free(text);
			up = (pid_t)ppid;
			found = up == s->pid ? pid : 0;
		}
	}
	closedir(proc);
	return found;
}

/* An Xwayland of the session's strata running as uid (its level's). */
static pid_t
find_xwayland(struct strata_session *s, uid_t uid)
{
	return find_descendant(s, "Xwayland", uid, NULL);
}

/*
 * The proxy between a level's Xwayland and strata: a strata-cage-proxy of
 * the level's proxy uid, in its seccomp sandbox, holding two sockets (its
 * connection's two ends) and nothing of X11's.
 */
static void
check_xwayland_proxy(struct strata_session *s, const char *level, uid_t proxy_uid)
{
	pid_t proxy = find_descendant(s, "strata-cage-pro", proxy_uid, "--connection");
	session_assert_msg(s, proxy > 0, "no proxy (uid %u) carries %s's Xwayland",
			(unsigned)proxy_uid, level);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)proxy);
	char *status = session_read_file(path, NULL);
	session_assert_msg(s, status && strstr(status, "Seccomp:\t2"),
			"%s's Xwayland proxy runs without its seccomp filter", level);
	free(status);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)proxy);
	DIR *fds = opendir(path);
	session_assert(s, fds);
	int sockets = 0, others = 0;
	struct dirent *entry;
	while ((entry = readdir(fds))) {
		if (entry->d_name[0] == '.') {
			continue;
		}
		char link[400], target[128] = "";
		snprintf(link, sizeof(link), "%s/%s", path, entry->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		if (strncmp(target, "socket:", 7) == 0) {
			sockets++;
		} else if (atoi(entry->d_name) > 2 && strncmp(target, "anon_inode:", 11) != 0) {
			others++;
			tap_diag("%s's Xwayland proxy holds fd %s: %s", level, entry->d_name,
					target);
		}
	}
	closedir(fds);
	tap_diag("%s's Xwayland proxy (pid %d): %d sockets", level, (int)proxy, sockets);
	session_assert_msg(s, sockets == 2 && others == 0,
			"%s's Xwayland proxy holds %d sockets and %d other files, not its two ends",
			level, sockets, others);
}

/*
 * xterm in low and in high: each framed in its level's colour, with its
 * title in the title bar; typed text reaches only the focused one. A foot
 * in each level beside them, for the picture of both kinds of windows.
 */
static void
x11_windows_are_windows_of_their_level(void)
{
	session_require_program("foot");
	struct strata_session *s = start_session(NULL);
	char low_file[96], high_file[96], low_title[96], high_title[96];
	unique(low_file, sizeof(low_file), "typed-low");
	unique(high_file, sizeof(high_file), "typed-high");
	unique(low_title, sizeof(low_title), "xterm-low");
	unique(high_title, sizeof(high_title), "xterm-high");
	struct window_info low = xterm_reader(s, "low", low_title, low_file);
	struct window_info high = xterm_reader(s, "high", high_title, high_file);
	const char *foot[] = { "foot", "-T", "wayland foot", NULL };
	session_cage_launch(s, "low", foot);
	session_cage_launch(s, "high", foot);
	session_assert_msg(s, session_wait_windows(s, 4, 20000), "not all four windows mapped");
	session_assert(s,
			session_find_window(s,
					&(struct window_match){ .level = "low",
							.title_contains = low_title },
					&low));
	session_assert(s,
			session_find_window(s,
					&(struct window_match){ .level = "high",
							.title_contains = high_title },
					&high));

	/* Framed in the level's colour, whole: every border pixel. */
	int width, height;
	uint32_t *pixels = session_screenshot(s, &width, &height);
	long ring_low = 2 * 4 * low.frame_width + 2 * 4 * low.frame_height;
	long ring_high = 2 * 4 * high.frame_width + 2 * 4 * high.frame_height;
	long low_in_low = frame_census(s, pixels, width, height, &low, LOW_RGB);
	long high_in_high = frame_census(s, pixels, width, height, &high, HIGH_RGB);
	tap_diag("low frame %ld of %ld px in low's colour, high %ld of %ld", low_in_low, ring_low,
			high_in_high, ring_high);
	session_assert_msg(s, low_in_low == ring_low, "low's X11 window is not framed in green");
	session_assert_msg(s, high_in_high == ring_high, "high's X11 window is not framed in red");
	free(pixels);
	session_keep_screenshot(s, "x11-and-wayland-in-each-level.png");

	/* The X-ray labels X11 windows with their level like the others: the
	 * ends of its label in the level's colour (xray.c: 420 px wide,
	 * centred). */
	free(session_ctl_ok(s, "key logo+Escape"));
	uint64_t deadline = session_now_ms() + 5000;
	for (;;) {
		char *state = session_ctl_ok(s, "xray");
		bool open = strstr(state, "open=1 windows=4") != NULL;
		free(state);
		if (open) {
			break;
		}
		if (session_now_ms() >= deadline) {
			char *last = session_ctl_ok(s, "xray");
			session_fail(s, "the X-ray did not label 4 windows: %s", last);
		}
		session_sleep_ms(30);
	}
	const struct window_info *xterms[] = { &low, &high };
	const uint32_t colours[] = { LOW_RGB, HIGH_RGB };
	for (int i = 0; i < 2; i++) {
		const struct window_info *w = xterms[i];
		int label = w->frame_width < 420 ? w->frame_width : 420;
		int y = w->frame_y + w->frame_height / 2;
		uint32_t left = session_pixel(s, w->frame_x + (w->frame_width - label) / 2 + 4, y);
		uint32_t right = session_pixel(s, w->frame_x + (w->frame_width + label) / 2 - 5, y);
		/* The panel may cover one end, never both. */
		session_assert_msg(s,
				(left == colours[i] || right == colours[i]) &&
						left != colours[1 - i] && right != colours[1 - i],
				"the X-ray's label of %s's xterm is %06x..%06x", w->level, left,
				right);
	}
	free(session_ctl_ok(s, "key Escape"));
	deadline = session_now_ms() + 5000;
	for (;;) {
		char *state = session_ctl_ok(s, "xray");
		bool closed = strstr(state, "open=0") != NULL;
		free(state);
		if (closed) {
			break;
		}
		session_assert_msg(s, session_now_ms() < deadline, "the X-ray did not close");
		session_sleep_ms(30);
	}

	/* Typing goes to the focused window only. */
	char low_text[96], high_text[96];
	unique(low_text, sizeof(low_text), "to-low");
	unique(high_text, sizeof(high_text), "to-high");
	click_window(s, &low);
	free(session_ctl_ok(s, "type %s", low_text));
	free(session_ctl_ok(s, "key Return"));
	session_assert_msg(s, wait_home_file("low", low_file, low_text, 5000),
			"what was typed never reached low's xterm");
	click_window(s, &high);
	free(session_ctl_ok(s, "type %s", high_text));
	free(session_ctl_ok(s, "key Return"));
	session_assert_msg(s, wait_home_file("high", high_file, high_text, 5000),
			"what was typed never reached high's xterm");
	/* Each read one line: its first was its own. */
	char *low_read = home_file("low", low_file);
	char *high_read = home_file("high", high_file);
	session_assert_msg(s, low_read && !strstr(low_read, high_text), "low read high's keys");
	session_assert_msg(s, high_read && !strstr(high_read, low_text), "high read low's keys");
	free(low_read);
	free(high_read);

	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* How many times text occurs in the file of the level's home. */
static int
count_in_home_file(const char *level, const char *name, const char *text)
{
	char *data = home_file(level, name);
	int count = 0;
	for (const char *p = data; p && (p = strstr(p, text)); p += strlen(text)) {
		count++;
	}
	free(data);
	return count;
}

static bool
wait_count(const char *level, const char *name, const char *text, int at_least, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (count_in_home_file(level, name, text) < at_least) {
		if (session_now_ms() >= deadline) {
			return false;
		}
		session_sleep_ms(30);
	}
	return true;
}

/*
 * A low X11 program listens to every raw key event its X server has (XI2
 * raw events on the root window: what an X11 keylogger uses, focus or
 * not). It hears what is typed into low's windows, and not one key typed
 * into high's xterm.
 */
static void
x11_keyloggers_hear_only_their_level(void)
{
	session_require_program("xinput");
	session_require_program("stdbuf");
	struct strata_session *s = start_session(NULL);
	char raw[96], low_title[64], high_title[64], high_file[96], secret[32];
	unique(raw, sizeof(raw), "raw-keys");
	unique(low_title, sizeof(low_title), "logged");
	unique(high_title, sizeof(high_title), "private");
	unique(high_file, sizeof(high_file), "typed-high");
	snprintf(secret, sizeof(secret), "secretkeys");
	struct window_info low = xterm_reader(s, "low", low_title, "unused-low");
	struct window_info high = xterm_reader(s, "high", high_title, high_file);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "exec stdbuf -oL xinput test-xi2 --root > \"$HOME/%s\"", raw);
	const char *logger[] = { "sh", "-c", cmd, NULL };
	session_cage_launch(s, "low", logger);

	/* Live: it hears low's keys (two, then one more below). */
	click_window(s, &low);
	uint64_t deadline = session_now_ms() + 10000;
	int heard = 0;
	for (int round = 0; heard < 2; round++) {
		/* Until the logger listens: a key at a time, each heard or not. */
		session_assert_msg(s, session_now_ms() < deadline,
				"the low keylogger never heard low's keys");
		free(session_ctl_ok(s, "type a"));
		session_sleep_ms(100);
		heard = count_in_home_file("low", raw, "RawKeyPress");
		(void)round;
	}
	int before = count_in_home_file("low", raw, "RawKeyPress");
	tap_diag("the keylogger heard %d of low's keys", before);

	click_window(s, &high);
	free(session_ctl_ok(s, "type %s", secret));
	free(session_ctl_ok(s, "key Return"));
	session_assert_msg(s, wait_home_file("high", high_file, secret, 5000),
			"high's xterm did not get its keys");
	/* One more key into low: once heard, anything sent to low before it
	 * (high's keys, had they leaked) is in the log too. */
	click_window(s, &low);
	free(session_ctl_ok(s, "type z"));
	session_assert_msg(s, wait_count("low", raw, "RawKeyPress", before + 1, 5000),
			"the keylogger stopped hearing low's keys");
	int after = count_in_home_file("low", raw, "RawKeyPress");
	tap_diag("then %d: %d while %zu keys went to high", after, after - before,
			strlen(secret) + 1);
	session_assert_msg(s, after == before + 1,
			"the low keylogger heard %d keys typed into high", after - before - 1);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* A Tk program that shows one override-redirect window in ATTACK_RGB at
 * the given geometry (title "or-NAME"), run as: wish or.tcl NAME WxH+X+Y
 * [WxH+X+Y: the geometry it takes once shown]. */
static const char or_script[] =
		"wm withdraw .\n"
		"set name [lindex $argv 0]\n"
		"toplevel .w -background #ff00ff -borderwidth 0 -highlightthickness 0\n"
		"wm title .w or-$name\n"
		"wm overrideredirect .w 1\n"
		"wm geometry .w [lindex $argv 1]\n"
		"if {[llength $argv] > 2} {\n"
		"	tkwait visibility .w\n"
		"	after 100 [list wm geometry .w [lindex $argv 2]]\n"
		"}\n";

static struct window_info
show_override_redirect(struct strata_session *s, const char *name, const char *geometry,
		const char *grown, pid_t *pid)
{
	const char *argv[] = { "wish", "or.tcl", name, geometry, grown, NULL };
	*pid = session_cage_launch(s, "low", argv);
	char title[64];
	snprintf(title, sizeof(title), "or-%s", name);
	struct window_match match = { .level = "low", .title_contains = title };
	struct window_info info;
	session_assert_msg(s, session_wait_window(s, &match, &info, 20000),
			"the override-redirect window %s never mapped", name);
	/* Drawn: its colour is on the screen somewhere (it was painted). */
	uint64_t deadline = session_now_ms() + 5000;
	for (;;) {
		int width, height;
		uint32_t *pixels = session_screenshot(s, &width, &height);
		long shown = session_census(s, pixels, width, height, 0, 0, width, height,
				ATTACK_RGB, "the whole output");
		free(pixels);
		if (shown > 0) {
			break;
		}
		session_assert_msg(s, session_now_ms() < deadline,
				"the override-redirect window %s was never drawn", name);
		session_sleep_ms(50);
	}
	return info;
}

/* Not one attacker pixel (ATTACK_RGB) in the banner or in high's frame, on
 * the screen as it is now; what names the attacker in the failures. */
static void
assert_banner_and_high_clean(struct strata_session *s, const struct window_info *high,
		const char *what)
{
	int width, height;
	uint32_t *pixels = session_screenshot(s, &width, &height);
	long banner = session_census(s, pixels, width, height, 0, 0, width, SESSION_BANNER_HEIGHT,
			ATTACK_RGB, "banner");
	long over_high = session_census(s, pixels, width, height, high->frame_x, high->frame_y,
			high->frame_width, high->frame_height, ATTACK_RGB, "high's frame");
	free(pixels);
	session_assert_msg(s, banner == 0, "%s painted over the banner", what);
	session_assert_msg(s, over_high == 0, "%s painted over high", what);
}

/* Ends a launch (its sandbox, and the program with it) and waits for its
 * window to go. */
static void
end_launch(struct strata_session *s, pid_t pid, unsigned window)
{
	kill(pid, SIGKILL);
	uint64_t deadline = session_now_ms() + 5000;
	while (session_find_window(s, &(struct window_match){ .id = window }, NULL)) {
		session_assert_msg(s, session_now_ms() < deadline, "window %u never went", window);
		session_sleep_ms(50);
	}
}

/*
 * Override-redirect windows of a low X11 program aimed at the banner, at
 * high's window, and over the whole output: not one of their pixels in the
 * banner or in high's frame. The one aimed at the banner is moved under
 * it; the one over high's window is cut; the one over the whole output is
 * managed (framed, in low's column).
 */
static void
override_redirect_windows_stay_in_their_level(void)
{
	session_require_program("wish");
	struct strata_session *s = start_session(NULL);
	put_home_file(s, "low", "or.tcl", or_script);
	char high_title[64], high_file[96];
	unique(high_title, sizeof(high_title), "victim");
	unique(high_file, sizeof(high_file), "unused");
	struct window_info high = xterm_reader(s, "high", high_title, high_file);
	struct window_info low = xterm_reader(s, "low", "low-anchor", "unused-low");
	session_assert(s,
			session_find_window(s,
					&(struct window_match){ .level = "high",
							.title_contains = high_title },
					&high));
	session_assert(s, low.frame_x + low.frame_width <= high.frame_x);

	/* 1. Aimed at the banner: 600x200 at 0,0. */
	pid_t banner_pid, over_pid, whole_pid;
	struct window_info banner =
			show_override_redirect(s, "banner", "600x200+0+0", NULL, &banner_pid);
	tap_diag("aimed at the banner, shown at %d,%d %dx%d", banner.x, banner.y, banner.width,
			banner.height);
	assert_banner_and_high_clean(s, &high, "a low override-redirect window");
	session_assert_msg(s, banner.y >= SESSION_BANNER_HEIGHT, "it was not moved under it");
	session_assert_msg(s, strcmp(banner.kind, "x11-unmanaged") == 0, "it is shown as a %s",
			banner.kind);
	/* Its border, of low's colour, inside its box. */
	uint32_t corner = session_pixel(s, banner.x, banner.y);
	session_assert_msg(s, corner == LOW_RGB, "its corner is %06x, not low's border", corner);

	/* 2. Aimed at high's window: from low's column over all of high's frame. */
	char geometry[64];
	int x = low.frame_x + low.frame_width - 100;
	snprintf(geometry, sizeof(geometry), "%dx%d+%d+%d", high.frame_x + high.frame_width - x,
			high.frame_height + 40, x, high.frame_y - 20);
	struct window_info over = show_override_redirect(s, "over-high", geometry, NULL, &over_pid);
	int width, height;
	uint32_t *pixels = session_screenshot(s, &width, &height);
	long in_high = session_census(s, pixels, width, height, high.frame_x, high.frame_y,
			high.frame_width, high.frame_height, ATTACK_RGB, "high's frame");
	long in_low = session_census(s, pixels, width, height, x, high.frame_y, high.frame_x - x,
			high.frame_height, ATTACK_RGB, "low's side");
	tap_diag("over high's window: %ld px in high's frame, %ld beside it", in_high, in_low);
	session_assert_msg(s, in_high == 0, "a low override-redirect window painted over high");
	session_assert_msg(s, in_low > 0, "nothing of it was shown where low may draw");
	session_keep_screenshot(s, "x11-override-redirect-cut.png");
	free(pixels);
	assert_banner_and_high_clean(s, &high, "a low override-redirect window");

	/* 3. The whole output: managed, framed like any low window (alone:
	 * the others, on top, would hide its frame). */
	end_launch(s, banner_pid, banner.id);
	end_launch(s, over_pid, over.id);
	snprintf(geometry, sizeof(geometry), "%dx%d+0+0", width, height);
	struct window_info whole = show_override_redirect(s, "whole", geometry, NULL, &whole_pid);
	tap_diag("over the whole output, shown at %d,%d %dx%d, frame %d,%d %dx%d", whole.x, whole.y,
			whole.width, whole.height, whole.frame_x, whole.frame_y, whole.frame_width,
			whole.frame_height);
	assert_banner_and_high_clean(s, &high, "a full-screen override-redirect window");
	pixels = session_screenshot(s, &width, &height);
	session_assert_msg(s, strcmp(whole.kind, "x11") == 0,
			"the full-screen override-redirect window is not managed (%s)", whole.kind);
	session_assert_msg(s,
			whole.frame_y >= SESSION_BANNER_HEIGHT && whole.frame_x >= 0 &&
					whole.frame_x + whole.frame_width <= high.frame_x,
			"the full-screen override-redirect window was not put in low's column");
	session_assert_msg(s, session_pixel(s, whole.frame_x + 1, whole.frame_y + 1) == LOW_RGB,
			"the full-screen override-redirect window has no low frame");
	session_assert_msg(s,
			session_census(s, pixels, width, height, whole.x, whole.y, whole.width,
					whole.height, ATTACK_RGB, "its box") > 0,
			"the full-screen override-redirect window is not shown in its frame");
	free(pixels);

	/* 4. Small at its map, over the whole output a moment later: managed
	 * then. */
	end_launch(s, whole_pid, whole.id);
	pid_t grow_pid;
	struct window_info grow =
			show_override_redirect(s, "grow", "100x100+50+50", geometry, &grow_pid);
	uint64_t deadline = session_now_ms() + 5000;
	while (strcmp(grow.kind, "x11") != 0) {
		session_assert_msg(s, session_now_ms() < deadline,
				"an override-redirect window grown over the output stayed %s at %d,%d "
				"%dx%d",
				grow.kind, grow.x, grow.y, grow.width, grow.height);
		session_sleep_ms(50);
		session_find_window(s, &(struct window_match){ .title_contains = "or-grow" },
				&grow);
	}
	assert_banner_and_high_clean(s, &high, "a grown override-redirect window");
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/*
 * A low X11 program grabs the keyboard and the pointer (Tk's global grab:
 * XGrabKeyboard and XGrabPointer); the user clicks high's xterm and types:
 * high reads it all, the grabbing program nothing of it.
 */
static const char grab_script[] = "wm title . grabber\n"
				  "wm geometry . 300x200\n"
				  "set log [open $env(HOME)/[lindex $argv 0] w]\n"
				  "bind . <Key> {puts $log %K; flush $log}\n"
				  "tkwait visibility .\n"
				  "focus -force .\n"
				  "while {[catch {grab set -global .}]} {after 50}\n"
				  "puts $log \"grab [grab status .]\"; flush $log\n";

static void
x11_grabs_stay_in_their_level(void)
{
	session_require_program("wish");
	struct strata_session *s = start_session(NULL);
	put_home_file(s, "low", "grab.tcl", grab_script);
	char high_title[64], high_file[96], grab_log[96], text[96];
	unique(high_title, sizeof(high_title), "typist");
	unique(high_file, sizeof(high_file), "typed-high");
	unique(grab_log, sizeof(grab_log), "grab-log");
	unique(text, sizeof(text), "secret");
	struct window_info high = xterm_reader(s, "high", high_title, high_file);
	const char *argv[] = { "wish", "grab.tcl", grab_log, NULL };
	session_cage_launch(s, "low", argv);
	struct window_info grabber;
	session_assert_msg(s,
			session_wait_window(s,
					&(struct window_match){ .level = "low",
							.title_contains = "grabber" },
					&grabber, 20000),
			"the grabbing program never mapped");
	click_window(s, &grabber);
	session_assert_msg(s, wait_home_file("low", grab_log, "grab global", 10000),
			"the low program never got its global grab");
	/* It hears its own level's keys: the grab is real. */
	free(session_ctl_ok(s, "type q"));
	session_assert_msg(s, wait_home_file("low", grab_log, "\nq\n", 5000),
			"the grabbing program does not hear its own keys");

	click_window(s, &high);
	free(session_ctl_ok(s, "type %s", text));
	free(session_ctl_ok(s, "key Return"));
	session_assert_msg(s, wait_home_file("high", high_file, text, 5000),
			"high's xterm did not get what was typed while low grabbed");
	char *log = home_file("low", grab_log);
	tap_diag("the grabbing program heard: %s", log ? log : "(nothing)");
	/* Its log has the grab line and "q" only: no key of high's text. */
	session_assert_msg(s, log && strcmp(log, "grab global\nq\n") == 0,
			"the grabbing program heard keys typed into high");
	free(log);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* Runs sh -c cmd in the level's cage and waits for it to write its file. */
static char *
run_for_file(struct strata_session *s, const char *level, const char *cmd, const char *file)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	session_cage_launch(s, level, argv);
	session_assert_msg(s, wait_home_file(level, file, "end\n", 10000),
			"\"%s\" in %s never finished", cmd, level);
	return home_file(level, file);
}

/* What xclip -o (X11) or wl-paste (Wayland) in the level gets, then its
 * exit status on a line of its own: "...\nstatus N\nend\n". */
static char *
paste(struct strata_session *s, const char *level, bool x11, const char *file)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
			"F=\"$HOME/%s\"; %s > \"$F.tmp\" 2>/dev/null; printf '\\nstatus %%s\\n' $? >> \"$F.tmp\"; "
			"echo end >> \"$F.tmp\"; mv \"$F.tmp\" \"$F\"",
			file,
			x11 ? "timeout 5 xclip -o -selection clipboard" : "timeout 5 wl-paste -n");
	return run_for_file(s, level, cmd, file);
}

/*
 * CLIPBOARD of an X11 program is its level's selection: xclip in low is
 * pasted by wl-paste and by xclip in low, by nothing in high (X11 or
 * Wayland); Logo+V with high's xterm focused brings it through the dialog,
 * sanitised, and xclip in high then pastes that.
 */
static void
x11_clipboard_is_its_level_s(void)
{
	session_require_program("xclip");
	session_require_program("wl-paste");
	struct strata_session *s = start_session(NULL);
	char low_title[64], high_title[64], secret[64], raw[160], copied[96];
	unique(low_title, sizeof(low_title), "low-term");
	unique(high_title, sizeof(high_title), "high-term");
	unique(secret, sizeof(secret), "x11-secret");
	unique(copied, sizeof(copied), "copied");
	struct window_info low = xterm_reader(s, "low", low_title, "unused-low");
	struct window_info high = xterm_reader(s, "high", high_title, "unused-high");
	/* An escape sequence and an RLO, which the transfer must take out. */
	snprintf(raw, sizeof(raw), "%s\x1b[31m red \xE2\x80\xAEtail", secret);
	put_home_file(s, "low", "clip.txt", raw);

	/* xclip takes CLIPBOARD while a low X11 window has focus, and stays
	 * (in the foreground: a launch's sandbox ends with its process). */
	click_window(s, &low);
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
			"echo start > \"$HOME/%s\"; xclip -quiet -selection clipboard -i "
			"\"$HOME/clip.txt\"",
			copied);
	const char *copy[] = { "sh", "-c", cmd, NULL };
	session_cage_launch(s, "low", copy);
	session_assert_msg(s, wait_home_file("low", copied, "start", 10000), "xclip never ran");
	session_assert_msg(s, session_wait_selection(s, "low", 1, 10000),
			"xclip in low never set low's selection");

	char *out = paste(s, "low", true, "p1");
	tap_diag("xclip -o in low: %s", out);
	session_assert_msg(s, out && strstr(out, secret), "xclip in low did not paste low's");
	free(out);
	out = paste(s, "low", false, "p2");
	tap_diag("wl-paste in low: %s", out);
	session_assert_msg(s, out && strstr(out, secret), "wl-paste in low did not paste it");
	free(out);

	/* PRIMARY too: X11 to Wayland, within low. */
	char primary[64], primary_started[96];
	unique(primary, sizeof(primary), "x11-primary");
	unique(primary_started, sizeof(primary_started), "primary-started");
	put_home_file(s, "low", "primary.txt", primary);
	snprintf(cmd, sizeof(cmd),
			"echo start > \"$HOME/%s\"; xclip -quiet -selection primary -i "
			"\"$HOME/primary.txt\"",
			primary_started);
	session_cage_launch(s, "low", copy);
	session_assert_msg(s, wait_home_file("low", primary_started, "start", 10000),
			"xclip (primary) never ran");
	char file[96];
	uint64_t deadline = session_now_ms() + 10000;
	for (int n = 0;; n++) {
		/* Until xclip holds it: each try a wl-paste of its own. */
		snprintf(file, sizeof(file), "primary-%d", n);
		snprintf(cmd, sizeof(cmd),
				"F=\"$HOME/%s\"; timeout 5 wl-paste --primary -n > \"$F.tmp\" "
				"2>/dev/null; echo >> \"$F.tmp\"; echo end >> \"$F.tmp\"; "
				"mv \"$F.tmp\" \"$F\"",
				file);
		out = run_for_file(s, "low", cmd, file);
		bool got = out && strstr(out, primary);
		free(out);
		if (got) {
			break;
		}
		session_assert_msg(s, session_now_ms() < deadline,
				"wl-paste --primary in low never got xclip's primary selection");
		session_sleep_ms(100);
	}

	/* Nothing in high, focused or not. */
	out = paste(s, "high", true, "p3");
	session_assert_msg(s, out && !strstr(out, secret), "xclip in high pasted low's");
	free(out);
	click_window(s, &high);
	out = paste(s, "high", true, "p4");
	tap_diag("xclip -o in high, focused: %s", out);
	session_assert_msg(s, out && !strstr(out, secret), "xclip in high pasted low's");
	free(out);
	out = paste(s, "high", false, "p5");
	session_assert_msg(s, out && !strstr(out, secret), "wl-paste in high pasted low's");
	free(out);
	snprintf(cmd, sizeof(cmd),
			"F=\"$HOME/p7\"; timeout 5 wl-paste --primary -n > \"$F.tmp\" 2>/dev/null; "
			"echo >> \"$F.tmp\"; echo end >> \"$F.tmp\"; mv \"$F.tmp\" \"$F\"");
	out = run_for_file(s, "high", cmd, "p7");
	session_assert_msg(s, out && !strstr(out, primary), "high pasted low's primary selection");
	free(out);

	/* The confirmed transfer, into an X11 window. */
	free(session_ctl_ok(s, "key logo+v"));
	session_assert_msg(s, session_wait_dialog(s, "confirming", 5000), "no confirmation dialog");
	char *desc = session_ctl_ok(s, "dialog");
	tap_diag("%s", desc);
	session_assert(s, strstr(desc, "src=low dst=high"));
	free(desc);
	free(session_ctl_ok(s, "key Return"));
	session_assert(s, session_wait_dialog(s, "idle", 5000));
	out = paste(s, "high", true, "p6");
	tap_diag("xclip -o in high after the transfer: %s", out);
	char expected[160];
	snprintf(expected, sizeof(expected), "%s red tail\nstatus 0\nend\n", secret);
	session_assert_msg(s, out && strcmp(out, expected) == 0,
			"high's X11 paste after the transfer is not the sanitised text");
	free(out);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/*
 * A low X11 program tries to take the keyboard while high has it: the
 * _NET_ACTIVE_WINDOW message (xdotool windowactivate), XSetInputFocus
 * (xdotool windowfocus), raising itself, and a new window mapped. Focus
 * stays on high, whose xterm reads what is typed next; the low window is
 * marked urgent instead.
 */
static void
x11_programs_cannot_take_focus(void)
{
	session_require_program("xdotool");
	struct strata_session *s = start_session(NULL);
	char low_title[64], high_title[64], high_file[96], low_file[96], text[96], done[96];
	unique(low_title, sizeof(low_title), "thief");
	unique(high_title, sizeof(high_title), "owner");
	unique(high_file, sizeof(high_file), "typed-high");
	unique(low_file, sizeof(low_file), "typed-low");
	unique(text, sizeof(text), "for-high");
	unique(done, sizeof(done), "tried");
	struct window_info low = xterm_reader(s, "low", low_title, low_file);
	struct window_info high = xterm_reader(s, "high", high_title, high_file);
	click_window(s, &high);

	char cmd[768];
	snprintf(cmd, sizeof(cmd),
			"W=$(xdotool search --name '%s' | head -n1); "
			"xdotool windowactivate \"$W\"; xdotool windowfocus \"$W\"; "
			"xdotool windowraise \"$W\"; xdotool set_desktop_for_window \"$W\" 0; "
			"echo \"window $W\" > \"$HOME/%s\"; "
			"xterm -T '%s-new' -e sleep 60 & sleep 0; wait",
			low_title, done, low_title);
	const char *argv[] = { "sh", "-c", cmd, NULL };
	session_cage_launch(s, "low", argv);
	session_assert_msg(s, wait_home_file("low", done, "window ", 10000),
			"the low program never made its attempts");
	char *tried = home_file("low", done);
	tap_diag("low tried on its %s", tried ? tried : "?");
	session_assert_msg(s, tried && strcmp(tried, "window \n") != 0,
			"xdotool found no low window: nothing was tried");
	free(tried);
	char new_title[96];
	snprintf(new_title, sizeof(new_title), "%s-new", low_title);
	session_assert_msg(s,
			session_wait_window(s,
					&(struct window_match){ .level = "low",
							.title_contains = new_title },
					NULL, 20000),
			"the new low window never mapped");

	/* Focus never left high: what is typed now is high's. */
	unsigned id = 0;
	char level[32] = "";
	session_assert(s, session_focused(s, &id, level, sizeof(level)));
	session_assert_msg(s, strcmp(level, "high") == 0 && id == high.id,
			"focus went to %s window %u", level, id);
	free(session_ctl_ok(s, "type %s", text));
	free(session_ctl_ok(s, "key Return"));
	session_assert_msg(s, wait_home_file("high", high_file, text, 5000),
			"high's xterm did not get the keys");
	char *low_read = home_file("low", low_file);
	session_assert_msg(s, !low_read || !strstr(low_read, text), "low's xterm read high's keys");
	free(low_read);
	(void)low;
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* xterm -fullscreen in low: its level's column, never the banner nor
 * high's side. Then each level's Xwayland, killed while its xterm runs,
 * shows that its Wayland connection went through a proxy of its level. */
static void
x11_fullscreen_is_the_level_s_column(void)
{
	struct strata_session *s = start_session(NULL);
	struct window_info high = xterm_reader(s, "high", "high-side", "unused-high");
	const char *argv[] = { "xterm", "-fullscreen", "-T", "full-low", "-bg", "#ff00ff", NULL };
	session_cage_launch(s, "low", argv);
	struct window_info full;
	session_assert_msg(s,
			session_wait_window(s,
					&(struct window_match){ .level = "low",
							.title_contains = "full-low" },
					&full, 20000),
			"xterm -fullscreen never mapped");
	/* It may first map at its own size: wait for the fullscreen state. */
	uint64_t deadline = session_now_ms() + 5000;
	while (!full.fullscreen) {
		session_assert_msg(s, session_now_ms() < deadline, "it never became fullscreen");
		session_sleep_ms(50);
		session_assert(s,
				session_find_window(s, &(struct window_match){ .id = full.id },
						&full));
	}
	session_assert(s, session_find_window(s, &(struct window_match){ .id = high.id }, &high));
	tap_diag("fullscreen low: frame %d,%d %dx%d; high frame at x %d", full.frame_x,
			full.frame_y, full.frame_width, full.frame_height, high.frame_x);
	assert_banner_and_high_clean(s, &high, "a fullscreen low X11 window");
	int width, height;
	uint32_t *pixels = session_screenshot(s, &width, &height);
	session_assert_msg(s,
			session_census(s, pixels, width, height, full.x, full.y, full.width,
					full.height, ATTACK_RGB, "its own box") > 0,
			"the fullscreen xterm is not shown");
	free(pixels);
	session_assert(s,
			full.frame_y >= SESSION_BANNER_HEIGHT &&
					full.frame_x + full.frame_width <= high.frame_x);

	/* strata ignores SIGPIPE; the launcher wlroots starts from it does
	 * not (low's here, its uid once it gave up root; SigIgn in /proc is a
	 * mask in hex, SIGPIPE its bit 13). */
	pid_t launcher = find_descendant(s, "strata-xwayland", 4000, NULL);
	session_assert_msg(s, launcher > 0, "no strata-xwayland-launcher of strata runs");
	char status_path[64];
	snprintf(status_path, sizeof(status_path), "/proc/%d/status", (int)launcher);
	char *status = session_read_file(status_path, NULL);
	const char *ign = status ? strstr(status, "\nSigIgn:") : NULL;
	unsigned long long ignored = 0;
	session_assert(s, ign && sscanf(ign, "\nSigIgn: %llx", &ignored) == 1);
	free(status);
	session_assert_msg(s, !(ignored & (1ull << (SIGPIPE - 1))),
			"the Xwayland launcher ignores SIGPIPE (SigIgn %llx)", ignored);

	/* Each level's Xwayland spoke Wayland through a proxy of its level:
	 * ended (killed), that proxy says how many messages it checked. */
	for (int i = 0; i < 2; i++) {
		const char *level = i == 0 ? "low" : "high";
		pid_t xwayland = find_xwayland(s, i == 0 ? 4000 : 4001);
		session_assert_msg(s, xwayland > 0, "no Xwayland of %s runs", level);
		check_xwayland_proxy(s, level, i == 0 ? 5000 : 5001);
		/* Its output goes to its level's log, never the compositor's. */
		for (int fd = 1; fd <= 2; fd++) {
			char path[64], target[512] = "", expected[300];
			snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)xwayland, fd);
			ssize_t n = readlink(path, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			snprintf(expected, sizeof(expected), "%s/log-%s", s->runtime_dir, level);
			session_assert_msg(s, strcmp(target, expected) == 0,
					"%s's Xwayland writes its fd %d to %s", level, fd, target);
		}
		kill(xwayland, SIGKILL);
		char needle[96];
		snprintf(needle, sizeof(needle), "level %s: its one connection ended: ", level);
		uint64_t until = session_now_ms() + 10000;
		for (;;) {
			/* The proxy writes to the level's log, like Xwayland. */
			char level_log[300];
			snprintf(level_log, sizeof(level_log), "%s/log-%s", s->runtime_dir, level);
			char *log = session_read_file(level_log, NULL);
			const char *line = log ? strstr(log, needle) : NULL;
			long messages = line ? strtol(line + strlen(needle), NULL, 10) : 0;
			free(log);
			if (messages > 0) {
				tap_diag("%s's Xwayland: %ld messages checked by its proxy", level,
						messages);
				break;
			}
			session_assert_msg(s, session_now_ms() < until,
					"no proxy checked %s's Xwayland's messages", level);
			session_sleep_ms(50);
		}
	}
	session_stop(s);
}

static const struct tap_test tap_tests[] = {
	TAP_CASE(x11_windows_are_windows_of_their_level),
	TAP_CASE(override_redirect_windows_stay_in_their_level),
	TAP_CASE(x11_grabs_stay_in_their_level),
	TAP_CASE(x11_keyloggers_hear_only_their_level),
	TAP_CASE(x11_programs_cannot_take_focus),
	TAP_CASE(x11_fullscreen_is_the_level_s_column),
	TAP_CASE(x11_clipboard_is_its_level_s),
};

int
main(int argc, char **argv)
{
	return tap_main(argc, argv, tap_tests, sizeof(tap_tests) / sizeof(tap_tests[0]));
}
