/* SPDX-License-Identifier: MIT */
#ifndef COMMON_KEY_COMBO_H
#define COMMON_KEY_COMBO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/config.h"

/*
 * Key combinations as the integrator writes them ("Logo+Escape", "Pause"),
 * for [lock] sak: modifier names, key names resolved by libxkbcommon (no
 * display, no keymap), and the rule that a combination must not take a key
 * every application needs. struct strata_key_combo, STRATA_KEYMOD_* and
 * STRATA_SAK_MAX are in config.h.
 */

/* Keys no application needs (Pause, Break, Sys_Req, Scroll_Lock, F13 to F35,
 * XF86 keys), which a combination may take without a modifier or with Shift
 * alone. keysym is an xkb keysym. */
bool key_combo_is_dedicated(uint32_t keysym);

/*
 * One combination, "Mod+Mod+Key": modifiers among Logo, Super, Mod4, Alt,
 * Mod1, Ctrl, Control and Shift (case-insensitive, each at most once), then
 * an xkb key name (exact case first, then any case), white space allowed
 * around each name. The keysym is stored in lower case. text is cut in place.
 * When it is not one, returns false and why says what is wrong in why_size
 * bytes (a phrase quoting the user's text, ready for an error message).
 */
bool key_combo_parse(char *text, struct strata_key_combo *out, char *why, size_t why_size);

/*
 * A list of 1 to STRATA_SAK_MAX combinations separated by commas, such as
 * "Logo+Escape, Pause", each as key_combo_parse() takes it, none twice, in at
 * most STRATA_SAK_TEXT_MAX bytes. text is cut in place at its commas. On
 * success fills out[0..*count). On failure returns false and why says what is
 * wrong in why_size bytes: either *bad is the combination at fault (trimmed,
 * inside text) and why is key_combo_parse()'s phrase, or *bad is NULL and why
 * is about the whole list, the rest of a sentence whose subject is the list
 * ("has an empty key combination (...)").
 */
bool key_combo_parse_list(char *text, struct strata_key_combo out[static STRATA_SAK_MAX],
		size_t *count, char **bad, char *why, size_t why_size);

#endif
