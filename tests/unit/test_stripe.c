/*
 * test_stripe.c - pay/stripe (form bodies, retries, answers, the
 * operations) against a scripted server, and pay/webhook (the
 * Stripe-Signature cases of issue 14 and the event fields).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crypt.h"
#include "core/limits.h"
#include "core/str.h"
#include "aws/aws.h"
#include "aws/retry.h"
#include "net/httpc.h"
#include "pay/stripe.h"
#include "pay/webhook.h"

#include "fake_http.h"
#include "harness.h"

/* ---- form bodies ---------------------------------------------------- */

static void
test_form(void)
{
	struct buf b;

	CASE("form: nested keys keep their brackets, values are encoded");
	{
		const struct stripe_param p[] = {
			{ "line_items[0][price]", "price_1" },
			{ "success_url", "https://x.test/#/a?b=c&d=e f" },
			{ "metadata[user_id]", "u-1_2.3~" },
		};
		buf_init(&b, 1024);
		CHECK(stripe_form(&b, p, 3));
		CHECK_STR(buf_cstr(&b), "line_items[0][price]=price_1&"
		    "success_url=https%3A%2F%2Fx.test%2F%23%2Fa%3Fb%3Dc%26d%3De"
		    "%20f&metadata[user_id]=u-1_2.3~");
		buf_free(&b);
	}
	END_CASE();

	CASE("form: UTF-8 and brackets in values are percent-encoded");
	{
		const struct stripe_param p[] = { { "k", "\xc3\xa9[x]" } };
		buf_init(&b, 1024);
		CHECK(stripe_form(&b, p, 1));
		CHECK_STR(buf_cstr(&b), "k=%C3%A9%5Bx%5D");
		buf_free(&b);
	}
	END_CASE();

	CASE("form: a NULL value or an empty key is refused");
	{
		const struct stripe_param p1[] = { { "k", NULL } };
		const struct stripe_param p2[] = { { "", "v" } };
		buf_init(&b, 1024);
		CHECK(!stripe_form(&b, p1, 1));
		CHECK(!stripe_form(&b, p2, 1));
		buf_free(&b);
	}
	END_CASE();

	CASE("form: a body past its maximum is refused");
	{
		const struct stripe_param p[] = { { "k", "0123456789" } };
		buf_init(&b, 8);
		CHECK(!stripe_form(&b, p, 1));
		buf_free(&b);
	}
	END_CASE();
}

/* ---- retries -------------------------------------------------------- */

static void
test_should_retry(void)
{
	static const struct {
		enum err e;
		long status;
		const char *hint;
		bool want;
	} t[] = {
		{ ERR_UNAVAILABLE, 0, NULL, true },     /* connection, timeout */
		{ ERR_TOO_LARGE, 200, NULL, false },
		{ ERR_OK, 200, NULL, false },
		{ ERR_OK, 400, NULL, false },
		{ ERR_OK, 402, NULL, false },
		{ ERR_OK, 404, NULL, false },
		{ ERR_OK, 409, NULL, true },            /* lock timeout */
		{ ERR_OK, 429, NULL, true },
		{ ERR_OK, 500, NULL, true },
		{ ERR_OK, 503, NULL, true },
		{ ERR_OK, 409, "false", false },        /* Stripe says no */
		{ ERR_OK, 500, "false", false },
		{ ERR_OK, 400, "true", true },          /* Stripe says yes */
		{ ERR_OK, 500, "maybe", true },
	};
	size_t i;

	CASE("retry: Stripe's rule, Stripe-Should-Retry first");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(stripe_should_retry(t[i].e, t[i].status, t[i].hint) ==
		    t[i].want);
	END_CASE();
}

/* A script: the answer of each request in turn (the last repeats). */
struct script {
	int         n;
	struct {
		int         status;
		const char *body;
		const char *extra;
		size_t      filler;
	} step[6];
};

static void
h_script(struct fake *f, int n, const struct fake_req *req,
    struct fake_ans *ans)
{
	const struct script *s = f->ctx;
	int i = n < s->n ? n : s->n - 1;

	(void)req;
	ans->status = s->step[i].status;
	ans->body = s->step[i].body;
	ans->extra = s->step[i].extra;
	ans->filler = s->step[i].filler;
}

static struct stripe *
client(struct httpc *h, const char *url)
{
	struct stripe_conf c;

	memset(&c, 0, sizeof(c));
	c.api_base = url;
	c.secret_key = "sk_test_unit";
	c.webhook_secret = "whsec_unit";
	c.backoff_ms = 1;
	c.timeout_ms = 2000;
	return stripe_new(h, &c);
}

#define SESSION_OK "{\"id\":\"cs_test_1\",\"object\":\"checkout.session\"," \
	"\"url\":\"https://checkout.test/c/pay/cs_test_1\"}"

static enum err
run_checkout(const struct script *sc, struct fake_req *last, int *requests,
    struct stripe_fail *fail)
{
	struct fake *f = fake_start(h_script, (void *)(uintptr_t)sc);
	struct httpc *h = httpc_new();
	struct stripe *s = client(h, f->url);
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct stripe_checkout co;
	const char *id, *url;
	enum err e;

	memset(&co, 0, sizeof(co));
	co.price = "price_123";
	co.user_id = "user-1";
	co.subscription_id = "sub_20261125T173000123Z_0123abcd";
	co.email = "a@example.com";
	co.success_url = "https://app.test/#/billing/return?result=success";
	co.cancel_url = "https://app.test/#/billing/return?result=canceled";
	co.expires_at = 1800000000;
	e = stripe_checkout_create(s, a, &co, &id, &url, fail);
	if (e == ERR_OK && (strcmp(id, "cs_test_1") != 0 || url == NULL))
		e = ERR_INTERNAL;
	if (last != NULL)
		fake_last(f, last);
	*requests = atomic_load(&f->requests);
	arena_free(a);
	stripe_free(s);
	httpc_free(h);
	fake_stop(f);
	return e;
}

static void
test_calls(void)
{
	struct stripe_fail fail;
	struct fake_req last;
	char v[256];
	int n;

	CASE("call: a Checkout Session POST carries key, version, idempotency "
	    "key and the form body");
	{
		static const struct script sc = { 1, { { 200, SESSION_OK,
		    NULL, 0 } } };
		CHECK(run_checkout(&sc, &last, &n, &fail) == ERR_OK);
		CHECK(n == 1);
		CHECK_STR(last.method, "POST");
		CHECK_STR(last.path, "/v1/checkout/sessions");
		CHECK(fake_header(&last, "Stripe-Version", v, sizeof(v)) &&
		    strcmp(v, STRIPE_API_VERSION) == 0);
		CHECK(fake_header(&last, "Authorization", v, sizeof(v)) &&
		    strcmp(v, "Bearer sk_test_unit") == 0);
		CHECK(fake_header(&last, "Idempotency-Key", v, sizeof(v)) &&
		    strcmp(v, "growvrd-checkout-"
		    "sub_20261125T173000123Z_0123abcd") == 0);
		CHECK(fake_header(&last, "Content-Type", v, sizeof(v)) &&
		    strcmp(v, "application/x-www-form-urlencoded") == 0);
		CHECK(strstr(last.body, "mode=subscription&") == last.body);
		CHECK(strstr(last.body, "&line_items[0][price]=price_123&") !=
		    NULL);
		CHECK(strstr(last.body, "&subscription_data[metadata]"
		    "[subscription_id]=sub_20261125T173000123Z_0123abcd") !=
		    NULL);
		CHECK(strstr(last.body, "&client_reference_id=user-1&") !=
		    NULL);
		CHECK(strstr(last.body, "&customer_email=a%40example.com") !=
		    NULL);
		CHECK(strstr(last.body, "&expires_at=1800000000&") != NULL);
	}
	END_CASE();

	CASE("call: 500 then 200 is retried with the same Idempotency-Key");
	{
		static const struct script sc = { 2, {
		    { 500, "{\"error\":{\"type\":\"api_error\"}}", NULL, 0 },
		    { 200, SESSION_OK, NULL, 0 } } };
		CHECK(run_checkout(&sc, &last, &n, &fail) == ERR_OK);
		CHECK(n == 2 && fail.attempts == 2);
		CHECK(fake_header(&last, "Idempotency-Key", v, sizeof(v)) &&
		    strcmp(v, "growvrd-checkout-"
		    "sub_20261125T173000123Z_0123abcd") == 0);
	}
	END_CASE();

	CASE("call: 409 lock timeout and 429 are retried");
	{
		static const struct script sc = { 3, {
		    { 409, "{\"error\":{\"type\":\"invalid_request_error\","
		      "\"code\":\"lock_timeout\"}}", NULL, 0 },
		    { 429, "{\"error\":{\"type\":\"invalid_request_error\","
		      "\"code\":\"rate_limit\"}}", NULL, 0 },
		    { 200, SESSION_OK, NULL, 0 } } };
		CHECK(run_checkout(&sc, NULL, &n, &fail) == ERR_OK);
		CHECK(n == 3);
	}
	END_CASE();

	CASE("call: Stripe-Should-Retry: false stops at once");
	{
		static const struct script sc = { 1, { { 409,
		    "{\"error\":{\"type\":\"idempotency_error\"}}",
		    "Stripe-Should-Retry: false\r\n", 0 } } };
		CHECK(run_checkout(&sc, NULL, &n, &fail) == ERR_CONFLICT);
		CHECK(n == 1);
		CHECK_STR(fail.type, "idempotency_error");
	}
	END_CASE();

	CASE("call: Stripe-Should-Retry: true retries even a 400");
	{
		static const struct script sc = { 2, {
		    { 400, "{\"error\":{\"type\":\"invalid_request_error\"}}",
		      "Stripe-Should-Retry: true\r\n", 0 },
		    { 200, SESSION_OK, NULL, 0 } } };
		CHECK(run_checkout(&sc, NULL, &n, &fail) == ERR_OK);
		CHECK(n == 2);
	}
	END_CASE();

	CASE("call: 5xx to the end is unavailable after 3 tries");
	{
		static const struct script sc = { 1, { { 503, "{}", NULL, 0 } } };
		CHECK(run_checkout(&sc, NULL, &n, &fail) == ERR_UNAVAILABLE);
		CHECK(n == 3 && fail.attempts == 3 && fail.status == 503);
	}
	END_CASE();

	CASE("call: a dropped connection is retried");
	{
		static const struct script sc = { 2, { { 0, NULL, NULL, 0 },
		    { 200, SESSION_OK, NULL, 0 } } };
		CHECK(run_checkout(&sc, NULL, &n, &fail) == ERR_OK);
	}
	END_CASE();

	CASE("call: 400 and 401 are final (invalid, our key is wrong)");
	{
		static const struct script s400 = { 1, { { 400,
		    "{\"error\":{\"type\":\"invalid_request_error\","
		    "\"code\":\"resource_missing\"}}", NULL, 0 } } };
		static const struct script s401 = { 1, { { 401,
		    "{\"error\":{\"type\":\"invalid_request_error\"}}", NULL,
		    0 } } };
		CHECK(run_checkout(&s400, NULL, &n, &fail) == ERR_INVALID);
		CHECK(n == 1);
		CHECK_STR(fail.code, "resource_missing");
		CHECK(run_checkout(&s401, NULL, &n, &fail) == ERR_INTERNAL);
		CHECK(n == 1);
	}
	END_CASE();

	CASE("call: an answer past LIM_STRIPE_RESP_MAX is refused");
	{
		static const struct script sc = { 1, { { 200, "{\"a\":\"",
		    NULL, LIM_STRIPE_RESP_MAX + 1 } } };
		CHECK(run_checkout(&sc, NULL, &n, &fail) == ERR_UPSTREAM);
		CHECK(n == 1);
	}
	END_CASE();

	CASE("call: an answer that is not JSON, or lacks the session's "
	    "fields, is upstream");
	{
		static const struct script s1 = { 1, { { 200, "<html>", NULL,
		    0 } } };
		static const struct script s2 = { 1, { { 200,
		    "{\"id\":\"cs_1\",\"url\":\"javascript:alert(1)\"}", NULL,
		    0 } } };
		static const struct script s3 = { 1, { { 200,
		    "{\"id\":\"x\",\"url\":\"https://a.test/\"}", NULL, 0 } } };
		CHECK(run_checkout(&s1, NULL, &n, &fail) == ERR_UPSTREAM);
		CHECK(run_checkout(&s2, NULL, &n, &fail) == ERR_UPSTREAM);
		CHECK(run_checkout(&s3, NULL, &n, &fail) == ERR_UPSTREAM);
	}
	END_CASE();
}

static void
test_price_and_portal(void)
{
	struct fake *f;
	struct httpc *h = httpc_new();
	struct stripe *s;
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct fake_req last;
	const char *id, *url;
	char v[64];

	CASE("price: found by lookup_key with a GET and no Idempotency-Key");
	{
		static const struct script sc = { 1, { { 200,
		    "{\"object\":\"list\",\"data\":[{\"id\":\"price_9\"}],"
		    "\"has_more\":false,\"url\":\"/v1/prices\"}", NULL, 0 } } };
		f = fake_start(h_script, (void *)(uintptr_t)&sc);
		s = client(h, f->url);
		CHECK(stripe_price_id(s, a, "growvrd_premium_monthly", &id,
		    NULL) == ERR_OK);
		CHECK_STR(id, "price_9");
		fake_last(f, &last);
		CHECK_STR(last.method, "GET");
		CHECK_STR(last.path, "/v1/prices?lookup_keys[0]="
		    "growvrd_premium_monthly&active=true&limit=1");
		CHECK(!fake_header(&last, "Idempotency-Key", v, sizeof(v)));
		stripe_free(s);
		fake_stop(f);
	}
	END_CASE();

	CASE("price: an empty list is not found");
	{
		static const struct script sc = { 1, { { 200,
		    "{\"object\":\"list\",\"data\":[]}", NULL, 0 } } };
		f = fake_start(h_script, (void *)(uintptr_t)&sc);
		s = client(h, f->url);
		CHECK(stripe_price_id(s, a, "k", &id, NULL) == ERR_NOT_FOUND);
		stripe_free(s);
		fake_stop(f);
	}
	END_CASE();

	CASE("portal: a session for the customer; a bad customer id is "
	    "refused before any request");
	{
		static const struct script sc = { 1, { { 200,
		    "{\"id\":\"bps_1\",\"url\":\"https://billing.test/p/1\"}",
		    NULL, 0 } } };
		f = fake_start(h_script, (void *)(uintptr_t)&sc);
		s = client(h, f->url);
		CHECK(stripe_portal_create(s, a, "cus_1", "https://a.test/",
		    "growvrd-portal-1", &url, NULL) == ERR_OK);
		CHECK_STR(url, "https://billing.test/p/1");
		fake_last(f, &last);
		CHECK_STR(last.body, "customer=cus_1&return_url="
		    "https%3A%2F%2Fa.test%2F");
		CHECK(stripe_portal_create(s, a, "cus_1&x=y", "https://a/",
		    "k", &url, NULL) == ERR_INVALID);
		CHECK(atomic_load(&f->requests) == 1);
		stripe_free(s);
		fake_stop(f);
	}
	END_CASE();

	CASE("call: a form body past LIM_STRIPE_FORM_MAX is refused before "
	    "any request");
	{
		static const struct script sc = { 1, { { 200, "{}", NULL, 0 } } };
		static char big[LIM_STRIPE_FORM_MAX + 1];
		struct stripe_param p[1];
		struct json_object *o;
		memset(big, 'a', sizeof(big) - 1);
		p[0].key = "k";
		p[0].value = big;
		f = fake_start(h_script, (void *)(uintptr_t)&sc);
		s = client(h, f->url);
		CHECK(stripe_call(s, a, "POST", "/v1/x", p, 1, "key-1", &o,
		    NULL) == ERR_INVALID);
		CHECK(atomic_load(&f->requests) == 0);
		{
			/* The bound itself: "k=" + value of max - 2 fits. */
			struct buf b;
			buf_init(&b, LIM_STRIPE_FORM_MAX);
			big[LIM_STRIPE_FORM_MAX - 2] = '\0';
			CHECK(stripe_form(&b, p, 1) && b.len ==
			    LIM_STRIPE_FORM_MAX);
			buf_reset(&b);
			big[LIM_STRIPE_FORM_MAX - 2] = 'a';
			big[LIM_STRIPE_FORM_MAX - 1] = '\0';
			CHECK(!stripe_form(&b, p, 1));
			buf_free(&b);
		}
		stripe_free(s);
		fake_stop(f);
	}
	END_CASE();

	CASE("client: no key, a bad base URL or a key with spaces: no client");
	{
		struct stripe_conf c;
		memset(&c, 0, sizeof(c));
		CHECK(stripe_new(h, &c) == NULL);
		c.secret_key = "sk_test";
		c.api_base = "ftp://x";
		CHECK(stripe_new(h, &c) == NULL);
		c.api_base = NULL;
		c.secret_key = "sk test";
		CHECK(stripe_new(h, &c) == NULL);
	}
	END_CASE();

	CASE("ids: prefix and alphabet");
	CHECK(stripe_valid_id("cus_A1b2", "cus_"));
	CHECK(!stripe_valid_id("cus_", "cus_"));
	CHECK(!stripe_valid_id("cus_a-b", "cus_"));
	CHECK(!stripe_valid_id("sub_1", "cus_"));
	CHECK(!stripe_valid_id(NULL, "cus_"));
	END_CASE();

	arena_free(a);
	httpc_free(h);
}

/* ---- keys from the environment or Secrets Manager -------------------- */

#define KEY_ARN "arn:aws:secretsmanager:us-east-1:123456789012:secret:" \
	"growvrd/stripe-secret-key-AbCdEf"
#define WH_ARN "arn:aws:secretsmanager:us-east-1:123456789012:secret:" \
	"growvrd/stripe-webhook-secret-AbCdEf"

/* Secrets Manager for the two ARNs (404 for others), Stripe for /v1/. */
static void
h_sm_and_stripe(struct fake *f, int n, const struct fake_req *req,
    struct fake_ans *ans)
{
	(void)f, (void)n;
	if (strncmp(req->path, "/v1/", 4) == 0) {
		ans->status = 200;
		ans->body = "{\"object\":\"list\",\"data\":[{\"id\":\"price_1\"}]}";
	} else if (strstr(req->body, "stripe-secret-key") != NULL) {
		ans->status = 200;
		ans->body = "{\"SecretString\":\"sk_test_from_sm\"}";
	} else if (strstr(req->body, "stripe-webhook-secret") != NULL) {
		ans->status = 200;
		ans->body = "{\"SecretString\":\"whsec_from_sm\"}";
	} else {
		ans->status = 400;
		ans->body = "{\"__type\":\"ResourceNotFoundException\"}";
	}
}

static void
no_sleep(void *ctx, long ms)
{
	(void)ctx, (void)ms;
}

static void
test_load(void)
{
	struct aws_config cfg = { "us-east-1", 500, 2000, 2 };
	struct httpc *h = httpc_new();
	struct fake *f = fake_start(h_sm_and_stripe, NULL);
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct stripe *s = NULL;
	struct fake_req last;
	struct aws *aws;
	const char *id;
	char v[128];

	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", 1);
	aws = aws_new(&cfg, h);
	retry_set_hooks(aws_retry(aws), no_sleep, NULL, NULL);
	setenv("SECRETSMANAGER_ENDPOINT", f->url, 1);
	setenv("STRIPE_API_BASE", f->url, 1);

	CASE("load: no key at all is Stripe off (API 1.0), not an error");
	unsetenv("STRIPE_SECRET_KEY");
	unsetenv("STRIPE_SECRET_KEY_ARN");
	unsetenv("STRIPE_WEBHOOK_SECRET");
	unsetenv("STRIPE_WEBHOOK_SECRET_ARN");
	CHECK(stripe_load(aws, "us-east-1", h, &s) && s == NULL);
	END_CASE();

	CASE("load: keys from the environment");
	setenv("STRIPE_SECRET_KEY", "sk_test_env", 1);
	setenv("STRIPE_WEBHOOK_SECRET", "whsec_env", 1);
	CHECK(stripe_load(aws, "us-east-1", h, &s) && s != NULL);
	CHECK(s != NULL && strcmp(stripe_webhook_secret(s), "whsec_env") == 0);
	stripe_free(s);
	s = NULL;
	END_CASE();

	CASE("load: an ARN wins; the key read from Secrets Manager is the "
	    "one sent to Stripe");
	setenv("STRIPE_SECRET_KEY_ARN", KEY_ARN, 1);
	setenv("STRIPE_WEBHOOK_SECRET_ARN", WH_ARN, 1);
	CHECK(stripe_load(aws, "us-east-1", h, &s) && s != NULL);
	CHECK(s != NULL && strcmp(stripe_webhook_secret(s), "whsec_from_sm") ==
	    0);
	CHECK(s != NULL && stripe_price_id(s, a, "k", &id, NULL) == ERR_OK);
	fake_last(f, &last);
	CHECK(fake_header(&last, "Authorization", v, sizeof(v)) &&
	    strcmp(v, "Bearer sk_test_from_sm") == 0);
	stripe_free(s);
	s = NULL;
	END_CASE();

	CASE("load: a secret that cannot be read refuses the start");
	setenv("STRIPE_SECRET_KEY_ARN", KEY_ARN "-gone-x", 1);
	setenv("STRIPE_WEBHOOK_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:"
	    "123456789012:secret:other-AbCdEf", 1);
	CHECK(!stripe_load(aws, "us-east-1", h, &s) && s == NULL);
	END_CASE();

	unsetenv("STRIPE_SECRET_KEY");
	unsetenv("STRIPE_SECRET_KEY_ARN");
	unsetenv("STRIPE_WEBHOOK_SECRET");
	unsetenv("STRIPE_WEBHOOK_SECRET_ARN");
	unsetenv("STRIPE_API_BASE");
	unsetenv("SECRETSMANAGER_ENDPOINT");
	arena_free(a);
	aws_free(aws);
	fake_stop(f);
	httpc_free(h);
}

/* ---- webhook signatures --------------------------------------------- */

#define SECRET "whsec_test_secret"
#define BODY   "{\"id\":\"evt_1\",\"object\":\"event\"}"

static void
sign(const char *secret, long long t, const char *body, char out[65])
{
	unsigned char mac[CRYPT_SHA256_LEN];
	char msg[4096];
	int n = snprintf(msg, sizeof(msg), "%lld.%s", t, body);

	crypt_hmac_sha256(secret, strlen(secret), msg, (size_t)n, mac);
	str_hex(out, mac, sizeof(mac));
}

static enum err
verify(const char *header, const char *body, time_t now)
{
	const char *why;

	return webhook_verify(SECRET, header, body, strlen(body), now,
	    WEBHOOK_TOLERANCE, &why);
}

static void
test_signatures(void)
{
	const time_t now = 1800000000;
	char good[65], other[65], h[1024];

	sign(SECRET, now, BODY, good);
	sign("whsec_other", now, BODY, other);

	CASE("signature: valid");
	snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now, good);
	CHECK(verify(h, BODY, now) == ERR_OK);
	END_CASE();

	CASE("signature: wrong secret");
	snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now, other);
	CHECK(verify(h, BODY, now) == ERR_INVALID);
	END_CASE();

	CASE("signature: stale t (301 s old) and future t (301 s ahead)");
	{
		char old[65], fut[65];
		sign(SECRET, now - 301, BODY, old);
		snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now - 301,
		    old);
		CHECK(verify(h, BODY, now) == ERR_INVALID);
		sign(SECRET, now + 301, BODY, fut);
		snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now + 301,
		    fut);
		CHECK(verify(h, BODY, now) == ERR_INVALID);
	}
	END_CASE();

	CASE("signature: 300 s either way is still inside the tolerance");
	{
		char s1[65];
		sign(SECRET, now - 300, BODY, s1);
		snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now - 300,
		    s1);
		CHECK(verify(h, BODY, now) == ERR_OK);
		sign(SECRET, now + 300, BODY, s1);
		snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now + 300,
		    s1);
		CHECK(verify(h, BODY, now) == ERR_OK);
	}
	END_CASE();

	CASE("signature: several v1, one valid (a secret being rolled)");
	snprintf(h, sizeof(h), "t=%lld,v1=%s,v1=%s,v0=%s", (long long)now,
	    other, good, other);
	CHECK(verify(h, BODY, now) == ERR_OK);
	snprintf(h, sizeof(h), "t=%lld, v1=%s, v1=%s", (long long)now, good,
	    other);
	CHECK(verify(h, BODY, now) == ERR_OK);
	END_CASE();

	CASE("signature: LIM_STRIPE_SIGS v1 are looked at, no more");
	{
		int n, i;
		n = snprintf(h, sizeof(h), "t=%lld", (long long)now);
		for (i = 0; i < LIM_STRIPE_SIGS - 1; i++)
			n += snprintf(h + n, sizeof(h) - (size_t)n, ",v1=%s",
			    other);
		snprintf(h + n, sizeof(h) - (size_t)n, ",v1=%s", good);
		CHECK(verify(h, BODY, now) == ERR_OK);
		n = snprintf(h, sizeof(h), "t=%lld", (long long)now);
		for (i = 0; i < LIM_STRIPE_SIGS; i++)
			n += snprintf(h + n, sizeof(h) - (size_t)n, ",v1=%s",
			    other);
		snprintf(h + n, sizeof(h) - (size_t)n, ",v1=%s", good);
		CHECK(verify(h, BODY, now) == ERR_INVALID);
	}
	END_CASE();

	CASE("signature: only v0 (even a matching one) fails");
	snprintf(h, sizeof(h), "t=%lld,v0=%s", (long long)now, good);
	CHECK(verify(h, BODY, now) == ERR_INVALID);
	END_CASE();

	CASE("signature: malformed headers");
	{
		static const char *const bad[] = {
			"", "t=", "v1=abc", "t=abc,v1=00", "t=1800000000;v1=00",
			"garbage", "t=1800000000,t=1800000000,v1=00", "=x",
			"t=-5,v1=00", "t=99999999999999999999,v1=00",
		};
		size_t i;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			CHECK(verify(bad[i], BODY, now) == ERR_INVALID);
		CHECK(verify(NULL, BODY, now) == ERR_INVALID);
		/* Upper-case hex is not what Stripe sends: no match. */
		snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now, good);
		for (i = 0; h[i] != '\0'; i++)
			if (h[i] >= 'a' && h[i] <= 'f' && i > 14)
				h[i] = (char)(h[i] - 32);
		CHECK(verify(h, BODY, now) == ERR_INVALID);
	}
	END_CASE();

	CASE("signature: a header past LIM_STRIPE_SIG_MAX is ill-formed");
	{
		char big[LIM_STRIPE_SIG_MAX + 64];
		int n = snprintf(big, sizeof(big), "t=%lld,v1=%s",
		    (long long)now, good);
		while ((size_t)n < LIM_STRIPE_SIG_MAX + 1)
			big[n++] = ' ';
		big[n] = '\0';
		CHECK(verify(big, BODY, now) == ERR_INVALID);
	}
	END_CASE();

	CASE("signature: one byte of the body changed");
	{
		char body[] = BODY;
		snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now, good);
		body[8] ^= 1;
		CHECK(verify(h, body, now) == ERR_INVALID);
	}
	END_CASE();

	CASE("signature: no secret configured refuses everything");
	{
		const char *why;
		snprintf(h, sizeof(h), "t=%lld,v1=%s", (long long)now, good);
		CHECK(webhook_verify("", h, BODY, strlen(BODY), now, 300,
		    &why) == ERR_INVALID);
	}
	END_CASE();
}

/* ---- events --------------------------------------------------------- */

static void
test_events(void)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct stripe_event ev;
	const char *why;

#define PARSE(s) webhook_parse_event(a, (s), strlen(s), &ev, &why)
	CASE("event: checkout.session.completed gives owner, sub, customer");
	CHECK(PARSE("{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\","
	    "\"created\":1800000000,\"data\":{\"object\":{\"object\":"
	    "\"checkout.session\",\"client_reference_id\":\"u1\","
	    "\"metadata\":{\"user_id\":\"u1\",\"subscription_id\":\"s1\"},"
	    "\"subscription\":\"sub_A\",\"customer\":\"cus_B\","
	    "\"payment_status\":\"paid\"}}}") == ERR_OK);
	CHECK(ev.type == WH_CHECKOUT_COMPLETED);
	CHECK_STR(ev.user_id, "u1");
	CHECK_STR(ev.subscription_id, "s1");
	CHECK_STR(ev.stripe_sub, "sub_A");
	CHECK_STR(ev.customer, "cus_B");
	CHECK(!ev.unpaid && ev.created == 1800000000);
	END_CASE();

	CASE("event: invoice.paid takes the first line's period end");
	CHECK(PARSE("{\"id\":\"evt_2\",\"type\":\"invoice.paid\",\"created\":5,"
	    "\"data\":{\"object\":{\"object\":\"invoice\",\"subscription\":"
	    "\"sub_A\",\"customer\":\"cus_B\",\"subscription_details\":"
	    "{\"metadata\":{\"user_id\":\"u1\",\"subscription_id\":\"s1\"}},"
	    "\"lines\":{\"data\":[{\"period\":{\"start\":1,\"end\":"
	    "1802678400}}]}}}}") == ERR_OK);
	CHECK(ev.type == WH_INVOICE_PAID && ev.period_end == 1802678400);
	CHECK_STR(ev.subscription_id, "s1");
	END_CASE();

	CASE("event: customer.subscription.deleted reads the subscription");
	CHECK(PARSE("{\"id\":\"evt_3\",\"type\":\"customer.subscription.deleted\","
	    "\"created\":5,\"data\":{\"object\":{\"id\":\"sub_A\",\"customer\":"
	    "\"cus_B\",\"current_period_end\":1802678400,\"metadata\":"
	    "{\"user_id\":\"u1\",\"subscription_id\":\"s1\"}}}}") == ERR_OK);
	CHECK(ev.type == WH_SUB_DELETED && ev.period_end == 1802678400);
	CHECK_STR(ev.stripe_sub, "sub_A");
	END_CASE();

	CASE("event: other types are known as other; bad owners are NULL");
	CHECK(PARSE("{\"id\":\"evt_4\",\"type\":\"customer.created\","
	    "\"created\":5,\"data\":{\"object\":{}}}") == ERR_OK);
	CHECK(ev.type == WH_OTHER);
	CHECK(PARSE("{\"id\":\"evt_5\",\"type\":\"invoice.payment_failed\","
	    "\"created\":5,\"data\":{\"object\":{\"subscription_details\":"
	    "{\"metadata\":{\"user_id\":\"a b\",\"subscription_id\":7}}}}}") ==
	    ERR_OK);
	CHECK(ev.type == WH_INVOICE_FAILED && ev.user_id == NULL &&
	    ev.subscription_id == NULL && ev.period_end == 0);
	END_CASE();

	CASE("answer: nested LIM_STRIPE_JSON_DEPTH deep is read, one more is "
	    "not");
	{
		char deep[6 * LIM_STRIPE_JSON_DEPTH + 16];
		struct json_object *o;
		int i, n = 0;
		for (i = 0; i < LIM_STRIPE_JSON_DEPTH - 1; i++)
			n += snprintf(deep + n, sizeof(deep) - (size_t)n, "{\"a\":");
		n += snprintf(deep + n, sizeof(deep) - (size_t)n, "{}");
		for (i = 0; i < LIM_STRIPE_JSON_DEPTH - 1; i++)
			deep[n++] = '}';
		deep[n] = '\0';
		CHECK(stripe_parse_answer(a, deep, strlen(deep), &o, NULL) ==
		    ERR_OK);
		n = 0;
		for (i = 0; i < LIM_STRIPE_JSON_DEPTH; i++)
			n += snprintf(deep + n, sizeof(deep) - (size_t)n, "{\"a\":");
		n += snprintf(deep + n, sizeof(deep) - (size_t)n, "{}");
		for (i = 0; i < LIM_STRIPE_JSON_DEPTH; i++)
			deep[n++] = '}';
		deep[n] = '\0';
		CHECK(stripe_parse_answer(a, deep, strlen(deep), &o, NULL) ==
		    ERR_UPSTREAM);
	}
	END_CASE();

	CASE("event: not an event");
	CHECK(PARSE("[]") == ERR_INVALID);
	CHECK(PARSE("{\"id\":\"x\",\"type\":\"a\",\"created\":1,"
	    "\"data\":{\"object\":{}}}") == ERR_INVALID);
	CHECK(PARSE("{\"id\":\"evt_1\",\"type\":\"a\",\"data\":"
	    "{\"object\":{}}}") == ERR_INVALID);
	CHECK(PARSE("{\"id\":\"evt_1\",\"type\":\"a\",\"created\":1}") ==
	    ERR_INVALID);
	CHECK(PARSE("{\"id\":\"evt_1\"") == ERR_INVALID);
	END_CASE();
#undef PARSE
	arena_free(a);
}

int
main(void)
{
	httpc_global_init();
	test_form();
	test_should_retry();
	test_calls();
	test_price_and_portal();
	test_load();
	test_signatures();
	test_events();
	httpc_global_cleanup();
	return harness_done();
}
