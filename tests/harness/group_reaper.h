/* SPDX-License-Identifier: MIT */
#ifndef TESTS_GROUP_REAPER_H
#define TESTS_GROUP_REAPER_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * A process that outlives a test which dies: the test tells it every process
 * group it starts; when the test goes away (the pipe's EOF) without
 * disarming it, it kills those groups. Either way it then removes dir
 * (unless STRATA_TEST_KEEP is set) and exits. Failures to set it up end the
 * test (tap_fail).
 */
struct group_reaper {
	pid_t pid;
	int fd; /* write end, -1 once finished */
};

void group_reaper_start(struct group_reaper *reaper, const char *dir);
/* A group to kill should the test die; false if the reaper cannot be told. */
bool group_reaper_add(struct group_reaper *reaper, pid_t group);
/* The test stopped everything itself: the reaper only removes dir, and is
 * waited for. */
void group_reaper_finish(struct group_reaper *reaper);

#endif
