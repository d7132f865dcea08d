/*
 * test_session.c - sign-out records against a fake DynamoDB that keeps
 * one item in memory and honours the two conditions session.c writes
 * under ("attribute_not_exists(email)", "version = :v"): the checks of
 * auth_time, sign-in ids, links and deletion, the per-worker cache and
 * its bypass, the LIM_SESSION_ENTRIES bound, version conflicts, and the
 * refresh-token helpers.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/session.h"
#include "aws/aws.h"
#include "aws/ddb.h"
#include "aws/retry.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"
#include "fake_http.h"
#include "harness.h"
#include "net/httpc.h"

#define SUB "0b0e5a2c-1111-4222-8333-944455556666"

static struct json_object *stored;    /* the record, AttributeValue form */
static int gets, puts_, conflicts_to_make;

static void
h_ddb(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	char target[128];
	struct json_object *req, *item, *cond, *vals, *v, *sv;
	const char *c;

	(void)f, (void)n;
	fake_header(r, "X-Amz-Target", target, sizeof(target));
	req = json_tokener_parse(r->body);
	a->status = 200;
	if (strstr(target, "GetItem") != NULL) {
		gets++;
		snprintf(a->text, sizeof(a->text), "{%s%s%s}",
		    stored != NULL ? "\"Item\":" : "",
		    stored != NULL ? json_object_to_json_string(stored) : "",
		    "");
		a->body = a->text;
	} else if (strstr(target, "PutItem") != NULL) {
		puts_++;
		json_object_object_get_ex(req, "Item", &item);
		c = json_object_object_get_ex(req, "ConditionExpression", &cond) ?
		    json_object_get_string(cond) : "";
		if (conflicts_to_make > 0 ||
		    (strcmp(c, "attribute_not_exists(email)") == 0 &&
		    stored != NULL) ||
		    (strcmp(c, "version = :v") == 0 && (stored == NULL ||
		    !json_object_object_get_ex(req,
		    "ExpressionAttributeValues", &vals) ||
		    !json_object_object_get_ex(vals, ":v", &v) ||
		    !json_object_object_get_ex(stored, "version", &sv) ||
		    strcmp(json_object_to_json_string(v),
		    json_object_to_json_string(sv)) != 0))) {
			if (conflicts_to_make > 0)
				conflicts_to_make--;
			a->status = 400;
			a->body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
			    "ConditionalCheckFailedException\",\"message\":\"x\"}";
		} else {
			json_object_put(stored);
			stored = json_object_get(item);
			a->body = "{}";
		}
	} else {
		a->status = 400;
		a->body = "{\"__type\":\"ValidationException\"}";
	}
	json_object_put(req);
}

static void
no_sleep(void *ctx, long ms)
{
	(void)ctx, (void)ms;
}

static struct principal
pr(int64_t auth_time, const char *sid)
{
	struct principal p;

	memset(&p, 0, sizeof(p));
	p.sub = SUB;
	p.auth_time = auth_time;
	p.sid = sid;
	return p;
}

int
main(void)
{
	struct aws_config ac = { "us-east-1", 500, 2000, 2 };
	struct fake *f;
	struct httpc *http;
	struct aws *aws;
	struct ddb d;
	struct sessions *s;
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct principal p;
	char parent[SESSION_PARENT_LEN], sid[32];
	const char *why;
	int64_t va, t, ms = 1000000;
	int i, before;

	log_set_level(LOG_ERROR);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret-example", 1);
	httpc_global_init();
	http = httpc_new();
	f = fake_start(h_ddb, NULL);
	aws = aws_new(&ac, http);
	retry_set_hooks(aws_retry(aws), no_sleep, NULL, NULL);
	memset(&d, 0, sizeof(d));
	d.aws = aws;
	d.endpoint = f->url;
	s = sessions_new(&d, "Users");

	CASE("no record: every sign-in is alive; one read, then the cache");
	p = pr(100, "ev-1");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_OK);
	CHECK(session_check(s, a, &p, ms + SESSION_CACHE_MS - 1, false, &why)
	    == ERR_OK);
	CHECK(gets == 1);
	CHECK(session_check(s, a, &p, ms + SESSION_CACHE_MS, false, &why) ==
	    ERR_OK);
	CHECK(gets == 2);
	CHECK(session_check(s, a, &p, ms + SESSION_CACHE_MS, true, &why) ==
	    ERR_OK);
	CHECK(gets == 3);       /* fresh: whatever the cache holds */
	END_CASE();

	CASE("logout ends that sign-in and its parent's links, no other");
	session_parent("refresh-token-1", parent);
	CHECK(strncmp(parent, "r:", 2) == 0 && strlen(parent) == 26);
	CHECK(session_link(s, a, SUB, "ev-2", parent, 5000, 200) == ERR_OK);
	CHECK(session_end(s, a, SUB, "ev-1", parent, 300) == ERR_OK);
	p = pr(100, "ev-1");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_UNAUTHENTICATED);
	CHECK_STR(why, "the sign-in was ended (logout)");
	p = pr(250, "ev-2");            /* refreshed from parent */
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_UNAUTHENTICATED);
	p = pr(100, "ev-3");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_OK);
	p = pr(100, NULL);
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_OK);
	CHECK(session_refresh_check(s, a, SUB, 100, parent, &why) ==
	    ERR_UNAUTHENTICATED);
	session_parent("refresh-token-2", parent);
	CHECK(session_refresh_check(s, a, SUB, 100, parent, &why) == ERR_OK);
	END_CASE();

	CASE("another worker's cache sees a write only after SESSION_CACHE_MS");
	{
		struct sessions *other = sessions_new(&d, "Users");
		p = pr(100, "ev-9");
		CHECK(session_check(other, a, &p, ms, false, &why) == ERR_OK);
		CHECK(session_end(s, a, SUB, "ev-9", NULL, 300) == ERR_OK);
		CHECK(session_check(other, a, &p, ms + 1, false, &why) ==
		    ERR_OK);
		CHECK(session_check(other, a, &p, ms + 1, true, &why) ==
		    ERR_UNAUTHENTICATED);
		CHECK(session_check(other, a, &p, ms + SESSION_CACHE_MS + 1,
		    false, &why) == ERR_UNAUTHENTICATED);
		sessions_free(other);
	}
	END_CASE();

	CASE("end all: sign-ins at or before valid_after end, later ones live");
	CHECK(session_end_all(s, a, SUB, false, 1000, &va) == ERR_OK);
	CHECK(va == 1000);
	p = pr(1000, "ev-new");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_UNAUTHENTICATED);
	CHECK_STR(why, "the sign-in was ended (password change or reset)");
	p = pr(1001, "ev-new");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_OK);
	CHECK(session_refresh_check(s, a, SUB, 999, NULL, &why) ==
	    ERR_UNAUTHENTICATED);
	CHECK(session_refresh_check(s, a, SUB, 1001, NULL, &why) == ERR_OK);
	/* a clock that went back never lowers valid_after */
	CHECK(session_end_all(s, a, SUB, false, 900, &va) == ERR_OK);
	CHECK(va == 1000);
	END_CASE();

	CASE("LIM_SESSION_ENTRIES: at the bound a logout ends every sign-in");
	for (i = 0; i < LIM_SESSION_ENTRIES - 2; i++) {
		snprintf(sid, sizeof(sid), "many-%d", i);
		CHECK(session_end(s, a, SUB, sid, NULL, 2000) == ERR_OK);
	}
	p = pr(2001, "many-0");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_UNAUTHENTICATED);
	p = pr(1500, "other");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_OK);
	/* 62 kept; one more sid and its parent (64) still fit one by one */
	CHECK(session_end(s, a, SUB, "last", "r:last", 2000) == ERR_OK);
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_OK);
	/* the next passes the bound: everything up to now ends instead */
	CHECK(session_end(s, a, SUB, "over", NULL, 2100) == ERR_OK);
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_UNAUTHENTICATED);
	p = pr(2101, "fresh");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_OK);
	END_CASE();

	CASE("expired entries are pruned on the next write");
	CHECK(session_end(s, a, SUB, "short", NULL, 3000) == ERR_OK);
	t = 3000 + SESSION_TOKEN_LIFE_MAX + 1000;
	CHECK(session_end(s, a, SUB, "later", NULL, t) == ERR_OK);
	p = pr(2500, "short");          /* its entry expired: pruned */
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_OK);
	p = pr(2500, "later");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_UNAUTHENTICATED);
	END_CASE();

	CASE("a version conflict is read again and written; too many fail");
	before = puts_;
	conflicts_to_make = 1;
	CHECK(session_end(s, a, SUB, "conflict", NULL, t) == ERR_OK);
	CHECK(puts_ == before + 2);
	conflicts_to_make = SESSION_WRITE_TRIES;
	CHECK(session_end(s, a, SUB, "lost", NULL, t) == ERR_CONFLICT);
	conflicts_to_make = 0;
	END_CASE();

	CASE("deletion refuses every token of the sub, later ones too");
	CHECK(session_end_all(s, a, SUB, true, t, NULL) == ERR_OK);
	p = pr(t + 100, "after");
	CHECK(session_check(s, a, &p, ms, false, &why) == ERR_UNAUTHENTICATED);
	CHECK_STR(why, "the account was deleted");
	CHECK(session_refresh_check(s, a, SUB, t + 100, NULL, &why) ==
	    ERR_UNAUTHENTICATED);
	END_CASE();

	CASE("LIM_SESSION_SLOTS: more users than slots evict, never wrong");
	{
		struct sessions *many = sessions_new(&d, "Users");
		char subs[64];
		int g0;
		/* stored is SUB's (deleted) record; every other sub reads it
		 * too in this fake, so only the count of reads matters here */
		json_object_put(stored);
		stored = NULL;
		for (i = 0; i < LIM_SESSION_SLOTS + LIM_SESSION_SLOTS / 2; i++) {
			snprintf(subs, sizeof(subs), "user-%d", i);
			p = pr(100, NULL);
			p.sub = subs;
			CHECK(session_check(many, a, &p, ms, false, &why) ==
			    ERR_OK);
		}
		g0 = gets;
		snprintf(subs, sizeof(subs), "user-%d",
		    LIM_SESSION_SLOTS + LIM_SESSION_SLOTS / 2 - 1);
		p.sub = subs;               /* the newest is still cached */
		CHECK(session_check(many, a, &p, ms, false, &why) == ERR_OK);
		CHECK(gets == g0);
		sessions_free(many);
		CHECK(session_end_all(s, a, SUB, true, t, NULL) == ERR_OK);
	}
	END_CASE();

	CASE("DynamoDB down: unavailable, never alive");
	d.endpoint = "http://127.0.0.1:1";
	p = pr(t + 100, "x");
	CHECK(session_check(s, a, &p, ms, true, &why) == ERR_UNAVAILABLE);
	CHECK(session_end(s, a, SUB, "x", NULL, t) == ERR_UNAVAILABLE);
	d.endpoint = f->url;
	END_CASE();

	CASE("refresh tokens: a JWS's iat is its sign-in; others are opaque");
	{
		struct buf b;
		const char *pay = "{\"iat\":1700000000,\"jti\":\"x\"}";
		buf_init(&b, 4096);
		buf_puts(&b, "eyJhbGciOiJSUzI1NiJ9.");
		str_b64url_encode(&b, pay, strlen(pay));
		buf_puts(&b, ".c2ln");
		CHECK(session_refresh_signin(buf_cstr(&b), &t) && t ==
		    1700000000);
		CHECK(!session_refresh_signin("a.b.c.d.e", &t));
		CHECK(!session_refresh_signin("opaque", &t));
		CHECK(!session_refresh_signin("a.e30.c", &t));  /* {} */
		CHECK(!session_refresh_signin("a.!!.c", &t));
		buf_free(&b);
	}
	END_CASE();

	sessions_free(s);
	json_object_put(stored);
	aws_free(aws);
	fake_stop(f);
	httpc_free(http);
	httpc_global_cleanup();
	arena_free(a);
	return harness_done();
}
