/*
 * fuzz_jwt.c - libFuzzer harness for token_verify (and the refresh-token
 * reader session_refresh_signin): arbitrary bytes as a bearer token,
 * against a fixed JWKS (one RSA-2048 key, kid "fuzz1", one EC key, kid
 * "ec1") and a fixed clock.  Seeds in corpus/jwt/ are
 * tokens signed with the private half of that key (thrown away), so the
 * fuzzer starts from tokens that reach the claim checks.
 *
 * Build and run (from the repository root; the harness links the
 * library, like every fuzzer):
 *
 *   make FUZZ=1 CC=clang fuzzers
 *   build/fuzz/fuzz_jwt -max_len=17000 -max_total_time=60 tests/fuzz/corpus/jwt
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwks.h"
#include "auth/session.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/limits.h"

#define FUZZ_NOW 1700000100  /* the seeds are valid at this time */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char jwks_text[] =
	"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"fuzz1\",\"use\":\"sig\","
	"\"alg\":\"RS256\",\"e\":\"AQAB\",\"n\":\""
	"tIgn_W7CyBpiL9y5a-myCJ2PA-XJWi6U91FcdJ4KCtwZ0cZpsTDrT40XPk6c"
	"ubXXUjYmdXLUsRL4IkeW3Y-EAL4Is-EBXdf7RdLUyyrjVhw3Qj_y_MiyL9Nn"
	"PWoPOrDv24faangHYLWQvug2juS9YsIcEw39ma4ExzncCCVdZFzisHqhAIQA"
	"5eHcutl2R2EFdO3i7WvcdxOmQjLW4Rvjn4pJZ26uVr5a4xd2nBg4ERZYYmYv"
	"yZMdVY02einkGAASBjj5_vaCkb6icKbMA8MKhFQH-IjoKtEPeICdgjHmEO_b"
	"DWxvnSJn7-6bsSPIMyiXuDkVyVD4996WHMpWtgAvdQ"
	"\"},{\"kty\":\"EC\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"AA\","
	"\"y\":\"AA\"}]}";

static struct jwks *jwks;
static struct token_config cfg = {
	"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz",
	"fuzzclient", NULL, NULL
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *why;

	(void)argc;
	(void)argv;
	jwks = jwks_new(NULL, NULL, NULL);
	if (jwks_load_text(jwks, jwks_text, sizeof(jwks_text) - 1, &why)
	    != ERR_OK)
		abort();
	cfg.jwks = jwks;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(LIM_ARENA_MAX);
	struct json_object *claims;
	struct principal p;
	const char *why = NULL;
	enum err e;

	e = token_verify(&cfg, a, (const char *)data, size, TOKEN_USE_ANY,
	    FUZZ_NOW, &p, &claims, &why);
	if (e == ERR_OK) {
		/* Whatever passed must have every field a handler relies on. */
		if (p.sub == NULL || p.username == NULL || claims == NULL ||
		    p.exp <= 0 || (p.ngroups > 0 && p.groups == NULL))
			abort();
	} else if (why == NULL || p.sub != NULL || e == ERR_INTERNAL) {
		abort();
	}
	/* The same bytes as a refresh token (auth/session.h), NUL-ended. */
	{
		char *s = malloc(size + 1);
		int64_t t;

		if (s == NULL)
			abort();
		memcpy(s, data, size);
		s[size] = '\0';
		(void)session_refresh_signin(s, &t);
		free(s);
	}
	arena_free(a);
	return 0;
}
