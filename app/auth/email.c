/*
 * email.c - sub -> email for access tokens: a bounded, expiring cache in
 * front of Cognito GetUser (see email.h).
 */
#include "auth/email.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/principal.h"
#include "aws/cognito.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "http/ctx.h"

struct email_entry {
	char    *sub;           /* NULL: free slot */
	char    *email;
	int64_t  expires;       /* monotonic seconds */
};

struct email_cache {
	struct email_entry slot[EMAIL_CACHE_SLOTS];
};

struct email_cache *
email_cache_new(void)
{
	return xcalloc(1, sizeof(struct email_cache));
}

static void
entry_clear(struct email_entry *e)
{
	free(e->sub);
	free(e->email);
	memset(e, 0, sizeof(*e));
}

void
email_cache_free(struct email_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < EMAIL_CACHE_SLOTS; i++)
		entry_clear(&c->slot[i]);
	free(c);
}

int64_t
email_cache_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* FNV-1a: the first slot of sub's neighbourhood. */
static size_t
home(const char *sub)
{
	uint32_t h = 2166136261u;

	for (; *sub != '\0'; sub++) {
		h ^= (unsigned char)*sub;
		h *= 16777619u;
	}
	return h % EMAIL_CACHE_SLOTS;
}

/* The live entry of sub, or NULL. */
static struct email_entry *
find(struct email_cache *c, const char *sub, int64_t now)
{
	size_t h = home(sub), i;
	struct email_entry *e;

	for (i = 0; i < EMAIL_CACHE_PROBE; i++) {
		e = &c->slot[(h + i) % EMAIL_CACHE_SLOTS];
		if (e->sub != NULL && strcmp(e->sub, sub) == 0)
			return e->expires > now ? e : NULL;
	}
	return NULL;
}

const char *
email_cache_get(struct email_cache *c, const char *sub, int64_t now)
{
	struct email_entry *e;

	if (c == NULL || sub == NULL)
		return NULL;
	e = find(c, sub, now);
	return e != NULL ? e->email : NULL;
}

void
email_cache_put(struct email_cache *c, const char *sub, const char *email,
    int64_t now)
{
	struct email_entry *e, *pick = NULL;
	size_t h, i;

	if (c == NULL || sub == NULL || email == NULL || *sub == '\0' ||
	    strlen(sub) > COG_USERNAME_MAX || strlen(email) > COG_EMAIL_MAX)
		return;
	h = home(sub);
	/* sub's own slot, else a free or expired one, else the oldest. */
	for (i = 0; i < EMAIL_CACHE_PROBE; i++) {
		e = &c->slot[(h + i) % EMAIL_CACHE_SLOTS];
		if (e->sub != NULL && strcmp(e->sub, sub) == 0) {
			pick = e;
			break;
		}
		if (pick == NULL || (pick->sub != NULL &&
		    (e->sub == NULL || e->expires <= now ||
		    e->expires < pick->expires)))
			pick = e;
	}
	entry_clear(pick);
	pick->sub = xstrdup(sub);
	pick->email = xstrdup(email);
	pick->expires = now + EMAIL_CACHE_TTL;
}

enum err
email_resolve(struct app *app, struct arena *a, struct principal *p,
    const char *access_token)
{
	struct email_cache *cache = app != NULL ? app->emails : NULL;
	const char *hit, *why = NULL;
	struct cog_user u;
	enum err e;

	hit = email_cache_get(cache, p->sub, email_cache_now());
	if (hit != NULL) {
		p->email = arena_strdup(a, hit);
		return p->email != NULL ? ERR_OK : ERR_TOO_LARGE;
	}
	e = cog_get_user(app, a, access_token, &u, &why);
	switch (e) {
	case ERR_OK:
		break;
	case ERR_UNAUTHENTICATED:
	case ERR_NOT_FOUND:
		return ERR_UNAUTHENTICATED;     /* revoked, or user gone */
	case ERR_UNSUPPORTED:
	case ERR_TOO_LARGE:
		return e;
	default:
		return ERR_UNAVAILABLE;
	}
	if (u.email == NULL || (u.sub != NULL && strcmp(u.sub, p->sub) != 0)) {
		log_kv(LOG_WARN, "GetUser answer does not fit the token",
		    "why", u.email == NULL ? "no email" : "another sub", NULL);
		return ERR_UNAVAILABLE;
	}
	email_cache_put(cache, p->sub, u.email, email_cache_now());
	p->email = u.email;             /* already in a */
	return ERR_OK;
}
