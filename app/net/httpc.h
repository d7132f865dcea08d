/*
 * httpc.h - the program's HTTP client, and its only user of libcurl.
 *
 * One struct httpc per worker wraps one curl easy handle, so connections
 * (and TLS sessions) to DynamoDB, Cognito and the JWKS endpoint are
 * reused across requests.  TLS peers are always verified.  Every call has
 * a connect timeout, a total timeout and a maximum response size.  Only
 * http and https are spoken, redirects are never followed, proxies named
 * by the environment are ignored, and a header whose name is not a token
 * or whose value holds CR or LF is refused.
 *
 * Ownership: the response body is a struct buf owned by the caller
 * (register it on the request arena with buf_defer, or buf_free it).
 */
#ifndef GROWVRD_HTTPC_H
#define GROWVRD_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct httpc;

struct httpc_header {
	const char *name;
	const char *value;
};

struct httpc_req {
	const char *method;                 /* "GET", "POST", "PUT" */
	const char *url;
	const struct httpc_header *headers;
	size_t      nheaders;
	const void *body;
	size_t      body_len;
	long        connect_timeout_ms;     /* 0 = default 1000 */
	long        timeout_ms;             /* 0 = default 3000 */
	size_t      max_response;           /* 0 = LIM_AWS_RESP_MAX */
};

struct httpc_resp {
	long       status;                  /* 0 when no response */
	struct buf body;                    /* initialised by httpc_do */
	int        timed_out;               /* the failure was a timeout */
	int        past_deadline;           /* not sent: no time was left */
	int        maybe_sent;              /* failed after the request may
	                                       have reached the peer (not a
	                                       refused connect, not a
	                                       deadline already past) */
};

/* httpc_global_init - once per process, before any thread exists. */
void httpc_global_init(void);

/*
 * httpc_global_cleanup - release libcurl's global state, once per
 * process after every client is freed (tests, clean shutdown).
 */
void httpc_global_cleanup(void);

/* httpc_new - a client with its own connection cache. */
struct httpc *httpc_new(void);

/* httpc_free - close connections and release.  NULL is a no-op. */
void httpc_free(struct httpc *h);

/*
 * httpc_set_deadline - every later call gets at most what is left before
 * at (CLOCK_MONOTONIC milliseconds, core/deadline.h) as its connect and
 * total timeouts; 0 removes the deadline.  The worker sets it per
 * request; a call made when nothing is left fails at once
 * (ERR_UNAVAILABLE, resp->past_deadline and resp->timed_out set).
 */
void httpc_set_deadline(struct httpc *h, int64_t at);

/* httpc_deadline - the deadline set, 0 when none. */
int64_t httpc_deadline(const struct httpc *h);

/*
 * httpc_do - perform req.  Returns ERR_OK when an HTTP response of any
 * status arrived (resp->status, resp->body); ERR_UNAVAILABLE on a
 * connection failure or timeout (resp->timed_out tells which);
 * ERR_TOO_LARGE when the body passes max_response; ERR_INVALID for a bad
 * URL, method or header.  resp->body must be released by the caller in
 * every case.
 */
enum err httpc_do(struct httpc *h, const struct httpc_req *req,
    struct httpc_resp *resp);

/*
 * httpc_last_header - the value of response header name (the last one
 * of that name) of h's last httpc_do that got an answer, copied into
 * out[0..n) with control characters refused.  False when there is none,
 * it does not fit, or it holds a control character.  (Stripe's
 * Stripe-Should-Retry, issue 14.)
 */
bool httpc_last_header(struct httpc *h, const char *name, char *out,
    size_t n);

#endif
