/* SPDX-License-Identifier: MIT */
#ifndef TESTS_BANNER_CHECK_H
#define TESTS_BANNER_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include "common/config.h"
#include "strata_test.h"

/*
 * The banner read from the pixels the output shows, not from the
 * compositor's own account: the test renders the banner it expects (the
 * level's name and marking in the level's colours, with the session's font
 * and banner height, laid out as compositor/text.c text_bar_create() lays
 * out a bar) with cairo and pango, and compares it with the banner rows of a
 * screenshot, pixel for pixel.
 *
 * The test-control `banner` request is printed as a diagnostic when the
 * pixels disagree; it is never what a test asserts.
 */

/* What the banner should show. NULL fields are not shown. */
struct banner_expect {
	const char *level; /* the focused level: its colours and marking; NULL: nobody */
	const char *label; /* the level's name as drawn; NULL: level in upper case */
	const char *marking; /* NULL: the level's configured marking */
	const char *down; /* "\u26a0 down: low" while a level's cage cannot be reached */
	const char *mic; /* "MIC: high" */
	const char *playing; /* "sound: low, high" */
	const char *notice;
};

/* The session's configuration (the -c file the compositor was started
 * with; empty: the built-in defaults); the test fails if it does not parse. */
void banner_session_config(struct strata_session *s, struct strata_config *cfg);

/* The expected banner, width x cfg->banner_height pixels of 0xRRGGBB
 * (malloc'd). Fails the test on an unknown level. */
uint32_t *banner_render(struct strata_session *s, const struct strata_config *cfg, int width,
		const struct banner_expect *e);

/* How many pixels of the banner rows of a fresh screenshot differ from the
 * rendering of e (0: the banner shows exactly e). */
int session_banner_difference(struct strata_session *s, const struct banner_expect *e);

/*
 * Waits up to timeout_ms for the banner's pixels to be exactly e's. Before
 * comparing, it checks that the comparison can tell e from the same banner
 * with another label (a renderer that drew no text would match anything).
 * On failure: the differing pixel count, the compositor's `banner` reply as
 * a diagnostic, and both images written next to the test's log.
 */
void session_assert_banner_at(struct strata_session *s, const char *file, int line,
		const struct banner_expect *e, int timeout_ms);
#define session_assert_banner(s, e, timeout_ms) \
	session_assert_banner_at((s), __FILE__, __LINE__, (e), (timeout_ms))

/* The banner's pixels are not e's (the negative control of a test that
 * reads the banner): fails the test if they are. */
void session_assert_banner_is_not_at(struct strata_session *s, const char *file, int line,
		const struct banner_expect *e);
#define session_assert_banner_is_not(s, e) \
	session_assert_banner_is_not_at((s), __FILE__, __LINE__, (e))

#endif
