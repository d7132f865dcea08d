/*
 * aws.h - one signed, retried call to an AWS JSON API.
 *
 * struct aws is worker-lifetime: it holds the HTTP client, the credential
 * provider, the region and the retry quota.  aws_json_call() signs a POST
 * with SigV4, sends it, and retries as the AWS SDKs' "standard" mode does
 * (throttling, 5xx and transient network errors; exponential backoff with
 * full jitter; a retry quota; never ConditionalCheckFailed or validation
 * errors).  Both DynamoDB (JSON 1.0) and Cognito (JSON 1.1) go through it.
 *
 * Ownership: result strings live in the caller's arena.
 */
#ifndef GROWVRD_AWS_H
#define GROWVRD_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct arena;
struct creds_provider;
struct httpc;
struct retry;

struct aws_config {
	const char *region;             /* AWS_DEFAULT_REGION */
	long        connect_timeout_ms; /* default 1000 */
	long        timeout_ms;         /* per attempt, default 3000 */
	int         max_attempts;       /* default 3 */
};

struct aws;
struct config;

/*
 * aws_config_of - the client settings of the worker's configuration
 * (region, timeouts, attempts): one mapping for every client the worker
 * and growvrdctl make.  The strings stay cfg's.
 */
void aws_config_of(const struct config *cfg, struct aws_config *ac);

/*
 * aws_new - a client over http (borrowed; must outlive the client).
 * Credentials come from the chain: environment, ECS container, EC2
 * instance role through IMDSv2.  Returns NULL and logs why when cfg is
 * unusable.
 */
struct aws *aws_new(const struct aws_config *cfg, struct httpc *http);

/* aws_free - release, wiping secrets.  NULL is a no-op. */
void aws_free(struct aws *aws);

struct aws_call {
	const char *endpoint;           /* "https://dynamodb.us-east-1...";
	                                   may carry a port and path */
	const char *service;            /* signing name: "dynamodb",
	                                   "cognito-idp", "secretsmanager" */
	const char *target;             /* X-Amz-Target value */
	const char *content_type;       /* "application/x-amz-json-1.0" ... */
	const char *body;
	size_t      body_len;
	bool        unsigned_call;      /* Cognito's public calls: no SigV4 */
	bool        once;               /* changes state and is not safe to
	                                   repeat: retried only when the
	                                   attempt never reached the service
	                                   or was refused by throttling */
};

struct aws_result {
	long        status;             /* last HTTP status, 0 if none */
	const char *body;               /* response body (NUL-terminated) */
	size_t      body_len;
	const char *error_type;         /* short "__type" of an error answer,
	                                   e.g. "ConditionalCheckFailedException";
	                                   NULL on success */
	int         attempts;           /* how many were made */
	const char *error_message;      /* "message" of an error answer,
	                                   at most 512 bytes; NULL if none.
	                                   Never for clients: may name
	                                   tables or ARNs */
	bool        timed_out;          /* the last attempt timed out */
	bool        past_deadline;      /* stopped: the request's deadline
	                                   left no time for another try */
	bool        replayed;           /* an attempt was sent after an
	                                   earlier one whose outcome is
	                                   unknown (timeout, lost answer,
	                                   5xx): a write may have been
	                                   applied by that earlier one */
	bool        outcome_unknown;    /* a `once` call failed after it may
	                                   have reached the service: it may
	                                   or may not have been applied */
};

/*
 * What the request's calls cost, for its log line: the last call that
 * failed (the dependency, its operation, attempts and time) and the
 * totals.  Strings are copies held by struct aws until the next
 * aws_request_begin.
 */
struct aws_report {
	int         calls;              /* calls made */
	long        ms;                 /* time spent in them */
	const char *failed_service;     /* NULL when none failed */
	const char *failed_target;
	const char *failed_error;       /* "timeout", "connection",
	                                   "ThrottlingException",
	                                   "deadline", "credentials" ... */
	int         failed_attempts;
	long        failed_ms;
};

/*
 * aws_request_begin - a new request starts: its deadline (CLOCK_MONOTONIC
 * ms, core/deadline.h; 0 = none) bounds every later call, attempts and
 * backoff included (the HTTP client's deadline is set too), and the
 * report starts empty.
 */
void aws_request_begin(struct aws *aws, int64_t deadline);

/*
 * aws_deadline / aws_set_deadline - read or narrow the request's
 * deadline without touching the report: a write that needs time for a
 * clean-up after it reserves that time this way, then restores it.
 */
int64_t aws_deadline(const struct aws *aws);
void aws_set_deadline(struct aws *aws, int64_t deadline);

/* aws_request_report - what the calls since aws_request_begin cost. */
void aws_request_report(const struct aws *aws, struct aws_report *out);

/*
 * aws_json_call - make the call.  Returns ERR_OK for a 2xx answer;
 * ERR_UPSTREAM for a 4xx error answer that was not retried
 * (res->error_type names it, for the caller to map); ERR_THROTTLED when
 * throttling outlived the retries; ERR_UNAVAILABLE for 5xx, network
 * failures and timeouts that outlived them (or an empty retry quota, or
 * the request's deadline), and when no credentials can be had;
 * ERR_INTERNAL when the call is malformed (a bad endpoint, a signing
 * failure).  An ExpiredToken answer makes the credentials be fetched
 * again and the call tried once more.  An answer past LIM_AWS_RESP_MAX
 * or with a 1xx/3xx status is ERR_UPSTREAM; ERR_TOO_LARGE when arena a
 * reaches its cap.  res->body holds the last answer, error answers
 * included, and is released with the arena.
 */
enum err aws_json_call(struct aws *aws, struct arena *a,
    const struct aws_call *call, struct aws_result *res);

/*
 * aws_retry - the client's retry policy and quota, to inspect or to give
 * tests an instant sleep and a fixed random source (retry_set_hooks).
 */
struct retry *aws_retry(struct aws *aws);

/* aws_creds - the client's credential provider (readiness, tests). */
struct creds_provider *aws_creds(struct aws *aws);

#endif
