/*
 * plants.h - the plant catalog: schema, TSV/JSON conversion, reads.
 *
 * A plant is a plain JSON object with the 40 columns of the seed catalog,
 * typed (numbers as numbers, TRUE/FALSE as booleans, comma lists as
 * arrays, JSON columns as objects), plus an integer "version".  The one
 * field table here validates plants from every source: the seed TSV, a
 * JSON import file and the admin API.
 *
 * Lists, searches and recommendations read the host's catalog snapshot
 * (store/catalog.h), not this module; single reads and writes go to
 * DynamoDB here.
 *
 * Ownership: every tree returned lives in the caller's arena.
 */
#ifndef GROWVRD_PLANTS_H
#define GROWVRD_PLANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct ddb;
struct jx_field;

struct plant_filter {
	const char *q;              /* NULL = any */
	const char *light;          /* natural_sunlight_needs equals */
	const char *location;       /* one of compatible_locations */
	int64_t     difficulty_max; /* 0 = any */
	bool        pet_safe;       /* keep toxic_to_pets == false */
};

/* plants_schema - the field table of a plant (without "version"). */
const struct jx_field *plants_schema(size_t *n);

/* plants_valid_id - 1..64 bytes of [A-Za-z0-9_-]. */
bool plants_valid_id(const char *s, size_t n);

/*
 * plants_from_columns - build a typed plant from TSV columns names[i] =
 * values[i] (i < n).  Returns ERR_OK, or ERR_INVALID with *why and
 * *field naming the bad column.
 */
enum err plants_from_columns(struct arena *a, const char *const *names,
    const char *const *values, size_t n, struct json_object **plant,
    const char **why, const char **field);

/*
 * plants_validate - check a plant object against the schema (unknown
 * members refused; "version" allowed).
 */
bool plants_validate(struct json_object *plant, const char **why,
    const char **field);

/* plants_get - *plant = the plant with id, or NULL when there is none. */
enum err plants_get(struct ddb *d, struct arena *a, const char *table,
    const char *id, struct json_object **plant);

/*
 * plants_create - create the plant (version 1, or the version after a
 * tombstone's) unless a live plant has its id: ERR_EXISTS then.  *stored
 * = the stored item (store/catalog_build.h takes it; plants_canonical
 * makes the API's plant of it).
 */
enum err plants_create(struct ddb *d, struct arena *a, const char *table,
    struct json_object *plant, int64_t now_ms, struct json_object **stored);

/*
 * plants_replace - replace every field of the plant with id in one
 * UpdateItem that also increments its version; with expected > 0 only if
 * the stored version is expected.  ERR_NOT_FOUND when there is no such
 * plant, ERR_PRECONDITION when it is stale.  *stored as plants_create.
 */
enum err plants_replace(struct ddb *d, struct arena *a, const char *table,
    const char *id, struct json_object *plant, int64_t expected,
    int64_t now_ms, struct json_object **stored);

/*
 * plants_delete - turn the plant with id into a tombstone, with
 * expected > 0 only at that version.  ERR_NOT_FOUND / ERR_PRECONDITION
 * as plants_replace; *stored = the tombstone.
 */
enum err plants_delete(struct ddb *d, struct arena *a, const char *table,
    const char *id, int64_t expected, int64_t now_ms,
    struct json_object **stored);

/*
 * The stored item of a plant carries, beside the schema's fields and
 * "version", what the workers' catalog snapshot follows changes by
 * (store/catalog.h): "catalog" = PLANTS_CATALOG_KEY (the partition key of
 * the index PLANTS_CHANGES_INDEX) and "changed_at" (milliseconds since
 * the epoch of the write).  A deleted plant stays as a tombstone for
 * PLANTS_TOMBSTONE_DAYS: "deleted": true and "expires_at" (epoch seconds,
 * the table's TTL attribute), with its version and changed_at moved on;
 * every reader treats a tombstone as no plant at all, and a create over
 * one continues its version.
 */
#define PLANTS_CATALOG_KEY    "plants"
#define PLANTS_CHANGES_INDEX  "catalog-changes"
#define PLANTS_TOMBSTONE_DAYS 30

/*
 * plants_canonical - the plant of a stored item as the API shows it: the
 * schema's members in schema order, "version" last, nothing else.
 */
struct json_object *plants_canonical(struct arena *a, struct json_object *item);

/* plants_stamp - set item's "catalog" and "changed_at" (now_ms). */
void plants_stamp(struct json_object *item, int64_t now_ms);

/* plants_is_tombstone - item is a deleted plant's tombstone. */
bool plants_is_tombstone(struct json_object *item);

/* plants_matches - does plant pass filter f?  (Exposed for tests.) */
bool plants_matches(struct json_object *plant, const struct plant_filter *f);

#endif
