// SPDX-License-Identifier: MIT
// The real strata-cage-proxy in front of a test session, clients through it,
// and raw wire clients for attacks. See proxy_test.h.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/io.h"
#include "proxy_test.h"
#include "test_fs.h"

#define PROXY_READY_TIMEOUT_MS 10000
#define PROXY_STOP_TIMEOUT_MS 5000

/* ---- processes ---------------------------------------------------------- */

/* The session's reaper kills what we announce should the test die first
 * (the same "p PID" / "u PID" lines strata_test.c writes). */
static void
proxy_reaper_say(struct strata_session *s, char what, pid_t pid)
{
	char line[32];
	int len = snprintf(line, sizeof(line), "%c %d\n", what, (int)pid);
	if (s->reaper_fd >= 0 && write(s->reaper_fd, line, (size_t)len) != len) {
		tap_diag("reaper: short write");
	}
}

static void
proxy_make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		tap_fail("mkdir %s: %s", path, strerror(errno));
	}
}

/*
 * fork + exec with the hygiene of strata_test.c's spawn(): stdin from
 * /dev/null, stdout+stderr appended to log, every other fd closed, default
 * signals and an empty mask, killed when we die, exec errors reported back.
 * env: "NAME=VALUE" sets, "NAME" unsets.
 */
static pid_t
proxy_spawn(char *const argv[], const char *const env[], const char *log, bool new_session,
		unsigned fd_limit)
{
	int err[2];
	if (pipe2(err, O_CLOEXEC) < 0) {
		return -errno;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(err[0]);
		close(err[1]);
		return -e;
	}
	if (pid == 0) {
		if (new_session) {
			setsid();
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) {
			_exit(127);
		}
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (null < 0 || out < 0) {
			_exit(127);
		}
		dup2(null, 0);
		dup2(out, 1);
		dup2(out, 2);
		if (err[1] != 3) {
			dup2(err[1], 3);
		}
		close_range(4, ~0U, 0);
		fcntl(3, F_SETFD, FD_CLOEXEC);
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		for (int sig = 1; sig < NSIG; sig++) {
			signal(sig, SIG_DFL);
		}
		struct rlimit limit;
		if (fd_limit > 0 && getrlimit(RLIMIT_NOFILE, &limit) == 0) {
			limit.rlim_cur = fd_limit;
			setrlimit(RLIMIT_NOFILE, &limit);
		}
		for (size_t i = 0; env && env[i]; i++) {
			const char *eq = strchr(env[i], '=');
			if (eq) {
				char name[128];
				snprintf(name, sizeof(name), "%.*s", (int)(eq - env[i]), env[i]);
				setenv(name, eq + 1, 1);
			} else {
				unsetenv(env[i]);
			}
		}
		execvp(argv[0], argv);
		int e = errno;
		dprintf(2, "exec %s: %s\n", argv[0], strerror(e));
		if (write(3, &e, sizeof(e)) < 0) {
			_exit(126);
		}
		_exit(127);
	}
	close(err[1]);
	int e = 0;
	ssize_t n = io_read_all(err[0], &e, sizeof(e));
	close(err[0]);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		return -e;
	}
	return pid;
}

/*
 * The proxy binary, as a symlink in the session's directory: like the
 * compositor under test (strata_test.c), the proxy must not carry "strata"
 * in its name or command line, so that a `pkill strata` run by someone else
 * on the machine cannot kill it in the middle of a test.
 */
static const char *
proxy_bin(struct strata_session *s)
{
	const char *bin = getenv("STRATA_PROXY_BIN");
	if (!bin || !*bin) {
		tap_fail("STRATA_PROXY_BIN is not set: run the proxy tests through `meson test`");
	}
	static char link[300];
	snprintf(link, sizeof(link), "%s/proxy-under-test", s->dir);
	if (access(link, X_OK) == 0) {
		return link;
	}
	char *target = realpath(bin, NULL);
	if (!target || symlink(target, link) < 0) {
		tap_fail("STRATA_PROXY_BIN %s: %s", bin, strerror(errno));
	}
	free(target);
	return link;
}

/*
 * The level socket under a name of ours: a hard link in the session's
 * directory (the proxy hard-links it again into its sandbox, so it must be
 * on the socket's filesystem; if it is not, the real path is used).
 */
static void
proxy_upstream_path(struct strata_session *s, const char *level, const char *socket, char *out,
		size_t size)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/upstream-%s", s->dir, level);
	int n = snprintf(out, size, "%s/socket", dir);
	if (n < 0 || (size_t)n >= size) {
		tap_fail("path too long: %s/socket", dir);
	}
	if (access(out, F_OK) == 0) {
		return;
	}
	proxy_make_dir(dir);
	if (link(socket, out) < 0) {
		tap_diag("cannot link %s into %s (%s): the proxy uses the real path", socket, dir,
				strerror(errno));
		snprintf(out, size, "%s", socket);
	}
}

static void
proxy_reap(struct strata_proxy *p, int options)
{
	if (p->exited || p->pid <= 0) {
		return;
	}
	int status;
	if (waitpid(p->pid, &status, options) == p->pid) {
		p->exited = true;
		p->exit_status = status;
		proxy_reaper_say(p->session, 'u', p->pid);
	}
}

static void
proxy_describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status)) {
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
				strsignal(WTERMSIG(status)));
	} else {
		snprintf(buf, size, "status 0x%x", status);
	}
}

void
proxy_dump_log(struct strata_proxy *p, int lines)
{
	char *text = session_read_file(p->log, NULL);
	if (!text) {
		tap_diag("proxy log %s unreadable", p->log);
		return;
	}
	/* The start of the last `lines` lines. */
	size_t len = strlen(text);
	char *start = text + len;
	for (int found = 0; start > text && found <= lines;) {
		start--;
		if (*start == '\n' && start + 1 < text + len) {
			found++;
		}
	}
	if (*start == '\n') {
		start++;
	}
	tap_diag("---- proxy log (%s), last %d lines ----", p->log, lines);
	for (char *line = strtok(start, "\n"); line; line = strtok(NULL, "\n")) {
		tap_diag("| %s", line);
	}
	tap_diag("---- end of proxy log ----");
	free(text);
}

struct strata_proxy *
proxy_start(struct strata_session *s, const char *level, const char *config_text)
{
	return proxy_start_with_fd_limit(s, level, config_text, 0);
}

static struct strata_proxy *proxy_launch(struct strata_session *s, const char *level,
		const char *upstream, const char *config_text, unsigned fd_limit);

struct strata_proxy *
proxy_start_with_fd_limit(struct strata_session *s, const char *level, const char *config_text,
		unsigned fd_limit)
{
	const char *upstream = session_socket(s, level);
	if (!upstream) {
		session_fail(s, "no socket for level \"%s\"", level);
	}
	return proxy_launch(s, level, upstream, config_text, fd_limit);
}

struct strata_proxy *
proxy_start_on_upstream(struct strata_session *s, const char *name, const char *upstream,
		const char *config_text)
{
	return proxy_launch(s, name, upstream, config_text, 0);
}

static struct strata_proxy *
proxy_launch(struct strata_session *s, const char *level, const char *upstream,
		const char *config_text, unsigned fd_limit)
{
	const char *bin = proxy_bin(s);
	struct strata_proxy *p = calloc(1, sizeof(*p));
	p->session = s;
	snprintf(p->level, sizeof(p->level), "%s", level);
	proxy_upstream_path(s, level, upstream, p->upstream, sizeof(p->upstream));
	snprintf(p->socket, sizeof(p->socket), "%s/proxy-%s", s->dir, level);
	snprintf(p->log, sizeof(p->log), "%s/proxy-%s-%d.log", s->dir, level, ++s->client_seq);
	const char *argv[12];
	int argc = 0;
	argv[argc++] = bin;
	argv[argc++] = "--level";
	argv[argc++] = level;
	argv[argc++] = "--listen";
	argv[argc++] = p->socket;
	argv[argc++] = "--upstream";
	argv[argc++] = p->upstream;
	if (config_text) {
		snprintf(p->config, sizeof(p->config), "%s/proxy-%s-%d.ini", s->dir, level,
				s->client_seq);
		if (!test_write_file(p->config, config_text)) {
			session_fail(s, "write %s: %s", p->config, strerror(errno));
		}
		argv[argc++] = "-c";
		argv[argc++] = p->config;
	}
	argv[argc] = NULL;
	const char *env[] = { "WAYLAND_DISPLAY", "WAYLAND_SOCKET", NULL };
	p->pid = proxy_spawn((char *const *)argv, env, p->log, false, fd_limit);
	if (p->pid < 0) {
		session_fail(s, "cannot run %s: %s", getenv("STRATA_PROXY_BIN"), strerror(-p->pid));
	}
	proxy_reaper_say(s, 'p', p->pid);
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", p->upstream);
	char *slash = strrchr(copy, '/');
	if (slash) {
		*slash = '\0';
	}
	snprintf(p->sandbox_dir, sizeof(p->sandbox_dir), "%s/cage-proxy-%s-%d", slash ? copy : ".",
			level, (int)p->pid);

	uint64_t deadline = session_now_ms() + PROXY_READY_TIMEOUT_MS;
	char expect[320];
	snprintf(expect, sizeof(expect), "strata-cage-proxy: level %s listening on %s (sandboxed)",
			level, p->socket);
	while (!proxy_log_contains(p, "strata-cage-proxy: ready\n")) {
		proxy_reap(p, WNOHANG);
		if (p->exited || session_now_ms() > deadline) {
			char how[96] = "still running";
			if (p->exited) {
				proxy_describe_status(p->exit_status, how, sizeof(how));
			}
			proxy_dump_log(p, 20);
			session_fail(s, "no \"strata-cage-proxy: ready\" from the %s proxy (%s)",
					level, how);
		}
		session_sleep_ms(10);
	}
	if (!proxy_log_contains(p, expect)) {
		proxy_dump_log(p, 20);
		session_fail(s, "the %s proxy did not say \"%s\"", level, expect);
	}
	return p;
}

bool
proxy_running(struct strata_proxy *p)
{
	proxy_reap(p, WNOHANG);
	return !p->exited;
}

void
proxy_stop(struct strata_proxy *p)
{
	if (!p) {
		return;
	}
	struct strata_session *s = p->session;
	char why[160] = "";
	proxy_reap(p, WNOHANG);
	if (p->exited) {
		snprintf(why, sizeof(why), "the proxy had already exited");
	} else {
		kill(p->pid, SIGTERM);
		uint64_t deadline = session_now_ms() + PROXY_STOP_TIMEOUT_MS;
		while (!p->exited && session_now_ms() < deadline) {
			session_sleep_ms(10);
			proxy_reap(p, WNOHANG);
		}
		if (!p->exited) {
			kill(p->pid, SIGKILL);
			proxy_reap(p, 0);
			snprintf(why, sizeof(why), "the proxy ignored SIGTERM for %d ms",
					PROXY_STOP_TIMEOUT_MS);
		}
	}
	if (!why[0] && !(WIFEXITED(p->exit_status) && WEXITSTATUS(p->exit_status) == 0)) {
		proxy_describe_status(p->exit_status, why, sizeof(why));
	}
	test_remove_tree(p->sandbox_dir);
	unlink(p->socket);
	if (why[0]) {
		proxy_dump_log(p, 30);
		session_fail(s, "%s proxy shutdown: %s", p->level, why);
	}
	free(p);
}

bool
proxy_log_contains(struct strata_proxy *p, const char *needle)
{
	char *text = session_read_file(p->log, NULL);
	bool found = text && strstr(text, needle) != NULL;
	free(text);
	return found;
}

bool
proxy_wait_log(struct strata_proxy *p, const char *needle, int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	do {
		if (proxy_log_contains(p, needle)) {
			return true;
		}
		session_sleep_ms(20);
	} while (session_now_ms() < deadline);
	return false;
}

void
proxy_assert_no_refusal(struct strata_proxy *p)
{
	static const char *const refusals[] = { " ended: ", " cut: ", "refused a connection",
		"cannot connect to the compositor", "accept: " };
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		if (proxy_log_contains(p, refusals[i])) {
			proxy_dump_log(p, 20);
			session_fail(p->session,
					"the %s proxy refused a well-behaved client (\"%s\")",
					p->level, refusals[i]);
		}
	}
}

pid_t
proxy_spawn_client_on(struct strata_session *s, const char *socket, const char *tag,
		char *const argv[])
{
	struct session_client *c = NULL;
	for (int i = 0; i < SESSION_MAX_CLIENTS && !c; i++) {
		if (s->clients[i].pid == 0) {
			c = &s->clients[i];
		}
	}
	if (!c) {
		session_fail(s, "more than %d clients", SESSION_MAX_CLIENTS);
	}
	char rt[200], home[200];
	snprintf(rt, sizeof(rt), "%s/rt-%s", s->dir, tag);
	snprintf(home, sizeof(home), "%s/home", s->dir);
	proxy_make_dir(rt);
	proxy_make_dir(home);
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	int seq = ++s->client_seq;
	snprintf(c->name, sizeof(c->name), "%s#%d@%s", base, seq, tag);
	snprintf(c->log, sizeof(c->log), "%s/client-%d-%s-%s.log", s->dir, seq, base, tag);

	char env_wl[300], env_rt[240], env_home[240], env_cfg[260], env_cache[260], env_data[260];
	snprintf(env_wl, sizeof(env_wl), "WAYLAND_DISPLAY=%s", socket);
	snprintf(env_rt, sizeof(env_rt), "XDG_RUNTIME_DIR=%s", rt);
	snprintf(env_home, sizeof(env_home), "HOME=%s", home);
	snprintf(env_cfg, sizeof(env_cfg), "XDG_CONFIG_HOME=%s/.config", home);
	snprintf(env_cache, sizeof(env_cache), "XDG_CACHE_HOME=%s/.cache", home);
	snprintf(env_data, sizeof(env_data), "XDG_DATA_HOME=%s/.local/share", home);
	const char *env[] = { env_wl, env_rt, env_home, env_cfg, env_cache, env_data,
		"WAYLAND_SOCKET", "DISPLAY", "XDG_CONFIG_DIRS", "XDG_SESSION_TYPE", NULL };
	pid_t pid = proxy_spawn(argv, env, c->log, true, 0);
	if (pid < 0) {
		session_fail(s, "cannot run %s: %s", argv[0], strerror(-pid));
	}
	c->pid = pid;
	c->exited = false;
	proxy_reaper_say(s, 'p', pid);
	return pid;
}

pid_t
proxy_spawn_client(struct strata_proxy *p, char *const argv[])
{
	char tag[48];
	snprintf(tag, sizeof(tag), "proxy-%s", p->level);
	return proxy_spawn_client_on(p->session, p->socket, tag, argv);
}

int
proxy_run_to_exit(struct strata_session *s, const char *const args[], int timeout_ms, char **output)
{
	const char *argv[24] = { proxy_bin(s) };
	int argc = 1;
	for (int i = 0; args[i] && argc < 23; i++) {
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	char log[300];
	snprintf(log, sizeof(log), "%s/proxy-run-%d.log", s->dir, ++s->client_seq);
	pid_t pid = proxy_spawn((char *const *)argv, NULL, log, false, 0);
	if (pid < 0) {
		session_fail(s, "cannot run %s: %s", argv[0], strerror(-pid));
	}
	proxy_reaper_say(s, 'p', pid);
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	int status = 0;
	pid_t r;
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && session_now_ms() < deadline) {
		session_sleep_ms(10);
	}
	if (r != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		proxy_reaper_say(s, 'u', pid);
		session_fail(s, "the proxy did not exit within %d ms", timeout_ms);
	}
	proxy_reaper_say(s, 'u', pid);
	*output = session_read_file(log, NULL);
	if (!*output) {
		*output = strdup("");
	}
	return status;
}

/* ---- wire messages ------------------------------------------------------- */

void
wire_msg_reset(struct wire_msg *m)
{
	m->len = 0;
	m->start = 0;
}

static void
wire_msg_put(struct wire_msg *m, const void *bytes, size_t n)
{
	tap_assert(m->len + n <= sizeof(m->data));
	memcpy(m->data + m->len, bytes, n);
	m->len += n;
}

void
wire_msg_u32(struct wire_msg *m, uint32_t v)
{
	wire_msg_put(m, &v, 4);
}

void
wire_msg_new_id(struct wire_msg *m, uint32_t object, uint16_t opcode, uint32_t id)
{
	wire_msg_begin(m, object, opcode);
	wire_msg_u32(m, id);
	wire_msg_end(m);
}

void
wire_msg_begin(struct wire_msg *m, uint32_t object, uint16_t opcode)
{
	m->start = m->len;
	wire_msg_u32(m, object);
	wire_msg_u32(m, opcode); /* the size goes into the high half at the end */
}

void
wire_msg_string(struct wire_msg *m, const char *s)
{
	if (!s) {
		wire_msg_u32(m, 0);
		return;
	}
	uint32_t len = (uint32_t)strlen(s) + 1;
	wire_msg_u32(m, len);
	wire_msg_put(m, s, len);
	static const uint8_t zero[4] = { 0 };
	wire_msg_put(m, zero, (4 - len % 4) % 4);
}

void
wire_msg_set_size(struct wire_msg *m, uint16_t size)
{
	uint32_t word;
	memcpy(&word, m->data + m->start + 4, 4);
	word = (word & 0xffff) | ((uint32_t)size << 16);
	memcpy(m->data + m->start + 4, &word, 4);
}

void
wire_msg_end(struct wire_msg *m)
{
	wire_msg_set_size(m, (uint16_t)(m->len - m->start));
}

/* ---- raw wire clients ---------------------------------------------------- */

struct raw_wire *
raw_wire_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		return NULL;
	}
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return NULL;
	}
	struct raw_wire *w = calloc(1, sizeof(*w));
	w->fd = fd;
	w->next_id = 2;
	return w;
}

void
raw_wire_close(struct raw_wire *w)
{
	if (w) {
		close(w->fd);
		free(w);
	}
}

uint32_t
raw_wire_new_id(struct raw_wire *w)
{
	return w->next_id++;
}

size_t
raw_wire_send(struct raw_wire *w, const struct wire_msg *m, const int *fds, size_t nfds,
		int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	size_t off = 0;
	while (off < m->len) {
		struct iovec iov = { .iov_base = (void *)(m->data + off), .iov_len = m->len - off };
		union {
			char buf[CMSG_SPACE(sizeof(int) * 64)];
			struct cmsghdr align;
		} control;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (off == 0 && nfds > 0) {
			tap_assert(nfds <= 64);
			mh.msg_control = control.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		}
		ssize_t n = sendmsg(w->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			int left = (int)(int64_t)(deadline - session_now_ms());
			if (left <= 0) {
				break;
			}
			struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };
			poll(&pfd, 1, left);
			continue;
		}
		break; /* EPIPE, ECONNRESET: the peer is gone */
	}
	return off;
}

static void
raw_wire_send_simple(struct raw_wire *w, struct wire_msg *m)
{
	raw_wire_send(w, m, NULL, 0, 1000);
}

static uint32_t
raw_wire_get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* A string argument at body+*off (len bytes left); "" when malformed. */
static void
raw_wire_get_string(const uint8_t *body, size_t len, size_t *off, char *out, size_t size)
{
	out[0] = '\0';
	if (*off + 4 > len) {
		*off = len;
		return;
	}
	uint32_t n = raw_wire_get_u32(body + *off);
	*off += 4;
	if (n > len - *off) {
		*off = len;
		return;
	}
	if (n > 0) {
		snprintf(out, size, "%.*s", (int)n, (const char *)(body + *off));
	}
	*off += ((size_t)n + 3) & ~(size_t)3;
}

static void
raw_wire_handle_event(struct raw_wire *w, uint32_t object, uint16_t opcode, const uint8_t *body,
		size_t len)
{
	w->events_read++;
	size_t off = 0;
	if (object == 1 && opcode == 0 && len >= 8) {
		w->got_error = true;
		w->error_object = raw_wire_get_u32(body);
		w->error_code = raw_wire_get_u32(body + 4);
		off = 8;
		raw_wire_get_string(body, len, &off, w->error_text, sizeof(w->error_text));
	} else if (object == w->registry && w->registry && opcode == 0 && len >= 4) {
		if (w->global_count < RAW_WIRE_MAX_GLOBALS) {
			struct raw_wire_global *g = &w->globals[w->global_count++];
			g->name = raw_wire_get_u32(body);
			off = 4;
			raw_wire_get_string(body, len, &off, g->interface, sizeof(g->interface));
			g->version = off + 4 <= len ? raw_wire_get_u32(body + off) : 0;
		}
	} else if (object == w->pending_callback && w->pending_callback && opcode == 0) {
		w->pending_callback = 0;
	} else if (object == w->wm_base && w->wm_base && opcode == 0 && len >= 4) {
		struct wire_msg m;
		wire_msg_reset(&m);
		wire_msg_begin(&m, w->wm_base, 3); /* pong */
		wire_msg_u32(&m, raw_wire_get_u32(body));
		wire_msg_end(&m);
		raw_wire_send_simple(w, &m);
	} else if (object == w->xdg_surface && w->xdg_surface && opcode == 0 && len >= 4) {
		w->configure_serial = raw_wire_get_u32(body);
	} else if (object == w->data_device && w->data_device && opcode == 0 && len >= 4) {
		w->last_offer = raw_wire_get_u32(body);
		w->last_offer_mime[0] = '\0';
	} else if (object == w->data_device && w->data_device && opcode == 5 && len >= 4) {
		w->selection_offer = raw_wire_get_u32(body);
	} else if (object == w->last_offer && w->last_offer && opcode == 0 &&
			!w->last_offer_mime[0]) {
		raw_wire_get_string(body, len, &off, w->last_offer_mime,
				sizeof(w->last_offer_mime));
	}
}

/* One read (waiting up to timeout_ms); false on EOF, error or nothing. */
static bool
raw_wire_read(struct raw_wire *w, int timeout_ms)
{
	if (w->eof) {
		return false;
	}
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	int r = poll(&pfd, 1, timeout_ms);
	if (r <= 0) {
		return false;
	}
	if (w->in_len == sizeof(w->in)) {
		w->eof = true; /* an impossible message: give up */
		return false;
	}
	struct iovec iov = { .iov_base = w->in + w->in_len, .iov_len = sizeof(w->in) - w->in_len };
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
	ssize_t n = recvmsg(w->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	/* Received fds (keymaps) are of no use here. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < count; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				close(fd);
			}
		}
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			return true;
		}
		w->eof = true;
		return false;
	}
	if (n == 0) {
		w->eof = true;
		return false;
	}
	w->in_len += (size_t)n;
	w->bytes_read += (uint64_t)n;
	size_t pos = 0;
	while (w->in_len - pos >= 8) {
		uint32_t object = raw_wire_get_u32(w->in + pos);
		uint32_t word = raw_wire_get_u32(w->in + pos + 4);
		size_t size = word >> 16;
		if (size < 8 || size % 4 != 0) {
			w->eof = true; /* garbage from the other side */
			return false;
		}
		if (w->in_len - pos < size) {
			break;
		}
		raw_wire_handle_event(w, object, (uint16_t)(word & 0xffff), w->in + pos + 8,
				size - 8);
		pos += size;
	}
	memmove(w->in, w->in + pos, w->in_len - pos);
	w->in_len -= pos;
	return true;
}

void
raw_wire_read_available(struct raw_wire *w)
{
	while (raw_wire_read(w, 0)) {
	}
}

bool
raw_wire_dispatch_until(struct raw_wire *w, bool (*cond)(struct raw_wire *w), int timeout_ms)
{
	uint64_t deadline = session_now_ms() + (uint64_t)timeout_ms;
	while (!(cond && cond(w)) && !w->got_error && !w->eof) {
		int left = (int)(int64_t)(deadline - session_now_ms());
		if (left <= 0) {
			break;
		}
		raw_wire_read(w, left);
	}
	return cond && cond(w) && !w->got_error;
}

static bool
raw_wire_sync_done(struct raw_wire *w)
{
	return w->pending_callback == 0;
}

bool
raw_wire_roundtrip(struct raw_wire *w, int timeout_ms)
{
	struct wire_msg m;
	wire_msg_reset(&m);
	uint32_t id = raw_wire_new_id(w);
	wire_msg_begin(&m, 1, 0); /* wl_display.sync */
	wire_msg_u32(&m, id);
	wire_msg_end(&m);
	w->pending_callback = id;
	if (raw_wire_send(w, &m, NULL, 0, timeout_ms) != m.len) {
		return false;
	}
	return raw_wire_dispatch_until(w, raw_wire_sync_done, timeout_ms);
}

const struct raw_wire_global *
raw_wire_find_global(struct raw_wire *w, const char *interface)
{
	for (int i = 0; i < w->global_count; i++) {
		if (strcmp(w->globals[i].interface, interface) == 0) {
			return &w->globals[i];
		}
	}
	return NULL;
}

static uint32_t
raw_wire_bind(struct raw_wire *w, struct wire_msg *m, const char *interface, uint32_t version)
{
	const struct raw_wire_global *g = raw_wire_find_global(w, interface);
	if (!g) {
		return 0;
	}
	uint32_t id = raw_wire_new_id(w);
	wire_msg_begin(m, w->registry, 0);
	wire_msg_u32(m, g->name);
	wire_msg_string(m, interface);
	wire_msg_u32(m, version < g->version ? version : g->version);
	wire_msg_u32(m, id);
	wire_msg_end(m);
	return id;
}

bool
raw_wire_handshake(struct raw_wire *w, int timeout_ms)
{
	struct wire_msg m;
	wire_msg_reset(&m);
	w->registry = raw_wire_new_id(w);
	wire_msg_begin(&m, 1, 1); /* wl_display.get_registry */
	wire_msg_u32(&m, w->registry);
	wire_msg_end(&m);
	if (raw_wire_send(w, &m, NULL, 0, timeout_ms) != m.len ||
			!raw_wire_roundtrip(w, timeout_ms)) {
		return false;
	}
	wire_msg_reset(&m);
	w->compositor = raw_wire_bind(w, &m, "wl_compositor", 4);
	w->shm = raw_wire_bind(w, &m, "wl_shm", 1);
	w->wm_base = raw_wire_bind(w, &m, "xdg_wm_base", 2);
	w->seat = raw_wire_bind(w, &m, "wl_seat", 5);
	w->data_device_manager = raw_wire_bind(w, &m, "wl_data_device_manager", 3);
	if (raw_wire_send(w, &m, NULL, 0, timeout_ms) != m.len) {
		return false;
	}
	return raw_wire_roundtrip(w, timeout_ms);
}

static bool
raw_wire_configured(struct raw_wire *w)
{
	return w->configure_serial != 0;
}

bool
raw_wire_map_window(struct raw_wire *w, int timeout_ms)
{
	if (!w->compositor || !w->shm || !w->wm_base) {
		return false;
	}
	struct wire_msg m;
	wire_msg_reset(&m);
	uint32_t surface = raw_wire_new_id(w);
	wire_msg_begin(&m, w->compositor, 0); /* create_surface */
	wire_msg_u32(&m, surface);
	wire_msg_end(&m);
	w->xdg_surface = raw_wire_new_id(w);
	wire_msg_begin(&m, w->wm_base, 2); /* get_xdg_surface */
	wire_msg_u32(&m, w->xdg_surface);
	wire_msg_u32(&m, surface);
	wire_msg_end(&m);
	uint32_t toplevel = raw_wire_new_id(w);
	wire_msg_begin(&m, w->xdg_surface, 1); /* get_toplevel */
	wire_msg_u32(&m, toplevel);
	wire_msg_end(&m);
	wire_msg_begin(&m, toplevel, 3); /* set_app_id */
	wire_msg_string(&m, "strata-raw-wire");
	wire_msg_end(&m);
	wire_msg_begin(&m, surface, 6); /* commit */
	wire_msg_end(&m);
	if (raw_wire_send(w, &m, NULL, 0, timeout_ms) != m.len ||
			!raw_wire_dispatch_until(w, raw_wire_configured, timeout_ms)) {
		return false;
	}

	const int32_t width = 64, height = 64, size = width * height * 4;
	int fd = memfd_create("raw-wire", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		if (fd >= 0) {
			close(fd);
		}
		return false;
	}
	uint32_t *pixels = mmap(NULL, (size_t)size, PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels != MAP_FAILED) {
		for (int32_t i = 0; i < width * height; i++) {
			pixels[i] = 0xff3060c0;
		}
		munmap(pixels, (size_t)size);
	}
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->xdg_surface, 4); /* ack_configure */
	wire_msg_u32(&m, w->configure_serial);
	wire_msg_end(&m);
	uint32_t pool = raw_wire_new_id(w);
	wire_msg_begin(&m, w->shm, 0); /* create_pool(id, fd, size) */
	wire_msg_u32(&m, pool);
	wire_msg_u32(&m, (uint32_t)size);
	wire_msg_end(&m);
	uint32_t buffer = raw_wire_new_id(w);
	wire_msg_begin(&m, pool, 0); /* create_buffer */
	wire_msg_u32(&m, buffer);
	wire_msg_u32(&m, 0);
	wire_msg_u32(&m, (uint32_t)width);
	wire_msg_u32(&m, (uint32_t)height);
	wire_msg_u32(&m, (uint32_t)width * 4);
	wire_msg_u32(&m, 0); /* ARGB8888 */
	wire_msg_end(&m);
	wire_msg_begin(&m, surface, 1); /* attach */
	wire_msg_u32(&m, buffer);
	wire_msg_u32(&m, 0);
	wire_msg_u32(&m, 0);
	wire_msg_end(&m);
	wire_msg_begin(&m, surface, 2); /* damage */
	wire_msg_u32(&m, 0);
	wire_msg_u32(&m, 0);
	wire_msg_u32(&m, (uint32_t)width);
	wire_msg_u32(&m, (uint32_t)height);
	wire_msg_end(&m);
	wire_msg_begin(&m, surface, 6); /* commit */
	wire_msg_end(&m);
	size_t sent = raw_wire_send(w, &m, &fd, 1, timeout_ms);
	close(fd);
	return sent == m.len && raw_wire_roundtrip(w, timeout_ms);
}

enum raw_wire_outcome
raw_wire_wait_end(struct raw_wire *w, int timeout_ms)
{
	raw_wire_dispatch_until(w, NULL, timeout_ms);
	if (w->got_error) {
		/* After its error the proxy closes the connection. */
		uint64_t deadline = session_now_ms() + 3000;
		while (!w->eof && session_now_ms() < deadline) {
			raw_wire_read(w, 100);
		}
		return RAW_WIRE_ERROR;
	}
	return w->eof ? RAW_WIRE_EOF : RAW_WIRE_ALIVE;
}

const char *
raw_wire_outcome_str(enum raw_wire_outcome outcome)
{
	switch (outcome) {
	case RAW_WIRE_ERROR:
		return "a wl_display.error";
	case RAW_WIRE_EOF:
		return "a disconnection without error";
	case RAW_WIRE_ALIVE:
		return "nothing (still connected)";
	}
	return "?";
}
