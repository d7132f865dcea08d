#include "core/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define BLOCK_MIN 8192
#define ALIGN     16

struct block {
	struct block *next;
	size_t        size;    /* usable bytes after the header */
	size_t        used;
	_Alignas(ALIGN) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void          (*fn)(void *);
	void           *p;
};

struct arena {
	struct block   *head;
	struct cleanup *cleanups;
	size_t          cap;
	size_t          total;     /* bytes handed out */
	unsigned long   fail_at;   /* test hook; 0 = off */
};

struct arena *
arena_new(size_t cap)
{
	struct arena *a = xcalloc(1, sizeof(*a));

	a->cap = cap;
	return a;
}

static void
run_cleanups(struct arena *a)
{
	struct cleanup *c = a->cleanups;

	/* Registered last, run first: later objects may hold earlier ones. */
	while (c != NULL) {
		struct cleanup *next = c->next;
		c->fn(c->p);
		c = next;
	}
	a->cleanups = NULL;
}

static void
free_blocks(struct block *b)
{
	while (b != NULL) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	run_cleanups(a);
	free_blocks(a->head);
	free(a);
}

void
arena_reset(struct arena *a)
{
	struct block *last;

	run_cleanups(a);
	if (a->head != NULL) {
		/* Keep the oldest (first) block: it is the usual working size. */
		last = a->head;
		while (last->next != NULL) {
			struct block *n = last->next;
			last->next = n->next;
			free(n);
		}
		last->used = 0;
	}
	a->total = 0;
	a->fail_at = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct block *b;
	size_t need, sz;

	if (a->fail_at != 0 && --a->fail_at == 0)
		return NULL;
	need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need < n || (a->cap != 0 && need > a->cap - a->total))
		return NULL;
	b = a->head;
	if (b == NULL || b->size - b->used < need) {
		sz = need > BLOCK_MIN ? need : BLOCK_MIN;
		b = xmalloc(sizeof(*b) + sz);
		b->size = sz;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	a->total += need;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == (size_t)-1 || (p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	char *p;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || (p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

int
arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	struct cleanup *c = arena_alloc(a, sizeof(*c));

	if (c == NULL) {
		fn(p);
		return -1;
	}
	c->fn = fn;
	c->p = p;
	c->next = a->cleanups;
	a->cleanups = c;
	return 0;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}

void
arena_fail_after(struct arena *a, unsigned long n)
{
	a->fail_at = n;
}
