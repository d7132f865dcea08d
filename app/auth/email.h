/*
 * email.h - the caller's verified email: the key of their Users item.
 *
 * API.md "Sessions": a Users item is keyed only by an email its holder
 * verified, read from an authoritative source, never from the token
 * alone (cognito-local's ID tokens get email_verified wrong, and a
 * user could otherwise put someone else's address into their own next
 * token).  email_resolve asks Cognito (AdminGetUser by the token's sub;
 * its stored attributes are right on AWS and on cognito-local) once per
 * sub and keeps the answer, email and whether it is verified, in a
 * small worker-lifetime cache, so most requests cost no call.  The
 * cache holds at most EMAIL_CACHE_SLOTS entries (open addressing over
 * EMAIL_CACHE_PROBE neighbouring slots; a full neighbourhood evicts its
 * oldest entry); a verified answer lives EMAIL_CACHE_TTL seconds, an
 * unverified one EMAIL_CACHE_UNVERIFIED_TTL, on the monotonic clock.
 * A change of email shows after at most that long (the pool holds an
 * email change until it is verified, so the old address stays the
 * holder's meanwhile).
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
#define EMAIL_CACHE_TTL   600     /* seconds, verified answers */
#define EMAIL_CACHE_UNVERIFIED_TTL 30  /* seconds, unverified ones */

#include <stdbool.h>

struct arena;
struct cog;
struct email_cache;

/* email_cache_new - an empty cache (worker memory). */
struct email_cache *email_cache_new(void);

/* email_cache_free - release.  NULL is a no-op. */
void email_cache_free(struct email_cache *c);

/*
 * email_cache_get - the email cached for sub at time now (seconds of
 * the monotonic clock; email_cache_now()), or NULL when absent or
 * expired; *verified (when not NULL) whether it is verified.  The
 * pointer is valid until the next put, drop or free.
 */
const char *email_cache_get(struct email_cache *c, const char *sub,
    int64_t now, bool *verified);

/*
 * email_cache_put - remember sub -> email (copied) and verified, until
 * now + EMAIL_CACHE_TTL (EMAIL_CACHE_UNVERIFIED_TTL when not verified),
 * replacing an older entry of sub.  Overlong values (sub past 128
 * bytes, email past 254) are not cached.  NULL c is a no-op.
 */
void email_cache_put(struct email_cache *c, const char *sub,
    const char *email, bool verified, int64_t now);

/* email_cache_drop - forget sub (its account changed or is gone). */
void email_cache_drop(struct email_cache *c, const char *sub);

/* email_cache_now - the cache's clock: monotonic seconds. */
int64_t email_cache_now(void);

/*
 * email_resolve - *email = the verified email of the user sub (an arena
 * copy), from the cache or from AdminGetUser through g (whose "sub"
 * attribute must be sub).  Returns ERR_OK; ERR_FORBIDDEN when the
 * account's email is not verified (or it has none); ERR_UNAUTHENTICATED
 * when the user no longer exists; ERR_TOO_LARGE past the arena's cap;
 * ERR_UNAVAILABLE when Cognito is down or answers something unusable.
 */
enum err email_resolve(struct email_cache *c, const struct cog *g,
    struct arena *a, const char *sub, const char **email);

#endif
