/* users.c - not written yet: every route answers 501. */
#include "handlers/handlers.h"

enum err
h_users_get(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_users_patch(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_users_delete(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_my_plants_list(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_my_plants_put(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_my_plants_delete(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_my_plants_water(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}
