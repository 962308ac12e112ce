// SPDX-License-Identifier: MIT
/*
 * The compositor's side of sound (audio-mux/README.md has the whole design).
 * Layout, under the core runtime directory RUNDIR:
 *   RUNDIR/audio/                    0711 root
 *   RUNDIR/audio/LEVEL/              0750 root:cage group, read-only in the cage
 *                                    at /run/strata/audio
 *   RUNDIR/audio/LEVEL/playback      FIFO 0660 root:cage group, the level's sound out
 *   RUNDIR/audio/LEVEL/mic           FIFO 0660 root:cage group, the microphone in
 *   RUNDIR/audio/LEVEL/pipewire.conf, pipewire-pulse.conf   0640, from the templates
 *   RUNDIR/log-audio                 the mux's output
 * A cage sees its own level's directory and nothing else of the core; the
 * mux sees only the FIFOs and the core PipeWire.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "audio.h"
#include "common/audio_control.h"
#include "paths.h"
#include "process.h"
#include "seat.h"
#include "session.h"

#define CAGE_AUDIO_DIR "/run/strata/audio"
#define CAGE_AUDIO_LEVEL_BIN "/run/strata/strata-audio-level"
/* The copy the cages bind, in the audio directory; with a dot, so that no
 * level's directory beside it can have that name. */
#define STAGED_LEVEL_BIN "strata-audio-level.bin"

#define LEVEL_READY_LINE "strata-audio-level: ready"
#define LEVEL_DOWN_LINE "strata-audio-level: down"

struct audio_level {
	struct strata_audio *audio;
	int index;
	char dir[PATH_MAX];
	char playback[PATH_MAX];
	char mic[PATH_MAX];
	/* strata-audio-level in the level's cage, supervised; may be NULL. Up
	 * (the level's PipeWire runs, its pipe-tunnel source holds the mic
	 * FIFO) only while it runs and said ready, not down, since. */
	struct process *process;
	bool up;
};

struct strata_audio {
	struct strata_server *server;
	char mux_bin[PATH_MAX];
	char level_bin[PATH_MAX];
	char template_dir[PATH_MAX];
	char core_remote[PATH_MAX];
	char dir[PATH_MAX];
	char log_path[PATH_MAX];
	struct audio_level levels[STRATA_MAX_LEVELS];
	size_t level_count;

	struct process *mux; /* supervised; may be NULL */
	pid_t mux_pid;
	int control_fd;
	struct wl_event_source *control_source;
	struct audio_control_reader reader; /* the mux's reports, line by line */

	/* What the user chose. */
	int focus; /* level, -1: none */
	int grant; /* mic = off: the level granted the microphone, -1: none */
	bool muted; /* mic = follow: the microphone is off */
	/* The screen is locked with [lock] microphone = revoke: nobody gets
	 * the microphone; grant and mute are kept for the unlock. */
	bool locked;

	/* What the mux reported. */
	bool ready;
	int mic_holder; /* -1: none */
	bool playing[STRATA_MAX_LEVELS];

	bool stopping;
	struct wl_listener seat_focus; /* the seat's: tells the mux */
};

static const char *
level_name(struct strata_audio *audio, int level)
{
	return level >= 0 ? audio->server->config.levels[level].name : "none";
}

/* One command to the mux (common/audio_control.h), never waiting: a few
 * bytes into a socket buffer that is empty but for what the mux has not read
 * yet; a mux that does not read gets its commands dropped, never blocks us. */
static void
audio_send(struct strata_audio *audio, const struct audio_control_command *cmd)
{
	if (audio->control_fd < 0) {
		return;
	}
	char line[AUDIO_CONTROL_LINE_MAX];
	int len = audio_control_format_command(cmd, line, sizeof(line));
	if (len < 0) {
		wlr_log(WLR_ERROR, "audio: a command for the mux does not format (%d)", len);
		return;
	}
	if (send(audio->control_fd, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len) {
		wlr_log_errno(WLR_ERROR, "audio: cannot tell the mux \"%.*s\"", len - 1, line);
	}
}

static void
send_focus(struct strata_audio *audio)
{
	struct audio_control_command cmd = { .type = AUDIO_CONTROL_FOCUS };
	if (audio->focus >= 0) {
		snprintf(cmd.level, sizeof(cmd.level), "%s", level_name(audio, audio->focus));
	}
	audio_send(audio, &cmd);
}

static bool level_up(struct strata_audio *audio, int level);

/*
 * What the mux is told of the microphone. A level whose sound is down gets
 * none, grant or focus notwithstanding: "down" is the level's own word (a
 * line its cage prints), so the core acts on it by cutting the microphone
 * there. A level that says it is down when it is not only deafens itself,
 * and the banner's "MIC: LEVEL" stays the mux's word and the truth.
 */
static void
send_mic(struct strata_audio *audio)
{
	struct audio_control_command cmd = { .type = AUDIO_CONTROL_MIC, .mic_mode = AUDIO_MIC_OFF };
	if (audio->locked) {
		/* off */
	} else if (audio->server->config.audio_mic == STRATA_AUDIO_MIC_FOLLOW) {
		if (!audio->muted && level_up(audio, audio->focus)) {
			cmd.mic_mode = AUDIO_MIC_FOLLOW;
		}
	} else if (audio->grant >= 0 && level_up(audio, audio->grant)) {
		cmd.mic_mode = AUDIO_MIC_GRANT;
		snprintf(cmd.level, sizeof(cmd.level), "%s", level_name(audio, audio->grant));
	}
	audio_send(audio, &cmd);
}

static void
send_state(struct strata_audio *audio)
{
	struct audio_control_command cmd = { .type = AUDIO_CONTROL_UNFOCUSED };
	switch (audio->server->config.audio_unfocused) {
	case STRATA_AUDIO_UNFOCUSED_MIX:
		cmd.unfocused = AUDIO_UNFOCUSED_MIX;
		break;
	case STRATA_AUDIO_UNFOCUSED_DUCK:
		cmd.unfocused = AUDIO_UNFOCUSED_DUCK;
		break;
	case STRATA_AUDIO_UNFOCUSED_MUTE:
		cmd.unfocused = AUDIO_UNFOCUSED_MUTE;
		break;
	}
	audio_send(audio, &cmd);
	send_focus(audio);
	send_mic(audio);
}

static void
set_playing(struct strata_audio *audio, const struct audio_control_report *report)
{
	bool playing[STRATA_MAX_LEVELS] = { false };
	for (size_t i = 0; i < report->playing_count; i++) {
		int level = config_find_level(&audio->server->config, report->playing[i]);
		if (level >= 0) {
			playing[level] = true;
		}
	}
	if (memcmp(playing, audio->playing, sizeof(playing)) != 0) {
		memcpy(audio->playing, playing, sizeof(playing));
		server_status_changed(audio->server);
	}
}

/* One report of the mux; a malformed one is refused whole. */
static void
handle_line(void *data, const char *line, size_t len, int status)
{
	struct strata_audio *audio = data;
	struct audio_control_report report;
	if (status != 0 || audio_control_parse_report(line, len, &report) != 0) {
		char shown[AUDIO_CONTROL_LINE_MAX];
		audio_control_escape(line, len, shown, sizeof(shown));
		wlr_log(WLR_ERROR, "audio: unexpected line from the mux: %s", shown);
		return;
	}
	switch (report.type) {
	case AUDIO_CONTROL_READY:
		audio->ready = true;
		wlr_log(WLR_INFO, "audio: mux ready (pid %d)", (int)audio->mux_pid);
		send_state(audio);
		server_status_changed(audio->server);
		break;
	case AUDIO_CONTROL_MIC_HOLDER: {
		int holder = report.mic_holder[0] ?
				config_find_level(&audio->server->config, report.mic_holder) :
				-1;
		if (holder != audio->mic_holder) {
			audio->mic_holder = holder;
			wlr_log(WLR_INFO, "audio: the microphone goes to %s",
					level_name(audio, holder));
			server_status_changed(audio->server);
		}
		break;
	}
	case AUDIO_CONTROL_PLAYING:
		set_playing(audio, &report);
		break;
	}
}

static void
control_close(struct strata_audio *audio)
{
	if (audio->control_source) {
		wl_event_source_remove(audio->control_source);
		audio->control_source = NULL;
	}
	if (audio->control_fd >= 0) {
		close(audio->control_fd);
		audio->control_fd = -1;
	}
	audio_control_reader_init(&audio->reader);
	/* A mux that is gone feeds no microphone and plays nothing. */
	bool changed = audio->ready || audio->mic_holder >= 0;
	audio->ready = false;
	audio->mic_holder = -1;
	for (size_t i = 0; i < STRATA_MAX_LEVELS; i++) {
		changed |= audio->playing[i];
		audio->playing[i] = false;
	}
	if (changed && !audio->stopping) {
		server_status_changed(audio->server);
	}
}

static int
handle_control(int fd, uint32_t mask, void *data)
{
	struct strata_audio *audio = data;
	char buf[1024];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (n <= 0) {
		/* The mux is gone or closed its end; its exit restarts it. */
		control_close(audio);
		return 0;
	}
	audio_control_reader_feed(&audio->reader, buf, (size_t)n, handle_line, audio);
	return 0;
}

static void
handle_mux_started(void *data, pid_t pid, int socket_fd)
{
	struct strata_audio *audio = data;
	control_close(audio);
	audio->mux_pid = pid;
	audio->control_fd = socket_fd;
	audio->control_source = wl_event_loop_add_fd(audio->server->event_loop, socket_fd,
			WL_EVENT_READABLE, handle_control, audio);
	if (!audio->control_source) {
		/* Deaf to it: better no mux than one we cannot hear. */
		wlr_log(WLR_ERROR, "audio: cannot watch the mux's control socket");
		control_close(audio);
	}
}

static void
handle_mux_exited(void *data, pid_t pid, int status)
{
	struct strata_audio *audio = data;
	audio->mux_pid = 0;
	control_close(audio);
}

static const struct process_events mux_events = {
	.started = handle_mux_started,
	.exited = handle_mux_exited,
};

/* strata-audio-mux, a core process (the compositor's user), its control
 * socket as fd 3; supervised: restarted with back-off. */
static bool
create_mux(struct strata_audio *audio)
{
	struct strata_server *server = audio->server;
	char quantum[16];
	snprintf(quantum, sizeof(quantum), "%d", server->config.audio_quantum);
	char specs[STRATA_MAX_LEVELS][2 * PATH_MAX + 40];
	const char *argv[8 + 2 * STRATA_MAX_LEVELS];
	size_t n = 0;
	argv[n++] = audio->mux_bin;
	argv[n++] = "--core-remote";
	argv[n++] = audio->core_remote;
	for (size_t i = 0; i < audio->level_count; i++) {
		snprintf(specs[i], sizeof(specs[i]), "%s:%s:%s", server->config.levels[i].name,
				audio->levels[i].playback, audio->levels[i].mic);
		argv[n++] = "--level";
		argv[n++] = specs[i];
	}
	argv[n++] = "--control-fd";
	argv[n++] = "3";
	argv[n++] = "--quantum";
	argv[n++] = quantum;
	argv[n] = NULL;
	const struct process_spec spec = {
		.argv = argv,
		.log_path = audio->log_path,
		.socket_target = 3,
		.restart = PROCESS_RESTART_ALWAYS,
	};
	audio->mux = process_create(server->supervisor, &spec, &mux_events, audio);
	return audio->mux != NULL;
}

/* Whether the level hears what the mux writes into its mic FIFO: its
 * strata-audio-level runs and said ready (see struct audio_level). */
static bool
level_up(struct strata_audio *audio, int level)
{
	return level >= 0 && (size_t)level < audio->level_count && audio->levels[level].up;
}

static void
level_set_up(struct audio_level *al, bool up)
{
	if (al->up == up) {
		return;
	}
	al->up = up;
	wlr_log(up ? WLR_INFO : WLR_ERROR, "level %s: its sound is %s",
			level_name(al->audio, al->index), up ? "up" : "down");
	if (!al->audio->stopping) {
		/* The microphone is cut (or given back) where it was meant to go. */
		send_mic(al->audio);
		server_status_changed(al->audio->server);
	}
}

static void
handle_level_ready(void *data, bool ready)
{
	level_set_up(data, ready);
}

static void
handle_level_exited(void *data, pid_t pid, int status)
{
	/* The supervisor has logged how it ended. */
	level_set_up(data, false);
}

static const struct process_events level_events = {
	.ready = handle_level_ready,
	.exited = handle_level_exited,
};

/* strata-audio-level in the level's cage, supervised. */
static bool
create_level(struct audio_level *al)
{
	struct strata_audio *audio = al->audio;
	const struct cage_bind binds[] = {
		{ al->dir, CAGE_AUDIO_DIR },
		{ audio->level_bin, CAGE_AUDIO_LEVEL_BIN },
	};
	const char *argv[] = { CAGE_AUDIO_LEVEL_BIN, "--config", CAGE_AUDIO_DIR "/pipewire.conf",
		"--pulse-config", CAGE_AUDIO_DIR "/pipewire-pulse.conf", NULL };
	char err[256];
	al->process = session_cage_service(audio->server->session, al->index, argv, binds,
			sizeof(binds) / sizeof(binds[0]), LEVEL_READY_LINE, LEVEL_DOWN_LINE, false,
			&level_events, al, err, sizeof(err));
	if (!al->process) {
		wlr_log(WLR_ERROR, "level %s: no sound: %s", level_name(audio, al->index), err);
	}
	return al->process != NULL;
}

/* The template with its @WORDS@ replaced, written 0640 root:gid. */
static bool
instantiate(struct strata_audio *audio, const char *template_name, const char *out_path,
		const char *const *pairs, gid_t gid)
{
	char in_path[PATH_MAX];
	if (!session_join_path(in_path, sizeof(in_path), audio->template_dir, template_name)) {
		return false;
	}
	FILE *in = fopen(in_path, "re");
	if (!in) {
		wlr_log_errno(WLR_ERROR, "audio: cannot read %s", in_path);
		return false;
	}
	unlink(out_path);
	int fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		wlr_log_errno(WLR_ERROR, "audio: cannot write %s", out_path);
		if (fd >= 0) {
			close(fd);
		}
		fclose(in);
		return false;
	}
	char line[1024];
	while (fgets(line, sizeof(line), in)) {
		const char *p = line;
		while (*p) {
			bool replaced = false;
			for (size_t i = 0; pairs[i]; i += 2) {
				size_t len = strlen(pairs[i]);
				if (strncmp(p, pairs[i], len) == 0) {
					fputs(pairs[i + 1], out);
					p += len;
					replaced = true;
					break;
				}
			}
			if (!replaced) {
				fputc(*p++, out);
			}
		}
	}
	bool ok = !ferror(in) && fchown(fd, 0, gid) == 0 && fchmod(fd, 0640) == 0;
	ok = fclose(out) == 0 && ok;
	fclose(in);
	if (!ok) {
		wlr_log_errno(WLR_ERROR, "audio: cannot write %s", out_path);
	}
	return ok;
}

static bool
make_fifo(const char *path, gid_t gid)
{
	unlink(path);
	if (mkfifo(path, 0600) < 0 || chown(path, 0, gid) < 0 || chmod(path, 0660) < 0) {
		wlr_log_errno(WLR_ERROR, "audio: cannot create the FIFO %s", path);
		return false;
	}
	return true;
}

static bool
prepare_level(struct strata_audio *audio, int index)
{
	struct strata_server *server = audio->server;
	struct audio_level *al = &audio->levels[index];
	al->audio = audio;
	al->index = index;
	uid_t uid;
	gid_t gid;
	if (!session_level_ids(server->session, index, &uid, &gid)) {
		return false;
	}
	const char *name = server->config.levels[index].name;
	/* Built from a local copy: gcc -O3 cannot tell al->dir from al->mic. */
	char dir[PATH_MAX], conf[PATH_MAX], pulse_conf[PATH_MAX];
	if (!session_join_path(dir, sizeof(dir), audio->dir, name) ||
			!session_join_path(al->playback, sizeof(al->playback), dir, "playback") ||
			!session_join_path(al->mic, sizeof(al->mic), dir, "mic") ||
			!session_join_path(conf, sizeof(conf), dir, "pipewire.conf") ||
			!session_join_path(pulse_conf, sizeof(pulse_conf), dir,
					"pipewire-pulse.conf")) {
		wlr_log(WLR_ERROR, "audio: paths for level %s are too long", name);
		return false;
	}
	memcpy(al->dir, dir, sizeof(al->dir));
	char quantum[16];
	snprintf(quantum, sizeof(quantum), "%d", server->config.audio_quantum);
	const char *const pairs[] = { "@PLAYBACK_FIFO@", CAGE_AUDIO_DIR "/playback", "@MIC_FIFO@",
		CAGE_AUDIO_DIR "/mic", "@QUANTUM@", quantum, NULL };
	if (!session_make_dir(al->dir, 0750, 0, gid, true) || !make_fifo(al->playback, gid) ||
			!make_fifo(al->mic, gid) ||
			!instantiate(audio, "level-pipewire.conf.in", conf, pairs, gid) ||
			!instantiate(audio, "level-pipewire-pulse.conf.in", pulse_conf, pairs,
					gid)) {
		return false;
	}
	return create_level(al);
}

static bool
find_programs(struct strata_audio *audio)
{
	if (!paths_find(audio->mux_bin, sizeof(audio->mux_bin), PATHS_PROGRAM, NULL, "../audio-mux",
			    "strata-audio-mux", X_OK) ||
			!paths_find(audio->level_bin, sizeof(audio->level_bin), PATHS_PROGRAM, NULL,
					"../audio-mux", "strata-audio-level", X_OK)) {
		wlr_log(WLR_ERROR,
				"audio: strata-audio-mux or strata-audio-level not found: "
				"no sound");
		return false;
	}
	/* Both templates root reads to write every level's PipeWire
	 * configuration are checked; they are read from the first's directory. */
	char pulse[PATH_MAX];
	if (!paths_find(audio->template_dir, sizeof(audio->template_dir), PATHS_DATA, "audio",
			    "../audio-mux", "level-pipewire.conf.in", R_OK) ||
			!paths_find(pulse, sizeof(pulse), PATHS_DATA, "audio", "../audio-mux",
					"level-pipewire-pulse.conf.in", R_OK)) {
		wlr_log(WLR_ERROR, "audio: no trusted PipeWire templates: no sound");
		return false;
	}
	*strrchr(audio->template_dir, '/') = '\0';
	return true;
}

/*
 * strata-audio-level runs as the level's user, who may not reach where it
 * was found (a build tree or an install under a 0700 home): it is copied
 * into the runtime directory, and that copy is what each cage binds.
 */
static bool
stage_level_program(struct strata_audio *audio)
{
	char staged[PATH_MAX];
	if (!session_join_path(staged, sizeof(staged), audio->dir, STAGED_LEVEL_BIN)) {
		return false;
	}
	if (!paths_copy_program(audio->level_bin, staged)) {
		wlr_log_errno(WLR_ERROR, "audio: cannot copy %s to %s: no sound", audio->level_bin,
				staged);
		return false;
	}
	snprintf(audio->level_bin, sizeof(audio->level_bin), "%s", staged);
	return true;
}

static void handle_focus(struct wl_listener *listener, void *data);

struct strata_audio *
audio_create(struct strata_server *server)
{
	const struct strata_config *cfg = &server->config;
	if (!cfg->audio_enabled) {
		return NULL;
	}
	if (!session_is_root(server->session)) {
		wlr_log(WLR_ERROR, "audio: needs the cages (strata as root): no sound");
		return NULL;
	}
	struct strata_audio *audio = calloc(1, sizeof(*audio));
	if (!audio) {
		return NULL;
	}
	audio->server = server;
	audio->control_fd = -1;
	audio->focus = audio->grant = audio->mic_holder = -1;
	audio->level_count = cfg->level_count;
	if (cfg->audio_core_remote[0]) {
		snprintf(audio->core_remote, sizeof(audio->core_remote), "%s",
				cfg->audio_core_remote);
	} else {
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		if (xdg && xdg[0] == '/') {
			snprintf(audio->core_remote, sizeof(audio->core_remote), "%s/pipewire-0",
					xdg);
		} else {
			snprintf(audio->core_remote, sizeof(audio->core_remote),
					"/run/user/%u/pipewire-0", (unsigned)geteuid());
		}
	}
	if (!find_programs(audio) ||
			!session_join_path(audio->dir, sizeof(audio->dir), server->runtime_dir,
					"audio") ||
			!session_join_path(audio->log_path, sizeof(audio->log_path),
					server->runtime_dir, "log-audio") ||
			!session_make_dir(audio->dir, 0711, 0, 0, true)) {
		free(audio);
		return NULL;
	}
	if (!stage_level_program(audio)) {
		rmdir(audio->dir);
		free(audio);
		return NULL;
	}
	for (size_t i = 0; i < audio->level_count; i++) {
		if (!prepare_level(audio, (int)i)) {
			audio_destroy(audio);
			return NULL;
		}
	}
	if (!create_mux(audio)) {
		audio_destroy(audio);
		return NULL;
	}
	audio->seat_focus.notify = handle_focus;
	wl_signal_add(&server->seat->events.focus, &audio->seat_focus);
	/* FIFOs first, then the mux (it opens them), then the levels. A
	 * process that cannot start now is tried again after its back-off. */
	process_start(audio->mux);
	for (size_t i = 0; i < audio->level_count; i++) {
		process_start(audio->levels[i].process);
	}
	wlr_log(WLR_INFO, "audio: core PipeWire %s, microphone %s", audio->core_remote,
			cfg->audio_mic == STRATA_AUDIO_MIC_FOLLOW ? "follows the focus" :
								    "off until granted (Logo+M)");
	return audio;
}

void
audio_destroy(struct strata_audio *audio)
{
	if (!audio) {
		return;
	}
	audio->stopping = true;
	struct strata_server *server = audio->server;
	if (audio->seat_focus.notify) {
		wl_list_remove(&audio->seat_focus.link);
	}
	/* No more callbacks; what still runs is stopped (SIGTERM, then SIGKILL)
	 * and reaped by the supervisor. The mux also ends on the EOF of its
	 * control socket, the microphone off first. */
	process_destroy(audio->mux);
	static const char *const files[] = { "playback", "mic", "pipewire.conf",
		"pipewire-pulse.conf" };
	for (size_t i = 0; i < audio->level_count; i++) {
		struct audio_level *al = &audio->levels[i];
		process_destroy(al->process);
		for (size_t k = 0; al->dir[0] && k < sizeof(files) / sizeof(files[0]); k++) {
			char path[PATH_MAX];
			if (session_join_path(path, sizeof(path), al->dir, files[k])) {
				unlink(path);
			}
		}
		if (al->dir[0]) {
			rmdir(al->dir);
		}
	}
	char staged[PATH_MAX];
	if (audio->dir[0] &&
			session_join_path(staged, sizeof(staged), audio->dir, STAGED_LEVEL_BIN)) {
		unlink(staged);
		rmdir(audio->dir);
	}
	if (audio->log_path[0]) {
		unlink(audio->log_path);
	}
	control_close(audio);
	if (server->audio == audio) {
		server->audio = NULL;
	}
	free(audio);
}

static void
handle_focus(struct wl_listener *listener, void *data)
{
	struct strata_audio *audio = wl_container_of(listener, audio, seat_focus);
	struct seat_focus_event *event = data;
	int level = event->new_level >= 0 ? event->new_level : -1;
	if (audio->focus == level) {
		return;
	}
	audio->focus = level;
	if (audio->server->config.audio_mic != STRATA_AUDIO_MIC_FOLLOW) {
		send_focus(audio);
		return;
	}
	/* The mux acts on each command as it comes: a microphone that must be
	 * cut is cut before focus moves, never after. */
	if (audio->muted || !level_up(audio, level)) {
		send_mic(audio);
		send_focus(audio);
	} else {
		send_focus(audio);
		send_mic(audio);
	}
}

void
audio_set_locked(struct strata_server *server, bool locked)
{
	struct strata_audio *audio = server->audio;
	if (!audio || audio->locked == locked) {
		return;
	}
	audio->locked = locked;
	wlr_log(WLR_INFO, "audio: microphone %s",
			locked ? "revoked: the screen is locked" : "as before the lock");
	send_mic(audio);
}

void
audio_toggle_mic(struct strata_server *server)
{
	struct strata_audio *audio = server->audio;
	if (!audio) {
		notice_post(server, "Sound is not enabled");
		return;
	}
	if (server->config.audio_mic == STRATA_AUDIO_MIC_FOLLOW) {
		audio->muted = !audio->muted;
		wlr_log(WLR_INFO, "audio: microphone %s by the user",
				audio->muted ? "muted" : "unmuted");
	} else {
		int level = seat_focused_level(server->seat);
		level = level >= 0 ? level : -1;
		if (audio->grant >= 0 && (level < 0 || audio->grant == level)) {
			wlr_log(WLR_INFO, "audio: microphone taken back from %s by the user",
					level_name(audio, audio->grant));
			audio->grant = -1;
		} else if (level >= 0) {
			audio->grant = level;
			wlr_log(WLR_INFO, "audio: microphone granted to %s by the user",
					level_name(audio, level));
		} else {
			notice_post(server, "Focus a window to give its level the microphone");
			return;
		}
	}
	send_mic(audio);
}

/* Appends "sep" (or "prefix" first) and name to out; a name that does not
 * fit whole is never cut: "…" says more were left out. */
static void
append_name(char *out, size_t size, size_t *used, const char *prefix, const char *sep,
		const char *name)
{
	static const char more[] = "\u2026";
	if (strstr(out, more)) {
		return; /* already cut */
	}
	const char *lead = *used ? sep : prefix;
	size_t need = strlen(lead) + strlen(name);
	if (*used + need + sizeof(more) > size) {
		if (*used + sizeof(more) <= size) {
			memcpy(out + *used, more, sizeof(more));
			*used += sizeof(more) - 1;
		}
		return;
	}
	*used += (size_t)snprintf(out + *used, size - *used, "%s%s", lead, name);
}

void
audio_level_state(struct strata_server *server, int level, bool *up, bool *playing)
{
	struct strata_audio *audio = server->audio;
	bool known = audio && level >= 0 && (size_t)level < audio->level_count;
	*up = known && audio->ready && level_up(audio, level);
	*playing = known && *up && audio->playing[level];
}

void
audio_banner_mic(struct strata_server *server, char *out, size_t size)
{
	struct strata_audio *audio = server->audio;
	if (size == 0) {
		return;
	}
	out[0] = '\0';
	if (!audio) {
		return;
	}
	if (!audio->ready) {
		/* No mux: nobody hears the microphone, nobody is heard. */
		snprintf(out, size, "\u26a0 sound down");
		return;
	}
	/* The mux writes into the holder's mic FIFO; it reaches the level only
	 * while the level's PipeWire reads it: not while its audio is down. */
	if (audio->mic_holder >= 0 && level_up(audio, audio->mic_holder)) {
		snprintf(out, size, "MIC: %s", level_name(audio, audio->mic_holder));
	}
}

void
audio_banner_playing(struct strata_server *server, char *out, size_t size)
{
	struct strata_audio *audio = server->audio;
	if (size == 0) {
		return;
	}
	out[0] = '\0';
	if (!audio || !audio->ready) {
		return; /* the mic line says the whole sound is down */
	}
	size_t used = 0;
	for (size_t i = 0; i < audio->level_count; i++) {
		if (!level_up(audio, (int)i)) {
			append_name(out, size, &used, "\u26a0 sound down: ", ", ",
					level_name(audio, (int)i));
		}
	}
	bool first = true;
	for (size_t i = 0; i < audio->level_count; i++) {
		/* A level whose sound is down plays nothing, whatever is left in
		 * its FIFO. */
		if (audio->playing[i] && level_up(audio, (int)i)) {
			append_name(out, size, &used, "sound: ", first ? "; sound: " : ", ",
					level_name(audio, (int)i));
			first = false;
		}
	}
}

/* "NAME,NAME" of the levels for which want(level) holds, or "none". */
static void
describe_levels(struct strata_audio *audio, bool (*want)(struct strata_audio *, int), char *out,
		size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < audio->level_count && used < size; i++) {
		if (want(audio, (int)i)) {
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "",
					level_name(audio, (int)i));
		}
	}
	if (!used) {
		snprintf(out, size, "none");
	}
}

static bool
is_playing(struct strata_audio *audio, int level)
{
	return audio->playing[level];
}

static bool
is_down(struct strata_audio *audio, int level)
{
	return !level_up(audio, level);
}

void
audio_describe(struct strata_server *server, char *out, size_t size)
{
	struct strata_audio *audio = server->audio;
	if (!audio) {
		snprintf(out, size, "ready=0 mic=none playing=none enabled=0");
		return;
	}
	char playing[STRATA_MAX_LEVELS * (STRATA_LEVEL_NAME_MAX + 1) + 8];
	char down[sizeof(playing)];
	char starts[STRATA_MAX_LEVELS * (STRATA_LEVEL_NAME_MAX + 12) + 8] = "";
	describe_levels(audio, is_playing, playing, sizeof(playing));
	describe_levels(audio, is_down, down, sizeof(down));
	size_t used = 0;
	for (size_t i = 0; i < audio->level_count && used < sizeof(starts); i++) {
		struct process_info info;
		process_get_info(audio->levels[i].process, &info);
		used += (size_t)snprintf(starts + used, sizeof(starts) - used, "%s%s:%u",
				used ? "," : "", level_name(audio, (int)i), info.starts);
	}
	int heard = audio->ready && level_up(audio, audio->mic_holder) ? audio->mic_holder : -1;
	snprintf(out, size, "ready=%d mic=%s playing=%s enabled=1 down=%s heard=%s starts=%s",
			audio->ready, level_name(audio, audio->mic_holder), playing, down,
			level_name(audio, heard), starts);
}
