// SPDX-License-Identifier: MIT
/*
 * common/utf8.c: every limit of table 3-7 of the Unicode standard, on both
 * sides, and the maximal-subpart lengths the title sanitiser relies on.
 */
#include <stdint.h>
#include <string.h>
#include "common/utf8.h"
#include "tap.h"

/* Decodes bytes (strict); the length, and *cp when it is not 0. */
static size_t
decode(const char *bytes, size_t len, uint32_t *cp)
{
	*cp = 0xdeadbeef;
	return utf8_decode((const uint8_t *)bytes, len, cp);
}

#define DECODES(bytes, value) \
	do { \
		uint32_t cp_; \
		tap_assert_int_eq(decode(bytes, sizeof(bytes) - 1, &cp_), sizeof(bytes) - 1); \
		tap_assert_int_eq(cp_, value); \
	} while (0)

#define REFUSED(bytes) \
	do { \
		uint32_t cp_; \
		tap_assert_msg(decode(bytes, sizeof(bytes) - 1, &cp_) == 0, \
				"%s decoded as U+%04X", #bytes, (unsigned)cp_); \
		tap_assert_int_eq(cp_, 0xdeadbeef); \
	} while (0)

static void
limits_of_each_length(void)
{
	DECODES("\x00", 0x0000);
	DECODES("\x7f", 0x007f);
	DECODES("\xc2\x80", 0x0080);
	DECODES("\xdf\xbf", 0x07ff);
	DECODES("\xe0\xa0\x80", 0x0800);
	DECODES("\xef\xbf\xbf", 0xffff);
	DECODES("\xf0\x90\x80\x80", 0x10000);
	DECODES("\xf4\x8f\xbf\xbf", 0x10ffff);
	DECODES("\xef\xbf\xbd", UTF8_REPLACEMENT);
}

static void
surrogates_are_refused(void)
{
	DECODES("\xed\x9f\xbf", 0xd7ff);
	REFUSED("\xed\xa0\x80"); /* U+D800 */
	REFUSED("\xed\xbf\xbf"); /* U+DFFF */
	DECODES("\xee\x80\x80", 0xe000);
	/* A surrogate pair written as two characters (CESU-8). */
	REFUSED("\xed\xa0\xbd\xed\xb8\x80");
}

static void
overlong_forms_are_refused(void)
{
	REFUSED("\xc0\x80"); /* U+0000 in two bytes */
	REFUSED("\xc0\xaf"); /* '/' */
	REFUSED("\xc1\xbf"); /* U+007F, the longest two-byte overlong */
	REFUSED("\xe0\x80\x80");
	REFUSED("\xe0\x9f\xbf"); /* U+07FF in three bytes */
	REFUSED("\xf0\x80\x80\x80");
	REFUSED("\xf0\x8f\xbf\xbf"); /* U+FFFF in four bytes */
}

static void
above_the_last_code_point_is_refused(void)
{
	REFUSED("\xf4\x90\x80\x80"); /* U+110000 */
	REFUSED("\xf4\xbf\xbf\xbf");
	/* F5..FF never start a character, whatever follows. */
	for (unsigned lead = 0xf5; lead <= 0xff; lead++) {
		char bytes[4] = { (char)lead, '\x80', '\x80', '\x80' };
		uint32_t cp;
		tap_assert_msg(decode(bytes, 4, &cp) == 0, "lead byte 0x%02X accepted", lead);
	}
}

static void
stray_and_missing_continuations(void)
{
	REFUSED("\x80");
	REFUSED("\xbf");
	REFUSED("\xc2\x41"); /* a lead followed by ASCII */
	REFUSED("\xe2\x82\x41");
	REFUSED("\xf0\x9f\x98\x41");
	REFUSED("\xc2\xc2\x80"); /* a lead followed by a lead */
}

static void
truncated_at_the_end_of_the_input(void)
{
	uint32_t cp;
	/* "€" is E2 82 AC and "😀" is F0 9F 98 80: every cut is refused,
	 * even when the missing bytes sit in memory just past len. */
	tap_assert_int_eq(decode("\xe2\x82\xac", 3, &cp), 3);
	tap_assert_int_eq(decode("\xe2\x82\xac", 2, &cp), 0);
	tap_assert_int_eq(decode("\xe2\x82\xac", 1, &cp), 0);
	tap_assert_int_eq(decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	tap_assert_int_eq(decode("\xf0\x9f\x98\x80", 3, &cp), 0);
	tap_assert_int_eq(decode("\xf0\x9f\x98\x80", 2, &cp), 0);
	tap_assert_int_eq(decode("\xf0\x9f\x98\x80", 1, &cp), 0);
	tap_assert_int_eq(decode("\xc3\xa9", 1, &cp), 0);
}

/* utf8_decode_replacing: the length of each maximal subpart. */
static size_t
subpart(const char *bytes, size_t len, bool *well_formed)
{
	uint32_t cp;
	size_t n = utf8_decode_replacing((const uint8_t *)bytes, len, &cp, well_formed);
	if (!*well_formed) {
		tap_assert_int_eq(cp, UTF8_REPLACEMENT);
	}
	return n;
}

static void
maximal_subparts(void)
{
	bool ok;
	tap_assert_int_eq(subpart("\xe2\x82\xac", 3, &ok), 3);
	tap_assert(ok);
	/* A real U+FFFD is well-formed. */
	tap_assert_int_eq(subpart("\xef\xbf\xbd", 3, &ok), 3);
	tap_assert(ok);
	/* A prefix of a well-formed sequence is one subpart... */
	tap_assert_int_eq(subpart("\xe2\x82", 2, &ok), 2);
	tap_assert(!ok);
	tap_assert_int_eq(subpart("\xf0\x9f\x98", 3, &ok), 3);
	tap_assert(!ok);
	tap_assert_int_eq(subpart("\xf4\x8f\xbf\x41", 4, &ok), 3);
	tap_assert(!ok);
	/* ...but a second byte out of the lead's range ends it at the lead. */
	tap_assert_int_eq(subpart("\xe0\x80\x80", 3, &ok), 1);
	tap_assert(!ok);
	tap_assert_int_eq(subpart("\xed\xa0\x80", 3, &ok), 1);
	tap_assert(!ok);
	tap_assert_int_eq(subpart("\xf0\x8f\xbf\xbf", 4, &ok), 1);
	tap_assert(!ok);
	tap_assert_int_eq(subpart("\xf4\x90\x80\x80", 4, &ok), 1);
	tap_assert(!ok);
	tap_assert_int_eq(subpart("\xc0\x80", 2, &ok), 1);
	tap_assert(!ok);
	tap_assert_int_eq(subpart("\xff", 1, &ok), 1);
	tap_assert(!ok);
	/* Unicode's example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 reads as
	 * a FFFD FFFD FFFD b FFFD c FFFD FFFD d. */
	static const char sample[] = "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64";
	static const uint32_t expect[] = { 'a', 0xfffd, 0xfffd, 0xfffd, 'b', 0xfffd, 'c', 0xfffd,
		0xfffd, 'd' };
	size_t i = 0, k = 0;
	while (i < sizeof(sample) - 1) {
		uint32_t cp;
		i += utf8_decode_replacing((const uint8_t *)sample + i, sizeof(sample) - 1 - i, &cp,
				NULL);
		tap_assert(k < sizeof(expect) / sizeof(expect[0]));
		tap_assert_int_eq(cp, expect[k]);
		k++;
	}
	tap_assert_int_eq(k, sizeof(expect) / sizeof(expect[0]));
}

static void
validation_reports_the_first_bad_sequence(void)
{
	size_t bad = 99;
	tap_assert(utf8_valid((const uint8_t *)"", 0, &bad));
	tap_assert(utf8_valid((const uint8_t *)"h\xc3\xa9llo \xf4\x8f\xbf\xbf", 11, &bad));
	tap_assert_int_eq(bad, 99);
	/* NUL is a character; callers that refuse it check for it. */
	tap_assert(utf8_valid((const uint8_t *)"a\0b", 3, NULL));
	tap_assert(!utf8_valid((const uint8_t *)"ab\xe2\x82", 4, &bad));
	tap_assert_int_eq(bad, 2);
	tap_assert(!utf8_valid((const uint8_t *)"\xc3\xa9\xed\xa0\x80", 5, &bad));
	tap_assert_int_eq(bad, 2);
	tap_assert(!utf8_valid((const uint8_t *)"\xc3\xa9\xed\xa0\x80", 5, NULL));
}

static void
encoding_round_trips(void)
{
	static const uint32_t limits[] = { 0x0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd,
		0xffff, 0x10000, 0x10ffff };
	static const size_t lengths[] = { 1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4 };
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		uint8_t out[UTF8_CHAR_MAX];
		size_t n = utf8_encode(limits[i], out);
		tap_assert_msg(n == lengths[i], "U+%04X encoded in %zu bytes", (unsigned)limits[i],
				n);
		uint32_t back;
		tap_assert_int_eq(utf8_decode(out, n, &back), n);
		tap_assert_int_eq(back, limits[i]);
	}
	uint8_t out[UTF8_CHAR_MAX];
	tap_assert_int_eq(utf8_encode(0xd800, out), 0);
	tap_assert_int_eq(utf8_encode(0xdfff, out), 0);
	tap_assert_int_eq(utf8_encode(0x110000, out), 0);
	tap_assert_int_eq(utf8_encode(0xffffffff, out), 0);
}

/* Every code point there is, through both directions. */
static void
every_code_point(void)
{
	for (uint32_t cp = 0; cp <= 0x110000; cp++) {
		uint8_t out[UTF8_CHAR_MAX];
		size_t n = utf8_encode(cp, out);
		bool encodable = cp <= UTF8_CODE_POINT_MAX && !(cp >= 0xd800 && cp <= 0xdfff);
		if (!encodable) {
			tap_assert_msg(n == 0, "U+%04X encoded", (unsigned)cp);
			continue;
		}
		uint32_t back;
		tap_assert_msg(n > 0 && utf8_decode(out, n, &back) == n && back == cp,
				"U+%04X does not round-trip", (unsigned)cp);
	}
}

TAP_TESTS(TAP_CASE(limits_of_each_length), TAP_CASE(surrogates_are_refused),
		TAP_CASE(overlong_forms_are_refused),
		TAP_CASE(above_the_last_code_point_is_refused),
		TAP_CASE(stray_and_missing_continuations),
		TAP_CASE(truncated_at_the_end_of_the_input), TAP_CASE(maximal_subparts),
		TAP_CASE(validation_reports_the_first_bad_sequence), TAP_CASE(encoding_round_trips),
		TAP_CASE(every_code_point))
