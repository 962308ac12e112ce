// SPDX-License-Identifier: MIT
/* common/clipboard_mime.c: which types may cross levels, and in what order. */
#include <string.h>
#include "common/clipboard_mime.h"
#include "tap.h"

static void
text_types_in_order(void)
{
	static const char *const expect[] = { "text/plain;charset=utf-8", "UTF8_STRING",
		"text/plain", "STRING", "TEXT" };
	tap_assert_int_eq(CLIPBOARD_MIME_TEXT_COUNT, sizeof(expect) / sizeof(expect[0]));
	for (int i = 0; i < CLIPBOARD_MIME_TEXT_COUNT; i++) {
		tap_assert_str_eq(clipboard_mime_text_types[i], expect[i]);
		tap_assert_int_eq(clipboard_mime_text_rank(expect[i]), i);
	}
	/* MIME types and charset names are case-insensitive */
	tap_assert_int_eq(clipboard_mime_text_rank("TEXT/PLAIN;CHARSET=UTF-8"), 0);
	tap_assert_int_eq(clipboard_mime_text_rank("utf8_string"), 1);
	tap_assert_int_eq(clipboard_mime_text_rank("Text/Plain"), 2);
	tap_assert_int_eq(clipboard_mime_text_rank("text"), 4);
}

static void
other_types_are_not_text(void)
{
	static const char *const others[] = {
		"",
		"image/png",
		"text/html",
		"text/uri-list",
		"text/plain;charset=iso-8859-1",
		"text/plain; charset=utf-8",
		"text/plain;charset=utf-8 ",
		" text/plain",
		"text/plai",
		"text/plainx",
		"TEXTS",
		"application/x-kde-passwordManagerHint",
	};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		tap_assert_msg(clipboard_mime_text_rank(others[i]) == -1, "\"%s\" is text",
				others[i]);
	}
	tap_assert(clipboard_mime_is_png("image/png"));
	tap_assert(clipboard_mime_is_png("IMAGE/PNG"));
	tap_assert(!clipboard_mime_is_png("image/pngx"));
	tap_assert(!clipboard_mime_is_png("image/jpeg"));
	tap_assert(!clipboard_mime_is_png(""));
}

#define PICK(allow_png, ...) \
	clipboard_mime_pick((const char *const[]){ __VA_ARGS__ }, \
			sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *), \
			allow_png)

static void
pick_the_best_offered(void)
{
	/* the list's order wins over the source's */
	tap_assert_int_eq(PICK(false, "TEXT", "text/plain", "text/plain;charset=utf-8"), 2);
	tap_assert_int_eq(PICK(false, "STRING", "UTF8_STRING"), 1);
	tap_assert_int_eq(PICK(false, "text/html", "TEXT"), 1);
	tap_assert_int_eq(PICK(false, "text/plain", "UTF8_STRING"), 1);
	/* the first of two equal offers */
	tap_assert_int_eq(PICK(false, "text/plain", "TEXT/PLAIN"), 0);
	/* text before an image, an image only when allowed */
	tap_assert_int_eq(PICK(true, "image/png", "TEXT"), 1);
	tap_assert_int_eq(PICK(true, "text/html", "image/png"), 1);
	tap_assert_int_eq(PICK(false, "text/html", "image/png"), -1);
	tap_assert_int_eq(PICK(true, "text/html", "image/jpeg"), -1);
	tap_assert_int_eq(PICK(true, "image/png", "image/png"), 0);
	/* nothing offered, or nothing usable */
	tap_assert_int_eq(clipboard_mime_pick(NULL, 0, true), -1);
	tap_assert_int_eq(PICK(true, NULL, "text/plain"), 1);
	tap_assert_int_eq(PICK(true, "", "text/uri-list"), -1);
}

TAP_TESTS(TAP_CASE(text_types_in_order), TAP_CASE(other_types_are_not_text),
		TAP_CASE(pick_the_best_offered))
