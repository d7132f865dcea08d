/*
 * test_tcache.c - the verified-token cache: hits, expiry, eviction, the
 * memory bound, revocation, and the LIM_TCACHE_* boundaries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/tcache.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/limits.h"
#include "harness.h"

static struct arena *ar;

static void
key_of(unsigned i, unsigned char key[TCACHE_KEY_LEN])
{
	char tok[32];

	snprintf(tok, sizeof(tok), "token-%u", i);
	if (!tcache_key(tok, strlen(tok), key))
		abort();
}

static struct principal
pr(const char *sub, int64_t exp)
{
	struct principal p;

	memset(&p, 0, sizeof(p));
	p.sub = sub;
	p.username = "user";
	p.token_use = TOKEN_USE_ACCESS;
	p.exp = exp;
	p.iat = exp - 3600;
	p.auth_time = exp - 3600;
	p.sid = "ev";
	return p;
}

static enum err
get(struct tcache *c, const unsigned char *key, int64_t now,
    struct principal *out)
{
	const char *why = NULL;

	arena_reset(ar);
	return tcache_get(c, key, TOKEN_USE_ANY, now, ar, out, &why);
}

static void
test_basic(struct tcache *c)
{
	unsigned char k1[TCACHE_KEY_LEN], k2[TCACHE_KEY_LEN];
	struct principal p = pr("sub-1", 1000), out;
	const char *why;

	key_of(1, k1);
	key_of(2, k2);

	CASE("a put is found, with every field, until exp + leeway");
	CHECK(tcache_put(c, k1, &p));
	CHECK(get(c, k1, 900, &out) == ERR_OK);
	CHECK_STR(out.sub, "sub-1");
	CHECK_STR(out.username, "user");
	CHECK_STR(out.sid, "ev");
	CHECK(out.email == NULL && out.exp == 1000 && out.auth_time == 1000 -
	    3600);
	CHECK(get(c, k1, 1000 + TOKEN_LEEWAY_SECS - 1, &out) == ERR_OK);
	CHECK(get(c, k2, 900, &out) == ERR_NOT_FOUND);
	END_CASE();

	CASE("expiry: at exp + leeway the entry is gone and dropped");
	CHECK(get(c, k1, 1000 + TOKEN_LEEWAY_SECS, &out) == ERR_NOT_FOUND);
	CHECK(tcache_count(c) == 0);
	CHECK(get(c, k1, 900, &out) == ERR_NOT_FOUND);
	END_CASE();

	CASE("the use asked for must match the cached token's");
	CHECK(tcache_put(c, k1, &p));
	arena_reset(ar);
	CHECK(tcache_get(c, k1, TOKEN_USE_ID, 900, ar, &out, &why) ==
	    ERR_UNAUTHENTICATED);
	CHECK_STR(why, "the token is not an ID token");
	END_CASE();

	CASE("revocation drops every entry of the user, only theirs");
	p = pr("sub-2", 1000);
	CHECK(tcache_put(c, k2, &p));
	CHECK(tcache_count(c) == 2);
	CHECK(tcache_drop_sub(c, "sub-1") == 1);
	CHECK(get(c, k1, 900, &out) == ERR_NOT_FOUND);
	CHECK(get(c, k2, 900, &out) == ERR_OK);
	CHECK(tcache_drop_sub(c, "sub-2") == 1);
	CHECK(tcache_count(c) == 0);
	END_CASE();

	CASE("an arena out of room is ERR_TOO_LARGE, nothing half-filled");
	p = pr("sub-1", 1000);
	CHECK(tcache_put(c, k1, &p));
	arena_reset(ar);
	arena_fail_after(ar, 1);
	CHECK(tcache_get(c, k1, TOKEN_USE_ANY, 900, ar, &out, &why) ==
	    ERR_TOO_LARGE);
	arena_fail_after(ar, 0);
	CHECK(tcache_drop_sub(c, "sub-1") == 1);
	END_CASE();
}

static void
test_limits(struct tcache *c)
{
	unsigned char k[TCACHE_KEY_LEN];
	char sub[LIM_TCACHE_STR + 2], email[LIM_TCACHE_EMAIL + 2];
	const char *groups[LIM_TCACHE_NGROUPS + 1];
	struct principal p, out;
	size_t i;

	key_of(7, k);
	memset(sub, 's', sizeof(sub));
	memset(email, 'e', sizeof(email));

	CASE("LIM_TCACHE_STR: a sub of exactly the limit is cached, +1 not");
	sub[LIM_TCACHE_STR] = '\0';
	p = pr(sub, 1000);
	CHECK(tcache_put(c, k, &p));
	CHECK(get(c, k, 900, &out) == ERR_OK && strlen(out.sub) ==
	    LIM_TCACHE_STR);
	tcache_drop_sub(c, sub);
	sub[LIM_TCACHE_STR] = 's';
	sub[LIM_TCACHE_STR + 1] = '\0';
	p = pr(sub, 1000);
	CHECK(!tcache_put(c, k, &p));
	CHECK(tcache_count(c) == 0);
	END_CASE();

	CASE("LIM_TCACHE_EMAIL: exactly the limit is cached, +1 not");
	p = pr("sub-e", 1000);
	email[LIM_TCACHE_EMAIL] = '\0';
	p.email = email;
	CHECK(tcache_put(c, k, &p));
	CHECK(get(c, k, 900, &out) == ERR_OK && strlen(out.email) ==
	    LIM_TCACHE_EMAIL);
	email[LIM_TCACHE_EMAIL] = 'e';
	email[LIM_TCACHE_EMAIL + 1] = '\0';
	CHECK(!tcache_put(c, k, &p));
	CHECK(get(c, k, 900, &out) == ERR_NOT_FOUND);
	END_CASE();

	CASE("LIM_TCACHE_NGROUPS: exactly the limit is cached, +1 not");
	for (i = 0; i <= LIM_TCACHE_NGROUPS; i++)
		groups[i] = i == 0 ? "admin" : "g";
	p = pr("sub-g", 1000);
	p.groups = groups;
	p.ngroups = LIM_TCACHE_NGROUPS;
	p.is_admin = true;
	CHECK(tcache_put(c, k, &p));
	CHECK(get(c, k, 900, &out) == ERR_OK && out.ngroups ==
	    LIM_TCACHE_NGROUPS && out.is_admin);
	CHECK_STR(out.groups[0], "admin");
	p.ngroups = LIM_TCACHE_NGROUPS + 1;
	CHECK(!tcache_put(c, k, &p));
	tcache_drop_sub(c, "sub-g");
	END_CASE();
}

static void
test_bound(struct tcache *c)
{
	unsigned char k[TCACHE_KEY_LEN], first[TCACHE_KEY_LEN];
	struct principal p = pr("many", 1000), out;
	size_t bytes = tcache_bytes(c);
	unsigned i, hits = 0;

	CASE("memory bound: 8x LIM_TCACHE_SLOTS puts, count <= slots, "
	    "bytes unchanged");
	key_of(0, first);
	for (i = 0; i < 8 * LIM_TCACHE_SLOTS; i++) {
		key_of(i, k);
		CHECK(tcache_put(c, k, &p));
	}
	CHECK(tcache_count(c) <= LIM_TCACHE_SLOTS);
	CHECK(tcache_count(c) > LIM_TCACHE_SLOTS / 2);
	CHECK(tcache_bytes(c) == bytes);
	END_CASE();

	CASE("eviction: the oldest entries went first");
	CHECK(get(c, first, 900, &out) == ERR_NOT_FOUND);
	for (i = 7 * LIM_TCACHE_SLOTS; i < 8 * LIM_TCACHE_SLOTS; i++) {
		key_of(i, k);
		hits += get(c, k, 900, &out) == ERR_OK;
	}
	/* The newest slot-count of keys mostly survive. */
	CHECK(hits > LIM_TCACHE_SLOTS / 2);
	i = (unsigned)tcache_count(c);
	CHECK(tcache_drop_sub(c, "many") == i);
	CHECK(tcache_count(c) == 0);
	END_CASE();
}

int
main(void)
{
	struct tcache *c = tcache_new();

	ar = arena_new(LIM_ARENA_MAX);
	test_basic(c);
	test_limits(c);
	test_bound(c);
	tcache_free(c);
	arena_free(ar);
	return harness_done();
}
