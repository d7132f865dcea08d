/*
 * cognito_admin.c - the Cognito calls that manage an account rather than
 * act as its user: the signed Admin* operations, and GlobalSignOut with
 * the user's own access token (see cognito.h).
 */
#include "aws/cognito.h"
#include "aws/cognito_call.h"

#include <string.h>

#include <json-c/json.h>

#include "core/arena.h"

/* A signed request naming the pool and the user. */
static struct json_object *
admin_request(const struct cog *g, struct arena *a, const char *username)
{
	struct json_object *req = cog_new_request(g, a, false);

	if (req != NULL) {
		cog_put_str(req, "UserPoolId",
		    g->user_pool_id != NULL ? g->user_pool_id : "");
		cog_put_str(req, "Username", username);
	}
	return req;
}

enum err
cog_admin_delete_user(const struct cog *g, struct arena *a,
    const char *username)
{
	const char *type, *why;

	return cog_call_plain(g, a, "AdminDeleteUser", true,
	    admin_request(g, a, username), &type, &why);
}

enum err
cog_admin_get_user(const struct cog *g, struct arena *a,
    const char *username, struct cog_user *out, const char **why)
{
	struct aws_result res;
	const char *type;
	enum err e;

	memset(out, 0, sizeof(*out));
	e = cog_call(g, a, "AdminGetUser", true, admin_request(g, a, username),
	    &res, &type, why);
	if (e != ERR_OK)
		return e;
	return cog_parse_user(a, res.body, res.body_len, out, why);
}

enum err
cog_admin_global_sign_out(const struct cog *g, struct arena *a,
    const char *username, const char **why)
{
	const char *type;

	return cog_call_plain(g, a, "AdminUserGlobalSignOut", true,
	    admin_request(g, a, username), &type, why);
}

enum err
cog_global_sign_out(const struct cog *g, struct arena *a,
    const char *access_token, const char **why)
{
	struct json_object *req = cog_new_request(g, a, false);
	const char *type;

	if (req != NULL)
		cog_put_str(req, "AccessToken", access_token);
	return cog_call_plain(g, a, "GlobalSignOut", false, req, &type, why);
}

/* {"Name": name, "Value": value} */
static struct json_object *
attribute(const char *name, const char *value)
{
	struct json_object *o = json_object_new_object();

	cog_put_str(o, "Name", name);
	cog_put_str(o, "Value", value);
	return o;
}

enum err
cog_admin_verify_email(const struct cog *g, struct arena *a,
    const char *username, const char *email, const char **why)
{
	struct json_object *req = admin_request(g, a, username), *attrs;
	const char *type;

	if (req != NULL) {
		/* cognito-local wants the email beside email_verified. */
		attrs = json_object_new_array();
		json_object_array_add(attrs, attribute("email", email));
		json_object_array_add(attrs, attribute("email_verified",
		    "true"));
		json_object_object_add(req, "UserAttributes", attrs);
	}
	return cog_call_plain(g, a, "AdminUpdateUserAttributes", true, req,
	    &type, why);
}
