// SPDX-License-Identifier: MIT
/*
 * Defence in depth: the compositor itself, not only the cage proxy, refuses
 * a receive whose fd is not the write end of a pipe, on the clipboard
 * (wl_data_offer) and on the primary selection
 * (zwp_primary_selection_offer_v1). A client on the low socket (no proxy in
 * the path) is offered low's selection and asks for it with a pipe's write
 * end (it gets the text: the positive control), then, each from a fresh
 * client, with a regular file, a pipe's read end and a socket: each gets the
 * compositor's protocol error, and nothing is ever written into the file
 * (looked at once a later receive got the text: the source has answered
 * every request before it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-client.h>
#include "primary-selection-unstable-v1-client-protocol.h"
#include "strata_test.h"

#define TEXT "receive-fd-test"
#define PRIMARY_TEXT "receive-fd-primary"
#define MIME "text/plain;charset=utf-8"

struct offer_client {
	bool primary;
	struct raw_client *raw;
	struct raw_window *window;
	struct wl_seat *seat;
	struct wl_data_device_manager *manager;
	struct wl_data_device *device;
	struct wl_data_offer *selection;
	struct zwp_primary_selection_device_manager_v1 *primary_manager;
	struct zwp_primary_selection_device_v1 *primary_device;
	struct zwp_primary_selection_offer_v1 *primary_selection;
};

static void
offer_offer(void *data, struct wl_data_offer *offer, const char *mime)
{
}

static void
offer_source_actions(void *data, struct wl_data_offer *offer, uint32_t actions)
{
}

static void
offer_action(void *data, struct wl_data_offer *offer, uint32_t action)
{
}

static const struct wl_data_offer_listener offer_listener = {
	.offer = offer_offer,
	.source_actions = offer_source_actions,
	.action = offer_action,
};

static void
device_data_offer(void *data, struct wl_data_device *device, struct wl_data_offer *offer)
{
	wl_data_offer_add_listener(offer, &offer_listener, data);
}

static void
device_enter(void *data, struct wl_data_device *device, uint32_t serial, struct wl_surface *surface,
		wl_fixed_t x, wl_fixed_t y, struct wl_data_offer *offer)
{
}

static void
device_leave(void *data, struct wl_data_device *device)
{
}

static void
device_motion(void *data, struct wl_data_device *device, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
}

static void
device_drop(void *data, struct wl_data_device *device)
{
}

static void
device_selection(void *data, struct wl_data_device *device, struct wl_data_offer *offer)
{
	struct offer_client *c = data;
	c->selection = offer;
}

static const struct wl_data_device_listener device_listener = {
	.data_offer = device_data_offer,
	.enter = device_enter,
	.leave = device_leave,
	.motion = device_motion,
	.drop = device_drop,
	.selection = device_selection,
};

static void
primary_offer_offer(void *data, struct zwp_primary_selection_offer_v1 *offer, const char *mime)
{
}

static const struct zwp_primary_selection_offer_v1_listener primary_offer_listener = {
	.offer = primary_offer_offer,
};

static void
primary_device_data_offer(void *data, struct zwp_primary_selection_device_v1 *device,
		struct zwp_primary_selection_offer_v1 *offer)
{
	zwp_primary_selection_offer_v1_add_listener(offer, &primary_offer_listener, data);
}

static void
primary_device_selection(void *data, struct zwp_primary_selection_device_v1 *device,
		struct zwp_primary_selection_offer_v1 *offer)
{
	struct offer_client *c = data;
	c->primary_selection = offer;
}

static const struct zwp_primary_selection_device_v1_listener primary_device_listener = {
	.data_offer = primary_device_data_offer,
	.selection = primary_device_selection,
};

static bool
offered(const struct offer_client *c)
{
	return c->primary ? c->primary_selection != NULL : c->selection != NULL;
}

/* A low client with a window (it takes focus) that waits to be offered
 * low's selection, or its primary selection. */
static struct offer_client *
offered_client(struct strata_session *s, bool primary)
{
	struct offer_client *c = calloc(1, sizeof(*c));
	c->primary = primary;
	c->raw = raw_client_connect(session_socket(s, "low"));
	session_assert_msg(s, c->raw != NULL, "cannot connect to the low socket");
	const struct raw_global *seat = raw_client_find_global(c->raw, "wl_seat");
	session_assert_msg(s, seat != NULL, "no wl_seat");
	c->seat = wl_registry_bind(c->raw->registry, seat->name, &wl_seat_interface, 1);
	if (primary) {
		const struct raw_global *manager = raw_client_find_global(c->raw,
				"zwp_primary_selection_device_manager_v1");
		session_assert_msg(s, manager != NULL,
				"no zwp_primary_selection_device_manager_v1");
		c->primary_manager = wl_registry_bind(c->raw->registry, manager->name,
				&zwp_primary_selection_device_manager_v1_interface, 1);
		c->primary_device = zwp_primary_selection_device_manager_v1_get_device(
				c->primary_manager, c->seat);
		zwp_primary_selection_device_v1_add_listener(c->primary_device,
				&primary_device_listener, c);
	} else {
		const struct raw_global *manager =
				raw_client_find_global(c->raw, "wl_data_device_manager");
		session_assert_msg(s, manager != NULL, "no wl_data_device_manager");
		c->manager = wl_registry_bind(c->raw->registry, manager->name,
				&wl_data_device_manager_interface, 1);
		c->device = wl_data_device_manager_get_data_device(c->manager, c->seat);
		wl_data_device_add_listener(c->device, &device_listener, c);
	}
	c->window = raw_window_create(c->raw, 200, 100, "itest-receive", "itest-receive");
	session_assert_msg(s, c->window != NULL, "the receiving window did not map");
	uint64_t deadline = session_now_ms() + 5000;
	while (!offered(c) && session_now_ms() < deadline) {
		session_assert(s, raw_client_roundtrip(c->raw, 1000));
	}
	session_assert_msg(s, offered(c), "low's %s was never offered",
			primary ? "primary selection" : "selection");
	return c;
}

static void
offered_client_destroy(struct offer_client *c)
{
	raw_window_destroy(c->window);
	raw_client_destroy(c->raw);
	free(c);
}

static void
receive(struct offer_client *c, int fd)
{
	if (c->primary) {
		zwp_primary_selection_offer_v1_receive(c->primary_selection, MIME, fd);
	} else {
		wl_data_offer_receive(c->selection, MIME, fd);
	}
}

/* receive with fd; true if the compositor ended the client with a protocol
 * error for it. */
static bool
receive_refused(struct strata_session *s, struct offer_client *c, int fd)
{
	receive(c, fd);
	close(fd);
	raw_client_roundtrip(c->raw, 2000);
	int err = raw_client_error(c->raw);
	if (err == EPROTO) {
		const struct wl_interface *iface = NULL;
		uint32_t id = 0;
		uint32_t code = wl_display_get_protocol_error(c->raw->display, &iface, &id);
		tap_diag("protocol error %u on %s@%u", code, iface ? iface->name : "?", id);
	}
	/* An error on wl_display itself (invalid_method) reads as EINVAL. */
	tap_diag("the client's connection: %s", strerror(err));
	return err == EINVAL || err == EPROTO;
}

/* A fresh client receives through a pipe's write end: the text arrives. */
static void
receive_through_a_pipe(struct strata_session *s, bool primary, const char *text)
{
	struct offer_client *c = offered_client(s, primary);
	int p[2];
	session_assert(s, pipe2(p, O_CLOEXEC) == 0);
	receive(c, p[1]);
	close(p[1]);
	session_assert(s, raw_client_roundtrip(c->raw, 2000));
	char got[64] = "";
	size_t len = 0;
	struct pollfd pfd = { .fd = p[0], .events = POLLIN };
	while (len < sizeof(got) - 1 && poll(&pfd, 1, 3000) > 0) {
		ssize_t n = read(p[0], got + len, sizeof(got) - 1 - len);
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
	}
	close(p[0]);
	got[len] = '\0';
	session_assert_msg(s, strcmp(got, text) == 0, "a pipe's write end got \"%s\"", got);
	session_assert(s, raw_client_error(c->raw) == 0);
	offered_client_destroy(c);
}

static void
only_a_pipes_write_end(struct strata_session *s, bool primary, const char *text)
{
	receive_through_a_pipe(s, primary, text);

	/* A regular file: refused. */
	struct offer_client *c = offered_client(s, primary);
	int file = memfd_create("itest-receive", MFD_CLOEXEC);
	session_assert(s, file >= 0);
	int keep = dup(file);
	session_assert_msg(s, receive_refused(s, c, file),
			"a regular file was taken as a receive fd");
	offered_client_destroy(c);
	/* The source answers requests in order: once this one is answered,
	 * whatever it was asked to write into the file is there. */
	receive_through_a_pipe(s, primary, text);
	off_t size = lseek(keep, 0, SEEK_END);
	close(keep);
	session_assert_msg(s, size == 0, "%lld bytes were written into the file", (long long)size);

	/* A pipe's read end, and a socket: refused. */
	c = offered_client(s, primary);
	int p[2];
	session_assert(s, pipe2(p, O_CLOEXEC) == 0);
	close(p[1]);
	session_assert_msg(s, receive_refused(s, c, p[0]), "a pipe's read end was taken");
	offered_client_destroy(c);
	c = offered_client(s, primary);
	int sv[2];
	session_assert(s, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	close(sv[1]);
	session_assert_msg(s, receive_refused(s, c, sv[0]), "a socket was taken");
	offered_client_destroy(c);
	session_assert(s, session_compositor_alive(s));
}

static void
receive_takes_only_a_pipes_write_end(void)
{
	session_require_program("wl-copy");
	struct strata_session *s = session_start(NULL);
	session_copy_text(s, "low", TEXT, 0);
	only_a_pipes_write_end(s, false, TEXT);
	session_stop(s);
}

static bool
low_holds_primary(struct strata_session *s, void *data)
{
	char *reply = session_ctl_ok(s, "selections");
	const char *low = strstr(reply, "selection level=low ");
	const char *primary = low ? strstr(low, " primary=") : NULL;
	bool set = primary && primary[9] == '1';
	free(reply);
	return set;
}

static void
primary_receive_takes_only_a_pipes_write_end(void)
{
	session_require_program("wl-copy");
	struct strata_session *s = session_start(NULL);
	char *copy[] = { "wl-copy", "--primary", "--foreground", PRIMARY_TEXT, NULL };
	session_spawn_client(s, "low", copy);
	session_assert_msg(s, session_wait_for(low_holds_primary, s, NULL, 5000),
			"wl-copy --primary never set low's primary selection");
	/* wl-copy's own window is gone (it maps one to be given focus). */
	session_assert(s, session_wait_windows(s, 0, 5000));
	only_a_pipes_write_end(s, true, PRIMARY_TEXT);
	session_stop(s);
}

TAP_TESTS(TAP_CASE(receive_takes_only_a_pipes_write_end),
		TAP_CASE(primary_receive_takes_only_a_pipes_write_end))
