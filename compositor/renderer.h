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

/* Whether a GL_RENDERER string names a software rasteriser. */
bool renderer_name_is_software(const char *gl_renderer);

#endif
