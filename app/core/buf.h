/*
 * buf.h - a bounded, growable byte buffer.
 *
 * Every buffer gets its maximum at init (a constant of core/limits.h);
 * appending past it fails and leaves the buffer as it was.  The data is
 * always NUL-terminated so it can be handed to C string functions.  The
 * owner calls buf_free(); a request-scoped buffer registers buf_free on
 * the request's arena with buf_defer().
 */
#ifndef GROWVRD_BUF_H
#define GROWVRD_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

struct buf {
	char   *data;  /* NUL-terminated; NULL until the first append */
	size_t  len;
	size_t  cap;
	size_t  max;   /* len never passes max */
};

/* buf_init - an empty buffer that will hold at most max bytes. */
void buf_init(struct buf *b, size_t max);

/* buf_free - release the memory; the buffer is empty again. */
void buf_free(struct buf *b);

/* buf_defer - buf_free(b) when arena a is released. */
void buf_defer(struct buf *b, struct arena *a);

/* buf_reset - length 0, memory kept. */
void buf_reset(struct buf *b);

/* buf_append - add n bytes; false (nothing added) past the maximum. */
bool buf_append(struct buf *b, const void *p, size_t n);

/* buf_puts - add a C string. */
bool buf_puts(struct buf *b, const char *s);

/* buf_putc - add one byte. */
bool buf_putc(struct buf *b, char c);

/* buf_printf - add formatted text. */
bool buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* buf_cstr - the contents as a C string ("" when empty). */
const char *buf_cstr(const struct buf *b);

#endif
