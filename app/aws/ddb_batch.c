#include "aws/ddb_batch.h"

#include <string.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "aws/retry.h"
#include "core/arena.h"
#include "core/log.h"
#include "json/jx.h"

/* {"RequestItems": {table: what}}: a new tree, owned by the caller. */
static struct json_object *
request_items(const char *table, struct json_object *what)
{
	struct json_object *b = json_object_new_object();
	struct json_object *ri = json_object_new_object();

	json_object_object_add(ri, table, what);    /* takes what */
	json_object_object_add(b, "RequestItems", ri);
	return b;
}

bool
ddb_unprocessed_of(struct json_object *v, struct json_object **un)
{
	*un = NULL;
	if (v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_array))
		return false;
	if (json_object_array_length(v) > 0)
		*un = v;
	return true;
}

/* Sleep before round tries (0 first): back off as for a throttle. */
static void
backoff(struct ddb *d, int tries)
{
	struct retry *r;

	if (tries == 0)
		return;
	r = aws_retry(d->aws);
	retry_sleep(r, retry_delay_ms(r, tries - 1));
}

/* One BatchGetItem round over keys (AttributeValue form, <= 100). */
static enum err
get_round(struct ddb *d, struct arena *a, const char *table,
    struct json_object *keys, bool consistent, struct json_object *found,
    struct json_object **unprocessed)
{
	struct json_object *req = json_object_new_object(), *ans, *got, *un;
	struct json_object *body;
	size_t i, n;
	enum err e;

	*unprocessed = NULL;
	json_object_object_add(req, "Keys", json_object_get(keys));
	if (consistent)
		json_object_object_add(req, "ConsistentRead",
		    json_object_new_boolean(1));
	body = request_items(table, req);
	e = ddb_call(d, a, "BatchGetItem", body, &ans);
	json_object_put(body);
	if (e != ERR_OK)
		return e;
	got = jx_get(jx_get(ans, "Responses"), table);
	if (got != NULL && !json_object_is_type(got, json_type_array))
		return ERR_UPSTREAM;
	n = got != NULL ? json_object_array_length(got) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *it = ddb_unmarshal_item(a,
		    json_object_array_get_idx(got, i));
		if (it == NULL) {
			log_kv(LOG_ERROR, "dynamodb item is ill-formed", NULL);
			return ERR_UPSTREAM;
		}
		json_object_array_add(found, json_object_get(it));
	}
	un = jx_get(jx_get(jx_get(ans, "UnprocessedKeys"), table), "Keys");
	return ddb_unprocessed_of(un, unprocessed) ? ERR_OK : ERR_UPSTREAM;
}

enum err
ddb_batch_get_ex(struct ddb *d, struct arena *a, const char *table,
    struct json_object *keys, bool consistent, struct json_object **items)
{
	struct json_object *found, *chunk, *un;
	size_t i, n, start;
	int tries;
	enum err e = ERR_OK;

	*items = NULL;
	if (!json_object_is_type(keys, json_type_array))
		return ERR_INVALID;
	found = jx_own(a, json_object_new_array());
	n = json_object_array_length(keys);
	for (start = 0; start < n && e == ERR_OK; start += DDB_BATCH_GET_MAX) {
		chunk = jx_own(a, json_object_new_array());
		for (i = start; i < n && i < start + DDB_BATCH_GET_MAX; i++)
			json_object_array_add(chunk, json_object_get(
			    ddb_marshal_item(a, json_object_array_get_idx(keys,
			    i))));
		for (tries = 0; chunk != NULL && e == ERR_OK; tries++) {
			if (tries == DDB_BATCH_TRIES) {
				e = ERR_THROTTLED;
				break;
			}
			backoff(d, tries);
			e = get_round(d, a, table, chunk, consistent, found, &un);
			chunk = un;
		}
	}
	if (e == ERR_OK)
		*items = found;
	return e;
}

enum err
ddb_batch_get(struct ddb *d, struct arena *a, const char *table,
    struct json_object *keys, struct json_object **items)
{
	return ddb_batch_get_ex(d, a, table, keys, false, items);
}
