/*
 * plants.c - the catalog: GET /api/v1/plants and /api/v1/plants/{id}.
 */
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "store/plants.h"

#define PLANTS_SCOPE "plants"

/* A filter value: present, 1..64 bytes, no control characters. */
static enum err
text_filter(struct ctx *c, const char *key, const char **out)
{
	size_t n;
	const char *v = req_query(c->req, key, &n);

	*out = NULL;
	if (v == NULL)
		return ERR_OK;
	if (n == 0 || n > 64)
		return hc_fail(c, ERR_INVALID,
		    "a filter must be 1 to 64 characters long");
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

/* A catalog cursor holds exactly {"id": <plant id>}. */
static bool
valid_key(struct json_object *key)
{
	size_t n;
	const char *id = jx_str(key, "id", &n);

	return json_object_object_length(key) == 1 && id != NULL &&
	    plants_valid_id(id, n);
}

enum err
h_plants_list(struct ctx *c)
{
	struct json_object *start, *items, *next;
	struct plant_filter f;
	int limit;
	enum err e;

	if ((e = parse_filter(c, &f)) != ERR_OK ||
	    (e = hc_list_params(c, PLANTS_SCOPE, &limit, &start)) != ERR_OK)
		return e;
	if (start != NULL && !valid_key(start))
		return hc_fail(c, ERR_INVALID,
		    "cursor is not one this list handed out");
	e = plants_list(&c->app->ddb, c->a, c->app->cfg.plants_table, &f,
	    limit, start, &items, &next);
	if (e != ERR_OK)
		return hc_fail(c, e, "the catalog cannot be read right now");
	return hc_list_answer(c, PLANTS_SCOPE, items, next);
}

enum err
h_plants_get(struct ctx *c)
{
	struct json_object *plant;
	const char *id = c->param[0];
	enum err e;

	if (!plants_valid_id(id, strlen(id)))
		return hc_fail(c, ERR_NOT_FOUND, "no plant has this id");
	e = plants_get(&c->app->ddb, c->a, c->app->cfg.plants_table, id,
	    &plant);
	if (e != ERR_OK)
		return hc_fail(c, e, "the catalog cannot be read right now");
	if (plant == NULL)
		return hc_fail(c, ERR_NOT_FOUND, "no plant has this id");
	return hc_item_answer(c, 200, plant);
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
	    &out);
	if (e == ERR_EXISTS)
		return hc_fail(c, e, "a plant with this id exists");
	if (e != ERR_OK)
		return hc_fail(c, e, "the catalog cannot be written right now");
	resp_header(c->resp, "Location", arena_printf(c->a,
	    "/api/v1/plants/%s", id));
	return hc_item_answer(c, 201, out);
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
	    plant, conditional ? expected : 0, &out);
	if (e != ERR_OK)
		return write_fail(c, e);
	return hc_item_answer(c, 200, out);
}

enum err
h_plants_delete(struct ctx *c)
{
	const char *id = c->param[0];
	int64_t expected = 0;
	bool conditional;
	enum err e;

	if (!plants_valid_id(id, strlen(id)))
		return hc_fail(c, ERR_NOT_FOUND, "no plant has this id");
	if ((e = hc_if_match(c, &conditional, &expected)) != ERR_OK)
		return e;
	e = plants_delete(&c->app->ddb, c->a, c->app->cfg.plants_table, id,
	    conditional ? expected : 0);
	if (e != ERR_OK)
		return write_fail(c, e);
	resp_empty(c->resp, 204);
	return ERR_OK;
}
