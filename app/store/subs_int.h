/*
 * subs_int.h - helpers shared by the Subscriptions table's modules
 * (store/subscriptions.c, store/subs_stripe.c, store/idem.c); not for
 * use outside store/.
 *
 * Ownership: every tree lives in the arena given.
 */
#ifndef GROWVRD_SUBS_INT_H
#define GROWVRD_SUBS_INT_H

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct ddb;
struct ddb_expr;

#define SUBS_ACTIVE_KEY  "#active"        /* the one-subscription marker */
#define SUBS_EVENTS_PK   "#stripe-events" /* processed webhook events */
#define SUBS_IDEM_PREFIX "#idem#"         /* Idempotency-Key records */
#define SUBS_TTL_ATTR    "expires_at"     /* the table's TTL attribute */

/* subs_obj - a new empty object owned by a. */
struct json_object *subs_obj(struct arena *a);

/* subs_add_str - o[k] = the string v (a copy). */
void subs_add_str(struct json_object *o, const char *k, const char *v);

/* subs_key - {user_id, subscription_id: sk}, owned by a; NULL past the
 * arena's cap. */
struct json_object *subs_key(struct arena *a, const char *user_id,
    const char *sk);

/*
 * subs_tx_op - one TransactWriteItems entry {op: {TableName, what: plain
 * marshalled, x's expression parts}}.  A new tree: add it to an owned
 * array, which takes the reference.
 */
struct json_object *subs_tx_op(struct arena *a, const char *op,
    const char *table, const char *what, struct json_object *plain,
    const struct ddb_expr *x);

/*
 * subs_transact - TransactWriteItems tx, retried while a concurrent
 * transaction cancels it.  ERR_PRECONDITION when a condition failed
 * (final); ERR_UNAVAILABLE when conflicts last.
 */
enum err subs_transact(struct ddb *d, struct arena *a, struct json_object *tx);

#endif
