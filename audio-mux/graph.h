/* SPDX-License-Identifier: MIT */
#ifndef AUDIO_MUX_GRAPH_H
#define AUDIO_MUX_GRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <spa/utils/dict.h>
#include <spa/utils/hook.h>
#include <spa/utils/list.h>

/*
 * What a PipeWire graph holds (nodes and ports, from the registry) and the
 * links we keep in it: the small session-manager core shared by
 * strata-audio-mux (in the core PipeWire) and strata-audio-level (in a
 * cage's PipeWire). Links are computed from scratch whenever the graph
 * changes: graph_links_begin(), graph_want_link() for each link that should
 * exist, graph_links_end() removes the others. A link is created once; if
 * the server refuses it, it is not retried until one of its ports goes.
 */

struct pw_core;
struct pw_loop;
struct pw_registry;

struct graph_node {
	struct spa_list link; /* struct graph.nodes */
	uint32_t id;
	char name[128];
	char media_class[64];
};

struct graph_port {
	struct spa_list link; /* struct graph.ports */
	uint32_t id, node_id;
	bool output, monitor;
	char channel[16]; /* audio.channel: FL, FR, MONO... */
};

#define GRAPH_VERSION_EVENTS 0
struct graph_events {
	uint32_t version; /* GRAPH_VERSION_EVENTS */
	/* Something changed; called from the main loop after the registry
	 * events of one batch (coalesced), never from inside them. */
	void (*changed)(void *data);
	/* Globals other than nodes and ports (metadata...). May be NULL. */
	void (*global)(void *data, uint32_t id, const char *type, const struct spa_dict *props);
	/* Any global removed, after the graph forgot it. May be NULL. */
	void (*global_remove)(void *data, uint32_t id);
};

struct graph {
	struct pw_loop *loop;
	struct pw_core *core;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	struct spa_source *changed_event;
	const struct graph_events *events;
	void *data;
	struct spa_list nodes; /* struct graph_node */
	struct spa_list ports; /* struct graph_port */
	struct spa_list links; /* struct graph_link (graph.c) */
};

/* 0 or a negative errno. */
int graph_init(struct graph *graph, struct pw_loop *loop, struct pw_core *core,
		const struct graph_events *events, void *data);
/* Destroys our links (they go from the server too) and forgets the graph.
 * Safe on a zeroed struct graph. */
void graph_finish(struct graph *graph);
/* Makes changed() fire soon. */
void graph_schedule_update(struct graph *graph);

struct graph_node *graph_find_node(struct graph *graph, uint32_t id);
struct graph_node *graph_find_node_by_name(struct graph *graph, const char *name);
struct graph_port *graph_find_port(struct graph *graph, uint32_t node_id, bool output,
		const char *channel, bool monitor);
/* Does the node have ports in that direction (and monitor flag)? */
bool graph_node_has_ports(struct graph *graph, uint32_t node_id, bool output, bool monitor);

void graph_links_begin(struct graph *graph);
/* Links of ours that the server created and that still exist. */
int graph_links_bound(struct graph *graph);
void graph_want_link(struct graph *graph, const struct graph_port *out,
		const struct graph_port *in);
void graph_links_end(struct graph *graph);

/*
 * Wants links from the (monitor or not) output ports of from_node to the
 * input ports of to_node, channel by channel. A MONO output goes to every
 * input; when to_node has a single input port, every output goes there.
 */
void graph_want_channel_links(struct graph *graph, uint32_t from_node, bool from_monitor,
		uint32_t to_node);

#endif
