// SPDX-License-Identifier: MIT
/*
 * common/log.c: every line is one write(2) (a SOCK_SEQPACKET socket as fd 2
 * keeps each write as one packet), cut at the limit with a marker and at a
 * character boundary, and lines of concurrent processes never mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/log.h"
#include "common/utf8.h"
#include "tap.h"

/* fd 2 becomes our end of a packet socket; the other end is returned. */
static int
capture_stderr(int *saved)
{
	int sv[2];
	tap_assert(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	int size = 1 << 20;
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	*saved = dup(STDERR_FILENO);
	tap_assert(*saved >= 0);
	tap_assert(dup2(sv[0], STDERR_FILENO) == STDERR_FILENO);
	close(sv[0]);
	return sv[1];
}

static void
restore_stderr(int saved)
{
	tap_assert(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);
}

/* The next packet (one write) into buf, NUL-terminated: its length, or 0
 * when there is none and fd 2 is ours again (the end of the stream). */
static ssize_t
next_write(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
	if (n >= 0) {
		buf[n] = '\0';
	}
	return n;
}

static bool
ends_with(const char *s, const char *end)
{
	size_t len = strlen(s), end_len = strlen(end);
	return len >= end_len && strcmp(s + len - end_len, end) == 0;
}

static void
each_line_is_one_write(void)
{
	int saved, fd = capture_stderr(&saved);
	strata_log_init("test-log", STRATA_INFO);
	strata_log(STRATA_INFO, "hello %d", 42);
	strata_log(STRATA_ERROR, "two");
	strata_log(STRATA_DEBUG, "not at this verbosity");
	errno = ENOENT;
	strata_log_errno(STRATA_ERROR, "open %s", "/x");
	restore_stderr(saved);

	char buf[STRATA_LOG_LINE_MAX * 2];
	tap_assert(next_write(fd, buf, sizeof(buf)) > 0);
	tap_assert_msg(strstr(buf, " [test-log] INFO [") == buf + 12, "line: %s", buf);
	tap_assert(ends_with(buf, "] hello 42\n"));
	tap_assert(strchr(buf, '\n') == buf + strlen(buf) - 1);
	tap_assert(next_write(fd, buf, sizeof(buf)) > 0);
	tap_assert(strstr(buf, " [test-log] ERROR [") && strstr(buf, "] two\n"));
	tap_assert(next_write(fd, buf, sizeof(buf)) > 0);
	tap_assert_msg(strstr(buf, "] open /x: No such file or directory\n"), "line: %s", buf);
	tap_assert_int_eq(next_write(fd, buf, sizeof(buf)), 0);
	close(fd);
}

static size_t format(char *line, size_t size, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

static size_t
format(char *line, size_t size, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	size_t n = strata_log_format(line, size, STRATA_INFO, fmt, args);
	va_end(args);
	tap_assert_int_eq(n, strlen(line));
	return n;
}

/* A line of exactly STRATA_LOG_LINE_MAX bytes is whole, one byte more is
 * cut to exactly STRATA_LOG_LINE_MAX with the marker. */
static void
lines_at_the_limit(void)
{
	strata_log_init("test-log", STRATA_INFO);
	char line[STRATA_LOG_LINE_MAX + 1];
	size_t head = format(line, sizeof(line), "%s", "") - 1; /* without the newline */
	char text[STRATA_LOG_LINE_MAX + 2];
	size_t fits = STRATA_LOG_LINE_MAX - head - 1;
	memset(text, 'x', fits + 1);
	text[fits] = '\0';
	tap_assert_int_eq(format(line, sizeof(line), "%s", text), STRATA_LOG_LINE_MAX);
	tap_assert(ends_with(line, "xxx\n"));
	text[fits] = 'y';
	text[fits + 1] = '\0';
	tap_assert_int_eq(format(line, sizeof(line), "%s", text), STRATA_LOG_LINE_MAX);
	tap_assert(ends_with(line, "xxx [truncated]\n"));
	/* written as one write, cut the same way */
	int saved, fd = capture_stderr(&saved);
	char huge[5 * STRATA_LOG_LINE_MAX];
	memset(huge, 'z', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	strata_log(STRATA_INFO, "%s", huge);
	restore_stderr(saved);
	char buf[sizeof(huge)];
	tap_assert_int_eq(next_write(fd, buf, sizeof(buf)), STRATA_LOG_LINE_MAX);
	tap_assert(ends_with(buf, "zzz [truncated]\n"));
	tap_assert_int_eq(next_write(fd, buf, sizeof(buf)), 0);
	close(fd);
	/* a buffer too small for the marker gets nothing */
	tap_assert_int_eq(format(line, 13, "%s", "text"), 0);
}

/* Cutting never leaves half a character, whatever its length. */
static void
cut_at_a_character_boundary(void)
{
	strata_log_init("test-log", STRATA_INFO);
	static const char *const characters[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };
	for (size_t c = 0; c < sizeof(characters) / sizeof(characters[0]); c++) {
		size_t width = strlen(characters[c]);
		for (size_t shift = 0; shift < width; shift++) {
			char text[STRATA_LOG_LINE_MAX + 8];
			size_t len = shift;
			memset(text, 'a', shift);
			while (len + width < sizeof(text)) {
				memcpy(text + len, characters[c], width);
				len += width;
			}
			text[len] = '\0';
			char line[STRATA_LOG_LINE_MAX + 1];
			size_t n = format(line, sizeof(line), "%s", text);
			tap_assert(ends_with(line, " [truncated]\n"));
			tap_assert(n > STRATA_LOG_LINE_MAX - width);
			tap_assert_msg(utf8_valid((const uint8_t *)line, n, NULL),
					"%zu-byte characters shifted by %zu cut in the middle",
					width, shift);
		}
	}
}

static void
errno_is_kept(void)
{
	strata_log_init("test-log", STRATA_DEBUG);
	int saved = dup(STDERR_FILENO);
	tap_assert(saved >= 0);
	close(STDERR_FILENO); /* the write fails with EBADF */
	errno = ENOENT;
	strata_log(STRATA_INFO, "nobody reads this");
	tap_assert_int_eq(errno, ENOENT);
	restore_stderr(saved);
}

#define WRITERS 6
#define LINES 150

/* Processes logging long lines into one pipe at once: every line comes out
 * whole. */
static void
concurrent_lines_never_mix(void)
{
	int p[2];
	tap_assert(pipe2(p, O_CLOEXEC) == 0);
	int saved = dup(STDERR_FILENO);
	tap_assert(dup2(p[1], STDERR_FILENO) == STDERR_FILENO);
	close(p[1]);
	char payload[1500];
	pid_t pids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		memset(payload, 'a' + w, sizeof(payload) - 1);
		payload[sizeof(payload) - 1] = '\0';
		pids[w] = fork();
		tap_assert(pids[w] >= 0);
		if (pids[w] == 0) {
			close(p[0]);
			strata_log_init("writer", STRATA_INFO);
			for (int i = 0; i < LINES; i++) {
				strata_log(STRATA_INFO, "<%d %d %s>", w, i, payload);
			}
			_exit(0);
		}
	}
	restore_stderr(saved);
	size_t cap = (size_t)WRITERS * LINES * STRATA_LOG_LINE_MAX, used = 0;
	char *all = malloc(cap + 1);
	ssize_t n;
	while (used < cap && (n = read(p[0], all + used, cap - used)) > 0) {
		used += (size_t)n;
	}
	all[used] = '\0';
	close(p[0]);
	for (int w = 0; w < WRITERS; w++) {
		int status;
		tap_assert(waitpid(pids[w], &status, 0) == pids[w] && status == 0);
	}
	int seen[WRITERS] = { 0 };
	char *save = NULL;
	for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int w, i;
		char *open = strchr(line, '<');
		tap_assert_msg(open && sscanf(open, "<%d %d ", &w, &i) == 2 && w >= 0 &&
						w < WRITERS,
				"mangled line: %.80s", line);
		char *text = strchr(strchr(open, ' ') + 1, ' ') + 1;
		tap_assert_int_eq(strspn(text, (char[]){ (char)('a' + w), '\0' }),
				sizeof(payload) - 1);
		tap_assert_str_eq(text + sizeof(payload) - 1, ">");
		tap_assert_int_eq(i, seen[w]);
		seen[w]++;
	}
	for (int w = 0; w < WRITERS; w++) {
		tap_assert_int_eq(seen[w], LINES);
	}
	free(all);
}

TAP_TESTS(TAP_CASE(each_line_is_one_write), TAP_CASE(lines_at_the_limit),
		TAP_CASE(cut_at_a_character_boundary), TAP_CASE(errno_is_kept),
		TAP_CASE(concurrent_lines_never_mix))
