/* SPDX-License-Identifier: MIT */
#ifndef AUDIO_MUX_CONTROL_H
#define AUDIO_MUX_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy.h"

/*
 * The line protocol between the compositor and strata-audio-mux, on a
 * SOCK_STREAM socketpair: UTF-8, one command per line, at most
 * CONTROL_LINE_MAX bytes with the newline. Pure code (no I/O), unit-tested
 * from memory in tests/audio/test_control.c.
 *
 *   compositor -> mux   focus LEVEL | focus none
 *                       mic off | mic follow | mic grant LEVEL
 *                       unfocused mix | unfocused duck | unfocused mute
 *   mux -> compositor   ready
 *                       mic LEVEL | mic none
 *                       playing L1,L2 | playing none
 *
 * Words are separated by exactly one space; nothing else is accepted (no
 * leading or trailing blanks, no carriage return). A line that is not one of
 * the commands above is logged and ignored.
 */

#define CONTROL_LINE_MAX 256

enum control_command_type {
	CONTROL_FOCUS,
	CONTROL_MIC,
	CONTROL_UNFOCUSED,
};

struct control_command {
	enum control_command_type type;
	/* CONTROL_FOCUS: the level, "" for none; CONTROL_MIC with
	 * AUDIO_MIC_GRANT: the level granted. A syntactically valid name the mux
	 * does not know is its business. */
	char level[STRATA_LEVEL_NAME_MAX + 1];
	enum audio_mic_mode mic_mode; /* CONTROL_MIC */
	enum audio_unfocused_mode unfocused; /* CONTROL_UNFOCUSED */
};

/*
 * Parses one line, without its newline. 0 on success; -EMSGSIZE if it is
 * longer than CONTROL_LINE_MAX - 1 bytes, -EILSEQ if it is not UTF-8 or holds
 * a control character, -EINVAL if it is no command.
 */
int control_parse(const char *line, size_t len, struct control_command *cmd);

/* Splits a byte stream into lines. */
struct control_reader {
	char buf[CONTROL_LINE_MAX];
	size_t len;
	bool discarding; /* in a line already too long: drop up to its newline */
};

/*
 * Called for every complete line, without the newline and NUL-terminated
 * (a NUL byte inside the line makes strlen(line) < len). status is 0, or
 * -EMSGSIZE for a line that was too long (line then holds its first
 * CONTROL_LINE_MAX - 1 bytes).
 */
typedef void (*control_line_fn)(void *data, const char *line, size_t len, int status);

void control_reader_init(struct control_reader *reader);
void control_reader_feed(struct control_reader *reader, const char *bytes, size_t len,
		control_line_fn fn, void *data);

/* Printable, quoted form of an untrusted line for the log: bytes outside
 * printable ASCII become \xNN. out always ends with a NUL. */
void control_escape(const char *line, size_t len, char *out, size_t size);

/*
 * Messages to the compositor, newline included; the number of bytes written
 * (without the NUL), or -ENOSPC if out is too small.
 */
int control_format_mic(char *out, size_t size, const char *level); /* NULL: none */
/* playing: the levels whose bit is set in mask, in index order. */
int control_format_playing(char *out, size_t size, const char *const *names, int count,
		uint32_t mask);

#endif
