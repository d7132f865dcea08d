/*
 * test_creds.c - the credential chain against a fake container endpoint
 * and a fake IMDSv2, with an injected clock.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/creds.h"
#include "core/log.h"
#include "fake_http.h"
#include "harness.h"
#include "net/httpc.h"

#define T0        ((time_t)1893456000)      /* 2030-01-01T00:00:00Z */
#define IMDS_TOK  "TOKEN-abc123=="
#define ROLE_PATH "/latest/meta-data/iam/security-credentials/"
#define ECS_OK    "{\"AccessKeyId\":\"ASIAECS\",\"SecretAccessKey\":" \
                  "\"ecs-secret\",\"Token\":\"ecs-token\",\"Expiration\":" \
                  "\"2030-01-01T06:00:00Z\",\"RoleArn\":\"arn:aws:iam::1:r\"}"

static struct httpc *http;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
clear_env(void)
{
	static const char *const vars[] = { "AWS_ACCESS_KEY_ID",
	    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

/* ---- fake IMDS ---- */

enum imds_mode { IMDS_OK, IMDS_NO_V2, IMDS_HANG, IMDS_FAIL };

struct imds {
	atomic_int mode;
	atomic_int gen;         /* which credentials to serve: 1 or 2 */
	atomic_int unauth;      /* GETs refused for want of a token */
	atomic_int bad_ttl;     /* PUTs without the TTL header */
};

static void
h_imds(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	struct imds *m = f->ctx;
	char v[128];
	int g = atomic_load(&m->gen);

	(void)n;
	if (strcmp(r->method, "PUT") == 0 &&
	    strcmp(r->path, "/latest/api/token") == 0) {
		if (atomic_load(&m->mode) == IMDS_HANG) {
			a->hang = true;
		} else if (atomic_load(&m->mode) == IMDS_NO_V2) {
			a->status = 403;
		} else if (!fake_header(r,
		    "X-aws-ec2-metadata-token-ttl-seconds", v, sizeof(v)) ||
		    strcmp(v, "21600") != 0) {
			atomic_fetch_add(&m->bad_ttl, 1);
			a->status = 400;
		} else {
			a->body = IMDS_TOK;
		}
		return;
	}
	/* IMDSv2 only: a GET without the session token is refused. */
	if (!fake_header(r, "X-aws-ec2-metadata-token", v, sizeof(v)) ||
	    strcmp(v, IMDS_TOK) != 0) {
		atomic_fetch_add(&m->unauth, 1);
		a->status = 401;
	} else if (strcmp(r->path, ROLE_PATH) == 0) {
		a->body = "growvrd-role\n";
	} else if (strcmp(r->path, ROLE_PATH "growvrd-role") == 0) {
		if (atomic_load(&m->mode) == IMDS_FAIL) {
			a->status = 500;
			return;
		}
		snprintf(a->text, sizeof(a->text), "{\"Code\":\"Success\","
		    "\"LastUpdated\":\"2029-12-31T23:55:00Z\","
		    "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS%d\","
		    "\"SecretAccessKey\":\"imds-secret-%d\","
		    "\"Token\":\"imds-token-%d\","
		    "\"Expiration\":\"2030-01-01T0%d:00:00Z\"}\n", g, g, g, g);
		a->body = a->text;
	} else {
		a->status = 404;
	}
}

/* ---- fake container endpoint ---- */

struct ecs {
	const char *auth;       /* expected Authorization, or NULL */
	int         status;
	const char *body;
	size_t      filler;
	char        path[1024]; /* last path asked for */
};

static void
h_ecs(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	struct ecs *e = f->ctx;
	char v[256];

	(void)n;
	snprintf(e->path, sizeof(e->path), "%s", r->path);
	if (e->auth != NULL &&
	    (!fake_header(r, "Authorization", v, sizeof(v)) ||
	    strcmp(v, e->auth) != 0)) {
		a->status = 401;
		return;
	}
	a->status = e->status;
	a->body = e->body;
	a->filler = e->filler;
}

/* ---- cases ---- */

static void
test_env(void)
{
	struct creds_provider *p;
	struct sigv4_creds c;

	CASE("environment credentials, with and without a session token");
	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env/secret+key", 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_OK);
	CHECK_STR(c.access_key_id, "AKIDENV");
	CHECK_STR(c.secret_access_key, "env/secret+key");
	CHECK(c.session_token == NULL);
	CHECK(creds_source(p) == CREDS_ENV && creds_expiration(p) == 0);
	CHECK(creds_get(p, T0 + 86400 * 365, &c) == ERR_OK);
	creds_free(p);
	setenv("AWS_SESSION_TOKEN", "env-token", 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_OK);
	CHECK_STR(c.session_token, "env-token");
	creds_free(p);
	END_CASE();

	CASE("half-set environment is skipped; nothing else: ERR_UNAVAILABLE");
	clear_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
	CHECK(c.access_key_id == NULL && creds_source(p) == CREDS_NONE);
	creds_free(p);
	END_CASE();
}

static void
test_ecs(void)
{
	struct ecs e = { "Bearer ecs-auth", 200, ECS_OK, 0, "" };
	struct imds m = { IMDS_OK, 1, 0, 0 };
	struct fake *f = fake_start(h_ecs, &e), *im = fake_start(h_imds, &m);
	struct creds_provider *p;
	struct sigv4_creds c;
	char url[128];
	time_t exp;

	CASE("ECS full URI on 127.0.0.1 with an authorization token");
	clear_env();
	snprintf(url, sizeof(url), "%s/get-credentials", f->url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer ecs-auth", 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_OK);
	CHECK_STR(c.access_key_id, "ASIAECS");
	CHECK_STR(c.secret_access_key, "ecs-secret");
	CHECK_STR(c.session_token, "ecs-token");
	CHECK(creds_source(p) == CREDS_ECS);
	CHECK(creds_parse_time("2030-01-01T06:00:00Z", 20, &exp) &&
	    creds_expiration(p) == exp);
	CHECK(strcmp(e.path, "/get-credentials") == 0);
	creds_free(p);
	END_CASE();

	CASE("ECS relative URI (base overridden)");
	clear_env();
	setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds/u-1", 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer ecs-auth", 1);
	p = creds_new(http);
	creds_set_ecs_base(p, f->url);
	CHECK(creds_get(p, T0, &c) == ERR_OK);
	CHECK_STR(c.access_key_id, "ASIAECS");
	CHECK(strcmp(e.path, "/v2/creds/u-1") == 0);
	creds_free(p);
	END_CASE();

	CASE("ECS full URI elsewhere over http is refused, without falling "
	    "back to IMDS");
	clear_env();
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.10/c", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", im->url, 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
	CHECK(atomic_load(&im->requests) == 0);
	creds_free(p);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://u@127.0.0.1/c", 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
	creds_free(p);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1.ev/c",
	    1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
	CHECK(atomic_load(&im->requests) == 0);
	creds_free(p);
	END_CASE();

	CASE("ECS with a wrong authorization token fails");
	clear_env();
	snprintf(url, sizeof(url), "%s/c", f->url);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer wrong", 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
	creds_free(p);
	END_CASE();
	fake_stop(im);
	fake_stop(f);
}

static void
test_malformed(void)
{
/* Pieces of an answer: key id and secret; token and expiry. */
#define KS "\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\""
#define SE "\"SecretAccessKey\":\"s\",\"Expiration\":\"2030-01-01T06:00:00Z\""
#define TE "\"Token\":\"t\",\"Expiration\":\"2030-01-01T06:00:00Z\""
	static const struct { int status; const char *body; size_t filler; }
	    bad[] = {
		{ 200, ECS_OK " x", 0 },
		{ 200, ECS_OK ECS_OK, 0 },
		{ 200, "[" ECS_OK "]", 0 },
		{ 200, "{\"AccessKeyId\":1,\"Token\":\"t\"," SE "}", 0 },
		{ 200, "{\"AccessKeyId\":\"A\"," SE "}", 0 },
		{ 200, "{" KS ",\"Token\":\"t\",\"Expiration\":\"soon\"}", 0 },
		{ 200, "{\"Code\":\"Failure\"," KS "," TE "}", 0 },
		{ 200, "{\"AccessKeyId\":\"A\\u0001\",\"Token\":\"t\"," SE "}",
		  0 },
		{ 200, "{\"AccessKeyId\":\"A B\",\"Token\":\"t\"," SE "}", 0 },
		{ 200, "{\"x\":{\"y\":{\"z\":{\"w\":{}}}}," KS "," TE "}", 0 },
		{ 200, "{'AccessKeyId':'A'}", 0 },
		{ 200, "{" KS ",\"Token\":\"t\",\"Expiration\":"
		  "\"2029-12-31T00:00:00Z\"}", 0 },
		{ 200, "", 20000 },
		{ 200, "", 0 },
		{ 404, ECS_OK, 0 },
	};
	struct ecs e = { NULL, 200, NULL, 0, "" };
	struct fake *f = fake_start(h_ecs, &e);
	struct creds_provider *p;
	struct sigv4_creds c;
	size_t i;

	CASE("malformed, expired, oversized or failed answers are refused");
	clear_env();
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f->url, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.status = bad[i].status;
		e.body = bad[i].body;
		e.filler = bad[i].filler;
		p = creds_new(http);
		if (creds_get(p, T0, &c) != ERR_UNAVAILABLE) {
			printf("  accepted case %zu\n", i);
			CHECK(0);
		}
		creds_free(p);
	}
	e.status = 200;
	e.body = ECS_OK;
	e.filler = 0;
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_OK);
	creds_free(p);
	END_CASE();
	fake_stop(f);
}

static void
test_imds(void)
{
	struct imds m = { IMDS_OK, 1, 0, 0 };
	struct fake *f = fake_start(h_imds, &m);
	struct creds_provider *p;
	struct sigv4_creds c;
	struct httpc_req rq;
	struct httpc_resp rs;
	char url[160];

	CASE("IMDSv2: token PUT with TTL, role, credentials; v1 GETs refused");
	clear_env();
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	snprintf(url, sizeof(url), "%s/", f->url);  /* trailing '/' ignored */
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_OK);
	CHECK_STR(c.access_key_id, "ASIAIMDS1");
	CHECK_STR(c.secret_access_key, "imds-secret-1");
	CHECK_STR(c.session_token, "imds-token-1");
	CHECK(creds_source(p) == CREDS_IMDS);
	CHECK(creds_expiration(p) == T0 + 3600);
	CHECK(atomic_load(&f->requests) == 3);
	CHECK(atomic_load(&m.unauth) == 0 && atomic_load(&m.bad_ttl) == 0);
	/* The fake really refuses IMDSv1. */
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	snprintf(url, sizeof(url), "%s" ROLE_PATH, f->url);
	rq.url = url;
	CHECK(httpc_do(http, &rq, &rs) == ERR_OK && rs.status == 401);
	buf_free(&rs.body);
	atomic_store(&m.unauth, 0);
	END_CASE();

	CASE("cached until 5 minutes before Expiration, then refreshed");
	atomic_store(&f->requests, 0);
	CHECK(creds_get(p, T0 + 3000, &c) == ERR_OK);
	CHECK_STR(c.access_key_id, "ASIAIMDS1");
	CHECK(atomic_load(&f->requests) == 0);
	atomic_store(&m.gen, 2);
	CHECK(creds_get(p, T0 + 3600 - 299, &c) == ERR_OK);
	CHECK_STR(c.access_key_id, "ASIAIMDS2");
	CHECK_STR(c.session_token, "imds-token-2");
	CHECK(creds_expiration(p) == T0 + 7200);
	CHECK(atomic_load(&f->requests) == 3);
	END_CASE();

	CASE("a failed refresh keeps unexpired credentials; then holds off; "
	    "expired ones are not used");
	atomic_store(&m.mode, IMDS_FAIL);
	atomic_store(&f->requests, 0);
	CHECK(creds_get(p, T0 + 7000, &c) == ERR_OK);
	CHECK_STR(c.access_key_id, "ASIAIMDS2");
	CHECK(atomic_load(&f->requests) == 3);
	CHECK(creds_get(p, T0 + 7000 + CREDS_RETRY_HOLDOFF - 1, &c) == ERR_OK);
	CHECK(atomic_load(&f->requests) == 3);
	CHECK(creds_get(p, T0 + 7200, &c) == ERR_UNAVAILABLE);
	CHECK(c.access_key_id == NULL && atomic_load(&f->requests) == 6);
	atomic_store(&m.mode, IMDS_OK);
	CHECK(creds_get(p, T0 + 7201, &c) == ERR_UNAVAILABLE);
	CHECK(atomic_load(&f->requests) == 6);     /* holding off */
	CHECK(creds_get(p, T0 + 7200 + CREDS_RETRY_HOLDOFF, &c) ==
	    ERR_UNAVAILABLE);
	/* gen 2 expires at T0+7200: refused as already expired */
	atomic_store(&m.gen, 3);
	CHECK(creds_get(p, T0 + 7300, &c) == ERR_OK);
	CHECK_STR(c.access_key_id, "ASIAIMDS3");
	creds_free(p);
	END_CASE();

	CASE("IMDS without v2 (token PUT refused): no v1 fallback");
	atomic_store(&m.mode, IMDS_NO_V2);
	atomic_store(&f->requests, 0);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
	CHECK(atomic_load(&f->requests) == 1 && atomic_load(&m.unauth) == 0);
	creds_free(p);
	END_CASE();

	CASE("AWS_EC2_METADATA_DISABLED=true: IMDS is not asked");
	atomic_store(&m.mode, IMDS_OK);
	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
	CHECK(atomic_load(&f->requests) == 1);
	creds_free(p);
	END_CASE();

	CASE("a hanging IMDS fails the chain within its 1 s timeout");
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	atomic_store(&m.mode, IMDS_HANG);
	p = creds_new(http);
	{
		double t0 = now_s(), dt;
		CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
		dt = now_s() - t0;
		CHECK(dt >= 0.9 && dt < 2.5);
	}
	creds_free(p);
	END_CASE();
	fake_stop(f);
}

static void
test_no_secrets_logged(void)
{
	static const char *const secrets[] = { "imds-secret-1", "imds-token-1",
	    IMDS_TOK, "leak-secret", "leak-token", "Bearer ecs-auth" };
	struct imds m = { IMDS_OK, 1, 0, 0 };
	struct ecs e = { "Bearer ecs-auth", 200, "{\"AccessKeyId\":\"A\","
	    "\"SecretAccessKey\":\"leak-secret\",\"Token\":\"leak-token\"}",
	    0, "" };
	struct fake *fi = fake_start(h_imds, &m), *fe = fake_start(h_ecs, &e);
	char path[] = "/tmp/growvrd-log-XXXXXX", text[65536];
	struct creds_provider *p;
	struct sigv4_creds c;
	int fd, saved;
	ssize_t n;
	size_t i;

	CASE("secrets never reach the log, even at debug level");
	fd = mkstemp(path);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	log_set_level(LOG_DEBUG);
	clear_env();
	setenv("AWS_EC2_METADATA_DISABLED", "false", 1);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fi->url, 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_OK);
	creds_free(p);
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", fe->url, 1);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer ecs-auth", 1);
	p = creds_new(http);
	CHECK(creds_get(p, T0, &c) == ERR_UNAVAILABLE);
	creds_free(p);
	log_set_level(LOG_ERROR);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	CHECK(n > 0);
	text[n > 0 ? n : 0] = '\0';
	CHECK(strstr(text, "aws credentials loaded") != NULL);
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		CHECK(strstr(text, secrets[i]) == NULL);
	close(fd);
	unlink(path);
	END_CASE();
	fake_stop(fe);
	fake_stop(fi);
}

static void
test_parse_time(void)
{
	static const struct { const char *s; long long delta; } good[] = {
		{ "2030-01-01T00:00:00Z", 0 },
		{ "2030-01-01t00:00:00z", 0 },
		{ "2030-01-01T01:00:00.123Z", 3600 },
		{ "2030-01-01T02:00:00+01:00", 3600 },
		{ "2030-01-01T00:00:00-00:30", 1800 },
		{ "2030-01-02T00:00:60Z", 86400 + 59 },
	};
	static const char *const bad[] = { "", "2029-02-29T00:00:00Z",
	    "2030-13-01T00:00:00Z", "2030-01-01 00:00:00Z",
	    "2030-01-01T24:00:00Z", "2030-01-01T00:00:00",
	    "2030-01-01T00:00:00Zx",
	    "2030-01-01T00:00:00.Z", "2030-1-01T00:00:00Z",
	    "2030-01-01T00:00:00+0100", "1969-12-31T23:59:59Z",
	    "2030-01-01T00:00:00.1234567890Z", "2030-01-32T00:00:00Z",
	    "2030-01-01T00:60:00Z", "2030-01-01T00:00:00+24:00",
	    "+030-01-01T00:00:00Z" };
	time_t t;
	size_t i;

	CASE("RFC 3339 Expiration parsing, strict");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(creds_parse_time(good[i].s, strlen(good[i].s), &t) &&
		    t == T0 + good[i].delta);
	CHECK(creds_parse_time("2028-02-29T00:00:00Z", 20, &t));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!creds_parse_time(bad[i], strlen(bad[i]), &t));
	END_CASE();
}

int
main(void)
{
	log_set_level(LOG_ERROR);
	httpc_global_init();
	http = httpc_new();
	test_env();
	test_ecs();
	test_malformed();
	test_imds();
	test_no_secrets_logged();
	test_parse_time();
	httpc_free(http);
	httpc_global_cleanup();
	return harness_done();
}
