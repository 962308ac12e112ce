// SPDX-License-Identifier: MIT
/*
 * The Wayland wire format, checked against the generated schema. Every
 * length read from the wire is compared with the bytes that remain before
 * any pointer or offset is formed from it, so no computation can overflow:
 * remaining bytes are at most WIRE_MESSAGE_MAX, and a length is only added
 * to after it has been found to be no larger than that.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "wire.h"

/* The wire is in host byte order; the bytes may sit at any alignment. */
static uint32_t
wire_get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

const char *
wire_status_str(enum wire_status status)
{
	switch (status) {
	case WIRE_OK:
		return "ok";
	case WIRE_INCOMPLETE:
		return "incomplete message";
	case WIRE_BAD_SIZE:
		return "invalid message size";
	case WIRE_BAD_OPCODE:
		return "invalid opcode";
	case WIRE_TRUNCATED:
		return "argument runs past the end of the message";
	case WIRE_TRAILING:
		return "bytes left after the last argument";
	case WIRE_BAD_STRING:
		return "invalid string";
	case WIRE_NULL_NOT_ALLOWED:
		return "null where the protocol forbids it";
	case WIRE_BAD_NEW_ID:
		return "invalid new id";
	case WIRE_TOO_MANY_FDS:
		return "too many file descriptors";
	}
	return "unknown wire status";
}

enum wire_status
wire_read_header(const uint8_t *data, size_t len, struct wire_header *out)
{
	if (len < WIRE_HEADER_SIZE) {
		return WIRE_INCOMPLETE;
	}
	uint32_t word1 = wire_get_u32(data + 4);
	out->object = wire_get_u32(data);
	out->opcode = (uint16_t)(word1 & 0xffff);
	out->size = (uint16_t)(word1 >> 16);

	/* An impossible size is an error even before the rest has arrived. */
	if (out->size < WIRE_HEADER_SIZE || out->size > WIRE_MESSAGE_MAX || out->size % 4 != 0) {
		return WIRE_BAD_SIZE;
	}
	if (len < out->size) {
		return WIRE_INCOMPLETE;
	}
	return WIRE_OK;
}

/* Bytes a string or array of length bytes takes on the wire; length <= rem. */
static size_t
wire_padded(uint32_t length)
{
	return ((size_t)length + 3) & ~(size_t)3;
}

/*
 * A string or array: a u32 length then the bytes, padded to 4. On success
 * *data points at the bytes and *consumed is the whole field's size.
 */
static enum wire_status
wire_parse_blob(const uint8_t *p, size_t rem, uint32_t *length, const uint8_t **data,
		size_t *consumed)
{
	if (rem < 4) {
		return WIRE_TRUNCATED;
	}
	*length = wire_get_u32(p);
	rem -= 4;
	/* Compare before padding: length may be anything up to UINT32_MAX. */
	if (*length > rem || wire_padded(*length) > rem) {
		return WIRE_TRUNCATED;
	}
	*data = *length > 0 ? p + 4 : NULL;
	*consumed = 4 + wire_padded(*length);
	return WIRE_OK;
}

static enum wire_status
wire_parse_string(const struct wire_arg *arg, const uint8_t *p, size_t rem,
		struct wire_value *value, uint32_t max_string, size_t *consumed)
{
	uint32_t length;
	const uint8_t *data;
	enum wire_status status = wire_parse_blob(p, rem, &length, &data, consumed);
	if (status != WIRE_OK) {
		return status;
	}
	if (length == 0) {
		if (!arg->nullable) {
			return WIRE_NULL_NOT_ALLOWED;
		}
		value->string = NULL;
		value->length = 0;
		return WIRE_OK;
	}
	if (length - 1 > max_string || data[length - 1] != '\0' ||
			memchr(data, '\0', length - 1) != NULL) {
		return WIRE_BAD_STRING;
	}
	value->string = (const char *)data;
	value->length = length;
	return WIRE_OK;
}

enum wire_status
wire_parse_args(const struct wire_message *msg, const uint8_t *body, size_t body_len,
		struct wire_value *values, uint32_t max_string)
{
	size_t offset = 0;
	uint32_t fds = 0;

	for (uint8_t i = 0; i < msg->arg_count; i++) {
		const struct wire_arg *arg = &msg->args[i];
		struct wire_value *value = &values[i];
		size_t rem = body_len - offset;
		/* Only form body + offset while bytes remain: body may be NULL. */
		const uint8_t *p = rem > 0 ? body + offset : NULL;
		size_t consumed = 4;
		enum wire_status status;

		*value = (struct wire_value){ 0 };
		switch (arg->type) {
		case WIRE_ARG_INT:
		case WIRE_ARG_UINT:
		case WIRE_ARG_FIXED:
		case WIRE_ARG_OBJECT:
		case WIRE_ARG_NEW_ID:
			if (rem < 4) {
				return WIRE_TRUNCATED;
			}
			value->u = wire_get_u32(p);
			if (value->u == 0 && arg->type == WIRE_ARG_OBJECT && !arg->nullable) {
				return WIRE_NULL_NOT_ALLOWED;
			}
			if (value->u == 0 && arg->type == WIRE_ARG_NEW_ID) {
				return WIRE_BAD_NEW_ID;
			}
			break;
		case WIRE_ARG_STRING:
			status = wire_parse_string(arg, p, rem, value, max_string, &consumed);
			if (status != WIRE_OK) {
				return status;
			}
			break;
		case WIRE_ARG_ARRAY: {
			const uint8_t *data;
			status = wire_parse_blob(p, rem, &value->length, &data, &consumed);
			if (status != WIRE_OK) {
				return status;
			}
			value->array = data;
			break;
		}
		case WIRE_ARG_FD:
			/* The fd travels out of band: nothing on the wire. */
			fds++;
			consumed = 0;
			break;
		default:
			/* A schema we cannot walk: refuse rather than guess. */
			return WIRE_BAD_OPCODE;
		}
		offset += consumed;
	}

	if (offset != body_len) {
		return WIRE_TRAILING;
	}
	/* The table's count is what the caller pops from the fd queue. */
	if (fds != msg->fd_count || fds > WIRE_MAX_FDS_PER_MESSAGE) {
		return WIRE_TOO_MANY_FDS;
	}
	return WIRE_OK;
}

size_t
wire_display_error(uint8_t *out, uint32_t object, uint32_t code, const char *text)
{
	size_t text_len = strnlen(text, WIRE_DISPLAY_ERROR_MAX - 21);
	uint32_t len = (uint32_t)text_len + 1; /* with its NUL */
	uint32_t padded = (len + 3) & ~3u;
	uint32_t size = 8 + 4 + 4 + 4 + padded;
	/* object 1 (wl_display), opcode 0 (error); then object, code, string */
	uint32_t words[5] = { 1, size << 16, object, code, len };
	memset(out, 0, size);
	memcpy(out, words, sizeof(words));
	memcpy(out + sizeof(words), text, text_len);
	return size;
}
