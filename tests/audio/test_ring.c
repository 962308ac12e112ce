// SPDX-License-Identifier: MIT
/*
 * audio-mux/fifo.c's PCM ring: what a level writes comes out whole and in
 * order; garbage stays samples; and two clocks that drift apart for hours
 * never make the latency grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include "fifo.h"
#include "tap.h"

static void
push_frames(struct pcm_ring *r, uint32_t first, uint32_t n)
{
	uint8_t bytes[4 * 4096];
	tap_assert(n <= 4096);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t v = (uint16_t)(first + i);
		bytes[i * 4] = (uint8_t)v;
		bytes[i * 4 + 1] = (uint8_t)(v >> 8);
		bytes[i * 4 + 2] = (uint8_t)~v;
		bytes[i * 4 + 3] = (uint8_t)(~v >> 8);
	}
	pcm_ring_push(r, bytes, (size_t)n * 4);
}

static void
in_order_and_whole(void)
{
	struct pcm_ring r;
	tap_assert_int_eq(pcm_ring_init(&r, 4096, 1024), 0);
	int16_t out[2 * 1024];
	tap_assert_int_eq(pcm_ring_pull(&r, out, 1024), 0); /* empty: silence */
	for (int i = 0; i < 2048; i++) {
		tap_assert(out[i] == 0);
	}
	/* a level starts: an eighth of a quantum of silence first, the
	 * headroom against jitter, then everything in order */
	push_frames(&r, 100, 1024);
	tap_assert_int_eq(pcm_ring_pull(&r, out, 1024), 1024 - 128);
	for (int i = 0; i < 128; i++) {
		tap_assert(out[2 * i] == 0 && out[2 * i + 1] == 0);
	}
	for (int i = 128; i < 1024; i++) {
		tap_assert_int_eq(out[2 * i], 100 + i - 128);
		tap_assert_int_eq(out[2 * i + 1], (int16_t) ~(uint16_t)(100 + i - 128));
	}
	tap_assert_int_eq(r.fill, 128);
	for (uint32_t k = 1; k < 50; k++) {
		push_frames(&r, 100 + 1024 * k, 1024);
		tap_assert_int_eq(pcm_ring_pull(&r, out, 1024), 1024);
		for (int i = 0; i < 1024; i++) {
			tap_assert_int_eq((uint16_t)out[2 * i],
					(uint16_t)(100 + 1024 * k + i - 128));
		}
	}
	tap_assert_int_eq(r.fill, 128);
	tap_assert(r.dropped == 0 && r.inserted == 0 && r.underruns == 0);
	pcm_ring_finish(&r);
}

static void
partial_frames_wait(void)
{
	struct pcm_ring r;
	tap_assert_int_eq(pcm_ring_init(&r, 64, 4), 0); /* no headroom at 4 frames */
	const uint8_t bytes[] = { 1, 0, 2, 0, 3, 0, 4, 0, 5 };
	pcm_ring_push(&r, bytes, 1);
	tap_assert_int_eq(r.fill, 0);
	pcm_ring_push(&r, bytes + 1, 6);
	tap_assert_int_eq(r.fill, 1);
	pcm_ring_push(&r, bytes + 7, 2);
	tap_assert_int_eq(r.fill, 2);
	int16_t out[4];
	tap_assert_int_eq(pcm_ring_pull(&r, out, 2), 2);
	tap_assert_int_eq(out[0], 1);
	tap_assert_int_eq(out[1], 2);
	tap_assert_int_eq(out[2], 3);
	tap_assert_int_eq(out[3], 4);
	/* the odd byte (5) waits for three more */
	tap_assert_int_eq(r.partial_len, 1);
	pcm_ring_clear(&r);
	tap_assert_int_eq(r.partial_len, 0);
	pcm_ring_finish(&r);
}

static void
overflow_keeps_the_newest(void)
{
	struct pcm_ring r;
	tap_assert_int_eq(pcm_ring_init(&r, 1000, 800), 0);
	push_frames(&r, 0, 4000);
	tap_assert_int_eq(r.fill, 1000);
	tap_assert_int_eq(r.overflowed, 3000);
	/* and what is older than the headroom goes when playback starts: the
	 * newest 800 + 100 frames are left, the pull takes 800 of them */
	int16_t out[2 * 800];
	tap_assert_int_eq(pcm_ring_pull(&r, out, 800), 800);
	tap_assert_int_eq(out[0], 3100);
	tap_assert_int_eq(out[2 * 799], 3899);
	tap_assert_int_eq(r.fill, 100);
	pcm_ring_finish(&r);
}

static void
garbage_is_just_samples(void)
{
	struct pcm_ring r;
	tap_assert_int_eq(pcm_ring_init(&r, 4096, 1024), 0);
	uint8_t junk[10007];
	srand(7);
	for (size_t i = 0; i < sizeof(junk); i++) {
		junk[i] = (uint8_t)rand();
	}
	int16_t out[2 * 1024];
	for (int round = 0; round < 100; round++) {
		pcm_ring_push(&r, junk, sizeof(junk) - (size_t)round);
		tap_assert(r.fill <= r.capacity);
		pcm_ring_pull(&r, out, 1024);
	}
	tap_assert(pcm_ring_space_bytes(&r) <= (size_t)r.capacity * 4);
	pcm_ring_finish(&r);
}

/*
 * Two clocks: a level writing `quantum` frames every period*(1 - ppm), the
 * device taking `quantum` every period, plus jitter on the level's side.
 * Returns the largest backlog seen at a pull after the first minute.
 */
struct drift_result {
	uint32_t max_fill;
	double early_fill, late_fill; /* mean backlog at pulls, 2nd and last 10 minutes */
	uint64_t pulls;
	uint64_t dropped, inserted, underruns, overflowed;
	uint64_t reordered; /* output frames going back, or jumping beyond the ring */
};

static struct drift_result
simulate(double ppm, double seconds, uint32_t quantum, double phase, double jitter_ms)
{
	struct pcm_ring r;
	tap_assert_int_eq(pcm_ring_init(&r, pcm_ring_capacity_for(quantum), quantum), 0);
	struct drift_result res = { 0 };
	const double period = (double)quantum / PCM_RATE;
	const double level_period = period / (1.0 + ppm * 1e-6);
	double next_write = phase * period, next_pull = period;
	uint32_t counter = 0;
	int32_t last = -1;
	int16_t *out = calloc(2 * (size_t)quantum, sizeof(int16_t));
	double early_sum = 0.0, late_sum = 0.0;
	uint64_t early_n = 0, late_n = 0;
	srand(1);
	while (next_pull < seconds) {
		double jitter = jitter_ms * 1e-3 * ((double)rand() / RAND_MAX - 0.5);
		if (next_write + jitter < next_pull) {
			push_frames(&r, counter, quantum);
			counter += quantum;
			next_write += level_period;
			continue;
		}
		if (next_pull > 60.0 && r.fill > res.max_fill) {
			res.max_fill = r.fill;
		}
		if (next_pull > 600.0 && next_pull < 1200.0) {
			early_sum += r.fill;
			early_n++;
		} else if (next_pull > seconds - 600.0) {
			late_sum += r.fill;
			late_n++;
		}
		pcm_ring_pull(&r, out, quantum);
		for (uint32_t i = 0; i < quantum; i++) {
			uint16_t v = (uint16_t)out[2 * i];
			if (out[2 * i] == 0 && out[2 * i + 1] == 0) {
				continue; /* silence laid as headroom (data has R = ~L) */
			}
			/* a drop skips ahead (never by more than the ring), an
			 * insert repeats; anything else is a bug */
			if (last >= 0 &&
					(uint16_t)(v - (uint16_t)last) >
							pcm_ring_capacity_for(quantum)) {
				res.reordered++;
			}
			last = v;
		}
		res.pulls++;
		next_pull += period;
	}
	res.early_fill = early_n ? early_sum / (double)early_n : 0.0;
	res.late_fill = late_n ? late_sum / (double)late_n : 0.0;
	res.dropped = r.dropped;
	res.inserted = r.inserted;
	res.underruns = r.underruns;
	res.overflowed = r.overflowed;
	free(out);
	pcm_ring_finish(&r);
	return res;
}

static void
check_bounded(const char *what, const struct drift_result *res, uint32_t q)
{
	tap_diag("%s: backlog at pulls %.0f frames after 10 min, %.0f in the last 10, at most "
		 "%u; dropped %llu, inserted %llu, late %llu, overflowed %llu",
			what, res->early_fill, res->late_fill, res->max_fill,
			(unsigned long long)res->dropped, (unsigned long long)res->inserted,
			(unsigned long long)res->underruns, (unsigned long long)res->overflowed);
	/* never full, no trend, and corrections by single frames: at most the
	 * gap that taught it the headroom */
	tap_assert_int_eq(res->overflowed, 0);
	tap_assert_msg(res->max_fill < pcm_ring_capacity_for(q), "backlog reached %u",
			res->max_fill);
	tap_assert_msg(res->late_fill < res->early_fill + q / 2, "backlog grows: %.0f -> %.0f",
			res->early_fill, res->late_fill);
	tap_assert_msg(res->underruns <= 2, "%llu gaps", (unsigned long long)res->underruns);
	tap_assert_int_eq(res->reordered, 0);
}

static void
latency_stays_bounded_over_hours(void)
{
	const uint32_t q = 1024;
	const double seconds = 3600.0;
	/* 200 ppm of an hour of audio: about 34 600 frames too many or too few */
	const double extra = 200e-6 * seconds * PCM_RATE;
	/* 200 ppm either way: ten times what two crystals usually disagree by */
	struct drift_result fast = simulate(200.0, seconds, q, 0.5, 1.0);
	check_bounded("level 200 ppm fast, 1 h", &fast, q);
	tap_assert(fast.dropped > extra * 0.9);
	struct drift_result slow = simulate(-200.0, seconds, q, 0.5, 1.0);
	check_bounded("level 200 ppm slow, 1 h", &slow, q);
	tap_assert(slow.inserted > extra * 0.9);
	/* and at a small quantum */
	struct drift_result small = simulate(-50.0, 1800.0, 256, 0.3, 0.5);
	check_bounded("level 50 ppm slow, quantum 256, 30 min", &small, 256);
}

static void
same_clock_costs_nothing(void)
{
	/* the test setup: both graphs on CLOCK_MONOTONIC, any phase; at most
	 * the headroom is built once */
	for (int i = 0; i < 10; i++) {
		struct drift_result res = simulate(0.0, 120.0, 1024, 0.05 + i * 0.1, 0.5);
		tap_assert_msg(res.dropped <= 256 && res.inserted <= 256 && res.overflowed == 0,
				"phase %.2f: dropped %llu, inserted %llu, overflowed %llu",
				0.05 + i * 0.1, (unsigned long long)res.dropped,
				(unsigned long long)res.inserted,
				(unsigned long long)res.overflowed);
		tap_assert(res.max_fill <= 1024 + 1024 / 4);
	}
}

static void
jitter_at_phase_zero_settles(void)
{
	/* writes land right at the pulls, sometimes before, sometimes after:
	 * one gap at most, then a steady quantum of headroom */
	struct drift_result res = simulate(0.0, 600.0, 1024, 0.0, 2.0);
	tap_diag("phase 0, 2 ms jitter: underruns %llu, dropped %llu, max backlog %u",
			(unsigned long long)res.underruns, (unsigned long long)res.dropped,
			res.max_fill);
	tap_assert(res.underruns <= 2);
	tap_assert(res.max_fill < pcm_ring_capacity_for(1024));
}

/* ---- the microphone side: what the mux writes into a level's FIFO ---- */

static void
chunk(int16_t *frames, uint32_t n, int16_t first)
{
	for (uint32_t i = 0; i < n; i++) {
		frames[2 * i] = frames[2 * i + 1] = (int16_t)(first + (int16_t)i);
	}
}

/* A FIFO as the core makes them: p[0] the level's end, p[1] the mux's (read
 * and write, through fifo_open()). */
static void
make_fifo(int p[2])
{
	char dir[] = "/tmp/strata-audio-fifo-XXXXXX";
	tap_assert(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/mic", dir);
	tap_assert(mkfifo(path, 0600) == 0);
	p[1] = fifo_open(path, 65536);
	tap_assert(p[1] >= 0);
	p[0] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	tap_assert(p[0] >= 0);
	unlink(path);
	rmdir(dir);
}

static int16_t
read_first(int fd, size_t bytes)
{
	uint8_t buf[65536];
	tap_assert(bytes <= sizeof(buf));
	ssize_t n = read(fd, buf, bytes);
	tap_assert(n >= 4);
	return (int16_t)(buf[0] | buf[1] << 8);
}

static void
mic_backlog_is_bounded(void)
{
	int p[2];
	make_fifo(p);
	int16_t frames[2 * 1024];
	/* the level reads nothing: never more than max_backlog, newest kept */
	for (int k = 0; k < 10; k++) {
		chunk(frames, 1024, (int16_t)(k * 1024));
		tap_assert_int_eq(fifo_write_frames(p[1], frames, 1024, 3 * 4096, NULL), 1024);
		tap_assert(fifo_backlog(p[0]) <= 3 * 4096);
	}
	tap_assert_int_eq(fifo_backlog(p[0]), 3 * 4096);
	tap_assert_int_eq(read_first(p[0], 4096), 7 * 1024);
	close(p[0]);
	close(p[1]);
}

static void
stale_backlog_goes(void)
{
	int p[2];
	make_fifo(p);
	struct fifo_backlog b;
	fifo_backlog_init(&b, 8);
	int16_t frames[2 * 1024];
	/* a quantum queued before the reader started, then one read per write:
	 * the backlog stays at a quantum, always the same: stale */
	chunk(frames, 1024, 0);
	fifo_write_frames(p[1], frames, 1024, 3 * 4096, &b);
	for (int k = 1; k < 40; k++) {
		chunk(frames, 1024, (int16_t)(k * 1024));
		fifo_write_frames(p[1], frames, 1024, 3 * 4096, &b);
		read_first(p[0], 4096);
	}
	tap_assert_int_eq(b.dropped, 4096);
	tap_assert_int_eq(fifo_backlog(p[0]), 0);
	close(p[0]);
	close(p[1]);
}

static void
jittery_backlog_stays(void)
{
	int p[2];
	make_fifo(p);
	struct fifo_backlog b;
	fifo_backlog_init(&b, 8);
	int16_t frames[2 * 1024];
	/* the reader's cycle falls right at ours: sometimes it reads before our
	 * write, sometimes after; the quantum of backlog that absorbs it stays */
	chunk(frames, 1024, 0);
	fifo_write_frames(p[1], frames, 1024, 3 * 4096, &b);
	srand(3);
	for (int k = 1; k < 200; k++) {
		bool before = rand() % 2;
		if (before) {
			read_first(p[0], 4096);
		}
		chunk(frames, 1024, (int16_t)(k * 1024));
		fifo_write_frames(p[1], frames, 1024, 3 * 4096, &b);
		if (!before) {
			read_first(p[0], 4096);
		}
	}
	tap_assert_int_eq(b.dropped, 0);
	close(p[0]);
	close(p[1]);
}

static void
only_fifos(void)
{
	char path[] = "/tmp/strata-audio-notfifo-XXXXXX";
	int fd = mkstemp(path);
	tap_assert(fd >= 0);
	close(fd);
	tap_assert_int_eq(fifo_open(path, 4096), -EINVAL);
	unlink(path);
	tap_assert_int_eq(fifo_open(path, 4096), -ENOENT);
	tap_assert_int_eq(fifo_open("/tmp", 4096), -EISDIR);
}

TAP_TESTS(TAP_CASE(in_order_and_whole), TAP_CASE(partial_frames_wait),
		TAP_CASE(overflow_keeps_the_newest), TAP_CASE(garbage_is_just_samples),
		TAP_CASE(latency_stays_bounded_over_hours), TAP_CASE(same_clock_costs_nothing),
		TAP_CASE(jitter_at_phase_zero_settles), TAP_CASE(mic_backlog_is_bounded),
		TAP_CASE(stale_backlog_goes), TAP_CASE(jittery_backlog_stays), TAP_CASE(only_fifos))
