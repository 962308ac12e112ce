// SPDX-License-Identifier: MIT
// A client that records every keyboard event it gets. See keylog.h.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>
#include "keylog.h"

#define KEYLOG_MAP_TIMEOUT_MS 15000
#define KEYLOG_SYNC_TIMEOUT_MS 5000

/* ---- the helper (a client of the compositor) ---------------------------- */

struct keylog_client {
	int fd; /* the log */
	struct raw_client *c;
	struct raw_window *window; /* NULL once closed */
	struct wl_keyboard *keyboard;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
};

static void
mod_names(struct keylog_client *k, uint32_t mask, char *out, size_t size)
{
	static const char *const aliases[][2] = {
		{ XKB_MOD_NAME_SHIFT, "shift" },
		{ XKB_MOD_NAME_CTRL, "ctrl" },
		{ XKB_MOD_NAME_ALT, "alt" },
		{ XKB_MOD_NAME_LOGO, "logo" },
		{ XKB_MOD_NAME_CAPS, "caps" },
		{ XKB_MOD_NAME_NUM, "num" },
	};
	size_t used = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < 32; i++) {
		if (!(mask & (1u << i))) {
			continue;
		}
		const char *name = k->keymap ? xkb_keymap_mod_get_name(k->keymap, i) : NULL;
		char unknown[16];
		if (!name) {
			snprintf(unknown, sizeof(unknown), "mod%u", i);
			name = unknown;
		}
		for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
			if (strcmp(name, aliases[a][0]) == 0) {
				name = aliases[a][1];
			}
		}
		if (used < size) {
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "+" : "",
					name);
		}
	}
	if (!out[0]) {
		snprintf(out, size, "-");
	}
}

static void
keyboard_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format, int32_t fd,
		uint32_t size)
{
	struct keylog_client *k = data;
	char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		dprintf(k->fd, "keymap unreadable\n");
		return;
	}
	xkb_keymap_unref(k->keymap);
	k->keymap = xkb_keymap_new_from_string(k->xkb, map, XKB_KEYMAP_FORMAT_TEXT_V1,
			XKB_KEYMAP_COMPILE_NO_FLAGS);
	munmap(map, size);
	dprintf(k->fd, k->keymap ? "keymap\n" : "keymap invalid\n");
}

static void
keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface, struct wl_array *keys)
{
	struct keylog_client *k = data;
	char list[512] = "";
	size_t used = 0;
	/* wl_array_for_each on an empty array forms NULL + 0: walk by hand. */
	const uint32_t *key = keys->data;
	for (size_t i = 0; keys->size && i < keys->size / sizeof(*key); i++) {
		if (used < sizeof(list)) {
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%u",
					used ? "," : "", key[i]);
		}
	}
	dprintf(k->fd, "enter keys=%s\n", list[0] ? list : "-");
}

static void
keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface)
{
	dprintf(((struct keylog_client *)data)->fd, "leave\n");
}

static void
keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t time, uint32_t key,
		uint32_t state)
{
	dprintf(((struct keylog_client *)data)->fd, "key %u %s\n", key,
			state == WL_KEYBOARD_KEY_STATE_PRESSED ? "pressed" : "released");
}

static void
keyboard_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t depressed,
		uint32_t latched, uint32_t locked, uint32_t group)
{
	struct keylog_client *k = data;
	char d[128], la[128], lo[128];
	mod_names(k, depressed, d, sizeof(d));
	mod_names(k, latched, la, sizeof(la));
	mod_names(k, locked, lo, sizeof(lo));
	dprintf(k->fd, "mods depressed=%s latched=%s locked=%s\n", d, la, lo);
}

static void
keyboard_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate, int32_t delay)
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

static void
seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct keylog_client *k = data;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !k->keyboard) {
		k->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(k->keyboard, &keyboard_listener, k);
	}
}

static void
seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

int
keylog_helper_main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[0], "keylog") != 0) {
		fprintf(stderr, "usage: --helper keylog OUT APP_ID\n");
		return 2;
	}
	/* SIGUSR1 asks for a sync: blocked before anything can send it. */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	int sig_fd = signalfd(-1, &usr1, SFD_CLOEXEC | SFD_NONBLOCK);
	struct keylog_client k = { .fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
						   0600) };
	k.xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	k.c = raw_client_connect(getenv("WAYLAND_DISPLAY"));
	const struct raw_global *g = k.c ? raw_client_find_global(k.c, "wl_seat") : NULL;
	if (sig_fd < 0 || k.fd < 0 || !k.xkb || !g) {
		fprintf(stderr, "keylog: no signalfd, output file, connection or seat\n");
		return 1;
	}
	struct wl_seat *seat = wl_registry_bind(k.c->registry, g->name, &wl_seat_interface, 5);
	wl_seat_add_listener(seat, &seat_listener, &k);
	k.window = raw_window_new(k.c, argv[2], argv[2]);
	if (!k.window || !raw_window_map(k.window, 400, 300, 0xff4080c0)) {
		fprintf(stderr, "keylog: cannot map a window\n");
		return 1;
	}
	dprintf(k.fd, "mapped\n");
	struct wl_display *d = k.c->display;
	for (;;) {
		while (wl_display_prepare_read(d) != 0) {
			if (wl_display_dispatch_pending(d) < 0) {
				goto lost;
			}
		}
		wl_display_flush(d);
		struct pollfd pfd[2] = {
			{ .fd = wl_display_get_fd(d), .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
		};
		if (poll(pfd, 2, -1) < 0) {
			wl_display_cancel_read(d);
			if (errno == EINTR) {
				continue;
			}
			goto lost;
		}
		if (pfd[0].revents) {
			if (wl_display_read_events(d) < 0) {
				goto lost;
			}
		} else {
			wl_display_cancel_read(d);
		}
		if (wl_display_dispatch_pending(d) < 0) {
			goto lost;
		}
		if (k.window && k.window->close_requested) {
			/* Close the window, keep the connection and the keyboard. */
			raw_window_destroy(k.window);
			k.window = NULL;
			wl_display_flush(d);
			dprintf(k.fd, "closed\n");
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo info;
			while (read(sig_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
			}
			if (wl_display_roundtrip(d) < 0) {
				goto lost;
			}
			dprintf(k.fd, "sync\n");
		}
	}
lost:
	fprintf(stderr, "keylog: connection lost (error %d)\n", raw_client_error(k.c));
	return 1;
}

/* ---- the test's side ------------------------------------------------------ */

static bool
log_has(struct strata_session *s, void *data)
{
	const char **args = data; /* path, needle */
	char *text = session_read_file(args[0], NULL);
	bool has = text && strstr(text, args[1]);
	free(text);
	return has;
}

void
keylog_start(struct strata_session *s, const char *level, const char *name, struct keylog *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s/keylog-%s", s->dir, name);
	snprintf(out->app_id, sizeof(out->app_id), "itest-keylog-%s", name);
	const char *args[] = { "keylog", out->path, out->app_id, NULL };
	out->pid = session_spawn_helper(s, level, args);
	struct window_match match = { .app_id = out->app_id };
	if (!session_wait_window(s, &match, &out->window, KEYLOG_MAP_TIMEOUT_MS)) {
		session_dump_client_log(s, out->pid, 20);
		session_fail(s, "the keylog helper %s did not map on %s", name, level);
	}
	session_assert_msg(s, strcmp(out->window.level, level) == 0,
			"keylog %s started on %s shows level %s", name, level, out->window.level);
	const char *wait[] = { out->path, "keymap\n" };
	if (!session_wait_for(log_has, s, wait, 5000)) {
		session_dump_client_log(s, out->pid, 20);
		session_fail(s, "keylog %s got no keymap", name);
	}
}

void
keylog_sync(struct strata_session *s, const struct keylog *k)
{
	char *before = session_read_file(k->path, NULL);
	int syncs = before ? keylog_count(before, "sync") : 0;
	free(before);
	session_assert_msg(s, session_client_running(s, k->pid), "keylog %s is gone", k->app_id);
	kill(k->pid, SIGUSR1);
	uint64_t deadline = session_now_ms() + KEYLOG_SYNC_TIMEOUT_MS;
	for (;;) {
		char *text = session_read_file(k->path, NULL);
		int now = text ? keylog_count(text, "sync") : 0;
		free(text);
		if (now > syncs) {
			return;
		}
		if (session_now_ms() >= deadline) {
			session_dump_client_log(s, k->pid, 10);
			session_fail(s, "keylog %s did not sync within %d ms", k->app_id,
					KEYLOG_SYNC_TIMEOUT_MS);
		}
		session_sleep_ms(10);
	}
}

size_t
keylog_mark(struct strata_session *s, const struct keylog *k)
{
	size_t len = 0;
	char *text = session_read_file(k->path, &len);
	session_assert_msg(s, text != NULL, "cannot read %s", k->path);
	free(text);
	return len;
}

char *
keylog_since(struct strata_session *s, const struct keylog *k, size_t mark)
{
	size_t len = 0;
	char *text = session_read_file(k->path, &len);
	session_assert_msg(s, text != NULL && len >= mark, "cannot read %s past %zu", k->path,
			mark);
	char *tail = strdup(text + mark);
	free(text);
	return tail;
}

int
keylog_count(const char *text, const char *prefix)
{
	int count = 0;
	size_t n = strlen(prefix);
	for (const char *line = text; line && *line;) {
		count += strncmp(line, prefix, n) == 0;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return count;
}

bool
keylog_find(const char *text, const char *after, const char *prefix, char *out, size_t size)
{
	bool started = after == NULL;
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (!started && strncmp(line, after, strlen(after)) == 0) {
			started = true;
		}
		if (started && strncmp(line, prefix, strlen(prefix)) == 0) {
			snprintf(out, size, "%.*s", (int)len, line);
			return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

bool
keylog_last(const char *text, const char *prefix, char *out, size_t size)
{
	bool found = false;
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			snprintf(out, size, "%.*s", (int)len, line);
			found = true;
		}
		line = end ? end + 1 : NULL;
	}
	return found;
}

void
keylog_dump(const char *title, const char *text)
{
	tap_diag("%s:", title);
	const char *line = text;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		tap_diag("  %.*s", (int)len, line);
		line = end ? end + 1 : NULL;
	}
}
