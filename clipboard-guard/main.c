// SPDX-License-Identifier: MIT
/*
 * strata-clipboard-guard: started by strata with its end of a socketpair as
 * fd 3, it verifies and opens the audit log, shuts itself in (chroot into the
 * log directory when root, optional uid/gid drop, Landlock, seccomp), then
 * answers requests (common/guard_ipc.h) one at a time until fd 3 closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "audit.h"
#include "common/io.h"
#include "common/log.h"
#include "config.h"
#include "guard.h"

#define GUARD_FD 3

/* LeakSanitizer checks at exit from a thread it clones, which the seccomp
 * filter forbids: sanitizer builds end with _exit once all is freed. */
#ifdef __SANITIZE_ADDRESS__
#define GUARD_UNDER_ASAN 1
#endif
#ifdef __has_feature
#if __has_feature(address_sanitizer)
#define GUARD_UNDER_ASAN 1
#endif
#endif

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
			"Usage: %s --log-dir DIR [options]\n"
			"\n"
			"Filters clipboard content crossing levels, for strata, which starts it\n"
			"with a socket as fd 3, and writes the audit log DIR/audit.jsonl.\n"
			"\n"
			"  -h, --help           Show this help and exit.\n"
			"  -v, --version        Show the version and exit.\n"
			"  -d, --debug          Log every request.\n"
			"      --log-dir DIR    The audit log's directory: the guard's only\n"
			"                       filesystem (it chroots into it when root).\n"
			"      --allow-images   Let image/png cross, decoded and encoded again.\n"
			"      --uid UID --gid GID  Run as this user and group once set up\n"
			"                       (DIR must then belong to UID).\n",
			prog);
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

static void
report_audit_problem(void *data, unsigned long line, const char *message)
{
	const char *dir = data;
	if (line > 0) {
		strata_log(STRATA_ERROR, "%s/%s:%lu: %s", dir, AUDIT_LOG_NAME, line, message);
	} else {
		strata_log(STRATA_ERROR, "%s", message);
	}
}

/* Sandbox. */

static bool
guard_drop_privileges(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
			setresuid(uid, uid, uid) < 0) {
		strata_log_errno(STRATA_ERROR, "cannot drop to uid %u gid %u", (unsigned)uid,
				(unsigned)gid);
		return false;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		strata_log(STRATA_ERROR, "root could be regained after dropping it");
		return false;
	}
	return true;
}

/* The log directory is the only place the guard may open, create or rename a
 * file in. false when the kernel has no Landlock. */
static bool
guard_landlock(int dir_fd)
{
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		return false;
	}
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
				LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
				LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
				LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
				LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
				LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
				LANDLOCK_ACCESS_FS_MAKE_SYM,
	};
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0) {
		return false;
	}
	struct landlock_path_beneath_attr beneath = {
		.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
				LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REMOVE_FILE,
		.parent_fd = dir_fd,
	};
	bool ok = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath,
				  0) == 0 &&
			syscall(SYS_landlock_restrict_self, ruleset, 0) == 0;
	close(ruleset);
	return ok;
}

static bool
guard_seccomp(int dir_fd)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		return false;
	}
	static const int allowed[] = {
		SCMP_SYS(read),
		SCMP_SYS(write),
		SCMP_SYS(writev),
		SCMP_SYS(close),
		SCMP_SYS(fsync),
		SCMP_SYS(fstat),
		SCMP_SYS(newfstatat),
		SCMP_SYS(lseek),
		SCMP_SYS(ftruncate),
		SCMP_SYS(brk),
		SCMP_SYS(munmap),
		SCMP_SYS(mremap),
		SCMP_SYS(madvise),
		SCMP_SYS(clock_gettime),
		SCMP_SYS(gettimeofday),
		SCMP_SYS(exit),
		SCMP_SYS(exit_group),
		SCMP_SYS(rt_sigreturn),
		SCMP_SYS(rt_sigprocmask),
		SCMP_SYS(sigaltstack),
		SCMP_SYS(futex),
		SCMP_SYS(getpid),
		SCMP_SYS(gettid),
		SCMP_SYS(getrandom),
		SCMP_SYS(restart_syscall),
	};
	scmp_datum_t dir = (scmp_datum_t)dir_fd;
	const struct {
		int nr;
		unsigned count;
		struct scmp_arg_cmp args[2];
	} conditional[] = {
		/* Memory, never executable. */
		{ SCMP_SYS(mmap), 1, { SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
		{ SCMP_SYS(mprotect), 1, { SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) } },
		/* Files: the head file, in the log directory (Landlock and the
		 * chroot keep absolute paths there too). */
		{ SCMP_SYS(openat), 1, { SCMP_A0(SCMP_CMP_EQ, dir) } },
		{ SCMP_SYS(renameat), 2, { SCMP_A0(SCMP_CMP_EQ, dir), SCMP_A2(SCMP_CMP_EQ, dir) } },
		{ SCMP_SYS(renameat2), 2,
				{ SCMP_A0(SCMP_CMP_EQ, dir), SCMP_A2(SCMP_CMP_EQ, dir) } },
		/* io_write_all(): send() on fd 3 (and, refused with ENOTSOCK, on
		 * the head file) without an address, never raising SIGPIPE. */
		{ SCMP_SYS(sendto), 2,
				{ SCMP_A3(SCMP_CMP_EQ, MSG_NOSIGNAL), SCMP_A4(SCMP_CMP_EQ, 0) } },
		/* abort() signals this process only. */
		{ SCMP_SYS(tgkill), 1, { SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()) } },
	};
	bool ok = true;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && ok; i++) {
		ok = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) == 0;
	}
	for (size_t i = 0; i < sizeof(conditional) / sizeof(conditional[0]) && ok; i++) {
		ok = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, conditional[i].nr,
				     conditional[i].count, conditional[i].args) == 0;
	}
	ok = ok && seccomp_load(ctx) == 0;
	seccomp_release(ctx);
	return ok;
}

static bool
guard_sandbox_enter(int dir_fd, bool drop, uid_t uid, gid_t gid)
{
	/* glibc reads /etc/localtime on its first time conversion: let that
	 * happen now, before the chroot and the seccomp filter, should any
	 * library ask for one (audit.c formats its times itself). */
	tzset();
	struct stat st;
	uid_t final_uid = drop ? uid : geteuid();
	if (fstat(dir_fd, &st) < 0 || st.st_uid != final_uid) {
		strata_log(STRATA_ERROR,
				"the log directory must belong to uid %u, who writes in it",
				(unsigned)final_uid);
		return false;
	}
	bool root = geteuid() == 0;
	if (root && (fchdir(dir_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
		strata_log_errno(STRATA_ERROR, "cannot chroot into the log directory");
		return false;
	}
	if (drop && !guard_drop_privileges(uid, gid)) {
		return false;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		strata_log_errno(STRATA_ERROR, "no_new_privs");
		return false;
	}
	bool landlock = guard_landlock(dir_fd);
	if (!landlock && !root) {
		strata_log(STRATA_ERROR,
				"not root and no Landlock: the filesystem cannot be "
				"confined to the log directory");
		return false;
	}
	if (!guard_seccomp(dir_fd)) {
		strata_log(STRATA_ERROR, "cannot load the seccomp filter");
		return false;
	}
	strata_log(STRATA_DEBUG, "sandbox: %s%s%sseccomp", root ? "chroot, " : "",
			drop ? "uid dropped, " : "", landlock ? "landlock, " : "");
	return true;
}

/* The socket. */

enum guard_io {
	GUARD_IO_OK,
	GUARD_IO_EOF, /* closed before the first byte */
	GUARD_IO_ERROR, /* closed half-way, or a read error */
};

static enum guard_io
read_full(int fd, void *buf, size_t len)
{
	ssize_t got = io_read_all(fd, buf, len);
	if (got == (ssize_t)len) {
		return GUARD_IO_OK;
	}
	return got == 0 ? GUARD_IO_EOF : GUARD_IO_ERROR;
}

static bool
drain(int fd, uint64_t len, uint8_t *scratch, size_t scratch_size)
{
	while (len > 0) {
		size_t chunk = len < scratch_size ? (size_t)len : scratch_size;
		if (read_full(fd, scratch, chunk) != GUARD_IO_OK) {
			return false;
		}
		len -= chunk;
	}
	return true;
}

/* Answers requests until fd closes: 0 at a clean end, 1 otherwise. */
static int
serve(int fd, struct guard *guard, uint8_t *in, uint8_t *out)
{
	for (;;) {
		struct guard_request req;
		enum guard_io got = read_full(fd, &req, sizeof(req));
		if (got == GUARD_IO_EOF) {
			strata_log(STRATA_DEBUG, "fd %d closed: exiting", fd);
			return 0;
		}
		if (got != GUARD_IO_OK) {
			strata_log(STRATA_ERROR, "truncated request header: exiting");
			return 1;
		}
		char reason[GUARD_REASON_MAX];
		enum guard_check check = guard_check_request(&req, reason, sizeof(reason));
		const uint8_t *payload = NULL;
		if (check != GUARD_CHECK_FATAL && req.length > 0) {
			bool wanted = check == GUARD_CHECK_OK && req.type == GUARD_REQ_SANITISE &&
					req.length <= guard_request_cap(&req);
			bool read_ok = wanted ? read_full(fd, in, req.length) == GUARD_IO_OK :
						drain(fd, req.length, in, GUARD_HARD_MAX_BYTES);
			if (!read_ok) {
				strata_log(STRATA_ERROR, "request %u: truncated payload: exiting",
						(unsigned)req.id);
				return 1;
			}
			payload = wanted ? in : NULL;
		}
		struct guard_response resp;
		guard_handle(guard, &req, payload, &resp, out, GUARD_HARD_MAX_BYTES);
		bool sent = io_write_all(fd, &resp, sizeof(resp)) &&
				io_write_all(fd, out, resp.length);
		/* Nothing of a transfer stays in the guard once answered (drained
		 * payloads passed through in too). */
		explicit_bzero(in,
				req.length < GUARD_HARD_MAX_BYTES ? req.length :
								    GUARD_HARD_MAX_BYTES);
		explicit_bzero(out, resp.length);
		strata_log(resp.status == GUARD_OK ? STRATA_DEBUG : STRATA_INFO,
				"request %u (type %u, %u bytes): %s: %s", (unsigned)req.id,
				(unsigned)req.type, (unsigned)req.length,
				resp.status == GUARD_OK                      ? "ok" :
						resp.status == GUARD_REFUSED ? "refused" :
									       "error",
				resp.reason);
		if (check == GUARD_CHECK_FATAL) {
			strata_log(STRATA_ERROR, "malformed request (%s): exiting", reason);
			return 1;
		}
		if (!sent) {
			strata_log_errno(STRATA_ERROR, "cannot answer on fd %d", fd);
			return 1;
		}
	}
}

enum {
	OPT_LOG_DIR = 0x100,
	OPT_ALLOW_IMAGES,
	OPT_UID,
	OPT_GID,
};

int
main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "log-dir", required_argument, NULL, OPT_LOG_DIR },
		{ "allow-images", no_argument, NULL, OPT_ALLOW_IMAGES },
		{ "uid", required_argument, NULL, OPT_UID },
		{ "gid", required_argument, NULL, OPT_GID },
		{ 0 },
	};
	const char *log_dir = NULL;
	bool debug = false, allow_images = false, have_uid = false, have_gid = false;
	unsigned long uid = 0, gid = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "hvd", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("strata-clipboard-guard %s\n", STRATA_VERSION);
			return 0;
		case 'd':
			debug = true;
			break;
		case OPT_LOG_DIR:
			log_dir = optarg;
			break;
		case OPT_ALLOW_IMAGES:
			allow_images = true;
			break;
		case OPT_UID:
		case OPT_GID:
			if (!parse_id(optarg, opt == OPT_UID ? &uid : &gid)) {
				fprintf(stderr, "strata-clipboard-guard: bad --%s \"%s\"\n",
						opt == OPT_UID ? "uid" : "gid", optarg);
				return 1;
			}
			*(opt == OPT_UID ? &have_uid : &have_gid) = true;
			break;
		default:
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (!log_dir || optind < argc) {
		usage(stderr, argv[0]);
		return 1;
	}
	if (have_uid != have_gid) {
		fprintf(stderr, "strata-clipboard-guard: --uid and --gid go together\n");
		return 1;
	}
	strata_log_init("strata-clipboard-guard", debug ? STRATA_DEBUG : STRATA_INFO);

	struct stat st;
	if (fstat(GUARD_FD, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		strata_log(STRATA_ERROR, "fd %d is not a socket: strata starts the guard",
				GUARD_FD);
		return 1;
	}
	/* Only fd 3 and the standard streams come in; the log fds come next. */
	close_range(GUARD_FD + 1, ~0u, 0);
	signal(SIGPIPE, SIG_IGN);
	if (allow_images && !guard_images_supported()) {
		strata_log(STRATA_ERROR, "built without libpng: images stay refused");
	}

	struct guard guard = { .allow_images = allow_images };
	guard.audit = audit_open(log_dir, report_audit_problem, (void *)log_dir);
	if (!guard.audit) {
		strata_log(STRATA_ERROR,
				"the audit log in %s cannot be appended to: refusing to "
				"start, so nothing crosses levels (see strata-audit verify)",
				log_dir);
		return 1;
	}
	if (guard.audit->head_repaired) {
		strata_log(STRATA_INFO, "%s/%s: the last append was interrupted; head file updated",
				log_dir, AUDIT_HEAD_NAME);
	}
	uint8_t *in = malloc(GUARD_HARD_MAX_BYTES);
	uint8_t *out = malloc(GUARD_HARD_MAX_BYTES);
	int status = 1;
	if (!in || !out) {
		strata_log(STRATA_ERROR, "out of memory");
		goto out;
	}
	if (!guard_sandbox_enter(guard.audit->dir_fd, have_uid, (uid_t)uid, (gid_t)gid)) {
		strata_log(STRATA_ERROR, "cannot enter the sandbox: refusing to run");
		goto out;
	}
	strata_log(STRATA_INFO, "ready: log %s/%s (seq %llu), images %s", log_dir, AUDIT_LOG_NAME,
			(unsigned long long)guard.audit->seq,
			guard.allow_images && guard_images_supported() ? "allowed" : "refused");
	status = serve(GUARD_FD, &guard, in, out);
out:
	free(in);
	free(out);
	audit_close(guard.audit);
#ifdef GUARD_UNDER_ASAN
	fflush(stdout);
	_exit(status);
#else
	return status;
#endif
}
