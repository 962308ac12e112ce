/* SPDX-License-Identifier: MIT */
#ifndef COMMON_SANITIZE_H
#define COMMON_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest title the compositor ever draws, in bytes (after sanitising). */
#define STRATA_TITLE_MAX 256

/*
 * Turns text that a client chose (a window title, an app_id) into text the
 * compositor may draw next to its own level label:
 *  - invalid UTF-8 sequences (overlong, surrogates, > U+10FFFF, truncated)
 *    become U+FFFD;
 *  - C0 and C1 controls, DEL, and every bidi control (U+061C, U+200E/F,
 *    U+202A..U+202E, U+2066..U+2069) and other invisible format characters
 *    (U+200B..U+200D, U+2060..U+2064, U+FEFF, U+FFF9..U+FFFB) are removed;
 *  - runs of white space collapse to one space, leading and trailing space
 *    is trimmed;
 *  - the result is cut at a character boundary so that it fits in out_size
 *    bytes including the NUL, and ellipsised ("…") when cut.
 * Always NUL-terminates out (out_size >= 4). Returns true when the input was
 * changed by anything but trimming.
 */
bool sanitize_title(const char *in, size_t in_len, char *out, size_t out_size);

/* True when s is valid UTF-8 in full (no NUL inside len). */
bool sanitize_is_valid_utf8(const char *s, size_t len);

#endif
