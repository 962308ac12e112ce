// SPDX-License-Identifier: MIT
// Text input through the core's input method, as the windows see it: what
// the input method commits reaches the focused window's text input and no
// other, not a window of another level that enabled its text input without
// focus; the input method hears of the focused window's text field only;
// with no input method running (the default), text inputs simply get no
// text. The input method is this program run as a helper on the core
// socket (zwp_input_method_v2); the windows are recording clients
// (itest-actor, the text-input tricks).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>
#include "actor_client.h"
#include "input-method-wire-client-protocol.h"
#include "strata_test.h"

#define EVENT_TIMEOUT_MS 5000
#define LOW_RGB 0x13579bu
#define HIGH_RGB 0x2468acu

/* ---- the input method (helper, on the core socket) ------------------------- */

/*
 * At each activation, once its state is done, it commits "im-text-N" (N
 * counts activations). Everything it hears goes to stdout, one line each:
 * "activate", "deactivate", "surrounding TEXT", "committed im-text-N",
 * "unavailable".
 */
struct input_method {
	struct zwp_input_method_manager_v2 *manager;
	struct wl_seat *seat;
	struct zwp_input_method_v2 *input_method;
	uint32_t dones;
	bool active, pending_active, committed;
	unsigned activations;
	/* --stale: from its second activation on, each commit is preceded by
	 * one of "im-stale" with the serial of the done before (a commit made
	 * for an older state) */
	bool stale;
};

/* One line: word, then arg if any. */
static void
im_say(const char *word, const char *arg)
{
	printf("%s%s%s\n", word, arg ? " " : "", arg ? arg : "");
	fflush(stdout);
}

static void
im_activate(void *data, struct zwp_input_method_v2 *input_method)
{
	struct input_method *im = data;
	im->pending_active = true;
	im_say("activate", NULL);
}

static void
im_deactivate(void *data, struct zwp_input_method_v2 *input_method)
{
	struct input_method *im = data;
	im->pending_active = false;
	im_say("deactivate", NULL);
}

static void
im_surrounding_text(void *data, struct zwp_input_method_v2 *input_method, const char *text,
		uint32_t cursor, uint32_t anchor)
{
	im_say("surrounding", text);
}

static void
im_text_change_cause(void *data, struct zwp_input_method_v2 *input_method, uint32_t cause)
{
}

static void
im_content_type(void *data, struct zwp_input_method_v2 *input_method, uint32_t hint,
		uint32_t purpose)
{
}

static void
im_done(void *data, struct zwp_input_method_v2 *input_method)
{
	struct input_method *im = data;
	im->dones++;
	if (im->pending_active && !im->active) {
		im->committed = false;
		im->activations++;
	}
	im->active = im->pending_active;
	if (im->active && !im->committed) {
		char text[32];
		snprintf(text, sizeof(text), "im-text-%u", im->activations);
		if (im->stale && im->activations >= 2) {
			zwp_input_method_v2_commit_string(input_method, "im-stale");
			zwp_input_method_v2_commit(input_method, im->dones - 1);
			im_say("committed stale", NULL);
		}
		zwp_input_method_v2_commit_string(input_method, text);
		zwp_input_method_v2_commit(input_method, im->dones);
		im->committed = true;
		im_say("committed", text);
	}
}

static void
im_unavailable(void *data, struct zwp_input_method_v2 *input_method)
{
	im_say("unavailable", NULL);
}

static const struct zwp_input_method_v2_listener im_listener = {
	.activate = im_activate,
	.deactivate = im_deactivate,
	.surrounding_text = im_surrounding_text,
	.text_change_cause = im_text_change_cause,
	.content_type = im_content_type,
	.done = im_done,
	.unavailable = im_unavailable,
};

static void
im_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
		uint32_t version)
{
	struct input_method *im = data;
	if (strcmp(interface, "zwp_input_method_manager_v2") == 0) {
		im->manager = wl_registry_bind(registry, name,
				&zwp_input_method_manager_v2_interface, 1);
	} else if (strcmp(interface, "wl_seat") == 0 && !im->seat) {
		im->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
	}
}

static void
im_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener im_registry_listener = {
	.global = im_global,
	.global_remove = im_global_remove,
};

static int
input_method_main(int argc, char **argv)
{
	struct input_method im = { .stale = argc > 0 && strcmp(argv[0], "--stale") == 0 };
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		im_say("cannot connect", NULL);
		return 1;
	}
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &im_registry_listener, &im);
	if (wl_display_roundtrip(display) < 0 || !im.manager || !im.seat) {
		im_say("no zwp_input_method_manager_v2", NULL);
		return 1;
	}
	im.input_method = zwp_input_method_manager_v2_get_input_method(im.manager, im.seat);
	zwp_input_method_v2_add_listener(im.input_method, &im_listener, &im);
	if (wl_display_roundtrip(display) < 0) {
		return 1;
	}
	im_say("ready", NULL);
	while (wl_display_dispatch(display) >= 0) {
	}
	im_say("disconnected", NULL);
	return 0;
}

/* ---- the tests ------------------------------------------------------------------ */

static void
start(struct strata_session *s, struct actor *a, const char *level, const char *app_id,
		const char *const *tricks)
{
	actor_start(s, a, level, app_id, strcmp(level, "low") == 0 ? LOW_RGB : HIGH_RGB, 0, tricks);
}

struct log_wait {
	pid_t pid;
	const char *line;
};

static bool
log_has_line(struct strata_session *s, void *data)
{
	struct log_wait *wait = data;
	char *text = session_read_file(session_client_log(s, wait->pid), NULL);
	bool found = false;
	for (char *line = text, *end; line && *line && !found; line = end + 1) {
		end = strchr(line, '\n');
		if (!end) {
			break;
		}
		found = (size_t)(end - line) == strlen(wait->line) &&
				strncmp(line, wait->line, (size_t)(end - line)) == 0;
	}
	free(text);
	return found;
}

static void
wait_im_line(struct strata_session *s, pid_t pid, const char *line)
{
	struct log_wait wait = { pid, line };
	if (!session_wait_for(log_has_line, s, &wait, EVENT_TIMEOUT_MS)) {
		session_dump_client_log(s, pid, 30);
		session_fail(s, "the input method never said \"%s\"", line);
	}
}

/* The input method's log has these lines in this order (others between). */
static void
assert_im_order(struct strata_session *s, pid_t pid, const char *const *lines)
{
	char *text = session_read_file(session_client_log(s, pid), NULL);
	session_assert(s, text != NULL);
	/* Each line searched as "\nLINE\n", the log read as if it began with
	 * a newline; the next search starts on this one's final newline. */
	size_t len = strlen(text);
	char *log = malloc(len + 2);
	session_assert(s, log != NULL);
	log[0] = '\n';
	memcpy(log + 1, text, len + 1);
	free(text);
	const char *at = log;
	for (size_t i = 0; lines[i]; i++) {
		char needle[128];
		snprintf(needle, sizeof(needle), "\n%s\n", lines[i]);
		const char *found = strstr(at, needle);
		if (!found) {
			free(log);
			session_dump_client_log(s, pid, 30);
			session_fail(s, "the input method's log lacks \"%s\" where expected",
					lines[i]);
		}
		at = found + strlen(needle) - 1;
	}
	free(log);
}

static pid_t
start_input_method_with(struct strata_session *s, const char *arg)
{
	const char *args[] = { arg, NULL };
	pid_t pid = session_spawn_helper(s, "core", args);
	wait_im_line(s, pid, "ready");
	return pid;
}

static pid_t
start_input_method(struct strata_session *s)
{
	return start_input_method_with(s, NULL);
}

static void
assert_no_text(struct strata_session *s, struct actor *a, size_t from, const char *what)
{
	actor_barrier(s, a);
	char commits[512], preedits[512];
	int n = actor_count_lines(a, from, "text commit", commits, sizeof(commits)) +
			actor_count_lines(a, from, "text preedit", preedits, sizeof(preedits));
	session_assert_msg(s, n == 0, "%s: %s received text: %s %s", what, a->app_id, commits,
			preedits);
}

static const char *const text_input[] = { "text-input", NULL };
static const char *const text_input_eager[] = { "text-input-eager", NULL };

/*
 * low has focus, its text input enabled; high (another level, mapped later,
 * so first in line) enabled its text input without focus. The input method
 * hears of low's field only, and its text reaches low only; when the user
 * clicks high, low gets leave and the next text reaches high only.
 */
static void
a_commit_reaches_only_the_focused_window(void)
{
	struct strata_session *s = session_start(NULL);
	pid_t im = start_input_method(s);
	struct actor low, high;
	start(s, &low, "low", "text-low", text_input);
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	start(s, &high, "high", "text-high", text_input_eager);
	actor_wait_line(s, &high, 0, "text enabled");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));

	actor_wait_line(s, &low, 0, "text enter");
	actor_wait_line(s, &low, 0, "text commit im-text-1");
	wait_im_line(s, im, "surrounding text-low");
	assert_no_text(s, &high, 0, "high enabled its text input without focus");
	/* What high typed into its field never reached the input method. */
	struct log_wait leak = { im, "surrounding text-high" };
	session_assert_msg(s, !log_has_line(s, &leak),
			"the input method heard of the unfocused window's field");

	size_t low_mark = actor_mark(&low);
	actor_click(s, &high, "left");
	session_assert(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS));
	actor_wait_line(s, &low, low_mark, "text leave");
	actor_wait_line(s, &high, 0, "text enter");
	actor_wait_line(s, &high, 0, "text commit im-text-2");
	wait_im_line(s, im, "surrounding text-high");
	assert_no_text(s, &low, low_mark, "low after losing focus");
	/* The input method left low's field before it heard of high's. */
	static const char *const order[] = { "activate", "surrounding text-low",
		"committed im-text-1", "deactivate", "activate", "surrounding text-high",
		"committed im-text-2", NULL };
	assert_im_order(s, im, order);
	session_stop(s);
}

/*
 * A commit made for an older state (its serial is not the count of done
 * events) changes nothing: after the user clicks from low to high, what
 * the input method commits with the serial of before never reaches high;
 * its next commit, with the right serial, does.
 */
static void
a_commit_for_an_older_state_is_dropped(void)
{
	struct strata_session *s = session_start(NULL);
	pid_t im = start_input_method_with(s, "--stale");
	struct actor low, high;
	start(s, &low, "low", "text-low", text_input);
	actor_click(s, &low, "left");
	session_assert(s, session_wait_focused_level(s, "low", EVENT_TIMEOUT_MS));
	actor_wait_line(s, &low, 0, "text commit im-text-1");
	start(s, &high, "high", "text-high", text_input);
	actor_click(s, &high, "left");
	session_assert(s, session_wait_focused_level(s, "high", EVENT_TIMEOUT_MS));
	wait_im_line(s, im, "committed stale");
	actor_wait_line(s, &high, 0, "text commit im-text-2");
	char stale[256];
	int n = actor_count_lines(&high, 0, "text commit im-stale", stale, sizeof(stale)) +
			actor_count_lines(&low, 0, "text commit im-stale", stale, sizeof(stale));
	session_assert_msg(s, n == 0, "a commit for an older state was delivered %d times", n);
	session_stop(s);
}

/* The X-ray takes the keyboard: the input method is deactivated and
 * nothing it commits reaches a window until it is closed. */
static void
the_xray_stops_the_input_method(void)
{
	struct strata_session *s = session_start(NULL);
	pid_t im = start_input_method(s);
	struct actor low;
	start(s, &low, "low", "text-low", text_input);
	actor_click(s, &low, "left");
	actor_wait_line(s, &low, 0, "text commit im-text-1");
	size_t mark = actor_mark(&low);
	free(session_ctl_ok(s, "key logo+Escape"));
	actor_wait_line(s, &low, mark, "text leave");
	wait_im_line(s, im, "deactivate");
	assert_no_text(s, &low, mark, "under the X-ray");
	free(session_ctl_ok(s, "key logo+Escape"));
	actor_wait_line(s, &low, mark, "text commit im-text-2");
	session_stop(s);
}

/* No input method runs: a text input is entered and enabled, the user
 * types, and no text ever comes through it (keys do, as keys). */
static void
without_an_input_method_no_text_comes(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low;
	start(s, &low, "low", "text-low", text_input);
	actor_click(s, &low, "left");
	actor_wait_line(s, &low, 0, "text enter");
	free(session_ctl_ok(s, "type abc"));
	actor_wait_line(s, &low, 0, "key 46 released");
	assert_no_text(s, &low, 0, "no input method");
	session_stop(s);
}

/* A second input method is told it is unavailable; the first keeps on. */
static void
a_second_input_method_is_refused(void)
{
	struct strata_session *s = session_start(NULL);
	pid_t first = start_input_method(s);
	const char *args[] = { NULL };
	pid_t second = session_spawn_helper(s, "core", args);
	wait_im_line(s, second, "unavailable");
	struct actor low;
	start(s, &low, "low", "text-low", text_input);
	actor_click(s, &low, "left");
	actor_wait_line(s, &low, 0, "text commit im-text-1");
	wait_im_line(s, first, "committed im-text-1");
	session_stop(s);
}

SESSION_TESTS_WITH_HELPER(input_method_main, TAP_CASE(a_commit_reaches_only_the_focused_window),
		TAP_CASE(the_xray_stops_the_input_method),
		TAP_CASE(without_an_input_method_no_text_comes),
		TAP_CASE(a_second_input_method_is_refused),
		TAP_CASE(a_commit_for_an_older_state_is_dropped))
