/*
 * plants.c - the catalog: /api/v1/plants and /api/v1/plants/{id}.
 *
 * Lists and searches read the host's snapshot (store/catalog.h) and copy
 * each plant's JSON text into the answer as it is stored there; a single
 * plant is read from DynamoDB (strongly consistent), or from the snapshot
 * while DynamoDB cannot answer.  Admin writes go to DynamoDB, then into
 * the snapshot before the answer (store/catalog_sync.h).
 */
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "core/buf.h"
#include "core/limits.h"
#include "store/catalog.h"
#include "store/catalog_sync.h"
#include "store/cursor.h"
#include "store/plants.h"

#define PLANTS_SCOPE "plants"

/* A filter value: present, 1..LIM_FILTER_MAX bytes, no control
 * characters. */
static enum err
text_filter(struct ctx *c, const char *key, const char **out)
{
	size_t n, i;
	const char *v = req_query(c->req, key, &n);

	*out = NULL;
	if (v == NULL)
		return ERR_OK;
	if (n == 0 || n > LIM_FILTER_MAX)
		return hc_fail(c, ERR_INVALID,
		    "a filter must be 1 to 64 characters long");
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return hc_fail(c, ERR_INVALID,
			    "a filter must not hold control characters");
	*out = v;
	return ERR_OK;
}

/* Read every filter of API.md; an ill-formed one is a 400. */
static enum err
parse_filter(struct ctx *c, struct plant_filter *f)
{
	const char *v;
	size_t n;
	enum err e;

	memset(f, 0, sizeof(*f));
	if ((e = text_filter(c, "q", &f->q)) != ERR_OK ||
	    (e = text_filter(c, "light", &f->light)) != ERR_OK ||
	    (e = text_filter(c, "location", &f->location)) != ERR_OK)
		return e;
	if ((v = req_query(c->req, "difficulty_max", &n)) != NULL &&
	    !str_to_i64(v, n, 1, 10, &f->difficulty_max))
		return hc_fail(c, ERR_INVALID,
		    "difficulty_max must be an integer from 1 to 10");
	if ((v = req_query(c->req, "pet_safe", &n)) != NULL) {
		if (str_eq(v, n, "true"))
			f->pet_safe = true;
		else if (!str_eq(v, n, "false"))
			return hc_fail(c, ERR_INVALID,
			    "pet_safe must be true or false");
	}
	return ERR_OK;
}

/* A catalog cursor holds exactly {"n": name, "i": id} of the last plant
 * handed out: the walk resumes after it, whatever changed since. */
static bool
cursor_position(const struct catalog *cat, struct json_object *key,
    size_t *start)
{
	size_t nn, in;
	const char *name = jx_str(key, "n", &nn), *id = jx_str(key, "i", &in);

	if (json_object_object_length(key) != 2 || name == NULL ||
	    nn == 0 || nn > 128 || id == NULL || !plants_valid_id(id, in))
		return false;
	*start = catalog_after(cat, name, nn, id, in);
	return true;
}

const struct catalog *
hc_catalog(struct ctx *c)
{
	const struct catalog *cat = NULL;

	if (c->app->catalog != NULL)
		cat = catalog_sync_get(c->app->catalog, &c->app->ddb,
		    catalog_now_ms());
	if (cat == NULL) {
		resp_header(c->resp, "Retry-After", "5");
		c->detail = "the catalog is being loaded; try again shortly";
	}
	return cat;
}

/* {"items":[...],"next_cursor":...} straight from the snapshot's JSON. */
static enum err
list_answer(struct ctx *c, const struct catalog *cat, const size_t *pos,
    size_t n, bool more)
{
	struct json_object *key = NULL;
	struct catalog_entry p;
	const char *cur = NULL;
	struct buf b;
	size_t i;
	bool ok;

	if (more) {
		catalog_plant(cat, pos[n - 1], &p);
		key = jx_own(c->a, json_object_new_object());
		json_object_object_add(key, "n",
		    json_object_new_string_len(p.name, (int)p.name_len));
		json_object_object_add(key, "i",
		    json_object_new_string_len(p.id, (int)p.id_len));
		if (cursor_encode(c->a, PLANTS_SCOPE, key, &cur) != ERR_OK)
			return hc_fail(c, ERR_INTERNAL, "cannot make a cursor");
	}
	buf_init(&b, LIM_RESP_MAX);
	ok = buf_puts(&b, "{\"items\":[");
	for (i = 0; i < n && ok; i++) {
		catalog_plant(cat, pos[i], &p);
		ok = (i == 0 || buf_putc(&b, ',')) &&
		    buf_append(&b, p.json, p.json_len);
	}
	/* A cursor is base64url and '.': nothing to escape. */
	ok = ok && buf_puts(&b, "],\"next_cursor\":") && (cur != NULL ?
	    buf_printf(&b, "\"%s\"}", cur) : buf_puts(&b, "null}"));
	if (ok)
		resp_json_text(c->resp, 200, b.data, b.len);
	buf_free(&b);
	return ok ? ERR_OK : hc_fail(c, ERR_TOO_LARGE,
	    "the page is too large; ask for a smaller limit");
}

enum err
h_plants_list(struct ctx *c)
{
	const struct catalog *cat;
	struct json_object *start;
	struct plant_filter f;
	size_t pos[LIM_LIST_MAX + 1], from = 0, n;
	int limit;
	bool more;
	enum err e;

	if ((e = parse_filter(c, &f)) != ERR_OK ||
	    (e = hc_list_params(c, PLANTS_SCOPE, &limit, &start)) != ERR_OK)
		return e;
	if ((cat = hc_catalog(c)) == NULL)
		return ERR_UNAVAILABLE;
	if (start != NULL && !cursor_position(cat, start, &from))
		return hc_fail(c, ERR_INVALID,
		    "cursor is not one this list handed out");
	n = catalog_list(cat, &f, from, (size_t)limit, pos, &more);
	return list_answer(c, cat, pos, n, more);
}

enum err
h_plants_get(struct ctx *c)
{
	struct json_object *plant;
	const struct catalog *cat;
	struct catalog_entry p;
	const char *id = c->param[0];
	size_t i;
	enum err e;

	if (!plants_valid_id(id, strlen(id)))
		return hc_fail(c, ERR_NOT_FOUND, "no plant has this id");
	e = plants_get(&c->app->ddb, c->a, c->app->cfg.plants_table, id,
	    &plant);
	if ((e == ERR_UNAVAILABLE || e == ERR_THROTTLED) &&
	    c->app->catalog != NULL && (cat = catalog_sync_get(c->app->catalog,
	    &c->app->ddb, catalog_now_ms())) != NULL &&
	    catalog_find(cat, id, strlen(id), &i)) {
		/* DynamoDB is unwell: the host's snapshot still knows it. */
		catalog_plant(cat, i, &p);
		resp_header(c->resp, "ETag", arena_printf(c->a, "\"%lld\"",
		    (long long)p.version));
		resp_json_text(c->resp, 200, p.json, p.json_len);
		return ERR_OK;
	}
	if (e != ERR_OK)
		return hc_fail(c, e, "the catalog cannot be read right now");
	if (plant == NULL)
		return hc_fail(c, ERR_NOT_FOUND, "no plant has this id");
	return hc_item_answer(c, 200, plant);
}

/* A write that succeeded: into the host's snapshot before the answer. */
static void
written(struct ctx *c, struct json_object *stored)
{
	if (c->app->catalog != NULL)
		catalog_sync_apply(c->app->catalog, stored, catalog_now_ms());
}

/* A plant body against the schema; a 400 names the offending field. */
static enum err
plant_body_check(struct ctx *c, struct json_object *plant)
{
	const char *why, *field;

	/* The version is the store's: a client's is ignored. */
	json_object_object_del(plant, "version");
	if (!plants_validate(plant, &why, &field))
		return hc_fail(c, ERR_INVALID, field != NULL ?
		    arena_printf(c->a, "%s %s", field, why) : why);
	return ERR_OK;
}

static enum err
plant_body(struct ctx *c, struct json_object **plant)
{
	enum err e = hc_body(c, plant);

	return e != ERR_OK ? e : plant_body_check(c, *plant);
}

enum err
h_plants_create(struct ctx *c)
{
	struct json_object *plant, *out;
	const char *id;
	enum err e;

	if ((e = plant_body(c, &plant)) != ERR_OK)
		return e;
	id = jx_str(plant, "id", NULL);
	e = plants_create(&c->app->ddb, c->a, c->app->cfg.plants_table, plant,
	    catalog_now_ms(), &out);
	if (e == ERR_EXISTS)
		return hc_fail(c, e, "a plant with this id exists");
	if (e != ERR_OK)
		return hc_fail(c, e, "the catalog cannot be written right now");
	written(c, out);
	resp_header(c->resp, "Location", arena_printf(c->a,
	    "/api/v1/plants/%s", id));
	return hc_item_answer(c, 201, plants_canonical(c->a, out));
}

/* A failed write to an existing plant, as its problem. */
static enum err
write_fail(struct ctx *c, enum err e)
{
	if (e == ERR_NOT_FOUND)
		return hc_fail(c, e, "no plant has this id (create it with POST)");
	if (e == ERR_PRECONDITION)
		return hc_fail(c, e, "the plant changed since that version");
	return hc_fail(c, e, "the catalog cannot be written right now");
}

enum err
h_plants_replace(struct ctx *c)
{
	struct json_object *plant, *out;
	const char *id = c->param[0], *body_id;
	int64_t expected = 0;
	bool conditional;
	enum err e;

	if (!plants_valid_id(id, strlen(id)))
		return hc_fail(c, ERR_NOT_FOUND, "no plant has this id");
	if ((e = hc_if_match(c, &conditional, &expected)) != ERR_OK)
		return e;
	if ((e = hc_body(c, &plant)) != ERR_OK)
		return e;
	/* The path names the plant; a body may omit its id, not change it. */
	if ((body_id = jx_str(plant, "id", NULL)) == NULL)
		json_object_object_add(plant, "id", json_object_new_string(id));
	else if (strcmp(body_id, id) != 0)
		return hc_fail(c, ERR_INVALID, "the body's id differs from the "
		    "path's");
	if ((e = plant_body_check(c, plant)) != ERR_OK)
		return e;
	e = plants_replace(&c->app->ddb, c->a, c->app->cfg.plants_table, id,
	    plant, conditional ? expected : 0, catalog_now_ms(), &out);
	if (e != ERR_OK)
		return write_fail(c, e);
	written(c, out);
	return hc_item_answer(c, 200, plants_canonical(c->a, out));
}

enum err
h_plants_delete(struct ctx *c)
{
	struct json_object *tomb;
	const char *id = c->param[0];
	int64_t expected = 0;
	bool conditional;
	enum err e;

	if (!plants_valid_id(id, strlen(id)))
		return hc_fail(c, ERR_NOT_FOUND, "no plant has this id");
	if ((e = hc_if_match(c, &conditional, &expected)) != ERR_OK)
		return e;
	e = plants_delete(&c->app->ddb, c->a, c->app->cfg.plants_table, id,
	    conditional ? expected : 0, catalog_now_ms(), &tomb);
	if (e != ERR_OK)
		return write_fail(c, e);
	written(c, tomb);
	resp_empty(c->resp, 204);
	return ERR_OK;
}
