/* SPDX-License-Identifier: MIT */
#ifndef STRATA_RENDERER_H
#define STRATA_RENDERER_H

#include <stdbool.h>
#include <wlr/backend.h>
#include <wlr/render/wlr_renderer.h>

/*
 * The renderer of a real seat (DRM, or nested). WLR_RENDERER, when set, is
 * obeyed as wlroots obeys it. Otherwise wlroots picks (GLES2 first), and
 * when GLES2 would run on a software rasteriser (Mesa's llvmpipe or
 * softpipe: a machine without a usable GPU driver, such as virtio-gpu
 * without 3D), strata takes pixman instead: wlroots 0.15 with GLES2 on
 * Mesa's kms_swrast dies inside the driver at its first frame, and pixman
 * draws the same pixels without it. The log says which renderer runs and
 * why. NULL if none can be made.
 */
struct wlr_renderer *renderer_create(struct wlr_backend *backend);

/* What renderer_create() found, and what it does with it. */
struct renderer_facts {
	const char *forced; /* WLR_RENDERER, NULL when unset */
	bool made; /* wlroots made a renderer */
	bool is_pixman, is_gles2;
	const char *gl_name; /* GLES2's GL_RENDERER; NULL: not read */
};
enum renderer_action {
	RENDERER_KEEP, /* wlroots' renderer (or none) */
	RENDERER_USE_PIXMAN, /* pixman in its place */
};
/* The choice, and the line for the log (why). */
enum renderer_action renderer_decide(const struct renderer_facts *facts, char *why, size_t size);

/* Whether a GL_RENDERER string names a software rasteriser. */
bool renderer_name_is_software(const char *gl_renderer);

#endif
