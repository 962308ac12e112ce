// SPDX-License-Identifier: MIT
/* The proxy's event loop: the cage-facing listening socket, signals, and
 * every connection's two sockets, in one epoll set. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "proxy.h"

static char listen_marker, signal_marker;
static int signal_fd = -1;

void
proxy_log(const char *fmt, ...)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char line[1024];
	int n = snprintf(line, sizeof(line), "%ld.%03ld [strata-cage-proxy] ", (long)ts.tv_sec,
		ts.tv_nsec / 1000000);
	va_list args;
	va_start(args, fmt);
	if (n > 0 && (size_t)n < sizeof(line)) {
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, args);
	}
	va_end(args);
	/* One write per line, so that lines from several proxies never mix. */
	size_t len = strlen(line);
	if (len < sizeof(line) - 1) {
		line[len++] = '\n';
	}
	ssize_t written = write(STDERR_FILENO, line, len);
	(void)written;
}

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
	};
	proxy->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (proxy->epoll_fd < 0) {
		return false;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_marker};
	if (epoll_ctl(proxy->epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
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
	return true;
}

static void
accept_clients(struct proxy *proxy)
{
	for (;;) {
		int fd = accept4(proxy->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				proxy_log("accept: %s", strerror(errno));
			}
			return;
		}
		if (proxy->conn_count >= proxy->limits.max_clients) {
			proxy_log("level %s: refused a connection: already %u clients", proxy->level,
				proxy->conn_count);
			close(fd);
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
			proxy_log("epoll_wait: %s", strerror(errno));
			break;
		}
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
	if (proxy->epoll_fd >= 0) {
		close(proxy->epoll_fd);
	}
}
