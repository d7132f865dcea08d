#include "aws/ddb_write.h"

#include "aws/aws.h"
#include "aws/ddb.h"
#include "aws/ddb_batch.h"
#include "aws/retry.h"
#include "core/arena.h"
#include "core/deadline.h"
#include "core/log.h"
#include "json/jx.h"

/* No resend of unprocessed items with less than this left. */
#define DDB_WRITE_ROUND_MIN_MS 200

/* One BatchWriteItem round over reqs (DynamoDB's form, <= 25). */
static enum err
write_round(struct ddb *d, struct arena *a, const char *table,
    struct json_object *reqs, struct json_object **unprocessed)
{
	struct json_object *body = json_object_new_object();
	struct json_object *ri = json_object_new_object(), *ans, *un;
	enum err e;

	*unprocessed = NULL;
	json_object_object_add(ri, table, json_object_get(reqs));
	json_object_object_add(body, "RequestItems", ri);
	e = ddb_call(d, a, "BatchWriteItem", body, &ans);
	json_object_put(body);
	if (e != ERR_OK)
		return e;
	un = jx_get(jx_get(ans, "UnprocessedItems"), table);
	return ddb_unprocessed_of(un, unprocessed) ? ERR_OK : ERR_UPSTREAM;
}

/* {"PutRequest":{"Item":av}} or {"DeleteRequest":{"Key":av}}; NULL when
 * the plain value is not an object. */
static struct json_object *
write_request(struct arena *a, struct json_object *o, bool put)
{
	struct json_object *av = ddb_marshal_item(a, o), *in, *r;

	if (av == NULL)
		return NULL;
	in = json_object_new_object();
	json_object_object_add(in, put ? "Item" : "Key", json_object_get(av));
	r = json_object_new_object();
	json_object_object_add(r, put ? "PutRequest" : "DeleteRequest", in);
	return jx_own(a, r);
}

/* Send one chunk until DynamoDB has processed all of it, backing off as
 * for a throttle before each round that resends. */
static enum err
write_chunk(struct ddb *d, struct arena *a, const char *table,
    struct json_object *chunk)
{
	struct json_object *un;
	struct retry *r;
	long delay;
	int tries;
	enum err e = ERR_OK;

	for (tries = 0; chunk != NULL && e == ERR_OK; tries++) {
		if (tries == DDB_BATCH_TRIES) {
			log_kv(LOG_WARN, "dynamodb left batch writes unprocessed",
			    NULL);
			return ERR_THROTTLED;
		}
		if (tries > 0) {
			r = aws_retry(d->aws);
			delay = retry_delay_ms(r, tries - 1);
			/* The resend must fit in what the deadline leaves. */
			if (deadline_left_ms(aws_deadline(d->aws)) <
			    (int64_t)delay + DDB_WRITE_ROUND_MIN_MS) {
				log_kv(LOG_WARN, "dynamodb left batch writes "
				    "unprocessed at the deadline", NULL);
				return ERR_UNAVAILABLE;
			}
			retry_sleep(r, delay);
		}
		e = write_round(d, a, table, chunk, &un);
		chunk = un;
	}
	return e;
}

enum err
ddb_batch_write(struct ddb *d, struct arena *a, const char *table,
    struct json_object *puts, struct json_object *deletes)
{
	struct json_object *lists[2] = { puts, deletes }, *chunk = NULL, *r;
	size_t i, n;
	int l;
	enum err e;

	for (l = 0; l < 2; l++)
		if (lists[l] != NULL &&
		    !json_object_is_type(lists[l], json_type_array))
			return ERR_INVALID;
	for (l = 0; l < 2; l++) {
		n = lists[l] != NULL ? json_object_array_length(lists[l]) : 0;
		for (i = 0; i < n; i++) {
			r = write_request(a, json_object_array_get_idx(lists[l],
			    i), l == 0);
			if (r == NULL)
				return ERR_INVALID;
			if (chunk == NULL)
				chunk = jx_own(a, json_object_new_array());
			json_object_array_add(chunk, json_object_get(r));
			if (json_object_array_length(chunk) ==
			    DDB_BATCH_WRITE_MAX) {
				if ((e = write_chunk(d, a, table, chunk)) !=
				    ERR_OK)
					return e;
				chunk = NULL;
			}
		}
	}
	return chunk != NULL ? write_chunk(d, a, table, chunk) : ERR_OK;
}
