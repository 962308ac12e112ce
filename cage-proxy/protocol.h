/* SPDX-License-Identifier: MIT */
#ifndef CAGE_PROXY_PROTOCOL_H
#define CAGE_PROXY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The schema the proxy checks every message against. The tables are
 * generated at build time from the protocol XML (protocols/gen-proxy-tables.py
 * -> proxy-tables.c); never edit them by hand.
 */

enum wire_arg_type {
	WIRE_ARG_INT = 'i',
	WIRE_ARG_UINT = 'u',
	WIRE_ARG_FIXED = 'f',
	WIRE_ARG_STRING = 's',
	WIRE_ARG_OBJECT = 'o',
	WIRE_ARG_NEW_ID = 'n',
	WIRE_ARG_ARRAY = 'a',
	WIRE_ARG_FD = 'h',
};

struct wire_interface;

struct wire_arg {
	char type; /* enum wire_arg_type */
	bool nullable; /* object and string: 0 / empty allowed */
	/* object: the interface the object must have (NULL: any).
	 * new_id: the interface of the new object; NULL for an untyped new_id,
	 * which the XML's <arg type="new_id"> without interface expands to three
	 * wire arguments: string (interface name), uint (version), new_id. */
	const struct wire_interface *interface;
};

struct wire_message {
	const char *name;
	uint32_t since; /* first interface version with this message */
	bool destructor; /* type="destructor" in the XML */
	uint8_t arg_count; /* wire arguments, after untyped new_id expansion */
	uint8_t fd_count;
	int8_t new_id_arg; /* index of the new_id argument, or -1 */
	const struct wire_arg *args;
};

struct wire_interface {
	const char *name;
	uint32_t version; /* highest version in the XML we were built from */
	uint16_t request_count, event_count;
	const struct wire_message *requests;
	const struct wire_message *events;
};

/* Every interface of every protocol the proxy knows, sorted by name. */
extern const struct wire_interface *const wire_interfaces[];
extern const size_t wire_interface_count;

/* Binary search; NULL when unknown. */
const struct wire_interface *wire_interface_lookup(const char *name);

/* wl_display, wl_registry, wl_callback: the bootstrap the proxy itself uses. */
extern const struct wire_interface wire_iface_wl_display;
extern const struct wire_interface wire_iface_wl_registry;
extern const struct wire_interface wire_iface_wl_callback;

#endif
