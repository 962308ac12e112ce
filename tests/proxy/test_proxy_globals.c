// SPDX-License-Identifier: MIT
/*
 * The registry a cage sees through strata-cage-proxy: wayland-info lists
 * exactly the level allowlist (tests/integration/golden/globals-level.txt),
 * every global is a level global of the shared policy table
 * (common/global_policy.c), and no version is above that table's cap or
 * above what the compositor itself offers the level.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

TAP_TESTS(TAP_CASE(proxy_shows_exactly_the_level_list))
