/* SPDX-License-Identifier: MIT */
#ifndef CAGE_PROXY_PROXY_H
#define CAGE_PROXY_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "common/log.h" /* strata_log(), one write per line */
#include "protocol.h"
#include "wire.h"

/*
 * strata-cage-proxy: one process per cage, one upstream connection per
 * client. Every message in both directions is parsed against the generated
 * schema and checked against the object map and the policy before its bytes
 * are forwarded unchanged; anything that fails ends that client with a
 * wl_display.error. Single-threaded, epoll, no allocation per message.
 */

struct proxy_limits {
	uint32_t max_clients; /* connections per cage */
	uint32_t max_objects; /* live objects per client, both id ranges */
	uint32_t max_fds_in_flight; /* fds queued in one direction of one client */
	uint64_t max_shm_bytes; /* sum of pool sizes one client declared */
	uint32_t max_toplevels; /* xdg_toplevels one client may have */
	uint32_t max_messages_per_second; /* sustained request rate */
	uint32_t max_string; /* bytes of one string argument */
	/* xdg_activation_v1.get_activation_token: a burst of this many, then
	 * one more per activation_token_interval_ms */
	uint32_t activation_token_burst;
	uint32_t activation_token_interval_ms;
	size_t client_buffer_bytes; /* events queued for a slow client before it is cut */
};

void proxy_limits_defaults(struct proxy_limits *limits);

/* ---- object map (objects.c) ------------------------------------------ */

enum obj_state {
	OBJ_FREE = 0,
	OBJ_LIVE,
	OBJ_ZOMBIE, /* destroyed, waiting for delete_id (client ids) or reuse (server ids) */
};

struct obj_entry {
	const struct wire_interface *iface;
	uint32_t version;
	uint8_t state;
	uint32_t aux; /* per-interface: a wl_shm_pool's declared size */
};

struct obj_range {
	struct obj_entry *entries;
	uint32_t count; /* slots in use up to here; the next new id is count (+base) */
	uint32_t capacity;
};

struct obj_map {
	struct obj_range client; /* ids 1 .. 0xfeffffff (slot = id) */
	struct obj_range server; /* ids 0xff000000 .. (slot = id - base) */
	uint32_t live; /* LIVE + ZOMBIE entries, both ranges */
};

bool obj_map_init(struct obj_map *map);
void obj_map_finish(struct obj_map *map);
/* NULL for an id that is not LIVE or ZOMBIE. */
struct obj_entry *obj_map_get(struct obj_map *map, uint32_t id);
/*
 * Registers a new object. A client id must be the next one or a free slot
 * below it (libwayland refuses gaps and ids in use); server ids likewise in
 * their range, where a zombie slot may be reused. false: refused.
 */
bool obj_map_insert(struct obj_map *map, uint32_t id, const struct wire_interface *iface,
		uint32_t version, uint32_t max_objects);
void obj_map_zombie(struct obj_map *map, uint32_t id);
void obj_map_free(struct obj_map *map, uint32_t id);

/* ---- connections (conn.c) --------------------------------------------- */

#define PROXY_IN_BYTES (2 * WIRE_MESSAGE_MAX)
#define PROXY_UPSTREAM_OUT_BYTES (64 * 1024)
#define PROXY_FD_QUEUE 256
#define PROXY_MAX_GLOBALS 128
#define PROXY_MAX_REGISTRIES 64

struct fd_slot {
	int fd;
	size_t offset; /* in the output buffer: the byte its message starts at */
};

/* One direction of one client: bytes and fds read from `from`, checked,
 * queued for `to`. */
struct flow {
	int from_fd;
	uint8_t in[PROXY_IN_BYTES];
	size_t in_len;
	int in_fds[PROXY_FD_QUEUE];
	size_t in_fd_count;

	uint8_t *out; /* capacity out_cap */
	size_t out_start, out_end, out_cap;
	struct fd_slot out_fds[PROXY_FD_QUEUE];
	size_t out_fd_start, out_fd_count;
};

struct advertised_global {
	uint32_t name;
	const struct wire_interface *iface;
	uint32_t version; /* capped */
	bool removed;
};

struct proxy;

struct endpoint {
	struct proxy_conn *conn;
	bool is_client;
	uint32_t events; /* what epoll watches now, to skip needless updates */
};

struct proxy_conn {
	struct proxy *proxy;
	uint32_t id;
	pid_t pid; /* of the client, for logs */
	int client_fd, upstream_fd;
	struct endpoint client_ep, upstream_ep;
	struct flow c2s; /* requests: client -> compositor */
	struct flow s2c; /* events: compositor -> client */
	struct obj_map objects;
	struct advertised_global globals[PROXY_MAX_GLOBALS];
	size_t global_count;
	uint64_t shm_bytes;
	uint32_t toplevels;
	uint32_t registries; /* wl_display.get_registry calls */
	/* token bucket for the request rate */
	double tokens;
	uint64_t tokens_at_ms;
	/* the same for xdg-activation tokens */
	double activation_tokens;
	uint64_t activation_tokens_at_ms;
	bool reading_client; /* false while the compositor is slow */
	bool closing; /* error sent: flush to the client, then close */
	bool dead; /* destroyed: freed after the current epoll batch */
	struct proxy_conn *next;
};

struct proxy {
	int epoll_fd;
	int listen_fd;
	const char *upstream_path; /* connect() path (inside the sandbox) */
	const char *level; /* for logs */
	struct proxy_limits limits;
	struct proxy_conn *conns;
	struct proxy_conn *graveyard; /* dead, freed after each epoll batch */
	uint32_t conn_count;
	uint32_t next_id;
	bool running;
	bool single; /* one connection, given: ends with it (no listening socket) */
	/* fds: what may be parked in all queues together, and a spare one so
	 * that an exhausted proxy can still accept and close (never spin) */
	size_t fd_budget;
	int spare_fd;
	uint64_t emfile_count;
	/* connections refused beyond max_clients: logged at most once a second */
	uint64_t refused_unlogged;
	uint64_t refusal_logged_ms;
	bool refusal_logged;
	uint64_t now_ms; /* read once per epoll batch (the rate limiter's clock) */
	/* counters for tests and benchmarks */
	uint64_t messages, refusals;
};

/* Accepted client: connects its own upstream to the level's socket. */
struct proxy_conn *conn_create(struct proxy *proxy, int client_fd);
/* The same with an upstream the caller connected (tests, fuzzing). On
 * failure the caller keeps both fds. */
struct proxy_conn *conn_create_with_upstream(struct proxy *proxy, int client_fd, int upstream_fd);
/* fds the proxy holds in all connections' queues. */
size_t proxy_parked_fds(struct proxy *proxy);

/* Closes everything now; the memory goes at the end of the epoll batch. */
void conn_destroy(struct proxy_conn *conn);
void conn_free_dead(struct proxy *proxy);
/* epoll told us about an endpoint. */
void conn_handle_event(struct endpoint *ep, uint32_t events);
/*
 * Ends the client: a wl_display.error (object, code, message) goes to it,
 * nothing more is forwarded, and both sockets close once it is flushed.
 */
void conn_fail(struct proxy_conn *conn, uint32_t object, uint32_t code, const char *fmt, ...)
		__attribute__((format(printf, 4, 5)));

/* ---- policy (policy.c) ------------------------------------------------ */

/*
 * Checks one parsed message. Requests (from_client): object state, version,
 * object arguments, new ids, registry binds, fd kinds, limits. Events: new
 * ids, deletions, registry filtering. Returns:
 */
enum policy_verdict {
	POLICY_FORWARD,
	POLICY_DROP, /* swallow it (a hidden global's announcement) */
	POLICY_FAIL, /* conn_fail was called */
};

enum policy_verdict policy_request(struct proxy_conn *conn, const struct wire_header *hdr,
		struct obj_entry *target, const struct wire_message *msg, struct wire_value *values,
		const int *fds, uint8_t *bytes);
enum policy_verdict policy_event(struct proxy_conn *conn, const struct wire_header *hdr,
		struct obj_entry *target, const struct wire_message *msg, struct wire_value *values,
		uint8_t *bytes);

/* ---- the loop (server.c) ----------------------------------------------- */

bool proxy_init(struct proxy *proxy, int listen_fd, const char *upstream_path, const char *level,
		const struct proxy_limits *limits);
/* The one connection of a proxy without a listening socket (listen_fd -1 at
 * proxy_init): the client's socket and the compositor's, already connected
 * (a level's Xwayland and its socketpair to strata); proxy_run returns once
 * it ends. */
bool proxy_add_connection(struct proxy *proxy, int client_fd, int upstream_fd);
void proxy_run(struct proxy *proxy);
void proxy_finish(struct proxy *proxy);

#endif
