/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SESSION_H
#define STRATA_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
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

/* The directory in the core runtime dir whose wayland-0 is the level's cage
 * socket (what the cage sees). */
const char *session_cage_socket(struct strata_session *session, int level);

#endif
