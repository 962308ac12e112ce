// SPDX-License-Identifier: MIT
/*
 * common/audio_control.c: the compositor <-> strata-audio-mux line protocol,
 * both directions, from memory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common/audio_control.h"
#include "tap.h"

static int
parse(const char *line, struct audio_control_command *cmd)
{
	return audio_control_parse_command(line, strlen(line), cmd);
}

static void
commands(void)
{
	struct audio_control_command c;
	tap_assert_int_eq(parse("focus low", &c), 0);
	tap_assert(c.type == AUDIO_CONTROL_FOCUS);
	tap_assert_str_eq(c.level, "low");
	tap_assert_int_eq(parse("focus none", &c), 0);
	tap_assert(c.type == AUDIO_CONTROL_FOCUS && c.level[0] == '\0');
	tap_assert_int_eq(parse("mic off", &c), 0);
	tap_assert(c.type == AUDIO_CONTROL_MIC && c.mic_mode == AUDIO_MIC_OFF);
	tap_assert_int_eq(parse("mic follow", &c), 0);
	tap_assert(c.type == AUDIO_CONTROL_MIC && c.mic_mode == AUDIO_MIC_FOLLOW);
	tap_assert_int_eq(parse("mic grant high", &c), 0);
	tap_assert(c.type == AUDIO_CONTROL_MIC && c.mic_mode == AUDIO_MIC_GRANT);
	tap_assert_str_eq(c.level, "high");
	tap_assert_int_eq(parse("unfocused mix", &c), 0);
	tap_assert(c.type == AUDIO_CONTROL_UNFOCUSED && c.unfocused == AUDIO_UNFOCUSED_MIX);
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
		struct audio_control_command c;
		int res = parse(bad[i], &c);
		tap_assert_msg(res < 0, "\"%s\" accepted", bad[i]);
	}
}

static void
rejects_bad_bytes(void)
{
	struct audio_control_command c;
	tap_assert_int_eq(audio_control_parse_command("focus l\0w", 9, &c), -EILSEQ);
	tap_assert_int_eq(parse("focus l\x01w", &c), -EILSEQ);
	tap_assert_int_eq(parse("focus l\x7fw", &c), -EILSEQ);
	tap_assert_int_eq(parse("focus \xff", &c), -EILSEQ); /* not UTF-8 */
	tap_assert_int_eq(parse("focus \xc0\xaf", &c), -EILSEQ); /* overlong '/' */
	tap_assert_int_eq(parse("focus \xed\xa0\x80", &c), -EILSEQ); /* a surrogate */
	tap_assert_int_eq(parse("focus \xc2\x85", &c), -EILSEQ); /* C1 NEL */
	/* both ends of each range of controls, and their neighbours */
	tap_assert_int_eq(parse("focus l\x1fw", &c), -EILSEQ);
	tap_assert_int_eq(parse("focus l\x20w", &c), -EINVAL);
	tap_assert_int_eq(parse("focus l\x7ew", &c), -EINVAL);
	tap_assert_int_eq(parse("focus \xc2\x80", &c), -EILSEQ); /* U+0080 */
	tap_assert_int_eq(parse("focus \xc2\x9f", &c), -EILSEQ); /* U+009F */
	tap_assert_int_eq(parse("focus \xc2\xa0", &c), -EINVAL); /* U+00A0 */
	tap_assert_int_eq(parse("focus \xe2\x80", &c), -EILSEQ); /* truncated */
	/* valid UTF-8, but no command */
	tap_assert_int_eq(parse("focus h\xc3\xa9", &c), -EINVAL);
	tap_assert_int_eq(parse("focus \xe2\x80\xae"
				"wol",
					  &c),
			-EINVAL); /* RLO */
}

/* A line of AUDIO_CONTROL_LINE_MAX - 1 bytes is read in full, one more is
 * refused before it is read, in both directions. */
static void
line_length_limit(void)
{
	char line[AUDIO_CONTROL_LINE_MAX + 1];
	memset(line, 'a', sizeof(line));
	struct audio_control_command c;
	struct audio_control_report r;
	const size_t longest = AUDIO_CONTROL_LINE_MAX - 1;
	tap_assert_int_eq(audio_control_parse_command(line, longest, &c), -EINVAL);
	tap_assert_int_eq(audio_control_parse_command(line, longest + 1, &c), -EMSGSIZE);
	tap_assert_int_eq(audio_control_parse_report(line, longest, &r), -EINVAL);
	tap_assert_int_eq(audio_control_parse_report(line, longest + 1, &r), -EMSGSIZE);
	/* its last byte is checked too */
	line[longest - 1] = '\x01';
	tap_assert_int_eq(audio_control_parse_command(line, longest, &c), -EILSEQ);
	tap_assert_int_eq(audio_control_parse_report(line, longest, &r), -EILSEQ);
}

struct collected {
	char lines[16][AUDIO_CONTROL_LINE_MAX];
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
	struct audio_control_reader r;
	struct collected c = { 0 };
	audio_control_reader_init(&r);
	const char *stream = "focus low\nmic fol";
	audio_control_reader_feed(&r, stream, strlen(stream), collect, &c);
	tap_assert_int_eq(c.count, 1);
	tap_assert_str_eq(c.lines[0], "focus low");
	audio_control_reader_feed(&r, "low\n\nunfocused duck\n", 20, collect, &c);
	tap_assert_int_eq(c.count, 4);
	tap_assert_str_eq(c.lines[1], "mic follow");
	tap_assert_int_eq(c.lens[2], 0);
	tap_assert_str_eq(c.lines[3], "unfocused duck");
	/* one byte at a time */
	for (const char *p = "mic off\n"; *p; p++) {
		audio_control_reader_feed(&r, p, 1, collect, &c);
	}
	tap_assert_int_eq(c.count, 5);
	tap_assert_str_eq(c.lines[4], "mic off");
}

static void
reader_drops_long_lines(void)
{
	struct audio_control_reader r;
	struct collected c = { 0 };
	audio_control_reader_init(&r);
	char big[3 * AUDIO_CONTROL_LINE_MAX];
	memset(big, 'x', sizeof(big));
	/* AUDIO_CONTROL_LINE_MAX - 1 bytes + newline is the longest line there is */
	audio_control_reader_feed(&r, big, AUDIO_CONTROL_LINE_MAX - 1, collect, &c);
	audio_control_reader_feed(&r, "\n", 1, collect, &c);
	tap_assert_int_eq(c.count, 1);
	tap_assert_int_eq(c.status[0], 0);
	tap_assert_int_eq(c.lens[0], AUDIO_CONTROL_LINE_MAX - 1);
	/* one byte more: too long, whatever comes until the newline goes too */
	audio_control_reader_feed(&r, big, AUDIO_CONTROL_LINE_MAX, collect, &c);
	tap_assert_int_eq(c.count, 1);
	audio_control_reader_feed(&r, big, sizeof(big), collect, &c);
	audio_control_reader_feed(&r, "focus high\nfocus low\n", 21, collect, &c);
	tap_assert_int_eq(c.count, 3);
	tap_assert_int_eq(c.status[1], -EMSGSIZE);
	tap_assert_int_eq(c.lens[1], AUDIO_CONTROL_LINE_MAX - 1);
	/* the tail of the long line is not a command */
	tap_assert_int_eq(c.status[2], 0);
	tap_assert_str_eq(c.lines[2], "focus low");
}

/* Formats, checks the line, parses it back into what was formatted. */
static void
command_round_trip(const struct audio_control_command *cmd, const char *expect)
{
	char out[AUDIO_CONTROL_LINE_MAX];
	int n = audio_control_format_command(cmd, out, sizeof(out));
	tap_assert_int_eq(n, strlen(expect));
	tap_assert_str_eq(out, expect);
	struct audio_control_command back;
	memset(&back, 0xa5, sizeof(back));
	tap_assert_int_eq(audio_control_parse_command(out, (size_t)n - 1, &back), 0);
	tap_assert_int_eq(back.type, cmd->type);
	tap_assert_str_eq(back.level, cmd->level);
	if (cmd->type == AUDIO_CONTROL_MIC) {
		tap_assert_int_eq(back.mic_mode, cmd->mic_mode);
	}
	if (cmd->type == AUDIO_CONTROL_UNFOCUSED) {
		tap_assert_int_eq(back.unfocused, cmd->unfocused);
	}
	/* and the exact size is enough, one byte less is not */
	tap_assert_int_eq(audio_control_format_command(cmd, out, (size_t)n + 1), n);
	tap_assert_int_eq(audio_control_format_command(cmd, out, (size_t)n), -ENOSPC);
	tap_assert_str_eq(out, "");
}

#define NAME_31 "a234567890123456789012345678901"
#define NAME_32 NAME_31 "2"

static void
commands_round_trip(void)
{
	tap_assert_int_eq(strlen(NAME_31), STRATA_LEVEL_NAME_MAX);
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_FOCUS },
			"focus none\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_FOCUS,
					   .level = "low" },
			"focus low\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_FOCUS,
					   .level = NAME_31 },
			"focus " NAME_31 "\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_MIC,
					   .mic_mode = AUDIO_MIC_OFF },
			"mic off\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_MIC,
					   .mic_mode = AUDIO_MIC_FOLLOW },
			"mic follow\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_MIC,
					   .mic_mode = AUDIO_MIC_GRANT,
					   .level = "high" },
			"mic grant high\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_MIC,
					   .mic_mode = AUDIO_MIC_GRANT,
					   .level = NAME_31 },
			"mic grant " NAME_31 "\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_UNFOCUSED,
					   .unfocused = AUDIO_UNFOCUSED_MIX },
			"unfocused mix\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_UNFOCUSED,
					   .unfocused = AUDIO_UNFOCUSED_DUCK },
			"unfocused duck\n");
	command_round_trip(&(struct audio_control_command){ .type = AUDIO_CONTROL_UNFOCUSED,
					   .unfocused = AUDIO_UNFOCUSED_MUTE },
			"unfocused mute\n");
	/* a name one byte too long, or reserved, is no level */
	struct audio_control_command c;
	tap_assert_int_eq(parse("focus " NAME_32, &c), -EINVAL);
	tap_assert_int_eq(parse("mic grant " NAME_32, &c), -EINVAL);
	static const char *const reserved[] = { "core", "audio", "audit" };
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "focus %s", reserved[i]);
		tap_assert_msg(parse(line, &c) == -EINVAL, "\"%s\" accepted", line);
		snprintf(line, sizeof(line), "mic grant %s", reserved[i]);
		tap_assert_msg(parse(line, &c) == -EINVAL, "\"%s\" accepted", line);
	}
}

/* What the parser would refuse is never written. */
static void
commands_not_formatted(void)
{
	char out[AUDIO_CONTROL_LINE_MAX];
	struct audio_control_command bad[] = {
		{ .type = AUDIO_CONTROL_FOCUS, .level = "Low" },
		{ .type = AUDIO_CONTROL_FOCUS, .level = "none" }, /* nobody is "" */
		{ .type = AUDIO_CONTROL_FOCUS, .level = "core" },
		{ .type = AUDIO_CONTROL_FOCUS, .level = "lo w" },
		{ .type = AUDIO_CONTROL_MIC, .mic_mode = AUDIO_MIC_GRANT },
		{ .type = AUDIO_CONTROL_MIC, .mic_mode = AUDIO_MIC_GRANT, .level = "audio" },
		{ .type = AUDIO_CONTROL_MIC, .mic_mode = (enum audio_mic_mode)3 },
		{ .type = AUDIO_CONTROL_UNFOCUSED, .unfocused = (enum audio_unfocused_mode)3 },
		{ .type = (enum audio_control_command_type)3 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tap_assert_msg(audio_control_format_command(&bad[i], out, sizeof(out)) == -EINVAL,
				"command %zu formatted as \"%s\"", i, out);
	}
	/* 32 bytes of name and no NUL */
	struct audio_control_command unterminated = { .type = AUDIO_CONTROL_FOCUS };
	memset(unterminated.level, 'a', sizeof(unterminated.level));
	tap_assert_int_eq(audio_control_format_command(&unterminated, out, sizeof(out)), -EINVAL);
	tap_assert_str_eq(audio_control_mic_mode_name((enum audio_mic_mode)3), "?");
	tap_assert_str_eq(audio_control_unfocused_mode_name((enum audio_unfocused_mode)3), "?");
	tap_assert_str_eq(audio_control_mic_mode_name(AUDIO_MIC_GRANT), "grant");
	tap_assert_str_eq(audio_control_unfocused_mode_name(AUDIO_UNFOCUSED_DUCK), "duck");
}

static void
report_round_trip(const struct audio_control_report *report, const char *expect)
{
	char out[AUDIO_CONTROL_LINE_MAX];
	int n = audio_control_format_report(report, out, sizeof(out));
	tap_assert_int_eq(n, strlen(expect));
	tap_assert_str_eq(out, expect);
	struct audio_control_report back;
	memset(&back, 0xa5, sizeof(back));
	tap_assert_int_eq(audio_control_parse_report(out, (size_t)n - 1, &back), 0);
	tap_assert_int_eq(back.type, report->type);
	tap_assert_str_eq(back.mic_holder, report->mic_holder);
	tap_assert_int_eq(back.playing_count, report->playing_count);
	for (size_t i = 0; i < report->playing_count; i++) {
		tap_assert_str_eq(back.playing[i], report->playing[i]);
	}
	tap_assert_int_eq(audio_control_format_report(report, out, (size_t)n + 1), n);
	tap_assert_int_eq(audio_control_format_report(report, out, (size_t)n), -ENOSPC);
	tap_assert_str_eq(out, "");
}

static void
reports_round_trip(void)
{
	report_round_trip(&(struct audio_control_report){ .type = AUDIO_CONTROL_READY }, "ready\n");
	report_round_trip(&(struct audio_control_report){ .type = AUDIO_CONTROL_MIC_HOLDER },
			"mic none\n");
	report_round_trip(&(struct audio_control_report){ .type = AUDIO_CONTROL_MIC_HOLDER,
					  .mic_holder = "high" },
			"mic high\n");
	report_round_trip(&(struct audio_control_report){ .type = AUDIO_CONTROL_MIC_HOLDER,
					  .mic_holder = NAME_31 },
			"mic " NAME_31 "\n");
	report_round_trip(&(struct audio_control_report){ .type = AUDIO_CONTROL_PLAYING },
			"playing none\n");
	report_round_trip(&(struct audio_control_report){ .type = AUDIO_CONTROL_PLAYING,
					  .playing_count = 2,
					  .playing = { "low", "high" } },
			"playing low,high\n");
	/* the longest message there is: every level, every name at the limit */
	struct audio_control_report full = { .type = AUDIO_CONTROL_PLAYING,
		.playing_count = STRATA_MAX_LEVELS };
	char expect[AUDIO_CONTROL_LINE_MAX] = "playing ";
	for (int i = 0; i < STRATA_MAX_LEVELS; i++) {
		snprintf(full.playing[i], sizeof(full.playing[i]), NAME_31);
		full.playing[i][STRATA_LEVEL_NAME_MAX - 1] = (char)('a' + i);
		strcat(expect, full.playing[i]);
		strcat(expect, i + 1 < STRATA_MAX_LEVELS ? "," : "\n");
	}
	tap_assert_int_eq(strlen(expect), 264);
	report_round_trip(&full, expect);

	/* from the mux's names and bit mask */
	const char *const names[] = { "low", "high", "third" };
	struct audio_control_report r;
	audio_control_report_playing(&r, names, 3, 5);
	report_round_trip(&r, "playing low,third\n");
	audio_control_report_playing(&r, names, 3, 2);
	report_round_trip(&r, "playing high\n");
	audio_control_report_playing(&r, names, 3, 0);
	report_round_trip(&r, "playing none\n");
	/* bits beyond the levels are ignored */
	audio_control_report_playing(&r, names, 2, 0xfc);
	report_round_trip(&r, "playing none\n");
}

static void
reports_refused(void)
{
	static const char *const bad[] = {
		"",
		" ready",
		"ready ",
		"ready now",
		"Ready",
		"mic",
		"mic ",
		"mic Low",
		"mic none none",
		"mic core",
		"mic audio",
		"mic " NAME_32,
		"playing",
		"playing ",
		"playing ,low",
		"playing low,",
		"playing low,,high",
		"playing low high",
		"playing low, high",
		"playing none,low",
		"playing low,none",
		"playing low,low",
		"playing low,high,low",
		"playing audit",
		"playing " NAME_32,
		"playing b,c,d,e,f,g,h," NAME_32, /* the last slot's name one byte long */
		"playing a,b,c,d,e,f,g,h,i", /* one level more than there can be */
		"focus low",
		"mic grant high", /* commands are no reports */
		"unfocused mix",
		"hello",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct audio_control_report r;
		tap_assert_msg(audio_control_parse_report(bad[i], strlen(bad[i]), &r) == -EINVAL,
				"\"%s\" accepted", bad[i]);
	}
	struct audio_control_report r;
	tap_assert_int_eq(audio_control_parse_report("playing a,b,c,d,e,f,g,h", 23, &r), 0);
	tap_assert_int_eq(r.playing_count, STRATA_MAX_LEVELS);
	tap_assert_str_eq(r.playing[7], "h");
	tap_assert_int_eq(audio_control_parse_report("mic h\xc3\xa9", 7, &r), -EINVAL);
	tap_assert_int_eq(audio_control_parse_report("mic h\r", 6, &r), -EILSEQ);
	tap_assert_int_eq(audio_control_parse_report("ready\0", 6, &r), -EILSEQ);

	/* nor are bad reports written */
	char out[AUDIO_CONTROL_LINE_MAX];
	struct audio_control_report unwritable[] = {
		{ .type = AUDIO_CONTROL_MIC_HOLDER, .mic_holder = "none" },
		{ .type = AUDIO_CONTROL_MIC_HOLDER, .mic_holder = "Low" },
		{ .type = AUDIO_CONTROL_PLAYING, .playing_count = 1, .playing = { "" } },
		{ .type = AUDIO_CONTROL_PLAYING, .playing_count = 2, .playing = { "low", "low" } },
		{ .type = AUDIO_CONTROL_PLAYING, .playing_count = 1, .playing = { "a,b" } },
		{ .type = (enum audio_control_report_type)3 },
	};
	for (size_t i = 0; i < sizeof(unwritable) / sizeof(unwritable[0]); i++) {
		tap_assert_msg(audio_control_format_report(&unwritable[i], out, sizeof(out)) ==
						-EINVAL,
				"report %zu formatted as \"%s\"", i, out);
	}
	/* a count above the array, every name in it valid */
	struct audio_control_report too_many = { .type = AUDIO_CONTROL_PLAYING };
	audio_control_report_playing(&too_many,
			(const char *const[]){ "a", "b", "c", "d", "e", "f", "g", "h", "i" }, 9,
			0x1ff);
	tap_assert_int_eq(too_many.playing_count, STRATA_MAX_LEVELS);
	tap_assert(audio_control_format_report(&too_many, out, sizeof(out)) > 0);
	too_many.playing_count = STRATA_MAX_LEVELS + 1;
	tap_assert_int_eq(audio_control_format_report(&too_many, out, sizeof(out)), -EINVAL);
}

static void
escape_for_the_log(void)
{
	char out[64];
	audio_control_escape("ok \"x\"\x01\xff\n", 9, out, sizeof(out));
	tap_assert_str_eq(out, "ok \\x22x\\x22\\x01\\xff\\x0a");
	char small[8];
	audio_control_escape("abcdefghijk", 11, small, sizeof(small));
	tap_assert_str_eq(small, "abcd...");
}

TAP_TESTS(TAP_CASE(commands), TAP_CASE(rejects_everything_else), TAP_CASE(rejects_bad_bytes),
		TAP_CASE(line_length_limit), TAP_CASE(reader_splits_lines),
		TAP_CASE(reader_drops_long_lines), TAP_CASE(commands_round_trip),
		TAP_CASE(commands_not_formatted), TAP_CASE(reports_round_trip),
		TAP_CASE(reports_refused), TAP_CASE(escape_for_the_log))
