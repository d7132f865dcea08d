#include "core/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/str.h"

/*
 * Latency buckets: values under 8 us exactly, then 8 buckets per power
 * of two (6.25 % wide) up to 2^26 us (67 s); anything longer goes in
 * the last.
 */
#define SUB_BITS     3
#define SUBS         (1 << SUB_BITS)
#define TOP_BIT      26
#define BUCKETS      ((TOP_BIT - SUB_BITS + 2) * SUBS)
#define LINE_MAX     (64 * 1024)

enum rc { R_REQUESTS, R_4XX, R_5XX, R_503, R_DEADLINE, R_QUOTA, R__MAX };
enum dc { D_CALLS, D_ERRORS, D_THROTTLES, D_RETRIES, D__MAX };
#define COUNTERS_MAX 6           /* the larger of R__MAX and D__MAX */

_Static_assert((int)R__MAX <= COUNTERS_MAX && (int)D__MAX <= COUNTERS_MAX,
    "COUNTERS_MAX holds every counter");

static const char *const route_names[R__MAX] = {
	"Requests",          /* R_REQUESTS */
	"Status4xx",         /* R_4XX */
	"Status5xx",         /* R_5XX */
	"Status503",         /* R_503 */
	"DeadlineExceeded",  /* R_DEADLINE */
	"QuotaRefused",      /* R_QUOTA */
};

static const char *const dep_names[D__MAX] = {
	"DependencyCalls",     /* D_CALLS */
	"DependencyErrors",    /* D_ERRORS */
	"DependencyThrottles", /* D_THROTTLES */
	"DependencyRetries",   /* D_RETRIES */
};

/* The dependencies, by the name their callers give. */
static const struct {
	const char *service;
	const char *name;
} deps[] = {
	{ "dynamodb",       "DynamoDB" },
	{ "cognito-idp",    "Cognito" },
	{ "jwks",           "JWKS" },
	{ "stripe",         "Stripe" },
	{ "secretsmanager", "SecretsManager" },
	{ NULL,             "Other" },          /* the rest */
};
#define NDEPS (sizeof(deps) / sizeof(deps[0]))

struct series {
	char     name[LIM_METRICS_NAME + 1];
	uint64_t count[COUNTERS_MAX];
	uint64_t n;                     /* latencies in hist */
	uint32_t hist[BUCKETS];
};

/* One lock for all of it: a health probe thread may call metrics_dep
 * while the main thread serves (uncontended, it costs ~20 ns). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	bool          init;
	bool          off;              /* GROWVRD_METRICS=off */
	long          period_ms;
	bool          pending;          /* something counted since the write */
	int64_t       due;              /* monotonic ms of the next write */
	bool          deadline_seen;    /* in the request being served */
	size_t        nroutes;
	struct series routes[LIM_METRICS_ROUTES + 1];   /* + "other" */
	struct series deps[NDEPS];
	metrics_sink  sink;
	void         *sink_ctx;
} m;

/* The period's clock: the coarse one costs a fifth of the precise one
 * and ticks every few ms, plenty for a 10 s period. */
static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
init_once(void)
{
	const char *s;
	long v;
	char *end;

	if (m.init)
		return;
	m.init = true;
	m.period_ms = METRICS_PERIOD_MS;
	s = getenv("GROWVRD_METRICS");
	m.off = s != NULL && strcmp(s, "off") == 0;
	if ((s = getenv("GROWVRD_METRICS_PERIOD_MS")) != NULL) {
		v = strtol(s, &end, 10);
		if (end != s && *end == '\0' && v >= 100 && v <= 3600000)
			m.period_ms = v;
	}
	for (size_t i = 0; i < NDEPS; i++)
		memcpy(m.deps[i].name, deps[i].name, strlen(deps[i].name) + 1);
}

static unsigned
bucket_of(long us)
{
	unsigned long v = us > 0 ? (unsigned long)us : 0;
	int top;

	if (v < SUBS)
		return (unsigned)v;
	top = 63 - __builtin_clzl(v);
	if (top > TOP_BIT)
		return BUCKETS - 1;
	return (unsigned)((top - SUB_BITS + 1) * SUBS +
	    (int)((v >> (top - SUB_BITS)) & (SUBS - 1)));
}

/* A bucket's middle, in microseconds. */
static uint64_t
bucket_mid_us(unsigned b)
{
	unsigned top, sub;
	uint64_t lo, width;

	if (b < SUBS)
		return b;
	top = b / SUBS + SUB_BITS - 1;
	sub = b % SUBS;
	width = (uint64_t)1 << (top - SUB_BITS);
	lo = (uint64_t)(SUBS + sub) << (top - SUB_BITS);
	return lo + width / 2;
}

static void
observe(struct series *s, long us)
{
	s->hist[bucket_of(us)]++;
	s->n++;
}

static struct series *
route_series(const char *route)
{
	size_t i, n;

	if (route == NULL || route[0] == '\0')
		route = "-";
	n = strnlen(route, LIM_METRICS_NAME);   /* longer names are cut */
	for (i = 0; i < m.nroutes; i++)
		if (strncmp(m.routes[i].name, route, n) == 0 &&
		    m.routes[i].name[n] == '\0')
			return &m.routes[i];
	if (m.nroutes == LIM_METRICS_ROUTES) {
		/* Never reached with the static route table; bounded anyway. */
		memcpy(m.routes[i].name, "other", sizeof("other"));
		return &m.routes[LIM_METRICS_ROUTES];
	}
	memcpy(m.routes[i].name, route, n);
	m.routes[i].name[n] = '\0';
	m.nroutes++;
	return &m.routes[i];
}

static void
mark_pending(void)
{
	if (!m.pending) {
		m.pending = true;
		m.due = mono_ms() + m.period_ms;
	}
}

static void
write_line(struct buf *b)
{
	if (m.sink != NULL)
		m.sink(b->data, b->len, m.sink_ctx);
	else {
		/* One write per line: lines never interleave. */
		fwrite(b->data, 1, b->len, stderr);
		fflush(stderr);
	}
}

static void
put_name(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	str_json_escape(b, s, strlen(s));
	buf_putc(b, '"');
}

/*
 * The latency list: every observation when there are at most
 * METRICS_VALUES_MAX, else METRICS_VALUES_MAX members shared out in
 * proportion to the buckets' counts (largest remainders), the slowest
 * bucket always keeping one so the maximum survives.
 */
static void
put_latencies(struct buf *b, const struct series *s)
{
	uint32_t take[BUCKETS];
	uint64_t rem[BUCKETS], scaled;
	unsigned i, slowest = 0, first = 1, k, best;
	uint64_t given = 0, want;

	want = s->n <= METRICS_VALUES_MAX ? s->n : METRICS_VALUES_MAX;
	for (i = 0; i < BUCKETS; i++) {
		scaled = (uint64_t)s->hist[i] * want;
		take[i] = (uint32_t)(scaled / (s->n ? s->n : 1));
		rem[i] = scaled % (s->n ? s->n : 1);
		given += take[i];
		if (s->hist[i] > 0)
			slowest = i;
	}
	if (s->n > 0 && take[slowest] == 0) {
		take[slowest] = 1;
		given++;
		rem[slowest] = 0;
	}
	while (given < want) {          /* largest remainders */
		for (best = 0, i = 1; i < BUCKETS; i++)
			if (rem[i] > rem[best])
				best = i;
		take[best]++;
		rem[best] = 0;
		given++;
	}
	while (given > want) {          /* the slowest's extra one */
		for (best = 0, i = 1; i < BUCKETS; i++)
			if (take[i] > take[best])
				best = i;
		take[best]--;
		given--;
	}
	buf_putc(b, '[');
	for (i = 0; i < BUCKETS; i++)
		for (k = 0; k < take[i]; k++) {
			uint64_t us = bucket_mid_us(i);

			buf_printf(b, "%s%llu.%03llu", first ? "" : ",",
			    (unsigned long long)(us / 1000),
			    (unsigned long long)(us % 1000));
			first = 0;
		}
	buf_putc(b, ']');
}

static void
open_record(struct buf *b, int64_t ts, const char *dims)
{
	buf_printf(b, "{\"_aws\":{\"Timestamp\":%lld,\"CloudWatchMetrics\":"
	    "[{\"Namespace\":\"" METRICS_NAMESPACE "\",\"Dimensions\":%s,"
	    "\"Metrics\":[", (long long)ts, dims);
}

static void
write_route(const struct series *s, int64_t ts)
{
	struct buf b;
	int i;

	buf_init(&b, LINE_MAX);
	open_record(&b, ts, "[[\"Route\"],[]]");
	for (i = 0; i < R__MAX; i++)
		buf_printf(&b, "{\"Name\":\"%s\",\"Unit\":\"Count\"},",
		    route_names[i]);
	buf_puts(&b, "{\"Name\":\"Latency\",\"Unit\":\"Milliseconds\"}]}]},"
	    "\"level\":\"info\",\"msg\":\"metrics\",\"Route\":");
	put_name(&b, s->name);
	for (i = 0; i < R__MAX; i++)
		buf_printf(&b, ",\"%s\":%llu", route_names[i],
		    (unsigned long long)s->count[i]);
	buf_puts(&b, ",\"Latency\":");
	put_latencies(&b, s);
	buf_puts(&b, "}\n");
	write_line(&b);
	buf_free(&b);
}

static void
write_dep(const struct series *s, int64_t ts)
{
	struct buf b;
	int i;

	buf_init(&b, LINE_MAX);
	open_record(&b, ts, "[[\"Dependency\"]]");
	for (i = 0; i < D__MAX; i++)
		buf_printf(&b, "{\"Name\":\"%s\",\"Unit\":\"Count\"},",
		    dep_names[i]);
	buf_puts(&b, "{\"Name\":\"DependencyLatency\",\"Unit\":"
	    "\"Milliseconds\"}]}]},\"level\":\"info\",\"msg\":\"metrics\","
	    "\"Dependency\":");
	put_name(&b, s->name);
	for (i = 0; i < D__MAX; i++)
		buf_printf(&b, ",\"%s\":%llu", dep_names[i],
		    (unsigned long long)s->count[i]);
	buf_puts(&b, ",\"DependencyLatency\":");
	put_latencies(&b, s);
	buf_puts(&b, "}\n");
	write_line(&b);
	buf_free(&b);
}

static void
clear(struct series *s)
{
	memset(s->count, 0, sizeof(s->count));
	memset(s->hist, 0, sizeof(s->hist));
	s->n = 0;
}

static void
flush_locked(void)
{
	int64_t ts = wall_ms();
	size_t i;

	init_once();
	for (i = 0; i <= LIM_METRICS_ROUTES; i++)
		if (m.routes[i].count[R_REQUESTS] > 0) {
			write_route(&m.routes[i], ts);
			clear(&m.routes[i]);
		}
	for (i = 0; i < NDEPS; i++)
		if (m.deps[i].count[D_CALLS] > 0) {
			write_dep(&m.deps[i], ts);
			clear(&m.deps[i]);
		}
	m.pending = false;
}

void
metrics_flush(void)
{
	pthread_mutex_lock(&lock);
	flush_locked();
	pthread_mutex_unlock(&lock);
}

static void
flush_if_due(void)
{
	if (m.pending && mono_ms() >= m.due)
		flush_locked();
}

void
metrics_request(const char *route, int status, enum err e, long latency_us)
{
	struct series *s;

	pthread_mutex_lock(&lock);
	init_once();
	if (m.off) {
		pthread_mutex_unlock(&lock);
		return;
	}
	s = route_series(route);
	s->count[R_REQUESTS]++;
	if (status >= 400 && status < 500)
		s->count[R_4XX]++;
	if (status >= 500)
		s->count[R_5XX]++;
	if (status == 503)
		s->count[R_503]++;
	if (m.deadline_seen || status == 504)
		s->count[R_DEADLINE]++;
	if (e == ERR_QUOTA)
		s->count[R_QUOTA]++;
	m.deadline_seen = false;
	observe(s, latency_us);
	mark_pending();
	flush_if_due();
	pthread_mutex_unlock(&lock);
}

void
metrics_dep(const char *service, int attempts, enum err e, long latency_us,
    bool past_deadline)
{
	struct series *s;
	size_t i;

	pthread_mutex_lock(&lock);
	init_once();
	if (m.off) {
		pthread_mutex_unlock(&lock);
		return;
	}
	for (i = 0; i < NDEPS - 1; i++)
		if (service != NULL && strcmp(service, deps[i].service) == 0)
			break;
	s = &m.deps[i];
	s->count[D_CALLS]++;
	if (e != ERR_OK && e != ERR_UPSTREAM)
		s->count[D_ERRORS]++;
	if (e == ERR_THROTTLED)
		s->count[D_THROTTLES]++;
	if (attempts > 1)
		s->count[D_RETRIES] += (uint64_t)(attempts - 1);
	if (past_deadline)
		m.deadline_seen = true;
	observe(s, latency_us);
	mark_pending();
	pthread_mutex_unlock(&lock);
}

struct timespec *
metrics_idle(struct timespec *ts)
{
	int64_t left;
	bool pending;

	pthread_mutex_lock(&lock);
	init_once();
	flush_if_due();
	pending = m.pending;
	left = m.due - mono_ms();
	pthread_mutex_unlock(&lock);
	if (!pending)
		return NULL;
	if (left < 0)
		left = 0;
	ts->tv_sec = (time_t)(left / 1000);
	ts->tv_nsec = (long)(left % 1000) * 1000000L;
	return ts;
}

void
metrics_set_sink(metrics_sink fn, void *ctx)
{
	pthread_mutex_lock(&lock);
	m.sink = fn;
	m.sink_ctx = ctx;
	pthread_mutex_unlock(&lock);
}

void
metrics_set_period(long ms)
{
	pthread_mutex_lock(&lock);
	init_once();
	m.period_ms = ms > 0 ? ms : METRICS_PERIOD_MS;
	pthread_mutex_unlock(&lock);
}

void
metrics_reset(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	init_once();
	for (i = 0; i <= LIM_METRICS_ROUTES; i++) {
		clear(&m.routes[i]);
		m.routes[i].name[0] = '\0';
	}
	for (i = 0; i < NDEPS; i++)
		clear(&m.deps[i]);
	m.nroutes = 0;
	m.pending = false;
	m.deadline_seen = false;
	pthread_mutex_unlock(&lock);
}
