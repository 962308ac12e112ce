// SPDX-License-Identifier: MIT
/*
 * strata.conf: levels, colours, banner texts, the session's look and the
 * screen lock.
 *
 * libinih splits "key = value" lines, trims them and drops comments. Everything
 * else is ours: a reader function hands inih one line at a time, counts lines
 * (this libinih is built without INI_HANDLER_LINENO), strips leading white
 * space (so that an indented line is never taken as a continuation of the
 * previous value), parses section headers itself and reports the syntax errors
 * that inih would only count. Errors are collected, sorted by line and then
 * reported, so that one pass shows all of them.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <xkbcommon/xkbcommon.h>
#include "common/config.h"
#include "common/key_combo.h"
#include "common/utf8.h"

#define CONFIG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define CONFIG_MAX_ERRORS 100
#define CONFIG_MESSAGE_MAX 320
#define CONFIG_QUOTE_MAX 40 /* bytes of a user's text echoed in a message */

enum config_key_type {
	CONFIG_KEY_INT, /* min..max */
	CONFIG_KEY_INT_OR_NEVER, /* 0 (never) or min..max */
	CONFIG_KEY_COLOUR,
	CONFIG_KEY_TEXT, /* printable UTF-8, min..max bytes */
	CONFIG_KEY_MODIFIER,
	CONFIG_KEY_NETWORK, /* "none" or "shared", into a bool */
	CONFIG_KEY_COMMAND, /* printable UTF-8, min..max bytes, run by sh -c */
	CONFIG_KEY_BOOL, /* "yes" or "no" */
	CONFIG_KEY_PATH, /* an absolute path, at most max bytes */
	CONFIG_KEY_CHOICE, /* one word of config_choices[min], its index into an int */
	CONFIG_KEY_CHOICE_BOOL, /* one of the two words of config_choices[min], into a bool */
	CONFIG_KEY_SAK, /* key combinations into cfg->sak, as written into the field */
	CONFIG_KEY_USER, /* empty or a user name of at most max bytes */
	CONFIG_KEY_PAM_SERVICE, /* a PAM service name of at most max bytes */
};

/* The words of each CONFIG_KEY_CHOICE key, NULL-terminated; the index of the
 * word is the enum value. */
enum config_choice_list {
	CONFIG_CHOICE_MIC,
	CONFIG_CHOICE_UNFOCUSED,
	CONFIG_CHOICE_LOCK_MIC,
	CONFIG_CHOICE_XWAYLAND,
};

static const char *const config_choices[][4] = {
	[CONFIG_CHOICE_MIC] = { "off", "follow", NULL },
	[CONFIG_CHOICE_UNFOCUSED] = { "mix", "duck", "mute", NULL },
	[CONFIG_CHOICE_LOCK_MIC] = { "keep", "revoke", NULL }, /* false, true */
	[CONFIG_CHOICE_XWAYLAND] = { "lazy", "yes", "no", NULL }, /* enum strata_xwayland_mode */
};

struct config_key {
	const char *name;
	enum config_key_type type;
	size_t offset; /* in struct strata_config or struct strata_level */
	int min, max;
};

enum config_session_key {
	CONFIG_SESSION_BANNER_HEIGHT,
	CONFIG_SESSION_TITLE_HEIGHT,
	CONFIG_SESSION_FONT,
	CONFIG_SESSION_BACKGROUND,
	CONFIG_SESSION_IDLE_COLOUR,
	CONFIG_SESSION_IDLE_TEXT_COLOUR,
	CONFIG_SESSION_MODIFIER,
	CONFIG_SESSION_TERMINAL,
	CONFIG_SESSION_KEY_COUNT,
};

static const struct config_key config_session_keys[CONFIG_SESSION_KEY_COUNT] = {
	[CONFIG_SESSION_BANNER_HEIGHT] = { "banner_height", CONFIG_KEY_INT,
			offsetof(struct strata_config, banner_height), 16, 128 },
	[CONFIG_SESSION_TITLE_HEIGHT] = { "title_height", CONFIG_KEY_INT,
			offsetof(struct strata_config, title_height), 12, 64 },
	[CONFIG_SESSION_FONT] = { "font", CONFIG_KEY_TEXT, offsetof(struct strata_config, font), 1,
			STRATA_FONT_MAX },
	[CONFIG_SESSION_BACKGROUND] = { "background", CONFIG_KEY_COLOUR,
			offsetof(struct strata_config, background), 0, 0 },
	[CONFIG_SESSION_IDLE_COLOUR] = { "idle_colour", CONFIG_KEY_COLOUR,
			offsetof(struct strata_config, idle_colour), 0, 0 },
	[CONFIG_SESSION_IDLE_TEXT_COLOUR] = { "idle_text_colour", CONFIG_KEY_COLOUR,
			offsetof(struct strata_config, idle_text_colour), 0, 0 },
	[CONFIG_SESSION_MODIFIER] = { "modifier", CONFIG_KEY_MODIFIER,
			offsetof(struct strata_config, modifier), 0, 0 },
	[CONFIG_SESSION_TERMINAL] = { "terminal", CONFIG_KEY_COMMAND,
			offsetof(struct strata_config, terminal), 1, STRATA_COMMAND_MAX },
};

enum config_limits_key {
	CONFIG_LIMITS_MAX_BUFFER_WIDTH,
	CONFIG_LIMITS_MAX_BUFFER_HEIGHT,
	CONFIG_LIMITS_SHM_MIB_PER_CLIENT,
	CONFIG_LIMITS_SHM_POOLS_PER_CLIENT,
	CONFIG_LIMITS_KEY_COUNT,
};

static const struct config_key config_limits_keys[CONFIG_LIMITS_KEY_COUNT] = {
	[CONFIG_LIMITS_MAX_BUFFER_WIDTH] = { "max_buffer_width", CONFIG_KEY_INT,
			offsetof(struct strata_config, max_buffer_width), 64, 32768 },
	[CONFIG_LIMITS_MAX_BUFFER_HEIGHT] = { "max_buffer_height", CONFIG_KEY_INT,
			offsetof(struct strata_config, max_buffer_height), 64, 32768 },
	[CONFIG_LIMITS_SHM_MIB_PER_CLIENT] = { "shm_mib_per_client", CONFIG_KEY_INT,
			offsetof(struct strata_config, shm_mib_per_client), 1, 4096 },
	[CONFIG_LIMITS_SHM_POOLS_PER_CLIENT] = { "shm_pools_per_client", CONFIG_KEY_INT,
			offsetof(struct strata_config, shm_pools_per_client), 1, 1024 },
};

enum config_proxy_key {
	CONFIG_PROXY_MAX_CLIENTS,
	CONFIG_PROXY_MAX_OBJECTS,
	CONFIG_PROXY_MAX_FDS_IN_FLIGHT,
	CONFIG_PROXY_MAX_TOPLEVELS,
	CONFIG_PROXY_MAX_MESSAGES_PER_SECOND,
	CONFIG_PROXY_CLIENT_BUFFER_KIB,
	CONFIG_PROXY_KEY_COUNT,
};

static const struct config_key config_proxy_keys[CONFIG_PROXY_KEY_COUNT] = {
	[CONFIG_PROXY_MAX_CLIENTS] = { "max_clients", CONFIG_KEY_INT,
			offsetof(struct strata_config, proxy_max_clients), 1, 4096 },
	[CONFIG_PROXY_MAX_OBJECTS] = { "max_objects", CONFIG_KEY_INT,
			offsetof(struct strata_config, proxy_max_objects), 64, 1000000 },
	[CONFIG_PROXY_MAX_FDS_IN_FLIGHT] = { "max_fds_in_flight", CONFIG_KEY_INT,
			offsetof(struct strata_config, proxy_max_fds_in_flight), 1, 256 },
	[CONFIG_PROXY_MAX_TOPLEVELS] = { "max_toplevels", CONFIG_KEY_INT,
			offsetof(struct strata_config, proxy_max_toplevels), 1, 10000 },
	[CONFIG_PROXY_MAX_MESSAGES_PER_SECOND] = { "max_messages_per_second", CONFIG_KEY_INT,
			offsetof(struct strata_config, proxy_max_messages_per_second), 100,
			10000000 },
	[CONFIG_PROXY_CLIENT_BUFFER_KIB] = { "client_buffer_kib", CONFIG_KEY_INT,
			offsetof(struct strata_config, proxy_client_buffer_kib), 64, 65536 },
};

enum config_clipboard_key {
	CONFIG_CLIPBOARD_ALLOW,
	CONFIG_CLIPBOARD_IMAGES,
	CONFIG_CLIPBOARD_MAX_BYTES,
	CONFIG_CLIPBOARD_TIMEOUT_MS,
	CONFIG_CLIPBOARD_CONFIRM_S,
	CONFIG_CLIPBOARD_SETTLE_MS,
	CONFIG_CLIPBOARD_KEY_COUNT,
};

static const struct config_key config_clipboard_keys[CONFIG_CLIPBOARD_KEY_COUNT] = {
	[CONFIG_CLIPBOARD_ALLOW] = { "allow", CONFIG_KEY_TEXT,
			offsetof(struct strata_config, clipboard_allow_text), 1, 511 },
	[CONFIG_CLIPBOARD_IMAGES] = { "images", CONFIG_KEY_BOOL,
			offsetof(struct strata_config, clipboard_images), 0, 0 },
	[CONFIG_CLIPBOARD_MAX_BYTES] = { "max_bytes", CONFIG_KEY_INT,
			offsetof(struct strata_config, clipboard_max_bytes), 1, 1048576 },
	[CONFIG_CLIPBOARD_TIMEOUT_MS] = { "timeout_ms", CONFIG_KEY_INT,
			offsetof(struct strata_config, clipboard_timeout_ms), 100, 60000 },
	[CONFIG_CLIPBOARD_CONFIRM_S] = { "confirm_s", CONFIG_KEY_INT,
			offsetof(struct strata_config, clipboard_confirm_s), 5, 600 },
	[CONFIG_CLIPBOARD_SETTLE_MS] = { "settle_ms", CONFIG_KEY_INT,
			offsetof(struct strata_config, clipboard_settle_ms), 200, 5000 },
};

enum config_audio_key {
	CONFIG_AUDIO_ENABLED,
	CONFIG_AUDIO_CORE_REMOTE,
	CONFIG_AUDIO_MIC,
	CONFIG_AUDIO_UNFOCUSED,
	CONFIG_AUDIO_QUANTUM,
	CONFIG_AUDIO_KEY_COUNT,
};

static const struct config_key config_audio_keys[CONFIG_AUDIO_KEY_COUNT] = {
	[CONFIG_AUDIO_ENABLED] = { "enabled", CONFIG_KEY_BOOL,
			offsetof(struct strata_config, audio_enabled), 0, 0 },
	[CONFIG_AUDIO_CORE_REMOTE] = { "core_remote", CONFIG_KEY_PATH,
			offsetof(struct strata_config, audio_core_remote), 0, STRATA_PATH_MAX },
	[CONFIG_AUDIO_MIC] = { "mic", CONFIG_KEY_CHOICE, offsetof(struct strata_config, audio_mic),
			CONFIG_CHOICE_MIC, 0 },
	[CONFIG_AUDIO_UNFOCUSED] = { "unfocused", CONFIG_KEY_CHOICE,
			offsetof(struct strata_config, audio_unfocused), CONFIG_CHOICE_UNFOCUSED,
			0 },
	[CONFIG_AUDIO_QUANTUM] = { "quantum", CONFIG_KEY_INT,
			offsetof(struct strata_config, audio_quantum), 256, 8192 },
};

enum config_lock_key {
	CONFIG_LOCK_IDLE_SECONDS,
	CONFIG_LOCK_SAK,
	CONFIG_LOCK_USER,
	CONFIG_LOCK_PAM_SERVICE,
	CONFIG_LOCK_MICROPHONE,
	CONFIG_LOCK_TEXT,
	CONFIG_LOCK_KEY_COUNT,
};

static const struct config_key config_lock_keys[CONFIG_LOCK_KEY_COUNT] = {
	[CONFIG_LOCK_IDLE_SECONDS] = { "idle_seconds", CONFIG_KEY_INT_OR_NEVER,
			offsetof(struct strata_config, lock_idle_seconds), 10, 86400 },
	[CONFIG_LOCK_SAK] = { "sak", CONFIG_KEY_SAK, offsetof(struct strata_config, sak_text), 1,
			STRATA_SAK_TEXT_MAX },
	[CONFIG_LOCK_USER] = { "user", CONFIG_KEY_USER, offsetof(struct strata_config, lock_user),
			0, STRATA_LOCK_USER_MAX },
	[CONFIG_LOCK_PAM_SERVICE] = { "pam_service", CONFIG_KEY_PAM_SERVICE,
			offsetof(struct strata_config, lock_pam_service), 1,
			STRATA_PAM_SERVICE_MAX },
	[CONFIG_LOCK_MICROPHONE] = { "microphone", CONFIG_KEY_CHOICE_BOOL,
			offsetof(struct strata_config, lock_revoke_mic), CONFIG_CHOICE_LOCK_MIC,
			0 },
	[CONFIG_LOCK_TEXT] = { "text", CONFIG_KEY_TEXT, offsetof(struct strata_config, lock_text),
			0, STRATA_BANNER_TEXT_MAX },
};

enum config_level_key {
	CONFIG_LEVEL_COLOUR,
	CONFIG_LEVEL_TEXT_COLOUR,
	CONFIG_LEVEL_BANNER,
	CONFIG_LEVEL_BORDER_WIDTH,
	CONFIG_LEVEL_UID,
	CONFIG_LEVEL_GID,
	CONFIG_LEVEL_NETWORK,
	CONFIG_LEVEL_GPU,
	CONFIG_LEVEL_XWAYLAND,
	CONFIG_LEVEL_XWAYLAND_XTEST,
	CONFIG_LEVEL_XWAYLAND_RECORD,
	CONFIG_LEVEL_AUTOSTART,
	CONFIG_LEVEL_KEY_COUNT,
};

static const struct config_key config_level_keys[CONFIG_LEVEL_KEY_COUNT] = {
	[CONFIG_LEVEL_COLOUR] = { "colour", CONFIG_KEY_COLOUR,
			offsetof(struct strata_level, colour), 0, 0 },
	[CONFIG_LEVEL_TEXT_COLOUR] = { "text_colour", CONFIG_KEY_COLOUR,
			offsetof(struct strata_level, text_colour), 0, 0 },
	[CONFIG_LEVEL_BANNER] = { "banner", CONFIG_KEY_TEXT, offsetof(struct strata_level, banner),
			0, STRATA_BANNER_TEXT_MAX },
	[CONFIG_LEVEL_BORDER_WIDTH] = { "border_width", CONFIG_KEY_INT,
			offsetof(struct strata_level, border_width), 1, 32 },
	[CONFIG_LEVEL_UID] = { "uid", CONFIG_KEY_INT, offsetof(struct strata_level, uid), 1,
			2147483646 },
	[CONFIG_LEVEL_GID] = { "gid", CONFIG_KEY_INT, offsetof(struct strata_level, gid), 1,
			2147483646 },
	[CONFIG_LEVEL_NETWORK] = { "network", CONFIG_KEY_NETWORK,
			offsetof(struct strata_level, network), 0, 0 },
	[CONFIG_LEVEL_GPU] = { "gpu", CONFIG_KEY_BOOL, offsetof(struct strata_level, gpu), 0, 0 },
	[CONFIG_LEVEL_XWAYLAND] = { "xwayland", CONFIG_KEY_CHOICE,
			offsetof(struct strata_level, xwayland), CONFIG_CHOICE_XWAYLAND, 0 },
	[CONFIG_LEVEL_XWAYLAND_XTEST] = { "xwayland_xtest", CONFIG_KEY_BOOL,
			offsetof(struct strata_level, xwayland_xtest), 0, 0 },
	[CONFIG_LEVEL_XWAYLAND_RECORD] = { "xwayland_record", CONFIG_KEY_BOOL,
			offsetof(struct strata_level, xwayland_record), 0, 0 },
	[CONFIG_LEVEL_AUTOSTART] = { "autostart", CONFIG_KEY_COMMAND,
			offsetof(struct strata_level, autostart), 0, STRATA_COMMAND_MAX },
};

/* The built-in configuration; themes/default.ini spells out the same values. */
static const struct strata_level config_builtin_levels[] = {
	{
			.name = "low",
			.colour = 0x2e7d32ff,
			.text_colour = 0xffffffff,
			.banner = "UNCLASSIFIED",
			.border_width = 4,
			.uid = -1,
			.gid = -1,
	},
	{
			.name = "high",
			.colour = 0xc62828ff,
			.text_colour = 0xffffffff,
			.banner = "RESTRICTED",
			.border_width = 4,
			.uid = -1,
			.gid = -1,
	},
};

enum config_section {
	CONFIG_SECTION_NONE, /* before the first section header */
	CONFIG_SECTION_SESSION,
	CONFIG_SECTION_LIMITS,
	CONFIG_SECTION_PROXY,
	CONFIG_SECTION_CLIPBOARD,
	CONFIG_SECTION_AUDIO,
	CONFIG_SECTION_LOCK,
	CONFIG_SECTION_LEVEL, /* keys go to parser->level */
	CONFIG_SECTION_IGNORED, /* a broken or unknown header: its keys are skipped */
};

struct config_key_state {
	int line; /* where the key was set, 0 if not yet */
	bool valid; /* its value was accepted */
};

struct config_error {
	int line;
	char message[CONFIG_MESSAGE_MAX];
};

struct config_parser {
	struct strata_config *cfg;
	const char *source;

	/* Input: exactly one of file and text. */
	FILE *file;
	const char *text;
	int line; /* the line inih is processing */
	size_t max_line; /* longest line in bytes, from inih's buffer size */
	int read_errno;

	enum config_section section;
	char section_label[80]; /* "[session]", "[level low]", for messages */
	int session_line; /* first [session] header, 0 if none */
	struct config_key_state session_keys[CONFIG_SESSION_KEY_COUNT];
	int limits_line; /* first [limits] header, 0 if none */
	struct config_key_state limits_keys[CONFIG_LIMITS_KEY_COUNT];
	int proxy_line; /* first [proxy] header, 0 if none */
	struct config_key_state proxy_keys[CONFIG_PROXY_KEY_COUNT];
	int clipboard_line; /* first [clipboard] header, 0 if none */
	struct config_key_state clipboard_keys[CONFIG_CLIPBOARD_KEY_COUNT];
	int audio_line; /* first [audio] header, 0 if none */
	struct config_key_state audio_keys[CONFIG_AUDIO_KEY_COUNT];
	int lock_line; /* first [lock] header, 0 if none */
	struct config_key_state lock_keys[CONFIG_LOCK_KEY_COUNT];

	bool file_levels; /* a [level] header was seen: the built-in levels are gone */
	size_t extra_levels; /* valid [level] headers beyond STRATA_MAX_LEVELS */
	struct strata_level *level; /* into cfg->levels, or &scratch */
	struct config_key_state *level_keys; /* the current level's entry of key_states */
	/* A rejected [level] section, still parsed so that its errors are shown. */
	struct strata_level scratch;
	/* Per level of cfg->levels, the last one for scratch. */
	struct config_key_state key_states[STRATA_MAX_LEVELS + 1][CONFIG_LEVEL_KEY_COUNT];

	struct config_error errors[CONFIG_MAX_ERRORS];
	size_t error_count;
	size_t errors_dropped;
};

static void config_error(struct config_parser *p, int line, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

static void
config_error(struct config_parser *p, int line, const char *fmt, ...)
{
	if (p->error_count == CONFIG_MAX_ERRORS) {
		p->errors_dropped++;
		return;
	}
	struct config_error *error = &p->errors[p->error_count++];
	error->line = line;
	va_list args;
	va_start(args, fmt);
	vsnprintf(error->message, sizeof(error->message), fmt, args);
	va_end(args);
}

/*
 * Characters a marking must not contain: controls, and the invisible format
 * characters (bidi controls above all) that could make a banner read other
 * than it is. The same set as sanitize_title() removes, plus the line and
 * paragraph separators.
 */
static bool
config_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
			(cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
			(cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) ||
			cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

void
config_quote(const char *text, char *out, size_t size)
{
	size_t used = 0;
	const char *end = text + strlen(text);
	out[0] = '\0';
	while (text < end) {
		char piece[16];
		uint32_t cp;
		size_t n = utf8_decode((const uint8_t *)text, (size_t)(end - text), &cp);
		const char *next = text + (n > 0 ? n : 1);
		if (n == 0) {
			snprintf(piece, sizeof(piece), "\\x%02X", (unsigned char)*text);
		} else if (cp == '"' || cp == '\\') {
			snprintf(piece, sizeof(piece), "\\%c", (char)cp);
		} else if (config_is_control(cp)) {
			snprintf(piece, sizeof(piece), cp < 0x80 ? "\\x%02X" : "\\u%04X",
					(unsigned)cp);
		} else {
			snprintf(piece, sizeof(piece), "%.*s", (int)(next - text), text);
		}
		size_t len = strlen(piece);
		if (used + len > CONFIG_QUOTE_MAX || used + len + 4 > size) {
			snprintf(out + used, size - used, "...");
			return;
		}
		memcpy(out + used, piece, len + 1);
		used += len;
		text = next;
	}
}

static void
config_format_colour(strata_rgba colour, char *out, size_t size)
{
	if ((colour & 0xff) == 0xff) {
		snprintf(out, size, "#%06X", (unsigned)(colour >> 8));
	} else {
		snprintf(out, size, "#%08X", (unsigned)colour);
	}
}

/* Colours are compared without their alpha: levels must look different. */
static bool
config_same_rgb(strata_rgba a, strata_rgba b)
{
	return (a >> 8) == (b >> 8);
}

static int
config_max_line(int a, int b)
{
	return a > b ? a : b;
}

/*
 * Words that name no level: wayland-core is the core socket; "none" means
 * nobody to the audio mux (the microphone holder); log-audio is the mux's log
 * next to log-LEVEL, and DATA/audit the audit log next to DATA/LEVEL.
 */
static const char *const config_reserved_level_names[] = { "core", "none", "audio", "audit" };

static bool
config_level_name_spelled_right(const char *name)
{
	size_t len = strnlen(name, STRATA_LEVEL_NAME_MAX + 1);
	if (len < 1 || len > STRATA_LEVEL_NAME_MAX || name[0] < 'a' || name[0] > 'z') {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
			return false;
		}
	}
	return true;
}

bool
config_level_name_valid(const char *name, char *why, size_t why_size)
{
	if (!config_level_name_spelled_right(name)) {
		if (why && why_size > 0) {
			/* Enough of the name for config_quote() to cut it. */
			char shown[CONFIG_QUOTE_MAX + 2], quoted[64];
			snprintf(shown, sizeof(shown), "%.*s", (int)sizeof(shown) - 1, name);
			config_quote(shown, quoted, sizeof(quoted));
			snprintf(why, why_size,
					"bad level name \"%s\" (accepted: 1 to %d characters among a-z, "
					"0-9, _ and -, starting with a letter)",
					quoted, STRATA_LEVEL_NAME_MAX);
		}
		return false;
	}
	for (size_t i = 0; i < sizeof(config_reserved_level_names) /
					sizeof(config_reserved_level_names[0]);
			i++) {
		if (strcmp(name, config_reserved_level_names[i]) == 0) {
			if (why && why_size > 0) {
				snprintf(why, why_size, "level name \"%s\" is reserved", name);
			}
			return false;
		}
	}
	return true;
}

char *
config_trim(char *s)
{
	while (isspace((unsigned char)*s)) {
		s++;
	}
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1])) {
		s[--len] = '\0';
	}
	return s;
}

/*
 * Mirrors inih's find_chars_or_comment(): the first of chars, or the start of
 * an inline comment (';' after white space), or the end of s.
 */
static char *
config_find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;
	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static void
config_known_keys(const struct config_key *keys, size_t count, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < count && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i > 0 ? ", " : "", keys[i].name);
		if (n < 0) {
			return;
		}
		used += (size_t)n;
	}
}

static void
config_init_level(struct strata_level *level, const char *name, int line)
{
	*level = (struct strata_level){
		.text_colour = 0xffffffff,
		.border_width = 4,
		.uid = -1,
		.gid = -1,
		.line = line,
	};
	snprintf(level->name, sizeof(level->name), "%s", name);
}

/* A [level] section ends: its colour is the one required key. */
static void
config_end_section(struct config_parser *p)
{
	if (p->section == CONFIG_SECTION_LEVEL && p->level_keys[CONFIG_LEVEL_COLOUR].line == 0) {
		config_error(p, p->level->line, "%s has no colour (required: colour = #RRGGBB)",
				p->section_label);
	}
	p->section = CONFIG_SECTION_IGNORED;
}

static void
config_begin_level(struct config_parser *p, const char *name)
{
	struct strata_config *cfg = p->cfg;
	char quoted[64];
	config_quote(name, quoted, sizeof(quoted));
	snprintf(p->section_label, sizeof(p->section_label), "[level %s]", quoted);

	if (!p->file_levels) {
		p->file_levels = true;
		cfg->level_count = 0;
		memset(cfg->levels, 0, sizeof(cfg->levels));
	}

	bool accepted = false;
	int first;
	char why[CONFIG_MESSAGE_MAX];
	if (name[0] == '\0') {
		config_error(p, p->line, "[level] needs a name, e.g. [level low]");
	} else if (!config_level_name_valid(name, why, sizeof(why))) {
		config_error(p, p->line, "%s", why);
	} else if ((first = config_find_level(cfg, name)) >= 0) {
		config_error(p, p->line, "duplicate level [level %s] (first defined at line %d)",
				name, cfg->levels[first].line);
	} else if (cfg->level_count == STRATA_MAX_LEVELS) {
		p->extra_levels++;
		config_error(p, p->line,
				"too many levels: [level %s] would be level %zu (at most %d)", name,
				STRATA_MAX_LEVELS + p->extra_levels, STRATA_MAX_LEVELS);
	} else {
		accepted = true;
	}

	size_t index = accepted ? cfg->level_count++ : STRATA_MAX_LEVELS;
	p->level = accepted ? &cfg->levels[index] : &p->scratch;
	p->level_keys = p->key_states[index];
	memset(p->level_keys, 0, sizeof(p->key_states[index]));
	config_init_level(p->level, accepted ? name : "", p->line);
	p->section = CONFIG_SECTION_LEVEL;
}

static void
config_begin_section(struct config_parser *p, char *line)
{
	config_end_section(p);

	char *end = config_find_chars_or_comment(line + 1, "]");
	if (*end != ']') {
		config_error(p, p->line, "syntax error: section header without a closing \"]\"");
		return;
	}
	*end = '\0';
	char *rest = end + 1;
	while (isspace((unsigned char)*rest)) {
		rest++;
	}
	if (*rest && *rest != ';' && *rest != '#') {
		char quoted[64];
		config_quote(rest, quoted, sizeof(quoted));
		config_error(p, p->line, "syntax error: unexpected \"%s\" after the section header",
				quoted);
	}

	char *name = config_trim(line + 1);
	if (strcmp(name, "session") == 0) {
		snprintf(p->section_label, sizeof(p->section_label), "[session]");
		if (p->session_line > 0) {
			config_error(p, p->line,
					"duplicate section [session] (first at line %d): put all session "
					"keys in one section",
					p->session_line);
		} else {
			p->session_line = p->line;
		}
		p->section = CONFIG_SECTION_SESSION;
	} else if (strcmp(name, "limits") == 0) {
		snprintf(p->section_label, sizeof(p->section_label), "[limits]");
		if (p->limits_line > 0) {
			config_error(p, p->line,
					"duplicate section [limits] (first at line %d): put all limits "
					"in one section",
					p->limits_line);
		} else {
			p->limits_line = p->line;
		}
		p->section = CONFIG_SECTION_LIMITS;
	} else if (strcmp(name, "proxy") == 0) {
		snprintf(p->section_label, sizeof(p->section_label), "[proxy]");
		if (p->proxy_line > 0) {
			config_error(p, p->line,
					"duplicate section [proxy] (first at line %d): put all proxy "
					"keys in one section",
					p->proxy_line);
		} else {
			p->proxy_line = p->line;
		}
		p->section = CONFIG_SECTION_PROXY;
	} else if (strcmp(name, "clipboard") == 0) {
		snprintf(p->section_label, sizeof(p->section_label), "[clipboard]");
		if (p->clipboard_line > 0) {
			config_error(p, p->line,
					"duplicate section [clipboard] (first at line %d): put all clipboard "
					"keys in one section",
					p->clipboard_line);
		} else {
			p->clipboard_line = p->line;
		}
		p->section = CONFIG_SECTION_CLIPBOARD;
	} else if (strcmp(name, "audio") == 0) {
		snprintf(p->section_label, sizeof(p->section_label), "[audio]");
		if (p->audio_line) {
			config_error(p, p->line,
					"duplicate section [audio] (first at line %d): put all audio keys "
					"in one section",
					p->audio_line);
		} else {
			p->audio_line = p->line;
		}
		p->section = CONFIG_SECTION_AUDIO;
	} else if (strcmp(name, "lock") == 0) {
		snprintf(p->section_label, sizeof(p->section_label), "[lock]");
		if (p->lock_line > 0) {
			config_error(p, p->line,
					"duplicate section [lock] (first at line %d): put all lock keys "
					"in one section",
					p->lock_line);
		} else {
			p->lock_line = p->line;
		}
		p->section = CONFIG_SECTION_LOCK;
	} else if (strncmp(name, "level", 5) == 0 &&
			(name[5] == '\0' || isspace((unsigned char)name[5]))) {
		config_begin_level(p, config_trim(name + 5));
	} else {
		char quoted[64];
		config_quote(name, quoted, sizeof(quoted));
		config_error(p, p->line,
				"unknown section [%s] (known: [session], [limits], [proxy], [clipboard], [audio], [lock], [level NAME])",
				quoted);
	}
}

/*
 * Looks at a line before inih does. Section headers and every line that inih
 * would reject are handled here and blanked, so inih only sees comments and
 * "key = value" lines.
 */
static void
config_scan_line(struct config_parser *p, char *line, bool too_long, bool has_nul)
{
	if (line[0] == ';' || line[0] == '#') {
		return; /* a comment, however long */
	}
	if (has_nul) {
		config_error(p, p->line, "syntax error: NUL byte in the line");
	} else if (too_long) {
		config_error(p, p->line, "syntax error: line longer than %zu bytes", p->max_line);
	} else if (line[0] == '[') {
		config_begin_section(p, line);
	} else if (line[0] != '\0') {
		char *end = config_find_chars_or_comment(line, "=:");
		if (*end == '=' || *end == ':') {
			return; /* for inih */
		}
		config_error(p, p->line,
				"syntax error: expected \"[section]\", \"key = value\" or a comment");
	}
	line[0] = '\0';
}

static int
config_getc(struct config_parser *p)
{
	if (p->file) {
		int c = getc(p->file);
		if (c == EOF && ferror(p->file) && p->read_errno == 0) {
			p->read_errno = errno != 0 ? errno : EIO;
		}
		return c;
	}
	if (*p->text == '\0') {
		return EOF;
	}
	return (unsigned char)*p->text++;
}

/* inih's ini_reader: reads one line of the file or string, like fgets(). */
static char *
config_read_line(char *buf, int size, void *stream)
{
	struct config_parser *p = stream;
	/* strlen(buf) stays below size - 1 so that an inih built with
	 * INI_ALLOW_REALLOC never asks for the rest of a line */
	size_t max = size > 2 ? (size_t)size - 2 : 0;
	size_t len = 0, count = 0;
	p->max_line = max;
	bool too_long = false, has_nul = false;
	int c;
	errno = 0;
	while ((c = config_getc(p)) != EOF && c != '\n') {
		count++;
		if (c == '\0') {
			has_nul = true;
		}
		if (len < max) {
			buf[len++] = (char)c;
		} else {
			too_long = true;
		}
	}
	if (p->read_errno != 0 || (c == EOF && count == 0)) {
		return NULL;
	}
	buf[len] = '\0';
	p->line++;

	char *start = buf;
	if (p->line == 1 && strncmp(start, "\xef\xbb\xbf", 3) == 0) {
		start += 3;
	}
	while (isspace((unsigned char)*start)) {
		start++;
	}
	memmove(buf, start, strlen(start) + 1);
	config_scan_line(p, buf, too_long, has_nul);
	return buf;
}

static bool
config_parse_int(struct config_parser *p, const struct config_key *key, const char *value, int *out)
{
	char quoted[64], accepted[48];
	bool never = key->type == CONFIG_KEY_INT_OR_NEVER;
	if (never) {
		snprintf(accepted, sizeof(accepted), "0 (never) or %d to %d", key->min, key->max);
	} else {
		snprintf(accepted, sizeof(accepted), "%d..%d", key->min, key->max);
	}
	const char *digits = value[0] == '-' ? value + 1 : value;
	char *end;
	errno = 0;
	long n = strtol(value, &end, 10);
	if (!isdigit((unsigned char)digits[0]) || *end != '\0') {
		config_quote(value, quoted, sizeof(quoted));
		config_error(p, p->line, "%s = \"%s\" in %s is not an integer (accepted: %s)",
				key->name, quoted, p->section_label, accepted);
		return false;
	}
	if (errno == ERANGE || ((n < key->min || n > key->max) && !(never && n == 0))) {
		config_quote(value, quoted, sizeof(quoted));
		config_error(p, p->line, "%s = \"%s\" in %s is out of range (accepted: %s)",
				key->name, quoted, p->section_label, accepted);
		return false;
	}
	*out = (int)n;
	return true;
}

static bool
config_parse_text(struct config_parser *p, const struct config_key *key, const char *value,
		char *out)
{
	size_t len = strlen(value);
	const uint8_t *text = (const uint8_t *)value;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(text + i, len - i, &cp);
		if (n == 0) {
			config_error(p, p->line,
					"%s in %s is not valid UTF-8 (byte 0x%02X at offset %zu)",
					key->name, p->section_label, text[i], i);
			return false;
		}
		i += n;
		if (config_is_control(cp)) {
			config_error(p, p->line,
					"%s in %s contains U+%04X, a control or invisible formatting "
					"character (accepted: printable text)",
					key->name, p->section_label, (unsigned)cp);
			return false;
		}
	}
	if (len == 0 && key->min > 0) {
		config_error(p, p->line, "%s in %s is empty (accepted: %d to %d bytes)", key->name,
				p->section_label, key->min, key->max);
		return false;
	}
	if (len < (size_t)key->min || len > (size_t)key->max) {
		config_error(p, p->line, "%s in %s is %zu bytes long (accepted: %d to %d bytes)",
				key->name, p->section_label, len, key->min, key->max);
		return false;
	}
	memcpy(out, value, len + 1);
	return true;
}

static bool
config_parse_modifier(struct config_parser *p, const struct config_key *key, const char *value,
		enum strata_modifier *out)
{
	if (strcmp(value, "logo") == 0) {
		*out = STRATA_MODIFIER_LOGO;
	} else if (strcmp(value, "alt") == 0) {
		*out = STRATA_MODIFIER_ALT;
	} else {
		char quoted[64];
		config_quote(value, quoted, sizeof(quoted));
		config_error(p, p->line,
				"%s = \"%s\" in %s is not a modifier (accepted: logo, alt)",
				key->name, quoted, p->section_label);
		return false;
	}
	return true;
}

static bool
config_parse_bool(struct config_parser *p, const struct config_key *key, const char *value,
		bool *out)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0) {
		*out = false;
		return true;
	}
	char quoted[64];
	config_quote(value, quoted, sizeof(quoted));
	config_error(p, p->line, "%s = \"%s\" in %s is not yes or no (true and false also work)",
			key->name, quoted, p->section_label);
	return false;
}

/*
 * [clipboard] allow = "low>high, low>secret" or "none": resolved once the
 * levels are known. Unset: every level may send to the levels after it
 * (lower to higher), never the other way.
 */
static void
config_resolve_clipboard(struct config_parser *p)
{
	struct strata_config *cfg = p->cfg;
	memset(cfg->clipboard_allow, 0, sizeof(cfg->clipboard_allow));
	const struct config_key_state *state = &p->clipboard_keys[CONFIG_CLIPBOARD_ALLOW];
	if (state->line == 0) {
		for (size_t s = 0; s < cfg->level_count; s++) {
			for (size_t d = s + 1; d < cfg->level_count; d++) {
				cfg->clipboard_allow[s][d] = true;
			}
		}
		return;
	}
	if (!state->valid || strcmp(cfg->clipboard_allow_text, "none") == 0) {
		return;
	}
	char copy[sizeof(cfg->clipboard_allow_text)];
	snprintf(copy, sizeof(copy), "%s", cfg->clipboard_allow_text);
	char *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		item = config_trim(item);
		char *arrow = strchr(item, '>');
		if (!arrow) {
			char quoted[64];
			config_quote(item, quoted, sizeof(quoted));
			config_error(p, state->line,
					"allow = \"%s\" in [clipboard] is not SOURCE>DESTINATION",
					quoted);
			continue;
		}
		*arrow = '\0';
		char *src = config_trim(item), *dst = config_trim(arrow + 1);
		int s = config_find_level(cfg, src), d = config_find_level(cfg, dst);
		if (s < 0 || d < 0 || s == d) {
			char qs[64], qd[64];
			config_quote(src, qs, sizeof(qs));
			config_quote(dst, qd, sizeof(qd));
			config_error(p, state->line,
					"allow = \"%s>%s\" in [clipboard] needs two different levels",
					qs, qd);
			continue;
		}
		cfg->clipboard_allow[s][d] = true;
	}
}

bool
config_clipboard_allowed(const struct strata_config *cfg, int src, int dst)
{
	return src >= 0 && dst >= 0 && (size_t)src < cfg->level_count &&
			(size_t)dst < cfg->level_count && src != dst &&
			cfg->clipboard_allow[src][dst];
}

static bool
config_parse_network(struct config_parser *p, const struct config_key *key, const char *value,
		bool *out)
{
	if (strcmp(value, "none") == 0 || strcmp(value, "shared") == 0) {
		*out = strcmp(value, "shared") == 0;
		return true;
	}
	char quoted[64];
	config_quote(value, quoted, sizeof(quoted));
	config_error(p, p->line, "%s = \"%s\" in %s is not a network mode (accepted: none, shared)",
			key->name, quoted, p->section_label);
	return false;
}

static bool
config_parse_path(struct config_parser *p, const struct config_key *key, const char *value,
		char *out)
{
	char quoted[64];
	config_quote(value, quoted, sizeof(quoted));
	size_t len = strlen(value);
	if (value[0] != '/' || len > (size_t)key->max) {
		config_error(p, p->line,
				"%s = \"%s\" in %s is not an absolute path of at most %d bytes",
				key->name, quoted, p->section_label, key->max);
		return false;
	}
	for (const char *s = value; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			config_error(p, p->line, "%s in %s contains a control character", key->name,
					p->section_label);
			return false;
		}
	}
	memcpy(out, value, len + 1);
	return true;
}

static bool
config_parse_choice(struct config_parser *p, const struct config_key *key, const char *value,
		int *out)
{
	const char *const *words = config_choices[key->min];
	char accepted[64] = "";
	size_t used = 0;
	for (int i = 0; words[i]; i++) {
		if (strcmp(value, words[i]) == 0) {
			*out = i;
			return true;
		}
		used += (size_t)snprintf(accepted + used, sizeof(accepted) - used, "%s%s",
				i ? ", " : "", words[i]);
	}
	char quoted[64];
	config_quote(value, quoted, sizeof(quoted));
	config_error(p, p->line, "%s = \"%s\" in %s is not accepted (accepted: %s)", key->name,
			quoted, p->section_label, accepted);
	return false;
}

/* [lock] sak = "Logo+Escape, Pause": 1 to STRATA_SAK_MAX combinations. */
static bool
config_parse_sak(struct config_parser *p, const struct config_key *key, const char *value,
		struct strata_config *cfg)
{
	char quoted[64], why[CONFIG_MESSAGE_MAX];
	config_quote(value, quoted, sizeof(quoted));
	size_t len = strlen(value);
	if (len > (size_t)key->max) {
		config_error(p, p->line, "%s in %s is %zu bytes long (accepted: at most %d bytes)",
				key->name, p->section_label, len, key->max);
		return false;
	}
	char copy[STRATA_SAK_TEXT_MAX + 1], *bad;
	memcpy(copy, value, len + 1);
	struct strata_key_combo combos[STRATA_SAK_MAX];
	size_t count;
	if (!key_combo_parse_list(copy, combos, &count, &bad, why, sizeof(why))) {
		if (bad) {
			char shown[64];
			config_quote(bad, shown, sizeof(shown));
			config_error(p, p->line, "%s = \"%s\" in %s: %s", key->name, shown,
					p->section_label, why);
		} else {
			config_error(p, p->line, "%s = \"%s\" in %s %s", key->name, quoted,
					p->section_label, why);
		}
		return false;
	}
	memcpy(cfg->sak, combos, count * sizeof(combos[0]));
	cfg->sak_count = count;
	memcpy(cfg->sak_text, value, len + 1);
	return true;
}

/*
 * [lock] user: empty, or Debian's user name rule [a-z_][a-z0-9_-]*[$]?.
 * [lock] pam_service: [A-Za-z0-9_.-]+, not starting with '.' (a file name in
 * /etc/pam.d, never a path).
 */
static bool
config_parse_name(struct config_parser *p, const struct config_key *key, const char *value,
		char *out)
{
	bool user = key->type == CONFIG_KEY_USER;
	size_t len = strlen(value);
	bool ok = len <= (size_t)key->max && (len > 0 || user);
	for (size_t i = 0; ok && i < len; i++) {
		char c = value[i];
		bool first = (c >= 'a' && c <= 'z') || c == '_';
		bool later = first || (c >= '0' && c <= '9') || c == '-';
		if (user) {
			ok = i == 0 ? first : later || (c == '$' && i == len - 1);
		} else {
			ok = later || (c >= 'A' && c <= 'Z') || (c == '.' && i > 0);
		}
	}
	if (ok) {
		memcpy(out, value, len + 1);
		return true;
	}
	char quoted[64];
	config_quote(value, quoted, sizeof(quoted));
	if (user) {
		config_error(p, p->line,
				"%s = \"%s\" in %s is not a user name (accepted: empty for the "
				"compositor's user, or 1 to %d characters among a-z, 0-9, _ and -, "
				"starting with a letter or _, optionally ending in $)",
				key->name, quoted, p->section_label, key->max);
	} else {
		config_error(p, p->line,
				"%s = \"%s\" in %s is not a PAM service name (accepted: 1 to %d "
				"characters among A-Z, a-z, 0-9, _, . and -, not starting with .)",
				key->name, quoted, p->section_label, key->max);
	}
	return false;
}

static bool
config_parse_value(struct config_parser *p, const struct config_key *key, const char *value,
		void *base)
{
	void *field = (char *)base + key->offset;
	switch (key->type) {
	case CONFIG_KEY_INT:
	case CONFIG_KEY_INT_OR_NEVER:
		return config_parse_int(p, key, value, field);
	case CONFIG_KEY_TEXT:
	case CONFIG_KEY_COMMAND:
		return config_parse_text(p, key, value, field);
	case CONFIG_KEY_MODIFIER:
		return config_parse_modifier(p, key, value, field);
	case CONFIG_KEY_NETWORK:
		return config_parse_network(p, key, value, field);
	case CONFIG_KEY_BOOL:
		return config_parse_bool(p, key, value, field);
	case CONFIG_KEY_PATH:
		return config_parse_path(p, key, value, field);
	case CONFIG_KEY_CHOICE:
		return config_parse_choice(p, key, value, field);
	case CONFIG_KEY_CHOICE_BOOL: {
		int word;
		if (!config_parse_choice(p, key, value, &word)) {
			return false;
		}
		*(bool *)field = word == 1;
		return true;
	}
	case CONFIG_KEY_SAK:
		return config_parse_sak(p, key, value, p->cfg);
	case CONFIG_KEY_USER:
	case CONFIG_KEY_PAM_SERVICE:
		return config_parse_name(p, key, value, field);
	case CONFIG_KEY_COLOUR:
		if (config_parse_colour(value, field)) {
			return true;
		}
		char quoted[64];
		config_quote(value, quoted, sizeof(quoted));
		config_error(p, p->line,
				"%s = \"%s\" in %s is not a colour (accepted: #RRGGBB or #RRGGBBAA)",
				key->name, quoted, p->section_label);
		return false;
	}
	return false;
}

static void
config_set_key(struct config_parser *p, const struct config_key *keys, size_t count,
		struct config_key_state *states, void *base, const char *name, const char *value)
{
	size_t i = 0;
	while (i < count && strcmp(keys[i].name, name) != 0) {
		i++;
	}
	if (i == count) {
		char quoted[64], known[160];
		config_quote(name, quoted, sizeof(quoted));
		config_known_keys(keys, count, known, sizeof(known));
		config_error(p, p->line, "unknown key \"%s\" in %s (known: %s)", quoted,
				p->section_label, known);
		return;
	}
	if (states[i].line != 0) {
		config_error(p, p->line, "duplicate key \"%s\" in %s (first set at line %d)", name,
				p->section_label, states[i].line);
		return;
	}
	states[i].line = p->line;
	states[i].valid = config_parse_value(p, &keys[i], value, base);
}

/* inih's handler; section is ours (parser->section), not inih's. */
static int
config_handle_key(void *data, const char *section, const char *name, const char *value)
{
	struct config_parser *p = data;
	switch (p->section) {
	case CONFIG_SECTION_NONE: {
		char quoted[64];
		config_quote(name, quoted, sizeof(quoted));
		config_error(p, p->line,
				"key \"%s\" outside any section (put it under [session] or [level NAME])",
				quoted);
		break;
	}
	case CONFIG_SECTION_SESSION:
		config_set_key(p, config_session_keys, CONFIG_SESSION_KEY_COUNT, p->session_keys,
				p->cfg, name, value);
		break;
	case CONFIG_SECTION_LIMITS:
		config_set_key(p, config_limits_keys, CONFIG_LIMITS_KEY_COUNT, p->limits_keys,
				p->cfg, name, value);
		break;
	case CONFIG_SECTION_CLIPBOARD:
		config_set_key(p, config_clipboard_keys, CONFIG_CLIPBOARD_KEY_COUNT,
				p->clipboard_keys, p->cfg, name, value);
		break;
	case CONFIG_SECTION_AUDIO:
		config_set_key(p, config_audio_keys, CONFIG_AUDIO_KEY_COUNT, p->audio_keys, p->cfg,
				name, value);
		break;
	case CONFIG_SECTION_PROXY:
		config_set_key(p, config_proxy_keys, CONFIG_PROXY_KEY_COUNT, p->proxy_keys, p->cfg,
				name, value);
		break;
	case CONFIG_SECTION_LOCK:
		config_set_key(p, config_lock_keys, CONFIG_LOCK_KEY_COUNT, p->lock_keys, p->cfg,
				name, value);
		break;
	case CONFIG_SECTION_LEVEL:
		config_set_key(p, config_level_keys, CONFIG_LEVEL_KEY_COUNT, p->level_keys,
				p->level, name, value);
		break;
	case CONFIG_SECTION_IGNORED:
		break;
	}
	return 1;
}

/* The line where a colour was set; if it was not, where its default applies. */
static int
config_colour_line(const struct config_key_state *state, int default_line)
{
	return state->line != 0 ? state->line : default_line;
}

/* Checks across keys and sections, once the whole file is read. */
static void
config_check(struct config_parser *p)
{
	const struct strata_config *cfg = p->cfg;
	char colour[16];
	const struct config_key_state *idle = &p->session_keys[CONFIG_SESSION_IDLE_COLOUR];
	const struct config_key_state *idle_text =
			&p->session_keys[CONFIG_SESSION_IDLE_TEXT_COLOUR];
	bool idle_ok = idle->line == 0 || idle->valid;
	bool idle_text_ok = idle_text->line == 0 || idle_text->valid;

	size_t usable = 0;
	for (size_t i = 0; i < cfg->level_count; i++) {
		const struct strata_level *level = &cfg->levels[i];
		const struct config_key_state *keys = p->key_states[i];
		if (p->file_levels && !keys[CONFIG_LEVEL_COLOUR].valid) {
			continue;
		}
		usable++;
		bool has_uid = keys[CONFIG_LEVEL_UID].line != 0,
		     has_gid = keys[CONFIG_LEVEL_GID].line != 0;
		if (has_uid != has_gid) {
			config_error(p,
					has_uid ? keys[CONFIG_LEVEL_UID].line :
						  keys[CONFIG_LEVEL_GID].line,
					"[level %s] sets %s without %s: give the cage's uid and gid together",
					level->name, has_uid ? "uid" : "gid",
					has_uid ? "gid" : "uid");
		}
		int colour_line = keys[CONFIG_LEVEL_COLOUR].line;
		int text_line = config_colour_line(&keys[CONFIG_LEVEL_TEXT_COLOUR], level->line);
		bool text_ok = keys[CONFIG_LEVEL_TEXT_COLOUR].line == 0 ||
				keys[CONFIG_LEVEL_TEXT_COLOUR].valid;
		if (text_ok && config_same_rgb(level->colour, level->text_colour)) {
			config_format_colour(level->text_colour, colour, sizeof(colour));
			config_error(p, config_max_line(colour_line, text_line),
					"[level %s] text_colour %s is the same as its colour: the text would "
					"be invisible",
					level->name, colour);
		}
		for (size_t j = 0; j < i; j++) {
			const struct strata_level *other = &cfg->levels[j];
			const struct config_key_state *other_colour =
					&p->key_states[j][CONFIG_LEVEL_COLOUR];
			if ((p->file_levels && !other_colour->valid) ||
					!config_same_rgb(level->colour, other->colour)) {
				continue;
			}
			config_format_colour(level->colour, colour, sizeof(colour));
			config_error(p, config_max_line(colour_line, other_colour->line),
					"[level %s] colour %s is the same as the colour of [level %s] (line "
					"%d): levels must have distinct colours",
					level->name, colour, other->name, other_colour->line);
		}
		if (idle_ok && config_same_rgb(level->colour, cfg->idle_colour)) {
			config_format_colour(cfg->idle_colour, colour, sizeof(colour));
			config_error(p, config_max_line(colour_line, idle->line),
					"idle_colour %s in [session] is the same as the colour of [level %s]: "
					"the idle banner would look like that level",
					colour, level->name);
		}
	}
	config_resolve_clipboard(p);
	if (p->file_levels && usable == 0) {
		config_error(p, 0,
				"no usable level: every [level NAME] section has errors (at least one "
				"level with a valid colour is needed)");
	}
	if (idle_ok && idle_text_ok && config_same_rgb(cfg->idle_colour, cfg->idle_text_colour)) {
		config_format_colour(cfg->idle_text_colour, colour, sizeof(colour));
		config_error(p, config_max_line(idle->line, idle_text->line),
				"idle_text_colour %s in [session] is the same as idle_colour: the idle "
				"banner text would be invisible",
				colour);
	}
}

static bool
config_has_error_at(const struct config_parser *p, int line)
{
	for (size_t i = 0; i < p->error_count; i++) {
		if (p->errors[i].line == line) {
			return true;
		}
	}
	return false;
}

/* Reports the errors by line, line 0 (not tied to a line) last; stable. */
static void
config_report(struct config_parser *p, config_error_fn report, void *data)
{
	if (!report) {
		return;
	}
	bool done[CONFIG_MAX_ERRORS] = { false };
	for (size_t n = 0; n < p->error_count; n++) {
		size_t best = CONFIG_MAX_ERRORS;
		for (size_t i = 0; i < p->error_count; i++) {
			if (done[i]) {
				continue;
			}
			unsigned line = (unsigned)p->errors[i].line - 1; /* 0 sorts last */
			if (best == CONFIG_MAX_ERRORS ||
					line < (unsigned)p->errors[best].line - 1) {
				best = i;
			}
		}
		done[best] = true;
		report(data, p->source, p->errors[best].line, p->errors[best].message);
	}
	if (p->errors_dropped > 0) {
		char message[CONFIG_MESSAGE_MAX];
		snprintf(message, sizeof(message), "%zu more errors not shown", p->errors_dropped);
		report(data, p->source, 0, message);
	}
}

static bool
config_load(struct strata_config *cfg, FILE *file, const char *text, const char *source,
		config_error_fn report, void *data)
{
	if (!source) {
		source = file ? "<stream>" : "<string>";
	}
	config_set_defaults(cfg);
	struct config_parser *p = calloc(1, sizeof(*p));
	if (!p) {
		if (report) {
			report(data, source, 0, "out of memory");
		}
		return false;
	}
	p->cfg = cfg;
	p->source = source;
	p->file = file;
	p->text = text ? text : "";

	int ret = ini_parse_stream(config_read_line, p, config_handle_key, p);
	config_end_section(p);
	if (p->read_errno != 0) {
		config_error(p, 0, "cannot read: %s", strerror(p->read_errno));
	} else if (ret < 0) {
		config_error(p, 0, "out of memory");
	} else if (ret > 0 && !config_has_error_at(p, ret)) {
		/* Not expected: config_scan_line() blanks every line inih rejects. */
		config_error(p, ret, "syntax error");
	}
	config_check(p);

	bool ok = p->error_count == 0;
	config_report(p, report, data);
	free(p);
	return ok;
}

void
config_set_defaults(struct strata_config *cfg)
{
	*cfg = (struct strata_config){
		.banner_height = 32,
		.title_height = 22,
		.font = "DejaVu Sans",
		.background = 0x202020ff,
		.idle_colour = 0x3a3a3aff,
		.idle_text_colour = 0xffffffff,
		.modifier = STRATA_MODIFIER_LOGO,
		.terminal = "foot",
		.max_buffer_width = 16384,
		.max_buffer_height = 6144,
		.shm_mib_per_client = 1024,
		.shm_pools_per_client = 64,
		.proxy_max_clients = 128,
		.proxy_max_objects = 100000,
		.proxy_max_fds_in_flight = 128,
		.proxy_max_toplevels = 500,
		.proxy_max_messages_per_second = 100000,
		.proxy_client_buffer_kib = 4096,
		.clipboard_max_bytes = 65536,
		.clipboard_timeout_ms = 5000,
		.clipboard_confirm_s = 30,
		.clipboard_settle_ms = 500,
		.audio_quantum = 1024,
		.lock_idle_seconds = 180,
		.sak = { { .modifiers = STRATA_KEYMOD_LOGO, .keysym = XKB_KEY_Escape } },
		.sak_count = 1,
		.sak_text = "Logo+Escape",
		.lock_pam_service = "strata",
		.lock_revoke_mic = true,
	};
	memcpy(cfg->levels, config_builtin_levels, sizeof(config_builtin_levels));
	cfg->level_count = CONFIG_ARRAY_LEN(config_builtin_levels);
	/* Lower to higher, with confirmation; never higher to lower. */
	for (size_t src = 0; src < cfg->level_count; src++) {
		for (size_t dst = src + 1; dst < cfg->level_count; dst++) {
			cfg->clipboard_allow[src][dst] = true;
		}
	}
}

bool
config_load_file(struct strata_config *cfg, const char *path, config_error_fn report, void *data)
{
	FILE *file = fopen(path, "re");
	if (!file) {
		if (report) {
			char message[CONFIG_MESSAGE_MAX];
			snprintf(message, sizeof(message), "cannot open: %s", strerror(errno));
			report(data, path, 0, message);
		}
		return false;
	}
	bool ok = config_load(cfg, file, NULL, path, report, data);
	fclose(file);
	return ok;
}

bool
config_load_string(struct strata_config *cfg, const char *text, const char *source,
		config_error_fn report, void *data)
{
	return config_load(cfg, NULL, text, source, report, data);
}

bool
config_load_stream(struct strata_config *cfg, FILE *f, const char *source, config_error_fn report,
		void *data)
{
	return config_load(cfg, f, NULL, source, report, data);
}

int
config_find_level(const struct strata_config *cfg, const char *name)
{
	if (!name) {
		return -1;
	}
	for (size_t i = 0; i < cfg->level_count; i++) {
		if (strcmp(cfg->levels[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static int
config_hex_digit(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

bool
config_parse_colour(const char *text, strata_rgba *out)
{
	if (!text || text[0] != '#') {
		return false;
	}
	size_t len = strlen(text + 1);
	if (len != 6 && len != 8) {
		return false;
	}
	uint32_t value = 0;
	for (size_t i = 1; i <= len; i++) {
		int digit = config_hex_digit(text[i]);
		if (digit < 0) {
			return false;
		}
		value = (value << 4) | (uint32_t)digit;
	}
	*out = len == 6 ? (value << 8) | 0xff : value;
	return true;
}

void
config_colour_to_floats(strata_rgba c, float out[static 4])
{
	float alpha = (float)(c & 0xff) / 255.0f;
	out[0] = (float)((c >> 24) & 0xff) / 255.0f * alpha;
	out[1] = (float)((c >> 16) & 0xff) / 255.0f * alpha;
	out[2] = (float)((c >> 8) & 0xff) / 255.0f * alpha;
	out[3] = alpha;
}
