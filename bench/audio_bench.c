// SPDX-License-Identifier: MIT
/*
 * strata-audio-bench: the audio path through a level next to the direct
 * one, in the same run, on the test rig (tests/audio/audio_rig.h: a core
 * PipeWire with null devices timed by a Dummy-Driver, two level PipeWires,
 * strata-audio-mux). Run by bench/audio.sh, once per quantum.
 *
 * Latency, click-train method: players click on a grid of CLOCK_MONOTONIC
 * instants (strata-audio-probe --clicks), recorders stamp every cycle with
 * its graph time, so every click's arrival is a time; the added latency is
 * the difference between the path through the level and the direct one.
 *   playback: a click in the core (direct) and one in level low (through its
 *             PipeWire, the FIFO and the mux), half a period apart, both
 *             recorded on the device sink's monitor;
 *   mic:      clicks played into the device microphone, recorded in the core
 *             (direct) and in level low, which holds the microphone.
 * CPU: utime + stime of every process over a few seconds, three ways: a
 * tone played directly into the core; a tone played in each level; nothing.
 *
 * Prints one line per figure, "key value", for bench/audio.sh.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audio_rig.h"

#define PERIOD_MS 250
#define MS 1000000ull

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	if (n == 0) {
		return -1.0;
	}
	qsort(v, n, sizeof(*v), compare_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* (t - offset) modulo the period, in [-period/2, period/2), in ms. */
static double
grid_offset_ms(int64_t t, int64_t offset)
{
	const int64_t period = PERIOD_MS * (int64_t)MS;
	int64_t d = (t - offset) % period;
	if (d < 0) {
		d += period;
	}
	if (d >= period / 2) {
		d -= period;
	}
	return (double)d / 1e6;
}

/*
 * The clicks in a recording, as offsets from the grid shifted by offset_ms;
 * only those within a quarter period of it count (the others belong to the
 * other player). Returns the median in ms and the count in *n.
 */
static double
click_latency(const struct recording *rec, double offset_ms, size_t *n)
{
	double v[256];
	size_t count = 0, pos = 0, k = 0;
	while ((pos = audio_find_click(&rec->audio, pos, 0.25f, 480)) != (size_t)-1 &&
			count < 256) {
		while (k + 1 < rec->entries && rec->first[k + 1] <= pos) {
			k++;
		}
		int64_t when = rec->t_ns[k] + (int64_t)(pos - rec->first[k]) * 1000000000ll / 48000;
		double d = grid_offset_ms(when, (int64_t)(offset_ms * 1e6));
		if (d > -PERIOD_MS / 4.0 && d < PERIOD_MS / 4.0) {
			v[count++] = d;
		}
		pos += 480;
	}
	*n = count;
	return median(v, count);
}

static pid_t
clicks(struct rig *rig, enum rig_place place, const char *name, double offset_ms, const char *link)
{
	char period[16], offset[16];
	snprintf(period, sizeof(period), "%d", PERIOD_MS);
	snprintf(offset, sizeof(offset), "%g", offset_ms);
	char *argv[] = { getenv("STRATA_AUDIO_PROBE_BIN"), "play", "--name", (char *)name,
		"--clicks", period, "--offset", offset, "--amp", "0.9", link ? "--link-to" : NULL,
		(char *)link, NULL };
	pid_t pid = rig_spawn(rig, place, name, argv);
	if (!rig_wait_log(rig, pid, "ready", 5000)) {
		rig_fail(rig, "%s not ready", name);
	}
	return pid;
}

/* ---- CPU ------------------------------------------------------------------ */

/* utime + stime, in clock ticks, of every process in process group pgid. */
static unsigned long long
group_ticks(pid_t pgid)
{
	unsigned long long total = 0;
	DIR *dir = opendir("/proc");
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		char path[300], buf[1024];
		if (e->d_name[0] < '1' || e->d_name[0] > '9') {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f) {
			continue;
		}
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		const char *p = strrchr(buf, ')'); /* the name may hold anything */
		int pgrp = 0;
		unsigned long long utime = 0, stime = 0;
		/* fields after the name: state ppid pgrp ... utime (14) stime (15) */
		if (p &&
				sscanf(p + 2, "%*c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
						&pgrp, &utime, &stime) == 3 &&
				pgrp == pgid) {
			total += utime + stime;
		}
	}
	if (dir) {
		closedir(dir);
	}
	return total;
}

struct cpu_sample {
	const char *key;
	pid_t pgid;
	unsigned long long before;
};

static void
measure(const char *phase, struct cpu_sample *s, size_t n, int seconds)
{
	for (size_t i = 0; i < n; i++) {
		s[i].before = group_ticks(s[i].pgid);
	}
	uint64_t t0 = rig_now_ns();
	rig_sleep_ms(seconds * 1000);
	double elapsed = (double)(rig_now_ns() - t0) / 1e9;
	long tck = sysconf(_SC_CLK_TCK);
	for (size_t i = 0; i < n; i++) {
		double used = (double)(group_ticks(s[i].pgid) - s[i].before) / (double)tck;
		printf("cpu.%s.%s %.2f\n", phase, s[i].key, 100.0 * used / elapsed);
	}
	fflush(stdout);
}

static void
run(int quantum, int seconds)
{
	struct rig_options opts = { .quantum = (uint32_t)quantum };
	struct rig *rig = rig_start(&opts);
	printf("quantum %d\n", quantum);

	/* latency, playback */
	pid_t dev = rig_record(rig, RIG_CORE, "dev", "dev-sink");
	pid_t direct = clicks(rig, RIG_CORE, "clicks-direct", 0, "dev-sink");
	pid_t via = clicks(rig, RIG_LOW, "clicks-low", PERIOD_MS / 2.0, NULL);
	rig_sleep_ms(3000);
	struct recording rec;
	rig_stop_record(rig, dev, "dev", &rec);
	rig_stop_proc(rig, direct, NULL);
	rig_stop_proc(rig, via, NULL);
	size_t n_direct, n_via;
	double l_direct = click_latency(&rec, 0, &n_direct);
	double l_via = click_latency(&rec, PERIOD_MS / 2.0, &n_via);
	recording_free(&rec);
	printf("latency.playback.direct_ms %.2f\nlatency.playback.level_ms %.2f\n"
	       "latency.playback.clicks %zu %zu\n",
			l_direct, l_via, n_direct, n_via);

	/* latency, microphone */
	rig_send(rig, "mic grant low");
	if (!rig_expect(rig, "mic low", 2000, NULL)) {
		rig_fail(rig, "no \"mic low\"");
	}
	pid_t mic_direct = rig_record(rig, RIG_CORE, "mic-direct", "dev-mic");
	pid_t mic_low = rig_record(rig, RIG_LOW, "mic-low", NULL);
	pid_t mic = clicks(rig, RIG_CORE, "clicks-mic", 0, "dev-mic");
	rig_sleep_ms(3000);
	struct recording rd, rl;
	rig_stop_record(rig, mic_direct, "mic-direct", &rd);
	rig_stop_record(rig, mic_low, "mic-low", &rl);
	rig_stop_proc(rig, mic, NULL);
	rig_send(rig, "mic off");
	rig_expect(rig, "mic none", 2000, NULL);
	l_direct = click_latency(&rd, 0, &n_direct);
	l_via = click_latency(&rl, 0, &n_via);
	recording_free(&rd);
	recording_free(&rl);
	printf("latency.mic.direct_ms %.2f\nlatency.mic.level_ms %.2f\nlatency.mic.clicks %zu %zu\n",
			l_direct, l_via, n_direct, n_via);

	/* CPU */
	struct cpu_sample s[] = {
		{ "mux", rig->mux_pid, 0 },
		{ "core", rig->core_pid, 0 },
		{ "level_low", rig->level_pid[RIG_LOW], 0 },
		{ "level_high", rig->level_pid[RIG_HIGH], 0 },
		{ "player", 0, 0 },
		{ "player2", 0, 0 },
	};
	pid_t tone = rig_play_tone(rig, RIG_CORE, "tone-direct", 440.0, 0.5, "dev-sink");
	s[4].pgid = tone;
	measure("direct", s, 5, seconds);
	rig_stop_proc(rig, tone, NULL);

	s[4].pgid = rig_play_tone(rig, RIG_LOW, "tone-low", 440.0, 0.5, NULL);
	s[5].pgid = rig_play_tone(rig, RIG_HIGH, "tone-high", 1000.0, 0.5, NULL);
	measure("levels", s, 6, seconds);
	rig_stop_proc(rig, s[4].pgid, NULL);
	rig_stop_proc(rig, s[5].pgid, NULL);

	measure("idle", s, 4, seconds);
	rig_stop(rig);
}

int
main(int argc, char **argv)
{
	int quantum = argc > 1 ? atoi(argv[1]) : 1024;
	int seconds = argc > 2 ? atoi(argv[2]) : 10;
	if (quantum < 32 || quantum > 8192 || seconds < 1 || !getenv("STRATA_AUDIO_PROBE_BIN")) {
		fprintf(stderr,
				"Usage: strata-audio-bench [QUANTUM [SECONDS]] (environment as in "
				"bench/audio.sh)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	run(quantum, seconds);
	return 0;
}
