// SPDX-License-Identifier: MIT
/*
 * The bubblewrap command line of a level's cage (compositor/cage.c), linked
 * from the objects the compositor uses: what a cage is given and, as much,
 * what it is not.
 */
#include <stdio.h>
#include <string.h>
#include "cage.h"
#include "tap.h"

static const char *const program[] = { "foot", "--server", NULL };

static struct cage_spec
spec_for(bool network, bool shell)
{
	return (struct cage_spec){
		.bwrap = "/usr/bin/bwrap",
		.level = "low",
		.home = "/var/lib/strata/low/home",
		.proxy_dir = "/run/strata/strata-X/cages/low",
		.runtime_dir = "/run/strata/strata-X/run-low",
		.uid = 4000,
		.network = network,
		.use_shell = shell,
		.argv = program,
	};
}

/* Index of the first argument equal to arg from start, or -1. */
static int
find(const char *const *argv, int count, int start, const char *arg)
{
	for (int i = start; i < count; i++) {
		if (strcmp(argv[i], arg) == 0) {
			return i;
		}
	}
	return -1;
}

/* "OPT A B" appears in that order. */
static bool
has_triple(const char *const *argv, int count, const char *opt, const char *a, const char *b)
{
	for (int i = 0; i + 2 < count; i++) {
		if (strcmp(argv[i], opt) == 0 && strcmp(argv[i + 1], a) == 0 &&
				strcmp(argv[i + 2], b) == 0) {
			return true;
		}
	}
	return false;
}

static void
a_cage_is_closed_by_default(void)
{
	struct cage_spec spec = spec_for(false, false);
	const char *argv[CAGE_MAX_ARGS];
	char buf[4096];
	int n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	tap_assert(argv[n] == NULL);
	tap_assert_str_eq(argv[0], "/usr/bin/bwrap");
	int end = find(argv, n, 0, "--");
	tap_assert(end > 0);
	/* Every namespace, the network's included; nothing shared back. */
	tap_assert(find(argv, end, 0, "--unshare-all") > 0);
	tap_assert(find(argv, end, 0, "--share-net") < 0);
	tap_assert(find(argv, end, 0, "--die-with-parent") > 0);
	tap_assert(find(argv, end, 0, "--new-session") > 0);
	tap_assert(find(argv, end, 0, "--clearenv") > 0);
	int cap = find(argv, end, 0, "--cap-drop");
	tap_assert(cap > 0 && strcmp(argv[cap + 1], "ALL") == 0);
	tap_assert(has_triple(argv, end, "--ro-bind", "/usr", "/usr"));
	tap_assert(has_triple(argv, end, "--ro-bind", "/etc", "/etc"));
	tap_assert(has_triple(argv, end, "--bind", spec.home, "/home/user"));
	tap_assert(has_triple(argv, end, "--bind", spec.runtime_dir, "/run/user/4000"));
	tap_assert(has_triple(argv, end, "--ro-bind", spec.proxy_dir, "/run/user/4000/wayland"));
	tap_assert(has_triple(argv, end, "--setenv", "WAYLAND_DISPLAY",
			"/run/user/4000/wayland/wayland-0"));
	tap_assert(has_triple(argv, end, "--setenv", "STRATA_LEVEL", "low"));
	/* Of the host, only what was listed: no other path of the core runtime
	 * directory, nothing writable but the home and the runtime dir. */
	int writable = 0;
	for (int i = 1; i < end; i++) {
		if (strncmp(argv[i], "/run/strata/", 12) == 0) {
			tap_assert_msg(strcmp(argv[i], spec.proxy_dir) == 0 ||
							strcmp(argv[i], spec.runtime_dir) == 0,
					"argument %d shows %s to the cage", i, argv[i]);
		}
		if (strcmp(argv[i], "--bind") == 0 || strcmp(argv[i], "--dev-bind") == 0) {
			writable++;
		}
	}
	tap_assert_int_eq(writable, 2);
	/* The program, last, as given. */
	tap_assert_int_eq(n - end - 1, 2);
	tap_assert_str_eq(argv[end + 1], "foot");
	tap_assert_str_eq(argv[end + 2], "--server");
}

static void
shared_network_and_shell_only_when_asked(void)
{
	struct cage_spec spec = spec_for(true, true);
	const char *argv[CAGE_MAX_ARGS];
	char buf[4096];
	int n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	int end = find(argv, n, 0, "--");
	tap_assert(find(argv, end, 0, "--share-net") > find(argv, end, 0, "--unshare-all"));
	tap_assert_str_eq(argv[end + 1], "/bin/sh");
	tap_assert_str_eq(argv[end + 2], "-c");
	tap_assert_str_eq(argv[end + 3], "foot");
}

static void
extra_binds_are_read_only(void)
{
	const struct cage_bind binds[] = { { "/run/strata/strata-X/audio/low",
			"/run/strata/audio" } };
	struct cage_spec spec = spec_for(false, false);
	spec.ro_binds = binds;
	spec.ro_bind_count = 1;
	const char *argv[CAGE_MAX_ARGS];
	char buf[4096];
	int n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	tap_assert(has_triple(argv, n, "--ro-bind", binds[0].host, binds[0].inside));
	tap_assert(!has_triple(argv, n, "--bind", binds[0].host, binds[0].inside));
}

static void
too_small_fails_whole(void)
{
	struct cage_spec spec = spec_for(false, false);
	const char *argv[CAGE_MAX_ARGS];
	char buf[4096];
	int n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	/* Exactly room for n arguments and the NULL: fits; one slot less: -1. */
	const char *exact[CAGE_MAX_ARGS];
	tap_assert_int_eq(cage_build_argv(&spec, exact, (size_t)n + 1, buf, sizeof(buf)), n);
	tap_assert_int_eq(cage_build_argv(&spec, exact, (size_t)n, buf, sizeof(buf)), -1);
	/* The made-up arguments need some bytes; none: -1. */
	tap_assert_int_eq(cage_build_argv(&spec, exact, CAGE_MAX_ARGS, buf, 8), -1);
}

TAP_TESTS(TAP_CASE(a_cage_is_closed_by_default), TAP_CASE(shared_network_and_shell_only_when_asked),
		TAP_CASE(extra_binds_are_read_only), TAP_CASE(too_small_fails_whole))
