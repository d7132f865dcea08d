/*
 * ctx.c - building and releasing the worker-lifetime state.
 */
#include "http/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/email.h"
#include "auth/jwks.h"
#include "auth/session.h"
#include "auth/tcache.h"
#include "aws/aws.h"
#include "aws/secrets.h"
#include "core/limits.h"
#include "core/log.h"
#include "net/httpc.h"
#include "pay/stripe.h"
#include "store/cursor.h"
#include "store/catalog_sync.h"
#include "store/plans.h"

static enum log_level
level_of(const char *s)
{
	if (strcmp(s, "debug") == 0)
		return LOG_DEBUG;
	if (strcmp(s, "warn") == 0)
		return LOG_WARN;
	if (strcmp(s, "error") == 0)
		return LOG_ERROR;
	return LOG_INFO;
}

bool
app_load_plans(struct app *app)
{
	const char *why = NULL;
	char at[16];
	int idx;

	if (plans_load(app->cfg.plans_file, &app->plans, &why, &idx) ==
	    ERR_OK)
		return true;
	snprintf(at, sizeof(at), "%d", idx);
	log_kv(LOG_ERROR, "bad plans file; refusing to start", "path",
	    app->cfg.plans_file, "why", why, "plan_index",
	    idx >= 0 ? at : NULL, "hint", "set GROWVRD_PLANS_FILE", NULL);
	return false;
}

/* The catalog snapshot's sync state; growvrdctl is looked for beside the
 * running program unless GROWVRD_CTL names it. */
static struct catalog_sync *
open_catalog(const struct config *cfg)
{
	char exe[4096], ctl[4096 + 16];
	ssize_t n;
	char *slash;

	ctl[0] = '\0';
	if (cfg->ctl_path[0] != '\0')
		snprintf(ctl, sizeof(ctl), "%s", cfg->ctl_path);
	else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(ctl, sizeof(ctl), "%s/growvrdctl", exe);
		}
	}
	return catalog_sync_new(cfg->cache_dir, cfg->plants_table,
	    ctl[0] != '\0' ? ctl : NULL);
}

/*
 * The key of list cursors' MACs: GROWVRD_CURSOR_KEY (at least
 * LIM_CURSOR_KEY_MIN bytes), else the app client's secret.  Without either
 * the worker refuses to start: a key derived from a constant would let
 * anyone forge cursors.
 */
static bool
set_cursor_key(struct app *app)
{
	const char *k = getenv("GROWVRD_CURSOR_KEY");

	if (k != NULL && *k != '\0') {
		if (strlen(k) < LIM_CURSOR_KEY_MIN) {
			log_kv(LOG_ERROR, "GROWVRD_CURSOR_KEY is too short; "
			    "refusing to start", "hint", "use 32 random bytes, "
			    "e.g. openssl rand -hex 32", NULL);
			return false;
		}
	} else if (app->cfg.client_secret != NULL &&
	    app->cfg.client_secret[0] != '\0')
		k = app->cfg.client_secret;
	else {
		log_kv(LOG_ERROR, "no key for list cursors; refusing to start",
		    "hint", "set GROWVRD_CURSOR_KEY or COGNITO_CLIENT_SECRET",
		    NULL);
		return false;
	}
	cursor_set_key(k, strlen(k));
	return true;
}

bool
app_open(struct app *app)
{
	struct aws_config ac;
	const char *why;

	memset(app, 0, sizeof(*app));
	if (!config_load(&app->cfg, &why)) {
		log_kv(LOG_ERROR, "bad configuration", "why", why, NULL);
		return false;
	}
	log_set_level(level_of(app->cfg.log_level));
	httpc_global_init();
	app->http = httpc_new();
	aws_config_of(&app->cfg, &ac);
	if ((app->aws = aws_new(&ac, app->http)) == NULL)
		return false;
	/* COGNITO_CLIENT_SECRET_ARN set: the secret from Secrets Manager. */
	if (!secrets_load_client_secret(app->aws, &app->cfg))
		return false;
	/* STRIPE_SECRET_KEY(_ARN) set: payments through Stripe. */
	if (!stripe_load(app->aws, app->cfg.region, app->http, &app->stripe))
		return false;
	app->jwks = jwks_new(app->cfg.jwks_url[0] ? app->cfg.jwks_url : NULL,
	    NULL, app->http);
	app->tok.issuer = app->cfg.issuer;
	app->tok.client_id = app->cfg.client_id;
	app->tok.jwks = app->jwks;
	app->tok.cache = tcache_new();
	app->emails = email_cache_new();
	app->ddb.aws = app->aws;
	app->ddb.endpoint = app->cfg.dynamodb_endpoint;
	app->catalog = open_catalog(&app->cfg);
	app->cog.aws = app->aws;
	app->cog.endpoint = app->cfg.cognito_endpoint;
	app->cog.client_id = app->cfg.client_id;
	app->cog.client_secret = app->cfg.client_secret;
	app->cog.user_pool_id = app->cfg.user_pool_id;
	app->sessions = sessions_new(&app->ddb, app->cfg.users_table);
	return set_cursor_key(app);
}

void
app_close(struct app *app)
{
	catalog_sync_free(app->catalog);
	email_cache_free(app->emails);
	tcache_free(app->tok.cache);
	sessions_free(app->sessions);
	plans_free(app->plans);
	stripe_free(app->stripe);
	if (app->jwks != NULL)
		jwks_free(app->jwks);
	aws_free(app->aws);
	httpc_free(app->http);
	config_free(&app->cfg);
}

