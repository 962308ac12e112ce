/* SPDX-License-Identifier: MIT */
#ifndef TESTS_STRATA_TEST_H
#define TESTS_STRATA_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "tap.h"

/*
 * Integration-test harness: starts a real `strata --headless --test-control`
 * in a private temporary directory, drives it through the test-control socket
 * (doc/test-control.md), and spawns real clients on its level sockets.
 *
 * Every wait has a timeout. Every helper that cannot do its job ends the test
 * through session_fail(), which first prints the tail of the compositor's log.
 * A session owns every fd and process it creates: session_stop() closes and
 * reaps all of them (the TAP runner checks fd leaks), and fails the test if
 * the compositor does not exit with status 0 on `quit` or leaves processes it
 * started (cage proxies, cages) running. Should the test die before that
 * (failed assertion, timeout), a small reaper process kills the compositor,
 * the clients and what the compositor started, and removes the temporary and
 * runtime directories.
 *
 * The compositor runs through a symlink with a neutral name from a directory
 * named /tmp/itest-XXXXXX, so that a `pkill strata` elsewhere on the machine
 * does not kill it mid-test. STRATA_BIN names the binary (meson sets it);
 * STRATA_TEST_DEBUG=1 adds -d; STRATA_ALLOW_SKIP=1 turns a missing client
 * program into a skip instead of a failure.
 */

#define SESSION_MAX_LEVELS 8
#define SESSION_MAX_CLIENTS 32
#define SESSION_BANNER_HEIGHT 32 /* default theme */

struct session_options {
	int width, height; /* output size; 0: 1920x1080 */
	const char *config; /* config file text for -c; NULL: an empty file (the defaults) */
	bool debug; /* pass -d (also when STRATA_TEST_DEBUG=1) */
	bool allow_bad_exit; /* session_stop() accepts any exit status */
	bool locked; /* pass --locked: the session starts locked */
	int ready_timeout_ms; /* 0: 10 s */
};

struct session_level {
	char name[32];
	char socket[256];
};

struct session_client {
	pid_t pid; /* 0: slot free */
	bool exited;
	int status; /* waitpid status once exited */
	char log[300];
	char name[64];
};

struct strata_session {
	struct session_options opts;
	pid_t pid; /* the compositor */
	bool exited; /* the compositor was reaped */
	int exit_status; /* waitpid status once exited */
	char dir[128]; /* our temporary directory (0711: cage users traverse it to their homes) */
	char data_dir[160]; /* the compositor's --data-dir: levels' homes, audit log */
	char log[160]; /* compositor stdout+stderr */
	char runtime_dir[256];
	struct session_level levels[SESSION_MAX_LEVELS];
	int level_count;
	char core_socket[256];
	char control_socket[256];
	int control_fd;
	char rbuf[65536]; /* control socket bytes read but not yet consumed */
	size_t rlen;
	struct session_client clients[SESSION_MAX_CLIENTS];
	int client_seq;
	pid_t reaper_pid;
	int reaper_fd; /* write end; EOF tells the reaper we died */
};

/* Window as listed by the `windows` request. */
struct window_info {
	unsigned id;
	char level[32];
	bool focused, fullscreen;
	int x, y, width, height; /* content (window geometry) */
	int frame_x, frame_y, frame_width, frame_height;
	char kind[16]; /* xdg, x11 or x11-unmanaged (override-redirect) */
	char app_id[256];
	char title[256];
};

/* What session_find_window() looks for; NULL/0 fields match anything. */
struct window_match {
	const char *level;
	const char *app_id; /* exact */
	const char *title_contains; /* substring */
	unsigned id;
};

struct strata_session *session_start(const struct session_options *opts); /* opts may be NULL */
void session_stop(struct strata_session *s);

/* End the test as failed after printing the compositor's log tail. */
void session_fail_at(struct strata_session *s, const char *file, int line, const char *fmt, ...)
		__attribute__((format(printf, 4, 5), noreturn));
#define session_fail(s, ...) session_fail_at((s), __FILE__, __LINE__, __VA_ARGS__)
#define session_assert(s, cond) \
	do { \
		if (!(cond)) { \
			session_fail_at((s), __FILE__, __LINE__, "assertion failed: %s", #cond); \
		} \
	} while (0)
#define session_assert_msg(s, cond, ...) \
	do { \
		if (!(cond)) { \
			session_fail_at((s), __FILE__, __LINE__, __VA_ARGS__); \
		} \
	} while (0)
#define session_assert_int_eq(s, a, b) \
	do { \
		long long sa_ = (long long)(a), sb_ = (long long)(b); \
		if (sa_ != sb_) { \
			session_fail_at((s), __FILE__, __LINE__, \
					"%s == %lld, expected %s == %lld", #a, sa_, #b, sb_); \
		} \
	} while (0)
/* The last lines of the compositor's log (and of a client's, pid > 0) as diagnostics. */
void session_dump_log(struct strata_session *s, int lines);
void session_dump_client_log(struct strata_session *s, pid_t pid, int lines);

/* Socket path of a level ("low", "high") or "core"; NULL if unknown. */
const char *session_socket(struct strata_session *s, const char *level);

/* Test control. The reply is every line including the final `ok`/`error`
 * line (caller frees). A control-socket failure or timeout fails the test. */
char *session_ctl(struct strata_session *s, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
/* Same, failing the test when the reply is `error ...`. */
char *session_ctl_ok(struct strata_session *s, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
/* The text after "ok " on the final line of reply (points into reply; "" if none). */
const char *session_reply_result(const char *reply);

/* Clients. level: a level name or "core". argv[0] is looked up in PATH.
 * The child runs in its own session, with WAYLAND_DISPLAY set to the socket
 * path and private XDG_RUNTIME_DIR and HOME; stdout and stderr go to a log. */
pid_t session_spawn_client(struct strata_session *s, const char *level, char *const argv[]);
/* SIGTERM its process group, SIGKILL after 2 s; reaps it. Unknown pid fails. */
void session_kill_client(struct strata_session *s, pid_t pid);
/* Wait for the client to exit; false on timeout. status: waitpid status. */
bool session_wait_client_exit(struct strata_session *s, pid_t pid, int timeout_ms, int *status);
bool session_client_running(struct strata_session *s, pid_t pid);
const char *session_client_log(struct strata_session *s, pid_t pid);
/* Fail the test (or skip it when STRATA_ALLOW_SKIP=1) if a program is not in PATH. */
void session_require_program(const char *name);

/*
 * Starts argv in a level's cage through strata-run on the core socket (as a
 * user's launcher does; STRATA_RUN_BIN names it) and returns, once
 * strata-run has, the pid it printed (the cage's sandbox, on the host): the
 * test fails if it could not.
 */
pid_t session_cage_launch(struct strata_session *s, const char *level, const char *const *argv);
/* strata-run -s socket level -- argv...: its exit status (128: killed),
 * what it printed in out. */
int session_run_launcher(struct strata_session *s, const char *socket, const char *level,
		const char *const *argv, char *out, size_t out_size);
/*
 * Run this test program itself as a client ("helper"), with
 * argv {"--helper", args...}, in the same environment as session_spawn_client.
 * A test program with helpers defines its main with SESSION_TESTS_WITH_HELPER:
 * helper_main(argc, argv) gets args only and returns the exit status.
 */
pid_t session_spawn_helper(struct strata_session *s, const char *level, const char *const args[]);
#define SESSION_TESTS_WITH_HELPER(helper_main, ...) \
	static const struct tap_test tap_tests[] = { __VA_ARGS__ }; \
	int main(int argc, char **argv) \
	{ \
		if (argc > 1 && strcmp(argv[1], "--helper") == 0) { \
			return helper_main(argc - 2, argv + 2); \
		} \
		return tap_main(argc, argv, tap_tests, sizeof(tap_tests) / sizeof(tap_tests[0])); \
	}

/* Windows. session_windows() returns the count and a malloc'd array, top of
 * the stack first. */
int session_windows(struct strata_session *s, struct window_info **out);
bool session_find_window(struct strata_session *s, const struct window_match *match,
		struct window_info *out);
/* Wait until a window matches (out may be NULL) / until exactly count windows. */
bool session_wait_window(struct strata_session *s, const struct window_match *match,
		struct window_info *out, int timeout_ms);
bool session_wait_windows(struct strata_session *s, int count, int timeout_ms);
/* A point in the window's content, below the banner, that no window above it
 * covers; waits up to 3 s for one (the layout moves windows as others map). */
bool session_window_visible_point(struct strata_session *s, unsigned id, int *x, int *y);

/* A PNG file as 0xRRGGBB pixels, row by row (malloc'd; width and height set). */
uint32_t *session_load_png(struct strata_session *s, const char *path, int *width, int *height);
/* Pixels of colour rgb (0xRRGGBB) in the box x, y, w x h of a screenshot
 * (cut to it); fails the test when that leaves no pixel: a census of
 * nothing proves nothing. what names the box in the diagnostics. */
long session_census(struct strata_session *s, const uint32_t *pixels, int width, int height, int x,
		int y, int w, int h, uint32_t rgb, const char *what);
/* 0xRRGGBB of a layout pixel. */
uint32_t session_pixel(struct strata_session *s, int x, int y);
/* The whole output as 0xRRGGBB pixels, row by row, through `screenshot`
 * (malloc'd; width and height set). The test fails if the image is not the
 * size of the output: a check over no pixels passes whatever they show. */
uint32_t *session_screenshot(struct strata_session *s, int *width, int *height);
/* The same, of the next frame drawn as damage tracking has it (no redraw
 * forced): the screen as the user sees it, stale pixels included. */
uint32_t *session_screenshot_current(struct strata_session *s, int *width, int *height);
/* Keeps a picture of the screen for the record (the closing note) in
 * STRATA_SHOT_DIR as name, when meson says where. */
void session_keep_screenshot(struct strata_session *s, const char *name);
/* Focus: true and id/level when something has focus (level may be NULL). */
bool session_focused(struct strata_session *s, unsigned *id, char *level, size_t level_size);
/* Wait until the focused level is `level` ("none": nothing focused). */
bool session_wait_focused_level(struct strata_session *s, const char *level, int timeout_ms);
/* Whether a level's cage proxy accepts (`levels`), and waiting for it. */
bool session_level_up(struct strata_session *s, const char *level);
bool session_wait_level(struct strata_session *s, const char *level, bool up, int timeout_ms);

/* The MIME types of a level's clipboard selection as `selections` counts
 * them; -1 when the level holds no selection. */
int session_selection_types(struct strata_session *s, const char *level);
/* Wait until a level holds a selection of at least min_types types. */
bool session_wait_selection(struct strata_session *s, const char *level, int min_types,
		int timeout_ms);
/*
 * wl-copy --foreground TEXT on a level socket, and wait through `selections`
 * until the compositor holds wl-copy's selection for that level (its five
 * text types) and wl-copy's own window is gone; fails the test with a clear
 * message otherwise. A selection the level held before is told apart by its
 * owner, `previous` (what this returned last time for the level, which exits
 * once replaced; 0: none of this test's), else by its number of types, else
 * by a wl-paste in the level that must print TEXT.
 */
pid_t session_copy_text(struct strata_session *s, const char *level, const char *text,
		pid_t previous);

/* Poll cond(data) every 20 ms until it is true or timeout_ms passes. */
bool session_wait_for(bool (*cond)(struct strata_session *s, void *data), struct strata_session *s,
		void *data, int timeout_ms);

/* `ping` answers and a fresh Wayland client completes a round trip on the
 * first level socket (and on the core socket). */
/* Waits until the test-control's `dialog` (the cross-level transfer's
 * dialog) says state=STATE and, for the states that take an answer
 * (confirming, choosing), that it has settled: Return or a digit sooner
 * would be ignored as typed ahead ([clipboard] settle_ms). */
bool session_wait_dialog(struct strata_session *s, const char *state, int timeout_ms);
bool session_compositor_alive(struct strata_session *s);
/* Open fds of the compositor (/proc/PID/fd). */
int session_compositor_fd_count(struct strata_session *s);
/* Wait until the compositor's fd count is `count`; false on timeout. */
bool session_wait_fd_count(struct strata_session *s, int count, int timeout_ms);

/* Small utilities. */
char *session_read_file(const char *path, size_t *len); /* NULL if unreadable */
uint64_t session_now_ms(void);
void session_sleep_ms(int ms);

/*
 * Raw Wayland clients for attack-style tests: connect to any socket path,
 * see the registry, bind the usual globals, make a window. Everything fails
 * softly (NULL/false) so a test can assert on the outcome; errors from the
 * compositor show up in raw_client_error().
 */
struct raw_global {
	uint32_t name;
	uint32_t version;
	char interface[96];
};

struct raw_client {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor; /* may be NULL */
	struct wl_shm *shm; /* may be NULL */
	struct xdg_wm_base *wm_base; /* may be NULL */
	struct raw_global globals[128];
	int global_count;
};

struct raw_window {
	struct raw_client *client;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_buffer *buffer;
	int width, height;
	bool configured;
	uint32_t configure_serial; /* the last one received */
	uint32_t acked_serial;
	bool close_requested; /* xdg_toplevel.close received */
};

/* Connects and does one round trip; NULL if either fails. */
struct raw_client *raw_client_connect(const char *socket_path);
void raw_client_destroy(struct raw_client *c); /* NULL safe */
/* A wl_display.sync answered within timeout_ms; false on error or timeout. */
bool raw_client_roundtrip(struct raw_client *c, int timeout_ms);
const struct raw_global *raw_client_find_global(struct raw_client *c, const char *interface);
/* wl_display_get_error(): 0 while the connection is healthy. */
int raw_client_error(struct raw_client *c);
/* An ARGB8888 buffer filled with colour (0xAARRGGBB), backed by a memfd. */
struct wl_buffer *raw_client_shm_buffer(struct raw_client *c, int width, int height,
		uint32_t colour);
/* An xdg toplevel with app_id and title set, not committed yet: set more
 * state (fullscreen...) on w->toplevel, then raw_window_map(). */
struct raw_window *raw_window_new(struct raw_client *c, const char *app_id, const char *title);
/* Initial commit, wait for and ack the configure, attach a width x height
 * buffer of colour (whatever size was configured), commit, round trip. */
bool raw_window_map(struct raw_window *w, int width, int height, uint32_t colour);
/* raw_window_new + raw_window_map. */
struct raw_window *raw_window_create(struct raw_client *c, int width, int height,
		const char *app_id, const char *title);
void raw_window_destroy(struct raw_window *w); /* NULL safe */

#endif
