// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "common/log.h"

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

void
strata_vlog(enum strata_log_level level, const char *fmt, va_list args)
{
	if (level > log_verbosity) {
		return;
	}
	static const char *const names[] = { "", "ERROR", "INFO", "DEBUG" };
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "%02ld:%02ld:%02ld.%03ld [%s] %s ", (long)(ts.tv_sec / 3600) % 100,
			(long)(ts.tv_sec / 60) % 60, (long)ts.tv_sec % 60, ts.tv_nsec / 1000000,
			log_program,
			level >= STRATA_ERROR && level <= STRATA_DEBUG ? names[level] : "?");
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
}

void
_strata_log(enum strata_log_level level, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	strata_vlog(level, fmt, args);
	va_end(args);
}
