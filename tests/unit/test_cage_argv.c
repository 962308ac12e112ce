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
		.etc_dir = "/run/strata/strata-X/etc-low",
		.lang = "fr_FR.UTF-8",
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

/* The value of --setenv NAME, or NULL. */
static const char *
env_of(const char *const *argv, int count, const char *name)
{
	for (int i = 0; i + 2 < count; i++) {
		if (strcmp(argv[i], "--setenv") == 0 && strcmp(argv[i + 1], name) == 0) {
			return argv[i + 2];
		}
	}
	return NULL;
}

/* Binds that the cage can write through (and devices). */
static int
writable_binds(const char *const *argv, int count)
{
	static const char *const options[] = { "--bind", "--bind-try", "--dev-bind",
		"--dev-bind-try" };
	int writable = 0;
	for (int i = 1; i < count; i++) {
		for (size_t k = 0; k < sizeof(options) / sizeof(options[0]); k++) {
			writable += strcmp(argv[i], options[k]) == 0;
		}
	}
	return writable;
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
	for (int i = 1; i < end; i++) {
		if (strncmp(argv[i], "/run/strata/", 12) == 0) {
			tap_assert_msg(strcmp(argv[i], spec.proxy_dir) == 0 ||
							strcmp(argv[i], spec.runtime_dir) == 0 ||
							strcmp(argv[i], "/run/strata/strata-X/etc-low/passwd") ==
									0 ||
							strcmp(argv[i], "/run/strata/strata-X/etc-low/group") ==
									0,
					"argument %d shows %s to the cage", i, argv[i]);
		}
	}
	tap_assert_int_eq(writable_binds(argv, end), 2);
	/* No GPU unless the level says so. */
	for (int i = 1; i < end; i++) {
		tap_assert_msg(strncmp(argv[i], "/dev/dri", 8) != 0 &&
						strncmp(argv[i], "/sys", 4) != 0,
				"argument %d shows %s to a cage without gpu", i, argv[i]);
	}
	/* The program, last, as given. */
	tap_assert_int_eq(n - end - 1, 2);
	tap_assert_str_eq(argv[end + 1], "foot");
	tap_assert_str_eq(argv[end + 2], "--server");
}

/* What makes the cage a user session: its user, its directories and
 * variables, its bus, the fonts' cache. */
static void
a_cage_is_a_user_session(void)
{
	struct cage_spec spec = spec_for(false, false);
	const char *argv[CAGE_MAX_ARGS];
	char buf[4096];
	int n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	int end = find(argv, n, 0, "--");
	/* passwd and group read-only over the host's, after /etc. */
	int etc = find(argv, end, 0, "/etc");
	tap_assert(etc > 0);
	tap_assert(has_triple(argv, end, "--ro-bind", "/run/strata/strata-X/etc-low/passwd",
			"/etc/passwd"));
	tap_assert(has_triple(argv, end, "--ro-bind", "/run/strata/strata-X/etc-low/group",
			"/etc/group"));
	tap_assert(find(argv, end, 0, "/etc/passwd") > etc);
	/* The fonts' cache of the host, read-only, over the private /var. */
	tap_assert(has_triple(argv, end, "--ro-bind-try", "/var/cache/fontconfig",
			"/var/cache/fontconfig"));
	tap_assert(find(argv, end, 0, "/var/cache/fontconfig") > find(argv, end, 0, "/var"));
	/* Each XDG directory made 0700 (after the home is bound) and named. */
	static const char *const xdg[][2] = {
		{ "XDG_CONFIG_HOME", "/home/user/.config" },
		{ "XDG_CACHE_HOME", "/home/user/.cache" },
		{ "XDG_DATA_HOME", "/home/user/.local/share" },
		{ "XDG_STATE_HOME", "/home/user/.local/state" },
	};
	int home = find(argv, end, 0, spec.home);
	for (size_t i = 0; i < sizeof(xdg) / sizeof(xdg[0]); i++) {
		const char *value = env_of(argv, end, xdg[i][0]);
		tap_assert_msg(value && strcmp(value, xdg[i][1]) == 0, "%s is %s", xdg[i][0],
				value ? value : "unset");
		int dir = find(argv, end, 0, xdg[i][1]);
		tap_assert(dir > home && strcmp(argv[dir - 1], "--dir") == 0);
		tap_assert(strcmp(argv[dir - 3], "--perms") == 0 &&
				strcmp(argv[dir - 2], "0700") == 0);
	}
	tap_assert_str_eq(env_of(argv, end, "USER"), "user");
	tap_assert_str_eq(env_of(argv, end, "LOGNAME"), "user");
	tap_assert_str_eq(env_of(argv, end, "HOME"), "/home/user");
	tap_assert_str_eq(env_of(argv, end, "LANG"), "fr_FR.UTF-8");
	tap_assert_str_eq(env_of(argv, end, "DBUS_SESSION_BUS_ADDRESS"),
			"unix:path=/run/user/4000/bus");
	/* A LANG that is not a locale name is not passed on. */
	spec.lang = "fr_FR.UTF-8;rm -rf ~";
	n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	tap_assert_str_eq(env_of(argv, n, "LANG"), "C.UTF-8");
	spec.lang = NULL;
	n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	tap_assert_str_eq(env_of(argv, n, "LANG"), "C.UTF-8");
	/* Without an etc dir, the host's files stay. */
	spec.etc_dir = NULL;
	n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	tap_assert(find(argv, n, 0, "/etc/passwd") < 0);
}

/* The level's X11 socket directory, read-only, over the private /tmp's
 * /tmp/.X11-unix, with DISPLAY=:0; nothing of X11 without one. */
static void
x11_only_when_given(void)
{
	struct cage_spec spec = spec_for(false, false);
	const char *argv[CAGE_MAX_ARGS];
	char buf[4096];
	int n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	int end = find(argv, n, 0, "--");
	tap_assert(env_of(argv, end, "DISPLAY") == NULL);
	tap_assert(find(argv, end, 0, CAGE_X11_DIR) < 0);

	spec.x11_dir = "/tmp/.X11-unix/levels/low";
	n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	end = find(argv, n, 0, "--");
	tap_assert(has_triple(argv, end, "--ro-bind", "/tmp/.X11-unix/levels/low",
			"/tmp/.X11-unix"));
	/* After the private /tmp, or the tmpfs would hide it. */
	int tmp = find(argv, end, 0, "--tmpfs");
	while (tmp >= 0 && strcmp(argv[tmp + 1], "/tmp") != 0) {
		tmp = find(argv, end, tmp + 1, "--tmpfs");
	}
	tap_assert(tmp >= 0 && find(argv, end, 0, "/tmp/.X11-unix/levels/low") > tmp);
	tap_assert_str_eq(env_of(argv, end, "DISPLAY"), ":0");
	tap_assert_int_eq(writable_binds(argv, end), 2);
}

static void
gpu_only_when_asked(void)
{
	struct cage_spec spec = spec_for(false, false);
	spec.gpu = true;
	const char *argv[CAGE_MAX_ARGS];
	char buf[4096];
	int n = cage_build_argv(&spec, argv, CAGE_MAX_ARGS, buf, sizeof(buf));
	tap_assert(n > 0);
	int end = find(argv, n, 0, "--");
	/* The render nodes, after the private /dev, and what Mesa reads; never
	 * the directory, never a primary node (card*: DRM master). */
	tap_assert(has_triple(argv, end, "--dev-bind-try", "/dev/dri/renderD128",
			"/dev/dri/renderD128"));
	tap_assert(has_triple(argv, end, "--dev-bind-try", "/dev/dri/renderD135",
			"/dev/dri/renderD135"));
	tap_assert(find(argv, end, 0, "/dev/dri/renderD128") > find(argv, end, 0, "/dev"));
	for (int i = 1; i < end; i++) {
		tap_assert_msg(strcmp(argv[i], "/dev/dri") != 0 && !strstr(argv[i], "card"),
				"argument %d shows %s to the cage", i, argv[i]);
	}
	tap_assert(has_triple(argv, end, "--ro-bind-try", "/sys/dev/char", "/sys/dev/char"));
	tap_assert(has_triple(argv, end, "--ro-bind-try", "/sys/devices", "/sys/devices"));
	tap_assert_int_eq(writable_binds(argv, end), 2 + CAGE_RENDER_NODES);
}

static void
passwd_and_group_files(void)
{
	char buf[512];
	int n = cage_passwd_text("low", 4000, 4000, buf, sizeof(buf));
	tap_assert_int_eq(n, (int)strlen(buf));
	tap_assert_str_eq(buf,
			"root:x:0:0:root:/root:/usr/sbin/nologin\n"
			"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
			"user:x:4000:4000:Strata level low:/home/user:/bin/sh\n");
	n = cage_group_text(4000, buf, sizeof(buf));
	tap_assert_int_eq(n, (int)strlen(buf));
	tap_assert_str_eq(buf, "root:x:0:\nnogroup:x:65534:\nuser:x:4000:\n");
	/* The level's uid is nobody's: one user of that uid, the level's. */
	n = cage_passwd_text("low", 65534, 65534, buf, sizeof(buf));
	tap_assert(n > 0);
	tap_assert_str_eq(buf,
			"root:x:0:0:root:/root:/usr/sbin/nologin\n"
			"user:x:65534:65534:Strata level low:/home/user:/bin/sh\n");
	tap_assert(cage_group_text(65534, buf, sizeof(buf)) > 0);
	tap_assert_str_eq(buf, "root:x:0:\nuser:x:65534:\n");
	/* Nothing of a name can add a field or a line. */
	n = cage_passwd_text("a:b\nroot:x:0:0::/:/bin/sh", 4000, 4000, buf, sizeof(buf));
	tap_assert(n > 0);
	tap_assert(strstr(buf,
			"\nuser:x:4000:4000:Strata level a_b_root_x_0_0_____bin_sh:/home/user:"
			"/bin/sh\n"));
	int lines = 0;
	for (const char *p = buf; *p; p++) {
		lines += *p == '\n';
	}
	tap_assert_int_eq(lines, 3);
	/* Too small: -1, never a cut file. */
	int full = cage_passwd_text("low", 4000, 4000, buf, sizeof(buf));
	tap_assert_int_eq(cage_passwd_text("low", 4000, 4000, buf, (size_t)full + 1), full);
	tap_assert_int_eq(cage_passwd_text("low", 4000, 4000, buf, (size_t)full), -1);
	tap_assert_int_eq(cage_group_text(4000, buf, 5), -1);
	tap_assert_int_eq(cage_group_text(4000, buf, 0), -1);
}

static void
locale_names(void)
{
	static const char *const good[] = { "C", "POSIX", "C.UTF-8", "C.utf8", "en_US.UTF-8",
		"fr_FR", "de", "sr_RS@latin", "ca_ES.UTF-8@valencia", "ast_ES.UTF-8",
		"es_419.UTF-8", "ja_JP.eucJP", "nan_TW@latin" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		tap_assert_msg(cage_locale_valid(good[i]), "%s refused", good[i]);
		tap_assert_str_eq(cage_locale(good[i]), good[i]);
	}
	static const char *const bad[] = { "", "c", "e", "english", "EN_us", "en_US.", "en_US@",
		"en_", "C_US", "en_US.UTF-8 ", " en", "en_US.UTF-8;id", "en_US/../../x",
		"en_US.UTF\n8", "$(id)", "en_US.UTF-8@latin@x", "en_US.0123456789abcdef",
		"en_US.UTF-8@0123456789abcdef" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tap_assert_msg(!cage_locale_valid(bad[i]), "\"%s\" accepted", bad[i]);
		tap_assert_str_eq(cage_locale(bad[i]), "C.UTF-8");
	}
	tap_assert(!cage_locale_valid(NULL));
	tap_assert_str_eq(cage_locale(NULL), "C.UTF-8");
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

TAP_TESTS(TAP_CASE(a_cage_is_closed_by_default), TAP_CASE(a_cage_is_a_user_session),
		TAP_CASE(gpu_only_when_asked), TAP_CASE(x11_only_when_given),
		TAP_CASE(passwd_and_group_files), TAP_CASE(locale_names),
		TAP_CASE(shared_network_and_shell_only_when_asked),
		TAP_CASE(extra_binds_are_read_only), TAP_CASE(too_small_fails_whole))
