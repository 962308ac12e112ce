/* SPDX-License-Identifier: MIT */
#ifndef STRATA_SCENE_H
#define STRATA_SCENE_H

#include <pixman.h>
#include <stdbool.h>
#include <wlr/types/wlr_scene.h>

/*
 * Strata draws the wlr_scene itself, because wlroots 0.15's scene cannot
 * clip: a surface is drawn whole wherever it is, so a client could paint
 * outside its window with a subsurface, a popup or a buffer larger than its
 * window geometry.
 *
 * The rule: a node whose data is a scene_tag with a clip function starts a
 * subtree that is drawn, and hit by the pointer, only inside the region the
 * function gives (layout coordinates). That region replaces the one of any
 * clipped ancestor: a popup, inside its window's tree, gets its level's
 * region instead of its window's box. Nodes without such a tag inherit
 * their parent's region; the compositor's own nodes (frames, banner,
 * dialogs) carry none and are never clipped.
 * Every node data Strata sets points to a scene_tag, so the tag also tells
 * which window a node belongs to.
 */

struct strata_view;

struct scene_tag {
	/* The window this subtree belongs to (its frame, content, popups); may be NULL. */
	struct strata_view *view;
	/* Fills region (initialised, empty) with where the subtree may draw and
	 * take input, in layout coordinates; NULL: wherever its parent may. */
	void (*clip)(struct scene_tag *tag, pixman_region32_t *region);
	/* Under the subtree, fill its region with black wherever no opaque
	 * node drawn above it (its own buffers without alpha, or anything
	 * opaque higher up) covers it: what shows through a translucent window
	 * is never another window (a client's word that it is opaque is not
	 * taken). */
	bool backdrop;
	/* For the pointer, the whole region is the subtree's: a point inside it
	 * where no surface takes input hits the tagged node itself, never what
	 * lies under it (another window). */
	bool solid;
};

/* The tag of a node, or NULL when Strata set none. */
struct scene_tag *scene_node_tag(struct wlr_scene_node *node);

/*
 * Renders and commits the scene on one output where it is damaged, with
 * background (RGBA, premultiplied) wherever no opaque node covers. Replaces
 * wlr_scene_output_commit. Returns false if the output could not be
 * rendered or committed. info (may be NULL) tells what the frame cost.
 */
struct scene_frame_info {
	uint64_t damage_px; /* pixels redrawn (0: nothing to draw) */
	uint32_t ops; /* nodes and fills drawn */
	uint64_t draw_ns, commit_ns;
};
bool scene_output_render(struct wlr_scene_output *scene_output, const float background[static 4],
		struct scene_frame_info *info);

/*
 * The topmost node under the layout point that is enabled and inside its
 * clip, and the point in that node's coordinates (surfaces: only where they
 * accept input). NULL when there is none.
 */
struct wlr_scene_node *scene_node_at(struct wlr_scene *scene, double lx, double ly, double *nx,
		double *ny);

/* Marks a layout box as needing a redraw on every output (a clip changed
 * where no node moved). */
void scene_damage_box(struct wlr_scene *scene, const struct wlr_box *box);

#endif
