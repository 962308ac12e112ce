// SPDX-License-Identifier: MIT
/*
 * fork + exec with a clean slate (spawn.h). Between fork and exec the child
 * only makes async-signal-safe system calls on what the parent prepared:
 * the parent may have other threads, whose locks a fork copies mid-way.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "spawn.h"

extern char **environ;

/* stdin, stdout, stderr, the socket, the passed fds. */
#define MAX_MAPPINGS (4 + PROCESS_MAX_FDS)

struct fd_map {
	int fd; /* in the parent */
	int target; /* in the child */
};

/* Everything the child needs, ready before the fork. */
struct exec_plan {
	char *const *argv;
	char *const *envp;
	struct fd_map map[MAX_MAPPINGS];
	size_t map_count;
	int max_target;
	bool drop;
	uid_t uid;
	gid_t gid;
	pid_t parent;
};

static char **
copy_strv(const char *const *strv)
{
	size_t n = 0;
	while (strv[n]) {
		n++;
	}
	char **out = calloc(n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++) {
		out[i] = strdup(strv[i]);
		if (!out[i]) {
			for (size_t k = 0; k < i; k++) {
				free(out[k]);
			}
			free(out);
			return NULL;
		}
	}
	return out;
}

static void
free_strv(char **strv)
{
	for (size_t i = 0; strv && strv[i]; i++) {
		free(strv[i]);
	}
	free(strv);
}

void
spawn_spec_free(struct spawn_spec *spec)
{
	if (!spec) {
		return;
	}
	free(spec->name);
	free_strv(spec->argv);
	free_strv(spec->envp);
	free(spec->log_path);
	free(spec);
}

struct spawn_spec *
spawn_spec_copy(const struct process_spec *spec)
{
	struct spawn_spec *copy = calloc(1, sizeof(*copy));
	if (!copy) {
		return NULL;
	}
	const char *base = strrchr(spec->argv[0], '/');
	copy->name = strdup(spec->name ? spec->name : base ? base + 1 : spec->argv[0]);
	copy->argv = copy_strv(spec->argv);
	copy->envp = spec->envp ? copy_strv(spec->envp) : NULL;
	copy->log_path = spec->log_path ? strdup(spec->log_path) : NULL;
	if (!copy->name || !copy->argv || (spec->envp && !copy->envp) ||
			(spec->log_path && !copy->log_path)) {
		spawn_spec_free(copy);
		return NULL;
	}
	copy->output_fd = spec->output_fd;
	copy->socket_target = spec->socket_target;
	copy->fd_count = spec->fd_count;
	for (size_t i = 0; i < spec->fd_count; i++) {
		copy->fds[i] = spec->fds[i];
	}
	copy->drop = spec->drop;
	copy->uid = spec->uid;
	copy->gid = spec->gid;
	return copy;
}

static void child_fail(void) __attribute__((noreturn));

static void
child_fail(void)
{
	_exit(SPAWN_EXIT_SETUP);
}

static bool
is_target(const struct exec_plan *plan, int fd)
{
	for (size_t i = 0; i < plan->map_count; i++) {
		if (plan->map[i].target == fd) {
			return true;
		}
	}
	return false;
}

/* In the child, after fork. */
static void child_exec(const struct exec_plan *plan) __attribute__((noreturn));

static void
child_exec(const struct exec_plan *plan)
{
	/* Default dispositions first (a pending signal then does its default),
	 * then nothing blocked: the event loop's blocked mask survives exec. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		sigaction(sig, &dfl, NULL); /* SIGKILL, SIGSTOP, glibc's own: refused, fine */
	}
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) {
		child_fail();
	}
	/* A session and process group of its own: signals to the compositor's
	 * group miss it, and a stop reaches everything it started. */
	if (setsid() < 0) {
		child_fail();
	}
	/* fds: every source first above every target (so that no dup2 lands
	 * on a source not moved yet), then into place (dup2 clears
	 * close-on-exec), then everything else closed. */
	int moved[MAX_MAPPINGS];
	int base = plan->max_target + 1;
	for (size_t i = 0; i < plan->map_count; i++) {
		moved[i] = fcntl(plan->map[i].fd, F_DUPFD_CLOEXEC, base);
		if (moved[i] < 0) {
			child_fail();
		}
	}
	for (size_t i = 0; i < plan->map_count; i++) {
		if (dup2(moved[i], plan->map[i].target) < 0) {
			child_fail();
		}
	}
	for (int fd = 3; fd <= plan->max_target; fd++) {
		if (!is_target(plan, fd)) {
			close(fd);
		}
	}
	if (close_range((unsigned)base, ~0U, 0) < 0) {
		closefrom(base);
	}
	/* Credentials, checked: a half-dropped child never runs. */
	if (plan->drop) {
		uid_t ruid, euid, suid;
		gid_t rgid, egid, sgid;
		if (setgroups(0, NULL) < 0 || setresgid(plan->gid, plan->gid, plan->gid) < 0 ||
				setresuid(plan->uid, plan->uid, plan->uid) < 0 ||
				getresgid(&rgid, &egid, &sgid) < 0 ||
				getresuid(&ruid, &euid, &suid) < 0 || rgid != plan->gid ||
				egid != plan->gid || sgid != plan->gid || ruid != plan->uid ||
				euid != plan->uid || suid != plan->uid || getgroups(0, NULL) != 0) {
			child_fail();
		}
	}
	/* Dies with the compositor. Set after the credentials (a change clears
	 * it); a parent that died before this line is caught by getppid(). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != plan->parent) {
		child_fail();
	}
	execve(plan->argv[0], plan->argv, plan->envp);
	_exit(SPAWN_EXIT_EXEC);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void
plan_add(struct exec_plan *plan, int fd, int target)
{
	plan->map[plan->map_count++] = (struct fd_map){ .fd = fd, .target = target };
	if (target > plan->max_target) {
		plan->max_target = target;
	}
}

bool
spawn_run(const struct spawn_spec *spec, bool ready_pipe, struct spawn_result *res)
{
	*res = (struct spawn_result){ .pid = -1, .out_fd = -1, .socket_fd = -1 };
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log_fd = -1, out[2] = { -1, -1 }, sv[2] = { -1, -1 };
	if (null_fd < 0) {
		wlr_log_errno(WLR_ERROR, "%s: /dev/null", spec->name);
		return false;
	}
	if (spec->log_path) {
		log_fd = open(spec->log_path,
				O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (log_fd < 0) {
			wlr_log_errno(WLR_ERROR, "%s: cannot open its log %s", spec->name,
					spec->log_path);
		}
	}
	bool ok = true;
	if (ready_pipe && pipe2(out, O_CLOEXEC) < 0) {
		wlr_log_errno(WLR_ERROR, "%s: pipe", spec->name);
		ok = false;
	}
	if (ok && spec->socket_target > 0 &&
			socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		wlr_log_errno(WLR_ERROR, "%s: socketpair", spec->name);
		ok = false;
	}
	if (ok && out[0] >= 0 && fcntl(out[0], F_SETFL, O_NONBLOCK) < 0) {
		ok = false;
	}

	struct exec_plan plan = {
		.argv = spec->argv,
		.envp = spec->envp ? spec->envp : environ,
		.max_target = STDERR_FILENO,
		.drop = spec->drop,
		.uid = spec->uid,
		.gid = spec->gid,
		.parent = getpid(),
	};
	int output = log_fd >= 0 ? log_fd : spec->output_fd > 0 ? spec->output_fd : null_fd;
	plan_add(&plan, null_fd, STDIN_FILENO);
	plan_add(&plan, out[1] >= 0 ? out[1] : output, STDOUT_FILENO);
	plan_add(&plan, output, STDERR_FILENO);
	if (sv[1] >= 0) {
		plan_add(&plan, sv[1], spec->socket_target);
	}
	for (size_t i = 0; i < spec->fd_count; i++) {
		plan_add(&plan, spec->fds[i].fd, spec->fds[i].target);
	}

	pid_t pid = ok ? fork() : -1;
	if (pid == 0) {
		child_exec(&plan);
	}
	if (ok && pid < 0) {
		wlr_log_errno(WLR_ERROR, "%s: fork", spec->name);
	}
	close_fd(&null_fd);
	close_fd(&log_fd);
	close_fd(&out[1]);
	close_fd(&sv[1]);
	if (pid < 0) {
		close_fd(&out[0]);
		close_fd(&sv[0]);
		return false;
	}
	res->pid = pid;
	res->out_fd = out[0];
	res->socket_fd = sv[0];
	return true;
}
