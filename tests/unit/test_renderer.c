// SPDX-License-Identifier: MIT
/*
 * Which GL_RENDERER strings strata takes for a software rasteriser, on which
 * it draws with pixman instead of GLES2 (compositor/renderer.c). The strings
 * are those Mesa and the GPU drivers report (glxinfo, eglinfo).
 */
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

TAP_TESTS(TAP_CASE(software_rasterisers), TAP_CASE(hardware_renderers))
