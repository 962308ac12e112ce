// SPDX-License-Identifier: MIT
/* strata.conf parsing, from memory (config_load_string) and from the themes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xkbcommon/xkbcommon-keysyms.h>
#include "common/config.h"
#include "config.h"
#include "tap.h"

#define ERRORS_MAX 128

struct errors {
	int count;
	int lines[ERRORS_MAX];
	char messages[ERRORS_MAX][512];
	char source[256];
};

static void
errors_collect(void *data, const char *source, int line, const char *message)
{
	struct errors *e = data;
	if (e->count == 0) {
		snprintf(e->source, sizeof(e->source), "%s", source);
	}
	if (e->count < ERRORS_MAX) {
		e->lines[e->count] = line;
		snprintf(e->messages[e->count], sizeof(e->messages[0]), "%s", message);
		tap_diag("%s:%d: %s", source, line, message);
	}
	e->count++;
}

static bool
load(const char *text, struct strata_config *cfg, struct errors *e)
{
	memset(e, 0, sizeof(*e));
	return config_load_string(cfg, text, "<test>", errors_collect, e);
}

/* The error at index is at line and its message contains needle. */
#define assert_error(e, index, line, needle) \
	do { \
		tap_assert_msg((index) < (e)->count, "only %d errors", (e)->count); \
		tap_assert_int_eq((e)->lines[index], line); \
		tap_assert_msg(strstr((e)->messages[index], needle) != NULL, \
				"message \"%s\" lacks \"%s\"", (e)->messages[index], needle); \
	} while (0)

/* The file has exactly one error, at line, whose message contains needle. */
#define assert_one_error(text, line, needle) \
	do { \
		struct strata_config cfg_; \
		struct errors e_; \
		tap_assert(!load(text, &cfg_, &e_)); \
		tap_assert_int_eq(e_.count, 1); \
		assert_error(&e_, 0, line, needle); \
	} while (0)

#define assert_loads(text) \
	do { \
		struct strata_config cfg_; \
		struct errors e_; \
		tap_assert_msg(load(text, &cfg_, &e_), "rejected: %s", text); \
		tap_assert_int_eq(e_.count, 0); \
	} while (0)

static void
assert_same_config(const struct strata_config *a, const struct strata_config *b)
{
	tap_assert_int_eq(a->banner_height, b->banner_height);
	tap_assert_int_eq(a->title_height, b->title_height);
	tap_assert_str_eq(a->font, b->font);
	tap_assert_int_eq(a->background, b->background);
	tap_assert_int_eq(a->idle_colour, b->idle_colour);
	tap_assert_int_eq(a->idle_text_colour, b->idle_text_colour);
	tap_assert_int_eq(a->modifier, b->modifier);
	tap_assert_int_eq(a->level_count, b->level_count);
	for (size_t i = 0; i < a->level_count; i++) {
		tap_assert_str_eq(a->levels[i].name, b->levels[i].name);
		tap_assert_int_eq(a->levels[i].colour, b->levels[i].colour);
		tap_assert_int_eq(a->levels[i].text_colour, b->levels[i].text_colour);
		tap_assert_str_eq(a->levels[i].banner, b->levels[i].banner);
		tap_assert_int_eq(a->levels[i].border_width, b->levels[i].border_width);
	}
	tap_assert_int_eq(a->lock_idle_seconds, b->lock_idle_seconds);
	tap_assert_int_eq(a->sak_count, b->sak_count);
	for (size_t i = 0; i < a->sak_count; i++) {
		tap_assert_int_eq(a->sak[i].modifiers, b->sak[i].modifiers);
		tap_assert_int_eq(a->sak[i].keysym, b->sak[i].keysym);
	}
	tap_assert_str_eq(a->sak_text, b->sak_text);
	tap_assert_str_eq(a->lock_user, b->lock_user);
	tap_assert_str_eq(a->lock_pam_service, b->lock_pam_service);
	tap_assert_int_eq(a->lock_revoke_mic, b->lock_revoke_mic);
	tap_assert_str_eq(a->lock_text, b->lock_text);
}

static void
test_defaults(void)
{
	struct strata_config cfg;
	config_set_defaults(&cfg);
	tap_assert_int_eq(cfg.banner_height, 32);
	tap_assert_int_eq(cfg.title_height, 22);
	tap_assert_str_eq(cfg.font, "DejaVu Sans");
	tap_assert_int_eq(cfg.background, 0x202020ff);
	tap_assert_int_eq(cfg.idle_colour, 0x3a3a3aff);
	tap_assert_int_eq(cfg.idle_text_colour, 0xffffffff);
	tap_assert_int_eq(cfg.modifier, STRATA_MODIFIER_LOGO);
	tap_assert_int_eq(cfg.level_count, 2);
	tap_assert_str_eq(cfg.levels[0].name, "low");
	tap_assert_int_eq(cfg.levels[0].colour, 0x2e7d32ff);
	tap_assert_int_eq(cfg.levels[0].text_colour, 0xffffffff);
	tap_assert_str_eq(cfg.levels[0].banner, "UNCLASSIFIED");
	tap_assert_int_eq(cfg.levels[0].border_width, 4);
	tap_assert_str_eq(cfg.levels[1].name, "high");
	tap_assert_int_eq(cfg.levels[1].colour, 0xc62828ff);
	tap_assert_int_eq(cfg.levels[1].text_colour, 0xffffffff);
	tap_assert_str_eq(cfg.levels[1].banner, "RESTRICTED");
	tap_assert_int_eq(cfg.levels[1].border_width, 4);
}

static void
test_empty_file_gives_defaults(void)
{
	struct strata_config cfg, defaults;
	struct errors e;
	config_set_defaults(&defaults);
	tap_assert(load("", &cfg, &e));
	assert_same_config(&cfg, &defaults);
	tap_assert(load("; only a comment\n# another\n\n   \n", &cfg, &e));
	assert_same_config(&cfg, &defaults);
	tap_assert(config_load_string(&cfg, NULL, NULL, NULL, NULL));
	assert_same_config(&cfg, &defaults);
}

static void
test_session_keys_override_defaults(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("[session]\n"
			"banner_height = 48\n"
			"title_height = 30\n"
			"font = Noto Sans Mono\n"
			"background = #000000\n"
			"idle_colour = #404040C0\n"
			"idle_text_colour = #EEEEEE\n"
			"modifier = alt\n",
			&cfg, &e));
	tap_assert_int_eq(cfg.banner_height, 48);
	tap_assert_int_eq(cfg.title_height, 30);
	tap_assert_str_eq(cfg.font, "Noto Sans Mono");
	tap_assert_int_eq(cfg.background, 0x000000ff);
	tap_assert_int_eq(cfg.idle_colour, 0x404040c0);
	tap_assert_int_eq(cfg.idle_text_colour, 0xeeeeeeff);
	tap_assert_int_eq(cfg.modifier, STRATA_MODIFIER_ALT);
	/* no [level]: the built-in levels stay */
	tap_assert_int_eq(cfg.level_count, 2);
	tap_assert_str_eq(cfg.levels[0].name, "low");
}

static void
test_three_levels(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("; three levels\n"
			"[level public]\n"
			"colour = #00FF00\n"
			"\n"
			"[level internal]\n"
			"colour = #0000ff80\n"
			"text_colour = #000000\n"
			"banner = Internal use — ne pas diffuser\n"
			"border_width = 1\n"
			"[level secret_2-b]\n"
			"border_width = 32\n"
			"colour = #aa0000\n",
			&cfg, &e));
	tap_assert_int_eq(cfg.level_count, 3);
	tap_assert_str_eq(cfg.levels[0].name, "public");
	tap_assert_int_eq(cfg.levels[0].colour, 0x00ff00ff);
	tap_assert_int_eq(cfg.levels[0].text_colour, 0xffffffff);
	tap_assert_str_eq(cfg.levels[0].banner, "");
	tap_assert_int_eq(cfg.levels[0].border_width, 4);
	tap_assert_int_eq(cfg.levels[0].line, 2);
	tap_assert_str_eq(cfg.levels[1].name, "internal");
	tap_assert_int_eq(cfg.levels[1].colour, 0x0000ff80);
	tap_assert_int_eq(cfg.levels[1].text_colour, 0x000000ff);
	tap_assert_str_eq(cfg.levels[1].banner, "Internal use — ne pas diffuser");
	tap_assert_int_eq(cfg.levels[1].border_width, 1);
	tap_assert_int_eq(cfg.levels[1].line, 5);
	tap_assert_str_eq(cfg.levels[2].name, "secret_2-b");
	tap_assert_int_eq(cfg.levels[2].colour, 0xaa0000ff);
	tap_assert_int_eq(cfg.levels[2].border_width, 32);
	tap_assert_int_eq(cfg.levels[2].line, 10);
	/* the file's levels replace the built-in ones */
	tap_assert_int_eq(config_find_level(&cfg, "low"), -1);
	tap_assert_int_eq(config_find_level(&cfg, "high"), -1);
}

static void
test_find_level(void)
{
	struct strata_config cfg;
	config_set_defaults(&cfg);
	tap_assert_int_eq(config_find_level(&cfg, "low"), 0);
	tap_assert_int_eq(config_find_level(&cfg, "high"), 1);
	tap_assert_int_eq(config_find_level(&cfg, "HIGH"), -1);
	tap_assert_int_eq(config_find_level(&cfg, "hig"), -1);
	tap_assert_int_eq(config_find_level(&cfg, ""), -1);
	tap_assert_int_eq(config_find_level(&cfg, NULL), -1);
}

static void
test_parse_colour(void)
{
	strata_rgba c = 0;
	tap_assert(config_parse_colour("#2e7d32", &c));
	tap_assert_int_eq(c, 0x2e7d32ff);
	tap_assert(config_parse_colour("#2E7D32", &c));
	tap_assert_int_eq(c, 0x2e7d32ff);
	tap_assert(config_parse_colour("#aBcDeF80", &c));
	tap_assert_int_eq(c, 0xabcdef80);
	tap_assert(config_parse_colour("#00000000", &c));
	tap_assert_int_eq(c, 0);

	static const char *bad[] = { "", "#", "2e7d32", "#2e7d3", "#2e7d32f", "#2e7d32fff",
		"#2e7d3g", "# 2e7d32", "#2e7d32 ", "0x2e7d32", "red", "#-12345", "#+12345",
		"##2e7d32" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = 0x12345678;
		tap_assert_msg(!config_parse_colour(bad[i], &c), "accepted \"%s\"", bad[i]);
		tap_assert_int_eq(c, 0x12345678);
	}
	tap_assert(!config_parse_colour(NULL, &c));
}

static void
test_colour_to_floats(void)
{
	float f[4];
	config_colour_to_floats(0xff8000ff, f);
	tap_assert(f[0] == 1.0f && f[2] == 0.0f && f[3] == 1.0f);
	tap_assert(f[1] > 0.50f && f[1] < 0.51f);
	/* premultiplied alpha, as wlr_scene wants it */
	config_colour_to_floats(0xffffff80, f);
	tap_assert(f[3] > 0.50f && f[3] < 0.51f);
	tap_assert(f[0] == f[3] && f[1] == f[3] && f[2] == f[3]);
	config_colour_to_floats(0xffffff00, f);
	tap_assert(f[0] == 0.0f && f[1] == 0.0f && f[2] == 0.0f && f[3] == 0.0f);
}

static void
test_syntax_tolerated(void)
{
	struct strata_config cfg;
	struct errors e;
	/* BOM, CRLF, indented keys, comments, inline "; comment", ":" separator,
	 * spaces inside the header */
	tap_assert(load("\xef\xbb\xbf; comment\r\n"
			"# comment\r\n"
			"[ level  low ]   ; the low level\r\n"
			"    colour = #2e7d32 ; green\r\n"
			"\tbanner=  two  words  \r\n"
			"  border_width: 7\r\n"
			"[session] # look\r\n"
			"font = Sans #1\r\n",
			&cfg, &e));
	tap_assert_int_eq(cfg.level_count, 1);
	tap_assert_str_eq(cfg.levels[0].name, "low");
	tap_assert_int_eq(cfg.levels[0].colour, 0x2e7d32ff);
	tap_assert_str_eq(cfg.levels[0].banner, "two  words");
	tap_assert_int_eq(cfg.levels[0].border_width, 7);
	tap_assert_str_eq(cfg.font, "Sans #1");
}

static void
test_indented_line_is_not_a_continuation(void)
{
	struct strata_config cfg;
	struct errors e;
	/* inih would take the indented line as more of "banner" */
	tap_assert(load("[level low]\nbanner = LOW\n    colour = #2e7d32\n", &cfg, &e));
	tap_assert_str_eq(cfg.levels[0].banner, "LOW");
	tap_assert_int_eq(cfg.levels[0].colour, 0x2e7d32ff);
}

static void
test_unknown_section(void)
{
	assert_one_error("[session]\nfont = Sans\n\n[colours]\nlow = #2e7d32\n", 4,
			"unknown section [colours] (known: [session], [limits], [proxy], [clipboard], [audio], [lock], [level NAME])");
	assert_one_error("[Session]\n", 1, "unknown section [Session]");
	assert_one_error("[levels low]\n", 1, "unknown section [levels low]");
}

static void
test_unknown_key(void)
{
	assert_one_error("[level low]\ncolour = #2e7d32\ncolr = #ffffff\n", 3,
			"unknown key \"colr\" in [level low] (known: colour, text_colour, banner, "
			"border_width, uid, gid, network, gpu, xwayland, xwayland_xtest, xwayland_record, "
			"autostart)");
	assert_one_error("[session]\n\nbanner_heigth = 20\n", 3,
			"unknown key \"banner_heigth\" in [session] (known: banner_height, title_height, "
			"font, background, idle_colour, idle_text_colour, modifier, terminal)");
	assert_one_error("[level low]\ncolour = #2e7d32\nColour = #2e7d32\n", 3,
			"unknown key \"Colour\"");
	assert_one_error("[session]\n= 3\n", 2, "unknown key \"\" in [session]");
}

static void
test_key_outside_section(void)
{
	assert_one_error("; top\nbanner_height = 20\n[session]\n", 2,
			"key \"banner_height\" outside any section");
}

static void
test_duplicate_key(void)
{
	assert_one_error("[level low]\ncolour = #2e7d32\nbanner = A\nbanner = B\n", 4,
			"duplicate key \"banner\" in [level low] (first set at line 3)");
	assert_one_error("[session]\nmodifier = alt\n[session]\nfont = Sans\n", 3,
			"duplicate section [session] (first at line 1)");
	/* keys are per level: the same key in two levels is fine */
	assert_loads("[level a]\ncolour = #111111\n[level b]\ncolour = #222222\n");
}

static void
test_duplicate_session_keys_across_sections(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(!load("[session]\nfont = A\n[level low]\ncolour = #2e7d32\n"
			 "[session]\nfont = B\n",
			&cfg, &e));
	tap_assert_int_eq(e.count, 2);
	assert_error(&e, 0, 5, "duplicate section [session] (first at line 1)");
	assert_error(&e, 1, 6, "duplicate key \"font\" in [session] (first set at line 2)");
}

static void
test_duplicate_level(void)
{
	assert_one_error("[level low]\ncolour = #2e7d32\n\n[level low]\ncolour = #c62828\n", 4,
			"duplicate level [level low] (first defined at line 1)");
}

/* One good level first, so that the file still has a usable one. */
#define assert_bad_level_name(name, needle) \
	assert_one_error("[level ok]\ncolour = #111111\n[level " name "]\ncolour = #2e7d32\n", 3, \
			needle)

static void
test_bad_level_names(void)
{
	assert_bad_level_name("", "[level] needs a name, e.g. [level low]");
	assert_bad_level_name("Low", "bad level name \"Low\"");
	assert_bad_level_name("1st", "bad level name \"1st\"");
	assert_bad_level_name("_x", "bad level name \"_x\"");
	assert_bad_level_name("a.b", "bad level name \"a.b\"");
	assert_bad_level_name("two words", "bad level name \"two words\"");
	assert_bad_level_name("niveau-protégé", "bad level name \"niveau-protégé\"");
	assert_bad_level_name("abcdefghijabcdefghijabcdefghijab",
			"(accepted: 1 to 31 characters among a-z, 0-9, _ and -, starting with a letter)");
	assert_loads("[level abcdefghijabcdefghijabcdefghija]\ncolour = #2e7d32\n");
	assert_loads("[level a]\ncolour = #2e7d32\n");
	/* Would clash with the core socket, wayland-core. */
	assert_bad_level_name("core", "level name \"core\" is reserved");
	assert_bad_level_name("none", "level name \"none\" is reserved");
	assert_bad_level_name("audio", "level name \"audio\" is reserved");
	assert_bad_level_name("audit", "level name \"audit\" is reserved");
}

/* config_level_name_valid(): the rule the mux applies too, from memory. */
static void
test_level_name_rule(void)
{
	static const char *const good[] = {
		"a", "z", "low", "secret_2-b", "a-", "a_", "a0", "nonex", "non", "nonee", "core2",
		"audits", "xaudio",
		"a234567890123456789012345678901", /* 31 bytes: STRATA_LEVEL_NAME_MAX */
	};
	static const char *const bad[] = {
		"", "Low", "A", "1low", "_low", "-low", "`a", "{a", "a`", "a{", "lo w", "lo,w",
		"lo:w", "lo/w", "lo.w", "../low", "low\n", "\xc3\xa9t\xc3\xa9", "h\xc3\xa9",
		"a2345678901234567890123456789012", /* 32 bytes: one too many */
	};
	static const char *const reserved[] = { "core", "none", "audio", "audit" };
	tap_assert_int_eq(strlen(good[sizeof(good) / sizeof(good[0]) - 1]), STRATA_LEVEL_NAME_MAX);
	tap_assert_int_eq(strlen(bad[sizeof(bad) / sizeof(bad[0]) - 1]), STRATA_LEVEL_NAME_MAX + 1);
	char why[256];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(why, sizeof(why), "untouched");
		tap_assert_msg(config_level_name_valid(good[i], why, sizeof(why)),
				"\"%s\" refused: %s", good[i], why);
		tap_assert_str_eq(why, "untouched");
		tap_assert(config_level_name_valid(good[i], NULL, 0));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		tap_assert_msg(!config_level_name_valid(bad[i], why, sizeof(why)),
				"\"%s\" accepted", bad[i]);
		tap_assert_msg(strstr(why, "bad level name \"") == why &&
						strstr(why,
								"(accepted: 1 to 31 characters among a-z, "
								"0-9, _ and -, starting with a letter)"),
				"why: %s", why);
		tap_assert(!config_level_name_valid(bad[i], NULL, 0));
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		char expect[64];
		snprintf(expect, sizeof(expect), "level name \"%s\" is reserved", reserved[i]);
		tap_assert(!config_level_name_valid(reserved[i], why, sizeof(why)));
		tap_assert_str_eq(why, expect);
		tap_assert(!config_level_name_valid(reserved[i], NULL, 0));
	}
	/* Bytes that cannot be shown are escaped in why, which is cut to fit. */
	tap_assert(!config_level_name_valid("a\x1b[31m", why, sizeof(why)));
	tap_assert(strchr(why, '\x1b') == NULL);
	tap_assert(strstr(why, "\"a\\x1B[31m\"") != NULL);
	char small[8];
	memset(small, 'x', sizeof(small));
	tap_assert(!config_level_name_valid("Low", small, sizeof(small)));
	tap_assert_int_eq(strlen(small), sizeof(small) - 1);
}

static void
test_rejected_level_is_still_checked(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(!load("[level ok]\ncolour = #2e7d32\n[level Bad]\ncolour = red\nsize = 3\n",
			&cfg, &e));
	tap_assert_int_eq(e.count, 3);
	assert_error(&e, 0, 3, "bad level name \"Bad\"");
	assert_error(&e, 1, 4, "colour = \"red\" in [level Bad] is not a colour");
	assert_error(&e, 2, 5, "unknown key \"size\" in [level Bad]");
}

static void
test_too_many_levels(void)
{
	char text[1024] = "";
	size_t used = 0;
	for (int i = 0; i < 10; i++) {
		used += (size_t)snprintf(text + used, sizeof(text) - used,
				"[level l%d]\ncolour = #%06x\n", i, 0x101010 * (i + 1));
	}
	struct strata_config cfg;
	struct errors e;
	tap_assert(!load(text, &cfg, &e));
	tap_assert_int_eq(e.count, 2);
	assert_error(&e, 0, 17, "too many levels: [level l8] would be level 9 (at most 8)");
	assert_error(&e, 1, 19, "too many levels: [level l9] would be level 10 (at most 8)");

	/* exactly 8 is fine */
	char *end = strstr(text, "[level l8]");
	*end = '\0';
	tap_assert(load(text, &cfg, &e));
	tap_assert_int_eq(cfg.level_count, 8);
	tap_assert_str_eq(cfg.levels[7].name, "l7");
}

static void
test_missing_colour(void)
{
	struct strata_config cfg;
	struct errors e;
	/* the error is at the header line, before the errors inside the section */
	tap_assert(!load("[level low]\ncolour = #2e7d32\n\n"
			 "[level high]\nbanner = HIGH\nborder_width = 0\n"
			 "[level top]\n",
			&cfg, &e));
	tap_assert_int_eq(e.count, 3);
	assert_error(&e, 0, 4, "[level high] has no colour (required: colour = #RRGGBB)");
	assert_error(&e, 1, 6, "border_width = \"0\"");
	assert_error(&e, 2, 7, "[level top] has no colour");
}

static void
test_integer_ranges(void)
{
	assert_loads("[session]\nbanner_height = 16\ntitle_height = 12\n");
	assert_loads("[session]\nbanner_height = 128\ntitle_height = 64\n");
	assert_one_error("[session]\nbanner_height = 15\n", 2,
			"banner_height = \"15\" in [session] is out of range (accepted: 16..128)");
	assert_one_error("[session]\nbanner_height = 129\n", 2, "out of range (accepted: 16..128)");
	assert_one_error("[session]\ntitle_height = 11\n", 2,
			"title_height = \"11\" in [session] is out of range (accepted: 12..64)");
	assert_one_error("[session]\ntitle_height = 65\n", 2, "(accepted: 12..64)");
	assert_one_error("[level a]\ncolour = #2e7d32\nborder_width = 0\n", 3,
			"border_width = \"0\" in [level a] is out of range (accepted: 1..32)");
	assert_one_error("[level a]\ncolour = #2e7d32\nborder_width = 33\n", 3,
			"border_width = \"33\"");
	assert_one_error("[level a]\ncolour = #2e7d32\nborder_width = -4\n", 3,
			"border_width = \"-4\" in [level a] is out of range");
	assert_one_error("[session]\nbanner_height = 99999999999999999999999\n", 2,
			"is out of range (accepted: 16..128)");
	assert_one_error("[session]\nbanner_height = 4294967328\n", 2, "is out of range");
}

static void
test_integer_syntax(void)
{
	static const char *bad[] = { "", "px", "32px", "3 2", "+32", "0x20", "32.0", "- 32", "-",
		"３２" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[session]\ntitle_height = %s\n", bad[i]);
		assert_one_error(text, 2, "in [session] is not an integer (accepted: 12..64)");
	}
	assert_one_error("[session]\ntitle_height = 32px\n", 2, "title_height = \"32px\"");
	assert_loads("[session]\ntitle_height = 032\n");
}

static void
test_bad_colours(void)
{
	assert_one_error("[level ok]\ncolour = #111111\n[level a]\ncolour = green\n", 4,
			"colour = \"green\" in [level a] is not a colour (accepted: #RRGGBB or "
			"#RRGGBBAA)");
	assert_one_error("[level a]\ncolour = #2e7d32\ntext_colour = #fff\n", 3,
			"text_colour = \"#fff\" in [level a] is not a colour");
	assert_one_error("[session]\nbackground = 202020\n", 2,
			"background = \"202020\" in [session] is not a colour");
	assert_one_error("[session]\nidle_colour = #3a3a3a3\n", 2, "idle_colour = \"#3a3a3a3\"");
	assert_one_error("[session]\nidle_text_colour = #gggggg\n", 2, "idle_text_colour");
	/* an empty colour is no colour, but the key is there: no "has no colour" */
	assert_one_error("[level ok]\ncolour = #111111\n[level a]\ncolour =\n", 4,
			"colour = \"\" in [level a] is not a colour");
}

static void
test_modifier(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("[session]\nmodifier = logo\n", &cfg, &e));
	tap_assert_int_eq(cfg.modifier, STRATA_MODIFIER_LOGO);
	assert_one_error("[session]\nmodifier = ctrl\n", 2,
			"modifier = \"ctrl\" in [session] is not a modifier (accepted: logo, alt)");
	assert_one_error("[session]\nmodifier = Alt\n", 2, "modifier = \"Alt\"");
}

static void
test_banner_invalid_utf8(void)
{
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = caf\xe9\n", 3,
			"banner in [level a] is not valid UTF-8 (byte 0xE9 at offset 3)");
	/* overlong "/", a surrogate, beyond U+10FFFF, a truncated sequence */
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = a\xc0\xaf\n", 3, "not valid UTF-8");
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = \xed\xa0\x80\n", 3,
			"not valid UTF-8");
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = \xf4\x90\x80\x80\n", 3,
			"not valid UTF-8");
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = ab\xe2\x80\n", 3,
			"not valid UTF-8");
	assert_one_error("[session]\nfont = Sans\xff\n", 2, "font in [session] is not valid UTF-8");
}

static void
test_banner_control_characters(void)
{
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = A\tB\n", 3,
			"banner in [level a] contains U+0009, a control or invisible formatting character");
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = \x1b[31mRED\n", 3,
			"contains U+001B");
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = A\x7f\n", 3, "contains U+007F");
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = A\xc2\x85\n", 3, "contains U+0085");
	/* a right-to-left override would make the marking read differently */
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = \xe2\x80\xaeTERCES\n", 3,
			"contains U+202E");
	assert_one_error("[level a]\ncolour = #2e7d32\nbanner = A\xe2\x80\x8b\n", 3,
			"contains U+200B");
	assert_loads("[level a]\ncolour = #2e7d32\nbanner = NON PROTÉGÉ — «test» 機密\n");
}

static void
test_banner_length(void)
{
	char text[512];
	char banner[200];
	memset(banner, 'A', 127);
	banner[127] = '\0';
	snprintf(text, sizeof(text), "[level a]\ncolour = #2e7d32\nbanner = %s\n", banner);
	assert_loads(text);

	memset(banner, 'A', 128);
	banner[128] = '\0';
	snprintf(text, sizeof(text), "[level a]\ncolour = #2e7d32\nbanner = %s\n", banner);
	assert_one_error(text, 3,
			"banner in [level a] is 128 bytes long (accepted: 0 to 127 bytes)");

	/* bytes, not characters: 64 two-byte characters are 128 bytes */
	banner[0] = '\0';
	for (int i = 0; i < 64; i++) {
		strcat(banner, "é");
	}
	snprintf(text, sizeof(text), "[level a]\ncolour = #2e7d32\nbanner = %s\n", banner);
	assert_one_error(text, 3, "is 128 bytes long");
}

static void
test_font(void)
{
	char text[256];
	assert_one_error("[session]\nfont =\n", 2,
			"font in [session] is empty (accepted: 1 to 63 bytes)");
	snprintf(text, sizeof(text), "[session]\nfont = %064d\n", 0);
	assert_one_error(text, 2, "font in [session] is 64 bytes long (accepted: 1 to 63 bytes)");
	snprintf(text, sizeof(text), "[session]\nfont = %063d\n", 0);
	assert_loads(text);
}

static void
test_same_colour_levels(void)
{
	assert_one_error("[level a]\ncolour = #2e7d32\n[level b]\ncolour = #c62828\n"
			 "[level c]\nbanner = C\ncolour = #2E7D32\n",
			7,
			"[level c] colour #2E7D32 is the same as the colour of [level a] (line 2): levels "
			"must have distinct colours");
	/* alpha alone does not make two levels distinguishable */
	assert_one_error("[level a]\ncolour = #2e7d32\n[level b]\ncolour = #2e7d3280\n", 4,
			"[level b] colour #2E7D3280 is the same as the colour of [level a]");
}

static void
test_colour_equals_text_colour(void)
{
	assert_one_error("[level a]\ncolour = #2e7d32\ntext_colour = #2E7D32\n", 3,
			"[level a] text_colour #2E7D32 is the same as its colour: the text would be "
			"invisible");
	/* against the default text colour (white), at the colour's line */
	assert_one_error("[level a]\nbanner = A\ncolour = #ffffff\n", 3,
			"[level a] text_colour #FFFFFF is the same as its colour");
}

static void
test_idle_colours(void)
{
	/* the idle banner must not look like a level's */
	assert_one_error("[session]\nidle_colour = #c62828\n", 2,
			"idle_colour #C62828 in [session] is the same as the colour of [level high]");
	assert_one_error("[session]\nidle_colour = #111111\n[level x]\ncolour = #111111\n", 4,
			"the same as the colour of [level x]");
	assert_one_error("[session]\nidle_colour = #111111\nidle_text_colour = #111111\n", 3,
			"idle_text_colour #111111 in [session] is the same as idle_colour");
}

static void
test_no_usable_level(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(!load("[level A]\ncolour = #2e7d32\n[level b]\ncolour = nope\n", &cfg, &e));
	tap_assert_int_eq(e.count, 3);
	assert_error(&e, 0, 1, "bad level name \"A\"");
	assert_error(&e, 1, 4, "colour = \"nope\" in [level b] is not a colour");
	assert_error(&e, 2, 0, "no usable level");
}

static void
test_syntax_errors(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(!load("[session]\n"
			 "banner_height 20\n"
			 "[level low\n"
			 "colour = #zzzzzz\n" /* in the broken section: skipped */
			 "[level high] colour = #c62828\n"
			 "colour = #c62828\n"
			 "key ; = value\n",
			&cfg, &e));
	tap_assert_int_eq(e.count, 4);
	assert_error(&e, 0, 2,
			"syntax error: expected \"[section]\", \"key = value\" or a comment");
	assert_error(&e, 1, 3, "syntax error: section header without a closing \"]\"");
	assert_error(&e, 2, 5, "syntax error: unexpected \"colour = #c62828\" after the section");
	assert_error(&e, 3, 7, "syntax error: expected");
}

static void
test_long_line(void)
{
	char text[1024];
	char value[400];
	memset(value, 'x', 300);
	value[300] = '\0';
	/* a long comment is fine; a long key line is an error; counting goes on */
	snprintf(text, sizeof(text), "; %s\n[level a]\nbanner = %s\ncolour = #2e7d32\nfoo = 1\n",
			value, value);
	struct strata_config cfg;
	struct errors e;
	tap_assert(!load(text, &cfg, &e));
	tap_assert_int_eq(e.count, 2);
	assert_error(&e, 0, 3, "syntax error: line longer than");
	assert_error(&e, 1, 5, "unknown key \"foo\"");
}

static void
test_all_errors_in_one_pass(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(!load("[session]\n" /* 1 */
			 "banner_height = 8\n" /* 2 */
			 "modifier = super\n" /* 3 */
			 "[theme]\n" /* 4 */
			 "colour = #ffffff\n" /* 5: skipped */
			 "[level low]\n" /* 6 */
			 "colr = #2e7d32\n" /* 7 */
			 "border_width = wide\n" /* 8 */
			 "[level high]\n" /* 9 */
			 "colour = #c62828\n" /* 10 */
			 "colour = #c62828\n" /* 11 */
			 "[level high]\n" /* 12 */
			 "colour = #123456\n" /* 13 */
			 "[level top]\n" /* 14 */
			 "colour = #C62828\n" /* 15 */
			 "banner = \x01\n" /* 16 */
			 "no equals sign here\n", /* 17 */
			&cfg, &e));
	tap_assert_int_eq(e.count, 11);
	assert_error(&e, 0, 2, "banner_height = \"8\"");
	assert_error(&e, 1, 3, "modifier = \"super\"");
	assert_error(&e, 2, 4, "unknown section [theme]");
	assert_error(&e, 3, 6, "[level low] has no colour");
	assert_error(&e, 4, 7, "unknown key \"colr\" in [level low]");
	assert_error(&e, 5, 8, "border_width = \"wide\" in [level low] is not an integer");
	assert_error(&e, 6, 11, "duplicate key \"colour\" in [level high] (first set at line 10)");
	assert_error(&e, 7, 12, "duplicate level [level high] (first defined at line 9)");
	assert_error(&e, 8, 15,
			"[level top] colour #C62828 is the same as the colour of [level "
			"high] (line 10)");
	assert_error(&e, 9, 16, "banner in [level top] contains U+0001");
	assert_error(&e, 10, 17, "syntax error");
}

static void
test_message_escapes_user_text(void)
{
	assert_one_error("[session]\nfo\x1bo = 1\n", 2, "unknown key \"fo\\x1Bo\" in [session]");
	assert_one_error("[session]\nmodifier = \"a\\b\"\n", 2, "modifier = \"\\\"a\\\\b\\\"\"");
	assert_bad_level_name("\xe2\x80\xae", "bad level name \"\\u202E\"");
	char text[256];
	snprintf(text, sizeof(text), "[session]\nmodifier = %080d\n", 0);
	assert_one_error(text, 2, "modifier = \"0000000000000000000000000000000000000000...\"");
}

static void
test_too_many_errors(void)
{
	char *text = calloc(300, 8);
	tap_assert(text);
	for (int i = 0; i < 300; i++) {
		strcat(text, "oops\n");
	}
	struct strata_config cfg;
	struct errors e;
	tap_assert(!load(text, &cfg, &e));
	free(text);
	tap_assert_int_eq(e.count, 101);
	assert_error(&e, 99, 100, "syntax error");
	assert_error(&e, 100, 0, "200 more errors not shown");
}

static void
test_stream_with_nul(void)
{
	static const char text[] = "[level a]\ncolour = #2e7d32\nbanner = A\0B\nborder_width = 2\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	tap_assert(f);
	struct strata_config cfg;
	struct errors e = { 0 };
	tap_assert(!config_load_stream(&cfg, f, "mem", errors_collect, &e));
	fclose(f);
	tap_assert_int_eq(e.count, 1);
	tap_assert_str_eq(e.source, "mem");
	assert_error(&e, 0, 3, "syntax error: NUL byte in the line");

	static const char good[] = "[level a]\ncolour = #2e7d32\n";
	f = fmemopen((void *)good, sizeof(good) - 1, "r");
	tap_assert(f);
	tap_assert(config_load_stream(&cfg, f, NULL, errors_collect, &e));
	fclose(f);
	tap_assert_int_eq(cfg.level_count, 1);
}

static void
load_theme(const char *name, struct strata_config *cfg)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", STRATA_SOURCE_THEMES, name);
	struct errors e = { 0 };
	tap_assert_msg(config_load_file(cfg, path, errors_collect, &e), "%s: %d errors", path,
			e.count);
	tap_assert_int_eq(e.count, 0);
}

static void
test_default_theme_equals_builtin(void)
{
	struct strata_config cfg, defaults;
	load_theme("default.ini", &cfg);
	config_set_defaults(&defaults);
	assert_same_config(&cfg, &defaults);
}

static void
test_example_themes(void)
{
	struct strata_config cfg;
	load_theme("examples/fr-two-levels.ini", &cfg);
	tap_assert_int_eq(cfg.level_count, 2);
	tap_assert_str_eq(cfg.levels[0].banner, "NON PROTÉGÉ");
	tap_assert(strncmp(cfg.levels[1].banner, "DIFFUSION RESTREINTE", 20) == 0);

	load_theme("examples/nato-markings.ini", &cfg);
	tap_assert_int_eq(cfg.level_count, 4);
	static const char *banners[] = { "NATO UNCLASSIFIED", "NATO RESTRICTED",
		"NATO CONFIDENTIAL", "NATO SECRET" };
	for (size_t i = 0; i < 4; i++) {
		tap_assert_str_eq(cfg.levels[i].banner, banners[i]);
	}
}

static void
test_missing_file(void)
{
	struct strata_config cfg;
	struct errors e = { 0 };
	const char *path = "/nonexistent/strata.conf";
	tap_assert(!config_load_file(&cfg, path, errors_collect, &e));
	tap_assert_int_eq(e.count, 1);
	tap_assert_str_eq(e.source, path);
	char expected[256];
	snprintf(expected, sizeof(expected), "cannot open: %s", strerror(ENOENT));
	assert_error(&e, 0, 0, expected);
	/* no callback: still refused, no crash */
	tap_assert(!config_load_file(&cfg, path, NULL, NULL));
}

static void
test_directory_is_not_a_file(void)
{
	struct strata_config cfg;
	struct errors e = { 0 };
	tap_assert(!config_load_file(&cfg, STRATA_SOURCE_THEMES, errors_collect, &e));
	tap_assert_int_eq(e.count, 1);
	char expected[256];
	snprintf(expected, sizeof(expected), "cannot read: %s", strerror(EISDIR));
	assert_error(&e, 0, 0, expected);
}

static void
test_limits_section(void)
{
	struct strata_config cfg;
	tap_assert(config_load_string(&cfg,
			"[limits]\nmax_buffer_width = 4096\nmax_buffer_height = 2048\n"
			"shm_mib_per_client = 64\nshm_pools_per_client = 8\n",
			"<string>", NULL, NULL));
	tap_assert_int_eq(cfg.max_buffer_width, 4096);
	tap_assert_int_eq(cfg.max_buffer_height, 2048);
	tap_assert_int_eq(cfg.shm_mib_per_client, 64);
	tap_assert_int_eq(cfg.shm_pools_per_client, 8);
	config_set_defaults(&cfg);
	tap_assert_int_eq(cfg.max_buffer_width, 16384);
	tap_assert_int_eq(cfg.max_buffer_height, 6144);
	tap_assert_int_eq(cfg.shm_mib_per_client, 1024);
	tap_assert_int_eq(cfg.shm_pools_per_client, 64);
	assert_one_error("[limits]\nshm_mib_per_client = 0\n", 2,
			"shm_mib_per_client = \"0\" in [limits] is out of range (accepted: 1..4096)");
	assert_one_error("[limits]\nmax_buffer_width = 65536\n", 2, "out of range");
	assert_one_error("[limits]\nmax_buffers = 3\n", 2,
			"unknown key \"max_buffers\" in [limits]");
	assert_one_error("[limits]\n[limits]\n", 2, "duplicate section [limits]");
}

/* [level NAME] xwayland: lazy by default; XTEST and RECORD off by default. */
static void
test_xwayland_keys(void)
{
	struct strata_config cfg;
	tap_assert(config_load_string(&cfg,
			"[level low]\ncolour = #00ff00\nxwayland = yes\nxwayland_xtest = true\n"
			"[level high]\ncolour = #ff0000\nxwayland = no\nxwayland_record = yes\n"
			"[level other]\ncolour = #0000ff\nxwayland = lazy\n",
			"<string>", NULL, NULL));
	tap_assert_int_eq(cfg.levels[0].xwayland, STRATA_XWAYLAND_YES);
	tap_assert(cfg.levels[0].xwayland_xtest && !cfg.levels[0].xwayland_record);
	tap_assert_int_eq(cfg.levels[1].xwayland, STRATA_XWAYLAND_NO);
	tap_assert(!cfg.levels[1].xwayland_xtest && cfg.levels[1].xwayland_record);
	tap_assert_int_eq(cfg.levels[2].xwayland, STRATA_XWAYLAND_LAZY);
	config_set_defaults(&cfg);
	tap_assert_int_eq(cfg.levels[0].xwayland, STRATA_XWAYLAND_LAZY);
	tap_assert(!cfg.levels[0].xwayland_xtest && !cfg.levels[0].xwayland_record);
	assert_one_error("[level low]\ncolour = #00ff00\nxwayland = always\n", 3,
			"xwayland = \"always\" in [level low] is not accepted (accepted: lazy, yes, no)");
	assert_one_error("[level low]\ncolour = #00ff00\nxwayland_xtest = 1\n", 3,
			"xwayland_xtest = \"1\" in [level low] is not yes or no");
}

static void
test_cage_keys(void)
{
	struct strata_config cfg;
	tap_assert(config_load_string(&cfg,
			"[session]\nterminal = weston-terminal\n"
			"[level low]\ncolour = #00ff00\nuid = 4100\ngid = 4100\nnetwork = shared\n"
			"autostart = foot -T hello\ngpu = true\n"
			"[level high]\ncolour = #ff0000\ngpu = no\n",
			"<string>", NULL, NULL));
	tap_assert_str_eq(cfg.terminal, "weston-terminal");
	tap_assert_int_eq(cfg.levels[0].uid, 4100);
	tap_assert_int_eq(cfg.levels[0].gid, 4100);
	tap_assert(cfg.levels[0].network);
	tap_assert_str_eq(cfg.levels[0].autostart, "foot -T hello");
	tap_assert_int_eq(cfg.levels[1].uid, -1);
	tap_assert(!cfg.levels[1].network);
	tap_assert_str_eq(cfg.levels[1].autostart, "");
	tap_assert(cfg.levels[0].gpu);
	tap_assert(!cfg.levels[1].gpu);
	config_set_defaults(&cfg);
	tap_assert_str_eq(cfg.terminal, "foot");
	tap_assert_int_eq(cfg.levels[0].uid, -1);
	/* No GPU unless a level asks for it. */
	tap_assert(!cfg.levels[0].gpu && !cfg.levels[1].gpu);
	assert_one_error("[level low]\ncolour = #00ff00\ngpu = 1\n", 3,
			"gpu = \"1\" in [level low] is not yes or no");
	assert_one_error("[level low]\ncolour = #00ff00\nnetwork = yes\n", 3,
			"network = \"yes\" in [level low] is not a network mode (accepted: none, shared)");
	/* A cage never runs as root. */
	assert_one_error("[level low]\ncolour = #00ff00\nuid = 0\ngid = 4100\n", 3, "out of range");
	assert_one_error("[level low]\ncolour = #00ff00\nuid = 4100\n", 3,
			"[level low] sets uid without gid");
	assert_one_error("[level low]\ncolour = #00ff00\nautostart = foot\x01\n", 3, "U+0001");
}

static void
test_clipboard_section(void)
{
	struct strata_config cfg;
	config_set_defaults(&cfg);
	tap_assert(config_clipboard_allowed(&cfg, 0, 1)); /* low -> high */
	tap_assert(!config_clipboard_allowed(&cfg, 1, 0)); /* high -> low */
	tap_assert(!config_clipboard_allowed(&cfg, 0, 0));
	tap_assert_int_eq(cfg.clipboard_max_bytes, 65536);
	tap_assert(!cfg.clipboard_images);
	tap_assert(config_load_string(&cfg,
			"[level a]\ncolour = #111111\n[level b]\ncolour = #222222\n[level c]\ncolour = #333333\n",
			"<string>", NULL, NULL));
	tap_assert(config_clipboard_allowed(&cfg, 0, 2) && config_clipboard_allowed(&cfg, 1, 2));
	tap_assert(!config_clipboard_allowed(&cfg, 2, 1));
	tap_assert(config_load_string(&cfg,
			"[clipboard]\nallow = c>a, a > b\nimages = yes\nmax_bytes = 1000\n"
			"[level a]\ncolour = #111111\n[level b]\ncolour = #222222\n[level c]\ncolour = #333333\n",
			"<string>", NULL, NULL));
	tap_assert(config_clipboard_allowed(&cfg, 2, 0) && config_clipboard_allowed(&cfg, 0, 1));
	tap_assert(!config_clipboard_allowed(&cfg, 0, 2));
	tap_assert(cfg.clipboard_images);
	tap_assert_int_eq(cfg.clipboard_max_bytes, 1000);
	tap_assert(config_load_string(&cfg, "[clipboard]\nallow = none\n", "<string>", NULL, NULL));
	tap_assert(!config_clipboard_allowed(&cfg, 0, 1));
	assert_one_error("[clipboard]\nallow = low>secret\n", 2,
			"allow = \"low>secret\" in [clipboard] needs two different levels");
	assert_one_error("[clipboard]\nallow = low\n", 2, "is not SOURCE>DESTINATION");
	assert_one_error("[clipboard]\nmax_bytes = 2000000\n", 2, "out of range");
	assert_one_error("[clipboard]\nimages = maybe\n", 2,
			"images = \"maybe\" in [clipboard] is not yes or no");
}

static void
test_audio_section(void)
{
	struct strata_config cfg;
	tap_assert(config_load_string(&cfg, "", "<string>", NULL, NULL));
	tap_assert(!cfg.audio_enabled);
	tap_assert_int_eq(cfg.audio_mic, STRATA_AUDIO_MIC_OFF);
	tap_assert_int_eq(cfg.audio_unfocused, STRATA_AUDIO_UNFOCUSED_MIX);
	tap_assert_int_eq(cfg.audio_quantum, 1024);
	tap_assert_str_eq(cfg.audio_core_remote, "");
	tap_assert(config_load_string(&cfg,
			"[audio]\nenabled = true\ncore_remote = /run/user/0/pipewire-0\nmic = follow\n"
			"unfocused = duck\nquantum = 256\n",
			"<string>", NULL, NULL));
	tap_assert(cfg.audio_enabled);
	tap_assert_str_eq(cfg.audio_core_remote, "/run/user/0/pipewire-0");
	tap_assert_int_eq(cfg.audio_mic, STRATA_AUDIO_MIC_FOLLOW);
	tap_assert_int_eq(cfg.audio_unfocused, STRATA_AUDIO_UNFOCUSED_DUCK);
	tap_assert_int_eq(cfg.audio_quantum, 256);
	tap_assert(config_load_string(&cfg, "[audio]\nenabled = no\nunfocused = mute\n", "<string>",
			NULL, NULL));
	tap_assert(!cfg.audio_enabled);
	tap_assert_int_eq(cfg.audio_unfocused, STRATA_AUDIO_UNFOCUSED_MUTE);
	assert_one_error("[audio]\nmic = loud\n", 2,
			"mic = \"loud\" in [audio] is not accepted (accepted: off, follow)");
	assert_one_error("[audio]\nunfocused = quiet\n", 2,
			"unfocused = \"quiet\" in [audio] is not accepted (accepted: mix, duck, mute)");
	assert_one_error("[audio]\ncore_remote = pipewire-0\n", 2,
			"core_remote = \"pipewire-0\" in [audio] is not an absolute path");
	assert_one_error("[audio]\nquantum = 100\n", 2, "out of range");
	assert_one_error("[audio]\nenabled = maybe\n", 2,
			"enabled = \"maybe\" in [audio] is not yes or no");
	assert_one_error("[audio]\n[audio]\n", 2, "duplicate section [audio]");
	assert_one_error("[audio]\nvolume = 11\n", 2, "unknown key \"volume\" in [audio]");
}

static void
test_lock_defaults(void)
{
	struct strata_config cfg;
	config_set_defaults(&cfg);
	tap_assert_int_eq(cfg.lock_idle_seconds, 180);
	tap_assert_int_eq(cfg.sak_count, 1);
	tap_assert_int_eq(cfg.sak[0].modifiers, STRATA_KEYMOD_LOGO);
	tap_assert_int_eq(cfg.sak[0].keysym, XKB_KEY_Escape);
	tap_assert_str_eq(cfg.sak_text, "Logo+Escape");
	tap_assert_str_eq(cfg.lock_user, "");
	tap_assert_str_eq(cfg.lock_pam_service, "strata");
	tap_assert(cfg.lock_revoke_mic);
	/* the same from an empty file and from an empty [lock] */
	struct strata_config loaded;
	struct errors e;
	tap_assert(load("[lock]\n", &loaded, &e));
	assert_same_config(&loaded, &cfg);
	/* the bits are wlroots' WLR_MODIFIER_* */
	tap_assert_int_eq(STRATA_KEYMOD_SHIFT, 1 << 0);
	tap_assert_int_eq(STRATA_KEYMOD_CTRL, 1 << 2);
	tap_assert_int_eq(STRATA_KEYMOD_ALT, 1 << 3);
	tap_assert_int_eq(STRATA_KEYMOD_LOGO, 1 << 6);
}

static void
test_lock_idle_seconds(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("[lock]\nidle_seconds = 0\n", &cfg, &e));
	tap_assert_int_eq(cfg.lock_idle_seconds, 0);
	tap_assert(load("[lock]\nidle_seconds = 10\n", &cfg, &e));
	tap_assert_int_eq(cfg.lock_idle_seconds, 10);
	tap_assert(load("[lock]\nidle_seconds = 86400\n", &cfg, &e));
	tap_assert_int_eq(cfg.lock_idle_seconds, 86400);
	/* errors at the key's line, after a comment and another section */
	assert_one_error("[session]\nfont = Sans\n; lock\n[lock]\nidle_seconds = 9\n", 5,
			"idle_seconds = \"9\" in [lock] is out of range (accepted: 0 (never) or 10 to "
			"86400)");
	assert_one_error("[lock]\nidle_seconds = 1\n", 2, "is out of range");
	assert_one_error("[lock]\nidle_seconds = 86401\n", 2,
			"idle_seconds = \"86401\" in [lock] is out of range (accepted: 0 (never) or 10 "
			"to 86400)");
	assert_one_error("[lock]\nidle_seconds = abc\n", 2,
			"idle_seconds = \"abc\" in [lock] is not an integer (accepted: 0 (never) or 10 "
			"to 86400)");
	assert_one_error("[lock]\nidle_seconds = -1\n", 2,
			"idle_seconds = \"-1\" in [lock] is out");
	assert_one_error("[lock]\nidle_seconds = -180\n", 2, "is out of range");
	assert_one_error("[lock]\nidle_seconds =\n", 2, "is not an integer");
}

/* sak = text loads, and gives one combination. */
static void
assert_sak(const char *text, uint32_t modifiers, uint32_t keysym)
{
	char file[256];
	snprintf(file, sizeof(file), "[lock]\nsak = %s\n", text);
	struct strata_config cfg;
	struct errors e;
	tap_assert_msg(load(file, &cfg, &e), "sak = %s refused", text);
	tap_assert_int_eq(cfg.sak_count, 1);
	tap_assert_int_eq(cfg.sak[0].modifiers, modifiers);
	tap_assert_int_eq(cfg.sak[0].keysym, keysym);
	tap_assert_str_eq(cfg.sak_text, text);
}

/* sak = text is the one error, at line 3, and its message contains needle. */
#define assert_bad_sak(text, needle) \
	assert_one_error("[lock]\n; the secure attention key\nsak = " text "\n", 3, needle)

static void
test_lock_sak(void)
{
	assert_sak("Logo+Escape", STRATA_KEYMOD_LOGO, XKB_KEY_Escape);
	assert_sak("ctrl+alt+Delete", STRATA_KEYMOD_CTRL | STRATA_KEYMOD_ALT, XKB_KEY_Delete);
	assert_sak("Logo+L", STRATA_KEYMOD_LOGO, XKB_KEY_l);
	assert_sak("SUPER + escape", STRATA_KEYMOD_LOGO, XKB_KEY_Escape);
	assert_sak("Mod4+Mod1+Control+Shift+x",
			STRATA_KEYMOD_LOGO | STRATA_KEYMOD_ALT | STRATA_KEYMOD_CTRL |
					STRATA_KEYMOD_SHIFT,
			XKB_KEY_x);
	/* dedicated keys need no modifier */
	assert_sak("Pause", 0, XKB_KEY_Pause);
	assert_sak("Break", 0, XKB_KEY_Break);
	assert_sak("Sys_Req", 0, XKB_KEY_Sys_Req);
	assert_sak("Scroll_Lock", 0, XKB_KEY_Scroll_Lock);
	assert_sak("XF86ScreenSaver", 0, XKB_KEY_XF86ScreenSaver);
	assert_sak("F13", 0, XKB_KEY_F13);
	assert_sak("F35", 0, XKB_KEY_F35);
	/* other bare keys would be taken from every application */
	assert_bad_sak("Escape",
			"sak = \"Escape\" in [lock]: \"Escape\" has no modifier: the key would be taken "
			"from every application (accepted alone: Pause, Break, Sys_Req, Scroll_Lock, "
			"F13 to F35 and XF86 keys)");
	assert_bad_sak("a", "\"a\" has no modifier");
	assert_bad_sak("F12", "\"F12\" has no modifier");
	assert_bad_sak("Logo+Logo+x",
			"sak = \"Logo+Logo+x\" in [lock]: modifier \"Logo\" is given twice");
	assert_bad_sak("Logo+Super+x", "modifier \"Super\" is given twice");
	assert_bad_sak("Logo+Nope", "sak = \"Logo+Nope\" in [lock]: unknown key name \"Nope\"");
	assert_bad_sak("Hyper+x",
			"unknown modifier \"Hyper\" (accepted: Logo, Super, Mod4, Alt, "
			"Mod1, Ctrl, Control, Shift)");
	assert_bad_sak("Logo+Super_L", "\"Super_L\" is a modifier key");
	assert_bad_sak("Ctrl+Caps_Lock", "\"Caps_Lock\" is a modifier key");
	assert_bad_sak("Shift_L", "\"Shift_L\" is a modifier key");
	assert_bad_sak("Ctrl+Alt", "it ends with the modifier \"Alt\", not a key");
	assert_bad_sak("Logo+",
			"sak = \"Logo+\" in [lock]: the key after the last \"+\" is missing");
	assert_bad_sak("+Escape", "a modifier is missing before a \"+\"");
	assert_bad_sak("Logo++x", "a modifier is missing");
	assert_bad_sak("Logo+NoSymbol", "unknown key name \"NoSymbol\"");
	assert_bad_sak("Logo+\x1b[31m", "unknown key name \"\\x1B[31m\"");
	/* Shift alone takes the shifted key from everyone; Shift with a
	 * dedicated key is fine. */
	struct strata_config cfg;
	struct errors e;
	assert_one_error("[lock]\nsak = Shift+a\n", 2, "has only Shift");
	assert_one_error("[lock]\nsak = Shift+Escape\n", 2, "has only Shift");
	tap_assert(load("[lock]\nsak = Shift+Pause\n", &cfg, &e));
	tap_assert(load("[lock]\nsak = Ctrl+Shift+a\n", &cfg, &e));
}

static void
test_lock_sak_list(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("[lock]\nsak = Logo+Escape, Pause\n", &cfg, &e));
	tap_assert_int_eq(cfg.sak_count, 2);
	tap_assert_int_eq(cfg.sak[0].modifiers, STRATA_KEYMOD_LOGO);
	tap_assert_int_eq(cfg.sak[0].keysym, XKB_KEY_Escape);
	tap_assert_int_eq(cfg.sak[1].modifiers, 0);
	tap_assert_int_eq(cfg.sak[1].keysym, XKB_KEY_Pause);
	tap_assert_str_eq(cfg.sak_text, "Logo+Escape, Pause");
	tap_assert(load("[lock]\nsak = Logo+Escape,Pause , ctrl+alt+Delete,F13\n", &cfg, &e));
	tap_assert_int_eq(cfg.sak_count, STRATA_SAK_MAX);
	tap_assert_int_eq(cfg.sak[2].modifiers, STRATA_KEYMOD_CTRL | STRATA_KEYMOD_ALT);
	tap_assert_int_eq(cfg.sak[3].keysym, XKB_KEY_F13);
	assert_bad_sak("Logo+Escape, Pause, ctrl+alt+Delete, F13, F14",
			"sak = \"Logo+Escape, Pause, ctrl+alt+Delete, F13...\" in [lock] has 5 key "
			"combinations (accepted: 1 to 4)");
	assert_bad_sak(",", "sak = \",\" in [lock] has an empty key combination");
	assert_bad_sak("Logo+Escape,", "sak = \"Logo+Escape,\" in [lock] has an empty key");
	assert_bad_sak("Logo+Escape,,Pause", "has an empty key combination");
	assert_bad_sak(" , Pause", "has an empty key combination");
	assert_one_error("[lock]\nsak =\n", 2, "sak = \"\" in [lock] has an empty key combination");
	/* the error names the combination at fault */
	assert_bad_sak("Pause, Logo+Nope", "sak = \"Logo+Nope\" in [lock]: unknown key name");
	assert_bad_sak("Logo+Escape, super+escape", "gives the same key combination twice");
	/* at most 127 bytes as written */
	char text[256], value[200];
	memset(value, 'x', 128);
	memcpy(value, "Logo+", 5);
	value[128] = '\0';
	snprintf(text, sizeof(text), "[lock]\nsak = %s\n", value);
	assert_one_error(text, 2, "sak in [lock] is 128 bytes long (accepted: at most 127 bytes)");
}

static void
test_lock_user(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("[lock]\nuser = alice\n", &cfg, &e));
	tap_assert_str_eq(cfg.lock_user, "alice");
	static const char *const good[] = { "a", "_a", "a-b_c9", "host$", "_",
		"abcdefghijabcdefghijabcdefghijab" /* 32 */ };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[lock]\nuser = %s\n", good[i]);
		tap_assert_msg(load(text, &cfg, &e), "user = %s refused", good[i]);
		tap_assert_str_eq(cfg.lock_user, good[i]);
	}
	tap_assert(load("[lock]\nuser =\n", &cfg, &e));
	tap_assert_str_eq(cfg.lock_user, "");
	assert_one_error("[lock]\nuser = Alice\n", 2,
			"user = \"Alice\" in [lock] is not a user name (accepted: empty for the "
			"compositor's user, or 1 to 32 characters among a-z, 0-9, _ and -, starting "
			"with a letter or _, optionally ending in $)");
	static const char *const bad[] = { "a b", "1abc", "-a", "$", "a$b", "a$$", "a.b", "../root",
		"h\xc3\xa9", "abcdefghijabcdefghijabcdefghijabc" /* 33 */ };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[lock]\n\nuser = %s\n", bad[i]);
		assert_one_error(text, 3, "in [lock] is not a user name");
	}
}

static void
test_lock_pam_service(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("[lock]\npam_service = strata\n", &cfg, &e));
	tap_assert_str_eq(cfg.lock_pam_service, "strata");
	tap_assert(load("[lock]\npam_service = Strata-lock_2.d\n", &cfg, &e));
	tap_assert_str_eq(cfg.lock_pam_service, "Strata-lock_2.d");
	char name[80], text[128];
	memset(name, 'p', 63);
	name[63] = '\0';
	snprintf(text, sizeof(text), "[lock]\npam_service = %s\n", name);
	tap_assert(load(text, &cfg, &e));
	tap_assert_str_eq(cfg.lock_pam_service, name);
	strcat(name, "p"); /* 64 */
	snprintf(text, sizeof(text), "[lock]\npam_service = %s\n", name);
	assert_one_error(text, 2, "is not a PAM service name (accepted: 1 to 63 characters");
	assert_one_error("[lock]\npam_service = ../x\n", 2,
			"pam_service = \"../x\" in [lock] is not a PAM service name (accepted: 1 to 63 "
			"characters among A-Z, a-z, 0-9, _, . and -, not starting with .)");
	assert_one_error("[lock]\npam_service = .x\n", 2, "pam_service = \".x\" in [lock] is not");
	assert_one_error("[lock]\npam_service = /etc/pam.d/x\n", 2, "is not a PAM service name");
	assert_one_error("[lock]\npam_service = a b\n", 2, "is not a PAM service name");
	assert_one_error("[lock]\npam_service =\n", 2, "pam_service = \"\" in [lock] is not");
}

static void
test_lock_microphone(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("[lock]\nmicrophone = keep\n", &cfg, &e));
	tap_assert(!cfg.lock_revoke_mic);
	tap_assert(load("[lock]\nmicrophone = revoke\n", &cfg, &e));
	tap_assert(cfg.lock_revoke_mic);
	assert_one_error("[lock]\nidle_seconds = 60\nmicrophone = mute\n", 3,
			"microphone = \"mute\" in [lock] is not accepted (accepted: keep, revoke)");
	assert_one_error("[lock]\nmicrophone = Revoke\n", 2, "microphone = \"Revoke\"");
	assert_one_error("[lock]\nmicrophone = yes\n", 2, "is not accepted");
}

static void
test_lock_text(void)
{
	struct strata_config cfg;
	struct errors e;
	config_set_defaults(&cfg);
	tap_assert_str_eq(cfg.lock_text, "");
	tap_assert(load("[lock]\ntext = PROPERTY OF THE MINISTRY \xE2\x80\x94 RESTRICTED\n", &cfg,
			&e));
	tap_assert_str_eq(cfg.lock_text, "PROPERTY OF THE MINISTRY \xE2\x80\x94 RESTRICTED");
	char text[200], line[260];
	memset(text, 'x', 127);
	text[127] = '\0';
	snprintf(line, sizeof(line), "[lock]\ntext = %s\n", text);
	tap_assert(load(line, &cfg, &e));
	tap_assert_int_eq(strlen(cfg.lock_text), 127);
	snprintf(line, sizeof(line), "[lock]\ntext = %sx\n", text);
	tap_assert(!load(line, &cfg, &e));
	tap_assert_int_eq(e.count, 1);
	tap_assert_int_eq(e.lines[0], 2);
	/* A bidi override could make the marking read otherwise. */
	tap_assert(!load("[lock]\ntext = SECRET \xE2\x80\xAE TERCES\n", &cfg, &e));
	tap_assert_int_eq(e.lines[0], 2);
}

static void
test_lock_section(void)
{
	struct strata_config cfg;
	struct errors e;
	tap_assert(load("[lock]\nidle_seconds = 600\nsak = Pause\nuser = bob\n"
			"pam_service = login\nmicrophone = keep\n",
			&cfg, &e));
	tap_assert_int_eq(cfg.lock_idle_seconds, 600);
	tap_assert_int_eq(cfg.sak[0].keysym, XKB_KEY_Pause);
	tap_assert_str_eq(cfg.lock_user, "bob");
	tap_assert_str_eq(cfg.lock_pam_service, "login");
	tap_assert(!cfg.lock_revoke_mic);
	assert_one_error("[lock]\nidle_seconds = 60\n[session]\n[lock]\nuser = bob\n", 4,
			"duplicate section [lock] (first at line 1): put all lock keys in one section");
	assert_one_error("[lock]\ntimeout = 60\n", 2,
			"unknown key \"timeout\" in [lock] (known: idle_seconds, sak, user, "
			"pam_service, microphone, text)");
	assert_one_error("[lock]\nsak = Pause\nsak = F13\n", 3,
			"duplicate key \"sak\" in [lock] (first set at line 2)");
	/* every error of the section in one pass, each at its line */
	tap_assert(!load("[lock]\n" /* 1 */
			 "idle_seconds = 5\n" /* 2 */
			 "sak = Escape\n" /* 3 */
			 "user = Root\n" /* 4 */
			 "pam_service = ../x\n" /* 5 */
			 "microphone = off\n", /* 6 */
			&cfg, &e));
	tap_assert_int_eq(e.count, 5);
	assert_error(&e, 0, 2, "idle_seconds = \"5\"");
	assert_error(&e, 1, 3, "sak = \"Escape\"");
	assert_error(&e, 2, 4, "user = \"Root\"");
	assert_error(&e, 3, 5, "pam_service = \"../x\"");
	assert_error(&e, 4, 6, "microphone = \"off\"");
}

TAP_TESTS(TAP_CASE(test_defaults), TAP_CASE(test_audio_section), TAP_CASE(test_clipboard_section),
		TAP_CASE(test_limits_section), TAP_CASE(test_cage_keys),
		TAP_CASE(test_xwayland_keys), TAP_CASE(test_empty_file_gives_defaults),
		TAP_CASE(test_session_keys_override_defaults), TAP_CASE(test_three_levels),
		TAP_CASE(test_find_level), TAP_CASE(test_parse_colour),
		TAP_CASE(test_colour_to_floats), TAP_CASE(test_syntax_tolerated),
		TAP_CASE(test_indented_line_is_not_a_continuation), TAP_CASE(test_unknown_section),
		TAP_CASE(test_unknown_key), TAP_CASE(test_key_outside_section),
		TAP_CASE(test_duplicate_key), TAP_CASE(test_duplicate_session_keys_across_sections),
		TAP_CASE(test_duplicate_level), TAP_CASE(test_bad_level_names),
		TAP_CASE(test_level_name_rule), TAP_CASE(test_rejected_level_is_still_checked),
		TAP_CASE(test_too_many_levels), TAP_CASE(test_missing_colour),
		TAP_CASE(test_integer_ranges), TAP_CASE(test_integer_syntax),
		TAP_CASE(test_bad_colours), TAP_CASE(test_modifier),
		TAP_CASE(test_banner_invalid_utf8), TAP_CASE(test_banner_control_characters),
		TAP_CASE(test_banner_length), TAP_CASE(test_font),
		TAP_CASE(test_same_colour_levels), TAP_CASE(test_colour_equals_text_colour),
		TAP_CASE(test_idle_colours), TAP_CASE(test_no_usable_level),
		TAP_CASE(test_syntax_errors), TAP_CASE(test_long_line),
		TAP_CASE(test_all_errors_in_one_pass), TAP_CASE(test_message_escapes_user_text),
		TAP_CASE(test_too_many_errors), TAP_CASE(test_stream_with_nul),
		TAP_CASE(test_default_theme_equals_builtin), TAP_CASE(test_example_themes),
		TAP_CASE(test_missing_file), TAP_CASE(test_directory_is_not_a_file),
		TAP_CASE(test_lock_defaults), TAP_CASE(test_lock_idle_seconds),
		TAP_CASE(test_lock_sak), TAP_CASE(test_lock_sak_list), TAP_CASE(test_lock_user),
		TAP_CASE(test_lock_pam_service), TAP_CASE(test_lock_microphone),
		TAP_CASE(test_lock_text), TAP_CASE(test_lock_section))
