/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SLEEP_H
#define STRATA_SLEEP_H

#include "server.h"

/*
 * The lock before sleep: on a real seat, strata holds a logind "delay"
 * inhibitor for sleep; when logind announces PrepareForSleep(true), the
 * screen locks and the inhibitor is let go once every output has committed
 * a locked frame, so the machine never wakes up showing a level. It is
 * taken again on resume.
 *
 * Without a system bus (headless, a container) there is nothing to watch:
 * said in the log, and the lock still comes by key and idle time.
 */
struct strata_sleep_watch;

/* bus_address: a D-Bus address to use instead of the system bus (tests);
 * NULL: the system bus, and only when not headless. NULL result: nothing
 * watched (said in the log). */
struct strata_sleep_watch *sleep_watch_create(struct strata_server *server,
		const char *bus_address);
void sleep_watch_destroy(struct strata_sleep_watch *watch); /* NULL-safe */

#endif
