// SPDX-License-Identifier: MIT
/*
 * Key combinations of [lock] sak: "Mod+Mod+Key" and lists of them. Modifier
 * names are ours; key names are libxkbcommon's keysym names, which need no
 * display and no keymap. A combination that would take a key from every
 * application (no modifier, or Shift alone, on an ordinary key) is refused.
 * Messages quote the user's text with config_quote().
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <xkbcommon/xkbcommon.h>
#include "common/config.h"
#include "common/key_combo.h"

#define KEY_COMBO_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The modifiers, case-insensitive. */
static const struct {
	const char *name;
	uint32_t bit;
} key_combo_modifiers[] = {
	{ "Logo", STRATA_KEYMOD_LOGO },
	{ "Super", STRATA_KEYMOD_LOGO },
	{ "Mod4", STRATA_KEYMOD_LOGO },
	{ "Alt", STRATA_KEYMOD_ALT },
	{ "Mod1", STRATA_KEYMOD_ALT },
	{ "Ctrl", STRATA_KEYMOD_CTRL },
	{ "Control", STRATA_KEYMOD_CTRL },
	{ "Shift", STRATA_KEYMOD_SHIFT },
};

#define KEY_COMBO_MODIFIER_NAMES "Logo, Super, Mod4, Alt, Mod1, Ctrl, Control, Shift"

/* Returns the STRATA_KEYMOD_* bit of a modifier's name, or 0. */
static uint32_t
key_combo_modifier_from_name(const char *name)
{
	for (size_t i = 0; i < KEY_COMBO_ARRAY_LEN(key_combo_modifiers); i++) {
		if (strcasecmp(name, key_combo_modifiers[i].name) == 0) {
			return key_combo_modifiers[i].bit;
		}
	}
	return 0;
}

/* Keys that change the modifiers or the layout: pressing one is not a key
 * press the compositor could match. */
static const xkb_keysym_t key_combo_modifier_keysyms[] = { XKB_KEY_Shift_L, XKB_KEY_Shift_R,
	XKB_KEY_Control_L, XKB_KEY_Control_R, XKB_KEY_Alt_L, XKB_KEY_Alt_R, XKB_KEY_Meta_L,
	XKB_KEY_Meta_R, XKB_KEY_Super_L, XKB_KEY_Super_R, XKB_KEY_Hyper_L, XKB_KEY_Hyper_R,
	XKB_KEY_ISO_Level3_Shift, XKB_KEY_ISO_Level5_Shift, XKB_KEY_Mode_switch, XKB_KEY_Caps_Lock,
	XKB_KEY_Shift_Lock, XKB_KEY_Num_Lock };

bool
key_combo_is_dedicated(uint32_t keysym)
{
	xkb_keysym_t sym = keysym;
	return sym == XKB_KEY_Pause || sym == XKB_KEY_Break || sym == XKB_KEY_Sys_Req ||
			sym == XKB_KEY_Scroll_Lock || (sym >= XKB_KEY_F13 && sym <= XKB_KEY_F35) ||
			(sym >= 0x1008ff00 && sym <= 0x1008ffff); /* XF86 keys */
}

bool
key_combo_parse(char *text, struct strata_key_combo *out, char *why, size_t why_size)
{
	char quoted[64];
	*out = (struct strata_key_combo){ 0 };
	char *name = text, *plus;
	while ((plus = strchr(name, '+')) != NULL) {
		*plus = '\0';
		name = config_trim(name);
		uint32_t bit = key_combo_modifier_from_name(name);
		config_quote(name, quoted, sizeof(quoted));
		if (name[0] == '\0') {
			snprintf(why, why_size, "a modifier is missing before a \"+\"");
			return false;
		} else if (bit == 0) {
			snprintf(why, why_size, "unknown modifier \"%s\" (accepted: %s)", quoted,
					KEY_COMBO_MODIFIER_NAMES);
			return false;
		} else if (out->modifiers & bit) {
			snprintf(why, why_size,
					"modifier \"%s\" is given twice (Logo, Super and Mod4 are one "
					"modifier, as are Alt and Mod1, Ctrl and Control)",
					quoted);
			return false;
		}
		out->modifiers |= bit;
		name = plus + 1;
	}
	name = config_trim(name);
	config_quote(name, quoted, sizeof(quoted));
	if (name[0] == '\0') {
		snprintf(why, why_size, "the key after the last \"+\" is missing");
		return false;
	}
	if (key_combo_modifier_from_name(name) != 0) {
		snprintf(why, why_size, "it ends with the modifier \"%s\", not a key", quoted);
		return false;
	}
	xkb_keysym_t sym = xkb_keysym_from_name(name, XKB_KEYSYM_NO_FLAGS);
	if (sym == XKB_KEY_NoSymbol) {
		sym = xkb_keysym_from_name(name, XKB_KEYSYM_CASE_INSENSITIVE);
	}
	if (sym == XKB_KEY_NoSymbol) {
		snprintf(why, why_size, "unknown key name \"%s\"", quoted);
		return false;
	}
	sym = xkb_keysym_to_lower(sym);
	for (size_t i = 0; i < KEY_COMBO_ARRAY_LEN(key_combo_modifier_keysyms); i++) {
		if (sym == key_combo_modifier_keysyms[i]) {
			snprintf(why, why_size,
					"\"%s\" is a modifier key, not a key to combine with modifiers",
					quoted);
			return false;
		}
	}
	if (out->modifiers == 0 && !key_combo_is_dedicated(sym)) {
		snprintf(why, why_size,
				"\"%s\" has no modifier: the key would be taken from every application "
				"(accepted alone: Pause, Break, Sys_Req, Scroll_Lock, F13 to F35 and XF86 "
				"keys)",
				quoted);
		return false;
	}
	if (out->modifiers == STRATA_KEYMOD_SHIFT && !key_combo_is_dedicated(sym)) {
		snprintf(why, why_size,
				"\"%s\" has only Shift: the shifted key would be taken from every "
				"application (add Logo, Ctrl or Alt)",
				quoted);
		return false;
	}
	out->keysym = sym;
	return true;
}

bool
key_combo_parse_list(char *text, struct strata_key_combo out[static STRATA_SAK_MAX], size_t *count,
		char **bad, char *why, size_t why_size)
{
	*count = 0;
	*bad = NULL;
	size_t len = strlen(text);
	if (len > STRATA_SAK_TEXT_MAX) {
		snprintf(why, why_size, "is %zu bytes long (accepted: at most %d bytes)", len,
				STRATA_SAK_TEXT_MAX);
		return false;
	}
	size_t n = 1;
	for (const char *c = text; *c; c++) {
		n += *c == ',';
	}
	if (n > STRATA_SAK_MAX) {
		snprintf(why, why_size, "has %zu key combinations (accepted: 1 to %d)", n,
				STRATA_SAK_MAX);
		return false;
	}
	char *item = text;
	for (size_t i = 0; i < n; i++) {
		char *comma = strchr(item, ',');
		if (comma) {
			*comma = '\0';
		}
		char *combo = config_trim(item);
		if (comma) {
			item = comma + 1;
		}
		if (combo[0] == '\0') {
			snprintf(why, why_size,
					"has an empty key combination (accepted: 1 to %d combinations "
					"such as Logo+Escape, separated by commas)",
					STRATA_SAK_MAX);
			return false;
		}
		/* key_combo_parse() cuts its text: combo stays whole for *bad. */
		char copy[STRATA_SAK_TEXT_MAX + 1];
		memcpy(copy, combo, strlen(combo) + 1);
		if (!key_combo_parse(copy, &out[i], why, why_size)) {
			*bad = combo;
			return false;
		}
		for (size_t j = 0; j < i; j++) {
			if (out[j].modifiers == out[i].modifiers &&
					out[j].keysym == out[i].keysym) {
				snprintf(why, why_size, "gives the same key combination twice");
				return false;
			}
		}
	}
	*count = n;
	return true;
}
