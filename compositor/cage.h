/* SPDX-License-Identifier: MIT */
#ifndef STRATA_CAGE_H
#define STRATA_CAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A level's cage: what a program started in it can see. Built on Debian's
 * bubblewrap; this module only writes its command line (a pure function,
 * unit-tested), the session runs it.
 *
 * Inside: new user, mount, pid, ipc, uts and cgroup namespaces, and a new
 * network namespace unless the level shares the network; /usr and /etc
 * read-only; private /tmp, /run and /dev; the level's persistent home; a
 * private runtime dir holding only the directory with the level's proxy
 * socket. Nothing of the core runtime directory, no other level's files,
 * sockets or processes, no capabilities, a clean environment.
 */
/* A host path shown read-only at another path in the cage. */
struct cage_bind {
	const char *host;
	const char *inside;
};

struct cage_spec {
	const char *bwrap; /* path of bwrap */
	const char *level; /* name */
	/* Host paths, reachable by the cage's user (bwrap runs as it). */
	const char *home; /* the level's home */
	const char *proxy_dir; /* the directory with the level's proxy socket */
	const char *runtime_dir; /* the level's XDG_RUNTIME_DIR, shared by its launches */
	uid_t uid; /* inside and outside (no remapping) */
	bool network;
	bool use_shell; /* run argv[0] with sh -c */
	const char *const *argv; /* NULL-terminated */
	/* More read-only binds, for the session's own services in the cage. */
	const struct cage_bind *ro_binds;
	size_t ro_bind_count;
};

#define CAGE_MAX_ARGS 160

/* Fills out (NULL-terminated, pointers into spec and into buf) and returns
 * the number of arguments, or -1 if they do not fit. */
int cage_build_argv(const struct cage_spec *spec, const char **out, size_t out_size, char *buf,
		size_t buf_size);

#endif
