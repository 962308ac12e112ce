// SPDX-License-Identifier: MIT
/*
 * The screen lock (lock.h): its state, the strata-auth helper it
 * supervises, the password the user types, and what every output shows
 * while locked.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wlr/types/wlr_output_damage.h>
#include <wlr/util/log.h>
#include "audio.h"
#include "common/auth_ipc.h"
#include "lock.h"
#include "output.h"
#include "paths.h"
#include "process.h"
#include "seat.h"
#include "text.h"

/* A helper that has not answered in this time is stopped and started
 * again (PAM's own delay after a wrong password is 2 s with pam_unix). */
#define LOCK_AUTH_TIMEOUT_MS 20000
/* After a wrong password: 1 s, doubling, at most 30 s. */
#define LOCK_RETRY_MIN_MS 1000
#define LOCK_RETRY_MAX_MS 30000
#define LOCK_BOX_WIDTH 520
#define LOCK_BOX_HEIGHT 290
#define LOCK_BACKGROUND 0x15191dffu
#define LOCK_BOX_BACKGROUND 0x22282effu
#define LOCK_ACCENT 0x5a6a7affu
#define LOCK_TEXT 0xf0f0f0ffu
#define LOCK_MESSAGE 0xffb454ffu
#define LOCK_FRAME_BYTES (sizeof(struct auth_request) + AUTH_PASSWORD_MAX)
#define LOCK_SECRET_BYTES (AUTH_PASSWORD_MAX + 1 + LOCK_FRAME_BYTES)

struct lock_output {
	struct wl_list link; /* strata_lock.outputs */
	struct strata_output *output;
	struct wlr_scene_rect *background;
	struct wlr_scene_node *box; /* may be NULL */
};

struct strata_lock {
	struct strata_server *server;
	struct seat_modal modal;
	bool locked;
	char user[64];
	char helper_path[PATH_MAX];

	/* The typed password and the request that hands it over, in one
	 * mlock'd mapping (LOCK_SECRET_BYTES), wiped once handed over. */
	char *password; /* AUTH_PASSWORD_MAX + 1 bytes */
	char *frame; /* the request: length and password */
	size_t password_len;
	bool submit_pending; /* Return was pressed before the helper was ready */

	struct process *helper;
	int helper_fd; /* the compositor's end, -1 when none */
	struct wl_event_source *helper_source;
	bool helper_ready;
	bool checking; /* a request is with the helper */
	uint32_t seq; /* the last request's sequence number */
	uint8_t reply[AUTH_REPLY_BYTES]; /* the reply read so far */
	size_t reply_len;
	struct wl_event_source *auth_timer; /* the helper must answer */
	/* A helper stopped by us (a hang, a word out of turn, its end of the
	 * socket closed) starts again after the supervisor's back-off delay. */
	bool restart_wanted;
	bool restart_pending; /* restart_timer is armed */
	unsigned quick_restarts;
	uint64_t started_ms;
	struct wl_event_source *restart_timer;

	unsigned failures; /* wrong passwords in a row */
	uint64_t retry_at_ms; /* no check before this (process clock) */
	char message[160];

	struct wl_event_source *idle_timer;
	struct wl_event_source *clock_timer; /* redraws the time */

	/* How fast the lock shows: from the request to the first locked frame. */
	uint64_t requested_ns;
	bool first_frame_seen;
	uint64_t first_frame_us;

	struct wlr_scene_node *tree; /* struct wlr_scene_tree, in layer_trusted */
	struct wl_list outputs; /* lock_output.link */
	struct wl_listener outputs_changed;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
wipe_password(struct strata_lock *lock)
{
	explicit_bzero(lock->password, LOCK_SECRET_BYTES);
	lock->password_len = 0;
	lock->submit_pending = false;
}

/* ---- drawing ----------------------------------------------------------- */

static void
output_frame_committed(void *data, struct wlr_output *wlr_output, struct wlr_buffer *buffer)
{
	struct strata_lock *lock = data;
	if (buffer && lock->locked && !lock->first_frame_seen) {
		lock->first_frame_seen = true;
		lock->first_frame_us = (now_ns() - lock->requested_ns) / 1000;
		wlr_log(WLR_INFO, "lock: first locked frame %" PRIu64 " us after the request",
				lock->first_frame_us);
	}
}

static void
draw_box(struct strata_lock *lock, struct lock_output *lo)
{
	struct strata_server *server = lock->server;
	if (lo->box) {
		wlr_scene_node_destroy(lo->box);
		lo->box = NULL;
	}
	struct wlr_box box;
	output_get_box(lo->output, &box);
	wlr_scene_node_set_position(&lo->background->node, box.x, box.y);
	wlr_scene_rect_set_size(lo->background, box.width, box.height);

	char clock[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm)) {
		strftime(clock, sizeof(clock), "%H:%M", &tm);
	}
	char user[96];
	snprintf(user, sizeof(user), "User: %s", lock->user);
	/* One dot per character typed, never the characters. */
	char dots[3 * 40 + 1] = "";
	size_t chars = 0;
	for (size_t i = 0; i < lock->password_len; i++) {
		chars += ((unsigned char)lock->password[i] & 0xc0) != 0x80;
	}
	size_t shown = chars < 40 ? chars : 40;
	for (size_t i = 0; i < shown; i++) {
		memcpy(dots + 3 * i, "\u25cf", 3);
	}
	dots[3 * shown] = '\0';
	const char *prompt = chars ? dots : "Type your password, then Return";
	const char *marking = server->config.lock_text;
	struct text_box_line lines[] = {
		{ .text = marking[0] ? marking : NULL, .colour = LOCK_TEXT, .bold = true },
		{ .text = clock, .colour = LOCK_TEXT, .bold = true },
		{ .text = user, .colour = LOCK_TEXT },
		{ .text = NULL },
		{ .text = prompt, .colour = LOCK_TEXT, .bold = chars > 0 },
		{ .text = lock->message[0] ? lock->message : NULL, .colour = LOCK_MESSAGE },
	};
	int width = LOCK_BOX_WIDTH < box.width ? LOCK_BOX_WIDTH : box.width;
	int height = LOCK_BOX_HEIGHT < box.height ? LOCK_BOX_HEIGHT : box.height;
	lo->box = text_box_create(lock->tree, box.x + (box.width - width) / 2,
			box.y + (box.height - height) / 2, width, height, LOCK_BOX_BACKGROUND,
			LOCK_ACCENT, 4, "Locked", LOCK_TEXT, server->config.font, lines,
			sizeof(lines) / sizeof(lines[0]));
}

static void
draw(struct strata_lock *lock)
{
	struct lock_output *lo;
	wl_list_for_each(lo, &lock->outputs, link) {
		draw_box(lock, lo);
	}
}

static void
remove_outputs(struct strata_lock *lock)
{
	struct lock_output *lo, *tmp;
	wl_list_for_each_safe(lo, tmp, &lock->outputs, link) {
		if (lo->box) {
			wlr_scene_node_destroy(lo->box);
		}
		wlr_scene_node_destroy(&lo->background->node);
		wl_list_remove(&lo->link);
		free(lo);
	}
}

/* One lock per output, each output anew: called at lock time and whenever
 * outputs come, go or change while locked (before a new output's first
 * frame: the signal comes from its creation). */
static void
sync_outputs(struct strata_lock *lock)
{
	remove_outputs(lock);
	float colour[4];
	config_colour_to_floats(LOCK_BACKGROUND, colour);
	struct strata_output *output;
	wl_list_for_each(output, &lock->server->outputs, link) {
		struct lock_output *lo = calloc(1, sizeof(*lo));
		if (!lo) {
			continue; /* still locked: no level is drawn anywhere */
		}
		lo->output = output;
		lo->background = wlr_scene_rect_create(lock->tree, 0, 0, colour);
		if (!lo->background) {
			free(lo);
			continue;
		}
		wl_list_insert(lock->outputs.prev, &lo->link);
		draw_box(lock, lo);
	}
}

static void
watch_first_frame(struct strata_lock *lock)
{
	struct strata_server *server = lock->server;
	output_cancel_captures(server, lock);
	struct strata_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		output_request_capture(output, output_frame_committed, lock, true);
	}
}

static void
handle_outputs_changed(struct wl_listener *listener, void *data)
{
	struct strata_lock *lock = wl_container_of(listener, lock, outputs_changed);
	if (lock->locked) {
		sync_outputs(lock);
		if (!lock->first_frame_seen) {
			/* Locked with no output, or the one it was waiting on
			 * went: the prompt takes keys once it is on screen. */
			watch_first_frame(lock);
		}
	}
}

static void set_message(struct strata_lock *lock, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

static void
set_message(struct strata_lock *lock, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(lock->message, sizeof(lock->message), fmt, args);
	va_end(args);
}

/* ---- the helper ----------------------------------------------------------- */

static void submit(struct strata_lock *lock);

static void
close_helper_fd(struct strata_lock *lock)
{
	if (lock->helper_source) {
		wl_event_source_remove(lock->helper_source);
		lock->helper_source = NULL;
	}
	if (lock->helper_fd >= 0) {
		close(lock->helper_fd);
		lock->helper_fd = -1;
	}
	lock->helper_ready = false;
	lock->reply_len = 0;
	if (lock->checking) {
		lock->checking = false;
		wl_event_source_timer_update(lock->auth_timer, 0);
		set_message(lock, "The password check stopped: type it again");
	}
}

static void
schedule_restart(struct strata_lock *lock)
{
	uint64_t ran = process_clock_ms() - lock->started_ms;
	uint32_t delay = process_restart_delay(&lock->quick_restarts, ran);
	lock->restart_pending = true;
	wl_event_source_timer_update(lock->restart_timer, (int)delay);
}

/* Stops the helper (a hang, a word out of turn, its socket closed); another
 * one starts after the back-off delay, never at once: a helper that fails
 * at every start cannot make the compositor fork in a loop. */
static void
restart_helper(struct strata_lock *lock)
{
	close_helper_fd(lock);
	struct process_info info;
	process_get_info(lock->helper, &info);
	if (info.state == PROCESS_STOPPED || info.state == PROCESS_BACKING_OFF) {
		process_stop(lock->helper);
		schedule_restart(lock);
		return;
	}
	lock->restart_wanted = true;
	process_stop(lock->helper); /* exited() comes, then the delay */
}

static int
handle_restart_timer(void *data)
{
	struct strata_lock *lock = data;
	lock->restart_pending = false;
	if (lock->locked) {
		process_start(lock->helper);
	}
	return 0;
}

static void unlock(struct strata_lock *lock);

static int
handle_helper_readable(int fd, uint32_t mask, void *data)
{
	struct strata_lock *lock = data;
	ssize_t n = 0;
	if (mask & WL_EVENT_READABLE) {
		n = read(fd, lock->reply + lock->reply_len, sizeof(lock->reply) - lock->reply_len);
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (n <= 0 || !lock->checking) {
		/* Gone, or talking out of turn: another helper, after a delay. */
		wlr_log(WLR_ERROR, "lock: the password helper %s",
				n > 0 ? "answered unasked" : "went away");
		restart_helper(lock);
		draw(lock);
		return 0;
	}
	lock->reply_len += (size_t)n;
	if (lock->reply_len < sizeof(lock->reply)) {
		return 0; /* the rest of the reply comes */
	}
	lock->reply_len = 0;
	uint32_t seq;
	memcpy(&seq, lock->reply, sizeof(seq));
	unsigned char reply = lock->reply[sizeof(seq)];
	if (seq != lock->seq) {
		/* Written before it read the request, or a stale answer. */
		wlr_log(WLR_ERROR, "lock: the password helper answered request %u, not %u", seq,
				lock->seq);
		restart_helper(lock);
		draw(lock);
		return 0;
	}
	lock->checking = false;
	wl_event_source_timer_update(lock->auth_timer, 0);
	switch (reply) {
	case AUTH_REPLY_ACCEPTED:
		lock->quick_restarts = 0;
		wlr_log(WLR_INFO, "lock: the password of %s was accepted", lock->user);
		unlock(lock);
		return 0;
	case AUTH_REPLY_REFUSED: {
		lock->failures++;
		unsigned shift = lock->failures - 1 < 5 ? lock->failures - 1 : 5;
		uint64_t delay = (uint64_t)LOCK_RETRY_MIN_MS << shift;
		delay = delay < LOCK_RETRY_MAX_MS ? delay : LOCK_RETRY_MAX_MS;
		lock->retry_at_ms = process_clock_ms() + delay;
		set_message(lock, "Wrong password (%u in a row): wait %u s", lock->failures,
				(unsigned)(delay / 1000));
		wlr_log(WLR_INFO, "lock: wrong password for %s (%u in a row)", lock->user,
				lock->failures);
		break;
	}
	case AUTH_REPLY_ERROR:
		lock->retry_at_ms = process_clock_ms() + LOCK_RETRY_MIN_MS;
		set_message(lock, "The password could not be checked (see the log)");
		wlr_log(WLR_ERROR, "lock: PAM could not check the password of %s", lock->user);
		break;
	default:
		wlr_log(WLR_ERROR, "lock: the password helper said 0x%02x", reply);
		restart_helper(lock);
		break;
	}
	draw(lock);
	return 0;
}

static void
helper_started(void *data, pid_t pid, int socket_fd)
{
	struct strata_lock *lock = data;
	close_helper_fd(lock);
	lock->helper_fd = socket_fd;
	lock->started_ms = process_clock_ms();
	/* This one is the helper now: what was pending for another is void. */
	lock->restart_wanted = false;
	lock->restart_pending = false;
	wl_event_source_timer_update(lock->restart_timer, 0);
	/* It must say it is ready in time, as it must answer in time. */
	wl_event_source_timer_update(lock->auth_timer, LOCK_AUTH_TIMEOUT_MS);
	lock->helper_source = wl_event_loop_add_fd(lock->server->event_loop, socket_fd,
			WL_EVENT_READABLE, handle_helper_readable, lock);
	if (!lock->helper_source) {
		wlr_log(WLR_ERROR, "lock: cannot watch the password helper");
		restart_helper(lock);
	}
}

static void
helper_ready(void *data, bool ready)
{
	struct strata_lock *lock = data;
	lock->helper_ready = ready && lock->helper_fd >= 0;
	if (lock->helper_ready && !lock->checking) {
		wl_event_source_timer_update(lock->auth_timer, 0);
	}
	if (lock->helper_ready && lock->submit_pending) {
		submit(lock);
		draw(lock);
	}
}

static void
helper_exited(void *data, pid_t pid, int status)
{
	struct strata_lock *lock = data;
	wlr_log(WLR_ERROR, "lock: the password helper ended (status %d)%s", status,
			lock->locked ? ", still locked: it starts again" : "");
	close_helper_fd(lock);
	if (lock->restart_wanted) {
		lock->restart_wanted = false;
		schedule_restart(lock);
	}
	if (lock->locked) {
		draw(lock);
	}
}

static int
handle_auth_timeout(void *data)
{
	struct strata_lock *lock = data;
	if (lock->checking || (lock->locked && !lock->helper_ready && lock->helper_fd >= 0)) {
		wlr_log(WLR_ERROR, "lock: the password helper did not %s in %d ms",
				lock->checking ? "answer" : "say it is ready",
				LOCK_AUTH_TIMEOUT_MS);
		restart_helper(lock);
		draw(lock);
	}
	return 0;
}

/* Hands the typed password to the helper, then wipes it. */
static void
submit(struct strata_lock *lock)
{
	if (lock->checking || lock->password_len == 0) {
		return;
	}
	uint64_t now = process_clock_ms();
	if (now < lock->retry_at_ms) {
		set_message(lock, "Wait %u s before the next try",
				(unsigned)((lock->retry_at_ms - now + 999) / 1000));
		return;
	}
	if (!lock->helper_ready) {
		lock->submit_pending = true;
		set_message(lock, "Starting the password check\u2026");
		struct process_info info;
		process_get_info(lock->helper, &info);
		/* Only a helper nobody is starting: never past a back-off delay
		 * or a helper still stopping. */
		if (info.state == PROCESS_STOPPED && !lock->restart_pending &&
				!lock->restart_wanted) {
			process_start(lock->helper);
		}
		return;
	}
	struct auth_request request = { .seq = ++lock->seq,
		.length = (uint32_t)lock->password_len };
	memcpy(lock->frame, &request, sizeof(request));
	memcpy(lock->frame + sizeof(request), lock->password, request.length);
	size_t size = sizeof(request) + request.length;
	/* At most 1032 bytes into an empty socket buffer: never blocks. */
	ssize_t n = send(lock->helper_fd, lock->frame, size, MSG_NOSIGNAL | MSG_DONTWAIT);
	wipe_password(lock); /* and the request */
	lock->reply_len = 0;
	if (n != (ssize_t)size) {
		wlr_log_errno(WLR_ERROR, "lock: cannot hand the password to the helper");
		set_message(lock, "The password check stopped: type it again");
		restart_helper(lock);
		return;
	}
	lock->checking = true;
	set_message(lock, "Checking\u2026");
	wl_event_source_timer_update(lock->auth_timer, LOCK_AUTH_TIMEOUT_MS);
}

/* ---- keys ------------------------------------------------------------------- */

static void
handle_modal_key(struct seat_modal *modal, xkb_keysym_t sym, bool reserved_held)
{
	struct strata_lock *lock = wl_container_of(modal, lock, modal);
	if (reserved_held) {
		return; /* a shortcut, not a character of the password */
	}
	if (!lock->first_frame_seen) {
		/* Typed before the prompt was on screen (with the lock key, in
		 * the same breath): meant for a window, not a password try. */
		return;
	}
	switch (sym) {
	case XKB_KEY_Return:
	case XKB_KEY_KP_Enter:
		submit(lock);
		break;
	case XKB_KEY_Escape:
		wipe_password(lock);
		lock->message[0] = '\0';
		break;
	case XKB_KEY_BackSpace:
		/* One character: back over continuation bytes to its lead. */
		while (lock->password_len > 0) {
			unsigned char c = (unsigned char)lock->password[--lock->password_len];
			lock->password[lock->password_len] = '\0';
			if ((c & 0xc0) != 0x80) {
				break;
			}
		}
		break;
	default: {
		char text[8];
		int n = xkb_keysym_to_utf8(sym, text, sizeof(text));
		/* n counts the NUL; control characters are not typed. */
		if (n <= 1 || (unsigned char)text[0] < 0x20 || text[0] == 0x7f) {
			return;
		}
		size_t len = (size_t)n - 1;
		if (lock->password_len + len > AUTH_PASSWORD_MAX) {
			set_message(lock, "The password is too long");
		} else {
			memcpy(lock->password + lock->password_len, text, len);
			lock->password_len += len;
		}
		explicit_bzero(text, sizeof(text));
		break;
	}
	}
	draw(lock);
}

static void
handle_modal_button(struct seat_modal *modal, uint32_t button)
{
	/* Nothing under the lock takes a click. */
}

/* ---- locking and unlocking ---------------------------------------------- */

static void
set_levels_shown(struct strata_server *server, bool shown)
{
	wlr_scene_node_set_enabled(server->layer_views, shown);
	wlr_scene_node_set_enabled(server->layer_overlay, shown);
	struct strata_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		wlr_output_damage_add_whole(output->scene_output->damage);
		wlr_output_schedule_frame(output->wlr_output);
	}
}

void
lock_engage(struct strata_lock *lock, const char *why)
{
	if (!lock || lock->locked) {
		return;
	}
	struct strata_server *server = lock->server;
	lock->requested_ns = now_ns();
	lock->first_frame_seen = false;
	/* Input first: from here on no client hears a key or a button. */
	lock->locked = true;
	/* The X-ray or the clipboard dialog, if up, is cancelled. */
	seat_take_modal(server->seat, &lock->modal);
	if (server->config.lock_revoke_mic) {
		audio_set_locked(server, true);
	}
	wipe_password(lock);
	lock->message[0] = '\0';
	wl_event_source_timer_update(lock->idle_timer, 0);
	/* Then nothing of any level is drawn. */
	set_levels_shown(server, false);
	wlr_scene_node_set_enabled(lock->tree, true);
	sync_outputs(lock);
	watch_first_frame(lock);
	wl_event_source_timer_update(lock->clock_timer, 60000 - (int)(time(NULL) % 60) * 1000);
	process_start(lock->helper);
	wlr_log(WLR_INFO, "lock: locked (%s)", why);
	server_status_changed(server);
}

static void
arm_idle_timer(struct strata_lock *lock)
{
	int idle = lock->server->config.lock_idle_seconds;
	wl_event_source_timer_update(lock->idle_timer, idle > 0 ? idle * 1000 : 0);
}

static void
unlock(struct strata_lock *lock)
{
	struct strata_server *server = lock->server;
	lock->locked = false;
	wipe_password(lock);
	lock->failures = 0;
	lock->retry_at_ms = 0;
	lock->message[0] = '\0';
	close_helper_fd(lock);
	lock->restart_wanted = false;
	lock->restart_pending = false;
	lock->quick_restarts = 0;
	wl_event_source_timer_update(lock->restart_timer, 0);
	wl_event_source_timer_update(lock->auth_timer, 0);
	process_stop(lock->helper);
	wl_event_source_timer_update(lock->clock_timer, 0);
	remove_outputs(lock);
	wlr_scene_node_set_enabled(lock->tree, false);
	output_cancel_captures(server, lock);
	set_levels_shown(server, true);
	audio_set_locked(server, false);
	/* The keyboard goes back to the window the user left. */
	seat_end_modal(server->seat, &lock->modal);
	arm_idle_timer(lock);
	wlr_log(WLR_INFO, "lock: unlocked");
	server_status_changed(server);
}

bool
lock_is_locked(struct strata_lock *lock)
{
	return lock && lock->locked;
}

static int
handle_idle_timer(void *data)
{
	struct strata_lock *lock = data;
	int idle_ms = lock->server->config.lock_idle_seconds * 1000;
	if (idle_ms <= 0 || lock->locked) {
		return 0;
	}
	uint64_t quiet = process_clock_ms() - lock->server->seat->last_activity_ms;
	if (quiet >= (uint64_t)idle_ms) {
		lock_engage(lock, "idle");
	} else {
		/* Input came meanwhile: the rest of the time from the last event. */
		wl_event_source_timer_update(lock->idle_timer, (int)(idle_ms - quiet));
	}
	return 0;
}

static int
handle_clock_timer(void *data)
{
	struct strata_lock *lock = data;
	if (lock->locked) {
		draw(lock);
		wl_event_source_timer_update(lock->clock_timer,
				60000 - (int)(time(NULL) % 60) * 1000);
	}
	return 0;
}

void
lock_describe(struct strata_lock *lock, char *out, size_t size)
{
	if (!lock) {
		snprintf(out, size, "locked=0 helper=none");
		return;
	}
	struct process_info info;
	process_get_info(lock->helper, &info);
	const char *helper = lock->helper_ready       ? "ready" :
			info.state == PROCESS_STOPPED ? "stopped" :
							"starting";
	uint64_t now = process_clock_ms();
	snprintf(out, size,
			"locked=%d shown=%d helper=%s helper_pid=%d helper_starts=%u checking=%d failures=%u "
			"retry_in_ms=%" PRIu64 " typed=%zu first_frame_us=%" PRIu64
			" message=\"%s\"",
			lock->locked, lock->first_frame_seen, helper, (int)info.pid, info.starts,
			lock->checking, lock->failures,
			lock->retry_at_ms > now ? lock->retry_at_ms - now : 0, lock->password_len,
			lock->first_frame_seen ? lock->first_frame_us : 0, lock->message);
}

/* ---- creation ------------------------------------------------------------ */

static bool
resolve_user(struct strata_lock *lock)
{
	const char *name = lock->server->config.lock_user;
	if (!name[0] && geteuid() == 0) {
		/* root's password would unlock (or, where root has none, no
		 * password at all: a user locked out of the session). */
		fprintf(stderr,
				"strata: strata runs as root: set [lock] user to the name of the "
				"workstation's user, whose password unlocks the screen\n");
		return false;
	}
	struct passwd *pw = name[0] ? getpwnam(name) : getpwuid(getuid());
	if (!pw) {
		if (name[0]) {
			fprintf(stderr, "strata: [lock] user \"%s\" does not exist\n", name);
		} else {
			fprintf(stderr, "strata: uid %u has no user name: set [lock] user\n",
					(unsigned)getuid());
		}
		return false;
	}
	if (strlen(pw->pw_name) >= sizeof(lock->user)) {
		fprintf(stderr, "strata: the user name \"%s\" is too long\n", pw->pw_name);
		return false;
	}
	snprintf(lock->user, sizeof(lock->user), "%s", pw->pw_name);
	return true;
}

bool
lock_check_config(const struct strata_config *cfg)
{
	char why[256];
	if (!binding_check_sak(cfg, why, sizeof(why))) {
		fprintf(stderr, "strata: %s\n", why);
		return false;
	}
	return true;
}

struct strata_lock *
lock_create(struct strata_server *server, const char *helper_program)
{
	if (!lock_check_config(&server->config)) {
		return NULL;
	}
	struct strata_lock *lock = calloc(1, sizeof(*lock));
	if (!lock) {
		return NULL;
	}
	lock->server = server;
	lock->helper_fd = -1;
	wl_list_init(&lock->outputs);
	wl_list_init(&lock->outputs_changed.link);
	lock->modal.handle_key = handle_modal_key;
	lock->modal.handle_button = handle_modal_button;
	/* Nothing takes the seat from the lock: no cancel. */
	lock->password = mmap(NULL, LOCK_SECRET_BYTES, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lock->password == MAP_FAILED) {
		lock->password = NULL;
		goto fail;
	}
	lock->frame = lock->password + AUTH_PASSWORD_MAX + 1;
	/* Sequence numbers from a random start: a helper that answers before
	 * reading a request cannot hit the one under way but by chance. */
	if (getrandom(&lock->seq, sizeof(lock->seq), 0) != (ssize_t)sizeof(lock->seq)) {
		lock->seq = (uint32_t)process_clock_ms();
	}
	/* Never swapped out, never in a core dump. */
	if (mlock(lock->password, LOCK_SECRET_BYTES) != 0) {
		wlr_log_errno(WLR_ERROR, "lock: cannot lock the password's memory");
	}
	madvise(lock->password, LOCK_SECRET_BYTES, MADV_DONTDUMP);
	if (!resolve_user(lock)) {
		goto fail;
	}
	if (helper_program) {
		snprintf(lock->helper_path, sizeof(lock->helper_path), "%s", helper_program);
	} else if (!paths_find(lock->helper_path, sizeof(lock->helper_path), PATHS_PROGRAM, NULL,
				   "../auth", "strata-auth", X_OK)) {
		fprintf(stderr,
				"strata: no trusted strata-auth (the log says why): nothing "
				"could unlock the screen\n");
		goto fail;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/etc/pam.d/%s", server->config.lock_pam_service);
	if (access(path, R_OK) != 0) {
		wlr_log(WLR_ERROR,
				"lock: no %s: PAM checks passwords with its \"other\" service "
				"(install auth/strata.pam there)",
				path);
	}
	const char *argv[] = { lock->helper_path, "--service", server->config.lock_pam_service,
		"--user", lock->user, NULL };
	struct process_spec spec = {
		.name = "strata-auth",
		.argv = argv,
		.output_fd = STDERR_FILENO,
		.ready_line = AUTH_READY_LINE,
		.socket_target = 3,
		.restart = PROCESS_RESTART_ALWAYS,
	};
	static const struct process_events events = {
		.started = helper_started,
		.ready = helper_ready,
		.exited = helper_exited,
	};
	lock->helper = process_create(server->supervisor, &spec, &events, lock);
	struct wlr_scene_tree *tree = wlr_scene_tree_create(server->layer_trusted);
	lock->auth_timer = wl_event_loop_add_timer(server->event_loop, handle_auth_timeout, lock);
	lock->idle_timer = wl_event_loop_add_timer(server->event_loop, handle_idle_timer, lock);
	lock->clock_timer = wl_event_loop_add_timer(server->event_loop, handle_clock_timer, lock);
	lock->restart_timer =
			wl_event_loop_add_timer(server->event_loop, handle_restart_timer, lock);
	if (!lock->helper || !tree || !lock->auth_timer || !lock->idle_timer ||
			!lock->clock_timer || !lock->restart_timer) {
		fprintf(stderr, "strata: cannot set up the screen lock\n");
		if (tree) {
			wlr_scene_node_destroy(&tree->node);
		}
		goto fail;
	}
	lock->tree = &tree->node;
	wlr_scene_node_set_enabled(lock->tree, false);
	lock->outputs_changed.notify = handle_outputs_changed;
	wl_signal_add(&server->events.outputs_changed, &lock->outputs_changed);
	arm_idle_timer(lock);
	return lock;

fail:
	lock_destroy(lock);
	return NULL;
}

void
lock_destroy(struct strata_lock *lock)
{
	if (!lock) {
		return;
	}
	wl_list_remove(&lock->outputs_changed.link);
	if (lock->server->seat) {
		/* At shutdown, locked: nobody has the seat any more, and no
		 * client is given the keyboard. */
		seat_forget_modal(lock->server->seat, &lock->modal);
	}
	close_helper_fd(lock);
	process_destroy(lock->helper);
	if (lock->server->scene) {
		output_cancel_captures(lock->server, lock);
	}
	remove_outputs(lock);
	if (lock->tree) {
		wlr_scene_node_destroy(lock->tree);
	}
	if (lock->auth_timer) {
		wl_event_source_remove(lock->auth_timer);
	}
	if (lock->idle_timer) {
		wl_event_source_remove(lock->idle_timer);
	}
	if (lock->clock_timer) {
		wl_event_source_remove(lock->clock_timer);
	}
	if (lock->restart_timer) {
		wl_event_source_remove(lock->restart_timer);
	}
	if (lock->password) {
		wipe_password(lock);
		munmap(lock->password, LOCK_SECRET_BYTES);
	}
	free(lock);
}
