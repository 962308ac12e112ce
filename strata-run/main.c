// SPDX-License-Identifier: MIT
/*
 * strata-run LEVEL -- CMD [ARG...]: asks the compositor, over its core
 * socket, to start CMD inside LEVEL's cage. Only a process that can reach
 * the core socket (root, outside every cage) can use it.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client.h>
#include "config.h"
#include "strata-control-v1-client-protocol.h"

struct run_state {
	struct strata_control_v1 *control;
	bool done, ok;
	uint32_t pid;
	char reason[512];
};

static void
registry_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
		uint32_t version)
{
	struct run_state *state = data;
	if (strcmp(interface, strata_control_v1_interface.name) == 0) {
		state->control = wl_registry_bind(registry, name, &strata_control_v1_interface, 1);
	}
}

static void
registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static void
launch_launched(void *data, struct strata_launch_v1 *launch, uint32_t pid)
{
	struct run_state *state = data;
	state->done = state->ok = true;
	state->pid = pid;
}

static void
launch_failed(void *data, struct strata_launch_v1 *launch, const char *reason)
{
	struct run_state *state = data;
	state->done = true;
	snprintf(state->reason, sizeof(state->reason), "%s", reason);
}

static const struct strata_launch_v1_listener launch_listener = {
	.launched = launch_launched,
	.failed = launch_failed,
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
			"Usage: %s [-s CORE_SOCKET] LEVEL -- COMMAND [ARG...]\n"
			"\n"
			"Starts COMMAND inside the cage of LEVEL, through the compositor.\n"
			"  -s, --socket PATH  the compositor's core socket (default: $STRATA_CORE_SOCKET)\n"
			"  -h, --help         show this help\n"
			"  -v, --version      show the version\n",
			prog);
}

int
main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ 0 },
	};
	const char *socket_path = getenv("STRATA_CORE_SOCKET");
	int opt;
	while ((opt = getopt_long(argc, argv, "+s:hv", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("strata-run %s\n", STRATA_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") == 0) {
		/* "strata-run -- ..." without a level */
		usage(stderr, argv[0]);
		return 2;
	}
	if (argc - optind < 2) {
		usage(stderr, argv[0]);
		return 2;
	}
	const char *level = argv[optind++];
	if (strcmp(argv[optind], "--") == 0) {
		optind++;
	}
	if (optind >= argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (!socket_path || !socket_path[0]) {
		fprintf(stderr, "strata-run: no core socket: pass -s PATH or set STRATA_CORE_SOCKET\n");
		return 2;
	}

	struct wl_display *display = wl_display_connect(socket_path);
	if (!display) {
		fprintf(stderr, "strata-run: cannot connect to %s\n", socket_path);
		return 1;
	}
	struct run_state state = { 0 };
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, &state);
	if (wl_display_roundtrip(display) < 0 || !state.control) {
		fprintf(stderr, "strata-run: %s offers no strata_control_v1: not a Strata core socket\n",
				socket_path);
		wl_display_disconnect(display);
		return 1;
	}
	struct wl_array args;
	wl_array_init(&args);
	for (int i = optind; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;
		char *p = wl_array_add(&args, len);
		if (!p) {
			fprintf(stderr, "strata-run: out of memory\n");
			return 1;
		}
		memcpy(p, argv[i], len);
	}
	struct strata_launch_v1 *launch = strata_control_v1_launch(state.control, level, &args);
	wl_array_release(&args);
	strata_launch_v1_add_listener(launch, &launch_listener, &state);
	while (!state.done && wl_display_dispatch(display) >= 0) {
	}
	int ret = 0;
	if (!state.done) {
		fprintf(stderr, "strata-run: the compositor closed the connection\n");
		ret = 1;
	} else if (!state.ok) {
		fprintf(stderr, "strata-run: %s\n", state.reason);
		ret = 1;
	} else {
		printf("%u\n", state.pid);
	}
	strata_launch_v1_destroy(launch);
	strata_control_v1_destroy(state.control);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	return ret;
}
