#include "store/plants.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/str.h"
#include "json/jx.h"


#define S(n, req, max)  { n, JX_STRING, req, 0, max, NULL }
#define I(n, lo, hi)    { n, JX_INT, true, lo, hi, NULL }
#define NUM(n, lo, hi)  { n, JX_NUMBER, true, lo, hi, NULL }
#define B(n)            { n, JX_BOOL, true, 0, 0, NULL }
#define A(n)            { n, JX_STR_ARRAY, true, 0, 32, NULL }
#define D(n)            { n, JX_DATE, true, 0, 0, NULL }

static const struct jx_field schema[] = {
	S("id", true, LIM_ID_MAX),
	S("name", true, 128),
	S("scientific_name", true, 128),
	S("natural_sunlight_needs", true, 64),
	B("natural_sunlight_required"),
	S("led_light_requirements", true, 64),
	NUM("recommended_light_wattage", 0, 10000),
	NUM("led_wattage_min", 0, 10000),
	NUM("led_wattage_max", 0, 10000),
	I("water_frequency_days", 1, 365),
	S("humidity_preference", true, 64),
	I("difficulty", 1, 10),
	S("maintenance", true, 64),
	B("indoor_compatible"),
	S("description", true, 2000),
	A("compatible_locations"),
	S("size", true, 64),
	NUM("temperature_min", -100, 200),
	NUM("temperature_max", -100, 200),
	NUM("temperature_ideal", -100, 200),
	S("watering_method_preference", true, 64),
	I("drought_tolerance", 0, 10),
	I("overwatering_sensitivity", 0, 10),
	S("soil_preference", true, 64),
	I("soil_replacement_days", 0, 100000),
	I("fertilizer_days", 0, 100000),
	A("functions"),
	I("growth_rate_days", 0, 100000),
	B("toxic_to_pets"),
	A("propagation_methods"),
	A("common_pests"),
	{ "image_url", JX_STRING0, true, 0, 512, NULL },
	A("product_ids"),
	{ "care_history", JX_OBJECT, true, 0, 0, NULL },
	I("perenual_id", 0, INT32_MAX),
	B("perenual_verified"),
	D("created_at"),
	D("updated_at"),
	{ "searchable_text", JX_STRING0, true, 0, 1000, NULL },
	D("last_updated"),
	{ "version", JX_INT, false, 1, INT32_MAX, NULL },
};

#define NSCHEMA (sizeof(schema) / sizeof(schema[0]))

const struct jx_field *
plants_schema(size_t *n)
{
	*n = NSCHEMA - 1;     /* "version" is the store's, not the schema's */
	return schema;
}

bool
plants_valid_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > LIM_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool
plants_validate(struct json_object *plant, const char **why,
    const char **field)
{
	size_t n;
	const char *id;

	if (!jx_check(plant, schema, NSCHEMA, false, why, field))
		return false;
	id = jx_str(plant, "id", &n);
	if (!plants_valid_id(id, n)) {
		*field = "id";
		*why = "must be 1 to 64 letters, digits, '_' or '-'";
		return false;
	}
	return true;
}

/* A comma list -> array of trimmed, non-empty strings. */
static struct json_object *
split_list(const char *v)
{
	struct json_object *arr = json_object_new_array();
	const char *p = v, *end;

	while (*p != '\0') {
		size_t len;
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		while (len > 0 && isspace((unsigned char)*p))
			p++, len--;
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > 0)
			json_object_array_add(arr,
			    json_object_new_string_len(p, (int)len));
		if (end == NULL)
			break;
		p = end + 1;
	}
	return arr;
}

/* One TSV column -> a typed JSON value, per the schema's type. */
static struct json_object *
column_value(struct arena *a, const struct jx_field *f, const char *v)
{
	struct json_object *o;
	const char *why;
	int64_t x;
	size_t n = strlen(v);

	switch (f->type) {
	case JX_BOOL:
		if (strcmp(v, "TRUE") == 0 || strcmp(v, "true") == 0)
			return json_object_new_boolean(1);
		if (strcmp(v, "FALSE") == 0 || strcmp(v, "false") == 0)
			return json_object_new_boolean(0);
		return NULL;
	case JX_INT:
	case JX_NUMBER:
		if (str_to_i64(v, n, INT64_MIN, INT64_MAX, &x))
			return json_object_new_int64(x);
		if (f->type == JX_INT || jx_parse(NULL, v, n, 64, 1, &o, &why) !=
		    ERR_OK)
			return NULL;
		if (!json_object_is_type(o, json_type_double)) {
			json_object_put(o);
			return NULL;
		}
		return o;
	case JX_STR_ARRAY:
		return split_list(v);
	case JX_OBJECT:
		if (jx_parse(NULL, v, n, LIM_BODY_MAX, 16, &o, &why) != ERR_OK)
			return NULL;
		return o;
	default:
		(void)a;
		return json_object_new_string_len(v, (int)n);
	}
}

enum err
plants_from_columns(struct arena *a, const char *const *names,
    const char *const *values, size_t n, struct json_object **plant,
    const char **why, const char **field)
{
	struct json_object *p = jx_own(a, json_object_new_object()), *v;
	size_t i, k;

	*plant = NULL;
	for (i = 0; i < n; i++) {
		for (k = 0; k < NSCHEMA - 1; k++)
			if (strcmp(names[i], schema[k].name) == 0)
				break;
		*field = names[i];
		if (k == NSCHEMA - 1) {
			*why = "is not a plant column";
			return ERR_INVALID;
		}
		if ((v = column_value(a, &schema[k], values[i])) == NULL) {
			*why = "does not hold a value of the column's type";
			return ERR_INVALID;
		}
		json_object_object_add(p, names[i], v);
	}
	if (!plants_validate(p, why, field))
		return ERR_INVALID;
	*plant = p;
	return ERR_OK;
}

struct json_object *
plants_canonical(struct arena *a, struct json_object *item)
{
	struct json_object *o = jx_own(a, json_object_new_object()), *v;
	size_t i;

	for (i = 0; i < NSCHEMA; i++)
		if (json_object_object_get_ex(item, schema[i].name, &v))
			json_object_object_add(o, schema[i].name,
			    json_object_get(v));
	return o;
}

enum err
plants_get(struct ddb *d, struct arena *a, const char *table, const char *id,
    struct json_object **plant)
{
	struct json_object *key = jx_own(a, json_object_new_object());
	enum err e;

	json_object_object_add(key, "id", json_object_new_string(id));
	/* Strongly consistent: an admin reads back a write at once. */
	e = ddb_get_item(d, a, table, key, true, plant);
	if (e == ERR_OK && *plant != NULL)
		*plant = plants_is_tombstone(*plant) ? NULL :
		    plants_canonical(a, *plant);
	return e;
}

void
plants_stamp(struct json_object *item, int64_t now_ms)
{
	json_object_object_add(item, "catalog",
	    json_object_new_string(PLANTS_CATALOG_KEY));
	json_object_object_add(item, "changed_at", json_object_new_int64(now_ms));
}

bool
plants_is_tombstone(struct json_object *item)
{
	bool deleted;

	return jx_bool(item, "deleted", &deleted) && deleted;
}

/* Lower-case, '_' as ' ': the form "q" is compared in. */
static void
fold(char *s)
{
	for (; *s != '\0'; s++)
		*s = *s == '_' ? ' ' : (char)tolower((unsigned char)*s);
}

static bool
field_has(struct json_object *plant, const char *name, const char *needle)
{
	char buf[2048];
	const char *v = jx_str(plant, name, NULL);

	if (v == NULL)
		return false;
	snprintf(buf, sizeof(buf), "%s", v);
	fold(buf);
	return strstr(buf, needle) != NULL;
}

bool
plants_matches(struct json_object *plant, const struct plant_filter *f)
{
	const char *light;
	int64_t diff;
	bool toxic;

	if (f->q != NULL && *f->q != '\0') {
		char needle[256];
		snprintf(needle, sizeof(needle), "%s", f->q);
		fold(needle);
		if (!field_has(plant, "name", needle) &&
		    !field_has(plant, "scientific_name", needle) &&
		    !field_has(plant, "searchable_text", needle))
			return false;
	}
	if (f->light != NULL) {
		light = jx_str(plant, "natural_sunlight_needs", NULL);
		if (light == NULL || strcmp(light, f->light) != 0)
			return false;
	}
	if (f->location != NULL &&
	    !jx_array_has(jx_get(plant, "compatible_locations"), f->location))
		return false;
	if (f->difficulty_max > 0 && (!jx_int(plant, "difficulty", INT64_MIN,
	    INT64_MAX, &diff) || diff > f->difficulty_max))
		return false;
	if (f->pet_safe && (!jx_bool(plant, "toxic_to_pets", &toxic) || toxic))
		return false;
	return true;
}

/*
 * Names and values of a write's expression, added as they are used
 * (DynamoDB refuses any that the expressions do not use).
 */
struct wexpr {
	struct json_object *names, *values;
	struct buf          text;
};

static void
wexpr_init(struct arena *a, struct wexpr *w)
{
	w->names = jx_own(a, json_object_new_object());
	w->values = jx_own(a, json_object_new_object());
	buf_init(&w->text, 8192);
}

static void
name(struct wexpr *w, const char *ph, const char *attr)
{
	json_object_object_add(w->names, ph, json_object_new_string(attr));
}

static void
value(struct wexpr *w, const char *ph, struct json_object *v)
{
	json_object_object_add(w->values, ph, v);
}

/* "SET #version = <base> + :one, <stamp>": every write moves the
 * version and the catalog stamp (store/catalog_sync.h reads them). */
static void
set_head(struct wexpr *w, const char *version_base, int64_t now_ms)
{
	buf_printf(&w->text, "SET #version = %s + :one, #cat = :cat, "
	    "#chg = :chg", version_base);
	name(w, "#version", "version");
	name(w, "#cat", "catalog");
	name(w, "#chg", "changed_at");
	value(w, ":one", json_object_new_int(1));
	value(w, ":cat", json_object_new_string(PLANTS_CATALOG_KEY));
	value(w, ":chg", json_object_new_int64(now_ms));
}

/* ", #fK = :vK" for every schema field of plant but id and version. */
static void
set_fields(struct wexpr *w, struct json_object *plant)
{
	struct json_object *v;
	char n[16], val[16];
	size_t i;

	for (i = 1; i < NSCHEMA - 1; i++) {
		if (!json_object_object_get_ex(plant, schema[i].name, &v))
			continue;
		snprintf(n, sizeof(n), "#f%zu", i);
		snprintf(val, sizeof(val), ":v%zu", i);
		buf_printf(&w->text, ", %s = %s", n, val);
		name(w, n, schema[i].name);
		value(w, val, json_object_get(v));
	}
}

/* The condition of a write to a live plant, at version expected (> 0). */
static const char *
live_at(struct wexpr *w, int64_t expected)
{
	name(w, "#del", "deleted");
	if (expected <= 0)
		return "attribute_exists(id) AND attribute_not_exists(#del)";
	value(w, ":expected", json_object_new_int64(expected));
	return "attribute_exists(id) AND attribute_not_exists(#del) AND "
	    "#version = :expected";
}

static enum err
wexpr_run(struct ddb *d, struct arena *a, const char *table, const char *id,
    struct wexpr *w, const char *condition, struct json_object **stored)
{
	struct json_object *key = jx_own(a, json_object_new_object());
	struct ddb_expr x = { condition, NULL, w->names, w->values };
	enum err e;

	x.update = arena_strndup(a, buf_cstr(&w->text), w->text.len);
	buf_free(&w->text);
	json_object_object_add(key, "id", json_object_new_string(id));
	*stored = NULL;
	e = ddb_update_item(d, a, table, key, &x, stored);
	if (e == ERR_OK && *stored == NULL)
		e = ERR_UPSTREAM;
	return e;
}

enum err
plants_create(struct ddb *d, struct arena *a, const char *table,
    struct json_object *plant, int64_t now_ms, struct json_object **stored)
{
	struct wexpr w;
	enum err e;

	/* Over a tombstone the version goes on from the deleted plant's. */
	wexpr_init(a, &w);
	set_head(&w, "if_not_exists(#version, :zero)", now_ms);
	value(&w, ":zero", json_object_new_int(0));
	set_fields(&w, plant);
	buf_puts(&w.text, " REMOVE #del, #exp");
	name(&w, "#del", "deleted");
	name(&w, "#exp", "expires_at");
	value(&w, ":true", json_object_new_boolean(1));
	e = wexpr_run(d, a, table, jx_str(plant, "id", NULL), &w,
	    "attribute_not_exists(id) OR #del = :true", stored);
	return e == ERR_PRECONDITION ? ERR_EXISTS : e;
}

/* After a failed condition: was the plant missing, or stale? */
static enum err
which_failed(struct ddb *d, struct arena *a, const char *table,
    const char *id)
{
	struct json_object *now;
	enum err e = plants_get(d, a, table, id, &now);

	if (e != ERR_OK)
		return e;
	return now == NULL ? ERR_NOT_FOUND : ERR_PRECONDITION;
}

enum err
plants_replace(struct ddb *d, struct arena *a, const char *table,
    const char *id, struct json_object *plant, int64_t expected,
    int64_t now_ms, struct json_object **stored)
{
	struct wexpr w;
	const char *cond;
	enum err e;

	wexpr_init(a, &w);
	set_head(&w, "#version", now_ms);
	set_fields(&w, plant);
	cond = live_at(&w, expected);
	e = wexpr_run(d, a, table, id, &w, cond, stored);
	return e == ERR_PRECONDITION ? which_failed(d, a, table, id) : e;
}

enum err
plants_delete(struct ddb *d, struct arena *a, const char *table,
    const char *id, int64_t expected, int64_t now_ms,
    struct json_object **stored)
{
	struct wexpr w;
	const char *cond;
	char n[16];
	size_t i;
	enum err e;

	/* A tombstone: the key, the version moved on, the stamp, the TTL;
	 * the plant's fields go. */
	wexpr_init(a, &w);
	set_head(&w, "#version", now_ms);
	buf_puts(&w.text, ", #del = :true, #exp = :exp REMOVE ");
	name(&w, "#exp", "expires_at");
	value(&w, ":true", json_object_new_boolean(1));
	value(&w, ":exp", json_object_new_int64(now_ms / 1000 +
	    PLANTS_TOMBSTONE_DAYS * 86400LL));
	for (i = 1; i < NSCHEMA - 1; i++) {
		snprintf(n, sizeof(n), "#f%zu", i);
		buf_printf(&w.text, "%s%s", i > 1 ? ", " : "", n);
		name(&w, n, schema[i].name);
	}
	cond = live_at(&w, expected);
	e = wexpr_run(d, a, table, id, &w, cond, stored);
	return e == ERR_PRECONDITION ? which_failed(d, a, table, id) : e;
}
