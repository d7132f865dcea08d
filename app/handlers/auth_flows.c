/*
 * auth_flows.c - the /api/v1/auth/ routes: sign-up, confirmation,
 * login, refresh, logout and the password flows, over Cognito
 * (aws/cognito.h).
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

#include <string.h>

#include "auth/email.h"
#include "auth/principal.h"
#include "auth/token.h"
#include "aws/cognito.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "store/users.h"

#define NAME_MAX_BYTES   256
#define EXPIRES_DEFAULT  3600   /* when neither Cognito nor the token says */
#define QUOTA_RETRY_SECS "60"   /* Retry-After of Cognito's rate limits */

static const char bad_credentials[] = "the email or password is wrong";
static const char bad_refresh[] =
    "the refresh token is not valid for this account";
static const char challenge_bearer[] = "Bearer realm=\"growvrd\"";

#define F(name, type, req, max) { name, type, req, 0, max, NULL }

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
static const struct jx_field f_login[] = {
	F("email", JX_STRING, true, COG_EMAIL_MAX),
	F("password", JX_STRING, true, COG_PASSWORD_MAX),
};
static const struct jx_field f_refresh[] = {
	F("refresh_token", JX_STRING, true, LIM_TOKEN_MAX),
	F("email", JX_STRING, true, COG_EMAIL_MAX),
};
static const struct jx_field f_logout[] = {
	F("refresh_token", JX_STRING, true, LIM_TOKEN_MAX),
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

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* ---- input ---------------------------------------------------------- */

/* The body checked against fields; a 400 names the offending field. */
static enum err
take_body(struct ctx *c, const struct jx_field *fields, size_t n,
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

/* The (checked) string member key of o. */
static const char *
str_of(struct json_object *o, const char *key)
{
	return jx_str(o, key, NULL);
}

/* The body's "email", valid and lower-cased, into *email. */
static enum err
take_email(struct ctx *c, struct json_object *o, const char **email)
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

/* A new password of the body against the pool's policy. */
static enum err
check_password(struct ctx *c, struct json_object *o, const char *field)
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
static enum err
idp_fail(struct ctx *c, enum err e, const char *why)
{
	switch (e) {
	case ERR_QUOTA:
		resp_header(c->resp, "Retry-After", QUOTA_RETRY_SECS);
		return hc_fail(c, e, why);
	case ERR_UNAVAILABLE:
	case ERR_THROTTLED:
	case ERR_UPSTREAM:
	case ERR_UNSUPPORTED:
	case ERR_INTERNAL:
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
static enum err
refuse(struct ctx *c, const char *detail)
{
	resp_header(c->resp, "WWW-Authenticate", challenge_bearer);
	return hc_fail(c, ERR_UNAUTHENTICATED, detail);
}

/*
 * Verify a token Cognito just issued, as any request would be verified.
 * A refusal is Cognito's or our configuration's fault: a 502.
 */
static enum err
verify_issued(struct ctx *c, const char *tok, enum token_use use,
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
static enum err
token_answer(struct ctx *c, const struct cog_tokens *t, int64_t expires_in)
{
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

enum err
h_auth_register(struct ctx *c)
{
	struct json_object *o, *ans;
	const char *email, *name, *sub, *why = NULL;
	bool confirmed;
	size_t n, i;
	enum err e;

	if ((e = take_body(c, f_register, NFIELDS(f_register), &o)) != ERR_OK ||
	    (e = take_email(c, o, &email)) != ERR_OK ||
	    (e = check_password(c, o, "password")) != ERR_OK)
		return e;
	if ((name = jx_str(o, "name", &n)) != NULL)
		for (i = 0; i < n; i++)
			if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
				return hc_fail(c, ERR_INVALID,
				    "name must not contain control characters");
	e = cog_sign_up(c->app, c->a, email, str_of(o, "password"), name,
	    &sub, &confirmed, &why);
	if (e == ERR_EXISTS)
		return hc_fail(c, e,
		    "an account with this email already exists");
	if (e == ERR_INVALID)
		return hc_fail(c, e, why);
	if (e != ERR_OK)
		return idp_fail(c, e, why);
	if ((ans = jx_own(c->a, json_object_new_object())) == NULL)
		return hc_fail(c, ERR_TOO_LARGE, "the request is too large");
	json_object_object_add(ans, "user_sub", json_object_new_string(sub));
	json_object_object_add(ans, "confirmed",
	    json_object_new_boolean(confirmed));
	resp_json(c->resp, 201, ans);
	return ERR_OK;
}

enum err
h_auth_confirm(struct ctx *c)
{
	struct json_object *o;
	const char *email, *why = NULL;
	enum err e;

	if ((e = take_body(c, f_confirm, NFIELDS(f_confirm), &o)) != ERR_OK ||
	    (e = take_email(c, o, &email)) != ERR_OK ||
	    (e = check_code(c, o)) != ERR_OK)
		return e;
	e = cog_confirm_sign_up(c->app, c->a, email, str_of(o, "code"), &why);
	switch (e) {
	case ERR_OK:
		resp_empty(c->resp, 204);
		return ERR_OK;
	case ERR_INVALID:
		return hc_fail(c, e, why);
	case ERR_UNAUTHENTICATED:       /* unknown or already confirmed */
	case ERR_NOT_FOUND:
		return hc_fail(c, ERR_INVALID, "the code is wrong");
	default:
		return idp_fail(c, e, why);
	}
}

/*
 * The calls that take only an email and must never tell whether an
 * account exists: 204 for every answer about the account; a 501 where the
 * identity provider lacks the call; other failures as problems.
 */
static enum err
email_only(struct ctx *c, enum err (*op)(struct app *, struct arena *,
    const char *, const char **), const char *unsupported)
{
	struct json_object *o;
	const char *email, *why = NULL;
	enum err e;

	if ((e = take_body(c, f_email, NFIELDS(f_email), &o)) != ERR_OK ||
	    (e = take_email(c, o, &email)) != ERR_OK)
		return e;
	e = op(c->app, c->a, email, &why);
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
		return idp_fail(c, e, why);
	}
}

enum err
h_auth_resend(struct ctx *c)
{
	return email_only(c, cog_resend_code,
	    "the identity provider cannot resend codes");
}

/*
 * The caller's Users item after a login, created when missing from the
 * verified ID token (name: its claim, else GetUser's attribute, since
 * cognito-local's ID tokens carry no name).
 */
static enum err
ensure_user(struct ctx *c, const struct principal *id,
    struct json_object *claims, const char *access_token)
{
	struct app *app = c->app;
	struct json_object *item = NULL;
	const char *name, *why, *owner;
	struct cog_user u;
	enum err e;

	e = users_get(&app->ddb, c->a, app->cfg.users_table, id->email, &item);
	if (e == ERR_OK && item == NULL) {
		name = jx_str(claims, "name", NULL);
		if (name == NULL && cog_get_user(app, c->a, access_token, &u,
		    &why) == ERR_OK)
			name = u.name;
		e = users_ensure(&app->ddb, c->a, app->cfg.users_table,
		    id->email, id->sub, name, &item);
	}
	if (e != ERR_OK)
		return hc_fail(c, e == ERR_TOO_LARGE ? e : ERR_UNAVAILABLE,
		    "the account's profile cannot be stored right now");
	owner = jx_str(item, "sub", NULL);
	if (owner != NULL && strcmp(owner, id->sub) != 0)
		log_kv(LOG_WARN, "Users item of this email names another sub",
		    "request_id", c->req->request_id, NULL);
	return ERR_OK;
}

enum err
h_auth_login(struct ctx *c)
{
	struct json_object *o, *id_claims, *ac_claims;
	struct principal id, ac;
	struct cog_tokens t;
	const char *email, *why = NULL;
	enum err e;

	if ((e = take_body(c, f_login, NFIELDS(f_login), &o)) != ERR_OK ||
	    (e = take_email(c, o, &email)) != ERR_OK)
		return e;
	e = cog_password_auth(c->app, c->a, email, str_of(o, "password"), &t,
	    &why);
	switch (e) {
	case ERR_OK:
		break;
	case ERR_UNAUTHENTICATED:
		return refuse(c, bad_credentials);
	case ERR_FORBIDDEN:
		return hc_fail(c, e, why);
	default:
		return idp_fail(c, e, why);
	}
	if ((e = verify_issued(c, t.id_token, TOKEN_USE_ID, &id,
	    &id_claims)) != ERR_OK ||
	    (e = verify_issued(c, t.access_token, TOKEN_USE_ACCESS, &ac,
	    &ac_claims)) != ERR_OK)
		return e;
	if (id.email == NULL || strcmp(id.sub, ac.sub) != 0)
		return hc_fail(c, ERR_UPSTREAM,
		    "the identity provider issued inconsistent tokens");
	if ((e = ensure_user(c, &id, id_claims, t.access_token)) != ERR_OK)
		return e;
	email_cache_put(c->app->emails, id.sub, id.email, email_cache_now());
	return token_answer(c, &t, lifetime(&t, ac_claims));
}

enum err
h_auth_refresh(struct ctx *c)
{
	struct json_object *o, *item, *id_claims, *ac_claims;
	struct principal id, ac;
	struct cog_tokens t;
	const char *email, *sub, *why = NULL;
	enum err e;

	if ((e = take_body(c, f_refresh, NFIELDS(f_refresh), &o)) != ERR_OK ||
	    (e = take_email(c, o, &email)) != ERR_OK)
		return e;
	/* An email pool's Cognito username, for the SECRET_HASH, is sub. */
	e = users_get(&c->app->ddb, c->a, c->app->cfg.users_table, email,
	    &item);
	if (e != ERR_OK)
		return hc_fail(c, e == ERR_TOO_LARGE ? e : ERR_UNAVAILABLE,
		    "accounts cannot be looked up right now");
	if (item == NULL || (sub = jx_str(item, "sub", NULL)) == NULL)
		return refuse(c, bad_refresh);
	e = cog_refresh_auth(c->app, c->a, sub, str_of(o, "refresh_token"), &t,
	    &why);
	if (e == ERR_UNAUTHENTICATED || e == ERR_INVALID || e == ERR_FORBIDDEN)
		return refuse(c, bad_refresh);
	if (e != ERR_OK)
		return idp_fail(c, e, why);
	if ((e = verify_issued(c, t.id_token, TOKEN_USE_ID, &id,
	    &id_claims)) != ERR_OK ||
	    (e = verify_issued(c, t.access_token, TOKEN_USE_ACCESS, &ac,
	    &ac_claims)) != ERR_OK)
		return e;
	/* The refresh token must be this email's (cognito-local checks no
	 * SECRET_HASH, so this is the check that holds everywhere). */
	if (strcmp(id.sub, sub) != 0 || strcmp(ac.sub, sub) != 0)
		return refuse(c, bad_refresh);
	return token_answer(c, &t, lifetime(&t, ac_claims));
}

enum err
h_auth_logout(struct ctx *c)
{
	struct json_object *o;
	const char *why = NULL;
	enum err e;

	if ((e = take_body(c, f_logout, NFIELDS(f_logout), &o)) != ERR_OK)
		return e;
	e = cog_revoke_token(c->app, c->a, str_of(o, "refresh_token"), &why);
	switch (e) {
	case ERR_OK:
		resp_empty(c->resp, 204);
		return ERR_OK;
	case ERR_UNAUTHENTICATED:
	case ERR_INVALID:
	case ERR_NOT_FOUND:
		return hc_fail(c, ERR_INVALID, "refresh_token is not a refresh "
		    "token of this service, or is already revoked");
	default:
		return idp_fail(c, e, why);
	}
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
	const char *email, *why = NULL;
	enum err e;

	if ((e = take_body(c, f_reset, NFIELDS(f_reset), &o)) != ERR_OK ||
	    (e = take_email(c, o, &email)) != ERR_OK ||
	    (e = check_code(c, o)) != ERR_OK ||
	    (e = check_password(c, o, "new_password")) != ERR_OK)
		return e;
	e = cog_confirm_forgot_password(c->app, c->a, email, str_of(o, "code"),
	    str_of(o, "new_password"), &why);
	switch (e) {
	case ERR_OK:
		resp_empty(c->resp, 204);
		return ERR_OK;
	case ERR_INVALID:
		return hc_fail(c, e, why);
	case ERR_NOT_FOUND:             /* the same answer as a wrong code */
	case ERR_UNAUTHENTICATED:
		return hc_fail(c, ERR_INVALID, "the code is wrong");
	default:
		return idp_fail(c, e, why);
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
	if ((e = take_body(c, f_change, NFIELDS(f_change), &o)) != ERR_OK ||
	    (e = check_password(c, o, "new_password")) != ERR_OK)
		return e;
	e = cog_change_password(c->app, c->a, c->bearer,
	    str_of(o, "old_password"), str_of(o, "new_password"), &why);
	switch (e) {
	case ERR_OK:
		resp_empty(c->resp, 204);
		return ERR_OK;
	case ERR_UNAUTHENTICATED:       /* Cognito: a wrong old password */
		return hc_fail(c, ERR_INVALID, "old_password is wrong");
	case ERR_INVALID:               /* cognito-local: the same */
		return hc_fail(c, ERR_INVALID, "old_password is wrong, or "
		    "new_password is refused by the identity provider");
	case ERR_NOT_FOUND:             /* the account is gone */
		resp_header(c->resp, "WWW-Authenticate", "Bearer "
		    "realm=\"growvrd\", error=\"invalid_token\"");
		return hc_fail(c, ERR_UNAUTHENTICATED,
		    "the bearer token's account no longer exists");
	default:
		return idp_fail(c, e, why);
	}
}
