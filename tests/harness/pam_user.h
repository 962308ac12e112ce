/* SPDX-License-Identifier: MIT */
#ifndef TESTS_PAM_USER_H
#define TESTS_PAM_USER_H

/*
 * A user with a known password and a PAM service of the test's own
 * (pam_unix, nodelay: what a test measures is the lock's own delay), for the
 * screen lock's real PAM checks. Both go when the test process goes, however
 * it ends (the TAP runner ends a test with _exit and kills its process
 * group): a cleaner in a session of its own waits for the end of a pipe
 * whose write end only the test holds, then runs userdel and removes the
 * file. Needs root, useradd, userdel and chpasswd: without them the test
 * fails (tap_unavailable).
 */
struct pam_user {
	char user[32]; /* stlockPID */
	char service[64]; /* strata-itest-PID */
	char file[128]; /* /etc/pam.d/SERVICE */
	int cleanup_fd; /* the write end the cleaner waits on; -1 once removed */
};

void pam_user_create(struct pam_user *pam, const char *password);
/* Removes them now (through the cleaner); the test's fds balance again. */
void pam_user_remove(struct pam_user *pam);

#endif
