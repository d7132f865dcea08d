/*
 * ddb.h - the DynamoDB client: typed operations over aws_json_call.
 *
 * Requests and answers are json-c trees.  Items cross this interface as
 * plain JSON objects ({"id":"p001","difficulty":1,...}); ddb marshals
 * them to AttributeValues and back (S, N kept as exact decimal text, BOOL,
 * NULL, L, M; SS and NS read as arrays).  Expressions always take their
 * values through ExpressionAttributeValues (and names through
 * ExpressionAttributeNames): no value is ever spliced into an expression
 * string.  Answers are untrusted input: parsed with jx_parse and every
 * AttributeValue checked before it becomes plain JSON.
 *
 * Errors: ConditionalCheckFailedException becomes ERR_PRECONDITION,
 * TransactionCanceledException ERR_CONFLICT, ResourceInUseException
 * ERR_EXISTS, ResourceNotFoundException ERR_NOT_FOUND (a missing table),
 * ValidationException ERR_INTERNAL (a bug of ours), anything else
 * ERR_UPSTREAM; throttling and outages as aws_json_call says.  The AWS
 * error text is logged (escaped) and never returned.
 *
 * Batch operations (BatchGetItem, BatchWriteItem) are in aws/ddb_batch.h.
 *
 * Ownership: every tree returned is owned by the caller's arena.
 */
#ifndef GROWVRD_DDB_H
#define GROWVRD_DDB_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct aws;

struct ddb {
	struct aws *aws;        /* borrowed */
	const char *endpoint;   /* borrowed; "http://127.0.0.1:8000" ... */
	/*
	 * The request's write token (its request id, 1..32 of [0-9a-f] as
	 * nginx makes them; NULL outside a request), set per request by
	 * the server.  Transactions carry it as ClientRequestToken (with a
	 * sequence number), and writes that must be applied once (the
	 * quota) condition on it.
	 */
	const char *token;
	int         txn_seq;    /* transactions made under token */
	int         write_seq;  /* puts and updates made under token */
	bool        replayed;   /* the last call was re-sent after an
	                           attempt whose outcome is unknown */
	bool        in_request; /* between ddb_begin_request calls */
	int         pages;      /* Query and Scan pages read by it, at most
	                           LIM_DDB_PAGES (then ERR_UNAVAILABLE) */
};

/* ddb_begin_request - token (borrowed until the next call) for the
 * request that starts (its page count starts at 0); NULL ends it. */
void ddb_begin_request(struct ddb *d, const char *token);

/* A condition or update: expression text plus its names and values
 * (plain JSON object of ":v" -> value; NULL when none). */
struct ddb_expr {
	const char         *condition;   /* ConditionExpression or NULL */
	const char         *update;      /* UpdateExpression or NULL */
	struct json_object *names;       /* {"#n":"name"} or NULL */
	struct json_object *values;      /* {":v": plain value} or NULL */
};

/*
 * ddb_call - one raw operation: op "GetItem", body a request tree (in
 * DynamoDB's own AttributeValue form).  *out is the parsed answer.
 */
enum err ddb_call(struct ddb *d, struct arena *a, const char *op,
    struct json_object *body, struct json_object **out);

/* ddb_marshal - plain JSON value -> AttributeValue (new tree, a-owned). */
struct json_object *ddb_marshal(struct arena *a, struct json_object *v);

/* ddb_marshal_item - plain object -> {"name": AttributeValue, ...}. */
struct json_object *ddb_marshal_item(struct arena *a, struct json_object *o);

/*
 * ddb_unmarshal_item - {"name": AttributeValue} -> plain object.  NULL
 * when any AttributeValue is ill-formed.
 */
struct json_object *ddb_unmarshal_item(struct arena *a,
    struct json_object *item);

/* ddb_get_item - *item = the plain item, or NULL if there is none. */
enum err ddb_get_item(struct ddb *d, struct arena *a, const char *table,
    struct json_object *key, bool consistent, struct json_object **item);

/* ddb_put_item - write item, under e->condition when given. */
enum err ddb_put_item(struct ddb *d, struct arena *a, const char *table,
    struct json_object *item, const struct ddb_expr *e);

/* ddb_update_item - apply e->update under e->condition; *item (may be
 * NULL) receives the item as it is after the update. */
enum err ddb_update_item(struct ddb *d, struct arena *a, const char *table,
    struct json_object *key, const struct ddb_expr *e,
    struct json_object **item);

/* ddb_delete_item - delete, under e->condition when given (e may be NULL);
 * *old (may be NULL) receives the item as it was. */
enum err ddb_delete_item(struct ddb *d, struct arena *a, const char *table,
    struct json_object *key, const struct ddb_expr *e,
    struct json_object **old);

struct ddb_page {
	struct json_object *items;      /* plain array */
	struct json_object *last_key;   /* plain object, or NULL at the end */
};

/*
 * ddb_scan - one page of a Scan from start_key (plain, or NULL), at most
 * limit items (0 = DynamoDB's own page size).
 */
enum err ddb_scan(struct ddb *d, struct arena *a, const char *table,
    struct json_object *start_key, int limit, struct ddb_page *page);

/*
 * ddb_query - one page of a Query: key condition e->condition with its
 * names and values; forward false reads newest first.
 */
enum err ddb_query(struct ddb *d, struct arena *a, const char *table,
    const struct ddb_expr *e, struct json_object *start_key, int limit,
    bool forward, struct ddb_page *page);

/* ddb_query_index - ddb_query on the table's index (NULL: the table). */
enum err ddb_query_index(struct ddb *d, struct arena *a, const char *table,
    const char *index, const struct ddb_expr *e,
    struct json_object *start_key, int limit, bool forward,
    struct ddb_page *page);

/*
 * ddb_transact_write - TransactWriteItems with items already in
 * DynamoDB's form (each {"Put"|"Update"|"Delete"|"ConditionCheck":...}).
 * A cancelled transaction is ERR_CONFLICT, or ERR_PRECONDITION when a
 * condition check failed.  Under a request token it carries
 * ClientRequestToken "<token>-<n>" (the request's n-th transaction), so
 * a retry after a lost answer is not applied twice: DynamoDB answers it
 * as the first (idempotent for 10 minutes).
 */
enum err ddb_transact_write(struct ddb *d, struct arena *a,
    struct json_object *items);

/* ddb_describe_table - *desc = the Table object; ERR_NOT_FOUND if none. */
enum err ddb_describe_table(struct ddb *d, struct arena *a,
    const char *table, struct json_object **desc);

#endif
