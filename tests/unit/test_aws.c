/*
 * test_aws.c - net/httpc and aws/aws against a scripted local server:
 * transport options, signing headers, the retry policy and its quota,
 * timeouts and error mapping.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/aws.h"
#include "aws/creds.h"
#include "aws/ddb.h"
#include "aws/retry.h"
#include "core/arena.h"
#include "core/deadline.h"
#include "core/limits.h"
#include "core/log.h"
#include "fake_http.h"
#include "harness.h"
#include "json/jx.h"
#include "net/httpc.h"

#define DDB_TARGET "DynamoDB_20120810.PutItem"
#define DDB_CT     "application/x-amz-json-1.0"
#define CCF_BODY   "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" \
                   "ConditionalCheckFailedException\",\"message\":" \
                   "\"The conditional request failed\"}"
#define THR_BODY   "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" \
                   "ThrottlingException\",\"message\":\"Rate exceeded\"}"

static struct httpc *http;

/* Sleep hook: record, never wait. */
static long slept[64];
static int nslept;

static void
fake_sleep(void *ctx, long ms)
{
	(void)ctx;
	if (nslept < 64)
		slept[nslept] = ms;
	nslept++;
}

static double
rand_high(void *ctx)
{
	(void)ctx;
	return 0.999999;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
env_creds(void)
{
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", 1);
	setenv("AWS_SESSION_TOKEN", "session-token-example", 1);
}

static struct aws *
new_aws(long timeout_ms, int attempts)
{
	struct aws_config cfg = { "", 200, timeout_ms, attempts };
	struct aws *aws = aws_new(&cfg, http);

	if (aws != NULL)
		retry_set_hooks(aws_retry(aws), fake_sleep, rand_high, NULL);
	nslept = 0;
	return aws;
}

static enum err
call(struct aws *aws, struct arena *a, const char *endpoint,
    struct aws_result *res)
{
	struct aws_call c = { endpoint, "dynamodb", DDB_TARGET, DDB_CT,
	    "{\"TableName\":\"t\"}", 16, false, false };

	return aws_json_call(aws, a, &c, res);
}

/* ---- handlers ---- */

static void
h_echo(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n;
	snprintf(a->text, sizeof(a->text), "%s %s %zu", r->method, r->path,
	    r->body_len);
	a->body = a->text;
	a->extra = "X-Test: yes\r\n";
}

static void
h_big(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)r;
	a->filler = 2000;
	a->no_length = n % 2 == 1;      /* odd: no Content-Length */
}

static void
h_redirect(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)n, (void)r;
	a->status = 302;
	snprintf(a->text, sizeof(a->text), "Location: %s/x\r\n", f->url);
	a->extra = a->text;
}

static void
h_hang(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n, (void)r;
	a->hang = true;
}

static void
h_throttle_once(struct fake *f, int n, const struct fake_req *r,
    struct fake_ans *a)
{
	(void)f, (void)r;
	if (n == 0) {
		a->status = 400;
		a->body = THR_BODY;
	} else {
		a->body = "{\"ok\":true}";
	}
}

static void
h_throttle(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n, (void)r;
	a->status = 400;
	a->body = THR_BODY;
}

static void
h_503(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n, (void)r;
	a->status = 503;
	a->body = "<html>Service Unavailable</html>";
}

static void
h_ccf(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n, (void)r;
	a->status = 400;
	a->body = CCF_BODY;
}

/* ctx: the answer to give, as {status, body}. */
struct canned { int status; const char *body; };

static void
h_canned(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	const struct canned *c = f->ctx;

	(void)n, (void)r;
	a->status = c->status;
	a->body = c->body;
}

/* ---- httpc ---- */

static void
test_httpc(void)
{
	struct fake *f = fake_start(h_echo, NULL);
	struct httpc_header hd[] = { { "X-One", "1" }, { "X-Empty", "" } };
	struct httpc_req rq;
	struct httpc_resp rs;
	struct fake_req last;
	char v[64], url[128];
	int i;

	CASE("httpc GET, POST and PUT on one kept-alive connection");
	snprintf(url, sizeof(url), "%s/p?q=1", f->url);
	for (i = 0; i < 3; i++) {
		static const char *const m[] = { "GET", "POST", "PUT" };
		memset(&rq, 0, sizeof(rq));
		rq.method = m[i];
		rq.url = url;
		rq.headers = hd;
		rq.nheaders = 2;
		rq.body = i > 0 ? "abc" : NULL;
		rq.body_len = i > 0 ? 3 : 0;
		CHECK(httpc_do(http, &rq, &rs) == ERR_OK);
		CHECK(rs.status == 200 && !rs.timed_out);
		fake_last(f, &last);
		CHECK(strcmp(last.method, m[i]) == 0);
		CHECK(fake_header(&last, "X-One", v, sizeof(v)) &&
		    !strcmp(v, "1"));
		CHECK(fake_header(&last, "X-Empty", v, sizeof(v)) &&
		    v[0] == '\0');
		CHECK(!fake_header(&last, "Expect", v, sizeof(v)));
		CHECK(!fake_header(&last, "Content-Type", v, sizeof(v)));
		buf_free(&rs.body);
	}
	CHECK(atomic_load(&f->conns) == 1 && atomic_load(&f->requests) == 3);
	fake_last(f, &last);
	CHECK(last.body_len == 3 && memcmp(last.body, "abc", 3) == 0);
	END_CASE();

	CASE("httpc refuses header injection, bad method, other schemes");
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = url;
	{
		struct httpc_header bad[] = { { "X-A", "v\r\nX-Injected: 1" } };
		rq.headers = bad;
		rq.nheaders = 1;
		CHECK(httpc_do(http, &rq, &rs) == ERR_INVALID);
		buf_free(&rs.body);
	}
	{
		struct httpc_header bad[] = { { "X A", "v" } };
		rq.headers = bad;
		CHECK(httpc_do(http, &rq, &rs) == ERR_INVALID);
		buf_free(&rs.body);
	}
	rq.nheaders = 0;
	rq.method = "DELETE";
	CHECK(httpc_do(http, &rq, &rs) == ERR_INVALID);
	buf_free(&rs.body);
	rq.method = "GET";
	rq.url = "file:///etc/passwd";
	CHECK(httpc_do(http, &rq, &rs) == ERR_INVALID && rs.body.len == 0);
	buf_free(&rs.body);
	CHECK(atomic_load(&f->requests) == 3);
	END_CASE();
	fake_stop(f);

	CASE("httpc: body past max_response is ERR_TOO_LARGE, with or "
	    "without Content-Length");
	f = fake_start(h_big, NULL);
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = f->url;
	for (i = 0; i < 2; i++) {
		rq.max_response = 1000;
		CHECK(httpc_do(http, &rq, &rs) == ERR_TOO_LARGE);
		CHECK(rs.body.len <= 1000);
		buf_free(&rs.body);
	}
	rq.max_response = 2000;
	CHECK(httpc_do(http, &rq, &rs) == ERR_OK && rs.body.len == 2000);
	buf_free(&rs.body);
	END_CASE();
	fake_stop(f);

	CASE("httpc does not follow redirects");
	f = fake_start(h_redirect, NULL);
	rq.url = f->url;
	rq.max_response = 0;
	CHECK(httpc_do(http, &rq, &rs) == ERR_OK && rs.status == 302);
	CHECK(atomic_load(&f->requests) == 1);
	buf_free(&rs.body);
	END_CASE();
	fake_stop(f);

	CASE("httpc: refused connection, and a hang past the timeout");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", fake_closed_port());
	rq.url = url;
	CHECK(httpc_do(http, &rq, &rs) == ERR_UNAVAILABLE && !rs.timed_out);
	CHECK(rs.status == 0);
	buf_free(&rs.body);
	f = fake_start(h_hang, NULL);
	rq.url = f->url;
	rq.timeout_ms = 150;
	{
		double t0 = now_s();
		CHECK(httpc_do(http, &rq, &rs) == ERR_UNAVAILABLE &&
		    rs.timed_out);
		CHECK(now_s() - t0 < 1.0);
	}
	buf_free(&rs.body);
	END_CASE();
	fake_stop(f);
}

/* ---- aws ---- */

static void
test_aws_success_after_throttle(void)
{
	struct fake *f = fake_start(h_throttle_once, NULL);
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct aws *aws;
	struct aws_result res;
	struct fake_req last;
	char v[512], host[64];

	CASE("throttling then success: 2 attempts, ERR_OK, signed headers");
	env_creds();
	aws = new_aws(1000, 0);
	CHECK(aws != NULL);
	CHECK(call(aws, a, f->url, &res) == ERR_OK);
	CHECK(res.attempts == 2 && res.status == 200);
	CHECK(res.error_type == NULL && res.body != NULL);
	CHECK_STR(res.body, "{\"ok\":true}");
	CHECK(nslept == 1 && slept[0] == 100);
	/* 5 taken for the retry, given back by the success that followed */
	CHECK(aws_retry(aws)->quota == RETRY_QUOTA_INITIAL);
	fake_last(f, &last);
	CHECK(strcmp(last.method, "POST") == 0 && strcmp(last.path, "/") == 0);
	snprintf(host, sizeof(host), "127.0.0.1:%d", f->port);
	CHECK(fake_header(&last, "Host", v, sizeof(v)) && !strcmp(v, host));
	CHECK(fake_header(&last, "X-Amz-Target", v, sizeof(v)) &&
	    !strcmp(v, DDB_TARGET));
	CHECK(fake_header(&last, "Content-Type", v, sizeof(v)) &&
	    !strcmp(v, DDB_CT));
	CHECK(fake_header(&last, "X-Amz-Security-Token", v, sizeof(v)) &&
	    !strcmp(v, "session-token-example"));
	CHECK(fake_header(&last, "X-Amz-Date", v, sizeof(v)) &&
	    strlen(v) == 16);
	CHECK(fake_header(&last, "Authorization", v, sizeof(v)));
	CHECK(strncmp(v, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST/",
	    44) == 0);
	CHECK(strstr(v, "/us-east-1/dynamodb/aws4_request") != NULL);
	CHECK(strstr(v, "SignedHeaders=content-type;host;") != NULL);
	CHECK(last.body_len == 16);
	END_CASE();
	aws_free(aws);
	arena_free(a);
	fake_stop(f);
}

static void
test_aws_no_retry(void)
{
	static const struct { struct canned c; const char *type; int status; }
	    cases[] = {
		{ { 400, CCF_BODY }, "ConditionalCheckFailedException", 400 },
		{ { 400, "{\"__type\":\"ValidationException\","
		    "\"message\":\"x\"}" },
		  "ValidationException", 400 },
		{ { 400, "{\"__type\":\"NotAuthorizedException:http://x/\"}" },
		  "NotAuthorizedException", 400 },
		{ { 403, "{\"__type\":\"AccessDeniedException\"}" },
		  "AccessDeniedException", 403 },
		{ { 404, "not json" }, NULL, 404 },
		{ { 400, "{\"__type\":\"A\"} x" }, NULL, 400 },
		{ { 400, "{\"__type\":\"bad type!\"}" }, NULL, 400 },
		{ { 400, "[\"__type\"]" }, NULL, 400 },
		{ { 501, "{}" }, NULL, 501 },
	};
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct aws_result res;
	struct aws *aws;
	struct fake *f;
	size_t i;

	env_creds();
	aws = new_aws(1000, 3);
	CASE("ConditionalCheckFailed is not retried: 1 attempt, ERR_UPSTREAM");
	f = fake_start(h_ccf, NULL);
	CHECK(call(aws, a, f->url, &res) == ERR_UPSTREAM);
	CHECK(res.attempts == 1 && res.status == 400 && nslept == 0);
	CHECK_STR(res.error_type, "ConditionalCheckFailedException");
	CHECK_STR(res.error_message, "The conditional request failed");
	CHECK(atomic_load(&f->requests) == 1);
	CHECK(res.body != NULL && strcmp(res.body, CCF_BODY) == 0);
	END_CASE();
	fake_stop(f);

	CASE("other 4xx (and 501) are not retried; strict error types");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = fake_start(h_canned, (void *)&cases[i].c);
		CHECK(call(aws, a, f->url, &res) ==
		    (cases[i].status >= 500 ? ERR_UNAVAILABLE : ERR_UPSTREAM));
		CHECK(res.attempts == 1 && res.status == cases[i].status);
		if (cases[i].type != NULL)
			CHECK_STR(res.error_type, cases[i].type);
		else
			CHECK(res.error_type == NULL);
		fake_stop(f);
	}
	CHECK(nslept == 0);
	END_CASE();
	aws_free(aws);
	arena_free(a);
}

static void
test_aws_throttled(void)
{
	static const struct canned c429 = { 429, "" };
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct aws_result res;
	struct aws *aws;
	struct fake *f = fake_start(h_throttle, NULL);

	CASE("throttling that outlives 3 attempts is ERR_THROTTLED; "
	    "backoff ceilings 100, 200 ms");
	env_creds();
	aws = new_aws(1000, 3);
	CHECK(call(aws, a, f->url, &res) == ERR_THROTTLED);
	CHECK(res.attempts == 3 && atomic_load(&f->requests) == 3);
	CHECK_STR(res.error_type, "ThrottlingException");
	CHECK(nslept == 2 && slept[0] == 100 && slept[1] == 200);
	CHECK(aws_retry(aws)->quota == RETRY_QUOTA_INITIAL - 2 * RETRY_COST);
	END_CASE();
	fake_stop(f);

	CASE("a bare 429 is throttling");
	f = fake_start(h_canned, (void *)&c429);
	CHECK(call(aws, a, f->url, &res) == ERR_THROTTLED && res.attempts == 3);
	CHECK(res.error_type == NULL);
	END_CASE();
	fake_stop(f);
	aws_free(aws);
	arena_free(a);
}

static void
test_aws_quota(void)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct aws_result res;
	struct aws *aws;
	struct fake *f = fake_start(h_503, NULL);
	int calls = 0, retried_calls = 0, single = 0;

	CASE("a 5xx storm empties the retry quota, then calls stop retrying");
	env_creds();
	aws = new_aws(1000, 3);
	for (calls = 0; calls < 60; calls++) {
		arena_reset(a);
		CHECK(call(aws, a, f->url, &res) == ERR_UNAVAILABLE);
		CHECK(res.status == 503 && res.error_type == NULL);
		if (res.attempts == 3)
			retried_calls++;
		else if (res.attempts == 1)
			single++;
		else
			CHECK(0);
	}
	/* 500 tokens pay 100 retries of 5: 50 calls retried twice each. */
	CHECK(retried_calls == 50 && single == 10);
	CHECK(aws_retry(aws)->quota == 0);
	CHECK(atomic_load(&f->requests) == 50 * 3 + 10);
	CHECK(nslept == 100);
	END_CASE();
	fake_stop(f);
	aws_free(aws);
	arena_free(a);
}

static void
test_aws_timeout(void)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct aws_result res;
	struct aws *aws;
	struct fake *f = fake_start(h_hang, NULL);
	char url[64];
	double t0;

	CASE("a hanging endpoint times out quickly: ERR_UNAVAILABLE, "
	    "timed_out, retries cost 10");
	env_creds();
	aws = new_aws(150, 3);
	t0 = now_s();
	CHECK(call(aws, a, f->url, &res) == ERR_UNAVAILABLE);
	CHECK(now_s() - t0 < 1.5);
	CHECK(res.timed_out && res.attempts == 3 && res.status == 0);
	CHECK(res.body != NULL && res.body_len == 0);
	CHECK(aws_retry(aws)->quota == RETRY_QUOTA_INITIAL -
	    2 * RETRY_TIMEOUT_COST);
	END_CASE();
	fake_stop(f);

	CASE("a refused connection is retried, then ERR_UNAVAILABLE");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", fake_closed_port());
	nslept = 0;
	CHECK(call(aws, a, url, &res) == ERR_UNAVAILABLE);
	CHECK(!res.timed_out && res.attempts == 3 && nslept == 2);
	END_CASE();
	aws_free(aws);
	arena_free(a);
}

static void
test_aws_misc(void)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct aws_config bad = { "us-east-1; rm", 0, 0, 0 };
	struct aws_config bad2 = { "eu-west-1", 0, 0, 11 };
	struct aws_result res;
	struct aws *aws;
	struct fake *f = fake_start(h_echo, NULL);
	struct fake_req last;
	char url[128], v[512];
	struct aws_call uc = { NULL, "cognito-idp",
	    "AWSCognitoIdentityProviderService.InitiateAuth",
	    "application/x-amz-json-1.1", "{}", 2, true, false };

	CASE("aws_new refuses a bad region or attempt count");
	CHECK(aws_new(&bad, http) == NULL);
	CHECK(aws_new(&bad2, http) == NULL);
	END_CASE();

	CASE("an endpoint path is sent and signed; bad endpoints refused");
	env_creds();
	aws = new_aws(1000, 3);
	snprintf(url, sizeof(url), "%s/base/path", f->url);
	CHECK(call(aws, a, url, &res) == ERR_OK);
	fake_last(f, &last);
	CHECK(strcmp(last.path, "/base/path") == 0);
	CHECK(call(aws, a, "ftp://h/", &res) == ERR_INTERNAL);
	CHECK(call(aws, a, "http://u@h/", &res) == ERR_INTERNAL);
	CHECK(call(aws, a, "http:///x", &res) == ERR_INTERNAL);
	CHECK(call(aws, a, "http://h/?a=b", &res) == ERR_INTERNAL);
	CHECK(res.attempts == 0);
	END_CASE();
	aws_free(aws);

	CASE("no credentials: ERR_UNAVAILABLE (a 503) and nothing sent; "
	    "unsigned calls need none");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	aws = new_aws(1000, 3);
	atomic_store(&f->requests, 0);
	CHECK(call(aws, a, f->url, &res) == ERR_UNAVAILABLE);
	CHECK(atomic_load(&f->requests) == 0 && res.attempts == 0);
	uc.endpoint = f->url;
	CHECK(aws_json_call(aws, a, &uc, &res) == ERR_OK && res.attempts == 1);
	fake_last(f, &last);
	CHECK(!fake_header(&last, "Authorization", v, sizeof(v)));
	CHECK(!fake_header(&last, "X-Amz-Date", v, sizeof(v)));
	CHECK(fake_header(&last, "X-Amz-Target", v, sizeof(v)) &&
	    !strcmp(v, "AWSCognitoIdentityProviderService.InitiateAuth"));
	END_CASE();
	aws_free(aws);

	CASE("past the arena's cap: ERR_TOO_LARGE");
	env_creds();
	aws = new_aws(1000, 3);
	arena_reset(a);
	arena_fail_after(a, 1);
	CHECK(call(aws, a, f->url, &res) == ERR_TOO_LARGE);
	arena_fail_after(a, 0);
	END_CASE();
	aws_free(aws);
	fake_stop(f);
	arena_free(a);
}

static void
h_expired_once(struct fake *f, int n, const struct fake_req *r,
    struct fake_ans *a)
{
	(void)f, (void)r;
	if (n == 0) {
		a->status = 400;
		a->body = "{\"__type\":\"com.amazon.coral.service#"
		    "ExpiredTokenException\",\"message\":\"expired\"}";
	}
}

static void
h_500(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n, (void)r;
	a->status = 500;
	a->body = "{\"__type\":\"InternalServerError\"}";
}

/* Sleep hook that really sleeps (deadline tests). */
static void
real_sleep(void *ctx, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)ctx;
	nanosleep(&ts, NULL);
}

static void
test_aws_deadline(void)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct fake *hang = fake_start(h_hang, NULL);
	struct fake *f;
	struct aws_result res;
	struct aws_report rep;
	struct aws *aws;
	double t0, took;
	int64_t ms;

	CASE("nginx's $msec parses; anything else is refused");
	CHECK(deadline_parse_msec("1712345678.123", 14, &ms) &&
	    ms == 1712345678123LL);
	CHECK(deadline_parse_msec("17.5", 4, &ms) && ms == 17500);
	CHECK(deadline_parse_msec("17", 2, &ms) && ms == 17000);
	CHECK(!deadline_parse_msec("", 0, &ms));
	CHECK(!deadline_parse_msec("17.", 3, &ms));
	CHECK(!deadline_parse_msec("17.1234", 7, &ms));
	CHECK(!deadline_parse_msec("-1.5", 4, &ms));
	CHECK(!deadline_parse_msec("1e9", 3, &ms));
	CHECK(!deadline_parse_msec("12345678901234", 14, &ms));
	END_CASE();

	CASE("the deadline counts from nginx's start; clock steps are "
	    "clamped");
	CHECK(deadline_from_start(9000, 10000, 10000, 500) == 500 + 9000);
	CHECK(deadline_from_start(0, 10000, 10000, 500) == 10500);
	CHECK(deadline_from_start(20000, 10000, 10000, 500) == 10500);
	CHECK(deadline_from_start(1, 10000, 100000, 500) == 500);
	CHECK(deadline_left_ms(0) > 1000000);
	END_CASE();

	CASE("a hanging dependency: every attempt fits in the deadline, "
	    "the call ends at it with ERR_UNAVAILABLE, named in the report");
	env_creds();
	aws = new_aws(3000, 3);
	retry_set_hooks(aws_retry(aws), real_sleep, NULL, NULL);
	aws_request_begin(aws, deadline_now_ms() + 400);
	t0 = now_s();
	CHECK(call(aws, a, hang->url, &res) == ERR_UNAVAILABLE);
	took = now_s() - t0;
	CHECK(took < 0.9 && took > 0.3);
	CHECK(res.past_deadline);
	aws_request_report(aws, &rep);
	CHECK(rep.calls == 1 && rep.failed_service != NULL &&
	    strcmp(rep.failed_service, "dynamodb") == 0 &&
	    strcmp(rep.failed_error, "deadline") == 0);
	END_CASE();

	CASE("past the deadline nothing is sent");
	atomic_store(&hang->requests, 0);
	aws_request_begin(aws, deadline_now_ms() - 1);
	CHECK(call(aws, a, hang->url, &res) == ERR_UNAVAILABLE &&
	    res.past_deadline);
	CHECK(atomic_load(&hang->requests) == 0);
	aws_request_begin(aws, 0);
	END_CASE();
	aws_free(aws);

	CASE("ExpiredToken: credentials fetched again and the call tried once "
	    "more, outside the retry budget");
	f = fake_start(h_expired_once, NULL);
	aws = new_aws(1000, 1);
	CHECK(call(aws, a, f->url, &res) == ERR_OK);
	CHECK(atomic_load(&f->requests) == 2);
	CHECK(aws_retry(aws)->quota == RETRY_QUOTA_INITIAL);
	fake_stop(f);
	END_CASE();
	aws_free(aws);

	CASE("DynamoDB and Cognito draw on separate retry budgets; a 5xx "
	    "retried is flagged as a possible replay");
	f = fake_start(h_500, NULL);
	aws = new_aws(1000, 3);
	{
		struct aws_call cc = { f->url, "cognito-idp",
		    "AWSCognitoIdentityProviderService.GetUser",
		    "application/x-amz-json-1.1", "{}", 2, true, false };
		CHECK(aws_json_call(aws, a, &cc, &res) == ERR_UNAVAILABLE);
		CHECK(res.attempts == 3 && res.replayed);
	}
	CHECK(aws_retry(aws)->quota == RETRY_QUOTA_INITIAL);
	CHECK(call(aws, a, f->url, &res) == ERR_UNAVAILABLE);
	CHECK(aws_retry(aws)->quota == RETRY_QUOTA_INITIAL - 2 * RETRY_COST);
	fake_stop(f);
	END_CASE();
	aws_free(aws);
	fake_stop(hang);
	arena_free(a);
}

/* ---- ddb: page cap, own writes, ClientRequestToken ---- */

static const char *ddb_answer;  /* what the fake DynamoDB says */
static int ddb_status;

static void
h_ddb(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	(void)f, (void)n, (void)r;
	a->status = ddb_status;
	a->body = ddb_answer;
}

static void
test_ddb_request_rules(void)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct fake *f = fake_start(h_ddb, NULL);
	struct json_object *key, *item, *tx;
	struct ddb d;
	struct ddb_expr x = { "attribute_exists(id)", "SET #n = :v", NULL,
	    NULL };
	struct ddb_page page;
	struct fake_req last;
	struct aws *aws;
	int i;
	bool ok;

	env_creds();
	aws = new_aws(1000, 1);
	memset(&d, 0, sizeof(d));
	d.aws = aws;
	d.endpoint = f->url;
	key = jx_own(a, json_object_new_object());
	json_object_object_add(key, "id", json_object_new_string("p1"));
	x.names = jx_own(a, json_object_new_object());
	json_object_object_add(x.names, "#n", json_object_new_string("name"));
	x.values = jx_own(a, json_object_new_object());
	json_object_object_add(x.values, ":v", json_object_new_string("x"));

	CASE("a request reads at most LIM_DDB_PAGES Query/Scan pages; the "
	    "next is refused unsent; a new request starts again");
	ddb_status = 200;
	ddb_answer = "{\"Items\":[]}";
	ddb_begin_request(&d, "0123456789abcdef0123456789abcdef");
	ok = true;
	for (i = 0; i < LIM_DDB_PAGES; i++)
		ok = ok && ddb_scan(&d, a, "T", NULL, 0, &page) == ERR_OK;
	CHECK(ok);
	atomic_store(&f->requests, 0);
	CHECK(ddb_scan(&d, a, "T", NULL, 0, &page) == ERR_UNAVAILABLE);
	CHECK(atomic_load(&f->requests) == 0);
	ddb_begin_request(&d, "0123456789abcdef0123456789abcdef");
	CHECK(ddb_scan(&d, a, "T", NULL, 0, &page) == ERR_OK);
	ddb_begin_request(&d, NULL);
	for (i = 0; i < LIM_DDB_PAGES + 1; i++)
		ok = ok && ddb_scan(&d, a, "T", NULL, 0, &page) == ERR_OK;
	CHECK(ok);      /* growvrdctl: no request, no cap */
	END_CASE();

	CASE("an update under a token stores <token>.<n> and asks for "
	    "ALL_OLD on a failed condition");
	ddb_begin_request(&d, "abc");
	ddb_answer = "{\"Attributes\":{\"id\":{\"S\":\"p1\"},"
	    "\"_wt\":{\"S\":\"abc.0\"}}}";
	CHECK(ddb_update_item(&d, a, "T", key, &x, &item) == ERR_OK);
	CHECK(item != NULL && jx_get(item, "_wt") == NULL);
	fake_last(f, &last);
	CHECK(strstr(last.body, "\"SET #_wt = :_wt, #n = :v\"") != NULL);
	CHECK(strstr(last.body, "\"ReturnValuesOnConditionCheckFailure\":"
	    "\"ALL_OLD\"") != NULL);
	CHECK(strstr(last.body, "\"abc.0\"") != NULL);
	END_CASE();

	CASE("a failed condition that finds this write's own token is a "
	    "success with the item it left; another token stays a 412");
	ddb_begin_request(&d, "abc");
	ddb_status = 400;
	ddb_answer = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
	    "ConditionalCheckFailedException\",\"Item\":{\"id\":{\"S\":"
	    "\"p1\"},\"name\":{\"S\":\"x\"},\"_wt\":{\"S\":\"abc.0\"}}}";
	CHECK(ddb_update_item(&d, a, "T", key, &x, &item) == ERR_OK);
	CHECK(item != NULL && strcmp(jx_str(item, "name", NULL), "x") == 0 &&
	    jx_get(item, "_wt") == NULL);
	/* The request's second write: abc.1 is not abc.0. */
	CHECK(ddb_update_item(&d, a, "T", key, &x, &item) == ERR_PRECONDITION);
	ddb_begin_request(&d, "abd");
	CHECK(ddb_update_item(&d, a, "T", key, &x, &item) == ERR_PRECONDITION);
	ddb_begin_request(&d, NULL);
	CHECK(ddb_update_item(&d, a, "T", key, &x, &item) == ERR_PRECONDITION);
	END_CASE();

	CASE("TransactWriteItems carries ClientRequestToken <token>-<n>");
	ddb_status = 200;
	ddb_answer = "{}";
	ddb_begin_request(&d, "abc");
	tx = jx_own(a, json_object_new_array());
	CHECK(ddb_transact_write(&d, a, tx) == ERR_OK);
	fake_last(f, &last);
	CHECK(strstr(last.body, "\"ClientRequestToken\":\"abc-0\"") != NULL);
	CHECK(ddb_transact_write(&d, a, tx) == ERR_OK);
	fake_last(f, &last);
	CHECK(strstr(last.body, "\"ClientRequestToken\":\"abc-1\"") != NULL);
	ddb_begin_request(&d, "not a token!");
	CHECK(ddb_transact_write(&d, a, tx) == ERR_OK);
	fake_last(f, &last);
	CHECK(strstr(last.body, "ClientRequestToken") == NULL);
	END_CASE();
	aws_free(aws);
	fake_stop(f);
	arena_free(a);
}

/* A call that changes state and must not be repeated once it arrived. */
static enum err
call_once(struct aws *aws, struct arena *a, const char *endpoint,
    struct aws_result *res)
{
	struct aws_call c = { endpoint, "cognito-idp",
	    "AWSCognitoIdentityProviderService.ChangePassword",
	    "application/x-amz-json-1.1", "{}", 2, true, true };

	return aws_json_call(aws, a, &c, res);
}

static void
test_aws_once(void)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct aws_result res;
	struct aws *aws;
	struct fake *f;
	char url[64];

	env_creds();
	aws = new_aws(150, 3);

	CASE("once: a 5xx is not repeated; the outcome is unknown");
	f = fake_start(h_503, NULL);
	CHECK(call_once(aws, a, f->url, &res) == ERR_UNAVAILABLE);
	CHECK(res.attempts == 1 && res.outcome_unknown);
	CHECK(atomic_load(&f->requests) == 1);
	fake_stop(f);
	END_CASE();

	CASE("once: a timeout is not repeated; the outcome is unknown");
	f = fake_start(h_hang, NULL);
	CHECK(call_once(aws, a, f->url, &res) == ERR_UNAVAILABLE);
	CHECK(res.attempts == 1 && res.timed_out && res.outcome_unknown);
	fake_stop(f);
	END_CASE();

	CASE("once: throttling did nothing, so it is repeated");
	f = fake_start(h_throttle_once, NULL);
	CHECK(call_once(aws, a, f->url, &res) == ERR_OK);
	CHECK(res.attempts == 2 && !res.outcome_unknown);
	fake_stop(f);
	END_CASE();

	CASE("once: a refused connection never arrived, so it is repeated");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", fake_closed_port());
	CHECK(call_once(aws, a, url, &res) == ERR_UNAVAILABLE);
	CHECK(res.attempts == 3 && !res.outcome_unknown);
	END_CASE();

	CASE("once: a refusal (4xx) is an answer, not unknown");
	f = fake_start(h_ccf, NULL);
	CHECK(call_once(aws, a, f->url, &res) == ERR_UPSTREAM);
	CHECK(res.attempts == 1 && !res.outcome_unknown);
	fake_stop(f);
	END_CASE();

	aws_free(aws);
	arena_free(a);
}

int
main(void)
{
	log_set_level(LOG_ERROR);
	httpc_global_init();
	http = httpc_new();
	test_httpc();
	test_aws_success_after_throttle();
	test_aws_no_retry();
	test_aws_throttled();
	test_aws_quota();
	test_aws_timeout();
	test_aws_misc();
	test_aws_deadline();
	test_ddb_request_rules();
	test_aws_once();
	httpc_free(http);
	httpc_global_cleanup();
	return harness_done();
}
