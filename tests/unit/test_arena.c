#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "harness.h"

static int cleaned;

static void
count_cleanup(void *p)
{
	(void)p;
	cleaned++;
}

int
main(void)
{
	struct arena *a;
	char *s;
	void *p;

	CASE("arena allocates, aligns and zeroes");
	a = arena_new(1 << 20);
	p = arena_alloc(a, 3);
	CHECK(p != NULL && ((uintptr_t)p % 16) == 0);
	p = arena_alloc(a, 100000);        /* bigger than a block */
	CHECK(p != NULL && ((unsigned char *)p)[99999] == 0);
	s = arena_printf(a, "%s-%d", "x", 42);
	CHECK_STR(s, "x-42");
	arena_free(a);
	END_CASE();

	CASE("arena cap refuses and cleanups run in reverse");
	a = arena_new(1024);
	CHECK(arena_alloc(a, 2000) == NULL);
	CHECK(arena_alloc(a, 512) != NULL);
	cleaned = 0;
	CHECK(arena_defer(a, count_cleanup, NULL) == 0);
	CHECK(arena_defer(a, count_cleanup, NULL) == 0);
	arena_reset(a);
	CHECK(cleaned == 2);
	CHECK(arena_used(a) == 0);
	CHECK(arena_alloc(a, 512) != NULL);
	arena_free(a);
	END_CASE();

	CASE("arena_defer past the cap still releases the object");
	a = arena_new(16);
	CHECK(arena_alloc(a, 16) != NULL);
	cleaned = 0;
	CHECK(arena_defer(a, count_cleanup, NULL) == -1);
	CHECK(cleaned == 1);
	arena_free(a);
	END_CASE();

	CASE("arena_fail_after fails exactly the nth allocation");
	a = arena_new(0);
	arena_fail_after(a, 3);
	CHECK(arena_alloc(a, 1) != NULL);
	CHECK(arena_alloc(a, 1) != NULL);
	CHECK(arena_alloc(a, 1) == NULL);
	CHECK(arena_alloc(a, 1) != NULL);
	arena_free(a);
	END_CASE();

	return harness_done();
}
