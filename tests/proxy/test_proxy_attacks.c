// SPDX-License-Identifier: MIT
/*
 * Raw-socket attack clients against strata-cage-proxy (rows M13, M14, M16,
 * M17, M20-M22 of the attack catalogue, shared/brief/notes/
 * testing-and-attacks.md, plus the proxy's own policy: fd kinds, binds).
 *
 * Each case starts a session and a sandboxed proxy on the low level, runs a
 * weston-simple-shm through the proxy (the victim: another client of the
 * same cage), then lets an attacker write bytes of its own making to the
 * proxy's socket. The attacker must get a wl_display.error from the proxy
 * ("cage-proxy: ...", with the expected reason) or, where it cannot be told
 * anything (it does not read; it was never accepted), be disconnected; within
 * 3 s. Then the proxy is alive and serves a fresh client, the victim runs
 * and its window is listed, the compositor answers, and its fd count is back
 * to what it was before the attacker came.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wayland-client.h>
#include "common/io.h"
#include "proxy_test.h"

#define REFUSAL_TIMEOUT_MS 3000
#define VICTIM_APP_ID "org.freedesktop.weston.simple-shm"

struct attack {
	struct strata_session *s;
	struct strata_proxy *p;
	pid_t victim;
	unsigned victim_window;
	int baseline_fds;
};

static void
attack_begin_with_fd_limit(struct attack *a, const char *proxy_config, unsigned fd_limit)
{
	session_require_program("weston-simple-shm");
	a->s = session_start(NULL);
	a->p = proxy_start_with_fd_limit(a->s, "low", proxy_config, fd_limit);
	char *argv[] = { "weston-simple-shm", NULL };
	a->victim = proxy_spawn_client(a->p, argv);
	struct window_info w;
	if (!session_wait_window(a->s, &(struct window_match){ .app_id = VICTIM_APP_ID }, &w,
			    10000)) {
		session_dump_client_log(a->s, a->victim, 20);
		proxy_dump_log(a->p, 20);
		session_fail(a->s, "the victim's window never mapped through the proxy");
	}
	a->victim_window = w.id;
	session_sleep_ms(200);
	a->baseline_fds = session_compositor_fd_count(a->s);
	session_assert(a->s, a->baseline_fds > 0);
}

static void
attack_begin(struct attack *a, const char *proxy_config)
{
	attack_begin_with_fd_limit(a, proxy_config, 0);
}

/* A fresh, well-behaved client gets through the proxy. */
static bool
proxy_serves(struct attack *a)
{
	/* The proxy may still be closing the attacker's connections. */
	uint64_t deadline = session_now_ms() + 3000;
	do {
		struct raw_client *c = raw_client_connect(a->p->socket);
		if (c) {
			bool ok = raw_client_roundtrip(c, 3000) && c->compositor && c->wm_base;
			raw_client_destroy(c);
			if (ok) {
				return true;
			}
		}
		session_sleep_ms(50);
	} while (session_now_ms() < deadline);
	return false;
}

static void
attack_end(struct attack *a)
{
	struct strata_session *s = a->s;
	if (!proxy_running(a->p)) {
		proxy_dump_log(a->p, 30);
		session_fail(s, "the proxy died");
	}
	session_assert_msg(s, proxy_serves(a), "the proxy no longer serves a fresh client");
	session_assert_msg(s, session_compositor_alive(s), "the compositor no longer answers");
	session_assert_msg(s, session_client_running(s, a->victim),
			"the victim (another client of the cage) died");
	session_assert_msg(s,
			session_find_window(s, &(struct window_match){ .id = a->victim_window },
					NULL),
			"the victim's window is gone");
	session_assert_msg(s, session_wait_fd_count(s, a->baseline_fds, 5000),
			"compositor fds: %d, %d before the attack", session_compositor_fd_count(s),
			a->baseline_fds);
	session_kill_client(s, a->victim);
	proxy_stop(a->p);
	session_stop(s);
}

/* Connected, registry seen, the usual globals bound. */
static struct raw_wire *
attacker(struct attack *a)
{
	struct raw_wire *w = raw_wire_connect(a->p->socket);
	session_assert_msg(a->s, w != NULL, "cannot connect to the proxy");
	session_assert_msg(a->s, raw_wire_handshake(w, 5000) && w->compositor && w->shm,
			"the attacker's handshake failed (%s)",
			w->got_error ? w->error_text : "no error");
	return w;
}

/* The attacker got wl_display.error("cage-proxy: ...reason...") and was
 * disconnected, and the proxy logged it. */
static void
expect_refused(struct attack *a, struct raw_wire *w, const char *reason)
{
	enum raw_wire_outcome outcome = raw_wire_wait_end(w, REFUSAL_TIMEOUT_MS);
	if (outcome != RAW_WIRE_ERROR) {
		proxy_dump_log(a->p, 10);
		session_fail(a->s, "expected an error (\"%s\") within %d ms, got %s", reason,
				REFUSAL_TIMEOUT_MS, raw_wire_outcome_str(outcome));
	}
	tap_diag("refused: object %u code %u \"%s\"", w->error_object, w->error_code,
			w->error_text);
	session_assert_msg(a->s, strncmp(w->error_text, "cage-proxy: ", 12) == 0,
			"the error does not come from the proxy: \"%s\"", w->error_text);
	session_assert_msg(a->s, strstr(w->error_text, reason) != NULL,
			"the error \"%s\" does not say \"%s\"", w->error_text, reason);
	session_assert_msg(a->s, w->eof, "the attacker was told but not disconnected");
	char needle[300];
	snprintf(needle, sizeof(needle), "ended: %s", w->error_text + 12);
	session_assert_msg(a->s, proxy_wait_log(a->p, needle, 2000), "the proxy did not log \"%s\"",
			needle);
	raw_wire_close(w);
}

/* Disconnected without a word (within 3 s). */
static void
expect_disconnected(struct attack *a, struct raw_wire *w)
{
	enum raw_wire_outcome outcome = raw_wire_wait_end(w, REFUSAL_TIMEOUT_MS);
	session_assert_msg(a->s, outcome == RAW_WIRE_EOF, "expected a disconnection, got %s%s%s",
			raw_wire_outcome_str(outcome), w->got_error ? ": " : "",
			w->got_error ? w->error_text : "");
	raw_wire_close(w);
}

/* What was sent went through: a round trip after it is answered, no error. */
static void
expect_accepted(struct attack *a, struct raw_wire *w, const char *what)
{
	bool answered = raw_wire_roundtrip(w, REFUSAL_TIMEOUT_MS);
	session_assert_msg(a->s, answered && !w->got_error && !w->eof, "%s was refused: %s", what,
			w->got_error ? w->error_text : (w->eof ? "disconnected" : "no answer"));
}

static void
send_all(struct attack *a, struct raw_wire *w, struct wire_msg *m, const int *fds, size_t nfds)
{
	size_t sent = raw_wire_send(w, m, fds, nfds, 2000);
	session_assert_msg(a->s, sent > 0, "nothing could be sent: %s", strerror(errno));
}

static int
memfd_of_size(off_t size)
{
	int fd = memfd_create("attack", MFD_CLOEXEC);
	tap_assert(fd >= 0 && ftruncate(fd, size) == 0);
	return fd;
}

/* ---- M13: malformed requests --------------------------------------------- */

/* Opcodes at the edge: the last request of an interface (request_count - 1)
 * goes through, request_count is refused. wl_display has 2 requests,
 * wl_compositor 2, wl_region 3 (wayland.xml). */
static void
m13_opcode_at_the_request_count(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct wire_msg m;
	struct raw_wire *w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, 1, 1); /* get_registry: opcode 1, the last */
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_accepted(&a, w, "wl_display request 1 (get_registry)");
	wire_msg_reset(&m);
	uint32_t region = raw_wire_new_id(w);
	wire_msg_new_id(&m, w->compositor, 1, region); /* create_region: opcode 1, the last */
	wire_msg_begin(&m, region, 2); /* subtract: opcode 2, the last */
	for (int i = 0; i < 4; i++) {
		wire_msg_u32(&m, 1);
	}
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_accepted(&a, w, "wl_compositor request 1, wl_region request 2");
	wire_msg_reset(&m);
	wire_msg_begin(&m, region, 3);
	for (int i = 0; i < 4; i++) {
		wire_msg_u32(&m, 1);
	}
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "wl_region has no request 3");

	w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, 1, 2);
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "wl_display has no request 2");

	w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->compositor, 2);
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "wl_compositor has no request 2");

	/* And far away. */
	w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->compositor, 0xffff);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "wl_compositor has no request 65535");
	attack_end(&a);
}

/* `since` at the edge: a wl_surface of version 4 (the handshake binds
 * wl_compositor 4) may send damage_buffer (since 4), not offset (since 5). */
static void
m13_since_at_the_object_version(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct raw_wire *w = attacker(&a);
	session_assert_int_eq(a.s, raw_wire_find_global(w, "wl_compositor")->version, 4);
	struct wire_msg m;
	wire_msg_reset(&m);
	uint32_t surface = raw_wire_new_id(w);
	wire_msg_new_id(&m, w->compositor, 0, surface); /* create_surface */
	wire_msg_begin(&m, surface, 9); /* damage_buffer, since 4 */
	for (int i = 0; i < 4; i++) {
		wire_msg_u32(&m, 1);
	}
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_accepted(&a, w, "wl_surface.damage_buffer (since 4) on a version 4 surface");
	wire_msg_reset(&m);
	wire_msg_begin(&m, surface, 10); /* offset, since 5 */
	wire_msg_u32(&m, 0);
	wire_msg_u32(&m, 0);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "wl_surface.offset needs version 5, object has 4");
	attack_end(&a);
}

static void
m13_unknown_object(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct raw_wire *w = attacker(&a);
	struct wire_msg m;
	wire_msg_reset(&m);
	wire_msg_begin(&m, 4242, 0);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "request to object 4242, which does not exist");
	attack_end(&a);
}

static void
m13_new_id_gap_reuse_and_server_range(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct wire_msg m;

	/* Exactly the next id: accepted; the one after it (a gap of one): not. */
	struct raw_wire *w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->compositor, 1); /* create_region */
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_accepted(&a, w, "create_region with the next id");
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->compositor, 1);
	wire_msg_u32(&m, w->next_id + 1);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	char gap[96];
	snprintf(gap, sizeof(gap), "invalid new id %u for wl_region", w->next_id + 1);
	expect_refused(&a, w, gap);

	/* A live id: the registry's. */
	w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, 1, 0); /* sync */
	wire_msg_u32(&m, w->registry);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "invalid new id");

	/* An id in the compositor's range. */
	w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->compositor, 1); /* create_region */
	wire_msg_u32(&m, 0xff000001u);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "in the compositor's range");
	attack_end(&a);
}

/* M14: a request on an object the client destroyed. */
static void
m14_request_on_a_destroyed_object(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct raw_wire *w = attacker(&a);
	struct wire_msg m;
	wire_msg_reset(&m);
	uint32_t region = raw_wire_new_id(w);
	wire_msg_new_id(&m, w->compositor, 1, region); /* create_region */
	wire_msg_begin(&m, region, 0); /* destroy */
	wire_msg_end(&m);
	wire_msg_begin(&m, region, 1); /* add */
	for (int i = 0; i < 4; i++) {
		wire_msg_u32(&m, 10);
	}
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	char reason[80];
	snprintf(reason, sizeof(reason), "request to object %u, which does not exist", region);
	expect_refused(&a, w, reason);
	attack_end(&a);
}

/* An object argument of the wrong interface. */
static void
m13_object_argument_of_the_wrong_type(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct raw_wire *w = attacker(&a);
	struct wire_msg m;
	wire_msg_reset(&m);
	uint32_t surface = raw_wire_new_id(w), region = raw_wire_new_id(w);
	wire_msg_new_id(&m, w->compositor, 0, surface); /* create_surface */
	wire_msg_new_id(&m, w->compositor, 1, region); /* create_region */
	wire_msg_begin(&m, surface, 1); /* attach(buffer = a region) */
	wire_msg_u32(&m, region);
	wire_msg_u32(&m, 0);
	wire_msg_u32(&m, 0);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "is a wl_region, not a wl_buffer");
	attack_end(&a);
}

/* M13, M16: header sizes that cannot be. */
static void
m16_impossible_sizes(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	const uint16_t sizes[] = { 8192, 4100, 4097, 7, 4, 0, 10, 13 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct raw_wire *w = attacker(&a);
		struct wire_msg m;
		wire_msg_reset(&m);
		wire_msg_begin(&m, 1, 0);
		wire_msg_set_size(&m, sizes[i]);
		send_all(&a, w, &m, NULL, 0);
		tap_diag("size %u", sizes[i]);
		expect_refused(&a, w, "invalid message size");
	}
	attack_end(&a);
}

/* The smallest message (8 bytes, no argument) and the largest (4096 bytes:
 * a title of 4083 bytes and its NUL) go through. */
static void
m16_sizes_at_the_limits_accepted(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct raw_wire *w = attacker(&a);
	struct wire_msg m;
	wire_msg_reset(&m);
	uint32_t surface = raw_wire_new_id(w);
	wire_msg_new_id(&m, w->compositor, 0, surface); /* create_surface */
	uint32_t xdg_surface = raw_wire_new_id(w);
	wire_msg_begin(&m, w->wm_base, 2); /* get_xdg_surface */
	wire_msg_u32(&m, xdg_surface);
	wire_msg_u32(&m, surface);
	wire_msg_end(&m);
	uint32_t toplevel = raw_wire_new_id(w);
	wire_msg_new_id(&m, xdg_surface, 1, toplevel); /* get_toplevel */
	size_t before = m.len;
	wire_msg_begin(&m, surface, 6); /* commit: 8 bytes */
	wire_msg_end(&m);
	session_assert_int_eq(a.s, m.len - before, 8);
	send_all(&a, w, &m, NULL, 0);
	expect_accepted(&a, w, "an 8-byte message");

	static char title[4084];
	memset(title, 't', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	wire_msg_reset(&m);
	wire_msg_begin(&m, toplevel, 2); /* set_title */
	wire_msg_string(&m, title);
	wire_msg_end(&m);
	session_assert_int_eq(a.s, m.len, 4096);
	send_all(&a, w, &m, NULL, 0);
	expect_accepted(&a, w, "a 4096-byte set_title");
	raw_wire_close(w);
	attack_end(&a);
}

/* The header's size disagrees with the arguments. */
static void
m13_header_lies_about_the_size(void)
{
	struct attack a;
	attack_begin(&a, NULL);

	/* 64 bytes for a sync, which has 4 bytes of arguments. */
	struct raw_wire *w = attacker(&a);
	struct wire_msg m;
	wire_msg_reset(&m);
	wire_msg_begin(&m, 1, 0);
	wire_msg_u32(&m, w->next_id);
	for (int i = 0; i < 13; i++) {
		wire_msg_u32(&m, 0);
	}
	wire_msg_set_size(&m, 64);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "bytes left after the last argument");

	/* 12 bytes for a bind, whose arguments take 28 and more. */
	w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->registry, 0);
	wire_msg_u32(&m, raw_wire_find_global(w, "wl_compositor")->name);
	wire_msg_string(&m, "wl_compositor");
	wire_msg_u32(&m, 1);
	wire_msg_u32(&m, w->next_id);
	wire_msg_set_size(&m, 12);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "argument runs past the end of the message");

	/* A string whose length word points past the message. */
	w = attacker(&a);
	uint32_t surface = raw_wire_new_id(w);
	wire_msg_reset(&m);
	wire_msg_new_id(&m, w->compositor, 0, surface);
	wire_msg_begin(&m, w->wm_base, 2); /* get_xdg_surface */
	uint32_t xdg_surface = raw_wire_new_id(w);
	wire_msg_u32(&m, xdg_surface);
	wire_msg_u32(&m, surface);
	wire_msg_end(&m);
	uint32_t toplevel = raw_wire_new_id(w);
	wire_msg_new_id(&m, xdg_surface, 1, toplevel);
	wire_msg_begin(&m, toplevel, 2); /* set_title */
	wire_msg_u32(&m, 4000); /* the length of a string that is not there */
	wire_msg_u32(&m, 0x41414141);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "argument runs past the end of the message");
	attack_end(&a);
}

/* ---- fds ------------------------------------------------------------------ */

/* 28 fds in one sendmsg, libwayland's most, go through (parked: a sync
 * uses none); 29 are truncated, and refused. */
static void
fds_28_accepted_29_refused_in_one_sendmsg(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	int fds[29];
	for (int i = 0; i < 29; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		tap_assert(fds[i] >= 0);
	}
	struct raw_wire *w = attacker(&a);
	struct wire_msg m;
	wire_msg_reset(&m);
	wire_msg_begin(&m, 1, 0);
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_end(&m);
	send_all(&a, w, &m, fds, 28);
	expect_accepted(&a, w, "28 fds in one sendmsg");
	raw_wire_close(w);

	w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, 1, 0);
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_end(&m);
	send_all(&a, w, &m, fds, 29);
	for (int i = 0; i < 29; i++) {
		close(fds[i]);
	}
	expect_refused(&a, w, "more than 28 fds");
	attack_end(&a);
}

static void
shm_pool_fd_of_the_wrong_kind_or_too_small(void)
{
	struct attack a;
	attack_begin(&a, NULL);

	/* A pipe is no memory. */
	struct raw_wire *w = attacker(&a);
	int pipe_fds[2];
	tap_assert(pipe2(pipe_fds, O_CLOEXEC) == 0);
	struct wire_msg m;
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->shm, 0); /* create_pool(id, fd, size) */
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_u32(&m, 4096);
	wire_msg_end(&m);
	send_all(&a, w, &m, &pipe_fds[0], 1);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	expect_refused(&a, w, "wl_shm.create_pool: the fd is not a memfd or regular file");

	/* A 1 MiB pool on a 4 KiB memfd. */
	w = attacker(&a);
	int fd = memfd_of_size(4096);
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->shm, 0);
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_u32(&m, 1 << 20);
	wire_msg_end(&m);
	send_all(&a, w, &m, &fd, 1);
	close(fd);
	expect_refused(&a, w, "pool of 1048576 bytes on a file of 4096 bytes");

	/* No fd at all where one is needed. */
	w = attacker(&a);
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->shm, 0);
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_u32(&m, 4096);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "file descriptor expected");
	attack_end(&a);
}

static bool
has_selection(struct raw_wire *w)
{
	return w->selection_offer != 0 && w->last_offer_mime[0] != '\0';
}

/* An attacker that holds a real wl_data_offer for the level's selection:
 * it maps a window (and so gets focus, and the selection with it). */
static struct raw_wire *
attacker_with_offer(struct attack *a)
{
	struct raw_wire *w = attacker(a);
	session_assert(a->s, w->seat && w->data_device_manager);
	struct wire_msg m;
	wire_msg_reset(&m);
	w->data_device = raw_wire_new_id(w);
	wire_msg_begin(&m, w->data_device_manager, 1); /* get_data_device */
	wire_msg_u32(&m, w->data_device);
	wire_msg_u32(&m, w->seat);
	wire_msg_end(&m);
	send_all(a, w, &m, NULL, 0);
	session_assert_msg(a->s, raw_wire_map_window(w, 5000), "the attacker's window did not map");
	session_assert_msg(a->s, raw_wire_dispatch_until(w, has_selection, 5000),
			"the attacker got no selection offer (error: %s)",
			w->got_error ? w->error_text : "none");
	tap_diag("offer %u, mime \"%s\"", w->selection_offer, w->last_offer_mime);
	return w;
}

/* Waits until the low level holds a selection (the compositor says so),
 * then pastes (wl-paste, through the proxy) until it is text. */
static void
wait_for_selection(struct attack *a, const char *text)
{
	session_require_program("wl-paste");
	uint64_t deadline = session_now_ms() + 10000;
	for (;;) {
		char *reply = session_ctl_ok(a->s, "selections");
		bool set = strstr(reply, "selection level=low set=1") != NULL;
		free(reply);
		if (set) {
			break;
		}
		session_assert_msg(a->s, session_now_ms() < deadline, "low never held a selection");
		session_sleep_ms(30);
	}
	for (;;) {
		char *argv[] = { "wl-paste", "--no-newline", NULL };
		pid_t paster = proxy_spawn_client(a->p, argv);
		int status;
		session_assert_msg(a->s, session_wait_client_exit(a->s, paster, 10000, &status),
				"wl-paste hangs");
		char *got = session_read_file(session_client_log(a->s, paster), NULL);
		bool done = WIFEXITED(status) && WEXITSTATUS(status) == 0 && got &&
				strcmp(got, text) == 0;
		free(got);
		if (done) {
			return;
		}
		session_assert_msg(a->s, session_now_ms() < deadline,
				"the selection never became \"%s\"", text);
		session_sleep_ms(100);
	}
}

static void
data_offer_receive(struct attack *a, struct raw_wire *w, int fd)
{
	struct wire_msg m;
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->selection_offer, 1); /* receive(mime, fd) */
	wire_msg_string(&m, w->last_offer_mime);
	wire_msg_end(&m);
	send_all(a, w, &m, &fd, 1);
}

static void
data_offer_receive_fd_kinds(void)
{
	session_require_program("wl-copy");
	struct attack a;
	attack_begin(&a, NULL);
	/* The level's selection, held by a wl-copy of the same cage. */
	char *argv[] = { "wl-copy", "--foreground", "strata-proxy-secret", NULL };
	pid_t copier = proxy_spawn_client(a.p, argv);
	wait_for_selection(&a, "strata-proxy-secret");

	/* A pipe's write end: that is what the protocol means; it works. */
	struct raw_wire *w = attacker_with_offer(&a);
	int pipe_fds[2];
	tap_assert(pipe2(pipe_fds, O_CLOEXEC) == 0);
	data_offer_receive(&a, w, pipe_fds[1]);
	close(pipe_fds[1]);
	session_assert(a.s, raw_wire_roundtrip(w, 3000));
	char got[64] = "";
	ssize_t len = io_read_all(pipe_fds[0], got, sizeof(got) - 1);
	got[len > 0 ? len : 0] = '\0';
	close(pipe_fds[0]);
	session_assert_msg(a.s, strcmp(got, "strata-proxy-secret") == 0,
			"the paste through a pipe gave \"%s\"", got);
	raw_wire_close(w);

	/* The read end of a pipe. */
	w = attacker_with_offer(&a);
	tap_assert(pipe2(pipe_fds, O_CLOEXEC) == 0);
	data_offer_receive(&a, w, pipe_fds[0]);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	expect_refused(&a, w, "wl_data_offer.receive: the fd is not the write end of a pipe");

	/* A socket: a two-way channel to the source. */
	w = attacker_with_offer(&a);
	int sv[2];
	tap_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	data_offer_receive(&a, w, sv[0]);
	close(sv[0]);
	close(sv[1]);
	expect_refused(&a, w, "wl_data_offer.receive: the fd is not the write end of a pipe");

	/* A regular file opened for writing. */
	w = attacker_with_offer(&a);
	char path[300];
	snprintf(path, sizeof(path), "%s/receive-target", a.s->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	tap_assert(fd >= 0);
	data_offer_receive(&a, w, fd);
	close(fd);
	expect_refused(&a, w, "wl_data_offer.receive: the fd is not the write end of a pipe");

	session_assert_msg(a.s, session_client_running(a.s, copier), "wl-copy died");
	session_kill_client(a.s, copier);
	attack_end(&a);
}

/* ---- binds ------------------------------------------------------------------ */

static void
bind_global(struct wire_msg *m, struct raw_wire *w, uint32_t name, const char *interface,
		uint32_t version)
{
	wire_msg_reset(m);
	wire_msg_begin(m, w->registry, 0);
	wire_msg_u32(m, name);
	wire_msg_string(m, interface);
	wire_msg_u32(m, version);
	wire_msg_u32(m, raw_wire_new_id(w));
	wire_msg_end(m);
}

static void
bind_hidden_global_by_its_name(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	/* The core socket shows the privileged globals and their names; names
	 * are the same for every client of the display. */
	struct raw_client *core = raw_client_connect(session_socket(a.s, "core"));
	session_assert(a.s, core != NULL);
	const struct raw_global *hidden =
			raw_client_find_global(core, "zwlr_screencopy_manager_v1");
	session_assert_msg(a.s, hidden != NULL,
			"the core socket has no zwlr_screencopy_manager_v1");
	uint32_t name = hidden->name;
	raw_client_destroy(core);

	struct raw_wire *w = attacker(&a);
	session_assert_msg(a.s, raw_wire_find_global(w, "zwlr_screencopy_manager_v1") == NULL,
			"the proxy shows zwlr_screencopy_manager_v1");
	struct wire_msg m;
	bind_global(&m, w, name, "zwlr_screencopy_manager_v1", 1);
	send_all(&a, w, &m, NULL, 0);
	char reason[80];
	snprintf(reason, sizeof(reason), "bind to global %u, which this client was never shown",
			name);
	expect_refused(&a, w, reason);
	attack_end(&a);
}

static void
bind_above_the_version_cap_or_as_another_interface(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct wire_msg m;

	struct raw_wire *w = attacker(&a);
	const struct raw_wire_global *g = raw_wire_find_global(w, "wl_compositor");
	session_assert(a.s, g != NULL);
	bind_global(&m, w, g->name, "wl_compositor", g->version + 1);
	send_all(&a, w, &m, NULL, 0);
	char reason[80];
	snprintf(reason, sizeof(reason), "bind to wl_compositor version %u (allowed: 1 to %u)",
			g->version + 1, g->version);
	expect_refused(&a, w, reason);

	w = attacker(&a);
	g = raw_wire_find_global(w, "wl_compositor");
	bind_global(&m, w, g->name, "wl_compositor", 0);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "bind to wl_compositor version 0");

	w = attacker(&a);
	g = raw_wire_find_global(w, "wl_compositor");
	bind_global(&m, w, g->name, "wl_shm", 1);
	send_all(&a, w, &m, NULL, 0);
	snprintf(reason, sizeof(reason), "bind to global %u as \"wl_shm\", but it is wl_compositor",
			g->name);
	expect_refused(&a, w, reason);
	attack_end(&a);
}

/* ---- floods ------------------------------------------------------------------- */

/* Many copies of one 12-byte request creating a new object each, in
 * batches of `batch`, pausing pause_ms between batches. */
static void
flood(struct attack *a, struct raw_wire *w, uint32_t object, uint16_t opcode, int count, int batch,
		int pause_ms)
{
	struct wire_msg m;
	int sent = 0;
	while (sent < count) {
		wire_msg_reset(&m);
		for (int i = 0; i < batch && sent < count; i++, sent++) {
			wire_msg_begin(&m, object, opcode);
			wire_msg_u32(&m, raw_wire_new_id(w));
			wire_msg_end(&m);
		}
		if (raw_wire_send(w, &m, NULL, 0, 2000) != m.len) {
			break; /* the proxy stopped reading or hung up: that is the point */
		}
		if (pause_ms > 0) {
			session_sleep_ms(pause_ms);
		}
	}
	tap_diag("%d of %d requests sent", sent, count);
}

/*
 * 10,000 registries, never read. Each makes the compositor write every
 * global (some 650 bytes), hundreds per dispatch: the attacker must be
 * disconnected, whether the proxy cuts it at its buffer limit or the
 * compositor drops the proxy's connection for it when a burst overfills the
 * socket; either way nobody else notices.
 */
static void
m17_registry_flood(void)
{
	struct attack a;
	attack_begin(&a, "[proxy]\nclient_buffer_kib = 256\n");
	struct raw_wire *w = attacker(&a);
	flood(&a, w, 1, 1, 10000, 1000, 0);
	enum raw_wire_outcome outcome = raw_wire_wait_end(w, 5000);
	session_assert_msg(a.s, outcome != RAW_WIRE_ALIVE,
			"the attacker is still connected after %llu bytes of events",
			(unsigned long long)w->bytes_read);
	tap_diag("attacker ended by %s after %llu bytes of events (%s)",
			raw_wire_outcome_str(outcome), (unsigned long long)w->bytes_read,
			proxy_log_contains(a.p, "cut: it does not read its events") ?
					"cut by the proxy" :
					"the compositor dropped it");
	raw_wire_close(w);
	attack_end(&a);
}

/* M22: 200,000 regions against max_objects = 1000. */
static void
m22_object_flood(void)
{
	struct attack a;
	attack_begin(&a, "[proxy]\nmax_objects = 1000\n");
	struct raw_wire *w = attacker(&a);
	flood(&a, w, w->compositor, 1, 200000, 1000, 0);
	expect_refused(&a, w, "over 1000 objects");
	attack_end(&a);
}

/* max_messages_per_second = 100: a burst of 1,000 syncs. */
static void
request_rate_limit(void)
{
	struct attack a;
	attack_begin(&a, "[proxy]\nmax_messages_per_second = 100\n");
	struct raw_wire *w = attacker(&a);
	flood(&a, w, 1, 0, 1000, 1000, 0);
	expect_refused(&a, w, "more than 100 requests per second");
	attack_end(&a);
}

/* ---- level protocols: xdg-activation, xdg-foreign, server-decoration ------ */

/* Binds interface at version 1; its new id. */
static uint32_t
bind_level_global(struct attack *a, struct raw_wire *w, const char *interface)
{
	const struct raw_wire_global *g = raw_wire_find_global(w, interface);
	session_assert_msg(a->s, g != NULL, "the proxy does not show %s", interface);
	struct wire_msg m;
	bind_global(&m, w, g->name, interface, 1);
	send_all(a, w, &m, NULL, 0);
	return w->next_id - 1;
}

/* xdg_activation_v1.get_activation_token (opcode 1) count times in one
 * write; each token is destroyed (xdg_activation_token_v1.destroy, 4). */
static void
ask_tokens(struct attack *a, struct raw_wire *w, uint32_t activation, int count)
{
	struct wire_msg m;
	wire_msg_reset(&m);
	for (int i = 0; i < count; i++) {
		uint32_t token = raw_wire_new_id(w);
		wire_msg_new_id(&m, activation, 1, token);
		wire_msg_begin(&m, token, 4);
		wire_msg_end(&m);
	}
	send_all(a, w, &m, NULL, 0);
}

/* Ten tokens at once pass (a burst of user actions); the eleventh, right
 * after, ends the client: tokens are not for trying until one works. */
static void
activation_token_requests_are_rate_limited(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	struct raw_wire *w = attacker(&a);
	uint32_t activation = bind_level_global(&a, w, "xdg_activation_v1");
	ask_tokens(&a, w, activation, 10);
	expect_accepted(&a, w, "a burst of 10 activation tokens");
	ask_tokens(&a, w, activation, 1);
	expect_refused(&a, w, "more than 10 activation tokens at once");

	/* A client asking for one a second is never refused. */
	w = attacker(&a);
	activation = bind_level_global(&a, w, "xdg_activation_v1");
	for (int i = 0; i < 13; i++) {
		ask_tokens(&a, w, activation, 1);
		expect_accepted(&a, w, "one activation token a second");
		if (i >= 9) {
			session_sleep_ms(1100); /* the limit's own clock: one per 1000 ms */
		}
	}
	raw_wire_close(w);
	attack_end(&a);
}

/* A string request: object, opcode, an optional new id first, the string,
 * an optional object after. */
static void
send_string_request(struct attack *a, struct raw_wire *w, uint32_t object, uint16_t opcode,
		uint32_t new_id, const char *text, uint32_t object_after)
{
	struct wire_msg m;
	wire_msg_reset(&m);
	wire_msg_begin(&m, object, opcode);
	if (new_id) {
		wire_msg_u32(&m, new_id);
	}
	wire_msg_string(&m, text);
	if (object_after) {
		wire_msg_u32(&m, object_after);
	}
	wire_msg_end(&m);
	send_all(a, w, &m, NULL, 0);
}

/* wl_compositor.create_surface; the new surface's id. */
static uint32_t
new_surface(struct attack *a, struct raw_wire *w)
{
	struct wire_msg m;
	wire_msg_reset(&m);
	uint32_t surface = raw_wire_new_id(w);
	wire_msg_new_id(&m, w->compositor, 0, surface);
	send_all(a, w, &m, NULL, 0);
	return surface;
}

/*
 * Names the compositor looks up (activation tokens, xdg-foreign handles) or
 * keeps (an activation's app_id) are 1 to 255 printable ASCII characters;
 * anything else is refused by the proxy, with what the compositor would
 * answer to a good one (an unknown token is ignored, an unknown handle is
 * a dead import) left for the compositor's tests. KDE server-decoration
 * modes are 0, 1, 2.
 */
static void
activation_and_foreign_names_and_decoration_modes(void)
{
	struct attack a;
	attack_begin(&a, NULL);
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	static const char *const bad_names[] = { "two words", "esc\x1b[31m", "", "caf\xc3\xa9" };

	for (size_t i = 0; i <= sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		const char *name = i < sizeof(bad_names) / sizeof(bad_names[0]) ? bad_names[i] :
										  long_name;
		/* xdg_activation_v1.activate (opcode 2): token, surface */
		struct raw_wire *w = attacker(&a);
		uint32_t activation = bind_level_global(&a, w, "xdg_activation_v1");
		uint32_t surface = new_surface(&a, w);
		send_string_request(&a, w, activation, 2, 0, name, surface);
		expect_refused(&a, w, "xdg_activation_v1.activate: not 1 to 255 printable");

		/* xdg_activation_token_v1.set_app_id (opcode 1) */
		w = attacker(&a);
		activation = bind_level_global(&a, w, "xdg_activation_v1");
		uint32_t token = raw_wire_new_id(w);
		struct wire_msg m;
		wire_msg_reset(&m);
		wire_msg_new_id(&m, activation, 1, token);
		send_all(&a, w, &m, NULL, 0);
		send_string_request(&a, w, token, 1, 0, name, 0);
		expect_refused(&a, w, "xdg_activation_token_v1.set_app_id: not 1 to 255");

		/* zxdg_importer_v2.import_toplevel (opcode 1): new id, handle */
		w = attacker(&a);
		uint32_t importer = bind_level_global(&a, w, "zxdg_importer_v2");
		send_string_request(&a, w, importer, 1, raw_wire_new_id(w), name, 0);
		expect_refused(&a, w, "import_toplevel: the handle is not 1 to 255");
	}

	/* The same requests with good names go through. */
	struct raw_wire *w = attacker(&a);
	uint32_t activation = bind_level_global(&a, w, "xdg_activation_v1");
	uint32_t surface = new_surface(&a, w);
	send_string_request(&a, w, activation, 2, 0, "0123456789abcdef0123456789abcdef", surface);
	uint32_t importer = bind_level_global(&a, w, "zxdg_importer_v2");
	send_string_request(&a, w, importer, 1, raw_wire_new_id(w),
			"3f2504e0-4f89-11d3-9a0c-0305e82c3301", 0);
	expect_accepted(&a, w, "an activation and an import with well-formed names");

	/* org_kde_kwin_server_decoration_manager.create (0): id, surface; then
	 * org_kde_kwin_server_decoration.request_mode (1): 2 passes, 3 not. */
	uint32_t manager = bind_level_global(&a, w, "org_kde_kwin_server_decoration_manager");
	uint32_t decoration = raw_wire_new_id(w);
	struct wire_msg m;
	wire_msg_reset(&m);
	wire_msg_begin(&m, manager, 0);
	wire_msg_u32(&m, decoration);
	wire_msg_u32(&m, surface);
	wire_msg_end(&m);
	wire_msg_begin(&m, decoration, 1);
	wire_msg_u32(&m, 2);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_accepted(&a, w, "server-decoration mode 2 (server)");
	wire_msg_reset(&m);
	wire_msg_begin(&m, decoration, 1);
	wire_msg_u32(&m, 3);
	wire_msg_end(&m);
	send_all(&a, w, &m, NULL, 0);
	expect_refused(&a, w, "request_mode: mode 3 is none of 0, 1, 2");
	attack_end(&a);
}

/*
 * M17: thousands of callbacks, never read, with a 64 KiB client buffer: the
 * proxy cuts it, and the cage's other clients go on meanwhile. The syncs go
 * in batches of 250 (6 KiB of events each): a burst big enough to overfill
 * the compositor's socket before the proxy reads it would make the
 * compositor drop the client itself (m17_registry_flood), which is safe but
 * not what this case is about.
 */
static void
m17_never_reading_client(void)
{
	struct attack a;
	attack_begin(&a, "[proxy]\nclient_buffer_kib = 64\n");
	struct raw_client *neighbour = raw_client_connect(a.p->socket);
	session_assert(a.s, neighbour != NULL);
	struct raw_wire *w = attacker(&a);
	flood(&a, w, 1, 0, 50000, 250, 2);
	if (!proxy_wait_log(a.p, "cut: it does not read its events", 5000)) {
		proxy_dump_log(a.p, 10);
		session_fail(a.s, "the proxy did not cut the client that does not read");
	}
	session_assert_msg(a.s, raw_client_roundtrip(neighbour, 3000),
			"a neighbour in the same cage got no answer meanwhile");
	raw_client_destroy(neighbour);
	expect_disconnected(&a, w);
	attack_end(&a);
}

/* M21: max_clients = 4 (the victim is one): the fifth connection and later
 * get a wl_display.error that says why (libwayland's own client sees it as
 * a protocol error on wl_display) and are closed; the proxy logs it; once
 * some go, new ones are accepted again. */
static void
m21_connection_flood(void)
{
	struct attack a;
	attack_begin(&a, "[proxy]\nmax_clients = 4\n");
	struct raw_wire *in[3];
	for (int i = 0; i < 3; i++) {
		in[i] = attacker(&a);
	}
	for (int i = 0; i < 20; i++) {
		struct raw_wire *w = raw_wire_connect(a.p->socket);
		session_assert(a.s, w != NULL);
		enum raw_wire_outcome outcome = raw_wire_wait_end(w, REFUSAL_TIMEOUT_MS);
		if (outcome != RAW_WIRE_ERROR) {
			proxy_dump_log(a.p, 10);
		}
		session_assert_msg(a.s, outcome == RAW_WIRE_ERROR && w->eof,
				"connection %d over the limit: %s, %s", i + 1,
				raw_wire_outcome_str(outcome), w->eof ? "closed" : "still open");
		session_assert_msg(a.s,
				w->error_object == 1 && w->error_code == 3 &&
						strstr(w->error_text, "already has 4 clients") &&
						strstr(w->error_text, "max_clients"),
				"the refusal said object %u code %u \"%s\"", w->error_object,
				w->error_code, w->error_text);
		raw_wire_close(w);
	}
	/* What an ordinary client sees: libwayland's own reading of it. */
	struct wl_display *display = wl_display_connect(a.p->socket);
	session_assert(a.s, display != NULL);
	session_assert(a.s, wl_display_roundtrip(display) < 0);
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(display, &iface, &id);
	session_assert_msg(a.s,
			wl_display_get_error(display) == EPROTO && iface &&
					strcmp(iface->name, "wl_display") == 0 && id == 1 &&
					code == 3,
			"libwayland saw error %d, %s@%u code %u", wl_display_get_error(display),
			iface ? iface->name : "(none)", id, code);
	wl_display_disconnect(display);
	session_assert(a.s, proxy_wait_log(a.p, "refused a connection: already 4 clients", 2000));
	for (int i = 0; i < 3; i++) {
		session_assert_msg(a.s, raw_wire_roundtrip(in[i], 3000),
				"an accepted client stopped working during the flood");
		raw_wire_close(in[i]);
	}
	/* Room again: a new client is served, once the proxy has seen the three
	 * go (their hang-ups may reach it after the next connection). */
	struct raw_wire *again = NULL;
	uint64_t deadline = session_now_ms() + REFUSAL_TIMEOUT_MS;
	while (!again && session_now_ms() < deadline) {
		struct raw_wire *w = raw_wire_connect(a.p->socket);
		session_assert(a.s, w != NULL);
		if (raw_wire_handshake(w, 2000) && !w->got_error) {
			again = w;
		} else {
			raw_wire_close(w);
			session_sleep_ms(20);
		}
	}
	session_assert_msg(a.s, again, "no connection accepted once the others went");
	expect_accepted(&a, again, "a connection under the limit");
	raw_wire_close(again);
	attack_end(&a);
}

/* Open fds of a process (/proc/PID/fd). */
static int
process_fd_count(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *dir = opendir(path);
	tap_assert(dir != NULL);
	int count = 0;
	struct dirent *ent;
	while ((ent = readdir(dir))) {
		count += ent->d_name[0] != '.';
	}
	closedir(dir);
	return count;
}

/* CPU time a process used, in clock ticks (/proc/PID/stat utime + stime). */
static long
process_cpu_ticks(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *text = session_read_file(path, NULL);
	tap_assert(text != NULL);
	const char *p = strrchr(text, ')');
	long utime = 0, stime = 0;
	/* After the command: state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime. */
	tap_assert(p &&
			sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &utime,
					&stime) == 2);
	free(text);
	return utime + stime;
}

/*
 * Parks fds in the proxy, sent with syncs that have no use for them, from
 * new connections of 120 fds each, until the proxy holds `target` fds or
 * refuses a hoarder. The connections go into hoarders[] (*count).
 */
static bool
park_fds(struct attack *a, struct raw_wire **hoarders, int *count, int max_hoarders, int target)
{
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	tap_assert(null_fd >= 0);
	int fds[24];
	for (int i = 0; i < 24; i++) {
		fds[i] = null_fd;
	}
	int in_current = 120;
	bool refused = false;
	while (!refused && process_fd_count(a->p->pid) < target) {
		if (in_current + 24 > 120) {
			session_assert_msg(a->s, *count < max_hoarders, "too many hoarders needed");
			struct raw_wire *w = raw_wire_connect(a->p->socket);
			if (!w || !raw_wire_handshake(w, 3000)) {
				raw_wire_close(w);
				refused = true;
				break;
			}
			hoarders[(*count)++] = w;
			in_current = 0;
			continue; /* its sockets count too */
		}
		int n = target - process_fd_count(a->p->pid);
		n = n > 24 ? 24 : n;
		struct raw_wire *w = hoarders[*count - 1];
		struct wire_msg m;
		wire_msg_reset(&m);
		wire_msg_begin(&m, 1, 0);
		wire_msg_u32(&m, raw_wire_new_id(w));
		wire_msg_end(&m);
		raw_wire_send(w, &m, fds, (size_t)n, 2000);
		if (!raw_wire_roundtrip(w, 3000)) {
			tap_diag("a hoarder was refused at %d fds: %s", process_fd_count(a->p->pid),
					w->got_error ? w->error_text : "disconnected");
			refused = true;
		}
		in_current += n;
	}
	close(null_fd);
	return refused;
}

/*
 * M20: fds parked in the proxy. A message may carry fds it does not use;
 * they wait in the proxy (up to max_fds_in_flight per connection, 128), so
 * nine connections of a cage can hold more than the 1,024 fds a process
 * gets by default (the proxy here runs with that limit, as under a
 * supervisor that does not raise it). Whatever the hoarders do, a newcomer
 * of the same cage must then get through with the fds it needs (its
 * sockets, a keymap), and the proxy must not spin on a listening socket it
 * cannot accept from. Expected: the proxy budgets fds below its limit and
 * refuses the hoarder, not the newcomer.
 */
static void
m20_fds_parked_up_to_the_limit(void)
{
	struct attack a;
	attack_begin_with_fd_limit(&a, NULL, 1024);
	struct raw_wire *hoarders[16];
	int count = 0;
	bool refused = park_fds(&a, hoarders, &count, 16, 1024);
	int held = process_fd_count(a.p->pid);
	tap_diag("the proxy holds %d fds after %d hoarders%s", held, count,
			refused ? " (one was refused)" : "");

	/* It must not spin while a connection waits that it cannot accept. */
	long before = process_cpu_ticks(a.p->pid);
	struct raw_wire *w = raw_wire_connect(a.p->socket);
	session_sleep_ms(300);
	long used = process_cpu_ticks(a.p->pid) - before;
	long allowed = sysconf(_SC_CLK_TCK) * 3 / 50; /* 20 % of 300 ms */
	tap_diag("the proxy used %ld clock ticks in the 300 ms after the newcomer came", used);

	/* The newcomer gets in, and gets its keymap. */
	bool in = w && raw_wire_handshake(w, 1000);
	if (in) {
		struct wire_msg m;
		wire_msg_reset(&m);
		wire_msg_begin(&m, w->seat, 1); /* get_keyboard: a keymap fd comes back */
		wire_msg_u32(&m, raw_wire_new_id(w));
		wire_msg_end(&m);
		raw_wire_send(w, &m, NULL, 0, 2000);
		in = raw_wire_roundtrip(w, 1000);
	}
	const char *why = !w         ? "cannot connect" :
			w->got_error ? w->error_text :
			w->eof       ? "disconnected" :
				       "no answer";
	if (!in || used > allowed) {
		char *log = session_read_file(a.p->log, NULL);
		int lines = 0;
		for (const char *q = log; q && (q = strstr(q, "accept: ")); q++) {
			lines++;
		}
		free(log);
		tap_diag("%d \"accept:\" lines in the proxy log", lines);
		proxy_dump_log(a.p, 6);
	}
	session_assert_msg(a.s, in,
			"with fds parked by others, a newcomer of the cage was refused (%s)", why);
	session_assert_msg(a.s, used <= allowed,
			"the proxy spun on a connection it could not accept (%ld clock ticks in 300 ms)",
			used);
	raw_wire_close(w);
	for (int i = 0; i < count; i++) {
		raw_wire_close(hoarders[i]);
	}
	attack_end(&a);
}

/* ---- refusing to start ----------------------------------------------------- */

static void
proxy_refuses_to_start_without_its_upstream_or_with_half_an_identity(void)
{
	struct strata_session *s = session_start(NULL);
	char listen[300], upstream[300], *out = NULL;
	snprintf(listen, sizeof(listen), "%s/proxy-refused", s->dir);
	snprintf(upstream, sizeof(upstream), "%s/no-such-socket", s->dir);

	const char *missing[] = { "--level", "low", "--listen", listen, "--upstream", upstream,
		NULL };
	int status = proxy_run_to_exit(s, missing, 5000, &out);
	tap_diag("no upstream: %s", out);
	session_assert_msg(s, WIFEXITED(status) && WEXITSTATUS(status) != 0,
			"the proxy started without its upstream (status 0x%x)", status);
	session_assert_msg(s, strstr(out, "refusing to run") && strstr(out, "no-such-socket"),
			"no clear message: %s", out);
	session_assert_msg(s, !strstr(out, "ready"), "it said ready");
	struct stat st;
	session_assert_msg(s, stat(listen, &st) < 0, "%s was left behind", listen);
	free(out);

	const char *half[] = { "--level", "low", "--listen", listen, "--upstream",
		session_socket(s, "low"), "--uid", "65534", NULL };
	status = proxy_run_to_exit(s, half, 5000, &out);
	tap_diag("--uid without --gid: %s", out);
	session_assert_msg(s, WIFEXITED(status) && WEXITSTATUS(status) != 0,
			"the proxy started with --uid but no --gid (status 0x%x)", status);
	session_assert_msg(s, strstr(out, "--uid and --gid go together"), "no clear message: %s",
			out);
	session_assert_msg(s, stat(listen, &st) < 0, "%s was left behind", listen);
	free(out);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

TAP_TESTS(TAP_CASE(m13_opcode_at_the_request_count), TAP_CASE(m13_since_at_the_object_version),
		TAP_CASE(m13_unknown_object), TAP_CASE(m13_new_id_gap_reuse_and_server_range),
		TAP_CASE(m14_request_on_a_destroyed_object),
		TAP_CASE(m13_object_argument_of_the_wrong_type), TAP_CASE(m16_impossible_sizes),
		TAP_CASE(m16_sizes_at_the_limits_accepted),
		TAP_CASE(m13_header_lies_about_the_size),
		TAP_CASE(fds_28_accepted_29_refused_in_one_sendmsg),
		TAP_CASE(shm_pool_fd_of_the_wrong_kind_or_too_small),
		TAP_CASE(data_offer_receive_fd_kinds), TAP_CASE(bind_hidden_global_by_its_name),
		TAP_CASE(bind_above_the_version_cap_or_as_another_interface),
		TAP_CASE(m17_registry_flood), TAP_CASE(m22_object_flood),
		TAP_CASE(request_rate_limit), TAP_CASE(m17_never_reading_client),
		TAP_CASE(activation_token_requests_are_rate_limited),
		TAP_CASE(activation_and_foreign_names_and_decoration_modes),
		TAP_CASE(m21_connection_flood), TAP_CASE(m20_fds_parked_up_to_the_limit),
		TAP_CASE(proxy_refuses_to_start_without_its_upstream_or_with_half_an_identity))
