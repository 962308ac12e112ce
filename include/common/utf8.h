/* SPDX-License-Identifier: MIT */
#ifndef COMMON_UTF8_H
#define COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one UTF-8 decoder of Strata: the configuration, the title sanitiser,
 * the clipboard guard and the audio control protocol all read text through
 * it. Strict, as Unicode's table 3-7 of well-formed byte sequences: no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no
 * sequence cut by the end of the input. Works on lengths, never on NULs: a
 * NUL byte is the character U+0000 (callers that refuse it say so).
 */

#define UTF8_CHAR_MAX 4 /* bytes of the longest character */
#define UTF8_REPLACEMENT 0xFFFDu /* U+FFFD, what stands for ill-formed bytes */
#define UTF8_CODE_POINT_MAX 0x10FFFFu

/*
 * Decodes the character at s (len bytes available, len >= 1): returns its
 * length (1 to 4) and stores it in *cp, or returns 0 (and leaves *cp alone)
 * when s does not start with a well-formed character.
 */
size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);

/*
 * Like utf8_decode(), for text that is shown rather than refused: never
 * returns 0. An ill-formed sequence decodes as UTF8_REPLACEMENT and the
 * length returned is that of its maximal subpart (the longest prefix of a
 * well-formed sequence, or 1 byte), so that decoding resynchronises right
 * after it (Unicode 3.9, "U+FFFD substitution of maximal subparts").
 * *well_formed tells a real U+FFFD in the text from one standing for bad
 * bytes; it may be NULL.
 */
size_t utf8_decode_replacing(const uint8_t *s, size_t len, uint32_t *cp, bool *well_formed);

/* True when all len bytes are well-formed UTF-8 (NUL included); else, when
 * bad_offset is not NULL, *bad_offset is the offset of the first ill-formed
 * sequence. */
bool utf8_valid(const uint8_t *s, size_t len, size_t *bad_offset);

/*
 * Encodes cp into out: returns the number of bytes (1 to 4), or 0 for a
 * surrogate or a value above U+10FFFF (which no UTF-8 can hold).
 */
size_t utf8_encode(uint32_t cp, uint8_t out[static UTF8_CHAR_MAX]);

#endif
