// SPDX-License-Identifier: MIT
/*
 * Sanitising client-chosen text before the compositor draws it. The level
 * label is never taken from here: this only keeps a title from lying about
 * its direction, hiding characters, breaking lines or overflowing the bar.
 */
#include <stdint.h>
#include <string.h>
#include "common/sanitize.h"

#define REPLACEMENT 0xFFFDu

/*
 * Decodes one UTF-8 sequence at s (len > 0 bytes available). Returns the
 * number of bytes consumed (>= 1) and stores the code point, or REPLACEMENT
 * for an ill-formed sequence, consuming its maximal valid prefix (Unicode's
 * "maximal subpart" practice), so that decoding resynchronises right after.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t need;
	uint32_t value;
	/* The allowed range of the second byte excludes overlongs, surrogates
	 * and code points above U+10FFFF. */
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		value = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		value = c & 0x0F;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		value = c & 0x07;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		*cp = REPLACEMENT;
		return 1;
	}
	for (size_t i = 1; i <= need; i++) {
		unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
		if (i >= len || s[i] < min || s[i] > max) {
			*cp = REPLACEMENT;
			return i;
		}
		value = (value << 6) | (s[i] & 0x3F);
	}
	*cp = value;
	return need + 1;
}

/* A real U+FFFD in the input, as opposed to one standing for bad bytes. */
static bool
is_encoded_replacement(const unsigned char *s, size_t n)
{
	return n == 3 && s[0] == 0xEF && s[1] == 0xBF && s[2] == 0xBD;
}

static size_t
utf8_encode(uint32_t cp, char out[static 4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Characters that are removed: controls, bidi controls, invisible formats. */
static bool
is_removed(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
		return true;
	}
	switch (cp) {
	case 0x00AD: /* soft hyphen */
	case 0x061C: /* Arabic letter mark */
	case 0x180E: /* Mongolian vowel separator */
	case 0xFEFF: /* zero width no-break space */
		return true;
	}
	return (cp >= 0x200B && cp <= 0x200F) /* zero widths, LRM, RLM */
			|| (cp >= 0x2028 && cp <= 0x202E) /* separators, LRE..RLO */
			|| (cp >= 0x2060 && cp <= 0x206F) /* word joiner, isolates, deprecated */
			|| (cp >= 0xFFF9 && cp <= 0xFFFB) /* interlinear annotations */
			|| (cp >= 0xE0000 && cp <= 0xE007F); /* tags */
}

static bool
is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x00A0 ||
			cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
			cp == 0x205F || cp == 0x3000;
}

bool
sanitize_is_valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (cp == 0 || (cp == REPLACEMENT && !is_encoded_replacement(p + i, n))) {
			return false;
		}
		i += n;
	}
	return true;
}

bool
sanitize_title(const char *in, size_t in_len, char *out, size_t out_size)
{
	static const char ellipsis[] = "\xE2\x80\xA6"; /* U+2026 */
	const size_t ell_len = sizeof(ellipsis) - 1;
	bool changed = false;
	size_t used = 0;
	/* Where the text may be cut so that an ellipsis still fits. */
	size_t cut = 0;
	bool pending_space = false;
	bool truncated = false;

	if (out_size < ell_len + 1) {
		if (out_size > 0) {
			out[0] = '\0';
		}
		return in_len > 0;
	}
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t i = 0;
	while (i < in_len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, in_len - i, &cp);
		if (cp == REPLACEMENT && !is_encoded_replacement(p + i, n)) {
			changed = true; /* ill-formed sequence */
		}
		i += n;
		if (is_space(cp)) {
			if (cp != ' ' || pending_space) {
				changed = true;
			}
			pending_space = used > 0;
			continue;
		}
		if (is_removed(cp)) {
			changed = true;
			continue;
		}
		char buf[5];
		size_t len = 0;
		if (pending_space) {
			buf[len++] = ' ';
			pending_space = false;
		}
		len += utf8_encode(cp, buf + len);
		if (used + len > out_size - 1) {
			truncated = true;
			break;
		}
		memcpy(out + used, buf, len);
		used += len;
		if (used + ell_len <= out_size - 1) {
			cut = used;
		}
	}
	if (truncated) {
		changed = true;
		used = cut;
		/* Never end on a space before the ellipsis. */
		while (used > 0 && out[used - 1] == ' ') {
			used--;
		}
		memcpy(out + used, ellipsis, ell_len);
		used += ell_len;
	}
	out[used] = '\0';
	return changed;
}
