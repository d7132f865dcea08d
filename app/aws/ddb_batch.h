/*
 * ddb_batch.h - DynamoDB's BatchGetItem over any number of keys.
 *
 * The keys are cut into the calls DynamoDB allows (100 keys a
 * BatchGetItem), sent through ddb_call, and what DynamoDB leaves
 * unprocessed (UnprocessedKeys) is resent with the retry policy's
 * backoff, at most DDB_BATCH_TRIES rounds per call; what is still
 * unprocessed then is ERR_THROTTLED.  Items and keys cross this interface
 * as plain JSON objects, as everywhere in aws/ddb.
 *
 * BatchWriteItem is in aws/ddb_write.h.
 *
 * Ownership: every tree returned is owned by the caller's arena; the
 * arrays passed in are only read.
 */
#ifndef GROWVRD_DDB_BATCH_H
#define GROWVRD_DDB_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct ddb;

#define DDB_BATCH_GET_MAX   100  /* keys per BatchGetItem (DynamoDB's) */
#define DDB_BATCH_TRIES     8    /* rounds per call, unprocessed resent */

/*
 * ddb_batch_get - get keys (a plain array of key objects, any number) from
 * table; *items receives the plain items found, in no particular order.
 * Eventually consistent reads.
 */
enum err ddb_batch_get(struct ddb *d, struct arena *a, const char *table,
    struct json_object *keys, struct json_object **items);

/* ddb_batch_get_ex - ddb_batch_get, with strongly consistent reads when
 * consistent is true. */
enum err ddb_batch_get_ex(struct ddb *d, struct arena *a, const char *table,
    struct json_object *keys, bool consistent, struct json_object **items);

/*
 * ddb_unprocessed_of - the unprocessed part v of a batch answer
 * (UnprocessedKeys' Keys, UnprocessedItems' list): *un is NULL when
 * there is none (v NULL or empty); false when v is not an array.
 */
bool ddb_unprocessed_of(struct json_object *v, struct json_object **un);

#endif
