// SPDX-License-Identifier: MIT
#include <stdarg.h>
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
	/* The level's home and its runtime dir with the proxy socket only. */
	add(&b, "--bind");
	add(&b, spec->home);
	add(&b, "/home/user");
	/* One runtime dir for all of the level's launches (its PipeWire socket
	 * lives there), on the host's /run: gone with the session. */
	add(&b, "--bind");
	add(&b, spec->runtime_dir);
	addf(&b, "/run/user/%u", (unsigned)spec->uid);
	add(&b, "--ro-bind");
	add(&b, spec->proxy_dir);
	addf(&b, "/run/user/%u/wayland", (unsigned)spec->uid);
	for (size_t i = 0; i < spec->ro_bind_count; i++) {
		add(&b, "--ro-bind");
		add(&b, spec->ro_binds[i].host);
		add(&b, spec->ro_binds[i].inside);
	}
	add(&b, "--chdir");
	add(&b, "/home/user");
	/* A clean environment: only what the cage needs. */
	add(&b, "--clearenv");
	static const char *const env[][2] = {
		{ "PATH", "/usr/local/bin:/usr/bin:/bin" },
		{ "HOME", "/home/user" },
		{ "LANG", "C.UTF-8" },
		{ "TERM", "xterm-256color" },
	};
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		add(&b, "--setenv");
		add(&b, env[i][0]);
		add(&b, env[i][1]);
	}
	add(&b, "--setenv");
	add(&b, "XDG_RUNTIME_DIR");
	addf(&b, "/run/user/%u", (unsigned)spec->uid);
	add(&b, "--setenv");
	add(&b, "WAYLAND_DISPLAY");
	addf(&b, "/run/user/%u/wayland/wayland-0", (unsigned)spec->uid);
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
