// SPDX-License-Identifier: MIT
/*
 * What a parsed message may do. Requests are the attack surface: every
 * object they name must be live and of the right interface, new ids must
 * follow libwayland's rules, binds must name a global this client was shown,
 * fds must be of the kind the protocol means, and the client stays within
 * its limits. Events come from the trusted compositor; they are parsed for
 * object and fd accounting, and the registry is rewritten from the shared
 * global policy (hidden globals never shown, versions capped).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include "common/global_policy.h"
#include "proxy.h"

#define DMA_BUF_MAGIC 0x444d4142
#define DISPLAY_OBJECT_ID 1

void
proxy_limits_defaults(struct proxy_limits *limits)
{
	*limits = (struct proxy_limits){
		.max_clients = 128,
		.max_objects = 100000,
		.max_fds_in_flight = 128,
		.max_shm_bytes = 1ull << 30,
		.max_toplevels = 500,
		.max_messages_per_second = 100000,
		.max_string = 4096,
		.activation_token_burst = 10,
		.activation_token_interval_ms = 1000,
		.client_buffer_bytes = 4u << 20,
	};
}

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static bool
take_token(struct proxy_conn *conn)
{
	double rate = conn->proxy->limits.max_messages_per_second;
	uint64_t now = conn->proxy->now_ms; /* read once per epoll batch */
	if (conn->tokens_at_ms == 0) {
		conn->tokens = rate;
	} else if (now > conn->tokens_at_ms) {
		conn->tokens += rate * (double)(now - conn->tokens_at_ms) / 1000.0;
		if (conn->tokens > rate) {
			conn->tokens = rate;
		}
	}
	conn->tokens_at_ms = now;
	if (conn->tokens < 1.0) {
		return false;
	}
	conn->tokens -= 1.0;
	return true;
}

/* xdg_activation_v1.get_activation_token: a burst, then one per interval.
 * A token is asked for on a user's action (a click on a link); a client
 * asking for hundreds floods the compositor with token objects. Guessing
 * another client's token is not what this stops (tokens are 128 random
 * bits, and only work within the level, on the focused level, after real
 * input: compositor/activation.c). */
static bool
take_activation_token(struct proxy_conn *conn)
{
	const struct proxy_limits *limits = &conn->proxy->limits;
	double burst = limits->activation_token_burst;
	uint64_t now = conn->proxy->now_ms;
	if (conn->activation_tokens_at_ms == 0) {
		conn->activation_tokens = burst;
	} else if (now > conn->activation_tokens_at_ms && limits->activation_token_interval_ms) {
		conn->activation_tokens += (double)(now - conn->activation_tokens_at_ms) /
				limits->activation_token_interval_ms;
		if (conn->activation_tokens > burst) {
			conn->activation_tokens = burst;
		}
	}
	conn->activation_tokens_at_ms = now;
	if (conn->activation_tokens < 1.0) {
		return false;
	}
	conn->activation_tokens -= 1.0;
	return true;
}

/* A name a client hands over for the compositor to look up or show: 1 to
 * PROXY_MAX_NAME bytes of printable ASCII without space. Activation tokens
 * (wlroots: 32 hex digits), xdg-foreign handles (a UUID) and app_ids are
 * all of this kind; anything else is a probe. */
#define PROXY_MAX_NAME 255

static bool
plain_name(const char *text)
{
	if (!text) {
		return false;
	}
	size_t len = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++, len++) {
		if (*p <= 0x20 || *p >= 0x7f || len >= PROXY_MAX_NAME) {
			return false;
		}
	}
	return len > 0;
}

/*
 * Requests of the level protocols that carry names or enums the compositor
 * acts on: xdg-activation (rate, token, app_id), xdg-foreign (handle),
 * KDE server-decoration (mode).
 */
static enum policy_verdict
check_level_protocols(struct proxy_conn *conn, const struct wire_header *hdr,
		struct obj_entry *target, const struct wire_message *msg, struct wire_value *values)
{
	const char *iface = target->iface->name;
	if (is(iface, "xdg_activation_v1") && is(msg->name, "get_activation_token")) {
		if (!take_activation_token(conn)) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_NO_MEMORY,
					"xdg_activation_v1: more than %u activation tokens at once, "
					"or more than one per %u ms",
					conn->proxy->limits.activation_token_burst,
					conn->proxy->limits.activation_token_interval_ms);
			return POLICY_FAIL;
		}
	} else if ((is(iface, "xdg_activation_v1") && is(msg->name, "activate")) ||
			(is(iface, "xdg_activation_token_v1") && is(msg->name, "set_app_id"))) {
		if (!plain_name(values[0].string)) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_METHOD,
					"%s.%s: not 1 to %d printable ASCII characters", iface,
					msg->name, PROXY_MAX_NAME);
			return POLICY_FAIL;
		}
	} else if (is(iface, "zxdg_importer_v2") && is(msg->name, "import_toplevel")) {
		if (!plain_name(values[1].string)) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_METHOD,
					"zxdg_importer_v2.import_toplevel: the handle is not 1 to %d "
					"printable ASCII characters",
					PROXY_MAX_NAME);
			return POLICY_FAIL;
		}
	} else if (is(iface, "org_kde_kwin_server_decoration") && is(msg->name, "request_mode")) {
		if (values[0].u > 2) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_METHOD,
					"org_kde_kwin_server_decoration.request_mode: mode %u is none of "
					"0, 1, 2",
					values[0].u);
			return POLICY_FAIL;
		}
	}
	return POLICY_FORWARD;
}

static struct advertised_global *
find_global(struct proxy_conn *conn, uint32_t name)
{
	for (size_t i = 0; i < conn->global_count; i++) {
		if (conn->globals[i].name == name) {
			return &conn->globals[i];
		}
	}
	return NULL;
}

/* wl_registry.bind: a name this client was shown, the same interface, a
 * version within the cap. */
static enum policy_verdict
check_bind(struct proxy_conn *conn, const struct wire_header *hdr, struct wire_value *values)
{
	uint32_t name = values[0].u;
	const char *interface = values[1].string;
	uint32_t version = values[2].u;
	uint32_t id = values[3].u;
	struct advertised_global *global = find_global(conn, name);
	if (!global) {
		conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
				"bind to global %u, which this client was never shown", name);
		return POLICY_FAIL;
	}
	if (!interface || !is(interface, global->iface->name)) {
		conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
				"bind to global %u as \"%s\", but it is %s", name,
				interface ? interface : "", global->iface->name);
		return POLICY_FAIL;
	}
	if (version < 1 || version > global->version) {
		conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
				"bind to %s version %u (allowed: 1 to %u)", global->iface->name,
				version, global->version);
		return POLICY_FAIL;
	}
	if (!obj_map_insert(&conn->objects, id, global->iface, version,
			    conn->proxy->limits.max_objects)) {
		conn_fail(conn, DISPLAY_OBJECT_ID, DISPLAY_ERROR_INVALID_OBJECT,
				"invalid new id %u for %s", id, global->iface->name);
		return POLICY_FAIL;
	}
	return POLICY_FORWARD;
}

/* fds the protocol gives a kind to; any other fd in a request is refused. */
static enum policy_verdict
check_fds(struct proxy_conn *conn, const struct wire_header *hdr, struct obj_entry *target,
		const struct wire_message *msg, struct wire_value *values, const int *fds)
{
	const char *iface = target->iface->name;
	struct stat st;
	if (is(iface, "wl_shm") && is(msg->name, "create_pool")) {
		int32_t size = (int32_t)values[2].u;
		if (fstat(fds[0], &st) < 0 || !S_ISREG(st.st_mode)) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
					"wl_shm.create_pool: the fd is not a memfd or regular file");
			return POLICY_FAIL;
		}
		if (size <= 0 || st.st_size < size) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
					"wl_shm.create_pool: pool of %d bytes on a file of %lld bytes",
					size, (long long)st.st_size);
			return POLICY_FAIL;
		}
		if (conn->shm_bytes + (uint64_t)size > conn->proxy->limits.max_shm_bytes) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_NO_MEMORY,
					"wl_shm.create_pool: more than %llu bytes of pools",
					(unsigned long long)conn->proxy->limits.max_shm_bytes);
			return POLICY_FAIL;
		}
		conn->shm_bytes += (uint64_t)size;
		return POLICY_FORWARD;
	}
	if ((is(iface, "wl_data_offer") || is(iface, "zwp_primary_selection_offer_v1")) &&
			is(msg->name, "receive")) {
		/* A pipe's write end, nothing else: a socket here would hand the
		 * source a two-way channel. */
		int flags = fcntl(fds[0], F_GETFL);
		if (fstat(fds[0], &st) < 0 || !S_ISFIFO(st.st_mode) || flags < 0 ||
				(flags & O_ACCMODE) != O_WRONLY) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
					"%s.receive: the fd is not the write end of a pipe", iface);
			return POLICY_FAIL;
		}
		return POLICY_FORWARD;
	}
	if (is(iface, "zwp_linux_buffer_params_v1") && is(msg->name, "add")) {
		struct statfs sfs;
		if (fstatfs(fds[0], &sfs) < 0 || sfs.f_type != DMA_BUF_MAGIC) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
					"zwp_linux_buffer_params_v1.add: the fd is not a dmabuf");
			return POLICY_FAIL;
		}
		return POLICY_FORWARD;
	}
	conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_METHOD,
			"%s.%s carries an fd the proxy has no rule for", iface, msg->name);
	return POLICY_FAIL;
}

enum policy_verdict
policy_request(struct proxy_conn *conn, const struct wire_header *hdr, struct obj_entry *target,
		const struct wire_message *msg, struct wire_value *values, const int *fds,
		uint8_t *bytes)
{
	const struct proxy_limits *limits = &conn->proxy->limits;
	if (!take_token(conn)) {
		conn_fail(conn, DISPLAY_OBJECT_ID, DISPLAY_ERROR_NO_MEMORY,
				"more than %u requests per second",
				limits->max_messages_per_second);
		return POLICY_FAIL;
	}

	/* Object arguments: live, and of the interface the protocol names. */
	for (uint8_t i = 0; i < msg->arg_count; i++) {
		const struct wire_arg *arg = &msg->args[i];
		if (arg->type != WIRE_ARG_OBJECT || values[i].u == 0) {
			continue;
		}
		struct obj_entry *entry = obj_map_get(&conn->objects, values[i].u);
		if (!entry || entry->state != OBJ_LIVE) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
					"%s.%s: argument %u names object %u, which does not exist",
					target->iface->name, msg->name, i, values[i].u);
			return POLICY_FAIL;
		}
		if (arg->interface && entry->iface != arg->interface) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
					"%s.%s: object %u is a %s, not a %s", target->iface->name,
					msg->name, values[i].u, entry->iface->name,
					arg->interface->name);
			return POLICY_FAIL;
		}
	}

	if (msg->fd_count > 0 && check_fds(conn, hdr, target, msg, values, fds) != POLICY_FORWARD) {
		return POLICY_FAIL;
	}
	if (check_level_protocols(conn, hdr, target, msg, values) != POLICY_FORWARD) {
		return POLICY_FAIL;
	}

	if (msg->new_id_arg >= 0) {
		const struct wire_arg *arg = &msg->args[msg->new_id_arg];
		uint32_t id = values[msg->new_id_arg].u;
		if (id >= WIRE_SERVER_ID_START) {
			conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_OBJECT,
					"new id %u is in the compositor's range", id);
			return POLICY_FAIL;
		}
		if (!arg->interface) {
			if (target->iface != &wire_iface_wl_registry) {
				conn_fail(conn, hdr->object, DISPLAY_ERROR_INVALID_METHOD,
						"untyped new id outside wl_registry.bind");
				return POLICY_FAIL;
			}
			enum policy_verdict verdict = check_bind(conn, hdr, values);
			if (verdict != POLICY_FORWARD) {
				return verdict;
			}
		} else {
			if (is(arg->interface->name, "xdg_toplevel")) {
				if (conn->toplevels >= limits->max_toplevels) {
					conn_fail(conn, hdr->object, DISPLAY_ERROR_NO_MEMORY,
							"more than %u toplevels",
							limits->max_toplevels);
					return POLICY_FAIL;
				}
				conn->toplevels++;
			}
			if (!obj_map_insert(&conn->objects, id, arg->interface, target->version,
					    limits->max_objects)) {
				conn_fail(conn, DISPLAY_OBJECT_ID, DISPLAY_ERROR_INVALID_OBJECT,
						"invalid new id %u for %s (in use, out of sequence, or over %u "
						"objects)",
						id, arg->interface->name, limits->max_objects);
				return POLICY_FAIL;
			}
			if (is(arg->interface->name, "wl_shm_pool")) {
				obj_map_get(&conn->objects, id)->aux = values[2].u;
			}
		}
		/* An insert may have moved the map that target points into. */
		target = obj_map_get(&conn->objects, hdr->object);
	}

	if (target->iface == &wire_iface_wl_display && is(msg->name, "get_registry") &&
			++conn->registries > PROXY_MAX_REGISTRIES) {
		/* A client needs one or two; each costs the compositor a copy of
		 * every global, as events. */
		conn_fail(conn, hdr->object, DISPLAY_ERROR_NO_MEMORY, "more than %d registries",
				PROXY_MAX_REGISTRIES);
		return POLICY_FAIL;
	}
	if (is(target->iface->name, "wl_shm_pool") && is(msg->name, "resize")) {
		int32_t size = (int32_t)values[0].u;
		if (size > (int32_t)target->aux) {
			uint64_t grow = (uint64_t)(size - (int32_t)target->aux);
			if (conn->shm_bytes + grow > limits->max_shm_bytes) {
				conn_fail(conn, hdr->object, DISPLAY_ERROR_NO_MEMORY,
						"wl_shm_pool.resize: more than %llu bytes of pools",
						(unsigned long long)limits->max_shm_bytes);
				return POLICY_FAIL;
			}
			conn->shm_bytes += grow;
			target->aux = (uint32_t)size;
		}
	}

	if (msg->destructor) {
		if (is(target->iface->name, "xdg_toplevel") && conn->toplevels > 0) {
			conn->toplevels--;
		}
		if (is(target->iface->name, "wl_shm_pool")) {
			conn->shm_bytes -= target->aux <= conn->shm_bytes ? target->aux :
									    conn->shm_bytes;
		}
		/* Known until the compositor confirms with delete_id (client ids), or
		 * until it reuses the id (its own). */
		obj_map_zombie(&conn->objects, hdr->object);
	}
	(void)bytes;
	return POLICY_FORWARD;
}

static enum policy_verdict
registry_global(struct proxy_conn *conn, struct wire_value *values, uint8_t *bytes, size_t size)
{
	uint32_t name = values[0].u;
	const char *interface = values[1].string;
	uint32_t version = values[2].u;
	const struct wire_interface *iface = interface ? wire_interface_lookup(interface) : NULL;
	const struct strata_global_rule *rule = global_policy_lookup(interface);
	if (!iface || !rule || rule->scope != STRATA_GLOBAL_LEVEL) {
		/* Hidden: never shown, never bindable. */
		return POLICY_DROP;
	}
	uint32_t capped = version;
	if (capped > rule->max_version) {
		capped = rule->max_version;
	}
	if (capped > iface->version) {
		capped = iface->version;
	}
	struct advertised_global *global = find_global(conn, name);
	if (!global && conn->global_count < PROXY_MAX_GLOBALS) {
		global = &conn->globals[conn->global_count++];
	}
	/* Full (outputs plugged and unplugged many times): reuse the slot of a
	 * removed global; it stays bindable until then, for the client that
	 * binds just as it goes. */
	for (size_t i = 0; !global && i < conn->global_count; i++) {
		if (conn->globals[i].removed) {
			global = &conn->globals[i];
		}
	}
	if (!global) {
		return POLICY_DROP;
	}
	*global = (struct advertised_global){ .name = name, .iface = iface, .version = capped };
	if (capped != version) {
		/* The version is the message's last word. */
		memcpy(bytes + size - 4, &capped, 4);
	}
	return POLICY_FORWARD;
}

enum policy_verdict
policy_event(struct proxy_conn *conn, const struct wire_header *hdr, struct obj_entry *target,
		const struct wire_message *msg, struct wire_value *values, uint8_t *bytes)
{
	if (target->iface == &wire_iface_wl_registry) {
		if (is(msg->name, "global")) {
			return registry_global(conn, values, bytes, hdr->size);
		}
		if (is(msg->name, "global_remove")) {
			struct advertised_global *global = find_global(conn, values[0].u);
			if (!global) {
				return POLICY_DROP;
			}
			global->removed = true;
		}
		return POLICY_FORWARD;
	}
	if (target->iface == &wire_iface_wl_display && is(msg->name, "delete_id")) {
		uint32_t id = values[0].u;
		if (id < WIRE_SERVER_ID_START) {
			obj_map_free(&conn->objects, id);
		}
		return POLICY_FORWARD;
	}
	if (msg->new_id_arg >= 0) {
		const struct wire_arg *arg = &msg->args[msg->new_id_arg];
		uint32_t id = values[msg->new_id_arg].u;
		if (id < WIRE_SERVER_ID_START || !arg->interface ||
				!obj_map_insert(&conn->objects, id, arg->interface, target->version,
						UINT32_MAX)) {
			conn_fail(conn, DISPLAY_OBJECT_ID, DISPLAY_ERROR_IMPLEMENTATION,
					"the compositor sent an invalid new id %u", id);
			return POLICY_FAIL;
		}
	}
	if (msg->destructor) {
		obj_map_zombie(&conn->objects, hdr->object);
	}
	return POLICY_FORWARD;
}
