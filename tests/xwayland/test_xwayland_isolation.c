// SPDX-License-Identifier: MIT
/*
 * The levels' X servers kept apart, with a real strata, real Xwayland in
 * real cages and real X11 programs (xterm, xwininfo, xdpyinfo, xdotool;
 * socat for a raw abstract-socket connection):
 *
 * - an X server's sockets reach its own level's cages only: nothing on the
 *   host's /tmp/.X11-unix, no abstract socket in the host's network
 *   namespace (which a cage with network = shared is in), xwininfo in a
 *   cage lists its own level's windows and never the other level's;
 * - XTEST is off unless the level turns it on (with RECORD: Xwayland has
 *   one switch for both), and even then xdotool in one level types into
 *   that level's windows only;
 * - killing one level's Xwayland ends that level's X11 programs only, and
 *   the level gets an X server again;
 * - xwayland = no leaves a level without X11, xwayland = yes starts it
 *   before any X11 program asks.
 *
 * Programs in cages report into files in their level's home
 * (DATA_DIR/LEVEL/home), written whole (a .part file renamed) so that the
 * test waits for a file to exist, never for a time to pass. What must not
 * reach a window is proved by order, not by waiting: the compositor types a
 * line after the attempt, and the window's reader (head -n1, cat) must have
 * got exactly that line, with nothing before it.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>
#include "strata_test.h"

/* The cages' uids when the configuration sets none: 4000 + the level's
 * index (compositor/session.c). */
#define LOW_UID 4000
#define HIGH_UID 4001
#define LEVELS_UP_MS 10000
#define MAP_MS 15000 /* an xterm, its level's Xwayland started for it */
#define REPORT_MS 15000
#define GONE_MS 10000
#define TYPED_MS 5000
/* wlroots (0.15.1) means to start an Xwayland again itself only when it
 * ran more than 5 s (whole seconds of time(), hence 6 s to be sure); in
 * fact server_finish_process() zeroes server_start before the check, so
 * it always does. */
#define LONG_LIVED_MS 6000
#define SHORT_LIVED_MS 4500
/* What wlroots logs (-d) when it starts an Xwayland again itself, and
 * what strata logs when low's ends. */
#define WLROOTS_RESTART "Restarting Xwayland (lazy)"
#define XWAYLAND_ENDED "level low: Xwayland ended after"

#define COLOURS_LOW "colour = #2e7d32\n"
#define COLOURS_HIGH "colour = #c62828\n"

/* ---- sessions, files, programs in cages ----------------------------------- */

static struct strata_session *
start_session_opts(const char *config, bool debug)
{
	session_require_program("bwrap");
	session_require_program("Xwayland");
	session_require_program("xterm");
	struct session_options opts = { .config = config, .debug = debug };
	struct strata_session *s = session_start(&opts);
	session_assert_msg(s,
			session_wait_level(s, "low", true, LEVELS_UP_MS) &&
					session_wait_level(s, "high", true, LEVELS_UP_MS),
			"the levels' proxies did not come up");
	return s;
}

static struct strata_session *
start_session(const char *config)
{
	return start_session_opts(config, false);
}

static void
unique_name(char *out, size_t size, const char *what)
{
	static unsigned seq;
	snprintf(out, size, "%s-%d-%llu-%u", what, (int)getpid(),
			(unsigned long long)session_now_ms(), ++seq);
}

static void
home_path(struct strata_session *s, const char *level, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s/home/%s", s->data_dir, level, name);
}

/* A file of a level's home once it exists (malloc'd); NULL on timeout. */
static char *
wait_home_file(struct strata_session *s, const char *level, const char *name, int timeout_ms)
{
	char path[512];
	home_path(s, level, name, path, sizeof(path));
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		char *text = session_read_file(path, NULL);
		if (text) {
			return text;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return NULL;
}

/* Waits until a file of a level's home holds text; false on timeout. */
static bool
wait_home_text(struct strata_session *s, const char *level, const char *name, const char *text,
		int timeout_ms)
{
	char path[512];
	home_path(s, level, name, path, sizeof(path));
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		char *data = session_read_file(path, NULL);
		bool found = data && strstr(data, text);
		free(data);
		if (found) {
			return true;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return false;
}

/*
 * Runs a shell script in a level's cage (strata-run) with its stdout and
 * stderr going to a report in the level's home, renamed into place when
 * the script is done; returns the report (malloc'd).
 */
static char *
run_report(struct strata_session *s, const char *level, const char *what, const char *body)
{
	char name[128];
	unique_name(name, sizeof(name), what);
	size_t size = strlen(body) + 512;
	char *script = malloc(size);
	session_assert(s, script != NULL);
	snprintf(script, size,
			"R=\"$HOME/%s\"\n"
			"{\n%s\n} > \"$R.part\" 2>&1\n"
			"mv \"$R.part\" \"$R\"\n",
			name, body);
	const char *argv[] = { "sh", "-c", script, NULL };
	session_cage_launch(s, level, argv);
	free(script);
	char *text = wait_home_file(s, level, name, REPORT_MS);
	session_assert_msg(s, text != NULL, "%s in the %s cage wrote no report within %d ms", what,
			level, REPORT_MS);
	tap_diag("%s in %s:\n%s", what, level, text);
	return text;
}

/* The tail of what a level's cages printed (RUNTIME_DIR/log-LEVEL), as
 * diagnostics. */
static void
dump_level_log(struct strata_session *s, const char *level)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/log-%s", s->runtime_dir, level);
	size_t len = 0;
	char *text = session_read_file(path, &len);
	if (!text) {
		tap_diag("no log of %s's cages at %s", level, path);
		return;
	}
	const char *tail = len > 3000 ? text + len - 3000 : text;
	tap_diag("---- %s's cages (%s), last bytes ----\n%s\n---- end ----", level, path, tail);
	free(text);
}

/* An xterm in a level's cage titled title, running command; waits until
 * its window maps. */
static void
start_xterm(struct strata_session *s, const char *level, const char *title, const char *command,
		struct window_info *out)
{
	const char *argv[] = { "xterm", "-T", title, "-e", "sh", "-c", command, NULL };
	session_cage_launch(s, level, argv);
	struct window_match match = { .level = level, .title_contains = title };
	if (!session_wait_window(s, &match, out, MAP_MS)) {
		dump_level_log(s, level);
		char *windows = session_ctl_ok(s, "windows");
		char *servers = session_ctl_ok(s, "xwayland");
		tap_diag("windows:\n%s\nX servers:\n%s", windows, servers);
		free(windows);
		free(servers);
	}
	session_assert_msg(s, session_find_window(s, &match, out),
			"xterm \"%s\" in the %s cage never mapped as a window of %s", title, level,
			level);
	tap_diag("xterm \"%s\" mapped: window %u, level %s, app_id \"%s\"", title, out->id,
			out->level, out->app_id);
}

/* Clicks a window and waits until the compositor gives it focus. */
static void
focus_window(struct strata_session *s, unsigned id)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, id, &x, &y),
			"window %u has no visible point to click", id);
	free(session_ctl_ok(s, "click %d %d", x, y));
	uint64_t deadline = session_now_ms() + 3000;
	unsigned focused = 0;
	while (!session_focused(s, &focused, NULL, 0) || focused != id) {
		session_assert_msg(s, session_now_ms() < deadline,
				"window %u never got focus from a click at %d,%d (focused: %u)", id,
				x, y, focused);
		session_sleep_ms(20);
	}
}

/*
 * Clicks an X11 window of a level and waits, besides the compositor's
 * focus, for its X server's own (the XWM sets it over its X11 connection,
 * keys come over Wayland: either may come first): xdotool in the level
 * reads the focused window's title until it is the window's, at most 5 s.
 */
static void
focus_x11_window(struct strata_session *s, const char *level, unsigned id, const char *title)
{
	focus_window(s, id);
	char script[512];
	snprintf(script, sizeof(script),
			"i=0; while [ $i -lt 100 ]; do\n"
			"  t=$(xdotool getwindowfocus getwindowname 2>/dev/null)\n"
			"  if [ \"$t\" = \"%s\" ]; then break; fi\n"
			"  sleep 0.05; i=$((i + 1))\n"
			"done\n"
			"if [ $i -lt 100 ]; then echo \"x focus ok\"; else echo \"x focus is on [$t]\"; fi\n",
			title);
	char *report = run_report(s, level, "x-focus", script);
	session_assert_msg(s, strstr(report, "x focus ok"),
			"%s's X server never gave its focus to \"%s\" after the compositor did",
			level, title);
	free(report);
}

/* The compositor types a line (as the user would). */
static void
type_line(struct strata_session *s, const char *text)
{
	free(session_ctl_ok(s, "type %s", text));
	free(session_ctl_ok(s, "key Return"));
}

/* ---- the `xwayland` request ----------------------------------------------- */

struct xw_state {
	int display;
	int running;
	unsigned restarts;
};

static void
xw_state(struct strata_session *s, const char *level, struct xw_state *out)
{
	char *reply = session_ctl_ok(s, "xwayland");
	char needle[64];
	snprintf(needle, sizeof(needle), "xwayland level=%s ", level);
	const char *line = strstr(reply, needle);
	session_assert_msg(s, line != NULL, "`xwayland` has no line for %s: %s", level, reply);
	session_assert_msg(s,
			sscanf(line + strlen(needle), "display=%d running=%d restarts=%u",
					&out->display, &out->running, &out->restarts) == 3,
			"`xwayland`: unexpected line for %s: %s", level, reply);
	free(reply);
}

/* How many times the compositor's log says needle so far. */
static int
log_count(struct strata_session *s, const char *needle)
{
	char *log = session_read_file(s->log, NULL);
	session_assert_msg(s, log != NULL, "cannot read %s", s->log);
	int count = 0;
	for (const char *p = log; (p = strstr(p, needle)); p += strlen(needle)) {
		count++;
	}
	free(log);
	return count;
}

/* ---- processes on the host ------------------------------------------------ */

/* Name, real uid and parent of a process; false once it is gone. */
static bool
process_status(pid_t pid, char *name, size_t name_size, uid_t *uid, pid_t *ppid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *text = session_read_file(path, NULL);
	if (!text) {
		return false;
	}
	bool ok = true;
	const char *p = strstr(text, "Name:\t");
	if (p && name) {
		size_t len = strcspn(p + 6, "\n");
		snprintf(name, name_size, "%.*s", (int)len, p + 6);
	}
	ok = ok && p;
	p = strstr(text, "\nUid:\t");
	unsigned long value = 0;
	ok = ok && p && sscanf(p + 6, "%lu", &value) == 1;
	if (uid) {
		*uid = (uid_t)value;
	}
	p = strstr(text, "\nPPid:\t");
	long parent = 0;
	ok = ok && p && sscanf(p + 7, "%ld", &parent) == 1;
	if (ppid) {
		*ppid = (pid_t)parent;
	}
	free(text);
	return ok;
}

static bool
process_alive(pid_t pid)
{
	char name[64];
	return process_status(pid, name, sizeof(name), NULL, NULL);
}

static bool
descends_from(pid_t pid, pid_t ancestor)
{
	for (int depth = 0; depth < 64 && pid > 1; depth++) {
		pid_t parent;
		if (!process_status(pid, NULL, 0, NULL, &parent)) {
			return false;
		}
		if (parent == ancestor) {
			return true;
		}
		pid = parent;
	}
	return false;
}

/*
 * Processes named name running as uid that this session's compositor
 * started (pgrep -u UID -x NAME, narrowed to the compositor's descendants
 * so that another strata on the machine does not count): how many, the
 * first max of them in pids.
 */
static int
session_processes(struct strata_session *s, uid_t uid, const char *name, pid_t *pids, int max)
{
	DIR *dir = opendir("/proc");
	session_assert(s, dir != NULL);
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(dir))) {
		char *end;
		long pid = strtol(entry->d_name, &end, 10);
		if (*end || pid <= 0) {
			continue;
		}
		char comm[64];
		uid_t puid;
		if (!process_status((pid_t)pid, comm, sizeof(comm), &puid, NULL) ||
				strcmp(comm, name) != 0 || puid != uid ||
				!descends_from((pid_t)pid, s->pid)) {
			continue;
		}
		if (count < max) {
			pids[count] = (pid_t)pid;
		}
		count++;
	}
	closedir(dir);
	return count;
}

/* The one process named name as uid the compositor started. */
static pid_t
session_process(struct strata_session *s, uid_t uid, const char *name)
{
	pid_t pids[8];
	int count = session_processes(s, uid, name, pids, 8);
	session_assert_msg(s, count == 1, "%d processes %s of uid %u under the compositor, not 1",
			count, name, (unsigned)uid);
	return pids[0];
}

/* How long a process has run (from /proc/PID/stat and /proc/uptime). */
static long long
process_age_ms(struct strata_session *s, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *stat = session_read_file(path, NULL);
	char *uptime = session_read_file("/proc/uptime", NULL);
	session_assert_msg(s, stat && uptime, "process %d is gone", (int)pid);
	/* Field 22, starttime, counted after the ")" that ends the name. */
	const char *p = strrchr(stat, ')');
	unsigned long long start = 0;
	int field = 2;
	for (; p && *p && field < 22; p++) {
		if (*p == ' ') {
			field++;
		}
	}
	session_assert(s, p && sscanf(p, "%llu", &start) == 1);
	double up = 0;
	session_assert(s, sscanf(uptime, "%lf", &up) == 1);
	long ticks = sysconf(_SC_CLK_TCK);
	free(stat);
	free(uptime);
	return (long long)(up * 1000.0) - (long long)(start * 1000ULL / (unsigned long long)ticks);
}

static bool
wait_process_gone(pid_t pid, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (process_alive(pid)) {
		if (session_now_ms() >= deadline) {
			return false;
		}
		session_sleep_ms(20);
	}
	return true;
}

/* ---- sockets seen from the host ------------------------------------------- */

/* Whether /proc/net/unix (this process's network namespace) lists a socket
 * bound to the abstract name "@name". */
static bool
abstract_socket_listed(const char *name)
{
	char *table = session_read_file("/proc/net/unix", NULL);
	tap_assert(table != NULL);
	bool found = false;
	for (char *line = table; line && *line && !found;) {
		char *next = strchr(line, '\n');
		if (next) {
			*next++ = '\0';
		}
		/* Num RefCount Protocol Flags Type St Inode Path */
		const char *path = line;
		for (int field = 0; field < 7 && path; field++) {
			path += strspn(path, " ");
			path = strchr(path, ' ');
		}
		if (path) {
			path += strspn(path, " ");
			found = path[0] == '@' && strcmp(path + 1, name) == 0;
		}
		line = next;
	}
	free(table);
	return found;
}

/* A listening abstract socket of the test's, in the host's namespace. */
static int
abstract_listener(const char *name)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	tap_assert(fd >= 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	memcpy(addr.sun_path + 1, name, strlen(name));
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	tap_assert_msg(bind(fd, (struct sockaddr *)&addr, len) == 0, "bind @%s: %s", name,
			strerror(errno));
	tap_assert(listen(fd, 8) == 0);
	return fd;
}

/* What went wrong so far, to report every broken check at once. */
struct problems {
	char text[8192];
	size_t used;
	int count;
};

static void problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
problem(struct problems *p, const char *fmt, ...)
{
	p->count++;
	size_t room = sizeof(p->text) - p->used;
	if (room < 2) {
		return;
	}
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(p->text + p->used, room - 1, fmt, args);
	va_end(args);
	p->used += n < 0 ? 0 : (size_t)n < room - 1 ? (size_t)n : room - 2;
	p->text[p->used++] = '\n';
	p->text[p->used] = '\0';
}

/* ---- 1. sockets ------------------------------------------------------------ */

/*
 * low (network = shared: its cages are in the host's network namespace,
 * the test's) and high (network none) each run an xterm titled with a
 * marker. (a) From the host: no X<N> in /tmp/.X11-unix for strata's
 * display numbers (they are in strata's own /tmp/.X11-unix, checked
 * through /proc/PID/root), no abstract @/tmp/.X11-unix/X<N> in the host's
 * network namespace. (b) xwininfo -root -tree in each level lists its own
 * marker, not the other's. (c) From the low cage: socat reaches an
 * abstract socket of the test's (so the cage is in the host's namespace)
 * but neither abstract X socket, and an X client (libxcb tries the
 * abstract socket @/tmp/.X11-unix/X<N> first, then the path, which the
 * cage does not have but for its own X0) opens none of strata's displays
 * other than its own :0, and never lists the high marker. Xwayland admits
 * local clients of its own uid only (LocalAccessScopeUser), so another
 * level's X client is refused even where it reaches the socket: socat, not
 * xwininfo, tells whether an abstract socket is reachable.
 */
static void
x_sockets_reach_only_their_level(void)
{
	session_require_program("xwininfo");
	session_require_program("socat");
	struct strata_session *s = start_session("[level low]\n" COLOURS_LOW "network = shared\n"
						 "[level high]\n" COLOURS_HIGH);
	char low_marker[96], high_marker[96];
	unique_name(low_marker, sizeof(low_marker), "xiso-low");
	unique_name(high_marker, sizeof(high_marker), "xiso-high");
	struct window_info low_win, high_win;
	start_xterm(s, "low", low_marker, "cat > /dev/null", &low_win);
	start_xterm(s, "high", high_marker, "cat > /dev/null", &high_win);
	session_assert_msg(s, strcmp(low_win.app_id, "XTerm") == 0,
			"the low xterm's app_id is \"%s\", not its X11 class XTerm",
			low_win.app_id);

	struct xw_state low, high;
	xw_state(s, "low", &low);
	xw_state(s, "high", &high);
	session_assert_msg(s, low.running == 1 && high.running == 1,
			"each level's Xwayland should run: low running=%d, high running=%d",
			low.running, high.running);
	session_assert_msg(s, low.display >= 0 && high.display >= 0 && low.display != high.display,
			"displays: low :%d, high :%d", low.display, high.display);
	tap_diag("strata's displays: low :%d, high :%d", low.display, high.display);
	const int displays[2] = { low.display, high.display };
	const char *const names[2] = { "low", "high" };
	struct problems p = { .used = 0 };

	/* (a) The host. The test's own abstract socket shows the table is
	 * read right; strata's own /tmp/.X11-unix that the names are. */
	char probe_name[128];
	unique_name(probe_name, sizeof(probe_name), "strata-xiso-probe");
	int probe_fd = abstract_listener(probe_name);
	session_assert_msg(s, abstract_socket_listed(probe_name),
			"/proc/net/unix does not list the test's own abstract socket @%s: the "
			"check of strata's cannot be trusted",
			probe_name);
	for (int i = 0; i < 2; i++) {
		char path[128], inside[160];
		snprintf(path, sizeof(path), "/tmp/.X11-unix/X%d", displays[i]);
		snprintf(inside, sizeof(inside), "/proc/%d/root%s", (int)s->pid, path);
		struct stat st;
		if (lstat(inside, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			problem(&p, "(a) %s's socket %s is not in strata's own mount namespace (%s)",
					names[i], path, inside);
		}
		if (lstat(path, &st) == 0) {
			problem(&p, "(a) %s's X socket %s is on the host's /tmp/.X11-unix",
					names[i], path);
		}
		if (abstract_socket_listed(path)) {
			problem(&p,
					"(a) the abstract socket @%s (%s's X server) is in the host's "
					"network namespace, which low's cages (network = shared) are in",
					path, names[i]);
		}
	}

	/* (b) Each level's xwininfo: its own windows only. */
	char *tree = run_report(s, "high", "xwininfo-high", "xwininfo -root -tree; echo rc=$?");
	if (!strstr(tree, high_marker)) {
		problem(&p, "(b) xwininfo in high does not list high's xterm \"%s\"", high_marker);
	}
	if (strstr(tree, low_marker)) {
		problem(&p, "(b) xwininfo in high lists low's xterm \"%s\"", low_marker);
	}
	free(tree);
	tree = run_report(s, "low", "xwininfo-low", "xwininfo -root -tree; echo rc=$?");
	if (!strstr(tree, low_marker)) {
		problem(&p, "(b) xwininfo in low does not list low's xterm \"%s\"", low_marker);
	}
	if (strstr(tree, high_marker)) {
		problem(&p, "(b) xwininfo in low lists high's xterm \"%s\"", high_marker);
	}
	free(tree);

	/* (c) From low's cage, in the host's network namespace. */
	char script[2048];
	snprintf(script, sizeof(script),
			"a() { if socat -u OPEN:/dev/null \"ABSTRACT-CONNECT:$2\"; then "
			"echo \"REACHED $1\"; else echo \"denied $1\"; fi; }\n"
			"a control %s\n"
			"a low /tmp/.X11-unix/X%d\n"
			"a high /tmp/.X11-unix/X%d\n"
			"for n in $(seq 0 32); do\n"
			"  out=$(DISPLAY=:$n xwininfo -root -tree 2>&1); rc=$?\n"
			"  echo \"rc :$n $rc\"; if [ $rc = 0 ]; then echo \"$out\"; fi\n"
			"done\n"
			"ls -la /tmp/.X11-unix\n",
			probe_name, low.display, high.display);
	char *report = run_report(s, "low", "abstract-x11", script);
	close(probe_fd);
	if (!strstr(report, "REACHED control")) {
		problem(&p,
				"(c) socat in the low cage did not reach the test's abstract socket: "
				"the cage is not in the host's network namespace, the check proves "
				"nothing");
	}
	for (int i = 0; i < 2; i++) {
		char line[64];
		snprintf(line, sizeof(line), "denied %s", names[i]);
		if (!strstr(report, line)) {
			problem(&p,
					"(c) socat in the low cage (network = shared) connected to the "
					"abstract socket @/tmp/.X11-unix/X%d of %s's X server",
					displays[i], names[i]);
		}
		/* :0 is the cage's own X0 by its path: its own server. */
		snprintf(line, sizeof(line), "rc :%d 0\n", displays[i]);
		if (displays[i] != 0 && strstr(report, line)) {
			problem(&p,
					"(c) DISPLAY=:%d (%s's X server on strata's side) opened from the "
					"low cage",
					displays[i], names[i]);
		}
	}
	if (strstr(report, high_marker)) {
		problem(&p, "(c) an X client in the low cage listed high's xterm \"%s\"",
				high_marker);
	}
	if (!strstr(report, "rc :0 0\n") || !strstr(report, low_marker)) {
		problem(&p,
				"(c) DISPLAY=:0 in the low cage did not list low's own xterm: the "
				"X client there does not work, the check proves nothing");
	}
	free(report);
	session_assert_msg(s, p.count == 0, "%d check(s) failed:\n%s", p.count, p.text);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* ---- 2. XTEST --------------------------------------------------------------- */

/* xdotool in the low cage types text and Return (XTEST); its exit
 * statuses and what it said (counted, it repeats itself). */
static char *
xdotool_in_low(struct strata_session *s, const char *text)
{
	char script[512];
	snprintf(script, sizeof(script),
			"xdotool type %s 2>\"$R.err\"; echo \"type rc=$?\"\n"
			"xdotool key Return 2>>\"$R.err\"; echo \"key rc=$?\"\n"
			"sort \"$R.err\" | uniq -c; rm -f \"$R.err\"\n",
			text);
	return run_report(s, "low", "xdotool", script);
}

/* The extensions of low's X server, as xdpyinfo lists them. */
static char *
low_extensions(struct strata_session *s)
{
	char *ext = run_report(s, "low", "xdpyinfo",
			"xdpyinfo -queryExtensions | awk '/^number of extensions/ { on = 1; "
			"print; next } on && /^    / { print; next } { on = 0 }'");
	session_assert_msg(s, strstr(ext, "    XInputExtension"),
			"xdpyinfo in low did not list its server's extensions (no XInputExtension)");
	return ext;
}

/* The first line a window's reader (head -n1) got, once it got one
 * (malloc'd); NULL on timeout. */
static char *
wait_first_line(struct strata_session *s, const char *level, const char *file, int timeout_ms)
{
	char path[512];
	home_path(s, level, file, path, sizeof(path));
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		char *text = session_read_file(path, NULL);
		if (text && strchr(text, '\n')) {
			return text;
		}
		free(text);
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return NULL;
}

/* The reader of a window got exactly line, nothing before it: typed
 * there by the compositor after an attempt, it shows the attempt put
 * nothing into that window. */
static void
assert_only_line(struct strata_session *s, const char *level, const char *file, const char *line,
		const char *attempt)
{
	char expected[160];
	snprintf(expected, sizeof(expected), "%s\n", line);
	char *got = wait_first_line(s, level, file, TYPED_MS);
	session_assert_msg(s, got != NULL,
			"what the compositor typed (\"%s\") never reached %s's %s", line, level,
			file);
	session_assert_msg(s, strcmp(got, expected) == 0,
			"%s's window got \"%s\" before (or instead of) \"%s\", typed after %s: %s "
			"reached it",
			level, got, line, attempt, attempt);
	free(got);
}

/*
 * Windows: an xterm in low and one in high, a foot in high, each with a
 * reader writing what it gets to a file of its home. xdotool in low types
 * (XTEST) while the high xterm has focus, then while foot has focus, then
 * while the low xterm has focus. With XTEST off (the default) nothing
 * arrives anywhere; with XTEST on in low (xwayland_xtest and
 * xwayland_record = yes: Xwayland has one switch for both) only the low
 * xterm gets it. xdpyinfo in low says which extensions its server has.
 */
static void
xtest_session(bool xtest)
{
	struct strata_session *s = start_session(xtest ?
					"[level low]\n" COLOURS_LOW "xwayland_xtest = yes\n"
					"xwayland_record = yes\n[level high]\n" COLOURS_HIGH :
					"[level low]\n" COLOURS_LOW "[level high]\n" COLOURS_HIGH);
	tap_diag("session with XTEST %s in low", xtest ? "on" : "off (the default)");
	char low_title[96], high_title[96], foot_title[96];
	char low_file[128], high_file[128], foot_file[128], cmd[512];
	unique_name(low_title, sizeof(low_title), "xtest-low");
	unique_name(high_title, sizeof(high_title), "xtest-high");
	unique_name(foot_title, sizeof(foot_title), "xtest-foot");
	unique_name(low_file, sizeof(low_file), "typed-low");
	unique_name(high_file, sizeof(high_file), "typed-high");
	unique_name(foot_file, sizeof(foot_file), "typed-foot");
	struct window_info low_win, high_win, foot_win;
	snprintf(cmd, sizeof(cmd), "head -n1 > \"$HOME/%s\"", low_file);
	start_xterm(s, "low", low_title, cmd, &low_win);
	snprintf(cmd, sizeof(cmd), "head -n1 > \"$HOME/%s\"", high_file);
	start_xterm(s, "high", high_title, cmd, &high_win);
	snprintf(cmd, sizeof(cmd), "head -n1 > \"$HOME/%s\"", foot_file);
	const char *foot[] = { "foot", "-T", foot_title, "--", "sh", "-c", cmd, NULL };
	session_cage_launch(s, "high", foot);
	struct window_match foot_match = { .level = "high", .title_contains = foot_title };
	session_assert_msg(s, session_wait_window(s, &foot_match, &foot_win, MAP_MS),
			"foot in the high cage never mapped");

	char *ext = low_extensions(s);
	session_assert_msg(s, (strstr(ext, "    XTEST") != NULL) == xtest,
			"low's X server %s XTEST (xwayland_xtest = %s)", xtest ? "lacks" : "has",
			xtest ? "yes" : "no");
	session_assert_msg(s, (strstr(ext, "    RECORD") != NULL) == xtest,
			"low's X server %s RECORD (xwayland_record = %s)", xtest ? "lacks" : "has",
			xtest ? "yes" : "no");
	free(ext);

	/* xdotool in low while high's xterm, then high's foot, has focus. */
	struct {
		const struct window_info *win;
		const char *file;
		const char *what;
		const char *x11_title; /* NULL: a Wayland window */
	} victims[] = {
		{ &high_win, high_file, "xterm", high_title },
		{ &foot_win, foot_file, "foot", NULL },
	};
	for (size_t i = 0; i < sizeof(victims) / sizeof(victims[0]); i++) {
		if (victims[i].x11_title) {
			focus_x11_window(s, "high", victims[i].win->id, victims[i].x11_title);
		} else {
			focus_window(s, victims[i].win->id);
		}
		char injected[64], typed[64], attempt[128];
		unique_name(injected, sizeof(injected), "xdo");
		unique_name(typed, sizeof(typed), "user");
		char *report = xdotool_in_low(s, injected);
		session_assert_msg(s, xtest || strstr(report, "XTEST extension unavailable"),
				"xdotool in low did not say XTEST is unavailable");
		free(report);
		snprintf(attempt, sizeof(attempt), "xdotool in low (focus on high's %s)",
				victims[i].what);
		type_line(s, typed);
		assert_only_line(s, "high", victims[i].file, typed, attempt);
	}

	/* xdotool in low while low's own xterm has focus. */
	focus_x11_window(s, "low", low_win.id, low_title);
	char injected[64];
	unique_name(injected, sizeof(injected), "xdo");
	char *report = xdotool_in_low(s, injected);
	if (xtest) {
		session_assert_msg(s, strstr(report, "type rc=0") && strstr(report, "key rc=0"),
				"xdotool failed in low with XTEST on");
		char expected[80];
		snprintf(expected, sizeof(expected), "%s\n", injected);
		char *got = wait_first_line(s, "low", low_file, TYPED_MS);
		session_assert_msg(s, got != NULL,
				"with XTEST on in low, what xdotool typed there never reached the "
				"focused low xterm");
		session_assert_msg(s, strcmp(got, expected) == 0,
				"the low xterm got \"%s\", not the line xdotool typed (\"%s\")",
				got, injected);
		free(got);
	} else {
		session_assert_msg(s, strstr(report, "XTEST extension unavailable"),
				"xdotool in low did not say XTEST is unavailable");
		char typed[64];
		unique_name(typed, sizeof(typed), "user");
		type_line(s, typed);
		assert_only_line(s, "low", low_file, typed,
				"xdotool in low (XTEST off, focus on low's xterm)");
	}
	free(report);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* xwayland_xtest = yes alone: Xwayland cannot have XTEST without RECORD,
 * so both stay off, and strata says why. */
static void
xtest_without_record_session(void)
{
	struct strata_session *s =
			start_session("[level low]\n" COLOURS_LOW
				      "xwayland_xtest = yes\n[level high]\n" COLOURS_HIGH);
	tap_diag("session with xwayland_xtest = yes alone in low");
	char *ext = low_extensions(s);
	session_assert_msg(s, !strstr(ext, "    XTEST") && !strstr(ext, "    RECORD"),
			"xwayland_xtest = yes without xwayland_record: low's X server has XTEST or "
			"RECORD (Xwayland cannot have one without the other; both must stay off)");
	free(ext);
	char *log = session_read_file(s->log, NULL);
	session_assert_msg(s, log && strstr(log, "xwayland_xtest and xwayland_record differ"),
			"strata did not say why XTEST stays off");
	free(log);
	session_stop(s);
}

static void
xtest_off_unless_the_level_allows_it(void)
{
	session_require_program("xdotool");
	session_require_program("xdpyinfo");
	session_require_program("foot");
	xtest_session(false);
	xtest_without_record_session();
	xtest_session(true);
}

/* ---- 4. one level's Xwayland killed --------------------------------------- */

/*
 * Kills low's Xwayland (SIGKILL) once it has run for at least min_age_ms
 * or while it is younger than max_age_ms: low's xterm goes, high's X11 is
 * untouched and still takes input, strata lives, and a new xterm in low
 * maps on a new Xwayland.
 */
static void
kill_low_xwayland(struct strata_session *s, const char *low_title, long long min_age_ms,
		long long max_age_ms, const char *high_file, pid_t high_xwayland,
		const struct window_info *high_win, const char *high_title, char *next_title,
		size_t next_size)
{
	pid_t xwayland = session_process(s, LOW_UID, "Xwayland");
	pid_t xterm = session_process(s, LOW_UID, "xterm");
	struct xw_state before, high_before;
	xw_state(s, "low", &before);
	xw_state(s, "high", &high_before);
	session_assert(s, before.running == 1);
	/* Waiting on the server's age, a condition, not on luck. */
	long long age = process_age_ms(s, xwayland);
	while (age < min_age_ms) {
		session_sleep_ms(50);
		if (!process_alive(xwayland)) {
			session_dump_log(s, 400);
			session_fail(s, "low's Xwayland (pid %d) ended by itself after %lld ms",
					(int)xwayland, age);
		}
		age = process_age_ms(s, xwayland);
	}
	session_assert_msg(s, age < max_age_ms,
			"low's Xwayland was already %lld ms old: the case of one that ran less "
			"than %lld ms was not tested",
			age, max_age_ms);
	int wlroots_restarts = log_count(s, WLROOTS_RESTART);
	int ends = log_count(s, XWAYLAND_ENDED);
	tap_diag("killing low's Xwayland (pid %d, %lld ms old, display :%d, restarts=%u)",
			(int)xwayland, age, before.display, before.restarts);
	session_assert(s, kill(xwayland, SIGKILL) == 0);

	struct window_match low_match = { .level = "low", .title_contains = low_title };
	uint64_t deadline = session_now_ms() + GONE_MS;
	while (session_find_window(s, &low_match, NULL)) {
		session_assert_msg(s, session_now_ms() < deadline,
				"low's xterm window \"%s\" stayed %d ms after its Xwayland was killed",
				low_title, GONE_MS);
		session_sleep_ms(20);
	}
	session_assert_msg(s, wait_process_gone(xterm, GONE_MS),
			"low's xterm (pid %d) still runs %d ms after its X server was killed",
			(int)xterm, GONE_MS);
	session_assert_msg(s, session_compositor_alive(s),
			"strata did not survive the end of low's Xwayland");

	/* The high level's X11 is untouched. */
	struct xw_state high_after;
	xw_state(s, "high", &high_after);
	session_assert_msg(s,
			high_after.running == 1 && high_after.display == high_before.display &&
					high_after.restarts == high_before.restarts,
			"high's X server changed: display :%d running=%d restarts=%u (before :%d "
			"running=%d restarts=%u)",
			high_after.display, high_after.running, high_after.restarts,
			high_before.display, high_before.running, high_before.restarts);
	session_assert_msg(s, process_alive(high_xwayland),
			"high's Xwayland (pid %d) ended with low's", (int)high_xwayland);
	struct window_match high_match = { .level = "high", .id = high_win->id };
	session_assert_msg(s, session_find_window(s, &high_match, NULL),
			"high's xterm window %u went with low's Xwayland", high_win->id);
	focus_x11_window(s, "high", high_win->id, high_title);
	char typed[64];
	unique_name(typed, sizeof(typed), "still-typing");
	type_line(s, typed);
	session_assert_msg(s, wait_home_text(s, "high", high_file, typed, TYPED_MS),
			"high's xterm no longer takes typed text after low's Xwayland was killed");

	/* Low's X server again. Its end is logged by strata (then by wlroots
	 * when it listens again at once, in the same dispatch); else strata
	 * makes it anew after its back-off (restarts grows, display set
	 * again). An X11 program may connect at once and start the next
	 * Xwayland (running=1 again): the log, not running=0, tells that the
	 * old one was seen to go. The next xterm is started once it is. */
	struct xw_state after;
	bool by_wlroots = false, by_strata = false;
	deadline = session_now_ms() + GONE_MS;
	for (;;) {
		xw_state(s, "low", &after);
		bool seen = log_count(s, XWAYLAND_ENDED) > ends;
		by_wlroots = seen && log_count(s, WLROOTS_RESTART) > wlroots_restarts;
		by_strata = seen && after.restarts > before.restarts && after.display >= 0;
		if (by_wlroots || by_strata) {
			break;
		}
		session_assert_msg(s, session_now_ms() < deadline,
				"low's X server is not back %d ms after its Xwayland was killed "
				"(%s): display :%d running=%d restarts=%u",
				GONE_MS,
				seen ? "its end was logged" : "its end was not even logged",
				after.display, after.running, after.restarts);
		session_sleep_ms(20);
	}
	if (by_wlroots) {
		session_assert_msg(s,
				after.display == before.display &&
						after.restarts == before.restarts,
				"wlroots started low's X server again, yet its line changed: display "
				":%d restarts=%u (before :%d restarts=%u)",
				after.display, after.restarts, before.display, before.restarts);
	}
	tap_diag("low's X server after the kill: display :%d running=%d restarts=%u", after.display,
			after.running, after.restarts);
	unique_name(next_title, next_size, "xiso-low-again");
	struct window_info win;
	start_xterm(s, "low", next_title, "cat > /dev/null", &win);
	xw_state(s, "low", &after);
	session_assert_msg(s, after.running == 1, "low's `xwayland` line says running=%d",
			after.running);
	pid_t again = session_process(s, LOW_UID, "Xwayland");
	session_assert_msg(s, again != xwayland, "low's Xwayland is still pid %d", (int)again);
	tap_diag("low's new Xwayland: pid %d, display :%d, restarts=%u (%s)", (int)again,
			after.display, after.restarts,
			by_wlroots ? "started again by wlroots" : "made anew by strata");
	if (by_wlroots && age < 5000) {
		/* server_finish_process() zeroes server_start before
		 * handle_client_destroy() compares it with time(NULL). */
		tap_diag("wlroots 0.15.1 starts an Xwayland again whatever its age: strata's "
			 "own restart (restarts=) only follows one that failed to start");
	}
}

/*
 * A low xterm and a high xterm (its reader cat appends what it gets to a
 * file of high's home); low's Xwayland killed twice: once it ran less
 * than 5 s, then once it ran more (waiting on its age, read from /proc).
 * Which way low gets its X server back (wlroots or strata's supervisor)
 * is read from the log and the `xwayland` line, and said.
 */
static void
killing_a_level_xwayland_spares_the_others(void)
{
	session_require_program("xdotool");
	/* -d: the log says when wlroots starts an Xwayland again itself. */
	struct strata_session *s = start_session_opts("[level low]\n" COLOURS_LOW
						      "[level high]\n" COLOURS_HIGH,
			true);
	char low_title[96], high_title[96], high_file[128], cmd[256];
	unique_name(low_title, sizeof(low_title), "xiso-low");
	unique_name(high_title, sizeof(high_title), "xiso-high");
	unique_name(high_file, sizeof(high_file), "typed-high");
	struct window_info low_win, high_win;
	start_xterm(s, "low", low_title, "cat > /dev/null", &low_win);
	snprintf(cmd, sizeof(cmd), "cat > \"$HOME/%s\"", high_file);
	start_xterm(s, "high", high_title, cmd, &high_win);
	pid_t high_xwayland = session_process(s, HIGH_UID, "Xwayland");

	char next[96];
	tap_diag("an Xwayland that ran less than 5 s");
	kill_low_xwayland(s, low_title, 0, SHORT_LIVED_MS, high_file, high_xwayland, &high_win,
			high_title, next, sizeof(next));
	char last[96];
	tap_diag("an Xwayland that ran more than 5 s");
	kill_low_xwayland(s, next, LONG_LIVED_MS, 1000LL * 3600, high_file, high_xwayland,
			&high_win, high_title, last, sizeof(last));
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* ---- 5. xwayland = no / yes ------------------------------------------------- */

static void
xwayland_no_and_yes(void)
{
	struct strata_session *s = start_session("[level low]\n" COLOURS_LOW "xwayland = yes\n"
						 "[level high]\n" COLOURS_HIGH "xwayland = no\n");
	/* yes: low's Xwayland runs before any X11 program. */
	struct xw_state low;
	uint64_t deadline = session_now_ms() + MAP_MS;
	pid_t pids[4];
	int count = 0;
	for (;;) {
		xw_state(s, "low", &low);
		count = session_processes(s, LOW_UID, "Xwayland", pids, 4);
		if (low.running == 1 && count == 1) {
			break;
		}
		session_assert_msg(s, session_now_ms() < deadline,
				"xwayland = yes: low's Xwayland is not running %d ms after the start "
				"(running=%d, %d Xwayland processes of uid %d)",
				MAP_MS, low.running, count, LOW_UID);
		session_sleep_ms(20);
	}
	session_assert(s, low.display >= 0);
	tap_diag("low's Xwayland runs: pid %d, display :%d", (int)pids[0], low.display);

	/* no: high has no X server, no DISPLAY, and xterm there fails. */
	struct xw_state high;
	xw_state(s, "high", &high);
	session_assert_msg(s, high.display == -1 && high.running == 0,
			"xwayland = no: high's line says display=%d running=%d", high.display,
			high.running);
	/* Nor does naming a display help: the cage's :0, low's number. */
	char probe[512];
	snprintf(probe, sizeof(probe),
			"echo \"DISPLAY=[$DISPLAY]\"\n"
			"ls -A /tmp/.X11-unix; echo \"ls rc=$?\"\n"
			"xterm -T xiso-no-x -e true; echo \"xterm rc=$?\"\n"
			"DISPLAY=:0 xterm -T xiso-no-x -e true; echo \"xterm :0 rc=$?\"\n"
			"DISPLAY=:%d xterm -T xiso-no-x -e true; echo \"xterm :low rc=$?\"\n",
			low.display);
	char *report = run_report(s, "high", "no-x11", probe);
	session_assert_msg(s, strstr(report, "DISPLAY=[]\n"),
			"xwayland = no: a high cage has a DISPLAY");
	session_assert_msg(s, !strstr(report, "xterm rc=0\n") && strstr(report, "xterm rc="),
			"xwayland = no: xterm in high did not fail");
	session_assert_msg(s,
			!strstr(report, "xterm :0 rc=0\n") &&
					!strstr(report, "xterm :low rc=0\n") &&
					strstr(report, "xterm :low rc="),
			"xwayland = no: xterm in high reached an X server with DISPLAY set by hand");
	free(report);
	report = run_report(s, "low", "yes-x11", "echo \"DISPLAY=[$DISPLAY]\"\n");
	session_assert_msg(s, strstr(report, "DISPLAY=[:0]\n"),
			"xwayland = yes: a low cage has no DISPLAY=:0");
	free(report);
	session_assert_msg(s, session_processes(s, HIGH_UID, "Xwayland", pids, 4) == 0,
			"xwayland = no: an Xwayland runs as high's uid");
	struct window_match high_match = { .level = "high" };
	session_assert_msg(s, !session_find_window(s, &high_match, NULL),
			"xwayland = no: a window of high's mapped");

	/* yes, after a crash: low's server is started again by itself, with
	 * no X11 program asking for it. */
	pid_t crashed = 0;
	session_assert(s, session_processes(s, LOW_UID, "Xwayland", &crashed, 1) == 1);
	kill(crashed, SIGKILL);
	deadline = session_now_ms() + 15000;
	for (;;) {
		pid_t now = 0;
		int count = session_processes(s, LOW_UID, "Xwayland", &now, 1);
		struct xw_state state;
		xw_state(s, "low", &state);
		if (count == 1 && now != crashed && state.running == 1) {
			tap_diag("xwayland = yes: low's Xwayland %d killed, %d runs now",
					(int)crashed, (int)now);
			break;
		}
		session_assert_msg(s, session_now_ms() < deadline,
				"xwayland = yes: low's Xwayland was not started again after a crash");
		session_sleep_ms(100);
	}
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

static const struct tap_test tap_tests[] = {
	TAP_CASE_TIMEOUT(x_sockets_reach_only_their_level, 90),
	TAP_CASE_TIMEOUT(xtest_off_unless_the_level_allows_it, 150),
	TAP_CASE_TIMEOUT(killing_a_level_xwayland_spares_the_others, 90),
	TAP_CASE_TIMEOUT(xwayland_no_and_yes, 60),
};

int
main(int argc, char **argv)
{
	return tap_main(argc, argv, tap_tests, sizeof(tap_tests) / sizeof(tap_tests[0]));
}
