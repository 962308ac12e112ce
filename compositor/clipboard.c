// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wlr/types/wlr_primary_selection.h>
#include <wlr/types/wlr_primary_selection_v1.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/util/log.h>
#include "clipboard.h"
#include "common/clipboard_mime.h"
#include "request_guard.h"
#include "seat.h"
#include "view.h"

struct level_slot {
	struct strata_server *server;
	int level;
	struct wlr_data_source *source; /* may be NULL */
	uint32_t serial;
	struct wl_listener source_destroy;
	struct wlr_primary_selection_source *primary; /* may be NULL */
	uint32_t primary_serial;
	struct wl_listener primary_destroy;
};

struct wrap_source {
	struct wlr_data_source base;
	struct level_slot *slot;
};

struct wrap_primary {
	struct wlr_primary_selection_source base;
	struct level_slot *slot;
};

static struct level_slot slots[STRATA_MAX_LEVELS];
static struct wl_signal changed; /* struct clipboard_change */

static void
emit_changed(int level, bool primary)
{
	struct clipboard_change change = { .level = level, .primary = primary };
	wl_signal_emit(&changed, &change);
}
static struct wl_listener request_set_selection;
static struct wl_listener request_set_primary;
static struct wl_listener request_start_drag;
static struct wl_listener focus;

/* ---- wrappers the seat holds ------------------------------------------ */

static void
wrap_send(struct wlr_data_source *base, const char *mime_type, int32_t fd)
{
	struct wrap_source *wrap = (struct wrap_source *)base;
	/* The request guard already refused any other fd; checked again where
	 * it is handed on. */
	if (wrap->slot->source && request_guard_fd_is_pipe_writer(fd)) {
		/* Same level on both ends: the pipe goes to the source as is. */
		wlr_data_source_send(wrap->slot->source, mime_type, fd);
	} else {
		close(fd);
	}
}

static void
wrap_destroy(struct wlr_data_source *base)
{
	free(base);
}

static const struct wlr_data_source_impl wrap_impl = {
	.send = wrap_send,
	.destroy = wrap_destroy,
};

/* By index: a source may offer no type at all, and wl_array_for_each on
 * its empty array (data NULL) adds to a null pointer. */
static void
copy_mime_types(struct wl_array *to, const struct wl_array *from)
{
	size_t count = 0;
	const char *const *types = from->data;
	for (size_t i = 0; i < from->size / sizeof(*types); i++) {
		const char *type = types[i];
		if (count == CLIPBOARD_MAX_MIME_TYPES) {
			break;
		}
		if (strlen(type) > CLIPBOARD_MAX_MIME_LENGTH) {
			continue;
		}
		char **dst = wl_array_add(to, sizeof(*dst));
		if (!dst) {
			break;
		}
		*dst = strdup(type);
		if (!*dst) {
			to->size -= sizeof(*dst);
			break;
		}
		count++;
	}
}

static struct wlr_data_source *
wrap_create(struct level_slot *slot)
{
	struct wrap_source *wrap = calloc(1, sizeof(*wrap));
	if (!wrap) {
		return NULL;
	}
	wlr_data_source_init(&wrap->base, &wrap_impl);
	wrap->slot = slot;
	copy_mime_types(&wrap->base.mime_types, &slot->source->mime_types);
	return &wrap->base;
}

static void
wrap_primary_send(struct wlr_primary_selection_source *base, const char *mime_type, int fd)
{
	struct wrap_primary *wrap = (struct wrap_primary *)base;
	if (wrap->slot->primary && request_guard_fd_is_pipe_writer(fd)) {
		wlr_primary_selection_source_send(wrap->slot->primary, mime_type, fd);
	} else {
		close(fd);
	}
}

static void
wrap_primary_destroy(struct wlr_primary_selection_source *base)
{
	free(base);
}

static const struct wlr_primary_selection_source_impl wrap_primary_impl = {
	.send = wrap_primary_send,
	.destroy = wrap_primary_destroy,
};

static struct wlr_primary_selection_source *
wrap_primary_create(struct level_slot *slot)
{
	struct wrap_primary *wrap = calloc(1, sizeof(*wrap));
	if (!wrap) {
		return NULL;
	}
	wlr_primary_selection_source_init(&wrap->base, &wrap_primary_impl);
	wrap->slot = slot;
	copy_mime_types(&wrap->base.mime_types, &slot->primary->mime_types);
	return &wrap->base;
}

/* The seat shows the focused level's selections, nobody else's. */
static void
seat_show_level(struct strata_server *server, int level)
{
	struct wlr_seat *seat = server->seat->wlr_seat;
	struct level_slot *slot = level >= 0 ? &slots[level] : NULL;
	if (slot && slot->source) {
		wlr_seat_set_selection(seat, wrap_create(slot), slot->serial);
	} else if (seat->selection_source) {
		wlr_seat_set_selection(seat, NULL, wl_display_next_serial(server->display));
	}
	if (slot && slot->primary) {
		wlr_seat_set_primary_selection(seat, wrap_primary_create(slot),
				slot->primary_serial);
	} else if (seat->primary_selection_source) {
		wlr_seat_set_primary_selection(seat, NULL, wl_display_next_serial(server->display));
	}
}

static int
focused_level(struct strata_server *server)
{
	int level = seat_focused_level(server->seat);
	return level >= 0 ? level : -1;
}

/* ---- the levels' own sources ----------------------------------------- */

static void
slot_handle_source_destroy(struct wl_listener *listener, void *data)
{
	struct level_slot *slot = wl_container_of(listener, slot, source_destroy);
	wl_list_remove(&slot->source_destroy.link);
	wl_list_init(&slot->source_destroy.link);
	slot->source = NULL;
	if (focused_level(slot->server) == slot->level) {
		seat_show_level(slot->server, slot->level);
	}
	emit_changed(slot->level, false);
}

static void
slot_handle_primary_destroy(struct wl_listener *listener, void *data)
{
	struct level_slot *slot = wl_container_of(listener, slot, primary_destroy);
	wl_list_remove(&slot->primary_destroy.link);
	wl_list_init(&slot->primary_destroy.link);
	slot->primary = NULL;
	if (focused_level(slot->server) == slot->level) {
		seat_show_level(slot->server, slot->level);
	}
	emit_changed(slot->level, true);
}

struct wlr_data_source *
clipboard_level_source(struct strata_server *server, int level)
{
	return level >= 0 && level < STRATA_MAX_LEVELS ? slots[level].source : NULL;
}

struct wlr_primary_selection_source *
clipboard_level_primary(struct strata_server *server, int level)
{
	return level >= 0 && level < STRATA_MAX_LEVELS ? slots[level].primary : NULL;
}

size_t
clipboard_level_primary_types(struct strata_server *server, int level, bool *set)
{
	struct wlr_primary_selection_source *primary =
			level >= 0 && level < STRATA_MAX_LEVELS ? slots[level].primary : NULL;
	*set = primary != NULL;
	return primary ? primary->mime_types.size / sizeof(char *) : 0;
}

void
clipboard_set_level_source(struct strata_server *server, int level, struct wlr_data_source *source,
		uint32_t serial)
{
	struct level_slot *slot = &slots[level];
	struct wlr_data_source *old = slot->source;
	if (old == source) {
		return;
	}
	if (old) {
		wl_list_remove(&slot->source_destroy.link);
		wl_list_init(&slot->source_destroy.link);
		slot->source = NULL;
		wlr_data_source_destroy(old); /* the old owner learns it was replaced */
	}
	slot->source = source;
	slot->serial = serial;
	if (source) {
		wl_signal_add(&source->events.destroy, &slot->source_destroy);
	}
	if (focused_level(server) == level) {
		seat_show_level(server, level);
	}
	emit_changed(level, false);
}

void
clipboard_set_level_primary(struct strata_server *server, int level,
		struct wlr_primary_selection_source *source, uint32_t serial)
{
	struct level_slot *slot = &slots[level];
	if (slot->primary == source) {
		return;
	}
	if (slot->primary) {
		struct wlr_primary_selection_source *old = slot->primary;
		wl_list_remove(&slot->primary_destroy.link);
		wl_list_init(&slot->primary_destroy.link);
		slot->primary = NULL;
		wlr_primary_selection_source_destroy(old);
	}
	slot->primary = source;
	slot->primary_serial = serial;
	if (source) {
		wl_signal_add(&source->events.destroy, &slot->primary_destroy);
	}
	if (focused_level(server) == level) {
		seat_show_level(server, level);
	}
	emit_changed(level, true);
}

struct wlr_data_source *
clipboard_level_wrapper(struct strata_server *server, int level)
{
	struct level_slot *slot = &slots[level];
	return slot->source ? wrap_create(slot) : NULL;
}

struct wlr_primary_selection_source *
clipboard_level_primary_wrapper(struct strata_server *server, int level)
{
	struct level_slot *slot = &slots[level];
	return slot->primary ? wrap_primary_create(slot) : NULL;
}

bool
clipboard_is_wrapper(const struct wlr_data_source *source)
{
	return source && source->impl == &wrap_impl;
}

bool
clipboard_is_primary_wrapper(const struct wlr_primary_selection_source *source)
{
	return source && source->impl == &wrap_primary_impl;
}

void
clipboard_add_change_listener(struct wl_listener *listener)
{
	wl_signal_add(&changed, listener);
}

/* Keyboard focus has been taken from the old client and is about to go to
 * the new one: the seat now holds the new level's selections only. */
static void
handle_focus(struct wl_listener *listener, void *data)
{
	struct seat_focus_event *event = data;
	struct strata_server *server = slots[0].server;
	int old_level = event->old_level >= 0 ? event->old_level : -1;
	int new_level = event->new_level >= 0 ? event->new_level : -1;
	if (old_level != new_level) {
		seat_show_level(server, new_level);
	}
}

struct owner_search {
	const void *source;
	const char *klass;
	bool found;
};

static enum wl_iterator_result
owner_iterate(struct wl_resource *resource, void *data)
{
	struct owner_search *search = data;
	if (strcmp(wl_resource_get_class(resource), search->klass) == 0 &&
			wl_resource_get_user_data(resource) == search->source) {
		search->found = true;
		return WL_ITERATOR_STOP;
	}
	return WL_ITERATOR_CONTINUE;
}

/*
 * Only the client with keyboard focus may set a selection: wlroots already
 * refused serials never given to the requester, but a client that once had
 * focus still holds old serials. The request carries no client, so the
 * source's resource tells who made it (its user data is the source).
 */
static bool
request_from_focused(struct strata_server *server, const void *source, const char *klass)
{
	struct wlr_seat_client *focused = server->seat->wlr_seat->keyboard_state.focused_client;
	if (!focused || !seat_focused_view(server->seat)) {
		return false;
	}
	struct owner_search search = { .source = source, .klass = klass };
	wl_client_for_each_resource(focused->client, owner_iterate, &search);
	return search.found;
}

/* Whether a client's source (a struct wlr_data_source or a struct
 * wlr_primary_selection_source) is a level's selection or primary selection
 * now, or the source of the drag under way: one that may not be cancelled. */
static bool
source_in_use(struct strata_server *server, const void *source)
{
	for (int i = 0; i < STRATA_MAX_LEVELS; i++) {
		if ((const void *)slots[i].source == source ||
				(const void *)slots[i].primary == source) {
			return true;
		}
	}
	struct wlr_seat *seat = server->seat->wlr_seat;
	/* The drag under way, or one dropped that waits to be finished. */
	return (seat->drag && (const void *)seat->drag->source == source) ||
			(const void *)seat->drag_source == source;
}

/*
 * A selection request that wlroots 0.15 drops before strata hears of it (a
 * serial never sent to that client, or one older than the selection the
 * seat shows: wlr_seat_request_set_selection and its primary twin) leaves
 * its source as it was, and the client is never told: wl-copy, which waits
 * for `cancelled`, then waits for ever, a process more in the level each
 * time two copies cross (the soak's clients piled up so). Such a source is
 * cancelled here, before wlroots reads the request (a protocol logger runs
 * first), as strata's own focus rule cancels those it refuses; wlroots then sees a request
 * without a source, and drops it by the same rule. A source that already is
 * a selection, or a drag's, is left alone.
 */
static void
cancel_dropped_selection(struct strata_server *server, bool primary, struct wl_resource *device,
		union wl_argument *args)
{
	struct wl_resource *source_resource = (struct wl_resource *)args[0].o;
	uint32_t serial = args[1].u;
	/* wlroots 0.15.1's layouts, as request_from_focused reads them: a
	 * source resource's user data is its client source, whose first member
	 * is the struct wlr_data_source (include/types/wlr_data_device.h) or
	 * the struct wlr_primary_selection_source (wlr_primary_selection_v1.c);
	 * NULL once it is gone. A wl_data_device's is the wlr_seat_client. */
	void *source = source_resource ? wl_resource_get_user_data(source_resource) : NULL;
	if (!source) {
		return;
	}
	struct wlr_seat *seat = NULL;
	struct wlr_seat_client *client = NULL;
	if (primary) {
		struct wlr_primary_selection_v1_device *d = wl_resource_get_user_data(device);
		seat = d ? d->seat : NULL;
		client = seat ? wlr_seat_client_for_wl_client(seat,
						wl_resource_get_client(device)) :
				NULL;
	} else {
		client = wl_resource_get_user_data(device);
		seat = client ? client->seat : NULL;
	}
	if (!seat) {
		return; /* wlroots ignores the request and leaves the source too */
	}
	bool shown = primary ? seat->primary_selection_source != NULL :
			       seat->selection_source != NULL;
	uint32_t shown_serial = primary ? seat->primary_selection_serial : seat->selection_serial;
	bool dropped = (client && !wlr_seat_client_validate_event_serial(client, serial)) ||
			(shown && serial - shown_serial > UINT32_MAX / 2);
	if (!dropped || source_in_use(server, source)) {
		return;
	}
	wlr_log(WLR_INFO,
			"%sselection with serial %u cancelled: a serial never sent to the "
			"client, or older than the selection shown",
			primary ? "primary " : "", serial);
	if (primary) {
		wlr_primary_selection_source_destroy(source);
	} else {
		wlr_data_source_destroy(source);
	}
}

static struct wl_protocol_logger *selection_logger;

static void
handle_selection_request(void *data, enum wl_protocol_logger_type type,
		const struct wl_protocol_logger_message *message)
{
	if (type != WL_PROTOCOL_LOGGER_REQUEST || message->arguments_count != 2 ||
			strcmp(message->message->name, "set_selection") != 0) {
		return;
	}
	const char *iface = wl_resource_get_class(message->resource);
	bool primary = strcmp(iface, "zwp_primary_selection_device_v1") == 0;
	if (primary || strcmp(iface, "wl_data_device") == 0) {
		/* libwayland passes its own argument array (request_guard.h). */
		cancel_dropped_selection(data, primary, message->resource,
				(union wl_argument *)message->arguments);
	}
}

static void
handle_request_set_selection(struct wl_listener *listener, void *data)
{
	struct wlr_seat_request_set_selection_event *event = data;
	struct strata_server *server = slots[0].server;
	/* A request to clear carries no source, so nothing tells which client
	 * sent it (the serial is a guessable number): ignored, or any level's
	 * client could wipe the focused level's clipboard. A selection still
	 * ends when its owner destroys its source. */
	if (!event->source) {
		wlr_log(WLR_INFO, "set_selection(NULL) ignored: its sender cannot be told");
		return;
	}
	if (!request_from_focused(server, event->source, "wl_data_source")) {
		wlr_log(WLR_INFO, "set_selection refused: the client does not have keyboard focus");
		wlr_data_source_destroy(event->source);
		return;
	}
	int level = focused_level(server);
	if (level < 0) {
		wlr_data_source_destroy(event->source);
		return;
	}
	clipboard_set_level_source(server, level, event->source, event->serial);
}

static void
handle_request_set_primary(struct wl_listener *listener, void *data)
{
	struct wlr_seat_request_set_primary_selection_event *event = data;
	struct strata_server *server = slots[0].server;
	int level = focused_level(server);
	if (!event->source) {
		/* As for the clipboard: the sender of a clear cannot be told. */
		wlr_log(WLR_INFO, "set_primary_selection(NULL) ignored: its sender cannot be told");
		return;
	}
	if (level < 0 ||
			!request_from_focused(server, event->source,
					"zwp_primary_selection_source_v1")) {
		wlr_primary_selection_source_destroy(event->source);
		return;
	}
	clipboard_set_level_primary(server, level, event->source, event->serial);
}

/* ---- a transferred snapshot ---------------------------------------------- */

/* A source that only ever serves what was confirmed: the snapshot. */
struct snapshot_source {
	struct wlr_data_source base;
	struct strata_server *server;
	int level;
	uint8_t *data;
	size_t len;
};

/* Pastes of a level's snapshot written at once: each holds a copy and the
 * client's fd for up to 10 s, so a client that asks again and again (and
 * never reads) would otherwise make the compositor hold as much as it
 * likes. The ones beyond get their pipe closed at once (an empty paste). */
#define CLIPBOARD_SNAPSHOT_WRITERS 4

struct snapshot_writer {
	struct strata_server *server;
	int level;
	int fd;
	uint8_t *data;
	size_t len, done;
	struct wl_event_source *source, *timer;
};

static void
writer_destroy(struct snapshot_writer *w)
{
	w->server->snapshot_writers[w->level]--;
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
		if (n < 0 && errno == EINTR) {
			continue;
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
	struct wl_event_loop *loop = snap->server->event_loop;
	int *writing = &snap->server->snapshot_writers[snap->level];
	if (*writing >= CLIPBOARD_SNAPSHOT_WRITERS) {
		wlr_log(WLR_INFO,
				"level %d: %d pastes of its snapshot already being written: "
				"this one gets nothing",
				snap->level, *writing);
		close(fd);
		return;
	}
	/* fd is a pipe's write end: a client's receive reaches this only
	 * through the seat's wrapper (wrap_send checks it), a transfer's read
	 * with the compositor's own pipe. */
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
	w->source = wl_event_loop_add_fd(loop, fd, WL_EVENT_WRITABLE, handle_writer_writable, w);
	w->timer = wl_event_loop_add_timer(loop, handle_writer_timer, w);
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
	w->server = snap->server;
	w->level = snap->level;
	(*writing)++;
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

static bool
add_type(struct wlr_data_source *source, const char *type)
{
	char **slot = wl_array_add(&source->mime_types, sizeof(*slot));
	if (!slot) {
		return false;
	}
	*slot = strdup(type);
	if (!*slot) {
		source->mime_types.size -= sizeof(*slot);
		return false;
	}
	return true;
}

bool
clipboard_set_level_snapshot(struct strata_server *server, int level, uint8_t *bytes, size_t len,
		bool image)
{
	struct snapshot_source *snap = calloc(1, sizeof(*snap));
	if (!snap) {
		free(bytes);
		return false;
	}
	wlr_data_source_init(&snap->base, &snapshot_impl);
	snap->server = server;
	snap->level = level;
	snap->data = bytes;
	snap->len = len;
	bool ok = true;
	if (image) {
		ok = add_type(&snap->base, CLIPBOARD_MIME_PNG);
	} else {
		for (size_t k = 0; ok && k < CLIPBOARD_MIME_TEXT_COUNT; k++) {
			ok = add_type(&snap->base, clipboard_mime_text_types[k]);
		}
	}
	if (!ok) {
		wlr_data_source_destroy(&snap->base);
		return false;
	}
	clipboard_set_level_source(server, level, &snap->base,
			wl_display_next_serial(server->display));
	return true;
}

/* ---- drag and drop, within one level ---------------------------------- */

/*
 * A refused drag must still be freed: wlroots 0.15 frees a drag only when
 * its source goes or when it ends once started. With a source, destroying
 * the source does it. Without one (a drag within one client), it is started
 * as a keyboard-only drag and its grab ended at once, which frees it and
 * does nothing else, but only while no drag's source is alive (the last
 * drag's lives until its client destroys it): starting one would cancel
 * that source. Otherwise it is left (the proxy's rate limit bounds how
 * many).
 */
static void
drag_discard(struct wlr_seat *seat, struct wlr_drag *drag, uint32_t serial)
{
	if (drag->source) {
		wlr_data_source_destroy(drag->source);
	} else if (!seat->drag && !seat->drag_source) {
		wlr_seat_start_drag(seat, drag, serial);
		wlr_seat_keyboard_end_grab(seat);
	}
}

/* A drag starts only from the focused level's pointer grab; the seat never
 * lets it enter another level's surfaces (seat.c, the motion gate). */
static void
handle_request_start_drag(struct wl_listener *listener, void *data)
{
	struct wlr_seat_request_start_drag_event *event = data;
	struct strata_server *server = slots[0].server;
	struct wlr_seat *seat = server->seat->wlr_seat;
	int level = levels_client_level(server, wl_resource_get_client(event->origin->resource));
	if (level < 0 || level != focused_level(server) || seat_modal_active(server->seat) ||
			!wlr_seat_validate_pointer_grab_serial(seat, event->origin,
					event->serial)) {
		wlr_log(WLR_INFO, "drag refused: not from the focused level's pointer grab");
		drag_discard(seat, event->drag, event->serial);
		return;
	}
	wlr_seat_start_pointer_drag(seat, event->drag, event->serial);
}

bool
clipboard_init(struct strata_server *server)
{
	wl_signal_init(&changed);
	for (int i = 0; i < STRATA_MAX_LEVELS; i++) {
		slots[i] = (struct level_slot){ .server = server, .level = i };
		slots[i].source_destroy.notify = slot_handle_source_destroy;
		wl_list_init(&slots[i].source_destroy.link);
		slots[i].primary_destroy.notify = slot_handle_primary_destroy;
		wl_list_init(&slots[i].primary_destroy.link);
	}
	if (!wlr_primary_selection_v1_device_manager_create(server->display)) {
		return false;
	}
	struct wlr_seat *seat = server->seat->wlr_seat;
	request_set_selection.notify = handle_request_set_selection;
	wl_signal_add(&seat->events.request_set_selection, &request_set_selection);
	request_set_primary.notify = handle_request_set_primary;
	wl_signal_add(&seat->events.request_set_primary_selection, &request_set_primary);
	request_start_drag.notify = handle_request_start_drag;
	wl_signal_add(&seat->events.request_start_drag, &request_start_drag);
	/* Registered before anything else listens to focus: the selections are
	 * swapped before the new client is entered in any case (seat.h). */
	focus.notify = handle_focus;
	wl_signal_add(&server->seat->events.focus, &focus);
	selection_logger = wl_display_add_protocol_logger(server->display, handle_selection_request,
			server);
	return selection_logger != NULL;
}

void
clipboard_finish(struct strata_server *server)
{
	wl_list_remove(&request_set_selection.link);
	wl_list_remove(&request_set_primary.link);
	wl_list_remove(&request_start_drag.link);
	wl_list_remove(&focus.link);
	if (selection_logger) {
		wl_protocol_logger_destroy(selection_logger);
		selection_logger = NULL;
	}
	/* Clients are gone, and their sources with them; what is left is the
	 * compositor's own (transferred snapshots). */
	for (int i = 0; i < STRATA_MAX_LEVELS; i++) {
		struct wlr_data_source *source = slots[i].source;
		wl_list_remove(&slots[i].source_destroy.link);
		wl_list_init(&slots[i].source_destroy.link);
		wl_list_remove(&slots[i].primary_destroy.link);
		wl_list_init(&slots[i].primary_destroy.link);
		slots[i].source = NULL;
		slots[i].primary = NULL;
		if (source) {
			wlr_data_source_destroy(source);
		}
	}
}

/* A MIME type as the X-ray shows it: printable ASCII only, at most 48 bytes
 * (a client chose it). */
static void
shown_type(const char *type, char *out, size_t size)
{
	size_t j = 0;
	for (size_t i = 0; type[i] && j + 1 < size && i < 48; i++) {
		unsigned char c = (unsigned char)type[i];
		out[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[j] = '\0';
}

void
clipboard_describe_level(struct strata_server *server, int level, char *out, size_t size)
{
	struct wlr_data_source *source = clipboard_level_source(server, level);
	if (!source) {
		snprintf(out, size, "empty");
		return;
	}
	size_t types = source->mime_types.size / sizeof(char *);
	char first[64] = "no type";
	if (types > 0) {
		shown_type(((char **)source->mime_types.data)[0], first, sizeof(first));
	}
	if (source->impl == &snapshot_impl) {
		const struct snapshot_source *snap = (const struct snapshot_source *)source;
		snprintf(out, size, "%s, %zu bytes (transferred)", first, snap->len);
	} else if (types > 1) {
		snprintf(out, size, "%s and %zu more types (size known only when read)", first,
				types - 1);
	} else {
		snprintf(out, size, "%s (size known only when read)", first);
	}
}
