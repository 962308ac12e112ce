// SPDX-License-Identifier: MIT
/*
 * The session: each level's proxy (supervised through process.c), its cage
 * directories, home and log, and the programs started in its cages. Layout, under the core runtime
 * directory RUNDIR (0711, root):
 *   RUNDIR/wayland-LEVEL        compositor socket, 0660 root:proxy group
 *   RUNDIR/proxy-LEVEL/         the proxy's chroot: a link to the above
 *   RUNDIR/cages/LEVEL/         0750 root:cage group, bound into the cage
 *   RUNDIR/cages/LEVEL/wayland-0  the proxy's socket, what the cage uses
 *   RUNDIR/log-LEVEL            the output of the level's programs (0600)
 *   RUNDIR/run-LEVEL/           0700 the cage's user: its XDG_RUNTIME_DIR, with
 *                               the level's session bus socket, bus
 *   RUNDIR/etc-LEVEL/           0755 root: the cage's passwd and group (0644
 *                               root), bound over /etc/passwd and /etc/group
 * and DATA/LEVEL/home (0700, the cage's user): the level's persistent home.
 *
 * Each level has its own D-Bus session bus: dbus-daemon --session in the
 * level's cage, supervised like the level's proxy (started with the session,
 * restarted with back-off, ended with it), listening on a path socket in the
 * level's runtime dir and never on an abstract one. Autostart waits for the
 * proxy and, while it is starting, for the bus.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "cage.h"
#include "paths.h"
#include "process.h"
#include "session.h"

#define PROXY_UID_BASE 5000
#define CAGE_UID_BASE 4000
#define MAX_PENDING 8

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
	char etc_dir[PATH_MAX]; /* RUNDIR/etc-LEVEL: the cage's passwd and group */
	char x11_dir[PATH_MAX]; /* the level's X11 socket directory; "" for none */
	struct process *proxy; /* supervised, restarted with back-off; may be NULL */
	bool up; /* the proxy said it is ready */
	struct process *bus; /* dbus-daemon in the cage, supervised; may be NULL */
	char *pending[MAX_PENDING]; /* shell commands waiting for the proxy */
	size_t pending_count;
};

struct strata_session {
	struct strata_server *server;
	struct process_supervisor *supervisor;
	bool root;
	char data_dir[PATH_MAX];
	char proxy_path[PATH_MAX];
	char config_path[PATH_MAX]; /* "" when built-in */
	const char *lang; /* the session's LANG, unchecked; may be NULL */
	struct level_state levels[STRATA_MAX_LEVELS];
};

static const char bwrap_path[] = "/usr/bin/bwrap";
static const char dbus_daemon_path[] = "/usr/bin/dbus-daemon";
static const char *const etc_files[] = { "passwd", "group" };

static void
remove_tree_entries(struct level_state *ls)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/compositor", ls->proxy_root);
	unlink(path);
	rmdir(ls->proxy_root);
	unlink(ls->cage_socket);
}

static const char *
level_name(struct level_state *ls)
{
	return ls->session->server->config.levels[ls->index].name;
}

/* Autostart, once the proxy is up and the bus is not starting (ready, or
 * down: a bus that does not come up delays nothing). */
static void
run_pending(struct level_state *ls)
{
	struct process_info bus;
	process_get_info(ls->bus, &bus);
	if (!ls->up || (ls->bus && bus.state == PROCESS_STARTING)) {
		return;
	}
	for (size_t i = 0; i < ls->pending_count; i++) {
		const char *argv[] = { ls->pending[i], NULL };
		char err[256];
		if (session_launch(ls->session, ls->index, argv, true, err, sizeof(err)) < 0) {
			wlr_log(WLR_ERROR, "level %s: autostart: %s", level_name(ls), err);
		}
		free(ls->pending[i]);
	}
	ls->pending_count = 0;
}

static void
handle_proxy_ready(void *data, bool ready)
{
	struct level_state *ls = data;
	struct strata_session *session = ls->session;
	if (ls->up == ready) {
		return;
	}
	ls->up = ready;
	wlr_log(WLR_INFO, "level %s: proxy %s", level_name(ls), ready ? "up" : "down");
	server_status_changed(session->server);
	run_pending(ls);
}

static void
handle_proxy_exited(void *data, pid_t pid, int status)
{
	struct level_state *ls = data;
	bool was_up = ls->up;
	ls->up = false;
	/* Its socket and chroot go now; it makes them again when it restarts. */
	remove_tree_entries(ls);
	if (was_up) {
		server_status_changed(ls->session->server);
	}
}

static const struct process_events proxy_events = {
	.ready = handle_proxy_ready,
	.exited = handle_proxy_exited,
};

static void
handle_bus_ready(void *data, bool ready)
{
	run_pending(data);
}

static void
handle_bus_exited(void *data, pid_t pid, int status)
{
	/* The supervisor has logged how it ended; it comes back after its
	 * back-off, and autostart waits no more. */
	run_pending(data);
}

static const struct process_events bus_events = {
	.ready = handle_bus_ready,
	.exited = handle_bus_exited,
};

/* The level's session bus: dbus-daemon in its cage, on a path socket in the
 * level's runtime dir; ready once it printed that address. */
static bool
create_bus(struct level_state *ls)
{
	if (access(dbus_daemon_path, X_OK) < 0) {
		wlr_log(WLR_ERROR, "level %s: no session bus: %s is not installed", level_name(ls),
				dbus_daemon_path);
		return false;
	}
	char address[64], ready[64];
	snprintf(address, sizeof(address), "--address=" CAGE_BUS_ADDRESS_FMT, (unsigned)ls->uid);
	snprintf(ready, sizeof(ready), CAGE_BUS_ADDRESS_FMT ",", (unsigned)ls->uid);
	const char *argv[] = { dbus_daemon_path, "--session", "--nofork", "--nopidfile",
		"--nosyslog", address, "--print-address=1", NULL };
	char err[256];
	ls->bus = session_cage_service(ls->session, ls->index, argv, NULL, 0, ready, NULL, true,
			&bus_events, ls, err, sizeof(err));
	if (!ls->bus) {
		wlr_log(WLR_ERROR, "level %s: no session bus: %s", level_name(ls), err);
	}
	return ls->bus != NULL;
}

/* The level's proxy, supervised: ready when it says so on stdout,
 * restarted with back-off when it ends. */
static bool
create_proxy(struct level_state *ls)
{
	struct strata_session *session = ls->session;
	struct strata_server *server = session->server;
	const struct strata_level *level = &server->config.levels[ls->index];
	char upstream[PATH_MAX];
	snprintf(upstream, sizeof(upstream), "%s/wayland-%s", server->runtime_dir, level->name);
	char uid[16], gid[16], name[64];
	snprintf(uid, sizeof(uid), "%u", (unsigned)ls->proxy_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)ls->proxy_gid);
	snprintf(name, sizeof(name), "proxy of %s", level->name);
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
	/* It drops to its own uid itself, after its chroot. */
	const struct process_spec spec = {
		.name = name,
		.argv = argv,
		.log_path = ls->log_path,
		.ready_line = "strata-cage-proxy: ready",
		.restart = PROCESS_RESTART_ALWAYS,
	};
	ls->proxy = process_create(session->supervisor, &spec, &proxy_events, ls);
	return ls->proxy != NULL;
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

/*
 * The bubblewrap command line of argv in the level's cage (into cage_argv,
 * pointing into buf) and the spec that runs it as the level's user, its
 * output appended to the level's log. false with a message in err.
 */
static bool
cage_process_spec(struct strata_session *session, int level, const char *const *argv,
		bool use_shell, bool x11, const struct cage_bind *binds, size_t bind_count,
		const char **cage_argv, char *buf, size_t buf_size, struct process_spec *out,
		char *err, size_t err_size)
{
	struct strata_server *server = session->server;
	struct level_state *ls = &session->levels[level];
	struct cage_spec spec = {
		.bwrap = bwrap_path,
		.level = server->config.levels[level].name,
		.home = ls->home,
		.proxy_dir = ls->cage_dir,
		.runtime_dir = ls->runtime_dir,
		.etc_dir = ls->etc_dir,
		.lang = session->lang,
		.uid = ls->uid,
		.network = server->config.levels[level].network,
		.gpu = server->config.levels[level].gpu,
		.x11_dir = x11 && ls->x11_dir[0] ? ls->x11_dir : NULL,
		.use_shell = use_shell,
		.argv = argv,
		.ro_binds = binds,
		.ro_bind_count = bind_count,
	};
	if (cage_build_argv(&spec, cage_argv, CAGE_MAX_ARGS, buf, buf_size) < 0) {
		snprintf(err, err_size, "command too long");
		return false;
	}
	*out = (struct process_spec){
		.argv = cage_argv,
		.log_path = ls->log_path,
		.drop = session->root,
		.uid = ls->uid,
		.gid = ls->gid,
	};
	return true;
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
	const char *name = server->config.levels[level].name;
	if (!session->levels[level].up) {
		snprintf(err, err_size, "level %s is down (its proxy is not running)", name);
		return -1;
	}
	const char *cage_argv[CAGE_MAX_ARGS];
	char buf[4096], process_name[64];
	struct process_spec spec;
	if (!cage_process_spec(session, level, argv, use_shell, true, NULL, 0, cage_argv, buf,
			    sizeof(buf), &spec, err, err_size)) {
		return -1;
	}
	snprintf(process_name, sizeof(process_name), "cage of %s", name);
	spec.name = process_name;
	/* Not restarted, nobody told of its end: tracked, reaped, and ended
	 * with the session. */
	pid_t pid = process_spawn(session->supervisor, &spec);
	if (pid < 0) {
		snprintf(err, err_size, "cannot start it (see the compositor's log)");
		return -1;
	}
	wlr_log(WLR_INFO, "level %s: started \"%s\" in its cage (pid %d)", name,
			argv[0] ? argv[0] : "", (int)pid);
	return pid;
}

struct process *
session_cage_service(struct strata_session *session, int level, const char *const *argv,
		const struct cage_bind *binds, size_t bind_count, const char *ready_line,
		const char *down_line, bool ready_prefix, const struct process_events *events,
		void *data, char *err, size_t err_size)
{
	if (level < 0 || (size_t)level >= session->server->config.level_count) {
		snprintf(err, err_size, "no such level");
		return NULL;
	}
	if (!session->root) {
		snprintf(err, err_size, "not root: cages cannot be sandboxed");
		return NULL;
	}
	const char *cage_argv[CAGE_MAX_ARGS];
	char buf[4096], name[64];
	struct process_spec spec;
	if (!cage_process_spec(session, level, argv, false, false, binds, bind_count, cage_argv,
			    buf, sizeof(buf), &spec, err, err_size)) {
		return NULL;
	}
	const char *base = strrchr(argv[0], '/');
	snprintf(name, sizeof(name), "%s of %s", base ? base + 1 : argv[0],
			session->server->config.levels[level].name);
	spec.name = name;
	spec.ready_line = ready_line;
	spec.down_line = down_line;
	spec.ready_prefix = ready_prefix;
	spec.restart = PROCESS_RESTART_ALWAYS;
	struct process *p = process_create(session->supervisor, &spec, events, data);
	if (!p) {
		snprintf(err, err_size, "cannot supervise it (see the compositor's log)");
	}
	return p;
}

const char *
session_level_log(struct strata_session *session, int level)
{
	return session->levels[level].log_path;
}

bool
session_proxy_for(struct strata_session *session, int level, struct session_proxy_info *out)
{
	if (!session->root || level < 0 || (size_t)level >= session->server->config.level_count ||
			!session->proxy_path[0]) {
		return false;
	}
	const struct level_state *ls = &session->levels[level];
	*out = (struct session_proxy_info){
		.path = session->proxy_path,
		.config_path = session->config_path[0] ? session->config_path : NULL,
		.uid = ls->proxy_uid,
		.gid = ls->proxy_gid,
	};
	return true;
}

void
session_set_x11_dir(struct strata_session *session, int level, const char *dir)
{
	struct level_state *ls = &session->levels[level];
	snprintf(ls->x11_dir, sizeof(ls->x11_dir), "%s", dir ? dir : "");
}

int
session_cage_options(struct strata_session *session, int level, const char **out, size_t out_size,
		char *buf, size_t buf_size)
{
	if (!session->root || level < 0 || (size_t)level >= session->server->config.level_count) {
		return -1;
	}
	struct process_spec spec;
	char err[64];
	if (out_size > CAGE_MAX_ARGS) {
		out_size = CAGE_MAX_ARGS;
	}
	const char *cage_argv[CAGE_MAX_ARGS];
	if (!cage_process_spec(session, level, NULL, false, false, NULL, 0, cage_argv, buf,
			    buf_size, &spec, err, sizeof(err))) {
		return -1;
	}
	/* Everything but the "--" that ends the options. */
	size_t count = 0;
	while (cage_argv[count]) {
		count++;
	}
	if (count < 2 || strcmp(cage_argv[count - 1], "--") != 0 || count - 1 >= out_size) {
		return -1;
	}
	for (size_t i = 0; i + 1 < count; i++) {
		out[i] = cage_argv[i];
	}
	out[count - 1] = NULL;
	return (int)(count - 1);
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

/* A file of the session's (in a directory only root writes), mode 0644. */
static bool
write_file(const char *path, const char *text, size_t len, bool chown_it)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		wlr_log_errno(WLR_ERROR, "cannot create %s", path);
		return false;
	}
	bool ok = (!chown_it || fchown(fd, 0, 0) == 0) && fchmod(fd, 0644) == 0;
	for (size_t done = 0; ok && done < len;) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		ok = n > 0;
		done += n > 0 ? (size_t)n : 0;
	}
	if (close(fd) < 0) {
		ok = false;
	}
	if (!ok) {
		wlr_log_errno(WLR_ERROR, "cannot write %s", path);
		unlink(path);
	}
	return ok;
}

/* RUNDIR/etc-LEVEL/passwd and group: the level's user, root and nobody. */
static bool
write_etc_files(struct strata_session *session, struct level_state *ls)
{
	char text[2][512];
	int len[2] = {
		cage_passwd_text(level_name(ls), ls->uid, ls->gid, text[0], sizeof(text[0])),
		cage_group_text(ls->gid, text[1], sizeof(text[1])),
	};
	if (!session_make_dir(ls->etc_dir, 0755, 0, 0, session->root)) {
		return false;
	}
	for (size_t i = 0; i < 2; i++) {
		char path[PATH_MAX];
		if (len[i] < 0 ||
				!session_join_path(path, sizeof(path), ls->etc_dir, etc_files[i]) ||
				!write_file(path, text[i], (size_t)len[i], session->root)) {
			wlr_log(WLR_ERROR, "level %s: cannot write the cage's %s", level_name(ls),
					etc_files[i]);
			return false;
		}
	}
	return true;
}

static bool
level_prepare(struct strata_session *session, int index)
{
	struct strata_server *server = session->server;
	const struct strata_level *level = &server->config.levels[index];
	struct level_state *ls = &session->levels[index];
	ls->session = session;
	ls->index = index;
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
	char run_name[64], etc_name[64];
	snprintf(run_name, sizeof(run_name), "run-%s", level->name);
	snprintf(etc_name, sizeof(etc_name), "etc-%s", level->name);
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
					server->runtime_dir, run_name) ||
			!session_join_path(ls->etc_dir, sizeof(ls->etc_dir), server->runtime_dir,
					etc_name)) {
		wlr_log(WLR_ERROR, "paths for level %s are too long", level->name);
		return false;
	}
	memcpy(ls->cage_dir, cage_dir, sizeof(ls->cage_dir));
	/* The home: only the cage's user; the level dir: traversable, not listable. */
	if (!session_make_dir(level_dir, 0711, 0, 0, false) ||
			!session_make_dir(ls->home, 0700, ls->uid, ls->gid, session->root) ||
			!session_make_dir(ls->cage_dir, 0750, 0, ls->gid, session->root) ||
			!session_make_dir(ls->runtime_dir, 0700, ls->uid, ls->gid, session->root) ||
			!write_etc_files(session, ls)) {
		return false;
	}
	/* The compositor's socket for this level: the level's proxy only. */
	char upstream[PATH_MAX];
	snprintf(upstream, sizeof(upstream), "%s/wayland-%s", server->runtime_dir, level->name);
	if (session->root && (chown(upstream, 0, ls->proxy_gid) < 0 || chmod(upstream, 0660) < 0)) {
		wlr_log_errno(WLR_ERROR, "cannot restrict %s", upstream);
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
	return paths_find(session->proxy_path, sizeof(session->proxy_path), PATHS_PROGRAM, NULL,
			"../cage-proxy", "strata-cage-proxy", X_OK);
}

struct strata_session *
session_create(struct strata_server *server, const char *config_path)
{
	struct strata_session *session = calloc(1, sizeof(*session));
	if (!session) {
		return NULL;
	}
	session->server = server;
	session->supervisor = server->supervisor;
	session->root = geteuid() == 0;
	if (config_path) {
		snprintf(session->config_path, sizeof(session->config_path), "%s", config_path);
	}
	snprintf(session->data_dir, sizeof(session->data_dir), "%s", server->data_dir);
	/* The cages' LANG: the session's, if it is a locale name (cage.c
	 * checks it, at each launch). */
	session->lang = getenv("LANG");
	if (session->lang && !cage_locale_valid(session->lang)) {
		wlr_log(WLR_ERROR, "LANG is not a locale name: the cages get C.UTF-8");
	}
	if (!find_proxy(session)) {
		wlr_log(WLR_ERROR, "no trusted strata-cage-proxy: levels stay down");
	}
	if (!session->root) {
		wlr_log(WLR_ERROR,
				"strata is not root: cages and proxies cannot be sandboxed, so "
				"levels stay down (level sockets still serve trusted clients)");
	}
	char cages[PATH_MAX];
	snprintf(cages, sizeof(cages), "%s/cages", server->runtime_dir);
	if (!session->supervisor || !session_make_dir(session->data_dir, 0711, 0, 0, false) ||
			!session_make_dir(cages, 0711, 0, 0, false)) {
		free(session);
		return NULL;
	}
	for (size_t i = 0; i < server->config.level_count; i++) {
		if (!level_prepare(session, (int)i)) {
			session_destroy(session);
			return NULL;
		}
	}
	/* The buses first: they are ready before the proxies, most often, and
	 * autostart has them at once. */
	for (size_t i = 0; session->root && i < server->config.level_count; i++) {
		struct level_state *ls = &session->levels[i];
		if (create_bus(ls)) {
			process_start(ls->bus);
		}
	}
	if (session->root && session->proxy_path[0] && access(session->proxy_path, X_OK) == 0) {
		for (size_t i = 0; i < server->config.level_count; i++) {
			struct level_state *ls = &session->levels[i];
			remove_tree_entries(ls);
			if (!create_proxy(ls) || !process_start(ls->proxy)) {
				wlr_log(WLR_ERROR, "level %s: its proxy does not run",
						level_name(ls));
			}
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
	/* The processes are gone already (process_supervisor_shutdown() before
	 * this, in main.c): their files can go. */
	for (size_t i = 0; i < server->config.level_count; i++) {
		struct level_state *ls = &session->levels[i];
		if (!ls->session) {
			continue;
		}
		process_destroy(ls->proxy);
		process_destroy(ls->bus);
		for (size_t k = 0; k < ls->pending_count; k++) {
			free(ls->pending[k]);
		}
		remove_tree_entries(ls);
		rmdir(ls->cage_dir);
		remove_tree(ls->runtime_dir);
		for (size_t k = 0; ls->etc_dir[0] && k < 2; k++) {
			char path[PATH_MAX];
			if (session_join_path(path, sizeof(path), ls->etc_dir, etc_files[k])) {
				unlink(path);
			}
		}
		if (ls->etc_dir[0]) {
			rmdir(ls->etc_dir);
		}
		unlink(ls->log_path);
	}
	char cages[PATH_MAX];
	snprintf(cages, sizeof(cages), "%s/cages", server->runtime_dir);
	rmdir(cages);
	free(session);
}
