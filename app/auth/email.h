/*
 * email.h - the caller's email for access tokens, which carry none.
 *
 * An ID token names the email; an access token names only sub and
 * username.  email_resolve asks Cognito (GetUser with the access token,
 * the "email" attribute of UserAttributes) once per sub and keeps the
 * answer in a small worker-lifetime cache, so most requests cost no
 * call.  The cache holds at most EMAIL_CACHE_SLOTS entries (open
 * addressing over EMAIL_CACHE_PROBE neighbouring slots; a full
 * neighbourhood evicts its oldest entry) and each entry lives
 * EMAIL_CACHE_TTL seconds on the monotonic clock: an email changed in
 * Cognito shows after at most that long.  A successful login also
 * stores the sub and email of its verified ID token (email_cache_put).
 *
 * Ownership: the cache and its strings are worker memory (xmalloc),
 * never pointing into an arena; what email_resolve hands out is an arena
 * copy.  Workers are single-threaded: the cache has no lock.
 */
#ifndef GROWVRD_EMAIL_H
#define GROWVRD_EMAIL_H

#include <stdint.h>

#include "core/err.h"

#define EMAIL_CACHE_SLOTS 1024
#define EMAIL_CACHE_PROBE 8
#define EMAIL_CACHE_TTL   600     /* seconds */

struct app;
struct arena;
struct principal;
struct email_cache;

/* email_cache_new - an empty cache (worker memory). */
struct email_cache *email_cache_new(void);

/* email_cache_free - release.  NULL is a no-op. */
void email_cache_free(struct email_cache *c);

/*
 * email_cache_get - the email cached for sub at time now (seconds of
 * the monotonic clock; email_cache_now()), or NULL when absent or
 * expired.  The pointer is valid until the next put or free.
 */
const char *email_cache_get(struct email_cache *c, const char *sub,
    int64_t now);

/*
 * email_cache_put - remember sub -> email (copied) until now +
 * EMAIL_CACHE_TTL, replacing an older entry of sub.  Overlong values
 * (sub past 128 bytes, email past 254) are not cached.  NULL c is a
 * no-op.
 */
void email_cache_put(struct email_cache *c, const char *sub,
    const char *email, int64_t now);

/* email_cache_now - the cache's clock: monotonic seconds. */
int64_t email_cache_now(void);

/*
 * email_resolve - fill p->email (an arena copy) for an access token,
 * from the cache or from GetUser (whose "sub" attribute must be p->sub).
 * Returns ERR_OK, ERR_UNAUTHENTICATED when Cognito refuses the token
 * (revoked, or the user is gone), ERR_UNSUPPORTED where the provider
 * lacks GetUser, ERR_TOO_LARGE past the arena's cap, or ERR_UNAVAILABLE
 * (Cognito down or answering something unusable).
 */
enum err email_resolve(struct app *app, struct arena *a, struct principal *p,
    const char *access_token);

#endif
