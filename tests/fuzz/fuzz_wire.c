// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for cage-proxy's wire parser.
 *
 * Input: byte 0 picks the interface (index mod wire_interface_count), byte 1
 * the direction (bit 0: 0 request, 1 event), the string cap (bit 1: 4096 or
 * a small 8, to reach the "too long" path) and the opcode (bits 2-7, mod the
 * message count). The rest is one message, header included, read with
 * wire_read_header and checked with wire_parse_args. Beyond not crashing
 * (ASan and UBSan watch every byte), whatever the parser accepts must hold
 * what it promises: strings and arrays inside the body, strings
 * NUL-terminated exactly at length - 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "protocol.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_wire_check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool
fuzz_wire_inside(const void *p, size_t len, const uint8_t *body, size_t body_len)
{
	const uint8_t *b = p;
	return b >= body && len <= body_len && (size_t)(b - body) <= body_len - len;
}

static void
fuzz_wire_check_values(const struct wire_message *msg, const struct wire_value *values,
		const uint8_t *body, size_t body_len, uint32_t max_string)
{
	for (uint8_t i = 0; i < msg->arg_count; i++) {
		const struct wire_arg *arg = &msg->args[i];
		const struct wire_value *v = &values[i];
		switch (arg->type) {
		case WIRE_ARG_STRING:
			if (v->string == NULL) {
				fuzz_wire_check(arg->nullable && v->length == 0);
				break;
			}
			fuzz_wire_check(v->length >= 1 && v->length - 1 <= max_string);
			fuzz_wire_check(fuzz_wire_inside(v->string, v->length, body, body_len));
			fuzz_wire_check(strlen(v->string) == v->length - 1);
			break;
		case WIRE_ARG_ARRAY:
			if (v->length > 0) {
				fuzz_wire_check(fuzz_wire_inside(v->array, v->length, body,
						body_len));
			}
			break;
		case WIRE_ARG_OBJECT:
			fuzz_wire_check(v->u != 0 || arg->nullable);
			break;
		case WIRE_ARG_NEW_ID:
			fuzz_wire_check(v->u != 0);
			break;
		default:
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || wire_interface_count == 0) {
		return 0;
	}
	const struct wire_interface *iface = wire_interfaces[data[0] % wire_interface_count];
	bool event = data[1] & 1;
	uint32_t max_string = data[1] & 2 ? 8 : 4096;
	uint16_t count = event ? iface->event_count : iface->request_count;
	const struct wire_message *messages = event ? iface->events : iface->requests;
	if (count == 0) {
		return 0;
	}
	const struct wire_message *msg = &messages[(data[1] >> 2) % count];
	data += 2;
	size -= 2;

	struct wire_header header;
	enum wire_status status = wire_read_header(data, size, &header);
	fuzz_wire_check(wire_status_str(status) != NULL);
	if (status != WIRE_OK) {
		return 0;
	}
	fuzz_wire_check(header.size >= WIRE_HEADER_SIZE && header.size <= WIRE_MESSAGE_MAX &&
			header.size % 4 == 0 && header.size <= size);

	/* A copy of exactly the message, so ASan sees any read past its end. */
	size_t body_len = header.size - WIRE_HEADER_SIZE;
	uint8_t *body = malloc(body_len > 0 ? body_len : 1);
	fuzz_wire_check(body != NULL);
	memcpy(body, data + WIRE_HEADER_SIZE, body_len);

	struct wire_value values[WIRE_MAX_ARGS];
	status = wire_parse_args(msg, body, body_len, values, max_string);
	fuzz_wire_check(wire_status_str(status) != NULL);
	if (status == WIRE_OK) {
		fuzz_wire_check_values(msg, values, body, body_len, max_string);
	}
	free(body);
	return 0;
}
