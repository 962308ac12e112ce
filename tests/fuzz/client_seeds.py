#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the hand-made seeds of the client fuzz target (fuzz_client.c).

    client_seeds.py DIR

Each seed is what a small client does, in the target's input format: the
prologue binds the level globals as ids 3 to 23 (the order of
fuzz_client_globals[]), then requests encoded by their signature. Run
FUZZ_CLIENT_DEBUG=1 build/tests/fuzz/replay-client DIR to see the binds and
any protocol error a seed runs into. Standard library only.
"""

import os
import struct
import sys

# The ids the prologue gives the globals.
COMPOSITOR, SUBCOMPOSITOR, SHM, SEAT, OUTPUT, WM_BASE, DATA_DEVICE_MANAGER = 3, 4, 5, 6, 7, 8, 9
PRIMARY, VIEWPORTER, PRESENTATION, DECORATION, KDE_DECORATION, ACTIVATION = 10, 11, 12, 13, 14, 15
IDLE_INHIBIT, CONSTRAINTS, GESTURES, RELATIVE, TEXT_INPUT, EXPORTER, IMPORTER = (
	16, 17, 18, 19, 20, 21, 22)
XDG_OUTPUT = 23

CONFIGURE_SERIAL = 0xFFFFFFF0
INPUT_SERIAL = 0xFFFFFFF1


class Seed:
	def __init__(self, flags=0):
		self.out = bytearray([flags])
		self.next_id = 24

	def request(self, obj, opcode, *args):
		"""args: ('i', v) ('u', v) ('o', id) ('n',) ('s', text) ('a', bytes) ('h', size)"""
		self.out += bytes([0, obj, opcode])
		new = None
		for arg in args:
			kind = arg[0]
			if kind in 'iuf':
				self.out += struct.pack('<I', arg[1] & 0xFFFFFFFF)
			elif kind == 'o':
				self.out.append(arg[1])
			elif kind == 'n':
				new = self.next_id
				self.next_id += 1
			elif kind == 's':
				text = arg[1].encode() if arg[1] is not None else b''
				self.out.append(len(text))
				self.out += text
			elif kind == 'a':
				self.out.append(len(arg[1]))
				self.out += arg[1]
			elif kind == 'h':
				self.out.append(arg[1] // 256)
		return new

	def frame(self):
		self.out.append(2)

	def motion(self, x, y):
		self.out += bytes([3, x // 8, y // 8])

	def button(self, down):
		self.out += bytes([4, 1 if down else 0])

	def key(self, index, down=True):
		self.out += bytes([5, index | (0 if down else 0x80)])

	def truncate(self, size):
		self.out += bytes([6, size // 256])

	def raw(self, data):
		self.out += bytes([1, len(data)]) + data


def toplevel(seed, width=64, height=64, title='seed', before_map=None):
	"""A mapped xdg toplevel with an shm buffer: (surface, xdg_surface,
	toplevel, pool, buffer). before_map(surface, toplevel) runs before the
	first commit."""
	surface = seed.request(COMPOSITOR, 0, ('n',))
	xdg_surface = seed.request(WM_BASE, 2, ('n',), ('o', surface))
	top = seed.request(xdg_surface, 1, ('n',))
	if before_map:
		before_map(surface, top)
	seed.request(top, 2, ('s', title))
	seed.request(top, 3, ('s', 'org.strata.seed'))
	seed.request(surface, 6)
	seed.request(xdg_surface, 4, ('u', CONFIGURE_SERIAL))
	size = width * height * 4
	pool = seed.request(SHM, 0, ('n',), ('h', size), ('i', size))
	buffer = seed.request(pool, 0, ('n',), ('i', 0), ('i', width), ('i', height),
			('i', width * 4), ('u', 0))
	seed.request(surface, 1, ('o', buffer), ('i', 0), ('i', 0))
	seed.request(surface, 9, ('i', 0), ('i', 0), ('i', width), ('i', height))
	seed.request(surface, 3, ('n',))
	seed.request(surface, 6)
	seed.frame()
	return surface, xdg_surface, top, pool, buffer


def seeds():
	out = {}

	s = Seed()
	surface, xdg_surface, top, pool, buffer = toplevel(s)
	s.truncate(0)
	s.request(surface, 9, ('i', 0), ('i', 0), ('i', 64), ('i', 64))
	s.request(surface, 6)
	s.frame()
	out['seed-shm-truncated'] = s

	s = Seed()
	pointer = s.request(SEAT, 0, ('n',))
	keyboard = s.request(SEAT, 1, ('n',))
	surface, xdg_surface, top, pool, buffer = toplevel(s, 128, 96)
	s.motion(120, 120)
	s.button(True)
	s.button(False)
	s.key(7)
	s.key(7, False)
	cursor = s.request(COMPOSITOR, 0, ('n',))
	s.request(pointer, 0, ('u', INPUT_SERIAL), ('o', cursor), ('i', 0), ('i', 0))
	s.request(cursor, 1, ('o', buffer), ('i', 0), ('i', 0))
	s.request(cursor, 6)
	s.request(top, 5, ('o', SEAT), ('u', INPUT_SERIAL))
	s.request(top, 6, ('o', SEAT), ('u', INPUT_SERIAL), ('u', 8))
	s.request(top, 9)
	s.request(top, 11, ('o', 0))
	s.request(top, 13)
	s.frame()
	s.request(keyboard, 0)
	out['seed-seat-toplevel'] = s

	s = Seed()
	surface, xdg_surface, top, pool, buffer = toplevel(s)
	positioner = s.request(WM_BASE, 1, ('n',))
	s.request(positioner, 1, ('i', 20), ('i', 20))
	s.request(positioner, 2, ('i', 0), ('i', 0), ('i', 10), ('i', 10))
	s.request(positioner, 3, ('u', 3))
	psurface = s.request(COMPOSITOR, 0, ('n',))
	pxdg = s.request(WM_BASE, 2, ('n',), ('o', psurface))
	popup = s.request(pxdg, 2, ('n',), ('o', xdg_surface), ('o', positioner))
	s.request(popup, 1, ('o', SEAT), ('u', INPUT_SERIAL))
	s.request(psurface, 6)
	s.request(pxdg, 4, ('u', CONFIGURE_SERIAL))
	s.request(psurface, 1, ('o', buffer), ('i', 0), ('i', 0))
	s.request(psurface, 6)
	s.frame()
	s.request(popup, 0)
	out['seed-popup'] = s

	s = Seed()
	surface, xdg_surface, top, pool, buffer = toplevel(s)
	child = s.request(COMPOSITOR, 0, ('n',))
	sub = s.request(SUBCOMPOSITOR, 1, ('n',), ('o', child), ('o', surface))
	s.request(sub, 1, ('i', 10), ('i', 10))
	s.request(sub, 5)
	s.request(child, 1, ('o', buffer), ('i', 0), ('i', 0))
	s.request(child, 6)
	s.request(surface, 6)
	viewport = s.request(VIEWPORTER, 1, ('n',), ('o', child))
	s.request(viewport, 2, ('i', 32), ('i', 32))
	s.request(child, 6)
	s.request(PRESENTATION, 1, ('o', surface), ('n',))
	s.request(surface, 6)
	s.frame()
	s.request(sub, 0)
	out['seed-subsurface-viewport'] = s

	s = Seed()
	pointer = s.request(SEAT, 0, ('n',))
	keyboard = s.request(SEAT, 1, ('n',))
	device = s.request(DATA_DEVICE_MANAGER, 1, ('n',), ('o', SEAT))
	source = s.request(DATA_DEVICE_MANAGER, 0, ('n',))
	s.request(source, 0, ('s', 'text/plain;charset=utf-8'))
	surface, xdg_surface, top, pool, buffer = toplevel(s)
	s.motion(100, 100)
	s.button(True)
	s.request(device, 1, ('o', source), ('u', INPUT_SERIAL))
	s.request(device, 0, ('o', 0), ('o', surface), ('o', 0), ('u', INPUT_SERIAL))
	s.button(False)
	psource = s.request(PRIMARY, 0, ('n',))
	s.request(psource, 0, ('s', 'text/plain'))
	pdevice = s.request(PRIMARY, 1, ('n',), ('o', SEAT))
	s.request(pdevice, 0, ('o', psource), ('u', INPUT_SERIAL))
	out['seed-selection'] = s

	s = Seed()

	def decorate(surface, top):
		deco = s.request(DECORATION, 1, ('n',), ('o', top))
		s.request(deco, 1, ('u', 1))
		kde = s.request(KDE_DECORATION, 0, ('n',), ('o', surface))
		s.request(kde, 1, ('u', 2))

	surface, xdg_surface, top, pool, buffer = toplevel(s, before_map=decorate)
	s.request(IDLE_INHIBIT, 1, ('n',), ('o', surface))
	token = s.request(ACTIVATION, 1, ('n',))
	s.request(token, 1, ('s', 'org.strata.seed'))
	s.request(token, 2, ('o', surface))
	s.request(token, 3)
	s.request(token, 4)
	s.request(ACTIVATION, 2, ('s', 'no-such-token'), ('o', surface))
	exported = s.request(EXPORTER, 1, ('n',), ('o', surface))
	s.request(IMPORTER, 1, ('n',), ('s', 'no-such-handle'))
	s.request(surface, 6)
	s.frame()
	s.request(exported, 0)
	out['seed-decoration-activation-foreign'] = s

	s = Seed()
	pointer = s.request(SEAT, 0, ('n',))
	surface, xdg_surface, top, pool, buffer = toplevel(s)
	s.motion(100, 100)
	region = s.request(COMPOSITOR, 1, ('n',))
	s.request(region, 1, ('i', 0), ('i', 0), ('i', 32), ('i', 32))
	s.request(CONSTRAINTS, 1, ('n',), ('o', surface), ('o', pointer), ('o', region), ('u', 2))
	s.request(RELATIVE, 1, ('n',), ('o', pointer))
	s.request(GESTURES, 0, ('n',), ('o', pointer))
	s.request(GESTURES, 1, ('n',), ('o', pointer))
	text = s.request(TEXT_INPUT, 1, ('n',), ('o', SEAT))
	s.request(text, 1)
	s.request(text, 5, ('u', 0), ('u', 1))
	s.request(text, 7)
	s.request(XDG_OUTPUT, 1, ('n',), ('o', OUTPUT))
	s.motion(200, 150)
	s.frame()
	out['seed-constraints-text-input'] = s

	# What the fuzzer found, written again by hand (regressions).

	# A selection offering no MIME type: clipboard.c walked the empty
	# array with wl_array_for_each (NULL + 0, undefined behaviour).
	s = Seed()
	keyboard = s.request(SEAT, 1, ('n',))
	device = s.request(DATA_DEVICE_MANAGER, 1, ('n',), ('o', SEAT))
	source = s.request(DATA_DEVICE_MANAGER, 0, ('n',))
	surface, xdg_surface, top, pool, buffer = toplevel(s)
	s.request(device, 1, ('o', source), ('u', INPUT_SERIAL))
	out['crash-selection-without-mime-types'] = s

	# An xdg_toplevel used after its wl_surface was destroyed: wlroots
	# 0.15.1 left it inert (user data NULL) and its set_app_id dereferenced
	# that (SEGV in the compositor).
	s = Seed()
	surface = s.request(COMPOSITOR, 0, ('n',))
	xdg_surface = s.request(WM_BASE, 2, ('n',), ('o', surface))
	top = s.request(xdg_surface, 1, ('n',))
	s.request(surface, 0)
	s.request(top, 3, ('s', 'org.strata.inert'))
	s.request(top, 2, ('s', 'inert'))
	s.request(top, 9)
	s.request(top, 0)
	out['crash-toplevel-after-its-surface'] = s

	# A decoration asked for an inert xdg_toplevel (after 7c3eea7: the
	# assertion in wlr_xdg_surface_from_toplevel_resource; before, the NULL
	# in wlroots' handler), and an inert toplevel made another's parent.
	s = Seed()
	surface = s.request(COMPOSITOR, 0, ('n',))
	xdg_surface = s.request(WM_BASE, 2, ('n',), ('o', surface))
	top = s.request(xdg_surface, 1, ('n',))
	surface, xdg_surface, other, pool, buffer = toplevel(s)
	s.request(24, 0)  # the first wl_surface
	s.request(other, 1, ('o', top))
	s.request(top, 2, ('s', 'inert'))
	s.request(DECORATION, 1, ('n',), ('o', top))
	out['crash-decoration-for-an-inert-toplevel'] = s

	s = Seed(flags=1)
	s.raw(struct.pack('<III', 1, 12 << 16 | 1, 2))
	s.raw(struct.pack('<III', 1, 12 << 16 | 0, 3))
	out['seed-raw-registry'] = s

	return out


def main():
	if len(sys.argv) != 2:
		sys.exit(__doc__)
	for name, seed in seeds().items():
		with open(os.path.join(sys.argv[1], name), 'wb') as f:
			f.write(bytes(seed.out))


if __name__ == '__main__':
	main()
