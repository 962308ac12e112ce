// SPDX-License-Identifier: MIT
/*
 * strata-audio-probe: a PipeWire client for the audio tests and benchmark.
 *
 *   play   a tone or a click train; clicks sit on a grid of CLOCK_MONOTONIC
 *          times (multiples of the period, plus an offset), so that players
 *          in different PipeWire daemons click at known instants;
 *   record into memory, then a float WAV, and a timeline: for every cycle
 *          the graph's time (CLOCK_MONOTONIC ns), the first frame, the frame
 *          count and the peak, which maps every recorded frame to a time.
 *
 * Without --link-to / --link-from the stream is an ordinary application
 * stream (in a level, strata-audio-level links it). With them it gets DSP
 * ports by itself and links itself to a node's ports, channel by channel,
 * as nothing links anything in the test core.
 *
 * Prints "ready" on stdout once data flows (and it is linked), "done" at
 * the end.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/param/audio/format-utils.h>
#include <spa/pod/builder.h>
#include <pipewire/pipewire.h>

#include "graph.h"
#include "mux.h"
#include "audio_signal.h"

#define RATE 48000
#define CHANNELS 2
#define MAX_SECONDS 120

struct timeline_entry {
	int64_t t_ns;
	uint64_t first;
	uint32_t frames;
	float peak;
};

struct probe {
	struct pw_main_loop *main_loop;
	struct pw_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct pw_stream *stream;
	struct spa_hook stream_listener;
	struct graph graph;
	bool use_graph;
	bool playing; /* else recording */
	const char *link_node;
	bool ready_said;
	bool streaming;
	atomic_bool flowing; /* the data thread handled a buffer with data */

	/* play */
	double tone, amp;
	uint64_t click_period_ns; /* 0: a tone */
	uint64_t click_offset_ns; /* clicks at k * period + offset */
	uint64_t phase;

	/* record (data thread until the stream is gone) */
	float *samples;
	size_t capacity, frames;
	struct timeline_entry *timeline;
	size_t timeline_capacity, timeline_len;
};

static void
say_ready(struct probe *p)
{
	if (p->ready_said || !p->streaming || !atomic_load(&p->flowing)) {
		return;
	}
	if (p->use_graph && graph_links_bound(&p->graph) < 2) {
		return;
	}
	p->ready_said = true;
	printf("ready\n");
	fflush(stdout);
}

static void
probe_update(void *data)
{
	struct probe *p = data;
	struct graph *g = &p->graph;
	uint32_t self = pw_stream_get_node_id(p->stream);
	struct graph_node *other = graph_find_node_by_name(g, p->link_node);
	graph_links_begin(g);
	if (self != SPA_ID_INVALID && other) {
		if (p->playing) {
			graph_want_channel_links(g, self, false, other->id);
		} else {
			bool monitor = !graph_node_has_ports(g, other->id, true, false);
			graph_want_channel_links(g, other->id, monitor, self);
		}
	}
	graph_links_end(g);
	say_ready(p);
}

static const struct graph_events probe_graph_events = {
	GRAPH_VERSION_EVENTS,
	.changed = probe_update,
};

static void
fill_play(struct probe *p, float *out, uint32_t frames, int64_t now)
{
	memset(out, 0, (size_t)frames * CHANNELS * sizeof(float));
	if (p->click_period_ns == 0) {
		for (uint32_t i = 0; i < frames; i++, p->phase++) {
			float v = (float)(p->amp *
					sin(2.0 * M_PI * p->tone * (double)p->phase / RATE));
			out[i * CHANNELS] = out[i * CHANNELS + 1] = v;
		}
		return;
	}
	/* the grid points within [now, now + frames / RATE) */
	uint64_t start = (uint64_t)now - p->click_offset_ns;
	uint64_t end = start + (uint64_t)frames * SPA_NSEC_PER_SEC / RATE;
	uint64_t g = (start + p->click_period_ns - 1) / p->click_period_ns * p->click_period_ns;
	for (; g < end; g += p->click_period_ns) {
		uint64_t i = (g - start) * RATE / SPA_NSEC_PER_SEC;
		if (i < frames) {
			out[i * CHANNELS] = out[i * CHANNELS + 1] = (float)p->amp;
		}
	}
}

static void
on_process(void *data)
{
	struct probe *p = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(p->stream);
	if (!b) {
		return;
	}
	struct spa_data *d = &b->buffer->datas[0];
	struct pw_time time = { 0 };
	pw_stream_get_time_n(p->stream, &time, sizeof(time));
	const uint32_t stride = sizeof(float) * CHANNELS;
	if (!d->data) {
		pw_stream_queue_buffer(p->stream, b);
		return;
	}
	if (p->playing) {
		uint32_t frames = d->maxsize / stride;
		if (b->requested > 0 && b->requested < frames) {
			frames = (uint32_t)b->requested;
		}
		fill_play(p, d->data, frames, time.now);
		d->chunk->offset = 0;
		d->chunk->stride = (int32_t)stride;
		d->chunk->size = frames * stride;
		atomic_store(&p->flowing, frames > 0);
	} else if (d->chunk) {
		uint32_t offset = SPA_MIN(d->chunk->offset, d->maxsize);
		uint32_t size = SPA_MIN(d->chunk->size, d->maxsize - offset);
		uint32_t frames = size / stride;
		const float *in = SPA_PTROFF(d->data, offset, const float);
		if (p->frames + frames > p->capacity) {
			frames = (uint32_t)(p->capacity - p->frames);
		}
		float peak = 0.0f;
		for (uint32_t i = 0; i < frames * CHANNELS; i++) {
			peak = fabsf(in[i]) > peak ? fabsf(in[i]) : peak;
		}
		memcpy(p->samples + p->frames * CHANNELS, in, (size_t)frames * stride);
		if (p->timeline_len < p->timeline_capacity) {
			p->timeline[p->timeline_len++] = (struct timeline_entry){
				.t_ns = time.now,
				.first = p->frames,
				.frames = frames,
				.peak = peak,
			};
		}
		p->frames += frames;
		if (frames > 0) {
			atomic_store(&p->flowing, true);
		}
	}
	pw_stream_queue_buffer(p->stream, b);
}

static void
on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
		const char *error)
{
	struct probe *p = data;
	if (state == PW_STREAM_STATE_ERROR) {
		fprintf(stderr, "audio-probe: stream error: %s\n", error ? error : "?");
		pw_main_loop_quit(p->main_loop);
	}
	p->streaming = state == PW_STREAM_STATE_STREAMING || p->streaming;
	if (p->use_graph) {
		graph_schedule_update(&p->graph);
	}
	say_ready(p);
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.process = on_process,
};

static void
on_signal(void *data, int signal_number)
{
	struct probe *p = data;
	pw_main_loop_quit(p->main_loop);
}

static void
on_poll(void *data, uint64_t expirations)
{
	say_ready(data);
}

static void
on_timeout(void *data, uint64_t expirations)
{
	struct probe *p = data;
	pw_main_loop_quit(p->main_loop);
}

static bool
write_outputs(struct probe *p, const char *out, const char *timeline)
{
	bool ok = true;
	if (out) {
		struct audio_buffer buf = {
			.samples = p->samples,
			.frames = p->frames,
			.channels = CHANNELS,
			.rate = RATE,
		};
		ok = audio_wav_write(out, &buf, true);
	}
	if (timeline) {
		FILE *f = fopen(timeline, "w");
		if (!f) {
			return false;
		}
		for (size_t i = 0; i < p->timeline_len; i++) {
			const struct timeline_entry *e = &p->timeline[i];
			fprintf(f, "%lld %llu %u %.6f\n", (long long)e->t_ns,
					(unsigned long long)e->first, e->frames, e->peak);
		}
		ok = fclose(f) == 0 && ok;
	}
	return ok;
}

static void
usage(FILE *f)
{
	fprintf(f,
			"Usage: strata-audio-probe play [--tone HZ | --clicks MS [--offset MS]] [--amp A]\n"
			"                                 [--seconds S] [--name N] [--link-to NODE]\n"
			"       strata-audio-probe record --out FILE.wav [--timeline FILE]\n"
			"                                 [--seconds S] [--name N] [--link-from NODE]\n"
			"PipeWire: PIPEWIRE_REMOTE, else pipewire-0 in XDG_RUNTIME_DIR.\n");
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "tone", required_argument, NULL, 't' },
		{ "clicks", required_argument, NULL, 'c' },
		{ "offset", required_argument, NULL, 'O' },
		{ "amp", required_argument, NULL, 'a' },
		{ "seconds", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "link-to", required_argument, NULL, 'L' },
		{ "link-from", required_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ "timeline", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct probe p = { .tone = 440.0, .amp = 0.5 };
	const char *name = "strata-audio-probe", *out = NULL, *timeline = NULL;
	double seconds = 0.0;
	int opt, status = 1;

	if (argc < 2 || (strcmp(argv[1], "play") != 0 && strcmp(argv[1], "record") != 0)) {
		usage(stderr);
		return 2;
	}
	p.playing = strcmp(argv[1], "play") == 0;
	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 't':
			p.tone = atof(optarg);
			break;
		case 'c':
			p.click_period_ns = (uint64_t)(atof(optarg) * SPA_NSEC_PER_MSEC);
			break;
		case 'O':
			p.click_offset_ns = (uint64_t)(atof(optarg) * SPA_NSEC_PER_MSEC);
			break;
		case 'a':
			p.amp = atof(optarg);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'n':
			name = optarg;
			break;
		case 'L':
		case 'F':
			p.link_node = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'T':
			timeline = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (!p.playing && !out) || seconds > MAX_SECONDS) {
		usage(stderr);
		return 2;
	}
	if (!p.playing) {
		p.capacity = (size_t)(MAX_SECONDS * RATE);
		p.samples = calloc(p.capacity * CHANNELS, sizeof(float));
		p.timeline_capacity = MAX_SECONDS * RATE / 16;
		p.timeline = calloc(p.timeline_capacity, sizeof(*p.timeline));
		if (!p.samples || !p.timeline) {
			fprintf(stderr, "audio-probe: out of memory\n");
			return 1;
		}
	}

	pw_init(&argc, &argv);
	mux_log_init(SPA_LOG_LEVEL_WARN);
	p.main_loop = pw_main_loop_new(NULL);
	p.loop = pw_main_loop_get_loop(p.main_loop);
	pw_loop_add_signal(p.loop, SIGINT, on_signal, &p);
	pw_loop_add_signal(p.loop, SIGTERM, on_signal, &p);
	p.context = pw_context_new(p.loop, NULL, 0);
	p.core = p.context ? pw_context_connect(p.context, NULL, 0) : NULL;
	if (!p.core) {
		fprintf(stderr, "audio-probe: cannot connect: %s\n", strerror(errno));
		goto out;
	}
	p.use_graph = p.link_node != NULL;
	if (p.use_graph && graph_init(&p.graph, p.loop, p.core, &probe_graph_events, &p) < 0) {
		goto out;
	}

	struct pw_properties *props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
			PW_KEY_MEDIA_CATEGORY, p.playing ? "Playback" : "Capture", PW_KEY_NODE_NAME,
			name, PW_KEY_APP_NAME, name, NULL);
	if (p.use_graph) {
		pw_properties_set(props, "adapter.auto-port-config",
				"{ mode = dsp monitor = false position = preserve }");
	}
	p.stream = pw_stream_new(p.core, name, props);
	if (!p.stream) {
		goto out;
	}
	pw_stream_add_listener(p.stream, &p.stream_listener, &stream_events, &p);
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_F32,
		.rate = RATE,
		.channels = CHANNELS,
		.position = { SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR },
	};
	const struct spa_pod *params[1] = { spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat,
			&info) };
	enum pw_stream_flags flags = PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_RT_PROCESS;
	if (!p.use_graph) {
		flags |= PW_STREAM_FLAG_AUTOCONNECT;
	}
	if (pw_stream_connect(p.stream, p.playing ? PW_DIRECTION_OUTPUT : PW_DIRECTION_INPUT,
			    PW_ID_ANY, flags, params, 1) < 0) {
		fprintf(stderr, "audio-probe: cannot connect the stream\n");
		goto out;
	}
	struct spa_source *poll = pw_loop_add_timer(p.loop, on_poll, &p);
	struct timespec every = { 0, 5 * SPA_NSEC_PER_MSEC };
	pw_loop_update_timer(p.loop, poll, &every, &every, false);
	if (seconds > 0) {
		struct spa_source *timer = pw_loop_add_timer(p.loop, on_timeout, &p);
		struct timespec ts = { (time_t)seconds,
			(long)((seconds - (double)(time_t)seconds) * 1e9) };
		pw_loop_update_timer(p.loop, timer, &ts, NULL, false);
	}
	pw_main_loop_run(p.main_loop);
	status = 0;

out:
	if (p.stream) {
		spa_hook_remove(&p.stream_listener);
		pw_stream_destroy(p.stream);
	}
	if (p.use_graph) {
		graph_finish(&p.graph);
	}
	if (status == 0 && !p.playing && !write_outputs(&p, out, timeline)) {
		fprintf(stderr, "audio-probe: cannot write the recording\n");
		status = 1;
	}
	if (p.core) {
		pw_core_disconnect(p.core);
	}
	if (p.context) {
		pw_context_destroy(p.context);
	}
	if (p.main_loop) {
		pw_main_loop_destroy(p.main_loop);
	}
	pw_deinit();
	free(p.samples);
	free(p.timeline);
	printf("done\n");
	return status;
}
