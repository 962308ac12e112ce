// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for cage-proxy as a whole, both directions, fds attached:
 * the real conn.c / policy.c / objects.c / wire.c between two socketpairs,
 * one standing for the cage client and one for the compositor, dispatched
 * through the proxy's own epoll set exactly as proxy_run() does.
 *
 * Input:
 *   byte 0, the mode:
 *     bit 0  a canned handshake first: get_registry, five globals (and a
 *            hidden one), binds as ids 4..8, a data device (9) holding a
 *            selection offer (0xff000000) from the "compositor"
 *     bit 1  small limits (64 objects, 4 fds in flight, 64 KiB shm, 2
 *            toplevels, 32-byte strings, a 4 KiB client buffer)
 *   then chunks until the input ends:
 *     byte   bit 0: 0 client -> proxy, 1 compositor -> proxy
 *            bits 1-3: fds to attach (0..7)
 *            bit 4: hang up that side after sending
 *            bit 5: leave what the proxy sent the client unread this round
 *            bit 6: the same for the compositor
 *     if fds: a byte of kinds (2 bits per fd: memfd, pipe read end, pipe
 *            write end, /dev/null) and a byte of memfd size (x 8 KiB)
 *     2 bytes (little endian): length, then that many bytes (or what is left)
 *
 * Each chunk goes out in one sendmsg with its fds; the proxy then runs until
 * its epoll set is quiet, and what it wrote to either peer is read and
 * thrown away (fds closed), unless the chunk says to leave it. The sockets'
 * buffers are as small as the kernel allows, so that a peer that does not
 * read soon makes the proxy queue, push back and cut, as a slow client or a
 * slow compositor would. At the end everything is torn down and the
 * process must have exactly the fds it had before: anything else is a leak
 * in the proxy, and abort()s.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ROUNDS 256

struct fuzz_proxy {
	struct proxy proxy;
	struct proxy_conn *conn; /* NULL once the proxy ended it */
	int listen_pair[2];
	int client; /* our end of the client socketpair, -1 once hung up */
	int compositor; /* our end of the upstream socketpair, -1 once hung up */
};

static void
fuzz_proxy_check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static int
fuzz_proxy_count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	fuzz_proxy_check(dir != NULL);
	int count = 0;
	struct dirent *ent;
	while ((ent = readdir(dir))) {
		count += ent->d_name[0] != '.';
	}
	closedir(dir);
	return count;
}

/* Reads and discards everything the proxy wrote to one of our ends. */
static void
fuzz_proxy_drain(int fd)
{
	if (fd < 0) {
		return;
	}
	for (;;) {
		uint8_t buf[65536];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		union {
			char buf[CMSG_SPACE(sizeof(int) * 64)];
			struct cmsghdr align;
		} control;
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t i = 0; i < count; i++) {
					int received;
					memcpy(&received, CMSG_DATA(c) + i * sizeof(int),
							sizeof(int));
					close(received);
				}
			}
		}
		/* Never more than 28 fds in one sendmsg (libwayland's receive side). */
		fuzz_proxy_check(!(n >= 0 && (mh.msg_flags & MSG_CTRUNC)));
		if (n <= 0) {
			return;
		}
	}
}

/* The proxy's loop, without blocking: dispatch what epoll reports until it
 * reports nothing. */
static void
fuzz_proxy_run(struct fuzz_proxy *f, bool drain_client, bool drain_compositor)
{
	for (int round = 0; round < FUZZ_MAX_ROUNDS && f->conn; round++) {
		struct epoll_event events[16];
		int n = epoll_wait(f->proxy.epoll_fd, events, 16, 0);
		fuzz_proxy_check(n >= 0 || errno == EINTR);
		struct proxy_conn *conn = f->conn;
		for (int i = 0; i < n; i++) {
			void *ptr = events[i].data.ptr;
			if (ptr == &conn->client_ep || ptr == &conn->upstream_ep) {
				conn_handle_event(ptr, events[i].events);
			}
		}
		if (conn->dead) {
			f->conn = NULL;
		}
		conn_free_dead(&f->proxy);
		if (drain_client) {
			fuzz_proxy_drain(f->client);
		}
		if (drain_compositor) {
			fuzz_proxy_drain(f->compositor);
		}
		if (n <= 0) {
			break;
		}
	}
}

/* Sends bytes with fds on our end of one side, running the proxy when the
 * socket is full; false if that side is gone. */
static bool
fuzz_proxy_send(struct fuzz_proxy *f, bool from_compositor, const uint8_t *bytes, size_t len,
		const int *fds, size_t fd_count, bool drain_client, bool drain_compositor)
{
	int fd = from_compositor ? f->compositor : f->client;
	if (fd < 0) {
		return false;
	}
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} control;
	uint8_t none = 0;
	struct iovec iov = { .iov_base = len ? (void *)bytes : &none, .iov_len = len ? len : 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd_count > 0) {
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * fd_count);
	} else if (len == 0) {
		return true; /* nothing to send */
	}
	/* A byte of padding when only fds go: the proxy sees it as part of a
	 * message, as it would any byte. */
	size_t off = 0;
	for (int tries = 0; off < iov.iov_len && tries < 64; tries++) {
		ssize_t n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			iov.iov_base = (uint8_t *)iov.iov_base + n;
			iov.iov_len -= (size_t)n;
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			break; /* the proxy hung up this side */
		}
		/* Full: let the proxy read some. */
		fuzz_proxy_run(f, drain_client, drain_compositor);
		if (!f->conn) {
			break;
		}
	}
	return true;
}

static int
fuzz_proxy_make_fd(unsigned kind, size_t memfd_size)
{
	int fds[2], fd = -1;
	switch (kind) {
	case 0:
		fd = memfd_create("fuzz-proxy", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, (off_t)memfd_size) < 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	case 1:
	case 2:
		if (pipe2(fds, O_CLOEXEC) < 0) {
			return -1;
		}
		close(fds[kind == 1 ? 1 : 0]);
		return fds[kind == 1 ? 0 : 1];
	default:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	}
}

/* ---- the canned handshake ---------------------------------------------- */

struct fuzz_msg {
	uint8_t data[1024];
	size_t len, start;
};

static void
fuzz_msg_u32(struct fuzz_msg *m, uint32_t v)
{
	memcpy(m->data + m->len, &v, 4);
	m->len += 4;
}

static void
fuzz_msg_begin(struct fuzz_msg *m, uint32_t object, uint16_t opcode)
{
	m->start = m->len;
	fuzz_msg_u32(m, object);
	fuzz_msg_u32(m, opcode);
}

static void
fuzz_msg_string(struct fuzz_msg *m, const char *s)
{
	uint32_t len = (uint32_t)strlen(s) + 1;
	fuzz_msg_u32(m, len);
	memset(m->data + m->len, 0, (len + 3) & ~3u);
	memcpy(m->data + m->len, s, len);
	m->len += (len + 3) & ~3u;
}

static void
fuzz_msg_end(struct fuzz_msg *m)
{
	uint32_t word = (uint32_t)(m->len - m->start) << 16;
	uint32_t opcode;
	memcpy(&opcode, m->data + m->start + 4, 4);
	word |= opcode & 0xffff;
	memcpy(m->data + m->start + 4, &word, 4);
}

static const struct {
	const char *interface;
	uint32_t version;
} fuzz_proxy_globals[] = {
	{ "wl_compositor", 4 }, { "wl_shm", 1 }, { "xdg_wm_base", 3 }, { "wl_seat", 7 },
	{ "wl_data_device_manager", 3 },
	{ "zwlr_screencopy_manager_v1", 3 }, /* hidden: dropped by the proxy */
};

static void
fuzz_proxy_handshake(struct fuzz_proxy *f)
{
	struct fuzz_msg m = { 0 };
	fuzz_msg_begin(&m, 1, 1); /* get_registry(2) */
	fuzz_msg_u32(&m, 2);
	fuzz_msg_end(&m);
	fuzz_msg_begin(&m, 1, 0); /* sync(3) */
	fuzz_msg_u32(&m, 3);
	fuzz_msg_end(&m);
	fuzz_proxy_send(f, false, m.data, m.len, NULL, 0, true, true);
	fuzz_proxy_run(f, true, true);

	m.len = 0;
	for (size_t i = 0; i < sizeof(fuzz_proxy_globals) / sizeof(fuzz_proxy_globals[0]); i++) {
		fuzz_msg_begin(&m, 2, 0); /* wl_registry.global(name, interface, version) */
		fuzz_msg_u32(&m, (uint32_t)i + 1);
		fuzz_msg_string(&m, fuzz_proxy_globals[i].interface);
		fuzz_msg_u32(&m, fuzz_proxy_globals[i].version);
		fuzz_msg_end(&m);
	}
	fuzz_msg_begin(&m, 3, 0); /* wl_callback.done */
	fuzz_msg_u32(&m, 0);
	fuzz_msg_end(&m);
	fuzz_msg_begin(&m, 1, 1); /* wl_display.delete_id(3) */
	fuzz_msg_u32(&m, 3);
	fuzz_msg_end(&m);
	fuzz_proxy_send(f, true, m.data, m.len, NULL, 0, true, true);
	fuzz_proxy_run(f, true, true);

	m.len = 0;
	for (uint32_t i = 0; i < 5; i++) { /* bind(name, interface, version, id 4 + i) */
		fuzz_msg_begin(&m, 2, 0);
		fuzz_msg_u32(&m, i + 1);
		fuzz_msg_string(&m, fuzz_proxy_globals[i].interface);
		fuzz_msg_u32(&m, i == 2 ? 2 : fuzz_proxy_globals[i].version);
		fuzz_msg_u32(&m, 4 + i);
		fuzz_msg_end(&m);
	}
	fuzz_msg_begin(&m, 8, 1); /* wl_data_device_manager.get_data_device(9, seat 7) */
	fuzz_msg_u32(&m, 9);
	fuzz_msg_u32(&m, 7);
	fuzz_msg_end(&m);
	fuzz_proxy_send(f, false, m.data, m.len, NULL, 0, true, true);
	fuzz_proxy_run(f, true, true);

	m.len = 0;
	fuzz_msg_begin(&m, 9, 0); /* wl_data_device.data_offer(0xff000000) */
	fuzz_msg_u32(&m, 0xff000000u);
	fuzz_msg_end(&m);
	fuzz_msg_begin(&m, 0xff000000u, 0); /* wl_data_offer.offer */
	fuzz_msg_string(&m, "text/plain");
	fuzz_msg_end(&m);
	fuzz_msg_begin(&m, 9, 5); /* wl_data_device.selection */
	fuzz_msg_u32(&m, 0xff000000u);
	fuzz_msg_end(&m);
	fuzz_proxy_send(f, true, m.data, m.len, NULL, 0, true, true);
	fuzz_proxy_run(f, true, true);
}

/* ---- one input ------------------------------------------------------------ */

static bool
fuzz_proxy_setup(struct fuzz_proxy *f, uint8_t mode)
{
	*f = (struct fuzz_proxy){ .listen_pair = { -1, -1 }, .client = -1, .compositor = -1 };
	struct proxy_limits limits;
	proxy_limits_defaults(&limits);
	if (mode & 2) {
		limits.max_objects = 64;
		limits.max_fds_in_flight = 4;
		limits.max_shm_bytes = 64 * 1024;
		limits.max_toplevels = 2;
		limits.max_string = 32;
		limits.client_buffer_bytes = 4096;
	}
	/* Never limited by time: the same input must do the same thing. */
	limits.max_messages_per_second = UINT32_MAX;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, f->listen_pair) <
			0) {
		return false;
	}
	/* proxy_init blocks SIGTERM and SIGINT for its signalfd: not ours. */
	sigset_t saved;
	sigprocmask(SIG_SETMASK, NULL, &saved);
	bool ok = proxy_init(&f->proxy, f->listen_pair[0], "/nonexistent", "fuzz", &limits);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	fuzz_proxy_check(ok);

	int client[2], upstream[2];
	fuzz_proxy_check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
					 client) == 0);
	fuzz_proxy_check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
					 upstream) == 0);
	int small = 4096; /* the kernel makes it its minimum, about 4.5 KiB */
	for (int i = 0; i < 2; i++) {
		setsockopt(client[i], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		setsockopt(client[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		setsockopt(upstream[i], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		setsockopt(upstream[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	f->conn = conn_create_with_upstream(&f->proxy, client[1], upstream[1]);
	fuzz_proxy_check(f->conn != NULL);
	f->client = client[0];
	f->compositor = upstream[0];
	return true;
}

static void
fuzz_proxy_teardown(struct fuzz_proxy *f)
{
	proxy_finish(&f->proxy);
	f->conn = NULL;
	if (f->client >= 0) {
		close(f->client);
	}
	if (f->compositor >= 0) {
		close(f->compositor);
	}
	close(f->listen_pair[0]);
	close(f->listen_pair[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) {
		return 0;
	}
	strata_log_init("fuzz-proxy", STRATA_SILENT);
	signal(SIGPIPE, SIG_IGN);
	int fds_before = fuzz_proxy_count_fds();
	struct fuzz_proxy f;
	if (!fuzz_proxy_setup(&f, data[0])) {
		return 0;
	}
	if (data[0] & 1) {
		fuzz_proxy_handshake(&f);
	}
	size_t pos = 1;
	while (pos < size && f.conn) {
		uint8_t header = data[pos++];
		bool from_compositor = header & 1;
		size_t fd_count = (header >> 1) & 7;
		uint8_t kinds = 0, memfd_size = 0;
		if (fd_count > 0) {
			if (size - pos < 2) {
				break;
			}
			kinds = data[pos++];
			memfd_size = data[pos++];
		}
		if (size - pos < 2) {
			break;
		}
		size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
		pos += 2;
		if (len > size - pos) {
			len = size - pos;
		}
		int fds[8];
		size_t made = 0;
		for (size_t i = 0; i < fd_count; i++) {
			int fd = fuzz_proxy_make_fd((kinds >> (2 * (i % 4))) & 3,
					(size_t)memfd_size * 8192);
			if (fd >= 0) {
				fds[made++] = fd;
			}
		}
		bool drain_client = !(header & 0x20), drain_compositor = !(header & 0x40);
		fuzz_proxy_send(&f, from_compositor, data + pos, len, fds, made, drain_client,
				drain_compositor);
		for (size_t i = 0; i < made; i++) {
			close(fds[i]);
		}
		pos += len;
		if (header & 0x10) {
			int *side = from_compositor ? &f.compositor : &f.client;
			if (*side >= 0) {
				close(*side);
				*side = -1;
			}
		}
		fuzz_proxy_run(&f, drain_client, drain_compositor);
	}
	fuzz_proxy_teardown(&f);
	/* Whatever the input did, the proxy holds nothing once it is gone. */
	fuzz_proxy_check(fuzz_proxy_count_fds() == fds_before);
	return 0;
}
