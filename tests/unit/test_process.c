// SPDX-License-Identifier: MIT
/*
 * The process supervisor (compositor/process.c), the objects the compositor
 * links, against real children (process_child.c) on a real wl_event_loop:
 * what a child gets (fds, signal mask and dispositions, session, parent-death
 * signal, credentials, environment, output), restarts with back-off that
 * never spin, stops that never wait in the loop, a shutdown that leaves
 * nothing behind, owners that go away and hear nothing more, and the SIGCHLD
 * fallback that reaps only its own children. Every wait has a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include "compositor/paths.h"
#include "compositor/process.h"
#include "tap.h"

#define MAX_EVENTS 16

/* Every callback of every process, whoever owns it. */
static int callbacks;

struct recorder {
	struct process *p;
	int started, exited, ready, down;
	pid_t pid;
	int socket_fd;
	int status;
	uint64_t started_ms[MAX_EVENTS];
	uint64_t ended_ms[MAX_EVENTS]; /* as the supervisor saw it */
	uint32_t scheduled[MAX_EVENTS]; /* the back-off set at that end */
	bool destroy_on_exit;
};

static void
rec_started(void *data, pid_t pid, int socket_fd)
{
	struct recorder *r = data;
	callbacks++;
	if (r->started < MAX_EVENTS) {
		r->started_ms[r->started] = process_clock_ms();
	}
	r->started++;
	r->pid = pid;
	if (r->socket_fd >= 0) {
		close(r->socket_fd);
	}
	r->socket_fd = socket_fd;
}

static void
rec_ready(void *data, bool ready)
{
	struct recorder *r = data;
	callbacks++;
	if (ready) {
		r->ready++;
	} else {
		r->down++;
	}
}

static void
rec_exited(void *data, pid_t pid, int status)
{
	struct recorder *r = data;
	callbacks++;
	struct process_info info;
	process_get_info(r->p, &info);
	if (r->exited < MAX_EVENTS) {
		r->ended_ms[r->exited] = info.ended_ms;
		r->scheduled[r->exited] = info.restart_delay_ms;
	}
	r->exited++;
	r->status = status;
	if (r->destroy_on_exit) {
		process_destroy(r->p);
		r->p = NULL;
	}
}

static const struct process_events rec_events = {
	.started = rec_started,
	.ready = rec_ready,
	.exited = rec_exited,
};

static const char *
child_path(void)
{
	const char *path = getenv("STRATA_PROCESS_CHILD");
	tap_assert_msg(path && path[0] == '/',
			"STRATA_PROCESS_CHILD is not set: run through `meson test`");
	return path;
}

/* ---- the event loop ------------------------------------------------------ */

struct fixture {
	struct wl_event_loop *loop;
	struct process_supervisor *sup;
};

static void
fixture_init(struct fixture *f, bool force_sigchld)
{
	f->loop = wl_event_loop_create();
	tap_assert(f->loop);
	f->sup = process_supervisor_create(f->loop, force_sigchld);
	tap_assert(f->sup);
}

static void
fixture_finish(struct fixture *f)
{
	process_supervisor_destroy(f->sup);
	wl_event_loop_destroy(f->loop);
}

/* Dispatches until cond(data) or timeout_ms; false on timeout. */
static bool
run_until(struct fixture *f, bool (*cond)(void *), void *data, int timeout_ms)
{
	uint64_t deadline = process_clock_ms() + (uint64_t)timeout_ms;
	while (!cond(data)) {
		uint64_t now = process_clock_ms();
		if (now >= deadline) {
			return false;
		}
		int left = (int)(deadline - now);
		wl_event_loop_dispatch(f->loop, left < 20 ? left : 20);
	}
	return true;
}

/* Dispatches for ms, whatever happens. */
static void
run_for(struct fixture *f, int ms)
{
	uint64_t end = process_clock_ms() + (uint64_t)ms;
	uint64_t now;
	while ((now = process_clock_ms()) < end) {
		int left = (int)(end - now);
		wl_event_loop_dispatch(f->loop, left < 20 ? left : 20);
	}
}

static bool
has_exited(void *data)
{
	return ((struct recorder *)data)->exited > 0;
}

static bool
is_ready(void *data)
{
	return ((struct recorder *)data)->ready > 0;
}

static bool
is_down(void *data)
{
	return ((struct recorder *)data)->down > 0;
}

static bool
no_children(void *data)
{
	return process_supervisor_child_count(data) == 0;
}

static struct process *
make(struct fixture *f, struct recorder *r, struct process_spec *spec)
{
	memset(r, 0, sizeof(*r));
	r->socket_fd = -1;
	r->p = process_create(f->sup, spec, &rec_events, r);
	tap_assert(r->p);
	return r->p;
}

/* A reaped pid: no process, not even a zombie. */
static bool
reaped(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* A line from fd (blocking, bounded by SO_RCVTIMEO or the pipe's writer). */
static void
read_line(int fd, char *out, size_t size)
{
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); /* a pipe: ENOTSOCK, fine */
	size_t used = 0;
	while (used + 1 < size) {
		ssize_t n = read(fd, out + used, 1);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0 || out[used] == '\n') {
			break;
		}
		used++;
	}
	out[used] = '\0';
}

/* The value of "key=" in a report line. */
static void
field(const char *line, const char *key, char *out, size_t size)
{
	char needle[32];
	snprintf(needle, sizeof(needle), " %s=", key);
	char padded[1024];
	snprintf(padded, sizeof(padded), " %s", line);
	const char *p = strstr(padded, needle);
	tap_assert_msg(p, "no %s in \"%s\"", key, line);
	p += strlen(needle);
	snprintf(out, size, "%.*s", (int)strcspn(p, " "), p);
}

static long
field_long(const char *line, const char *key)
{
	char v[64];
	field(line, key, v, sizeof(v));
	return strtol(v, NULL, 0);
}

/* ---- the tests ------------------------------------------------------------ */

/*
 * What a child gets: fds 0, 1, 2, its socket as 3 and the passed pipe as 5,
 * nothing else (not the stray fd without close-on-exec, not the loop's);
 * nothing blocked or ignored although the parent blocks and ignores
 * signals; its own session and group; SIGKILL at the parent's death; the
 * given environment; stdout and stderr in the log.
 */
static void
child_gets_a_clean_slate(void)
{
	struct fixture f;
	fixture_init(&f, false);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	void (*old_hup)(int) = signal(SIGHUP, SIG_IGN);
	int stray = open("/dev/null", O_RDONLY); /* no O_CLOEXEC, on purpose */
	tap_assert(stray >= 0);
	int pipe_fds[2];
	tap_assert(pipe2(pipe_fds, O_CLOEXEC) == 0);
	char log_path[] = "/tmp/process-test-XXXXXX";
	int log_fd = mkstemp(log_path);
	tap_assert(log_fd >= 0);
	close(log_fd);

	const char *argv[] = { child_path(), "report", NULL };
	const char *envp[] = { "STRATA_TEST_ENV=seen", NULL };
	const struct process_fd fds[] = { { pipe_fds[1], 5 } };
	struct process_spec spec = {
		.argv = argv,
		.envp = envp,
		.log_path = log_path,
		.socket_target = 3,
		.fds = fds,
		.fd_count = 1,
	};
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	tap_assert(r.started == 1 && r.pid > 0 && r.socket_fd >= 0);
	char line[1024];
	read_line(r.socket_fd, line, sizeof(line));
	tap_diag("the child says: %s", line);

	char v[128];
	field(line, "fds", v, sizeof(v));
	tap_assert_str_eq(v, "0,1,2,3,5");
	field(line, "sigblk", v, sizeof(v));
	tap_assert_msg(strtoull(v, NULL, 16) == 0, "blocked in the child: %s", v);
	field(line, "sigign", v, sizeof(v));
	tap_assert_msg(strtoull(v, NULL, 16) == 0, "ignored in the child: %s", v);
	tap_assert_int_eq(field_long(line, "pdeathsig"), SIGKILL);
	tap_assert_int_eq(field_long(line, "pid"), r.pid);
	tap_assert_int_eq(field_long(line, "pgid"), r.pid);
	tap_assert_int_eq(field_long(line, "sid"), r.pid);
	tap_assert_int_eq(field_long(line, "ppid"), getpid());
	field(line, "env", v, sizeof(v));
	tap_assert_str_eq(v, "seen");

	/* The same, seen from outside: /proc/PID/fd, and where 1 and 2 go. */
	char path[64], target[256];
	int seen[8], count = 0;
	for (int fd = 0; fd < 64; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)r.pid, fd);
		struct stat st;
		if (lstat(path, &st) == 0 && count < 8) {
			seen[count++] = fd;
		}
	}
	tap_assert_int_eq(count, 5);
	tap_assert(seen[0] == 0 && seen[1] == 1 && seen[2] == 2 && seen[3] == 3 && seen[4] == 5);
	for (int fd = 1; fd <= 2; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)r.pid, fd);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		tap_assert_str_eq(target, log_path);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)r.pid);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	tap_assert_str_eq(target, "/dev/null");
	process_destroy(r.p);
	tap_assert(run_until(&f, no_children, f.sup, 5000));
	tap_assert(reaped(r.pid));

	/* fd 5 is the pipe given as 5. */
	const char *argv2[] = { child_path(), "write-fd", "5", "through-five", NULL };
	spec = (struct process_spec){ .argv = argv2, .fds = fds, .fd_count = 1 };
	struct recorder r2;
	make(&f, &r2, &spec);
	tap_assert(process_start(r2.p));
	close(pipe_fds[1]);
	read_line(pipe_fds[0], line, sizeof(line));
	tap_assert_str_eq(line, "through-five");
	process_destroy(r2.p);
	tap_assert(run_until(&f, no_children, f.sup, 5000));

	close(r.socket_fd);
	close(pipe_fds[0]);
	close(stray);
	unlink(log_path);
	fixture_finish(&f);
	signal(SIGPIPE, old_pipe);
	signal(SIGHUP, old_hup);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * A supervised child that dies at once: restarted after 250, 500, 1000 ms,
 * each measured from the end the supervisor saw to the next start, so in
 * 2 s it starts 3 or 4 times, never more.
 */
static void
crash_loop_backs_off_in(bool force_sigchld)
{
	struct fixture f;
	fixture_init(&f, force_sigchld);
	const char *argv[] = { child_path(), "exit", "3", NULL };
	struct process_spec spec = { .argv = argv, .restart = PROCESS_RESTART_ALWAYS };
	struct recorder r;
	make(&f, &r, &spec);
	uint64_t t0 = process_clock_ms();
	tap_assert(process_start(r.p));
	run_for(&f, 2000);
	uint64_t elapsed = process_clock_ms() - t0;
	tap_diag("%d starts, %d ends in %llu ms", r.started, r.exited, (unsigned long long)elapsed);
	tap_assert_msg(r.started >= 3 && r.started <= 4, "%d starts in %llu ms", r.started,
			(unsigned long long)elapsed);
	static const uint32_t expected[] = { 250, 500, 1000, 2000 };
	for (int i = 1; i < r.started; i++) {
		uint64_t gap = r.started_ms[i] - r.ended_ms[i - 1];
		tap_diag("end %d -> start %d: %llu ms (scheduled %u)", i, i + 1,
				(unsigned long long)gap, r.scheduled[i - 1]);
		tap_assert_int_eq(r.scheduled[i - 1], expected[i - 1]);
		tap_assert_msg(gap >= r.scheduled[i - 1], "restarted after %llu ms, not %u",
				(unsigned long long)gap, r.scheduled[i - 1]);
	}
	tap_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
	struct process_info info;
	process_get_info(r.p, &info);
	tap_assert_int_eq(info.starts, r.started);
	tap_assert_int_eq(info.restarts, r.started - 1);
	process_destroy(r.p);
	tap_assert(run_until(&f, no_children, f.sup, 5000));
	fixture_finish(&f);
}

static void
crash_loop_backs_off(void)
{
	crash_loop_backs_off_in(false);
}

static void
crash_loop_backs_off_with_sigchld(void)
{
	crash_loop_backs_off_in(true);
}

/*
 * A child that ignores SIGTERM: process_stop() returns at once, SIGKILL
 * comes at the deadline (not before), and its end is reported.
 */
static void
stop_kills_after_the_deadline(void)
{
	struct fixture f;
	fixture_init(&f, false);
	const char *argv[] = { child_path(), "ignore-term", NULL };
	struct process_spec spec = {
		.argv = argv,
		.ready_line = "child: ready",
		.stop_timeout_ms = 300,
	};
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	tap_assert_msg(run_until(&f, is_ready, &r, 5000), "the child never said ready");
	uint64_t t0 = process_clock_ms();
	process_stop(r.p);
	uint64_t returned = process_clock_ms() - t0;
	struct process_info info;
	process_get_info(r.p, &info);
	tap_assert_int_eq(info.state, PROCESS_STOPPING);
	tap_assert_msg(returned < 50, "process_stop took %llu ms", (unsigned long long)returned);
	tap_assert(run_until(&f, has_exited, &r, 5000));
	uint64_t took = process_clock_ms() - t0;
	tap_diag("SIGTERM ignored: ended after %llu ms", (unsigned long long)took);
	tap_assert_msg(took >= 300, "killed after %llu ms", (unsigned long long)took);
	tap_assert(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
	process_get_info(r.p, &info);
	tap_assert_int_eq(info.state, PROCESS_STOPPED);
	tap_assert(reaped(r.pid));

	/* A start while the old one is still stopping: a new one runs, the old
	 * one ends unheard. */
	memset(&r, 0, sizeof(r));
	r.socket_fd = -1;
	r.p = process_create(f.sup, &spec, &rec_events, &r);
	tap_assert(process_start(r.p) && run_until(&f, is_ready, &r, 5000));
	pid_t old = r.pid;
	process_stop(r.p);
	tap_assert(process_start(r.p));
	tap_assert(r.pid != old && r.started == 2);
	tap_assert(run_until(&f, no_children, f.sup, 100) == false);
	bool gone = false;
	uint64_t deadline = process_clock_ms() + 5000;
	while (!gone && process_clock_ms() < deadline) {
		run_for(&f, 20);
		gone = reaped(old);
	}
	tap_assert_msg(gone, "the old child %d is still there", (int)old);
	tap_assert_int_eq(r.exited, 0);
	process_get_info(r.p, &info);
	tap_assert(info.state == PROCESS_STARTING || info.state == PROCESS_RUNNING);
	process_destroy(r.p);
	tap_assert(run_until(&f, no_children, f.sup, 5000));
	fixture_finish(&f);
}

/* The grandchild's pid, from a "group" child's fd 3. */
static pid_t
read_grandchild(int fd)
{
	char line[128];
	read_line(fd, line, sizeof(line));
	int pid = 0;
	tap_assert_msg(sscanf(line, "grandchild %d", &pid) == 1 && pid > 0, "\"%s\"", line);
	return pid;
}

/* Waits (we are its subreaper) for the grandchild; its status, -1 if it
 * did not end within 3 s. */
static int
wait_grandchild(pid_t pid)
{
	uint64_t deadline = process_clock_ms() + 3000;
	int status;
	while (process_clock_ms() < deadline) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			return status;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/*
 * Shutdown with everything at once: a supervised child, one that ignores
 * SIGTERM, one nobody owns, one backing off, one whose grandchild ignores
 * SIGTERM. After one bounded wait (over 2 s, since one needs SIGKILL; under
 * 3.5 s) no child is left, none a zombie, the grandchild was killed, and no
 * callback came.
 */
static void
shutdown_in(bool force_sigchld)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct fixture f;
	fixture_init(&f, force_sigchld);
	const char *sleep_argv[] = { child_path(), "sleep", NULL };
	const char *stubborn_argv[] = { child_path(), "ignore-term", NULL };
	const char *crash_argv[] = { child_path(), "exit", "1", NULL };
	const char *group_argv[] = { child_path(), "group", NULL };
	struct process_spec sleeper = { .argv = sleep_argv, .restart = PROCESS_RESTART_ALWAYS };
	struct process_spec stubborn = { .argv = stubborn_argv, .ready_line = "child: ready" };
	struct process_spec crasher = { .argv = crash_argv, .restart = PROCESS_RESTART_ALWAYS };
	struct process_spec grouped = { .argv = group_argv, .socket_target = 3 };
	struct recorder a, b, c, d;
	make(&f, &a, &sleeper);
	make(&f, &b, &stubborn);
	make(&f, &c, &crasher);
	make(&f, &d, &grouped);
	tap_assert(process_start(a.p) && process_start(b.p) && process_start(c.p) &&
			process_start(d.p));
	pid_t lone = process_spawn(f.sup, &sleeper);
	tap_assert(lone > 0);
	pid_t grandchild = read_grandchild(d.socket_fd);
	tap_assert(run_until(&f, is_ready, &b, 5000));
	tap_assert(run_until(&f, has_exited, &c, 5000));
	struct process_info info;
	process_get_info(c.p, &info);
	tap_assert_int_eq(info.state, PROCESS_BACKING_OFF);
	tap_assert_int_eq(process_supervisor_child_count(f.sup), 4);

	int before = callbacks;
	uint64_t t0 = process_clock_ms();
	process_supervisor_shutdown(f.sup);
	uint64_t took = process_clock_ms() - t0;
	tap_diag("shutdown took %llu ms", (unsigned long long)took);
	tap_assert_msg(took >= PROCESS_SHUTDOWN_TERM_MS && took < 3500, "shutdown took %llu ms",
			(unsigned long long)took);
	tap_assert_int_eq(process_supervisor_child_count(f.sup), 0);
	pid_t pids[] = { a.pid, b.pid, d.pid, lone };
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		tap_assert_msg(reaped(pids[i]), "pid %d is still there", (int)pids[i]);
	}
	/* Orphaned when its parent ended, it was ours: killed with its group,
	 * then reaped by the supervisor with what children left behind. */
	tap_assert_msg(reaped(grandchild), "the grandchild %d is still there", (int)grandchild);
	/* Nothing starts any more, no callback came, none comes. */
	tap_assert(!process_start(a.p));
	run_for(&f, 300);
	tap_assert_int_eq(callbacks, before);
	process_get_info(c.p, &info);
	tap_assert_int_eq(info.state, PROCESS_STOPPED);
	process_destroy(a.p);
	process_destroy(b.p);
	process_supervisor_destroy(f.sup);
	/* Destroyed after their supervisor: inert, still freed. */
	process_destroy(c.p);
	process_destroy(d.p);
	close(d.socket_fd);
	wl_event_loop_destroy(f.loop);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void
shutdown_leaves_nothing(void)
{
	shutdown_in(false);
}

static void
shutdown_leaves_nothing_with_sigchld(void)
{
	shutdown_in(true);
}

/* The leader of a group ends by itself: what it left in its group goes. */
static void
leftovers_of_a_group_are_killed(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct fixture f;
	fixture_init(&f, false);
	const char *argv[] = { child_path(), "group-exit", NULL };
	struct process_spec spec = { .argv = argv, .socket_target = 3 };
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	pid_t grandchild = read_grandchild(r.socket_fd);
	tap_assert(run_until(&f, has_exited, &r, 5000));
	int status = wait_grandchild(grandchild);
	tap_assert_msg(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			"the grandchild: status %d", status);
	close(r.socket_fd);
	process_destroy(r.p);
	fixture_finish(&f);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/*
 * A child's child that left its group (a session of its own) and ignores
 * SIGTERM outlives its parent: no group kill reaches it. Orphaned, it is
 * ours (the supervisor makes us a child subreaper), and shutdown ends it.
 */
static void
orphans_that_left_the_group_are_ended(void)
{
	struct fixture f;
	fixture_init(&f, false);
	const char *argv[] = { child_path(), "escape-exit", NULL };
	struct process_spec spec = { .argv = argv, .socket_target = 3 };
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	pid_t grandchild = read_grandchild(r.socket_fd);
	tap_assert(run_until(&f, has_exited, &r, 5000));
	run_for(&f, 200);
	tap_assert_msg(!reaped(grandchild), "the grandchild ended with its parent: nothing tried");
	process_supervisor_shutdown(f.sup);
	tap_assert_msg(reaped(grandchild), "the grandchild %d outlived the shutdown",
			(int)grandchild);
	close(r.socket_fd);
	process_destroy(r.p);
	fixture_finish(&f);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/*
 * As root only (skipped otherwise): a copy of the child program in a
 * directory of its own (dir, a mkdtemp template), which a child running as
 * nobody can reach: the build tree may be under a 0700 home (the way strata
 * stages what its cages run).
 */
static void
stage_child_as_root(char *dir, char *program, size_t size)
{
	if (geteuid() != 0) {
		tap_skip("not root: no uid to drop to");
	}
	tap_assert(mkdtemp(dir) != NULL && chmod(dir, 0755) == 0);
	snprintf(program, size, "%s/process-child", dir);
	tap_assert_msg(paths_copy_program(child_path(), program), "cannot copy %s: %s",
			child_path(), strerror(errno));
}

/*
 * An orphan of another user that came to us (a cage's process whose bwrap
 * died) and ends is reaped at once, not left a zombie until shutdown.
 */
static void
orphans_of_other_users_are_reaped_when_they_end(void)
{
	char dir[] = "/tmp/strata-process-XXXXXX";
	char program[sizeof(dir) + 32];
	stage_child_as_root(dir, program, sizeof(program));
	struct fixture f;
	fixture_init(&f, false);
	const char *argv[] = { program, "escape-exit", NULL };
	struct process_spec spec = {
		.argv = argv,
		.socket_target = 3,
		.drop = true,
		.uid = 65534,
		.gid = 65534,
	};
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	pid_t grandchild = read_grandchild(r.socket_fd);
	tap_assert(run_until(&f, has_exited, &r, 5000));
	run_for(&f, 100);
	tap_assert_msg(!reaped(grandchild), "the grandchild ended with its parent: nothing tried");
	kill(grandchild, SIGKILL);
	run_for(&f, 500);
	/* A zombie still takes a signal of 0: only a reaped pid is gone. */
	tap_assert_msg(reaped(grandchild), "the orphan %d ended and is still a zombie",
			(int)grandchild);
	close(r.socket_fd);
	process_destroy(r.p);
	fixture_finish(&f);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	unlink(program);
	rmdir(dir);
}

/*
 * An owner that goes away first hears nothing: its recorder is freed right
 * after process_destroy() (ASan reports any write to it), and its child is
 * still stopped and reaped. An owner may also destroy its process from its
 * own exit callback: nothing starts again.
 */
static void
destroyed_owner_hears_nothing(void)
{
	struct fixture f;
	fixture_init(&f, false);
	const char *argv[] = { child_path(), "sleep", NULL };
	struct process_spec spec = { .argv = argv, .restart = PROCESS_RESTART_ALWAYS };
	struct recorder *r = calloc(1, sizeof(*r));
	tap_assert(r);
	r->socket_fd = -1;
	r->p = process_create(f.sup, &spec, &rec_events, r);
	tap_assert(r->p && process_start(r->p));
	pid_t pid = r->pid;
	int before = callbacks;
	process_destroy(r->p);
	free(r);
	tap_assert(run_until(&f, no_children, f.sup, 5000));
	tap_assert(reaped(pid));
	tap_assert_int_eq(callbacks, before);

	const char *crash_argv[] = { child_path(), "exit", "0", NULL };
	spec.argv = crash_argv;
	struct recorder r2;
	make(&f, &r2, &spec);
	r2.destroy_on_exit = true;
	tap_assert(process_start(r2.p));
	tap_assert(run_until(&f, has_exited, &r2, 5000));
	tap_assert(r2.p == NULL);
	run_for(&f, 600); /* more than its first back-off */
	tap_assert_int_eq(r2.started, 1);
	tap_assert_int_eq(process_supervisor_child_count(f.sup), 0);
	fixture_finish(&f);
}

/* Its ready line makes it ready, its down line not ready any more. */
static void
ready_and_down_lines(void)
{
	struct fixture f;
	fixture_init(&f, false);
	const char *argv[] = { child_path(), "ready", NULL };
	struct process_spec spec = {
		.argv = argv,
		.ready_line = "child: ready",
		.down_line = "child: down",
	};
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	struct process_info info;
	process_get_info(r.p, &info);
	tap_assert(info.state == PROCESS_STARTING && !info.ready);
	tap_assert(run_until(&f, is_ready, &r, 5000));
	process_get_info(r.p, &info);
	tap_assert(info.state == PROCESS_RUNNING && info.ready && info.pid == r.pid);
	tap_assert(kill(r.pid, SIGUSR1) == 0);
	tap_assert(run_until(&f, is_down, &r, 5000));
	process_get_info(r.p, &info);
	tap_assert(info.state == PROCESS_STARTING && !info.ready);
	process_destroy(r.p);
	tap_assert(run_until(&f, no_children, f.sup, 5000));
	fixture_finish(&f);
}

/* With ready_prefix, a line that begins with the ready line makes it ready
 * (dbus-daemon prints its address, then a guid that changes every time). */
static void
ready_line_as_a_prefix(void)
{
	struct fixture f;
	fixture_init(&f, false);
	const char *argv[] = { child_path(), "ready", NULL };
	struct process_spec spec = {
		.argv = argv,
		.ready_line = "child: re",
		.ready_prefix = true,
	};
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	tap_assert(run_until(&f, is_ready, &r, 5000));
	struct process_info info;
	process_get_info(r.p, &info);
	tap_assert(info.state == PROCESS_RUNNING && info.ready);
	process_destroy(r.p);
	tap_assert(run_until(&f, no_children, f.sup, 5000));
	fixture_finish(&f);
}

/* As root: the child runs as the given uid and gid with no groups, and its
 * parent-death signal survived the change (set after it). */
static void
credentials_are_dropped(void)
{
	char dir[] = "/tmp/strata-process-XXXXXX";
	char program[sizeof(dir) + 32];
	stage_child_as_root(dir, program, sizeof(program));
	struct fixture f;
	fixture_init(&f, false);
	const char *argv[] = { program, "report", "exit", NULL };
	struct process_spec spec = {
		.argv = argv,
		.socket_target = 3,
		.drop = true,
		.uid = 65534,
		.gid = 65534,
	};
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	char line[1024];
	read_line(r.socket_fd, line, sizeof(line));
	tap_diag("the child says: %s", line);
	tap_assert_int_eq(field_long(line, "uid"), 65534);
	tap_assert_int_eq(field_long(line, "gid"), 65534);
	tap_assert_int_eq(field_long(line, "groups"), 0);
	tap_assert_int_eq(field_long(line, "pdeathsig"), SIGKILL);
	tap_assert(run_until(&f, has_exited, &r, 5000));
	close(r.socket_fd);
	process_destroy(r.p);
	fixture_finish(&f);
	unlink(program);
	rmdir(dir);
}

/* Refused: a relative path, fds at 0-2 or twice, a socket at 1. A program
 * that cannot be executed ends with 127. */
static void
bad_specs_fail_closed(void)
{
	struct fixture f;
	fixture_init(&f, false);
	const char *relative[] = { "process-child", "sleep", NULL };
	struct process_spec spec = { .argv = relative };
	tap_assert(process_create(f.sup, &spec, NULL, NULL) == NULL);
	tap_assert(process_spawn(f.sup, &spec) < 0);
	const char *argv[] = { child_path(), "sleep", NULL };
	struct process_fd low[] = { { 0, 2 } };
	spec = (struct process_spec){ .argv = argv, .fds = low, .fd_count = 1 };
	tap_assert(process_create(f.sup, &spec, NULL, NULL) == NULL);
	struct process_fd twice[] = { { 0, 4 }, { 1, 4 } };
	spec = (struct process_spec){ .argv = argv, .fds = twice, .fd_count = 2 };
	tap_assert(process_create(f.sup, &spec, NULL, NULL) == NULL);
	struct process_fd clash[] = { { 0, 3 } };
	spec = (struct process_spec){ .argv = argv,
		.fds = clash,
		.fd_count = 1,
		.socket_target = 3 };
	tap_assert(process_create(f.sup, &spec, NULL, NULL) == NULL);
	spec = (struct process_spec){ .argv = argv, .socket_target = 1 };
	tap_assert(process_create(f.sup, &spec, NULL, NULL) == NULL);
	struct process_fd many[PROCESS_MAX_FDS + 1];
	for (int i = 0; i <= PROCESS_MAX_FDS; i++) {
		many[i] = (struct process_fd){ 0, 10 + i };
	}
	spec = (struct process_spec){ .argv = argv, .fds = many, .fd_count = PROCESS_MAX_FDS + 1 };
	tap_assert(process_create(f.sup, &spec, NULL, NULL) == NULL);
	process_destroy(NULL);
	process_stop(NULL);
	tap_assert(!process_start(NULL));
	process_supervisor_shutdown(NULL);
	process_supervisor_destroy(NULL);

	const char *missing[] = { "/nonexistent/strata-test-program", NULL };
	spec = (struct process_spec){ .argv = missing };
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	tap_assert(run_until(&f, has_exited, &r, 5000));
	tap_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127);
	process_destroy(r.p);
	fixture_finish(&f);
}

/* The SIGCHLD fallback reaps its own children only: a child of ours that
 * the supervisor did not start is still ours to reap afterwards. */
static void
fallback_never_reaps_foreign_children(void)
{
	struct fixture f;
	fixture_init(&f, true);
	pid_t own = fork();
	tap_assert(own >= 0);
	if (own == 0) {
		_exit(42);
	}
	const char *argv[] = { child_path(), "exit", "0", NULL };
	struct process_spec spec = { .argv = argv, .restart = PROCESS_RESTART_ALWAYS };
	struct recorder r;
	make(&f, &r, &spec);
	tap_assert(process_start(r.p));
	run_for(&f, 900); /* its ends, and restarts, each a SIGCHLD */
	tap_assert_msg(r.exited >= 2, "%d ends", r.exited);
	int status = 0;
	tap_assert_int_eq(waitpid(own, &status, WNOHANG), own);
	tap_assert(WIFEXITED(status) && WEXITSTATUS(status) == 42);
	process_destroy(r.p);
	tap_assert(run_until(&f, no_children, f.sup, 5000));
	fixture_finish(&f);
}

/* 250 ms doubling to 30 s; back to 250 ms after a run of 30 s. */
static void
back_off_schedule(void)
{
	static const uint32_t expected[] = { 250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
		30000 };
	unsigned consecutive = 0;
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		tap_assert_int_eq(process_restart_delay(&consecutive, 10), expected[i]);
	}
	tap_assert_int_eq(process_restart_delay(&consecutive, 29999), 30000);
	tap_assert_int_eq(process_restart_delay(&consecutive, PROCESS_STABLE_MS), 250);
	tap_assert_int_eq(process_restart_delay(&consecutive, 0), 500);
}

TAP_TESTS(TAP_CASE(child_gets_a_clean_slate), TAP_CASE(crash_loop_backs_off),
		TAP_CASE(crash_loop_backs_off_with_sigchld),
		TAP_CASE(stop_kills_after_the_deadline), TAP_CASE(shutdown_leaves_nothing),
		TAP_CASE(shutdown_leaves_nothing_with_sigchld),
		TAP_CASE(leftovers_of_a_group_are_killed),
		TAP_CASE(orphans_that_left_the_group_are_ended),
		TAP_CASE(orphans_of_other_users_are_reaped_when_they_end),
		TAP_CASE(destroyed_owner_hears_nothing), TAP_CASE(ready_and_down_lines),
		TAP_CASE(ready_line_as_a_prefix), TAP_CASE(credentials_are_dropped),
		TAP_CASE(bad_specs_fail_closed), TAP_CASE(fallback_never_reaps_foreign_children),
		TAP_CASE(back_off_schedule), )
