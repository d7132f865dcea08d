/*
 * resp.h - building and sending one response.
 *
 * A handler sets a status, headers and a JSON body; errors become RFC 9457
 * problem documents through one table that maps our enum err to status,
 * type and title.  The problem's detail is only ever our own text: never
 * an AWS message, a table name or a stack.  resp_send writes the
 * FastCGI/CGI response with X-Request-Id and Content-Length.
 *
 * Ownership: everything lives in the request's arena (the body buffer is
 * released with it).
 */
#ifndef GROWVRD_RESP_H
#define GROWVRD_RESP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct arena;
struct fcgi;
struct json_object;

#define RESP_HEADERS_MAX 8

struct resp {
	int         status;
	const char *content_type;
	struct {
		const char *name;
		const char *value;
	}           headers[RESP_HEADERS_MAX];
	int         nheaders;
	struct buf  body;
	enum err    err;        /* for the log line; ERR_OK on success */
	const char *detail;     /* the problem detail, for the log line */
	struct arena *arena;
};

/*
 * resp_init - an empty 200 response whose memory is a's.  The body is
 * released by a's cleanup, so r itself must live as long as a (allocate
 * it from a).
 */
void resp_init(struct resp *r, struct arena *a);

/*
 * resp_header - add a header.  name and value must outlive the response
 * (string literals or arena strings) and hold no CR/LF; false if full or
 * ill-formed.
 */
bool resp_header(struct resp *r, const char *name, const char *value);

/* resp_json - status and the compact serialization of o as the body. */
void resp_json(struct resp *r, int status, struct json_object *o);

/* resp_json_text - status and text[0..n), JSON already, as the body. */
void resp_json_text(struct resp *r, int status, const char *text, size_t n);

/* resp_empty - a status without a body (204). */
void resp_empty(struct resp *r, int status);

/* Retry-After (seconds) of a 503: a dependency is down or slow. */
#define RESP_RETRY_AFTER "2"

/*
 * resp_problem - replace the response with the problem document for e,
 * with detail (our own static or arena text; NULL for the title) and the
 * request id.  Keeps headers already set (Allow, WWW-Authenticate,
 * Retry-After); a 503 without Retry-After gets RESP_RETRY_AFTER.
 */
void resp_problem(struct resp *r, enum err e, const char *detail,
    const char *request_id);

/* resp_status_of - the HTTP status that e maps to. */
int resp_status_of(enum err e);

/*
 * resp_render - the whole CGI response (Status line, headers, blank line,
 * body) appended to out.  Split from resp_send so tests can read it.
 */
bool resp_render(const struct resp *r, const char *request_id,
    bool head_only, struct buf *out);

/* resp_send - render and write to the FastCGI stream. */
bool resp_send(const struct resp *r, struct fcgi *f, const char *request_id,
    bool head_only);

#endif
