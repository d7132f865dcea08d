#include "aws/retry.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Error codes with a fixed kind, whatever the HTTP status. */
static const struct {
	const char     *type;
	enum retry_kind kind;
} codes[] = {
	{ "Throttling",                             RETRY_THROTTLE },
	{ "ThrottlingException",                    RETRY_THROTTLE },
	{ "ThrottledException",                     RETRY_THROTTLE },
	{ "RequestThrottledException",              RETRY_THROTTLE },
	{ "TooManyRequestsException",               RETRY_THROTTLE },
	{ "ProvisionedThroughputExceededException", RETRY_THROTTLE },
	{ "TransactionInProgressException",         RETRY_THROTTLE },
	{ "RequestLimitExceeded",                   RETRY_THROTTLE },
	{ "BandwidthLimitExceeded",                 RETRY_THROTTLE },
	{ "LimitExceededException",                 RETRY_THROTTLE },
	{ "RequestThrottled",                       RETRY_THROTTLE },
	{ "SlowDown",                               RETRY_THROTTLE },
	{ "PriorRequestNotComplete",                RETRY_THROTTLE },
	{ "EC2ThrottledException",                  RETRY_THROTTLE },
	{ "RequestTimeout",                         RETRY_TRANSIENT },
	{ "RequestTimeoutException",                RETRY_TRANSIENT },
	{ "InternalError",                          RETRY_TRANSIENT },
	/* Retrying these could apply a write twice or can never succeed. */
	{ "ConditionalCheckFailedException",        RETRY_NONE },
	{ "ValidationException",                    RETRY_NONE },
	/* cognito-local's 500 for an operation it lacks: never will work. */
	{ "Unsupported",                            RETRY_NONE },
};

/* HTTP statuses retried as transient when the code says nothing. */
static const long transient_status[] = { 500, 502, 503, 504 };

static void
default_sleep(void *ctx, long ms)
{
	struct timespec ts, rem;

	(void)ctx;
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
		ts = rem;
}

/* xorshift64*: jitter needs spread, not secrecy. */
static double
default_random(void *ctx)
{
	struct retry *r = ctx;
	uint64_t x = r->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->rng = x;
	return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

static uint64_t
seed(const struct retry *r)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		    ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)r;
	}
	return s != 0 ? s : 0x9E3779B97F4A7C15ULL;
}

void
retry_init(struct retry *r, int max_attempts)
{
	if (max_attempts <= 0)
		max_attempts = RETRY_MAX_ATTEMPTS_DEFAULT;
	if (max_attempts > RETRY_MAX_ATTEMPTS_LIMIT)
		max_attempts = RETRY_MAX_ATTEMPTS_LIMIT;
	r->max_attempts = max_attempts;
	r->quota = RETRY_QUOTA_INITIAL;
	r->sleep_ms = default_sleep;
	r->sleep_ctx = NULL;
	r->random01 = default_random;
	r->random_ctx = r;
	r->rng = seed(r);
}

void
retry_set_hooks(struct retry *r, retry_sleep_fn sleep_ms,
    retry_random_fn random01, void *ctx)
{
	if (sleep_ms != NULL) {
		r->sleep_ms = sleep_ms;
		r->sleep_ctx = ctx;
	}
	if (random01 != NULL) {
		r->random01 = random01;
		r->random_ctx = ctx;
	}
}

static int
find_code(const char *type)
{
	size_t i;

	if (type == NULL)
		return -1;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(type, codes[i].type) == 0)
			return (int)i;
	return -1;
}

bool
retry_is_throttle(const char *error_type)
{
	int i = find_code(error_type);

	return i >= 0 && codes[i].kind == RETRY_THROTTLE;
}

enum retry_kind
retry_classify(enum err net, bool timed_out, long status,
    const char *error_type)
{
	size_t i;
	int c;

	if (net == ERR_UNAVAILABLE)
		return timed_out ? RETRY_TIMEOUT : RETRY_TRANSIENT;
	if (net != ERR_OK || (status >= 200 && status < 300))
		return RETRY_NONE;
	c = find_code(error_type);
	if (c >= 0)
		return codes[c].kind;
	if (status == 429)
		return RETRY_THROTTLE;
	for (i = 0; i < sizeof(transient_status) / sizeof(long); i++)
		if (status == transient_status[i])
			return RETRY_TRANSIENT;
	return RETRY_NONE;
}

void
retry_call_start(struct retry_call *c)
{
	c->attempts = 0;
	c->last_cost = 0;
	c->quota = NULL;
}

static int *
budget(struct retry *r, const struct retry_call *c)
{
	return c->quota != NULL ? c->quota : &r->quota;
}

long
retry_delay_ms(struct retry *r, int retries)
{
	long ceiling = RETRY_BASE_DELAY_MS;
	double x;
	long d;

	while (retries-- > 0 && ceiling < RETRY_MAX_DELAY_MS)
		ceiling *= 2;
	if (ceiling > RETRY_MAX_DELAY_MS)
		ceiling = RETRY_MAX_DELAY_MS;
	x = r->random01(r->random_ctx);
	if (!(x >= 0.0))        /* also catches NaN from a bad hook */
		x = 0.0;
	d = (long)(x * (double)(ceiling + 1));
	return d > ceiling ? ceiling : d;
}

bool
retry_next(struct retry *r, struct retry_call *c, enum retry_kind k,
    long *delay_ms, bool *quota_empty)
{
	int cost;

	*delay_ms = 0;
	*quota_empty = false;
	if (k == RETRY_NONE || k >= RETRY__MAX ||
	    c->attempts >= r->max_attempts)
		return false;
	cost = k == RETRY_TIMEOUT ? RETRY_TIMEOUT_COST : RETRY_COST;
	if (*budget(r, c) < cost) {
		*quota_empty = true;
		return false;
	}
	*budget(r, c) -= cost;
	c->last_cost = cost;
	/* attempts made so far minus one = retries already made */
	*delay_ms = retry_delay_ms(r, c->attempts - 1);
	return true;
}

void
retry_success(struct retry *r, const struct retry_call *c)
{
	int *q = budget(r, c);

	*q += c->last_cost > 0 ? c->last_cost : RETRY_SUCCESS_REFUND;
	if (*q > RETRY_QUOTA_INITIAL)
		*q = RETRY_QUOTA_INITIAL;
}

void
retry_sleep(struct retry *r, long ms)
{
	r->sleep_ms(r->sleep_ctx, ms);
}
