// SPDX-License-Identifier: MIT
/*
 * Sanitising client-chosen text before the compositor draws it. The level
 * label is never taken from here: this only keeps a title from lying about
 * its direction, hiding characters, breaking lines or overflowing the bar.
 */
#include <stdint.h>
#include <string.h>
#include "common/sanitize.h"
#include "common/utf8.h"

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
	return len == 0 ||
			(memchr(s, '\0', len) == NULL && utf8_valid((const uint8_t *)s, len, NULL));
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
	const uint8_t *p = (const uint8_t *)(in ? in : "");
	size_t i = 0;
	while (i < in_len) {
		uint32_t cp;
		bool well_formed;
		/* An ill-formed sequence shows as one U+FFFD per maximal subpart. */
		size_t n = utf8_decode_replacing(p + i, in_len - i, &cp, &well_formed);
		if (!well_formed) {
			changed = true;
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
		uint8_t buf[1 + UTF8_CHAR_MAX];
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
