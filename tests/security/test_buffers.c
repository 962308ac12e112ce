// SPDX-License-Identifier: MIT
/*
 * Buffer-safety attacks M01-M12 of the catalogue (shared/brief/notes/
 * testing-and-attacks.md), each by a raw client on the low socket while a
 * weston-simple-shm draws on the high socket. Each asserts what the attacker
 * sees (its protocol error, or that the attack had no effect), then that the
 * compositor answers a fresh client, that its fd count is back to what it was
 * before the attacker came, that the other level's client still runs, and
 * that pixman never saw an invalid rectangle.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>
#include "strata_test.h"
#include "xdg-shell-client-protocol.h"

struct attack {
	struct strata_session *s;
	pid_t victim;
	int baseline_fds;
};

static void
attack_begin(struct attack *a)
{
	session_require_program("weston-simple-shm");
	a->s = session_start(NULL);
	char *argv[] = { "weston-simple-shm", NULL };
	a->victim = session_spawn_client(a->s, "high", argv);
	struct window_match high = { .level = "high" };
	session_assert_msg(a->s, session_wait_window(a->s, &high, NULL, 10000),
			"the victim's window never mapped");
	session_sleep_ms(200);
	a->baseline_fds = session_compositor_fd_count(a->s);
	session_assert(a->s, a->baseline_fds > 0);
}

/* The compositor survived, freed what the attacker held, and the other
 * level's client kept running; pixman never saw an invalid rectangle. */
static void
attack_end(struct attack *a)
{
	struct strata_session *s = a->s;
	session_assert_msg(s, session_compositor_alive(s), "the compositor no longer answers");
	session_assert_msg(s, session_wait_fd_count(s, a->baseline_fds, 5000),
			"compositor fds: %d, %d before the attack", session_compositor_fd_count(s),
			a->baseline_fds);
	session_assert_msg(s, session_client_running(s, a->victim),
			"the other level's client died");
	struct window_match high = { .level = "high" };
	session_assert_msg(s, session_find_window(s, &high, NULL), "the victim's window is gone");
	size_t len = 0;
	char *log = session_read_file(s->log, &len);
	session_assert(s, log != NULL);
	bool bad_rect = strstr(log, "Invalid rectangle") != NULL;
	free(log);
	session_assert_msg(s, !bad_rect, "pixman was given an invalid rectangle");
	session_stop(s);
}

static struct raw_client *
attacker(struct attack *a)
{
	struct raw_client *c = raw_client_connect(session_socket(a->s, "low"));
	session_assert_msg(a->s, c && c->shm && c->compositor && c->wm_base,
			"the attacker could not connect or bind its globals");
	return c;
}

/* Expects the connection to be ended, within 3 s, with error code on an
 * object of interface. A buffer's pixels are read when the frame that
 * shows them is drawn: a fault there comes a frame after the commit. */
static void
expect_protocol_error(struct attack *a, struct raw_client *c, const char *interface, uint32_t code)
{
	uint64_t deadline = session_now_ms() + 3000;
	while (raw_client_error(c) == 0 && session_now_ms() < deadline) {
		raw_client_roundtrip(c, 100);
		session_sleep_ms(2);
	}
	int err = raw_client_error(c);
	session_assert_msg(a->s, err == EPROTO, "expected a protocol error, got %d (%s)", err,
			err ? strerror(err) : "none");
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t got = wl_display_get_protocol_error(c->display, &iface, &id);
	session_assert_msg(a->s, iface && strcmp(iface->name, interface) == 0 && got == code,
			"expected error %u on %s, got %u on %s", code, interface, got,
			iface ? iface->name : "(none)");
	tap_diag("attacker got error %u on %s@%u, as expected", got, iface->name, id);
}

static void
expect_no_error(struct attack *a, struct raw_client *c)
{
	session_assert_msg(a->s, raw_client_roundtrip(c, 3000) && raw_client_error(c) == 0,
			"unexpected error %d", raw_client_error(c));
}

static int
memfd_of_size(off_t size)
{
	int fd = memfd_create("attack", MFD_CLOEXEC);
	tap_assert(fd >= 0);
	tap_assert(ftruncate(fd, size) == 0);
	return fd;
}

/* Fills the first bytes of fd with one ARGB colour. */
static void
fill(int fd, size_t bytes, uint32_t colour)
{
	uint32_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tap_assert(p != MAP_FAILED);
	for (size_t i = 0; i < bytes / 4; i++) {
		p[i] = colour;
	}
	munmap(p, bytes);
}

/* M01: the file is truncated after create_buffer; the buffer is then
 * attached to a mapped toplevel. */
static void
m01_truncated_pool_on_mapped_window(void)
{
	struct attack a;
	attack_begin(&a);
	struct raw_client *c = attacker(&a);
	struct raw_window *w = raw_window_create(c, 200, 150, "attacker", "M01");
	session_assert(a.s, w);
	int fd = memfd_of_size(200 * 150 * 4);
	fill(fd, 200 * 150 * 4, 0xff0000ff);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, 200 * 150 * 4);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, 200, 150, 200 * 4,
			WL_SHM_FORMAT_ARGB8888);
	expect_no_error(&a, c);
	tap_assert(ftruncate(fd, 0) == 0);
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, 200, 150);
	wl_surface_commit(w->surface);
	expect_protocol_error(&a, c, "wl_buffer", WL_SHM_ERROR_INVALID_FD);
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

/* A new attacker's window, mapped with a buffer of 0x204080 (title: its
 * title, app_id "attacker"). */
static struct raw_window *
attacker_window(struct attack *a, const char *title)
{
	struct raw_window *w = raw_window_new(attacker(a), "attacker", title);
	session_assert(a->s, w && raw_window_map(w, 200, 150, 0xff204080));
	return w;
}

/* A mapped window of the attacker's, and a green buffer of its size in a
 * pool of its own (fd: the pool's file). */
struct green {
	struct raw_client *c;
	struct raw_window *w;
	int fd;
	struct wl_shm_pool *pool;
	struct wl_buffer *buffer;
};

static struct green
green_buffer(struct attack *a, const char *title)
{
	struct green g = { .w = attacker_window(a, title) };
	g.c = g.w->client;
	int width = g.w->width, height = g.w->height;
	g.fd = memfd_of_size((off_t)width * height * 4);
	fill(g.fd, (size_t)width * height * 4, 0xff00ff00);
	g.pool = wl_shm_create_pool(g.c->shm, g.fd, width * height * 4);
	g.buffer = wl_shm_pool_create_buffer(g.pool, 0, width, height, width * 4,
			WL_SHM_FORMAT_ARGB8888);
	return g;
}

/* M02: commit a buffer, let a frame show it, destroy the wl_buffer, shrink
 * the file to 0, commit damage again. (Debian's wlroots 0.15.1 compositors
 * die of SIGBUS here.) The pixels were the compositor's from that frame on. */
static void
m02_truncate_after_destroying_the_buffer(void)
{
	struct attack a;
	attack_begin(&a);
	struct green g = green_buffer(&a, "M02");
	struct raw_client *c = g.c;
	struct raw_window *w = g.w;
	int width = w->width, height = w->height, fd = g.fd;
	struct wl_shm_pool *pool = g.pool;
	struct wl_buffer *buffer = g.buffer;
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, width, height);
	wl_surface_commit(w->surface);
	expect_no_error(&a, c);
	struct window_match shown = { .app_id = "attacker" };
	struct window_info shown_info;
	session_assert(a.s, session_find_window(a.s, &shown, &shown_info));
	session_pixel(a.s, shown_info.x, shown_info.y); /* a frame is drawn */
	wl_buffer_destroy(buffer);
	wl_shm_pool_destroy(pool);
	tap_assert(ftruncate(fd, 0) == 0);
	for (int i = 0; i < 5; i++) {
		wl_surface_damage_buffer(w->surface, 0, 0, width, height);
		wl_surface_commit(w->surface);
		expect_no_error(&a, c);
	}
	/* Render a frame now: the surface still shows what was committed. */
	struct window_match match = { .app_id = "attacker" };
	struct window_info info;
	session_assert(a.s, session_find_window(a.s, &match, &info));
	uint32_t pixel = session_pixel(a.s, info.x + info.width / 2, info.y + info.height / 2);
	session_assert_msg(a.s, pixel == 0x00ff00, "the window shows %06x, not its last frame",
			pixel);
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

/* M02b: the file shrunk to 0, then the buffer attached, committed and
 * destroyed at once: a window's pixels are read for the frame that shows
 * them, after the wl_buffer is gone, so the client is ended by its wl_shm;
 * the compositor draws on. */
static void
m02b_truncate_before_any_frame(void)
{
	struct attack a;
	attack_begin(&a);
	struct green g = green_buffer(&a, "M02b");
	struct raw_client *c = g.c;
	struct raw_window *w = g.w;
	int width = w->width, height = w->height, fd = g.fd;
	struct wl_shm_pool *pool = g.pool;
	struct wl_buffer *buffer = g.buffer;
	expect_no_error(&a, c);
	tap_assert(ftruncate(fd, 0) == 0);
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, width, height);
	wl_surface_commit(w->surface);
	wl_buffer_destroy(buffer);
	wl_shm_pool_destroy(pool);
	expect_protocol_error(&a, c, "wl_shm", WL_SHM_ERROR_INVALID_FD);
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

/* M03: stride = width bytes for ARGB8888, a quarter of what it needs. */
static void
m03_stride_smaller_than_a_row(void)
{
	struct attack a;
	attack_begin(&a);
	struct raw_client *c = attacker(&a);
	int fd = memfd_of_size(256 * 256 * 4);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, 256 * 256 * 4);
	wl_shm_pool_create_buffer(pool, 0, 256, 256, 256, WL_SHM_FORMAT_ARGB8888);
	expect_protocol_error(&a, c, "wl_shm_pool", WL_SHM_ERROR_INVALID_STRIDE);
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

/* M04: a 64 MiB pool on a 4 KiB file. */
static void
m04_pool_larger_than_its_file(void)
{
	struct attack a;
	attack_begin(&a);
	struct raw_client *c = attacker(&a);
	int fd = memfd_of_size(4096);
	wl_shm_create_pool(c->shm, fd, 64 << 20);
	expect_protocol_error(&a, c, "wl_shm", WL_SHM_ERROR_INVALID_FD);
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

/* M05: pool sizes -1 and 0. */
static void
m05_pool_size_negative_or_zero(void)
{
	struct attack a;
	attack_begin(&a);
	const int32_t sizes[] = { -1, 0, INT32_MIN };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct raw_client *c = attacker(&a);
		int fd = memfd_of_size(4096);
		wl_shm_create_pool(c->shm, fd, sizes[i]);
		expect_protocol_error(&a, c, "wl_shm", WL_SHM_ERROR_INVALID_STRIDE);
		close(fd);
		raw_client_destroy(c);
	}
	attack_end(&a);
}

/* M06: offset, width, height and stride near INT32_MAX, where 32-bit
 * arithmetic would overflow. */
static void
m06_buffer_arithmetic_overflow(void)
{
	struct attack a;
	attack_begin(&a);
	const struct {
		int32_t offset, width, height, stride;
	} cases[] = {
		{ INT32_MAX - 16, 2, 2, 8 },
		{ 0, 2, INT32_MAX / 2, 8 },
		{ 0, INT32_MAX / 4 + 1, 1, INT32_MAX },
		{ 0, 1024, 1024 * 1024, 4096 },
		{ 4096, 16, 16, INT32_MAX },
		{ -4096, 16, 16, 64 },
		{ 0, -16, 16, 64 },
		{ 0, 16, 16, -64 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct raw_client *c = attacker(&a);
		int fd = memfd_of_size(1 << 20);
		struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, 1 << 20);
		wl_shm_pool_create_buffer(pool, cases[i].offset, cases[i].width, cases[i].height,
				cases[i].stride, WL_SHM_FORMAT_ARGB8888);
		expect_protocol_error(&a, c, "wl_shm_pool", WL_SHM_ERROR_INVALID_STRIDE);
		close(fd);
		raw_client_destroy(c);
	}
	attack_end(&a);
}

/* M07: one 16384x8191 ARGB buffer (512 MiB): over the 16384x6144 cap. */
static void
m07_oversized_buffer(void)
{
	struct attack a;
	attack_begin(&a);
	struct raw_client *c = attacker(&a);
	const int32_t size = 16384 * 4 * 8191;
	int fd = memfd_of_size(size); /* sparse: costs no memory */
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, size);
	wl_shm_pool_create_buffer(pool, 0, 16384, 8191, 16384 * 4, WL_SHM_FORMAT_ARGB8888);
	expect_protocol_error(&a, c, "wl_shm_pool", WL_SHM_ERROR_INVALID_STRIDE);
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

/* M08: a pool of 2 GiB - 1 that is never used: refused whether the file is
 * small or really that large (the per-client budget is 1 GiB). */
static void
m08_huge_unused_pool(void)
{
	struct attack a;
	attack_begin(&a);
	const off_t files[] = { 4096, INT32_MAX };
	for (size_t i = 0; i < 2; i++) {
		struct raw_client *c = attacker(&a);
		int fd = memfd_of_size(files[i]);
		wl_shm_create_pool(c->shm, fd, INT32_MAX);
		expect_protocol_error(&a, c, "wl_shm", WL_SHM_ERROR_INVALID_FD);
		close(fd);
		raw_client_destroy(c);
	}
	attack_end(&a);
}

/* M09: 5,000 pools from one fd, from one connection and from ten. */
static void
m09_pool_hoarding(void)
{
	struct attack a;
	attack_begin(&a);
	struct raw_client *c = attacker(&a);
	int fd = memfd_of_size(4096);
	for (int i = 0; i < 5000; i++) {
		wl_shm_create_pool(c->shm, fd, 4096);
		if (i % 100 == 99 && !raw_client_roundtrip(c, 3000)) {
			break;
		}
	}
	expect_protocol_error(&a, c, "wl_shm", WL_SHM_ERROR_INVALID_FD);
	raw_client_destroy(c);
	session_assert(a.s, session_wait_fd_count(a.s, a.baseline_fds, 5000));

	/* Ten connections at their limit each: all of it goes when they do. */
	struct raw_client *many[10];
	for (int k = 0; k < 10; k++) {
		many[k] = attacker(&a);
		for (int i = 0; i < 64; i++) {
			wl_shm_create_pool(many[k]->shm, fd, 4096);
		}
		expect_no_error(&a, many[k]);
	}
	session_assert_msg(a.s, session_compositor_fd_count(a.s) >= a.baseline_fds + 640,
			"the pools are not held (fds %d)", session_compositor_fd_count(a.s));
	for (int k = 0; k < 10; k++) {
		raw_client_destroy(many[k]);
	}
	close(fd);
	attack_end(&a);
}

/* M10: pools destroyed right after create_buffer, and resized, between
 * attach and commit: valid, drawn, and no use after free (ASan build). */
static void
m10_pool_destroyed_or_resized_mid_frame(void)
{
	struct attack a;
	attack_begin(&a);
	struct raw_client *c = attacker(&a);
	struct raw_window *w = raw_window_new(c, "attacker", "M10");
	session_assert(a.s, w && raw_window_map(w, 200, 150, 0xff102030));
	int width = w->width, height = w->height;
	size_t bytes = (size_t)width * height * 4;
	int fd = memfd_of_size((off_t)bytes * 2);
	fill(fd, bytes, 0xff0000ff);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)bytes);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width, height, width * 4,
			WL_SHM_FORMAT_ARGB8888);
	wl_shm_pool_destroy(pool);
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, width, height);
	wl_surface_commit(w->surface);
	expect_no_error(&a, c);

	struct window_match match = { .app_id = "attacker" };
	struct window_info info;
	session_assert(a.s, session_find_window(a.s, &match, &info));
	uint32_t pixel = session_pixel(a.s, info.x + 5, info.y + 5);
	session_assert_msg(a.s, pixel == 0x0000ff, "window shows %06x, not blue", pixel);

	/* Resize between attach and commit, then destroy the buffer before the
	 * commit is even read. */
	pool = wl_shm_create_pool(c->shm, fd, (int32_t)bytes);
	buffer = wl_shm_pool_create_buffer(pool, 0, width, height, width * 4,
			WL_SHM_FORMAT_ARGB8888);
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_shm_pool_resize(pool, (int32_t)bytes * 2);
	wl_surface_damage_buffer(w->surface, 0, 0, width, height);
	wl_surface_commit(w->surface);
	wl_buffer_destroy(buffer);
	wl_shm_pool_destroy(pool);
	expect_no_error(&a, c);
	session_assert(a.s, session_find_window(a.s, &match, &info));
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

/* M11: absurd geometry: window geometry, positioner, regions. */
static void
m11_absurd_geometry(void)
{
	struct attack a;
	attack_begin(&a);

	/* Huge window geometry and regions: clamped, no error. */
	struct raw_client *c = attacker(&a);
	struct raw_window *w = raw_window_new(c, "attacker", "M11");
	session_assert(a.s, w && raw_window_map(w, 200, 150, 0xff336699));
	xdg_surface_set_window_geometry(w->xdg_surface, INT32_MIN, INT32_MAX, INT32_MAX, INT32_MAX);
	struct wl_region *region = wl_compositor_create_region(c->compositor);
	wl_region_add(region, 10, 10, -50, -50);
	wl_region_add(region, INT32_MAX - 5, INT32_MAX - 5, INT32_MAX, INT32_MAX);
	wl_region_subtract(region, INT32_MIN, INT32_MIN, INT32_MAX, -1);
	wl_surface_set_input_region(w->surface, region);
	wl_surface_set_opaque_region(w->surface, region);
	wl_surface_damage(w->surface, INT32_MAX - 1, INT32_MAX - 1, INT32_MAX, INT32_MAX);
	wl_surface_damage_buffer(w->surface, -10, -10, -20, -20);
	wl_surface_commit(w->surface);
	expect_no_error(&a, c);
	struct window_match match = { .app_id = "attacker" };
	struct window_info info;
	session_assert(a.s, session_find_window(a.s, &match, &info));
	session_assert_msg(a.s, info.width <= 16384 && info.height <= 16384,
			"window geometry reached the layout as %dx%d", info.width, info.height);
	session_pixel(a.s, 10, 40); /* renders a frame with all of it */

	/* A popup from a positioner at the extremes. */
	struct xdg_positioner *positioner = xdg_wm_base_create_positioner(c->wm_base);
	xdg_positioner_set_size(positioner, INT32_MAX, INT32_MAX);
	xdg_positioner_set_anchor_rect(positioner, INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX);
	xdg_positioner_set_offset(positioner, INT32_MIN, INT32_MAX);
	struct wl_surface *popup_surface = wl_compositor_create_surface(c->compositor);
	struct xdg_surface *popup_xdg = xdg_wm_base_get_xdg_surface(c->wm_base, popup_surface);
	xdg_surface_get_popup(popup_xdg, w->xdg_surface, positioner);
	wl_surface_commit(popup_surface);
	raw_client_roundtrip(c, 3000);
	session_pixel(a.s, 10, 40);
	/* Clamped, or refused by wlroots with an error: either way only this
	 * client may be hurt. */
	raw_client_destroy(c);

	/* A negative window geometry: wlroots refuses it. */
	c = attacker(&a);
	w = raw_window_new(c, "attacker", "M11b");
	session_assert(a.s, w && raw_window_map(w, 100, 100, 0xff336699));
	xdg_surface_set_window_geometry(w->xdg_surface, 0, 0, -5, -5);
	wl_surface_commit(w->surface);
	raw_client_roundtrip(c, 3000);
	session_assert_msg(a.s, raw_client_error(c) == EPROTO,
			"a negative window geometry was accepted");
	raw_client_destroy(c);
	attack_end(&a);
}

/* M12: buffer scale 0, -1 and 1000; buffer transform 99. */
static void
m12_bad_scale_and_transform(void)
{
	struct attack a;
	attack_begin(&a);
	const int32_t scales[] = { 0, -1, 1000 };
	for (size_t i = 0; i < 3; i++) {
		struct raw_client *c = attacker(&a);
		struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
		wl_surface_set_buffer_scale(surface, scales[i]);
		expect_protocol_error(&a, c, "wl_surface", WL_SURFACE_ERROR_INVALID_SCALE);
		raw_client_destroy(c);
	}
	struct raw_client *c = attacker(&a);
	struct wl_surface *surface = wl_compositor_create_surface(c->compositor);
	wl_surface_set_buffer_transform(surface, 99);
	expect_protocol_error(&a, c, "wl_surface", WL_SURFACE_ERROR_INVALID_TRANSFORM);
	raw_client_destroy(c);
	attack_end(&a);
}

/* Paints a w x h square of one colour at (x, y) of an ARGB buffer of stride
 * width pixels. */
static void
paint(uint32_t *pixels, int width, int x, int y, int w, int h, uint32_t colour)
{
	for (int row = y; row < y + h; row++) {
		for (int col = x; col < x + w; col++) {
			pixels[row * width + col] = colour;
		}
	}
}

static void
commit_damaged(struct raw_window *w, struct wl_buffer *buffer, int x, int y, int width, int height)
{
	wl_surface_attach(w->surface, buffer, 0, 0);
	wl_surface_damage_buffer(w->surface, x, y, width, height);
	wl_surface_commit(w->surface);
}

/* What the screen shows at (x, y) of the window matched, as 0xRRGGBB. */
static uint32_t
window_pixel(struct attack *a, const char *app_id, int x, int y)
{
	struct window_match match = { .app_id = app_id };
	struct window_info info;
	session_assert(a->s, session_find_window(a->s, &match, &info));
	return session_pixel(a->s, info.x + x, info.y + y);
}

#define expect_pixel(a, app_id, x, y, want, what) \
	do { \
		uint32_t got_ = window_pixel((a), (app_id), (x), (y)); \
		session_assert_msg((a)->s, got_ == (want), "%s: (%d, %d) shows %06x, not %06x", \
				(what), (x), (y), got_, (uint32_t)(want)); \
	} while (0)

/*
 * A commit copies only its damage, into the surface's own copy: what the
 * damage leaves out keeps the surface's last frame, whichever of the
 * client's buffers it came from, and never another surface's; what the
 * client writes after a commit never shows; and a file truncated under a
 * damaged corner still ends only that client. (With the pixman renderer,
 * the tests' one: a GPU renderer would take whole copies, shm.c.)
 */
static void
damage_is_copied_into_the_surface_copy(void)
{
	struct attack a;
	attack_begin(&a);
	struct raw_window *w = attacker_window(&a, "damage");
	struct raw_client *c = w->client;
	int width = w->width, height = w->height;
	size_t bytes = (size_t)width * height * 4;
	int fd = memfd_of_size((off_t)bytes * 2);
	uint32_t *pixels = mmap(NULL, bytes * 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tap_assert(pixels != MAP_FAILED);
	uint32_t *pa = pixels, *pb = pixels + (size_t)width * height;
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)bytes * 2);
	struct wl_buffer *a_buf = wl_shm_pool_create_buffer(pool, 0, width, height, width * 4,
			WL_SHM_FORMAT_ARGB8888);
	struct wl_buffer *b_buf = wl_shm_pool_create_buffer(pool, (int32_t)bytes, width, height,
			width * 4, WL_SHM_FORMAT_ARGB8888);

	/* A: red, all damaged. */
	paint(pa, width, 0, 0, width, height, 0xffff0000);
	commit_damaged(w, a_buf, 0, 0, width, height);
	expect_no_error(&a, c);
	expect_pixel(&a, "attacker", width / 2, height / 2, 0xff0000, "A, whole");

	/* B: blue with a green square, only the square damaged. */
	paint(pb, width, 0, 0, width, height, 0xff0000ff);
	paint(pb, width, 10, 10, 20, 20, 0xff00ff00);
	commit_damaged(w, b_buf, 10, 10, 20, 20);
	expect_no_error(&a, c);
	expect_pixel(&a, "attacker", 15, 15, 0x00ff00, "B's damaged square");
	expect_pixel(&a, "attacker", 29, 29, 0x00ff00, "B's damaged square, last pixel");
	expect_pixel(&a, "attacker", 30, 30, 0xff0000, "just outside B's damage");
	expect_pixel(&a, "attacker", width / 2, height / 2, 0xff0000, "outside B's damage");

	/* A again (still all red in the client's memory), a yellow square
	 * damaged: B's green square stays, taken from the surface's copy. */
	paint(pa, width, 50, 50, 10, 10, 0xffffff00);
	commit_damaged(w, a_buf, 50, 50, 10, 10);
	expect_no_error(&a, c);
	expect_pixel(&a, "attacker", 55, 55, 0xffff00, "A's damaged square");
	expect_pixel(&a, "attacker", 15, 15, 0x00ff00, "B's square under A");
	expect_pixel(&a, "attacker", width - 1, height - 1, 0xff0000, "the last pixel");

	/* Written after the commit: never shown. */
	paint(pa, width, 0, 0, width, height, 0xffffffff);
	expect_pixel(&a, "attacker", 55, 55, 0xffff00, "after the client wrote over A");
	expect_pixel(&a, "attacker", width / 2, height / 2, 0xff0000,
			"after the client wrote over A");

	/* A second window of the same client, B with one pixel damaged: the
	 * rest is its own last frame, nothing of the first window's copy. */
	struct raw_window *w2 = raw_window_new(c, "attacker-2", "damage 2");
	session_assert(a.s, w2 && raw_window_map(w2, width, height, 0xff204080));
	session_assert(a.s, w2->width == width && w2->height == height);
	commit_damaged(w2, b_buf, 10, 10, 1, 1);
	expect_no_error(&a, c);
	expect_pixel(&a, "attacker-2", 10, 10, 0x00ff00, "the second window's damaged pixel");
	expect_pixel(&a, "attacker-2", 11, 11, 0x204080, "the second window's own frame");
	expect_pixel(&a, "attacker-2", 55, 55, 0x204080, "the second window's own frame");
	/* And the first window's next square goes to the first window only. */
	pixels[(size_t)70 * width + 70] = 0xff00ffff;
	commit_damaged(w, a_buf, 70, 70, 1, 1);
	expect_no_error(&a, c);
	expect_pixel(&a, "attacker", 70, 70, 0x00ffff, "the first window's new pixel");
	expect_pixel(&a, "attacker", 55, 55, 0xffff00, "the first window's square");
	expect_pixel(&a, "attacker-2", 70, 70, 0x204080, "the second window, untouched");

	/* Two commits with no frame between them (sent together): what the
	 * second does not damage of the first still shows, from the first's
	 * buffer; where both damage, the second's. */
	paint(pb, width, 100, 20, 10, 10, 0xffff00ff);
	paint(pb, width, 150, 20, 10, 10, 0xff00ff00);
	paint(pa, width, 130, 20, 10, 10, 0xff800000);
	wl_surface_attach(w->surface, b_buf, 0, 0);
	wl_surface_damage_buffer(w->surface, 100, 20, 10, 10);
	wl_surface_damage_buffer(w->surface, 150, 20, 10, 10);
	wl_surface_commit(w->surface);
	commit_damaged(w, a_buf, 130, 15, 30, 20);
	expect_no_error(&a, c);
	expect_pixel(&a, "attacker", 105, 25, 0xff00ff, "the first commit's square");
	expect_pixel(&a, "attacker", 135, 25, 0x800000, "the second commit's square");
	expect_pixel(&a, "attacker", 155, 25, 0xffffff, "where the second drew over the first");
	expect_pixel(&a, "attacker", 50, 100, 0xff0000, "what neither damaged");

	/* The file truncated under a small damaged square: the client ends. */
	munmap(pixels, bytes * 2);
	tap_assert(ftruncate(fd, 0) == 0);
	commit_damaged(w, b_buf, 5, 5, 4, 4);
	expect_protocol_error(&a, c, "wl_buffer", WL_SHM_ERROR_INVALID_FD);
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

static void
buffer_handle_release(void *data, struct wl_buffer *buffer)
{
	int *released = data;
	(*released)++;
}

static const struct wl_buffer_listener release_listener = { .release = buffer_handle_release };

/*
 * One wl_buffer attached twice, both commits sent together: its release
 * comes only once the compositor is done with both, so what the client
 * draws in it after the release never shows (the second commit's pixels
 * are read for the frame that shows them).
 */
static void
release_waits_for_every_attach(void)
{
	struct attack a;
	attack_begin(&a);
	struct raw_window *w = attacker_window(&a, "release");
	struct raw_client *c = w->client;
	int width = w->width, height = w->height;
	size_t bytes = (size_t)width * height * 4;
	int fd = memfd_of_size((off_t)bytes);
	uint32_t *pixels = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tap_assert(pixels != MAP_FAILED);
	paint(pixels, width, 0, 0, width, height, 0xffff0000);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)bytes);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width, height, width * 4,
			WL_SHM_FORMAT_ARGB8888);
	int released = 0;
	wl_buffer_add_listener(buffer, &release_listener, &released);
	/* A frame drawn just now: the next waits for the output's clock, so
	 * the two commits below are still to be copied when they are read. */
	wl_surface_damage_buffer(w->surface, 0, 0, 1, 1);
	wl_surface_commit(w->surface);
	expect_no_error(&a, c);
	commit_damaged(w, buffer, 0, 0, width, height);
	commit_damaged(w, buffer, 0, 0, width, height);
	uint64_t deadline = session_now_ms() + 3000;
	while (released == 0 && raw_client_error(c) == 0 && session_now_ms() < deadline) {
		raw_client_roundtrip(c, 100);
		if (released == 0) {
			session_sleep_ms(2);
		}
	}
	session_assert_msg(a.s, released > 0, "no release within 3 s");
	/* Released: the client may draw in it again. */
	paint(pixels, width, 0, 0, width, height, 0xff0000ff);
	expect_no_error(&a, c);
	expect_pixel(&a, "attacker", width / 2, height / 2, 0xff0000,
			"drawn into the buffer after its release");
	munmap(pixels, bytes);
	close(fd);
	raw_client_destroy(c);
	attack_end(&a);
}

/*
 * M13: one pool's buffer (16 MiB) attached to many surfaces. The compositor
 * keeps a copy of every surface's frame, and one pool of 16 MiB made as many
 * copies as the client had surfaces: with a pool of 384 MiB, twenty
 * surfaces were 7.5 GiB of the compositor's memory, and the kernel ends the
 * compositor (found in review). The copies of one client are held to its
 * shm budget (here 64 MiB: four copies); what malloc holds for the
 * compositor (test-control heap) grows by at most that, by one copy at
 * least, and comes back when the client goes.
 */
static uint64_t
heap_in_use(struct strata_session *s)
{
	char *reply = session_ctl_ok(s, "heap");
	unsigned long long in_use = 0;
	session_assert_msg(s, sscanf(reply, "ok in_use=%llu", &in_use) == 1, "heap: %s", reply);
	free(reply);
	return in_use;
}

static void
m13_one_pool_on_many_surfaces(void)
{
	struct session_options opts = { .config = "[limits]\nshm_mib_per_client = 64\n" };
	struct attack a;
	a.s = session_start(&opts);
	char *argv[] = { "weston-simple-shm", NULL };
	session_require_program("weston-simple-shm");
	a.victim = session_spawn_client(a.s, "high", argv);
	session_assert(a.s,
			session_wait_window(a.s, &(struct window_match){ .level = "high" }, NULL,
					10000));
	session_sleep_ms(200);
	a.baseline_fds = session_compositor_fd_count(a.s);
	const int side = 2048;
	const size_t frame = (size_t)side * side * 4, budget = 64u << 20;
	uint64_t before = heap_in_use(a.s);
	struct raw_client *c = attacker(&a);
	int fd = memfd_of_size((off_t)frame);
	struct wl_shm_pool *pool = wl_shm_create_pool(c->shm, fd, (int32_t)frame);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, side, side, side * 4,
			WL_SHM_FORMAT_ARGB8888);
	struct wl_surface *surfaces[8];
	for (int i = 0; i < 8; i++) {
		surfaces[i] = wl_compositor_create_surface(c->compositor);
		wl_surface_attach(surfaces[i], buffer, 0, 0);
		wl_surface_damage(surfaces[i], 0, 0, side, side);
		wl_surface_commit(surfaces[i]);
		expect_no_error(&a, c);
	}
	uint64_t during = heap_in_use(a.s);
	tap_diag("heap in use: %llu before, %llu with 8 surfaces of one 16 MiB buffer",
			(unsigned long long)before, (unsigned long long)during);
	session_assert_msg(a.s, during >= before + frame,
			"no copy was made (%llu -> %llu): the test shows nothing",
			(unsigned long long)before, (unsigned long long)during);
	session_assert_msg(a.s, during <= before + budget + (4u << 20),
			"the compositor holds %llu bytes more for one client's 16 MiB pool "
			"(budget %zu)",
			(unsigned long long)(during - before), budget);
	raw_client_destroy(c);
	close(fd);
	uint64_t deadline = session_now_ms() + 3000, after = heap_in_use(a.s);
	while (after > before + (4u << 20) && session_now_ms() < deadline) {
		session_sleep_ms(50);
		after = heap_in_use(a.s);
	}
	session_assert_msg(a.s, after <= before + (4u << 20),
			"the copies stayed after the client went: %llu -> %llu",
			(unsigned long long)before, (unsigned long long)after);
	attack_end(&a);
}

TAP_TESTS(TAP_CASE(m01_truncated_pool_on_mapped_window),
		TAP_CASE(m02_truncate_after_destroying_the_buffer),
		TAP_CASE(m02b_truncate_before_any_frame), TAP_CASE(m03_stride_smaller_than_a_row),
		TAP_CASE(m04_pool_larger_than_its_file), TAP_CASE(m05_pool_size_negative_or_zero),
		TAP_CASE(m06_buffer_arithmetic_overflow), TAP_CASE(m07_oversized_buffer),
		TAP_CASE(m08_huge_unused_pool), TAP_CASE(m09_pool_hoarding),
		TAP_CASE(m10_pool_destroyed_or_resized_mid_frame), TAP_CASE(m11_absurd_geometry),
		TAP_CASE(m12_bad_scale_and_transform),
		TAP_CASE(damage_is_copied_into_the_surface_copy),
		TAP_CASE(release_waits_for_every_attach), TAP_CASE(m13_one_pool_on_many_surfaces), )
