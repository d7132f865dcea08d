/*
 * test_ddb_batch.c - aws/ddb_batch against a scripted DynamoDB: requests
 * cut into DynamoDB's sizes (25 writes, 100 keys), unprocessed items and
 * keys resent with backoff until none is left, a bounded number of
 * rounds, and ill-formed or failed answers mapped to our errors.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "aws/ddb_batch.h"
#include "aws/ddb_write.h"
#include "aws/retry.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "fake_http.h"
#include "harness.h"
#include "json/jx.h"
#include "net/httpc.h"

static struct httpc *http;
static int sleeps;

static void
count_sleep(void *ctx, long ms)
{
	(void)ctx, (void)ms;
	sleeps++;
}

static struct aws *
new_aws(void)
{
	struct aws_config cfg = { "us-east-1", 500, 2000, 2 };
	struct aws *aws;

	fake_aws_env();
	aws = aws_new(&cfg, http);
	if (aws != NULL)
		retry_set_hooks(aws_retry(aws), count_sleep, NULL, NULL);
	return aws;
}

/* What the scripted server saw and how it answers. */
struct script {
	const char *mode;        /* see answer() */
	int         sizes[16];   /* requests (or keys) per call, in order */
	int         calls;
	bool        consistent;  /* a BatchGetItem asked for it */
	char        target[64];
	char        resp[16384];  /* a BatchGetItem answer */
};

/* The array of requests (writes) or keys (gets) in a request body. */
static struct json_object *
requests_of(struct json_object *body, bool *consistent)
{
	struct json_object *ri = NULL, *t = NULL, *k = NULL, *c = NULL;

	json_object_object_get_ex(body, "RequestItems", &ri);
	json_object_object_get_ex(ri, "T", &t);
	if (json_object_is_type(t, json_type_array))
		return t;
	json_object_object_get_ex(t, "Keys", &k);
	*consistent = json_object_object_get_ex(t, "ConsistentRead", &c) &&
	    json_object_get_boolean(c);
	return k;
}

/*
 * Modes: "ok" processes everything; "half" leaves the second half of
 * every call unprocessed once (the first call of each chunk); "never"
 * leaves all unprocessed; "bad" answers UnprocessedItems that is not an
 * array; "fail" answers a 400 ValidationException.
 */
static void
answer(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	struct script *s = f->ctx;
	struct json_object *body = json_tokener_parse(r->body), *reqs, *un;
	bool consistent = false, get;
	size_t i, len;

	(void)n;
	fake_header(r, "X-Amz-Target", s->target, sizeof(s->target));
	get = strstr(s->target, "BatchGetItem") != NULL;
	reqs = requests_of(body, &consistent);
	len = reqs != NULL ? json_object_array_length(reqs) : 0;
	if (s->calls < 16)
		s->sizes[s->calls] = (int)len;
	s->calls++;
	s->consistent = s->consistent || consistent;
	un = json_object_new_array();
	if (strcmp(s->mode, "never") == 0 ||
	    (strcmp(s->mode, "half") == 0 && len > 1 && s->calls % 2 == 1))
		for (i = strcmp(s->mode, "never") == 0 ? 0 : len / 2; i < len;
		    i++)
			json_object_array_add(un, json_object_get(
			    json_object_array_get_idx(reqs, i)));
	if (strcmp(s->mode, "fail") == 0) {
		a->status = 400;
		a->body = "{\"__type\":\"com.amazon.coral.validate#"
		    "ValidationException\",\"message\":\"no\"}";
	} else if (strcmp(s->mode, "bad") == 0) {
		a->body = get ? "{\"Responses\":{\"T\":{}}}" :
		    "{\"UnprocessedItems\":{\"T\":{\"x\":1}}}";
	} else if (get) {
		/* Every key processed is found, as {"id":..,"found":true}. */
		struct buf b;
		buf_init(&b, sizeof(s->resp) - 1);
		buf_puts(&b, "{\"Responses\":{\"T\":[");
		for (i = 0; i < len - json_object_array_length(un); i++) {
			struct json_object *id = NULL;
			json_object_object_get_ex(json_object_array_get_idx(reqs,
			    i), "id", &id);
			buf_printf(&b, "%s{\"id\":%s,\"found\":{\"BOOL\":true}}",
			    i ? "," : "", json_object_to_json_string(id));
		}
		buf_printf(&b, "]},\"UnprocessedKeys\":{%s%s%s}}",
		    json_object_array_length(un) ? "\"T\":{\"Keys\":" : "",
		    json_object_array_length(un) ?
		    json_object_to_json_string(un) : "",
		    json_object_array_length(un) ? "}" : "");
		snprintf(s->resp, sizeof(s->resp), "%s", buf_cstr(&b));
		buf_free(&b);
		a->body = s->resp;
	} else {
		snprintf(a->text, sizeof(a->text),
		    "{\"UnprocessedItems\":{%s%s}}",
		    json_object_array_length(un) ? "\"T\":" : "",
		    json_object_array_length(un) ?
		    json_object_to_json_string(un) : "");
		a->body = a->text;
	}
	json_object_put(un);
	json_object_put(body);
}

/* A plain array of n items {"id":"iNNN"} (keys alike). */
static struct json_object *
items(struct arena *a, int n)
{
	struct json_object *arr = jx_own(a, json_object_new_array());
	char id[16];
	int i;

	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		snprintf(id, sizeof(id), "i%03d", i);
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Run a batch write or get of n against mode; the script in *s. */
static enum err
run_batch(const char *mode, bool get, int n, struct script *s,
    struct json_object **found, struct arena *a)
{
	struct fake *f;
	struct aws *aws;
	struct ddb d;
	enum err e;

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	f = fake_start(answer, s);
	aws = new_aws();
	memset(&d, 0, sizeof(d));
	d.aws = aws;
	d.endpoint = f->url;
	sleeps = 0;
	e = get ? ddb_batch_get_ex(&d, a, "T", items(a, n), true, found) :
	    ddb_batch_write(&d, a, "T", items(a, n), NULL);
	aws_free(aws);
	fake_stop(f);
	return e;
}

static void
test_write(void)
{
	struct arena *a = arena_new(0);
	struct script s;

	CASE("BatchWriteItem: 60 puts go as 25 + 25 + 10, no backoff");
	CHECK(run_batch("ok", false, 60, &s, NULL, a) == ERR_OK);
	CHECK(s.calls == 3);
	CHECK(s.sizes[0] == 25 && s.sizes[1] == 25 && s.sizes[2] == 10);
	CHECK(strstr(s.target, "DynamoDB_20120810.BatchWriteItem") != NULL);
	CHECK(sleeps == 0);
	END_CASE();

	CASE("BatchWriteItem: UnprocessedItems are resent after a backoff");
	CHECK(run_batch("half", false, 30, &s, NULL, a) == ERR_OK);
	/* 25 (13 left) -> 13, then 5 (3 left) -> 3 */
	CHECK(s.calls == 4);
	CHECK(s.sizes[0] == 25 && s.sizes[1] == 13);
	CHECK(s.sizes[2] == 5 && s.sizes[3] == 3);
	CHECK(sleeps == 2);
	END_CASE();

	CASE("BatchWriteItem: still unprocessed after DDB_BATCH_TRIES rounds "
	    "is ERR_THROTTLED");
	CHECK(run_batch("never", false, 3, &s, NULL, a) == ERR_THROTTLED);
	CHECK(s.calls == DDB_BATCH_TRIES);
	CHECK(sleeps == DDB_BATCH_TRIES - 1);
	END_CASE();

	CASE("BatchWriteItem: ill-formed UnprocessedItems is ERR_UPSTREAM");
	CHECK(run_batch("bad", false, 3, &s, NULL, a) == ERR_UPSTREAM);
	CHECK(s.calls == 1);
	END_CASE();

	CASE("BatchWriteItem: a ValidationException is ERR_INTERNAL, not "
	    "retried");
	CHECK(run_batch("fail", false, 3, &s, NULL, a) == ERR_INTERNAL);
	CHECK(s.calls == 1);
	END_CASE();

	CASE("BatchWriteItem: nothing to write makes no call");
	CHECK(run_batch("ok", false, 0, &s, NULL, a) == ERR_OK);
	CHECK(s.calls == 0);
	END_CASE();
	arena_free(a);
}

static void
test_get(void)
{
	struct arena *a = arena_new(0);
	struct json_object *found = NULL;
	struct script s;

	CASE("BatchGetItem: 150 keys go as 100 + 50, consistent when asked");
	CHECK(run_batch("ok", true, 150, &s, &found, a) == ERR_OK);
	CHECK(s.calls == 2);
	CHECK(s.sizes[0] == 100 && s.sizes[1] == 50);
	CHECK(s.consistent);
	CHECK(found != NULL && json_object_array_length(found) == 150);
	END_CASE();

	CASE("BatchGetItem: UnprocessedKeys are resent; every item found once");
	CHECK(run_batch("half", true, 10, &s, &found, a) == ERR_OK);
	CHECK(s.calls == 2);        /* 10 (5 left unprocessed), then 5 */
	CHECK(s.sizes[0] == 10 && s.sizes[1] == 5);
	CHECK(found != NULL && json_object_array_length(found) == 10);
	CHECK(sleeps == s.calls - 1);
	END_CASE();

	CASE("BatchGetItem: still unprocessed after DDB_BATCH_TRIES rounds is "
	    "ERR_THROTTLED");
	CHECK(run_batch("never", true, 4, &s, &found, a) == ERR_THROTTLED);
	CHECK(s.calls == DDB_BATCH_TRIES);
	CHECK(found == NULL);
	END_CASE();

	CASE("BatchGetItem: Responses that is not an array is ERR_UPSTREAM");
	CHECK(run_batch("bad", true, 2, &s, &found, a) == ERR_UPSTREAM);
	END_CASE();
	arena_free(a);
}

int
main(void)
{
	log_set_level(LOG_ERROR);
	httpc_global_init();
	http = httpc_new();
	test_write();
	test_get();
	httpc_free(http);
	return harness_done();
}
