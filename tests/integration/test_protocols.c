// SPDX-License-Identifier: MIT
// The level protocols of issue 13 (parts 4 and 5a), tried as a user and an
// attacker would: an xdg-activation token never moves focus away from the
// level the user is typing into (keys typed afterwards reach the window they
// went to before; the target only gets a mark on its title bar, in pixels),
// and works within the focused level; an xdg-foreign handle is a dead import
// in every other level; an idle inhibitor held by a visible window that keeps
// drawing never delays the idle lock (the lock screen's pixels, keys no
// longer delivered); GTK 3 draws no title bar of its own under Strata's
// (KDE server-decoration in server mode).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>
#include "idle-inhibit-unstable-v1-client-protocol.h"
#include "strata_test.h"
#include "xdg-activation-v1-client-protocol.h"
#include "xdg-foreign-unstable-v2-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define KEY_A 30 /* evdev */
#define LOW_LEVEL_RGB 0x2e7d32u /* the default levels' colours */
#define HIGH_LEVEL_RGB 0xc62828u
#define URGENT_RGB 0xffbf00u /* view.h: VIEW_URGENT_RGB */
#define LOCK_RGB 0x15191du /* lock.c: LOCK_BACKGROUND */
#define LOW_WINDOW_RGB 0x13579bu
#define HIGH_WINDOW_RGB 0x2468acu

/* ---- a probe: a raw client with a window and a keyboard it logs ------------ */

struct probe {
	struct strata_session *s;
	char name[32];
	struct raw_client *c;
	struct raw_window *w;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct xdg_activation_v1 *activation; /* may be NULL */
	uint32_t last_serial; /* of the last enter or key event */
	int key_presses, enters, leaves;
	bool has_focus;
	unsigned window_id;
	char token[256]; /* the last activation token received */
	bool token_done;
};

static void
keyboard_keymap(void *data, struct wl_keyboard *k, uint32_t format, int32_t fd, uint32_t size)
{
	close(fd);
}

static void
keyboard_enter(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *surface,
		struct wl_array *keys)
{
	struct probe *p = data;
	p->last_serial = serial;
	p->enters++;
	p->has_focus = true;
}

static void
keyboard_leave(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *surface)
{
	struct probe *p = data;
	p->leaves++;
	p->has_focus = false;
}

static void
keyboard_key(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t time, uint32_t key,
		uint32_t state)
{
	struct probe *p = data;
	p->last_serial = serial;
	if (state == WL_KEYBOARD_KEY_STATE_PRESSED) {
		p->key_presses++;
	}
}

static void
keyboard_modifiers(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t depressed,
		uint32_t latched, uint32_t locked, uint32_t group)
{
}

static void
keyboard_repeat_info(void *data, struct wl_keyboard *k, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat_info,
};

static void *
bind_global(struct probe *p, const char *interface, const struct wl_interface *wl_interface,
		uint32_t version)
{
	const struct raw_global *g = raw_client_find_global(p->c, interface);
	session_assert_msg(p->s, g != NULL, "%s: the %s socket offers no %s", p->name, p->name,
			interface);
	return wl_registry_bind(p->c->registry, g->name, wl_interface, version);
}

/* A client on level with a keyboard, then a window of rgb (mapped, listed). */
static void
probe_start(struct strata_session *s, struct probe *p, const char *level, const char *name,
		uint32_t rgb)
{
	memset(p, 0, sizeof(*p));
	p->s = s;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->c = raw_client_connect(session_socket(s, level));
	session_assert_msg(s, p->c != NULL, "cannot connect to %s", level);
	p->seat = bind_global(p, "wl_seat", &wl_seat_interface, 5);
	p->keyboard = wl_seat_get_keyboard(p->seat);
	wl_keyboard_add_listener(p->keyboard, &keyboard_listener, p);
	p->activation = bind_global(p, "xdg_activation_v1", &xdg_activation_v1_interface, 1);
	p->w = raw_window_new(p->c, name, name);
	session_assert_msg(s, p->w && raw_window_map(p->w, 400, 300, 0xff000000u | rgb),
			"%s: the window did not map", name);
	struct window_info info;
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .app_id = name }, &info,
					5000),
			"%s's window is not listed", name);
	p->window_id = info.id;
}

static void
probe_sync(struct probe *p)
{
	session_assert_msg(p->s, raw_client_roundtrip(p->c, 5000) && !raw_client_error(p->c),
			"%s: no round trip (error %d)", p->name, raw_client_error(p->c));
}

static void
probe_stop(struct probe *p)
{
	if (p->activation) {
		xdg_activation_v1_destroy(p->activation);
	}
	wl_keyboard_destroy(p->keyboard);
	wl_seat_destroy(p->seat);
	raw_window_destroy(p->w);
	raw_client_destroy(p->c);
}

static void
token_done(void *data, struct xdg_activation_token_v1 *token, const char *text)
{
	struct probe *p = data;
	snprintf(p->token, sizeof(p->token), "%s", text);
	p->token_done = true;
}

static const struct xdg_activation_token_v1_listener token_listener = { .done = token_done };

/* A token; with_input: naming the last input serial and the window's
 * surface (what a client does on a click), else bare. */
static void
probe_get_token(struct probe *p, bool with_input)
{
	struct xdg_activation_token_v1 *token =
			xdg_activation_v1_get_activation_token(p->activation);
	xdg_activation_token_v1_add_listener(token, &token_listener, p);
	if (with_input) {
		session_assert_msg(p->s, p->last_serial != 0, "%s has had no input event", p->name);
		xdg_activation_token_v1_set_serial(token, p->last_serial, p->seat);
		xdg_activation_token_v1_set_surface(token, p->w->surface);
	}
	xdg_activation_token_v1_set_app_id(token, p->name);
	p->token_done = false;
	xdg_activation_token_v1_commit(token);
	probe_sync(p);
	session_assert_msg(p->s, p->token_done, "%s: no token", p->name);
	xdg_activation_token_v1_destroy(token);
	tap_diag("%s got a %s token", p->name, with_input ? "complete" : "bare");
}

/* The window asks to be activated with token; returns once the compositor
 * has handled it. */
static void
probe_activate(struct probe *p, const char *token)
{
	xdg_activation_v1_activate(p->activation, token, p->w->surface);
	probe_sync(p);
}

/* Types "a" and returns how many presses each probe got for it. */
static void
type_a(struct strata_session *s, struct probe *const *probes, size_t count, int *got)
{
	int before[8];
	for (size_t i = 0; i < count; i++) {
		probe_sync(probes[i]);
		before[i] = probes[i]->key_presses;
	}
	free(session_ctl_ok(s, "type a"));
	for (size_t i = 0; i < count; i++) {
		probe_sync(probes[i]);
		got[i] = probes[i]->key_presses - before[i];
	}
}

static unsigned
focused_id(struct strata_session *s)
{
	unsigned id = 0;
	session_assert_msg(s, session_focused(s, &id, NULL, 0), "nothing has focus");
	return id;
}

/* Pixels of rgb in the window's frame above its content (its title bar and
 * the border over it), in a freshly rendered frame. */
static long
title_bar_pixels(struct strata_session *s, unsigned id, uint32_t rgb)
{
	struct window_info info;
	session_assert(s, session_find_window(s, &(struct window_match){ .id = id }, &info));
	int width, height;
	uint32_t *shot = session_screenshot(s, &width, &height);
	long count = 0;
	for (int y = info.frame_y; y < info.y; y++) {
		for (int x = info.frame_x; x < info.frame_x + info.frame_width; x++) {
			if (x >= 0 && y >= 0 && x < width && y < height) {
				count += shot[(size_t)y * (size_t)width + (size_t)x] == rgb;
			}
		}
	}
	free(shot);
	return count;
}

/* ---- xdg-activation ---------------------------------------------------------- */

/*
 * M38: the user types into low. A high window asks to be activated with a
 * token low made from a real key press: focus stays, the next key reaches
 * low, and the high window gets a mark on its title bar and nothing more.
 */
static void
activation_with_another_levels_token_moves_no_focus(void)
{
	struct strata_session *s = session_start(NULL);
	struct probe low, high;
	probe_start(s, &low, "low", "act-low", LOW_WINDOW_RGB);
	session_assert_int_eq(s, focused_id(s), low.window_id);
	probe_start(s, &high, "high", "act-high", HIGH_WINDOW_RGB);
	session_assert_msg(s, focused_id(s) == low.window_id, "high's new window took focus");
	struct probe *both[] = { &low, &high };
	int got[2];
	type_a(s, both, 2, got); /* a real key press: its serial makes the token */
	session_assert_int_eq(s, got[0], 1);
	session_assert_int_eq(s, got[1], 0);
	probe_get_token(&low, true);
	session_assert_int_eq(s, title_bar_pixels(s, high.window_id, URGENT_RGB), 0);

	probe_activate(&high, low.token);
	/* What the user sees first: where the next key goes. */
	type_a(s, both, 2, got);
	session_assert_msg(s, got[0] == 1 && got[1] == 0,
			"after the activation, \"a\" reached low %d times, high %d times", got[0],
			got[1]);
	session_assert_msg(s, high.enters == 0, "high's window got keyboard focus (%d enters)",
			high.enters);
	session_assert_msg(s, focused_id(s) == low.window_id,
			"high's window took focus with low's token");
	long mark = title_bar_pixels(s, high.window_id, URGENT_RGB);
	tap_diag("high's title bar: %ld pixels of the urgent mark", mark);
	session_assert_msg(s, mark >= 100, "high's title bar shows no urgent mark (%ld pixels)",
			mark);
	session_assert_int_eq(s, title_bar_pixels(s, low.window_id, URGENT_RGB), 0);

	/* The same window with a bare token of its own (no input): marked,
	 * no focus. */
	probe_get_token(&high, false);
	probe_activate(&high, high.token);
	session_assert_int_eq(s, focused_id(s), low.window_id);

	/* The user clicks high's window: focus, and the mark goes. */
	struct window_info info;
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = high.window_id },
					&info));
	free(session_ctl_ok(s, "click %d %d", info.x + 20, info.y + 20));
	session_assert_int_eq(s, focused_id(s), high.window_id);
	session_assert_int_eq(s, title_bar_pixels(s, high.window_id, URGENT_RGB), 0);
	probe_stop(&high);
	probe_stop(&low);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/*
 * Within the focused level a complete token works: low's second window
 * takes focus with the token low's first made on a key press. A token made
 * by low while low had focus is worth nothing once the user has moved to
 * high: it cannot take focus back.
 */
static void
activation_works_only_within_the_focused_level(void)
{
	struct strata_session *s = session_start(NULL);
	struct probe first, second, high;
	probe_start(s, &first, "low", "act-first", LOW_WINDOW_RGB);
	probe_start(s, &second, "low", "act-second", LOW_WINDOW_RGB);
	probe_start(s, &high, "high", "act-high", HIGH_WINDOW_RGB);
	/* A window of the focused level took focus when it mapped. */
	session_assert_int_eq(s, focused_id(s), second.window_id);
	struct probe *all[] = { &first, &second, &high };
	int got[3];
	type_a(s, all, 3, got);
	session_assert_int_eq(s, got[1], 1);
	probe_get_token(&second, true);

	probe_activate(&first, second.token);
	session_assert_msg(s, focused_id(s) == first.window_id,
			"low's first window did not take focus with low's token while low has it");
	type_a(s, all, 3, got);
	session_assert_msg(s, got[0] == 1 && got[1] == 0 && got[2] == 0,
			"\"a\" reached first %d, second %d, high %d times", got[0], got[1], got[2]);
	session_assert_int_eq(s, title_bar_pixels(s, first.window_id, URGENT_RGB), 0);

	/* A fresh token of low's, then the user clicks high. */
	probe_get_token(&first, true);
	struct window_info info;
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = high.window_id },
					&info));
	free(session_ctl_ok(s, "click %d %d", info.x + 20, info.y + 20));
	session_assert_int_eq(s, focused_id(s), high.window_id);
	probe_activate(&second, first.token);
	type_a(s, all, 3, got);
	session_assert_msg(s, got[0] == 0 && got[1] == 0 && got[2] == 1,
			"\"a\" reached first %d, second %d, high %d times", got[0], got[1], got[2]);
	session_assert_msg(s, focused_id(s) == high.window_id,
			"low's token took focus back from high");
	long mark = title_bar_pixels(s, second.window_id, URGENT_RGB);
	tap_diag("low's second window: %ld pixels of the urgent mark", mark);
	session_assert_msg(s, mark >= 100, "no urgent mark on low's second window");
	probe_stop(&high);
	probe_stop(&second);
	probe_stop(&first);
	session_stop(s);
}

/* ---- xdg-foreign ------------------------------------------------------------- */

struct import_probe {
	bool destroyed;
};

static void
imported_destroyed(void *data, struct zxdg_imported_v2 *imported)
{
	((struct import_probe *)data)->destroyed = true;
}

static const struct zxdg_imported_v2_listener imported_listener = {
	.destroyed = imported_destroyed,
};

static void
exported_handle(void *data, struct zxdg_exported_v2 *exported, const char *handle)
{
	snprintf(data, 256, "%s", handle);
}

static const struct zxdg_exported_v2_listener exported_listener = { .handle = exported_handle };

/* Imports handle on p's level and makes p's window its child; whether the
 * import died, after a round trip. */
static bool
import_and_parent(struct probe *p, const char *handle)
{
	struct zxdg_importer_v2 *importer =
			bind_global(p, "zxdg_importer_v2", &zxdg_importer_v2_interface, 1);
	struct import_probe result = { 0 };
	struct zxdg_imported_v2 *imported = zxdg_importer_v2_import_toplevel(importer, handle);
	zxdg_imported_v2_add_listener(imported, &imported_listener, &result);
	probe_sync(p);
	zxdg_imported_v2_set_parent_of(imported, p->w->surface);
	probe_sync(p);
	zxdg_imported_v2_destroy(imported);
	zxdg_importer_v2_destroy(importer);
	probe_sync(p);
	return result.destroyed;
}

/*
 * Low exports its window. High imports the handle: the import is dead at
 * once (as for any unknown handle) and parenting to it does nothing, and
 * high cannot reach low's exporter by its global name either. Another low
 * client imports the same handle: alive, and it parents without an error.
 */
static void
foreign_handles_stay_in_their_level(void)
{
	struct strata_session *s = session_start(NULL);
	struct probe low, low2, high;
	probe_start(s, &low, "low", "foreign-low", LOW_WINDOW_RGB);
	probe_start(s, &low2, "low", "foreign-low2", LOW_WINDOW_RGB);
	probe_start(s, &high, "high", "foreign-high", HIGH_WINDOW_RGB);
	struct zxdg_exporter_v2 *exporter =
			bind_global(&low, "zxdg_exporter_v2", &zxdg_exporter_v2_interface, 1);
	char handle[256] = "";
	struct zxdg_exported_v2 *exported =
			zxdg_exporter_v2_export_toplevel(exporter, low.w->surface);
	zxdg_exported_v2_add_listener(exported, &exported_listener, handle);
	probe_sync(&low);
	session_assert_msg(s, handle[0] != '\0', "low's export got no handle");
	tap_diag("low exported its window as %s", handle);

	session_assert_msg(s, import_and_parent(&high, handle),
			"high imported low's handle and the import is alive");
	session_assert_msg(s, !import_and_parent(&low2, handle),
			"another low client's import of low's handle died");
	tap_diag("high's import died at once; low2's lives and parents");

	/* The exporter and importer each level sees are its own globals. */
	const struct raw_global *low_exporter = raw_client_find_global(low.c, "zxdg_exporter_v2");
	const struct raw_global *high_exporter = raw_client_find_global(high.c, "zxdg_exporter_v2");
	session_assert(s, low_exporter && high_exporter);
	session_assert_msg(s, low_exporter->name != high_exporter->name,
			"low and high share one exporter global (%u)", low_exporter->name);
	struct raw_client *thief = raw_client_connect(session_socket(s, "high"));
	session_assert(s, thief != NULL);
	struct wl_proxy *stolen = wl_registry_bind(thief->registry, low_exporter->name,
			&zxdg_exporter_v2_interface, 1);
	bool answered = raw_client_roundtrip(thief, 5000);
	int error = raw_client_error(thief);
	wl_proxy_destroy(stolen);
	raw_client_destroy(thief);
	session_assert_msg(s, !answered && error != 0,
			"high bound low's exporter (name %u) without a protocol error",
			low_exporter->name);

	zxdg_exported_v2_destroy(exported);
	zxdg_exporter_v2_destroy(exporter);
	probe_stop(&high);
	probe_stop(&low2);
	probe_stop(&low);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/*
 * A window made and destroyed (xdg_toplevel, then xdg_surface) leaves its
 * wl_surface with the role and no xdg_surface: exporting it, or parenting
 * to it, ends that client with an error; strata carries on. (wlroots 0.15.1
 * checks for the missing xdg_surface itself; a review feared the NULL
 * dereference of earlier versions: this keeps it so.)
 */
static void
foreign_on_a_surface_whose_window_is_gone(void)
{
	struct strata_session *s = session_start(NULL);
	struct probe low;
	probe_start(s, &low, "low", "foreign-live", LOW_WINDOW_RGB);
	for (int which = 0; which < 2; which++) {
		struct raw_client *c = raw_client_connect(session_socket(s, "low"));
		session_assert(s, c != NULL && c->compositor && c->wm_base);
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
		struct xdg_toplevel *toplevel = xdg_surface_get_toplevel(xdg_surface);
		xdg_toplevel_destroy(toplevel);
		xdg_surface_destroy(xdg_surface);
		const char *global = which == 0 ? "zxdg_exporter_v2" : "zxdg_importer_v2";
		const struct raw_global *g = raw_client_find_global(c, global);
		session_assert(s, g != NULL);
		if (which == 0) {
			struct zxdg_exporter_v2 *exporter = wl_registry_bind(c->registry, g->name,
					&zxdg_exporter_v2_interface, 1);
			zxdg_exporter_v2_export_toplevel(exporter, surface);
		} else {
			/* A live window's handle, from the live client. */
			struct zxdg_exporter_v2 *exporter = bind_global(&low, "zxdg_exporter_v2",
					&zxdg_exporter_v2_interface, 1);
			char handle[256] = "";
			struct zxdg_exported_v2 *exported =
					zxdg_exporter_v2_export_toplevel(exporter, low.w->surface);
			zxdg_exported_v2_add_listener(exported, &exported_listener, handle);
			probe_sync(&low);
			session_assert(s, handle[0] != '\0');
			struct zxdg_importer_v2 *importer = wl_registry_bind(c->registry, g->name,
					&zxdg_importer_v2_interface, 1);
			struct zxdg_imported_v2 *imported =
					zxdg_importer_v2_import_toplevel(importer, handle);
			zxdg_imported_v2_set_parent_of(imported, surface);
		}
		bool answered = raw_client_roundtrip(c, 5000);
		int error = raw_client_error(c);
		raw_client_destroy(c);
		session_assert_msg(s, session_compositor_alive(s),
				"%s on a surface whose window is gone stopped the compositor",
				which == 0 ? "export_toplevel" : "set_parent_of");
		session_assert_msg(s, !answered && error != 0,
				"%s on a surface whose window is gone: no protocol error",
				which == 0 ? "export_toplevel" : "set_parent_of");
	}
	probe_stop(&low);
	session_stop(s);
}

/* ---- idle inhibit -------------------------------------------------------------- */

static bool
lock_state_has(struct strata_session *s, const char *needle)
{
	char *reply = session_ctl_ok(s, "lock");
	bool has = strstr(session_reply_result(reply), needle) != NULL;
	free(reply);
	return has;
}

/* Pixels of exactly rgb on the whole screenshot (the harness's census). */
static long
census(struct strata_session *s, const uint32_t *pixels, int width, int height, uint32_t rgb,
		const char *what)
{
	return session_census(s, pixels, width, height, 0, 0, width, height, rgb, what);
}

/*
 * idle_seconds = 10. A visible low window holds an idle inhibitor and
 * keeps drawing (a video playing: a commit every 100 ms). The lock comes
 * 10 s after the last input all the same: the screen shows the lock and
 * nothing of the window, and keys no longer reach it.
 */
static void
idle_inhibitor_never_delays_the_lock(void)
{
	struct session_options opts = { .config = "[lock]\nuser = root\nidle_seconds = 10\n" };
	struct strata_session *s = session_start(&opts);
	struct probe video;
	probe_start(s, &video, "low", "idle-video", LOW_WINDOW_RGB);
	struct zwp_idle_inhibit_manager_v1 *manager = bind_global(&video,
			"zwp_idle_inhibit_manager_v1", &zwp_idle_inhibit_manager_v1_interface, 1);
	struct zwp_idle_inhibitor_v1 *inhibitor =
			zwp_idle_inhibit_manager_v1_create_inhibitor(manager, video.w->surface);
	probe_sync(&video);
	/* A positive control: the compositor holds the inhibitor (else the
	 * lock coming on time would prove nothing). */
	char *held = session_ctl_ok(s, "idle-inhibitors");
	session_assert_msg(s, strstr(held, "ok count=1") != NULL,
			"the compositor does not hold the inhibitor: %s", held);
	free(held);
	session_assert_int_eq(s, focused_id(s), video.window_id);
	int width, height;
	uint32_t *shot = session_screenshot(s, &width, &height);
	long shown = census(s, shot, width, height, LOW_WINDOW_RGB, "the window");
	free(shot);
	session_assert_msg(s, shown > 10000, "the window is not visible (%ld pixels)", shown);

	free(session_ctl_ok(s, "key shift")); /* the last input */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long ms = 0;
	bool locked = false;
	while (!locked && ms < 15000) {
		wl_surface_damage(video.w->surface, 0, 0, 400, 300);
		wl_surface_commit(video.w->surface);
		probe_sync(&video);
		session_sleep_ms(100);
		locked = lock_state_has(s, "locked=1");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	}
	tap_diag("locked=%d %ld ms after the last input, the inhibitor held", locked, ms);
	session_assert_msg(s, locked && ms >= 9800 && ms < 12000,
			"with an idle inhibitor held, locked=%d after %ld ms of 10 s idle", locked,
			ms);
	shot = session_screenshot(s, &width, &height);
	long window = census(s, shot, width, height, LOW_WINDOW_RGB, "the window");
	long frame = census(s, shot, width, height, LOW_LEVEL_RGB, "the level colour");
	long lock = census(s, shot, width, height, LOCK_RGB, "the lock");
	free(shot);
	tap_diag("locked screen: %ld window, %ld level, %ld lock pixels", window, frame, lock);
	session_assert_msg(s, window == 0 && frame == 0 && lock > (long)width * height / 2,
			"the lock screen shows %ld pixels of the window, %ld of its level, %ld of "
			"the lock",
			window, frame, lock);
	struct probe *one[] = { &video };
	int got[1];
	type_a(s, one, 1, got);
	session_assert_msg(s, got[0] == 0, "locked, \"a\" reached the window %d times", got[0]);
	zwp_idle_inhibitor_v1_destroy(inhibitor);
	zwp_idle_inhibit_manager_v1_destroy(manager);
	probe_stop(&video);
	session_stop(s);
}

/* ---- server-side decorations: GTK 3 ------------------------------------------- */

/* Whether a pixel is of GTK 3 Adwaita's title bars (greys from #dad6d2 to
 * #ece9e7), never of the window's background (#f6f5f4), white or text. */
static bool
csd_grey(uint32_t rgb)
{
	int r = (int)(rgb >> 16) & 0xff, g = (int)(rgb >> 8) & 0xff, b = (int)rgb & 0xff;
	int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
	return lo >= 0xc8 && hi <= 0xf0 && hi - lo <= 12;
}

struct gtk_window_rows {
	/* Rows of Strata's title bar: above the content, mostly the level colour. */
	int strata_rows;
	/* Rows of a GTK title bar: the run of rows mostly of its grey that
	 * starts at the top of the content (a pixel row of highlight allowed). */
	int bar_rows;
	/* Adwaita's text of a focused window (#2e3436; backdrop text is
	 * #929595) in the content's top 60 rows: GTK has drawn it focused. */
	bool focused_text;
};

static bool
dark_text(uint32_t rgb)
{
	return ((rgb >> 16) & 0xff) <= 0x50 && ((rgb >> 8) & 0xff) <= 0x50 && (rgb & 0xff) <= 0x50;
}

static struct gtk_window_rows
count_title_bars(struct strata_session *s, const struct window_info *w)
{
	int width, height;
	uint32_t *shot = session_screenshot(s, &width, &height);
	struct gtk_window_rows rows = { 0 };
	/* Away from the corners, where a CSD window's rounding lets the black
	 * behind it through. */
	int dark = 0;
	for (int y = w->y + 4; y < w->y + 60 && y < height; y++) {
		for (int x = w->x + 16; x < w->x + w->width - 16 && x < width; x++) {
			dark += x >= 0 && y >= 0 &&
					dark_text(shot[(size_t)y * (size_t)width + (size_t)x]);
		}
	}
	rows.focused_text = dark >= 20;
	bool in_bar = false;
	for (int y = w->frame_y; y < w->y + w->height && y < height; y++) {
		int grey = 0, level = 0, n = 0;
		for (int x = w->x; x < w->x + w->width && x < width; x++) {
			if (x < 0 || y < 0) {
				continue;
			}
			uint32_t px = shot[(size_t)y * (size_t)width + (size_t)x];
			grey += csd_grey(px);
			level += px == LOW_LEVEL_RGB;
			n++;
		}
		if (y < w->y) {
			rows.strata_rows += n > 0 && level * 2 > n;
		} else if (n > 0 && grey * 2 > n && (in_bar || y <= w->y + 2)) {
			in_bar = true;
			rows.bar_rows++;
		} else if (in_bar || y > w->y + 2) {
			break;
		}
	}
	free(shot);
	return rows;
}

/* Clicks the window (the user focuses it), lets GTK draw it focused, and
 * counts its title bars. */
static struct gtk_window_rows
focused_window_rows(struct strata_session *s, const char *title, const char *shot_name)
{
	struct window_info w;
	session_assert_msg(s,
			session_wait_window(s,
					&(struct window_match){ .level = "low",
							.title_contains = title },
					&w, 20000),
			"gtk3-demo's window \"%s\" never mapped", title);
	int x, y;
	if (!session_window_visible_point(s, w.id, &x, &y)) {
		struct window_info *all = NULL;
		int count = session_windows(s, &all);
		for (int i = 0; i < count; i++) {
			tap_diag("window %u \"%s\" at %d,%d %dx%d", all[i].id, all[i].title,
					all[i].x, all[i].y, all[i].width, all[i].height);
		}
		free(all);
		session_fail(s, "no point of \"%s\" is visible", title);
	}
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert_int_eq(s, focused_id(s), w.id);
	/* GTK redraws as focused on the xdg activated state: until its text
	 * is dark, what is on screen is an older frame. */
	struct gtk_window_rows rows = { 0 };
	for (uint64_t end = session_now_ms() + 10000; !rows.focused_text;) {
		session_assert_msg(s, session_now_ms() < end,
				"\"%s\" was never drawn focused within 10 s", title);
		session_assert(s, session_find_window(s, &(struct window_match){ .id = w.id }, &w));
		rows = count_title_bars(s, &w);
	}
	const char *dir = getenv("STRATA_SHOT_DIR");
	if (dir && *dir) {
		free(session_ctl_ok(s, "screenshot %s/%s", dir, shot_name));
		tap_diag("saved %s/%s", dir, shot_name);
	}
	tap_diag("\"%s\" (%s) at %d,%d %dx%d: %d rows of Strata's title bar, %d rows of a GTK "
		 "title bar",
			w.title, w.app_id, w.x, w.y, w.width, w.height, rows.strata_rows,
			rows.bar_rows);
	return rows;
}

/* Runs a GTK 3 program alone on low; its one window's title bars once GTK
 * has drawn it focused. */
static struct gtk_window_rows
gtk_program_rows(struct strata_session *s, char *program, char *title, char *shot_name)
{
	session_require_program(program);
	char *argv[] = { "env", "NO_AT_BRIDGE=1", "GDK_BACKEND=wayland", program, NULL };
	pid_t pid = session_spawn_client(s, "low", argv);
	struct window_info w;
	if (!session_wait_window(s,
			    &(struct window_match){ .level = "low", .title_contains = title }, &w,
			    20000)) {
		session_dump_client_log(s, pid, 20);
		session_fail(s, "%s's window \"%s\" never mapped", program, title);
	}
	struct gtk_window_rows rows = focused_window_rows(s, title, shot_name);
	session_kill_client(s, pid);
	session_assert(s, session_wait_windows(s, 0, 5000));
	return rows;
}

/*
 * gtk3-demo-application's window is a plain GtkApplicationWindow: GTK 3
 * decides by the KDE server-decoration default mode whether to draw a title
 * bar of its own (GTK_CSD does not count on Wayland). Under Strata the user
 * sees one title bar, the level's, directly above the application's
 * content. gtk3-demo's window has a header bar, which GTK always draws: it
 * shows that the count sees a GTK title bar when there is one.
 */
static void
gtk3_draws_no_title_bar_under_stratas(void)
{
	struct strata_session *s = session_start(NULL);
	struct gtk_window_rows header =
			gtk_program_rows(s, "gtk3-demo", "Application Class", "gtk3-headerbar.png");
	session_assert_msg(s, header.bar_rows >= 20,
			"the count sees no GTK header bar on gtk3-demo's window (%d rows)",
			header.bar_rows);
	struct gtk_window_rows plain = gtk_program_rows(s, "gtk3-demo-application", "",
			"gtk3-server-decorated.png");
	session_assert_msg(s, plain.strata_rows >= 15,
			"Strata's title bar is not above the window (%d rows)", plain.strata_rows);
	session_assert_msg(s, plain.bar_rows == 0,
			"GTK drew a title bar of its own under Strata's (%d rows)", plain.bar_rows);
	session_stop(s);
}

TAP_TESTS(TAP_CASE(activation_with_another_levels_token_moves_no_focus),
		TAP_CASE(activation_works_only_within_the_focused_level),
		TAP_CASE(foreign_handles_stay_in_their_level),
		TAP_CASE(foreign_on_a_surface_whose_window_is_gone),
		TAP_CASE_TIMEOUT(idle_inhibitor_never_delays_the_lock, 60),
		TAP_CASE_TIMEOUT(gtk3_draws_no_title_bar_under_stratas, 90))
