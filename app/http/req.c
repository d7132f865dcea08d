#include "http/req.h"

#include <string.h>

#include "core/arena.h"
#include "core/crypt.h"
#include "core/str.h"

static const char *const method_names[M__MAX] = {
	"GET",     /* M_GET */
	"HEAD",    /* M_HEAD */
	"POST",    /* M_POST */
	"PUT",     /* M_PUT */
	"PATCH",   /* M_PATCH */
	"DELETE",  /* M_DELETE */
	"OPTIONS", /* M_OPTIONS */
	"OTHER",   /* M_OTHER */
};

const char *
req_method_name(enum http_method m)
{
	return (unsigned)m < M__MAX ? method_names[m] : "OTHER";
}

/* RFC 9110 §9: the method token, mapped to our enum. */
static enum http_method
parse_method(const char *s)
{
	int m;

	if (s == NULL)
		return M_OTHER;
	for (m = 0; m < M_OTHER; m++)
		if (strcmp(s, method_names[m]) == 0)
			return (enum http_method)m;
	return M_OTHER;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s[0..n) into a new arena string (RFC 3986 §2.1); with
 * plus_space, '+' is a space (HTML form encoding of query strings).  The
 * result must be UTF-8 without control characters.  NULL if not.
 */
static char *
decode(struct arena *a, const char *s, size_t n, bool plus_space,
    size_t *outlen)
{
	char *out = arena_alloc(a, n + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n)
				return NULL;
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return NULL;
			c = (unsigned char)(h * 16 + l);
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			return NULL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (!str_utf8_valid(out, o))
		return NULL;
	*outlen = o;
	return out;
}

/* Split the raw path into decoded segments: "/" has none, "/a/" has
 * "a" and "" (so a trailing slash is a different path). */
static bool
parse_path(struct req *r, struct arena *a, const char *p, size_t n)
{
	size_t i = 1, start, len;

	if (n == 0 || p[0] != '/' || n > LIM_PATH_MAX)
		return false;
	r->nseg = 0;
	if (n == 1)
		return true;
	for (;;) {
		start = i;
		while (i < n && p[i] != '/')
			i++;
		if (r->nseg == REQ_SEGMENTS_MAX)
			return false;
		r->seg[r->nseg] = decode(a, p + start, i - start, false, &len);
		if (r->seg[r->nseg] == NULL)
			return false;
		r->nseg++;
		if (i == n)
			return true;
		i++;        /* skip the '/' */
	}
}

static bool
parse_query(struct req *r, struct arena *a, const char *q, const char **why)
{
	size_t n = strlen(q), i = 0, j, klen, vlen;

	if (n > LIM_QUERY_MAX) {
		*why = "the query string is too long";
		return false;
	}
	while (i < n) {
		size_t start = i, eq = (size_t)-1;
		const char *key, *val;

		while (i < n && q[i] != '&') {
			if (q[i] == '=' && eq == (size_t)-1)
				eq = i;
			i++;
		}
		if (i == start) {            /* "a=1&&b=2": skip empty pairs */
			i++;
			continue;
		}
		if (eq == (size_t)-1)
			eq = i;
		key = decode(a, q + start, eq - start, true, &klen);
		val = decode(a, q + (eq < i ? eq + 1 : i),
		    eq < i ? i - eq - 1 : 0, true, &vlen);
		if (key == NULL || val == NULL || klen == 0) {
			*why = "the query string is not well-formed";
			return false;
		}
		for (j = 0; j < r->nquery; j++)
			if (strcmp(r->query[j].key, key) == 0) {
				*why = "a query parameter is given twice";
				return false;
			}
		if (r->nquery == LIM_QUERY_PARAMS) {
			*why = "too many query parameters";
			return false;
		}
		r->query[r->nquery].key = key;
		r->query[r->nquery].val = val;
		r->query[r->nquery].val_len = vlen;
		r->nquery++;
		i++;
	}
	return true;
}

/* A header value we keep: bounded, no control characters. */
static const char *
header(struct arena *a, const struct req_io *io, const char *name,
    size_t max, bool *bad)
{
	const char *v = io->param(io->ctx, name);
	size_t n, i;

	if (v == NULL)
		return NULL;
	n = strlen(v);
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			break;
	if (n > max || i < n) {
		*bad = true;
		return NULL;
	}
	return arena_strndup(a, v, n);
}

/* nginx's $request_id is 32 hex digits; accept what looks like an id. */
static const char *
request_id(struct arena *a, const struct req_io *io)
{
	const char *v = io->param(io->ctx, "REQUEST_ID");
	unsigned char rnd[16];
	char hex[33];

	if (v != NULL && strlen(v) >= 8 && strlen(v) <= 64 &&
	    strspn(v, "0123456789abcdefABCDEF-") == strlen(v))
		return arena_strdup(a, v);
	if (!crypt_random(rnd, sizeof(rnd)))
		memset(rnd, 0, sizeof(rnd));
	str_hex(hex, rnd, sizeof(rnd));
	return arena_strdup(a, hex);
}

static enum err
read_body(struct req *r, struct arena *a, const struct req_io *io,
    const char **why)
{
	const char *cl = io->param(io->ctx, "CONTENT_LENGTH");
	int64_t len = 0;
	char *body;
	size_t got = 0, k;

	r->body = "";
	r->body_len = 0;
	if (cl == NULL || *cl == '\0')
		return ERR_OK;
	if (!str_to_i64(cl, strlen(cl), 0, INT64_MAX, &len)) {
		*why = "Content-Length is not a number";
		return ERR_INVALID;
	}
	/* Stripe's webhook events may pass 64 KiB (limits.h). */
	if (len > (strcmp(r->path, REQ_WEBHOOK_PATH) == 0 ?
	    LIM_WEBHOOK_BODY_MAX : LIM_BODY_MAX)) {
		*why = "the body is larger than the limit of this route";
		return ERR_TOO_LARGE;
	}
	if ((body = arena_alloc(a, (size_t)len + 1)) == NULL) {
		*why = "the request is too large";
		return ERR_TOO_LARGE;
	}
	while (got < (size_t)len &&
	    (k = io->read(io->ctx, body + got, (size_t)len - got)) > 0)
		got += k;
	if (got != (size_t)len) {
		*why = "the body is shorter than its Content-Length";
		return ERR_INVALID;
	}
	body[got] = '\0';
	r->body = body;
	r->body_len = got;
	return ERR_OK;
}

enum err
req_parse(struct req *r, struct arena *a, const struct req_io *io,
    const char **why)
{
	const char *uri, *q, *method;
	size_t plen;
	bool bad = false;

	memset(r, 0, sizeof(*r));
	r->request_id = request_id(a, io);
	method = io->param(io->ctx, "REQUEST_METHOD");
	r->method = parse_method(method);
	r->method_name = req_method_name(r->method);
	r->body = "";
	uri = io->param(io->ctx, "REQUEST_URI");
	if (uri == NULL)
		uri = io->param(io->ctx, "DOCUMENT_URI");
	if (uri == NULL || r->request_id == NULL) {
		*why = "the request has no URI";
		return ERR_INVALID;
	}
	q = strchr(uri, '?');
	plen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	r->path = arena_strndup(a, uri, plen > LIM_PATH_MAX ? LIM_PATH_MAX : plen);
	if (r->path == NULL || !parse_path(r, a, uri, plen)) {
		*why = "the path is not well-formed";
		return ERR_INVALID;
	}
	q = io->param(io->ctx, "QUERY_STRING");
	if (q != NULL && !parse_query(r, a, q, why))
		return strlen(q) > LIM_QUERY_MAX ? ERR_TOO_LARGE : ERR_INVALID;
	r->authorization = header(a, io, "HTTP_AUTHORIZATION", LIM_TOKEN_MAX + 64,
	    &bad);
	r->content_type = header(a, io, "CONTENT_TYPE", 256, &bad);
	r->if_match = header(a, io, "HTTP_IF_MATCH", 64, &bad);
	r->remote_addr = header(a, io, "REMOTE_ADDR", 64, &bad);
	r->idempotency_key = header(a, io, "HTTP_IDEMPOTENCY_KEY", 256, &bad);
	r->stripe_signature = header(a, io, "HTTP_STRIPE_SIGNATURE",
	    LIM_STRIPE_SIG_MAX, &bad);
	if (bad) {
		*why = "a request header is too long or holds control characters";
		return ERR_INVALID;
	}
	return read_body(r, a, io, why);
}

const char *
req_query(const struct req *r, const char *key, size_t *len)
{
	size_t i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, key) == 0) {
			if (len != NULL)
				*len = r->query[i].val_len;
			return r->query[i].val;
		}
	return NULL;
}
