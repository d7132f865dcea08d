#include "http/live.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/jwks.h"
#include "aws/aws.h"
#include "aws/ddb.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/deadline.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "http/ctx.h"
#include "http/fcgi.h"
#include "net/httpc.h"

#define LIVE_PATH_MAX   108
#define LIVE_BODY_MAX   512
#define LIVE_ARENA_MAX  (1024 * 1024)

/*
 * The process-wide health state: the threads outlive any request and
 * the main loop reaches it through live_busy/live_idle only.
 */
static struct {
	struct fcgi      *fcgi;
	char              path[LIVE_PATH_MAX];
	bool              started;
	atomic_llong      busy_since;   /* monotonic ms; 0 = idle */
	long              stuck_ms;     /* deadline + grace */
	/* The probe's results and demand, under lock. */
	pthread_mutex_t   lock;
	pthread_cond_t    wake;
	int64_t           ready_at;     /* monotonic ms of the last round */
	int               ready_status;
	char              ready_body[LIVE_BODY_MAX];
	int64_t           demand_until;
	const char       *catalog;      /* live_set_catalog; NULL: unknown */
	/* The prober's own clients, and its own copies of the settings it
	 * reads: the worker frees app on its way out (live_stop first). */
	struct httpc     *http;
	struct aws       *aws;
	struct ddb        ddb;
	char             *plants_table, *jwks_url;
	/* Held for a whole probe round; live_stop takes it to end them. */
	pthread_mutex_t   round;
	bool              stopping;
} L = { .lock = PTHREAD_MUTEX_INITIALIZER,
        .wake = PTHREAD_COND_INITIALIZER,
        .round = PTHREAD_MUTEX_INITIALIZER };

void
live_busy(void)
{
	atomic_store(&L.busy_since, (long long)deadline_now_ms());
}

void
live_set_catalog(const char *state)
{
	pthread_mutex_lock(&L.lock);
	L.catalog = state;
	pthread_mutex_unlock(&L.lock);
}

void
live_idle(void)
{
	atomic_store(&L.busy_since, 0);
}

/* ---- the probe thread --------------------------------------------- */

static const char *
probe_dynamodb(struct arena *a)
{
	struct json_object *desc;
	enum err e = ddb_describe_table(&L.ddb, a, L.plants_table, &desc);

	return e == ERR_OK ? "ok" : e == ERR_NOT_FOUND ? "table missing" :
	    "unreachable";
}

static const char *
probe_jwks(void)
{
	const char *url = L.jwks_url, *why, *verdict = "unreachable";
	struct jwks *j;
	struct buf body;

	if (url[0] == '\0')
		return "not configured";
	buf_init(&body, LIM_JWKS_MAX);
	if (jwks_fetch_http(L.http, url, &body, &why) == ERR_OK) {
		/* A scratch cache: the request path's is not touched. */
		j = jwks_new(NULL, NULL, NULL);
		verdict = j != NULL && jwks_load_text(j, buf_cstr(&body),
		    body.len, &why) == ERR_OK ? "ok" : "no usable key";
		jwks_free(j);
	}
	buf_free(&body);
	return verdict;
}

static void
probe_round(struct arena *a)
{
	const char *ddb, *jwks, *cat;
	char body[LIVE_BODY_MAX];
	int status;

	aws_request_begin(L.aws, deadline_now_ms() + LIVE_PROBE_DEADLINE_MS);
	ddb = probe_dynamodb(a);
	httpc_set_deadline(L.http, deadline_now_ms() + LIVE_PROBE_DEADLINE_MS);
	jwks = probe_jwks();
	aws_request_begin(L.aws, 0);
	arena_reset(a);
	pthread_mutex_lock(&L.lock);
	cat = L.catalog != NULL ? L.catalog : "unknown";
	status = strcmp(ddb, "ok") == 0 && strcmp(jwks, "ok") == 0 &&
	    strcmp(cat, "ok") == 0 ? 200 : 503;
	snprintf(body, sizeof(body), "{\"status\":\"%s\",\"checks\":"
	    "{\"dynamodb\":\"%s\",\"jwks\":\"%s\",\"catalog\":\"%s\"}}",
	    status == 200 ? "ready" : "not_ready", ddb, jwks, cat);
	if (status != 200 && (L.ready_status != status ||
	    strcmp(body, L.ready_body) != 0))
		log_kv(LOG_WARN, "not ready", "dynamodb", ddb, "jwks", jwks,
		    "catalog", cat, NULL);
	L.ready_status = status;
	memcpy(L.ready_body, body, sizeof(body));
	L.ready_at = deadline_now_ms();
	pthread_mutex_unlock(&L.lock);
}

static void *
probe_main(void *arg)
{
	struct arena *a = arena_new(LIVE_ARENA_MAX);
	struct timespec ts;
	int64_t now;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&L.lock);
		while (deadline_now_ms() >= L.demand_until)
			pthread_cond_wait(&L.wake, &L.lock);
		pthread_mutex_unlock(&L.lock);
		now = deadline_now_ms();
		pthread_mutex_lock(&L.round);
		if (L.stopping) {
			/* The worker is going: no more rounds. */
			pthread_mutex_unlock(&L.round);
			break;
		}
		probe_round(a);
		pthread_mutex_unlock(&L.round);
		/* The next round LIVE_PROBE_PERIOD_MS after this one began. */
		now = now + LIVE_PROBE_PERIOD_MS - deadline_now_ms();
		if (now > 0) {
			ts.tv_sec = (time_t)(now / 1000);
			ts.tv_nsec = (long)(now % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		}
	}
	arena_free(a);
	return NULL;
}

/* ---- the health thread -------------------------------------------- */

/* The request's method is HEAD: headers only. */
static bool head_only;

static void
answer_as(int status, const char *type, const char *extra,
    const char *body)
{
	char head[384];
	int n;

	n = snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: %s\r\nCache-Control: no-store\r\n"
	    "%s%sContent-Length: %zu\r\n\r\n", status,
	    status == 200 ? "OK" : status == 404 ? "Not Found" :
	    status == 405 ? "Method Not Allowed" : "Service Unavailable",
	    type, status == 503 ? "Retry-After: 2\r\n" : "", extra,
	    strlen(body));
	if (n > 0 && (size_t)n < sizeof(head) &&
	    fcgi_write(L.fcgi, head, (size_t)n) && !head_only)
		fcgi_write(L.fcgi, body, strlen(body));
}

static void
answer(int status, const char *body)
{
	answer_as(status, "application/json", "", body);
}

/* As the router answers a method a route lacks (http/resp). */
static void
not_allowed(void)
{
	char body[256];
	const char *id = fcgi_param(L.fcgi, "REQUEST_ID");
	size_t i;

	/* nginx's $request_id is 32 hex digits; anything else is left out. */
	for (i = 0; id != NULL && id[i] != '\0'; i++)
		if (i >= 64 || strchr("0123456789abcdef", id[i]) == NULL)
			id = NULL;
	snprintf(body, sizeof(body), "{\"type\":\"/problems/"
	    "method-not-allowed\",\"title\":\"Method not allowed\","
	    "\"status\":405,\"detail\":\"this resource does not support "
	    "the method\",\"request_id\":%s%s%s}", id ? "\"" : "",
	    id ? id : "null", id ? "\"" : "");
	answer_as(405, "application/problem+json", "Allow: GET, HEAD\r\n",
	    body);
}

static void
healthz(void)
{
	long long since = atomic_load(&L.busy_since);

	if (since != 0 && deadline_now_ms() - since > L.stuck_ms)
		answer(503, "{\"status\":\"stuck\"}");
	else
		answer(200, "{\"status\":\"ok\"}");
}

static void
readyz(void)
{
	char body[LIVE_BODY_MAX];
	int64_t now = deadline_now_ms();
	int status;

	pthread_mutex_lock(&L.lock);
	if (L.demand_until < now + LIVE_DEMAND_MS) {
		if (L.demand_until <= now)
			pthread_cond_signal(&L.wake);
		L.demand_until = now + LIVE_DEMAND_MS;
	}
	if (L.ready_at != 0 && now - L.ready_at <= LIVE_READY_MAX_AGE_MS) {
		status = L.ready_status;
		memcpy(body, L.ready_body, sizeof(body));
	} else {
		status = 503;
		snprintf(body, sizeof(body), "{\"status\":\"not_ready\","
		    "\"checks\":{\"probe\":\"stale\"}}");
	}
	pthread_mutex_unlock(&L.lock);
	answer(status, body);
}

static void *
health_main(void *arg)
{
	const char *uri, *m;

	(void)arg;
	while (fcgi_accept_blocking(L.fcgi)) {
		uri = fcgi_param(L.fcgi, "DOCUMENT_URI");
		m = fcgi_param(L.fcgi, "REQUEST_METHOD");
		head_only = m != NULL && strcmp(m, "HEAD") == 0;
		if (m == NULL || (strcmp(m, "GET") != 0 && !head_only))
			not_allowed();
		else if (uri != NULL && strcmp(uri, "/readyz") == 0)
			readyz();
		else if (uri != NULL && strcmp(uri, "/healthz") == 0)
			healthz();
		else
			answer(404, "{\"status\":\"no such check\"}");
		fcgi_finish(L.fcgi);
	}
	log_kv(LOG_ERROR, "health listener failed; /healthz now fails",
	    NULL);
	return NULL;
}

static bool
spawn(void *(*fn)(void *))
{
	pthread_attr_t at;
	pthread_t th;
	bool ok;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	ok = pthread_create(&th, &at, fn, NULL) == 0;
	pthread_attr_destroy(&at);
	return ok;
}

bool
live_start(const struct app *app, const char *path)
{
	struct aws_config ac;

	if (strlen(path) >= sizeof(L.path)) {
		log_kv(LOG_ERROR, "GROWVRD_HEALTH_SOCKET is too long", NULL);
		return false;
	}
	L.stuck_ms = app->cfg.request_deadline_ms + LIVE_STUCK_GRACE_MS;
	snprintf(L.path, sizeof(L.path), "%s", path);
	if ((L.fcgi = fcgi_open_unix(path)) == NULL) {
		log_kv(LOG_ERROR, "cannot bind the health socket", "path", path,
		    NULL);
		return false;
	}
	L.started = true;
	aws_config_of(&app->cfg, &ac);
	ac.max_attempts = 1;    /* a probe is repeated anyway */
	L.http = httpc_new();
	if ((L.aws = aws_new(&ac, L.http)) == NULL)
		return false;
	L.ddb.aws = L.aws;
	L.ddb.endpoint = xstrdup(app->cfg.dynamodb_endpoint);
	L.plants_table = xstrdup(app->cfg.plants_table);
	L.jwks_url = xstrdup(app->cfg.jwks_url);
	/* Probe from the start: a deploy gate asks soon. */
	L.demand_until = deadline_now_ms() + LIVE_DEMAND_MS;
	if (!spawn(probe_main) || !spawn(health_main)) {
		log_kv(LOG_ERROR, "cannot start the health threads", NULL);
		return false;
	}
	return true;
}

void
live_stop(void)
{
	/* Wait for a round under way (bounded by LIVE_PROBE_DEADLINE_MS)
	 * and start no other: app may be freed once this returns. */
	pthread_mutex_lock(&L.round);
	L.stopping = true;
	pthread_mutex_unlock(&L.round);
	if (L.started)
		unlink(L.path);
}
