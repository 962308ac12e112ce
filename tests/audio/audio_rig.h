/* SPDX-License-Identifier: MIT */
#ifndef TESTS_AUDIO_RIG_H
#define TESTS_AUDIO_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "audio_signal.h"
#include "group_reaper.h"
#include "tap.h"

/*
 * A fresh audio stack per test, as the session will run it, with null
 * devices: a core PipeWire (dev-sink, dev-mic), the audio of each level
 * ("low", "high": strata-audio-level --config, which runs the level's
 * pipewire from audio-mux/level-pipewire.conf.in and its pipewire-pulse),
 * the FIFOs between them, and strata-audio-mux driven through a socketpair
 * like the compositor does. The levels run directly (no bubblewrap), each
 * with its own XDG_RUNTIME_DIR.
 *
 * Every process runs in its own process group, and the test is a subreaper
 * (anything orphaned comes back to it). rig_stop() kills every group and
 * checks that nothing is left. Should the test die first, a reaper process
 * kills the groups and removes the directory. Set STRATA_TEST_KEEP=1 to keep
 * the directory (logs, recordings).
 */

#define RIG_LEVELS 2
#define RIG_MAX_PROCS 48

enum rig_place {
	RIG_CORE = -1,
	RIG_LOW = 0,
	RIG_HIGH = 1,
};

struct rig_proc {
	pid_t pid; /* 0: slot free; also the process group */
	bool exited;
	int status;
	char name[48];
	char log[300];
};

struct rig_options {
	uint32_t quantum; /* 0: 1024 */
	bool no_mux; /* start everything but the mux */
};

struct rig {
	uint32_t quantum;
	char dir[64];
	char core_socket[128];
	char runtime[RIG_LEVELS][128];
	char playback_fifo[RIG_LEVELS][128];
	char mic_fifo[RIG_LEVELS][128];
	const char *level_name[RIG_LEVELS];
	struct rig_proc procs[RIG_MAX_PROCS];
	int seq;
	pid_t core_pid, mux_pid;
	pid_t level_pid[RIG_LEVELS]; /* strata-audio-level, supervising the level's daemons */
	int control_fd; /* -1 when no mux */
	char lines[16384]; /* every line the mux sent, newline separated */
	size_t lines_len;
	size_t consumed; /* lines before this offset were matched already */
	char partial[512];
	size_t partial_len;
	struct group_reaper reaper;
};

struct rig *rig_start(const struct rig_options *opts); /* opts may be NULL */
void rig_stop(struct rig *rig);

/* Tails of every log, then the test fails. */
void rig_fail_at(struct rig *rig, const char *file, int line, const char *fmt, ...)
		__attribute__((format(printf, 4, 5), noreturn));
#define rig_fail(rig, ...) rig_fail_at((rig), __FILE__, __LINE__, __VA_ARGS__)
#define rig_assert(rig, cond, ...) \
	do { \
		if (!(cond)) { \
			rig_fail_at((rig), __FILE__, __LINE__, __VA_ARGS__); \
		} \
	} while (0)

/* A path in the rig's directory (static buffer, rotating among 8). */
const char *rig_path(struct rig *rig, const char *name);
uint64_t rig_now_ns(void);
void rig_sleep_ms(int ms);

/* ---- processes ---------------------------------------------------------- */

/*
 * Runs argv (looked up in PATH) in place's environment: in a level its
 * XDG_RUNTIME_DIR (pw-play, paplay find their daemon there), in the core
 * PIPEWIRE_REMOTE set to the core socket. Own process group, output in a
 * log. Returns the pid.
 */
pid_t rig_spawn(struct rig *rig, enum rig_place place, const char *name, char *const argv[]);
/* Waits for needle in the process's log; false on timeout. */
bool rig_wait_log(struct rig *rig, pid_t pid, const char *needle, int timeout_ms);
/* Waits for it to exit; false on timeout. status: waitpid status. */
bool rig_wait_exit(struct rig *rig, pid_t pid, int timeout_ms, int *status);
/* SIGTERM to its group, SIGKILL after 2 s; reaped. status may be NULL. */
void rig_stop_proc(struct rig *rig, pid_t pid, int *status);
/* SIGKILL to its group, reaped. */
void rig_kill_proc(struct rig *rig, pid_t pid);
bool rig_proc_alive(struct rig *rig, pid_t pid);
/* A child of parent whose command line contains needle (fails the test if
 * there is none). */
pid_t rig_find_child(struct rig *rig, pid_t parent, const char *needle);
const char *rig_proc_log(struct rig *rig, pid_t pid);

/* The probe (tools/audio_probe.c). link: a node name, or NULL to let the
 * place's session manager link it. Waits for "ready". */
pid_t rig_play_tone(struct rig *rig, enum rig_place place, const char *name, double hz, double amp,
		const char *link);
pid_t rig_record(struct rig *rig, enum rig_place place, const char *name, const char *link);
/* Stops a recorder (SIGTERM: it writes its files) and loads what it got:
 * rig_path(NAME.wav) and rig_path(NAME.timeline). */
struct recording {
	struct audio_buffer audio;
	size_t entries;
	int64_t *t_ns; /* per cycle: the graph's time */
	uint64_t *first; /* per cycle: its first frame */
	uint32_t *frames;
	float *peak;
};
void rig_stop_record(struct rig *rig, pid_t pid, const char *name, struct recording *out);
void recording_free(struct recording *rec);
/* The frames of the cycles whose time lies in [from_ns, to_ns). */
void recording_slice(const struct recording *rec, uint64_t from_ns, uint64_t to_ns, size_t *start,
		size_t *count);
/* Frames with any sample other than exact zero, in cycles at or after
 * from_ns (and before to_ns). */
size_t recording_nonzero_after(const struct recording *rec, uint64_t from_ns, uint64_t to_ns);

/* A stereo 16-bit 48 kHz tone file in the rig's directory. */
const char *rig_tone_file(struct rig *rig, const char *name, double hz, double seconds);

/* ---- the mux -------------------------------------------------------------- */

/* (Re)starts strata-audio-mux with a new socketpair; waits for "ready". */
void rig_start_mux(struct rig *rig);
/* Sends one line (newline added); returns the CLOCK_MONOTONIC time. */
uint64_t rig_send(struct rig *rig, const char *line);
/* Sends raw bytes as they are. */
void rig_send_raw(struct rig *rig, const void *bytes, size_t len);
/* Waits for a line equal to expected among those not consumed yet; true and
 * its arrival time in *when (may be NULL). Lines before it are consumed. */
bool rig_expect(struct rig *rig, const char *expected, int timeout_ms, uint64_t *when);
/* Reads what the mux sent so far (without waiting). */
void rig_poll_lines(struct rig *rig);

#endif
