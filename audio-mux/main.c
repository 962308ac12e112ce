// SPDX-License-Identifier: MIT
/*
 * strata-audio-mux: the only place where audio crosses between levels and
 * the devices. Started by the compositor with one end of a socketpair
 * (--control-fd); applies the audio policy the compositor sends and reports
 * who holds the microphone and who is playing. See mux.h for the PipeWire
 * side and common/audio_control.h for the protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spa/utils/result.h>
#include <pipewire/pipewire.h>

#include "common/audio_control.h"
#include "config.h"
#include "mux.h"

#define PW_LOG_TOPIC_DEFAULT mux_log_topic

/* A level counts as playing until this long after its last sound, and
 * `playing` is not sent more often than this. */
#define PLAYING_HOLD_MS 250
#define PLAYING_POLL_MS 50

struct app {
	struct pw_main_loop *main_loop;
	struct pw_loop *loop;
	struct mux *mux;
	struct mux_config config;
	const char *names[STRATA_MAX_LEVELS];
	struct audio_policy_state policy;
	int exit_code;

	int control_fd; /* -1 without --control-fd */
	struct spa_source *control_source;
	struct audio_control_reader reader;
	char out[4096]; /* messages the compositor has not taken yet */
	size_t out_len;

	struct spa_source *playing_timer;
	uint32_t playing_reported;
	uint64_t playing_sent_ns;
	int mic_reported;
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
			"Usage: %s --core-remote PATH --level NAME:PLAYBACK_FIFO:MIC_FIFO [--level ...]\n"
			"          [--control-fd N] [--quantum Q]\n"
			"\n"
			"  -h, --help              Show this help and exit.\n"
			"  -v, --version           Show the version and exit.\n"
			"  -d, --debug             Log in detail (PIPEWIRE_DEBUG works too).\n"
			"      --core-remote PATH  Socket of the core PipeWire (the devices).\n"
			"      --level NAME:PLAYBACK_FIFO:MIC_FIFO\n"
			"                          A level and its FIFOs, created by the core (mkfifo)\n"
			"                          before the mux starts; up to %d levels.\n"
			"      --control-fd N      The compositor's end of a SOCK_STREAM socketpair\n"
			"                          (line protocol; EOF: microphone off and exit 0).\n"
			"      --quantum Q         Frames per cycle asked of the core (default 1024).\n",
			prog, STRATA_MAX_LEVELS);
}

/* NAME:PLAYBACK_FIFO:MIC_FIFO; false with why set when it is not. */
static bool
parse_level(const char *arg, struct mux_level_config *level, char *why, size_t why_size)
{
	const char *colon = strchr(arg, ':');
	const char *second = colon ? strchr(colon + 1, ':') : NULL;
	if (!colon || !second || second == colon + 1 || second[1] == '\0') {
		snprintf(why, why_size, "expected NAME:PLAYBACK_FIFO:MIC_FIFO");
		return false;
	}
	char name[STRATA_LEVEL_NAME_MAX + 2];
	snprintf(name, sizeof(name), "%.*s", (int)(colon - arg), arg);
	if (!config_level_name_valid(name, why, why_size)) {
		return false;
	}
	snprintf(level->name, sizeof(level->name), "%.*s", STRATA_LEVEL_NAME_MAX, name);
	char *playback = strndup(colon + 1, (size_t)(second - colon - 1));
	if (!playback) {
		snprintf(why, why_size, "out of memory");
		return false;
	}
	level->playback_fifo = playback;
	level->mic_fifo = second + 1;
	return true;
}

static int
find_level(struct app *app, const char *name)
{
	for (int i = 0; i < app->config.level_count; i++) {
		if (strcmp(app->config.levels[i].name, name) == 0) {
			return i;
		}
	}
	return AUDIO_NO_LEVEL;
}

static const char *
level_name(struct app *app, int index)
{
	return index == AUDIO_NO_LEVEL ? "none" : app->names[index];
}

/* ---- messages to the compositor ------------------------------------------ */

static void
flush_out(struct app *app)
{
	while (app->out_len > 0) {
		ssize_t n = send(app->control_fd, app->out, app->out_len,
				MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		memmove(app->out, app->out + n, app->out_len - (size_t)n);
		app->out_len -= (size_t)n;
	}
	if (app->control_source) {
		uint32_t mask = SPA_IO_IN | SPA_IO_HUP | SPA_IO_ERR;
		pw_loop_update_io(app->loop, app->control_source,
				app->out_len > 0 ? mask | SPA_IO_OUT : mask);
	}
}

static void
send_message(struct app *app, const char *msg, int len)
{
	if (app->control_fd < 0 || len <= 0) {
		return;
	}
	if (app->out_len + (size_t)len > sizeof(app->out)) {
		pw_log_error("the compositor does not read: dropping \"%.*s\"", len - 1, msg);
		return;
	}
	memcpy(app->out + app->out_len, msg, (size_t)len);
	app->out_len += (size_t)len;
	flush_out(app);
}

static void
report_mic(struct app *app)
{
	int holder = mux_mic_holder(app->mux);
	if (holder == app->mic_reported) {
		return;
	}
	app->mic_reported = holder;
	struct audio_control_report report = { .type = AUDIO_CONTROL_MIC_HOLDER };
	if (holder != AUDIO_NO_LEVEL) {
		snprintf(report.mic_holder, sizeof(report.mic_holder), "%s", app->names[holder]);
	}
	char msg[AUDIO_CONTROL_LINE_MAX];
	int len = audio_control_format_report(&report, msg, sizeof(msg));
	pw_log_info("microphone: %s", level_name(app, holder));
	send_message(app, msg, len);
}

static void
apply_policy(struct app *app)
{
	struct audio_policy_result result;
	audio_policy_evaluate(&app->policy, &result);
	if (mux_apply_policy(app->mux, &result) < 0) {
		/* the data thread did not answer: nothing is trustworthy now */
		app->exit_code = 1;
		pw_main_loop_quit(app->main_loop);
		return;
	}
	report_mic(app);
}

/* ---- messages from the compositor ---------------------------------------- */

static void
handle_command(struct app *app, const struct audio_control_command *cmd)
{
	switch (cmd->type) {
	case AUDIO_CONTROL_FOCUS:
		app->policy.focused = cmd->level[0] ? find_level(app, cmd->level) : AUDIO_NO_LEVEL;
		if (cmd->level[0] && app->policy.focused == AUDIO_NO_LEVEL) {
			/* a level without audio (or a typo): nobody is focused,
			 * so a microphone that follows focus goes nowhere */
			pw_log_warn("focus on unknown level \"%s\": treated as none", cmd->level);
		}
		break;
	case AUDIO_CONTROL_MIC:
		app->policy.mic_mode = cmd->mic_mode;
		app->policy.granted = AUDIO_NO_LEVEL;
		if (cmd->mic_mode == AUDIO_MIC_GRANT) {
			app->policy.granted = find_level(app, cmd->level);
			if (app->policy.granted == AUDIO_NO_LEVEL) {
				pw_log_warn("microphone granted to unknown level \"%s\": nobody gets it",
						cmd->level);
			}
		}
		break;
	case AUDIO_CONTROL_UNFOCUSED:
		app->policy.unfocused = cmd->unfocused;
		break;
	}
	const struct audio_policy_state *p = &app->policy;
	pw_log_info("policy: focus %s, microphone %s%s%s, unfocused %s",
			level_name(app, p->focused), audio_control_mic_mode_name(p->mic_mode),
			p->mic_mode == AUDIO_MIC_GRANT ? " " : "",
			p->mic_mode == AUDIO_MIC_GRANT ? level_name(app, p->granted) : "",
			audio_control_unfocused_mode_name(p->unfocused));
	apply_policy(app);
}

static void
handle_line(void *data, const char *line, size_t len, int status)
{
	struct app *app = data;
	struct audio_control_command cmd;
	if (status == 0) {
		status = audio_control_parse_command(line, len, &cmd);
	}
	if (status < 0) {
		char shown[AUDIO_CONTROL_LINE_MAX * 4 + 8];
		audio_control_escape(line, len, shown, sizeof(shown));
		pw_log_warn("ignoring control line \"%s\": %s", shown, spa_strerror(status));
		return;
	}
	handle_command(app, &cmd);
}

static void
control_io(void *data, int fd, uint32_t mask)
{
	struct app *app = data;
	if (mask & SPA_IO_OUT) {
		flush_out(app);
	}
	if (!(mask & (SPA_IO_IN | SPA_IO_HUP | SPA_IO_ERR))) {
		return;
	}
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n <= 0) {
		/* the compositor is gone: nobody may keep the microphone */
		pw_log_info("control connection closed: microphone off, exiting");
		app->policy.mic_mode = AUDIO_MIC_OFF;
		app->policy.granted = AUDIO_NO_LEVEL;
		apply_policy(app);
		pw_main_loop_quit(app->main_loop);
		return;
	}
	audio_control_reader_feed(&app->reader, buf, (size_t)n, handle_line, app);
}

static void
playing_poll(void *data, uint64_t expirations)
{
	struct app *app = data;
	uint32_t mask = mux_playing_mask(app->mux, PLAYING_HOLD_MS);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = SPA_TIMESPEC_TO_NSEC(&ts);
	if (mask == app->playing_reported ||
			now - app->playing_sent_ns < PLAYING_HOLD_MS * SPA_NSEC_PER_MSEC) {
		return;
	}
	app->playing_reported = mask;
	app->playing_sent_ns = now;
	struct audio_control_report report;
	audio_control_report_playing(&report, app->names, app->config.level_count, mask);
	char msg[AUDIO_CONTROL_LINE_MAX];
	int len = audio_control_format_report(&report, msg, sizeof(msg));
	pw_log_info("%.*s", len > 0 ? len - 1 : 0, msg);
	send_message(app, msg, len);
}

/* ---- the mux's events ----------------------------------------------------- */

static void
mux_ready(void *data)
{
	struct app *app = data;
	struct audio_control_report report = { .type = AUDIO_CONTROL_READY };
	char msg[AUDIO_CONTROL_LINE_MAX];
	send_message(app, msg, audio_control_format_report(&report, msg, sizeof(msg)));
}

static void
mux_error(void *data, int res, const char *message)
{
	struct app *app = data;
	app->exit_code = 1;
	pw_main_loop_quit(app->main_loop);
}

static const struct mux_events app_mux_events = {
	MUX_VERSION_EVENTS,
	.ready = mux_ready,
	.error = mux_error,
};

static void
handle_signal(void *data, int signal_number)
{
	struct app *app = data;
	pw_log_info("signal %d: exiting", signal_number);
	pw_main_loop_quit(app->main_loop);
}

static int
setup_control_fd(struct app *app, const char *arg)
{
	char *end;
	errno = 0;
	long fd = strtol(arg, &end, 10);
	struct stat st;
	if (errno || *end || end == arg || fd < 0 || fd > 65535 || fstat((int)fd, &st) < 0 ||
			!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "strata-audio-mux: --control-fd %s is not an open socket\n", arg);
		return -1;
	}
	int flags = fcntl((int)fd, F_GETFL);
	if (flags < 0 || fcntl((int)fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
			fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "strata-audio-mux: --control-fd %s: %s\n", arg, strerror(errno));
		return -1;
	}
	app->control_fd = (int)fd;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "core-remote", required_argument, NULL, 'r' },
		{ "level", required_argument, NULL, 'l' },
		{ "control-fd", required_argument, NULL, 'c' },
		{ "quantum", required_argument, NULL, 'q' },
		{ 0 },
	};
	struct app app = {
		.control_fd = -1,
		.mic_reported = AUDIO_NO_LEVEL,
		.config = { .quantum = 1024 },
	};
	const char *control_arg = NULL;
	bool debug = false;
	int opt, status = 1;

	while ((opt = getopt_long(argc, argv, "hvd", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'v':
			printf("strata-audio-mux %s\n", STRATA_VERSION);
			return 0;
		case 'd':
			debug = true;
			break;
		case 'r':
			app.config.core_remote = optarg;
			break;
		case 'l': {
			if (app.config.level_count == STRATA_MAX_LEVELS) {
				fprintf(stderr, "strata-audio-mux: at most %d levels\n",
						STRATA_MAX_LEVELS);
				goto out;
			}
			struct mux_level_config *level = &app.config.levels[app.config.level_count];
			char why[256];
			if (!parse_level(optarg, level, why, sizeof(why))) {
				fprintf(stderr, "strata-audio-mux: bad --level \"%s\": %s\n",
						optarg, why);
				goto out;
			}
			if (find_level(&app, level->name) != AUDIO_NO_LEVEL) {
				fprintf(stderr, "strata-audio-mux: level %s given twice\n",
						level->name);
				free((char *)level->playback_fifo);
				goto out;
			}
			app.config.level_count++;
			break;
		}
		case 'c':
			control_arg = optarg;
			break;
		case 'q': {
			char *end;
			unsigned long q = strtoul(optarg, &end, 10);
			if (*end || end == optarg || q < 32 || q > 8192) {
				fprintf(stderr, "strata-audio-mux: --quantum must be 32 to 8192\n");
				goto out;
			}
			app.config.quantum = (uint32_t)q;
			break;
		}
		default:
			usage(stderr, argv[0]);
			goto out;
		}
	}
	if (optind < argc || !app.config.core_remote || app.config.level_count == 0) {
		usage(stderr, argv[0]);
		goto out;
	}
	if (control_arg && setup_control_fd(&app, control_arg) < 0) {
		goto out;
	}
	for (int i = 0; i < app.config.level_count; i++) {
		app.names[i] = app.config.levels[i].name;
	}
	audio_policy_init(&app.policy, app.config.level_count);

	pw_init(&argc, &argv);
	mux_log_init(debug ? SPA_LOG_LEVEL_DEBUG : SPA_LOG_LEVEL_INFO);
	app.main_loop = pw_main_loop_new(NULL);
	if (!app.main_loop) {
		fprintf(stderr, "strata-audio-mux: cannot create a main loop: %s\n",
				strerror(errno));
		goto out_deinit;
	}
	app.loop = pw_main_loop_get_loop(app.main_loop);
	pw_loop_add_signal(app.loop, SIGINT, handle_signal, &app);
	pw_loop_add_signal(app.loop, SIGTERM, handle_signal, &app);

	app.mux = mux_create(app.loop, &app.config, &app_mux_events, &app);
	if (!app.mux) {
		goto out_loop;
	}
	apply_policy(&app);
	if (app.control_fd >= 0) {
		audio_control_reader_init(&app.reader);
		app.control_source = pw_loop_add_io(app.loop, app.control_fd,
				SPA_IO_IN | SPA_IO_HUP | SPA_IO_ERR, false, control_io, &app);
	}
	app.playing_timer = pw_loop_add_timer(app.loop, playing_poll, &app);
	if (app.playing_timer) {
		struct timespec period = { 0, PLAYING_POLL_MS * SPA_NSEC_PER_MSEC };
		pw_loop_update_timer(app.loop, app.playing_timer, &period, &period, false);
	}

	app.exit_code = 0;
	pw_main_loop_run(app.main_loop);
	status = app.exit_code;

	mux_log_stats(app.mux);
	if (app.playing_timer) {
		pw_loop_destroy_source(app.loop, app.playing_timer);
	}
	if (app.control_source) {
		pw_loop_destroy_source(app.loop, app.control_source);
	}
	mux_destroy(app.mux);
out_loop:
	pw_main_loop_destroy(app.main_loop);
out_deinit:
	pw_deinit();
out:
	for (int i = 0; i < app.config.level_count; i++) {
		free((char *)app.config.levels[i].playback_fifo);
	}
	if (app.control_fd >= 0) {
		close(app.control_fd);
	}
	return status;
}
