/*
 * creds.h - AWS credentials from the default chain.
 *
 * Looks for credentials in the order of the AWS SDKs' default chain:
 * (1) the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN); (2) the ECS/EKS container endpoint
 * (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI below http://169.254.170.2, or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI on a loopback or container address
 * or over https, with AWS_CONTAINER_AUTHORIZATION_TOKEN as
 * Authorization header); (3) the
 * EC2 instance role through IMDSv2 (a PUT for a session token, then the
 * role name and its credentials; AWS_EC2_METADATA_SERVICE_ENDPOINT,
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6 and
 * AWS_EC2_METADATA_DISABLED=true are honoured).  When the container
 * endpoint is configured it is authoritative: its failure does not fall
 * through to the instance role.  Each step has 1 s timeouts.
 *
 * Temporary credentials are refreshed once less than
 * CREDS_REFRESH_WINDOW seconds remain; when a refresh fails, credentials
 * that have not expired yet stay in use.  After a failed refresh the
 * chain is not tried again for CREDS_RETRY_HOLDOFF seconds.
 *
 * Ownership: the provider is worker-lifetime; it borrows the HTTP client
 * and owns copies of the secrets, which it wipes (crypt_cleanse, that
 * is OPENSSL_cleanse) when they are replaced or freed, as it wipes the
 * answers they came in.  Secrets never reach the log.  Not
 * thread-safe: one provider per worker.
 */
#ifndef GROWVRD_CREDS_H
#define GROWVRD_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/sigv4.h"
#include "core/err.h"

#define CREDS_REFRESH_WINDOW 300    /* seconds before Expiration */
#define CREDS_RETRY_HOLDOFF  5      /* seconds between failed refreshes */
#define CREDS_TIMEOUT_MS     1000L  /* connect and total, per request */

struct httpc;
struct creds_provider;

enum creds_source {
	CREDS_NONE,     /* CREDS_NONE: nothing loaded yet */
	CREDS_ENV,      /* CREDS_ENV */
	CREDS_ECS,      /* CREDS_ECS */
	CREDS_IMDS,     /* CREDS_IMDS */
	CREDS__MAX
};

/*
 * creds_new - a provider that fetches through http (borrowed; it must
 * outlive the provider).  Nothing is fetched until creds_get.
 */
struct creds_provider *creds_new(struct httpc *http);

/* creds_free - wipe the secrets and release.  NULL is a no-op. */
void creds_free(struct creds_provider *p);

/*
 * creds_get - credentials valid at time now (injectable for tests; pass
 * time(NULL)), refreshing through the chain when none are loaded or
 * fewer than CREDS_REFRESH_WINDOW seconds remain.  Returns ERR_OK and
 * fills out, whose strings belong to the provider and stay valid until
 * the next creds_get or creds_free (session_token is NULL when there is
 * none); ERR_UNAVAILABLE when the chain gave nothing usable (logged).
 */
enum err creds_get(struct creds_provider *p, time_t now,
    struct sigv4_creds *out);

/*
 * creds_invalidate - AWS refused the current credentials as expired
 * (ExpiredToken): forget them, so that the next creds_get walks the
 * chain at once instead of waiting for their stated expiration.
 */
void creds_invalidate(struct creds_provider *p);

/* creds_source - where the current credentials came from. */
enum creds_source creds_source(const struct creds_provider *p);

/* creds_source_name - "none", "env", "ecs" or "imds". */
const char *creds_source_name(enum creds_source s);

/* creds_expiration - when the current credentials expire; 0 = never. */
time_t creds_expiration(const struct creds_provider *p);

/* creds_set_timeout_ms - per-request timeouts of the chain (tests). */
void creds_set_timeout_ms(struct creds_provider *p, long ms);

/*
 * creds_set_ecs_base - replace "http://169.254.170.2", the base of
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (tests; copied).
 */
void creds_set_ecs_base(struct creds_provider *p, const char *base);

/*
 * creds_parse_time - parse an RFC 3339 date-time s[0..n)
 * ("2026-11-25T17:30:00Z", optional fraction, "Z" or a +hh:mm/-hh:mm
 * offset) into *out.  Strict: every field in range, nothing else.
 */
bool creds_parse_time(const char *s, size_t n, time_t *out);

#endif
