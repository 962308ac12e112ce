// SPDX-License-Identifier: MIT
// Windows that fit their place, tried with windows that do not: one whose
// minimum width is larger than its column, a dialog (a parent, a fixed
// size) larger than its column, a dialog that fits, a 1x1 helper surface.
// What is judged is what the user sees: a census of the screenshot (no
// pixel of a low window inside the high column's window), the boxes the
// windows are shown at, and the parent's size (a dialog never squeezes it).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actor_client.h"
#include "strata_test.h"

#define EVENT_TIMEOUT_MS 5000
#define LOW_RGB 0x13579bu
#define HIGH_RGB 0x2468acu
#define DIALOG_RGB 0x9b5713u /* the low client's dialogs and helpers */

struct box {
	int x, y, width, height;
};

static struct box
frame_box(const struct window_info *w)
{
	return (struct box){ w->frame_x, w->frame_y, w->frame_width, w->frame_height };
}

static struct box
content_box(const struct window_info *w)
{
	return (struct box){ w->x, w->y, w->width, w->height };
}

static long
census(struct strata_session *s, const uint32_t *pixels, int width, int height, struct box box,
		uint32_t rgb, const char *what)
{
	return session_census(s, pixels, width, height, box.x, box.y, box.width, box.height, rgb,
			what);
}

static bool
overlap(struct box a, struct box b)
{
	return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height &&
			b.y < a.y + a.height;
}

/* The frame lies on the output, under the banner. */
static void
assert_frame_on_output(struct strata_session *s, const struct window_info *w, int width, int height)
{
	session_assert_msg(s,
			w->frame_x >= 0 && w->frame_y >= SESSION_BANNER_HEIGHT &&
					w->frame_x + w->frame_width <= width &&
					w->frame_y + w->frame_height <= height,
			"%s: its frame %d,%d %dx%d leaves the output (%dx%d, banner %d)", w->app_id,
			w->frame_x, w->frame_y, w->frame_width, w->frame_height, width, height,
			SESSION_BANNER_HEIGHT);
}

static void
refresh(struct strata_session *s, struct actor *a)
{
	session_assert(s,
			session_find_window(s, &(struct window_match){ .id = a->window.id },
					&a->window));
}

/*
 * A census of the screen as drawn and of a whole redraw: no pixel of
 * colour rgb (the low client's) inside the high window's frame, nor outside
 * the frame of the low window that drew it; and it did draw.
 */
static void
judge(struct strata_session *s, const struct actor *high, const struct window_info *low,
		uint32_t rgb)
{
	for (int redraw = 0; redraw < 2; redraw++) {
		int width, height;
		uint32_t *pixels = redraw ? session_screenshot(s, &width, &height) :
					    session_screenshot_current(s, &width, &height);
		tap_diag("%s:", redraw ? "a whole redraw" : "the screen as drawn");
		struct box whole = { 0, 0, width, height };
		long in_high = census(s, pixels, width, height, frame_box(&high->window), rgb,
				"the high window's frame");
		long everywhere = census(s, pixels, width, height, whole, rgb, "the screen");
		long own = census(s, pixels, width, height, frame_box(low), rgb, "its own frame");
		long high_seen = census(s, pixels, width, height, content_box(&high->window),
				HIGH_RGB, "the high window's content");
		session_assert_msg(s, own > 1000, "%s drew only %ld pixels: nothing was tried",
				low->app_id, own);
		session_assert_msg(s, in_high == 0,
				"%ld pixels of %s inside the high window's frame", in_high,
				low->app_id);
		session_assert_msg(s, everywhere == own, "%ld pixels of %s outside its own frame",
				everywhere - own, low->app_id);
		session_assert_msg(s, high_seen > 1000,
				"the high window is not visible (%ld pixels)", high_seen);
		assert_frame_on_output(s, low, width, height);
		free(pixels);
	}
	session_assert_msg(s, !overlap(frame_box(low), frame_box(&high->window)),
			"the frame of %s overlaps the high window's", low->app_id);
}

/*
 * A low window whose minimum width (1500) is larger than its column (half
 * of 1920 less the gaps): it draws at 1500 whatever it is told. It is shown
 * cropped to its cell, never over the high column.
 */
static void
window_wider_than_its_column_is_cropped_to_it(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor high, low;
	actor_start(s, &high, "high", "layout-high", HIGH_RGB, 0, NULL);
	actor_start(s, &low, "low", "layout-wide", LOW_RGB, 0,
			(const char *const[]){ "min-size:1500,500", NULL });
	actor_barrier(s, &low);
	actor_barrier(s, &high);
	refresh(s, &low);
	refresh(s, &high);
	tap_diag("low window shown at %dx%d (frame %d,%d %dx%d)", low.window.width,
			low.window.height, low.window.frame_x, low.window.frame_y,
			low.window.frame_width, low.window.frame_height);
	session_assert_msg(s, low.window.width < 1500,
			"the column is %d wide: the window fits, the test proves nothing",
			low.window.width);
	judge(s, &high, &low.window, LOW_RGB);
	session_stop(s);
}

/* Starts the low parent with a dialog trick; returns once the dialog is
 * mapped and listed (into dialog). */
static void
start_parent_with_dialog(struct strata_session *s, struct actor *parent, const char *trick,
		struct window_info *dialog)
{
	actor_start(s, parent, "low", "layout-parent", LOW_RGB, DIALOG_RGB,
			(const char *const[]){ trick, NULL });
	actor_wait_count(s, parent, "dialog mapped", 1);
	actor_barrier(s, parent);
	session_assert_msg(s,
			session_wait_window(s,
					&(struct window_match){ .app_id = "layout-parent-dialog" },
					dialog, EVENT_TIMEOUT_MS),
			"the dialog was never listed");
}

/* The parent kept the size it had alone in its column. */
static void
assert_parent_not_squeezed(struct strata_session *s, struct actor *parent)
{
	int w, h;
	actor_first_configure(s, parent, &w, &h);
	refresh(s, parent);
	tap_diag("parent: alone %dx%d, now %dx%d", w, h, parent->window.width,
			parent->window.height);
	session_assert_msg(s, parent->window.width == w && parent->window.height == h,
			"the parent was %dx%d alone, %dx%d with its dialog", w, h,
			parent->window.width, parent->window.height);
}

/*
 * A dialog (a parent, a fixed size of 300x200) floats at its own size,
 * centred over its parent, above it, framed in the level's colour; the
 * parent keeps its size; it stays above its parent when the parent is
 * clicked.
 */
static void
dialog_floats_centred_over_its_parent(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor high, parent;
	struct window_info dialog;
	actor_start(s, &high, "high", "layout-high", HIGH_RGB, 0, NULL);
	start_parent_with_dialog(s, &parent, "dialog:300,200,1", &dialog);
	actor_barrier(s, &high);
	refresh(s, &high);
	assert_parent_not_squeezed(s, &parent);
	tap_diag("dialog at %d,%d %dx%d; parent frame %d,%d %dx%d", dialog.x, dialog.y,
			dialog.width, dialog.height, parent.window.frame_x, parent.window.frame_y,
			parent.window.frame_width, parent.window.frame_height);
	session_assert_msg(s, dialog.width == 300 && dialog.height == 200,
			"the dialog is shown at %dx%d, not its own 300x200", dialog.width,
			dialog.height);
	int dx = (dialog.frame_x + dialog.frame_width / 2) -
			(parent.window.frame_x + parent.window.frame_width / 2);
	int dy = (dialog.frame_y + dialog.frame_height / 2) -
			(parent.window.frame_y + parent.window.frame_height / 2);
	session_assert_msg(s, abs(dx) <= 1 && abs(dy) <= 1,
			"the dialog's centre is %d,%d off its parent's", dx, dy);
	session_keep_screenshot(s, "dialog.png");

	for (int round = 0; round < 2; round++) {
		int width, height;
		uint32_t *pixels = session_screenshot_current(s, &width, &height);
		long shown = census(s, pixels, width, height, content_box(&dialog), DIALOG_RGB,
				"the dialog's content");
		session_assert_msg(s, shown == 300L * 200L,
				"%s: %ld of the dialog's 60000 pixels are shown",
				round ? "after a click on its parent" : "once mapped", shown);
		/* Its border is the level's, as its parent's: the middle of
		 * the left side of each frame. */
		uint32_t border =
				pixels[(size_t)(dialog.frame_y + dialog.frame_height / 2) * width +
						(size_t)dialog.frame_x];
		uint32_t parent_border = pixels[(size_t)(parent.window.frame_y +
								parent.window.frame_height / 2) *
						width +
				(size_t)parent.window.frame_x];
		session_assert_msg(s, border == parent_border && border != DIALOG_RGB,
				"the dialog's border is %06x, its parent's %06x", border,
				parent_border);
		free(pixels);
		if (round == 0) {
			/* A click on the parent, where the dialog is not. */
			int x = parent.window.x + 5, y = parent.window.y + 5;
			free(session_ctl_ok(s, "click %d %d", x, y));
			actor_barrier(s, &parent);
		}
	}
	judge(s, &high, &dialog, DIALOG_RGB);
	session_stop(s);
}

/*
 * A fixed-size dialog far larger than its column (1500x1200): shown
 * cropped inside its level's column, never over the high window, its frame
 * on the output; the parent keeps its size.
 */
static void
dialog_larger_than_its_column_is_cropped_to_it(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor high, parent;
	struct window_info dialog;
	actor_start(s, &high, "high", "layout-high", HIGH_RGB, 0, NULL);
	start_parent_with_dialog(s, &parent, "dialog:1500,1200,1", &dialog);
	actor_barrier(s, &high);
	refresh(s, &high);
	assert_parent_not_squeezed(s, &parent);
	tap_diag("dialog shown at %d,%d %dx%d", dialog.x, dialog.y, dialog.width, dialog.height);
	session_assert_msg(s, dialog.width < 1500 && dialog.height < 1200,
			"the dialog is shown at %dx%d: not cropped", dialog.width, dialog.height);
	judge(s, &high, &dialog, DIALOG_RGB);
	session_stop(s);
}

/*
 * A 1x1 helper toplevel (no parent) does not re-tile its level's column:
 * the window there keeps its size.
 */
static void
helper_surface_does_not_retile(void)
{
	struct strata_session *s = session_start(NULL);
	struct actor low;
	actor_start(s, &low, "low", "layout-parent", LOW_RGB, DIALOG_RGB,
			(const char *const[]){ "helper", NULL });
	actor_wait_count(s, &low, "helper mapped", 1);
	actor_barrier(s, &low);
	struct window_info helper;
	session_assert_msg(s,
			session_wait_window(s,
					&(struct window_match){ .app_id = "layout-parent-helper" },
					&helper, EVENT_TIMEOUT_MS),
			"the helper was never listed");
	tap_diag("helper shown at %d,%d %dx%d", helper.x, helper.y, helper.width, helper.height);
	session_assert_msg(s, helper.width == 1 && helper.height == 1,
			"the helper is shown at %dx%d", helper.width, helper.height);
	assert_parent_not_squeezed(s, &low);
	session_stop(s);
}

TAP_TESTS(TAP_CASE(window_wider_than_its_column_is_cropped_to_it),
		TAP_CASE(dialog_floats_centred_over_its_parent),
		TAP_CASE(dialog_larger_than_its_column_is_cropped_to_it),
		TAP_CASE(helper_surface_does_not_retile))
