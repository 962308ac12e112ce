/* SPDX-License-Identifier: MIT */
#ifndef STRATA_BANNER_H
#define STRATA_BANNER_H

#include <stdbool.h>

struct strata_server;

/*
 * The banner: the trusted area along the top of every output. It draws
 * itself again when the focused level changes (the seat's focus signal),
 * when what it shows changes (server events.status_changed: levels up or
 * down, sound, notices) and when outputs change.
 */
struct strata_banner *banner_create(struct strata_server *server);
void banner_destroy(struct strata_banner *banner);

#endif
