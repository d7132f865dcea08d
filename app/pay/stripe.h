/*
 * stripe.h - the program's Stripe API client (issue 14, API.md
 * "Payments (1.1)").
 *
 * Requests go through net/httpc like every other outbound call: bodies
 * are application/x-www-form-urlencoded as Stripe takes them (nested
 * parameters spelled "line_items[0][price]"), every request carries the
 * pinned Stripe-Version (STRIPE_API_VERSION, the version of the OpenAPI
 * description the local stand-in is checked against) and the secret key
 * as a Bearer token, and every POST carries an Idempotency-Key chosen by
 * the caller (the same key on every retry, so a retried POST is applied
 * once at Stripe).  Retries follow Stripe's advice: a connection failure,
 * 409 (lock timeout), 429 and 5xx are retried with exponential backoff
 * and jitter unless the answer says "Stripe-Should-Retry: false";
 * "Stripe-Should-Retry: true" retries whatever the status.  Answers are
 * bounded (LIM_STRIPE_RESP_MAX, LIM_STRIPE_JSON_DEPTH) and Stripe's error
 * text never leaves this module except as a sanitized log field.
 *
 * The secret key comes from STRIPE_SECRET_KEY, or, when
 * STRIPE_SECRET_KEY_ARN is set, from Secrets Manager (the same reader as
 * the Cognito client secret); the webhook signing secret likewise from
 * STRIPE_WEBHOOK_SECRET(_ARN).  Neither is ever logged.  Without a secret
 * key Stripe is off and the service behaves as API 1.0 (stripe_load
 * leaves *out NULL).
 *
 * Ownership: struct stripe is worker memory (stripe_free wipes the
 * keys); answers are json trees owned by the caller's arena.
 */
#ifndef GROWVRD_STRIPE_H
#define GROWVRD_STRIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct aws;
struct buf;
struct httpc;

#define STRIPE_API_VERSION   "2024-04-10"
#define STRIPE_API_BASE      "https://api.stripe.com"
#define STRIPE_ATTEMPTS      3         /* tries of one call */
#define STRIPE_BACKOFF_MS    250       /* first retry delay (doubles) */
#define STRIPE_BACKOFF_MAX_MS 2000     /* cap of one delay */
#define STRIPE_TIMEOUT_MS    10000     /* one attempt (Checkout can be slow) */
#define STRIPE_CONNECT_MS    2000
#define STRIPE_PARAMS_MAX    32        /* form parameters of one call */
#define STRIPE_KEY_MAX       256       /* a secret or webhook key */

struct stripe;

/* One form parameter: key already nested ("a[0][b]"), value as is. */
struct stripe_param {
	const char *key;
	const char *value;
};

/* Settings of a client (stripe_new copies them). */
struct stripe_conf {
	const char *api_base;        /* NULL: STRIPE_API_BASE */
	const char *secret_key;      /* "sk_..." (required) */
	const char *webhook_secret;  /* "whsec_..." (may be "") */
	long        timeout_ms;      /* 0: STRIPE_TIMEOUT_MS */
	long        connect_timeout_ms; /* 0: STRIPE_CONNECT_MS */
	int         attempts;        /* 0: STRIPE_ATTEMPTS */
	long        backoff_ms;      /* 0: STRIPE_BACKOFF_MS; tests use 1 */
};

/* How a failed call ended, for logs and for the handler's answer. */
struct stripe_fail {
	int  status;                 /* the last HTTP status, 0 if none */
	int  attempts;               /* tries made */
	char type[48];               /* Stripe's error.type, sanitized */
	char code[48];               /* Stripe's error.code, sanitized */
};

/*
 * stripe_new - a client over http (not owned) with conf copied into
 * worker memory.  NULL when conf has no secret key or a bad base URL.
 */
struct stripe *stripe_new(struct httpc *http, const struct stripe_conf *conf);

/* stripe_free - wipe the keys and release.  NULL is a no-op. */
void stripe_free(struct stripe *s);

/*
 * stripe_load - build the worker's client from the environment:
 * STRIPE_SECRET_KEY or STRIPE_SECRET_KEY_ARN (Secrets Manager through
 * aws in region), STRIPE_WEBHOOK_SECRET or STRIPE_WEBHOOK_SECRET_ARN,
 * STRIPE_API_BASE.  *out is NULL when no secret key is configured
 * (Stripe off).  Returns false, logged without the keys, when a
 * configured key cannot be had or is ill-formed: the worker must not
 * start.
 */
bool stripe_load(struct aws *aws, const char *region, struct httpc *http,
    struct stripe **out);

/* stripe_webhook_secret - the signing secret ("" when none). */
const char *stripe_webhook_secret(const struct stripe *s);

/*
 * stripe_form - append params[0..n) to out as a form body: each key and
 * value percent-encoded (RFC 3986 unreserved characters kept, '[' and
 * ']' kept in keys as Stripe's own libraries send them), pairs joined by
 * '&'.  False when a key or value is NULL or out is full.
 */
bool stripe_form(struct buf *out, const struct stripe_param *params,
    size_t n);

/*
 * stripe_parse_answer - the answer body[0..len) as a JSON object in a
 * (LIM_STRIPE_RESP_MAX, LIM_STRIPE_JSON_DEPTH).  ERR_UPSTREAM when it is
 * anything else.  Also fills f->type / f->code from an {"error":{...}}
 * answer (printable ASCII, cut to fit) when f is not NULL.
 */
enum err stripe_parse_answer(struct arena *a, const char *body, size_t len,
    struct json_object **out, struct stripe_fail *f);

/*
 * stripe_call - method ("GET" or "POST") path ("/v1/...") with params
 * (a query string for GET, a form body for POST) and, for POST, the
 * Idempotency-Key idem_key (required: 1..255 printable ASCII).  Retries
 * as the file comment says.  *out = the answer object of a 2xx.
 * Returns ERR_OK; ERR_INVALID (Stripe refused the request: 400, 402),
 * ERR_NOT_FOUND (404), ERR_CONFLICT (409 after the tries: an
 * idempotency key reused with other parameters, or a lock), ERR_INTERNAL
 * (401/403: our key is wrong or lacks a permission), ERR_THROTTLED (429
 * after the tries), ERR_UNAVAILABLE (no answer, 5xx), ERR_UPSTREAM (an
 * answer that is not what Stripe sends).  f (may be NULL) tells how.
 */
enum err stripe_call(struct stripe *s, struct arena *a, const char *method,
    const char *path, const struct stripe_param *params, size_t n,
    const char *idem_key, struct json_object **out, struct stripe_fail *f);

/*
 * stripe_should_retry - Stripe's rule for one attempt's outcome: e is
 * httpc's result, status the HTTP status, hint the Stripe-Should-Retry
 * header ("true", "false" or NULL).
 */
bool stripe_should_retry(enum err e, long status, const char *hint);

/* ---- the operations the service uses -------------------------------- */

/* What a Checkout Session is made of (API.md "Payments (1.1)"). */
struct stripe_checkout {
	const char *price;           /* the Stripe price id */
	const char *user_id;         /* client_reference_id, metadata */
	const char *subscription_id; /* ours, in metadata */
	const char *email;           /* customer_email (may be NULL) */
	const char *success_url;
	const char *cancel_url;
	time_t      expires_at;      /* 30 min .. 24 h from now */
};

/*
 * stripe_price_id - the id of the active price whose lookup_key is
 * lookup_key (GET /v1/prices?lookup_keys[]=...&active=true), into *id
 * (arena).  ERR_NOT_FOUND when Stripe has none.
 */
enum err stripe_price_id(struct stripe *s, struct arena *a,
    const char *lookup_key, const char **id, struct stripe_fail *f);

/*
 * stripe_checkout_create - POST /v1/checkout/sessions, mode
 * "subscription", one line item of co->price, client_reference_id and
 * metadata (user_id, subscription_id) on the session and on the
 * subscription it creates.  The Idempotency-Key is derived from
 * co->subscription_id, so every retry of one create reuses it.  *id and
 * *url are arena strings.
 */
enum err stripe_checkout_create(struct stripe *s, struct arena *a,
    const struct stripe_checkout *co, const char **id, const char **url,
    struct stripe_fail *f);

/*
 * stripe_checkout_expire - POST /v1/checkout/sessions/{id}/expire: the
 * session can no longer be paid.  ERR_INVALID when Stripe refuses
 * because it is no longer open (paid meanwhile, or expired).
 */
enum err stripe_checkout_expire(struct stripe *s, struct arena *a,
    const char *session, struct stripe_fail *f);

/*
 * stripe_cancel_at_period_end - POST /v1/subscriptions/{sub} with
 * cancel_at_period_end=true (Idempotency-Key from our_id).
 */
enum err stripe_cancel_at_period_end(struct stripe *s, struct arena *a,
    const char *stripe_sub, const char *our_id, struct stripe_fail *f);

/*
 * stripe_portal_create - POST /v1/billing_portal/sessions for customer
 * with return_url; *url is an arena string.  idem_key is the caller's
 * (one per portal request).
 */
enum err stripe_portal_create(struct stripe *s, struct arena *a,
    const char *customer, const char *return_url, const char *idem_key,
    const char **url, struct stripe_fail *f);

/*
 * stripe_valid_id - s is a Stripe object id with prefix ("cus_", "sub_",
 * "cs_", "price_", "evt_", "in_"): the prefix then 1..200 of
 * [A-Za-z0-9_].
 */
bool stripe_valid_id(const char *s, const char *prefix);

#endif
