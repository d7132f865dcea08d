#include "aws/aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/creds.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/deadline.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "json/jx.h"
#include "net/httpc.h"

#define AWS_REGION_DEFAULT    "us-east-1"
#define AWS_REGION_MAX        32
#define AWS_CONNECT_DEFAULT   1000L
#define AWS_TIMEOUT_DEFAULT   3000L
#define AWS_ERR_BODY_MAX      (64 * 1024)   /* error answers parsed */
#define AWS_ERR_JSON_DEPTH    8
#define AWS_TYPE_MAX          128
#define AWS_MESSAGE_MAX       512
#define AWS_ENDPOINT_MAX      2048
/* Host, Content-Type, X-Amz-Target, what the signer adds, Authorization */
#define AWS_HEADERS_MAX       (3 + SIGV4_ADDED_MAX + 1)
/* No retry is started with less than this left before the deadline. */
#define AWS_ATTEMPT_MIN_MS    50L
#define AWS_NAME_MAX          64

/* Each dependency draws on its own retry budget. */
enum aws_dep {
	AWS_DEP_DYNAMODB,       /* the policy's own quota (aws_retry) */
	AWS_DEP_COGNITO,
	AWS_DEP_OTHER,          /* Secrets Manager, anything else */
	AWS_DEP__MAX
};

struct aws {
	struct httpc          *http;
	struct creds_provider *creds;
	char                   region[AWS_REGION_MAX + 1];
	long                   connect_timeout_ms;
	long                   timeout_ms;
	struct retry           retry;
	int                    quota[AWS_DEP__MAX];  /* [0] unused */
	/* This request's report (aws_request_begin resets it). */
	int                    calls;
	long                   ms;
	bool                   failed;
	char                   failed_service[AWS_NAME_MAX];
	char                   failed_target[AWS_NAME_MAX];
	char                   failed_error[AWS_NAME_MAX];
	int                    failed_attempts;
	long                   failed_ms;
};

/* The pieces of an endpoint: "scheme://host[:port]" and the path. */
struct target {
	const char *url;
	const char *host;       /* Host header value, port included */
	const char *path;       /* "/" when the endpoint has none */
};

#define LOWER  "abcdefghijklmnopqrstuvwxyz"
#define UPPER  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"

/* s[0..n) is 1..max bytes, all from the set chars. */
static bool
all_of(const char *s, size_t n, size_t max, const char *chars)
{
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(chars, s[i]) == NULL)
			return false;
	return true;
}

static bool
region_ok(const char *r)
{
	return all_of(r, strlen(r), AWS_REGION_MAX, LOWER DIGITS "-");
}

void
aws_config_of(const struct config *cfg, struct aws_config *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->region = cfg->region;
	ac->connect_timeout_ms = cfg->aws_connect_timeout_ms;
	ac->timeout_ms = cfg->aws_timeout_ms;
	ac->max_attempts = (int)cfg->aws_max_attempts;
}

struct aws *
aws_new(const struct aws_config *cfg, struct httpc *http)
{
	const char *region = cfg->region != NULL && cfg->region[0] != '\0' ?
	    cfg->region : AWS_REGION_DEFAULT;
	const char *why = NULL;
	struct sigv4_creds c;
	struct aws *aws;

	if (http == NULL)
		why = "no HTTP client";
	else if (!region_ok(region))
		why = "bad region";
	else if (cfg->connect_timeout_ms < 0 || cfg->timeout_ms < 0)
		why = "negative timeout";
	else if (cfg->max_attempts < 0 ||
	    cfg->max_attempts > RETRY_MAX_ATTEMPTS_LIMIT)
		why = "max_attempts out of range";
	if (why != NULL) {
		log_kv(LOG_ERROR, "aws: unusable configuration", "reason", why,
		    "region", region, NULL);
		return NULL;
	}
	aws = xcalloc(1, sizeof(*aws));
	aws->http = http;
	memcpy(aws->region, region, strlen(region) + 1);
	aws->connect_timeout_ms = cfg->connect_timeout_ms > 0 ?
	    cfg->connect_timeout_ms : AWS_CONNECT_DEFAULT;
	aws->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms :
	    AWS_TIMEOUT_DEFAULT;
	retry_init(&aws->retry, cfg->max_attempts);
	aws->quota[AWS_DEP_COGNITO] = RETRY_QUOTA_INITIAL;
	aws->quota[AWS_DEP_OTHER] = RETRY_QUOTA_INITIAL;
	aws->creds = creds_new(http);
	/* Walk the chain once now, so the log says early where the
	 * credentials come from.  After a failure the provider holds off
	 * for CREDS_RETRY_HOLDOFF seconds, then the next call walks it. */
	if (creds_get(aws->creds, time(NULL), &c) != ERR_OK)
		log_kv(LOG_WARN, "aws: no credentials yet", NULL);
	return aws;
}

void
aws_free(struct aws *aws)
{
	if (aws == NULL)
		return;
	creds_free(aws->creds);
	free(aws);
}

struct retry *
aws_retry(struct aws *aws)
{
	return &aws->retry;
}

struct creds_provider *
aws_creds(struct aws *aws)
{
	return aws->creds;
}

void
aws_request_begin(struct aws *aws, int64_t deadline)
{
	httpc_set_deadline(aws->http, deadline);
	aws->calls = 0;
	aws->ms = 0;
	aws->failed = false;
	aws->failed_service[0] = aws->failed_target[0] = '\0';
	aws->failed_error[0] = '\0';
	aws->failed_attempts = 0;
	aws->failed_ms = 0;
}

int64_t
aws_deadline(const struct aws *aws)
{
	return httpc_deadline(aws->http);
}

void
aws_set_deadline(struct aws *aws, int64_t deadline)
{
	httpc_set_deadline(aws->http, deadline);
}

void
aws_request_report(const struct aws *aws, struct aws_report *out)
{
	memset(out, 0, sizeof(*out));
	out->calls = aws->calls;
	out->ms = aws->ms;
	if (!aws->failed)
		return;
	out->failed_service = aws->failed_service;
	out->failed_target = aws->failed_target;
	out->failed_error = aws->failed_error;
	out->failed_attempts = aws->failed_attempts;
	out->failed_ms = aws->failed_ms;
}

/* Copy s (or "-") into a fixed field, truncated. */
static void
copy_name(char *dst, const char *s)
{
	snprintf(dst, AWS_NAME_MAX, "%s", s != NULL ? s : "-");
}

/* Remember the call that failed, for the request's log line. */
static void
note_failure(struct aws *aws, const struct aws_call *call, const char *why,
    int attempts, long ms)
{
	aws->failed = true;
	copy_name(aws->failed_service, call->service);
	copy_name(aws->failed_target, call->target);
	copy_name(aws->failed_error, why);
	aws->failed_attempts = attempts;
	aws->failed_ms = ms;
}

/* The retry budget of the call's dependency (NULL: the policy's own). */
static int *
budget_of(struct aws *aws, const char *service)
{
	if (strcmp(service, "dynamodb") == 0)
		return NULL;
	if (strcmp(service, "cognito-idp") == 0)
		return &aws->quota[AWS_DEP_COGNITO];
	return &aws->quota[AWS_DEP_OTHER];
}

/* AWS says the credentials' session has ended. */
static bool
expired_token(const char *type)
{
	return type != NULL && (strcmp(type, "ExpiredTokenException") == 0 ||
	    strcmp(type, "ExpiredToken") == 0);
}

/*
 * Split an endpoint into Host header and path.  Only
 * http(s)://host[:port][/path]: no user info, query, fragment, spaces
 * or control bytes (the path is signed as is).
 */
static enum err
split_endpoint(struct arena *a, const char *ep, struct target *t)
{
	const char *auth, *slash;
	size_t i, n;

	if (ep == NULL || (n = strlen(ep)) == 0 || n > AWS_ENDPOINT_MAX)
		return ERR_INVALID;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)ep[i];
		if (c <= 0x20 || c >= 0x7f || strchr("@?#\\", c) != NULL)
			return ERR_INVALID;
	}
	if (strncmp(ep, "https://", 8) == 0)
		auth = ep + 8;
	else if (strncmp(ep, "http://", 7) == 0)
		auth = ep + 7;
	else
		return ERR_INVALID;
	slash = strchr(auth, '/');
	n = slash != NULL ? (size_t)(slash - auth) : strlen(auth);
	if (n == 0)
		return ERR_INVALID;
	t->url = ep;
	t->host = arena_strndup(a, auth, n);
	t->path = slash != NULL ? slash : "/";
	return t->host != NULL ? ERR_OK : ERR_TOO_LARGE;
}

/* The short error code: after the last '#', before any ':'. */
static const char *
short_type(struct arena *a, const char *s, size_t n)
{
	const char *hash, *colon;

	while ((hash = memchr(s, '#', n)) != NULL) {
		n -= (size_t)(hash + 1 - s);
		s = hash + 1;
	}
	if ((colon = memchr(s, ':', n)) != NULL)
		n = (size_t)(colon - s);
	if (!all_of(s, n, AWS_TYPE_MAX, LOWER UPPER DIGITS "_.-"))
		return NULL;
	return arena_strndup(a, s, n);
}

/*
 * Read "__type" and "message" (or "Message") of an error answer through
 * the strict parser; anything odd leaves them NULL.
 */
static void
parse_error(struct arena *a, const struct buf *body, const char **type,
    const char **message)
{
	struct json_object *root = NULL;
	const char *why, *s;
	size_t n;

	*type = *message = NULL;
	if (body->len == 0 || body->len > AWS_ERR_BODY_MAX ||
	    jx_parse(a, body->data, body->len, AWS_ERR_BODY_MAX,
	    AWS_ERR_JSON_DEPTH, &root, &why) != ERR_OK ||
	    !json_object_is_type(root, json_type_object))
		return;
	if ((s = jx_str(root, "__type", &n)) != NULL)
		*type = short_type(a, s, n);
	if ((s = jx_str(root, "message", &n)) != NULL ||
	    (s = jx_str(root, "Message", &n)) != NULL)
		*message = arena_strndup(a, s,
		    n > AWS_MESSAGE_MAX ? AWS_MESSAGE_MAX : n);
}

/*
 * Sign the request made of headers sh[0..nsh) (Host first) and append
 * the signer's headers and Authorization to hh at *n.  ERR_INTERNAL
 * without credentials or a signature; ERR_TOO_LARGE past a's cap.
 */
static enum err
sign(struct aws *aws, struct arena *a, const struct aws_call *call,
    const struct target *t, const struct sigv4_header *sh, size_t nsh,
    struct httpc_header *hh, size_t *n)
{
	time_t now = time(NULL);
	struct sigv4_request sr = { .method = "POST", .target = t->path,
	    .headers = sh, .nheaders = nsh, .body = call->body,
	    .body_len = call->body_len, .region = aws->region,
	    .service = call->service, .when = now, .normalize = true,
	    .sign_body = false };
	struct sigv4_creds c;
	struct sigv4_out so;
	enum err e;
	size_t i;

	if (creds_get(aws->creds, now, &c) != ERR_OK) {
		log_kv(LOG_ERROR, "aws: no credentials for the call",
		    "service", call->service, NULL);
		return ERR_UNAVAILABLE;
	}
	memset(&so, 0, sizeof(so));
	e = sigv4_sign(a, &sr, &c, &so);
	if (e != ERR_OK) {
		log_kv(LOG_ERROR, "aws: cannot sign the call", "service",
		    call->service, "error", err_name(e), "why", so.why, NULL);
		return e == ERR_TOO_LARGE ? e : ERR_INTERNAL;
	}
	for (i = 0; i < so.nadded && i < SIGV4_ADDED_MAX; i++) {
		hh[*n].name = so.added[i].name;
		hh[(*n)++].value = so.added[i].value;
	}
	hh[*n].name = "Authorization";
	hh[(*n)++].value = so.authorization;
	return ERR_OK;
}

/*
 * Sign (unless the call is unsigned) and send one attempt.  Returns
 * ERR_OK when the request was handed to the HTTP client, whose result
 * is in *net and resp; else what sign() returned.  resp->body is
 * initialised in every case.
 */
static enum err
attempt(struct aws *aws, struct arena *a, const struct aws_call *call,
    const struct target *t, struct httpc_resp *resp, enum err *net)
{
	struct sigv4_header sh[3] = { { "Host", t->host },
	    { "Content-Type", call->content_type },
	    { "X-Amz-Target", call->target } };
	size_t nsh = call->target != NULL ? 3 : 2, n, i;
	struct httpc_header hh[AWS_HEADERS_MAX];
	struct httpc_req req = { .method = "POST", .url = t->url,
	    .headers = hh, .body = call->body, .body_len = call->body_len,
	    .connect_timeout_ms = aws->connect_timeout_ms,
	    .timeout_ms = aws->timeout_ms, .max_response = LIM_AWS_RESP_MAX };
	enum err e;

	buf_init(&resp->body, 0);
	resp->status = 0;
	resp->timed_out = 0;
	*net = ERR_INTERNAL;
	for (n = i = 0; i < nsh; i++) {
		hh[n].name = sh[i].name;
		hh[n++].value = sh[i].value;
	}
	if (!call->unsigned_call &&
	    (e = sign(aws, a, call, t, sh, nsh, hh, &n)) != ERR_OK)
		return e;      /* ERR_UNAVAILABLE: no credentials */
	req.nheaders = n;
	*net = httpc_do(aws->http, &req, resp);
	return ERR_OK;
}

/* The enum err of a call that ends without a 2xx answer. */
static enum err
final_error(enum err net, long status, enum retry_kind kind)
{
	switch (net) {
	case ERR_OK:
		break;
	case ERR_UNAVAILABLE:
		return ERR_UNAVAILABLE;
	case ERR_TOO_LARGE:
		return ERR_UPSTREAM;    /* AWS answered past our limit */
	case ERR_INVALID:
		return ERR_INTERNAL;    /* our endpoint or headers were bad */
	default:
		return net;
	}
	if (kind == RETRY_THROTTLE)
		return ERR_THROTTLED;
	if (kind == RETRY_TRANSIENT || kind == RETRY_TIMEOUT || status >= 500)
		return ERR_UNAVAILABLE;
	return ERR_UPSTREAM;
}

/* What a retry log line calls the failure. */
static const char *
failure_name(enum err net, bool timed_out, const char *type)
{
	if (type != NULL)
		return type;
	if (net == ERR_UNAVAILABLE)
		return timed_out ? "timeout" : "connection";
	return "http";
}

static void
log_retry(const struct aws_call *call, const struct aws_result *res,
    enum err net, long delay_ms)
{
	char attempt[16], status[16], delay[24];

	snprintf(attempt, sizeof(attempt), "%d", res->attempts);
	snprintf(status, sizeof(status), "%ld", res->status);
	snprintf(delay, sizeof(delay), "%ld", delay_ms);
	log_kv(LOG_WARN, "aws call retry", "service", call->service, "target",
	    call->target, "attempt", attempt, "status", status, "error_type",
	    failure_name(net, res->timed_out, res->error_type), "delay_ms",
	    delay, NULL);
}

static void
log_failure(const struct aws_call *call, const struct aws_result *res,
    enum err net, enum err e, bool quota_empty)
{
	char attempts[16], status[16];

	snprintf(attempts, sizeof(attempts), "%d", res->attempts);
	snprintf(status, sizeof(status), "%ld", res->status);
	/* A 4xx is usually expected by the caller (a lost condition). */
	log_kv(e == ERR_UPSTREAM ? LOG_DEBUG : LOG_WARN, "aws call failed",
	    "service", call->service, "target", call->target, "error",
	    err_name(e), "attempts", attempts, "status", status, "error_type",
	    failure_name(net, res->timed_out, res->error_type), "message",
	    res->error_message, "retry_quota", quota_empty ? "empty" : "ok",
	    NULL);
}

static void
free_buf_cb(void *p)
{
	buf_free(p);
}

/* Hand the answer's buffer to the arena and point res at it. */
static enum err
keep_body(struct arena *a, struct buf *body, struct aws_result *res)
{
	struct buf *kept = arena_alloc(a, sizeof(*kept));

	if (kept == NULL) {
		buf_free(body);
		return ERR_TOO_LARGE;
	}
	*kept = *body;          /* the bytes move; body is not freed here */
	if (arena_defer(a, free_buf_cb, kept) != 0)
		return ERR_TOO_LARGE;   /* already freed by arena_defer */
	res->body = buf_cstr(kept);
	res->body_len = kept->len;
	return ERR_OK;
}

static bool
call_ok(const struct aws_call *call)
{
	return call->service != NULL && call->service[0] != '\0' &&
	    call->content_type != NULL &&
	    (call->body != NULL || call->body_len == 0);
}

/* Is there time for another attempt after sleeping delay ms? */
static bool
time_for(const struct aws *aws, long delay)
{
	return deadline_left_ms(httpc_deadline(aws->http)) >=
	    (int64_t)delay + AWS_ATTEMPT_MIN_MS;
}

/* An attempt whose outcome is unknown: it may have been applied. */
static bool
outcome_unknown(enum err net, const struct httpc_resp *resp)
{
	return (net == ERR_UNAVAILABLE && resp->maybe_sent) ||
	    (net == ERR_OK && resp->status >= 500);
}

/* Finish the call's accounting; returns e. */
static enum err
done(struct aws *aws, const struct aws_call *call,
    const struct aws_result *res, enum err e, int64_t t0, const char *why)
{
	long ms = (long)(deadline_now_ms() - t0);

	aws->calls++;
	aws->ms += ms;
	metrics_dep(call->service, res->attempts, e, ms * 1000L,
	    res->past_deadline);
	if (e != ERR_OK && e != ERR_UPSTREAM)
		note_failure(aws, call, why, res->attempts, ms);
	return e;
}

enum err
aws_json_call(struct aws *aws, struct arena *a, const struct aws_call *call,
    struct aws_result *res)
{
	struct httpc_resp resp;
	struct retry_call rc;
	struct target t;
	enum retry_kind kind = RETRY_NONE;
	enum err net = ERR_INTERNAL, e;
	bool quota_empty = false, unknown = false, refreshed = false;
	int64_t t0 = deadline_now_ms();
	long delay;

	memset(res, 0, sizeof(*res));
	e = call_ok(call) ? split_endpoint(a, call->endpoint, &t) : ERR_INVALID;
	if (e == ERR_TOO_LARGE)
		return e;
	if (e != ERR_OK) {
		log_kv(LOG_ERROR, "aws: malformed call", "service",
		    call->service, "endpoint", call->endpoint, NULL);
		return ERR_INTERNAL;
	}
	retry_call_start(&rc);
	rc.quota = budget_of(aws, call->service);
	for (;;) {
		rc.attempts++;
		if (unknown)
			res->replayed = true;
		e = attempt(aws, a, call, &t, &resp, &net);
		res->attempts = rc.attempts;
		res->status = resp.status;
		res->timed_out = resp.timed_out != 0;
		res->past_deadline = resp.past_deadline != 0;
		res->error_type = res->error_message = NULL;
		if (e != ERR_OK) {
			res->attempts--;        /* this one was never sent */
			buf_free(&resp.body);
			return done(aws, call, res, e, t0, e == ERR_UNAVAILABLE ?
			    "credentials" : "internal");
		}
		if (net == ERR_OK && resp.status >= 200 && resp.status < 300) {
			retry_success(&aws->retry, &rc);
			return done(aws, call, res, keep_body(a, &resp.body, res),
			    t0, NULL);
		}
		if (resp.past_deadline)
			break;
		unknown = unknown || outcome_unknown(net, &resp);
		if (net == ERR_OK)
			parse_error(a, &resp.body, &res->error_type,
			    &res->error_message);
		/* Expired session credentials: fetch new ones, try once
		 * more (the request was refused, so nothing was applied). */
		if (net == ERR_OK && !refreshed && !call->unsigned_call &&
		    expired_token(res->error_type) && time_for(aws, 0)) {
			refreshed = true;
			creds_invalidate(aws->creds);
			rc.attempts--;
			buf_free(&resp.body);
			continue;
		}
		kind = retry_classify(net, res->timed_out, resp.status,
		    res->error_type);
		/*
		 * A call that changes state and has no token to make a repeat
		 * safe is repeated only when this attempt certainly did
		 * nothing: it never reached the service, or was refused by
		 * throttling.  Otherwise its outcome is unknown.
		 */
		if (call->once && kind != RETRY_NONE && kind != RETRY_THROTTLE &&
		    outcome_unknown(net, &resp)) {
			res->outcome_unknown = true;
			kind = RETRY_NONE;
		}
		if (!retry_next(&aws->retry, &rc, kind, &delay, &quota_empty))
			break;
		if (!time_for(aws, delay)) {
			res->past_deadline = true;
			break;
		}
		log_retry(call, res, net, delay);
		buf_free(&resp.body);
		retry_sleep(&aws->retry, delay);
	}
	if (expired_token(res->error_type))
		e = ERR_UNAVAILABLE;
	else
		e = res->past_deadline ? ERR_UNAVAILABLE :
		    final_error(net, resp.status, kind);
	log_failure(call, res, net, e, quota_empty);
	if (keep_body(a, &resp.body, res) != ERR_OK)
		return done(aws, call, res, ERR_TOO_LARGE, t0, "too_large");
	return done(aws, call, res, e, t0, res->past_deadline ? "deadline" :
	    quota_empty ? "retry_budget" :
	    failure_name(net, res->timed_out, res->error_type));
}
