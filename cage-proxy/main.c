// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "common/config.h"
#include "config.h"
#include "proxy.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define PROXY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROXY_ASAN 1
#endif
#endif
#ifdef PROXY_ASAN
#include <sanitizer/lsan_interface.h>
#endif

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
			"Usage: %s --level NAME --listen PATH --upstream PATH [options]\n"
			"\n"
			"  -h, --help             Show this help and exit.\n"
			"  -v, --version          Show the version and exit.\n"
			"  -d, --debug            Log debug messages too (refusals are always logged).\n"
			"  -c, --config FILE      Read limits from FILE's [proxy] and [limits] sections.\n"
			"      --validate         Check the configuration and exit.\n"
			"      --level NAME       The level this proxy serves (for logs).\n"
			"      --listen PATH      Create the socket the cage connects to (must not exist).\n"
			"      --upstream PATH    The compositor's socket for this level.\n"
			"      --connection C,U   Instead of --listen and --upstream: proxy the one\n"
			"                         connection on inherited sockets C (the client's)\n"
			"                         and U (the compositor's), and end with it.\n"
			"      --uid UID --gid GID  Run as this user and group after setting up.\n"
			"      --sandbox-dir DIR  Root directory to create and chroot into\n"
			"                         (default: next to the upstream socket).\n"
			"      --no-sandbox       No chroot, no seccomp (debugging only).\n",
			prog);
}

static void
report_config_error(void *data, const char *source, int line, const char *message)
{
	fprintf(stderr, "%s:%d: %s\n", source, line, message);
}

static int
open_listener(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path) >=
			(int)sizeof(addr.sun_path)) {
		fprintf(stderr, "strata-cage-proxy: socket path too long: %s\n", path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "strata-cage-proxy: cannot listen on %s: %s\n", path,
				strerror(errno));
		close(fd);
		return -1;
	}
	/* Who may connect is decided by who sees the path: only this cage. */
	chmod(path, 0666);
	return fd;
}

static bool
parse_id(const char *text, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || *end || end == text || v > 0xfffffffeul) {
		return false;
	}
	*out = v;
	return true;
}

enum {
	OPT_VALIDATE = 0x100,
	OPT_LEVEL,
	OPT_LISTEN,
	OPT_UPSTREAM,
	OPT_UID,
	OPT_GID,
	OPT_SANDBOX_DIR,
	OPT_NO_SANDBOX,
	OPT_CONNECTION,
};

/* "C,U": two inherited Unix stream sockets, made close-on-exec and
 * non-blocking. */
static bool
parse_connection(const char *text, int *client_fd, int *upstream_fd)
{
	char *end;
	errno = 0;
	long c = strtol(text, &end, 10);
	if (errno || end == text || *end != ',' || c < 3 || c > 65535) {
		return false;
	}
	const char *rest = end + 1;
	long u = strtol(rest, &end, 10);
	if (errno || end == rest || *end || u < 3 || u > 65535 || u == c) {
		return false;
	}
	int fds[2] = { (int)c, (int)u };
	for (int i = 0; i < 2; i++) {
		struct stat st;
		int type = 0;
		socklen_t len = sizeof(type);
		if (fstat(fds[i], &st) < 0 || !S_ISSOCK(st.st_mode) ||
				getsockopt(fds[i], SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
				type != SOCK_STREAM || fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
			return false;
		}
		int flags = fcntl(fds[i], F_GETFL);
		if (flags < 0 || fcntl(fds[i], F_SETFL, flags | O_NONBLOCK) < 0) {
			return false;
		}
	}
	*client_fd = fds[0];
	*upstream_fd = fds[1];
	return true;
}

int
main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "validate", no_argument, NULL, OPT_VALIDATE },
		{ "level", required_argument, NULL, OPT_LEVEL },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "upstream", required_argument, NULL, OPT_UPSTREAM },
		{ "uid", required_argument, NULL, OPT_UID },
		{ "gid", required_argument, NULL, OPT_GID },
		{ "sandbox-dir", required_argument, NULL, OPT_SANDBOX_DIR },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "connection", required_argument, NULL, OPT_CONNECTION },
		{ 0 },
	};
	const char *config_path = NULL, *level = NULL, *listen_path = NULL, *upstream = NULL;
	const char *sandbox_dir = NULL;
	bool validate = false, sandbox = true, have_uid = false, have_gid = false, debug = false;
	int client_fd = -1, given_upstream_fd = -1;
	unsigned long uid = 0, gid = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "hvdc:", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("strata-cage-proxy %s\n", STRATA_VERSION);
			return 0;
		case 'd':
			debug = true;
			break;
		case 'c':
			config_path = optarg;
			break;
		case OPT_VALIDATE:
			validate = true;
			break;
		case OPT_LEVEL:
			level = optarg;
			break;
		case OPT_LISTEN:
			listen_path = optarg;
			break;
		case OPT_UPSTREAM:
			upstream = optarg;
			break;
		case OPT_UID:
			have_uid = parse_id(optarg, &uid);
			if (!have_uid) {
				fprintf(stderr, "strata-cage-proxy: bad --uid \"%s\"\n", optarg);
				return 1;
			}
			break;
		case OPT_GID:
			have_gid = parse_id(optarg, &gid);
			if (!have_gid) {
				fprintf(stderr, "strata-cage-proxy: bad --gid \"%s\"\n", optarg);
				return 1;
			}
			break;
		case OPT_SANDBOX_DIR:
			sandbox_dir = optarg;
			break;
		case OPT_NO_SANDBOX:
			sandbox = false;
			break;
		case OPT_CONNECTION:
			if (!parse_connection(optarg, &client_fd, &given_upstream_fd)) {
				fprintf(stderr,
						"strata-cage-proxy: --connection \"%s\" is not two "
						"inherited Unix stream sockets C,U\n",
						optarg);
				return 1;
			}
			break;
		default:
			usage(stderr, argv[0]);
			return 1;
		}
	}

	/* stdout's buffer given now: left to itself, stdio asks the kernel at
	 * the first printf whether stdout is a terminal (an ioctl), which the
	 * sandbox kills for; a pipe (the supervisor's) does not ask, /dev/null
	 * or a terminal (a proxy started by the Xwayland launcher) does. */
	static char stdout_buffer[1024];
	setvbuf(stdout, stdout_buffer, _IOLBF, sizeof(stdout_buffer));
	strata_log_init("strata-cage-proxy", debug ? STRATA_DEBUG : STRATA_INFO);
	struct strata_config cfg;
	config_set_defaults(&cfg);
	if (config_path && !config_load_file(&cfg, config_path, report_config_error, NULL)) {
		fprintf(stderr, "strata-cage-proxy: %s has errors, refusing to start\n",
				config_path);
		return 1;
	}
	if (validate) {
		printf("%s: valid\n", config_path ? config_path : "built-in defaults");
		return 0;
	}
	bool given = client_fd >= 0;
	if (!level || optind < argc || (given && (listen_path || upstream)) ||
			(!given && (!listen_path || !upstream)) ||
			(given && sandbox && !sandbox_dir)) {
		usage(stderr, argv[0]);
		return 1;
	}
	if (have_uid != have_gid) {
		fprintf(stderr, "strata-cage-proxy: --uid and --gid go together\n");
		return 1;
	}
	struct proxy_limits limits;
	proxy_limits_defaults(&limits);
	limits.max_clients = (uint32_t)cfg.proxy_max_clients;
	limits.max_objects = (uint32_t)cfg.proxy_max_objects;
	limits.max_fds_in_flight = (uint32_t)cfg.proxy_max_fds_in_flight;
	limits.max_toplevels = (uint32_t)cfg.proxy_max_toplevels;
	limits.max_messages_per_second = (uint32_t)cfg.proxy_max_messages_per_second;
	limits.client_buffer_bytes = (size_t)cfg.proxy_client_buffer_kib << 10;
	limits.max_shm_bytes = (uint64_t)cfg.shm_mib_per_client << 20;

	int listen_fd = given ? -1 : open_listener(listen_path);
	if (!given && listen_fd < 0) {
		return 1;
	}
	char inside[256];
	snprintf(inside, sizeof(inside), "%s", given ? "" : upstream);
	/* Everything that needs more than the sandbox allows happens first. */
	struct proxy proxy;
	if (!proxy_init(&proxy, listen_fd, inside, level, &limits) ||
			(given && !proxy_add_connection(&proxy, client_fd, given_upstream_fd))) {
		fprintf(stderr, "strata-cage-proxy: cannot set up the event loop\n");
		return 1;
	}
	if (sandbox) {
		char default_dir[4096];
		if (!sandbox_dir) {
			char copy[4096];
			snprintf(copy, sizeof(copy), "%s", upstream);
			snprintf(default_dir, sizeof(default_dir), "%s/cage-proxy-%s-%d",
					dirname(copy), level, (int)getpid());
			sandbox_dir = default_dir;
		}
#ifdef PROXY_ASAN
		/* LeakSanitizer's exit check needs ptrace and /proc, which the
		 * sandbox forbids: check now, once (this also cancels the exit
		 * check). The connection code is leak-checked unsandboxed by the
		 * fuzz replays. */
		__lsan_do_leak_check();
#endif
		if (!sandbox_enter(upstream, sandbox_dir, have_uid, (uid_t)uid, (gid_t)gid, inside,
				    sizeof(inside))) {
			fprintf(stderr, "strata-cage-proxy: cannot enter the sandbox, refusing to run\n");
			proxy_finish(&proxy);
			if (!given) {
				close(listen_fd);
				unlink(listen_path);
			}
			return 1;
		}
	}
	if (given) {
		printf("strata-cage-proxy: level %s, one given connection%s\n", level,
				sandbox ? " (sandboxed)" : " (NOT sandboxed)");
	} else {
		printf("strata-cage-proxy: level %s listening on %s%s\n", level, listen_path,
				sandbox ? " (sandboxed)" : " (NOT sandboxed)");
	}
	printf("strata-cage-proxy: ready\n");
	fflush(stdout);
	proxy_run(&proxy);
	if (given) {
		strata_log(STRATA_INFO, "level %s: its one connection ended: %llu messages checked",
				level, (unsigned long long)proxy.messages);
	} else {
		strata_log(STRATA_INFO, "level %s: %llu messages checked, %llu clients refused",
				level, (unsigned long long)proxy.messages,
				(unsigned long long)proxy.refusals);
	}
	proxy_finish(&proxy);
	if (!given) {
		close(listen_fd);
	}
	return 0;
}
