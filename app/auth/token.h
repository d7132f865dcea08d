/*
 * token.h - verification of Cognito JWTs (RFC 7515 JWS, RFC 7519 JWT).
 *
 * token_verify is the gate of every authenticated request and of
 * growvrdctl verify-token.  It is strict first and cryptographic second:
 * the size, the three base64url parts and the header (alg exactly RS256,
 * a kid of our JWKS, typ absent or "JWT", no crit, nothing else) are
 * checked before any key is touched; then the RS256 signature is
 * verified over the first two parts with the one key the kid names
 * (jwks_verify: OpenSSL's EVP_DigestVerify, set up once per key when the
 * JWKS was loaded);
 * then the claims, parsed once with json-c (issuer,
 * token_use, client, times with TOKEN_LEEWAY_SECS, types of every claim
 * we read).  Its bar is awslabs/aws-jwt-verify, and it is stricter:
 * duplicate member names, ill-typed claims, padded or sloppy base64 and
 * short keys are all refused.  Every refusal gives a static reason.
 *
 * A token that verified is remembered in cfg->cache (auth/tcache.h),
 * keyed by its SHA-256, until its exp: the same bytes presented again
 * cost a hash and a lookup.  A cache hit is exactly as strict as the
 * full check was, and never outlives the token.  The caller
 * passes the time (token_now() in the product, a fixed value in tests)
 * so workers, growvrdctl and tests share one clock rule.
 *
 * Ownership: the principal and the claims tree live in the arena given
 * to token_verify (see auth/principal.h); the token text is borrowed.
 * The struct token_config and its jwks belong to the caller (worker
 * lifetime).
 */
#ifndef GROWVRD_TOKEN_H
#define GROWVRD_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "auth/principal.h"
#include "core/err.h"

#define TOKEN_LEEWAY_SECS   60               /* clock skew allowed */
#define TOKEN_JSON_DEPTH    8                /* header and payload */
#define TOKEN_TIME_MAX      ((int64_t)1 << 40) /* exp, iat, nbf bound */
#define TOKEN_GROUPS_MAX    100              /* cognito:groups items */

struct arena;
struct jwks;
struct tcache;

struct token_config {
	const char  *issuer;     /* exact "iss", e.g. https://cognito-idp.
	                            <region>.amazonaws.com/<pool id> */
	const char  *client_id;  /* our app client id */
	struct jwks *jwks;       /* the worker's key cache */
	struct tcache *cache;    /* verified tokens (auth/tcache.h); NULL:
	                            every token is checked in full */
};

/* token_now - the current time in seconds since the epoch. */
int64_t token_now(void);

/*
 * token_use_parse - "access", "id" or "any" to its enum; false for
 * anything else.
 */
bool token_use_parse(const char *s, enum token_use *out);

/* token_use_name - "access", "id", "any" (static). */
const char *token_use_name(enum token_use u);

/*
 * token_verify - verify token[0..len) against cfg at time now, requiring
 * token_use use (TOKEN_USE_ANY accepts access and ID tokens).
 *
 * On success returns ERR_OK and fills *p; when claims is not NULL,
 * *claims is the whole verified payload (read-only, arena-owned), and
 * the cache is not consulted (it keeps no claims tree).
 * Otherwise *p is zeroed and *why is a static sentence naming the
 * refusal; the return is ERR_UNAUTHENTICATED for any bad token,
 * ERR_UNAVAILABLE when no signing key could be loaded at all,
 * ERR_TOO_LARGE when arena a is out of room, ERR_INTERNAL when a
 * library fails.  The token is never logged here.
 */
enum err token_verify(const struct token_config *cfg, struct arena *a,
    const char *token, size_t len, enum token_use use, int64_t now,
    struct principal *p, struct json_object **claims, const char **why);

#endif
