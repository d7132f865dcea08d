/*
 * err.h - the program's one error enum.
 *
 * Every module returns an enum err (ERR_OK is 0) and passes results
 * through out parameters.  Foreign errors (errno, CURLcode, OpenSSL,
 * DynamoDB "__type", Cognito exceptions) are translated into this enum at
 * the border, in the module that called the library.  http/resp maps the
 * enum to HTTP status and problem type; nothing below http/ knows HTTP.
 */
#ifndef GROWVRD_ERR_H
#define GROWVRD_ERR_H

enum err {
	ERR_OK = 0,
	ERR_INVALID,        /* input is ill-formed or fails validation */
	ERR_TOO_LARGE,      /* input exceeds a limit */
	ERR_NOT_FOUND,      /* no such item */
	ERR_EXISTS,         /* item already exists */
	ERR_CONFLICT,       /* state forbids the change (e.g. active sub) */
	ERR_PRECONDITION,   /* conditional write lost: stale version */
	ERR_UNAUTHENTICATED,/* no or bad credentials */
	ERR_FORBIDDEN,      /* authenticated, not allowed */
	ERR_THROTTLED,      /* a dependency throttled us, retries exhausted */
	ERR_QUOTA,          /* the caller's quota is used up */
	ERR_UNAVAILABLE,    /* a dependency is down or timed out */
	ERR_UPSTREAM,       /* a dependency answered something unexpected */
	ERR_UNSUPPORTED,    /* the dependency lacks the operation */
	ERR_INTERNAL,       /* a bug or a misconfiguration */
	ERR_METHOD,         /* the resource exists, the method does not */
	ERR_MEDIA_TYPE,     /* the body is not JSON */
	ERR_UNPROCESSABLE,  /* well-formed, but cannot be done (key reused) */
	ERR__MAX
};

/* err_name - stable lower-case name of e for logs ("not_found"). */
const char *err_name(enum err e);

#endif
