// SPDX-License-Identifier: MIT
/* tests/audio/tools/signal.c: the analysis the audio tests rely on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audio_signal.h"
#include "tap.h"

static void
goertzel_separates_the_tones(void)
{
	struct audio_buffer a, b;
	tap_assert(audio_tone(&a, 440.0, 1.0, 0.5, 2, 48000));
	tap_assert(audio_tone(&b, 1000.0, 1.0, 0.05, 2, 48000));
	for (size_t i = 0; i < a.frames * 2; i++) {
		a.samples[i] += b.samples[i];
	}
	tap_assert(fabs(audio_goertzel(&a, 0, 0, a.frames, 440.0) - 0.5) < 0.005);
	tap_assert(fabs(audio_goertzel(&a, 1, 0, a.frames, 1000.0) - 0.05) < 0.005);
	tap_assert(audio_goertzel(&a, 0, 0, a.frames, 660.0) < 1e-3);
	/* a tenth of a second is enough */
	tap_assert(fabs(audio_goertzel(&a, 0, 4800, 4800, 440.0) - 0.5) < 0.01);
	double lo, hi;
	audio_goertzel_range(&a, 0, a.frames, 960, 440.0, &lo, &hi);
	tap_assert(lo > 0.45 && hi < 0.55);
	/* a dropout shows */
	memset(a.samples + 2 * 24000, 0, 2 * 480 * sizeof(float));
	audio_goertzel_range(&a, 0, a.frames, 960, 440.0, &lo, &hi);
	tap_assert(lo < 0.4);
	tap_assert(fabs(audio_rms(&b, 0, 0, b.frames) - 0.05 / sqrt(2.0)) < 1e-3);
	tap_assert_int_eq(audio_count_above(&b, 0, b.frames, 0.06f), 0);
	tap_assert(audio_count_above(&b, 0, b.frames, 0.04f) > 0);
	audio_buffer_free(&a);
	audio_buffer_free(&b);
}

static void
wav_round_trip(void)
{
	char path[] = "/tmp/strata-audio-signal-XXXXXX";
	int fd = mkstemp(path);
	tap_assert(fd >= 0);
	close(fd);
	struct audio_buffer a, back;
	char err[256];
	tap_assert(audio_tone(&a, 1000.0, 0.25, 0.5, 2, 48000));
	for (int f = 0; f < 2; f++) {
		tap_assert(audio_wav_write(path, &a, f == 1));
		tap_assert_msg(audio_wav_read(path, &back, err, sizeof(err)), "%s", err);
		tap_assert_int_eq(back.frames, a.frames);
		tap_assert_int_eq(back.channels, 2);
		tap_assert_int_eq(back.rate, 48000);
		double tolerance = f == 1 ? 0.0 : 1.0 / 32767.0;
		for (size_t i = 0; i < a.frames * 2; i++) {
			tap_assert(fabsf(back.samples[i] - a.samples[i]) <= tolerance + 1e-6);
		}
		audio_buffer_free(&back);
	}
	/* a recorder killed before it wrote the sizes: read to the end */
	FILE *file = fopen(path, "r+b");
	tap_assert(file);
	fseek(file, 40, SEEK_SET);
	const unsigned char zero[4] = { 0 };
	fwrite(zero, 1, 4, file);
	fclose(file);
	tap_assert(audio_wav_read(path, &back, err, sizeof(err)));
	tap_assert_int_eq(back.frames, a.frames);
	audio_buffer_free(&back);
	/* not a WAV */
	file = fopen(path, "wb");
	fputs("hello", file);
	fclose(file);
	tap_assert(!audio_wav_read(path, &back, err, sizeof(err)));
	tap_assert(err[0] != '\0');
	unlink(path);
	audio_buffer_free(&a);
}

static void
clicks_are_found(void)
{
	struct audio_buffer a = { .channels = 2, .rate = 48000, .frames = 48000 };
	a.samples = calloc(a.frames * 2, sizeof(float));
	tap_assert(a.samples);
	a.samples[2 * 1000] = 0.9f;
	a.samples[2 * 13000] = -0.9f;
	size_t first = audio_find_click(&a, 0, 0.25f, 480);
	tap_assert_int_eq(first, 1000);
	tap_assert_int_eq(audio_find_click(&a, first + 480, 0.25f, 480), 13000);
	tap_assert(audio_find_click(&a, 13001, 0.25f, 480) == (size_t)-1);
	audio_buffer_free(&a);
}

TAP_TESTS(TAP_CASE(goertzel_separates_the_tones), TAP_CASE(wav_round_trip),
		TAP_CASE(clicks_are_found))
