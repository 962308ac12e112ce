// SPDX-License-Identifier: MIT
/*
 * Audio in a real session: a core PipeWire with null devices (started here
 * from audio-mux/core-pipewire-test.conf.in, like tests/audio's rig), a real
 * strata run as root with [audio] enabled and core_remote pointing at it, the
 * levels' PipeWires in their bubblewrap cages (started by the compositor), and
 * real clients started in the cages through strata-run: pw-play, pw-record,
 * pw-dump, pw-cli, pactl, a shell.
 *
 * What is checked is what a user (or a level trying its luck) observes:
 *   - the core's speakers (a recorder on dev-sink's monitor, outside every
 *     cage), Goertzel at each level's tone: low plays 440 Hz, high 1000 Hz;
 *   - what a recorder inside a cage gets: its own sink's monitor, its
 *     default source (the microphone, into which the core gets 660 Hz);
 *   - the compositor's `audio` test-control answer (ready, mic, playing),
 *     and the banner read from its pixels ("MIC: high", "sound: low, high"
 *     drawn as the test renders them);
 *   - what a shell in the low cage can reach, and what the level's own
 *     PipeWire runs as and sees (from the host, through /proc);
 *   - that the session's audio processes come back when killed (with
 *     back-off, without failed restarts) and are all gone after `quit`;
 *   - that the compositor refuses invalid [audio] values, naming the key.
 *
 * Nothing here is named "strata" on a command line (the core's directory is
 * /tmp/satest-XXXXXX, the probe runs through a symlink "probe"), so that a
 * `pkill -f strata` elsewhere on the machine leaves this test alone. Every
 * process started here has a process group of its own, dies with the test
 * (PR_SET_PDEATHSIG), and is known to a reaper that kills it and removes the
 * directory should the test die first. STRATA_TEST_KEEP=1 keeps the core's
 * directory (logs, recordings).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "audio_signal.h"
#include "common/io.h"
#include "group_reaper.h"
#include "test_fs.h"
#include "banner_check.h"
#include "pam_user.h"
#include "strata_test.h"

#define LOW_HZ 440.0
#define HIGH_HZ 1000.0
#define MIC_HZ 660.0
#define RATE 48000
#define WINDOW 4800 /* tones are judged over 100 ms windows */
#define QUANTUM "1024"
#define MS 1000000ull
#define ROUNDS 3 /* kills of a level's audio in a row */

/* A tone of amplitude 0.5 is "there" at 0.25 or more (-6 dB), "not there"
 * below 0.05 (-20 dB under the tone) in every window: a click or a gap of the
 * tone that is there leaks far less than that into another frequency. */
#define PRESENT 0.25
#define ABSENT 0.05
/* Half of one 16-bit step: the FIFOs carry S16, so any sound at all from a
 * microphone FIFO is at least twice this. */
#define HALF_LSB (0.5f / 32768.0f)

/* ---- the core side: our own processes ------------------------------------ */

#define CORE_MAX_PROCS 16

struct core_proc {
	pid_t pid; /* also its process group */
	bool exited;
	int status;
	char name[40];
	char log[300];
};

struct core {
	char dir[64]; /* /tmp/satest-XXXXXX */
	char socket[128]; /* the core PipeWire's socket */
	char probe[128]; /* symlink to strata-audio-probe */
	pid_t pipewire;
	struct core_proc procs[CORE_MAX_PROCS];
	int seq;
	struct group_reaper reaper;
};

static struct core *core_now; /* the running test's core, for failure dumps */
static struct strata_session *current; /* the running test's session */

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

static void
dump_tail(const char *title, const char *path, int lines)
{
	size_t len = 0;
	char *text = session_read_file(path, &len);
	if (!text) {
		return;
	}
	const char *start = text + len;
	int n = 0;
	while (start > text && n <= lines) {
		start--;
		if (*start == '\n' && start + 1 < text + len) {
			n++;
		}
	}
	if (*start == '\n') {
		start++;
	}
	tap_diag("---- %s (%s) ----\n%s", title, path, *start ? start : "(empty)");
	free(text);
}

/* The logs the session harness does not print: ours, and the output of what
 * ran in the cages. */
static void
dump_extra(void)
{
	if (core_now) {
		for (int i = 0; i < CORE_MAX_PROCS; i++) {
			if (core_now->procs[i].name[0]) {
				dump_tail(core_now->procs[i].name, core_now->procs[i].log, 12);
			}
		}
	}
	if (current && current->runtime_dir[0]) {
		static const char *const levels[] = { "low", "high" };
		for (size_t i = 0; i < 2; i++) {
			char path[512], title[64];
			snprintf(path, sizeof(path), "%s/log-%s", current->runtime_dir, levels[i]);
			snprintf(title, sizeof(title), "output of the %s cage", levels[i]);
			dump_tail(title, path, 25);
		}
		char path[512];
		snprintf(path, sizeof(path), "%s/log-audio", current->runtime_dir);
		dump_tail("output of the mux", path, 25);
	}
}

#define FAIL(...) \
	do { \
		dump_extra(); \
		if (current) { \
			session_fail_at(current, __FILE__, __LINE__, __VA_ARGS__); \
		} \
		tap_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)
#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			FAIL(__VA_ARGS__); \
		} \
	} while (0)

static struct core_proc *
core_find(struct core *c, pid_t pid)
{
	for (int i = 0; i < CORE_MAX_PROCS; i++) {
		if (pid > 0 && c->procs[i].pid == pid) {
			return &c->procs[i];
		}
	}
	return NULL;
}

/* Our own children only: waitpid(-1) would steal the compositor's status
 * from the session harness. */
static void
core_reap(struct core *c)
{
	for (int i = 0; i < CORE_MAX_PROCS; i++) {
		struct core_proc *p = &c->procs[i];
		int status;
		if (p->pid > 0 && !p->exited && waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->exited = true;
			p->status = status;
		}
	}
}

static bool
group_gone(pid_t pgid)
{
	return kill(-pgid, 0) < 0 && errno == ESRCH;
}

/* argv in the core's environment (PIPEWIRE_REMOTE = the core socket), own
 * process group, output in a log. */
static pid_t
core_spawn(struct core *c, const char *name, char *const argv[])
{
	struct core_proc *slot = NULL;
	for (int i = 0; i < CORE_MAX_PROCS && !slot; i++) {
		if (c->procs[i].name[0] == '\0') {
			slot = &c->procs[i];
		}
	}
	CHECK(slot, "too many core processes");
	snprintf(slot->name, sizeof(slot->name), "%s", name);
	snprintf(slot->log, sizeof(slot->log), "%s/%02d-%s.log", c->dir, c->seq++, name);
	char rt[128], home[128];
	snprintf(rt, sizeof(rt), "%s/rt", c->dir);
	snprintf(home, sizeof(home), "%s/home", c->dir);
	fflush(stdout);
	pid_t parent = getpid();
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) {
			_exit(127);
		}
		int null = open("/dev/null", O_RDONLY);
		int log = open(slot->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (null < 0 || log < 0) {
			_exit(126);
		}
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		close_range(3, ~0U, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setenv("PIPEWIRE_REMOTE", c->socket, 1);
		setenv("XDG_RUNTIME_DIR", rt, 1);
		setenv("HOME", home, 1);
		setenv("LANG", "C.UTF-8", 1);
		unsetenv("PULSE_SERVER");
		unsetenv("PIPEWIRE_RUNTIME_DIR");
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	slot->pid = pid;
	if (!group_reaper_add(&c->reaper, pid)) {
		tap_diag("cannot tell the reaper about %d", (int)pid);
	}
	return pid;
}

static bool
core_alive(struct core *c, pid_t pid)
{
	core_reap(c);
	struct core_proc *p = core_find(c, pid);
	return p && !p->exited;
}

static bool
core_wait_log(struct core *c, pid_t pid, const char *needle, int timeout_ms)
{
	struct core_proc *p = core_find(c, pid);
	uint64_t end = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		char *text = session_read_file(p->log, NULL);
		bool found = text && strstr(text, needle);
		free(text);
		if (found) {
			return true;
		}
		if (session_now_ms() > end || !core_alive(c, pid)) {
			return false;
		}
		session_sleep_ms(10);
	}
}

/* SIGTERM to its group, SIGKILL after 3 s; reaped. */
static void
core_stop_proc(struct core *c, pid_t pid)
{
	struct core_proc *p = core_find(c, pid);
	if (!p) {
		return;
	}
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	uint64_t end = session_now_ms() + 3000;
	while (!p->exited && session_now_ms() < end) {
		core_reap(c);
		session_sleep_ms(5);
	}
	if (!p->exited) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		int status;
		if (waitpid(pid, &status, 0) == pid) {
			p->exited = true;
			p->status = status;
		}
	}
	end = session_now_ms() + 2000;
	while (!group_gone(pid) && session_now_ms() < end) {
		session_sleep_ms(5);
	}
	if (!group_gone(pid)) {
		kill(-pid, SIGKILL);
	}
}

static char *
replace_all(char *text, const char *key, const char *value)
{
	char *pos;
	while (text && (pos = strstr(text, key))) {
		size_t before = (size_t)(pos - text), klen = strlen(key), vlen = strlen(value);
		size_t rest = strlen(pos + klen);
		char *out = malloc(before + vlen + rest + 1);
		if (out) {
			memcpy(out, text, before);
			memcpy(out + before, value, vlen);
			memcpy(out + before + vlen, pos + klen, rest + 1);
		}
		free(text);
		text = out;
	}
	return text;
}

static bool
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		return false;
	}
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* The core's directory, reaper and configuration; no daemon yet. */
static struct core *
core_prepare(void)
{
	static const char *const programs[] = { "pipewire", "pw-play", "pw-record", "pw-dump",
		"pw-cli", "pactl", "paplay", "parec", "bwrap", "weston-simple-shm", "timeout",
		"find", NULL };
	for (const char *const *p = programs; *p; p++) {
		session_require_program(*p);
	}
	struct core *c = calloc(1, sizeof(*c));
	tap_assert(c);
	c->reaper.fd = -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/satest-XXXXXX");
	if (!mkdtemp(c->dir)) {
		tap_fail("mkdtemp: %s", strerror(errno));
	}
	group_reaper_start(&c->reaper, c->dir);
	core_now = c;
	char path[300];
	static const char *const dirs[] = { "core", "rt", "home", NULL };
	for (const char *const *d = dirs; *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", c->dir, *d);
		CHECK(mkdir(path, 0700) == 0, "mkdir %s: %s", path, strerror(errno));
	}
	snprintf(c->socket, sizeof(c->socket), "%s/core/pipewire-0", c->dir);

	char template[300], conf[300];
	snprintf(template, sizeof(template), "%s/core-pipewire-test.conf.in",
			env_or("STRATA_AUDIO_CONF_DIR", "audio-mux"));
	char *text = session_read_file(template, NULL);
	CHECK(text, "cannot read %s: %s", template, strerror(errno));
	text = replace_all(text, "@CORE_SOCKET@", c->socket);
	text = replace_all(text, "@QUANTUM@", QUANTUM);
	snprintf(conf, sizeof(conf), "%s/core.conf", c->dir);
	CHECK(text && write_text(conf, text), "cannot write %s", conf);
	free(text);

	const char *probe = getenv("STRATA_AUDIO_PROBE_BIN");
	CHECK(probe && *probe, "STRATA_AUDIO_PROBE_BIN is not set: run through `meson test`");
	char *target = realpath(probe, NULL);
	snprintf(c->probe, sizeof(c->probe), "%s/probe", c->dir);
	CHECK(target && symlink(target, c->probe) == 0, "probe %s: %s", probe, strerror(errno));
	free(target);

	return c;
}

/* Whether a Unix socket accepts a connection (a socket file left by a
 * daemon that died refuses). */
static bool
socket_accepts(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		return false;
	}
	memcpy(addr.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	if (fd >= 0) {
		close(fd);
	}
	return ok;
}

/* (Re)starts the core PipeWire; waits until it accepts connections. */
static void
core_start_daemon(struct core *c)
{
	char conf[300];
	snprintf(conf, sizeof(conf), "%s/core.conf", c->dir);
	char *argv[] = { "pipewire", "-c", conf, NULL };
	c->pipewire = core_spawn(c, "core-pipewire", argv);
	uint64_t end = session_now_ms() + 10000;
	while (!socket_accepts(c->socket)) {
		CHECK(session_now_ms() < end && core_alive(c, c->pipewire),
				"the core PipeWire does not answer on %s", c->socket);
		session_sleep_ms(10);
	}
}

/* A core PipeWire with null devices: dev-sink (the speakers) and dev-mic
 * (the microphone), no session manager, in a directory of our own. */
static struct core *
core_start(void)
{
	struct core *c = core_prepare();
	core_start_daemon(c);
	return c;
}

/* After session_stop(): everything of ours, checked gone. */
static void
core_stop(struct core *c)
{
	for (int i = CORE_MAX_PROCS - 1; i >= 0; i--) {
		if (c->procs[i].pid > 0) {
			core_stop_proc(c, c->procs[i].pid);
		}
	}
	for (int i = 0; i < CORE_MAX_PROCS; i++) {
		if (c->procs[i].pid > 0 && !group_gone(c->procs[i].pid)) {
			FAIL("process group of %s (%d) left over", c->procs[i].name,
					(int)c->procs[i].pid);
		}
		char *text = session_read_file(c->procs[i].log, NULL);
		bool report = text &&
				(strstr(text, "ERROR: AddressSanitizer") ||
						strstr(text, "runtime error:"));
		free(text);
		CHECK(!report, "%s: sanitizer report in %s", c->procs[i].name, c->procs[i].log);
	}
	group_reaper_finish(&c->reaper); /* it removes the directory */
	core_now = NULL;
	free(c);
}

/* A recorder on dev-sink's monitor: what the speakers play. */
static pid_t
core_record_speakers(struct core *c, const char *name)
{
	char out[300], timeline[300];
	snprintf(out, sizeof(out), "%s/%s.wav", c->dir, name);
	snprintf(timeline, sizeof(timeline), "%s/%s.timeline", c->dir, name);
	char *argv[] = { c->probe, "record", "--name", (char *)name, "--out", out, "--timeline",
		timeline, "--link-from", "dev-sink", NULL };
	pid_t pid = core_spawn(c, name, argv);
	CHECK(core_wait_log(c, pid, "ready", 10000), "recorder %s on dev-sink not ready", name);
	return pid;
}

/* A tone into dev-mic: what the microphone hears. */
static pid_t
core_play_into_mic(struct core *c, double hz)
{
	char tone[32];
	snprintf(tone, sizeof(tone), "%g", hz);
	char *argv[] = { c->probe, "play", "--name", "mic-source", "--tone", tone, "--amp", "0.5",
		"--link-to", "dev-mic", NULL };
	pid_t pid = core_spawn(c, "mic-source", argv);
	CHECK(core_wait_log(c, pid, "ready", 10000), "the tone into dev-mic is not ready");
	return pid;
}

/* ---- recordings ------------------------------------------------------------ */

struct recording {
	struct audio_buffer audio;
	size_t entries;
	int64_t *t_ns; /* per cycle: the graph's CLOCK_MONOTONIC time */
	uint64_t *first; /* per cycle: its first frame */
	uint32_t *frames;
};

static void
recording_free(struct recording *rec)
{
	audio_buffer_free(&rec->audio);
	free(rec->t_ns);
	free(rec->first);
	free(rec->frames);
	memset(rec, 0, sizeof(*rec));
}

/* Stops a core recorder (SIGTERM: it writes its files) and loads them. */
static void
core_stop_record(struct core *c, pid_t pid, const char *name, struct recording *out)
{
	memset(out, 0, sizeof(*out));
	core_stop_proc(c, pid);
	char path[300], err[256];
	snprintf(path, sizeof(path), "%s/%s.wav", c->dir, name);
	CHECK(audio_wav_read(path, &out->audio, err, sizeof(err)), "%s", err);
	snprintf(path, sizeof(path), "%s/%s.timeline", c->dir, name);
	FILE *f = fopen(path, "r");
	CHECK(f, "%s: %s", path, strerror(errno));
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
			if (!out->t_ns || !out->first || !out->frames) {
				fclose(f);
				FAIL("out of memory");
			}
		}
		out->t_ns[out->entries] = t;
		out->first[out->entries] = first;
		out->frames[out->entries] = frames;
		out->entries++;
	}
	fclose(f);
	CHECK(out->entries > 0 && out->audio.frames > 0, "recorder %s recorded nothing", name);
}

/* The frames of the cycles whose time lies in [from_ns, to_ns). */
static void
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
	if (*start + *count > rec->audio.frames) {
		*count = *start < rec->audio.frames ? rec->audio.frames - *start : 0;
	}
}

struct tone_stats {
	size_t windows; /* whole 100 ms windows */
	size_t present; /* of them, with the tone at PRESENT or more */
	size_t longest_gap; /* the most consecutive windows below PRESENT */
	double min, max; /* amplitude */
};

static struct tone_stats
tone_stats(const struct audio_buffer *buf, size_t start, size_t count, double hz)
{
	struct tone_stats st = { .min = INFINITY, .max = 0.0 };
	size_t gap = 0;
	for (size_t off = 0; off + WINDOW <= count; off += WINDOW) {
		double a = audio_goertzel(buf, 0, start + off, WINDOW, hz);
		st.windows++;
		st.min = a < st.min ? a : st.min;
		st.max = a > st.max ? a : st.max;
		if (a >= PRESENT) {
			st.present++;
			gap = 0;
		} else if (++gap > st.longest_gap) {
			st.longest_gap = gap;
		}
	}
	if (st.windows == 0) {
		st.min = 0.0;
	}
	return st;
}

/* Heard: at least min_windows whole windows, the tone in 70 % of them (one
 * late cycle makes a gap and a phase jump, which a window may not survive). */
#define CHECK_HEARD(buf, start, count, hz, min_windows, what) \
	do { \
		struct tone_stats st_ = tone_stats((buf), (start), (count), (hz)); \
		tap_diag("%s: %g Hz in %zu of %zu windows (amplitude %.3f..%.3f)", (what), \
				(double)(hz), st_.present, st_.windows, st_.min, st_.max); \
		CHECK(st_.windows >= (size_t)(min_windows), \
				"%s: only %zu windows of 100 ms recorded", (what), st_.windows); \
		CHECK(st_.present * 10 >= st_.windows * 7, \
				"%s: %g Hz heard in only %zu of %zu windows of 100 ms", (what), \
				(double)(hz), st_.present, st_.windows); \
	} while (0)

/* Not there: below ABSENT in every window, of at least half a second of
 * windows (no window at all would be "below ABSENT in every window"). */
#define CHECK_ABSENT(buf, start, count, hz, what) \
	do { \
		struct tone_stats st_ = tone_stats((buf), (start), (count), (hz)); \
		CHECK(st_.windows >= 5, "%s: only %zu windows of 100 ms recorded", (what), \
				st_.windows); \
		CHECK(st_.max < ABSENT, "%s: %g Hz at amplitude %.3f (of 0.5) in a window", \
				(what), (double)(hz), st_.max); \
	} while (0)

/* Silence to the last bit: at least min_ms recorded, no frame with any sample
 * of half a 16-bit step or more. */
#define CHECK_SILENT(buf, start, count, min_ms, what) \
	do { \
		CHECK((count) >= (size_t)(min_ms)*48, "%s: only %zu frames recorded", (what), \
				(size_t)(count)); \
		size_t n_ = audio_count_above((buf), (start), (count), HALF_LSB); \
		CHECK(n_ == 0, "%s: %zu of %zu frames are not silent", (what), n_, \
				(size_t)(count)); \
	} while (0)

/* ---- the session ------------------------------------------------------------ */

static bool
level_up(struct strata_session *s, const char *level)
{
	char *reply = session_ctl_ok(s, "levels");
	char needle[64];
	snprintf(needle, sizeof(needle), "level name=%s up=1", level);
	bool up = strstr(reply, needle) != NULL;
	free(reply);
	return up;
}

struct audio_state {
	int ready;
	char mic[40]; /* the mux's word: who it feeds */
	char playing[200];
	char down[200]; /* levels whose own audio is not up */
	char heard[40]; /* who really hears the microphone: mic, if up */
	unsigned low_starts; /* times low's strata-audio-level was started */
	char reply[400];
};

/* `audio` → ok ready=0|1 mic=LEVEL|none playing=L1,L2|none enabled=1
 * down=L1,L2|none heard=LEVEL|none starts=low:N,high:N */
static void
audio_query(struct strata_session *s, struct audio_state *st)
{
	char *reply = session_ctl_ok(s, "audio");
	const char *r = session_reply_result(reply);
	snprintf(st->reply, sizeof(st->reply), "%.*s", (int)strcspn(r, "\n"), r);
	free(reply);
	st->ready = -1;
	st->mic[0] = st->playing[0] = st->down[0] = st->heard[0] = '\0';
	st->low_starts = 0;
	char copy[400];
	snprintf(copy, sizeof(copy), "%s", st->reply);
	char *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strncmp(w, "ready=", 6) == 0) {
			st->ready = strcmp(w + 6, "1") == 0 ? 1 : strcmp(w + 6, "0") == 0 ? 0 : -1;
		} else if (strncmp(w, "mic=", 4) == 0) {
			snprintf(st->mic, sizeof(st->mic), "%s", w + 4);
		} else if (strncmp(w, "playing=", 8) == 0) {
			snprintf(st->playing, sizeof(st->playing), "%s", w + 8);
		} else if (strncmp(w, "down=", 5) == 0) {
			snprintf(st->down, sizeof(st->down), "%s", w + 5);
		} else if (strncmp(w, "heard=", 6) == 0) {
			snprintf(st->heard, sizeof(st->heard), "%s", w + 6);
		} else if (strncmp(w, "starts=", 7) == 0) {
			const char *low = strstr(w, "low:");
			st->low_starts = low ? (unsigned)strtoul(low + 4, NULL, 10) : 0;
		}
	}
	CHECK(st->ready >= 0 && st->mic[0] && st->playing[0] && st->down[0] && st->heard[0],
			"`audio` answered \"%s\", not \"ready=0|1 mic=LEVEL|none playing=... "
			"down=... heard=...\"",
			st->reply);
}

enum audio_field {
	AUDIO_READY,
	AUDIO_MIC,
	AUDIO_PLAYING,
	AUDIO_DOWN,
	AUDIO_HEARD,
};

/* Polls `audio` until the field has the value; false on timeout (the last
 * answer in last). */
static bool
wait_audio(struct strata_session *s, enum audio_field field, const char *value, int timeout_ms,
		struct audio_state *last)
{
	uint64_t end = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		audio_query(s, last);
		const char *now = field == AUDIO_MIC   ? last->mic :
				field == AUDIO_PLAYING ? last->playing :
				field == AUDIO_DOWN    ? last->down :
				field == AUDIO_HEARD   ? last->heard :
				last->ready == 1       ? "1" :
							 "0";
		if (strcmp(now, value) == 0) {
			return true;
		}
		if (session_now_ms() > end) {
			return false;
		}
		session_sleep_ms(50);
	}
}

#define EXPECT_AUDIO(s, field, value, timeout_ms, what) \
	do { \
		struct audio_state st_; \
		CHECK(wait_audio((s), (field), (value), (timeout_ms), &st_), \
				"%s: `audio` still answers \"%s\" after %d ms", (what), st_.reply, \
				(timeout_ms)); \
	} while (0)

/* A session with [audio] on, the core at c; both levels up and (if
 * wait_ready) the mux ready. extra: more [audio] keys. */
static struct strata_session *
start_audio_session(struct core *c, const char *extra, bool wait_ready)
{
	char config[1024];
	snprintf(config, sizeof(config),
			"[audio]\n"
			"enabled = true\n"
			"core_remote = %s\n"
			"quantum = " QUANTUM "\n"
			"%s",
			c->socket, extra ? extra : "");
	struct session_options opts = { .config = config, .ready_timeout_ms = 15000 };
	struct strata_session *s = session_start(&opts);
	current = s;
	uint64_t end = session_now_ms() + 10000;
	while (!(level_up(s, "low") && level_up(s, "high"))) {
		CHECK(session_now_ms() < end, "the levels' proxies did not come up");
		session_sleep_ms(50);
	}
	if (wait_ready) {
		EXPECT_AUDIO(s, AUDIO_READY, "1", 15000, "the mux never said ready");
		/* and each level's PipeWire (the banner says "sound down" until) */
		EXPECT_AUDIO(s, AUDIO_DOWN, "none", 15000, "the levels' audio never came up");
	}
	return s;
}

static void stop_session(struct strata_session *s);

/* ---- the levels: their homes and cages ------------------------------------ */

static void
home_path(struct strata_session *s, const char *level, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s/home%s%s", s->data_dir, level, name ? "/" : "",
			name ? name : "");
}

/* The level's cage user (its home's owner). */
static uid_t
level_uid(struct strata_session *s, const char *level, gid_t *gid)
{
	char home[512];
	home_path(s, level, NULL, home, sizeof(home));
	struct stat st;
	CHECK(stat(home, &st) == 0, "stat %s: %s", home, strerror(errno));
	if (gid) {
		*gid = st.st_gid;
	}
	return st.st_uid;
}

/* A 16-bit stereo 48 kHz tone of amplitude 0.5 in the level's home, the
 * cage user's. */
static void
put_tone(struct strata_session *s, const char *level, const char *name, double hz, double seconds)
{
	char path[600];
	home_path(s, level, name, path, sizeof(path));
	struct audio_buffer buf;
	CHECK(audio_tone(&buf, hz, seconds, 0.5, 2, RATE) && audio_wav_write(path, &buf, false),
			"cannot write %s", path);
	audio_buffer_free(&buf);
	gid_t gid;
	uid_t uid = level_uid(s, level, &gid);
	CHECK(chown(path, uid, gid) == 0 && chmod(path, 0644) == 0, "chown %s: %s", path,
			strerror(errno));
}

/* Runs `sh -c script` in the level's cage through strata-run; returns the
 * pid the compositor reports (the cage's bwrap, on the host). */
static pid_t
cage_run(struct strata_session *s, const char *level, const char *script)
{
	const char *bin = getenv("STRATA_RUN_BIN");
	CHECK(bin && *bin, "STRATA_RUN_BIN is not set: run through `meson test`");
	int fds[2];
	CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		const char *argv[] = { bin, "-s", session_socket(s, "core"), level, "--", "sh",
			"-c", script, NULL };
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	char out[1024];
	ssize_t used = io_read_all(fds[0], out, sizeof(out) - 1);
	out[used > 0 ? used : 0] = '\0';
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "strata-run %s failed (0x%x): %s",
			level, status, out);
	long cage = strtol(out, NULL, 10);
	CHECK(cage > 0, "strata-run %s printed \"%s\", not a pid", level, out);
	return (pid_t)cage;
}

/* Ends what cage_run started: the cage's bwrap on the host (what runs in the
 * cage dies with it: --die-with-parent, its own pid namespace). */
static void
cage_end(pid_t cage)
{
	kill(cage, SIGKILL);
}

/* Waits until the level's home holds NAME (e.g. a script's "done" file). */
static bool
wait_home_file(struct strata_session *s, const char *level, const char *name, int timeout_ms)
{
	char path[600];
	home_path(s, level, name, path, sizeof(path));
	uint64_t end = session_now_ms() + (uint64_t)timeout_ms;
	struct stat st;
	while (stat(path, &st) < 0) {
		if (session_now_ms() > end) {
			return false;
		}
		session_sleep_ms(50);
	}
	return true;
}

/* In front of every script: the level's PipeWire (and pipewire-pulse) have
 * their sockets in the cage's runtime directory, shared by the level's
 * launches. Waits up to 15 s. */
#define PRELUDE \
	"i=0; while { [ ! -S \"$XDG_RUNTIME_DIR/pipewire-0\" ] || " \
	"[ ! -S \"$XDG_RUNTIME_DIR/pulse/native\" ]; } && [ $i -lt 150 ]; do " \
	"sleep 0.1; i=$((i+1)); done; "

/* pw-play of a file of the home, in the cage; returns the cage's pid. */
static pid_t
cage_play(struct strata_session *s, const char *level, const char *file, bool loop)
{
	char script[1024];
	if (loop) {
		/* Starts again whenever it ends (when the level's PipeWire went
		 * away under it, too), a second later: long enough a silence for
		 * the mux to report (it looks at the last 250 ms). */
		snprintf(script, sizeof(script),
				PRELUDE
				"while :; do pw-play -P '{ node.name = \"%s\" }' \"$HOME/%s\"; "
				"sleep 1; done",
				file, file);
	} else {
		snprintf(script, sizeof(script),
				PRELUDE "exec pw-play -P '{ node.name = \"%s\" }' \"$HOME/%s\"",
				file, file);
	}
	return cage_run(s, level, script);
}

/* pw-record in the cage for `seconds`, into $HOME/NAME.wav (float); then
 * $HOME/NAME.done. monitor: the level's own sink's monitor (a capture
 * stream that asks for the sink), else the default source. */
static pid_t
cage_record(struct strata_session *s, const char *level, const char *name, double seconds,
		bool monitor)
{
	char script[1024];
	snprintf(script, sizeof(script),
			PRELUDE
			"timeout -s INT %g pw-record --format f32 --rate 48000 --channels 2 "
			"%s \"$HOME/%s.wav\" 2> \"$HOME/%s.err\"; "
			"echo \"rc=$?\" > \"$HOME/%s.done\"",
			seconds, monitor ? "-P '{ stream.capture.sink = true }'" : "", name, name,
			name);
	return cage_run(s, level, script);
}

/* The same through the level's pipewire-pulse: paplay of a file of the
 * home; parec of the default source, or of the sink's monitor. */
static pid_t
cage_paplay(struct strata_session *s, const char *level, const char *file)
{
	char script[1024];
	snprintf(script, sizeof(script), PRELUDE "exec paplay \"$HOME/%s\"", file);
	return cage_run(s, level, script);
}

static pid_t
cage_parec(struct strata_session *s, const char *level, const char *name, double seconds,
		bool monitor)
{
	char script[1024];
	snprintf(script, sizeof(script),
			PRELUDE
			"timeout -s INT %g parec --file-format=wav --format=float32le "
			"--rate=48000 --channels=2 --latency-msec=20 %s \"$HOME/%s.wav\" 2> \"$HOME/%s.err\"; "
			"echo \"rc=$?\" > \"$HOME/%s.done\"",
			seconds, monitor ? "-d strata-playback.monitor" : "", name, name, name);
	return cage_run(s, level, script);
}

/* Waits for a cage_record() and loads the recording; start/count: what
 * follows its first 300 ms (the stream starting up). */
static void
cage_load_recording(struct strata_session *s, const char *level, const char *name,
		struct audio_buffer *out, size_t *start, size_t *count)
{
	char done[128], path[600], err[256];
	snprintf(done, sizeof(done), "%s.done", name);
	CHECK(wait_home_file(s, level, done, 20000), "the recorder %s in %s never finished", name,
			level);
	home_path(s, level, name, path, sizeof(path));
	strncat(path, ".wav", sizeof(path) - strlen(path) - 1);
	if (!audio_wav_read(path, out, err, sizeof(err))) {
		char errpath[600];
		home_path(s, level, name, errpath, sizeof(errpath));
		strncat(errpath, ".err", sizeof(errpath) - strlen(errpath) - 1);
		dump_tail("pw-record", errpath, 10);
		FAIL("recording %s in %s: %s", name, level, err);
	}
	size_t skip = 300 * 48;
	*start = out->frames > skip ? skip : out->frames;
	*count = out->frames - *start;
	tap_diag("%s in %s: %.2f s recorded", name, level, (double)out->frames / RATE);
}

/* A window of the level (weston-simple-shm in its cage), given focus. */
static void
focus_level_window(struct strata_session *s, const char *level)
{
	cage_run(s, level, "exec weston-simple-shm");
	struct window_match match = { .level = level };
	struct window_info info;
	CHECK(session_wait_window(s, &match, &info, 10000), "no window of %s mapped", level);
	int x, y;
	CHECK(session_window_visible_point(s, info.id, &x, &y), "the %s window is covered", level);
	free(session_ctl_ok(s, "click %d %d", x, y));
	CHECK(session_wait_focused_level(s, level, 5000), "%s never got the focus", level);
}

/* ---- processes of the session, seen from the host -------------------------- */

static ssize_t
read_proc(pid_t pid, const char *what, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static pid_t
parent_of(pid_t pid)
{
	char stat[512];
	if (read_proc(pid, "stat", stat, sizeof(stat)) <= 0) {
		return 0;
	}
	const char *p = strrchr(stat, ')');
	int ppid = 0;
	if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1) {
		return 0;
	}
	return (pid_t)ppid;
}

static bool
descends_from(pid_t pid, pid_t ancestor)
{
	for (int depth = 0; depth < 32 && pid > 1; depth++) {
		pid = parent_of(pid);
		if (pid == ancestor) {
			return true;
		}
	}
	return false;
}

static uid_t
proc_uid(pid_t pid)
{
	char status[4096];
	if (read_proc(pid, "status", status, sizeof(status)) <= 0) {
		return (uid_t)-1;
	}
	const char *p = strstr(status, "\nUid:");
	unsigned uid;
	return p && sscanf(p + 5, "%u", &uid) == 1 ? (uid_t)uid : (uid_t)-1;
}

/* The environment variable's value, "" when the process has none. */
static void
proc_env(pid_t pid, const char *name, char *out, size_t size)
{
	static char env[65536];
	out[0] = '\0';
	ssize_t n = read_proc(pid, "environ", env, sizeof(env));
	size_t len = strlen(name);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(env + i) + 1) {
		if (strncmp(env + i, name, len) == 0 && env[i + len] == '=') {
			snprintf(out, size, "%s", env + i + len + 1);
			return;
		}
	}
}

/*
 * A process of the session running `program` (argv[0]'s last component): a
 * descendant of the compositor. level: the one in that level's cage
 * (STRATA_LEVEL, else the cage's user), NULL: any. 0 if none.
 */
static pid_t
find_service(struct strata_session *s, const char *program, const char *level)
{
	uid_t uid = level ? level_uid(s, level, NULL) : (uid_t)-1;
	DIR *dir = opendir("/proc");
	CHECK(dir, "opendir /proc: %s", strerror(errno));
	pid_t found = 0;
	struct dirent *e;
	while (!found && (e = readdir(dir))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char cmd[4096];
		if (pid <= 0 || read_proc(pid, "cmdline", cmd, sizeof(cmd)) <= 0) {
			continue;
		}
		const char *base = strrchr(cmd, '/');
		base = base ? base + 1 : cmd;
		if (strcmp(base, program) != 0 || !descends_from(pid, s->pid)) {
			continue;
		}
		if (!level) {
			found = pid;
			continue;
		}
		char env_level[64];
		proc_env(pid, "STRATA_LEVEL", env_level, sizeof(env_level));
		if (env_level[0] ? strcmp(env_level, level) == 0 : proc_uid(pid) == uid) {
			found = pid;
		}
	}
	closedir(dir);
	return found;
}

static pid_t
find_level_audio(struct strata_session *s, const char *level)
{
	return find_service(s, "strata-audio-level", level);
}

/* Waits for such a process other than `not` (0: any); 0 on timeout. */
static pid_t
wait_service(struct strata_session *s, const char *program, const char *level, pid_t not,
		int timeout_ms)
{
	uint64_t end = session_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		pid_t pid = find_service(s, program, level);
		if (pid > 0 && pid != not ) {
			return pid;
		}
		if (session_now_ms() > end) {
			return 0;
		}
		session_sleep_ms(20);
	}
}

/* CapEff of a process, as in /proc/PID/status (all ones if unreadable). */
static unsigned long long
proc_caps(pid_t pid)
{
	char status[4096];
	if (read_proc(pid, "status", status, sizeof(status)) <= 0) {
		return ~0ull;
	}
	const char *p = strstr(status, "\nCapEff:");
	unsigned long long caps;
	return p && sscanf(p + 8, "%llx", &caps) == 1 ? caps : ~0ull;
}

/* Whether path exists as the process sees it (its mount namespace). */
static bool
sees_path(pid_t pid, const char *path)
{
	char full[1024];
	snprintf(full, sizeof(full), "/proc/%d/root%s", (int)pid, path);
	struct stat st;
	return lstat(full, &st) == 0;
}

/* The value following `option` on the process's command line ("" if none). */
static void
proc_option(pid_t pid, const char *option, char *out, size_t size)
{
	char cmd[4096];
	ssize_t n = read_proc(pid, "cmdline", cmd, sizeof(cmd));
	out[0] = '\0';
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(cmd + i) + 1) {
		if (strcmp(cmd + i, option) == 0 && i + (ssize_t)strlen(cmd + i) + 1 < n) {
			snprintf(out, size, "%s", cmd + i + strlen(cmd + i) + 1);
			return;
		}
	}
}

/* Every child of parent runs as uid without capabilities; returns how many
 * there are. */
static int
check_children_unprivileged(pid_t parent, uid_t uid, const char *what)
{
	DIR *dir = opendir("/proc");
	CHECK(dir, "opendir /proc: %s", strerror(errno));
	int count = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0 || parent_of(pid) != parent) {
			continue;
		}
		char comm[64] = "";
		read_proc(pid, "comm", comm, sizeof(comm));
		comm[strcspn(comm, "\n")] = '\0';
		uid_t u = proc_uid(pid);
		unsigned long long caps = proc_caps(pid);
		if (u != uid || caps != 0) {
			closedir(dir);
			FAIL("%s: its child %d (%s) runs as uid %u with capabilities %llx", what,
					(int)pid, comm, (unsigned)u, caps);
		}
		count++;
	}
	closedir(dir);
	return count;
}

/* Lines of the compositor's log that contain needle. */
static size_t
count_log_lines(struct strata_session *s, const char *needle)
{
	char *text = session_read_file(s->log, NULL);
	size_t n = 0;
	for (const char *p = text; p && (p = strstr(p, needle)); p += strlen(needle)) {
		n++;
	}
	free(text);
	return n;
}

/* Start time of a process (clock ticks since boot), 0 if it is gone; a
 * zombie counts as gone (nothing reaps in a container without init). */
static unsigned long long
proc_start(pid_t pid)
{
	char stat[1024];
	if (read_proc(pid, "stat", stat, sizeof(stat)) <= 0) {
		return 0;
	}
	const char *p = strrchr(stat, ')');
	char state = 0;
	unsigned long long start = 0;
	if (!p ||
			sscanf(p + 2,
					"%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
					"%*d %*d %*d %llu",
					&state, &start) != 2 ||
			state == 'Z' || state == 'X') {
		return 0;
	}
	return start;
}

#define SNAPSHOT_MAX 256

/* Quits the session, then checks that every process the compositor had
 * started (the mux, the levels' PipeWires, everything in the cages) is gone,
 * not only those whose command line names its runtime directory. */
static void
stop_session(struct strata_session *s)
{
	static pid_t pids[SNAPSHOT_MAX];
	static unsigned long long starts[SNAPSHOT_MAX];
	static char names[SNAPSHOT_MAX][32];
	int n = 0;
	DIR *dir = opendir("/proc");
	CHECK(dir, "opendir /proc: %s", strerror(errno));
	struct dirent *e;
	while ((e = readdir(dir)) && n < SNAPSHOT_MAX) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid > 0 && descends_from(pid, s->pid) && (starts[n] = proc_start(pid))) {
			read_proc(pid, "comm", names[n], sizeof(names[n]));
			names[n][strcspn(names[n], "\n")] = '\0';
			pids[n++] = pid;
		}
	}
	closedir(dir);
	session_stop(s);
	current = NULL;
	uint64_t end = session_now_ms() + 3000;
	for (int i = 0; i < n; i++) {
		while (proc_start(pids[i]) == starts[i] && session_now_ms() < end) {
			session_sleep_ms(20);
		}
		if (proc_start(pids[i]) == starts[i]) {
			kill(pids[i], SIGKILL);
			FAIL("%d (%s), started by the compositor, outlived it", (int)pids[i],
					names[i]);
		}
	}
}

/* The banner's pixels show exactly this (tests/harness/banner_check.h). */
static void
expect_banner(struct strata_session *s, const char *level, const char *mic, const char *playing)
{
	struct banner_expect e = { .level = level, .mic = mic, .playing = playing };
	session_assert_banner(s, &e, 3000);
}

/* ---- the tests ------------------------------------------------------------ */

/*
 * pw-play in the low cage is heard on the core's speakers and `audio` says
 * playing=low; then high's tone too, played with paplay (playing=low,high).
 * Inside each cage (pw-record in low, parec in high), a recorder of the
 * level's own sink's monitor hears its own tone and never the other level's;
 * a recorder of the default source hears nothing at all (the microphone is
 * off by default).
 */
static void
playback_is_heard_and_levels_stay_apart(void)
{
	struct core *c = core_start();
	struct strata_session *s = start_audio_session(c, NULL, true);
	put_tone(s, "low", "low-tone.wav", LOW_HZ, 15.0);
	put_tone(s, "high", "high-tone.wav", HIGH_HZ, 15.0);
	EXPECT_AUDIO(s, AUDIO_PLAYING, "none", 2000, "nothing plays yet");
	pid_t dev = core_record_speakers(c, "speakers");
	/* Nothing has focus (no window): the idle banner. */
	expect_banner(s, NULL, NULL, NULL);

	pid_t low = cage_play(s, "low", "low-tone.wav", false);
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low", 20000, "pw-play in the low cage");
	uint64_t t_low = now_ns();
	/* the banner says who plays ("sound: low", then "sound: low, high") */
	expect_banner(s, NULL, NULL, "sound: low");
	/* a second of low alone on the speakers */
	session_sleep_ms(1000);
	uint64_t t_high_start = now_ns();
	/* high plays through its pipewire-pulse */
	pid_t high = cage_paplay(s, "high", "high-tone.wav");
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low,high", 20000, "paplay in the high cage");
	uint64_t t_both = now_ns();
	expect_banner(s, NULL, NULL, "sound: low, high");

	/* low records with pw-record, high with parec */
	cage_record(s, "low", "low-monitor", 2.5, true);
	cage_parec(s, "high", "high-monitor", 2.5, true);
	cage_record(s, "low", "low-source", 2.5, false);
	cage_parec(s, "high", "high-source", 2.5, false);
	struct audio_buffer lm, hm, ls, hs;
	size_t lm0, lmn, hm0, hmn, ls0, lsn, hs0, hsn;
	cage_load_recording(s, "low", "low-monitor", &lm, &lm0, &lmn);
	cage_load_recording(s, "high", "high-monitor", &hm, &hm0, &hmn);
	cage_load_recording(s, "low", "low-source", &ls, &ls0, &lsn);
	cage_load_recording(s, "high", "high-source", &hs, &hs0, &hsn);
	uint64_t t_end = now_ns();

	cage_end(low);
	cage_end(high);
	EXPECT_AUDIO(s, AUDIO_PLAYING, "none", 5000, "both players ended");
	expect_banner(s, NULL, NULL, NULL);
	struct recording rec;
	core_stop_record(c, dev, "speakers", &rec);

	size_t start, count;
	/* the speakers: low alone, then both */
	recording_slice(&rec, t_low + 200 * MS, t_high_start, &start, &count);
	CHECK_HEARD(&rec.audio, start, count, LOW_HZ, 5, "speakers, low alone: low");
	CHECK_ABSENT(&rec.audio, start, count, HIGH_HZ, "speakers, low alone: high");
	recording_slice(&rec, t_both + 300 * MS, t_end, &start, &count);
	CHECK_HEARD(&rec.audio, start, count, LOW_HZ, 15, "speakers, both: low");
	CHECK_HEARD(&rec.audio, start, count, HIGH_HZ, 15, "speakers, both: high");
	CHECK_ABSENT(&rec.audio, start, count, MIC_HZ, "speakers: nothing else");

	/* in the cages: its own tone, never the other level's */
	CHECK_HEARD(&lm, lm0, lmn, LOW_HZ, 10, "low cage, its sink's monitor: low");
	CHECK_ABSENT(&lm, lm0, lm.frames - lm0, HIGH_HZ, "low cage, its sink's monitor: high");
	CHECK_HEARD(&hm, hm0, hmn, HIGH_HZ, 10, "high cage, its sink's monitor: high");
	CHECK_ABSENT(&hm, hm0, hm.frames - hm0, LOW_HZ, "high cage, its sink's monitor: low");
	/* the default source: the microphone nobody holds: nothing, from the
	 * first frame */
	CHECK_SILENT(&ls, 0, ls.frames, 1000, "low cage, default source");
	CHECK_SILENT(&hs, 0, hs.frames, 1000, "high cage, default source");

	audio_buffer_free(&lm);
	audio_buffer_free(&hm);
	audio_buffer_free(&ls);
	audio_buffer_free(&hs);
	recording_free(&rec);
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	stop_session(s);
	core_stop(c);
}

#define LOCK_PASSWORD "sound check 9"

/* Polls the lock's state until it says needle (5 s at most). */
static void
wait_lock(struct strata_session *s, const char *needle)
{
	uint64_t end = session_now_ms() + 5000;
	for (;;) {
		char *reply = session_ctl_ok(s, "lock");
		bool found = strstr(reply, needle) != NULL;
		if (found || session_now_ms() >= end) {
			CHECK(found, "the lock never said \"%s\": %s", needle, reply);
			free(reply);
			return;
		}
		free(reply);
		session_sleep_ms(20);
	}
}

/*
 * The microphone (mic = off, the default): nobody hears it until the user
 * presses Logo+M, which gives it to the focused level (high) and nobody else;
 * the screen lock takes it from everyone and the unlock (the user's password,
 * real PAM) gives it back to high; Logo+M again takes it back.
 */
static void
microphone_goes_only_where_the_user_says(void)
{
	struct pam_user pam;
	pam_user_create(&pam, LOCK_PASSWORD);
	char lock_config[200];
	snprintf(lock_config, sizeof(lock_config), "[lock]\nuser = %s\npam_service = %s\n",
			pam.user, pam.service);
	struct core *c = core_start();
	struct strata_session *s = start_audio_session(c, lock_config, true);
	pid_t mic = core_play_into_mic(c, MIC_HZ);
	focus_level_window(s, "high");
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 2000, "mic = off: nobody at the start");

	struct audio_buffer b;
	size_t b0, bn;
	cage_record(s, "high", "high-before", 2.0, false);
	cage_load_recording(s, "high", "high-before", &b, &b0, &bn);
	CHECK_SILENT(&b, 0, b.frames, 1000, "high, focused, before Logo+M");
	audio_buffer_free(&b);
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 0, "focus alone grants nothing");

	expect_banner(s, "high", NULL, NULL);

	free(session_ctl_ok(s, "key logo+m"));
	EXPECT_AUDIO(s, AUDIO_MIC, "high", 3000, "Logo+M with high focused");
	/* the banner says so: "MIC: high" */
	expect_banner(s, "high", "MIC: high", NULL);
	cage_record(s, "high", "high-granted", 2.5, false);
	cage_parec(s, "low", "low-meanwhile", 2.5, false);
	struct audio_buffer h, l;
	size_t h0, hn, l0, ln;
	cage_load_recording(s, "high", "high-granted", &h, &h0, &hn);
	cage_load_recording(s, "low", "low-meanwhile", &l, &l0, &ln);
	CHECK_HEARD(&h, h0, hn, MIC_HZ, 10, "high, holding the microphone");
	CHECK_SILENT(&l, 0, l.frames, 1000, "low, while high holds the microphone");
	audio_buffer_free(&h);
	audio_buffer_free(&l);
	EXPECT_AUDIO(s, AUDIO_MIC, "high", 0, "the grant stays");

	/* The lock takes the microphone from everyone; the right password
	 * gives it back to the level the user had granted it to. */
	free(session_ctl_ok(s, "key logo+l"));
	wait_lock(s, "locked=1 ");
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 3000, "locked: the microphone is revoked");
	cage_record(s, "high", "high-locked", 2.0, false);
	cage_load_recording(s, "high", "high-locked", &h, &h0, &hn);
	CHECK_SILENT(&h, 0, h.frames, 1000, "high, granted, while the screen is locked");
	audio_buffer_free(&h);
	free(session_ctl_ok(s, "key Escape"));
	free(session_ctl_ok(s, "type " LOCK_PASSWORD));
	free(session_ctl_ok(s, "key Return"));
	wait_lock(s, "locked=0 ");
	EXPECT_AUDIO(s, AUDIO_MIC, "high", 3000, "unlocked: the grant is back");
	cage_record(s, "high", "high-unlocked", 2.5, false);
	cage_load_recording(s, "high", "high-unlocked", &h, &h0, &hn);
	CHECK_HEARD(&h, h0, hn, MIC_HZ, 10, "high, granted, after the unlock");
	audio_buffer_free(&h);

	free(session_ctl_ok(s, "key logo+m"));
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 3000, "Logo+M again");
	cage_record(s, "high", "high-revoked", 2.0, false);
	cage_load_recording(s, "high", "high-revoked", &h, &h0, &hn);
	CHECK_SILENT(&h, 0, h.frames, 1000, "high, after Logo+M took the microphone back");
	audio_buffer_free(&h);
	expect_banner(s, "high", NULL, NULL);

	struct audio_state st;
	audio_query(s, &st);
	CHECK(st.ready == 1 && strcmp(st.mic, "none") == 0, "at the end, `audio` answers \"%s\"",
			st.reply);
	core_stop_proc(c, mic);
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	stop_session(s);
	core_stop(c);
	pam_user_remove(&pam);
}

/* Counts occurrences of needle in text. */
static size_t
count_of(const char *text, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	for (const char *p = text; (p = strstr(p, needle)); p += len) {
		n++;
	}
	return n;
}

/*
 * From inside the low cage: pw-dump sees the level's own graph and nothing
 * else (not high's streams, not high's strata-playback, not the core's
 * devices or the mux's streams); neither the core socket nor high's PipeWire
 * or pipewire-pulse can be reached; no FIFO of another level is visible.
 */
static void
low_cage_sees_only_its_own_audio(void)
{
	struct core *c = core_start();
	struct strata_session *s = start_audio_session(c, NULL, true);
	char low_mark[64], high_mark[64], low_file[80], high_file[80];
	snprintf(low_mark, sizeof(low_mark), "low-mark-%d-%llu", (int)getpid(),
			(unsigned long long)session_now_ms());
	snprintf(high_mark, sizeof(high_mark), "high-secret-%d-%llu", (int)getpid(),
			(unsigned long long)session_now_ms());
	snprintf(low_file, sizeof(low_file), "%s.wav", low_mark);
	snprintf(high_file, sizeof(high_file), "%s.wav", high_mark);
	put_tone(s, "low", low_file, LOW_HZ, 30.0);
	put_tone(s, "high", high_file, HIGH_HZ, 30.0);
	pid_t low = cage_play(s, "low", low_file, false);
	pid_t high = cage_play(s, "high", high_file, false);
	/* both streams exist, linked, on both sides: strata.low and
	 * strata.high play on the core */
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low,high", 20000, "both levels play");

	uid_t high_uid = level_uid(s, "high", NULL);
	char script[4096];
	snprintf(script, sizeof(script),
			PRELUDE
			"R=\"$HOME/report\"; : > \"$R\"\n"
			"pw-dump > \"$HOME/dump.json\" 2> \"$HOME/dump.err\"; "
			"echo \"pw-dump rc=$?\" >> \"$R\"\n"
			"t() { if eval \"$2\" >/dev/null 2>&1; then echo \"REACHED $1\"; "
			"else echo \"denied $1\"; fi >> \"$R\"; }\n"
			"t core-socket-visible 'test -e %s'\n"
			"t core-dir-visible 'ls %s'\n"
			"t core-pipewire 'pw-cli -r %s info 0'\n"
			"t high-runtime 'ls /run/user/%u'\n"
			"t high-pipewire 'pw-cli -r /run/user/%u/pipewire-0 info 0'\n"
			"t high-pulse 'pactl -s /run/user/%u/pulse/native info'\n"
			"t high-host-pipewire 'pw-cli -r %s/run-high/pipewire-0 info 0'\n"
			"t foreign-fifo 'find / \\( -path /proc -o -path /sys -o -path /dev -o "
			"-path /usr -o -path /etc \\) -prune -o -type p -print | grep high'\n"
			"t own-pipewire 'pw-cli info 0'\n"
			"echo done >> \"$R\"\n",
			c->socket, c->dir, c->socket, (unsigned)high_uid, (unsigned)high_uid,
			(unsigned)high_uid, s->runtime_dir);
	cage_run(s, "low", script);
	char path[600];
	uint64_t end = session_now_ms() + 20000;
	char *report = NULL;
	home_path(s, "low", "report", path, sizeof(path));
	for (;;) {
		free(report);
		report = session_read_file(path, NULL);
		if (report && strstr(report, "done\n")) {
			break;
		}
		CHECK(session_now_ms() < end, "the probe in the low cage never finished: %s",
				report ? report : "(no report)");
		session_sleep_ms(50);
	}
	tap_diag("low cage report:\n%s", report);
	static const char *const expected[] = {
		"pw-dump rc=0",
		"denied core-socket-visible",
		"denied core-dir-visible",
		"denied core-pipewire",
		"denied high-runtime",
		"denied high-pipewire",
		"denied high-pulse",
		"denied high-host-pipewire",
		"denied foreign-fifo",
		/* the control: the level's own PipeWire answers */
		"REACHED own-pipewire",
	};
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		CHECK(strstr(report, expected[i]), "expected \"%s\" in the low cage's report",
				expected[i]);
	}
	free(report);

	home_path(s, "low", "dump.json", path, sizeof(path));
	char *dump = session_read_file(path, NULL);
	CHECK(dump && strlen(dump) > 100, "pw-dump in the low cage wrote nothing");
	/* the control: low's own graph is there */
	CHECK(strstr(dump, low_mark), "low's own stream is not in low's pw-dump");
	CHECK(count_of(dump, "\"node.name\": \"strata-playback\"") == 1,
			"low's pw-dump lists %zu nodes named strata-playback, not its own one",
			count_of(dump, "\"node.name\": \"strata-playback\""));
	CHECK(count_of(dump, "\"node.name\": \"strata-mic\"") == 1,
			"low's pw-dump lists %zu nodes named strata-mic, not its own one",
			count_of(dump, "\"node.name\": \"strata-mic\""));
	static const char *const never[] = { "dev-sink", "dev-mic", "Test speakers",
		"Test microphone", "strata.low", "strata.high", "/run/user/0" };
	CHECK(!strstr(dump, high_mark), "high's stream shows in low's pw-dump");
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		CHECK(!strstr(dump, never[i]), "\"%s\" shows in low's pw-dump", never[i]);
	}
	CHECK(!strstr(dump, c->dir), "the core's directory shows in low's pw-dump");
	free(dump);

	/* The level's PipeWire itself, seen from the host: strata-audio-level
	 * and its daemons run as the cage's user without capabilities, and its
	 * cage holds its own configuration but nothing of the core nor of high. */
	pid_t la = find_level_audio(s, "low");
	CHECK(la > 0, "no strata-audio-level of low under the compositor");
	uid_t low_uid = level_uid(s, "low", NULL);
	CHECK(low_uid != 0 && proc_uid(la) == low_uid,
			"low's strata-audio-level runs as uid %u, not as the cage's user %u",
			(unsigned)proc_uid(la), (unsigned)low_uid);
	CHECK(proc_caps(la) == 0, "low's strata-audio-level has capabilities %llx", proc_caps(la));
	int daemons = check_children_unprivileged(la, low_uid, "low's strata-audio-level");
	CHECK(daemons >= 2,
			"low's strata-audio-level runs %d processes, not its PipeWire and "
			"pipewire-pulse",
			daemons);
	char conf[512];
	proc_option(la, "--config", conf, sizeof(conf));
	CHECK(conf[0] == '/' && sees_path(la, conf),
			"low's audio cage does not show its own configuration \"%s\" (the check "
			"sees nothing)",
			conf);
	char high_run[64];
	snprintf(high_run, sizeof(high_run), "/run/user/%u", (unsigned)high_uid);
	const char *const hidden[] = { c->socket, c->dir, s->runtime_dir, s->data_dir, high_run,
		"/run/user/0" };
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		CHECK(!sees_path(la, hidden[i]), "low's audio cage shows %s", hidden[i]);
	}

	cage_end(low);
	cage_end(high);
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	stop_session(s);
	core_stop(c);
}

/*
 * Killing low's strata-audio-level (its PipeWire goes with it): the compositor
 * starts it again, with back-off, twice in a row; low is heard again each
 * time; high's sound never stops; the compositor carries on.
 */
static void
killed_level_audio_comes_back(void)
{
	struct core *c = core_start();
	struct strata_session *s = start_audio_session(c, NULL, true);
	put_tone(s, "low", "low-tone.wav", LOW_HZ, 60.0);
	put_tone(s, "high", "high-tone.wav", HIGH_HZ, 90.0);
	pid_t dev = core_record_speakers(c, "speakers");
	pid_t low = cage_play(s, "low", "low-tone.wav", true);
	pid_t high = cage_play(s, "high", "high-tone.wav", false);
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low,high", 20000, "both levels play");
	uint64_t t0 = now_ns();
	pid_t high_audio = find_level_audio(s, "high");
	CHECK(high_audio > 0, "no strata-audio-level of high under the compositor");
	pid_t old = find_level_audio(s, "low");
	CHECK(old > 0, "no strata-audio-level of low under the compositor");
	session_sleep_ms(1000); /* a second of both, for the record */

	uint64_t t_back[ROUNDS], restart_ns[ROUNDS];
	for (int round = 0; round < ROUNDS; round++) {
		tap_diag("round %d: killing low's strata-audio-level (pid %d)", round + 1,
				(int)old);
		size_t exits_before = count_log_lines(s, "level low: its audio");
		uint64_t t_kill = now_ns();
		CHECK(kill(old, SIGKILL) == 0, "kill %d: %s", (int)old, strerror(errno));
		/* until the compositor starts it again (how long it waits: its
		 * back-off) and `audio` says low fell silent */
		pid_t again = 0;
		bool silent = false;
		uint64_t end = session_now_ms() + 20000;
		while (again <= 0 || !silent) {
			CHECK(session_now_ms() < end, "round %d: %s", round + 1,
					again <= 0 ? "low's strata-audio-level was not started again" :
						     "`audio` never said playing=high");
			if (again <= 0) {
				pid_t pid = find_level_audio(s, "low");
				if (pid > 0 && pid != old) {
					again = pid;
					restart_ns[round] = now_ns() - t_kill;
				}
			}
			if (!silent) {
				struct audio_state now;
				audio_query(s, &now);
				silent = strcmp(now.playing, "high") == 0;
			}
			session_sleep_ms(10);
		}
		EXPECT_AUDIO(s, AUDIO_PLAYING, "low,high", 40000, "low's audio is back");
		t_back[round] = now_ns();
		size_t exits = count_log_lines(s, "level low: its audio") - exits_before;
		tap_diag("round %d: strata-audio-level %d started %.2f s after the kill, low heard "
			 "again after %.2f s; low's audio ended %zu times meanwhile",
				round + 1, (int)again, (double)restart_ns[round] / 1e9,
				(double)(t_back[round] - t_kill) / 1e9, exits);
		/* the one we killed, and no restart that failed */
		/* No restart that failed: the compositor's log tells of one end of
		 * low's audio, the one we caused (no such line at all: the log's
		 * wording changed), and the process it started first is the one
		 * that plays. */
		pid_t playing_pid = find_level_audio(s, "low");
		CHECK(exits <= 1 && playing_pid == again,
				"round %d: a restart failed: low's audio ended %zu times since the kill, "
				"its strata-audio-level %d was replaced by %d (the compositor's log "
				"says how they ended, the low cage's output why)",
				round + 1, exits, (int)again, (int)playing_pid);
		CHECK(find_level_audio(s, "high") == high_audio,
				"high's strata-audio-level changed (was %d)", (int)high_audio);
		session_sleep_ms(1500); /* low and high together again, for the record */
		old = find_level_audio(s, "low");
		CHECK(old > 0, "round %d: no strata-audio-level of low after the restart",
				round + 1);
	}
	/* back-off: each restart in a row waits longer than the one before */
	for (int round = 1; round < ROUNDS; round++) {
		CHECK(restart_ns[round] > restart_ns[round - 1],
				"no back-off: restarted %.2f s after kill %d, %.2f s after kill %d",
				(double)restart_ns[round - 1] / 1e9, round,
				(double)restart_ns[round] / 1e9, round + 1);
	}
	uint64_t t_end = now_ns();
	struct audio_state st;
	audio_query(s, &st);
	CHECK(st.ready == 1, "after the restarts, `audio` answers \"%s\"", st.reply);
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	cage_end(low);
	cage_end(high);
	struct recording rec;
	core_stop_record(c, dev, "speakers", &rec);

	size_t start, count;
	/* high, from before the first kill to the end: never a gap of 200 ms */
	recording_slice(&rec, t0, t_end, &start, &count);
	struct tone_stats hs = tone_stats(&rec.audio, start, count, HIGH_HZ);
	tap_diag("high throughout: in %zu of %zu windows, longest gap %zu windows, amplitude "
		 "%.3f..%.3f",
			hs.present, hs.windows, hs.longest_gap, hs.min, hs.max);
	CHECK(hs.windows >= 40, "only %zu windows recorded", hs.windows);
	CHECK(hs.longest_gap < 2 && hs.present * 100 >= hs.windows * 95,
			"high's sound was interrupted: heard in %zu of %zu windows, a gap of %zu "
			"windows of 100 ms",
			hs.present, hs.windows, hs.longest_gap);
	/* low, after each restart */
	for (int round = 0; round < ROUNDS; round++) {
		recording_slice(&rec, t_back[round] + 300 * MS, t_back[round] + 1500 * MS, &start,
				&count);
		char what[64];
		snprintf(what, sizeof(what), "low after restart %d", round + 1);
		CHECK_HEARD(&rec.audio, start, count, LOW_HZ, 8, what);
	}
	recording_free(&rec);
	stop_session(s);
	core_stop(c);
}

/*
 * low's PipeWire cannot start any more (its configuration loads a module
 * that is not there: it exits at once). conf gets the file's path, away
 * where the real one was put aside: renaming away back to conf undoes it.
 */
static void
break_low_audio_config(struct strata_session *s, char *conf, size_t conf_size, char *away,
		size_t away_size)
{
	snprintf(conf, conf_size, "%s/audio/low/pipewire.conf", s->runtime_dir);
	snprintf(away, away_size, "%s.away", conf);
	CHECK(rename(conf, away) == 0, "rename %s: %s", conf, strerror(errno));
	CHECK(write_text(conf,
			      "context.modules = [ { name = libpipewire-module-strata-none } ]\n") &&
					chmod(conf, 0644) == 0,
			"cannot write %s", conf);
}

/*
 * The banner says only what is true about sound. Low holds the microphone
 * (Logo+M): the banner says so. Then low's PipeWire cannot start any more
 * (its configuration is broken): its strata-audio-level ends at once, again
 * and again, and the compositor restarts it with growing back-off. The mux
 * still feeds low's microphone FIFO (the grant holds) but nothing in low
 * reads it: the banner shows low's sound down, and its pixels are the same
 * whether low holds the grant or not (no "MIC: low"). Once the
 * configuration is back, low's audio comes up by itself, the banner looks
 * as it did with the grant before, and low really hears the microphone.
 */
static void
banner_shows_sound_down_and_no_mic_for_a_crash_looping_level(void)
{
	struct core *c = core_start();
	struct strata_session *s = start_audio_session(c, NULL, true);
	pid_t mic = core_play_into_mic(c, MIC_HZ);
	focus_level_window(s, "low");
	expect_banner(s, "low", NULL, NULL);

	free(session_ctl_ok(s, "key logo+m"));
	EXPECT_AUDIO(s, AUDIO_HEARD, "low", 3000, "Logo+M with low focused");
	expect_banner(s, "low", "MIC: low", NULL);

	/* a crash loop */
	char conf[600], away[620];
	break_low_audio_config(s, conf, sizeof(conf), away, sizeof(away));
	struct audio_state st;
	audio_query(s, &st);
	unsigned starts = st.low_starts;
	pid_t old = find_level_audio(s, "low");
	CHECK(old > 0, "no strata-audio-level of low under the compositor");
	uint64_t t_kill = session_now_ms();
	CHECK(kill(old, SIGKILL) == 0, "kill %d: %s", (int)old, strerror(errno));
	EXPECT_AUDIO(s, AUDIO_DOWN, "low", 5000, "low's audio killed");
	/* three failed starts take 250 + 500 + 1000 ms of back-off at least */
	uint64_t end = session_now_ms() + 20000;
	do {
		CHECK(session_now_ms() < end, "low's audio was started %u times in 20 s",
				st.low_starts - starts);
		session_sleep_ms(20);
		audio_query(s, &st);
	} while (st.low_starts < starts + 3);
	uint64_t t3 = session_now_ms() - t_kill;
	tap_diag("low's audio started 3 times (each failing) %llu ms after the kill",
			(unsigned long long)t3);
	CHECK(t3 >= 250 + 500 + 1000, "three restarts in %llu ms: no back-off",
			(unsigned long long)t3);
	/* The grant holds, but while low's sound is down the mux feeds it
	 * nothing: "down" is the level's word, so the core cuts the microphone
	 * there (a level claiming to be down only deafens itself). */
	CHECK(strcmp(st.down, "low") == 0 && strcmp(st.mic, "none") == 0 &&
					strcmp(st.heard, "none") == 0,
			"low's audio crash-looping, with the grant: `audio` answers \"%s\"",
			st.reply);

	/* Down, with the grant, without it, with it again: the banner says
	 * low's sound is down and never "MIC: low" (the microphone cannot reach
	 * it). */
	expect_banner(s, "low", NULL, "\u26a0 sound down: low");
	free(session_ctl_ok(s, "key logo+m"));
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 3000, "Logo+M takes the microphone back");
	expect_banner(s, "low", NULL, "\u26a0 sound down: low");
	free(session_ctl_ok(s, "key logo+m"));
	/* Granted again, still nothing while down (heard below once it is up). */
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 3000, "Logo+M gives it to low again");
	expect_banner(s, "low", NULL, "\u26a0 sound down: low");
	audio_query(s, &st);
	CHECK(strcmp(st.down, "low") == 0, "low's audio came up without its configuration: %s",
			st.reply);

	/* its configuration back: low comes up by itself, the grant shows */
	CHECK(rename(away, conf) == 0, "rename %s: %s", away, strerror(errno));
	tap_diag("low's configuration back %llu ms after the kill",
			(unsigned long long)(session_now_ms() - t_kill));
	EXPECT_AUDIO(s, AUDIO_DOWN, "none", 40000, "low's audio, its configuration back");
	EXPECT_AUDIO(s, AUDIO_HEARD, "low", 3000, "low's audio back, with the grant");
	expect_banner(s, "low", "MIC: low", NULL);
	struct audio_buffer b;
	size_t b0, bn;
	cage_record(s, "low", "low-back", 2.0, false);
	cage_load_recording(s, "low", "low-back", &b, &b0, &bn);
	CHECK_HEARD(&b, b0, bn, MIC_HZ, 8, "low, holding the microphone, its audio back");
	audio_buffer_free(&b);
	core_stop_proc(c, mic);
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	stop_session(s);
	core_stop(c);
}

/*
 * Killing strata-audio-mux: the compositor starts it again; afterwards the
 * grant the user gave still holds (the holder hears the microphone, nobody
 * else does) and the levels are heard on the speakers again.
 */
static void
killed_mux_comes_back_with_the_grant(void)
{
	struct core *c = core_start();
	struct strata_session *s = start_audio_session(c, NULL, true);
	put_tone(s, "low", "low-tone.wav", LOW_HZ, 60.0);
	pid_t mic = core_play_into_mic(c, MIC_HZ);
	focus_level_window(s, "high");
	free(session_ctl_ok(s, "key logo+m"));
	EXPECT_AUDIO(s, AUDIO_MIC, "high", 3000, "Logo+M with high focused");
	pid_t low = cage_play(s, "low", "low-tone.wav", false);
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low", 20000, "pw-play in the low cage");

	pid_t mux = find_service(s, "strata-audio-mux", NULL);
	CHECK(mux > 0, "no strata-audio-mux under the compositor");
	CHECK(proc_uid(mux) == geteuid(), "the mux runs as uid %u", (unsigned)proc_uid(mux));
	uint64_t t_kill = now_ns();
	CHECK(kill(mux, SIGKILL) == 0, "kill %d: %s", (int)mux, strerror(errno));
	pid_t again = wait_service(s, "strata-audio-mux", NULL, mux, 20000);
	CHECK(again > 0, "the mux was not started again");
	EXPECT_AUDIO(s, AUDIO_READY, "1", 10000, "the new mux");
	EXPECT_AUDIO(s, AUDIO_MIC, "high", 5000, "the grant, after the mux came back");
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low", 10000, "low, after the mux came back");
	tap_diag("new mux %d, ready with the grant and low playing %.2f s after the kill",
			(int)again, (double)(now_ns() - t_kill) / 1e9);

	pid_t dev = core_record_speakers(c, "speakers");
	cage_record(s, "high", "high-granted", 2.0, false);
	cage_record(s, "low", "low-meanwhile", 2.0, false);
	struct audio_buffer h, l;
	size_t h0, hn, l0, ln;
	cage_load_recording(s, "high", "high-granted", &h, &h0, &hn);
	cage_load_recording(s, "low", "low-meanwhile", &l, &l0, &ln);
	struct recording rec;
	core_stop_record(c, dev, "speakers", &rec);
	CHECK_HEARD(&h, h0, hn, MIC_HZ, 8, "high, holding the microphone, after the mux came back");
	CHECK_SILENT(&l, 0, l.frames, 1000, "low, after the mux came back");
	size_t start = rec.audio.frames > 300 * 48 ? 300 * 48 : rec.audio.frames;
	CHECK_HEARD(&rec.audio, start, rec.audio.frames - start, LOW_HZ, 8,
			"speakers, low, after the mux came back");
	CHECK_ABSENT(&rec.audio, start, rec.audio.frames - start, MIC_HZ,
			"speakers: the microphone");
	audio_buffer_free(&h);
	audio_buffer_free(&l);
	recording_free(&rec);
	cage_end(low);
	core_stop_proc(c, mic);
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	stop_session(s);
	core_stop(c);
}

/*
 * mic = follow, unfocused = mute: the focused level holds the microphone and
 * is the only one heard; Logo+M mutes the microphone and unmutes it.
 */
static void
focus_moves_the_microphone_and_the_sound(void)
{
	struct core *c = core_start();
	struct strata_session *s = start_audio_session(c, "mic = follow\nunfocused = mute\n", true);
	put_tone(s, "low", "low-tone.wav", LOW_HZ, 60.0);
	put_tone(s, "high", "high-tone.wav", HIGH_HZ, 60.0);
	pid_t mic = core_play_into_mic(c, MIC_HZ);
	pid_t low = cage_play(s, "low", "low-tone.wav", false);
	pid_t high = cage_play(s, "high", "high-tone.wav", false);
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low,high", 20000, "both levels play");
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 2000, "nothing focused: nobody holds the microphone");
	pid_t dev = core_record_speakers(c, "speakers");

	focus_level_window(s, "high");
	EXPECT_AUDIO(s, AUDIO_MIC, "high", 3000, "focus on high");
	uint64_t t_high = now_ns();
	cage_record(s, "low", "low-unfocused", 1.5, false);
	struct audio_buffer b;
	size_t b0, bn;
	cage_load_recording(s, "low", "low-unfocused", &b, &b0, &bn);
	CHECK_SILENT(&b, 0, b.frames, 700, "low, while high has the focus");
	audio_buffer_free(&b);
	uint64_t t_high_end = now_ns();

	focus_level_window(s, "low");
	EXPECT_AUDIO(s, AUDIO_MIC, "low", 3000, "focus on low");
	uint64_t t_low = now_ns();
	cage_record(s, "low", "low-focused", 1.5, false);
	cage_load_recording(s, "low", "low-focused", &b, &b0, &bn);
	CHECK_HEARD(&b, b0, bn, MIC_HZ, 5, "low, focused, hears the microphone");
	audio_buffer_free(&b);
	uint64_t t_low_end = now_ns();

	free(session_ctl_ok(s, "key logo+m"));
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 3000, "Logo+M mutes the microphone");
	cage_record(s, "low", "low-muted", 1.5, false);
	cage_load_recording(s, "low", "low-muted", &b, &b0, &bn);
	CHECK_SILENT(&b, 0, b.frames, 700, "low, focused, microphone muted");
	audio_buffer_free(&b);
	free(session_ctl_ok(s, "key logo+m"));
	EXPECT_AUDIO(s, AUDIO_MIC, "low", 3000, "Logo+M again unmutes it");

	struct recording rec;
	core_stop_record(c, dev, "speakers", &rec);
	size_t start, count;
	recording_slice(&rec, t_high + 200 * MS, t_high_end, &start, &count);
	CHECK_HEARD(&rec.audio, start, count, HIGH_HZ, 8, "speakers, high focused: high");
	CHECK_ABSENT(&rec.audio, start, count, LOW_HZ, "speakers, high focused: low");
	recording_slice(&rec, t_low + 200 * MS, t_low_end, &start, &count);
	CHECK_HEARD(&rec.audio, start, count, LOW_HZ, 8, "speakers, low focused: low");
	CHECK_ABSENT(&rec.audio, start, count, HIGH_HZ, "speakers, low focused: high");
	recording_free(&rec);
	cage_end(low);
	cage_end(high);
	core_stop_proc(c, mic);
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	stop_session(s);
	core_stop(c);
}

/* Bytes waiting in a FIFO (0 if it cannot be opened). */
static size_t
fifo_queued(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int n = 0;
	if (fd >= 0) {
		if (ioctl(fd, FIONREAD, &n) < 0) {
			n = 0;
		}
		close(fd);
	}
	return n > 0 ? (size_t)n : 0;
}

/*
 * The core PipeWire is not there when the session starts (the user's starts
 * later) while low plays, then dies and comes back: `audio` says ready=0
 * while it is away, the compositor keeps trying, and once it is back low is
 * heard again (whatever low's sound filled its FIFO with meanwhile).
 */
static void
core_pipewire_late_and_restarted(void)
{
	struct core *c = core_prepare();
	struct strata_session *s = start_audio_session(c, NULL, false);
	put_tone(s, "low", "low-tone.wav", LOW_HZ, 60.0);
	pid_t low = cage_play(s, "low", "low-tone.wav", true);
	session_sleep_ms(1500); /* the mux tries, and fails, meanwhile */
	struct audio_state st;
	audio_query(s, &st);
	CHECK(st.ready == 0, "no core PipeWire yet, and `audio` answers \"%s\"", st.reply);
	/* Low's audio starts again meanwhile (it crashed, say) and plays at
	 * once, into its playback FIFO, which nobody reads yet: a fresh pipe,
	 * full of low's sound when the mux finally gets to open it. */
	pid_t old = find_level_audio(s, "low");
	CHECK(old > 0, "no strata-audio-level of low under the compositor");
	CHECK(kill(old, SIGKILL) == 0, "kill %d: %s", (int)old, strerror(errno));
	CHECK(wait_service(s, "strata-audio-level", "low", old, 20000) > 0,
			"low's strata-audio-level was not started again");
	char fifo[512];
	snprintf(fifo, sizeof(fifo), "%s/audio/low/playback", s->runtime_dir);
	size_t queued = 0;
	uint64_t end = session_now_ms() + 10000;
	while ((queued = fifo_queued(fifo)) <= 8192) {
		CHECK(session_now_ms() < end, "low's sound never queued up in %s (%zu bytes)", fifo,
				queued);
		session_sleep_ms(20);
	}
	tap_diag("%zu bytes of low's sound wait in its playback FIFO", queued);

	core_start_daemon(c);
	EXPECT_AUDIO(s, AUDIO_READY, "1", 20000, "the core PipeWire started late");
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low", 20000, "low, once the core is there");
	pid_t dev = core_record_speakers(c, "speakers-1");
	session_sleep_ms(1000);
	struct recording rec;
	core_stop_record(c, dev, "speakers-1", &rec);
	size_t start = rec.audio.frames > 200 * 48 ? 200 * 48 : rec.audio.frames;
	CHECK_HEARD(&rec.audio, start, rec.audio.frames - start, LOW_HZ, 6,
			"speakers, the core started late: low");
	recording_free(&rec);

	/* it dies (its socket stays behind), and comes back */
	CHECK(kill(c->pipewire, SIGKILL) == 0, "kill: %s", strerror(errno));
	EXPECT_AUDIO(s, AUDIO_READY, "0", 5000, "the core PipeWire died");
	session_sleep_ms(500);
	core_start_daemon(c);
	EXPECT_AUDIO(s, AUDIO_READY, "1", 30000, "the core PipeWire is back");
	EXPECT_AUDIO(s, AUDIO_PLAYING, "low", 20000, "low, once the core is back");
	dev = core_record_speakers(c, "speakers-2");
	session_sleep_ms(1000);
	core_stop_record(c, dev, "speakers-2", &rec);
	start = rec.audio.frames > 200 * 48 ? 200 * 48 : rec.audio.frames;
	CHECK_HEARD(&rec.audio, start, rec.audio.frames - start, LOW_HZ, 6,
			"speakers, the core restarted: low");
	recording_free(&rec);
	cage_end(low);
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	stop_session(s);
	core_stop(c);
}

/* Runs the compositor on config text; its exit status (-1: still running
 * after 10 s, then killed) and output. */
static int
run_compositor_config(const char *dir, const char *text, char *out, size_t out_size)
{
	char conf[300], data[300], rt[300];
	snprintf(conf, sizeof(conf), "%s/compositor.ini", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(rt, sizeof(rt), "%s/rt", dir);
	mkdir(rt, 0700);
	tap_assert(write_text(conf, text));
	const char *bin = getenv("STRATA_BIN");
	tap_assert(bin && *bin);
	int fds[2];
	tap_assert(pipe2(fds, O_CLOEXEC) == 0);
	fflush(stdout);
	pid_t pid = fork();
	tap_assert(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		setenv("XDG_RUNTIME_DIR", rt, 1);
		unsetenv("WAYLAND_DISPLAY");
		unsetenv("DISPLAY");
		const char *argv[] = { bin, "--headless", "640x480", "-c", conf, "--data-dir", data,
			NULL };
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	size_t used = 0;
	int status = 0;
	bool exited = false;
	uint64_t end = session_now_ms() + 10000;
	while (!exited && session_now_ms() < end) {
		ssize_t r;
		while (used + 1 < out_size &&
				(r = read(fds[0], out + used, out_size - 1 - used)) > 0) {
			used += (size_t)r;
		}
		exited = waitpid(pid, &status, WNOHANG) == pid;
		if (!exited) {
			session_sleep_ms(20);
		}
	}
	ssize_t r;
	while (used + 1 < out_size && (r = read(fds[0], out + used, out_size - 1 - used)) > 0) {
		used += (size_t)r;
	}
	out[used] = '\0';
	if (!exited) {
		/* it started: a clean stop, then whatever is left */
		kill(pid, SIGTERM);
		uint64_t stop = session_now_ms() + 5000;
		while (waitpid(pid, &status, WNOHANG) != pid && session_now_ms() < stop) {
			session_sleep_ms(20);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(fds[0]);
	return exited ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128) : -1;
}

/* Each invalid [audio] value: the compositor refuses to start and names the
 * key and the section. */
static void
invalid_audio_settings_are_refused(void)
{
	static const struct {
		const char *line, *key;
	} bad[] = {
		{ "mic = loud", "mic = \"loud\" in [audio]" },
		{ "unfocused = quiet", "unfocused = \"quiet\" in [audio]" },
		{ "quantum = 100", "quantum = \"100\" in [audio]" },
		{ "quantum = 9000", "quantum = \"9000\" in [audio]" },
		{ "core_remote = pipewire-0", "core_remote = \"pipewire-0\" in [audio]" },
		{ "enabled = maybe", "enabled = \"maybe\" in [audio]" },
	};
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/satest-XXXXXX");
	tap_assert(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256], out[4096];
		snprintf(text, sizeof(text), "[audio]\nenabled = true\n%s\n", bad[i].line);
		if (strncmp(bad[i].line, "enabled", 7) == 0) {
			snprintf(text, sizeof(text), "[audio]\n%s\n", bad[i].line);
		}
		int rc = run_compositor_config(dir, text, out, sizeof(out));
		if (rc == 0 || rc == -1 || !strstr(out, bad[i].key) ||
				!strstr(out, "refusing to start")) {
			test_remove_tree(dir);
			tap_fail("\"%s\": exit %d (-1: it started), output:\n%s", bad[i].line, rc,
					out);
		}
		tap_diag("%s: %.*s", bad[i].line, (int)strcspn(out, "\n"), out);
	}
	test_remove_tree(dir);
}

/*
 * mic = follow: a level whose sound is down gets no microphone, whether it
 * goes down while focused or is focused while down; once it is up again,
 * focusing it gives it the microphone back.
 */
static void
follow_gives_no_microphone_to_a_level_whose_sound_is_down(void)
{
	struct core *c = core_start();
	struct strata_session *s = start_audio_session(c, "mic = follow\n", true);
	focus_level_window(s, "low");
	EXPECT_AUDIO(s, AUDIO_MIC, "low", 3000, "focus on low");

	char conf[600], away[620];
	break_low_audio_config(s, conf, sizeof(conf), away, sizeof(away));
	pid_t old = find_level_audio(s, "low");
	CHECK(old > 0, "no strata-audio-level of low under the compositor");
	CHECK(kill(old, SIGKILL) == 0, "kill %d: %s", (int)old, strerror(errno));
	EXPECT_AUDIO(s, AUDIO_DOWN, "low", 5000, "low's audio killed");
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 3000, "low focused, its sound down");

	focus_level_window(s, "high");
	EXPECT_AUDIO(s, AUDIO_MIC, "high", 3000, "focus on high");
	focus_level_window(s, "low");
	EXPECT_AUDIO(s, AUDIO_MIC, "none", 3000, "focus on low, its sound down");

	CHECK(rename(away, conf) == 0, "rename %s: %s", away, strerror(errno));
	EXPECT_AUDIO(s, AUDIO_DOWN, "none", 40000, "low's audio, its configuration back");
	EXPECT_AUDIO(s, AUDIO_MIC, "low", 3000, "low focused, its sound up again");
	CHECK(session_compositor_alive(s), "the compositor is not answering");
	stop_session(s);
	core_stop(c);
}

TAP_TESTS(TAP_CASE_TIMEOUT(playback_is_heard_and_levels_stay_apart, 150),
		TAP_CASE_TIMEOUT(microphone_goes_only_where_the_user_says, 150),
		TAP_CASE_TIMEOUT(low_cage_sees_only_its_own_audio, 150),
		TAP_CASE_TIMEOUT(killed_level_audio_comes_back, 180),
		TAP_CASE_TIMEOUT(killed_mux_comes_back_with_the_grant, 150),
		TAP_CASE_TIMEOUT(banner_shows_sound_down_and_no_mic_for_a_crash_looping_level, 180),
		TAP_CASE_TIMEOUT(focus_moves_the_microphone_and_the_sound, 150),
		TAP_CASE_TIMEOUT(follow_gives_no_microphone_to_a_level_whose_sound_is_down, 150),
		TAP_CASE_TIMEOUT(core_pipewire_late_and_restarted, 150),
		TAP_CASE_TIMEOUT(invalid_audio_settings_are_refused, 120), )
