/*
 * tcache.c - verified tokens by SHA-256, fixed slots (see tcache.h).
 */
#include "auth/tcache.h"

#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "core/arena.h"
#include "core/crypt.h"
#include "core/limits.h"
#include "core/xalloc.h"

struct tcache_entry {
	unsigned char  key[TCACHE_KEY_LEN];
	bool           used;
	bool           is_admin;
	enum token_use use;
	uint64_t       stamp;          /* insertion order, for eviction */
	int64_t        good_until;     /* exp + TOKEN_LEEWAY_SECS */
	int64_t        exp, iat, auth_time;
	size_t         ngroups;
	char           sub[LIM_TCACHE_STR + 1];
	char           username[LIM_TCACHE_STR + 1];
	char           sid[LIM_TCACHE_STR + 1];       /* "" for none */
	char           email[LIM_TCACHE_EMAIL + 1];   /* "" for none */
	bool           has_sid, has_email;
	char           groups[LIM_TCACHE_GROUPS];     /* NUL-separated */
};

struct tcache {
	uint64_t            stamp;
	struct tcache_entry slot[LIM_TCACHE_SLOTS];
};

struct tcache *
tcache_new(void)
{
	return xcalloc(1, sizeof(struct tcache));
}

void
tcache_free(struct tcache *c)
{
	free(c);
}

size_t
tcache_bytes(const struct tcache *c)
{
	(void)c;
	return sizeof(struct tcache);
}

size_t
tcache_count(const struct tcache *c)
{
	size_t i, n = 0;

	for (i = 0; i < LIM_TCACHE_SLOTS; i++)
		n += c->slot[i].used;
	return n;
}

bool
tcache_key(const char *token, size_t len, unsigned char key[TCACHE_KEY_LEN])
{
	return crypt_sha256(token, len, key);
}

/* The first slot of key's neighbourhood: the hash is uniform already. */
static size_t
home(const unsigned char *key)
{
	size_t h = 0;
	int i;

	for (i = 0; i < 4; i++)
		h = (h << 8) | key[i];
	return h % LIM_TCACHE_SLOTS;
}

static struct tcache_entry *
find(struct tcache *c, const unsigned char *key)
{
	size_t h = home(key), i;
	struct tcache_entry *e;

	for (i = 0; i < LIM_TCACHE_PROBE; i++) {
		e = &c->slot[(h + i) % LIM_TCACHE_SLOTS];
		if (e->used && memcmp(e->key, key, TCACHE_KEY_LEN) == 0)
			return e;
	}
	return NULL;
}

/* Copy s (may be NULL) into dst[0..max]; false when it does not fit. */
static bool
copy_in(char *dst, size_t max, const char *s, bool *has)
{
	size_t n;

	if (has != NULL)
		*has = s != NULL;
	if (s == NULL) {
		dst[0] = '\0';
		return true;
	}
	if ((n = strlen(s)) > max)
		return false;
	memcpy(dst, s, n + 1);
	return true;
}

static bool
fill(struct tcache_entry *e, const struct principal *p)
{
	size_t i, n, off = 0;

	if (p->sub == NULL || p->username == NULL ||
	    p->ngroups > LIM_TCACHE_NGROUPS ||
	    !copy_in(e->sub, LIM_TCACHE_STR, p->sub, NULL) ||
	    !copy_in(e->username, LIM_TCACHE_STR, p->username, NULL) ||
	    !copy_in(e->sid, LIM_TCACHE_STR, p->sid, &e->has_sid) ||
	    !copy_in(e->email, LIM_TCACHE_EMAIL, p->email, &e->has_email))
		return false;
	for (i = 0; i < p->ngroups; i++) {
		n = strlen(p->groups[i]);
		if (off + n + 1 > sizeof(e->groups))
			return false;
		memcpy(e->groups + off, p->groups[i], n + 1);
		off += n + 1;
	}
	e->ngroups = p->ngroups;
	e->use = p->token_use;
	e->is_admin = p->is_admin;
	e->exp = p->exp;
	e->iat = p->iat;
	e->auth_time = p->auth_time;
	e->good_until = p->exp + TOKEN_LEEWAY_SECS;
	return true;
}

bool
tcache_put(struct tcache *c, const unsigned char *key,
    const struct principal *p)
{
	struct tcache_entry *e, *pick = NULL;
	size_t h = home(key), i;

	if (c == NULL)
		return false;
	/* key's own slot, else a free one, else the oldest. */
	for (i = 0; i < LIM_TCACHE_PROBE; i++) {
		e = &c->slot[(h + i) % LIM_TCACHE_SLOTS];
		if (e->used && memcmp(e->key, key, TCACHE_KEY_LEN) == 0) {
			pick = e;
			break;
		}
		if (pick == NULL || (pick->used && (!e->used ||
		    e->stamp < pick->stamp)))
			pick = e;
	}
	memset(pick, 0, sizeof(*pick));
	if (!fill(pick, p)) {
		memset(pick, 0, sizeof(*pick));
		return false;
	}
	memcpy(pick->key, key, TCACHE_KEY_LEN);
	pick->stamp = ++c->stamp;
	pick->used = true;
	return true;
}

/* The groups of e as an arena array; false when a is full. */
static bool
groups_out(const struct tcache_entry *e, struct arena *a,
    struct principal *p)
{
	const char **g;
	const char *s = e->groups;
	size_t i;

	if (e->ngroups == 0)
		return true;
	if ((g = arena_alloc(a, e->ngroups * sizeof(*g))) == NULL)
		return false;
	for (i = 0; i < e->ngroups; i++) {
		if ((g[i] = arena_strdup(a, s)) == NULL)
			return false;
		s += strlen(s) + 1;
	}
	p->groups = g;
	p->ngroups = e->ngroups;
	return true;
}

enum err
tcache_get(struct tcache *c, const unsigned char *key, enum token_use use,
    int64_t now, struct arena *a, struct principal *p, const char **why)
{
	struct tcache_entry *e;

	if (c == NULL || (e = find(c, key)) == NULL)
		return ERR_NOT_FOUND;
	if (now >= e->good_until) {
		memset(e, 0, sizeof(*e));
		return ERR_NOT_FOUND;
	}
	if (use != TOKEN_USE_ANY && use != e->use) {
		*why = use == TOKEN_USE_ACCESS ? "the token is not an access token" :
		    "the token is not an ID token";
		return ERR_UNAUTHENTICATED;
	}
	memset(p, 0, sizeof(*p));
	p->sub = arena_strdup(a, e->sub);
	p->username = arena_strdup(a, e->username);
	p->email = e->has_email ? arena_strdup(a, e->email) : NULL;
	p->sid = e->has_sid ? arena_strdup(a, e->sid) : NULL;
	if (p->sub == NULL || p->username == NULL ||
	    (e->has_email && p->email == NULL) ||
	    (e->has_sid && p->sid == NULL) || !groups_out(e, a, p)) {
		*why = "the request is out of memory";
		return ERR_TOO_LARGE;
	}
	p->token_use = e->use;
	p->is_admin = e->is_admin;
	p->exp = e->exp;
	p->iat = e->iat;
	p->auth_time = e->auth_time;
	return ERR_OK;
}

size_t
tcache_drop_sub(struct tcache *c, const char *sub)
{
	size_t i, n = 0;

	if (c == NULL || sub == NULL)
		return 0;
	for (i = 0; i < LIM_TCACHE_SLOTS; i++)
		if (c->slot[i].used && strcmp(c->slot[i].sub, sub) == 0) {
			memset(&c->slot[i], 0, sizeof(c->slot[i]));
			n++;
		}
	return n;
}
