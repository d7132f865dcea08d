/*
 * subs_stripe.c - the Stripe side of the Subscriptions table: the
 * checkout fields, cancel at period end, and the webhook lifecycle
 * (declared in store/subscriptions.h, which describes the item).
 *
 * An event is applied in one TransactWriteItems that (1) puts the event
 * id into the "#stripe-events" partition on attribute_not_exists, (2)
 * updates the subscription on the version it was read at, and (3) when
 * the lifecycle says so, updates or deletes the one-subscription marker
 * on the condition that it still names this subscription.  So an event
 * is applied at most once, and a concurrent change of the item (another
 * event, the create writing its checkout answer) makes the transaction
 * fail and be tried again on the new state.  What the event does is
 * decided by subs_next, a pure function of the state and the event, so
 * the order in which Stripe delivers events does not change where the
 * state ends (the cases are in tests/unit/test_subs_stripe.c).
 */
#include "store/subscriptions.h"

#include <stdio.h>
#include <string.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/log.h"
#include "json/jx.h"
#include "store/subs_int.h"

#define EVENT_TTL     (30L * 24 * 3600)   /* Stripe retries for 3 days */
#define EVENT_TRIES   5                   /* re-reads after a lost race */
#define CUSTOMER_SCAN 20                  /* newest subscriptions looked at */

/* ---- the lifecycle -------------------------------------------------- */

static bool
is(const char *s, const char *lit)
{
	return strcmp(s, lit) == 0;
}

/*
 * The rules (API.md "Payments (1.1)"), for a state cur:
 * - a pending subscription the marker no longer names was superseded
 *   (it expired and another took the slot): nothing applies to it;
 * - completed: pending -> active (payment set, the period estimated from
 *   the event time until an invoice tells it); active or past_due whose
 *   payment lacks the customer -> payment set (invoice.paid came first);
 * - paid (period end E): pending -> active with period E; active or
 *   past_due with no period or one ending <= E -> active with period E
 *   (an older invoice never shortens the period);
 * - failed (E): active with a period ending before E -> past_due (the
 *   failure of an invoice already paid, delivered late, is no news);
 * - deleted: anything but canceled -> canceled, the slot freed;
 * - canceled is final.
 */
bool
subs_next(const struct subs_state *cur, const struct subs_event *ev,
    struct subs_change *ch)
{
	bool pending = is(cur->status, "pending");
	bool live = is(cur->status, "active") || is(cur->status, "past_due");
	char end[SUBS_TIME_LEN];

	memset(ch, 0, sizeof(*ch));
	if (is(cur->status, "canceled") || (pending && !cur->holds_slot))
		return false;
	end[0] = '\0';
	if (ev->period_end > 0)
		subs_time((time_t)ev->period_end, end);
	switch (ev->kind) {
	case SUBS_EV_COMPLETED:
		if (pending) {
			ch->status = "active";
			ch->set_payment = true;
			ch->activate_slot = true;
			if (cur->period_end[0] == '\0' && !subs_period_end(
			    (time_t)ev->created, cur->billing_period,
			    ch->period_end))
				ch->period_end[0] = '\0';
			return true;
		}
		if (live && !cur->has_customer) {
			ch->set_payment = true;
			return true;
		}
		return false;
	case SUBS_EV_PAID:
		if (end[0] == '\0' || !(pending || live))
			return false;
		if (live && cur->period_end[0] != '\0' &&
		    strcmp(cur->period_end, end) > 0)
			return false;
		if (live && is(cur->status, "active") &&
		    is(cur->period_end, end) && cur->has_customer)
			return false;
		ch->status = "active";
		memcpy(ch->period_end, end, sizeof(end));
		ch->set_payment = !cur->has_customer;
		ch->activate_slot = pending;
		return true;
	case SUBS_EV_FAILED:
		if (end[0] == '\0' || !is(cur->status, "active") ||
		    cur->period_end[0] == '\0' ||
		    strcmp(cur->period_end, end) >= 0)
			return false;
		ch->status = "past_due";
		return true;
	case SUBS_EV_DELETED:
		ch->status = "canceled";
		ch->set_canceled_at = !cur->has_canceled_at;
		if (end[0] != '\0' && !pending)
			memcpy(ch->period_end, end, sizeof(end));
		ch->free_slot = cur->holds_slot;
		return true;
	default:
		return false;
	}
}

/* ---- reading the state ---------------------------------------------- */

static void
copy(char *out, size_t cap, const char *s)
{
	snprintf(out, cap, "%s", s != NULL ? s : "");
}

static void
state_of(struct json_object *item, struct json_object *marker,
    const char *id, struct subs_state *st)
{
	struct json_object *pay = jx_get(item, "payment"), *ca;
	const char *aid = marker != NULL ?
	    jx_str(marker, "active_subscription_id", NULL) : NULL;

	memset(st, 0, sizeof(*st));
	copy(st->status, sizeof(st->status), jx_str(item, "status", NULL));
	copy(st->period_end, sizeof(st->period_end),
	    jx_str(item, "current_period_end", NULL));
	copy(st->billing_period, sizeof(st->billing_period),
	    jx_str(item, "billing_period", NULL));
	st->has_customer = pay != NULL &&
	    jx_str(pay, "customer", NULL) != NULL;
	st->has_canceled_at = json_object_object_get_ex(item, "canceled_at",
	    &ca) && ca != NULL;
	st->holds_slot = aid != NULL && strcmp(aid, id) == 0;
}

/* ---- writing -------------------------------------------------------- */

static struct json_object *
event_record(struct arena *a, const struct subs_event *ev, time_t now,
    const char *outcome)
{
	struct json_object *r = subs_key(a, SUBS_EVENTS_PK, ev->event_id);

	subs_add_str(r, "outcome", outcome);
	if (ev->user_id != NULL)
		subs_add_str(r, "owner", ev->user_id);
	json_object_object_add(r, "received_at", json_object_new_int64(now));
	json_object_object_add(r, SUBS_TTL_ATTR,
	    json_object_new_int64(now + EVENT_TTL));
	return r;
}

static struct json_object *
put_once(struct arena *a, const char *table, struct json_object *rec)
{
	struct json_object *n = subs_obj(a);
	struct ddb_expr x;

	subs_add_str(n, "#sk", "subscription_id");
	memset(&x, 0, sizeof(x));
	x.condition = "attribute_not_exists(#sk)";
	x.names = n;
	return subs_tx_op(a, "Put", table, "Item", rec, &x);
}

/* The update of the item for ch, on the version it was read at. */
static struct json_object *
item_update(struct arena *a, const char *table, const struct subs_event *ev,
    const struct subs_change *ch, int64_t version, time_t now)
{
	struct json_object *n = subs_obj(a), *v = subs_obj(a), *pay;
	char set[512], ts[SUBS_TIME_LEN];
	struct ddb_expr x;
	size_t l;

	subs_time(now, ts);
	subs_add_str(n, "#v", "version");
	json_object_object_add(v, ":v", json_object_new_int64(version));
	json_object_object_add(v, ":one", json_object_new_int(1));
	l = (size_t)snprintf(set, sizeof(set), "SET #v = #v + :one");
	if (ch->status != NULL) {
		subs_add_str(n, "#st", "status");
		subs_add_str(v, ":st", ch->status);
		l += (size_t)snprintf(set + l, sizeof(set) - l, ", #st = :st");
	}
	if (ch->period_end[0] != '\0') {
		subs_add_str(n, "#pe", "current_period_end");
		subs_add_str(v, ":pe", ch->period_end);
		l += (size_t)snprintf(set + l, sizeof(set) - l, ", #pe = :pe");
	}
	if (ch->set_payment) {
		pay = json_object_new_object();
		subs_add_str(pay, "provider", "stripe");
		if (ev->stripe_sub != NULL)
			subs_add_str(pay, "reference", ev->stripe_sub);
		if (ev->customer != NULL)
			subs_add_str(pay, "customer", ev->customer);
		json_object_object_add(v, ":pay", pay);
		subs_add_str(n, "#pay", "payment");
		l += (size_t)snprintf(set + l, sizeof(set) - l,
		    ", #pay = :pay");
	}
	if (ch->set_canceled_at) {
		subs_add_str(n, "#ca", "canceled_at");
		subs_add_str(v, ":ca", ts);
		l += (size_t)snprintf(set + l, sizeof(set) - l, ", #ca = :ca");
	}
	memset(&x, 0, sizeof(x));
	x.update = arena_strdup(a, set);
	x.condition = "#v = :v";
	x.names = n;
	x.values = v;
	return subs_tx_op(a, "Update", table, "Key",
	    subs_key(a, ev->user_id, ev->subscription_id), &x);
}

/* The marker, on the condition that it still names this subscription. */
static struct json_object *
marker_op(struct arena *a, const char *table, const struct subs_event *ev,
    bool free_slot)
{
	struct json_object *n = subs_obj(a), *v = subs_obj(a);
	struct ddb_expr x;

	subs_add_str(n, "#aid", "active_subscription_id");
	subs_add_str(v, ":id", ev->subscription_id);
	memset(&x, 0, sizeof(x));
	x.condition = "#aid = :id";
	x.names = n;
	x.values = v;
	if (free_slot)
		return subs_tx_op(a, "Delete", table, "Key",
		    subs_key(a, ev->user_id, SUBS_ACTIVE_KEY), &x);
	subs_add_str(n, "#pu", "pending_until");
	x.update = "REMOVE #pu";
	return subs_tx_op(a, "Update", table, "Key",
	    subs_key(a, ev->user_id, SUBS_ACTIVE_KEY), &x);
}

static enum err
seen(struct ddb *d, struct arena *a, const char *table, const char *evt,
    bool *yes)
{
	struct json_object *r;
	enum err e;

	*yes = false;
	e = ddb_get_item(d, a, table, subs_key(a, SUBS_EVENTS_PK, evt), true,
	    &r);
	*yes = e == ERR_OK && r != NULL;
	return e;
}

/* Record an event that changes nothing (once). */
static enum err
record_only(struct ddb *d, struct arena *a, const char *table,
    const struct subs_event *ev, time_t now, enum subs_outcome *out)
{
	struct json_object *tx = jx_own(a, json_object_new_array());
	enum err e;

	json_object_array_add(tx, put_once(a, table, event_record(a, ev, now,
	    "ignored")));
	e = subs_transact(d, a, tx);
	*out = e == ERR_PRECONDITION ? SUBS_REPEAT : SUBS_STALE;
	return e == ERR_PRECONDITION ? ERR_OK : e;
}

enum err
subs_apply_event(struct ddb *d, struct arena *a, const char *table,
    const struct subs_event *ev, enum subs_outcome *out)
{
	struct json_object *item, *marker, *tx;
	struct subs_state st;
	struct subs_change ch;
	time_t now = time(NULL);
	int64_t version;
	bool dup;
	enum err e;
	int i;

	*out = SUBS_STALE;
	if ((e = seen(d, a, table, ev->event_id, &dup)) != ERR_OK)
		return e;
	if (dup) {
		*out = SUBS_REPEAT;
		return ERR_OK;
	}
	if (ev->user_id == NULL || ev->subscription_id == NULL ||
	    !subs_valid_id(ev->subscription_id, strlen(ev->subscription_id)))
		return record_only(d, a, table, ev, now, out);
	for (i = 0; i < EVENT_TRIES; i++) {
		if ((e = subs_get(d, a, table, ev->user_id,
		    ev->subscription_id, &item)) != ERR_OK ||
		    (e = ddb_get_item(d, a, table, subs_key(a, ev->user_id,
		    SUBS_ACTIVE_KEY), true, &marker)) != ERR_OK)
			return e;
		if (item == NULL || !jx_int(item, "version", 1, INT64_MAX,
		    &version))
			return record_only(d, a, table, ev, now, out);
		state_of(item, marker, ev->subscription_id, &st);
		if (!subs_next(&st, ev, &ch))
			return record_only(d, a, table, ev, now, out);
		tx = jx_own(a, json_object_new_array());
		json_object_array_add(tx, put_once(a, table,
		    event_record(a, ev, now, "applied")));
		json_object_array_add(tx, item_update(a, table, ev, &ch,
		    version, now));
		if (ch.activate_slot || ch.free_slot)
			json_object_array_add(tx, marker_op(a, table, ev,
			    ch.free_slot));
		e = subs_transact(d, a, tx);
		if (e == ERR_OK) {
			*out = SUBS_APPLIED;
			return ERR_OK;
		}
		if (e != ERR_PRECONDITION)
			return e;
		/* A duplicate delivered meanwhile, or the item moved on. */
		if ((e = seen(d, a, table, ev->event_id, &dup)) != ERR_OK)
			return e;
		if (dup) {
			*out = SUBS_REPEAT;
			return ERR_OK;
		}
	}
	return ERR_UNAVAILABLE;
}

/* ---- the handlers' writes ------------------------------------------- */

enum err
subs_checkout_set(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id, const char *session,
    const char *url, struct json_object **item)
{
	struct json_object *n = subs_obj(a), *v = subs_obj(a);
	struct ddb_expr x;

	subs_add_str(n, "#sk", "subscription_id");
	subs_add_str(n, "#cs", "checkout_session");
	subs_add_str(n, "#cu", "checkout_url");
	subs_add_str(n, "#v", "version");
	subs_add_str(v, ":cs", session);
	subs_add_str(v, ":cu", url);
	json_object_object_add(v, ":one", json_object_new_int(1));
	memset(&x, 0, sizeof(x));
	x.update = "SET #cs = :cs, #cu = :cu, #v = #v + :one";
	x.condition = "attribute_exists(#sk)";
	x.names = n;
	x.values = v;
	return ddb_update_item(d, a, table, subs_key(a, user_id, id), &x,
	    item);
}

enum err
subs_abandon(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id)
{
	struct json_object *item;

	return subs_cancel(d, a, table, user_id, id, &item);
}

enum err
subs_cancel_at_period_end(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id, struct json_object **item)
{
	struct json_object *n = subs_obj(a), *v = subs_obj(a);
	char now[SUBS_TIME_LEN];
	struct ddb_expr x;
	enum err e;

	subs_time(time(NULL), now);
	subs_add_str(n, "#st", "status");
	subs_add_str(n, "#ca", "canceled_at");
	subs_add_str(n, "#cape", "cancel_at_period_end");
	subs_add_str(n, "#v", "version");
	subs_add_str(v, ":active", "active");
	subs_add_str(v, ":past_due", "past_due");
	subs_add_str(v, ":now", now);
	json_object_object_add(v, ":yes", json_object_new_boolean(1));
	json_object_object_add(v, ":one", json_object_new_int(1));
	memset(&x, 0, sizeof(x));
	x.update = "SET #ca = if_not_exists(#ca, :now), #cape = :yes, "
	    "#v = #v + :one";
	x.condition = "#st IN (:active, :past_due)";
	x.names = n;
	x.values = v;
	e = ddb_update_item(d, a, table, subs_key(a, user_id, id), &x, item);
	return e == ERR_PRECONDITION ? ERR_CONFLICT : e;
}

enum err
subs_customer(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char **customer)
{
	struct json_object *items, *next, *pay;
	size_t i, n;
	enum err e;

	*customer = NULL;
	e = subs_list(d, a, table, user_id, CUSTOMER_SCAN, NULL, &items,
	    &next);
	if (e != ERR_OK)
		return e;
	n = json_object_array_length(items);
	for (i = 0; i < n && *customer == NULL; i++) {
		pay = jx_get(json_object_array_get_idx(items, i), "payment");
		if (pay != NULL && json_object_is_type(pay, json_type_object))
			*customer = jx_str(pay, "customer", NULL);
	}
	return ERR_OK;
}
