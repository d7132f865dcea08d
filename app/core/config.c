#include "core/config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypt.h"

#include "core/str.h"
#include "core/xalloc.h"

enum kind { K_STR, K_LONG };

static const struct setting {
	const char *env;
	enum kind   kind;
	size_t      off;
	const char *def;
	long        min, max;
} settings[] = {
	{ "AWS_DEFAULT_REGION", K_STR, offsetof(struct config, region),
	  "us-east-1", 0, 0 },
	{ "DYNAMODB_ENDPOINT", K_STR, offsetof(struct config, dynamodb_endpoint),
	  "", 0, 0 },
	{ "COGNITO_ENDPOINT", K_STR, offsetof(struct config, cognito_endpoint),
	  "", 0, 0 },
	{ "COGNITO_USER_POOL_ID", K_STR, offsetof(struct config, user_pool_id),
	  "", 0, 0 },
	{ "COGNITO_CLIENT_ID", K_STR, offsetof(struct config, client_id),
	  "", 0, 0 },
	{ "COGNITO_CLIENT_SECRET", K_STR, offsetof(struct config, client_secret),
	  "", 0, 0 },
	{ "COGNITO_DOMAIN", K_STR, offsetof(struct config, cognito_domain),
	  "", 0, 0 },
	{ "COGNITO_ISSUER", K_STR, offsetof(struct config, issuer), "", 0, 0 },
	{ "COGNITO_JWKS_URL", K_STR, offsetof(struct config, jwks_url),
	  "", 0, 0 },
	{ "PLANTS_TABLE", K_STR, offsetof(struct config, plants_table),
	  "Plants", 0, 0 },
	{ "USERS_TABLE", K_STR, offsetof(struct config, users_table),
	  "Users", 0, 0 },
	{ "SUBSCRIPTIONS_TABLE", K_STR,
	  offsetof(struct config, subscriptions_table), "Subscriptions", 0, 0 },
	{ "GROWVRD_PLANS_FILE", K_STR, offsetof(struct config, plans_file),
	  "conf/plans.json", 0, 0 },
	{ "GROWVRD_CACHE_DIR", K_STR, offsetof(struct config, cache_dir),
	  "/var/cache/growvrd", 0, 0 },
	{ "GROWVRD_CTL", K_STR, offsetof(struct config, ctl_path), "", 0, 0 },
	{ "GROWVRD_LOG_LEVEL", K_STR, offsetof(struct config, log_level),
	  "info", 0, 0 },
	{ "GROWVRD_PUBLIC_URL", K_STR, offsetof(struct config, public_url),
	  "https://localhost:8443", 0, 0 },
	{ "GROWVRD_AWS_TIMEOUT_MS", K_LONG,
	  offsetof(struct config, aws_timeout_ms), "3000", 50, 60000 },
	{ "GROWVRD_AWS_CONNECT_TIMEOUT_MS", K_LONG,
	  offsetof(struct config, aws_connect_timeout_ms), "1000", 50, 30000 },
	{ "GROWVRD_AWS_MAX_ATTEMPTS", K_LONG,
	  offsetof(struct config, aws_max_attempts), "3", 1, 10 },
	/* nginx's fastcgi_read_timeout (15 s) and systemd's TimeoutStopSec
	 * (20 s) sit above the default; raise them with it. */
	{ "GROWVRD_REQUEST_DEADLINE_MS", K_LONG,
	  offsetof(struct config, request_deadline_ms), "10000", 500, 60000 },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static bool
is_http_url(const char *s)
{
	return *s == '\0' || strncmp(s, "http://", 7) == 0 ||
	    strncmp(s, "https://", 8) == 0;
}

static char **
str_slot(struct config *cfg, size_t off)
{
	return (char **)(void *)((char *)cfg + off);
}

/* Fill the endpoints and URLs that follow from region and pool. */
static void
derive(struct config *cfg)
{
	char tmp[512];

	if (cfg->dynamodb_endpoint[0] == '\0') {
		snprintf(tmp, sizeof(tmp), "https://dynamodb.%s.amazonaws.com",
		    cfg->region);
		free(cfg->dynamodb_endpoint);
		cfg->dynamodb_endpoint = xstrdup(tmp);
	}
	if (cfg->cognito_endpoint[0] == '\0') {
		snprintf(tmp, sizeof(tmp), "https://cognito-idp.%s.amazonaws.com",
		    cfg->region);
		free(cfg->cognito_endpoint);
		cfg->cognito_endpoint = xstrdup(tmp);
	}
	if (cfg->issuer[0] == '\0' && cfg->user_pool_id[0] != '\0') {
		snprintf(tmp, sizeof(tmp),
		    "https://cognito-idp.%s.amazonaws.com/%s", cfg->region,
		    cfg->user_pool_id);
		free(cfg->issuer);
		cfg->issuer = xstrdup(tmp);
	}
	if (cfg->jwks_url[0] == '\0' && cfg->issuer[0] != '\0') {
		snprintf(tmp, sizeof(tmp), "%s/.well-known/jwks.json",
		    cfg->issuer);
		free(cfg->jwks_url);
		cfg->jwks_url = xstrdup(tmp);
	}
}

bool
config_load(struct config *cfg, const char **why)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		const char *v = getenv(s->env);
		int64_t n;

		if (v == NULL || *v == '\0')
			v = s->def;
		if (strlen(v) > 400) {
			config_free(cfg);
			*why = "a setting is longer than 400 bytes";
			return false;
		}
		if (s->kind == K_STR) {
			*str_slot(cfg, s->off) = xstrdup(v);
			continue;
		}
		if (!str_to_i64(v, strlen(v), s->min, s->max, &n)) {
			config_free(cfg);
			*why = "a numeric setting is out of range";
			return false;
		}
		*(long *)(void *)((char *)cfg + s->off) = (long)n;
	}
	if (cfg->region[0] == '\0' || strspn(cfg->region,
	    "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(cfg->region)) {
		config_free(cfg);
		*why = "AWS_DEFAULT_REGION is not a region name";
		return false;
	}
	if (!is_http_url(cfg->dynamodb_endpoint) ||
	    !is_http_url(cfg->cognito_endpoint) ||
	    !is_http_url(cfg->jwks_url) || !is_http_url(cfg->public_url)) {
		config_free(cfg);
		*why = "an endpoint is not an http(s) URL";
		return false;
	}
	derive(cfg);
	return true;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg->client_secret != NULL)
		crypt_cleanse(cfg->client_secret, strlen(cfg->client_secret));
	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].kind == K_STR) {
			free(*str_slot(cfg, settings[i].off));
			*str_slot(cfg, settings[i].off) = NULL;
		}
}
