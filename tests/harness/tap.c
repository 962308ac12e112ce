// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"

#define TAP_EXIT_SKIP 77

int
tap_count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	if (!dir) {
		return -1;
	}
	int count = 0;
	struct dirent *ent;
	while ((ent = readdir(dir))) {
		if (ent->d_name[0] != '.') {
			count++;
		}
	}
	closedir(dir);
	return count - 1; /* the DIR's own fd */
}

void
tap_diag(const char *fmt, ...)
{
	char text[8192];
	va_list args;
	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	/* Every line of a diagnostic is a TAP comment. */
	char *line = text;
	for (;;) {
		char *nl = strchr(line, '\n');
		if (nl) {
			*nl = '\0';
		}
		printf("# %s\n", line);
		if (!nl || !nl[1]) {
			break;
		}
		line = nl + 1;
	}
	fflush(stdout);
}

void
tap_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	printf("# %s:%d: ", file, line);
	vprintf(fmt, args);
	putchar('\n');
	fflush(stdout);
	va_end(args);
	_exit(1);
}

void
tap_skip(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	printf("# SKIP reason: ");
	vprintf(fmt, args);
	putchar('\n');
	fflush(stdout);
	va_end(args);
	_exit(TAP_EXIT_SKIP);
}

void
tap_unavailable(const char *fmt, ...)
{
	char reason[1024];
	va_list args;
	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	const char *allow = getenv("STRATA_ALLOW_SKIP");
	if (allow && strcmp(allow, "1") == 0) {
		tap_skip("%s", reason);
	}
	printf("# %s (STRATA_ALLOW_SKIP=1 makes this a skip)\n", reason);
	fflush(stdout);
	_exit(1);
}

static unsigned
default_timeout(void)
{
	const char *env = getenv("TAP_TIMEOUT");
	if (env && atoi(env) > 0) {
		return (unsigned)atoi(env);
	}
	return 60;
}

static int
run_one(const struct tap_test *test)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("# fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		/* Own process group, so that a timeout kills the test's children too. */
		setpgid(0, 0);
		alarm(test->timeout_s ? test->timeout_s : default_timeout());
		int before = tap_count_fds();
		test->run();
		int after = tap_count_fds();
		if (after != before) {
			printf("# fd leak: %d fds open before the test, %d after\n", before, after);
			fflush(stdout);
			_exit(1);
		}
		fflush(stdout);
		_exit(0);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	/* Whatever the test left behind in its group goes now. */
	kill(-pid, SIGKILL);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		printf("# test died from signal %d (%s)%s\n", sig, strsignal(sig),
				sig == SIGALRM ? ": timeout" : "");
		return 1;
	}
	if (WEXITSTATUS(status) == TAP_EXIT_SKIP) {
		return TAP_EXIT_SKIP;
	}
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}

int
tap_main(int argc, char **argv, const struct tap_test *tests, size_t count)
{
	const char *only = argc > 1 ? argv[1] : getenv("TAP_ONLY");
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", count);
	int failed = 0;
	for (size_t i = 0; i < count; i++) {
		if (only && *only && strcmp(only, tests[i].name) != 0) {
			printf("ok %zu %s # SKIP not selected\n", i + 1, tests[i].name);
			continue;
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int result = run_one(&tests[i]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (result == 0) {
			printf("ok %zu %s # %.0f ms\n", i + 1, tests[i].name, ms);
		} else if (result == TAP_EXIT_SKIP) {
			printf("ok %zu %s # SKIP\n", i + 1, tests[i].name);
		} else {
			printf("not ok %zu %s # %.0f ms\n", i + 1, tests[i].name, ms);
			failed++;
		}
	}
	return failed ? 1 : 0;
}
