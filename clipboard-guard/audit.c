// SPDX-License-Identifier: MIT
/*
 * The hash-chained audit log (see audit.h): writing one line, reading one
 * line back, and verifying a whole log against its head file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/guard_ipc.h"
#include "common/io.h"
#include "common/utf8.h"
#include "audit.h"
#include "sanitize_text.h"
#include "sha256.h"

#define AUDIT_HEAD_TMP_NAME AUDIT_HEAD_NAME ".tmp"
#define AUDIT_HEAD_MAX 128

static const char *const audit_decisions[] = {
	[GUARD_DECISION_TRANSFERRED] = "transferred",
	[GUARD_DECISION_REFUSED] = "refused",
	[GUARD_DECISION_TIMEOUT] = "timeout",
	[GUARD_DECISION_CANCELLED] = "cancelled",
};

const char *
audit_decision_name(uint32_t decision)
{
	if (decision == 0 || decision >= sizeof(audit_decisions) / sizeof(audit_decisions[0])) {
		return NULL;
	}
	return audit_decisions[decision];
}

static bool
audit_is_decision(const char *s)
{
	for (size_t i = 1; i < sizeof(audit_decisions) / sizeof(audit_decisions[0]); i++) {
		if (strcmp(s, audit_decisions[i]) == 0) {
			return true;
		}
	}
	return false;
}

bool
audit_is_hex_hash(const char *s, bool allow_empty)
{
	if (s[0] == '\0') {
		return allow_empty;
	}
	for (int i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return s[64] == '\0';
}

static void audit_set_error(char *err, size_t err_size, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

static void
audit_set_error(char *err, size_t err_size, const char *fmt, ...)
{
	if (!err || err_size == 0) {
		return;
	}
	va_list args;
	va_start(args, fmt);
	vsnprintf(err, err_size, fmt, args);
	va_end(args);
}

/* Writing a line. */

struct audit_buf {
	char *p;
	size_t len, cap; /* cap counts the NUL */
	bool overflow;
};

static void
audit_buf_put(struct audit_buf *b, const char *s, size_t n)
{
	if (b->overflow || n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
audit_buf_puts(struct audit_buf *b, const char *s)
{
	audit_buf_put(b, s, strlen(s));
}

static void
audit_buf_put_u64(struct audit_buf *b, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	audit_buf_put(b, digits, (size_t)n);
}

static void
audit_buf_put_u16_escape(struct audit_buf *b, uint32_t unit)
{
	char esc[8];
	int n = snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)unit);
	audit_buf_put(b, esc, (size_t)n);
}

/* A JSON string, in pure ASCII: see audit.h. */
static void
audit_buf_put_string(struct audit_buf *b, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s);
	audit_buf_put(b, "\"", 1);
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			cp = UTF8_REPLACEMENT;
			n = 1;
		}
		i += n;
		switch (cp) {
		case '"':
			audit_buf_put(b, "\\\"", 2);
			continue;
		case '\\':
			audit_buf_put(b, "\\\\", 2);
			continue;
		case '\b':
			audit_buf_put(b, "\\b", 2);
			continue;
		case '\f':
			audit_buf_put(b, "\\f", 2);
			continue;
		case '\n':
			audit_buf_put(b, "\\n", 2);
			continue;
		case '\r':
			audit_buf_put(b, "\\r", 2);
			continue;
		case '\t':
			audit_buf_put(b, "\\t", 2);
			continue;
		default:
			break;
		}
		if (cp >= 0x20 && cp < 0x7f) {
			char c = (char)cp;
			audit_buf_put(b, &c, 1);
		} else if (cp < 0x10000) {
			audit_buf_put_u16_escape(b, cp);
		} else {
			cp -= 0x10000;
			audit_buf_put_u16_escape(b, 0xd800 | cp >> 10);
			audit_buf_put_u16_escape(b, 0xdc00 | (cp & 0x3ff));
		}
	}
	audit_buf_put(b, "\"", 1);
}

static size_t
audit_format(const struct audit_record *rec, const char *time, uint64_t seq, const char *prev,
		char *out, size_t out_size)
{
	if (out_size == 0) {
		return 0;
	}
	struct audit_buf b = { .p = out, .cap = out_size };
	out[0] = '\0';
	audit_buf_puts(&b, "{\"seq\":");
	audit_buf_put_u64(&b, seq);
	audit_buf_puts(&b, ",\"time\":");
	audit_buf_put_string(&b, time);
	audit_buf_puts(&b, ",\"src\":");
	audit_buf_put_string(&b, rec->src);
	audit_buf_puts(&b, ",\"dst\":");
	audit_buf_put_string(&b, rec->dst);
	audit_buf_puts(&b, ",\"type\":");
	audit_buf_put_string(&b, rec->type);
	audit_buf_puts(&b, ",\"size\":");
	audit_buf_put_u64(&b, rec->size);
	audit_buf_puts(&b, ",\"sha256\":");
	audit_buf_put_string(&b, rec->sha256);
	audit_buf_puts(&b, ",\"decision\":");
	audit_buf_put_string(&b, rec->decision);
	audit_buf_puts(&b, ",\"reason\":");
	audit_buf_put_string(&b, rec->reason);
	audit_buf_puts(&b, ",\"prev\":");
	audit_buf_put_string(&b, prev);
	audit_buf_puts(&b, "}");
	return b.overflow || b.len > AUDIT_LINE_MAX ? 0 : b.len;
}

/* RFC 3339 in UTC, computed here rather than by gmtime_r, which loads
 * /etc/localtime on first use: the sandboxed guard cannot open it. */
static bool
audit_format_time(int64_t t, char out[24])
{
	if (t < 0 || t >= INT64_C(253402300800)) { /* 1970 to 9999 */
		return false;
	}
	int64_t days = t / 86400, secs = t % 86400;
	/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm). */
	int64_t z = days + 719468;
	int64_t era = z / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int day = (int)(doy - (153 * mp + 2) / 5 + 1);
	int month = (int)(mp < 10 ? mp + 3 : mp - 9);
	int year = (int)(yoe + era * 400 + (month <= 2));
	char text[64]; /* what the compiler cannot prove fits in 21 bytes */
	int n = snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day,
			(int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	if (n != 20) {
		return false;
	}
	memcpy(out, text, 21);
	return true;
}

static bool
audit_field_ok(const char *s, bool allow_empty)
{
	return s && (allow_empty || s[0] != '\0') && strnlen(s, AUDIT_FIELD_MAX) < AUDIT_FIELD_MAX;
}

size_t
audit_format_line(const struct audit_record *rec, uint64_t seq, const char *prev, char *out,
		size_t out_size, char *err, size_t err_size)
{
	if (!audit_field_ok(rec->src, false) || !audit_field_ok(rec->dst, false)) {
		audit_set_error(err, err_size, "the levels must be given, below %d bytes",
				AUDIT_FIELD_MAX);
		return 0;
	}
	if (!audit_field_ok(rec->type, true) || !audit_field_ok(rec->reason, true)) {
		audit_set_error(err, err_size, "type and reason must be below %d bytes",
				AUDIT_FIELD_MAX);
		return 0;
	}
	if (!rec->sha256 || !audit_is_hex_hash(rec->sha256, true)) {
		audit_set_error(err, err_size, "sha256 must be empty or 64 lowercase hex digits");
		return 0;
	}
	if (!prev || !audit_is_hex_hash(prev, false)) {
		audit_set_error(err, err_size, "prev must be 64 lowercase hex digits");
		return 0;
	}
	if (!rec->decision || !audit_is_decision(rec->decision)) {
		audit_set_error(err, err_size, "unknown decision");
		return 0;
	}
	int64_t t = rec->time;
	if (t == 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		t = now.tv_sec;
	}
	char time[24];
	if (!audit_format_time(t, time)) {
		audit_set_error(err, err_size, "time out of range");
		return 0;
	}
	size_t len = audit_format(rec, time, seq, prev, out, out_size);
	if (len == 0) {
		audit_set_error(err, err_size, "line too long");
	}
	return len;
}

/* Reading a line back. */

struct audit_cursor {
	const char *p, *end;
};

static bool
audit_expect(struct audit_cursor *c, const char *literal)
{
	size_t n = strlen(literal);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, literal, n) != 0) {
		return false;
	}
	c->p += n;
	return true;
}

static bool
audit_parse_u64(struct audit_cursor *c, uint64_t *v)
{
	uint64_t value = 0;
	const char *start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned digit = (unsigned)(*c->p - '0');
		if (value > (UINT64_MAX - digit) / 10) {
			return false;
		}
		value = value * 10 + digit;
		c->p++;
	}
	*v = value;
	return c->p > start;
}

static int
audit_hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

static bool
audit_parse_u16(struct audit_cursor *c, uint32_t *unit)
{
	if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u') {
		return false;
	}
	uint32_t v = 0;
	for (int i = 2; i < 6; i++) {
		int h = audit_hex_value(c->p[i]);
		if (h < 0) {
			return false;
		}
		v = v << 4 | (uint32_t)h;
	}
	c->p += 6;
	*unit = v;
	return true;
}

static bool
audit_put_utf8(char *out, size_t out_size, size_t *o, uint32_t cp)
{
	uint8_t enc[UTF8_CHAR_MAX];
	size_t n = utf8_encode(cp, enc);
	if (n == 0 || n >= out_size - *o) {
		return false;
	}
	memcpy(out + *o, enc, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

/* A JSON string of printable ASCII and escapes, decoded to UTF-8. */
static bool
audit_parse_string(struct audit_cursor *c, char *out, size_t out_size)
{
	size_t o = 0;
	out[0] = '\0';
	if (!audit_expect(c, "\"")) {
		return false;
	}
	while (c->p < c->end) {
		char ch = *c->p;
		if (ch == '"') {
			c->p++;
			return true;
		}
		if (ch < 0x20 || ch > 0x7e) {
			return false; /* raw controls and non-ASCII never appear */
		}
		uint32_t cp;
		if (ch != '\\') {
			cp = (uint32_t)ch;
			c->p++;
		} else if (c->end - c->p >= 2 && c->p[1] != 'u') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			const char *hit = memchr(from, c->p[1], sizeof(from) - 1);
			if (!hit) {
				return false;
			}
			cp = (uint32_t)(unsigned char)to[hit - from];
			c->p += 2;
		} else {
			if (!audit_parse_u16(c, &cp)) {
				return false;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				uint32_t low;
				if (!audit_parse_u16(c, &low) || low < 0xdc00 || low > 0xdfff) {
					return false;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
			} else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
				return false;
			}
		}
		if (!audit_put_utf8(out, out_size, &o, cp)) {
			return false;
		}
	}
	return false;
}

static bool
audit_time_ok(const char *t)
{
	/* YYYY-MM-DDTHH:MM:SSZ */
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	if (strlen(t) != sizeof(shape) - 1) {
		return false;
	}
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? !(t[i] >= '0' && t[i] <= '9') : t[i] != shape[i]) {
			return false;
		}
	}
	return true;
}

bool
audit_parse_line(const char *line, size_t len, struct audit_entry *e, char *err, size_t err_size)
{
	memset(e, 0, sizeof(*e));
	if (len > AUDIT_LINE_MAX) {
		audit_set_error(err, err_size, "line longer than %d bytes", AUDIT_LINE_MAX);
		return false;
	}
	struct audit_cursor c = { .p = line, .end = line + len };
	bool ok = audit_expect(&c, "{\"seq\":") && audit_parse_u64(&c, &e->seq) &&
			audit_expect(&c, ",\"time\":") &&
			audit_parse_string(&c, e->time, sizeof(e->time)) &&
			audit_expect(&c, ",\"src\":") &&
			audit_parse_string(&c, e->src, sizeof(e->src)) &&
			audit_expect(&c, ",\"dst\":") &&
			audit_parse_string(&c, e->dst, sizeof(e->dst)) &&
			audit_expect(&c, ",\"type\":") &&
			audit_parse_string(&c, e->type, sizeof(e->type)) &&
			audit_expect(&c, ",\"size\":") && audit_parse_u64(&c, &e->size) &&
			audit_expect(&c, ",\"sha256\":") &&
			audit_parse_string(&c, e->sha256, sizeof(e->sha256)) &&
			audit_expect(&c, ",\"decision\":") &&
			audit_parse_string(&c, e->decision, sizeof(e->decision)) &&
			audit_expect(&c, ",\"reason\":") &&
			audit_parse_string(&c, e->reason, sizeof(e->reason)) &&
			audit_expect(&c, ",\"prev\":") &&
			audit_parse_string(&c, e->prev, sizeof(e->prev)) && audit_expect(&c, "}") &&
			c.p == c.end;
	if (!ok) {
		audit_set_error(err, err_size, "malformed: not an audit record (byte %zu)",
				(size_t)(c.p - line) + 1);
		return false;
	}
	if (!audit_time_ok(e->time) || e->src[0] == '\0' || e->dst[0] == '\0' ||
			!audit_is_hex_hash(e->sha256, true) || !audit_is_decision(e->decision) ||
			!audit_is_hex_hash(e->prev, false)) {
		audit_set_error(err, err_size, "malformed: a field has an impossible value");
		return false;
	}
	/* Only what audit_format writes, byte for byte: no second spelling of the
	 * same record (escapes, leading zeros) can hide an edit from a reader. */
	char again[AUDIT_LINE_MAX + 1];
	struct audit_record rec = {
		.src = e->src,
		.dst = e->dst,
		.type = e->type,
		.size = e->size,
		.sha256 = e->sha256,
		.decision = e->decision,
		.reason = e->reason,
	};
	size_t again_len = audit_format(&rec, e->time, e->seq, e->prev, again, sizeof(again));
	if (again_len != len || memcmp(again, line, len) != 0) {
		audit_set_error(err, err_size, "malformed: not written the way the guard writes");
		return false;
	}
	return true;
}

/* Head file. */

static bool
audit_parse_head(const char *text, size_t len, uint64_t *seq, char hash[65])
{
	struct audit_cursor c = { .p = text, .end = text + len };
	char h[65];
	bool ok = audit_expect(&c, "{\"seq\":") && audit_parse_u64(&c, seq) &&
			audit_expect(&c, ",\"sha256\":") && audit_parse_string(&c, h, sizeof(h)) &&
			audit_expect(&c, "}\n") && c.p == c.end && audit_is_hex_hash(h, false);
	if (ok) {
		memcpy(hash, h, 65);
	}
	return ok;
}

/* 1: read, 0: no head file, -errno: cannot read it, -EBADMSG: malformed. */
static int
audit_read_head(int dir_fd, const char *name, uint64_t *seq, char hash[65])
{
	int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		return errno == ENOENT ? 0 : -errno;
	}
	char text[AUDIT_HEAD_MAX + 1];
	ssize_t len = io_read_all(fd, text, sizeof(text));
	int e = errno;
	close(fd);
	if (len < 0) {
		return -e;
	}
	if (len > AUDIT_HEAD_MAX || !audit_parse_head(text, (size_t)len, seq, hash)) {
		return -EBADMSG;
	}
	return 1;
}

static bool
audit_write_head(struct audit_log *log, char *err, size_t err_size)
{
	char text[AUDIT_HEAD_MAX];
	int len = snprintf(text, sizeof(text), "{\"seq\":%llu,\"sha256\":\"%s\"}\n",
			(unsigned long long)log->seq, log->last_hash);
	int fd = openat(log->dir_fd, AUDIT_HEAD_TMP_NAME,
			O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0) {
		audit_set_error(err, err_size, "cannot create %s: %s", AUDIT_HEAD_TMP_NAME,
				strerror(errno));
		return false;
	}
	bool ok = io_write_all(fd, text, (size_t)len) && fsync(fd) == 0;
	int e = errno;
	close(fd);
	if (!ok) {
		audit_set_error(err, err_size, "cannot write %s: %s", AUDIT_HEAD_TMP_NAME,
				strerror(e));
		return false;
	}
	if (renameat(log->dir_fd, AUDIT_HEAD_TMP_NAME, log->dir_fd, AUDIT_HEAD_NAME) < 0 ||
			fsync(log->dir_fd) < 0) {
		audit_set_error(err, err_size, "cannot replace %s: %s", AUDIT_HEAD_NAME,
				strerror(errno));
		return false;
	}
	return true;
}

/* Verifying. */

struct audit_reader {
	int fd;
	off_t offset;
	char buf[2 * (AUDIT_LINE_MAX + 1)];
	size_t start, end;
	bool eof;
};

enum audit_read {
	AUDIT_READ_LINE,
	AUDIT_READ_EOF,
	AUDIT_READ_TOO_LONG,
	AUDIT_READ_UNTERMINATED,
	AUDIT_READ_ERROR, /* errno */
};

static enum audit_read
audit_reader_next(struct audit_reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start += *len + 1;
			return *len > AUDIT_LINE_MAX ? AUDIT_READ_TOO_LONG : AUDIT_READ_LINE;
		}
		if (r->end - r->start > AUDIT_LINE_MAX) {
			return AUDIT_READ_TOO_LONG;
		}
		if (r->eof) {
			return r->end > r->start ? AUDIT_READ_UNTERMINATED : AUDIT_READ_EOF;
		}
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		ssize_t n = pread(r->fd, r->buf + r->end, sizeof(r->buf) - r->end, r->offset);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return AUDIT_READ_ERROR;
		}
		r->offset += n;
		r->end += (size_t)n;
		r->eof = n == 0;
	}
}

struct audit_verifier {
	audit_report_fn report;
	void *data;
	long bad; /* first bad line, once known */
};

static long audit_fail(struct audit_verifier *v, unsigned long line, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

static long
audit_fail(struct audit_verifier *v, unsigned long line, const char *fmt, ...)
{
	char message[256];
	va_list args;
	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	if (v->report) {
		v->report(v->data, line, message);
	}
	v->bad = (long)line;
	return v->bad;
}

/* A line whose prev does not match the line before it: either that line was
 * altered (and this line's hash is the prev of the next one), or this one. */
static long
audit_fail_suspect(struct audit_verifier *v, unsigned long suspect, bool suspect_intact)
{
	if (suspect_intact) {
		return audit_fail(v, suspect - 1,
				"altered: the hash of this line is not the prev of line %lu",
				suspect);
	}
	return audit_fail(v, suspect,
			"altered: its prev is not the hash of line %lu, and its own hash is not what "
			"follows it",
			suspect - 1);
}

long
audit_verify_fd(int fd, int dir_fd, const char *head_name, audit_report_fn report, void *data,
		struct audit_summary *summary)
{
	struct audit_verifier v = { .report = report, .data = data };
	struct audit_reader *r = calloc(1, sizeof(*r));
	struct audit_entry *e = calloc(1, sizeof(*e));
	if (!r || !e) {
		free(r);
		free(e);
		return -ENOMEM;
	}
	r->fd = fd;
	unsigned long lines = 0, suspect = 0;
	char hash[65] = AUDIT_ZERO_HASH, prev_of_last[65] = AUDIT_ZERO_HASH;
	char suspect_hash[65] = "";
	uint64_t seq = 0;
	long result = 0;
	for (;;) {
		const char *line = NULL;
		size_t len = 0;
		enum audit_read got = audit_reader_next(r, &line, &len);
		if (got == AUDIT_READ_EOF) {
			break;
		}
		if (got == AUDIT_READ_ERROR) {
			result = -errno;
			goto out;
		}
		lines++;
		if (suspect) {
			/* Decided by this line's prev, if it can be read. */
			char err[128];
			bool readable = got == AUDIT_READ_LINE &&
					audit_parse_line(line, len, e, err, sizeof(err));
			result = audit_fail_suspect(&v, suspect,
					readable && strcmp(e->prev, suspect_hash) == 0);
			goto out;
		}
		if (got == AUDIT_READ_TOO_LONG) {
			result = audit_fail(&v, lines, "malformed: longer than %d bytes",
					AUDIT_LINE_MAX);
			goto out;
		}
		if (got == AUDIT_READ_UNTERMINATED) {
			result = audit_fail(&v, lines,
					"malformed: no newline at the end (an interrupted write?)");
			goto out;
		}
		char err[128];
		if (!audit_parse_line(line, len, e, err, sizeof(err))) {
			result = audit_fail(&v, lines, "%s", err);
			goto out;
		}
		if (e->seq != seq + 1) {
			result = audit_fail(&v, lines,
					e->seq > seq + 1 ?
							"seq %llu where %llu was expected: line(s) removed before it" :
							"seq %llu where %llu was expected: lines reordered or repeated",
					(unsigned long long)e->seq, (unsigned long long)(seq + 1));
			goto out;
		}
		char line_hash[65];
		sha256_hex(line, len, line_hash);
		if (strcmp(e->prev, hash) != 0) {
			if (lines == 1) {
				result = audit_fail(&v, 1,
						"the prev of the first line is not zeros: lines removed before it");
				goto out;
			}
			suspect = lines;
			memcpy(suspect_hash, line_hash, sizeof(suspect_hash));
		}
		seq = e->seq;
		memcpy(prev_of_last, e->prev, sizeof(prev_of_last));
		memcpy(hash, line_hash, sizeof(hash));
	}

	/* The end of the log, against the head file. */
	uint64_t head_seq = 0;
	char head_hash[65] = AUDIT_ZERO_HASH;
	int head = audit_read_head(dir_fd, head_name, &head_seq, head_hash);
	if (head == -EBADMSG) {
		result = audit_fail(&v, lines + 1, "the head file %s is malformed", head_name);
		goto out;
	}
	if (head < 0) {
		result = head;
		goto out;
	}
	if (suspect) {
		result = audit_fail_suspect(&v, suspect,
				head_seq == seq && strcmp(head_hash, suspect_hash) == 0);
		goto out;
	}
	bool head_behind = false;
	if (head_seq > seq) {
		result = audit_fail(&v, lines + 1,
				"missing: the log ends at seq %llu, the head file %s at seq %llu "
				"(lines removed from the end)",
				(unsigned long long)seq, head_name, (unsigned long long)head_seq);
		goto out;
	} else if (head_seq == seq) {
		if (strcmp(head_hash, hash) != 0) {
			result = audit_fail(&v, lines,
					"altered: the hash of the last line is not the one in the head file %s",
					head_name);
			goto out;
		}
	} else if (head_seq + 1 == seq && strcmp(head_hash, prev_of_last) == 0) {
		head_behind = true; /* the line was written, the head not yet */
	} else if (head == 0) {
		result = audit_fail(&v, 1,
				"no head file %s for a log of %lu lines: its end cannot be checked",
				head_name, lines);
		goto out;
	} else {
		result = audit_fail(&v, (unsigned long)head_seq + 1,
				"the head file %s (seq %llu) does not match the log (seq %llu)",
				head_name, (unsigned long long)head_seq, (unsigned long long)seq);
		goto out;
	}
	if (summary) {
		summary->lines = lines;
		summary->last_seq = seq;
		memcpy(summary->last_hash, hash, sizeof(summary->last_hash));
		summary->head_behind = head_behind;
	}
out:
	free(r);
	free(e);
	return result;
}

long
audit_verify(const char *path, audit_report_fn report, void *data, struct audit_summary *summary)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		return -errno;
	}
	/* The head file sits next to the log: x.jsonl has x.head. */
	char dir[4096], head[512];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	}
	size_t base_len = strlen(base);
	if (base_len > 6 && strcmp(base + base_len - 6, ".jsonl") == 0) {
		snprintf(head, sizeof(head), "%.*s.head", (int)(base_len - 6), base);
	} else {
		snprintf(head, sizeof(head), "%s.head", base);
	}
	int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	long result = audit_verify_fd(fd, dir_fd, head, report, data, summary);
	close(dir_fd);
	close(fd);
	return result;
}

/* Appending. */

struct audit_log *
audit_open(const char *dir, audit_report_fn report, void *data)
{
	struct audit_log *log = calloc(1, sizeof(*log));
	if (!log) {
		return NULL;
	}
	log->fd = -1;
	char message[256];
	log->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (log->dir_fd < 0) {
		snprintf(message, sizeof(message), "cannot open %s: %s", dir, strerror(errno));
		goto fail;
	}
	struct stat st;
	if (fstat(log->dir_fd, &st) < 0 || (st.st_mode & 022)) {
		snprintf(message, sizeof(message),
				"%s must be a directory that neither its group nor others may write to",
				dir);
		goto fail;
	}
	log->fd = openat(log->dir_fd, AUDIT_LOG_NAME,
			O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (log->fd < 0) {
		snprintf(message, sizeof(message), "cannot open %s/%s: %s", dir, AUDIT_LOG_NAME,
				strerror(errno));
		goto fail;
	}
	if (fstat(log->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(message, sizeof(message), "%s/%s is not a regular file", dir,
				AUDIT_LOG_NAME);
		goto fail;
	}
	if (flock(log->fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(message, sizeof(message), "%s/%s is locked by another writer: %s", dir,
				AUDIT_LOG_NAME, strerror(errno));
		goto fail;
	}
	struct audit_summary summary = { 0 };
	long bad = audit_verify_fd(log->fd, log->dir_fd, AUDIT_HEAD_NAME, report, data, &summary);
	if (bad > 0) {
		goto fail_reported;
	}
	if (bad < 0) {
		snprintf(message, sizeof(message), "cannot read %s/%s: %s", dir, AUDIT_LOG_NAME,
				strerror((int)-bad));
		goto fail;
	}
	if (fstat(log->fd, &st) < 0) {
		snprintf(message, sizeof(message), "cannot stat %s/%s: %s", dir, AUDIT_LOG_NAME,
				strerror(errno));
		goto fail;
	}
	log->size = st.st_size;
	log->seq = summary.last_seq;
	memcpy(log->last_hash, summary.last_hash, sizeof(log->last_hash));
	if (summary.head_behind) {
		if (!audit_write_head(log, message, sizeof(message))) {
			goto fail;
		}
		log->head_repaired = true;
	}
	return log;

fail:
	if (report) {
		report(data, 0, message);
	}
fail_reported:
	audit_close(log);
	return NULL;
}

void
audit_close(struct audit_log *log)
{
	if (!log) {
		return;
	}
	if (log->fd >= 0) {
		close(log->fd);
	}
	if (log->dir_fd >= 0) {
		close(log->dir_fd);
	}
	free(log);
}

bool
audit_append(struct audit_log *log, const struct audit_record *rec, char *err, size_t err_size)
{
	if (log->broken) {
		audit_set_error(err, err_size,
				"the audit log failed earlier: appending nothing more");
		return false;
	}
	char line[AUDIT_LINE_MAX + 1];
	size_t len = audit_format_line(rec, log->seq + 1, log->last_hash, line, sizeof(line) - 1,
			err, err_size);
	if (len == 0) {
		return false;
	}
	char line_hash[65];
	sha256_hex(line, len, line_hash);
	line[len] = '\n';
	ssize_t n;
	do {
		n = write(log->fd, line, len + 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		audit_set_error(err, err_size, "cannot write the audit log: %s", strerror(errno));
		return false;
	}
	if (n != (ssize_t)(len + 1)) {
		/* A short write leaves half a line: take it back, or stop here. */
		if (ftruncate(log->fd, log->size) < 0) {
			log->broken = true;
		}
		audit_set_error(err, err_size, "short write to the audit log (%zd of %zu bytes)%s",
				n, len + 1, log->broken ? ": log closed" : ": taken back");
		return false;
	}
	if (fsync(log->fd) < 0) {
		log->broken = true;
		audit_set_error(err, err_size, "cannot sync the audit log: %s", strerror(errno));
		return false;
	}
	log->size += (off_t)(len + 1);
	log->seq++;
	memcpy(log->last_hash, line_hash, sizeof(log->last_hash));
	if (!audit_write_head(log, err, err_size)) {
		/* The line is in the log, the head one behind: tolerated once. */
		log->broken = true;
		return false;
	}
	return true;
}
