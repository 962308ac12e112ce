/* SPDX-License-Identifier: MIT */
#ifndef AUDIO_MUX_POLICY_H
#define AUDIO_MUX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include "common/config.h" /* STRATA_MAX_LEVELS, the level-name rule */

/*
 * Audio policy as a pure function: what the compositor told us (focused
 * level, microphone mode and grant, what to do with unfocused levels) in,
 * the gain of every level's playback and the one level that may hear the
 * microphone out. No PipeWire here; tests/audio/test_policy.c covers it.
 */

#define AUDIO_NO_LEVEL (-1)

/* Playback gain of an unfocused level when ducked: -20 dB. */
#define AUDIO_DUCK_GAIN 0.1f

enum audio_mic_mode {
	AUDIO_MIC_OFF, /* nobody hears the microphone (the default) */
	AUDIO_MIC_FOLLOW, /* the focused level does */
	AUDIO_MIC_GRANT, /* the level granted by the reserved shortcut does */
};

enum audio_unfocused_mode {
	AUDIO_UNFOCUSED_MIX, /* full volume (the default) */
	AUDIO_UNFOCUSED_DUCK, /* AUDIO_DUCK_GAIN */
	AUDIO_UNFOCUSED_MUTE, /* silence */
};

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

const char *audio_mic_mode_name(enum audio_mic_mode mode);
const char *audio_unfocused_mode_name(enum audio_unfocused_mode mode);

#endif
