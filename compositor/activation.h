/* SPDX-License-Identifier: MIT */
#ifndef STRATA_ACTIVATION_H
#define STRATA_ACTIVATION_H

#include <stdbool.h>
#include "server.h"

/* xdg-activation: focus moves only within the focused level (policy.c,
 * activation_decide); otherwise the target is marked urgent. wlroots frees
 * it with the display. */
bool activation_init(struct strata_server *server);

#endif
