/* SPDX-License-Identifier: MIT */
#ifndef STRATA_TRANSFER_H
#define STRATA_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xkbcommon/xkbcommon.h>
#include "server.h"

/*
 * Cross-level clipboard transfer, only ever by the user's explicit gesture:
 *   Logo+V in a window of the destination level
 *   -> (when several other levels hold a selection) choose the source
 *   -> the direction's policy (deny: refused, logged)
 *   -> read a snapshot of the source's selection (size cap, timeout)
 *   -> strata-clipboard-guard sanitises it and returns a preview and hash
 *   -> the compositor draws the confirmation dialog (source, destination,
 *      type, size, preview); only the real keyboard or pointer answers it
 *   -> Return: exactly the previewed bytes become the destination level's
 *      selection; Escape, a click, a focus change or the timeout: cancelled.
 * Every outcome is logged by the guard and told in the banner. The
 * compositor never parses the content itself; with the guard down, nothing
 * crosses.
 */

enum transfer_state {
	TRANSFER_IDLE,
	TRANSFER_CHOOSING,
	TRANSFER_READING,
	TRANSFER_SANITISING,
	TRANSFER_CONFIRMING,
};

bool transfer_init(struct strata_server *server, const char *data_dir);
void transfer_finish(struct strata_server *server);

/* Logo+V. While a request is open, the dialog is the seat's modal owner. */
void transfer_begin(struct strata_server *server);
enum transfer_state transfer_state(struct strata_server *server);
/* For the test-control: a one-line description of the dialog ("" if none). */
void transfer_describe(struct strata_server *server, char *out, size_t size);

#endif
