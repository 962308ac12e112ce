// SPDX-License-Identifier: MIT
/*
 * One client: its socket, its own upstream connection to the level's
 * compositor socket, and the two flows between them. Bytes are read into a
 * fixed buffer, each complete message is parsed and checked, and only then
 * copied unchanged to the other side's output buffer, with its fds attached
 * to the sendmsg that carries its first byte (or an earlier one).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "proxy.h"

#define UPSTREAM_HIGH_WATER (PROXY_UPSTREAM_OUT_BYTES - WIRE_MESSAGE_MAX)

static void
endpoint_update(struct proxy_conn *conn, bool client)
{
	int fd = client ? conn->client_fd : conn->upstream_fd;
	if (fd < 0) {
		return;
	}
	struct flow *out = client ? &conn->s2c : &conn->c2s;
	uint32_t events = EPOLLRDHUP;
	if (client ? (conn->reading_client && !conn->closing) : !conn->closing) {
		events |= EPOLLIN;
	}
	if (out->out_end > out->out_start) {
		events |= EPOLLOUT;
	}
	struct endpoint *ep = client ? &conn->client_ep : &conn->upstream_ep;
	if (ep->events == events) {
		return; /* a system call per event saved */
	}
	ep->events = events;
	struct epoll_event ev = { .events = events, .data.ptr = ep };
	epoll_ctl(conn->proxy->epoll_fd, EPOLL_CTL_MOD, fd, &ev);
}

static void
close_fds(int *fds, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		close(fds[i]);
	}
}

static void
flow_finish(struct flow *flow)
{
	close_fds(flow->in_fds, flow->in_fd_count);
	flow->in_fd_count = 0;
	for (size_t i = 0; i < flow->out_fd_count; i++) {
		close(flow->out_fds[(flow->out_fd_start + i) % PROXY_FD_QUEUE].fd);
	}
	flow->out_fd_count = 0;
	free(flow->out);
	flow->out = NULL;
}

static void
close_upstream(struct proxy_conn *conn)
{
	if (conn->upstream_fd >= 0) {
		epoll_ctl(conn->proxy->epoll_fd, EPOLL_CTL_DEL, conn->upstream_fd, NULL);
		close(conn->upstream_fd);
		conn->upstream_fd = -1;
	}
}

void
conn_destroy(struct proxy_conn *conn)
{
	if (conn->dead) {
		return;
	}
	struct proxy *proxy = conn->proxy;
	for (struct proxy_conn **p = &proxy->conns; *p; p = &(*p)->next) {
		if (*p == conn) {
			*p = conn->next;
			break;
		}
	}
	proxy->conn_count--;
	close_upstream(conn);
	if (conn->client_fd >= 0) {
		epoll_ctl(proxy->epoll_fd, EPOLL_CTL_DEL, conn->client_fd, NULL);
		close(conn->client_fd);
		conn->client_fd = -1;
	}
	flow_finish(&conn->c2s);
	flow_finish(&conn->s2c);
	obj_map_finish(&conn->objects);
	conn->dead = true;
	conn->next = proxy->graveyard;
	proxy->graveyard = conn;
}

void
conn_free_dead(struct proxy *proxy)
{
	while (proxy->graveyard) {
		struct proxy_conn *conn = proxy->graveyard;
		proxy->graveyard = conn->next;
		free(conn);
	}
}

/* Makes room for len more bytes in the output buffer; false if it would
 * pass limit. */
static bool
out_reserve(struct flow *flow, size_t len, size_t limit)
{
	if (flow->out_end + len <= flow->out_cap) {
		return true;
	}
	if (flow->out_start > 0) {
		size_t used = flow->out_end - flow->out_start;
		memmove(flow->out, flow->out + flow->out_start, used);
		for (size_t i = 0; i < flow->out_fd_count; i++) {
			flow->out_fds[(flow->out_fd_start + i) % PROXY_FD_QUEUE].offset -=
					flow->out_start;
		}
		flow->out_start = 0;
		flow->out_end = used;
		if (flow->out_end + len <= flow->out_cap) {
			return true;
		}
	}
	size_t cap = flow->out_cap;
	while (cap < flow->out_end + len) {
		cap *= 2;
	}
	if (cap > limit) {
		return false;
	}
	uint8_t *out = realloc(flow->out, cap);
	if (!out) {
		return false;
	}
	flow->out = out;
	flow->out_cap = cap;
	return true;
}

static void
out_append(struct flow *flow, const uint8_t *bytes, size_t len, const int *fds, size_t fd_count)
{
	size_t offset = flow->out_end;
	memcpy(flow->out + offset, bytes, len);
	flow->out_end += len;
	for (size_t i = 0; i < fd_count; i++) {
		size_t slot = (flow->out_fd_start + flow->out_fd_count) % PROXY_FD_QUEUE;
		flow->out_fds[slot] = (struct fd_slot){ .fd = fds[i], .offset = offset };
		flow->out_fd_count++;
	}
}

void
conn_fail(struct proxy_conn *conn, uint32_t object, uint32_t code, const char *fmt, ...)
{
	if (conn->closing) {
		return;
	}
	char reason[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	strata_log(STRATA_INFO, "level %s: client %u (pid %d) ended: %s", conn->proxy->level,
			conn->id, (int)conn->pid, reason);
	conn->proxy->refusals++;

	char text[600];
	snprintf(text, sizeof(text), "cage-proxy: %s", reason);
	uint8_t msg[WIRE_DISPLAY_ERROR_MAX];
	uint32_t size = (uint32_t)wire_display_error(msg, object, code, text);
	/* The events already checked go first; then the error. */
	if (out_reserve(&conn->s2c, size, conn->proxy->limits.client_buffer_bytes + size)) {
		out_append(&conn->s2c, msg, size, NULL, 0);
	}
	conn->closing = true;
	close_upstream(conn);
	close_fds(conn->c2s.in_fds, conn->c2s.in_fd_count);
	conn->c2s.in_fd_count = 0;
	conn->c2s.in_len = 0;
}

/* Takes fd_count fds from the head of the input fd queue. */
static void
take_fds(struct flow *flow, int *out, size_t fd_count)
{
	memcpy(out, flow->in_fds, fd_count * sizeof(int));
	memmove(flow->in_fds, flow->in_fds + fd_count,
			(flow->in_fd_count - fd_count) * sizeof(int));
	flow->in_fd_count -= fd_count;
}

/*
 * Checks and forwards every complete message in the flow's input. Returns
 * false when the connection was destroyed.
 */
static void
process_flow(struct proxy_conn *conn, bool from_client)
{
	struct proxy *proxy = conn->proxy;
	struct flow *flow = from_client ? &conn->c2s : &conn->s2c;
	size_t pos = 0;
	while (!conn->closing) {
		struct wire_header hdr;
		enum wire_status status =
				wire_read_header(flow->in + pos, flow->in_len - pos, &hdr);
		if (status == WIRE_INCOMPLETE) {
			break;
		}
		if (status != WIRE_OK) {
			conn_fail(conn, 1, 1, "%s: %s", from_client ? "request" : "event",
					wire_status_str(status));
			return;
		}
		struct obj_entry *target = obj_map_get(&conn->objects, hdr.object);
		const struct wire_message *msg;
		if (from_client) {
			if (!target || target->state != OBJ_LIVE) {
				conn_fail(conn, 1, 0, "request to object %u, which does not exist",
						hdr.object);
				return;
			}
			if (hdr.opcode >= target->iface->request_count) {
				conn_fail(conn, hdr.object, 1, "%s has no request %u",
						target->iface->name, hdr.opcode);
				return;
			}
			msg = &target->iface->requests[hdr.opcode];
			if (msg->since > target->version) {
				conn_fail(conn, hdr.object, 1,
						"%s.%s needs version %u, object has %u",
						target->iface->name, msg->name, msg->since,
						target->version);
				return;
			}
		} else {
			if (!target || hdr.opcode >= target->iface->event_count) {
				conn_fail(conn, 1, 3,
						"the compositor sent an event the proxy cannot parse");
				return;
			}
			msg = &target->iface->events[hdr.opcode];
		}
		struct wire_value values[WIRE_MAX_ARGS];
		status = wire_parse_args(msg, flow->in + pos + WIRE_HEADER_SIZE,
				hdr.size - WIRE_HEADER_SIZE, values, proxy->limits.max_string);
		if (status != WIRE_OK) {
			conn_fail(conn, hdr.object, 1, "%s.%s: %s", target->iface->name, msg->name,
					wire_status_str(status));
			return;
		}
		if (flow->in_fd_count < msg->fd_count) {
			conn_fail(conn, hdr.object, 1, "%s.%s: file descriptor expected",
					target->iface->name, msg->name);
			return;
		}
		struct flow *out = from_client ? &conn->c2s : &conn->s2c;
		if (from_client && out->out_end - out->out_start > UPSTREAM_HIGH_WATER) {
			/* The compositor is slow: stop reading this client until it drains. */
			conn->reading_client = false;
			break;
		}
		int fds[WIRE_MAX_FDS_PER_MESSAGE];
		const int *head_fds = flow->in_fds;
		enum policy_verdict verdict = from_client ?
				policy_request(conn, &hdr, target, msg, values, head_fds,
						flow->in + pos) :
				policy_event(conn, &hdr, target, msg, values, flow->in + pos);
		if (verdict == POLICY_FAIL) {
			return;
		}
		take_fds(flow, fds, msg->fd_count);
		proxy->messages++;
		if (verdict == POLICY_DROP) {
			close_fds(fds, msg->fd_count);
		} else {
			size_t limit = from_client ? PROXY_UPSTREAM_OUT_BYTES :
						     proxy->limits.client_buffer_bytes;
			if (out->out_fd_count + msg->fd_count > PROXY_FD_QUEUE ||
					!out_reserve(out, hdr.size, limit)) {
				close_fds(fds, msg->fd_count);
				if (from_client) {
					conn_fail(conn, 1, 2, "too much queued for the compositor");
				} else {
					/* It does not read its events: it cannot read an error
					 * either. */
					strata_log(STRATA_INFO,
							"level %s: client %u (pid %d) cut: it does not read its events",
							proxy->level, conn->id, (int)conn->pid);
					conn->closing = true;
					conn->s2c.out_start = conn->s2c.out_end = 0;
					close_upstream(conn);
				}
				return;
			}
			out_append(out, flow->in + pos, hdr.size, fds, msg->fd_count);
		}
		pos += hdr.size;
	}
	if (pos > 0) {
		memmove(flow->in, flow->in + pos, flow->in_len - pos);
		flow->in_len -= pos;
	}
}

/* Reads what the socket has; false on EOF or error. */
static bool
read_flow(struct proxy_conn *conn, bool from_client)
{
	struct flow *flow = from_client ? &conn->c2s : &conn->s2c;
	int fd = from_client ? conn->client_fd : conn->upstream_fd;
	size_t space = sizeof(flow->in) - flow->in_len;
	if (space == 0) {
		return true;
	}
	struct iovec iov = { .iov_base = flow->in + flow->in_len, .iov_len = space };
	/* Room for exactly libwayland's 28 fds: more is MSG_CTRUNC, and fatal. */
	union {
		char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS_PER_MESSAGE)];
		struct cmsghdr align;
	} control;
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		return errno == EAGAIN || errno == EINTR;
	}
	size_t received_fds = 0;
	size_t parked = proxy_parked_fds(conn->proxy);
	bool over_budget = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const int *fds = (const int *)CMSG_DATA(c);
		for (size_t i = 0; i < count; i++) {
			if (parked + i >= conn->proxy->fd_budget) {
				over_budget = true;
				close(fds[i]);
			} else if (flow->in_fd_count < conn->proxy->limits.max_fds_in_flight &&
					flow->in_fd_count < PROXY_FD_QUEUE) {
				flow->in_fds[flow->in_fd_count++] = fds[i];
			} else {
				close(fds[i]);
				received_fds = SIZE_MAX;
			}
		}
		if (received_fds != SIZE_MAX) {
			received_fds += count;
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		/* More than libwayland's 28 in one sendmsg, or the proxy itself is
		 * out of fds: either way some were lost, so the stream is broken. */
		conn_fail(conn, 1, 1,
				"more than %d fds in one batch, or none left to the proxy "
				"(truncated)",
				WIRE_MAX_FDS_PER_MESSAGE);
		return true;
	}
	if (over_budget) {
		conn_fail(conn, 1, 2, "the cage holds more than %zu fds in the proxy",
				conn->proxy->fd_budget);
		return true;
	}
	if (received_fds == SIZE_MAX) {
		conn_fail(conn, 1, 2, "more than %u fds in flight",
				conn->proxy->limits.max_fds_in_flight);
		return true;
	}
	if (n == 0) {
		return false;
	}
	flow->in_len += (size_t)n;
	return true;
}

/* Sends what is queued toward one side; returns false on a dead peer. */
static bool
flush_flow(struct proxy_conn *conn, bool to_client)
{
	struct flow *flow = to_client ? &conn->s2c : &conn->c2s;
	int fd = to_client ? conn->client_fd : conn->upstream_fd;
	if (fd < 0) {
		return true;
	}
	while (flow->out_end > flow->out_start) {
		size_t end = flow->out_end;
		int fds[WIRE_MAX_FDS_PER_MESSAGE];
		size_t fd_count = 0;
		for (size_t i = 0; i < flow->out_fd_count; i++) {
			struct fd_slot *slot =
					&flow->out_fds[(flow->out_fd_start + i) % PROXY_FD_QUEUE];
			if (slot->offset >= end) {
				break;
			}
			if (fd_count == WIRE_MAX_FDS_PER_MESSAGE) {
				/* At most 28 per sendmsg: the rest go with their own message. */
				end = slot->offset;
				break;
			}
			fds[fd_count++] = slot->fd;
		}
		struct iovec iov = { .iov_base = flow->out + flow->out_start,
			.iov_len = end - flow->out_start };
		union {
			char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS_PER_MESSAGE)];
			struct cmsghdr align;
		} control;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (fd_count > 0) {
			mh.msg_control = control.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * fd_count);
		}
		ssize_t n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				break;
			}
			return false;
		}
		close_fds(fds, fd_count);
		flow->out_fd_start = (flow->out_fd_start + fd_count) % PROXY_FD_QUEUE;
		flow->out_fd_count -= fd_count;
		flow->out_start += (size_t)n;
	}
	if (flow->out_start == flow->out_end) {
		flow->out_start = flow->out_end = 0;
	}
	return true;
}

/*
 * Sends what is queued both ways, resumes a client that waited for the
 * compositor, and ends a closing connection once its last bytes are out.
 */
static void
conn_flush_all(struct proxy_conn *conn)
{
	for (int round = 0; round < 2; round++) {
		if (!conn->closing && !flush_flow(conn, false)) {
			/* The compositor went away: pass on what it said, then close. */
			conn->closing = true;
			close_upstream(conn);
		}
		if (conn->closing || conn->reading_client ||
				conn->c2s.out_end - conn->c2s.out_start > UPSTREAM_HIGH_WATER / 2) {
			break;
		}
		/* The compositor caught up: go on with what the client sent. */
		conn->reading_client = true;
		process_flow(conn, true);
	}
	if (!flush_flow(conn, true)) {
		conn_destroy(conn);
		return;
	}
	if (conn->closing && conn->s2c.out_end == conn->s2c.out_start) {
		conn_destroy(conn);
		return;
	}
	endpoint_update(conn, true);
	endpoint_update(conn, false);
}

void
conn_handle_event(struct endpoint *ep, uint32_t events)
{
	struct proxy_conn *conn = ep->conn;
	bool from_client = ep->is_client;
	if (conn->dead) {
		return;
	}
	if ((events & EPOLLIN) && from_client && !conn->closing) {
		/*
		 * Before taking more requests, take what the compositor already
		 * answered: libwayland ends a client whose socket it cannot write
		 * to, so the compositor's side must never wait on the proxy.
		 */
		for (int round = 0; round < 8 && conn->upstream_fd >= 0 && !conn->closing;
				round++) {
			size_t before = conn->s2c.in_len;
			if (!read_flow(conn, false)) {
				break; /* EOF: handled when epoll reports it */
			}
			if (conn->s2c.in_len == before) {
				break; /* nothing more to read now */
			}
			process_flow(conn, false);
		}
		if (conn->dead || conn->closing) {
			conn_flush_all(conn);
			return;
		}
	}
	if (events & EPOLLIN) {
		if (!read_flow(conn, from_client)) {
			if (from_client) {
				conn_destroy(conn);
				return;
			}
			/* The compositor closed: forward what was checked, then close. */
			strata_log(STRATA_INFO,
					"level %s: client %u (pid %d): the compositor closed its connection",
					conn->proxy->level, conn->id, (int)conn->pid);
			process_flow(conn, false);
			conn->closing = true;
			close_upstream(conn);
		} else {
			process_flow(conn, from_client);
		}
		conn_flush_all(conn);
		return;
	}
	if (events & EPOLLOUT) {
		conn_flush_all(conn);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
		if (from_client) {
			conn_destroy(conn);
			return;
		}
		conn->closing = true;
		close_upstream(conn);
		conn_flush_all(conn);
	}
}

struct proxy_conn *
conn_create_with_upstream(struct proxy *proxy, int client_fd, int upstream_fd)
{
	struct proxy_conn *conn = calloc(1, sizeof(*conn));
	if (!conn) {
		return NULL;
	}
	conn->proxy = proxy;
	conn->id = ++proxy->next_id;
	conn->client_fd = client_fd;
	conn->upstream_fd = upstream_fd;
	conn->reading_client = true;
	conn->client_ep = (struct endpoint){ .conn = conn,
		.is_client = true,
		.events = EPOLLIN | EPOLLRDHUP };
	conn->upstream_ep = (struct endpoint){ .conn = conn,
		.is_client = false,
		.events = EPOLLIN | EPOLLRDHUP };
	struct ucred cred = { 0 };
	socklen_t cred_len = sizeof(cred);
	if (getsockopt(client_fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0) {
		conn->pid = cred.pid;
	}
	conn->c2s.out_cap = PROXY_UPSTREAM_OUT_BYTES;
	conn->c2s.out = malloc(conn->c2s.out_cap);
	conn->s2c.out_cap = 64 * 1024;
	conn->s2c.out = malloc(conn->s2c.out_cap);
	if (!obj_map_init(&conn->objects) || !conn->c2s.out || !conn->s2c.out ||
			!obj_map_insert(&conn->objects, 1, &wire_iface_wl_display, 1, 1)) {
		goto fail;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &conn->client_ep };
	if (epoll_ctl(proxy->epoll_fd, EPOLL_CTL_ADD, client_fd, &ev) < 0) {
		goto fail;
	}
	ev.data.ptr = &conn->upstream_ep;
	if (epoll_ctl(proxy->epoll_fd, EPOLL_CTL_ADD, upstream_fd, &ev) < 0) {
		epoll_ctl(proxy->epoll_fd, EPOLL_CTL_DEL, client_fd, NULL);
		goto fail;
	}
	conn->next = proxy->conns;
	proxy->conns = conn;
	proxy->conn_count++;
	return conn;

fail:
	free(conn->c2s.out);
	free(conn->s2c.out);
	obj_map_finish(&conn->objects);
	free(conn);
	return NULL;
}

struct proxy_conn *
conn_create(struct proxy *proxy, int client_fd)
{
	int upstream_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* A small send buffer toward the compositor bounds the requests it has
	 * queued, hence the burst of events it may answer with: libwayland ends
	 * a client whose socket it cannot write to. */
	int sndbuf = 16384;
	if (upstream_fd >= 0) {
		setsockopt(upstream_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", proxy->upstream_path);
	if (upstream_fd < 0 || connect(upstream_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		strata_log(STRATA_ERROR, "level %s: cannot connect to the compositor at %s: %s",
				proxy->level, proxy->upstream_path, strerror(errno));
		if (upstream_fd >= 0) {
			close(upstream_fd);
		}
		return NULL;
	}
	struct proxy_conn *conn = conn_create_with_upstream(proxy, client_fd, upstream_fd);
	if (!conn) {
		close(upstream_fd);
	}
	return conn;
}

size_t
proxy_parked_fds(struct proxy *proxy)
{
	size_t total = 0;
	for (struct proxy_conn *conn = proxy->conns; conn; conn = conn->next) {
		total += conn->c2s.in_fd_count + conn->c2s.out_fd_count;
		total += conn->s2c.in_fd_count + conn->s2c.out_fd_count;
	}
	return total;
}
