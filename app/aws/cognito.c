/*
 * cognito.c - the Cognito Identity Provider client (see cognito.h).
 */
#include "aws/cognito.h"
#include "aws/cognito_call.h"

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

enum err
cog_map_fault(enum err e, const char *type, const char **why)
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
configured(const struct cog *g, bool admin)
{
	return g != NULL && g->aws != NULL && g->endpoint != NULL &&
	    g->endpoint[0] != '\0' && g->client_id != NULL &&
	    g->client_id[0] != '\0' && (!admin || (g->user_pool_id != NULL &&
	    g->user_pool_id[0] != '\0'));
}

/*
 * The operations that change state and are not safe to repeat once they
 * may have reached Cognito (a repeat would answer "exists", "wrong
 * code", "wrong old password" or "not found" for a change that
 * happened, or send a second email): aws_json_call retries them only
 * when nothing was sent or Cognito throttled them.
 */
static bool
once_op(const char *op)
{
	static const char *const ops[] = {
		"SignUp", "ConfirmSignUp", "ResendConfirmationCode",
		"ForgotPassword", "ConfirmForgotPassword", "ChangePassword",
		"RevokeToken", "AdminDeleteUser",
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i]) == 0)
			return true;
	return false;
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

void
cog_put_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

struct json_object *
cog_new_request(const struct cog *g, struct arena *a, bool client)
{
	struct json_object *o = jx_own(a, json_object_new_object());

	if (o != NULL && client && g != NULL && g->client_id != NULL)
		cog_put_str(o, "ClientId", g->client_id);
	return o;
}

/* key = SECRET_HASH of username into o, when the client has a secret. */
static enum err
put_secret_hash(const struct cog *g, struct arena *a, struct json_object *o,
    const char *key, const char *username)
{
	const char *h;
	enum err e;

	if (g->client_secret == NULL || g->client_secret[0] == '\0')
		return ERR_OK;
	e = cog_secret_hash(a, g->client_secret, g->client_id, username, &h);
	if (e == ERR_OK)
		cog_put_str(o, key, h);
	return e;
}

enum err
cog_call(const struct cog *g, struct arena *a, const char *op, bool sign,
    struct json_object *req, struct aws_result *res, const char **type,
    const char **why)
{
	struct aws_call call;
	char target[96];
	enum err e, mapped;
	size_t len;

	*type = NULL;
	memset(res, 0, sizeof(*res));
	if (!configured(g, sign)) {
		*why = "the identity provider is not configured";
		return ERR_UNAVAILABLE;
	}
	if (req == NULL) {
		*why = generic_why(ERR_TOO_LARGE);
		return ERR_TOO_LARGE;
	}
	snprintf(target, sizeof(target), COG_TARGET_PREFIX "%s", op);
	memset(&call, 0, sizeof(call));
	call.endpoint = g->endpoint;
	call.service = "cognito-idp";
	call.target = target;
	call.content_type = COG_CT;
	call.body = json_object_to_json_string_length(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	call.body_len = len;
	call.unsigned_call = !sign;
	call.once = once_op(op);
	e = aws_json_call(g->aws, a, &call, res);
	if (e == ERR_OK)
		return ERR_OK;
	if (res->outcome_unknown) {
		/* Not a refusal: we cannot know whether it was applied. */
		*why = "the identity provider did not answer; the change may "
		    "or may not have been made: try again";
		log_kv(LOG_WARN, "cognito call outcome unknown", "op", op,
		    "error", err_name(e), NULL);
		return ERR_UNAVAILABLE;
	}
	*type = res->error_type;
	mapped = cog_map_fault(e, res->error_type, why);
	/* Expected refusals are routine; anything unmapped is news. */
	log_kv(mapped == ERR_UPSTREAM || mapped == ERR_UNAVAILABLE ||
	    mapped == ERR_THROTTLED || mapped == ERR_INTERNAL ? LOG_WARN :
	    LOG_INFO, "cognito call refused", "op", op, "type",
	    res->error_type != NULL ? res->error_type : "-", "error",
	    err_name(mapped), "message", mapped == ERR_UPSTREAM ?
	    res->error_message : NULL, NULL);
	return mapped;
}

enum err
cog_call_plain(const struct cog *g, struct arena *a, const char *op, bool sign,
    struct json_object *req, const char **type, const char **why)
{
	struct aws_result res;
	struct json_object *root;
	enum err e;

	if ((e = cog_call(g, a, op, sign, req, &res, type, why)) != ERR_OK)
		return e;
	return cog_parse_object(a, res.body, res.body_len, &root, why);
}

/* ---- operations ----------------------------------------------------- */

static struct json_object *
attribute(const char *name, const char *value)
{
	struct json_object *o = json_object_new_object();

	cog_put_str(o, "Name", name);
	cog_put_str(o, "Value", value);
	return o;
}

enum err
cog_sign_up(const struct cog *g, struct arena *a, const char *email,
    const char *password, const char *name, const char **user_sub,
    bool *confirmed, const char **why)
{
	struct json_object *req = cog_new_request(g, a, true), *attrs;
	struct aws_result res;
	const char *type;
	enum err e;

	*user_sub = NULL;
	*confirmed = false;
	if (req != NULL) {
		cog_put_str(req, "Username", email);
		cog_put_str(req, "Password", password);
		attrs = json_object_new_array();
		json_object_array_add(attrs, attribute("email", email));
		if (name != NULL)
			json_object_array_add(attrs, attribute("name", name));
		json_object_object_add(req, "UserAttributes", attrs);
		if ((e = put_secret_hash(g, a, req, "SecretHash", email)) !=
		    ERR_OK)
			return cog_map_fault(e, NULL, why);
	}
	e = cog_call(g, a, "SignUp", false, req, &res, &type, why);
	if (e != ERR_OK)
		return e;
	return cog_parse_sign_up(a, res.body, res.body_len, user_sub,
	    confirmed, why);
}

/* The request of the calls that name a user by email with a hash. */
static struct json_object *
user_request(const struct cog *g, struct arena *a, const char *email,
    enum err *e)
{
	struct json_object *req = cog_new_request(g, a, true);

	*e = ERR_OK;
	if (req != NULL) {
		cog_put_str(req, "Username", email);
		*e = put_secret_hash(g, a, req, "SecretHash", email);
	}
	return req;
}

enum err
cog_confirm_sign_up(const struct cog *g, struct arena *a, const char *email,
    const char *code, const char **why)
{
	struct json_object *req;
	const char *type;
	enum err e;

	if ((req = user_request(g, a, email, &e)) != NULL)
		cog_put_str(req, "ConfirmationCode", code);
	if (e != ERR_OK)
		return cog_map_fault(e, NULL, why);
	return cog_call_plain(g, a, "ConfirmSignUp", false, req, &type, why);
}

enum err
cog_resend_code(const struct cog *g, struct arena *a, const char *email,
    const char **why)
{
	struct json_object *req;
	const char *type;
	enum err e;

	req = user_request(g, a, email, &e);
	if (e != ERR_OK)
		return cog_map_fault(e, NULL, why);
	return cog_call_plain(g, a, "ResendConfirmationCode", false, req,
	    &type, why);
}

/* InitiateAuth of flow with params (taken); the tokens into *out. */
static enum err
initiate_auth(const struct cog *g, struct arena *a, const char *flow,
    struct json_object *params, bool want_refresh, struct cog_tokens *out,
    const char **type, const char **why)
{
	struct json_object *req = cog_new_request(g, a, true);
	struct aws_result res;
	enum err e;

	if (req == NULL) {
		json_object_put(params);
		*type = NULL;
		*why = generic_why(ERR_TOO_LARGE);
		return ERR_TOO_LARGE;
	}
	cog_put_str(req, "AuthFlow", flow);
	json_object_object_add(req, "AuthParameters", params);
	e = cog_call(g, a, "InitiateAuth", false, req, &res, type, why);
	if (e != ERR_OK)
		return e;
	return cog_parse_auth(a, res.body, res.body_len, want_refresh, out,
	    why);
}

enum err
cog_password_auth(const struct cog *g, struct arena *a, const char *email,
    const char *password, struct cog_tokens *out, const char **why)
{
	struct json_object *params = json_object_new_object();
	const char *type;
	enum err e;

	memset(out, 0, sizeof(*out));
	cog_put_str(params, "USERNAME", email);
	cog_put_str(params, "PASSWORD", password);
	if ((e = put_secret_hash(g, a, params, "SECRET_HASH", email)) !=
	    ERR_OK) {
		json_object_put(params);
		return cog_map_fault(e, NULL, why);
	}
	e = initiate_auth(g, a, "USER_PASSWORD_AUTH", params, true, out,
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
cog_refresh_auth(const struct cog *g, struct arena *a, const char *username,
    const char *refresh_token, struct cog_tokens *out, const char **why)
{
	struct json_object *params = json_object_new_object();
	const char *type;
	enum err e;

	memset(out, 0, sizeof(*out));
	cog_put_str(params, "REFRESH_TOKEN", refresh_token);
	if ((e = put_secret_hash(g, a, params, "SECRET_HASH", username)) !=
	    ERR_OK) {
		json_object_put(params);
		return cog_map_fault(e, NULL, why);
	}
	e = initiate_auth(g, a, "REFRESH_TOKEN_AUTH", params, false, out,
	    &type, why);
	if (e == ERR_NOT_FOUND) {
		e = ERR_UNAUTHENTICATED;
		*why = "the credentials are not accepted";
	}
	return e;
}

enum err
cog_revoke_token(const struct cog *g, struct arena *a, const char *refresh_token,
    const char **why)
{
	struct json_object *req = cog_new_request(g, a, true);
	const char *type;

	if (req != NULL) {
		cog_put_str(req, "Token", refresh_token);
		if (g->client_secret != NULL && g->client_secret[0] != '\0')
			cog_put_str(req, "ClientSecret", g->client_secret);
	}
	return cog_call_plain(g, a, "RevokeToken", false, req, &type, why);
}

enum err
cog_forgot_password(const struct cog *g, struct arena *a, const char *email,
    const char **why)
{
	struct json_object *req;
	const char *type;
	enum err e;

	req = user_request(g, a, email, &e);
	if (e != ERR_OK)
		return cog_map_fault(e, NULL, why);
	return cog_call_plain(g, a, "ForgotPassword", false, req, &type, why);
}

enum err
cog_confirm_forgot_password(const struct cog *g, struct arena *a,
    const char *email, const char *code, const char *new_password,
    const char **why)
{
	struct json_object *req;
	const char *type;
	enum err e;

	if ((req = user_request(g, a, email, &e)) != NULL) {
		cog_put_str(req, "ConfirmationCode", code);
		cog_put_str(req, "Password", new_password);
	}
	if (e != ERR_OK)
		return cog_map_fault(e, NULL, why);
	return cog_call_plain(g, a, "ConfirmForgotPassword", false, req,
	    &type, why);
}

enum err
cog_change_password(const struct cog *g, struct arena *a,
    const char *access_token, const char *old_password,
    const char *new_password, const char **why)
{
	struct json_object *req = cog_new_request(g, a, false);
	const char *type;

	if (req != NULL) {
		cog_put_str(req, "AccessToken", access_token);
		cog_put_str(req, "PreviousPassword", old_password);
		cog_put_str(req, "ProposedPassword", new_password);
	}
	return cog_call_plain(g, a, "ChangePassword", false, req, &type,
	    why);
}

enum err
cog_get_user(const struct cog *g, struct arena *a, const char *access_token,
    struct cog_user *out, const char **why)
{
	struct json_object *req = cog_new_request(g, a, false);
	struct aws_result res;
	const char *type;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (req != NULL)
		cog_put_str(req, "AccessToken", access_token);
	if ((e = cog_call(g, a, "GetUser", false, req, &res, &type, why)) !=
	    ERR_OK)
		return e;
	return cog_parse_user(a, res.body, res.body_len, out, why);
}
