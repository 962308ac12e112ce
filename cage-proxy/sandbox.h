/* SPDX-License-Identifier: MIT */
#ifndef CAGE_PROXY_SANDBOX_H
#define CAGE_PROXY_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Confines the proxy once its listening socket is open:
 *  - the filesystem: a new directory dir (which must not exist) holding only
 *    a hard link to the compositor's level socket becomes the root
 *    (chroot), so the proxy can reach that socket and nothing else;
 *  - the user: setgroups/setresgid/setresuid to uid/gid when drop is set,
 *    and a check that root cannot be regained;
 *  - the kernel: no_new_privs and a seccomp allowlist of the few system
 *    calls the event loop needs; anything else kills the process.
 * Needs root for chroot. On success upstream_inside is the path to
 * connect() to from now on. upstream NULL: nothing linked (a proxy given
 * its one connection).
 */
bool sandbox_enter(const char *upstream, const char *dir, bool drop, uid_t uid, gid_t gid,
		char *upstream_inside, size_t size);

/* Only the seccomp part (used by tests and the fuzzer-free paths). */
bool sandbox_seccomp(void);

#endif
