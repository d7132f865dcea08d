/*
 * itest_ddb - every DynamoDB operation of app/aws/ddb against DynamoDB
 * Local (the test stack's DYNAMODB_ENDPOINT), on a table of its own that
 * it creates and deletes: conditions, exact numbers, Query and Scan over
 * several pages, BatchGetItem over more than 100 keys, BatchWriteItem
 * over more than 25 puts and deletes, transactions.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/ddb.h"
#include "aws/ddb_batch.h"
#include "aws/ddb_write.h"
#include "core/arena.h"
#include "core/buf.h"
#include "http/ctx.h"
#include "json/jx.h"
#include "harness.h"

static struct app app;
static struct arena *A;
static char table[64];

static struct json_object *
J(const char *s)
{
	struct json_object *o = NULL;
	const char *why;

	if (jx_parse(A, s, strlen(s), 1 << 20, 32, &o, &why) != ERR_OK)
		printf("  bad test JSON: %s: %s\n", why, s);
	return o;
}

static struct json_object *
key(const char *pk, const char *sk)
{
	struct json_object *k = jx_own(A, json_object_new_object());

	json_object_object_add(k, "pk", json_object_new_string(pk));
	json_object_object_add(k, "sk", json_object_new_string(sk));
	return k;
}

static struct json_object *
item(const char *pk, const char *sk, int n)
{
	struct json_object *it = key(pk, sk);

	json_object_object_add(it, "n", json_object_new_int(n));
	json_object_object_add(it, "version", json_object_new_int(1));
	return it;
}

static const char *
text(struct json_object *o)
{
	struct buf b;
	const char *s;

	buf_init(&b, 1 << 20);
	jx_write(&b, o);
	s = arena_strdup(A, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void
create_table(void)
{
	struct json_object *ans, *desc;
	const char *status = NULL;
	int i;

	CASE("CreateTable and DescribeTable until ACTIVE");
	snprintf(table, sizeof(table), "itest_%ld_%ld", (long)getpid(),
	    (long)time(NULL));
	struct json_object *b = J("{\"AttributeDefinitions\":[{\"AttributeName\":"
	    "\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\","
	    "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\","
	    "\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":"
	    "\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
	json_object_object_add(b, "TableName", json_object_new_string(table));
	CHECK(ddb_call(&app.ddb, A, "CreateTable", b, &ans) == ERR_OK);
	for (i = 0; i < 30; i++) {
		CHECK(ddb_describe_table(&app.ddb, A, table, &desc) == ERR_OK);
		status = jx_str(desc, "TableStatus", NULL);
		if (status != NULL && strcmp(status, "ACTIVE") == 0)
			break;
		sleep(1);
	}
	CHECK_STR(status, "ACTIVE");
	CHECK(ddb_describe_table(&app.ddb, A, "no_such_table_here", &desc) ==
	    ERR_NOT_FOUND);
	CHECK(ddb_call(&app.ddb, A, "CreateTable", b, &ans) == ERR_EXISTS);
	END_CASE();
}

static void
put_get_update_delete(void)
{
	struct ddb_expr absent = { "attribute_not_exists(pk)", NULL, NULL, NULL };
	struct json_object *got, *it;

	CASE("PutItem with a condition; GetItem returns exact types");
	it = J("{\"pk\":\"a\",\"sk\":\"1\",\"dec\":0.1,\"big\":"
	    "12345678901234567890123456789.5,\"b\":true,\"z\":null,\"l\":[1,\"x\"],"
	    "\"m\":{\"k\":\"v\"},\"version\":1}");
	CHECK(ddb_put_item(&app.ddb, A, table, it, &absent) == ERR_OK);
	CHECK(ddb_put_item(&app.ddb, A, table, it, &absent) == ERR_PRECONDITION);
	CHECK(ddb_get_item(&app.ddb, A, table, key("a", "1"), true, &got) ==
	    ERR_OK);
	CHECK(got != NULL);
	if (got != NULL) {
		CHECK_STR(text(jx_get(got, "dec")), "0.1");
		CHECK_STR(text(jx_get(got, "big")),
		    "12345678901234567890123456789.5");
		CHECK_STR(text(jx_get(got, "l")), "[1,\"x\"]");
		CHECK_STR(text(jx_get(got, "m")), "{\"k\":\"v\"}");
		CHECK(json_object_object_get_ex(got, "z", NULL));
	}
	CHECK(ddb_get_item(&app.ddb, A, table, key("a", "none"), false, &got) ==
	    ERR_OK && got == NULL);
	END_CASE();

	CASE("UpdateItem with names, values and a version condition");
	{
		struct ddb_expr up = { "#v = :v", "SET #v = #v + :one, #n = :n",
		    J("{\"#v\":\"version\",\"#n\":\"note\"}"),
		    J("{\":v\":1,\":one\":1,\":n\":\"it's \\\"quoted\\\" #v :v\"}") };
		CHECK(ddb_update_item(&app.ddb, A, table, key("a", "1"), &up, &got)
		    == ERR_OK);
		CHECK(got != NULL && strcmp(text(jx_get(got, "version")), "2") == 0);
		CHECK_STR(jx_str(got, "note", NULL), "it's \"quoted\" #v :v");
		CHECK(ddb_update_item(&app.ddb, A, table, key("a", "1"), &up, &got)
		    == ERR_PRECONDITION);
	}
	END_CASE();

	CASE("DeleteItem with a condition; a missing item fails it");
	{
		struct ddb_expr present = { "attribute_exists(pk)", NULL, NULL,
		    NULL };
		CHECK(ddb_delete_item(&app.ddb, A, table, key("a", "1"), &present,
		    &got) == ERR_OK);
		CHECK(got != NULL && jx_get(got, "dec") != NULL);
		CHECK(ddb_delete_item(&app.ddb, A, table, key("a", "1"), &present,
		    NULL) == ERR_PRECONDITION);
	}
	END_CASE();
}

static void
paging(void)
{
	struct ddb_expr q = { "pk = :p", NULL, NULL, J("{\":p\":\"q\"}") };
	struct json_object *start = NULL;
	struct ddb_page page;
	char sk[16];
	int i, pages = 0, total = 0, last = -1;
	bool ordered = true;

	CASE("Query: 25 items over 3 pages, newest first, in order");
	for (i = 0; i < 25; i++) {
		snprintf(sk, sizeof(sk), "%03d", i);
		CHECK(ddb_put_item(&app.ddb, A, table, item("q", sk, i), NULL) ==
		    ERR_OK);
	}
	do {
		if (ddb_query(&app.ddb, A, table, &q, start, 10, false, &page) !=
		    ERR_OK) {
			CHECK(!"Query failed");
			break;
		}
		for (i = 0; i < (int)json_object_array_length(page.items); i++) {
			int64_t n = -1;
			jx_int(json_object_array_get_idx(page.items, (size_t)i), "n",
			    0, 100, &n);
			if (last >= 0 && n != last - 1)
				ordered = false;
			last = (int)n;
			total++;
		}
		pages++;
		start = page.last_key;
	} while (start != NULL && pages < 10);
	CHECK(total == 25);
	CHECK(pages == 3);
	CHECK(ordered && last == 0);
	END_CASE();

	CASE("Scan: every item over pages of 7");
	start = NULL;
	total = pages = 0;
	do {
		if (ddb_scan(&app.ddb, A, table, start, 7, &page) != ERR_OK) {
			CHECK(!"Scan failed");
			break;
		}
		total += (int)json_object_array_length(page.items);
		pages++;
		start = page.last_key;
	} while (start != NULL && pages < 50);
	CHECK(total == 25);
	CHECK(pages >= 4);
	END_CASE();
}

static void
batch_and_transactions(void)
{
	struct json_object *keys = jx_own(A, json_object_new_array()), *found;
	struct json_object *tx;
	char sk[16];
	int i;

	CASE("BatchGetItem: 150 keys, 130 present, in 100-key calls");
	for (i = 0; i < 150; i++) {
		snprintf(sk, sizeof(sk), "%03d", i);
		if (i < 130)
			CHECK(ddb_put_item(&app.ddb, A, table, item("b", sk, i), NULL)
			    == ERR_OK);
		json_object_array_add(keys, json_object_get(key("b", sk)));
	}
	CHECK(ddb_batch_get(&app.ddb, A, table, keys, &found) == ERR_OK);
	CHECK(found != NULL && json_object_array_length(found) == 130);
	END_CASE();

	CASE("BatchWriteItem: 60 puts (3 calls), then 30 deletes, consistent "
	    "BatchGetItem sees each");
	{
		struct json_object *puts = jx_own(A, json_object_new_array());
		struct json_object *dels = jx_own(A, json_object_new_array());
		struct json_object *wkeys = jx_own(A, json_object_new_array());
		for (i = 0; i < 60; i++) {
			snprintf(sk, sizeof(sk), "%03d", i);
			json_object_array_add(puts, json_object_get(item("w", sk,
			    i)));
			json_object_array_add(wkeys, json_object_get(key("w", sk)));
			if (i % 2 == 0)
				json_object_array_add(dels, json_object_get(key("w",
				    sk)));
		}
		CHECK(ddb_batch_write(&app.ddb, A, table, puts, NULL) == ERR_OK);
		CHECK(ddb_batch_get_ex(&app.ddb, A, table, wkeys, true, &found) ==
		    ERR_OK);
		CHECK(found != NULL && json_object_array_length(found) == 60);
		CHECK(ddb_batch_write(&app.ddb, A, table, NULL, dels) == ERR_OK);
		CHECK(ddb_batch_get_ex(&app.ddb, A, table, wkeys, true, &found) ==
		    ERR_OK);
		CHECK(found != NULL && json_object_array_length(found) == 30);
		/* The same puts again: idempotent, nothing refused. */
		CHECK(ddb_batch_write(&app.ddb, A, table, puts, NULL) == ERR_OK);
	}
	END_CASE();

	CASE("TransactWriteItems: all or nothing");
	tx = J("[{\"Put\":{\"Item\":{\"pk\":{\"S\":\"t\"},\"sk\":{\"S\":\"1\"}},"
	    "\"ConditionExpression\":\"attribute_not_exists(pk)\"}},"
	    "{\"Put\":{\"Item\":{\"pk\":{\"S\":\"t\"},\"sk\":{\"S\":\"2\"}}}}]");
	json_object_object_add(json_object_object_get(
	    json_object_array_get_idx(tx, 0), "Put"), "TableName",
	    json_object_new_string(table));
	json_object_object_add(json_object_object_get(
	    json_object_array_get_idx(tx, 1), "Put"), "TableName",
	    json_object_new_string(table));
	CHECK(ddb_transact_write(&app.ddb, A, tx) == ERR_OK);
	CHECK(ddb_delete_item(&app.ddb, A, table, key("t", "2"), NULL, NULL) ==
	    ERR_OK);
	/* The first put's condition now fails: the second must not apply. */
	CHECK(ddb_transact_write(&app.ddb, A, tx) == ERR_PRECONDITION);
	{
		struct json_object *got;
		CHECK(ddb_get_item(&app.ddb, A, table, key("t", "2"), true, &got)
		    == ERR_OK && got == NULL);
	}
	END_CASE();
}

static void
drop_table(void)
{
	struct json_object *b = jx_own(A, json_object_new_object()), *ans;

	CASE("DeleteTable");
	json_object_object_add(b, "TableName", json_object_new_string(table));
	CHECK(ddb_call(&app.ddb, A, "DeleteTable", b, &ans) == ERR_OK);
	CHECK(ddb_call(&app.ddb, A, "DeleteTable", b, &ans) == ERR_NOT_FOUND);
	END_CASE();
}

int
main(void)
{
	if (!app_open(&app)) {
		app_close(&app);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	A = arena_new(0);
	create_table();
	put_get_update_delete();
	paging();
	batch_and_transactions();
	drop_table();
	arena_free(A);
	app_close(&app);
	return harness_done();
}
