// SPDX-License-Identifier: MIT
/*
 * logind's PrepareForSleep (sleep.h), through sd-bus on the compositor's
 * event loop: the bus fd is watched by the loop, and its timeouts by a
 * timer, so that no call ever blocks the compositor.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "lock.h"
#include "output.h"
#include "sleep.h"

#define LOGIND "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"

struct strata_sleep_watch {
	struct strata_server *server;
	sd_bus *bus;
	sd_bus_slot *signal_slot;
	sd_bus_slot *inhibit_slot; /* the Inhibit call under way; may be NULL */
	struct wl_event_source *fd_source;
	struct wl_event_source *timer;
	int inhibit_fd; /* the delay inhibitor, -1: none held */
	/* Outputs that have not committed a locked frame yet, before sleep. */
	int frames_awaited;
};

static void
release_inhibitor(struct strata_sleep_watch *watch)
{
	if (watch->inhibit_fd >= 0) {
		close(watch->inhibit_fd);
		watch->inhibit_fd = -1;
		wlr_log(WLR_INFO, "sleep: inhibitor released");
	}
}

static int
handle_inhibit_reply(sd_bus_message *reply, void *data, sd_bus_error *error)
{
	struct strata_sleep_watch *watch = data;
	watch->inhibit_slot = sd_bus_slot_unref(watch->inhibit_slot);
	int fd = -1;
	if (sd_bus_message_is_method_error(reply, NULL)) {
		const sd_bus_error *e = sd_bus_message_get_error(reply);
		wlr_log(WLR_ERROR, "sleep: logind refused a sleep inhibitor: %s",
				e && e->message ? e->message : "?");
		return 0;
	}
	if (sd_bus_message_read(reply, "h", &fd) < 0 || fd < 0) {
		wlr_log(WLR_ERROR, "sleep: logind's inhibitor answer has no fd");
		return 0;
	}
	release_inhibitor(watch);
	/* The message owns fd: keep a copy of our own. */
	watch->inhibit_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (watch->inhibit_fd < 0) {
		wlr_log_errno(WLR_ERROR, "sleep: cannot keep the inhibitor");
		return 0;
	}
	wlr_log(WLR_INFO, "sleep: holding a delay inhibitor (the lock comes before sleep)");
	return 0;
}

static void
take_inhibitor(struct strata_sleep_watch *watch)
{
	if (watch->inhibit_fd >= 0 || watch->inhibit_slot) {
		return;
	}
	int r = sd_bus_call_method_async(watch->bus, &watch->inhibit_slot, LOGIND, LOGIND_PATH,
			LOGIND_MANAGER, "Inhibit", handle_inhibit_reply, watch, "ssss", "sleep",
			"strata", "Lock the screen before sleep", "delay");
	if (r < 0) {
		wlr_log(WLR_ERROR, "sleep: cannot ask logind for an inhibitor: %s", strerror(-r));
	}
}

static void
locked_frame_committed(void *data, struct wlr_output *output, struct wlr_buffer *buffer)
{
	struct strata_sleep_watch *watch = data;
	if (--watch->frames_awaited <= 0) {
		release_inhibitor(watch);
	}
}

static int
handle_prepare_for_sleep(sd_bus_message *message, void *data, sd_bus_error *error)
{
	struct strata_sleep_watch *watch = data;
	int going = 0;
	if (sd_bus_message_read(message, "b", &going) < 0) {
		wlr_log(WLR_ERROR, "sleep: PrepareForSleep without its boolean");
		return 0;
	}
	if (!going) {
		wlr_log(WLR_INFO, "sleep: the system woke up");
		take_inhibitor(watch);
		return 0;
	}
	struct strata_server *server = watch->server;
	lock_engage(server->lock, "the system goes to sleep");
	/* Let sleep go on once every output shows the lock. */
	output_cancel_captures(server, watch);
	watch->frames_awaited = 0;
	struct strata_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		if (output_request_capture(output, locked_frame_committed, watch, true)) {
			watch->frames_awaited++;
		}
	}
	if (watch->frames_awaited == 0) {
		release_inhibitor(watch);
	}
	return 0;
}

/* After every bus operation: what the fd waits for, and the next timeout. */
static void
update_watch(struct strata_sleep_watch *watch)
{
	int events = sd_bus_get_events(watch->bus);
	uint32_t mask = 0;
	if (events > 0 && (events & POLLIN)) {
		mask |= WL_EVENT_READABLE;
	}
	if (events > 0 && (events & POLLOUT)) {
		mask |= WL_EVENT_WRITABLE;
	}
	wl_event_source_fd_update(watch->fd_source, mask);
	uint64_t usec = UINT64_MAX;
	if (sd_bus_get_timeout(watch->bus, &usec) >= 0 && usec != UINT64_MAX) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
		uint64_t ms = usec > now ? (usec - now) / 1000u + 1 : 1;
		wl_event_source_timer_update(watch->timer, ms > 60000 ? 60000 : (int)ms);
	} else {
		wl_event_source_timer_update(watch->timer, 0);
	}
}

static void
process_bus(struct strata_sleep_watch *watch)
{
	int r;
	while ((r = sd_bus_process(watch->bus, NULL)) > 0) {
	}
	if (r < 0) {
		/* The bus went away: no more notice of sleep. Its fd is out of
		 * the loop (a hung-up fd would be reported at every turn). */
		wlr_log(WLR_ERROR, "sleep: the system bus is gone (%s): no lock before sleep",
				strerror(-r));
		wl_event_source_remove(watch->fd_source);
		watch->fd_source = NULL;
		wl_event_source_timer_update(watch->timer, 0);
		return;
	}
	update_watch(watch);
}

static int
handle_bus_fd(int fd, uint32_t mask, void *data)
{
	process_bus(data);
	return 0;
}

static int
handle_bus_timer(void *data)
{
	struct strata_sleep_watch *watch = data;
	if (watch->fd_source) {
		process_bus(watch);
	}
	return 0;
}

struct strata_sleep_watch *
sleep_watch_create(struct strata_server *server, const char *bus_address)
{
	if (!bus_address && server->headless) {
		return NULL; /* no seat to put to sleep */
	}
	struct strata_sleep_watch *watch = calloc(1, sizeof(*watch));
	if (!watch) {
		return NULL;
	}
	watch->server = server;
	watch->inhibit_fd = -1;
	int r;
	if (bus_address) {
		r = sd_bus_new(&watch->bus);
		if (r >= 0) {
			r = sd_bus_set_address(watch->bus, bus_address);
		}
		if (r >= 0) {
			r = sd_bus_set_bus_client(watch->bus, 1);
		}
		if (r >= 0) {
			r = sd_bus_start(watch->bus);
		}
	} else {
		r = sd_bus_open_system(&watch->bus);
	}
	if (r < 0) {
		wlr_log(WLR_ERROR, "sleep: no system bus (%s): the lock will not come before sleep",
				strerror(-r));
		goto fail;
	}
	/* Asynchronous: a bus that is slow to answer never holds start-up. */
	r = sd_bus_match_signal_async(watch->bus, &watch->signal_slot, LOGIND, LOGIND_PATH,
			LOGIND_MANAGER, "PrepareForSleep", handle_prepare_for_sleep, NULL, watch);
	if (r < 0) {
		wlr_log(WLR_ERROR, "sleep: cannot watch PrepareForSleep: %s", strerror(-r));
		goto fail;
	}
	watch->fd_source = wl_event_loop_add_fd(server->event_loop, sd_bus_get_fd(watch->bus),
			WL_EVENT_READABLE, handle_bus_fd, watch);
	watch->timer = wl_event_loop_add_timer(server->event_loop, handle_bus_timer, watch);
	if (!watch->fd_source || !watch->timer) {
		goto fail;
	}
	take_inhibitor(watch);
	update_watch(watch);
	return watch;

fail:
	sleep_watch_destroy(watch);
	return NULL;
}

void
sleep_watch_destroy(struct strata_sleep_watch *watch)
{
	if (!watch) {
		return;
	}
	output_cancel_captures(watch->server, watch);
	release_inhibitor(watch);
	if (watch->fd_source) {
		wl_event_source_remove(watch->fd_source);
	}
	if (watch->timer) {
		wl_event_source_remove(watch->timer);
	}
	sd_bus_slot_unref(watch->inhibit_slot);
	sd_bus_slot_unref(watch->signal_slot);
	sd_bus_close_unref(watch->bus);
	free(watch);
}
