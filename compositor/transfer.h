/* SPDX-License-Identifier: MIT */
#ifndef STRATA_TRANSFER_H
#define STRATA_TRANSFER_H

#include <stddef.h>
#include "server.h"
#include "transfer_machine.h"

/*
 * Cross-level clipboard transfer, only ever by the user's explicit gesture:
 *   Logo+V in a window of the destination level
 *   -> (when several other levels hold a selection) choose the source
 *   -> the direction's policy (deny: refused, logged)
 *   -> read a snapshot of the source's selection (size cap, timeout)
 *   -> strata-clipboard-guard sanitises it and returns a preview and hash
 *   -> the compositor draws the confirmation dialog (source, destination,
 *      type, size, preview); only the real keyboard answers it
 *   -> Return: exactly the previewed bytes become the destination level's
 *      selection; Escape, a click, a focus change or the timeout: cancelled.
 * Every outcome is logged by the guard and told in the banner. The
 * compositor never parses the content itself; with the guard down, nothing
 * crosses. The decisions are transfer_machine.c's.
 */
struct strata_transfer;

/* The transfer and its guard (guard_program: NULL to find the installed
 * one). NULL on failure. */
struct strata_transfer *transfer_create(struct strata_server *server, const char *data_dir,
		const char *guard_program);
void transfer_destroy(struct strata_transfer *transfer); /* NULL-safe */

/* Logo+V. While a request is open, the dialog is the seat's modal owner. */
void transfer_begin(struct strata_transfer *transfer);
enum transfer_state transfer_state(struct strata_transfer *transfer);
/* For the X-ray: the request under way ("none", or "low → high, reading"),
 * and the last decision of the audit log (what the guard wrote: time,
 * direction, type, size, decision, reason), or this session's last outcome
 * when there is no log to read. Never the content. */
void transfer_describe_for_xray(struct strata_transfer *transfer, char *now, size_t now_size,
		char *last, size_t last_size);
/* For the test-control: a one-line description of the dialog. */
void transfer_describe(struct strata_transfer *transfer, char *out, size_t size);

#endif
