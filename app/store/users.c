#include "store/users.h"

#include <time.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "json/jx.h"

static struct json_object *
email_key(struct arena *a, const char *email)
{
	struct json_object *k = jx_own(a, json_object_new_object());

	json_object_object_add(k, "email", json_object_new_string(email));
	return k;
}

enum err
users_get(struct ddb *d, struct arena *a, const char *table,
    const char *email, struct json_object **item)
{
	return ddb_get_item(d, a, table, email_key(a, email), true, item);
}

/* Now as RFC 3339 UTC, in the arena. */
static const char *
now_rfc3339(struct arena *a)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(a, buf);
}

enum err
users_ensure(struct ddb *d, struct arena *a, const char *table,
    const char *email, const char *sub, const char *name,
    struct json_object **item)
{
	struct ddb_expr cond = { "attribute_not_exists(email)", NULL, NULL,
	    NULL };
	struct json_object *it, *got;
	const char *now;
	enum err e;

	if ((e = users_get(d, a, table, email, &got)) != ERR_OK)
		return e;
	if (got == NULL) {
		now = now_rfc3339(a);
		it = jx_own(a, json_object_new_object());
		json_object_object_add(it, "email", json_object_new_string(email));
		json_object_object_add(it, "sub", json_object_new_string(sub));
		json_object_object_add(it, "name", name != NULL ?
		    json_object_new_string(name) : NULL);
		json_object_object_add(it, "experience_level",
		    json_object_new_string("beginner"));
		json_object_object_add(it, "notification_preferences",
		    json_object_new_object());
		json_object_object_add(it, "room_conditions",
		    json_object_new_object());
		json_object_object_add(it, "created_at",
		    json_object_new_string(now));
		json_object_object_add(it, "updated_at",
		    json_object_new_string(now));
		json_object_object_add(it, "version", json_object_new_int(1));
		e = ddb_put_item(d, a, table, it, &cond);
		/* Lost the race to a concurrent first request: read theirs. */
		if (e == ERR_PRECONDITION)
			e = users_get(d, a, table, email, &it);
		if (e != ERR_OK)
			return e;
		got = it;
	}
	if (item != NULL)
		*item = got;
	return ERR_OK;
}
