/* SPDX-License-Identifier: MIT */
#ifndef COMMON_GLOBAL_POLICY_H
#define COMMON_GLOBAL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Which Wayland globals which side may see: the one table that the
 * compositor's global filter and the cage proxy's registry rewriting share.
 * An interface that is not in the table is hidden from every level client
 * (fail closed).
 */

enum strata_global_scope {
	/* Level clients and the core may bind it. */
	STRATA_GLOBAL_LEVEL,
	/* Only clients of the core socket may bind it (privileged). */
	STRATA_GLOBAL_CORE,
};

struct strata_global_rule {
	const char *interface;
	enum strata_global_scope scope;
	/* Highest version a level client is offered (the proxy caps to this). */
	uint32_t max_version;
	const char *why; /* one line, for docs and logs */
};

/* The whole table, for listing and tests. */
const struct strata_global_rule *global_policy_rules(size_t *count);

/* The rule for interface, or NULL when it is not in the table. */
const struct strata_global_rule *global_policy_lookup(const char *interface);

/* May a client see and bind interface? is_core: the client came through the
 * core socket. Level clients: only STRATA_GLOBAL_LEVEL rules. Core clients:
 * every interface in the table. Unknown interfaces: nobody. */
bool global_policy_allows(const char *interface, bool is_core);

#endif
