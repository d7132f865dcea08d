/*
 * principal.h - the verified identity a handler receives.
 *
 * token_verify (auth/token.h) fills a struct principal from a Cognito
 * access or ID token whose signature, header and claims have all been
 * checked; handlers see this struct, never the token.  Its strings
 * point into the request arena the token was verified with (the parsed
 * claims tree, or arrays allocated there), except client_id, which is
 * the worker's configured client id: valid until that arena is freed,
 * never to be kept in worker-lifetime memory or freed by hand.
 */
#ifndef GROWVRD_PRINCIPAL_H
#define GROWVRD_PRINCIPAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What kind of Cognito token a caller accepts, or what a token was. */
enum token_use {
	TOKEN_USE_ACCESS,   /* TOKEN_USE_ACCESS: token_use "access" */
	TOKEN_USE_ID,       /* TOKEN_USE_ID: token_use "id" */
	TOKEN_USE_ANY,      /* TOKEN_USE_ANY: either (a requirement only) */
	TOKEN_USE__MAX
};

struct principal {
	const char        *sub;       /* Cognito user id (UUID), never NULL */
	const char        *email;     /* ID token "email"; NULL if absent
	                                 (access tokens carry none) */
	const char        *username;  /* "username" (access) or
	                                 "cognito:username" (id) */
	enum token_use     token_use; /* TOKEN_USE_ACCESS or TOKEN_USE_ID */
	const char        *client_id; /* our app client id the token names */
	const char *const *groups;    /* "cognito:groups", ngroups entries */
	size_t             ngroups;
	bool               is_admin;  /* groups contains "admin" */
	int64_t            exp;       /* expiry, seconds since the epoch */
	int64_t            iat;       /* issued at */
	int64_t            auth_time; /* the sign-in's time: "auth_time"
	                                 (kept by refreshes), else iat */
	const char        *sid;       /* the sign-in: "origin_jti" (AWS;
	                                 kept by refreshes), else "event_id"
	                                 (cognito-local; access and ID token
	                                 of one sign-in share it); NULL when
	                                 the token has neither */
};

#endif
