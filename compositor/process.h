/* SPDX-License-Identifier: MIT */
#ifndef STRATA_PROCESS_H
#define STRATA_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <wayland-server-core.h>

/*
 * The compositor's one process supervisor, in the spirit of a small init.
 * Every child of strata (proxies, cages, the audio services, the clipboard
 * guard) is started, watched, restarted and ended here, and nowhere else.
 *
 * A child starts with a clean slate: stdin from /dev/null, stdout and stderr
 * to a log (or a given fd, or /dev/null), the fds passed explicitly at the
 * numbers asked for and nothing else; default signal dispositions and an
 * empty signal mask (the event loop blocks the signals it watches, and a
 * blocked mask survives exec); a session and process group of its own; the
 * given uid and gid (checked); SIGKILL when strata dies (set after the
 * change of credentials, which clears it, then getppid() checked against a
 * parent that already died).
 *
 * Each child is watched through a pidfd on the event loop (a SIGCHLD source
 * and waitpid on our own pids only where the kernel has no pidfd_open), and
 * never blocks the event loop. The process is a child subreaper: orphans
 * of its children come to it. Those that run as another user (a cage's
 * processes) are reaped as they end (SIGCHLD); a pid that is not its own and
 * runs as us was forked by someone else in the process (wlroots starts
 * Xwayland so) and is never reaped here, but at shutdown. When a child ends, what
 * is left of its process group is killed before it is reaped.
 *
 * Ownership: a struct process belongs to whoever created it; its callbacks
 * stop the moment it is destroyed, while its child, if any, is still ended
 * and reaped by the supervisor. The supervisor outlives every process:
 * process_supervisor_shutdown() ends every child in one bounded wait.
 */
struct process_supervisor;
struct process;

#define PROCESS_MAX_FDS 4
#define PROCESS_STOP_TIMEOUT_MS 2000 /* SIGTERM to SIGKILL, by default */
#define PROCESS_SHUTDOWN_TERM_MS 2000 /* at shutdown, for all children together */
#define PROCESS_SHUTDOWN_KILL_MS 1000 /* then, after SIGKILL */
/* Back-off of a supervised process: 250 ms doubling to 30 s, back to 250 ms
 * once it had run 30 s. */
#define PROCESS_RESTART_MIN_MS 250
#define PROCESS_RESTART_MAX_MS 30000
#define PROCESS_STABLE_MS 30000

enum process_restart {
	/* Started by process_start() only; its end is reported, nothing more
	 * (the owner starts it again when it needs it: the clipboard guard). */
	PROCESS_RESTART_ON_DEMAND,
	/* Supervised: started again after every end, with back-off, until
	 * process_stop() or process_destroy(). */
	PROCESS_RESTART_ALWAYS,
};

enum process_state {
	PROCESS_STOPPED, /* not running: never started, stopped, or ended */
	PROCESS_STARTING, /* running, its ready line not seen yet */
	PROCESS_RUNNING, /* running, and ready when it has a ready line */
	PROCESS_BACKING_OFF, /* ended; started again when its delay is over */
	PROCESS_STOPPING, /* SIGTERM sent, SIGKILL at the deadline */
};

/* An fd of the compositor given to the child as fd `target` (>= 3). */
struct process_fd {
	int fd; /* borrowed: the caller keeps it open while the process may start */
	int target;
};

struct process_spec {
	const char *name; /* for the log; NULL: argv[0] */
	const char *const *argv; /* argv[0] is the program's path: no PATH search */
	const char *const *envp; /* NULL: the compositor's environment */
	/* stdout and stderr: appended to log_path (created 0600, opened at each
	 * start), else to output_fd when it is > 0 (borrowed, e.g.
	 * STDERR_FILENO), else /dev/null. */
	const char *log_path;
	int output_fd;
	/* When set, stdout is a pipe the supervisor reads: the program is ready
	 * once it printed this line (e.g. "strata-cage-proxy: ready"), and no
	 * longer ready if it prints down_line (optional). The rest is dropped. */
	const char *ready_line;
	const char *down_line;
	/* The ready line is any line that starts with ready_line (a daemon
	 * that prints its address, e.g. dbus-daemon's guid). */
	bool ready_prefix;
	/* > 0: at each start, a fresh socketpair (AF_UNIX, SOCK_STREAM): the
	 * child's end as this fd number, the other end handed to started(). */
	int socket_target;
	const struct process_fd *fds; /* at most PROCESS_MAX_FDS, distinct targets */
	size_t fd_count;
	/* setgroups(0), setresgid(gid), setresuid(uid) in the child, checked;
	 * it exits 126 without running the program when one fails. */
	bool drop;
	uid_t uid;
	gid_t gid;
	enum process_restart restart;
	int stop_timeout_ms; /* 0: PROCESS_STOP_TIMEOUT_MS */
};

/* What the owner hears; every member may be NULL. No callback ever comes
 * after process_destroy() or process_supervisor_shutdown(). A callback may
 * destroy its process. */
struct process_events {
	/* It runs as pid. socket_fd: the compositor's end of the socketpair
	 * (close-on-exec, now the owner's to close), else -1. */
	void (*started)(void *data, pid_t pid, int socket_fd);
	/* Its ready line (true) or down line (false) came. */
	void (*ready)(void *data, bool ready);
	/* It ended (status as from waitpid). The state already says what comes
	 * next: PROCESS_BACKING_OFF (supervised) or PROCESS_STOPPED. */
	void (*exited)(void *data, pid_t pid, int status);
};

struct process_info {
	enum process_state state;
	pid_t pid; /* 0 unless STARTING, RUNNING or STOPPING */
	bool ready; /* RUNNING (and its ready line seen, if it has one) */
	unsigned starts; /* times it was started */
	unsigned restarts; /* of them, restarts after an end (back-off) */
	uint64_t ended_ms; /* process_clock_ms() when its last end was seen; 0: none */
	uint32_t restart_delay_ms; /* BACKING_OFF: the delay scheduled then */
};

/* Watches children on loop. force_sigchld: use the SIGCHLD fallback even
 * where pidfds exist (for tests). NULL on failure. */
struct process_supervisor *process_supervisor_create(struct wl_event_loop *loop,
		bool force_sigchld);
/* Ends every child: SIGTERM to each process group, one wait of at most
 * PROCESS_SHUTDOWN_TERM_MS for all of them together, then SIGKILL to what is
 * left and a last wait of at most PROCESS_SHUTDOWN_KILL_MS; everything
 * reaped. The process is a child subreaper (from process_supervisor_create):
 * what the children left behind (orphans, now ours) is then killed and
 * reaped too, whoever started it. No callback is called; processes can no longer start. NULL-safe;
 * a second call does nothing. */
void process_supervisor_shutdown(struct process_supervisor *sup);
/* Shuts down (as above) if not done yet, and frees. Processes not destroyed
 * yet become inert (process_destroy() still frees them). NULL-safe. */
void process_supervisor_destroy(struct process_supervisor *sup);
/* Children not reaped yet, detached ones included. */
size_t process_supervisor_child_count(struct process_supervisor *sup);

/* A process that is not running yet; spec is copied. NULL on bad spec (said
 * in the log) or no memory. */
struct process *process_create(struct process_supervisor *sup, const struct process_spec *spec,
		const struct process_events *events, void *data);
/* Starts it now if it is STOPPED or STOPPING (a child still stopping is left
 * to end unheard). Already running or backing off: nothing to do (true).
 * false: it does not run now (said in the log); a supervised process is
 * then BACKING_OFF and tried again after its delay. */
bool process_start(struct process *p);
/* No more restarts; a running child gets SIGTERM to its group, SIGKILL after
 * stop_timeout_ms, without waiting here. exited() comes when it ended.
 * NULL-safe. */
void process_stop(struct process *p);
/* No more callbacks; a running child is stopped as above and reaped by the
 * supervisor. NULL-safe. */
void process_destroy(struct process *p);
void process_get_info(const struct process *p, struct process_info *info);

/* A one-shot child nobody owns (a program in a cage): tracked, reaped, ended
 * at shutdown, never restarted, no callbacks. Its pid, or -1. */
pid_t process_spawn(struct process_supervisor *sup, const struct process_spec *spec);

/* CLOCK_MONOTONIC in ms. */
uint64_t process_clock_ms(void);
/* The delay before restarting a supervised process that ended after
 * running ran_ms; consecutive counts the restarts in a row (reset after a
 * stable run). */
uint32_t process_restart_delay(unsigned *consecutive, uint64_t ran_ms);

#endif
