// SPDX-License-Identifier: MIT
/*
 * The object map: what each id is, in both id ranges, with the same rules as
 * libwayland's wl_map so that the proxy refuses exactly what would desync or
 * confuse the compositor (gaps, ids in use), and keeps destroyed objects
 * known until the compositor confirms the deletion.
 */
#include <stdlib.h>
#include <string.h>
#include "proxy.h"

static bool range_grow(struct obj_range *range, uint32_t need);

bool
obj_map_init(struct obj_map *map)
{
	*map = (struct obj_map){ 0 };
	/* Id 0 is never an object: libwayland reserves its slot on both ends,
	 * so the first client object is 1. */
	if (!range_grow(&map->client, 1)) {
		return false;
	}
	map->client.entries[0].state = OBJ_LIVE;
	map->client.count = 1;
	return true;
}

void
obj_map_finish(struct obj_map *map)
{
	free(map->client.entries);
	free(map->server.entries);
	*map = (struct obj_map){ 0 };
}

static struct obj_range *
range_of(struct obj_map *map, uint32_t id, uint32_t *slot)
{
	if (id >= WIRE_SERVER_ID_START) {
		*slot = id - WIRE_SERVER_ID_START;
		return &map->server;
	}
	*slot = id;
	return &map->client;
}

struct obj_entry *
obj_map_get(struct obj_map *map, uint32_t id)
{
	uint32_t slot;
	struct obj_range *range = range_of(map, id, &slot);
	if (id == 0 || slot >= range->count || range->entries[slot].state == OBJ_FREE) {
		return NULL;
	}
	return &range->entries[slot];
}

static bool
range_grow(struct obj_range *range, uint32_t need)
{
	if (need <= range->capacity) {
		return true;
	}
	uint32_t capacity = range->capacity ? range->capacity : 64;
	while (capacity < need) {
		capacity *= 2;
	}
	struct obj_entry *entries = realloc(range->entries, capacity * sizeof(*entries));
	if (!entries) {
		return false;
	}
	memset(entries + range->capacity, 0, (capacity - range->capacity) * sizeof(*entries));
	range->entries = entries;
	range->capacity = capacity;
	return true;
}

bool
obj_map_insert(struct obj_map *map, uint32_t id, const struct wire_interface *iface,
		uint32_t version, uint32_t max_objects)
{
	uint32_t slot;
	struct obj_range *range = range_of(map, id, &slot);
	if (id == 0 || slot > range->count) {
		return false; /* a gap */
	}
	bool is_server = id >= WIRE_SERVER_ID_START;
	if (slot < range->count) {
		uint8_t state = range->entries[slot].state;
		/* A client id is free again only after delete_id; a server id may be
		 * reused by the compositor once the client destroyed it. */
		if (state == OBJ_LIVE || (state == OBJ_ZOMBIE && !is_server)) {
			return false;
		}
		if (state == OBJ_FREE && map->live >= max_objects) {
			return false;
		}
	} else {
		if (map->live >= max_objects || !range_grow(range, slot + 1)) {
			return false;
		}
		range->count++;
	}
	struct obj_entry *entry = &range->entries[slot];
	if (entry->state == OBJ_FREE) {
		map->live++;
	}
	*entry = (struct obj_entry){ .iface = iface, .version = version, .state = OBJ_LIVE };
	return true;
}

void
obj_map_zombie(struct obj_map *map, uint32_t id)
{
	struct obj_entry *entry = obj_map_get(map, id);
	if (entry) {
		entry->state = OBJ_ZOMBIE;
	}
}

void
obj_map_free(struct obj_map *map, uint32_t id)
{
	struct obj_entry *entry = obj_map_get(map, id);
	if (entry) {
		*entry = (struct obj_entry){ 0 };
		map->live--;
	}
}
