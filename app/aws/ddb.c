#include "aws/ddb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"
#include "json/jx.h"

#define DDB_TARGET_PREFIX "DynamoDB_20120810."
#define DDB_NUMBER_MAX    40   /* DynamoDB numbers: 38 digits + sign, '.' */
#define DDB_TOKEN_MAX     32   /* a request token (nginx's $request_id) */
/* The attribute a write under a request token stores it in. */
#define DDB_WTOKEN_ATTR   "_wt"
#define DDB_WTOKEN_NAME   "#_wt"
#define DDB_WTOKEN_VALUE  ":_wt"

static const struct {
	const char *type;
	enum err    err;
} error_map[] = {
	{ "ConditionalCheckFailedException", ERR_PRECONDITION },
	{ "TransactionCanceledException",    ERR_CONFLICT },
	{ "ResourceInUseException",          ERR_EXISTS },
	{ "ResourceNotFoundException",       ERR_NOT_FOUND },
	{ "ValidationException",             ERR_INTERNAL },
	{ "SerializationException",          ERR_INTERNAL },
};

static enum err
map_error(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(error_map) / sizeof(error_map[0]); i++)
		if (type != NULL && strcmp(type, error_map[i].type) == 0)
			return error_map[i].err;
	return ERR_UPSTREAM;
}

void
ddb_begin_request(struct ddb *d, const char *token)
{
	size_t n = token != NULL ? strlen(token) : 0;

	/* ClientRequestToken is 1..36 characters: ours plus "-NNN". */
	d->token = n > 0 && n <= DDB_TOKEN_MAX &&
	    strspn(token, "0123456789abcdefABCDEF") == n ? token : NULL;
	d->txn_seq = 0;
	d->write_seq = 0;
	d->replayed = false;
	d->in_request = token != NULL;
	d->pages = 0;
}

enum err
ddb_call(struct ddb *d, struct arena *a, const char *op,
    struct json_object *body, struct json_object **out)
{
	struct aws_call call;
	struct aws_result res;
	const char *text, *why = NULL;
	char target[64];
	size_t len;
	enum err e;

	*out = NULL;
	/* Bounded work: a request reads at most LIM_DDB_PAGES pages. */
	if (d->in_request && (strcmp(op, "Query") == 0 ||
	    strcmp(op, "Scan") == 0) && ++d->pages > LIM_DDB_PAGES) {
		log_kv(LOG_ERROR, "dynamodb: the request's page cap is reached",
		    "op", op, NULL);
		return ERR_UNAVAILABLE;
	}
	text = json_object_to_json_string_length(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	snprintf(target, sizeof(target), DDB_TARGET_PREFIX "%s", op);
	memset(&call, 0, sizeof(call));
	call.endpoint = d->endpoint;
	call.service = "dynamodb";
	call.target = target;
	call.content_type = "application/x-amz-json-1.0";
	call.body = text;
	call.body_len = len;
	e = aws_json_call(d->aws, a, &call, &res);
	d->replayed = res.replayed;
	if (e == ERR_UPSTREAM) {
		e = map_error(res.error_type);
		/* A lost condition is normal flow; everything else is news. */
		if (e != ERR_PRECONDITION && e != ERR_EXISTS)
			log_kv(LOG_WARN, "dynamodb error", "op", op, "type",
			    res.error_type ? res.error_type : "?", NULL);
		if (e == ERR_CONFLICT || e == ERR_PRECONDITION) {
			/* Keep the answer: transactions name which item failed. */
			jx_parse(a, res.body ? res.body : "", res.body_len,
			    LIM_AWS_RESP_MAX, LIM_AWS_JSON_DEPTH, out, &why);
		}
		return e;
	}
	if (e != ERR_OK)
		return e;
	e = jx_parse(a, res.body, res.body_len, LIM_AWS_RESP_MAX,
	    LIM_AWS_JSON_DEPTH, out, &why);
	if (e != ERR_OK || !json_object_is_type(*out, json_type_object)) {
		log_kv(LOG_ERROR, "dynamodb answer is not a JSON object", "op", op,
		    "why", why ? why : "not an object", NULL);
		*out = NULL;
		return ERR_UPSTREAM;
	}
	return ERR_OK;
}

/* ---- marshalling ---------------------------------------------------- */

static struct json_object *
av(const char *type, struct json_object *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, type, v);   /* takes v's reference */
	return o;
}

/* plain -> AttributeValue, a new tree owned by the caller. */
static struct json_object *
marshal(struct json_object *v)
{
	struct json_object *r;
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return av("NULL", json_object_new_boolean(1));
	case json_type_boolean:
		return av("BOOL", json_object_new_boolean(
		    json_object_get_boolean(v)));
	case json_type_int:
	case json_type_double:
		/* The number's own text: decimals stay exact. */
		return av("N", json_object_new_string(
		    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)));
	case json_type_string:
		return av("S", json_object_new_string_len(
		    json_object_get_string(v), json_object_get_string_len(v)));
	case json_type_array:
		r = json_object_new_array();
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			json_object_array_add(r,
			    marshal(json_object_array_get_idx(v, i)));
		return av("L", r);
	case json_type_object:
		r = json_object_new_object();
		{
			json_object_object_foreach(v, k, m)
				json_object_object_add(r, k, marshal(m));
		}
		return av("M", r);
	}
	return av("NULL", json_object_new_boolean(1));
}

struct json_object *
ddb_marshal(struct arena *a, struct json_object *v)
{
	return jx_own(a, marshal(v));
}

static struct json_object *
marshal_item(struct json_object *o)
{
	struct json_object *r = json_object_new_object();

	json_object_object_foreach(o, k, v)
		json_object_object_add(r, k, marshal(v));
	return r;
}

struct json_object *
ddb_marshal_item(struct arena *a, struct json_object *o)
{
	if (!json_object_is_type(o, json_type_object))
		return NULL;
	return jx_own(a, marshal_item(o));
}

/* A DynamoDB number: -?digits(.digits)?([eE][+-]?digits)?, bounded. */
static bool
number_text_ok(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (n == 0 || n > DDB_NUMBER_MAX)
		return false;
	if (s[i] == '-')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		e0 = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == e0)
			return false;
	}
	return i == n;
}

static struct json_object *
number(const char *s, size_t n)
{
	int64_t x;

	if (!number_text_ok(s, n))
		return NULL;
	if (str_to_i64(s, n, INT64_MIN, INT64_MAX, &x))
		return json_object_new_int64(x);
	/* Keep the decimal text as DynamoDB gave it: no float round trip.
	 * s is NUL-terminated: it is a json-c string. */
	return json_object_new_double_s(strtod(s, NULL), s);
}

static bool unmarshal(struct json_object *v, int depth,
    struct json_object **out);

static bool
unmarshal_set(struct json_object *arr, bool numbers, struct json_object **out)
{
	struct json_object *r, *e, *x;
	size_t i, n;

	if (!json_object_is_type(arr, json_type_array))
		return false;
	r = json_object_new_array();
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string))
			goto bad;
		x = numbers ? number(json_object_get_string(e),
		    (size_t)json_object_get_string_len(e)) :
		    json_object_new_string_len(json_object_get_string(e),
		    json_object_get_string_len(e));
		if (x == NULL)
			goto bad;
		json_object_array_add(r, x);
	}
	*out = r;
	return true;
bad:
	json_object_put(r);
	return false;
}

static bool
unmarshal_map(struct json_object *m, int depth, struct json_object **out)
{
	struct json_object *r, *x;

	if (!json_object_is_type(m, json_type_object))
		return false;
	r = json_object_new_object();
	json_object_object_foreach(m, k, v) {
		if (!unmarshal(v, depth + 1, &x)) {
			json_object_put(r);
			return false;
		}
		json_object_object_add(r, k, x);
	}
	*out = r;
	return true;
}

static bool
unmarshal_list(struct json_object *l, int depth, struct json_object **out)
{
	struct json_object *r, *e;
	size_t i, n;

	if (!json_object_is_type(l, json_type_array))
		return false;
	r = json_object_new_array();
	n = json_object_array_length(l);
	for (i = 0; i < n; i++) {
		if (!unmarshal(json_object_array_get_idx(l, i), depth + 1, &e)) {
			json_object_put(r);
			return false;
		}
		json_object_array_add(r, e);
	}
	*out = r;
	return true;
}

/* AttributeValue -> plain (NULL is JSON null); false when ill-formed. */
static bool
unmarshal(struct json_object *v, int depth, struct json_object **out)
{
	struct json_object *x = NULL;
	const char *type = NULL;

	*out = NULL;
	if (depth > LIM_AWS_JSON_DEPTH ||
	    !json_object_is_type(v, json_type_object) ||
	    json_object_object_length(v) != 1)
		return false;
	{
		json_object_object_foreach(v, k, val) {
			type = k;
			x = val;
		}
	}
	if (strcmp(type, "S") == 0 || strcmp(type, "B") == 0) {
		if (!json_object_is_type(x, json_type_string))
			return false;
		*out = json_object_new_string_len(json_object_get_string(x),
		    json_object_get_string_len(x));
		return true;
	}
	if (strcmp(type, "N") == 0)
		return json_object_is_type(x, json_type_string) &&
		    (*out = number(json_object_get_string(x),
		    (size_t)json_object_get_string_len(x))) != NULL;
	if (strcmp(type, "BOOL") == 0) {
		if (!json_object_is_type(x, json_type_boolean))
			return false;
		*out = json_object_new_boolean(json_object_get_boolean(x));
		return true;
	}
	if (strcmp(type, "NULL") == 0)
		return json_object_is_type(x, json_type_boolean);
	if (strcmp(type, "M") == 0)
		return unmarshal_map(x, depth, out);
	if (strcmp(type, "SS") == 0 || strcmp(type, "BS") == 0)
		return unmarshal_set(x, false, out);
	if (strcmp(type, "NS") == 0)
		return unmarshal_set(x, true, out);
	if (strcmp(type, "L") == 0)
		return unmarshal_list(x, depth, out);
	return false;
}

struct json_object *
ddb_unmarshal_item(struct arena *a, struct json_object *item)
{
	struct json_object *o;

	if (!unmarshal_map(item, 0, &o))
		return NULL;
	/* The write token is ours to read (own_write), never the caller's. */
	json_object_object_del(o, DDB_WTOKEN_ATTR);
	return jx_own(a, o);
}

/* ---- operations ----------------------------------------------------- */

static struct json_object *
request(const char *table)
{
	struct json_object *b = json_object_new_object();

	json_object_object_add(b, "TableName", json_object_new_string(table));
	return b;
}

/* Add the expression parts of e; cond_key names the condition member. */
static void
add_expr(struct json_object *b, const struct ddb_expr *e,
    const char *cond_key)
{
	if (e == NULL)
		return;
	if (e->condition != NULL)
		json_object_object_add(b, cond_key,
		    json_object_new_string(e->condition));
	if (e->update != NULL)
		json_object_object_add(b, "UpdateExpression",
		    json_object_new_string(e->update));
	if (e->names != NULL)
		json_object_object_add(b, "ExpressionAttributeNames",
		    json_object_get(e->names));
	if (e->values != NULL)
		json_object_object_add(b, "ExpressionAttributeValues",
		    marshal_item(e->values));
}

/* Make the call and release the request tree on every path. */
static enum err
call_put(struct ddb *d, struct arena *a, const char *op,
    struct json_object *body, struct json_object **out)
{
	enum err e = ddb_call(d, a, op, body, out);

	json_object_put(body);
	return e;
}

/* Unmarshal member name of answer (an item), or NULL when absent. */
static enum err
item_of(struct arena *a, struct json_object *ans, const char *name,
    struct json_object **item)
{
	struct json_object *raw = jx_get(ans, name);

	*item = NULL;
	if (raw == NULL)
		return ERR_OK;
	if ((*item = ddb_unmarshal_item(a, raw)) == NULL) {
		log_kv(LOG_ERROR, "dynamodb item is ill-formed", NULL);
		return ERR_UPSTREAM;
	}
	return ERR_OK;
}

enum err
ddb_get_item(struct ddb *d, struct arena *a, const char *table,
    struct json_object *key, bool consistent, struct json_object **item)
{
	struct json_object *b = request(table), *ans;
	enum err e;

	*item = NULL;
	json_object_object_add(b, "Key", marshal_item(key));
	if (consistent)
		json_object_object_add(b, "ConsistentRead",
		    json_object_new_boolean(1));
	if ((e = call_put(d, a, "GetItem", b, &ans)) != ERR_OK)
		return e;
	return item_of(a, ans, "Item", item);
}

/*
 * Writes applied once, seen from the caller (API 1.1: a caller's own
 * retried write never answers 412 or 404 because of its first attempt).
 * Under a request token the n-th put or update of the request also
 * stores "<token>.<n>" in DDB_WTOKEN_ATTR and asks for the item as it
 * was when its condition fails (ReturnValuesOnConditionCheckFailure
 * ALL_OLD).  When a condition fails and the item holds that very value,
 * an earlier attempt of this same write was applied (our retry after a
 * lost answer, or nginx re-sending the request after the worker that
 * ran it died): the write succeeded, and the item it left is the
 * answer.  The sequence number keeps an earlier, different write of the
 * same request from passing for this one.  A conditional delete re-sent
 * after an unknown outcome (d->replayed) that finds the item gone was
 * ours too.
 */

/* The caller's names/values objects plus the token's (new, owned). */
static struct json_object *
with_member(struct json_object *o, const char *k, struct json_object *v)
{
	struct json_object *c = json_object_new_object();

	if (o != NULL) {
		json_object_object_foreach(o, key, val)
			json_object_object_add(c, key, json_object_get(val));
	}
	json_object_object_add(c, k, v);
	return c;
}

/* upd with "#_wt = :_wt" in its SET clause (one added when none). */
static const char *
update_with_token(struct arena *a, const char *upd)
{
	const char *set = NULL, *p;

	for (p = upd; p != NULL && (p = strstr(p, "SET ")) != NULL; p++)
		if (p == upd || p[-1] == ' ') {
			set = p;
			break;
		}
	if (set == NULL)
		return arena_printf(a, "%s SET " DDB_WTOKEN_NAME " = "
		    DDB_WTOKEN_VALUE, upd);
	return arena_printf(a, "%.*sSET " DDB_WTOKEN_NAME " = "
	    DDB_WTOKEN_VALUE ", %s", (int)(set - upd), upd, set + 4);
}

/* The value this write stores: "<token>.<n>" (n counts the request's
 * puts and updates). */
static const char *
write_token(struct ddb *d, struct arena *a)
{
	return arena_printf(a, "%s.%d", d->token, d->write_seq++);
}

/* Add the expression with the token's SET and ALL_OLD on a failure. */
static bool
add_token_expr(struct arena *a, struct json_object *b,
    const struct ddb_expr *e, const char *wt)
{
	struct json_object *names, *values;
	const char *upd = update_with_token(a, e->update);

	if (upd == NULL)
		return false;
	names = with_member(e->names, DDB_WTOKEN_NAME,
	    json_object_new_string(DDB_WTOKEN_ATTR));
	values = jx_own(a, with_member(e->values, DDB_WTOKEN_VALUE,
	    json_object_new_string(wt)));
	if (e->condition != NULL)
		json_object_object_add(b, "ConditionExpression",
		    json_object_new_string(e->condition));
	json_object_object_add(b, "UpdateExpression",
	    json_object_new_string(upd));
	json_object_object_add(b, "ExpressionAttributeNames", names);
	json_object_object_add(b, "ExpressionAttributeValues",
	    marshal_item(values));
	return true;
}

/* A failed condition's old item (ALL_OLD) holds this write's token. */
static bool
holds_our_token(const char *wt, struct json_object *ans)
{
	const char *t = jx_str(jx_get(jx_get(ans, "Item"), DDB_WTOKEN_ATTR),
	    "S", NULL);

	return wt != NULL && t != NULL && strcmp(t, wt) == 0;
}

static bool
own_write(enum err e, const char *wt, struct json_object *ans)
{
	bool ours = e == ERR_PRECONDITION && holds_our_token(wt, ans);

	if (ours)
		log_kv(LOG_INFO, "dynamodb: a re-sent write found its own "
		    "earlier attempt applied", NULL);
	return ours;
}

enum err
ddb_put_item(struct ddb *d, struct arena *a, const char *table,
    struct json_object *item, const struct ddb_expr *e)
{
	struct json_object *b = request(table), *ans = NULL, *it = item;
	const char *wt = NULL;
	enum err err;

	if (d->token != NULL && (wt = write_token(d, a)) != NULL) {
		it = jx_own(a, with_member(item, DDB_WTOKEN_ATTR,
		    json_object_new_string(wt)));
		json_object_object_add(b, "ReturnValuesOnConditionCheckFailure",
		    json_object_new_string("ALL_OLD"));
	}
	json_object_object_add(b, "Item", marshal_item(it));
	add_expr(b, e, "ConditionExpression");
	err = call_put(d, a, "PutItem", b, &ans);
	return own_write(err, wt, ans) ? ERR_OK : err;
}

enum err
ddb_update_item(struct ddb *d, struct arena *a, const char *table,
    struct json_object *key, const struct ddb_expr *e,
    struct json_object **item)
{
	struct json_object *b = request(table), *ans = NULL;
	const char *member = "Attributes", *wt = NULL;
	enum err err;

	if (item != NULL)
		*item = NULL;
	json_object_object_add(b, "Key", marshal_item(key));
	if (d->token != NULL && e != NULL && e->update != NULL) {
		if ((wt = write_token(d, a)) == NULL ||
		    !add_token_expr(a, b, e, wt)) {
			json_object_put(b);
			return ERR_TOO_LARGE;
		}
		json_object_object_add(b, "ReturnValuesOnConditionCheckFailure",
		    json_object_new_string("ALL_OLD"));
	} else
		add_expr(b, e, "ConditionExpression");
	json_object_object_add(b, "ReturnValues",
	    json_object_new_string("ALL_NEW"));
	err = call_put(d, a, "UpdateItem", b, &ans);
	if (own_write(err, wt, ans)) {
		/* The item as our first attempt left it. */
		err = ERR_OK;
		member = "Item";
	}
	if (err != ERR_OK)
		return err;
	if (item == NULL)
		return ERR_OK;
	return item_of(a, ans, member, item);
}

enum err
ddb_delete_item(struct ddb *d, struct arena *a, const char *table,
    struct json_object *key, const struct ddb_expr *e,
    struct json_object **old)
{
	struct json_object *b = request(table), *ans = NULL;
	enum err err;

	if (old != NULL)
		*old = NULL;
	json_object_object_add(b, "Key", marshal_item(key));
	add_expr(b, e, "ConditionExpression");
	json_object_object_add(b, "ReturnValues",
	    json_object_new_string("ALL_OLD"));
	if (d->token != NULL)
		json_object_object_add(b, "ReturnValuesOnConditionCheckFailure",
		    json_object_new_string("ALL_OLD"));
	err = call_put(d, a, "DeleteItem", b, &ans);
	/* Re-sent after an unknown outcome and the item is gone: our
	 * first attempt deleted it.  (The old item is not known then.) */
	if (err == ERR_PRECONDITION && d->token != NULL && d->replayed &&
	    jx_get(ans, "Item") == NULL) {
		log_kv(LOG_INFO, "dynamodb: a re-sent delete found its own "
		    "earlier attempt applied", NULL);
		return ERR_OK;
	}
	if (err != ERR_OK)
		return err;
	if (old == NULL)
		return ERR_OK;
	return item_of(a, ans, "Attributes", old);
}

/* Items and LastEvaluatedKey of a Scan or Query answer. */
static enum err
page_of(struct arena *a, struct json_object *ans, struct ddb_page *page)
{
	struct json_object *items = jx_get(ans, "Items"), *out, *it;
	size_t i, n;
	enum err e;

	page->items = NULL;
	page->last_key = NULL;
	if (!json_object_is_type(items, json_type_array))
		return ERR_UPSTREAM;
	out = jx_own(a, json_object_new_array());
	n = json_object_array_length(items);
	for (i = 0; i < n; i++) {
		if ((it = ddb_unmarshal_item(a, json_object_array_get_idx(items,
		    i))) == NULL)
			return ERR_UPSTREAM;
		json_object_array_add(out, json_object_get(it));
	}
	page->items = out;
	e = item_of(a, ans, "LastEvaluatedKey", &page->last_key);
	return e;
}

static void
add_paging(struct json_object *b, struct json_object *start_key, int limit)
{
	if (start_key != NULL)
		json_object_object_add(b, "ExclusiveStartKey",
		    marshal_item(start_key));
	if (limit > 0)
		json_object_object_add(b, "Limit", json_object_new_int(limit));
}

enum err
ddb_scan(struct ddb *d, struct arena *a, const char *table,
    struct json_object *start_key, int limit, struct ddb_page *page)
{
	struct json_object *b = request(table), *ans;
	enum err e;

	add_paging(b, start_key, limit);
	if ((e = call_put(d, a, "Scan", b, &ans)) != ERR_OK)
		return e;
	return page_of(a, ans, page);
}

enum err
ddb_query(struct ddb *d, struct arena *a, const char *table,
    const struct ddb_expr *e, struct json_object *start_key, int limit,
    bool forward, struct ddb_page *page)
{
	return ddb_query_index(d, a, table, NULL, e, start_key, limit, forward,
	    page);
}

enum err
ddb_query_index(struct ddb *d, struct arena *a, const char *table,
    const char *index, const struct ddb_expr *e,
    struct json_object *start_key, int limit, bool forward,
    struct ddb_page *page)
{
	struct json_object *b = request(table), *ans;
	enum err err;

	if (index != NULL)
		json_object_object_add(b, "IndexName",
		    json_object_new_string(index));
	add_expr(b, e, "KeyConditionExpression");
	add_paging(b, start_key, limit);
	if (!forward)
		json_object_object_add(b, "ScanIndexForward",
		    json_object_new_boolean(0));
	if ((err = call_put(d, a, "Query", b, &ans)) != ERR_OK)
		return err;
	return page_of(a, ans, page);
}

enum err
ddb_transact_write(struct ddb *d, struct arena *a, struct json_object *items)
{
	struct json_object *b = json_object_new_object(), *ans, *reasons;
	enum err e;
	size_t i, n;

	json_object_object_add(b, "TransactItems", json_object_get(items));
	if (d->token != NULL) {
		char crt[DDB_TOKEN_MAX + 8];

		snprintf(crt, sizeof(crt), "%s-%d", d->token,
		    d->txn_seq++ % 1000);
		json_object_object_add(b, "ClientRequestToken",
		    json_object_new_string(crt));
	}
	e = call_put(d, a, "TransactWriteItems", b, &ans);
	if (e != ERR_CONFLICT)
		return e;
	/* Cancelled: a failed condition check is a lost precondition. */
	reasons = jx_get(ans, "CancellationReasons");
	n = json_object_is_type(reasons, json_type_array) ?
	    json_object_array_length(reasons) : 0;
	for (i = 0; i < n; i++) {
		const char *code = jx_str(json_object_array_get_idx(reasons, i),
		    "Code", NULL);
		if (code != NULL && strcmp(code, "ConditionalCheckFailed") == 0)
			return ERR_PRECONDITION;
	}
	return ERR_CONFLICT;
}

enum err
ddb_describe_table(struct ddb *d, struct arena *a, const char *table,
    struct json_object **desc)
{
	struct json_object *b = request(table), *ans;
	enum err e;

	*desc = NULL;
	if ((e = call_put(d, a, "DescribeTable", b, &ans)) != ERR_OK)
		return e;
	*desc = jx_get(ans, "Table");
	return *desc != NULL ? ERR_OK : ERR_UPSTREAM;
}
