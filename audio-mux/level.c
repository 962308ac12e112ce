// SPDX-License-Identifier: MIT
/*
 * strata-audio-level: the session manager inside a cage's PipeWire.
 *
 * PipeWire 0.3.65 links nothing by itself: without a session manager,
 * `pw-play`, `paplay` (through pipewire-pulse) and every other client get a
 * node without ports that nobody links, and nothing is heard. A cage has
 * exactly one sink (the pipe-tunnel sink that writes the playback FIFO) and
 * one source (the pipe-tunnel source that reads the microphone FIFO), so the
 * policy fits in a page:
 *  - every playback stream is configured (DSP ports, stereo) and linked to
 *    the sink, whatever target it asked for;
 *  - every capture stream is linked to the source, or to the sink's monitor
 *    when it asked for it (stream.capture.sink, or the sink as target);
 *  - the "default" metadata names the sink and the source, so PulseAudio
 *    clients see them as defaults.
 * It runs inside the cage and is no part of the trusted base: whatever a
 * cage does here stays in the cage.
 *
 * With --config it is also the level's audio supervisor, the one process the
 * compositor starts and watches: it starts `pipewire -c CONFIG` (the level's
 * daemon, level-pipewire.conf), connects to it, then starts
 * `pipewire -c PULSE_CONFIG` (pipewire-pulse) if asked; when either daemon
 * ends, it ends the other and exits 1; on SIGTERM it ends both and exits 0.
 * The daemons die with it (PR_SET_PDEATHSIG), so nothing is left behind.
 * It tells the compositor on stdout whether the level's sound is up: the
 * line "strata-audio-level: ready" once the daemon holds its pipe-tunnel
 * sink and source (the FIFOs' ends in the cage), "strata-audio-level: down"
 * when either goes or a daemon ends.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <spa/param/audio/format-utils.h>
#include <spa/pod/builder.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>
#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>

#include "config.h"
#include "graph.h"
#include "mux.h" /* the log topic */

#define PW_LOG_TOPIC_DEFAULT mux_log_topic

struct level_stream {
	struct spa_list link; /* struct level.streams */
	struct level *level;
	uint32_t id;
	struct pw_proxy *proxy; /* the bound node */
	struct spa_hook proxy_listener, node_listener;
	bool output; /* Stream/Output/Audio */
	bool monitor; /* a capture of the sink's monitor */
	bool have_info;
	bool configured; /* PortConfig sent, or it came with ports */
};

struct level {
	struct pw_main_loop *main_loop;
	struct pw_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;
	struct graph graph;
	const char *sink_name, *source_name;
	struct pw_proxy *metadata;
	uint32_t metadata_id;
	struct spa_list streams; /* struct level_stream */
	int exit_code;
	pid_t pipewire_pid, pulse_pid; /* 0: not ours, or gone */
	bool supervising; /* --config: we run the daemons and report */
	bool up; /* as last reported */
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
			"Usage: %s [--config FILE [--pulse-config FILE]] [--remote NAME]\n"
			"          [--sink NODE] [--source NODE]\n"
			"\n"
			"  -h, --help           Show this help and exit.\n"
			"  -v, --version        Show the version and exit.\n"
			"  -d, --debug          Log in detail (PIPEWIRE_DEBUG works too).\n"
			"  -c, --config FILE    Start and supervise `pipewire -c FILE`, the level's\n"
			"                       daemon (listening on pipewire-0 in XDG_RUNTIME_DIR).\n"
			"      --pulse-config FILE  Then `pipewire -c FILE` too: pipewire-pulse.\n"
			"      --remote NAME    The level's PipeWire (default: PIPEWIRE_REMOTE, else\n"
			"                       pipewire-0 in XDG_RUNTIME_DIR).\n"
			"      --sink NODE      The pipe-tunnel sink (default strata-playback).\n"
			"      --source NODE    The pipe-tunnel source (default strata-mic).\n",
			prog);
}

/* ---- streams ------------------------------------------------------------ */

static void
stream_configure(struct level_stream *s)
{
	uint8_t format_buf[512], param_buf[1024];
	struct spa_pod_builder fb = SPA_POD_BUILDER_INIT(format_buf, sizeof(format_buf));
	struct spa_pod_builder pb = SPA_POD_BUILDER_INIT(param_buf, sizeof(param_buf));
	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_F32P,
		.rate = 48000,
		.channels = 2,
		.position = { SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR },
	};
	struct spa_pod *format = spa_format_audio_raw_build(&fb, SPA_PARAM_Format, &info);
	struct spa_pod *param = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamPortConfig,
			SPA_PARAM_PortConfig, SPA_PARAM_PORT_CONFIG_direction,
			SPA_POD_Id(s->output ? SPA_DIRECTION_OUTPUT : SPA_DIRECTION_INPUT),
			SPA_PARAM_PORT_CONFIG_mode, SPA_POD_Id(SPA_PARAM_PORT_CONFIG_MODE_dsp),
			SPA_PARAM_PORT_CONFIG_monitor, SPA_POD_Bool(false),
			SPA_PARAM_PORT_CONFIG_format, SPA_POD_Pod(format));
	pw_node_set_param((struct pw_node *)s->proxy, SPA_PARAM_PortConfig, 0, param);
	s->configured = true;
	const char *kind = "capture";
	if (s->output) {
		kind = "playback";
	} else if (s->monitor) {
		kind = "monitor capture";
	}
	pw_log_info("stream %u: %s, DSP ports configured", s->id, kind);
}

static bool
names_sink(struct level *level, const char *target)
{
	if (!target) {
		return false;
	}
	size_t n = strlen(level->sink_name);
	return strncmp(target, level->sink_name, n) == 0 &&
			(target[n] == '\0' || strcmp(target + n, ".monitor") == 0);
}

static void
stream_node_info(void *data, const struct pw_node_info *info)
{
	struct level_stream *s = data;
	struct level *level = s->level;
	if (!s->have_info && info->props) {
		const char *capture_sink = spa_dict_lookup(info->props, PW_KEY_STREAM_CAPTURE_SINK);
		const char *target = spa_dict_lookup(info->props, PW_KEY_TARGET_OBJECT);
		bool wants_monitor = (capture_sink && spa_atob(capture_sink)) ||
				names_sink(level, target);
		s->monitor = !s->output && wants_monitor;
		s->have_info = true;
	}
	if (!s->have_info || s->configured) {
		return;
	}
	uint32_t ports = s->output ? info->n_output_ports : info->n_input_ports;
	if (ports > 0) {
		s->configured = true; /* it brought its own (auto-port-config) */
	} else {
		stream_configure(s);
	}
	graph_schedule_update(&level->graph);
}

static const struct pw_node_events stream_node_events = {
	PW_VERSION_NODE_EVENTS,
	.info = stream_node_info,
};

static void
stream_destroy(struct level_stream *s)
{
	if (s->proxy) {
		spa_hook_remove(&s->node_listener);
		spa_hook_remove(&s->proxy_listener);
		pw_proxy_destroy(s->proxy);
	}
	spa_list_remove(&s->link);
	free(s);
}

static void
stream_proxy_removed(void *data)
{
	struct level_stream *s = data;
	spa_hook_remove(&s->node_listener);
	spa_hook_remove(&s->proxy_listener);
	pw_proxy_destroy(s->proxy);
	s->proxy = NULL;
}

static const struct pw_proxy_events stream_proxy_events = {
	PW_VERSION_PROXY_EVENTS,
	.removed = stream_proxy_removed,
};

static struct level_stream *
find_stream(struct level *level, uint32_t id)
{
	struct level_stream *s;
	spa_list_for_each(s, &level->streams, link) {
		if (s->id == id) {
			return s;
		}
	}
	return NULL;
}

static void
stream_add(struct level *level, const struct graph_node *n, bool output)
{
	struct level_stream *s = calloc(1, sizeof(*s));
	if (!s) {
		return;
	}
	s->level = level;
	s->id = n->id;
	s->output = output;
	spa_list_append(&level->streams, &s->link);
	s->proxy = pw_registry_bind(level->graph.registry, n->id, PW_TYPE_INTERFACE_Node,
			PW_VERSION_NODE, 0);
	if (!s->proxy) {
		pw_log_warn("cannot bind node %u: %m", n->id);
		return;
	}
	pw_proxy_add_listener(s->proxy, &s->proxy_listener, &stream_proxy_events, s);
	pw_node_add_listener((struct pw_node *)s->proxy, &s->node_listener, &stream_node_events, s);
}

/* ---- the graph ---------------------------------------------------------- */

/* The compositor's truth about this level's sound (see the top). */
static void
report_up(struct level *level, bool up)
{
	if (!level->supervising || level->up == up) {
		return;
	}
	level->up = up;
	printf("strata-audio-level: %s\n", up ? "ready" : "down");
	fflush(stdout);
}

static void
level_update(void *data)
{
	struct level *level = data;
	struct graph *graph = &level->graph;
	struct graph_node *n;
	spa_list_for_each(n, &graph->nodes, link) {
		bool output = strcmp(n->media_class, "Stream/Output/Audio") == 0;
		bool input = strcmp(n->media_class, "Stream/Input/Audio") == 0;
		if ((output || input) && !find_stream(level, n->id)) {
			stream_add(level, n, output);
		}
	}

	struct graph_node *sink = graph_find_node_by_name(graph, level->sink_name);
	struct graph_node *source = graph_find_node_by_name(graph, level->source_name);
	report_up(level, sink && source);
	graph_links_begin(graph);
	struct level_stream *s;
	spa_list_for_each(s, &level->streams, link) {
		if (!s->have_info) {
			continue;
		}
		if (s->output && sink) {
			graph_want_channel_links(graph, s->id, false, sink->id);
		} else if (!s->output && s->monitor && sink) {
			graph_want_channel_links(graph, sink->id, true, s->id);
		} else if (!s->output && !s->monitor && source) {
			graph_want_channel_links(graph, source->id, false, s->id);
		}
	}
	graph_links_end(graph);
}

static void
set_defaults(struct level *level)
{
	struct pw_metadata *md = (struct pw_metadata *)level->metadata;
	char value[256];
	snprintf(value, sizeof(value), "{ \"name\": \"%s\" }", level->sink_name);
	pw_metadata_set_property(md, PW_ID_CORE, "default.audio.sink", "Spa:String:JSON", value);
	pw_metadata_set_property(md, PW_ID_CORE, "default.configured.audio.sink", "Spa:String:JSON",
			value);
	snprintf(value, sizeof(value), "{ \"name\": \"%s\" }", level->source_name);
	pw_metadata_set_property(md, PW_ID_CORE, "default.audio.source", "Spa:String:JSON", value);
	pw_metadata_set_property(md, PW_ID_CORE, "default.configured.audio.source",
			"Spa:String:JSON", value);
	pw_log_info("defaults: sink %s, source %s", level->sink_name, level->source_name);
}

/*
 * Every program the compositor starts in a cage has a PID namespace of its
 * own, so this level's PipeWire sees its clients as PID 0, module-access
 * cannot check them and leaves them waiting for permissions ("flatpak").
 * Only the level's own programs reach this daemon (its socket is in the
 * level's private runtime directory): give them the whole level's graph,
 * as a desktop session manager does for the clients it trusts.
 */
static void
grant_client(struct level *level, uint32_t id, const struct spa_dict *props)
{
	const char *access = spa_dict_lookup(props, PW_KEY_ACCESS);
	if (access && strcmp(access, "unrestricted") == 0) {
		return;
	}
	struct pw_client *client = pw_registry_bind(level->graph.registry, id,
			PW_TYPE_INTERFACE_Client, PW_VERSION_CLIENT, 0);
	if (!client) {
		return;
	}
	struct pw_permission all = PW_PERMISSION_INIT(PW_ID_ANY, PW_PERM_ALL);
	pw_client_update_permissions(client, 1, &all);
	pw_proxy_destroy((struct pw_proxy *)client);
	pw_log_info("client %u of the level: permissions granted", id);
}

static void
level_global(void *data, uint32_t id, const char *type, const struct spa_dict *props)
{
	struct level *level = data;
	if (strcmp(type, PW_TYPE_INTERFACE_Client) == 0) {
		grant_client(level, id, props);
		return;
	}
	if (strcmp(type, PW_TYPE_INTERFACE_Metadata) != 0 || level->metadata) {
		return;
	}
	const char *name = spa_dict_lookup(props, PW_KEY_METADATA_NAME);
	if (!name || strcmp(name, "default") != 0) {
		return;
	}
	level->metadata = pw_registry_bind(level->graph.registry, id, PW_TYPE_INTERFACE_Metadata,
			PW_VERSION_METADATA, 0);
	if (level->metadata) {
		level->metadata_id = id;
		set_defaults(level);
	}
}

static void
level_global_remove(void *data, uint32_t id)
{
	struct level *level = data;
	struct level_stream *s = find_stream(level, id);
	if (s) {
		stream_destroy(s);
	}
	if (level->metadata && id == level->metadata_id) {
		pw_proxy_destroy(level->metadata);
		level->metadata = NULL;
	}
}

static const struct graph_events level_graph_events = {
	GRAPH_VERSION_EVENTS,
	.changed = level_update,
	.global = level_global,
	.global_remove = level_global_remove,
};

/* ---- the connection ----------------------------------------------------- */

static void
core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct level *level = data;
	if (id == PW_ID_CORE && res == -EPIPE) {
		report_up(level, false);
		pw_log_info("the level's PipeWire is gone: exiting");
		level->exit_code = 1;
		pw_main_loop_quit(level->main_loop);
	} else {
		pw_log_debug("object %u: %s (%s)", id, message, spa_strerror(res));
	}
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.error = core_error,
};

/* ---- the daemons we supervise ----------------------------------------------- */

/* `pipewire -c config`, dying with us, without our fds or blocked signals. */
static pid_t
spawn_daemon(const char *config)
{
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0) {
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) {
		_exit(1);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_range(3, ~0u, 0);
	/* Our stdout is the compositor's word of us ("ready", "down"): the
	 * daemon's output goes to the log, never there. */
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		_exit(126);
	}
	execlp("pipewire", "pipewire", "-c", config, (char *)NULL);
	fprintf(stderr, "strata-audio-level: cannot run pipewire: %s\n", strerror(errno));
	_exit(127);
}

/* Waits for the daemon's socket; false if it died or took 5 s. */
static bool
wait_socket(struct level *level, const char *remote)
{
	const char *dir = getenv("PIPEWIRE_RUNTIME_DIR");
	if (!dir || !*dir) {
		dir = getenv("XDG_RUNTIME_DIR");
	}
	char path[512];
	const char *name = remote ? remote : "pipewire-0";
	if (name[0] == '/' || !dir) {
		snprintf(path, sizeof(path), "%s", name);
	} else {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	}
	for (int i = 0; i < 500; i++) {
		struct stat st;
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			/* a socket left by a daemon that died refuses: wait for ours */
			struct sockaddr_un addr = { .sun_family = AF_UNIX };
			memcpy(addr.sun_path, path, strnlen(path, sizeof(addr.sun_path) - 1));
			int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			bool up = fd >= 0 &&
					connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
			if (fd >= 0) {
				close(fd);
			}
			if (up) {
				return true;
			}
		}
		if (waitpid(level->pipewire_pid, NULL, WNOHANG) == level->pipewire_pid) {
			level->pipewire_pid = 0;
			return false;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "strata-audio-level: no socket at %s\n", path);
	return false;
}

static void
stop_daemon(pid_t *pid)
{
	if (*pid <= 0) {
		return;
	}
	kill(*pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

static void
handle_signal(void *data, int signal_number)
{
	struct level *level = data;
	if (signal_number != SIGCHLD) {
		pw_main_loop_quit(level->main_loop);
		return;
	}
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == level->pipewire_pid || pid == level->pulse_pid) {
			pw_log_warn("%s ended (status 0x%x): ending the level's audio",
					pid == level->pipewire_pid ? "pipewire" : "pipewire-pulse",
					status);
			report_up(level, false);
			if (pid == level->pipewire_pid) {
				level->pipewire_pid = 0;
			} else {
				level->pulse_pid = 0;
			}
			level->exit_code = 1;
			pw_main_loop_quit(level->main_loop);
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "pulse-config", required_argument, NULL, 'p' },
		{ "remote", required_argument, NULL, 'r' },
		{ "sink", required_argument, NULL, 's' },
		{ "source", required_argument, NULL, 'm' },
		{ 0 },
	};
	struct level level = {
		.sink_name = "strata-playback",
		.source_name = "strata-mic",
		.exit_code = 1,
	};
	const char *remote = NULL, *config = NULL, *pulse_config = NULL;
	bool debug = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "hvdc:", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("strata-audio-level %s\n", STRATA_VERSION);
			return 0;
		case 'd':
			debug = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 'p':
			pulse_config = optarg;
			break;
		case 'r':
			remote = optarg;
			break;
		case 's':
			level.sink_name = optarg;
			break;
		case 'm':
			level.source_name = optarg;
			break;
		default:
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (optind < argc || (pulse_config && !config)) {
		usage(stderr, argv[0]);
		return 1;
	}
	if (config) {
		level.supervising = true;
		level.pipewire_pid = spawn_daemon(config);
		if (level.pipewire_pid < 0 || !wait_socket(&level, remote)) {
			fprintf(stderr, "strata-audio-level: the level's pipewire did not start\n");
			stop_daemon(&level.pipewire_pid);
			return 1;
		}
	}

	pw_init(&argc, &argv);
	mux_log_init(debug ? SPA_LOG_LEVEL_DEBUG : SPA_LOG_LEVEL_WARN);
	spa_list_init(&level.streams);
	level.main_loop = pw_main_loop_new(NULL);
	if (!level.main_loop) {
		goto out;
	}
	level.loop = pw_main_loop_get_loop(level.main_loop);
	pw_loop_add_signal(level.loop, SIGINT, handle_signal, &level);
	pw_loop_add_signal(level.loop, SIGTERM, handle_signal, &level);
	pw_loop_add_signal(level.loop, SIGCHLD, handle_signal, &level);
	level.context = pw_context_new(level.loop, NULL, 0);
	if (!level.context) {
		goto out;
	}
	level.core = pw_context_connect(level.context,
			pw_properties_new(PW_KEY_REMOTE_NAME, remote, PW_KEY_APP_NAME,
					"strata-audio-level", NULL),
			0);
	if (!level.core) {
		fprintf(stderr, "strata-audio-level: cannot connect to PipeWire: %s\n",
				strerror(errno));
		goto out;
	}
	pw_core_add_listener(level.core, &level.core_listener, &core_events, &level);
	if (graph_init(&level.graph, level.loop, level.core, &level_graph_events, &level) < 0) {
		goto out;
	}
	if (pulse_config) {
		level.pulse_pid = spawn_daemon(pulse_config);
		if (level.pulse_pid < 0) {
			goto out;
		}
	}
	level.exit_code = 0;
	/* a daemon that ended before the loop ran */
	handle_signal(&level, SIGCHLD);
	pw_main_loop_run(level.main_loop);

out:;
	struct level_stream *s, *tmp;
	spa_list_for_each_safe(s, tmp, &level.streams, link) {
		stream_destroy(s);
	}
	if (level.metadata) {
		pw_proxy_destroy(level.metadata);
	}
	graph_finish(&level.graph);
	if (level.core) {
		spa_hook_remove(&level.core_listener);
		pw_core_disconnect(level.core);
	}
	if (level.context) {
		pw_context_destroy(level.context);
	}
	if (level.main_loop) {
		pw_main_loop_destroy(level.main_loop);
	}
	pw_deinit();
	stop_daemon(&level.pulse_pid);
	stop_daemon(&level.pipewire_pid);
	return level.exit_code;
}
