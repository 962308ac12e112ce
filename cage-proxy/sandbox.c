// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "proxy.h"
#include "sandbox.h"

bool
sandbox_seccomp(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		strata_log(STRATA_ERROR, "no_new_privs: %s", strerror(errno));
		return false;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		return false;
	}
	static const int allowed[] = {
		SCMP_SYS(read),
		SCMP_SYS(write),
		SCMP_SYS(writev),
		SCMP_SYS(close),
		SCMP_SYS(recvmsg),
		SCMP_SYS(sendmsg),
		SCMP_SYS(epoll_wait),
		SCMP_SYS(epoll_pwait),
		SCMP_SYS(epoll_ctl),
		SCMP_SYS(accept4),
		SCMP_SYS(connect),
		SCMP_SYS(getsockopt),
		SCMP_SYS(fstat),
		SCMP_SYS(newfstatat),
		SCMP_SYS(fstatfs),
		SCMP_SYS(fcntl),
		SCMP_SYS(clock_gettime),
		SCMP_SYS(brk),
		SCMP_SYS(munmap),
		SCMP_SYS(mremap),
		SCMP_SYS(madvise),
		SCMP_SYS(exit),
		SCMP_SYS(exit_group),
		SCMP_SYS(rt_sigreturn),
		SCMP_SYS(rt_sigprocmask),
		SCMP_SYS(getpid),
		SCMP_SYS(restart_syscall),
		SCMP_SYS(futex),
		/* AddressSanitizer builds ask for their thread id. */
		SCMP_SYS(gettid),
	};
	bool ok = true;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && ok; i++) {
		ok = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) == 0;
	}
	/* Memory, never executable (the parser is what a cage attacks). */
	ok = ok &&
			seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
					SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) == 0;
	/* The spare fd after an EMFILE (server.c). */
	ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(dup), 0) == 0;
	/* The upstream's send buffer (conn.c), nothing else. */
	ok = ok &&
			seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
					SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET),
					SCMP_A2(SCMP_CMP_EQ, SO_SNDBUF)) == 0;
	/* New sockets: Unix stream sockets to the compositor only. */
	ok = ok &&
			seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
					SCMP_A0(SCMP_CMP_EQ, AF_UNIX)) == 0;
	ok = ok && seccomp_load(ctx) == 0;
	seccomp_release(ctx);
	if (!ok) {
		strata_log(STRATA_ERROR, "cannot load the seccomp filter");
	}
	return ok;
}

bool
sandbox_enter(const char *upstream, const char *dir, bool drop, uid_t uid, gid_t gid,
		char *upstream_inside, size_t size)
{
	if (geteuid() != 0) {
		strata_log(STRATA_ERROR,
				"the sandbox needs root (chroot); run under the session supervisor, "
				"or pass --no-sandbox for debugging");
		return false;
	}
	if (mkdir(dir, 0711) < 0) {
		strata_log(STRATA_ERROR, "cannot create %s (it must not exist): %s", dir,
				strerror(errno));
		return false;
	}
	char link_path[4096];
	snprintf(link_path, sizeof(link_path), "%s/compositor", dir);
	/* No upstream path: the connection is given, nothing to reach. */
	if (upstream && link(upstream, link_path) < 0) {
		strata_log(STRATA_ERROR, "cannot link %s into %s (same filesystem needed): %s",
				upstream, dir, strerror(errno));
		rmdir(dir);
		return false;
	}
	/* A network namespace of its own: the chroot does not reach abstract
	 * Unix sockets (X11, D-Bus, ...), which belong to the network namespace;
	 * the upstream is a path, reached through the link above. */
	if (unshare(CLONE_NEWNET) < 0) {
		strata_log(STRATA_ERROR, "cannot leave the host's network namespace: %s",
				strerror(errno));
		return false;
	}
	/* Reaching the socket as --uid needs write access to it, which the caller
	 * grants (strata: mode 0660, group of the proxy's gid). */
	if (chdir(dir) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		strata_log(STRATA_ERROR, "cannot chroot into %s: %s", dir, strerror(errno));
		return false;
	}
	if (drop) {
		if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
				setresuid(uid, uid, uid) < 0) {
			strata_log(STRATA_ERROR, "cannot drop to uid %u gid %u: %s", (unsigned)uid,
					(unsigned)gid, strerror(errno));
			return false;
		}
		if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
			strata_log(STRATA_ERROR,
					"root could be regained after dropping it: refusing to run");
			return false;
		}
	}
	/* Changing uid cleared the parent-death signal: set it again, so that
	 * the proxy never outlives the compositor that started it. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) {
		strata_log(STRATA_ERROR,
				"cannot tie the proxy to its parent's life: refusing to run");
		return false;
	}
	snprintf(upstream_inside, size, "/compositor");
	return sandbox_seccomp();
}
