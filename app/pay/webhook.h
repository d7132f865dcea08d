/*
 * webhook.h - Stripe webhook events: the Stripe-Signature check and the
 * few fields of an event the subscription lifecycle needs (API.md
 * "Payments (1.1)").
 *
 * Signature (Stripe's "verify manually" scheme): the header is a
 * comma-separated list of "k=v" items, "t" a Unix time and "v1" one or
 * more hex HMAC-SHA256 signatures, keyed with the endpoint's signing
 * secret, of "<t>." followed by the raw body exactly as received.  Any
 * one v1 that matches passes (several are sent while a secret is
 * rolled); "v0" and unknown schemes are ignored; the comparison is
 * constant-time; t must lie within the tolerance of now in both
 * directions (a replayed or a post-dated delivery fails).
 *
 * Event: only what API.md 1.1 maps is read, each field checked; the
 * owner of the event (our user and subscription ids) comes from the
 * metadata our Checkout Session puts on the session and on the Stripe
 * subscription (whose invoices carry it as subscription_details).
 *
 * Ownership: strings of struct stripe_event point into the parsed tree,
 * owned by the arena given to webhook_parse_event.
 */
#ifndef GROWVRD_WEBHOOK_H
#define GROWVRD_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/err.h"

struct arena;

#define WEBHOOK_TOLERANCE 300   /* seconds, both ways (Stripe's default) */

enum webhook_type {
	WH_OTHER,              /* WH_OTHER: answered 200, ignored */
	WH_CHECKOUT_COMPLETED, /* WH_CHECKOUT_COMPLETED */
	WH_INVOICE_PAID,       /* WH_INVOICE_PAID */
	WH_INVOICE_FAILED,     /* WH_INVOICE_FAILED: invoice.payment_failed */
	WH_SUB_DELETED,        /* WH_SUB_DELETED */
	WH__MAX
};

struct stripe_event {
	const char        *id;              /* "evt_..." */
	enum webhook_type  type;
	const char        *type_name;       /* as sent (for logs) */
	long long          created;         /* Unix time */
	/* Our owner (NULL when the object carries no such metadata). */
	const char        *user_id;
	const char        *subscription_id;
	const char        *stripe_sub;      /* "sub_..." or NULL */
	const char        *customer;        /* "cus_..." or NULL */
	long long          period_end;      /* 0 when the event has none */
	bool               unpaid;          /* a session completed unpaid */
};

/* webhook_type_name - "checkout.session.completed" for t ("" for other). */
const char *webhook_type_name(enum webhook_type t);

/*
 * webhook_verify - check header (the Stripe-Signature value, may be
 * NULL) against body[0..len) with secret at now.  Returns ERR_OK, or
 * ERR_INVALID with a static reason in *why (no header, ill-formed, no
 * v1, outside the tolerance, no v1 matches).
 */
enum err webhook_verify(const char *secret, const char *header,
    const char *body, size_t len, time_t now, long tolerance,
    const char **why);

/*
 * webhook_parse_event - the event in body[0..len) (bounded as a Stripe
 * answer).  Returns ERR_OK; ERR_INVALID with *why when it is not an
 * event (no valid id, type or created).  A known type whose object lacks
 * what the lifecycle needs is still ERR_OK with the missing fields NULL
 * or 0: the caller ignores it (and says so in its log).
 */
enum err webhook_parse_event(struct arena *a, const char *body, size_t len,
    struct stripe_event *ev, const char **why);

#endif
