// SPDX-License-Identifier: MIT
/*
 * Strata from a loaded configuration to a running compositor, and back
 * (startup.h): what main() did itself before, in the same order.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "config.h"
#include "audio.h"
#include "lock.h"
#include "process.h"
#include "session.h"
#include "sleep.h"
#include "startup.h"
#include "transfer.h"
#include "xwayland.h"
#if STRATA_HAS_TEST_CONTROL
#include "test_control.h"
#endif

bool
startup_open(struct strata_server *server, const struct strata_startup *options)
{
	/* strata writes into pipes level clients hand it (the snapshot a paste
	 * reads after a transfer): one closed early ends that write with EPIPE,
	 * never the compositor. Its children get the default back (spawn.c;
	 * the Xwayland launcher, which wlroots starts, does it itself);
	 * startup_close gives back what was there before. */
	server->sigpipe_before = signal(SIGPIPE, SIG_IGN);
	server->sigpipe_ignored = server->sigpipe_before != SIG_ERR;
	if (!server_init(server, options->headless, options->test_control)) {
		fprintf(stderr, "strata: cannot initialise the compositor\n");
		return false;
	}
	/* Every child process of strata, from here to the end (process.c). */
	server->supervisor = process_supervisor_create(server->event_loop, false);
	if (!server->supervisor) {
		fprintf(stderr, "strata: cannot supervise processes\n");
		return false;
	}
	if (!levels_open_sockets(server, options->runtime_dir)) {
		fprintf(stderr, "strata: cannot create the level sockets\n");
		return false;
	}
	if (!options->quiet) {
		printf("strata: runtime directory %s\n", server->runtime_dir);
		for (size_t i = 0; i < server->socket_count; i++) {
			struct strata_listener_socket *sock = &server->sockets[i];
			if (sock->level == STRATA_LEVEL_CORE) {
				printf("strata: core socket %s\n", sock->path);
			} else {
				printf("strata: level %s socket %s\n",
						levels_name(server, sock->level), sock->path);
			}
		}
	}
#if STRATA_HAS_TEST_CONTROL
	if (options->test_control) {
		char control_path[300];
		snprintf(control_path, sizeof(control_path), "%s/test-control",
				server->runtime_dir);
		server->test_control = test_control_create(server, control_path);
		if (!server->test_control) {
			fprintf(stderr, "strata: cannot open the test-control socket\n");
			return false;
		}
		if (!options->quiet) {
			printf("strata: test-control socket %s\n", control_path);
		}
	}
#endif
	return true;
}

bool
startup_start(struct strata_server *server, const struct strata_startup *options)
{
	if (options->data_dir) {
		snprintf(server->data_dir, sizeof(server->data_dir), "%s", options->data_dir);
	} else if (geteuid() == 0) {
		snprintf(server->data_dir, sizeof(server->data_dir), "/var/lib/strata");
	} else {
		const char *home = getenv("HOME");
		snprintf(server->data_dir, sizeof(server->data_dir), "%s/.local/share/strata",
				home ? home : "/tmp");
	}
	const char *guard = options->clipboard_guard;
#if STRATA_HAS_TEST_CONTROL
	/* Tests may put a guard of their own in its place (one that hangs,
	 * say); never without --test-control, never in a production build. */
	if (options->test_control && !guard) {
		guard = getenv("STRATA_TEST_CLIPBOARD_GUARD");
	}
#endif
	server->transfer = transfer_create(server, server->data_dir, guard);
	if (!server->transfer) {
		fprintf(stderr, "strata: cannot set up the clipboard transfer\n");
		return false;
	}
	const char *auth_helper = options->auth_helper;
#if STRATA_HAS_TEST_CONTROL
	/* Tests may put a helper of their own there (one that never answers). */
	if (options->test_control && !auth_helper) {
		auth_helper = getenv("STRATA_TEST_AUTH_HELPER");
	}
#endif
	server->lock = lock_create(server, auth_helper);
	if (!server->lock) {
		fprintf(stderr, "strata: cannot set up the screen lock\n");
		return false;
	}
	const char *sleep_bus = NULL;
#if STRATA_HAS_TEST_CONTROL
	/* Tests give a private bus with a stand-in for logind. */
	if (options->test_control) {
		sleep_bus = getenv("STRATA_TEST_SLEEP_BUS");
	}
#endif
	server->sleep_watch = sleep_watch_create(server, sleep_bus);
	if (options->cages) {
		server->session = session_create(server, options->config_path);
		if (!server->session) {
			fprintf(stderr, "strata: cannot set up the cages\n");
			return false;
		}
		for (size_t i = 0; !options->quiet && i < server->config.level_count; i++) {
			printf("strata: cage %s socket %s\n", server->config.levels[i].name,
					session_cage_socket(server->session, (int)i));
		}
		server->audio = audio_create(server);
		bool xwayland_failed;
		server->xwayland = xwayland_create(server, &xwayland_failed);
		if (xwayland_failed) {
			fprintf(stderr, "strata: cannot set up the levels' Xwayland (see the log)\n");
			return false;
		}
	}
	if (!server_start(server)) {
		fprintf(stderr, "strata: cannot start the backend\n");
		return false;
	}
	return true;
}

void
startup_close(struct strata_server *server)
{
	/* Every child ends first, in one bounded wait, before their owners and
	 * their directories go. */
	process_supervisor_shutdown(server->supervisor);
	xwayland_destroy(server->xwayland);
	server->xwayland = NULL;
	sleep_watch_destroy(server->sleep_watch);
	server->sleep_watch = NULL;
	lock_destroy(server->lock);
	server->lock = NULL;
	transfer_destroy(server->transfer);
	server->transfer = NULL;
	audio_destroy(server->audio);
	server->audio = NULL;
	session_destroy(server->session);
	server->session = NULL;
	process_supervisor_destroy(server->supervisor);
	server->supervisor = NULL;
#if STRATA_HAS_TEST_CONTROL
	test_control_destroy(server->test_control);
	server->test_control = NULL;
#endif
	server_finish(server);
	/* Last: a write into a dying child's socket during the teardown above
	 * must not end strata. */
	if (server->sigpipe_ignored) {
		signal(SIGPIPE, server->sigpipe_before);
		server->sigpipe_ignored = false;
	}
}
