/*
 * token_claims.h - the claim checks of auth/token, apart from the
 * cryptography: token_verify calls them on a payload whose signature
 * verified.  Internal to auth/token*.c.
 *
 * Ownership: the principal's strings point into the claims tree or the
 * arena, as auth/principal.h says.
 */
#ifndef GROWVRD_TOKEN_CLAIMS_H
#define GROWVRD_TOKEN_CLAIMS_H

#include <stdint.h>

#include <json-c/json.h>

#include "auth/principal.h"
#include "auth/token.h"
#include "core/err.h"

struct arena;

/*
 * token_check_claims - token_use (access or id; matching use unless
 * TOKEN_USE_ANY) into *tu, the type of every claim we read, issuer,
 * audience (client_id / aud) and times at now with TOKEN_LEEWAY_SECS.
 * ERR_OK, or ERR_UNAUTHENTICATED with a static *why.
 */
enum err token_check_claims(const struct token_config *cfg,
    struct json_object *claims, enum token_use use, int64_t now,
    enum token_use *tu, const char **why);

/*
 * token_fill_principal - *p from claims that token_check_claims
 * accepted; groups as an arena array.  ERR_TOO_LARGE when a is full.
 */
enum err token_fill_principal(const struct token_config *cfg,
    struct arena *a, struct json_object *claims, enum token_use tu,
    struct principal *p, const char **why);

#endif
