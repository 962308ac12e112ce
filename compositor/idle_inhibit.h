/* SPDX-License-Identifier: MIT */
#ifndef STRATA_IDLE_INHIBIT_H
#define STRATA_IDLE_INHIBIT_H

#include <stdbool.h>
#include <stddef.h>
#include "server.h"

/* zwp_idle_inhibit_manager_v1: inhibitors are recorded (logged, counted),
 * and nothing else: the idle lock (lock.c) never looks at them. */
bool idle_inhibit_init(struct strata_server *server);
void idle_inhibit_finish(struct strata_server *server);
/* Inhibitors alive now. */
size_t idle_inhibit_count(struct strata_server *server);

#endif
