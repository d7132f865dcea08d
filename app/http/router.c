#include "http/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "handlers/handlers.h"

#define R(m, pat, fn, auth, name) { m, pat, fn, auth, name }

static const struct route routes[] = {
	R(M_GET,    "/healthz",                 h_healthz,        AUTH_NONE,
	  "health.live"),
	R(M_GET,    "/readyz",                  h_readyz,         AUTH_NONE,
	  "health.ready"),
	/* auth_flows.c */
	R(M_POST,   "/api/v1/auth/register",    h_auth_register,  AUTH_NONE,
	  "auth.register"),
	R(M_POST,   "/api/v1/auth/confirm",     h_auth_confirm,   AUTH_NONE,
	  "auth.confirm"),
	R(M_POST,   "/api/v1/auth/resend-code", h_auth_resend,    AUTH_NONE,
	  "auth.resend_code"),
	R(M_POST,   "/api/v1/auth/login",       h_auth_login,     AUTH_NONE,
	  "auth.login"),
	R(M_POST,   "/api/v1/auth/refresh",     h_auth_refresh,   AUTH_NONE,
	  "auth.refresh"),
	R(M_POST,   "/api/v1/auth/logout",      h_auth_logout,    AUTH_BEARER,
	  "auth.logout"),
	R(M_POST,   "/api/v1/auth/forgot-password", h_auth_forgot, AUTH_NONE,
	  "auth.forgot_password"),
	R(M_POST,   "/api/v1/auth/reset-password", h_auth_reset,  AUTH_NONE,
	  "auth.reset_password"),
	R(M_POST,   "/api/v1/auth/change-password", h_auth_change, AUTH_BEARER,
	  "auth.change_password"),
	/* plants.c */
	R(M_GET,    "/api/v1/plants",           h_plants_list,    AUTH_NONE,
	  "plants.list"),
	R(M_POST,   "/api/v1/plants",           h_plants_create,  AUTH_ADMIN,
	  "plants.create"),
	R(M_GET,    "/api/v1/plants/{id}",      h_plants_get,     AUTH_NONE,
	  "plants.get"),
	R(M_PUT,    "/api/v1/plants/{id}",      h_plants_replace, AUTH_ADMIN,
	  "plants.replace"),
	R(M_DELETE, "/api/v1/plants/{id}",      h_plants_delete,  AUTH_ADMIN,
	  "plants.delete"),
	/* recommendations.c */
	R(M_GET,    "/api/v1/recommendations",  h_recommendations, AUTH_BEARER,
	  "recommendations.list"),
	/* users.c */
	R(M_GET,    "/api/v1/users/me",         h_users_get,      AUTH_BEARER,
	  "users.get"),
	R(M_PATCH,  "/api/v1/users/me",         h_users_patch,    AUTH_BEARER,
	  "users.patch"),
	R(M_DELETE, "/api/v1/users/me",         h_users_delete,   AUTH_BEARER,
	  "users.delete"),
	R(M_GET,    "/api/v1/users/me/plants",  h_my_plants_list, AUTH_BEARER,
	  "my_plants.list"),
	R(M_PUT,    "/api/v1/users/me/plants/{plant_id}", h_my_plants_put,
	  AUTH_BEARER, "my_plants.put"),
	R(M_DELETE, "/api/v1/users/me/plants/{plant_id}", h_my_plants_delete,
	  AUTH_BEARER, "my_plants.delete"),
	R(M_POST,   "/api/v1/users/me/plants/{plant_id}/water", h_my_plants_water,
	  AUTH_BEARER, "my_plants.water"),
	/* subscriptions.c */
	R(M_GET,    "/api/v1/plans",            h_plans_list,     AUTH_NONE,
	  "plans.list"),
	R(M_GET,    "/api/v1/subscriptions",    h_subs_list,      AUTH_BEARER,
	  "subscriptions.list"),
	R(M_POST,   "/api/v1/subscriptions",    h_subs_create,    AUTH_BEARER,
	  "subscriptions.create"),
	R(M_GET,    "/api/v1/subscriptions/{id}", h_subs_get,     AUTH_BEARER,
	  "subscriptions.get"),
	R(M_POST,   "/api/v1/subscriptions/{id}/cancel", h_subs_cancel,
	  AUTH_BEARER, "subscriptions.cancel"),
	R(M_GET,    "/api/v1/entitlements",     h_entitlements,   AUTH_BEARER,
	  "entitlements.get"),
	/* billing.c */
	R(M_POST,   "/api/v1/webhooks/stripe",  h_webhook_stripe, AUTH_NONE,
	  "webhooks.stripe"),
	R(M_POST,   "/api/v1/billing/portal",   h_billing_portal, AUTH_BEARER,
	  "billing.portal"),
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
