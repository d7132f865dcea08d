/*
 * cognito.h - the Cognito Identity Provider client: typed operations over
 * aws_json_call (JSON 1.1, X-Amz-Target
 * "AWSCognitoIdentityProviderService.<Op>").
 *
 * The public operations of a user (SignUp, ConfirmSignUp,
 * ResendConfirmationCode, InitiateAuth, ForgotPassword,
 * ConfirmForgotPassword, ChangePassword, RevokeToken, GetUser) are sent
 * unsigned, as Cognito expects; the Admin* operations are signed with
 * the worker's credentials.  Every call that names a user carries
 * SECRET_HASH = Base64(HMAC-SHA256(client_secret, username + client_id))
 * when the app client has a secret (cog_secret_hash).
 *
 * Answers are untrusted input: parsed with jx_parse under COG_JSON_DEPTH
 * and LIM_AWS_RESP_MAX, every field we read type-checked and bounded
 * (tokens: 1..LIM_TOKEN_MAX bytes of the base64url alphabet and '.').
 * The parsers (cognito_parse.c, with the checks our own values pass
 * before a call) are public so that tests and the fuzzer reach them.
 *
 * Errors: Cognito's exception names become our enum here, and each
 * refusal comes with a static sentence of our own in *why (never
 * Cognito's text, which is only logged, escaped):
 *   NotAuthorizedException            ERR_UNAUTHENTICATED (ChangePassword:
 *                                     the old password is wrong)
 *   UserNotConfirmedException         ERR_FORBIDDEN
 *   PasswordResetRequiredException    ERR_FORBIDDEN
 *   UsernameExists, AliasExists       ERR_EXISTS
 *   InvalidPassword, CodeMismatch,
 *   ExpiredCode, InvalidParameter     ERR_INVALID
 *   UserNotFoundException             ERR_NOT_FOUND
 *   TooManyRequests, LimitExceeded,
 *   TooManyFailedAttempts             ERR_QUOTA
 *   cognito-local's "Unsupported",
 *   UnsupportedOperationException     ERR_UNSUPPORTED
 *   anything else                     ERR_UPSTREAM
 * and, as aws_json_call says, ERR_UNAVAILABLE, ERR_THROTTLED,
 * ERR_INTERNAL (no credentials for an Admin call) and ERR_TOO_LARGE.
 * Without a configured endpoint or client id every call is
 * ERR_UNAVAILABLE.  cog_password_auth folds the answers that would tell
 * an unknown user from a wrong password (UserNotFound, and
 * InvalidPassword, which cognito-local gives for a wrong password) into
 * ERR_UNAUTHENTICATED.
 *
 * State-changing operations that are not safe to repeat (SignUp,
 * ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
 * ConfirmForgotPassword, ChangePassword, RevokeToken, AdminDeleteUser)
 * are retried only when the attempt never left or Cognito throttled it;
 * when one may have reached Cognito and no answer came, the call is
 * ERR_UNAVAILABLE with a sentence saying the outcome is unknown (a 503:
 * the client repeats it), never a second attempt that would answer
 * "exists", "wrong code" or "wrong old password" for a change that
 * happened.
 *
 * The code is in two files along one seam: cognito.c (the machinery and
 * a user's own operations) and cognito_admin.c (account management:
 * Admin*, GlobalSignOut).
 *
 * Ownership: every string returned lives in the caller's arena.  The
 * struct cog is borrowed (worker-lifetime: its strings and aws client).
 */
#ifndef GROWVRD_COGNITO_H
#define GROWVRD_COGNITO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct arena;
struct aws;
struct json_object;

/* What the client needs, all borrowed from the worker's state. */
struct cog {
	struct aws *aws;
	const char *endpoint;       /* COGNITO_ENDPOINT */
	const char *client_id;
	const char *client_secret;  /* NULL or "" when the client has none */
	const char *user_pool_id;   /* for the Admin* calls */
};

#define COG_JSON_DEPTH      8            /* answers are shallow */
#define COG_USERNAME_MAX    128          /* Cognito's Username bound */
#define COG_EMAIL_MAX       254          /* RFC 5321 path limit */
#define COG_ATTRS_MAX       100          /* UserAttributes items */
#define COG_ATTR_NAME_MAX   64
#define COG_ATTR_VALUE_MAX  2048
#define COG_TOKEN_TYPE_MAX  32
#define COG_EXPIRES_MAX     (366 * 86400) /* ExpiresIn upper bound */
#define COG_PASSWORD_MIN    8
#define COG_PASSWORD_MAX    256          /* Cognito's bound */
#define COG_CODE_MAX        64           /* confirmation codes */

/* What InitiateAuth hands out. */
struct cog_tokens {
	const char *access_token;
	const char *id_token;
	const char *refresh_token;  /* NULL when absent (a refresh) */
	int64_t     expires_in;     /* seconds; 0 when Cognito left it out
	                               (cognito-local does) */
	const char *token_type;     /* "Bearer"; NULL when left out */
};

/* What GetUser tells of a user; NULL for an absent attribute. */
struct cog_user {
	const char *username;       /* never NULL */
	const char *sub;
	const char *email;
	const char *name;
	bool        email_verified; /* the attribute is "true" */
	const char *status;         /* AdminGetUser's UserStatus
	                               ("UNCONFIRMED", "CONFIRMED", ...);
	                               NULL from GetUser */
};

/*
 * cog_password_problem - the pool's password policy, checked before any
 * call: at least COG_PASSWORD_MIN characters (code points), at most
 * COG_PASSWORD_MAX bytes, an upper-case and a lower-case ASCII letter, a
 * digit and one of Cognito's symbols (^$*.[]{}()?"!@#%&/\,><':;|_~`=+-
 * or an inner space), no control characters, no leading or trailing
 * space.  NULL when pw[0..n) passes, else a static sentence to follow
 * the field's name ("must contain a digit").
 */
const char *cog_password_problem(const char *pw, size_t n);

/*
 * cog_email_valid - s[0..n) is a plain address local@domain: the local
 * part 1..64 bytes of atext and inner dots, the domain two or more
 * labels of letters, digits and inner hyphens, COG_EMAIL_MAX in all.
 * No quoted local parts, comments or address literals.
 */
bool cog_email_valid(const char *s, size_t n);

/*
 * cog_secret_hash - *out = Base64(HMAC-SHA256(secret, username +
 * client_id)), an arena string.  ERR_TOO_LARGE past the arena's cap,
 * ERR_INTERNAL when HMAC fails.
 */
enum err cog_secret_hash(struct arena *a, const char *secret,
    const char *client_id, const char *username, const char **out);

/*
 * cog_sign_up - SignUp of email (the username of an email pool) with
 * password and, when not NULL, the "name" attribute.  *user_sub and
 * *confirmed from the answer.
 */
enum err cog_sign_up(const struct cog *g, struct arena *a, const char *email,
    const char *password, const char *name, const char **user_sub,
    bool *confirmed, const char **why);

/* cog_confirm_sign_up - ConfirmSignUp of email with code. */
enum err cog_confirm_sign_up(const struct cog *g, struct arena *a,
    const char *email, const char *code, const char **why);

/*
 * cog_resend_code - ResendConfirmationCode for email; ERR_UNSUPPORTED
 * where the provider lacks it (cognito-local).
 */
enum err cog_resend_code(const struct cog *g, struct arena *a,
    const char *email, const char **why);

/*
 * cog_password_auth - InitiateAuth with USER_PASSWORD_AUTH.  A wrong
 * password and an unknown user are both ERR_UNAUTHENTICATED; a sign-in
 * challenge (MFA, NEW_PASSWORD_REQUIRED) is ERR_FORBIDDEN.  out->
 * refresh_token is never NULL on success.
 */
enum err cog_password_auth(const struct cog *g, struct arena *a,
    const char *email, const char *password, struct cog_tokens *out,
    const char **why);

/*
 * cog_refresh_auth - InitiateAuth with REFRESH_TOKEN_AUTH; username is
 * the Cognito username (an email pool's: the user's sub), for the
 * SECRET_HASH.  out->refresh_token is usually NULL.
 */
enum err cog_refresh_auth(const struct cog *g, struct arena *a,
    const char *username, const char *refresh_token,
    struct cog_tokens *out, const char **why);

/* cog_revoke_token - RevokeToken of a refresh token (with the secret). */
enum err cog_revoke_token(const struct cog *g, struct arena *a,
    const char *refresh_token, const char **why);

/* cog_forgot_password - ForgotPassword for email (sends a code). */
enum err cog_forgot_password(const struct cog *g, struct arena *a,
    const char *email, const char **why);

/* cog_confirm_forgot_password - ConfirmForgotPassword: code, new pass. */
enum err cog_confirm_forgot_password(const struct cog *g, struct arena *a,
    const char *email, const char *code, const char *new_password,
    const char **why);

/*
 * cog_change_password - ChangePassword with the caller's ACCESS token.
 * ERR_UNAUTHENTICATED here means the old password is wrong (or the token
 * was revoked); cognito-local says ERR_INVALID for a wrong old password.
 */
enum err cog_change_password(const struct cog *g, struct arena *a,
    const char *access_token, const char *old_password,
    const char *new_password, const char **why);

/* cog_get_user - GetUser with an ACCESS token: *out from the answer. */
enum err cog_get_user(const struct cog *g, struct arena *a,
    const char *access_token, struct cog_user *out, const char **why);

/*
 * cog_admin_delete_user - AdminDeleteUser (signed) of username (in an
 * email pool the user's sub; the email works too).  ERR_NOT_FOUND when
 * there is no such user.
 */
enum err cog_admin_delete_user(const struct cog *g, struct arena *a,
    const char *username);

/*
 * cog_admin_get_user - AdminGetUser (signed) of username (the sub, or
 * the email, in an email pool): *out from UserAttributes, which are
 * authoritative (cognito-local's ID tokens get email_verified wrong; its
 * stored attributes are right).  ERR_NOT_FOUND when there is no user.
 */
enum err cog_admin_get_user(const struct cog *g, struct arena *a,
    const char *username, struct cog_user *out, const char **why);

/*
 * cog_admin_global_sign_out - AdminUserGlobalSignOut (signed): every
 * refresh token of username dies; its access tokens are refused by
 * Cognito's own APIs.  Idempotent.  cognito-local lacks it:
 * ERR_UNSUPPORTED.
 */
enum err cog_admin_global_sign_out(const struct cog *g, struct arena *a,
    const char *username, const char **why);

/* cog_global_sign_out - GlobalSignOut with the user's access token. */
enum err cog_global_sign_out(const struct cog *g, struct arena *a,
    const char *access_token, const char **why);

/*
 * cog_admin_verify_email - AdminUpdateUserAttributes (signed) setting
 * email (unchanged) and email_verified "true": what Cognito does itself
 * when a user types the emailed code in a pool that auto-verifies email,
 * and cognito-local does not.
 */
enum err cog_admin_verify_email(const struct cog *g, struct arena *a,
    const char *username, const char *email, const char **why);

/*
 * cog_parse_object - an answer that need only be a JSON object (most
 * operations answer {}): *out, or ERR_UPSTREAM with *why; ERR_TOO_LARGE
 * when arena a is past its cap.
 */
enum err cog_parse_object(struct arena *a, const char *body, size_t len,
    struct json_object **out, const char **why);

/*
 * cog_parse_auth - an InitiateAuth answer body[0..len) into *out;
 * want_refresh requires a RefreshToken.  ERR_FORBIDDEN for a challenge,
 * ERR_UPSTREAM (with *why) for anything ill-formed.
 */
enum err cog_parse_auth(struct arena *a, const char *body, size_t len,
    bool want_refresh, struct cog_tokens *out, const char **why);

/* cog_parse_sign_up - a SignUp answer: UserSub and UserConfirmed. */
enum err cog_parse_sign_up(struct arena *a, const char *body, size_t len,
    const char **user_sub, bool *confirmed, const char **why);

/* cog_parse_user - a GetUser answer: Username and UserAttributes. */
enum err cog_parse_user(struct arena *a, const char *body, size_t len,
    struct cog_user *out, const char **why);

#endif
