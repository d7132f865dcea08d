/*
 * users.h - the Users table (partition key "email"): one item per person,
 * created on first use from the verified token, holding the profile, its
 * integer "version", and the person's own plants.
 *
 * Ownership: every tree returned lives in the caller's arena.
 */
#ifndef GROWVRD_USERS_H
#define GROWVRD_USERS_H

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct ddb;

/* users_get - *item = the Users item of email, or NULL if there is none. */
enum err users_get(struct ddb *d, struct arena *a, const char *table,
    const char *email, struct json_object **item);

/*
 * users_ensure - the Users item of email, created (version 1, created_at
 * and updated_at now, name when given) if it is missing; a conditional put
 * so that two first requests at once create it once.  *item may be NULL.
 */
enum err users_ensure(struct ddb *d, struct arena *a, const char *table,
    const char *email, const char *sub, const char *name,
    struct json_object **item);

#endif
