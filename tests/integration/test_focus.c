// SPDX-License-Identifier: MIT
// Keyboard focus: typed text reaches only the focused level, new windows do
// not steal focus, reserved (Logo) shortcuts never reach clients, Logo+Tab
// moves focus across levels.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "banner_check.h"
#include "keylog.h"
#include "strata_test.h"

#define MAP_TIMEOUT_MS 15000
/* evdev codes, as wl_keyboard.key carries them */
#define KEY_TAB 15
#define KEY_A 30
#define KEY_B 48
#define KEY_LEFTMETA 125

/* ---- test helpers ------------------------------------------------------ */

static void
path_in(struct strata_session *s, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", s->dir, name);
}

struct file_wait {
	const char *path;
	const char *needle; /* NULL: the file merely exists */
};

static bool
file_has(struct strata_session *s, void *data)
{
	struct file_wait *f = data;
	char *text = session_read_file(f->path, NULL);
	bool has = text && (!f->needle || strstr(text, f->needle));
	free(text);
	return has;
}

static void
wait_file(struct strata_session *s, const char *path, const char *needle, int timeout_ms)
{
	struct file_wait f = { path, needle };
	if (!session_wait_for(file_has, s, &f, timeout_ms)) {
		char *text = session_read_file(path, NULL);
		session_fail(s, "%s does not contain \"%s\" after %d ms; it holds: %s", path,
				needle ? needle : "", timeout_ms, text ? text : "(no file)");
	}
}

static char *
file_text(struct strata_session *s, const char *path)
{
	char *text = session_read_file(path, NULL);
	session_assert_msg(s, text != NULL, "cannot read %s", path);
	return text;
}

/* foot on `level` writing the first line typed into it to out. */
static struct window_info
start_foot_reader(struct strata_session *s, const char *level, const char *out)
{
	session_require_program("foot");
	char app_id[64], cmd[400];
	snprintf(app_id, sizeof(app_id), "--app-id=itest-foot-%s", level);
	snprintf(cmd, sizeof(cmd), "head -n1 > '%s'", out);
	char *argv[] = { "foot", app_id, "--", "sh", "-c", cmd, NULL };
	session_spawn_client(s, level, argv);
	struct window_info w;
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .app_id = app_id + 9 }, &w,
					MAP_TIMEOUT_MS),
			"foot did not map on %s", level);
	session_assert_msg(s, strcmp(w.level, level) == 0, "foot started on %s shows level %s",
			level, w.level);
	/* The shell is up once it created the file. */
	wait_file(s, out, NULL, 10000);
	return w;
}

static void
click_window(struct strata_session *s, const struct window_info *w)
{
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, w->id, &x, &y),
			"no visible point in window %u", w->id);
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert_msg(s, session_wait_focused_level(s, w->level, 3000),
			"clicking the %s window did not focus it", w->level);
	unsigned id = 0;
	session_focused(s, &id, NULL, 0);
	session_assert_msg(s, id == w->id, "focused window is %u, clicked %u", id, w->id);
}

static void
assert_no_line(struct strata_session *s, const char *path, const char *needle, const char *what)
{
	char *text = file_text(s, path);
	bool found = strstr(text, needle) != NULL;
	if (found) {
		tap_diag("%s holds:", path);
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			tap_diag("  %s", line);
		}
	}
	free(text);
	session_assert_msg(s, !found, "%s: found \"%s\" in %s", what, needle, path);
}

/* ---- tests ------------------------------------------------------------- */

static void
typed_text_reaches_only_the_focused_level(void)
{
	struct strata_session *s = session_start(NULL);
	char out_low[256], out_high[256], text[64];
	path_in(s, "out-low", out_low, sizeof(out_low));
	path_in(s, "out-high", out_high, sizeof(out_high));
	start_foot_reader(s, "low", out_low);
	struct window_info high = start_foot_reader(s, "high", out_high);
	click_window(s, &high);
	snprintf(text, sizeof(text), "strata-secret-%d-%ld", (int)getpid(), (long)session_now_ms());
	free(session_ctl_ok(s, "type %s", text));
	free(session_ctl_ok(s, "key Return"));
	char line[80];
	snprintf(line, sizeof(line), "%s\n", text);
	wait_file(s, out_high, line, 5000);
	char *got = file_text(s, out_high);
	session_assert_msg(s, strcmp(got, line) == 0, "high got \"%s\", typed \"%s\"", got, text);
	free(got);
	got = file_text(s, out_low);
	session_assert_msg(s, got[0] == '\0', "the low client received \"%s\"", got);
	free(got);
	session_stop(s);
}

static void
new_window_does_not_steal_focus(void)
{
	struct strata_session *s = session_start(NULL);
	char out_high[256];
	path_in(s, "out-high", out_high, sizeof(out_high));
	struct window_info high = start_foot_reader(s, "high", out_high);
	click_window(s, &high);
	free(session_ctl_ok(s, "type first-half-"));
	/* A low window maps while the user is typing into high. */
	struct keylog low_log;
	keylog_start(s, "low", "low", &low_log);
	struct window_info low = low_log.window;
	const char *log_low = low_log.path;
	free(session_ctl_ok(s, "type second-half"));
	unsigned id = 0;
	char level[32];
	session_assert_msg(s, session_focused(s, &id, level, sizeof(level)), "nothing has focus");
	session_assert_msg(s, id == high.id && strcmp(level, "high") == 0,
			"focus moved to window %u (%s) when a low window mapped", id, level);
	session_assert(s, session_find_window(s, &(struct window_match){ .id = low.id }, &low));
	session_assert_msg(s, !low.focused, "the new low window is listed as focused");
	free(session_ctl_ok(s, "key Return"));
	wait_file(s, out_high, "first-half-second-half\n", 5000);
	keylog_sync(s, &low_log);
	assert_no_line(s, log_low, "enter", "the low window got keyboard focus");
	assert_no_line(s, log_low, "key ", "the low window got key events");
	session_stop(s);
}

static void
logo_shortcuts_do_not_reach_clients(void)
{
	struct strata_session *s = session_start(NULL);
	char marker[32];
	struct keylog k;
	keylog_start(s, "high", "high", &k);
	struct window_info w = k.window;
	const char *log = k.path;
	click_window(s, &w);
	wait_file(s, log, "enter", 3000);
	/* As one combo, and as a held Logo key around a plain key. */
	free(session_ctl_ok(s, "key logo+a"));
	free(session_ctl_ok(s, "keydown logo"));
	free(session_ctl_ok(s, "key a"));
	free(session_ctl_ok(s, "keyup logo"));
	/* A plain key afterwards shows that the client was listening. */
	free(session_ctl_ok(s, "key b"));
	snprintf(marker, sizeof(marker), "key %d released", KEY_B);
	wait_file(s, log, marker, 3000);
	snprintf(marker, sizeof(marker), "key %d ", KEY_A);
	assert_no_line(s, log, marker, "a Logo+a key event reached the client");
	snprintf(marker, sizeof(marker), "key %d ", KEY_LEFTMETA);
	assert_no_line(s, log, marker, "the Logo key reached the client");
	assert_no_line(s, log, "logo", "the client saw the Logo modifier");
	session_assert(s, session_find_window(s, &(struct window_match){ .id = w.id }, NULL));
	session_stop(s);
}

static void
logo_tab_cycles_focus_across_levels(void)
{
	struct strata_session *s = session_start(NULL);
	char marker[32];
	struct keylog low_log, high_log;
	keylog_start(s, "low", "low", &low_log);
	keylog_start(s, "high", "high", &high_log);
	struct window_info low = low_log.window, high = high_log.window;
	const char *log_low = low_log.path, *log_high = high_log.path;
	click_window(s, &low);
	for (int round = 0; round < 4; round++) {
		const struct window_info *next = round % 2 == 0 ? &high : &low;
		free(session_ctl_ok(s, "key logo+Tab"));
		session_assert_msg(s, session_wait_focused_level(s, next->level, 3000),
				"Logo+Tab (round %d) did not move focus to %s", round, next->level);
		unsigned id = 0;
		session_focused(s, &id, NULL, 0);
		session_assert_int_eq(s, id, next->id);
	}
	/* The focused client saw the keyboard enter, and nobody saw Logo or Tab. */
	wait_file(s, log_high, "enter", 3000);
	keylog_sync(s, &low_log);
	keylog_sync(s, &high_log);
	snprintf(marker, sizeof(marker), "key %d ", KEY_TAB);
	assert_no_line(s, log_low, marker, "Tab reached the low client");
	assert_no_line(s, log_high, marker, "Tab reached the high client");
	snprintf(marker, sizeof(marker), "key %d ", KEY_LEFTMETA);
	assert_no_line(s, log_low, marker, "Logo reached the low client");
	assert_no_line(s, log_high, marker, "Logo reached the high client");
	session_stop(s);
}

/* ---- what a window sees when it gains focus ---------------------------- */

#define KEY_LEFTSHIFT 42

/* The depressed modifiers of a "mods ..." line ("-": none). */
static void
depressed_of(struct strata_session *s, const char *line, char *out, size_t size)
{
	const char *d = strstr(line, "depressed=");
	session_assert_msg(s, d != NULL, "not a modifiers line: %s", line);
	d += strlen("depressed=");
	snprintf(out, size, "%.*s", (int)strcspn(d, " \n"), d);
}

/*
 * The events a client got from a focus change on (text: its log since a
 * mark taken before): exactly one enter, listing no held key; the
 * modifiers that follow it are `depressed` exactly ("shift" when Shift is
 * held, "-" when nothing is), never Logo.
 */
static void
assert_enter(struct strata_session *s, const struct keylog *k, const char *text,
		const char *depressed)
{
	char line[256], mods[128];
	if (keylog_count(text, "enter") != 1 ||
			!keylog_find(text, NULL, "enter", line, sizeof(line)) ||
			strcmp(line, "enter keys=-") != 0 ||
			!keylog_find(text, "enter", "mods", line, sizeof(line))) {
		keylog_dump(k->app_id, text);
		session_fail(s, "%s: expected one \"enter keys=-\" and a modifiers event after it",
				k->app_id);
	}
	depressed_of(s, line, mods, sizeof(mods));
	if (strcmp(mods, depressed) != 0 || strstr(text, "logo")) {
		keylog_dump(k->app_id, text);
		session_fail(s, "%s: modifiers at enter \"%s\", expected depressed=%s, never logo",
				k->app_id, line, depressed);
	}
}

/* No wl_keyboard.key at all in text. */
static void
assert_no_key(struct strata_session *s, const struct keylog *k, const char *text, const char *when)
{
	if (keylog_count(text, "key ") != 0) {
		keylog_dump(k->app_id, text);
		session_fail(s, "%s got %d key events %s", k->app_id, keylog_count(text, "key "),
				when);
	}
}

/* After `key b`, the client shows it was listening all along. */
static void
assert_listening(struct strata_session *s, const struct keylog *k)
{
	size_t mark = keylog_mark(s, k);
	free(session_ctl_ok(s, "key b"));
	keylog_sync(s, k);
	char *text = keylog_since(s, k, mark);
	char want[64];
	snprintf(want, sizeof(want), "key %d pressed\nkey %d released\n", KEY_B, KEY_B);
	if (!strstr(text, want)) {
		keylog_dump(k->app_id, text);
		session_fail(s, "%s did not get `key b` once it had focus", k->app_id);
	}
	free(text);
}

/* Shift and a letter held while a click moves focus to the other level: the
 * new window's enter lists no key, its modifiers say Shift (held) and
 * nothing else, and then that Shift was released. A click with nothing
 * held: modifiers none. */
static void
focus_by_click_shows_held_shift_only(void)
{
	struct strata_session *s = session_start(NULL);
	struct keylog low, high;
	keylog_start(s, "low", "low", &low);
	keylog_start(s, "high", "high", &high);
	click_window(s, &low.window);
	free(session_ctl_ok(s, "keydown shift"));
	free(session_ctl_ok(s, "keydown a"));
	keylog_sync(s, &high);
	size_t mark = keylog_mark(s, &high);
	click_window(s, &high.window);
	keylog_sync(s, &high);
	char *text = keylog_since(s, &high, mark);
	assert_enter(s, &high, text, "shift");
	assert_no_key(s, &high, text, "while Shift and a were held before it had focus");
	free(text);
	mark = keylog_mark(s, &high);
	free(session_ctl_ok(s, "keyup a"));
	free(session_ctl_ok(s, "keyup shift"));
	keylog_sync(s, &high);
	text = keylog_since(s, &high, mark);
	char line[256], mods[128];
	if (!keylog_last(text, "mods", line, sizeof(line))) {
		keylog_dump(high.app_id, text);
		session_fail(s, "high was not told that Shift was released");
	}
	depressed_of(s, line, mods, sizeof(mods));
	session_assert_msg(s, strcmp(mods, "-") == 0, "after Shift's release high has \"%s\"",
			line);
	free(text);
	assert_listening(s, &high);

	/* Nothing held: back to low, whose modifiers at enter are none. */
	keylog_sync(s, &low);
	mark = keylog_mark(s, &low);
	click_window(s, &low.window);
	keylog_sync(s, &low);
	text = keylog_since(s, &low, mark);
	assert_enter(s, &low, text, "-");
	assert_no_key(s, &low, text, "from a click");
	free(text);
	session_stop(s);
}

/* Logo+Tab moves focus while Logo (and Tab) are held: the new window's
 * enter lists no key, its modifiers never say Logo, and say Shift exactly
 * when Shift is held too. */
static void
focus_by_logo_tab_never_shows_logo(void)
{
	struct strata_session *s = session_start(NULL);
	struct keylog low, high;
	keylog_start(s, "low", "low", &low);
	keylog_start(s, "high", "high", &high);
	click_window(s, &low.window);
	for (int round = 0; round < 2; round++) {
		bool shift = round == 0;
		const struct keylog *to = round == 0 ? &high : &low;
		keylog_sync(s, to);
		size_t mark = keylog_mark(s, to);
		if (shift) {
			free(session_ctl_ok(s, "keydown shift"));
		}
		free(session_ctl_ok(s, "keydown logo"));
		free(session_ctl_ok(s, "key Tab"));
		session_assert_msg(s, session_wait_focused_level(s, to->window.level, 3000),
				"Logo+Tab did not move focus to %s", to->window.level);
		keylog_sync(s, to);
		char *text = keylog_since(s, to, mark);
		assert_enter(s, to, text, shift ? "shift" : "-");
		assert_no_key(s, to, text, "during Logo+Tab");
		free(text);
		mark = keylog_mark(s, to);
		free(session_ctl_ok(s, "keyup logo"));
		if (shift) {
			free(session_ctl_ok(s, "keyup shift"));
		}
		keylog_sync(s, to);
		text = keylog_since(s, to, mark);
		session_assert_msg(s, !strstr(text, "logo"), "%s saw Logo: %s", to->app_id, text);
		if (shift) {
			char line[256], mods[128];
			session_assert_msg(s, keylog_last(text, "mods", line, sizeof(line)),
					"%s was not told that Shift was released", to->app_id);
			depressed_of(s, line, mods, sizeof(mods));
			session_assert_msg(s, strcmp(mods, "-") == 0,
					"after Shift's release %s has \"%s\"", to->app_id, line);
		}
		free(text);
		assert_listening(s, to);
	}
	session_stop(s);
}

/*
 * Keys held while focus moves are released to nobody: the window that gains
 * focus never saw them pressed (doc/ARCHITECTURE.md: "A key release is sent
 * only for a press that was sent"), and a release would tell it what the
 * user was pressing in the other level. Both ways focus moves: a click with
 * Shift and a held, and Logo+Tab with Shift held.
 */
static void
keys_held_across_a_focus_change_are_not_released_to_the_new_window(void)
{
	struct strata_session *s = session_start(NULL);
	struct keylog low, high;
	keylog_start(s, "low", "low", &low);
	keylog_start(s, "high", "high", &high);
	click_window(s, &low.window);
	free(session_ctl_ok(s, "keydown shift"));
	free(session_ctl_ok(s, "keydown a"));
	keylog_sync(s, &high);
	size_t mark = keylog_mark(s, &high);
	click_window(s, &high.window);
	free(session_ctl_ok(s, "keyup a"));
	free(session_ctl_ok(s, "keyup shift"));
	keylog_sync(s, &high);
	char *text = keylog_since(s, &high, mark);
	assert_no_key(s, &high, text, "for keys pressed in low before a click gave it focus");
	free(text);

	keylog_sync(s, &low);
	mark = keylog_mark(s, &low);
	free(session_ctl_ok(s, "keydown shift"));
	free(session_ctl_ok(s, "key logo+Tab"));
	session_assert(s, session_wait_focused_level(s, "low", 3000));
	free(session_ctl_ok(s, "keyup shift"));
	keylog_sync(s, &low);
	text = keylog_since(s, &low, mark);
	assert_no_key(s, &low, text, "for Shift, pressed in high before Logo+Tab gave it focus");
	free(text);
	session_stop(s);
}

/* ---- where focus goes when the focused window closes -------------------- */

static void
wait_closed(struct strata_session *s, const struct keylog *k)
{
	wait_file(s, k->path, "closed\n", 5000);
}

/*
 * low A (focused), low B, high H. A closes (Logo+q): focus goes to B, and
 * typed text lands there. B closes: high is another level, so nobody has
 * focus: typed text reaches nobody (A and B are still connected, windowless;
 * H never got focus), and the banner's pixels say no window has focus.
 */
static void
focus_falls_back_within_the_level_then_to_nobody(void)
{
	struct strata_session *s = session_start(NULL);
	session_assert_msg(s,
			session_wait_level(s, "low", true, 10000) &&
					session_wait_level(s, "high", true, 10000),
			"the levels' proxies did not come up");
	struct keylog a, b, h;
	keylog_start(s, "low", "low-a", &a);
	keylog_start(s, "low", "low-b", &b);
	keylog_start(s, "high", "high", &h);
	click_window(s, &a.window);
	free(session_ctl_ok(s, "key logo+q"));
	wait_closed(s, &a);
	session_assert_msg(s, session_wait_windows(s, 2, 5000), "A's window did not go away");
	unsigned id = 0;
	char level[32] = "none";
	session_assert_msg(s,
			session_wait_focused_level(s, "low", 3000) &&
					session_focused(s, &id, level, sizeof(level)) &&
					id == b.window.id,
			"after A closed, focus is on window %u (%s), not on B (%u)", id, level,
			b.window.id);

	const struct keylog *all[] = { &a, &b, &h };
	size_t marks[3];
	for (int i = 0; i < 3; i++) {
		keylog_sync(s, all[i]);
		marks[i] = keylog_mark(s, all[i]);
	}
	free(session_ctl_ok(s, "type fallback"));
	for (int i = 0; i < 3; i++) {
		keylog_sync(s, all[i]);
		char *text = keylog_since(s, all[i], marks[i]);
		int keys = keylog_count(text, "key ");
		int want = all[i] == &b ? 16 : 0; /* 8 letters, pressed and released */
		if (keys != want) {
			keylog_dump(all[i]->app_id, text);
			session_fail(s,
					"typing \"fallback\" after A closed: %s got %d key events, "
					"expected %d",
					all[i]->app_id, keys, want);
		}
		free(text);
	}

	free(session_ctl_ok(s, "key logo+q"));
	wait_closed(s, &b);
	session_assert_msg(s, session_wait_windows(s, 1, 5000), "B's window did not go away");
	session_assert_msg(s, session_wait_focused_level(s, "none", 3000),
			"the last low window closed while a high one exists: focus is not nobody's");
	struct banner_expect nobody = { .level = NULL };
	session_assert_banner(s, &nobody, 3000);
	for (int i = 0; i < 3; i++) {
		keylog_sync(s, all[i]);
		marks[i] = keylog_mark(s, all[i]);
	}
	free(session_ctl_ok(s, "type nobody"));
	free(session_ctl_ok(s, "key Return"));
	for (int i = 0; i < 3; i++) {
		keylog_sync(s, all[i]);
		char *text = keylog_since(s, all[i], marks[i]);
		if (keylog_count(text, "key ") != 0 || keylog_count(text, "enter") != 0) {
			keylog_dump(all[i]->app_id, text);
			session_fail(s, "with nobody focused, %s got %d key events and %d enters",
					all[i]->app_id, keylog_count(text, "key "),
					keylog_count(text, "enter"));
		}
		free(text);
	}
	/* The recorders work: H, once clicked, hears a key. */
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = h.window.id },
					&h.window));
	click_window(s, &h.window);
	assert_listening(s, &h);
	session_stop(s);
}

/* ---- Logo+Return with no window: the level chooser --------------------- */

#define LOW_RGB 0x2e7d32
#define HIGH_RGB 0xc62828
#define CHOOSER_BORDER_RGB 0xe0e0e0
#define CHOOSER_CONFIG \
	"[level low]\ncolour = #2e7d32\n[level high]\ncolour = #c62828\n" \
	"[session]\nterminal = foot --app-id=chosen-terminal\n"

struct census_wait {
	uint32_t rgb;
	bool present; /* wait for some pixels (true) or for none (false) */
	long seen;
};

/* Pixels of an RGB colour below the banner, in a fresh screenshot. */
static long
census_below_banner(struct strata_session *s, uint32_t rgb, const char *what)
{
	int w, h;
	uint32_t *px = session_screenshot(s, &w, &h);
	long n = session_census(s, px, w, h, 0, SESSION_BANNER_HEIGHT, w, h - SESSION_BANNER_HEIGHT,
			rgb, what);
	free(px);
	return n;
}

static bool
census_reached(struct strata_session *s, void *data)
{
	struct census_wait *c = data;
	c->seen = census_below_banner(s, c->rgb, "the output below the banner");
	return c->present ? c->seen > 0 : c->seen == 0;
}

static void
wait_chooser(struct strata_session *s, bool shown)
{
	struct census_wait c = { CHOOSER_BORDER_RGB, shown, 0 };
	session_assert_msg(s, session_wait_for(census_reached, s, &c, 5000),
			"the chooser is %s: %ld pixels of its border colour on screen",
			shown ? "not shown" : "still shown", c.seen);
}

/* The chooser is up and past its first 300 ms (chooser.c's
 * CHOOSER_SETTLE_MS), when digits typed ahead choose nothing. */
#define CHOOSER_SETTLE_MS 300

static void
wait_chooser_settled(struct strata_session *s)
{
	wait_chooser(s, true);
	session_sleep_ms(CHOOSER_SETTLE_MS);
}

static struct strata_session *
start_chooser_session(void)
{
	session_require_program("bwrap");
	session_require_program("foot");
	struct session_options opts = { .config = CHOOSER_CONFIG };
	struct strata_session *s = session_start(&opts);
	session_assert_msg(s,
			session_wait_level(s, "low", true, 10000) &&
					session_wait_level(s, "high", true, 10000),
			"the levels' proxies did not come up");
	return s;
}

/* After the user's answer (what, e.g. "choosing 2"), the chosen terminal
 * maps, and in level. */
static void
wait_terminal_in(struct strata_session *s, const char *level, const char *what)
{
	struct window_info term;
	session_assert_msg(s,
			session_wait_window(s,
					&(struct window_match){ .app_id = "chosen-terminal" },
					&term, MAP_TIMEOUT_MS),
			"no terminal mapped after %s", what);
	session_assert_msg(s, strcmp(term.level, level) == 0,
			"after %s, the first terminal to map is in %s, not %s", what, term.level,
			level);
}

/*
 * With no window, Logo+Return shows the chooser (drawn by strata: both
 * levels' colours appear where nothing else is); a low window that maps
 * while it is up gets neither focus nor keys; "2" opens the terminal in
 * high, the second level, and nowhere else.
 */
static void
logo_return_with_no_window_asks_for_the_level(void)
{
	struct strata_session *s = start_chooser_session();
	session_assert_msg(s,
			census_below_banner(s, LOW_RGB, "empty output") == 0 &&
					census_below_banner(s, HIGH_RGB, "empty output") == 0,
			"a level's colour is on the empty output");
	free(session_ctl_ok(s, "key logo+Return"));
	wait_chooser_settled(s);
	long low = census_below_banner(s, LOW_RGB, "the chooser");
	long high = census_below_banner(s, HIGH_RGB, "the chooser");
	session_assert_msg(s, low > 0 && high > 0,
			"the chooser shows %ld pixels of low's colour and %ld of high's", low,
			high);
	session_keep_screenshot(s, "level-chooser.png");

	struct keylog k;
	keylog_start(s, "low", "low-under-chooser", &k);
	free(session_ctl_ok(s, "type x"));
	free(session_ctl_ok(s, "key 2"));
	wait_terminal_in(s, "high", "choosing 2 (high)");
	wait_chooser(s, false);
	keylog_sync(s, &k);
	assert_no_line(s, k.path, "enter", "the low window took focus under the chooser");
	assert_no_line(s, k.path, "key ", "the low window heard keys meant for the chooser");
	struct window_info *all = NULL;
	int n = session_windows(s, &all);
	session_assert_msg(s, n == 2, "%d windows, 2 wanted (the low recorder, the terminal)", n);
	free(all);
	session_stop(s);
}

/* Escape and a click cancel: nothing opens; then "1" opens low's. */
static void
chooser_cancelled_opens_nothing(void)
{
	struct strata_session *s = start_chooser_session();
	free(session_ctl_ok(s, "key logo+Return"));
	wait_chooser(s, true);
	free(session_ctl_ok(s, "key Escape"));
	wait_chooser(s, false);
	free(session_ctl_ok(s, "key logo+Return"));
	wait_chooser(s, true);
	free(session_ctl_ok(s, "click 20 600"));
	wait_chooser(s, false);
	/* Digits out of range are not an answer. */
	free(session_ctl_ok(s, "key logo+Return"));
	wait_chooser_settled(s);
	free(session_ctl_ok(s, "key 3"));
	free(session_ctl_ok(s, "key 0"));
	free(session_ctl_ok(s, "key 1"));
	wait_terminal_in(s, "low", "choosing 1 (low)");
	wait_chooser(s, false);
	struct window_info *all = NULL;
	int n = session_windows(s, &all);
	session_assert_msg(s, n == 1, "%d windows after cancelling twice and choosing once", n);
	free(all);
	session_stop(s);
}

/* On a French (AZERTY) keyboard the top row gives & é " ' ( unshifted:
 * the chooser takes those keys' digits (here é, the 2 key: high). */
static void
chooser_takes_the_digit_keys_of_an_azerty_keyboard(void)
{
	setenv("XKB_DEFAULT_LAYOUT", "fr", 1);
	struct strata_session *s = start_chooser_session();
	unsetenv("XKB_DEFAULT_LAYOUT");
	free(session_ctl_ok(s, "key logo+Return"));
	wait_chooser_settled(s);
	free(session_ctl_ok(s, "key eacute"));
	wait_terminal_in(s, "high", "the AZERTY 2 key (eacute)");
	session_stop(s);
}

/* A digit typed with Logo+Return, at once, was typed ahead: it chooses
 * nothing, and the chooser stays up for the user's answer. */
static void
digits_typed_ahead_choose_nothing(void)
{
	struct strata_session *s = start_chooser_session();
	free(session_ctl_ok(s, "key logo+Return 2"));
	wait_chooser_settled(s);
	free(session_ctl_ok(s, "key 1"));
	wait_terminal_in(s, "low", "a 2 typed ahead, then choosing 1 (low)");
	session_stop(s);
}

/* The box of an RGB colour's pixels in an image, below the banner; how
 * many there are. */
static long
colour_box(const uint32_t *px, int w, int h, uint32_t rgb, int box[4])
{
	long n = 0;
	box[0] = w, box[1] = h, box[2] = -1, box[3] = -1;
	for (int y = SESSION_BANNER_HEIGHT; y < h; y++) {
		for (int x = 0; x < w; x++) {
			if (px[(size_t)y * (size_t)w + (size_t)x] == rgb) {
				n++;
				box[0] = x < box[0] ? x : box[0];
				box[1] = y < box[1] ? y : box[1];
				box[2] = x > box[2] ? x : box[2];
				box[3] = y > box[3] ? y : box[3];
			}
		}
	}
	return n;
}

/* A headless output plugged in (test-control output-add): its name. With
 * path, its first frame is written there. */
static void
plug_output(struct strata_session *s, const char *size, const char *path, char *name, size_t len)
{
	char *reply = path ? session_ctl_ok(s, "output-add %s %s", size, path) :
			     session_ctl_ok(s, "output-add %s", size);
	const char *at = strstr(reply, "output name=");
	session_assert(s, len >= 64);
	session_assert_msg(s, at && sscanf(at, "output name=%63s", name) == 1, "reply: %s", reply);
	free(reply);
}

struct output_census {
	const char *output;
	long seen;
};

/* Some of the chooser's border on the output named in data, below the banner. */
static bool
chooser_on_output(struct strata_session *s, void *data)
{
	struct output_census *c = data;
	char path[300];
	snprintf(path, sizeof(path), "/tmp/itest-chooser-%d-w.png", (int)getpid());
	free(session_ctl_ok(s, "output-screenshot %s %s", c->output, path));
	int w, h, box[4];
	uint32_t *px = session_load_png(s, path, &w, &h);
	unlink(path);
	c->seen = colour_box(px, w, h, CHOOSER_BORDER_RGB, box);
	free(px);
	return c->seen > 0;
}

/*
 * Outputs come and go under the chooser: it is drawn again, whole and
 * centred, on the output that is left (never left where no output shows
 * it), and still answers; with no output at all it closes, and a monitor
 * plugged in after that does not show it.
 */
static void
the_chooser_follows_the_outputs(void)
{
	struct strata_session *s = start_chooser_session();
	char name[64], path[300];
	int w, h, box[4];

	/* No output at all: the chooser closes. */
	free(session_ctl_ok(s, "key logo+Return"));
	wait_chooser_settled(s);
	free(session_ctl_ok(s, "output-remove HEADLESS-1"));
	snprintf(path, sizeof(path), "/tmp/itest-chooser-%d.png", (int)getpid());
	plug_output(s, "1920x1080", path, name, sizeof(name));
	uint32_t *px = session_load_png(s, path, &w, &h);
	unlink(path);
	long n = colour_box(px, w, h, CHOOSER_BORDER_RGB, box);
	free(px);
	session_assert_msg(s, n == 0,
			"the chooser is still up after the last output went: %ld px of its border",
			n);

	/* Open again, then its output is replaced by a smaller one. */
	free(session_ctl_ok(s, "key logo+Return"));
	struct output_census c = { name, 0 };
	session_assert_msg(s, session_wait_for(chooser_on_output, s, &c, 5000),
			"Logo+Return showed no chooser on %s", name);
	session_sleep_ms(CHOOSER_SETTLE_MS);
	char first[64];
	snprintf(first, sizeof(first), "%s", name);
	plug_output(s, "800x600", NULL, name, sizeof(name));
	free(session_ctl_ok(s, "output-remove %s", first));
	free(session_ctl_ok(s, "output-screenshot %s %s", name, path));
	px = session_load_png(s, path, &w, &h);
	unlink(path);
	n = colour_box(px, w, h, CHOOSER_BORDER_RGB, box);
	free(px);
	/* chooser.c: 560 wide, 80 + 36 a line high (two levels, a blank
	 * line, the hint), centred below the banner. */
	int width = 560, height = 80 + 4 * 36;
	int x = (800 - width) / 2,
	    y = SESSION_BANNER_HEIGHT + (600 - SESSION_BANNER_HEIGHT - height) / 2;
	tap_diag("the chooser's border on %s: %ld px in %d,%d..%d,%d", name, n, box[0], box[1],
			box[2], box[3]);
	session_assert_msg(s,
			box[0] == x && box[1] == y && box[2] == x + width - 1 &&
					box[3] == y + height - 1,
			"the chooser on the output left is at %d,%d..%d,%d, not %d,%d..%d,%d",
			box[0], box[1], box[2], box[3], x, y, x + width - 1, y + height - 1);
	free(session_ctl_ok(s, "key 2"));
	wait_terminal_in(s, "high", "choosing 2 (high) on the output left");
	session_stop(s);
}

static bool
xray_says(struct strata_session *s, void *data)
{
	char *reply = session_ctl_ok(s, "xray");
	bool has = strstr(session_reply_result(reply), data) != NULL;
	free(reply);
	return has;
}

/* The X-ray (the secure attention key) takes the seat from the chooser,
 * which ends: once the X-ray is closed, no chooser is up and a digit opens
 * nothing; the chooser opens again afterwards. */
static void
chooser_gives_way_to_the_xray(void)
{
	struct strata_session *s = start_chooser_session();
	free(session_ctl_ok(s, "key logo+Return"));
	wait_chooser(s, true);
	free(session_ctl_ok(s, "key logo+Escape"));
	session_assert_msg(s, session_wait_for(xray_says, s, "open=1", 5000),
			"the X-ray did not open over the chooser");
	free(session_ctl_ok(s, "key logo+Escape"));
	session_assert_msg(s, session_wait_for(xray_says, s, "open=0", 5000),
			"the X-ray did not close");
	wait_chooser(s, false);
	free(session_ctl_ok(s, "key 1"));
	free(session_ctl_ok(s, "key logo+Return"));
	wait_chooser_settled(s);
	free(session_ctl_ok(s, "key 2"));
	wait_terminal_in(s, "high", "a 1 typed once the X-ray closed, then choosing 2 (high)");
	session_stop(s);
}

SESSION_TESTS_WITH_HELPER(keylog_helper_main, TAP_CASE(typed_text_reaches_only_the_focused_level),
		TAP_CASE(new_window_does_not_steal_focus),
		TAP_CASE(logo_shortcuts_do_not_reach_clients),
		TAP_CASE(logo_tab_cycles_focus_across_levels),
		TAP_CASE(focus_by_click_shows_held_shift_only),
		TAP_CASE(focus_by_logo_tab_never_shows_logo),
		TAP_CASE(keys_held_across_a_focus_change_are_not_released_to_the_new_window),
		TAP_CASE(focus_falls_back_within_the_level_then_to_nobody),
		TAP_CASE(logo_return_with_no_window_asks_for_the_level),
		TAP_CASE(chooser_cancelled_opens_nothing),
		TAP_CASE(chooser_takes_the_digit_keys_of_an_azerty_keyboard),
		TAP_CASE(chooser_gives_way_to_the_xray),
		TAP_CASE(digits_typed_ahead_choose_nothing),
		TAP_CASE(the_chooser_follows_the_outputs))
