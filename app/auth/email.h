/*
 * email.h - the caller's email for access tokens, which carry none.
 *
 * An ID token names the email; an access token names only sub and
 * username.  email_resolve asks Cognito (GetUser with the access token)
 * once per sub and keeps the answer in a small worker-lifetime cache with
 * a TTL, so most requests cost no call.
 */
#ifndef GROWVRD_EMAIL_H
#define GROWVRD_EMAIL_H

#include "core/err.h"

struct app;
struct arena;
struct principal;
struct email_cache;

/* email_cache_new - an empty cache (worker memory). */
struct email_cache *email_cache_new(void);

/* email_cache_free - release.  NULL is a no-op. */
void email_cache_free(struct email_cache *c);

/*
 * email_resolve - fill p->email (an arena copy) for an access token.
 * Returns ERR_OK, ERR_UNAUTHENTICATED when Cognito refuses the token, or
 * ERR_UNAVAILABLE.
 */
enum err email_resolve(struct app *app, struct arena *a, struct principal *p,
    const char *access_token);

#endif
