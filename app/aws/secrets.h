/*
 * secrets.h - the Cognito app client's secret from AWS Secrets Manager.
 *
 * A worker takes the client secret from COGNITO_CLIENT_SECRET, or, when
 * COGNITO_CLIENT_SECRET_ARN is set, reads it once at start with
 * secretsmanager.GetSecretValue (JSON 1.1, SigV4 through aws_json_call:
 * the same credential chain as DynamoDB, so on EC2 the instance role,
 * whose policy allows reading that one secret).  The secret's
 * SecretString is the client secret itself, as scripts/provision stores
 * it.  The endpoint is https://secretsmanager.<region>.<domain> for the
 * configured region, or SECRETSMANAGER_ENDPOINT when set (emulators,
 * tests); an ARN naming another region is refused.
 *
 * Ownership: the secret ends up in cfg->client_secret (worker memory,
 * wiped by config_free).  The answer's bytes are wiped in the temporary
 * arena and in the parsed tree before they are released; copies inside
 * libcurl's buffers are beyond reach.
 */
#ifndef GROWVRD_SECRETS_H
#define GROWVRD_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct arena;
struct aws;
struct config;

#define SECRETS_ID_MAX      2048    /* Secrets Manager's SecretId bound */
#define SECRETS_VALUE_MAX   512     /* a client secret is 51 characters */

/*
 * secrets_get_string - GetSecretValue of secret_id at endpoint: the
 * SecretString, 1..SECRETS_VALUE_MAX printable ASCII bytes, copied into
 * *out (malloc'd; the caller wipes and frees it).  Returns ERR_OK;
 * ERR_NOT_FOUND when there is no such secret (or no current version);
 * ERR_FORBIDDEN when access is denied; ERR_INVALID for a binary or
 * ill-formed value; otherwise what aws_json_call returned.  *why is a
 * static sentence of ours on failure (never the service's text).
 */
enum err secrets_get_string(struct aws *aws, struct arena *a,
    const char *endpoint, const char *secret_id, char **out,
    const char **why);

/*
 * secrets_endpoint - the Secrets Manager endpoint for region into
 * out[0..n): SECRETSMANAGER_ENDPOINT when set, else derived (amazonaws.com,
 * or amazonaws.com.cn for cn- regions).  False when it does not fit.
 */
bool secrets_endpoint(const char *region, char *out, size_t n);

/*
 * secrets_load_client_secret - when COGNITO_CLIENT_SECRET_ARN is set and
 * not empty, replace cfg->client_secret with the secret read from
 * Secrets Manager (a COGNITO_CLIENT_SECRET also set is ignored, with a
 * warning).  Returns true (also when there is nothing to do), or false,
 * logged, when the secret cannot be had: the worker must not start.
 */
bool secrets_load_client_secret(struct aws *aws, struct config *cfg);

#endif
