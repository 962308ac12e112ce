/* SPDX-License-Identifier: MIT */
#ifndef TESTS_ACTOR_CLIENT_H
#define TESTS_ACTOR_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "strata_test.h"

/*
 * The tests' side of itest-actor (tests/integration/actor.c): a client on a
 * level that maps one window of one colour, logs every input event it gets
 * (one line each) and plays the tricks it is given. STRATA_ACTOR_BIN names
 * the program (meson sets it).
 */
struct actor {
	pid_t pid;
	char log[256];
	char app_id[64];
	unsigned barriers;
	unsigned keyboard_barriers;
	struct window_info window; /* as listed once mapped */
};

/* Starts it on level and waits (15 s at most) for its window. Colours are
 * 0xRRGGBB; popup_rgb 0: the window's. tricks: NULL-terminated, may be NULL. */
void actor_start(struct strata_session *s, struct actor *a, const char *level, const char *app_id,
		uint32_t rgb, uint32_t popup_rgb, const char *const *tricks);

/* The same, the program started by spawn (e.g. through a cage proxy): it
 * returns the pid of a session client. */
typedef pid_t (*actor_spawn_fn)(struct strata_session *s, void *data, char *const argv[]);
void actor_start_spawned(struct strata_session *s, struct actor *a, actor_spawn_fn spawn,
		void *data, const char *app_id, uint32_t rgb, uint32_t popup_rgb,
		const char *const *tricks);

/* A click (button: "left", "right", "middle") on a point of the actor's
 * window that no other window covers, as a user's hand would. */
void actor_click(struct strata_session *s, struct actor *a, const char *button);

/* The log so far (malloc'd, "" if none yet). */
char *actor_events(struct actor *a);
/* Bytes of the log so far: later checks may look only past this mark. */
size_t actor_mark(struct actor *a);
/* Waits (5 s at most) for exactly this line past from; fails the test with
 * what the log holds otherwise. */
void actor_wait_line(struct strata_session *s, struct actor *a, size_t from, const char *line);
/* Waits (5 s at most) until needle is in the log count times. */
void actor_wait_count(struct strata_session *s, struct actor *a, const char *needle, int count);
/* After this, every event the compositor sent the actor before is in its log
 * (SIGUSR1: it finishes a round trip and logs "barrier N"). */
void actor_barrier(struct strata_session *s, struct actor *a);
/* The actor binds one more wl_keyboard now (SIGUSR2); returns once what its
 * enter said is in the log ("keyboard barrier N" after it). */
void actor_keyboard_barrier(struct strata_session *s, struct actor *a);
/* The size of the first "configure W H" line of its log (the test fails
 * without one). */
void actor_first_configure(struct strata_session *s, struct actor *a, int *width, int *height);
/* Lines past from that start with prefix; their text, "; "-joined, in listing. */
int actor_count_lines(struct actor *a, size_t from, const char *prefix, char *listing, size_t size);

#endif
