/* SPDX-License-Identifier: MIT */
#ifndef COMMON_AUTH_IPC_H
#define COMMON_AUTH_IPC_H

#include <stdint.h>

/*
 * The wire between the compositor's screen lock and strata-auth, the small
 * PAM helper it supervises: a SOCK_STREAM socketpair, the helper's end is
 * its fd 3. The user and the PAM service are fixed on the helper's command
 * line; the compositor never speaks PAM.
 *
 * One request at a time: a header (struct auth_request: a sequence number
 * the compositor chooses and the length, 1 to AUTH_PASSWORD_MAX, both in
 * host order), then that many bytes of password, no NUL among them. The
 * helper answers each request before it reads the next: the request's
 * sequence number, then one byte (enum auth_reply), AUTH_REPLY_BYTES in
 * all. A reply that does not carry the sequence number of the request under
 * way (a byte written before the helper read the request, a stale answer)
 * is a protocol error on the compositor's side. A length of 0 or above the
 * maximum, a NUL in the password or an end of file inside a request is a
 * protocol error on the helper's: it exits non-zero, and the compositor
 * starts another one. Both ends wipe the password as soon as it is handed
 * on.
 */

#define AUTH_PASSWORD_MAX 1024 /* bytes */
#define AUTH_READY_LINE "strata-auth: ready"

struct auth_request {
	uint32_t seq;
	uint32_t length;
};

_Static_assert(sizeof(struct auth_request) == 8, "the request header is two uint32_t");

/* The reply: seq (uint32_t, host order), then the enum auth_reply byte. */
#define AUTH_REPLY_BYTES (sizeof(uint32_t) + 1)

enum auth_reply {
	AUTH_REPLY_ACCEPTED = 'Y', /* PAM authenticated the user */
	AUTH_REPLY_REFUSED = 'N', /* wrong password, or the user refused */
	AUTH_REPLY_ERROR = 'E', /* PAM could not decide (service, module or system error) */
};

#endif
