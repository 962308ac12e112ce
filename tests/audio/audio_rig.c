// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "audio_rig.h"
#include "common/io.h"

static const char *const level_names[RIG_LEVELS] = { "low", "high" };

uint64_t
rig_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
rig_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

const char *
rig_path(struct rig *rig, const char *name)
{
	static char paths[8][256];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, sizeof(paths[0]), "%s/%s", rig->dir, name);
	return p;
}

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

/* ---- logs and failure --------------------------------------------------- */

static void
dump_tail(const char *title, const char *path, int lines)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		return;
	}
	char *text = NULL;
	size_t cap = 0;
	ssize_t len = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (len <= 0) {
		free(text);
		return;
	}
	const char *start = text + len;
	int n = 0;
	while (start > text && n <= lines) {
		start--;
		if (*start == '\n') {
			n++;
		}
	}
	tap_diag("---- %s (%s) ----", title, path);
	char *save = NULL;
	for (char *line = strtok_r((char *)start, "\n", &save); line;
			line = strtok_r(NULL, "\n", &save)) {
		tap_diag("%s", line);
	}
	free(text);
}

static void
dump_logs(struct rig *rig)
{
	for (int i = 0; i < RIG_MAX_PROCS; i++) {
		if (rig->procs[i].name[0]) {
			dump_tail(rig->procs[i].name, rig->procs[i].log, 12);
		}
	}
	if (rig->lines_len > 0) {
		tap_diag("---- lines from the mux ----");
		tap_diag("%.*s", (int)rig->lines_len, rig->lines);
	}
}

void
rig_fail_at(struct rig *rig, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list args;
	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	if (rig) {
		rig_poll_lines(rig);
		dump_logs(rig);
		tap_diag("rig directory: %s", rig->dir);
	}
	/* the reaper kills every process group and removes the directory */
	tap_fail_at(file, line, "%s", msg);
}

/* ---- processes ---------------------------------------------------------- */

static struct rig_proc *
find_proc(struct rig *rig, pid_t pid)
{
	for (int i = 0; i < RIG_MAX_PROCS; i++) {
		if (rig->procs[i].pid == pid && pid > 0) {
			return &rig->procs[i];
		}
	}
	return NULL;
}

/* Reaps every child that has exited, ours or orphans handed to us as the
 * subreaper (the daemons' context.exec children). */
static void
reap_any(struct rig *rig)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct rig_proc *p = find_proc(rig, pid);
		if (p) {
			p->exited = true;
			p->status = status;
		}
		if (pid == rig->reaper.pid) {
			rig->reaper.pid = 0; /* group_reaper_finish() must not wait for it */
		}
	}
}

static bool
group_gone(pid_t pgid)
{
	return kill(-pgid, 0) < 0 && errno == ESRCH;
}

bool
rig_wait_exit(struct rig *rig, pid_t pid, int timeout_ms, int *status)
{
	struct rig_proc *p = find_proc(rig, pid);
	if (!p) {
		rig_fail(rig, "unknown process %d", (int)pid);
	}
	uint64_t end = rig_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		reap_any(rig);
		if (p->exited) {
			if (status) {
				*status = p->status;
			}
			return true;
		}
		if (rig_now_ns() > end) {
			return false;
		}
		rig_sleep_ms(5);
	}
}

static void
wait_group_gone(struct rig *rig, pid_t pgid, int timeout_ms)
{
	uint64_t end = rig_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	while (!group_gone(pgid) && rig_now_ns() < end) {
		reap_any(rig);
		rig_sleep_ms(5);
	}
	reap_any(rig);
}

void
rig_stop_proc(struct rig *rig, pid_t pid, int *status)
{
	struct rig_proc *p = find_proc(rig, pid);
	if (!p) {
		rig_fail(rig, "unknown process %d", (int)pid);
	}
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM); /* in case it has not made its group yet */
	if (!rig_wait_exit(rig, pid, 2000, status)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		rig_wait_exit(rig, pid, 2000, status);
	}
	wait_group_gone(rig, pid, 2000);
	if (!group_gone(pid)) {
		kill(-pid, SIGKILL);
		wait_group_gone(rig, pid, 2000);
	}
}

void
rig_kill_proc(struct rig *rig, pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	if (!rig_wait_exit(rig, pid, 3000, NULL)) {
		rig_fail(rig, "process %d survives SIGKILL", (int)pid);
	}
	wait_group_gone(rig, pid, 3000);
}

bool
rig_proc_alive(struct rig *rig, pid_t pid)
{
	reap_any(rig);
	struct rig_proc *p = find_proc(rig, pid);
	return p && !p->exited;
}

const char *
rig_proc_log(struct rig *rig, pid_t pid)
{
	struct rig_proc *p = find_proc(rig, pid);
	return p ? p->log : "";
}

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		return NULL;
	}
	char *text = NULL;
	size_t cap = 0;
	if (getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

bool
rig_wait_log(struct rig *rig, pid_t pid, const char *needle, int timeout_ms)
{
	const char *log = rig_proc_log(rig, pid);
	uint64_t end = rig_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		char *text = read_text(log);
		bool found = text && strstr(text, needle);
		free(text);
		if (found) {
			return true;
		}
		if (rig_now_ns() > end || !rig_proc_alive(rig, pid)) {
			return false;
		}
		rig_sleep_ms(5);
	}
}

static void
build_env(struct rig *rig, enum rig_place place, char **env, char store[][300], int max)
{
	static const char *const passthrough[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
		"ASAN_SYMBOLIZER_PATH", "G_SLICE", "G_DEBUG", "PIPEWIRE_DEBUG", "LD_LIBRARY_PATH",
		NULL };
	int n = 0;
	snprintf(store[n++], 300, "PATH=%s", env_or("PATH", "/usr/local/bin:/usr/bin:/bin"));
	snprintf(store[n++], 300, "HOME=%s", rig->dir);
	snprintf(store[n++], 300, "XDG_CONFIG_HOME=%s/xdg", rig->dir);
	snprintf(store[n++], 300, "LANG=C.UTF-8");
	if (place == RIG_CORE) {
		snprintf(store[n++], 300, "XDG_RUNTIME_DIR=%s/core", rig->dir);
		snprintf(store[n++], 300, "PIPEWIRE_REMOTE=%s", rig->core_socket);
	} else {
		snprintf(store[n++], 300, "XDG_RUNTIME_DIR=%s", rig->runtime[place]);
	}
	for (const char *const *k = passthrough; *k && n < max - 1; k++) {
		const char *v = getenv(*k);
		if (v) {
			snprintf(store[n++], 300, "%s=%s", *k, v);
		}
	}
	for (int i = 0; i < n; i++) {
		env[i] = store[i];
	}
	env[n] = NULL;
}

static pid_t
spawn(struct rig *rig, enum rig_place place, const char *name, char *const argv[], int keep_fd)
{
	struct rig_proc *slot = NULL;
	for (int i = 0; i < RIG_MAX_PROCS && !slot; i++) {
		if (rig->procs[i].pid == 0 && rig->procs[i].name[0] == '\0') {
			slot = &rig->procs[i];
		}
	}
	if (!slot) {
		rig_fail(rig, "too many processes");
	}
	snprintf(slot->name, sizeof(slot->name), "%s", name);
	snprintf(slot->log, sizeof(slot->log), "%s/%02d-%s.log", rig->dir, rig->seq++, name);
	char store[24][300];
	char *env[24];
	build_env(rig, place, env, store, 24);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		rig_fail(rig, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		setsid();
		int log = open(slot->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int null = open("/dev/null", O_RDONLY);
		if (log < 0 || null < 0) {
			_exit(126);
		}
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		if (keep_fd >= 0) {
			dup2(keep_fd, 3);
		}
		for (int fd = keep_fd >= 0 ? 4 : 3; fd < 1024; fd++) {
			close(fd);
		}
		execvpe(argv[0], argv, env);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	slot->pid = pid;
	if (!group_reaper_add(&rig->reaper, pid)) {
		tap_diag("cannot tell the reaper about %d", (int)pid);
	}
	return pid;
}

pid_t
rig_spawn(struct rig *rig, enum rig_place place, const char *name, char *const argv[])
{
	return spawn(rig, place, name, argv, -1);
}

/* ---- the probe ------------------------------------------------------------ */

static const char *
probe_bin(void)
{
	return env_or("STRATA_AUDIO_PROBE_BIN", "strata-audio-probe");
}

pid_t
rig_play_tone(struct rig *rig, enum rig_place place, const char *name, double hz, double amp,
		const char *link)
{
	char tone[32], gain[32];
	snprintf(tone, sizeof(tone), "%g", hz);
	snprintf(gain, sizeof(gain), "%g", amp);
	char *argv[] = { (char *)probe_bin(), "play", "--name", (char *)name, "--tone", tone,
		"--amp", gain, link ? "--link-to" : NULL, (char *)link, NULL };
	pid_t pid = rig_spawn(rig, place, name, argv);
	if (!rig_wait_log(rig, pid, "ready", 5000)) {
		rig_fail(rig, "player %s not ready", name);
	}
	return pid;
}

pid_t
rig_record(struct rig *rig, enum rig_place place, const char *name, const char *link)
{
	char out[300], timeline[300];
	snprintf(out, sizeof(out), "%s/%s.wav", rig->dir, name);
	snprintf(timeline, sizeof(timeline), "%s/%s.timeline", rig->dir, name);
	char *argv[] = { (char *)probe_bin(), "record", "--name", (char *)name, "--out", out,
		"--timeline", timeline, link ? "--link-from" : NULL, (char *)link, NULL };
	pid_t pid = rig_spawn(rig, place, name, argv);
	if (!rig_wait_log(rig, pid, "ready", 5000)) {
		rig_fail(rig, "recorder %s not ready", name);
	}
	return pid;
}

void
recording_free(struct recording *rec)
{
	audio_buffer_free(&rec->audio);
	free(rec->t_ns);
	free(rec->first);
	free(rec->frames);
	free(rec->peak);
	memset(rec, 0, sizeof(*rec));
}

void
rig_stop_record(struct rig *rig, pid_t pid, const char *name, struct recording *out)
{
	int status = 0;
	memset(out, 0, sizeof(*out));
	rig_stop_proc(rig, pid, &status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rig_fail(rig, "recorder %s ended with status 0x%x", name, status);
	}
	char path[300], err[300];
	snprintf(path, sizeof(path), "%s/%s.wav", rig->dir, name);
	if (!audio_wav_read(path, &out->audio, err, sizeof(err))) {
		rig_fail(rig, "%s", err);
	}
	snprintf(path, sizeof(path), "%s/%s.timeline", rig->dir, name);
	FILE *f = fopen(path, "r");
	if (!f) {
		rig_fail(rig, "%s: %s", path, strerror(errno));
	}
	size_t cap = 0;
	long long t;
	unsigned long long first;
	unsigned frames;
	float peak;
	while (fscanf(f, "%lld %llu %u %f", &t, &first, &frames, &peak) == 4) {
		if (out->entries == cap) {
			cap = cap ? cap * 2 : 1024;
			out->t_ns = realloc(out->t_ns, cap * sizeof(*out->t_ns));
			out->first = realloc(out->first, cap * sizeof(*out->first));
			out->frames = realloc(out->frames, cap * sizeof(*out->frames));
			out->peak = realloc(out->peak, cap * sizeof(*out->peak));
			if (!out->t_ns || !out->first || !out->frames || !out->peak) {
				fclose(f);
				rig_fail(rig, "out of memory");
			}
		}
		out->t_ns[out->entries] = t;
		out->first[out->entries] = first;
		out->frames[out->entries] = frames;
		out->peak[out->entries] = peak;
		out->entries++;
	}
	fclose(f);
	if (out->entries == 0 || out->audio.frames == 0) {
		rig_fail(rig, "recorder %s recorded nothing", name);
	}
}

void
recording_slice(const struct recording *rec, uint64_t from_ns, uint64_t to_ns, size_t *start,
		size_t *count)
{
	size_t begin = (size_t)-1, end = 0;
	for (size_t i = 0; i < rec->entries; i++) {
		if ((uint64_t)rec->t_ns[i] < from_ns || (uint64_t)rec->t_ns[i] >= to_ns) {
			continue;
		}
		if (begin == (size_t)-1) {
			begin = rec->first[i];
		}
		end = rec->first[i] + rec->frames[i];
	}
	*start = begin == (size_t)-1 ? 0 : begin;
	*count = begin == (size_t)-1 || end < begin ? 0 : end - begin;
}

size_t
recording_nonzero_after(const struct recording *rec, uint64_t from_ns, uint64_t to_ns)
{
	size_t n = 0;
	for (size_t i = 0; i < rec->entries; i++) {
		if ((uint64_t)rec->t_ns[i] >= from_ns && (uint64_t)rec->t_ns[i] < to_ns) {
			n += audio_count_above(&rec->audio, rec->first[i], rec->frames[i], 0.0f);
		}
	}
	return n;
}

const char *
rig_tone_file(struct rig *rig, const char *name, double hz, double seconds)
{
	const char *path = rig_path(rig, name);
	struct audio_buffer buf;
	if (!audio_tone(&buf, hz, seconds, 0.5, 2, 48000) || !audio_wav_write(path, &buf, false)) {
		audio_buffer_free(&buf);
		rig_fail(rig, "cannot write %s", path);
	}
	audio_buffer_free(&buf);
	return path;
}

/* ---- the mux's control socket -------------------------------------------- */

void
rig_poll_lines(struct rig *rig)
{
	if (rig->control_fd < 0) {
		return;
	}
	char buf[4096];
	ssize_t n;
	while ((n = recv(rig->control_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (rig->lines_len + 1 >= sizeof(rig->lines)) {
				break; /* the test never needs that many */
			}
			rig->lines[rig->lines_len++] = buf[i];
		}
	}
}

bool
rig_expect(struct rig *rig, const char *expected, int timeout_ms, uint64_t *when)
{
	uint64_t end = rig_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	size_t want = strlen(expected);
	for (;;) {
		rig_poll_lines(rig);
		uint64_t now = rig_now_ns();
		/* complete lines after consumed */
		size_t pos = rig->consumed;
		while (pos < rig->lines_len) {
			const char *nl = memchr(rig->lines + pos, '\n', rig->lines_len - pos);
			if (!nl) {
				break;
			}
			size_t len = (size_t)(nl - (rig->lines + pos));
			bool match = len == want && memcmp(rig->lines + pos, expected, want) == 0;
			pos += len + 1;
			if (match) {
				rig->consumed = pos;
				if (when) {
					*when = now;
				}
				return true;
			}
		}
		if (now > end) {
			return false;
		}
		struct pollfd pfd = { .fd = rig->control_fd, .events = POLLIN };
		poll(&pfd, 1, 1);
	}
}

uint64_t
rig_send(struct rig *rig, const char *line)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);
	uint64_t t = rig_now_ns();
	rig_send_raw(rig, buf, (size_t)n);
	return t;
}

void
rig_send_raw(struct rig *rig, const void *bytes, size_t len)
{
	if (!io_write_all(rig->control_fd, bytes, len)) {
		rig_fail(rig, "cannot write to the mux: %s", strerror(errno));
	}
}

void
rig_start_mux(struct rig *rig)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rig_fail(rig, "socketpair: %s", strerror(errno));
	}
	char quantum[16], levels[RIG_LEVELS][300];
	snprintf(quantum, sizeof(quantum), "%u", rig->quantum);
	for (int i = 0; i < RIG_LEVELS; i++) {
		snprintf(levels[i], sizeof(levels[i]), "%s:%s:%s", level_names[i],
				rig->playback_fifo[i], rig->mic_fifo[i]);
	}
	char *argv[] = { (char *)env_or("STRATA_AUDIO_MUX_BIN", "strata-audio-mux"), "-d",
		"--core-remote", rig->core_socket, "--level", levels[0], "--level", levels[1],
		"--control-fd", "3", "--quantum", quantum, NULL };
	if (!getenv("STRATA_TEST_DEBUG")) {
		/* no -d: info level is plenty */
		memmove(&argv[1], &argv[2], sizeof(argv) - 2 * sizeof(argv[0]));
	}
	rig->mux_pid = spawn(rig, RIG_CORE, "mux", argv, sv[1]);
	close(sv[1]);
	if (rig->control_fd >= 0) {
		close(rig->control_fd);
	}
	rig->control_fd = sv[0];
	rig->lines_len = rig->consumed = 0;
	if (!rig_expect(rig, "ready", 5000, NULL)) {
		rig_fail(rig, "the mux did not say ready");
	}
}

/* ---- setup and teardown ----------------------------------------------------- */

static char *
replace_all(char *text, const char *key, const char *value)
{
	char *pos;
	while ((pos = strstr(text, key))) {
		size_t before = (size_t)(pos - text), klen = strlen(key), vlen = strlen(value);
		size_t rest = strlen(pos + klen);
		char *out = malloc(before + vlen + rest + 1);
		if (!out) {
			free(text);
			return NULL;
		}
		memcpy(out, text, before);
		memcpy(out + before, value, vlen);
		memcpy(out + before + vlen, pos + klen, rest + 1);
		free(text);
		text = out;
	}
	return text;
}

/* Instantiates a template from STRATA_AUDIO_CONF_DIR: pairs of @KEY@, value. */
static void
instantiate(struct rig *rig, const char *template, const char *out, const char *const *pairs)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/%s", env_or("STRATA_AUDIO_CONF_DIR", "audio-mux"),
			template);
	char *text = read_text(path);
	if (!text) {
		rig_fail(rig, "cannot read %s", path);
	}
	for (const char *const *p = pairs; text && *p; p += 2) {
		text = replace_all(text, p[0], p[1]);
	}
	FILE *f = text ? fopen(out, "w") : NULL;
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		rig_fail(rig, "cannot write %s", out);
	}
	free(text);
}

static void
wait_path(struct rig *rig, const char *path, pid_t pid, const char *what)
{
	uint64_t end = rig_now_ns() + 5000000000ull;
	struct stat st;
	while (stat(path, &st) < 0) {
		if (rig_now_ns() > end || !rig_proc_alive(rig, pid)) {
			rig_fail(rig, "%s: no %s", what, path);
		}
		rig_sleep_ms(2);
	}
}

static void
start_level(struct rig *rig, int i)
{
	char quantum[16], conf[300], pulse_conf[300];
	snprintf(quantum, sizeof(quantum), "%u", rig->quantum);
	snprintf(conf, sizeof(conf), "%s/%s.conf", rig->dir, level_names[i]);
	snprintf(pulse_conf, sizeof(pulse_conf), "%s/%s-pulse.conf", rig->dir, level_names[i]);
	const char *const pulse_pairs[] = { "@QUANTUM@", quantum, NULL };
	instantiate(rig, "level-pipewire-pulse.conf.in", pulse_conf, pulse_pairs);
	const char *const pairs[] = { "@PLAYBACK_FIFO@", rig->playback_fifo[i], "@MIC_FIFO@",
		rig->mic_fifo[i], "@QUANTUM@", quantum, NULL };
	instantiate(rig, "level-pipewire.conf.in", conf, pairs);
	char name[32];
	snprintf(name, sizeof(name), "audio-%s", level_names[i]);
	/* what the compositor runs in the cage */
	char *argv[] = { (char *)env_or("STRATA_AUDIO_LEVEL_BIN", "strata-audio-level"), "--config",
		conf, "--pulse-config", pulse_conf, NULL };
	rig->level_pid[i] = rig_spawn(rig, (enum rig_place)i, name, argv);
	char path[300];
	snprintf(path, sizeof(path), "%s/pipewire-0", rig->runtime[i]);
	wait_path(rig, path, rig->level_pid[i], name);
	snprintf(path, sizeof(path), "%s/pulse/native", rig->runtime[i]);
	wait_path(rig, path, rig->level_pid[i], name);
}

pid_t
rig_find_child(struct rig *rig, pid_t parent, const char *needle)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;
	while (dir && !found && (e = readdir(dir))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9') {
			continue;
		}
		char path[300], buf[4096];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f) {
			continue;
		}
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		const char *p = strrchr(buf, ')');
		int ppid = 0;
		if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1 || ppid != parent) {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		if (!f) {
			continue;
		}
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (size_t k = 0; k + 1 < n; k++) {
			buf[k] = buf[k] ? buf[k] : ' ';
		}
		buf[n] = '\0';
		if (strstr(buf, needle)) {
			found = (pid_t)atoi(e->d_name);
		}
	}
	if (dir) {
		closedir(dir);
	}
	if (!found) {
		rig_fail(rig, "no child of %d running \"%s\"", (int)parent, needle);
	}
	return found;
}

static bool
in_path(const char *program)
{
	char *path = strdup(env_or("PATH", "/usr/bin:/bin"));
	bool found = false;
	char *save = NULL;
	for (char *dir = strtok_r(path, ":", &save); dir && !found;
			dir = strtok_r(NULL, ":", &save)) {
		char full[512];
		snprintf(full, sizeof(full), "%s/%s", dir, program);
		found = access(full, X_OK) == 0;
	}
	free(path);
	return found;
}

/* What the rig runs besides our own programs. */
static void
require_programs(void)
{
	static const char *const programs[] = { "pipewire", "pw-play", "paplay", "pactl", "dd",
		NULL };
	for (const char *const *p = programs; *p; p++) {
		if (in_path(*p)) {
			continue;
		}
		tap_unavailable("%s is missing: apt-get install pipewire pipewire-bin "
				"pipewire-pulse pulseaudio-utils (scripts/install-deps.sh)",
				*p);
	}
}

struct rig *
rig_start(const struct rig_options *opts)
{
	require_programs();
	struct rig *rig = calloc(1, sizeof(*rig));
	if (!rig) {
		tap_fail("out of memory");
	}
	rig->quantum = opts && opts->quantum ? opts->quantum : 1024;
	rig->control_fd = -1;
	snprintf(rig->dir, sizeof(rig->dir), "/tmp/strata-audio-XXXXXX");
	if (!mkdtemp(rig->dir)) {
		tap_fail("mkdtemp: %s", strerror(errno));
	}
	group_reaper_start(&rig->reaper, rig->dir);
	/* the daemons' context.exec children double-fork: adopt them */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	mkdir(rig_path(rig, "xdg"), 0700);
	mkdir(rig_path(rig, "core"), 0700);
	mkdir(rig_path(rig, "fifo"), 0700);
	snprintf(rig->core_socket, sizeof(rig->core_socket), "%s/core/pipewire-0", rig->dir);
	for (int i = 0; i < RIG_LEVELS; i++) {
		rig->level_name[i] = level_names[i];
		snprintf(rig->runtime[i], sizeof(rig->runtime[i]), "%s/%s", rig->dir,
				level_names[i]);
		mkdir(rig->runtime[i], 0700);
		snprintf(rig->playback_fifo[i], sizeof(rig->playback_fifo[i]),
				"%s/fifo/%s.playback", rig->dir, level_names[i]);
		snprintf(rig->mic_fifo[i], sizeof(rig->mic_fifo[i]), "%s/fifo/%s.mic", rig->dir,
				level_names[i]);
		if (mkfifo(rig->playback_fifo[i], 0660) < 0 || mkfifo(rig->mic_fifo[i], 0660) < 0) {
			rig_fail(rig, "mkfifo: %s", strerror(errno));
		}
	}

	char quantum[16], conf[300];
	snprintf(quantum, sizeof(quantum), "%u", rig->quantum);
	snprintf(conf, sizeof(conf), "%s/core.conf", rig->dir);
	const char *const pairs[] = { "@CORE_SOCKET@", rig->core_socket, "@QUANTUM@", quantum,
		NULL };
	instantiate(rig, "core-pipewire-test.conf.in", conf, pairs);
	char *argv[] = { "pipewire", "-c", conf, NULL };
	rig->core_pid = rig_spawn(rig, RIG_CORE, "pipewire-core", argv);
	wait_path(rig, rig->core_socket, rig->core_pid, "core pipewire");
	for (int i = 0; i < RIG_LEVELS; i++) {
		start_level(rig, i);
	}
	if (!opts || !opts->no_mux) {
		rig_start_mux(rig);
	}
	return rig;
}

static void
check_sanitizers(struct rig *rig)
{
	static const char *const reports[] = { "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
		"runtime error:", NULL };
	for (int i = 0; i < RIG_MAX_PROCS; i++) {
		if (!rig->procs[i].name[0]) {
			continue;
		}
		char *text = read_text(rig->procs[i].log);
		for (const char *const *r = reports; text && *r; r++) {
			if (strstr(text, *r)) {
				free(text);
				rig_fail(rig, "%s: sanitizer report in %s", rig->procs[i].name,
						rig->procs[i].log);
			}
		}
		free(text);
	}
}

void
rig_stop(struct rig *rig)
{
	/* the mux first, the way the compositor ends it: EOF on its socket */
	if (rig->mux_pid && rig_proc_alive(rig, rig->mux_pid)) {
		close(rig->control_fd);
		rig->control_fd = -1;
		int status = 0;
		if (!rig_wait_exit(rig, rig->mux_pid, 5000, &status)) {
			rig_fail(rig, "the mux did not exit on EOF");
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			rig_fail(rig, "the mux exited with status 0x%x on EOF", status);
		}
	}
	if (rig->control_fd >= 0) {
		close(rig->control_fd);
		rig->control_fd = -1;
	}
	for (int i = RIG_MAX_PROCS - 1; i >= 0; i--) {
		struct rig_proc *p = &rig->procs[i];
		if (p->pid > 0) {
			if (!p->exited) {
				rig_stop_proc(rig, p->pid, NULL);
			} else {
				wait_group_gone(rig, p->pid, 2000);
			}
		}
	}
	reap_any(rig);
	for (int i = 0; i < RIG_MAX_PROCS; i++) {
		if (rig->procs[i].pid > 0 && !group_gone(rig->procs[i].pid)) {
			rig_fail(rig, "process group of %s (%d) left over", rig->procs[i].name,
					(int)rig->procs[i].pid);
		}
	}
	check_sanitizers(rig);
	group_reaper_finish(&rig->reaper);
	reap_any(rig);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	free(rig);
}
