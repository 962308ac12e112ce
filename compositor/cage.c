// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cage.h"

struct argv_builder {
	const char **out;
	size_t count, size;
	char *buf;
	size_t used, buf_size;
	bool overflow;
};

static void
add(struct argv_builder *b, const char *arg)
{
	if (b->count + 1 >= b->size) {
		b->overflow = true;
		return;
	}
	b->out[b->count++] = arg;
}

static void addf(struct argv_builder *b, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

/* An argument made here (kept in the builder's buffer). */
static void
addf(struct argv_builder *b, const char *fmt, ...)
{
	char *dst = b->buf + b->used;
	size_t left = b->buf_size - b->used;
	va_list args;
	va_start(args, fmt);
	int len = vsnprintf(dst, left, fmt, args);
	va_end(args);
	if (len < 0 || (size_t)len >= left) {
		b->overflow = true;
		return;
	}
	b->used += (size_t)len + 1;
	add(b, dst);
}

/* In the order bwrap makes them (parents first); variable NULL: a parent only. */
static const struct {
	const char *variable;
	const char *path;
} xdg_dirs[] = {
	{ "XDG_CONFIG_HOME", CAGE_HOME "/.config" },
	{ "XDG_CACHE_HOME", CAGE_HOME "/.cache" },
	{ NULL, CAGE_HOME "/.local" },
	{ "XDG_DATA_HOME", CAGE_HOME "/.local/share" },
	{ "XDG_STATE_HOME", CAGE_HOME "/.local/state" },
};

int
cage_build_argv(const struct cage_spec *spec, const char **out, size_t out_size, char *buf,
		size_t buf_size)
{
	struct argv_builder b = { .out = out, .size = out_size, .buf = buf, .buf_size = buf_size };
	add(&b, spec->bwrap);
	/* Namespaces: everything, network too unless shared. */
	add(&b, "--unshare-all");
	if (spec->network) {
		add(&b, "--share-net");
	}
	add(&b, "--die-with-parent");
	add(&b, "--new-session");
	add(&b, "--cap-drop");
	add(&b, "ALL");
	add(&b, "--hostname");
	addf(&b, "strata-%s", spec->level);
	/* The system, read-only. */
	add(&b, "--ro-bind");
	add(&b, "/usr");
	add(&b, "/usr");
	static const char *const links[][2] = {
		{ "usr/bin", "/bin" },
		{ "usr/sbin", "/sbin" },
		{ "usr/lib", "/lib" },
		{ "usr/lib64", "/lib64" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		add(&b, "--symlink");
		add(&b, links[i][0]);
		add(&b, links[i][1]);
	}
	add(&b, "--ro-bind");
	add(&b, "/etc");
	add(&b, "/etc");
	/* Private kernel views and scratch space. */
	add(&b, "--dev");
	add(&b, "/dev");
	add(&b, "--proc");
	add(&b, "/proc");
	add(&b, "--tmpfs");
	add(&b, "/tmp");
	add(&b, "--tmpfs");
	add(&b, "/run");
	add(&b, "--tmpfs");
	add(&b, "/var");
	/* The host's fontconfig cache (built when fonts are installed): a
	 * launch reads it instead of building one of its own in /var. */
	add(&b, "--ro-bind-try");
	add(&b, "/var/cache/fontconfig");
	add(&b, "/var/cache/fontconfig");
	/* The level's user: its own passwd and group over the host's. */
	if (spec->etc_dir) {
		add(&b, "--ro-bind");
		addf(&b, "%s/passwd", spec->etc_dir);
		add(&b, "/etc/passwd");
		add(&b, "--ro-bind");
		addf(&b, "%s/group", spec->etc_dir);
		add(&b, "/etc/group");
	}
	/* The GPU, only when the level may have it (and the host has one):
	 * its render nodes, never the primary nodes (card*), whose DRM master
	 * would let a cage drive the screen while strata is switched away. */
	if (spec->gpu) {
		for (int node = CAGE_RENDER_NODE_FIRST;
				node < CAGE_RENDER_NODE_FIRST + CAGE_RENDER_NODES; node++) {
			add(&b, "--dev-bind-try");
			addf(&b, "/dev/dri/renderD%d", node);
			addf(&b, "/dev/dri/renderD%d", node);
		}
		static const char *const sys[][3] = {
			{ "--ro-bind-try", "/sys/dev/char", "/sys/dev/char" },
			{ "--ro-bind-try", "/sys/devices", "/sys/devices" },
		};
		for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
			add(&b, sys[i][0]);
			add(&b, sys[i][1]);
			add(&b, sys[i][2]);
		}
	}
	/* The level's home and its runtime dir with the proxy socket only. */
	add(&b, "--bind");
	add(&b, spec->home);
	add(&b, CAGE_HOME);
	/* One runtime dir for all of the level's launches (its PipeWire socket
	 * lives there), on the host's /run: gone with the session. */
	add(&b, "--bind");
	add(&b, spec->runtime_dir);
	addf(&b, "/run/user/%u", (unsigned)spec->uid);
	add(&b, "--ro-bind");
	add(&b, spec->proxy_dir);
	addf(&b, "/run/user/%u/wayland", (unsigned)spec->uid);
	/* The XDG base directories, made by the cage's user (bwrap runs as it)
	 * when missing: the session never writes in a home a cage controls. */
	for (size_t i = 0; i < sizeof(xdg_dirs) / sizeof(xdg_dirs[0]); i++) {
		add(&b, "--perms");
		add(&b, "0700");
		add(&b, "--dir");
		add(&b, xdg_dirs[i].path);
	}
	for (size_t i = 0; i < spec->ro_bind_count; i++) {
		add(&b, "--ro-bind");
		add(&b, spec->ro_binds[i].host);
		add(&b, spec->ro_binds[i].inside);
	}
	if (spec->x11_dir) {
		/* After the private /tmp: the level's X server only. */
		add(&b, "--ro-bind");
		add(&b, spec->x11_dir);
		add(&b, CAGE_X11_DIR);
	}
	add(&b, "--chdir");
	add(&b, CAGE_HOME);
	/* A clean environment: only what the cage needs. */
	add(&b, "--clearenv");
	static const char *const env[][2] = {
		{ "PATH", "/usr/local/bin:/usr/bin:/bin" },
		{ "HOME", CAGE_HOME },
		{ "USER", CAGE_USER },
		{ "LOGNAME", CAGE_USER },
		{ "TERM", "xterm-256color" },
	};
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		add(&b, "--setenv");
		add(&b, env[i][0]);
		add(&b, env[i][1]);
	}
	add(&b, "--setenv");
	add(&b, "LANG");
	add(&b, cage_locale(spec->lang));
	for (size_t i = 0; i < sizeof(xdg_dirs) / sizeof(xdg_dirs[0]); i++) {
		if (xdg_dirs[i].variable) {
			add(&b, "--setenv");
			add(&b, xdg_dirs[i].variable);
			add(&b, xdg_dirs[i].path);
		}
	}
	add(&b, "--setenv");
	add(&b, "DBUS_SESSION_BUS_ADDRESS");
	addf(&b, CAGE_BUS_ADDRESS_FMT, (unsigned)spec->uid);
	add(&b, "--setenv");
	add(&b, "XDG_RUNTIME_DIR");
	addf(&b, "/run/user/%u", (unsigned)spec->uid);
	add(&b, "--setenv");
	add(&b, "WAYLAND_DISPLAY");
	addf(&b, "/run/user/%u/wayland/wayland-0", (unsigned)spec->uid);
	if (spec->x11_dir) {
		add(&b, "--setenv");
		add(&b, "DISPLAY");
		add(&b, CAGE_X11_DISPLAY);
	}
	add(&b, "--setenv");
	add(&b, "STRATA_LEVEL");
	add(&b, spec->level);
	add(&b, "--");
	if (spec->use_shell) {
		add(&b, "/bin/sh");
		add(&b, "-c");
	}
	for (size_t i = 0; spec->argv && spec->argv[i]; i++) {
		add(&b, spec->argv[i]);
	}
	if (b.overflow || b.count == 0) {
		return -1;
	}
	out[b.count] = NULL;
	return (int)b.count;
}

/* The text so far plus one more line; false once it no longer fits. */
static bool append_line(char *buf, size_t size, size_t *used, const char *fmt, ...)
		__attribute__((format(printf, 4, 5)));

static bool
append_line(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	if (*used >= size) {
		return false;
	}
	va_list args;
	va_start(args, fmt);
	int len = vsnprintf(buf + *used, size - *used, fmt, args);
	va_end(args);
	if (len < 0 || (size_t)len >= size - *used) {
		return false;
	}
	*used += (size_t)len;
	return true;
}

#define NOBODY_ID 65534

int
cage_passwd_text(const char *level, uid_t uid, gid_t gid, char *buf, size_t size)
{
	/* The GECOS field: the level's name, nothing that could end a field
	 * or a line (names are checked by the configuration already). */
	char name[64];
	size_t n = 0;
	for (; level && level[n] && n < sizeof(name) - 1; n++) {
		char c = level[n];
		bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
				c == '-';
		name[n] = plain ? c : '_';
	}
	name[n] = '\0';
	size_t used = 0;
	bool ok = size > 0 &&
			append_line(buf, size, &used,
					"root:x:0:0:root:/root:/usr/sbin/nologin\n") &&
			(uid == NOBODY_ID ||
					append_line(buf, size, &used,
							"nobody:x:%u:%u:nobody:/nonexistent:/usr/"
							"sbin/nologin\n",
							NOBODY_ID, NOBODY_ID)) &&
			append_line(buf, size, &used, "%s:x:%u:%u:Strata level %s:%s:/bin/sh\n",
					CAGE_USER, (unsigned)uid, (unsigned)gid, name, CAGE_HOME);
	return ok ? (int)used : -1;
}

int
cage_group_text(gid_t gid, char *buf, size_t size)
{
	size_t used = 0;
	bool ok = size > 0 && append_line(buf, size, &used, "root:x:0:\n") &&
			(gid == NOBODY_ID ||
					append_line(buf, size, &used, "nogroup:x:%u:\n",
							NOBODY_ID)) &&
			append_line(buf, size, &used, "%s:x:%u:\n", CAGE_USER, (unsigned)gid);
	return ok ? (int)used : -1;
}

/* 'min' to 'max' characters of a class from *p on, *p moved past them. */
static bool
span(const char **p, int (*in_class)(int c), size_t min, size_t max)
{
	size_t n = 0;
	while ((*p)[n] && in_class((unsigned char)(*p)[n])) {
		n++;
	}
	*p += n;
	return n >= min && n <= max;
}

static int
is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_upper_or_digit(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_codeset(int c)
{
	return is_lower(c) || is_upper_or_digit(c) || c == '-';
}

static int
is_modifier(int c)
{
	return is_lower(c) || (c >= '0' && c <= '9');
}

bool
cage_locale_valid(const char *name)
{
	if (!name || strlen(name) > 63) {
		return false;
	}
	if (strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0) {
		return true;
	}
	const char *p = name;
	bool c_locale = *p == 'C';
	if (c_locale) {
		p++; /* C.UTF-8: a codeset, no territory */
	} else if (!span(&p, is_lower, 2, 3)) {
		return false;
	}
	if (*p == '_' && (c_locale || (++p, !span(&p, is_upper_or_digit, 2, 3)))) {
		return false;
	}
	if (*p == '.' && (++p, !span(&p, is_codeset, 1, 15))) {
		return false;
	}
	if (*p == '@' && (++p, !span(&p, is_modifier, 1, 15))) {
		return false;
	}
	return *p == '\0';
}

const char *
cage_locale(const char *name)
{
	return cage_locale_valid(name) ? name : "C.UTF-8";
}
