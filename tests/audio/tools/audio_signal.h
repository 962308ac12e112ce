/* SPDX-License-Identifier: MIT */
#ifndef TESTS_AUDIO_AUDIO_SIGNAL_H
#define TESTS_AUDIO_AUDIO_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Test signals and their analysis, in plain C: tones and click trains, WAV
 * files (what pw-record writes, what pw-play and paplay read), Goertzel
 * amplitude at one frequency, RMS, click detection. No PipeWire.
 */

struct audio_buffer {
	float *samples; /* interleaved */
	size_t frames;
	int channels;
	int rate;
};

void audio_buffer_free(struct audio_buffer *buf); /* the samples; NULL safe */

/* Reads a WAV file: PCM 16/24/32-bit or IEEE float 32, plain or
 * WAVE_FORMAT_EXTENSIBLE. A data chunk whose size is unknown or too large
 * (a recorder killed before it wrote the header) runs to the end of the
 * file. false on error, with a message in err. */
bool audio_wav_read(const char *path, struct audio_buffer *out, char *err, size_t err_size);
/* Writes 16-bit PCM (float32 = false) or IEEE float 32 (true). */
bool audio_wav_write(const char *path, const struct audio_buffer *buf, bool float32);

/* A sine of amplitude amp on every channel. */
bool audio_tone(struct audio_buffer *out, double freq, double seconds, double amp, int channels,
		int rate);

/* Amplitude of the sinusoid at freq in frames [start, start + count) of one
 * channel (Goertzel; 0.5 for a sine of amplitude 0.5 over whole periods). */
double audio_goertzel(const struct audio_buffer *buf, int channel, size_t start, size_t count,
		double freq);
/* RMS of one channel over [start, start + count). */
double audio_rms(const struct audio_buffer *buf, int channel, size_t start, size_t count);
/* Frames in [start, start + count) where any channel has |x| > threshold. */
size_t audio_count_above(const struct audio_buffer *buf, size_t start, size_t count,
		float threshold);

/*
 * Splits [start, start + count) into windows of window frames and returns
 * the smallest and largest Goertzel amplitude at freq on channel 0: a tone
 * with a dropout has a small minimum.
 */
void audio_goertzel_range(const struct audio_buffer *buf, size_t start, size_t count, size_t window,
		double freq, double *min, double *max);

/* First frame at or after start where channel 0 rises above threshold after
 * at least quiet frames below it; (size_t)-1 if none. */
size_t audio_find_click(const struct audio_buffer *buf, size_t start, float threshold,
		size_t quiet);

#endif
