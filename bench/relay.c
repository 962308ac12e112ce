// SPDX-License-Identifier: MIT
/*
 * strata-naive-relay: the lower bound for any Wayland proxy. It listens on a
 * socket path and, for each client, connects to the upstream socket and
 * copies bytes and SCM_RIGHTS fds both ways without looking at them.
 *
 * Usage: strata-naive-relay LISTEN_PATH UPSTREAM_PATH
 * Prints "strata-naive-relay: ready" on stdout once it listens; SIGTERM or
 * SIGINT removes the socket and exits 0.
 *
 * fds travel no later than the byte that arrived with them: each received
 * fd is tagged with the stream position of the first byte of the recvmsg
 * that brought it, a sendmsg never runs past the position of an fd that is
 * still queued, and at most 28 fds (libwayland's limit) go per sendmsg.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Small enough that a connection (two pipes) comes from the heap, not from
 * an mmap per connection: 4 times libwayland's own buffer. */
#define BUF_BYTES (16 * 1024)
#define FDS_PER_SEND 28 /* libwayland's MAX_FDS_OUT */
#define FDS_PER_RECV 253 /* SCM_MAX_FD: what one recvmsg may bring */
#define FD_QUEUE 512

struct queued_fd {
	int fd;
	uint64_t pos; /* stream position of the byte it travels with (or before) */
};

/* One direction: read from `from`, written to `to`. */
struct pipe {
	uint8_t buf[BUF_BYTES];
	size_t start, end; /* pending bytes are buf[start, end) */
	uint64_t out_pos; /* stream position of buf[start] */
	struct queued_fd fds[FD_QUEUE];
	size_t fd_head, fd_count;
	bool eof;
};

struct conn;

struct end {
	struct conn *conn;
	int fd;
	uint32_t mask; /* what epoll waits for now */
};

struct conn {
	struct end client, upstream;
	struct pipe up; /* client -> upstream */
	struct pipe down; /* upstream -> client */
	bool dead;
	struct conn *next_dead;
};

static int epoll_fd = -1;
static char listen_marker, signal_marker;
static struct conn *graveyard;

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
warn(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	fputs("strata-naive-relay: ", stderr);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	va_end(args);
}

static void
pipe_close_fds(struct pipe *p)
{
	for (size_t i = 0; i < p->fd_count; i++) {
		close(p->fds[(p->fd_head + i) % FD_QUEUE].fd);
	}
	p->fd_count = 0;
}

static void
conn_destroy(struct conn *conn)
{
	if (conn->dead) {
		return;
	}
	conn->dead = true;
	struct end *ends[2] = { &conn->client, &conn->upstream };
	for (int i = 0; i < 2; i++) {
		if (ends[i]->fd >= 0) {
			epoll_ctl(epoll_fd, EPOLL_CTL_DEL, ends[i]->fd, NULL);
			close(ends[i]->fd);
			ends[i]->fd = -1;
		}
	}
	pipe_close_fds(&conn->up);
	pipe_close_fds(&conn->down);
	/* Freed after the epoll batch: later events of it may still be pending. */
	conn->next_dead = graveyard;
	graveyard = conn;
}

static bool
end_set_mask(struct end *end, uint32_t mask)
{
	if (end->mask == mask) {
		return true;
	}
	struct epoll_event ev = { .events = mask, .data.ptr = end };
	if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, end->fd, &ev) < 0) {
		warn("epoll_ctl: %s", strerror(errno));
		return false;
	}
	end->mask = mask;
	return true;
}

static bool
pipe_has_room(const struct pipe *p)
{
	return (p->end < BUF_BYTES || p->start > 0) && FD_QUEUE - p->fd_count >= FDS_PER_RECV;
}

/* Reads once from fd into p. false: EOF or error. */
static bool
pipe_read(struct pipe *p, int fd)
{
	if (p->start == p->end) {
		p->start = p->end = 0;
	} else if (p->end == BUF_BYTES && p->start > 0) {
		memmove(p->buf, p->buf + p->start, p->end - p->start);
		p->end -= p->start;
		p->start = 0;
	}
	size_t space = BUF_BYTES - p->end;
	if (!pipe_has_room(p)) {
		return true; /* full: epoll stops asking until it drains */
	}
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDS_PER_RECV)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = p->buf + p->end, .iov_len = space };
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
	uint64_t pos = p->out_pos + (p->end - p->start);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int rfd;
			memcpy(&rfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			p->fds[(p->fd_head + p->fd_count) % FD_QUEUE] =
					(struct queued_fd){ rfd, pos };
			p->fd_count++;
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		warn("fds truncated");
		return false;
	}
	if (n == 0) {
		p->eof = true;
		return false;
	}
	p->end += (size_t)n;
	return true;
}

/* Sends what p holds to fd. false: the peer is gone. */
static bool
pipe_write(struct pipe *p, int fd)
{
	while (p->end > p->start) {
		size_t len = p->end - p->start;
		int fds[FDS_PER_SEND];
		size_t count = 0;
		for (size_t i = 0; i < p->fd_count; i++) {
			const struct queued_fd *q = &p->fds[(p->fd_head + i) % FD_QUEUE];
			if (q->pos > p->out_pos) {
				/* It goes with its own byte: stop just before it. */
				if (q->pos - p->out_pos < len) {
					len = (size_t)(q->pos - p->out_pos);
				}
				break;
			}
			if (count == FDS_PER_SEND) {
				len = 1; /* the rest ride on the next byte */
				break;
			}
			fds[count++] = q->fd;
		}
		union {
			char buf[CMSG_SPACE(sizeof(int) * FDS_PER_SEND)];
			struct cmsghdr align;
		} control;
		struct iovec iov = { .iov_base = p->buf + p->start, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (count > 0) {
			memset(control.buf, 0, sizeof(control.buf));
			mh.msg_control = control.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * count);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * count);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * count);
		}
		ssize_t n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return errno == EAGAIN;
		}
		for (size_t i = 0; i < count; i++) {
			close(fds[i]);
		}
		p->fd_head = (p->fd_head + count) % FD_QUEUE;
		p->fd_count -= count;
		p->start += (size_t)n;
		p->out_pos += (uint64_t)n;
	}
	p->start = p->end = 0;
	return true;
}

static bool
conn_update(struct conn *conn)
{
	/* Read a side only while its pipe has room; write while bytes wait. */
	uint32_t client = EPOLLRDHUP, upstream = EPOLLRDHUP;
	if (pipe_has_room(&conn->up)) {
		client |= EPOLLIN;
	}
	if (pipe_has_room(&conn->down)) {
		upstream |= EPOLLIN;
	}
	if (conn->down.end > conn->down.start) {
		client |= EPOLLOUT;
	}
	if (conn->up.end > conn->up.start) {
		upstream |= EPOLLOUT;
	}
	return end_set_mask(&conn->client, client) && end_set_mask(&conn->upstream, upstream);
}

static void
handle_end(struct end *end, uint32_t events)
{
	struct conn *conn = end->conn;
	if (conn->dead) {
		return;
	}
	bool is_client = end == &conn->client;
	struct end *other = is_client ? &conn->upstream : &conn->client;
	struct pipe *in = is_client ? &conn->up : &conn->down; /* read from end */
	struct pipe *out = is_client ? &conn->down : &conn->up; /* written to end */
	if ((events & EPOLLOUT) && !pipe_write(out, end->fd)) {
		conn_destroy(conn);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
		bool open = pipe_read(in, end->fd);
		/* Pass on what came, even when the sender closed after it (an error). */
		if (!pipe_write(in, other->fd) || !open) {
			conn_destroy(conn);
			return;
		}
	}
	if (!conn_update(conn)) {
		conn_destroy(conn);
	}
}

static int
connect_upstream(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path) >=
			(int)sizeof(addr.sun_path)) {
		warn("path too long: %s", path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		warn("socket: %s", strerror(errno));
		return -1;
	}
	/* Blocking connect (a Unix socket answers at once), then non-blocking. */
	int flags;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
			(flags = fcntl(fd, F_GETFL)) < 0 ||
			fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		warn("connect %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
accept_clients(int listen_fd, const char *upstream_path)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				warn("accept: %s", strerror(errno));
			}
			return;
		}
		int up = connect_upstream(upstream_path);
		struct conn *conn = up >= 0 ? calloc(1, sizeof(*conn)) : NULL;
		if (!conn) {
			if (up >= 0) {
				warn("out of memory");
				close(up);
			}
			close(fd);
			continue;
		}
		const uint32_t mask = EPOLLIN | EPOLLRDHUP;
		conn->client = (struct end){ .conn = conn, .fd = fd, .mask = mask };
		conn->upstream = (struct end){ .conn = conn, .fd = up, .mask = mask };
		struct epoll_event ev = { .events = mask, .data.ptr = &conn->client };
		bool ok = epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0;
		ev.data.ptr = &conn->upstream;
		ok = ok && epoll_ctl(epoll_fd, EPOLL_CTL_ADD, up, &ev) == 0;
		if (!ok) {
			warn("epoll_ctl: %s", strerror(errno));
			conn_destroy(conn);
		}
	}
}

int
main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(stderr, "Usage: %s LISTEN_PATH UPSTREAM_PATH\n", argv[0]);
		return 2;
	}
	const char *listen_path = argv[1], *upstream_path = argv[2];
	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		warn("sigprocmask: %s", strerror(errno));
		return 1;
	}
	int signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (signal_fd < 0 || epoll_fd < 0) {
		warn("signalfd/epoll: %s", strerror(errno));
		return 1;
	}

	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", listen_path) >=
			(int)sizeof(addr.sun_path)) {
		warn("path too long: %s", listen_path);
		return 1;
	}
	int listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
			listen(listen_fd, 128) < 0) {
		warn("cannot listen on %s: %s", listen_path, strerror(errno));
		return 1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listen_marker };
	bool ok = epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) == 0;
	ev.data.ptr = &signal_marker;
	ok = ok && epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signal_fd, &ev) == 0;
	if (!ok) {
		warn("epoll_ctl: %s", strerror(errno));
		unlink(listen_path);
		return 1;
	}
	if (printf("strata-naive-relay: ready\n") < 0 || fflush(stdout) != 0) {
		unlink(listen_path);
		return 1;
	}

	bool running = true;
	while (running) {
		struct epoll_event events[64];
		int n = epoll_wait(epoll_fd, events, 64, -1);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			warn("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			void *ptr = events[i].data.ptr;
			if (ptr == &listen_marker) {
				accept_clients(listen_fd, upstream_path);
			} else if (ptr == &signal_marker) {
				running = false;
			} else {
				handle_end(ptr, events[i].events);
			}
		}
		while (graveyard) {
			struct conn *conn = graveyard;
			graveyard = conn->next_dead;
			free(conn);
		}
	}
	unlink(listen_path);
	return running ? 1 : 0;
}
