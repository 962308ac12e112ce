// SPDX-License-Identifier: MIT
// Misbehaving clients on one level (M13, M16-style): one that dies mid-frame,
// one that stops in the middle of a request or announces an oversized one,
// ones that raise protocol errors, one that sets a selection of no type, ones
// that use their toplevel after destroying its wl_surface. Each time the compositor
// and a weston-simple-shm on the other level must carry on, and the compositor's fd count must come
// back to what it was.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wayland-client.h>
#include "server-decoration-client-protocol.h"
#include "strata_test.h"
#include "xdg-foreign-unstable-v2-client-protocol.h"
#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define MAP_TIMEOUT_MS 15000
#define EXIT_SAW_ERROR 0
#define EXIT_NO_ERROR 3

/* ---- helpers: the misbehaving clients ----------------------------------- */

static struct raw_window *
mapped_window(struct raw_client **out)
{
	struct raw_client *c = raw_client_connect(getenv("WAYLAND_DISPLAY"));
	struct raw_window *w = c ? raw_window_create(c, 200, 150, "itest-bad", "bad") : NULL;
	if (!w) {
		fprintf(stderr, "cannot map a window\n");
		exit(1);
	}
	*out = c;
	return w;
}

static void
write_raw(struct raw_client *c, const void *bytes, size_t len)
{
	wl_display_flush(c->display);
	if (write(wl_display_get_fd(c->display), bytes, len) != (ssize_t)len) {
		fprintf(stderr, "short raw write\n");
	}
}

/* After a protocol error: report it, clean up (LeakSanitizer runs at exit),
 * and return EXIT_SAW_ERROR. */
static int
expect_error(struct raw_client *c, struct raw_window *w, void *extra_proxy)
{
	raw_client_roundtrip(c, 5000);
	int error = raw_client_error(c);
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = error == EPROTO ? wl_display_get_protocol_error(c->display, &iface, &id) :
					  0;
	fprintf(stderr, "connection error %d, protocol error %u on %s@%u\n", error, code,
			iface ? iface->name : "?", id);
	if (extra_proxy) {
		wl_proxy_destroy(extra_proxy);
	}
	raw_window_destroy(w);
	raw_client_destroy(c);
	return error ? EXIT_SAW_ERROR : EXIT_NO_ERROR;
}

/* ---- a client of the test process: its keyboard's enter serial ---------- */
static void
keyboard_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format, int32_t fd,
		uint32_t size)
{
	close(fd);
}

static void
keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface, struct wl_array *keys)
{
	*(uint32_t *)data = serial;
}

static void
keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
		struct wl_surface *surface)
{
}

static void
keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t time, uint32_t key,
		uint32_t state)
{
}

static void
keyboard_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t depressed,
		uint32_t latched, uint32_t locked, uint32_t group)
{
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
foreign_handle(void *data, struct zxdg_exported_v2 *exported, const char *handle)
{
	snprintf(data, 128, "%s", handle);
}

static int
helper_main(int argc, char **argv)
{
	if (argc != 1) {
		return 2;
	}
	const char *role = argv[0];
	struct raw_client *c;
	struct raw_window *w = mapped_window(&c);
	if (strcmp(role, "die-mid-frame") == 0) {
		/* A new frame attached and committed, then gone without a goodbye. */
		struct wl_buffer *next = raw_client_shm_buffer(c, 200, 150, 0xffc04080);
		wl_surface_frame(w->surface);
		wl_surface_attach(w->surface, next, 0, 0);
		wl_surface_damage(w->surface, 0, 0, 200, 150);
		wl_surface_commit(w->surface);
		wl_display_flush(c->display);
		_exit(0);
	}
	if (strcmp(role, "half-request") == 0) {
		/* A wl_surface.damage header announcing 24 bytes, then only 12. */
		uint32_t msg[3] = { wl_proxy_get_id((struct wl_proxy *)w->surface), (24u << 16) | 2,
			0 };
		write_raw(c, msg, sizeof(msg));
		_exit(0);
	}
	if (strcmp(role, "bad-global") == 0) {
		void *bogus = wl_registry_bind(c->registry, 0xdeadbeef, &wl_compositor_interface,
				1);
		return expect_error(c, w, bogus);
	}
	if (strcmp(role, "bad-scale") == 0) {
		wl_surface_set_buffer_scale(w->surface, 0);
		wl_surface_commit(w->surface);
		return expect_error(c, w, NULL);
	}
	if (strcmp(role, "bad-opcode") == 0) {
		/* wl_display (object 1) has two requests; ask for number 77. */
		uint32_t msg[2] = { 1, (8u << 16) | 77 };
		write_raw(c, msg, sizeof(msg));
		return expect_error(c, w, NULL);
	}
	if (strcmp(role, "bad-object") == 0) {
		/* A request to an object that was never created. */
		uint32_t msg[2] = { 4242, (8u << 16) | 0 };
		write_raw(c, msg, sizeof(msg));
		return expect_error(c, w, NULL);
	}
	if (strcmp(role, "toplevel-after-surface") == 0) {
		/* Its wl_surface destroyed first (wlroots leaves the toplevel
		 * inert), then every kind of toplevel request; the objects
		 * left are ignored, not an error. */
		wl_surface_destroy(w->surface);
		w->surface = NULL;
		xdg_toplevel_set_app_id(w->toplevel, "inert");
		xdg_toplevel_set_title(w->toplevel, "inert");
		xdg_toplevel_set_min_size(w->toplevel, 10, 10);
		xdg_toplevel_set_max_size(w->toplevel, 100, 100);
		xdg_toplevel_set_maximized(w->toplevel);
		xdg_toplevel_unset_maximized(w->toplevel);
		xdg_toplevel_set_fullscreen(w->toplevel, NULL);
		xdg_toplevel_unset_fullscreen(w->toplevel);
		xdg_toplevel_set_minimized(w->toplevel);
		xdg_toplevel_set_parent(w->toplevel, NULL);
		bool ok = raw_client_roundtrip(c, 5000) && raw_client_error(c) == 0;
		raw_window_destroy(w);
		ok = ok && raw_client_roundtrip(c, 5000);
		raw_client_destroy(c);
		return ok ? 0 : 1;
	}
	if (strcmp(role, "decoration-for-inert") == 0) {
		/* A decoration for a toplevel made inert as above: refused. */
		const struct raw_global *g =
				raw_client_find_global(c, "zxdg_decoration_manager_v1");
		if (!g) {
			fprintf(stderr, "no zxdg_decoration_manager_v1\n");
			return 2;
		}
		struct zxdg_decoration_manager_v1 *manager = wl_registry_bind(c->registry, g->name,
				&zxdg_decoration_manager_v1_interface, 1);
		wl_surface_destroy(w->surface);
		w->surface = NULL;
		struct zxdg_toplevel_decoration_v1 *decoration =
				zxdg_decoration_manager_v1_get_toplevel_decoration(manager,
						w->toplevel);
		zxdg_toplevel_decoration_v1_destroy(decoration);
		return expect_error(c, w, manager);
	}
	if (strcmp(role, "kde-decoration-after-surface") == 0) {
		/* A KDE server decoration whose wl_surface is then destroyed
		 * (wlroots leaves it inert), asked for both modes and
		 * released: ignored, not an error. */
		const struct raw_global *g =
				raw_client_find_global(c, "org_kde_kwin_server_decoration_manager");
		if (!g) {
			fprintf(stderr, "no org_kde_kwin_server_decoration_manager\n");
			return 2;
		}
		struct org_kde_kwin_server_decoration_manager *manager =
				wl_registry_bind(c->registry, g->name,
						&org_kde_kwin_server_decoration_manager_interface,
						1);
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct org_kde_kwin_server_decoration *decoration =
				org_kde_kwin_server_decoration_manager_create(manager, surface);
		bool ok = raw_client_roundtrip(c, 5000);
		wl_surface_destroy(surface);
		org_kde_kwin_server_decoration_request_mode(decoration,
				ORG_KDE_KWIN_SERVER_DECORATION_MODE_CLIENT);
		org_kde_kwin_server_decoration_request_mode(decoration,
				ORG_KDE_KWIN_SERVER_DECORATION_MODE_SERVER);
		org_kde_kwin_server_decoration_release(decoration);
		ok = ok && raw_client_roundtrip(c, 5000) && raw_client_error(c) == 0;
		wl_proxy_destroy((struct wl_proxy *)manager);
		raw_window_destroy(w);
		ok = ok && raw_client_roundtrip(c, 5000);
		raw_client_destroy(c);
		return ok ? 0 : 1;
	}
	if (strcmp(role, "popup-grabbed-twice") == 0) {
		/* A popup asking for a grab twice before its first commit:
		 * the second is xdg_popup's invalid_grab error. */
		const struct raw_global *g = raw_client_find_global(c, "wl_seat");
		if (!g) {
			fprintf(stderr, "no wl_seat\n");
			return 2;
		}
		struct wl_seat *seat =
				wl_registry_bind(c->registry, g->name, &wl_seat_interface, 1);
		struct xdg_positioner *positioner = xdg_wm_base_create_positioner(c->wm_base);
		xdg_positioner_set_size(positioner, 40, 30);
		xdg_positioner_set_anchor_rect(positioner, 0, 0, 1, 1);
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
		struct xdg_popup *popup =
				xdg_surface_get_popup(xdg_surface, w->xdg_surface, positioner);
		xdg_positioner_destroy(positioner);
		xdg_popup_grab(popup, seat, 0);
		xdg_popup_grab(popup, seat, 0);
		wl_surface_commit(surface);
		/* Sent as they are (marshalled already); the proxies go here. */
		wl_proxy_destroy((struct wl_proxy *)popup);
		wl_proxy_destroy((struct wl_proxy *)xdg_surface);
		wl_proxy_destroy((struct wl_proxy *)surface);
		return expect_error(c, w, seat);
	}
	if (strcmp(role, "popup-parent-itself") == 0 ||
			strcmp(role, "popup-parent-without-role") == 0) {
		/* A popup whose parent is its own xdg_surface, or an
		 * xdg_surface with no role: invalid_popup_parent. */
		struct xdg_positioner *positioner = xdg_wm_base_create_positioner(c->wm_base);
		xdg_positioner_set_size(positioner, 10, 10);
		xdg_positioner_set_anchor_rect(positioner, 0, 0, 1, 1);
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
		struct xdg_surface *parent = xdg_surface;
		struct wl_surface *other = NULL;
		if (strcmp(role, "popup-parent-without-role") == 0) {
			other = wl_compositor_create_surface(c->compositor);
			parent = xdg_wm_base_get_xdg_surface(c->wm_base, other);
		}
		struct xdg_popup *popup = xdg_surface_get_popup(xdg_surface, parent, positioner);
		wl_surface_commit(surface);
		/* Sent as they are (marshalled already); the proxies go here. */
		wl_proxy_destroy((struct wl_proxy *)popup);
		if (other) {
			wl_proxy_destroy((struct wl_proxy *)parent);
			wl_proxy_destroy((struct wl_proxy *)other);
		}
		wl_proxy_destroy((struct wl_proxy *)xdg_surface);
		wl_proxy_destroy((struct wl_proxy *)surface);
		return expect_error(c, w, positioner);
	}
	if (strcmp(role, "subsurface-after-its-parent") == 0) {
		/* A wl_subsurface whose parent wl_surface is destroyed, then
		 * restacked and moved: ignored, not an error. */
		const struct raw_global *g = raw_client_find_global(c, "wl_subcompositor");
		if (!g) {
			fprintf(stderr, "no wl_subcompositor\n");
			return 2;
		}
		struct wl_subcompositor *sub = wl_registry_bind(c->registry, g->name,
				&wl_subcompositor_interface, 1);
		struct wl_surface *parent = wl_compositor_create_surface(c->compositor);
		struct wl_surface *child = wl_compositor_create_surface(c->compositor);
		struct wl_surface *sibling = wl_compositor_create_surface(c->compositor);
		struct wl_subsurface *subsurface =
				wl_subcompositor_get_subsurface(sub, child, parent);
		struct wl_subsurface *other = wl_subcompositor_get_subsurface(sub, sibling, parent);
		bool ok = raw_client_roundtrip(c, 5000);
		wl_surface_destroy(parent);
		wl_subsurface_place_above(subsurface, sibling);
		wl_subsurface_place_below(subsurface, sibling);
		wl_subsurface_set_position(subsurface, 5, 5);
		wl_subsurface_set_desync(subsurface);
		ok = ok && raw_client_roundtrip(c, 5000) && raw_client_error(c) == 0;
		wl_subsurface_destroy(subsurface);
		wl_subsurface_destroy(other);
		ok = ok && raw_client_roundtrip(c, 5000) && raw_client_error(c) == 0;
		raw_window_destroy(w);
		raw_client_destroy(c);
		return ok ? 0 : 1;
	}
	if (strcmp(role, "foreign-child-never-mapped") == 0) {
		/* The window exported and imported back; a toplevel never
		 * mapped is made its child, then goes; then the import goes. */
		const struct raw_global *eg = raw_client_find_global(c, "zxdg_exporter_v2");
		const struct raw_global *ig = raw_client_find_global(c, "zxdg_importer_v2");
		if (!eg || !ig) {
			fprintf(stderr, "no xdg-foreign\n");
			return 2;
		}
		struct zxdg_exporter_v2 *exporter = wl_registry_bind(c->registry, eg->name,
				&zxdg_exporter_v2_interface, 1);
		struct zxdg_importer_v2 *importer = wl_registry_bind(c->registry, ig->name,
				&zxdg_importer_v2_interface, 1);
		struct zxdg_exported_v2 *exported =
				zxdg_exporter_v2_export_toplevel(exporter, w->surface);
		static char handle[128];
		static const struct zxdg_exported_v2_listener exported_listener = {
			.handle = foreign_handle,
		};
		zxdg_exported_v2_add_listener(exported, &exported_listener, handle);
		if (!raw_client_roundtrip(c, 5000) || !handle[0]) {
			fprintf(stderr, "no handle\n");
			return 2;
		}
		struct zxdg_imported_v2 *imported =
				zxdg_importer_v2_import_toplevel(importer, handle);
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
		struct xdg_toplevel *toplevel = xdg_surface_get_toplevel(xdg_surface);
		zxdg_imported_v2_set_parent_of(imported, surface);
		bool ok = raw_client_roundtrip(c, 5000);
		xdg_toplevel_destroy(toplevel);
		ok = ok && raw_client_roundtrip(c, 5000);
		zxdg_imported_v2_destroy(imported);
		ok = ok && raw_client_roundtrip(c, 5000) && raw_client_error(c) == 0;
		xdg_surface_destroy(xdg_surface);
		wl_surface_destroy(surface);
		zxdg_exported_v2_destroy(exported);
		ok = ok && raw_client_roundtrip(c, 5000) && raw_client_error(c) == 0;
		raw_window_destroy(w);
		raw_client_destroy(c);
		return ok ? 0 : 1;
	}
	if (strcmp(role, "toplevel-role-again") == 0) {
		/* A toplevel committed (a view made), destroyed, its
		 * xdg_surface made a toplevel again without a commit; then a
		 * popup of it: the popup has no window to be shown in. */
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
		struct xdg_toplevel *toplevel = xdg_surface_get_toplevel(xdg_surface);
		wl_surface_commit(surface);
		bool ok = raw_client_roundtrip(c, 5000);
		xdg_toplevel_destroy(toplevel);
		toplevel = xdg_surface_get_toplevel(xdg_surface);
		ok = ok && raw_client_roundtrip(c, 5000);
		struct xdg_positioner *positioner = xdg_wm_base_create_positioner(c->wm_base);
		xdg_positioner_set_size(positioner, 10, 10);
		xdg_positioner_set_anchor_rect(positioner, 0, 0, 1, 1);
		struct wl_surface *popup_surface = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *popup_xdg =
				xdg_wm_base_get_xdg_surface(c->wm_base, popup_surface);
		struct xdg_popup *popup = xdg_surface_get_popup(popup_xdg, xdg_surface, positioner);
		xdg_positioner_destroy(positioner);
		wl_surface_commit(popup_surface);
		ok = ok && raw_client_roundtrip(c, 5000) && raw_client_error(c) == 0;
		xdg_popup_destroy(popup);
		xdg_surface_destroy(popup_xdg);
		wl_surface_destroy(popup_surface);
		xdg_toplevel_destroy(toplevel);
		xdg_surface_destroy(xdg_surface);
		wl_surface_destroy(surface);
		ok = ok && raw_client_roundtrip(c, 5000) && raw_client_error(c) == 0;
		raw_window_destroy(w);
		raw_client_destroy(c);
		return ok ? 0 : 1;
	}
	if (strcmp(role, "huge-header") == 0) {
		/* A header announcing 64 KiB, more than any message may be; gone. */
		uint32_t msg[4] = { wl_proxy_get_id((struct wl_proxy *)w->surface), 0xfffcu << 16,
			0, 0 };
		write_raw(c, msg, sizeof(msg));
		_exit(0);
	}
	fprintf(stderr, "unknown role %s\n", role);
	return 2;
}

/* ---- fixture ------------------------------------------------------------ */

struct fixture {
	struct strata_session *s;
	pid_t victim;
	struct window_info victim_window;
	int fds;
};

/* A weston-simple-shm on high, and the compositor's fd count with it. */
static void
fixture_start(struct fixture *f)
{
	session_require_program("weston-simple-shm");
	f->s = session_start(NULL);
	char *argv[] = { "weston-simple-shm", NULL };
	f->victim = session_spawn_client(f->s, "high", argv);
	session_assert_msg(f->s,
			session_wait_window(f->s, &(struct window_match){ .level = "high" },
					&f->victim_window, MAP_TIMEOUT_MS),
			"weston-simple-shm did not map");
	session_assert(f->s, session_compositor_alive(f->s));
	/* Settle: the probe clients of the alive check are gone. */
	session_sleep_ms(200);
	f->fds = session_compositor_fd_count(f->s);
}

/* Run one misbehaving client on low; check what it saw. */
static void
run_attack(struct fixture *f, const char *role, bool must_see_error)
{
	const char *args[] = { role, NULL };
	pid_t pid = session_spawn_helper(f->s, "low", args);
	int status;
	if (!session_wait_client_exit(f->s, pid, 10000, &status)) {
		session_dump_client_log(f->s, pid, 10);
		session_fail(f->s, "the %s client did not finish within 10 s", role);
	}
	if (must_see_error && !(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SAW_ERROR)) {
		session_dump_client_log(f->s, pid, 10);
		session_fail(f->s, "the %s client was not disconnected with an error (status 0x%x)",
				role, status);
	}
	if (!must_see_error && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		session_dump_client_log(f->s, pid, 10);
		session_fail(f->s, "the %s client failed before misbehaving (status 0x%x)", role,
				status);
	}
}

/* The compositor, the other level's client and window are still there, the
 * misbehaving client's window is gone, and so are its fds. */
static void
fixture_check(struct fixture *f, const char *after)
{
	struct strata_session *s = f->s;
	session_assert_msg(s, session_compositor_alive(s), "the compositor died after %s", after);
	session_assert_msg(s, session_client_running(s, f->victim),
			"weston-simple-shm on high exited after %s", after);
	session_assert_msg(s,
			session_find_window(s, &(struct window_match){ .id = f->victim_window.id },
					NULL),
			"the high window disappeared after %s", after);
	session_assert_msg(s, session_wait_windows(s, 1, 5000),
			"the misbehaving client's window is still listed after %s", after);
	if (!session_wait_fd_count(s, f->fds, 5000)) {
		session_fail(s, "compositor fds: %d before, %d after %s", f->fds,
				session_compositor_fd_count(s), after);
	}
}

static void
fixture_stop(struct fixture *f)
{
	session_stop(f->s);
}

static void
attack_test(const char *role, bool must_see_error, int repeat)
{
	struct fixture f;
	fixture_start(&f);
	for (int i = 0; i < repeat; i++) {
		run_attack(&f, role, must_see_error);
		fixture_check(&f, role);
	}
	fixture_stop(&f);
}

/* ---- tests -------------------------------------------------------------- */

static void
client_dying_mid_frame(void)
{
	attack_test("die-mid-frame", false, 5);
}

static void
client_stopping_mid_request(void)
{
	attack_test("half-request", false, 3);
}

static void
client_binding_a_bogus_global(void)
{
	attack_test("bad-global", true, 3);
}

static void
client_setting_buffer_scale_zero(void)
{
	attack_test("bad-scale", true, 3);
}

static void
client_sending_an_unknown_opcode(void)
{
	attack_test("bad-opcode", true, 3);
}

static void
client_addressing_a_missing_object(void)
{
	attack_test("bad-object", true, 3);
}

static void
client_announcing_a_huge_message(void)
{
	attack_test("huge-header", false, 3);
}

/*
 * A selection offering no MIME type at all, set with the keyboard focus's
 * serial: legal (the protocol asks for no offer), and once walked as an
 * empty wl_array with wl_array_for_each, adding to a null pointer (the
 * ASan+UBSan build stops there; found by the client fuzz target). The
 * compositor carries on, and the client too.
 */
/* Toplevel requests after the toplevel's wl_surface is gone: wlroots
 * 0.15.1 dereferenced the NULL it leaves there (found by the client fuzz
 * target). */
static void
client_using_a_toplevel_after_its_surface(void)
{
	attack_test("toplevel-after-surface", false, 3);
}

/* A decoration for that inert toplevel: wlroots 0.15.1 dereferenced the
 * NULL too (found by the client fuzz target); the client is ended. */
static void
client_decorating_a_toplevel_after_its_surface(void)
{
	attack_test("decoration-for-inert", true, 3);
}

/* A KDE server decoration asked for a mode after its wl_surface went:
 * wlroots 0.15.1 read the NULL it left (SIGSEGV; found by the client fuzz
 * target). Ignored; the compositor and the client carry on. */
static void
client_asking_a_kde_decoration_mode_after_its_surface(void)
{
	attack_test("kde-decoration-after-surface", false, 3);
}

/* Found in review, each stopping the compositor in wlroots 0.15.1 or in
 * strata: a popup whose parent is its own xdg_surface or an xdg_surface
 * without a role (linked into its own popups: endless walks) is
 * invalid_popup_parent; a wl_subsurface restacked after its parent went
 * (NULL read) is ignored; a toplevel never mapped that xdg-foreign made a
 * child of an imported window, gone before the import (an assertion, or
 * freed memory); an xdg_surface made a toplevel again after its first
 * toplevel's window went, then a popup's parent (strata kept a pointer to
 * the freed window: ASan's build reports it). */
static void
client_giving_a_popup_itself_as_parent(void)
{
	attack_test("popup-parent-itself", true, 2);
	attack_test("popup-parent-without-role", true, 2);
}

static void
client_restacking_a_subsurface_after_its_parent(void)
{
	attack_test("subsurface-after-its-parent", false, 3);
}

static void
client_parenting_a_window_never_mapped_by_import(void)
{
	struct fixture f;
	fixture_start(&f);
	/* The first export opens /dev/urandom for its handle, kept for the
	 * compositor's life (wlroots' token source): in the baseline. */
	run_attack(&f, "foreign-child-never-mapped", false);
	session_assert(f.s, session_wait_windows(f.s, 1, 5000));
	f.fds = session_compositor_fd_count(f.s);
	for (int i = 0; i < 3; i++) {
		run_attack(&f, "foreign-child-never-mapped", false);
		fixture_check(&f, "foreign-child-never-mapped");
	}
	fixture_stop(&f);
}

static void
client_making_a_toplevel_again_then_a_popup_of_it(void)
{
	attack_test("toplevel-role-again", false, 3);
}

/* A popup grabbing twice: wlroots 0.15.1 linked the popup to itself in the
 * grab's list, and ending the grab never returned (found by the client fuzz
 * target). The client is ended; the compositor carries on. */
static void
client_grabbing_with_a_popup_twice(void)
{
	attack_test("popup-grabbed-twice", true, 3);
}

/*
 * A decoration asked for before the window's first commit (as toolkits do),
 * then the window goes first (its toplevel, or its wl_surface), or the
 * client leaves: wlroots 0.15 left such a decoration listening to the freed
 * xdg_surface, and its own end wrote into freed memory (ASan reports it).
 * Going first is xdg-decoration's orphaned error; leaving is fine; strata
 * carries on either way.
 */
static void
decoration_outliving_its_window(void)
{
	struct strata_session *s = session_start(NULL);
	static const char *const hows[] = { "toplevel-destroyed", "surface-destroyed",
		"client-left" };
	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		struct raw_client *c = raw_client_connect(session_socket(s, "low"));
		session_assert(s, c != NULL && c->compositor && c->wm_base);
		const struct raw_global *g =
				raw_client_find_global(c, "zxdg_decoration_manager_v1");
		session_assert(s, g != NULL);
		struct zxdg_decoration_manager_v1 *manager = wl_registry_bind(c->registry, g->name,
				&zxdg_decoration_manager_v1_interface, 1);
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
		struct xdg_toplevel *toplevel = xdg_surface_get_toplevel(xdg_surface);
		struct zxdg_toplevel_decoration_v1 *decoration =
				zxdg_decoration_manager_v1_get_toplevel_decoration(manager,
						toplevel);
		session_assert(s, raw_client_roundtrip(c, 5000));
		if (strcmp(hows[i], "toplevel-destroyed") == 0) {
			xdg_toplevel_destroy(toplevel);
			xdg_surface_destroy(xdg_surface);
		} else if (strcmp(hows[i], "surface-destroyed") == 0) {
			wl_surface_destroy(surface);
		}
		bool answered = raw_client_roundtrip(c, 5000);
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = raw_client_error(c) == EPROTO ?
				wl_display_get_protocol_error(c->display, &iface, &id) :
				0;
		if (strcmp(hows[i], "client-left") == 0) {
			session_assert_msg(s, answered, "%s: the client was ended", hows[i]);
		} else {
			session_assert_msg(s,
					!answered && iface == &zxdg_toplevel_decoration_v1_interface &&
							code == ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ORPHANED,
					"%s: not xdg-decoration's orphaned error (%u on %s)",
					hows[i], code, iface ? iface->name : "nothing");
		}
		(void)decoration;
		raw_client_destroy(c);
		session_assert_msg(s, session_compositor_alive(s),
				"%s: the compositor died of a decoration outliving its window",
				hows[i]);
	}
	/* And a window made the usual way after all that still maps. */
	struct raw_client *c = raw_client_connect(session_socket(s, "low"));
	session_assert(s, c != NULL);
	struct raw_window *w = raw_window_create(c, 120, 90, "after-orphans", "after-orphans");
	session_assert(s, w != NULL);
	session_assert(s,
			session_wait_window(s, &(struct window_match){ .app_id = "after-orphans" },
					NULL, 5000));
	raw_window_destroy(w);
	raw_client_destroy(c);
	session_stop(s);
}

static void
client_setting_a_selection_without_types(void)
{
	struct strata_session *s = session_start(NULL);
	struct raw_client *c = raw_client_connect(session_socket(s, "low"));
	session_assert(s, c != NULL);
	const struct raw_global *seat_global = raw_client_find_global(c, "wl_seat");
	const struct raw_global *manager_global =
			raw_client_find_global(c, "wl_data_device_manager");
	session_assert(s, seat_global && manager_global);
	struct wl_seat *seat =
			wl_registry_bind(c->registry, seat_global->name, &wl_seat_interface, 1);
	struct wl_data_device_manager *manager = wl_registry_bind(c->registry, manager_global->name,
			&wl_data_device_manager_interface, 1);
	uint32_t serial = 0;
	struct wl_keyboard *keyboard = wl_seat_get_keyboard(seat);
	wl_keyboard_add_listener(keyboard, &keyboard_listener, &serial);
	struct raw_window *w = raw_window_create(c, 200, 150, "no-types", "no-types");
	session_assert(s, w != NULL);
	free(session_ctl_ok(s, "click 100 100"));
	for (int i = 0; i < 50 && serial == 0; i++) {
		session_assert(s, raw_client_roundtrip(c, 5000));
		session_sleep_ms(20);
	}
	session_assert_msg(s, serial != 0, "the window never got the keyboard");
	struct wl_data_device *device = wl_data_device_manager_get_data_device(manager, seat);
	struct wl_data_source *source = wl_data_device_manager_create_data_source(manager);
	for (int round = 0; round < 3; round++) {
		wl_data_device_set_selection(device, source, serial);
		session_assert(s, raw_client_roundtrip(c, 5000));
	}
	session_assert_int_eq(s, raw_client_error(c), 0);
	session_assert_msg(s, session_compositor_alive(s),
			"the compositor died of a selection without types");
	wl_data_source_destroy(source);
	wl_data_device_destroy(device);
	wl_keyboard_destroy(keyboard);
	wl_data_device_manager_destroy(manager);
	wl_seat_destroy(seat);
	raw_window_destroy(w);
	raw_client_destroy(c);
	session_stop(s);
}

/*
 * A parent that goes before it was ever mapped: wlroots 0.15.1 forgets a
 * toplevel's parent only at the parent's unmap, so without the compositor's
 * watch the children keep a pointer to freed memory, read when they map,
 * are raised or go (the ASan build reports it). Five ways: a parent
 * announced (committed) but never mapped, one never even committed, a
 * client that leaves with a child of an unmapped parent (the child made
 * after, then before, its parent), and a parent whose wl_surface goes
 * first. The compositor
 * carries on: the children map and are listed, and a new client still maps.
 */
static void
parent_gone_before_it_mapped(void)
{
	struct strata_session *s = session_start(NULL);
	const char *low = session_socket(s, "low");
	for (int round = 0; round < 5; round++) {
		struct raw_client *c = raw_client_connect(low);
		session_assert(s, c != NULL);
		char app_id[32];
		snprintf(app_id, sizeof(app_id), "orphan-%d", round);
		/* Round 3: the child is made first (lower ids: at a disconnect,
		 * destroyed before its parent). */
		struct raw_window *child = round == 3 ? raw_window_new(c, app_id, app_id) : NULL;
		struct raw_window *parent = raw_window_new(c, "gone-parent", "gone-parent");
		if (round != 1) {
			wl_surface_commit(parent->surface); /* announced, never mapped */
		}
		session_assert(s, raw_client_roundtrip(c, 5000));
		if (!child) {
			child = raw_window_new(c, app_id, app_id);
		}
		xdg_toplevel_set_parent(child->toplevel, parent->toplevel);
		wl_surface_commit(child->surface);
		session_assert(s, raw_client_roundtrip(c, 5000));
		if (round == 2 || round == 3) {
			/* It leaves with both: its resources go in any order. */
			raw_client_destroy(c);
			continue;
		}
		if (round == 4) {
			/* Its wl_surface first: wlroots frees the xdg surface
			 * then, its xdg_surface and xdg_toplevel left inert. */
			wl_surface_destroy(parent->surface);
			parent->surface = NULL;
			session_assert(s, raw_client_roundtrip(c, 5000));
		}
		raw_window_destroy(parent);
		session_assert(s, raw_client_roundtrip(c, 5000));
		session_assert_msg(s, raw_window_map(child, 200, 150, 0xff336699),
				"round %d: the child did not map", round);
		session_assert_msg(s,
				session_wait_window(s, &(struct window_match){ .app_id = app_id },
						NULL, 5000),
				"round %d: the child is not listed", round);
		/* A click raises it: its dialogs, and its parent, are looked at. */
		free(session_ctl_ok(s, "click 100 100"));
		raw_window_destroy(child);
		session_assert(s, raw_client_roundtrip(c, 5000));
		session_assert_int_eq(s, raw_client_error(c), 0);
		raw_client_destroy(c);
	}
	session_assert(s, session_compositor_alive(s));
	struct raw_client *after = raw_client_connect(low);
	session_assert(s, after != NULL);
	struct raw_window *w = raw_window_create(after, 100, 100, "after", "after");
	session_assert_msg(s, w != NULL, "a new client cannot map after the parents went");
	raw_window_destroy(w);
	raw_client_destroy(after);
	session_stop(s);
}

/*
 * xdg_wm_base.get_xdg_surface on a wl_surface that has a buffer (attached,
 * or committed) or another role (a subsurface) is the protocol error
 * invalid_surface_state (role), on the xdg_wm_base: wlroots 0.15.1 let the
 * attached buffer and the role through and gave a committed buffer another
 * code. A plain surface, and one whose buffer was taken away, still become
 * windows; the compositor carries on.
 */
static void
get_xdg_surface_on_a_surface_in_use_is_an_error(void)
{
	struct strata_session *s = session_start(NULL);
	const char *low = session_socket(s, "low");
	static const struct {
		const char *how;
		bool refused;
		uint32_t code; /* when refused */
	} cases[] = {
		{ "attached", true, XDG_WM_BASE_ERROR_INVALID_SURFACE_STATE },
		{ "committed", true, XDG_WM_BASE_ERROR_INVALID_SURFACE_STATE },
		{ "subsurface", true, XDG_WM_BASE_ERROR_ROLE },
		{ "second-xdg-surface", true, XDG_WM_BASE_ERROR_ROLE },
		{ "second-before-a-role", true, XDG_WM_BASE_ERROR_ROLE },
		{ "xdg-surface-destroyed", false, 0 },
		{ "buffer-removed", false, 0 },
		{ "plain", false, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *how = cases[i].how;
		struct raw_client *c = raw_client_connect(low);
		session_assert(s, c != NULL && c->compositor && c->shm && c->wm_base);
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct wl_buffer *buffer = raw_client_shm_buffer(c, 64, 64, 0xff336699u);
		struct raw_window *parent = NULL;
		struct wl_subsurface *subsurface = NULL;
		struct xdg_surface *first = NULL;
		struct xdg_toplevel *first_toplevel = NULL;
		if (strncmp(how, "second", 6) == 0 || strncmp(how, "xdg-surface", 11) == 0) {
			/* A window already made of it (then gone, or not). */
			first = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
			if (strcmp(how, "second-before-a-role") != 0) {
				first_toplevel = xdg_surface_get_toplevel(first);
			}
			if (strcmp(how, "xdg-surface-destroyed") == 0) {
				xdg_toplevel_destroy(first_toplevel);
				xdg_surface_destroy(first);
				first_toplevel = NULL;
				first = NULL;
			}
		} else if (strcmp(how, "subsurface") == 0) {
			parent = raw_window_create(c, 100, 100, "role-parent", "role-parent");
			const struct raw_global *g = raw_client_find_global(c, "wl_subcompositor");
			session_assert(s, parent != NULL && g != NULL);
			struct wl_subcompositor *sub = wl_registry_bind(c->registry, g->name,
					&wl_subcompositor_interface, 1);
			subsurface = wl_subcompositor_get_subsurface(sub, surface, parent->surface);
			wl_subcompositor_destroy(sub);
		} else if (strcmp(how, "plain") != 0) {
			wl_surface_attach(surface, buffer, 0, 0);
			if (strcmp(how, "attached") != 0) {
				wl_surface_commit(surface);
			}
			if (strcmp(how, "buffer-removed") == 0) {
				wl_surface_attach(surface, NULL, 0, 0);
				wl_surface_commit(surface);
			}
		}
		session_assert(s, raw_client_roundtrip(c, 5000));
		struct xdg_surface *xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
		raw_client_roundtrip(c, 5000);
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = raw_client_error(c) == EPROTO ?
				wl_display_get_protocol_error(c->display, &iface, &id) :
				0;
		if (cases[i].refused) {
			session_assert_msg(s,
					raw_client_error(c) == EPROTO &&
							iface == &xdg_wm_base_interface &&
							code == cases[i].code,
					"%s: get_xdg_surface gave error %d, protocol error %u on %s "
					"(%u on xdg_wm_base wanted)",
					how, raw_client_error(c), code,
					iface ? iface->name : "nothing", cases[i].code);
		} else {
			session_assert_msg(s, raw_client_error(c) == 0,
					"%s: a surface fit for a window was refused (protocol error %u on "
					"%s)",
					how, code, iface ? iface->name : "?");
		}
		xdg_surface_destroy(xdg_surface);
		if (first_toplevel) {
			xdg_toplevel_destroy(first_toplevel);
		}
		if (first) {
			xdg_surface_destroy(first);
		}
		if (subsurface) {
			wl_subsurface_destroy(subsurface);
		}
		wl_buffer_destroy(buffer);
		wl_surface_destroy(surface);
		raw_window_destroy(parent);
		raw_client_destroy(c);
	}
	session_assert(s, session_compositor_alive(s));
	struct raw_client *after = raw_client_connect(low);
	struct raw_window *w = after ? raw_window_create(after, 100, 100, "after", "after") : NULL;
	session_assert_msg(s, w != NULL, "a new client cannot map after the errors");
	raw_window_destroy(w);
	raw_client_destroy(after);
	session_stop(s);
}

struct point_popup {
	bool configured;
	int32_t x, y, width, height;
	uint32_t serial;
};

static void
point_popup_configure(void *data, struct xdg_popup *popup, int32_t x, int32_t y, int32_t width,
		int32_t height)
{
	struct point_popup *p = data;
	p->x = x;
	p->y = y;
	p->width = width;
	p->height = height;
}
static void
point_popup_done(void *data, struct xdg_popup *popup)
{
}
static void
point_popup_repositioned(void *data, struct xdg_popup *popup, uint32_t token)
{
}
static const struct xdg_popup_listener point_popup_listener = {
	point_popup_configure,
	point_popup_done,
	point_popup_repositioned,
};
static void
point_surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct point_popup *p = data;
	p->configured = true;
	p->serial = serial;
}
static const struct xdg_surface_listener point_surface_listener = {
	point_surface_configure,
};

/*
 * A popup anchored at a point: an anchor rectangle of zero size, which
 * xdg-shell allows (only a negative size is an error) and clients use for a
 * menu at the pointer. wlroots 0.15 took the zero width for a positioner
 * never completed and ended the client (invalid_positioner). It must get its
 * popup, centred on the point (no anchor edge, no gravity: both centre), and
 * at a right anchor edge one pixel further (the guard's one-pixel width).
 */
static void
popup_anchored_at_a_point(void)
{
	struct strata_session *s = session_start(NULL);
	static const struct {
		int32_t ax, ay, aw, ah;
		uint32_t anchor, gravity;
		int32_t x, y; /* the configure wanted */
	} cases[] = {
		{ 100, 50, 0, 0, XDG_POSITIONER_ANCHOR_NONE, XDG_POSITIONER_GRAVITY_NONE, 85, 35 },
		{ 100, 50, 0, 10, XDG_POSITIONER_ANCHOR_NONE, XDG_POSITIONER_GRAVITY_NONE, 85, 40 },
		{ 40, 20, 0, 0, XDG_POSITIONER_ANCHOR_TOP_LEFT, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT,
				40, 20 },
		{ 40, 20, 0, 0, XDG_POSITIONER_ANCHOR_RIGHT, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT,
				41, 20 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct raw_client *c = raw_client_connect(session_socket(s, "low"));
		session_assert(s, c != NULL && c->wm_base);
		struct raw_window *w = raw_window_create(c, 200, 100, "point-popup", "point popup");
		session_assert_msg(s, w != NULL, "case %zu: no window", i);
		struct xdg_positioner *pos = xdg_wm_base_create_positioner(c->wm_base);
		xdg_positioner_set_size(pos, 30, 30);
		xdg_positioner_set_anchor_rect(pos, cases[i].ax, cases[i].ay, cases[i].aw,
				cases[i].ah);
		xdg_positioner_set_anchor(pos, cases[i].anchor);
		xdg_positioner_set_gravity(pos, cases[i].gravity);
		struct point_popup p = { 0 };
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(c->wm_base, surface);
		xdg_surface_add_listener(xs, &point_surface_listener, &p);
		struct xdg_popup *popup = xdg_surface_get_popup(xs, w->xdg_surface, pos);
		xdg_popup_add_listener(popup, &point_popup_listener, &p);
		xdg_positioner_destroy(pos);
		wl_surface_commit(surface);
		raw_client_roundtrip(c, 5000);
		const struct wl_interface *iface = NULL;
		uint32_t code = raw_client_error(c) == EPROTO ?
				wl_display_get_protocol_error(c->display, &iface, NULL) :
				0;
		session_assert_msg(s, raw_client_error(c) == 0,
				"case %zu: the client was ended (protocol error %u on %s)", i, code,
				iface ? iface->name : "?");
		session_assert_msg(s,
				p.configured && p.x == cases[i].x && p.y == cases[i].y &&
						p.width == 30 && p.height == 30,
				"case %zu: popup configured %d at %d,%d %dx%d (%d,%d 30x30 wanted)",
				i, p.configured, p.x, p.y, p.width, p.height, cases[i].x,
				cases[i].y);
		xdg_popup_destroy(popup);
		xdg_surface_destroy(xs);
		wl_surface_destroy(surface);
		raw_window_destroy(w);
		raw_client_destroy(c);
	}
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

SESSION_TESTS_WITH_HELPER(helper_main, TAP_CASE(client_dying_mid_frame),
		TAP_CASE(client_stopping_mid_request), TAP_CASE(client_binding_a_bogus_global),
		TAP_CASE(client_setting_buffer_scale_zero),
		TAP_CASE(client_sending_an_unknown_opcode),
		TAP_CASE(client_addressing_a_missing_object),
		TAP_CASE(client_announcing_a_huge_message),
		TAP_CASE(client_using_a_toplevel_after_its_surface),
		TAP_CASE(client_decorating_a_toplevel_after_its_surface),
		TAP_CASE(client_asking_a_kde_decoration_mode_after_its_surface),
		TAP_CASE(client_grabbing_with_a_popup_twice),
		TAP_CASE(client_giving_a_popup_itself_as_parent),
		TAP_CASE(client_restacking_a_subsurface_after_its_parent),
		TAP_CASE(client_parenting_a_window_never_mapped_by_import),
		TAP_CASE(client_making_a_toplevel_again_then_a_popup_of_it),
		TAP_CASE(client_setting_a_selection_without_types),
		TAP_CASE(decoration_outliving_its_window), TAP_CASE(parent_gone_before_it_mapped),
		TAP_CASE(get_xdg_surface_on_a_surface_in_use_is_an_error),
		TAP_CASE(popup_anchored_at_a_point))
