/*
 * router.h - the route table and its matcher.
 *
 * Routes are data: a static table of {method, pattern, handler, auth}.
 * A pattern is a path whose "{name}" segments capture one decoded path
 * segment each.  A path that matches no pattern is ERR_NOT_FOUND; a path
 * that matches with another method is ERR_METHOD with the Allow list.
 */
#ifndef GROWVRD_ROUTER_H
#define GROWVRD_ROUTER_H

#include <stddef.h>

#include "http/ctx.h"
#include "http/req.h"

enum route_auth {
	AUTH_NONE,    /* public */
	AUTH_BEARER,  /* any valid access or ID token */
	AUTH_ADMIN,   /* a valid token whose groups hold "admin" */
	AUTH__MAX
};

struct route {
	enum http_method method;
	const char      *pattern;
	handler_fn       fn;
	enum route_auth  auth;
	const char      *name;     /* for logs: "plants.get" */
};

struct route_match {
	const struct route *route;
	const char         *param[CTX_PARAMS_MAX];
	char                allow[64];   /* on ERR_METHOD: "GET, PUT" */
};

/*
 * router_match - find the route for method and the path segments of r.
 * HEAD matches a GET route.  Returns ERR_OK, ERR_NOT_FOUND or ERR_METHOD.
 */
enum err router_match(const struct req *r, struct route_match *m);

/* router_table - the table itself (for the OpenAPI test). */
const struct route *router_table(size_t *n);

#endif
