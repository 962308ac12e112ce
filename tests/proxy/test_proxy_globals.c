// SPDX-License-Identifier: MIT
/*
 * The registry a cage sees through strata-cage-proxy: wayland-info lists
 * exactly the level allowlist (tests/integration/golden/globals-level.txt),
 * every global is a level global of the shared policy table
 * (common/global_policy.c), and no version is above that table's cap or
 * above what the compositor itself offers the level.
 *
 * A level socket never offers a hidden global, so the proxy's own rewrite is
 * put in front of upstreams that do: strata's core socket (screencopy,
 * strata_control_v1), and a fake compositor of this test's that offers
 * hidden globals the proxy has protocol XML for (wl_shell) and globals at
 * versions above every cap. Through the proxy, hidden globals are never
 * listed and cannot be bound by their name (the proxy's error), and
 * allowed ones pass with capped versions, bindable at exactly the cap and
 * not one above.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include "common/global_policy.h"
#include "proxy_test.h"

#define MAX_GLOBALS 128

struct listed_global {
	char interface[96];
	uint32_t version;
};

struct global_list {
	struct listed_global v[MAX_GLOBALS];
	int count;
};

/* Runs wayland-info on socket; every "interface: 'X', version: N" line. */
static void
wayland_info(struct strata_session *s, struct strata_proxy *p, struct global_list *out)
{
	char *argv[] = { "wayland-info", NULL };
	pid_t pid = p ? proxy_spawn_client(p, argv) : session_spawn_client(s, "low", argv);
	const char *how = p ? "through the proxy" : "directly";
	int status;
	session_assert_msg(s, session_wait_client_exit(s, pid, 15000, &status),
			"wayland-info %s did not finish within 15 s", how);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		session_dump_client_log(s, pid, 20);
		session_fail(s, "wayland-info %s failed (status 0x%x)", how, status);
	}
	char *text = session_read_file(session_client_log(s, pid), NULL);
	session_assert(s, text != NULL);
	out->count = 0;
	const char *key = "interface: '";
	for (const char *p = strstr(text, key); p; p = strstr(p, key)) {
		p += strlen(key);
		const char *end = strchr(p, '\'');
		const char *ver = end ? strstr(end, "version:") : NULL;
		const char *nl = end ? strchr(end, '\n') : NULL;
		session_assert_msg(s, end && ver && (!nl || ver < nl),
				"cannot parse wayland-info's line at \"%.40s\"", p);
		session_assert(s, out->count < MAX_GLOBALS);
		struct listed_global *g = &out->v[out->count++];
		snprintf(g->interface, sizeof(g->interface), "%.*s", (int)(end - p), p);
		g->version = (uint32_t)strtoul(ver + strlen("version:"), NULL, 10);
		p = end;
	}
	free(text);
	session_assert_msg(s, out->count > 0, "wayland-info %s listed nothing", how);
}

static const struct listed_global *
find(const struct global_list *list, const char *interface)
{
	for (int i = 0; i < list->count; i++) {
		if (strcmp(list->v[i].interface, interface) == 0) {
			return &list->v[i];
		}
	}
	return NULL;
}

/* The golden level list: one interface name per line, '#' comments. */
static void
read_golden(struct strata_session *s, struct global_list *out)
{
	const char *dir = getenv("STRATA_GOLDEN_DIR");
	session_assert_msg(s, dir != NULL, "STRATA_GOLDEN_DIR is not set");
	char path[512];
	snprintf(path, sizeof(path), "%s/globals-level.txt", dir);
	char *text = session_read_file(path, NULL);
	session_assert_msg(s, text != NULL, "cannot read %s", path);
	out->count = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] != '#' && line[0] != '\0') {
			session_assert(s, out->count < MAX_GLOBALS);
			snprintf(out->v[out->count++].interface, sizeof(out->v[0].interface), "%s",
					line);
		}
	}
	free(text);
	session_assert_msg(s, out->count > 0, "%s lists nothing", path);
}

static void
proxy_shows_exactly_the_level_list(void)
{
	session_require_program("wayland-info");
	struct strata_session *s = session_start(NULL);
	struct strata_proxy *p = proxy_start(s, "low", NULL);
	struct global_list seen, direct;
	wayland_info(s, p, &seen);
	wayland_info(s, NULL, &direct);

	/* Both ways round against the golden file. */
	struct global_list golden;
	read_golden(s, &golden);
	bool same = true;
	for (int i = 0; i < golden.count; i++) {
		if (!find(&seen, golden.v[i].interface)) {
			tap_diag("the proxy does not show %s, which globals-level.txt lists",
					golden.v[i].interface);
			same = false;
		}
	}
	for (int i = 0; i < seen.count; i++) {
		if (!find(&golden, seen.v[i].interface)) {
			tap_diag("the proxy shows %s, which globals-level.txt does not list",
					seen.v[i].interface);
			same = false;
		}
	}
	session_assert_msg(s, same, "the proxy does not show exactly globals-level.txt");

	/* Versions: within the policy's cap and never above the compositor's. */
	for (int i = 0; i < seen.count; i++) {
		const struct listed_global *g = &seen.v[i];
		const struct strata_global_rule *rule = global_policy_lookup(g->interface);
		session_assert_msg(s, rule != NULL, "%s is not in the policy table", g->interface);
		session_assert_msg(s, rule->scope == STRATA_GLOBAL_LEVEL,
				"%s is shown to a cage but is not a level global", g->interface);
		session_assert_msg(s, g->version >= 1 && g->version <= rule->max_version,
				"%s version %u through the proxy; the policy caps it at %u",
				g->interface, g->version, rule->max_version);
		const struct listed_global *d = find(&direct, g->interface);
		session_assert_msg(s, d != NULL, "%s through the proxy but not directly",
				g->interface);
		session_assert_msg(s, g->version <= d->version,
				"%s version %u through the proxy, %u directly", g->interface,
				g->version, d->version);
		tap_diag("%s v%u (cap %u, compositor %u)", g->interface, g->version,
				rule->max_version, d->version);
	}
	proxy_assert_no_refusal(p);
	proxy_stop(p);
	session_stop(s);
}

/* ---- registries and binds through the proxy, raw --------------------------- */

/* A raw client with its registry read (one round trip). */
static struct raw_wire *
registry_through(struct strata_session *s, const char *socket)
{
	struct raw_wire *w = raw_wire_connect(socket);
	session_assert_msg(s, w != NULL, "cannot connect to %s", socket);
	struct wire_msg m;
	wire_msg_reset(&m);
	w->registry = raw_wire_new_id(w);
	wire_msg_begin(&m, 1, 1); /* wl_display.get_registry */
	wire_msg_u32(&m, w->registry);
	wire_msg_end(&m);
	session_assert(s, raw_wire_send(w, &m, NULL, 0, 3000) == m.len);
	session_assert_msg(s, raw_wire_roundtrip(w, 5000), "no registry through %s: %s", socket,
			w->got_error ? w->error_text : "no answer");
	return w;
}

/* A fresh client binds global `name` as interface at version; NULL when
 * the bind went through (a round trip answered), else the error text
 * (static) of the error that ended it. */
static const char *
bind_through(struct strata_session *s, const char *socket, uint32_t name, const char *interface,
		uint32_t version)
{
	static char error[600];
	struct raw_wire *w = registry_through(s, socket);
	struct wire_msg m;
	wire_msg_reset(&m);
	wire_msg_begin(&m, w->registry, 0); /* bind(name, interface, version, id) */
	wire_msg_u32(&m, name);
	wire_msg_string(&m, interface);
	wire_msg_u32(&m, version);
	wire_msg_u32(&m, raw_wire_new_id(w));
	wire_msg_end(&m);
	session_assert(s, raw_wire_send(w, &m, NULL, 0, 3000) == m.len);
	const char *result = NULL;
	if (!raw_wire_roundtrip(w, 3000)) {
		enum raw_wire_outcome outcome = raw_wire_wait_end(w, 3000);
		snprintf(error, sizeof(error), "%s",
				outcome == RAW_WIRE_ERROR ? w->error_text :
							    raw_wire_outcome_str(outcome));
		result = error;
	}
	raw_wire_close(w);
	return result;
}

/* Binding a hidden global by its name gets the proxy's error. */
static void
assert_bind_refused_as_never_shown(struct strata_session *s, const char *socket, uint32_t name,
		const char *interface)
{
	const char *error = bind_through(s, socket, name, interface, 1);
	char expected[160];
	snprintf(expected, sizeof(expected),
			"cage-proxy: bind to global %u, which this client was never shown", name);
	session_assert_msg(s, error != NULL, "binding hidden %s (name %u) through the proxy worked",
			interface, name);
	session_assert_msg(s, strstr(error, expected) != NULL,
			"binding hidden %s (name %u): \"%s\", expected \"%s\"", interface, name,
			error, expected);
}

/* At exactly the version shown: bound; one above: the proxy's error. */
static void
assert_bind_at_the_cap(struct strata_session *s, const char *socket,
		const struct raw_wire_global *g)
{
	const char *error = bind_through(s, socket, g->name, g->interface, g->version);
	session_assert_msg(s, error == NULL, "binding %s at its version %u: %s", g->interface,
			g->version, error);
	error = bind_through(s, socket, g->name, g->interface, g->version + 1);
	char expected[160];
	snprintf(expected, sizeof(expected), "cage-proxy: bind to %s version %u (allowed: 1 to %u)",
			g->interface, g->version + 1, g->version);
	session_assert_msg(s, error && strstr(error, expected),
			"binding %s at %u, one above what the proxy shows: %s", g->interface,
			g->version + 1, error ? error : "it worked");
}

/*
 * The level protocols of issue 13 (server-decoration, xdg-activation,
 * xdg-foreign, idle-inhibit, pointer gestures) bind through the proxy at
 * the version it shows; a pointer's swipe, pinch and hold gestures are made
 * (headless has no touchpad: no gesture ever comes, but the objects work).
 */
static void
level_protocols_bind_through_the_proxy(void)
{
	static const char *const interfaces[] = { "org_kde_kwin_server_decoration_manager",
		"xdg_activation_v1", "zxdg_exporter_v2", "zxdg_importer_v2",
		"zwp_idle_inhibit_manager_v1", "zwp_pointer_gestures_v1" };
	struct strata_session *s = session_start(NULL);
	struct strata_proxy *p = proxy_start(s, "low", NULL);
	struct raw_wire *w = registry_through(s, p->socket);
	for (size_t i = 0; i < sizeof(interfaces) / sizeof(interfaces[0]); i++) {
		const struct raw_wire_global *g = raw_wire_find_global(w, interfaces[i]);
		session_assert_msg(s, g != NULL, "the proxy does not show %s", interfaces[i]);
		const char *error = bind_through(s, p->socket, g->name, g->interface, g->version);
		session_assert_msg(s, error == NULL, "binding %s v%u through the proxy: %s",
				g->interface, g->version, error);
		tap_diag("%s v%u bound through the proxy", g->interface, g->version);
	}
	raw_wire_close(w);

	w = raw_wire_connect(p->socket);
	session_assert(s, w != NULL && raw_wire_handshake(w, 5000) && w->seat);
	const struct raw_wire_global *g = raw_wire_find_global(w, "zwp_pointer_gestures_v1");
	session_assert(s, g != NULL && g->version == 3);
	struct wire_msg m;
	wire_msg_reset(&m);
	uint32_t gestures = raw_wire_new_id(w);
	wire_msg_begin(&m, w->registry, 0);
	wire_msg_u32(&m, g->name);
	wire_msg_string(&m, g->interface);
	wire_msg_u32(&m, 3);
	wire_msg_u32(&m, gestures);
	wire_msg_end(&m);
	uint32_t pointer = raw_wire_new_id(w);
	wire_msg_new_id(&m, w->seat, 0, pointer); /* wl_seat.get_pointer */
	/* get_swipe_gesture (0), get_pinch_gesture (1), get_hold_gesture (3, v3) */
	static const uint16_t opcodes[] = { 0, 1, 3 };
	for (size_t i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); i++) {
		wire_msg_begin(&m, gestures, opcodes[i]);
		wire_msg_u32(&m, raw_wire_new_id(w));
		wire_msg_u32(&m, pointer);
		wire_msg_end(&m);
	}
	session_assert(s, raw_wire_send(w, &m, NULL, 0, 3000) == m.len);
	session_assert_msg(s, raw_wire_roundtrip(w, 5000) && !w->got_error,
			"swipe, pinch and hold gestures through the proxy: %s",
			w->got_error ? w->error_text : "no answer");
	raw_wire_close(w);
	proxy_assert_no_refusal(p);
	proxy_stop(p);
	session_stop(s);
}

/*
 * The proxy in front of strata's core socket, which offers core-only
 * globals: each is missing through the proxy and its name cannot be bound;
 * each level global of the core's list is there, at the policy's cap or
 * below.
 */
static void
core_upstream_hidden_globals_are_dropped(void)
{
	struct strata_session *s = session_start(NULL);
	struct raw_client *core = raw_client_connect(session_socket(s, "core"));
	session_assert_msg(s, core != NULL, "cannot connect to the core socket");
	struct strata_proxy *p =
			proxy_start_on_upstream(s, "core", session_socket(s, "core"), NULL);
	struct raw_wire *w = registry_through(s, p->socket);
	int hidden = 0, shown = 0;
	for (int i = 0; i < core->global_count; i++) {
		const struct raw_global *g = &core->globals[i];
		const struct strata_global_rule *rule = global_policy_lookup(g->interface);
		const struct raw_wire_global *seen = raw_wire_find_global(w, g->interface);
		if (!rule || rule->scope != STRATA_GLOBAL_LEVEL) {
			tap_diag("hidden: %s (name %u)", g->interface, g->name);
			session_assert_msg(s, seen == NULL, "the proxy shows the core's %s",
					g->interface);
			assert_bind_refused_as_never_shown(s, p->socket, g->name, g->interface);
			hidden++;
			continue;
		}
		session_assert_msg(s, seen != NULL, "the proxy drops the level global %s",
				g->interface);
		session_assert_msg(s,
				seen->name == g->name && seen->version <= rule->max_version &&
						seen->version <= g->version,
				"%s: name %u version %u through the proxy, %u v%u upstream, cap %u",
				g->interface, seen->name, seen->version, g->name, g->version,
				rule->max_version);
		shown++;
	}
	session_assert_int_eq(s, shown, w->global_count);
	/* Checks over no hidden global would prove nothing. */
	session_assert_msg(s,
			raw_client_find_global(core, "zwlr_screencopy_manager_v1") &&
					raw_client_find_global(core, "strata_control_v1"),
			"the core socket no longer offers screencopy and strata_control_v1");
	session_assert_msg(s, hidden >= 2 && shown > 0, "%d hidden and %d shown globals checked",
			hidden, shown);
	raw_wire_close(w);
	raw_client_destroy(core);
	proxy_stop(p);
	session_stop(s);
}

/* ---- a fake compositor with hidden globals and high versions ----------------- */

struct fake_global {
	const char *interface;
	uint32_t version; /* what the fake compositor offers */
	uint32_t shown_as; /* the version a client of the proxy must see; 0: hidden */
};

static const struct fake_global fake_globals[] = {
	/* Above the policy's caps (wl_compositor 4, wl_seat 7, xdg_wm_base 3,
	 * pointer gestures 3). */
	{ "wl_compositor", 6, 4 },
	{ "wl_seat", 9, 7 },
	{ "xdg_wm_base", 9, 3 },
	{ "zwp_pointer_gestures_v1", 5, 3 },
	/* Exactly at the cap, and below it. */
	{ "wl_output", 4, 4 },
	{ "zxdg_output_manager_v1", 2, 2 },
	{ "wl_shm", 1, 1 },
	/* In the proxy's protocol XML, not in the policy table. */
	{ "wl_shell", 1, 0 },
	/* Core-only rows. */
	{ "zwlr_screencopy_manager_v1", 3, 0 },
	{ "zwlr_data_control_manager_v1", 2, 0 },
	{ "strata_control_v1", 1, 0 },
	{ "zwp_input_method_manager_v2", 1, 0 },
	{ "zwp_virtual_keyboard_manager_v1", 1, 0 },
	/* In no table at all. */
	{ "zwp_tablet_manager_v2", 1, 0 },
};
#define FAKE_GLOBALS (sizeof(fake_globals) / sizeof(fake_globals[0]))

static void
fake_bind(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	/* An object with no request: enough for a bind to succeed. */
	if (!wl_resource_create(client, data, (int)version, id)) {
		wl_client_post_no_memory(client);
	}
}

/* A libwayland-server in a child process, listening on path; the
 * compositor's names are 1, 2, ... in fake_globals order. */
static pid_t
fake_compositor_start(struct strata_session *s, const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	session_assert(s, fd >= 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	session_assert_msg(s, strlen(path) < sizeof(addr.sun_path), "socket path too long: %s",
			path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	session_assert_msg(s,
			bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
					listen(fd, 16) == 0,
			"cannot listen on %s", path);
	pid_t pid = fork();
	session_assert(s, pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		static struct wl_interface interfaces[FAKE_GLOBALS];
		struct wl_display *display = wl_display_create();
		if (!display || wl_display_add_socket_fd(display, fd) != 0) {
			_exit(1);
		}
		for (size_t i = 0; i < FAKE_GLOBALS; i++) {
			interfaces[i] = (struct wl_interface){ .name = fake_globals[i].interface,
				.version = (int)fake_globals[i].version };
			if (!wl_global_create(display, &interfaces[i], interfaces[i].version,
					    &interfaces[i], fake_bind)) {
				_exit(1);
			}
		}
		wl_display_run(display);
		_exit(0);
	}
	close(fd);
	return pid;
}

static void
fake_compositor_stop(struct strata_session *s, pid_t pid)
{
	int status;
	session_assert(s, waitpid(pid, &status, WNOHANG) == 0); /* still serving */
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static void
fake_upstream_hidden_dropped_and_versions_capped(void)
{
	struct strata_session *s = session_start(NULL);
	char path[300];
	snprintf(path, sizeof(path), "%s/fake-compositor", s->dir);
	pid_t fake = fake_compositor_start(s, path);
	/* Directly, the fake offers everything: the test's premise. */
	struct raw_wire *direct = registry_through(s, path);
	session_assert_int_eq(s, direct->global_count, FAKE_GLOBALS);
	raw_wire_close(direct);

	struct strata_proxy *p = proxy_start_on_upstream(s, "fake", path, NULL);
	struct raw_wire *w = registry_through(s, p->socket);
	int hidden = 0, shown = 0;
	for (size_t i = 0; i < FAKE_GLOBALS; i++) {
		const struct fake_global *f = &fake_globals[i];
		uint32_t name = (uint32_t)i + 1;
		const struct raw_wire_global *seen = raw_wire_find_global(w, f->interface);
		if (f->shown_as == 0) {
			session_assert_msg(s, seen == NULL, "the proxy shows %s v%u", f->interface,
					seen ? seen->version : 0);
			assert_bind_refused_as_never_shown(s, p->socket, name, f->interface);
			hidden++;
			continue;
		}
		session_assert_msg(s, seen != NULL, "the proxy drops the allowed %s", f->interface);
		session_assert_msg(s, seen->name == name && seen->version == f->shown_as,
				"%s offered at v%u: the proxy shows name %u v%u, expected name %u v%u",
				f->interface, f->version, seen->name, seen->version, name,
				f->shown_as);
		assert_bind_at_the_cap(s, p->socket, seen);
		shown++;
	}
	session_assert_int_eq(s, w->global_count, shown);
	session_assert(s, hidden > 0 && shown > 0);
	raw_wire_close(w);
	proxy_stop(p);
	fake_compositor_stop(s, fake);
	session_stop(s);
}

TAP_TESTS(TAP_CASE(proxy_shows_exactly_the_level_list),
		TAP_CASE(core_upstream_hidden_globals_are_dropped),
		TAP_CASE(fake_upstream_hidden_dropped_and_versions_capped),
		TAP_CASE(level_protocols_bind_through_the_proxy))
