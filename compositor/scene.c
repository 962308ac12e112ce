// SPDX-License-Identifier: MIT
/*
 * The scene, drawn and hit-tested by Strata with clipping (scene.h says why).
 *
 * A frame is drawn in two walks over the damaged region. The first goes
 * from the top node down, cutting each node's region to its clip (so a
 * client's pixels can only land where its window, or for popups its level,
 * may be) and taking away what the opaque nodes above it cover (solid
 * rectangles, textures without alpha: never a client's word that it is
 * opaque); it lists what is left of each node. The second draws that list
 * bottom to top: each visible pixel once, translucent nodes over what lies
 * below them, the background only where nothing covers it (as wlroots 0.16's
 * scene does; 0.15.1's draws every node whole over the damage).
 *
 * Solid rectangles are filled in place, never with the pixman renderer's
 * rectangle path (it allocates an image of the rectangle's size at every
 * draw); with pixman, a region is filled in one call. wlr_scene_buffer's
 * texture cache is used as wlroots uses it: the field is public in 0.15
 * and freed by wlr_scene_node_destroy.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <wlr/render/pixman.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_matrix.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_output_damage.h>
#include <wlr/types/wlr_presentation_time.h>
#include <wlr/util/region.h>
#include "scene.h"

struct scene_tag *
scene_node_tag(struct wlr_scene_node *node)
{
	return node->data;
}

/* ---- geometry --------------------------------------------------------- */

static void
node_size(struct wlr_scene_node *node, int *width, int *height)
{
	*width = *height = 0;
	switch (node->type) {
	case WLR_SCENE_NODE_ROOT:
	case WLR_SCENE_NODE_TREE:
		break;
	case WLR_SCENE_NODE_SURFACE: {
		struct wlr_surface *surface = wlr_scene_surface_from_node(node)->surface;
		*width = surface->current.width;
		*height = surface->current.height;
		break;
	}
	case WLR_SCENE_NODE_RECT: {
		struct wlr_scene_rect *rect = (struct wlr_scene_rect *)node;
		*width = rect->width;
		*height = rect->height;
		break;
	}
	case WLR_SCENE_NODE_BUFFER: {
		struct wlr_scene_buffer *buffer = (struct wlr_scene_buffer *)node;
		if (buffer->dst_width > 0 && buffer->dst_height > 0) {
			*width = buffer->dst_width;
			*height = buffer->dst_height;
		} else if (buffer->transform & WL_OUTPUT_TRANSFORM_90) {
			*width = buffer->buffer->height;
			*height = buffer->buffer->width;
		} else {
			*width = buffer->buffer->width;
			*height = buffer->buffer->height;
		}
		break;
	}
	}
}

static int
scale_length(int length, int offset, float scale)
{
	return (int)(round((offset + length) * scale) - round(offset * scale));
}

static void
scale_box(struct wlr_box *box, float scale)
{
	box->width = scale_length(box->width, box->x, scale);
	box->height = scale_length(box->height, box->y, scale);
	box->x = (int)round(box->x * scale);
	box->y = (int)round(box->y * scale);
}

/* A layout region into output buffer coordinates (origin ox, oy; scale). */
static void
region_to_output(pixman_region32_t *region, int ox, int oy, float scale)
{
	pixman_region32_translate(region, -ox, -oy);
	if (scale != 1.0f) {
		wlr_region_scale(region, region, scale);
	}
}

/* ---- drawing ---------------------------------------------------------- */

struct render_walk {
	pixman_region32_t *damage; /* output coordinates */
	struct wlr_output *output;
	struct wlr_renderer *renderer;
	struct wlr_presentation *presentation; /* may be NULL */
	int ox, oy; /* the output's origin in layout coordinates */
	/* With the pixman renderer, the image being drawn: a solid region is
	 * filled with one pixman call rather than a scissored clear per
	 * rectangle (each clear has a fixed cost, and a region cut by the
	 * windows above it has many rectangles). Textures keep a scissor per
	 * rectangle: pixman composited a whole region given as its clip
	 * half as fast (render time per frame 337 us against 176 us). */
	pixman_image_t *pixman_target;
};

static void
scissor(struct wlr_output *output, const pixman_box32_t *rect)
{
	struct wlr_box box = {
		.x = rect->x1,
		.y = rect->y1,
		.width = rect->x2 - rect->x1,
		.height = rect->y2 - rect->y1,
	};
	int width, height;
	wlr_output_transformed_resolution(output, &width, &height);
	wlr_box_transform(&box, &box, wlr_output_transform_invert(output->transform), width,
			height);
	wlr_renderer_scissor(output->renderer, &box);
}

/* region (output coordinates) in the output buffer's own, into out (initialised). */
static void
region_to_buffer(struct wlr_output *output, pixman_region32_t *out, pixman_region32_t *region)
{
	int width, height;
	wlr_output_transformed_resolution(output, &width, &height);
	wlr_region_transform(out, region, wlr_output_transform_invert(output->transform), width,
			height);
}

/* Fills region (output coordinates) with an opaque colour, in place. */
static void
fill_region(struct render_walk *walk, pixman_region32_t *region, const float colour[static 4])
{
	if (walk->pixman_target) {
		/* As the pixman renderer's clear converts it. */
		pixman_color_t pixel = {
			.red = (uint16_t)(colour[0] * 0xffff),
			.green = (uint16_t)(colour[1] * 0xffff),
			.blue = (uint16_t)(colour[2] * 0xffff),
			.alpha = (uint16_t)(colour[3] * 0xffff),
		};
		pixman_region32_t boxes;
		pixman_region32_init(&boxes);
		region_to_buffer(walk->output, &boxes, region);
		/* pixman_image_fill_boxes writes without a bounds check: the
		 * damage is inside the output already, but never trust that. */
		pixman_region32_intersect_rect(&boxes, &boxes, 0, 0,
				(unsigned)pixman_image_get_width(walk->pixman_target),
				(unsigned)pixman_image_get_height(walk->pixman_target));
		int count;
		pixman_box32_t *rects = pixman_region32_rectangles(&boxes, &count);
		pixman_image_set_clip_region32(walk->pixman_target, NULL);
		pixman_image_fill_boxes(PIXMAN_OP_SRC, walk->pixman_target, &pixel, count, rects);
		pixman_region32_fini(&boxes);
		return;
	}
	int count;
	pixman_box32_t *rects = pixman_region32_rectangles(region, &count);
	for (int i = 0; i < count; i++) {
		scissor(walk->output, &rects[i]);
		wlr_renderer_clear(walk->renderer, colour);
	}
}

static void
draw_rect(struct render_walk *walk, struct wlr_scene_rect *rect, const struct wlr_box *box,
		pixman_region32_t *region)
{
	if (rect->color[3] >= 1.0f) {
		fill_region(walk, region, rect->color);
		return;
	}
	int count;
	pixman_box32_t *rects = pixman_region32_rectangles(region, &count);
	for (int i = 0; i < count; i++) {
		scissor(walk->output, &rects[i]);
		wlr_render_rect(walk->renderer, box, rect->color, walk->output->transform_matrix);
	}
}

static void
draw_texture(struct render_walk *walk, struct wlr_texture *texture, const struct wlr_fbox *src,
		const struct wlr_box *box, enum wl_output_transform transform,
		pixman_region32_t *region)
{
	struct wlr_fbox whole = { .width = texture->width, .height = texture->height };
	if (wlr_fbox_empty(src)) {
		src = &whole;
	}
	float matrix[9];
	wlr_matrix_project_box(matrix, box, wlr_output_transform_invert(transform), 0.0,
			walk->output->transform_matrix);

	int count;
	pixman_box32_t *rects = pixman_region32_rectangles(region, &count);
	for (int i = 0; i < count; i++) {
		scissor(walk->output, &rects[i]);
		wlr_render_subtexture_with_matrix(walk->renderer, texture, src, matrix, 1.0f);
	}
}

static struct wlr_texture *
buffer_texture(struct wlr_scene_buffer *scene_buffer, struct wlr_renderer *renderer)
{
	struct wlr_client_buffer *client_buffer = wlr_client_buffer_get(scene_buffer->buffer);
	if (client_buffer) {
		return client_buffer->texture;
	}
	if (!scene_buffer->texture) {
		scene_buffer->texture = wlr_texture_from_buffer(renderer, scene_buffer->buffer);
	}
	return scene_buffer->texture;
}

/* The node's box in output buffer coordinates; false if it has none. */
static bool
node_output_box(struct render_walk *walk, struct wlr_scene_node *node, int lx, int ly,
		struct wlr_box *box)
{
	if (node->type == WLR_SCENE_NODE_ROOT || node->type == WLR_SCENE_NODE_TREE) {
		return false;
	}
	*box = (struct wlr_box){ .x = lx - walk->ox, .y = ly - walk->oy };
	node_size(node, &box->width, &box->height);
	if (box->width <= 0 || box->height <= 0) {
		return false;
	}
	scale_box(box, walk->output->scale);
	return box->width > 0 && box->height > 0;
}

/* The texture a buffer or surface node draws, or NULL (a rectangle). */
static struct wlr_texture *
node_texture(struct render_walk *walk, struct wlr_scene_node *node)
{
	if (node->type == WLR_SCENE_NODE_BUFFER) {
		return buffer_texture((struct wlr_scene_buffer *)node, walk->renderer);
	}
	if (node->type == WLR_SCENE_NODE_SURFACE) {
		return wlr_surface_get_texture(wlr_scene_surface_from_node(node)->surface);
	}
	return NULL;
}

/*
 * Whether the node covers its whole box with opaque pixels: a solid
 * rectangle, or a texture without alpha (its buffer's format says so;
 * the opaque region a client declares is never taken). A scaled texture
 * still covers its box: wlroots 0.15.1's pixman renderer samples the
 * nearest pixel and its GLES shader forces alpha to 1 for such formats;
 * a renderer that blended a scaled texture's edges would break this.
 */
static bool
node_is_opaque(struct render_walk *walk, struct wlr_scene_node *node)
{
	if (node->type == WLR_SCENE_NODE_RECT) {
		return ((struct wlr_scene_rect *)node)->color[3] >= 1.0f;
	}
	struct wlr_texture *texture = node_texture(walk, node);
	return texture && wlr_texture_is_opaque(texture);
}

/* The node itself (not its children), inside region (output coordinates). */
static void
draw_node(struct render_walk *walk, struct wlr_scene_node *node, const struct wlr_box *box,
		pixman_region32_t *region)
{
	switch (node->type) {
	case WLR_SCENE_NODE_RECT:
		draw_rect(walk, (struct wlr_scene_rect *)node, box, region);
		break;
	case WLR_SCENE_NODE_BUFFER: {
		struct wlr_scene_buffer *buffer = (struct wlr_scene_buffer *)node;
		struct wlr_texture *texture = buffer_texture(buffer, walk->renderer);
		if (texture) {
			draw_texture(walk, texture, &buffer->src_box, box, buffer->transform,
					region);
		}
		break;
	}
	case WLR_SCENE_NODE_SURFACE: {
		struct wlr_scene_surface *scene_surface = wlr_scene_surface_from_node(node);
		struct wlr_surface *surface = scene_surface->surface;
		struct wlr_texture *texture = wlr_surface_get_texture(surface);
		if (!texture) {
			break;
		}
		struct wlr_fbox src = { 0 };
		wlr_surface_get_buffer_source_box(surface, &src);
		draw_texture(walk, texture, &src, box, surface->current.transform, region);
		if (walk->presentation && scene_surface->primary_output == walk->output) {
			wlr_presentation_surface_sampled_on_output(walk->presentation, surface,
					walk->output);
		}
		break;
	}
	default:
		break;
	}
}

/*
 * One draw of a frame: a node (or, node NULL, a fill in colour) over the
 * part of its region nothing opaque above it hides.
 */
struct draw_op {
	struct wlr_scene_node *node;
	struct wlr_box box; /* output coordinates */
	const float *colour; /* node NULL: the fill's colour */
	pixman_region32_t region;
};

struct draw_list {
	struct draw_op *ops;
	size_t count, capacity;
	bool failed; /* out of memory: the frame is drawn without culling */
};

/* Adds an op whose region is visible minus covered; takes nothing from
 * visible. Returns false if nothing of it is left to draw. */
static bool
push_op(struct draw_list *list, struct wlr_scene_node *node, const struct wlr_box *box,
		const float *colour, pixman_region32_t *visible, pixman_region32_t *covered)
{
	/* Most nodes lie outside the damage: nothing to take away from them
	 * (covered, once it holds many windows, is costly to subtract). */
	if (!pixman_region32_not_empty(visible)) {
		return false;
	}
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 64;
		struct draw_op *ops = realloc(list->ops, capacity * sizeof(*ops));
		if (!ops) {
			list->failed = true;
			return false;
		}
		list->ops = ops;
		list->capacity = capacity;
	}
	struct draw_op *op = &list->ops[list->count];
	pixman_region32_init(&op->region);
	if (!pixman_region32_subtract(&op->region, visible, covered)) {
		/* pixman ran out of memory: the list is dropped for the
		 * fallback, which clears the whole damage first. */
		pixman_region32_fini(&op->region);
		list->failed = true;
		return false;
	}
	if (!pixman_region32_not_empty(&op->region)) {
		pixman_region32_fini(&op->region);
		return false;
	}
	op->node = node;
	op->box = box ? *box : (struct wlr_box){ 0 };
	op->colour = colour;
	list->count++;
	return true;
}

static const float backdrop_black[4] = { 0.0f, 0.0f, 0.0f, 1.0f };

/*
 * Where a node's subtree may draw: allowed, or, for a node whose tag has a
 * clip, that clip cut to the damage, in clipped (initialised here; the
 * caller finishes it when it is the answer). A clip replaces its
 * ancestors' (a popup leaves its window's box for its level's region): only
 * the damage still applies. Sets *failed when pixman runs out of memory.
 */
static pixman_region32_t *
subtree_region(struct render_walk *walk, struct scene_tag *tag, pixman_region32_t *allowed,
		pixman_region32_t *clipped, bool *failed)
{
	if (!tag || !tag->clip) {
		return allowed;
	}
	pixman_region32_init(clipped);
	tag->clip(tag, clipped);
	region_to_output(clipped, walk->ox, walk->oy, walk->output->scale);
	*failed |= !pixman_region32_intersect(clipped, clipped, walk->damage);
	return clipped;
}

/*
 * The part of region (output coordinates) the node's own box takes, in
 * visible (initialised here; the caller finishes it), and the box; false,
 * with nothing initialised, when the node has no box (a tree). Sets
 * *failed when pixman runs out of memory.
 */
static bool
node_region(struct render_walk *walk, struct wlr_scene_node *node, int lx, int ly,
		pixman_region32_t *region, struct wlr_box *box, pixman_region32_t *visible,
		bool *failed)
{
	if (!node_output_box(walk, node, lx, ly, box)) {
		return false;
	}
	pixman_region32_init_rect(visible, box->x, box->y, (unsigned)box->width,
			(unsigned)box->height);
	*failed |= !pixman_region32_intersect(visible, visible, region);
	return true;
}

/*
 * Walks node's subtree from the top down (the reverse of the drawing
 * order: later children, then the node, then its backdrop), listing what
 * each node shows of region (output coordinates: the damage, cut by the
 * nearest clip above) once the opaque nodes above it are taken away, and
 * adding the opaque ones to covered. The list, drawn from its end, paints
 * every visible pixel once, translucent nodes over what lies below them.
 */
static void
list_subtree(struct render_walk *walk, struct draw_list *list, struct wlr_scene_node *node, int lx,
		int ly, pixman_region32_t *allowed, pixman_region32_t *covered)
{
	if (!node->state.enabled) {
		return;
	}
	lx += node->state.x;
	ly += node->state.y;
	pixman_region32_t clipped;
	struct scene_tag *tag = scene_node_tag(node);
	pixman_region32_t *region = subtree_region(walk, tag, allowed, &clipped, &list->failed);
	if (pixman_region32_not_empty(region)) {
		struct wlr_scene_node *child;
		wl_list_for_each_reverse(child, &node->state.children, state.link) {
			list_subtree(walk, list, child, lx, ly, region, covered);
		}
		struct wlr_box box;
		pixman_region32_t visible;
		if (node_region(walk, node, lx, ly, region, &box, &visible, &list->failed)) {
			if (push_op(list, node, &box, NULL, &visible, covered) &&
					node_is_opaque(walk, node)) {
				list->failed |= !pixman_region32_union(covered, covered, &visible);
			}
			pixman_region32_fini(&visible);
		}
		if (tag && tag->backdrop) {
			/* Black under the whole subtree: where its opaque
			 * surfaces already cover, nothing is left to fill. */
			if (push_op(list, NULL, NULL, backdrop_black, region, covered)) {
				list->failed |= !pixman_region32_union(covered, covered, region);
			}
		}
	}
	if (region == &clipped) {
		pixman_region32_fini(&clipped);
	}
}

/* The fallback when the list could not be made (pixman or the list ran
 * out of memory): the whole damage cleared, then every node drawn inside
 * its clip and the damage, bottom to top, without culling. */
static void
render_subtree(struct render_walk *walk, struct wlr_scene_node *node, int lx, int ly,
		pixman_region32_t *allowed)
{
	if (!node->state.enabled) {
		return;
	}
	lx += node->state.x;
	ly += node->state.y;
	pixman_region32_t clipped;
	struct scene_tag *tag = scene_node_tag(node);
	bool failed = false; /* nothing to fall back to: drawn as it is */
	pixman_region32_t *region = subtree_region(walk, tag, allowed, &clipped, &failed);
	if (tag && tag->backdrop && pixman_region32_not_empty(region)) {
		fill_region(walk, region, backdrop_black);
	}
	if (pixman_region32_not_empty(region)) {
		struct wlr_box box;
		pixman_region32_t visible;
		if (node_region(walk, node, lx, ly, region, &box, &visible, &failed)) {
			if (pixman_region32_not_empty(&visible)) {
				draw_node(walk, node, &box, &visible);
			}
			pixman_region32_fini(&visible);
		}
		struct wlr_scene_node *child;
		wl_list_for_each(child, &node->state.children, state.link) {
			render_subtree(walk, child, lx, ly, region);
		}
	}
	if (region == &clipped) {
		pixman_region32_fini(&clipped);
	}
}

static void
draw_list_finish(struct draw_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		pixman_region32_fini(&list->ops[i].region);
	}
	free(list->ops);
}

/* Draws the scene over the damage: each visible pixel once where the
 * list can be made, else everything bottom to top. */
static uint32_t
render_scene(struct render_walk *walk, struct wlr_scene *scene, const float background[static 4])
{
	struct draw_list list = { 0 };
	pixman_region32_t covered;
	pixman_region32_init(&covered);
	list_subtree(walk, &list, &scene->node, 0, 0, walk->damage, &covered);
	push_op(&list, NULL, NULL, background, walk->damage, &covered);
	pixman_region32_fini(&covered);
	if (list.failed) {
		draw_list_finish(&list);
		fill_region(walk, walk->damage, background);
		render_subtree(walk, &scene->node, 0, 0, walk->damage);
		return 0;
	}
	for (size_t i = list.count; i-- > 0;) {
		struct draw_op *op = &list.ops[i];
		if (op->node) {
			draw_node(walk, op->node, &op->box, &op->region);
		} else {
			fill_region(walk, &op->region, op->colour);
		}
	}
	uint32_t ops = (uint32_t)list.count;
	draw_list_finish(&list);
	return ops;
}

static uint64_t
monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
region_area(const pixman_region32_t *region)
{
	int count;
	const pixman_box32_t *rects = pixman_region32_rectangles(region, &count);
	uint64_t area = 0;
	for (int i = 0; i < count; i++) {
		area += (uint64_t)(rects[i].x2 - rects[i].x1) *
				(uint64_t)(rects[i].y2 - rects[i].y1);
	}
	return area;
}

bool
scene_output_render(struct wlr_scene_output *scene_output, const float background[static 4],
		struct scene_frame_info *info)
{
	struct scene_frame_info unused;
	info = info ? info : &unused;
	*info = (struct scene_frame_info){ 0 };
	struct wlr_output *output = scene_output->output;
	struct wlr_renderer *renderer = output->renderer;
	assert(renderer);
	struct wlr_scene *scene = scene_output->scene;

	bool needs_frame;
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	if (!wlr_output_damage_attach_render(scene_output->damage, &needs_frame, &damage)) {
		pixman_region32_fini(&damage);
		return false;
	}
	if (!needs_frame) {
		pixman_region32_fini(&damage);
		wlr_output_rollback(output);
		return true;
	}
	/* Import new buffers before rendering starts (GL renderers cannot
	 * import in the middle of a frame), as wlr_scene_output_commit does. */
	struct wlr_scene_buffer *buffer, *tmp;
	wl_list_for_each_safe(buffer, tmp, &scene->pending_buffers, pending_link) {
		buffer_texture(buffer, renderer);
		wl_list_remove(&buffer->pending_link);
		wl_list_init(&buffer->pending_link);
	}

	uint64_t start = monotonic_ns();
	info->damage_px = region_area(&damage);
	wlr_renderer_begin(renderer, output->width, output->height);
	struct render_walk walk = {
		.damage = &damage,
		.output = output,
		.renderer = renderer,
		.presentation = scene->presentation,
		.ox = scene_output->x,
		.oy = scene_output->y,
		.pixman_target = wlr_renderer_is_pixman(renderer) ?
				wlr_pixman_renderer_get_current_image(renderer) :
				NULL,
	};
	info->ops = render_scene(&walk, scene, background);
	wlr_renderer_scissor(renderer, NULL);
	wlr_output_render_software_cursors(output, &damage);
	wlr_renderer_end(renderer);
	pixman_region32_fini(&damage);

	int width, height;
	wlr_output_transformed_resolution(output, &width, &height);
	pixman_region32_t frame_damage;
	pixman_region32_init(&frame_damage);
	wlr_region_transform(&frame_damage, &scene_output->damage->current,
			wlr_output_transform_invert(output->transform), width, height);
	wlr_output_set_damage(output, &frame_damage);
	pixman_region32_fini(&frame_damage);
	uint64_t drawn = monotonic_ns();
	bool ok = wlr_output_commit(output);
	info->draw_ns = drawn - start;
	info->commit_ns = monotonic_ns() - drawn;
	return ok;
}

/* ---- hit testing ------------------------------------------------------ */

static struct wlr_scene_node *
node_at(struct wlr_scene_node *node, double lx, double ly, int ox, int oy,
		const pixman_region32_t *allowed, double *nx, double *ny)
{
	if (!node->state.enabled) {
		return NULL;
	}
	ox += node->state.x;
	oy += node->state.y;
	pixman_region32_t clipped;
	const pixman_region32_t *region = allowed;
	struct scene_tag *tag = scene_node_tag(node);
	if (tag && tag->clip) {
		pixman_region32_init(&clipped);
		tag->clip(tag, &clipped);
		region = &clipped;
	}
	struct wlr_scene_node *found = NULL;
	int px = (int)floor(lx), py = (int)floor(ly);
	if (!region || pixman_region32_contains_point(region, px, py, NULL)) {
		struct wlr_scene_node *child;
		wl_list_for_each_reverse(child, &node->state.children, state.link) {
			found = node_at(child, lx, ly, ox, oy, region, nx, ny);
			if (found) {
				break;
			}
		}
		double x = lx - ox, y = ly - oy;
		if (!found && node->type == WLR_SCENE_NODE_SURFACE) {
			struct wlr_surface *surface = wlr_scene_surface_from_node(node)->surface;
			if (wlr_surface_point_accepts_input(surface, x, y)) {
				found = node;
			}
		} else if (!found &&
				(node->type == WLR_SCENE_NODE_RECT ||
						node->type == WLR_SCENE_NODE_BUFFER)) {
			int width, height;
			node_size(node, &width, &height);
			if (x >= 0 && x < width && y >= 0 && y < height) {
				found = node;
			}
		}
		if (!found && tag && tag->solid && region == &clipped) {
			/* Inside a window's box, where its client takes no input:
			 * the window's, not what is under it. */
			found = node;
		}
		if (found == node) {
			*nx = x;
			*ny = y;
		}
	}
	if (region == &clipped) {
		pixman_region32_fini(&clipped);
	}
	return found;
}

struct wlr_scene_node *
scene_node_at(struct wlr_scene *scene, double lx, double ly, double *nx, double *ny)
{
	double x, y;
	struct wlr_scene_node *node = node_at(&scene->node, lx, ly, 0, 0, NULL, &x, &y);
	if (node) {
		*nx = x;
		*ny = y;
	}
	return node;
}

void
scene_damage_box(struct wlr_scene *scene, const struct wlr_box *box)
{
	struct wlr_scene_output *scene_output;
	wl_list_for_each(scene_output, &scene->outputs, link) {
		struct wlr_box local = *box;
		local.x -= scene_output->x;
		local.y -= scene_output->y;
		scale_box(&local, scene_output->output->scale);
		wlr_output_damage_add_box(scene_output->damage, &local);
	}
}
