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

struct wlr_renderer *
renderer_create(struct wlr_backend *backend)
{
	const char *forced = getenv("WLR_RENDERER");
	if (forced && *forced) {
		struct wlr_renderer *renderer = wlr_renderer_autocreate(backend);
		wlr_log(WLR_INFO, "renderer: %s, as WLR_RENDERER asks", forced);
		return renderer;
	}
	struct wlr_renderer *renderer = wlr_renderer_autocreate(backend);
	if (!renderer) {
		return NULL;
	}
	if (wlr_renderer_is_pixman(renderer)) {
		wlr_log(WLR_INFO, "renderer: pixman (wlroots found no GLES2)");
		return renderer;
	}
	if (!wlr_renderer_is_gles2(renderer)) {
		return renderer;
	}
	char name[256] = "";
	if (!gles2_renderer_name(renderer, name, sizeof(name))) {
		wlr_log(WLR_INFO, "renderer: GLES2 (its GL_RENDERER could not be read)");
		return renderer;
	}
	if (!renderer_name_is_software(name)) {
		wlr_log(WLR_INFO, "renderer: GLES2 on %s", name);
		return renderer;
	}
	wlr_renderer_destroy(renderer);
	renderer = wlr_pixman_renderer_create();
	wlr_log(renderer ? WLR_INFO : WLR_ERROR,
			"renderer: %s: GLES2 would run on %s, a software rasteriser, on which "
			"wlroots 0.15 crashes (set WLR_RENDERER=gles2 to insist)",
			renderer ? "pixman" : "none (pixman failed)", name);
	return renderer;
}
