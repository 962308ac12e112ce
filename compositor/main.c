// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "config.h"
#include "lock.h"
#include "server.h"
#include "session.h"
#include "startup.h"

#define DEFAULT_CONFIG STRATA_SYSCONFDIR "/strata.ini"

/*
 * Under systemd (Type=notify), READY=1 says the session is up: every level's
 * proxy accepting, all of them for READY_STABLE_MS at once (a proxy that
 * comes up and dies over and over is not up). Boot counting blesses a new
 * image only after it (the image's strata-ready.service), so an update whose
 * levels cannot come up, or do not stay up, is never marked good and the
 * machine falls back to the previous one. Until then STATUS= names the
 * levels still down.
 */
#define READY_STABLE_MS 3000

struct ready_watch {
	struct strata_server *server;
	char *notify_socket; /* NULL: not under systemd */
	bool cages;
	bool said;
	bool all_up; /* since the stable timer was armed */
	char waiting_for[256]; /* the last STATUS= sent */
	struct wl_listener status_changed;
	struct wl_event_source *stable; /* NULL: READY=1 is never said */
};

static void
ready_notify(struct ready_watch *w, const char *state)
{
	/* The variable exists only for this call: no child inherits it. */
	if (setenv("NOTIFY_SOCKET", w->notify_socket, 1) == 0) {
		sd_notify(1, state);
	}
}

/* The names of the levels that are down, joined by ", "; "" when every
 * one is up (or strata runs no cages). */
static void
levels_down(struct ready_watch *w, char *down, size_t size)
{
	down[0] = '\0';
	if (!w->cages) {
		return;
	}
	const struct strata_config *cfg = &w->server->config;
	for (size_t i = 0; i < cfg->level_count; i++) {
		if (!w->server->session || !session_level_up(w->server->session, (int)i)) {
			size_t len = strlen(down);
			snprintf(down + len, size - len, "%s%s", len ? ", " : "",
					cfg->levels[i].name);
		}
	}
}

static void
ready_check(struct ready_watch *w)
{
	if (w->said || !w->notify_socket) {
		return;
	}
	char down[256];
	levels_down(w, down, sizeof(down));
	if (down[0] == '\0') {
		/* Every level up: READY=1 if they all stay so (handle_stable). */
		if (!w->all_up && w->stable) {
			w->all_up = true;
			wl_event_source_timer_update(w->stable, READY_STABLE_MS);
		}
		w->waiting_for[0] = '\0';
		return;
	}
	w->all_up = false;
	if (w->stable) {
		wl_event_source_timer_update(w->stable, 0);
	}
	if (strcmp(down, w->waiting_for) != 0) {
		snprintf(w->waiting_for, sizeof(w->waiting_for), "%s", down);
		char status[300];
		snprintf(status, sizeof(status), "STATUS=waiting for level%s %s",
				strchr(down, ',') ? "s" : "", down);
		ready_notify(w, status);
	}
}

/* Every level has been up for READY_STABLE_MS. */
static int
handle_stable(void *data)
{
	struct ready_watch *w = data;
	char down[256];
	levels_down(w, down, sizeof(down));
	if (!w->said && down[0] == '\0') {
		w->said = true;
		ready_notify(w, "READY=1\nSTATUS=every level is up");
		printf("strata: every level is up\n");
	}
	return 0;
}

static void
handle_status_changed(struct wl_listener *listener, void *data)
{
	struct ready_watch *w = wl_container_of(listener, w, status_changed);
	ready_check(w);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
			"Usage: %s [options]\n"
			"\n"
			"  -h, --help             Show this help and exit.\n"
			"  -v, --version          Show the version and exit.\n"
			"  -d, --debug            Log debug messages.\n"
			"  -c, --config FILE      Read the configuration from FILE\n"
			"                         (default: " DEFAULT_CONFIG " if it exists).\n"
			"      --validate         Check the configuration, print every error, exit.\n"
			"      --headless WxH     Headless backend with one WxH output, pixman\n"
			"                         renderer, virtual keyboard and pointer.\n"
			"      --runtime-dir DIR  Create DIR (mode 0711; must not exist) for the\n"
			"                         sockets instead of $XDG_RUNTIME_DIR/strata-XXXXXX.\n"
			"      --data-dir DIR     Where the levels' homes live (default: /var/lib/strata\n"
			"                         as root, ~/.local/share/strata otherwise).\n"
			"      --no-cages         Start no proxies and no cages (development).\n"
			"      --locked           Start with the screen locked: the password of\n"
			"                         [lock] user opens the session (a workstation).\n"
#if STRATA_HAS_TEST_CONTROL
			"      --test-control     Open the test-control socket (tests, demo).\n"
#endif
			,
			prog);
}

static void
report_config_error(void *data, const char *source, int line, const char *message)
{
	int *count = data;
	(*count)++;
	if (line > 0) {
		fprintf(stderr, "%s:%d: %s\n", source, line, message);
	} else {
		fprintf(stderr, "%s:0: %s\n", source, message);
	}
}

static bool
load_config(struct strata_config *cfg, const char *path, bool explicit_path)
{
	config_set_defaults(cfg);
	struct stat st;
	if (!explicit_path && stat(path, &st) < 0) {
		/* No system configuration: the built-in defaults. */
		return true;
	}
	int errors = 0;
	if (!config_load_file(cfg, path, report_config_error, &errors)) {
		fprintf(stderr, "strata: %s: %d error%s, refusing to start\n", path, errors,
				errors == 1 ? "" : "s");
		return false;
	}
	return true;
}

/* Every client fd, pool and pipe costs the compositor an fd: take the hard
 * limit, so that clients run out of their budgets long before we do. */
static void
raise_fd_limit(void)
{
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
}

/*
 * Large blocks (a window's pixels, a title bar) are mappings of their own,
 * given back when freed. glibc otherwise raises its mapping threshold to
 * the largest block freed so far, and the next windows' pixels land in the
 * heap, whose freed middle it never gives back: 7 MiB of six windows'
 * old frames stayed resident in the benchmark.
 */
static void
set_malloc_policy(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

static int
handle_terminate(int signal, void *data)
{
	struct wl_display *display = data;
	wl_display_terminate(display);
	return 0;
}

enum {
	OPT_VALIDATE = 0x100,
	OPT_HEADLESS,
	OPT_RUNTIME_DIR,
	OPT_TEST_CONTROL,
	OPT_DATA_DIR,
	OPT_NO_CAGES,
	OPT_LOCKED,
};

int
main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "validate", no_argument, NULL, OPT_VALIDATE },
		{ "headless", required_argument, NULL, OPT_HEADLESS },
		{ "runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR },
		{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
		{ "no-cages", no_argument, NULL, OPT_NO_CAGES },
		{ "locked", no_argument, NULL, OPT_LOCKED },
#if STRATA_HAS_TEST_CONTROL
		{ "test-control", no_argument, NULL, OPT_TEST_CONTROL },
#endif
		{ 0 },
	};
	const char *config_path = DEFAULT_CONFIG;
	bool explicit_config = false, validate = false, debug = false, test_control = false;
	const char *headless = NULL, *runtime_dir = NULL, *data_dir = NULL;
	bool cages = true, locked = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "hvdc:", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("strata %s\n", STRATA_VERSION);
			return 0;
		case 'd':
			debug = true;
			break;
		case 'c':
			config_path = optarg;
			explicit_config = true;
			break;
		case OPT_VALIDATE:
			validate = true;
			break;
		case OPT_HEADLESS:
			headless = optarg;
			break;
		case OPT_RUNTIME_DIR:
			runtime_dir = optarg;
			break;
		case OPT_TEST_CONTROL:
			test_control = true;
			break;
		case OPT_DATA_DIR:
			data_dir = optarg;
			break;
		case OPT_NO_CAGES:
			cages = false;
			break;
		case OPT_LOCKED:
			locked = true;
			break;
		default:
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "strata: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr, argv[0]);
		return 1;
	}

	struct strata_server server = { 0 };
	if (!load_config(&server.config, config_path, explicit_config)) {
		return 1;
	}
	if (validate) {
		if (!lock_check_config(&server.config)) {
			return 1;
		}
		printf("%s: valid, %zu level%s\n",
				explicit_config ? config_path : "built-in defaults",
				server.config.level_count,
				server.config.level_count == 1 ? "" : "s");
		return 0;
	}

	/* systemd's notify socket is strata's alone: no child started from
	 * here on inherits it (it is set again only to say READY=1). */
	char *notify_socket = getenv("NOTIFY_SOCKET") ? strdup(getenv("NOTIFY_SOCKET")) : NULL;
	unsetenv("NOTIFY_SOCKET");
	wlr_log_init(debug ? WLR_DEBUG : WLR_ERROR, NULL);
	raise_fd_limit();
	set_malloc_policy();
	/* Output for the harness and the demo is line-buffered even in a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct strata_startup startup = {
		.config_path = explicit_config ? config_path : NULL,
		.headless = headless,
		.runtime_dir = runtime_dir,
		.data_dir = data_dir,
		.cages = cages,
		.test_control = test_control,
	};
	int ret = 1;
	if (!startup_open(&server, &startup)) {
		goto out;
	}
	struct wl_event_source *sigterm = wl_event_loop_add_signal(server.event_loop, SIGTERM,
			handle_terminate, server.display);
	struct wl_event_source *sigint = wl_event_loop_add_signal(server.event_loop, SIGINT,
			handle_terminate, server.display);
	if (!startup_start(&server, &startup)) {
		goto out_signals;
	}
	if (locked) {
		/* Before any client can connect: nothing is shown or heard until
		 * the password. A restart (a crash, a reboot) starts locked too. */
		lock_engage(server.lock, "start");
	}
	printf("strata: ready\n");
	struct ready_watch ready = {
		.server = &server,
		.notify_socket = notify_socket,
		.cages = cages,
	};
	ready.status_changed.notify = handle_status_changed;
	wl_signal_add(&server.events.status_changed, &ready.status_changed);
	if (notify_socket) {
		ready.stable = wl_event_loop_add_timer(server.event_loop, handle_stable, &ready);
		if (!ready.stable) {
			fprintf(stderr, "strata: no timer: READY=1 will not be sent to systemd\n");
		}
	}
	ready_check(&ready);
	wl_display_run(server.display);
	wl_list_remove(&ready.status_changed.link);
	if (ready.stable) {
		wl_event_source_remove(ready.stable);
	}
	ret = 0;

out_signals:
	wl_event_source_remove(sigterm);
	wl_event_source_remove(sigint);
out:
	free(notify_socket);
	startup_close(&server);
	return ret;
}
