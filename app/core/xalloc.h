/*
 * xalloc.h - worker-lifetime allocation that never returns NULL.
 *
 * A failed malloc aborts the process, as redis' zmalloc does: the service
 * manager restarts the worker, and no caller carries ENOMEM paths.
 */
#ifndef GROWVRD_XALLOC_H
#define GROWVRD_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
