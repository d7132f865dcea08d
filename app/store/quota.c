#include "store/quota.h"

#include <stdio.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "core/arena.h"
#include "core/log.h"
#include "json/jx.h"

void
quota_period(time_t now, char out[QUOTA_PERIOD_LEN])
{
	struct tm tm;
	char tmp[32];

	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* Years past 9999 would not fit "YYYY-MM": clamped. */
	snprintf(tmp, sizeof(tmp), "%04d-%02d",
	    tm.tm_year + 1900 > 9999 ? 9999 : tm.tm_year + 1900,
	    tm.tm_mon + 1);
	memcpy(out, tmp, QUOTA_PERIOD_LEN - 1);
	out[QUOTA_PERIOD_LEN - 1] = '\0';
}

int64_t
quota_seconds_left(time_t now)
{
	struct tm tm, next;
	time_t start;

	if (gmtime_r(&now, &tm) == NULL)
		return 1;
	memset(&next, 0, sizeof(next));
	next.tm_year = tm.tm_year + (tm.tm_mon == 11);
	next.tm_mon = (tm.tm_mon + 1) % 12;
	next.tm_mday = 1;
	start = timegm(&next);
	return start > now ? (int64_t)(start - now) : 1;
}

/* The counter's key: {"user_id": u, "subscription_id": "#usage#f#p"}. */
static struct json_object *
counter_key(struct arena *a, const char *user_id, const char *feature,
    const char *period)
{
	struct json_object *k = jx_own(a, json_object_new_object());
	char sk[128];

	snprintf(sk, sizeof(sk), "#usage#%s#%s", feature, period);
	json_object_object_add(k, "user_id", json_object_new_string(user_id));
	json_object_object_add(k, "subscription_id",
	    json_object_new_string(sk));
	return k;
}

static struct json_object *
obj(struct arena *a)
{
	return jx_own(a, json_object_new_object());
}

/* The attribute that records one request's counted use: "tok_<token>". */
static const char *
token_attr(struct arena *a, const struct ddb *d)
{
	return d->token != NULL ? arena_printf(a, "tok_%s", d->token) : NULL;
}

/*
 * Did this request's own earlier attempt count the use?  A consistent
 * read of the counter: its token attribute says so.  *used is the count.
 */
static enum err
counted_by_us(struct ddb *d, struct arena *a, struct json_object *key,
    const char *table, const char *attr, bool *ours, int64_t *used)
{
	struct json_object *item;
	enum err e;

	*ours = false;
	e = ddb_get_item(d, a, table, key, true, &item);
	if (e != ERR_OK || item == NULL)
		return e;
	if (jx_get(item, attr) == NULL)
		return ERR_OK;
	*ours = true;
	return jx_int(item, "used", 1, INT64_MAX, used) ? ERR_OK : ERR_UPSTREAM;
}

/* Take back the use counted under this request's token, if it was. */
static enum err
refund_token(struct ddb *d, struct arena *a, const char *table,
    struct json_object *key, const char *attr)
{
	struct json_object *names = obj(a), *values = obj(a);
	struct ddb_expr x;
	enum err e;

	json_object_object_add(names, "#u", json_object_new_string("used"));
	json_object_object_add(names, "#k", json_object_new_string(attr));
	json_object_object_add(values, ":minus", json_object_new_int(-1));
	json_object_object_add(values, ":zero", json_object_new_int(0));
	memset(&x, 0, sizeof(x));
	x.update = "REMOVE #k ADD #u :minus";
	x.condition = "attribute_exists(#k) AND #u > :zero";
	x.names = names;
	x.values = values;
	e = ddb_update_item(d, a, table, key, &x, NULL);
	/* Not there: never counted, or already given back. */
	return e == ERR_PRECONDITION ? ERR_OK : e;
}

enum err
quota_consume(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *feature, const char *period,
    int64_t limit, int64_t *used)
{
	struct json_object *names = obj(a), *values = obj(a), *item = NULL;
	struct json_object *key = counter_key(a, user_id, feature, period);
	const char *attr = token_attr(a, d);
	int64_t deadline = aws_deadline(d->aws);
	struct ddb_expr x;
	bool ours;
	enum err e;

	*used = 0;
	/* With no allowance, attribute_not_exists would let a first use in:
	 * refuse here instead. */
	if (limit <= 0)
		return ERR_QUOTA;
	json_object_object_add(names, "#u", json_object_new_string("used"));
	json_object_object_add(names, "#f", json_object_new_string("feature"));
	json_object_object_add(names, "#p", json_object_new_string("period"));
	json_object_object_add(values, ":one", json_object_new_int(1));
	json_object_object_add(values, ":limit", json_object_new_int64(limit));
	json_object_object_add(values, ":f", json_object_new_string(feature));
	json_object_object_add(values, ":p", json_object_new_string(period));
	memset(&x, 0, sizeof(x));
	x.update = "SET #f = :f, #p = :p ADD #u :one";
	x.condition = "attribute_not_exists(#u) OR #u < :limit";
	if (attr != NULL) {
		/* Applied once: the use is recorded under the request's token,
		 * and a retry of an attempt whose answer was lost finds it. */
		json_object_object_add(names, "#k",
		    json_object_new_string(attr));
		x.update = "SET #f = :f, #p = :p, #k = :one ADD #u :one";
		x.condition = "(attribute_not_exists(#u) OR #u < :limit) AND "
		    "attribute_not_exists(#k)";
		/* Keep time to take the use back if the outcome stays
		 * unknown. */
		if (deadline != 0)
			aws_set_deadline(d->aws, deadline -
			    QUOTA_CLEANUP_RESERVE_MS);
	}
	x.names = names;
	x.values = values;
	e = ddb_update_item(d, a, table, key, &x, &item);
	aws_set_deadline(d->aws, deadline);
	/* (An earlier run of this request, re-sent by nginx after its
	 * worker died, wrote the same token attribute.) */
	if (e == ERR_PRECONDITION && attr != NULL &&
	    counted_by_us(d, a, key, table, attr, &ours, used) == ERR_OK &&
	    ours)
		return ERR_OK;
	if (e == ERR_PRECONDITION)
		return ERR_QUOTA;
	if (e != ERR_OK) {
		/* The use may have been counted without our hearing of it:
		 * it is not a 200, so it must not count. */
		if (attr != NULL && refund_token(d, a, table, key, attr) !=
		    ERR_OK)
			log_kv(LOG_WARN, "quota: a use of unknown outcome could "
			    "not be taken back", "feature", feature, NULL);
		return e;
	}
	if (!jx_int(item, "used", 1, INT64_MAX, used))
		return ERR_UPSTREAM;
	return ERR_OK;
}

enum err
quota_refund(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *feature, const char *period)
{
	struct json_object *names = obj(a), *values = obj(a);
	struct json_object *key = counter_key(a, user_id, feature, period);
	const char *attr = token_attr(a, d);
	struct ddb_expr x;

	/* Under a token: removing it and counting down are one conditional
	 * update, so a retried refund cannot take back two uses. */
	if (attr != NULL)
		return refund_token(d, a, table, key, attr);
	json_object_object_add(names, "#u", json_object_new_string("used"));
	json_object_object_add(values, ":minus", json_object_new_int(-1));
	json_object_object_add(values, ":zero", json_object_new_int(0));
	memset(&x, 0, sizeof(x));
	x.update = "ADD #u :minus";
	x.condition = "#u > :zero";
	x.names = names;
	x.values = values;
	return ddb_update_item(d, a, table, key, &x, NULL);
}

enum err
quota_used(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *feature, const char *period,
    int64_t *used)
{
	struct json_object *item;
	enum err e;

	*used = 0;
	e = ddb_get_item(d, a, table, counter_key(a, user_id, feature, period),
	    true, &item);
	if (e != ERR_OK || item == NULL)
		return e;
	if (!jx_int(item, "used", 0, INT64_MAX, used))
		return ERR_UPSTREAM;
	return ERR_OK;
}
