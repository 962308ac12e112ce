/* SPDX-License-Identifier: MIT */
#ifndef STRATA_XRAY_H
#define STRATA_XRAY_H

#include <stdbool.h>
#include <stddef.h>
#include "server.h"

/*
 * The X-ray: what the secure attention key shows ([lock] sak, Logo+Escape
 * by default), drawn by the compositor above everything a client draws.
 *
 * Every window shown is tinted and outlined in its level's colour, with the
 * level's name in large type over it: a window that imitates another level
 * (its title, its colours, a fake banner inside it) is exposed by the label
 * its real level gets. A panel says what each level holds (its clipboard:
 * type and, when the core holds the bytes, size, never the content; its
 * sound; its cage up or down), who has the microphone, the transfer under
 * way and the last decision of the audit log.
 *
 * While it is up it is the seat's modal owner: keyboard and pointer focus
 * are taken from every client, grabs and drags end, the clipboard dialog is
 * cancelled, and no client hears any input. Escape or the secure attention
 * key closes it and gives the keyboard back to the window the user left; L
 * locks the screen. The SAK does nothing while the screen is locked.
 */
struct strata_xray;

struct strata_xray *xray_create(struct strata_server *server);
void xray_destroy(struct strata_xray *xray); /* NULL-safe */

bool xray_is_open(struct strata_xray *xray); /* NULL-safe: false */
/* For the test-control: "open=1 windows=2". */
void xray_describe(struct strata_xray *xray, char *out, size_t size);

#endif
