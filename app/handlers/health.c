/*
 * health.c - /healthz (the process answers) and /readyz (its
 * dependencies answer), for the load balancer and deploy gates.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/jwks.h"
#include "aws/ddb.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "http/resp.h"
#include "store/catalog_sync.h"

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

/*
 * The JWKS endpoint answers with a usable key set (fetched through the
 * cache's own fetcher; a cache still empty since start is filled).
 */
static const char *
check_jwks(struct ctx *c)
{
	struct buf body;
	const char *why, *verdict = "unreachable";

	if (c->app->cfg.jwks_url[0] == '\0')
		return "not configured";
	buf_init(&body, LIM_JWKS_MAX);
	if (jwks_fetch_http(c->app->http, c->app->cfg.jwks_url, &body, &why) ==
	    ERR_OK) {
		verdict = "ok";
		if (!jwks_ready(c->app->jwks) && jwks_load_text(c->app->jwks,
		    buf_cstr(&body), body.len, &why) != ERR_OK)
			verdict = "no usable key";
	}
	buf_free(&body);
	return verdict;
}

/* The host's catalog snapshot is there (a build runs when it is not). */
static const char *
check_catalog(struct ctx *c)
{
	if (c->app->catalog == NULL)
		return "no cache directory";
	return catalog_sync_get(c->app->catalog, &c->app->ddb,
	    catalog_now_ms()) != NULL ? "ok" : "loading";
}

enum err
h_readyz(struct ctx *c)
{
	struct app *app = c->app;
	time_t now = time(NULL);
	const char *ddb, *jwks, *cat;

	if (app->ready_at == 0 || now - app->ready_at >= READY_CACHE_SECONDS) {
		ddb = check_dynamodb(c);
		jwks = check_jwks(c);
		cat = check_catalog(c);
		app->ready_status = strcmp(ddb, "ok") == 0 &&
		    strcmp(jwks, "ok") == 0 && strcmp(cat, "ok") == 0 ? 200 : 503;
		snprintf(app->ready_body, sizeof(app->ready_body),
		    "{\"status\":\"%s\",\"checks\":{\"dynamodb\":\"%s\","
		    "\"jwks\":\"%s\",\"catalog\":\"%s\"}}",
		    app->ready_status == 200 ? "ready" : "not_ready", ddb, jwks,
		    cat);
		app->ready_at = now;
		if (app->ready_status != 200)
			log_kv(LOG_WARN, "not ready", "dynamodb", ddb, "jwks", jwks,
			    "catalog", cat, NULL);
	}
	c->resp->status = app->ready_status;
	c->resp->content_type = "application/json";
	buf_puts(&c->resp->body, app->ready_body);
	resp_header(c->resp, "Cache-Control", "no-store");
	return ERR_OK;
}
