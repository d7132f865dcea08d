/*
 * ctx.h - what a handler is given.
 *
 * struct app is worker-lifetime state, built once in main.c and passed
 * explicitly (config, the HTTP client, the AWS and DynamoDB clients, the
 * JWKS cache).  struct ctx is one request: its arena, the parsed request,
 * the response being built, the route's path parameters and, on
 * authenticated routes, the verified principal.  Handlers return ERR_OK
 * after filling ctx->resp, or an error with ctx->detail set to our own
 * sentence; the server turns the error into a problem document.
 */
#ifndef GROWVRD_CTX_H
#define GROWVRD_CTX_H

#include <stdbool.h>
#include <time.h>

#include "auth/token.h"
#include "aws/cognito.h"
#include "aws/ddb.h"
#include "core/config.h"
#include "core/err.h"

struct arena;
struct req;
struct resp;
struct httpc;
struct aws;
struct jwks;
struct email_cache;
struct principal;
struct sessions;
struct plans;
struct catalog_sync;
struct stripe;

#define CTX_PARAMS_MAX 3

struct app {
	struct config  cfg;
	struct httpc  *http;
	struct aws    *aws;
	struct ddb     ddb;
	struct jwks   *jwks;          /* the pool's keys (never NULL) */
	struct token_config tok;      /* issuer, client id, jwks */
	struct cog     cog;           /* the Cognito client's settings */
	struct email_cache *emails;   /* sub -> verified email */
	struct sessions *sessions;    /* sign-outs (auth/session.h) */
	struct plans  *plans;         /* conf/plans.json, checked at start */
	struct catalog_sync *catalog; /* the host's catalog snapshot, or NULL
	                                 (no usable GROWVRD_CACHE_DIR) */
	struct stripe *stripe;        /* NULL: no STRIPE_SECRET_KEY (API 1.0) */
	/* /readyz answers are cached for a few seconds. */
	time_t         ready_at;
	int            ready_status;
	char           ready_body[512];
};

struct ctx {
	struct app             *app;
	struct arena           *a;
	const struct req       *req;
	struct resp            *resp;
	const char             *param[CTX_PARAMS_MAX];
	const struct principal *who;
	/*
	 * The raw bearer token of an authenticated route, already verified
	 * (NULL elsewhere).  Only for the Cognito calls that take the
	 * caller's own access token (ChangePassword, GetUser); handlers
	 * otherwise use who.  Never log it or put it in an answer.
	 */
	const char             *bearer;
	const char             *detail;
};

typedef enum err (*handler_fn)(struct ctx *c);

/*
 * app_open - load the configuration from the environment and build the
 * clients.  Returns false, logged, when that fails; app_close is safe
 * either way.  Used by the worker and by growvrdctl alike.
 */
bool app_open(struct app *app);

/*
 * app_load_plans - load and check the plans file (GROWVRD_PLANS_FILE);
 * false, with one clear log line, when it is missing or wrong.  The
 * worker refuses to start then; growvrdctl does not need plans.
 */
bool app_load_plans(struct app *app);

/* app_close - release everything app_open built, wiping secrets. */
void app_close(struct app *app);

#endif
