/*
 * recommendations.c - GET /api/v1/recommendations (API.md, "Plants").
 *
 * Order of work: the query is checked first (a 400 costs no quota); then
 * one use is counted against the caller's monthly plant_recommendations
 * allowance with a single conditional update (store/quota.h), a 429 with
 * Retry-After when it is used up; then the whole catalog is ranked from
 * the host's snapshot (store/catalog.h, store/recommend.h,
 * docs/recommendations.md).  Without a snapshot the answer is a 503 that
 * counts nothing.
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/str.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "store/plans.h"
#include "core/limits.h"
#include "store/catalog.h"
#include "store/quota.h"
#include "store/recommend.h"
#include "store/subscriptions.h"

#define REC_LIMIT_DEFAULT 5
#define REC_LIMIT_MAX     100

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

/*
 * The answer, {"items":[{plant, score, reasons}...],"quota":{...}}: the
 * best plants of the whole catalog, ranked from the snapshot's facts,
 * each plant's JSON text copied from the snapshot and its reasons made
 * from the same facts (nothing is parsed).
 */
static enum err
rank(struct ctx *c, const struct catalog *cat, const struct rec_query *q,
    int limit, int64_t used, int64_t quota, const char *period)
{
	size_t pos[REC_LIMIT_MAX], i, n;
	int scores[REC_LIMIT_MAX], score;
	struct json_object *reasons;
	struct catalog_entry p;
	struct buf b;
	bool ok;

	n = catalog_rank(cat, q, (size_t)limit, pos, scores);
	buf_init(&b, LIM_RESP_MAX);
	ok = buf_puts(&b, "{\"items\":[");
	for (i = 0; i < n && ok; i++) {
		catalog_plant(cat, pos[i], &p);
		reasons = jx_own(c->a, json_object_new_array());
		if (reasons == NULL || !recommend_explain(&p.facts,
		    arena_strndup(c->a, p.light, p.light_len),
		    catalog_in_room(cat, pos[i], q->location), q, &score,
		    reasons) || score != scores[i]) {
			buf_free(&b);
			return ERR_INTERNAL;
		}
		ok = (i == 0 || buf_putc(&b, ',')) &&
		    buf_puts(&b, "{\"plant\":") &&
		    buf_append(&b, p.json, p.json_len) &&
		    buf_printf(&b, ",\"score\":%d,\"reasons\":", score) &&
		    jx_write(&b, reasons) && buf_putc(&b, '}');
	}
	/* period is "YYYY-MM": nothing to escape. */
	ok = ok && buf_printf(&b, "],\"quota\":{\"used\":%lld,\"limit\":%lld,"
	    "\"period\":\"%s\"}}", (long long)used, (long long)quota, period);
	if (ok)
		resp_json_text(c->resp, 200, b.data, b.len);
	buf_free(&b);
	return ok ? ERR_OK : ERR_TOO_LARGE;
}

enum err
h_recommendations(struct ctx *c)
{
	const struct catalog *cat;
	char period[QUOTA_PERIOD_LEN];
	struct rec_query q;
	int64_t used = 0, limit = 0;
	time_t now = time(NULL);
	int max;
	enum err e;

	if ((e = parse_query(c, &q, &max)) != ERR_OK)
		return e;
	/* No snapshot yet: a 503 that costs no quota. */
	if ((cat = hc_catalog(c)) == NULL)
		return ERR_UNAVAILABLE;
	quota_period(now, period);
	if ((e = take_one(c, now, period, &used, &limit)) != ERR_OK)
		return e;
	if ((e = rank(c, cat, &q, max, used, limit, period)) != ERR_OK) {
		/* Not the caller's fault: the use is given back. */
		if (quota_refund(&c->app->ddb, c->a,
		    c->app->cfg.subscriptions_table, c->who->sub,
		    plans_feature_name(FEAT_PLANT_RECOMMENDATIONS), period) !=
		    ERR_OK)
			log_kv(LOG_WARN, "could not give back a counted "
			    "recommendation", NULL);
		return hc_fail(c, e, e == ERR_TOO_LARGE ? "the answer would "
		    "be too large; ask for a smaller limit" : "the "
		    "recommendations cannot be made right now");
	}
	return ERR_OK;
}
