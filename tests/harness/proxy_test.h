/* SPDX-License-Identifier: MIT */
#ifndef TESTS_PROXY_TEST_H
#define TESTS_PROXY_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "strata_test.h"

/*
 * The real strata-cage-proxy ($STRATA_PROXY_BIN) in front of a level socket
 * of a session started with session_start(), sandboxed as in production
 * (chroot next to the level socket, seccomp), and clients run through it.
 *
 * A proxy belongs to its session: the session's reaper kills it should the
 * test die, and proxy_stop() must be called before session_stop(). Clients
 * spawned through it are the session's clients (session_kill_client(),
 * session_wait_client_exit(), session_client_log() all work on them).
 */

struct strata_proxy {
	struct strata_session *session;
	pid_t pid;
	bool exited;
	int exit_status; /* waitpid status once exited */
	char level[32];
	char socket[256]; /* what clients connect to: <session dir>/proxy-<level> */
	char upstream[256]; /* the level socket, hard-linked into the session directory */
	char log[300]; /* the proxy's stdout and stderr */
	char config[300]; /* "" without a config file */
	char sandbox_dir[300]; /* cage-proxy-<level>-<pid>, next to the upstream */
};

/*
 * Starts a proxy for level with `[proxy]` etc. from config_text (NULL: the
 * built-in limits) and waits up to 10 s for "strata-cage-proxy: ready".
 * Fails the test if it does not get there.
 */
struct strata_proxy *proxy_start(struct strata_session *s, const char *level,
		const char *config_text);
/* The same with an RLIMIT_NOFILE for the proxy (0: inherit ours), as a
 * supervisor that does not raise the default 1024 would leave it. */
struct strata_proxy *proxy_start_with_fd_limit(struct strata_session *s, const char *level,
		const char *config_text, unsigned fd_limit);
/* A proxy in front of any upstream socket (the core socket, a fake
 * compositor of the test's), served as level `name` (its logs and paths). */
struct strata_proxy *proxy_start_on_upstream(struct strata_session *s, const char *name,
		const char *upstream, const char *config_text);
/* SIGTERM, wait; the proxy must exit with status 0. Removes the sandbox
 * directory and the socket, frees p. Fails the test (after cleaning up) on a
 * bad exit. */
void proxy_stop(struct strata_proxy *p);
/* Still running (reaps it if it is not). */
bool proxy_running(struct strata_proxy *p);
bool proxy_log_contains(struct strata_proxy *p, const char *needle);
/* Waits until the log contains needle; false on timeout. */
bool proxy_wait_log(struct strata_proxy *p, const char *needle, int timeout_ms);
/* The proxy refused nobody: no "ended:", "cut:" or "refused" line. Fails the
 * test with the log's tail otherwise. */
void proxy_assert_no_refusal(struct strata_proxy *p);
void proxy_dump_log(struct strata_proxy *p, int lines);

/*
 * A client with WAYLAND_DISPLAY set to the proxy's socket, in the same
 * environment session_spawn_client() gives (own session, private
 * XDG_RUNTIME_DIR and HOME, stdout+stderr to a log).
 */
pid_t proxy_spawn_client(struct strata_proxy *p, char *const argv[]);
/* The same on an arbitrary socket path (direct runs in differential tests
 * use session_spawn_client). */
pid_t proxy_spawn_client_on(struct strata_session *s, const char *socket, const char *tag,
		char *const argv[]);

/*
 * Runs the proxy with extra arguments expected to make it refuse to start
 * (no --listen/--upstream/--level added: args is the whole command line
 * after argv[0]); returns its waitpid status and its output (malloc'd).
 */
int proxy_run_to_exit(struct strata_session *s, const char *const args[], int timeout_ms,
		char **output);

/* ---- raw Wayland wire clients (attack tests) ---------------------------- */

#define RAW_WIRE_MAX_GLOBALS 64

/* Messages under construction, several back to back; host byte order. */
struct wire_msg {
	uint8_t data[16384];
	size_t len;
	size_t start; /* of the message begun last */
};

void wire_msg_reset(struct wire_msg *m);
void wire_msg_begin(struct wire_msg *m, uint32_t object, uint16_t opcode);
/* A whole request whose one argument is the new object's id. */
void wire_msg_new_id(struct wire_msg *m, uint32_t object, uint16_t opcode, uint32_t id);
void wire_msg_u32(struct wire_msg *m, uint32_t v);
void wire_msg_string(struct wire_msg *m, const char *s); /* NULL: a null string */
/* Writes the real size of the message begun last into its header. */
void wire_msg_end(struct wire_msg *m);
/* Writes any size (a lie) into the header of the message begun last. */
void wire_msg_set_size(struct wire_msg *m, uint16_t size);

struct raw_wire_global {
	uint32_t name, version;
	char interface[96];
};

struct raw_wire {
	int fd;
	uint32_t next_id; /* the next client new id */
	uint8_t in[65536];
	size_t in_len;
	bool eof;
	/* what the events said */
	bool got_error;
	uint32_t error_object, error_code;
	char error_text[600];
	struct raw_wire_global globals[RAW_WIRE_MAX_GLOBALS];
	int global_count;
	uint32_t registry, compositor, shm, wm_base, seat, data_device_manager;
	uint32_t pending_callback; /* a sync sent, not answered yet (0: none) */
	uint32_t xdg_surface;
	uint32_t configure_serial; /* 0 until the first configure */
	uint32_t keyboard_enter_serial; /* 0 until focus */
	uint32_t data_device;
	uint32_t last_offer; /* the newest wl_data_offer */
	uint32_t selection_offer; /* the offer of the last selection event (0: none) */
	char last_offer_mime[64];
	uint64_t bytes_read, events_read;
};

/* Connects to a socket path; NULL on failure. */
struct raw_wire *raw_wire_connect(const char *path);
void raw_wire_close(struct raw_wire *w); /* NULL safe */
uint32_t raw_wire_new_id(struct raw_wire *w);
/*
 * Sends the bytes of m with fds attached (one sendmsg when it fits), without
 * blocking for longer than timeout_ms in all. Returns the bytes sent; it
 * stops early when the peer hung up or stopped reading.
 */
size_t raw_wire_send(struct raw_wire *w, const struct wire_msg *m, const int *fds, size_t nfds,
		int timeout_ms);
/* get_registry + sync, binds wl_compositor, wl_shm, xdg_wm_base, wl_seat and
 * wl_data_device_manager when offered; false on error or timeout. */
bool raw_wire_handshake(struct raw_wire *w, int timeout_ms);
const struct raw_wire_global *raw_wire_find_global(struct raw_wire *w, const char *interface);
/* Reads and handles events until the sync sent now is answered. */
bool raw_wire_roundtrip(struct raw_wire *w, int timeout_ms);
/* Reads and handles what has arrived, without waiting. */
void raw_wire_read_available(struct raw_wire *w);
/* Reads and handles events for timeout_ms or until cond(w) holds. */
bool raw_wire_dispatch_until(struct raw_wire *w, bool (*cond)(struct raw_wire *w), int timeout_ms);

enum raw_wire_outcome {
	RAW_WIRE_ERROR, /* a wl_display.error arrived (error_text holds it) */
	RAW_WIRE_EOF, /* disconnected without an error */
	RAW_WIRE_ALIVE, /* neither within the timeout */
};
/* Reads everything until an error event or EOF (and then on to EOF). */
enum raw_wire_outcome raw_wire_wait_end(struct raw_wire *w, int timeout_ms);
const char *raw_wire_outcome_str(enum raw_wire_outcome outcome);

/* A 64x64 toplevel, mapped (configure acked, buffer attached); needs the
 * handshake's globals. false on error or timeout. */
bool raw_wire_map_window(struct raw_wire *w, int timeout_ms);

#endif
