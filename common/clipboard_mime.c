// SPDX-License-Identifier: MIT
#include <limits.h>
#include <strings.h>
#include "common/clipboard_mime.h"

const char *const clipboard_mime_text_types[CLIPBOARD_MIME_TEXT_COUNT] = {
	"text/plain;charset=utf-8",
	"UTF8_STRING",
	"text/plain",
	"STRING",
	"TEXT",
};

int
clipboard_mime_text_rank(const char *mime)
{
	for (int i = 0; i < CLIPBOARD_MIME_TEXT_COUNT; i++) {
		if (strcasecmp(mime, clipboard_mime_text_types[i]) == 0) {
			return i;
		}
	}
	return -1;
}

bool
clipboard_mime_is_png(const char *mime)
{
	return strcasecmp(mime, CLIPBOARD_MIME_PNG) == 0;
}

int
clipboard_mime_pick(const char *const *offered, size_t count, bool allow_png)
{
	int best = -1, best_rank = CLIPBOARD_MIME_TEXT_COUNT, png = -1;
	for (size_t i = 0; i < count && i <= (size_t)INT_MAX; i++) {
		if (!offered[i]) {
			continue;
		}
		int rank = clipboard_mime_text_rank(offered[i]);
		if (rank >= 0 && rank < best_rank) {
			best = (int)i;
			best_rank = rank;
		} else if (rank < 0 && png < 0 && clipboard_mime_is_png(offered[i])) {
			png = (int)i;
		}
	}
	if (best >= 0) {
		return best;
	}
	return allow_png ? png : -1;
}
