/*
 * sigv4.c - AWS Signature Version 4, header signing (HMAC-SHA256).
 *
 * sigv4_sign runs the steps of the specification in order, each only
 * while the previous succeeded, and leaves through one exit that wipes
 * the derived keys and frees the scratch buffers:
 *
 *   1. check the request and credentials (check_request)
 *   2. the signed headers: the caller's plus X-Amz-Date and, where used,
 *      X-Amz-Security-Token and x-amz-content-sha256 (collect_headers)
 *   3. the canonical request (build_canonical)
 *   4. the string to sign, the signing key, the signature (sign_strings)
 *   5. the Authorization value and the headers to add (finish)
 *
 * Scratch text lives in bounded bufs (SIGV4_TEXT_MAX); what the caller
 * gets back is copied into its arena.  OpenSSL is used here and nowhere
 * else in aws/.
 */
#include "aws/sigv4.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"

#define ALGORITHM   "AWS4-HMAC-SHA256"
#define TERMINATOR  "aws4_request"
#define HEX_LEN     (2 * SIGV4_KEY_LEN)

/* One header as signed: lower-cased name, raw value, original place. */
struct hent {
	const char *name;
	const char *value;
	size_t      idx;
};

/* One query parameter, both parts already in canonical encoding. */
struct qpair {
	const char *k;
	const char *v;
};

/* Times of the signature: X-Amz-Date and the scope's date. */
struct stamp {
	char amz[17];    /* YYYYMMDDTHHMMSSZ */
	char day[9];     /* YYYYMMDD */
};

/* --- character classes (ASCII only, independent of the locale) ------- */

enum cls {
	CLS_TOKEN,      /* RFC 9110 §5.6.2 tchar: methods, header names */
	CLS_LABEL,      /* region, service: they sit between slashes */
	CLS_KEY_ID,     /* in "Credential=ID/scope, ": no separators */
};

static bool
is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

static bool
is_unreserved(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* s is non-empty and every byte of it is in class k. */
static bool
ok_word(const char *s, enum cls k)
{
	static const char *const extra[] = {
		"!#$%&'*+-.^_`|~",      /* CLS_TOKEN */
		"-_.",                  /* CLS_LABEL */
		"!\"#$%&'()*+-.:<>?@[\\]^_`{|}~",       /* CLS_KEY_ID */
	};

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_alnum((unsigned char)*s) && !strchr(extra[k], *s))
			return false;
	return true;
}

/*
 * Text that ends up in a header line: no control bytes (so no CR or LF
 * to split the line), a tab only where allowed.  Bytes >= 0x80 pass.
 */
static bool
ok_text(const char *s, bool allow_tab)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f)
			return false;
	}
	return true;
}

/* --- the steps ---------------------------------------------------------- */

/* Write byte c as the URI encoding needs it; returns 1 or 3. */
static size_t
enc_byte(char *dst, unsigned char c, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	if (is_unreserved(c) || (keep_slash && c == '/')) {
		dst[0] = (char)c;
		return 1;
	}
	dst[0] = '%';
	dst[1] = hex[c >> 4];
	dst[2] = hex[c & 15];
	return 3;
}

/* sigv4_uri_encode - see sigv4.h. */
bool
sigv4_uri_encode(struct buf *out, const char *s, size_t n, bool keep_slash)
{
	char enc[3];
	size_t i;

	for (i = 0; i < n; i++)
		if (!buf_append(out, enc,
		    enc_byte(enc, (unsigned char)s[i], keep_slash)))
			return false;
	return true;
}

/*
 * sigv4_normalize_path - see sigv4.h.  The segments already written to
 * out act as the stack that ".." pops, so no other memory is needed.
 */
bool
sigv4_normalize_path(struct buf *out, const char *path, size_t n)
{
	size_t base = out->len, i, j;

	for (i = 0; i < n; i = j + 1) {
		const char *seg = path + i;
		size_t len;

		for (j = i; j < n && path[j] != '/'; j++)
			;
		len = j - i;
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			/* drop the last "/segment" written after base */
			while (out->len > base && out->data[--out->len] != '/')
				;
			if (out->data != NULL)
				out->data[out->len] = '\0';
			continue;
		}
		if (!buf_putc(out, '/') || !buf_append(out, seg, len))
			return false;
	}
	if (out->len == base || (n > 0 && path[n - 1] == '/'))
		return buf_putc(out, '/');
	return true;
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);           /* ASCII lower case */
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Percent-decode s[0..n) and encode the bytes again, into a string from
 * a.  n is at most SIGV4_TEXT_MAX, so 3 * n cannot overflow.
 */
static enum err
recode(struct arena *a, const char *s, size_t n, const char **res)
{
	char *o = arena_alloc(a, 3 * n + 1);
	size_t i, k = 0;

	if (o == NULL)
		return ERR_TOO_LARGE;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return ERR_INVALID;  /* "%", "%4" at the end */
			hi = hex_val(s[i + 1]);
			lo = hex_val(s[i + 2]);
			if (hi < 0 || lo < 0)
				return ERR_INVALID;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		k += enc_byte(o + k, c, false);
	}
	o[k] = '\0';
	*res = o;
	return ERR_OK;
}

static int
qpair_cmp(const void *x, const void *y)
{
	const struct qpair *p = x, *q = y;
	int c = strcmp(p->k, q->k);

	return c != 0 ? c : strcmp(p->v, q->v);
}

/* sigv4_canonical_query - see sigv4.h. */
enum err
sigv4_canonical_query(struct arena *a, struct buf *out, const char *q,
    size_t n)
{
	struct qpair *pairs;
	size_t np = 0, cap = 1, i, start;
	enum err e;

	if (n > SIGV4_TEXT_MAX)
		return ERR_TOO_LARGE;
	for (i = 0; i < n; i++)
		if (q[i] == '&')
			cap++;
	if ((pairs = arena_alloc(a, cap * sizeof(*pairs))) == NULL)
		return ERR_TOO_LARGE;
	for (start = 0; start <= n; start = i + 1) {
		const char *p = q + start, *eq;
		size_t klen;

		for (i = start; i < n && q[i] != '&'; i++)
			;
		if (i == start)
			continue;       /* "a=1&&b=2", a trailing '&' */
		eq = memchr(p, '=', i - start);
		klen = eq != NULL ? (size_t)(eq - p) : i - start;
		e = recode(a, p, klen, &pairs[np].k);
		if (e == ERR_OK)
			e = eq != NULL ?
			    recode(a, eq + 1, (size_t)(q + i - (eq + 1)),
			        &pairs[np].v) :
			    recode(a, "", 0, &pairs[np].v);
		if (e != ERR_OK)
			return e;
		np++;
	}
	qsort(pairs, np, sizeof(*pairs), qpair_cmp);
	for (i = 0; i < np; i++)
		if ((i > 0 && !buf_putc(out, '&')) ||
		    !buf_puts(out, pairs[i].k) || !buf_putc(out, '=') ||
		    !buf_puts(out, pairs[i].v))
			return ERR_TOO_LARGE;
	return ERR_OK;
}

/* sigv4_fold_value - see sigv4.h. */
bool
sigv4_fold_value(struct buf *out, const char *v, size_t n)
{
	size_t i = 0, j;
	bool first = true;

	while (i < n) {
		while (i < n && is_ws(v[i]))
			i++;
		if (i == n)
			break;
		for (j = i; j < n && !is_ws(v[j]); j++)
			;
		if ((!first && !buf_putc(out, ' ')) ||
		    !buf_append(out, v + i, j - i))
			return false;
		first = false;
		i = j;
	}
	return true;
}

static bool
hmac256(const void *key, size_t klen, const char *msg,
    unsigned char md[SIGV4_KEY_LEN])
{
	unsigned int len = 0;

	if (klen > INT_MAX)
		return false;
	return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
	    strlen(msg), md, &len) != NULL && len == SIGV4_KEY_LEN;
}

/* sigv4_signing_key - see sigv4.h.  Both scratch keys are wiped. */
enum err
sigv4_signing_key(const char *secret, const char *date, const char *region,
    const char *service, unsigned char key[SIGV4_KEY_LEN])
{
	unsigned char k0[4 + SIGV4_SECRET_MAX], k1[SIGV4_KEY_LEN],
	    k2[SIGV4_KEY_LEN];
	size_t n = strlen(secret);
	bool ok;

	if (n == 0 || n > SIGV4_SECRET_MAX)
		return ERR_INVALID;
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, n);
	ok = hmac256(k0, 4 + n, date, k1) &&
	    hmac256(k1, sizeof(k1), region, k2) &&
	    hmac256(k2, sizeof(k2), service, k1) &&
	    hmac256(k1, sizeof(k1), TERMINATOR, key);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	if (!ok)
		OPENSSL_cleanse(key, SIGV4_KEY_LEN);
	return ok ? ERR_OK : ERR_INTERNAL;
}

static bool
sha256_hex(const void *p, size_t n, char hex[HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(p != NULL ? p : "", n, md, &len, EVP_sha256(),
	    NULL) != 1 || len != SIGV4_KEY_LEN)
		return false;
	str_hex(hex, md, len);
	return true;
}

/* --- sigv4_sign and its parts ------------------------------------------ */

static bool
has_token(const struct sigv4_creds *creds)
{
	return creds->session_token != NULL && creds->session_token[0] != '\0';
}

/* Step 1: refuse what cannot be signed, or would break the header. */
static const char *
check_request(const struct sigv4_request *req,
    const struct sigv4_creds *creds)
{
	const char *t = req->target;

	if (req->method == NULL || t == NULL || req->region == NULL ||
	    req->service == NULL || creds->access_key_id == NULL ||
	    creds->secret_access_key == NULL)
		return "a required field is NULL";
	if (!ok_word(req->method, CLS_TOKEN))
		return "bad method";
	if (!ok_word(req->region, CLS_LABEL) ||
	    !ok_word(req->service, CLS_LABEL))
		return "bad region or service name";
	if (!ok_word(creds->access_key_id, CLS_KEY_ID))
		return "bad access key id";
	if (creds->secret_access_key[0] == '\0' ||
	    strlen(creds->secret_access_key) > SIGV4_SECRET_MAX)
		return "secret key empty or too long";
	if (has_token(creds) && !ok_text(creds->session_token, false))
		return "control bytes in the session token";
	/* Origin form only, and a fragment is never sent. */
	if (t[0] != '/' || !ok_text(t, false) || strchr(t, '#') != NULL)
		return "target is not /path?query without control bytes";
	if ((req->body == NULL && req->body_len > 0) ||
	    (req->headers == NULL && req->nheaders > 0))
		return "NULL body or headers with a length";
	if (req->nheaders > SIGV4_HEADERS_MAX)
		return "too many headers";
	return NULL;
}

static bool
format_time(time_t when, struct stamp *st)
{
	struct tm tm;

	/* Four-digit years only: the formats have no room for others. */
	if (gmtime_r(&when, &tm) == NULL || tm.tm_year < 70 ||
	    tm.tm_year > 9999 - 1900 ||
	    strftime(st->amz, sizeof(st->amz), "%Y%m%dT%H%M%SZ", &tm) != 16)
		return false;
	memcpy(st->day, st->amz, 8);
	st->day[8] = '\0';
	return true;
}

static int
hent_cmp(const void *x, const void *y)
{
	const struct hent *p = x, *q = y;
	int c = strcmp(p->name, q->name);

	/* Equal names keep the order they were given in. */
	if (c != 0)
		return c;
	return p->idx < q->idx ? -1 : p->idx > q->idx;
}

/* The signer adds these itself; the caller must not bring them. */
static bool
reserved(const char *lower, const struct sigv4_request *req, bool token)
{
	return strcmp(lower, "authorization") == 0 ||
	    strcmp(lower, "x-amz-date") == 0 ||
	    (token && strcmp(lower, "x-amz-security-token") == 0) ||
	    (req->sign_body && strcmp(lower, "x-amz-content-sha256") == 0);
}

/* Say why, for sigv4_out.why, and refuse. */
static enum err
refuse(const char **why, const char *msg)
{
	*why = msg;
	return ERR_INVALID;
}

/* A copy of name from a, lower-cased; NULL past the cap. */
static char *
lower_dup(struct arena *a, const char *name)
{
	char *s = arena_strdup(a, name), *p;

	for (p = s; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/*
 * Step 2: the headers to sign, sorted by lower-cased name.  Exactly one
 * Host, with a value, signed as given (a port stays).
 */
static enum err
collect_headers(struct arena *a, const struct sigv4_request *req,
    const struct sigv4_creds *creds, const char *amz_date,
    const char *body_hash, struct hent **res, size_t *nres,
    const char **why)
{
	bool token = has_token(creds);
	size_t i, n = 0, nhost = 0;
	struct hent *h;

	if ((h = arena_alloc(a, (req->nheaders + 3) * sizeof(*h))) == NULL)
		return ERR_TOO_LARGE;
	for (i = 0; i < req->nheaders; i++) {
		const struct sigv4_header *src = &req->headers[i];
		char *lower;

		if (src->name == NULL || src->value == NULL ||
		    !ok_word(src->name, CLS_TOKEN) ||
		    !ok_text(src->value, true))
			return refuse(why, "bad header name or value");
		if ((lower = lower_dup(a, src->name)) == NULL)
			return ERR_TOO_LARGE;
		if (reserved(lower, req, token))
			return refuse(why, "header reserved for the signer");
		if (strcmp(lower, "host") == 0) {
			if (src->value[strspn(src->value, " \t")] == '\0')
				return refuse(why, "empty Host");
			nhost++;
		}
		h[n] = (struct hent){ lower, src->value, n };
		n++;
	}
	if (nhost != 1)
		return refuse(why, "not exactly one Host header");
	h[n] = (struct hent){ "x-amz-date", amz_date, n };
	n++;
	if (token && !req->omit_session_token) {
		h[n] = (struct hent){ "x-amz-security-token",
		    creds->session_token, n };
		n++;
	}
	if (req->sign_body) {
		h[n] = (struct hent){ "x-amz-content-sha256", body_hash, n };
		n++;
	}
	qsort(h, n, sizeof(*h), hent_cmp);
	*res = h;
	*nres = n;
	return ERR_OK;
}

/* Canonical headers ("name:v1,v2\n" per name) and the signed list. */
static bool
put_headers(struct buf *canon, struct buf *sh, const struct hent *h,
    size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i = j) {
		if (!buf_puts(canon, h[i].name) || !buf_putc(canon, ':'))
			return false;
		for (j = i; j < n && strcmp(h[j].name, h[i].name) == 0; j++)
			if ((j > i && !buf_putc(canon, ',')) ||
			    !sigv4_fold_value(canon, h[j].value,
			        strlen(h[j].value)))
				return false;
		if (!buf_putc(canon, '\n') ||
		    (i > 0 && !buf_putc(sh, ';')) || !buf_puts(sh, h[i].name))
			return false;
	}
	return true;
}

/*
 * Step 3: method, URI, query, headers, signed headers, payload hash,
 * one per line ("Create a canonical request").  tmp is scratch.
 */
static enum err
build_canonical(struct arena *a, const struct sigv4_request *req,
    const struct hent *h, size_t nh, const char *body_hash,
    struct buf *canon, struct buf *sh, struct buf *tmp)
{
	const char *t = req->target, *qm = strchr(t, '?');
	size_t plen = qm != NULL ? (size_t)(qm - t) : strlen(t);
	enum err e;

	if (!buf_puts(canon, req->method) || !buf_putc(canon, '\n'))
		return ERR_TOO_LARGE;
	if (req->normalize) {
		if (!sigv4_normalize_path(tmp, t, plen) ||
		    !sigv4_uri_encode(canon, tmp->data, tmp->len, true))
			return ERR_TOO_LARGE;
	} else if (!sigv4_uri_encode(canon, t, plen, true))
		return ERR_TOO_LARGE;
	if (!buf_putc(canon, '\n'))
		return ERR_TOO_LARGE;
	if (qm != NULL &&
	    (e = sigv4_canonical_query(a, canon, qm + 1, strlen(qm + 1))) !=
	    ERR_OK)
		return e;
	if (!buf_putc(canon, '\n') || !put_headers(canon, sh, h, nh) ||
	    !buf_putc(canon, '\n') || !buf_append(canon, sh->data, sh->len) ||
	    !buf_putc(canon, '\n') || !buf_puts(canon, body_hash))
		return ERR_TOO_LARGE;
	return ERR_OK;
}

/*
 * Step 4: string to sign ("Create a string to sign") and signature
 * ("Calculate the signature").  The key is wiped before returning.
 */
static enum err
sign_strings(const struct sigv4_request *req, const char *secret,
    const struct stamp *st, const struct buf *canon, struct buf *sts,
    char sig[HEX_LEN + 1])
{
	unsigned char key[SIGV4_KEY_LEN], md[SIGV4_KEY_LEN];
	char hash[HEX_LEN + 1];
	enum err e;

	if (!sha256_hex(canon->data, canon->len, hash))
		return ERR_INTERNAL;
	if (!buf_printf(sts, ALGORITHM "\n%s\n%s/%s/%s/" TERMINATOR "\n%s",
	    st->amz, st->day, req->region, req->service, hash))
		return ERR_TOO_LARGE;
	e = sigv4_signing_key(secret, st->day, req->region, req->service, key);
	if (e == ERR_OK && !hmac256(key, sizeof(key), sts->data, md))
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		str_hex(sig, md, sizeof(md));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(md, sizeof(md));
	return e;
}

/* Add a header to send; name is static text, value copied to a. */
static bool
add_out(struct arena *a, struct sigv4_out *out, const char *name,
    const char *value)
{
	struct sigv4_header *h = &out->added[out->nadded++];

	h->name = name;
	return (h->value = arena_strdup(a, value)) != NULL;
}

/* Step 5: the Authorization value, the results, and the headers to add
 * in the order of the suite's signed requests. */
static enum err
finish(struct arena *a, const struct sigv4_request *req,
    const struct sigv4_creds *creds, const struct stamp *st,
    const char *body_hash, const struct buf *canon, const struct buf *sh,
    const struct buf *sts, const char *sig, struct sigv4_out *out)
{
	out->authorization = arena_printf(a, ALGORITHM " Credential=%s/%s/%s/"
	    "%s/" TERMINATOR ", SignedHeaders=%s, Signature=%s",
	    creds->access_key_id, st->day, req->region, req->service,
	    buf_cstr(sh), sig);
	out->canonical_request = arena_strndup(a, canon->data, canon->len);
	out->string_to_sign = arena_strndup(a, sts->data, sts->len);
	out->signature = arena_strdup(a, sig);
	if (out->authorization == NULL || out->canonical_request == NULL ||
	    out->string_to_sign == NULL || out->signature == NULL ||
	    (has_token(creds) &&
	    !add_out(a, out, "X-Amz-Security-Token", creds->session_token)) ||
	    !add_out(a, out, "X-Amz-Date", st->amz) ||
	    (req->sign_body &&
	    !add_out(a, out, "x-amz-content-sha256", body_hash)))
		return ERR_TOO_LARGE;
	return ERR_OK;
}

/*
 * sigv4_sign - see sigv4.h.  On failure out is zeroed but for out->why.
 * The payload hash (the last line of the canonical request) is always
 * SHA-256 of the body; with sign_body it is also sent and signed as
 * x-amz-content-sha256.  With omit_session_token the token is added to
 * the request after signing instead of being signed.
 */
enum err
sigv4_sign(struct arena *a, const struct sigv4_request *req,
    const struct sigv4_creds *creds, struct sigv4_out *out)
{
	struct buf canon, sh, sts, tmp;
	struct stamp st;
	struct hent *h = NULL;
	size_t nh = 0;
	char body_hash[HEX_LEN + 1], sig[HEX_LEN + 1];
	const char *why;
	enum err e;

	memset(out, 0, sizeof(*out));
	buf_init(&canon, SIGV4_TEXT_MAX);
	buf_init(&sh, SIGV4_TEXT_MAX);
	buf_init(&sts, SIGV4_TEXT_MAX);
	buf_init(&tmp, SIGV4_TEXT_MAX);

	why = check_request(req, creds);
	if (why == NULL && !format_time(req->when, &st))
		why = "time outside the years 1970 to 9999";
	e = why != NULL ? ERR_INVALID : ERR_OK;
	if (e == ERR_OK && !sha256_hex(req->body, req->body_len, body_hash))
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		e = collect_headers(a, req, creds, st.amz, body_hash, &h, &nh,
		    &why);
	if (e == ERR_OK && (e = build_canonical(a, req, h, nh, body_hash,
	    &canon, &sh, &tmp)) == ERR_INVALID)
		why = "bad %-escape in the query";      /* the only one */
	if (e == ERR_OK)
		e = sign_strings(req, creds->secret_access_key, &st, &canon,
		    &sts, sig);
	if (e == ERR_OK)
		e = finish(a, req, creds, &st, body_hash, &canon, &sh, &sts,
		    sig, out);

	if (e != ERR_OK) {
		memset(out, 0, sizeof(*out));
		out->why = e == ERR_TOO_LARGE ? "request too large to sign" :
		    e == ERR_INTERNAL ? "OpenSSL failed" :
		    why != NULL ? why : "cannot sign";
	}
	buf_free(&canon);
	buf_free(&sh);
	buf_free(&sts);
	buf_free(&tmp);
	return e;
}
