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
	/* On failure (everything else NULL): static text saying why. */
	const char *why;
};

/*
 * sigv4_sign - sign req with creds.  Returns ERR_OK and fills out, or
 * ERR_INVALID when the request cannot be signed (no Host header, a
 * malformed target), or ERR_TOO_LARGE when the arena's cap is passed.
 */
enum err sigv4_sign(struct arena *a, const struct sigv4_request *req,
    const struct sigv4_creds *creds, struct sigv4_out *out);

/*
 * Limits of the signer.  A request passing one of them is refused with
 * ERR_TOO_LARGE (text) or ERR_INVALID (header count, secret length).
 */
#define SIGV4_HEADERS_MAX 64            /* caller's headers per request */
#define SIGV4_TEXT_MAX    (64 * 1024)   /* canonical request, and each
                                           encoded part of it */
#define SIGV4_SECRET_MAX  128           /* secret access key, bytes */
#define SIGV4_KEY_LEN     32            /* HMAC-SHA256 key and digest */

/*
 * The steps of sigv4_sign, exposed for the unit tests (and a presigner,
 * should one be needed).  Each appends to a caller's bounded buffer and
 * returns false when the buffer's maximum would be passed.
 */
struct buf;

/*
 * sigv4_uri_encode - append s[0..n) with every byte except the
 * unreserved A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash) written as
 * %XX in upper-case hex ("Create a canonical request", UriEncode).
 * Nothing is decoded first: an existing "%20" becomes "%2520".
 */
bool sigv4_uri_encode(struct buf *out, const char *s, size_t n,
    bool keep_slash);

/*
 * sigv4_normalize_path - append path[0..n) (which starts with '/') with
 * "." and empty segments removed and each ".." removing the segment
 * before it; a trailing '/' stays, and an empty result is "/".  No
 * decoding or encoding happens here.
 */
bool sigv4_normalize_path(struct buf *out, const char *path, size_t n);

/*
 * sigv4_canonical_query - append the canonical query string of
 * q[0..n) (without the '?'): split on '&' (empty pieces dropped), then
 * on the first '=', percent-decode key and value, encode them again
 * with sigv4_uri_encode (so ' ' is %20 and '+' stays a literal %2B),
 * sort by encoded key, then value, byte-wise, and join as k=v&k=v.
 * Scratch memory comes from a.  Returns ERR_OK, ERR_INVALID for a bad
 * %-escape, ERR_TOO_LARGE past out's maximum or a's cap.
 */
enum err sigv4_canonical_query(struct arena *a, struct buf *out,
    const char *q, size_t n);

/*
 * sigv4_fold_value - append header value v[0..n) trimmed of leading and
 * trailing spaces and tabs, each inner run of them written as one space.
 */
bool sigv4_fold_value(struct buf *out, const char *v, size_t n);

/*
 * sigv4_signing_key - derive the signing key ("Calculate the
 * signature", step 1): HMAC chain of "AWS4" + secret over date
 * ("YYYYMMDD"), region, service and "aws4_request".  Writes
 * SIGV4_KEY_LEN bytes to key, which the caller wipes with
 * OPENSSL_cleanse after use.  Returns ERR_OK, ERR_INVALID for an empty
 * or too long secret, ERR_INTERNAL when OpenSSL fails.
 */
enum err sigv4_signing_key(const char *secret, const char *date,
    const char *region, const char *service,
    unsigned char key[SIGV4_KEY_LEN]);

#endif
