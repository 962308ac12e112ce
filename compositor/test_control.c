// SPDX-License-Identifier: MIT
/*
 * The test-control socket: a line protocol for tests and the demo (see
 * doc/test-control.md). Input it injects goes through the virtual devices of
 * a headless backend, so the reserved modifier and focus rules treat it as a
 * user's hands; pixels come from the frame the output really committed.
 */
#include <cairo.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <linux/input-event-codes.h>
#include <wlr/backend/headless.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/util/log.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
/* Under ASan, malloc is ASan's: glibc's mallinfo2 sees none of it. */
#include <sanitizer/allocator_interface.h>
#define STRATA_ASAN_HEAP 1
#endif
#endif
#include "audio.h"
#include "common/io.h"
#include "common/utf8.h"
#include "clipboard.h"
#include "idle_inhibit.h"
#include "lock.h"
#include "output.h"
#include "seat.h"
#include "session.h"
#include "test_control.h"
#include "transfer.h"
#include "view.h"
#include "xwayland.h"
#include "xray.h"

#define TC_LINE_MAX 4096

struct tc_conn {
	struct wl_list link; /* strata_test_control.conns */
	struct strata_test_control *control;
	int fd;
	struct wl_event_source *source;
	char in[TC_LINE_MAX * 2];
	size_t in_len;
	bool pending; /* waiting for a frame: later lines wait too */
	bool eof; /* the harness shut its side: answer what is queued, then close */
	int pixel_x, pixel_y;
	char path[TC_LINE_MAX];
	/* A frame captured for a screenshot, written once the frame is done
	 * (PNG encoding takes 50 to 500 ms: never inside a frame). */
	struct wlr_buffer *shot;
	struct wl_event_source *shot_idle;
};

struct strata_test_control {
	struct strata_server *server;
	int fd;
	char path[108];
	struct wl_event_source *source;
	struct wl_list conns; /* tc_conn.link */
};

static bool conn_process(struct tc_conn *conn);
static void conn_write(struct tc_conn *conn, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

static void
conn_write(struct tc_conn *conn, const char *fmt, ...)
{
	char buf[TC_LINE_MAX + 512];
	va_list args;
	va_start(args, fmt);
	int len = vsnprintf(buf, sizeof(buf) - 1, fmt, args);
	va_end(args);
	if (len < 0) {
		return;
	}
	if ((size_t)len > sizeof(buf) - 2) {
		len = (int)sizeof(buf) - 2;
	}
	buf[len++] = '\n';
	io_write_all(conn->fd, buf, (size_t)len);
}

/* Writes s as a quoted field, escaping quote and backslash. */
static void
quote(char *out, size_t size, const char *s)
{
	size_t j = 0;
	out[j++] = '"';
	for (size_t i = 0; s[i] && j + 3 < size; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			out[j++] = '\\';
		}
		out[j++] = s[i];
	}
	out[j++] = '"';
	out[j] = '\0';
}

static bool
find_key(struct xkb_keymap *keymap, xkb_keysym_t sym, uint32_t *evdev, bool *shift)
{
	xkb_keycode_t min = xkb_keymap_min_keycode(keymap);
	xkb_keycode_t max = xkb_keymap_max_keycode(keymap);
	for (xkb_level_index_t level = 0; level < 2; level++) {
		for (xkb_keycode_t kc = min; kc <= max; kc++) {
			const xkb_keysym_t *syms;
			int n = xkb_keymap_key_get_syms_by_level(keymap, kc, 0, level, &syms);
			for (int i = 0; i < n; i++) {
				if (syms[i] == sym && kc >= 8) {
					*evdev = kc - 8;
					*shift = level == 1;
					return true;
				}
			}
		}
	}
	return false;
}

static bool
modifier_key(const char *name, uint32_t *evdev)
{
	static const struct {
		const char *name;
		uint32_t code;
	} mods[] = {
		{ "ctrl", KEY_LEFTCTRL },
		{ "shift", KEY_LEFTSHIFT },
		{ "alt", KEY_LEFTALT },
		{ "logo", KEY_LEFTMETA },
	};
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		if (strcmp(name, mods[i].name) == 0) {
			*evdev = mods[i].code;
			return true;
		}
	}
	return false;
}

static struct xkb_keymap *
keymap_of(struct strata_server *server)
{
	return server->seat->virtual_keyboard ? seat_keymap(server->seat) : NULL;
}

static bool
resolve_key(struct strata_server *server, const char *name, uint32_t *evdev, bool *shift)
{
	*shift = false;
	if (modifier_key(name, evdev)) {
		return true;
	}
	struct xkb_keymap *keymap = keymap_of(server);
	if (!keymap) {
		return false;
	}
	xkb_keysym_t sym = xkb_keysym_from_name(name, XKB_KEYSYM_NO_FLAGS);
	if (sym == XKB_KEY_NoSymbol) {
		sym = xkb_keysym_from_name(name, XKB_KEYSYM_CASE_INSENSITIVE);
	}
	return sym != XKB_KEY_NoSymbol && find_key(keymap, sym, evdev, shift);
}

static bool
press_combo(struct strata_server *server, char *combo)
{
	uint32_t mods[4];
	size_t mod_count = 0;
	char *save = NULL;
	char *parts[6];
	size_t count = 0;
	for (char *tok = strtok_r(combo, "+", &save); tok && count < 6;
			tok = strtok_r(NULL, "+", &save)) {
		parts[count++] = tok;
	}
	if (count == 0) {
		return false;
	}
	for (size_t i = 0; i + 1 < count; i++) {
		if (mod_count == 4 || !modifier_key(parts[i], &mods[mod_count])) {
			return false;
		}
		mod_count++;
	}
	uint32_t key;
	bool shift;
	if (!resolve_key(server, parts[count - 1], &key, &shift)) {
		return false;
	}
	for (size_t i = 0; i < mod_count; i++) {
		seat_inject_key(server->seat, mods[i], true);
	}
	if (shift) {
		seat_inject_key(server->seat, KEY_LEFTSHIFT, true);
	}
	seat_inject_key(server->seat, key, true);
	seat_inject_key(server->seat, key, false);
	if (shift) {
		seat_inject_key(server->seat, KEY_LEFTSHIFT, false);
	}
	for (size_t i = mod_count; i-- > 0;) {
		seat_inject_key(server->seat, mods[i], false);
	}
	return true;
}

static bool
type_text(struct strata_server *server, const char *text)
{
	struct xkb_keymap *keymap = keymap_of(server);
	if (!keymap) {
		return false;
	}
	/* Resolve everything first: nothing is typed if a character has no key. */
	size_t len = strlen(text);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < len;) {
			uint32_t cp;
			size_t n = utf8_decode((const uint8_t *)text + i, len - i, &cp);
			if (n == 0) {
				return false;
			}
			i += n;
			xkb_keysym_t sym = cp == '\n' ? XKB_KEY_Return : xkb_utf32_to_keysym(cp);
			uint32_t key;
			bool shift;
			if (!find_key(keymap, sym, &key, &shift)) {
				return false;
			}
			if (pass == 1) {
				if (shift) {
					seat_inject_key(server->seat, KEY_LEFTSHIFT, true);
				}
				seat_inject_key(server->seat, key, true);
				seat_inject_key(server->seat, key, false);
				if (shift) {
					seat_inject_key(server->seat, KEY_LEFTSHIFT, false);
				}
			}
		}
	}
	return true;
}

static bool
parse_button(const char *name, uint32_t *button)
{
	if (strcmp(name, "left") == 0) {
		*button = BTN_LEFT;
	} else if (strcmp(name, "right") == 0) {
		*button = BTN_RIGHT;
	} else if (strcmp(name, "middle") == 0) {
		*button = BTN_MIDDLE;
	} else {
		return false;
	}
	return true;
}

/* The slowest frames since the last reset, slowest first, and what they
 * drew (server.h, struct frame_stat). */
static void
reply_worst_frames(struct tc_conn *conn, struct strata_server *server)
{
	for (size_t i = 0; i < STRATA_WORST_FRAMES; i++) {
		const struct frame_stat *f = &server->stat_worst[i];
		if (f->total_ns == 0) {
			break;
		}
		conn_write(conn,
				"worst rank=%zu total_us=%llu cpu_us=%llu flush_us=%llu prepare_us=%llu "
				"draw_us=%llu commit_us=%llu capture_us=%llu damage_px=%llu ops=%u "
				"views=%u title_bars=%u at_ms=%llu",
				i + 1, (unsigned long long)(f->total_ns / 1000),
				(unsigned long long)(f->cpu_ns / 1000),
				(unsigned long long)(f->flush_ns / 1000),
				(unsigned long long)(f->prepare_ns / 1000),
				(unsigned long long)(f->draw_ns / 1000),
				(unsigned long long)(f->commit_ns / 1000),
				(unsigned long long)(f->capture_ns / 1000),
				(unsigned long long)f->damage_px, f->ops, f->views, f->title_bars,
				(unsigned long long)f->at_ms);
	}
}

static void
reply_windows(struct tc_conn *conn)
{
	struct strata_server *server = conn->control->server;
	struct strata_view *view;
	wl_list_for_each(view, &server->views, link) {
		if (!view->mapped) {
			continue;
		}
		struct wlr_box frame;
		view_get_frame_box(view, &frame);
		char app_id[2 * STRATA_TITLE_MAX + 3], title[2 * STRATA_TITLE_MAX + 3];
		quote(app_id, sizeof(app_id), view->app_id);
		quote(title, sizeof(title), view->title);
		conn_write(conn,
				"window id=%u level=%s focused=%d fullscreen=%d x=%d y=%d width=%d height=%d "
				"frame=%d,%d,%d,%d kind=%s app_id=%s title=%s",
				view->id, levels_name(server, view->level),
				seat_focused_view(server->seat) == view, view->fullscreen, view->x,
				view->y, view->width, view->height, frame.x, frame.y, frame.width,
				frame.height,
				view->unmanaged                ? "x11-unmanaged" :
						view->xsurface ? "x11" :
								 "xdg",
				app_id, title);
	}
	conn_write(conn, "ok");
}

static bool
read_buffer_pixel(struct wlr_buffer *buffer, int x, int y, uint32_t *rgb)
{
	void *data;
	uint32_t format;
	size_t stride;
	if (!wlr_buffer_begin_data_ptr_access(buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data,
			    &format, &stride)) {
		return false;
	}
	bool ok = false;
	if ((format == DRM_FORMAT_XRGB8888 || format == DRM_FORMAT_ARGB8888) && x >= 0 && y >= 0 &&
			x < buffer->width && y < buffer->height) {
		const uint32_t *row = (const uint32_t *)((const char *)data + (size_t)y * stride);
		*rgb = row[x] & 0xffffff;
		ok = true;
	}
	wlr_buffer_end_data_ptr_access(buffer);
	return ok;
}

static bool
write_png(struct wlr_buffer *buffer, const char *path)
{
	void *data;
	uint32_t format;
	size_t stride;
	if (!wlr_buffer_begin_data_ptr_access(buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data,
			    &format, &stride)) {
		return false;
	}
	bool ok = false;
	if (format == DRM_FORMAT_XRGB8888 || format == DRM_FORMAT_ARGB8888) {
		/* XRGB8888 has cairo RGB24's memory layout. */
		cairo_surface_t *surface = cairo_image_surface_create_for_data(data,
				CAIRO_FORMAT_RGB24, buffer->width, buffer->height, (int)stride);
		ok = cairo_surface_write_to_png(surface, path) == CAIRO_STATUS_SUCCESS;
		cairo_surface_destroy(surface);
	}
	wlr_buffer_end_data_ptr_access(buffer);
	return ok;
}

static void
capture_pixel_done(void *data, struct wlr_output *wlr_output, struct wlr_buffer *buffer)
{
	struct tc_conn *conn = data;
	struct strata_output *output = wlr_output->data;
	uint32_t rgb;
	struct wlr_box box = { 0 };
	if (output) {
		output_get_box(output, &box);
	}
	if (buffer &&
			read_buffer_pixel(buffer, conn->pixel_x - box.x, conn->pixel_y - box.y,
					&rgb)) {
		conn_write(conn, "ok %06x", rgb);
	} else {
		conn_write(conn, "error cannot read that pixel");
	}
	conn->pending = false;
	conn_process(conn);
}

static void
write_shot(void *data)
{
	struct tc_conn *conn = data;
	conn->shot_idle = NULL;
	if (write_png(conn->shot, conn->path)) {
		conn_write(conn, "ok");
	} else {
		conn_write(conn, "error cannot write %s", conn->path);
	}
	wlr_buffer_unlock(conn->shot);
	conn->shot = NULL;
	conn->pending = false;
	conn_process(conn);
}

/* The frame is kept (locked: the output draws its next ones elsewhere) and
 * written out after this frame is done. */
static void
capture_screenshot_done(void *data, struct wlr_output *wlr_output, struct wlr_buffer *buffer)
{
	struct tc_conn *conn = data;
	struct wl_event_loop *loop = wl_display_get_event_loop(conn->control->server->display);
	if (buffer && !conn->shot &&
			(conn->shot_idle = wl_event_loop_add_idle(loop, write_shot, conn))) {
		conn->shot = wlr_buffer_lock(buffer);
		return;
	}
	conn_write(conn, "error cannot capture for %s", conn->path);
	conn->pending = false;
	conn_process(conn);
}

static struct strata_output *
find_output(struct strata_server *server, const char *name)
{
	struct strata_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		if (strcmp(output->wlr_output->name, name) == 0) {
			return output;
		}
	}
	return NULL;
}

static void
handle_request(struct tc_conn *conn, char *line)
{
	struct strata_server *server = conn->control->server;
	char *rest = strchr(line, ' ');
	if (rest) {
		*rest++ = '\0';
	} else {
		rest = line + strlen(line);
	}
	const char *cmd = line;

	if (strcmp(cmd, "ping") == 0) {
		conn_write(conn, "ok pong");
	} else if (strcmp(cmd, "windows") == 0) {
		reply_windows(conn);
	} else if (strcmp(cmd, "focused") == 0) {
		struct strata_view *view = seat_focused_view(server->seat);
		if (view) {
			conn_write(conn, "ok id=%u level=%s", view->id,
					levels_name(server, view->level));
		} else {
			conn_write(conn, "ok none");
		}
	} else if (strcmp(cmd, "outputs") == 0) {
		struct strata_output *output;
		wl_list_for_each(output, &server->outputs, link) {
			struct wlr_box box;
			output_get_box(output, &box);
			conn_write(conn, "output name=%s x=%d y=%d width=%d height=%d",
					output->wlr_output->name, box.x, box.y, box.width,
					box.height);
		}
		conn_write(conn, "ok");
	} else if (strcmp(cmd, "clients") == 0) {
		struct strata_client *client;
		wl_list_for_each_reverse(client, &server->clients, link) {
			pid_t pid = 0;
			wl_client_get_credentials(client->client, &pid, NULL, NULL);
			conn_write(conn, "client id=%u level=%s pid=%d", client->id,
					levels_name(server, client->level), (int)pid);
		}
		conn_write(conn, "ok");
	} else if (strcmp(cmd, "selections") == 0) {
		for (size_t i = 0; i < server->config.level_count; i++) {
			struct wlr_data_source *source = clipboard_level_source(server, (int)i);
			bool primary = false;
			size_t primary_types =
					clipboard_level_primary_types(server, (int)i, &primary);
			conn_write(conn,
					"selection level=%s set=%d types=%zu primary=%d primary_types=%zu",
					server->config.levels[i].name, source != NULL,
					source ? source->mime_types.size / sizeof(char *) : 0,
					primary, primary_types);
		}
		conn_write(conn, "ok");
	} else if (strcmp(cmd, "dialog") == 0) {
		char text[2048];
		transfer_describe(server->transfer, text, sizeof(text));
		conn_write(conn, "ok %s", text);
	} else if (strcmp(cmd, "levels") == 0) {
		for (size_t i = 0; i < server->config.level_count; i++) {
			conn_write(conn, "level name=%s up=%d cage_socket=%s",
					server->config.levels[i].name,
					session_level_up(server->session, (int)i),
					server->session ? session_cage_socket(server->session,
									  (int)i) :
							  "none");
		}
		conn_write(conn, "ok");
	} else if (strcmp(cmd, "xwayland") == 0) {
		/* Each level's X server: its display number on strata's side
		 * (none: -1), whether an Xwayland is connected, and how often
		 * it was made anew. */
		for (size_t i = 0; i < server->config.level_count; i++) {
			struct xwayland_state state;
			xwayland_describe(server->xwayland, (int)i, &state);
			conn_write(conn, "xwayland level=%s display=%d running=%d restarts=%u",
					server->config.levels[i].name, state.display, state.running,
					state.restarts);
		}
		conn_write(conn, "ok");
	} else if (strcmp(cmd, "heap") == 0) {
		/* What malloc holds for the compositor now: a leak grows it,
		 * where RSS also keeps the heap's high-water mark (bench/soak.sh). */
#ifdef STRATA_ASAN_HEAP
		conn_write(conn, "ok in_use=%zu mapped=0 free=0",
				__sanitizer_get_current_allocated_bytes());
#else
		struct mallinfo2 info = mallinfo2();
		conn_write(conn, "ok in_use=%zu mapped=%zu free=%zu", info.uordblks + info.hblkhd,
				info.hblkhd, info.fordblks);
#endif
	} else if (strcmp(cmd, "audio") == 0) {
		char text[256];
		audio_describe(server, text, sizeof(text));
		conn_write(conn, "ok %s", text);
	} else if (strcmp(cmd, "banner") == 0) {
		struct strata_view *view = seat_focused_view(server->seat);
		char text[2 * STRATA_BANNER_TEXT_MAX + 3];
		if (view && view->level >= 0) {
			const struct strata_level *level = &server->config.levels[view->level];
			quote(text, sizeof(text), level->banner);
			conn_write(conn, "ok level=%s text=%s", level->name, text);
		} else {
			conn_write(conn, "ok level=none text=\"No window has focus\"");
		}
	} else if (strcmp(cmd, "key") == 0) {
		char *save = NULL;
		bool ok = *rest != '\0';
		for (char *combo = strtok_r(rest, " ", &save); combo && ok;
				combo = strtok_r(NULL, " ", &save)) {
			ok = press_combo(server, combo);
		}
		conn_write(conn, ok ? "ok" : "error unknown key or combo");
	} else if (strcmp(cmd, "keydown") == 0 || strcmp(cmd, "keyup") == 0) {
		uint32_t key;
		bool shift;
		if (resolve_key(server, rest, &key, &shift)) {
			seat_inject_key(server->seat, key, strcmp(cmd, "keydown") == 0);
			conn_write(conn, "ok");
		} else {
			conn_write(conn, "error unknown key \"%s\"", rest);
		}
	} else if (strcmp(cmd, "type") == 0) {
		conn_write(conn, type_text(server, rest) ? "ok" : "error a character has no key");
	} else if (strcmp(cmd, "motion") == 0 || strcmp(cmd, "click") == 0) {
		double x, y;
		char button_name[16] = "left";
		int n = sscanf(rest, "%lf %lf %15s", &x, &y, button_name);
		uint32_t button;
		if (n < 2 || !parse_button(button_name, &button)) {
			conn_write(conn, "error usage: %s X Y%s", cmd,
					strcmp(cmd, "click") == 0 ? " [left|right|middle]" : "");
			return;
		}
		bool ok = seat_inject_motion(server->seat, x, y);
		if (ok && strcmp(cmd, "click") == 0) {
			ok = seat_inject_button(server->seat, button, true) &&
					seat_inject_button(server->seat, button, false);
		}
		conn_write(conn, ok ? "ok" : "error no virtual pointer");
	} else if (strcmp(cmd, "touch") == 0) {
		char what[16];
		int id;
		double x = 0, y = 0;
		int n = sscanf(rest, "%15s %d %lf %lf", what, &id, &x, &y);
		static const char *const kinds[] = { "down", "motion", "up", "cancel" };
		int kind = -1;
		for (int i = 0; n >= 2 && i < 4; i++) {
			kind = strcmp(what, kinds[i]) == 0 ? i : kind;
		}
		if (kind < 0 || (kind <= SEAT_TOUCH_MOTION && n != 4)) {
			conn_write(conn,
					"error usage: touch down|motion ID X Y, touch up|cancel ID");
			return;
		}
		bool ok = seat_inject_touch(server->seat, (enum seat_touch_kind)kind, id, x, y);
		conn_write(conn, ok ? "ok" : "error no virtual touchscreen");
	} else if (strcmp(cmd, "button") == 0) {
		char name[16], state[16];
		uint32_t button;
		if (sscanf(rest, "%15s %15s", name, state) != 2 || !parse_button(name, &button) ||
				(strcmp(state, "press") != 0 && strcmp(state, "release") != 0)) {
			conn_write(conn, "error usage: button left|right|middle press|release");
			return;
		}
		bool ok = seat_inject_button(server->seat, button, strcmp(state, "press") == 0);
		conn_write(conn, ok ? "ok" : "error no virtual pointer");
	} else if (strcmp(cmd, "pixel") == 0) {
		int x, y;
		struct strata_output *output;
		if (sscanf(rest, "%d %d", &x, &y) != 2 || !(output = output_at(server, x, y))) {
			conn_write(conn, "error usage: pixel X Y, inside an output");
			return;
		}
		conn->pixel_x = x;
		conn->pixel_y = y;
		conn->pending = output_request_capture(output, capture_pixel_done, conn, true);
		if (!conn->pending) {
			conn_write(conn, "error out of memory");
		}
	} else if (strcmp(cmd, "screenshot") == 0 || strcmp(cmd, "screenshot-current") == 0) {
		/* screenshot-current: the next frame drawn as damage tracking has
		 * it, no redraw forced, so what it would leave stale shows. */
		bool whole = strcmp(cmd, "screenshot") == 0;
		struct strata_output *output = output_at(server, 0, 0);
		if (!*rest || !output) {
			conn_write(conn, "error usage: %s PATH", cmd);
			return;
		}
		if (!whole && !server->keep_frames) {
			/* When nothing changed, the answer is the frame on screen:
			 * without keep-frames, no frame is kept. */
			conn_write(conn, "error screenshot-current needs keep-frames first");
			return;
		}
		snprintf(conn->path, sizeof(conn->path), "%s", rest);
		conn->pending = output_request_capture(output, capture_screenshot_done, conn,
				whole);
		if (!conn->pending) {
			conn_write(conn, "error out of memory");
		}
	} else if (strcmp(cmd, "idle-inhibitors") == 0) {
		conn_write(conn, "ok count=%zu", idle_inhibit_count(server));
	} else if (strcmp(cmd, "keep-frames") == 0) {
		/* Off by default: a benchmark's strata, which takes no
		 * screenshot, pays nothing for it (a second output buffer). */
		output_keep_frames(server);
		conn_write(conn, "ok");
	} else if (strcmp(cmd, "stats") == 0) {
		if (strcmp(rest, "reset") == 0) {
			server->stat_frames = 0;
			server->stat_render_ns_total = 0;
			server->stat_render_ns_max = 0;
			memset(server->stat_worst, 0, sizeof(server->stat_worst));
			conn_write(conn, "ok");
			return;
		}
		reply_worst_frames(conn, server);
		uint64_t frames = server->stat_frames;
		conn_write(conn, "ok frames=%llu render_avg_us=%llu render_max_us=%llu",
				(unsigned long long)frames,
				(unsigned long long)(frames ? server->stat_render_ns_total /
										frames / 1000 :
							      0),
				(unsigned long long)(server->stat_render_ns_max / 1000));
	} else if (strcmp(cmd, "lock") == 0) {
		char text[512];
		lock_describe(server->lock, text, sizeof(text));
		conn_write(conn, "ok %s", text);
	} else if (strcmp(cmd, "xray") == 0) {
		char text[1024];
		xray_describe(server->xray, text, sizeof(text));
		conn_write(conn, "ok %s", text);
	} else if (strcmp(cmd, "output-add") == 0) {
		/* A monitor plugged in (headless backend only). With PATH, the
		 * reply waits for its very first frame and writes it there. */
		int width, height, used = 0;
		if (sscanf(rest, "%dx%d %n", &width, &height, &used) < 2 || width < 64 ||
				height < 64 || width > 8192 || height > 8192 ||
				!wlr_backend_is_headless(server->backend)) {
			conn_write(conn,
					"error usage: output-add WxH [PATH] (64 to 8192, headless "
					"only)");
			return;
		}
		struct wlr_output *added = wlr_headless_add_output(server->backend, (unsigned)width,
				(unsigned)height);
		if (!added || !added->data) {
			conn_write(conn, "error the output could not be added");
			return;
		}
		conn_write(conn, "output name=%s", added->name);
		if (used <= 0 || !rest[used]) {
			conn_write(conn, "ok");
			return;
		}
		snprintf(conn->path, sizeof(conn->path), "%s", rest + used);
		/* Its first frame is whole anyway; said, so that it never
		 * depends on a kept frame (keep-frames). */
		conn->pending = output_request_capture(added->data, capture_screenshot_done, conn,
				true);
		if (!conn->pending) {
			conn_write(conn, "error out of memory");
		}
	} else if (strcmp(cmd, "output-remove") == 0) {
		struct strata_output *output = find_output(server, rest);
		if (!output) {
			conn_write(conn, "error no output \"%s\"", rest);
			return;
		}
		/* An unplugged monitor. */
		wlr_output_destroy(output->wlr_output);
		conn_write(conn, "ok");
	} else if (strcmp(cmd, "output-screenshot") == 0) {
		char name[64];
		int used = 0;
		struct strata_output *output = NULL;
		if (sscanf(rest, "%63s %n", name, &used) == 1 && used > 0) {
			output = find_output(server, name);
		}
		if (!output || !rest[used]) {
			conn_write(conn, "error usage: output-screenshot NAME PATH");
			return;
		}
		snprintf(conn->path, sizeof(conn->path), "%s", rest + used);
		conn->pending = output_request_capture(output, capture_screenshot_done, conn, true);
		if (!conn->pending) {
			conn_write(conn, "error out of memory");
		}
	} else if (strcmp(cmd, "quit") == 0) {
		conn_write(conn, "ok");
		wl_display_terminate(server->display);
	} else {
		conn_write(conn, "error unknown request \"%s\"", cmd);
	}
}

static void
conn_destroy(struct tc_conn *conn)
{
	output_cancel_captures(conn->control->server, conn);
	if (conn->shot_idle) {
		wl_event_source_remove(conn->shot_idle);
	}
	wlr_buffer_unlock(conn->shot);
	wl_event_source_remove(conn->source);
	close(conn->fd);
	wl_list_remove(&conn->link);
	free(conn);
}

/* Returns false when the connection is gone. */
static bool
conn_process(struct tc_conn *conn)
{
	while (!conn->pending) {
		char *nl = memchr(conn->in, '\n', conn->in_len);
		if (!nl) {
			if (conn->eof) {
				conn_destroy(conn);
				return false;
			}
			return true;
		}
		*nl = '\0';
		size_t used = (size_t)(nl - conn->in) + 1;
		char line[TC_LINE_MAX * 2];
		memcpy(line, conn->in, used);
		memmove(conn->in, conn->in + used, conn->in_len - used);
		conn->in_len -= used;
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\r') {
			line[len - 1] = '\0';
		}
		if (line[0]) {
			handle_request(conn, line);
		}
	}
	return true;
}

static int
handle_conn_readable(int fd, uint32_t mask, void *data)
{
	struct tc_conn *conn = data;
	if ((mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) && !(mask & WL_EVENT_READABLE)) {
		conn_destroy(conn);
		return 0;
	}
	if (conn->in_len == sizeof(conn->in)) {
		/* A line longer than allowed: this is not a well-behaved harness. */
		conn_write(conn, "error line too long");
		conn_destroy(conn);
		return 0;
	}
	ssize_t n = read(fd, conn->in + conn->in_len, sizeof(conn->in) - conn->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (n <= 0) {
		/* Half-closed: finish the requests already read, then close. */
		conn->eof = true;
		wl_event_source_fd_update(conn->source, 0);
		conn_process(conn);
		return 0;
	}
	conn->in_len += (size_t)n;
	conn_process(conn);
	return 0;
}

static int
handle_listen_readable(int fd, uint32_t mask, void *data)
{
	struct strata_test_control *control = data;
	int conn_fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn_fd < 0) {
		return 0;
	}
	struct tc_conn *conn = calloc(1, sizeof(*conn));
	if (!conn) {
		close(conn_fd);
		return 0;
	}
	conn->control = control;
	conn->fd = conn_fd;
	conn->source = wl_event_loop_add_fd(control->server->event_loop, conn_fd, WL_EVENT_READABLE,
			handle_conn_readable, conn);
	if (!conn->source) {
		close(conn_fd);
		free(conn);
		return 0;
	}
	wl_list_insert(&control->conns, &conn->link);
	return 0;
}

struct strata_test_control *
test_control_create(struct strata_server *server, const char *path)
{
	struct strata_test_control *control = calloc(1, sizeof(*control));
	if (!control) {
		return NULL;
	}
	control->server = server;
	wl_list_init(&control->conns);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path) >=
			(int)sizeof(addr.sun_path)) {
		free(control);
		return NULL;
	}
	snprintf(control->path, sizeof(control->path), "%s", path);
	control->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* Born 0600 whatever the umask: root only from the first instant. */
	mode_t umask_before = umask(0177);
	int bound = control->fd >= 0 ? bind(control->fd, (struct sockaddr *)&addr, sizeof(addr)) :
				       -1;
	umask(umask_before);
	if (bound < 0 || listen(control->fd, 8) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot listen on %s", path);
		if (control->fd >= 0) {
			close(control->fd);
		}
		free(control);
		return NULL;
	}
	control->source = wl_event_loop_add_fd(server->event_loop, control->fd, WL_EVENT_READABLE,
			handle_listen_readable, control);
	if (!control->source) {
		close(control->fd);
		unlink(path);
		free(control);
		return NULL;
	}
	return control;
}

void
test_control_destroy(struct strata_test_control *control)
{
	if (!control) {
		return;
	}
	struct tc_conn *conn, *tmp;
	wl_list_for_each_safe(conn, tmp, &control->conns, link) {
		conn_destroy(conn);
	}
	wl_event_source_remove(control->source);
	close(control->fd);
	unlink(control->path);
	free(control);
}
