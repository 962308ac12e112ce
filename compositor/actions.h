/* SPDX-License-Identifier: MIT */
#ifndef STRATA_ACTIONS_H
#define STRATA_ACTIONS_H

#include <stdbool.h>

struct strata_server;

/*
 * What the reserved shortcuts do: the seat announces a binding (policy.h's
 * table) and this carries it out, in the focused window's level only.
 */
bool actions_init(struct strata_server *server);
void actions_finish(struct strata_server *server);

#endif
