// SPDX-License-Identifier: MIT
/*
 * A child for test_process.c: it does one thing the supervisor must cope
 * with, and tells what it sees of itself.
 *
 *   exit CODE       exits at once with CODE
 *   sleep           waits for a signal (default dispositions: SIGTERM ends it)
 *   ignore-term     ignores SIGTERM, prints "child: ready", waits for SIGKILL
 *   ready           prints "child: ready"; on SIGUSR1 prints "child: down"
 *   report [exit]   writes one line about itself to fd 3, then waits (or exits)
 *   write-fd N TEXT writes the line TEXT to fd N, then waits
 *   group           starts a grandchild in its process group that ignores
 *                   SIGTERM, writes "grandchild PID" to fd 3, then waits
 *   group-exit      the same, then exits at once (leaving the grandchild)
 *   escape-exit     the same, but the grandchild leaves the group first (a
 *                   session of its own), then the child exits at once
 *
 * The report: "fds=0,1,2,3 sigblk=HEX sigign=HEX pdeathsig=N pid=N pgid=N
 * sid=N ppid=N uid=N gid=N groups=N env=VALUE" (env: STRATA_TEST_ENV, or -).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static volatile sig_atomic_t usr1;

static void
handle_usr1(int sig)
{
	usr1 = 1;
}

static void
say(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

/* "Name:\tVALUE" of /proc/self/status, in out. */
static void
status_field(const char *name, char *out, size_t size)
{
	snprintf(out, size, "?");
	FILE *f = fopen("/proc/self/status", "re");
	if (!f) {
		return;
	}
	char line[256];
	size_t len = strlen(name);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			const char *v = line + len + 1;
			v += strspn(v, " \t");
			snprintf(out, size, "%.*s", (int)strcspn(v, "\n"), v);
			break;
		}
	}
	fclose(f);
}

static void
report(void)
{
	char fds[256] = "";
	size_t used = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (dir) {
		/* In the order of the numbers: readdir gives them so for /proc. */
		struct dirent *e;
		while ((e = readdir(dir))) {
			if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(dir)) {
				continue;
			}
			used += (size_t)snprintf(fds + used, sizeof(fds) - used, "%s%s",
					used ? "," : "", e->d_name);
		}
		closedir(dir);
	}
	char blk[32], ign[32];
	status_field("SigBlk", blk, sizeof(blk));
	status_field("SigIgn", ign, sizeof(ign));
	int pdeath = -1;
	prctl(PR_GET_PDEATHSIG, &pdeath);
	const char *env = getenv("STRATA_TEST_ENV");
	dprintf(3,
			"fds=%s sigblk=%s sigign=%s pdeathsig=%d pid=%d pgid=%d sid=%d ppid=%d "
			"uid=%u gid=%u groups=%d env=%s\n",
			fds, blk, ign, pdeath, (int)getpid(), (int)getpgid(0), (int)getsid(0),
			(int)getppid(), (unsigned)getuid(), (unsigned)getgid(), getgroups(0, NULL),
			env ? env : "-");
}

/* Waits for signals; each SIGUSR1 (when handled) prints "child: down".
 * SIGUSR1 stays blocked but inside sigsuspend: none is lost between the
 * check and the wait. */
static void
wait_forever(void)
{
	sigset_t usr, old;
	sigemptyset(&usr);
	sigaddset(&usr, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr, &old);
	sigdelset(&old, SIGUSR1);
	for (;;) {
		if (usr1) {
			usr1 = 0;
			say("child: down");
		}
		sigsuspend(&old);
	}
}

static int
group(bool leave, bool escape)
{
	/* Ignored from its first instruction on: no SIGTERM can come before. */
	signal(SIGTERM, SIG_IGN);
	int left[2]; /* the grandchild says it left the group */
	if (pipe(left) < 0) {
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		return 1;
	}
	signal(SIGTERM, pid == 0 ? SIG_IGN : SIG_DFL);
	if (pid == 0) {
		if (escape) {
			setsid();
		}
		close(3);
		close(left[0]);
		close(left[1]); /* EOF: it has left (or stays, without escape) */
		for (;;) {
			pause();
		}
	}
	close(left[1]);
	char byte;
	while (read(left[0], &byte, 1) < 0 && errno == EINTR) {
	}
	close(left[0]);
	dprintf(3, "grandchild %d\n", (int)pid);
	if (leave) {
		return 0;
	}
	wait_forever();
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "exit") == 0 && argc > 2) {
		return atoi(argv[2]);
	} else if (strcmp(mode, "sleep") == 0) {
		wait_forever();
	} else if (strcmp(mode, "ignore-term") == 0) {
		signal(SIGTERM, SIG_IGN);
		say("child: ready");
		wait_forever();
	} else if (strcmp(mode, "ready") == 0) {
		sigset_t usr;
		sigemptyset(&usr);
		sigaddset(&usr, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr, NULL); /* until sigsuspend */
		struct sigaction sa = { .sa_handler = handle_usr1 };
		sigaction(SIGUSR1, &sa, NULL);
		say("child: ready");
		wait_forever();
	} else if (strcmp(mode, "report") == 0) {
		report();
		if (argc > 2 && strcmp(argv[2], "exit") == 0) {
			return 0;
		}
		wait_forever();
	} else if (strcmp(mode, "write-fd") == 0 && argc > 3) {
		dprintf(atoi(argv[2]), "%s\n", argv[3]);
		wait_forever();
	} else if (strcmp(mode, "group") == 0) {
		return group(false, false);
	} else if (strcmp(mode, "group-exit") == 0) {
		return group(true, false);
	} else if (strcmp(mode, "escape-exit") == 0) {
		return group(true, true);
	}
	fprintf(stderr, "process-child: unknown mode \"%s\"\n", mode);
	return 2;
}
