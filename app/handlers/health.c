/*
 * health.c - /healthz (the process answers) and /readyz (its
 * dependencies answer), for the load balancer and deploy gates.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "http/resp.h"
#include "json/jx.h"
#include "net/httpc.h"

#define READY_CACHE_SECONDS 5

enum err
h_healthz(struct ctx *c)
{
	static const char body[] = "{\"status\":\"ok\"}";

	c->resp->content_type = "application/json";
	buf_append(&c->resp->body, body, sizeof(body) - 1);
	resp_header(c->resp, "Cache-Control", "no-store");
	return ERR_OK;
}

/* DynamoDB answers DescribeTable for the catalog table. */
static const char *
check_dynamodb(struct ctx *c)
{
	struct json_object *desc;
	enum err e = ddb_describe_table(&c->app->ddb, c->a,
	    c->app->cfg.plants_table, &desc);

	return e == ERR_OK ? "ok" : e == ERR_NOT_FOUND ? "table missing" :
	    "unreachable";
}

/* The JWKS endpoint answers 200 with a JSON object. */
static const char *
check_jwks(struct ctx *c)
{
	struct httpc_req r;
	struct httpc_resp res;
	struct json_object *o;
	const char *why, *verdict = "unreachable";

	if (c->app->cfg.jwks_url[0] == '\0')
		return "not configured";
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.url = c->app->cfg.jwks_url;
	r.timeout_ms = 2000;
	r.max_response = 64 * 1024;
	if (httpc_do(c->app->http, &r, &res) == ERR_OK && res.status == 200 &&
	    jx_parse(c->a, res.body.data ? res.body.data : "", res.body.len,
	    64 * 1024, 8, &o, &why) == ERR_OK && jx_get(o, "keys") != NULL)
		verdict = "ok";
	buf_free(&res.body);
	return verdict;
}

enum err
h_readyz(struct ctx *c)
{
	struct app *app = c->app;
	time_t now = time(NULL);
	const char *ddb, *jwks;

	if (app->ready_at == 0 || now - app->ready_at >= READY_CACHE_SECONDS) {
		ddb = check_dynamodb(c);
		jwks = check_jwks(c);
		app->ready_status = strcmp(ddb, "ok") == 0 &&
		    strcmp(jwks, "ok") == 0 ? 200 : 503;
		snprintf(app->ready_body, sizeof(app->ready_body),
		    "{\"status\":\"%s\",\"checks\":{\"dynamodb\":\"%s\","
		    "\"jwks\":\"%s\"}}", app->ready_status == 200 ? "ready" :
		    "not_ready", ddb, jwks);
		app->ready_at = now;
		if (app->ready_status != 200)
			log_kv(LOG_WARN, "not ready", "dynamodb", ddb, "jwks", jwks,
			    NULL);
	}
	c->resp->status = app->ready_status;
	c->resp->content_type = "application/json";
	buf_puts(&c->resp->body, app->ready_body);
	resp_header(c->resp, "Cache-Control", "no-store");
	return ERR_OK;
}
