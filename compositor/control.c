// SPDX-License-Identifier: MIT
/*
 * strata_control_v1: trusted tools on the core socket (strata-run) start
 * programs in a level's cage. The global filter shows it to core clients
 * only; the check below repeats that at bind time (fail closed).
 */
#include <stdlib.h>
#include <string.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>
#include "common/sanitize.h"
#include "session.h"
#include "strata-control-v1-protocol.h"

#define CONTROL_MAX_ARGS 64
#define CONTROL_MAX_ARGV_BYTES (16 * 1024)

static void
resource_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct strata_launch_v1_interface launch_impl = {
	.destroy = resource_destroy,
};

static void
control_launch(struct wl_client *client, struct wl_resource *resource, uint32_t id,
		const char *level_name, struct wl_array *argv_array)
{
	struct strata_server *server = wl_resource_get_user_data(resource);
	struct wl_resource *result = wl_resource_create(client, &strata_launch_v1_interface,
			wl_resource_get_version(resource), id);
	if (!result) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(result, &launch_impl, NULL, NULL);

	/* argv: NUL-terminated strings back to back. */
	const char *argv[CONTROL_MAX_ARGS + 1];
	size_t argc = 0;
	const char *p = argv_array->data, *end = p + argv_array->size;
	bool ok = argv_array->size > 0 && argv_array->size <= CONTROL_MAX_ARGV_BYTES &&
			end[-1] == '\0';
	while (ok && p < end) {
		size_t len = strlen(p);
		if (len == 0 || argc == CONTROL_MAX_ARGS || !sanitize_is_valid_utf8(p, len)) {
			ok = false;
			break;
		}
		argv[argc++] = p;
		p += len + 1;
	}
	argv[argc] = NULL;
	if (!ok) {
		strata_launch_v1_send_failed(result,
				"argv must be 1 to 64 non-empty UTF-8 strings, 16 KiB in all");
		return;
	}
	int level = config_find_level(&server->config, level_name);
	if (level < 0) {
		char reason[512];
		size_t used = (size_t)snprintf(reason, sizeof(reason),
				"unknown level \"%.64s\"; levels:", level_name);
		for (size_t i = 0; i < server->config.level_count && used < sizeof(reason); i++) {
			used += (size_t)snprintf(reason + used, sizeof(reason) - used, " %s",
					server->config.levels[i].name);
		}
		strata_launch_v1_send_failed(result, reason);
		return;
	}
	char err[256];
	pid_t pid = server->session ?
			session_launch(server->session, level, argv, false, err, sizeof(err)) :
			-1;
	if (!server->session) {
		snprintf(err, sizeof(err), "this session runs no cages (--no-cages)");
	}
	if (pid < 0) {
		strata_launch_v1_send_failed(result, err);
	} else {
		strata_launch_v1_send_launched(result, (uint32_t)pid);
	}
}

static const struct strata_control_v1_interface control_impl = {
	.destroy = resource_destroy,
	.launch = control_launch,
};

static void
control_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct strata_server *server = data;
	if (levels_client_level(server, client) != STRATA_LEVEL_CORE) {
		/* The filter already hides it; never serve a level anyway. */
		wl_client_post_implementation_error(client, "strata_control_v1 is core-only");
		return;
	}
	struct wl_resource *resource =
			wl_resource_create(client, &strata_control_v1_interface, version, id);
	if (!resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &control_impl, server, NULL);
}

bool
control_init(struct strata_server *server)
{
	return wl_global_create(server->display, &strata_control_v1_interface, 1, server,
			       control_bind) != NULL;
}
