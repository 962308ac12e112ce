// SPDX-License-Identifier: MIT
/*
 * The log of every program but the compositor (wlroots' log) and the audio
 * mux (PipeWire's): each line is formatted in full, then written with one
 * write(2), so that lines of processes sharing a log file or a pipe never
 * interleave (writes of at most PIPE_BUF bytes are atomic on pipes, and on
 * files opened with O_APPEND).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/log.h"

_Static_assert(STRATA_LOG_LINE_MAX <= 4096, "a log line must fit in PIPE_BUF");

static const char truncated_marker[] = " [truncated]\n";

static enum strata_log_level log_verbosity = STRATA_ERROR;
static const char *log_program = "strata";

void
strata_log_init(const char *program, enum strata_log_level verbosity)
{
	log_program = program;
	log_verbosity = verbosity;
}

enum strata_log_level
strata_log_get_verbosity(void)
{
	return log_verbosity;
}

size_t
strata_log_format(char *line, size_t size, enum strata_log_level level, const char *fmt,
		va_list args)
{
	static const char *const names[] = { "", "ERROR", "INFO", "DEBUG" };
	const size_t marker_len = sizeof(truncated_marker) - 1;
	if (size < marker_len + 1) {
		if (size > 0) {
			line[0] = '\0';
		}
		return 0;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int head = snprintf(line, size, "%02ld:%02ld:%02ld.%03ld [%s] %s ",
			(long)(ts.tv_sec / 3600) % 100, (long)(ts.tv_sec / 60) % 60,
			(long)ts.tv_sec % 60, ts.tv_nsec / 1000000, log_program,
			level >= STRATA_ERROR && level <= STRATA_DEBUG ? names[level] : "?");
	size_t used = head < 0 ? 0 : (size_t)head;
	int body = -1;
	if (used < size - 1) {
		body = vsnprintf(line + used, size - used, fmt, args);
	}
	if (body >= 0 && used + (size_t)body + 1 < size) {
		used += (size_t)body;
		line[used++] = '\n';
		line[used] = '\0';
		return used;
	}
	/* Too long (or unformattable): cut at a character boundary, never in
	 * the middle of a UTF-8 sequence, and say so. */
	size_t cut = size - 1 - marker_len;
	if (body < 0 && used < cut) {
		cut = used; /* what vsnprintf left there is not text */
	}
	while (cut > 0 && ((unsigned char)line[cut] & 0xc0) == 0x80) {
		cut--;
	}
	memcpy(line + cut, truncated_marker, marker_len + 1);
	return cut + marker_len;
}

void
strata_vlog(enum strata_log_level level, const char *fmt, va_list args)
{
	if (level > log_verbosity) {
		return;
	}
	int saved_errno = errno;
	char line[STRATA_LOG_LINE_MAX + 1];
	size_t len = strata_log_format(line, sizeof(line), level, fmt, args);
	/* One write, never split: a short write loses the tail of this line
	 * rather than let another process's line into the middle of it. */
	while (write(STDERR_FILENO, line, len) < 0 && errno == EINTR) {
	}
	errno = saved_errno;
}

void
_strata_log(enum strata_log_level level, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	strata_vlog(level, fmt, args);
	va_end(args);
}
