/* SPDX-License-Identifier: MIT */
#ifndef STRATA_CHOOSER_H
#define STRATA_CHOOSER_H

#include "server.h"

/*
 * The level chooser: Logo+Return with no window focused asks, in a dialog
 * strata draws above every window, in which level the terminal opens. It
 * lists the levels, each with its colour and a digit; only the real
 * keyboard answers (a digit; Escape, a click, the lock or the X-ray
 * cancel), and while it is up no client hears any input and a window that
 * maps does not take focus (it is the seat's modal owner). Nothing a client
 * can send opens it or answers it. Digits typed in its first 300 ms were
 * typed ahead (meant for a window that just went) and choose nothing; a
 * level that is down is shown so and cannot be chosen. With one level
 * there is nothing to choose: the terminal opens there.
 */
struct strata_chooser;

struct strata_chooser *chooser_create(struct strata_server *server); /* NULL: out of memory */
void chooser_destroy(struct strata_chooser *chooser); /* NULL-safe */

/* Opens it (when no other modal owner has the seat). */
void chooser_open(struct strata_chooser *chooser);

#endif
