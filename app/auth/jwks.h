/*
 * jwks.h - the worker's cache of Cognito signing keys (RFC 7517 JWKS).
 *
 * A struct jwks holds the RSA public keys of the user pool, each turned
 * once, at load time, into an OpenSSL EVP_PKEY (checked with
 * EVP_PKEY_public_check), so no request ever parses or rebuilds a key.  The set is loaded at start
 * (jwks_refresh) and fetched again when a token names an unknown kid,
 * at most once per JWKS_REFETCH_SECS (a miss is remembered for that
 * long), or per JWKS_RETRY_SECS while the last fetch failed: a worker
 * that started during an outage, with no key, or one that cannot
 * confirm a new kid of a rotation, answers 503 meanwhile and serves
 * again within seconds of the endpoint's return.  A document that fails to
 * fetch, is too large or is ill-formed never replaces the keys already
 * held, so an outage of the endpoint keeps known keys working, and a
 * rotation is picked up without a restart.
 *
 * Fetching is one small function behind a pointer (jwks_fetch_http over
 * net/httpc by default); tests inject their own, and growvrdctl loads a
 * file instead.  Keys that the document lists but we cannot use (not
 * RSA, not for signatures, another alg, under 2048 bits, private parts)
 * are kept with the reason, so a token naming them gets that reason.
 *
 * Ownership: the cache is worker-lifetime memory (xmalloc), never in an
 * arena, released by jwks_free.  A key returned by jwks_find stays valid
 * until the next load replaces the set (the next jwks_find, jwks_refresh
 * or jwks_load_* call on the same cache).
 */
#ifndef GROWVRD_JWKS_H
#define GROWVRD_JWKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define JWKS_REFETCH_SECS   30      /* at most one fetch per this */
#define JWKS_RETRY_SECS     2       /* ... or this after a failed one */
#define JWKS_KEYS_MAX       16      /* keys in one document */
#define JWKS_KID_MAX        128     /* bytes of a kid */
#define JWKS_RSA_MIN_BITS   2048    /* smaller moduli are refused */
#define JWKS_RSA_MAX_BITS   8192    /* larger ones too (verify cost) */
#define JWKS_JSON_DEPTH     8       /* {"keys":[{"key_ops":[..]}]} is 4 */

struct httpc;
struct jwks;
struct evp_pkey_st;
struct evp_md_ctx_st;

/* One key of the set.  Read-only for callers. */
struct jwks_key {
	char       *kid;
	struct evp_pkey_st *pkey; /* the RSA public key (EVP_PKEY); NULL
	                          when the key is unusable */
	struct evp_md_ctx_st *verify; /* RS256 verification set up for pkey
	                          (EVP_DigestVerifyInit, once): copy it,
	                          never use it directly */
	size_t      mod_len;   /* modulus bytes = an RS256 signature's size */
	int         bits;      /* modulus bits */
	const char *unusable;  /* NULL, or a static reason */
};

/*
 * A fetch function: GET url and append the body to out (initialised by
 * the caller with maximum LIM_JWKS_MAX; the caller frees it whatever
 * happens).  Returns ERR_OK only for a complete 200 answer; otherwise
 * an error with a static reason in *why.
 */
typedef enum err (*jwks_fetch_fn)(void *ctx, const char *url,
    struct buf *out, const char **why);

/*
 * jwks_new - an empty cache.  url may be NULL (no fetching: keys come
 * only from jwks_load_text / jwks_load_file); fetch NULL with a url
 * means jwks_fetch_http with ctx a struct httpc *.  url is copied;
 * ctx is borrowed and must outlive the cache.  Free with jwks_free.
 */
struct jwks *jwks_new(const char *url, jwks_fetch_fn fetch, void *ctx);

/* jwks_free - release the cache and every key.  NULL is a no-op. */
void jwks_free(struct jwks *j);

/*
 * jwks_load_text - replace the keys by the JWKS document text[0..len).
 * The document must be at most LIM_JWKS_MAX bytes of strict JSON, an
 * object whose "keys" is an array of 1..JWKS_KEYS_MAX objects, kids
 * strings of 1..JWKS_KID_MAX bytes and unique, with at least one usable
 * RSA signing key.  Entries without a kid are ignored.  Returns ERR_OK,
 * or ERR_TOO_LARGE / ERR_INVALID with a static reason in *why, in which
 * case the keys held before are kept.
 */
enum err jwks_load_text(struct jwks *j, const char *text, size_t len,
    const char **why);

/*
 * jwks_load_file - jwks_load_text on the contents of the file at path
 * (growvrdctl).  ERR_UNAVAILABLE when it cannot be read.
 */
enum err jwks_load_file(struct jwks *j, const char *path,
    const char **why);

/*
 * jwks_refresh - fetch the document now and load it, unless a fetch was
 * attempted less than JWKS_REFETCH_SECS before now, JWKS_RETRY_SECS if
 * it failed (then ERR_THROTTLED).
 * For the start of a worker and for readiness checks.  ERR_UNSUPPORTED
 * when the cache has no url.  On failure the keys held are kept.
 */
enum err jwks_refresh(struct jwks *j, int64_t now, const char **why);

/*
 * jwks_find - the usable key named kid[0..kid_len).  On a miss, fetches
 * the document again if the rate limit allows (see jwks_refresh) and
 * looks again.  Returns ERR_OK and *key; ERR_INVALID when the kid names
 * a key we cannot use (*why says why); ERR_NOT_FOUND for an unknown
 * kid of a document fetched fine; ERR_UNAVAILABLE when no key at all
 * could be loaded yet, or the kid is unknown while the last fetch
 * attempt failed (it may be a rotated-in key we cannot see).
 */
enum err jwks_find(struct jwks *j, const char *kid, size_t kid_len,
    int64_t now, const struct jwks_key **key, const char **why);

/*
 * jwks_verify - whether sig[0..siglen) is the RS256 signature
 * (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 §8.2.2) of msg[0..n) under
 * the usable key k.  The one place that runs the cryptography of a
 * token, from the context jwks set up for k at load time.
 */
bool jwks_verify(const struct jwks_key *k, const void *msg, size_t n,
    const void *sig, size_t siglen);

/* jwks_count - number of keys held (usable or not). */
size_t jwks_count(const struct jwks *j);

/* jwks_fetches - number of fetch attempts so far (tests, readiness). */
unsigned long jwks_fetches(const struct jwks *j);

/*
 * jwks_ready - keys are held and the last fetch attempt, if any, worked
 * (for /readyz: call jwks_refresh first; ERR_THROTTLED from it just
 * means "ask jwks_ready about the last attempt").
 */
bool jwks_ready(const struct jwks *j);

/*
 * jwks_fetch_http - the default fetch function: GET url through the
 * struct httpc * ctx, with short timeouts and LIM_JWKS_MAX as the
 * largest answer; anything but status 200 is an error.
 */
enum err jwks_fetch_http(void *ctx, const char *url, struct buf *out,
    const char **why);

#endif
