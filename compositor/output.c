// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <time.h>
#include <wlr/types/wlr_output_damage.h>
#include <wlr/util/log.h>
#include "output.h"
#include "shm.h"
#include "scene.h"

void
output_get_box(struct strata_output *output, struct wlr_box *box)
{
	struct wlr_output_layout_output *lo =
			wlr_output_layout_get(output->server->output_layout, output->wlr_output);
	int width, height;
	wlr_output_effective_resolution(output->wlr_output, &width, &height);
	*box = (struct wlr_box){
		.x = lo ? lo->x : 0,
		.y = lo ? lo->y : 0,
		.width = width,
		.height = height,
	};
}

struct strata_output *
output_at(struct strata_server *server, double lx, double ly)
{
	struct wlr_output *wlr_output = wlr_output_layout_output_at(server->output_layout, lx, ly);
	return wlr_output ? wlr_output->data : NULL;
}

bool
output_usable_box(struct strata_output *output, struct wlr_box *box)
{
	output_get_box(output, box);
	int banner = output->server->config.banner_height;
	box->y += banner;
	box->height -= banner;
	return box->width > 0 && box->height > 0;
}

bool
output_usable_area(struct strata_server *server, struct wlr_box *box)
{
	if (wl_list_empty(&server->outputs)) {
		return false;
	}
	struct strata_output *output = wl_container_of(server->outputs.next, output, link);
	return output_usable_box(output, box);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Calls back the captures in output->answering, one at a time: a callback
 * may cancel others (output_cancel_captures looks there too), and one it
 * asks for goes to output->captures and waits for the next frame.
 */
static void
answer_captures(struct strata_output *output, struct wlr_buffer *buffer)
{
	while (!wl_list_empty(&output->answering)) {
		struct strata_capture *capture =
				wl_container_of(output->answering.next, capture, link);
		wl_list_remove(&capture->link);
		capture->callback(capture->data, output->wlr_output, buffer);
		free(capture);
	}
}

/* Into the slowest frames, kept slowest first. */
static void
record_worst(struct strata_server *server, const struct frame_stat *frame)
{
	size_t at = STRATA_WORST_FRAMES - 1;
	while (at > 0 && server->stat_worst[at - 1].total_ns < frame->total_ns) {
		server->stat_worst[at] = server->stat_worst[at - 1];
		at--;
	}
	server->stat_worst[at] = *frame;
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
handle_frame(struct wl_listener *listener, void *data)
{
	struct strata_output *output = wl_container_of(listener, output, frame);
	struct strata_server *server = output->server;
	struct strata_capture *capture, *tmp;
	wl_list_for_each(capture, &output->captures, link) {
		if (capture->whole) {
			wlr_output_damage_add_whole(output->scene_output->damage);
			break;
		}
	}
	uint64_t before = server->stat_frames;
	uint64_t title_bars = server->stat_title_bars;
	server->stat_capture_ns = 0;
	uint64_t start = now_ns(), cpu_start = cpu_ns();
	/* What windows committed since the last frame, into compositor memory. */
	shm_flush(server->shm);
	uint64_t flushed = now_ns();
	wl_signal_emit(&server->events.before_frame, output);
	uint64_t prepared = now_ns();
	float background[4];
	config_colour_to_floats(server->config.background, background);
	struct scene_frame_info info;
	bool rendered = scene_output_render(output->scene_output, background, &info);
	if (rendered && server->stat_frames == before) {
		/* Nothing was damaged: the frame on screen is the last one. Taken
		 * out first: a capture asked for from a callback waits for the
		 * next frame, which has what was done before it was asked. */
		wl_list_for_each_safe(capture, tmp, &output->captures, link) {
			if (!capture->whole) {
				wl_list_remove(&capture->link);
				wl_list_insert(output->answering.prev, &capture->link);
			}
		}
		answer_captures(output, output->last_frame);
	}
	if (server->stat_frames != before) {
		/* Something was rendered and committed (see handle_commit).
		 * Answering captures is the test-control's or a screen
		 * reader's work, not the frame's: told apart. */
		uint64_t took = now_ns() - start - server->stat_capture_ns;
		server->stat_render_ns_total += took;
		if (took > server->stat_render_ns_max) {
			server->stat_render_ns_max = took;
		}
		const struct frame_stat *last = &server->stat_worst[STRATA_WORST_FRAMES - 1];
		if (took > last->total_ns) {
			record_worst(server,
					&(struct frame_stat){
							.total_ns = took,
							.cpu_ns = cpu_ns() - cpu_start,
							.flush_ns = flushed - start,
							.prepare_ns = prepared - flushed,
							.draw_ns = info.draw_ns,
							.commit_ns = info.commit_ns,
							.capture_ns = server->stat_capture_ns,
							.damage_px = info.damage_px,
							.at_ms = start / 1000000u,
							.ops = info.ops,
							.views = (uint32_t)wl_list_length(
									&server->views),
							.title_bars = (uint32_t)(server->stat_title_bars -
									title_bars),
					});
		}
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	wlr_scene_output_send_frame_done(output->scene_output, &now);
}

static void
handle_commit(struct wl_listener *listener, void *data)
{
	struct strata_output *output = wl_container_of(listener, output, commit);
	struct wlr_output_event_commit *event = data;
	if (!event->buffer) {
		return;
	}
	output->server->stat_frames++;
	if (output->server->keep_frames) {
		wlr_buffer_unlock(output->last_frame);
		output->last_frame = wlr_buffer_lock(event->buffer);
	}
	/* Taken out first: a capture asked for from a callback waits for the
	 * next frame. */
	wl_list_insert_list(output->answering.prev, &output->captures);
	wl_list_init(&output->captures);
	uint64_t start = now_ns();
	answer_captures(output, event->buffer);
	output->server->stat_capture_ns += now_ns() - start;
}

static void
handle_mode(struct wl_listener *listener, void *data)
{
	struct strata_output *output = wl_container_of(listener, output, mode);
	wl_signal_emit(&output->server->events.outputs_changed, output->server);
}

static void
handle_destroy(struct wl_listener *listener, void *data)
{
	struct strata_output *output = wl_container_of(listener, output, destroy);
	struct strata_server *server = output->server;
	/* Every capture is told there is no frame, those asked for meanwhile
	 * too (a requester's next request may be another one). */
	while (!wl_list_empty(&output->captures)) {
		wl_list_insert_list(output->answering.prev, &output->captures);
		wl_list_init(&output->captures);
		answer_captures(output, NULL);
	}
	wlr_buffer_unlock(output->last_frame);
	output->last_frame = NULL;
	wl_list_remove(&output->frame.link);
	wl_list_remove(&output->commit.link);
	wl_list_remove(&output->mode.link);
	wl_list_remove(&output->destroy.link);
	wl_list_remove(&output->link);
	if (output->banner) {
		wlr_scene_node_destroy(output->banner);
	}
	/* Out of the layout before anyone hears of it: the outputs left move
	 * (auto layout), and what is drawn per output (banner, lock) follows. */
	wlr_output_layout_remove(server->output_layout, output->wlr_output);
	output->wlr_output->data = NULL;
	free(output);
	wl_signal_emit(&server->events.outputs_changed, server);
}

void
output_handle_new(struct wl_listener *listener, void *data)
{
	struct strata_server *server = wl_container_of(listener, server, new_output);
	struct wlr_output *wlr_output = data;

	/* The renderer must be set before the scene's first commit. */
	if (!wlr_output_init_render(wlr_output, server->allocator, server->renderer)) {
		wlr_log(WLR_ERROR, "cannot initialise rendering on %s", wlr_output->name);
		return;
	}
	if (!wl_list_empty(&wlr_output->modes)) {
		wlr_output_set_mode(wlr_output, wlr_output_preferred_mode(wlr_output));
	}
	wlr_output_enable(wlr_output, true);
	if (!wlr_output_commit(wlr_output)) {
		wlr_log(WLR_ERROR, "cannot enable output %s", wlr_output->name);
		return;
	}

	struct strata_output *output = calloc(1, sizeof(*output));
	if (!output) {
		return;
	}
	output->server = server;
	output->wlr_output = wlr_output;
	wlr_output->data = output;
	wl_list_init(&output->captures);
	wl_list_init(&output->answering);
	output->frame.notify = handle_frame;
	wl_signal_add(&wlr_output->events.frame, &output->frame);
	output->commit.notify = handle_commit;
	wl_signal_add(&wlr_output->events.commit, &output->commit);
	output->mode.notify = handle_mode;
	wl_signal_add(&wlr_output->events.mode, &output->mode);
	output->destroy.notify = handle_destroy;
	wl_signal_add(&wlr_output->events.destroy, &output->destroy);
	wl_list_insert(server->outputs.prev, &output->link);

	wlr_output_layout_add_auto(server->output_layout, wlr_output);
	output->scene_output = wlr_scene_get_scene_output(server->scene, wlr_output);

	wlr_log(WLR_INFO, "output %s %dx%d", wlr_output->name, wlr_output->width,
			wlr_output->height);
	wl_signal_emit(&server->events.outputs_changed, server);
}

bool
output_request_capture(struct strata_output *output, output_capture_fn callback, void *data,
		bool whole)
{
	struct strata_capture *capture = calloc(1, sizeof(*capture));
	if (!capture) {
		return false;
	}
	capture->callback = callback;
	capture->data = data;
	capture->whole = whole;
	wl_list_insert(output->captures.prev, &capture->link);
	if (whole) {
		wlr_output_damage_add_whole(output->scene_output->damage);
	}
	wlr_output_schedule_frame(output->wlr_output);
	return true;
}

void
output_keep_frames(struct strata_server *server)
{
	server->keep_frames = true;
	struct strata_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		wlr_output_damage_add_whole(output->scene_output->damage);
		wlr_output_schedule_frame(output->wlr_output);
	}
}

void
output_cancel_captures(struct strata_server *server, void *data)
{
	struct strata_output *output;
	wl_list_for_each(output, &server->outputs, link) {
		struct wl_list *lists[] = { &output->captures, &output->answering };
		for (size_t i = 0; i < 2; i++) {
			struct strata_capture *capture, *tmp;
			wl_list_for_each_safe(capture, tmp, lists[i], link) {
				if (capture->data == data) {
					wl_list_remove(&capture->link);
					free(capture);
				}
			}
		}
	}
}
