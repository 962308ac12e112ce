/* SPDX-License-Identifier: MIT */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum strata_log_level {
	STRATA_SILENT = 0,
	STRATA_ERROR = 1,
	STRATA_INFO = 2,
	STRATA_DEBUG = 3,
};

/* Messages at or below verbosity go to stderr as "[prog] [file:line] text". */
void strata_log_init(const char *program, enum strata_log_level verbosity);
enum strata_log_level strata_log_get_verbosity(void);
void strata_vlog(enum strata_log_level level, const char *fmt, va_list args)
		__attribute__((format(printf, 2, 0)));
void _strata_log(enum strata_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

#define strata_log(level, fmt, ...) \
	_strata_log(level, "[%s:%d] " fmt, __FILE__, __LINE__, ##__VA_ARGS__)
#define strata_log_errno(level, fmt, ...) \
	strata_log(level, fmt ": %s", ##__VA_ARGS__, strerror(errno))

#endif
