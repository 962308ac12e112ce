// SPDX-License-Identifier: MIT
/*
 * Cages and the session, with a real strata, real proxies, real bubblewrap
 * sandboxes and real clients started through strata-run on the core socket.
 * Levels' homes live under the session's own data directory.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "banner_check.h"
#include "common/io.h"
#include "strata_test.h"

static struct strata_session *current; /* the running test's session */

struct box_area {
	int x, y, width, height;
};

static void
launch(struct strata_session *s, const char *level, const char *const *argv)
{
	session_cage_launch(s, level, argv);
}

static bool
level_up(struct strata_session *s, const char *level)
{
	char *reply = session_ctl_ok(s, "levels");
	char needle[64];
	snprintf(needle, sizeof(needle), "level name=%s up=1", level);
	bool up = strstr(reply, needle) != NULL;
	free(reply);
	return up;
}

static bool
wait_level(struct strata_session *s, const char *level, bool up, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (session_now_ms() < deadline) {
		if (level_up(s, level) == up) {
			return true;
		}
		session_sleep_ms(50);
	}
	return false;
}

static struct strata_session *
start_session(void)
{
	session_require_program("bwrap");
	session_require_program("foot");
	struct strata_session *s = session_start(NULL);
	current = s;
	session_assert_msg(s,
			wait_level(s, "low", true, 10000) && wait_level(s, "high", true, 10000),
			"the levels' proxies did not come up");
	return s;
}

/* Waits for a file in a level's home to hold text. */
static bool
wait_home_file(const char *level, const char *name, const char *text, int timeout_ms)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/home/%s", current->data_dir, level, name);
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (session_now_ms() < deadline) {
		size_t len = 0;
		char *data = session_read_file(path, &len);
		bool ok = data && strstr(data, text);
		free(data);
		if (ok) {
			return true;
		}
		session_sleep_ms(50);
	}
	return false;
}

static void
unique_name(char *out, size_t size, const char *what)
{
	snprintf(out, size, "%s-%d-%llu", what, (int)getpid(),
			(unsigned long long)session_now_ms());
}

/* foot, weston-simple-shm and wl-copy/wl-paste, each inside a cage. */
static void
apps_run_in_cages(void)
{
	session_require_program("weston-simple-shm");
	session_require_program("wl-copy");
	struct strata_session *s = start_session();
	char out_name[128], cmd[512];
	unique_name(out_name, sizeof(out_name), "typed");
	snprintf(cmd, sizeof(cmd), "head -n1 > \"$HOME/%s\"", out_name);
	const char *foot[] = { "foot", "-T", "caged foot", "--", "sh", "-c", cmd, NULL };
	launch(s, "low", foot);
	const char *shm[] = { "weston-simple-shm", NULL };
	launch(s, "high", shm);
	struct window_match foot_match = { .level = "low", .title_contains = "caged foot" };
	struct window_info info;
	session_assert_msg(s, session_wait_window(s, &foot_match, &info, 10000),
			"foot in the low cage never mapped");
	struct window_match shm_match = { .level = "high" };
	session_assert_msg(s, session_wait_window(s, &shm_match, NULL, 10000),
			"weston-simple-shm in the high cage never mapped");
	int x, y;
	session_assert(s, session_window_visible_point(s, info.id, &x, &y));
	free(session_ctl_ok(s, "click %d %d", x, y));
	free(session_ctl_ok(s, "type caged-input-%s", "ok"));
	free(session_ctl_ok(s, "key Return"));
	session_assert_msg(s, wait_home_file("low", out_name, "caged-input-ok", 5000),
			"what was typed never reached foot in the low cage");

	/* Copy and paste inside the low level, both ends caged. */
	char secret[64], paste_name[128];
	unique_name(secret, sizeof(secret), "secret");
	unique_name(paste_name, sizeof(paste_name), "paste");
	/* Each launch is a sandbox of its own: wl-copy must not fork away. */
	const char *copy[] = { "wl-copy", "--foreground", secret, NULL };
	session_assert_msg(s, session_selection_types(s, "low") < 0,
			"low holds a selection already");
	launch(s, "low", copy);
	session_assert_msg(s, session_wait_selection(s, "low", 5, 10000),
			"wl-copy in the low cage never set low's selection (the compositor holds none "
			"with its five types)");
	snprintf(cmd, sizeof(cmd), "wl-paste -n > \"$HOME/%s\"", paste_name);
	const char *paste[] = { "sh", "-c", cmd, NULL };
	launch(s, "low", paste);
	session_assert_msg(s, wait_home_file("low", paste_name, secret, 5000),
			"wl-paste in the low cage did not get what wl-copy there set");
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/*
 * From inside the low cage, a shell tries to reach what it must not: the
 * high level's home and runtime dir, the core runtime dir and its sockets,
 * the data directory, other processes. Each attempt's outcome is one line of
 * a report written to the low home, checked here.
 */
static void
low_cage_cannot_reach_the_rest(void)
{
	session_require_program("socat");
	struct strata_session *s = start_session();
	char report[128];
	unique_name(report, sizeof(report), "probe");
	pid_t strata_pid = s->pid;
	char *levels = session_ctl_ok(s, "levels");
	char high_socket[300] = "";
	const char *p = strstr(levels, "level name=high");
	if (p && (p = strstr(p, "cage_socket="))) {
		sscanf(p + 12, "%299s", high_socket);
	}
	free(levels);
	session_assert(s, high_socket[0]);

	/* Something running in high, to try to see and signal. */
	const char *sleeper[] = { "sleep", "300", NULL };
	launch(s, "high", sleeper);

	char script[4096];
	snprintf(script, sizeof(script),
			"R=\"$HOME/%s\"; : > \"$R\"\n"
			"t() { if eval \"$2\" >/dev/null 2>&1; then echo \"REACHED $1\"; else echo \"denied $1\"; fi >> \"$R\"; }\n"
			"t high-home 'ls %s/high/home'\n"
			"t data-dir 'ls %s'\n"
			"t high-runtime 'ls /run/user/4001'\n"
			"t core-runtime 'ls %s'\n"
			"t core-socket 'socat -u OPEN:/dev/null UNIX-CONNECT:%s'\n"
			"t low-compositor-socket 'socat -u OPEN:/dev/null UNIX-CONNECT:%s'\n"
			"t high-proxy-socket 'socat -u OPEN:/dev/null UNIX-CONNECT:%s'\n"
			"t core-process 'kill -0 %d'\n"
			"t core-signal 'kill -TERM %d'\n"
			"t foreign-process 'test $(ls /proc | grep -c \"^[0-9]\") -gt 6'\n"
			"t sleep-in-high 'pgrep -x sleep'\n"
			"t shadow 'cat /etc/shadow'\n"
			"echo done >> \"$R\"\n",
			report, s->data_dir, s->data_dir, s->runtime_dir, session_socket(s, "core"),
			session_socket(s, "low"), high_socket, (int)strata_pid, (int)strata_pid);
	const char *probe[] = { "sh", "-c", script, NULL };
	launch(s, "low", probe);
	session_assert_msg(s, wait_home_file("low", report, "done", 10000),
			"the probe never finished");
	char path[512];
	snprintf(path, sizeof(path), "%s/low/home/%s", s->data_dir, report);
	char *text = session_read_file(path, NULL);
	tap_diag("probe report:\n%s", text);
	static const char *const expected[] = {
		"denied high-home",
		"denied data-dir",
		"denied high-runtime",
		"denied core-runtime",
		"denied core-socket",
		"denied low-compositor-socket",
		"denied high-proxy-socket",
		"denied core-process",
		"denied core-signal",
		"denied foreign-process",
		"denied sleep-in-high",
		"denied shadow",
	};
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		session_assert_msg(s, strstr(text, expected[i]), "expected \"%s\" in the report",
				expected[i]);
	}
	session_assert(s, strstr(text, "REACHED") == NULL);
	free(text);
	session_assert_msg(s, session_compositor_alive(s), "the probe hurt the compositor");
	session_stop(s);
}

/* ---- what a cage's network reaches ---------------------------------------- */

enum net_target {
	NET_TCP_LOOPBACK, /* TCP on 127.0.0.1 */
	NET_TCP_HOST, /* TCP on an address of the host's other than loopback */
	NET_ABSTRACT, /* an abstract Unix socket (D-Bus, X11 live there) */
	NET_TARGETS,
};

static const char *const net_target_names[NET_TARGETS] = {
	[NET_TCP_LOOPBACK] = "tcp-loopback",
	[NET_TCP_HOST] = "tcp-host-address",
	[NET_ABSTRACT] = "abstract-unix",
};

/* Listeners of the test, in the host's network namespace. */
struct net_listeners {
	int fd[NET_TARGETS];
	char address[NET_TARGETS][128]; /* socat's address for a client */
	char token[64]; /* what the probe sends, so that a connection is known to be its */
};

/* The first IPv4 address of an interface that is up and not loopback. */
static void
host_address(char *out, size_t size)
{
	struct ifaddrs *list;
	tap_assert(getifaddrs(&list) == 0);
	out[0] = '\0';
	for (struct ifaddrs *i = list; i && !out[0]; i = i->ifa_next) {
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_UP) &&
				!(i->ifa_flags & IFF_LOOPBACK)) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)i->ifa_addr;
			inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)size);
		}
	}
	freeifaddrs(list);
	if (!out[0]) {
		tap_unavailable("this machine has no IPv4 address besides loopback: the cage's "
				"reach to the host's network cannot be tested");
	}
}

static int
tcp_listener(const char *ip, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	tap_assert(fd >= 0);
	struct sockaddr_in addr = { .sin_family = AF_INET };
	tap_assert(inet_pton(AF_INET, ip, &addr.sin_addr) == 1);
	tap_assert_msg(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0, "bind %s: %s", ip,
			strerror(errno));
	tap_assert(listen(fd, 16) == 0);
	socklen_t len = sizeof(addr);
	tap_assert(getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
	*port = ntohs(addr.sin_port);
	return fd;
}

static void
net_listeners_open(struct net_listeners *l)
{
	snprintf(l->token, sizeof(l->token), "probe-%d-%llu", (int)getpid(),
			(unsigned long long)session_now_ms());
	int port;
	l->fd[NET_TCP_LOOPBACK] = tcp_listener("127.0.0.1", &port);
	snprintf(l->address[NET_TCP_LOOPBACK], sizeof(l->address[0]),
			"TCP4:127.0.0.1:%d,connect-timeout=3", port);
	char host[INET_ADDRSTRLEN];
	host_address(host, sizeof(host));
	l->fd[NET_TCP_HOST] = tcp_listener(host, &port);
	snprintf(l->address[NET_TCP_HOST], sizeof(l->address[0]), "TCP4:%s:%d,connect-timeout=3",
			host, port);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	tap_assert(fd >= 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char name[96];
	snprintf(name, sizeof(name), "strata-cage-test-%s", l->token);
	memcpy(addr.sun_path + 1, name, strlen(name)); /* sun_path[0] = '\0': abstract */
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	tap_assert_msg(bind(fd, (struct sockaddr *)&addr, len) == 0, "bind @%s: %s", name,
			strerror(errno));
	tap_assert(listen(fd, 16) == 0);
	l->fd[NET_ABSTRACT] = fd;
	snprintf(l->address[NET_ABSTRACT], sizeof(l->address[0]), "ABSTRACT-CONNECT:%s", name);
}

static void
net_listeners_close(struct net_listeners *l)
{
	for (int i = 0; i < NET_TARGETS; i++) {
		close(l->fd[i]);
	}
}

/* Connections waiting on a listener that carry the probe's token for it
 * (accepted and read within timeout_ms); any other connection fails. */
static int
probe_connections(struct strata_session *s, const struct net_listeners *l, enum net_target t,
		int expect, int timeout_ms)
{
	char want[128];
	snprintf(want, sizeof(want), "%s %s\n", l->token, net_target_names[t]);
	int count = 0;
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		int fd = accept4(l->fd[t], NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			char got[128] = "";
			size_t len = 0;
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			while (len < sizeof(got) - 1 && poll(&pfd, 1, 2000) > 0) {
				ssize_t n = read(fd, got + len, sizeof(got) - 1 - len);
				if (n <= 0) {
					break;
				}
				len += (size_t)n;
			}
			got[len] = '\0';
			close(fd);
			session_assert_msg(s, strcmp(got, want) == 0,
					"%s: a connection that is not the probe's: \"%s\"",
					net_target_names[t], got);
			count++;
			continue;
		}
		if (count >= expect || session_now_ms() >= deadline) {
			return count;
		}
		session_sleep_ms(20);
	}
}

/*
 * A shell in the low cage connects with socat to each listener, sending the
 * token and the target's name, and writes one line per target to a report
 * in its home: "REACHED name" or "denied name rc=N" (socat's error after).
 * Returns the report (malloc'd).
 */
static char *
run_network_probe(struct strata_session *s, const struct net_listeners *l)
{
	session_assert_msg(s, wait_level(s, "low", true, 10000), "low's proxy did not come up");
	char report[128], script[4096];
	unique_name(report, sizeof(report), "net-probe");
	size_t used = (size_t)snprintf(script, sizeof(script),
			"R=\"$HOME/%s\"; : > \"$R.err\"\n"
			"c() { if echo \"%s $1\" | socat -u STDIN \"$2\" 2>>\"$R.err\"; then\n"
			"  echo \"REACHED $1\"; else echo \"denied $1 rc=$?\"; fi >> \"$R.part\"; }\n",
			report, l->token);
	for (int t = 0; t < NET_TARGETS; t++) {
		used += (size_t)snprintf(script + used, sizeof(script) - used, "c %s '%s'\n",
				net_target_names[t], l->address[t]);
	}
	snprintf(script + used, sizeof(script) - used,
			"cat \"$R.err\" >> \"$R.part\"; echo done >> \"$R.part\"; mv \"$R.part\" \"$R\"\n");
	session_assert(s, used < sizeof(script));
	const char *probe[] = { "sh", "-c", script, NULL };
	launch(s, "low", probe);
	session_assert_msg(s, wait_home_file("low", report, "done", 20000),
			"the network probe never finished");
	char path[512];
	snprintf(path, sizeof(path), "%s/low/home/%s", s->data_dir, report);
	char *text = session_read_file(path, NULL);
	session_assert(s, text != NULL);
	tap_diag("network probe in the low cage:\n%s", text);
	return text;
}

/*
 * A program in a cage reaches the host's network only when its level says
 * `network = shared`. First the positive control, so that "denied" can mean
 * something: with low shared, the probe reaches TCP on loopback, TCP on an
 * address of the host's and an abstract Unix socket, and each listener of
 * the test receives the probe's own token. Then with the default (none) the
 * same probe reaches none of them, and no listener hears anything.
 */
static void
cage_network_is_what_the_level_says(void)
{
	session_require_program("bwrap");
	session_require_program("socat");
	struct net_listeners l;
	net_listeners_open(&l);

	struct session_options shared_opts = {
		.config = "[level low]\ncolour = #2e7d32\nnetwork = shared\n"
			  "[level high]\ncolour = #c62828\n",
	};
	struct strata_session *s = session_start(&shared_opts);
	current = s;
	char *text = run_network_probe(s, &l);
	for (int t = 0; t < NET_TARGETS; t++) {
		char line[64];
		snprintf(line, sizeof(line), "REACHED %s\n", net_target_names[t]);
		session_assert_msg(s, strstr(text, line),
				"network = shared: the probe did not reach %s: the probe cannot "
				"tell reach from denial",
				net_target_names[t]);
		int heard = probe_connections(s, &l, (enum net_target)t, 1, 3000);
		session_assert_msg(s, heard == 1,
				"network = shared: %s heard %d connections of "
				"the probe, expected 1",
				net_target_names[t], heard);
	}
	free(text);
	session_stop(s);

	s = session_start(NULL);
	current = s;
	text = run_network_probe(s, &l);
	for (int t = 0; t < NET_TARGETS; t++) {
		char line[64];
		snprintf(line, sizeof(line), "denied %s rc=", net_target_names[t]);
		session_assert_msg(s, strstr(text, line), "network = none: the probe reached %s",
				net_target_names[t]);
		int heard = probe_connections(s, &l, (enum net_target)t, 0, 500);
		session_assert_msg(s, heard == 0,
				"network = none: %s heard %d connections from the low cage",
				net_target_names[t], heard);
	}
	free(text);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
	net_listeners_close(&l);
}

static pid_t
proxy_pid_of(const char *level, const char *runtime_dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "pgrep -f -- '--level %s --listen %s/'", level, runtime_dir);
	FILE *f = popen(cmd, "r");
	tap_assert(f);
	int pid = 0;
	if (fscanf(f, "%d", &pid) != 1) {
		pid = 0;
	}
	pclose(f);
	return pid;
}

/* Killing low's proxy: the compositor and high carry on; low comes back. */
static void
killed_proxy_comes_back(void)
{
	session_require_program("weston-simple-shm");
	struct strata_session *s = start_session();
	const char *shm[] = { "weston-simple-shm", NULL };
	/* high's window maps first (and takes focus), then low's: in that
	 * order, not as the two cages happen to start. */
	struct window_match high = { .level = "high" }, low = { .level = "low" };
	launch(s, "high", shm);
	session_assert(s, session_wait_window(s, &high, NULL, 10000));
	launch(s, "low", shm);
	session_assert(s, session_wait_window(s, &low, NULL, 10000));

	pid_t proxy = proxy_pid_of("low", s->runtime_dir);
	session_assert_msg(s, proxy > 0, "no proxy process found for low");
	session_assert(s, kill(proxy, SIGKILL) == 0);
	session_assert_msg(s, wait_level(s, "low", false, 5000), "low never went down");
	/* The banner says so, in its pixels: high has focus (its window mapped
	 * first, and low's does not take focus from another level). */
	session_assert(s, session_wait_focused_level(s, "high", 3000));
	struct banner_expect high_low_down = { .level = "high", .down = "\u26a0 down: low" };
	session_assert_banner(s, &high_low_down, 3000);
	/* low's client lost its connection; high's did not. */
	session_assert_msg(s, session_wait_windows(s, 1, 5000), "low's window did not go away");
	session_assert_msg(s, session_find_window(s, &high, NULL), "high's window went away");
	session_assert(s, session_compositor_alive(s));

	session_assert_msg(s, wait_level(s, "low", true, 10000), "low's proxy did not come back");
	struct banner_expect high_all_up = { .level = "high" };
	session_assert_banner(s, &high_all_up, 3000);
	pid_t again = proxy_pid_of("low", s->runtime_dir);
	session_assert(s, again > 0 && again != proxy);
	launch(s, "low", shm);
	session_assert_msg(s, session_wait_window(s, &low, NULL, 10000),
			"a new low app could not connect after the restart");
	session_assert(s, session_find_window(s, &high, NULL));
	session_stop(s);
}

/* The delays the compositor's log announces for low's proxy, in order
 * ("... restarting in N ms"); how many were found. */
static int
logged_proxy_delays(struct strata_session *s, unsigned *out, int max)
{
	char *text = session_read_file(s->log, NULL);
	int n = 0;
	for (const char *p = text; p && n < max && (p = strstr(p, "proxy of low (pid ")); p++) {
		const char *eol = strchr(p, '\n');
		const char *in = strstr(p, "restarting in ");
		if (in && (!eol || in < eol)) {
			out[n++] = (unsigned)strtoul(in + 14, NULL, 10);
		}
	}
	free(text);
	return n;
}

/*
 * Low's proxy killed again as soon as it is back, three times: each time it
 * comes back later than the time before, never sooner than the back-off the
 * compositor announced (250, 500, 1000 ms), and high is never disturbed.
 */
static void
killed_proxy_comes_back_later_each_time(void)
{
	struct strata_session *s = start_session();
	static const unsigned expected[] = { 250, 500, 1000 };
	uint64_t took[3];
	for (int round = 0; round < 3; round++) {
		pid_t proxy = proxy_pid_of("low", s->runtime_dir);
		session_assert_msg(s, proxy > 0, "round %d: no proxy process for low", round + 1);
		uint64_t t_kill = session_now_ms();
		session_assert(s, kill(proxy, SIGKILL) == 0);
		session_assert_msg(s, wait_level(s, "low", false, 5000), "low never went down");
		session_assert_msg(s, wait_level(s, "low", true, 10000),
				"round %d: low's proxy did not come back", round + 1);
		took[round] = session_now_ms() - t_kill;
		tap_diag("round %d: low back %llu ms after the kill", round + 1,
				(unsigned long long)took[round]);
		session_assert(s, level_up(s, "high"));
	}
	unsigned delays[8];
	int n = logged_proxy_delays(s, delays, 8);
	session_assert_msg(s, n == 3, "the log announces %d restarts of low's proxy", n);
	for (int round = 0; round < 3; round++) {
		session_assert_msg(s, delays[round] == expected[round],
				"restart %d announced after %u ms, not %u", round + 1,
				delays[round], expected[round]);
		session_assert_msg(s, took[round] >= delays[round],
				"round %d: back after %llu ms, before its %u ms of back-off",
				round + 1, (unsigned long long)took[round], delays[round]);
		session_assert_msg(s, round == 0 || took[round] > took[round - 1],
				"round %d: back after %llu ms, round %d after %llu ms", round + 1,
				(unsigned long long)took[round], round,
				(unsigned long long)took[round - 1]);
	}
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* /proc/PID/stat: the parent, and the start time (0: gone or a zombie). */
static bool
proc_stat(pid_t pid, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return false;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	const char *p = strrchr(buf, ')');
	char state = 0;
	int parent = 0;
	unsigned long long t = 0;
	if (!p ||
			sscanf(p + 2,
					"%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
					"%*d %*d %*d %llu",
					&state, &parent, &t) != 3) {
		return false;
	}
	*ppid = parent;
	*start = state == 'Z' || state == 'X' ? 0 : t;
	return true;
}

static bool
descends_from(pid_t pid, pid_t ancestor)
{
	for (int depth = 0; depth < 32 && pid > 1; depth++) {
		unsigned long long start;
		if (!proc_stat(pid, &pid, &start)) {
			return false;
		}
		if (pid == ancestor) {
			return true;
		}
	}
	return false;
}

#define SNAPSHOT_MAX 256

/*
 * When strata quits, every process it started is gone within its bounded
 * shutdown: proxies, cages, what runs in them (some ignoring SIGTERM, some
 * in sessions of their own), whether or not their command line names the
 * runtime directory. Found by walking /proc from the compositor down.
 */
static void
nothing_outlives_the_compositor(void)
{
	struct strata_session *s = start_session();
	const char *stubborn[] = { "sh", "-c",
		"trap '' TERM HUP; setsid sleep 300 & sleep 300 & while :; do sleep 1; done",
		NULL };
	launch(s, "low", stubborn);
	launch(s, "high", stubborn);
	const char *plain[] = { "sleep", "300", NULL };
	launch(s, "high", plain);
	static pid_t pids[SNAPSHOT_MAX];
	static unsigned long long starts[SNAPSHOT_MAX];
	int n = 0;
	uint64_t end = session_now_ms() + 5000;
	/* until the shells' sleeps run (in each cage: sh, two sleeps) */
	int sleeps;
	do {
		n = 0;
		sleeps = 0;
		DIR *dir = opendir("/proc");
		session_assert(s, dir);
		struct dirent *e;
		while ((e = readdir(dir)) && n < SNAPSHOT_MAX) {
			pid_t pid = (pid_t)atoi(e->d_name), ppid;
			if (pid > 0 && descends_from(pid, s->pid) &&
					proc_stat(pid, &ppid, &starts[n]) && starts[n]) {
				char path[64];
				snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
				char *comm = session_read_file(path, NULL);
				sleeps += comm && strncmp(comm, "sleep", 5) == 0;
				free(comm);
				pids[n++] = pid;
			}
		}
		closedir(dir);
		if (sleeps < 5) {
			session_assert_msg(s, session_now_ms() < end,
					"only %d sleeps run in the cages", sleeps);
			session_sleep_ms(50);
		}
	} while (sleeps < 5);
	tap_diag("%d processes descend from the compositor", n);
	uint64_t t_quit = session_now_ms();
	session_stop(s); /* fails on a bad exit or a proxy or cage left running */
	uint64_t took = session_now_ms() - t_quit;
	tap_diag("quit to the end of the session: %llu ms", (unsigned long long)took);
	/* SIGTERM ends every child the compositor started (bwrap takes its
	 * sandbox with it): none waits for the SIGKILL that comes 2 s later
	 * (a child started with SIGTERM blocked would). */
	tap_assert_msg(took < 2000, "the session took %llu ms to end: a child needed SIGKILL",
			(unsigned long long)took);
	for (int i = 0; i < n; i++) {
		pid_t ppid;
		unsigned long long start = 0;
		bool alive = proc_stat(pids[i], &ppid, &start) && start == starts[i];
		if (alive) {
			kill(pids[i], SIGKILL);
		}
		tap_assert_msg(!alive, "%d, started by the compositor, outlived it", (int)pids[i]);
	}
}

static void
launcher_refuses_what_it_must(void)
{
	struct strata_session *s = start_session();
	char out[1024];
	const char *foot[] = { "foot", NULL };
	int rc = session_run_launcher(s, session_socket(s, "core"), "secret", foot, out,
			sizeof(out));
	session_assert_msg(s,
			rc != 0 && strstr(out, "unknown level \"secret\"") &&
					strstr(out, "levels: low high"),
			"unknown level: rc %d, \"%s\"", rc, out);
	/* From a level socket there is no control global at all. */
	rc = session_run_launcher(s, session_socket(s, "low"), "low", foot, out, sizeof(out));
	session_assert_msg(s, rc != 0 && strstr(out, "offers no strata_control_v1"),
			"from a level socket: rc %d, \"%s\"", rc, out);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* Autostart, and the time from strata's start to both levels' windows. */
static void
autostart_and_time_to_first_windows(void)
{
	session_require_program("weston-simple-shm");
	uint64_t t0 = session_now_ms();
	struct session_options opts = {
		.config = "[level low]\ncolour = #2e7d32\nautostart = weston-simple-shm\n"
			  "[level high]\ncolour = #c62828\nautostart = weston-simple-shm\n",
	};
	struct strata_session *s = session_start(&opts);
	current = s;
	struct window_match high = { .level = "high" }, low = { .level = "low" };
	session_assert_msg(s,
			session_wait_window(s, &low, NULL, 15000) &&
					session_wait_window(s, &high, NULL, 15000),
			"autostart did not map both windows");
	uint64_t took = session_now_ms() - t0;
	tap_diag("strata start to both levels' first windows: %llu ms", (unsigned long long)took);
	session_stop(s);
}

/*
 * A low selection never reaches high, even when focus goes from low to
 * nothing and only then to high (wl-paste in high maps a window; it does not
 * take focus by itself, low having had it last: the user clicks it).
 */
static void
selection_never_crosses_levels(void)
{
	session_require_program("wl-copy");
	struct strata_session *s = start_session();
	const char *foot[] = { "foot", "-T", "low foot", NULL };
	launch(s, "low", foot);
	struct window_match low_foot = { .level = "low", .title_contains = "low foot" };
	struct window_info info;
	session_assert(s, session_wait_window(s, &low_foot, &info, 10000));
	char secret[64], paste_name[128], cmd[512];
	unique_name(secret, sizeof(secret), "low-secret");
	unique_name(paste_name, sizeof(paste_name), "high-paste");
	const char *copy[] = { "wl-copy", "--foreground", secret, NULL };
	session_assert_msg(s, session_selection_types(s, "low") < 0,
			"low holds a selection already");
	launch(s, "low", copy);
	session_assert_msg(s, session_wait_selection(s, "low", 5, 10000),
			"wl-copy in the low cage never set low's selection (the compositor holds none "
			"with its five types)");
	/* Close low's foot: nothing has focus now. */
	int x, y;
	session_assert(s, session_window_visible_point(s, info.id, &x, &y));
	free(session_ctl_ok(s, "click %d %d", x, y));
	free(session_ctl_ok(s, "key logo+q"));
	session_assert_msg(s, session_wait_focused_level(s, "none", 5000), "focus did not go away");
	snprintf(cmd, sizeof(cmd),
			"wl-paste -n > \"$HOME/%s\" 2>&1; echo \" rc=$?\" >> \"$HOME/%s\"",
			paste_name, paste_name);
	const char *paste[] = { "sh", "-c", cmd, NULL };
	launch(s, "high", paste);
	struct window_info paste_window;
	session_assert_msg(s,
			session_wait_window(s, &(struct window_match){ .level = "high" },
					&paste_window, 10000),
			"wl-paste in high mapped no window");
	session_assert(s, session_window_visible_point(s, paste_window.id, &x, &y));
	free(session_ctl_ok(s, "click %d %d", x, y));
	session_assert_msg(s, wait_home_file("high", paste_name, "rc=", 5000),
			"wl-paste never ran");
	char path[512];
	snprintf(path, sizeof(path), "%s/high/home/%s", s->data_dir, paste_name);
	char *text = session_read_file(path, NULL);
	tap_diag("high pasted: %s", text);
	session_assert_msg(s, !strstr(text, secret), "low's selection reached high");
	free(text);
	session_stop(s);
}

/* ---- the cage as a user session ----------------------------------------- */

/*
 * Runs body (sh) in a level's cage, its output (stdout and stderr) and a
 * last line "done" written to a report in the level's home; returns the
 * report (malloc'd) once it is complete, or fails the test.
 */
static char *
run_probe(struct strata_session *s, const char *level, const char *body, int timeout_ms)
{
	char report[128];
	unique_name(report, sizeof(report), "probe");
	size_t size = strlen(body) + 512;
	char *script = malloc(size);
	session_assert(s, script != NULL);
	snprintf(script, size,
			"R=\"$HOME/%s\"\n{\n%s\n} > \"$R.part\" 2>&1\n"
			"echo done >> \"$R.part\"; mv \"$R.part\" \"$R\"\n",
			report, body);
	const char *probe[] = { "sh", "-c", script, NULL };
	launch(s, level, probe);
	free(script);
	session_assert_msg(s, wait_home_file(level, report, "done\n", timeout_ms),
			"the probe in %s never finished", level);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/home/%s", s->data_dir, level, report);
	char *text = session_read_file(path, NULL);
	session_assert(s, text != NULL);
	tap_diag("probe in %s:\n%s", level, text);
	return text;
}

/* Every line of expected (one per line) is a line of text. */
static void
assert_lines(struct strata_session *s, const char *text, const char *const *expected, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		char line[512];
		snprintf(line, sizeof(line), "\n%s\n", expected[i]);
		bool found = strstr(text, line) != NULL ||
				strncmp(text, line + 1, strlen(line + 1)) == 0;
		session_assert_msg(s, found, "expected the line \"%s\"", expected[i]);
	}
}

static const char session_probe[] =
		"echo \"id-un=$(id -un)\"\n"
		"echo \"getent-passwd=$(getent passwd $(id -u))\"\n"
		"echo \"getent-group=$(getent group $(id -g))\"\n"
		"echo \"passwd-lines=$(wc -l < /etc/passwd)\"\n"
		"echo \"USER=$USER LOGNAME=$LOGNAME HOME=$HOME LANG=$LANG\"\n"
		"for v in XDG_CONFIG_HOME XDG_CACHE_HOME XDG_DATA_HOME XDG_STATE_HOME; do\n"
		"  eval d=\\$$v; echo \"$v=$d $(stat -c '%a %u' \"$d\")\"; done\n"
		"echo \"dri=$(if test -e /dev/dri; then echo present; else echo absent; fi)\"";

/*
 * A program in a cage finds its user (passwd, group, id -un), its XDG base
 * directories (made 0700 in the persistent home, the cage's user's), USER,
 * LOGNAME and the session's LANG; none of the host's users; no /dev/dri. A
 * LANG that is not a locale name reaches no cage (C.UTF-8 instead).
 */
static void
cage_is_a_user_session(void)
{
	setenv("LANG", "en_GB.UTF-8", 1);
	struct strata_session *s = start_session();
	char *text = run_probe(s, "low", session_probe, 10000);
	static const char *const low[] = {
		"id-un=user",
		"getent-passwd=user:x:4000:4000:Strata level low:/home/user:/bin/sh",
		"getent-group=user:x:4000:",
		"passwd-lines=3",
		"USER=user LOGNAME=user HOME=/home/user LANG=en_GB.UTF-8",
		"XDG_CONFIG_HOME=/home/user/.config 700 4000",
		"XDG_CACHE_HOME=/home/user/.cache 700 4000",
		"XDG_DATA_HOME=/home/user/.local/share 700 4000",
		"XDG_STATE_HOME=/home/user/.local/state 700 4000",
		"dri=absent",
	};
	assert_lines(s, text, low, sizeof(low) / sizeof(low[0]));
	free(text);
	/* The directories are in the persistent home, as the host sees it. */
	static const char *const dirs[] = { ".config", ".cache", ".local", ".local/share",
		".local/state" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/low/home/%s", s->data_dir, dirs[i]);
		struct stat st;
		session_assert_msg(s, lstat(path, &st) == 0 && S_ISDIR(st.st_mode),
				"%s is not a directory", path);
		session_assert_msg(s,
				st.st_uid == 4000 && st.st_gid == 4000 &&
						(st.st_mode & 07777) == 0700,
				"%s: owner %u:%u mode %o", path, (unsigned)st.st_uid,
				(unsigned)st.st_gid, (unsigned)(st.st_mode & 07777));
	}
	/* high's user is high's. */
	text = run_probe(s, "high", session_probe, 10000);
	static const char *const high[] = {
		"id-un=user",
		"getent-passwd=user:x:4001:4001:Strata level high:/home/user:/bin/sh",
		"getent-group=user:x:4001:",
	};
	assert_lines(s, text, high, sizeof(high) / sizeof(high[0]));
	free(text);
	session_stop(s);

	/* A LANG that is not a locale name is not passed on. */
	setenv("LANG", "en_GB.UTF-8;touch /tmp/x", 1);
	s = start_session();
	text = run_probe(s, "low", "echo \"LANG=$LANG\"", 10000);
	static const char *const fallback[] = { "LANG=C.UTF-8" };
	assert_lines(s, text, fallback, 1);
	free(text);
	session_stop(s);
	unsetenv("LANG");
}

/*
 * The GPU's device nodes only where the level says gpu = true: high (no
 * gpu) has no /dev/dri whatever the host has; low (gpu = true) starts and
 * has the host's, if the host has one (a visible skip where it has none).
 */
static void
gpu_only_where_the_level_allows(void)
{
	struct session_options opts = {
		.config = "[level low]\ncolour = #2e7d32\ngpu = true\n"
			  "[level high]\ncolour = #c62828\n",
	};
	session_require_program("bwrap");
	struct strata_session *s = session_start(&opts);
	current = s;
	session_assert(s, wait_level(s, "low", true, 10000) && wait_level(s, "high", true, 10000));
	static const char probe[] =
			"echo \"dri=$(if test -e /dev/dri; then echo present; else echo absent; fi)\"";
	char *text = run_probe(s, "high", probe, 10000);
	static const char *const absent[] = { "dri=absent" };
	assert_lines(s, text, absent, 1);
	free(text);
	text = run_probe(s, "low", probe, 10000);
	bool host_has_dri = access("/dev/dri", F_OK) == 0;
	static const char *const present[] = { "dri=present" };
	assert_lines(s, text, host_has_dri ? present : absent, 1);
	free(text);
	session_stop(s);
	if (!host_has_dri) {
		tap_skip("this host has no /dev/dri: a level with gpu = true starts, but what it "
			 "is given of a GPU cannot be seen here");
	}
}

/*
 * Fonts in a cage come from the host's fontconfig cache: fc-list finds
 * fonts and no launch writes a cache file, neither in /var/cache/fontconfig
 * (the private /var would get one per launch) nor in XDG_CACHE_HOME.
 */
static void
fontconfig_cache_is_not_rebuilt(void)
{
	session_require_program("fc-list");
	session_require_program("fc-match");
	struct strata_session *s = start_session();
	static const char probe[] =
			"touch /tmp/before\n"
			"echo \"fonts=$(fc-list | wc -l)\"\n"
			"echo \"match=$(fc-match -f '%{family}' sans-serif)\"\n"
			"find /var/cache/fontconfig \"$XDG_CACHE_HOME/fontconfig\" -type f "
			"-newer /tmp/before 2>/dev/null | sed 's/^/written /'\n"
			"echo \"written=$(find /var/cache/fontconfig \"$XDG_CACHE_HOME/fontconfig\" "
			"-type f -newer /tmp/before 2>/dev/null | wc -l)\"";
	for (int round = 0; round < 2; round++) {
		char *text = run_probe(s, "low", probe, 10000);
		const char *fonts = strstr(text, "fonts=");
		session_assert_msg(s, fonts && atoi(fonts + 6) > 0, "fc-list found no font");
		session_assert_msg(s, !strstr(text, "match=\n"), "fc-match matched nothing");
		static const char *const none[] = { "written=0" };
		assert_lines(s, text, none, 1);
		free(text);
	}
	session_stop(s);
}

/* ---- each level's session bus ----------------------------------------------- */

/* The pid of the level's dbus-daemon (by its uid), 0 if none runs. */
static pid_t
bus_daemon_pid(struct strata_session *s, uid_t uid)
{
	DIR *dir = opendir("/proc");
	session_assert(s, dir);
	pid_t found = 0;
	struct dirent *e;
	while (!found && (e = readdir(dir))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0 || !descends_from(pid, s->pid)) {
			continue;
		}
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		char *status = session_read_file(path, NULL);
		unsigned real = 0;
		const char *u = status ? strstr(status, "\nUid:") : NULL;
		bool is_bus = status && strncmp(status, "Name:\tdbus-daemon\n", 18) == 0;
		if (is_bus && u && sscanf(u + 5, "%u", &real) == 1 && real == uid) {
			found = pid;
		}
		free(status);
	}
	closedir(dir);
	return found;
}

static bool
wait_bus_daemon(struct strata_session *s, uid_t uid, pid_t not, pid_t *out, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		pid_t pid = bus_daemon_pid(s, uid);
		if (pid > 0 && pid != not ) {
			*out = pid;
			return true;
		}
		session_sleep_ms(50);
	} while (session_now_ms() < deadline);
	return false;
}

/*
 * The named Unix sockets a process holds, as /proc/net/unix names them (its
 * network namespace must be ours: a level with network = shared): how many
 * (bound), how many of them abstract (a name starting with @), and their
 * names (into names, each after a space).
 */
static void
process_unix_sockets(struct strata_session *s, pid_t pid, int *bound, int *abstract, char *names,
		size_t names_size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *dir = opendir(path);
	session_assert(s, dir);
	unsigned long inodes[256];
	size_t count = 0;
	struct dirent *e;
	while ((e = readdir(dir)) && count < 256) {
		char link[384], target[128];
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			unsigned long inode;
			if (sscanf(target, "socket:[%lu]", &inode) == 1) {
				inodes[count++] = inode;
			}
		}
	}
	closedir(dir);
	*bound = *abstract = 0;
	names[0] = '\0';
	char *table = session_read_file("/proc/net/unix", NULL);
	session_assert(s, table != NULL);
	/* Num RefCount Protocol Flags Type St Inode [Path], a line each. */
	for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long inode;
		char name[256] = "";
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %255s", &inode, name) < 1) {
			continue;
		}
		for (size_t i = 0; i < count; i++) {
			if (inodes[i] == inode && name[0]) {
				(*bound)++;
				*abstract += name[0] == '@';
				size_t used = strlen(names);
				snprintf(names + used, names_size - used, " %s", name);
			}
		}
	}
	free(table);
}

static const char bus_probe_fmt[] =
		"q() { dbus-send \"$@\" --print-reply --dest=org.freedesktop.DBus / "
		"org.freedesktop.DBus.$M 2>&1; echo \"rc=$?\"; }\n"
		"echo \"address=$DBUS_SESSION_BUS_ADDRESS\"\n"
		"M=GetId; q --session | sed -n 's/^ *string \"\\(.*\\)\"/id=\\1/p'\n"
		"M=ListNames; q --session | grep -c 'string \"org.freedesktop.DBus\"' | sed 's/^/own-bus-names=/'\n"
		"M=ListNames\n"
		"echo \"== host path\"; q --bus=unix:path=%s\n"
		"echo \"== cage path\"; q --bus=unix:path=/run/user/%u/bus\n"
		"echo \"== abstract\"; q --bus=unix:abstract=/run/user/%u/bus\n";

/* The text after "prefix" up to the end of its line (into out). */
static bool
line_value(const char *text, const char *prefix, char *out, size_t size)
{
	const char *p = strstr(text, prefix);
	if (!p) {
		return false;
	}
	p += strlen(prefix);
	snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
	return true;
}

/*
 * Each level has its own D-Bus session bus, on a path socket in its runtime
 * dir: a program in low reaches low's and not high's, neither through the
 * path of high's socket on the host, nor high's path inside a cage, nor the
 * abstract namespace that levels sharing the network share with the host
 * (both levels share it here: the worst case). No bus daemon holds an
 * abstract socket. Killed, low's bus comes back (a new bus, a new id), and
 * high's stays the same.
 */
static void
each_level_has_its_own_session_bus(void)
{
	session_require_program("dbus-daemon");
	session_require_program("dbus-send");
	struct session_options opts = {
		.config = "[level low]\ncolour = #2e7d32\nnetwork = shared\n"
			  "[level high]\ncolour = #c62828\nnetwork = shared\n",
	};
	struct strata_session *s = session_start(&opts);
	current = s;
	session_assert(s, wait_level(s, "low", true, 10000) && wait_level(s, "high", true, 10000));
	pid_t low_bus, high_bus;
	session_assert_msg(s,
			wait_bus_daemon(s, 4000, 0, &low_bus, 10000) &&
					wait_bus_daemon(s, 4001, 0, &high_bus, 10000),
			"a level's dbus-daemon does not run");
	/* Listening (its socket is there) before anyone connects. */
	char low_socket[512], high_socket[512];
	snprintf(low_socket, sizeof(low_socket), "%s/run-low/bus", s->runtime_dir);
	snprintf(high_socket, sizeof(high_socket), "%s/run-high/bus", s->runtime_dir);
	uint64_t deadline = session_now_ms() + 10000;
	while ((access(low_socket, F_OK) != 0 || access(high_socket, F_OK) != 0) &&
			session_now_ms() < deadline) {
		session_sleep_ms(20);
	}
	session_assert_msg(s, access(low_socket, F_OK) == 0 && access(high_socket, F_OK) == 0,
			"the levels' bus sockets never appeared");

	char probe[2048];
	snprintf(probe, sizeof(probe), bus_probe_fmt, high_socket, 4001u, 4001u);
	char *low = run_probe(s, "low", probe, 15000);
	snprintf(probe, sizeof(probe), bus_probe_fmt, low_socket, 4000u, 4000u);
	char *high = run_probe(s, "high", probe, 15000);
	static const char *const own_low[] = { "address=unix:path=/run/user/4000/bus",
		"own-bus-names=1" };
	assert_lines(s, low, own_low, 2);
	static const char *const own_high[] = { "address=unix:path=/run/user/4001/bus",
		"own-bus-names=1" };
	assert_lines(s, high, own_high, 2);
	char low_id[64] = "", high_id[64] = "";
	session_assert(s, line_value(low, "\nid=", low_id, sizeof(low_id)) && low_id[0]);
	session_assert(s, line_value(high, "\nid=", high_id, sizeof(high_id)) && high_id[0]);
	session_assert_msg(s, strcmp(low_id, high_id) != 0, "low and high share the bus %s",
			low_id);
	/* What the client in low got for each way to high's bus. */
	char expect[3][1400];
	snprintf(expect[0], sizeof(expect[0]),
			"== host path\nFailed to open connection to \"unix:path=%s\" message bus: "
			"Failed to connect to socket %s: No such file or directory\nrc=1\n",
			high_socket, high_socket);
	snprintf(expect[1], sizeof(expect[1]),
			"== cage path\nFailed to open connection to \"unix:path=/run/user/4001/bus\" "
			"message bus: Failed to connect to socket /run/user/4001/bus: No such file "
			"or directory\nrc=1\n");
	snprintf(expect[2], sizeof(expect[2]),
			"== abstract\nFailed to open connection to \"unix:abstract=/run/user/4001/bus\" "
			"message bus: Failed to connect to socket /run/user/4001/bus: Connection "
			"refused\nrc=1\n");
	for (int i = 0; i < 3; i++) {
		session_assert_msg(s, strstr(low, expect[i]), "low's probe did not get:\n%s",
				expect[i]);
	}
	free(low);
	free(high);

	/* Neither daemon has an abstract socket: each has its path socket. */
	pid_t buses[2] = { low_bus, high_bus };
	for (int i = 0; i < 2; i++) {
		int bound, abstract;
		char names[1024];
		process_unix_sockets(s, buses[i], &bound, &abstract, names, sizeof(names));
		tap_diag("dbus-daemon %d holds:%s", (int)buses[i], names);
		session_assert_msg(s, abstract == 0, "dbus-daemon %d listens on an abstract socket",
				(int)buses[i]);
		char own[64];
		snprintf(own, sizeof(own), " /run/user/%u/bus", 4000u + (unsigned)i);
		session_assert_msg(s, strstr(names, own), "dbus-daemon %d is not on %s",
				(int)buses[i], own + 1);
	}

	/* Killed, low's bus comes back, a new one; high's is the same. */
	session_assert(s, kill(low_bus, SIGKILL) == 0);
	pid_t again;
	session_assert_msg(s, wait_bus_daemon(s, 4000, low_bus, &again, 10000),
			"low's dbus-daemon did not come back");
	static const char retry[] =
			"i=0; until dbus-send --session --print-reply --dest=org.freedesktop.DBus / "
			"org.freedesktop.DBus.GetId > /tmp/id 2>&1 || [ $i -ge 100 ]; do\n"
			"  i=$((i + 1)); sleep 0.1; done\n"
			"sed -n 's/^ *string \"\\(.*\\)\"/id=\\1/p' /tmp/id";
	low = run_probe(s, "low", retry, 20000);
	char new_id[64] = "";
	session_assert_msg(s, line_value(low, "id=", new_id, sizeof(new_id)) && new_id[0],
			"low's bus did not answer after its restart");
	session_assert_msg(s, strcmp(new_id, low_id) != 0, "low's bus is still %s", low_id);
	free(low);
	session_assert(s, bus_daemon_pid(s, 4001) == high_bus);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

/* ---- a real office suite in a cage ---------------------------------------- */

/* Pixels of a box that differ between two screenshots of the same size;
 * fails the test when the box holds no pixel of them. */
static long
pixels_changed(struct strata_session *s, const uint32_t *a, const uint32_t *b, int width,
		int height, struct box_area box)
{
	int x0 = box.x < 0 ? 0 : box.x, y0 = box.y < 0 ? 0 : box.y;
	int x1 = box.x + box.width > width ? width : box.x + box.width;
	int y1 = box.y + box.height > height ? height : box.y + box.height;
	session_assert_msg(s, x1 > x0 && y1 > y0, "the box %d,%d %dx%d is off the screen", box.x,
			box.y, box.width, box.height);
	long changed = 0;
	for (int y = y0; y < y1; y++) {
		for (int x = x0; x < x1; x++) {
			size_t i = (size_t)y * (size_t)width + (size_t)x;
			changed += a[i] != b[i];
		}
	}
	return changed;
}

/* Waits until the screen no longer changes in box for two screenshots in
 * a row (a starting application settles); returns the last one. */
static uint32_t *
settled_screen(struct strata_session *s, struct box_area box, int timeout_ms, int *width,
		int *height)
{
	uint32_t *last = session_screenshot(s, width, height);
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		session_sleep_ms(300);
		int w, h;
		uint32_t *now = session_screenshot(s, &w, &h);
		session_assert(s, w == *width && h == *height);
		long changed = pixels_changed(s, last, now, w, h, box);
		free(last);
		last = now;
		if (changed == 0) {
			return last;
		}
		session_assert_msg(s, session_now_ms() < deadline,
				"the screen never settled (%ld pixels changed in the last 300 ms)",
				changed);
	}
}

static bool
find_window_by_id(struct strata_session *s, unsigned id, struct window_info *out)
{
	struct window_match match = { .id = id };
	return session_find_window(s, &match, out);
}

/*
 * LibreOffice Writer, started as a user starts it, in the low cage (its
 * output goes to the level's log): it maps its window (no fatal exception
 * for want of a user, a home or a profile), and Alt+F opens its File menu.
 * What shows it is the screen: the box under the menu bar's first entry does
 * not change while nothing is pressed, changes by a menu's worth of pixels
 * after Alt+F, and comes back when Escape closes the menu. The "Tip of the
 * Day" that a first start shows is closed first, as a user would (Escape).
 */
static void
libreoffice_writer_opens_its_file_menu(void)
{
	session_require_program("soffice");
	struct strata_session *s = start_session();
	const char *writer[] = { "soffice", "--writer", "--norestore", NULL };
	launch(s, "low", writer);
	struct window_match match = { .level = "low", .title_contains = "LibreOffice Writer" };
	struct window_info info;
	/* Its window, unless it says it died (in the level's log). */
	char log[512];
	snprintf(log, sizeof(log), "%s/log-low", s->runtime_dir);
	uint64_t mapped_by = session_now_ms() + 120000;
	while (!session_find_window(s, &match, &info)) {
		char *text = session_read_file(log, NULL);
		if (text && strstr(text, "Fatal exception")) {
			tap_diag("low's log:\n%s", text);
			session_fail(s, "LibreOffice Writer in the low cage died at start");
		}
		free(text);
		session_assert_msg(s, session_now_ms() < mapped_by,
				"LibreOffice Writer in the low cage mapped no window");
		session_sleep_ms(100);
	}
	tap_diag("Writer mapped: \"%s\"", info.title);
	struct window_match tip = { .level = "low", .title_contains = "Tip of the Day" };
	uint64_t deadline = session_now_ms() + 90000;
	long changed = 0;
	for (int attempt = 1; session_now_ms() < deadline; attempt++) {
		struct window_info dialog;
		if (session_find_window(s, &tip, &dialog)) {
			/* Its title bar (the compositor's) takes focus without a
			 * click in the dialog; Escape closes it. */
			free(session_ctl_ok(s, "click %d %d", dialog.x + 40,
					(dialog.frame_y + dialog.y) / 2));
			free(session_ctl_ok(s, "key Escape"));
			uint64_t gone = session_now_ms() + 10000;
			while (session_find_window(s, &tip, NULL) && session_now_ms() < gone) {
				session_sleep_ms(100);
			}
			continue;
		}
		session_assert_msg(s, find_window_by_id(s, info.id, &info),
				"Writer's window went away");
		/* Focus through Writer's title bar, as for the dialog. */
		free(session_ctl_ok(s, "click %d %d", info.x + info.width / 2,
				(info.frame_y + info.y) / 2));
		unsigned focused = 0;
		if (!session_focused(s, &focused, NULL, 0) || focused != info.id) {
			session_sleep_ms(200);
			continue;
		}
		/* Under the menu bar's "File", where its menu opens: toolbars,
		 * ruler and page, still while nothing happens. */
		struct box_area box = { info.x, info.y + 80, 300, 260 };
		if (box.y + box.height > info.y + info.height) {
			box.height = info.y + info.height - box.y;
		}
		int width, height;
		uint32_t *before = settled_screen(s, box, 30000, &width, &height);
		if (session_find_window(s, &tip, NULL)) {
			free(before);
			continue; /* it came while we looked */
		}
		free(session_ctl_ok(s, "key alt+f"));
		uint64_t wait = session_now_ms() + 5000;
		changed = 0;
		while (changed < 5000 && session_now_ms() < wait) {
			session_sleep_ms(100);
			int w, h;
			uint32_t *after = session_screenshot(s, &w, &h);
			changed = pixels_changed(s, before, after, width, height, box);
			if (changed >= 5000) {
				session_keep_screenshot(s, "cages-libreoffice-file-menu.png");
			}
			free(after);
		}
		tap_diag("attempt %d: Alt+F changed %ld of %d pixels under the menu bar", attempt,
				changed, box.width * box.height);
		if (changed < 5000) {
			free(before);
			continue;
		}
		/* Escape closes the menu: the box is as before. */
		free(session_ctl_ok(s, "key Escape"));
		long left = changed;
		wait = session_now_ms() + 5000;
		while (left > 0 && session_now_ms() < wait) {
			session_sleep_ms(100);
			int w, h;
			uint32_t *after = session_screenshot(s, &w, &h);
			left = pixels_changed(s, before, after, width, height, box);
			free(after);
		}
		free(before);
		session_assert_msg(s, left == 0,
				"after Escape, %ld pixels under the menu bar still differ", left);
		break;
	}
	session_assert_msg(s, changed >= 5000,
			"Alt+F never opened Writer's File menu (%ld pixels changed)", changed);
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

TAP_TESTS(TAP_CASE(apps_run_in_cages), TAP_CASE(low_cage_cannot_reach_the_rest),
		TAP_CASE(cage_network_is_what_the_level_says), TAP_CASE(killed_proxy_comes_back),
		TAP_CASE(killed_proxy_comes_back_later_each_time),
		TAP_CASE(nothing_outlives_the_compositor), TAP_CASE(launcher_refuses_what_it_must),
		TAP_CASE(selection_never_crosses_levels),
		TAP_CASE(autostart_and_time_to_first_windows), TAP_CASE(cage_is_a_user_session),
		TAP_CASE(gpu_only_where_the_level_allows),
		TAP_CASE(fontconfig_cache_is_not_rebuilt),
		TAP_CASE(each_level_has_its_own_session_bus),
		TAP_CASE(libreoffice_writer_opens_its_file_menu), )
