/* SPDX-License-Identifier: MIT */
#ifndef CLIPBOARD_GUARD_GUARD_H
#define CLIPBOARD_GUARD_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/guard_ipc.h"

/*
 * One request of the guard protocol (common/guard_ipc.h), handled over
 * buffers: main.c reads the request and its payload from fd 3 and writes the
 * response, this file decides what the response is.
 */

struct audit_log;

/* Images are decoded to at most this many pixels, each side at most
 * GUARD_IMAGE_MAX_SIDE: a small PNG cannot make the guard allocate more. */
#define GUARD_IMAGE_MAX_SIDE 16384
#define GUARD_IMAGE_MAX_PIXELS (16u << 20)

struct guard {
	bool allow_images; /* image/png may cross (only if built with libpng) */
	struct audit_log *audit; /* may be NULL: AUDIT requests then fail */
};

enum guard_kind {
	GUARD_KIND_REFUSED = 0,
	GUARD_KIND_TEXT,
	GUARD_KIND_PNG,
};

/* The MIME allowlist (common/clipboard_mime.h): its text types are text;
 * image/png only with allow_images. Case-insensitive. */
enum guard_kind guard_mime_kind(const char *mime, bool allow_images);

/* True when the guard was built with an image decoder. */
bool guard_images_supported(void);

enum guard_check {
	GUARD_CHECK_OK,
	GUARD_CHECK_INVALID, /* answer GUARD_ERROR, the stream is still in step */
	GUARD_CHECK_FATAL, /* answer GUARD_ERROR and exit: the stream cannot be trusted */
};

/* Checks the fixed part of a request (magic, version, type, every string
 * NUL-terminated, audit fields); reason says what is wrong. */
enum guard_check guard_check_request(const struct guard_request *req, char *reason,
		size_t reason_size);

/* The most payload bytes the request may carry: min(max_bytes,
 * GUARD_HARD_MAX_BYTES) for GUARD_REQ_SANITISE, 0 otherwise. */
uint32_t guard_request_cap(const struct guard_request *req);

/*
 * Handles one request. payload holds req->length bytes, or is NULL when the
 * caller did not read them because guard_check_request failed or the length
 * is above guard_request_cap (the answer is then GUARD_ERROR or GUARD_REFUSED
 * "too large"). resp is filled in full (padding zeroed); on GUARD_OK,
 * resp->length bytes of sanitised content are in out. out_size must be at
 * least GUARD_HARD_MAX_BYTES. Returns resp->status.
 */
enum guard_status guard_handle(struct guard *guard, const struct guard_request *req,
		const uint8_t *payload, struct guard_response *resp, uint8_t *out, size_t out_size);

#endif
