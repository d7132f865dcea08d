#include "auth/jwks.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "json/jx.h"
#include "net/httpc.h"

#define JWKS_E_MAX_BYTES  4     /* public exponents below 2^32 */
#define JWKS_CONNECT_MS   1000
#define JWKS_TIMEOUT_MS   3000

struct jwks {
	char            *url;       /* NULL: no fetching */
	jwks_fetch_fn    fetch;
	void            *ctx;
	struct jwks_key *keys;
	size_t           nkeys;
	bool             attempted; /* a fetch was tried at last_attempt */
	bool             last_failed; /* ... and it failed */
	int64_t          last_attempt;
	unsigned long    fetches;
};

struct jwks *
jwks_new(const char *url, jwks_fetch_fn fetch, void *ctx)
{
	struct jwks *j = xcalloc(1, sizeof(*j));

	j->url = url != NULL ? xstrdup(url) : NULL;
	j->fetch = fetch != NULL ? fetch : jwks_fetch_http;
	j->ctx = ctx;
	return j;
}

static void
free_keys(struct jwks_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(keys[i].kid);
		EVP_MD_CTX_free(keys[i].verify);
		EVP_PKEY_free(keys[i].pkey);
	}
	free(keys);
}

void
jwks_free(struct jwks *j)
{
	if (j == NULL)
		return;
	free_keys(j->keys, j->nkeys);
	free(j->url);
	free(j);
}

size_t
jwks_count(const struct jwks *j)
{
	return j->nkeys;
}

unsigned long
jwks_fetches(const struct jwks *j)
{
	return j->fetches;
}

bool
jwks_ready(const struct jwks *j)
{
	return j->nkeys > 0 && !j->last_failed;
}

/*
 * Decode a Base64urlUInt (RFC 7518 §2): strict base64url, at least one
 * octet, and the minimum number of octets (no leading zero).
 */
static bool
decode_uint(struct buf *out, const char *s, size_t n)
{
	if (n == 0 || !str_b64url_decode(out, s, n) || out->len == 0)
		return false;
	return (unsigned char)out->data[0] != 0;
}

/* Significant bits of a big-endian unsigned integer without leading 0. */
static int
uint_bits(const unsigned char *p, size_t n)
{
	int bits = (int)n * 8;
	unsigned char c = p[0];

	while ((c & 0x80) == 0) {
		bits--;
		c = (unsigned char)(c << 1);
	}
	return bits;
}

/*
 * Check the modulus and exponent of an RSA key; fills k->bits and
 * k->mod_len.  Returns NULL or the reason the key is unusable.
 */
static const char *
check_rsa_numbers(const struct buf *n, const struct buf *e,
    struct jwks_key *k)
{
	const unsigned char *np = (const unsigned char *)n->data;
	const unsigned char *ep = (const unsigned char *)e->data;

	k->bits = uint_bits(np, n->len);
	k->mod_len = n->len;
	if (k->bits < JWKS_RSA_MIN_BITS)
		return "the key named by kid is shorter than 2048 bits";
	if (k->bits > JWKS_RSA_MAX_BITS)
		return "the key named by kid is longer than 8192 bits";
	if ((np[n->len - 1] & 1) == 0)
		return "the key named by kid has an even modulus";
	if (e->len > JWKS_E_MAX_BYTES || (ep[e->len - 1] & 1) == 0 ||
	    (e->len == 1 && ep[0] < 3))
		return "the key named by kid has a bad public exponent";
	return NULL;
}

/*
 * Build the RSA public key (n, e) with OpenSSL 3 and store it in
 * k->pkey (the key set owns it).  Returns NULL or a reason.
 */
static const char *
build_key(const struct buf *n, const struct buf *e, struct jwks_key *k)
{
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL, *cctx = NULL;
	EVP_PKEY *pkey = NULL;
	const char *why = "the key named by kid cannot be loaded";

	bn = BN_bin2bn((const unsigned char *)n->data, (int)n->len, NULL);
	be = BN_bin2bn((const unsigned char *)e->data, (int)e->len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	cctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (cctx == NULL || EVP_PKEY_public_check(cctx) != 1 ||
	    EVP_PKEY_get_bits(pkey) != k->bits)
		goto out;
	/* RS256 set up once; each verification starts from a copy. */
	if ((k->verify = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(k->verify, NULL, EVP_sha256(), NULL,
	    pkey) != 1) {
		EVP_MD_CTX_free(k->verify);
		k->verify = NULL;
		goto out;
	}
	k->pkey = pkey;         /* ownership moves to the key set */
	pkey = NULL;
	why = NULL;
out:
	/* Nothing of a failed key is worth keeping in the error queue. */
	ERR_clear_error();
	EVP_PKEY_CTX_free(cctx);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(be);
	BN_free(bn);
	return why;
}

/* The RSA part of classify_key: decode n and e and make the key. */
static const char *
load_rsa(struct json_object *o, struct jwks_key *k)
{
	struct buf n, e;
	const char *ns, *es, *why;
	size_t nlen, elen;

	ns = jx_str(o, "n", &nlen);
	es = jx_str(o, "e", &elen);
	if (ns == NULL || es == NULL)
		return "the key named by kid has no n or e";
	buf_init(&n, LIM_JWKS_MAX);
	buf_init(&e, LIM_JWKS_MAX);
	if (!decode_uint(&n, ns, nlen) || !decode_uint(&e, es, elen))
		why = "the key named by kid has an ill-formed n or e";
	else if ((why = check_rsa_numbers(&n, &e, k)) == NULL)
		why = build_key(&n, &e, k);
	buf_free(&n);
	buf_free(&e);
	return why;
}

/* key_ops, when present, must be an array of strings naming "verify". */
static bool
key_ops_allow_verify(struct json_object *ops)
{
	size_t i, n;
	bool verify = false;

	if (!json_object_is_type(ops, json_type_array))
		return false;
	n = json_object_array_length(ops);
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(ops, i);
		if (!json_object_is_type(v, json_type_string))
			return false;
		if (strcmp(json_object_get_string(v), "verify") == 0)
			verify = true;
	}
	return verify;
}

/* Member name of o is absent, or the string want exactly. */
static bool
absent_or_is(struct json_object *o, const char *name, const char *want)
{
	const char *s;

	if (jx_get(o, name) == NULL)
		return true;
	s = jx_str(o, name, NULL);
	return s != NULL && strcmp(s, want) == 0;
}

/*
 * Decide whether the JWK o can verify RS256 signatures, as RFC 7517 §4
 * and RFC 7518 §6.3 describe it, and build its key if so.  Returns NULL
 * or the reason the key is unusable.
 */
static const char *
classify_key(struct json_object *o, struct jwks_key *k)
{
	static const char *const private_members[] = {
		"d", "p", "q", "dp", "dq", "qi", "oth", "k",
	};
	struct json_object *ops;
	size_t i;

	for (i = 0; i < sizeof(private_members) / sizeof(*private_members);
	    i++)
		if (jx_get(o, private_members[i]) != NULL)
			return "the key named by kid has private parts";
	if (jx_get(o, "kty") == NULL || !absent_or_is(o, "kty", "RSA"))
		return "the key named by kid is not an RSA key";
	if (!absent_or_is(o, "use", "sig"))
		return "the key named by kid is not a signing key";
	if (!absent_or_is(o, "alg", "RS256"))
		return "the key named by kid is not an RS256 key";
	if ((ops = jx_get(o, "key_ops")) != NULL && !key_ops_allow_verify(ops))
		return "the key named by kid does not allow verify";
	return load_rsa(o, k);
}

static bool
kid_taken(const struct jwks_key *keys, size_t n, const char *kid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i].kid, kid) == 0)
			return true;
	return false;
}

/*
 * Read the "keys" array of a parsed document into a new key array.
 * Returns ERR_OK (the caller owns *out) or ERR_INVALID with a reason.
 */
static enum err
read_keys(struct json_object *root, struct jwks_key **out, size_t *nout,
    const char **why)
{
	struct json_object *arr = jx_get(root, "keys");
	struct jwks_key *keys;
	size_t i, n, nk = 0, usable = 0;

	if (arr == NULL || !json_object_is_type(arr, json_type_array)) {
		*why = "the JWKS has no keys array";
		return ERR_INVALID;
	}
	n = json_object_array_length(arr);
	if (n == 0 || n > JWKS_KEYS_MAX) {
		*why = "the JWKS has no keys or too many";
		return ERR_INVALID;
	}
	keys = xcalloc(n, sizeof(*keys));
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		const char *kid;
		size_t kidlen;

		if (!json_object_is_type(o, json_type_object)) {
			*why = "a JWKS key is not an object";
			goto bad;
		}
		if (jx_get(o, "kid") == NULL)
			continue;  /* no token can name it */
		kid = jx_str(o, "kid", &kidlen);
		if (kid == NULL || kidlen == 0 || kidlen > JWKS_KID_MAX) {
			*why = "a JWKS kid is not a string of 1..128 bytes";
			goto bad;
		}
		if (kid_taken(keys, nk, kid)) {
			*why = "the JWKS repeats a kid";
			goto bad;
		}
		keys[nk].kid = xstrndup(kid, kidlen);
		keys[nk].unusable = classify_key(o, &keys[nk]);
		if (keys[nk].unusable == NULL)
			usable++;
		nk++;
	}
	if (usable == 0) {
		*why = "the JWKS has no usable RS256 key";
		goto bad;
	}
	*out = keys;
	*nout = nk;
	return ERR_OK;
bad:
	free_keys(keys, nk);
	return ERR_INVALID;
}

enum err
jwks_load_text(struct jwks *j, const char *text, size_t len,
    const char **why)
{
	struct json_object *root = NULL;
	struct jwks_key *keys = NULL;
	size_t nkeys = 0;
	enum err e;

	if (text == NULL)
		text = "";
	if (len > LIM_JWKS_MAX) {
		*why = "the JWKS is too large";
		return ERR_TOO_LARGE;
	}
	e = jx_parse(NULL, text, len, LIM_JWKS_MAX, JWKS_JSON_DEPTH, &root,
	    why);
	if (e == ERR_OK && !json_object_is_type(root, json_type_object)) {
		*why = "the JWKS is not a JSON object";
		e = ERR_INVALID;
	}
	if (e == ERR_OK)
		e = read_keys(root, &keys, &nkeys, why);
	json_object_put(root);
	if (e != ERR_OK)
		return e;
	/* Ownership of keys moves to the cache; the old set is released. */
	free_keys(j->keys, j->nkeys);
	j->keys = keys;
	j->nkeys = nkeys;
	return ERR_OK;
}

enum err
jwks_load_file(struct jwks *j, const char *path, const char **why)
{
	char chunk[4096];
	struct buf b;
	FILE *f;
	size_t n;
	enum err e = ERR_OK;

	if ((f = fopen(path, "rb")) == NULL) {
		*why = "cannot open the JWKS file";
		return ERR_UNAVAILABLE;
	}
	buf_init(&b, LIM_JWKS_MAX);
	while (e == ERR_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (!buf_append(&b, chunk, n)) {
			*why = "the JWKS is too large";
			e = ERR_TOO_LARGE;
		}
	if (e == ERR_OK && ferror(f)) {
		*why = "cannot read the JWKS file";
		e = ERR_UNAVAILABLE;
	}
	fclose(f);
	if (e == ERR_OK)
		e = jwks_load_text(j, buf_cstr(&b), b.len, why);
	buf_free(&b);
	return e;
}

/* A fetch may happen now: never tried, or the last try is old enough
 * (sooner after a failed one: what waits on it answers 503). */
static bool
may_fetch(const struct jwks *j, int64_t now)
{
	int64_t gap = j->last_failed ? JWKS_RETRY_SECS : JWKS_REFETCH_SECS;

	if (j->url == NULL)
		return false;
	/* A clock that went back must not block fetching for long. */
	return !j->attempted || now - j->last_attempt >= gap ||
	    now < j->last_attempt;
}

static enum err
fetch_and_load(struct jwks *j, int64_t now, const char **why)
{
	struct buf b;
	enum err e;

	j->attempted = true;
	j->last_attempt = now;
	j->fetches++;
	buf_init(&b, LIM_JWKS_MAX);
	e = j->fetch(j->ctx, j->url, &b, why);
	if (e == ERR_OK)
		e = jwks_load_text(j, buf_cstr(&b), b.len, why);
	buf_free(&b);
	j->last_failed = e != ERR_OK;
	if (e != ERR_OK)
		log_kv(LOG_WARN, "jwks: cannot refresh the signing keys",
		    "url", j->url, "reason", *why, "error", err_name(e),
		    (const char *)NULL);
	return e;
}

enum err
jwks_refresh(struct jwks *j, int64_t now, const char **why)
{
	if (j->url == NULL) {
		*why = "the JWKS has no URL to fetch";
		return ERR_UNSUPPORTED;
	}
	if (!may_fetch(j, now)) {
		*why = "the JWKS was fetched moments ago";
		return ERR_THROTTLED;
	}
	return fetch_and_load(j, now, why);
}

static const struct jwks_key *
lookup(const struct jwks *j, const char *kid, size_t len)
{
	size_t i;

	for (i = 0; i < j->nkeys; i++)
		if (strlen(j->keys[i].kid) == len &&
		    memcmp(j->keys[i].kid, kid, len) == 0)
			return &j->keys[i];
	return NULL;
}

enum err
jwks_find(struct jwks *j, const char *kid, size_t kid_len, int64_t now,
    const struct jwks_key **key, const char **why)
{
	const struct jwks_key *k = lookup(j, kid, kid_len);
	const char *fwhy;

	*key = NULL;
	if (k == NULL && may_fetch(j, now)) {
		(void)fetch_and_load(j, now, &fwhy);
		k = lookup(j, kid, kid_len);
	}
	if (k == NULL) {
		if (j->nkeys == 0) {
			*why = "no signing keys are available";
			return ERR_UNAVAILABLE;
		}
		/*
		 * API.md "Under faults": a kid we cannot confirm because the
		 * JWKS cannot be fetched (now, or at the last attempt, within
		 * JWKS_RETRY_SECS) may be a new key of a rotation: 503,
		 * never a 401 that would sign the user out.
		 */
		if (j->last_failed) {
			*why = "the token's kid is unknown and the signing keys "
			    "cannot be fetched";
			return ERR_UNAVAILABLE;
		}
		*why = "the token's kid names no known key";
		return ERR_NOT_FOUND;
	}
	if (k->unusable != NULL) {
		*why = k->unusable;
		return ERR_INVALID;
	}
	*key = k;
	return ERR_OK;
}

bool
jwks_verify(const struct jwks_key *k, const void *msg, size_t n,
    const void *sig, size_t siglen)
{
	EVP_MD_CTX *md;
	int rc = -1;

	if (k == NULL || k->verify == NULL || (md = EVP_MD_CTX_new()) == NULL)
		return false;
	if (EVP_MD_CTX_copy_ex(md, k->verify) == 1)
		rc = EVP_DigestVerify(md, sig, siglen, msg, n);
	EVP_MD_CTX_free(md);
	/* A bad signature leaves an entry in OpenSSL's queue: not news. */
	ERR_clear_error();
	return rc == 1;
}

enum err
jwks_fetch_http(void *ctx, const char *url, struct buf *out,
    const char **why)
{
	static const struct httpc_header accept = {
		"Accept", "application/json"
	};
	struct httpc_req req;
	struct httpc_resp resp;
	int64_t t0 = metrics_now_us();
	enum err e;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "GET";
	req.url = url;
	req.headers = &accept;
	req.nheaders = 1;
	req.connect_timeout_ms = JWKS_CONNECT_MS;
	req.timeout_ms = JWKS_TIMEOUT_MS;
	req.max_response = LIM_JWKS_MAX;
	e = httpc_do(ctx, &req, &resp);
	if (e == ERR_TOO_LARGE)
		*why = "the JWKS answer is too large";
	else if (e != ERR_OK)
		*why = resp.timed_out ? "the JWKS endpoint timed out" :
		    "the JWKS endpoint cannot be reached";
	else if (resp.status != 200) {
		*why = "the JWKS endpoint did not answer 200";
		e = ERR_UPSTREAM;
	} else if (!buf_append(out, buf_cstr(&resp.body), resp.body.len)) {
		*why = "the JWKS answer is too large";
		e = ERR_TOO_LARGE;
	}
	metrics_dep("jwks", 1, e == ERR_OK ? e : ERR_UNAVAILABLE,
	    (long)(metrics_now_us() - t0), false);
	buf_free(&resp.body);
	return e;
}
