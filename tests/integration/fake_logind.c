// SPDX-License-Identifier: MIT
/*
 * The part of logind the screen lock talks to, on a private bus of the
 * test's own: it owns org.freedesktop.login1, answers Inhibit with the write
 * end of a pipe (as logind does with its FIFO) and watches the read end to
 * see the inhibitor let go; on the test's word it sends PrepareForSleep.
 *
 * usage: itest-fake-logind BUS_ADDRESS
 * stdin, one word a line: "sleep" (PrepareForSleep true), "wake" (false).
 * stdout, a line each: "ready", "inhibit WHAT WHO WHY MODE",
 * "released SEC.NSEC" (every copy of the last inhibitor's fd is closed, seen
 * then: CLOCK_MONOTONIC), "sent BOOL".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

static int inhibitor_fd = -1; /* our read end of the last inhibitor's pipe */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	putchar('\n');
	fflush(stdout);
}

static int
method_inhibit(sd_bus_message *m, void *data, sd_bus_error *error)
{
	const char *what, *who, *why, *mode;
	int r = sd_bus_message_read(m, "ssss", &what, &who, &why, &mode);
	if (r < 0) {
		return r;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		return -errno;
	}
	say("inhibit %s %s \"%s\" %s", what, who, why, mode);
	if (inhibitor_fd >= 0) {
		close(inhibitor_fd);
	}
	inhibitor_fd = fds[0];
	r = sd_bus_reply_method_return(m, "h", fds[1]); /* sd-bus sends a copy */
	close(fds[1]);
	return r;
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Inhibit", "ssss", "h", method_inhibit, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL("PrepareForSleep", "b", 0),
	SD_BUS_VTABLE_END,
};

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: itest-fake-logind BUS_ADDRESS\n");
		return 2;
	}
	sd_bus *bus = NULL;
	int r = sd_bus_new(&bus);
	if (r >= 0) {
		r = sd_bus_set_address(bus, argv[1]);
	}
	if (r >= 0) {
		r = sd_bus_set_bus_client(bus, 1);
	}
	if (r >= 0) {
		r = sd_bus_start(bus);
	}
	if (r >= 0) {
		r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/login1",
				"org.freedesktop.login1.Manager", manager_vtable, NULL);
	}
	if (r >= 0) {
		r = sd_bus_request_name(bus, "org.freedesktop.login1", 0);
	}
	if (r < 0) {
		fprintf(stderr, "fake-logind: %s\n", strerror(-r));
		return 1;
	}
	say("ready");
	char line[64];
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = sd_bus_get_fd(bus), .events = POLLIN },
			{ .fd = 0, .events = POLLIN },
			{ .fd = inhibitor_fd, .events = POLLIN },
		};
		if (poll(fds, 3, 100) < 0 && errno != EINTR) {
			return 1;
		}
		while ((r = sd_bus_process(bus, NULL)) > 0) {
		}
		if (r < 0) {
			fprintf(stderr, "fake-logind: bus: %s\n", strerror(-r));
			return 1;
		}
		if (inhibitor_fd >= 0 && (fds[2].revents & (POLLHUP | POLLIN))) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			close(inhibitor_fd);
			inhibitor_fd = -1;
			say("released %lld.%09ld", (long long)now.tv_sec, now.tv_nsec);
		}
		if (fds[1].revents & (POLLIN | POLLHUP)) {
			if (!fgets(line, sizeof(line), stdin)) {
				return 0;
			}
			int going = strncmp(line, "sleep", 5) == 0;
			r = sd_bus_emit_signal(bus, "/org/freedesktop/login1",
					"org.freedesktop.login1.Manager", "PrepareForSleep", "b",
					going);
			sd_bus_flush(bus);
			say("sent %s", going ? "true" : "false");
		}
	}
}
