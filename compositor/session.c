// SPDX-License-Identifier: MIT
/*
 * Supervision of the session's processes. Layout, under the core runtime
 * directory RUNDIR (0711, root):
 *   RUNDIR/wayland-LEVEL        compositor socket, 0660 root:proxy group
 *   RUNDIR/proxy-LEVEL/         the proxy's chroot: a link to the above
 *   RUNDIR/cages/LEVEL/         0750 root:cage group, bound into the cage
 *   RUNDIR/cages/LEVEL/wayland-0  the proxy's socket, what the cage uses
 *   RUNDIR/log-LEVEL            the output of the level's programs (0600)
 * and DATA/LEVEL/home (0700, the cage's user): the level's persistent home.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "cage.h"
#include "paths.h"
#include "session.h"

#define PROXY_UID_BASE 5000
#define CAGE_UID_BASE 4000
#define RESTART_MIN_MS 250
#define RESTART_MAX_MS 30000
#define STABLE_MS 30000
#define MAX_PENDING 8

enum child_kind {
	CHILD_PROXY,
	CHILD_CAGE,
	CHILD_SERVICE, /* the session's own, in a cage or not: its owner hears of its end */
};

struct session_child {
	pid_t pid;
	int level;
	enum child_kind kind;
	session_exit_fn exited; /* CHILD_SERVICE, may be NULL once forgotten */
	void *exited_data;
	struct session_child *next;
};

struct level_state {
	struct strata_session *session;
	int index;
	uid_t uid, proxy_uid;
	gid_t gid, proxy_gid;
	char home[PATH_MAX];
	char cage_dir[PATH_MAX];
	char cage_socket[PATH_MAX];
	char proxy_root[PATH_MAX];
	char log_path[PATH_MAX];
	char runtime_dir[PATH_MAX]; /* RUNDIR/run-LEVEL, the cage's XDG_RUNTIME_DIR */
	pid_t proxy_pid;
	int proxy_stdout;
	struct wl_event_source *proxy_stdout_source;
	char ready_buf[512];
	size_t ready_len;
	bool up;
	unsigned restarts;
	uint64_t started_ms;
	struct wl_event_source *restart_timer;
	char *pending[MAX_PENDING]; /* shell commands waiting for the proxy */
	size_t pending_count;
};

struct strata_session {
	struct strata_server *server;
	bool root;
	char data_dir[PATH_MAX];
	char proxy_path[PATH_MAX];
	char config_path[PATH_MAX]; /* "" when built-in */
	struct level_state levels[STRATA_MAX_LEVELS];
	struct session_child *children;
	struct wl_event_source *sigchld;
	bool stopping;
};

static const char bwrap_path[] = "/usr/bin/bwrap";

uint64_t
session_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint32_t
session_restart_delay(unsigned *restarts, uint64_t started_ms)
{
	if (session_clock_ms() - started_ms >= STABLE_MS) {
		*restarts = 0;
	}
	unsigned shift = *restarts < 7 ? *restarts : 7;
	uint32_t delay = RESTART_MIN_MS << shift;
	(*restarts)++;
	return delay > RESTART_MAX_MS ? RESTART_MAX_MS : delay;
}

static void start_proxy(struct level_state *ls);

/*
 * fork + exec with a clean slate: default signal mask and dispositions (the
 * event loop blocks the signals it watches, and a blocked mask survives
 * exec), a session of its own, only stdin/stdout/stderr open, and the given
 * user when drop is set.
 */
static pid_t
spawn(const char *const *argv, int out_fd, int err_fd, int keep_fd, bool drop, uid_t uid, gid_t gid)
{
	pid_t pid = fork();
	if (pid != 0) {
		return pid;
	}
	sigset_t empty;
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	/* Never outlive the compositor (a proxy sets this again after its own
	 * drop of privileges, which clears it). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	setsid();
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
			dup2(out_fd >= 0 ? out_fd : null_fd, STDOUT_FILENO) < 0 ||
			dup2(err_fd >= 0 ? err_fd : null_fd, STDERR_FILENO) < 0) {
		_exit(126);
	}
	/* keep_fd becomes fd 3, the only one beyond stdio. */
	if (keep_fd >= 0 && dup2(keep_fd, 3) < 0) {
		_exit(126);
	}
	closefrom(keep_fd >= 0 ? 4 : STDERR_FILENO + 1);
	if (drop &&
			(setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
					setresuid(uid, uid, uid) < 0)) {
		_exit(126);
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

static struct session_child *
add_child(struct strata_session *session, pid_t pid, int level, enum child_kind kind)
{
	struct session_child *child = calloc(1, sizeof(*child));
	if (!child) {
		/* Not tracked: reaped by nobody until the session ends. */
		wlr_log(WLR_ERROR, "out of memory: process %d is not supervised", (int)pid);
		return NULL;
	}
	*child = (struct session_child){ .pid = pid,
		.level = level,
		.kind = kind,
		.next = session->children };
	session->children = child;
	return child;
}

static void
remove_tree_entries(struct level_state *ls)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/compositor", ls->proxy_root);
	unlink(path);
	rmdir(ls->proxy_root);
	unlink(ls->cage_socket);
}

static int
handle_proxy_stdout(int fd, uint32_t mask, void *data)
{
	struct level_state *ls = data;
	struct strata_session *session = ls->session;
	ssize_t n = read(fd, ls->ready_buf + ls->ready_len,
			sizeof(ls->ready_buf) - 1 - ls->ready_len);
	if (n > 0) {
		ls->ready_len += (size_t)n;
		ls->ready_buf[ls->ready_len] = '\0';
		if (!ls->up && strstr(ls->ready_buf, "strata-cage-proxy: ready\n")) {
			ls->up = true;
			wlr_log(WLR_INFO, "level %s: proxy up (pid %d)",
					session->server->config.levels[ls->index].name,
					(int)ls->proxy_pid);
			server_status_changed(session->server);
			for (size_t i = 0; i < ls->pending_count; i++) {
				const char *argv[] = { ls->pending[i], NULL };
				char err[256];
				session_launch(session, ls->index, argv, true, err, sizeof(err));
				free(ls->pending[i]);
			}
			ls->pending_count = 0;
		}
		if (ls->ready_len + 1 >= sizeof(ls->ready_buf)) {
			ls->ready_len = 0;
		}
		return 0;
	}
	if (n < 0 && errno == EAGAIN) {
		return 0;
	}
	/* EOF: the proxy is gone or closed stdout; SIGCHLD does the rest. */
	wl_event_source_remove(ls->proxy_stdout_source);
	ls->proxy_stdout_source = NULL;
	close(ls->proxy_stdout);
	ls->proxy_stdout = -1;
	return 0;
}

static int
handle_restart_timer(void *data)
{
	struct level_state *ls = data;
	if (!ls->session->stopping && ls->proxy_pid <= 0) {
		start_proxy(ls);
	}
	return 0;
}

static void
start_proxy(struct level_state *ls)
{
	struct strata_session *session = ls->session;
	struct strata_server *server = session->server;
	const struct strata_level *level = &server->config.levels[ls->index];
	remove_tree_entries(ls);

	char upstream[PATH_MAX];
	snprintf(upstream, sizeof(upstream), "%s/wayland-%s", server->runtime_dir, level->name);
	char uid[16], gid[16];
	snprintf(uid, sizeof(uid), "%u", (unsigned)ls->proxy_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)ls->proxy_gid);
	const char *argv[20];
	size_t n = 0;
	argv[n++] = session->proxy_path;
	argv[n++] = "--level";
	argv[n++] = level->name;
	argv[n++] = "--listen";
	argv[n++] = ls->cage_socket;
	argv[n++] = "--upstream";
	argv[n++] = upstream;
	argv[n++] = "--sandbox-dir";
	argv[n++] = ls->proxy_root;
	if (session->config_path[0]) {
		argv[n++] = "-c";
		argv[n++] = session->config_path;
	}
	if (session->root) {
		argv[n++] = "--uid";
		argv[n++] = uid;
		argv[n++] = "--gid";
		argv[n++] = gid;
	}
	argv[n] = NULL;

	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		wlr_log_errno(WLR_ERROR, "pipe");
		return;
	}
	int log_fd = open(ls->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	pid_t pid = spawn(argv, pipe_fds[1], log_fd, -1, false, 0, 0);
	close(pipe_fds[1]);
	if (log_fd >= 0) {
		close(log_fd);
	}
	if (pid < 0) {
		wlr_log_errno(WLR_ERROR, "fork");
		close(pipe_fds[0]);
		return;
	}
	ls->proxy_pid = pid;
	ls->proxy_stdout = pipe_fds[0];
	ls->ready_len = 0;
	ls->started_ms = session_clock_ms();
	ls->proxy_stdout_source = wl_event_loop_add_fd(server->event_loop, pipe_fds[0],
			WL_EVENT_READABLE, handle_proxy_stdout, ls);
	add_child(session, pid, ls->index, CHILD_PROXY);
	wlr_log(WLR_INFO, "level %s: proxy started (pid %d)", level->name, (int)pid);
}

static void
proxy_exited(struct level_state *ls, int status)
{
	struct strata_session *session = ls->session;
	const char *name = session->server->config.levels[ls->index].name;
	bool was_up = ls->up;
	ls->up = false;
	ls->proxy_pid = 0;
	if (ls->proxy_stdout_source) {
		wl_event_source_remove(ls->proxy_stdout_source);
		ls->proxy_stdout_source = NULL;
		close(ls->proxy_stdout);
		ls->proxy_stdout = -1;
	}
	remove_tree_entries(ls);
	if (session->stopping) {
		return;
	}
	uint32_t delay = session_restart_delay(&ls->restarts, ls->started_ms);
	wlr_log(WLR_ERROR, "level %s: proxy exited (%s %d); restarting in %u ms", name,
			WIFSIGNALED(status) ? "signal" : "status",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), delay);
	wl_event_source_timer_update(ls->restart_timer, (int)delay);
	if (was_up) {
		server_status_changed(session->server);
	}
}

static int
handle_sigchld(int signal, void *data)
{
	struct strata_session *session = data;
	/* Only our own children: wlroots reaps what it spawns itself. */
	struct session_child **link = &session->children;
	while (*link) {
		struct session_child *child = *link;
		int status = 0;
		pid_t r = waitpid(child->pid, &status, WNOHANG);
		if (r == child->pid || (r < 0 && errno == ECHILD)) {
			*link = child->next;
			if (child->kind == CHILD_PROXY) {
				proxy_exited(&session->levels[child->level], status);
			} else if (child->kind == CHILD_SERVICE) {
				if (child->exited) {
					child->exited(child->exited_data, child->pid, status);
				}
			} else {
				wlr_log(WLR_DEBUG, "level %s: cage process %d ended",
						levels_name(session->server, child->level),
						(int)child->pid);
			}
			free(child);
			continue;
		}
		link = &child->next;
	}
	return 0;
}

bool
session_level_up(struct strata_session *session, int level)
{
	return session && level >= 0 && (size_t)level < session->server->config.level_count &&
			session->levels[level].up;
}

const char *
session_cage_socket(struct strata_session *session, int level)
{
	return session->levels[level].cage_socket;
}

static pid_t
launch_in_cage(struct strata_session *session, int level, const char *const *argv, bool use_shell,
		const struct cage_bind *binds, size_t bind_count, char *err, size_t err_size)
{
	struct strata_server *server = session->server;
	struct level_state *ls = &session->levels[level];
	const char *name = server->config.levels[level].name;
	struct cage_spec spec = {
		.bwrap = bwrap_path,
		.level = name,
		.home = ls->home,
		.proxy_dir = ls->cage_dir,
		.runtime_dir = ls->runtime_dir,
		.uid = ls->uid,
		.network = server->config.levels[level].network,
		.use_shell = use_shell,
		.argv = argv,
		.ro_binds = binds,
		.ro_bind_count = bind_count,
	};
	const char *cage_argv[CAGE_MAX_ARGS];
	char buf[4096];
	if (cage_build_argv(&spec, cage_argv, CAGE_MAX_ARGS, buf, sizeof(buf)) < 0) {
		snprintf(err, err_size, "command too long");
		return -1;
	}
	int log_fd = open(ls->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	pid_t pid = spawn(cage_argv, log_fd, log_fd, -1, session->root, ls->uid, ls->gid);
	if (log_fd >= 0) {
		close(log_fd);
	}
	if (pid < 0) {
		snprintf(err, err_size, "cannot fork: %s", strerror(errno));
		return -1;
	}
	wlr_log(WLR_INFO, "level %s: started \"%s\" in its cage (pid %d)", name,
			argv[0] ? argv[0] : "", (int)pid);
	return pid;
}

pid_t
session_launch(struct strata_session *session, int level, const char *const *argv, bool use_shell,
		char *err, size_t err_size)
{
	struct strata_server *server = session->server;
	if (level < 0 || (size_t)level >= server->config.level_count) {
		snprintf(err, err_size, "no such level");
		return -1;
	}
	if (!session->levels[level].up) {
		snprintf(err, err_size, "level %s is down (its proxy is not running)",
				server->config.levels[level].name);
		return -1;
	}
	pid_t pid = launch_in_cage(session, level, argv, use_shell, NULL, 0, err, err_size);
	if (pid > 0) {
		add_child(session, pid, level, CHILD_CAGE);
	}
	return pid;
}

pid_t
session_launch_service(struct strata_session *session, int level, const char *const *argv,
		const struct cage_bind *binds, size_t bind_count, session_exit_fn exited,
		void *data, char *err, size_t err_size)
{
	if (level < 0 || (size_t)level >= session->server->config.level_count) {
		snprintf(err, err_size, "no such level");
		return -1;
	}
	if (!session->root) {
		snprintf(err, err_size, "not root: cages cannot be sandboxed");
		return -1;
	}
	pid_t pid = launch_in_cage(session, level, argv, false, binds, bind_count, err, err_size);
	if (pid > 0) {
		struct session_child *child = add_child(session, pid, level, CHILD_SERVICE);
		if (child) {
			child->exited = exited;
			child->exited_data = data;
		}
	}
	return pid;
}

pid_t
session_spawn_core(struct strata_session *session, const char *const *argv, int keep_fd,
		const char *log_path, session_exit_fn exited, void *data)
{
	int log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	pid_t pid = spawn(argv, log_fd, log_fd, keep_fd, false, 0, 0);
	if (log_fd >= 0) {
		close(log_fd);
	}
	if (pid < 0) {
		wlr_log_errno(WLR_ERROR, "fork");
		return -1;
	}
	struct session_child *child = add_child(session, pid, -1, CHILD_SERVICE);
	if (child) {
		child->exited = exited;
		child->exited_data = data;
	}
	wlr_log(WLR_INFO, "started %s (pid %d)", argv[0], (int)pid);
	return pid;
}

void
session_forget(struct strata_session *session, void *data)
{
	if (!session) {
		return;
	}
	for (struct session_child *c = session->children; c; c = c->next) {
		if (c->kind == CHILD_SERVICE && c->exited_data == data) {
			c->exited = NULL;
		}
	}
}

bool
session_level_ids(struct strata_session *session, int level, uid_t *uid, gid_t *gid)
{
	if (!session->root || level < 0 || (size_t)level >= session->server->config.level_count) {
		return false;
	}
	*uid = session->levels[level].uid;
	*gid = session->levels[level].gid;
	return true;
}

bool
session_is_root(struct strata_session *session)
{
	return session && session->root;
}

/* rm -r of a directory the cage's programs wrote in (no symlink followed). */
static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	remove(path); /* best effort: the rest still goes */
	return 0;
}

static void
remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool
session_make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, bool chown_it)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		wlr_log_errno(WLR_ERROR, "cannot create %s", path);
		return false;
	}
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		wlr_log(WLR_ERROR, "%s is not a directory", path);
		return false;
	}
	if ((chown_it && chown(path, uid, gid) < 0) || chmod(path, mode) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot set the owner or mode of %s", path);
		return false;
	}
	return true;
}

bool
session_join_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	return n >= 0 && (size_t)n < size;
}

static bool
level_prepare(struct strata_session *session, int index)
{
	struct strata_server *server = session->server;
	const struct strata_level *level = &server->config.levels[index];
	struct level_state *ls = &session->levels[index];
	ls->session = session;
	ls->index = index;
	ls->proxy_stdout = -1;
	if (session->root) {
		ls->uid = level->uid > 0 ? (uid_t)level->uid : (uid_t)(CAGE_UID_BASE + index);
		ls->gid = level->gid > 0 ? (gid_t)level->gid : (gid_t)(CAGE_UID_BASE + index);
		ls->proxy_uid = (uid_t)(PROXY_UID_BASE + index);
		ls->proxy_gid = (gid_t)(PROXY_UID_BASE + index);
	} else {
		ls->uid = ls->proxy_uid = getuid();
		ls->gid = ls->proxy_gid = getgid();
	}
	char level_dir[PATH_MAX], cages[PATH_MAX], proxy_name[64], log_name[64], cage_dir[PATH_MAX];
	char run_name[64];
	snprintf(run_name, sizeof(run_name), "run-%s", level->name);
	snprintf(proxy_name, sizeof(proxy_name), "proxy-%s", level->name);
	snprintf(log_name, sizeof(log_name), "log-%s", level->name);
	if (!session_join_path(level_dir, sizeof(level_dir), session->data_dir, level->name) ||
			!session_join_path(ls->home, sizeof(ls->home), level_dir, "home") ||
			!session_join_path(cages, sizeof(cages), server->runtime_dir, "cages") ||
			!session_join_path(cage_dir, sizeof(cage_dir), cages, level->name) ||
			!session_join_path(ls->cage_socket, sizeof(ls->cage_socket), cage_dir,
					"wayland-0") ||
			!session_join_path(ls->proxy_root, sizeof(ls->proxy_root),
					server->runtime_dir, proxy_name) ||
			!session_join_path(ls->log_path, sizeof(ls->log_path), server->runtime_dir,
					log_name) ||
			!session_join_path(ls->runtime_dir, sizeof(ls->runtime_dir),
					server->runtime_dir, run_name)) {
		wlr_log(WLR_ERROR, "paths for level %s are too long", level->name);
		return false;
	}
	memcpy(ls->cage_dir, cage_dir, sizeof(ls->cage_dir));
	/* The home: only the cage's user; the level dir: traversable, not listable. */
	if (!session_make_dir(level_dir, 0711, 0, 0, false) ||
			!session_make_dir(ls->home, 0700, ls->uid, ls->gid, session->root) ||
			!session_make_dir(ls->cage_dir, 0750, 0, ls->gid, session->root) ||
			!session_make_dir(ls->runtime_dir, 0700, ls->uid, ls->gid, session->root)) {
		return false;
	}
	/* The compositor's socket for this level: the level's proxy only. */
	char upstream[PATH_MAX];
	snprintf(upstream, sizeof(upstream), "%s/wayland-%s", server->runtime_dir, level->name);
	if (session->root && (chown(upstream, 0, ls->proxy_gid) < 0 || chmod(upstream, 0660) < 0)) {
		wlr_log_errno(WLR_ERROR, "cannot restrict %s", upstream);
		return false;
	}
	ls->restart_timer = wl_event_loop_add_timer(server->event_loop, handle_restart_timer, ls);
	if (!ls->restart_timer) {
		return false;
	}
	if (level->autostart[0]) {
		ls->pending[ls->pending_count++] = strdup(level->autostart);
	}
	return true;
}

static bool
find_proxy(struct strata_session *session)
{
	static const char *const dirs[] = { ".", "../cage-proxy", NULL };
	return paths_find_file(session->proxy_path, sizeof(session->proxy_path), dirs,
			"strata-cage-proxy", X_OK);
}

struct strata_session *
session_create(struct strata_server *server, const char *config_path)
{
	struct strata_session *session = calloc(1, sizeof(*session));
	if (!session) {
		return NULL;
	}
	session->server = server;
	session->root = geteuid() == 0;
	if (config_path) {
		snprintf(session->config_path, sizeof(session->config_path), "%s", config_path);
	}
	snprintf(session->data_dir, sizeof(session->data_dir), "%s", server->data_dir);
	if (!find_proxy(session)) {
		wlr_log(WLR_ERROR, "strata-cage-proxy not found next to strata: levels stay down");
	}
	if (!session->root) {
		wlr_log(WLR_ERROR,
				"strata is not root: cages and proxies cannot be sandboxed, so "
				"levels stay down (level sockets still serve trusted clients)");
	}
	char cages[PATH_MAX];
	snprintf(cages, sizeof(cages), "%s/cages", server->runtime_dir);
	if (!session_make_dir(session->data_dir, 0711, 0, 0, false) ||
			!session_make_dir(cages, 0711, 0, 0, false)) {
		free(session);
		return NULL;
	}
	session->sigchld = wl_event_loop_add_signal(server->event_loop, SIGCHLD, handle_sigchld,
			session);
	for (size_t i = 0; i < server->config.level_count; i++) {
		if (!level_prepare(session, (int)i)) {
			session_destroy(session);
			return NULL;
		}
	}
	if (session->root && session->proxy_path[0] && access(session->proxy_path, X_OK) == 0) {
		for (size_t i = 0; i < server->config.level_count; i++) {
			start_proxy(&session->levels[i]);
		}
	}
	return session;
}

void
session_destroy(struct strata_session *session)
{
	if (!session) {
		return;
	}
	struct strata_server *server = session->server;
	session->stopping = true;
	/* Cages first, then proxies; wait a little, then insist. */
	for (int pass = 0; pass < 2; pass++) {
		for (struct session_child *c = session->children; c; c = c->next) {
			if ((c->kind == CHILD_CAGE) == (pass == 0)) {
				kill(c->pid, SIGTERM);
			}
		}
	}
	uint64_t deadline = session_clock_ms() + 2000;
	while (session->children && session_clock_ms() < deadline) {
		handle_sigchld(SIGCHLD, session);
		if (session->children) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	while (session->children) {
		struct session_child *c = session->children;
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		session->children = c->next;
		free(c);
	}
	for (size_t i = 0; i < server->config.level_count; i++) {
		struct level_state *ls = &session->levels[i];
		if (!ls->session) {
			continue;
		}
		if (ls->proxy_stdout_source) {
			wl_event_source_remove(ls->proxy_stdout_source);
			close(ls->proxy_stdout);
		}
		if (ls->restart_timer) {
			wl_event_source_remove(ls->restart_timer);
		}
		for (size_t k = 0; k < ls->pending_count; k++) {
			free(ls->pending[k]);
		}
		remove_tree_entries(ls);
		rmdir(ls->cage_dir);
		remove_tree(ls->runtime_dir);
		unlink(ls->log_path);
	}
	char cages[PATH_MAX];
	snprintf(cages, sizeof(cages), "%s/cages", server->runtime_dir);
	rmdir(cages);
	if (session->sigchld) {
		wl_event_source_remove(session->sigchld);
	}
	free(session);
}
