/* SPDX-License-Identifier: MIT */
#ifndef STRATA_TEST_CONTROL_H
#define STRATA_TEST_CONTROL_H

#include <stdbool.h>
#include "server.h"

/*
 * The test-control socket (doc/test-control.md): compiled in only with
 * -Dtest-control=true, opened only with --test-control, and only in the core
 * runtime directory. It drives the real input path and reads back pixels.
 */
struct strata_test_control *test_control_create(struct strata_server *server, const char *path);
void test_control_destroy(struct strata_test_control *control);

#endif
