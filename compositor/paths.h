/* SPDX-License-Identifier: MIT */
#ifndef STRATA_PATHS_H
#define STRATA_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A program or data file of Strata: the first DIR/dirs[i]/name that access()
 * allows with mode, DIR being the directory of the running strata (dirs
 * name where it is installed, e.g. ".", and where it is in the build tree,
 * e.g. "../cage-proxy"). Fills out (size bytes) and returns true, else
 * leaves out empty.
 */
bool paths_find_file(char *out, size_t size, const char *const *dirs, const char *name, int mode);

/*
 * Copies the program at src to dst, a new file (never one that exists),
 * mode 0755, owned by the caller: a program a cage runs must be where the
 * level's uid can reach it, and the build tree or an install under a 0700
 * home (/root) is not. False with errno set (dst removed) on any failure.
 */
bool paths_copy_program(const char *src, const char *dst);

#endif
