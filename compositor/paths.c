// SPDX-License-Identifier: MIT
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "paths.h"

bool
paths_find_file(char *out, size_t size, const char *const *dirs, const char *name, int mode)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;
	if (size > 0) {
		out[0] = '\0';
	}
	if (!slash) {
		return false;
	}
	*slash = '\0';
	for (size_t i = 0; dirs[i]; i++) {
		int len = snprintf(out, size, "%s/%s/%s", self, dirs[i], name);
		if (len > 0 && (size_t)len < size && access(out, mode) == 0) {
			return true;
		}
	}
	if (size > 0) {
		out[0] = '\0';
	}
	return false;
}
