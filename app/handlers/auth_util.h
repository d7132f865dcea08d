/*
 * auth_util.h - what the /api/v1/auth/ handlers share: body and field
 * checks, Cognito failures as answers, issued tokens verified and
 * answered.  Defined in auth_flows.c; used by auth_flows.c (accounts and
 * passwords) and auth_tokens.c (login, refresh, logout).  Every function
 * that fails has set the answer's detail (hc_fail) and returns the enum
 * to give back.
 */
#ifndef GROWVRD_AUTH_UTIL_H
#define GROWVRD_AUTH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"
#include "auth/token.h"
#include "aws/cognito.h"
#include "core/err.h"
#include "json/jx.h"

struct ctx;
struct json_object;

#define AF_FIELD(name, type, req, max) { name, type, req, 0, max, NULL }
#define AF_NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* The body checked against fields; a 400 names the offending field. */
enum err af_take_body(struct ctx *c, const struct jx_field *fields,
    size_t n, struct json_object **o);

/* The (checked) string member key of o. */
const char *af_str(struct json_object *o, const char *key);

/* The body's "email", valid and lower-cased (an arena copy). */
enum err af_take_email(struct ctx *c, struct json_object *o,
    const char **email);

/* The body's new password field against the pool's policy. */
enum err af_check_password(struct ctx *c, struct json_object *o,
    const char *field);

/* An identity-provider failure with no answer of the handler's own. */
enum err af_idp_fail(struct ctx *c, enum err e, const char *why);

/* 401 with the Bearer challenge, for login and refresh. */
enum err af_refuse(struct ctx *c, const char *detail);

/* Verify a token Cognito just issued (a refusal is a 502). */
enum err af_verify_issued(struct ctx *c, const char *tok,
    enum token_use use, struct principal *p, struct json_object **claims);

/* 200 with the tokens and the access token's lifetime; no-store. */
enum err af_token_answer(struct ctx *c, const struct cog_tokens *t,
    struct json_object *access_claims);

/*
 * af_end_all - after a password change or reset: every sign-in of sub
 * ends (auth/session.h), Cognito signs them out too where it can
 * (access_token: GlobalSignOut, else AdminUserGlobalSignOut of
 * username), and the answer waits until a new sign-in's auth_time is
 * past the end.  Failures are logged; the password change stands.
 */
void af_end_all(struct ctx *c, const char *sub, const char *username,
    const char *access_token);

#endif
