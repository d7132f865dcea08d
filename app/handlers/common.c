#include "handlers/handlers.h"

#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/str.h"
#include "http/req.h"
#include "http/resp.h"
#include "json/jx.h"
#include "store/cursor.h"

enum err
hc_fail(struct ctx *c, enum err e, const char *detail)
{
	c->detail = detail;
	return e;
}

enum err
hc_list_params(struct ctx *c, const char *scope, int *limit,
    struct json_object **start_key)
{
	const char *v;
	size_t n;
	int64_t x;

	*limit = LIM_LIST_DEFAULT;
	*start_key = NULL;
	if ((v = req_query(c->req, "limit", &n)) != NULL) {
		if (!str_to_i64(v, n, 1, LIM_LIST_MAX, &x))
			return hc_fail(c, ERR_INVALID,
			    "limit must be an integer from 1 to 100");
		*limit = (int)x;
	}
	if ((v = req_query(c->req, "cursor", &n)) != NULL &&
	    cursor_decode(c->a, scope, v, n, start_key) != ERR_OK)
		return hc_fail(c, ERR_INVALID,
		    "cursor is not one this list handed out");
	return ERR_OK;
}

enum err
hc_list_answer(struct ctx *c, const char *scope, struct json_object *items,
    struct json_object *next_key)
{
	struct json_object *o = jx_own(c->a, json_object_new_object());
	const char *cur = NULL;

	if (next_key != NULL &&
	    cursor_encode(c->a, scope, next_key, &cur) != ERR_OK)
		return hc_fail(c, ERR_INTERNAL, "cannot make a cursor");
	json_object_object_add(o, "items", json_object_get(items));
	json_object_object_add(o, "next_cursor",
	    cur != NULL ? json_object_new_string(cur) : NULL);
	resp_json(c->resp, 200, o);
	return ERR_OK;
}

enum err
hc_body(struct ctx *c, struct json_object **obj)
{
	const char *why;
	enum err e;

	*obj = NULL;
	if (c->req->body_len == 0)
		return hc_fail(c, ERR_INVALID, "the request needs a JSON body");
	e = jx_parse(c->a, c->req->body, c->req->body_len, LIM_BODY_MAX,
	    LIM_JSON_DEPTH, obj, &why);
	if (e != ERR_OK)
		return hc_fail(c, e, why);
	if (!json_object_is_type(*obj, json_type_object))
		return hc_fail(c, ERR_INVALID, "the body must be a JSON object");
	return ERR_OK;
}

enum err
hc_if_match(struct ctx *c, bool *present, int64_t *version)
{
	const char *v = c->req->if_match;
	size_t n;

	*present = false;
	if (v == NULL)
		return ERR_OK;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (!str_to_i64(v, n, 1, INT64_MAX, version))
		return hc_fail(c, ERR_INVALID,
		    "If-Match must be a version like \"3\"");
	*present = true;
	return ERR_OK;
}

enum err
hc_item_answer(struct ctx *c, int status, struct json_object *item)
{
	int64_t v;

	if (jx_int(item, "version", 0, INT64_MAX, &v))
		resp_header(c->resp, "ETag",
		    arena_printf(c->a, "\"%lld\"", (long long)v));
	resp_json(c->resp, status, item);
	return ERR_OK;
}
