// SPDX-License-Identifier: MIT
/*
 * Which GL_RENDERER strings strata takes for a software rasteriser, on which
 * it draws with pixman instead of GLES2 (compositor/renderer.c). The strings
 * are those Mesa and the GPU drivers report (glxinfo, eglinfo).
 */
#include <string.h>
#include "renderer.h"
#include "tap.h"

static void
software_rasterisers(void)
{
	tap_assert(renderer_name_is_software("llvmpipe (LLVM 15.0.6, 256 bits)"));
	tap_assert(renderer_name_is_software("llvmpipe (LLVM 14.0.6, 128 bits)"));
	tap_assert(renderer_name_is_software("softpipe"));
	tap_assert(renderer_name_is_software("Software Rasterizer"));
	tap_assert(renderer_name_is_software("Mesa X11 swrast"));
}

static void
hardware_renderers(void)
{
	tap_assert(!renderer_name_is_software("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
	tap_assert(!renderer_name_is_software(
			"AMD Radeon RX 6600 (navi23, LLVM 15.0.6, DRM 3.49)"));
	tap_assert(!renderer_name_is_software("virgl (Mesa Intel(R) UHD Graphics 630)"));
	tap_assert(!renderer_name_is_software("NVIDIA GeForce GTX 1650/PCIe/SSE2"));
	tap_assert(!renderer_name_is_software("SVGA3D; build: RELEASE; LLVM;"));
	tap_assert(!renderer_name_is_software(""));
	tap_assert(!renderer_name_is_software(NULL));
}

static enum renderer_action
decide(struct renderer_facts f, const char *want_why)
{
	char why[400];
	enum renderer_action action = renderer_decide(&f, why, sizeof(why));
	tap_assert_msg(strstr(why, want_why), "the log line \"%s\" lacks \"%s\"", why, want_why);
	return action;
}

static void
decisions(void)
{
	const char *llvmpipe = "llvmpipe (LLVM 15.0.6, 256 bits)";
	/* GLES2 on a software rasteriser: pixman, and the log says why. */
	tap_assert(decide((struct renderer_facts){ .made = true,
					  .is_gles2 = true,
					  .gl_name = llvmpipe },
				   "pixman: GLES2 would run on llvmpipe") == RENDERER_USE_PIXMAN);
	/* On a GPU: GLES2 stays. */
	tap_assert(decide((struct renderer_facts){ .made = true,
					  .is_gles2 = true,
					  .gl_name = "Mesa Intel(R) UHD Graphics 620" },
				   "GLES2 on Mesa Intel") == RENDERER_KEEP);
	/* WLR_RENDERER, set (even empty), is obeyed. */
	tap_assert(decide((struct renderer_facts){ .forced = "gles2",
					  .made = true,
					  .is_gles2 = true,
					  .gl_name = llvmpipe },
				   "as WLR_RENDERER=\"gles2\" asks") == RENDERER_KEEP);
	tap_assert(decide((struct renderer_facts){ .forced = "", .made = false },
				   "none: wlroots could not make it") == RENDERER_KEEP);
	/* What wlroots made, when it is not GLES2 or when GL says nothing. */
	tap_assert(decide((struct renderer_facts){ .made = true, .is_pixman = true },
				   "pixman (wlroots found no GLES2)") == RENDERER_KEEP);
	tap_assert(decide((struct renderer_facts){ .made = true, .is_gles2 = true },
				   "could not be read") == RENDERER_KEEP);
	tap_assert(decide((struct renderer_facts){ .made = false }, "could make no renderer") ==
			RENDERER_KEEP);
}

TAP_TESTS(TAP_CASE(software_rasterisers), TAP_CASE(hardware_renderers), TAP_CASE(decisions))
