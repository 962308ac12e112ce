/* SPDX-License-Identifier: MIT */
#ifndef STRATA_STARTUP_H
#define STRATA_STARTUP_H

#include <stdbool.h>
#include "server.h"

/*
 * Strata from a loaded configuration to a running compositor, and back:
 * what main() does around wl_display_run, in the same order, so that an
 * in-process harness (tests/wlcs) starts exactly the compositor strata runs.
 *
 *   startup_open   the display, backend, sockets (and the test-control)
 *   startup_start  data dir, clipboard transfer, lock, sleep watch, cages,
 *                  audio, Xwayland, then the backend
 *   startup_close  every child ended, then everything in reverse
 *
 * main() adds its signal handlers between the first two. startup_close is
 * safe after a failure of either (and after neither).
 */
struct strata_startup {
	const char *config_path; /* given with -c; NULL: built-in or system default */
	const char *headless; /* "WxH": headless backend, pixman; NULL: a real seat */
	const char *runtime_dir; /* NULL: a fresh one (levels.c) */
	const char *data_dir; /* NULL: /var/lib/strata as root, else ~/.local/share/strata */
	bool cages; /* proxies, cages, audio, Xwayland */
	bool test_control;
	bool quiet; /* no "strata: ..." lines on stdout (an in-process harness) */
	/* Helpers an in-process harness names, whose executable is not strata
	 * (NULL: found next to strata, or given by the test-control's
	 * environment as before). */
	const char *auth_helper;
	const char *clipboard_guard;
};

bool startup_open(struct strata_server *server, const struct strata_startup *options);
bool startup_start(struct strata_server *server, const struct strata_startup *options);
void startup_close(struct strata_server *server);

#endif
