/* SPDX-License-Identifier: MIT */
#ifndef COMMON_AUDIO_CONTROL_H
#define COMMON_AUDIO_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/config.h" /* STRATA_MAX_LEVELS, STRATA_LEVEL_NAME_MAX */

/*
 * The line protocol between the compositor and strata-audio-mux, on a
 * SOCK_STREAM socketpair, both directions: the compositor formats commands
 * and parses reports, the mux parses commands and formats reports, through
 * the same code. UTF-8, one message per line, at most AUDIO_CONTROL_LINE_MAX
 * bytes with the newline. Pure code (no I/O), unit-tested from memory in
 * tests/unit/test_audio_control.c.
 *
 *   compositor -> mux   focus LEVEL | focus none
 *                       mic off | mic follow | mic grant LEVEL
 *                       unfocused mix | unfocused duck | unfocused mute
 *   mux -> compositor   ready
 *                       mic LEVEL | mic none
 *                       playing L1,L2 | playing none
 *
 * Words are separated by exactly one space; nothing else is accepted (no
 * leading or trailing blanks, no carriage return, no control character).
 * LEVEL is a name by config_level_name_valid(): a name it refuses (a
 * reserved word among them) makes the line no message. A line that is not
 * one of the messages above is refused whole; the receiver logs and ignores
 * it. Functions return 0 or a byte count, or a negative errno.
 */

/* Bytes of a line with its newline. The longest message there is,
 * "playing" with STRATA_MAX_LEVELS names of STRATA_LEVEL_NAME_MAX bytes,
 * takes 264. */
#define AUDIO_CONTROL_LINE_MAX 512

enum audio_mic_mode {
	AUDIO_MIC_OFF, /* nobody hears the microphone (the default) */
	AUDIO_MIC_FOLLOW, /* the focused level does */
	AUDIO_MIC_GRANT, /* the level granted by the reserved shortcut does */
};

enum audio_unfocused_mode {
	AUDIO_UNFOCUSED_MIX, /* full volume (the default) */
	AUDIO_UNFOCUSED_DUCK, /* -20 dB */
	AUDIO_UNFOCUSED_MUTE, /* silence */
};

/* The protocol's words for a mode ("off", "follow", "grant"; "mix", "duck",
 * "mute"), or "?" for a value out of range. */
const char *audio_control_mic_mode_name(enum audio_mic_mode mode);
const char *audio_control_unfocused_mode_name(enum audio_unfocused_mode mode);

/* ---- compositor -> mux ---------------------------------------------------- */

enum audio_control_command_type {
	AUDIO_CONTROL_FOCUS,
	AUDIO_CONTROL_MIC,
	AUDIO_CONTROL_UNFOCUSED,
};

struct audio_control_command {
	enum audio_control_command_type type;
	/* AUDIO_CONTROL_FOCUS: the level, "" for none; AUDIO_CONTROL_MIC with
	 * AUDIO_MIC_GRANT: the level granted. A valid name the mux does not
	 * know is its business. */
	char level[STRATA_LEVEL_NAME_MAX + 1];
	enum audio_mic_mode mic_mode; /* AUDIO_CONTROL_MIC */
	enum audio_unfocused_mode unfocused; /* AUDIO_CONTROL_UNFOCUSED */
};

/*
 * Parses one line, without its newline. 0 on success (cmd filled in, the
 * fields its type does not use zeroed); -EMSGSIZE if the line is longer than
 * AUDIO_CONTROL_LINE_MAX - 1 bytes, -EILSEQ if it is not UTF-8 or holds a
 * control character, -EINVAL if it is no command.
 */
int audio_control_parse_command(const char *line, size_t len, struct audio_control_command *cmd);

/*
 * Writes cmd as a line, newline included and NUL-terminated, into out.
 * Returns the number of bytes before the NUL; -EINVAL for a command that
 * audio_control_parse_command() would refuse (a bad level name, a mode out
 * of range), -ENOSPC if out is too small.
 */
int audio_control_format_command(const struct audio_control_command *cmd, char *out, size_t size);

/* ---- mux -> compositor ---------------------------------------------------- */

enum audio_control_report_type {
	AUDIO_CONTROL_READY,
	AUDIO_CONTROL_MIC_HOLDER,
	AUDIO_CONTROL_PLAYING,
};

struct audio_control_report {
	enum audio_control_report_type type;
	/* AUDIO_CONTROL_MIC_HOLDER: the level that hears the microphone, ""
	 * for none. */
	char mic_holder[STRATA_LEVEL_NAME_MAX + 1];
	/* AUDIO_CONTROL_PLAYING: the levels playing, in the mux's order, no
	 * name twice; 0 for none. */
	size_t playing_count;
	char playing[STRATA_MAX_LEVELS][STRATA_LEVEL_NAME_MAX + 1];
};

/* Parses one line, without its newline: as audio_control_parse_command(). */
int audio_control_parse_report(const char *line, size_t len, struct audio_control_report *report);

/* Writes report as a line: as audio_control_format_command(). */
int audio_control_format_report(const struct audio_control_report *report, char *out, size_t size);

/* Fills report as AUDIO_CONTROL_PLAYING with the names whose bit is set in
 * mask, in index order (bits at count and above are ignored). */
void audio_control_report_playing(struct audio_control_report *report, const char *const *names,
		int count, uint32_t mask);

/* ---- both sides ----------------------------------------------------------- */

/* Splits a byte stream into lines. */
struct audio_control_reader {
	char buf[AUDIO_CONTROL_LINE_MAX];
	size_t len;
	bool discarding; /* in a line already too long: drop up to its newline */
};

/*
 * Called for every complete line, without the newline and NUL-terminated
 * (a NUL byte inside the line makes strlen(line) < len). status is 0, or
 * -EMSGSIZE for a line that was too long (line then holds its first
 * AUDIO_CONTROL_LINE_MAX - 1 bytes).
 */
typedef void (*audio_control_line_fn)(void *data, const char *line, size_t len, int status);

void audio_control_reader_init(struct audio_control_reader *reader);
void audio_control_reader_feed(struct audio_control_reader *reader, const char *bytes, size_t len,
		audio_control_line_fn fn, void *data);

/* Printable, quoted form of an untrusted line for the log: bytes outside
 * printable ASCII, '"' and '\' become \xNN; cut with "..." to fit. out always
 * ends with a NUL (size > 0). */
void audio_control_escape(const char *line, size_t len, char *out, size_t size);

#endif
