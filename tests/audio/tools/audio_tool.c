// SPDX-License-Identifier: MIT
/*
 * strata-audio-tool: test signals and their analysis from the shell (the
 * benchmark, and by hand when a test fails).
 *
 *   tone OUT.wav HZ SECONDS [AMP]     16-bit stereo 48 kHz sine
 *   analyse IN.wav [HZ...]            frames, RMS, Goertzel amplitude per HZ
 *   clicks IN.wav TIMELINE PERIOD_MS  per click: its offset from the
 *                                     CLOCK_MONOTONIC grid, in frames
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audio_signal.h"

static int
cmd_tone(int argc, char **argv)
{
	if (argc < 4) {
		return 2;
	}
	struct audio_buffer buf;
	double amp = argc > 4 ? atof(argv[4]) : 0.5;
	if (!audio_tone(&buf, atof(argv[2]), atof(argv[3]), amp, 2, 48000) ||
			!audio_wav_write(argv[1], &buf, false)) {
		fprintf(stderr, "strata-audio-tool: cannot write %s\n", argv[1]);
		audio_buffer_free(&buf);
		return 1;
	}
	audio_buffer_free(&buf);
	return 0;
}

static int
cmd_analyse(int argc, char **argv)
{
	if (argc < 2) {
		return 2;
	}
	struct audio_buffer buf;
	char err[256];
	if (!audio_wav_read(argv[1], &buf, err, sizeof(err))) {
		fprintf(stderr, "strata-audio-tool: %s\n", err);
		return 1;
	}
	printf("frames %zu\nrms %.6f\n", buf.frames, audio_rms(&buf, 0, 0, buf.frames));
	for (int i = 2; i < argc; i++) {
		printf("%s %.6f\n", argv[i], audio_goertzel(&buf, 0, 0, buf.frames, atof(argv[i])));
	}
	audio_buffer_free(&buf);
	return 0;
}

/* Offsets of the clicks in a recording made by strata-audio-probe (WAV +
 * timeline) from the grid of multiples of the period. */
static int
cmd_clicks(int argc, char **argv)
{
	if (argc < 4) {
		return 2;
	}
	struct audio_buffer buf;
	char err[256];
	if (!audio_wav_read(argv[1], &buf, err, sizeof(err))) {
		fprintf(stderr, "strata-audio-tool: %s\n", err);
		return 1;
	}
	FILE *f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		audio_buffer_free(&buf);
		return 1;
	}
	size_t cap = 1024, n = 0;
	long long *t = malloc(cap * sizeof(*t));
	unsigned long long *first = malloc(cap * sizeof(*first));
	long long tv;
	unsigned long long fv;
	unsigned frames;
	float peak;
	while (t && first && fscanf(f, "%lld %llu %u %f", &tv, &fv, &frames, &peak) == 4) {
		if (n == cap) {
			cap *= 2;
			long long *t2 = realloc(t, cap * sizeof(*t));
			unsigned long long *f2 = realloc(first, cap * sizeof(*first));
			if (!t2 || !f2) {
				free(t2 ? t2 : t);
				free(f2 ? f2 : first);
				t = NULL;
				first = NULL;
				break;
			}
			t = t2;
			first = f2;
		}
		t[n] = tv;
		first[n] = fv;
		n++;
	}
	fclose(f);
	long long period = (long long)(atof(argv[3]) * 1e6);
	size_t pos = 0, k = 0;
	while (t && first && period > 0 &&
			(pos = audio_find_click(&buf, pos, 0.25f, 480)) != (size_t)-1) {
		/* the timeline entry holding frame pos */
		while (k + 1 < n && first[k + 1] <= pos) {
			k++;
		}
		if (k < n && first[k] <= pos) {
			long long when = t[k] +
					(long long)(pos - first[k]) * 1000000000ll / buf.rate;
			long long grid = (when + period / 2) / period * period;
			printf("%lld\n", (when - grid) * buf.rate / 1000000000ll);
		}
		pos += 480;
	}
	free(t);
	free(first);
	audio_buffer_free(&buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int res = 2;
	if (argc >= 2 && strcmp(argv[1], "tone") == 0) {
		res = cmd_tone(argc - 1, argv + 1);
	} else if (argc >= 2 && strcmp(argv[1], "analyse") == 0) {
		res = cmd_analyse(argc - 1, argv + 1);
	} else if (argc >= 2 && strcmp(argv[1], "clicks") == 0) {
		res = cmd_clicks(argc - 1, argv + 1);
	}
	if (res == 2) {
		fprintf(stderr,
				"Usage: strata-audio-tool tone OUT.wav HZ SECONDS [AMP]\n"
				"       strata-audio-tool analyse IN.wav [HZ...]\n"
				"       strata-audio-tool clicks IN.wav TIMELINE PERIOD_MS\n");
	}
	return res;
}
