// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spa/param/audio/format-utils.h>
#include <spa/pod/builder.h>
#include <spa/utils/json.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>
#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>

#include "fifo.h"
#include "graph.h"
#include "mux.h"

PW_LOG_TOPIC(mux_log_topic, "strata.audio-mux");
#define PW_LOG_TOPIC_DEFAULT mux_log_topic

/* The most frames one cycle may ask for (PipeWire's default quantum limit). */
#define MUX_MAX_FRAMES 8192
/* Peak above which a level counts as playing: -60 dBFS. */
#define MUX_SILENCE_PEAK 33
/* How long a level's stream may go without a cycle before the data thread
 * empties its FIFO itself (the device is gone or suspended). */
#define MUX_STALL_NS (250 * SPA_NSEC_PER_MSEC)
#define MUX_DRAIN_PERIOD_NS (100 * SPA_NSEC_PER_MSEC)
/* A cage can grow its pipe to /proc/sys/fs/pipe-max-size: bound each drain. */
#define MUX_DRAIN_MAX (1u << 20)

struct mux_level {
	struct mux *mux;
	int index;
	char name[STRATA_LEVEL_NAME_MAX + 1];
	int playback_fd, mic_fd;
	struct pw_stream *stream;
	struct spa_hook stream_listener;

	/* data thread only */
	struct pcm_ring ring;
	struct fifo_backlog mic_backlog;
	float gain, target_gain;
	uint64_t last_cycle_ns;
	int16_t *scratch; /* MUX_MAX_FRAMES frames */

	/* written by the data thread, read by the main thread */
	_Atomic uint64_t last_sound_ns;
};

struct mux {
	struct pw_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;
	struct graph graph;
	struct pw_loop *data_loop;
	struct spa_source *drain_timer; /* data loop */

	const struct mux_events *events;
	void *events_data;
	uint32_t quantum;
	size_t pipe_size;
	int ready_seq;
	bool ready;

	struct mux_level levels[STRATA_MAX_LEVELS];
	int level_count;

	struct pw_stream *mic_stream;
	struct spa_hook mic_listener;
	int mic_holder; /* main thread's view */
	int16_t *mic_scratch; /* data thread */
	int mic_target; /* data thread only */

	struct pw_proxy *metadata; /* the "default" metadata, may be NULL */
	struct spa_hook metadata_listener;
	uint32_t metadata_id;
	char default_sink[128], default_source[128];
};

void
mux_log_init(enum spa_log_level level)
{
	PW_LOG_TOPIC_INIT(mux_log_topic);
	if (!mux_log_topic->has_custom_level) {
		mux_log_topic->has_custom_level = true;
		mux_log_topic->level = level;
	}
	if (level >= SPA_LOG_LEVEL_DEBUG) {
		pw_log_set_level(level);
	}
}

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return SPA_TIMESPEC_TO_NSEC(&ts);
}

/* ---- data thread ------------------------------------------------------- */

static void
level_process(void *data)
{
	struct mux_level *level = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(level->stream);
	if (!b) {
		return;
	}
	struct spa_data *d = &b->buffer->datas[0];
	const uint32_t stride = sizeof(float) * PCM_CHANNELS;
	if (!d->data || d->maxsize < stride) {
		pw_stream_queue_buffer(level->stream, b);
		return;
	}
	uint32_t frames = d->maxsize / stride;
	if (b->requested > 0 && b->requested < frames) {
		frames = (uint32_t)b->requested;
	}
	if (frames > MUX_MAX_FRAMES) {
		frames = MUX_MAX_FRAMES;
	}

	uint64_t now = now_ns();
	level->last_cycle_ns = now;
	/* Take what the level wrote, up to one ring's worth per cycle: a cage
	 * flooding its FIFO costs us a bounded amount of work. */
	fifo_read_to_ring(level->playback_fd, &level->ring,
			(size_t)level->ring.capacity * PCM_FRAME_BYTES);
	uint64_t gaps = level->ring.underruns, fixed = level->ring.dropped + level->ring.inserted;
	uint32_t real = pcm_ring_pull(&level->ring, level->scratch, frames);
	if (SPA_UNLIKELY(level->ring.underruns != gaps ||
			    level->ring.dropped + level->ring.inserted != fixed)) {
		/* not real-time safe, hence debug only */
		pw_log_debug("%s: %u frames asked, %u there, headroom %u; dropped %" PRIu64
			     ", inserted %" PRIu64 ", late %" PRIu64,
				level->name, frames, real, level->ring.target_residual,
				level->ring.dropped, level->ring.inserted, level->ring.underruns);
	}

	float *out = d->data;
	float gain = level->gain, step = (level->target_gain - gain) / (float)frames;
	int peak = 0;
	for (uint32_t i = 0; i < frames; i++) {
		gain += step;
		for (int c = 0; c < PCM_CHANNELS; c++) {
			int16_t s = level->scratch[(size_t)i * PCM_CHANNELS + c];
			int a = s < 0 ? -(int)s : s;
			if (a > peak) {
				peak = a;
			}
			out[(size_t)i * PCM_CHANNELS + c] = (float)s / 32768.0f * gain;
		}
	}
	level->gain = level->target_gain;
	if (real > 0 && peak > MUX_SILENCE_PEAK) {
		atomic_store_explicit(&level->last_sound_ns, now, memory_order_relaxed);
	}

	d->chunk->offset = 0;
	d->chunk->stride = (int32_t)stride;
	d->chunk->size = frames * stride;
	pw_stream_queue_buffer(level->stream, b);
}

static void
mic_process(void *data)
{
	struct mux *mux = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(mux->mic_stream);
	if (!b) {
		return;
	}
	struct spa_data *d = &b->buffer->datas[0];
	const uint32_t stride = sizeof(float) * PCM_CHANNELS;
	int target = mux->mic_target;
	if (target == AUDIO_NO_LEVEL || !d->data || !d->chunk) {
		pw_stream_queue_buffer(mux->mic_stream, b);
		return;
	}
	uint32_t offset = SPA_MIN(d->chunk->offset, d->maxsize);
	uint32_t size = SPA_MIN(d->chunk->size, d->maxsize - offset);
	uint32_t frames = SPA_MIN(size / stride, (uint32_t)MUX_MAX_FRAMES);
	const float *in = SPA_PTROFF(d->data, offset, const float);
	for (uint32_t i = 0; i < frames * PCM_CHANNELS; i++) {
		float v = in[i];
		if (!(v == v)) {
			v = 0.0f; /* NaN */
		} else if (v > 1.0f) {
			v = 1.0f;
		} else if (v < -1.0f) {
			v = -1.0f;
		}
		mux->mic_scratch[i] = (int16_t)lrintf(v * 32767.0f);
	}
	/* At most two quanta may wait for the level (jitter), never more: the
	 * oldest audio goes first. */
	size_t max_backlog = SPA_MIN((size_t)frames * PCM_FRAME_BYTES * 3, mux->pipe_size);
	fifo_write_frames(mux->levels[target].mic_fd, mux->mic_scratch, frames, max_backlog,
			&mux->levels[target].mic_backlog);
	pw_stream_queue_buffer(mux->mic_stream, b);
}

static void
drain_timer_fired(void *data, uint64_t expirations)
{
	struct mux *mux = data;
	uint64_t now = now_ns();
	for (int i = 0; i < mux->level_count; i++) {
		struct mux_level *level = &mux->levels[i];
		if (now - level->last_cycle_ns > MUX_STALL_NS) {
			/* never leave a FIFO unread: stale audio would come out late */
			fifo_drain(level->playback_fd, MUX_DRAIN_MAX);
			pcm_ring_clear(&level->ring);
		}
	}
}

struct policy_message {
	float gain[STRATA_MAX_LEVELS];
	int mic_target;
};

static int
do_apply_policy(struct spa_loop *loop, bool async, uint32_t seq, const void *data, size_t size,
		void *user_data)
{
	struct mux *mux = user_data;
	const struct policy_message *msg = data;
	for (int i = 0; i < mux->level_count; i++) {
		mux->levels[i].target_gain = msg->gain[i];
	}
	int old = mux->mic_target;
	if (old == msg->mic_target) {
		return 0;
	}
	mux->mic_target = msg->mic_target;
	/* What sits in the old holder's pipe was meant for it while it held
	 * the microphone; it must not read it afterwards. The new holder's
	 * pipe can only hold what the cage wrote itself: drop that too. */
	if (old != AUDIO_NO_LEVEL) {
		size_t n = fifo_drain(mux->levels[old].mic_fd, MUX_DRAIN_MAX);
		pw_log_debug("flushed %zu bytes from %s's microphone FIFO", n,
				mux->levels[old].name);
	}
	if (msg->mic_target != AUDIO_NO_LEVEL) {
		struct mux_level *level = &mux->levels[msg->mic_target];
		fifo_drain(level->mic_fd, MUX_DRAIN_MAX);
		fifo_backlog_init(&level->mic_backlog, level->mic_backlog.window);
	}
	return 0;
}

static int
do_add_drain_timer(struct spa_loop *loop, bool async, uint32_t seq, const void *data, size_t size,
		void *user_data)
{
	struct mux *mux = user_data;
	uint64_t now = now_ns();
	for (int i = 0; i < mux->level_count; i++) {
		mux->levels[i].last_cycle_ns = now;
	}
	mux->drain_timer = pw_loop_add_timer(mux->data_loop, drain_timer_fired, mux);
	if (!mux->drain_timer) {
		return -errno;
	}
	struct timespec period = {
		.tv_sec = 0,
		.tv_nsec = MUX_DRAIN_PERIOD_NS,
	};
	pw_loop_update_timer(mux->data_loop, mux->drain_timer, &period, &period, false);
	return 0;
}

static int
do_remove_drain_timer(struct spa_loop *loop, bool async, uint32_t seq, const void *data,
		size_t size, void *user_data)
{
	struct mux *mux = user_data;
	if (mux->drain_timer) {
		pw_loop_destroy_source(mux->data_loop, mux->drain_timer);
		mux->drain_timer = NULL;
	}
	return 0;
}

/* ---- graph: the device, the links we want -------------------------------- */

static bool
is_our_node(struct mux *mux, uint32_t id)
{
	if (mux->mic_stream && pw_stream_get_node_id(mux->mic_stream) == id) {
		return true;
	}
	for (int i = 0; i < mux->level_count; i++) {
		if (mux->levels[i].stream && pw_stream_get_node_id(mux->levels[i].stream) == id) {
			return true;
		}
	}
	return false;
}

/* The node named by the default metadata, else the first node of a class. */
static struct graph_node *
pick_device(struct mux *mux, const char *default_name, const char *const *classes)
{
	struct graph_node *n, *first = NULL;
	spa_list_for_each(n, &mux->graph.nodes, link) {
		if (is_our_node(mux, n->id)) {
			continue;
		}
		bool match = false;
		for (const char *const *c = classes; *c; c++) {
			match = match || strcmp(n->media_class, *c) == 0;
		}
		if (!match) {
			continue;
		}
		if (default_name[0] && strcmp(n->name, default_name) == 0) {
			return n;
		}
		if (!first || n->id < first->id) {
			first = n;
		}
	}
	return first;
}

static void
mux_update_links(void *data)
{
	static const char *const sink_classes[] = { "Audio/Sink", NULL };
	static const char *const source_classes[] = { "Audio/Source", "Audio/Source/Virtual",
		NULL };
	struct mux *mux = data;
	struct graph *graph = &mux->graph;

	graph_links_begin(graph);
	struct graph_node *sink = pick_device(mux, mux->default_sink, sink_classes);
	struct graph_node *source = pick_device(mux, mux->default_source, source_classes);
	for (int i = 0; sink && i < mux->level_count; i++) {
		uint32_t id = pw_stream_get_node_id(mux->levels[i].stream);
		if (id != SPA_ID_INVALID) {
			graph_want_channel_links(graph, id, false, sink->id);
		}
	}
	uint32_t mic_id = mux->mic_stream ? pw_stream_get_node_id(mux->mic_stream) : SPA_ID_INVALID;
	if (source && mic_id != SPA_ID_INVALID) {
		/* a real source has capture ports; a virtual one (a null sink
		 * used as a source) only monitor ports */
		bool monitor = !graph_node_has_ports(graph, source->id, true, false);
		graph_want_channel_links(graph, source->id, monitor, mic_id);
	}
	graph_links_end(graph);
}

/* ---- the default metadata ---------------------------------------------------- */

static bool
json_name(const char *value, char *out, size_t size)
{
	struct spa_json it[2];
	char key[64];
	spa_json_init(&it[0], value, strlen(value));
	if (spa_json_enter_object(&it[0], &it[1]) <= 0) {
		return false;
	}
	while (spa_json_get_string(&it[1], key, sizeof(key)) > 0) {
		if (strcmp(key, "name") == 0) {
			return spa_json_get_string(&it[1], out, (int)size) > 0;
		}
		const char *v;
		if (spa_json_next(&it[1], &v) <= 0) {
			break;
		}
	}
	return false;
}

static void
set_default(char *target, size_t size, const char *value)
{
	if (!value || !json_name(value, target, size)) {
		target[0] = '\0';
	}
}

static int
metadata_property(void *data, uint32_t subject, const char *key, const char *type,
		const char *value)
{
	struct mux *mux = data;
	if (subject != PW_ID_CORE) {
		return 0;
	}
	bool all = key == NULL; /* everything cleared */
	if (all || strcmp(key, "default.audio.sink") == 0) {
		set_default(mux->default_sink, sizeof(mux->default_sink), all ? NULL : value);
	} else if (strcmp(key, "default.audio.source") == 0) {
		set_default(mux->default_source, sizeof(mux->default_source), value);
	} else {
		return 0;
	}
	if (all) {
		mux->default_source[0] = '\0';
	}
	pw_log_info("default sink '%s', default source '%s'", mux->default_sink,
			mux->default_source);
	graph_schedule_update(&mux->graph);
	return 0;
}

static const struct pw_metadata_events metadata_events = {
	PW_VERSION_METADATA_EVENTS,
	.property = metadata_property,
};

static void
graph_global(void *data, uint32_t id, const char *type, const struct spa_dict *props)
{
	struct mux *mux = data;
	if (strcmp(type, PW_TYPE_INTERFACE_Metadata) != 0 || mux->metadata) {
		return;
	}
	const char *name = spa_dict_lookup(props, PW_KEY_METADATA_NAME);
	if (!name || strcmp(name, "default") != 0) {
		return;
	}
	mux->metadata = pw_registry_bind(mux->graph.registry, id, PW_TYPE_INTERFACE_Metadata,
			PW_VERSION_METADATA, 0);
	if (mux->metadata) {
		mux->metadata_id = id;
		pw_metadata_add_listener((struct pw_metadata *)mux->metadata,
				&mux->metadata_listener, &metadata_events, mux);
	}
}

static void
graph_global_remove(void *data, uint32_t id)
{
	struct mux *mux = data;
	if (mux->metadata && id == mux->metadata_id) {
		spa_hook_remove(&mux->metadata_listener);
		pw_proxy_destroy(mux->metadata);
		mux->metadata = NULL;
		mux->default_sink[0] = mux->default_source[0] = '\0';
	}
}

static const struct graph_events mux_graph_events = {
	GRAPH_VERSION_EVENTS,
	.changed = mux_update_links,
	.global = graph_global,
	.global_remove = graph_global_remove,
};

/* ---- core connection ---------------------------------------------------- */

static void
core_done(void *data, uint32_t id, int seq)
{
	struct mux *mux = data;
	if (id != PW_ID_CORE || mux->ready || seq != mux->ready_seq) {
		return;
	}
	mux_update_links(mux);
	mux->ready = true;
	pw_log_info("ready: %d level(s)", mux->level_count);
	if (mux->events->ready) {
		mux->events->ready(mux->events_data);
	}
}

static void
core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct mux *mux = data;
	if (id == PW_ID_CORE) {
		pw_log_error("core PipeWire: %s (%s)", message, spa_strerror(res));
		if (res == -EPIPE && mux->events->error) {
			mux->events->error(mux->events_data, res, message);
		}
	} else {
		pw_log_debug("object %u: %s (%s)", id, message, spa_strerror(res));
	}
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = core_done,
	.error = core_error,
};

static void
stream_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
		const char *error)
{
	struct mux *mux = data;
	if (state == PW_STREAM_STATE_ERROR) {
		pw_log_error("stream error: %s", error ? error : "?");
	}
	graph_schedule_update(&mux->graph);
}

static void
level_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
		const char *error)
{
	struct mux_level *level = data;
	pw_log_debug("%s: stream %s -> %s", level->name, pw_stream_state_as_string(old),
			pw_stream_state_as_string(state));
	stream_state_changed(level->mux, old, state, error);
}

static const struct pw_stream_events level_stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = level_state_changed,
	.process = level_process,
};

static const struct pw_stream_events mic_stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = stream_state_changed,
	.process = mic_process,
};

static struct pw_stream *
create_stream(struct mux *mux, const char *node_name, const char *description,
		const char *media_name, bool playback)
{
	char latency[32];
	snprintf(latency, sizeof(latency), "%u/%u", mux->quantum, PCM_RATE);
	struct pw_properties *props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
			PW_KEY_MEDIA_CATEGORY, playback ? "Playback" : "Capture", PW_KEY_MEDIA_NAME,
			media_name, PW_KEY_NODE_NAME, node_name, PW_KEY_NODE_DESCRIPTION,
			description, PW_KEY_NODE_LATENCY, latency,
			/* ports without a session manager; we link them ourselves */
			"adapter.auto-port-config",
			"{ mode = dsp monitor = false position = preserve }", NULL);
	if (!props) {
		return NULL;
	}
	return pw_stream_new(mux->core, node_name, props);
}

static int
connect_stream(struct pw_stream *stream, enum spa_direction direction)
{
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_F32,
		.rate = PCM_RATE,
		.channels = PCM_CHANNELS,
		.position = { SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR },
	};
	const struct spa_pod *params[1];
	params[0] = spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info);
	return pw_stream_connect(stream, direction, PW_ID_ANY,
			PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_RT_PROCESS, params, 1);
}

static int
level_open_fifos(struct mux *mux, struct mux_level *level, const struct mux_level_config *config)
{
	level->playback_fd = fifo_open(config->playback_fifo, (int)mux->pipe_size);
	if (level->playback_fd < 0) {
		pw_log_error("%s: playback FIFO %s: %s", config->name, config->playback_fifo,
				spa_strerror(level->playback_fd));
		return level->playback_fd;
	}
	level->mic_fd = fifo_open(config->mic_fifo, (int)mux->pipe_size);
	if (level->mic_fd < 0) {
		pw_log_error("%s: microphone FIFO %s: %s", config->name, config->mic_fifo,
				spa_strerror(level->mic_fd));
		return level->mic_fd;
	}
	/* Whatever is in there was not written by us in this life. */
	fifo_drain(level->mic_fd, MUX_DRAIN_MAX);
	fifo_drain(level->playback_fd, MUX_DRAIN_MAX);
	return 0;
}

static int
level_init(struct mux *mux, struct mux_level *level)
{
	/* half a second of writes per backlog window */
	fifo_backlog_init(&level->mic_backlog, SPA_MAX(PCM_RATE / 2 / mux->quantum, 8u));
	int res = pcm_ring_init(&level->ring, pcm_ring_capacity_for(mux->quantum), mux->quantum);
	if (res < 0) {
		return res;
	}
	level->scratch = calloc(MUX_MAX_FRAMES, PCM_FRAME_BYTES);
	if (!level->scratch) {
		return -ENOMEM;
	}

	char node_name[64], description[80];
	snprintf(node_name, sizeof(node_name), "strata.%s", level->name);
	snprintf(description, sizeof(description), "Strata level %s", level->name);
	level->stream = create_stream(mux, node_name, description, level->name, true);
	if (!level->stream) {
		return -errno;
	}
	pw_stream_add_listener(level->stream, &level->stream_listener, &level_stream_events, level);
	return connect_stream(level->stream, SPA_DIRECTION_OUTPUT);
}

struct mux *
mux_create(struct pw_loop *loop, const struct mux_config *config, const struct mux_events *events,
		void *data)
{
	int res;
	struct mux *mux = calloc(1, sizeof(*mux));
	if (!mux) {
		return NULL;
	}
	mux->loop = loop;
	mux->events = events;
	mux->events_data = data;
	mux->quantum = config->quantum;
	/* Two quanta of S16 stereo, at least a page: 8 KiB at 1024 frames,
	 * 4 KiB at 256. */
	mux->pipe_size = 4096;
	while (mux->pipe_size < (size_t)config->quantum * PCM_FRAME_BYTES * 2 &&
			mux->pipe_size < (1u << 20)) {
		mux->pipe_size *= 2;
	}
	mux->mic_holder = AUDIO_NO_LEVEL;
	mux->mic_target = AUDIO_NO_LEVEL;
	mux->level_count = config->level_count;
	for (int i = 0; i < mux->level_count; i++) {
		struct mux_level *level = &mux->levels[i];
		level->mux = mux;
		level->index = i;
		level->playback_fd = level->mic_fd = -1;
		level->gain = level->target_gain = 1.0f;
		snprintf(level->name, sizeof(level->name), "%s", config->levels[i].name);
	}

	for (int i = 0; i < mux->level_count; i++) {
		if ((res = level_open_fifos(mux, &mux->levels[i], &config->levels[i])) < 0) {
			goto error;
		}
	}

	mux->context = pw_context_new(loop,
			pw_properties_new(PW_KEY_CONFIG_NAME, "client.conf", NULL), 0);
	if (!mux->context) {
		res = -errno;
		pw_log_error("cannot create a PipeWire context: %s", spa_strerror(res));
		goto error;
	}
	mux->data_loop = pw_data_loop_get_loop(pw_context_get_data_loop(mux->context));

	mux->core = pw_context_connect(mux->context,
			pw_properties_new(PW_KEY_REMOTE_NAME, config->core_remote, PW_KEY_APP_NAME,
					"strata-audio-mux", NULL),
			0);
	if (!mux->core) {
		res = -errno;
		pw_log_error("cannot connect to the core PipeWire at %s: %s", config->core_remote,
				spa_strerror(res));
		goto error;
	}
	pw_core_add_listener(mux->core, &mux->core_listener, &core_events, mux);
	if ((res = graph_init(&mux->graph, loop, mux->core, &mux_graph_events, mux)) < 0) {
		goto error;
	}

	for (int i = 0; i < mux->level_count; i++) {
		if ((res = level_init(mux, &mux->levels[i])) < 0) {
			goto error;
		}
	}
	mux->mic_scratch = calloc(MUX_MAX_FRAMES, PCM_FRAME_BYTES);
	mux->mic_stream = create_stream(mux, "strata.microphone", "Strata microphone", "microphone",
			false);
	if (!mux->mic_scratch || !mux->mic_stream) {
		res = -ENOMEM;
		goto error;
	}
	pw_stream_add_listener(mux->mic_stream, &mux->mic_listener, &mic_stream_events, mux);
	if ((res = connect_stream(mux->mic_stream, SPA_DIRECTION_INPUT)) < 0) {
		goto error;
	}
	/* the device microphone stays closed until a level may hear it */
	pw_stream_set_active(mux->mic_stream, false);

	res = pw_loop_invoke(mux->data_loop, do_add_drain_timer, 0, NULL, 0, true, mux);
	if (res < 0) {
		goto error;
	}
	mux->ready_seq = pw_core_sync(mux->core, PW_ID_CORE, 0);
	return mux;

error:
	mux_destroy(mux);
	errno = -res;
	return NULL;
}

void
mux_destroy(struct mux *mux)
{
	if (!mux) {
		return;
	}
	if (mux->data_loop) {
		struct policy_message off = { .mic_target = AUDIO_NO_LEVEL };
		for (int i = 0; i < STRATA_MAX_LEVELS; i++) {
			off.gain[i] = 0.0f;
		}
		pw_loop_invoke(mux->data_loop, do_apply_policy, 0, &off, sizeof(off), true, mux);
		pw_loop_invoke(mux->data_loop, do_remove_drain_timer, 0, NULL, 0, true, mux);
	}
	if (mux->mic_stream) {
		spa_hook_remove(&mux->mic_listener);
		pw_stream_destroy(mux->mic_stream);
	}
	for (int i = 0; i < mux->level_count; i++) {
		struct mux_level *level = &mux->levels[i];
		if (level->stream) {
			spa_hook_remove(&level->stream_listener);
			pw_stream_destroy(level->stream);
		}
	}
	/* the streams are gone: nothing writes to the microphone FIFOs any
	 * more; leave nothing behind in them */
	for (int i = 0; i < mux->level_count; i++) {
		struct mux_level *level = &mux->levels[i];
		if (level->mic_fd >= 0) {
			fifo_drain(level->mic_fd, MUX_DRAIN_MAX);
			close(level->mic_fd);
		}
		if (level->playback_fd >= 0) {
			close(level->playback_fd);
		}
		pcm_ring_finish(&level->ring);
		free(level->scratch);
	}
	if (mux->metadata) {
		spa_hook_remove(&mux->metadata_listener);
		pw_proxy_destroy(mux->metadata);
	}
	graph_finish(&mux->graph);
	if (mux->core) {
		spa_hook_remove(&mux->core_listener);
		pw_core_disconnect(mux->core);
	}
	if (mux->context) {
		pw_context_destroy(mux->context);
	}
	free(mux->mic_scratch);
	free(mux);
}

int
mux_apply_policy(struct mux *mux, const struct audio_policy_result *result)
{
	struct policy_message msg = { .mic_target = result->mic_target };
	if (msg.mic_target < AUDIO_NO_LEVEL || msg.mic_target >= mux->level_count) {
		msg.mic_target = AUDIO_NO_LEVEL;
	}
	for (int i = 0; i < STRATA_MAX_LEVELS; i++) {
		float g = result->gain[i];
		msg.gain[i] = g == g && g >= 0.0f ? SPA_MIN(g, 1.0f) : 0.0f;
	}
	bool open_mic = msg.mic_target != AUDIO_NO_LEVEL;
	if (open_mic && mux->mic_holder == AUDIO_NO_LEVEL) {
		pw_stream_set_active(mux->mic_stream, true);
	}
	int res = pw_loop_invoke(mux->data_loop, do_apply_policy, 0, &msg, sizeof(msg), true, mux);
	if (res < 0) {
		pw_log_error("cannot apply the policy: %s", spa_strerror(res));
		return res;
	}
	if (!open_mic && mux->mic_holder != AUDIO_NO_LEVEL) {
		pw_stream_set_active(mux->mic_stream, false);
	}
	mux->mic_holder = msg.mic_target;
	return 0;
}

int
mux_mic_holder(struct mux *mux)
{
	return mux->mic_holder;
}

uint32_t
mux_playing_mask(struct mux *mux, uint32_t hold_ms)
{
	uint64_t now = now_ns();
	uint32_t mask = 0;
	for (int i = 0; i < mux->level_count; i++) {
		uint64_t last = atomic_load_explicit(&mux->levels[i].last_sound_ns,
				memory_order_relaxed);
		if (last != 0 && now - last < (uint64_t)hold_ms * SPA_NSEC_PER_MSEC) {
			mask |= 1u << i;
		}
	}
	return mask;
}

struct stats_message {
	struct mux *mux;
	struct pcm_ring rings[STRATA_MAX_LEVELS];
};

static int
do_copy_stats(struct spa_loop *loop, bool async, uint32_t seq, const void *data, size_t size,
		void *user_data)
{
	struct stats_message *msg = user_data;
	for (int i = 0; i < msg->mux->level_count; i++) {
		msg->rings[i] = msg->mux->levels[i].ring;
	}
	return 0;
}

void
mux_log_stats(struct mux *mux)
{
	/* a blocking invoke: the data thread fills our copy */
	struct stats_message *msg = calloc(1, sizeof(*msg));
	if (!msg) {
		return;
	}
	msg->mux = mux;
	pw_loop_invoke(mux->data_loop, do_copy_stats, 0, NULL, 0, true, msg);
	for (int i = 0; i < mux->level_count; i++) {
		const struct pcm_ring *r = &msg->rings[i];
		pw_log_info("%s: in %" PRIu64 " out %" PRIu64 " dropped %" PRIu64
			    " inserted %" PRIu64 " overflowed %" PRIu64 " underruns %" PRIu64,
				mux->levels[i].name, r->frames_in, r->frames_out, r->dropped,
				r->inserted, r->overflowed, r->underruns);
	}
	free(msg);
}
