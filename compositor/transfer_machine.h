/* SPDX-License-Identifier: MIT */
#ifndef STRATA_TRANSFER_MACHINE_H
#define STRATA_TRANSFER_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <xkbcommon/xkbcommon.h>
#include "common/guard_ipc.h"

/*
 * The cross-level clipboard transfer as a pure state machine:
 * (state, event) -> (state, actions). transfer.c feeds it what happens
 * (the user's keys and clicks, the source's snapshot, the guard's answers,
 * timers) and carries out the actions; the unit tests drive it without a
 * display (tests/unit/test_transfer_machine.c).
 *
 *   IDLE --Logo+V, one candidate--> READING --snapshot--> SANITISING
 *        --Logo+V, several------> CHOOSING --1..9--> READING
 *   SANITISING --guard: ok--> CONFIRMING --Return--> IDLE (transferred)
 *   (Return and the digits count only once the dialog has settled)
 *   any open state --Escape, a click, focus lost, the X-ray or the lock,
 *                     a timeout, a failure--> IDLE
 *
 * From the first step out of IDLE until the return to it, the dialog is
 * the seat's modal owner: no client hears a key or a button.
 */

enum transfer_state {
	TRANSFER_IDLE,
	TRANSFER_CHOOSING, /* several levels hold a selection: which one? */
	TRANSFER_READING, /* the source writes its snapshot */
	TRANSFER_SANITISING, /* the guard checks it */
	TRANSFER_CONFIRMING, /* the dialog shows what would cross */
};

struct transfer_machine {
	enum transfer_state state;
	size_t candidates; /* levels offered in CHOOSING */
};

enum transfer_event_type {
	TRANSFER_EVENT_BEGIN, /* Logo+V */
	TRANSFER_EVENT_KEY, /* a key press while the dialog has the seat */
	TRANSFER_EVENT_CLICK, /* a button press anywhere */
	TRANSFER_EVENT_FOCUS_LOST, /* the destination window lost focus */
	TRANSFER_EVENT_PREEMPTED, /* the X-ray or the screen lock took the seat */
	TRANSFER_EVENT_NO_SCREEN, /* no output left to show the dialog on */
	TRANSFER_EVENT_READ_DONE, /* the source's snapshot is complete */
	TRANSFER_EVENT_READ_FAILED, /* refused or failed before or while reading */
	TRANSFER_EVENT_TIMEOUT, /* the timer the last step armed */
	TRANSFER_EVENT_GUARD_OK, /* the guard returned sanitised content */
	TRANSFER_EVENT_GUARD_REFUSED, /* the guard refused the content */
	TRANSFER_EVENT_GUARD_DOWN, /* the guard is gone or gave no valid answer */
};

struct transfer_event {
	enum transfer_event_type type;
	xkb_keysym_t sym; /* KEY */
	/* KEY: the dialog now shown has been on screen for [clipboard]
	 * settle_ms at least. An answer (Return, a digit) before that was typed
	 * ahead, before the user could read it: ignored. Escape never waits. */
	bool settled;
	bool has_destination; /* BEGIN: a window of a level has focus */
	size_t candidates; /* BEGIN: other levels holding a selection */
};

enum transfer_timer {
	TRANSFER_TIMER_KEEP, /* left as it is */
	TRANSFER_TIMER_NONE, /* disarmed */
	TRANSFER_TIMER_SOURCE, /* [clipboard] timeout_ms: the source must hand over */
	TRANSFER_TIMER_GUARD, /* TRANSFER_GUARD_TIMEOUT_MS: the guard must answer */
	TRANSFER_TIMER_CONFIRM, /* [clipboard] confirm_s: the user must answer */
};

#define TRANSFER_GUARD_TIMEOUT_MS 5000

/* How a request ended (TRANSFER_END_NONE: it goes on). */
enum transfer_end {
	TRANSFER_END_NONE,
	TRANSFER_END_NO_DESTINATION, /* no window has focus: nothing logged */
	TRANSFER_END_NOTHING_TO_PASTE, /* no other level holds a selection: nothing logged */
	TRANSFER_END_CANCELLED_KEY, /* Escape */
	TRANSFER_END_CANCELLED_CLICK,
	TRANSFER_END_CANCELLED_FOCUS,
	TRANSFER_END_CANCELLED_TRUSTED, /* the X-ray or the screen lock came */
	TRANSFER_END_CANCELLED_NO_SCREEN, /* nobody could see the dialog */
	TRANSFER_END_NOT_CONFIRMED, /* the dialog expired */
	TRANSFER_END_SOURCE_TIMEOUT,
	TRANSFER_END_READ_FAILED, /* policy, source gone, no type that may cross, too large */
	TRANSFER_END_GUARD_REFUSED,
	TRANSFER_END_GUARD_DOWN, /* nothing crosses; the guard cannot log it */
	TRANSFER_END_GUARD_TIMEOUT, /* nothing crosses; the guard is restarted */
	TRANSFER_END_TRANSFERRED, /* the user confirmed: the snapshot crosses */
};

/* What to do, in this order. */
struct transfer_step {
	enum transfer_state state; /* the new state */
	bool take_seat; /* the dialog becomes the seat's modal owner */
	bool show_chooser;
	int start_reading; /* index of the candidate to read, -1: none */
	bool send_to_guard; /* the snapshot goes to the guard */
	bool show_waiting; /* the dialog says what it waits for, Escape cancels */
	bool show_confirmation;
	enum transfer_timer timer; /* armed anew, disarmed (NONE) or left (KEEP) */
	enum transfer_end end; /* != NONE: the request ends here (seat released) */
};

/* Feeds one event; m->state moves to step.state. */
struct transfer_step transfer_machine_step(struct transfer_machine *m,
		const struct transfer_event *event);

/* The audit decision for an end; false for the ends that are not logged. */
bool transfer_end_decision(enum transfer_end end, enum guard_decision *decision);
/* Words for the user and the audit log ("cancelled by the user", ...). */
const char *transfer_end_reason(enum transfer_end end);
const char *transfer_state_name(enum transfer_state state);

#endif
