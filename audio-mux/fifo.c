// SPDX-License-Identifier: MIT
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fifo.h"

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

uint32_t
pcm_ring_capacity_for(uint32_t quantum)
{
	return quantum * 4 > 2048 ? quantum * 4 : 2048;
}

int
pcm_ring_init(struct pcm_ring *ring, uint32_t capacity, uint32_t quantum)
{
	memset(ring, 0, sizeof(*ring));
	if (capacity == 0 || quantum == 0) {
		return -EINVAL;
	}
	ring->samples = calloc(capacity, sizeof(int16_t) * PCM_CHANNELS);
	if (!ring->samples) {
		return -ENOMEM;
	}
	ring->capacity = capacity;
	ring->quantum = quantum;
	/* What stays in the ring after the device took its quantum, at its
	 * lowest over half a second, is the headroom: an eighth of a quantum
	 * (2.7 ms at 1024 frames) against jitter. A level whose clock is slower
	 * than the device's misses a whole write now and then: after the first
	 * gap, its headroom grows by a quantum, for as long as it plays. */
	ring->base_residual = quantum / 8;
	ring->target_residual = ring->base_residual;
	ring->window = PCM_RATE / 2 / quantum;
	if (ring->window < 8) {
		ring->window = 8;
	}
	ring->window_min = UINT32_MAX;
	return 0;
}

void
pcm_ring_finish(struct pcm_ring *ring)
{
	free(ring->samples);
	ring->samples = NULL;
}

static void
window_restart(struct pcm_ring *ring)
{
	ring->window_pulls = 0;
	ring->window_min = UINT32_MAX;
}

void
pcm_ring_clear(struct pcm_ring *ring)
{
	ring->head = 0;
	ring->fill = 0;
	ring->partial_len = 0;
	ring->drop_pending = 0;
	ring->insert_pending = 0;
	ring->target_residual = ring->base_residual;
	ring->empty_pulls = 0;
	ring->primed = false;
	window_restart(ring);
}

size_t
pcm_ring_space_bytes(const struct pcm_ring *ring)
{
	return (size_t)(ring->capacity - ring->fill) * PCM_FRAME_BYTES - ring->partial_len;
}

static int16_t *
ring_frame(const struct pcm_ring *ring, uint32_t offset)
{
	uint32_t index = ring->head + offset;
	if (index >= ring->capacity) {
		index -= ring->capacity;
	}
	return ring->samples + (size_t)index * PCM_CHANNELS;
}

static void
ring_discard(struct pcm_ring *ring, uint32_t frames)
{
	if (frames > ring->fill) {
		frames = ring->fill;
	}
	ring->head = (ring->head + frames) % ring->capacity;
	ring->fill -= frames;
}

/* Appends whole frames (at most capacity), dropping the oldest if needed. */
static void
ring_append(struct pcm_ring *ring, const uint8_t *bytes, uint32_t frames)
{
	if (ring->fill + frames > ring->capacity) {
		uint32_t excess = ring->fill + frames - ring->capacity;
		ring_discard(ring, excess);
		ring->overflowed += excess;
	}
	uint32_t tail = (ring->head + ring->fill) % ring->capacity;
	for (uint32_t i = 0; i < frames; i++) {
		int16_t *frame = ring->samples + (size_t)tail * PCM_CHANNELS;
		uint16_t left, right;
		memcpy(&left, bytes + (size_t)i * PCM_FRAME_BYTES, 2);
		memcpy(&right, bytes + (size_t)i * PCM_FRAME_BYTES + 2, 2);
		frame[0] = (int16_t)le16toh(left);
		frame[1] = (int16_t)le16toh(right);
		if (++tail == ring->capacity) {
			tail = 0;
		}
	}
	ring->fill += frames;
	ring->frames_in += frames;
}

void
pcm_ring_push(struct pcm_ring *ring, const void *data, size_t len)
{
	const uint8_t *bytes = data;
	if (ring->partial_len > 0) {
		size_t take = PCM_FRAME_BYTES - ring->partial_len;
		if (take > len) {
			take = len;
		}
		memcpy(ring->partial + ring->partial_len, bytes, take);
		ring->partial_len += (uint32_t)take;
		bytes += take;
		len -= take;
		if (ring->partial_len < PCM_FRAME_BYTES) {
			return;
		}
		ring_append(ring, ring->partial, 1);
		ring->partial_len = 0;
	}
	size_t frames = len / PCM_FRAME_BYTES;
	if (frames > ring->capacity) {
		/* only the newest capacity frames can stay */
		size_t skip = frames - ring->capacity;
		ring->overflowed += skip;
		ring->frames_in += skip;
		bytes += skip * PCM_FRAME_BYTES;
		len -= skip * PCM_FRAME_BYTES;
		frames = ring->capacity;
	}
	ring_append(ring, bytes, (uint32_t)frames);
	len -= frames * PCM_FRAME_BYTES;
	if (len > 0) {
		memcpy(ring->partial, bytes + frames * PCM_FRAME_BYTES, len);
		ring->partial_len = (uint32_t)len;
	}
}

/* out[j] = the frame at floor(j * span / frames): span > frames skips
 * frames evenly, span < frames repeats them evenly. */
static void
ring_resample(const struct pcm_ring *ring, int16_t *out, uint32_t frames, uint32_t span)
{
	if (span == frames) {
		uint32_t first = ring->capacity - ring->head;
		if (first > frames) {
			first = frames;
		}
		memcpy(out, ring_frame(ring, 0), (size_t)first * PCM_FRAME_BYTES);
		memcpy(out + (size_t)first * PCM_CHANNELS, ring->samples,
				(size_t)(frames - first) * PCM_FRAME_BYTES);
		return;
	}
	for (uint32_t j = 0; j < frames; j++) {
		uint32_t src = (uint32_t)((uint64_t)j * span / frames);
		const int16_t *frame = ring_frame(ring, src);
		out[(size_t)j * PCM_CHANNELS] = frame[0];
		out[(size_t)j * PCM_CHANNELS + 1] = frame[1];
	}
}

static void
window_account(struct pcm_ring *ring)
{
	if (ring->fill < ring->window_min) {
		ring->window_min = ring->fill;
	}
	if (++ring->window_pulls < ring->window) {
		return;
	}
	uint32_t low = ring->window_min, target = ring->target_residual;
	if (ring->drop_pending == 0 && ring->insert_pending == 0) {
		if (low > target + ring->quantum / 2) {
			/* a hiccup left a backlog: that audio is late, skip it */
			ring_discard(ring, low - target);
			ring->dropped += low - target;
		} else if (low > target + ring->quantum / 8) {
			/* the level's clock is faster */
			ring->drop_pending = low - target;
		} else if (low + ring->quantum / 16 < target) {
			/* slower: rebuild the headroom before it runs dry */
			ring->insert_pending = target - low;
		}
	}
	window_restart(ring);
}

/* Data came too late: more headroom from now on (one quantum more at most). */
static void
learn_from_gap(struct pcm_ring *ring)
{
	ring->underruns++;
	uint32_t most = ring->base_residual + ring->quantum;
	ring->target_residual = min_u32(ring->target_residual + ring->quantum, most);
	ring->drop_pending = ring->insert_pending = 0;
	ring->primed = false; /* lay the new headroom as silence at once */
	window_restart(ring);
}

uint32_t
pcm_ring_pull(struct pcm_ring *ring, int16_t *out, uint32_t frames)
{
	if (frames == 0) {
		return 0;
	}
	if (ring->fill == 0) {
		memset(out, 0, (size_t)frames * PCM_FRAME_BYTES);
		if (ring->empty_pulls++ == 0 && ring->frames_out > 0) {
			learn_from_gap(ring); /* maybe late, maybe the end */
		} else if (ring->empty_pulls >= 8) {
			/* the level is silent, paused or gone: start afresh */
			ring->target_residual = ring->base_residual;
			ring->drop_pending = ring->insert_pending = 0;
			ring->primed = false;
			window_restart(ring);
		}
		return 0;
	}
	ring->empty_pulls = 0;

	if (!ring->primed) {
		/* the level starts playing (or was late): begin with the headroom,
		 * as silence rather than by stretching the sound, and without
		 * what waited in the pipe longer than that */
		if (ring->fill < ring->target_residual) {
			memset(out, 0, (size_t)frames * PCM_FRAME_BYTES);
			return 0; /* until the headroom is there */
		}
		ring->primed = true;
		uint32_t want = frames + ring->target_residual;
		if (ring->fill > want) {
			ring->dropped += ring->fill - want;
			ring_discard(ring, ring->fill - want);
		}
		uint32_t pad = want - ring->fill; /* at most frames */
		if (pad > 0) {
			uint32_t real = frames - pad;
			memset(out, 0, (size_t)pad * PCM_FRAME_BYTES);
			ring_resample(ring, out + (size_t)pad * PCM_CHANNELS, real, real);
			ring_discard(ring, real);
			ring->frames_out += real;
			window_restart(ring);
			return real;
		}
	}

	/* corrections go a frame at a time, one in 1024 at most (0.1 %: a
	 * pitch change nobody hears, five times the drift of poor clocks) */
	uint32_t step = frames / 1024 > 0 ? frames / 1024 : 1;
	uint32_t take = frames;
	if (ring->drop_pending > 0 && ring->fill > frames) {
		take = frames + min_u32(min_u32(ring->drop_pending, step), ring->fill - frames);
	} else if (ring->insert_pending > 0) {
		take = frames - min_u32(ring->insert_pending, step);
	}

	uint32_t delivered = frames;
	if (ring->fill >= take) {
		ring_resample(ring, out, frames, take);
		ring_discard(ring, take);
		if (take > frames) {
			ring->drop_pending -= take - frames;
			ring->dropped += take - frames;
		} else if (take < frames) {
			ring->insert_pending -= frames - take;
			ring->inserted += frames - take;
		}
		if (take != frames && ring->drop_pending == 0 && ring->insert_pending == 0) {
			/* judge the next window on the corrected backlog only */
			window_restart(ring);
		} else {
			window_account(ring);
		}
	} else if (ring->fill >= frames - frames / 8) {
		/* a small shortfall: stretch what there is */
		uint32_t have = ring->fill;
		ring_resample(ring, out, frames, have);
		ring_discard(ring, have);
		ring->inserted += frames - have;
		learn_from_gap(ring);
	} else {
		/* a real gap: what there is, then silence */
		uint32_t have = ring->fill;
		ring_resample(ring, out, have, have);
		memset(out + (size_t)have * PCM_CHANNELS, 0,
				(size_t)(frames - have) * PCM_FRAME_BYTES);
		ring_discard(ring, have);
		ring->inserted += frames - have;
		learn_from_gap(ring);
		delivered = have;
	}
	ring->frames_out += delivered;
	return delivered;
}

int
fifo_open(const char *path, int pipe_size)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int res = -errno;
		close(fd);
		return res;
	}
	if (!S_ISFIFO(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* A pipe cannot shrink below what it holds (EBUSY): what a level wrote
	 * while nobody read is stale anyway. The writer adds at most a quantum
	 * between the drain and the resize: try a few times. Each drain is
	 * bounded: a cage that writes as fast as we read cannot hold us here. */
	int res = 0;
	for (int attempt = 0; pipe_size > 0 && attempt < 8; attempt++) {
		fifo_drain(fd, 4u << 20);
		res = fcntl(fd, F_SETPIPE_SZ, pipe_size) < 0 ? -errno : 0;
		if (res != -EBUSY) {
			break;
		}
	}
	if (res < 0) {
		close(fd);
		return res;
	}
	return fd;
}

ssize_t
fifo_read_to_ring(int fd, struct pcm_ring *ring, size_t budget)
{
	uint8_t buf[8192];
	size_t total = 0;
	while (total < budget) {
		size_t want = budget - total < sizeof(buf) ? budget - total : sizeof(buf);
		ssize_t n = read(fd, buf, want);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (total > 0) {
				break;
			}
			return -errno;
		}
		if (n == 0) {
			break; /* cannot happen while we hold a write end, but be safe */
		}
		pcm_ring_push(ring, buf, (size_t)n);
		total += (size_t)n;
		if ((size_t)n < want) {
			break; /* emptied it */
		}
	}
	return (ssize_t)total;
}

size_t
fifo_drain(int fd, size_t max)
{
	uint8_t buf[8192];
	size_t total = 0;
	while (total < max) {
		size_t want = max - total < sizeof(buf) ? max - total : sizeof(buf);
		ssize_t n = read(fd, buf, want);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		total += (size_t)n;
	}
	return total;
}

int
fifo_backlog(int fd)
{
	int queued = 0;
	if (ioctl(fd, FIONREAD, &queued) < 0) {
		return -errno;
	}
	return queued;
}

void
fifo_backlog_init(struct fifo_backlog *backlog, uint32_t window)
{
	*backlog = (struct fifo_backlog){
		.window = window > 0 ? window : 1,
		.min = INT32_MAX,
		.max = -1,
	};
}

/* Notes the backlog seen now; returns the bytes of stale backlog to drop. */
static size_t
backlog_account(struct fifo_backlog *backlog, int queued)
{
	if (queued < backlog->min) {
		backlog->min = queued;
	}
	if (queued > backlog->max) {
		backlog->max = queued;
	}
	if (++backlog->writes < backlog->window) {
		return 0;
	}
	size_t stale = backlog->min == backlog->max && backlog->min > 0 ? (size_t)backlog->min : 0;
	backlog->writes = 0;
	backlog->min = INT32_MAX;
	backlog->max = -1;
	return stale - stale % PCM_FRAME_BYTES;
}

uint32_t
fifo_write_frames(int fd, const int16_t *frames, uint32_t n, size_t max_backlog,
		struct fifo_backlog *backlog)
{
	int queued = fifo_backlog(fd);
	size_t bytes = (size_t)n * PCM_FRAME_BYTES;
	size_t excess = 0;
	if (queued > 0 && (size_t)queued + bytes > max_backlog) {
		/* the level reads too slowly (or not at all): drop the oldest
		 * audio rather than let it grow stale in the pipe */
		excess = (size_t)queued + bytes - max_backlog;
	}
	if (backlog && queued >= 0) {
		size_t stale = backlog_account(backlog, queued);
		excess = stale > excess ? stale : excess;
	}
	if (excess > 0) {
		/* a cage may grow its pipe and fill it itself: bound the work */
		if (excess > (size_t)queued) {
			excess = (size_t)queued;
		}
		if (excess > 4 * max_backlog) {
			excess = 4 * max_backlog;
		}
		excess -= excess % PCM_FRAME_BYTES;
		size_t n_dropped = fifo_drain(fd, excess);
		if (backlog) {
			backlog->dropped += n_dropped;
		}
	}

	uint8_t piece[PCM_ATOMIC_WRITE];
	uint32_t written = 0;
	const uint32_t per_piece = PCM_ATOMIC_WRITE / PCM_FRAME_BYTES;
	while (written < n) {
		uint32_t count = n - written < per_piece ? n - written : per_piece;
		for (uint32_t i = 0; i < count * PCM_CHANNELS; i++) {
			uint16_t v = htole16((uint16_t)frames[(size_t)written * PCM_CHANNELS + i]);
			memcpy(piece + (size_t)i * 2, &v, 2);
		}
		ssize_t res = write(fd, piece, (size_t)count * PCM_FRAME_BYTES);
		if (res < 0 && errno == EINTR) {
			continue;
		}
		if (res <= 0) {
			break; /* full: drop the rest */
		}
		written += (uint32_t)res / PCM_FRAME_BYTES;
		if ((size_t)res < (size_t)count * PCM_FRAME_BYTES) {
			break;
		}
	}
	return written;
}
