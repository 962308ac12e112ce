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
 * One request at a time: a uint32_t length in host order (1 to
 * AUTH_PASSWORD_MAX), then that many bytes of password, no NUL among them.
 * The helper answers each request with one byte (enum auth_reply) before it
 * reads the next. A length of 0 or above the maximum, a NUL in the password
 * or an end of file inside a request is a protocol error: the helper exits
 * non-zero and the compositor starts another one. Both ends wipe the
 * password as soon as it is handed on.
 */

#define AUTH_PASSWORD_MAX 1024 /* bytes */
#define AUTH_READY_LINE "strata-auth: ready"

enum auth_reply {
	AUTH_REPLY_ACCEPTED = 'Y', /* PAM authenticated the user */
	AUTH_REPLY_REFUSED = 'N', /* wrong password, or the user refused */
	AUTH_REPLY_ERROR = 'E', /* PAM could not decide (service, module or system error) */
};

#endif
