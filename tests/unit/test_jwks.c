/*
 * test_jwks.c - the JWKS cache: document and key checks, the key made
 * once per key, file loading, and the refetch rules (unknown kid, at
 * most one fetch per JWKS_REFETCH_SECS, JWKS_RETRY_SECS after a failed
 * one, rotation, outage) with an
 * injected fetch function and clock.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "auth/jwks.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"
#include "harness.h"

static EVP_PKEY *key_a, *key_b;
static char n_a[512], e_a[16], n_b[512];

static void
b64_bn(EVP_PKEY *k, const char *name, char *out, size_t max)
{
	BIGNUM *bn = NULL;
	unsigned char bin[1024];
	struct buf b;
	int n;

	buf_init(&b, max - 1);
	if (!EVP_PKEY_get_bn_param(k, name, &bn))
		abort();
	n = BN_bn2bin(bn, bin);
	if (!str_b64url_encode(&b, bin, (size_t)n))
		abort();
	memcpy(out, b.data, b.len + 1);
	buf_free(&b);
	BN_free(bn);
}

/* A JWKS of one RSA key kid with modulus n (base64url) and extras. */
static const char *
doc1(struct buf *b, const char *kid, const char *n, const char *e,
    const char *extra)
{
	buf_reset(b);
	buf_printf(b, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\","
	    "\"e\":\"%s\"%s}]}", kid, n, e, extra);
	return buf_cstr(b);
}

static enum err
load(struct jwks *j, const char *text, const char **why)
{
	return jwks_load_text(j, text, strlen(text), why);
}

static void
test_documents(void)
{
	static const char *bad_docs[] = {
		"", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[]}",
		"{\"keys\":[1]}", "{\"keys\":[{\"kid\":7,\"kty\":\"RSA\"}]}",
		"{\"keys\":[{\"kid\":\"\",\"kty\":\"RSA\"}]}",
		"{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\"}]}",
		"{\"keys\":[{\"kty\":\"RSA\"}]}",
		"{\"keys\":[], \"keys\":[]}", "{\"keys\":[]} x", "{\"keys\":[",
	};
	struct jwks *j = jwks_new(NULL, NULL, NULL);
	const struct jwks_key *k;
	struct buf b;
	const char *why;
	size_t i;

	buf_init(&b, 2 * LIM_JWKS_MAX);

	CASE("a valid one-key document; the key is made at load time");
	CHECK(load(j, doc1(&b, "a", n_a, e_a, ",\"use\":\"sig\","
	    "\"alg\":\"RS256\",\"key_ops\":[\"verify\"]"), &why) == ERR_OK);
	CHECK(jwks_count(j) == 1);
	CHECK(jwks_find(j, "a", 1, 0, &k, &why) == ERR_OK);
	CHECK(k != NULL && k->bits == 2048 && k->mod_len == 256);
	CHECK(k != NULL && k->pkey != NULL);
	CHECK(jwks_find(j, "ab", 2, 0, &k, &why) == ERR_NOT_FOUND);
	CHECK(jwks_find(j, "", 0, 0, &k, &why) == ERR_NOT_FOUND);
	END_CASE();

	CASE("ill-formed documents refused, the keys held are kept");
	for (i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		enum err e = load(j, bad_docs[i], &why);
		if (e == ERR_OK)
			printf("  accepted: %s\n", bad_docs[i]);
		CHECK(e == ERR_INVALID);
	}
	CHECK(jwks_count(j) == 1 && jwks_find(j, "a", 1, 0, &k, &why) ==
	    ERR_OK);
	END_CASE();

	CASE("repeated kid, kid over 128 bytes, 17 keys refused");
	buf_reset(&b);
	buf_printf(&b, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"},{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"}]}", n_a, n_b);
	CHECK(load(j, buf_cstr(&b), &why) == ERR_INVALID);
	CHECK_STR(why, "the JWKS repeats a kid");
	buf_reset(&b);
	buf_puts(&b, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"");
	for (i = 0; i < 129; i++)
		buf_putc(&b, 'k');
	buf_printf(&b, "\",\"n\":\"%s\",\"e\":\"AQAB\"}]}", n_a);
	CHECK(load(j, buf_cstr(&b), &why) == ERR_INVALID);
	buf_reset(&b);
	buf_puts(&b, "{\"keys\":[");
	for (i = 0; i < JWKS_KEYS_MAX + 1; i++)
		buf_printf(&b, "%s{\"kty\":\"RSA\",\"kid\":\"k%zu\",\"n\":\"%s\","
		    "\"e\":\"AQAB\"}", i ? "," : "", i, n_a);
	buf_puts(&b, "]}");
	CHECK(load(j, buf_cstr(&b), &why) == ERR_INVALID);
	END_CASE();

	CASE("a document over LIM_JWKS_MAX is refused unread");
	buf_reset(&b);
	buf_printf(&b, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
	    "\"e\":\"AQAB\",\"x\":\"", n_a);
	while (b.len <= LIM_JWKS_MAX)
		buf_putc(&b, 'x');
	buf_puts(&b, "\"}]}");
	CHECK(load(j, buf_cstr(&b), &why) == ERR_TOO_LARGE);
	END_CASE();

	CASE("keys without kid are ignored, non-RSA keys kept as unusable");
	buf_reset(&b);
	buf_printf(&b, "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"},"
	    "{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\",\"x\":\"AA\","
	    "\"y\":\"AA\"},{\"kty\":\"RSA\",\"kid\":\"b\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"}]}", n_a, n_b);
	CHECK(load(j, buf_cstr(&b), &why) == ERR_OK);
	CHECK(jwks_count(j) == 2);
	CHECK(jwks_find(j, "ec", 2, 0, &k, &why) == ERR_INVALID && k == NULL);
	CHECK_STR(why, "the key named by kid is not an RSA key");
	CHECK(jwks_find(j, "b", 1, 0, &k, &why) == ERR_OK);
	CHECK(jwks_find(j, "a", 1, 0, &k, &why) == ERR_NOT_FOUND);
	END_CASE();
	buf_free(&b);
	jwks_free(j);
}

/* Each key-level defect, on a document that also holds a good key. */
static void
test_keys(void)
{
	static const struct {
		const char *name, *n, *e, *extra, *why;
	} cases[] = {
	{ "use enc", NULL, "AQAB", ",\"use\":\"enc\"",
	  "the key named by kid is not a signing key" },
	{ "alg RS512", NULL, "AQAB", ",\"alg\":\"RS512\"",
	  "the key named by kid is not an RS256 key" },
	{ "alg not a string", NULL, "AQAB", ",\"alg\":1",
	  "the key named by kid is not an RS256 key" },
	{ "key_ops sign only", NULL, "AQAB", ",\"key_ops\":[\"sign\"]",
	  "the key named by kid does not allow verify" },
	{ "private exponent d", NULL, "AQAB", ",\"d\":\"AQAB\"",
	  "the key named by kid has private parts" },
	{ "e even", NULL, "Ag", "",
	  "the key named by kid has a bad public exponent" },
	{ "e = 1", NULL, "AQ", "",
	  "the key named by kid has a bad public exponent" },
	{ "e of five bytes", NULL, "AQAAAAE", "",
	  "the key named by kid has a bad public exponent" },
	{ "e with a leading zero", NULL, "AAEAAQ", "",
	  "the key named by kid has an ill-formed n or e" },
	{ "e padded", NULL, "AQAB=", "",
	  "the key named by kid has an ill-formed n or e" },
	{ "n of 1024 bits", "1024", "AQAB", "",
	  "the key named by kid is shorter than 2048 bits" },
	{ "n with a leading zero byte", "lead0", "AQAB", "",
	  "the key named by kid has an ill-formed n or e" },
	{ "n even", "even", "AQAB", "",
	  "the key named by kid has an even modulus" },
	};
	struct jwks *j = jwks_new(NULL, NULL, NULL);
	const struct jwks_key *k;
	struct buf b, n;
	const char *why;
	size_t i;
	unsigned char bin[300];

	buf_init(&b, LIM_JWKS_MAX);
	buf_init(&n, 1024);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CASE(cases[i].name);
		buf_reset(&n);
		if (cases[i].n == NULL) {
			buf_puts(&n, n_a);
		} else if (strcmp(cases[i].n, "1024") == 0) {
			buf_append(&n, n_a, 171);  /* 128 bytes: 171 chars */
			n.data[170] = 'A';         /* zero trailing bits */
		} else {
			struct buf raw;
			buf_init(&raw, sizeof(bin));
			str_b64url_decode(&raw, n_a, strlen(n_a));
			memcpy(bin + 1, raw.data, raw.len);
			bin[0] = 0;
			if (strcmp(cases[i].n, "even") == 0)
				bin[raw.len] &= 0xfe;
			if (strcmp(cases[i].n, "lead0") == 0)
				str_b64url_encode(&n, bin, raw.len + 1);
			else
				str_b64url_encode(&n, bin + 1, raw.len);
			buf_free(&raw);
		}
		buf_reset(&b);
		buf_printf(&b, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"x\","
		    "\"n\":\"%s\",\"e\":\"%s\"%s},{\"kty\":\"RSA\",\"kid\":\"b\","
		    "\"n\":\"%s\",\"e\":\"AQAB\"}]}", buf_cstr(&n), cases[i].e,
		    cases[i].extra, n_b);
		CHECK(load(j, buf_cstr(&b), &why) == ERR_OK);
		CHECK(jwks_find(j, "x", 1, 0, &k, &why) == ERR_INVALID);
		CHECK_STR(why, cases[i].why);
		END_CASE();
	}

	CASE("a document whose only key is unusable is refused");
	CHECK(load(j, doc1(&b, "x", n_a, "AQAB", ",\"use\":\"enc\""), &why)
	    == ERR_INVALID);
	CHECK_STR(why, "the JWKS has no usable RS256 key");
	END_CASE();
	buf_free(&b);
	buf_free(&n);
	jwks_free(j);
}

static void
test_file(void)
{
	char path[] = "/tmp/test_jwks.XXXXXX";
	struct jwks *j = jwks_new(NULL, NULL, NULL);
	const struct jwks_key *k;
	struct buf b;
	const char *why;
	int fd;

	buf_init(&b, LIM_JWKS_MAX);
	CASE("jwks_load_file reads a file; a missing file is unavailable");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	doc1(&b, "f", n_a, e_a, "");
	CHECK(write(fd, b.data, b.len) == (ssize_t)b.len);
	close(fd);
	CHECK(jwks_load_file(j, path, &why) == ERR_OK);
	CHECK(jwks_find(j, "f", 1, 0, &k, &why) == ERR_OK);
	unlink(path);
	CHECK(jwks_load_file(j, path, &why) == ERR_UNAVAILABLE);
	CHECK(jwks_count(j) == 1);
	CHECK(jwks_refresh(j, 0, &why) == ERR_UNSUPPORTED);
	END_CASE();
	buf_free(&b);
	jwks_free(j);
}

/* The injected endpoint: serves doc, or fails with fail. */
struct fake {
	struct buf    doc;
	enum err      fail;
	unsigned long calls;
	const char   *url;
};

static enum err
fake_fetch(void *ctx, const char *url, struct buf *out, const char **why)
{
	struct fake *f = ctx;

	f->calls++;
	f->url = url;
	if (f->fail != ERR_OK) {
		*why = "fake outage";
		return f->fail;
	}
	if (!buf_append(out, f->doc.data, f->doc.len)) {
		*why = "too large";
		return ERR_TOO_LARGE;
	}
	return ERR_OK;
}

static void
test_refetch(void)
{
	struct fake f;
	struct jwks *j;
	const struct jwks_key *k;
	const char *why;
	int64_t t, t0;
	unsigned long before;

	memset(&f, 0, sizeof(f));
	buf_init(&f.doc, LIM_JWKS_MAX);
	f.fail = ERR_UNAVAILABLE;
	j = jwks_new("https://idp.example/pool/.well-known/jwks.json",
	    fake_fetch, &f);

	CASE("endpoint down at start: unavailable, then retried every "
	    "JWKS_RETRY_SECS, not more often");
	CHECK(jwks_refresh(j, 1000, &why) == ERR_UNAVAILABLE);
	CHECK(f.calls == 1 && jwks_fetches(j) == 1);
	CHECK_STR(f.url, "https://idp.example/pool/.well-known/jwks.json");
	CHECK(jwks_find(j, "a", 1, 1000 + JWKS_RETRY_SECS - 1, &k, &why) ==
	    ERR_UNAVAILABLE);
	CHECK(!jwks_ready(j));
	CHECK(jwks_refresh(j, 1000 + JWKS_RETRY_SECS - 1, &why) ==
	    ERR_THROTTLED);
	CHECK(f.calls == 1);
	CHECK(jwks_find(j, "a", 1, 1000 + JWKS_RETRY_SECS, &k, &why) ==
	    ERR_UNAVAILABLE);
	CHECK(f.calls == 2);
	END_CASE();

	CASE("the endpoint is back: the next miss JWKS_RETRY_SECS after the "
	    "failed fetch loads the keys");
	f.fail = ERR_OK;
	doc1(&f.doc, "a", n_a, e_a, "");
	t = 1000 + 2 * JWKS_RETRY_SECS;
	CHECK(jwks_find(j, "a", 1, t, &k, &why) == ERR_OK);
	CHECK(f.calls == 3 && jwks_ready(j));
	END_CASE();

	CASE("unknown kids: at most one fetch per 30 s (misses cached)");
	t0 = t;
	for (t = t0 + 1; t < t0 + JWKS_REFETCH_SECS; t++)
		CHECK(jwks_find(j, "zz", 2, t, &k, &why) == ERR_NOT_FOUND);
	CHECK(f.calls == 3);
	t0 += JWKS_REFETCH_SECS;
	CHECK(jwks_find(j, "zz", 2, t0, &k, &why) == ERR_NOT_FOUND);
	CHECK(f.calls == 4);
	for (t = t0 + 1; t < t0 + JWKS_REFETCH_SECS; t++)
		CHECK(jwks_find(j, "yy", 2, t, &k, &why) == ERR_NOT_FOUND);
	CHECK(f.calls == 4);
	CHECK(jwks_find(j, "a", 1, t0 + 1, &k, &why) == ERR_OK);
	CHECK(f.calls == 4);
	END_CASE();

	CASE("rotation: a new kid is fetched and the old one dropped");
	doc1(&f.doc, "b", n_b, "AQAB", "");
	CHECK(jwks_find(j, "b", 1, 1100, &k, &why) == ERR_OK);
	CHECK(f.calls == 5);
	CHECK(jwks_find(j, "a", 1, 1101, &k, &why) == ERR_NOT_FOUND);
	CHECK(f.calls == 5);
	END_CASE();

	CASE("outage and bad answers keep the cached keys working; an "
	    "unknown kid is 503 and retried every JWKS_RETRY_SECS");
	f.fail = ERR_UNAVAILABLE;
	/* A kid we cannot confirm during an outage: 503, not 401. */
	CHECK(jwks_find(j, "c", 1, 1200, &k, &why) == ERR_UNAVAILABLE);
	CHECK(f.calls == 6);
	CHECK(jwks_find(j, "c", 1, 1200 + JWKS_RETRY_SECS - 1, &k, &why) ==
	    ERR_UNAVAILABLE);
	CHECK(f.calls == 6);
	CHECK(jwks_find(j, "c", 1, 1200 + JWKS_RETRY_SECS, &k, &why) ==
	    ERR_UNAVAILABLE);
	CHECK(f.calls == 7);
	CHECK(jwks_find(j, "b", 1, 1201, &k, &why) == ERR_OK);
	CHECK(!jwks_ready(j));
	f.fail = ERR_OK;
	buf_reset(&f.doc);
	buf_puts(&f.doc, "<html>Service Unavailable</html>");
	CHECK(jwks_refresh(j, 1300, &why) == ERR_INVALID);
	CHECK(jwks_find(j, "b", 1, 1301, &k, &why) == ERR_OK);
	CHECK(jwks_find(j, "d", 1, 1301, &k, &why) == ERR_UNAVAILABLE);
	CHECK(jwks_count(j) == 1 && f.calls == 8);
	END_CASE();

	CASE("after the outage a rotated kid is confirmed within "
	    "JWKS_RETRY_SECS");
	doc1(&f.doc, "d", n_b, "AQAB", "");
	CHECK(jwks_find(j, "d", 1, 1300 + JWKS_RETRY_SECS, &k, &why) == ERR_OK);
	CHECK(f.calls == 9 && jwks_ready(j));
	END_CASE();

	CASE("a clock that went back does not block fetching");
	before = f.calls;
	doc1(&f.doc, "c", n_a, e_a, "");
	CHECK(jwks_find(j, "c", 1, 500, &k, &why) == ERR_OK);
	CHECK(f.calls == before + 1);
	END_CASE();

	jwks_free(j);
	buf_free(&f.doc);
}

int
main(void)
{
	/* The cache logs failed fetches; the tests make many on purpose. */
	log_set_level(LOG_ERROR);
	key_a = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	key_b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (key_a == NULL || key_b == NULL)
		abort();
	b64_bn(key_a, OSSL_PKEY_PARAM_RSA_N, n_a, sizeof(n_a));
	b64_bn(key_a, OSSL_PKEY_PARAM_RSA_E, e_a, sizeof(e_a));
	b64_bn(key_b, OSSL_PKEY_PARAM_RSA_N, n_b, sizeof(n_b));
	test_documents();
	test_keys();
	test_file();
	test_refetch();
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	return harness_done();
}
