/*
 * users.h - the Users table (partition key "email"): one item per person,
 * created on first use from the verified token, holding the profile, its
 * integer "version", and the person's own plants (the "plants" map, kept
 * by store/user_plants and never part of the profile answer).
 *
 * Profile writes are single conditional UpdateItems: a PATCH sets the
 * given fields and "version = version + 1" in one call, under
 * "version = :expected" when the client sent If-Match; nothing here reads
 * an item to decide what to write.  Deleting an account is store/purge.h.
 *
 * Ownership: every tree returned lives in the caller's arena; trees
 * passed in are borrowed.
 */
#ifndef GROWVRD_USERS_H
#define GROWVRD_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * users_check_patch - validate a PATCH body for the caller (email, sub):
 * only name, experience_level, notification_preferences (known boolean
 * keys) and room_conditions (known typed keys, null removes one) are
 * writable; email and sub are accepted only when equal to the caller's.
 * Returns true, or false with a static *why and *field naming the member
 * ("room_conditions.light" for nested ones).
 */
bool users_check_patch(struct json_object *body, const char *email,
    const char *sub, const char **why, const char **field);

/*
 * users_patch - merge a body that passed users_check_patch into the item
 * of email with one UpdateItem that also increments version and sets
 * updated_at; with expected >= 0 the write happens only while the stored
 * version equals expected.  *item = the item after the write.  Returns
 * ERR_PRECONDITION when the version differs or the item is gone.
 */
enum err users_patch(struct ddb *d, struct arena *a, const char *table,
    const char *email, struct json_object *body, int64_t expected,
    struct json_object **item);

/*
 * users_profile - the public profile of a Users item: a new tree with
 * email, sub, name, experience_level, notification_preferences,
 * room_conditions, created_at, updated_at and version (missing ones null
 * or {}), never the internal members such as "plants".
 */
struct json_object *users_profile(struct arena *a, struct json_object *item);

/* Room for "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define USERS_TIME_LEN 21

/*
 * users_time_format - seconds since the epoch t as RFC 3339 UTC
 * "YYYY-MM-DDTHH:MM:SSZ" into out.  False for years outside 0..9999.
 */
bool users_time_format(int64_t t, char out[USERS_TIME_LEN]);

/*
 * users_time_parse - s[0..n), an RFC 3339 UTC time as jx_valid_time
 * accepts it, into seconds since the epoch.  False when ill-formed.
 */
bool users_time_parse(const char *s, size_t n, int64_t *t);

#endif
