// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/io.h"
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

bool
paths_copy_program(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		return false;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0) {
		int saved = errno;
		close(in);
		errno = saved;
		return false;
	}
	bool ok = true;
	char buf[65536];
	ssize_t n;
	do {
		n = io_read_all(in, buf, sizeof(buf));
		ok = n >= 0 && io_write_all(out, buf, (size_t)n);
	} while (ok && n == (ssize_t)sizeof(buf));
	/* The mode asked for at creation is cut by the umask: set it whole. */
	ok = ok && fchmod(out, 0755) == 0;
	int saved = errno;
	ok = close(out) == 0 && ok;
	close(in);
	if (!ok) {
		unlink(dst);
		errno = saved;
	}
	return ok;
}
