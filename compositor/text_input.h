/* SPDX-License-Identifier: MIT */
#ifndef STRATA_TEXT_INPUT_H
#define STRATA_TEXT_INPUT_H

#include "server.h"

/*
 * Text input: zwp_text_input_manager_v3 for every client, and the relay to
 * an input method that runs in the core (zwp_input_method_manager_v2, shown
 * to core clients only). None runs by default; an integrator starts one
 * from the core socket (doc/ARCHITECTURE.md).
 *
 * Only the text input of the surface with keyboard focus is ever told to
 * the input method (activate, its surrounding text, content type), and what
 * the input method commits goes to that text input only, checked again at
 * each commit (policy.h, gate_allows_text_input). When keyboard focus moves,
 * the old focus's text inputs get leave (and the input method deactivate)
 * before the new focus gets enter. A modal owner (dialog, X-ray, lock)
 * clears keyboard focus, so no text input is served while one is up.
 *
 * Refused: the input method's keyboard grab (made inert at once: keys go
 * through the input gate only, seat.c) and a second input method (told
 * unavailable). Input-method popup surfaces are never drawn.
 */

struct strata_text_input_relay;

struct strata_text_input_relay *text_input_relay_create(struct strata_server *server);
void text_input_relay_destroy(struct strata_text_input_relay *relay); /* NULL safe */

#endif
