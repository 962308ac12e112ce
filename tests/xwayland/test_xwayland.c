// SPDX-License-Identifier: MIT
#include <string.h>
#include "strata_test.h"

static void
placeholder(void)
{
	tap_skip("not written yet");
}

static const struct tap_test tap_tests[] = {
	TAP_CASE(placeholder),
};

int
main(int argc, char **argv)
{
	return tap_main(argc, argv, tap_tests, sizeof(tap_tests) / sizeof(tap_tests[0]));
}
