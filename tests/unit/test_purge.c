/*
 * test_purge.c - account deletion (store/purge.h) and its background
 * sweeper (http/sweep.h) against a small in-memory DynamoDB and Cognito
 * on fake_http: the marker's life (record, claim under a lease, release,
 * finish), the data deleted a Query page at a time with BatchWriteItem
 * (25 per call, only the account's own items, a Users item of the same
 * email that is another account's kept), the page cap, and a DynamoDB
 * failing midway leaving a marker that a sweep round then finishes.
 *
 * The fake DynamoDB holds items in AttributeValue form, answers GetItem,
 * PutItem, UpdateItem, DeleteItem, Query (Limit, ExclusiveStartKey,
 * LastEvaluatedKey as DynamoDB gives it) and BatchWriteItem, evaluates
 * exactly the conditions the code writes (anything else is a
 * ValidationException, as is a name or value no expression uses), and
 * can fail BatchWriteItem with a 500 from a given call on.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/session.h"
#include "aws/aws.h"
#include "aws/cognito.h"
#include "aws/ddb.h"
#include "aws/ddb_write.h"
#include "aws/retry.h"
#include "core/arena.h"
#include "core/deadline.h"
#include "core/log.h"
#include "fake_http.h"
#include "harness.h"
#include "http/sweep.h"
#include "json/jx.h"
#include "net/httpc.h"
#include "store/purge.h"

#define SUB   "0b0e5a2c-1111-4222-8333-944455556666"
#define OTHER "7c7d7e7f-2222-4333-8444-a55566667777"
#define EMAIL "del@example.com"

/* ---- the fake DynamoDB --------------------------------------------- */

static struct json_object *db;     /* "table|pk|sk" -> item (AV form) */
static int batch_calls, batch_fail_from, query_calls, batch_max;
static char big[128 * 1024];

static const char *
s_of(struct json_object *av)
{
	struct json_object *s;

	return json_object_object_get_ex(av, "S", &s) ?
	    json_object_get_string(s) : NULL;
}

static const char *
mem_s(struct json_object *item, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(item, name, &v) ? s_of(v) : NULL;
}

/* The storage key of an item or key of table. */
static void
db_key(const char *table, struct json_object *k, char *out, size_t n)
{
	if (strcmp(table, "Users") == 0)
		snprintf(out, n, "Users|%s|", mem_s(k, "email") ?
		    mem_s(k, "email") : "?");
	else
		snprintf(out, n, "%s|%s|%s", table, mem_s(k, "user_id") ?
		    mem_s(k, "user_id") : "?", mem_s(k, "subscription_id") ?
		    mem_s(k, "subscription_id") : "?");
}

static struct json_object *
db_get(const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(db, k, &v) ? v : NULL;
}

static void
db_put(const char *table, struct json_object *item)
{
	char k[512];

	db_key(table, item, k, sizeof(k));
	json_object_object_add(db, k, json_object_get(item));
}

/* A plain test item of table Subs. */
static void
seed_sub(const char *user, const char *id)
{
	struct json_object *it = json_object_new_object();
	char j[256];

	snprintf(j, sizeof(j), "{\"user_id\":{\"S\":\"%s\"},"
	    "\"subscription_id\":{\"S\":\"%s\"},\"tier\":{\"S\":\"free\"}}",
	    user, id);
	json_object_put(it);
	it = json_tokener_parse(j);
	db_put("Subs", it);
	json_object_put(it);
}

static int
count_of(const char *prefix)
{
	int n = 0;

	json_object_object_foreach(db, k, v) {
		(void)v;
		if (strncmp(k, prefix, strlen(prefix)) == 0)
			n++;
	}
	return n;
}

/* Does every name and value the request gives appear in its
 * expressions (DynamoDB refuses those that do not)? */
static bool
all_used(struct json_object *req)
{
	static const char *const exprs[] = { "UpdateExpression",
	    "ConditionExpression", "KeyConditionExpression", NULL };
	static const char *const maps[] = { "ExpressionAttributeNames",
	    "ExpressionAttributeValues", NULL };
	char text[2048] = "";
	struct json_object *v, *m;
	int i;

	for (i = 0; exprs[i] != NULL; i++)
		if (json_object_object_get_ex(req, exprs[i], &v)) {
			strncat(text, json_object_get_string(v),
			    sizeof(text) - strlen(text) - 2);
			strcat(text, " ");
		}
	for (i = 0; maps[i] != NULL; i++) {
		if (!json_object_object_get_ex(req, maps[i], &m))
			continue;
		json_object_object_foreach(m, k, val) {
			const char *p = text;
			size_t n = strlen(k);
			bool found = false;

			(void)val;
			while ((p = strstr(p, k)) != NULL) {
				char c = p[n];
				if (!(c == '_' || (c >= 'a' && c <= 'z') ||
				    (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9'))) {
					found = true;
					break;
				}
				p += n;
			}
			if (!found)
				return false;
		}
	}
	return true;
}

static struct json_object *
name_of(struct json_object *req, const char *ref)
{
	struct json_object *m, *v;

	if (!json_object_object_get_ex(req, "ExpressionAttributeNames", &m) ||
	    !json_object_object_get_ex(m, ref, &v))
		return NULL;
	return v;
}

static struct json_object *
value_of(struct json_object *req, const char *ref)
{
	struct json_object *m, *v;

	if (!json_object_object_get_ex(req, "ExpressionAttributeValues", &m) ||
	    !json_object_object_get_ex(m, ref, &v))
		return NULL;
	return v;
}

static long long
n_of(struct json_object *av)
{
	struct json_object *n;

	return av != NULL && json_object_object_get_ex(av, "N", &n) ?
	    atoll(json_object_get_string(n)) : -1;
}

/* 1 true, 0 false, -1 a condition this fake does not know. */
static int
cond_holds(struct json_object *req, struct json_object *old)
{
	struct json_object *c, *v;
	const char *t, *nm;

	if (!json_object_object_get_ex(req, "ConditionExpression", &c))
		return 1;
	t = json_object_get_string(c);
	if (strcmp(t, "attribute_exists(#l)") == 0 ||
	    strcmp(t, "attribute_exists(#l) AND #l < :now") == 0) {
		nm = json_object_get_string(name_of(req, "#l"));
		if (old == NULL || !json_object_object_get_ex(old, nm, &v))
			return 0;
		if (strstr(t, "<") != NULL)
			return n_of(v) < n_of(value_of(req, ":now"));
		return 1;
	}
	if (strcmp(t, "attribute_not_exists(#s) OR #s = :s") == 0) {
		nm = json_object_get_string(name_of(req, "#s"));
		if (old == NULL || !json_object_object_get_ex(old, nm, &v))
			return 1;
		return strcmp(s_of(v), s_of(value_of(req, ":s"))) == 0;
	}
	if (strcmp(t, "attribute_not_exists(email)") == 0)
		return old == NULL;
	if (strcmp(t, "version = :v") == 0)
		return old != NULL && json_object_object_get_ex(old, "version",
		    &v) && n_of(v) == n_of(value_of(req, ":v"));
	return -1;
}

/* Apply "SET a = :v, b = if_not_exists(b, :w), ..." to item. */
static bool
apply_set(struct json_object *req, struct json_object *item, const char *u)
{
	char lhs[32], arg[32], val[32];
	const char *p;
	struct json_object *cur;

	if (strncmp(u, "SET ", 4) != 0)
		return false;
	p = u + 4;
	while (*p != '\0') {
		const char *nm;
		if (sscanf(p, "%31[^ ] = ", lhs) != 1)
			return false;
		p = strstr(p, " = ") + 3;
		nm = json_object_get_string(name_of(req, lhs));
		if (nm == NULL)
			return false;
		if (strncmp(p, "if_not_exists(", 14) == 0) {
			if (sscanf(p + 14, "%31[^,], %31[^)])", arg, val) != 2)
				return false;
			p = strchr(p, ')') + 1;
			if (!json_object_object_get_ex(item, nm, &cur))
				json_object_object_add(item, nm, json_object_get(
				    value_of(req, val)));
		} else {
			if (sscanf(p, "%31[^,]", val) != 1 ||
			    value_of(req, val) == NULL)
				return false;
			p += strlen(val);
			json_object_object_add(item, nm, json_object_get(
			    value_of(req, val)));
		}
		if (strncmp(p, ", ", 2) == 0)
			p += 2;
		else if (*p != '\0')
			return false;
	}
	return true;
}

static const char *
table_of(struct json_object *req)
{
	struct json_object *t;

	return json_object_object_get_ex(req, "TableName", &t) ?
	    json_object_get_string(t) : "?";
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
do_query(struct json_object *req, struct fake_ans *a)
{
	const char *table = table_of(req), *part, *after = NULL;
	const char *keys[8192];
	struct json_object *lim, *esk, *out, *items;
	char prefix[256];
	size_t n = 0, i, pl;
	int limit = 1000, got = 0;

	query_calls++;
	part = s_of(value_of(req, ":u"));
	if (json_object_object_get_ex(req, "Limit", &lim))
		limit = json_object_get_int(lim);
	if (json_object_object_get_ex(req, "ExclusiveStartKey", &esk))
		after = mem_s(esk, "subscription_id");
	snprintf(prefix, sizeof(prefix), "%s|%s|", table, part ? part : "?");
	pl = strlen(prefix);
	json_object_object_foreach(db, k, v) {
		(void)v;
		if (strncmp(k, prefix, pl) == 0 && n < 8192)
			keys[n++] = k;
	}
	qsort(keys, n, sizeof(keys[0]), cmp_str);
	out = json_object_new_object();
	items = json_object_new_array();
	for (i = 0; i < n && got < limit; i++) {
		if (after != NULL && strcmp(keys[i] + pl, after) <= 0)
			continue;
		json_object_array_add(items, json_object_get(db_get(keys[i])));
		got++;
	}
	json_object_object_add(out, "Items", items);
	json_object_object_add(out, "Count", json_object_new_int(got));
	if (got == limit && got > 0) {
		struct json_object *last = json_object_array_get_idx(items,
		    got - 1), *lek = json_object_new_object();
		json_object_object_add(lek, "user_id", json_object_get(
		    json_object_object_get(last, "user_id")));
		json_object_object_add(lek, "subscription_id", json_object_get(
		    json_object_object_get(last, "subscription_id")));
		json_object_object_add(out, "LastEvaluatedKey", lek);
	}
	snprintf(big, sizeof(big), "%s", json_object_to_json_string(out));
	json_object_put(out);
	a->body = big;
}

static void
do_batch(struct json_object *req, struct fake_ans *a)
{
	struct json_object *ri, *reqs, *dr, *key;
	size_t i, n;
	char k[512];

	batch_calls++;
	if (batch_fail_from > 0 && batch_calls >= batch_fail_from) {
		a->status = 500;
		a->body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
		    "InternalServerError\",\"message\":\"x\"}";
		return;
	}
	json_object_object_get_ex(req, "RequestItems", &ri);
	json_object_object_foreach(ri, table, list) {
		reqs = list;
		n = json_object_array_length(reqs);
		if ((int)n > batch_max)
			batch_max = (int)n;
		for (i = 0; i < n; i++) {
			if (!json_object_object_get_ex(json_object_array_get_idx(
			    reqs, i), "DeleteRequest", &dr) ||
			    !json_object_object_get_ex(dr, "Key", &key))
				continue;
			db_key(table, key, k, sizeof(k));
			json_object_object_del(db, k);
		}
	}
	a->body = "{\"UnprocessedItems\":{}}";
}

static void
h_ddb(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	struct json_object *req = json_tokener_parse(r->body), *key, *item;
	struct json_object *old, *u;
	char target[128], k[512];
	const char *table;
	int ok;

	(void)f, (void)n;
	fake_header(r, "X-Amz-Target", target, sizeof(target));
	a->status = 200;
	a->body = "{}";
	table = table_of(req);
	if (req == NULL || !all_used(req)) {
		a->status = 400;
		a->body = "{\"__type\":\"com.amazon.coral.validate#"
		    "ValidationException\",\"message\":\"unused\"}";
	} else if (strstr(target, "BatchWriteItem") != NULL) {
		do_batch(req, a);
	} else if (strstr(target, ".Query") != NULL) {
		do_query(req, a);
	} else {
		if (!json_object_object_get_ex(req, "Key", &key))
			json_object_object_get_ex(req, "Item", &key);
		db_key(table, key, k, sizeof(k));
		old = db_get(k);
		ok = strstr(target, "GetItem") != NULL ? 1 :
		    cond_holds(req, old);
		if (ok < 0) {
			a->status = 400;
			a->body = "{\"__type\":\"com.amazon.coral.validate#"
			    "ValidationException\",\"message\":\"cond\"}";
		} else if (ok == 0) {
			a->status = 400;
			a->body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
			    "ConditionalCheckFailedException\",\"message\":\"x\"}";
		} else if (strstr(target, "GetItem") != NULL) {
			if (old != NULL) {
				snprintf(a->text, sizeof(a->text), "{\"Item\":%s}",
				    json_object_to_json_string(old));
				a->body = a->text;
			}
		} else if (strstr(target, "PutItem") != NULL) {
			db_put(table, key);
		} else if (strstr(target, "DeleteItem") != NULL) {
			json_object_object_del(db, k);
		} else if (strstr(target, "UpdateItem") != NULL) {
			item = NULL;
			if (old != NULL)
				item = json_object_get(old);
			else if (json_object_deep_copy(key, &item, NULL) != 0)
				item = json_object_new_object();
			json_object_object_get_ex(req, "UpdateExpression", &u);
			if (!apply_set(req, item, json_object_get_string(u))) {
				a->status = 400;
				a->body = "{\"__type\":\"com.amazon.coral.validate#"
				    "ValidationException\",\"message\":\"set\"}";
			} else
				db_put(table, item);
			json_object_put(item);
		}
	}
	json_object_put(req);
}

/* ---- the fake Cognito ---------------------------------------------- */

static char cog_user[64], cog_sub[64];  /* the one user; "" when none */
static int cog_deletes, cog_calls;

static void
h_cog(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	char target[128];

	(void)f, (void)n;
	cog_calls++;
	fake_header(r, "X-Amz-Target", target, sizeof(target));
	a->status = 200;
	if (cog_user[0] == '\0' || strstr(r->body, cog_user) == NULL) {
		a->status = 400;
		a->body = "{\"__type\":\"UserNotFoundException\","
		    "\"message\":\"x\"}";
	} else if (strstr(target, "AdminGetUser") != NULL) {
		snprintf(a->text, sizeof(a->text), "{\"Username\":\"%s\","
		    "\"UserAttributes\":[{\"Name\":\"sub\",\"Value\":\"%s\"},"
		    "{\"Name\":\"email\",\"Value\":\"" EMAIL "\"},"
		    "{\"Name\":\"email_verified\",\"Value\":\"true\"}],"
		    "\"UserStatus\":\"CONFIRMED\"}", cog_user, cog_sub);
		a->body = a->text;
	} else if (strstr(target, "AdminDeleteUser") != NULL) {
		cog_deletes++;
		cog_user[0] = '\0';
		a->body = "{}";
	} else {
		a->status = 400;
		a->body = "{\"__type\":\"InvalidParameterException\"}";
	}
}

/* ---- the cases ----------------------------------------------------- */

static struct httpc *http;
static struct aws *aws;
static struct ddb ddb;
static struct cog cog;
static struct sessions *sessions;
static struct arena *a;

static void
no_sleep(void *ctx, long ms)
{
	(void)ctx, (void)ms;
}

static void
reset(void)
{
	json_object_put(db);
	db = json_object_new_object();
	batch_calls = query_calls = batch_max = 0;
	batch_fail_from = 0;
	cog_deletes = cog_calls = 0;
	snprintf(cog_user, sizeof(cog_user), "%s", SUB);
	snprintf(cog_sub, sizeof(cog_sub), "%s", SUB);
	arena_reset(a);
}

/* n Subscriptions items of user. */
static void
seed(const char *user, int n)
{
	char id[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "s%05d", i);
		seed_sub(user, id);
	}
}

static void
seed_profile(const char *sub)
{
	struct json_object *it;
	char j[256];

	snprintf(j, sizeof(j), "{\"email\":{\"S\":\"" EMAIL "\"},"
	    "\"sub\":{\"S\":\"%s\"},\"version\":{\"N\":\"1\"}}", sub);
	it = json_tokener_parse(j);
	db_put("Users", it);
	json_object_put(it);
}

static struct purge
the_purge(void)
{
	struct purge p;

	memset(&p, 0, sizeof(p));
	p.sub = SUB;
	p.email = EMAIL;
	p.username = SUB;
	p.requested_at = 1000;
	return p;
}

static void
test_marker(void)
{
	struct purge p = the_purge(), got;
	bool found;
	struct json_object *bad;

	CASE("purge_record / purge_get: the marker round trip, requested_at "
	    "kept by a second record");
	reset();
	CHECK(purge_record(&ddb, a, "Subs", &p, 5000) == ERR_OK);
	p.requested_at = 2000;
	CHECK(purge_record(&ddb, a, "Subs", &p, 6000) == ERR_OK);
	CHECK(purge_get(&ddb, a, "Subs", SUB, &got, &found) == ERR_OK);
	CHECK(found);
	CHECK_STR(got.sub, SUB);
	CHECK_STR(got.email, EMAIL);
	CHECK_STR(got.username, SUB);
	CHECK(got.requested_at == 1000);
	CHECK(got.lease_until == 6000);
	CHECK(!got.ended);
	CHECK(purge_get(&ddb, a, "Subs", OTHER, &got, &found) == ERR_OK);
	CHECK(!found);
	END_CASE();

	CASE("purge_record: a marker without email or username");
	reset();
	p.email = p.username = NULL;
	CHECK(purge_record(&ddb, a, "Subs", &p, 5000) == ERR_OK);
	CHECK(purge_get(&ddb, a, "Subs", SUB, &got, &found) == ERR_OK);
	CHECK(found && got.email == NULL && got.username == NULL);
	END_CASE();

	CASE("purge_claim: only once the lease has passed; release frees it");
	reset();
	p = the_purge();
	CHECK(purge_record(&ddb, a, "Subs", &p, 5000) == ERR_OK);
	CHECK(purge_claim(&ddb, a, "Subs", SUB, 4000, 9000) ==
	    ERR_PRECONDITION);
	CHECK(purge_claim(&ddb, a, "Subs", SUB, 5001, 9000) == ERR_OK);
	CHECK(purge_claim(&ddb, a, "Subs", SUB, 6000, 9000) ==
	    ERR_PRECONDITION);
	CHECK(purge_release(&ddb, a, "Subs", SUB, true, 0) == ERR_OK);
	CHECK(purge_get(&ddb, a, "Subs", SUB, &got, &found) == ERR_OK);
	CHECK(found && got.ended && got.lease_until == 0);
	CHECK(purge_claim(&ddb, a, "Subs", SUB, 6000, 9000) == ERR_OK);
	CHECK(purge_claim(&ddb, a, "Subs", OTHER, 6000, 9000) ==
	    ERR_PRECONDITION);
	CHECK(purge_release(&ddb, a, "Subs", OTHER, true, 0) == ERR_OK);
	CHECK(purge_get(&ddb, a, "Subs", OTHER, &got, &found) == ERR_OK &&
	    !found);
	END_CASE();

	CASE("purge_of: ill-formed markers are refused");
	bad = json_tokener_parse("{\"user_id\":\"u\",\"subscription_id\":"
	    "\"x\",\"lease_until\":1}");
	CHECK(!purge_of(bad, &got));
	json_object_put(bad);
	bad = json_tokener_parse("{\"user_id\":\"~purge\",\"subscription_id\":"
	    "\"x\"}");
	CHECK(!purge_of(bad, &got));
	json_object_put(bad);
	bad = json_tokener_parse("{\"user_id\":\"~purge\",\"subscription_id\":"
	    "\"x\",\"lease_until\":1,\"email\":7}");
	CHECK(!purge_of(bad, &got));
	json_object_put(bad);
	bad = json_tokener_parse("{\"user_id\":\"~purge\",\"subscription_id\":"
	    "\"x\",\"lease_until\":1,\"ended\":true}");
	CHECK(purge_of(bad, &got) && got.ended && got.lease_until == 1);
	json_object_put(bad);
	END_CASE();
}

static void
test_data(void)
{
	struct purge p = the_purge();
	bool done;

	CASE("purge_data: 260 items go in pages of 100, 25 deletes a call; "
	    "the Users item too; another account's items stay");
	reset();
	seed(SUB, 260);
	seed(OTHER, 30);
	seed_profile(SUB);
	CHECK(purge_data(&ddb, a, "Users", "Subs", &p, 10, &done) == ERR_OK);
	CHECK(done);
	CHECK(count_of("Subs|" SUB "|") == 0);
	CHECK(count_of("Subs|" OTHER "|") == 30);
	CHECK(count_of("Users|") == 0);
	CHECK(batch_calls == 11);       /* 4 + 4 + 3 */
	CHECK(batch_max == DDB_BATCH_WRITE_MAX);
	CHECK(query_calls == 3);
	END_CASE();

	CASE("purge_data: the email's Users item of another account stays");
	reset();
	seed(SUB, 3);
	seed_profile(OTHER);
	CHECK(purge_data(&ddb, a, "Users", "Subs", &p, 10, &done) == ERR_OK);
	CHECK(done && count_of("Users|") == 1 && count_of("Subs|") == 0);
	END_CASE();

	CASE("purge_data: the page cap leaves the rest; a second run goes on");
	reset();
	seed(SUB, 260);
	CHECK(purge_data(&ddb, a, "Users", "Subs", &p, 1, &done) == ERR_OK);
	CHECK(!done);
	CHECK(count_of("Subs|" SUB "|") == 160);
	CHECK(purge_data(&ddb, a, "Users", "Subs", &p, 10, &done) == ERR_OK);
	CHECK(done && count_of("Subs|" SUB "|") == 0);
	END_CASE();

	CASE("purge_data: no page is started without PURGE_PAGE_MIN_MS left");
	reset();
	seed(SUB, 10);
	aws_request_begin(aws, deadline_now_ms() + PURGE_PAGE_MIN_MS / 2);
	CHECK(purge_data(&ddb, a, "Users", "Subs", &p, 10, &done) == ERR_OK);
	aws_request_begin(aws, 0);
	CHECK(!done && query_calls == 0 && count_of("Subs|") == 10);
	END_CASE();

	CASE("purge_data: DynamoDB failing midway is an error, some items "
	    "gone, the rest still there");
	reset();
	seed(SUB, 260);
	batch_fail_from = 6;
	CHECK(purge_data(&ddb, a, "Users", "Subs", &p, 10, &done) ==
	    ERR_UNAVAILABLE);
	CHECK(!done);
	CHECK(count_of("Subs|" SUB "|") == 260 - 5 * 25);
	END_CASE();
}

static struct sweep_env
env(void)
{
	struct sweep_env e;

	e.aws = aws;
	e.ddb = &ddb;
	e.cog = &cog;
	e.sessions = sessions;
	e.users_table = "Users";
	e.subscriptions_table = "Subs";
	e.stop = NULL;
	return e;
}

static void
test_sweep(void)
{
	struct sweep_env e = env();
	struct arena *run = arena_new(SWEEP_ARENA_MAX);
	struct sweep_stats st;
	struct purge p = the_purge(), got;
	struct json_object *rec;
	bool done, found;

	CASE("a deletion that DynamoDB broke off midway (account not yet "
	    "ended) is finished by a sweep round: Cognito user, deleted "
	    "mark, every item, the marker");
	reset();
	seed(SUB, 260);
	seed(OTHER, 30);
	seed_profile(SUB);
	CHECK(purge_record(&ddb, a, "Subs", &p, 5000) == ERR_OK);
	batch_fail_from = 3;
	CHECK(purge_data(&ddb, a, "Users", "Subs", &p, 10, &done) != ERR_OK);
	CHECK(count_of("Subs|" SUB "|") > 0);
	batch_fail_from = 0;
	/* Within the lease: left alone. */
	sweep_round(&e, a, run, 4000, &st);
	CHECK(st.seen == 1 && st.finished == 0 && cog_calls == 0);
	CHECK(count_of("Subs|" SUB "|") > 0);
	sweep_round(&e, a, run, 5001, &st);
	CHECK(st.seen == 1 && st.finished == 1 && st.failed == 0);
	CHECK(cog_deletes == 1 && cog_user[0] == '\0');
	CHECK(count_of("Subs|" SUB "|") == 0);
	CHECK(count_of("Subs|~purge|") == 0);
	CHECK(count_of("Subs|" OTHER "|") == 30);
	rec = db_get("Users|~session:" SUB "|");
	CHECK(rec != NULL && json_object_object_get(rec, "deleted") != NULL);
	CHECK(count_of("Users|" EMAIL) == 0);
	sweep_round(&e, a, run, 5002, &st);
	CHECK(st.seen == 0);
	END_CASE();

	CASE("a sweep round that fails keeps the lease; the next after it "
	    "finishes");
	reset();
	seed(SUB, 120);
	p.username = SUB;
	CHECK(purge_record(&ddb, a, "Subs", &p, 100) == ERR_OK);
	CHECK(purge_release(&ddb, a, "Subs", SUB, true, 0) == ERR_OK);
	batch_fail_from = 2;
	sweep_round(&e, a, run, 1000, &st);
	CHECK(st.failed == 1 && st.finished == 0);
	CHECK(cog_calls == 0);          /* ended: Cognito is not asked */
	CHECK(purge_get(&ddb, a, "Subs", SUB, &got, &found) == ERR_OK);
	CHECK(found && got.lease_until == 1000 + SWEEP_LEASE_S);
	batch_fail_from = 0;
	sweep_round(&e, a, run, 1000 + SWEEP_LEASE_S / 2, &st);
	CHECK(st.finished == 0 && st.failed == 0);
	sweep_round(&e, a, run, 1001 + SWEEP_LEASE_S, &st);
	CHECK(st.finished == 1 && count_of("Subs|") == 0);
	END_CASE();

	CASE("a round asked to stop runs no marker and changes nothing; "
	    "the next round finishes it");
	{
		atomic_bool stop = true;
		struct sweep_env es = env();

		reset();
		seed(SUB, 5);
		p.username = SUB;
		es.stop = &stop;
		CHECK(purge_record(&ddb, a, "Subs", &p, 0) == ERR_OK);
		sweep_round(&es, a, run, 10, &st);
		CHECK(st.seen == 0 && st.finished == 0 && cog_calls == 0);
		CHECK(count_of("Subs|" SUB "|") == 5);
		stop = false;
		sweep_round(&es, a, run, 10, &st);
		CHECK(st.seen == 1 && st.finished == 1);
		CHECK(count_of("Subs|") == 0);
	}
	END_CASE();

	CASE("the sweeper leaves a Cognito user that now has another sub");
	reset();
	seed(SUB, 2);
	snprintf(cog_sub, sizeof(cog_sub), "%s", OTHER);
	CHECK(purge_record(&ddb, a, "Subs", &p, 0) == ERR_OK);
	sweep_round(&e, a, run, 10, &st);
	CHECK(st.finished == 1 && cog_deletes == 0 && cog_user[0] != '\0');
	CHECK(count_of("Subs|") == 0);
	END_CASE();

	CASE("more than SWEEP_RUN_PAGES pages: the run frees the marker and "
	    "the next round goes on");
	reset();
	seed(SUB, SWEEP_RUN_PAGES * PURGE_PAGE + 50);
	CHECK(purge_record(&ddb, a, "Subs", &p, 0) == ERR_OK);
	sweep_round(&e, a, run, 10, &st);
	CHECK(st.continued == 1 && count_of("Subs|" SUB "|") == 50);
	CHECK(purge_get(&ddb, a, "Subs", SUB, &got, &found) == ERR_OK);
	CHECK(found && got.ended && got.lease_until == 0);
	sweep_round(&e, a, run, 11, &st);
	CHECK(st.finished == 1 && count_of("Subs|") == 0);
	END_CASE();
	arena_free(run);
}

/* Every request unprocessed: the resend must fit the deadline. */
static void
h_unprocessed(struct fake *f, int n, const struct fake_req *r,
    struct fake_ans *ans)
{
	struct json_object *req = json_tokener_parse(r->body), *ri;

	(void)f, (void)n;
	json_object_object_get_ex(req, "RequestItems", &ri);
	snprintf(ans->text, sizeof(ans->text), "{\"UnprocessedItems\":%s}",
	    json_object_to_json_string(ri));
	ans->status = 200;
	ans->body = ans->text;
	json_object_put(req);
}

static void
test_deadline(void)
{
	struct fake *f = fake_start(h_unprocessed, NULL);
	struct ddb d2 = ddb;
	struct json_object *keys = json_tokener_parse("[{\"user_id\":\"u\","
	    "\"subscription_id\":\"a\"}]");

	CASE("BatchWriteItem: unprocessed items are not resent past the "
	    "request's deadline (ERR_UNAVAILABLE)");
	d2.endpoint = f->url;
	aws_request_begin(aws, deadline_now_ms() + 150);
	CHECK(ddb_batch_write(&d2, a, "Subs", NULL, keys) == ERR_UNAVAILABLE);
	aws_request_begin(aws, 0);
	CHECK(atomic_load(&f->requests) == 1);
	END_CASE();
	json_object_put(keys);
	fake_stop(f);
}

int
main(void)
{
	struct aws_config cfg = { "us-east-1", 500, 2000, 2 };
	struct fake *fd, *fc;

	log_set_level(LOG__MAX);
	fake_aws_env();
	db = json_object_new_object();
	fd = fake_start(h_ddb, NULL);
	fc = fake_start(h_cog, NULL);
	http = httpc_new();
	aws = aws_new(&cfg, http);
	retry_set_hooks(aws_retry(aws), no_sleep, NULL, NULL);
	ddb.aws = aws;
	ddb.endpoint = fd->url;
	cog.aws = aws;
	cog.endpoint = fc->url;
	cog.client_id = "client";
	cog.user_pool_id = "us-east-1_test";
	sessions = sessions_new(&ddb, "Users");
	a = arena_new(16 * 1024 * 1024);

	test_marker();
	test_data();
	test_sweep();
	test_deadline();

	arena_free(a);
	sessions_free(sessions);
	aws_free(aws);
	httpc_free(http);
	fake_stop(fd);
	fake_stop(fc);
	json_object_put(db);
	return harness_done();
}
