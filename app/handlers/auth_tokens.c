/*
 * auth_tokens.c - the /api/v1/auth/ routes that hand out or end tokens:
 * login, refresh and logout (helpers in auth_util.h).
 *
 * Sign-ins are tracked as auth/session.h describes: on AWS every token
 * names its sign-in (origin_jti, kept by refreshes); cognito-local's do
 * not, so login and refresh there record which refresh token each new
 * event_id came from (session_link), and logout ends both the bearer's
 * sign-in and everything refreshed from the given refresh token.
 * Login and refresh never tell whether an account exists: an unknown
 * email costs the same calls as a known one (one Users read, one
 * Cognito call) and gets the same 401.
 */
#include "handlers/handlers.h"
#include "handlers/auth_util.h"

#include <string.h>
#include <time.h>

#include "auth/email.h"
#include "auth/session.h"
#include "auth/tcache.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/req.h"
#include "http/resp.h"
#include "store/users.h"

static const char bad_credentials[] = "the email or password is wrong";
static const char bad_refresh[] =
    "the refresh token is not valid for this account";

static const struct jx_field f_login[] = {
	AF_FIELD("email", JX_STRING, true, COG_EMAIL_MAX),
	AF_FIELD("password", JX_STRING, true, COG_PASSWORD_MAX),
};
static const struct jx_field f_refresh[] = {
	AF_FIELD("refresh_token", JX_STRING, true, LIM_TOKEN_MAX),
	AF_FIELD("email", JX_STRING, true, COG_EMAIL_MAX),
};
static const struct jx_field f_logout[] = {
	AF_FIELD("refresh_token", JX_STRING, true, LIM_TOKEN_MAX),
};

/*
 * The caller's Users item after a login, created when missing, keyed by
 * the email Cognito says is verified (never the token's claim alone); an
 * unverified account signs in but gets no item (its /users routes are a
 * 403).  name: the ID token's claim, else Cognito's attribute.
 */
static enum err
ensure_user(struct ctx *c, const struct principal *id,
    struct json_object *claims)
{
	struct app *app = c->app;
	struct json_object *item = NULL;
	const char *name, *why, *email, *owner;
	struct cog_user u;
	enum err e;

	/* A fresh answer: a sign-in is when a verification shows. */
	email_cache_drop(app->emails, id->sub);
	e = email_resolve(app->emails, &app->cog, c->a, id->sub, &email);
	if (e == ERR_FORBIDDEN)
		return ERR_OK;
	if (e != ERR_OK)
		return hc_fail(c, e == ERR_TOO_LARGE ? e : ERR_UNAVAILABLE,
		    "the account cannot be read right now");
	e = users_get(&app->ddb, c->a, app->cfg.users_table, email, &item);
	if (e == ERR_OK && item == NULL) {
		name = jx_str(claims, "name", NULL);
		if (name == NULL && cog_admin_get_user(&app->cog, c->a, id->sub,
		    &u, &why) == ERR_OK)
			name = u.name;
		e = users_ensure(&app->ddb, c->a, app->cfg.users_table, email,
		    id->sub, name, &item);
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

/*
 * Where the tokens carry no origin_jti (cognito-local), remember that
 * their sign-in id came from refresh token refresh, so a logout with it
 * reaches them.
 */
static enum err
link_signin(struct ctx *c, const struct principal *id,
    const struct principal *ac, struct json_object *ac_claims,
    const char *refresh)
{
	char parent[SESSION_PARENT_LEN];
	enum err e;

	if (jx_get(ac_claims, "origin_jti") != NULL || ac->sid == NULL)
		return ERR_OK;
	session_parent(refresh, parent);
	e = session_link(c->app->sessions, c->a, ac->sub, ac->sid, parent,
	    id->exp > ac->exp ? id->exp : ac->exp, (int64_t)time(NULL));
	if (e == ERR_OK && id->sid != NULL && strcmp(id->sid, ac->sid) != 0)
		e = session_link(c->app->sessions, c->a, id->sub, id->sid,
		    parent, id->exp, (int64_t)time(NULL));
	if (e != ERR_OK)
		return hc_fail(c, e == ERR_TOO_LARGE ? e : ERR_UNAVAILABLE,
		    "sign-ins cannot be recorded right now");
	return ERR_OK;
}

/* Both tokens of an answer verified and naming the same user. */
static enum err
verify_pair(struct ctx *c, const struct cog_tokens *t, struct principal *id,
    struct json_object **id_claims, struct principal *ac,
    struct json_object **ac_claims)
{
	enum err e;

	if ((e = af_verify_issued(c, t->id_token, TOKEN_USE_ID, id,
	    id_claims)) != ERR_OK ||
	    (e = af_verify_issued(c, t->access_token, TOKEN_USE_ACCESS, ac,
	    ac_claims)) != ERR_OK)
		return e;
	if (strcmp(id->sub, ac->sub) != 0)
		return hc_fail(c, ERR_UPSTREAM,
		    "the identity provider issued inconsistent tokens");
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

	if ((e = af_take_body(c, f_login, AF_NFIELDS(f_login), &o)) !=
	    ERR_OK || (e = af_take_email(c, o, &email)) != ERR_OK)
		return e;
	e = cog_password_auth(&c->app->cog, c->a, email, af_str(o, "password"),
	    &t, &why);
	switch (e) {
	case ERR_OK:
		break;
	case ERR_UNAUTHENTICATED:
		return af_refuse(c, bad_credentials);
	case ERR_FORBIDDEN:
		return hc_fail(c, e, why);
	default:
		return af_idp_fail(c, e, why);
	}
	if ((e = verify_pair(c, &t, &id, &id_claims, &ac, &ac_claims)) !=
	    ERR_OK)
		return e;
	if ((e = ensure_user(c, &id, id_claims)) != ERR_OK ||
	    (e = link_signin(c, &id, &ac, ac_claims, t.refresh_token)) !=
	    ERR_OK)
		return e;
	return af_token_answer(c, &t, ac_claims);
}

/*
 * The sign-in time of a refresh: what the refresh token itself says
 * where it can be read (cognito-local's are JWS, and its refreshes make
 * a new auth_time), else the auth_time Cognito keeps across refreshes.
 */
static int64_t
signin_time(const char *refresh, const struct principal *id)
{
	int64_t t;

	return session_refresh_signin(refresh, &t) ? t : id->auth_time;
}

enum err
h_auth_refresh(struct ctx *c)
{
	struct json_object *o, *item, *id_claims, *ac_claims;
	struct principal id, ac;
	struct cog_tokens t;
	char parent[SESSION_PARENT_LEN];
	const char *email, *sub, *refresh, *why = NULL;
	enum err e;

	if ((e = af_take_body(c, f_refresh, AF_NFIELDS(f_refresh), &o)) !=
	    ERR_OK || (e = af_take_email(c, o, &email)) != ERR_OK)
		return e;
	refresh = af_str(o, "refresh_token");
	/* An email pool's Cognito username, for the SECRET_HASH, is sub. */
	e = users_get(&c->app->ddb, c->a, c->app->cfg.users_table, email,
	    &item);
	if (e != ERR_OK)
		return hc_fail(c, e == ERR_TOO_LARGE ? e : ERR_UNAVAILABLE,
		    "accounts cannot be looked up right now");
	/*
	 * No account of that email: Cognito is asked all the same (with the
	 * email as the hash's username, which it refuses), so an unknown
	 * email costs what a known one with a bad token costs.
	 */
	sub = item != NULL ? jx_str(item, "sub", NULL) : NULL;
	e = cog_refresh_auth(&c->app->cog, c->a, sub != NULL ? sub : email,
	    refresh, &t, &why);
	if (e == ERR_UNAUTHENTICATED || e == ERR_INVALID || e == ERR_FORBIDDEN)
		return af_refuse(c, bad_refresh);
	if (e != ERR_OK)
		return af_idp_fail(c, e, why);
	if ((e = verify_pair(c, &t, &id, &id_claims, &ac, &ac_claims)) !=
	    ERR_OK)
		return e;
	/* The refresh token must be this email's (cognito-local checks no
	 * SECRET_HASH, so this is the check that holds everywhere). */
	if (sub == NULL || strcmp(id.sub, sub) != 0)
		return af_refuse(c, bad_refresh);
	/* Its sign-in must not have been ended (logout, password, delete). */
	session_parent(refresh, parent);
	e = session_refresh_check(c->app->sessions, c->a, sub,
	    signin_time(refresh, &id), parent, &why);
	if (e == ERR_UNAUTHENTICATED)
		return af_refuse(c, bad_refresh);
	if (e != ERR_OK)
		return hc_fail(c, e == ERR_TOO_LARGE ? e : ERR_UNAVAILABLE,
		    "sign-outs cannot be checked right now");
	if ((e = link_signin(c, &id, &ac, ac_claims, refresh)) != ERR_OK)
		return e;
	return af_token_answer(c, &t, ac_claims);
}

/*
 * Logout: Cognito revokes the refresh token, and the service ends the
 * bearer's sign-in and whatever was refreshed from that refresh token,
 * on every worker (auth/session.h).  Idempotent: a refresh token Cognito
 * no longer knows (already revoked: the repeat of a logout whose answer
 * was lost) ends the same and answers the same 204.
 */
enum err
h_auth_logout(struct ctx *c)
{
	struct json_object *o;
	char parent[SESSION_PARENT_LEN];
	const char *refresh, *why = NULL;
	enum err e, ended;

	if ((e = af_take_body(c, f_logout, AF_NFIELDS(f_logout), &o)) !=
	    ERR_OK)
		return e;
	refresh = af_str(o, "refresh_token");
	e = cog_revoke_token(&c->app->cog, c->a, refresh, &why);
	if (e != ERR_OK && e != ERR_UNAUTHENTICATED && e != ERR_INVALID &&
	    e != ERR_NOT_FOUND)
		return af_idp_fail(c, e, why);
	session_parent(refresh, parent);
	ended = session_end(c->app->sessions, c->a, c->who->sub, c->who->sid,
	    parent, (int64_t)time(NULL));
	tcache_drop_sub(c->app->tok.cache, c->who->sub);
	if (ended != ERR_OK)
		return af_idp_fail(c, ended == ERR_TOO_LARGE ? ended :
		    ERR_UNAVAILABLE, "the sign-in cannot be ended right now; "
		    "try again");
	resp_empty(c->resp, 204);
	return ERR_OK;
}
