#include "http/server.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/session.h"
#include "auth/token.h"
#include "aws/aws.h"
#include "core/arena.h"
#include "core/deadline.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/fcgi.h"
#include "http/resp.h"
#include "http/router.h"

static const char *
io_param(void *ctx, const char *name)
{
	return fcgi_param(ctx, name);
}

static size_t
io_read(void *ctx, char *p, size_t n)
{
	return fcgi_read(ctx, p, n);
}

/* A body, where one is sent, must be JSON (RFC 8259 media type). */
static bool
json_media_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL)
		return false;
	return strncmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * The dependency that failed outside the AWS client (the JWKS endpoint,
 * fetched by auth/jwks), for the request's log line; reset per request.
 */
static const char *auth_dependency;

/*
 * RFC 6750 §2.1 and §3: a route that needs a token and has none answers
 * 401 with a bare challenge; a bad token adds error="invalid_token".
 * The handler receives the verified principal, never the token.
 */
static enum err
authenticate(struct ctx *c, enum route_auth need)
{
	static const char prefix[] = "Bearer ";
	const char *h = c->req->authorization, *tok, *why = NULL;
	const char *failed = "jwks";
	struct principal *p;
	enum err e;

	if (need == AUTH_NONE)
		return ERR_OK;
	if (h == NULL) {
		resp_header(c->resp, "WWW-Authenticate",
		    "Bearer realm=\"growvrd\"");
		c->detail = "this route needs a bearer token";
		return ERR_UNAUTHENTICATED;
	}
	if ((p = arena_alloc(c->a, sizeof(*p))) == NULL)
		return ERR_TOO_LARGE;
	if (strncasecmp(h, prefix, sizeof(prefix) - 1) != 0) {
		e = ERR_UNAUTHENTICATED;
		why = "the Authorization header is not a bearer token";
	} else {
		tok = h + sizeof(prefix) - 1;
		e = token_verify(&c->app->tok, c->a, tok, strlen(tok),
		    TOKEN_USE_ANY, token_now(), p, NULL, &why);
	}
	/* Sign-outs and deletions (auth/session.h), on every worker. */
	if (e == ERR_OK) {
		e = session_check(c->app->sessions, c->a, p, session_now_ms(),
		    c->req->method != M_GET && c->req->method != M_HEAD, &why);
		failed = "dynamodb";    /* the sign-out record's table */
	}
	if (e == ERR_UNAUTHENTICATED) {
		resp_header(c->resp, "WWW-Authenticate",
		    "Bearer realm=\"growvrd\", error=\"invalid_token\"");
		log_kv(LOG_INFO, "token refused", "request_id",
		    c->req->request_id, "why", why, NULL);
		c->detail = "the bearer token is invalid or expired";
		return e;
	}
	if (e != ERR_OK) {
		c->detail = "tokens cannot be checked right now";
		auth_dependency = failed;
		return e == ERR_TOO_LARGE ? e : ERR_UNAVAILABLE;
	}
	if (need == AUTH_ADMIN && !p->is_admin) {
		c->detail = "this route is for administrators";
		return ERR_FORBIDDEN;
	}
	c->who = p;
	c->bearer = tok;        /* for ChangePassword and sign-outs only */
	return ERR_OK;
}

void
server_dispatch(struct app *app, struct arena *a, struct req *r,
    enum err parse_err, const char *parse_why, struct resp *resp,
    const char **route_name)
{
	struct route_match m;
	struct ctx c;
	enum err e;

	memset(&c, 0, sizeof(c));
	c.app = app;
	c.a = a;
	c.req = r;
	c.resp = resp;
	*route_name = "-";
	if (parse_err != ERR_OK) {
		resp_problem(resp, parse_err, parse_why, r->request_id);
		return;
	}
	if ((e = router_match(r, &m)) != ERR_OK) {
		if (e == ERR_METHOD)
			resp_header(resp, "Allow", arena_strdup(a, m.allow));
		resp_problem(resp, e, e == ERR_METHOD ?
		    "this resource does not support the method" :
		    "no resource has this path", r->request_id);
		return;
	}
	*route_name = m.route->name;
	memcpy(c.param, m.param, sizeof(c.param));
	if (r->body_len > 0 && !json_media_type(r->content_type)) {
		resp_problem(resp, ERR_MEDIA_TYPE,
		    "the body must be application/json", r->request_id);
		return;
	}
	if ((e = authenticate(&c, m.route->auth)) == ERR_OK)
		e = m.route->fn(&c);
	if (e != ERR_OK)
		resp_problem(resp, e, c.detail, r->request_id);
}

static long
elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000000L +
	    (t1.tv_nsec - t0->tv_nsec) / 1000L;
}

/*
 * The request's deadline: GROWVRD_REQUEST_DEADLINE_MS from when nginx
 * received it (REQUEST_START - REQUEST_AGE, nginx's $msec and
 * $request_time when it passed the request on), else from now.
 */
static int64_t
request_deadline(const struct app *app, struct fcgi *f)
{
	const char *s = fcgi_param(f, "REQUEST_START");
	const char *age = fcgi_param(f, "REQUEST_AGE");
	int64_t start = 0, ms = 0;

	if (s == NULL || !deadline_parse_msec(s, strlen(s), &start))
		start = 0;
	/* REQUEST_START is when nginx passed it on; REQUEST_AGE how long
	 * nginx had held it by then. */
	if (start > 0 && age != NULL &&
	    deadline_parse_msec(age, strlen(age), &ms) && ms < start)
		start -= ms;
	return deadline_from_start(start, app->cfg.request_deadline_ms,
	    deadline_wall_ms(), deadline_now_ms());
}

/* The request's line: which dependency failed, its attempts and time. */
static void
log_request(struct app *app, const struct req *r, const char *route,
    const struct resp *resp, long micros)
{
	struct aws_report rep;
	char status[8], us[24], calls[16], dep_ms[24], att[16], fms[24];

	aws_request_report(app->aws, &rep);
	if (rep.failed_service == NULL && auth_dependency != NULL) {
		rep.failed_service = auth_dependency;
		rep.failed_error = strcmp(auth_dependency, "queue") == 0 ?
		    "deadline" : "unavailable";
	}
	snprintf(status, sizeof(status), "%d", resp->status);
	snprintf(us, sizeof(us), "%ld", micros);
	snprintf(calls, sizeof(calls), "%d", rep.calls);
	snprintf(dep_ms, sizeof(dep_ms), "%ld", rep.ms);
	snprintf(att, sizeof(att), "%d", rep.failed_attempts);
	snprintf(fms, sizeof(fms), "%ld", rep.failed_ms);
	log_kv(resp->status >= 500 ? LOG_WARN : LOG_INFO, "request",
	    "request_id", r->request_id, "method", r->method_name,
	    "route", route, "path", r->path ? r->path : "-", "status", status,
	    "latency_us", us, "error", resp->err != ERR_OK ?
	    err_name(resp->err) : NULL, "detail", resp->err != ERR_OK ?
	    resp->detail : NULL, "aws_calls", rep.calls > 0 ? calls : NULL,
	    "aws_ms", rep.calls > 0 ? dep_ms : NULL,
	    "dependency", rep.failed_service, "dependency_op",
	    rep.failed_target, "dependency_error", rep.failed_error,
	    "dependency_attempts", rep.failed_service ? att : NULL,
	    "dependency_ms", rep.failed_service ? fms : NULL, NULL);
}

void
server_handle(struct app *app, struct fcgi *f, struct arena *a)
{
	struct timespec t0;
	struct req r;
	struct resp *resp;
	const char *why = NULL, *route;
	enum err e;
	struct req_io io = { io_param, io_read, f };
	int64_t deadline;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	auth_dependency = NULL;
	deadline = request_deadline(app, f);
	aws_request_begin(app->aws, deadline);
	/* In the arena: its body is released by the arena's cleanup. */
	resp = arena_alloc(a, sizeof(*resp));
	if (resp == NULL)
		return;
	resp_init(resp, a);
	e = req_parse(&r, a, &io, &why);
	/* Writes that must be applied once condition on the request id. */
	ddb_begin_request(&app->ddb, r.request_id);
	if (e == ERR_OK && deadline_left_ms(deadline) <= 0) {
		/* It waited for a worker until its deadline: answer that,
		 * not late (API 1.1), whatever it asked. */
		route = "-";
		auth_dependency = "queue";
		resp_problem(resp, ERR_UNAVAILABLE, "the service is busy; the "
		    "request waited past its deadline", r.request_id);
	} else
		server_dispatch(app, a, &r, e, why, resp, &route);
	if (!resp_send(resp, f, r.request_id, r.method == M_HEAD))
		log_kv(LOG_INFO, "client went away", "request_id",
		    r.request_id, NULL);
	metrics_request(route, resp->status, resp->err, elapsed_us(&t0));
	log_request(app, &r, route, resp, elapsed_us(&t0));
	/* Nothing after the answer runs against this request's clock. */
	aws_request_begin(app->aws, 0);
	ddb_begin_request(&app->ddb, NULL);
}
