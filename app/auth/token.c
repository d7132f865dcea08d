#include "auth/token.h"

#include <string.h>
#include <time.h>

#include "auth/jwks.h"
#include "auth/tcache.h"
#include "auth/token_claims.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/str.h"
#include "json/jx.h"

/* The three parts of a token and what has been made of them so far. */
struct tok {
	const char            *part[3];  /* header, payload, signature */
	size_t                 plen[3];
	struct buf             hdr, pay, sig;  /* decoded parts (heap) */
	struct json_object    *header;   /* arena-owned */
	struct json_object    *claims;   /* arena-owned */
	const char            *kid;      /* in header */
	size_t                 kidlen;
	const struct jwks_key *key;      /* in the jwks cache */
};

static const char *const use_names[TOKEN_USE__MAX] = {
	"access",  /* TOKEN_USE_ACCESS */
	"id",      /* TOKEN_USE_ID */
	"any",     /* TOKEN_USE_ANY */
};

int64_t
token_now(void)
{
	return (int64_t)time(NULL);
}

bool
token_use_parse(const char *s, enum token_use *out)
{
	int u;

	for (u = 0; u < TOKEN_USE__MAX; u++)
		if (strcmp(s, use_names[u]) == 0) {
			*out = (enum token_use)u;
			return true;
		}
	return false;
}

const char *
token_use_name(enum token_use u)
{
	if ((unsigned)u >= TOKEN_USE__MAX)
		return "unknown";
	return use_names[u];
}

/*
 * RFC 7515 §7.1 compact serialization: exactly three non-empty parts
 * separated by '.', within LIM_TOKEN_MAX bytes.
 */
static enum err
split(const char *s, size_t n, struct tok *t, const char **why)
{
	size_t i, k = 0, start = 0;

	if (s == NULL || n == 0) {
		*why = "the token is empty";
		return ERR_UNAUTHENTICATED;
	}
	if (n > LIM_TOKEN_MAX) {
		*why = "the token is too large";
		return ERR_UNAUTHENTICATED;
	}
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (k == 3 || i == start) {
			*why = "the token is not three non-empty dot-separated "
			    "parts";
			return ERR_UNAUTHENTICATED;
		}
		t->part[k] = s + start;
		t->plen[k] = i - start;
		k++;
		start = i + 1;
	}
	if (k != 3) {
		*why = "the token is not three non-empty dot-separated parts";
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

static void
put_cb(void *o)
{
	json_object_put(o);
}

/*
 * Parse the decoded part b as strict JSON that must be an object, and
 * give the tree to arena a.  bad is the reason for any refusal.
 */
static enum err
parse_object(struct arena *a, const struct buf *b, struct json_object **out,
    const char *bad, const char **why)
{
	struct json_object *o;
	const char *jwhy;

	if (jx_parse(NULL, buf_cstr(b), b->len, LIM_TOKEN_MAX,
	    TOKEN_JSON_DEPTH, &o, &jwhy) != ERR_OK) {
		*why = bad;
		return ERR_UNAUTHENTICATED;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*why = bad;
		return ERR_UNAUTHENTICATED;
	}
	/* The arena takes the reference, or drops it at once when full. */
	if (arena_defer(a, put_cb, o) != 0) {
		*why = "the request is out of memory";
		return ERR_TOO_LARGE;
	}
	*out = o;
	return ERR_OK;
}

static enum err
read_header(struct arena *a, struct tok *t, const char **why)
{
	if (!str_b64url_decode(&t->hdr, t->part[0], t->plen[0])) {
		*why = "the token header is not strict base64url";
		return ERR_UNAUTHENTICATED;
	}
	return parse_object(a, &t->hdr, &t->header,
	    "the token header is not a strict JSON object", why);
}

/*
 * RFC 7515 §4.1: alg pinned to RS256 before anything else (a library
 * that takes the alg from the header would accept HS256 with the public
 * key as the secret, or "none"); crit refused
 * (§4.1.11: we understand no extension); typ absent or "JWT" (RFC 7519
 * §5.1); no other member (no jku, jwk, x5u, x5c, cty, b64); kid a
 * string of 1..JWKS_KID_MAX bytes.
 */
static enum err
check_header(struct tok *t, const char **why)
{
	struct json_object *h = t->header;
	const char *s;

	s = jx_str(h, "alg", NULL);
	if (s == NULL || strcmp(s, "RS256") != 0) {
		*why = "the token alg is not RS256";
		return ERR_UNAUTHENTICATED;
	}
	if (jx_get(h, "crit") != NULL) {
		*why = "the token header has crit";
		return ERR_UNAUTHENTICATED;
	}
	if (jx_get(h, "typ") != NULL &&
	    ((s = jx_str(h, "typ", NULL)) == NULL || strcmp(s, "JWT") != 0)) {
		*why = "the token typ is not JWT";
		return ERR_UNAUTHENTICATED;
	}
	{
		json_object_object_foreach(h, name, val) {
			(void)val;
			if (strcmp(name, "alg") != 0 && strcmp(name, "kid") != 0 &&
			    strcmp(name, "typ") != 0) {
				*why = "the token header has a member other than "
				    "alg, kid and typ";
				return ERR_UNAUTHENTICATED;
			}
		}
	}
	t->kid = jx_str(h, "kid", &t->kidlen);
	if (t->kid == NULL || t->kidlen == 0 || t->kidlen > JWKS_KID_MAX) {
		*why = "the token header has no valid kid";
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

static enum err
decode_rest(struct tok *t, const char **why)
{
	if (!str_b64url_decode(&t->pay, t->part[1], t->plen[1])) {
		*why = "the token payload is not strict base64url";
		return ERR_UNAUTHENTICATED;
	}
	if (!str_b64url_decode(&t->sig, t->part[2], t->plen[2])) {
		*why = "the token signature is not strict base64url";
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

static enum err
find_key(const struct token_config *cfg, struct tok *t, int64_t now,
    const char **why)
{
	enum err e = jwks_find(cfg->jwks, t->kid, t->kidlen, now, &t->key,
	    why);

	if (e == ERR_OK || e == ERR_UNAVAILABLE)
		return e;
	return ERR_UNAUTHENTICATED;
}

/*
 * RFC 7515 §5.2 step 8 with RFC 7518 §3.3: the RS256 signature
 * (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 §8.2.2) over the ASCII of
 * the first two parts as they appear, with the one key the kid names
 * (jwks_verify).  The signature must be as long as the modulus (§8.2.2 step 1).
 */
static enum err
verify_signature(struct tok *t, const char *token, const char **why)
{
	if (t->sig.len != t->key->mod_len) {
		*why = "the token signature has the wrong length";
		return ERR_UNAUTHENTICATED;
	}
	if (!jwks_verify(t->key, token, t->plen[0] + 1 + t->plen[1],
	    t->sig.data, t->sig.len)) {
		*why = "the token signature does not verify";
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

/*
 * The full check of a token not found in the cache (or when the caller
 * wants the claims tree).
 */
static enum err
verify_full(const struct token_config *cfg, struct arena *a,
    const char *token, size_t len, enum token_use use, int64_t now,
    struct principal *p, struct json_object **claims, const char **why)
{
	struct tok t;
	enum token_use tu = TOKEN_USE_ANY;
	enum err e;

	memset(&t, 0, sizeof(t));
	buf_init(&t.hdr, LIM_TOKEN_MAX);
	buf_init(&t.pay, LIM_TOKEN_MAX);
	buf_init(&t.sig, LIM_TOKEN_MAX);
	/* Each step runs only while all before it succeeded. */
	e = split(token, len, &t, why);
	if (e == ERR_OK)
		e = read_header(a, &t, why);
	if (e == ERR_OK)
		e = check_header(&t, why);
	if (e == ERR_OK)
		e = decode_rest(&t, why);
	if (e == ERR_OK)
		e = find_key(cfg, &t, now, why);
	/*
	 * The payload is parsed once (strictly, bounded) before the
	 * signature is checked; nothing in it is trusted until the
	 * signature has verified.
	 */
	if (e == ERR_OK)
		e = parse_object(a, &t.pay, &t.claims,
		    "the token payload is not a strict JSON object", why);
	if (e == ERR_OK)
		e = verify_signature(&t, token, why);
	if (e == ERR_OK)
		e = token_check_claims(cfg, t.claims, use, now, &tu, why);
	if (e == ERR_OK)
		e = token_fill_principal(cfg, a, t.claims, tu, p, why);
	buf_free(&t.hdr);
	buf_free(&t.pay);
	buf_free(&t.sig);
	if (e == ERR_OK && claims != NULL)
		*claims = t.claims;
	return e;
}

enum err
token_verify(const struct token_config *cfg, struct arena *a,
    const char *token, size_t len, enum token_use use, int64_t now,
    struct principal *p, struct json_object **claims, const char **why)
{
	unsigned char key[TCACHE_KEY_LEN];
	bool keyed = false;
	enum err e;

	memset(p, 0, sizeof(*p));
	if (claims != NULL)
		*claims = NULL;
	if (cfg == NULL || cfg->issuer == NULL || cfg->client_id == NULL ||
	    cfg->jwks == NULL || a == NULL || (unsigned)use >= TOKEN_USE__MAX) {
		*why = "the token verifier is not configured";
		return ERR_INTERNAL;
	}
	/*
	 * A token verified before (same bytes, same worker) and not yet
	 * expired skips every step but the hash; the claims tree is only
	 * made by the full check.
	 */
	if (cfg->cache != NULL && claims == NULL && token != NULL &&
	    len > 0 && len <= LIM_TOKEN_MAX) {
		keyed = tcache_key(token, len, key);
		if (keyed) {
			e = tcache_get(cfg->cache, key, use, now, a, p, why);
			if (e != ERR_NOT_FOUND) {
				if (e == ERR_OK)
					p->client_id = cfg->client_id;
				else
					memset(p, 0, sizeof(*p));
				return e;
			}
		}
	}
	e = verify_full(cfg, a, token, len, use, now, p, claims, why);
	if (e != ERR_OK) {
		memset(p, 0, sizeof(*p));
		return e;
	}
	if (keyed)
		tcache_put(cfg->cache, key, p);
	return ERR_OK;
}
