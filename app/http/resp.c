#include "http/resp.h"

#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/str.h"
#include "http/fcgi.h"
#include "json/jx.h"

static const struct problem {
	int         status;
	const char *type;       /* appended to "/problems/" */
	const char *title;
} problems[ERR__MAX] = {
	{ 200, "ok", "OK" },                                  /* ERR_OK */
	{ 400, "bad-request", "Bad request" },                /* ERR_INVALID */
	{ 413, "too-large", "Request too large" },            /* ERR_TOO_LARGE */
	{ 404, "not-found", "Not found" },                    /* ERR_NOT_FOUND */
	{ 409, "already-exists", "Already exists" },          /* ERR_EXISTS */
	{ 409, "conflict", "Conflict" },                      /* ERR_CONFLICT */
	{ 412, "precondition-failed", "Precondition failed" },/* ERR_PRECONDITION */
	{ 401, "unauthorized", "Unauthorized" },          /* ERR_UNAUTHENTICATED */
	{ 403, "forbidden", "Forbidden" },                    /* ERR_FORBIDDEN */
	{ 503, "unavailable", "Service unavailable" },        /* ERR_THROTTLED */
	{ 429, "quota-exceeded", "Quota exceeded" },          /* ERR_QUOTA */
	{ 503, "unavailable", "Service unavailable" },        /* ERR_UNAVAILABLE */
	/* API 1.1: a dependency answering nonsense is a 503 too. */
	{ 503, "unavailable", "Service unavailable" },        /* ERR_UPSTREAM */
	{ 501, "not-implemented", "Not implemented" },        /* ERR_UNSUPPORTED */
	{ 500, "internal", "Internal error" },                /* ERR_INTERNAL */
	{ 405, "method-not-allowed", "Method not allowed" },  /* ERR_METHOD */
	{ 415, "unsupported-media-type", "Unsupported media type" },
	                                                      /* ERR_MEDIA_TYPE */
	{ 422, "unprocessable", "Unprocessable content" },  /* ERR_UNPROCESSABLE */
};

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default:  return "Unknown";
	}
}

void
resp_init(struct resp *r, struct arena *a)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	r->arena = a;
	buf_init(&r->body, LIM_RESP_MAX);
	buf_defer(&r->body, a);
}

static bool
clean(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

static bool
has_header(const struct resp *r, const char *name)
{
	int i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return true;
	return false;
}

bool
resp_header(struct resp *r, const char *name, const char *value)
{
	if (r->nheaders == RESP_HEADERS_MAX || !clean(name) || !clean(value))
		return false;
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = value;
	r->nheaders++;
	return true;
}

void
resp_json(struct resp *r, int status, struct json_object *o)
{
	r->status = status;
	r->content_type = "application/json";
	buf_reset(&r->body);
	if (!jx_write(&r->body, o))
		resp_problem(r, ERR_INTERNAL, "the response is too large", NULL);
}

void
resp_json_text(struct resp *r, int status, const char *text, size_t n)
{
	r->status = status;
	r->content_type = "application/json";
	buf_reset(&r->body);
	if (!buf_append(&r->body, text, n))
		resp_problem(r, ERR_INTERNAL, "the response is too large", NULL);
}

void
resp_empty(struct resp *r, int status)
{
	r->status = status;
	r->content_type = NULL;
	buf_reset(&r->body);
}

int
resp_status_of(enum err e)
{
	return (unsigned)e < ERR__MAX ? problems[e].status : 500;
}

void
resp_problem(struct resp *r, enum err e, const char *detail,
    const char *request_id)
{
	const struct problem *p = &problems[(unsigned)e < ERR__MAX ? e :
	    ERR_INTERNAL];
	struct buf *b = &r->body;

	r->status = p->status;
	r->err = e;
	/* API 1.1: every 503 says when to come back. */
	if (p->status == 503 && !has_header(r, "Retry-After"))
		resp_header(r, "Retry-After", RESP_RETRY_AFTER);
	r->detail = detail != NULL ? detail : p->title;
	r->content_type = "application/problem+json";
	buf_reset(b);
	buf_printf(b, "{\"type\":\"/problems/%s\",\"title\":\"%s\","
	    "\"status\":%d,\"detail\":\"", p->type, p->title, p->status);
	str_json_escape(b, r->detail, strlen(r->detail));
	buf_puts(b, "\",\"request_id\":");
	if (request_id != NULL) {
		buf_putc(b, '"');
		str_json_escape(b, request_id, strlen(request_id));
		buf_puts(b, "\"}");
	} else
		buf_puts(b, "null}");
}

/* The status line, headers and the blank line. */
static bool
render_head(const struct resp *r, const char *request_id, struct buf *out)
{
	int i;

	buf_printf(out, "Status: %d %s\r\n", r->status, reason(r->status));
	if (r->content_type != NULL)
		buf_printf(out, "Content-Type: %s\r\n", r->content_type);
	if (request_id != NULL && clean(request_id))
		buf_printf(out, "X-Request-Id: %s\r\n", request_id);
	for (i = 0; i < r->nheaders; i++)
		buf_printf(out, "%s: %s\r\n", r->headers[i].name,
		    r->headers[i].value);
	if (r->status != 204 && r->status != 304)
		buf_printf(out, "Content-Length: %zu\r\n", r->body.len);
	return buf_puts(out, "\r\n");
}

static bool
has_body(const struct resp *r, bool head_only)
{
	return !head_only && r->status != 204 && r->status != 304 &&
	    r->body.len > 0;
}

bool
resp_render(const struct resp *r, const char *request_id, bool head_only,
    struct buf *out)
{
	if (!render_head(r, request_id, out))
		return false;
	return !has_body(r, head_only) ||
	    buf_append(out, r->body.data, r->body.len);
}

bool
resp_send(const struct resp *r, struct fcgi *f, const char *request_id,
    bool head_only)
{
	struct buf head;
	bool ok;

	/* Headers in a small buffer; the body straight from its own. */
	buf_init(&head, 16384);
	ok = render_head(r, request_id, &head) &&
	    fcgi_write(f, head.data, head.len);
	if (ok && has_body(r, head_only))
		ok = fcgi_write(f, r->body.data, r->body.len);
	buf_free(&head);
	return ok;
}
