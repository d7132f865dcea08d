#include "store/user_plants.h"

#include "store/plants.h"

#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "aws/ddb_batch.h"
#include "core/arena.h"
#include "core/str.h"
#include "core/limits.h"
#include "json/jx.h"

/* Conditional writes of one PUT before giving up on a busy item. */
#define USER_PLANTS_TRIES 4
/* water_frequency_days beyond this is not a schedule we compute. */
#define USER_PLANTS_DAYS_MAX 3650

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* ---- validation ------------------------------------------------------ */

static const struct jx_field entry_fields[] = {
	{ "plant_id", JX_STRING, false, 0, LIM_ID_MAX, NULL },
	{ "nickname", JX_STRING, false, 0, 100, NULL },
	{ "location", JX_STRING, false, 0, 64, NULL },
	{ "acquired", JX_DATE, false, 0, 0, NULL },
	{ "last_watered", JX_TIME, false, 0, 0, NULL },
};

bool
user_plants_check_entry(struct json_object *body, const char *plant_id,
    int64_t now, const char **why, const char **field)
{
	static const char *const texts[] = { "nickname", "location" };
	const char *s;
	size_t i, n;
	int64_t t;

	*why = NULL;
	*field = NULL;
	if (body == NULL || !json_object_is_type(body, json_type_object)) {
		*why = "must be a JSON object";
		return false;
	}
	json_object_object_foreach(body, k, v) {
		(void)v;
		if (strcmp(k, "added_at") == 0 ||
		    strcmp(k, "next_watering") == 0) {
			*field = k;
			*why = "is set by the service";
			return false;
		}
	}
	/* A null member reads as absent: a PUT replaces the whole entry. */
	if (!jx_check(body, entry_fields, NELEM(entry_fields), false, why,
	    field))
		return false;
	for (i = 0; i < NELEM(texts); i++)
		if ((s = jx_str(body, texts[i], NULL)) != NULL &&
		    !str_plain_text(s)) {
			*field = texts[i];
			*why = "must be printable text, not only spaces";
			return false;
		}
	if ((s = jx_str(body, "plant_id", NULL)) != NULL &&
	    strcmp(s, plant_id) != 0) {
		*field = "plant_id";
		*why = "differs from the plant id of the path";
		return false;
	}
	if ((s = jx_str(body, "last_watered", &n)) != NULL &&
	    (!users_time_parse(s, n, &t) || t > now + USER_PLANTS_SKEW)) {
		*field = "last_watered";
		*why = "must not be in the future";
		return false;
	}
	return true;
}

/* ---- the public shape ------------------------------------------------ */

/* The public entry for plant id pid from its stored form. */
static struct json_object *
view(struct arena *a, const char *pid, struct json_object *stored)
{
	static const char *const fields[] = { "nickname", "location",
	    "acquired", "last_watered", "next_watering", "added_at" };
	struct json_object *o = jx_own(a, json_object_new_object()), *v;
	size_t i;

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "plant_id", json_object_new_string(pid));
	for (i = 0; i < NELEM(fields); i++) {
		/* next_watering is computed (user_plants_set_next). */
		v = strcmp(fields[i], "next_watering") == 0 ? NULL :
		    jx_get(stored, fields[i]);
		/* json_object_get: stored keeps its own reference. */
		json_object_object_add(o, fields[i],
		    v != NULL ? json_object_get(v) : NULL);
	}
	return o;
}

/* The public entry pid out of a whole Users item, or NULL. */
static struct json_object *
view_of_item(struct arena *a, struct json_object *item, const char *pid)
{
	struct json_object *stored = jx_get(jx_get(item, "plants"), pid);

	return stored != NULL ? view(a, pid, stored) : NULL;
}

bool
user_plants_next_watering(const char *last_watered, const char *added_at,
    int64_t days, char out[USERS_TIME_LEN])
{
	int64_t t;

	out[0] = '\0';
	if (days < 0 || days > USER_PLANTS_DAYS_MAX)
		return false;
	if (!(last_watered != NULL &&
	    users_time_parse(last_watered, strlen(last_watered), &t)) &&
	    !(added_at != NULL &&
	    users_time_parse(added_at, strlen(added_at), &t)))
		return false;
	return users_time_format(t + days * 86400, out);
}

void
user_plants_set_next(struct json_object *entry, struct json_object *plant)
{
	char out[USERS_TIME_LEN];
	int64_t days;

	if (plant != NULL && jx_int(plant, "water_frequency_days", 0,
	    USER_PLANTS_DAYS_MAX, &days) &&
	    user_plants_next_watering(jx_str(entry, "last_watered", NULL),
	    jx_str(entry, "added_at", NULL), days, out))
		json_object_object_add(entry, "next_watering",
		    json_object_new_string(out));
	else
		json_object_object_add(entry, "next_watering", NULL);
}

enum err
user_plants_annotate(struct ddb *d, struct arena *a,
    const char *plants_table, struct json_object *items)
{
	struct json_object *keys, *key, *found, *entry, *plant, *match;
	size_t i, j, n = json_object_array_length(items), nf;
	const char *pid, *id;
	enum err e;

	if (n == 0)
		return ERR_OK;
	if ((keys = jx_own(a, json_object_new_array())) == NULL)
		return ERR_TOO_LARGE;
	for (i = 0; i < n; i++) {
		key = json_object_new_object();
		json_object_object_add(key, "id", json_object_get(
		    jx_get(json_object_array_get_idx(items, i), "plant_id")));
		json_object_array_add(keys, key);
	}
	if ((e = ddb_batch_get(d, a, plants_table, keys, &found)) != ERR_OK)
		return e;
	nf = json_object_array_length(found);
	for (i = 0; i < n; i++) {
		entry = json_object_array_get_idx(items, i);
		pid = jx_str(entry, "plant_id", NULL);
		match = NULL;
		for (j = 0; j < nf && pid != NULL && match == NULL; j++) {
			plant = json_object_array_get_idx(found, j);
			id = jx_str(plant, "id", NULL);
			if (id != NULL && strcmp(id, pid) == 0 &&
			    !plants_is_tombstone(plant))
				match = plant;
		}
		user_plants_set_next(entry, match);
	}
	return ERR_OK;
}

/* ---- listing --------------------------------------------------------- */

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

enum err
user_plants_page(struct arena *a, struct json_object *item,
    const char *after, int limit, struct json_object **items,
    struct json_object **next_key)
{
	struct json_object *plants = jx_get(item, "plants"), *v;
	const char **ids;
	size_t n = 0, i, start = 0, end;

	*next_key = NULL;
	if ((*items = jx_own(a, json_object_new_array())) == NULL)
		return ERR_TOO_LARGE;
	if (plants == NULL || !json_object_is_type(plants, json_type_object) ||
	    json_object_object_length(plants) == 0 || limit < 1)
		return ERR_OK;
	ids = arena_alloc(a, sizeof(*ids) *
	    (size_t)json_object_object_length(plants));
	if (ids == NULL)
		return ERR_TOO_LARGE;
	json_object_object_foreach(plants, k, e) {
		if (json_object_is_type(e, json_type_object))
			ids[n++] = k;
	}
	qsort(ids, n, sizeof(*ids), cmp_str);
	while (after != NULL && start < n && strcmp(ids[start], after) <= 0)
		start++;
	end = start + (size_t)limit < n ? start + (size_t)limit : n;
	for (i = start; i < end; i++) {
		if ((v = view(a, ids[i], jx_get(plants, ids[i]))) == NULL)
			return ERR_TOO_LARGE;
		json_object_array_add(*items, json_object_get(v));
	}
	if (end < n && end > start) {
		if ((*next_key = jx_own(a, json_object_new_object())) == NULL)
			return ERR_TOO_LARGE;
		json_object_object_add(*next_key, "plant_id",
		    json_object_new_string(ids[end - 1]));
	}
	return ERR_OK;
}

/* ---- writes ---------------------------------------------------------- */

/* Names and values every write shares: #p plants, #pid the plant id,
 * #ver version, #upd updated_at, :one 1, :now now. */
static void
common_expr(struct arena *a, struct ddb_expr *x, const char *pid,
    const char *now)
{
	x->names = jx_own(a, json_object_new_object());
	x->values = jx_own(a, json_object_new_object());
	if (x->names == NULL || x->values == NULL)
		return;
	json_object_object_add(x->names, "#p",
	    json_object_new_string("plants"));
	json_object_object_add(x->names, "#pid", json_object_new_string(pid));
	json_object_object_add(x->names, "#ver",
	    json_object_new_string("version"));
	json_object_object_add(x->names, "#upd",
	    json_object_new_string("updated_at"));
	json_object_object_add(x->values, ":one", json_object_new_int(1));
	json_object_object_add(x->values, ":now", json_object_new_string(now));
}

static const char *
time_text(struct arena *a, int64_t t)
{
	char buf[USERS_TIME_LEN];

	return users_time_format(t, buf) ? arena_strdup(a, buf) : NULL;
}

static struct json_object *
email_key(struct arena *a, const char *email)
{
	struct json_object *k = jx_own(a, json_object_new_object());

	if (k != NULL)
		json_object_object_add(k, "email",
		    json_object_new_string(email));
	return k;
}

/* An item from before "plants" existed gets an empty map (no version
 * bump: the profile did not change).  Losing the race is fine. */
static enum err
init_plants(struct ddb *d, struct arena *a, const char *table,
    const char *email)
{
	struct json_object *names = jx_own(a, json_object_new_object());
	struct json_object *values = jx_own(a, json_object_new_object());
	struct ddb_expr x = {
		"attribute_exists(#e) AND attribute_not_exists(#p)",
		"SET #p = :empty", names, values };
	enum err e;

	if (names == NULL || values == NULL)
		return ERR_TOO_LARGE;
	json_object_object_add(names, "#e", json_object_new_string("email"));
	json_object_object_add(names, "#p", json_object_new_string("plants"));
	json_object_object_add(values, ":empty", json_object_new_object());
	e = ddb_update_item(d, a, table, email_key(a, email), &x, NULL);
	return e == ERR_PRECONDITION ? ERR_OK : e;
}

/* The stored entry of a PUT: the body's fields, plant_id and added_at. */
static struct json_object *
new_entry(struct arena *a, const char *pid, struct json_object *body,
    const char *added_at)
{
	static const char *const fields[] = { "nickname", "location",
	    "acquired", "last_watered" };
	struct json_object *o = jx_own(a, json_object_new_object()), *v;
	size_t i;

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "plant_id", json_object_new_string(pid));
	for (i = 0; i < NELEM(fields); i++)
		if ((v = jx_get(body, fields[i])) != NULL)
			json_object_object_add(o, fields[i],
			    json_object_get(v));
	json_object_object_add(o, "added_at", json_object_new_string(added_at));
	return o;
}

/* One attempt of a PUT against the item as read. */
static enum err
put_once(struct ddb *d, struct arena *a, const char *table,
    const char *email, const char *pid, struct json_object *body,
    const char *now, struct json_object *plants, struct json_object **item)
{
	struct json_object *old = jx_get(plants, pid);
	const char *added = jx_str(old, "added_at", NULL);
	struct ddb_expr x;

	if (old == NULL && plants != NULL &&
	    json_object_object_length(plants) >= USER_PLANTS_MAX)
		return ERR_CONFLICT;
	common_expr(a, &x, pid, now);
	if (x.names == NULL || x.values == NULL)
		return ERR_TOO_LARGE;
	x.update = "SET #p.#pid = :entry, #ver = #ver + :one, #upd = :now";
	json_object_object_add(x.values, ":entry", json_object_get(
	    new_entry(a, pid, body, added != NULL ? added : now)));
	if (old == NULL) {
		x.condition = "attribute_exists(#p) AND "
		    "attribute_not_exists(#p.#pid) AND size(#p) < :cap";
		json_object_object_add(x.values, ":cap",
		    json_object_new_int(USER_PLANTS_MAX));
	} else if (added != NULL) {
		/* Replace the entry we read, keeping its added_at. */
		x.condition = "#p.#pid.#ad = :added";
		json_object_object_add(x.names, "#ad",
		    json_object_new_string("added_at"));
		json_object_object_add(x.values, ":added",
		    json_object_new_string(added));
	} else {
		x.condition = "attribute_exists(#p.#pid) AND "
		    "attribute_not_exists(#p.#pid.#ad)";
		json_object_object_add(x.names, "#ad",
		    json_object_new_string("added_at"));
	}
	return ddb_update_item(d, a, table, email_key(a, email), &x, item);
}

enum err
user_plants_put(struct ddb *d, struct arena *a, const char *table,
    const char *email, const char *sub, const char *plant_id,
    struct json_object *body, int64_t now, struct json_object **entry)
{
	struct json_object *item, *plants, *after;
	const char *ts = time_text(a, now);
	enum err e;
	int tries;

	*entry = NULL;
	if (ts == NULL)
		return ERR_INTERNAL;
	for (tries = 0; tries < USER_PLANTS_TRIES; tries++) {
		if ((e = users_ensure(d, a, table, email, sub, NULL, &item)) !=
		    ERR_OK)
			return e;
		plants = jx_get(item, "plants");
		if (plants == NULL ||
		    !json_object_is_type(plants, json_type_object)) {
			if ((e = init_plants(d, a, table, email)) != ERR_OK)
				return e;
			plants = NULL;
		}
		e = put_once(d, a, table, email, plant_id, body, ts, plants,
		    &after);
		if (e == ERR_PRECONDITION)
			continue;       /* changed since we read it: again */
		if (e != ERR_OK)
			return e;
		*entry = view_of_item(a, after, plant_id);
		return *entry != NULL ? ERR_OK : ERR_UPSTREAM;
	}
	return ERR_PRECONDITION;
}

enum err
user_plants_water(struct ddb *d, struct arena *a, const char *table,
    const char *email, const char *plant_id, int64_t now,
    struct json_object **entry)
{
	struct json_object *after;
	const char *ts = time_text(a, now);
	struct ddb_expr x;
	enum err e;

	*entry = NULL;
	if (ts == NULL)
		return ERR_INTERNAL;
	common_expr(a, &x, plant_id, ts);
	if (x.names == NULL || x.values == NULL)
		return ERR_TOO_LARGE;
	json_object_object_add(x.names, "#lw",
	    json_object_new_string("last_watered"));
	x.update = "SET #p.#pid.#lw = :now, #ver = #ver + :one, #upd = :now";
	x.condition = "attribute_exists(#p.#pid)";
	e = ddb_update_item(d, a, table, email_key(a, email), &x, &after);
	if (e == ERR_PRECONDITION)
		return ERR_NOT_FOUND;
	if (e != ERR_OK)
		return e;
	*entry = view_of_item(a, after, plant_id);
	return *entry != NULL ? ERR_OK : ERR_UPSTREAM;
}

enum err
user_plants_delete(struct ddb *d, struct arena *a, const char *table,
    const char *email, const char *plant_id, int64_t now)
{
	const char *ts = time_text(a, now);
	struct ddb_expr x;
	enum err e;

	if (ts == NULL)
		return ERR_INTERNAL;
	common_expr(a, &x, plant_id, ts);
	if (x.names == NULL || x.values == NULL)
		return ERR_TOO_LARGE;
	x.update = "REMOVE #p.#pid SET #ver = #ver + :one, #upd = :now";
	x.condition = "attribute_exists(#p.#pid)";
	e = ddb_update_item(d, a, table, email_key(a, email), &x, NULL);
	return e == ERR_PRECONDITION ? ERR_NOT_FOUND : e;
}
