/* SPDX-License-Identifier: MIT */
#ifndef STRATA_AUDIO_H
#define STRATA_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include "server.h"

/*
 * Sound, when [audio] enabled: every level's PipeWire runs in its cage
 * (strata-audio-level, restarted with back-off), its only way out two FIFOs
 * of raw PCM; strata-audio-mux (a core process) mixes the levels into the
 * core PipeWire and hands the microphone to at most one level. This module
 * prepares the FIFOs and configurations, supervises both sides, tells the
 * mux the focus and the microphone grant, and keeps what the banner shows
 * (who holds the microphone, who is playing) as the mux reports it.
 */
struct strata_audio;

/* NULL when audio is disabled or cannot run (said in the log); the session
 * must exist (audio needs cages). */
struct strata_audio *audio_create(struct strata_server *server);
void audio_destroy(struct strata_audio *audio);

/* Logo+M: with mic = off, grants the microphone to the focused level, or
 * takes it back if that level holds it; with mic = follow, mutes or
 * unmutes the microphone. */
void audio_toggle_mic(struct strata_server *server);

/* The screen lock: while locked, no level gets the microphone; on unlock
 * it goes back to what the user had granted (or unmuted). */
void audio_set_locked(struct strata_server *server, bool locked);

/* For the banner: "MIC: high" while a level holds the microphone, "⚠ sound
 * down" while the mux is not running (or not ready yet), else "";
 * "sound: low, high" while levels play, else "". */
void audio_banner_mic(struct strata_server *server, char *out, size_t size);
void audio_banner_playing(struct strata_server *server, char *out, size_t size);

/* For the X-ray: whether a level's sound reaches the core (the mux ready and
 * the level's own PipeWire up) and whether it plays. */
void audio_level_state(struct strata_server *server, int level, bool *up, bool *playing);

/* For the test-control: "ready=1 mic=high playing=low,high". */
void audio_describe(struct strata_server *server, char *out, size_t size);

#endif
