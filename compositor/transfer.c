// SPDX-License-Identifier: MIT
/*
 * The cross-level transfer's plumbing: transfer_machine.c decides, this
 * carries out its actions (the dialog, the source's snapshot read on the
 * event loop, the guard's check, the audit line, the notice) and feeds it
 * what happens. Nothing here waits: the snapshot and the guard's answers
 * come through the event loop, and the dialog, the seat's modal owner,
 * can always be cancelled.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/util/log.h>
#include "clipboard.h"
#include "common/clipboard_mime.h"
#include "guard_client.h"
#include "output.h"
#include "paths.h"
#include "process.h"
#include "seat.h"
#include "session.h"
#include "text.h"
#include "transfer.h"
#include "view.h"

#define DIALOG_WIDTH 760
#define DIALOG_HEIGHT 420

/* A line for the banner, shown once its audit line is written (or not). */
struct audit_note {
	struct wl_list link; /* strata_transfer.notes, oldest first */
	char text[300];
};

struct strata_transfer {
	struct strata_server *server;
	struct transfer_machine machine;
	/* The last request's outcome as the user was told it, and when
	 * (for the X-ray); "" before any. */
	char last[300];
	time_t last_time;
	char audit_log[PATH_MAX]; /* the guard's log, read by the X-ray */
	struct seat_modal modal; /* the dialog has the seat while a request is open */
	struct wl_listener focus;
	struct wl_listener outputs_changed;
	struct wl_event_source *timer;
	struct guard_client *guard; /* NULL: the guard is missing, nothing crosses */
	struct wl_list notes; /* struct audit_note */
	uint64_t shown_ms; /* process_clock_ms() when the dialog was last drawn */

	/* The open request. */
	int dst, src; /* levels; src -1 until chosen */
	uint32_t dst_view; /* the window that had focus at the gesture */
	int candidates[STRATA_MAX_LEVELS];
	size_t candidate_count;
	char mime[GUARD_MIME_MAX];
	bool image;
	char reason[GUARD_REASON_MAX]; /* why it failed, when the shell knows better */
	bool read_failed; /* start_reading failed: fed after the step is applied */
	int read_fd;
	struct wl_event_source *read_source;
	uint8_t *raw;
	size_t raw_len, raw_cap;
	uint32_t sanitise_id; /* the guard request whose answer is awaited */
	struct guard_response response;
	uint8_t *clean;
	size_t clean_len;
	struct wlr_scene_node *dialog; /* may be NULL */
	/* What the dialog shows, drawn again for a new output; NULL: none. */
	void (*shown)(struct strata_transfer *t);
	/* The dialog could not be drawn (no output): the request ends, as
	 * nobody can see what they would answer. */
	bool dialog_failed;
};

static void feed(struct strata_transfer *t, struct transfer_event event);

static const char *
level_name(struct strata_transfer *t, int level)
{
	return level >= 0 ? t->server->config.levels[level].name : "?";
}

/* ---- the dialog ---------------------------------------------------------- */

static void
dialog_hide(struct strata_transfer *t)
{
	if (t->dialog) {
		wlr_scene_node_destroy(t->dialog);
		t->dialog = NULL;
	}
	t->shown = NULL;
}

static void
dialog_show(struct strata_transfer *t, const char *header, const struct text_box_line *lines,
		size_t count)
{
	struct strata_server *server = t->server;
	dialog_hide(t);
	/* Drawn anew (a new step, or moved to another output): what the user
	 * sees is new, and answers wait for it to settle again. */
	t->shown_ms = process_clock_ms();
	struct wlr_box area;
	if (!output_usable_area(server, &area)) {
		t->dialog_failed = true;
		return;
	}
	const struct strata_level *dst = &server->config.levels[t->dst];
	int width = DIALOG_WIDTH < area.width ? DIALOG_WIDTH : area.width;
	int height = DIALOG_HEIGHT < area.height ? DIALOG_HEIGHT : area.height;
	t->dialog = text_box_create(server->layer_overlay, area.x + (area.width - width) / 2,
			area.y + (area.height - height) / 2, width, height, 0x1c1c1cff, dst->colour,
			6, header, dst->text_colour, server->config.font, lines, count);
	t->dialog_failed = t->dialog == NULL;
	if (t->dialog_failed) {
		/* An output, but the box could not be made (memory, fonts). */
		snprintf(t->reason, sizeof(t->reason), "cancelled (the dialog could not be drawn)");
	}
}

static void
show_chooser(struct strata_transfer *t)
{
	const struct strata_config *cfg = &t->server->config;
	char header[128], items[STRATA_MAX_LEVELS][64];
	struct text_box_line lines[STRATA_MAX_LEVELS + 2];
	size_t n = 0;
	snprintf(header, sizeof(header), "Paste into %s from which level?", level_name(t, t->dst));
	for (size_t i = 0; i < t->candidate_count; i++) {
		const struct strata_level *level = &cfg->levels[t->candidates[i]];
		snprintf(items[i], sizeof(items[i]), "%zu   %s", i + 1, level->name);
		lines[n++] = (struct text_box_line){ .text = items[i],
			.colour = 0xffffffff,
			.bold = true,
			.swatch = level->colour };
	}
	lines[n++] = (struct text_box_line){ .text = NULL, .colour = 0xffffffff };
	lines[n++] = (struct text_box_line){ .text = "1 to 9: choose     Escape: cancel",
		.colour = 0xbbbbbbff };
	dialog_show(t, header, lines, n);
	t->shown = show_chooser;
}

/* While the source writes or the guard checks: what it waits for. */
static void
show_waiting(struct strata_transfer *t)
{
	char header[128], line[160];
	snprintf(header, sizeof(header), "Clipboard: from %s into %s", level_name(t, t->src),
			level_name(t, t->dst));
	if (t->machine.state == TRANSFER_READING) {
		snprintf(line, sizeof(line), "Reading what %s offers\xE2\x80\xA6",
				level_name(t, t->src));
	} else {
		snprintf(line, sizeof(line), "The clipboard guard is checking it\xE2\x80\xA6");
	}
	const struct text_box_line lines[] = {
		{ .text = line, .colour = 0xffffffff, .bold = true },
		{ .text = NULL, .colour = 0xffffffff },
		{ .text = "Escape: cancel", .colour = 0xbbbbbbff },
	};
	dialog_show(t, header, lines, sizeof(lines) / sizeof(lines[0]));
	t->shown = show_waiting;
}

static void
show_confirmation(struct strata_transfer *t)
{
	const struct strata_config *cfg = &t->server->config;
	const struct strata_level *src = &cfg->levels[t->src], *dst = &cfg->levels[t->dst];
	char header[128], from[96], to[96], type[200], size[160], hash[120], footer[160];
	snprintf(header, sizeof(header), "Clipboard: copy from %s into %s?", src->name, dst->name);
	snprintf(from, sizeof(from), "From   %s", src->name);
	snprintf(to, sizeof(to), "To       %s", dst->name);
	snprintf(type, sizeof(type), "Type   %s", t->mime);
	snprintf(size, sizeof(size),
			"Size    %zu bytes offered, %zu bytes after sanitising (%u removed)",
			t->raw_len, t->clean_len, t->response.removed);
	snprintf(hash, sizeof(hash), "SHA-256   %.16s\xE2\x80\xA6", t->response.sha256);
	snprintf(footer, sizeof(footer),
			"Return: transfer exactly this     Escape: cancel     (%d s)",
			cfg->clipboard_confirm_s);
	const struct text_box_line lines[] = {
		{ .text = from, .colour = 0xffffffff, .bold = true, .swatch = src->colour },
		{ .text = to, .colour = 0xffffffff, .bold = true, .swatch = dst->colour },
		{ .text = type, .colour = 0xddddddff },
		{ .text = size, .colour = 0xddddddff },
		{ .text = hash, .colour = 0xddddddff },
		{ .text = t->response.preview[0] ? t->response.preview : "(empty)",
				.colour = 0xffffffff,
				.mono = true,
				.max_lines = 5 },
		{ .text = footer, .colour = 0xbbbbbbff },
	};
	dialog_show(t, header, lines, sizeof(lines) / sizeof(lines[0]));
	t->shown = show_confirmation;
}

/* ---- reading the source's snapshot ------------------------------------- */

static void
stop_reading(struct strata_transfer *t)
{
	if (t->read_source) {
		wl_event_source_remove(t->read_source);
		t->read_source = NULL;
	}
	if (t->read_fd >= 0) {
		close(t->read_fd);
		t->read_fd = -1;
	}
}

static void read_failed(struct strata_transfer *t, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

/* The read ends with a failure fed to the machine (now, or right after the
 * step being applied). */
static void
read_failed(struct strata_transfer *t, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(t->reason, sizeof(t->reason), fmt, args);
	va_end(args);
	stop_reading(t);
	t->read_failed = true;
}

static int
handle_source_readable(int fd, uint32_t mask, void *data)
{
	struct strata_transfer *t = data;
	size_t cap = (size_t)t->server->config.clipboard_max_bytes;
	if (t->raw_cap < cap + 1) {
		uint8_t *raw = realloc(t->raw, cap + 1);
		if (!raw) {
			read_failed(t, "out of memory");
			feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_READ_FAILED });
			return 0;
		}
		t->raw = raw;
		t->raw_cap = cap + 1;
	}
	ssize_t n = read(fd, t->raw + t->raw_len, t->raw_cap - t->raw_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (n > 0) {
		t->raw_len += (size_t)n;
		if (t->raw_len > cap) {
			read_failed(t, "larger than %zu bytes", cap);
			feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_READ_FAILED });
		}
		return 0;
	}
	/* EOF (or an error): the snapshot is complete. */
	stop_reading(t);
	if (n < 0) {
		read_failed(t, "reading the source failed");
		feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_READ_FAILED });
		return 0;
	}
	feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_READ_DONE });
	return 0;
}

/* The type to ask the source for (common/clipboard_mime.h): the best text
 * type it offers, else image/png when images may cross. */
static bool
pick_type(struct strata_transfer *t, struct wlr_data_source *source)
{
	const char *const *offered = source->mime_types.data;
	size_t count = source->mime_types.size / sizeof(char *);
	int i = clipboard_mime_pick(offered, count, t->server->config.clipboard_images);
	if (i < 0) {
		return false;
	}
	snprintf(t->mime, sizeof(t->mime), "%s", offered[i]);
	t->image = clipboard_mime_is_png(offered[i]);
	return true;
}

static void
start_reading(struct strata_transfer *t, int src)
{
	struct strata_server *server = t->server;
	t->src = src;
	if (!config_clipboard_allowed(&server->config, src, t->dst)) {
		read_failed(t, "refused by policy");
		return;
	}
	struct wlr_data_source *source = clipboard_level_source(server, src);
	if (!source) {
		read_failed(t, "the source level's selection went away");
		return;
	}
	if (!pick_type(t, source)) {
		read_failed(t, "no type that may cross (text%s)",
				server->config.clipboard_images ? " or image/png" : "");
		return;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		read_failed(t, "no pipe");
		return;
	}
	t->read_fd = fds[0];
	t->read_source = wl_event_loop_add_fd(server->event_loop, fds[0], WL_EVENT_READABLE,
			handle_source_readable, t);
	if (!t->read_source) {
		close(fds[1]);
		read_failed(t, "cannot watch the pipe");
		return;
	}
	/* The source writes into the pipe; it never sees the destination. */
	wlr_data_source_send(source, t->mime, fds[1]);
}

/* ---- the guard ------------------------------------------------------------ */

static void
handle_sanitised(void *data, uint32_t id, bool ok, const struct guard_response *response,
		uint8_t *bytes, size_t length)
{
	struct strata_transfer *t = data;
	if (t->machine.state != TRANSFER_SANITISING || id != t->sanitise_id) {
		/* The request it answers has ended. */
		free(bytes);
		return;
	}
	if (!ok) {
		feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_GUARD_DOWN });
		return;
	}
	t->response = *response;
	if (response->status != GUARD_OK) {
		free(bytes);
		snprintf(t->reason, sizeof(t->reason), "refused by the guard: %.*s",
				(int)(sizeof(t->reason) - 23), response->reason);
		feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_GUARD_REFUSED });
		return;
	}
	free(t->clean);
	t->clean = bytes;
	t->clean_len = length;
	feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_GUARD_OK });
}

static void
send_to_guard(struct strata_transfer *t)
{
	const struct strata_config *cfg = &t->server->config;
	struct guard_request req = { .type = GUARD_REQ_SANITISE,
		.max_bytes = (uint32_t)cfg->clipboard_max_bytes };
	snprintf(req.src_level, sizeof(req.src_level), "%s", level_name(t, t->src));
	snprintf(req.dst_level, sizeof(req.dst_level), "%s", level_name(t, t->dst));
	snprintf(req.mime, sizeof(req.mime), "%s", t->mime);
	if (!guard_client_call(t->guard, &req, t->raw, t->raw_len, handle_sanitised, t)) {
		/* No guard at all: down, at once (and after this step). */
		t->sanitise_id = 0;
		snprintf(t->reason, sizeof(t->reason), "the clipboard guard is missing");
		return;
	}
	t->sanitise_id = req.id;
}

static void
handle_audited(void *data, uint32_t id, bool ok, const struct guard_response *response,
		uint8_t *bytes, size_t length)
{
	struct strata_transfer *t = data;
	free(bytes);
	if (wl_list_empty(&t->notes)) {
		return;
	}
	struct audit_note *note = wl_container_of(t->notes.next, note, link);
	wl_list_remove(&note->link);
	bool logged = ok && response->status == GUARD_OK;
	if (!logged) {
		wlr_log(WLR_ERROR, "audit line not written: %s", note->text);
	}
	notice_post(t->server, "%s%s", note->text, logged ? "" : " (NOT LOGGED)");
	free(note);
}

/* One audit line by the guard; the notice is posted when it is written. */
static void
audit(struct strata_transfer *t, enum guard_decision decision, const char *sha256,
		const char *reason, const char *notice)
{
	const struct strata_config *cfg = &t->server->config;
	struct guard_request req = { .type = GUARD_REQ_AUDIT,
		.decision = decision,
		.size = (uint32_t)t->raw_len };
	snprintf(req.src_level, sizeof(req.src_level), "%s",
			t->src >= 0 ? cfg->levels[t->src].name : "");
	snprintf(req.dst_level, sizeof(req.dst_level), "%s", level_name(t, t->dst));
	snprintf(req.mime, sizeof(req.mime), "%s", t->mime);
	snprintf(req.sha256, sizeof(req.sha256), "%s", sha256 ? sha256 : "");
	snprintf(req.reason, sizeof(req.reason), "%s", reason);
	struct audit_note *note = calloc(1, sizeof(*note));
	if (note) {
		snprintf(note->text, sizeof(note->text), "%s", notice);
	}
	if (!note || !guard_client_call(t->guard, &req, NULL, 0, handle_audited, t)) {
		wlr_log(WLR_ERROR, "audit line not written: %s", notice);
		notice_post(t->server, "%s (NOT LOGGED)", notice);
		free(note);
		return;
	}
	wl_list_insert(t->notes.prev, &note->link);
}

/* ---- the end of a request ------------------------------------------------- */

static void
reset(struct strata_transfer *t)
{
	dialog_hide(t);
	stop_reading(t);
	wl_event_source_timer_update(t->timer, 0);
	free(t->raw);
	free(t->clean);
	t->raw = t->clean = NULL;
	t->raw_len = t->raw_cap = t->clean_len = 0;
	t->src = -1;
	t->mime[0] = '\0';
	t->reason[0] = '\0';
	t->dialog_failed = false;
	t->sanitise_id = 0;
	t->read_failed = false;
	memset(&t->response, 0, sizeof(t->response));
	seat_end_modal(t->server->seat, &t->modal);
}

static void
commit(struct strata_transfer *t)
{
	struct strata_server *server = t->server;
	size_t len = t->clean_len;
	char sha[65];
	snprintf(sha, sizeof(sha), "%s", t->response.sha256);
	/* Exactly the previewed bytes become the destination's selection. */
	if (!clipboard_set_level_snapshot(server, t->dst, t->clean, t->clean_len, t->image)) {
		audit(t, GUARD_DECISION_REFUSED, NULL, "out of memory",
				"Clipboard: the transfer failed (out of memory)");
		return;
	}
	t->clean = NULL;
	char notice[300];
	snprintf(notice, sizeof(notice),
			"Clipboard %s \xE2\x86\x92 %s: %zu bytes transferred, %u removed",
			level_name(t, t->src), level_name(t, t->dst), len, t->response.removed);
	snprintf(t->last, sizeof(t->last), "%s", notice);
	t->last_time = time(NULL);
	audit(t, GUARD_DECISION_TRANSFERRED, sha, transfer_end_reason(TRANSFER_END_TRANSFERRED),
			notice);
	wlr_log(WLR_INFO, "clipboard transfer %s -> %s: %zu bytes, sha256 %s",
			level_name(t, t->src), level_name(t, t->dst), len, sha);
}

static void
finish(struct strata_transfer *t, enum transfer_end end)
{
	if (end == TRANSFER_END_TRANSFERRED) {
		commit(t);
		reset(t);
		return;
	}
	const char *why = t->reason[0] &&
					(end == TRANSFER_END_READ_FAILED ||
							end == TRANSFER_END_GUARD_REFUSED ||
							end == TRANSFER_END_GUARD_DOWN ||
							end == TRANSFER_END_CANCELLED_NO_SCREEN) ?
			t->reason :
			transfer_end_reason(end);
	char notice[300];
	if (end == TRANSFER_END_NO_DESTINATION || end == TRANSFER_END_NOTHING_TO_PASTE) {
		snprintf(notice, sizeof(notice), "Clipboard: %s", why);
	} else {
		snprintf(notice, sizeof(notice), "Clipboard %s \xE2\x86\x92 %s: %s",
				t->src >= 0 ? level_name(t, t->src) : "?", level_name(t, t->dst),
				why);
	}
	wlr_log(WLR_INFO, "%s", notice);
	if (end != TRANSFER_END_NO_DESTINATION && end != TRANSFER_END_NOTHING_TO_PASTE) {
		snprintf(t->last, sizeof(t->last), "%s", notice);
		t->last_time = time(NULL);
	}
	enum guard_decision decision;
	if (transfer_end_decision(end, &decision)) {
		audit(t, decision, NULL, why, notice);
	} else if (end == TRANSFER_END_GUARD_DOWN || end == TRANSFER_END_GUARD_TIMEOUT) {
		/* The guard writes the log: without it, nothing is logged. */
		notice_post(t->server, "%s (NOT LOGGED)", notice);
	} else {
		notice_post(t->server, "%s", notice);
	}
	reset(t);
}

/* ---- the machine's actions ------------------------------------------------ */

static void
arm_timer(struct strata_transfer *t, enum transfer_timer timer)
{
	const struct strata_config *cfg = &t->server->config;
	switch (timer) {
	case TRANSFER_TIMER_KEEP:
		break;
	case TRANSFER_TIMER_NONE:
		wl_event_source_timer_update(t->timer, 0);
		break;
	case TRANSFER_TIMER_SOURCE:
		wl_event_source_timer_update(t->timer, cfg->clipboard_timeout_ms);
		break;
	case TRANSFER_TIMER_GUARD:
		wl_event_source_timer_update(t->timer, TRANSFER_GUARD_TIMEOUT_MS);
		break;
	case TRANSFER_TIMER_CONFIRM:
		wl_event_source_timer_update(t->timer, cfg->clipboard_confirm_s * 1000);
		break;
	}
}

static void
feed(struct strata_transfer *t, struct transfer_event event)
{
	struct transfer_step step = transfer_machine_step(&t->machine, &event);
	if (step.take_seat && !seat_begin_modal(t->server->seat, &t->modal)) {
		/* Another modal owner has the seat (it cannot be answered now). */
		t->machine.state = TRANSFER_IDLE;
		reset(t);
		return;
	}
	if (step.show_chooser) {
		show_chooser(t);
	}
	if (step.start_reading >= 0 && (size_t)step.start_reading < t->candidate_count) {
		start_reading(t, t->candidates[step.start_reading]);
	}
	if (step.send_to_guard) {
		send_to_guard(t);
	}
	arm_timer(t, step.timer);
	if (step.show_waiting) {
		show_waiting(t);
	}
	if (step.show_confirmation) {
		show_confirmation(t);
	}
	if (step.end != TRANSFER_END_NONE) {
		finish(t, step.end);
		return;
	}
	if (t->dialog_failed) {
		/* No output to show the question on: it is not asked. */
		t->dialog_failed = false;
		feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_NO_SCREEN });
		return;
	}
	/* What the actions found at once, fed now that the step is done. */
	if (t->read_failed) {
		t->read_failed = false;
		feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_READ_FAILED });
	} else if (step.send_to_guard && t->sanitise_id == 0) {
		feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_GUARD_DOWN });
	}
}

static int
handle_timer(void *data)
{
	struct strata_transfer *t = data;
	feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_TIMEOUT });
	return 0;
}

/* Whether the dialog shown has been on screen long enough for an answer. */
static bool
transfer_settled(struct strata_transfer *t)
{
	return process_clock_ms() - t->shown_ms >= (uint64_t)t->server->config.clipboard_settle_ms;
}

static void
handle_modal_key(struct seat_modal *modal, xkb_keysym_t sym, bool reserved_held)
{
	struct strata_transfer *t = wl_container_of(modal, t, modal);
	feed(t,
			(struct transfer_event){ .type = TRANSFER_EVENT_KEY,
					.sym = sym,
					.settled = transfer_settled(t) });
}

static void
handle_modal_button(struct seat_modal *modal, uint32_t button)
{
	/* The dialog is answered by the keyboard; a click is a change of mind. */
	struct strata_transfer *t = wl_container_of(modal, t, modal);
	feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_CLICK });
}

/* The X-ray or the lock took the seat: the request ends, logged. The seat is
 * no longer ours (reset's seat_end_modal does nothing). */
static void
handle_modal_cancel(struct seat_modal *modal)
{
	struct strata_transfer *t = wl_container_of(modal, t, modal);
	feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_PREEMPTED });
}

/* Outputs came or went: the open dialog is drawn again, centred on the output
 * that is first now (never left where no output shows it); with no output at
 * all, the request ends. */
static void
handle_outputs_changed(struct wl_listener *listener, void *data)
{
	struct strata_transfer *t = wl_container_of(listener, t, outputs_changed);
	if (!t->shown) {
		return;
	}
	t->shown(t);
	if (t->dialog_failed) {
		t->dialog_failed = false;
		feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_NO_SCREEN });
	}
}

static void
handle_focus(struct wl_listener *listener, void *data)
{
	struct strata_transfer *t = wl_container_of(listener, t, focus);
	struct seat_focus_event *event = data;
	/* An open request belongs to the gesture that made it. */
	if (!event->new_view || event->new_view->id != t->dst_view) {
		feed(t, (struct transfer_event){ .type = TRANSFER_EVENT_FOCUS_LOST });
	}
}

/* ---- the public side -------------------------------------------------------- */

void
transfer_begin(struct strata_transfer *t)
{
	if (t->machine.state != TRANSFER_IDLE) {
		return;
	}
	struct strata_server *server = t->server;
	struct strata_view *focused = seat_focused_view(server->seat);
	bool has_destination = focused && focused->level >= 0;
	t->candidate_count = 0;
	t->src = -1;
	if (has_destination) {
		t->dst = focused->level;
		t->dst_view = focused->id;
		for (size_t i = 0; i < server->config.level_count; i++) {
			if ((int)i != t->dst && clipboard_level_source(server, (int)i)) {
				t->candidates[t->candidate_count++] = (int)i;
			}
		}
	}
	feed(t,
			(struct transfer_event){ .type = TRANSFER_EVENT_BEGIN,
					.has_destination = has_destination,
					.candidates = t->candidate_count });
}

/* A string member of one audit line (the guard writes them: one object a
 * line, JSON-escaped strings), shown as printable ASCII; false if absent. */
static bool
audit_field(const char *line, const char *key, char *out, size_t size)
{
	char pattern[40];
	snprintf(pattern, sizeof(pattern), "\"%s\":", key);
	const char *at = strstr(line, pattern);
	if (!at || size == 0) {
		return false;
	}
	at += strlen(pattern);
	bool quoted = *at == '"';
	at += quoted;
	size_t j = 0;
	for (; *at && j + 1 < size; at++) {
		if (quoted && *at == '"') {
			break;
		}
		if (!quoted && (*at == ',' || *at == '}')) {
			break;
		}
		if (*at == '\\' && at[1]) {
			at++; /* an escape: its letter stands for it */
		}
		unsigned char c = (unsigned char)*at;
		out[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[j] = '\0';
	return j > 0;
}

/* The last decision in the guard's audit log, for the user: when, which
 * way, what, and what became of it. false: no log or no line yet. */
static bool
audit_last_decision(const char *path, char *out, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		return false;
	}
	char tail[4096];
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(tail) - 1 ? end - (off_t)sizeof(tail) + 1 : 0;
	ssize_t n = end > 0 ? pread(fd, tail, (size_t)(end - from), from) : 0;
	close(fd);
	if (n <= 0) {
		return false;
	}
	tail[n] = '\0';
	while (n > 0 && tail[n - 1] == '\n') {
		tail[--n] = '\0';
	}
	char *line = strrchr(tail, '\n');
	line = line ? line + 1 : tail;
	char time[40], src[40], dst[40], type[80], bytes[24], decision[24], reason[120];
	if (!audit_field(line, "time", time, sizeof(time)) ||
			!audit_field(line, "decision", decision, sizeof(decision))) {
		return false;
	}
	if (!audit_field(line, "src", src, sizeof(src))) {
		snprintf(src, sizeof(src), "?");
	}
	if (!audit_field(line, "dst", dst, sizeof(dst))) {
		snprintf(dst, sizeof(dst), "?");
	}
	if (!audit_field(line, "type", type, sizeof(type))) {
		snprintf(type, sizeof(type), "no type");
	}
	if (!audit_field(line, "size", bytes, sizeof(bytes))) {
		snprintf(bytes, sizeof(bytes), "?");
	}
	if (!audit_field(line, "reason", reason, sizeof(reason))) {
		reason[0] = '\0';
	}
	snprintf(out, size, "%s %s \xE2\x86\x92 %s, %s, %s bytes: %s%s%s", time, src, dst, type,
			bytes, decision, reason[0] ? " \xE2\x80\x94 " : "", reason);
	return true;
}

void
transfer_describe_for_xray(struct strata_transfer *t, char *now, size_t now_size, char *last,
		size_t last_size)
{
	if (t->machine.state == TRANSFER_IDLE) {
		snprintf(now, now_size, "none");
	} else {
		snprintf(now, now_size, "%s \xE2\x86\x92 %s, %s",
				t->src >= 0 ? level_name(t, t->src) : "?", level_name(t, t->dst),
				transfer_state_name(t->machine.state));
	}
	if (t->audit_log[0] && audit_last_decision(t->audit_log, last, last_size)) {
		return;
	}
	if (!t->last[0]) {
		snprintf(last, last_size, "none in the audit log");
		return;
	}
	char when[16] = "";
	struct tm tm;
	if (localtime_r(&t->last_time, &tm)) {
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	}
	snprintf(last, last_size, "%s: %s", when, t->last);
}

enum transfer_state
transfer_state(struct strata_transfer *t)
{
	return t->machine.state;
}

void
transfer_describe(struct strata_transfer *t, char *out, size_t size)
{
	char preview[2 * GUARD_PREVIEW_MAX + 3];
	size_t j = 0;
	preview[j++] = '"';
	for (size_t i = 0; t->response.preview[i] && j + 3 < sizeof(preview); i++) {
		char c = t->response.preview[i];
		if (c == '"' || c == '\\') {
			preview[j++] = '\\';
		}
		preview[j++] = c;
	}
	preview[j++] = '"';
	preview[j] = '\0';
	if (t->machine.state == TRANSFER_CONFIRMING) {
		snprintf(out, size,
				"state=confirming settled=%d src=%s dst=%s type=%s size=%zu clean=%zu "
				"removed=%u sha256=%s preview=%s",
				transfer_settled(t), level_name(t, t->src), level_name(t, t->dst),
				t->mime, t->raw_len, t->clean_len, t->response.removed,
				t->response.sha256, preview);
	} else if (t->machine.state == TRANSFER_CHOOSING) {
		snprintf(out, size, "state=choosing settled=%d", transfer_settled(t));
	} else {
		snprintf(out, size, "state=%s", transfer_state_name(t->machine.state));
	}
}

struct strata_transfer *
transfer_create(struct strata_server *server, const char *data_dir, const char *guard_program)
{
	struct strata_transfer *t = calloc(1, sizeof(*t));
	if (!t) {
		return NULL;
	}
	t->server = server;
	t->read_fd = -1;
	t->src = -1;
	wl_list_init(&t->notes);
	t->modal.handle_key = handle_modal_key;
	t->modal.digits = true; /* the chooser of the source level */
	t->modal.handle_button = handle_modal_button;
	t->modal.cancel = handle_modal_cancel;
	t->timer = wl_event_loop_add_timer(server->event_loop, handle_timer, t);
	if (!t->timer) {
		free(t);
		return NULL;
	}
	t->focus.notify = handle_focus;
	wl_signal_add(&server->seat->events.focus, &t->focus);
	t->outputs_changed.notify = handle_outputs_changed;
	wl_signal_add(&server->events.outputs_changed, &t->outputs_changed);

	char audit_dir[PATH_MAX];
	if (!session_join_path(audit_dir, sizeof(audit_dir), data_dir, "audit")) {
		transfer_destroy(t);
		return NULL;
	}
	/* Core only: the guard writes the log, nobody else reads it. A
	 * directory that cannot be made is logged here; the guard, unable to
	 * append to its log, then refuses to start, and nothing crosses. */
	if (session_make_dir(data_dir, 0711, 0, 0, false)) {
		session_make_dir(audit_dir, 0700, 0, 0, false);
	}
	if (!session_join_path(t->audit_log, sizeof(t->audit_log), audit_dir, "audit.jsonl")) {
		t->audit_log[0] = '\0';
	}
	char path[PATH_MAX];
	if (guard_program) {
		snprintf(path, sizeof(path), "%s", guard_program);
	} else if (!paths_find(path, sizeof(path), PATHS_PROGRAM, NULL, "../clipboard-guard",
				   "strata-clipboard-guard", X_OK)) {
		path[0] = '\0';
	}
	if (!path[0]) {
		wlr_log(WLR_ERROR, "strata-clipboard-guard not found: no cross-level transfer");
	} else {
		t->guard = guard_client_create(server, path, audit_dir,
				server->config.clipboard_images);
	}
	return t;
}

void
transfer_destroy(struct strata_transfer *t)
{
	if (!t) {
		return;
	}
	wl_list_remove(&t->focus.link);
	wl_list_remove(&t->outputs_changed.link);
	t->machine.state = TRANSFER_IDLE;
	reset(t);
	guard_client_destroy(t->guard);
	struct audit_note *note, *tmp;
	wl_list_for_each_safe(note, tmp, &t->notes, link) {
		wl_list_remove(&note->link);
		free(note);
	}
	wl_event_source_remove(t->timer);
	free(t);
}
