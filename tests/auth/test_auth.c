// SPDX-License-Identifier: MIT
/*
 * The real strata-auth ($STRATA_AUTH_BIN) against the real PAM. main() makes
 * a user and a PAM service for the run (root only: useradd, chpasswd,
 * /etc/pam.d); each case starts the helper the way the compositor does (its
 * end of a socketpair as fd 3, stdout a pipe for the ready line) and speaks
 * common/auth_ipc.h to it. The user and the service file go at the end, also
 * on SIGINT, SIGTERM and SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common/auth_ipc.h"
#include "common/io.h"
#include "tap.h"

#define AUTH_FD 3
#define READY_MS 5000
#define REPLY_MS 15000 /* PAM may hold a failure for ~2 s (pam_faildelay) */
#define EXIT_MS 5000

/* Spaces and UTF-8 ("ö"), ending with an ASCII byte. */
static const char right_password[] = "corr3ct h\xc3\xb6rse";

/* What main() made for the run; removed only by the process that made it
 * (the cases run in forked children). */
static struct {
	pid_t owner;
	char user[32];
	char service[64]; /* /etc/pam.d/<service>: pam_unix only */
	char missing_service[64]; /* no file: PAM falls back to "other" */
	char pam_path[96];
	char useradd[64], userdel[64], chpasswd[64];
	bool user_made, pam_made;
	char problem[256]; /* why there is none: the cases needing it fail */
} fixture;
static volatile sig_atomic_t fixture_removed;

extern char **environ;

/* Runs path with argv (and stdin_text on its stdin, when not NULL); its exit
 * status, or -1. Only async-signal-safe calls without stdin_text. */
static int
run_tool(const char *path, char *const argv[], const char *stdin_text)
{
	int in[2] = { -1, -1 };
	if (stdin_text && pipe2(in, O_CLOEXEC) < 0) {
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		if (in[0] >= 0 && dup2(in[0], STDIN_FILENO) < 0) {
			_exit(127);
		}
		execve(path, argv, environ);
		_exit(127);
	}
	if (in[0] >= 0) {
		close(in[0]);
		if (pid > 0) {
			io_write_all(in[1], stdin_text, strlen(stdin_text));
		}
		close(in[1]);
	}
	int status;
	if (pid < 0) {
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return -1;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Async-signal-safe; true when nothing is left behind. */
static bool
fixture_remove(void)
{
	if (getpid() != fixture.owner || fixture_removed) {
		return true;
	}
	fixture_removed = 1;
	bool ok = true;
	if (fixture.pam_made) {
		ok = unlink(fixture.pam_path) == 0;
	}
	if (fixture.user_made) {
		char *const argv[] = { fixture.userdel, fixture.user, NULL };
		ok = run_tool(fixture.userdel, argv, NULL) == 0 && ok;
	}
	return ok;
}

static void
fixture_remove_at_exit(void)
{
	fixture_remove();
}

static void
handle_signal(int sig)
{
	fixture_remove();
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool
find_tool(const char *name, char *path, size_t size)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, size, "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0) {
			return true;
		}
	}
	return false;
}

/* false with fixture.problem set when the run cannot have its user. */
static bool
fixture_create(void)
{
	fixture.owner = getpid();
	int pid = (int)fixture.owner;
	snprintf(fixture.user, sizeof(fixture.user), "stauth%d", pid);
	snprintf(fixture.service, sizeof(fixture.service), "strata-test-%d", pid);
	snprintf(fixture.missing_service, sizeof(fixture.missing_service), "strata-none-%d", pid);
	snprintf(fixture.pam_path, sizeof(fixture.pam_path), "/etc/pam.d/%s", fixture.service);
	if (geteuid() != 0) {
		snprintf(fixture.problem, sizeof(fixture.problem),
				"not root: the auth tests make a user and a PAM service");
		return false;
	}
	static const char *const tools[] = { "useradd", "userdel", "chpasswd" };
	char *const paths[] = { fixture.useradd, fixture.userdel, fixture.chpasswd };
	for (size_t i = 0; i < 3; i++) {
		if (!find_tool(tools[i], paths[i], sizeof(fixture.useradd))) {
			snprintf(fixture.problem, sizeof(fixture.problem),
					"%s is missing: apt-get install passwd", tools[i]);
			return false;
		}
	}
	char none_path[96];
	snprintf(none_path, sizeof(none_path), "/etc/pam.d/%s", fixture.missing_service);
	if (access(none_path, F_OK) == 0) {
		snprintf(fixture.problem, sizeof(fixture.problem), "%s exists", none_path);
		return false;
	}
	atexit(fixture_remove_at_exit);
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		signal(signals[i], handle_signal);
	}

	char *const useradd[] = { fixture.useradd, "--system", "--no-create-home", "--shell",
		"/usr/sbin/nologin", fixture.user, NULL };
	if (run_tool(fixture.useradd, useradd, NULL) != 0) {
		snprintf(fixture.problem, sizeof(fixture.problem), "useradd %s failed",
				fixture.user);
		return false;
	}
	fixture.user_made = true;
	char line[128];
	snprintf(line, sizeof(line), "%s:%s\n", fixture.user, right_password);
	char *const chpasswd[] = { fixture.chpasswd, NULL };
	if (run_tool(fixture.chpasswd, chpasswd, line) != 0) {
		snprintf(fixture.problem, sizeof(fixture.problem), "chpasswd failed");
		return false;
	}
	int fd = open(fixture.pam_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(fixture.problem, sizeof(fixture.problem), "%s: %s", fixture.pam_path,
				strerror(errno));
		return false;
	}
	fixture.pam_made = true;
	static const char service[] = "# strata's tests/auth, removed at the end of the run\n"
				      "auth required pam_unix.so nodelay\n"
				      "account required pam_unix.so\n";
	bool written = io_write_all(fd, service, strlen(service));
	if (close(fd) < 0 || !written) {
		snprintf(fixture.problem, sizeof(fixture.problem), "cannot write %s",
				fixture.pam_path);
		return false;
	}
	return true;
}

static void
fixture_need(void)
{
	if (fixture.problem[0]) {
		tap_unavailable("%s", fixture.problem);
	}
}

/* The helper. */

struct helper {
	pid_t pid;
	int fd; /* our end of its fd 3, -1 once closed */
	int out; /* its stdout */
};

static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
			(deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/* Starts strata-auth with up to six arguments (NULL-terminated). Its fd 3
 * is its end of a socketpair, or /dev/null when with_socket is false. */
static void
helper_spawn(struct helper *h, bool with_socket, const char *const *args)
{
	const char *bin = getenv("STRATA_AUTH_BIN");
	if (!bin) {
		tap_fail("STRATA_AUTH_BIN is not set: run the auth tests through `meson test`");
	}
	const char *argv[8] = { bin };
	for (size_t i = 0; args[i]; i++) {
		tap_assert(i < 6);
		argv[i + 1] = args[i];
	}
	int sv[2] = { -1, -1 }, out[2];
	if (with_socket) {
		tap_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	} else {
		sv[1] = open("/dev/null", O_RDWR | O_CLOEXEC);
		tap_assert(sv[1] >= 0);
	}
	tap_assert(pipe2(out, O_CLOEXEC) == 0);
	h->pid = fork();
	tap_assert(h->pid >= 0);
	if (h->pid == 0) {
		if (dup2(out[1], STDOUT_FILENO) < 0) {
			_exit(127);
		}
		if (sv[1] == AUTH_FD) {
			fcntl(AUTH_FD, F_SETFD, 0);
		} else if (dup2(sv[1], AUTH_FD) < 0) {
			_exit(127);
		}
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(sv[1]);
	h->fd = sv[0];
	h->out = out[0];
}

static void
helper_start(struct helper *h, const char *service, const char *user)
{
	const char *args[] = { "--service", service, "--user", user, NULL };
	helper_spawn(h, true, args);
}

/* Reads its stdout up to a newline (or, with to_eof, to the end) within
 * READY_MS; the bytes read, NUL-terminated. */
static size_t
helper_read_stdout(struct helper *h, char *buf, size_t size, bool to_eof)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += READY_MS / 1000;
	size_t got = 0;
	while (got + 1 < size && (to_eof || !memchr(buf, '\n', got))) {
		struct pollfd pfd = { .fd = h->out, .events = POLLIN };
		int r = poll(&pfd, 1, ms_left(&deadline));
		tap_assert_msg(r == 1, "nothing from strata-auth's stdout within %d ms", READY_MS);
		ssize_t n = read(h->out, buf + got, size - 1 - got);
		tap_assert(n >= 0);
		if (n == 0) {
			break;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

static void
expect_ready(struct helper *h)
{
	char line[128];
	helper_read_stdout(h, line, sizeof(line), false);
	tap_assert_str_eq(line, AUTH_READY_LINE "\n");
}

/* Its exit status, once gone within EXIT_MS; closes what is left of it. */
static int
helper_wait(struct helper *h)
{
	int status;
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(h->pid, &status, WNOHANG);
		tap_assert(r >= 0);
		if (r == h->pid) {
			break;
		}
		if (waited >= EXIT_MS) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, &status, 0);
			tap_fail("strata-auth did not exit within %d ms", EXIT_MS);
		}
		usleep(10000);
	}
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	close(h->out);
	tap_assert_msg(WIFEXITED(status), "strata-auth died from signal %d",
			WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WEXITSTATUS(status);
}

/* Closes our end at a request boundary: it must leave with status 0. */
static void
helper_stop(struct helper *h)
{
	close(h->fd);
	h->fd = -1;
	tap_assert_int_eq(helper_wait(h), 0);
}

/* Writes, tolerating a helper that has already gone (the error cases). */
static bool
send_bytes(struct helper *h, const void *data, size_t len)
{
	return io_write_all(h->fd, data, len);
}

/* The sequence number of the last request sent. */
static uint32_t last_seq = 0x5eed0000u;

static void
send_header(struct helper *h, uint32_t len)
{
	struct auth_request request = { .seq = ++last_seq, .length = len };
	send_bytes(h, &request, sizeof(request));
}

static void
send_request(struct helper *h, const void *password, uint32_t len)
{
	struct auth_request request = { .seq = ++last_seq, .length = len };
	tap_assert_msg(send_bytes(h, &request, sizeof(request)) && send_bytes(h, password, len),
			"write to strata-auth: %s", strerror(errno));
}

/* The reply byte (its sequence number checked against the request's), or
 * -1 when the helper closed fd 3 without one. */
static int
read_reply(struct helper *h)
{
	uint8_t reply[AUTH_REPLY_BYTES];
	size_t got = 0;
	while (got < sizeof(reply)) {
		struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
		tap_assert_msg(poll(&pfd, 1, REPLY_MS) == 1, "no reply within %d ms", REPLY_MS);
		ssize_t n = read(h->fd, reply + got, sizeof(reply) - got);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			tap_assert_msg(got == 0, "a reply cut after %zu bytes", got);
			return -1;
		}
		tap_assert_msg(n > 0, "read from strata-auth: %s", strerror(errno));
		got += (size_t)n;
	}
	uint32_t seq;
	memcpy(&seq, reply, sizeof(seq));
	tap_assert_msg(seq == last_seq, "reply to request %u, not to %u", seq, last_seq);
	return reply[sizeof(seq)];
}

static int
ask(struct helper *h, const char *password, size_t len)
{
	send_request(h, password, (uint32_t)len);
	return read_reply(h);
}

/* A request the helper must refuse by exiting non-zero, without a reply. */
static void
expect_protocol_error(struct helper *h)
{
	shutdown(h->fd, SHUT_WR);
	tap_assert_int_eq(read_reply(h), -1);
	tap_assert_int_eq(helper_wait(h), 1);
}

/* Cases. */

static void
test_ready_line(void)
{
	fixture_need();
	struct helper h;
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	close(h.fd);
	h.fd = -1;
	char rest[64];
	tap_assert_int_eq(helper_read_stdout(&h, rest, sizeof(rest), true), 0);
	tap_assert_int_eq(helper_wait(&h), 0);
}

static void
test_passwords(void)
{
	fixture_need();
	const size_t len = strlen(right_password);
	char longer[64];
	snprintf(longer, sizeof(longer), "%sx", right_password);
	struct helper h;
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	tap_assert_int_eq(ask(&h, right_password, len), 'Y');
	tap_assert_int_eq(ask(&h, "wrong horse", 11), 'N');
	tap_assert_int_eq(ask(&h, right_password, len - 1), 'N');
	tap_assert_int_eq(ask(&h, longer, len + 1), 'N');
	tap_assert_int_eq(ask(&h, "corr3ct horse", 13), 'N'); /* o for ö */
	tap_assert_int_eq(ask(&h, right_password, len), 'Y');
	helper_stop(&h);
}

/* The account stack runs after the password: an expired account is refused
 * with the right password; one whose password must be changed still gets
 * in (the lock cannot change a password, and refusing would lock the user
 * out). The account is put back as it was either way. */
static void
test_account_stack(void)
{
	fixture_need();
	char chage[64];
	tap_assert_msg(find_tool("chage", chage, sizeof(chage)),
			"chage is missing: apt-get install passwd");
	struct helper h;
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	const size_t len = strlen(right_password);
	char *const expire[] = { chage, "-E", "0", fixture.user, NULL };
	char *const unexpire[] = { chage, "-E", "-1", fixture.user, NULL };
	tap_assert(run_tool(chage, expire, NULL) == 0);
	int expired = ask(&h, right_password, len);
	tap_assert(run_tool(chage, unexpire, NULL) == 0);
	tap_assert_int_eq(expired, 'N');

	char today[24];
	snprintf(today, sizeof(today), "%ld", (long)(time(NULL) / 86400));
	char *const must_change[] = { chage, "-d", "0", fixture.user, NULL };
	char *const changed[] = { chage, "-d", today, fixture.user, NULL };
	tap_assert(run_tool(chage, must_change, NULL) == 0);
	int aged = ask(&h, right_password, len);
	tap_assert(run_tool(chage, changed, NULL) == 0);
	tap_assert_int_eq(aged, 'Y');
	tap_assert_int_eq(ask(&h, right_password, len), 'Y');
	helper_stop(&h);
}

static void
test_longest_password(void)
{
	fixture_need();
	static char longest[AUTH_PASSWORD_MAX];
	memset(longest, 'a', sizeof(longest));
	struct helper h;
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	tap_assert_int_eq(ask(&h, longest, sizeof(longest)), 'N');
	tap_assert_int_eq(ask(&h, right_password, strlen(right_password)), 'Y');
	helper_stop(&h);
}

static void
test_too_long(void)
{
	fixture_need();
	static char too_long[AUTH_PASSWORD_MAX + 1];
	memset(too_long, 'a', sizeof(too_long));
	struct helper h;
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	send_header(&h, sizeof(too_long));
	send_bytes(&h, too_long, sizeof(too_long));
	expect_protocol_error(&h);
}

static void
test_zero_length(void)
{
	fixture_need();
	struct helper h;
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	send_header(&h, 0);
	expect_protocol_error(&h);
}

static void
test_nul_in_password(void)
{
	fixture_need();
	struct helper h;
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	send_request(&h, "corr3ct\0h\xc3\xb6rse", 14);
	expect_protocol_error(&h);
}

static void
test_eof_at_boundary(void)
{
	fixture_need();
	struct helper h;
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	tap_assert_int_eq(ask(&h, "wrong horse", 11), 'N');
	helper_stop(&h);
}

static void
test_eof_in_request(void)
{
	fixture_need();
	struct helper h;
	/* Inside the header. */
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	struct auth_request request = { .seq = 1, .length = 10 };
	send_bytes(&h, &request, 6);
	expect_protocol_error(&h);
	/* Inside the password. */
	helper_start(&h, fixture.service, fixture.user);
	expect_ready(&h);
	send_header(&h, 10);
	send_bytes(&h, "cor", 3);
	expect_protocol_error(&h);
}

/* Refused at start: status 2 and no ready line. */
static void
expect_start_refused(bool with_socket, const char *const *args)
{
	struct helper h;
	helper_spawn(&h, with_socket, args);
	char out[256];
	helper_read_stdout(&h, out, sizeof(out), true);
	tap_assert_str_eq(out, "");
	tap_assert_int_eq(helper_wait(&h), 2);
}

static void
test_unknown_user(void)
{
	char user[64];
	snprintf(user, sizeof(user), "strata-no-user-%d", (int)getpid());
	const char *args[] = { "--service", "strata", "--user", user, NULL };
	expect_start_refused(true, args);
}

static void
test_bad_arguments(void)
{
	static const char *const services[] = { "../x", "", ".strata", "a/b", "st rata",
		"0123456789012345678901234567890123456789012345678901234567890123" };
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const char *args[] = { "--service", services[i], "--user", "root", NULL };
		expect_start_refused(true, args);
	}
	const char *no_user[] = { "--service", "strata", NULL };
	expect_start_refused(true, no_user);
	const char *extra[] = { "--service", "strata", "--user", "root", "extra", NULL };
	expect_start_refused(true, extra);
	const char *unknown[] = { "--service", "strata", "--user", "root", "--bogus", NULL };
	expect_start_refused(true, unknown);
	/* fd 3 must be a socket. */
	const char *fine[] = { "--service", "strata", "--user", "root", NULL };
	expect_start_refused(false, fine);
}

static void
test_version_and_help(void)
{
	struct helper h;
	char out[2048];
	const char *version[] = { "-v", NULL };
	helper_spawn(&h, true, version);
	helper_read_stdout(&h, out, sizeof(out), true);
	tap_assert_msg(strncmp(out, "strata-auth ", 12) == 0, "-v says \"%s\"", out);
	tap_assert_int_eq(helper_wait(&h), 0);
	const char *help[] = { "--help", NULL };
	helper_spawn(&h, true, help);
	helper_read_stdout(&h, out, sizeof(out), true);
	tap_assert_msg(strstr(out, "--service NAME") != NULL, "-h says \"%s\"", out);
	tap_assert_int_eq(helper_wait(&h), 0);
}

/* A service without a file of its own: PAM reads /etc/pam.d/other. It may
 * accept the right password (Debian's includes common-auth), never a wrong
 * one. */
static void
test_service_without_file(void)
{
	fixture_need();
	struct helper h;
	helper_start(&h, fixture.missing_service, fixture.user);
	expect_ready(&h);
	int reply = ask(&h, "wrong horse", 11);
	tap_assert_msg(reply == 'N' || reply == 'E', "reply %d to a wrong password", reply);
	reply = ask(&h, right_password, strlen(right_password));
	tap_assert_msg(reply == 'Y' || reply == 'N' || reply == 'E', "reply %d", reply);
	tap_diag("no /etc/pam.d/%s: the right password gets '%c' (from /etc/pam.d/other)",
			fixture.missing_service, reply);
	helper_stop(&h);
}

static const struct tap_test tests[] = {
	TAP_CASE_TIMEOUT(test_ready_line, 30),
	TAP_CASE_TIMEOUT(test_passwords, 30),
	TAP_CASE_TIMEOUT(test_longest_password, 30),
	TAP_CASE_TIMEOUT(test_too_long, 30),
	TAP_CASE_TIMEOUT(test_zero_length, 30),
	TAP_CASE_TIMEOUT(test_nul_in_password, 30),
	TAP_CASE_TIMEOUT(test_eof_at_boundary, 30),
	TAP_CASE_TIMEOUT(test_eof_in_request, 30),
	TAP_CASE_TIMEOUT(test_unknown_user, 30),
	TAP_CASE_TIMEOUT(test_bad_arguments, 30),
	TAP_CASE_TIMEOUT(test_version_and_help, 30),
	TAP_CASE_TIMEOUT(test_service_without_file, 30),
	TAP_CASE_TIMEOUT(test_account_stack, 30),
};

int
main(int argc, char **argv)
{
	fixture_create();
	int status = tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	if (!fixture_remove()) {
		printf("# could not remove user %s or %s\n", fixture.user, fixture.pam_path);
		status = 1;
	}
	return status;
}
