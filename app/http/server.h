/*
 * server.h - one request from accept to finish: parse, route,
 * authenticate, run the handler, answer (a problem document on error),
 * and write one JSON log line.  All request memory comes from the arena
 * the caller passes and resets afterwards.
 */
#ifndef GROWVRD_SERVER_H
#define GROWVRD_SERVER_H

#include "http/ctx.h"
#include "http/req.h"

struct fcgi;
struct resp;

/* server_handle - serve the request now accepted on f. */
void server_handle(struct app *app, struct fcgi *f, struct arena *a);

/*
 * server_dispatch - everything but the transport: given a parsed (or
 * failed, parse_err != ERR_OK) request, fill resp.  Used by the fuzz and
 * unit tests to drive the whole request path without libfcgi.
 */
void server_dispatch(struct app *app, struct arena *a, struct req *r,
    enum err parse_err, const char *parse_why, struct resp *resp,
    const char **route_name);

#endif
