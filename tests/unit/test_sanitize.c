// SPDX-License-Identifier: MIT
/* Title sanitising against hostile titles (attack M31 of the catalogue). */
#include <stdio.h>
#include <string.h>
#include "common/sanitize.h"
#include "tap.h"

static const char *
clean(const char *in, size_t in_len, size_t out_size)
{
	static char out[1024];
	tap_assert(out_size <= sizeof(out));
	sanitize_title(in, in_len, out, out_size);
	tap_assert(sanitize_is_valid_utf8(out, strlen(out)));
	return out;
}

#define CLEAN(s) clean(s, sizeof(s) - 1, STRATA_TITLE_MAX)

static void
plain_text_is_kept(void)
{
	char out[64];
	tap_assert(!sanitize_title("Terminal — vim", strlen("Terminal — vim"), out, sizeof(out)));
	tap_assert_str_eq(out, "Terminal — vim");
	tap_assert_str_eq(CLEAN("日本語のタイトル"), "日本語のタイトル");
}

static void
bidi_overrides_are_removed(void)
{
	/* "HIGH" spelled backwards behind an RLO, and isolates and marks. */
	tap_assert_str_eq(CLEAN("\xE2\x80\xAEHGIH\xE2\x80\xAC secret"), "HGIH secret");
	tap_assert_str_eq(CLEAN("a\xE2\x81\xA6"
				"b\xE2\x81\xA9"
				"c\xE2\x80\x8F"
				"d\xD8\x9C"
				"e"),
			"abcde");
	tap_assert_str_eq(CLEAN("x\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAD"
				"y"),
			"xy");
}

static void
controls_and_escapes_are_removed(void)
{
	/* ESC [ 3 1 m: the ESC goes, the printable rest stays harmless text. */
	tap_assert_str_eq(CLEAN("\x1b[31mred\x1b[0m"), "[31mred[0m");
	tap_assert_str_eq(CLEAN("bell\x07here\x7f"), "bellhere");
	/* C1 controls (U+0080..U+009F) encoded in UTF-8. */
	tap_assert_str_eq(CLEAN("a\xC2\x85"
				"b\xC2\x9B"
				"c"),
			"abc");
}

static void
newlines_and_spaces_collapse(void)
{
	tap_assert_str_eq(CLEAN("  line one\n\nline\ttwo \r\n "), "line one line two");
	tap_assert_str_eq(CLEAN("a\xC2\xA0\xE2\x80\x83"
				"b"),
			"a b");
}

static void
invisible_characters_are_removed(void)
{
	tap_assert_str_eq(CLEAN("in\xE2\x80\x8Bvis\xEF\xBB\xBFible\xE2\x81\xA0"), "invisible");
	/* Unicode tag characters can smuggle hidden ASCII. */
	tap_assert_str_eq(CLEAN("ok\xF3\xA0\x81\x81\xF3\xA0\x81\x82"), "ok");
}

static void
invalid_utf8_becomes_replacement(void)
{
	const char *r = "\xEF\xBF\xBD";
	char expect[32];
	snprintf(expect, sizeof(expect), "a%sb", r);
	tap_assert_str_eq(CLEAN("a\xFF"
				"b"),
			expect);
	/* Overlong "/" (C0 AF), a surrogate (ED A0 80), beyond U+10FFFF (F4 90 80 80). */
	tap_assert(strstr(CLEAN("\xC0\xAF"), "/") == NULL);
	tap_assert(strstr(CLEAN("\xED\xA0\x80"), "\xED\xA0\x80") == NULL);
	tap_assert(strstr(CLEAN("\xF4\x90\x80\x80"), "\xF4\x90") == NULL);
	/* A sequence cut by the end of the input. */
	snprintf(expect, sizeof(expect), "x%s", r);
	tap_assert_str_eq(CLEAN("x\xE2\x80"), expect);
}

static void
embedded_nul_ends_nothing_early(void)
{
	/* A NUL is a control: removed, and text after it is still shown. */
	static const char title[] = "before\0after";
	tap_assert_str_eq(clean(title, sizeof(title) - 1, 64), "beforeafter");
}

static void
long_titles_are_cut_with_an_ellipsis(void)
{
	char in[5000];
	memset(in, 'A', sizeof(in));
	const char *out = clean(in, sizeof(in), STRATA_TITLE_MAX);
	tap_assert(strlen(out) <= STRATA_TITLE_MAX - 1);
	size_t len = strlen(out);
	tap_assert(len >= 3 && strcmp(out + len - 3, "\xE2\x80\xA6") == 0);
}

static void
cutting_never_splits_a_character(void)
{
	/* 2000 three-byte characters into a 32-byte buffer. */
	char in[6000];
	for (size_t i = 0; i < sizeof(in); i += 3) {
		memcpy(in + i, "\xE2\x82\xAC", 3); /* € */
	}
	const char *out = clean(in, sizeof(in), 32);
	tap_assert(strlen(out) < 32);
	/* Valid UTF-8 was asserted by clean(); all but the ellipsis are euros. */
	size_t len = strlen(out);
	tap_assert_int_eq((len - 3) % 3, 0);
}

static void
tiny_output_buffers_are_safe(void)
{
	char out[4];
	sanitize_title("abcdef", 6, out, sizeof(out));
	tap_assert(strlen(out) < 4);
	char one[1] = { 'x' };
	sanitize_title("abc", 3, one, sizeof(one));
	tap_assert_int_eq(one[0], '\0');
	sanitize_title(NULL, 0, out, sizeof(out));
	tap_assert_str_eq(out, "");
}

static void
utf8_validator(void)
{
	tap_assert(sanitize_is_valid_utf8("héllo", strlen("héllo")));
	tap_assert(!sanitize_is_valid_utf8("\xC3", 1));
	tap_assert(!sanitize_is_valid_utf8("a\0b", 3));
	tap_assert(!sanitize_is_valid_utf8("\xED\xA0\x80", 3));
}

TAP_TESTS(TAP_CASE(plain_text_is_kept), TAP_CASE(bidi_overrides_are_removed),
		TAP_CASE(controls_and_escapes_are_removed), TAP_CASE(newlines_and_spaces_collapse),
		TAP_CASE(invisible_characters_are_removed),
		TAP_CASE(invalid_utf8_becomes_replacement),
		TAP_CASE(embedded_nul_ends_nothing_early),
		TAP_CASE(long_titles_are_cut_with_an_ellipsis),
		TAP_CASE(cutting_never_splits_a_character), TAP_CASE(tiny_output_buffers_are_safe),
		TAP_CASE(utf8_validator), )
