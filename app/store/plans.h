/*
 * plans.h - the subscription plans of conf/plans.json, in worker memory.
 *
 * The plans file is read once when a worker starts (plans_load): parsed
 * with jx_parse, every member checked (ids, names, prices as decimal
 * strings with an ISO 4217 currency, billing periods, per-month feature
 * limits), and copied into one fixed-size struct plans.  A file that fails
 * any check is refused as a whole and the worker does not start, so a
 * running worker always has a valid "free" plan to fall back to.
 *
 * The file's shape (docs/recommendations.md describes the limits):
 *   {"plans":[{"id":"free","name":"Free","prices":[],
 *     "features":{"plant_recommendations":{"limit":10,"period":"month"}}},
 *    {"id":"subscriber","name":"Subscriber",
 *     "prices":[{"billing_period":"monthly","amount":"4.99",
 *                "currency":"USD",
 *                "stripe_lookup_key":"growvrd_subscriber_monthly"}, ...],
 *     "features":{...}}, ...]}
 * stripe_lookup_key (optional) names the Stripe price that is charged
 * for this plan and period when payments go through Stripe
 * (scripts/provision creates it; the worker finds it by lookup_key).
 *
 * Ownership: plans_load returns worker-lifetime memory (never arena
 * memory), released with plans_free; plans_parse fills a caller's struct.
 * Lookups return pointers into the struct.  plans_to_json builds a tree
 * owned by the caller's arena.
 */
#ifndef GROWVRD_PLANS_H
#define GROWVRD_PLANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;

#define PLANS_MAX         16           /* plans in the file */
#define PLAN_PRICES_MAX   4            /* prices of one plan */
#define PLAN_ID_MAX       32           /* bytes of a plan id */
#define PLAN_NAME_MAX     64           /* bytes of a plan name */
#define PLAN_LIMIT_MAX    1000000      /* a feature's monthly limit */
#define PLANS_FILE_MAX    (64 * 1024)  /* bytes of the plans file */
#define PLANS_FREE_ID     "free"       /* the plan of everyone without one */
#define PLAN_LOOKUP_KEY_MAX 64         /* a price's Stripe lookup_key */

/* The metered features a plan grants, each with a per-month limit. */
enum plan_feature {
	FEAT_PLANT_RECOMMENDATIONS,  /* FEAT_PLANT_RECOMMENDATIONS */
	FEAT__MAX
};

struct plan_price {
	char billing_period[8];   /* "monthly" or "yearly" */
	char amount[16];          /* decimal string, "4.99" */
	char currency[4];         /* ISO 4217, "USD" */
	char lookup_key[PLAN_LOOKUP_KEY_MAX + 1]; /* Stripe's, "" if none */
};

struct plan {
	char              id[PLAN_ID_MAX + 1];
	char              name[PLAN_NAME_MAX + 1];
	struct plan_price price[PLAN_PRICES_MAX];
	size_t            nprices;
	int64_t           limit[FEAT__MAX];   /* uses per calendar month */
};

struct plans {
	struct plan plan[PLANS_MAX];
	size_t      n;
};

/* plans_feature_name - "plant_recommendations" for f. */
const char *plans_feature_name(enum plan_feature f);

/*
 * plans_parse - check the JSON text[0..len) and fill *out.  Returns
 * ERR_OK, or ERR_INVALID / ERR_TOO_LARGE with a static sentence in *why
 * and in *at the index of the offending plan (-1 for the file as a
 * whole).
 */
enum err plans_parse(const char *text, size_t len, struct plans *out,
    const char **why, int *at);

/*
 * plans_load - read and check the file at path (at most PLANS_FILE_MAX
 * bytes).  *out is a new struct plans for plans_free, or NULL on error
 * (ERR_NOT_FOUND when the file cannot be read, else as plans_parse), with
 * *why and *at set as plans_parse sets them.
 */
enum err plans_load(const char *path, struct plans **out, const char **why,
    int *at);

/* plans_free - release what plans_load returned.  NULL is a no-op. */
void plans_free(struct plans *p);

/* plans_find - the plan with id s[0..n), or NULL. */
const struct plan *plans_find(const struct plans *p, const char *s,
    size_t n);

/*
 * plans_default - the plan of everyone without an active subscription:
 * the one with id "free" (plans_parse guarantees it exists).
 */
const struct plan *plans_default(const struct plans *p);

/* plans_price - the plan's price for billing period bp, or NULL. */
const struct plan_price *plans_price(const struct plan *pl, const char *bp,
    size_t n);

/*
 * plans_to_json - the GET /api/v1/plans items: [{id,name,prices:[{
 * billing_period,amount,currency}],features:{plant_recommendations:{
 * limit,period:"month"}}}], a new array owned by arena a.
 */
struct json_object *plans_to_json(struct arena *a, const struct plans *p);

#endif
