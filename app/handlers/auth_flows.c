/*
 * auth_flows.c - the /api/v1/auth/ routes of accounts and passwords:
 * sign-up, confirmation, codes, reset and change, over Cognito
 * (aws/cognito.h), and the helpers every auth route shares
 * (auth_util.h; login, refresh and logout are in auth_tokens.c).
 *
 * Bodies are checked against field tables, emails against a plain
 * address grammar (and lower-cased), new passwords against the pool's
 * policy, all before Cognito is called.  Cognito's refusals arrive as
 * our enum with our own sentence; here they become the answers API.md
 * names.  Login, refresh and forgot-password never tell whether an
 * account exists: an unknown user and a wrong password give the very
 * same 401, forgot-password always 204.
 */
#include "handlers/handlers.h"
#include "handlers/auth_util.h"

#include <string.h>
#include <time.h>

#include "auth/email.h"
#include "auth/session.h"
#include "auth/tcache.h"
#include "auth/principal.h"
#include "auth/token.h"
#include "aws/cognito.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"

#define NAME_MAX_BYTES   256
#define EXPIRES_DEFAULT  3600   /* when neither Cognito nor the token says */
#define QUOTA_RETRY_SECS "60"   /* Retry-After of Cognito's rate limits */
#define UNKNOWN_RETRY_SECS "2"  /* Retry-After of an unknown outcome */

static const char challenge_bearer[] = "Bearer realm=\"growvrd\"";

#define F AF_FIELD

static const struct jx_field f_register[] = {
	F("email", JX_STRING, true, COG_EMAIL_MAX),
	F("password", JX_STRING, true, COG_PASSWORD_MAX),
	F("name", JX_STRING, false, NAME_MAX_BYTES),
};
static const struct jx_field f_confirm[] = {
	F("email", JX_STRING, true, COG_EMAIL_MAX),
	F("code", JX_STRING, true, COG_CODE_MAX),
};
static const struct jx_field f_email[] = {
	F("email", JX_STRING, true, COG_EMAIL_MAX),
};
static const struct jx_field f_reset[] = {
	F("email", JX_STRING, true, COG_EMAIL_MAX),
	F("code", JX_STRING, true, COG_CODE_MAX),
	F("new_password", JX_STRING, true, COG_PASSWORD_MAX),
};
static const struct jx_field f_change[] = {
	F("old_password", JX_STRING, true, COG_PASSWORD_MAX),
	F("new_password", JX_STRING, true, COG_PASSWORD_MAX),
};

#define NFIELDS AF_NFIELDS

/* ---- input ---------------------------------------------------------- */

enum err
af_take_body(struct ctx *c, const struct jx_field *fields, size_t n,
    struct json_object **o)
{
	const char *why, *field;
	enum err e;

	if ((e = hc_body(c, o)) != ERR_OK)
		return e;
	if (!jx_check(*o, fields, n, false, &why, &field))
		return hc_fail(c, ERR_INVALID, field != NULL ?
		    arena_printf(c->a, "%s %s", field, why) : why);
	return ERR_OK;
}

const char *
af_str(struct json_object *o, const char *key)
{
	return jx_str(o, key, NULL);
}

enum err
af_take_email(struct ctx *c, struct json_object *o, const char **email)
{
	size_t n, i;
	const char *s = jx_str(o, "email", &n);
	char *low;

	if (s == NULL || !cog_email_valid(s, n))
		return hc_fail(c, ERR_INVALID, "email is not a valid address");
	if ((low = arena_strndup(c->a, s, n)) == NULL)
		return hc_fail(c, ERR_TOO_LARGE, "the request is too large");
	for (i = 0; i < n; i++)
		if (low[i] >= 'A' && low[i] <= 'Z')
			low[i] = (char)(low[i] - 'A' + 'a');
	*email = low;
	return ERR_OK;
}

enum err
af_check_password(struct ctx *c, struct json_object *o, const char *field)
{
	size_t n;
	const char *s = jx_str(o, field, &n), *why;

	if (s == NULL)
		return hc_fail(c, ERR_INVALID, "a password is required");
	if ((why = cog_password_problem(s, n)) != NULL)
		return hc_fail(c, ERR_INVALID,
		    arena_printf(c->a, "%s %s", field, why));
	return ERR_OK;
}

/* A confirmation code: printable ASCII without spaces. */
static enum err
check_code(struct ctx *c, struct json_object *o)
{
	size_t n, i;
	const char *s = jx_str(o, "code", &n);

	for (i = 0; s != NULL && i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			break;
	if (s == NULL || i < n)
		return hc_fail(c, ERR_INVALID,
		    "code must be the code from the email");
	return ERR_OK;
}

/* ---- answers -------------------------------------------------------- */

/*
 * An identity-provider failure the handler has no answer of its own for:
 * the dependency errors keep their status, anything else is a 502.
 */
enum err
af_idp_fail(struct ctx *c, enum err e, const char *why)
{
	switch (e) {
	case ERR_QUOTA:
		resp_header(c->resp, "Retry-After", QUOTA_RETRY_SECS);
		return hc_fail(c, e, why);
	case ERR_UNAVAILABLE:
	case ERR_INTERNAL:
		/*
		 * Also a state change whose outcome is unknown (repeat it),
		 * and no AWS credentials for a signed call (the credential
		 * source is a dependency like any other): 503.
		 */
		resp_header(c->resp, "Retry-After", UNKNOWN_RETRY_SECS);
		return hc_fail(c, ERR_UNAVAILABLE, why);
	case ERR_THROTTLED:
	case ERR_UPSTREAM:
	case ERR_UNSUPPORTED:
	case ERR_TOO_LARGE:
		return hc_fail(c, e, why);
	default:
		log_kv(LOG_WARN, "unexpected identity provider outcome",
		    "request_id", c->req->request_id, "error", err_name(e),
		    NULL);
		return hc_fail(c, ERR_UPSTREAM,
		    "the identity provider gave an unexpected answer");
	}
}

/* 401 for login and refresh, with the challenge RFC 9110 asks for. */
enum err
af_refuse(struct ctx *c, const char *detail)
{
	resp_header(c->resp, "WWW-Authenticate", challenge_bearer);
	return hc_fail(c, ERR_UNAUTHENTICATED, detail);
}

/*
 * Verify a token Cognito just issued, as any request would be verified.
 * A refusal is Cognito's or our configuration's fault: a 502.
 */
enum err
af_verify_issued(struct ctx *c, const char *tok, enum token_use use,
    struct principal *p, struct json_object **claims)
{
	const char *why = NULL;
	enum err e;

	e = token_verify(&c->app->tok, c->a, tok, strlen(tok), use,
	    token_now(), p, claims, &why);
	if (e == ERR_OK)
		return ERR_OK;
	log_kv(LOG_WARN, "issued token does not verify", "request_id",
	    c->req->request_id, "use", token_use_name(use), "why", why, NULL);
	if (e == ERR_UNAVAILABLE || e == ERR_TOO_LARGE)
		return hc_fail(c, e, e == ERR_TOO_LARGE ?
		    "the request needs too much memory" :
		    "tokens cannot be checked right now");
	return hc_fail(c, ERR_UPSTREAM,
	    "the identity provider issued tokens this service cannot verify");
}

/*
 * Lifetime of the access token: Cognito's ExpiresIn, else exp - iat of
 * the verified token (cognito-local sends no ExpiresIn), else 3600.
 */
static int64_t
lifetime(const struct cog_tokens *t, struct json_object *access_claims)
{
	int64_t exp, iat;

	if (t->expires_in > 0)
		return t->expires_in;
	if (jx_int(access_claims, "exp", 0, TOKEN_TIME_MAX, &exp) &&
	    jx_int(access_claims, "iat", 0, TOKEN_TIME_MAX, &iat) &&
	    exp > iat && exp - iat <= COG_EXPIRES_MAX)
		return exp - iat;
	return EXPIRES_DEFAULT;
}

/* 200 with the tokens (refresh_token when there is one); no caching. */
enum err
af_token_answer(struct ctx *c, const struct cog_tokens *t,
    struct json_object *access_claims)
{
	int64_t expires_in = lifetime(t, access_claims);
	struct json_object *o = jx_own(c->a, json_object_new_object());

	if (o == NULL)
		return hc_fail(c, ERR_TOO_LARGE, "the request is too large");
	json_object_object_add(o, "access_token",
	    json_object_new_string(t->access_token));
	json_object_object_add(o, "id_token",
	    json_object_new_string(t->id_token));
	if (t->refresh_token != NULL)
		json_object_object_add(o, "refresh_token",
		    json_object_new_string(t->refresh_token));
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(expires_in));
	json_object_object_add(o, "token_type",
	    json_object_new_string("Bearer"));
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_json(c->resp, 200, o);
	return ERR_OK;
}

/* ---- routes --------------------------------------------------------- */

/*
 * A repeat of a change whose first answer was lost (a 503 "outcome
 * unknown") must not be told "exists", "wrong code" or "wrong old
 * password" for the change it made.  These probes tell, with what the
 * caller proved anyway, whether the change is already in place.
 */

/* username's password is now pw (the probe's sign-in is revoked). */
static bool
password_is_now(struct ctx *c, const char *username, const char *pw)
{
	struct cog_tokens t;
	const char *why = NULL;

	if (cog_password_auth(&c->app->cog, c->a, username, pw, &t, &why) !=
	    ERR_OK)
		return false;
	(void)cog_revoke_token(&c->app->cog, c->a, t.refresh_token, &why);
	return true;
}

/*
 * email is an unconfirmed account whose password is pw: the caller's own
 * sign-up, repeated (the password is checked before the status, so a
 * stranger learns no more than the 409 already says).  *sub its sub.
 */
static bool
own_unconfirmed_sign_up(struct ctx *c, const char *email, const char *pw,
    const char **sub)
{
	struct cog_tokens t;
	struct cog_user u;
	const char *why = NULL;

	if (cog_admin_get_user(&c->app->cog, c->a, email, &u, &why) != ERR_OK ||
	    u.sub == NULL || u.status == NULL ||
	    strcmp(u.status, "UNCONFIRMED") != 0)
		return false;
	if (cog_password_auth(&c->app->cog, c->a, email, pw, &t, &why) !=
	    ERR_FORBIDDEN)
		return false;
	*sub = u.sub;
	return true;
}

enum err
h_auth_register(struct ctx *c)
{
	struct json_object *o, *ans;
	const char *email, *name, *sub, *why = NULL;
	bool confirmed;
	size_t n, i;
	enum err e;

	if ((e = af_take_body(c, f_register, NFIELDS(f_register), &o)) != ERR_OK ||
	    (e = af_take_email(c, o, &email)) != ERR_OK ||
	    (e = af_check_password(c, o, "password")) != ERR_OK)
		return e;
	if ((name = jx_str(o, "name", &n)) != NULL)
		for (i = 0; i < n; i++)
			if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
				return hc_fail(c, ERR_INVALID,
				    "name must not contain control characters");
	e = cog_sign_up(&c->app->cog, c->a, email, af_str(o, "password"), name,
	    &sub, &confirmed, &why);
	if (e == ERR_EXISTS && own_unconfirmed_sign_up(c, email,
	    af_str(o, "password"), &sub)) {
		e = ERR_OK;             /* a repeat of this very sign-up */
		confirmed = false;
	}
	if (e == ERR_EXISTS)
		return hc_fail(c, e,
		    "an account with this email already exists");
	if (e == ERR_INVALID)
		return hc_fail(c, e, why);
	if (e != ERR_OK)
		return af_idp_fail(c, e, why);
	if ((ans = jx_own(c->a, json_object_new_object())) == NULL)
		return hc_fail(c, ERR_TOO_LARGE, "the request is too large");
	json_object_object_add(ans, "user_sub", json_object_new_string(sub));
	json_object_object_add(ans, "confirmed",
	    json_object_new_boolean(confirmed));
	resp_json(c->resp, 201, ans);
	return ERR_OK;
}

/*
 * The user typed the emailed code: their email is verified.  Cognito
 * records that itself in a pool that auto-verifies email; cognito-local
 * does not, so where AdminGetUser still says otherwise the service sets
 * email_verified (AdminUpdateUserAttributes).  Failures are logged: the
 * account stays unverified (403 on /users) until the next confirmation
 * path or an operator fixes it.
 */
static void
verify_email(struct ctx *c, const char *email)
{
	struct cog_user u;
	const char *why = NULL;
	enum err e;

	e = cog_admin_get_user(&c->app->cog, c->a, email, &u, &why);
	if (e == ERR_OK && u.email_verified)
		return;
	if (e == ERR_OK && u.email != NULL && strcmp(u.email, email) == 0)
		e = cog_admin_verify_email(&c->app->cog, c->a, u.username,
		    email, &why);
	if (e != ERR_OK)
		log_kv(LOG_WARN, "confirmed email not marked verified",
		    "request_id", c->req->request_id, "error", err_name(e),
		    NULL);
	else if (u.sub != NULL)
		email_cache_drop(c->app->emails, u.sub);
}

enum err
h_auth_confirm(struct ctx *c)
{
	struct json_object *o;
	const char *email, *why = NULL;
	enum err e;

	if ((e = af_take_body(c, f_confirm, NFIELDS(f_confirm), &o)) != ERR_OK ||
	    (e = af_take_email(c, o, &email)) != ERR_OK ||
	    (e = check_code(c, o)) != ERR_OK)
		return e;
	e = cog_confirm_sign_up(&c->app->cog, c->a, email, af_str(o, "code"),
	    &why);
	switch (e) {
	case ERR_OK:
		verify_email(c, email);
		resp_empty(c->resp, 204);
		return ERR_OK;
	case ERR_INVALID:
		return hc_fail(c, e, why);
	case ERR_UNAUTHENTICATED:       /* unknown or already confirmed */
	case ERR_NOT_FOUND:
		return hc_fail(c, ERR_INVALID, "the code is wrong");
	default:
		return af_idp_fail(c, e, why);
	}
}

/*
 * The calls that take only an email and must never tell whether an
 * account exists: 204 for every answer about the account; a 501 where the
 * identity provider lacks the call; other failures as problems.
 */
static enum err
email_only(struct ctx *c, enum err (*op)(const struct cog *, struct arena *,
    const char *, const char **), const char *unsupported)
{
	struct json_object *o;
	const char *email, *why = NULL;
	enum err e;

	if ((e = af_take_body(c, f_email, NFIELDS(f_email), &o)) != ERR_OK ||
	    (e = af_take_email(c, o, &email)) != ERR_OK)
		return e;
	e = op(&c->app->cog, c->a, email, &why);
	switch (e) {
	case ERR_OK:
	case ERR_NOT_FOUND:             /* never tell who exists */
	case ERR_UNAUTHENTICATED:
	case ERR_INVALID:               /* already confirmed, no email, ... */
	case ERR_FORBIDDEN:
		resp_empty(c->resp, 204);
		return ERR_OK;
	case ERR_UNSUPPORTED:
		return hc_fail(c, e, unsupported);
	default:
		return af_idp_fail(c, e, why);
	}
}

enum err
h_auth_resend(struct ctx *c)
{
	return email_only(c, cog_resend_code,
	    "the identity provider cannot resend codes");
}

enum err
h_auth_forgot(struct ctx *c)
{
	return email_only(c, cog_forgot_password,
	    "the identity provider cannot reset passwords");
}

enum err
h_auth_reset(struct ctx *c)
{
	struct json_object *o;
	struct cog_user u;
	const char *email, *why = NULL;
	enum err e;

	if ((e = af_take_body(c, f_reset, NFIELDS(f_reset), &o)) != ERR_OK ||
	    (e = af_take_email(c, o, &email)) != ERR_OK ||
	    (e = check_code(c, o)) != ERR_OK ||
	    (e = af_check_password(c, o, "new_password")) != ERR_OK)
		return e;
	e = cog_confirm_forgot_password(&c->app->cog, c->a, email,
	    af_str(o, "code"), af_str(o, "new_password"), &why);
	/* A repeat of a reset that happened (its code is spent): done. */
	if ((e == ERR_INVALID || e == ERR_NOT_FOUND ||
	    e == ERR_UNAUTHENTICATED) &&
	    password_is_now(c, email, af_str(o, "new_password")))
		e = ERR_OK;
	switch (e) {
	case ERR_OK:
		/* Every sign-in of the account ends (API.md "Sessions"). */
		if (cog_admin_get_user(&c->app->cog, c->a, email, &u, &why) ==
		    ERR_OK && u.sub != NULL)
			af_end_all(c, u.sub, u.username, NULL);
		else
			log_kv(LOG_ERROR, "password reset, sign-ins not ended: "
			    "the account cannot be read", "request_id",
			    c->req->request_id, NULL);
		resp_empty(c->resp, 204);
		return ERR_OK;
	case ERR_INVALID:
		return hc_fail(c, e, why);
	case ERR_NOT_FOUND:             /* the same answer as a wrong code */
	case ERR_UNAUTHENTICATED:
		return hc_fail(c, ERR_INVALID, "the code is wrong");
	default:
		return af_idp_fail(c, e, why);
	}
}

enum err
h_auth_change(struct ctx *c)
{
	struct json_object *o;
	const char *why = NULL;
	enum err e;

	if (c->who->token_use != TOKEN_USE_ACCESS || c->bearer == NULL) {
		resp_header(c->resp, "WWW-Authenticate", "Bearer "
		    "realm=\"growvrd\", error=\"invalid_token\", "
		    "error_description=\"an access token is required\"");
		return hc_fail(c, ERR_UNAUTHENTICATED,
		    "changing the password needs the access token, "
		    "not the ID token");
	}
	if ((e = af_take_body(c, f_change, NFIELDS(f_change), &o)) != ERR_OK ||
	    (e = af_check_password(c, o, "new_password")) != ERR_OK)
		return e;
	e = cog_change_password(&c->app->cog, c->a, c->bearer,
	    af_str(o, "old_password"), af_str(o, "new_password"), &why);
	switch (e) {
	case ERR_OK:
		af_end_all(c, c->who->sub, c->who->username, c->bearer);
		resp_empty(c->resp, 204);
		return ERR_OK;
	case ERR_UNAUTHENTICATED:       /* Cognito: a wrong old password */
	case ERR_INVALID:               /* cognito-local: the same */
		/* A repeat of a change that happened: done, not wrong. */
		if (c->who->username != NULL && password_is_now(c,
		    c->who->username, af_str(o, "new_password"))) {
			af_end_all(c, c->who->sub, c->who->username, c->bearer);
			resp_empty(c->resp, 204);
			return ERR_OK;
		}
		return hc_fail(c, ERR_INVALID, e == ERR_UNAUTHENTICATED ?
		    "old_password is wrong" : "old_password is wrong, or "
		    "new_password is refused by the identity provider");
	case ERR_NOT_FOUND:             /* the account is gone */
		resp_header(c->resp, "WWW-Authenticate", "Bearer "
		    "realm=\"growvrd\", error=\"invalid_token\"");
		return hc_fail(c, ERR_UNAUTHENTICATED,
		    "the bearer token's account no longer exists");
	default:
		return af_idp_fail(c, e, why);
	}
}

void
af_end_all(struct ctx *c, const char *sub, const char *username,
    const char *access_token)
{
	struct app *app = c->app;
	const char *why = NULL;
	int64_t va = 0;
	enum err e;

	/* Ours first: it is what refuses the tokens already issued. */
	e = session_end_all(app->sessions, c->a, sub, false,
	    (int64_t)time(NULL), &va);
	if (e != ERR_OK)
		log_kv(LOG_ERROR, "password changed, sign-ins not ended",
		    "request_id", c->req->request_id, "error", err_name(e),
		    NULL);
	tcache_drop_sub(app->tok.cache, sub);
	/* Cognito's: the refresh tokens die (cognito-local lacks both). */
	if (access_token != NULL)
		e = cog_global_sign_out(&app->cog, c->a, access_token, &why);
	if ((access_token == NULL || (e != ERR_OK && e != ERR_UNSUPPORTED)) &&
	    username != NULL)
		e = cog_admin_global_sign_out(&app->cog, c->a, username, &why);
	if (e != ERR_OK && e != ERR_UNSUPPORTED)
		log_kv(LOG_WARN, "Cognito global sign-out failed; refreshes "
		    "are refused by the service's own check", "request_id",
		    c->req->request_id, "error", err_name(e), NULL);
	session_wait_past(va);
}
