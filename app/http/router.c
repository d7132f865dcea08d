#include "http/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"

static const struct route routes[] = {
	{ M_GET,    "/healthz",                 h_healthz,      AUTH_NONE,
	  "health.live" },
	{ M_GET,    "/readyz",                  h_readyz,       AUTH_NONE,
	  "health.ready" },
	{ M_GET,    "/api/v1/plants",           h_plants_list,  AUTH_NONE,
	  "plants.list" },
	{ M_GET,    "/api/v1/plants/{id}",      h_plants_get,   AUTH_NONE,
	  "plants.get" },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

const struct route *
router_table(size_t *n)
{
	*n = NROUTES;
	return routes;
}

/* Does pattern match the request's segments?  Captures into params. */
static bool
match_path(const char *pattern, const struct req *r, const char **params)
{
	const char *p = pattern + 1, *end;
	size_t i = 0, np = 0, len;

	if (*p == '\0')
		return r->nseg == 0;
	for (;;) {
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (i == r->nseg)
			return false;
		if (len > 2 && p[0] == '{' && p[len - 1] == '}') {
			if (r->seg[i][0] == '\0' || np == CTX_PARAMS_MAX)
				return false;
			params[np++] = r->seg[i];
		} else if (strlen(r->seg[i]) != len ||
		    memcmp(r->seg[i], p, len) != 0)
			return false;
		i++;
		if (end == NULL)
			return i == r->nseg;
		p = end + 1;
	}
}

static void
add_allow(char *allow, size_t size, const char *m)
{
	size_t n = strlen(allow);

	if (strstr(allow, m) != NULL)
		return;
	snprintf(allow + n, size - n, "%s%s", n ? ", " : "", m);
}

enum err
router_match(const struct req *r, struct route_match *m)
{
	const char *params[CTX_PARAMS_MAX];
	enum http_method want = r->method == M_HEAD ? M_GET : r->method;
	bool path_known = false;
	size_t i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < NROUTES; i++) {
		memset(params, 0, sizeof(params));
		if (!match_path(routes[i].pattern, r, params))
			continue;
		path_known = true;
		add_allow(m->allow, sizeof(m->allow),
		    req_method_name(routes[i].method));
		if (routes[i].method == M_GET)
			add_allow(m->allow, sizeof(m->allow), "HEAD");
		if (routes[i].method != want)
			continue;
		m->route = &routes[i];
		memcpy(m->param, params, sizeof(params));
		return ERR_OK;
	}
	return path_known ? ERR_METHOD : ERR_NOT_FOUND;
}
