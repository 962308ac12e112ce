// SPDX-License-Identifier: MIT
/*
 * Client identity: one listening socket per level and one for the core. The
 * compositor accepts every connection itself and records, at that moment,
 * which socket it came through. That is the client's level for its whole
 * life; nothing the client says (pid, app_id, title) can change it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>
#include "common/global_policy.h"
#include "server.h"
#include "shm.h"

static void
handle_client_destroy(struct wl_listener *listener, void *data)
{
	struct strata_client *info = wl_container_of(listener, info, destroy);
	wl_list_remove(&info->destroy.link);
	wl_list_remove(&info->link);
	free(info);
}

struct strata_client *
levels_client_info(const struct wl_client *client)
{
	struct wl_listener *listener = wl_client_get_destroy_listener((struct wl_client *)client,
			handle_client_destroy);
	if (!listener) {
		return NULL;
	}
	struct strata_client *info = wl_container_of(listener, info, destroy);
	return info;
}

const char *
levels_name(struct strata_server *server, int level)
{
	if (level == STRATA_LEVEL_CORE) {
		return "core";
	}
	if (level < 0 || (size_t)level >= server->config.level_count) {
		return "unknown";
	}
	return server->config.levels[level].name;
}

int
levels_client_level(struct strata_server *server, const struct wl_client *client)
{
	struct strata_client *info = levels_client_info(client);
	return info ? info->level : STRATA_LEVEL_UNKNOWN;
}

/*
 * The global filter: level clients see only what the shared policy table
 * allows them; core clients see the table's privileged globals too. A client
 * we did not tag (which should not exist) sees nothing.
 */
static bool
filter_global(const struct wl_client *client, const struct wl_global *global, void *data)
{
	struct strata_server *server = data;
	int level = levels_client_level(server, client);
	if (level == STRATA_LEVEL_UNKNOWN) {
		return false;
	}
	const char *name = wl_global_get_interface(global)->name;
	bool is_core = level == STRATA_LEVEL_CORE;
	for (size_t i = 0; i < server->level_global_count; i++) {
		if (server->level_globals[i].global == global) {
			return level == server->level_globals[i].level &&
					global_policy_allows(name, is_core);
		}
	}
	if (strcmp(name, "wl_shm") == 0) {
		/* Two wl_shm globals: level clients get the SIGBUS-safe one. */
		bool ours = server->shm && global == shm_get_global(server->shm);
		return is_core ? !ours : ours;
	}
	return global_policy_allows(name, is_core);
}

/* The client's level for its whole life; NULL when out of memory. */
static struct strata_client *
tag(struct strata_server *server, struct wl_client *client, int level, bool xwayland)
{
	struct strata_client *info = calloc(1, sizeof(*info));
	if (!info) {
		return NULL;
	}
	info->level = level;
	info->id = ++server->next_client_id;
	info->client = client;
	info->xwayland = xwayland;
	info->destroy.notify = handle_client_destroy;
	wl_client_add_destroy_listener(client, &info->destroy);
	wl_list_insert(&server->clients, &info->link);
	return info;
}

bool
levels_tag_client(struct strata_server *server, struct wl_client *client, int level)
{
	/* Tagged once, for its life. */
	return !levels_client_info(client) && tag(server, client, level, true);
}

struct wl_client *
levels_accept_client(struct strata_server *server, int client_fd, int level)
{
	/*
	 * wl_client_create() announces the client before it returns; nothing the
	 * client sent can have been dispatched yet, so tagging right after is
	 * early enough, and the filter denies an untagged client everything.
	 */
	struct wl_client *client = wl_client_create(server->display, client_fd);
	if (!client) {
		wlr_log_errno(WLR_ERROR, "wl_client_create for level %s",
				levels_name(server, level));
		close(client_fd);
		return NULL;
	}
	struct strata_client *info = tag(server, client, level, false);
	if (!info) {
		wl_client_destroy(client);
		return NULL;
	}
	pid_t pid = 0;
	wl_client_get_credentials(client, &pid, NULL, NULL);
	wlr_log(WLR_DEBUG, "client %u (pid %d) connected to level %s", info->id, (int)pid,
			levels_name(server, info->level));
	return client;
}

static int
handle_socket_readable(int fd, uint32_t mask, void *data)
{
	struct strata_listener_socket *sock = data;
	int client_fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (client_fd < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			wlr_log_errno(WLR_ERROR, "accept on %s", sock->path);
		}
		return 0;
	}
	levels_accept_client(sock->server, client_fd, sock->level);
	return 0;
}

static bool
open_socket(struct strata_server *server, const char *name, int level)
{
	struct strata_listener_socket *sock = &server->sockets[server->socket_count];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", server->runtime_dir, name);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
		wlr_log(WLR_ERROR, "socket path %s/%s is too long", server->runtime_dir, name);
		return false;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		wlr_log_errno(WLR_ERROR, "socket");
		return false;
	}
	/* Born 0600 whatever the umask, then opened up below: nobody else may
	 * connect in between. */
	mode_t umask_before = umask(0177);
	int bound = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(umask_before);
	if (bound < 0 || listen(fd, 128) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot listen on %s", addr.sun_path);
		close(fd);
		return false;
	}
	/* Core: root only. Level: its proxy's group (set by the session). */
	if (chmod(addr.sun_path, level == STRATA_LEVEL_CORE ? 0600 : 0660) < 0) {
		wlr_log_errno(WLR_ERROR, "chmod %s", addr.sun_path);
		close(fd);
		unlink(addr.sun_path);
		return false;
	}
	sock->fd = fd;
	sock->level = level;
	sock->server = server;
	snprintf(sock->path, sizeof(sock->path), "%s", addr.sun_path);
	sock->source = wl_event_loop_add_fd(server->event_loop, fd, WL_EVENT_READABLE,
			handle_socket_readable, sock);
	if (!sock->source) {
		close(fd);
		unlink(addr.sun_path);
		return false;
	}
	server->socket_count++;
	return true;
}

/* /run/strata: root's, 0711, nothing else may write there. */
static bool
prepare_base(const char *base)
{
	if (mkdir(base, 0711) < 0 && errno != EEXIST) {
		wlr_log_errno(WLR_ERROR, "cannot create %s", base);
		return false;
	}
	struct stat st;
	if (lstat(base, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		wlr_log(WLR_ERROR, "%s must be a directory owned by root and writable by root only",
				base);
		return false;
	}
	return true;
}

static bool
make_runtime_dir(struct strata_server *server, const char *requested)
{
	if (requested) {
		if (snprintf(server->runtime_dir, sizeof(server->runtime_dir), "%s", requested) >=
				(int)sizeof(server->runtime_dir)) {
			wlr_log(WLR_ERROR, "runtime directory path is too long");
			return false;
		}
		/* Never reuse a directory someone else may have prepared. */
		if (mkdir(server->runtime_dir, 0700) < 0) {
			wlr_log_errno(WLR_ERROR,
					"cannot create runtime directory %s (it must not exist)",
					server->runtime_dir);
			return false;
		}
	} else {
		const char *base = getenv("XDG_RUNTIME_DIR");
		if (geteuid() == 0) {
			/* Root's runtime dir (/run/user/0) is 0700: cage users could not
			 * reach their sockets below it. */
			base = "/run/strata";
			if (!prepare_base(base)) {
				return false;
			}
		} else if (!base || base[0] != '/') {
			base = "/tmp";
		}
		if (snprintf(server->runtime_dir, sizeof(server->runtime_dir), "%s/strata-XXXXXX",
				    base) >= (int)sizeof(server->runtime_dir)) {
			wlr_log(WLR_ERROR, "runtime directory path is too long");
			return false;
		}
		if (!mkdtemp(server->runtime_dir)) {
			wlr_log_errno(WLR_ERROR, "cannot create a runtime directory under %s",
					base);
			return false;
		}
	}
	/* Traversable, not listable: the session gives each socket and cage
	 * directory its own owner and mode. */
	if (chmod(server->runtime_dir, 0711) < 0) {
		wlr_log_errno(WLR_ERROR, "chmod %s", server->runtime_dir);
		rmdir(server->runtime_dir);
		return false;
	}
	server->runtime_dir_created = true;
	return true;
}

bool
levels_bind_global(struct strata_server *server, const struct wl_global *global, int level)
{
	size_t max = sizeof(server->level_globals) / sizeof(server->level_globals[0]);
	if (!global || (level < 0 && level != STRATA_LEVEL_CORE) ||
			server->level_global_count >= max) {
		return false;
	}
	server->level_globals[server->level_global_count].global = global;
	server->level_globals[server->level_global_count].level = level;
	server->level_global_count++;
	return true;
}

bool
levels_hide_global(struct strata_server *server, const struct wl_global *global)
{
	size_t max = sizeof(server->level_globals) / sizeof(server->level_globals[0]);
	if (!global || server->level_global_count >= max) {
		return false;
	}
	/* No client has this level: the filter matches nobody. */
	server->level_globals[server->level_global_count].global = global;
	server->level_globals[server->level_global_count].level = STRATA_LEVEL_UNKNOWN;
	server->level_global_count++;
	return true;
}

bool
levels_open_sockets(struct strata_server *server, const char *runtime_dir)
{
	wl_list_init(&server->clients);
	if (!make_runtime_dir(server, runtime_dir)) {
		return false;
	}
	wl_display_set_global_filter(server->display, filter_global, server);
	for (size_t i = 0; i < server->config.level_count; i++) {
		char name[64];
		snprintf(name, sizeof(name), "wayland-%s", server->config.levels[i].name);
		if (!open_socket(server, name, (int)i)) {
			return false;
		}
	}
	return open_socket(server, "wayland-core", STRATA_LEVEL_CORE);
}

void
levels_close_sockets(struct strata_server *server)
{
	for (size_t i = 0; i < server->socket_count; i++) {
		struct strata_listener_socket *sock = &server->sockets[i];
		wl_event_source_remove(sock->source);
		close(sock->fd);
		unlink(sock->path);
	}
	server->socket_count = 0;
	if (server->runtime_dir_created) {
		if (rmdir(server->runtime_dir) < 0) {
			wlr_log_errno(WLR_ERROR, "cannot remove %s", server->runtime_dir);
		}
		server->runtime_dir_created = false;
	}
}
