// SPDX-License-Identifier: MIT
/*
 * Differential: real Debian clients behave through strata-cage-proxy exactly
 * as they do directly on the level socket. Each case runs the client both
 * ways on the low level and asserts the same outcome: the window maps with
 * level low and the same size, it draws (a pixel inside is not the
 * background), typed text reaches it, a selection copied in the level can be
 * pasted in the level, wayland-info sees the same globals. And the proxy
 * refused nothing: a well-behaved client never meets a policy check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "actor_client.h"
#include "proxy_test.h"

#define MAP_TIMEOUT_MS 15000
#define BACKGROUND 0x202020

/* Where a client runs: directly on the level socket, or through the proxy. */
struct route {
	const char *name; /* "direct" or "proxy" */
	struct strata_proxy *proxy; /* NULL: direct */
};

static pid_t
spawn_on(struct strata_session *s, const struct route *r, char *const argv[])
{
	if (r->proxy) {
		return proxy_spawn_client(r->proxy, argv);
	}
	return session_spawn_client(s, "low", argv);
}

/* What a client did, to compare across routes. */
struct outcome {
	int width, height;
	bool drawn;
};

static struct window_info
wait_mapped(struct strata_session *s, const struct route *r, pid_t pid, const char *app_id)
{
	struct window_info w;
	struct window_match m = { .app_id = app_id };
	if (!session_wait_window(s, &m, &w, MAP_TIMEOUT_MS)) {
		session_dump_client_log(s, pid, 20);
		if (r->proxy) {
			proxy_dump_log(r->proxy, 20);
		}
		session_fail(s, "%s: no window with app_id \"%s\" within %d ms", r->name, app_id,
				MAP_TIMEOUT_MS);
	}
	session_assert_msg(s, strcmp(w.level, "low") == 0, "%s: %s mapped with level %s", r->name,
			app_id, w.level);
	session_assert_msg(s, w.width > 0 && w.height > 0, "%s: %s is %dx%d", r->name, app_id,
			w.width, w.height);
	return w;
}

/* Some pixel of a 5x5 grid inside the window is not the background. The
 * client may still be drawing its first frame: try for up to 5 s. */
static bool
window_drawn(struct strata_session *s, const struct window_info *w)
{
	uint64_t deadline = session_now_ms() + 5000;
	do {
		struct window_info now;
		if (!session_find_window(s, &(struct window_match){ .id = w->id }, &now)) {
			return false;
		}
		for (int k = 0; k < 25; k++) {
			int x = now.x + now.width * (1 + k % 5) / 6;
			int y = now.y + now.height * (1 + k / 5) / 6;
			if (session_pixel(s, x, y) != BACKGROUND) {
				return true;
			}
		}
		session_sleep_ms(100);
	} while (session_now_ms() < deadline);
	return false;
}

static struct outcome
run_window_client(struct strata_session *s, const struct route *r, char *const argv[],
		const char *app_id)
{
	pid_t pid = spawn_on(s, r, argv);
	struct window_info w = wait_mapped(s, r, pid, app_id);
	/* Clients map at their own size, then take the layout's: compare the
	 * size once it held still for half a second. */
	uint64_t deadline = session_now_ms() + 5000, still_since = session_now_ms();
	while (session_now_ms() - still_since < 500 && session_now_ms() < deadline) {
		struct window_info now;
		session_assert_msg(s,
				session_find_window(s, &(struct window_match){ .id = w.id }, &now),
				"%s: %s unmapped", r->name, app_id);
		if (now.width != w.width || now.height != w.height) {
			w = now;
			still_since = session_now_ms();
		}
		session_sleep_ms(50);
	}
	struct outcome o = { .width = w.width, .height = w.height, .drawn = window_drawn(s, &w) };
	session_assert_msg(s, o.drawn, "%s: %s drew nothing (all background)", r->name, app_id);
	/* A few more frames, then it must still be there. */
	session_sleep_ms(300);
	session_assert_msg(s, session_client_running(s, pid), "%s: %s exited", r->name, argv[0]);
	session_kill_client(s, pid);
	session_assert_msg(s, session_wait_windows(s, 0, 5000), "%s: windows left after %s",
			r->name, argv[0]);
	return o;
}

/* Runs the client directly, then through a fresh proxy; same outcome. */
static void
differential_window_client(char *const argv[], const char *app_id)
{
	session_require_program(argv[0]);
	struct strata_session *s = session_start(NULL);
	struct route direct = { "direct", NULL };
	struct outcome a = run_window_client(s, &direct, argv, app_id);
	struct route proxied = { "proxy", proxy_start(s, "low", NULL) };
	struct outcome b = run_window_client(s, &proxied, argv, app_id);
	session_assert_msg(s, a.width == b.width && a.height == b.height,
			"%s: %dx%d directly, %dx%d through the proxy", argv[0], a.width, a.height,
			b.width, b.height);
	proxy_assert_no_refusal(proxied.proxy);
	session_assert(s, proxy_running(proxied.proxy));
	session_assert(s, session_compositor_alive(s));
	proxy_stop(proxied.proxy);
	session_stop(s);
}

static void
weston_simple_shm_through_the_proxy(void)
{
	char *argv[] = { "weston-simple-shm", NULL };
	differential_window_client(argv, "org.freedesktop.weston.simple-shm");
}

static void
foot_through_the_proxy(void)
{
	char *argv[] = { "foot", "--app-id=strata-proxy-foot", "--", "sh", "-c", "sleep 60", NULL };
	differential_window_client(argv, "strata-proxy-foot");
}

static void
weston_terminal_through_the_proxy(void)
{
	char *argv[] = { "weston-terminal", "--shell=/bin/sh", NULL };
	differential_window_client(argv, "org.freedesktop.weston.wayland-terminal");
}

static void
gtk3_demo_through_the_proxy(void)
{
	char *argv[] = { "gtk3-demo", NULL };
	differential_window_client(argv, "gtk3-demo");
}

/* ---- input ----------------------------------------------------------------- */

static void
wait_file(struct strata_session *s, const char *path, const char *content, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *text = session_read_file(path, NULL);
		bool ok = text && (!content || strcmp(text, content) == 0);
		if (ok || session_now_ms() > deadline) {
			if (!ok) {
				session_fail(s, "%s holds \"%s\", expected \"%s\"", path,
						text ? text : "(no file)",
						content ? content : "(any)");
			}
			free(text);
			return;
		}
		free(text);
		session_sleep_ms(20);
	}
}

/* foot running `head -n1 > out`: click it, type, Return; out gets the line. */
static void
typing_into_foot(struct strata_session *s, const struct route *r)
{
	char out[256], cmd[320], text[64], line[80];
	snprintf(out, sizeof(out), "%s/typed-%s", s->dir, r->name);
	snprintf(cmd, sizeof(cmd), "head -n1 > '%s'", out);
	char *argv[] = { "foot", "--app-id=strata-proxy-foot", "--", "sh", "-c", cmd, NULL };
	pid_t pid = spawn_on(s, r, argv);
	struct window_info w = wait_mapped(s, r, pid, "strata-proxy-foot");
	wait_file(s, out, NULL, 10000); /* the shell is up */
	int x, y;
	session_assert_msg(s, session_window_visible_point(s, w.id, &x, &y),
			"%s: no visible point in foot's window", r->name);
	free(session_ctl_ok(s, "click %d %d", x, y));
	unsigned focused = 0;
	session_assert_msg(s, session_focused(s, &focused, NULL, 0) && focused == w.id,
			"%s: clicking foot did not focus it", r->name);
	snprintf(text, sizeof(text), "typed-%s-%d", r->name, (int)(session_now_ms() % 100000));
	free(session_ctl_ok(s, "type %s", text));
	free(session_ctl_ok(s, "key Return"));
	snprintf(line, sizeof(line), "%s\n", text);
	wait_file(s, out, line, 5000);
	/* head exits after one line, and foot with it. */
	session_assert_msg(s, session_wait_client_exit(s, pid, 5000, NULL),
			"%s: foot did not exit after its shell did", r->name);
	session_assert(s, session_wait_windows(s, 0, 5000));
}

static void
foot_gets_typed_text_through_the_proxy(void)
{
	session_require_program("foot");
	struct strata_session *s = session_start(NULL);
	struct route direct = { "direct", NULL };
	typing_into_foot(s, &direct);
	struct route proxied = { "proxy", proxy_start(s, "low", NULL) };
	typing_into_foot(s, &proxied);
	proxy_assert_no_refusal(proxied.proxy);
	proxy_stop(proxied.proxy);
	session_stop(s);
}

/* ---- clipboard ------------------------------------------------------------- */

/*
 * wl-copy sets the selection from a tiny window of its own that takes focus
 * and goes away; focus then falls back to the level's other window, so one
 * must be there (weston-simple-shm) or the compositor drops the selection
 * along with the focus. wl-paste maps its own tiny window to get focus and
 * an offer. Everything runs on one route.
 */
static void
copy_and_paste(struct strata_session *s, const struct route *r)
{
	char *holder_argv[] = { "weston-simple-shm", NULL };
	pid_t holder = spawn_on(s, r, holder_argv);
	wait_mapped(s, r, holder, "org.freedesktop.weston.simple-shm");
	char text[64];
	snprintf(text, sizeof(text), "strata-clip-%s-%d", r->name,
			(int)(session_now_ms() % 100000));
	char *copy_argv[] = { "wl-copy", "--foreground", text, NULL };
	/* The level holds nothing yet, so that a selection is wl-copy's. */
	session_assert_msg(s, session_selection_types(s, "low") < 0,
			"%s: low holds a selection before wl-copy ran", r->name);
	pid_t copier = spawn_on(s, r, copy_argv);
	/* wl-copy needs a moment to set the selection: wait for it through the
	 * compositor, not by pasting in a loop (each paste is one more client). */
	session_assert_msg(s, session_wait_selection(s, "low", 5, 10000),
			"%s: wl-copy never set the low selection (five types)", r->name);
	/* Paste until the text is wl-copy's (a little more time on slow builds). */
	bool pasted = false;
	char *got = NULL;
	uint64_t deadline = session_now_ms() + 10000;
	for (int attempt = 0; !pasted && attempt < 10 && session_now_ms() < deadline; attempt++) {
		char *paste_argv[] = { "wl-paste", "--no-newline", NULL };
		pid_t paster = spawn_on(s, r, paste_argv);
		int status;
		session_assert_msg(s, session_wait_client_exit(s, paster, 10000, &status),
				"%s: wl-paste hangs", r->name);
		free(got);
		got = session_read_file(session_client_log(s, paster), NULL);
		pasted = WIFEXITED(status) && WEXITSTATUS(status) == 0 && got &&
				strcmp(got, text) == 0;
		if (!pasted) {
			session_sleep_ms(200);
		}
	}
	session_assert_msg(s, pasted, "%s: wl-paste printed \"%s\", wl-copy copied \"%s\"", r->name,
			got ? got : "(nothing)", text);
	free(got);
	session_assert_msg(s, session_client_running(s, copier),
			"%s: wl-copy exited while it holds the selection", r->name);
	session_assert_msg(s, session_client_running(s, holder), "%s: simple-shm exited", r->name);
	session_kill_client(s, copier);
	session_kill_client(s, holder);
	session_assert(s, session_wait_windows(s, 0, 5000));
}

static void
copy_and_paste_within_the_level_through_the_proxy(void)
{
	session_require_program("wl-copy");
	session_require_program("wl-paste");
	session_require_program("weston-simple-shm");
	struct strata_session *s = session_start(NULL);
	struct route direct = { "direct", NULL };
	copy_and_paste(s, &direct);
	struct route proxied = { "proxy", proxy_start(s, "low", NULL) };
	copy_and_paste(s, &proxied);
	proxy_assert_no_refusal(proxied.proxy);
	proxy_stop(proxied.proxy);
	session_stop(s);
}

/* ---- wayland-info ------------------------------------------------------------ */

/* The sorted "interface: 'NAME'" lines wayland-info printed, one per line. */
static char *
wayland_info_interfaces(struct strata_session *s, const struct route *r)
{
	char *argv[] = { "wayland-info", NULL };
	pid_t pid = spawn_on(s, r, argv);
	int status;
	session_assert_msg(s, session_wait_client_exit(s, pid, 15000, &status),
			"%s: wayland-info did not finish", r->name);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		session_dump_client_log(s, pid, 20);
		session_fail(s, "%s: wayland-info failed (status 0x%x)", r->name, status);
	}
	char *text = session_read_file(session_client_log(s, pid), NULL);
	session_assert(s, text != NULL);
	char *names[128];
	int count = 0;
	const char *key = "interface: '";
	for (const char *p = strstr(text, key); p && count < 128; p = strstr(p, key)) {
		p += strlen(key);
		const char *end = strchr(p, '\'');
		if (!end) {
			break;
		}
		names[count++] = strndup(p, (size_t)(end - p));
		p = end;
	}
	free(text);
	for (int i = 1; i < count; i++) { /* insertion sort: a handful of names */
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	}
	size_t cap = 16, len = 0;
	char *list = calloc(1, cap);
	for (int i = 0; i < count; i++) {
		size_t n = strlen(names[i]);
		while (len + n + 2 > cap) {
			cap *= 2;
			list = realloc(list, cap);
		}
		memcpy(list + len, names[i], n);
		len += n;
		list[len++] = '\n';
		list[len] = '\0';
		free(names[i]);
	}
	session_assert_msg(s, count > 0, "%s: wayland-info listed nothing", r->name);
	return list;
}

static void
wayland_info_through_the_proxy(void)
{
	session_require_program("wayland-info");
	struct strata_session *s = session_start(NULL);
	struct route direct = { "direct", NULL };
	char *a = wayland_info_interfaces(s, &direct);
	struct route proxied = { "proxy", proxy_start(s, "low", NULL) };
	char *b = wayland_info_interfaces(s, &proxied);
	if (strcmp(a, b) != 0) {
		tap_diag("directly:\n%s", a);
		tap_diag("through the proxy:\n%s", b);
		session_fail(s, "wayland-info lists other globals through the proxy");
	}
	free(a);
	free(b);
	proxy_assert_no_refusal(proxied.proxy);
	proxy_stop(proxied.proxy);
	session_stop(s);
}

/* ---- pointer constraints, relative motion, text input ---------------------- */

static pid_t
spawn_through(struct strata_session *s, void *proxy, char *const argv[])
{
	return proxy_spawn_client(proxy, argv);
}

/*
 * A window that locks the pointer, reads relative motion and enables a text
 * input, through the proxy: the proxy parses all three protocols (it would
 * cut the client at the first message it cannot), and the compositor's
 * rules work the same: locked once focused with the pointer on it, relative
 * motion heard, text input entered, unlocked by Logo.
 */
static void
constraints_and_text_input_through_the_proxy(void)
{
	struct strata_session *s = session_start(NULL);
	struct strata_proxy *p = proxy_start(s, "low", NULL);
	static const char *const tricks[] = { "lock-pointer", "relative-pointer", "text-input",
		NULL };
	struct actor a;
	actor_start_spawned(s, &a, spawn_through, p, "proxied-actor", 0x13579b, 0, tricks);
	actor_click(s, &a, "left");
	actor_wait_line(s, &a, 0, "locked");
	actor_wait_line(s, &a, 0, "text enter");
	int x, y;
	session_assert(s, session_window_visible_point(s, a.window.id, &x, &y));
	size_t mark = actor_mark(&a);
	free(session_ctl_ok(s, "motion %d %d", x + 6, y + 2));
	actor_barrier(s, &a);
	char listing[256];
	session_assert_msg(s,
			actor_count_lines(&a, mark, "relative ", listing, sizeof(listing)) > 0,
			"no relative motion came through the proxy");
	free(session_ctl_ok(s, "key Super_L"));
	actor_wait_line(s, &a, mark, "unlocked");
	proxy_assert_no_refusal(p);
	session_assert(s, proxy_running(p));
	proxy_stop(p);
	session_stop(s);
}

/* ---- a busy client ----------------------------------------------------------- */

/*
 * A client that pipelines: count syncs, written whenever the socket takes
 * them and read whenever answers are there, never waiting for either (like
 * a busy client on an event loop). The number of callbacks answered (each
 * sync gets done + delete_id).
 */
static int
pipelining_client(struct strata_session *s, const char *route, const char *socket, int count)
{
	struct raw_wire *w = raw_wire_connect(socket);
	session_assert_msg(s, w && raw_wire_handshake(w, 5000), "%s: no handshake", route);
	uint64_t base = w->events_read;
	int sent = 0;
	struct wire_msg m;
	size_t off = 0;
	wire_msg_reset(&m);
	uint64_t deadline = session_now_ms() + 20000;
	while (w->events_read - base < 2 * (uint64_t)count && !w->eof && !w->got_error &&
			session_now_ms() < deadline) {
		if (off == m.len && sent < count) {
			wire_msg_reset(&m);
			off = 0;
			for (int i = 0; i < 500 && sent < count; i++, sent++) {
				wire_msg_begin(&m, 1, 0);
				wire_msg_u32(&m, raw_wire_new_id(w));
				wire_msg_end(&m);
			}
		}
		struct pollfd pfd = { .fd = w->fd, .events = POLLIN | (off < m.len ? POLLOUT : 0) };
		if (poll(&pfd, 1, 100) <= 0) {
			continue;
		}
		if (pfd.revents & POLLOUT) {
			ssize_t n = send(w->fd, m.data + off, m.len - off,
					MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				off += (size_t)n;
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			raw_wire_read_available(w);
		}
	}
	int answered = (int)((w->events_read - base) / 2);
	tap_diag("%s: %d syncs sent, %d answered%s%s", route, sent, answered,
			w->eof ? ", disconnected" : "", w->got_error ? w->error_text : "");
	raw_wire_close(w);
	return answered;
}

/*
 * 50,000 syncs (below the default rate limit), every answer read: directly the compositor keeps up;
 * through the proxy it must too. (The compositor drops a client whose socket it cannot write to: if
 * the proxy lets the compositor hold more requests than the events they make fit in that socket, a
 * busy client is dropped only because it goes through the proxy.)
 */
static void
busy_pipelining_client_through_the_proxy(void)
{
	struct strata_session *s = session_start(NULL);
	const int count = 50000;
	int direct = pipelining_client(s, "direct", session_socket(s, "low"), count);
	session_assert_msg(s, direct == count, "directly, %d of %d syncs were answered", direct,
			count);
	struct strata_proxy *p = proxy_start(s, "low", NULL);
	int proxied = pipelining_client(s, "proxy", p->socket, count);
	session_assert_msg(s, proxied == count, "through the proxy, %d of %d syncs were answered",
			proxied, count);
	proxy_assert_no_refusal(p);
	session_assert(s, proxy_running(p));
	proxy_stop(p);
	session_stop(s);
}

TAP_TESTS(TAP_CASE(weston_simple_shm_through_the_proxy), TAP_CASE(foot_through_the_proxy),
		TAP_CASE(weston_terminal_through_the_proxy), TAP_CASE(gtk3_demo_through_the_proxy),
		TAP_CASE(foot_gets_typed_text_through_the_proxy),
		TAP_CASE(copy_and_paste_within_the_level_through_the_proxy),
		TAP_CASE(wayland_info_through_the_proxy),
		TAP_CASE(constraints_and_text_input_through_the_proxy),
		TAP_CASE(busy_pipelining_client_through_the_proxy))
