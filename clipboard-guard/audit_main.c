// SPDX-License-Identifier: MIT
/*
 * strata-audit: reads the audit log that strata-clipboard-guard writes.
 *
 *   strata-audit verify [FILE]   checks the hash chain and the head file
 *   strata-audit show [FILE]     prints one line per record, then verifies
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/utf8.h"
#include "audit.h"
#include "config.h"
#include "sanitize_text.h"

#define AUDIT_DEFAULT_PATH "/var/lib/strata/audit/" AUDIT_LOG_NAME

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
			"Usage: %s [-h] [-v] verify|show [FILE]\n"
			"\n"
			"  verify [FILE]   Check that no line of the audit log was altered, removed\n"
			"                  or added out of order, and that none is missing at the\n"
			"                  end (FILE's .head file). Prints \"FILE: N lines, chain\n"
			"                  intact\" and exits 0, or \"FILE:LINE: what is wrong\" and\n"
			"                  exits 1 (2 when FILE cannot be read).\n"
			"  show [FILE]     Print every record, one per line, then verify.\n"
			"\n"
			"FILE defaults to %s.\n",
			prog, AUDIT_DEFAULT_PATH);
}

static void
report_problem(void *data, unsigned long line, const char *message)
{
	const char *path = data;
	printf("%s:%lu: %s\n", path, line, message);
}

static int
verify(const char *path)
{
	struct audit_summary summary;
	long bad = audit_verify(path, report_problem, (void *)path, &summary);
	if (bad < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror((int)-bad));
		return 2;
	}
	if (bad > 0) {
		return 1;
	}
	printf("%s: %lu lines, chain intact%s\n", path, summary.lines,
			summary.head_behind ?
					" (the head file is one line behind: the last append "
					"was interrupted, the guard fixes it when it starts)" :
					"");
	return 0;
}

/* Prints a decoded field so that it cannot drive the terminal: controls,
 * bidi and invisible characters as \u{XXXX}. */
static void
print_field(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s), i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			cp = UTF8_REPLACEMENT;
			n = 1;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || guard_text_is_invisible(cp) ||
				cp == 0x2028 || cp == 0x2029) {
			printf("\\u{%04x}", (unsigned)cp);
		} else if (cp == UTF8_REPLACEMENT && n == 1) {
			fputs("\ufffd", stdout);
		} else {
			fwrite(p + i, 1, n, stdout);
		}
		i += n;
	}
}

static int
show(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		return 2;
	}
	struct audit_entry *e = malloc(sizeof(*e));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long number = 0;
	while (e && (n = getline(&line, &cap, f)) > 0) {
		number++;
		size_t len = (size_t)n;
		if (line[len - 1] == '\n') {
			len--;
		}
		char err[128];
		if (!audit_parse_line(line, len, e, err, sizeof(err))) {
			printf("%6lu  (%s)\n", number, err);
			continue;
		}
		printf("%6llu  %s  ", (unsigned long long)e->seq, e->time);
		print_field(e->src);
		fputs(" -> ", stdout);
		print_field(e->dst);
		printf("  %-11s %8llu B  ", e->decision, (unsigned long long)e->size);
		print_field(e->type[0] ? e->type : "-");
		printf("  %.12s  ", e->sha256[0] ? e->sha256 : "-");
		print_field(e->reason);
		putchar('\n');
	}
	free(line);
	free(e);
	fclose(f);
	putchar('\n');
	return verify(path);
}

int
main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "+hv", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("strata-audit %s\n", STRATA_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		usage(stderr, argv[0]);
		return 2;
	}
	const char *command = argv[optind];
	const char *path = optind + 1 < argc ? argv[optind + 1] : AUDIT_DEFAULT_PATH;
	if (strcmp(command, "verify") == 0) {
		return verify(path);
	}
	if (strcmp(command, "show") == 0) {
		return show(path);
	}
	fprintf(stderr, "strata-audit: unknown command \"%s\"\n", command);
	usage(stderr, argv[0]);
	return 2;
}
