// SPDX-License-Identifier: MIT
#include "transfer_machine.h"

static struct transfer_step
stay(const struct transfer_machine *m)
{
	/* Nothing happens; the timer keeps running. */
	return (struct transfer_step){ .state = m->state,
		.start_reading = -1,
		.timer = TRANSFER_TIMER_KEEP };
}

static struct transfer_step
end(enum transfer_end why)
{
	return (struct transfer_step){
		.state = TRANSFER_IDLE,
		.start_reading = -1,
		.timer = TRANSFER_TIMER_NONE,
		.end = why,
	};
}

static struct transfer_step
start_reading(int index)
{
	return (struct transfer_step){
		.state = TRANSFER_READING,
		.start_reading = index,
		.show_waiting = true,
		.timer = TRANSFER_TIMER_SOURCE,
	};
}

/* What every open state does with the user's change of mind. */
static bool
cancelled(const struct transfer_event *event, struct transfer_step *step)
{
	switch (event->type) {
	case TRANSFER_EVENT_KEY:
		if (event->sym == XKB_KEY_Escape) {
			*step = end(TRANSFER_END_CANCELLED_KEY);
			return true;
		}
		return false;
	case TRANSFER_EVENT_CLICK:
		*step = end(TRANSFER_END_CANCELLED_CLICK);
		return true;
	case TRANSFER_EVENT_FOCUS_LOST:
		*step = end(TRANSFER_END_CANCELLED_FOCUS);
		return true;
	case TRANSFER_EVENT_PREEMPTED:
		*step = end(TRANSFER_END_CANCELLED_TRUSTED);
		return true;
	case TRANSFER_EVENT_NO_SCREEN:
		*step = end(TRANSFER_END_CANCELLED_NO_SCREEN);
		return true;
	default:
		return false;
	}
}

static struct transfer_step
step_idle(const struct transfer_machine *m, const struct transfer_event *event)
{
	if (event->type != TRANSFER_EVENT_BEGIN) {
		return stay(m);
	}
	if (!event->has_destination) {
		return end(TRANSFER_END_NO_DESTINATION);
	}
	if (event->candidates == 0) {
		return end(TRANSFER_END_NOTHING_TO_PASTE);
	}
	if (event->candidates == 1) {
		struct transfer_step step = start_reading(0);
		step.take_seat = true;
		return step;
	}
	return (struct transfer_step){
		.state = TRANSFER_CHOOSING,
		.take_seat = true,
		.show_chooser = true,
		.start_reading = -1,
		.timer = TRANSFER_TIMER_CONFIRM,
	};
}

static struct transfer_step
step_open(const struct transfer_machine *m, const struct transfer_event *event)
{
	struct transfer_step step;
	if (cancelled(event, &step)) {
		return step;
	}
	switch (m->state) {
	case TRANSFER_CHOOSING:
		if (event->type == TRANSFER_EVENT_KEY && event->settled &&
				event->sym >= XKB_KEY_1 && event->sym <= XKB_KEY_9 &&
				(size_t)(event->sym - XKB_KEY_1) < m->candidates) {
			return start_reading((int)(event->sym - XKB_KEY_1));
		}
		if (event->type == TRANSFER_EVENT_TIMEOUT) {
			return end(TRANSFER_END_NOT_CONFIRMED);
		}
		break;
	case TRANSFER_READING:
		if (event->type == TRANSFER_EVENT_READ_DONE) {
			return (struct transfer_step){
				.state = TRANSFER_SANITISING,
				.start_reading = -1,
				.send_to_guard = true,
				.show_waiting = true,
				.timer = TRANSFER_TIMER_GUARD,
			};
		}
		if (event->type == TRANSFER_EVENT_READ_FAILED) {
			return end(TRANSFER_END_READ_FAILED);
		}
		if (event->type == TRANSFER_EVENT_TIMEOUT) {
			return end(TRANSFER_END_SOURCE_TIMEOUT);
		}
		break;
	case TRANSFER_SANITISING:
		if (event->type == TRANSFER_EVENT_GUARD_OK) {
			return (struct transfer_step){
				.state = TRANSFER_CONFIRMING,
				.start_reading = -1,
				.show_confirmation = true,
				.timer = TRANSFER_TIMER_CONFIRM,
			};
		}
		if (event->type == TRANSFER_EVENT_GUARD_REFUSED) {
			return end(TRANSFER_END_GUARD_REFUSED);
		}
		if (event->type == TRANSFER_EVENT_GUARD_DOWN) {
			return end(TRANSFER_END_GUARD_DOWN);
		}
		if (event->type == TRANSFER_EVENT_TIMEOUT) {
			return end(TRANSFER_END_GUARD_TIMEOUT);
		}
		break;
	case TRANSFER_CONFIRMING:
		if (event->type == TRANSFER_EVENT_KEY && event->settled &&
				(event->sym == XKB_KEY_Return || event->sym == XKB_KEY_KP_Enter)) {
			return end(TRANSFER_END_TRANSFERRED);
		}
		if (event->type == TRANSFER_EVENT_TIMEOUT) {
			return end(TRANSFER_END_NOT_CONFIRMED);
		}
		break;
	case TRANSFER_IDLE:
		break;
	}
	return stay(m);
}

struct transfer_step
transfer_machine_step(struct transfer_machine *m, const struct transfer_event *event)
{
	struct transfer_step step =
			m->state == TRANSFER_IDLE ? step_idle(m, event) : step_open(m, event);
	if (m->state == TRANSFER_IDLE && step.state == TRANSFER_CHOOSING) {
		m->candidates = event->candidates;
	}
	if (step.state == TRANSFER_IDLE) {
		m->candidates = 0;
	}
	m->state = step.state;
	return step;
}

bool
transfer_end_decision(enum transfer_end end, enum guard_decision *decision)
{
	switch (end) {
	case TRANSFER_END_TRANSFERRED:
		*decision = GUARD_DECISION_TRANSFERRED;
		return true;
	case TRANSFER_END_CANCELLED_KEY:
	case TRANSFER_END_CANCELLED_CLICK:
	case TRANSFER_END_CANCELLED_FOCUS:
	case TRANSFER_END_CANCELLED_TRUSTED:
	case TRANSFER_END_CANCELLED_NO_SCREEN:
	case TRANSFER_END_NOT_CONFIRMED:
		*decision = GUARD_DECISION_CANCELLED;
		return true;
	case TRANSFER_END_SOURCE_TIMEOUT:
		*decision = GUARD_DECISION_TIMEOUT;
		return true;
	case TRANSFER_END_READ_FAILED:
	case TRANSFER_END_GUARD_REFUSED:
		*decision = GUARD_DECISION_REFUSED;
		return true;
	case TRANSFER_END_NONE:
	case TRANSFER_END_NO_DESTINATION:
	case TRANSFER_END_NOTHING_TO_PASTE:
	case TRANSFER_END_GUARD_DOWN:
	case TRANSFER_END_GUARD_TIMEOUT:
		break;
	}
	return false;
}

const char *
transfer_end_reason(enum transfer_end end)
{
	switch (end) {
	case TRANSFER_END_NONE:
		return "";
	case TRANSFER_END_NO_DESTINATION:
		return "focus a window of the destination level first";
	case TRANSFER_END_NOTHING_TO_PASTE:
		return "no other level has a selection";
	case TRANSFER_END_CANCELLED_KEY:
		return "cancelled by the user";
	case TRANSFER_END_CANCELLED_CLICK:
		return "cancelled (click)";
	case TRANSFER_END_CANCELLED_FOCUS:
		return "cancelled (focus changed)";
	case TRANSFER_END_CANCELLED_TRUSTED:
		return "cancelled (secure attention key or screen lock)";
	case TRANSFER_END_CANCELLED_NO_SCREEN:
		return "cancelled (no screen to show the question on)";
	case TRANSFER_END_NOT_CONFIRMED:
		return "not confirmed in time";
	case TRANSFER_END_SOURCE_TIMEOUT:
		return "the source did not hand over its content in time";
	case TRANSFER_END_READ_FAILED:
		return "the source could not be read";
	case TRANSFER_END_GUARD_REFUSED:
		return "refused by the guard";
	case TRANSFER_END_GUARD_DOWN:
		return "the clipboard guard is down: nothing crosses levels";
	case TRANSFER_END_GUARD_TIMEOUT:
		return "the clipboard guard did not answer: nothing crosses levels";
	case TRANSFER_END_TRANSFERRED:
		return "confirmed by the user";
	}
	return "?";
}

const char *
transfer_state_name(enum transfer_state state)
{
	static const char *const names[] = {
		[TRANSFER_IDLE] = "idle",
		[TRANSFER_CHOOSING] = "choosing",
		[TRANSFER_READING] = "reading",
		[TRANSFER_SANITISING] = "sanitising",
		[TRANSFER_CONFIRMING] = "confirming",
	};
	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
