/* SPDX-License-Identifier: MIT */
#ifndef STRATA_PATHS_H
#define STRATA_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Where strata's helper programs and data files are. An installed strata
 * (its own directory is STRATA_BINDIR, under an optional staging prefix such
 * as a DESTDIR) takes them from STRATA_LIBEXECDIR and STRATA_DATADIR under
 * the same prefix, and never from elsewhere. A strata in its build tree takes
 * them from the build tree: DIR/build_dir/name, DIR being strata's own
 * directory, build_dir relative to it (e.g. "../cage-proxy").
 *
 * Root runs or reads what is found, so run as root it must be trusted: the
 * file and every directory above it owned by root and writable by no one
 * else (a directory writable by others only with its sticky bit, like /tmp).
 * A level's uid that could write one could otherwise run code as root.
 *
 * Fills out (size bytes) with the path found, every symlink resolved (what
 * was checked is what runs), and returns true; else logs why (missing, or
 * not trusted and by what) and leaves out empty.
 */
enum paths_kind {
	PATHS_PROGRAM, /* STRATA_LIBEXECDIR when installed */
	PATHS_DATA, /* STRATA_DATADIR when installed */
};
bool paths_find(char *out, size_t size, enum paths_kind kind, const char *installed_subdir,
		const char *build_dir, const char *name, int mode);

/* Whether path (a file) and each directory above it is owned by root and
 * writable by no one else, as paths_find() requires; if not, why (a line
 * naming the path that fails), in why. */
bool paths_trusted(const char *path, char *why, size_t why_size);

/*
 * Copies the program at src to dst, a new file (never one that exists),
 * mode 0755, owned by the caller: a program a cage runs must be where the
 * level's uid can reach it, and the build tree or an install under a 0700
 * home (/root) is not. False with errno set (dst removed) on any failure.
 */
bool paths_copy_program(const char *src, const char *dst);

#endif
