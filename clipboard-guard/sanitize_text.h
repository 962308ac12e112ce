/* SPDX-License-Identifier: MIT */
#ifndef CLIPBOARD_GUARD_SANITIZE_TEXT_H
#define CLIPBOARD_GUARD_SANITIZE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The text filter of strata-clipboard-guard: pure functions over buffers, no
 * I/O, no allocation, so that the unit tests and the fuzzer drive exactly
 * what the guard runs.
 */

/* Characters of sanitised text a preview shows before it is cut with "…". */
#define GUARD_TEXT_PREVIEW_CHARS 200

enum guard_text_status {
	GUARD_TEXT_OK = 0,
	GUARD_TEXT_TOO_LARGE, /* more bytes than the caller's cap (or than out holds) */
	GUARD_TEXT_INVALID_UTF8, /* refused, never repaired */
};

struct guard_text_result {
	size_t length; /* bytes written to out (GUARD_TEXT_OK) */
	uint32_t removed; /* characters and escape sequences removed */
	uint32_t newlines; /* CR LF or lone CR turned into LF */
	size_t error_offset; /* GUARD_TEXT_INVALID_UTF8: first bad byte */
	char reason[96]; /* why the text was refused, "" when it was not */
};

/*
 * Sanitises len bytes of text for a cross-level transfer, into out (out_size
 * >= len: the output is never longer than the input):
 *  - refuses more than max_len bytes, and input that is not strict UTF-8
 *    (common/utf8.h: overlong forms, surrogates, above U+10FFFF, truncated
 *    or stray bytes);
 *  - keeps tab and LF; turns CR LF and lone CR into LF;
 *  - removes NUL and every other C0 control, DEL, C1 controls (U+0080 to
 *    U+009F), bidi controls (U+061C, U+200E, U+200F, U+202A to U+202E,
 *    U+2066 to U+2069) and other invisible format characters (see
 *    guard_text_is_invisible);
 *  - removes terminal escape sequences in full: CSI (ESC [ or U+009B,
 *    parameters, intermediates, final byte), OSC (ESC ] or U+009D, up to BEL,
 *    ESC \ or U+009C, or to the end), DCS, SOS, PM and APC (ESC P, X, ^, _ or
 *    U+0090, U+0098, U+009E, U+009F, up to ESC \ or U+009C, or to the end),
 *    and the other ESC sequences (intermediates 0x20-0x2F, final 0x30-0x7E).
 *    A sequence broken by a byte it cannot hold ends there and that byte is
 *    filtered as text. Bracketed-paste markers (ESC [ 200 ~, ESC [ 201 ~)
 *    vanish with the rest.
 * The output holds no ESC, no control but tab and LF, and sanitising it again
 * changes nothing.
 */
enum guard_text_status guard_sanitize_text(const uint8_t *in, size_t len, size_t max_len,
		uint8_t *out, size_t out_size, struct guard_text_result *result);

/* True for the bidi controls and invisible format characters the filter removes. */
bool guard_text_is_invisible(uint32_t cp);

/*
 * A preview to draw in the confirmation dialog: the first
 * GUARD_TEXT_PREVIEW_CHARS characters of sanitised text, newlines shown as
 * "⏎" and tabs as "→", cut at a character boundary and ended with "…" when
 * cut. Anything the sanitiser would have removed is left out and bytes that
 * are not UTF-8 show as U+FFFD, so the preview is valid UTF-8 whatever it is
 * given. Writes at most out_size - 1 bytes and a NUL (out_size >= 4);
 * returns the number of bytes before the NUL.
 */
size_t guard_text_preview(const uint8_t *text, size_t len, char *out, size_t out_size);

#endif
