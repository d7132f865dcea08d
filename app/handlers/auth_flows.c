/* auth_flows.c - not written yet: every route answers 501. */
#include "handlers/handlers.h"

enum err
h_auth_register(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_auth_confirm(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_auth_resend(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_auth_login(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_auth_refresh(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_auth_logout(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_auth_forgot(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_auth_reset(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}

enum err
h_auth_change(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}
