// SPDX-License-Identifier: MIT
/*
 * strata-audio-mux with real PipeWire daemons: a core with null devices,
 * one daemon per level started from audio-mux/level-pipewire.conf.in (with
 * strata-audio-level and pipewire-pulse), real clients. Tones: low plays
 * 440 Hz, high 1000 Hz, the device microphone gets 660 Hz.
 *
 * Recorders are strata-audio-probe: every cycle they record is stamped with
 * the graph's CLOCK_MONOTONIC time, so "after the grant moved" is exact.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "audio_rig.h"

#define LOW_HZ 440.0
#define HIGH_HZ 1000.0
#define MIC_HZ 660.0
#define MS 1000000ull

/*
 * Tones are judged over 100 ms windows: a single late cycle makes a gap and
 * shifts the phase of what follows, which a Goertzel over a long stretch
 * would turn into a meaningless amplitude.
 */
#define WINDOW 4800

/* The share of the windows of [from, to) where the amplitude at hz lies in
 * [lo, hi] (0 when the slice holds no whole window). */
static double
share(const struct recording *rec, uint64_t from, uint64_t to, double hz, double lo, double hi)
{
	size_t start, count, windows = 0, in = 0;
	recording_slice(rec, from, to, &start, &count);
	for (size_t off = 0; off + WINDOW <= count; off += WINDOW) {
		double a = audio_goertzel(&rec->audio, 0, start + off, WINDOW, hz);
		windows++;
		in += a >= lo && a <= hi;
	}
	return windows ? (double)in / (double)windows : 0.0;
}

/*
 * The tone is there (amplitude 0.5) in at least 75 % of the windows: a
 * stretch of 700 ms or more may hold one glitch. When two graphs' cycles
 * fall at the same instant, scheduling jitter can make one write come after
 * the read it was meant for, once: the reader gets a quantum of silence and
 * a quantum more of headroom from then on (fifo.c, and PipeWire's
 * pipe-tunnel on the level side for the microphone).
 */
static double
heard(const struct recording *rec, uint64_t from, uint64_t to, double hz)
{
	return share(rec, from, to, hz, 0.45, 0.52);
}
#define HEARD(share) ((share) >= 0.75)
#define check_heard(rig, rec, from, to, hz, what) \
	do { \
		double share_ = heard((rec), (from), (to), (hz)); \
		rig_assert((rig), HEARD(share_), "%s: %g Hz heard in %.0f %% of the time", (what), \
				(hz), share_ * 100); \
	} while (0)

/*
 * The tone is not there: below 0.01 (-34 dB under a tone, -14 dB under a
 * ducked one) in at least 75 % of the windows. Gaps, the start of a tone,
 * the single frames drift control drops or repeats, all leak a little into
 * every frequency; a tone that is really there is there in every window.
 * Where a level must hear nothing at all, the tests count the frames that
 * are not exactly zero instead.
 */
#define check_absent(rig, rec, from, to, hz, what) \
	do { \
		double share_ = share((rec), (from), (to), (hz), 0.0, 0.01); \
		rig_assert((rig), share_ >= 0.75, "%s: %g Hz heard in %.0f %% of the time", \
				(what), (hz), (1.0 - share_) * 100); \
	} while (0)

/*
 * Silence to the last bit: the cycles recorded in [from, to) cover at least
 * min_ms, and not one of their frames is other than exactly zero.
 */
#define check_silent(rig, rec, from, to, min_ms, what) \
	do { \
		size_t start_, count_; \
		recording_slice((rec), (from), (to), &start_, &count_); \
		rig_assert((rig), count_ >= (size_t)(min_ms)*48, \
				"%s: %zu frames recorded, fewer than %d ms", (what), count_, \
				(min_ms)); \
		size_t n_ = recording_nonzero_after((rec), (from), (to)); \
		rig_assert((rig), n_ == 0, "%s: %zu frames of sound", (what), n_); \
	} while (0)

static uint64_t
quantum_ns(struct rig *rig)
{
	return (uint64_t)rig->quantum * 1000000000ull / 48000;
}

static pid_t
play_file(struct rig *rig, enum rig_place place, const char *tool, const char *file)
{
	char *argv[] = { (char *)tool, (char *)file, NULL };
	return rig_spawn(rig, place, tool, argv);
}

static void
wait_ok(struct rig *rig, pid_t pid, int timeout_ms, const char *what)
{
	int status = 0;
	rig_assert(rig, rig_wait_exit(rig, pid, timeout_ms, &status), "%s did not finish", what);
	rig_assert(rig, WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: status 0x%x", what,
			status);
}

/* pw-play in each level reaches the device; the policy's gains apply; the
 * compositor hears who is playing. */
static void
playback_reaches_the_device(void)
{
	struct rig *rig = rig_start(NULL);
	const char *low_file = rig_tone_file(rig, "low.wav", LOW_HZ, 4.0);
	const char *high_file = rig_tone_file(rig, "high.wav", HIGH_HZ, 4.0);
	pid_t dev = rig_record(rig, RIG_CORE, "dev", "dev-sink");
	pid_t low = play_file(rig, RIG_LOW, "pw-play", low_file);
	pid_t high = play_file(rig, RIG_HIGH, "pw-play", high_file);
	/* (maybe "playing low" or "playing high" first: lines in index order) */
	rig_assert(rig, rig_expect(rig, "playing low,high", 3000, NULL), "no \"playing low,high\"");
	uint64_t t1 = rig_now_ns();
	rig_sleep_ms(800);
	uint64_t t2 = rig_send(rig, "focus low");
	rig_send(rig, "unfocused duck");
	rig_sleep_ms(800);
	uint64_t t3 = rig_send(rig, "unfocused mute");
	rig_sleep_ms(800);
	uint64_t t4 = rig_now_ns();
	rig_stop_proc(rig, low, NULL);
	rig_stop_proc(rig, high, NULL);
	rig_assert(rig, rig_expect(rig, "playing none", 2000, NULL), "no \"playing none\"");
	struct recording rec;
	rig_stop_record(rig, dev, "dev", &rec);

	double a;
	check_heard(rig, &rec, t1, t2, LOW_HZ, "mixed: low");
	check_heard(rig, &rec, t1, t2, HIGH_HZ, "mixed: high");
	check_heard(rig, &rec, t2 + 100 * MS, t3, LOW_HZ, "ducked: low");
	a = share(&rec, t2 + 100 * MS, t3, HIGH_HZ, 0.045, 0.052);
	rig_assert(rig, HEARD(a), "ducked: high at 0.05 in %.0f %% of the time", a * 100);
	check_heard(rig, &rec, t3 + 100 * MS, t4, LOW_HZ, "muted: low");
	check_absent(rig, &rec, t3 + 100 * MS, t4, HIGH_HZ, "muted: high");
	recording_free(&rec);
	rig_stop(rig);
}

/* A level's recorder hears the microphone while it holds it, never the
 * other level's playback, and not one frame once the grant moved. */
static void
levels_never_hear_each_other(void)
{
	struct rig *rig = rig_start(NULL);
	pid_t mic = rig_play_tone(rig, RIG_CORE, "mic-source", MIC_HZ, 0.5, "dev-mic");
	pid_t low = rig_play_tone(rig, RIG_LOW, "low-player", LOW_HZ, 0.5, NULL);
	pid_t high = rig_play_tone(rig, RIG_HIGH, "high-player", HIGH_HZ, 0.5, NULL);
	pid_t dev = rig_record(rig, RIG_CORE, "dev", "dev-sink");
	pid_t low_rec = rig_record(rig, RIG_LOW, "low-rec", NULL);
	pid_t high_rec = rig_record(rig, RIG_HIGH, "high-rec", NULL);
	uint64_t t0 = rig_now_ns(), t1, t2, ack1, ack2;
	rig_sleep_ms(400);

	t1 = rig_send(rig, "mic grant low");
	rig_assert(rig, rig_expect(rig, "mic low", 1000, &ack1), "no \"mic low\"");
	/* 1.1 s heard from each grant: HEARD's rule, under load too */
	rig_sleep_ms(1200);
	t2 = rig_send(rig, "mic grant high");
	rig_assert(rig, rig_expect(rig, "mic high", 1000, &ack2), "no \"mic high\"");
	rig_sleep_ms(1200);
	uint64_t t3 = rig_now_ns();

	struct recording d, l, h;
	rig_stop_record(rig, low_rec, "low-rec", &l);
	rig_stop_record(rig, high_rec, "high-rec", &h);
	rig_stop_record(rig, dev, "dev", &d);
	rig_stop_proc(rig, low, NULL);
	rig_stop_proc(rig, high, NULL);
	rig_stop_proc(rig, mic, NULL);

	tap_diag("grant took effect %.2f ms and %.2f ms after the command (quantum %.2f ms)",
			(double)(ack1 - t1) / 1e6, (double)(ack2 - t2) / 1e6,
			(double)quantum_ns(rig) / 1e6);
	rig_assert(rig, ack2 - t2 <= quantum_ns(rig), "the grant moved %.2f ms after the command",
			(double)(ack2 - t2) / 1e6);
	/* nobody hears anything before the grant */
	check_silent(rig, &l, 0, t1, 300, "low before any grant");
	check_silent(rig, &h, 0, t2, 800, "high before its grant");
	/* the holder hears the microphone, and only it */
	check_heard(rig, &l, ack1 + 100 * MS, t2, MIC_HZ, "low hears the mic");
	check_heard(rig, &h, ack2 + 100 * MS, t3, MIC_HZ, "high hears the mic");
	/* the old holder: zero frames once the mux said the grant moved */
	check_silent(rig, &l, ack2, UINT64_MAX, 500, "low after the grant moved");
	/* never the other level's playback, never its own */
	check_absent(rig, &l, t0, t3, HIGH_HZ, "low hears high's tone");
	check_absent(rig, &h, t0, t3, LOW_HZ, "high hears low's tone");
	check_absent(rig, &l, t0, t3, LOW_HZ, "low hears itself");
	/* the speakers: both levels, never the microphone */
	check_heard(rig, &d, t0, t3, LOW_HZ, "device: low");
	check_heard(rig, &d, t0, t3, HIGH_HZ, "device: high");
	check_absent(rig, &d, t0, t3, MIC_HZ, "device: mic");
	recording_free(&d);
	recording_free(&l);
	recording_free(&h);
	rig_stop(rig);
}

/* What the microphone left in the old holder's pipe while nothing there read
 * it must not reach the level afterwards. */
static void
revoked_mic_leaves_nothing_in_the_pipe(void)
{
	struct rig *rig = rig_start(NULL);
	pid_t mic = rig_play_tone(rig, RIG_CORE, "mic-source", MIC_HZ, 0.5, "dev-mic");
	rig_send(rig, "mic grant low");
	rig_assert(rig, rig_expect(rig, "mic low", 1000, NULL), "no \"mic low\"");
	rig_sleep_ms(300); /* nothing reads low's microphone: its pipe fills */
	rig_send(rig, "mic grant high");
	rig_assert(rig, rig_expect(rig, "mic high", 1000, NULL), "no \"mic high\"");
	pid_t low_rec = rig_record(rig, RIG_LOW, "low-rec", NULL);
	pid_t high_rec = rig_record(rig, RIG_HIGH, "high-rec", NULL);
	rig_sleep_ms(400);
	struct recording l, h;
	rig_stop_record(rig, low_rec, "low-rec", &l);
	rig_stop_record(rig, high_rec, "high-rec", &h);
	rig_stop_proc(rig, mic, NULL);
	/* a recording of its whole length, and not one frame of sound in it */
	check_silent(rig, &l, 0, UINT64_MAX, 300, "low, once the grant moved");
	check_heard(rig, &h, h.t_ns[0] + 100 * MS, UINT64_MAX, MIC_HZ, "high hears the mic");
	recording_free(&l);
	recording_free(&h);
	rig_stop(rig);
}

static void
mic_follows_focus(void)
{
	struct rig *rig = rig_start(NULL);
	pid_t mic = rig_play_tone(rig, RIG_CORE, "mic-source", MIC_HZ, 0.5, "dev-mic");
	pid_t low_rec = rig_record(rig, RIG_LOW, "low-rec", NULL);
	pid_t high_rec = rig_record(rig, RIG_HIGH, "high-rec", NULL);
	uint64_t a1, a2, a3;
	rig_send(rig, "focus low");
	rig_send(rig, "mic follow");
	rig_assert(rig, rig_expect(rig, "mic low", 1000, &a1), "no \"mic low\"");
	rig_sleep_ms(800);
	rig_send(rig, "focus high");
	rig_assert(rig, rig_expect(rig, "mic high", 1000, &a2), "no \"mic high\"");
	rig_sleep_ms(800);
	/* a level the mux does not know (a level without audio): nobody */
	rig_send(rig, "focus secret");
	rig_assert(rig, rig_expect(rig, "mic none", 1000, &a3), "no \"mic none\"");
	rig_sleep_ms(400);
	struct recording l, h;
	rig_stop_record(rig, low_rec, "low-rec", &l);
	rig_stop_record(rig, high_rec, "high-rec", &h);
	rig_stop_proc(rig, mic, NULL);
	check_heard(rig, &l, a1 + 100 * MS, a2, MIC_HZ, "low: mic");
	check_heard(rig, &h, a2 + 100 * MS, a3, MIC_HZ, "high: mic");
	check_silent(rig, &l, a2, UINT64_MAX, 600, "low after focus left");
	check_silent(rig, &h, 0, a2, 600, "high before focus came");
	check_silent(rig, &h, a3, UINT64_MAX, 250, "high after focus went to an unknown level");
	recording_free(&l);
	recording_free(&h);
	rig_stop(rig);
}

/* paplay through the level's pipewire-pulse, found the way libpulse finds
 * it ($XDG_RUNTIME_DIR/pulse/native). */
static void
pulseaudio_client_is_heard(void)
{
	struct rig *rig = rig_start(NULL);
	const char *file = rig_tone_file(rig, "low.wav", LOW_HZ, 1.5);
	pid_t dev = rig_record(rig, RIG_CORE, "dev", "dev-sink");
	char *info_argv[] = { "pactl", "info", NULL };
	pid_t info = rig_spawn(rig, RIG_LOW, "pactl", info_argv);
	wait_ok(rig, info, 5000, "pactl info");
	rig_assert(rig, rig_wait_log(rig, info, "Default Sink: strata-playback", 10),
			"pactl does not see strata-playback as the default sink");
	pid_t play = play_file(rig, RIG_LOW, "paplay", file);
	rig_assert(rig, rig_expect(rig, "playing low", 3000, NULL), "no \"playing low\"");
	wait_ok(rig, play, 5000, "paplay");
	struct recording rec;
	rig_stop_record(rig, dev, "dev", &rec);
	/* 1.5 s of tone: at least a second of it heard */
	double a = share(&rec, 0, UINT64_MAX, LOW_HZ, 0.45, 0.52);
	size_t windows = rec.audio.frames / WINDOW;
	rig_assert(rig, a * (double)windows >= 10.0,
			"paplay's tone heard in %.0f of %zu windows of 100 ms", a * (double)windows,
			windows);
	recording_free(&rec);
	rig_stop(rig);
}

/* A level writing random bytes as fast as it can, in odd sizes, only ruins
 * its own stream. */
static void
garbage_and_flood_stay_in_their_level(void)
{
	struct rig *rig = rig_start(NULL);
	pid_t high = rig_play_tone(rig, RIG_HIGH, "high-player", HIGH_HZ, 0.5, NULL);
	pid_t dev = rig_record(rig, RIG_CORE, "dev", "dev-sink");
	pid_t high_stream = rig_record(rig, RIG_CORE, "high-stream", "strata.high");
	char of[300];
	snprintf(of, sizeof(of), "of=%s", rig->playback_fifo[RIG_LOW]);
	char *dd_argv[] = { "dd", "if=/dev/urandom", of, "bs=4093", "count=100000000",
		"status=none", NULL };
	uint64_t t0 = rig_now_ns();
	pid_t flood = rig_spawn(rig, RIG_LOW, "flood", dd_argv);
	rig_sleep_ms(1000);
	uint64_t t1 = rig_send(rig, "focus high");
	rig_send(rig, "unfocused mute");
	rig_sleep_ms(800);
	uint64_t t2 = rig_now_ns();
	rig_assert(rig, rig_proc_alive(rig, flood), "the flood stopped by itself");
	rig_assert(rig, rig_proc_alive(rig, rig->mux_pid), "the mux died");
	rig_stop_proc(rig, flood, NULL);
	struct recording d, s;
	rig_stop_record(rig, dev, "dev", &d);
	rig_stop_record(rig, high_stream, "high-stream", &s);
	rig_stop_proc(rig, high, NULL);

	/* high's own stream out of the mux: whole, and nothing but its tone */
	check_heard(rig, &s, t0, t2, HIGH_HZ, "high's stream");
	size_t start, count;
	recording_slice(&s, t0, t2, &start, &count);
	size_t n = audio_count_above(&s.audio, start, count, 0.51f);
	rig_assert(rig, count >= 1000 * 48, "high's stream: only %zu frames recorded", count);
	rig_assert(rig, n == 0, "high's stream has %zu frames louder than its tone", n);
	/* the speakers while mixed: high's tone is there all along */
	check_heard(rig, &d, t0 + 100 * MS, t1, HIGH_HZ, "device, mixed with the flood: high");
	/* and with low muted: nothing but high */
	recording_slice(&d, t1 + 100 * MS, t2, &start, &count);
	n = audio_count_above(&d.audio, start, count, 0.51f);
	rig_assert(rig, count >= 500 * 48, "device, low muted: only %zu frames recorded", count);
	rig_assert(rig, n == 0, "device: %zu frames of garbage with low muted", n);
	check_heard(rig, &d, t1 + 100 * MS, t2, HIGH_HZ, "device, low muted: high");
	recording_free(&d);
	recording_free(&s);
	rig_stop(rig);
}

/* A level's PipeWire dies: its strata-audio-level takes its pipewire-pulse
 * along and exits (nothing left behind for the compositor to find), and
 * nothing changes for the other level, its playback or its microphone. */
static void
killed_level_harms_nobody_else(void)
{
	struct rig *rig = rig_start(NULL);
	pid_t mic = rig_play_tone(rig, RIG_CORE, "mic-source", MIC_HZ, 0.5, "dev-mic");
	pid_t low = rig_play_tone(rig, RIG_LOW, "low-player", LOW_HZ, 0.5, NULL);
	pid_t high = rig_play_tone(rig, RIG_HIGH, "high-player", HIGH_HZ, 0.5, NULL);
	pid_t dev = rig_record(rig, RIG_CORE, "dev", "dev-sink");
	pid_t high_rec = rig_record(rig, RIG_HIGH, "high-rec", NULL);
	uint64_t ack;
	rig_send(rig, "mic grant high");
	rig_assert(rig, rig_expect(rig, "mic high", 1000, &ack), "no \"mic high\"");
	rig_sleep_ms(800);
	char conf[64];
	snprintf(conf, sizeof(conf), "%s.conf", rig->level_name[RIG_LOW]);
	pid_t daemon = rig_find_child(rig, rig->level_pid[RIG_LOW], conf);
	uint64_t t_kill = rig_now_ns();
	kill(daemon, SIGKILL);
	int status = 0;
	rig_assert(rig, rig_wait_exit(rig, rig->level_pid[RIG_LOW], 3000, &status),
			"low's strata-audio-level outlives its pipewire");
	rig_assert(rig, WIFEXITED(status) && WEXITSTATUS(status) == 1,
			"low's strata-audio-level: status 0x%x", status);
	rig_sleep_ms(100);
	rig_assert(rig, kill(-rig->level_pid[RIG_LOW], 0) < 0, "something of low's audio is left");
	rig_assert(rig, rig_expect(rig, "playing high", 2000, NULL), "no \"playing high\"");
	rig_sleep_ms(800);
	uint64_t t_end = rig_now_ns();
	rig_assert(rig, rig_proc_alive(rig, rig->mux_pid), "the mux died with low");
	rig_assert(rig, rig_proc_alive(rig, rig->level_pid[RIG_HIGH]), "high died with low");
	struct recording d, h;
	rig_stop_record(rig, dev, "dev", &d);
	rig_stop_record(rig, high_rec, "high-rec", &h);
	rig_stop_proc(rig, low, NULL);
	rig_stop_proc(rig, high, NULL);
	rig_stop_proc(rig, mic, NULL);
	check_heard(rig, &d, ack, t_kill, HIGH_HZ, "device before the kill: high");
	/* (tearing a process group down costs the machine a moment: judge
	 * from 200 ms on) */
	check_heard(rig, &d, t_kill + 200 * MS, t_end, HIGH_HZ, "device after the kill: high");
	check_heard(rig, &d, ack, t_kill, LOW_HZ, "device before the kill: low");
	check_absent(rig, &d, t_kill + 100 * MS, t_end, LOW_HZ, "device: low");
	check_heard(rig, &h, ack + 100 * MS, t_kill, MIC_HZ, "high's microphone before the kill");
	check_heard(rig, &h, t_kill + 200 * MS, t_end, MIC_HZ, "high's microphone after the kill");
	recording_free(&d);
	recording_free(&h);
	rig_stop(rig);
}

/* Killing the mux: the levels keep running (nothing blocks on a FIFO), the
 * microphone goes nowhere; a new mux picks everything up again. */
static void
killed_mux_leaves_levels_running(void)
{
	struct rig *rig = rig_start(NULL);
	pid_t mic = rig_play_tone(rig, RIG_CORE, "mic-source", MIC_HZ, 0.5, "dev-mic");
	pid_t low = rig_play_tone(rig, RIG_LOW, "low-player", LOW_HZ, 0.5, NULL);
	pid_t high = rig_play_tone(rig, RIG_HIGH, "high-player", HIGH_HZ, 0.5, NULL);
	pid_t low_rec = rig_record(rig, RIG_LOW, "low-rec", NULL);
	pid_t high_rec = rig_record(rig, RIG_HIGH, "high-rec", NULL);
	rig_send(rig, "mic grant high");
	rig_assert(rig, rig_expect(rig, "mic high", 1000, NULL), "no \"mic high\"");
	rig_sleep_ms(300);
	uint64_t t_kill = rig_now_ns();
	rig_kill_proc(rig, rig->mux_pid);
	/* both levels still play: a short file ends in its own time */
	const char *file = rig_tone_file(rig, "short.wav", 500.0, 0.3);
	pid_t p_low = play_file(rig, RIG_LOW, "pw-play", file);
	pid_t p_high = play_file(rig, RIG_HIGH, "pw-play", file);
	wait_ok(rig, p_low, 3000, "pw-play in low without the mux");
	wait_ok(rig, p_high, 3000, "pw-play in high without the mux");
	rig_assert(rig,
			rig_proc_alive(rig, rig->level_pid[RIG_LOW]) &&
					rig_proc_alive(rig, rig->level_pid[RIG_HIGH]),
			"a level died with the mux");
	struct recording l, h;
	rig_stop_record(rig, low_rec, "low-rec", &l);
	rig_stop_record(rig, high_rec, "high-rec", &h);
	/* what high held when the mux died drains within a few cycles; then
	 * nothing, and low never got anything */
	check_silent(rig, &h, t_kill + 3 * quantum_ns(rig), UINT64_MAX, 200,
			"high once the mux died");
	check_silent(rig, &l, 0, UINT64_MAX, 500, "low (never granted)");
	recording_free(&l);
	recording_free(&h);

	/* the compositor restarts it: sound again, microphone off until told */
	rig_start_mux(rig);
	high_rec = rig_record(rig, RIG_HIGH, "high-rec2", NULL);
	pid_t dev = rig_record(rig, RIG_CORE, "dev", "dev-sink");
	uint64_t t_restart = rig_now_ns();
	rig_sleep_ms(800);
	struct recording d;
	rig_stop_record(rig, dev, "dev", &d);
	rig_stop_record(rig, high_rec, "high-rec2", &h);
	check_heard(rig, &d, t_restart + 200 * MS, UINT64_MAX, LOW_HZ, "restarted: low");
	check_heard(rig, &d, t_restart + 200 * MS, UINT64_MAX, HIGH_HZ, "restarted: high");
	check_silent(rig, &h, 0, UINT64_MAX, 500, "restarted: high, microphone not granted again");
	recording_free(&d);
	recording_free(&h);
	rig_stop_proc(rig, low, NULL);
	rig_stop_proc(rig, high, NULL);
	rig_stop_proc(rig, mic, NULL);
	rig_stop(rig);
}

/* Lines that are not commands are ignored; unknown levels get nothing; EOF
 * on the control socket: microphone nowhere and exit 0. */
static void
control_protocol_is_robust(void)
{
	struct rig *rig = rig_start(NULL);
	pid_t mic = rig_play_tone(rig, RIG_CORE, "mic-source", MIC_HZ, 0.5, "dev-mic");
	pid_t high_rec = rig_record(rig, RIG_HIGH, "high-rec", NULL);
	rig_send(rig, "focus low");
	rig_send(rig, "mic follow");
	rig_assert(rig, rig_expect(rig, "mic low", 1000, NULL), "no \"mic low\"");
	char junk[600];
	memset(junk, 'a', sizeof(junk));
	junk[sizeof(junk) - 1] = '\n';
	rig_send_raw(rig, junk, sizeof(junk));
	rig_send_raw(rig, "\xff\xfe focus high\n", 14);
	rig_send_raw(rig, "focus high \n", 12);
	rig_send_raw(rig, "focus low\0high\n", 15);
	rig_send_raw(rig, "mic grant  high\n", 16);
	rig_send_raw(rig, "focus high\r\n", 12);
	/* whatever the junk did, the focus still is low */
	rig_send(rig, "mic grant nosuch");
	rig_assert(rig, rig_expect(rig, "mic none", 1000, NULL), "no \"mic none\"");
	rig_poll_lines(rig);
	rig_assert(rig, !strstr(rig->lines, "mic high"), "junk moved the microphone");
	rig_send(rig, "mic grant high");
	rig_assert(rig, rig_expect(rig, "mic high", 1000, NULL), "no \"mic high\"");
	uint64_t t_grant = rig_now_ns();
	/* long enough for HEARD's rule (700 ms may hold one glitch) */
	rig_sleep_ms(900);
	/* the compositor goes away */
	close(rig->control_fd);
	rig->control_fd = -1;
	uint64_t t_close = rig_now_ns();
	int status = 0;
	rig_assert(rig, rig_wait_exit(rig, rig->mux_pid, 3000, &status), "the mux stays");
	uint64_t t_exit = rig_now_ns();
	rig_assert(rig, WIFEXITED(status) && WEXITSTATUS(status) == 0, "the mux: status 0x%x",
			status);
	rig_sleep_ms(200);
	struct recording h;
	rig_stop_record(rig, high_rec, "high-rec", &h);
	rig_stop_proc(rig, mic, NULL);
	check_heard(rig, &h, t_grant + 100 * MS, t_close, MIC_HZ, "high heard the mic");
	check_silent(rig, &h, t_exit, UINT64_MAX, 150, "high once the mux exited");
	recording_free(&h);
	rig_stop(rig);
}

TAP_TESTS(TAP_CASE(playback_reaches_the_device), TAP_CASE(levels_never_hear_each_other),
		TAP_CASE(revoked_mic_leaves_nothing_in_the_pipe), TAP_CASE(mic_follows_focus),
		TAP_CASE(pulseaudio_client_is_heard),
		TAP_CASE(garbage_and_flood_stay_in_their_level),
		TAP_CASE(killed_level_harms_nobody_else),
		TAP_CASE(killed_mux_leaves_levels_running), TAP_CASE(control_protocol_is_robust))
