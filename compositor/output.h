/* SPDX-License-Identifier: MIT */
#ifndef STRATA_OUTPUT_H
#define STRATA_OUTPUT_H

#include <wayland-server-core.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_scene.h>
#include "server.h"

/* Called with the frame just committed (NULL when the output went away). */
typedef void (*output_capture_fn)(void *data, struct wlr_output *output, struct wlr_buffer *buffer);

struct strata_capture {
	struct wl_list link; /* strata_output.captures */
	output_capture_fn callback;
	void *data;
	bool whole; /* redraw the whole output for it; else as damage has it */
};

struct strata_output {
	struct wl_list link; /* strata_server.outputs */
	struct strata_server *server;
	struct wlr_output *wlr_output;
	struct wlr_scene_output *scene_output;
	struct wlr_scene_node *banner; /* may be NULL; banner.c draws it */
	struct wl_list captures; /* strata_capture.link */
	struct wl_list answering; /* strata_capture.link: being called back */
	/* The frame committed last, as it is (locked; NULL unless the server
	 * keeps frames: the test-control's captures without a redraw). */
	struct wlr_buffer *last_frame;

	struct wl_listener frame;
	struct wl_listener commit;
	struct wl_listener mode;
	struct wl_listener destroy;
};

void output_handle_new(struct wl_listener *listener, void *data);
/* The box in layout coordinates where windows may be: the first output
 * minus the banner. */
bool output_usable_area(struct strata_server *server, struct wlr_box *box);
/* The same for one output: its box less the banner; false if nothing is left. */
bool output_usable_box(struct strata_output *output, struct wlr_box *box);
/* The output box in layout coordinates. */
void output_get_box(struct strata_output *output, struct wlr_box *box);
struct strata_output *output_at(struct strata_server *server, double lx, double ly);
/*
 * Ask for the output's next frame; callback runs with it once committed.
 * whole: the frame is redrawn whole. Otherwise it is drawn as damage
 * tracking has it, the way every frame on screen is: what was committed
 * before the request is in it, and when nothing changed since the last
 * frame, that last frame is the answer (the server must keep frames:
 * output_keep_frames).
 */
bool output_request_capture(struct strata_output *output, output_capture_fn callback, void *data,
		bool whole);
/* From now on each output keeps its last frame (held: one more buffer in
 * its swapchain), which is drawn whole next. */
void output_keep_frames(struct strata_server *server);
/* Drop every pending capture whose data is data (its requester went away). */
void output_cancel_captures(struct strata_server *server, void *data);

#endif
