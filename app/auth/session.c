/*
 * session.c - per-user sign-out records and their per-worker cache (see
 * session.h).
 */
#include "auth/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth/token.h"
#include "aws/ddb.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypt.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "json/jx.h"

#define SUB_MAX        128
#define SID_MAX        128
#define WAIT_MARGIN_MS 150     /* the provider's clock may lag ours */

/* What the check needs of one user's record. */
struct sess_entry {
	char     sub[SUB_MAX + 1];  /* "" : free slot */
	int64_t  fetched_ms;
	int64_t  valid_after;
	bool     deleted;
	size_t   n;
	uint64_t ended[LIM_SESSION_ENTRIES];  /* hashes of ended sign-ins */
};

struct sessions {
	struct ddb       *ddb;
	const char       *table;
	struct sess_entry slot[LIM_SESSION_SLOTS];
};

struct sessions *
sessions_new(struct ddb *d, const char *table)
{
	struct sessions *s = xcalloc(1, sizeof(*s));

	s->ddb = d;
	s->table = table;
	return s;
}

void
sessions_free(struct sessions *s)
{
	free(s);
}

int64_t
session_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a, 64 bits: a collision only ever refuses more. */
static uint64_t
hash64(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static size_t
home(const char *sub)
{
	return (size_t)(hash64(sub) % LIM_SESSION_SLOTS);
}

/* sub's slot (found, or the one to fill: free, else the oldest). */
static struct sess_entry *
slot_of(struct sessions *s, const char *sub, bool *found)
{
	size_t h = home(sub), i;
	struct sess_entry *e, *pick = NULL;

	*found = false;
	for (i = 0; i < 8; i++) {
		e = &s->slot[(h + i) % LIM_SESSION_SLOTS];
		if (e->sub[0] != '\0' && strcmp(e->sub, sub) == 0) {
			*found = true;
			return e;
		}
		if (pick == NULL || (pick->sub[0] != '\0' && (e->sub[0] == '\0' ||
		    e->fetched_ms < pick->fetched_ms)))
			pick = e;
	}
	return pick;
}

static void
drop(struct sessions *s, const char *sub)
{
	bool found;
	struct sess_entry *e = slot_of(s, sub, &found);

	if (found)
		memset(e, 0, sizeof(*e));
}

/* ---- the record ------------------------------------------------------ */

static struct json_object *
key_of(struct arena *a, const char *sub)
{
	struct json_object *k = jx_own(a, json_object_new_object());
	const char *v = arena_printf(a, SESSION_KEY_PREFIX "%s", sub);

	if (k == NULL || v == NULL)
		return NULL;
	json_object_object_add(k, "email", json_object_new_string(v));
	return k;
}

/* *item = the record of sub (consistent read), or NULL when none. */
static enum err
load(struct sessions *s, struct arena *a, const char *sub,
    struct json_object **item)
{
	struct json_object *k = key_of(a, sub);

	*item = NULL;
	if (k == NULL)
		return ERR_TOO_LARGE;
	return ddb_get_item(s->ddb, a, s->table, k, true, item);
}

/* m[name] as an object, or NULL. */
static struct json_object *
map_of(struct json_object *item, const char *name)
{
	struct json_object *m = item != NULL ? jx_get(item, name) : NULL;

	return m != NULL && json_object_is_type(m, json_type_object) ? m :
	    NULL;
}

/* The expiry of a revoked entry (a number) or a link ({"p","x"}). */
static int64_t
entry_exp(struct json_object *v)
{
	int64_t x = 0;

	if (json_object_is_type(v, json_type_object))
		(void)jx_int(v, "x", 0, TOKEN_TIME_MAX, &x);
	else if (json_object_is_type(v, json_type_int))
		x = json_object_get_int64(v);
	return x;
}

static bool
revoked_has(struct json_object *revoked, const char *id)
{
	return revoked != NULL && id != NULL && jx_get(revoked, id) != NULL;
}

/* Fill the cache entry e from the record item (NULL: no record). */
static void
summarize(struct sess_entry *e, struct json_object *item)
{
	struct json_object *rev = map_of(item, "revoked");
	struct json_object *lnk = map_of(item, "links");
	const char *p;
	struct json_object *b;

	e->valid_after = 0;
	e->deleted = false;
	e->n = 0;
	if (item == NULL)
		return;
	(void)jx_int(item, "valid_after", 0, TOKEN_TIME_MAX, &e->valid_after);
	b = jx_get(item, "deleted");
	e->deleted = b != NULL && json_object_is_type(b, json_type_boolean) &&
	    json_object_get_boolean(b);
	if (rev != NULL) {
		json_object_object_foreach(rev, k, v) {
			(void)v;
			if (e->n < LIM_SESSION_ENTRIES)
				e->ended[e->n++] = hash64(k);
		}
	}
	if (lnk != NULL) {
		json_object_object_foreach(lnk, k2, v2) {
			p = json_object_is_type(v2, json_type_object) ?
			    jx_str(v2, "p", NULL) : NULL;
			if (revoked_has(rev, p) && e->n < LIM_SESSION_ENTRIES)
				e->ended[e->n++] = hash64(k2);
		}
	}
}

static bool
ended(const struct sess_entry *e, const char *sid)
{
	uint64_t h;
	size_t i;

	if (sid == NULL)
		return false;
	h = hash64(sid);
	for (i = 0; i < e->n; i++)
		if (e->ended[i] == h)
			return true;
	return false;
}

enum err
session_check(struct sessions *s, struct arena *a, const struct principal *p,
    int64_t now_ms, bool fresh, const char **why)
{
	struct json_object *item;
	struct sess_entry *e;
	bool found;
	enum err err;

	if (s == NULL)
		return ERR_OK;
	if (p->sub == NULL || strlen(p->sub) > SUB_MAX) {
		*why = "the token's sub is unusable";
		return ERR_UNAUTHENTICATED;
	}
	e = slot_of(s, p->sub, &found);
	if (!found || fresh || now_ms - e->fetched_ms >= SESSION_CACHE_MS ||
	    now_ms < e->fetched_ms) {
		if ((err = load(s, a, p->sub, &item)) != ERR_OK) {
			*why = "sign-outs cannot be checked right now";
			return err == ERR_TOO_LARGE ? err : ERR_UNAVAILABLE;
		}
		memset(e, 0, sizeof(*e));
		memcpy(e->sub, p->sub, strlen(p->sub) + 1);
		summarize(e, item);
		e->fetched_ms = now_ms;
	}
	if (e->deleted) {
		*why = "the account was deleted";
		return ERR_UNAUTHENTICATED;
	}
	if (p->auth_time <= e->valid_after) {
		*why = "the sign-in was ended (password change or reset)";
		return ERR_UNAUTHENTICATED;
	}
	if (ended(e, p->sid)) {
		*why = "the sign-in was ended (logout)";
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

/* ---- writes ---------------------------------------------------------- */

enum op_kind { OP_END, OP_END_ALL, OP_LINK };

struct op {
	enum op_kind kind;
	const char  *sid, *parent;
	bool         deleted;
	int64_t      exp, now;
	int64_t      valid_after;   /* out: OP_END_ALL */
};

/* Drop entries of m that expired before now; returns how many remain. */
static size_t
prune(struct json_object *m, int64_t now)
{
	const char *gone[2 * LIM_SESSION_ENTRIES + 8];
	size_t n = 0, left = 0, i;

	if (m == NULL)
		return 0;
	{
		json_object_object_foreach(m, k, v) {
			if (entry_exp(v) < now && n < sizeof(gone) / sizeof(*gone))
				gone[n++] = k;
			else
				left++;
		}
	}
	for (i = 0; i < n; i++)
		json_object_object_del(m, gone[i]);
	return left;
}

/* m = item[name], created empty when missing. */
static struct json_object *
map_in(struct json_object *item, const char *name)
{
	struct json_object *m = map_of(item, name);

	if (m == NULL) {
		m = json_object_new_object();
		json_object_object_add(item, name, m);   /* item takes m */
	}
	return m;
}

static void
end_all(struct json_object *item, struct op *o)
{
	int64_t va = 0;

	(void)jx_int(item, "valid_after", 0, TOKEN_TIME_MAX, &va);
	if (o->now > va)
		va = o->now;
	o->valid_after = va;
	json_object_object_add(item, "valid_after", json_object_new_int64(va));
	/* Everything ended one by one before now is covered by va. */
	json_object_object_add(item, "revoked", json_object_new_object());
	json_object_object_add(item, "links", json_object_new_object());
}

/* Apply o to the plain record item (a new one has only its key). */
static void
apply(struct json_object *item, struct op *o)
{
	struct json_object *rev = map_in(item, "revoked");
	struct json_object *lnk = map_in(item, "links");
	struct json_object *l;
	size_t used = prune(rev, o->now) + prune(lnk, o->now);
	int64_t until = o->now + SESSION_TOKEN_LIFE_MAX + TOKEN_LEEWAY_SECS;

	switch (o->kind) {
	case OP_END:
		if (used + 2 > LIM_SESSION_ENTRIES) {
			/* Past the bound: end every sign-in instead. */
			log_kv(LOG_WARN, "session: too many sign-outs to keep; "
			    "ending every sign-in of the user", NULL);
			end_all(item, o);
			break;
		}
		if (o->sid != NULL)
			json_object_object_add(rev, o->sid,
			    json_object_new_int64(until));
		if (o->parent != NULL)
			json_object_object_add(rev, o->parent,
			    json_object_new_int64(until));
		break;
	case OP_END_ALL:
		end_all(item, o);
		if (o->deleted)
			json_object_object_add(item, "deleted",
			    json_object_new_boolean(1));
		break;
	case OP_LINK:
		if (used + 1 > LIM_SESSION_ENTRIES) {
			log_kv(LOG_WARN, "session: too many live sign-ins to "
			    "link; a logout of this one will not reach its "
			    "refreshed tokens before they expire", NULL);
			break;
		}
		l = json_object_new_object();
		json_object_object_add(l, "p",
		    json_object_new_string(o->parent));
		json_object_object_add(l, "x", json_object_new_int64(o->exp));
		json_object_object_add(lnk, o->sid, l);
		break;
	}
	json_object_object_add(item, "expires_at", json_object_new_int64(until));
}

/* Read, apply, write under the version read; repeated on conflicts. */
static enum err
update(struct sessions *s, struct arena *a, const char *sub, struct op *o)
{
	struct ddb_expr cond;
	struct json_object *item, *vals;
	int64_t version;
	enum err e = ERR_CONFLICT;
	int tries;

	if (sub == NULL || strlen(sub) > SUB_MAX)
		return ERR_INVALID;
	for (tries = 0; tries < SESSION_WRITE_TRIES; tries++) {
		if ((e = load(s, a, sub, &item)) != ERR_OK)
			break;
		memset(&cond, 0, sizeof(cond));
		version = 0;
		if (item == NULL) {
			const char *k = arena_printf(a, SESSION_KEY_PREFIX "%s",
			    sub);
			item = jx_own(a, json_object_new_object());
			if (item == NULL || k == NULL)
				return ERR_TOO_LARGE;
			json_object_object_add(item, "email",
			    json_object_new_string(k));
			json_object_object_add(item, "sub",
			    json_object_new_string(sub));
			cond.condition = "attribute_not_exists(email)";
		} else {
			(void)jx_int(item, "version", 0, INT64_MAX / 2,
			    &version);
			vals = jx_own(a, json_object_new_object());
			if (vals == NULL)
				return ERR_TOO_LARGE;
			json_object_object_add(vals, ":v",
			    json_object_new_int64(version));
			cond.condition = "version = :v";
			cond.values = vals;
		}
		apply(item, o);
		json_object_object_add(item, "version",
		    json_object_new_int64(version + 1));
		e = ddb_put_item(s->ddb, a, s->table, item, &cond);
		if (e != ERR_PRECONDITION)
			break;
		e = ERR_CONFLICT;
	}
	/* This worker sees its own write at once. */
	drop(s, sub);
	if (e != ERR_OK)
		log_kv(LOG_WARN, "session: cannot write the sign-out record",
		    "error", err_name(e), NULL);
	return e;
}

enum err
session_end(struct sessions *s, struct arena *a, const char *sub,
    const char *sid, const char *parent, int64_t now)
{
	struct op o = { OP_END, sid, parent, false, 0, now, 0 };

	if (sid != NULL && strlen(sid) > SID_MAX)
		o.sid = NULL;
	if (o.sid == NULL && parent == NULL)
		return ERR_OK;
	return update(s, a, sub, &o);
}

enum err
session_end_all(struct sessions *s, struct arena *a, const char *sub,
    bool deleted, int64_t now, int64_t *valid_after)
{
	struct op o = { OP_END_ALL, NULL, NULL, deleted, 0, now, 0 };
	enum err e = update(s, a, sub, &o);

	if (valid_after != NULL)
		*valid_after = e == ERR_OK ? o.valid_after : now;
	return e;
}

enum err
session_link(struct sessions *s, struct arena *a, const char *sub,
    const char *sid, const char *parent, int64_t exp, int64_t now)
{
	struct op o = { OP_LINK, sid, parent, false, exp, now, 0 };

	if (sid == NULL || parent == NULL || strlen(sid) > SID_MAX)
		return ERR_OK;
	return update(s, a, sub, &o);
}

enum err
session_refresh_check(struct sessions *s, struct arena *a, const char *sub,
    int64_t signin_time, const char *parent, const char **why)
{
	struct json_object *item;
	struct sess_entry e;
	enum err err;

	if (sub == NULL || strlen(sub) > SUB_MAX) {
		*why = "the account is unusable";
		return ERR_UNAUTHENTICATED;
	}
	if ((err = load(s, a, sub, &item)) != ERR_OK) {
		*why = "sign-outs cannot be checked right now";
		return err == ERR_TOO_LARGE ? err : ERR_UNAVAILABLE;
	}
	memset(&e, 0, sizeof(e));
	summarize(&e, item);
	if (e.deleted || signin_time <= e.valid_after) {
		*why = "the sign-in of this refresh token was ended";
		return ERR_UNAUTHENTICATED;
	}
	if (revoked_has(map_of(item, "revoked"), parent)) {
		*why = "the refresh token was revoked";
		return ERR_UNAUTHENTICATED;
	}
	return ERR_OK;
}

void
session_parent(const char *refresh_token, char out[SESSION_PARENT_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[CRYPT_SHA256_LEN];
	size_t i;

	memset(md, 0, sizeof(md));
	(void)crypt_sha256(refresh_token, strlen(refresh_token), md);
	out[0] = 'r';
	out[1] = ':';
	for (i = 0; i < 12; i++) {
		out[2 + 2 * i] = hex[md[i] >> 4];
		out[3 + 2 * i] = hex[md[i] & 15];
	}
	out[SESSION_PARENT_LEN - 1] = '\0';
}

bool
session_refresh_signin(const char *refresh_token, int64_t *t)
{
	const char *p1, *p2;
	struct json_object *o = NULL;
	struct buf b;
	const char *why;
	bool ok = false;

	p1 = strchr(refresh_token, '.');
	p2 = p1 != NULL ? strchr(p1 + 1, '.') : NULL;
	/* Exactly three parts: a JWS; Cognito's five-part JWE is opaque. */
	if (p2 == NULL || strchr(p2 + 1, '.') != NULL)
		return false;
	buf_init(&b, LIM_TOKEN_MAX);
	if (str_b64url_decode(&b, p1 + 1, (size_t)(p2 - p1 - 1)) &&
	    jx_parse(NULL, buf_cstr(&b), b.len, LIM_TOKEN_MAX,
	    TOKEN_JSON_DEPTH, &o, &why) == ERR_OK &&
	    json_object_is_type(o, json_type_object))
		ok = jx_int(o, "iat", 0, TOKEN_TIME_MAX, t);
	json_object_put(o);
	buf_free(&b);
	return ok;
}

void
session_wait_past(int64_t valid_after)
{
	struct timespec now, d;
	int64_t now_ms, until_ms, ms;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	until_ms = (valid_after + 1) * 1000 + WAIT_MARGIN_MS;
	if (until_ms <= now_ms)
		return;
	ms = until_ms - now_ms;
	if (ms > 1000 + WAIT_MARGIN_MS)
		ms = 1000 + WAIT_MARGIN_MS;
	d.tv_sec = (time_t)(ms / 1000);
	d.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&d, &d) != 0)
		;
}
