// SPDX-License-Identifier: MIT
/*
 * Clipboard across levels, end to end: real wl-copy/wl-paste on the level
 * sockets, the real guard, the confirmation dialog driven by the
 * test-control's keyboard (the same path as a user's), and raw clients for
 * the attacks M23, M25, M26 and M27.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wayland-client.h>
#include "keylog.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "strata_test.h"

static const char *config_fast = "[clipboard]\ntimeout_ms = 700\nconfirm_s = 5\nmax_bytes = 4096\n";

/* The wl-copy holding each level's selection, as this test made them. */
static struct {
	char level[32];
	pid_t pid;
} copiers[SESSION_MAX_LEVELS];

/* wl-copy --foreground TEXT on a level; returns once the compositor holds
 * its selection for the level (session_copy_text), failing otherwise. */
static pid_t
copy_on(struct strata_session *s, const char *level, const char *text)
{
	int slot = -1;
	for (int i = 0; i < SESSION_MAX_LEVELS && slot < 0; i++) {
		if (copiers[i].level[0] == '\0' || strcmp(copiers[i].level, level) == 0) {
			slot = i;
		}
	}
	session_assert(s, slot >= 0);
	snprintf(copiers[slot].level, sizeof(copiers[slot].level), "%s", level);
	copiers[slot].pid = session_copy_text(s, level, text, copiers[slot].pid);
	return copiers[slot].pid;
}

/* wl-paste -n on a level; its output (or "No selection" text) in out. */
static void
paste_on(struct strata_session *s, const char *level, char *out, size_t size)
{
	char *argv[] = { "wl-paste", "-n", NULL };
	pid_t pid = session_spawn_client(s, level, argv);
	int status;
	session_assert_msg(s, session_wait_client_exit(s, pid, 5000, &status), "wl-paste hung");
	const char *log = session_client_log(s, pid);
	size_t len = 0;
	char *text = session_read_file(log, &len);
	snprintf(out, size, "%s", text ? text : "");
	free(text);
}

/* A window of a level that takes focus when clicked: weston-simple-shm. */
static struct window_info
window_on(struct strata_session *s, const char *level)
{
	char *argv[] = { "weston-simple-shm", NULL };
	session_spawn_client(s, level, argv);
	struct window_match match = { .level = level,
		.app_id = "org.freedesktop.weston.simple-shm" };
	struct window_info info;
	session_assert_msg(s, session_wait_window(s, &match, &info, 10000), "no %s window", level);
	return info;
}

static void
focus(struct strata_session *s, const struct window_info *w)
{
	int x, y;
	session_assert(s, session_window_visible_point(s, w->id, &x, &y));
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert(s, session_wait_focused_level(s, w->level, 3000));
}

static char *
dialog_state(struct strata_session *s)
{
	return session_ctl_ok(s, "dialog");
}

static bool
wait_dialog(struct strata_session *s, const char *state, int timeout_ms)
{
	return session_wait_dialog(s, state, timeout_ms);
}

static struct strata_session *current;

static char *
audit_tail(void)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/audit/audit.jsonl", current->data_dir);
	size_t len = 0;
	char *text = session_read_file(path, &len);
	if (!text) {
		return strdup("");
	}
	char *last = text + len;
	while (last > text && last[-1] == '\n') {
		last--;
	}
	*last = '\0';
	char *line = strrchr(text, '\n');
	char *copy = strdup(line ? line + 1 : text);
	free(text);
	return copy;
}

/* Lines in the audit log so far. */
static int
audit_lines(void)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/audit/audit.jsonl", current->data_dir);
	char *text = session_read_file(path, NULL);
	int lines = 0;
	for (const char *p = text; p && *p; p++) {
		lines += *p == '\n';
	}
	free(text);
	return lines;
}

/* Waits until the audit log has more than `before` lines; the last one
 * (malloc'd). Fails the test on timeout. */
static char *
wait_audit_line(int before, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (audit_lines() <= before) {
		session_assert_msg(current, session_now_ms() < deadline,
				"no new line in the audit log within %d ms", timeout_ms);
		session_sleep_ms(30);
	}
	return audit_tail();
}

static void
unique(char *out, size_t size, const char *what)
{
	snprintf(out, size, "%s-%d-%llu", what, (int)getpid(),
			(unsigned long long)session_now_ms());
}

static void
copies_stay_in_their_level(void)
{
	session_require_program("wl-copy");
	struct strata_session *s = session_start(NULL);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	char secret[64], out[512];
	unique(secret, sizeof(secret), "low-secret");
	focus(s, &low);
	copy_on(s, "low", secret);
	focus(s, &high);
	paste_on(s, "high", out, sizeof(out));
	session_assert_msg(s, !strstr(out, secret), "high pasted low's selection: %s", out);
	focus(s, &low);
	paste_on(s, "low", out, sizeof(out));
	session_assert_msg(s, strstr(out, secret), "low could not paste its own copy: %s", out);

	/* And high's copy never reaches low. */
	char high_secret[64];
	unique(high_secret, sizeof(high_secret), "high-secret");
	focus(s, &high);
	copy_on(s, "high", high_secret);
	focus(s, &low);
	paste_on(s, "low", out, sizeof(out));
	session_assert_msg(s, !strstr(out, high_secret), "low pasted high's selection");
	session_assert_msg(s, strstr(out, secret), "low lost its own selection: %s", out);
	session_stop(s);
}

/* Logo+V in high, the dialog, Return: high pastes the sanitised bytes. */
static void
confirmed_transfer_is_sanitised(void)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = config_fast };
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	char marker[64], raw[256], out[512];
	unique(marker, sizeof(marker), "xfer");
	/* An escape sequence, a bracketed-paste end marker and an RLO. */
	snprintf(raw, sizeof(raw), "%s\x1b[31m red\x1b[201~ \xE2\x80\xAEtail", marker);
	focus(s, &low);
	copy_on(s, "low", raw);
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert_msg(s, wait_dialog(s, "confirming", 5000), "no confirmation dialog");
	char *desc = dialog_state(s);
	tap_diag("%s", desc);
	session_assert(s, strstr(desc, "src=low dst=high"));
	session_assert(s, strstr(desc, "type=text/plain;charset=utf-8"));
	free(desc);
	/* The dialog is drawn over the windows, centred under the banner
	 * (1920x1080, banner 32: x 580..1340, y 346..766): its border in high's
	 * colour, its dark body. */
	uint32_t body = session_pixel(s, 1310, 740);
	session_assert_msg(s, body == 0x1c1c1c, "dialog body %06x", body);
	uint32_t edge = session_pixel(s, 582, 560);
	session_assert_msg(s, edge == 0xc62828, "dialog border %06x", edge);

	free(session_ctl_ok(s, "key Return"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	paste_on(s, "high", out, sizeof(out));
	tap_diag("high pasted: %s", out);
	char expected[256];
	snprintf(expected, sizeof(expected), "%s red tail", marker);
	session_assert_msg(s, strcmp(out, expected) == 0, "high pasted \"%s\", expected \"%s\"",
			out, expected);
	char *line = audit_tail();
	session_assert_msg(s,
			strstr(line, "\"decision\":\"transferred\"") &&
					strstr(line, "\"src\":\"low\""),
			"audit: %s", line);
	free(line);

	/* High's content still never reaches low. */
	char high_secret[64];
	unique(high_secret, sizeof(high_secret), "high-after");
	copy_on(s, "high", high_secret);
	focus(s, &low);
	paste_on(s, "low", out, sizeof(out));
	session_assert_msg(s, !strstr(out, high_secret), "low pasted high's content: %s", out);
	session_stop(s);
}

/* High holds a selection of its own (mine), low one that must not cross
 * (secret); the user asks for low's in high: the dialog waits. */
static struct strata_session *
dialog_over_both_selections(char *secret, char *mine, size_t size)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = config_fast };
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	unique(secret, size, "not-this");
	unique(mine, size, "high-own");
	focus(s, &high);
	copy_on(s, "high", mine);
	focus(s, &low);
	copy_on(s, "low", secret);
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	return s;
}

static void
cancel_leaves_high_unchanged(void)
{
	char secret[64], mine[64], out[512];
	struct strata_session *s = dialog_over_both_selections(secret, mine, sizeof(secret));
	free(session_ctl_ok(s, "key Escape"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	paste_on(s, "high", out, sizeof(out));
	session_assert_msg(s, strstr(out, mine) && !strstr(out, secret), "high has \"%s\"", out);
	char *line = audit_tail();
	session_assert_msg(s, strstr(line, "\"decision\":\"cancelled\""), "audit: %s", line);
	free(line);
	session_stop(s);
}

/* The secure attention key or the lock while the dialog waits: the
 * request is cancelled and logged, nothing crosses, and Return afterwards
 * (under the X-ray, or once back) transfers nothing. */
static void
trusted_path_cancels_the_dialog(const char *key, const char *state_cmd, const char *open)
{
	char secret[64], mine[64], out[512];
	struct strata_session *s = dialog_over_both_selections(secret, mine, sizeof(secret));
	int before = audit_lines();
	free(session_ctl_ok(s, "key %s", key));
	char *line = wait_audit_line(before, 3000);
	session_assert_msg(s,
			strstr(line, "\"decision\":\"cancelled\"") &&
					strstr(line, "secure attention key or screen lock"),
			"audit: %s", line);
	free(line);
	session_assert(s, wait_dialog(s, "idle", 1000));
	char *reply = session_ctl_ok(s, "%s", state_cmd);
	session_assert_msg(s, strstr(reply, open), "%s: %s", state_cmd, reply);
	free(reply);
	/* The X-ray says what the audit log says last: this cancellation. */
	reply = session_ctl_ok(s, "xray");
	tap_diag("%s", reply);
	session_assert_msg(s,
			strstr(reply, "low \xE2\x86\x92 high, text/plain;charset=utf-8") &&
					strstr(reply,
							"bytes: cancelled \xE2\x80\x94 cancelled (secure "
							"attention key or screen lock)"),
			"the X-ray's last transfer: %s", reply);
	free(reply);
	/* Return now answers no dialog, and Logo+V opens none (low still
	 * holds its selection: unlocked, it would). */
	free(session_ctl_ok(s, "key Return"));
	session_assert(s, wait_dialog(s, "idle", 1000));
	free(session_ctl_ok(s, "key logo+v"));
	reply = dialog_state(s);
	session_assert_msg(s, strstr(reply, "state=idle"), "Logo+V under %s: %s", state_cmd, reply);
	free(reply);
	session_assert_int_eq(s, audit_lines(), before + 1);
	if (strcmp(state_cmd, "xray") == 0) {
		free(session_ctl_ok(s, "key Escape"));
		paste_on(s, "high", out, sizeof(out));
		session_assert_msg(s, strstr(out, mine) && !strstr(out, secret), "high has \"%s\"",
				out);
	}
	session_stop(s);
}

/* The transfer dialog's sides (transfer.c: 760x420, or the usable area if
 * smaller, centred below the banner; a 6 px border in the destination's
 * colour) on a screenshot of an output of w x h: how many of the rows
 * sampled show high's colour on both sides; *body is the dialog's body
 * colour there (near its bottom, below the text). */
static int
dialog_sides(const uint32_t *px, int w, int h, int *rows, uint32_t *body)
{
	int dw = 760 < w ? 760 : w;
	int dh = 420 < h - SESSION_BANNER_HEIGHT ? 420 : h - SESSION_BANNER_HEIGHT;
	int x0 = (w - dw) / 2, y0 = SESSION_BANNER_HEIGHT + (h - SESSION_BANNER_HEIGHT - dh) / 2;
	int seen = 0;
	*rows = 0;
	for (int y = y0 + 8; y < y0 + dh - 8; y += 4, (*rows)++) {
		seen += px[(size_t)y * (size_t)w + (size_t)(x0 + 2)] == 0xc62828 &&
				px[(size_t)y * (size_t)w + (size_t)(x0 + dw - 3)] == 0xc62828;
	}
	*body = px[(size_t)(y0 + dh - 40) * (size_t)w + (size_t)(x0 + dw / 2)];
	return seen;
}

/* test-control output-add: the new output's name; its first frame in path. */
static void
plug_output(struct strata_session *s, const char *size, const char *path, char name[64])
{
	char *reply = path ? session_ctl_ok(s, "output-add %s %s", size, path) :
			     session_ctl_ok(s, "output-add %s", size);
	const char *at = strstr(reply, "output name=");
	session_assert_msg(s, at && sscanf(at, "output name=%63s", name) == 1, "reply: %s", reply);
	free(reply);
}

/*
 * Outputs come and go under the dialog. With no output left, nobody can
 * see the question: the request ends, logged, and nothing crosses. When a
 * smaller output replaces the one it was on, it is drawn again, whole and
 * centred there, and Return transfers.
 */
static void
the_dialog_follows_the_outputs(void)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = "[clipboard]\nconfirm_s = 60\n" };
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	char secret[64], out[512], path[300], name[64], first[64];
	unique(secret, sizeof(secret), "follows");
	focus(s, &low);
	copy_on(s, "low", secret);
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	int before = audit_lines();
	free(session_ctl_ok(s, "output-remove HEADLESS-1"));
	char *line = wait_audit_line(before, 3000);
	session_assert_msg(s,
			strstr(line, "\"decision\":\"cancelled\"") &&
					strstr(line, "no screen to show the question on"),
			"audit: %s", line);
	free(line);
	session_assert(s, wait_dialog(s, "idle", 1000));
	snprintf(path, sizeof(path), "/tmp/itest-dialog-%d.png", (int)getpid());
	plug_output(s, "1920x1080", path, name);
	int w, h, rows;
	uint32_t body;
	uint32_t *px = session_load_png(s, path, &w, &h);
	unlink(path);
	int sides = dialog_sides(px, w, h, &rows, &body);
	free(px);
	session_assert_msg(s, sides == 0,
			"the ended request's dialog is on the new output (%d rows)", sides);
	paste_on(s, "high", out, sizeof(out));
	session_assert_msg(s, !strstr(out, secret), "high pasted low's selection: %s", out);

	/* Again; the output goes, a smaller one comes first. */
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	snprintf(first, sizeof(first), "%s", name);
	plug_output(s, "800x600", NULL, name);
	free(session_ctl_ok(s, "output-remove %s", first));
	free(session_ctl_ok(s, "output-screenshot %s %s", name, path));
	px = session_load_png(s, path, &w, &h);
	unlink(path);
	sides = dialog_sides(px, w, h, &rows, &body);
	free(px);
	tap_diag("on %s (%dx%d): %d of %d rows with both sides, body %06x", name, w, h, sides, rows,
			body);
	session_assert_msg(s, rows > 50 && sides == rows && body == 0x1c1c1c,
			"the dialog is not whole and centred on %s: %d of %d rows, body %06x", name,
			sides, rows, body);
	/* Drawn again: Return counts once it has settled again. */
	session_assert(s, wait_dialog(s, "confirming", 3000));
	free(session_ctl_ok(s, "key Return"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	paste_on(s, "high", out, sizeof(out));
	session_assert_msg(s, strcmp(out, secret) == 0, "high pasted \"%s\", not \"%s\"", out,
			secret);
	session_stop(s);
}

static void
sak_cancels_the_dialog(void)
{
	trusted_path_cancels_the_dialog("logo+Escape", "xray", "open=1");
}

static void
lock_cancels_the_dialog(void)
{
	trusted_path_cancels_the_dialog("logo+l", "lock", "locked=1");
}

/* No client can answer the dialog: the only input that reaches it is the
 * seat's; a client cannot inject keys (no virtual keyboard for levels). */
static struct strata_session *
open_dialog_low_to_high(void)
{
	session_require_program("wl-copy");
	session_require_program("weston-simple-shm");
	struct session_options opts = { .config = config_fast };
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	char secret[64];
	unique(secret, sizeof(secret), "wait");
	focus(s, &low);
	copy_on(s, "low", secret);
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	return s;
}

static void
clients_cannot_confirm(void)
{
	struct strata_session *s = open_dialog_low_to_high();
	/* A high client trying what an injector would: no global to do it with. */
	struct raw_client *c = raw_client_connect(session_socket(s, "high"));
	session_assert(s, c);
	session_assert(s, !raw_client_find_global(c, "zwp_virtual_keyboard_manager_v1"));
	session_assert(s, !raw_client_find_global(c, "zwlr_virtual_pointer_manager_v1"));
	session_assert(s, raw_client_roundtrip(c, 3000));
	raw_client_destroy(c);
	/* Everything that client sent is handled by now (round trip); nothing
	 * answered the dialog. */
	session_assert_msg(s, wait_dialog(s, "confirming", 0), "the dialog was answered");
	free(session_ctl_ok(s, "key Escape"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	session_stop(s);
}

/* wtype, the real key injector, in high while the dialog waits: it finds no
 * virtual keyboard, fails, and the dialog is still waiting for the user. */
static void
wtype_cannot_confirm(void)
{
	session_require_program("wtype");
	struct strata_session *s = open_dialog_low_to_high();
	char *argv[] = { "wtype", "-k", "Return", NULL };
	pid_t pid = session_spawn_client(s, "high", argv);
	int status;
	session_assert_msg(s, session_wait_client_exit(s, pid, 5000, &status), "wtype hangs");
	session_dump_client_log(s, pid, 5);
	session_assert_msg(s, WIFEXITED(status) && WEXITSTATUS(status) != 0,
			"wtype succeeded (status 0x%x)", status);
	/* Its connection is closed and handled: a fresh round trip on the level
	 * socket is answered after it. */
	session_assert(s, session_compositor_alive(s));
	session_assert_msg(s, wait_dialog(s, "confirming", 0), "the dialog was answered");
	free(session_ctl_ok(s, "key Escape"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	session_stop(s);
}

static void
high_to_low_is_refused_and_logged(void)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = config_fast };
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	char secret[64], out[512];
	unique(secret, sizeof(secret), "high-down");
	focus(s, &high);
	copy_on(s, "high", secret);
	focus(s, &low);
	int before = audit_lines();
	free(session_ctl_ok(s, "key logo+v"));
	char *line = wait_audit_line(before, 3000);
	session_assert(s, wait_dialog(s, "idle", 0));
	paste_on(s, "low", out, sizeof(out));
	session_assert_msg(s, !strstr(out, secret), "high's content reached low");
	session_assert_msg(s,
			strstr(line, "\"decision\":\"refused\"") && strstr(line, "policy") &&
					strstr(line, "\"src\":\"high\""),
			"audit: %s", line);
	free(line);
	session_stop(s);
}

static void
size_cap_is_enforced(void)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = config_fast }; /* max_bytes = 4096 */
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	char big[6000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	focus(s, &low);
	copy_on(s, "low", big);
	focus(s, &high);
	int before = audit_lines();
	free(session_ctl_ok(s, "key logo+v"));
	char *line = wait_audit_line(before, 5000);
	session_assert(s, wait_dialog(s, "idle", 0));
	session_assert_msg(s,
			strstr(line, "\"decision\":\"refused\"") && strstr(line, "larger than"),
			"audit: %s", line);
	free(line);
	session_stop(s);
}

/* ---- raw clients: a data source under the attacker's control -------------- */

struct raw_source {
	struct raw_client *c;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_data_device_manager *manager;
	struct wl_data_device *device;
	struct wl_data_source *source;
	uint32_t enter_serial;
	bool cancelled;
	int offers; /* data_offer events received */
	int drag_enters; /* wl_data_device.enter: a drag came over our surface */
	struct wl_pointer *pointer;
	uint32_t button_serial; /* of the last button press */
	int send_fds[16]; /* fds the compositor asked us to write to, kept open */
	int send_count;
	struct wl_data_offer *selection; /* the last wl_data_device.selection */
	int cancelled_count; /* sources of either kind cancelled */
	void *last_cancelled; /* the last of them (a proxy's address) */
	struct zwp_primary_selection_device_manager_v1 *primary_manager;
	struct zwp_primary_selection_device_v1 *primary_device;
};

static void
kb_keymap(void *d, struct wl_keyboard *k, uint32_t f, int32_t fd, uint32_t s)
{
	close(fd);
}
static void
kb_enter(void *d, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s, struct wl_array *a)
{
	((struct raw_source *)d)->enter_serial = serial;
}
static void
kb_leave(void *d, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s)
{
}
static void
kb_key(void *d, struct wl_keyboard *k, uint32_t serial, uint32_t t, uint32_t key, uint32_t st)
{
}
static void
kb_mods(void *d, struct wl_keyboard *k, uint32_t s, uint32_t a, uint32_t b, uint32_t c, uint32_t g)
{
}
static void
kb_repeat(void *d, struct wl_keyboard *k, int32_t r, int32_t de)
{
}
static const struct wl_keyboard_listener kb_listener = {
	kb_keymap,
	kb_enter,
	kb_leave,
	kb_key,
	kb_mods,
	kb_repeat,
};

static void
src_target(void *d, struct wl_data_source *s, const char *m)
{
}
static void
src_send(void *d, struct wl_data_source *s, const char *mime, int32_t fd)
{
	struct raw_source *r = d;
	/* Hung source (M23): never write, never close. */
	if (r->send_count < 16) {
		r->send_fds[r->send_count++] = fd;
	} else {
		close(fd);
	}
}
static void
src_cancelled(void *d, struct wl_data_source *s)
{
	struct raw_source *r = d;
	r->cancelled = true;
	r->cancelled_count++;
	r->last_cancelled = s;
}
static void
src_dnd_drop(void *d, struct wl_data_source *s)
{
}
static void
src_dnd_finished(void *d, struct wl_data_source *s)
{
}
static void
src_action(void *d, struct wl_data_source *s, uint32_t a)
{
}
static const struct wl_data_source_listener source_listener = {
	src_target,
	src_send,
	src_cancelled,
	src_dnd_drop,
	src_dnd_finished,
	src_action,
};

static void
dev_data_offer(void *d, struct wl_data_device *dev, struct wl_data_offer *offer)
{
	((struct raw_source *)d)->offers++;
}
static void
dev_enter(void *d, struct wl_data_device *dev, uint32_t s, struct wl_surface *su, wl_fixed_t x,
		wl_fixed_t y, struct wl_data_offer *o)
{
	((struct raw_source *)d)->drag_enters++;
}
static void
dev_leave(void *d, struct wl_data_device *dev)
{
}
static void
dev_motion(void *d, struct wl_data_device *dev, uint32_t t, wl_fixed_t x, wl_fixed_t y)
{
}
static void
dev_drop(void *d, struct wl_data_device *dev)
{
}
static void
dev_selection(void *d, struct wl_data_device *dev, struct wl_data_offer *o)
{
	((struct raw_source *)d)->selection = o;
}
static const struct wl_data_device_listener device_listener = {
	dev_data_offer,
	dev_enter,
	dev_leave,
	dev_motion,
	dev_drop,
	dev_selection,
};

static void
ptr_enter(void *d, struct wl_pointer *p, uint32_t serial, struct wl_surface *s, wl_fixed_t x,
		wl_fixed_t y)
{
}
static void
ptr_leave(void *d, struct wl_pointer *p, uint32_t serial, struct wl_surface *s)
{
}
static void
ptr_motion(void *d, struct wl_pointer *p, uint32_t t, wl_fixed_t x, wl_fixed_t y)
{
}
static void
ptr_button(void *d, struct wl_pointer *p, uint32_t serial, uint32_t t, uint32_t b, uint32_t st)
{
	if (st == WL_POINTER_BUTTON_STATE_PRESSED) {
		((struct raw_source *)d)->button_serial = serial;
	}
}
static void
ptr_axis(void *d, struct wl_pointer *p, uint32_t t, uint32_t a, wl_fixed_t v)
{
}
static void
ptr_frame(void *d, struct wl_pointer *p)
{
}
static void
ptr_axis_source(void *d, struct wl_pointer *p, uint32_t s)
{
}
static void
ptr_axis_stop(void *d, struct wl_pointer *p, uint32_t t, uint32_t a)
{
}
static void
ptr_axis_discrete(void *d, struct wl_pointer *p, uint32_t a, int32_t v)
{
}
static const struct wl_pointer_listener pointer_listener = {
	ptr_enter,
	ptr_leave,
	ptr_motion,
	ptr_button,
	ptr_axis,
	ptr_frame,
	ptr_axis_source,
	ptr_axis_stop,
	ptr_axis_discrete,
};

static struct raw_source *
raw_source_new(struct strata_session *s, const char *level)
{
	struct raw_source *r = calloc(1, sizeof(*r));
	r->c = raw_client_connect(session_socket(s, level));
	session_assert(s, r->c);
	const struct raw_global *seat = raw_client_find_global(r->c, "wl_seat");
	const struct raw_global *ddm = raw_client_find_global(r->c, "wl_data_device_manager");
	session_assert(s, seat && ddm);
	r->seat = wl_registry_bind(r->c->registry, seat->name, &wl_seat_interface, 5);
	r->manager = wl_registry_bind(r->c->registry, ddm->name, &wl_data_device_manager_interface,
			3);
	r->keyboard = wl_seat_get_keyboard(r->seat);
	wl_keyboard_add_listener(r->keyboard, &kb_listener, r);
	r->pointer = wl_seat_get_pointer(r->seat);
	wl_pointer_add_listener(r->pointer, &pointer_listener, r);
	r->device = wl_data_device_manager_get_data_device(r->manager, r->seat);
	wl_data_device_add_listener(r->device, &device_listener, r);
	const struct raw_global *psm =
			raw_client_find_global(r->c, "zwp_primary_selection_device_manager_v1");
	session_assert(s, psm);
	r->primary_manager = wl_registry_bind(r->c->registry, psm->name,
			&zwp_primary_selection_device_manager_v1_interface, 1);
	r->primary_device = zwp_primary_selection_device_manager_v1_get_device(r->primary_manager,
			r->seat);
	session_assert(s, raw_client_roundtrip(r->c, 3000));
	return r;
}

static void
raw_source_set(struct raw_source *r, uint32_t serial)
{
	r->source = wl_data_device_manager_create_data_source(r->manager);
	wl_data_source_add_listener(r->source, &source_listener, r);
	wl_data_source_offer(r->source, "text/plain;charset=utf-8");
	wl_data_device_set_selection(r->device, r->source, serial);
	raw_client_roundtrip(r->c, 3000);
}

static void
raw_source_destroy(struct raw_source *r)
{
	for (int i = 0; i < r->send_count; i++) {
		close(r->send_fds[i]);
	}
	raw_client_destroy(r->c);
	free(r);
}

/* A raw high client with a window (app id app_id), into which the user
 * transfers low's copy of text (Logo+V, Return): the client is offered the
 * transferred snapshot as its selection (r->selection). */
static struct raw_source *
raw_high_with_a_transfer(struct strata_session *s, const char *text, const char *app_id,
		struct raw_window **w)
{
	struct window_info low = window_on(s, "low");
	struct raw_source *r = raw_source_new(s, "high");
	*w = raw_window_create(r->c, 200, 100, app_id, app_id);
	session_assert(s, *w);
	struct window_info high;
	session_assert(s,
			session_wait_window(s, &(struct window_match){ .app_id = app_id }, &high,
					5000));
	focus(s, &low);
	copy_on(s, "low", text);
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	free(session_ctl_ok(s, "key Return"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	/* The snapshot is high's selection: offered to the focused client. */
	uint64_t deadline = session_now_ms() + 3000;
	while (!r->selection && session_now_ms() < deadline) {
		raw_client_roundtrip(r->c, 1000);
	}
	session_assert_msg(s, r->selection, "the high client was offered no selection");
	return r;
}

/*
 * After a transfer strata itself serves the destination's selection: it
 * writes the snapshot into the pipe each paste hands it. A high client that
 * closes its pipe's read end first (a paste given up on) must cost that one
 * write, not the compositor (it died of SIGPIPE): strata goes on, and the
 * next paste gets the bytes.
 */
static void
a_paste_given_up_on_does_not_stop_strata(void)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = config_fast };
	struct strata_session *s = session_start(&opts);
	current = s;
	char secret[64], out[512];
	unique(secret, sizeof(secret), "given-up");
	struct raw_window *w;
	struct raw_source *r = raw_high_with_a_transfer(s, secret, "quitter", &w);
	for (int i = 0; i < 3; i++) {
		int fds[2];
		session_assert(s, pipe(fds) == 0);
		close(fds[0]);
		wl_data_offer_receive(r->selection, "text/plain;charset=utf-8", fds[1]);
		close(fds[1]);
		session_assert_msg(s, raw_client_roundtrip(r->c, 3000),
				"strata did not answer after a paste given up on (still alive?)");
	}
	/* Whatever strata did with those pipes is done (its writer runs on the
	 * next loop turns): a test-control round trip, then a paste. */
	free(session_ctl_ok(s, "ping"));
	paste_on(s, "high", out, sizeof(out));
	session_assert_msg(s, strcmp(out, secret) == 0, "high pasted \"%s\", not \"%s\"", out,
			secret);
	raw_window_destroy(w);
	raw_source_destroy(r);
	session_stop(s);
}

/* Open fds of a process. */
static int
open_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *dir = opendir(path);
	int n = 0;
	for (struct dirent *e; dir && (e = readdir(dir));) {
		n += e->d_name[0] != '.';
	}
	if (dir) {
		closedir(dir);
	}
	return n;
}

/*
 * A high client asks for the transferred snapshot again and again into
 * pipes of one page it never reads: strata writes at most 4 of those pastes
 * at once (each holds a copy, the client's fd and a timer), and closes the
 * others at once; once the reader goes, the held ones end too, and pasting works.
 */
static void
pastes_never_read_hold_at_most_four_pipes(void)
{
	session_require_program("wl-copy");
	struct session_options opts = {
		.config = "[clipboard]\nmax_bytes = 65536\nconfirm_s = 60\n"
	};
	struct strata_session *s = session_start(&opts);
	current = s;
	static char big[65536];
	for (size_t i = 0; i < sizeof(big) - 1; i++) {
		big[i] = (char)('a' + i % 26);
	}
	big[sizeof(big) - 1] = '\0';
	struct raw_window *w;
	struct raw_source *r = raw_high_with_a_transfer(s, big, "hoarder", &w);
	free(session_ctl_ok(s, "ping"));
	int before = open_fds(s->pid);
	int readers[20];
	for (int i = 0; i < 20; i++) {
		int fds[2];
		session_assert(s, pipe(fds) == 0);
		session_assert(s, fcntl(fds[1], F_SETPIPE_SZ, 4096) >= 4096);
		wl_data_offer_receive(r->selection, "text/plain;charset=utf-8", fds[1]);
		close(fds[1]);
		readers[i] = fds[0];
	}
	session_assert(s, raw_client_roundtrip(r->c, 3000));
	free(session_ctl_ok(s, "ping"));
	int during = open_fds(s->pid);
	tap_diag("strata's fds: %d before, %d with 20 pastes never read", before, during);
	/* Each paste held: the client's pipe and the writer's timer (a
	 * timerfd). */
	session_assert_msg(s, during >= before + 4 * 2,
			"only %d more fds: the pastes never reached strata's writer",
			during - before);
	session_assert_msg(s, during <= before + 4 * 2,
			"strata holds %d more fds for 20 pastes nobody reads (at most 4 pastes, 8 fds)",
			during - before);
	for (int i = 0; i < 20; i++) {
		close(readers[i]);
	}
	char out[512];
	paste_on(s, "high", out, sizeof(out));
	session_assert_msg(s, strncmp(out, big, 100) == 0, "high's paste after the hoarder: %.60s",
			out);
	raw_window_destroy(w);
	raw_source_destroy(r);
	session_stop(s);
}

/* M23: a source that never writes nor closes: the transfer times out, the
 * compositor never blocks, the user is told, and it is logged. */
static void
m23_hung_source_times_out(void)
{
	struct session_options opts = { .config = config_fast }; /* timeout_ms = 700 */
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info high = window_on(s, "high");
	struct raw_source *r = raw_source_new(s, "low");
	struct raw_window *w = raw_window_create(r->c, 200, 100, "hung", "hung source");
	session_assert(s, w);
	struct window_match match = { .app_id = "hung" };
	struct window_info info;
	session_assert(s, session_wait_window(s, &match, &info, 5000));
	focus(s, &info);
	raw_client_roundtrip(r->c, 1000);
	raw_source_set(r, r->enter_serial);
	focus(s, &high);
	uint64_t t0 = session_now_ms();
	free(session_ctl_ok(s, "key logo+v"));
	/* While it hangs, the compositor answers at once. */
	free(session_ctl_ok(s, "ping"));
	session_assert(s, session_compositor_alive(s));
	raw_client_roundtrip(r->c, 200);
	session_assert_msg(s, wait_dialog(s, "idle", 3000), "the transfer never ended");
	uint64_t took = session_now_ms() - t0;
	tap_diag("hung source: cancelled after %llu ms", (unsigned long long)took);
	session_assert(s, took >= 600 && took < 3000);
	char *line = audit_tail();
	session_assert_msg(s, strstr(line, "\"decision\":\"timeout\""), "audit: %s", line);
	free(line);
	raw_window_destroy(w);
	raw_source_destroy(r);
	session_stop(s);
}

/* M25: a client that had focus once sets a selection with its old serial
 * after focus moved to another window: wlroots accepts the serial (it was
 * given to that client and is newer than the seat's), so the compositor's
 * own focus check must refuse it (the source is cancelled). Serial 0 is
 * refused too. Either way the level's selection does not change. */
static void
m25_unfocused_set_selection_is_ignored(void)
{
	session_require_program("wl-paste");
	struct strata_session *s = session_start(NULL);
	current = s;
	struct raw_source *r = raw_source_new(s, "low");
	struct raw_window *w = raw_window_create(r->c, 200, 100, "stale", "stale serial");
	session_assert(s, w);
	struct window_match match = { .app_id = "stale" };
	struct window_info info;
	session_assert(s, session_wait_window(s, &match, &info, 5000));
	struct window_info other = window_on(s, "low");
	focus(s, &info);
	raw_client_roundtrip(r->c, 1000);
	uint32_t old_serial = r->enter_serial;
	session_assert(s, old_serial != 0);
	focus(s, &other);
	raw_source_set(r, old_serial);
	raw_client_roundtrip(r->c, 1000);
	session_assert_msg(s, r->cancelled, "the unfocused client's source was not cancelled");
	r->cancelled = false;
	raw_source_set(r, 0);
	char out[512];
	paste_on(s, "low", out, sizeof(out));
	session_assert_msg(s, strstr(out, "No selection"), "the selection changed: %s", out);
	session_assert(s, session_compositor_alive(s));
	raw_window_destroy(w);
	raw_source_destroy(r);
	session_stop(s);
}

static void
psrc_send(void *d, struct zwp_primary_selection_source_v1 *s, const char *mime, int32_t fd)
{
	close(fd);
}
static void
psrc_cancelled(void *d, struct zwp_primary_selection_source_v1 *s)
{
	struct raw_source *r = d;
	r->cancelled_count++;
	r->last_cancelled = s;
}
static const struct zwp_primary_selection_source_v1_listener primary_source_listener = {
	psrc_send,
	psrc_cancelled,
};

/* A new source offering text, set as the selection (or the primary one)
 * with serial; returned (a proxy) once the compositor answered. */
static void *
raw_offer(struct raw_source *r, bool primary, uint32_t serial)
{
	void *source;
	if (primary) {
		struct zwp_primary_selection_source_v1 *p =
				zwp_primary_selection_device_manager_v1_create_source(
						r->primary_manager);
		zwp_primary_selection_source_v1_add_listener(p, &primary_source_listener, r);
		zwp_primary_selection_source_v1_offer(p, "text/plain;charset=utf-8");
		zwp_primary_selection_device_v1_set_selection(r->primary_device, p, serial);
		source = p;
	} else {
		struct wl_data_source *d = wl_data_device_manager_create_data_source(r->manager);
		wl_data_source_add_listener(d, &source_listener, r);
		wl_data_source_offer(d, "text/plain;charset=utf-8");
		wl_data_device_set_selection(r->device, d, serial);
		source = d;
	}
	raw_client_roundtrip(r->c, 3000);
	return source;
}

/* Whether serial a was sent after serial b (they wrap). */
static bool
serial_after(uint32_t a, uint32_t b)
{
	return a != b && a - b < UINT32_MAX / 2;
}

/*
 * Selection requests wlroots drops before strata's own rules see them: a
 * serial older than the selection the seat shows (two copies crossing: the
 * second to ask got its serial first), and a serial never sent to the
 * client. The client must be told its source is not the selection
 * (cancelled): wl-copy waits for that, and without it waited for ever, a
 * process more each time (the 60-minute soak's clients piled up so). The
 * selection that was set stays, and is not cancelled. Both selections.
 */
static void
dropped_selection_requests(bool primary)
{
	struct strata_session *s = session_start(NULL);
	current = s;
	struct raw_source *r = raw_source_new(s, "low");
	struct raw_window *w = raw_window_create(r->c, 200, 100, "crossing", "crossing copies");
	session_assert(s, w);
	struct window_info info;
	session_assert(s,
			session_wait_window(s, &(struct window_match){ .app_id = "crossing" },
					&info, 5000));
	/* The click gives focus and a button press: two serials, an older and
	 * a newer one, both sent to the client. */
	focus(s, &info);
	raw_client_roundtrip(r->c, 1000);
	uint32_t enter = r->enter_serial, button = r->button_serial;
	session_assert_msg(s, enter != 0 && button != 0 && enter != button,
			"serials: enter %u, button %u", enter, button);
	uint32_t newer = serial_after(enter, button) ? enter : button;
	uint32_t older = newer == enter ? button : enter;

	void *kept = raw_offer(r, primary, newer);
	session_assert_msg(s, r->cancelled_count == 0,
			"the first request, with the newer serial, "
			"was cancelled");
	char *sel = session_ctl_ok(s, "selections");
	session_assert_msg(s,
			strstr(sel,
					primary ? "level=low set=0 types=0 primary=1 primary_types=1" :
						  "level=low set=1 types=1 "),
			"the first request did not become low's selection: %s", sel);
	free(sel);

	void *crossing = raw_offer(r, primary, older);
	raw_client_roundtrip(r->c, 1000);
	session_assert_msg(s, r->cancelled_count == 1 && r->last_cancelled == crossing,
			"the request with the older serial was not cancelled (%d cancelled)",
			r->cancelled_count);

	void *unsent = raw_offer(r, primary, newer + 1000);
	raw_client_roundtrip(r->c, 1000);
	session_assert_msg(s, r->cancelled_count == 2 && r->last_cancelled == unsent,
			"the request with a serial never sent was not cancelled (%d cancelled)",
			r->cancelled_count);

	/* The selection itself, asked for again with the older serial: wlroots
	 * drops the request, and the selection stays (not cancelled). */
	if (primary) {
		zwp_primary_selection_device_v1_set_selection(r->primary_device, kept, older);
	} else {
		wl_data_device_set_selection(r->device, kept, older);
	}
	raw_client_roundtrip(r->c, 1000);
	session_assert_msg(s, r->cancelled_count == 2,
			"the selection was cancelled when asked for again with an old serial");

	/* The selection set first is still low's, never cancelled. */
	session_assert(s, kept != crossing && kept != unsent);
	sel = session_ctl_ok(s, "selections");
	session_assert_msg(s, strstr(sel, primary ? "primary=1 primary_types=1" : "set=1 types=1 "),
			"low's selection went: %s", sel);
	free(sel);
	session_assert(s, session_compositor_alive(s));
	raw_window_destroy(w);
	raw_source_destroy(r);
	session_stop(s);
}

static void
a_dropped_selection_request_is_cancelled(void)
{
	dropped_selection_requests(false);
}

static void
a_dropped_primary_selection_request_is_cancelled(void)
{
	dropped_selection_requests(true);
}

/* The dialog as the test-control describes it, waited for in STATE (without
 * waiting for it to settle, unlike wait_dialog); NULL on timeout. */
static char *
dialog_reached(struct strata_session *s, const char *state, int timeout_ms)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "state=%s ", state);
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *reply = dialog_state(s);
		if (strstr(reply, needle)) {
			return reply;
		}
		free(reply);
		if (session_now_ms() >= deadline) {
			return NULL;
		}
		session_sleep_ms(10);
	}
}

/*
 * Return typed ahead, before the user could read the dialog (sooner than
 * [clipboard] settle_ms after it was drawn, here 3 s), answers nothing: the
 * dialog stays and nothing crosses. The same after the dialog is drawn
 * again on another output. Once it has settled, Return transfers.
 */
static void
an_answer_typed_ahead_is_ignored(void)
{
	session_require_program("wl-copy");
	struct session_options opts = {
		.config = "[clipboard]\nconfirm_s = 60\nsettle_ms = 3000\n"
	};
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	char secret[64], out[512], name[64];
	unique(secret, sizeof(secret), "typed-ahead");
	focus(s, &low);
	copy_on(s, "low", secret);
	focus(s, &high);
	int before = audit_lines();
	free(session_ctl_ok(s, "key logo+v"));
	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			/* Settled, then drawn again on a new output. */
			session_assert(s, wait_dialog(s, "confirming", 5000));
			plug_output(s, "1024x768", NULL, name);
		}
		char *shown = dialog_reached(s, "confirming", 5000);
		session_assert_msg(s, shown, "no confirmation dialog");
		session_assert_msg(s, strstr(shown, " settled=0 "),
				"round %d: the dialog had settled before the test could type ahead "
				"(3 s): %s",
				round, shown);
		free(shown);
		free(session_ctl_ok(s, "key Return"));
		char *after = dialog_state(s);
		session_assert_msg(s, strstr(after, "state=confirming "),
				"round %d: Return typed ahead answered the dialog: %s", round,
				after);
		free(after);
		session_assert_msg(s, audit_lines() == before,
				"round %d: Return typed ahead was logged", round);
	}
	/* Settled: Return transfers. */
	session_assert(s, wait_dialog(s, "confirming", 5000));
	free(session_ctl_ok(s, "key Return"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	char *line = wait_audit_line(before, 3000);
	session_assert_msg(s, strstr(line, "\"decision\":\"transferred\""), "audit: %s", line);
	free(line);
	paste_on(s, "high", out, sizeof(out));
	session_assert_msg(s, strcmp(out, secret) == 0, "high pasted \"%s\", not \"%s\"", out,
			secret);
	session_stop(s);
}

/* M26: a high client watching for offers while low copies and focus moves
 * between levels sees none of low's. */
static void
m26_no_offers_across_levels(void)
{
	session_require_program("wl-copy");
	struct strata_session *s = session_start(NULL);
	current = s;
	struct window_info low = window_on(s, "low");
	struct raw_source *watcher = raw_source_new(s, "high");
	struct raw_window *w = raw_window_create(watcher->c, 200, 100, "watcher", "watcher");
	session_assert(s, w);
	struct window_match match = { .app_id = "watcher" };
	struct window_info info;
	session_assert(s, session_wait_window(s, &match, &info, 5000));
	focus(s, &low);
	char secret[64];
	unique(secret, sizeof(secret), "watched");
	copy_on(s, "low", secret);
	raw_client_roundtrip(watcher->c, 500);
	int before = watcher->offers;
	for (int i = 0; i < 3; i++) {
		focus(s, &info);
		raw_client_roundtrip(watcher->c, 500);
		focus(s, &low);
		raw_client_roundtrip(watcher->c, 500);
	}
	session_assert_msg(s, watcher->offers == before,
			"the high client received %d offers while low held a selection",
			watcher->offers - before);
	raw_window_destroy(w);
	raw_source_destroy(watcher);
	session_stop(s);
}

/* Drag and drop: within a level it works; another level's surface never
 * hears of the drag; a drag without the focused level's pointer grab is
 * refused. */
static void
drag_stays_in_its_level(void)
{
	struct strata_session *s = session_start(NULL);
	current = s;
	struct raw_source *low = raw_source_new(s, "low");
	struct raw_window *lw = raw_window_create(low->c, 300, 200, "dnd-low", "dnd low");
	struct raw_source *high = raw_source_new(s, "high");
	struct raw_window *hw = raw_window_create(high->c, 300, 200, "dnd-high", "dnd high");
	session_assert(s, lw && hw);
	struct window_match lm = { .app_id = "dnd-low" }, hm = { .app_id = "dnd-high" };
	struct window_info li, hi;
	session_assert(s, session_wait_window(s, &lm, &li, 5000));
	session_assert(s, session_wait_window(s, &hm, &hi, 5000));
	int lx, ly, hx, hy;
	session_assert(s, session_window_visible_point(s, li.id, &lx, &ly));
	session_assert(s, session_window_visible_point(s, hi.id, &hx, &hy));

	/* Press in the low window and start a drag from that grab. */
	free(session_ctl_ok(s, "motion %d %d", lx, ly));
	free(session_ctl_ok(s, "button left press"));
	raw_client_roundtrip(low->c, 1000);
	session_assert(s, low->button_serial != 0);
	struct wl_data_source *source = wl_data_device_manager_create_data_source(low->manager);
	wl_data_source_add_listener(source, &source_listener, low);
	wl_data_source_offer(source, "text/plain;charset=utf-8");
	wl_data_source_set_actions(source, WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
	wl_data_device_start_drag(low->device, source, lw->surface, NULL, low->button_serial);
	raw_client_roundtrip(low->c, 1000);
	/* Over high's window, then back over low's. */
	for (int step = 1; step <= 4; step++) {
		free(session_ctl_ok(s, "motion %d %d", lx + (hx - lx) * step / 4,
				ly + (hy - ly) * step / 4));
		raw_client_roundtrip(high->c, 300);
	}
	free(session_ctl_ok(s, "motion %d %d", lx + 5, ly + 5));
	raw_client_roundtrip(low->c, 500);
	raw_client_roundtrip(high->c, 500);
	tap_diag("drag enters: low %d, high %d", low->drag_enters, high->drag_enters);
	session_assert_msg(s, high->drag_enters == 0, "a low drag entered a high surface");
	session_assert_msg(s, low->drag_enters > 0, "the drag did not work within low");
	free(session_ctl_ok(s, "button left release"));
	raw_client_roundtrip(low->c, 500);

	/* high, without focus or a pointer grab, tries to start a drag. */
	struct wl_data_source *sneaky = wl_data_device_manager_create_data_source(high->manager);
	wl_data_source_add_listener(sneaky, &source_listener, high);
	wl_data_source_offer(sneaky, "text/plain;charset=utf-8");
	wl_data_device_start_drag(high->device, sneaky, hw->surface, NULL, high->enter_serial);
	raw_client_roundtrip(high->c, 1000);
	free(session_ctl_ok(s, "motion %d %d", lx, ly));
	raw_client_roundtrip(low->c, 500);
	int low_enters = low->drag_enters;
	free(session_ctl_ok(s, "motion %d %d", lx + 10, ly + 10));
	raw_client_roundtrip(low->c, 500);
	session_assert_msg(s, low->drag_enters == low_enters, "high's drag reached low");
	session_assert(s, session_compositor_alive(s));
	raw_window_destroy(lw);
	raw_window_destroy(hw);
	raw_source_destroy(low);
	raw_source_destroy(high);
	session_stop(s);
}

/* ---- the keyboard while the dialog is open ------------------------------------ */

struct dialog_scene {
	struct strata_session *s;
	struct keylog low, high;
	size_t low_mark, high_mark;
};

/* A recording window on each level, a selection in low, Logo+V in high: the
 * dialog waits for the user; both logs marked (after a sync) from here. */
static void
dialog_scene_open(struct dialog_scene *d)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = "[clipboard]\nconfirm_s = 60\n" };
	d->s = session_start(&opts);
	current = d->s;
	keylog_start(d->s, "low", "low", &d->low);
	keylog_start(d->s, "high", "high", &d->high);
	focus(d->s, &d->low.window);
	char secret[64];
	unique(secret, sizeof(secret), "dialog");
	copy_on(d->s, "low", secret);
	focus(d->s, &d->high.window);
	free(session_ctl_ok(d->s, "key logo+v"));
	session_assert_msg(d->s, wait_dialog(d->s, "confirming", 5000), "no confirmation dialog");
	keylog_sync(d->s, &d->low);
	keylog_sync(d->s, &d->high);
	d->low_mark = keylog_mark(d->s, &d->low);
	d->high_mark = keylog_mark(d->s, &d->high);
}

/* Escape, the dialog closes; what each client got since the mark
 * (malloc'd, after a sync). */
static void
dialog_scene_close(struct dialog_scene *d, char **low_text, char **high_text)
{
	session_assert_msg(d->s, wait_dialog(d->s, "confirming", 0),
			"the dialog did not wait for Escape");
	free(session_ctl_ok(d->s, "key Escape"));
	session_assert_msg(d->s, wait_dialog(d->s, "idle", 3000),
			"Escape did not close the dialog");
	keylog_sync(d->s, &d->low);
	keylog_sync(d->s, &d->high);
	*low_text = keylog_since(d->s, &d->low, d->low_mark);
	*high_text = keylog_since(d->s, &d->high, d->high_mark);
}

/* After the dialog, a key reaches high again: the recorder was listening. */
static void
dialog_scene_end(struct dialog_scene *d)
{
	size_t mark = keylog_mark(d->s, &d->high);
	free(session_ctl_ok(d->s, "key b"));
	keylog_sync(d->s, &d->high);
	char *text = keylog_since(d->s, &d->high, mark);
	if (keylog_count(text, "key 48 ") != 2) {
		keylog_dump("high after the dialog", text);
		session_fail(d->s, "after the dialog closed, high did not get `key b`");
	}
	free(text);
	session_stop(d->s);
}

/*
 * Everything typed while the dialog is open goes to the dialog: letters,
 * digits, capitals (Shift), Tab, BackSpace, arrows, Ctrl+a, a held key,
 * F5, and Escape at the end; neither the source level's window nor the
 * destination's gets a single wl_keyboard.key, compared by content.
 */
static void
dialog_keys_never_reach_a_client(void)
{
	struct dialog_scene d;
	dialog_scene_open(&d);
	free(session_ctl_ok(d.s, "type my Secret 42"));
	static const char *const keys[] = { "Tab", "BackSpace", "Up", "Left", "ctrl+a", "shift+Tab",
		"F5", "space", "Delete" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		free(session_ctl_ok(d.s, "key %s", keys[i]));
	}
	free(session_ctl_ok(d.s, "keydown x"));
	free(session_ctl_ok(d.s, "keyup x"));
	char *low, *high;
	dialog_scene_close(&d, &low, &high);
	if (keylog_count(low, "key ") || keylog_count(high, "key ")) {
		keylog_dump("low while the dialog was open", low);
		keylog_dump("high while the dialog was open", high);
		session_fail(d.s, "keys typed into the dialog reached a client: low %d, high %d",
				keylog_count(low, "key "), keylog_count(high, "key "));
	}
	free(low);
	free(high);
	dialog_scene_end(&d);
}

/* The modifiers pressed while the dialog is open are the dialog's too: no
 * client learns that Shift or Ctrl went down (or up). The only modifiers a
 * client may get in that time are those of its keyboard focus coming back
 * when the dialog closes: nothing held. */
static void
dialog_modifiers_never_reach_a_client(void)
{
	struct dialog_scene d;
	dialog_scene_open(&d);
	free(session_ctl_ok(d.s, "type Capital"));
	free(session_ctl_ok(d.s, "keydown ctrl"));
	free(session_ctl_ok(d.s, "keyup ctrl"));
	char *low, *high;
	dialog_scene_close(&d, &low, &high);
	static const char *const nothing_held = "mods depressed=- latched=- locked=-";
	int low_held = keylog_count(low, "mods") - keylog_count(low, nothing_held);
	int high_held = keylog_count(high, "mods") - keylog_count(high, nothing_held);
	/* high gets its focus back (enter, then its modifiers) at most once. */
	int high_enters = keylog_count(high, "enter");
	if (low_held || high_held || keylog_count(low, "mods") ||
			keylog_count(high, "mods") > high_enters) {
		keylog_dump("low while the dialog was open", low);
		keylog_dump("high while the dialog was open", high);
		session_fail(d.s,
				"modifiers pressed in the dialog reached a client: low %d, high %d "
				"modifiers events (%d showing a modifier held, %d focus entries)",
				keylog_count(low, "mods"), keylog_count(high, "mods"),
				low_held + high_held, high_enters);
	}
	free(low);
	free(high);
	dialog_scene_end(&d);
}

/* The time from the user's confirmation to the end of the paste, 64 KiB. */
static void
transfer_64k_timing(void)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = "[clipboard]\nmax_bytes = 65536\n" };
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	static char big[65536];
	for (size_t i = 0; i < sizeof(big) - 1; i++) {
		big[i] = (char)('a' + i % 26);
		if (i % 80 == 79) {
			big[i] = '\n';
		}
	}
	big[sizeof(big) - 1] = '\0';
	focus(s, &low);
	copy_on(s, "low", big);
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	uint64_t t0 = session_now_ms();
	free(session_ctl_ok(s, "key Return"));
	static char out[70000];
	paste_on(s, "high", out, sizeof(out));
	uint64_t took = session_now_ms() - t0;
	tap_diag("64 KiB: confirmation to the end of wl-paste in high: %llu ms (%zu bytes)",
			(unsigned long long)took, strlen(out));
	session_assert_msg(s, strlen(out) == sizeof(big) - 1, "pasted %zu bytes", strlen(out));
	session_assert(s, memcmp(out, big, sizeof(big) - 1) == 0);
	session_stop(s);
}

/* M27: a confirmation not given in time expires; nothing crosses later. */
static void
m27_confirmation_expires(void)
{
	session_require_program("wl-copy");
	struct session_options opts = { .config = config_fast }; /* confirm_s = 5 */
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	char secret[64], out[512];
	unique(secret, sizeof(secret), "late");
	focus(s, &low);
	copy_on(s, "low", secret);
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	session_assert_msg(s, wait_dialog(s, "idle", 7000), "the dialog did not expire");
	free(session_ctl_ok(s, "key Return")); /* too late: goes to the client */
	paste_on(s, "high", out, sizeof(out));
	session_assert_msg(s, !strstr(out, secret), "content crossed after expiry");
	char *line = audit_tail();
	session_assert_msg(s, strstr(line, "\"decision\":\"cancelled\"") && strstr(line, "in time"),
			"audit: %s", line);
	free(line);
	session_stop(s);
}

/* After a transferred and a cancelled request, the chain verifies; an
 * edited line breaks it. */
static void
audit_chain_verifies(void)
{
	const char *bin = getenv("STRATA_AUDIT_BIN");
	tap_assert(bin);
	session_require_program("wl-copy");
	struct session_options opts = { .config = config_fast };
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_info low = window_on(s, "low");
	struct window_info high = window_on(s, "high");
	focus(s, &low);
	copy_on(s, "low", "chain-one");
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	free(session_ctl_ok(s, "key Return"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	focus(s, &low);
	copy_on(s, "low", "chain-two");
	focus(s, &high);
	free(session_ctl_ok(s, "key logo+v"));
	session_assert(s, wait_dialog(s, "confirming", 5000));
	free(session_ctl_ok(s, "key Escape"));
	session_assert(s, wait_dialog(s, "idle", 3000));
	char path[300], cmd[700];
	snprintf(path, sizeof(path), "%s/audit/audit.jsonl", s->data_dir);
	snprintf(cmd, sizeof(cmd), "%s verify %s >/dev/null 2>&1", bin, path);
	int status = system(cmd);
	session_assert_msg(s, WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"strata-audit verify failed on an intact log");
	char *before = session_read_file(path, NULL);
	tap_diag("audit log:\n%s", before ? before : "(none)");
	free(before);
	/* One changed character in the first line: verify must fail. */
	snprintf(cmd, sizeof(cmd), "sed -i '1s/chain/chaim/;1s/confirmed/c0nfirmed/' %s", path);
	session_assert(s, system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s verify %s >/dev/null 2>&1", bin, path);
	status = system(cmd);
	session_assert_msg(s, WIFEXITED(status) && WEXITSTATUS(status) == 1,
			"strata-audit verify accepted an edited line");
	session_stop(s);
}

SESSION_TESTS_WITH_HELPER(keylog_helper_main, TAP_CASE(copies_stay_in_their_level),
		TAP_CASE(confirmed_transfer_is_sanitised), TAP_CASE(cancel_leaves_high_unchanged),
		TAP_CASE(clients_cannot_confirm), TAP_CASE(wtype_cannot_confirm),
		TAP_CASE(high_to_low_is_refused_and_logged), TAP_CASE(size_cap_is_enforced),
		TAP_CASE(m23_hung_source_times_out),
		TAP_CASE(m25_unfocused_set_selection_is_ignored),
		TAP_CASE(a_dropped_selection_request_is_cancelled),
		TAP_CASE(a_dropped_primary_selection_request_is_cancelled),
		TAP_CASE(an_answer_typed_ahead_is_ignored), TAP_CASE(m26_no_offers_across_levels),
		TAP_CASE(m27_confirmation_expires), TAP_CASE(drag_stays_in_its_level),
		TAP_CASE(dialog_keys_never_reach_a_client),
		TAP_CASE(dialog_modifiers_never_reach_a_client), TAP_CASE(transfer_64k_timing),
		TAP_CASE(audit_chain_verifies), TAP_CASE(sak_cancels_the_dialog),
		TAP_CASE(lock_cancels_the_dialog), TAP_CASE(the_dialog_follows_the_outputs),
		TAP_CASE(a_paste_given_up_on_does_not_stop_strata),
		TAP_CASE(pastes_never_read_hold_at_most_four_pipes), )
