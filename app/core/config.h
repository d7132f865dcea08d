/*
 * config.h - the settings of a worker or of growvrdctl, from the
 * environment (API.md, "Configuration"; the seed's .env names).
 *
 * One static table lists every variable with its default; config_load
 * copies them into worker-lifetime memory and derives the DynamoDB
 * endpoint, the Cognito issuer and the JWKS URL when they are unset.
 * config_free wipes the client secret.
 */
#ifndef GROWVRD_CONFIG_H
#define GROWVRD_CONFIG_H

#include <stdbool.h>

struct config {
	char *region;             /* AWS_DEFAULT_REGION */
	char *dynamodb_endpoint;  /* DYNAMODB_ENDPOINT or derived */
	char *cognito_endpoint;   /* COGNITO_ENDPOINT or derived */
	char *user_pool_id;       /* COGNITO_USER_POOL_ID */
	char *client_id;          /* COGNITO_CLIENT_ID */
	char *client_secret;      /* COGNITO_CLIENT_SECRET (secret) */
	char *cognito_domain;     /* COGNITO_DOMAIN */
	char *issuer;             /* COGNITO_ISSUER or derived */
	char *jwks_url;           /* COGNITO_JWKS_URL or derived */
	char *plants_table;       /* PLANTS_TABLE */
	char *users_table;        /* USERS_TABLE */
	char *subscriptions_table;/* SUBSCRIPTIONS_TABLE */
	char *plans_file;         /* GROWVRD_PLANS_FILE */
	char *cache_dir;          /* GROWVRD_CACHE_DIR: the catalog snapshot */
	char *ctl_path;           /* GROWVRD_CTL: growvrdctl, for catalog
	                             builds ("" = beside the worker) */
	char *log_level;          /* GROWVRD_LOG_LEVEL */
	char *public_url;         /* GROWVRD_PUBLIC_URL: the web app's origin */
	long  aws_timeout_ms;     /* GROWVRD_AWS_TIMEOUT_MS */
	long  aws_connect_timeout_ms; /* GROWVRD_AWS_CONNECT_TIMEOUT_MS */
	long  aws_max_attempts;   /* GROWVRD_AWS_MAX_ATTEMPTS */
	long  request_deadline_ms;/* GROWVRD_REQUEST_DEADLINE_MS */
};

/*
 * config_load - fill cfg from the environment.  Returns true, or false
 * with a static reason in *why (an ill-formed number, an endpoint that is
 * not http(s)).  Missing Cognito settings are not an error here: the
 * routes that need them answer 503 and /readyz names the check.
 */
bool config_load(struct config *cfg, const char **why);

/* config_free - release every string, wiping the client secret. */
void config_free(struct config *cfg);

#endif
