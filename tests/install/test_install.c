// SPDX-License-Identifier: MIT
/*
 * Strata installed (`meson install --destdir`, a staged install of this very
 * build), run from there with real cages:
 *
 * - the layout: strata, strata-run and strata-audit in bindir, every helper
 *   in libexecdir/strata and nowhere else, each root's and writable by root
 *   alone;
 * - the installed strata runs its helpers from libexecdir (what /proc says
 *   each process runs), and a program launched in a level maps its window;
 * - a helper a level's uid could have written (owned by it, or writable by
 *   a group or by everyone, or in such a directory) is refused: the log
 *   says which file and why, and the proxy never runs: the level stays
 *   down;
 * - an installed strata never takes a helper from anywhere but libexecdir,
 *   not even from beside itself;
 * - under systemd, strata says READY=1 (what boot counting waits for before
 *   it blesses a new image) only once every level is up, never while one is
 *   down.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "config.h"
#include "strata_test.h"
#include "test_fs.h"

#define TWO_LEVELS "[level low]\ncolour = #2e7d32\n[level high]\ncolour = #c62828\n"

static const char *const bin_programs[] = { "strata", "strata-audit", "strata-run" };
static const char *const helper_programs[] = { "strata-audio-level", "strata-audio-mux",
	"strata-auth", "strata-cage-proxy", "strata-clipboard-guard", "strata-xwayland-launcher" };
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct stage {
	char root[64]; /* the DESTDIR */
	char bindir[256];
	char libexecdir[256];
};

/* This build, installed under a new DESTDIR (0755: the levels' uids may
 * walk into it, as into /usr). */
static void
stage_install(struct stage *st)
{
	const char *build = getenv("STRATA_BUILD_ROOT");
	if (!build || !*build) {
		tap_fail("STRATA_BUILD_ROOT is not set: run the tests through `meson test`");
	}
	snprintf(st->root, sizeof(st->root), "/tmp/istage-XXXXXX");
	if (!mkdtemp(st->root) || chmod(st->root, 0755) < 0) {
		tap_fail("mkdtemp %s: %s", st->root, strerror(errno));
	}
	snprintf(st->bindir, sizeof(st->bindir), "%s%s", st->root, STRATA_BINDIR);
	snprintf(st->libexecdir, sizeof(st->libexecdir), "%s%s", st->root, STRATA_LIBEXECDIR);
	char log[128];
	snprintf(log, sizeof(log), "%s.log", st->root);
	pid_t pid = fork();
	if (pid == 0) {
		FILE *out = freopen(log, "w", stdout);
		if (!out || dup2(STDOUT_FILENO, STDERR_FILENO) < 0) {
			_exit(126);
		}
		execlp("meson", "meson", "install", "-C", build, "--no-rebuild", "--destdir",
				st->root, (char *)NULL);
		_exit(127);
	}
	int status;
	tap_assert(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *text = session_read_file(log, NULL);
		tap_fail("meson install --destdir %s failed (status %d): %s", st->root, status,
				text ? text : "(no output)");
	}
	unlink(log);
}

static void
stage_remove(struct stage *st)
{
	test_remove_tree(st->root);
}

static void
stage_path(const char *dir, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", dir, name);
}

/* The installed strata (and strata-run) are the ones the harness starts. */
static struct strata_session *
stage_start(struct stage *st)
{
	char bin[PATH_MAX], run[PATH_MAX];
	stage_path(st->bindir, "strata", bin, sizeof(bin));
	stage_path(st->bindir, "strata-run", run, sizeof(run));
	setenv("STRATA_BIN", bin, 1);
	setenv("STRATA_RUN_BIN", run, 1);
	struct session_options opts = { .config = TWO_LEVELS };
	return session_start(&opts);
}

/* Names of the regular files in dir, sorted, joined by spaces. */
static void
list_dir(const char *dir, char *out, size_t size)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			size_t len = strlen(out);
			snprintf(out + len, size - len, "%s%s", len ? " " : "", names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
}

static void
join(const char *const *names, size_t count, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s%s", i ? " " : "", names[i]);
	}
}

/* How many running processes execute exactly path. */
static int
processes_running(const char *path)
{
	DIR *proc = opendir("/proc");
	tap_assert(proc);
	int count = 0;
	struct dirent *e;
	while ((e = readdir(proc))) {
		char link[300], exe[PATH_MAX];
		if (e->d_name[0] < '1' || e->d_name[0] > '9') {
			continue;
		}
		snprintf(link, sizeof(link), "/proc/%s/exe", e->d_name);
		ssize_t n = readlink(link, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			count += strcmp(exe, path) == 0;
		}
	}
	closedir(proc);
	return count;
}

/* The installed strata run by hand, headless, as root with its lock's user
 * root: its exit status (or -1 if it runs for 20 s), its output in out. */
static int
run_staged_strata(struct stage *st, char *out, size_t size)
{
	char dir[] = "/tmp/irun-XXXXXX", config[64], data[64], log[64], bin[PATH_MAX];
	tap_assert(mkdtemp(dir));
	snprintf(config, sizeof(config), "%s/strata.ini", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	stage_path(st->bindir, "strata", bin, sizeof(bin));
	tap_assert(test_write_file(config, TWO_LEVELS "[lock]\nuser = root\n"));
	tap_assert(mkdir(data, 0711) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		FILE *f = freopen(log, "w", stdout);
		if (!f || dup2(STDOUT_FILENO, STDERR_FILENO) < 0) {
			_exit(126);
		}
		setenv("XDG_RUNTIME_DIR", dir, 1);
		execl(bin, bin, "--headless", "640x480", "-c", config, "--data-dir", data,
				(char *)NULL);
		_exit(127);
	}
	tap_assert(pid > 0);
	int status = -1;
	uint64_t deadline = session_now_ms() + 20000;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (session_now_ms() > deadline) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
			status = -1;
			break;
		}
		session_sleep_ms(20);
	}
	char *text = session_read_file(log, NULL);
	snprintf(out, size, "%s", text ? text : "");
	free(text);
	test_remove_tree(dir);
	return status;
}

static bool
log_has(struct strata_session *s, const char *text)
{
	char *log = session_read_file(s->log, NULL);
	bool found = log && strstr(log, text);
	free(log);
	return found;
}

static void
installed_layout(void)
{
	struct stage st;
	stage_install(&st);
	char have[1024], want[1024];
	list_dir(st.bindir, have, sizeof(have));
	join(bin_programs, COUNT(bin_programs), want, sizeof(want));
	tap_assert_msg(strcmp(have, want) == 0, "bindir holds \"%s\", not \"%s\"", have, want);
	list_dir(st.libexecdir, have, sizeof(have));
	join(helper_programs, COUNT(helper_programs), want, sizeof(want));
	tap_assert_msg(strcmp(have, want) == 0, "libexecdir/strata holds \"%s\", not \"%s\"", have,
			want);
	for (size_t i = 0; i < COUNT(helper_programs); i++) {
		char path[PATH_MAX];
		struct stat sb;
		stage_path(st.libexecdir, helper_programs[i], path, sizeof(path));
		tap_assert(stat(path, &sb) == 0);
		tap_assert_msg(sb.st_uid == 0 && !(sb.st_mode & 022) && (sb.st_mode & 0111),
				"%s: uid %u mode %04o", path, (unsigned)sb.st_uid,
				(unsigned)(sb.st_mode & 07777));
	}
	char templ[PATH_MAX];
	snprintf(templ, sizeof(templ), "%s%s/audio/level-pipewire.conf.in", st.root,
			STRATA_DATADIR);
	tap_assert_msg(access(templ, R_OK) == 0, "no %s", templ);
	stage_remove(&st);
}

static void
installed_strata_runs_installed_helpers(void)
{
	session_require_program("bwrap");
	session_require_program("weston-simple-shm");
	struct stage st;
	stage_install(&st);
	struct strata_session *s = stage_start(&st);
	session_assert_msg(s,
			session_wait_level(s, "low", true, 10000) &&
					session_wait_level(s, "high", true, 10000),
			"the installed strata's levels never came up");
	char proxy[PATH_MAX], guard[PATH_MAX];
	stage_path(st.libexecdir, "strata-cage-proxy", proxy, sizeof(proxy));
	stage_path(st.libexecdir, "strata-clipboard-guard", guard, sizeof(guard));
	int proxies = processes_running(proxy), guards = processes_running(guard);
	session_assert_msg(s, proxies == 2 && guards == 1,
			"%d processes run %s (2 wanted) and %d run %s (1 wanted)", proxies, proxy,
			guards, guard);
	const char *shm[] = { "weston-simple-shm", NULL };
	session_cage_launch(s, "high", shm);
	struct window_match high = { .level = "high" };
	session_assert_msg(s, session_wait_window(s, &high, NULL, 10000),
			"weston-simple-shm, launched in high by the installed strata-run, never "
			"mapped");
	session_stop(s);
	stage_remove(&st);
}

/* The installed strata, with its proxy made untrustworthy by change():
 * refused with why in the log, no proxy runs, the levels stay down. */
/* Pixels of 0xRRGGBB below the banner, in a fresh screenshot. */
static long
census_below_banner(struct strata_session *s, uint32_t rgb)
{
	int w, h;
	uint32_t *px = session_screenshot(s, &w, &h);
	long n = session_census(s, px, w, h, 0, SESSION_BANNER_HEIGHT, w, h - SESSION_BANNER_HEIGHT,
			rgb, "below the banner");
	free(px);
	return n;
}

static bool
chooser_shown(struct strata_session *s, void *data)
{
	return census_below_banner(s, 0xe0e0e0) > 0; /* chooser.c's border */
}

/* With every level down, Logo+Return's chooser says so and a digit
 * chooses nothing: the chooser stays up. */
static void
chooser_refuses_down_levels(struct strata_session *s)
{
	free(session_ctl_ok(s, "key logo+Return"));
	session_assert_msg(s, session_wait_for(chooser_shown, s, NULL, 5000),
			"Logo+Return showed no chooser");
	session_sleep_ms(300); /* past the chooser's type-ahead guard */
	free(session_ctl_ok(s, "key 1"));
	free(session_ctl_ok(s, "key 2"));
	session_assert_msg(s, chooser_shown(s, NULL),
			"a digit for a level that is down was taken as an answer");
	struct window_info *all = NULL;
	session_assert(s, session_windows(s, &all) == 0);
	free(all);
}

static void
proxy_refused(struct stage *st, const char *why, bool check_chooser)
{
	char proxy[PATH_MAX];
	stage_path(st->libexecdir, "strata-cage-proxy", proxy, sizeof(proxy));
	struct strata_session *s = stage_start(st);
	/* The proxies are started, or refused, before strata is ready. */
	session_assert_msg(s, log_has(s, "refusing ") && log_has(s, why),
			"the log does not say the proxy is refused because \"%s\"", why);
	session_assert_msg(s, processes_running(proxy) == 0, "%s runs", proxy);
	session_assert_msg(s, !session_level_up(s, "low") && !session_level_up(s, "high"),
			"a level is up without its proxy");
	if (check_chooser) {
		chooser_refuses_down_levels(s);
	}
	session_stop(s);
}

static void
untrusted_helpers_are_refused(void)
{
	struct stage st;
	stage_install(&st);
	char proxy[PATH_MAX], why[PATH_MAX + 64];

	stage_path(st.libexecdir, "strata-cage-proxy", proxy, sizeof(proxy));
	tap_assert(chmod(proxy, 0775) == 0);
	snprintf(why, sizeof(why), "%s is writable by its group (mode 0775)", proxy);
	proxy_refused(&st, why, true);

	tap_assert(chmod(proxy, 0757) == 0);
	snprintf(why, sizeof(why), "%s is writable by everyone (mode 0757)", proxy);
	proxy_refused(&st, why, false);

	/* A level's uid (4000 is the first level's, by default). */
	tap_assert(chmod(proxy, 0755) == 0 && chown(proxy, 4000, 4000) == 0);
	snprintf(why, sizeof(why), "%s is owned by uid 4000, not root", proxy);
	proxy_refused(&st, why, false);

	/* The files are fine; the directory holding them is not. Then every
	 * helper is refused, strata-auth too, and strata does not start: a
	 * session that could not be unlocked is never begun. */
	tap_assert(chown(proxy, 0, 0) == 0 && chmod(st.libexecdir, 0777) == 0);
	char out[8192];
	int status = run_staged_strata(&st, out, sizeof(out));
	snprintf(why, sizeof(why), "%s is writable by everyone (mode 0777)", st.libexecdir);
	tap_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
			"strata ran with its helpers' directory world-writable (status %d)",
			status);
	tap_assert_msg(strstr(out, why) && strstr(out, "cannot set up the screen lock"),
			"strata's output does not say \"%s\" and that it cannot lock: %s", why,
			out);
	tap_assert_msg(processes_running(proxy) == 0, "%s runs", proxy);
	stage_remove(&st);
}

/* Root fills both PipeWire templates into each level's configuration: a
 * template anyone may write is refused, and the level gets no sound. */
static void
untrusted_audio_template_is_refused(void)
{
	struct stage st;
	stage_install(&st);
	char pulse[512], why[1200];
	snprintf(pulse, sizeof(pulse), "%s%s/audio/level-pipewire-pulse.conf.in", st.root,
			STRATA_DATADIR);
	tap_assert(chmod(pulse, 0666) == 0);
	char bin[PATH_MAX];
	stage_path(st.bindir, "strata", bin, sizeof(bin));
	setenv("STRATA_BIN", bin, 1);
	struct session_options opts = { .config = TWO_LEVELS "[audio]\nenabled = yes\n" };
	struct strata_session *s = session_start(&opts);
	snprintf(why, sizeof(why), "refusing %s: %s is writable by everyone (mode 0666)", pulse,
			pulse);
	session_assert_msg(s, log_has(s, why) && log_has(s, "no sound"),
			"the log does not say \"%s\" and \"no sound\"", why);
	session_stop(s);
	stage_remove(&st);
}

/* A notify socket as systemd's (a datagram socket at a path), named in
 * NOTIFY_SOCKET for the strata the harness starts next. */
static int
notify_listen(char *path, size_t size)
{
	snprintf(path, size, "/tmp/inotify-%d", (int)getpid());
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	tap_assert(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	tap_assert(setenv("NOTIFY_SOCKET", path, 1) == 0);
	return fd;
}

static void
notify_close(int fd, const char *path)
{
	close(fd);
	unlink(path);
	unsetenv("NOTIFY_SOCKET");
}

/* The datagrams received so far, appended to out, one a line. */
static void
notify_read(int fd, char *out, size_t size)
{
	char buf[1024];
	ssize_t n;
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s\n", buf);
	}
}

struct notify_wait {
	int fd;
	char got[4096];
};

static bool
notify_has_ready(struct strata_session *s, void *data)
{
	struct notify_wait *w = data;
	notify_read(w->fd, w->got, sizeof(w->got));
	return strstr(w->got, "READY=1") != NULL;
}

/* How many times the log says high's proxy ended and is restarted. */
static int
high_proxy_restarts(struct strata_session *s)
{
	char *text = session_read_file(s->log, NULL);
	int n = 0;
	for (const char *p = text; p && (p = strstr(p, "proxy of high (pid ")); p++) {
		const char *eol = strchr(p, '\n');
		const char *in = strstr(p, "restarting in ");
		n += in && (!eol || in < eol);
	}
	free(text);
	return n;
}

static bool
high_restarted_thrice(struct strata_session *s, void *data)
{
	return high_proxy_restarts(s) >= 3;
}

/* high's proxy replaced by a root-owned script (as trusted as the real
 * one) that, for high only, runs the shell command high_command (the real
 * proxy's path and arguments after it); low's is the real one. */
static void
stage_high_proxy(struct stage *st, const char *high_command)
{
	char proxy[PATH_MAX], real[PATH_MAX], script[2 * PATH_MAX + 256];
	stage_path(st->libexecdir, "strata-cage-proxy", proxy, sizeof(proxy));
	stage_path(st->libexecdir, "real-cage-proxy", real, sizeof(real));
	if (access(real, X_OK) != 0) {
		tap_assert(rename(proxy, real) == 0);
	}
	snprintf(script, sizeof(script),
			"#!/bin/sh\ncase \" $* \" in *\" --level high \"*) %s %s \"$@\" ;; "
			"esac\nexec %s \"$@\"\n",
			high_command, real, real);
	unlink(proxy);
	tap_assert(test_write_file(proxy, script) && chmod(proxy, 0755) == 0);
}

/* A session whose high proxy is staged as above: no READY=1 once high's
 * proxy has ended three times, low up all along. */
static void
never_ready_while_high_fails(struct stage *st, const char *high_command, const char *what)
{
	char path[64];
	stage_high_proxy(st, high_command);
	struct notify_wait w = { .fd = notify_listen(path, sizeof(path)) };
	struct strata_session *s = stage_start(st);
	session_assert_msg(s, session_wait_for(high_restarted_thrice, s, NULL, 30000),
			"%s: high's proxy did not end three times (%d)", what,
			high_proxy_restarts(s));
	free(session_ctl_ok(s, "levels")); /* strata is past what it logged */
	notify_read(w.fd, w.got, sizeof(w.got));
	tap_diag("%s: the notify socket got: %s", what, w.got);
	session_assert_msg(s, session_level_up(s, "low"), "%s: low is not up", what);
	session_assert_msg(s, !strstr(w.got, "READY=1"), "%s: strata said READY=1: %s", what,
			w.got);
	session_assert_msg(s, strstr(w.got, "STATUS=waiting for level high\n"),
			"%s: strata did not say it waits for high: %s", what, w.got);
	session_stop(s);
	notify_close(w.fd, path);
}

static void
ready_waits_for_every_level(void)
{
	struct stage st;
	stage_install(&st);
	char path[64];

	/* Both levels come up: READY=1, and when it comes they are up. */
	struct notify_wait w = { .fd = notify_listen(path, sizeof(path)) };
	struct strata_session *s = stage_start(&st);
	session_assert_msg(s, session_wait_for(notify_has_ready, s, &w, 20000),
			"no READY=1 within 20 s; strata sent: %s", w.got);
	session_assert_msg(s, session_level_up(s, "low") && session_level_up(s, "high"),
			"READY=1 came while a level was down");
	tap_diag("notify socket: %s", w.got);
	session_stop(s);
	notify_close(w.fd, path);

	/* high's proxy never starts; then it comes up and dies a second
	 * later, over and over: low alone, or both for a moment, is not a
	 * session. */
	never_ready_while_high_fails(&st, "exit 1; :", "high's proxy fails at once");
	never_ready_while_high_fails(&st, "exec /usr/bin/timeout -s KILL 1",
			"high's proxy dies 1 s after it starts");
	stage_remove(&st);
}

static void
installed_strata_looks_in_libexecdir_only(void)
{
	struct stage st;
	stage_install(&st);
	char proxy[PATH_MAX], beside[PATH_MAX], why[PATH_MAX + 64];
	stage_path(st.libexecdir, "strata-cage-proxy", proxy, sizeof(proxy));
	stage_path(st.bindir, "strata-cage-proxy", beside, sizeof(beside));
	tap_assert(rename(proxy, beside) == 0);
	struct strata_session *s = stage_start(&st);
	snprintf(why, sizeof(why), "strata-cage-proxy is missing at %s", proxy);
	session_assert_msg(s, log_has(s, why), "the log does not say \"%s\"", why);
	session_assert_msg(s, processes_running(beside) == 0,
			"the installed strata ran the proxy from beside itself");
	session_assert(s, !session_level_up(s, "low"));
	session_stop(s);
	stage_remove(&st);
}

/* pid of a process running exactly path, other than not (0: none). */
static pid_t
process_running(const char *path, pid_t not )
{
	DIR *proc = opendir("/proc");
	tap_assert(proc);
	pid_t found = 0;
	struct dirent *e;
	while (!found && (e = readdir(proc))) {
		char link[300], exe[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/%s/exe", e->d_name);
		ssize_t n = readlink(link, exe, sizeof(exe) - 1);
		pid_t pid = (pid_t)atoi(e->d_name);
		if (n > 0 && pid > 0 && pid != not ) {
			exe[n] = '\0';
			found = strcmp(exe, path) == 0 ? pid : 0;
		}
	}
	closedir(proc);
	return found;
}

struct swap_watch {
	const char *trusted, *marker;
	pid_t killed;
};

/* The killed proxy was replaced (both levels have one again), or the
 * attacker's program ran. */
static bool
proxy_replaced(struct strata_session *s, void *data)
{
	struct swap_watch *w = data;
	return access(w->marker, F_OK) == 0 ||
			(processes_running(w->trusted) == 2 &&
					process_running(w->trusted, w->killed) &&
					session_level_up(s, "low") && session_level_up(s, "high"));
}

/*
 * libexecdir/strata is a symlink, in a directory everyone may write, to a
 * directory of root's: the helpers it leads to are trusted, and strata runs
 * them by their resolved path. Pointed elsewhere once strata runs (to a
 * proxy that leaves a mark, then runs the real one), it changes nothing:
 * the proxy restarted after a kill is the one that was checked.
 */
static void
symlinked_helpers_run_what_was_checked(void)
{
	session_require_program("bwrap");
	struct stage st;
	stage_install(&st);
	char trusted_dir[128], evil_dir[128], marker[128], trusted[256], cmd[2048];
	snprintf(trusted_dir, sizeof(trusted_dir), "%s/trusted-helpers", st.root);
	snprintf(evil_dir, sizeof(evil_dir), "%s/evil-helpers", st.root);
	snprintf(marker, sizeof(marker), "%s/evil-ran", st.root);
	snprintf(trusted, sizeof(trusted), "%s/strata-cage-proxy", trusted_dir);
	char *parent = strdup(st.libexecdir);
	*strrchr(parent, '/') = '\0';
	tap_assert(rename(st.libexecdir, trusted_dir) == 0 && chmod(parent, 0777) == 0 &&
			symlink(trusted_dir, st.libexecdir) == 0);
	snprintf(cmd, sizeof(cmd),
			"set -e; cp -a '%s' '%s'; rm '%s/strata-cage-proxy'; "
			"printf '#!/bin/sh\\ntouch %s\\nexec %s \"$@\"\\n' > '%s/strata-cage-proxy'; "
			"chmod 0755 '%s/strata-cage-proxy'",
			trusted_dir, evil_dir, evil_dir, marker, trusted, evil_dir, evil_dir);
	tap_assert_msg(system(cmd) == 0, "cannot build the attacker's helpers: %s", cmd);

	struct strata_session *s = stage_start(&st);
	session_assert_msg(s,
			session_wait_level(s, "low", true, 10000) &&
					session_wait_level(s, "high", true, 10000),
			"the levels never came up with symlinked, trusted helpers");
	session_assert_msg(s, processes_running(trusted) == 2, "the proxies do not run %s",
			trusted);
	/* The attacker points the symlink at its own helpers. */
	tap_assert(unlink(st.libexecdir) == 0 && symlink(evil_dir, st.libexecdir) == 0);
	struct swap_watch w = { trusted, marker, process_running(trusted, 0) };
	session_assert(s, w.killed > 0 && kill(w.killed, SIGKILL) == 0);
	session_assert_msg(s, session_wait_for(proxy_replaced, s, &w, 20000),
			"the killed proxy was never replaced");
	session_assert_msg(s, access(marker, F_OK) != 0,
			"strata ran the attacker's proxy through the repointed symlink");
	session_stop(s);
	free(parent);
	stage_remove(&st);
}

static const struct tap_test tap_tests[] = {
	TAP_CASE_TIMEOUT(installed_layout, 60),
	TAP_CASE_TIMEOUT(installed_strata_runs_installed_helpers, 90),
	TAP_CASE_TIMEOUT(untrusted_helpers_are_refused, 120),
	TAP_CASE_TIMEOUT(untrusted_audio_template_is_refused, 60),
	TAP_CASE_TIMEOUT(installed_strata_looks_in_libexecdir_only, 60),
	TAP_CASE_TIMEOUT(symlinked_helpers_run_what_was_checked, 90),
	TAP_CASE_TIMEOUT(ready_waits_for_every_level, 90),
};

int
main(int argc, char **argv)
{
	return tap_main(argc, argv, tap_tests, sizeof(tap_tests) / sizeof(tap_tests[0]));
}
