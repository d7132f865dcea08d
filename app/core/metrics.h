/*
 * metrics.h - CloudWatch metrics without an API call: the worker counts
 * in memory and writes CloudWatch Embedded Metric Format (EMF) records
 * to its log, which the CloudWatch agent ships; CloudWatch Logs turns
 * them into metrics in the namespace "GrowVRD".
 *
 * Per route (dimension "Route", and a dimensionless total): Requests,
 * Latency (milliseconds, a list CloudWatch takes percentiles of),
 * Status4xx, Status5xx, Status503, DeadlineExceeded, QuotaRefused.
 * Per dependency (dimension "Dependency": DynamoDB, Cognito, JWKS,
 * Stripe, SecretsManager, Other): DependencyCalls, DependencyErrors,
 * DependencyThrottles, DependencyRetries, DependencyLatency.
 *
 * Every METRICS_PERIOD_MS (10 s; GROWVRD_METRICS_PERIOD_MS) the worker
 * writes one EMF line per route and per dependency that saw traffic in
 * the period, nothing when idle; never one per request.  A latency list
 * holds at most METRICS_VALUES_MAX (100) numbers, the EMF limit: with
 * more requests in the period it is the period's distribution scaled
 * to 100 members (each value stands for Requests/100 requests).
 * Latencies are kept in buckets 6.25 % wide (8 per power of two).
 *
 * GROWVRD_METRICS=off turns the hooks into returns (for measuring their
 * cost; nothing else needs it).
 *
 * Process-wide state, like the log: the hooks take no context, so each
 * is one call where it belongs.  Thread-safe (one mutex: a health probe
 * thread's calls count too).  Nothing is allocated but a record's line
 * while it is written.
 */
#ifndef GROWVRD_METRICS_H
#define GROWVRD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"

#define METRICS_NAMESPACE    "GrowVRD"
#define METRICS_PERIOD_MS    10000
#define METRICS_VALUES_MAX   100     /* EMF: numbers in one metric array */

/*
 * metrics_request - one answered request: its route name (a static
 * string; "-" when no route matched), the HTTP status, the handler's
 * error (ERR_OK if none) and the time from accept to answer.  Writes the
 * period's records first when the period is over.
 */
void metrics_request(const char *route, int status, enum err e,
    long latency_us);

/*
 * metrics_dep - one call to a dependency: service is the AWS signing
 * name ("dynamodb", "cognito-idp", "secretsmanager") or "jwks" or
 * "stripe"; attempts made (retries are attempts - 1); the call's
 * result (ERR_OK; ERR_UPSTREAM, an answer the caller handles such as a
 * lost condition, is not an error; ERR_THROTTLED counts a throttle);
 * the whole call's time; past_deadline when it stopped because the
 * request's deadline came (the request then counts DeadlineExceeded).
 */
void metrics_dep(const char *service, int attempts, enum err e,
    long latency_us, bool past_deadline);

/*
 * metrics_idle - for the accept loop: write the records when the period
 * is over, then return ts filled with the time until the next write is
 * due, or NULL when nothing is waiting (sleep without a timeout).
 */
struct timespec *metrics_idle(struct timespec *ts);

/* metrics_now_us - a monotonic clock, to time a call for metrics_dep. */
int64_t metrics_now_us(void);

/* metrics_flush - write what was counted now (at shutdown). */
void metrics_flush(void);

/*
 * metrics_set_sink - where records go (default: one write(2)-sized
 * fwrite to stderr per line, like the log).  fn NULL restores it.
 * For tests and the benchmark.
 */
typedef void (*metrics_sink)(const char *line, size_t len, void *ctx);
void metrics_set_sink(metrics_sink fn, void *ctx);

/* metrics_set_period - the period in ms (tests); <= 0 restores it. */
void metrics_set_period(long ms);

/* metrics_reset - forget every count and route (tests). */
void metrics_reset(void);

#endif
