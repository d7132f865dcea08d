/*
 * handlers.h - one function per route; each file under handlers/ serves
 * one resource.  A handler reads only typed values (ctx->req, ctx->param,
 * ctx->who), fills ctx->resp and returns ERR_OK, or returns an error with
 * ctx->detail set to our own sentence.
 */
#ifndef GROWVRD_HANDLERS_H
#define GROWVRD_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "http/ctx.h"

/* health.c */
enum err h_healthz(struct ctx *c);
enum err h_readyz(struct ctx *c);

/* auth_flows.c */
enum err h_auth_register(struct ctx *c);
enum err h_auth_confirm(struct ctx *c);
enum err h_auth_resend(struct ctx *c);
enum err h_auth_login(struct ctx *c);
enum err h_auth_refresh(struct ctx *c);
enum err h_auth_logout(struct ctx *c);
enum err h_auth_forgot(struct ctx *c);
enum err h_auth_reset(struct ctx *c);
enum err h_auth_change(struct ctx *c);

/* plants.c */
enum err h_plants_list(struct ctx *c);
enum err h_plants_get(struct ctx *c);
enum err h_plants_create(struct ctx *c);
enum err h_plants_replace(struct ctx *c);
enum err h_plants_delete(struct ctx *c);

struct catalog;

/*
 * hc_catalog - the host's catalog snapshot for this request, or NULL with
 * the detail and Retry-After set (return ERR_UNAVAILABLE then).
 */
const struct catalog *hc_catalog(struct ctx *c);

/* recommendations.c */
enum err h_recommendations(struct ctx *c);

/* users.c */
enum err h_users_get(struct ctx *c);
enum err h_users_patch(struct ctx *c);
enum err h_users_delete(struct ctx *c);
enum err h_my_plants_list(struct ctx *c);
enum err h_my_plants_put(struct ctx *c);
enum err h_my_plants_delete(struct ctx *c);
enum err h_my_plants_water(struct ctx *c);

/* subscriptions.c */
enum err h_plans_list(struct ctx *c);
enum err h_subs_list(struct ctx *c);
enum err h_subs_create(struct ctx *c);
enum err h_subs_get(struct ctx *c);
enum err h_subs_cancel(struct ctx *c);
enum err h_entitlements(struct ctx *c);

/* billing.c (API.md "Payments (1.1)") */
enum err h_webhook_stripe(struct ctx *c);
enum err h_billing_portal(struct ctx *c);

struct subs_new;

/*
 * hb_checkout - the create of a paid subscription through Stripe: the
 * price found by lookup_key, the subscription stored "pending", then a
 * Checkout Session; *item is the stored item (with checkout_url).  On a
 * Stripe failure nothing is left behind: 503 with Retry-After when
 * Stripe is unreachable, 502 when it refused.
 */
enum err hb_checkout(struct ctx *c, const struct subs_new *n,
    const char *lookup_key, struct json_object **item);

/*
 * hb_cancel - cancel the caller's Stripe subscription item: a pending
 * one at once (its Checkout Session expired at Stripe), a paid one at
 * the period's end (cancel_at_period_end at Stripe, then stored).
 * *out is the item after.
 */
enum err hb_cancel(struct ctx *c, struct json_object *item,
    struct json_object **out);

/* common.c: helpers shared by handlers */

/* hc_fail - set the detail and return e (for one-line error returns). */
enum err hc_fail(struct ctx *c, enum err e, const char *detail);

/*
 * hc_list_params - ?limit= (1..100, default 20) and ?cursor= for scope:
 * *limit and *start_key (NULL without a cursor).  ERR_INVALID with the
 * detail set when either is ill-formed or the cursor was tampered with.
 */
enum err hc_list_params(struct ctx *c, const char *scope, int *limit,
    struct json_object **start_key);

/*
 * hc_list_answer - 200 {"items": items, "next_cursor": cursor|null}.
 */
enum err hc_list_answer(struct ctx *c, const char *scope,
    struct json_object *items, struct json_object *next_key);

/*
 * hc_body - the request body parsed as a JSON object (API.md: at most
 * 64 KiB, depth 32).  ERR_INVALID with the detail set otherwise.
 */
enum err hc_body(struct ctx *c, struct json_object **obj);

/*
 * hc_if_match - the If-Match header as a version (API.md: "\"<n>\"" or a
 * bare integer): *present false when there is none.  ERR_INVALID with
 * the detail set when it is anything else (a list, "*", W/...).
 */
enum err hc_if_match(struct ctx *c, bool *present, int64_t *version);

/* hc_item_answer - status with item as body and ETag "<version>". */
enum err hc_item_answer(struct ctx *c, int status, struct json_object *item);

#endif
