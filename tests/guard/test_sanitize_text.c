// SPDX-License-Identifier: MIT
/* The guard's text filter over hostile input: invalid UTF-8, bidi overrides,
 * terminal escape sequences, bracketed-paste markers, NULs, oversized text;
 * and the preview drawn in the confirmation dialog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/guard_ipc.h"
#include "common/utf8.h"
#include "sanitize_text.h"
#include "tap.h"

#define CAP (1u << 20)

struct filtered {
	enum guard_text_status status;
	struct guard_text_result result;
	char text[4096];
};

static struct filtered
filter_n(const char *in, size_t len)
{
	struct filtered f;
	memset(&f, 0, sizeof(f));
	tap_assert(len < sizeof(f.text));
	f.status = guard_sanitize_text((const uint8_t *)in, len, CAP, (uint8_t *)f.text, len,
			&f.result);
	if (f.status == GUARD_TEXT_OK) {
		tap_assert(f.result.length <= len);
		f.text[f.result.length] = '\0';
	}
	return f;
}

#define filter(literal) filter_n(literal, sizeof(literal) - 1)

/* in gives want, with `removed` removals. */
#define assert_filters(in, want, removed_count) \
	do { \
		struct filtered f_ = filter(in); \
		tap_assert_int_eq(f_.status, GUARD_TEXT_OK); \
		tap_assert_str_eq(f_.text, want); \
		tap_assert_int_eq(f_.result.length, strlen(want)); \
		tap_assert_int_eq(f_.result.removed, removed_count); \
	} while (0)

static void
test_plain_text_unchanged(void)
{
	assert_filters("Hello, world! 1 + 1 = 2 ~", "Hello, world! 1 + 1 = 2 ~", 0);
	assert_filters("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", "café 日本 😀", 0);
	assert_filters("", "", 0);
}

static void
test_tab_and_newline_kept(void)
{
	assert_filters("a\tb\nc\n", "a\tb\nc\n", 0);
}

static void
test_newlines_normalised(void)
{
	struct filtered f = filter("a\r\nb\rc\r\r\nd\n\r");
	tap_assert_int_eq(f.status, GUARD_TEXT_OK);
	tap_assert_str_eq(f.text, "a\nb\nc\n\nd\n\n");
	tap_assert_int_eq(f.result.removed, 0);
	tap_assert_int_eq(f.result.newlines, 5);
}

static void
test_nul_and_c0_removed(void)
{
	assert_filters("a\0b\x01\x02\x7f"
		       "c\x08\x0b\x0c\x1c\x1f"
		       "d",
			"abcd", 9);
}

static void
test_c1_removed(void)
{
	/* NEL, IND, and the rest of U+0080..U+009F in UTF-8. */
	assert_filters("a\xc2\x85"
		       "b\xc2\x84\xc2\x80\xc2\x9a"
		       "c",
			"abc", 4);
}

static void
test_invalid_utf8_refused(void)
{
	static const struct {
		const char *bytes;
		size_t len, offset;
	} cases[] = {
		{ "ok\xff", 3, 2 }, /* never a UTF-8 byte */
		{ "\xc0\xaf", 2, 0 }, /* overlong '/' */
		{ "a\xe0\x80\xaf", 4, 1 }, /* overlong, 3 bytes */
		{ "\xf0\x80\x80\xaf", 4, 0 }, /* overlong, 4 bytes */
		{ "ab\xed\xa0\x80", 5, 2 }, /* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", 4, 0 }, /* above U+10FFFF */
		{ "x\xe2\x82", 3, 1 }, /* truncated */
		{ "\x80x", 2, 0 }, /* stray continuation */
		{ "\xe2\x28\xa1", 3, 0 }, /* bad continuation */
		{ "\xc2\x9b\xf8\x88\x80\x80\x80", 7, 2 }, /* 5-byte form */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tap_diag("case %zu", i);
		struct filtered f = filter_n(cases[i].bytes, cases[i].len);
		tap_assert_int_eq(f.status, GUARD_TEXT_INVALID_UTF8);
		tap_assert_int_eq(f.result.error_offset, cases[i].offset);
		char want[64];
		snprintf(want, sizeof(want), "invalid UTF-8 at byte %zu", cases[i].offset);
		tap_assert_str_eq(f.result.reason, want);
		tap_assert_int_eq(f.result.length, 0);
	}
}

static void
test_bidi_controls_removed(void)
{
	/* "Trojan Source": RLO makes "txt.exe" read as "exe.txt". */
	assert_filters("invoice\xe2\x80\xaetxt.exe", "invoicetxt.exe", 1);
	/* ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI. */
	assert_filters("a\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac"
		       "\xe2\x80\xad\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9z",
			"az", 12);
}

static void
test_invisible_format_removed(void)
{
	/* ZWSP, ZWNJ, ZWJ, WJ, invisible times, BOM, soft hyphen, a tag. */
	assert_filters("p\xe2\x80\x8b"
		       "a\xe2\x80\x8c"
		       "s\xe2\x80\x8d"
		       "s\xe2\x81\xa0"
		       "w\xe2\x81\xa2"
		       "o\xef\xbb\xbf"
		       "r\xc2\xad"
		       "d\xf3\xa0\x80\x81",
			"password", 8);
	/* The whole tag block, and its ends. */
	assert_filters("x\xf3\xa0\x80\x80\xf3\xa0\x81\xbf\xf3\xa0\x82\x80y", "x\xf3\xa0\x82\x80y",
			2);
	/* Neighbours that stay: U+200A hair space, U+2070 superscript zero. */
	assert_filters("\xe2\x80\x8a\xe2\x81\xb0", "\xe2\x80\x8a\xe2\x81\xb0", 0);
}

static void
test_csi_removed_in_full(void)
{
	assert_filters("\x1b[31mred\x1b[0m plain", "red plain", 2);
	assert_filters("\x1b[?1049h\x1b[2J\x1b[1;1H"
		       "x",
			"x", 3);
	/* Intermediates and a final byte outside letters. */
	assert_filters("a\x1b[1 qb\x1b[>c"
		       "c\x1b[5@d",
			"abcd", 3);
	/* C1 CSI, as UTF-8 U+009B. */
	assert_filters("\xc2\x9b"
		       "31mX\xc2\x9b"
		       "0m",
			"X", 2);
}

static void
test_bracketed_paste_markers_vanish(void)
{
	/* Paste-jacking: end the paste early, run a command, start a new one. */
	assert_filters("ls\x1b[201~rm -rf ~\n\x1b[200~", "lsrm -rf ~\n", 2);
	struct filtered f = filter("\x1b[200~\x1b[201~\xc2\x9b"
				   "201~");
	tap_assert_int_eq(f.status, GUARD_TEXT_OK);
	tap_assert_str_eq(f.text, "");
	tap_assert_int_eq(f.result.removed, 3);
}

static void
test_osc_removed(void)
{
	/* Title set (BEL), clipboard write (ST), hyperlink (C1 ST). */
	assert_filters("a\x1b]0;pwned\x07"
		       "b",
			"ab", 1);
	assert_filters("a\x1b]52;c;ZWNobyBoaQ==\x1b\\b", "ab", 1);
	assert_filters("a\x1b]8;;http://evil\xc2\x9c"
		       "b",
			"ab", 1);
	/* C1 OSC, and an OSC left open: removed to the end. */
	assert_filters("a\xc2\x9d"
		       "2;t\x07"
		       "b",
			"ab", 1);
	assert_filters("visible\x1b]8;;http://x/\nhidden\tstill hidden", "visible", 1);
	/* CAN ends it; a new ESC ends it and starts a sequence of its own. */
	assert_filters("a\x1b]0;t\x18"
		       "b",
			"ab", 1);
	assert_filters("a\x1b]0;t\x1b[1mb", "ab", 2);
}

static void
test_string_sequences_removed(void)
{
	/* DCS (sixel), SOS, PM, APC, ended by ST or C1 ST or the end. */
	assert_filters("\x1bPq#0;2;0;0;0#0~~\x1b\\x", "x", 1);
	assert_filters("a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\xc2\x9c"
		       "d",
			"abcd", 3);
	assert_filters("a\xc2\x90"
		       "dcs\x1b\\b\xc2\x9f"
		       "apc",
			"ab", 2);
	/* BEL does not end a DCS. */
	assert_filters("a\x1bPx\x07y\x1b\\b", "ab", 1);
}

static void
test_two_byte_escapes_removed(void)
{
	assert_filters("\x1b(Bx\x1b"
		       "7y\x1b"
		       "8z\x1b"
		       "c\x1b#8",
			"xyz", 5);
	/* ESC broken by a byte it cannot hold: only ESC goes. */
	assert_filters("a\x1b\nb\x1b\x1b"
		       "c",
			"a\nb", 3);
	assert_filters("a\x1b\xc3\xa9", "a\xc3\xa9", 1);
	/* ESC or an open CSI at the very end. */
	assert_filters("end\x1b", "end", 1);
	assert_filters("end\x1b[12;", "end", 1);
	/* A CSI broken by LF keeps the LF; what follows is text without ESC. */
	assert_filters("\x1b[20\n1~", "\n1~", 1);
}

static void
test_output_safe_and_stable(void)
{
	static const char hostile[] = "\x1b[201~\r\n\xe2\x80\xae\x1b]0;x\x07\x00\xc2\x9b"
				      "1m\xef\xbb\xbf\x1bP\x1b\\\r\x1b\x1b[0m\x7f\t\xc2\x85ok";
	struct filtered f = filter(hostile);
	tap_assert_int_eq(f.status, GUARD_TEXT_OK);
	tap_assert_str_eq(f.text, "\n\n\tok");
	for (size_t i = 0; i < f.result.length; i++) {
		unsigned char c = (unsigned char)f.text[i];
		tap_assert(c == '\t' || c == '\n' || (c >= 0x20 && c != 0x7f));
	}
	/* Sanitised text passes through unchanged. */
	struct filtered again = filter_n(f.text, f.result.length);
	tap_assert_int_eq(again.status, GUARD_TEXT_OK);
	tap_assert_str_eq(again.text, f.text);
	tap_assert_int_eq(again.result.removed, 0);
	tap_assert_int_eq(again.result.newlines, 0);
}

static void
test_oversized_refused(void)
{
	uint8_t *in = malloc(GUARD_HARD_MAX_BYTES + 1);
	uint8_t *out = malloc(GUARD_HARD_MAX_BYTES + 1);
	tap_assert(in && out);
	memset(in, 'x', GUARD_HARD_MAX_BYTES + 1);
	struct guard_text_result r;
	tap_assert_int_eq(guard_sanitize_text(in, GUARD_HARD_MAX_BYTES + 1, GUARD_HARD_MAX_BYTES,
					  out, GUARD_HARD_MAX_BYTES + 1, &r),
			GUARD_TEXT_TOO_LARGE);
	tap_assert_str_eq(r.reason, "too large: 1048577 bytes, limit 1048576");
	tap_assert_int_eq(r.length, 0);
	/* At the cap exactly: fine. */
	tap_assert_int_eq(guard_sanitize_text(in, GUARD_HARD_MAX_BYTES, GUARD_HARD_MAX_BYTES, out,
					  GUARD_HARD_MAX_BYTES, &r),
			GUARD_TEXT_OK);
	tap_assert_int_eq(r.length, GUARD_HARD_MAX_BYTES);
	/* An output buffer smaller than the input is refused, never overrun. */
	tap_assert_int_eq(guard_sanitize_text(in, 100, 1000, out, 99, &r), GUARD_TEXT_TOO_LARGE);
	free(in);
	free(out);
}

static size_t
count_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++) {
		n += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return n;
}

static void
test_preview_marks_newlines_and_tabs(void)
{
	char preview[GUARD_PREVIEW_MAX];
	const char *text = "line 1\n\tline 2";
	size_t n = guard_text_preview((const uint8_t *)text, strlen(text), preview,
			sizeof(preview));
	tap_assert_str_eq(preview, "line 1\xe2\x8f\x8e\xe2\x86\x92line 2");
	tap_assert_int_eq(n, strlen(preview));
}

static void
test_preview_cut_at_200_chars(void)
{
	char text[300], preview[GUARD_PREVIEW_MAX];
	memset(text, 'a', sizeof(text));
	guard_text_preview((const uint8_t *)text, 200, preview, sizeof(preview));
	tap_assert_int_eq(strlen(preview), 200); /* exactly 200: no ellipsis */
	guard_text_preview((const uint8_t *)text, 201, preview, sizeof(preview));
	tap_assert_int_eq(count_chars(preview), 201);
	tap_assert(strcmp(preview + 200, "\xe2\x80\xa6") == 0);
	tap_assert(strspn(preview, "a") == 200);
}

static void
test_preview_cut_at_byte_limit(void)
{
	/* 200 emoji are 800 bytes: the preview stops at a character boundary. */
	char text[800], preview[GUARD_PREVIEW_MAX];
	for (int i = 0; i < 200; i++) {
		memcpy(text + 4 * i, "\xf0\x9f\x98\x80", 4);
	}
	size_t n = guard_text_preview((const uint8_t *)text, sizeof(text), preview,
			sizeof(preview));
	tap_assert(n <= GUARD_PREVIEW_MAX - 1);
	tap_assert_int_eq(n, strlen(preview));
	tap_assert(utf8_valid((const uint8_t *)preview, n, NULL));
	tap_assert(n >= 3 && strcmp(preview + n - 3, "\xe2\x80\xa6") == 0);
	tap_assert_int_eq((n - 3) % 4, 0);
	tap_assert(n + 4 > GUARD_PREVIEW_MAX - 1); /* not cut shorter than needed */
	/* Tiny buffers: still NUL-terminated and valid. */
	char tiny[5];
	n = guard_text_preview((const uint8_t *)text, sizeof(text), tiny, sizeof(tiny));
	tap_assert_str_eq(tiny, "\xe2\x80\xa6");
	tap_assert_int_eq(n, 3);
}

static void
test_preview_of_unsanitised_bytes_is_safe(void)
{
	static const char raw[] = "\xff\x1b[31mA\xe2\x80\xae\x00"
				  "B\r\xc2\x9b";
	char preview[GUARD_PREVIEW_MAX];
	size_t n = guard_text_preview((const uint8_t *)raw, sizeof(raw) - 1, preview,
			sizeof(preview));
	tap_assert(utf8_valid((const uint8_t *)preview, n, NULL));
	tap_assert(strchr(preview, 0x1b) == NULL);
	tap_assert(strstr(preview, "\xe2\x80\xae") == NULL);
	tap_assert(strstr(preview, "\xef\xbf\xbd") != NULL); /* U+FFFD for 0xff */
}

TAP_TESTS(TAP_CASE(test_plain_text_unchanged), TAP_CASE(test_tab_and_newline_kept),
		TAP_CASE(test_newlines_normalised), TAP_CASE(test_nul_and_c0_removed),
		TAP_CASE(test_c1_removed), TAP_CASE(test_invalid_utf8_refused),
		TAP_CASE(test_bidi_controls_removed), TAP_CASE(test_invisible_format_removed),
		TAP_CASE(test_csi_removed_in_full), TAP_CASE(test_bracketed_paste_markers_vanish),
		TAP_CASE(test_osc_removed), TAP_CASE(test_string_sequences_removed),
		TAP_CASE(test_two_byte_escapes_removed), TAP_CASE(test_output_safe_and_stable),
		TAP_CASE(test_oversized_refused), TAP_CASE(test_preview_marks_newlines_and_tabs),
		TAP_CASE(test_preview_cut_at_200_chars), TAP_CASE(test_preview_cut_at_byte_limit),
		TAP_CASE(test_preview_of_unsanitised_bytes_is_safe))
