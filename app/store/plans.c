#include "store/plans.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/xalloc.h"
#include "json/jx.h"

static const char *const feature_names[FEAT__MAX] = {
	"plant_recommendations",   /* FEAT_PLANT_RECOMMENDATIONS */
};

static const char *const billing_periods[] = { "monthly", "yearly", NULL };
static const char *const month_only[] = { "month", NULL };

/* A plan's members; "prices" (an array) is checked on its own. */
static const struct jx_field plan_fields[] = {
	{ "id", JX_STRING, true, 0, PLAN_ID_MAX, NULL },
	{ "name", JX_STRING, true, 0, PLAN_NAME_MAX, NULL },
	{ "features", JX_OBJECT, true, 0, 0, NULL },
};

static const struct jx_field price_fields[] = {
	{ "billing_period", JX_STRING, true, 0, 16, billing_periods },
	{ "amount", JX_STRING, true, 0, 15, NULL },
	{ "currency", JX_STRING, true, 0, 3, NULL },
	{ "stripe_lookup_key", JX_STRING, false, 0, PLAN_LOOKUP_KEY_MAX, NULL },
};

static const struct jx_field feature_fields[] = {
	{ "limit", JX_INT, true, 0, PLAN_LIMIT_MAX, NULL },
	{ "period", JX_STRING, true, 0, 8, month_only },
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

const char *
plans_feature_name(enum plan_feature f)
{
	return (unsigned)f < FEAT__MAX ? feature_names[f] : "?";
}

/* A plan id: 1..32 bytes of [a-z0-9_-]. */
static bool
valid_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > PLAN_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* Money: "0.99", "4.99", "120.00": 1..9 integer digits (no leading
 * zero), a point, exactly two decimals. */
static bool
valid_amount(const char *s, size_t n)
{
	size_t i, dot;

	if (n < 4 || s[n - 3] != '.')
		return false;
	dot = n - 3;
	if (dot > 9 || (dot > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < n; i++)
		if (i != dot && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	return true;
}

/* ISO 4217 form: three upper-case letters. */
static bool
valid_currency(const char *s, size_t n)
{
	size_t i;

	if (n != 3)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}

static bool
is_array(struct json_object *v)
{
	return json_object_is_type(v, json_type_array);
}

/* A Stripe lookup_key of ours: 1..64 of [a-z0-9_-]. */
static bool
valid_lookup_key(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return false;
	return n > 0 && n <= PLAN_LOOKUP_KEY_MAX;
}

/* One {"billing_period","amount","currency"} into pr. */
static bool
parse_price(struct json_object *o, struct plan_price *pr, const char **why)
{
	const char *field, *bp, *amount, *cur, *lk;
	size_t nb, na, nc, nl;

	if (!jx_check(o, price_fields, NFIELDS(price_fields), false, why,
	    &field)) {
		*why = "a price needs exactly billing_period (monthly or "
		    "yearly), amount and currency (and may name its "
		    "stripe_lookup_key)";
		return false;
	}
	lk = jx_str(o, "stripe_lookup_key", &nl);
	if (lk != NULL && !valid_lookup_key(lk, nl)) {
		*why = "a stripe_lookup_key must be 1 to 64 of a-z, 0-9, _ "
		    "and -";
		return false;
	}
	if (lk != NULL)
		memcpy(pr->lookup_key, lk, nl);
	bp = jx_str(o, "billing_period", &nb);
	amount = jx_str(o, "amount", &na);
	cur = jx_str(o, "currency", &nc);
	if (!valid_amount(amount, na)) {
		*why = "a price amount must be a decimal string like \"4.99\"";
		return false;
	}
	if (!valid_currency(cur, nc)) {
		*why = "a price currency must be three upper-case letters";
		return false;
	}
	memcpy(pr->billing_period, bp, nb);
	memcpy(pr->amount, amount, na);
	memcpy(pr->currency, cur, nc);
	return true;
}

static bool
parse_prices(struct json_object *arr, struct plan *pl, const char **why)
{
	size_t i, k, n;

	if (!is_array(arr)) {
		*why = "prices must be an array";
		return false;
	}
	if ((n = json_object_array_length(arr)) > PLAN_PRICES_MAX) {
		*why = "a plan has too many prices";
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!parse_price(json_object_array_get_idx(arr, i),
		    &pl->price[i], why))
			return false;
		for (k = 0; k < i; k++)
			if (strcmp(pl->price[k].billing_period,
			    pl->price[i].billing_period) == 0) {
				*why = "a plan has two prices for one billing "
				    "period";
				return false;
			}
	}
	pl->nprices = n;
	return true;
}

/* features: exactly the known ones, each {"limit":n,"period":"month"}. */
static bool
parse_features(struct json_object *o, struct plan *pl, const char **why)
{
	const char *field;
	int64_t limit;
	size_t f;

	if (json_object_object_length(o) != FEAT__MAX) {
		*why = "features must name plant_recommendations and nothing "
		    "else";
		return false;
	}
	for (f = 0; f < FEAT__MAX; f++) {
		struct json_object *v = jx_get(o, feature_names[f]);
		if (v == NULL) {
			*why = "features must name plant_recommendations and "
			    "nothing else";
			return false;
		}
		if (!jx_check(v, feature_fields, NFIELDS(feature_fields),
		    false, why, &field) ||
		    !jx_int(v, "limit", 0, PLAN_LIMIT_MAX, &limit)) {
			*why = "a feature needs exactly limit (an integer from "
			    "0 to 1000000) and period (\"month\")";
			return false;
		}
		pl->limit[f] = limit;
	}
	return true;
}

static bool
parse_plan(struct json_object *o, struct plan *pl, const char **why)
{
	const char *field, *id, *name;
	size_t ni, nn;

	memset(pl, 0, sizeof(*pl));
	if (!jx_check(o, plan_fields, NFIELDS(plan_fields), true, why,
	    &field) || json_object_object_length(o) != 4 ||
	    jx_get(o, "prices") == NULL) {
		*why = "a plan needs exactly id, name, prices and features";
		return false;
	}
	id = jx_str(o, "id", &ni);
	name = jx_str(o, "name", &nn);
	if (!valid_id(id, ni)) {
		*why = "a plan id must be 1 to 32 of a-z, 0-9, '_' and '-'";
		return false;
	}
	memcpy(pl->id, id, ni);
	memcpy(pl->name, name, nn);
	return parse_prices(jx_get(o, "prices"), pl, why) &&
	    parse_features(jx_get(o, "features"), pl, why);
}

/* Whole-file rules: unique ids, a price-less "free", priced others. */
static bool
check_set(const struct plans *p, const char **why, int *at)
{
	size_t i, k;
	bool have_free = false;

	for (i = 0; i < p->n; i++) {
		const struct plan *pl = &p->plan[i];
		*at = (int)i;
		for (k = 0; k < i; k++)
			if (strcmp(p->plan[k].id, pl->id) == 0) {
				*why = "two plans have the same id";
				return false;
			}
		if (strcmp(pl->id, PLANS_FREE_ID) == 0) {
			have_free = true;
			if (pl->nprices != 0) {
				*why = "the free plan must have no prices";
				return false;
			}
		} else if (pl->nprices == 0) {
			*why = "every plan but free needs at least one price";
			return false;
		}
	}
	*at = -1;
	if (!have_free) {
		*why = "there must be a plan with id \"free\"";
		return false;
	}
	return true;
}

static enum err
parse_tree(struct json_object *root, struct plans *out, const char **why,
    int *at)
{
	struct json_object *arr;
	size_t i, n;

	if (!json_object_is_type(root, json_type_object) ||
	    json_object_object_length(root) != 1 ||
	    !is_array(arr = jx_get(root, "plans"))) {
		*why = "the file must be an object with exactly one member, "
		    "\"plans\", an array";
		return ERR_INVALID;
	}
	n = json_object_array_length(arr);
	if (n == 0 || n > PLANS_MAX) {
		*why = "there must be 1 to 16 plans";
		return ERR_INVALID;
	}
	for (i = 0; i < n; i++) {
		*at = (int)i;
		if (!parse_plan(json_object_array_get_idx(arr, i),
		    &out->plan[i], why))
			return ERR_INVALID;
	}
	out->n = n;
	return check_set(out, why, at) ? ERR_OK : ERR_INVALID;
}

enum err
plans_parse(const char *text, size_t len, struct plans *out,
    const char **why, int *at)
{
	struct json_object *root = NULL;
	enum err e;

	memset(out, 0, sizeof(*out));
	*at = -1;
	*why = NULL;
	/* Depth 5 is enough: file, plans, plan, features, feature. */
	e = jx_parse(NULL, text, len, PLANS_FILE_MAX, 6, &root, why);
	if (e == ERR_OK)
		e = parse_tree(root, out, why, at);
	json_object_put(root);
	if (e != ERR_OK)
		memset(out, 0, sizeof(*out));
	return e;
}

enum err
plans_load(const char *path, struct plans **out, const char **why, int *at)
{
	struct plans *p;
	char *text;
	size_t len;
	FILE *f;
	enum err e;

	*out = NULL;
	*at = -1;
	if ((f = fopen(path, "rb")) == NULL) {
		*why = errno == ENOENT ? "the file does not exist" :
		    "the file cannot be opened";
		return ERR_NOT_FOUND;
	}
	text = xmalloc(PLANS_FILE_MAX + 1);
	len = fread(text, 1, PLANS_FILE_MAX + 1, f);
	if (ferror(f)) {
		*why = "the file cannot be read";
		e = ERR_NOT_FOUND;
	} else if (len > PLANS_FILE_MAX) {
		*why = "the file is larger than 64 KiB";
		e = ERR_TOO_LARGE;
	} else {
		p = xcalloc(1, sizeof(*p));
		if ((e = plans_parse(text, len, p, why, at)) == ERR_OK)
			*out = p;
		else
			free(p);
	}
	fclose(f);
	free(text);
	return e;
}

void
plans_free(struct plans *p)
{
	free(p);
}

const struct plan *
plans_find(const struct plans *p, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strlen(p->plan[i].id) == n &&
		    memcmp(p->plan[i].id, s, n) == 0)
			return &p->plan[i];
	return NULL;
}

const struct plan *
plans_default(const struct plans *p)
{
	return plans_find(p, PLANS_FREE_ID, strlen(PLANS_FREE_ID));
}

const struct plan_price *
plans_price(const struct plan *pl, const char *bp, size_t n)
{
	size_t i;

	for (i = 0; i < pl->nprices; i++)
		if (strlen(pl->price[i].billing_period) == n &&
		    memcmp(pl->price[i].billing_period, bp, n) == 0)
			return &pl->price[i];
	return NULL;
}

static struct json_object *
plan_json(const struct plan *pl)
{
	struct json_object *o = json_object_new_object();
	struct json_object *prices = json_object_new_array();
	struct json_object *feats = json_object_new_object(), *f;
	size_t i;

	json_object_object_add(o, "id", json_object_new_string(pl->id));
	json_object_object_add(o, "name", json_object_new_string(pl->name));
	for (i = 0; i < pl->nprices; i++) {
		struct json_object *pr = json_object_new_object();
		json_object_object_add(pr, "billing_period",
		    json_object_new_string(pl->price[i].billing_period));
		json_object_object_add(pr, "amount",
		    json_object_new_string(pl->price[i].amount));
		json_object_object_add(pr, "currency",
		    json_object_new_string(pl->price[i].currency));
		json_object_array_add(prices, pr);
	}
	json_object_object_add(o, "prices", prices);
	for (i = 0; i < FEAT__MAX; i++) {
		f = json_object_new_object();
		json_object_object_add(f, "limit",
		    json_object_new_int64(pl->limit[i]));
		json_object_object_add(f, "period",
		    json_object_new_string("month"));
		json_object_object_add(feats, feature_names[i], f);
	}
	json_object_object_add(o, "features", feats);
	return o;
}

struct json_object *
plans_to_json(struct arena *a, const struct plans *p)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < p->n; i++)
		json_object_array_add(arr, plan_json(&p->plan[i]));
	return jx_own(a, arr);
}
