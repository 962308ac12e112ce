/* SPDX-License-Identifier: MIT */
#ifndef STRATA_CAGE_H
#define STRATA_CAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A level's cage: what a program started in it can see. Built on Debian's
 * bubblewrap; this module only writes its command line and its files (pure
 * functions, unit-tested), the session runs it.
 *
 * Inside: new user, mount, pid, ipc, uts and cgroup namespaces, and a new
 * network namespace unless the level shares the network; /usr and /etc
 * read-only; private /tmp, /run, /var and /dev; the level's persistent home
 * at /home/user; a private runtime dir /run/user/UID holding the directory
 * with the level's proxy socket and the level's D-Bus session bus; nothing
 * of the core runtime directory, no other level's files, sockets or
 * processes, no capabilities.
 *
 * It is a user session: /etc/passwd and /etc/group are the level's own
 * (written by the session, bound read-only over the host's) with root,
 * nobody and the level's user CAGE_USER, whose uid and gid are the cage's,
 * home /home/user and shell /bin/sh; XDG_CONFIG_HOME, XDG_CACHE_HOME,
 * XDG_DATA_HOME and XDG_STATE_HOME in the home (made 0700 by the cage's user
 * at each launch when missing); USER, LOGNAME, LANG (the session's when it
 * is a locale name, else C.UTF-8); DBUS_SESSION_BUS_ADDRESS, a path socket
 * in the runtime dir (never an abstract one: a level sharing the network
 * would share it with the host); the host's fontconfig cache read-only, so
 * that no launch builds its own. The GPU's render nodes (never a primary
 * node: DRM master), with the read-only /sys/dev/char and /sys/devices
 * that Mesa reads, only for a level with gpu = true. The level's own X11
 * socket as /tmp/.X11-unix/X0 and DISPLAY=:0, when the level has an
 * Xwayland; never another level's.
 */
/* The level's user, in every cage; the same name whatever the level. */
#define CAGE_USER "user"
#define CAGE_HOME "/home/user"

/* A host path shown read-only at another path in the cage. */
struct cage_bind {
	const char *host;
	const char *inside;
};

struct cage_spec {
	const char *bwrap; /* path of bwrap */
	const char *level; /* name */
	/* Host paths, reachable by the cage's user (bwrap runs as it). */
	const char *home; /* the level's home */
	const char *proxy_dir; /* the directory with the level's proxy socket */
	const char *runtime_dir; /* the level's XDG_RUNTIME_DIR, shared by its launches */
	/* The directory with the level's "passwd" and "group" (cage_passwd_text,
	 * cage_group_text); NULL: the host's stay (no user of the cage's uid). */
	const char *etc_dir;
	const char *lang; /* the session's LANG; may be NULL (C.UTF-8 then) */
	uid_t uid; /* inside and outside (no remapping) */
	bool network;
	bool gpu; /* the host's render nodes, those it has */
	/* The directory holding the level's X11 socket, X0 (compositor/
	 * xwayland.c), shown as /tmp/.X11-unix with DISPLAY=:0; NULL: no X11
	 * in this cage. A directory, so that an Xwayland started anew is
	 * reached by the cages already running. */
	const char *x11_dir;
	bool use_shell; /* run argv[0] with sh -c */
	const char *const *argv; /* NULL-terminated */
	/* More read-only binds, for the session's own services in the cage. */
	const struct cage_bind *ro_binds;
	size_t ro_bind_count;
};

/* The render nodes a level with gpu = true sees: /dev/dri/renderD128 on. */
#define CAGE_RENDER_NODE_FIRST 128
#define CAGE_RENDER_NODES 8

#define CAGE_MAX_ARGS 200

/* The level's X server, as its cages see it. */
#define CAGE_X11_DIR "/tmp/.X11-unix"
#define CAGE_X11_DISPLAY ":0"

/* The cage's session bus: its socket inside, and its D-Bus address. */
#define CAGE_BUS_SOCKET_FMT "/run/user/%u/bus"
#define CAGE_BUS_ADDRESS_FMT "unix:path=" CAGE_BUS_SOCKET_FMT

/* Fills out (NULL-terminated, pointers into spec and into buf) and returns
 * the number of arguments, or -1 if they do not fit. */
int cage_build_argv(const struct cage_spec *spec, const char **out, size_t out_size, char *buf,
		size_t buf_size);

/*
 * The cage's /etc/passwd: root, nobody (left out when the level's uid is
 * 65534) and CAGE_USER with uid and gid, named after the level in its GECOS
 * field (characters other than a-z, 0-9, _ and - become _). Returns the
 * length written to buf (NUL-terminated), or -1 if it does not fit.
 */
int cage_passwd_text(const char *level, uid_t uid, gid_t gid, char *buf, size_t size);
/* The cage's /etc/group: root, nogroup (unless gid is 65534) and CAGE_USER. */
int cage_group_text(gid_t gid, char *buf, size_t size);

/*
 * Whether name is a locale name a cage may be given as LANG: C or POSIX, or
 * language[_TERRITORY][.codeset][@modifier] (2 or 3 lower-case letters, or
 * C; 2 or 3 upper-case letters or digits; 1 to 15 letters, digits or -; 1 to
 * 15 lower-case letters or digits), at most 63 bytes in all.
 */
bool cage_locale_valid(const char *name);
/* name when valid, else "C.UTF-8". */
const char *cage_locale(const char *name);

#endif
