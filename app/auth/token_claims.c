/*
 * token_claims.c - the claims of a Cognito token whose signature has
 * verified: presence and type of every claim we read, issuer, audience,
 * use and times (RFC 7519 §4.1), then the principal (see token_claims.h).
 */
#include "auth/token_claims.h"

#include <string.h>

#include "core/arena.h"
#include "json/jx.h"

#define AUD_ITEMS_MAX 16   /* entries of an "aud" array */

/* Claims we read, their JSON types and when they are required. */
enum claim_kind {
	CL_STR,      /* a string of 1..max bytes */
	CL_TIME,     /* an integer in 0..TOKEN_TIME_MAX (never a string) */
	CL_STRS,     /* an array of <= TOKEN_GROUPS_MAX strings, 1..max */
	CL_AUD,      /* CL_STR, or an array of <= AUD_ITEMS_MAX of them */
};

#define REQ_ACCESS  (1u << TOKEN_USE_ACCESS)
#define REQ_ID      (1u << TOKEN_USE_ID)
#define REQ_BOTH    (REQ_ACCESS | REQ_ID)

static const struct claim {
	const char      *name;
	enum claim_kind  kind;
	unsigned         required;  /* REQ_* of the token's use */
	size_t           max;       /* bytes of a string */
	const char      *bad;
} claim_table[] = {
	{ "iss", CL_STR, REQ_BOTH, 1024,
	  "the token iss is missing or ill-typed" },
	{ "sub", CL_STR, REQ_BOTH, 128,
	  "the token sub is missing or ill-typed" },
	{ "exp", CL_TIME, REQ_BOTH, 0,
	  "the token exp is missing or not an integer time" },
	{ "iat", CL_TIME, REQ_BOTH, 0,
	  "the token iat is missing or not an integer time" },
	{ "nbf", CL_TIME, 0, 0, "the token nbf is not an integer time" },
	{ "auth_time", CL_TIME, 0, 0,
	  "the token auth_time is not an integer time" },
	{ "client_id", CL_STR, REQ_ACCESS, 128,
	  "the token client_id is missing or ill-typed" },
	{ "aud", CL_AUD, REQ_ID, 128, "the token aud is missing or ill-typed" },
	{ "username", CL_STR, REQ_ACCESS, 128,
	  "the token username is missing or ill-typed" },
	{ "cognito:username", CL_STR, REQ_ID, 128,
	  "the token cognito:username is missing or ill-typed" },
	{ "email", CL_STR, 0, 320, "the token email is not a string" },
	{ "scope", CL_STR, 0, 2048,
	  "the token scope is not a space-separated string" },
	{ "origin_jti", CL_STR, 0, 128,
	  "the token origin_jti is not a string" },
	{ "event_id", CL_STR, 0, 128, "the token event_id is not a string" },
	{ "cognito:groups", CL_STRS, 0, 128,
	  "the token cognito:groups is not an array of strings" },
};

static bool
is_str(struct json_object *v, size_t max)
{
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return false;
	n = (size_t)json_object_get_string_len(v);
	return n >= 1 && n <= max;
}

static bool
is_str_array(struct json_object *v, size_t items, size_t max)
{
	size_t i, n;

	if (!json_object_is_type(v, json_type_array))
		return false;
	n = json_object_array_length(v);
	if (n > items)
		return false;
	for (i = 0; i < n; i++)
		if (!is_str(json_object_array_get_idx(v, i), max))
			return false;
	return true;
}

static bool
claim_ok(struct json_object *claims, const struct claim *c)
{
	struct json_object *v = jx_get(claims, c->name);
	int64_t x;

	switch (c->kind) {
	case CL_STR:
		return is_str(v, c->max);
	case CL_TIME:
		return jx_int(claims, c->name, 0, TOKEN_TIME_MAX, &x);
	case CL_STRS:
		return is_str_array(v, TOKEN_GROUPS_MAX, c->max);
	case CL_AUD:
		return is_str(v, c->max) ||
		    (is_str_array(v, AUD_ITEMS_MAX, c->max) &&
		    json_object_array_length(v) > 0);
	}
	return false;
}

/* Presence and type of every claim we read, per the table. */
static enum err
check_types(struct json_object *claims, enum token_use tu, const char **why)
{
	size_t i;

	for (i = 0; i < sizeof(claim_table) / sizeof(*claim_table); i++) {
		const struct claim *c = &claim_table[i];
		if (jx_get(claims, c->name) == NULL) {
			if ((c->required & (1u << tu)) == 0)
				continue;
		} else if (claim_ok(claims, c))
			continue;
		*why = c->bad;
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

/* v (a string, or an array of strings) is or names s. */
static bool
names(struct json_object *v, const char *s, bool array_ok)
{
	size_t i, n;

	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), s) == 0;
	if (!array_ok || !json_object_is_type(v, json_type_array))
		return false;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(v, i)), s) == 0)
			return true;
	return false;
}

/*
 * Who the token is for (Cognito: access tokens carry client_id, ID
 * tokens aud; RFC 7519 §4.1.3).  An access token's optional aud must
 * name us too; an ID token's aud must be exactly our client id.
 */
static enum err
check_audience(const struct token_config *cfg, struct json_object *claims,
    enum token_use tu, const char **why)
{
	struct json_object *v;

	if ((v = jx_get(claims, "client_id")) != NULL &&
	    !names(v, cfg->client_id, false)) {
		*why = "the token client_id is not our client";
		return ERR_UNAUTHENTICATED;
	}
	if ((v = jx_get(claims, "aud")) != NULL &&
	    !names(v, cfg->client_id, tu == TOKEN_USE_ACCESS)) {
		*why = "the token aud is not our client";
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

/* RFC 7519 §4.1.4-4.1.6 with TOKEN_LEEWAY_SECS of clock skew. */
static enum err
check_times(struct json_object *claims, int64_t now, const char **why)
{
	int64_t exp = 0, iat = 0, nbf = 0;

	(void)jx_int(claims, "exp", 0, TOKEN_TIME_MAX, &exp);
	(void)jx_int(claims, "iat", 0, TOKEN_TIME_MAX, &iat);
	if (exp <= iat) {
		*why = "the token expires before it was issued";
		return ERR_UNAUTHENTICATED;
	}
	if (now >= exp + TOKEN_LEEWAY_SECS) {
		*why = "the token has expired";
		return ERR_UNAUTHENTICATED;
	}
	if (iat > now + TOKEN_LEEWAY_SECS) {
		*why = "the token was issued in the future";
		return ERR_UNAUTHENTICATED;
	}
	if (jx_int(claims, "nbf", 0, TOKEN_TIME_MAX, &nbf) &&
	    nbf > now + TOKEN_LEEWAY_SECS) {
		*why = "the token is not valid yet";
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

enum err
token_check_claims(const struct token_config *cfg, struct json_object *claims,
    enum token_use use, int64_t now, enum token_use *tu, const char **why)
{
	const char *s = jx_str(claims, "token_use", NULL);
	enum err e;

	if (s == NULL || (strcmp(s, "access") != 0 && strcmp(s, "id") != 0)) {
		*why = "the token token_use is not access or id";
		return ERR_UNAUTHENTICATED;
	}
	*tu = strcmp(s, "access") == 0 ? TOKEN_USE_ACCESS : TOKEN_USE_ID;
	if (use != TOKEN_USE_ANY && use != *tu) {
		*why = use == TOKEN_USE_ACCESS ? "the token is not an access token" :
		    "the token is not an ID token";
		return ERR_UNAUTHENTICATED;
	}
	if ((e = check_types(claims, *tu, why)) != ERR_OK)
		return e;
	if (strcmp(jx_str(claims, "iss", NULL), cfg->issuer) != 0) {
		*why = "the token iss is not our user pool";
		return ERR_UNAUTHENTICATED;
	}
	if ((e = check_audience(cfg, claims, *tu, why)) != ERR_OK)
		return e;
	return check_times(claims, now, why);
}

enum err
token_fill_principal(const struct token_config *cfg, struct arena *a,
    struct json_object *claims, enum token_use tu, struct principal *p,
    const char **why)
{
	struct json_object *g = jx_get(claims, "cognito:groups");
	const char **groups;
	size_t i, n = g != NULL ? json_object_array_length(g) : 0;

	p->sub = jx_str(claims, "sub", NULL);
	p->token_use = tu;
	p->username = jx_str(claims, tu == TOKEN_USE_ACCESS ? "username" :
	    "cognito:username", NULL);
	p->email = tu == TOKEN_USE_ID ? jx_str(claims, "email", NULL) : NULL;
	p->client_id = cfg->client_id;
	(void)jx_int(claims, "exp", 0, TOKEN_TIME_MAX, &p->exp);
	(void)jx_int(claims, "iat", 0, TOKEN_TIME_MAX, &p->iat);
	/* A sign-in's time: auth_time, which refreshes keep; else iat. */
	if (!jx_int(claims, "auth_time", 0, TOKEN_TIME_MAX, &p->auth_time))
		p->auth_time = p->iat;
	/* The sign-in: origin_jti (AWS), else event_id (cognito-local). */
	p->sid = jx_str(claims, "origin_jti", NULL);
	if (p->sid == NULL)
		p->sid = jx_str(claims, "event_id", NULL);
	if (n == 0)
		return ERR_OK;
	if ((groups = arena_alloc(a, n * sizeof(*groups))) == NULL) {
		*why = "the request is out of memory";
		return ERR_TOO_LARGE;
	}
	for (i = 0; i < n; i++) {
		groups[i] = json_object_get_string(json_object_array_get_idx(g,
		    i));
		if (strcmp(groups[i], "admin") == 0)
			p->is_admin = true;
	}
	p->groups = groups;
	p->ngroups = n;
	return ERR_OK;
}
