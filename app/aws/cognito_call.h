/*
 * cognito_call.h - the request machinery shared by cognito.c (the public
 * operations of a user) and cognito_admin.c (the signed Admin* ones).
 * Internal to aws/cognito*.c; everyone else uses aws/cognito.h.
 *
 * Ownership: request objects and answers live in the caller's arena.
 */
#ifndef GROWVRD_COGNITO_CALL_H
#define GROWVRD_COGNITO_CALL_H

#include <stdbool.h>

#include "aws/aws.h"
#include "aws/cognito.h"
#include "core/err.h"

struct arena;
struct json_object;

/* cog_put_str - o[key] = the string value (copied). */
void cog_put_str(struct json_object *o, const char *key, const char *value);

/*
 * cog_new_request - an empty request object owned by a, with ClientId
 * unless client is false.  NULL when a is full.
 */
struct json_object *cog_new_request(const struct cog *g, struct arena *a,
    bool client);

/*
 * cog_map_fault - a failed call's enum: the exception name type (may be
 * NULL) wins where we know it; *why our own sentence.
 */
enum err cog_map_fault(enum err e, const char *type, const char **why);

/*
 * cog_call - one call of op (signed when sign) with request req (NULL
 * means a was full).  On success *res holds the 2xx answer; otherwise
 * the mapped error, *why and *type (Cognito's short exception name;
 * NULL when none).  A state-changing operation whose outcome is unknown
 * (it may have reached Cognito, no answer came) is ERR_UNAVAILABLE.
 */
enum err cog_call(const struct cog *g, struct arena *a, const char *op,
    bool sign, struct json_object *req, struct aws_result *res,
    const char **type, const char **why);

/* cog_call_plain - cog_call for an answer that need only be an object. */
enum err cog_call_plain(const struct cog *g, struct arena *a,
    const char *op, bool sign, struct json_object *req, const char **type,
    const char **why);

#endif
