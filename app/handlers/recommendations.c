/* recommendations.c - not written yet: every route answers 501. */
#include "handlers/handlers.h"

enum err
h_recommendations(struct ctx *c)
{
	return hc_fail(c, ERR_UNSUPPORTED, "not implemented yet");
}
