// SPDX-License-Identifier: MIT
#include "policy.h"

void
audio_policy_init(struct audio_policy_state *state, int level_count)
{
	*state = (struct audio_policy_state){
		.level_count = level_count,
		.focused = AUDIO_NO_LEVEL,
		.mic_mode = AUDIO_MIC_OFF,
		.granted = AUDIO_NO_LEVEL,
		.unfocused = AUDIO_UNFOCUSED_MIX,
	};
}

static int
valid_index(const struct audio_policy_state *state, int index)
{
	if (index < 0 || index >= state->level_count || index >= STRATA_MAX_LEVELS) {
		return AUDIO_NO_LEVEL;
	}
	return index;
}

static float
unfocused_gain(enum audio_unfocused_mode mode)
{
	switch (mode) {
	case AUDIO_UNFOCUSED_MIX:
		return 1.0f;
	case AUDIO_UNFOCUSED_DUCK:
		return AUDIO_DUCK_GAIN;
	case AUDIO_UNFOCUSED_MUTE:
		return 0.0f;
	}
	return 0.0f; /* an unknown mode errs on the side of silence */
}

void
audio_policy_evaluate(const struct audio_policy_state *state, struct audio_policy_result *result)
{
	int focused = valid_index(state, state->focused);
	float other = unfocused_gain(state->unfocused);

	for (int i = 0; i < STRATA_MAX_LEVELS; i++) {
		if (i >= state->level_count) {
			result->gain[i] = 0.0f;
		} else {
			result->gain[i] = i == focused ? 1.0f : other;
		}
	}

	switch (state->mic_mode) {
	case AUDIO_MIC_FOLLOW:
		result->mic_target = focused;
		break;
	case AUDIO_MIC_GRANT:
		result->mic_target = valid_index(state, state->granted);
		break;
	case AUDIO_MIC_OFF:
	default:
		result->mic_target = AUDIO_NO_LEVEL;
		break;
	}
}
