/*
 * cognito_parse.c - what crosses the border with Cognito: its answers
 * (untrusted input, parsed strictly) and the checks our values pass
 * before they are sent (the password policy, the address grammar).
 * Part of the aws/cognito module; see cognito.h.
 */
#include "aws/cognito.h"

#include <string.h>

#include <json-c/json.h>

#include "core/limits.h"
#include "json/jx.h"

static const char why_unexpected[] =
    "the identity provider gave an unexpected answer";

/* ---- answers -------------------------------------------------------- */

enum err
cog_parse_object(struct arena *a, const char *body, size_t len,
    struct json_object **out, const char **why)
{
	const char *pwhy;
	enum err e;

	*out = NULL;
	e = jx_parse(a, body != NULL ? body : "", body != NULL ? len : 0,
	    LIM_AWS_RESP_MAX, COG_JSON_DEPTH, out, &pwhy);
	if (e == ERR_TOO_LARGE && a != NULL && body != NULL &&
	    len <= LIM_AWS_RESP_MAX) {
		*why = "the request needs too much memory";
		return ERR_TOO_LARGE;   /* the arena, not the answer */
	}
	if (e != ERR_OK || !json_object_is_type(*out, json_type_object)) {
		*out = NULL;
		*why = why_unexpected;
		return ERR_UPSTREAM;
	}
	return ERR_OK;
}

enum field_rule {
	F_ANY,          /* any string without NUL or control bytes */
	F_TOKEN,        /* base64url alphabet and '.' (JWT, JWE) */
	F_WORD,         /* printable ASCII without spaces */
};

static bool
is_alnum(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9');
}

static bool
chars_ok(const char *s, size_t n, enum field_rule rule)
{
	size_t i;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		switch (rule) {
		case F_TOKEN:
			if (!is_alnum(ch) && ch != '-' && ch != '_' &&
			    ch != '.')
				return false;
			break;
		case F_WORD:
			if (ch <= 0x20 || ch >= 0x7f)
				return false;
			break;
		case F_ANY:
			if (ch < 0x20 || ch == 0x7f)
				return false;
			break;
		}
	}
	return true;
}

/*
 * Member key of o as a string of min..max bytes following rule.  An
 * absent member (or null) leaves *out NULL and is fine unless required;
 * a present one of another type or shape is an error.
 */
static bool
get_str(struct json_object *o, const char *key, size_t min, size_t max,
    enum field_rule rule, bool required, const char **out)
{
	struct json_object *v = jx_get(o, key);
	const char *s;
	size_t n;

	*out = NULL;
	if (v == NULL)
		return !required;
	if ((s = jx_str(o, key, &n)) == NULL || n < min || n > max ||
	    !chars_ok(s, n, rule))
		return false;
	*out = s;
	return true;
}

enum err
cog_parse_auth(struct arena *a, const char *body, size_t len,
    bool want_refresh, struct cog_tokens *out, const char **why)
{
	struct json_object *root, *res;
	const char *challenge;
	int64_t x;
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = cog_parse_object(a, body, len, &root, why)) != ERR_OK)
		return e;
	if (!get_str(root, "ChallengeName", 1, 64, F_WORD, false, &challenge))
		goto bad;
	if (challenge != NULL) {
		*why = "the account needs a sign-in step this service does "
		    "not offer";
		return ERR_FORBIDDEN;
	}
	res = jx_get(root, "AuthenticationResult");
	if (!json_object_is_type(res, json_type_object) ||
	    !get_str(res, "AccessToken", 1, LIM_TOKEN_MAX, F_TOKEN, true,
	    &out->access_token) ||
	    !get_str(res, "IdToken", 1, LIM_TOKEN_MAX, F_TOKEN, true,
	    &out->id_token) ||
	    !get_str(res, "RefreshToken", 1, LIM_TOKEN_MAX, F_TOKEN,
	    want_refresh, &out->refresh_token) ||
	    !get_str(res, "TokenType", 1, COG_TOKEN_TYPE_MAX, F_WORD, false,
	    &out->token_type))
		goto bad;
	if (jx_get(res, "ExpiresIn") != NULL) {
		if (!jx_int(res, "ExpiresIn", 1, COG_EXPIRES_MAX, &x))
			goto bad;
		out->expires_in = x;
	}
	return ERR_OK;
bad:
	memset(out, 0, sizeof(*out));
	*why = why_unexpected;
	return ERR_UPSTREAM;
}

enum err
cog_parse_sign_up(struct arena *a, const char *body, size_t len,
    const char **user_sub, bool *confirmed, const char **why)
{
	struct json_object *root;
	enum err e;

	*user_sub = NULL;
	*confirmed = false;
	if ((e = cog_parse_object(a, body, len, &root, why)) != ERR_OK)
		return e;
	if (!get_str(root, "UserSub", 1, COG_USERNAME_MAX, F_WORD, true,
	    user_sub) || !jx_bool(root, "UserConfirmed", confirmed)) {
		*user_sub = NULL;
		*why = why_unexpected;
		return ERR_UPSTREAM;
	}
	return ERR_OK;
}

/* One {"Name","Value"} of UserAttributes into u; false if ill-formed. */
static bool
user_attr(struct json_object *attr, struct cog_user *u)
{
	const char *name, *value, **slot = NULL;
	size_t max = COG_ATTR_VALUE_MAX;
	enum field_rule rule = F_ANY;

	if (!json_object_is_type(attr, json_type_object) ||
	    !get_str(attr, "Name", 1, COG_ATTR_NAME_MAX, F_WORD, true, &name))
		return false;
	if (strcmp(name, "sub") == 0) {
		slot = &u->sub;
		max = COG_USERNAME_MAX;
		rule = F_WORD;
	} else if (strcmp(name, "email") == 0) {
		slot = &u->email;
		max = COG_EMAIL_MAX;
		rule = F_WORD;
	} else if (strcmp(name, "name") == 0)
		slot = &u->name;
	if (jx_get(attr, "Value") == NULL)
		return true;            /* Cognito may leave a value out */
	if (slot == NULL) {
		if (strcmp(name, "email_verified") == 0) {
			if (!get_str(attr, "Value", 1, 5, F_WORD, true, &value))
				return false;
			u->email_verified = strcmp(value, "true") == 0;
			return true;
		}
		/* Not read: only its type is checked. */
		return get_str(attr, "Value", 0, COG_ATTR_VALUE_MAX, F_ANY,
		    true, &value);
	}
	/* The same attribute twice would be ambiguous. */
	if (*slot != NULL)
		return false;
	return get_str(attr, "Value", 1, max, rule, true, slot);
}

enum err
cog_parse_user(struct arena *a, const char *body, size_t len,
    struct cog_user *out, const char **why)
{
	struct json_object *root, *attrs;
	size_t i, n;
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = cog_parse_object(a, body, len, &root, why)) != ERR_OK)
		return e;
	if (!get_str(root, "Username", 1, COG_USERNAME_MAX, F_ANY, true,
	    &out->username) ||
	    !get_str(root, "UserStatus", 1, 64, F_WORD, false, &out->status))
		goto bad;
	attrs = jx_get(root, "UserAttributes");
	if (attrs != NULL) {
		if (!json_object_is_type(attrs, json_type_array) ||
		    (n = json_object_array_length(attrs)) > COG_ATTRS_MAX)
			goto bad;
		for (i = 0; i < n; i++)
			if (!user_attr(json_object_array_get_idx(attrs, i),
			    out))
				goto bad;
	}
	return ERR_OK;
bad:
	memset(out, 0, sizeof(*out));
	*why = why_unexpected;
	return ERR_UPSTREAM;
}

/* ---- local checks --------------------------------------------------- */

const char *
cog_password_problem(const char *pw, size_t n)
{
	static const char symbols[] = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";
	bool upper = false, lower = false, digit = false, symbol = false;
	size_t i, chars = 0;
	unsigned char ch;

	if (n > COG_PASSWORD_MAX)
		return "must be at most 256 bytes long";
	for (i = 0; i < n; i++) {
		ch = (unsigned char)pw[i];
		if (ch < 0x20 || ch == 0x7f)
			return "must not contain control characters";
		if ((ch & 0xc0) != 0x80)
			chars++;        /* count code points, not bytes */
		if (ch >= 'A' && ch <= 'Z')
			upper = true;
		else if (ch >= 'a' && ch <= 'z')
			lower = true;
		else if (ch >= '0' && ch <= '9')
			digit = true;
		else if (ch != '\0' && (strchr(symbols, ch) != NULL ||
		    (ch == ' ' && i > 0 && i + 1 < n)))
			symbol = true;
	}
	if (chars < COG_PASSWORD_MIN)
		return "must be at least 8 characters long";
	if (pw[0] == ' ' || pw[n - 1] == ' ')
		return "must not begin or end with a space";
	if (!upper)
		return "must contain an upper-case letter";
	if (!lower)
		return "must contain a lower-case letter";
	if (!digit)
		return "must contain a digit";
	if (!symbol)
		return "must contain a symbol such as ! ? # % or -";
	return NULL;
}

/* RFC 5322 dot-atom local part, without quoting. */
static bool
local_ok(const char *s, size_t n)
{
	static const char atext[] = "!#$%&'*+/=?^_`{|}~-";
	size_t i;

	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.' ? s[i + 1] == '.' :
		    !is_alnum(ch) && (ch == '\0' || strchr(atext, ch) == NULL))
			return false;
	}
	return true;
}

/* Two or more LDH labels of 1..63 bytes. */
static bool
domain_ok(const char *s, size_t n)
{
	size_t i, label = 0, labels = 1;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			labels++;
			continue;
		}
		if (!is_alnum(ch) && (ch != '-' || label == 0))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[n - 1] != '-' && labels >= 2;
}

bool
cog_email_valid(const char *s, size_t n)
{
	const char *at;

	if (n < 3 || n > COG_EMAIL_MAX || memchr(s, '\0', n) != NULL ||
	    (at = memchr(s, '@', n)) == NULL)
		return false;
	return local_ok(s, (size_t)(at - s)) &&
	    domain_ok(at + 1, n - (size_t)(at - s) - 1);
}

