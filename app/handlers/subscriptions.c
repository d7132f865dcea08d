/*
 * subscriptions.c - plans, the caller's subscriptions and entitlements
 * (API.md, "Subscriptions").
 *
 * Everything is keyed by the token's sub: another user's subscription
 * is simply not in the caller's partition, so it answers exactly as an
 * id that never existed does (404, same detail).  Without Stripe (no
 * STRIPE_SECRET_KEY) there is no payment processor: a subscription
 * records the client's payment_method (or "none") and a reference of
 * ours, and nothing is charged (API 1.0).  With Stripe, creating and
 * canceling go through handlers/billing.c (API.md "Payments (1.1)").
 *
 * POST /api/v1/subscriptions honours an Idempotency-Key (issue 12,
 * store/idem.h): the first answer of a key is kept 24 h and replayed for
 * the same body; another body is a 422; a request while the first is
 * still running is a 409.  Server errors (5xx) are not kept, so a retry
 * runs again.
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "core/crypt.h"
#include "store/idem.h"
#include "store/plans.h"
#include "store/quota.h"
#include "store/subscriptions.h"

#define NO_SUCH_SUB "no subscription of yours has this id"
#define UNREADABLE  "subscriptions cannot be read right now"

static const struct jx_field create_fields[] = {
	{ "plan", JX_STRING, true, 0, PLAN_ID_MAX, NULL },
	{ "billing_period", JX_STRING, true, 0, 16, NULL },
	{ "payment_method", JX_STRING, false, 0, 64, NULL },
};

#define NCREATE (sizeof(create_fields) / sizeof(create_fields[0]))

/* The list's cursor scope: one caller's subscriptions. */
static const char *
list_scope(struct ctx *c)
{
	return arena_printf(c->a, "subs:%s", c->who->sub);
}

enum err
h_plans_list(struct ctx *c)
{
	struct json_object *o = jx_own(c->a, json_object_new_object());

	json_object_object_add(o, "items",
	    json_object_get(plans_to_json(c->a, c->app->plans)));
	resp_json(c->resp, 200, o);
	return ERR_OK;
}

enum err
h_subs_list(struct ctx *c)
{
	struct json_object *start, *items, *next;
	const char *scope = list_scope(c);
	int limit;
	enum err e;

	if ((e = hc_list_params(c, scope, &limit, &start)) != ERR_OK)
		return e;
	if (start != NULL && !subs_valid_key(start, c->who->sub))
		return hc_fail(c, ERR_INVALID,
		    "cursor is not one this list handed out");
	e = subs_list(&c->app->ddb, c->a, c->app->cfg.subscriptions_table,
	    c->who->sub, limit, start, &items, &next);
	if (e != ERR_OK)
		return hc_fail(c, e, UNREADABLE);
	return hc_list_answer(c, scope, items, next);
}

/* payment_method: 1..64 of [A-Za-z0-9_.:-] (a label, never card data). */
static bool
valid_method(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    strchr("_.:-", s[i]) != NULL))
			return false;
	return n > 0;
}

/* Check the body against the plans: what to create, or a 400. */
static enum err
parse_create(struct ctx *c, struct subs_new *n, const char **lookup_key)
{
	struct json_object *body;
	const struct plan *pl;
	const struct plan_price *pr;
	const char *why, *field, *plan, *bp, *pm;
	size_t np, nb, nm;
	enum err e;

	if ((e = hc_body(c, &body)) != ERR_OK)
		return e;
	if (!jx_check(body, create_fields, NCREATE, false, &why, &field))
		return hc_fail(c, ERR_INVALID, field != NULL ?
		    arena_printf(c->a, "%s %s", field, why) : why);
	plan = jx_str(body, "plan", &np);
	bp = jx_str(body, "billing_period", &nb);
	pm = jx_str(body, "payment_method", &nm);
	if ((pl = plans_find(c->app->plans, plan, np)) == NULL)
		return hc_fail(c, ERR_INVALID,
		    "plan is not one of GET /api/v1/plans");
	if (strcmp(pl->id, PLANS_FREE_ID) == 0)
		return hc_fail(c, ERR_INVALID,
		    "the free plan needs no subscription");
	if ((pr = plans_price(pl, bp, nb)) == NULL)
		return hc_fail(c, ERR_INVALID,
		    "billing_period is not one of the plan's prices");
	if (pm != NULL && !valid_method(pm, nm))
		return hc_fail(c, ERR_INVALID, "payment_method must be 1 to 64 "
		    "letters, digits or _.:-");
	memset(n, 0, sizeof(*n));
	n->plan = pl->id;
	n->billing_period = pr->billing_period;
	n->price = pr->amount;
	n->currency = pr->currency;
	n->provider = pm;
	*lookup_key = pr->lookup_key;
	return ERR_OK;
}

/* One create, without the Idempotency-Key: *pub is the answer's item. */
static enum err
create_once(struct ctx *c, struct json_object **pub)
{
	struct json_object *item;
	struct subs_new n;
	const char *id, *lookup_key = NULL;
	enum err e;

	if ((e = parse_create(c, &n, &lookup_key)) != ERR_OK)
		return e;
	if (c->app->stripe != NULL)
		e = hb_checkout(c, &n, lookup_key, &item);
	else
		e = subs_create(&c->app->ddb, c->a,
		    c->app->cfg.subscriptions_table, c->who->sub, &n, &item);
	if (e == ERR_CONFLICT)
		return hc_fail(c, e, "another subscription is active or "
		    "pending; cancel it first");
	if (e != ERR_OK)
		return c->detail != NULL ? e : hc_fail(c, e, "the "
		    "subscription cannot be made right now");
	id = jx_str(item, "subscription_id", NULL);
	resp_header(c->resp, "Location",
	    arena_printf(c->a, "/api/v1/subscriptions/%s", id));
	*pub = subs_public(c->a, item);
	return ERR_OK;
}

/* Answer as the first request with this key did. */
static enum err
replay(struct ctx *c, const struct idem_answer *ans)
{
	struct json_object *o;
	const char *why;

	resp_header(c->resp, "Idempotent-Replayed", "true");
	if (ans->err != 0)
		return hc_fail(c, (unsigned)ans->err < ERR__MAX ?
		    (enum err)ans->err : ERR_INTERNAL, ans->detail);
	if (ans->body == NULL || jx_parse(c->a, ans->body, strlen(ans->body),
	    LIM_RESP_MAX, LIM_JSON_DEPTH, &o, &why) != ERR_OK)
		return hc_fail(c, ERR_INTERNAL, "the stored answer of this "
		    "Idempotency-Key cannot be read");
	if (ans->location != NULL)
		resp_header(c->resp, "Location", ans->location);
	return hc_item_answer(c, ans->status, o);
}

/* Keep the first answer of key (a 5xx is forgotten instead). */
static void
remember(struct ctx *c, const char *key, enum err e, struct json_object *pub)
{
	const char *table = c->app->cfg.subscriptions_table;
	struct idem_answer ans;

	memset(&ans, 0, sizeof(ans));
	if (e != ERR_OK && resp_status_of(e) >= 500) {
		(void)idem_release(&c->app->ddb, c->a, table, c->who->sub, key);
		return;
	}
	if (e == ERR_OK) {
		ans.status = 201;
		ans.body = json_object_to_json_string_ext(pub,
		    JSON_C_TO_STRING_PLAIN);
		ans.location = arena_printf(c->a, "/api/v1/subscriptions/%s",
		    jx_str(pub, "subscription_id", NULL));
	} else {
		ans.status = resp_status_of(e);
		ans.err = (int)e;
		ans.detail = c->detail;
	}
	if (idem_finish(&c->app->ddb, c->a, table, c->who->sub, key, &ans) !=
	    ERR_OK)
		log_kv(LOG_WARN, "the answer of an Idempotency-Key could not "
		    "be kept", NULL);
}

enum err
h_subs_create(struct ctx *c)
{
	const char *key = c->req->idempotency_key;
	unsigned char hash[CRYPT_SHA256_LEN];
	struct json_object *pub = NULL;
	struct idem_answer ans;
	enum idem_state st;
	enum err e;

	if (key == NULL) {
		if ((e = create_once(c, &pub)) != ERR_OK)
			return e;
		return hc_item_answer(c, 201, pub);
	}
	if (!idem_valid_key(key))
		return hc_fail(c, ERR_INVALID, "Idempotency-Key must be 1 to 64 "
		    "letters, digits, _ or -");
	if (!crypt_sha256(c->req->body, c->req->body_len, hash))
		return hc_fail(c, ERR_INTERNAL, "the request cannot be hashed");
	e = idem_begin(&c->app->ddb, c->a, c->app->cfg.subscriptions_table,
	    c->who->sub, key, hash, &st, &ans);
	if (e != ERR_OK)
		return hc_fail(c, e == ERR_CONFLICT ? e : ERR_UNAVAILABLE,
		    "the Idempotency-Key cannot be checked right now");
	switch (st) {
	case IDEM_RUNNING:
		return hc_fail(c, ERR_CONFLICT, "a request with this "
		    "Idempotency-Key is still being served");
	case IDEM_MISMATCH:
		return hc_fail(c, ERR_UNPROCESSABLE, "this Idempotency-Key was "
		    "used with another request body");
	case IDEM_DONE:
		return replay(c, &ans);
	default:
		break;
	}
	e = create_once(c, &pub);
	remember(c, key, e, pub);
	if (e != ERR_OK)
		return e;
	return hc_item_answer(c, 201, pub);
}

enum err
h_subs_get(struct ctx *c)
{
	struct json_object *item;
	const char *id = c->param[0];
	enum err e;

	if (!subs_valid_id(id, strlen(id)))
		return hc_fail(c, ERR_NOT_FOUND, NO_SUCH_SUB);
	e = subs_get(&c->app->ddb, c->a, c->app->cfg.subscriptions_table,
	    c->who->sub, id, &item);
	if (e != ERR_OK)
		return hc_fail(c, e, UNREADABLE);
	if (item == NULL)
		return hc_fail(c, ERR_NOT_FOUND, NO_SUCH_SUB);
	return hc_item_answer(c, 200, subs_public(c->a, item));
}

enum err
h_subs_cancel(struct ctx *c)
{
	struct json_object *item;
	const char *id = c->param[0], *prov;
	struct json_object *pay;
	enum err e;

	if (!subs_valid_id(id, strlen(id)))
		return hc_fail(c, ERR_NOT_FOUND, NO_SUCH_SUB);
	e = subs_get(&c->app->ddb, c->a, c->app->cfg.subscriptions_table,
	    c->who->sub, id, &item);
	if (e != ERR_OK)
		return hc_fail(c, e, UNREADABLE);
	if (item == NULL)
		return hc_fail(c, ERR_NOT_FOUND, NO_SUCH_SUB);
	pay = jx_get(item, "payment");
	prov = pay != NULL ? jx_str(pay, "provider", NULL) : NULL;
	/* A paid Stripe subscription ends at its period's end (API 1.1). */
	if (prov != NULL && strcmp(prov, "stripe") == 0)
		e = hb_cancel(c, item, &item);
	else
		e = subs_cancel(&c->app->ddb, c->a,
		    c->app->cfg.subscriptions_table, c->who->sub, id, &item);
	if (e == ERR_NOT_FOUND)
		return hc_fail(c, e, NO_SUCH_SUB);
	if (e != ERR_OK)
		return c->detail != NULL ? e : hc_fail(c, e, "the "
		    "subscription cannot be canceled right now");
	return hc_item_answer(c, 200, subs_public(c->a, item));
}

enum err
h_entitlements(struct ctx *c)
{
	struct json_object *o, *feats, *f;
	const struct plan *tier;
	char period[QUOTA_PERIOD_LEN];
	int64_t used;
	size_t i;
	enum err e;

	e = subs_tier(&c->app->ddb, c->a, c->app->cfg.subscriptions_table,
	    c->app->plans, c->who->sub, &tier);
	if (e != ERR_OK)
		return hc_fail(c, e, UNREADABLE);
	quota_period(time(NULL), period);
	o = jx_own(c->a, json_object_new_object());
	feats = json_object_new_object();
	json_object_object_add(o, "tier", json_object_new_string(tier->id));
	json_object_object_add(o, "features", feats);
	for (i = 0; i < FEAT__MAX; i++) {
		e = quota_used(&c->app->ddb, c->a,
		    c->app->cfg.subscriptions_table, c->who->sub,
		    plans_feature_name(i), period, &used);
		if (e != ERR_OK)
			return hc_fail(c, e, UNREADABLE);
		f = json_object_new_object();
		json_object_object_add(f, "access",
		    json_object_new_boolean(tier->limit[i] > 0));
		json_object_object_add(f, "limit",
		    json_object_new_int64(tier->limit[i]));
		json_object_object_add(f, "used", json_object_new_int64(used));
		json_object_object_add(f, "remaining", json_object_new_int64(
		    used < tier->limit[i] ? tier->limit[i] - used : 0));
		json_object_object_add(feats, plans_feature_name(i), f);
	}
	resp_json(c->resp, 200, o);
	return ERR_OK;
}
