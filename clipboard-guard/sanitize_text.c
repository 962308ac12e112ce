// SPDX-License-Identifier: MIT
/*
 * The guard's text filter: strict UTF-8 validation first (invalid text is
 * refused whole, never repaired), then one pass over the code points with a
 * small state machine for terminal escape sequences (ECMA-48 section 5, as
 * xterm and VTE read them), keeping only what a terminal, an editor or a
 * shell prints as text.
 */
#include <stdio.h>
#include <string.h>
#include "common/utf8.h"
#include "sanitize_text.h"

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a
#define C1_DCS 0x90
#define C1_SOS 0x98
#define C1_CSI 0x9b
#define C1_ST 0x9c
#define C1_OSC 0x9d
#define C1_PM 0x9e
#define C1_APC 0x9f

bool
guard_text_is_invisible(uint32_t cp)
{
	return cp == 0x00ad || /* soft hyphen */
			cp == 0x061c || /* arabic letter mark */
			cp == 0x180e || /* mongolian vowel separator */
			(cp >= 0x200b && cp <= 0x200f) || /* zero widths, LRM, RLM */
			(cp >= 0x202a && cp <= 0x202e) || /* LRE RLE PDF LRO RLO */
			(cp >= 0x2060 && cp <= 0x2064) || /* word joiner, invisible operators */
			(cp >= 0x2066 && cp <= 0x2069) || /* LRI RLI FSI PDI */
			(cp >= 0x206a && cp <= 0x206f) || /* deprecated format characters */
			cp == 0xfeff || /* zero width no-break space, BOM */
			(cp >= 0xfff9 && cp <= 0xfffb) || /* interlinear annotation */
			(cp >= 0xe0000 && cp <= 0xe007f); /* tags */
}

/* Where the filter stands: in text, or inside an escape sequence. */
enum text_state {
	TEXT,
	ESCAPE, /* after ESC */
	ESCAPE_INTERMEDIATE, /* ESC, then 0x20-0x2F bytes */
	CSI, /* parameters and intermediates until a final byte */
	OSC, /* a string ended by BEL or ST */
	STRING, /* DCS, SOS, PM, APC: a string ended by ST */
};

enum step {
	STEP_CONSUMED, /* the character belongs to the sequence, which goes on */
	STEP_END, /* the character ends the sequence */
	STEP_ABORT, /* the sequence ends before the character: filter it as text */
};

static enum step
escape_step(enum text_state *state, uint32_t cp)
{
	switch (cp) {
	case '[':
		*state = CSI;
		return STEP_CONSUMED;
	case ']':
		*state = OSC;
		return STEP_CONSUMED;
	case 'P':
	case 'X':
	case '^':
	case '_':
		*state = STRING;
		return STEP_CONSUMED;
	default:
		break;
	}
	if (cp >= 0x20 && cp <= 0x2f) {
		*state = ESCAPE_INTERMEDIATE;
		return STEP_CONSUMED;
	}
	return cp >= 0x30 && cp <= 0x7e ? STEP_END : STEP_ABORT;
}

static enum step
sequence_step(enum text_state *state, uint32_t cp, const uint8_t *rest, size_t rest_len,
		size_t *extra)
{
	switch (*state) {
	case ESCAPE:
		return escape_step(state, cp);
	case ESCAPE_INTERMEDIATE:
		if (cp >= 0x20 && cp <= 0x2f) {
			return STEP_CONSUMED;
		}
		return cp >= 0x30 && cp <= 0x7e ? STEP_END : STEP_ABORT;
	case CSI:
		if (cp >= 0x20 && cp <= 0x3f) {
			return STEP_CONSUMED;
		}
		return cp >= 0x40 && cp <= 0x7e ? STEP_END : STEP_ABORT;
	case OSC:
	case STRING:
		if (cp == C1_ST || cp == CAN || cp == SUB || (cp == BEL && *state == OSC)) {
			return STEP_END;
		}
		if (cp == ESC) {
			/* ESC \ is ST; any other ESC ends the string and starts
			 * a sequence of its own. */
			if (rest_len > 0 && rest[0] == '\\') {
				*extra = 1;
				return STEP_END;
			}
			return STEP_ABORT;
		}
		return STEP_CONSUMED;
	case TEXT:
		break;
	}
	return STEP_ABORT;
}

/* What a character starts in text: a sequence, or nothing. */
static enum text_state
text_introducer(uint32_t cp)
{
	switch (cp) {
	case ESC:
		return ESCAPE;
	case C1_CSI:
		return CSI;
	case C1_OSC:
		return OSC;
	case C1_DCS:
	case C1_SOS:
	case C1_PM:
	case C1_APC:
		return STRING;
	default:
		return TEXT;
	}
}

static bool
text_is_removed(uint32_t cp)
{
	if (cp == '\t' || cp == '\n') {
		return false;
	}
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || guard_text_is_invisible(cp);
}

enum guard_text_status
guard_sanitize_text(const uint8_t *in, size_t len, size_t max_len, uint8_t *out, size_t out_size,
		struct guard_text_result *result)
{
	memset(result, 0, sizeof(*result));
	if (len > max_len) {
		snprintf(result->reason, sizeof(result->reason), "too large: %zu bytes, limit %zu",
				len, max_len);
		return GUARD_TEXT_TOO_LARGE;
	}
	if (len > out_size) {
		snprintf(result->reason, sizeof(result->reason),
				"too large: %zu bytes, output buffer %zu", len, out_size);
		return GUARD_TEXT_TOO_LARGE;
	}
	if (!utf8_valid(in, len, &result->error_offset)) {
		snprintf(result->reason, sizeof(result->reason), "invalid UTF-8 at byte %zu",
				result->error_offset);
		return GUARD_TEXT_INVALID_UTF8;
	}

	enum text_state state = TEXT;
	size_t i = 0, o = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(in + i, len - i, &cp); /* > 0: validated above */
		if (state != TEXT) {
			size_t extra = 0;
			enum step step = sequence_step(&state, cp, in + i + n, len - i - n, &extra);
			if (step == STEP_CONSUMED) {
				i += n;
				continue;
			}
			state = TEXT;
			if (step == STEP_END) {
				i += n + extra;
				continue;
			}
			/* STEP_ABORT: the character is text again, below. */
		}
		i += n;
		enum text_state next = text_introducer(cp);
		if (next != TEXT) {
			state = next;
			result->removed++;
		} else if (cp == '\r') {
			out[o++] = '\n';
			result->newlines++;
			if (i < len && in[i] == '\n') {
				i++;
			}
		} else if (text_is_removed(cp)) {
			result->removed++;
		} else {
			memcpy(out + o, in + i - n, n);
			o += n;
		}
	}
	result->length = o;
	return GUARD_TEXT_OK;
}

static const char preview_newline[] = "\u23ce"; /* ⏎ */
static const char preview_tab[] = "\u2192"; /* → */
static const char preview_ellipsis[] = "\u2026"; /* … */

size_t
guard_text_preview(const uint8_t *text, size_t len, char *out, size_t out_size)
{
	if (out_size == 0) {
		return 0;
	}
	out[0] = '\0';
	if (out_size < sizeof(preview_ellipsis)) {
		return 0;
	}
	const size_t budget = out_size - 1; /* bytes before the NUL */
	const size_t ellipsis_len = sizeof(preview_ellipsis) - 1;
	size_t i = 0, o = 0, chars = 0;
	bool cut = false;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(text + i, len - i, &cp);
		if (n == 0) {
			cp = UTF8_REPLACEMENT; /* not sanitised text after all */
			n = 1;
		}
		uint8_t shown[UTF8_CHAR_MAX];
		size_t shown_len;
		if (cp == '\n' || cp == 0x2028 || cp == 0x2029) {
			memcpy(shown, preview_newline, sizeof(preview_newline) - 1);
			shown_len = sizeof(preview_newline) - 1;
		} else if (cp == '\t') {
			memcpy(shown, preview_tab, sizeof(preview_tab) - 1);
			shown_len = sizeof(preview_tab) - 1;
		} else if (text_is_removed(cp) || text_introducer(cp) != TEXT || cp == '\r') {
			i += n;
			continue;
		} else {
			shown_len = utf8_encode(cp, shown);
		}
		bool last = i + n >= len;
		if (chars == GUARD_TEXT_PREVIEW_CHARS ||
				o + shown_len + (last ? 0 : ellipsis_len) > budget) {
			cut = true;
			break;
		}
		memcpy(out + o, shown, shown_len);
		o += shown_len;
		chars++;
		i += n;
	}
	if (cut) {
		memcpy(out + o, preview_ellipsis, ellipsis_len);
		o += ellipsis_len;
	}
	out[o] = '\0';
	return o;
}
