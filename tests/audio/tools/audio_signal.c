// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audio_signal.h"

#define WAVE_FORMAT_PCM 1
#define WAVE_FORMAT_IEEE_FLOAT 3
#define WAVE_FORMAT_EXTENSIBLE 0xfffe

void
audio_buffer_free(struct audio_buffer *buf)
{
	if (buf) {
		free(buf->samples);
		buf->samples = NULL;
		buf->frames = 0;
	}
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool
read_all(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		return false;
	}
	size_t cap = 1 << 16, used = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (used == cap) {
			uint8_t *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t n = fread(buf + used, 1, cap - used, f);
		used += n;
		if (n == 0) {
			break;
		}
	}
	fclose(f);
	*data = buf;
	*len = used;
	return buf != NULL;
}

bool
audio_wav_read(const char *path, struct audio_buffer *out, char *err, size_t err_size)
{
	uint8_t *data;
	size_t len;
	memset(out, 0, sizeof(*out));
	if (err_size > 0) {
		err[0] = '\0';
	}
	if (!read_all(path, &data, &len)) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return false;
	}
	bool ok = false;
	int format = 0, bits = 0;
	if (len < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WAVE", 4) != 0) {
		snprintf(err, err_size, "%s: not a WAV file (%zu bytes)", path, len);
		goto out;
	}
	size_t pos = 12;
	while (pos + 8 <= len) {
		const uint8_t *chunk = data + pos;
		size_t size = le32(chunk + 4);
		if (memcmp(chunk, "fmt ", 4) == 0 && pos + 8 + 16 <= len) {
			format = le16(chunk + 8);
			out->channels = le16(chunk + 10);
			out->rate = (int)le32(chunk + 12);
			bits = le16(chunk + 22);
			if (format == WAVE_FORMAT_EXTENSIBLE && size >= 40 && pos + 8 + 26 <= len) {
				format = le16(chunk + 8 +
						24); /* the subformat GUID's first bytes */
			}
		} else if (memcmp(chunk, "data", 4) == 0) {
			if (format == 0 || out->channels <= 0 || out->channels > 8) {
				snprintf(err, err_size, "%s: data before a usable fmt chunk", path);
				goto out;
			}
			size_t avail = len - pos - 8;
			if (size == 0 || size > avail) {
				size = avail; /* the recorder never wrote the final size */
			}
			size_t bytes = (size_t)bits / 8;
			if (!((format == WAVE_FORMAT_PCM &&
					      (bits == 16 || bits == 24 || bits == 32)) ||
					    (format == WAVE_FORMAT_IEEE_FLOAT && bits == 32))) {
				snprintf(err, err_size, "%s: unsupported format %d/%d bits", path,
						format, bits);
				goto out;
			}
			size_t frame_bytes = bytes * (size_t)out->channels;
			out->frames = size / frame_bytes;
			out->samples = calloc(out->frames * (size_t)out->channels + 1,
					sizeof(float));
			if (!out->samples) {
				snprintf(err, err_size, "%s: out of memory", path);
				goto out;
			}
			const uint8_t *p = chunk + 8;
			for (size_t i = 0; i < out->frames * (size_t)out->channels;
					i++, p += bytes) {
				float v;
				if (format == WAVE_FORMAT_IEEE_FLOAT) {
					uint32_t u = le32(p);
					memcpy(&v, &u, sizeof(v));
				} else if (bits == 16) {
					v = (float)(int16_t)le16(p) / 32768.0f;
				} else if (bits == 24) {
					int32_t s = (int32_t)((uint32_t)p[0] << 8 |
							(uint32_t)p[1] << 16 |
							(uint32_t)p[2] << 24);
					v = (float)(s / 256) / 8388608.0f;
				} else {
					v = (float)((double)(int32_t)le32(p) / 2147483648.0);
				}
				out->samples[i] = v;
			}
			ok = true;
			break;
		}
		pos += 8 + size + (size & 1);
	}
	if (!ok && !err[0]) {
		snprintf(err, err_size, "%s: no data chunk", path);
	}
out:
	free(data);
	if (!ok) {
		audio_buffer_free(out);
	}
	return ok;
}

static void
put32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	fwrite(b, 1, 4, f);
}

static void
put16(FILE *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	fwrite(b, 1, 2, f);
}

bool
audio_wav_write(const char *path, const struct audio_buffer *buf, bool float32)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		return false;
	}
	uint32_t bytes = float32 ? 4 : 2;
	uint32_t data_size = (uint32_t)(buf->frames * (size_t)buf->channels * bytes);
	fwrite("RIFF", 1, 4, f);
	put32(f, 36 + data_size);
	fwrite("WAVEfmt ", 1, 8, f);
	put32(f, 16);
	put16(f, float32 ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM);
	put16(f, (uint16_t)buf->channels);
	put32(f, (uint32_t)buf->rate);
	put32(f, (uint32_t)buf->rate * (uint32_t)buf->channels * bytes);
	put16(f, (uint16_t)(buf->channels * (int)bytes));
	put16(f, (uint16_t)(bytes * 8));
	fwrite("data", 1, 4, f);
	put32(f, data_size);
	for (size_t i = 0; i < buf->frames * (size_t)buf->channels; i++) {
		float v = buf->samples[i];
		if (float32) {
			uint32_t u;
			memcpy(&u, &v, sizeof(u));
			put32(f, u);
		} else {
			v = v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v;
			put16(f, (uint16_t)(int16_t)lrintf(v * 32767.0f));
		}
	}
	bool ok = !ferror(f);
	return fclose(f) == 0 && ok;
}

bool
audio_tone(struct audio_buffer *out, double freq, double seconds, double amp, int channels,
		int rate)
{
	out->channels = channels;
	out->rate = rate;
	out->frames = (size_t)(seconds * rate);
	out->samples = calloc(out->frames * (size_t)channels + 1, sizeof(float));
	if (!out->samples) {
		return false;
	}
	for (size_t i = 0; i < out->frames; i++) {
		float v = (float)(amp * sin(2.0 * M_PI * freq * (double)i / rate));
		for (int c = 0; c < channels; c++) {
			out->samples[i * (size_t)channels + (size_t)c] = v;
		}
	}
	return true;
}

static size_t
clamp_count(const struct audio_buffer *buf, size_t start, size_t count)
{
	if (start >= buf->frames) {
		return 0;
	}
	return count > buf->frames - start ? buf->frames - start : count;
}

double
audio_goertzel(const struct audio_buffer *buf, int channel, size_t start, size_t count, double freq)
{
	count = clamp_count(buf, start, count);
	if (count == 0) {
		return 0.0;
	}
	double w = 2.0 * M_PI * freq / buf->rate;
	double coeff = 2.0 * cos(w), s1 = 0.0, s2 = 0.0;
	for (size_t i = 0; i < count; i++) {
		double x = buf->samples[(start + i) * (size_t)buf->channels + (size_t)channel];
		double s0 = x + coeff * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	double re = s1 - s2 * cos(w), im = s2 * sin(w);
	return 2.0 * sqrt(re * re + im * im) / (double)count;
}

double
audio_rms(const struct audio_buffer *buf, int channel, size_t start, size_t count)
{
	count = clamp_count(buf, start, count);
	if (count == 0) {
		return 0.0;
	}
	double sum = 0.0;
	for (size_t i = 0; i < count; i++) {
		double x = buf->samples[(start + i) * (size_t)buf->channels + (size_t)channel];
		sum += x * x;
	}
	return sqrt(sum / (double)count);
}

size_t
audio_count_above(const struct audio_buffer *buf, size_t start, size_t count, float threshold)
{
	count = clamp_count(buf, start, count);
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		for (int c = 0; c < buf->channels; c++) {
			if (fabsf(buf->samples[(start + i) * (size_t)buf->channels + (size_t)c]) >
					threshold) {
				n++;
				break;
			}
		}
	}
	return n;
}

void
audio_goertzel_range(const struct audio_buffer *buf, size_t start, size_t count, size_t window,
		double freq, double *min, double *max)
{
	count = clamp_count(buf, start, count);
	*min = INFINITY;
	*max = 0.0;
	for (size_t off = 0; window > 0 && off + window <= count; off += window) {
		double a = audio_goertzel(buf, 0, start + off, window, freq);
		*min = a < *min ? a : *min;
		*max = a > *max ? a : *max;
	}
	if (*min == INFINITY) {
		*min = 0.0;
	}
}

size_t
audio_find_click(const struct audio_buffer *buf, size_t start, float threshold, size_t quiet)
{
	size_t below = 0;
	for (size_t i = start; i < buf->frames; i++) {
		float v = fabsf(buf->samples[i * (size_t)buf->channels]);
		if (v > threshold) {
			if (below >= quiet) {
				return i;
			}
			below = 0;
		} else {
			below++;
		}
	}
	return (size_t)-1;
}
