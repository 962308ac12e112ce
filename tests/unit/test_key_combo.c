// SPDX-License-Identifier: MIT
/* common/key_combo.c through its own API; the messages as strata.conf shows
 * them, and every refusal, are in test_config.c. */
#include <string.h>
#include <xkbcommon/xkbcommon-keysyms.h>
#include "common/key_combo.h"
#include "tap.h"

static void
dedicated_keys(void)
{
	tap_assert(key_combo_is_dedicated(XKB_KEY_Pause));
	tap_assert(key_combo_is_dedicated(XKB_KEY_Sys_Req));
	tap_assert(key_combo_is_dedicated(XKB_KEY_F13));
	tap_assert(key_combo_is_dedicated(XKB_KEY_F35));
	tap_assert(key_combo_is_dedicated(XKB_KEY_XF86ScreenSaver));
	tap_assert(!key_combo_is_dedicated(XKB_KEY_F12));
	tap_assert(!key_combo_is_dedicated(XKB_KEY_Escape));
	tap_assert(!key_combo_is_dedicated(XKB_KEY_a));
}

static void
one_combination(void)
{
	struct strata_key_combo combo;
	char why[256];
	char text[] = " ctrl + Alt+DELETE ";
	tap_assert(key_combo_parse(text, &combo, why, sizeof(why)));
	tap_assert_int_eq(combo.modifiers, STRATA_KEYMOD_CTRL | STRATA_KEYMOD_ALT);
	tap_assert_int_eq(combo.keysym, XKB_KEY_Delete);

	char bad[] = "Logo+Nope";
	tap_assert(!key_combo_parse(bad, &combo, why, sizeof(why)));
	tap_assert_str_eq(why, "unknown key name \"Nope\"");
}

static void
list(void)
{
	struct strata_key_combo combos[STRATA_SAK_MAX];
	size_t count;
	char *bad, why[256];

	char two[] = "Logo+Escape, Pause";
	tap_assert(key_combo_parse_list(two, combos, &count, &bad, why, sizeof(why)));
	tap_assert_int_eq(count, 2);
	tap_assert_int_eq(combos[0].modifiers, STRATA_KEYMOD_LOGO);
	tap_assert_int_eq(combos[0].keysym, XKB_KEY_Escape);
	tap_assert_int_eq(combos[1].modifiers, 0);
	tap_assert_int_eq(combos[1].keysym, XKB_KEY_Pause);

	/* The combination at fault, whole and trimmed. */
	char wrong[] = "Pause,  Logo + Nope , F13";
	tap_assert(!key_combo_parse_list(wrong, combos, &count, &bad, why, sizeof(why)));
	tap_assert_str_eq(bad, "Logo + Nope");
	tap_assert_str_eq(why, "unknown key name \"Nope\"");

	/* The list at fault. */
	char twice[] = "Logo+Escape, Super+escape";
	tap_assert(!key_combo_parse_list(twice, combos, &count, &bad, why, sizeof(why)));
	tap_assert(bad == NULL);
	tap_assert_str_eq(why, "gives the same key combination twice");

	char five[] = "F13, F14, F15, F16, F17";
	tap_assert(!key_combo_parse_list(five, combos, &count, &bad, why, sizeof(why)));
	tap_assert(bad == NULL);
	tap_assert_str_eq(why, "has 5 key combinations (accepted: 1 to 4)");

	char long_text[STRATA_SAK_TEXT_MAX + 2];
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	tap_assert(!key_combo_parse_list(long_text, combos, &count, &bad, why, sizeof(why)));
	tap_assert(bad == NULL);
	tap_assert_str_eq(why, "is 128 bytes long (accepted: at most 127 bytes)");
}

TAP_TESTS(TAP_CASE(dedicated_keys), TAP_CASE(one_combination), TAP_CASE(list))
