// SPDX-License-Identifier: MIT
/*
 * The process supervisor (process.h): children, their watchers, restarts
 * with back-off, stops without waiting, and the collective end at shutdown.
 * How a child is started with a clean slate is spawn.c's job.
 *
 * Two kinds of records: a struct process belongs to its owner (its spec,
 * state, back-off and callbacks); a struct process_child belongs to the
 * supervisor and lives from fork to reaping. An owner that goes away only
 * cuts the link from its child to itself, so no callback can reach it, while
 * the child is still ended and reaped here.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "process.h"
#include "spawn.h"

#define LINE_MAX_BYTES 256

struct process_child {
	struct process_supervisor *sup;
	struct process *process; /* its owner; NULL once detached */
	pid_t pid; /* also its process group */
	char name[64];
	int pidfd; /* -1: watched by the SIGCHLD fallback */
	struct wl_event_source *pidfd_source;
	int out_fd; /* the read end of its stdout when it has a ready line, else -1 */
	struct wl_event_source *out_source;
	char line[LINE_MAX_BYTES + 1];
	size_t line_len;
	bool line_discard; /* an over-long line is being skipped */
	int stop_timeout_ms;
	bool stopping; /* SIGTERM sent */
	struct wl_event_source *kill_timer; /* may be NULL */
	struct wl_list link; /* process_supervisor.children */
};

struct process {
	struct process_supervisor *sup; /* NULL once the supervisor is gone */
	struct wl_list link; /* process_supervisor.processes */
	struct spawn_spec *spec; /* our copy */
	char *ready_line, *down_line;
	bool ready_prefix;
	enum process_restart restart;
	int stop_timeout_ms;
	struct process_events events;
	void *data;

	enum process_state state;
	bool ready;
	struct process_child *child; /* NULL unless STARTING, RUNNING or STOPPING */
	unsigned starts, restarts;
	unsigned consecutive; /* restarts in a row, for the back-off */
	uint64_t started_ms;
	uint64_t ended_ms;
	uint32_t restart_delay_ms;
	struct wl_event_source *restart_timer; /* may be NULL */
};

struct process_supervisor {
	struct wl_event_loop *loop;
	bool use_pidfd;
	struct wl_event_source *sigchld; /* the fallback; may be NULL */
	struct wl_list processes; /* struct process.link */
	struct wl_list children; /* struct process_child.link */
	bool shut_down;
	bool subreaper; /* orphans of our children come to us */
};

uint64_t
process_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint32_t
process_restart_delay(unsigned *consecutive, uint64_t ran_ms)
{
	if (ran_ms >= PROCESS_STABLE_MS) {
		*consecutive = 0;
	}
	unsigned shift = *consecutive < 7 ? *consecutive : 7;
	uint32_t delay = (uint32_t)PROCESS_RESTART_MIN_MS << shift;
	(*consecutive)++;
	return delay > PROCESS_RESTART_MAX_MS ? PROCESS_RESTART_MAX_MS : delay;
}

static void
describe_status(int status, char *out, size_t size)
{
	if (status < 0) {
		snprintf(out, size, "status unknown");
	} else if (WIFSIGNALED(status)) {
		snprintf(out, size, "signal %d", WTERMSIG(status));
	} else if (WEXITSTATUS(status) == SPAWN_EXIT_SETUP) {
		snprintf(out, size, "status %d: its start failed", SPAWN_EXIT_SETUP);
	} else if (WEXITSTATUS(status) == SPAWN_EXIT_EXEC) {
		snprintf(out, size, "status %d: cannot be executed", SPAWN_EXIT_EXEC);
	} else {
		snprintf(out, size, "status %d", WEXITSTATUS(status));
	}
}

/* waitid's answer as a waitpid status. */
static int
wait_status(const siginfo_t *info)
{
	switch (info->si_code) {
	case CLD_EXITED:
		return (info->si_status & 0xff) << 8;
	case CLD_KILLED:
		return info->si_status & 0x7f;
	case CLD_DUMPED:
		return (info->si_status & 0x7f) | 0x80;
	default:
		return -1;
	}
}

/* Its group (what it started) and itself (before its setsid()). Only ever
 * called before it is reaped: its pid cannot have been reused. */
static void
signal_child(struct process_child *c, int sig)
{
	kill(-c->pid, sig);
	kill(c->pid, sig);
}

static void
child_unwatch(struct process_child *c)
{
	if (c->pidfd_source) {
		wl_event_source_remove(c->pidfd_source);
		c->pidfd_source = NULL;
	}
	if (c->out_source) {
		wl_event_source_remove(c->out_source);
		c->out_source = NULL;
	}
	if (c->kill_timer) {
		wl_event_source_remove(c->kill_timer);
		c->kill_timer = NULL;
	}
}

static void
child_free(struct process_child *c)
{
	child_unwatch(c);
	if (c->pidfd >= 0) {
		close(c->pidfd);
	}
	if (c->out_fd >= 0) {
		close(c->out_fd);
	}
	wl_list_remove(&c->link);
	free(c);
}

static bool start_now(struct process *p, bool restart);

/* Its owner hears of its end, and a supervised process is scheduled again. */
static void
owner_hears_end(struct process *p, struct process_child *c, int status)
{
	p->child = NULL;
	p->ready = false;
	p->ended_ms = process_clock_ms();
	char how[64];
	describe_status(status, how, sizeof(how));
	if (p->restart == PROCESS_RESTART_ALWAYS && !c->stopping) {
		uint64_t ran = p->ended_ms - p->started_ms;
		p->restart_delay_ms = process_restart_delay(&p->consecutive, ran);
		p->state = PROCESS_BACKING_OFF;
		if (p->restart_timer) {
			wl_event_source_timer_update(p->restart_timer, (int)p->restart_delay_ms);
		}
		wlr_log(WLR_ERROR, "%s (pid %d) ended (%s) after %llu ms; restarting in %u ms",
				c->name, (int)c->pid, how, (unsigned long long)ran,
				p->restart_delay_ms);
	} else {
		p->state = PROCESS_STOPPED;
		wlr_log(c->stopping ? WLR_INFO : WLR_ERROR, "%s (pid %d) ended (%s)", c->name,
				(int)c->pid, how);
	}
	if (p->events.exited) {
		p->events.exited(p->data, c->pid, status); /* may destroy p */
	}
}

static int
child_waitid(struct process_child *c, siginfo_t *info, int options)
{
	memset(info, 0, sizeof(*info));
	int r;
	do {
		r = c->pidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, info, options) :
				    waitid(P_PID, (id_t)c->pid, info, options);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* It may have ended (its pidfd is readable, or SIGCHLD came): if so, what
 * is left of its group is killed, it is reaped and its owner told. */
static void
child_ended(struct process_child *c)
{
	siginfo_t info;
	int r = child_waitid(c, &info, WEXITED | WNOHANG | WNOWAIT);
	if (r == 0 && info.si_pid == 0) {
		return; /* still running */
	}
	if (r == 0) {
		/* A zombie still holds its pid, so its group id cannot have
		 * been reused: the group's leftovers go now. */
		kill(-c->pid, SIGKILL);
		r = child_waitid(c, &info, WEXITED | WNOHANG);
	}
	int status = r == 0 && info.si_pid != 0 ? wait_status(&info) : -1;
	if (r < 0) {
		wlr_log_errno(WLR_ERROR, "waitid %s (pid %d)", c->name, (int)c->pid);
	}
	struct process *p = c->process;
	struct process_supervisor *sup = c->sup;
	child_unwatch(c);
	if (p && !sup->shut_down) {
		/* c stays readable for the log until freed below */
		wl_list_remove(&c->link);
		wl_list_init(&c->link);
		owner_hears_end(p, c, status);
	} else {
		char how[64];
		describe_status(status, how, sizeof(how));
		wlr_log(WLR_DEBUG, "%s (pid %d) ended (%s)", c->name, (int)c->pid, how);
	}
	child_free(c);
}

static int
handle_pidfd(int fd, uint32_t mask, void *data)
{
	child_ended(data);
	return 0;
}

/* Has it ended? It is not reaped here (see child_ended). */
static bool
child_has_ended(struct process_child *c)
{
	siginfo_t info;
	return child_waitid(c, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
}

/* Reaps every child that has ended; our own pids only. A callback may
 * start or detach children: scan again after each. */
static void
reap_ended(struct process_supervisor *sup)
{
	bool again = true;
	while (again) {
		again = false;
		struct process_child *c;
		wl_list_for_each(c, &sup->children, link) {
			if (child_has_ended(c)) {
				child_ended(c);
				again = true;
				break;
			}
		}
	}
}

static bool
is_own_child(struct process_supervisor *sup, pid_t pid)
{
	struct process_child *c;
	wl_list_for_each(c, &sup->children, link) {
		if (c->pid == pid) {
			return true;
		}
	}
	return false;
}

static size_t list_children(pid_t *out, size_t max);

#define ORPHANS_MAX 256

/*
 * Orphans that came to us (we are a child subreaper) and ended: reaped, or
 * each would stay a zombie, holding a pid and counting against its user's
 * process limit, until shutdown. Only what runs as another user than us (a
 * cage's processes run as the level's user): a child of ours that is not
 * the supervisor's was forked as us by someone else in this process (wlroots
 * starts Xwayland so), and is theirs to reap.
 */
static void
reap_orphans(struct process_supervisor *sup)
{
	static pid_t pids[ORPHANS_MAX];
	size_t count = list_children(pids, ORPHANS_MAX);
	for (size_t i = 0; i < count; i++) {
		siginfo_t info = { 0 };
		if (is_own_child(sup, pids[i]) ||
				waitid(P_PID, (id_t)pids[i], &info, WEXITED | WNOHANG | WNOWAIT) !=
						0 ||
				info.si_pid != pids[i] || info.si_uid == getuid()) {
			continue;
		}
		waitpid(pids[i], NULL, WNOHANG);
	}
}

static int
handle_sigchld(int signal, void *data)
{
	struct process_supervisor *sup = data;
	reap_ended(sup);
	if (sup->subreaper) {
		reap_orphans(sup);
	}
	return 0;
}

static bool
is_ready_line(const struct process *p, const char *line)
{
	if (!p->ready_line) {
		return false;
	}
	if (p->ready_prefix) {
		return strncmp(line, p->ready_line, strlen(p->ready_line)) == 0;
	}
	return strcmp(line, p->ready_line) == 0;
}

static void
line_seen(struct process_child *c, const char *line)
{
	struct process *p = c->process;
	if (!p || c->sup->shut_down || c->stopping) {
		return;
	}
	bool ready;
	bool ready_seen = is_ready_line(p, line);
	if (ready_seen && !p->ready) {
		ready = true;
	} else if (p->down_line && p->ready && strcmp(line, p->down_line) == 0) {
		ready = false;
	} else {
		return;
	}
	p->ready = ready;
	p->state = ready ? PROCESS_RUNNING : PROCESS_STARTING;
	wlr_log(WLR_INFO, "%s (pid %d) %s", c->name, (int)c->pid,
			ready ? "is ready" : "says it is down");
	if (p->events.ready) {
		p->events.ready(p->data, ready); /* may destroy p, never c */
	}
}

static int
handle_output(int fd, uint32_t mask, void *data)
{
	struct process_child *c = data;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (n <= 0) {
		/* It closed its stdout (or ended): nothing more to hear. */
		wl_event_source_remove(c->out_source);
		c->out_source = NULL;
		close(c->out_fd);
		c->out_fd = -1;
		return 0;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			c->line[c->line_len] = '\0';
			if (!c->line_discard) {
				line_seen(c, c->line);
			}
			c->line_len = 0;
			c->line_discard = false;
		} else if (c->line_len < LINE_MAX_BYTES) {
			c->line[c->line_len++] = buf[i];
		} else {
			c->line_discard = true;
		}
	}
	return 0;
}

static int
handle_kill_timer(void *data)
{
	struct process_child *c = data;
	wlr_log(WLR_ERROR, "%s (pid %d) still runs %d ms after SIGTERM: SIGKILL", c->name,
			(int)c->pid, c->stop_timeout_ms);
	signal_child(c, SIGKILL);
	return 0;
}

/* SIGTERM now, SIGKILL at the deadline; never waits. */
static void
child_stop(struct process_child *c)
{
	if (c->stopping) {
		return;
	}
	c->stopping = true;
	signal_child(c, SIGTERM);
	c->kill_timer = wl_event_loop_add_timer(c->sup->loop, handle_kill_timer, c);
	if (!c->kill_timer) {
		signal_child(c, SIGKILL); /* no deadline to wait for: no waiting */
		return;
	}
	wl_event_source_timer_update(c->kill_timer, c->stop_timeout_ms);
}

/* fork + exec through spawn.c, then the watchers. socket_fd: our end of
 * the socketpair, if asked for. NULL on failure (said in the log). */
static struct process_child *
child_start(struct process_supervisor *sup, const struct spawn_spec *spec, const char *name,
		bool ready_pipe, int stop_timeout_ms, int *socket_fd)
{
	struct process_child *c = calloc(1, sizeof(*c));
	if (!c) {
		wlr_log(WLR_ERROR, "%s: out of memory", name);
		return NULL;
	}
	c->sup = sup;
	c->pidfd = c->out_fd = -1;
	c->stop_timeout_ms = stop_timeout_ms > 0 ? stop_timeout_ms : PROCESS_STOP_TIMEOUT_MS;
	snprintf(c->name, sizeof(c->name), "%s", name);
	*socket_fd = -1;
	struct spawn_result res;
	if (!spawn_run(spec, ready_pipe, &res)) {
		free(c);
		return NULL;
	}
	c->pid = res.pid;
	c->out_fd = res.out_fd;
	*socket_fd = res.socket_fd;
	wl_list_insert(sup->children.prev, &c->link);
	if (sup->use_pidfd) {
		c->pidfd = pidfd_open(c->pid, 0);
		if (c->pidfd >= 0) {
			c->pidfd_source = wl_event_loop_add_fd(sup->loop, c->pidfd,
					WL_EVENT_READABLE, handle_pidfd, c);
		}
		if (!c->pidfd_source) {
			/* Unwatched, it could never be reaped: it does not run. */
			wlr_log_errno(WLR_ERROR, "%s: cannot watch pid %d", name, (int)c->pid);
			signal_child(c, SIGKILL);
			while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR) {
			}
			child_free(c);
			if (*socket_fd >= 0) {
				close(*socket_fd);
				*socket_fd = -1;
			}
			return NULL;
		}
	}
	if (c->out_fd >= 0) {
		c->out_source = wl_event_loop_add_fd(sup->loop, c->out_fd, WL_EVENT_READABLE,
				handle_output, c);
	}
	wlr_log(WLR_INFO, "%s started (pid %d)", name, (int)c->pid);
	return c;
}

static int
handle_restart_timer(void *data)
{
	struct process *p = data;
	if (p->state == PROCESS_BACKING_OFF) {
		start_now(p, true);
	}
	return 0;
}

/* Spawns it; on failure a supervised process backs off again. false: it
 * does not run (p is never touched after its started callback). */
static bool
start_now(struct process *p, bool restart)
{
	int socket_fd = -1;
	struct process_child *c = child_start(p->sup, p->spec, p->spec->name, p->ready_line != NULL,
			p->stop_timeout_ms, &socket_fd);
	if (!c) {
		p->state = PROCESS_STOPPED;
		if (p->restart == PROCESS_RESTART_ALWAYS && p->restart_timer) {
			p->restart_delay_ms = process_restart_delay(&p->consecutive, 0);
			p->state = PROCESS_BACKING_OFF;
			wl_event_source_timer_update(p->restart_timer, (int)p->restart_delay_ms);
		}
		return false;
	}
	c->process = p;
	p->child = c;
	p->ready = false;
	p->state = p->ready_line ? PROCESS_STARTING : PROCESS_RUNNING;
	p->started_ms = process_clock_ms();
	p->restart_delay_ms = 0;
	p->starts++;
	if (restart) {
		p->restarts++;
	}
	if (p->events.started) {
		p->events.started(p->data, c->pid, socket_fd); /* may destroy p */
	} else if (socket_fd >= 0) {
		close(socket_fd);
	}
	return true;
}

struct process_supervisor *
process_supervisor_create(struct wl_event_loop *loop, bool force_sigchld)
{
	struct process_supervisor *sup = calloc(1, sizeof(*sup));
	if (!sup) {
		return NULL;
	}
	sup->loop = loop;
	wl_list_init(&sup->processes);
	wl_list_init(&sup->children);
	/* Orphans of our children are ours, to end at shutdown. */
	sup->subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
	if (!sup->subreaper) {
		wlr_log(WLR_ERROR, "processes: cannot become a child subreaper: %s",
				strerror(errno));
	}
	/* Does the kernel have pidfd_open (5.3)? */
	int probe = pidfd_open(getpid(), 0);
	sup->use_pidfd = !force_sigchld && (probe >= 0 || errno != ENOSYS);
	if (probe >= 0) {
		close(probe);
	}
	if (!sup->use_pidfd) {
		wlr_log(WLR_INFO, "processes: no pidfd, children watched through SIGCHLD");
	}
	if (!sup->use_pidfd || sup->subreaper) {
		/* With pidfds too, for the orphans that come to us. */
		sup->sigchld = wl_event_loop_add_signal(loop, SIGCHLD, handle_sigchld, sup);
		if (!sup->sigchld) {
			free(sup);
			return NULL;
		}
	}
	return sup;
}

/* Until every child is reaped or timeout_ms passed. Shutdown only: this is
 * the one wait that blocks, bounded. */
static void
wait_children(struct process_supervisor *sup, int timeout_ms)
{
	uint64_t deadline = process_clock_ms() + (uint64_t)timeout_ms;
	for (;;) {
		reap_ended(sup);
		int count = wl_list_length(&sup->children);
		uint64_t now = process_clock_ms();
		if (count == 0 || now >= deadline) {
			return;
		}
		int left = (int)(deadline - now);
		struct pollfd *pfds = sup->use_pidfd ? calloc((size_t)count, sizeof(*pfds)) : NULL;
		if (pfds) {
			int n = 0;
			struct process_child *c;
			wl_list_for_each(c, &sup->children, link) {
				pfds[n++] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
			}
			poll(pfds, (nfds_t)n, left);
			free(pfds);
		} else {
			/* SIGCHLD is blocked for the event loop: poll its pids. */
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
}

/*
 * Pids of our children as the kernel lists them (every thread's list), up
 * to max; adopted orphans and zombies included.
 */
static size_t
list_children(pid_t *out, size_t max)
{
	size_t count = 0;
	DIR *tasks = opendir("/proc/self/task");
	if (!tasks) {
		return 0;
	}
	struct dirent *task;
	while ((task = readdir(tasks)) && count < max) {
		if (task->d_name[0] == '.') {
			continue;
		}
		char path[300];
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", task->d_name);
		FILE *f = fopen(path, "re");
		if (!f) {
			continue;
		}
		int pid;
		while (count < max && fscanf(f, "%d", &pid) == 1) {
			out[count++] = (pid_t)pid;
		}
		fclose(f);
	}
	closedir(tasks);
	return count;
}

#define ORPHAN_ROUNDS 50 /* of 10 ms: their own children come to us in turn */

/*
 * What the children left behind: strata is a child subreaper, so a process
 * whose parent died before it (a cage's sandbox whose bwrap was killed
 * before --die-with-parent was armed) is ours, not init's. At shutdown,
 * once the children we started are reaped, every process still ours is
 * killed with its process group and reaped; what it leaves comes to us in
 * turn, for the next round.
 */
static void
end_orphans(void)
{
	static pid_t pids[ORPHANS_MAX];
	for (int round = 0; round < ORPHAN_ROUNDS; round++) {
		size_t count = list_children(pids, ORPHANS_MAX);
		for (size_t i = 0; i < count; i++) {
			wlr_log(WLR_ERROR, "processes: pid %d, left behind by a child, killed",
					(int)pids[i]);
			kill(-pids[i], SIGKILL);
			kill(pids[i], SIGKILL);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0) {
		}
		if (count == 0) {
			return;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

void
process_supervisor_shutdown(struct process_supervisor *sup)
{
	if (!sup || sup->shut_down) {
		return;
	}
	sup->shut_down = true;
	struct process *p;
	wl_list_for_each(p, &sup->processes, link) {
		if (p->restart_timer) {
			wl_event_source_remove(p->restart_timer);
			p->restart_timer = NULL;
		}
		if (p->child) {
			p->child->process = NULL;
			p->child = NULL;
		}
		p->state = PROCESS_STOPPED;
		p->ready = false;
	}
	struct process_child *c;
	wl_list_for_each(c, &sup->children, link) {
		child_unwatch(c);
		c->stopping = true;
		signal_child(c, SIGTERM);
	}
	wait_children(sup, PROCESS_SHUTDOWN_TERM_MS);
	wl_list_for_each(c, &sup->children, link) {
		wlr_log(WLR_ERROR, "%s (pid %d) still runs %d ms after SIGTERM: SIGKILL", c->name,
				(int)c->pid, PROCESS_SHUTDOWN_TERM_MS);
		signal_child(c, SIGKILL);
	}
	wait_children(sup, PROCESS_SHUTDOWN_KILL_MS);
	struct process_child *tmp;
	wl_list_for_each_safe(c, tmp, &sup->children, link) {
		wlr_log(WLR_ERROR, "%s (pid %d) does not end even after SIGKILL", c->name,
				(int)c->pid);
		child_free(c);
	}
	if (sup->subreaper) {
		end_orphans();
	}
	if (sup->sigchld) {
		wl_event_source_remove(sup->sigchld);
		sup->sigchld = NULL;
	}
}

void
process_supervisor_destroy(struct process_supervisor *sup)
{
	if (!sup) {
		return;
	}
	process_supervisor_shutdown(sup);
	struct process *p, *tmp;
	wl_list_for_each_safe(p, tmp, &sup->processes, link) {
		p->sup = NULL;
		wl_list_remove(&p->link);
		wl_list_init(&p->link);
	}
	free(sup);
}

size_t
process_supervisor_child_count(struct process_supervisor *sup)
{
	return sup ? (size_t)wl_list_length(&sup->children) : 0;
}

static bool
spec_valid(const struct process_spec *spec)
{
	if (!spec->argv || !spec->argv[0] || spec->argv[0][0] != '/') {
		wlr_log(WLR_ERROR, "processes: a program needs an absolute path");
		return false;
	}
	if (spec->fd_count > PROCESS_MAX_FDS || (spec->fd_count && !spec->fds)) {
		wlr_log(WLR_ERROR, "%s: too many fds to pass", spec->argv[0]);
		return false;
	}
	for (size_t i = 0; i < spec->fd_count; i++) {
		bool clash = spec->fds[i].fd < 0 || spec->fds[i].target < 3 ||
				spec->fds[i].target == spec->socket_target;
		for (size_t k = 0; k < i; k++) {
			clash |= spec->fds[k].target == spec->fds[i].target;
		}
		if (clash) {
			wlr_log(WLR_ERROR, "%s: fd %d cannot be passed as %d", spec->argv[0],
					spec->fds[i].fd, spec->fds[i].target);
			return false;
		}
	}
	if (spec->socket_target != 0 && spec->socket_target < 3) {
		wlr_log(WLR_ERROR, "%s: its socket cannot be fd %d", spec->argv[0],
				spec->socket_target);
		return false;
	}
	return true;
}

struct process *
process_create(struct process_supervisor *sup, const struct process_spec *spec,
		const struct process_events *events, void *data)
{
	if (!sup || sup->shut_down || !spec_valid(spec)) {
		return NULL;
	}
	struct process *p = calloc(1, sizeof(*p));
	if (!p) {
		return NULL;
	}
	p->sup = sup;
	p->spec = spawn_spec_copy(spec);
	p->ready_line = spec->ready_line ? strdup(spec->ready_line) : NULL;
	p->down_line = spec->down_line ? strdup(spec->down_line) : NULL;
	p->restart_timer = wl_event_loop_add_timer(sup->loop, handle_restart_timer, p);
	if (!p->spec || (spec->ready_line && !p->ready_line) ||
			(spec->down_line && !p->down_line) || !p->restart_timer) {
		if (p->restart_timer) {
			wl_event_source_remove(p->restart_timer);
		}
		spawn_spec_free(p->spec);
		free(p->ready_line);
		free(p->down_line);
		free(p);
		return NULL;
	}
	p->ready_prefix = spec->ready_prefix;
	p->restart = spec->restart;
	p->stop_timeout_ms = spec->stop_timeout_ms;
	if (events) {
		p->events = *events;
	}
	p->data = data;
	p->state = PROCESS_STOPPED;
	wl_list_insert(&sup->processes, &p->link);
	return p;
}

bool
process_start(struct process *p)
{
	if (!p || !p->sup || p->sup->shut_down) {
		return false;
	}
	switch (p->state) {
	case PROCESS_STARTING:
	case PROCESS_RUNNING:
	case PROCESS_BACKING_OFF:
		return true;
	case PROCESS_STOPPING:
		/* The old one ends unheard; the owner asked for a new one. */
		p->child->process = NULL;
		p->child = NULL;
		break;
	case PROCESS_STOPPED:
		break;
	}
	return start_now(p, false);
}

void
process_stop(struct process *p)
{
	if (!p || !p->sup) {
		return;
	}
	if (p->restart_timer) {
		wl_event_source_timer_update(p->restart_timer, 0);
	}
	p->restart_delay_ms = 0;
	p->ready = false;
	if (p->child) {
		p->state = PROCESS_STOPPING;
		child_stop(p->child);
	} else {
		p->state = PROCESS_STOPPED;
	}
}

void
process_destroy(struct process *p)
{
	if (!p) {
		return;
	}
	if (p->sup) {
		if (p->restart_timer) {
			wl_event_source_remove(p->restart_timer);
		}
		if (p->child) {
			p->child->process = NULL;
			child_stop(p->child);
		}
		wl_list_remove(&p->link);
	}
	spawn_spec_free(p->spec);
	free(p->ready_line);
	free(p->down_line);
	free(p);
}

void
process_get_info(const struct process *p, struct process_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!p) {
		return;
	}
	info->state = p->state;
	info->pid = p->child ? p->child->pid : 0;
	info->ready = p->ready && p->state == PROCESS_RUNNING;
	info->starts = p->starts;
	info->restarts = p->restarts;
	info->ended_ms = p->ended_ms;
	info->restart_delay_ms = p->state == PROCESS_BACKING_OFF ? p->restart_delay_ms : 0;
}

pid_t
process_spawn(struct process_supervisor *sup, const struct process_spec *spec)
{
	if (!sup || sup->shut_down || !spec_valid(spec)) {
		return -1;
	}
	struct spawn_spec *copy = spawn_spec_copy(spec);
	if (!copy) {
		return -1;
	}
	int socket_fd;
	struct process_child *c = child_start(sup, copy, copy->name, false, spec->stop_timeout_ms,
			&socket_fd);
	spawn_spec_free(copy);
	if (!c) {
		return -1;
	}
	if (socket_fd >= 0) {
		close(socket_fd);
	}
	return c->pid;
}
