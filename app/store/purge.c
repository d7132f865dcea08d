#include "store/purge.h"

#include <string.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "aws/ddb_write.h"
#include "core/arena.h"
#include "core/deadline.h"
#include "core/log.h"
#include "json/jx.h"
#include "store/subs_int.h"

static struct json_object *
marker_key(struct arena *a, const char *sub)
{
	return subs_key(a, PURGE_PARTITION, sub);
}

/* A names or values object: pairs of key, value until a NULL key; a
 * NULL value leaves its key out.  Values are json-c objects (taken). */
static struct json_object *
members(struct arena *a, const char *k1, struct json_object *v1,
    const char *k2, struct json_object *v2, const char *k3,
    struct json_object *v3, const char *k4, struct json_object *v4)
{
	struct json_object *o = jx_own(a, json_object_new_object());
	const char *k[4] = { k1, k2, k3, k4 };
	struct json_object *v[4] = { v1, v2, v3, v4 };
	int i;

	for (i = 0; i < 4; i++) {
		if (k[i] == NULL || v[i] == NULL) {
			json_object_put(v[i]);
			continue;
		}
		if (o != NULL)
			json_object_object_add(o, k[i], v[i]);
		else
			json_object_put(v[i]);
	}
	return o;
}

static struct json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static const char *const marker_names[][2] = {
	{ "#e", "email" }, { "#n", "username" }, { "#r", "requested_at" },
	{ "#l", "lease_until" }, { "#d", "ended" },
};

/* The marker's attribute names an expression uses, by their letters
 * ("ld": #l and #d): DynamoDB refuses names an expression leaves out. */
static struct json_object *
names(struct arena *a, const char *which)
{
	struct json_object *o = jx_own(a, json_object_new_object());
	size_t i;

	for (i = 0; o != NULL && i < sizeof(marker_names) /
	    sizeof(marker_names[0]); i++)
		if (strchr(which, marker_names[i][0][1]) != NULL)
			json_object_object_add(o, marker_names[i][0],
			    json_object_new_string(marker_names[i][1]));
	return o;
}

enum err
purge_record(struct ddb *d, struct arena *a, const char *subscriptions_table,
    const struct purge *p, int64_t lease_until)
{
	struct ddb_expr x;
	const char *upd;

	upd = arena_printf(a, "SET %s%s#r = if_not_exists(#r, :r), "
	    "#l = :l, #d = if_not_exists(#d, :f)",
	    p->email != NULL ? "#e = :e, " : "",
	    p->username != NULL ? "#n = :n, " : "");
	memset(&x, 0, sizeof(x));
	x.update = upd;
	x.names = names(a, p->email != NULL && p->username != NULL ? "enrld" :
	    p->email != NULL ? "erld" : p->username != NULL ? "nrld" : "rld");
	x.values = members(a, ":e", str_or_null(p->email), ":n",
	    str_or_null(p->username), ":r",
	    json_object_new_int64(p->requested_at), ":l",
	    json_object_new_int64(lease_until));
	if (upd == NULL || x.names == NULL || x.values == NULL)
		return ERR_TOO_LARGE;
	json_object_object_add(x.values, ":f", json_object_new_boolean(0));
	return ddb_update_item(d, a, subscriptions_table,
	    marker_key(a, p->sub), &x, NULL);
}

bool
purge_of(struct json_object *item, struct purge *p)
{
	const char *part = jx_str(item, "user_id", NULL);

	memset(p, 0, sizeof(*p));
	if (part == NULL || strcmp(part, PURGE_PARTITION) != 0 ||
	    (p->sub = jx_str(item, "subscription_id", NULL)) == NULL ||
	    p->sub[0] == '\0')
		return false;
	p->email = jx_str(item, "email", NULL);
	p->username = jx_str(item, "username", NULL);
	if ((jx_get(item, "email") != NULL && p->email == NULL) ||
	    (jx_get(item, "username") != NULL && p->username == NULL))
		return false;
	if (!jx_int(item, "requested_at", 0, INT64_MAX, &p->requested_at))
		p->requested_at = 0;
	if (!jx_int(item, "lease_until", 0, INT64_MAX, &p->lease_until))
		return false;
	if (!jx_bool(item, "ended", &p->ended))
		p->ended = false;
	return true;
}

enum err
purge_get(struct ddb *d, struct arena *a, const char *subscriptions_table,
    const char *sub, struct purge *p, bool *found)
{
	struct json_object *item;
	enum err e;

	*found = false;
	memset(p, 0, sizeof(*p));
	e = ddb_get_item(d, a, subscriptions_table, marker_key(a, sub), true,
	    &item);
	if (e != ERR_OK || item == NULL)
		return e;
	if (!purge_of(item, p)) {
		log_kv(LOG_ERROR, "purge: ill-formed marker", NULL);
		return ERR_UPSTREAM;
	}
	*found = true;
	return ERR_OK;
}

enum err
purge_claim(struct ddb *d, struct arena *a, const char *subscriptions_table,
    const char *sub, int64_t now, int64_t lease_until)
{
	struct ddb_expr x;

	memset(&x, 0, sizeof(x));
	x.update = "SET #l = :l";
	x.condition = "attribute_exists(#l) AND #l < :now";
	x.names = names(a, "l");
	x.values = members(a, ":l", json_object_new_int64(lease_until),
	    ":now", json_object_new_int64(now), NULL, NULL, NULL, NULL);
	if (x.names == NULL || x.values == NULL)
		return ERR_TOO_LARGE;
	return ddb_update_item(d, a, subscriptions_table, marker_key(a, sub),
	    &x, NULL);
}

enum err
purge_release(struct ddb *d, struct arena *a,
    const char *subscriptions_table, const char *sub, bool ended,
    int64_t lease_until)
{
	struct ddb_expr x;
	enum err e;

	memset(&x, 0, sizeof(x));
	x.update = ended ? "SET #l = :l, #d = :t" : "SET #l = :l";
	x.condition = "attribute_exists(#l)";
	x.names = names(a, ended ? "ld" : "l");
	x.values = members(a, ":l", json_object_new_int64(lease_until),
	    ":t", ended ? json_object_new_boolean(1) : NULL, NULL, NULL, NULL,
	    NULL);
	if (x.names == NULL || x.values == NULL)
		return ERR_TOO_LARGE;
	e = ddb_update_item(d, a, subscriptions_table, marker_key(a, sub), &x,
	    NULL);
	return e == ERR_PRECONDITION ? ERR_OK : e;
}

/* The Users item of p->email, only while it is p->sub's (or has no
 * sub): the email may belong to a newer account by now. */
static enum err
delete_profile(struct ddb *d, struct arena *a, const char *users_table,
    const struct purge *p)
{
	struct json_object *key = jx_own(a, json_object_new_object());
	struct ddb_expr x;
	enum err e;

	if (p->email == NULL)
		return ERR_OK;
	if (key == NULL)
		return ERR_TOO_LARGE;
	json_object_object_add(key, "email", json_object_new_string(p->email));
	memset(&x, 0, sizeof(x));
	x.condition = "attribute_not_exists(#s) OR #s = :s";
	x.names = members(a, "#s", json_object_new_string("sub"), NULL, NULL,
	    NULL, NULL, NULL, NULL);
	x.values = members(a, ":s", json_object_new_string(p->sub), NULL, NULL,
	    NULL, NULL, NULL, NULL);
	if (x.names == NULL || x.values == NULL)
		return ERR_TOO_LARGE;
	e = ddb_delete_item(d, a, users_table, key, &x, NULL);
	/* Another account's item now: not ours to delete. */
	return e == ERR_PRECONDITION ? ERR_OK : e;
}

/* A Query of every Subscriptions item of one partition (user_id);
 * false past the arena's cap. */
static bool
partition_query(struct arena *a, const char *partition, struct ddb_expr *q)
{
	memset(q, 0, sizeof(*q));
	q->condition = "#u = :u";
	q->names = members(a, "#u", json_object_new_string("user_id"), NULL,
	    NULL, NULL, NULL, NULL, NULL);
	q->values = members(a, ":u", json_object_new_string(partition), NULL,
	    NULL, NULL, NULL, NULL, NULL);
	return q->names != NULL && q->values != NULL;
}

/* The keys of a page of Subscriptions items of sub, for the deletes. */
static enum err
keys_of(struct arena *a, const char *sub, struct json_object *items,
    struct json_object **keys)
{
	size_t i, n = json_object_array_length(items);
	const char *id;

	if ((*keys = jx_own(a, json_object_new_array())) == NULL)
		return ERR_TOO_LARGE;
	for (i = 0; i < n; i++) {
		id = jx_str(json_object_array_get_idx(items, i),
		    "subscription_id", NULL);
		if (id == NULL)
			return ERR_UPSTREAM;
		json_object_array_add(*keys, json_object_get(subs_key(a, sub,
		    id)));
	}
	return ERR_OK;
}

enum err
purge_data(struct ddb *d, struct arena *a, const char *users_table,
    const char *subscriptions_table, const struct purge *p, int max_pages,
    bool *done)
{
	struct json_object *start = NULL, *keys;
	struct ddb_expr q;
	struct ddb_page page;
	int pages;
	enum err e;

	*done = false;
	if ((e = delete_profile(d, a, users_table, p)) != ERR_OK)
		return e;
	if (!partition_query(a, p->sub, &q))
		return ERR_TOO_LARGE;
	for (pages = 0; pages < max_pages; pages++) {
		if (deadline_left_ms(aws_deadline(d->aws)) < PURGE_PAGE_MIN_MS)
			return ERR_OK;
		e = ddb_query(d, a, subscriptions_table, &q, start, PURGE_PAGE,
		    true, &page);
		if (e == ERR_OK)
			e = keys_of(a, p->sub, page.items, &keys);
		if (e == ERR_OK && json_object_array_length(keys) > 0)
			e = ddb_batch_write(d, a, subscriptions_table, NULL, keys);
		if (e != ERR_OK)
			return e;
		if ((start = page.last_key) == NULL) {
			*done = true;
			return ERR_OK;
		}
	}
	return ERR_OK;
}

enum err
purge_finish(struct ddb *d, struct arena *a, const char *subscriptions_table,
    const char *sub)
{
	return ddb_delete_item(d, a, subscriptions_table, marker_key(a, sub),
	    NULL, NULL);
}

enum err
purge_list(struct ddb *d, struct arena *a, const char *subscriptions_table,
    struct json_object *start, int limit, struct ddb_page *page)
{
	struct ddb_expr q;

	if (!partition_query(a, PURGE_PARTITION, &q))
		return ERR_TOO_LARGE;
	return ddb_query(d, a, subscriptions_table, &q, start, limit, true,
	    page);
}
