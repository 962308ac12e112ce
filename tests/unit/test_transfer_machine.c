// SPDX-License-Identifier: MIT
/*
 * The cross-level transfer as a state machine (compositor/transfer_machine.c),
 * linked from the objects the compositor uses: the whole flow, every way a
 * request ends, and what must never happen (a transfer without Return in
 * CONFIRMING; a key that leaves the seat with a client while a request is
 * open).
 */
#include "tap.h"
#include "transfer_machine.h"

static struct transfer_event
ev(enum transfer_event_type type)
{
	return (struct transfer_event){ .type = type };
}

/* A key pressed once the dialog has settled. */
static struct transfer_event
key(xkb_keysym_t sym)
{
	return (struct transfer_event){ .type = TRANSFER_EVENT_KEY, .sym = sym, .settled = true };
}

/* A key pressed sooner: typed ahead. */
static struct transfer_event
early_key(xkb_keysym_t sym)
{
	return (struct transfer_event){ .type = TRANSFER_EVENT_KEY, .sym = sym };
}

static struct transfer_step
feed(struct transfer_machine *m, struct transfer_event event)
{
	return transfer_machine_step(m, &event);
}

static struct transfer_event
begin(size_t candidates)
{
	return (struct transfer_event){ .type = TRANSFER_EVENT_BEGIN,
		.has_destination = true,
		.candidates = candidates };
}

static void
one_source_confirmed(void)
{
	struct transfer_machine m = { 0 };
	struct transfer_step s = feed(&m, begin(1));
	tap_assert_int_eq(s.state, TRANSFER_READING);
	tap_assert(s.take_seat && s.show_waiting);
	tap_assert_int_eq(s.start_reading, 0);
	tap_assert_int_eq(s.timer, TRANSFER_TIMER_SOURCE);
	s = feed(&m, ev(TRANSFER_EVENT_READ_DONE));
	tap_assert_int_eq(s.state, TRANSFER_SANITISING);
	tap_assert(s.send_to_guard && s.show_waiting);
	tap_assert_int_eq(s.timer, TRANSFER_TIMER_GUARD);
	s = feed(&m, ev(TRANSFER_EVENT_GUARD_OK));
	tap_assert_int_eq(s.state, TRANSFER_CONFIRMING);
	tap_assert(s.show_confirmation);
	tap_assert_int_eq(s.timer, TRANSFER_TIMER_CONFIRM);
	/* Any other key while confirming changes nothing. */
	s = feed(&m, key(XKB_KEY_y));
	tap_assert_int_eq(s.state, TRANSFER_CONFIRMING);
	tap_assert_int_eq(s.end, TRANSFER_END_NONE);
	tap_assert_int_eq(s.timer, TRANSFER_TIMER_KEEP);
	s = feed(&m, key(XKB_KEY_Return));
	tap_assert_int_eq(s.state, TRANSFER_IDLE);
	tap_assert_int_eq(s.end, TRANSFER_END_TRANSFERRED);
	tap_assert_int_eq(s.timer, TRANSFER_TIMER_NONE);
	enum guard_decision decision;
	tap_assert(transfer_end_decision(s.end, &decision));
	tap_assert_int_eq(decision, GUARD_DECISION_TRANSFERRED);
}

static void
chooser_takes_digits_in_range_only(void)
{
	struct transfer_machine m = { 0 };
	struct transfer_step s = feed(&m, begin(3));
	tap_assert_int_eq(s.state, TRANSFER_CHOOSING);
	tap_assert(s.take_seat && s.show_chooser);
	tap_assert_int_eq(s.start_reading, -1);
	/* 4 is one past the last candidate; 0 is not a choice. */
	s = feed(&m, key(XKB_KEY_4));
	tap_assert_int_eq(s.state, TRANSFER_CHOOSING);
	s = feed(&m, key(XKB_KEY_0));
	tap_assert_int_eq(s.state, TRANSFER_CHOOSING);
	s = feed(&m, key(XKB_KEY_3));
	tap_assert_int_eq(s.state, TRANSFER_READING);
	tap_assert_int_eq(s.start_reading, 2);
	tap_assert(!s.take_seat); /* it already has it */
}

static void
nothing_to_do_ends_at_once_unlogged(void)
{
	struct transfer_machine m = { 0 };
	struct transfer_event none = { .type = TRANSFER_EVENT_BEGIN, .has_destination = false };
	struct transfer_step s = transfer_machine_step(&m, &none);
	tap_assert_int_eq(s.end, TRANSFER_END_NO_DESTINATION);
	tap_assert(!s.take_seat);
	s = feed(&m, begin(0));
	tap_assert_int_eq(s.end, TRANSFER_END_NOTHING_TO_PASTE);
	tap_assert(!s.take_seat);
	tap_assert_int_eq(m.state, TRANSFER_IDLE);
	enum guard_decision decision;
	tap_assert(!transfer_end_decision(TRANSFER_END_NO_DESTINATION, &decision));
	tap_assert(!transfer_end_decision(TRANSFER_END_NOTHING_TO_PASTE, &decision));
	tap_assert(!transfer_end_decision(TRANSFER_END_GUARD_DOWN, &decision));
}

/* Walks the machine to state with a fresh machine. */
static struct transfer_machine
at(enum transfer_state state)
{
	struct transfer_machine m = { 0 };
	if (state == TRANSFER_IDLE) {
		return m;
	}
	if (state == TRANSFER_CHOOSING) {
		feed(&m, begin(2));
		return m;
	}
	feed(&m, begin(1));
	if (state == TRANSFER_READING) {
		return m;
	}
	feed(&m, ev(TRANSFER_EVENT_READ_DONE));
	if (state == TRANSFER_SANITISING) {
		return m;
	}
	feed(&m, ev(TRANSFER_EVENT_GUARD_OK));
	return m;
}

static void
every_open_state_ends_on_escape_click_focus_and_timeout(void)
{
	static const struct {
		enum transfer_state state;
		enum transfer_end timeout;
	} open[] = {
		{ TRANSFER_CHOOSING, TRANSFER_END_NOT_CONFIRMED },
		{ TRANSFER_READING, TRANSFER_END_SOURCE_TIMEOUT },
		{ TRANSFER_SANITISING, TRANSFER_END_GUARD_TIMEOUT },
		{ TRANSFER_CONFIRMING, TRANSFER_END_NOT_CONFIRMED },
	};
	int checked = 0;
	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		struct transfer_machine m = at(open[i].state);
		tap_assert_int_eq(m.state, open[i].state);
		struct transfer_step s = feed(&m, key(XKB_KEY_Escape));
		tap_assert_int_eq(s.end, TRANSFER_END_CANCELLED_KEY);
		m = at(open[i].state);
		s = feed(&m, ev(TRANSFER_EVENT_CLICK));
		tap_assert_int_eq(s.end, TRANSFER_END_CANCELLED_CLICK);
		m = at(open[i].state);
		s = feed(&m, ev(TRANSFER_EVENT_FOCUS_LOST));
		tap_assert_int_eq(s.end, TRANSFER_END_CANCELLED_FOCUS);
		m = at(open[i].state);
		s = feed(&m, ev(TRANSFER_EVENT_PREEMPTED));
		tap_assert_int_eq(s.end, TRANSFER_END_CANCELLED_TRUSTED);
		tap_assert_int_eq(m.state, TRANSFER_IDLE);
		m = at(open[i].state);
		s = feed(&m, ev(TRANSFER_EVENT_NO_SCREEN));
		tap_assert_int_eq(s.end, TRANSFER_END_CANCELLED_NO_SCREEN);
		tap_assert_int_eq(m.state, TRANSFER_IDLE);
		m = at(open[i].state);
		s = feed(&m, ev(TRANSFER_EVENT_TIMEOUT));
		tap_assert_int_eq(s.end, open[i].timeout);
		tap_assert_int_eq(m.state, TRANSFER_IDLE);
		checked++;
	}
	tap_assert_int_eq(checked, 4);
}

static void
failures_end_the_request(void)
{
	struct transfer_machine m = at(TRANSFER_READING);
	struct transfer_step s = feed(&m, ev(TRANSFER_EVENT_READ_FAILED));
	tap_assert_int_eq(s.end, TRANSFER_END_READ_FAILED);
	m = at(TRANSFER_SANITISING);
	s = feed(&m, ev(TRANSFER_EVENT_GUARD_REFUSED));
	tap_assert_int_eq(s.end, TRANSFER_END_GUARD_REFUSED);
	m = at(TRANSFER_SANITISING);
	s = feed(&m, ev(TRANSFER_EVENT_GUARD_DOWN));
	tap_assert_int_eq(s.end, TRANSFER_END_GUARD_DOWN);
	enum guard_decision decision;
	tap_assert(transfer_end_decision(TRANSFER_END_READ_FAILED, &decision));
	tap_assert_int_eq(decision, GUARD_DECISION_REFUSED);
	tap_assert(transfer_end_decision(TRANSFER_END_SOURCE_TIMEOUT, &decision));
	tap_assert_int_eq(decision, GUARD_DECISION_TIMEOUT);
	tap_assert(transfer_end_decision(TRANSFER_END_CANCELLED_CLICK, &decision));
	tap_assert_int_eq(decision, GUARD_DECISION_CANCELLED);
	tap_assert(transfer_end_decision(TRANSFER_END_CANCELLED_NO_SCREEN, &decision));
	tap_assert_int_eq(decision, GUARD_DECISION_CANCELLED);
}

/* Over every state and every event: only Return (or Enter) in CONFIRMING
 * transfers, and late answers (a snapshot or a guard's reply after the
 * request ended) change nothing. */
static void
nothing_transfers_without_return_in_confirming(void)
{
	static const struct transfer_event events[] = {
		{ .type = TRANSFER_EVENT_BEGIN, .has_destination = true, .candidates = 1 },
		{ .type = TRANSFER_EVENT_BEGIN, .has_destination = true, .candidates = 2 },
		{ .type = TRANSFER_EVENT_KEY, .sym = XKB_KEY_Return, .settled = true },
		{ .type = TRANSFER_EVENT_KEY, .sym = XKB_KEY_KP_Enter, .settled = true },
		{ .type = TRANSFER_EVENT_KEY, .sym = XKB_KEY_1, .settled = true },
		{ .type = TRANSFER_EVENT_KEY, .sym = XKB_KEY_a, .settled = true },
		{ .type = TRANSFER_EVENT_KEY, .sym = XKB_KEY_Escape, .settled = true },
		{ .type = TRANSFER_EVENT_KEY, .sym = XKB_KEY_Return },
		{ .type = TRANSFER_EVENT_KEY, .sym = XKB_KEY_KP_Enter },
		{ .type = TRANSFER_EVENT_KEY, .sym = XKB_KEY_1 },
		{ .type = TRANSFER_EVENT_CLICK },
		{ .type = TRANSFER_EVENT_FOCUS_LOST },
		{ .type = TRANSFER_EVENT_PREEMPTED },
		{ .type = TRANSFER_EVENT_NO_SCREEN },
		{ .type = TRANSFER_EVENT_READ_DONE },
		{ .type = TRANSFER_EVENT_READ_FAILED },
		{ .type = TRANSFER_EVENT_TIMEOUT },
		{ .type = TRANSFER_EVENT_GUARD_OK },
		{ .type = TRANSFER_EVENT_GUARD_REFUSED },
		{ .type = TRANSFER_EVENT_GUARD_DOWN },
	};
	static const enum transfer_state states[] = { TRANSFER_IDLE, TRANSFER_CHOOSING,
		TRANSFER_READING, TRANSFER_SANITISING, TRANSFER_CONFIRMING };
	int transfers = 0, pairs = 0;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); e++) {
			struct transfer_machine m = at(states[i]);
			struct transfer_step s = transfer_machine_step(&m, &events[e]);
			pairs++;
			if (s.end == TRANSFER_END_TRANSFERRED) {
				transfers++;
				tap_assert_msg(states[i] == TRANSFER_CONFIRMING &&
								events[e].type ==
										TRANSFER_EVENT_KEY,
						"a transfer from state %s on event %zu",
						transfer_state_name(states[i]), e);
			}
			if (states[i] == TRANSFER_IDLE && events[e].type != TRANSFER_EVENT_BEGIN) {
				tap_assert_msg(s.state == TRANSFER_IDLE &&
								s.end == TRANSFER_END_NONE &&
								!s.take_seat,
						"idle reacted to event %zu", e);
			}
			if (s.take_seat) {
				tap_assert(states[i] == TRANSFER_IDLE);
			}
		}
	}
	tap_assert_int_eq(pairs, 100);
	tap_assert_int_eq(transfers, 2); /* Return and KP_Enter, settled, in CONFIRMING */
}

/* Return, Enter or a digit typed ahead (before the dialog settled) answer
 * nothing: the dialog stays, its timer runs on; the same key once settled
 * answers. Escape cancels at once. */
static void
answers_typed_ahead_are_ignored(void)
{
	struct transfer_machine m = { 0 };
	feed(&m, begin(2));
	struct transfer_step s = feed(&m, early_key(XKB_KEY_1));
	tap_assert_int_eq(s.state, TRANSFER_CHOOSING);
	tap_assert_int_eq(s.start_reading, -1);
	tap_assert_int_eq(s.timer, TRANSFER_TIMER_KEEP);
	s = feed(&m, key(XKB_KEY_1));
	tap_assert_int_eq(s.state, TRANSFER_READING);
	tap_assert_int_eq(s.start_reading, 0);
	feed(&m, ev(TRANSFER_EVENT_READ_DONE));
	s = feed(&m, ev(TRANSFER_EVENT_GUARD_OK));
	tap_assert_int_eq(s.state, TRANSFER_CONFIRMING);
	for (int i = 0; i < 2; i++) {
		s = feed(&m, early_key(i == 0 ? XKB_KEY_Return : XKB_KEY_KP_Enter));
		tap_assert_int_eq(s.state, TRANSFER_CONFIRMING);
		tap_assert_int_eq(s.end, TRANSFER_END_NONE);
		tap_assert_int_eq(s.timer, TRANSFER_TIMER_KEEP);
	}
	s = feed(&m, key(XKB_KEY_Return));
	tap_assert_int_eq(s.end, TRANSFER_END_TRANSFERRED);

	m = (struct transfer_machine){ 0 };
	feed(&m, begin(1));
	feed(&m, ev(TRANSFER_EVENT_READ_DONE));
	feed(&m, ev(TRANSFER_EVENT_GUARD_OK));
	s = feed(&m, early_key(XKB_KEY_Escape));
	tap_assert_int_eq(s.state, TRANSFER_IDLE);
	tap_assert_int_eq(s.end, TRANSFER_END_CANCELLED_KEY);
}

TAP_TESTS(TAP_CASE(one_source_confirmed), TAP_CASE(chooser_takes_digits_in_range_only),
		TAP_CASE(nothing_to_do_ends_at_once_unlogged),
		TAP_CASE(every_open_state_ends_on_escape_click_focus_and_timeout),
		TAP_CASE(failures_end_the_request),
		TAP_CASE(nothing_transfers_without_return_in_confirming),
		TAP_CASE(answers_typed_ahead_are_ignored))
