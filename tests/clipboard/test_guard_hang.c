// SPDX-License-Identifier: MIT
/*
 * A clipboard guard that hangs or dies never stalls the compositor: the
 * guard protocol runs on the event loop. With a guard that reads nothing and
 * answers nothing (a test stand-in given through STRATA_TEST_CLIPBOARD_GUARD,
 * honoured only with --test-control), a transfer waits in its dialog while a
 * client's round trips stay under 20 ms and frames keep coming; the user
 * cancels with Escape and the keyboard is the window's again. A guard that
 * dies at once makes a transfer end at once, nothing crossing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "strata_test.h"

#define ROUNDTRIP_LIMIT_MS 20
#define DIALOG_BACKGROUND 0x1c1c1cu

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
start_with_guard(const char *guard)
{
	setenv("STRATA_TEST_CLIPBOARD_GUARD", guard, 1);
	struct strata_session *s = session_start(NULL);
	unsetenv("STRATA_TEST_CLIPBOARD_GUARD");
	return s;
}

/* low holds a selection (wl-copy, waited for through the compositor), and
 * an animated high window (weston-simple-shm) has focus. */
static struct window_info
low_copies_high_has_focus(struct strata_session *s)
{
	session_require_program("weston-simple-shm");
	session_copy_text(s, "low", "guard-hang-test", 0);
	char *shm[] = { "weston-simple-shm", NULL };
	session_spawn_client(s, "high", shm);
	struct window_info high;
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .level = "high" }, &high,
					10000),
			"no high window");
	int x, y;
	session_assert(s, session_window_visible_point(s, high.id, &x, &y));
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert(s, session_wait_focused_level(s, "high", 3000));
	return high;
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
guard_that_hangs_stalls_nothing(void)
{
	char guard[64];
	write_guard(guard, sizeof(guard), "exec sleep 600");
	struct strata_session *s = start_with_guard(guard);
	struct window_info high = low_copies_high_has_focus(s);
	int cx = s->opts.width / 2, cy = s->opts.height / 2;

	/* Round trips of a client from before the gesture, through the read
	 * of the source and the request to the guard, for 2 s. */
	struct raw_client *probe = raw_client_connect(session_socket(s, "low"));
	session_assert_msg(s, probe != NULL, "a client cannot connect");
	free(session_ctl_ok(s, "key logo+v"));
	uint64_t start = session_now_ms(), worst = 0;
	int trips = 0;
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
	/* The dialog is drawn (its pixels, not the compositor's word). */
	session_assert_msg(s, session_pixel(s, cx, cy) == DIALOG_BACKGROUND,
			"no dialog at the centre of the screen (pixel %06x)",
			session_pixel(s, cx, cy));
	/* And frames keep coming while it waits. */
	long before = frames(s);
	session_sleep_ms(1000);
	long after = frames(s);
	raw_client_destroy(probe);
	tap_diag("while the guard hangs: %d round trips, the slowest %llu ms; %ld frames in 1 s",
			trips, (unsigned long long)worst, after - before);
	session_assert_msg(s, trips >= 40, "only %d round trips in 2 s", trips);
	session_assert_msg(s, worst < ROUNDTRIP_LIMIT_MS, "a round trip took %llu ms",
			(unsigned long long)worst);
	session_assert_msg(s, after - before >= 20, "only %ld frames in 1 s", after - before);
	session_assert(s, dialog_is(s, "sanitising"));

	/* The user cancels: the dialog goes, the window has the keyboard again. */
	free(session_ctl_ok(s, "key Escape"));
	session_assert_msg(s, session_wait_for(dialog_idle, s, NULL, 2000),
			"Escape did not cancel the waiting transfer");
	session_assert_msg(s, session_pixel(s, cx, cy) != DIALOG_BACKGROUND,
			"the dialog is still drawn after Escape");
	session_assert(s, session_wait_focused_level(s, "high", 1000));
	(void)high;
	session_stop(s);
	unlink(guard);
}

static void
guard_that_dies_lets_nothing_cross(void)
{
	char guard[64];
	write_guard(guard, sizeof(guard), "exit 0");
	struct strata_session *s = start_with_guard(guard);
	low_copies_high_has_focus(s);
	free(session_ctl_ok(s, "key logo+v"));
	/* It ends by itself, at once, well before any timeout of the guard's. */
	session_assert_msg(s, session_wait_for(dialog_idle, s, NULL, 3000),
			"the transfer did not end with the guard gone");
	char *reply = session_ctl_ok(s, "selections");
	bool high_set = strstr(reply, "selection level=high set=1") != NULL;
	free(reply);
	session_assert_msg(s, !high_set, "something crossed without a guard");
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
	unlink(guard);
}

TAP_TESTS(TAP_CASE(guard_that_hangs_stalls_nothing), TAP_CASE(guard_that_dies_lets_nothing_cross))
