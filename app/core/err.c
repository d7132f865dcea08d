#include "core/err.h"

static const char *const names[ERR__MAX] = {
	"ok",              /* ERR_OK */
	"invalid",         /* ERR_INVALID */
	"too_large",       /* ERR_TOO_LARGE */
	"not_found",       /* ERR_NOT_FOUND */
	"exists",          /* ERR_EXISTS */
	"conflict",        /* ERR_CONFLICT */
	"precondition",    /* ERR_PRECONDITION */
	"unauthenticated", /* ERR_UNAUTHENTICATED */
	"forbidden",       /* ERR_FORBIDDEN */
	"throttled",       /* ERR_THROTTLED */
	"quota",           /* ERR_QUOTA */
	"unavailable",     /* ERR_UNAVAILABLE */
	"upstream",        /* ERR_UPSTREAM */
	"unsupported",     /* ERR_UNSUPPORTED */
	"internal",        /* ERR_INTERNAL */
	"method",          /* ERR_METHOD */
	"media_type",      /* ERR_MEDIA_TYPE */
	"unprocessable",   /* ERR_UNPROCESSABLE */
};

const char *
err_name(enum err e)
{
	if ((unsigned)e >= ERR__MAX)
		return "unknown";
	return names[e];
}
