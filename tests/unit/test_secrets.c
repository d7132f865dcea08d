/*
 * test_secrets.c - aws/secrets against a scripted Secrets Manager: the
 * signed GetSecretValue request, answers mapped to our errors, values
 * checked, and the worker's start-up hook (COGNITO_CLIENT_SECRET_ARN).
 */
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/retry.h"
#include "aws/secrets.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "fake_http.h"
#include "harness.h"
#include "net/httpc.h"

#define ARN "arn:aws:secretsmanager:us-east-1:123456789012:secret:" \
            "growvrd/cognito-client-secret-AbCdEf"
#define SECRET "1example23456789abcdefghijklmnopqrstuvwxyz0123456"

static struct httpc *http;

static void
no_sleep(void *ctx, long ms)
{
	(void)ctx, (void)ms;
}

static struct aws *
new_aws(void)
{
	struct aws_config cfg = { "us-east-1", 500, 2000, 2 };
	struct aws *aws;

	fake_aws_env();
	aws = aws_new(&cfg, http);
	if (aws != NULL)
		retry_set_hooks(aws_retry(aws), no_sleep, NULL, NULL);
	return aws;
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

static const struct canned ok_answer = { 200,
    "{\"ARN\":\"" ARN "\",\"Name\":\"growvrd/cognito-client-secret\","
    "\"SecretString\":\"" SECRET "\",\"VersionId\":\"v1\","
    "\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.7e9}" };

/* One GetSecretValue against canned answer c; the request in *last. */
static enum err
fetch(const struct canned *c, const char *id, char **out, const char **why,
    struct fake_req *last)
{
	struct fake *f = fake_start(h_canned, (void *)(uintptr_t)c);
	struct aws *aws = new_aws();
	struct arena *a = arena_new(8 * 1024 * 1024);
	enum err e;

	e = secrets_get_string(aws, a, f->url, id, out, why);
	if (last != NULL)
		fake_last(f, last);
	arena_free(a);
	aws_free(aws);
	fake_stop(f);
	return e;
}

static void
test_get(void)
{
	struct fake_req last;
	const char *why = NULL;
	char *out = NULL, v[512];
	enum err e;

	CASE("GetSecretValue: signed JSON 1.1 request, SecretString out");
	memset(&last, 0, sizeof(last));
	e = fetch(&ok_answer, ARN, &out, &why, &last);
	CHECK(e == ERR_OK);
	CHECK_STR(out, SECRET);
	CHECK_STR(last.method, "POST");
	CHECK(fake_header(&last, "X-Amz-Target", v, sizeof(v)) &&
	    strcmp(v, "secretsmanager.GetSecretValue") == 0);
	CHECK(fake_header(&last, "Content-Type", v, sizeof(v)) &&
	    strcmp(v, "application/x-amz-json-1.1") == 0);
	CHECK(fake_header(&last, "Authorization", v, sizeof(v)) &&
	    strstr(v, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST/") == v &&
	    strstr(v, "/us-east-1/secretsmanager/aws4_request") != NULL);
	CHECK_STR(last.body, "{\"SecretId\":\"" ARN "\"}");
	free(out);
	END_CASE();
}

static void
test_errors(void)
{
	static const struct {
		const char *name;
		struct canned c;
		enum err want;
	} cases[] = {
		{ "no such secret is ERR_NOT_FOUND", { 400,
		  "{\"__type\":\"ResourceNotFoundException\",\"Message\":"
		  "\"Secrets Manager can't find the specified secret.\"}" },
		  ERR_NOT_FOUND },
		{ "access denied is ERR_FORBIDDEN", { 400,
		  "{\"__type\":\"AccessDeniedException\",\"Message\":"
		  "\"User: arn:aws:sts::1:assumed-role/x is not authorized\"}" },
		  ERR_FORBIDDEN },
		{ "a secret being deleted is ERR_NOT_FOUND", { 400,
		  "{\"__type\":\"InvalidRequestException\",\"Message\":\"x\"}" },
		  ERR_NOT_FOUND },
		{ "a binary secret is ERR_INVALID", { 200,
		  "{\"ARN\":\"" ARN "\",\"SecretBinary\":\"AAEC\"}" },
		  ERR_INVALID },
		{ "a value with spaces is ERR_INVALID", { 200,
		  "{\"SecretString\":\"two words\"}" }, ERR_INVALID },
		{ "a JSON value is ERR_INVALID", { 200,
		  "{\"SecretString\":\"{\\\"client_secret\\\": \\\"x\\\"}\"}" },
		  ERR_INVALID },
		{ "an empty value is ERR_INVALID", { 200,
		  "{\"SecretString\":\"\"}" }, ERR_INVALID },
		{ "an answer that is not JSON is ERR_UPSTREAM", { 200,
		  "<html>oops</html>" }, ERR_UPSTREAM },
		{ "an answer that is no object is ERR_UPSTREAM", { 200,
		  "[1,2]" }, ERR_UPSTREAM },
		{ "an unknown refusal is ERR_UPSTREAM", { 400,
		  "{\"__type\":\"SomethingNewException\"}" }, ERR_UPSTREAM },
		{ "a 500 after the retries is ERR_UNAVAILABLE", { 500,
		  "{\"__type\":\"InternalServiceError\"}" }, ERR_UNAVAILABLE },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		char *out = NULL;
		enum err e;

		CASE(cases[i].name);
		e = fetch(&cases[i].c, ARN, &out, &why, NULL);
		CHECK(e == cases[i].want);
		CHECK(out == NULL);
		CHECK(why != NULL && strstr(why, "arn:") == NULL &&
		    strstr(why, "Secrets Manager can't") == NULL);
		free(out);
		END_CASE();
	}
}

static void
test_bad_id(void)
{
	const char *why = NULL;
	char *out = NULL;

	CASE("an id with a newline is refused before any call");
	CHECK(fetch(&ok_answer, "arn:aws:x\nInjected: 1", &out, &why, NULL) ==
	    ERR_INVALID);
	CHECK(out == NULL);
	CHECK(fetch(&ok_answer, "", &out, &why, NULL) == ERR_INVALID);
	END_CASE();
}

static void
test_endpoint(void)
{
	char ep[128];

	CASE("endpoint derived from the region, or SECRETSMANAGER_ENDPOINT");
	unsetenv("SECRETSMANAGER_ENDPOINT");
	CHECK(secrets_endpoint("eu-west-1", ep, sizeof(ep)));
	CHECK_STR(ep, "https://secretsmanager.eu-west-1.amazonaws.com");
	CHECK(secrets_endpoint("cn-north-1", ep, sizeof(ep)));
	CHECK_STR(ep, "https://secretsmanager.cn-north-1.amazonaws.com.cn");
	CHECK(!secrets_endpoint("eu-west-1", ep, 10));
	setenv("SECRETSMANAGER_ENDPOINT", "http://127.0.0.1:4566", 1);
	CHECK(secrets_endpoint("eu-west-1", ep, sizeof(ep)));
	CHECK_STR(ep, "http://127.0.0.1:4566");
	setenv("SECRETSMANAGER_ENDPOINT", "ftp://x", 1);
	CHECK(!secrets_endpoint("eu-west-1", ep, sizeof(ep)));
	unsetenv("SECRETSMANAGER_ENDPOINT");
	END_CASE();
}

/* A config as config_load would leave it, with a direct secret. */
static void
cfg_with_secret(struct config *cfg, const char *secret)
{
	const char *why;

	setenv("COGNITO_CLIENT_SECRET", secret, 1);
	setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
	CHECK(config_load(cfg, &why));
}

static void
test_load(void)
{
	struct fake *f;
	struct config cfg;
	struct aws *aws;

	CASE("start-up: ARN set replaces the direct secret");
	f = fake_start(h_canned, (void *)(uintptr_t)&ok_answer);
	aws = new_aws();
	cfg_with_secret(&cfg, "direct-one");
	setenv("SECRETSMANAGER_ENDPOINT", f->url, 1);
	setenv("COGNITO_CLIENT_SECRET_ARN", ARN, 1);
	CHECK(secrets_load_client_secret(aws, &cfg));
	CHECK_STR(cfg.client_secret, SECRET);
	CHECK(atomic_load(&f->requests) == 1);
	config_free(&cfg);
	END_CASE();

	CASE("start-up: no ARN, no call, the direct secret stays");
	unsetenv("COGNITO_CLIENT_SECRET_ARN");
	cfg_with_secret(&cfg, "direct-one");
	CHECK(secrets_load_client_secret(aws, &cfg));
	CHECK_STR(cfg.client_secret, "direct-one");
	setenv("COGNITO_CLIENT_SECRET_ARN", "", 1);
	CHECK(secrets_load_client_secret(aws, &cfg));
	CHECK_STR(cfg.client_secret, "direct-one");
	CHECK(atomic_load(&f->requests) == 1);
	config_free(&cfg);
	END_CASE();

	CASE("start-up: an ARN of another region is refused, no call");
	setenv("COGNITO_CLIENT_SECRET_ARN",
	    "arn:aws:secretsmanager:eu-west-1:1:secret:x", 1);
	cfg_with_secret(&cfg, "direct-one");
	CHECK(!secrets_load_client_secret(aws, &cfg));
	CHECK(atomic_load(&f->requests) == 1);
	config_free(&cfg);
	END_CASE();
	aws_free(aws);
	fake_stop(f);

	CASE("start-up: a missing secret refuses the start");
	{
		static const struct canned nf = { 400,
		    "{\"__type\":\"ResourceNotFoundException\"}" };
		f = fake_start(h_canned, (void *)(uintptr_t)&nf);
		aws = new_aws();
		setenv("SECRETSMANAGER_ENDPOINT", f->url, 1);
		setenv("COGNITO_CLIENT_SECRET_ARN", ARN, 1);
		cfg_with_secret(&cfg, "direct-one");
		CHECK(!secrets_load_client_secret(aws, &cfg));
		CHECK_STR(cfg.client_secret, "direct-one");
		config_free(&cfg);
		aws_free(aws);
		fake_stop(f);
	}
	END_CASE();
	unsetenv("COGNITO_CLIENT_SECRET_ARN");
	unsetenv("SECRETSMANAGER_ENDPOINT");
	unsetenv("COGNITO_CLIENT_SECRET");
}

int
main(void)
{
	log_set_level(LOG__MAX);
	httpc_global_init();
	http = httpc_new();
	test_get();
	test_errors();
	test_bad_id();
	test_endpoint();
	test_load();
	httpc_free(http);
	return harness_done();
}
