// SPDX-License-Identifier: MIT
/*
 * strata-xwayland-launcher: what wlroots runs in place of Xwayland
 * (WLR_XWAYLAND, set by compositor/xwayland.c), to start a level's
 * Xwayland in that level's cage.
 *
 * wlroots forks twice and runs us as "Xwayland :N -rootless -terminate
 * -core -listenfd A -listenfd B -wm C", with WAYLAND_SOCKET=D in the
 * environment; A, B, C and D are the only descriptors that matter, open
 * and inherited. Its first child waits for SIGUSR1 (ready) or SIGCHLD (we
 * ended: failure). We run as the compositor (root), in its namespaces.
 *
 * The compositor wrote, before it let wlroots start us, the file
 * $STRATA_XWAYLAND_DIR/N (root's, 0600, not a link): tokens separated by
 * NUL bytes,
 *   "strata-xwayland-spec 2", uid, gid, "terminate" or "stay" (wlroots'
 *   -terminate kept or dropped: a server started with the session stays
 *   when its last X11 program ends); the level's log (Xwayland's stdout
 *   and stderr, appended); the level's proxy: its program, uid,
 *   gid, a sandbox directory (we add "-PID": one per start) and its other
 *   options, then "--"; the bubblewrap command line of the level's cage
 *   (without "--"), "--", the Xwayland binary and the arguments the
 *   level's configuration adds (-extension XTEST ...).
 * Nothing of the display number's level is taken from anywhere else.
 *
 * Xwayland's Wayland connection goes through the level's proxy like any
 * of the level's programs': D, strata's end, goes to a strata-cage-proxy
 * of its own (--connection C,D, as the proxy's uid, in its sandbox), and
 * Xwayland gets C's peer. We then run, as the level's uid and gid (no
 * supplementary groups),
 *   bwrap ... --setenv WAYLAND_SOCKET X -- Xwayland :0 <wlroots' arguments,
 *   checked> -displayfd P <the level's arguments>
 * Xwayland writes its display number to P once it accepts clients; we
 * forward that as SIGUSR1 to our parent, give up root (we stay as the
 * level's uid, waiting for the cage so that bwrap's --die-with-parent has
 * a parent), and end with the cage's status. A line on stderr says why
 * whenever we fail; the compositor's log shows it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common/io.h"

#define SPEC_MAGIC "strata-xwayland-spec 2"
#define SPEC_MAX_BYTES 16384
#define MAX_ARGS 256
/* How long Xwayland may take to accept clients. */
#define READY_TIMEOUT_MS 30000

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	fprintf(stderr, "strata-xwayland-launcher: ");
	vfprintf(stderr, fmt, args);
	fprintf(stderr, "\n");
	va_end(args);
	exit(1);
}

/* A descriptor number as wlroots writes it, and open. */
static bool
parse_fd(const char *text, int *fd)
{
	char *end;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno || end == text || *end || value < 0 || value > INT_MAX) {
		return false;
	}
	*fd = (int)value;
	return fcntl(*fd, F_GETFD) >= 0;
}

static bool
parse_id(const char *text, unsigned long *id)
{
	char *end;
	errno = 0;
	unsigned long value = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || value == 0 || value > 2147483646) {
		return false;
	}
	*id = value;
	return true;
}

/* The display number of ":N", 0..32 as wlroots picks them. */
static int
parse_display(const char *text)
{
	if (text[0] != ':' || !text[1] || strlen(text) > 3) {
		return -1;
	}
	int n = 0;
	for (const char *c = text + 1; *c; c++) {
		if (*c < '0' || *c > '9') {
			return -1;
		}
		n = n * 10 + (*c - '0');
	}
	return n <= 32 ? n : -1;
}

/* The spec file, whole, into buf; its tokens into tokens. */
static size_t
read_spec(const char *path, char *buf, size_t size, char **tokens, size_t max)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		die("cannot open %s (is this display a level's?)", path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		die("%s must be a regular file of root's, mode 0600", path);
	}
	ssize_t got = io_read_all(fd, buf, size);
	if (got < 0) {
		die("cannot read %s", path);
	}
	size_t len = (size_t)got;
	if (len == size) {
		die("%s is too long", path);
	}
	close(fd);
	if (len == 0 || buf[len - 1] != '\0') {
		die("%s is not a list of NUL-terminated arguments", path);
	}
	size_t count = 0;
	for (size_t at = 0; at < len; at += strlen(buf + at) + 1) {
		if (count == max) {
			die("%s has too many arguments", path);
		}
		tokens[count++] = buf + at;
	}
	return count;
}

/*
 * The level's proxy for Xwayland's one connection: spec (count tokens) is
 * its program, uid, gid, sandbox directory and its other options; client
 * and upstream are the sockets it joins (inherited at their numbers). It
 * starts as root (chroot) and drops to its uid itself.
 */
static pid_t
start_proxy(char **spec, size_t count, unsigned long uid, unsigned long gid, int client,
		int upstream, int log)
{
	static char ids[2][16], dir[PATH_MAX], connection[32];
	snprintf(ids[0], sizeof(ids[0]), "%lu", uid);
	snprintf(ids[1], sizeof(ids[1]), "%lu", gid);
	if (snprintf(dir, sizeof(dir), "%s-%d", spec[3], (int)getpid()) >= (int)sizeof(dir)) {
		die("%s: path too long", spec[3]);
	}
	/* It holds these two sockets and nothing else (as fds 3 and 4): never
	 * the X11 sockets wlroots passed us for Xwayland. */
	snprintf(connection, sizeof(connection), "3,4");
	static const char *argv[MAX_ARGS + 12];
	size_t n = 0;
	argv[n++] = spec[0];
	argv[n++] = "--uid";
	argv[n++] = ids[0];
	argv[n++] = "--gid";
	argv[n++] = ids[1];
	argv[n++] = "--sandbox-dir";
	argv[n++] = dir;
	argv[n++] = "--connection";
	argv[n++] = connection;
	for (size_t i = 4; i < count; i++) {
		argv[n++] = spec[i];
	}
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0) {
		die("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* Out of the way of 0..4 first, then in place; stdin from
		 * /dev/null, its output to the level's log. */
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int c = fcntl(client, F_DUPFD_CLOEXEC, 10);
		int u = fcntl(upstream, F_DUPFD_CLOEXEC, 10);
		int l = fcntl(log, F_DUPFD_CLOEXEC, 10);
		if (null < 0 || c < 0 || u < 0 || l < 0 || dup2(null, STDIN_FILENO) < 0 ||
				dup2(l, STDOUT_FILENO) < 0 || dup2(l, STDERR_FILENO) < 0 ||
				dup2(c, 3) < 0 || dup2(u, 4) < 0 || close_range(5, ~0U, 0) < 0) {
			_exit(127);
		}
		setsid();
		signal(SIGUSR1, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "strata-xwayland-launcher: cannot run %s: %s\n", argv[0],
				strerror(errno));
		_exit(127);
	}
	return pid;
}

int
main(int argc, char **argv)
{
	/* wlroots' first child blocked these for its sigwait; the mask
	 * survives exec. */
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* wlroots forks and execs this from strata, which ignores SIGPIPE:
	 * the default again, for this program and what it starts. */
	signal(SIGPIPE, SIG_DFL);

	if (argc < 2) {
		die("wlroots runs this with the display to serve");
	}
	int display = parse_display(argv[1]);
	if (display < 0) {
		die("\"%s\" is not a display wlroots picks", argv[1]);
	}
	const char *dir = getenv("STRATA_XWAYLAND_DIR");
	if (!dir || dir[0] != '/') {
		die("STRATA_XWAYLAND_DIR is not set: run by strata only");
	}
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%d", dir, display) >= (int)sizeof(path)) {
		die("%s: path too long", dir);
	}
	static char spec[SPEC_MAX_BYTES];
	char *tokens[MAX_ARGS];
	size_t count = read_spec(path, spec, sizeof(spec), tokens, MAX_ARGS);
	unsigned long uid, gid, proxy_uid, proxy_gid;
	if (count < 13 || strcmp(tokens[0], SPEC_MAGIC) != 0 || !parse_id(tokens[1], &uid) ||
			!parse_id(tokens[2], &gid) ||
			(strcmp(tokens[3], "terminate") != 0 && strcmp(tokens[3], "stay") != 0) ||
			tokens[4][0] != '/' || tokens[5][0] != '/' ||
			!parse_id(tokens[6], &proxy_uid) || !parse_id(tokens[7], &proxy_gid) ||
			tokens[8][0] != '/') {
		die("%s is not a launch spec", path);
	}
	bool stay = strcmp(tokens[3], "stay") == 0;
	int log = open(tokens[4],
			O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	struct stat log_stat;
	if (log < 0 || fstat(log, &log_stat) < 0 || !S_ISREG(log_stat.st_mode)) {
		die("cannot open the level's log %s as a file: %s", tokens[4], strerror(errno));
	}
	size_t proxy_end = 0, separator = 0;
	for (size_t i = 9; i < count; i++) {
		if (strcmp(tokens[i], "--") == 0) {
			if (!proxy_end) {
				proxy_end = i;
			} else {
				separator = i;
				break;
			}
		}
	}
	if (!separator || proxy_end + 1 >= separator || tokens[proxy_end + 1][0] != '/' ||
			separator + 1 >= count || tokens[separator + 1][0] != '/') {
		die("%s names no proxy, cage or Xwayland between its \"--\"", path);
	}

	const char *wayland_socket = getenv("WAYLAND_SOCKET");
	int wl_fd;
	if (!wayland_socket || !parse_fd(wayland_socket, &wl_fd) ||
			fcntl(wl_fd, F_SETFD, FD_CLOEXEC) < 0) {
		die("WAYLAND_SOCKET is not an open descriptor");
	}
	/* Xwayland's end (x_end) and the proxy's (proxy_end_fd). */
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		die("socketpair: %s", strerror(errno));
	}
	int x_end = pair[0], proxy_end_fd = pair[1];
	char x_socket[16];
	snprintf(x_socket, sizeof(x_socket), "%d", x_end);
	pid_t proxy = start_proxy(tokens + 5, proxy_end - 5, proxy_uid, proxy_gid, proxy_end_fd,
			wl_fd, log);
	close(proxy_end_fd);
	close(wl_fd);

	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0) {
		die("pipe: %s", strerror(errno));
	}
	char ready_fd[16];
	snprintf(ready_fd, sizeof(ready_fd), "%d", ready[1]);

	static const char *out[MAX_ARGS * 2];
	int passed[8]; /* the descriptors Xwayland gets; not ours to hold */
	size_t passed_count = 0;
	passed[passed_count++] = x_end;
	size_t n = 0;
	for (size_t i = proxy_end + 1; i < separator; i++) {
		out[n++] = tokens[i];
	}
	out[n++] = "--setenv";
	out[n++] = "WAYLAND_SOCKET";
	out[n++] = x_socket;
	out[n++] = "--";
	out[n++] = tokens[separator + 1];
	out[n++] = ":0";
	/* wlroots' own arguments, each checked: nothing else passes. */
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "-terminate") == 0) {
			if (!stay) {
				out[n++] = arg;
			}
			continue;
		}
		if (strcmp(arg, "-rootless") == 0 || strcmp(arg, "-core") == 0 ||
				strcmp(arg, "-noTouchPointerEmulation") == 0) {
			out[n++] = arg;
			continue;
		}
		int fd;
		if ((strcmp(arg, "-listenfd") == 0 || strcmp(arg, "-listen") == 0 ||
				    strcmp(arg, "-wm") == 0) &&
				i + 1 < argc && parse_fd(argv[i + 1], &fd)) {
			if (passed_count == sizeof(passed) / sizeof(passed[0])) {
				die("too many descriptors from wlroots");
			}
			passed[passed_count++] = fd;
			out[n++] = arg;
			out[n++] = argv[++i];
			continue;
		}
		die("unexpected argument \"%s\" from wlroots", arg);
	}
	out[n++] = "-displayfd";
	out[n++] = ready_fd;
	for (size_t i = separator + 2; i < count; i++) {
		out[n++] = tokens[i];
	}
	out[n] = NULL;

	pid_t cage = fork();
	if (cage < 0) {
		die("fork: %s", strerror(errno));
	}
	if (cage == 0) {
		close(ready[0]);
		if (fcntl(ready[1], F_SETFD, 0) < 0 || fcntl(x_end, F_SETFD, 0) < 0) {
			_exit(127);
		}
		signal(SIGUSR1, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		/* Its output is the level's, never the compositor's log. */
		if (dup2(log, STDOUT_FILENO) < 0 || dup2(log, STDERR_FILENO) < 0) {
			_exit(127);
		}
		if (setgroups(0, NULL) < 0 || setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0 ||
				setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0 ||
				getuid() != (uid_t)uid || geteuid() != (uid_t)uid) {
			fprintf(stderr, "strata-xwayland-launcher: cannot become uid %lu\n", uid);
			_exit(127);
		}
		execv(out[0], (char *const *)out);
		fprintf(stderr, "strata-xwayland-launcher: cannot run %s: %s\n", out[0],
				strerror(errno));
		_exit(127);
	}
	close(ready[1]);
	/* Once Xwayland is gone, nothing here keeps its connections open. */
	for (size_t i = 0; i < passed_count; i++) {
		close(passed[i]);
	}

	/* Ready when Xwayland writes its display number; it failed when the
	 * pipe closes first (Xwayland or the cage ended), or when it is not
	 * ready within READY_TIMEOUT_MS (then it is ended: nothing is left
	 * waiting, wlroots' fork with it). */
	char line[16];
	size_t got = 0;
	bool is_ready = false;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < sizeof(line)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long waited = (now.tv_sec - start.tv_sec) * 1000 +
				(now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= READY_TIMEOUT_MS) {
			fprintf(stderr, "strata-xwayland-launcher: Xwayland not ready within %d s\n",
					READY_TIMEOUT_MS / 1000);
			break;
		}
		struct pollfd pfd = { .fd = ready[0], .events = POLLIN };
		int polled = poll(&pfd, 1, (int)(READY_TIMEOUT_MS - waited));
		if (polled < 0 && errno == EINTR) {
			continue;
		}
		if (polled <= 0) {
			continue; /* the deadline is checked above */
		}
		ssize_t r = read(ready[0], line + got, sizeof(line) - got);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			fprintf(stderr,
					"strata-xwayland-launcher: Xwayland ended before it was "
					"ready\n");
			break;
		}
		got += (size_t)r;
		if (memchr(line, '\n', got)) {
			is_ready = true;
			break;
		}
	}
	close(ready[0]);
	if (is_ready) {
		kill(getppid(), SIGUSR1);
	} else {
		kill(cage, SIGKILL);
		kill(proxy, SIGKILL);
	}
	/* Root no more: only waiting is left. */
	if (setgroups(0, NULL) < 0 || setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0 ||
			setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) {
		kill(cage, SIGKILL);
		die("cannot give up root: %s", strerror(errno));
	}
	int status;
	while (waitpid(cage, &status, 0) < 0) {
		if (errno != EINTR) {
			die("waitpid: %s", strerror(errno));
		}
	}
	/* Its proxy ends with Xwayland's connection: reaped here too. */
	while (waitpid(proxy, NULL, 0) < 0 && errno == EINTR) {
	}
	if (!is_ready) {
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
