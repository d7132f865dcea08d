/*
 * users.c - the caller's own profile (/api/v1/users/me) and the plants
 * they keep (/api/v1/users/me/plants...).  Only "me" exists: every route
 * works on the Users item of the verified caller's email, so no caller
 * can name, read or learn anything of another's.
 */
#include <string.h>
#include <time.h>

#include "auth/principal.h"
#include "aws/cognito.h"
#include "core/arena.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "store/plants.h"
#include "store/user_plants.h"
#include "store/users.h"

#define MY_PLANTS_SCOPE "myplants:"

/*
 * A dependency's failure as the caller sees it: a missing table is our
 * misconfiguration (503, not "no such profile"); the rest keep their
 * meaning (503 down or throttled, 502 nonsense, 413 past the arena).
 */
static enum err
store_fail(struct ctx *c, enum err e, const char *detail)
{
	if (e == ERR_NOT_FOUND || e == ERR_PRECONDITION || e == ERR_CONFLICT ||
	    e == ERR_EXISTS || e == ERR_INVALID)
		e = ERR_UNAVAILABLE;
	return hc_fail(c, e, detail);
}

static const char *
users_table(struct ctx *c)
{
	return c->app->cfg.users_table;
}

/*
 * The Users table is keyed by email: without one nothing can be done.
 * And an item of that email must be the caller's own: an email can move
 * to another Cognito account (an account deleted outside this API, an
 * email changed in Cognito), and its old profile and plants must not
 * follow it.  A stored sub other than the caller's is a 409.  *item
 * (when item is not NULL) is the caller's Users item as read, or NULL
 * when there is none yet: callers reuse it instead of reading it again.
 */
static enum err
need_email(struct ctx *c, struct json_object **item_out)
{
	struct json_object *item;
	const char *sub;
	enum err e;

	if (c->who == NULL || c->who->email == NULL)
		return hc_fail(c, ERR_UNAVAILABLE,
		    "the caller's email cannot be resolved right now");
	e = users_get(&c->app->ddb, c->a, users_table(c), c->who->email,
	    &item);
	if (e != ERR_OK)
		return hc_fail(c, e, "your profile cannot be read right now");
	if (item != NULL && (sub = jx_str(item, "sub", NULL)) != NULL &&
	    strcmp(sub, c->who->sub) != 0)
		return hc_fail(c, ERR_CONFLICT, "this email's profile belongs to "
		    "another account; contact support");
	if (item_out != NULL)
		*item_out = item;
	return ERR_OK;
}

/* "field why" as the problem detail. */
static enum err
invalid(struct ctx *c, const char *field, const char *why)
{
	const char *d = field != NULL ?
	    arena_printf(c->a, "%s %s", field, why) : why;

	return hc_fail(c, ERR_INVALID, d != NULL ? d : why);
}

/* 200 with the public profile of item and its ETag. */
static enum err
answer_profile(struct ctx *c, struct json_object *item)
{
	struct json_object *p = users_profile(c->a, item);

	if (p == NULL)
		return hc_fail(c, ERR_TOO_LARGE, "the request is too large");
	return hc_item_answer(c, 200, p);
}

enum err
h_users_get(struct ctx *c)
{
	struct json_object *item;
	enum err e;

	if ((e = need_email(c, &item)) != ERR_OK)
		return e;
	if (item == NULL)
		e = users_ensure(&c->app->ddb, c->a, users_table(c),
		    c->who->email, c->who->sub, NULL, &item);
	if (e != ERR_OK)
		return store_fail(c, e, "profiles cannot be read right now");
	return answer_profile(c, item);
}

enum err
h_users_patch(struct ctx *c)
{
	struct json_object *body, *item;
	const char *why, *field;
	int64_t version = 0;
	bool conditional;
	enum err e;

	if ((e = need_email(c, &item)) != ERR_OK)
		return e;
	if ((e = hc_if_match(c, &conditional, &version)) != ERR_OK)
		return e;
	if ((e = hc_body(c, &body)) != ERR_OK)
		return e;
	if (!users_check_patch(body, c->who->email, c->who->sub, &why, &field))
		return invalid(c, field, why);
	if (item == NULL)
		e = users_ensure(&c->app->ddb, c->a, users_table(c),
		    c->who->email, c->who->sub, NULL, NULL);
	if (e == ERR_OK)
		e = users_patch(&c->app->ddb, c->a, users_table(c),
		    c->who->email, body, conditional ? version : -1, &item);
	if (e == ERR_PRECONDITION)
		return conditional ?
		    hc_fail(c, ERR_PRECONDITION, "the profile has changed "
		    "since that version; read it again") :
		    hc_fail(c, ERR_CONFLICT, "the account was deleted while "
		    "the profile was being saved");
	if (e != ERR_OK)
		return store_fail(c, e, "profiles cannot be saved right now");
	return answer_profile(c, item);
}

enum err
h_users_delete(struct ctx *c)
{
	const char *username;
	enum err e;

	if ((e = need_email(c, NULL)) != ERR_OK)
		return e;
	/* Data first, the sign-in last: a failure leaves an account that
	 * can still sign in and repeat the (idempotent) DELETE. */
	e = users_delete(&c->app->ddb, c->a, users_table(c),
	    c->app->cfg.subscriptions_table, c->who->email, c->who->sub);
	if (e != ERR_OK)
		return store_fail(c, e, "the account cannot be deleted right "
		    "now; try again");
	/* The token's Cognito username; in an email pool that is the sub. */
	username = c->who->username != NULL ? c->who->username : c->who->sub;
	e = cog_admin_delete_user(c->app, c->a, username);
	if (e != ERR_OK && e != ERR_NOT_FOUND) {
		log_kv(LOG_WARN, "account data deleted, sign-in not",
		    "request_id", c->req->request_id, "error", err_name(e),
		    NULL);
		return hc_fail(c, e == ERR_INTERNAL ? ERR_INTERNAL :
		    ERR_UNAVAILABLE, "the account's sign-in cannot be deleted "
		    "right now; try again");
	}
	resp_empty(c->resp, 204);
	return ERR_OK;
}

/* ---- my plants ------------------------------------------------------- */

/* A my-plants cursor holds exactly {"plant_id": <plant id>}. */
static bool
valid_key(struct json_object *key)
{
	size_t n;
	const char *id = jx_str(key, "plant_id", &n);

	return json_object_object_length(key) == 1 && id != NULL &&
	    plants_valid_id(id, n);
}

enum err
h_my_plants_list(struct ctx *c)
{
	struct json_object *start, *item, *items, *next;
	const char *scope;
	int limit;
	enum err e;

	if ((e = need_email(c, &item)) != ERR_OK)
		return e;
	if ((scope = arena_printf(c->a, "%s%s", MY_PLANTS_SCOPE,
	    c->who->sub)) == NULL)
		return hc_fail(c, ERR_TOO_LARGE, "the request is too large");
	if ((e = hc_list_params(c, scope, &limit, &start)) != ERR_OK)
		return e;
	if (start != NULL && !valid_key(start))
		return hc_fail(c, ERR_INVALID,
		    "cursor is not one this list handed out");
	e = user_plants_page(c->a, item, start != NULL ?
		    jx_str(start, "plant_id", NULL) : NULL, limit, &items,
		    &next);
	if (e == ERR_OK)
		e = user_plants_annotate(&c->app->ddb, c->a,
		    c->app->cfg.plants_table, items);
	if (e != ERR_OK)
		return store_fail(c, e, "your plants cannot be read right now");
	return hc_list_answer(c, scope, items, next);
}

/* The catalog plant pid (404 when it is not in the catalog). */
static enum err
catalog_plant(struct ctx *c, const char *pid, struct json_object **plant)
{
	enum err e;

	*plant = NULL;
	if (!plants_valid_id(pid, strlen(pid)))
		return hc_fail(c, ERR_NOT_FOUND,
		    "no plant in the catalog has this id");
	e = plants_get(&c->app->ddb, c->a, c->app->cfg.plants_table, pid,
	    plant);
	if (e != ERR_OK)
		return store_fail(c, e, "the catalog cannot be read right now");
	if (*plant == NULL)
		return hc_fail(c, ERR_NOT_FOUND,
		    "no plant in the catalog has this id");
	return ERR_OK;
}

enum err
h_my_plants_put(struct ctx *c)
{
	struct json_object *body, *plant, *entry;
	const char *pid = c->param[0], *why, *field;
	int64_t now = (int64_t)time(NULL);
	enum err e;

	if ((e = need_email(c, NULL)) != ERR_OK)
		return e;
	/* Every member is optional: no body at all adds the plant bare. */
	if (c->req->body_len == 0)
		body = jx_own(c->a, json_object_new_object());
	else if ((e = hc_body(c, &body)) != ERR_OK)
		return e;
	if (body == NULL)
		return hc_fail(c, ERR_TOO_LARGE, "the request is too large");
	if (!user_plants_check_entry(body, pid, now, &why, &field))
		return invalid(c, field, why);
	if ((e = catalog_plant(c, pid, &plant)) != ERR_OK)
		return e;
	e = user_plants_put(&c->app->ddb, c->a, users_table(c), c->who->email,
	    c->who->sub, pid, body, now, &entry);
	if (e == ERR_CONFLICT)
		return hc_fail(c, ERR_CONFLICT, "you already keep the most "
		    "plants allowed (200); remove one first");
	if (e == ERR_PRECONDITION)
		return hc_fail(c, ERR_CONFLICT, "your plants kept changing "
		    "while this one was being saved; try again");
	if (e != ERR_OK)
		return store_fail(c, e,
		    "your plants cannot be saved right now");
	user_plants_set_next(entry, plant);
	resp_json(c->resp, 200, entry);
	return ERR_OK;
}

/* A request about a plant the caller keeps: the caller, then the id. */
static enum err
kept_plant_request(struct ctx *c, const char *pid)
{
	enum err e;

	if ((e = need_email(c, NULL)) != ERR_OK)
		return e;
	if (!plants_valid_id(pid, strlen(pid)))
		return hc_fail(c, ERR_NOT_FOUND,
		    "you keep no plant with this id");
	return ERR_OK;
}

enum err
h_my_plants_water(struct ctx *c)
{
	struct json_object *plant, *entry;
	const char *pid = c->param[0];
	enum err e;

	if ((e = kept_plant_request(c, pid)) != ERR_OK)
		return e;
	/* The schedule first, so that a catalog outage writes nothing. */
	e = plants_get(&c->app->ddb, c->a, c->app->cfg.plants_table, pid,
	    &plant);
	if (e != ERR_OK)
		return store_fail(c, e, "the catalog cannot be read right now");
	e = user_plants_water(&c->app->ddb, c->a, users_table(c),
	    c->who->email, pid, (int64_t)time(NULL), &entry);
	if (e == ERR_NOT_FOUND)
		return hc_fail(c, ERR_NOT_FOUND,
		    "you keep no plant with this id");
	if (e != ERR_OK)
		return store_fail(c, e,
		    "your plants cannot be saved right now");
	user_plants_set_next(entry, plant);
	resp_json(c->resp, 200, entry);
	return ERR_OK;
}

enum err
h_my_plants_delete(struct ctx *c)
{
	const char *pid = c->param[0];
	enum err e;

	if ((e = kept_plant_request(c, pid)) != ERR_OK)
		return e;
	e = user_plants_delete(&c->app->ddb, c->a, users_table(c),
	    c->who->email, pid, (int64_t)time(NULL));
	if (e == ERR_NOT_FOUND)
		return hc_fail(c, ERR_NOT_FOUND,
		    "you keep no plant with this id");
	if (e != ERR_OK)
		return store_fail(c, e,
		    "your plants cannot be saved right now");
	resp_empty(c->resp, 204);
	return ERR_OK;
}
