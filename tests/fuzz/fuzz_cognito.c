/*
 * libFuzzer: a Cognito answer.  Parsed as the client parses each kind
 * (InitiateAuth with and without a required refresh token, SignUp,
 * GetUser, the plain {} answers); whatever a parser accepts must hold
 * the bounds it promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cognito.h"
#include "core/arena.h"
#include "core/limits.h"
#include "json/jx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
bounded(const char *s, size_t max)
{
	if (s != NULL && (s[0] == '\0' || strlen(s) > max))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(1 << 24);
	const char *text = (const char *)data, *why, *sub;
	struct json_object *o;
	struct cog_tokens t;
	struct cog_user u;
	bool confirmed;

	if (cog_parse_auth(a, text, size, true, &t, &why) == ERR_OK) {
		if (t.refresh_token == NULL)
			abort();
		bounded(t.access_token, LIM_TOKEN_MAX);
		bounded(t.id_token, LIM_TOKEN_MAX);
		bounded(t.refresh_token, LIM_TOKEN_MAX);
	}
	if (cog_parse_auth(a, text, size, false, &t, &why) == ERR_OK) {
		if (t.expires_in < 0 || t.expires_in > COG_EXPIRES_MAX)
			abort();
		bounded(t.token_type, COG_TOKEN_TYPE_MAX);
	}
	if (cog_parse_sign_up(a, text, size, &sub, &confirmed, &why) == ERR_OK)
		bounded(sub, COG_USERNAME_MAX);
	if (cog_parse_user(a, text, size, &u, &why) == ERR_OK) {
		if (u.username == NULL)
			abort();
		bounded(u.sub, COG_USERNAME_MAX);
		bounded(u.email, COG_EMAIL_MAX);
		bounded(u.name, COG_ATTR_VALUE_MAX);
	}
	cog_parse_object(a, text, size, &o, &why);
	/* the local checks take any bytes too */
	cog_password_problem(text, size);
	cog_email_valid(text, size);
	arena_free(a);
	return 0;
}
