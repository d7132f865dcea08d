/*
 * retry.h - the AWS SDKs' "standard" retry mode.
 *
 * Decides whether a failed attempt of an AWS call is tried again, and
 * after how long.  Retryable are throttling errors, transient errors
 * (RequestTimeout, InternalError, HTTP 500/502/503/504) and network
 * failures and timeouts; never ConditionalCheckFailedException,
 * ValidationException or any other 4xx.  Delays grow exponentially with
 * full jitter, delay = random in [0, min(20 s, 100 ms * 2^retry)] where
 * retry counts the retries already made (0 for the first).  A quota per
 * worker bounds retry storms: it starts at 500 tokens, a retry costs 5
 * (10 after a timeout), a success gives back 1, or the cost of the retry
 * it followed; with too few tokens the call is not retried.
 *
 * Ownership: struct retry is worker-lifetime and not shared between
 * threads (one per struct aws).  struct retry_call lives on the stack of
 * one call.  The sleep and the random source can be replaced, so tests
 * run without waiting.
 */
#ifndef GROWVRD_RETRY_H
#define GROWVRD_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define RETRY_MAX_ATTEMPTS_DEFAULT 3
#define RETRY_MAX_ATTEMPTS_LIMIT   10
#define RETRY_QUOTA_INITIAL        500
#define RETRY_COST                 5
#define RETRY_TIMEOUT_COST         10
#define RETRY_SUCCESS_REFUND       1
#define RETRY_BASE_DELAY_MS        100L
#define RETRY_MAX_DELAY_MS         20000L

/* What kind of failure an attempt ended with. */
enum retry_kind {
	RETRY_NONE,         /* success, or a failure never retried */
	RETRY_THROTTLE,     /* the service asked us to slow down */
	RETRY_TRANSIENT,    /* 5xx, transient error code, connection failure */
	RETRY_TIMEOUT,      /* the attempt timed out */
	RETRY__MAX
};

/* sleep_ms(ctx, ms): wait ms milliseconds.  random01(ctx): in [0, 1). */
typedef void (*retry_sleep_fn)(void *ctx, long ms);
typedef double (*retry_random_fn)(void *ctx);

struct retry {
	int             max_attempts;   /* attempts per call, first included */
	int             quota;          /* tokens left */
	retry_sleep_fn  sleep_ms;
	void           *sleep_ctx;
	retry_random_fn random01;
	void           *random_ctx;
	uint64_t        rng;            /* state of the default random source */
};

/*
 * Per-call state: attempts made, the cost of the last retry taken, and
 * the budget the call draws on (NULL: the policy's own quota).  Each
 * dependency has its own budget, so a DynamoDB brownout cannot spend
 * Cognito's retries (struct aws keeps one per service).
 */
struct retry_call {
	int  attempts;
	int  last_cost;
	int *quota;
};

/*
 * retry_init - a policy allowing max_attempts attempts per call (0 means
 * RETRY_MAX_ATTEMPTS_DEFAULT; clamped to 1..RETRY_MAX_ATTEMPTS_LIMIT),
 * a full quota, nanosleep and a seeded xorshift generator.
 */
void retry_init(struct retry *r, int max_attempts);

/*
 * retry_set_hooks - replace the sleep and/or the random source (a NULL
 * function keeps the current one); ctx is passed to the hooks given.
 * For tests.
 */
void retry_set_hooks(struct retry *r, retry_sleep_fn sleep_ms,
    retry_random_fn random01, void *ctx);

/*
 * retry_classify - the kind of an attempt's outcome.  net is what the
 * HTTP client returned (ERR_UNAVAILABLE for a network failure, with
 * timed_out telling a timeout); status and error_type (the short
 * "__type", or NULL) describe the answer when net is ERR_OK.
 */
enum retry_kind retry_classify(enum err net, bool timed_out, long status,
    const char *error_type);

/* retry_is_throttle - error_type names one of the throttling errors. */
bool retry_is_throttle(const char *error_type);

/* retry_call_start - reset c for a new call (no attempt made yet),
 * drawing on the policy's own quota. */
void retry_call_start(struct retry_call *c);

/*
 * retry_next - after attempt number c->attempts failed with kind k:
 * true when another attempt is to be made, in which case the quota has
 * been charged and *delay_ms holds the backoff to sleep first.  False
 * when k is RETRY_NONE, the attempts are used up, or the quota cannot
 * pay (*quota_empty is then set).
 */
bool retry_next(struct retry *r, struct retry_call *c, enum retry_kind k,
    long *delay_ms, bool *quota_empty);

/* retry_success - the call succeeded: give tokens back to the quota. */
void retry_success(struct retry *r, const struct retry_call *c);

/*
 * retry_delay_ms - a backoff for the retry numbered retries (0 first):
 * uniform in [0, min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2^n)].
 */
long retry_delay_ms(struct retry *r, int retries);

/* retry_sleep - wait ms milliseconds through the sleep hook. */
void retry_sleep(struct retry *r, long ms);

#endif
