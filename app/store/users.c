#include "store/users.h"

#include <string.h>
#include <time.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/str.h"
#include "core/buf.h"
#include "json/jx.h"

/* An UpdateExpression of a PATCH stays far below this. */
#define USERS_EXPR_MAX 4096

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

/* ---- time ------------------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t
digits(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

bool
users_time_parse(const char *s, size_t n, int64_t *t)
{
	if (s == NULL || !jx_valid_time(s, n))
		return false;
	*t = days_from_civil(digits(s, 4), digits(s + 5, 2),
	    digits(s + 8, 2)) * 86400 + digits(s + 11, 2) * 3600 +
	    digits(s + 14, 2) * 60 + digits(s + 17, 2);
	return true;
}

bool
users_time_format(int64_t t, char out[USERS_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* 0000-01-01 .. 9999-12-31: what the fixed-width form can hold. */
	if (t < -62167219200LL || t > 253402300799LL ||
	    gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, USERS_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) !=
	    USERS_TIME_LEN - 1) {
		out[0] = '\0';
		return false;
	}
	return true;
}

/* Now as RFC 3339 UTC, in the arena. */
static const char *
now_rfc3339(struct arena *a)
{
	char buf[USERS_TIME_LEN];

	if (!users_time_format((int64_t)time(NULL), buf))
		return NULL;
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
		if ((now = now_rfc3339(a)) == NULL)
			return ERR_INTERNAL;
		it = jx_own(a, json_object_new_object());
		json_object_object_add(it, "email",
		    json_object_new_string(email));
		json_object_object_add(it, "sub", json_object_new_string(sub));
		json_object_object_add(it, "name", name != NULL ?
		    json_object_new_string(name) : NULL);
		json_object_object_add(it, "experience_level",
		    json_object_new_string("beginner"));
		json_object_object_add(it, "notification_preferences",
		    json_object_new_object());
		json_object_object_add(it, "room_conditions",
		    json_object_new_object());
		/* The person's own plants (store/user_plants), never shown
		 * with the profile. */
		json_object_object_add(it, "plants", json_object_new_object());
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

/* ---- PATCH validation ------------------------------------------------ */

static const char *const levels[] = { "beginner", "intermediate", "expert",
    NULL };
static const char *const lights[] = { "low", "medium", "bright", "direct",
    NULL };
static const char *const humidities[] = { "low", "medium", "high", NULL };

static const struct jx_field patch_fields[] = {
	{ "name", JX_STRING, false, 0, 100, NULL },
	{ "experience_level", JX_STRING, false, 0, 32, levels },
	{ "notification_preferences", JX_OBJECT, false, 0, 0, NULL },
	{ "room_conditions", JX_OBJECT, false, 0, 0, NULL },
	{ "email", JX_STRING, false, 0, 320, NULL },
	{ "sub", JX_STRING, false, 0, 128, NULL },
};

/* The boolean switches of notification_preferences. */
static const struct jx_field pref_fields[] = {
	{ "watering_reminders", JX_BOOL, false, 0, 0, NULL },
	{ "care_tips", JX_BOOL, false, 0, 0, NULL },
	{ "newsletter", JX_BOOL, false, 0, 0, NULL },
	{ "product_updates", JX_BOOL, false, 0, 0, NULL },
};
static const char *const pref_names[] = {
	"notification_preferences.watering_reminders",
	"notification_preferences.care_tips",
	"notification_preferences.newsletter",
	"notification_preferences.product_updates",
};

/* The typed members of room_conditions (null removes one). */
static const struct jx_field room_fields[] = {
	{ "light", JX_STRING, false, 0, 16, lights },
	{ "humidity", JX_STRING, false, 0, 16, humidities },
	{ "temperature_f", JX_INT, false, 30, 110, NULL },
	{ "has_pets", JX_BOOL, false, 0, 0, NULL },
};
static const char *const room_names[] = {
	"room_conditions.light",
	"room_conditions.humidity",
	"room_conditions.temperature_f",
	"room_conditions.has_pets",
};

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* Members the service maintains; a PATCH naming them is refused. */
static const char *const read_only[] = { "version", "created_at",
    "updated_at", NULL };

/* The full name of a nested member, for the problem detail. */
static const char *
nested_name(const struct jx_field *f, const char *const *names, size_t n,
    const char *key, const char *whole)
{
	size_t i;

	for (i = 0; key != NULL && i < n; i++)
		if (strcmp(f[i].name, key) == 0)
			return names[i];
	return whole;
}

/* Check one nested object; nulls allowed when null_ok. */
static bool
check_nested(struct json_object *o, const struct jx_field *f,
    const char *const *names, size_t n, bool null_ok, const char *whole,
    const char **why, const char **field)
{
	if (o == NULL)
		return true;
	json_object_object_foreach(o, k, v) {
		if (v == NULL && !null_ok) {
			*field = nested_name(f, names, n, k, whole);
			*why = *field == whole ?
			    "has a member that is not known" :
			    "must be true or false";
			return false;
		}
	}
	if (!jx_check(o, f, n, false, why, field)) {
		if (strcmp(*why, "is not a known field") == 0) {
			*field = whole;
			*why = "has a member that is not known";
		} else
			*field = nested_name(f, names, n, *field, whole);
		return false;
	}
	return true;
}

bool
users_check_patch(struct json_object *body, const char *email,
    const char *sub, const char **why, const char **field)
{
	const char *const *ro;
	const char *s;

	*why = NULL;
	*field = NULL;
	if (body == NULL || !json_object_is_type(body, json_type_object)) {
		*why = "must be a JSON object";
		return false;
	}
	json_object_object_foreach(body, k, v) {
		*field = k;
		for (ro = read_only; *ro != NULL; ro++)
			if (strcmp(*ro, k) == 0) {
				*why = "is maintained by the service";
				return false;
			}
		/* json-c reads null as NULL, which jx_check takes as absent. */
		if (v == NULL) {
			*why = "must not be null";
			return false;
		}
	}
	if (!jx_check(body, patch_fields, NELEM(patch_fields), false, why,
	    field))
		return false;
	*field = "name";
	if ((s = jx_str(body, "name", NULL)) != NULL && !str_plain_text(s)) {
		*why = "must be printable text, not only spaces";
		return false;
	}
	*field = "email";
	if ((s = jx_str(body, "email", NULL)) != NULL &&
	    strcmp(s, email) != 0) {
		*why = "cannot be changed";
		return false;
	}
	*field = "sub";
	if ((s = jx_str(body, "sub", NULL)) != NULL && strcmp(s, sub) != 0) {
		*why = "cannot be changed";
		return false;
	}
	*field = NULL;
	return check_nested(jx_get(body, "notification_preferences"),
	    pref_fields, pref_names, NELEM(pref_fields), false,
	    "notification_preferences", why, field) &&
	    check_nested(jx_get(body, "room_conditions"), room_fields,
	    room_names, NELEM(room_fields), true, "room_conditions", why,
	    field);
}

/* ---- PATCH write ----------------------------------------------------- */

/* An UpdateExpression being built: SET and REMOVE clauses with their
 * placeholder names (#a<n>) and values (:v<n>).  The names and values
 * belong to the arena; the two buffers to the builder's owner, who
 * calls upd_free once the clauses are copied out. */
struct upd {
	struct arena       *a;
	struct buf          set;
	struct buf          remove;
	struct json_object *names;
	struct json_object *values;
	int                 n;
};

static void
upd_init(struct upd *u, struct arena *a)
{
	memset(u, 0, sizeof(*u));
	u->a = a;
	buf_init(&u->set, USERS_EXPR_MAX);
	buf_init(&u->remove, USERS_EXPR_MAX);
	u->names = jx_own(a, json_object_new_object());
	u->values = jx_own(a, json_object_new_object());
}

static void
upd_free(struct upd *u)
{
	buf_free(&u->set);
	buf_free(&u->remove);
}

/* "#a<n>" standing for attribute name attr. */
static const char *
upd_name(struct upd *u, const char *attr)
{
	const char *ph = arena_printf(u->a, "#a%d", u->n++);

	if (ph != NULL)
		json_object_object_add(u->names, ph,
		    json_object_new_string(attr));
	return ph;
}

/* ":v<n>" standing for v (a reference is taken). */
static const char *
upd_value(struct upd *u, struct json_object *v)
{
	const char *ph = arena_printf(u->a, ":v%d", u->n++);

	if (ph != NULL)
		json_object_object_add(u->values, ph, json_object_get(v));
	return ph;
}

/* Add "path = :v" (v non-NULL) or "REMOVE path" (v NULL), where path is
 * the top attribute top, or top.member when member is given. */
static bool
upd_set(struct upd *u, const char *top, const char *member,
    struct json_object *v)
{
	const char *t = upd_name(u, top), *m = NULL, *val = NULL;
	struct buf *b = v != NULL ? &u->set : &u->remove;

	if (member != NULL && (m = upd_name(u, member)) == NULL)
		return false;
	if (v != NULL && (val = upd_value(u, v)) == NULL)
		return false;
	if (t == NULL)
		return false;
	return buf_puts(b, b->len > 0 ? ", " : "") && buf_puts(b, t) &&
	    (m == NULL || (buf_putc(b, '.') && buf_puts(b, m))) &&
	    (val == NULL || (buf_puts(b, " = ") && buf_puts(b, val)));
}

/* Each member of the nested object o as its own SET (or REMOVE on null),
 * so a PATCH merges into the stored map rather than replacing it. */
static bool
upd_merge(struct upd *u, const char *top, struct json_object *o)
{
	if (o == NULL)
		return true;
	json_object_object_foreach(o, k, v)
		if (!upd_set(u, top, k, v))
			return false;
	return true;
}

enum err
users_patch(struct ddb *d, struct arena *a, const char *table,
    const char *email, struct json_object *body, int64_t expected,
    struct json_object **item)
{
	static const char *const scalars[] = { "name", "experience_level",
	    NULL };
	const char *const *f, *ts, *ver, *onev, *em, *exv = NULL, *cond;
	struct ddb_expr x;
	struct upd u;
	bool ok = true;

	*item = NULL;
	if ((ts = now_rfc3339(a)) == NULL)
		return ERR_INTERNAL;
	upd_init(&u, a);
	for (f = scalars; *f != NULL && ok; f++)
		if (jx_get(body, *f) != NULL)
			ok = upd_set(&u, *f, NULL, jx_get(body, *f));
	ok = ok && upd_merge(&u, "notification_preferences",
	    jx_get(body, "notification_preferences")) &&
	    upd_merge(&u, "room_conditions", jx_get(body, "room_conditions")) &&
	    upd_set(&u, "updated_at", NULL,
	    jx_own(a, json_object_new_string(ts)));
	/* version = version + 1, in the same write. */
	ver = upd_name(&u, "version");
	onev = upd_value(&u, jx_own(a, json_object_new_int(1)));
	em = upd_name(&u, "email");
	if (expected >= 0)
		exv = upd_value(&u, jx_own(a, json_object_new_int64(expected)));
	if (!ok || ver == NULL || onev == NULL || em == NULL ||
	    (expected >= 0 && exv == NULL) ||
	    !buf_printf(&u.set, ", %s = %s + %s", ver, ver, onev)) {
		upd_free(&u);
		return ERR_TOO_LARGE;
	}
	cond = exv != NULL ?
	    arena_printf(a, "attribute_exists(%s) AND %s = %s", em, ver, exv) :
	    arena_printf(a, "attribute_exists(%s)", em);
	/* Copied into the arena: the buffers go now. */
	x.update = u.remove.len > 0 ?
	    arena_printf(a, "SET %s REMOVE %s", buf_cstr(&u.set),
	    buf_cstr(&u.remove)) :
	    arena_printf(a, "SET %s", buf_cstr(&u.set));
	upd_free(&u);
	if (cond == NULL || x.update == NULL)
		return ERR_TOO_LARGE;
	x.condition = cond;
	x.names = u.names;
	x.values = u.values;
	return ddb_update_item(d, a, table, email_key(a, email), &x, item);
}

/* ---- profile ------------------------------------------------- */

struct json_object *
users_profile(struct arena *a, struct json_object *item)
{
	static const char *const fields[] = { "email", "sub", "name",
	    "experience_level", "notification_preferences",
	    "room_conditions", "created_at", "updated_at", "version", NULL };
	struct json_object *p = jx_own(a, json_object_new_object()), *v;
	const char *const *f;

	if (p == NULL)
		return NULL;
	for (f = fields; *f != NULL; f++) {
		v = jx_get(item, *f);
		/* json_object_get: the member stays owned by item too. */
		if (v != NULL)
			v = json_object_get(v);
		else if (strcmp(*f, "notification_preferences") == 0 ||
		    strcmp(*f, "room_conditions") == 0)
			v = json_object_new_object();
		json_object_object_add(p, *f, v);
	}
	return p;
}
