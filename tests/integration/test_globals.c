// SPDX-License-Identifier: MIT
// What a client sees in the registry: level sockets offer exactly the
// allowlist (golden/globals-level.txt), the core socket the core list
// (golden/globals-core.txt), and no privileged global is ever offered to, or
// bindable from, a level socket, whatever the golden files say.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <wayland-client.h>
#include "strata_test.h"

/* Substrings of interface names a level client must never see (M24, M28-M30,
 * M34, M36): capture, clipboard snooping, input injection and grabs, panels,
 * output control, window lists, idle tracking, locks, test hooks. */
static const char *const privileged[] = {
	"screencopy",
	"export_dmabuf",
	"image_copy_capture",
	"image_capture_source",
	"data_control",
	"virtual_keyboard",
	"virtual_pointer",
	"input_method",
	"layer_shell",
	"input_inhibit",
	"shortcuts_inhibit",
	"gamma_control",
	"zwlr_output_manager",
	"output_management",
	"output_power",
	"foreign_toplevel",
	"kwin_idle",
	"idle_notifier",
	"session_lock",
	"security_context",
	"drm_lease",
	"transient_seat",
	"workspace",
	"strata",
	"test",
};

struct names {
	char **v;
	int count;
};

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
names_add(struct names *n, const char *name, size_t len)
{
	n->v = realloc(n->v, (size_t)(n->count + 1) * sizeof(*n->v));
	n->v[n->count++] = strndup(name, len);
}

/* Sorted, without duplicates. */
static void
names_normalise(struct names *n)
{
	qsort(n->v, (size_t)n->count, sizeof(*n->v), compare_names);
	int out = 0;
	for (int i = 0; i < n->count; i++) {
		if (out > 0 && strcmp(n->v[out - 1], n->v[i]) == 0) {
			free(n->v[i]);
		} else {
			n->v[out++] = n->v[i];
		}
	}
	n->count = out;
}

static bool
names_has(const struct names *n, const char *name)
{
	for (int i = 0; i < n->count; i++) {
		if (strcmp(n->v[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static void
names_finish(struct names *n)
{
	for (int i = 0; i < n->count; i++) {
		free(n->v[i]);
	}
	free(n->v);
}

/* Runs wayland-info on a socket; the interface names it lists. */
static struct names
wayland_info(struct strata_session *s, const char *level)
{
	char *argv[] = { "wayland-info", NULL };
	pid_t pid = session_spawn_client(s, level, argv);
	int status;
	if (!session_wait_client_exit(s, pid, 15000, &status)) {
		session_dump_client_log(s, pid, 20);
		session_fail(s, "wayland-info on %s did not finish within 15 s", level);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		session_dump_client_log(s, pid, 20);
		session_fail(s, "wayland-info on %s failed (status 0x%x)", level, status);
	}
	char *text = session_read_file(session_client_log(s, pid), NULL);
	session_assert(s, text != NULL);
	struct names n = { 0 };
	const char *key = "interface: '";
	for (const char *p = strstr(text, key); p; p = strstr(p, key)) {
		p += strlen(key);
		const char *end = strchr(p, '\'');
		if (!end) {
			break;
		}
		names_add(&n, p, (size_t)(end - p));
		p = end;
	}
	free(text);
	names_normalise(&n);
	session_assert_msg(s, n.count > 0, "wayland-info listed no interface on %s", level);
	return n;
}

static struct names
read_golden(struct strata_session *s, const char *file)
{
	const char *dir = getenv("STRATA_GOLDEN_DIR");
	session_assert_msg(s, dir != NULL, "STRATA_GOLDEN_DIR is not set");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	char *text = session_read_file(path, NULL);
	session_assert_msg(s, text != NULL, "cannot read %s", path);
	struct names n = { 0 };
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] != '\0' && line[0] != '#') {
			names_add(&n, line, strlen(line));
		}
	}
	free(text);
	names_normalise(&n);
	return n;
}

/* Equal lists, or the differences as diagnostics and a failure. */
static void
compare_with_golden(struct strata_session *s, const char *what, const struct names *seen,
		const char *golden_file)
{
	struct names golden = read_golden(s, golden_file);
	bool same = true;
	for (int i = 0; i < seen->count; i++) {
		if (!names_has(&golden, seen->v[i])) {
			tap_diag("%s offers %s, which is not in %s", what, seen->v[i], golden_file);
			same = false;
		}
	}
	for (int i = 0; i < golden.count; i++) {
		if (!names_has(seen, golden.v[i])) {
			tap_diag("%s lacks %s, which %s lists", what, golden.v[i], golden_file);
			same = false;
		}
	}
	names_finish(&golden);
	session_assert_msg(s, same, "%s does not offer exactly %s", what, golden_file);
}

static void
assert_nothing_privileged(struct strata_session *s, const char *what, const struct names *n)
{
	for (int i = 0; i < n->count; i++) {
		for (size_t j = 0; j < sizeof(privileged) / sizeof(privileged[0]); j++) {
			session_assert_msg(s, strstr(n->v[i], privileged[j]) == NULL,
					"%s offers the privileged global %s", what, n->v[i]);
		}
	}
}

static void
level_sockets_offer_exactly_the_allowlist(void)
{
	session_require_program("wayland-info");
	struct strata_session *s = session_start(NULL);
	session_assert_int_eq(s, s->level_count, 2);
	for (int i = 0; i < s->level_count; i++) {
		char what[64];
		snprintf(what, sizeof(what), "the %s socket", s->levels[i].name);
		struct names n = wayland_info(s, s->levels[i].name);
		/* First the rule, so a careless golden file cannot hide a leak. */
		assert_nothing_privileged(s, what, &n);
		session_assert_msg(s,
				names_has(&n, "wl_compositor") && names_has(&n, "xdg_wm_base"),
				"%s lacks wl_compositor or xdg_wm_base", what);
		compare_with_golden(s, what, &n, "globals-level.txt");
		names_finish(&n);
	}
	session_stop(s);
}

static void
core_socket_offers_the_core_list(void)
{
	session_require_program("wayland-info");
	struct strata_session *s = session_start(NULL);
	struct names core = wayland_info(s, "core");
	session_assert_msg(s, names_has(&core, "zwlr_screencopy_manager_v1"),
			"the core socket does not offer zwlr_screencopy_manager_v1");
	compare_with_golden(s, "the core socket", &core, "globals-core.txt");
	/* Everything a level sees, the core sees too. */
	struct names level = read_golden(s, "globals-level.txt");
	for (int i = 0; i < level.count; i++) {
		session_assert_msg(s, names_has(&core, level.v[i]),
				"%s is offered to levels but not to the core", level.v[i]);
	}
	names_finish(&level);
	names_finish(&core);
	session_stop(s);
}

/* A level client that guesses the numeric name of a core-only global and
 * binds it anyway gets a protocol error, not the object. */
static void
privileged_globals_cannot_be_bound_from_a_level(void)
{
	struct strata_session *s = session_start(NULL);
	struct raw_client *core = raw_client_connect(session_socket(s, "core"));
	session_assert_msg(s, core != NULL, "cannot connect to the core socket");
	int tried = 0;
	for (int i = 0; i < core->global_count; i++) {
		const struct raw_global *g = &core->globals[i];
		bool is_privileged = false;
		for (size_t j = 0; j < sizeof(privileged) / sizeof(privileged[0]); j++) {
			is_privileged |= strstr(g->interface, privileged[j]) != NULL;
		}
		if (!is_privileged) {
			continue;
		}
		struct raw_client *low = raw_client_connect(session_socket(s, "low"));
		session_assert_msg(s, low != NULL, "cannot connect to the low socket");
		session_assert_msg(s, raw_client_find_global(low, g->interface) == NULL,
				"the low socket advertises %s", g->interface);
		/* A stand-in interface description: bind only marshals its name. */
		struct wl_interface fake = { .name = g->interface, .version = (int)g->version };
		struct wl_proxy *object = wl_registry_bind(low->registry, g->name, &fake, 1);
		bool answered = raw_client_roundtrip(low, 5000);
		int error = raw_client_error(low);
		if (object) {
			wl_proxy_destroy(object);
		}
		raw_client_destroy(low);
		session_assert_msg(s, !answered && error != 0,
				"binding %s (name %u) from the low socket did not raise a protocol "
				"error",
				g->interface, g->name);
		tried++;
	}
	raw_client_destroy(core);
	session_assert_msg(s, tried > 0, "the core socket offers no privileged global to try");
	session_assert(s, session_compositor_alive(s));
	session_stop(s);
}

TAP_TESTS(TAP_CASE(level_sockets_offer_exactly_the_allowlist),
		TAP_CASE(core_socket_offers_the_core_list),
		TAP_CASE(privileged_globals_cannot_be_bound_from_a_level))
