/*
 * catalog_file.h - the snapshot file's layout, shared by its reader
 * (catalog.c) and its writer (catalog_build.c) only.
 *
 *   struct catalog_head                       at 0
 *   struct catalog_rec   rec[count]           at rec_off, list order
 *   uint32_t             by_id[count]         at by_id_off: positions
 *                                             sorted by id
 *   text                                      at text_off: ids, names,
 *                                             light needs, locations
 *                                             ("\nloc\n...\n"), JSON
 *   search                                    at search_off: per plant,
 *                                             in list order, folded
 *                                             "name\nscientific\ntext\n"
 *   rooms                                     at rooms_off: the room
 *                                             dictionary, "room\n" each,
 *                                             bit 0 first
 *
 * The room dictionary holds the CATALOG_ROOMS locations most plants
 * list; a record's rooms has bit k set when its locations hold room k,
 * and CATALOG_ROOM_OTHER when they hold one outside the dictionary.  A
 * location filter thus reads the 64-byte record alone, unless it names
 * a room outside the dictionary (then the location text of the records
 * with CATALOG_ROOM_OTHER is read).
 *
 * Numbers are in the host's byte order: a snapshot never leaves its host.
 */
#ifndef GROWVRD_CATALOG_FILE_H
#define GROWVRD_CATALOG_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "store/recommend.h"

#define CATALOG_MAGIC "GVRDCAT\n"

#define CATALOG_ROOMS      15
#define CATALOG_ROOM_OTHER ((uint16_t)1 << CATALOG_ROOMS)

struct catalog_head {
	char     magic[8];
	uint32_t format;
	uint32_t count;
	uint64_t size;          /* of the whole file */
	uint64_t id;
	int64_t  built_ms;
	int64_t  watermark_ms;
	int64_t  table_ms;
	uint64_t rec_off;
	uint64_t by_id_off;
	uint64_t text_off, text_len;
	uint64_t search_off, search_len;
	uint64_t rooms_off, rooms_len;
};

struct catalog_rec {
	uint32_t id_off, name_off, light_off, loc_off, json_off;
	uint32_t json_len;
	uint16_t id_len, name_len, light_len, loc_len;
	uint32_t search_off, search_len;
	int64_t  version;
	int64_t  changed_at;
	struct rec_facts facts;
	uint16_t rooms;         /* bits of the room dictionary */
};

/* A record is one cache line: a whole-catalog walk reads only these. */
_Static_assert(sizeof(struct catalog_rec) == 64, "a catalog record is 64 bytes");

#endif
