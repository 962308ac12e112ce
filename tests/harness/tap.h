/* SPDX-License-Identifier: MIT */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#ifdef NDEBUG
#error "Strata's tests refuse to build with NDEBUG"
#endif

/*
 * A small TAP runner in the spirit of libwayland's test-runner: every test
 * runs in its own forked child under a timeout, and a test that returns with
 * more fds open than it started with fails ("fd leak").
 */

struct tap_test {
	const char *name;
	void (*run)(void);
	unsigned timeout_s; /* 0: the default (60 s, or TAP_TIMEOUT) */
};

#define TAP_TESTS(...) \
	static const struct tap_test tap_tests[] = { __VA_ARGS__ }; \
	int main(int argc, char **argv) \
	{ \
		return tap_main(argc, argv, tap_tests, sizeof(tap_tests) / sizeof(tap_tests[0])); \
	}
/* clang-format off */
#define TAP_CASE(fn) {#fn, fn, 0}
#define TAP_CASE_TIMEOUT(fn, s) {#fn, fn, s}
/* clang-format on */

int tap_main(int argc, char **argv, const struct tap_test *tests, size_t count);

/* Inside a test: report and end the test as failed / skipped. */
void tap_fail_at(const char *file, int line, const char *fmt, ...)
		__attribute__((format(printf, 3, 4), noreturn));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Something the test needs (a program, a feature, a variable meson sets) is
 * not there: a failure, or a skip with the reason when STRATA_ALLOW_SKIP=1.
 * Never a silent pass. */
void tap_unavailable(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* A diagnostic line ("# ...") in the TAP stream. */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define tap_fail(...) tap_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define tap_assert(cond) \
	do { \
		if (!(cond)) { \
			tap_fail_at(__FILE__, __LINE__, "assertion failed: %s", #cond); \
		} \
	} while (0)
#define tap_assert_msg(cond, ...) \
	do { \
		if (!(cond)) { \
			tap_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
		} \
	} while (0)
#define tap_assert_int_eq(a, b) \
	do { \
		long long tap_a_ = (long long)(a), tap_b_ = (long long)(b); \
		if (tap_a_ != tap_b_) { \
			tap_fail_at(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, \
					tap_a_, #b, tap_b_); \
		} \
	} while (0)
#define tap_assert_str_eq(a, b) \
	do { \
		const char *tap_a_ = (a), *tap_b_ = (b); \
		if (tap_a_ == NULL || tap_b_ == NULL || strcmp(tap_a_, tap_b_) != 0) { \
			tap_fail_at(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a, \
					tap_a_ ? tap_a_ : "(null)", tap_b_ ? tap_b_ : "(null)"); \
		} \
	} while (0)

/* Number of open fds of this process. */
int tap_count_fds(void);

#endif
