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

#endif
