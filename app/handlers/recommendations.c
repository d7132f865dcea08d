/*
 * recommendations.c - GET /api/v1/recommendations (API.md, "Plants").
 *
 * Order of work: the query is checked first (a 400 costs no quota); then
 * one use is counted against the caller's monthly plant_recommendations
 * allowance with a single conditional update (store/quota.h), a 429 with
 * Retry-After when it is used up; then the catalog is scored
 * (store/recommend.h, docs/recommendations.md).  If the catalog cannot be
 * read after the use was counted, the use is given back.
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/str.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "store/plans.h"
#include "store/plants.h"
#include "store/quota.h"
#include "store/recommend.h"
#include "store/subscriptions.h"

#define REC_LIMIT_DEFAULT 5
#define REC_LIMIT_MAX     100
#define CATALOG_MAX       4000     /* plants scored at most */

/* Read and check every parameter; an ill-formed one is a 400. */
static enum err
parse_query(struct ctx *c, struct rec_query *q, int *limit)
{
	const char *v;
	size_t n;
	int64_t x;

	memset(q, 0, sizeof(*q));
	*limit = REC_LIMIT_DEFAULT;
	if ((v = req_query(c->req, "location", &n)) != NULL) {
		if (!recommend_valid_location(v, n))
			return hc_fail(c, ERR_INVALID, "location must be 1 to "
			    "32 lower-case letters, digits or '_', like "
			    "living_room");
		q->location = v;
	}
	if ((v = req_query(c->req, "light", &n)) != NULL &&
	    !recommend_parse_light(v, n, &q->light))
		return hc_fail(c, ERR_INVALID, "light must be one of "
		    "low_indirect, indirect, bright_indirect, direct, low, "
		    "medium, bright or full_sun");
	if ((v = req_query(c->req, "experience", &n)) != NULL &&
	    !recommend_parse_experience(v, n, &q->experience))
		return hc_fail(c, ERR_INVALID, "experience must be beginner, "
		    "intermediate or expert");
	if ((v = req_query(c->req, "pet_safe", &n)) != NULL) {
		if (str_eq(v, n, "true"))
			q->pet_safe = true;
		else if (!str_eq(v, n, "false"))
			return hc_fail(c, ERR_INVALID,
			    "pet_safe must be true or false");
	}
	if ((v = req_query(c->req, "limit", &n)) != NULL) {
		if (!str_to_i64(v, n, 1, REC_LIMIT_MAX, &x))
			return hc_fail(c, ERR_INVALID,
			    "limit must be an integer from 1 to 100");
		*limit = (int)x;
	}
	return ERR_OK;
}

/* 429 with Retry-After: the seconds left until next month (UTC). */
static enum err
quota_used_up(struct ctx *c, time_t now, int64_t limit)
{
	resp_header(c->resp, "Retry-After", arena_printf(c->a, "%lld",
	    (long long)quota_seconds_left(now)));
	return hc_fail(c, ERR_QUOTA, arena_printf(c->a, "your plan allows %lld "
	    "plant recommendations a month and they are used up; the "
	    "allowance renews at the start of next month (UTC)",
	    (long long)limit));
}

/* Count one use; *used and *limit for the answer. */
static enum err
take_one(struct ctx *c, time_t now, const char *period, int64_t *used,
    int64_t *limit)
{
	const char *table = c->app->cfg.subscriptions_table;
	const struct plan *tier;
	enum err e;

	e = subs_tier(&c->app->ddb, c->a, table, c->app->plans, c->who->sub,
	    &tier);
	if (e != ERR_OK)
		return hc_fail(c, e, "your plan cannot be read right now");
	*limit = tier->limit[FEAT_PLANT_RECOMMENDATIONS];
	e = quota_consume(&c->app->ddb, c->a, table, c->who->sub,
	    plans_feature_name(FEAT_PLANT_RECOMMENDATIONS), period, *limit,
	    used);
	if (e == ERR_QUOTA)
		return quota_used_up(c, now, *limit);
	if (e != ERR_OK)
		return hc_fail(c, e, "your quota cannot be checked right now");
	return ERR_OK;
}

/* The whole catalog (it is small), unfiltered: the scorer decides. */
static enum err
read_catalog(struct ctx *c, struct json_object **plants)
{
	struct plant_filter all;
	struct json_object *next;
	enum err e;

	memset(&all, 0, sizeof(all));
	e = plants_list(&c->app->ddb, c->a, c->app->cfg.plants_table, &all,
	    CATALOG_MAX, NULL, plants, &next);
	if (e == ERR_OK && next != NULL)
		log_kv(LOG_WARN, "catalog larger than the recommendation scan; "
		    "only the first part is scored", NULL);
	return e;
}

static struct json_object *
answer(struct ctx *c, struct json_object *items, int64_t used, int64_t limit,
    const char *period)
{
	struct json_object *o = jx_own(c->a, json_object_new_object());
	struct json_object *q = json_object_new_object();

	json_object_object_add(o, "items", json_object_get(items));
	json_object_object_add(q, "used", json_object_new_int64(used));
	json_object_object_add(q, "limit", json_object_new_int64(limit));
	json_object_object_add(q, "period", json_object_new_string(period));
	json_object_object_add(o, "quota", q);
	return o;
}

enum err
h_recommendations(struct ctx *c)
{
	struct json_object *plants, *items;
	char period[QUOTA_PERIOD_LEN];
	struct rec_query q;
	int64_t used = 0, limit = 0;
	time_t now = time(NULL);
	int max;
	enum err e;

	if ((e = parse_query(c, &q, &max)) != ERR_OK)
		return e;
	quota_period(now, period);
	if ((e = take_one(c, now, period, &used, &limit)) != ERR_OK)
		return e;
	items = NULL;
	if ((e = read_catalog(c, &plants)) == ERR_OK &&
	    (items = recommend_rank(c->a, plants, &q, (size_t)max)) == NULL)
		e = ERR_INTERNAL;
	if (e != ERR_OK) {
		/* Not the caller's fault: the use is given back. */
		if (quota_refund(&c->app->ddb, c->a,
		    c->app->cfg.subscriptions_table, c->who->sub,
		    plans_feature_name(FEAT_PLANT_RECOMMENDATIONS), period) !=
		    ERR_OK)
			log_kv(LOG_WARN, "could not give back a counted "
			    "recommendation", NULL);
		return hc_fail(c, e, "the catalog cannot be read right now");
	}
	resp_json(c->resp, 200, answer(c, items, used, limit, period));
	return ERR_OK;
}
