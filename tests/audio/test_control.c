// SPDX-License-Identifier: MIT
/* audio-mux/control.c: the compositor's line protocol, parsed from memory. */
#include <errno.h>
#include <string.h>
#include "control.h"
#include "tap.h"

static int
parse(const char *line, struct control_command *cmd)
{
	return control_parse(line, strlen(line), cmd);
}

static void
commands(void)
{
	struct control_command c;
	tap_assert_int_eq(parse("focus low", &c), 0);
	tap_assert(c.type == CONTROL_FOCUS);
	tap_assert_str_eq(c.level, "low");
	tap_assert_int_eq(parse("focus none", &c), 0);
	tap_assert(c.type == CONTROL_FOCUS && c.level[0] == '\0');
	tap_assert_int_eq(parse("mic off", &c), 0);
	tap_assert(c.type == CONTROL_MIC && c.mic_mode == AUDIO_MIC_OFF);
	tap_assert_int_eq(parse("mic follow", &c), 0);
	tap_assert(c.type == CONTROL_MIC && c.mic_mode == AUDIO_MIC_FOLLOW);
	tap_assert_int_eq(parse("mic grant high", &c), 0);
	tap_assert(c.type == CONTROL_MIC && c.mic_mode == AUDIO_MIC_GRANT);
	tap_assert_str_eq(c.level, "high");
	tap_assert_int_eq(parse("unfocused mix", &c), 0);
	tap_assert(c.type == CONTROL_UNFOCUSED && c.unfocused == AUDIO_UNFOCUSED_MIX);
	tap_assert_int_eq(parse("unfocused duck", &c), 0);
	tap_assert(c.unfocused == AUDIO_UNFOCUSED_DUCK);
	tap_assert_int_eq(parse("unfocused mute", &c), 0);
	tap_assert(c.unfocused == AUDIO_UNFOCUSED_MUTE);
	/* a name the mux may not know is still a command */
	tap_assert_int_eq(parse("focus secret", &c), 0);
	tap_assert_str_eq(c.level, "secret");
}

static void
rejects_everything_else(void)
{
	static const char *const bad[] = {
		"",
		" ",
		"focus",
		"focus ",
		" focus low",
		"focus low ",
		"focus  low",
		"focus low high",
		"Focus low",
		"FOCUS low",
		"focus Low",
		"focus lo/w",
		"focus ../high",
		"mic",
		"mic grant",
		"mic grant none",
		"mic grant low high",
		"mic on",
		"mic follow low",
		"mic off now",
		"unfocused",
		"unfocused loud",
		"unfocused mute mute",
		"playing low",
		"ready",
		"mic low",
		"focus a2345678901234567890123456789012",
		"focus\tlow",
		"focus low\r",
		"hello",
		"focus none none",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct control_command c;
		int res = parse(bad[i], &c);
		tap_assert_msg(res < 0, "\"%s\" accepted", bad[i]);
	}
}

static void
rejects_bad_bytes(void)
{
	struct control_command c;
	tap_assert_int_eq(control_parse("focus l\0w", 9, &c), -EILSEQ);
	tap_assert_int_eq(parse("focus l\x01w", &c), -EILSEQ);
	tap_assert_int_eq(parse("focus l\x7fw", &c), -EILSEQ);
	tap_assert_int_eq(parse("focus \xff", &c), -EILSEQ); /* not UTF-8 */
	tap_assert_int_eq(parse("focus \xc0\xaf", &c), -EILSEQ); /* overlong '/' */
	tap_assert_int_eq(parse("focus \xed\xa0\x80", &c), -EILSEQ); /* a surrogate */
	tap_assert_int_eq(parse("focus \xc2\x85", &c), -EILSEQ); /* C1 NEL */
	tap_assert_int_eq(parse("focus \xe2\x80", &c), -EILSEQ); /* truncated */
	/* valid UTF-8, but no command */
	tap_assert_int_eq(parse("focus h\xc3\xa9", &c), -EINVAL);
	tap_assert_int_eq(parse("focus \xe2\x80\xae"
				"wol",
					  &c),
			-EINVAL); /* RLO */
	char longline[300];
	memset(longline, 'a', sizeof(longline));
	tap_assert_int_eq(control_parse(longline, 256, &c), -EMSGSIZE);
	tap_assert_int_eq(control_parse(longline, 255, &c), -EINVAL);
}

struct collected {
	char lines[16][CONTROL_LINE_MAX];
	size_t lens[16];
	int status[16];
	int count;
};

static void
collect(void *data, const char *line, size_t len, int status)
{
	struct collected *c = data;
	tap_assert(c->count < 16);
	tap_assert(line[len] == '\0');
	memcpy(c->lines[c->count], line, len + 1);
	c->lens[c->count] = len;
	c->status[c->count] = status;
	c->count++;
}

static void
reader_splits_lines(void)
{
	struct control_reader r;
	struct collected c = { 0 };
	control_reader_init(&r);
	const char *stream = "focus low\nmic fol";
	control_reader_feed(&r, stream, strlen(stream), collect, &c);
	tap_assert_int_eq(c.count, 1);
	tap_assert_str_eq(c.lines[0], "focus low");
	control_reader_feed(&r, "low\n\nunfocused duck\n", 20, collect, &c);
	tap_assert_int_eq(c.count, 4);
	tap_assert_str_eq(c.lines[1], "mic follow");
	tap_assert_int_eq(c.lens[2], 0);
	tap_assert_str_eq(c.lines[3], "unfocused duck");
	/* one byte at a time */
	for (const char *p = "mic off\n"; *p; p++) {
		control_reader_feed(&r, p, 1, collect, &c);
	}
	tap_assert_int_eq(c.count, 5);
	tap_assert_str_eq(c.lines[4], "mic off");
}

static void
reader_drops_long_lines(void)
{
	struct control_reader r;
	struct collected c = { 0 };
	control_reader_init(&r);
	char big[1000];
	memset(big, 'x', sizeof(big));
	/* 255 bytes + newline is the longest line there is */
	control_reader_feed(&r, big, 255, collect, &c);
	control_reader_feed(&r, "\n", 1, collect, &c);
	tap_assert_int_eq(c.count, 1);
	tap_assert_int_eq(c.status[0], 0);
	tap_assert_int_eq(c.lens[0], 255);
	/* 256 bytes: too long, whatever comes until the newline goes too */
	control_reader_feed(&r, big, 256, collect, &c);
	tap_assert_int_eq(c.count, 1);
	control_reader_feed(&r, big, sizeof(big), collect, &c);
	control_reader_feed(&r, "focus high\nfocus low\n", 21, collect, &c);
	tap_assert_int_eq(c.count, 3);
	tap_assert_int_eq(c.status[1], -EMSGSIZE);
	/* the tail of the long line is not a command */
	tap_assert_int_eq(c.status[2], 0);
	tap_assert_str_eq(c.lines[2], "focus low");
}

static void
messages(void)
{
	char out[CONTROL_LINE_MAX];
	tap_assert_int_eq(control_format_mic(out, sizeof(out), "high"), 9);
	tap_assert_str_eq(out, "mic high\n");
	tap_assert_int_eq(control_format_mic(out, sizeof(out), NULL), 9);
	tap_assert_str_eq(out, "mic none\n");
	const char *const names[] = { "low", "high", "third" };
	tap_assert(control_format_playing(out, sizeof(out), names, 3, 0) > 0);
	tap_assert_str_eq(out, "playing none\n");
	tap_assert(control_format_playing(out, sizeof(out), names, 3, 5) > 0);
	tap_assert_str_eq(out, "playing low,third\n");
	tap_assert(control_format_playing(out, sizeof(out), names, 3, 2) > 0);
	tap_assert_str_eq(out, "playing high\n");
	/* bits beyond the levels are ignored */
	tap_assert(control_format_playing(out, sizeof(out), names, 2, 0xfc) > 0);
	tap_assert_str_eq(out, "playing none\n");
	tap_assert_int_eq(control_format_playing(out, 10, names, 3, 7), -ENOSPC);
	tap_assert_int_eq(control_format_mic(out, 5, "high"), -ENOSPC);
}

static void
escape_for_the_log(void)
{
	char out[64];
	control_escape("ok \"x\"\x01\xff\n", 9, out, sizeof(out));
	tap_assert_str_eq(out, "ok \\x22x\\x22\\x01\\xff\\x0a");
	char small[8];
	control_escape("abcdefghijk", 11, small, sizeof(small));
	tap_assert_str_eq(small, "abcd...");
}

TAP_TESTS(TAP_CASE(commands), TAP_CASE(rejects_everything_else), TAP_CASE(rejects_bad_bytes),
		TAP_CASE(reader_splits_lines), TAP_CASE(reader_drops_long_lines),
		TAP_CASE(messages), TAP_CASE(escape_for_the_log))
