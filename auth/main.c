// SPDX-License-Identifier: MIT
/*
 * strata-auth: the PAM helper behind the compositor's screen lock. Started
 * with a socket as fd 3, it says AUTH_READY_LINE on stdout, then answers each
 * password sent on fd 3 (common/auth_ipc.h) with the request's sequence
 * number and one byte, until fd 3 closes.
 * The password lives in one locked static buffer, wiped once answered.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/auth_ipc.h"
#include "common/io.h"
#include "common/log.h"
#include "config.h"

#define AUTH_FD 3
#define SERVICE_NAME_MAX 63 /* bytes */
#define PAM_MESSAGE_LOG_MAX 200 /* bytes of a PAM message that reach stderr */

static char password[AUTH_PASSWORD_MAX + 1]; /* the request's, NUL-terminated */

static void
password_wipe(void)
{
	explicit_bzero(password, sizeof(password));
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
			"Usage: %s --service NAME --user NAME\n"
			"\n"
			"Checks passwords with PAM for strata's screen lock, which starts it\n"
			"with a socket as fd 3.\n"
			"\n"
			"  -h, --help           Show this help and exit.\n"
			"  -v, --version        Show the version and exit.\n"
			"      --service NAME   The PAM service (/etc/pam.d/NAME).\n"
			"      --user NAME      The user whose password is checked.\n",
			prog);
}

/* [A-Za-z0-9_.-], 1 to SERVICE_NAME_MAX bytes, no leading dot: a file name
 * in /etc/pam.d and nothing else. */
static bool
service_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > SERVICE_NAME_MAX || name[0] == '.') {
		return false;
	}
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789_.-";
	return strspn(name, allowed) == len;
}

/* A PAM message on one stderr line: PAM_MESSAGE_LOG_MAX printable ASCII bytes. */
static void
log_pam_message(int style, const char *text)
{
	char clean[PAM_MESSAGE_LOG_MAX + 1];
	size_t n = 0;
	for (; text && text[n] && n < PAM_MESSAGE_LOG_MAX; n++) {
		unsigned char c = (unsigned char)text[n];
		clean[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	clean[n] = '\0';
	strata_log(STRATA_INFO, "PAM %s: %s", style == PAM_ERROR_MSG ? "error" : "info", clean);
}

struct conversation {
	const char *password;
	bool answered; /* the password went to the one prompt it answers */
};

/* The password answers the first hidden prompt; a second one, or a prompt
 * to echo (a user name, a visible code), has no answer on a lock screen. */
static int
handle_conversation(int count, const struct pam_message **messages, struct pam_response **out,
		void *data)
{
	struct conversation *conv = data;
	*out = NULL;
	if (count <= 0 || count > PAM_MAX_NUM_MSG) {
		return PAM_CONV_ERR;
	}
	struct pam_response *responses = calloc((size_t)count, sizeof(*responses));
	if (!responses) {
		return PAM_BUF_ERR;
	}
	for (int i = 0; i < count; i++) {
		switch (messages[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			if (conv->answered) {
				goto refuse;
			}
			responses[i].resp = strdup(conv->password);
			if (!responses[i].resp) {
				goto refuse;
			}
			conv->answered = true;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			log_pam_message(messages[i]->msg_style, messages[i]->msg);
			break;
		default: /* PAM_PROMPT_ECHO_ON, binary prompts */
			goto refuse;
		}
	}
	*out = responses; /* PAM frees them */
	return PAM_SUCCESS;
refuse:
	for (int i = 0; i < count; i++) {
		if (responses[i].resp) {
			explicit_bzero(responses[i].resp, strlen(responses[i].resp));
			free(responses[i].resp);
		}
	}
	free(responses);
	return PAM_CONV_ERR;
}

static enum auth_reply
reply_from_pam(int ret)
{
	switch (ret) {
	case PAM_SUCCESS:
		return AUTH_REPLY_ACCEPTED;
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_MAXTRIES:
	case PAM_CRED_INSUFFICIENT:
	case PAM_PERM_DENIED:
	case PAM_ACCT_EXPIRED:
	case PAM_NEW_AUTHTOK_REQD:
		return AUTH_REPLY_REFUSED;
	default:
		return AUTH_REPLY_ERROR;
	}
}

static enum auth_reply
authenticate(const char *service, const char *user, const char *secret)
{
	struct conversation conv = { .password = secret };
	const struct pam_conv pam_conv = { handle_conversation, &conv };
	pam_handle_t *pamh = NULL;
	int ret = pam_start(service, user, &pam_conv, &pamh);
	if (ret != PAM_SUCCESS) {
		strata_log(STRATA_ERROR, "pam_start: %s", pam_strerror(pamh, ret));
		return AUTH_REPLY_ERROR;
	}
	ret = pam_authenticate(pamh, PAM_DISALLOW_NULL_AUTHTOK);
	const char *step = "pam_authenticate";
	if (ret == PAM_SUCCESS) {
		/* The account stack: expired or refused accounts do not unlock. A
		 * password that must be changed still unlocks: the lock cannot
		 * change it, and refusing would lock the user out. */
		int account = pam_acct_mgmt(pamh, PAM_DISALLOW_NULL_AUTHTOK);
		if (account == PAM_NEW_AUTHTOK_REQD) {
			strata_log(STRATA_INFO, "pam_acct_mgmt: the password must be changed");
		} else if (account != PAM_SUCCESS) {
			ret = account;
			step = "pam_acct_mgmt";
		}
	}
	if (ret == PAM_SUCCESS) {
		int cred = pam_setcred(pamh, PAM_REFRESH_CRED);
		if (cred != PAM_SUCCESS) {
			strata_log(STRATA_INFO, "pam_setcred: %s", pam_strerror(pamh, cred));
		}
	}
	enum auth_reply reply = reply_from_pam(ret);
	if (reply != AUTH_REPLY_ACCEPTED) {
		strata_log(reply == AUTH_REPLY_ERROR ? STRATA_ERROR : STRATA_INFO, "%s: %s", step,
				pam_strerror(pamh, ret));
	}
	pam_end(pamh, ret);
	return reply;
}

/* Answers requests until fd closes: 0 at a request boundary, 1 on a protocol
 * or I/O error. The caller wipes the password on every return. */
static int
serve(int fd, const char *service, const char *user)
{
	for (;;) {
		struct auth_request request;
		ssize_t got = io_read_all(fd, &request, sizeof(request));
		if (got == 0) {
			return 0; /* the compositor closed fd 3 */
		}
		if (got != (ssize_t)sizeof(request)) {
			strata_log(STRATA_ERROR, "truncated request header on fd %d: exiting", fd);
			return 1;
		}
		uint32_t len = request.length;
		if (len == 0 || len > AUTH_PASSWORD_MAX) {
			strata_log(STRATA_ERROR, "request length not within 1..%d: exiting",
					AUTH_PASSWORD_MAX);
			return 1;
		}
		got = io_read_all(fd, password, len);
		if (got != (ssize_t)len) {
			strata_log(STRATA_ERROR, "truncated password on fd %d: exiting", fd);
			return 1;
		}
		if (memchr(password, '\0', len)) {
			strata_log(STRATA_ERROR, "NUL byte in a password: exiting");
			return 1;
		}
		password[len] = '\0';
		uint8_t reply[AUTH_REPLY_BYTES];
		memcpy(reply, &request.seq, sizeof(request.seq));
		reply[sizeof(request.seq)] = (uint8_t)authenticate(service, user, password);
		password_wipe();
		if (!io_write_all(fd, reply, sizeof(reply))) {
			strata_log_errno(STRATA_ERROR, "cannot answer on fd %d", fd);
			return 1;
		}
	}
}

int
main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "service", required_argument, NULL, 's' }, /* long only */
		{ "user", required_argument, NULL, 'u' },
		{ 0 },
	};
	const char *service = NULL, *user = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "hv", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("strata-auth %s\n", STRATA_VERSION);
			return 0;
		case 's':
			service = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (!service || !user || optind < argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	strata_log_init("strata-auth", STRATA_INFO);
	atexit(password_wipe);

	if (!service_name_valid(service)) {
		strata_log(STRATA_ERROR,
				"bad PAM service \"%s\": want 1 to %d of [A-Za-z0-9_.-], no leading dot",
				service, SERVICE_NAME_MAX);
		return 2;
	}
	if (!getpwnam(user)) {
		strata_log(STRATA_ERROR, "no user \"%s\"", user);
		return 2;
	}
	/* No core dump, no ptrace by the user, no swap for the password. */
	const struct rlimit no_core = { 0, 0 };
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || setrlimit(RLIMIT_CORE, &no_core) < 0) {
		strata_log_errno(STRATA_ERROR, "cannot forbid core dumps");
		return 2;
	}
	/* As root (as strata runs it), every page, PAM's copies of the password
	 * included; otherwise RLIMIT_MEMLOCK would refuse later mappings (PAM's
	 * modules): the password's own buffer only. */
	if (geteuid() == 0 ? mlockall(MCL_CURRENT | MCL_FUTURE) < 0 :
			     mlock(password, sizeof(password)) < 0) {
		strata_log_errno(STRATA_ERROR, "mlock: the password may reach swap");
	}
	struct stat st;
	if (fstat(AUTH_FD, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		strata_log(STRATA_ERROR, "fd %d is not a socket: strata starts strata-auth",
				AUTH_FD);
		return 2;
	}
	/* Only fd 3 and the standard streams come in, and no PAM module's
	 * helper (unix_chkpwd) inherits fd 3. */
	close_range(AUTH_FD + 1, ~0u, 0);
	fcntl(AUTH_FD, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);

	if (printf("%s\n", AUTH_READY_LINE) < 0 || fflush(stdout) != 0) {
		strata_log_errno(STRATA_ERROR, "cannot say ready on stdout");
		return 1;
	}
	int status = serve(AUTH_FD, service, user);
	password_wipe();
	return status;
}
