/*
 * test_retry.c - the standard retry mode: classification table, jitter
 * bounds and the retry quota's arithmetic.
 */
#include <stdbool.h>

#include "aws/retry.h"
#include "harness.h"

static double fixed_r;

static double
rand_fixed(void *ctx)
{
	(void)ctx;
	return fixed_r;
}

static void
test_classify(void)
{
	CASE("retry classification");
	CHECK(retry_classify(ERR_OK, false, 400, "ThrottlingException") ==
	    RETRY_THROTTLE);
	CHECK(retry_classify(ERR_OK, false, 400,
	    "ProvisionedThroughputExceededException") == RETRY_THROTTLE);
	CHECK(retry_classify(ERR_OK, false, 503, "SlowDown") == RETRY_THROTTLE);
	CHECK(retry_classify(ERR_OK, false, 429, NULL) == RETRY_THROTTLE);
	CHECK(retry_classify(ERR_OK, false, 400, "RequestTimeout") ==
	    RETRY_TRANSIENT);
	CHECK(retry_classify(ERR_OK, false, 500, NULL) == RETRY_TRANSIENT);
	CHECK(retry_classify(ERR_OK, false, 504, "Whatever") ==
	    RETRY_TRANSIENT);
	CHECK(retry_classify(ERR_OK, false, 501, NULL) == RETRY_NONE);
	CHECK(retry_classify(ERR_OK, false, 400,
	    "ConditionalCheckFailedException") == RETRY_NONE);
	CHECK(retry_classify(ERR_OK, false, 500, "ValidationException") ==
	    RETRY_NONE);
	CHECK(retry_classify(ERR_OK, false, 400, "AccessDeniedException") ==
	    RETRY_NONE);
	CHECK(retry_classify(ERR_OK, false, 200, NULL) == RETRY_NONE);
	CHECK(retry_classify(ERR_UNAVAILABLE, true, 0, NULL) == RETRY_TIMEOUT);
	CHECK(retry_classify(ERR_UNAVAILABLE, false, 0, NULL) ==
	    RETRY_TRANSIENT);
	CHECK(retry_classify(ERR_TOO_LARGE, false, 0, NULL) == RETRY_NONE);
	CHECK(retry_is_throttle("EC2ThrottledException"));
	CHECK(!retry_is_throttle("Throttlingexception"));
	CHECK(!retry_is_throttle(NULL));
	END_CASE();
}

static void
test_backoff(void)
{
	struct retry r;
	long d;
	int i;

	CASE("full-jitter backoff bounds: 100 ms * 2^n, capped at 20 s");
	retry_init(&r, 0);
	CHECK(r.max_attempts == 3 && r.quota == 500);
	retry_set_hooks(&r, NULL, rand_fixed, NULL);
	fixed_r = 0.0;
	CHECK(retry_delay_ms(&r, 0) == 0);
	fixed_r = 0.9999999;
	CHECK(retry_delay_ms(&r, 0) == 100 && retry_delay_ms(&r, 1) == 200);
	CHECK(retry_delay_ms(&r, 7) == 12800 && retry_delay_ms(&r, 8) == 20000);
	CHECK(retry_delay_ms(&r, 1000) == 20000);
	fixed_r = 0.5;
	CHECK(retry_delay_ms(&r, 2) == 200);
	retry_init(&r, 0);         /* the default generator stays in range */
	for (i = 0; i < 1000; i++) {
		d = retry_delay_ms(&r, 3);
		CHECK(d >= 0 && d <= 800);
	}
	END_CASE();
}

static void
test_quota(void)
{
	struct retry r;
	struct retry_call c;
	long d;
	bool empty;

	CASE("quota: retry costs 5 (10 after a timeout), success refunds");
	retry_init(&r, 3);
	retry_set_hooks(&r, NULL, rand_fixed, NULL);
	retry_call_start(&c);
	c.attempts = 1;
	CHECK(retry_next(&r, &c, RETRY_TIMEOUT, &d, &empty) && r.quota == 490);
	c.attempts = 2;
	CHECK(retry_next(&r, &c, RETRY_THROTTLE, &d, &empty) && r.quota == 485);
	c.attempts = 3;
	CHECK(!retry_next(&r, &c, RETRY_THROTTLE, &d, &empty) && !empty);
	retry_success(&r, &c);         /* after a retry: its cost comes back */
	CHECK(r.quota == 490);
	retry_call_start(&c);
	c.attempts = 1;
	CHECK(!retry_next(&r, &c, RETRY_NONE, &d, &empty));
	retry_success(&r, &c);         /* first try: 1 token */
	CHECK(r.quota == 491);
	r.quota = 499;
	retry_success(&r, &c);
	retry_success(&r, &c);
	CHECK(r.quota == 500);          /* never above the start */
	r.quota = 9;
	CHECK(!retry_next(&r, &c, RETRY_TIMEOUT, &d, &empty) && empty);
	CHECK(retry_next(&r, &c, RETRY_TRANSIENT, &d, &empty) && r.quota == 4);
	CHECK(!retry_next(&r, &c, RETRY_TRANSIENT, &d, &empty) && empty);
	retry_init(&r, 99);
	CHECK(r.max_attempts == RETRY_MAX_ATTEMPTS_LIMIT);
	END_CASE();
}

int
main(void)
{
	test_classify();
	test_backoff();
	test_quota();
	return harness_done();
}
