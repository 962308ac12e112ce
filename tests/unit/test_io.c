// SPDX-License-Identifier: MIT
/*
 * common/io.c: whole reads and writes over pipes, socketpairs and files,
 * with short transfers and EINTR forced (a peer that trickles and signals
 * us all along, a handler without SA_RESTART) and peers that went away.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common/io.h"
#include "tap.h"

#define BIG (1u << 20)

static void
fill_pattern(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++) {
		buf[i] = (uint8_t)(i * 131u + i / 251u + seed);
	}
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

static void
handle_interruption(int sig)
{
}

/* SIGUSR1 interrupts our blocking calls from now on: a read or write that
 * moved some bytes returns short, one that moved none fails with EINTR. */
static void
interrupt_on_sigusr1(void)
{
	struct sigaction sa = { .sa_handler = handle_interruption }; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	tap_assert(sigaction(SIGUSR1, &sa, NULL) == 0);
}

/* A child that writes len bytes of the pattern in chunks of chunk bytes,
 * signalling us and pausing pause_ms after each, then exits; it closes
 * other, our end. */
static pid_t
spawn_trickle_writer(int fd, int other, size_t len, size_t chunk, long pause_ms)
{
	pid_t pid = fork();
	tap_assert(pid >= 0);
	if (pid == 0) {
		close(other);
		uint8_t *buf = malloc(len);
		fill_pattern(buf, len, 7);
		for (size_t off = 0; off < len; off += chunk) {
			size_t n = len - off < chunk ? len - off : chunk;
			if (write(fd, buf + off, n) != (ssize_t)n) {
				_exit(2);
			}
			kill(getppid(), SIGUSR1);
			sleep_ms(pause_ms);
		}
		_exit(0);
	}
	return pid;
}

/* A child that reads everything from fd, chunk bytes at a time, signalling
 * us twice and pausing pause_ms before each, and exits 0 if it got exactly len
 * bytes of the pattern before the end of file; it closes other, our end. */
static pid_t
spawn_slow_reader(int fd, int other, size_t len, size_t chunk, long pause_ms)
{
	pid_t pid = fork();
	tap_assert(pid >= 0);
	if (pid == 0) {
		close(other);
		uint8_t *expect = malloc(len), *got = malloc(len + chunk);
		fill_pattern(expect, len, 3);
		size_t used = 0;
		for (;;) {
			/* the first signal cuts a write short, the second
			 * finds the next one before it moved a byte */
			kill(getppid(), SIGUSR1);
			sleep_ms(pause_ms);
			kill(getppid(), SIGUSR1);
			sleep_ms(pause_ms);
			ssize_t n = read(fd, got + used, chunk);
			if (n < 0 && errno == EINTR) {
				continue;
			}
			if (n <= 0 || used + (size_t)n > len) {
				break;
			}
			used += (size_t)n;
		}
		_exit(used == len && memcmp(got, expect, len) == 0 ? 0 : 1);
	}
	return pid;
}

static int
wait_child(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		tap_assert(errno == EINTR);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reads that come back short or interrupted (a writer trickling into a
 * pipe) are gathered into one; the end of file ends it with what came. */
static void
read_gathers_short_reads(void)
{
	interrupt_on_sigusr1();
	int p[2];
	tap_assert(pipe2(p, O_CLOEXEC) == 0);
	const size_t len = 64 * 1024 + 123;
	pid_t pid = spawn_trickle_writer(p[1], p[0], len, 1000, 1);
	close(p[1]);
	uint8_t *expect = malloc(len), *got = malloc(len + 100);
	fill_pattern(expect, len, 7);
	tap_assert_int_eq(io_read_all(p[0], got, 4096), 4096);
	tap_assert_int_eq(io_read_all(p[0], got + 4096, len - 4096 + 100), len - 4096);
	tap_assert(memcmp(got, expect, len) == 0);
	/* at the end of file: 0, as often as asked */
	tap_assert_int_eq(io_read_all(p[0], got, 100), 0);
	tap_assert_int_eq(io_read_all(p[0], got, 100), 0);
	/* nothing asked, nothing read */
	tap_assert_int_eq(io_read_all(p[0], got, 0), 0);
	close(p[0]);
	tap_assert_int_eq(wait_child(pid), 0);
	free(expect);
	free(got);
}

/* A send interrupted after part of the buffer returns short, one
 * interrupted before it fails with EINTR: the rest must follow, in order,
 * none twice. */
static void
write_finishes_short_writes(void)
{
	interrupt_on_sigusr1();
	int sv[2];
	tap_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	int small = 4096;
	tap_assert(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
	pid_t pid = spawn_slow_reader(sv[1], sv[0], BIG, 16 * 1024, 1);
	close(sv[1]);
	uint8_t *buf = malloc(BIG);
	fill_pattern(buf, BIG, 3);
	tap_assert(io_write_all(sv[0], buf, BIG));
	close(sv[0]);
	tap_assert_int_eq(wait_child(pid), 0);
	free(buf);
}

static void
pipes_and_files_are_written_with_write(void)
{
	/* a pipe: send() says ENOTSOCK */
	interrupt_on_sigusr1();
	int p[2];
	tap_assert(pipe2(p, O_CLOEXEC) == 0);
	pid_t pid = spawn_slow_reader(p[0], p[1], BIG, 16 * 1024, 1);
	close(p[0]);
	uint8_t *buf = malloc(BIG);
	fill_pattern(buf, BIG, 3);
	tap_assert(io_write_all(p[1], buf, BIG));
	close(p[1]);
	tap_assert_int_eq(wait_child(pid), 0);

	/* a regular file, read back past its end */
	int fd = memfd_create("test-io", MFD_CLOEXEC);
	tap_assert(fd >= 0);
	tap_assert(io_write_all(fd, buf, BIG));
	tap_assert(io_write_all(fd, buf, 0));
	tap_assert(lseek(fd, 0, SEEK_SET) == 0);
	uint8_t *back = malloc(BIG + 1);
	tap_assert_int_eq(io_read_all(fd, back, BIG + 1), BIG);
	tap_assert(memcmp(back, buf, BIG) == 0);
	close(fd);
	free(buf);
	free(back);
}

/* A socket peer that closed: EPIPE, and the process lives on (the test
 * keeps SIGPIPE's default action, which would kill it). */
static void
closed_socket_peer_gives_epipe(void)
{
	signal(SIGPIPE, SIG_DFL);
	int sv[2];
	tap_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	close(sv[1]);
	errno = 0;
	tap_assert(!io_write_all(sv[0], "x", 1));
	tap_assert_int_eq(errno, EPIPE);
	/* and a read at the other end of a closed peer is the end of file */
	char c;
	tap_assert_int_eq(io_read_all(sv[0], &c, 1), 0);
	close(sv[0]);

	/* a peer that goes away half-way through a large write */
	tap_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid_t pid = fork();
	tap_assert(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		char chunk[4096];
		(void)!read(sv[1], chunk, sizeof(chunk));
		_exit(0);
	}
	close(sv[1]);
	uint8_t *buf = calloc(1, BIG);
	errno = 0;
	tap_assert(!io_write_all(sv[0], buf, BIG));
	tap_assert(errno == EPIPE || errno == ECONNRESET);
	close(sv[0]);
	tap_assert_int_eq(wait_child(pid), 0);
	free(buf);
}

/* A pipe without a reader: EPIPE where SIGPIPE is ignored, as every
 * program that writes to pipes does. */
static void
closed_pipe_reader_gives_epipe(void)
{
	signal(SIGPIPE, SIG_IGN);
	int p[2];
	tap_assert(pipe2(p, O_CLOEXEC) == 0);
	close(p[0]);
	errno = 0;
	tap_assert(!io_write_all(p[1], "abc", 3));
	tap_assert_int_eq(errno, EPIPE);
	close(p[1]);
}

static void
errors_are_reported(void)
{
	char buf[16];
	errno = 0;
	tap_assert_int_eq(io_read_all(-1, buf, sizeof(buf)), -1);
	tap_assert_int_eq(errno, EBADF);
	errno = 0;
	tap_assert(!io_write_all(-1, "x", 1));
	tap_assert_int_eq(errno, EBADF);
	/* the wrong end of a pipe */
	int p[2];
	tap_assert(pipe2(p, O_CLOEXEC) == 0);
	errno = 0;
	tap_assert_int_eq(io_read_all(p[1], buf, sizeof(buf)), -1);
	tap_assert_int_eq(errno, EBADF);
	errno = 0;
	tap_assert(!io_write_all(p[0], "x", 1));
	tap_assert_int_eq(errno, EBADF);
	/* more than a read can count */
	errno = 0;
	tap_assert_int_eq(io_read_all(p[0], buf, (size_t)SSIZE_MAX + 1), -1);
	tap_assert_int_eq(errno, EINVAL);
	close(p[0]);
	close(p[1]);
	/* a non-blocking socket that is full: EAGAIN, not a spin */
	int sv[2];
	tap_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0);
	uint8_t *big = calloc(1, BIG);
	errno = 0;
	tap_assert(!io_write_all(sv[0], big, BIG));
	tap_assert_int_eq(errno, EAGAIN);
	/* and an empty one has nothing to read */
	errno = 0;
	tap_assert_int_eq(io_read_all(sv[0], buf, sizeof(buf)), -1);
	tap_assert_int_eq(errno, EAGAIN);
	close(sv[0]);
	close(sv[1]);
	free(big);
}

TAP_TESTS(TAP_CASE(read_gathers_short_reads), TAP_CASE(write_finishes_short_writes),
		TAP_CASE(pipes_and_files_are_written_with_write),
		TAP_CASE(closed_socket_peer_gives_epipe), TAP_CASE(closed_pipe_reader_gives_epipe),
		TAP_CASE(errors_are_reported))
