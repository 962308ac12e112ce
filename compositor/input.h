/* SPDX-License-Identifier: MIT */
#ifndef STRATA_INPUT_H
#define STRATA_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include "server.h"

struct strata_keyboard {
	struct wl_list link; /* strata_server.keyboards */
	struct strata_server *server;
	struct wlr_input_device *device;
	/* Keys whose press a client received: only their release goes out too. */
	uint32_t forwarded[32];
	size_t forwarded_count;
	struct wl_listener modifiers;
	struct wl_listener key;
	struct wl_listener destroy;
};

bool input_init(struct strata_server *server);
void input_finish(struct strata_server *server);

/* Injection through the headless virtual devices, exactly as real input. */
bool input_inject_key(struct strata_server *server, uint32_t evdev_keycode, bool pressed);
bool input_inject_motion(struct strata_server *server, double lx, double ly);
bool input_inject_button(struct strata_server *server, uint32_t button, bool pressed);

#endif
