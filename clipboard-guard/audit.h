/* SPDX-License-Identifier: MIT */
#ifndef CLIPBOARD_GUARD_AUDIT_H
#define CLIPBOARD_GUARD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The audit log: one JSON line per cross-level transfer, refusal or timeout,
 * in DIR/audit.jsonl, each line carrying the SHA-256 of the line before it
 * ("prev", 64 zeros for the first), so that an altered or removed line breaks
 * the chain. DIR/audit.head holds the seq and hash of the last line, so that
 * a log cut short is caught too. Only strata-clipboard-guard writes it;
 * strata-audit reads it.
 *
 *   {"seq":1,"time":"2026-11-22T07:59:06Z","src":"low","dst":"high",
 *    "type":"text/plain;charset=utf-8","size":123,"sha256":"<64 hex>",
 *    "decision":"transferred","reason":"","prev":"<64 zeros>"}
 *
 * Lines are pure ASCII: every string is JSON-escaped, and every character
 * outside printable ASCII is written as \uXXXX (bytes that are not UTF-8 as
 * \ufffd), so that reading the log in a terminal is safe.
 */

#define AUDIT_LOG_NAME "audit.jsonl"
#define AUDIT_HEAD_NAME "audit.head"
#define AUDIT_LINE_MAX 8192 /* bytes, without the newline */
#define AUDIT_FIELD_MAX 256 /* bytes of any string field given to audit_append, NUL included */
#define AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct audit_record {
	int64_t time; /* seconds since the epoch; 0: now */
	const char *src, *dst; /* levels */
	const char *type; /* MIME type, may be "" */
	uint64_t size; /* bytes offered by the source */
	const char *sha256; /* "" or 64 lowercase hex digits */
	const char *decision; /* "transferred", "refused", "timeout" or "cancelled" */
	const char *reason; /* may be "" */
};

/* One line read back: strings decoded to UTF-8. */
struct audit_entry {
	uint64_t seq;
	char time[24];
	char src[4 * AUDIT_FIELD_MAX], dst[4 * AUDIT_FIELD_MAX];
	char type[4 * AUDIT_FIELD_MAX];
	uint64_t size;
	char sha256[65];
	char decision[16];
	char reason[4 * AUDIT_FIELD_MAX];
	char prev[65];
};

/* Told about what is wrong with a log: line 1 is the first line. */
typedef void (*audit_report_fn)(void *data, unsigned long line, const char *message);

struct audit_log {
	int dir_fd, fd;
	uint64_t seq; /* of the last line, 0 when the log is empty */
	char last_hash[65]; /* of the last line, AUDIT_ZERO_HASH when empty */
	off_t size;
	bool head_repaired; /* audit_open found the head one line behind and fixed it */
	bool broken; /* a write failed: nothing more is appended */
};

/*
 * Opens (creating it 0600 if needed) DIR/audit.jsonl for appending, takes an
 * exclusive lock on it, and verifies the whole chain against DIR/audit.head.
 * A log that does not verify is never appended to: NULL, and report (may be
 * NULL) says why. Every fd is close-on-exec.
 */
struct audit_log *audit_open(const char *dir, audit_report_fn report, void *data);
/* Closes the log; NULL is fine. */
void audit_close(struct audit_log *log);

/*
 * Appends one line with a single write(2), fsyncs it, then replaces the head
 * file (write, fsync, rename, fsync of the directory). false, with a reason
 * in err, when the record is invalid or a write failed. A short write is
 * truncated away; a failure that cannot be undone (fsync, the head file, the
 * truncation) makes the log refuse every later append (fail closed).
 */
bool audit_append(struct audit_log *log, const struct audit_record *rec, char *err,
		size_t err_size);

struct audit_summary {
	unsigned long lines;
	uint64_t last_seq;
	char last_hash[65];
	bool head_behind; /* the head is one line behind: an append was interrupted */
};

/*
 * Verifies the log at path and its head file (path with ".jsonl" replaced by
 * ".head"). Returns 0 when the chain is intact, the number of the first bad
 * line (reported through report), or -errno when path cannot be read. A log
 * cut short is reported at the first missing line (lines + 1).
 */
long audit_verify(const char *path, audit_report_fn report, void *data,
		struct audit_summary *summary);

/* Verifies an open log and the head file name in dir_fd; as audit_verify. */
long audit_verify_fd(int fd, int dir_fd, const char *head_name, audit_report_fn report, void *data,
		struct audit_summary *summary);

/*
 * The line for rec with this seq and prev (no newline, NUL-terminated):
 * its length, or 0 when rec is invalid (err says why) or out is too small.
 */
size_t audit_format_line(const struct audit_record *rec, uint64_t seq, const char *prev, char *out,
		size_t out_size, char *err, size_t err_size);

/* Reads one line (no newline) back: false with a reason when it is not one
 * that audit_format_line could have written, byte for byte. */
bool audit_parse_line(const char *line, size_t len, struct audit_entry *entry, char *err,
		size_t err_size);

/* The decision names, and whether s is "" or 64 lowercase hex digits. */
const char *audit_decision_name(uint32_t decision); /* NULL when unknown */
bool audit_is_hex_hash(const char *s, bool allow_empty);

#endif
