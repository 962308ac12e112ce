// SPDX-License-Identifier: MIT
/*
 * The compositor <-> strata-audio-mux line protocol (audio_control.h): one
 * table of words per mode, used both to parse and to format, so that what
 * one side writes is exactly what the other reads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "common/audio_control.h"
#include "common/utf8.h"

_Static_assert(sizeof("playing ") - 1 + STRATA_MAX_LEVELS * (STRATA_LEVEL_NAME_MAX + 1) <=
				AUDIO_CONTROL_LINE_MAX,
		"the longest report must fit in a line");

static const char *const mic_mode_words[] = {
	[AUDIO_MIC_OFF] = "off",
	[AUDIO_MIC_FOLLOW] = "follow",
	[AUDIO_MIC_GRANT] = "grant",
};

static const char *const unfocused_mode_words[] = {
	[AUDIO_UNFOCUSED_MIX] = "mix",
	[AUDIO_UNFOCUSED_DUCK] = "duck",
	[AUDIO_UNFOCUSED_MUTE] = "mute",
};

#define WORD_COUNT(words) (sizeof(words) / sizeof((words)[0]))

const char *
audio_control_mic_mode_name(enum audio_mic_mode mode)
{
	return (size_t)mode < WORD_COUNT(mic_mode_words) ? mic_mode_words[mode] : "?";
}

const char *
audio_control_unfocused_mode_name(enum audio_unfocused_mode mode)
{
	return (size_t)mode < WORD_COUNT(unfocused_mode_words) ? unfocused_mode_words[mode] : "?";
}

/* ---- parsing -------------------------------------------------------------- */

struct word {
	const char *text;
	size_t len;
};

static bool
word_is(struct word word, const char *text)
{
	return strlen(text) == word.len && memcmp(word.text, text, word.len) == 0;
}

/* The index of word in words, or -1. */
static int
word_index(struct word word, const char *const *words, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (word_is(word, words[i])) {
			return (int)i;
		}
	}
	return -1;
}

/* Copies word into out (STRATA_LEVEL_NAME_MAX + 1 bytes) if it is a level
 * name by the rule; "none" and the other reserved words are not. */
static bool
word_level(struct word word, char *out)
{
	if (word.len > STRATA_LEVEL_NAME_MAX) {
		return false;
	}
	memcpy(out, word.text, word.len);
	out[word.len] = '\0';
	return config_level_name_valid(out, NULL, 0);
}

/* A line either side may read: short enough, strict UTF-8 without C0/C1
 * controls or DEL (so without NUL, CR or tab either). */
static int
check_line(const char *line, size_t len)
{
	if (len > AUDIO_CONTROL_LINE_MAX - 1) {
		return -EMSGSIZE;
	}
	const uint8_t *s = (const uint8_t *)line;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			return -EILSEQ;
		}
		i += n;
	}
	return 0;
}

/*
 * Splits text into words separated by sep: their number (at most max), or
 * -EINVAL for more than max words. A leading, trailing or doubled sep makes
 * an empty word, which no keyword and no level name matches.
 */
static int
split(const char *text, size_t len, char sep, struct word *words, int max)
{
	int count = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != sep) {
			continue;
		}
		if (count == max) {
			return -EINVAL;
		}
		words[count++] = (struct word){ text + start, i - start };
		start = i + 1;
	}
	return count;
}

/* A line either side may read, split into at most max words: their number,
 * or a negative errno as audio_control_parse_command() says. */
static int
split_line(const char *line, size_t len, struct word *words, int max)
{
	int res = check_line(line, len);
	return res < 0 ? res : split(line, len, ' ', words, max);
}

int
audio_control_parse_command(const char *line, size_t len, struct audio_control_command *cmd)
{
	struct word w[3];
	int n = split_line(line, len, w, 3);
	if (n < 0) {
		return n;
	}
	memset(cmd, 0, sizeof(*cmd));
	if (n == 2 && word_is(w[0], "focus")) {
		cmd->type = AUDIO_CONTROL_FOCUS;
		return word_is(w[1], "none") || word_level(w[1], cmd->level) ? 0 : -EINVAL;
	}
	if (word_is(w[0], "mic")) {
		cmd->type = AUDIO_CONTROL_MIC;
		int mode = n >= 2 ? word_index(w[1], mic_mode_words, WORD_COUNT(mic_mode_words)) :
				    -1;
		if (mode < 0 || (mode == AUDIO_MIC_GRANT) != (n == 3)) {
			return -EINVAL;
		}
		cmd->mic_mode = (enum audio_mic_mode)mode;
		if (mode == AUDIO_MIC_GRANT && !word_level(w[2], cmd->level)) {
			return -EINVAL;
		}
		return 0;
	}
	if (n == 2 && word_is(w[0], "unfocused")) {
		cmd->type = AUDIO_CONTROL_UNFOCUSED;
		int mode = word_index(w[1], unfocused_mode_words, WORD_COUNT(unfocused_mode_words));
		if (mode < 0) {
			return -EINVAL;
		}
		cmd->unfocused = (enum audio_unfocused_mode)mode;
		return 0;
	}
	return -EINVAL;
}

static int
parse_playing(struct word list, struct audio_control_report *report)
{
	if (word_is(list, "none")) {
		return 0;
	}
	struct word names[STRATA_MAX_LEVELS];
	int n = split(list.text, list.len, ',', names, STRATA_MAX_LEVELS);
	if (n < 0) {
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (!word_level(names[i], report->playing[i])) {
			return -EINVAL;
		}
		for (int k = 0; k < i; k++) {
			if (strcmp(report->playing[k], report->playing[i]) == 0) {
				return -EINVAL;
			}
		}
	}
	report->playing_count = (size_t)n;
	return 0;
}

int
audio_control_parse_report(const char *line, size_t len, struct audio_control_report *report)
{
	struct word w[2];
	int n = split_line(line, len, w, 2);
	if (n < 0) {
		return n;
	}
	memset(report, 0, sizeof(*report));
	if (n == 1 && word_is(w[0], "ready")) {
		report->type = AUDIO_CONTROL_READY;
		return 0;
	}
	if (n == 2 && word_is(w[0], "mic")) {
		report->type = AUDIO_CONTROL_MIC_HOLDER;
		return word_is(w[1], "none") || word_level(w[1], report->mic_holder) ? 0 : -EINVAL;
	}
	if (n == 2 && word_is(w[0], "playing")) {
		report->type = AUDIO_CONTROL_PLAYING;
		int res = parse_playing(w[1], report);
		if (res < 0) {
			report->playing_count = 0;
		}
		return res;
	}
	return -EINVAL;
}

/* ---- formatting ----------------------------------------------------------- */

static int format_line(char *out, size_t size, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

/* Formats into out: the length, or -ENOSPC (out then holds ""). */
static int
format_line(char *out, size_t size, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(out, size, fmt, args);
	va_end(args);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0) {
			out[0] = '\0';
		}
		return -ENOSPC;
	}
	return n;
}

/* A name of a struct's array, NUL-terminated or not. */
static bool
level_valid(const char level[static STRATA_LEVEL_NAME_MAX + 1])
{
	return config_level_name_valid(level, NULL, 0);
}

int
audio_control_format_command(const struct audio_control_command *cmd, char *out, size_t size)
{
	switch (cmd->type) {
	case AUDIO_CONTROL_FOCUS:
		if (cmd->level[0] == '\0') {
			return format_line(out, size, "focus none\n");
		}
		return level_valid(cmd->level) ? format_line(out, size, "focus %s\n", cmd->level) :
						 -EINVAL;
	case AUDIO_CONTROL_MIC:
		if (cmd->mic_mode == AUDIO_MIC_GRANT) {
			return level_valid(cmd->level) ?
					format_line(out, size, "mic grant %s\n", cmd->level) :
					-EINVAL;
		}
		if ((size_t)cmd->mic_mode >= WORD_COUNT(mic_mode_words)) {
			return -EINVAL;
		}
		return format_line(out, size, "mic %s\n", mic_mode_words[cmd->mic_mode]);
	case AUDIO_CONTROL_UNFOCUSED:
		if ((size_t)cmd->unfocused >= WORD_COUNT(unfocused_mode_words)) {
			return -EINVAL;
		}
		return format_line(out, size, "unfocused %s\n",
				unfocused_mode_words[cmd->unfocused]);
	}
	return -EINVAL;
}

static int
format_playing(const struct audio_control_report *report, char *out, size_t size)
{
	if (report->playing_count == 0) {
		return format_line(out, size, "playing none\n");
	}
	if (report->playing_count > STRATA_MAX_LEVELS) {
		return -EINVAL;
	}
	for (size_t i = 0; i < report->playing_count; i++) {
		if (!level_valid(report->playing[i])) {
			return -EINVAL;
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(report->playing[k], report->playing[i]) == 0) {
				return -EINVAL;
			}
		}
	}
	int used = format_line(out, size, "playing ");
	for (size_t i = 0; i < report->playing_count && used >= 0; i++) {
		int n = format_line(out + used, size - (size_t)used, "%s%s", report->playing[i],
				i + 1 < report->playing_count ? "," : "\n");
		used = n < 0 ? n : used + n;
	}
	if (used < 0 && size > 0) {
		out[0] = '\0';
	}
	return used;
}

int
audio_control_format_report(const struct audio_control_report *report, char *out, size_t size)
{
	switch (report->type) {
	case AUDIO_CONTROL_READY:
		return format_line(out, size, "ready\n");
	case AUDIO_CONTROL_MIC_HOLDER:
		if (report->mic_holder[0] == '\0') {
			return format_line(out, size, "mic none\n");
		}
		return level_valid(report->mic_holder) ?
				format_line(out, size, "mic %s\n", report->mic_holder) :
				-EINVAL;
	case AUDIO_CONTROL_PLAYING:
		return format_playing(report, out, size);
	}
	return -EINVAL;
}

void
audio_control_report_playing(struct audio_control_report *report, const char *const *names,
		int count, uint32_t mask)
{
	memset(report, 0, sizeof(*report));
	report->type = AUDIO_CONTROL_PLAYING;
	for (int i = 0; i < count && i < 32 && report->playing_count < STRATA_MAX_LEVELS; i++) {
		if (mask & (1u << i)) {
			snprintf(report->playing[report->playing_count++],
					sizeof(report->playing[0]), "%s", names[i]);
		}
	}
}

/* ---- lines ---------------------------------------------------------------- */

void
audio_control_reader_init(struct audio_control_reader *reader)
{
	memset(reader, 0, sizeof(*reader));
}

void
audio_control_reader_feed(struct audio_control_reader *reader, const char *bytes, size_t len,
		audio_control_line_fn fn, void *data)
{
	for (size_t i = 0; i < len; i++) {
		char c = bytes[i];
		if (c == '\n') {
			reader->buf[reader->len] = '\0';
			int status = reader->discarding ? -EMSGSIZE : 0;
			size_t line_len = reader->len;
			reader->len = 0;
			reader->discarding = false;
			fn(data, reader->buf, line_len, status);
			continue;
		}
		if (reader->discarding) {
			continue;
		}
		if (reader->len == AUDIO_CONTROL_LINE_MAX - 1) {
			/* a byte past the longest line that is not its newline */
			reader->discarding = true;
			continue;
		}
		reader->buf[reader->len++] = c;
	}
}

void
audio_control_escape(const char *line, size_t len, char *out, size_t size)
{
	size_t used = 0;
	if (size == 0) {
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		char piece[8];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			piece[0] = (char)c;
			piece[1] = '\0';
		} else {
			snprintf(piece, sizeof(piece), "\\x%02x", c);
		}
		size_t n = strlen(piece);
		if (used + n + 4 > size) {
			snprintf(out + used, size - used, "...");
			return;
		}
		memcpy(out + used, piece, n);
		used += n;
	}
	out[used] = '\0';
}
