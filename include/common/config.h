/* SPDX-License-Identifier: MIT */
#ifndef COMMON_CONFIG_H
#define COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The integrator's configuration: levels, colours, banner texts, the
 * session's look and the screen lock. Parsed from INI (libinih) by
 * config_load_*(); every error is reported with its line number and a
 * configuration with any error is never used (the caller refuses to start).
 *
 * This module is pure: no wlroots, no I/O beyond reading the file. Key names
 * ([lock] sak) are resolved by libxkbcommon's keysym functions, which need
 * no display and no keymap.
 */

#define STRATA_MAX_LEVELS 8
#define STRATA_LEVEL_NAME_MAX 31 /* bytes, [a-z0-9_-], starts with a letter */
#define STRATA_BANNER_TEXT_MAX 127 /* bytes of UTF-8, printable */
#define STRATA_FONT_MAX 63
#define STRATA_COMMAND_MAX 1023 /* bytes of an autostart or terminal command */

/* A colour as 0xRRGGBBAA, written "#RRGGBB" or "#RRGGBBAA" in files. */
typedef uint32_t strata_rgba;

struct strata_level {
	char name[STRATA_LEVEL_NAME_MAX + 1];
	strata_rgba colour; /* border, title bar and banner background */
	strata_rgba text_colour; /* level name and titles drawn on colour */
	char banner[STRATA_BANNER_TEXT_MAX + 1]; /* integrator marking, may be "" */
	int border_width; /* pixels, 1..32 */

	/* The level's cage. */
	int uid, gid; /* -1: automatic (4000 + index when strata runs as root) */
	bool network; /* false: no network in the cage */
	bool gpu; /* the host's /dev/dri in the cage (GPU rendering); false: none */
	/* The level's own Xwayland, in its cage (compositor/xwayland.c). */
	int xwayland; /* enum strata_xwayland_mode */
	bool xwayland_xtest; /* XTEST in it (false: the extension is off) */
	bool xwayland_record; /* RECORD in it (false: off) */
	char autostart[STRATA_COMMAND_MAX + 1]; /* sh -c command in the cage, may be "" */

	int line; /* line of the [level NAME] header, for messages */
};

enum strata_xwayland_mode {
	STRATA_XWAYLAND_LAZY = 0, /* started by the level's first X11 program */
	STRATA_XWAYLAND_YES, /* started with the session */
	STRATA_XWAYLAND_NO, /* none: X11 programs of the level cannot run */
};

enum strata_audio_mic {
	STRATA_AUDIO_MIC_OFF = 0, /* nobody until the user grants it (Logo+M) */
	STRATA_AUDIO_MIC_FOLLOW, /* the focused level */
};

enum strata_audio_unfocused {
	STRATA_AUDIO_UNFOCUSED_MIX = 0, /* every level at full volume */
	STRATA_AUDIO_UNFOCUSED_DUCK, /* levels without focus at -20 dB */
	STRATA_AUDIO_UNFOCUSED_MUTE, /* only the focused level is heard */
};

#define STRATA_PATH_MAX 255

enum strata_modifier {
	STRATA_MODIFIER_LOGO = 0,
	STRATA_MODIFIER_ALT,
};

#define STRATA_SAK_MAX 4 /* key combinations of [lock] sak */
#define STRATA_SAK_TEXT_MAX 127 /* bytes of sak as written */
#define STRATA_LOCK_USER_MAX 32 /* bytes of a user name */
#define STRATA_PAM_SERVICE_MAX 63 /* bytes of a PAM service name */

/* Modifier bits, the same values as wlroots' WLR_MODIFIER_* so the compositor
 * compares them directly. */
#define STRATA_KEYMOD_SHIFT 1u
#define STRATA_KEYMOD_CTRL 4u
#define STRATA_KEYMOD_ALT 8u
#define STRATA_KEYMOD_LOGO 64u

struct strata_key_combo {
	uint32_t modifiers; /* STRATA_KEYMOD_* */
	uint32_t keysym; /* xkb keysym, lower case */
};

struct strata_config {
	struct strata_level levels[STRATA_MAX_LEVELS];
	size_t level_count;

	/* [session] */
	int banner_height; /* pixels, 16..128 */
	int title_height; /* pixels, 12..64 */
	char font[STRATA_FONT_MAX + 1]; /* Pango family, e.g. "DejaVu Sans" */
	strata_rgba background; /* desktop behind the windows */
	strata_rgba idle_colour; /* banner when no window has focus */
	strata_rgba idle_text_colour;
	enum strata_modifier modifier; /* the reserved modifier */
	char terminal[STRATA_COMMAND_MAX + 1]; /* Logo+Return, run in the focused level's cage */

	/* [limits]: what one level client may make the compositor hold. */
	int max_buffer_width, max_buffer_height; /* pixels, 64..32768 */
	int shm_mib_per_client; /* mapped shm pool MiB, 1..4096 */
	int shm_pools_per_client; /* 1..1024 */

	/* [proxy]: what the cage proxy lets one cage and one client do. */
	int proxy_max_clients; /* connections per cage, 1..4096 */
	int proxy_max_objects; /* objects per client, 64..1000000 */
	int proxy_max_fds_in_flight; /* per client and direction, 1..256 */
	int proxy_max_toplevels; /* per client, 1..10000 */
	int proxy_max_messages_per_second; /* per client, 100..10000000 */
	int proxy_client_buffer_kib; /* events queued for a slow client, 64..65536 */

	/* [clipboard]: cross-level transfers, always confirmed by the user. */
	char clipboard_allow_text[512]; /* "low>high, ..." as written; "" = default */
	bool clipboard_allow[STRATA_MAX_LEVELS][STRATA_MAX_LEVELS]; /* [src][dst], resolved */
	bool clipboard_images; /* PNG images may cross (re-encoded by the guard) */
	int clipboard_max_bytes; /* 1..1048576 */
	int clipboard_timeout_ms; /* reading the source, 100..60000 */
	int clipboard_confirm_s; /* the dialog expires, 5..600 */
	int clipboard_settle_ms; /* keys sooner after the dialog showed are ignored, 200..5000 */

	/* [audio]: one PipeWire per level, mixed by the core (audio-mux/). */
	bool audio_enabled;
	char audio_core_remote[STRATA_PATH_MAX + 1]; /* "" = $XDG_RUNTIME_DIR/pipewire-0 */
	enum strata_audio_mic audio_mic;
	enum strata_audio_unfocused audio_unfocused;
	int audio_quantum; /* frames per cycle, 256..8192 */

	/* [lock]: the secure attention key and the screen lock. */
	int lock_idle_seconds; /* 0: never lock on idle, else 10..86400 */
	struct strata_key_combo sak[STRATA_SAK_MAX]; /* opens the X-ray */
	size_t sak_count; /* 1..STRATA_SAK_MAX */
	char sak_text[STRATA_SAK_TEXT_MAX + 1]; /* as written, for messages */
	char lock_user[STRATA_LOCK_USER_MAX + 1]; /* unlocks; "" = the compositor's user */
	char lock_pam_service[STRATA_PAM_SERVICE_MAX + 1]; /* /etc/pam.d/NAME */
	bool lock_revoke_mic; /* take the microphone while locked */
	/* The integrator's marking on the lock screen (printable UTF-8), may be "". */
	char lock_text[STRATA_BANNER_TEXT_MAX + 1];
};

/* May content go from level src to level dst (with the user's confirmation)? */
bool config_clipboard_allowed(const struct strata_config *cfg, int src, int dst);

/* Called once per error, in file order. line is 0 for errors that are not
 * tied to one line (e.g. "no level defined"). */
typedef void (*config_error_fn)(void *data, const char *source, int line, const char *message);

/* Fill cfg with the built-in defaults: levels "low" (green) and "high" (red). */
void config_set_defaults(struct strata_config *cfg);

/*
 * Parse a configuration. On success returns true and cfg holds the complete
 * configuration. On failure returns false, calls report for every error found
 * (parsing goes on after an error so that all are reported), and leaves cfg
 * in an unspecified state that must not be used. source names the input in
 * messages (a path, or "<string>").
 *
 * When the file defines at least one [level NAME] section, its levels replace
 * the built-in ones; [session] keys override the built-in defaults.
 */
bool config_load_file(struct strata_config *cfg, const char *path, config_error_fn report,
		void *data);
bool config_load_string(struct strata_config *cfg, const char *text, const char *source,
		config_error_fn report, void *data);
bool config_load_stream(struct strata_config *cfg, FILE *f, const char *source,
		config_error_fn report, void *data);

/*
 * The one rule for a level name, wherever one is read (the configuration,
 * strata-audio-mux's --level and its control protocol): 1 to
 * STRATA_LEVEL_NAME_MAX bytes among a-z, 0-9, '_' and '-', starting with a
 * letter, and not a reserved word ("core", "none", "audio", "audit": the core
 * socket, the audio protocol's "nobody", the mux's log, the audit log). When
 * it is not one and why is not NULL, why says so in why_size bytes (a
 * sentence quoting the name, ready for an error message). With why NULL it
 * reads at most STRATA_LEVEL_NAME_MAX + 1 bytes of name, so that a
 * char[STRATA_LEVEL_NAME_MAX + 1] without a NUL is refused, not overread.
 */
bool config_level_name_valid(const char *name, char *why, size_t why_size);

/*
 * Copies a user's text into out for a message: printable characters as they
 * are, the rest escaped (\xNN for bytes, \uNNNN for characters), '"' and '\'
 * escaped, cut after 40 bytes with "..." (64 bytes of out hold any text).
 */
void config_quote(const char *text, char *out, size_t size);

/* s without its leading and trailing white space (cut in place). */
char *config_trim(char *s);

/* Returns the level index of name, or -1. */
int config_find_level(const struct strata_config *cfg, const char *name);

/* Parses "#RRGGBB" / "#RRGGBBAA"; false on anything else. */
bool config_parse_colour(const char *text, strata_rgba *out);

/* Splits a colour in 0..1 floats {r, g, b, a}, with r, g, b premultiplied by a,
 * as wlr_scene wants them. */
void config_colour_to_floats(strata_rgba c, float out[static 4]);

#endif
