#include "store/subscriptions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/crypt.h"
#include "core/log.h"
#include "core/str.h"
#include "json/jx.h"
#include "store/plans.h"
#include "store/subs_int.h"

#define ACTIVE_KEY      SUBS_ACTIVE_KEY
#define TX_TRIES        4       /* a transaction lost to another one */

/* The API's view of a subscription, in this order. */
static const char *const public_fields[] = {
	"subscription_id", "plan", "billing_period", "status", "price",
	"currency", "started_at", "current_period_end", "canceled_at",
	"cancel_at_period_end", "pending_until", "checkout_url", "payment",
	"version",
};

/* ---- ids and times -------------------------------------------------- */

static bool
digits(const char *s, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Copy tmp into out[cap] when it fits exactly as formatted. */
static bool
fit(char *out, size_t cap, const char *tmp)
{
	size_t n = strlen(tmp);

	if (n >= cap)
		return false;
	memcpy(out, tmp, n + 1);
	return true;
}

bool
subs_valid_id(const char *s, size_t n)
{
	size_t i;

	if (n != SUBS_ID_LEN || memcmp(s, SUBS_PREFIX, 4) != 0 ||
	    !digits(s, 4, 12) || s[12] != 'T' || !digits(s, 13, 22) ||
	    s[22] != 'Z' || s[23] != '_')
		return false;
	for (i = 24; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool
subs_new_id(time_t sec, long msec, char out[SUBS_ID_LEN + 1])
{
	unsigned char rnd[4];
	char hex[9], tmp[96];
	struct tm tm;

	if (!crypt_random(rnd, sizeof(rnd)) || gmtime_r(&sec, &tm) == NULL ||
	    tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    msec < 0 || msec > 999)
		return false;
	str_hex(hex, rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), SUBS_PREFIX
	    "%04d%02d%02dT%02d%02d%02d%03ldZ_%s", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec,
	    hex);
	return strlen(tmp) == SUBS_ID_LEN && fit(out, SUBS_ID_LEN + 1, tmp);
}

void
subs_time(time_t t, char out[SUBS_TIME_LEN])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, SUBS_TIME_LEN,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) != SUBS_TIME_LEN - 1)
		snprintf(out, SUBS_TIME_LEN, "1970-01-01T00:00:00Z");
}

static int
days_in_month(int year, int mon0)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon0 == 1 && leap ? 29 : days[mon0];
}

bool
subs_period_end(time_t start, const char *billing_period,
    char out[SUBS_TIME_LEN])
{
	struct tm tm;
	char tmp[96];
	int y, m, d;

	if (gmtime_r(&start, &tm) == NULL)
		return false;
	y = tm.tm_year + 1900;
	m = tm.tm_mon;
	if (strcmp(billing_period, "monthly") == 0) {
		if (++m == 12) {
			m = 0;
			y++;
		}
	} else if (strcmp(billing_period, "yearly") == 0)
		y++;
	else
		return false;
	if (y > 9999)
		return false;
	d = tm.tm_mday < days_in_month(y, m) ? tm.tm_mday :
	    days_in_month(y, m);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m + 1,
	    d, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return fit(out, SUBS_TIME_LEN, tmp);
}

/* ---- small tree helpers --------------------------------------------- */

struct json_object *
subs_obj(struct arena *a)
{
	return jx_own(a, json_object_new_object());
}

void
subs_add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

struct json_object *
subs_key(struct arena *a, const char *user_id, const char *sk)
{
	struct json_object *k = subs_obj(a);

	if (k == NULL)
		return NULL;    /* past the arena's cap */
	subs_add_str(k, "user_id", user_id);
	subs_add_str(k, "subscription_id", sk);
	return k;
}

/*
 * One TransactWriteItems entry: {op: {TableName, what: plain (marshalled),
 * the expression parts of x}}.  A new tree; the caller adds it to an
 * owned array (which takes the reference).
 */
struct json_object *
subs_tx_op(struct arena *a, const char *op, const char *table, const char *what,
    struct json_object *plain, const struct ddb_expr *x)
{
	struct json_object *in = json_object_new_object();
	struct json_object *o = json_object_new_object();

	subs_add_str(in, "TableName", table);
	json_object_object_add(in, what,
	    json_object_get(ddb_marshal_item(a, plain)));
	if (x->condition != NULL)
		subs_add_str(in, "ConditionExpression", x->condition);
	if (x->update != NULL)
		subs_add_str(in, "UpdateExpression", x->update);
	if (x->names != NULL)
		json_object_object_add(in, "ExpressionAttributeNames",
		    json_object_get(x->names));
	if (x->values != NULL)
		json_object_object_add(in, "ExpressionAttributeValues",
		    json_object_get(ddb_marshal_item(a, x->values)));
	json_object_object_add(o, op, in);
	return o;
}

/* Sleep 10..(20 * attempt) ms before retrying a lost transaction. */
static void
tx_backoff(int attempt)
{
	unsigned char r;
	struct timespec ts;
	long ms;

	if (!crypt_random(&r, 1))
		r = 0;
	ms = 10 + (long)r % (20L * attempt);
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * The transaction, retried while another transaction on the same items
 * made DynamoDB cancel it (ERR_CONFLICT).  A failed condition
 * (ERR_PRECONDITION) is final.  Conflicts to the end are ERR_UNAVAILABLE.
 */
enum err
subs_transact(struct ddb *d, struct arena *a, struct json_object *tx)
{
	enum err e = ERR_CONFLICT;
	int i;

	for (i = 0; i < TX_TRIES && e == ERR_CONFLICT; i++) {
		if (i > 0)
			tx_backoff(i);
		e = ddb_transact_write(d, a, tx);
	}
	return e == ERR_CONFLICT ? ERR_UNAVAILABLE : e;
}

/* ---- operations ----------------------------------------------------- */

static struct json_object *
new_item(struct arena *a, const char *user_id, const char *id,
    const struct subs_new *n, const char *started, const char *end)
{
	struct json_object *it = subs_obj(a), *pay = json_object_new_object();
	unsigned char rnd[8];
	char hex[17], ref[24], until[SUBS_TIME_LEN];

	subs_add_str(it, "user_id", user_id);
	subs_add_str(it, "subscription_id", id);
	subs_add_str(it, "plan", n->plan);
	subs_add_str(it, "billing_period", n->billing_period);
	subs_add_str(it, "price", n->price);
	subs_add_str(it, "currency", n->currency);
	subs_add_str(it, "started_at", started);
	json_object_object_add(it, "payment", pay);
	json_object_object_add(it, "version", json_object_new_int(1));
	if (n->stripe) {
		/* Paid when Stripe says so: no period yet, no reference. */
		subs_time((time_t)n->pending_until, until);
		subs_add_str(it, "status", "pending");
		subs_add_str(it, "pending_until", until);
		subs_add_str(pay, "provider", "stripe");
		return it;
	}
	if (!crypt_random(rnd, sizeof(rnd)))
		return NULL;
	str_hex(hex, rnd, sizeof(rnd));
	snprintf(ref, sizeof(ref), "ref_%s", hex);
	subs_add_str(it, "status", "active");
	subs_add_str(it, "current_period_end", end);
	json_object_object_add(it, "canceled_at", NULL);
	subs_add_str(pay, "provider", n->provider != NULL ? n->provider :
	    "none");
	subs_add_str(pay, "reference", ref);
	return it;
}

/*
 * After a failed condition: does the marker name id?  Then an earlier
 * attempt of this very transaction went through and its answer was lost
 * (the AWS client retried it), and the subscription exists.
 */
static bool
made_by_us(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id)
{
	struct json_object *m;
	const char *aid;

	if (ddb_get_item(d, a, table, subs_key(a, user_id, ACTIVE_KEY), true,
	    &m) != ERR_OK || m == NULL)
		return false;
	aid = jx_str(m, "active_subscription_id", NULL);
	return aid != NULL && strcmp(aid, id) == 0;
}

enum err
subs_create(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const struct subs_new *n, struct json_object **item)
{
	struct json_object *it, *marker, *names, *tx;
	char id[SUBS_ID_LEN + 1], started[SUBS_TIME_LEN], end[SUBS_TIME_LEN];
	struct timespec now;
	struct ddb_expr x;
	enum err e;

	*item = NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	if (!subs_new_id(now.tv_sec, now.tv_nsec / 1000000L, id))
		return ERR_INTERNAL;
	subs_time(now.tv_sec, started);
	if (!subs_period_end(now.tv_sec, n->billing_period, end))
		return ERR_INVALID;
	if ((it = new_item(a, user_id, id, n, started, end)) == NULL)
		return ERR_INTERNAL;
	marker = subs_key(a, user_id, ACTIVE_KEY);
	subs_add_str(marker, "active_subscription_id", id);
	subs_add_str(marker, "plan", n->plan);
	subs_add_str(marker, "billing_period", n->billing_period);
	subs_add_str(marker, "since", started);
	names = subs_obj(a);
	subs_add_str(names, "#sk", "subscription_id");
	memset(&x, 0, sizeof(x));
	x.condition = "attribute_not_exists(#sk)";
	x.names = names;
	tx = jx_own(a, json_object_new_array());
	if (n->stripe) {
		/* The slot is free, or held by a pending one past its time. */
		struct json_object *mn = subs_obj(a), *mv = subs_obj(a);
		struct ddb_expr mx;

		json_object_object_add(marker, "pending_until",
		    json_object_new_int64(n->pending_until));
		subs_add_str(marker, "provider", "stripe");
		subs_add_str(mn, "#sk", "subscription_id");
		subs_add_str(mn, "#pu", "pending_until");
		json_object_object_add(mv, ":now",
		    json_object_new_int64((int64_t)now.tv_sec));
		memset(&mx, 0, sizeof(mx));
		mx.condition = "attribute_not_exists(#sk) OR #pu < :now";
		mx.names = mn;
		mx.values = mv;
		json_object_array_add(tx, subs_tx_op(a, "Put", table, "Item",
		    marker, &mx));
	} else
		json_object_array_add(tx, subs_tx_op(a, "Put", table, "Item",
		    marker, &x));
	json_object_array_add(tx, subs_tx_op(a, "Put", table, "Item", it, &x));
	e = subs_transact(d, a, tx);
	if (e == ERR_PRECONDITION && made_by_us(d, a, table, user_id, id))
		e = ERR_OK;
	if (e == ERR_PRECONDITION)
		return ERR_CONFLICT;
	if (e == ERR_OK)
		*item = it;
	return e;
}

enum err
subs_get(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id, struct json_object **item)
{
	return ddb_get_item(d, a, table, subs_key(a, user_id, id), true, item);
}

bool
subs_valid_key(struct json_object *key, const char *user_id)
{
	const char *u, *s;
	size_t nu, ns;

	u = jx_str(key, "user_id", &nu);
	s = jx_str(key, "subscription_id", &ns);
	return json_object_is_type(key, json_type_object) &&
	    json_object_object_length(key) == 2 && u != NULL && s != NULL &&
	    nu == strlen(user_id) && memcmp(u, user_id, nu) == 0 &&
	    subs_valid_id(s, ns);
}

enum err
subs_list(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, int limit, struct json_object *start_key,
    struct json_object **items, struct json_object **next_key)
{
	struct json_object *names = subs_obj(a), *values = subs_obj(a), *out;
	struct ddb_page page;
	struct ddb_expr x;
	size_t i, n;
	enum err e;

	*items = NULL;
	*next_key = NULL;
	subs_add_str(names, "#u", "user_id");
	subs_add_str(names, "#s", "subscription_id");
	subs_add_str(values, ":u", user_id);
	subs_add_str(values, ":p", SUBS_PREFIX);
	memset(&x, 0, sizeof(x));
	x.condition = "#u = :u AND begins_with(#s, :p)";
	x.names = names;
	x.values = values;
	/* One more than asked: whether a next page exists, without handing
	 * out a cursor to an empty page. */
	if ((e = ddb_query(d, a, table, &x, start_key, limit + 1, false,
	    &page)) != ERR_OK)
		return e;
	out = jx_own(a, json_object_new_array());
	n = json_object_array_length(page.items);
	for (i = 0; i < n && i < (size_t)limit; i++)
		json_object_array_add(out, json_object_get(subs_public(a,
		    json_object_array_get_idx(page.items, i))));
	if (n > (size_t)limit)
		*next_key = subs_key(a, user_id, jx_str(json_object_array_get_idx(
		    page.items, (size_t)limit - 1), "subscription_id", NULL));
	else
		*next_key = page.last_key;
	*items = out;
	return ERR_OK;
}

static bool
is_status(struct json_object *item, const char *status)
{
	const char *s = jx_str(item, "status", NULL);

	return s != NULL && strcmp(s, status) == 0;
}

/* The transaction that cancels id at now and removes the marker. */
static struct json_object *
cancel_tx(struct arena *a, const char *table, const char *user_id,
    const char *id, const char *now)
{
	struct json_object *tx = jx_own(a, json_object_new_array());
	struct json_object *un = subs_obj(a), *uv = subs_obj(a), *dn = subs_obj(a);
	struct json_object *dv = subs_obj(a);
	struct ddb_expr u, del;

	subs_add_str(un, "#st", "status");
	subs_add_str(un, "#ca", "canceled_at");
	subs_add_str(un, "#v", "version");
	subs_add_str(uv, ":canceled", "canceled");
	subs_add_str(uv, ":active", "active");
	subs_add_str(uv, ":pending", "pending");
	subs_add_str(uv, ":now", now);
	json_object_object_add(uv, ":one", json_object_new_int(1));
	memset(&u, 0, sizeof(u));
	u.update = "SET #st = :canceled, #ca = :now, #v = #v + :one";
	/* A pending one (Stripe, never paid) ends at once too. */
	u.condition = "#st IN (:active, :pending)";
	u.names = un;
	u.values = uv;
	subs_add_str(dn, "#sk", "subscription_id");
	subs_add_str(dn, "#aid", "active_subscription_id");
	subs_add_str(dv, ":id", id);
	memset(&del, 0, sizeof(del));
	/* A missing marker is no reason to keep a subscription active. */
	del.condition = "attribute_not_exists(#sk) OR #aid = :id";
	del.names = dn;
	del.values = dv;
	json_object_array_add(tx, subs_tx_op(a, "Update", table, "Key",
	    subs_key(a, user_id, id), &u));
	json_object_array_add(tx, subs_tx_op(a, "Delete", table, "Key",
	    subs_key(a, user_id, ACTIVE_KEY), &del));
	return tx;
}

enum err
subs_cancel(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *id, struct json_object **item)
{
	char now[SUBS_TIME_LEN];
	enum err e;

	*item = NULL;
	if ((e = subs_get(d, a, table, user_id, id, item)) != ERR_OK)
		return e;
	if (*item == NULL)
		return ERR_NOT_FOUND;
	if (is_status(*item, "canceled"))
		return ERR_OK;
	subs_time(time(NULL), now);
	e = subs_transact(d, a, cancel_tx(a, table, user_id, id, now));
	if (e != ERR_OK && e != ERR_PRECONDITION)
		return e;
	/* Done, or a concurrent cancel won: either way, read the result. */
	if ((e = subs_get(d, a, table, user_id, id, item)) != ERR_OK)
		return e;
	if (*item == NULL)
		return ERR_NOT_FOUND;
	if (!is_status(*item, "canceled")) {
		log_kv(LOG_ERROR, "active subscription without its marker",
		    "subscription_id", id, NULL);
		return ERR_CONFLICT;
	}
	return ERR_OK;
}

/*
 * May the Stripe subscription the marker m names grant its plan?  Not
 * while pending; active, yes; past_due until current_period_end.
 */
static enum err
stripe_grants(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, struct json_object *m, bool *grants)
{
	struct json_object *it;
	const char *id = jx_str(m, "active_subscription_id", NULL), *st, *end;
	char now[SUBS_TIME_LEN];
	enum err e;

	*grants = false;
	if (jx_get(m, "pending_until") != NULL || id == NULL)
		return ERR_OK;
	if ((e = subs_get(d, a, table, user_id, id, &it)) != ERR_OK ||
	    it == NULL)
		return e;
	st = jx_str(it, "status", NULL);
	end = jx_str(it, "current_period_end", NULL);
	subs_time(time(NULL), now);
	*grants = st != NULL && (strcmp(st, "active") == 0 ||
	    (strcmp(st, "past_due") == 0 && end != NULL &&
	    strcmp(now, end) < 0));
	return ERR_OK;
}

enum err
subs_tier(struct ddb *d, struct arena *a, const char *table,
    const struct plans *plans, const char *user_id, const struct plan **tier)
{
	struct json_object *m;
	const char *plan, *prov;
	bool grants = true;
	enum err e;

	*tier = plans_default(plans);
	if ((e = ddb_get_item(d, a, table, subs_key(a, user_id, ACTIVE_KEY),
	    true, &m)) != ERR_OK || m == NULL)
		return e;
	if ((plan = jx_str(m, "plan", NULL)) == NULL)
		return ERR_UPSTREAM;
	prov = jx_str(m, "provider", NULL);
	if (prov != NULL && strcmp(prov, "stripe") == 0 &&
	    (e = stripe_grants(d, a, table, user_id, m, &grants)) != ERR_OK)
		return e;
	if (!grants)
		return ERR_OK;
	if ((*tier = plans_find(plans, plan, strlen(plan))) == NULL) {
		log_kv(LOG_WARN, "active subscription of an unknown plan; "
		    "treated as free", "plan", plan, NULL);
		*tier = plans_default(plans);
	}
	return ERR_OK;
}

struct json_object *
subs_public(struct arena *a, struct json_object *item)
{
	struct json_object *o = subs_obj(a), *v;
	const char *st = jx_str(item, "status", NULL);
	const char *pu = jx_str(item, "pending_until", NULL);
	char now[SUBS_TIME_LEN];
	bool pending = st != NULL && strcmp(st, "pending") == 0;
	size_t i;

	for (i = 0; i < sizeof(public_fields) / sizeof(public_fields[0]); i++)
		json_object_object_add(o, public_fields[i],
		    json_object_object_get_ex(item, public_fields[i], &v) ?
		    json_object_get(v) : NULL);
	if (json_object_object_get_ex(item, "cancel_at_period_end", &v) == 0)
		json_object_object_add(o, "cancel_at_period_end",
		    json_object_new_boolean(0));
	if (!pending)
		json_object_object_add(o, "checkout_url", NULL);
	subs_time(time(NULL), now);
	if (pending && pu != NULL && strcmp(pu, now) < 0) {
		/* Never paid within its 24 hours: it is over. */
		subs_add_str(o, "status", "canceled");
		subs_add_str(o, "canceled_at", pu);
		json_object_object_add(o, "checkout_url", NULL);
	}
	return o;
}
