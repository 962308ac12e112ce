// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "common/io.h"
#include "config.h"
#include "paths.h"

/* The directory of the running strata, without its last slash. */
static bool
own_directory(char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size - 1);
	char *slash = n > 0 ? memrchr(out, '/', (size_t)n) : NULL;
	if (!slash) {
		return false;
	}
	*slash = '\0';
	return true;
}

/* The staging prefix when dir is STRATA_BINDIR under one ("" for none); NULL
 * when dir is not an installed bindir (a build tree). */
static const char *
installed_prefix(char *dir)
{
	/* dir has no symlink in it (the kernel's /proc/self/exe): STRATA_BINDIR
	 * may (/bin, on a merged /usr). */
	char bindir[PATH_MAX];
	if (realpath(STRATA_BINDIR, bindir) && strcmp(dir, bindir) == 0) {
		dir[0] = '\0';
		return dir;
	}
	size_t len = strlen(dir), bin = strlen(STRATA_BINDIR);
	if (len < bin || strcmp(dir + len - bin, STRATA_BINDIR) != 0) {
		return NULL;
	}
	dir[len - bin] = '\0';
	return dir;
}

bool
paths_trusted(const char *path, char *why, size_t why_size)
{
	char real[PATH_MAX];
	if (!realpath(path, real)) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return false;
	}
	/* The file, then each directory above it up to "/". */
	size_t len = strlen(real);
	for (;;) {
		struct stat st;
		if (stat(real, &st) < 0) {
			snprintf(why, why_size, "%s: %s", real, strerror(errno));
			return false;
		}
		bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
		if (st.st_uid != 0) {
			snprintf(why, why_size, "%s is owned by uid %u, not root", real,
					(unsigned)st.st_uid);
			return false;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_dir) {
			snprintf(why, why_size, "%s is writable by %s (mode %04o)", real,
					(st.st_mode & S_IWOTH) ? "everyone" : "its group",
					(unsigned)(st.st_mode & 07777));
			return false;
		}
		if (len == 1) {
			return true;
		}
		char *slash = memrchr(real, '/', len);
		len = slash == real ? 1 : (size_t)(slash - real);
		real[len] = '\0';
	}
}

bool
paths_find(char *out, size_t size, enum paths_kind kind, const char *installed_subdir,
		const char *build_dir, const char *name, int mode)
{
	char dir[PATH_MAX];
	out[0] = '\0';
	if (!own_directory(dir, sizeof(dir))) {
		wlr_log_errno(WLR_ERROR, "cannot tell where strata is, to find %s", name);
		return false;
	}
	const char *prefix = installed_prefix(dir);
	int len;
	if (prefix) {
		const char *base = kind == PATHS_PROGRAM ? STRATA_LIBEXECDIR : STRATA_DATADIR;
		len = snprintf(out, size, "%s%s%s%s/%s", prefix, base, installed_subdir ? "/" : "",
				installed_subdir ? installed_subdir : "", name);
	} else {
		len = snprintf(out, size, "%s/%s/%s", dir, build_dir, name);
	}
	if (len < 0 || (size_t)len >= size) {
		wlr_log(WLR_ERROR, "the path of %s is too long", name);
		out[0] = '\0';
		return false;
	}
	/* What is checked is what runs: the path with every symlink resolved
	 * (a symlink in a directory others may write could be pointed
	 * elsewhere after the check). */
	char real[PATH_MAX];
	if (access(out, mode) != 0 || !realpath(out, real)) {
		wlr_log_errno(WLR_ERROR, "%s is missing at %s", name, out);
		out[0] = '\0';
		return false;
	}
	if (strlen(real) >= size) {
		wlr_log(WLR_ERROR, "the path of %s is too long", name);
		out[0] = '\0';
		return false;
	}
	memcpy(out, real, strlen(real) + 1);
	char why[PATH_MAX + 64];
	if (geteuid() == 0 && !paths_trusted(out, why, sizeof(why))) {
		wlr_log(WLR_ERROR,
				"refusing %s: %s, and root would run or read it (it must be "
				"root's and writable by root alone, as must each directory "
				"above it)",
				out, why);
		out[0] = '\0';
		return false;
	}
	return true;
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
