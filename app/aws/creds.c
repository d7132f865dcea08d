#include "aws/creds.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "core/crypt.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "net/httpc.h"

/* Bounds of what the credential endpoints may hand us. */
#define CREDS_RESP_MAX       (16 * 1024)  /* one JSON answer */
#define CREDS_JSON_DEPTH     4            /* a flat object */
#define CREDS_KEY_MAX        128          /* access key id, secret */
#define CREDS_TOKEN_MAX      8192         /* session token */
#define CREDS_TIME_MAX       64           /* Expiration text */
#define CREDS_URL_MAX        2048
#define CREDS_ROLE_MAX       128          /* IAM role names are <= 64 */
#define CREDS_IMDS_TOKEN_MAX 1024
#define CREDS_AUTH_MAX       4096         /* container authorization */

#define ECS_BASE        "http://169.254.170.2"
#define IMDS_BASE_V4    "http://169.254.169.254"
#define IMDS_BASE_V6    "http://[fd00:ec2::254]"
#define IMDS_TOKEN_PATH "/latest/api/token"
#define IMDS_ROLE_PATH  "/latest/meta-data/iam/security-credentials/"
#define IMDS_TTL        "21600"
#define IAM_NAME_CHARS  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
                        "0123456789+=,.@_-"

/* One set of credentials; expires 0 means never. */
struct secret_set {
	char  *akid;
	char  *secret;
	char  *token;
	time_t expires;
};

struct creds_provider {
	struct httpc     *http;
	struct secret_set cur;
	bool              have;
	enum creds_source source;
	bool              tried;
	time_t            next_try;    /* no chain walk before this */
	long              timeout_ms;
	char             *ecs_base;
};

/* Outcome of one link of the chain. */
enum link {
	LINK_ABSENT,    /* not configured here: try the next */
	LINK_OK,
	LINK_FAILED     /* configured but failed: the chain stops */
};

/* Hosts a plain-http full container URI may name (besides 127/8). */
static const char *const ecs_hosts[] = { "localhost", "::1",
    "169.254.170.2", "169.254.170.23", "fd00:ec2::23" };

static const char *const source_names[CREDS__MAX] = {
	"none", /* CREDS_NONE */
	"env",  /* CREDS_ENV */
	"ecs",  /* CREDS_ECS */
	"imds", /* CREDS_IMDS */
};

static void
set_clear(struct secret_set *s)
{
	char *v[3] = { s->akid, s->secret, s->token };
	int i;

	for (i = 0; i < 3; i++)
		if (v[i] != NULL)
			crypt_cleanse(v[i], strlen(v[i])), free(v[i]);
	memset(s, 0, sizeof(*s));
}

/* Release a buffer that held secrets. */
static void
buf_wipe_free(struct buf *b)
{
	if (b->data != NULL)
		crypt_cleanse(b->data, b->cap);
	buf_free(b);
}

/* 1..max printable ASCII bytes, no spaces: safe in a header line. */
static bool
token_ok(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static const char *
env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

struct creds_provider *
creds_new(struct httpc *http)
{
	struct creds_provider *p = xcalloc(1, sizeof(*p));

	p->http = http;
	p->timeout_ms = CREDS_TIMEOUT_MS;
	return p;
}

void
creds_free(struct creds_provider *p)
{
	if (p == NULL)
		return;
	set_clear(&p->cur);
	free(p->ecs_base);
	free(p);
}

void
creds_set_timeout_ms(struct creds_provider *p, long ms)
{
	p->timeout_ms = ms > 0 ? ms : CREDS_TIMEOUT_MS;
}

void
creds_set_ecs_base(struct creds_provider *p, const char *base)
{
	free(p->ecs_base);
	p->ecs_base = base != NULL ? xstrdup(base) : NULL;
}

enum creds_source
creds_source(const struct creds_provider *p)
{
	return p->source;
}

const char *
creds_source_name(enum creds_source s)
{
	return s < CREDS__MAX ? source_names[s] : "?";
}

time_t
creds_expiration(const struct creds_provider *p)
{
	return p->have ? p->cur.expires : 0;
}

/* k digits at s as a number, or -1. */
static int
digits(const char *s, int k)
{
	int v = 0;

	while (k-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

static int
days_in_month(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return d[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 || y % 400 == 0));
}

bool
creds_parse_time(const char *s, size_t n, time_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	size_t i = 19;
	struct tm tm;
	time_t t;

	/* YYYY-MM-DDTHH:MM:SS is fixed-width: check the separators. */
	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' &&
	    s[10] != 't') || s[13] != ':' || s[16] != ':')
		return false;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 60)
		return false;
	if (s[i] == '.') {
		size_t start = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 9)
			i++;
		if (i == start)
			return false;
	}
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
		/* UTC */
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') &&
	    s[i + 3] == ':') {
		sign = s[i] == '+' ? 1 : -1;
		oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
	} else {
		return false;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec == 60 ? 59 : sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = t - sign * (time_t)(oh * 3600 + om * 60);
	return true;
}

/*
 * One credential request: GET or PUT url with extra headers; ERR_OK
 * only for a 200 answer, whose body the caller wipes and frees.
 */
static enum err
fetch(struct creds_provider *p, const char *method, const char *url,
    const struct httpc_header *hd, size_t nhd, size_t max, struct buf *body,
    long *status)
{
	struct httpc_req req = { .method = method, .url = url, .headers = hd,
	    .nheaders = nhd, .connect_timeout_ms = p->timeout_ms,
	    .timeout_ms = p->timeout_ms, .max_response = max };
	struct httpc_resp resp;
	enum err e;

	e = httpc_do(p->http, &req, &resp);
	*status = resp.status;
	if (e == ERR_OK && resp.status != 200)
		e = ERR_UNAVAILABLE;
	if (e != ERR_OK)
		buf_wipe_free(&resp.body);
	else
		*body = resp.body;      /* ownership moves to the caller */
	return e;
}

/* Copy string member key of o into *dst, checked; false otherwise. */
static bool
take_str(struct json_object *o, const char *key, size_t max, char **dst)
{
	struct json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!token_ok(s, n, max))
		return false;
	*dst = xstrndup(s, n);
	return true;
}

/* Wipe every string value of a flat object before it is released. */
static void
wipe_json(struct json_object *o)
{
	json_object_object_foreach(o, k, v) {
		(void)k;
		if (json_object_is_type(v, json_type_string))
			crypt_cleanse((char *)json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
	}
}

/*
 * Parse a credentials answer strictly: bounded size, no NUL, depth
 * limit, strict syntax, nothing but white space after the object, and
 * AccessKeyId, SecretAccessKey, Token, Expiration as checked strings
 * (Code, when present, must be "Success").  Returns a static reason or
 * NULL on success.
 */
static const char *
parse_answer(const char *text, size_t len, struct secret_set *out)
{
	struct json_tokener *tok;
	struct json_object *root, *code;
	const char *why = NULL;
	char *exp = NULL;
	size_t end;

	if (len == 0 || len > CREDS_RESP_MAX || memchr(text, '\0', len))
		return "bad answer size or NUL byte";
	tok = json_tokener_new_ex(CREDS_JSON_DEPTH);
	if (tok == NULL)
		abort();        /* allocation failure: the worker restarts */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (root == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success)
		why = "answer is not JSON";
	while (why == NULL && end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (why == NULL && end != len)
		why = "trailing bytes after the answer";
	if (why == NULL && !json_object_is_type(root, json_type_object))
		why = "answer is not an object";
	if (why == NULL && json_object_object_get_ex(root, "Code", &code) &&
	    (!json_object_is_type(code, json_type_string) ||
	    strcmp(json_object_get_string(code), "Success") != 0))
		why = "answer Code is not Success";
	if (why == NULL && (!take_str(root, "AccessKeyId", CREDS_KEY_MAX,
	    &out->akid) || !take_str(root, "SecretAccessKey", CREDS_KEY_MAX,
	    &out->secret) || !take_str(root, "Token", CREDS_TOKEN_MAX,
	    &out->token) ||
	    !take_str(root, "Expiration", CREDS_TIME_MAX, &exp)))
		why = "missing or malformed credential field";
	if (why == NULL && !creds_parse_time(exp, strlen(exp), &out->expires))
		why = "malformed Expiration";
	if (json_object_is_type(root, json_type_object))
		wipe_json(root);
	json_object_put(root);
	/* The tokener's scratch buffer keeps the tails of the strings it
	 * parsed, the token included.  Its fields are public in json-c up
	 * to at least 0.18; wipe before release. */
	if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
		crypt_cleanse(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	free(exp);
	if (why != NULL)
		set_clear(out);
	return why;
}

static void
link_failed(const char *source, const char *why, long status)
{
	char st[24];

	snprintf(st, sizeof(st), "%ld", status);
	log_kv(LOG_WARN, "aws credentials source failed", "source", source,
	    "reason", why, "status", st, NULL);
}

/* (1) The environment. */
static enum link
from_env(struct secret_set *out)
{
	const char *id = env_nonempty("AWS_ACCESS_KEY_ID");
	const char *key = env_nonempty("AWS_SECRET_ACCESS_KEY");
	const char *tok = env_nonempty("AWS_SESSION_TOKEN");

	if (id == NULL && key == NULL)
		return LINK_ABSENT;
	if (id == NULL || key == NULL ||
	    !token_ok(id, strlen(id), CREDS_KEY_MAX) ||
	    !token_ok(key, strlen(key), CREDS_KEY_MAX) ||
	    (tok != NULL && !token_ok(tok, strlen(tok), CREDS_TOKEN_MAX))) {
		link_failed("env", "incomplete or malformed variables", 0);
		return LINK_ABSENT;
	}
	out->akid = xstrdup(id);
	out->secret = xstrdup(key);
	out->token = tok != NULL ? xstrdup(tok) : NULL;
	out->expires = 0;
	return LINK_OK;
}

/*
 * The SDKs accept a full container URI only over https or on a loopback
 * or container-agent address, so a planted variable cannot send the
 * Authorization token anywhere else.
 */
static bool
full_uri_allowed(const char *uri)
{
	const char *a, *h, *e;
	size_t n, i;

	if (strncasecmp(uri, "https://", 8) == 0)
		return true;
	if (strncasecmp(uri, "http://", 7) != 0)
		return false;
	a = uri + 7;
	e = a + strcspn(a, "/?#");
	if (memchr(a, '@', (size_t)(e - a)) != NULL)
		return false;
	h = a;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(e - h));
		if (rb == NULL)
			return false;
		h++, n = (size_t)(rb - h);
	} else {
		const char *c = memchr(h, ':', (size_t)(e - h));
		n = (size_t)((c != NULL ? c : e) - h);
	}
	for (i = 0; i < sizeof(ecs_hosts) / sizeof(ecs_hosts[0]); i++)
		if (strlen(ecs_hosts[i]) == n &&
		    strncasecmp(h, ecs_hosts[i], n) == 0)
			return true;
	if (n < 5 || strncmp(h, "127.", 4) != 0)
		return false;
	for (i = 4; i < n; i++)
		if (!(h[i] == '.' || (h[i] >= '0' && h[i] <= '9')))
			return false;
	return true;
}

/* (2) The ECS/EKS container endpoint. */
static enum link
from_ecs(struct creds_provider *p, struct secret_set *out)
{
	const char *rel, *full, *why = NULL;
	struct httpc_header hd = { "Authorization", NULL };
	struct buf url, body;
	long status = 0;

	rel = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	full = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	hd.value = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (rel == NULL && full == NULL)
		return LINK_ABSENT;
	buf_init(&url, CREDS_URL_MAX);
	buf_init(&body, 0);
	if (rel != NULL) {
		if (rel[0] != '/' || !buf_puts(&url, p->ecs_base ?
		    p->ecs_base : ECS_BASE) || !buf_puts(&url, rel) ||
		    !token_ok(url.data, url.len, CREDS_URL_MAX))
			why = "bad AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
	} else if (!full_uri_allowed(full) || !buf_puts(&url, full) ||
	    !token_ok(url.data, url.len, CREDS_URL_MAX)) {
		why = "AWS_CONTAINER_CREDENTIALS_FULL_URI not allowed";
	}
	if (why == NULL && hd.value != NULL &&
	    strlen(hd.value) > CREDS_AUTH_MAX)
		why = "AWS_CONTAINER_AUTHORIZATION_TOKEN too long";
	if (why == NULL && fetch(p, "GET", url.data, &hd,
	    hd.value != NULL ? 1 : 0, CREDS_RESP_MAX, &body, &status) != ERR_OK)
		why = "no answer from the container endpoint";
	if (why == NULL)
		why = parse_answer(body.data, body.len, out);
	buf_wipe_free(&body);
	buf_free(&url);
	if (why != NULL) {
		link_failed("ecs", why, status);
		return LINK_FAILED;
	}
	return LINK_OK;
}

/* The metadata endpoint, without trailing '/'; false when unusable. */
static bool
imds_base(struct buf *base)
{
	const char *v = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *m = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");

	if (v == NULL)
		v = m != NULL && strcasecmp(m, "IPv6") == 0 ? IMDS_BASE_V6 :
		    IMDS_BASE_V4;
	if ((strncasecmp(v, "http://", 7) != 0 &&
	    strncasecmp(v, "https://", 8) != 0) ||
	    !token_ok(v, strlen(v), CREDS_URL_MAX) || !buf_puts(base, v))
		return false;
	while (base->len > 0 && base->data[base->len - 1] == '/')
		base->data[--base->len] = '\0';
	return true;
}

/*
 * Cut the role listing to its first line, which must be a role name in
 * IAM's alphabet.
 */
static bool
role_name(struct buf *list)
{
	size_t n = strcspn(buf_cstr(list), "\r\n"), i;

	if (n == 0 || n > CREDS_ROLE_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr(IAM_NAME_CHARS, list->data[i]))
			return false;
	list->data[n] = '\0';
	list->len = n;
	return true;
}

/* (3) The EC2 instance role through IMDSv2. */
static enum link
from_imds(struct creds_provider *p, struct secret_set *out)
{
	const char *off = env_nonempty("AWS_EC2_METADATA_DISABLED");
	struct buf base, url, token, list, body;
	struct httpc_header hd;
	const char *why = NULL;
	long status = 0;

	if (off != NULL && strcasecmp(off, "true") == 0)
		return LINK_ABSENT;
	buf_init(&base, CREDS_URL_MAX);
	buf_init(&url, CREDS_URL_MAX);
	buf_init(&token, 0);
	buf_init(&list, 0);
	buf_init(&body, 0);
	if (!imds_base(&base))
		why = "bad AWS_EC2_METADATA_SERVICE_ENDPOINT";
	/* Step 1: a session token; no IMDSv1 fallback without one. */
	hd.name = "X-aws-ec2-metadata-token-ttl-seconds";
	hd.value = IMDS_TTL;
	if (why == NULL && (!buf_printf(&url, "%s" IMDS_TOKEN_PATH,
	    base.data) || fetch(p, "PUT", url.data, &hd, 1,
	    CREDS_IMDS_TOKEN_MAX, &token, &status) != ERR_OK ||
	    !token_ok(token.data, token.len, CREDS_IMDS_TOKEN_MAX)))
		why = "no IMDSv2 session token";
	/* Step 2: the role name. */
	hd.name = "X-aws-ec2-metadata-token";
	hd.value = buf_cstr(&token);
	buf_reset(&url);
	if (why == NULL && (!buf_printf(&url, "%s" IMDS_ROLE_PATH,
	    base.data) || fetch(p, "GET", url.data, &hd, 1,
	    CREDS_ROLE_MAX + 2, &list, &status) != ERR_OK ||
	    !role_name(&list)))
		why = "no instance role";
	/* Step 3: the role's credentials. */
	buf_reset(&url);
	if (why == NULL && (!buf_printf(&url, "%s" IMDS_ROLE_PATH "%s",
	    base.data, list.data) || fetch(p, "GET", url.data, &hd, 1,
	    CREDS_RESP_MAX, &body, &status) != ERR_OK))
		why = "no instance role credentials";
	if (why == NULL)
		why = parse_answer(body.data, body.len, out);
	buf_wipe_free(&body);
	buf_wipe_free(&token);
	buf_free(&list);
	buf_free(&url);
	buf_free(&base);
	if (why != NULL) {
		link_failed("imds", why, status);
		return LINK_FAILED;
	}
	return LINK_OK;
}

/* Walk the chain; on success the new set replaces the current one. */
static enum err
refresh(struct creds_provider *p, time_t now)
{
	struct secret_set s;
	enum creds_source src = CREDS_ENV;
	enum link r;
	char when[32] = "never";
	struct tm tm;

	memset(&s, 0, sizeof(s));
	r = from_env(&s);
	if (r == LINK_ABSENT)
		src = CREDS_ECS, r = from_ecs(p, &s);
	if (r == LINK_ABSENT)
		src = CREDS_IMDS, r = from_imds(p, &s);
	if (r == LINK_OK && s.expires != 0 && s.expires <= now) {
		link_failed(source_names[src], "already expired", 0);
		r = LINK_FAILED;
	}
	if (r == LINK_ABSENT)
		log_kv(LOG_WARN, "no aws credentials source configured", NULL);
	if (r != LINK_OK) {
		set_clear(&s);
		return ERR_UNAVAILABLE;
	}
	set_clear(&p->cur);
	p->cur = s;     /* the strings move into the provider */
	p->have = true;
	p->source = src;
	if (s.expires != 0 && gmtime_r(&s.expires, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_kv(LOG_INFO, "aws credentials loaded", "source",
	    source_names[src], "expires", when, NULL);
	return ERR_OK;
}

static bool
usable(const struct creds_provider *p, time_t now, time_t margin)
{
	return p->have &&
	    (p->cur.expires == 0 || now < p->cur.expires - margin);
}

void
creds_invalidate(struct creds_provider *p)
{
	set_clear(&p->cur);
	p->have = false;
	p->next_try = 0;
	log_kv(LOG_WARN, "aws credentials refused as expired; refreshing",
	    "source", source_names[p->source], NULL);
}

enum err
creds_get(struct creds_provider *p, time_t now, struct sigv4_creds *out)
{
	memset(out, 0, sizeof(*out));
	if (!usable(p, now, CREDS_REFRESH_WINDOW) &&
	    (!p->tried || now >= p->next_try)) {
		p->tried = true;
		/* Also after a success: credentials handed out inside the
		 * window must not make every call refetch them. */
		p->next_try = now + CREDS_RETRY_HOLDOFF;
		if (refresh(p, now) != ERR_OK && usable(p, now, 0))
			log_kv(LOG_WARN, "aws credentials refresh failed, "
			    "keeping the current ones", "source",
			    source_names[p->source], NULL);
	}
	if (!usable(p, now, 0))
		return ERR_UNAVAILABLE;
	out->access_key_id = p->cur.akid;
	out->secret_access_key = p->cur.secret;
	out->session_token = p->cur.token;
	return ERR_OK;
}
