/*
 * user_plants.h - "my plants": the plants a person keeps, stored inside
 * their Users item as the map attribute "plants" {plant_id: entry}, an
 * entry being {plant_id, nickname?, location?, acquired?, last_watered?,
 * added_at}.  Every change is one conditional UpdateItem on that item
 * ("SET plants.#pid = :entry" with the plant id as an expression
 * attribute name, never spliced into the expression) that also bumps the
 * item's version and updated_at.  A person keeps at most
 * USER_PLANTS_MAX plants.
 *
 * Answers use the public entry shape {plant_id, nickname, location,
 * acquired, last_watered, next_watering, added_at} (absent members null);
 * next_watering is last_watered (else added_at) plus the catalog plant's
 * water_frequency_days, an RFC 3339 UTC time, or null when the plant has
 * left the catalog.
 *
 * Ownership: every tree returned lives in the caller's arena; trees
 * passed in are borrowed.
 */
#ifndef GROWVRD_USER_PLANTS_H
#define GROWVRD_USER_PLANTS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/err.h"
#include "store/users.h"

struct arena;
struct ddb;

#define USER_PLANTS_MAX   200   /* plants per person */
#define USER_PLANTS_SKEW  300   /* seconds a client clock may run ahead */

/*
 * user_plants_check_entry - validate the body of a PUT for plant_id:
 * nickname (1..100 bytes), location (1..64 bytes), acquired (a date),
 * last_watered (RFC 3339 UTC, not after now + USER_PLANTS_SKEW), each
 * optional and null meaning absent; plant_id only if equal to the path's.
 * Returns true, or false with a static *why and *field.
 */
bool user_plants_check_entry(struct json_object *body, const char *plant_id,
    int64_t now, const char **why, const char **field);

/*
 * user_plants_put - create or replace the entry plant_id of the person
 * (email, sub; their Users item is created first if missing) from a body
 * that passed user_plants_check_entry.  added_at is now for a new entry
 * and kept on replace (the write is conditional on the added_at it read,
 * retried a few times).  *entry = the stored entry in the public shape
 * (next_watering null).  ERR_CONFLICT at USER_PLANTS_MAX plants or when
 * concurrent writes keep winning.
 */
enum err user_plants_put(struct ddb *d, struct arena *a, const char *table,
    const char *email, const char *sub, const char *plant_id,
    struct json_object *body, int64_t now, struct json_object **entry);

/*
 * user_plants_water - set last_watered of entry plant_id to now.
 * *entry as for user_plants_put; ERR_NOT_FOUND when the person has no
 * such entry (or no Users item).
 */
enum err user_plants_water(struct ddb *d, struct arena *a, const char *table,
    const char *email, const char *plant_id, int64_t now,
    struct json_object **entry);

/* user_plants_delete - remove entry plant_id; ERR_NOT_FOUND if absent. */
enum err user_plants_delete(struct ddb *d, struct arena *a,
    const char *table, const char *email, const char *plant_id,
    int64_t now);

/*
 * user_plants_page - one page of the entries of a Users item (item may
 * be NULL: no entries), sorted by plant_id, starting after the id after
 * (NULL: from the first), at most limit.  *items = array of public
 * entries (next_watering null); *next_key = {"plant_id": last} when more
 * follow, else NULL.
 */
enum err user_plants_page(struct arena *a, struct json_object *item,
    const char *after, int limit, struct json_object **items,
    struct json_object **next_key);

/*
 * user_plants_next_watering - (last_watered, else added_at) + days days
 * into out as RFC 3339 UTC.  False (out "") when neither time is valid
 * or days is outside 0..3650.
 */
bool user_plants_next_watering(const char *last_watered,
    const char *added_at, int64_t days, char out[USERS_TIME_LEN]);

/*
 * user_plants_set_next - set next_watering of a public entry from the
 * catalog plant (NULL, or without a usable water_frequency_days: null).
 */
void user_plants_set_next(struct json_object *entry,
    struct json_object *plant);

/*
 * user_plants_annotate - set next_watering on every public entry of
 * items, reading the catalog plants they name from plants_table with
 * one batch read.
 */
enum err user_plants_annotate(struct ddb *d, struct arena *a,
    const char *plants_table, struct json_object *items);

#endif
