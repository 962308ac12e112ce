// SPDX-License-Identifier: MIT
/* audio-mux/policy.c: who hears the microphone, how loud each level plays. */
#include "policy.h"
#include "tap.h"

#define LOW 0
#define HIGH 1
#define THIRD 2

static struct audio_policy_result
evaluate(const struct audio_policy_state *state)
{
	struct audio_policy_result result;
	audio_policy_evaluate(state, &result);
	return result;
}

static void
starts_silent_for_the_microphone(void)
{
	struct audio_policy_state s;
	audio_policy_init(&s, 2);
	struct audio_policy_result r = evaluate(&s);
	tap_assert_int_eq(r.mic_target, AUDIO_NO_LEVEL);
	/* no focus, unfocused mixed: every level plays */
	tap_assert(r.gain[LOW] == 1.0f && r.gain[HIGH] == 1.0f);
}

static void
mic_off_whatever_the_focus(void)
{
	struct audio_policy_state s;
	audio_policy_init(&s, 3);
	for (int focus = AUDIO_NO_LEVEL; focus < 3; focus++) {
		s.focused = focus;
		s.granted = HIGH; /* a grant left over from another mode means nothing */
		tap_assert_int_eq(evaluate(&s).mic_target, AUDIO_NO_LEVEL);
	}
}

static void
mic_follows_focus(void)
{
	struct audio_policy_state s;
	audio_policy_init(&s, 3);
	s.mic_mode = AUDIO_MIC_FOLLOW;
	for (int focus = AUDIO_NO_LEVEL; focus < 3; focus++) {
		s.focused = focus;
		tap_assert_int_eq(evaluate(&s).mic_target, focus);
	}
}

static void
mic_grant_ignores_focus(void)
{
	struct audio_policy_state s;
	audio_policy_init(&s, 3);
	s.mic_mode = AUDIO_MIC_GRANT;
	s.granted = LOW;
	for (int focus = AUDIO_NO_LEVEL; focus < 3; focus++) {
		s.focused = focus;
		tap_assert_int_eq(evaluate(&s).mic_target, LOW);
	}
	s.granted = AUDIO_NO_LEVEL;
	s.focused = HIGH;
	tap_assert_int_eq(evaluate(&s).mic_target, AUDIO_NO_LEVEL);
}

static void
out_of_range_goes_nowhere(void)
{
	struct audio_policy_state s;
	audio_policy_init(&s, 2);
	s.mic_mode = AUDIO_MIC_GRANT;
	s.granted = THIRD; /* only two levels */
	tap_assert_int_eq(evaluate(&s).mic_target, AUDIO_NO_LEVEL);
	s.granted = -7;
	tap_assert_int_eq(evaluate(&s).mic_target, AUDIO_NO_LEVEL);
	s.mic_mode = AUDIO_MIC_FOLLOW;
	s.focused = STRATA_MAX_LEVELS + 3;
	struct audio_policy_result r = evaluate(&s);
	tap_assert_int_eq(r.mic_target, AUDIO_NO_LEVEL);
	/* and an unknown focus is no focus for the gains either */
	tap_assert(r.gain[LOW] == 1.0f && r.gain[HIGH] == 1.0f);
	s.mic_mode = (enum audio_mic_mode)42;
	tap_assert_int_eq(evaluate(&s).mic_target, AUDIO_NO_LEVEL);
}

static void
unfocused_gains(void)
{
	struct audio_policy_state s;
	audio_policy_init(&s, 3);
	s.focused = HIGH;
	struct audio_policy_result r = evaluate(&s);
	tap_assert(r.gain[LOW] == 1.0f && r.gain[HIGH] == 1.0f && r.gain[THIRD] == 1.0f);
	s.unfocused = AUDIO_UNFOCUSED_DUCK;
	r = evaluate(&s);
	tap_assert(r.gain[LOW] == AUDIO_DUCK_GAIN && r.gain[HIGH] == 1.0f &&
			r.gain[THIRD] == AUDIO_DUCK_GAIN);
	s.unfocused = AUDIO_UNFOCUSED_MUTE;
	r = evaluate(&s);
	tap_assert(r.gain[LOW] == 0.0f && r.gain[HIGH] == 1.0f && r.gain[THIRD] == 0.0f);
	/* no focus: everybody is unfocused */
	s.focused = AUDIO_NO_LEVEL;
	r = evaluate(&s);
	tap_assert(r.gain[LOW] == 0.0f && r.gain[HIGH] == 0.0f && r.gain[THIRD] == 0.0f);
	/* levels that do not exist are silent */
	for (int i = 3; i < STRATA_MAX_LEVELS; i++) {
		tap_assert(r.gain[i] == 0.0f);
	}
	s.unfocused = (enum audio_unfocused_mode)9;
	r = evaluate(&s);
	tap_assert(r.gain[LOW] == 0.0f);
}

static void
gains_never_touch_the_microphone(void)
{
	struct audio_policy_state s;
	audio_policy_init(&s, 2);
	s.mic_mode = AUDIO_MIC_FOLLOW;
	s.focused = LOW;
	for (int mode = AUDIO_UNFOCUSED_MIX; mode <= AUDIO_UNFOCUSED_MUTE; mode++) {
		s.unfocused = (enum audio_unfocused_mode)mode;
		tap_assert_int_eq(evaluate(&s).mic_target, LOW);
	}
}

TAP_TESTS(TAP_CASE(starts_silent_for_the_microphone), TAP_CASE(mic_off_whatever_the_focus),
		TAP_CASE(mic_follows_focus), TAP_CASE(mic_grant_ignores_focus),
		TAP_CASE(out_of_range_goes_nowhere), TAP_CASE(unfocused_gains),
		TAP_CASE(gains_never_touch_the_microphone))
