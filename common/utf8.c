// SPDX-License-Identifier: MIT
/*
 * Strict UTF-8, after Unicode's table 3-7 (well-formed byte sequences): the
 * lead byte fixes the length and the range of the second byte, which is what
 * excludes overlong forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and
 * code points above U+10FFFF (F4 90..BF); C0, C1 and F5..FF never lead.
 */
#include "common/utf8.h"

/*
 * The decoder itself. Returns the length of the well-formed character at s
 * with *ok true, or the length of the maximal subpart of the ill-formed
 * sequence there (at least 1) with *ok false.
 */
static size_t
utf8_scan(const uint8_t *s, size_t len, uint32_t *cp, bool *ok)
{
	uint8_t lead = s[0];
	*ok = false;
	if (lead < 0x80) {
		*cp = lead;
		*ok = true;
		return 1;
	}
	size_t length;
	uint32_t value;
	uint8_t second_min = 0x80, second_max = 0xbf;
	if (lead >= 0xc2 && lead <= 0xdf) {
		length = 2;
		value = lead & 0x1f;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3;
		value = lead & 0x0f;
		second_min = lead == 0xe0 ? 0xa0 : 0x80; /* E0 80..9F: overlong */
		second_max = lead == 0xed ? 0x9f : 0xbf; /* ED A0..BF: surrogates */
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4;
		value = lead & 0x07;
		second_min = lead == 0xf0 ? 0x90 : 0x80; /* F0 80..8F: overlong */
		second_max = lead == 0xf4 ? 0x8f : 0xbf; /* F4 90..BF: above U+10FFFF */
	} else {
		return 1; /* a continuation byte, C0, C1 or F5..FF */
	}
	for (size_t i = 1; i < length; i++) {
		uint8_t min = i == 1 ? second_min : 0x80, max = i == 1 ? second_max : 0xbf;
		if (i >= len || s[i] < min || s[i] > max) {
			return i; /* the bytes before i are a maximal subpart */
		}
		value = value << 6 | (s[i] & 0x3f);
	}
	*cp = value;
	*ok = true;
	return length;
}

size_t
utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint32_t value;
	bool ok;
	size_t n = utf8_scan(s, len, &value, &ok);
	if (!ok) {
		return 0;
	}
	*cp = value;
	return n;
}

size_t
utf8_decode_replacing(const uint8_t *s, size_t len, uint32_t *cp, bool *well_formed)
{
	bool ok;
	size_t n = utf8_scan(s, len, cp, &ok);
	if (!ok) {
		*cp = UTF8_REPLACEMENT;
	}
	if (well_formed) {
		*well_formed = ok;
	}
	return n;
}

bool
utf8_valid(const uint8_t *s, size_t len, size_t *bad_offset)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			if (bad_offset) {
				*bad_offset = i;
			}
			return false;
		}
		i += n;
	}
	return true;
}

size_t
utf8_encode(uint32_t cp, uint8_t out[static UTF8_CHAR_MAX])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff) {
		return 0;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp > UTF8_CODE_POINT_MAX) {
		return 0;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}
