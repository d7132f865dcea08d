/*
 * sigv4.h - AWS Signature Version 4 (HMAC-SHA256), header signing.
 *
 * The one signer of the program: the workers' DynamoDB and Cognito calls
 * and `growvrdctl sign` (which runs AWS's official test suite through it)
 * all come here.  Implements the canonical request, string to sign,
 * signing key and Authorization header of the SigV4 specification
 * ("Create a canonical request" .. "Calculate the signature").
 *
 * Ownership: every string in struct sigv4_out is allocated from the
 * caller's arena.  Secrets are never copied outside the stack frame of
 * sigv4_sign and the derived keys are wiped with OPENSSL_cleanse.
 */
#ifndef GROWVRD_SIGV4_H
#define GROWVRD_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/err.h"

struct arena;

struct sigv4_creds {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;      /* NULL or "" when none */
};

struct sigv4_header {
	const char *name;               /* as sent; compared without case */
	const char *value;              /* raw; trimmed/folded when signed */
};

struct sigv4_request {
	const char *method;             /* "GET", "POST", ... */
	const char *target;             /* path plus optional "?query", as on
	                                   the wire (already %-encoded) */
	const struct sigv4_header *headers;   /* must include Host */
	size_t      nheaders;
	const void *body;
	size_t      body_len;
	const char *region;
	const char *service;
	time_t      when;               /* signing time, UTC */
	bool        normalize;          /* remove . .. and empty segments */
	bool        sign_body;          /* add and sign x-amz-content-sha256 */
	bool        omit_session_token; /* add the token after signing */
};

/* Headers the signer adds to the request, in the order to send them. */
#define SIGV4_ADDED_MAX 4
struct sigv4_out {
	const char *authorization;      /* value of the Authorization header */
	struct sigv4_header added[SIGV4_ADDED_MAX]; /* X-Amz-Date, and where
	                                   used X-Amz-Security-Token and
	                                   x-amz-content-sha256 */
	size_t      nadded;
	/* Intermediate results, for tests: */
	const char *canonical_request;
	const char *string_to_sign;
	const char *signature;          /* 64 lowercase hex digits */
};

/*
 * sigv4_sign - sign req with creds.  Returns ERR_OK and fills out, or
 * ERR_INVALID when the request cannot be signed (no Host header, a
 * malformed target), or ERR_TOO_LARGE when the arena's cap is passed.
 */
enum err sigv4_sign(struct arena *a, const struct sigv4_request *req,
    const struct sigv4_creds *creds, struct sigv4_out *out);

#endif
