/* subscriptions.c - not written yet: every route answers 501. */
#include "handlers/handlers.h"

enum err
h_plans_list(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_subs_list(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_subs_create(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_subs_get(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_subs_cancel(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_entitlements(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}
