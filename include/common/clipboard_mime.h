/* SPDX-License-Identifier: MIT */
#ifndef COMMON_CLIPBOARD_MIME_H
#define COMMON_CLIPBOARD_MIME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The MIME types that may cross levels, one list for the compositor (which
 * type it asks a source for, which types the pasted snapshot offers) and the
 * clipboard guard (which types it accepts). Types are compared without
 * regard to case: MIME types and charset names are case-insensitive.
 */

/* The text types, best first: what the compositor asks a source for. */
#define CLIPBOARD_MIME_TEXT_COUNT 5
extern const char *const clipboard_mime_text_types[CLIPBOARD_MIME_TEXT_COUNT];

/* The one image type, re-encoded by the guard, when images may cross. */
#define CLIPBOARD_MIME_PNG "image/png"

/* The rank of mime among clipboard_mime_text_types (0: the best), or -1
 * when it is not a text type that may cross. */
int clipboard_mime_text_rank(const char *mime);

/* True for CLIPBOARD_MIME_PNG. */
bool clipboard_mime_is_png(const char *mime);

/*
 * The type to ask a source for among the count types it offers: the index
 * in offered of the best-ranked text type, else of image/png when allow_png,
 * else -1 (nothing may cross). NULL entries are skipped.
 */
int clipboard_mime_pick(const char *const *offered, size_t count, bool allow_png);

#endif
