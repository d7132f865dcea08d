/*
 * req.h - the one place that reads a request.
 *
 * req_parse turns the FastCGI parameters and body into typed values:
 * the method as an enum, the path split into percent-decoded segments,
 * the query string into decoded key/value pairs (each at most once), the
 * few headers the API uses, and the body, read only after CONTENT_LENGTH
 * was checked against the limit.  Every length is checked; NUL bytes
 * and control characters are refused.  Handlers never see raw params.
 *
 * Ownership: every string points into the request's arena.
 */
#ifndef GROWVRD_REQ_H
#define GROWVRD_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/limits.h"

struct arena;

enum http_method {
	M_GET,     /* M_GET */
	M_HEAD,    /* M_HEAD */
	M_POST,    /* M_POST */
	M_PUT,     /* M_PUT */
	M_PATCH,   /* M_PATCH */
	M_DELETE,  /* M_DELETE */
	M_OPTIONS, /* M_OPTIONS */
	M_OTHER,   /* anything else */
	M__MAX
};

#define REQ_SEGMENTS_MAX 12
/* The one route whose body may pass LIM_BODY_MAX (LIM_WEBHOOK_BODY_MAX). */
#define REQ_WEBHOOK_PATH "/api/v1/webhooks/stripe"

struct req_param {
	const char *key;
	const char *val;
	size_t      val_len;
};

struct req {
	enum http_method method;
	const char *method_name;
	const char *path;                  /* raw path, without the query */
	const char *seg[REQ_SEGMENTS_MAX]; /* decoded path segments */
	size_t      nseg;
	struct req_param query[LIM_QUERY_PARAMS];
	size_t      nquery;
	const char *authorization;         /* NULL when absent */
	const char *content_type;
	const char *if_match;
	const char *request_id;            /* always set */
	const char *remote_addr;
	const char *idempotency_key;       /* Idempotency-Key (issue 12) */
	const char *stripe_signature;      /* Stripe-Signature (issue 14) */
	const char *body;                  /* NUL-terminated; "" when none */
	size_t      body_len;
};

/* Where req_parse gets its input: libfcgi in the worker, tables in tests. */
struct req_io {
	const char *(*param)(void *ctx, const char *name);
	size_t      (*read)(void *ctx, char *p, size_t n);
	void        *ctx;
};

/*
 * req_parse - fill r from io.  Returns ERR_OK; ERR_INVALID (ill-formed
 * path, query or header; body shorter than announced), ERR_TOO_LARGE
 * (body or query past the limit), with a static reason in *why.  Even on
 * error r->method, r->path and r->request_id are usable for the answer
 * and the log line.
 */
enum err req_parse(struct req *r, struct arena *a, const struct req_io *io,
    const char **why);

/* req_query - the decoded value of query parameter key, or NULL. */
const char *req_query(const struct req *r, const char *key, size_t *len);

/* req_method_name - "GET", ... for m. */
const char *req_method_name(enum http_method m);

#endif
