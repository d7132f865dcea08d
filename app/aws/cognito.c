/*
 * cognito.c - the Cognito Identity Provider client (see cognito.h).
 */
#include "aws/cognito.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "aws/aws.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypt.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"
#include "http/ctx.h"
#include "json/jx.h"

#define COG_TARGET_PREFIX "AWSCognitoIdentityProviderService."
#define COG_CT            "application/x-amz-json-1.1"
#define COG_HASH_MAX      64    /* base64 of 32 bytes is 44 */

static const char why_unexpected[] =
    "the identity provider gave an unexpected answer";

/* Cognito's exception names, our enum and our own sentence. */
static const struct fault {
	const char *type;
	enum err    err;
	const char *why;
} faults[] = {
	{ "NotAuthorizedException", ERR_UNAUTHENTICATED,
	  "the credentials are not accepted" },
	{ "UserNotConfirmedException", ERR_FORBIDDEN,
	  "the account is not confirmed yet" },
	{ "PasswordResetRequiredException", ERR_FORBIDDEN,
	  "the password must be reset first (forgot-password)" },
	{ "UsernameExistsException", ERR_EXISTS,
	  "an account with this email already exists" },
	{ "AliasExistsException", ERR_EXISTS,
	  "an account with this email already exists" },
	{ "InvalidPasswordException", ERR_INVALID,
	  "the password is not accepted" },
	{ "CodeMismatchException", ERR_INVALID, "the code is wrong" },
	{ "ExpiredCodeException", ERR_INVALID,
	  "the code has expired; ask for a new one" },
	{ "InvalidParameterException", ERR_INVALID,
	  "the identity provider refused a value of the request" },
	{ "UserNotFoundException", ERR_NOT_FOUND, "there is no such account" },
	{ "TooManyRequestsException", ERR_QUOTA,
	  "too many requests; try again later" },
	{ "LimitExceededException", ERR_QUOTA,
	  "too many attempts; try again later" },
	{ "TooManyFailedAttemptsException", ERR_QUOTA,
	  "too many failed attempts; try again later" },
	{ "Unsupported", ERR_UNSUPPORTED,              /* cognito-local */
	  "the identity provider does not offer this operation" },
	{ "UnsupportedOperationException", ERR_UNSUPPORTED,
	  "the identity provider does not offer this operation" },
};

/* The sentence for an error no exception name explains. */
static const char *
generic_why(enum err e)
{
	switch (e) {
	case ERR_UNAVAILABLE:
		return "the identity provider is unavailable";
	case ERR_THROTTLED:
		return "the identity provider is busy; try again later";
	case ERR_INTERNAL:
		return "the identity provider cannot be called";
	case ERR_TOO_LARGE:
		return "the request needs too much memory";
	default:
		return why_unexpected;
	}
}

/* Map a failed call: the exception name wins where we know it. */
static enum err
map_fault(enum err e, const char *type, const char **why)
{
	size_t i;

	if (type != NULL && (e == ERR_UPSTREAM || e == ERR_THROTTLED ||
	    e == ERR_UNAVAILABLE))
		for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
			if (strcmp(type, faults[i].type) == 0) {
				*why = faults[i].why;
				return faults[i].err;
			}
	*why = generic_why(e);
	return e;
}

static bool
configured(const struct app *app, bool admin)
{
	const struct config *c = &app->cfg;

	return c->cognito_endpoint != NULL && c->cognito_endpoint[0] != '\0' &&
	    c->client_id != NULL && c->client_id[0] != '\0' &&
	    (!admin || (c->user_pool_id != NULL && c->user_pool_id[0] != '\0'));
}

/* ---- requests ------------------------------------------------------- */

enum err
cog_secret_hash(struct arena *a, const char *secret, const char *client_id,
    const char *username, const char **out)
{
	unsigned char mac[CRYPT_SHA256_LEN];
	const char *msg;
	struct buf b;
	bool ok;

	*out = NULL;
	if ((msg = arena_printf(a, "%s%s", username, client_id)) == NULL)
		return ERR_TOO_LARGE;
	if (!crypt_hmac_sha256(secret, strlen(secret), msg, strlen(msg), mac))
		return ERR_INTERNAL;
	buf_init(&b, COG_HASH_MAX);
	ok = str_b64_encode(&b, mac, sizeof(mac));
	crypt_cleanse(mac, sizeof(mac));
	if (ok)
		*out = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	if (!ok)
		return ERR_INTERNAL;
	return *out != NULL ? ERR_OK : ERR_TOO_LARGE;
}

static void
put_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

/* A request object owned by a, with ClientId unless client is false. */
static struct json_object *
new_request(struct app *app, struct arena *a, bool client)
{
	struct json_object *o = jx_own(a, json_object_new_object());

	if (o != NULL && client)
		put_str(o, "ClientId", app->cfg.client_id);
	return o;
}

/* key = SECRET_HASH of username into o, when the client has a secret. */
static enum err
put_secret_hash(struct app *app, struct arena *a, struct json_object *o,
    const char *key, const char *username)
{
	const char *h;
	enum err e;

	if (app->cfg.client_secret == NULL || app->cfg.client_secret[0] == '\0')
		return ERR_OK;
	e = cog_secret_hash(a, app->cfg.client_secret, app->cfg.client_id,
	    username, &h);
	if (e == ERR_OK)
		put_str(o, key, h);
	return e;
}

/*
 * One call of op with request req.  On success *res holds the 2xx
 * answer; otherwise the mapped error, *why and *type (Cognito's short
 * exception name, for this file's own decisions; NULL when none).
 */
static enum err
cog_call(struct app *app, struct arena *a, const char *op, bool sign,
    struct json_object *req, struct aws_result *res, const char **type,
    const char **why)
{
	struct aws_call call;
	char target[96];
	enum err e, mapped;
	size_t len;

	*type = NULL;
	memset(res, 0, sizeof(*res));
	if (!configured(app, sign)) {
		*why = "the identity provider is not configured";
		return ERR_UNAVAILABLE;
	}
	if (req == NULL) {
		*why = generic_why(ERR_TOO_LARGE);
		return ERR_TOO_LARGE;
	}
	snprintf(target, sizeof(target), COG_TARGET_PREFIX "%s", op);
	memset(&call, 0, sizeof(call));
	call.endpoint = app->cfg.cognito_endpoint;
	call.service = "cognito-idp";
	call.target = target;
	call.content_type = COG_CT;
	call.body = json_object_to_json_string_length(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	call.body_len = len;
	call.unsigned_call = !sign;
	e = aws_json_call(app->aws, a, &call, res);
	if (e == ERR_OK)
		return ERR_OK;
	*type = res->error_type;
	mapped = map_fault(e, res->error_type, why);
	/* Expected refusals are routine; anything unmapped is news. */
	log_kv(mapped == ERR_UPSTREAM || mapped == ERR_UNAVAILABLE ||
	    mapped == ERR_THROTTLED || mapped == ERR_INTERNAL ? LOG_WARN :
	    LOG_INFO, "cognito call refused", "op", op, "type",
	    res->error_type != NULL ? res->error_type : "-", "error",
	    err_name(mapped), "message", mapped == ERR_UPSTREAM ?
	    res->error_message : NULL, NULL);
	return mapped;
}

/* A call whose answer we only need to be a JSON object. */
static enum err
cog_call_plain(struct app *app, struct arena *a, const char *op, bool sign,
    struct json_object *req, const char **type, const char **why)
{
	struct aws_result res;
	struct json_object *root;
	enum err e;

	if ((e = cog_call(app, a, op, sign, req, &res, type, why)) != ERR_OK)
		return e;
	return cog_parse_object(a, res.body, res.body_len, &root, why);
}

/* ---- operations ----------------------------------------------------- */

static struct json_object *
attribute(const char *name, const char *value)
{
	struct json_object *o = json_object_new_object();

	put_str(o, "Name", name);
	put_str(o, "Value", value);
	return o;
}

enum err
cog_sign_up(struct app *app, struct arena *a, const char *email,
    const char *password, const char *name, const char **user_sub,
    bool *confirmed, const char **why)
{
	struct json_object *req = new_request(app, a, true), *attrs;
	struct aws_result res;
	const char *type;
	enum err e;

	*user_sub = NULL;
	*confirmed = false;
	if (req != NULL) {
		put_str(req, "Username", email);
		put_str(req, "Password", password);
		attrs = json_object_new_array();
		json_object_array_add(attrs, attribute("email", email));
		if (name != NULL)
			json_object_array_add(attrs, attribute("name", name));
		json_object_object_add(req, "UserAttributes", attrs);
		if ((e = put_secret_hash(app, a, req, "SecretHash", email)) !=
		    ERR_OK)
			return map_fault(e, NULL, why);
	}
	e = cog_call(app, a, "SignUp", false, req, &res, &type, why);
	if (e != ERR_OK)
		return e;
	return cog_parse_sign_up(a, res.body, res.body_len, user_sub,
	    confirmed, why);
}

/* The request of the calls that name a user by email with a hash. */
static struct json_object *
user_request(struct app *app, struct arena *a, const char *email,
    enum err *e)
{
	struct json_object *req = new_request(app, a, true);

	*e = ERR_OK;
	if (req != NULL) {
		put_str(req, "Username", email);
		*e = put_secret_hash(app, a, req, "SecretHash", email);
	}
	return req;
}

enum err
cog_confirm_sign_up(struct app *app, struct arena *a, const char *email,
    const char *code, const char **why)
{
	struct json_object *req;
	const char *type;
	enum err e;

	if ((req = user_request(app, a, email, &e)) != NULL)
		put_str(req, "ConfirmationCode", code);
	if (e != ERR_OK)
		return map_fault(e, NULL, why);
	return cog_call_plain(app, a, "ConfirmSignUp", false, req, &type, why);
}

enum err
cog_resend_code(struct app *app, struct arena *a, const char *email,
    const char **why)
{
	struct json_object *req;
	const char *type;
	enum err e;

	req = user_request(app, a, email, &e);
	if (e != ERR_OK)
		return map_fault(e, NULL, why);
	return cog_call_plain(app, a, "ResendConfirmationCode", false, req,
	    &type, why);
}

/* InitiateAuth of flow with params (taken); the tokens into *out. */
static enum err
initiate_auth(struct app *app, struct arena *a, const char *flow,
    struct json_object *params, bool want_refresh, struct cog_tokens *out,
    const char **type, const char **why)
{
	struct json_object *req = new_request(app, a, true);
	struct aws_result res;
	enum err e;

	if (req == NULL) {
		json_object_put(params);
		*type = NULL;
		*why = generic_why(ERR_TOO_LARGE);
		return ERR_TOO_LARGE;
	}
	put_str(req, "AuthFlow", flow);
	json_object_object_add(req, "AuthParameters", params);
	e = cog_call(app, a, "InitiateAuth", false, req, &res, type, why);
	if (e != ERR_OK)
		return e;
	return cog_parse_auth(a, res.body, res.body_len, want_refresh, out,
	    why);
}

enum err
cog_password_auth(struct app *app, struct arena *a, const char *email,
    const char *password, struct cog_tokens *out, const char **why)
{
	struct json_object *params = json_object_new_object();
	const char *type;
	enum err e;

	memset(out, 0, sizeof(*out));
	put_str(params, "USERNAME", email);
	put_str(params, "PASSWORD", password);
	if ((e = put_secret_hash(app, a, params, "SECRET_HASH", email)) !=
	    ERR_OK) {
		json_object_put(params);
		return map_fault(e, NULL, why);
	}
	e = initiate_auth(app, a, "USER_PASSWORD_AUTH", params, true, out,
	    &type, why);
	/*
	 * Never tell an unknown user from a wrong password; cognito-local
	 * answers a wrong password with InvalidPasswordException.
	 */
	if (e == ERR_NOT_FOUND || (e == ERR_INVALID && type != NULL &&
	    strcmp(type, "InvalidPasswordException") == 0)) {
		e = ERR_UNAUTHENTICATED;
		*why = "the credentials are not accepted";
	}
	return e;
}

enum err
cog_refresh_auth(struct app *app, struct arena *a, const char *username,
    const char *refresh_token, struct cog_tokens *out, const char **why)
{
	struct json_object *params = json_object_new_object();
	const char *type;
	enum err e;

	memset(out, 0, sizeof(*out));
	put_str(params, "REFRESH_TOKEN", refresh_token);
	if ((e = put_secret_hash(app, a, params, "SECRET_HASH", username)) !=
	    ERR_OK) {
		json_object_put(params);
		return map_fault(e, NULL, why);
	}
	e = initiate_auth(app, a, "REFRESH_TOKEN_AUTH", params, false, out,
	    &type, why);
	if (e == ERR_NOT_FOUND) {
		e = ERR_UNAUTHENTICATED;
		*why = "the credentials are not accepted";
	}
	return e;
}

enum err
cog_revoke_token(struct app *app, struct arena *a, const char *refresh_token,
    const char **why)
{
	struct json_object *req = new_request(app, a, true);
	const char *type;

	if (req != NULL) {
		put_str(req, "Token", refresh_token);
		if (app->cfg.client_secret != NULL &&
		    app->cfg.client_secret[0] != '\0')
			put_str(req, "ClientSecret", app->cfg.client_secret);
	}
	return cog_call_plain(app, a, "RevokeToken", false, req, &type, why);
}

enum err
cog_forgot_password(struct app *app, struct arena *a, const char *email,
    const char **why)
{
	struct json_object *req;
	const char *type;
	enum err e;

	req = user_request(app, a, email, &e);
	if (e != ERR_OK)
		return map_fault(e, NULL, why);
	return cog_call_plain(app, a, "ForgotPassword", false, req, &type, why);
}

enum err
cog_confirm_forgot_password(struct app *app, struct arena *a,
    const char *email, const char *code, const char *new_password,
    const char **why)
{
	struct json_object *req;
	const char *type;
	enum err e;

	if ((req = user_request(app, a, email, &e)) != NULL) {
		put_str(req, "ConfirmationCode", code);
		put_str(req, "Password", new_password);
	}
	if (e != ERR_OK)
		return map_fault(e, NULL, why);
	return cog_call_plain(app, a, "ConfirmForgotPassword", false, req,
	    &type, why);
}

enum err
cog_change_password(struct app *app, struct arena *a,
    const char *access_token, const char *old_password,
    const char *new_password, const char **why)
{
	struct json_object *req = new_request(app, a, false);
	const char *type;

	if (req != NULL) {
		put_str(req, "AccessToken", access_token);
		put_str(req, "PreviousPassword", old_password);
		put_str(req, "ProposedPassword", new_password);
	}
	return cog_call_plain(app, a, "ChangePassword", false, req, &type,
	    why);
}

enum err
cog_get_user(struct app *app, struct arena *a, const char *access_token,
    struct cog_user *out, const char **why)
{
	struct json_object *req = new_request(app, a, false);
	struct aws_result res;
	const char *type;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (req != NULL)
		put_str(req, "AccessToken", access_token);
	if ((e = cog_call(app, a, "GetUser", false, req, &res, &type, why)) !=
	    ERR_OK)
		return e;
	return cog_parse_user(a, res.body, res.body_len, out, why);
}

enum err
cog_admin_delete_user(struct app *app, struct arena *a, const char *username)
{
	struct json_object *req = new_request(app, a, false);
	const char *type, *why;

	if (req != NULL) {
		put_str(req, "UserPoolId", app->cfg.user_pool_id);
		put_str(req, "Username", username);
	}
	return cog_call_plain(app, a, "AdminDeleteUser", true, req, &type,
	    &why);
}
