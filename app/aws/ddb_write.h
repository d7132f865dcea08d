/*
 * ddb_write.h - DynamoDB's BatchWriteItem over any number of items:
 * growvrdctl's plants import and remove, and the workers' deletion of an
 * account's Subscriptions items (store/purge.h; the workers' IAM role
 * allows BatchWriteItem on Subscriptions only).
 *
 * The requests are cut into the calls DynamoDB allows (25 a
 * BatchWriteItem), sent through ddb_call, and what DynamoDB leaves
 * unprocessed (UnprocessedItems) is resent with the retry policy's
 * backoff, at most DDB_BATCH_TRIES rounds per call (aws/ddb_batch.h);
 * what is still unprocessed then is ERR_THROTTLED, and ERR_UNAVAILABLE
 * when the request's deadline (aws_deadline) leaves no time for the
 * backoff and another round.  Batch writes carry no condition: each put
 * replaces the item with its key, each delete removes it.
 *
 * Ownership: the arrays passed in are only read; what is built for the
 * calls lives in the caller's arena.
 */
#ifndef GROWVRD_DDB_WRITE_H
#define GROWVRD_DDB_WRITE_H

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct ddb;

#define DDB_BATCH_WRITE_MAX 25   /* requests per BatchWriteItem */

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
