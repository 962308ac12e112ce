/* SPDX-License-Identifier: MIT */
#ifndef AUDIO_MUX_MUX_H
#define AUDIO_MUX_MUX_H

#include <stdbool.h>
#include <stdint.h>
#include <pipewire/log.h>
#include "policy.h"

/*
 * strata-audio-mux's PipeWire side: a client of the core PipeWire (the one
 * with the real devices) that
 *  - reads every level's playback FIFO and plays it as a stream named after
 *    the level, linked to the default sink, with the gain the policy gives;
 *  - captures the default source and writes it into the microphone FIFO of
 *    at most one level, the policy's mic target;
 *  - does its own linking (its streams do not ask a session manager for
 *    anything), so a core without one works; links die with the mux.
 *
 * All FIFO I/O happens in PipeWire's data thread, inside the streams'
 * process callbacks; policy changes reach it through a blocking invoke, so a
 * change has taken effect (and the old microphone FIFO has been flushed)
 * when mux_apply_policy() returns.
 */

struct pw_loop;
struct mux;

/* The log topic of everything in audio-mux/: "strata.audio-mux". */
PW_LOG_TOPIC_EXTERN(mux_log_topic);
/* After pw_init(): our messages at level unless PIPEWIRE_DEBUG says
 * otherwise for the topic; PipeWire's own at warnings, or at level when it is
 * debug. */
void mux_log_init(enum spa_log_level level);

struct mux_level_config {
	char name[STRATA_LEVEL_NAME_MAX + 1];
	const char *playback_fifo; /* the level writes, we read */
	const char *mic_fifo; /* we write, the level reads */
};

struct mux_config {
	const char *core_remote; /* socket path of the core PipeWire */
	struct mux_level_config levels[STRATA_MAX_LEVELS];
	int level_count;
	uint32_t quantum; /* frames per cycle we ask the core graph for */
};

#define MUX_VERSION_EVENTS 0
struct mux_events {
	uint32_t version; /* MUX_VERSION_EVENTS */
	/* Connected, streams up, first links requested. */
	void (*ready)(void *data);
	/* The core connection is gone or broken; res is a negative errno. */
	void (*error)(void *data, int res, const char *message);
};

/*
 * Opens the FIFOs (refusing anything that is not one), connects to the core
 * and creates the streams. NULL with errno set on failure (already logged).
 */
struct mux *mux_create(struct pw_loop *loop, const struct mux_config *config,
		const struct mux_events *events, void *data);
/* Sends the microphone nowhere, flushes every microphone FIFO, disconnects
 * and closes everything. NULL safe. */
void mux_destroy(struct mux *mux);

/* Applies gains and the microphone target; returns once the data thread has
 * done it. 0 or a negative errno. */
int mux_apply_policy(struct mux *mux, const struct audio_policy_result *result);
/* The level that hears the microphone now, or AUDIO_NO_LEVEL. */
int mux_mic_holder(struct mux *mux);
/* Bit i set: level i wrote something other than silence within the last
 * hold_ms milliseconds. */
uint32_t mux_playing_mask(struct mux *mux, uint32_t hold_ms);
/* Logs per-level ring statistics (drops, inserts, overflows) at info level. */
void mux_log_stats(struct mux *mux);

#endif
