/*
 * ddb_batch.h - DynamoDB's batch operations: BatchGetItem and
 * BatchWriteItem over any number of items.
 *
 * Both cut the work into the calls DynamoDB allows (100 keys a
 * BatchGetItem, 25 requests a BatchWriteItem), send them through ddb_call
 * and resend what DynamoDB leaves unprocessed (UnprocessedKeys,
 * UnprocessedItems) with the retry policy's backoff, at most
 * DDB_BATCH_TRIES rounds per call; what is still unprocessed then is
 * ERR_THROTTLED.  Batch writes carry no condition: each put replaces the
 * item with its key, each delete removes it.  Items and keys cross this
 * interface as plain JSON objects, as everywhere in aws/ddb.
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
#define DDB_BATCH_WRITE_MAX 25   /* requests per BatchWriteItem */
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
 * ddb_batch_write - put every item of puts (a plain array, or NULL) and
 * delete every key of deletes (a plain array of key objects, or NULL)
 * in table, DDB_BATCH_WRITE_MAX requests per call.  A call must not name
 * one key twice (DynamoDB refuses it: ERR_INTERNAL): callers pass each
 * key once.  On an error, the calls before the failing one are applied
 * and the rest are not; every request is idempotent, so the same call
 * may simply be made again.
 */
enum err ddb_batch_write(struct ddb *d, struct arena *a, const char *table,
    struct json_object *puts, struct json_object *deletes);

#endif
