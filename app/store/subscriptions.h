/*
 * subscriptions.h - the Subscriptions table: a user's subscriptions and
 * the "at most one active" rule.
 *
 * Keys: user_id (partition) = the token's sub, subscription_id (sort).
 * One partition holds everything of one user:
 *   "sub_YYYYMMDDTHHMMSSmmmZ_xxxxxxxx"  a subscription (UTC creation time
 *        to the millisecond, then 8 random hex digits), so the ids sort by
 *        time and "newest first" is a Query with ScanIndexForward=false;
 *   "#active"                           the active marker: which
 *        subscription is active, and its plan (absent when none is);
 *   "#usage#<feature>#<YYYY-MM>"        usage counters (store/quota.h).
 * Helper sort keys start with '#', never "sub_", and listings select
 * begins_with(subscription_id, "sub_"), so they never show.
 *
 * A subscription item: user_id, subscription_id, plan, billing_period,
 * status ("active" | "canceled"), price (decimal string), currency,
 * started_at, current_period_end, canceled_at (null while active),
 * payment {provider, reference}, version.  Without Stripe there is no
 * payment processor: payment.provider is the client's payment_method or
 * "none", and payment.reference a random reference of ours ("ref_" + 16
 * hex digits) that records the request; nothing is charged and nothing
 * renews.  With Stripe (store/subs_stripe.c) the item starts "pending"
 * (no current_period_end; pending_until, checkout_url) and the webhook
 * events move it to "active", "past_due" and "canceled"; payment is then
 * {provider:"stripe", reference:<Stripe subscription id>, customer}, and
 * cancel_at_period_end is true once the user canceled.
 *
 * Other key spaces of the table (store/subs_int.h): "#idem#<key>" items
 * in a user's partition (Idempotency-Key records, store/idem.h) and the
 * partition "#stripe-events" (processed webhook event ids); both carry
 * expires_at, the table's TTL attribute.
 *
 * Creation is one TransactWriteItems: Put the marker on the condition
 * attribute_not_exists (no active subscription) and Put the subscription;
 * cancelation updates the subscription (condition: still active) and
 * deletes the marker (condition: it names this subscription) in one
 * transaction.  So no interleaving of requests can leave two active
 * subscriptions, or an active subscription without its marker.
 *
 * Ownership: trees returned live in the caller's arena.
 */
#ifndef GROWVRD_SUBSCRIPTIONS_H
#define GROWVRD_SUBSCRIPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct ddb;
struct plan;
struct plans;

#define SUBS_ID_LEN    32      /* "sub_20261125T173000123Z_0123abcd" */
#define SUBS_TIME_LEN  21      /* "2026-11-25T17:30:00Z" and its NUL */
#define SUBS_PREFIX    "sub_"

#define SUBS_PENDING_SECONDS (24 * 3600) /* a pending subscription's life */

/* What a new subscription is made of (checked by the caller). */
struct subs_new {
	const char *plan;
	const char *billing_period;  /* "monthly" | "yearly" */
	const char *price;           /* decimal string */
	const char *currency;
	const char *provider;        /* payment_method, or NULL for "none" */
	/*
	 * Paid through Stripe (API.md "Payments (1.1)"): the subscription
	 * is made "pending", grants nothing, holds the one-subscription
	 * slot until pending_until (Unix time; after it, another create
	 * may take the slot) and payment is {provider:"stripe"}.
	 */
	bool        stripe;
	long long   pending_until;
};

/* subs_valid_id - s[0..n) has exactly the shape subs_new_id makes. */
bool subs_valid_id(const char *s, size_t n);

/*
 * subs_new_id - a fresh id for a subscription made at sec + msec (UTC).
 * False when no randomness is available.
 */
bool subs_new_id(time_t sec, long msec, char out[SUBS_ID_LEN + 1]);

/* subs_time - t as RFC 3339 UTC, "2026-11-25T17:30:00Z". */
void subs_time(time_t t, char out[SUBS_TIME_LEN]);

/*
 * subs_period_end - the end of the first billing period that starts at
 * start: "monthly" adds one calendar month, "yearly" one year, keeping
 * the time of day; a day the target month lacks becomes its last day
 * (Jan 31 + 1 month = Feb 28/29; Feb 29 + 1 year = Feb 28).  False for
 * an unknown billing period.
 */
bool subs_period_end(time_t start, const char *billing_period,
    char out[SUBS_TIME_LEN]);

/*
 * subs_create - a new active subscription for user_id.  *item is the
 * stored item.  ERR_CONFLICT while another subscription is active.
 */
enum err subs_create(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const struct subs_new *n, struct json_object **item);

/* subs_get - *item = the user's subscription id, or NULL if none. */
enum err subs_get(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id, struct json_object **item);

/*
 * subs_list - up to limit of the user's subscriptions, newest first, from
 * start_key (a key this function handed out, or NULL).  *next_key is
 * NULL at the end.
 */
enum err subs_list(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, int limit, struct json_object *start_key,
    struct json_object **items, struct json_object **next_key);

/*
 * subs_cancel - cancel the user's subscription id at once (status
 * "canceled", canceled_at now, version + 1) and remove the active marker
 * in the same transaction.  Canceling a canceled subscription changes
 * nothing and returns it as it is.  ERR_NOT_FOUND when there is none.
 */
enum err subs_cancel(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id, struct json_object **item);

/*
 * subs_tier - *tier = the plan of the user's active subscription, or the
 * default ("free") plan when none is active.  A marker naming a plan the
 * plans file no longer has counts as free (and is logged).
 */
enum err subs_tier(struct ddb *d, struct arena *a, const char *table,
    const struct plans *plans, const char *user_id, const struct plan **tier);

/*
 * subs_public - the item as the API shows it (a new object in a): the
 * fields in a fixed order, without user_id.  A pending subscription past
 * its pending_until shows as "canceled" (expired) with canceled_at =
 * pending_until; checkout_url shows only while pending.
 */
struct json_object *subs_public(struct arena *a, struct json_object *item);

/* ---- Stripe (store/subs_stripe.c) ----------------------------------- */

/*
 * subs_checkout_set - record the Checkout Session (id, url) on the
 * user's subscription id (version + 1); status is left as it is (a
 * webhook may have come first).  *item is the item after the write.
 */
enum err subs_checkout_set(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id, const char *session,
    const char *url, struct json_object **item);

/*
 * subs_abandon - a pending subscription whose checkout could not be
 * made: "canceled" at once and the slot freed (nothing was paid).
 */
enum err subs_abandon(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id);

/*
 * subs_cancel_at_period_end - the user canceled a paid subscription:
 * canceled_at = now (kept if set), cancel_at_period_end = true, version
 * + 1, status unchanged (the tier stays until current_period_end, when
 * Stripe's customer.subscription.deleted ends it).  ERR_CONFLICT when
 * the item is no longer active or past_due.
 */
enum err subs_cancel_at_period_end(struct ddb *d, struct arena *a,
    const char *table, const char *user_id, const char *id,
    struct json_object **item);

/* What a webhook event says about one of our subscriptions. */
enum subs_ev_kind {
	SUBS_EV_COMPLETED,   /* SUBS_EV_COMPLETED: checkout.session.completed */
	SUBS_EV_PAID,        /* SUBS_EV_PAID: invoice.paid */
	SUBS_EV_FAILED,      /* SUBS_EV_FAILED: invoice.payment_failed */
	SUBS_EV_DELETED,     /* SUBS_EV_DELETED: customer.subscription.deleted */
	SUBS_EV__MAX
};

struct subs_event {
	const char        *event_id;     /* "evt_..." */
	enum subs_ev_kind  kind;
	const char        *user_id;      /* NULL: not ours */
	const char        *subscription_id;
	const char        *stripe_sub;   /* "sub_..." or NULL */
	const char        *customer;     /* "cus_..." or NULL */
	long long          created;      /* the event's time */
	long long          period_end;   /* 0: none */
};

enum subs_outcome {
	SUBS_APPLIED,    /* SUBS_APPLIED: the state changed */
	SUBS_REPEAT,     /* SUBS_REPEAT: this event id was seen before */
	SUBS_STALE,      /* SUBS_STALE: nothing to change (order, owner) */
	SUBS_OUTCOME__MAX
};

/* A subscription's lifecycle state, for subs_next. */
struct subs_state {
	char      status[16];                 /* pending active past_due canceled */
	char      period_end[SUBS_TIME_LEN];  /* "" when none */
	bool      has_customer;               /* payment.customer is set */
	bool      has_canceled_at;
	bool      holds_slot;                 /* the marker names it */
	char      billing_period[8];
};

/* What subs_next decided. */
struct subs_change {
	const char *status;                   /* NULL: unchanged */
	char        period_end[SUBS_TIME_LEN];/* "": unchanged */
	bool        set_payment;
	bool        set_canceled_at;
	bool        activate_slot;            /* the marker stops pending */
	bool        free_slot;                /* the marker goes */
};

/*
 * subs_next - the lifecycle of API.md 1.1 as a pure function: what ev
 * does to a subscription in state cur (the rules are in the .c file).
 * False when it changes nothing (a repeat in effect, an event older than
 * the state, a canceled subscription, a superseded pending one).
 */
bool subs_next(const struct subs_state *cur, const struct subs_event *ev,
    struct subs_change *ch);

/*
 * subs_apply_event - apply ev once: the event id is recorded (with a TTL)
 * in the same transaction as the change, so a repeat or a concurrent
 * duplicate changes nothing (*out SUBS_REPEAT); an event that changes
 * nothing is recorded too (SUBS_STALE).  Concurrent writes to the item
 * (another event, the create's own answer) are retried on its version.
 */
enum err subs_apply_event(struct ddb *d, struct arena *a, const char *table,
    const struct subs_event *ev, enum subs_outcome *out);

/*
 * subs_customer - the Stripe customer of the user's newest subscription
 * that has one, into *customer (arena), or NULL when none has.
 */
enum err subs_customer(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char **customer);

/*
 * subs_valid_key - key is exactly {user_id: user_id, subscription_id: a
 * valid id}: a decoded cursor that may be used for this user's list.
 */
bool subs_valid_key(struct json_object *key, const char *user_id);

#endif
