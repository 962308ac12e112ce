// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/result.h>
#include <spa/utils/string.h>
#include <pipewire/pipewire.h>

#include "graph.h"
#include "mux.h" /* the log topic */

#define PW_LOG_TOPIC_DEFAULT mux_log_topic

struct graph_link {
	struct spa_list link; /* struct graph.links */
	struct graph *graph;
	uint32_t out_port, in_port;
	struct pw_proxy *proxy; /* NULL once it failed or went away */
	struct spa_hook proxy_listener;
	bool wanted; /* scratch between graph_links_begin() and _end() */
	bool failed;
	bool bound; /* the server created it */
};

void
graph_schedule_update(struct graph *graph)
{
	if (graph->changed_event) {
		pw_loop_signal_event(graph->loop, graph->changed_event);
	}
}

static void
changed_event_fired(void *data, uint64_t count)
{
	struct graph *graph = data;
	if (graph->events->changed) {
		graph->events->changed(graph->data);
	}
}

struct graph_node *
graph_find_node(struct graph *graph, uint32_t id)
{
	struct graph_node *n;
	spa_list_for_each(n, &graph->nodes, link) {
		if (n->id == id) {
			return n;
		}
	}
	return NULL;
}

struct graph_node *
graph_find_node_by_name(struct graph *graph, const char *name)
{
	struct graph_node *n;
	spa_list_for_each(n, &graph->nodes, link) {
		if (strcmp(n->name, name) == 0) {
			return n;
		}
	}
	return NULL;
}

struct graph_port *
graph_find_port(struct graph *graph, uint32_t node_id, bool output, const char *channel,
		bool monitor)
{
	struct graph_port *p;
	spa_list_for_each(p, &graph->ports, link) {
		if (p->node_id == node_id && p->output == output && p->monitor == monitor &&
				strcmp(p->channel, channel) == 0) {
			return p;
		}
	}
	return NULL;
}

bool
graph_node_has_ports(struct graph *graph, uint32_t node_id, bool output, bool monitor)
{
	struct graph_port *p;
	spa_list_for_each(p, &graph->ports, link) {
		if (p->node_id == node_id && p->output == output && p->monitor == monitor) {
			return true;
		}
	}
	return false;
}

/* ---- links -------------------------------------------------------------- */

static void
link_proxy_bound(void *data, uint32_t global_id)
{
	struct graph_link *l = data;
	l->bound = true;
	graph_schedule_update(l->graph);
}

static void
link_proxy_removed(void *data)
{
	struct graph_link *l = data;
	l->failed = true;
	graph_schedule_update(l->graph);
}

static void
link_proxy_error(void *data, int seq, int res, const char *message)
{
	struct graph_link *l = data;
	pw_log_warn("link %u -> %u failed: %s (%s)", l->out_port, l->in_port, message,
			spa_strerror(res));
	l->failed = true;
	graph_schedule_update(l->graph);
}

static const struct pw_proxy_events link_proxy_events = {
	PW_VERSION_PROXY_EVENTS,
	.bound = link_proxy_bound,
	.removed = link_proxy_removed,
	.error = link_proxy_error,
};

static void
link_drop_proxy(struct graph_link *l)
{
	if (l->proxy) {
		spa_hook_remove(&l->proxy_listener);
		pw_proxy_destroy(l->proxy);
		l->proxy = NULL;
	}
}

static void
link_destroy(struct graph_link *l)
{
	link_drop_proxy(l);
	spa_list_remove(&l->link);
	free(l);
}

int
graph_links_bound(struct graph *graph)
{
	int n = 0;
	struct graph_link *l;
	spa_list_for_each(l, &graph->links, link) {
		n += l->bound && !l->failed;
	}
	return n;
}

void
graph_links_begin(struct graph *graph)
{
	struct graph_link *l;
	spa_list_for_each(l, &graph->links, link) {
		l->wanted = false;
	}
}

void
graph_want_link(struct graph *graph, const struct graph_port *out, const struct graph_port *in)
{
	struct graph_link *l;
	spa_list_for_each(l, &graph->links, link) {
		if (l->out_port == out->id && l->in_port == in->id) {
			l->wanted = true;
			return;
		}
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		return;
	}
	l->graph = graph;
	l->out_port = out->id;
	l->in_port = in->id;
	l->wanted = true;
	spa_list_append(&graph->links, &l->link);

	struct pw_properties *props = pw_properties_new(PW_KEY_OBJECT_LINGER, "false", NULL);
	if (!props) {
		l->failed = true;
		return;
	}
	pw_properties_setf(props, PW_KEY_LINK_OUTPUT_NODE, "%u", out->node_id);
	pw_properties_setf(props, PW_KEY_LINK_OUTPUT_PORT, "%u", out->id);
	pw_properties_setf(props, PW_KEY_LINK_INPUT_NODE, "%u", in->node_id);
	pw_properties_setf(props, PW_KEY_LINK_INPUT_PORT, "%u", in->id);
	l->proxy = pw_core_create_object(graph->core, "link-factory", PW_TYPE_INTERFACE_Link,
			PW_VERSION_LINK, &props->dict, 0);
	pw_properties_free(props);
	if (!l->proxy) {
		pw_log_warn("cannot create link %u -> %u: %m", out->id, in->id);
		l->failed = true;
		return;
	}
	pw_proxy_add_listener(l->proxy, &l->proxy_listener, &link_proxy_events, l);
	pw_log_debug("link port %u (node %u %s) -> port %u (node %u %s)", out->id, out->node_id,
			out->channel, in->id, in->node_id, in->channel);
}

void
graph_links_end(struct graph *graph)
{
	struct graph_link *l, *tmp;
	spa_list_for_each_safe(l, tmp, &graph->links, link) {
		if (!l->wanted) {
			link_destroy(l);
		} else if (l->failed) {
			/* keep the record (no retry until a port goes), drop the
			 * dead proxy */
			link_drop_proxy(l);
		}
	}
}

void
graph_want_channel_links(struct graph *graph, uint32_t from_node, bool from_monitor,
		uint32_t to_node)
{
	struct graph_port *p, *q, *lone = NULL;
	int inputs = 0;
	spa_list_for_each(p, &graph->ports, link) {
		if (p->node_id == to_node && !p->output) {
			inputs++;
			lone = p;
		}
	}
	spa_list_for_each(p, &graph->ports, link) {
		if (p->node_id != from_node || !p->output || p->monitor != from_monitor) {
			continue;
		}
		if (inputs == 1) {
			graph_want_link(graph, p, lone);
		} else if (strcmp(p->channel, "MONO") == 0) {
			spa_list_for_each(q, &graph->ports, link) {
				if (q->node_id == to_node && !q->output) {
					graph_want_link(graph, p, q);
				}
			}
		} else if ((q = graph_find_port(graph, to_node, false, p->channel, false))) {
			graph_want_link(graph, p, q);
		}
	}
}

/* ---- registry ----------------------------------------------------------- */

static void
registry_global(void *data, uint32_t id, uint32_t permissions, const char *type, uint32_t version,
		const struct spa_dict *props)
{
	struct graph *graph = data;
	if (!props) {
		return;
	}
	if (strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
		struct graph_node *n = calloc(1, sizeof(*n));
		if (!n) {
			return;
		}
		n->id = id;
		const char *s = spa_dict_lookup(props, PW_KEY_NODE_NAME);
		snprintf(n->name, sizeof(n->name), "%s", s ? s : "");
		s = spa_dict_lookup(props, PW_KEY_MEDIA_CLASS);
		snprintf(n->media_class, sizeof(n->media_class), "%s", s ? s : "");
		spa_list_append(&graph->nodes, &n->link);
	} else if (strcmp(type, PW_TYPE_INTERFACE_Port) == 0) {
		const char *node = spa_dict_lookup(props, PW_KEY_NODE_ID);
		const char *dir = spa_dict_lookup(props, PW_KEY_PORT_DIRECTION);
		if (!node || !dir) {
			return;
		}
		struct graph_port *p = calloc(1, sizeof(*p));
		if (!p) {
			return;
		}
		p->id = id;
		p->node_id = (uint32_t)strtoul(node, NULL, 10);
		p->output = strcmp(dir, "out") == 0;
		const char *s = spa_dict_lookup(props, PW_KEY_PORT_MONITOR);
		p->monitor = s && spa_atob(s);
		s = spa_dict_lookup(props, PW_KEY_AUDIO_CHANNEL);
		snprintf(p->channel, sizeof(p->channel), "%s", s ? s : "");
		spa_list_append(&graph->ports, &p->link);
	} else if (graph->events->global) {
		graph->events->global(graph->data, id, type, props);
		return;
	} else {
		return;
	}
	graph_schedule_update(graph);
}

static void
registry_global_remove(void *data, uint32_t id)
{
	struct graph *graph = data;
	struct graph_node *n = graph_find_node(graph, id);
	if (n) {
		spa_list_remove(&n->link);
		free(n);
	}
	struct graph_port *p, *ptmp;
	spa_list_for_each_safe(p, ptmp, &graph->ports, link) {
		if (p->id == id) {
			spa_list_remove(&p->link);
			free(p);
		}
	}
	struct graph_link *l, *ltmp;
	spa_list_for_each_safe(l, ltmp, &graph->links, link) {
		if (l->out_port == id || l->in_port == id) {
			link_destroy(l);
		}
	}
	if (graph->events->global_remove) {
		graph->events->global_remove(graph->data, id);
	}
	graph_schedule_update(graph);
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = registry_global,
	.global_remove = registry_global_remove,
};

int
graph_init(struct graph *graph, struct pw_loop *loop, struct pw_core *core,
		const struct graph_events *events, void *data)
{
	memset(graph, 0, sizeof(*graph));
	graph->loop = loop;
	graph->core = core;
	graph->events = events;
	graph->data = data;
	spa_list_init(&graph->nodes);
	spa_list_init(&graph->ports);
	spa_list_init(&graph->links);
	graph->changed_event = pw_loop_add_event(loop, changed_event_fired, graph);
	if (!graph->changed_event) {
		return -errno;
	}
	graph->registry = pw_core_get_registry(core, PW_VERSION_REGISTRY, 0);
	if (!graph->registry) {
		return -errno;
	}
	pw_registry_add_listener(graph->registry, &graph->registry_listener, &registry_events,
			graph);
	return 0;
}

void
graph_finish(struct graph *graph)
{
	if (!graph->loop) {
		return;
	}
	if (graph->links.next) {
		struct graph_link *l, *ltmp;
		spa_list_for_each_safe(l, ltmp, &graph->links, link) {
			link_destroy(l);
		}
		struct graph_node *n, *ntmp;
		spa_list_for_each_safe(n, ntmp, &graph->nodes, link) {
			spa_list_remove(&n->link);
			free(n);
		}
		struct graph_port *p, *ptmp;
		spa_list_for_each_safe(p, ptmp, &graph->ports, link) {
			spa_list_remove(&p->link);
			free(p);
		}
	}
	if (graph->registry) {
		spa_hook_remove(&graph->registry_listener);
		pw_proxy_destroy((struct pw_proxy *)graph->registry);
		graph->registry = NULL;
	}
	if (graph->changed_event) {
		pw_loop_destroy_source(graph->loop, graph->changed_event);
		graph->changed_event = NULL;
	}
	graph->loop = NULL;
}
