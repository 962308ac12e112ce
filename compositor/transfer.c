// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/util/log.h>
#include "clipboard.h"
#include "common/guard_ipc.h"
#include "common/sanitize.h"
#include "output.h"
#include "paths.h"
#include "seat.h"
#include "text.h"
#include "transfer.h"
#include "view.h"

#define GUARD_IO_TIMEOUT_S 2
#define DIALOG_WIDTH 760
#define DIALOG_HEIGHT 420

static const char *const text_types[] = {
	"text/plain;charset=utf-8",
	"UTF8_STRING",
	"text/plain",
	"STRING",
	"TEXT",
};

struct transfer {
	struct strata_server *server;
	enum transfer_state state;
	int src, dst;
	uint32_t dst_view; /* the window that had focus at the gesture */
	int candidates[STRATA_MAX_LEVELS];
	size_t candidate_count;
	char mime[GUARD_MIME_MAX];
	bool image;
	/* reading the source */
	int read_fd;
	struct wl_event_source *read_source;
	uint8_t *raw;
	size_t raw_len, raw_cap;
	bool too_large;
	struct wl_event_source *timer; /* source timeout, then dialog expiry */
	/* what the guard returned */
	struct guard_response response;
	uint8_t *clean;
	size_t clean_len;
	struct wlr_scene_node *dialog; /* may be NULL */
	/* the guard */
	char guard_path[PATH_MAX];
	char audit_dir[PATH_MAX];
	pid_t guard_pid;
	int guard_fd;
	uint32_t next_id;
	/* While a request is open the dialog has the seat (keys and buttons). */
	struct seat_modal modal;
	struct wl_listener focus;
};

static struct transfer t = { .read_fd = -1, .guard_fd = -1 };
static void handle_modal_key(struct seat_modal *modal, xkb_keysym_t sym, bool reserved_held);
static void handle_modal_button(struct seat_modal *modal, uint32_t button);

/* ---- the guard process ------------------------------------------------ */

static void
guard_stop(void)
{
	if (t.guard_fd >= 0) {
		close(t.guard_fd); /* the guard ends on EOF */
		t.guard_fd = -1;
	}
	if (t.guard_pid > 0) {
		for (int i = 0; i < 50; i++) {
			if (waitpid(t.guard_pid, NULL, WNOHANG) == t.guard_pid) {
				t.guard_pid = 0;
				return;
			}
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		kill(t.guard_pid, SIGKILL);
		waitpid(t.guard_pid, NULL, 0);
		t.guard_pid = 0;
	}
}

static bool
guard_start(void)
{
	if (t.guard_fd >= 0) {
		return true;
	}
	guard_stop();
	if (!t.guard_path[0]) {
		return false;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		return false;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return false;
	}
	if (pid == 0) {
		sigset_t empty;
		sigemptyset(&empty);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		signal(SIGPIPE, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setsid();
		if (dup2(sv[1], 3) < 0) { /* dup2 leaves the copy without CLOEXEC */
			_exit(126);
		}
		closefrom(4);
		const char *argv[] = { t.guard_path, "--log-dir", t.audit_dir,
			t.server->config.clipboard_images ? "--allow-images" : NULL, NULL };
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	struct timeval tv = { .tv_sec = GUARD_IO_TIMEOUT_S };
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t.guard_fd = sv[0];
	t.guard_pid = pid;
	wlr_log(WLR_INFO, "clipboard guard started (pid %d)", (int)pid);
	return true;
}

static bool
write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool
read_all(int fd, void *data, size_t len)
{
	uint8_t *p = data;
	while (len > 0) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * One request, one response, with bounded waits (the guard is trusted but
 * a stuck guard must not stall the compositor for long). false: the guard
 * is gone or broken; it is stopped and the caller fails closed.
 */
static bool
guard_call(struct guard_request *req, const uint8_t *payload, struct guard_response *resp,
		uint8_t **out, size_t *out_len)
{
	if (!guard_start()) {
		return false;
	}
	req->magic = GUARD_IPC_MAGIC;
	req->version = GUARD_IPC_VERSION;
	req->id = ++t.next_id;
	if (!write_all(t.guard_fd, req, sizeof(*req)) ||
			(req->length && !write_all(t.guard_fd, payload, req->length)) ||
			!read_all(t.guard_fd, resp, sizeof(*resp)) ||
			resp->magic != GUARD_IPC_MAGIC || resp->id != req->id ||
			resp->length > GUARD_HARD_MAX_BYTES || resp->length > req->length) {
		wlr_log(WLR_ERROR, "clipboard guard: no valid answer; stopping it");
		guard_stop();
		return false;
	}
	resp->reason[sizeof(resp->reason) - 1] = '\0';
	resp->sha256[sizeof(resp->sha256) - 1] = '\0';
	resp->preview[sizeof(resp->preview) - 1] = '\0';
	uint8_t *data = NULL;
	if (resp->length > 0) {
		data = malloc(resp->length);
		if (!data || !read_all(t.guard_fd, data, resp->length)) {
			free(data);
			guard_stop();
			return false;
		}
	}
	if (out) {
		*out = data;
		*out_len = resp->length;
	} else {
		free(data);
	}
	return true;
}

/* One audit line, written by the guard. false: it could not be logged. */
static bool audit(enum guard_decision decision, const char *sha256, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

static bool
audit(enum guard_decision decision, const char *sha256, const char *fmt, ...)
{
	const struct strata_config *cfg = &t.server->config;
	struct guard_request req = { .type = GUARD_REQ_AUDIT,
		.decision = decision,
		.size = (uint32_t)t.raw_len };
	snprintf(req.src_level, sizeof(req.src_level), "%s",
			t.src >= 0 ? cfg->levels[t.src].name : "");
	snprintf(req.dst_level, sizeof(req.dst_level), "%s", cfg->levels[t.dst].name);
	snprintf(req.mime, sizeof(req.mime), "%s", t.mime);
	snprintf(req.sha256, sizeof(req.sha256), "%s", sha256 ? sha256 : "");
	va_list args;
	va_start(args, fmt);
	vsnprintf(req.reason, sizeof(req.reason), fmt, args);
	va_end(args);
	struct guard_response resp;
	bool ok = guard_call(&req, NULL, &resp, NULL, NULL) && resp.status == GUARD_OK;
	if (!ok) {
		wlr_log(WLR_ERROR, "audit line not written (%s -> %s: %s)", req.src_level,
				req.dst_level, req.reason);
	}
	return ok;
}

/* ---- the dialog ---------------------------------------------------------- */

static void
dialog_hide(void)
{
	if (t.dialog) {
		wlr_scene_node_destroy(t.dialog);
		t.dialog = NULL;
	}
}

static void
dialog_show(const char *header, const struct text_box_line *lines, size_t count)
{
	struct strata_server *server = t.server;
	dialog_hide();
	struct wlr_box area;
	if (!output_usable_area(server, &area)) {
		return;
	}
	const struct strata_level *dst = &server->config.levels[t.dst];
	int width = DIALOG_WIDTH < area.width ? DIALOG_WIDTH : area.width;
	int height = DIALOG_HEIGHT < area.height ? DIALOG_HEIGHT : area.height;
	t.dialog = text_box_create(server->layer_overlay, area.x + (area.width - width) / 2,
			area.y + (area.height - height) / 2, width, height, 0x1c1c1cff, dst->colour,
			6, header, dst->text_colour, server->config.font, lines, count);
}

static void
show_chooser(void)
{
	const struct strata_config *cfg = &t.server->config;
	char header[128], items[STRATA_MAX_LEVELS][64];
	struct text_box_line lines[STRATA_MAX_LEVELS + 2];
	size_t n = 0;
	snprintf(header, sizeof(header), "Paste into %s from which level?",
			cfg->levels[t.dst].name);
	for (size_t i = 0; i < t.candidate_count; i++) {
		const struct strata_level *level = &cfg->levels[t.candidates[i]];
		snprintf(items[i], sizeof(items[i]), "%zu   %s", i + 1, level->name);
		lines[n++] = (struct text_box_line){ .text = items[i],
			.colour = 0xffffffff,
			.bold = true,
			.swatch = level->colour };
	}
	lines[n++] = (struct text_box_line){ .text = NULL, .colour = 0xffffffff };
	lines[n++] = (struct text_box_line){ .text = "1 to 9: choose     Escape: cancel",
		.colour = 0xbbbbbbff };
	dialog_show(header, lines, n);
}

static void
show_confirmation(void)
{
	const struct strata_config *cfg = &t.server->config;
	const struct strata_level *src = &cfg->levels[t.src], *dst = &cfg->levels[t.dst];
	char header[128], from[96], to[96], type[200], size[160], hash[120], footer[160];
	snprintf(header, sizeof(header), "Clipboard: copy from %s into %s?", src->name, dst->name);
	snprintf(from, sizeof(from), "From   %s", src->name);
	snprintf(to, sizeof(to), "To       %s", dst->name);
	snprintf(type, sizeof(type), "Type   %s", t.mime);
	snprintf(size, sizeof(size),
			"Size    %zu bytes offered, %zu bytes after sanitising (%u removed)",
			t.raw_len, t.clean_len, t.response.removed);
	snprintf(hash, sizeof(hash), "SHA-256   %.16s\xE2\x80\xA6", t.response.sha256);
	snprintf(footer, sizeof(footer),
			"Return: transfer exactly this     Escape: cancel     (%d s)",
			cfg->clipboard_confirm_s);
	const struct text_box_line lines[] = {
		{ .text = from, .colour = 0xffffffff, .bold = true, .swatch = src->colour },
		{ .text = to, .colour = 0xffffffff, .bold = true, .swatch = dst->colour },
		{ .text = type, .colour = 0xddddddff },
		{ .text = size, .colour = 0xddddddff },
		{ .text = hash, .colour = 0xddddddff },
		{ .text = t.response.preview[0] ? t.response.preview : "(empty)",
				.colour = 0xffffffff,
				.mono = true,
				.max_lines = 5 },
		{ .text = footer, .colour = 0xbbbbbbff },
	};
	dialog_show(header, lines, sizeof(lines) / sizeof(lines[0]));
}

/* ---- the state machine ------------------------------------------------- */

static void
reset(void)
{
	dialog_hide();
	if (t.read_source) {
		wl_event_source_remove(t.read_source);
		t.read_source = NULL;
	}
	if (t.read_fd >= 0) {
		close(t.read_fd);
		t.read_fd = -1;
	}
	if (t.timer) {
		wl_event_source_timer_update(t.timer, 0);
	}
	free(t.raw);
	free(t.clean);
	t.raw = t.clean = NULL;
	t.raw_len = t.raw_cap = t.clean_len = 0;
	t.too_large = false;
	t.state = TRANSFER_IDLE;
	t.src = -1;
	t.mime[0] = '\0';
	if (t.server) {
		seat_end_modal(t.server->seat, &t.modal);
	}
}

/* Ends the request with a refusal told to the user and logged. */
static void refuse(enum guard_decision decision, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

static void
refuse(enum guard_decision decision, const char *fmt, ...)
{
	char reason[GUARD_REASON_MAX];
	va_list args;
	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	bool logged = audit(decision, NULL, "%s", reason);
	const char *src = t.src >= 0 ? t.server->config.levels[t.src].name : "?";
	notice_post(t.server, "Clipboard %s \xE2\x86\x92 %s: %s%s", src,
			t.server->config.levels[t.dst].name, reason, logged ? "" : " (NOT LOGGED)");
	wlr_log(WLR_INFO, "clipboard transfer %s -> %s: %s", src,
			t.server->config.levels[t.dst].name, reason);
	reset();
}

static bool
pick_type(struct wlr_data_source *source)
{
	for (size_t k = 0; k < sizeof(text_types) / sizeof(text_types[0]); k++) {
		char **type;
		wl_array_for_each(type, &source->mime_types) {
			if (strcmp(*type, text_types[k]) == 0) {
				snprintf(t.mime, sizeof(t.mime), "%s", text_types[k]);
				t.image = false;
				return true;
			}
		}
	}
	if (t.server->config.clipboard_images) {
		char **type;
		wl_array_for_each(type, &source->mime_types) {
			if (strcmp(*type, "image/png") == 0) {
				snprintf(t.mime, sizeof(t.mime), "image/png");
				t.image = true;
				return true;
			}
		}
	}
	return false;
}

static void
sanitise_and_confirm(void)
{
	struct strata_server *server = t.server;
	const struct strata_config *cfg = &server->config;
	t.state = TRANSFER_SANITISING;
	struct guard_request req = { .type = GUARD_REQ_SANITISE,
		.length = (uint32_t)t.raw_len,
		.max_bytes = (uint32_t)cfg->clipboard_max_bytes };
	snprintf(req.src_level, sizeof(req.src_level), "%s", cfg->levels[t.src].name);
	snprintf(req.dst_level, sizeof(req.dst_level), "%s", cfg->levels[t.dst].name);
	snprintf(req.mime, sizeof(req.mime), "%s", t.mime);
	if (!guard_call(&req, t.raw, &t.response, &t.clean, &t.clean_len)) {
		/* Fail closed: nothing crosses without the guard. */
		notice_post(server, "Clipboard guard is down: nothing crosses levels (NOT LOGGED)");
		wlr_log(WLR_ERROR, "clipboard transfer refused: the guard is down");
		reset();
		return;
	}
	if (t.response.status != GUARD_OK) {
		refuse(GUARD_DECISION_REFUSED, "refused by the guard: %s", t.response.reason);
		return;
	}
	t.state = TRANSFER_CONFIRMING;
	wl_event_source_timer_update(t.timer, cfg->clipboard_confirm_s * 1000);
	show_confirmation();
}

static int
handle_source_readable(int fd, uint32_t mask, void *data)
{
	size_t cap = (size_t)t.server->config.clipboard_max_bytes;
	if (t.raw_cap < cap + 1) {
		uint8_t *raw = realloc(t.raw, cap + 1);
		if (!raw) {
			refuse(GUARD_DECISION_REFUSED, "out of memory");
			return 0;
		}
		t.raw = raw;
		t.raw_cap = cap + 1;
	}
	ssize_t n = read(fd, t.raw + t.raw_len, t.raw_cap - t.raw_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (n > 0) {
		t.raw_len += (size_t)n;
		if (t.raw_len > cap) {
			refuse(GUARD_DECISION_REFUSED, "larger than %zu bytes", cap);
		}
		return 0;
	}
	/* EOF (or an error): the snapshot is complete. */
	wl_event_source_remove(t.read_source);
	t.read_source = NULL;
	close(t.read_fd);
	t.read_fd = -1;
	wl_event_source_timer_update(t.timer, 0);
	if (n < 0) {
		refuse(GUARD_DECISION_REFUSED, "reading the source failed");
		return 0;
	}
	sanitise_and_confirm();
	return 0;
}

static void
start_reading(int src)
{
	struct strata_server *server = t.server;
	t.src = src;
	if (!config_clipboard_allowed(&server->config, t.src, t.dst)) {
		refuse(GUARD_DECISION_REFUSED, "refused by policy");
		return;
	}
	struct wlr_data_source *source = clipboard_level_source(server, src);
	if (!source) {
		refuse(GUARD_DECISION_REFUSED, "the source level's selection went away");
		return;
	}
	if (!pick_type(source)) {
		refuse(GUARD_DECISION_REFUSED, "no type that may cross (text%s)",
				server->config.clipboard_images ? " or image/png" : "");
		return;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		refuse(GUARD_DECISION_REFUSED, "no pipe");
		return;
	}
	t.state = TRANSFER_READING;
	t.read_fd = fds[0];
	t.read_source = wl_event_loop_add_fd(server->event_loop, fds[0], WL_EVENT_READABLE,
			handle_source_readable, NULL);
	/* The source writes into the pipe; it never sees the destination. */
	wlr_data_source_send(source, t.mime, fds[1]);
	wl_event_source_timer_update(t.timer, server->config.clipboard_timeout_ms);
}

static int
handle_timer(void *data)
{
	if (t.state == TRANSFER_READING) {
		refuse(GUARD_DECISION_TIMEOUT, "the source did not hand over its content in %d ms",
				t.server->config.clipboard_timeout_ms);
	} else if (t.state == TRANSFER_CONFIRMING || t.state == TRANSFER_CHOOSING) {
		refuse(GUARD_DECISION_CANCELLED, "not confirmed in time");
	}
	return 0;
}

/* A source that only ever serves what was confirmed: the snapshot. */
struct snapshot_source {
	struct wlr_data_source base;
	struct strata_server *server;
	uint8_t *data;
	size_t len;
};

struct snapshot_writer {
	int fd;
	uint8_t *data;
	size_t len, done;
	struct wl_event_source *source, *timer;
};

static void
writer_destroy(struct snapshot_writer *w)
{
	wl_event_source_remove(w->source);
	wl_event_source_remove(w->timer);
	close(w->fd);
	free(w->data);
	free(w);
}

static int
handle_writer_writable(int fd, uint32_t mask, void *data)
{
	struct snapshot_writer *w = data;
	while (w->done < w->len) {
		ssize_t n = write(fd, w->data + w->done, w->len - w->done);
		if (n < 0 && errno == EAGAIN) {
			return 0;
		}
		if (n <= 0) {
			break;
		}
		w->done += (size_t)n;
	}
	writer_destroy(w);
	return 0;
}

static int
handle_writer_timer(void *data)
{
	/* A reader that never reads costs nothing but this fd, for a while. */
	writer_destroy(data);
	return 0;
}

static void
snapshot_send(struct wlr_data_source *base, const char *mime_type, int32_t fd)
{
	struct snapshot_source *snap = (struct snapshot_source *)base;
	struct snapshot_writer *w = calloc(1, sizeof(*w));
	if (!w || fcntl(fd, F_SETFL, O_NONBLOCK) < 0 ||
			!(w->data = malloc(snap->len ? snap->len : 1))) {
		free(w);
		close(fd);
		return;
	}
	memcpy(w->data, snap->data, snap->len);
	w->len = snap->len;
	w->fd = fd;
	w->source = wl_event_loop_add_fd(snap->server->event_loop, fd, WL_EVENT_WRITABLE,
			handle_writer_writable, w);
	w->timer = wl_event_loop_add_timer(snap->server->event_loop, handle_writer_timer, w);
	if (!w->source || !w->timer) {
		if (w->source) {
			wl_event_source_remove(w->source);
		}
		if (w->timer) {
			wl_event_source_remove(w->timer);
		}
		close(fd);
		free(w->data);
		free(w);
		return;
	}
	wl_event_source_timer_update(w->timer, 10000);
}

static void
snapshot_destroy(struct wlr_data_source *base)
{
	struct snapshot_source *snap = (struct snapshot_source *)base;
	free(snap->data);
	free(snap);
}

static const struct wlr_data_source_impl snapshot_impl = {
	.send = snapshot_send,
	.destroy = snapshot_destroy,
};

static void
confirm(void)
{
	struct strata_server *server = t.server;
	const struct strata_config *cfg = &server->config;
	struct snapshot_source *snap = calloc(1, sizeof(*snap));
	if (!snap) {
		refuse(GUARD_DECISION_REFUSED, "out of memory");
		return;
	}
	wlr_data_source_init(&snap->base, &snapshot_impl);
	snap->server = server;
	snap->data = t.clean;
	snap->len = t.clean_len;
	t.clean = NULL;
	if (t.image) {
		char **type = wl_array_add(&snap->base.mime_types, sizeof(*type));
		if (type) {
			*type = strdup("image/png");
		}
	} else {
		for (size_t k = 0; k < sizeof(text_types) / sizeof(text_types[0]); k++) {
			char **type = wl_array_add(&snap->base.mime_types, sizeof(*type));
			if (type) {
				*type = strdup(text_types[k]);
			}
		}
	}
	char sha[65];
	snprintf(sha, sizeof(sha), "%s", t.response.sha256);
	size_t len = snap->len;
	unsigned removed = t.response.removed;
	/* Exactly the previewed bytes become the destination's selection. */
	clipboard_set_level_source(server, t.dst, &snap->base,
			wl_display_next_serial(server->display));
	bool logged = audit(GUARD_DECISION_TRANSFERRED, sha, "confirmed by the user");
	notice_post(server, "Clipboard %s \xE2\x86\x92 %s: %zu bytes transferred, %u removed%s",
			cfg->levels[t.src].name, cfg->levels[t.dst].name, len, removed,
			logged ? "" : " (NOT LOGGED)");
	wlr_log(WLR_INFO, "clipboard transfer %s -> %s: %zu bytes, sha256 %s",
			cfg->levels[t.src].name, cfg->levels[t.dst].name, len, sha);
	reset();
}

void
transfer_begin(struct strata_server *server)
{
	if (t.state != TRANSFER_IDLE) {
		return;
	}
	struct strata_view *focused = seat_focused_view(server->seat);
	if (!focused || focused->level < 0) {
		notice_post(server, "Clipboard: focus a window of the destination level first");
		return;
	}
	t.dst = focused->level;
	t.dst_view = focused->id;
	t.src = -1;
	t.candidate_count = 0;
	for (size_t i = 0; i < server->config.level_count; i++) {
		if ((int)i != t.dst && clipboard_level_source(server, (int)i)) {
			t.candidates[t.candidate_count++] = (int)i;
		}
	}
	if (t.candidate_count == 0) {
		notice_post(server, "Clipboard: no other level has a selection");
		return;
	}
	/* From here until the request ends, no client hears a key or a button. */
	if (!seat_begin_modal(server->seat, &t.modal)) {
		return;
	}
	if (t.candidate_count == 1) {
		start_reading(t.candidates[0]);
		return;
	}
	t.state = TRANSFER_CHOOSING;
	wl_event_source_timer_update(t.timer, server->config.clipboard_confirm_s * 1000);
	show_chooser();
}

static bool
transfer_handle_key(struct strata_server *server, xkb_keysym_t sym)
{
	switch (t.state) {
	case TRANSFER_IDLE:
		return false;
	case TRANSFER_CHOOSING:
		if (sym >= XKB_KEY_1 && sym <= XKB_KEY_9 &&
				(size_t)(sym - XKB_KEY_1) < t.candidate_count) {
			dialog_hide();
			start_reading(t.candidates[sym - XKB_KEY_1]);
		} else if (sym == XKB_KEY_Escape) {
			refuse(GUARD_DECISION_CANCELLED, "cancelled by the user");
		}
		return true;
	case TRANSFER_CONFIRMING:
		if (sym == XKB_KEY_Return || sym == XKB_KEY_KP_Enter) {
			confirm();
		} else if (sym == XKB_KEY_Escape) {
			refuse(GUARD_DECISION_CANCELLED, "cancelled by the user");
		}
		return true;
	default:
		/* Reading or sanitising: the keyboard waits. */
		if (sym == XKB_KEY_Escape) {
			refuse(GUARD_DECISION_CANCELLED, "cancelled by the user");
		}
		return true;
	}
}

static void
handle_modal_key(struct seat_modal *modal, xkb_keysym_t sym, bool reserved_held)
{
	transfer_handle_key(t.server, sym);
}

static void
handle_modal_button(struct seat_modal *modal, uint32_t button)
{
	/* The dialog is answered by the keyboard; a click is a change of mind. */
	if (t.state != TRANSFER_IDLE) {
		refuse(GUARD_DECISION_CANCELLED, "cancelled (click)");
	}
}

static void
handle_focus(struct wl_listener *listener, void *data)
{
	struct seat_focus_event *event = data;
	/* An open request belongs to the gesture that made it. */
	if (t.state != TRANSFER_IDLE && (!event->new_view || event->new_view->id != t.dst_view)) {
		refuse(GUARD_DECISION_CANCELLED, "cancelled (focus changed)");
	}
}

enum transfer_state
transfer_state(struct strata_server *server)
{
	return t.state;
}

void
transfer_describe(struct strata_server *server, char *out, size_t size)
{
	static const char *const names[] = { "idle", "choosing", "reading", "sanitising",
		"confirming" };
	const struct strata_config *cfg = &server->config;
	char preview[2 * GUARD_PREVIEW_MAX + 3];
	size_t j = 0;
	preview[j++] = '"';
	for (size_t i = 0; t.response.preview[i] && j + 3 < sizeof(preview); i++) {
		char c = t.response.preview[i];
		if (c == '"' || c == '\\') {
			preview[j++] = '\\';
		}
		preview[j++] = c;
	}
	preview[j++] = '"';
	preview[j] = '\0';
	if (t.state == TRANSFER_CONFIRMING) {
		snprintf(out, size,
				"state=confirming src=%s dst=%s type=%s size=%zu clean=%zu removed=%u "
				"sha256=%s preview=%s",
				cfg->levels[t.src].name, cfg->levels[t.dst].name, t.mime, t.raw_len,
				t.clean_len, t.response.removed, t.response.sha256, preview);
	} else {
		snprintf(out, size, "state=%s", names[t.state]);
	}
}

static bool
find_guard(void)
{
	static const char *const dirs[] = { ".", "../clipboard-guard", NULL };
	return paths_find_file(t.guard_path, sizeof(t.guard_path), dirs, "strata-clipboard-guard",
			X_OK);
}

bool
transfer_init(struct strata_server *server, const char *data_dir)
{
	t = (struct transfer){ .server = server, .read_fd = -1, .guard_fd = -1, .src = -1 };
	t.modal.handle_key = handle_modal_key;
	t.modal.handle_button = handle_modal_button;
	t.focus.notify = handle_focus;
	wl_signal_add(&server->seat->events.focus, &t.focus);
	t.timer = wl_event_loop_add_timer(server->event_loop, handle_timer, NULL);
	if (!t.timer) {
		return false;
	}
	int n = snprintf(t.audit_dir, sizeof(t.audit_dir), "%s/audit", data_dir);
	if (n < 0 || (size_t)n >= sizeof(t.audit_dir)) {
		return false;
	}
	if (mkdir(data_dir, 0711) < 0 && errno != EEXIST) {
		wlr_log_errno(WLR_ERROR, "cannot create %s", data_dir);
	}
	/* Core only: the guard writes the log, nobody else reads it. */
	if ((mkdir(t.audit_dir, 0700) < 0 && errno != EEXIST) || chmod(t.audit_dir, 0700) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot create the audit directory %s", t.audit_dir);
	}
	if (!find_guard()) {
		wlr_log(WLR_ERROR, "strata-clipboard-guard not found: no cross-level transfer");
	} else {
		guard_start();
	}
	return true;
}

void
transfer_finish(struct strata_server *server)
{
	if (t.focus.notify) {
		wl_list_remove(&t.focus.link);
		t.focus.notify = NULL;
	}
	reset();
	if (t.timer) {
		wl_event_source_remove(t.timer);
		t.timer = NULL;
	}
	guard_stop();
}
