#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate cage-proxy's wire schema (proxy-tables.c) from Wayland protocol XML.

    gen-proxy-tables.py --output OUT.c XML...

The output implements cage-proxy/protocol.h: one `struct wire_interface` per
interface of every given XML, the sorted `wire_interfaces[]` and
`wire_interface_lookup()`. The proxy parses every message against these
tables, so anything the tables cannot express exactly is an error here rather
than a guess there (fail closed). Standard library only.
"""

import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

# Must match cage-proxy/protocol.h and cage-proxy/wire.h.
ARG_KINDS = {
	'int': 'i',
	'uint': 'u',
	'fixed': 'f',
	'string': 's',
	'object': 'o',
	'new_id': 'n',
	'array': 'a',
	'fd': 'h',
}
NULLABLE_KINDS = ('s', 'o')
WIRE_MAX_ARGS = 20  # libwayland's WL_CLOSURE_MAX_ARGS
WIRE_MAX_FDS_PER_MESSAGE = 28  # libwayland's MAX_FDS_OUT
# Declared extern in protocol.h: the output does not link without them.
EXPORTED = ('wl_callback', 'wl_display', 'wl_registry')

IDENTIFIER = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


class GenError(Exception):
	pass


class Arg:
	def __init__(self, kind, nullable, interface):
		self.kind = kind
		self.nullable = nullable
		self.interface = interface  # name, or None


class Message:
	def __init__(self, name, since, destructor, args, new_id_arg, where):
		self.name = name
		self.since = since
		self.destructor = destructor
		self.args = args
		self.new_id_arg = new_id_arg
		self.where = where  # for messages: "file: iface.request"

	@property
	def fd_count(self):
		return sum(1 for a in self.args if a.kind == 'h')


class Interface:
	def __init__(self, name, version, requests, events, source):
		self.name = name
		self.version = version
		self.requests = requests
		self.events = events
		self.source = source


def gen_proxy_tables_positive_int(text, what):
	if text is None or not re.fullmatch(r'[0-9]+', text.strip()) or int(text) < 1:
		raise GenError('%s: expected a positive integer, got %r' % (what, text))
	value = int(text)
	if value > 0xffffffff:
		raise GenError('%s: %d does not fit in 32 bits' % (what, value))
	return value


def gen_proxy_tables_identifier(text, what):
	if text is None or not IDENTIFIER.match(text):
		raise GenError('%s: %r is not a C identifier' % (what, text))
	return text


def gen_proxy_tables_parse_args(elem, where):
	args = []
	new_id_arg = -1
	for index, a in enumerate(elem.findall('arg')):
		arg_where = '%s arg %d (%s)' % (where, index, a.get('name'))
		kind = ARG_KINDS.get(a.get('type'))
		if kind is None:
			raise GenError('%s: unknown type %r' % (arg_where, a.get('type')))
		allow_null = a.get('allow-null', 'false')
		if allow_null not in ('true', 'false'):
			raise GenError('%s: allow-null=%r' % (arg_where, allow_null))
		nullable = allow_null == 'true'
		if nullable and kind == 'a':
			# A null array is an empty one on the wire: nothing to check.
			nullable = False
		elif nullable and kind not in NULLABLE_KINDS:
			raise GenError('%s: allow-null is only supported on objects and strings'
				% arg_where)
		interface = a.get('interface')
		if interface is not None:
			gen_proxy_tables_identifier(interface, arg_where)
			if kind not in ('o', 'n'):
				interface = None
		if kind == 'n':
			if new_id_arg != -1:
				raise GenError('%s: more than one new_id in one message' % arg_where)
			if interface is None:
				# Untyped new_id (wl_registry.bind): interface name, version, id.
				args.append(Arg('s', False, None))
				args.append(Arg('u', False, None))
			new_id_arg = len(args)
		args.append(Arg(kind, nullable, interface))
	if len(args) > WIRE_MAX_ARGS:
		raise GenError('%s: %d wire arguments, libwayland allows %d'
			% (where, len(args), WIRE_MAX_ARGS))
	fds = sum(1 for arg in args if arg.kind == 'h')
	if fds > WIRE_MAX_FDS_PER_MESSAGE:
		raise GenError('%s: %d fds in one message' % (where, fds))
	return args, new_id_arg


def gen_proxy_tables_parse_messages(iface_elem, tag, iface_name, version, source):
	messages = []
	names = set()
	for elem in iface_elem.findall(tag):
		where = '%s: %s.%s' % (source, iface_name, elem.get('name'))
		name = gen_proxy_tables_identifier(elem.get('name'), '%s: %s %s' % (source, iface_name, tag))
		if name in names:
			raise GenError('%s: duplicate %s' % (where, tag))
		names.add(name)
		since = 1
		if elem.get('since') is not None:
			since = gen_proxy_tables_positive_int(elem.get('since'), where + ' since')
		if since > version:
			raise GenError('%s: since %d is above the interface version %d'
				% (where, since, version))
		mtype = elem.get('type')
		if mtype not in (None, 'destructor'):
			raise GenError('%s: unknown type=%r' % (where, mtype))
		args, new_id_arg = gen_proxy_tables_parse_args(elem, where)
		messages.append(Message(name, since, mtype == 'destructor', args, new_id_arg, where))
	if len(messages) > 0xffff:
		raise GenError('%s: %s: too many %ss' % (source, iface_name, tag))
	return messages


def gen_proxy_tables_parse_file(path):
	source = os.path.basename(path)
	try:
		root = ET.parse(path).getroot()
	except (OSError, ET.ParseError) as e:
		raise GenError('%s: %s' % (path, e))
	if root.tag != 'protocol':
		raise GenError('%s: root element is <%s>, expected <protocol>' % (source, root.tag))
	interfaces = []
	for elem in root.findall('interface'):
		name = gen_proxy_tables_identifier(elem.get('name'), source + ': interface name')
		version = gen_proxy_tables_positive_int(elem.get('version'),
			'%s: %s version' % (source, name))
		requests = gen_proxy_tables_parse_messages(elem, 'request', name, version, source)
		events = gen_proxy_tables_parse_messages(elem, 'event', name, version, source)
		interfaces.append(Interface(name, version, requests, events, source))
	return interfaces


def gen_proxy_tables_resolve(interfaces):
	"""Checks every interface reference; returns the number of warnings."""
	warnings = 0
	for iface in interfaces.values():
		for message in iface.requests + iface.events:
			for arg in message.args:
				if arg.interface is None or arg.interface in interfaces:
					continue
				if arg.kind == 'n':
					raise GenError('%s: new_id of interface %s, which no input defines'
						% (message.where, arg.interface))
				print('gen-proxy-tables.py: warning: %s: object of interface %s, which '
					'no input defines: any interface accepted' % (message.where, arg.interface),
					file=sys.stderr)
				arg.interface = None
				warnings += 1
	return warnings


def gen_proxy_tables_c_bool(value):
	return 'true' if value else 'false'


def gen_proxy_tables_iface_ref(name):
	return '&wire_iface_%s' % name if name is not None else 'NULL'


def gen_proxy_tables_emit_messages(out, iface, direction, messages):
	"""Writes the argument arrays and the message array; returns its C name."""
	if not messages:
		return None
	# Named by opcode, not message name: "<iface>_<direction>_<opcode>" parses
	# back uniquely from the right, so two interfaces can never collide.
	for opcode, message in enumerate(messages):
		if not message.args:
			continue
		out.append('/* %s.%s */' % (iface.name, message.name))
		out.append('static const struct wire_arg wire_args_%s_%s_%d[] = {'
			% (iface.name, direction, opcode))
		for arg in message.args:
			out.append("\t{ .type = '%s', .nullable = %s, .interface = %s },"
				% (arg.kind, gen_proxy_tables_c_bool(arg.nullable),
					gen_proxy_tables_iface_ref(arg.interface)))
		out.append('};')
		out.append('')
	array = 'wire_%ss_%s' % (direction, iface.name)
	out.append('static const struct wire_message %s[] = {' % array)
	for opcode, message in enumerate(messages):
		args = 'NULL'
		if message.args:
			args = 'wire_args_%s_%s_%d' % (iface.name, direction, opcode)
		out.append('\t{')
		out.append('\t\t.name = "%s",' % message.name)
		out.append('\t\t.since = %d,' % message.since)
		out.append('\t\t.destructor = %s,' % gen_proxy_tables_c_bool(message.destructor))
		out.append('\t\t.arg_count = %d,' % len(message.args))
		out.append('\t\t.fd_count = %d,' % message.fd_count)
		out.append('\t\t.new_id_arg = %d,' % message.new_id_arg)
		out.append('\t\t.args = %s,' % args)
		out.append('\t},')
	out.append('};')
	out.append('')
	return array


def gen_proxy_tables_emit(interfaces, sources):
	names = sorted(interfaces)
	out = []
	out.append('/*')
	out.append(' * Generated by gen-proxy-tables.py from:')
	for source in sources:
		out.append(' *   %s' % source)
	out.append(' * Do not edit: change the XML or the generator.')
	out.append(' */')
	out.append('#include <stddef.h>')
	out.append('#include <string.h>')
	out.append('#include "protocol.h"')
	out.append('')
	# Forward declarations: arguments point at interfaces defined further down.
	for name in names:
		if name not in EXPORTED:
			out.append('static const struct wire_interface wire_iface_%s;' % name)
	out.append('')
	for name in names:
		iface = interfaces[name]
		out.append('/* %s, version %d (%s) */' % (name, iface.version, iface.source))
		out.append('')
		requests = gen_proxy_tables_emit_messages(out, iface, 'request', iface.requests)
		events = gen_proxy_tables_emit_messages(out, iface, 'event', iface.events)
		storage = '' if name in EXPORTED else 'static '
		out.append('%sconst struct wire_interface wire_iface_%s = {' % (storage, name))
		out.append('\t.name = "%s",' % name)
		out.append('\t.version = %d,' % iface.version)
		out.append('\t.request_count = %d,' % len(iface.requests))
		out.append('\t.event_count = %d,' % len(iface.events))
		out.append('\t.requests = %s,' % (requests or 'NULL'))
		out.append('\t.events = %s,' % (events or 'NULL'))
		out.append('};')
		out.append('')
	out.append('const struct wire_interface *const wire_interfaces[] = {')
	for name in names:
		out.append('\t&wire_iface_%s,' % name)
	out.append('};')
	out.append('')
	out.append('const size_t wire_interface_count = %d;' % len(names))
	out.append('')
	out.append('const struct wire_interface *')
	out.append('wire_interface_lookup(const char *name)')
	out.append('{')
	out.append('\tsize_t low = 0, high = %d;' % len(names))
	out.append('\twhile (low < high) {')
	out.append('\t\tsize_t mid = low + (high - low) / 2;')
	out.append('\t\tint cmp = strcmp(name, wire_interfaces[mid]->name);')
	out.append('\t\tif (cmp == 0) {')
	out.append('\t\t\treturn wire_interfaces[mid];')
	out.append('\t\t} else if (cmp < 0) {')
	out.append('\t\t\thigh = mid;')
	out.append('\t\t} else {')
	out.append('\t\t\tlow = mid + 1;')
	out.append('\t\t}')
	out.append('\t}')
	out.append('\treturn NULL;')
	out.append('}')
	return '\n'.join(out) + '\n'


def gen_proxy_tables_main(argv):
	parser = argparse.ArgumentParser(
		description='Generate cage-proxy wire tables (proxy-tables.c) from protocol XML.')
	parser.add_argument('--output', required=True, help='the C file to write')
	parser.add_argument('xml', nargs='+', help='Wayland protocol XML files')
	opts = parser.parse_args(argv)

	try:
		interfaces = {}
		for path in opts.xml:
			for iface in gen_proxy_tables_parse_file(path):
				if iface.name in interfaces:
					raise GenError('%s: interface %s already defined by %s'
						% (iface.source, iface.name, interfaces[iface.name].source))
				interfaces[iface.name] = iface
		for name in EXPORTED:
			if name not in interfaces:
				raise GenError('interface %s missing: protocol.h exports it (pass wayland.xml)'
					% name)
		gen_proxy_tables_resolve(interfaces)
		text = gen_proxy_tables_emit(interfaces, [os.path.basename(p) for p in opts.xml])
	except GenError as e:
		print('gen-proxy-tables.py: error: %s' % e, file=sys.stderr)
		return 1

	# Write a temporary file and rename it, so a failed run leaves no half file.
	tmp = opts.output + '.tmp'
	try:
		with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
			f.write(text)
		os.replace(tmp, opts.output)
	except OSError as e:
		print('gen-proxy-tables.py: error: %s: %s' % (opts.output, e), file=sys.stderr)
		return 1
	return 0


if __name__ == '__main__':
	sys.exit(gen_proxy_tables_main(sys.argv[1:]))
