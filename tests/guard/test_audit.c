// SPDX-License-Identifier: MIT
/* The hash-chained audit log: lines written and read back, and a chain that
 * verifies, then fails at the right line once a line is edited, removed,
 * swapped or cut off. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "audit.h"
#include "sha256.h"
#include "tap.h"

struct tmp_log {
	char dir[64];
	char path[128];
	char head[128];
};

static void
tmp_log_create(struct tmp_log *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/strata-audit-test-XXXXXX");
	tap_assert(mkdtemp(t->dir) != NULL);
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, AUDIT_LOG_NAME);
	snprintf(t->head, sizeof(t->head), "%s/%s", t->dir, AUDIT_HEAD_NAME);
}

static void
tmp_log_remove(struct tmp_log *t)
{
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->head);
	unlink(t->path);
	unlink(t->head);
	unlink(tmp);
	tap_assert(rmdir(t->dir) == 0);
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	tap_assert(f != NULL);
	char *data = malloc(1 << 20);
	tap_assert(data != NULL);
	*len = fread(data, 1, (1 << 20) - 1, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

static void
write_all(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wbe");
	tap_assert(f != NULL);
	tap_assert(fwrite(data, 1, len, f) == len);
	tap_assert(fclose(f) == 0);
}

static struct audit_record
record(const char *reason)
{
	return (struct audit_record){
		.time = 1795305600, /* 2026-11-22T00:00:00Z */
		.src = "low",
		.dst = "high",
		.type = "text/plain;charset=utf-8",
		.size = 42,
		.sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		.decision = "transferred",
		.reason = reason,
	};
}

static void
append_lines(const char *dir, int count)
{
	struct audit_log *log = audit_open(dir, NULL, NULL);
	tap_assert(log != NULL);
	for (int i = 0; i < count; i++) {
		char reason[32], err[128];
		snprintf(reason, sizeof(reason), "reason %d", (int)log->seq + 1);
		struct audit_record rec = record(reason);
		tap_assert_msg(audit_append(log, &rec, err, sizeof(err)), "append: %s", err);
	}
	audit_close(log);
}

struct report {
	unsigned long line;
	char message[256];
	int calls;
};

static void
collect_report(void *data, unsigned long line, const char *message)
{
	struct report *r = data;
	r->line = line;
	snprintf(r->message, sizeof(r->message), "%s", message);
	r->calls++;
}

static long
verify(const char *path, struct report *r, struct audit_summary *summary)
{
	memset(r, 0, sizeof(*r));
	long bad = audit_verify(path, collect_report, r, summary);
	if (bad > 0) {
		tap_diag("verify: line %lu: %s", r->line, r->message);
		tap_assert_int_eq(r->calls, 1);
		tap_assert_int_eq(r->line, bad);
	}
	return bad;
}

/* Offsets of the lines of a log. */
static size_t
line_starts(const char *data, size_t len, size_t *starts, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < max; i++) {
		if (i == 0 || data[i - 1] == '\n') {
			starts[n++] = i;
		}
	}
	return n;
}

static void
test_line_round_trip_hostile_strings(void)
{
	struct audit_record rec =
			record("quote \" backslash \\ newline \n esc \x1b[201~ rlo "
			       "\xe2\x80\xae emoji \xf0\x9f\x98\x80 bad \xff\xfe nul-free");
	rec.src = "l\"ow\t";
	rec.type = "text/plain\r\n";
	char line[AUDIT_LINE_MAX + 1], err[128];
	size_t len = audit_format_line(&rec, 7, AUDIT_ZERO_HASH, line, sizeof(line), err,
			sizeof(err));
	tap_assert_msg(len > 0, "format: %s", err);
	tap_assert_int_eq(strlen(line), len);
	tap_diag("%s", line);
	for (size_t i = 0; i < len; i++) {
		tap_assert(line[i] >= 0x20 && line[i] < 0x7f); /* ASCII, no control */
	}
	tap_assert(strstr(line, "\\u202e") && strstr(line, "\\ud83d\\ude00") &&
			strstr(line, "\\u001b[201~") && strstr(line, "\\ufffd\\ufffd"));
	tap_assert(strncmp(line, "{\"seq\":7,\"time\":\"2026-11-22T00:00:00Z\",\"src\":", 45) == 0);

	struct audit_entry *e = malloc(sizeof(*e));
	tap_assert(e != NULL);
	tap_assert_msg(audit_parse_line(line, len, e, err, sizeof(err)), "parse: %s", err);
	tap_assert_int_eq(e->seq, 7);
	tap_assert_str_eq(e->src, "l\"ow\t");
	tap_assert_str_eq(e->dst, "high");
	tap_assert_str_eq(e->type, "text/plain\r\n");
	tap_assert_int_eq(e->size, 42);
	tap_assert_str_eq(e->decision, "transferred");
	tap_assert_str_eq(e->prev, AUDIT_ZERO_HASH);
	tap_assert_str_eq(e->reason,
			"quote \" backslash \\ newline \n esc \x1b[201~ rlo "
			"\xe2\x80\xae emoji \xf0\x9f\x98\x80 bad \xef\xbf\xbd\xef\xbf\xbd "
			"nul-free");
	free(e);
}

static void
test_record_checked(void)
{
	char line[AUDIT_LINE_MAX + 1], err[128], big[AUDIT_FIELD_MAX + 1];
	struct audit_record rec = record("");
	tap_assert(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
				   sizeof(err)) > 0);
	rec.sha256 = "";
	tap_assert(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
				   sizeof(err)) > 0);
	rec.sha256 = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
	tap_assert_int_eq(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
					  sizeof(err)),
			0);
	tap_assert_str_eq(err, "sha256 must be empty or 64 lowercase hex digits");
	rec = record("");
	rec.decision = "maybe";
	tap_assert_int_eq(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
					  sizeof(err)),
			0);
	rec = record("");
	rec.src = "";
	tap_assert_int_eq(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
					  sizeof(err)),
			0);
	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rec = record(big);
	tap_assert_int_eq(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
					  sizeof(err)),
			0);
	/* The longest fields, all escaped six-fold, still fit in a line. */
	char worst[AUDIT_FIELD_MAX];
	memset(worst, 0x01, sizeof(worst) - 1);
	worst[sizeof(worst) - 1] = '\0';
	rec = (struct audit_record){ .time = 1,
		.src = worst,
		.dst = worst,
		.type = worst,
		.sha256 = "",
		.decision = "refused",
		.reason = worst };
	tap_assert(audit_format_line(&rec, UINT64_MAX, AUDIT_ZERO_HASH, line, sizeof(line), err,
				   sizeof(err)) > 0);
}

static void
test_time_format(void)
{
	char line[AUDIT_LINE_MAX + 1], err[128], want[32];
	struct audit_record rec = record("");
	/* Leap days, centuries, the ends of the range, and random times, against
	 * gmtime_r. */
	int64_t times[2000] = { 1, 951782399, 951782400, 4107542399, 4107542400, 253402300799 };
	uint64_t x = 88172645463325252ull;
	for (size_t i = 6; i < sizeof(times) / sizeof(times[0]); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		times[i] = (int64_t)(x % 253402300800ull);
	}
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		rec.time = times[i];
		tap_assert(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
					   sizeof(err)) > 0);
		time_t t = (time_t)times[i];
		struct tm tm;
		tap_assert(gmtime_r(&t, &tm) != NULL);
		strftime(want, sizeof(want), "\"time\":\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
		tap_assert_msg(strstr(line, want) != NULL, "%lld: %s, not %s", (long long)times[i],
				line, want);
	}
	rec.time = 253402300800; /* year 10000 */
	tap_assert_int_eq(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
					  sizeof(err)),
			0);
	rec.time = -1;
	tap_assert_int_eq(audit_format_line(&rec, 1, AUDIT_ZERO_HASH, line, sizeof(line), err,
					  sizeof(err)),
			0);
}

static void
test_parse_refuses_other_spellings(void)
{
	char line[AUDIT_LINE_MAX + 1], err[128];
	struct audit_record rec = record("ok");
	size_t len = audit_format_line(&rec, 12, AUDIT_ZERO_HASH, line, sizeof(line), err,
			sizeof(err));
	tap_assert(len > 0);
	struct audit_entry *e = malloc(sizeof(*e));
	tap_assert(e != NULL);
	tap_assert(audit_parse_line(line, len, e, err, sizeof(err)));
	static const struct {
		const char *from, *to;
	} edits[] = {
		{ "\"reason\":\"ok\"", "\"reason\":\"\\u006fk\"" }, /* same text, escaped */
		{ "\"seq\":12", "\"seq\":012" },
		{ "\"seq\":12", "\"seq\": 12" },
		{ "\"size\":42", "\"size\":-42" },
		{ "\"size\":42", "\"size\":4.2" },
		{ "\"decision\":\"transferred\"", "\"decision\":\"Transferred\"" },
		{ "\"src\":\"low\",\"dst\":\"high\"", "\"dst\":\"high\",\"src\":\"low\"" },
		{ "\"reason\":\"ok\"", "\"reason\":\"o\xc3\xa9\"" }, /* raw non-ASCII */
		{ "\"reason\":\"ok\"", "\"reason\":\"o\\ud800\"" }, /* lone surrogate */
		{ "\"reason\":\"ok\"", "\"reason\":\"o\\u0000\"" },
		{ "\"reason\":\"ok\"", "\"reason\":\"o\tk\"" },
		{ "\"time\":\"2026-11-22T00:00:00Z\"", "\"time\":\"2026-11-22 00:00:00\"" },
		{ "}", "} " },
		{ "}", ",\"extra\":1}" },
		{ "\"sha256\":\"ba", "\"sha256\":\"BA" },
	};
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char edited[AUDIT_LINE_MAX + 64];
		const char *at = strstr(line, edits[i].from);
		tap_assert(at != NULL);
		snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - line), line, edits[i].to,
				at + strlen(edits[i].from));
		tap_assert_msg(!audit_parse_line(edited, strlen(edited), e, err, sizeof(err)),
				"accepted: %s", edited);
	}
	free(e);
}

static void
test_chain_intact_and_reopened(void)
{
	struct tmp_log t;
	tmp_log_create(&t);
	struct report r;
	struct audit_summary s;
	/* A fresh directory: an empty log verifies. */
	append_lines(t.dir, 0);
	tap_assert_int_eq(verify(t.path, &r, &s), 0);
	tap_assert_int_eq(s.lines, 0);
	append_lines(t.dir, 3);
	append_lines(t.dir, 2); /* reopened: the chain goes on from seq 3 */
	tap_assert_int_eq(verify(t.path, &r, &s), 0);
	tap_assert_int_eq(s.lines, 5);
	tap_assert_int_eq(s.last_seq, 5);
	tap_assert(!s.head_behind);

	size_t len;
	char *data = read_all(t.path, &len);
	size_t starts[8];
	tap_assert_int_eq(line_starts(data, len, starts, 8), 5);
	char hash[65];
	sha256_hex(data + starts[3], starts[4] - starts[3] - 1, hash);
	tap_assert(strstr(data + starts[4], hash) != NULL); /* line 5's prev */
	tap_assert(strstr(data, "\"prev\":\"" AUDIT_ZERO_HASH "\"}\n") == data + starts[1] - 75);
	tap_assert(strstr(data + starts[4], "\"seq\":5,") == data + starts[4] + 1);
	sha256_hex(data + starts[4], len - starts[4] - 1, hash);
	free(data);
	char *head = read_all(t.head, &len);
	char want[128];
	snprintf(want, sizeof(want), "{\"seq\":5,\"sha256\":\"%s\"}\n", hash);
	tap_assert_str_eq(head, want);
	free(head);
	struct stat st;
	tap_assert(stat(t.path, &st) == 0 && (st.st_mode & 0777) == 0600);
	tmp_log_remove(&t);
}

/* Writes a five-line log, lets edit change it, and expects verify to name
 * bad_line (0: intact) and audit_open to refuse it. */
static void
check_tampering(void (*edit)(char *data, size_t *len, const size_t *starts), long bad_line,
		const char *message_part)
{
	struct tmp_log t;
	tmp_log_create(&t);
	append_lines(t.dir, 5);
	size_t len;
	char *data = read_all(t.path, &len);
	size_t starts[8];
	tap_assert_int_eq(line_starts(data, len, starts, 8), 5);
	edit(data, &len, starts);
	write_all(t.path, data, len);
	free(data);
	struct report r;
	tap_assert_int_eq(verify(t.path, &r, NULL), bad_line);
	tap_assert_msg(strstr(r.message, message_part), "message \"%s\" lacks \"%s\"", r.message,
			message_part);
	/* Fail closed: the guard does not append to it. */
	struct report opened = { 0 };
	tap_assert(audit_open(t.dir, collect_report, &opened) == NULL);
	tap_assert_int_eq(opened.line, bad_line);
	size_t after;
	char *again = read_all(t.path, &after);
	tap_assert_int_eq(after, len);
	free(again);
	tmp_log_remove(&t);
}

static void
edit_reason_of_line_3(char *data, size_t *len, const size_t *starts)
{
	char *at = strstr(data + starts[2], "reason 3");
	tap_assert(at && at < data + starts[3]);
	at[7] = '4';
}

static void
edit_prev_of_line_3(char *data, size_t *len, const size_t *starts)
{
	char *at = strstr(data + starts[2], "\"prev\":\"");
	tap_assert(at && at < data + starts[3]);
	at[8] = at[8] == '0' ? '1' : '0';
}

static void
edit_size_of_line_2(char *data, size_t *len, const size_t *starts)
{
	char *at = strstr(data + starts[1], "\"size\":42");
	tap_assert(at && at < data + starts[2]);
	at[7] = '5';
}

static void
edit_last_line(char *data, size_t *len, const size_t *starts)
{
	char *at = strstr(data + starts[4], "reason 5");
	tap_assert(at != NULL);
	at[0] = 'R';
}

static void
remove_line_3(char *data, size_t *len, const size_t *starts)
{
	memmove(data + starts[2], data + starts[3], *len - starts[3]);
	*len -= starts[3] - starts[2];
}

static void
remove_line_1(char *data, size_t *len, const size_t *starts)
{
	memmove(data, data + starts[1], *len - starts[1]);
	*len -= starts[1];
}

static void
swap_lines_2_and_3(char *data, size_t *len, const size_t *starts)
{
	size_t a = starts[2] - starts[1], b = starts[3] - starts[2];
	char tmp[AUDIT_LINE_MAX * 2];
	memcpy(tmp, data + starts[2], b);
	memcpy(tmp + b, data + starts[1], a);
	memcpy(data + starts[1], tmp, a + b);
}

static void
truncate_last_line(char *data, size_t *len, const size_t *starts)
{
	*len = starts[4];
}

static void
cut_last_newline(char *data, size_t *len, const size_t *starts)
{
	(*len)--;
}

static void
add_blank_line(char *data, size_t *len, const size_t *starts)
{
	memmove(data + starts[2] + 1, data + starts[2], *len - starts[2]);
	data[starts[2]] = '\n';
	(*len)++;
}

static void
test_edited_line_detected(void)
{
	check_tampering(edit_reason_of_line_3, 3, "altered");
	check_tampering(edit_prev_of_line_3, 3, "altered");
	check_tampering(edit_size_of_line_2, 2, "altered");
	check_tampering(edit_last_line, 5, "head file");
}

static void
test_removed_line_detected(void)
{
	check_tampering(remove_line_3, 3, "removed before it");
	check_tampering(remove_line_1, 1, "removed before it");
	check_tampering(swap_lines_2_and_3, 2, "expected");
	check_tampering(add_blank_line, 3, "malformed");
}

static void
test_truncated_log_detected(void)
{
	check_tampering(truncate_last_line, 5, "missing");
	check_tampering(cut_last_newline, 5, "no newline");
}

static void
test_head_checked(void)
{
	struct tmp_log t;
	tmp_log_create(&t);
	append_lines(t.dir, 3);
	struct report r;
	/* No head file for a log of three lines. */
	size_t len;
	char *head = read_all(t.head, &len);
	tap_assert(unlink(t.head) == 0);
	tap_assert_int_eq(verify(t.path, &r, NULL), 1);
	/* A malformed one. */
	write_all(t.head, "{\"seq\":3}\n", 10);
	tap_assert_int_eq(verify(t.path, &r, NULL), 4);
	tap_assert(strstr(r.message, "malformed") != NULL);
	/* Everything cut: the head still knows. */
	write_all(t.head, head, len);
	write_all(t.path, "", 0);
	tap_assert_int_eq(verify(t.path, &r, NULL), 1);
	tap_assert(strstr(r.message, "missing") != NULL);
	free(head);
	tmp_log_remove(&t);
}

static void
test_interrupted_append_tolerated_once(void)
{
	struct tmp_log t;
	tmp_log_create(&t);
	append_lines(t.dir, 2);
	size_t len;
	char *head2 = read_all(t.head, &len);
	append_lines(t.dir, 1);
	/* As if the guard died between the line and the head. */
	write_all(t.head, head2, len);
	struct report r;
	struct audit_summary s;
	tap_assert_int_eq(verify(t.path, &r, &s), 0);
	tap_assert(s.head_behind);
	tap_assert_int_eq(s.lines, 3);
	struct audit_log *log = audit_open(t.dir, NULL, NULL);
	tap_assert(log != NULL && log->head_repaired && log->seq == 3);
	audit_close(log);
	tap_assert_int_eq(verify(t.path, &r, &s), 0);
	tap_assert(!s.head_behind);
	/* Two lines behind is not an interruption. */
	append_lines(t.dir, 1);
	write_all(t.head, head2, len);
	tap_assert_int_eq(verify(t.path, &r, NULL), 3);
	free(head2);
	tmp_log_remove(&t);
}

static void
test_short_write_taken_back(void)
{
	struct tmp_log t;
	tmp_log_create(&t);
	append_lines(t.dir, 2);
	struct audit_log *log = audit_open(t.dir, NULL, NULL);
	tap_assert(log != NULL);
	/* The file may grow by 10 bytes only: the next line is cut short. */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit old,
			small = { .rlim_cur = (rlim_t)log->size + 10, .rlim_max = RLIM_INFINITY };
	tap_assert(getrlimit(RLIMIT_FSIZE, &old) == 0 && setrlimit(RLIMIT_FSIZE, &small) == 0);
	char err[128];
	struct audit_record rec = record("cut");
	tap_assert(!audit_append(log, &rec, err, sizeof(err)));
	tap_diag("%s", err);
	tap_assert(setrlimit(RLIMIT_FSIZE, &old) == 0);
	struct report r;
	tap_assert_int_eq(verify(t.path, &r, NULL), 0);
	/* Taken back whole: the log goes on. */
	tap_assert(!log->broken);
	rec = record("after");
	tap_assert(audit_append(log, &rec, err, sizeof(err)));
	audit_close(log);
	struct audit_summary s;
	tap_assert_int_eq(verify(t.path, &r, &s), 0);
	tap_assert_int_eq(s.lines, 3);
	tmp_log_remove(&t);
}

static void
test_open_refusals(void)
{
	struct tmp_log t;
	tmp_log_create(&t);
	struct report r = { 0 };
	/* One writer at a time. */
	struct audit_log *first = audit_open(t.dir, NULL, NULL);
	tap_assert(first != NULL);
	tap_assert(audit_open(t.dir, collect_report, &r) == NULL);
	tap_assert(strstr(r.message, "locked") != NULL);
	audit_close(first);
	/* A directory others may write to. */
	tap_assert(chmod(t.dir, 0733) == 0);
	tap_assert(audit_open(t.dir, collect_report, &r) == NULL);
	tap_assert(strstr(r.message, "write") != NULL);
	tap_assert(chmod(t.dir, 0700) == 0);
	/* A log that is a symlink. */
	tap_assert(unlink(t.path) == 0);
	tap_assert(symlink("/etc/passwd", t.path) == 0);
	tap_assert(audit_open(t.dir, collect_report, &r) == NULL);
	tap_assert(unlink(t.path) == 0);
	audit_close(NULL);
	tmp_log_remove(&t);
}

TAP_TESTS(TAP_CASE(test_line_round_trip_hostile_strings), TAP_CASE(test_record_checked),
		TAP_CASE(test_time_format), TAP_CASE(test_parse_refuses_other_spellings),
		TAP_CASE(test_chain_intact_and_reopened), TAP_CASE(test_edited_line_detected),
		TAP_CASE(test_removed_line_detected), TAP_CASE(test_truncated_log_detected),
		TAP_CASE(test_head_checked), TAP_CASE(test_interrupted_append_tolerated_once),
		TAP_CASE(test_short_write_taken_back), TAP_CASE(test_open_refusals))
