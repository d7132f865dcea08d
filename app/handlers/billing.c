/*
 * billing.c - payments through Stripe (API.md "Payments (1.1)"): the
 * Checkout part of creating a subscription, canceling at the period's
 * end, the webhook route and the Billing Portal route.
 *
 * Order of a create: the Stripe price is looked up first (Stripe down:
 * 503 + Retry-After, nothing written), then the subscription is stored
 * "pending" (so every webhook about it finds it, even one that arrives
 * before this request answers), then the Checkout Session is made (its
 * Idempotency-Key is derived from our subscription id) and recorded on
 * the item without touching its status.  A failed Checkout frees the
 * slot again.
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/deadline.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "net/httpc.h"
#include "pay/stripe.h"
#include "pay/webhook.h"
#include "store/subscriptions.h"

#define RETRY_AFTER     "30"      /* seconds, on a 503 of Stripe's */
#define EXPIRY_MARGIN   60        /* Stripe's session ends before ours */
#define UNDO_RESERVE_MS 2000      /* left, after Checkout, to undo the pending */

/* A Stripe failure as the client sees it. */
static enum err
stripe_failed(struct ctx *c, enum err e, const char *what)
{
	if (e == ERR_UNAVAILABLE || e == ERR_THROTTLED) {
		resp_header(c->resp, "Retry-After", RETRY_AFTER);
		return hc_fail(c, ERR_UNAVAILABLE, arena_printf(c->a,
		    "payments are unavailable right now, so %s; try again "
		    "later", what));
	}
	return hc_fail(c, ERR_UPSTREAM, arena_printf(c->a, "the payment "
	    "provider refused the request, so %s", what));
}

static const char *
return_url(struct ctx *c, const char *result, const char *id)
{
	return arena_printf(c->a, "%s/#/billing/return?result=%s"
	    "&subscription_id=%s", c->app->cfg.public_url, result, id);
}

enum err
hb_checkout(struct ctx *c, const struct subs_new *n, const char *lookup_key,
    struct json_object **item)
{
	const char *table = c->app->cfg.subscriptions_table;
	struct stripe_checkout co;
	struct subs_new pn = *n;
	const char *price, *id, *session, *url;
	struct json_object *pending;
	time_t now = time(NULL);
	int64_t full;
	enum err e, e2;

	*item = NULL;
	if (lookup_key == NULL || lookup_key[0] == '\0') {
		log_kv(LOG_ERROR, "a paid plan's price has no stripe_lookup_key",
		    "plan", n->plan, NULL);
		return hc_fail(c, ERR_INTERNAL, "this plan cannot be bought "
		    "right now");
	}
	e = stripe_price_id(c->app->stripe, c->a, lookup_key, &price, NULL);
	if (e == ERR_NOT_FOUND) {
		log_kv(LOG_ERROR, "no active Stripe price has this lookup_key "
		    "(run scripts/provision)", "lookup_key", lookup_key, NULL);
		resp_header(c->resp, "Retry-After", RETRY_AFTER);
		return hc_fail(c, ERR_UNAVAILABLE, "this plan cannot be bought "
		    "right now");
	}
	if (e != ERR_OK)
		return stripe_failed(c, e, "no subscription was made");
	pn.stripe = true;
	pn.pending_until = (long long)now + SUBS_PENDING_SECONDS;
	e = subs_create(&c->app->ddb, c->a, table, c->who->sub, &pn, &pending);
	if (e != ERR_OK)
		return e;
	id = jx_str(pending, "subscription_id", NULL);
	memset(&co, 0, sizeof(co));
	co.price = price;
	co.user_id = c->who->sub;
	co.subscription_id = id;
	co.email = c->who->email;
	co.success_url = return_url(c, "success", id);
	co.cancel_url = return_url(c, "canceled", id);
	co.expires_at = (time_t)pn.pending_until - EXPIRY_MARGIN;
	/* Keep time, within the request's deadline, to undo the pending
	 * subscription if Checkout fails: else it would hold the slot for
	 * 24 h. */
	full = httpc_deadline(c->app->http);
	if (full != 0)
		httpc_set_deadline(c->app->http, full - UNDO_RESERVE_MS);
	e = stripe_checkout_create(c->app->stripe, c->a, &co, &session, &url,
	    NULL);
	httpc_set_deadline(c->app->http, full);
	if (e != ERR_OK) {
		if ((e2 = subs_abandon(&c->app->ddb, c->a, table, c->who->sub,
		    id)) != ERR_OK)
			log_kv(LOG_ERROR, "a pending subscription could not be "
			    "abandoned; it expires by itself", "subscription_id",
			    id, "error", err_name(e2), NULL);
		return stripe_failed(c, e, "no subscription was made");
	}
	e = subs_checkout_set(&c->app->ddb, c->a, table, c->who->sub, id,
	    session, url, item);
	if (e != ERR_OK)
		return hc_fail(c, e, "the subscription was made but cannot be "
		    "read right now; see GET /api/v1/subscriptions");
	return ERR_OK;
}

enum err
hb_cancel(struct ctx *c, struct json_object *item, struct json_object **out)
{
	const char *table = c->app->cfg.subscriptions_table;
	const char *id = jx_str(item, "subscription_id", NULL);
	const char *st = jx_str(item, "status", NULL);
	const char *session = jx_str(item, "checkout_session", NULL);
	struct json_object *pay = jx_get(item, "payment"), *v;
	const char *ref = pay != NULL ? jx_str(pay, "reference", NULL) : NULL;
	bool asked;
	enum err e;

	*out = item;
	if (st == NULL || id == NULL)
		return hc_fail(c, ERR_UPSTREAM, "the subscription is unreadable");
	asked = json_object_object_get_ex(item, "cancel_at_period_end", &v) &&
	    json_object_get_boolean(v);
	if (strcmp(st, "canceled") == 0 || asked)
		return ERR_OK;          /* idempotent */
	if (c->app->stripe == NULL) {
		resp_header(c->resp, "Retry-After", RETRY_AFTER);
		return hc_fail(c, ERR_UNAVAILABLE, "payments are not "
		    "configured, so a paid subscription cannot be canceled");
	}
	if (strcmp(st, "pending") == 0) {
		/* Never paid: end it now, and its checkout with it. */
		if (session != NULL) {
			e = stripe_checkout_expire(c->app->stripe, c->a,
			    session, NULL);
			if (e == ERR_INVALID)
				return hc_fail(c, ERR_CONFLICT, "the payment "
				    "is being completed; try again in a "
				    "minute");
			if (e != ERR_OK)
				return stripe_failed(c, e, "nothing was "
				    "canceled");
		}
		return subs_cancel(&c->app->ddb, c->a, table, c->who->sub, id,
		    out);
	}
	e = stripe_cancel_at_period_end(c->app->stripe, c->a, ref, id, NULL);
	if (e != ERR_OK)
		return stripe_failed(c, e, "nothing was canceled");
	e = subs_cancel_at_period_end(&c->app->ddb, c->a, table, c->who->sub,
	    id, out);
	if (e == ERR_CONFLICT)
		/* Ended meanwhile (a webhook): answer what it is now. */
		e = subs_get(&c->app->ddb, c->a, table, c->who->sub, id, out);
	return e;
}

/* The event as the store's lifecycle sees it; false: not one of its. */
static bool
to_subs_event(const struct stripe_event *ev, struct subs_event *se)
{
	static const enum subs_ev_kind kinds[WH__MAX] = {
		SUBS_EV__MAX,       /* WH_OTHER */
		SUBS_EV_COMPLETED,  /* WH_CHECKOUT_COMPLETED */
		SUBS_EV_PAID,       /* WH_INVOICE_PAID */
		SUBS_EV_FAILED,     /* WH_INVOICE_FAILED */
		SUBS_EV_DELETED,    /* WH_SUB_DELETED */
	};

	memset(se, 0, sizeof(*se));
	se->event_id = ev->id;
	se->kind = kinds[ev->type];
	se->user_id = ev->user_id;
	se->subscription_id = ev->subscription_id;
	se->stripe_sub = ev->stripe_sub;
	se->customer = ev->customer;
	se->created = ev->created;
	se->period_end = ev->period_end;
	/* An unpaid completion (delayed payment methods) waits for its
	 * invoice.paid. */
	if (ev->type == WH_CHECKOUT_COMPLETED && ev->unpaid)
		se->user_id = NULL;
	return se->kind != SUBS_EV__MAX;
}

static enum err
received(struct ctx *c, const char *outcome)
{
	struct json_object *o = jx_own(c->a, json_object_new_object());

	json_object_object_add(o, "received", json_object_new_boolean(1));
	json_object_object_add(o, "outcome", json_object_new_string(outcome));
	resp_json(c->resp, 200, o);
	return ERR_OK;
}

enum err
h_webhook_stripe(struct ctx *c)
{
	static const char *const outcomes[SUBS_OUTCOME__MAX] = {
		"applied",      /* SUBS_APPLIED */
		"repeat",       /* SUBS_REPEAT */
		"ignored",      /* SUBS_STALE */
	};
	struct stripe_event ev;
	struct subs_event se;
	enum subs_outcome out;
	const char *why;
	enum err e;

	if (c->app->stripe == NULL)
		return hc_fail(c, ERR_INVALID, "webhooks are not configured");
	if (webhook_verify(stripe_webhook_secret(c->app->stripe),
	    c->req->stripe_signature, c->req->body, c->req->body_len,
	    time(NULL), WEBHOOK_TOLERANCE, &why) != ERR_OK) {
		log_kv(LOG_WARN, "stripe webhook refused", "why", why, NULL);
		return hc_fail(c, ERR_INVALID, why);
	}
	if (webhook_parse_event(c->a, c->req->body, c->req->body_len, &ev,
	    &why) != ERR_OK)
		return hc_fail(c, ERR_INVALID, why);
	if (!to_subs_event(&ev, &se))
		return received(c, "ignored");
	e = subs_apply_event(&c->app->ddb, c->a,
	    c->app->cfg.subscriptions_table, &se, &out);
	if (e != ERR_OK)
		/* Stripe retries a failed delivery for up to three days. */
		return hc_fail(c, ERR_UNAVAILABLE, "the event cannot be "
		    "recorded right now");
	log_kv(LOG_INFO, "stripe event", "event", ev.id, "type",
	    webhook_type_name(ev.type), "outcome", outcomes[out], NULL);
	return received(c, outcomes[out]);
}

enum err
h_billing_portal(struct ctx *c)
{
	struct json_object *o;
	const char *customer, *url;
	enum err e;

	if (c->app->stripe == NULL)
		return hc_fail(c, ERR_NOT_FOUND, "payments are not configured, "
		    "so there is no billing account");
	e = subs_customer(&c->app->ddb, c->a, c->app->cfg.subscriptions_table,
	    c->who->sub, &customer);
	if (e != ERR_OK)
		return hc_fail(c, e, "subscriptions cannot be read right now");
	if (customer == NULL)
		return hc_fail(c, ERR_NOT_FOUND, "you have no billing account "
		    "yet: it is made with your first paid subscription");
	e = stripe_portal_create(c->app->stripe, c->a, customer,
	    arena_printf(c->a, "%s/#/plans", c->app->cfg.public_url),
	    arena_printf(c->a, "growvrd-portal-%s", c->req->request_id), &url,
	    NULL);
	if (e != ERR_OK)
		return stripe_failed(c, e, "no billing session was opened");
	o = jx_own(c->a, json_object_new_object());
	json_object_object_add(o, "url", json_object_new_string(url));
	resp_json(c->resp, 200, o);
	return ERR_OK;
}
