// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/io.h"
#include "test_fs.h"

bool
test_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		return false;
	}
	bool written = io_write_all(fd, text, strlen(text));
	return close(fd) == 0 && written;
}

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	remove(path); /* best effort: the rest still goes */
	return 0;
}

void
test_remove_tree(const char *dir)
{
	if (dir[0] != '\0') {
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
}
