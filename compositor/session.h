/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SESSION_H
#define STRATA_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "cage.h"
#include "server.h"

/*
 * The session: for every level, its cage proxy (restarted with back-off when
 * it dies), its cage directories and home, and the programs started in its
 * cage (autostart, Logo+Return, strata-run). Every one of them is a child of
 * the server's process supervisor (process.c).
 */
struct strata_session;
struct process;
struct process_events;

/* Needs server->supervisor. */
struct strata_session *session_create(struct strata_server *server, const char *config_path);
/* Call after process_supervisor_shutdown(): it removes the directories,
 * sockets and logs the session's processes used. NULL-safe. */
void session_destroy(struct strata_session *session);

/* Is the level's proxy up (its cage socket accepting)? */
bool session_level_up(struct strata_session *session, int level);

/*
 * Starts argv inside the level's cage (with sh -c when use_shell, argv[0]
 * being the command line): never restarted, ended with the session.
 * Returns the pid of the cage's bubblewrap, or -1 with a message for the
 * user in err.
 */
pid_t session_launch(struct strata_session *session, int level, const char *const *argv,
		bool use_shell, char *err, size_t err_size);

/*
 * One of the session's own services in the level's cage (whether or not its
 * proxy is up), with more read-only binds: supervised (restarted with
 * back-off), output to the level's log, ready_line, down_line and
 * ready_prefix as in struct process_spec (the lines may be NULL); not started yet (process_start),
 * the caller's to destroy. NULL with a message in err. Needs root.
 */
struct process *session_cage_service(struct strata_session *session, int level,
		const char *const *argv, const struct cage_bind *binds, size_t bind_count,
		const char *ready_line, const char *down_line, bool ready_prefix,
		const struct process_events *events, void *data, char *err, size_t err_size);

/* Helpers shared with the session's other services (audio.c). */
/* dir/name into out; false when it does not fit. */
bool session_join_path(char *out, size_t size, const char *dir, const char *name);
/* mkdir (or an existing directory, never a link), then mode, and owner when
 * chown_it; false with the reason logged. */
bool session_make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, bool chown_it);

/* The file the level's programs write their output to (RUNDIR/log-LEVEL). */
const char *session_level_log(struct strata_session *session, int level);
/* How the level's proxy is run: its program, the configuration it reads
 * (NULL: the built-in one) and its user; false when not root. */
struct session_proxy_info {
	const char *path;
	const char *config_path;
	uid_t uid;
	gid_t gid;
};
bool session_proxy_for(struct strata_session *session, int level, struct session_proxy_info *out);

/* The directory with the level's X11 socket (X0) that its launches see as
 * /tmp/.X11-unix, with DISPLAY=:0 (xwayland.c); NULL or "": none. */
void session_set_x11_dir(struct strata_session *session, int level, const char *dir);
/* The bubblewrap command line of the level's cage up to the command (its
 * options, without the "--" that ends them), as its launches get it but
 * with no X11: into out (NULL-terminated, pointing into buf). Returns the
 * count, or -1 (not root, no such level, too long). */
int session_cage_options(struct strata_session *session, int level, const char **out,
		size_t out_size, char *buf, size_t buf_size);

/* The cage user and group of a level (false when not root). */
bool session_level_ids(struct strata_session *session, int level, uid_t *uid, gid_t *gid);
bool session_is_root(struct strata_session *session);

/* The directory in the core runtime dir whose wayland-0 is the level's cage
 * socket (what the cage sees). */
const char *session_cage_socket(struct strata_session *session, int level);

#endif
