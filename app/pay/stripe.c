#include "pay/stripe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/secrets.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypt.h"
#include "core/deadline.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "json/jx.h"
#include "net/httpc.h"

#define SECRETS_ARENA  (256 * 1024)
#define IDEM_MAX       255     /* Stripe's bound on an Idempotency-Key */
#define URL_MAX        2048

struct stripe {
	struct httpc *http;
	char         *base;
	char         *key;
	char         *whsec;
	long          timeout_ms, connect_ms, backoff_ms;
	int           attempts;
};

/* ---- worker-lifetime set-up ----------------------------------------- */

static bool
printable_key(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > STRIPE_KEY_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

static bool
http_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

struct stripe *
stripe_new(struct httpc *http, const struct stripe_conf *conf)
{
	struct stripe *s;
	const char *base = conf->api_base != NULL && conf->api_base[0] != '\0' ?
	    conf->api_base : STRIPE_API_BASE;
	size_t bl = strlen(base);

	if (conf->secret_key == NULL || !printable_key(conf->secret_key) ||
	    !http_url(base) || bl > 256 || (conf->webhook_secret != NULL &&
	    conf->webhook_secret[0] != '\0' &&
	    !printable_key(conf->webhook_secret)))
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->http = http;
	/* No trailing slash: paths start with one. */
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	s->base = xcalloc(1, bl + 1);
	memcpy(s->base, base, bl);
	s->key = xstrdup(conf->secret_key);
	s->whsec = xstrdup(conf->webhook_secret != NULL ?
	    conf->webhook_secret : "");
	s->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms :
	    STRIPE_TIMEOUT_MS;
	s->connect_ms = conf->connect_timeout_ms > 0 ?
	    conf->connect_timeout_ms : STRIPE_CONNECT_MS;
	s->attempts = conf->attempts > 0 ? conf->attempts : STRIPE_ATTEMPTS;
	s->backoff_ms = conf->backoff_ms > 0 ? conf->backoff_ms :
	    STRIPE_BACKOFF_MS;
	return s;
}

static void
wipe_free(char *p)
{
	if (p == NULL)
		return;
	crypt_cleanse(p, strlen(p));
	free(p);
}

void
stripe_free(struct stripe *s)
{
	if (s == NULL)
		return;
	wipe_free(s->key);
	wipe_free(s->whsec);
	free(s->base);
	free(s);
}

const char *
stripe_webhook_secret(const struct stripe *s)
{
	return s->whsec;
}

/*
 * One key: env_name's value, or Secrets Manager's when arn_name is set.
 * *out is malloc'd (NULL when neither is set).  False, logged, when the
 * ARN is set and cannot be read.
 */
static bool
load_key(struct aws *aws, const char *region, const char *env_name,
    const char *arn_name, char **out)
{
	const char *v = getenv(env_name), *arn = getenv(arn_name);
	const char *why = NULL;
	char endpoint[512];
	struct arena *a;
	enum err e;

	*out = NULL;
	if (arn == NULL || arn[0] == '\0') {
		if (v != NULL && v[0] != '\0')
			*out = xstrdup(v);
		return true;
	}
	if (aws == NULL || !secrets_endpoint(region, endpoint,
	    sizeof(endpoint))) {
		log_kv(LOG_ERROR, "no Secrets Manager endpoint for a Stripe key",
		    "setting", arn_name, NULL);
		return false;
	}
	a = arena_new(SECRETS_ARENA);
	e = secrets_get_string(aws, a, endpoint, arn, out, &why);
	arena_free(a);
	if (e != ERR_OK) {
		log_kv(LOG_ERROR, "cannot read a Stripe key from Secrets "
		    "Manager; refusing to start", "setting", arn_name, "why",
		    why, "error", err_name(e), NULL);
		return false;
	}
	return true;
}

bool
stripe_load(struct aws *aws, const char *region, struct httpc *http,
    struct stripe **out)
{
	struct stripe_conf c;
	char *key = NULL, *whsec = NULL;
	bool ok = false;

	*out = NULL;
	if (!load_key(aws, region, "STRIPE_SECRET_KEY",
	    "STRIPE_SECRET_KEY_ARN", &key) ||
	    !load_key(aws, region, "STRIPE_WEBHOOK_SECRET",
	    "STRIPE_WEBHOOK_SECRET_ARN", &whsec))
		goto done;
	if (key == NULL) {
		ok = true;      /* Stripe off: API 1.0's behaviour */
		if (whsec != NULL)
			log_kv(LOG_WARN, "STRIPE_WEBHOOK_SECRET without a "
			    "secret key: Stripe stays off", NULL);
		goto done;
	}
	memset(&c, 0, sizeof(c));
	c.api_base = getenv("STRIPE_API_BASE");
	c.secret_key = key;
	c.webhook_secret = whsec != NULL ? whsec : "";
	if ((*out = stripe_new(http, &c)) == NULL) {
		log_kv(LOG_ERROR, "a Stripe key or STRIPE_API_BASE is "
		    "ill-formed; refusing to start", NULL);
		goto done;
	}
	if (whsec == NULL)
		log_kv(LOG_WARN, "STRIPE_WEBHOOK_SECRET is not set: every "
		    "webhook will be refused", NULL);
	log_kv(LOG_INFO, "Stripe payments on", "api_version",
	    STRIPE_API_VERSION, NULL);
	ok = true;
done:
	wipe_free(key);
	wipe_free(whsec);
	return ok;
}

/* ---- form bodies ---------------------------------------------------- */

static bool
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static bool
put_encoded(struct buf *out, const char *s, bool brackets)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char esc[3];

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (unreserved(*p) || (brackets && (*p == '[' || *p == ']'))) {
			if (!buf_putc(out, (char)*p))
				return false;
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		if (!buf_append(out, esc, 3))
			return false;
	}
	return true;
}

bool
stripe_form(struct buf *out, const struct stripe_param *params, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (params[i].key == NULL || params[i].value == NULL ||
		    params[i].key[0] == '\0')
			return false;
		if ((i > 0 && !buf_putc(out, '&')) ||
		    !put_encoded(out, params[i].key, true) ||
		    !buf_putc(out, '=') ||
		    !put_encoded(out, params[i].value, false))
			return false;
	}
	return true;
}

/* ---- answers -------------------------------------------------------- */

/* Copy a printable-ASCII prefix of s into out[cap] ("?" for the rest). */
static void
sanitize(char *out, size_t cap, const char *s)
{
	size_t i;

	if (s == NULL) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i + 1 < cap && s[i] != '\0'; i++)
		out[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
}

enum err
stripe_parse_answer(struct arena *a, const char *body, size_t len,
    struct json_object **out, struct stripe_fail *f)
{
	struct json_object *o, *err;
	const char *why;

	*out = NULL;
	if (jx_parse(a, body, len, LIM_STRIPE_RESP_MAX, LIM_STRIPE_JSON_DEPTH,
	    &o, &why) != ERR_OK || !json_object_is_type(o, json_type_object))
		return ERR_UPSTREAM;
	if (f != NULL && (err = jx_get(o, "error")) != NULL &&
	    json_object_is_type(err, json_type_object)) {
		sanitize(f->type, sizeof(f->type), jx_str(err, "type", NULL));
		sanitize(f->code, sizeof(f->code), jx_str(err, "code", NULL));
	}
	*out = o;
	return ERR_OK;
}

/* ---- calls ---------------------------------------------------------- */

bool
stripe_should_retry(enum err e, long status, const char *hint)
{
	if (e == ERR_UNAVAILABLE)
		return true;            /* connection failure or timeout */
	if (e != ERR_OK)
		return false;           /* too large, bad request: final */
	if (hint != NULL && strcmp(hint, "false") == 0)
		return false;
	if (hint != NULL && strcmp(hint, "true") == 0)
		return true;
	return status == 409 || status == 429 || status >= 500;
}

/*
 * Sleep base * 2^(attempt-1), capped, plus up to half of it as jitter.
 * False, without sleeping, when the sleep and a try after it would not
 * fit in what is left of the request's deadline (httpc's).
 */
static bool
backoff(const struct stripe *s, int attempt)
{
	unsigned char r;
	struct timespec ts;
	long ms = s->backoff_ms;
	int i;

	for (i = 1; i < attempt && ms < STRIPE_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > STRIPE_BACKOFF_MAX_MS)
		ms = STRIPE_BACKOFF_MAX_MS;
	if (crypt_random(&r, 1))
		ms += (ms / 2) * r / 255;
	if (deadline_left_ms(httpc_deadline(s->http)) < ms + 2 * s->backoff_ms)
		return false;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
	return true;
}

static bool
valid_idem(const char *k)
{
	size_t i, n;

	if (k == NULL || (n = strlen(k)) == 0 || n > IDEM_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (k[i] <= 0x20 || k[i] >= 0x7f)
			return false;
	return true;
}

/* The status of a final answer as our enum. */
static enum err
map_status(long status)
{
	if (status >= 200 && status < 300)
		return ERR_OK;
	switch (status) {
	case 400: case 402: return ERR_INVALID;
	case 401: case 403: return ERR_INTERNAL;
	case 404: return ERR_NOT_FOUND;
	case 409: return ERR_CONFLICT;
	case 429: return ERR_THROTTLED;
	default:  return status >= 500 ? ERR_UNAVAILABLE : ERR_UPSTREAM;
	}
}

/* One attempt; *hint is the Stripe-Should-Retry value or NULL. */
static enum err
attempt(struct stripe *s, const struct httpc_req *req,
    struct httpc_resp *resp, char *hint, size_t hint_cap, bool *has_hint)
{
	enum err e = httpc_do(s->http, req, resp);

	*has_hint = e == ERR_OK && httpc_last_header(s->http,
	    "Stripe-Should-Retry", hint, hint_cap);
	return e;
}

static void
log_fail(const char *path, const struct stripe_fail *f, enum err e)
{
	char st[16], n[16];

	snprintf(st, sizeof(st), "%d", f->status);
	snprintf(n, sizeof(n), "%d", f->attempts);
	log_kv(LOG_WARN, "stripe call failed", "path", path, "status", st,
	    "attempts", n, "stripe_type", f->type[0] ? f->type : NULL,
	    "stripe_code", f->code[0] ? f->code : NULL, "error", err_name(e),
	    NULL);
}

enum err
stripe_call(struct stripe *s, struct arena *a, const char *method,
    const char *path, const struct stripe_param *params, size_t n,
    const char *idem_key, struct json_object **out, struct stripe_fail *f)
{
	struct stripe_fail local;
	struct httpc_header hd[5];
	struct httpc_req req;
	struct httpc_resp resp;
	struct buf *form, *url;
	struct json_object *ans = NULL;
	bool post = strcmp(method, "POST") == 0, has_hint;
	char hint[16];
	size_t nh = 0;
	enum err e = ERR_UNAVAILABLE;
	int i;

	*out = NULL;
	if (f == NULL)
		f = &local;
	memset(f, 0, sizeof(*f));
	if ((!post && strcmp(method, "GET") != 0) || path == NULL ||
	    path[0] != '/' || n > STRIPE_PARAMS_MAX ||
	    (post && !valid_idem(idem_key)))
		return ERR_INVALID;
	/* The buffers' structs live in the arena, which frees them. */
	if ((form = arena_alloc(a, sizeof(*form))) == NULL ||
	    (url = arena_alloc(a, sizeof(*url))) == NULL)
		return ERR_TOO_LARGE;
	buf_init(form, LIM_STRIPE_FORM_MAX);
	buf_defer(form, a);
	buf_init(url, URL_MAX + LIM_STRIPE_FORM_MAX);
	buf_defer(url, a);
	if (!stripe_form(form, params, n) ||
	    !buf_printf(url, "%s%s", s->base, path) ||
	    (!post && n > 0 && (!buf_putc(url, '?') ||
	    !buf_append(url, form->data, form->len))))
		return ERR_INVALID;
	hd[nh++] = (struct httpc_header){ "Authorization",
	    arena_printf(a, "Bearer %s", s->key) };
	hd[nh++] = (struct httpc_header){ "Stripe-Version",
	    STRIPE_API_VERSION };
	hd[nh++] = (struct httpc_header){ "Accept", "application/json" };
	if (post) {
		hd[nh++] = (struct httpc_header){ "Content-Type",
		    "application/x-www-form-urlencoded" };
		hd[nh++] = (struct httpc_header){ "Idempotency-Key", idem_key };
	}
	if (hd[0].value == NULL)
		return ERR_TOO_LARGE;
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = method;
	req.url = buf_cstr(url);
	req.headers = hd;
	req.nheaders = nh;
	req.body = post ? form->data : NULL;
	req.body_len = post ? form->len : 0;
	req.timeout_ms = s->timeout_ms;
	req.connect_timeout_ms = s->connect_ms;
	req.max_response = LIM_STRIPE_RESP_MAX;
	for (i = 1; i <= s->attempts; i++) {
		if (i > 1) {
			if (!backoff(s, i - 1))
				break;      /* no time left for another try */
			buf_free(&resp.body);
		}
		f->attempts = i;
		e = attempt(s, &req, &resp, hint, sizeof(hint), &has_hint);
		f->status = (int)resp.status;
		if (e == ERR_OK && resp.status >= 200 && resp.status < 300)
			break;
		if (resp.past_deadline || !stripe_should_retry(e, resp.status,
		    has_hint ? hint : NULL))
			break;
	}
	/* The Authorization line holds the key: wipe our copy. */
	crypt_cleanse((char *)(uintptr_t)hd[0].value, strlen(hd[0].value));
	if (e == ERR_OK) {
		if (stripe_parse_answer(a, resp.body.data != NULL ?
		    resp.body.data : "", resp.body.len, &ans, f) != ERR_OK)
			e = ERR_UPSTREAM;
		else
			e = map_status(resp.status);
	} else if (e == ERR_TOO_LARGE) {
		e = ERR_UPSTREAM;
	}
	buf_free(&resp.body);
	if (e != ERR_OK) {
		log_fail(path, f, e);
		return e;
	}
	*out = ans;
	return ERR_OK;
}

/* ---- operations ----------------------------------------------------- */

bool
stripe_valid_id(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix), i, n;

	if (s == NULL || strncmp(s, prefix, pl) != 0)
		return false;
	n = strlen(s);
	if (n == pl || n > pl + 200)
		return false;
	for (i = pl; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* A URL Stripe handed us: https (or http for a local stand-in). */
static bool
valid_url(const char *u)
{
	size_t i, n;

	if (u == NULL || !http_url(u) || (n = strlen(u)) > URL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (u[i] <= 0x20 || u[i] >= 0x7f || u[i] == '"' ||
		    u[i] == '<' || u[i] == '>' || u[i] == '\\')
			return false;
	return true;
}

enum err
stripe_price_id(struct stripe *s, struct arena *a, const char *lookup_key,
    const char **id, struct stripe_fail *f)
{
	const struct stripe_param p[] = {
		{ "lookup_keys[0]", lookup_key },
		{ "active", "true" },
		{ "limit", "1" },
	};
	struct json_object *ans, *data, *first;
	const char *pid;
	enum err e;

	*id = NULL;
	e = stripe_call(s, a, "GET", "/v1/prices", p, 3, NULL, &ans, f);
	if (e != ERR_OK)
		return e;
	data = jx_get(ans, "data");
	if (data == NULL || !json_object_is_type(data, json_type_array))
		return ERR_UPSTREAM;
	if (json_object_array_length(data) == 0)
		return ERR_NOT_FOUND;
	first = json_object_array_get_idx(data, 0);
	pid = json_object_is_type(first, json_type_object) ?
	    jx_str(first, "id", NULL) : NULL;
	if (!stripe_valid_id(pid, "price_"))
		return ERR_UPSTREAM;
	*id = pid;
	return ERR_OK;
}

enum err
stripe_checkout_create(struct stripe *s, struct arena *a,
    const struct stripe_checkout *co, const char **id, const char **url,
    struct stripe_fail *f)
{
	struct stripe_param p[STRIPE_PARAMS_MAX];
	struct json_object *ans;
	const char *sid, *u;
	size_t n = 0;
	enum err e;

	*id = *url = NULL;
	p[n++] = (struct stripe_param){ "mode", "subscription" };
	p[n++] = (struct stripe_param){ "line_items[0][price]", co->price };
	p[n++] = (struct stripe_param){ "line_items[0][quantity]", "1" };
	p[n++] = (struct stripe_param){ "client_reference_id", co->user_id };
	p[n++] = (struct stripe_param){ "success_url", co->success_url };
	p[n++] = (struct stripe_param){ "cancel_url", co->cancel_url };
	p[n++] = (struct stripe_param){ "expires_at",
	    arena_printf(a, "%lld", (long long)co->expires_at) };
	p[n++] = (struct stripe_param){ "metadata[user_id]", co->user_id };
	p[n++] = (struct stripe_param){ "metadata[subscription_id]",
	    co->subscription_id };
	p[n++] = (struct stripe_param){ "subscription_data[metadata][user_id]",
	    co->user_id };
	p[n++] = (struct stripe_param){
	    "subscription_data[metadata][subscription_id]",
	    co->subscription_id };
	if (co->email != NULL && co->email[0] != '\0')
		p[n++] = (struct stripe_param){ "customer_email", co->email };
	e = stripe_call(s, a, "POST", "/v1/checkout/sessions", p, n,
	    arena_printf(a, "growvrd-checkout-%s", co->subscription_id), &ans,
	    f);
	if (e != ERR_OK)
		return e;
	sid = jx_str(ans, "id", NULL);
	u = jx_str(ans, "url", NULL);
	if (!stripe_valid_id(sid, "cs_") || !valid_url(u))
		return ERR_UPSTREAM;
	*id = sid;
	*url = u;
	return ERR_OK;
}

enum err
stripe_checkout_expire(struct stripe *s, struct arena *a, const char *session,
    struct stripe_fail *f)
{
	struct json_object *ans;

	if (!stripe_valid_id(session, "cs_"))
		return ERR_INVALID;
	return stripe_call(s, a, "POST", arena_printf(a,
	    "/v1/checkout/sessions/%s/expire", session), NULL, 0,
	    arena_printf(a, "growvrd-expire-%s", session), &ans, f);
}

enum err
stripe_cancel_at_period_end(struct stripe *s, struct arena *a,
    const char *stripe_sub, const char *our_id, struct stripe_fail *f)
{
	const struct stripe_param p[] = {
		{ "cancel_at_period_end", "true" },
	};
	struct json_object *ans;
	enum err e;

	if (!stripe_valid_id(stripe_sub, "sub_"))
		return ERR_INVALID;
	e = stripe_call(s, a, "POST", arena_printf(a, "/v1/subscriptions/%s",
	    stripe_sub), p, 1, arena_printf(a, "growvrd-cancel-%s", our_id),
	    &ans, f);
	if (e == ERR_OK && !stripe_valid_id(jx_str(ans, "id", NULL), "sub_"))
		e = ERR_UPSTREAM;
	return e;
}

enum err
stripe_portal_create(struct stripe *s, struct arena *a, const char *customer,
    const char *return_url, const char *idem_key, const char **url,
    struct stripe_fail *f)
{
	const struct stripe_param p[] = {
		{ "customer", customer },
		{ "return_url", return_url },
	};
	struct json_object *ans;
	const char *u;
	enum err e;

	*url = NULL;
	if (!stripe_valid_id(customer, "cus_"))
		return ERR_INVALID;
	e = stripe_call(s, a, "POST", "/v1/billing_portal/sessions", p, 2,
	    idem_key, &ans, f);
	if (e != ERR_OK)
		return e;
	if (!valid_url(u = jx_str(ans, "url", NULL)))
		return ERR_UPSTREAM;
	*url = u;
	return ERR_OK;
}
