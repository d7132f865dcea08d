#include "net/httpc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/crypt.h"
#include "core/deadline.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"

/* One "Name: value" request header line, Authorization and tokens
 * included; AWS session tokens stay well below this. */
#define HTTPC_HEADER_LINE_MAX 16384
#define HTTPC_HEADERS_MAX     32
#define HTTPC_CONNECT_DEFAULT 1000L
#define HTTPC_TOTAL_DEFAULT   3000L
/* A call is not started with less than this left before the deadline. */
#define HTTPC_LEFT_MIN_MS     20
#define TOKEN_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
                    "0123456789!#$%&'*+-.^_`|~"

struct httpc {
	CURL   *curl;
	char    errbuf[CURL_ERROR_SIZE];
	int64_t deadline;       /* monotonic ms, 0 = none */
};

/* Where the write callback puts the body, and why it stopped. */
struct sink {
	struct buf *body;
	bool        too_large;
};

static const char *const methods[] = { "GET", "POST", "PUT" };

void
httpc_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg(LOG_ERROR, "httpc: curl_global_init failed");
		abort();
	}
}

void
httpc_global_cleanup(void)
{
	curl_global_cleanup();
}

struct httpc *
httpc_new(void)
{
	struct httpc *h = xcalloc(1, sizeof(*h));

	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		/* Only a failed allocation makes this fail: same policy. */
		log_msg(LOG_ERROR, "httpc: curl_easy_init failed");
		abort();
	}
	return h;
}

void
httpc_set_deadline(struct httpc *h, int64_t at)
{
	h->deadline = at;
}

int64_t
httpc_deadline(const struct httpc *h)
{
	return h->deadline;
}

void
httpc_free(struct httpc *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

/*
 * Refuse what would let a caller's string reach the wire as something
 * else: CR or LF in a value, and names that are not HTTP tokens.
 */
static bool
header_ok(const struct httpc_header *hd)
{
	const char *p;

	if (hd->name == NULL || hd->value == NULL || hd->name[0] == '\0')
		return false;
	/* RFC 9110 5.1: a field name is a token. */
	for (p = hd->name; *p != '\0'; p++)
		if (strchr(TOKEN_CHARS, *p) == NULL)
			return false;
	for (p = hd->value; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			return false;
	return true;
}

static bool
has_header(const struct httpc_req *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return true;
	return false;
}

/* Append one line to *list; false when it cannot be built. */
static bool
add_line(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist *n;
	struct buf line;
	bool ok;

	buf_init(&line, HTTPC_HEADER_LINE_MAX);
	/* "Name;" is curl's way to send a header with an empty value, and
	 * "Name:" (value NULL) removes one curl would add by itself. */
	if (value == NULL)
		ok = buf_printf(&line, "%s:", name);
	else if (value[0] == '\0')
		ok = buf_printf(&line, "%s;", name);
	else
		ok = buf_printf(&line, "%s: %s", name, value);
	n = ok ? curl_slist_append(*list, line.data) : NULL;
	/* The line may hold a token: wipe our copy (curl keeps its own). */
	if (line.data != NULL)
		crypt_cleanse(line.data, line.cap);
	buf_free(&line);
	if (n == NULL)
		return false;
	*list = n;
	return true;
}

/* The lines may hold a session or metadata token: wipe, then free. */
static void
free_headers(struct curl_slist *list)
{
	struct curl_slist *l;

	for (l = list; l != NULL; l = l->next)
		crypt_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* The caller's headers plus the removal of curl's implicit ones. */
static enum err
build_headers(const struct httpc_req *req, struct curl_slist **out)
{
	struct curl_slist *list = NULL;
	size_t i;

	*out = NULL;
	if (req->nheaders > HTTPC_HEADERS_MAX ||
	    (req->nheaders > 0 && req->headers == NULL))
		return ERR_INVALID;
	for (i = 0; i < req->nheaders; i++)
		if (!header_ok(&req->headers[i]))
			return ERR_INVALID;
	for (i = 0; i < req->nheaders; i++) {
		const struct httpc_header *hd = &req->headers[i];
		if (!add_line(&list, hd->name, hd->value))
			goto fail;
	}
	/* No "Expect: 100-continue" round trip; no form content type. */
	if (!add_line(&list, "Expect", NULL))
		goto fail;
	if (!has_header(req, "Content-Type") &&
	    !add_line(&list, "Content-Type", NULL))
		goto fail;
	*out = list;
	return ERR_OK;
fail:
	free_headers(list);
	return ERR_TOO_LARGE;
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (!buf_append(s->body, p, n)) {
		s->too_large = true;
		return 0;       /* curl aborts with CURLE_WRITE_ERROR */
	}
	return n;
}

static bool
method_known(const char *m)
{
	size_t i;

	if (m == NULL)
		return false;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(m, methods[i]) == 0)
			return true;
	return false;
}

/* Set every per-request option; CURLcode of the first that failed. */
static CURLcode
set_options(struct httpc *h, const struct httpc_req *req,
    struct curl_slist *headers, struct sink *sink, size_t max, long left)
{
	CURL *c = h->curl;
	long cto = req->connect_timeout_ms > 0 ? req->connect_timeout_ms :
	    HTTPC_CONNECT_DEFAULT;
	long tto = req->timeout_ms > 0 ? req->timeout_ms : HTTPC_TOTAL_DEFAULT;
	CURLcode rc = CURLE_OK;

	/* The request's deadline caps both timeouts. */
	if (tto > left)
		tto = left;
	if (cto > tto)
		cto = tto;

#define SET(opt, val) \
	do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, cto);
	SET(CURLOPT_TIMEOUT_MS, tto);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	/* Credential endpoints and AWS are reached directly, never through
	 * a proxy named by the environment. */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, sink);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	SET(CURLOPT_HTTPHEADER, headers);
	if (strcmp(req->method, "GET") == 0) {
		SET(CURLOPT_HTTPGET, 1L);
	} else {
		/* POST and PUT both send the body from memory; PUT only
		 * renames the method (curl sends Content-Length either way). */
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SET(CURLOPT_POSTFIELDS, req->body_len > 0 ? req->body : "");
		if (strcmp(req->method, "PUT") == 0)
			SET(CURLOPT_CUSTOMREQUEST, "PUT");
	}
#undef SET
	return rc;
}

/* Translate a failed transfer into our enum, at the border. */
static enum err
map_curl(CURLcode rc, const struct sink *sink, struct httpc_resp *resp)
{
	/* Refused or unresolved: the peer never saw the request. */
	resp->maybe_sent = rc != CURLE_COULDNT_CONNECT &&
	    rc != CURLE_COULDNT_RESOLVE_HOST && rc != CURLE_URL_MALFORMAT &&
	    rc != CURLE_UNSUPPORTED_PROTOCOL && rc != CURLE_OUT_OF_MEMORY;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		resp->timed_out = 1;
		return ERR_UNAVAILABLE;
	case CURLE_WRITE_ERROR:
		return sink->too_large ? ERR_TOO_LARGE : ERR_UNAVAILABLE;
	case CURLE_FILESIZE_EXCEEDED:
		return ERR_TOO_LARGE;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return ERR_INVALID;
	case CURLE_OUT_OF_MEMORY:
		return ERR_INTERNAL;
	default:
		return ERR_UNAVAILABLE;
	}
}

enum err
httpc_do(struct httpc *h, const struct httpc_req *req,
    struct httpc_resp *resp)
{
	struct curl_slist *headers = NULL;
	struct sink sink;
	size_t max;
	CURLcode rc;
	enum err e;
	long status = 0;
	int64_t left = deadline_left_ms(h->deadline);

	max = req->max_response > 0 ? req->max_response : LIM_AWS_RESP_MAX;
	resp->status = 0;
	resp->timed_out = 0;
	resp->past_deadline = 0;
	resp->maybe_sent = 0;
	buf_init(&resp->body, max);
	sink.body = &resp->body;
	sink.too_large = false;

	if (!method_known(req->method) || req->url == NULL ||
	    (req->body == NULL && req->body_len > 0))
		return ERR_INVALID;
	/* Less than a round trip's worth left: do not start. */
	if (left < HTTPC_LEFT_MIN_MS) {
		resp->timed_out = 1;
		resp->past_deadline = 1;
		return ERR_UNAVAILABLE;
	}
	e = build_headers(req, &headers);
	if (e != ERR_OK)
		return e;

	/* Forget the last request's options; connections stay cached. */
	curl_easy_reset(h->curl);
	h->errbuf[0] = '\0';
	rc = set_options(h, req, headers, &sink, max,
	    left > INT32_MAX ? INT32_MAX : (long)left);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(h->curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
		resp->status = status;
		e = ERR_OK;
	} else {
		e = map_curl(rc, &sink, resp);
		log_kv(LOG_DEBUG, "httpc failure", "curl",
		    curl_easy_strerror(rc), "detail", h->errbuf, "error",
		    err_name(e), NULL);
	}
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	free_headers(headers);
	return e;
}

bool
httpc_last_header(struct httpc *h, const char *name, char *out, size_t n)
{
	struct curl_header *hd;
	size_t len;
	const char *p;

	if (n == 0 || curl_easy_header(h->curl, name, 0, CURLH_HEADER, -1,
	    &hd) != CURLHE_OK)
		return false;
	/* The last of several: index amount - 1. */
	if (hd->amount > 1 && curl_easy_header(h->curl, name, hd->amount - 1,
	    CURLH_HEADER, -1, &hd) != CURLHE_OK)
		return false;
	if (hd->value == NULL)
		return false;
	len = strlen(hd->value);
	if (len >= n)
		return false;
	for (p = hd->value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	memcpy(out, hd->value, len + 1);
	return true;
}
