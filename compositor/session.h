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
 * cage (autostart, Logo+Return, strata-run). The compositor is the parent
 * of all of them and reaps only its own children.
 */
struct strata_session;

struct strata_session *session_create(struct strata_server *server, const char *config_path);
void session_destroy(struct strata_session *session);

/* Is the level's proxy up (its cage socket accepting)? */
bool session_level_up(struct strata_session *session, int level);

/*
 * Starts argv inside the level's cage (with sh -c when use_shell, argv[0]
 * being the command line). Returns the pid of the cage's bubblewrap, or -1
 * with a message for the user in err.
 */
pid_t session_launch(struct strata_session *session, int level, const char *const *argv,
		bool use_shell, char *err, size_t err_size);

/* Told when a service started below has ended (status as from waitpid). */
typedef void (*session_exit_fn)(void *data, pid_t pid, int status);

/*
 * Starts one of the session's own services in the level's cage (whether or
 * not its proxy is up), with more read-only binds; exited is called when it
 * ends. Returns its pid or -1 with a message in err. Needs root.
 */
pid_t session_launch_service(struct strata_session *session, int level, const char *const *argv,
		const struct cage_bind *binds, size_t bind_count, session_exit_fn exited,
		void *data, char *err, size_t err_size);

/* Starts a core service as the compositor's user, outside any cage, with
 * keep_fd (if >= 0) as its fd 3 and its output appended to log_path. */
pid_t session_spawn_core(struct strata_session *session, const char *const *argv, int keep_fd,
		const char *log_path, session_exit_fn exited, void *data);

/* No more exited calls with this data (its owner is going away); the
 * processes stay supervised and end with the session. */
void session_forget(struct strata_session *session, void *data);

/* Helpers shared with the session's other services (audio.c). */
uint64_t session_clock_ms(void); /* CLOCK_MONOTONIC */
/* Back-off before restarting a process that ended: 250 ms doubling to 30 s,
 * counted in restarts, back to 250 ms once it had run 30 s (started_ms). */
uint32_t session_restart_delay(unsigned *restarts, uint64_t started_ms);
/* dir/name into out; false when it does not fit. */
bool session_join_path(char *out, size_t size, const char *dir, const char *name);
/* mkdir (or an existing directory, never a link), then mode, and owner when
 * chown_it; false with the reason logged. */
bool session_make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, bool chown_it);

/* The cage user and group of a level (false when not root). */
bool session_level_ids(struct strata_session *session, int level, uid_t *uid, gid_t *gid);
bool session_is_root(struct strata_session *session);

/* The directory in the core runtime dir whose wayland-0 is the level's cage
 * socket (what the cage sees). */
const char *session_cage_socket(struct strata_session *session, int level);

#endif
