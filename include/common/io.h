/* SPDX-License-Identifier: MIT */
#ifndef COMMON_IO_H
#define COMMON_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Whole reads and writes on blocking file descriptors: the one loop that
 * retries after EINTR and short transfers, for every program but the
 * compositor's event loop (whose sockets are non-blocking).
 */

/*
 * Writes the len bytes at data to fd. On a socket it sends with
 * MSG_NOSIGNAL, so that a peer that has gone away gives EPIPE rather than a
 * SIGPIPE; on anything else (send() says ENOTSOCK) it falls back to write(),
 * where a pipe without a reader still raises SIGPIPE unless the program
 * ignores it. Returns true when every byte was written; false with errno set
 * otherwise (EPIPE: the reader is gone; EAGAIN: fd is non-blocking and
 * full), in which case some of the bytes may have been written.
 */
bool io_write_all(int fd, const void *data, size_t len);

/*
 * Reads len bytes from fd into data, up to the end of file. Returns the
 * number of bytes read: len when they all came, less (0 included) when the
 * end of file came first; or -1 with errno set on an error (what was read
 * before it is in data but not counted). len must not exceed SSIZE_MAX
 * (EINVAL).
 */
ssize_t io_read_all(int fd, void *data, size_t len);

#endif
