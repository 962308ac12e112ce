/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SPAWN_H
#define STRATA_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>
#include "process.h"

/*
 * fork + exec with a clean slate, for the supervisor (process.c) only: see
 * process.h for what a child gets. The child does nothing but
 * async-signal-safe calls between fork and exec; everything it needs is
 * prepared before the fork.
 */

/* The child's exit status when its setup failed (fds, session, credentials,
 * parent already gone) and when exec failed. */
#define SPAWN_EXIT_SETUP 126
#define SPAWN_EXIT_EXEC 127

/* A process_spec, copied: what a restart needs long after the caller's
 * strings went away. */
struct spawn_spec {
	char *name;
	char **argv;
	char **envp; /* NULL: the compositor's environment at each start */
	char *log_path; /* may be NULL */
	int output_fd;
	int socket_target;
	struct process_fd fds[PROCESS_MAX_FDS];
	size_t fd_count;
	bool drop;
	uid_t uid;
	gid_t gid;
};

struct spawn_spec *spawn_spec_copy(const struct process_spec *spec);
void spawn_spec_free(struct spawn_spec *spec); /* NULL-safe */

struct spawn_result {
	pid_t pid;
	int out_fd; /* ready_pipe: the read end of its stdout (non-blocking), else -1 */
	int socket_fd; /* spec->socket_target: our end of the socketpair, else -1 */
};

/* Starts the program; every fd in res is close-on-exec. false (said in the
 * log) when nothing was started. */
bool spawn_run(const struct spawn_spec *spec, bool ready_pipe, struct spawn_result *res);

#endif
