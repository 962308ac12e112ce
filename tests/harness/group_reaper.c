// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "group_reaper.h"
#include "tap.h"
#include "test_fs.h"

#define MAX_GROUPS 512
#define DISARM (-1)

static void __attribute__((noreturn)) reaper_main(int fd, const char *dir)
{
	static pid_t groups[MAX_GROUPS];
	size_t n = 0;
	bool disarmed = false;
	for (;;) {
		int32_t g;
		ssize_t r = read(fd, &g, sizeof(g));
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r != (ssize_t)sizeof(g)) {
			break;
		}
		if (g > 0 && n < MAX_GROUPS) {
			groups[n++] = g;
		} else if (g == DISARM) {
			disarmed = true; /* the test stopped them: these ids may be reused */
		}
	}
	for (size_t i = 0; i < n && !disarmed; i++) {
		kill(-groups[i], SIGKILL);
		kill(groups[i], SIGKILL);
	}
	if (!getenv("STRATA_TEST_KEEP")) {
		test_remove_tree(dir);
	}
	_exit(0);
}

void
group_reaper_start(struct group_reaper *reaper, const char *dir)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		tap_fail("pipe2: %s", strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		tap_fail("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* Its own session: the signals that end the test's group miss it. */
		setsid();
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		if (dup2(p[0], 3) < 0) {
			_exit(1);
		}
		closefrom(4);
		reaper_main(3, dir);
	}
	close(p[0]);
	reaper->pid = pid;
	reaper->fd = p[1];
}

bool
group_reaper_add(struct group_reaper *reaper, pid_t group)
{
	int32_t g = (int32_t)group;
	return reaper->fd >= 0 && write(reaper->fd, &g, sizeof(g)) == (ssize_t)sizeof(g);
}

void
group_reaper_finish(struct group_reaper *reaper)
{
	if (reaper->fd >= 0) {
		int32_t disarm = DISARM;
		if (write(reaper->fd, &disarm, sizeof(disarm)) != (ssize_t)sizeof(disarm)) {
			tap_diag("reaper: cannot disarm it");
		}
		close(reaper->fd);
		reaper->fd = -1;
	}
	if (reaper->pid > 0) {
		waitpid(reaper->pid, NULL, 0);
		reaper->pid = 0;
	}
}
