// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "guard_client.h"
#include "process.h"
#include "server.h"
#include "transfer_machine.h"

struct pending {
	struct wl_list link; /* guard_client.pending, oldest first */
	uint32_t id;
	/* An answer is never longer: the policy's size cap for a sanitised
	 * content (a re-encoded image may be longer than what was offered, never
	 * than the cap), nothing for an audit line. */
	uint32_t answer_max;
	guard_reply_fn reply;
	void *data;
	uint64_t deadline_ms;
};

struct guard_client {
	struct strata_server *server;
	struct process *process;
	int fd; /* our end of the socketpair, -1 while the guard is not running */
	struct wl_event_source *source;
	struct wl_event_source *timer; /* the oldest request's deadline */
	struct wl_event_source *idle; /* replies to fail outside guard_client_call */
	struct wl_list pending; /* struct pending.link */
	struct wl_list failed; /* struct pending.link: replied false at the next idle */
	uint8_t *out; /* bytes not written yet */
	size_t out_len, out_cap;
	struct guard_response header; /* the answer being read */
	size_t header_len;
	uint8_t *payload;
	size_t payload_len;
	uint32_t next_id;
};

/* ---- failing ---------------------------------------------------------- */

static void
deliver_failed(struct guard_client *guard)
{
	struct wl_list list;
	wl_list_init(&list);
	wl_list_insert_list(&list, &guard->failed);
	wl_list_init(&guard->failed);
	struct pending *p, *tmp;
	wl_list_for_each_safe(p, tmp, &list, link) {
		wl_list_remove(&p->link);
		p->reply(p->data, p->id, false, NULL, NULL, 0);
		free(p);
	}
}

static void
handle_idle(void *data)
{
	struct guard_client *guard = data;
	guard->idle = NULL;
	deliver_failed(guard);
}

static void
schedule_failed(struct guard_client *guard)
{
	if (!guard->idle && !wl_list_empty(&guard->failed)) {
		guard->idle = wl_event_loop_add_idle(guard->server->event_loop, handle_idle, guard);
	}
}

static void
close_socket(struct guard_client *guard)
{
	if (guard->source) {
		wl_event_source_remove(guard->source);
		guard->source = NULL;
	}
	if (guard->fd >= 0) {
		close(guard->fd);
		guard->fd = -1;
	}
	guard->out_len = 0;
	guard->header_len = 0;
	free(guard->payload);
	guard->payload = NULL;
	guard->payload_len = 0;
	wl_event_source_timer_update(guard->timer, 0);
}

/* The guard is of no more use: stopped (never waited for), every request
 * waiting fails. */
static void
guard_broken(struct guard_client *guard, const char *why)
{
	wlr_log(WLR_ERROR, "clipboard guard: %s; stopping it, nothing crosses levels", why);
	close_socket(guard);
	process_stop(guard->process);
	wl_list_insert_list(guard->failed.prev, &guard->pending);
	wl_list_init(&guard->pending);
	schedule_failed(guard);
}

/* ---- the socket ----------------------------------------------------------- */

static void
arm_timer(struct guard_client *guard)
{
	if (wl_list_empty(&guard->pending)) {
		wl_event_source_timer_update(guard->timer, 0);
		return;
	}
	struct pending *oldest = wl_container_of(guard->pending.next, oldest, link);
	uint64_t now = process_clock_ms();
	int delay = oldest->deadline_ms > now ? (int)(oldest->deadline_ms - now) : 1;
	wl_event_source_timer_update(guard->timer, delay);
}

static bool
flush_out(struct guard_client *guard)
{
	size_t done = 0;
	while (done < guard->out_len) {
		ssize_t n = send(guard->fd, guard->out + done, guard->out_len - done,
				MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			break;
		}
		if (n <= 0) {
			return false;
		}
		done += (size_t)n;
	}
	memmove(guard->out, guard->out + done, guard->out_len - done);
	guard->out_len -= done;
	wl_event_source_fd_update(guard->source,
			WL_EVENT_READABLE | (guard->out_len ? WL_EVENT_WRITABLE : 0));
	return true;
}

/* A whole answer was read: to the oldest request. */
static bool
answer_complete(struct guard_client *guard)
{
	struct pending *p = wl_container_of(guard->pending.next, p, link);
	wl_list_remove(&p->link);
	struct guard_response response = guard->header;
	uint8_t *bytes = guard->payload;
	size_t length = guard->payload_len;
	guard->header_len = 0;
	guard->payload = NULL;
	guard->payload_len = 0;
	arm_timer(guard);
	p->reply(p->data, p->id, true, &response, bytes, length);
	free(p);
	return true;
}

static bool
read_answers(struct guard_client *guard)
{
	for (;;) {
		if (wl_list_empty(&guard->pending)) {
			/* The guard speaks only when asked. */
			char byte;
			ssize_t n = recv(guard->fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
			return n < 0 && (errno == EAGAIN || errno == EINTR);
		}
		struct pending *p = wl_container_of(guard->pending.next, p, link);
		uint8_t *dst;
		size_t want;
		if (guard->header_len < sizeof(guard->header)) {
			dst = (uint8_t *)&guard->header + guard->header_len;
			want = sizeof(guard->header) - guard->header_len;
		} else {
			dst = guard->payload + guard->payload_len;
			want = guard->header.length - guard->payload_len;
		}
		ssize_t n = want ? recv(guard->fd, dst, want, MSG_DONTWAIT) : 0;
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return true;
		}
		if (want && n <= 0) {
			return false;
		}
		if (guard->header_len < sizeof(guard->header)) {
			guard->header_len += (size_t)n;
			if (guard->header_len < sizeof(guard->header)) {
				continue;
			}
			struct guard_response *h = &guard->header;
			if (h->magic != GUARD_IPC_MAGIC || h->id != p->id ||
					h->length > GUARD_HARD_MAX_BYTES ||
					h->length > p->answer_max) {
				return false;
			}
			h->reason[sizeof(h->reason) - 1] = '\0';
			h->sha256[sizeof(h->sha256) - 1] = '\0';
			h->preview[sizeof(h->preview) - 1] = '\0';
			guard->payload = malloc(h->length ? h->length : 1);
			if (!guard->payload) {
				return false;
			}
		} else {
			guard->payload_len += (size_t)n;
		}
		if (guard->payload_len == guard->header.length) {
			answer_complete(guard);
			if (guard->fd < 0) {
				return true; /* a reply's owner ended the guard */
			}
		}
	}
}

static int
handle_socket(int fd, uint32_t mask, void *data)
{
	struct guard_client *guard = data;
	if ((mask & WL_EVENT_WRITABLE) && !flush_out(guard)) {
		guard_broken(guard, "cannot write to it");
		return 0;
	}
	if ((mask & (WL_EVENT_READABLE | WL_EVENT_HANGUP | WL_EVENT_ERROR)) &&
			!read_answers(guard)) {
		guard_broken(guard, "no valid answer");
	}
	return 0;
}

static int
handle_timer(void *data)
{
	struct guard_client *guard = data;
	if (!wl_list_empty(&guard->pending)) {
		guard_broken(guard, "no answer in time");
	}
	return 0;
}

/* ---- the process ---------------------------------------------------------- */

static void
handle_started(void *data, pid_t pid, int socket_fd)
{
	struct guard_client *guard = data;
	close_socket(guard);
	guard->fd = socket_fd;
	if (fcntl(socket_fd, F_SETFL, O_NONBLOCK) < 0) {
		guard_broken(guard, "cannot make its socket non-blocking");
		return;
	}
	guard->source = wl_event_loop_add_fd(guard->server->event_loop, socket_fd,
			WL_EVENT_READABLE, handle_socket, guard);
	if (!guard->source) {
		guard_broken(guard, "cannot watch its socket");
		return;
	}
	wlr_log(WLR_INFO, "clipboard guard started (pid %d)", (int)pid);
}

static void
handle_exited(void *data, pid_t pid, int status)
{
	struct guard_client *guard = data;
	if (guard->fd >= 0 || !wl_list_empty(&guard->pending)) {
		guard_broken(guard, "it exited");
	}
}

struct guard_client *
guard_client_create(struct strata_server *server, const char *program, const char *audit_dir,
		bool allow_images)
{
	struct guard_client *guard = calloc(1, sizeof(*guard));
	if (!guard) {
		return NULL;
	}
	guard->server = server;
	guard->fd = -1;
	wl_list_init(&guard->pending);
	wl_list_init(&guard->failed);
	const char *argv[] = { program, "--log-dir", audit_dir,
		allow_images ? "--allow-images" : NULL, NULL };
	struct process_spec spec = {
		.name = "strata-clipboard-guard",
		.argv = argv,
		.output_fd = STDERR_FILENO,
		.socket_target = 3,
		.restart = PROCESS_RESTART_ON_DEMAND,
	};
	static const struct process_events events = {
		.started = handle_started,
		.exited = handle_exited,
	};
	guard->timer = wl_event_loop_add_timer(server->event_loop, handle_timer, guard);
	guard->process = process_create(server->supervisor, &spec, &events, guard);
	if (!guard->timer || !guard->process) {
		guard_client_destroy(guard);
		return NULL;
	}
	/* Started now, so that it is ready when the user first needs it. */
	process_start(guard->process);
	return guard;
}

void
guard_client_destroy(struct guard_client *guard)
{
	if (!guard) {
		return;
	}
	/* No reply reaches anyone any more: the owners are going away. */
	struct pending *p, *tmp;
	wl_list_for_each_safe(p, tmp, &guard->pending, link) {
		wl_list_remove(&p->link);
		free(p);
	}
	wl_list_for_each_safe(p, tmp, &guard->failed, link) {
		wl_list_remove(&p->link);
		free(p);
	}
	if (guard->idle) {
		wl_event_source_remove(guard->idle);
	}
	close_socket(guard);
	/* EOF on its socket ends it; the supervisor insists if it must. */
	process_destroy(guard->process);
	if (guard->timer) {
		wl_event_source_remove(guard->timer);
	}
	free(guard->out);
	free(guard);
}

bool
guard_client_call(struct guard_client *guard, struct guard_request *req, const uint8_t *payload,
		size_t length, guard_reply_fn reply, void *data)
{
	if (!guard || !reply || length > GUARD_HARD_MAX_BYTES) {
		return false;
	}
	struct pending *p = calloc(1, sizeof(*p));
	size_t need = guard->out_len + sizeof(*req) + length;
	if (!p) {
		return false;
	}
	if (need > guard->out_cap) {
		uint8_t *out = realloc(guard->out, need);
		if (!out) {
			free(p);
			return false;
		}
		guard->out = out;
		guard->out_cap = need;
	}
	req->magic = GUARD_IPC_MAGIC;
	req->version = GUARD_IPC_VERSION;
	req->id = ++guard->next_id;
	req->length = (uint32_t)length;
	*p = (struct pending){
		.id = req->id,
		.answer_max = req->type == GUARD_REQ_SANITISE ? req->max_bytes : 0,
		.reply = reply,
		.data = data,
		.deadline_ms = process_clock_ms() + TRANSFER_GUARD_TIMEOUT_MS,
	};
	if (guard->fd < 0) {
		/* Its start calls handle_started at once, which gives the socket. */
		process_start(guard->process);
	}
	if (guard->fd < 0) {
		/* Not running and cannot be started: it fails, but later. */
		wl_list_insert(guard->failed.prev, &p->link);
		schedule_failed(guard);
		return true;
	}
	memcpy(guard->out + guard->out_len, req, sizeof(*req));
	if (length) {
		memcpy(guard->out + guard->out_len + sizeof(*req), payload, length);
	}
	guard->out_len = need;
	wl_list_insert(guard->pending.prev, &p->link);
	if (!flush_out(guard)) {
		guard_broken(guard, "cannot write to it");
		return true;
	}
	arm_timer(guard);
	return true;
}
