/* SPDX-License-Identifier: MIT */
#ifndef AUDIO_MUX_POLICY_H
#define AUDIO_MUX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include "common/audio_control.h" /* the modes the compositor sets */
#include "common/config.h" /* STRATA_MAX_LEVELS */

/*
 * Audio policy as a pure function: what the compositor told us (focused
 * level, microphone mode and grant, what to do with unfocused levels) in,
 * the gain of every level's playback and the one level that may hear the
 * microphone out. No PipeWire here; tests/audio/test_policy.c covers it.
 */

#define AUDIO_NO_LEVEL (-1)

/* Playback gain of an unfocused level when ducked: -20 dB. */
#define AUDIO_DUCK_GAIN 0.1f

struct audio_policy_state {
	int level_count;
	int focused; /* level index or AUDIO_NO_LEVEL */
	enum audio_mic_mode mic_mode;
	int granted; /* with AUDIO_MIC_GRANT: level index or AUDIO_NO_LEVEL */
	enum audio_unfocused_mode unfocused;
};

struct audio_policy_result {
	float gain[STRATA_MAX_LEVELS];
	int mic_target; /* level index or AUDIO_NO_LEVEL */
};

/* The state at start: no focus, microphone off, unfocused levels mixed. */
void audio_policy_init(struct audio_policy_state *state, int level_count);

/*
 * Every level that is not the focused one counts as unfocused, so with no
 * focus at all (lock screen, the banner) every level gets the unfocused gain.
 * An index out of range counts as AUDIO_NO_LEVEL: the microphone then goes
 * nowhere.
 */
void audio_policy_evaluate(const struct audio_policy_state *state,
		struct audio_policy_result *result);

#endif
