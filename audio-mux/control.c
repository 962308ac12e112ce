// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common/utf8.h"
#include "control.h"

/* Strict UTF-8 (common/utf8.h) without C0/C1 control characters or DEL. */
static bool
utf8_text_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			return false;
		}
		i += n;
	}
	return true;
}

/* Copies the word starting at *pos (up to a space or the end) into out. */
static bool
next_word(const char *line, size_t len, size_t *pos, char *out, size_t size)
{
	size_t start = *pos, end = start;
	while (end < len && line[end] != ' ') {
		end++;
	}
	if (end == start || end - start >= size) {
		return false;
	}
	memcpy(out, line + start, end - start);
	out[end - start] = '\0';
	if (end < len) {
		end++; /* the single separator */
		if (end == len) {
			return false; /* a trailing space */
		}
	}
	*pos = end;
	return true;
}

int
control_parse(const char *line, size_t len, struct control_command *cmd)
{
	if (len > CONTROL_LINE_MAX - 1) {
		return -EMSGSIZE;
	}
	if (!utf8_text_valid((const unsigned char *)line, len)) {
		return -EILSEQ;
	}

	char words[3][STRATA_LEVEL_NAME_MAX + 1];
	size_t pos = 0;
	int n = 0;
	while (pos < len) {
		if (n == 3 || !next_word(line, len, &pos, words[n], sizeof(words[n]))) {
			return -EINVAL;
		}
		n++;
	}

	memset(cmd, 0, sizeof(*cmd));
	if (n == 2 && strcmp(words[0], "focus") == 0) {
		cmd->type = CONTROL_FOCUS;
		if (strcmp(words[1], "none") == 0) {
			return 0;
		}
		if (!config_level_name_valid(words[1], NULL, 0)) {
			return -EINVAL;
		}
		snprintf(cmd->level, sizeof(cmd->level), "%s", words[1]);
		return 0;
	}
	if (n >= 2 && strcmp(words[0], "mic") == 0) {
		cmd->type = CONTROL_MIC;
		if (n == 2 && strcmp(words[1], "off") == 0) {
			cmd->mic_mode = AUDIO_MIC_OFF;
			return 0;
		}
		if (n == 2 && strcmp(words[1], "follow") == 0) {
			cmd->mic_mode = AUDIO_MIC_FOLLOW;
			return 0;
		}
		if (n == 3 && strcmp(words[1], "grant") == 0 &&
				config_level_name_valid(words[2], NULL, 0)) {
			cmd->mic_mode = AUDIO_MIC_GRANT;
			snprintf(cmd->level, sizeof(cmd->level), "%s", words[2]);
			return 0;
		}
		return -EINVAL;
	}
	if (n == 2 && strcmp(words[0], "unfocused") == 0) {
		cmd->type = CONTROL_UNFOCUSED;
		if (strcmp(words[1], "mix") == 0) {
			cmd->unfocused = AUDIO_UNFOCUSED_MIX;
		} else if (strcmp(words[1], "duck") == 0) {
			cmd->unfocused = AUDIO_UNFOCUSED_DUCK;
		} else if (strcmp(words[1], "mute") == 0) {
			cmd->unfocused = AUDIO_UNFOCUSED_MUTE;
		} else {
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

void
control_reader_init(struct control_reader *reader)
{
	memset(reader, 0, sizeof(*reader));
}

void
control_reader_feed(struct control_reader *reader, const char *bytes, size_t len,
		control_line_fn fn, void *data)
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
		if (reader->len == CONTROL_LINE_MAX - 1) {
			/* a 256th byte that is not the newline */
			reader->discarding = true;
			continue;
		}
		reader->buf[reader->len++] = c;
	}
}

void
control_escape(const char *line, size_t len, char *out, size_t size)
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

int
control_format_mic(char *out, size_t size, const char *level)
{
	int n = snprintf(out, size, "mic %s\n", level ? level : "none");
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int
control_format_playing(char *out, size_t size, const char *const *names, int count, uint32_t mask)
{
	int n = snprintf(out, size, "playing ");
	if (n < 0 || (size_t)n >= size) {
		return -ENOSPC;
	}
	size_t used = (size_t)n;
	bool any = false;
	for (int i = 0; i < count && i < 32; i++) {
		if (!(mask & (1u << i))) {
			continue;
		}
		n = snprintf(out + used, size - used, "%s%s", any ? "," : "", names[i]);
		if (n < 0 || (size_t)n >= size - used) {
			return -ENOSPC;
		}
		used += (size_t)n;
		any = true;
	}
	n = snprintf(out + used, size - used, "%s\n", any ? "" : "none");
	if (n < 0 || (size_t)n >= size - used) {
		return -ENOSPC;
	}
	return (int)(used + (size_t)n);
}
