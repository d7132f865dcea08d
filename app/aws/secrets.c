/*
 * secrets.c - the client secret from AWS Secrets Manager (see secrets.h).
 */
#include "aws/secrets.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aws/aws.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/crypt.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "json/jx.h"

#define SM_TARGET       "secretsmanager.GetSecretValue"
#define SM_CT           "application/x-amz-json-1.1"
#define SM_JSON_DEPTH   4
#define SM_ARENA_MAX    (LIM_AWS_RESP_MAX + 256 * 1024)

/* Secrets Manager's exception names, our enum and our own sentence. */
static const struct fault {
	const char *type;
	enum err    err;
	const char *why;
} faults[] = {
	{ "ResourceNotFoundException", ERR_NOT_FOUND,
	  "the secret does not exist (or has no current version)" },
	{ "AccessDeniedException", ERR_FORBIDDEN,
	  "reading the secret is not allowed for these credentials" },
	{ "DecryptionFailure", ERR_FORBIDDEN,
	  "the secret's KMS key cannot be used with these credentials" },
	{ "InvalidRequestException", ERR_NOT_FOUND,
	  "the secret is scheduled for deletion or disabled" },
	{ "InvalidParameterException", ERR_INVALID,
	  "the secret id is not accepted" },
};

/* Printable ASCII only, 1..max bytes: ids and client secrets alike. */
static bool
printable(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

bool
secrets_endpoint(const char *region, char *out, size_t n)
{
	const char *ep = getenv("SECRETSMANAGER_ENDPOINT");
	int w;

	if (ep != NULL && *ep != '\0') {
		if (strncmp(ep, "http://", 7) != 0 &&
		    strncmp(ep, "https://", 8) != 0)
			return false;
		w = snprintf(out, n, "%s", ep);
	} else {
		w = snprintf(out, n, "https://secretsmanager.%s.%s", region,
		    strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" :
		    "amazonaws.com");
	}
	return w > 0 && (size_t)w < n;
}

/* The region field of an ARN ("arn:aws:secretsmanager:REGION:..."). */
static bool
arn_region_is(const char *id, const char *region)
{
	const char *p = id;
	size_t len = strlen(region);
	int i;

	if (strncmp(id, "arn:", 4) != 0)
		return true;            /* a name: the configured region */
	for (i = 0; i < 3; i++) {
		if ((p = strchr(p, ':')) == NULL)
			return false;
		p++;
	}
	return strncmp(p, region, len) == 0 && p[len] == ':';
}

static enum err
map_fault(enum err e, const char *type, const char **why)
{
	size_t i;

	if (e != ERR_UPSTREAM) {
		*why = e == ERR_INTERNAL ? "no AWS credentials to sign with" :
		    "Secrets Manager is unreachable or throttling";
		return e;
	}
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (type != NULL && strcmp(type, faults[i].type) == 0) {
			*why = faults[i].why;
			return faults[i].err;
		}
	*why = "Secrets Manager refused the request";
	return ERR_UPSTREAM;
}

enum err
secrets_get_string(struct aws *aws, struct arena *a, const char *endpoint,
    const char *secret_id, char **out, const char **why)
{
	struct json_object *req, *ans = NULL;
	struct aws_call call;
	struct aws_result res;
	const char *val, *pwhy = NULL;
	size_t len = 0;
	enum err e;

	*out = NULL;
	if (!printable(secret_id, strlen(secret_id), SECRETS_ID_MAX)) {
		*why = "the secret id is empty, too long or not printable";
		return ERR_INVALID;
	}
	if ((req = jx_own(a, json_object_new_object())) == NULL) {
		*why = "out of request memory";
		return ERR_TOO_LARGE;
	}
	json_object_object_add(req, "SecretId",
	    json_object_new_string(secret_id));
	memset(&call, 0, sizeof(call));
	call.endpoint = endpoint;
	call.service = "secretsmanager";
	call.target = SM_TARGET;
	call.content_type = SM_CT;
	call.body = json_object_to_json_string_length(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	call.body_len = len;
	e = aws_json_call(aws, a, &call, &res);
	if (e != ERR_OK) {
		e = map_fault(e, res.error_type, why);
		log_kv(LOG_ERROR, "secretsmanager call refused", "type",
		    res.error_type != NULL ? res.error_type : "-", "error",
		    err_name(e), NULL);
		return e;
	}
	e = jx_parse(a, res.body, res.body_len, LIM_AWS_RESP_MAX,
	    SM_JSON_DEPTH, &ans, &pwhy);
	/* The answer holds the secret: wipe it once parsed. */
	crypt_cleanse((char *)(uintptr_t)res.body, res.body_len);
	if (e != ERR_OK || !json_object_is_type(ans, json_type_object)) {
		*why = "Secrets Manager gave an unexpected answer";
		return ERR_UPSTREAM;
	}
	val = jx_str(ans, "SecretString", &len);
	if (val == NULL) {
		*why = "the secret has no string value (binary secrets are "
		    "not supported)";
		return ERR_INVALID;
	}
	if (!printable(val, len, SECRETS_VALUE_MAX)) {
		*why = "the secret value is not a client secret (printable, "
		    "no spaces, at most 512 bytes)";
		e = ERR_INVALID;
	} else {
		*out = xstrdup(val);
	}
	/* json-c's copy too, before the arena releases the tree. */
	crypt_cleanse((char *)(uintptr_t)val, len);
	return e;
}

bool
secrets_load_client_secret(struct aws *aws, struct config *cfg)
{
	const char *arn = getenv("COGNITO_CLIENT_SECRET_ARN");
	const char *why = NULL;
	char endpoint[512];
	struct arena *a;
	char *secret = NULL;
	enum err e;

	if (arn == NULL || *arn == '\0')
		return true;
	if (!arn_region_is(arn, cfg->region)) {
		log_kv(LOG_ERROR, "COGNITO_CLIENT_SECRET_ARN names another "
		    "region than AWS_DEFAULT_REGION; refusing to start",
		    "region", cfg->region, NULL);
		return false;
	}
	if (!secrets_endpoint(cfg->region, endpoint, sizeof(endpoint))) {
		log_kv(LOG_ERROR, "SECRETSMANAGER_ENDPOINT is not an http(s) "
		    "URL; refusing to start", NULL);
		return false;
	}
	if (cfg->client_secret != NULL && cfg->client_secret[0] != '\0')
		log_kv(LOG_WARN, "both COGNITO_CLIENT_SECRET and "
		    "COGNITO_CLIENT_SECRET_ARN are set; using the ARN", NULL);
	a = arena_new(SM_ARENA_MAX);
	e = secrets_get_string(aws, a, endpoint, arn, &secret, &why);
	arena_free(a);
	if (e != ERR_OK) {
		log_kv(LOG_ERROR, "cannot read the Cognito client secret from "
		    "Secrets Manager; refusing to start", "why", why, "error",
		    err_name(e), NULL);
		return false;
	}
	if (cfg->client_secret != NULL) {
		crypt_cleanse(cfg->client_secret, strlen(cfg->client_secret));
		free(cfg->client_secret);
	}
	/* Ownership moves to cfg: config_free wipes and frees it. */
	cfg->client_secret = secret;
	log_kv(LOG_INFO, "Cognito client secret read from Secrets Manager",
	    NULL);
	return true;
}
