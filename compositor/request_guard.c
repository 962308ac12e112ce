// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/types/wlr_xdg_decoration_v1.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include "request_guard.h"
#include "xdg-decoration-unstable-v1-protocol.h"

static struct wl_protocol_logger *guard_logger;
static struct strata_server *guard_server;
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
 * get_xdg_surface(id, surface): xdg-shell forbids a surface that has another
 * role (a subsurface, a cursor...) or a buffer, attached or committed. wlroots
 * 0.15 checks only a committed buffer (with another error code) and lets the
 * role through until get_toplevel. The client gets the protocol's errors,
 * on the xdg_wm_base; wlroots' handler still runs for a client already in
 * error, which libwayland ends after this request.
 */
/* Whether the client of wm_base (an xdg_wm_base) has an xdg_surface, with a
 * role yet or not, on surface. */
static bool
has_xdg_surface(struct wl_resource *wm_base, struct wlr_surface *surface)
{
	struct wlr_xdg_client *client = wl_resource_get_user_data(wm_base);
	struct wlr_xdg_surface *xdg_surface;
	if (client) {
		wl_list_for_each(xdg_surface, &client->surfaces, link) {
			if (xdg_surface->surface == surface) {
				return true;
			}
		}
	}
	return false;
}

static void
check_get_xdg_surface(const struct wl_protocol_logger_message *message, union wl_argument *args)
{
	struct wl_resource *surface_resource = (struct wl_resource *)args[1].o;
	if (!surface_resource) {
		return; /* libwayland refuses a null object itself */
	}
	struct wlr_surface *surface = wlr_surface_from_resource(surface_resource);
	if (surface->role && !wlr_surface_is_xdg_surface(surface)) {
		wl_resource_post_error(message->resource, XDG_WM_BASE_ERROR_ROLE,
				"get_xdg_surface: the wl_surface already has the role %s",
				surface->role->name);
	} else if (has_xdg_surface(message->resource, surface)) {
		/* A second xdg_surface on it: wlroots 0.15 would take it, and the
		 * second's destroy would leave the first without its role data
		 * (then a third could make a second toplevel of one surface). */
		wl_resource_post_error(message->resource, XDG_WM_BASE_ERROR_ROLE,
				"get_xdg_surface: the wl_surface already has an xdg_surface");
	} else if (wlr_surface_has_buffer(surface) ||
			((surface->pending.committed & WLR_SURFACE_STATE_BUFFER) &&
					surface->pending.buffer)) {
		wl_resource_post_error(message->resource, XDG_WM_BASE_ERROR_INVALID_SURFACE_STATE,
				"get_xdg_surface: the wl_surface has a buffer attached or committed");
	}
}

/*
 * Inert xdg_toplevels. wlroots 0.15.1 makes an xdg_toplevel inert (its user
 * data NULL) when the xdg_surface under it goes, as it does with its
 * wl_surface, and then dereferences that NULL in every xdg_toplevel
 * handler but destroy, and in zxdg_decoration_manager_v1's
 * get_toplevel_decoration given it: a client that destroyed its wl_surface
 * first and then set a title, or asked for a decoration, stopped the
 * compositor. An inert object's requests are to be ignored: libwayland
 * runs the protocol loggers before it dispatches, so a dispatcher set here
 * (one that ignores all but destroy) handles this very request and the
 * ones after it.
 *
 * The resource keeps its implementation, user data and destructor (wlroots
 * checks the implementation when the toplevel is another request's
 * argument, and the destructor must still run). libwayland 1.21 has no
 * getter for the first and the last: they are read from the head of struct
 * wl_resource (wayland-server.c: a wl_object, then the destructor, then the
 * link), whose layout is checked against wl_resource_get_link() first.
 */
struct libwayland_resource_head {
	struct {
		const struct wl_interface *interface;
		const void *implementation;
		uint32_t id;
	} object;
	wl_resource_destroy_func_t destroy;
	struct wl_list link;
};

static int
dispatch_inert(const void *implementation, void *target, uint32_t opcode,
		const struct wl_message *message, union wl_argument *args)
{
	if (strcmp(message->name, "destroy") == 0 || strcmp(message->name, "release") == 0) {
		wl_resource_destroy(target);
	}
	return 0;
}

/* From now on, the resource's requests are ignored (destroy excepted); false
 * when libwayland's layout is not the one known here. */
static bool
ignore_requests(struct wl_resource *resource)
{
	struct libwayland_resource_head *head = (struct libwayland_resource_head *)resource;
	if (wl_resource_get_link(resource) != &head->link ||
			head->object.id != wl_resource_get_id(resource)) {
		return false;
	}
	wl_resource_set_dispatcher(resource, dispatch_inert, head->object.implementation,
			wl_resource_get_user_data(resource), head->destroy);
	return true;
}

static bool
is_inert_toplevel(struct wl_resource *resource)
{
	return resource && strcmp(wl_resource_get_class(resource), "xdg_toplevel") == 0 &&
			!wl_resource_get_user_data(resource);
}

/* A KDE server decoration whose wl_surface is gone: wlroots 0.15 leaves it
 * inert and its request_mode reads the NULL it left (found by the client
 * fuzz target): any level client could stop the compositor with three
 * requests. */
/* A wl_pointer left inert: made while the seat had no pointer, or its
 * wl_seat released since. wlroots 0.15's relative-pointer and
 * pointer-constraints requests read the NULL it leaves (get_relative_pointer,
 * lock_pointer, confine_pointer): such a request ends its client. */
static bool
is_inert_pointer(struct wl_resource *resource)
{
	return resource && strcmp(wl_resource_get_class(resource), "wl_pointer") == 0 &&
			!wl_resource_get_user_data(resource);
}

static bool
is_inert_kde_decoration(struct wl_resource *resource)
{
	return strcmp(wl_resource_get_class(resource), "org_kde_kwin_server_decoration") == 0 &&
			!wl_resource_get_user_data(resource);
}

/* A request that must not reach wlroots: its handler is not run, and the
 * client is ended (when even that cannot be done, the handler runs). */
static void
refuse(struct wl_resource *resource, const char *why)
{
	struct wl_client *client = wl_resource_get_client(resource);
	struct wl_resource *display = wl_client_get_object(client, 1);
	wlr_log(WLR_INFO, "%s: %s: client ended", wl_resource_get_class(resource), why);
	if (display) {
		wl_resource_post_error(display, WL_DISPLAY_ERROR_INVALID_OBJECT, "%s: %s",
				wl_resource_get_class(resource), why);
	}
	if (!ignore_requests(resource)) {
		wlr_log(WLR_ERROR, "libwayland's wl_resource is not as request_guard.c knows it");
	}
}

/*
 * Decorations that would outlive their window. wlroots 0.15 ends a
 * zxdg_toplevel_decoration_v1 with its xdg_surface only if that surface
 * was ever committed; one made before the first commit (what toolkits do)
 * whose toplevel, xdg_surface or wl_surface then goes, or whose client
 * leaves, kept listening to the freed xdg_surface, and its own destroy
 * wrote into freed memory. So such a decoration is destroyed first: when
 * its never-committed window goes by a request, with xdg-decoration's
 * orphaned error (the protocol's rule: the decoration goes first); when its
 * client leaves, before libwayland destroys the client's objects. A window
 * that was committed is left to wlroots, which ends its decoration itself
 * (a client that destroys such a toplevel first keeps working, as before).
 */
static void
destroy_decorations(struct strata_server *server, struct wlr_xdg_surface *of_surface,
		struct wl_client *of_client)
{
	if (!server->decoration_manager) {
		return;
	}
	struct wlr_xdg_toplevel_decoration_v1 *decoration, *tmp;
	wl_list_for_each_safe(decoration, tmp, &server->decoration_manager->decorations, link) {
		if (of_surface && !of_surface->added && decoration->surface == of_surface) {
			wl_resource_post_error(decoration->resource,
					ZXDG_TOPLEVEL_DECORATION_V1_ERROR_ORPHANED,
					"the xdg_toplevel went before its decoration");
			wl_resource_destroy(decoration->resource);
		} else if (of_client && wl_resource_get_client(decoration->resource) == of_client) {
			wl_resource_destroy(decoration->resource);
		}
	}
}

/* The xdg_surface a request's destroy takes away (NULL: none). */
static struct wlr_xdg_surface *
xdg_surface_going(const char *iface, struct wl_resource *resource)
{
	if (is(iface, "xdg_toplevel") || is(iface, "xdg_surface")) {
		return wl_resource_get_user_data(resource); /* NULL when inert */
	}
	struct wlr_surface *surface = wlr_surface_from_resource(resource);
	return surface && wlr_surface_is_xdg_surface(surface) ? surface->role_data : NULL;
}

struct guard_client {
	struct strata_server *server;
	struct wl_listener destroy;
};

static struct wl_listener client_created;

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct guard_client *gc = wl_container_of(listener, gc, destroy);
	destroy_decorations(gc->server, NULL, data);
	wl_list_remove(&gc->destroy.link);
	free(gc);
}

static void
handle_client_created(struct wl_listener *listener, void *data)
{
	struct guard_client *gc = calloc(1, sizeof(*gc));
	if (!gc) {
		wl_client_post_no_memory(data);
		return;
	}
	gc->server = guard_server;
	gc->destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(data, &gc->destroy);
}

/*
 * A second xdg_popup.grab on a popup: wlroots 0.15 inserts the popup into
 * the grab's list again, which links it to itself, and the grab's end then
 * walks that list for ever (the compositor stopped for every level; found
 * by the client fuzz target). xdg-shell allows one grab, before the first
 * commit: a second is the popup's invalid_grab error, and its handler never
 * runs.
 */
static void
check_popup_grab(struct wl_resource *popup_resource)
{
	struct wlr_xdg_surface *surface = wlr_xdg_surface_from_popup_resource(popup_resource);
	if (!surface || !surface->popup || !surface->popup->seat) {
		return;
	}
	wlr_log(WLR_INFO, "xdg_popup.grab on a popup that grabbed already: client ended");
	wl_resource_post_error(popup_resource, XDG_POPUP_ERROR_INVALID_GRAB,
			"xdg_popup.grab: this popup grabbed already");
	if (!ignore_requests(popup_resource)) {
		wlr_log(WLR_ERROR, "libwayland's wl_resource is not as request_guard.c knows it");
	}
}

/*
 * xdg_surface.get_popup with a parent that is the xdg_surface itself, or one
 * without a role: wlroots 0.15 links the surface into its own popups, and
 * strata's walk to the popup's toplevel and wlroots' teardown then never
 * end (found in review). xdg-shell's invalid_popup_parent; the request
 * never reaches wlroots.
 */
static void
check_popup_parent(struct wl_resource *xdg_surface_resource, struct wl_resource *parent_resource)
{
	struct wlr_xdg_surface *surface = wlr_xdg_surface_from_resource(xdg_surface_resource);
	struct wlr_xdg_surface *parent =
			parent_resource ? wlr_xdg_surface_from_resource(parent_resource) : NULL;
	if (!surface || !parent ||
			(parent != surface && parent->role != WLR_XDG_SURFACE_ROLE_NONE)) {
		return;
	}
	wlr_log(WLR_INFO,
			"xdg_surface.get_popup with itself or a surface without a role as "
			"parent: client ended");
	wl_resource_post_error(surface->client->resource, XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
			"get_popup: the parent is the surface itself or has no role");
	if (!ignore_requests(xdg_surface_resource)) {
		wlr_log(WLR_ERROR, "libwayland's wl_resource is not as request_guard.c knows it");
	}
}

/* A wl_subsurface whose parent wl_surface is gone: wlroots 0.15 keeps it with
 * a NULL parent, which place_above and place_below read (found in review).
 * Nothing it asks for means anything any more: its requests are ignored. */
static bool
is_orphan_subsurface(struct wl_resource *resource)
{
	if (strcmp(wl_resource_get_class(resource), "wl_subsurface") != 0) {
		return false;
	}
	struct wlr_subsurface *subsurface = wl_resource_get_user_data(resource);
	return subsurface && !subsurface->parent;
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

	if (is(name, "destroy") && count == 0 &&
			(is(iface, "xdg_toplevel") || is(iface, "xdg_surface") ||
					is(iface, "wl_surface"))) {
		destroy_decorations(data, xdg_surface_going(iface, message->resource), NULL);
	}
	if (is_inert_toplevel(message->resource) || is_inert_kde_decoration(message->resource) ||
			is_orphan_subsurface(message->resource)) {
		if (!ignore_requests(message->resource)) {
			refuse(message->resource, "inert, and its requests cannot be ignored");
		}
	} else if (is(iface, "xdg_toplevel") && is(name, "set_parent") && count == 1 &&
			is_inert_toplevel((struct wl_resource *)args[0].o)) {
		/* An inert parent is no parent (what wlroots makes of it). */
		args[0].o = NULL;
	} else if (is(iface, "zxdg_decoration_manager_v1") && is(name, "get_toplevel_decoration") &&
			count == 2 && is_inert_toplevel((struct wl_resource *)args[1].o)) {
		refuse(message->resource, "a decoration for an inert xdg_toplevel");
	} else if ((is(iface, "zwp_relative_pointer_manager_v1") &&
				   is(name, "get_relative_pointer") && count == 2 &&
				   is_inert_pointer((struct wl_resource *)args[1].o)) ||
			(is(iface, "zwp_pointer_constraints_v1") &&
					(is(name, "lock_pointer") || is(name, "confine_pointer")) &&
					count == 5 &&
					is_inert_pointer((struct wl_resource *)args[2].o))) {
		refuse(message->resource, "a wl_pointer that is no longer the seat's");
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
			/* A point (zero width) is a valid anchor, but wlroots 0.15
			 * takes zero width for "never set" and ends the client at
			 * get_popup (invalid_positioner). One pixel wide instead:
			 * the same place anchored at its left or its centre, one
			 * pixel further anchored at its right. */
			if (args[2].i == 0) {
				args[2].i = 1;
			}
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
	} else if (is(iface, "xdg_surface") && is(name, "get_popup") && count == 3) {
		check_popup_parent(message->resource, (struct wl_resource *)args[1].o);
	} else if (is(iface, "xdg_popup") && is(name, "grab") && count == 2) {
		check_popup_grab(message->resource);
	} else if (is(iface, "xdg_wm_base") && is(name, "get_xdg_surface") && count == 2) {
		check_get_xdg_surface(message, args);
	} else if (is(iface, "wl_pointer") && is(name, "set_cursor") && count == 4) {
		args[2].i = clamp_coord(args[2].i);
		args[3].i = clamp_coord(args[3].i);
	}
}

bool
request_guard_init(struct strata_server *server)
{
	guard_server = server;
	client_created.notify = handle_client_created;
	wl_display_add_client_created_listener(server->display, &client_created);
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
	if (client_created.notify) {
		wl_list_remove(&client_created.link);
		client_created.notify = NULL;
	}
	guard_server = NULL;
	if (spare_null >= 0) {
		close(spare_null);
		spare_null = -1;
	}
}
