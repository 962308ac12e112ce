/* SPDX-License-Identifier: MIT */
#ifndef STRATA_GESTURES_H
#define STRATA_GESTURES_H

#include <stdbool.h>
#include "server.h"

/* zwp_pointer_gestures_v1: a touchpad's swipes, pinches and holds go, like
 * pointer events, to the surface that has pointer focus, and to nobody
 * while a modal owner (lock, X-ray, dialog) has the seat. */
bool gestures_init(struct strata_server *server);
void gestures_finish(struct strata_server *server);

#endif
