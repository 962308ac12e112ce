// SPDX-License-Identifier: MIT
// Integration-test harness: one real strata per test, driven through its
// test-control socket. See strata_test.h.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cairo.h>
#include "common/io.h"
#include "shm_fill.h"
#include "strata_test.h"
#include "test_fs.h"

#define CONTROL_TIMEOUT_MS 15000
#define QUIT_TIMEOUT_MS 5000
#define CLIENT_TERM_TIMEOUT_MS 2000
#define LOG_NOISE "Basic output test failed"
#define COMPOSITOR_LOG "compositor.log" /* in the session's directory */

/* ---- small utilities ---------------------------------------------------- */

/* strncpy that always terminates, without truncation warnings. */
static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

uint64_t
session_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
session_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

char *
session_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);
	for (;;) {
		ssize_t n = io_read_all(fd, buf + used, cap - used - 1);
		if (n < 0) {
			break;
		}
		used += (size_t)n;
		if (used + 1 < cap) {
			break; /* the end of the file came first */
		}
		cap *= 2;
		buf = realloc(buf, cap);
	}
	close(fd);
	buf[used] = '\0';
	if (len) {
		*len = used;
	}
	return buf;
}

/* Only ever remove a directory the compositor made with mkdtemp. */
static bool
is_compositor_runtime_dir(const char *path)
{
	const char *base = strrchr(path, '/');
	return path[0] == '/' && base && strncmp(base, "/strata-", 8) == 0 &&
			strstr(path, "/../") == NULL;
}

/* Every process whose command line mentions needle (a unique random path). */
static int
pids_mentioning(const char *needle, pid_t *out, int max)
{
	DIR *proc = opendir("/proc");
	if (!proc) {
		return 0;
	}
	int count = 0;
	struct dirent *ent;
	while ((ent = readdir(proc)) && count < max) {
		pid_t pid = (pid_t)atoi(ent->d_name);
		if (pid <= 0 || pid == getpid()) {
			continue;
		}
		char path[64], cmdline[4096];
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			continue;
		}
		ssize_t n = read(fd, cmdline, sizeof(cmdline) - 1);
		close(fd);
		if (n <= 0) {
			continue;
		}
		for (ssize_t i = 0; i < n; i++) {
			cmdline[i] = cmdline[i] ? cmdline[i] : ' ';
		}
		cmdline[n] = '\0';
		if (strstr(cmdline, needle)) {
			out[count++] = pid;
		}
	}
	closedir(proc);
	return count;
}

/* Everything past stdio closed, default signal dispositions, empty mask. */
static void
child_reset(int keep_fd)
{
	if (keep_fd >= 0 && keep_fd != 3) {
		dup2(keep_fd, 3);
	}
	close_range(keep_fd >= 0 ? 4 : 3, ~0U, 0);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++) {
		signal(sig, SIG_DFL);
	}
}

/* ---- the reaper --------------------------------------------------------- */

/*
 * A process outside the test's process group that holds the read end of a
 * pipe. The test announces every process it starts ("p PID"), forgets those it
 * reaped ("u PID") and says "d" when it cleaned up itself. EOF without "d"
 * means the test died (failed assertion, timeout): kill what is left,
 * including what the compositor started in sessions of its own, and remove
 * our directory and the compositor's runtime directory.
 */
static void
reaper_main(const char *dir)
{
	pid_t pids[2 * SESSION_MAX_CLIENTS + 4];
	int count = 0;
	char buf[512];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(3, buf + len, sizeof(buf) - len - 1);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			pid_t pid = (pid_t)atoi(line + 1);
			if (line[0] == 'd') {
				_exit(0);
			} else if (line[0] == 'p' &&
					count < (int)(sizeof(pids) / sizeof(pids[0]))) {
				pids[count++] = pid;
			} else if (line[0] == 'u') {
				for (int i = 0; i < count; i++) {
					if (pids[i] == pid) {
						pids[i] = pids[--count];
						break;
					}
				}
			}
			line = nl + 1;
		}
		len = strlen(line);
		memmove(buf, line, len);
	}
	for (int i = 0; i < count; i++) {
		if (pids[i] > 0) {
			kill(-pids[i], SIGKILL);
			kill(pids[i], SIGKILL);
		}
	}
	/* The compositor's runtime directory, from its log: the test may have
	 * died before it read that line. */
	char runtime_dir[256] = "", log[200];
	snprintf(log, sizeof(log), "%s/" COMPOSITOR_LOG, dir);
	char *text = session_read_file(log, NULL);
	const char *key = "strata: runtime directory ";
	char *found = text ? strstr(text, key) : NULL;
	if (found) {
		found += strlen(key);
		snprintf(runtime_dir, sizeof(runtime_dir), "%.*s", (int)strcspn(found, "\n"),
				found);
	}
	free(text);
	/* What the compositor started in sessions of their own (cage proxies):
	 * their command lines name its runtime directory. */
	if (is_compositor_runtime_dir(runtime_dir)) {
		pid_t left[64];
		int n = pids_mentioning(runtime_dir, left, 64);
		for (int i = 0; i < n; i++) {
			kill(left[i], SIGKILL);
		}
	}
	/* Let the compositor release its sockets before the directory goes. */
	session_sleep_ms(200);
	test_remove_tree(dir);
	if (is_compositor_runtime_dir(runtime_dir)) {
		test_remove_tree(runtime_dir);
	}
	_exit(0);
}

static void
reaper_start(struct strata_session *s)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		tap_fail("pipe2: %s", strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0) {
		tap_fail("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		setsid();
		child_reset(fds[0]);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
		signal(SIGPIPE, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		reaper_main(s->dir);
	}
	close(fds[0]);
	s->reaper_pid = pid;
	s->reaper_fd = fds[1];
}

static void
reaper_say(struct strata_session *s, char what, pid_t pid)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "%c %d\n", what, (int)pid);
	if (s->reaper_fd >= 0 && write(s->reaper_fd, line, (size_t)len) != len) {
		tap_diag("reaper: short write");
	}
}

/* ---- logs and failures -------------------------------------------------- */

static void
dump_tail(const char *title, const char *path, int lines)
{
	size_t len = 0;
	char *text = session_read_file(path, &len);
	if (!text) {
		tap_diag("%s: %s unreadable", title, path);
		return;
	}
	/* Walk back over `lines` interesting lines. */
	char *start = text + len;
	int found = 0;
	while (start > text && found <= lines) {
		char *p = start - 1;
		if (p > text && *p == '\n') {
			p--;
		}
		while (p > text && p[-1] != '\n') {
			p--;
		}
		char *end = strchr(p, '\n');
		size_t llen = end ? (size_t)(end - p) : strlen(p);
		if (!memmem(p, llen, LOG_NOISE, strlen(LOG_NOISE))) {
			found++;
		}
		if (found > lines) {
			break;
		}
		start = p;
	}
	tap_diag("---- %s (%s), last %d lines ----", title, path, lines);
	char *line = start;
	while (*line) {
		char *end = strchr(line, '\n');
		if (end) {
			*end = '\0';
		}
		if (!strstr(line, LOG_NOISE)) {
			tap_diag("| %s", line);
		}
		if (!end) {
			break;
		}
		line = end + 1;
	}
	tap_diag("---- end of %s ----", title);
	free(text);
}

void
session_dump_log(struct strata_session *s, int lines)
{
	dump_tail("compositor log", s->log, lines);
}

static struct session_client *
find_client(struct strata_session *s, pid_t pid)
{
	for (int i = 0; i < SESSION_MAX_CLIENTS; i++) {
		if (pid > 0 && s->clients[i].pid == pid) {
			return &s->clients[i];
		}
	}
	return NULL;
}

void
session_dump_client_log(struct strata_session *s, pid_t pid, int lines)
{
	struct session_client *c = find_client(s, pid);
	if (c) {
		dump_tail(c->name, c->log, lines);
	}
}

static void
reap_compositor(struct strata_session *s, int options)
{
	if (s->exited || s->pid <= 0) {
		return;
	}
	int status;
	pid_t r = waitpid(s->pid, &status, options);
	if (r == s->pid) {
		s->exited = true;
		s->exit_status = status;
		reaper_say(s, 'u', s->pid);
	}
}

static void
describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status)) {
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
				strsignal(WTERMSIG(status)));
	} else {
		snprintf(buf, size, "status 0x%x", status);
	}
}

void
session_fail_at(struct strata_session *s, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list args;
	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	if (s) {
		reap_compositor(s, WNOHANG);
		if (s->exited) {
			char how[96];
			describe_status(s->exit_status, how, sizeof(how));
			tap_diag("the compositor has exited: %s", how);
		}
		session_dump_log(s, 40);
	}
	tap_fail_at(file, line, "%s", msg);
}

/* ---- spawning ----------------------------------------------------------- */

/*
 * fork + exec with stdin from /dev/null and stdout+stderr appended to log.
 * env: "NAME=VALUE" to set, "NAME" to unset. Returns the pid, or -errno when
 * exec failed (reported back through a close-on-exec pipe).
 */
static pid_t
spawn(char *const argv[], const char *const env[], const char *log, bool new_session)
{
	int err[2];
	if (pipe2(err, O_CLOEXEC) < 0) {
		return -errno;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(err[0]);
		close(err[1]);
		return -e;
	}
	if (pid == 0) {
		if (new_session) {
			setsid();
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) {
			_exit(127);
		}
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (null < 0 || out < 0) {
			_exit(127);
		}
		dup2(null, 0);
		dup2(out, 1);
		dup2(out, 2);
		child_reset(err[1]);
		fcntl(3, F_SETFD, FD_CLOEXEC);
		for (size_t i = 0; env && env[i]; i++) {
			const char *eq = strchr(env[i], '=');
			if (eq) {
				char name[128];
				snprintf(name, sizeof(name), "%.*s", (int)(eq - env[i]), env[i]);
				setenv(name, eq + 1, 1);
			} else {
				unsetenv(env[i]);
			}
		}
		execvp(argv[0], argv);
		int e = errno;
		dprintf(2, "exec %s: %s\n", argv[0], strerror(e));
		if (write(3, &e, sizeof(e)) < 0) {
			_exit(126);
		}
		_exit(127);
	}
	close(err[1]);
	int e = 0;
	ssize_t n = io_read_all(err[0], &e, sizeof(e));
	close(err[0]);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		return -e;
	}
	return pid;
}

/* ---- session start / stop ------------------------------------------------ */

static bool
parse_ready_line(struct strata_session *s, const char *line)
{
	char name[32];
	if (strncmp(line, "strata: runtime directory ", 26) == 0) {
		snprintf(s->runtime_dir, sizeof(s->runtime_dir), "%s", line + 26);
	} else if (strncmp(line, "strata: core socket ", 20) == 0) {
		snprintf(s->core_socket, sizeof(s->core_socket), "%s", line + 20);
	} else if (strncmp(line, "strata: test-control socket ", 28) == 0) {
		snprintf(s->control_socket, sizeof(s->control_socket), "%s", line + 28);
	} else if (strncmp(line, "strata: level ", 14) == 0 &&
			s->level_count < SESSION_MAX_LEVELS) {
		const char *p = line + 14;
		const char *sp = strstr(p, " socket ");
		if (sp && sp - p < (long)sizeof(name)) {
			struct session_level *l = &s->levels[s->level_count++];
			snprintf(l->name, sizeof(l->name), "%.*s", (int)(sp - p), p);
			snprintf(l->socket, sizeof(l->socket), "%s", sp + 8);
		}
	} else if (strcmp(line, "strata: ready") == 0) {
		return true;
	}
	return false;
}

static void
wait_ready(struct strata_session *s)
{
	int fd = open(s->log, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		session_fail(s, "open %s: %s", s->log, strerror(errno));
	}
	int timeout = s->opts.ready_timeout_ms > 0 ? s->opts.ready_timeout_ms : 10000;
	uint64_t deadline = session_now_ms() + (uint64_t)timeout;
	char buf[8192];
	size_t len = 0;
	bool ready = false;
	while (!ready) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len - 1);
		if (n > 0) {
			len += (size_t)n;
			buf[len] = '\0';
			char *line = buf, *nl;
			while (!ready && (nl = strchr(line, '\n'))) {
				*nl = '\0';
				ready = parse_ready_line(s, line);
				line = nl + 1;
			}
			len = strlen(line);
			memmove(buf, line, len + 1);
			if (len == sizeof(buf) - 1) {
				len = 0; /* an absurdly long line: drop it */
			}
			continue;
		}
		reap_compositor(s, WNOHANG);
		if (s->exited) {
			close(fd);
			session_fail(s, "the compositor exited before printing \"strata: ready\"");
		}
		if (session_now_ms() > deadline) {
			close(fd);
			session_fail(s, "no \"strata: ready\" from the compositor within %d ms",
					timeout);
		}
		session_sleep_ms(10);
	}
	close(fd);
	if (s->level_count == 0 || s->core_socket[0] == '\0' || s->control_socket[0] == '\0') {
		session_fail(s,
				"the compositor said ready without naming its level, core and "
				"test-control sockets");
	}
}

static void
control_connect(struct strata_session *s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(s->control_socket) >= sizeof(addr.sun_path)) {
		session_fail(s, "test-control socket path too long: %s", s->control_socket);
	}
	strcpy(addr.sun_path, s->control_socket);
	s->control_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->control_fd < 0) {
		session_fail(s, "socket: %s", strerror(errno));
	}
	if (connect(s->control_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		session_fail(s, "connect %s: %s", s->control_socket, strerror(errno));
	}
}

static void
make_dir(struct strata_session *s, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", s->dir, name);
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		tap_fail("mkdir %s: %s", out, strerror(errno));
	}
}

struct strata_session *
session_start(const struct session_options *opts)
{
	const char *bin = getenv("STRATA_BIN");
	if (!bin || !*bin) {
		tap_fail("STRATA_BIN is not set: run the integration tests through `meson test`");
	}
	struct strata_session *s = calloc(1, sizeof(*s));
	if (opts) {
		s->opts = *opts;
	}
	if (s->opts.width <= 0 || s->opts.height <= 0) {
		s->opts.width = 1920;
		s->opts.height = 1080;
	}
	s->control_fd = -1;
	s->reaper_fd = -1;
	/* No "strata" in the directory's name nor in the compositor's command
	 * line (below): a `pkill strata` or `pkill -f strata` run by someone
	 * else on the machine must not kill the compositor under test. */
	snprintf(s->dir, sizeof(s->dir), "/tmp/itest-XXXXXX");
	if (!mkdtemp(s->dir)) {
		tap_fail("mkdtemp: %s", strerror(errno));
	}
	/* Traversable (not listable): bwrap, run as a cage's user, reaches the
	 * level's home in data/ through it. The cages never see /tmp. */
	chmod(s->dir, 0711);
	reaper_start(s);
	snprintf(s->data_dir, sizeof(s->data_dir), "%s/data", s->dir);
	if (mkdir(s->data_dir, 0711) < 0) {
		tap_fail("mkdir %s: %s", s->data_dir, strerror(errno));
	}

	char xdg[200], size[32], config[200];
	make_dir(s, "xdg", xdg, sizeof(xdg));
	snprintf(s->log, sizeof(s->log), "%s/" COMPOSITOR_LOG, s->dir);
	snprintf(size, sizeof(size), "%dx%d", s->opts.width, s->opts.height);
	const char *argv[14];
	int argc = 0;
	char link[200], *target = realpath(bin, NULL);
	snprintf(link, sizeof(link), "%s/compositor-under-test", s->dir);
	if (!target || symlink(target, link) < 0) {
		tap_fail("STRATA_BIN %s: %s", bin, strerror(errno));
	}
	free(target);
	argv[argc++] = link;
	argv[argc++] = "--headless";
	argv[argc++] = size;
	argv[argc++] = "--test-control";
	if (s->opts.locked) {
		argv[argc++] = "--locked";
	}
	/* A data directory of its own: homes and audit log never shared. */
	argv[argc++] = "--data-dir";
	argv[argc++] = s->data_dir;
	/* Always a config file of our own (empty: the built-in defaults), never
	 * whatever the machine has installed in the default location. */
	snprintf(config, sizeof(config), "%s/compositor.ini", s->dir);
	/* As root, strata wants the user whose password unlocks the screen:
	 * root here, unless the test's own [lock] says otherwise. */
	char *text = NULL;
	const char *given = s->opts.config ? s->opts.config : "";
	if (asprintf(&text, "%s%s", given,
			    strstr(given, "[lock]") ? "" : "\n[lock]\nuser = root\n") < 0) {
		tap_fail("out of memory");
	}
	bool written = test_write_file(config, text);
	free(text);
	if (!written) {
		tap_fail("write %s: %s", config, strerror(errno));
	}
	argv[argc++] = "-c";
	argv[argc++] = config;
	const char *debug = getenv("STRATA_TEST_DEBUG");
	if (s->opts.debug || (debug && strcmp(debug, "1") == 0)) {
		argv[argc++] = "-d";
	}
	argv[argc] = NULL;

	char xdg_env[240];
	snprintf(xdg_env, sizeof(xdg_env), "XDG_RUNTIME_DIR=%s", xdg);
	const char *env[] = { xdg_env, "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY", NULL };
	s->pid = spawn((char *const *)argv, env, s->log, false);
	if (s->pid < 0) {
		tap_fail("cannot run %s: %s", bin, strerror(-s->pid));
	}
	reaper_say(s, 'p', s->pid);
	wait_ready(s);
	control_connect(s);
	/* screenshot-current answers with the frame on screen when nothing
	 * changed: the compositor keeps it only when asked. */
	free(session_ctl_ok(s, "keep-frames"));
	return s;
}

static void
client_reaped(struct strata_session *s, struct session_client *c, int status)
{
	c->exited = true;
	c->status = status;
	reaper_say(s, 'u', c->pid);
}

static bool
process_gone(pid_t pid)
{
	char path[64], stat[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return true;
	}
	ssize_t n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	stat[n > 0 ? n : 0] = '\0';
	const char *paren = strrchr(stat, ')');
	/* A zombie nobody reaps (no init in a container) is gone enough. */
	return !paren || paren[1] == '\0' || paren[2] == 'Z' || paren[2] == 'X';
}

/* The processes the compositor started that outlive it (cage proxies and
 * cages name its runtime directory on their command lines). */
static int
compositor_descendants(struct strata_session *s, pid_t *out, int max)
{
	if (!is_compositor_runtime_dir(s->runtime_dir)) {
		return 0;
	}
	pid_t all[64];
	int n = pids_mentioning(s->runtime_dir, all, 64), count = 0;
	for (int i = 0; i < n && count < max; i++) {
		if (all[i] != s->pid && !find_client(s, all[i])) {
			out[count++] = all[i];
		}
	}
	return count;
}

/* After the compositor exited: its children must follow within 3 s. On
 * failure, why names them; they are killed either way. */
static bool
check_descendants_gone(struct strata_session *s, const pid_t *pids, int count, char *why,
		size_t why_size)
{
	uint64_t deadline = session_now_ms() + 3000;
	int left;
	do {
		left = 0;
		for (int i = 0; i < count; i++) {
			left += !process_gone(pids[i]);
		}
		if (left > 0) {
			session_sleep_ms(20);
		}
	} while (left > 0 && session_now_ms() < deadline);
	size_t used = 0;
	for (int i = 0; i < count; i++) {
		if (!process_gone(pids[i])) {
			char path[64], cmd[120] = "";
			snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
			char *comm = session_read_file(path, NULL);
			if (comm) {
				snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(comm, "\n"), comm);
				free(comm);
			}
			if (used < why_size) {
				used += (size_t)snprintf(why + used, why_size - used, "%s%d (%s)",
						used ? ", " : "the compositor left running: ",
						(int)pids[i], cmd);
			}
			kill(pids[i], SIGKILL);
		}
	}
	return left == 0;
}

void
session_stop(struct strata_session *s)
{
	if (!s) {
		return;
	}
	bool bad = false;
	char why[256] = "";
	pid_t children[32];
	int child_count = compositor_descendants(s, children, 32);
	reap_compositor(s, WNOHANG);
	if (!s->exited) {
		char *reply = session_ctl(s, "quit");
		if (strncmp(reply, "ok", 2) != 0) {
			bad = true;
			snprintf(why, sizeof(why), "quit answered: %s", reply);
		}
		free(reply);
		uint64_t deadline = session_now_ms() + QUIT_TIMEOUT_MS;
		while (!s->exited && session_now_ms() < deadline) {
			session_sleep_ms(10);
			reap_compositor(s, WNOHANG);
		}
		if (!s->exited) {
			kill(s->pid, SIGKILL);
			reap_compositor(s, 0);
			bad = true;
			snprintf(why, sizeof(why),
					"the compositor did not exit within %d ms of quit",
					QUIT_TIMEOUT_MS);
		}
	} else {
		bad = true;
		snprintf(why, sizeof(why), "the compositor had already exited");
	}
	if (!bad && !(WIFEXITED(s->exit_status) && WEXITSTATUS(s->exit_status) == 0)) {
		bad = true;
		describe_status(s->exit_status, why, sizeof(why));
	}
	if (!check_descendants_gone(s, children, child_count, bad ? NULL : why,
			    bad ? 0 : sizeof(why))) {
		bad = true;
	}
	if (is_compositor_runtime_dir(s->runtime_dir)) {
		test_remove_tree(s->runtime_dir);
	}
	for (int i = 0; i < SESSION_MAX_CLIENTS; i++) {
		if (s->clients[i].pid > 0 && !s->clients[i].exited) {
			session_kill_client(s, s->clients[i].pid);
		}
	}
	if (bad && !s->opts.allow_bad_exit) {
		/* The reaper cleans up after us. */
		session_fail(s, "compositor shutdown: %s", why);
	}
	if (s->control_fd >= 0) {
		close(s->control_fd);
	}
	test_remove_tree(s->dir);
	if (s->reaper_fd >= 0) {
		if (write(s->reaper_fd, "d\n", 2) != 2) {
			tap_diag("reaper: short write");
		}
		close(s->reaper_fd);
	}
	if (s->reaper_pid > 0) {
		waitpid(s->reaper_pid, NULL, 0);
	}
	free(s);
}

const char *
session_socket(struct strata_session *s, const char *level)
{
	if (strcmp(level, "core") == 0) {
		return s->core_socket;
	}
	for (int i = 0; i < s->level_count; i++) {
		if (strcmp(s->levels[i].name, level) == 0) {
			return s->levels[i].socket;
		}
	}
	return NULL;
}

/* ---- test control ------------------------------------------------------- */

/* One request; the reply, or NULL with *err set (soft failure). */
static char *
control_request(struct strata_session *s, const char *request, int timeout_ms, char *err,
		size_t err_size)
{
	char line[4200];
	int len = snprintf(line, sizeof(line), "%s\n", request);
	if (len <= 0 || (size_t)len >= sizeof(line)) {
		snprintf(err, err_size, "request too long");
		return NULL;
	}
	if (!io_write_all(s->control_fd, line, (size_t)len)) {
		snprintf(err, err_size, "send to the test-control socket: %s", strerror(errno));
		return NULL;
	}
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	size_t cap = 1024, used = 0;
	char *reply = malloc(cap);
	reply[0] = '\0';
	for (;;) {
		char *nl = memchr(s->rbuf, '\n', s->rlen);
		if (nl) {
			size_t llen = (size_t)(nl - s->rbuf) + 1;
			while (used + llen + 1 > cap) {
				cap *= 2;
				reply = realloc(reply, cap);
			}
			memcpy(reply + used, s->rbuf, llen);
			char *this_line = reply + used;
			used += llen;
			reply[used] = '\0';
			memmove(s->rbuf, s->rbuf + llen, s->rlen - llen);
			s->rlen -= llen;
			if (strncmp(this_line, "ok\n", 3) == 0 ||
					strncmp(this_line, "ok ", 3) == 0 ||
					strncmp(this_line, "error", 5) == 0) {
				return reply;
			}
			continue;
		}
		if (s->rlen == sizeof(s->rbuf)) {
			snprintf(err, err_size, "reply line longer than %zu bytes",
					sizeof(s->rbuf));
			break;
		}
		int left = (int)(deadline - session_now_ms());
		if ((int64_t)(deadline - session_now_ms()) <= 0) {
			snprintf(err, err_size, "no reply to \"%s\" within %d ms", request,
					timeout_ms);
			break;
		}
		struct pollfd pfd = { .fd = s->control_fd, .events = POLLIN };
		int r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			continue;
		}
		ssize_t n = read(s->control_fd, s->rbuf + s->rlen, sizeof(s->rbuf) - s->rlen);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			snprintf(err, err_size,
					"test-control socket closed while waiting for the "
					"reply to \"%s\"",
					request);
			break;
		}
		s->rlen += (size_t)n;
	}
	free(reply);
	return NULL;
}

static char *control_vrequest(struct strata_session *s, bool must_be_ok, const char *fmt,
		va_list args) __attribute__((format(printf, 3, 0)));

static char *
control_vrequest(struct strata_session *s, bool must_be_ok, const char *fmt, va_list args)
{
	char request[4100];
	vsnprintf(request, sizeof(request), fmt, args);
	char err[512];
	char *reply = control_request(s, request, CONTROL_TIMEOUT_MS, err, sizeof(err));
	if (!reply) {
		/* Most likely the compositor died: give it a moment to be reaped,
		 * so that the failure says how. */
		for (int i = 0; i < 100 && !s->exited; i++) {
			session_sleep_ms(10);
			reap_compositor(s, WNOHANG);
		}
		session_fail(s, "test control: %s", err);
	}
	if (must_be_ok && strncmp(reply, "error", 5) == 0) {
		/* The error is on the last line; data lines never start with it. */
		session_fail(s, "test control: \"%s\" answered: %s", request, reply);
	}
	if (must_be_ok && strstr(reply, "\nerror") != NULL) {
		session_fail(s, "test control: \"%s\" answered: %s", request, reply);
	}
	return reply;
}

char *
session_ctl(struct strata_session *s, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	char *reply = control_vrequest(s, false, fmt, args);
	va_end(args);
	return reply;
}

char *
session_ctl_ok(struct strata_session *s, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	char *reply = control_vrequest(s, true, fmt, args);
	va_end(args);
	return reply;
}

const char *
session_reply_result(const char *reply)
{
	size_t len = strlen(reply);
	if (len == 0) {
		return reply;
	}
	/* Start of the final line. */
	const char *end = reply + len - 1;
	const char *last = end;
	while (last > reply && last[-1] != '\n') {
		last--;
	}
	const char *sp = strchr(last, ' ');
	return sp && sp < end ? sp + 1 : end + 1;
}

/* ---- clients ------------------------------------------------------------ */

void
session_require_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[512];
	for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, name);
		if (access(buf, X_OK) == 0) {
			return;
		}
		p = colon ? colon + 1 : NULL;
	}
	tap_unavailable("%s is not installed (a Debian package the test needs)", name);
}

int
session_run_launcher(struct strata_session *s, const char *socket, const char *level,
		const char *const *argv, char *out, size_t out_size)
{
	const char *bin = getenv("STRATA_RUN_BIN");
	if (!bin) {
		tap_unavailable("STRATA_RUN_BIN is not set (meson sets it)");
	}
	int pipe_fds[2];
	session_assert(s, pipe2(pipe_fds, O_CLOEXEC) == 0);
	pid_t pid = fork();
	session_assert(s, pid >= 0);
	if (pid == 0) {
		dup2(pipe_fds[1], STDOUT_FILENO);
		dup2(pipe_fds[1], STDERR_FILENO);
		const char *args[64] = { bin, "-s", socket, level, "--" };
		size_t n = 5;
		for (size_t i = 0; argv[i] && n < 63; i++) {
			args[n++] = argv[i];
		}
		args[n] = NULL;
		execv(bin, (char *const *)args);
		_exit(127);
	}
	close(pipe_fds[1]);
	ssize_t used = io_read_all(pipe_fds[0], out, out_size - 1);
	out[used > 0 ? used : 0] = '\0';
	close(pipe_fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

pid_t
session_cage_launch(struct strata_session *s, const char *level, const char *const *argv)
{
	char out[1024];
	int rc = session_run_launcher(s, session_socket(s, "core"), level, argv, out, sizeof(out));
	session_assert_msg(s, rc == 0, "strata-run %s %s failed (%d): %s", level, argv[0], rc, out);
	int sandbox = atoi(out);
	session_assert_msg(s, sandbox > 0, "strata-run %s %s printed no pid: %s", level, argv[0],
			out);
	return (pid_t)sandbox;
}

pid_t
session_spawn_client(struct strata_session *s, const char *level, char *const argv[])
{
	const char *socket = session_socket(s, level);
	if (!socket) {
		session_fail(s, "no socket for level \"%s\"", level);
	}
	struct session_client *c = NULL;
	for (int i = 0; i < SESSION_MAX_CLIENTS && !c; i++) {
		if (s->clients[i].pid == 0) {
			c = &s->clients[i];
		}
	}
	if (!c) {
		session_fail(s, "more than %d clients", SESSION_MAX_CLIENTS);
	}
	char rt[200], home[200], dirname[64];
	snprintf(dirname, sizeof(dirname), "rt-%s", level);
	make_dir(s, dirname, rt, sizeof(rt));
	make_dir(s, "home", home, sizeof(home));
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (argv[1] && strcmp(argv[1], "--helper") == 0 && argv[2]) {
		base = argv[2];
	}
	int seq = ++s->client_seq;
	snprintf(c->name, sizeof(c->name), "%s#%d@%s", base, seq, level);
	snprintf(c->log, sizeof(c->log), "%s/client-%d-%s-%s.log", s->dir, seq, base, level);

	char env_wl[300], env_rt[240], env_home[240], env_cfg[260], env_cache[260], env_data[260];
	snprintf(env_wl, sizeof(env_wl), "WAYLAND_DISPLAY=%s", socket);
	snprintf(env_rt, sizeof(env_rt), "XDG_RUNTIME_DIR=%s", rt);
	snprintf(env_home, sizeof(env_home), "HOME=%s", home);
	snprintf(env_cfg, sizeof(env_cfg), "XDG_CONFIG_HOME=%s/.config", home);
	snprintf(env_cache, sizeof(env_cache), "XDG_CACHE_HOME=%s/.cache", home);
	snprintf(env_data, sizeof(env_data), "XDG_DATA_HOME=%s/.local/share", home);
	const char *env[] = { env_wl, env_rt, env_home, env_cfg, env_cache, env_data,
		"WAYLAND_SOCKET", "DISPLAY", "XDG_CONFIG_DIRS", "XDG_SESSION_TYPE", NULL };
	pid_t pid = spawn(argv, env, c->log, true);
	if (pid < 0) {
		session_fail(s, "cannot run %s: %s", argv[0], strerror(-pid));
	}
	c->pid = pid;
	c->exited = false;
	reaper_say(s, 'p', pid);
	return pid;
}

pid_t
session_spawn_helper(struct strata_session *s, const char *level, const char *const args[])
{
	const char *argv[16] = { "/proc/self/exe", "--helper" };
	int argc = 2;
	for (int i = 0; args && args[i] && argc < 15; i++) {
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	return session_spawn_client(s, level, (char *const *)argv);
}

static struct session_client *
require_client(struct strata_session *s, pid_t pid)
{
	struct session_client *c = find_client(s, pid);
	if (!c) {
		session_fail(s, "pid %d is not a client of this session", (int)pid);
	}
	return c;
}

bool
session_wait_client_exit(struct strata_session *s, pid_t pid, int timeout_ms, int *status)
{
	struct session_client *c = require_client(s, pid);
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (!c->exited) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			client_reaped(s, c, st);
			break;
		}
		if (session_now_ms() >= deadline) {
			return false;
		}
		session_sleep_ms(10);
	}
	if (status) {
		*status = c->status;
	}
	return true;
}

bool
session_client_running(struct strata_session *s, pid_t pid)
{
	struct session_client *c = require_client(s, pid);
	if (!c->exited) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			client_reaped(s, c, st);
		}
	}
	return !c->exited;
}

void
session_kill_client(struct strata_session *s, pid_t pid)
{
	struct session_client *c = require_client(s, pid);
	if (!c->exited) {
		kill(-pid, SIGTERM);
		kill(pid, SIGTERM);
		if (!session_wait_client_exit(s, pid, CLIENT_TERM_TIMEOUT_MS, NULL)) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			int st;
			waitpid(pid, &st, 0);
			client_reaped(s, c, st);
		}
	}
	/* Whatever else is left in its process group. */
	kill(-pid, SIGKILL);
}

const char *
session_client_log(struct strata_session *s, pid_t pid)
{
	return require_client(s, pid)->log;
}

/* ---- windows ------------------------------------------------------------ */

/* Next key=value in *p; quoted values are unescaped into value. */
static bool
next_field(const char **p, char *key, size_t key_size, char *value, size_t value_size)
{
	const char *q = *p;
	while (*q == ' ') {
		q++;
	}
	const char *eq = strchr(q, '=');
	if (!*q || *q == '\n' || !eq) {
		return false;
	}
	snprintf(key, key_size, "%.*s", (int)(eq - q), q);
	q = eq + 1;
	size_t n = 0;
	if (*q == '"') {
		q++;
		while (*q && *q != '"') {
			if (*q == '\\' && q[1]) {
				q++;
			}
			if (n + 1 < value_size) {
				value[n++] = *q;
			}
			q++;
		}
		if (*q == '"') {
			q++;
		}
	} else {
		while (*q && *q != ' ' && *q != '\n') {
			if (n + 1 < value_size) {
				value[n++] = *q;
			}
			q++;
		}
	}
	value[n] = '\0';
	*p = q;
	return true;
}

static bool
parse_window_line(const char *line, struct window_info *w)
{
	memset(w, 0, sizeof(*w));
	if (strncmp(line, "window ", 7) != 0) {
		return false;
	}
	const char *p = line + 7;
	char key[32], value[512];
	int seen = 0;
	while (next_field(&p, key, sizeof(key), value, sizeof(value))) {
		if (strcmp(key, "id") == 0) {
			w->id = (unsigned)strtoul(value, NULL, 10);
			seen++;
		} else if (strcmp(key, "level") == 0) {
			copy_str(w->level, sizeof(w->level), value);
			seen++;
		} else if (strcmp(key, "focused") == 0) {
			w->focused = strcmp(value, "1") == 0;
		} else if (strcmp(key, "fullscreen") == 0) {
			w->fullscreen = strcmp(value, "1") == 0;
		} else if (strcmp(key, "x") == 0) {
			w->x = atoi(value);
		} else if (strcmp(key, "y") == 0) {
			w->y = atoi(value);
		} else if (strcmp(key, "width") == 0) {
			w->width = atoi(value);
			seen++;
		} else if (strcmp(key, "height") == 0) {
			w->height = atoi(value);
			seen++;
		} else if (strcmp(key, "frame") == 0) {
			if (sscanf(value, "%d,%d,%d,%d", &w->frame_x, &w->frame_y, &w->frame_width,
					    &w->frame_height) == 4) {
				seen++;
			}
		} else if (strcmp(key, "kind") == 0) {
			copy_str(w->kind, sizeof(w->kind), value);
		} else if (strcmp(key, "app_id") == 0) {
			copy_str(w->app_id, sizeof(w->app_id), value);
		} else if (strcmp(key, "title") == 0) {
			copy_str(w->title, sizeof(w->title), value);
		}
	}
	return seen == 5;
}

int
session_windows(struct strata_session *s, struct window_info **out)
{
	char *reply = session_ctl_ok(s, "windows");
	int count = 0, cap = 8;
	struct window_info *list = calloc((size_t)cap, sizeof(*list));
	for (char *line = reply; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl) {
			*nl = '\0';
		}
		if (strncmp(line, "window ", 7) == 0) {
			if (count == cap) {
				cap *= 2;
				list = realloc(list, (size_t)cap * sizeof(*list));
			}
			if (!parse_window_line(line, &list[count])) {
				session_fail(s, "cannot parse windows line: %s", line);
			}
			count++;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(reply);
	if (out) {
		*out = list;
	} else {
		free(list);
	}
	return count;
}

static bool
window_matches(const struct window_info *w, const struct window_match *m)
{
	return (!m->level || strcmp(w->level, m->level) == 0) &&
			(!m->app_id || strcmp(w->app_id, m->app_id) == 0) &&
			(!m->title_contains || strstr(w->title, m->title_contains)) &&
			(!m->id || w->id == m->id);
}

bool
session_find_window(struct strata_session *s, const struct window_match *match,
		struct window_info *out)
{
	struct window_info *list;
	int count = session_windows(s, &list);
	bool found = false;
	for (int i = 0; i < count && !found; i++) {
		if (window_matches(&list[i], match)) {
			found = true;
			if (out) {
				*out = list[i];
			}
		}
	}
	free(list);
	return found;
}

bool
session_wait_window(struct strata_session *s, const struct window_match *match,
		struct window_info *out, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		if (session_find_window(s, match, out)) {
			return true;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return false;
}

bool
session_wait_windows(struct strata_session *s, int count, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		if (session_windows(s, NULL) == count) {
			return true;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return false;
}

static bool
in_box(int x, int y, int bx, int by, int bw, int bh)
{
	return x >= bx && y >= by && x < bx + bw && y < by + bh;
}

static bool
visible_point_now(struct strata_session *s, unsigned id, int *x, int *y)
{
	struct window_info *list;
	int count = session_windows(s, &list);
	int index = -1;
	for (int i = 0; i < count; i++) {
		if (list[i].id == id) {
			index = i;
		}
	}
	bool found = false;
	/* Centre first, then a 9x9 grid. */
	for (int k = -1; index >= 0 && k < 81 && !found; k++) {
		const struct window_info *w = &list[index];
		int px = k < 0 ? w->x + w->width / 2 : w->x + w->width * (1 + k % 9) / 10;
		int py = k < 0 ? w->y + w->height / 2 : w->y + w->height * (1 + k / 9) / 10;
		bool ok = in_box(px, py, 0, SESSION_BANNER_HEIGHT, s->opts.width,
				s->opts.height - SESSION_BANNER_HEIGHT);
		for (int j = 0; j < index && ok; j++) {
			ok = !in_box(px, py, list[j].frame_x, list[j].frame_y, list[j].frame_width,
					list[j].frame_height);
		}
		if (ok) {
			*x = px;
			*y = py;
			found = true;
		}
	}
	free(list);
	return found;
}

bool
session_window_visible_point(struct strata_session *s, unsigned id, int *x, int *y)
{
	/* Windows move while a new one maps (tiling): give the layout time. */
	uint64_t deadline = session_now_ms() + 3000;
	do {
		if (visible_point_now(s, id, x, y)) {
			return true;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return false;
}

/* ---- pixels, focus, polling -------------------------------------------- */

long
session_census(struct strata_session *s, const uint32_t *pixels, int width, int height, int x,
		int y, int w, int h, uint32_t rgb, const char *what)
{
	int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
	int x1 = x + w > width ? width : x + w;
	int y1 = y + h > height ? height : y + h;
	session_assert_msg(s, x1 > x0 && y1 > y0, "census of %s: the box %d,%d %dx%d is empty",
			what, x, y, w, h);
	long count = 0, samples = 0;
	for (int row = y0; row < y1; row++) {
		for (int col = x0; col < x1; col++) {
			samples++;
			count += pixels[(size_t)row * (size_t)width + (size_t)col] == rgb;
		}
	}
	session_assert_msg(s, samples > 0, "census of %s: no sample", what);
	tap_diag("census: %ld pixels of %06x in %s (%ld samples)", count, rgb, what, samples);
	return count;
}

uint32_t
session_pixel(struct strata_session *s, int x, int y)
{
	char *reply = session_ctl_ok(s, "pixel %d %d", x, y);
	const char *hex = session_reply_result(reply);
	char *end;
	unsigned long value = strtoul(hex, &end, 16);
	if (end - hex != 6) {
		session_fail(s, "pixel %d %d: unexpected reply: %s", x, y, reply);
	}
	free(reply);
	return (uint32_t)value;
}

uint32_t *
session_load_png(struct strata_session *s, const char *path, int *width, int *height)
{
	cairo_surface_t *png = cairo_image_surface_create_from_png(path);
	if (cairo_surface_status(png) != CAIRO_STATUS_SUCCESS) {
		session_fail(s, "%s: %s", path, cairo_status_to_string(cairo_surface_status(png)));
	}
	cairo_surface_flush(png);
	int w = cairo_image_surface_get_width(png), h = cairo_image_surface_get_height(png);
	int stride = cairo_image_surface_get_stride(png);
	const unsigned char *data = cairo_image_surface_get_data(png);
	uint32_t *pixels = malloc((size_t)w * (size_t)h * sizeof(*pixels));
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(data + (size_t)y * (size_t)stride);
		for (int x = 0; x < w; x++) {
			pixels[(size_t)y * (size_t)w + (size_t)x] = row[x] & 0xffffff;
		}
	}
	cairo_surface_destroy(png);
	*width = w;
	*height = h;
	return pixels;
}

static uint32_t *
take_screenshot(struct strata_session *s, const char *request, int *width, int *height)
{
	char path[200];
	snprintf(path, sizeof(path), "%s/screenshot-%d.png", s->dir, ++s->client_seq);
	free(session_ctl_ok(s, "%s %s", request, path));
	int w, h;
	uint32_t *pixels = session_load_png(s, path, &w, &h);
	unlink(path);
	if (w != s->opts.width || h != s->opts.height) {
		free(pixels);
		session_fail(s, "screenshot %s is %dx%d, the output %dx%d", path, w, h,
				s->opts.width, s->opts.height);
	}
	*width = w;
	*height = h;
	return pixels;
}

void
session_keep_screenshot(struct strata_session *s, const char *name)
{
	const char *dir = getenv("STRATA_SHOT_DIR");
	if (dir && *dir) {
		free(session_ctl_ok(s, "screenshot %s/%s", dir, name));
		tap_diag("saved %s/%s", dir, name);
	}
}

uint32_t *
session_screenshot(struct strata_session *s, int *width, int *height)
{
	return take_screenshot(s, "screenshot", width, height);
}

uint32_t *
session_screenshot_current(struct strata_session *s, int *width, int *height)
{
	return take_screenshot(s, "screenshot-current", width, height);
}

bool
session_focused(struct strata_session *s, unsigned *id, char *level, size_t level_size)
{
	char *reply = session_ctl_ok(s, "focused");
	const char *result = session_reply_result(reply);
	bool focused = false;
	if (strncmp(result, "none", 4) != 0) {
		const char *p = result;
		char key[32], value[64];
		while (next_field(&p, key, sizeof(key), value, sizeof(value))) {
			if (strcmp(key, "id") == 0) {
				focused = true;
				if (id) {
					*id = (unsigned)strtoul(value, NULL, 10);
				}
			} else if (strcmp(key, "level") == 0 && level) {
				snprintf(level, level_size, "%s", value);
			}
		}
		if (!focused) {
			session_fail(s, "focused: unexpected reply: %s", reply);
		}
	}
	if (!focused && level && level_size) {
		snprintf(level, level_size, "none");
	}
	free(reply);
	return focused;
}

bool
session_wait_focused_level(struct strata_session *s, const char *level, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	char now[32];
	do {
		session_focused(s, NULL, now, sizeof(now));
		if (strcmp(now, level) == 0) {
			return true;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return false;
}

bool
session_level_up(struct strata_session *s, const char *level)
{
	char *reply = session_ctl_ok(s, "levels");
	char needle[64];
	snprintf(needle, sizeof(needle), "level name=%s up=1", level);
	bool up = strstr(reply, needle) != NULL;
	free(reply);
	return up;
}

bool
session_wait_level(struct strata_session *s, const char *level, bool up, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		if (session_level_up(s, level) == up) {
			return true;
		}
		if (session_now_ms() >= deadline) {
			return false;
		}
		session_sleep_ms(50);
	}
}

int
session_selection_types(struct strata_session *s, const char *level)
{
	char *reply = session_ctl_ok(s, "selections");
	char needle[64];
	snprintf(needle, sizeof(needle), "selection level=%s set=", level);
	const char *p = strstr(reply, needle);
	if (!p) {
		char copy[512];
		snprintf(copy, sizeof(copy), "%s", reply);
		free(reply);
		session_fail(s, "selections: no line for level %s in: %s", level, copy);
	}
	p += strlen(needle);
	int types = -1;
	if (p[0] == '1') {
		const char *t = strstr(p, "types=");
		session_assert_msg(s, t != NULL, "selections: no types for level %s", level);
		types = atoi(t + 6);
	}
	free(reply);
	return types;
}

bool
session_wait_selection(struct strata_session *s, const char *level, int min_types, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		if (session_selection_types(s, level) >= min_types) {
			return true;
		}
		if (session_now_ms() >= deadline) {
			return false;
		}
		session_sleep_ms(30);
	}
}

#define COPY_TEXT_TYPES 5 /* wl-copy offers text as five MIME types */
#define COPY_TIMEOUT_MS 10000

/* wl-paste -n on a level prints exactly text. */
static bool
level_pastes(struct strata_session *s, const char *level, const char *text)
{
	char *argv[] = { "wl-paste", "-n", NULL };
	pid_t pid = session_spawn_client(s, level, argv);
	int status;
	if (!session_wait_client_exit(s, pid, 5000, &status)) {
		session_fail(s, "wl-paste on %s hangs", level);
	}
	char *got = session_read_file(session_client_log(s, pid), NULL);
	bool same = WIFEXITED(status) && WEXITSTATUS(status) == 0 && got && strcmp(got, text) == 0;
	free(got);
	return same;
}

pid_t
session_copy_text(struct strata_session *s, const char *level, const char *text, pid_t previous)
{
	session_require_program("wl-copy");
	int before = session_selection_types(s, level);
	if (previous > 0 && !session_client_running(s, previous)) {
		previous = 0; /* replaced since: the selection is someone else's */
	}
	/* How the new selection is told from the one there now: the previous
	 * copier exits once replaced; else the number of types changes; else
	 * (same number, owner unknown) a paste in the level must give text. */
	bool wait_replaced = before >= 0 && previous > 0;
	bool must_paste = before == COPY_TEXT_TYPES && !wait_replaced;
	if (must_paste) {
		session_require_program("wl-paste");
	}
	char *argv[] = { "wl-copy", "--foreground", (char *)text, NULL };
	pid_t pid = session_spawn_client(s, level, argv);
	uint64_t deadline = session_now_ms() + COPY_TIMEOUT_MS;
	struct window_match own_window = { .title_contains = "wl-clipboard" };
	for (;;) {
		int types = session_selection_types(s, level);
		bool replaced = !wait_replaced || !session_client_running(s, previous);
		bool window = session_find_window(s, &own_window, NULL);
		if (types == COPY_TEXT_TYPES && replaced && !window &&
				(!must_paste || level_pastes(s, level, text))) {
			break;
		}
		if (!session_client_running(s, pid)) {
			session_dump_client_log(s, pid, 10);
			session_fail(s, "wl-copy on %s exited before the compositor held its selection",
					level);
		}
		if (session_now_ms() >= deadline) {
			session_dump_client_log(s, pid, 10);
			session_fail(s,
					"wl-copy on %s: after %d ms the compositor holds %d types "
					"(expected %d)%s%s, wl-copy's window %s",
					level, COPY_TIMEOUT_MS, types, COPY_TEXT_TYPES,
					replaced ? "" : ", the previous copier still holds it",
					must_paste ? ", wl-paste there does not give the text" : "",
					window ? "is still mapped" : "is gone");
		}
		session_sleep_ms(30);
	}
	return pid;
}

bool
session_wait_for(bool (*cond)(struct strata_session *s, void *data), struct strata_session *s,
		void *data, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		if (cond(s, data)) {
			return true;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return cond(s, data);
}

static bool
socket_answers(const char *path)
{
	struct raw_client *c = raw_client_connect(path);
	if (!c) {
		return false;
	}
	bool ok = raw_client_roundtrip(c, 5000);
	raw_client_destroy(c);
	return ok;
}

bool
session_wait_dialog(struct strata_session *s, const char *state, int timeout_ms)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "state=%s", state);
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *reply = session_ctl_ok(s, "dialog");
		bool ok = strstr(reply, needle) != NULL && !strstr(reply, " settled=0");
		free(reply);
		if (ok) {
			return true;
		}
		if (session_now_ms() >= deadline) {
			return false;
		}
		session_sleep_ms(30);
	}
}

bool
session_compositor_alive(struct strata_session *s)
{
	reap_compositor(s, WNOHANG);
	if (s->exited) {
		return false;
	}
	char err[512];
	char *reply = control_request(s, "ping", CONTROL_TIMEOUT_MS, err, sizeof(err));
	if (!reply) {
		tap_diag("ping: %s", err);
		return false;
	}
	bool pong = strcmp(reply, "ok pong\n") == 0;
	free(reply);
	if (!pong) {
		return false;
	}
	for (int i = 0; i < s->level_count; i++) {
		if (!socket_answers(s->levels[i].socket)) {
			tap_diag("no Wayland round trip on %s", s->levels[i].socket);
			return false;
		}
	}
	if (!socket_answers(s->core_socket)) {
		tap_diag("no Wayland round trip on %s", s->core_socket);
		return false;
	}
	return true;
}

int
session_compositor_fd_count(struct strata_session *s)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)s->pid);
	DIR *dir = opendir(path);
	if (!dir) {
		session_fail(s, "opendir %s: %s", path, strerror(errno));
	}
	int count = 0;
	struct dirent *ent;
	while ((ent = readdir(dir))) {
		if (ent->d_name[0] != '.') {
			count++;
		}
	}
	closedir(dir);
	return count;
}

bool
session_wait_fd_count(struct strata_session *s, int count, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		if (session_compositor_fd_count(s) == count) {
			return true;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return false;
}

/* ---- raw Wayland clients ------------------------------------------------- */

#include <sys/mman.h>
#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"

static void
wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
		uint32_t version)
{
	struct raw_client *c = data;
	if (c->global_count < (int)(sizeof(c->globals) / sizeof(c->globals[0]))) {
		struct raw_global *g = &c->globals[c->global_count++];
		g->name = name;
		g->version = version;
		snprintf(g->interface, sizeof(g->interface), "%s", interface);
	}
	if (strcmp(interface, wl_compositor_interface.name) == 0 && !c->compositor) {
		c->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
				min_u32(version, 4));
	} else if (strcmp(interface, wl_shm_interface.name) == 0 && !c->shm) {
		c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0 && !c->wm_base) {
		c->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface,
				min_u32(version, 2));
		xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, c);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

struct raw_client *
raw_client_connect(const char *socket_path)
{
	struct wl_display *display = wl_display_connect(socket_path);
	if (!display) {
		return NULL;
	}
	struct raw_client *c = calloc(1, sizeof(*c));
	c->display = display;
	c->registry = wl_display_get_registry(display);
	wl_registry_add_listener(c->registry, &registry_listener, c);
	if (!raw_client_roundtrip(c, 5000)) {
		raw_client_destroy(c);
		return NULL;
	}
	return c;
}

void
raw_client_destroy(struct raw_client *c)
{
	if (!c) {
		return;
	}
	if (c->wm_base) {
		xdg_wm_base_destroy(c->wm_base);
	}
	if (c->shm) {
		wl_shm_destroy(c->shm);
	}
	if (c->compositor) {
		wl_compositor_destroy(c->compositor);
	}
	if (c->registry) {
		wl_registry_destroy(c->registry);
	}
	wl_display_disconnect(c->display);
	free(c);
}

static void
sync_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	*(bool *)data = true;
}

static const struct wl_callback_listener sync_listener = {
	.done = sync_done,
};

bool
raw_client_roundtrip(struct raw_client *c, int timeout_ms)
{
	struct wl_display *d = c->display;
	bool done = false;
	struct wl_callback *cb = wl_display_sync(d);
	wl_callback_add_listener(cb, &sync_listener, &done);
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (!done && wl_display_get_error(d) == 0) {
		if (wl_display_prepare_read(d) != 0) {
			if (wl_display_dispatch_pending(d) < 0) {
				break;
			}
			continue;
		}
		/* A failed flush (the server hung up) is no reason to stop: the
		 * error event that explains it may still be waiting to be read. */
		wl_display_flush(d);
		int left = (int)(int64_t)(deadline - session_now_ms());
		if (left <= 0) {
			wl_display_cancel_read(d);
			break;
		}
		struct pollfd pfd = { .fd = wl_display_get_fd(d), .events = POLLIN };
		int r = poll(&pfd, 1, left);
		if (r <= 0) {
			wl_display_cancel_read(d);
			continue;
		}
		if (wl_display_read_events(d) < 0 || wl_display_dispatch_pending(d) < 0) {
			break;
		}
	}
	wl_callback_destroy(cb);
	return done && wl_display_get_error(d) == 0;
}

const struct raw_global *
raw_client_find_global(struct raw_client *c, const char *interface)
{
	for (int i = 0; i < c->global_count; i++) {
		if (strcmp(c->globals[i].interface, interface) == 0) {
			return &c->globals[i];
		}
	}
	return NULL;
}

int
raw_client_error(struct raw_client *c)
{
	return wl_display_get_error(c->display);
}

struct wl_buffer *
raw_client_shm_buffer(struct raw_client *c, int width, int height, uint32_t colour)
{
	return shm_filled_buffer(c->shm, width, height, colour);
}

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct raw_window *w = data;
	w->configured = true;
	w->configure_serial = serial;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width, int32_t height,
		struct wl_array *states)
{
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	((struct raw_window *)data)->close_requested = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

struct raw_window *
raw_window_new(struct raw_client *c, const char *app_id, const char *title)
{
	if (!c->compositor || !c->wm_base || !c->shm) {
		return NULL;
	}
	struct raw_window *w = calloc(1, sizeof(*w));
	w->client = c;
	w->surface = wl_compositor_create_surface(c->compositor);
	w->xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, w->surface);
	xdg_surface_add_listener(w->xdg_surface, &xdg_surface_listener, w);
	w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
	xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
	if (app_id) {
		xdg_toplevel_set_app_id(w->toplevel, app_id);
	}
	if (title) {
		xdg_toplevel_set_title(w->toplevel, title);
	}
	return w;
}

bool
raw_window_map(struct raw_window *w, int width, int height, uint32_t colour)
{
	struct raw_client *c = w->client;
	wl_surface_commit(w->surface);
	uint64_t deadline = session_now_ms() + 5000;
	while (!w->configured && session_now_ms() < deadline) {
		if (!raw_client_roundtrip(c, 1000) && raw_client_error(c)) {
			break;
		}
	}
	if (!w->configured) {
		return false;
	}
	xdg_surface_ack_configure(w->xdg_surface, w->configure_serial);
	w->acked_serial = w->configure_serial;
	w->width = width;
	w->height = height;
	w->buffer = raw_client_shm_buffer(c, width, height, colour);
	wl_surface_attach(w->surface, w->buffer, 0, 0);
	wl_surface_damage(w->surface, 0, 0, width, height);
	wl_surface_commit(w->surface);
	return raw_client_roundtrip(c, 5000);
}

struct raw_window *
raw_window_create(struct raw_client *c, int width, int height, const char *app_id,
		const char *title)
{
	struct raw_window *w = raw_window_new(c, app_id, title);
	if (w && !raw_window_map(w, width, height, 0xff4080c0)) {
		raw_window_destroy(w);
		return NULL;
	}
	return w;
}

void
raw_window_destroy(struct raw_window *w)
{
	if (!w) {
		return;
	}
	if (w->toplevel) {
		xdg_toplevel_destroy(w->toplevel);
	}
	if (w->xdg_surface) {
		xdg_surface_destroy(w->xdg_surface);
	}
	if (w->surface) {
		wl_surface_destroy(w->surface);
	}
	if (w->buffer) {
		wl_buffer_destroy(w->buffer);
	}
	free(w);
}
