// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <wlr/util/log.h>
#include "request_guard.h"

static struct wl_protocol_logger *guard_logger;
/* /dev/null, kept open: what a refused receive is given instead, even when
 * no fd can be opened any more (it is handed over then, and opened again
 * at the next chance). */
static int spare_null = -1;

static int
null_fd(void)
{
	if (spare_null < 0) {
		spare_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	}
	int fd = spare_null >= 0 ? fcntl(spare_null, F_DUPFD_CLOEXEC, 0) : -1;
	if (fd < 0) {
		fd = spare_null;
		spare_null = -1;
	}
	return fd;
}

static int32_t
clamp_coord(int32_t v)
{
	return v < -STRATA_COORD_MAX         ? -STRATA_COORD_MAX :
			v > STRATA_COORD_MAX ? STRATA_COORD_MAX :
					       v;
}

static int32_t
clamp_size(int32_t v)
{
	return v < 0 ? 0 : v > STRATA_COORD_MAX ? STRATA_COORD_MAX : v;
}

/* x, y, width, height at args[first..first+3] */
static void
clamp_rect(union wl_argument *args, int first)
{
	args[first].i = clamp_coord(args[first].i);
	args[first + 1].i = clamp_coord(args[first + 1].i);
	args[first + 2].i = clamp_size(args[first + 2].i);
	args[first + 3].i = clamp_size(args[first + 3].i);
}

/* Sizes that must stay positive for wlroots to reject them itself keep
 * their sign; only their magnitude is capped. */
static void
cap_size_keep_sign(union wl_argument *args, int index)
{
	if (args[index].i > STRATA_COORD_MAX) {
		args[index].i = STRATA_COORD_MAX;
	}
}

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

bool
request_guard_fd_is_pipe_writer(int fd)
{
	struct stat st;
	int flags = fcntl(fd, F_GETFL);
	return fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && flags >= 0 &&
			(flags & O_ACCMODE) == O_WRONLY;
}

/* receive(mime_type, fd): the fd must be a pipe's write end (request_guard.h). */
static void
check_receive_fd(const struct wl_protocol_logger_message *message, union wl_argument *args)
{
	int fd = args[1].h;
	if (request_guard_fd_is_pipe_writer(fd)) {
		return;
	}
	struct wl_client *client = wl_resource_get_client(message->resource);
	struct wl_resource *display = wl_client_get_object(client, 1);
	wlr_log(WLR_INFO, "%s.receive with an fd that is not a pipe's write end: client ended",
			wl_resource_get_class(message->resource));
	if (display) {
		wl_resource_post_error(display, WL_DISPLAY_ERROR_INVALID_METHOD,
				"%s.receive: the fd is not the write end of a pipe",
				wl_resource_get_class(message->resource));
	}
	close(fd);
	/* The handler still runs (libwayland calls it after the loggers): the
	 * source writes into nothing, and nobody else's fd is touched. */
	args[1].h = null_fd();
}

/*
 * An inert object's requests are ignored, its destructor excepted. wlroots
 * 0.15.1 makes an xdg_toplevel inert (its user data NULL) when the
 * xdg_surface under it goes, as it does with its wl_surface, and every
 * xdg_toplevel handler but destroy then dereferences that NULL: a client
 * that destroys its wl_surface first and then sets a title stopped the
 * compositor. libwayland runs the protocol loggers before it dispatches,
 * so the dispatcher set here is the one that handles this very request.
 */
static int
dispatch_inert(const void *implementation, void *target, uint32_t opcode,
		const struct wl_message *message, union wl_argument *args)
{
	if (strcmp(message->name, "destroy") == 0) {
		wl_resource_destroy(target);
	}
	return 0;
}

static void
guard_request(void *data, enum wl_protocol_logger_type type,
		const struct wl_protocol_logger_message *message)
{
	if (type != WL_PROTOCOL_LOGGER_REQUEST) {
		return;
	}
	const char *iface = wl_resource_get_class(message->resource);
	const char *name = message->message->name;
	/* libwayland passes its own argument array: see request_guard.h. */
	union wl_argument *args = (union wl_argument *)message->arguments;
	int count = message->arguments_count;

	if (is(iface, "xdg_toplevel") && !wl_resource_get_user_data(message->resource)) {
		wl_resource_set_dispatcher(message->resource, dispatch_inert, NULL, NULL, NULL);
	} else if (is(iface, "wl_region") && (is(name, "add") || is(name, "subtract")) &&
			count == 4) {
		clamp_rect(args, 0);
	} else if (is(iface, "wl_surface")) {
		if ((is(name, "damage") || is(name, "damage_buffer")) && count == 4) {
			clamp_rect(args, 0);
		} else if (is(name, "attach") && count == 3) {
			args[1].i = clamp_coord(args[1].i);
			args[2].i = clamp_coord(args[2].i);
		} else if (is(name, "set_buffer_scale") && count == 1 &&
				args[0].i > STRATA_SCALE_MAX) {
			wl_resource_post_error(message->resource, WL_SURFACE_ERROR_INVALID_SCALE,
					"buffer scale %d is larger than %d", args[0].i,
					STRATA_SCALE_MAX);
			args[0].i = 1;
		}
	} else if (is(iface, "wl_subsurface") && is(name, "set_position") && count == 2) {
		args[0].i = clamp_coord(args[0].i);
		args[1].i = clamp_coord(args[1].i);
	} else if (is(iface, "xdg_surface") && is(name, "set_window_geometry") && count == 4) {
		args[0].i = clamp_coord(args[0].i);
		args[1].i = clamp_coord(args[1].i);
		cap_size_keep_sign(args, 2);
		cap_size_keep_sign(args, 3);
	} else if (is(iface, "xdg_positioner")) {
		if ((is(name, "set_size") || is(name, "set_parent_size")) && count == 2) {
			cap_size_keep_sign(args, 0);
			cap_size_keep_sign(args, 1);
		} else if (is(name, "set_anchor_rect") && count == 4) {
			args[0].i = clamp_coord(args[0].i);
			args[1].i = clamp_coord(args[1].i);
			cap_size_keep_sign(args, 2);
			cap_size_keep_sign(args, 3);
		} else if (is(name, "set_offset") && count == 2) {
			args[0].i = clamp_coord(args[0].i);
			args[1].i = clamp_coord(args[1].i);
		}
	} else if (is(iface, "xdg_toplevel") &&
			(is(name, "set_min_size") || is(name, "set_max_size")) && count == 2) {
		args[0].i = clamp_size(args[0].i);
		args[1].i = clamp_size(args[1].i);
	} else if ((is(iface, "wl_data_offer") || is(iface, "zwp_primary_selection_offer_v1")) &&
			is(name, "receive") && count == 2) {
		check_receive_fd(message, args);
	} else if (is(iface, "wl_pointer") && is(name, "set_cursor") && count == 4) {
		args[2].i = clamp_coord(args[2].i);
		args[3].i = clamp_coord(args[3].i);
	}
}

bool
request_guard_init(struct strata_server *server)
{
	guard_logger = wl_display_add_protocol_logger(server->display, guard_request, server);
	spare_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	return guard_logger != NULL && spare_null >= 0;
}

void
request_guard_finish(struct strata_server *server)
{
	if (guard_logger) {
		wl_protocol_logger_destroy(guard_logger);
		guard_logger = NULL;
	}
	if (spare_null >= 0) {
		close(spare_null);
		spare_null = -1;
	}
}
