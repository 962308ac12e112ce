// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pam_user.h"
#include "strata_test.h"

/* argv with input on its stdin; its exit status, or -1. */
static int
run(const char *const argv[], const char *input)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[0], 0);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[0]);
	if (input && pid > 0) {
		ssize_t n = write(fds[1], input, strlen(input));
		(void)n;
	}
	close(fds[1]);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
start_cleaner(struct pam_user *pam)
{
	int fds[2];
	tap_assert(pipe2(fds, O_CLOEXEC) == 0);
	pid_t pid = fork();
	tap_assert(pid >= 0);
	if (pid == 0) {
		setsid();
		close(fds[1]);
		/* Not holding the test's output open (its reader waits for EOF). */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		char byte;
		while (read(fds[0], &byte, 1) < 0 && errno == EINTR) {
		}
		unlink(pam->file);
		const char *del[] = { "userdel", pam->user, NULL };
		_exit(run(del, NULL) == 0 ? 0 : 1);
	}
	close(fds[0]);
	pam->cleanup_fd = fds[1];
}

void
pam_user_create(struct pam_user *pam, const char *password)
{
	memset(pam, 0, sizeof(*pam));
	pam->cleanup_fd = -1;
	if (geteuid() != 0) {
		tap_unavailable("creating a test user for PAM needs root");
	}
	session_require_program("useradd");
	session_require_program("userdel");
	session_require_program("chpasswd");
	snprintf(pam->user, sizeof(pam->user), "stlock%d", (int)getpid() % 100000);
	snprintf(pam->service, sizeof(pam->service), "strata-itest-%d", (int)getpid());
	snprintf(pam->file, sizeof(pam->file), "/etc/pam.d/%s", pam->service);
	const char *add[] = { "useradd", "--system", "--no-create-home", "--shell",
		"/usr/sbin/nologin", pam->user, NULL };
	tap_assert_msg(run(add, NULL) == 0, "useradd %s failed", pam->user);
	start_cleaner(pam);
	char line[160];
	snprintf(line, sizeof(line), "%s:%s\n", pam->user, password);
	const char *chpasswd[] = { "chpasswd", NULL };
	tap_assert_msg(run(chpasswd, line) == 0, "chpasswd failed");
	FILE *f = fopen(pam->file, "w");
	tap_assert_msg(f, "%s: %s", pam->file, strerror(errno));
	fprintf(f, "auth required pam_unix.so nodelay\naccount required pam_unix.so\n");
	tap_assert(fclose(f) == 0);
}

void
pam_user_remove(struct pam_user *pam)
{
	if (pam->cleanup_fd >= 0) {
		close(pam->cleanup_fd);
		pam->cleanup_fd = -1;
	}
}
