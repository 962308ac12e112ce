/* SPDX-License-Identifier: MIT */
#ifndef STRATA_LOCK_H
#define STRATA_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include "server.h"

/*
 * The screen lock, owned by the core (wlroots 0.15 has no ext-session-lock,
 * and a lock that is a client fails open when it dies).
 *
 * Locking, in this order: the seat is taken (no client hears another input
 * event; the clipboard dialog and the X-ray are cancelled), the microphone
 * is revoked ([lock] microphone), the level windows and the banner leave
 * the scene (they are not drawn at all, not merely covered), and every
 * output draws the lock: the time, the user's name, the password field.
 * An output that comes while locked gets its lock before its first frame.
 *
 * Unlocking takes the user's password, checked by strata-auth (PAM), a
 * helper the lock supervises; the compositor never speaks PAM. The typed
 * password is held in locked memory until it is handed to the helper, then
 * wiped. A wrong password: a message and a delay that doubles (1 s to 30 s),
 * never a lock-out. A helper that dies or does not answer leaves the screen
 * locked; it is started again after a back-off delay. If the compositor
 * dies, the session ends with it where strata is the session (exec'd, a
 * display manager, a unit): there is no unlocked state to fall back to.
 *
 * It locks on the reserved modifier + L, from the X-ray, and after [lock]
 * idle_seconds without input on any device (no client can delay it).
 */
struct strata_lock;

/* What the configuration parser cannot see: a secure attention key that is
 * also a reserved shortcut (Logo+Tab, Logo+L, ...) would take it away.
 * false: said on stderr. */
bool lock_check_config(const struct strata_config *cfg);

/* Resolves the user and the helper; NULL (said on stderr) when the lock
 * cannot work: then strata does not start. */
struct strata_lock *lock_create(struct strata_server *server, const char *helper_program);
void lock_destroy(struct strata_lock *lock); /* NULL-safe */

/* Locks now (nothing if already locked). why: for the log. */
void lock_engage(struct strata_lock *lock, const char *why);
bool lock_is_locked(struct strata_lock *lock); /* NULL-safe: false */

/* For the test-control: "locked=1 helper=ready checking=0 failures=0 ...". */
void lock_describe(struct strata_lock *lock, char *out, size_t size);

#endif
