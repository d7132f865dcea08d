/*
 * users.c - the caller's own profile (/api/v1/users/me) and the plants
 * they keep (/api/v1/users/me/plants...).  Only "me" exists: every route
 * works on the Users item of the verified caller's email, so no caller
 * can name, read or learn anything of another's.
 */
#include <string.h>
#include <time.h>

#include "auth/email.h"
#include "auth/principal.h"
#include "auth/session.h"
#include "auth/tcache.h"
#include "aws/aws.h"
#include "aws/cognito.h"
#include "core/arena.h"
#include "core/deadline.h"
#include "core/log.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "store/plants.h"
#include "store/purge.h"
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
 * The caller's verified email (auth/email.h: from Cognito, never from
 * the token alone) into a copy of the principal.  fresh asks Cognito
 * even when the answer is cached: before anything is created, so that
 * an account deleted or unverified meanwhile never gets an item.
 */
static enum err
verified_email(struct ctx *c, bool fresh)
{
	struct principal *p;
	const char *email;
	enum err e;

	if (c->who == NULL)
		return hc_fail(c, ERR_UNAVAILABLE,
		    "the caller cannot be resolved right now");
	if (fresh)
		email_cache_drop(c->app->emails, c->who->sub);
	e = email_resolve(c->app->emails, &c->app->cog, c->a, c->who->sub,
	    &email);
	switch (e) {
	case ERR_OK:
		break;
	case ERR_FORBIDDEN:
		return hc_fail(c, e, "the account's email is not verified; "
		    "confirm it with the code that was emailed first");
	case ERR_UNAUTHENTICATED:
		resp_header(c->resp, "WWW-Authenticate",
		    "Bearer realm=\"growvrd\", error=\"invalid_token\"");
		return hc_fail(c, e, "the bearer token's account no longer "
		    "exists");
	case ERR_TOO_LARGE:
		return hc_fail(c, e, "the request is too large");
	default:
		return hc_fail(c, ERR_UNAVAILABLE,
		    "the caller's email cannot be resolved right now");
	}
	if ((p = arena_alloc(c->a, sizeof(*p))) == NULL)
		return hc_fail(c, ERR_TOO_LARGE, "the request is too large");
	*p = *c->who;
	p->email = email;
	c->who = p;
	return ERR_OK;
}

/*
 * The Users table is keyed by a verified email: without one nothing can
 * be done (403).  And an item of that email must be the caller's own: an
 * email can move to another Cognito account (an account deleted outside
 * this API), and its old profile and plants must not follow it.  A
 * stored sub other than the caller's is a 409.  *item (when item is not
 * NULL) is the caller's Users item as read, or NULL when there is none
 * yet: callers reuse it instead of reading it again.
 */
static enum err
need_email(struct ctx *c, struct json_object **item_out)
{
	struct json_object *item;
	const char *sub;
	enum err e;

	if ((e = verified_email(c, false)) != ERR_OK)
		return e;
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

/*
 * Create the caller's missing Users item, after asking Cognito afresh
 * that the account exists and its email is still this verified one.
 */
static enum err
create_item(struct ctx *c, struct json_object **item)
{
	const char *email = c->who->email;
	enum err e;

	if ((e = verified_email(c, true)) != ERR_OK)
		return e;
	if (strcmp(email, c->who->email) != 0)
		return hc_fail(c, ERR_CONFLICT, "the account's email changed "
		    "during the request; try again");
	e = users_ensure(&c->app->ddb, c->a, users_table(c), c->who->email,
	    c->who->sub, NULL, item);
	return e == ERR_OK ? e : store_fail(c, e,
	    "profiles cannot be stored right now");
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
	if (item == NULL && (e = create_item(c, &item)) != ERR_OK)
		return e;
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
	if (item == NULL && (e = create_item(c, NULL)) != ERR_OK)
		return e;
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

/*
 * DELETE /users/me (store/purge.h).  The deletion is recorded first (a
 * marker, leased to this request until its deadline plus
 * USERS_DELETE_GRACE_S), then the account is ended: the Cognito user,
 * then the mark that refuses every old token on every worker
 * (auth/session.h).  Then the data: the Users item and at most
 * USERS_DELETE_PAGES pages of Subscriptions items, keeping
 * USERS_DELETE_RESERVE_MS of the deadline for the marker's last write.
 * What does not fit is left to the background (http/sweep.h): the
 * answer is a 204 all the same, since the account has ended.  A failure
 * before the account has ended is a 503 that the client may repeat; the
 * marker makes a worker finish the deletion anyway once its lease has
 * passed.  A repeat whose account Cognito no longer knows writes the mark
 * and goes on with the data of a marker left by the first.  The Users
 * item is never recreated: creating one asks Cognito afresh.
 */
#define USERS_DELETE_PAGES      10
#define USERS_DELETE_RESERVE_MS 1000
#define USERS_DELETE_GRACE_S    30

static const char *
subs_table(struct ctx *c)
{
	return c->app->cfg.subscriptions_table;
}

/* The marker's lease: past the request's deadline, whatever happens. */
static int64_t
delete_lease(struct ctx *c, int64_t now)
{
	int64_t left = deadline_left_ms(aws_deadline(c->app->aws));

	if (left > c->app->cfg.request_deadline_ms)
		left = c->app->cfg.request_deadline_ms;
	return now + (left > 0 ? left / 1000 + 1 : 0) + USERS_DELETE_GRACE_S;
}

/* The data of the ended account p, as much as fits; the rest is the
 * background's.  Never fails the request: the account has ended. */
static void
delete_data(struct ctx *c, const struct purge *p)
{
	struct app *app = c->app;
	int64_t at = aws_deadline(app->aws);
	bool done = false;
	enum err e;

	if (at != 0)
		aws_set_deadline(app->aws, at - USERS_DELETE_RESERVE_MS);
	e = purge_data(&app->ddb, c->a, users_table(c), subs_table(c), p,
	    USERS_DELETE_PAGES, &done);
	aws_set_deadline(app->aws, at);
	if (e == ERR_OK && done)
		e = purge_finish(&app->ddb, c->a, subs_table(c), p->sub);
	else {
		log_kv(LOG_INFO, "account deletion continues in the background",
		    "request_id", c->req->request_id, "error",
		    e != ERR_OK ? err_name(e) : NULL, NULL);
		/* Free the marker at once, marked ended. */
		e = purge_release(&app->ddb, c->a, subs_table(c), p->sub, true,
		    0);
	}
	if (e != ERR_OK)
		log_kv(LOG_WARN, "account deletion marker not updated; its "
		    "lease ends it", "request_id", c->req->request_id,
		    "error", err_name(e), NULL);
}

enum err
h_users_delete(struct ctx *c)
{
	struct app *app = c->app;
	const char *email;
	struct purge p;
	bool gone = false, found = true;
	int64_t now = (int64_t)time(NULL);
	enum err e;

	e = email_resolve(app->emails, &app->cog, c->a, c->who->sub, &email);
	if (e == ERR_UNAUTHENTICATED)
		gone = true;
	else if ((e = need_email(c, NULL)) != ERR_OK)
		return e;
	memset(&p, 0, sizeof(p));
	p.sub = c->who->sub;
	if (!gone) {
		p.email = c->who->email;
		/* The token's Cognito username; an email pool's is sub. */
		p.username = c->who->username != NULL ? c->who->username :
		    c->who->sub;
		p.requested_at = now;
		e = purge_record(&app->ddb, c->a, subs_table(c), &p,
		    delete_lease(c, now));
		if (e != ERR_OK)
			return store_fail(c, e, "the account cannot be deleted "
			    "right now; try again");
		e = cog_admin_delete_user(&app->cog, c->a, p.username);
		if (e != ERR_OK && e != ERR_NOT_FOUND) {
			log_kv(LOG_WARN, "account deletion recorded, sign-in "
			    "not deleted", "request_id", c->req->request_id,
			    "error", err_name(e), NULL);
			/* ERR_INTERNAL: no credentials; a dependency too. */
			return hc_fail(c, ERR_UNAVAILABLE, "the account's sign-in "
			    "cannot be deleted right now; try again");
		}
	} else if ((e = purge_get(&app->ddb, c->a, subs_table(c), c->who->sub,
	    &p, &found)) != ERR_OK) {
		/* The background finishes a marker that may be there. */
		found = false;
	}
	e = session_end_all(app->sessions, c->a, c->who->sub, true, now, NULL);
	email_cache_drop(app->emails, c->who->sub);
	tcache_drop_sub(app->tok.cache, c->who->sub);
	if (e != ERR_OK) {
		log_kv(LOG_WARN, "account deleted, its tokens not yet refused",
		    "request_id", c->req->request_id, "error", err_name(e),
		    NULL);
		return hc_fail(c, e == ERR_TOO_LARGE ? e : ERR_UNAVAILABLE,
		    "the account's deletion cannot be finished right now; "
		    "try again");
	}
	if (found)
		delete_data(c, &p);
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
