/* SPDX-License-Identifier: MIT */
#ifndef CAGE_PROXY_WIRE_H
#define CAGE_PROXY_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "protocol.h"

/*
 * The Wayland wire format, checked. Pure functions over byte buffers: no I/O,
 * no allocation, so they can be unit-tested and fuzzed on their own.
 */

#define WIRE_HEADER_SIZE 8
#define WIRE_MESSAGE_MAX 4096 /* libwayland's per-connection buffer */
#define WIRE_MAX_ARGS 20 /* libwayland's WL_CLOSURE_MAX_ARGS */
#define WIRE_MAX_FDS_PER_MESSAGE 28 /* libwayland's MAX_FDS_OUT */
#define WIRE_SERVER_ID_START 0xff000000u

struct wire_header {
	uint32_t object;
	uint16_t opcode;
	uint16_t size; /* whole message, header included, bytes */
};

/* One parsed argument; pointers point into the message bytes. */
struct wire_value {
	uint32_t u; /* int, uint, fixed, object, new_id: the raw 32 bits */
	const char *string; /* string: NUL-terminated, or NULL for a null string */
	uint32_t length; /* string: bytes including the NUL; array: bytes */
	const void *array; /* array data */
};

enum wire_status {
	WIRE_OK = 0,
	WIRE_INCOMPLETE, /* not enough bytes yet: wait for more (not an error) */
	WIRE_BAD_SIZE, /* size < 8, > 4096 or not a multiple of 4 */
	WIRE_BAD_OPCODE,
	WIRE_TRUNCATED, /* an argument runs past the message's end */
	WIRE_TRAILING, /* bytes left after the last argument */
	WIRE_BAD_STRING, /* not NUL-terminated where its length says, NUL inside, too long */
	WIRE_NULL_NOT_ALLOWED, /* null object or string where the XML forbids it */
	WIRE_BAD_NEW_ID, /* new_id 0 */
	WIRE_TOO_MANY_FDS,
};

/* wl_display.error codes (wayland.xml) */
#define DISPLAY_ERROR_INVALID_OBJECT 0
#define DISPLAY_ERROR_INVALID_METHOD 1
#define DISPLAY_ERROR_NO_MEMORY 2
#define DISPLAY_ERROR_IMPLEMENTATION 3

/* The longest wl_display.error wire_display_error writes, in bytes. */
#define WIRE_DISPLAY_ERROR_MAX (20 + 600)

/*
 * Writes the event wl_display.error(object, code, text) into out (at least
 * WIRE_DISPLAY_ERROR_MAX bytes), text cut to 599 bytes; returns its size.
 */
size_t wire_display_error(uint8_t *out, uint32_t object, uint32_t code, const char *text);

/* A short English text for a status, for logs and wl_display.error. */
const char *wire_status_str(enum wire_status status);

/*
 * Reads the header at data (len bytes available). WIRE_INCOMPLETE if len < 8
 * or len < header.size; WIRE_BAD_SIZE if the size field is impossible.
 */
enum wire_status wire_read_header(const uint8_t *data, size_t len, struct wire_header *out);

/*
 * Checks the arguments of one message against its schema. body points after
 * the header, body_len = size - 8. Fills values[0..msg->arg_count); fd
 * arguments take no bytes (the fds travel out of band: msg->fd_count says
 * how many). Strings longer than max_string bytes are refused.
 */
enum wire_status wire_parse_args(const struct wire_message *msg, const uint8_t *body,
		size_t body_len, struct wire_value *values, uint32_t max_string);

#endif
