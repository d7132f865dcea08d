/*
 * arena.h - per-request memory.
 *
 * One arena is created when a request is accepted and destroyed when its
 * response is done; everything request-scoped comes from it and nothing
 * in it is freed piece by piece.  Objects with their own destructor
 * (json_object_put, curl_slist_free_all, ...) register a cleanup with
 * arena_defer(); cleanups run in reverse order at arena_free().
 *
 * The arena has a cap: an allocation that would pass it returns NULL, an
 * input error the caller turns into 413/400.  A real malloc failure
 * aborts the process (the service manager restarts the worker).
 * Worker-lifetime objects must never point into an arena.
 */
#ifndef GROWVRD_ARENA_H
#define GROWVRD_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* arena_new - a new arena that hands out at most cap bytes in all. */
struct arena *arena_new(size_t cap);

/* arena_free - run the cleanups, release all memory.  NULL is a no-op. */
void arena_free(struct arena *a);

/* arena_reset - as arena_free, but keep the first block for reuse. */
void arena_reset(struct arena *a);

/* arena_alloc - n bytes, zeroed, aligned for any type; NULL past the cap. */
void *arena_alloc(struct arena *a, size_t n);

/* arena_strndup - a NUL-terminated copy of s[0..n); NULL past the cap. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* arena_strdup - a copy of the C string s; NULL past the cap. */
char *arena_strdup(struct arena *a, const char *s);

/* arena_printf - a formatted string; NULL past the cap. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * arena_defer - call fn(p) when the arena is freed or reset.  Returns 0,
 * or -1 past the cap, in which case fn(p) has already been called so the
 * object is never leaked.
 */
int arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* arena_used - bytes handed out so far (for tests and logs). */
size_t arena_used(const struct arena *a);

/*
 * arena_fail_after - test hook: make the nth allocation from now fail as
 * if the cap were reached (0 turns it off).  Used by failure-path tests.
 */
void arena_fail_after(struct arena *a, unsigned long n);

#endif
