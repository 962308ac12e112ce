// SPDX-License-Identifier: MIT
/*
 * A clipboard guard that hangs or dies never stalls the compositor: the
 * guard protocol runs on the event loop. With a guard that reads nothing and
 * answers nothing (a test stand-in given through STRATA_TEST_CLIPBOARD_GUARD,
 * honoured only with --test-control), a transfer waits in its dialog while a
 * client's round trips stay under 20 ms and frames keep coming; the user
 * cancels with Escape and the keyboard is the window's again (a recording
 * client gets the next key). The same with a 900 KB selection, more than the
 * guard's socket takes unread: the compositor's writes wait on the event
 * loop, never block it. A guard that dies at once makes a transfer end at
 * once, nothing crossing, not even when the user presses Return then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "actor_client.h"
#include "strata_test.h"

/* While the transfer waits for the guard, a client's round trips stay
 * under 20 ms. From the gesture until then (the source read, the dialog
 * drawn twice, the request sent), under 250 ms: a compositor that waited
 * on the guard would stall for its timeout (seconds) or for ever. */
#define ROUNDTRIP_LIMIT_MS 20
#define GESTURE_LIMIT_MS 250
#define DIALOG_BACKGROUND 0x1c1c1cu
#define KEY_A 30
#define BIG_BYTES 900000

/* A guard program made of a shell script: `exec sleep` keeps its socket
 * open and never reads; `exit 0` ends at once. */
static void
write_guard(char *path, size_t size, const char *body)
{
	snprintf(path, size, "/tmp/itest-guard-XXXXXX");
	int fd = mkstemp(path);
	tap_assert_msg(fd >= 0, "mkstemp");
	char script[256];
	int len = snprintf(script, sizeof(script), "#!/bin/sh\n%s\n", body);
	tap_assert(write(fd, script, (size_t)len) == len);
	close(fd);
	tap_assert(chmod(path, 0755) == 0);
}

static struct strata_session *
start_with_guard(const char *guard, const char *config)
{
	setenv("STRATA_TEST_CLIPBOARD_GUARD", guard, 1);
	struct session_options opts = { .config = config };
	struct strata_session *s = session_start(&opts);
	unsetenv("STRATA_TEST_CLIPBOARD_GUARD");
	return s;
}

/* low holds a selection (wl-copy, waited for through the compositor): a
 * short text, or big_bytes of it. */
static void
low_copies(struct strata_session *s, size_t big_bytes)
{
	if (!big_bytes) {
		session_copy_text(s, "low", "guard-hang-test", 0);
		return;
	}
	session_require_program("wl-copy");
	char command[160];
	snprintf(command, sizeof(command),
			"head -c %zu /dev/zero | tr '\\0' x | "
			"wl-copy --foreground --type 'text/plain;charset=utf-8'",
			big_bytes);
	char *argv[] = { "sh", "-c", command, NULL };
	session_spawn_client(s, "low", argv);
	session_assert_msg(s, session_wait_selection(s, "low", 1, 10000),
			"wl-copy never set low's selection");
	/* wl-copy's own window (mapped to be given focus) is gone. */
	session_assert(s, session_wait_windows(s, 0, 5000));
}

/* An animated high window (weston-simple-shm), and a recording one (the
 * actor) that has focus. */
static void
high_has_focus(struct strata_session *s, struct actor *high)
{
	session_require_program("weston-simple-shm");
	char *shm[] = { "weston-simple-shm", NULL };
	session_spawn_client(s, "high", shm);
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .level = "high" }, NULL,
					10000),
			"no weston-simple-shm window");
	actor_start(s, high, "high", "guard-high", 0x2468acu, 0, NULL);
	int x, y;
	session_assert(s, session_window_visible_point(s, high->window.id, &x, &y));
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert(s, session_wait_focused_level(s, "high", 3000));
}

static bool
dialog_is(struct strata_session *s, const char *state)
{
	char *reply = session_ctl_ok(s, "dialog");
	char needle[64];
	snprintf(needle, sizeof(needle), "state=%s", state);
	bool is = strstr(reply, needle) != NULL;
	free(reply);
	return is;
}

static bool
dialog_idle(struct strata_session *s, void *data)
{
	return dialog_is(s, "idle");
}

static long
frames(struct strata_session *s)
{
	char *reply = session_ctl_ok(s, "stats");
	const char *p = strstr(reply, "frames=");
	long n = p ? atol(p + 7) : -1;
	free(reply);
	return n;
}

static void
guard_that_hangs(size_t big_bytes)
{
	char guard[64];
	write_guard(guard, sizeof(guard), "exec sleep 600");
	struct strata_session *s = start_with_guard(guard,
			big_bytes ? "[clipboard]\nmax_bytes = 1048576\n" : NULL);
	low_copies(s, big_bytes);
	struct actor high;
	high_has_focus(s, &high);
	int cx = s->opts.width / 2, cy = s->opts.height / 2;

	/* Round trips of a client from before the gesture: through the read
	 * of the source and the request to the guard until the transfer waits
	 * for it, then for 2 s of that wait. */
	struct raw_client *probe = raw_client_connect(session_socket(s, "low"));
	session_assert_msg(s, probe != NULL, "a client cannot connect");
	free(session_ctl_ok(s, "key logo+v"));
	uint64_t gesture_worst = 0;
	uint64_t start = session_now_ms();
	while (!dialog_is(s, "sanitising")) {
		session_assert_msg(s, session_now_ms() - start < 3000,
				"the transfer did not come to wait for the guard in 3 s");
		uint64_t t0 = session_now_ms();
		session_assert_msg(s, raw_client_roundtrip(probe, 3000), "a round trip failed");
		uint64_t took = session_now_ms() - t0;
		gesture_worst = took > gesture_worst ? took : gesture_worst;
	}
	uint64_t waiting_since = session_now_ms() - start, worst = 0;
	/* The dialog is drawn (its pixels, not the compositor's word): the
	 * waiting state is on screen before the wait is measured. */
	uint32_t centre = session_pixel(s, cx, cy);
	session_assert_msg(s, centre == DIALOG_BACKGROUND,
			"no dialog at the centre of the screen (pixel %06x)", centre);
	int trips = 0;
	start = session_now_ms();
	while (session_now_ms() - start < 2000) {
		uint64_t t0 = session_now_ms();
		session_assert_msg(s, raw_client_roundtrip(probe, 3000), "a round trip failed");
		uint64_t took = session_now_ms() - t0;
		worst = took > worst ? took : worst;
		trips++;
		session_sleep_ms(5);
	}
	session_assert_msg(s, dialog_is(s, "sanitising"),
			"the transfer is not waiting for the guard");
	/* And frames keep coming while it waits. */
	long before = frames(s);
	session_sleep_ms(1000);
	long after = frames(s);
	raw_client_destroy(probe);
	tap_diag("waiting for the guard %llu ms after Logo+V, round trips until then: the "
		 "slowest %llu ms",
			(unsigned long long)waiting_since, (unsigned long long)gesture_worst);
	tap_diag("while the guard hangs: %d round trips in 2 s, the slowest %llu ms; %ld "
		 "frames in 1 s",
			trips, (unsigned long long)worst, after - before);
	session_assert_msg(s, gesture_worst < GESTURE_LIMIT_MS,
			"a round trip took %llu ms before the transfer waited",
			(unsigned long long)gesture_worst);
	session_assert_msg(s, trips >= 40, "only %d round trips in 2 s", trips);
	session_assert_msg(s, worst < ROUNDTRIP_LIMIT_MS,
			"a round trip took %llu ms while the guard hangs",
			(unsigned long long)worst);
	session_assert_msg(s, after - before >= 20, "only %ld frames in 1 s", after - before);
	session_assert(s, dialog_is(s, "sanitising"));

	/* The user cancels: the dialog goes, the window has the keyboard again
	 * (it gets the next key the user types). */
	free(session_ctl_ok(s, "key Escape"));
	session_assert_msg(s, session_wait_for(dialog_idle, s, NULL, 2000),
			"Escape did not cancel the waiting transfer");
	session_assert_msg(s, session_pixel(s, cx, cy) != DIALOG_BACKGROUND,
			"the dialog is still drawn after Escape");
	session_assert(s, session_wait_focused_level(s, "high", 1000));
	size_t mark = actor_mark(&high);
	free(session_ctl_ok(s, "type a"));
	char line[32];
	snprintf(line, sizeof(line), "key %d released", KEY_A);
	actor_wait_line(s, &high, mark, line);
	session_stop(s);
	unlink(guard);
}

static void
guard_that_hangs_stalls_nothing(void)
{
	guard_that_hangs(0);
}

static void
guard_that_hangs_on_a_big_selection_stalls_nothing(void)
{
	guard_that_hangs(BIG_BYTES);
}

static bool
high_set(struct strata_session *s)
{
	char *reply = session_ctl_ok(s, "selections");
	bool set = strstr(reply, "selection level=high set=1") != NULL;
	free(reply);
	return set;
}

static void
guard_that_dies_lets_nothing_cross(void)
{
	char guard[64];
	write_guard(guard, sizeof(guard), "exit 0");
	struct strata_session *s = start_with_guard(guard, NULL);
	low_copies(s, 0);
	struct actor high;
	high_has_focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	/* It ends by itself, at once, well before any timeout of the guard's. */
	session_assert_msg(s, session_wait_for(dialog_idle, s, NULL, 3000),
			"the transfer did not end with the guard gone");
	session_assert_msg(s, !high_set(s), "something crossed without a guard");
	/* A Return now confirms nothing: the key goes to the window. */
	size_t mark = actor_mark(&high);
	free(session_ctl_ok(s, "key Return"));
	actor_wait_line(s, &high, mark, "key 28 released");
	session_assert_msg(s, !high_set(s), "something crossed on Return without a guard");
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
	unlink(guard);
}

TAP_TESTS(TAP_CASE(guard_that_hangs_stalls_nothing),
		TAP_CASE(guard_that_hangs_on_a_big_selection_stalls_nothing),
		TAP_CASE(guard_that_dies_lets_nothing_cross))
