/* SPDX-License-Identifier: MIT */
#ifndef AUDIO_MUX_FIFO_H
#define AUDIO_MUX_FIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The raw PCM bridge to a cage: S16LE, 48 kHz, stereo, nothing else, through
 * FIFOs that the core created. A cage can only write bytes (playback) or
 * leave bytes unread (microphone); everything here treats them as samples and
 * nothing else: sizes are checked, no byte is ever interpreted.
 *
 * struct pcm_ring is the bounded buffer between a level's clock (its
 * PipeWire graph writes one quantum per cycle) and the device's clock (the
 * mux's stream reads one quantum per cycle). It absorbs jitter and drift by
 * dropping or repeating single frames, a few per cycle, spread evenly: a
 * standing backlog goes, headroom that runs low is rebuilt, a shortfall is
 * stretched (or padded with silence when it is large), and it never holds
 * more than its capacity, so latency stays bounded however long it runs.
 */

#define PCM_RATE 48000
#define PCM_CHANNELS 2
#define PCM_FRAME_BYTES 4 /* S16LE x 2 */
/* Writes this size or smaller are atomic on a pipe (PIPE_BUF). */
#define PCM_ATOMIC_WRITE 4096

struct pcm_ring {
	int16_t *samples; /* capacity * PCM_CHANNELS, host order */
	uint32_t capacity; /* frames */
	uint32_t head; /* oldest frame */
	uint32_t fill; /* frames held */
	uint8_t partial[PCM_FRAME_BYTES]; /* bytes of a frame not complete yet */
	uint32_t partial_len;

	/* drift control, in frames and pulls: the backlog left after a pull,
	 * at its lowest over a window, is brought back to target_residual when
	 * it strays from it by more than a sixteenth (below) or an eighth
	 * (above) of a quantum */
	uint32_t quantum;
	uint32_t base_residual, target_residual;
	uint32_t empty_pulls; /* pulls in a row that found nothing */
	bool primed; /* the headroom was laid when the level started */
	uint32_t window; /* pulls per measurement window */
	uint32_t window_pulls;
	uint32_t window_min; /* smallest backlog left after a pull in this window */
	uint32_t drop_pending, insert_pending;

	/* statistics, for the log and the tests */
	uint64_t frames_in, frames_out; /* real frames pushed / delivered */
	uint64_t dropped; /* by drift control */
	uint64_t inserted; /* by stretching or padding a shortfall */
	uint64_t overflowed; /* pushed beyond capacity (oldest dropped) */
	uint64_t underruns; /* pulls that found the data late (too little or none) */
};

/* The capacity the mux gives a ring: four quanta, at least 2048 frames
 * (85 ms at 1024 frames, 43 ms at 256): what a level can ever be late by. */
uint32_t pcm_ring_capacity_for(uint32_t quantum);
/* quantum: the frames the device asks for per cycle (a hint for the
 * thresholds). capacity: frames. -ENOMEM or 0. */
int pcm_ring_init(struct pcm_ring *ring, uint32_t capacity, uint32_t quantum);
void pcm_ring_finish(struct pcm_ring *ring);
/* Empties the ring and forgets a partial frame (statistics are kept). */
void pcm_ring_clear(struct pcm_ring *ring);
/* Bytes that fit before the ring overflows. */
size_t pcm_ring_space_bytes(const struct pcm_ring *ring);
/* Appends raw S16LE bytes (any length: a partial frame waits for the rest).
 * Beyond capacity the oldest frames go. */
void pcm_ring_push(struct pcm_ring *ring, const void *bytes, size_t len);
/*
 * Fills out with exactly frames frames (interleaved, host order), applying
 * drift control; silence where there is nothing. Returns how many of them
 * carry data (0 when the ring was empty: the level is silent or gone).
 */
uint32_t pcm_ring_pull(struct pcm_ring *ring, int16_t *out, uint32_t frames);

/*
 * Opens a FIFO the core created, read and write and non-blocking, so that it
 * never sees EOF or EPIPE whatever the cage does, and shrinks its buffer to
 * pipe_size bytes. Refuses anything that is not a FIFO. Returns the fd or a
 * negative errno.
 */
int fifo_open(const char *path, int pipe_size);
/* Reads at most budget bytes into ring. Returns the bytes read or -errno
 * (-EAGAIN: nothing there). */
ssize_t fifo_read_to_ring(int fd, struct pcm_ring *ring, size_t budget);
/* Reads and discards what the FIFO holds, at most max bytes. Returns the
 * bytes discarded. */
size_t fifo_drain(int fd, size_t max);
/*
 * What a level leaves unread in its microphone FIFO, seen at each write. A
 * backlog that never changes over a window is stale (audio queued before
 * the level's recorder started, say): it goes. One that changes is jitter
 * between the two graphs, which a quantum of backlog absorbs: it stays.
 */
struct fifo_backlog {
	uint32_t window; /* writes per window */
	uint32_t writes;
	int min, max; /* bytes */
	uint64_t dropped; /* bytes, statistics */
};

void fifo_backlog_init(struct fifo_backlog *backlog, uint32_t window);
/*
 * Writes frames (interleaved S16, host order) to a level's microphone FIFO
 * in atomic pieces, dropping what does not fit. First it discards the oldest
 * bytes beyond max_backlog (counting what it is about to write), so the
 * level never reads audio older than that, and a stale backlog (see struct
 * fifo_backlog; backlog may be NULL). Returns the frames written.
 */
uint32_t fifo_write_frames(int fd, const int16_t *frames, uint32_t n, size_t max_backlog,
		struct fifo_backlog *backlog);
/* Bytes waiting in the FIFO, or -errno. */
int fifo_backlog(int fd);

#endif
