// SPDX-License-Identifier: MIT
/*
 * cage-proxy's wire parser and the tables generated from the protocol XML:
 * messages are built by hand, byte by byte, and every way to get a length,
 * a NUL or a null wrong must be refused with the right status.
 */
#include <stdint.h>
#include <string.h>
#include "protocol.h"
#include "tap.h"
#include "wire.h"

#define MAX_STRING 4096

/* A message under construction; the host byte order is the wire's. */
struct msg {
	uint8_t data[3 * WIRE_MESSAGE_MAX];
	size_t len;
};

static void
msg_u32(struct msg *m, uint32_t v)
{
	tap_assert(m->len + 4 <= sizeof(m->data));
	memcpy(m->data + m->len, &v, 4);
	m->len += 4;
}

static void
msg_bytes(struct msg *m, const void *bytes, size_t n)
{
	tap_assert(m->len + n <= sizeof(m->data));
	memcpy(m->data + m->len, bytes, n);
	m->len += n;
}

static void
msg_pad(struct msg *m)
{
	while (m->len % 4 != 0) {
		tap_assert(m->len < sizeof(m->data));
		m->data[m->len++] = 0;
	}
}

/* A string field with an explicit length word and n bytes of content, padded. */
static void
msg_raw_string(struct msg *m, uint32_t length, const void *bytes, size_t n)
{
	msg_u32(m, length);
	msg_bytes(m, bytes, n);
	msg_pad(m);
}

/* A well-formed string field. */
static void
msg_string(struct msg *m, const char *s)
{
	msg_raw_string(m, (uint32_t)strlen(s) + 1, s, strlen(s) + 1);
}

static const struct wire_message *
find_message(const char *iface_name, bool request, const char *name)
{
	const struct wire_interface *iface = wire_interface_lookup(iface_name);
	tap_assert_msg(iface != NULL, "no interface %s", iface_name);
	uint16_t count = request ? iface->request_count : iface->event_count;
	const struct wire_message *messages = request ? iface->requests : iface->events;
	for (uint16_t i = 0; i < count; i++) {
		if (strcmp(messages[i].name, name) == 0) {
			return &messages[i];
		}
	}
	tap_fail("no %s %s.%s", request ? "request" : "event", iface_name, name);
}

static enum wire_status
parse(const struct wire_message *message, const struct msg *m, struct wire_value *values)
{
	return wire_parse_args(message, m->data, m->len, values, MAX_STRING);
}

/* Schemas for the argument tests, independent of any protocol. */
static const struct wire_arg schema_iuf[] = {
	{ .type = WIRE_ARG_INT },
	{ .type = WIRE_ARG_UINT },
	{ .type = WIRE_ARG_FIXED },
};
static const struct wire_message message_iuf = {
	.name = "iuf",
	.since = 1,
	.arg_count = 3,
	.new_id_arg = -1,
	.args = schema_iuf,
};

static const struct wire_arg schema_object[] = { { .type = WIRE_ARG_OBJECT } };
static const struct wire_message message_object = {
	.name = "object",
	.since = 1,
	.arg_count = 1,
	.new_id_arg = -1,
	.args = schema_object,
};
static const struct wire_arg schema_object_nullable[] = {
	{ .type = WIRE_ARG_OBJECT, .nullable = true },
};
static const struct wire_message message_object_nullable = {
	.name = "object_nullable",
	.since = 1,
	.arg_count = 1,
	.new_id_arg = -1,
	.args = schema_object_nullable,
};

static const struct wire_arg schema_new_id[] = { { .type = WIRE_ARG_NEW_ID } };
static const struct wire_message message_new_id = {
	.name = "new_id",
	.since = 1,
	.arg_count = 1,
	.new_id_arg = 0,
	.args = schema_new_id,
};

/* A string then a uint, so that a string's padding shows in the next offset. */
static const struct wire_arg schema_string[] = {
	{ .type = WIRE_ARG_STRING },
	{ .type = WIRE_ARG_UINT },
};
static const struct wire_message message_string_uint = {
	.name = "string",
	.since = 1,
	.arg_count = 2,
	.new_id_arg = -1,
	.args = schema_string,
};
static const struct wire_message message_string_only = {
	.name = "string",
	.since = 1,
	.arg_count = 1,
	.new_id_arg = -1,
	.args = schema_string,
};
static const struct wire_arg schema_string_nullable[] = {
	{ .type = WIRE_ARG_STRING, .nullable = true },
};
static const struct wire_message message_string_nullable = {
	.name = "string_nullable",
	.since = 1,
	.arg_count = 1,
	.new_id_arg = -1,
	.args = schema_string_nullable,
};

static const struct wire_arg schema_array[] = {
	{ .type = WIRE_ARG_ARRAY },
	{ .type = WIRE_ARG_UINT },
};
static const struct wire_message message_array_uint = {
	.name = "array",
	.since = 1,
	.arg_count = 2,
	.new_id_arg = -1,
	.args = schema_array,
};
static const struct wire_message message_array_only = {
	.name = "array",
	.since = 1,
	.arg_count = 1,
	.new_id_arg = -1,
	.args = schema_array,
};

static const struct wire_arg schema_fds[] = {
	{ .type = WIRE_ARG_FD },
	{ .type = WIRE_ARG_UINT },
	{ .type = WIRE_ARG_FD },
};
static const struct wire_message message_fds = {
	.name = "fds",
	.since = 1,
	.arg_count = 3,
	.fd_count = 2,
	.new_id_arg = -1,
	.args = schema_fds,
};

static const struct wire_message message_empty = {
	.name = "empty",
	.since = 1,
	.new_id_arg = -1,
};

/* ---- header ---- */

static void
header_good(void)
{
	struct msg m = { 0 };
	msg_u32(&m, 0xff000003u);
	msg_u32(&m, (12u << 16) | 7);
	msg_u32(&m, 42);
	struct wire_header h;
	tap_assert_int_eq(wire_read_header(m.data, m.len, &h), WIRE_OK);
	tap_assert_int_eq(h.object, 0xff000003u);
	tap_assert_int_eq(h.opcode, 7);
	tap_assert_int_eq(h.size, 12);

	/* More bytes than the message (the next one follows): still OK. */
	tap_assert_int_eq(wire_read_header(m.data, 100, &h), WIRE_OK);
	tap_assert_int_eq(h.size, 12);

	/* The smallest and the largest possible messages. */
	m.len = 0;
	msg_u32(&m, 1);
	msg_u32(&m, (8u << 16) | 0xffff);
	tap_assert_int_eq(wire_read_header(m.data, 8, &h), WIRE_OK);
	tap_assert_int_eq(h.opcode, 0xffff);
	tap_assert_int_eq(h.size, 8);
	memcpy(m.data + 4, &(uint32_t){ (4096u << 16) | 1 }, 4);
	tap_assert_int_eq(wire_read_header(m.data, 4096, &h), WIRE_OK);
	tap_assert_int_eq(h.size, 4096);
}

static void
header_unaligned_buffer(void)
{
	/* The header may start anywhere in a ring buffer. */
	struct msg m = { 0 };
	m.len = 3;
	msg_u32(&m, 5);
	msg_u32(&m, (8u << 16) | 1);
	struct wire_header h;
	tap_assert_int_eq(wire_read_header(m.data + 3, 8, &h), WIRE_OK);
	tap_assert_int_eq(h.object, 5);
	tap_assert_int_eq(h.opcode, 1);
	tap_assert_int_eq(h.size, 8);
}

static void
header_incomplete(void)
{
	struct msg m = { 0 };
	msg_u32(&m, 3);
	msg_u32(&m, (16u << 16) | 0);
	msg_u32(&m, 1);
	msg_u32(&m, 2);
	struct wire_header h;
	for (size_t len = 0; len < WIRE_HEADER_SIZE; len++) {
		tap_assert_int_eq(wire_read_header(m.data, len, &h), WIRE_INCOMPLETE);
	}
	tap_assert_int_eq(wire_read_header(NULL, 0, &h), WIRE_INCOMPLETE);
	/* The header is there but not the whole message: the size is known. */
	for (size_t len = WIRE_HEADER_SIZE; len < 16; len++) {
		tap_assert_int_eq(wire_read_header(m.data, len, &h), WIRE_INCOMPLETE);
		tap_assert_int_eq(h.size, 16);
	}
	tap_assert_int_eq(wire_read_header(m.data, 16, &h), WIRE_OK);
}

static void
header_too_small(void)
{
	struct wire_header h;
	for (uint32_t size = 0; size < WIRE_HEADER_SIZE; size++) {
		struct msg m = { 0 };
		msg_u32(&m, 1);
		msg_u32(&m, size << 16);
		/* Refused at once: waiting for more bytes would never help. */
		tap_assert_int_eq(wire_read_header(m.data, m.len, &h), WIRE_BAD_SIZE);
		tap_assert_int_eq(wire_read_header(m.data, sizeof(m.data), &h), WIRE_BAD_SIZE);
	}
}

static void
header_too_big(void)
{
	static const uint32_t sizes[] = { 4100, 4104, 8192, 0xfffc };
	struct wire_header h;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct msg m = { 0 };
		msg_u32(&m, 1);
		msg_u32(&m, sizes[i] << 16);
		tap_assert_int_eq(wire_read_header(m.data, 8, &h), WIRE_BAD_SIZE);
		tap_assert_int_eq(wire_read_header(m.data, sizeof(m.data), &h), WIRE_BAD_SIZE);
	}
}

static void
header_unaligned_size(void)
{
	static const uint32_t sizes[] = { 9, 10, 11, 13, 4095, 4097, 0xffff };
	struct wire_header h;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct msg m = { 0 };
		msg_u32(&m, 1);
		msg_u32(&m, sizes[i] << 16);
		tap_assert_int_eq(wire_read_header(m.data, sizeof(m.data), &h), WIRE_BAD_SIZE);
	}
}

/* ---- fixed-size arguments ---- */

static void
args_int_uint_fixed(void)
{
	struct msg m = { 0 };
	msg_u32(&m, (uint32_t)-5);
	msg_u32(&m, 0xdeadbeefu);
	msg_u32(&m, 256 * 3 / 2); /* 1.5 in 24.8 fixed point */
	struct wire_value v[3];
	tap_assert_int_eq(parse(&message_iuf, &m, v), WIRE_OK);
	tap_assert_int_eq((int32_t)v[0].u, -5);
	tap_assert_int_eq(v[1].u, 0xdeadbeefu);
	tap_assert_int_eq(v[2].u, 384);
	/* Zero is an ordinary value for these. */
	memset(m.data, 0, m.len);
	tap_assert_int_eq(parse(&message_iuf, &m, v), WIRE_OK);

	/* One, two or three bytes short. */
	for (size_t cut = 1; cut < 4; cut++) {
		tap_assert_int_eq(wire_parse_args(&message_iuf, m.data, m.len - cut, v, MAX_STRING),
				WIRE_TRUNCATED);
	}
	tap_assert_int_eq(wire_parse_args(&message_iuf, m.data, 0, v, MAX_STRING), WIRE_TRUNCATED);
	tap_assert_int_eq(wire_parse_args(&message_iuf, NULL, 0, v, MAX_STRING), WIRE_TRUNCATED);
}

static void
args_unaligned_body(void)
{
	struct msg m = { 0 };
	m.len = 1;
	msg_u32(&m, 1);
	msg_u32(&m, 2);
	msg_u32(&m, 3);
	struct wire_value v[3];
	tap_assert_int_eq(wire_parse_args(&message_iuf, m.data + 1, 12, v, MAX_STRING), WIRE_OK);
	tap_assert_int_eq(v[0].u, 1);
	tap_assert_int_eq(v[2].u, 3);
}

static void
args_object(void)
{
	struct msg m = { 0 };
	struct wire_value v[1];
	msg_u32(&m, 17);
	tap_assert_int_eq(parse(&message_object, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].u, 17);
	tap_assert_int_eq(parse(&message_object_nullable, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].u, 17);

	m.len = 0;
	msg_u32(&m, 0);
	tap_assert_int_eq(parse(&message_object, &m, v), WIRE_NULL_NOT_ALLOWED);
	tap_assert_int_eq(parse(&message_object_nullable, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].u, 0);
}

static void
args_new_id(void)
{
	struct msg m = { 0 };
	struct wire_value v[1];
	msg_u32(&m, 9);
	tap_assert_int_eq(parse(&message_new_id, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].u, 9);
	m.len = 0;
	msg_u32(&m, 0);
	tap_assert_int_eq(parse(&message_new_id, &m, v), WIRE_BAD_NEW_ID);
	m.len = 0;
	msg_u32(&m, WIRE_SERVER_ID_START);
	tap_assert_int_eq(parse(&message_new_id, &m, v), WIRE_OK);
}

static void
args_fd(void)
{
	/* fds take no bytes: h u h is one word on the wire. */
	struct msg m = { 0 };
	struct wire_value v[3];
	msg_u32(&m, 77);
	tap_assert_int_eq(parse(&message_fds, &m, v), WIRE_OK);
	tap_assert_int_eq(v[1].u, 77);
	msg_u32(&m, 0);
	tap_assert_int_eq(parse(&message_fds, &m, v), WIRE_TRAILING);
	tap_assert_int_eq(wire_parse_args(&message_fds, m.data, 0, v, MAX_STRING), WIRE_TRUNCATED);

	/* A table whose fd_count disagrees with its fd arguments is refused. */
	struct wire_message wrong = message_fds;
	wrong.fd_count = 1;
	m.len = 4;
	tap_assert_int_eq(parse(&wrong, &m, v), WIRE_TOO_MANY_FDS);
}

/* ---- strings ---- */

static void
string_good(void)
{
	struct wire_value v[2];
	/* "hello" + NUL = 6 bytes, padded to 8. */
	struct msg m = { 0 };
	msg_string(&m, "hello");
	msg_u32(&m, 99);
	tap_assert_int_eq(m.len, 4 + 8 + 4);
	tap_assert_int_eq(parse(&message_string_uint, &m, v), WIRE_OK);
	tap_assert_str_eq(v[0].string, "hello");
	tap_assert_int_eq(v[0].length, 6);
	tap_assert(v[0].string == (const char *)m.data + 4);
	tap_assert_int_eq(v[1].u, 99);

	/* "abc" + NUL = 4 bytes: no padding. */
	m.len = 0;
	msg_string(&m, "abc");
	msg_u32(&m, 98);
	tap_assert_int_eq(m.len, 4 + 4 + 4);
	tap_assert_int_eq(parse(&message_string_uint, &m, v), WIRE_OK);
	tap_assert_str_eq(v[0].string, "abc");
	tap_assert_int_eq(v[1].u, 98);

	/* The empty string is not null. */
	m.len = 0;
	msg_string(&m, "");
	tap_assert_int_eq(m.len, 8);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_OK);
	tap_assert_str_eq(v[0].string, "");
	tap_assert_int_eq(v[0].length, 1);

	/* Padding contents are not inspected. */
	m.len = 0;
	msg_string(&m, "hello");
	m.data[4 + 6] = 'x';
	m.data[4 + 7] = 'y';
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_OK);
	tap_assert_str_eq(v[0].string, "hello");
}

static void
string_null(void)
{
	struct wire_value v[1];
	struct msg m = { 0 };
	msg_u32(&m, 0);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_NULL_NOT_ALLOWED);
	tap_assert_int_eq(parse(&message_string_nullable, &m, v), WIRE_OK);
	tap_assert(v[0].string == NULL);
	tap_assert_int_eq(v[0].length, 0);
	/* A non-null string where null is allowed. */
	m.len = 0;
	msg_string(&m, "x");
	tap_assert_int_eq(parse(&message_string_nullable, &m, v), WIRE_OK);
	tap_assert_str_eq(v[0].string, "x");
}

static void
string_without_nul(void)
{
	struct wire_value v[1];
	struct msg m = { 0 };
	msg_raw_string(&m, 4, "abcd", 4);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_BAD_STRING);
	/* The NUL is one byte after where the length says it is. */
	m.len = 0;
	msg_raw_string(&m, 3, "abc\0", 4);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_BAD_STRING);
	/* Length 1 must be exactly a NUL. */
	m.len = 0;
	msg_raw_string(&m, 1, "a", 1);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_BAD_STRING);
}

static void
string_with_nul_inside(void)
{
	struct wire_value v[1];
	struct msg m = { 0 };
	msg_raw_string(&m, 6, "ab\0de\0", 6);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_BAD_STRING);
	m.len = 0;
	msg_raw_string(&m, 2, "\0\0", 2);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_BAD_STRING);
	m.len = 0;
	msg_raw_string(&m, 8, "abcdefg\0", 8);
	m.data[4] = '\0';
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_BAD_STRING);
}

static void
string_past_the_end(void)
{
	struct wire_value v[2];
	struct msg m = { 0 };
	/* Claims 12 bytes, 8 follow. */
	msg_raw_string(&m, 12, "1234567\0", 8);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_TRUNCATED);
	/* The length word itself is cut. */
	tap_assert_int_eq(wire_parse_args(&message_string_only, m.data, 3, v, MAX_STRING),
			WIRE_TRUNCATED);
	/* The bytes fit, their padding does not: 5 bytes, 8 on the wire. */
	m.len = 0;
	msg_raw_string(&m, 5, "abcd\0", 5);
	tap_assert_int_eq(wire_parse_args(&message_string_only, m.data, 4 + 5, v, MAX_STRING),
			WIRE_TRUNCATED);
	tap_assert_int_eq(wire_parse_args(&message_string_only, m.data, 4 + 8, v, MAX_STRING),
			WIRE_OK);
	/* A good string whose following uint is missing. */
	tap_assert_int_eq(wire_parse_args(&message_string_uint, m.data, 4 + 8, v, MAX_STRING),
			WIRE_TRUNCATED);
}

static void
string_length_near_uint32_max(void)
{
	static const uint32_t lengths[] = {
		UINT32_MAX,
		UINT32_MAX - 1,
		UINT32_MAX - 2,
		UINT32_MAX - 3,
		UINT32_MAX - 4,
		0x80000000u,
		0x7fffffffu,
		0x10000u,
		4097,
	};
	struct wire_value v[1];
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		struct msg m = { 0 };
		msg_u32(&m, lengths[i]);
		while (m.len < WIRE_MESSAGE_MAX) {
			msg_u32(&m, 0x41414141);
		}
		tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_TRUNCATED);
		tap_assert_int_eq(parse(&message_string_nullable, &m, v), WIRE_TRUNCATED);
		tap_assert_int_eq(parse(&message_array_only, &m, v), WIRE_TRUNCATED);
	}
}

static void
string_max_length(void)
{
	struct wire_value v[1];
	char text[MAX_STRING + 2];
	static const uint32_t limits[] = { 0, 1, 3, 4, 5, 255, MAX_STRING };

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		uint32_t max = limits[i];
		struct msg m = { 0 };
		/* Exactly max characters: accepted. */
		memset(text, 'a', max);
		text[max] = '\0';
		msg_string(&m, text);
		tap_assert_int_eq(wire_parse_args(&message_string_only, m.data, m.len, v, max),
				WIRE_OK);
		tap_assert_int_eq(v[0].length, max + 1);
		tap_assert_int_eq(strlen(v[0].string), max);
		/* One more: refused. */
		m.len = 0;
		memset(text, 'a', max + 1);
		text[max + 1] = '\0';
		msg_string(&m, text);
		tap_assert_int_eq(wire_parse_args(&message_string_only, m.data, m.len, v, max),
				WIRE_BAD_STRING);
	}
	/* No cap at all: max_string + 1 must not wrap to 0 inside the parser. */
	struct msg m = { 0 };
	msg_string(&m, "uncapped");
	tap_assert_int_eq(wire_parse_args(&message_string_only, m.data, m.len, v, UINT32_MAX),
			WIRE_OK);
	tap_assert_str_eq(v[0].string, "uncapped");
}

/* ---- arrays ---- */

static void
array_empty(void)
{
	struct wire_value v[2];
	struct msg m = { 0 };
	msg_u32(&m, 0);
	msg_u32(&m, 5);
	tap_assert_int_eq(parse(&message_array_uint, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].length, 0);
	tap_assert_int_eq(v[1].u, 5);
	/* An empty array at the very end of the message. */
	m.len = 4;
	tap_assert_int_eq(parse(&message_array_only, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].length, 0);
}

static void
array_padded(void)
{
	struct wire_value v[2];
	static const uint8_t bytes[] = { 1, 0, 2, 0, 3 };
	struct msg m = { 0 };
	msg_u32(&m, sizeof(bytes));
	msg_bytes(&m, bytes, sizeof(bytes));
	msg_pad(&m);
	msg_u32(&m, 6);
	tap_assert_int_eq(m.len, 4 + 8 + 4);
	tap_assert_int_eq(parse(&message_array_uint, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].length, 5);
	tap_assert(v[0].array == m.data + 4);
	tap_assert(memcmp(v[0].array, bytes, sizeof(bytes)) == 0);
	tap_assert_int_eq(v[1].u, 6);

	/* Four-byte multiples: no padding; NULs are fine in arrays. */
	m.len = 0;
	msg_u32(&m, 8);
	msg_u32(&m, 0);
	msg_u32(&m, 0);
	msg_u32(&m, 7);
	tap_assert_int_eq(parse(&message_array_uint, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].length, 8);
	tap_assert_int_eq(v[1].u, 7);
}

static void
array_overflowing(void)
{
	struct wire_value v[2];
	struct msg m = { 0 };
	msg_u32(&m, 9);
	msg_u32(&m, 0);
	msg_u32(&m, 0);
	tap_assert_int_eq(parse(&message_array_only, &m, v), WIRE_TRUNCATED);
	/* The bytes fit, the padding does not. */
	m.len = 0;
	msg_u32(&m, 6);
	msg_bytes(&m, "abcdef", 6);
	tap_assert_int_eq(parse(&message_array_only, &m, v), WIRE_TRUNCATED);
	msg_pad(&m);
	tap_assert_int_eq(parse(&message_array_only, &m, v), WIRE_OK);
	/* Fits, but leaves no room for the uint after it. */
	tap_assert_int_eq(parse(&message_array_uint, &m, v), WIRE_TRUNCATED);
	/* No room for the length word. */
	tap_assert_int_eq(wire_parse_args(&message_array_only, m.data, 2, v, MAX_STRING),
			WIRE_TRUNCATED);
	m.len = 0;
	msg_u32(&m, UINT32_MAX - 2);
	msg_u32(&m, 0);
	tap_assert_int_eq(parse(&message_array_only, &m, v), WIRE_TRUNCATED);
}

/* ---- every limit at its exact value and one past it ---- */

/* Sizes 4 apart around both ends: 8 and 4096 are the first and last
 * accepted; one word below 8 and one byte or word above 4096 are not. */
static void
header_size_at_the_limits(void)
{
	static const struct {
		uint32_t size;
		enum wire_status status;
	} cases[] = {
		{ 0, WIRE_BAD_SIZE },
		{ 4, WIRE_BAD_SIZE },
		{ 7, WIRE_BAD_SIZE },
		{ 8, WIRE_OK },
		{ 12, WIRE_OK },
		{ 4092, WIRE_OK },
		{ 4096, WIRE_OK },
		{ 4097, WIRE_BAD_SIZE },
		{ 4100, WIRE_BAD_SIZE },
	};
	static uint8_t data[2 * WIRE_MESSAGE_MAX];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t word = cases[i].size << 16;
		memcpy(data, &(uint32_t){ 1 }, 4);
		memcpy(data + 4, &word, 4);
		struct wire_header h;
		enum wire_status status = wire_read_header(data, sizeof(data), &h);
		tap_assert_msg(status == cases[i].status, "size %u: %s, expected %s", cases[i].size,
				wire_status_str(status), wire_status_str(cases[i].status));
	}
}

/* A string that fills the largest message: 4096 - 8 (header) - 4 (length
 * word) = 4084 bytes, 4083 characters and the NUL. */
static void
string_filling_the_largest_message(void)
{
	struct wire_value v[1];
	static char text[4084];
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	struct msg m = { 0 };
	msg_string(&m, text);
	tap_assert_int_eq(m.len + WIRE_HEADER_SIZE, WIRE_MESSAGE_MAX);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].length, 4084);
	/* The limit exactly at its length is accepted, one below is not. */
	tap_assert_int_eq(wire_parse_args(&message_string_only, m.data, m.len, v, 4083), WIRE_OK);
	tap_assert_int_eq(wire_parse_args(&message_string_only, m.data, m.len, v, 4082),
			WIRE_BAD_STRING);
}

/* An array that exactly fills what is left, and one byte more than that. */
static void
array_at_the_end_of_the_message(void)
{
	struct wire_value v[2];
	static const uint32_t lengths[] = { 0, 1, 4, 5, 8, WIRE_MESSAGE_MAX - 12 };
	static uint8_t bytes[WIRE_MESSAGE_MAX];
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		uint32_t len = lengths[i];
		struct msg m = { 0 };
		msg_u32(&m, len);
		msg_bytes(&m, bytes, len);
		msg_pad(&m);
		tap_assert_int_eq(parse(&message_array_only, &m, v), WIRE_OK);
		tap_assert_int_eq(v[0].length, len);
		/* One byte more than the message holds (its padding included). */
		uint32_t over = (uint32_t)(m.len - 4) + 1;
		memcpy(m.data, &over, 4);
		tap_assert_msg(parse(&message_array_only, &m, v) == WIRE_TRUNCATED,
				"array of %u bytes in a body of %zu", over, m.len);
		/* Exactly what follows, then a uint: the uint is missing. */
		memcpy(m.data, &len, 4);
		tap_assert_int_eq(parse(&message_array_uint, &m, v), WIRE_TRUNCATED);
	}
	/* The largest array: a 4096-byte message of one array. */
	struct msg m = { 0 };
	msg_u32(&m, WIRE_MESSAGE_MAX - 12);
	msg_bytes(&m, bytes, WIRE_MESSAGE_MAX - 12);
	tap_assert_int_eq(m.len + WIRE_HEADER_SIZE, WIRE_MESSAGE_MAX);
	tap_assert_int_eq(parse(&message_array_only, &m, v), WIRE_OK);
}

/* A message of exactly 28 fd arguments parses; 29 is refused. */
static void
fds_at_the_limit(void)
{
	static struct wire_arg args[WIRE_MAX_FDS_PER_MESSAGE + 1];
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		args[i] = (struct wire_arg){ .type = WIRE_ARG_FD };
	}
	struct wire_message message = { .name = "fds", .since = 1, .new_id_arg = -1, .args = args };
	struct wire_value v[WIRE_MAX_FDS_PER_MESSAGE + 1];
	message.arg_count = message.fd_count = WIRE_MAX_FDS_PER_MESSAGE;
	tap_assert_int_eq(WIRE_MAX_FDS_PER_MESSAGE, 28);
	tap_assert_int_eq(wire_parse_args(&message, NULL, 0, v, MAX_STRING), WIRE_OK);
	message.arg_count = message.fd_count = WIRE_MAX_FDS_PER_MESSAGE + 1;
	tap_assert_int_eq(wire_parse_args(&message, NULL, 0, v, MAX_STRING), WIRE_TOO_MANY_FDS);
}

/* ---- trailing bytes ---- */

static void
trailing_bytes(void)
{
	struct wire_value v[3];
	struct msg m = { 0 };
	msg_u32(&m, 1);
	msg_u32(&m, 2);
	msg_u32(&m, 3);
	tap_assert_int_eq(parse(&message_iuf, &m, v), WIRE_OK);
	msg_u32(&m, 4);
	tap_assert_int_eq(parse(&message_iuf, &m, v), WIRE_TRAILING);
	for (size_t extra = 1; extra < 4; extra++) {
		tap_assert_int_eq(wire_parse_args(&message_iuf, m.data, 12 + extra, v, MAX_STRING),
				WIRE_TRAILING);
	}
	/* A message without arguments must have an empty body. */
	tap_assert_int_eq(wire_parse_args(&message_empty, m.data, 0, v, MAX_STRING), WIRE_OK);
	tap_assert_int_eq(wire_parse_args(&message_empty, NULL, 0, NULL, MAX_STRING), WIRE_OK);
	tap_assert_int_eq(wire_parse_args(&message_empty, m.data, 4, v, MAX_STRING), WIRE_TRAILING);
	/* A string followed by a stray word. */
	m.len = 0;
	msg_string(&m, "abc");
	msg_u32(&m, 0);
	tap_assert_int_eq(parse(&message_string_only, &m, v), WIRE_TRAILING);
}

/* ---- generated tables, through real messages ---- */

static void
registry_bind_untyped_new_id(void)
{
	const struct wire_interface *registry = wire_interface_lookup("wl_registry");
	tap_assert(registry == &wire_iface_wl_registry);
	tap_assert(registry->request_count >= 1);
	const struct wire_message *bind = &registry->requests[0];
	tap_assert_str_eq(bind->name, "bind");
	tap_assert_int_eq(bind->arg_count, 4);
	tap_assert_int_eq(bind->new_id_arg, 3);
	tap_assert_int_eq(bind->args[0].type, WIRE_ARG_UINT);
	tap_assert_int_eq(bind->args[1].type, WIRE_ARG_STRING);
	tap_assert(!bind->args[1].nullable);
	tap_assert_int_eq(bind->args[2].type, WIRE_ARG_UINT);
	tap_assert_int_eq(bind->args[3].type, WIRE_ARG_NEW_ID);
	tap_assert(bind->args[3].interface == NULL);

	/* wl_registry@2.bind(7, "wl_compositor", 4, new id 5) */
	struct msg m = { 0 };
	msg_u32(&m, 2);
	msg_u32(&m, 0);
	msg_u32(&m, 7);
	msg_string(&m, "wl_compositor");
	msg_u32(&m, 4);
	msg_u32(&m, 5);
	uint32_t word1 = (uint32_t)m.len << 16 | 0;
	memcpy(m.data + 4, &word1, 4);

	struct wire_header h;
	tap_assert_int_eq(wire_read_header(m.data, m.len, &h), WIRE_OK);
	tap_assert_int_eq(h.object, 2);
	tap_assert_int_eq(h.opcode, 0);
	tap_assert_int_eq(h.size, 8 + 4 + 4 + 16 + 4 + 4);
	struct wire_value v[WIRE_MAX_ARGS];
	tap_assert_int_eq(wire_parse_args(&registry->requests[h.opcode], m.data + 8, h.size - 8, v,
					  MAX_STRING),
			WIRE_OK);
	tap_assert_int_eq(v[0].u, 7);
	tap_assert_str_eq(v[1].string, "wl_compositor");
	tap_assert_int_eq(v[2].u, 4);
	tap_assert_int_eq(v[3].u, 5);

	/* A null interface name, and a new id of 0. */
	struct msg body = { 0 };
	msg_u32(&body, 7);
	msg_u32(&body, 0);
	msg_u32(&body, 4);
	msg_u32(&body, 5);
	tap_assert_int_eq(parse(bind, &body, v), WIRE_NULL_NOT_ALLOWED);
	body.len = 0;
	msg_u32(&body, 7);
	msg_string(&body, "wl_shm");
	msg_u32(&body, 1);
	msg_u32(&body, 0);
	tap_assert_int_eq(parse(bind, &body, v), WIRE_BAD_NEW_ID);
}

static void
surface_attach_message(void)
{
	const struct wire_message *attach = find_message("wl_surface", true, "attach");
	struct wire_value v[3];
	struct msg m = { 0 };
	msg_u32(&m, 0); /* a null buffer detaches */
	msg_u32(&m, (uint32_t)-3);
	msg_u32(&m, 4);
	tap_assert_int_eq(parse(attach, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].u, 0);
	tap_assert_int_eq((int32_t)v[1].u, -3);
	tap_assert_int_eq(v[2].u, 4);
}

/* ---- the tables themselves ---- */

static void
tables_exported(void)
{
	tap_assert_str_eq(wire_iface_wl_display.name, "wl_display");
	tap_assert_str_eq(wire_iface_wl_registry.name, "wl_registry");
	tap_assert_str_eq(wire_iface_wl_callback.name, "wl_callback");
	tap_assert(wire_interface_lookup("wl_display") == &wire_iface_wl_display);
	tap_assert(wire_interface_lookup("wl_registry") == &wire_iface_wl_registry);
	tap_assert(wire_interface_lookup("wl_callback") == &wire_iface_wl_callback);
	/* wl_display.get_registry creates a wl_registry, sync a wl_callback. */
	const struct wire_message *get_registry = find_message("wl_display", true, "get_registry");
	tap_assert(get_registry->args[get_registry->new_id_arg].interface ==
			&wire_iface_wl_registry);
	const struct wire_message *sync = find_message("wl_display", true, "sync");
	tap_assert(sync->args[sync->new_id_arg].interface == &wire_iface_wl_callback);
}

static void
tables_sorted_and_lookup(void)
{
	tap_assert(wire_interface_count > 0);
	for (size_t i = 0; i < wire_interface_count; i++) {
		const struct wire_interface *iface = wire_interfaces[i];
		tap_assert(iface != NULL && iface->name != NULL);
		if (i > 0) {
			tap_assert_msg(strcmp(wire_interfaces[i - 1]->name, iface->name) < 0,
					"%s before %s", wire_interfaces[i - 1]->name, iface->name);
		}
		tap_assert_msg(wire_interface_lookup(iface->name) == iface, "lookup(%s)",
				iface->name);
	}
	tap_diag("%zu interfaces", wire_interface_count);
}

static void
tables_lookup_unknown(void)
{
	tap_assert(wire_interface_lookup("wl_nonexistent") == NULL);
	tap_assert(wire_interface_lookup("") == NULL);
	tap_assert(wire_interface_lookup("a") == NULL);
	tap_assert(wire_interface_lookup("zzzz") == NULL);
	tap_assert(wire_interface_lookup("wl_surfac") == NULL);
	tap_assert(wire_interface_lookup("wl_surface_") == NULL);
	tap_assert(wire_interface_lookup("WL_SURFACE") == NULL);
}

/* Every message of every interface is self-consistent. */
static void
tables_consistent(void)
{
	for (size_t i = 0; i < wire_interface_count; i++) {
		const struct wire_interface *iface = wire_interfaces[i];
		tap_assert(iface->version >= 1);
		tap_assert((iface->requests != NULL) == (iface->request_count > 0));
		tap_assert((iface->events != NULL) == (iface->event_count > 0));
		for (int dir = 0; dir < 2; dir++) {
			uint16_t count = dir == 0 ? iface->request_count : iface->event_count;
			const struct wire_message *messages =
					dir == 0 ? iface->requests : iface->events;
			for (uint16_t op = 0; op < count; op++) {
				const struct wire_message *msg = &messages[op];
				unsigned fds = 0, new_ids = 0;
				tap_assert(msg->name != NULL);
				tap_assert_msg(msg->since >= 1 && msg->since <= iface->version,
						"%s.%s", iface->name, msg->name);
				tap_assert(msg->arg_count <= WIRE_MAX_ARGS);
				tap_assert((msg->args != NULL) == (msg->arg_count > 0));
				for (uint8_t a = 0; a < msg->arg_count; a++) {
					const struct wire_arg *arg = &msg->args[a];
					tap_assert(strchr("iufsonah", arg->type) != NULL);
					fds += arg->type == WIRE_ARG_FD;
					new_ids += arg->type == WIRE_ARG_NEW_ID;
					if (arg->nullable) {
						tap_assert(arg->type == WIRE_ARG_OBJECT ||
								arg->type == WIRE_ARG_STRING);
					}
					if (arg->interface != NULL) {
						tap_assert(arg->type == WIRE_ARG_OBJECT ||
								arg->type == WIRE_ARG_NEW_ID);
						tap_assert(wire_interface_lookup(
									   arg->interface->name) ==
								arg->interface);
					}
				}
				tap_assert_msg(fds == msg->fd_count, "%s.%s", iface->name,
						msg->name);
				if (new_ids == 0) {
					tap_assert_int_eq(msg->new_id_arg, -1);
				} else {
					tap_assert_int_eq(new_ids, 1);
					tap_assert(msg->new_id_arg >= 0 &&
							msg->new_id_arg < msg->arg_count);
					tap_assert_int_eq(msg->args[msg->new_id_arg].type,
							WIRE_ARG_NEW_ID);
				}
			}
		}
	}
}

/* Builds the smallest well-formed body for a message. */
static void
build_valid_body(const struct wire_message *msg, struct msg *m)
{
	m->len = 0;
	for (uint8_t a = 0; a < msg->arg_count; a++) {
		switch (msg->args[a].type) {
		case WIRE_ARG_STRING:
			msg_string(m, "x");
			break;
		case WIRE_ARG_ARRAY:
			msg_u32(m, 0);
			break;
		case WIRE_ARG_FD:
			break;
		default:
			msg_u32(m, 1);
			break;
		}
	}
}

/* Every message in the tables parses when well-formed, and only then. */
static void
tables_every_message_parses(void)
{
	unsigned checked = 0;
	for (size_t i = 0; i < wire_interface_count; i++) {
		const struct wire_interface *iface = wire_interfaces[i];
		for (int dir = 0; dir < 2; dir++) {
			uint16_t count = dir == 0 ? iface->request_count : iface->event_count;
			const struct wire_message *messages =
					dir == 0 ? iface->requests : iface->events;
			for (uint16_t op = 0; op < count; op++) {
				const struct wire_message *msg = &messages[op];
				struct wire_value v[WIRE_MAX_ARGS];
				struct msg m = { 0 };
				build_valid_body(msg, &m);
				tap_assert_msg(parse(msg, &m, v) == WIRE_OK, "%s.%s", iface->name,
						msg->name);
				if (m.len >= 4) {
					tap_assert_msg(wire_parse_args(msg, m.data, m.len - 4, v,
								       MAX_STRING) ==
									WIRE_TRUNCATED,
							"%s.%s short", iface->name, msg->name);
				}
				msg_u32(&m, 0);
				tap_assert_msg(parse(msg, &m, v) == WIRE_TRAILING, "%s.%s long",
						iface->name, msg->name);
				checked++;
			}
		}
	}
	tap_diag("%u messages", checked);
}

static void
known_surface_attach(void)
{
	const struct wire_message *attach = find_message("wl_surface", true, "attach");
	tap_assert_int_eq(attach->arg_count, 3);
	tap_assert_int_eq(attach->args[0].type, WIRE_ARG_OBJECT);
	tap_assert(attach->args[0].nullable);
	tap_assert(attach->args[0].interface == wire_interface_lookup("wl_buffer"));
	tap_assert(attach->args[0].interface != NULL);
	tap_assert_int_eq(attach->args[1].type, WIRE_ARG_INT);
	tap_assert_int_eq(attach->args[2].type, WIRE_ARG_INT);
	tap_assert_int_eq(attach->fd_count, 0);
	tap_assert_int_eq(attach->new_id_arg, -1);
	tap_assert(!attach->destructor);
	tap_assert_int_eq(attach->since, 1);
}

static void
known_shm_create_pool(void)
{
	const struct wire_message *create_pool = find_message("wl_shm", true, "create_pool");
	tap_assert_int_eq(create_pool->arg_count, 3);
	tap_assert_int_eq(create_pool->fd_count, 1);
	tap_assert_int_eq(create_pool->new_id_arg, 0);
	tap_assert_int_eq(create_pool->args[0].type, WIRE_ARG_NEW_ID);
	tap_assert(create_pool->args[0].interface == wire_interface_lookup("wl_shm_pool"));
	tap_assert_int_eq(create_pool->args[1].type, WIRE_ARG_FD);
	tap_assert_int_eq(create_pool->args[2].type, WIRE_ARG_INT);

	/* new id 3, fd out of band, size 4096: two words on the wire. */
	struct msg m = { 0 };
	struct wire_value v[3];
	msg_u32(&m, 3);
	msg_u32(&m, 4096);
	tap_assert_int_eq(parse(create_pool, &m, v), WIRE_OK);
	tap_assert_int_eq(v[0].u, 3);
	tap_assert_int_eq(v[2].u, 4096);
}

static void
known_keyboard_keymap(void)
{
	const struct wire_message *keymap = find_message("wl_keyboard", false, "keymap");
	tap_assert_int_eq(keymap->fd_count, 1);
	tap_assert_int_eq(keymap->arg_count, 3);
	tap_assert_int_eq(keymap->args[1].type, WIRE_ARG_FD);
	tap_assert_int_eq(keymap->new_id_arg, -1);
}

static void
known_destructors(void)
{
	const struct wire_interface *toplevel = wire_interface_lookup("xdg_toplevel");
	tap_assert(toplevel != NULL);
	tap_assert_str_eq(toplevel->requests[0].name, "destroy");
	tap_assert(toplevel->requests[0].destructor);
	tap_assert(find_message("wl_surface", true, "destroy")->destructor);
	tap_assert(!find_message("wl_surface", true, "commit")->destructor);
	/* wl_display has no destructor at all. */
	tap_assert(!find_message("wl_display", true, "sync")->destructor);
}

/*
 * Events are destructors only where the XML says type="destructor". With
 * wayland 1.21 and wayland-protocols 1.31 that is wl_callback.done and
 * wp_presentation_feedback.presented/discarded, nothing else.
 */
static void
known_destructor_events(void)
{
	tap_assert(find_message("wl_callback", false, "done")->destructor);
	tap_assert(find_message("wp_presentation_feedback", false, "presented")->destructor);
	tap_assert(find_message("wp_presentation_feedback", false, "discarded")->destructor);
	tap_assert(!find_message("wp_presentation_feedback", false, "sync_output")->destructor);
	/* Not destructor events, despite ending the object's useful life. */
	tap_assert(!find_message("zwp_linux_buffer_params_v1", false, "created")->destructor);
	tap_assert(!find_message("zwp_linux_buffer_params_v1", false, "failed")->destructor);
	tap_assert(!find_message("wl_buffer", false, "release")->destructor);

	unsigned destructor_events = 0;
	for (size_t i = 0; i < wire_interface_count; i++) {
		for (uint16_t op = 0; op < wire_interfaces[i]->event_count; op++) {
			destructor_events += wire_interfaces[i]->events[op].destructor;
		}
	}
	tap_assert_int_eq(destructor_events, 3);
}

static void
known_events_with_new_id(void)
{
	/* Server-created objects: the proxy registers server-range ids for these. */
	const struct wire_message *data_offer = find_message("wl_data_device", false, "data_offer");
	tap_assert_int_eq(data_offer->new_id_arg, 0);
	tap_assert(data_offer->args[0].interface == wire_interface_lookup("wl_data_offer"));
	const struct wire_message *created =
			find_message("zwp_linux_buffer_params_v1", false, "created");
	tap_assert_int_eq(created->new_id_arg, 0);
	tap_assert(created->args[0].interface == wire_interface_lookup("wl_buffer"));
}

static void
known_since_and_versions(void)
{
	const struct wire_interface *surface = wire_interface_lookup("wl_surface");
	tap_assert(surface != NULL);
	tap_assert(surface->version >= 5);
	tap_assert_int_eq(find_message("wl_surface", true, "offset")->since, 5);
	tap_assert_int_eq(find_message("wl_surface", true, "damage_buffer")->since, 4);
	tap_assert_int_eq(find_message("wl_surface", true, "attach")->since, 1);
	tap_assert(wire_interface_lookup("zxdg_toplevel_decoration_v1") != NULL);
	tap_assert(wire_interface_lookup("zxdg_decoration_manager_v1") != NULL);
	tap_assert(wire_interface_lookup("wp_viewporter") != NULL);
	tap_assert(wire_interface_lookup("zxdg_output_manager_v1") != NULL);
	tap_assert(wire_interface_lookup("zwp_linux_dmabuf_v1") != NULL);
	tap_assert(wire_interface_lookup("xdg_wm_base") != NULL);
	tap_assert_int_eq(wire_iface_wl_display.version, 1);
}

static void
status_strings(void)
{
	static const enum wire_status all[] = {
		WIRE_OK,
		WIRE_INCOMPLETE,
		WIRE_BAD_SIZE,
		WIRE_BAD_OPCODE,
		WIRE_TRUNCATED,
		WIRE_TRAILING,
		WIRE_BAD_STRING,
		WIRE_NULL_NOT_ALLOWED,
		WIRE_BAD_NEW_ID,
		WIRE_TOO_MANY_FDS,
	};
	const size_t n = sizeof(all) / sizeof(all[0]);
	for (size_t i = 0; i < n; i++) {
		const char *s = wire_status_str(all[i]);
		tap_assert(s != NULL && s[0] != '\0');
		for (size_t j = 0; j < i; j++) {
			tap_assert(strcmp(s, wire_status_str(all[j])) != 0);
		}
	}
	tap_assert(wire_status_str((enum wire_status)1000) != NULL);
}

/* One test a line. */
/* clang-format off */
TAP_TESTS(
	TAP_CASE(header_good),
	TAP_CASE(header_unaligned_buffer),
	TAP_CASE(header_incomplete),
	TAP_CASE(header_too_small),
	TAP_CASE(header_too_big),
	TAP_CASE(header_unaligned_size),
	TAP_CASE(args_int_uint_fixed),
	TAP_CASE(args_unaligned_body),
	TAP_CASE(args_object),
	TAP_CASE(args_new_id),
	TAP_CASE(args_fd),
	TAP_CASE(string_good),
	TAP_CASE(string_null),
	TAP_CASE(string_without_nul),
	TAP_CASE(string_with_nul_inside),
	TAP_CASE(string_past_the_end),
	TAP_CASE(string_length_near_uint32_max),
	TAP_CASE(string_max_length),
	TAP_CASE(array_empty),
	TAP_CASE(array_padded),
	TAP_CASE(array_overflowing),
	TAP_CASE(header_size_at_the_limits),
	TAP_CASE(string_filling_the_largest_message),
	TAP_CASE(array_at_the_end_of_the_message),
	TAP_CASE(fds_at_the_limit),
	TAP_CASE(trailing_bytes),
	TAP_CASE(registry_bind_untyped_new_id),
	TAP_CASE(surface_attach_message),
	TAP_CASE(tables_exported),
	TAP_CASE(tables_sorted_and_lookup),
	TAP_CASE(tables_lookup_unknown),
	TAP_CASE(tables_consistent),
	TAP_CASE(tables_every_message_parses),
	TAP_CASE(known_surface_attach),
	TAP_CASE(known_shm_create_pool),
	TAP_CASE(known_keyboard_keymap),
	TAP_CASE(known_destructors),
	TAP_CASE(known_destructor_events),
	TAP_CASE(known_events_with_new_id),
	TAP_CASE(known_since_and_versions),
	TAP_CASE(status_strings),
)
/* clang-format on */
