/* SPDX-License-Identifier: MIT */
#ifndef STRATA_GUARD_CLIENT_H
#define STRATA_GUARD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/guard_ipc.h"

/*
 * The compositor's end of strata-clipboard-guard (common/guard_ipc.h), on
 * the event loop: requests are queued and written without blocking, answers
 * are read as they come and handed to their callback. Nothing ever waits for
 * the guard: a guard that hangs or is slow costs the compositor nothing, and
 * one that gives no valid answer within TRANSFER_GUARD_TIMEOUT_MS, dies, or
 * says something malformed is stopped; every request waiting then gets
 * ok = false. The guard is run by the process supervisor and started again
 * at the next request.
 */
struct strata_server;
struct guard_client;

/*
 * id: the request's (as guard_client_call set it). ok: a valid answer came
 * (response and its bytes, owned by the callee); false: the guard is down
 * or gave none (response and bytes NULL).
 */
typedef void (*guard_reply_fn)(void *data, uint32_t id, bool ok,
		const struct guard_response *response, uint8_t *bytes, size_t length);

/* NULL when the guard program is not found (said in the log): nothing can
 * cross levels then. */
struct guard_client *guard_client_create(struct strata_server *server, const char *program,
		const char *audit_dir, bool allow_images);
void guard_client_destroy(struct guard_client *guard); /* NULL-safe */

/*
 * Queues req (magic, version and id are set here) and length bytes of
 * payload (req->length is set to it). reply is called exactly once, later,
 * never from inside this call; false (and no call) if it could not even be
 * queued.
 */
bool guard_client_call(struct guard_client *guard, struct guard_request *req,
		const uint8_t *payload, size_t length, guard_reply_fn reply, void *data);

#endif
