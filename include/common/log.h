/* SPDX-License-Identifier: MIT */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum strata_log_level {
	STRATA_SILENT = 0,
	STRATA_ERROR = 1,
	STRATA_INFO = 2,
	STRATA_DEBUG = 3,
};

/* Bytes of a log line, its newline included: longer ones are cut, ending
 * with " [truncated]". At most PIPE_BUF, so that writing one is atomic. */
#define STRATA_LOG_LINE_MAX 2048

/*
 * Messages at or below verbosity go to stderr (fd 2) as
 * "HH:MM:SS.mmm [prog] LEVEL [file:line] text", one write(2) per line, so
 * that the lines of processes sharing a log never mix. errno is kept.
 */
void strata_log_init(const char *program, enum strata_log_level verbosity);
enum strata_log_level strata_log_get_verbosity(void);
void strata_vlog(enum strata_log_level level, const char *fmt, va_list args)
		__attribute__((format(printf, 2, 0)));

/*
 * Formats one log line, newline included, into line (size bytes, so at
 * most size - 1 of text and a NUL): returns its length without the NUL. A
 * line that does not fit is cut at a UTF-8 character boundary and ends with
 * " [truncated]\n". strata_vlog() writes what this makes into
 * STRATA_LOG_LINE_MAX + 1 bytes; exposed for the tests.
 */
size_t strata_log_format(char *line, size_t size, enum strata_log_level level, const char *fmt,
		va_list args) __attribute__((format(printf, 4, 0)));
void _strata_log(enum strata_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

#define strata_log(level, fmt, ...) \
	_strata_log(level, "[%s:%d] " fmt, __FILE__, __LINE__, ##__VA_ARGS__)
#define strata_log_errno(level, fmt, ...) \
	strata_log(level, fmt ": %s", ##__VA_ARGS__, strerror(errno))

#endif
