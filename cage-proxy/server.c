// SPDX-License-Identifier: MIT
/* The proxy's event loop: the cage-facing listening socket, signals, and
 * every connection's two sockets, in one epoll set. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "proxy.h"

static char listen_marker, signal_marker;
static int signal_fd = -1;

bool
proxy_init(struct proxy *proxy, int listen_fd, const char *upstream_path, const char *level,
		const struct proxy_limits *limits)
{
	*proxy = (struct proxy){
		.listen_fd = listen_fd,
		.upstream_path = upstream_path,
		.level = level,
		.limits = *limits,
		.running = true,
		.spare_fd = -1,
	};
	proxy->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (proxy->epoll_fd < 0) {
		return false;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listen_marker };
	/* No listening socket: one connection given (proxy_add_connection). */
	if (listen_fd >= 0 && epoll_ctl(proxy->epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		return false;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	ev.data.ptr = &signal_marker;
	if (signal_fd < 0 || epoll_ctl(proxy->epoll_fd, EPOLL_CTL_ADD, signal_fd, &ev) < 0) {
		return false;
	}
	signal(SIGPIPE, SIG_IGN);

	/* fds: take the hard limit, keep what connections themselves need (two
	 * sockets and a few passing fds each, plus our own), and let all the
	 * queues together park at most the rest. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		size_t reserve = 4 * (size_t)limits->max_clients + 64;
		size_t cur = rl.rlim_cur > 1u << 20 ? 1u << 20 : (size_t)rl.rlim_cur;
		proxy->fd_budget = cur > 2 * reserve ? cur - reserve : cur / 2;
	} else {
		proxy->fd_budget = 256;
	}
	proxy->spare_fd = listen_fd >= 0 ? dup(listen_fd) : -1;
	return true;
}

bool
proxy_add_connection(struct proxy *proxy, int client_fd, int upstream_fd)
{
	proxy->single = true;
	return conn_create_with_upstream(proxy, client_fd, upstream_fd) != NULL;
}

/*
 * One connection too many: the client is told why (a wl_display.error it
 * prints, e.g. "wl_display@1: error 3: ...") and closed; the log says so,
 * at most once a second (a flood of connections writes no flood of lines),
 * with the number refused since its last line.
 */
static void
refuse_client(struct proxy *proxy, int fd)
{
	char text[160];
	snprintf(text, sizeof(text),
			"cage-proxy: level %s already has %u clients, its limit ([proxy] "
			"max_clients): connection refused",
			proxy->level, proxy->conn_count);
	uint8_t msg[WIRE_DISPLAY_ERROR_MAX];
	size_t size = wire_display_error(msg, 1, DISPLAY_ERROR_IMPLEMENTATION, text);
	/* A new socket's buffer takes it whole; if not, the close says enough.
	 * write(2), not send(2): the sandbox's filter allows the former. */
	ssize_t sent = write(fd, msg, size);
	close(fd);
	proxy->refused_unlogged++;
	if (!proxy->refusal_logged || proxy->now_ms - proxy->refusal_logged_ms >= 1000) {
		strata_log(STRATA_INFO,
				"level %s: refused a connection: already %u clients, the "
				"limit ([proxy] max_clients)%s; %llu refused since the last "
				"such line",
				proxy->level, proxy->conn_count,
				sent == (ssize_t)size ? "" : " (the error could not be sent)",
				(unsigned long long)proxy->refused_unlogged);
		proxy->refusal_logged = true;
		proxy->refusal_logged_ms = proxy->now_ms;
		proxy->refused_unlogged = 0;
	}
}

static void
accept_clients(struct proxy *proxy)
{
	for (;;) {
		int fd = accept4(proxy->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && proxy->spare_fd >= 0) {
			/* Out of fds: take the waiting connection with the spare one and
			 * close it, rather than leave it readable (a busy loop). */
			close(proxy->spare_fd);
			fd = accept4(proxy->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0) {
				close(fd);
			}
			proxy->spare_fd = dup(proxy->listen_fd);
			if (proxy->emfile_count++ % 1000 == 0) {
				strata_log(STRATA_ERROR,
						"level %s: out of file descriptors: refused a connection "
						"(%llu so far)",
						proxy->level,
						(unsigned long long)proxy->emfile_count);
			}
			continue;
		}
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				strata_log(STRATA_ERROR, "accept: %s", strerror(errno));
			}
			return;
		}
		if (proxy->conn_count >= proxy->limits.max_clients) {
			refuse_client(proxy, fd);
			continue;
		}
		if (!conn_create(proxy, fd)) {
			close(fd);
		}
	}
}

void
proxy_run(struct proxy *proxy)
{
	struct epoll_event events[64];
	while (proxy->running) {
		int n = epoll_wait(proxy->epoll_fd, events, 64, -1);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			strata_log(STRATA_ERROR, "epoll_wait: %s", strerror(errno));
			break;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		proxy->now_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
		for (int i = 0; i < n; i++) {
			void *ptr = events[i].data.ptr;
			if (ptr == &listen_marker) {
				accept_clients(proxy);
			} else if (ptr == &signal_marker) {
				struct signalfd_siginfo info;
				while (read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
				}
				proxy->running = false;
			} else {
				conn_handle_event(ptr, events[i].events);
			}
		}
		conn_free_dead(proxy);
		if (proxy->single && proxy->conn_count == 0) {
			/* Its one connection ended: so does the proxy. */
			proxy->running = false;
		}
	}
}

void
proxy_finish(struct proxy *proxy)
{
	while (proxy->conns) {
		conn_destroy(proxy->conns);
	}
	conn_free_dead(proxy);
	if (signal_fd >= 0) {
		close(signal_fd);
		signal_fd = -1;
	}
	if (proxy->spare_fd >= 0) {
		close(proxy->spare_fd);
		proxy->spare_fd = -1;
	}
	if (proxy->epoll_fd >= 0) {
		close(proxy->epoll_fd);
	}
}
