// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/io.h"

bool
io_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	bool on_socket = true; /* until send() says otherwise */
	while (len > 0) {
		ssize_t n = on_socket ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
		if (n < 0 && on_socket && errno == ENOTSOCK) {
			on_socket = false;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return false;
		}
		if (n == 0) {
			errno = EIO; /* write() never makes progress: do not spin */
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

ssize_t
io_read_all(int fd, void *data, size_t len)
{
	if (len > SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	uint8_t *p = data;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return -1;
		}
		if (n == 0) {
			break; /* end of file */
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}
