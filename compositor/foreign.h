/* SPDX-License-Identifier: MIT */
#ifndef STRATA_FOREIGN_H
#define STRATA_FOREIGN_H

#include <stdbool.h>
#include "server.h"

/* xdg-foreign v2: a registry and an exporter/importer pair per level, each
 * pair shown to its level only; a handle never crosses levels. */
bool foreign_init(struct strata_server *server);
void foreign_finish(struct strata_server *server);

#endif
