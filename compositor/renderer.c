// SPDX-License-Identifier: MIT
#include <GLES2/gl2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wlr/render/egl.h>
#include <wlr/render/gles2.h>
#include <wlr/render/pixman.h>
#include <wlr/util/log.h>
#include "renderer.h"

bool
renderer_name_is_software(const char *gl_renderer)
{
	/* Mesa's names: "llvmpipe (LLVM 15.0.6, 256 bits)", "softpipe",
	 * "Software Rasterizer" (swrast, the oldest). */
	static const char *const software[] = { "llvmpipe", "softpipe", "software rasterizer",
		"swrast" };
	if (!gl_renderer) {
		return false;
	}
	for (size_t i = 0; i < sizeof(software) / sizeof(software[0]); i++) {
		if (strcasestr(gl_renderer, software[i])) {
			return true;
		}
	}
	return false;
}

/* GL_RENDERER of a GLES2 renderer, copied into out; false if unknown. */
static bool
gles2_renderer_name(struct wlr_renderer *renderer, char *out, size_t size)
{
	struct wlr_egl *egl = wlr_gles2_renderer_get_egl(renderer);
	if (!egl || !wlr_egl_make_current(egl)) {
		return false;
	}
	const char *name = (const char *)glGetString(GL_RENDERER);
	if (name) {
		snprintf(out, size, "%s", name);
	}
	wlr_egl_unset_current(egl);
	return name != NULL;
}

enum renderer_action
renderer_decide(const struct renderer_facts *f, char *why, size_t size)
{
	if (f->forced) {
		/* Set, even empty: wlroots obeys it (and refuses what it does not
		 * know), so does strata. */
		snprintf(why, size, "%s, as WLR_RENDERER=\"%s\" asks",
				f->made ? "wlroots' renderer" : "none: wlroots could not make it",
				f->forced);
		return RENDERER_KEEP;
	}
	if (!f->made) {
		snprintf(why, size, "none: wlroots could make no renderer");
	} else if (f->is_pixman) {
		snprintf(why, size, "pixman (wlroots found no GLES2)");
	} else if (!f->is_gles2) {
		snprintf(why, size, "wlroots' choice");
	} else if (!f->gl_name) {
		snprintf(why, size, "GLES2 (its GL_RENDERER could not be read)");
	} else if (!renderer_name_is_software(f->gl_name)) {
		snprintf(why, size, "GLES2 on %s", f->gl_name);
	} else {
		snprintf(why, size,
				"pixman: GLES2 would run on %s, a software rasteriser, on which "
				"wlroots 0.15 crashes (WLR_RENDERER=gles2 insists)",
				f->gl_name);
		return RENDERER_USE_PIXMAN;
	}
	return RENDERER_KEEP;
}

struct wlr_renderer *
renderer_create(struct wlr_backend *backend)
{
	struct wlr_renderer *renderer = wlr_renderer_autocreate(backend);
	char name[256];
	struct renderer_facts facts = {
		.forced = getenv("WLR_RENDERER"),
		.made = renderer != NULL,
		.is_pixman = renderer && wlr_renderer_is_pixman(renderer),
		.is_gles2 = renderer && wlr_renderer_is_gles2(renderer),
	};
	if (facts.is_gles2 && !facts.forced && gles2_renderer_name(renderer, name, sizeof(name))) {
		facts.gl_name = name;
	}
	char why[400];
	enum renderer_action action = renderer_decide(&facts, why, sizeof(why));
	if (action == RENDERER_USE_PIXMAN) {
		wlr_renderer_destroy(renderer);
		renderer = wlr_pixman_renderer_create();
	}
	/* A start-up line (strata(1)): which renderer runs, and why. */
	printf("strata: renderer: %s%s\n", why, renderer ? "" : " (and pixman failed)");
	return renderer;
}
