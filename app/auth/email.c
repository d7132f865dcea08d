/*
 * email.c - sub -> verified email: a bounded, expiring cache in front of
 * Cognito AdminGetUser (see email.h).
 */
#include "auth/email.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/cognito.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/xalloc.h"

struct email_entry {
	char    *sub;           /* NULL: free slot */
	char    *email;
	bool     verified;
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
email_cache_get(struct email_cache *c, const char *sub, int64_t now,
    bool *verified)
{
	struct email_entry *e;

	if (verified != NULL)
		*verified = false;
	if (c == NULL || sub == NULL)
		return NULL;
	e = find(c, sub, now);
	if (e != NULL && verified != NULL)
		*verified = e->verified;
	return e != NULL ? e->email : NULL;
}

void
email_cache_drop(struct email_cache *c, const char *sub)
{
	size_t h, i;
	struct email_entry *e;

	if (c == NULL || sub == NULL)
		return;
	h = home(sub);
	for (i = 0; i < EMAIL_CACHE_PROBE; i++) {
		e = &c->slot[(h + i) % EMAIL_CACHE_SLOTS];
		if (e->sub != NULL && strcmp(e->sub, sub) == 0)
			entry_clear(e);
	}
}

void
email_cache_put(struct email_cache *c, const char *sub, const char *email,
    bool verified, int64_t now)
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
	pick->verified = verified;
	pick->expires = now + (verified ? EMAIL_CACHE_TTL :
	    EMAIL_CACHE_UNVERIFIED_TTL);
}

enum err
email_resolve(struct email_cache *c, const struct cog *g, struct arena *a,
    const char *sub, const char **email)
{
	const char *hit, *why = NULL;
	struct cog_user u;
	bool verified;
	enum err e;

	*email = NULL;
	hit = email_cache_get(c, sub, email_cache_now(), &verified);
	if (hit == NULL) {
		e = cog_admin_get_user(g, a, sub, &u, &why);
		switch (e) {
		case ERR_OK:
			break;
		case ERR_NOT_FOUND:
			return ERR_UNAUTHENTICATED;     /* the user is gone */
		case ERR_TOO_LARGE:
			return e;
		default:
			return ERR_UNAVAILABLE;
		}
		if (u.sub != NULL && strcmp(u.sub, sub) != 0) {
			log_kv(LOG_WARN, "AdminGetUser answer does not fit the "
			    "token", "why", "another sub", NULL);
			return ERR_UNAVAILABLE;
		}
		if (u.email == NULL)
			return ERR_FORBIDDEN;
		email_cache_put(c, sub, u.email, u.email_verified,
		    email_cache_now());
		hit = u.email;
		verified = u.email_verified;
	}
	if (!verified)
		return ERR_FORBIDDEN;
	*email = arena_strdup(a, hit);
	return *email != NULL ? ERR_OK : ERR_TOO_LARGE;
}
