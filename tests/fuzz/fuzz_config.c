// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the configuration: the input is a strata.ini, and it
 * goes where `strata --validate -c FILE` sends a file: config_load_stream()
 * (libinih under the parser, every key's checks, the levels, the clipboard
 * directions, the [lock] keys resolved by libxkbcommon), then the check the
 * parser cannot make (binding_check_sak: a secure attention key that is a
 * reserved shortcut). The themes are files of the same form: their
 * validation is this one (the .ini files of themes/ seed the corpus).
 *
 * The bytes reach the parser through fmemopen(), as a file would, NUL bytes
 * and all. Beyond not crashing (ASan and UBSan watch), what the parser says
 * must hold what it promises:
 *   - every error message is valid UTF-8 with no control or bidi character
 *     (client-free, but an integrator's bytes are quoted in them), and its
 *     line is within the file;
 *   - a configuration it accepts has 1..STRATA_MAX_LEVELS levels of valid,
 *     distinct names, texts of valid UTF-8 without controls, every number in
 *     its documented range, 1..STRATA_SAK_MAX secure attention keys, and no
 *     clipboard direction from a level to itself;
 *   - when the input holds no NUL, the same text through config_load_string()
 *     gives the same verdict and the same messages (one parser, two readers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/config.h"
#include "common/utf8.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_config_check(bool ok)
{
	if (!ok) {
		abort();
	}
}

/* Controls and invisible format characters: nothing of the kind may reach a
 * terminal from a message. */
static bool
fuzz_config_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
			(cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
			(cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) ||
			cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* Valid UTF-8 and no control (but white space: tab, VT, FF, CR, where
 * spaces is true). */
static bool
fuzz_config_clean_text(const char *s, bool spaces)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s);
	while (len > 0) {
		uint32_t cp;
		size_t n = utf8_decode(p, len, &cp);
		if (n == 0) {
			return false;
		}
		if (fuzz_config_is_control(cp) &&
				!(spaces && cp >= '\t' && cp <= '\r' && cp != '\n')) {
			return false;
		}
		p += n;
		len -= n;
	}
	return true;
}

#define FUZZ_CONFIG_MESSAGES 64
#define FUZZ_CONFIG_MESSAGE_MAX 320 /* config.c's CONFIG_MESSAGE_MAX */

struct fuzz_config_report {
	int lines; /* of the input, at most */
	size_t count;
	int line[FUZZ_CONFIG_MESSAGES];
	char message[FUZZ_CONFIG_MESSAGES][FUZZ_CONFIG_MESSAGE_MAX];
};

static void
fuzz_config_collect(void *data, const char *source, int line, const char *message)
{
	struct fuzz_config_report *r = data;
	fuzz_config_check(strcmp(source, "<fuzz>") == 0);
	fuzz_config_check(line >= 0 && line <= r->lines);
	fuzz_config_check(message[0] != '\0' && strlen(message) < FUZZ_CONFIG_MESSAGE_MAX);
	fuzz_config_check(fuzz_config_clean_text(message, false));
	if (r->count < FUZZ_CONFIG_MESSAGES) {
		r->line[r->count] = line;
		snprintf(r->message[r->count], sizeof(r->message[r->count]), "%s", message);
	}
	r->count++;
}

static bool
fuzz_config_in(int value, int min, int max)
{
	return value >= min && value <= max;
}

/* What an accepted configuration promises (include/common/config.h). */
static void
fuzz_config_check_accepted(const struct strata_config *cfg)
{
	fuzz_config_check(cfg->level_count >= 1 && cfg->level_count <= STRATA_MAX_LEVELS);
	for (size_t i = 0; i < cfg->level_count; i++) {
		const struct strata_level *level = &cfg->levels[i];
		char why[FUZZ_CONFIG_MESSAGE_MAX];
		fuzz_config_check(config_level_name_valid(level->name, why, sizeof(why)));
		fuzz_config_check(config_find_level(cfg, level->name) == (int)i);
		fuzz_config_check(strlen(level->banner) <= STRATA_BANNER_TEXT_MAX);
		fuzz_config_check(fuzz_config_clean_text(level->banner, false));
		fuzz_config_check(fuzz_config_in(level->border_width, 1, 32));
		fuzz_config_check(level->xwayland >= STRATA_XWAYLAND_LAZY &&
				level->xwayland <= STRATA_XWAYLAND_NO);
		fuzz_config_check(strlen(level->autostart) <= STRATA_COMMAND_MAX);
		fuzz_config_check(!cfg->clipboard_allow[i][i]);
	}
	fuzz_config_check(fuzz_config_in(cfg->banner_height, 16, 128));
	fuzz_config_check(fuzz_config_in(cfg->title_height, 12, 64));
	fuzz_config_check(fuzz_config_clean_text(cfg->font, false));
	fuzz_config_check(fuzz_config_in(cfg->max_buffer_width, 64, 32768));
	fuzz_config_check(fuzz_config_in(cfg->max_buffer_height, 64, 32768));
	fuzz_config_check(fuzz_config_in(cfg->shm_mib_per_client, 1, 4096));
	fuzz_config_check(fuzz_config_in(cfg->shm_pools_per_client, 1, 1024));
	fuzz_config_check(fuzz_config_in(cfg->proxy_max_clients, 1, 4096));
	fuzz_config_check(fuzz_config_in(cfg->proxy_max_objects, 64, 1000000));
	fuzz_config_check(fuzz_config_in(cfg->proxy_max_fds_in_flight, 1, 256));
	fuzz_config_check(fuzz_config_in(cfg->proxy_max_toplevels, 1, 10000));
	fuzz_config_check(fuzz_config_in(cfg->proxy_max_messages_per_second, 100, 10000000));
	fuzz_config_check(fuzz_config_in(cfg->proxy_client_buffer_kib, 64, 65536));
	fuzz_config_check(fuzz_config_in(cfg->clipboard_max_bytes, 1, 1048576));
	fuzz_config_check(fuzz_config_in(cfg->clipboard_timeout_ms, 100, 60000));
	fuzz_config_check(fuzz_config_in(cfg->clipboard_confirm_s, 5, 600));
	fuzz_config_check(fuzz_config_in(cfg->clipboard_settle_ms, 200, 5000));
	fuzz_config_check(fuzz_config_in(cfg->audio_quantum, 256, 8192));
	fuzz_config_check(cfg->lock_idle_seconds == 0 ||
			fuzz_config_in(cfg->lock_idle_seconds, 10, 86400));
	fuzz_config_check(cfg->sak_count >= 1 && cfg->sak_count <= STRATA_SAK_MAX);
	/* sak_text is as written (names trimmed of any white space inside):
	 * UTF-8, quoted wherever it is shown (see binding_check_sak below). */
	fuzz_config_check(fuzz_config_clean_text(cfg->sak_text, true));
	fuzz_config_check(cfg->audio_core_remote[0] == '\0' || cfg->audio_core_remote[0] == '/');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024) {
		return 0; /* lines are cut at inih's limit: longer inputs add nothing */
	}
	struct fuzz_config_report *report = calloc(2, sizeof(*report));
	struct strata_config *cfg = malloc(sizeof(*cfg));
	fuzz_config_check(report && cfg);
	report[0].lines = report[1].lines = 1;
	for (size_t i = 0; i < size; i++) {
		report[0].lines += data[i] == '\n';
	}
	report[1].lines = report[0].lines;

	bool ok;
	if (size == 0) {
		ok = config_load_string(cfg, "", "<fuzz>", fuzz_config_collect, &report[0]);
	} else {
		/* fmemopen reads a copy: the input is const. */
		char *copy = malloc(size);
		fuzz_config_check(copy != NULL);
		memcpy(copy, data, size);
		FILE *f = fmemopen(copy, size, "r");
		fuzz_config_check(f != NULL);
		ok = config_load_stream(cfg, f, "<fuzz>", fuzz_config_collect, &report[0]);
		fclose(f);
		free(copy);
	}
	fuzz_config_check(ok == (report[0].count == 0));
	if (ok) {
		fuzz_config_check_accepted(cfg);
		/* --validate's last word: main.c's lock_check_config. */
		char why[512] = "";
		if (!binding_check_sak(cfg, why, sizeof(why))) {
			fuzz_config_check(why[0] != '\0' && fuzz_config_clean_text(why, false));
		}
	}

	if (size > 0 && memchr(data, '\0', size) == NULL) {
		char *text = malloc(size + 1);
		fuzz_config_check(text != NULL);
		memcpy(text, data, size);
		text[size] = '\0';
		bool again = config_load_string(cfg, text, "<fuzz>", fuzz_config_collect,
				&report[1]);
		free(text);
		fuzz_config_check(again == ok && report[1].count == report[0].count);
		size_t kept = report[0].count < FUZZ_CONFIG_MESSAGES ? report[0].count :
								       FUZZ_CONFIG_MESSAGES;
		for (size_t i = 0; i < kept; i++) {
			fuzz_config_check(report[0].line[i] == report[1].line[i]);
			fuzz_config_check(strcmp(report[0].message[i], report[1].message[i]) == 0);
		}
	}
	free(cfg);
	free(report);
	return 0;
}
