/* SPDX-License-Identifier: MIT */
#ifndef COMMON_GUARD_IPC_H
#define COMMON_GUARD_IPC_H

#include <stdint.h>

/*
 * The wire between the compositor and strata-clipboard-guard: a
 * SOCK_STREAM socketpair (the guard's end is its fd 3). Every message is a
 * fixed header, then `length` payload bytes. Integers are host order (both
 * ends run on this machine). The compositor never parses transferred
 * content: it hands the raw bytes to the guard and gets back sanitised
 * bytes, a preview to show and a SHA-256. The guard alone writes the audit
 * log.
 */

#define GUARD_IPC_MAGIC 0x53475244u /* "SGRD" */
#define GUARD_IPC_VERSION 1
#define GUARD_LEVEL_MAX 32 /* bytes, NUL-padded */
#define GUARD_MIME_MAX 128 /* bytes, NUL-padded */
#define GUARD_REASON_MAX 160
#define GUARD_PREVIEW_MAX 512 /* bytes of UTF-8, NUL-padded */
#define GUARD_HARD_MAX_BYTES (1u << 20) /* no transfer is ever larger */

enum guard_request_type {
	/* Sanitise `length` bytes of `mime` for a transfer src -> dst. The
	 * guard answers with a guard_response; nothing is logged yet. */
	GUARD_REQ_SANITISE = 1,
	/* Log one decision (transferred, refused, timeout, cancelled) as one
	 * chained JSON line. No payload. The guard answers with a response
	 * whose status says whether the line was written. */
	GUARD_REQ_AUDIT = 2,
};

enum guard_decision {
	GUARD_DECISION_TRANSFERRED = 1,
	GUARD_DECISION_REFUSED = 2,
	GUARD_DECISION_TIMEOUT = 3,
	GUARD_DECISION_CANCELLED = 4,
};

struct guard_request {
	uint32_t magic, version, type, id;
	char src_level[GUARD_LEVEL_MAX];
	char dst_level[GUARD_LEVEL_MAX];
	char mime[GUARD_MIME_MAX];
	uint32_t max_bytes; /* the policy's size cap for this direction */
	/* GUARD_REQ_AUDIT: */
	uint32_t decision; /* enum guard_decision */
	uint32_t size; /* bytes offered by the source */
	char sha256[65]; /* hex of what was transferred, "" if nothing */
	char reason[GUARD_REASON_MAX];
	uint32_t length; /* payload bytes that follow (GUARD_REQ_SANITISE) */
};

enum guard_status {
	GUARD_OK = 0,
	GUARD_REFUSED = 1, /* the content cannot cross: see reason */
	GUARD_ERROR = 2, /* the request was malformed or the log failed */
};

struct guard_response {
	uint32_t magic, version, id, status;
	char reason[GUARD_REASON_MAX];
	char sha256[65]; /* of the sanitised bytes */
	char preview[GUARD_PREVIEW_MAX]; /* safe to draw: sanitised, cut, NUL-terminated */
	uint32_t removed; /* characters or sequences the sanitiser removed */
	uint32_t length; /* sanitised bytes that follow */
};

#endif
