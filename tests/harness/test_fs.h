/* SPDX-License-Identifier: MIT */
#ifndef TESTS_TEST_FS_H
#define TESTS_TEST_FS_H

#include <stdbool.h>

/* Files for the tests' private directories. */

/* Writes text to path (created 0600, truncated); false on any error. */
bool test_write_file(const char *path, const char *text);

/* rm -r dir, following no link, best effort; nothing for "". */
void test_remove_tree(const char *dir);

#endif
