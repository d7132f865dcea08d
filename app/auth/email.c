/* email.c - not written yet: resolution answers ERR_UNSUPPORTED. */
#include "auth/email.h"

#include <stdlib.h>

struct email_cache {
	int unused;
};

struct email_cache *
email_cache_new(void)
{
	return calloc(1, sizeof(struct email_cache));
}

void
email_cache_free(struct email_cache *c)
{
	free(c);
}

enum err
email_resolve(struct app *app, struct arena *a, struct principal *p,
    const char *access_token)
{
	(void)app;
	(void)a;
	(void)p;
	(void)access_token;
	return ERR_UNSUPPORTED;
}
