// SPDX-License-Identifier: MIT
/*
 * Compositor-drawn text (level labels, titles, the banner): a cairo image
 * wrapped as a read-only wlr_buffer, which the pixman renderer imports
 * without a copy. An image on an opaque background has no alpha channel
 * (XRGB8888): the renderer copies it rather than blends it, and scene.c
 * draws nothing under it.
 */
#include <ctype.h>
#include <assert.h>
#include <cairo.h>
#include <drm_fourcc.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <wlr/types/wlr_buffer.h>
#include "text.h"

struct cairo_buffer {
	struct wlr_buffer base;
	cairo_surface_t *surface;
	uint32_t drm_format;
};

static void
cairo_buffer_destroy(struct wlr_buffer *wlr_buffer)
{
	struct cairo_buffer *buffer = wl_container_of(wlr_buffer, buffer, base);
	cairo_surface_destroy(buffer->surface);
	free(buffer);
}

static bool
cairo_buffer_begin_data_ptr_access(struct wlr_buffer *wlr_buffer, uint32_t flags, void **data,
		uint32_t *format, size_t *stride)
{
	struct cairo_buffer *buffer = wl_container_of(wlr_buffer, buffer, base);
	if (flags & WLR_BUFFER_DATA_PTR_ACCESS_WRITE) {
		return false;
	}
	*data = cairo_image_surface_get_data(buffer->surface);
	*format = buffer->drm_format;
	*stride = (size_t)cairo_image_surface_get_stride(buffer->surface);
	return true;
}

static void
cairo_buffer_end_data_ptr_access(struct wlr_buffer *wlr_buffer)
{
}

static const struct wlr_buffer_impl cairo_buffer_impl = {
	.destroy = cairo_buffer_destroy,
	.begin_data_ptr_access = cairo_buffer_begin_data_ptr_access,
	.end_data_ptr_access = cairo_buffer_end_data_ptr_access,
};

/* A blank image of width x height, not yet a wlr_buffer: without alpha
 * when whatever is drawn on it will be opaque. */
static struct cairo_buffer *
cairo_buffer_create(int width, int height, bool opaque)
{
	struct cairo_buffer *buffer = calloc(1, sizeof(*buffer));
	if (!buffer) {
		return NULL;
	}
	buffer->drm_format = opaque ? DRM_FORMAT_XRGB8888 : DRM_FORMAT_ARGB8888;
	buffer->surface = cairo_image_surface_create(opaque ? CAIRO_FORMAT_RGB24 :
							      CAIRO_FORMAT_ARGB32,
			width, height);
	if (cairo_surface_status(buffer->surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(buffer->surface);
		free(buffer);
		return NULL;
	}
	return buffer;
}

/* Hands the drawn image to the scene under parent at (x, y). */
static struct wlr_scene_node *
cairo_buffer_to_scene(struct cairo_buffer *buffer, struct wlr_scene_node *parent, int x, int y)
{
	cairo_surface_flush(buffer->surface);
	wlr_buffer_init(&buffer->base, &cairo_buffer_impl,
			cairo_image_surface_get_width(buffer->surface),
			cairo_image_surface_get_height(buffer->surface));
	struct wlr_scene_buffer *scene_buffer = wlr_scene_buffer_create(parent, &buffer->base);
	/* The scene holds its own reference now. */
	wlr_buffer_drop(&buffer->base);
	if (!scene_buffer) {
		return NULL;
	}
	wlr_scene_node_set_position(&scene_buffer->node, x, y);
	return &scene_buffer->node;
}

static void
set_source(cairo_t *cr, strata_rgba c)
{
	cairo_set_source_rgba(cr, ((c >> 24) & 0xff) / 255.0, ((c >> 16) & 0xff) / 255.0,
			((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
}

struct wlr_scene_node *
text_bar_create(struct wlr_scene_node *parent, int x, int y, int width, int height,
		strata_rgba background, strata_rgba text_colour, const char *font,
		const struct text_line *lines, size_t line_count, bool centre)
{
	if (width <= 0 || height <= 0 || width > 16384 || height > 1024) {
		return NULL;
	}
	/* The whole bar is painted with background first. */
	struct cairo_buffer *buffer =
			cairo_buffer_create(width, height, (background & 0xff) == 0xff);
	if (!buffer) {
		return NULL;
	}
	cairo_t *cr = cairo_create(buffer->surface);
	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	set_source(cr, background);
	cairo_paint(cr);
	cairo_set_operator(cr, CAIRO_OPERATOR_OVER);

	/* Lay out the runs, measure them, then draw them. */
	PangoLayout *layouts[8];
	int widths[8];
	size_t count = line_count < 8 ? line_count : 8;
	int total = 0;
	const int gap = height / 2;
	int font_px = height * 11 / 20;
	if (font_px < 8) {
		font_px = 8;
	}
	for (size_t i = 0; i < count; i++) {
		layouts[i] = pango_cairo_create_layout(cr);
		PangoFontDescription *desc = pango_font_description_from_string(font);
		pango_font_description_set_absolute_size(desc, font_px * PANGO_SCALE);
		pango_font_description_set_weight(desc,
				lines[i].bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
		pango_layout_set_font_description(layouts[i], desc);
		pango_font_description_free(desc);
		pango_layout_set_single_paragraph_mode(layouts[i], TRUE);
		pango_layout_set_text(layouts[i], lines[i].text, -1);
		int h;
		pango_layout_get_pixel_size(layouts[i], &widths[i], &h);
		total += widths[i] + (i > 0 ? gap : 0);
	}
	int pen = centre && total < width ? (width - total) / 2 : height / 3;
	set_source(cr, text_colour);
	for (size_t i = 0; i < count; i++) {
		int w, h;
		pango_layout_get_pixel_size(layouts[i], &w, &h);
		/* Clip each run to the bar: nothing is drawn outside it. */
		cairo_save(cr);
		cairo_rectangle(cr, 0, 0, width, height);
		cairo_clip(cr);
		cairo_move_to(cr, pen, (height - h) / 2.0);
		pango_cairo_show_layout(cr, layouts[i]);
		cairo_restore(cr);
		pen += widths[i] + gap;
		g_object_unref(layouts[i]);
	}
	cairo_destroy(cr);
	return cairo_buffer_to_scene(buffer, parent, x, y);
}

static void
set_rgba(cairo_t *cr, strata_rgba c)
{
	set_source(cr, c);
}

struct wlr_scene_node *
text_box_create(struct wlr_scene_node *parent, int x, int y, int width, int height,
		strata_rgba background, strata_rgba border_colour, int border_px,
		const char *header, strata_rgba header_text, const char *font,
		const struct text_box_line *lines, size_t line_count)
{
	if (width <= 0 || height <= 0 || width > 4096 || height > 4096) {
		return NULL;
	}
	/* Border colour everywhere, then the background inside it. */
	struct cairo_buffer *buffer = cairo_buffer_create(width, height,
			(background & 0xff) == 0xff && (border_colour & 0xff) == 0xff);
	if (!buffer) {
		return NULL;
	}
	cairo_t *cr = cairo_create(buffer->surface);
	set_rgba(cr, border_colour);
	cairo_paint(cr);
	set_rgba(cr, background);
	int header_h = 44;
	cairo_rectangle(cr, border_px, border_px + header_h, width - 2 * border_px,
			height - 2 * border_px - header_h);
	cairo_fill(cr);
	cairo_rectangle(cr, 0, 0, width, height);
	cairo_clip(cr);

	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *desc = pango_font_description_from_string(font);
	pango_font_description_set_absolute_size(desc, 20 * PANGO_SCALE);
	pango_font_description_set_weight(desc, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(layout, desc);
	pango_layout_set_text(layout, header, -1);
	set_rgba(cr, header_text);
	cairo_move_to(cr, border_px + 14, border_px + 10);
	pango_cairo_show_layout(cr, layout);

	int pen_y = border_px + header_h + 14;
	int left = border_px + 18, text_width = width - 2 * border_px - 36;
	for (size_t i = 0; i < line_count; i++) {
		const struct text_box_line *line = &lines[i];
		PangoFontDescription *d = pango_font_description_from_string(
				line->mono ? "DejaVu Sans Mono" : font);
		pango_font_description_set_absolute_size(d, (line->mono ? 14 : 16) * PANGO_SCALE);
		pango_font_description_set_weight(d,
				line->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
		pango_layout_set_font_description(layout, d);
		pango_font_description_free(d);
		int x = left;
		if (line->swatch) {
			set_rgba(cr, line->swatch);
			cairo_rectangle(cr, x, pen_y + 2, 18, 18);
			cairo_fill(cr);
			x += 28;
		}
		pango_layout_set_width(layout, (text_width - (x - left)) * PANGO_SCALE);
		if (line->mono) {
			pango_layout_set_wrap(layout, PANGO_WRAP_CHAR);
			pango_layout_set_height(layout,
					-(line->max_lines > 0 ? line->max_lines : 1));
			pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
		} else {
			pango_layout_set_height(layout, -1);
			pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
		}
		pango_layout_set_text(layout, line->text ? line->text : "", -1);
		set_rgba(cr, line->colour);
		cairo_move_to(cr, x, pen_y);
		pango_cairo_show_layout(cr, layout);
		int w, h;
		pango_layout_get_pixel_size(layout, &w, &h);
		pen_y += (h > 20 ? h : 20) + 8;
	}
	pango_font_description_free(desc);
	g_object_unref(layout);
	cairo_destroy(cr);
	return cairo_buffer_to_scene(buffer, parent, x, y);
}

void
text_upper_copy(char *out, size_t size, const char *in)
{
	if (size == 0) {
		return;
	}
	size_t i = 0;
	for (; in[i] && i + 1 < size; i++) {
		out[i] = (char)toupper((unsigned char)in[i]);
	}
	out[i] = '\0';
}
