/*
 * growvrd-fcgi - the GrowVRD worker.
 *
 * Loads the configuration from the environment, builds the worker-
 * lifetime state (struct app), then serves FastCGI requests on fd 0 one
 * at a time, each with its own arena, until SIGTERM: the request in
 * flight is finished first.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/jwks.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/ctx.h"
#include "http/fcgi.h"
#include "http/live.h"
#include "http/sweep.h"
#include "store/catalog_sync.h"
#include "core/deadline.h"
#include "aws/aws.h"
#include "http/server.h"

static void
on_term(int sig)
{
	(void)sig;
	fcgi_request_shutdown();
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked accept must return to see the flag. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* While idle (no request waiting), at most once a second: check the
 * catalog snapshot (a build starts when it is missing) and tell the
 * health thread its state for /readyz.  Never between a request and the
 * next one waiting, which must not wait for it; its own short deadline
 * bounds the delay of a request that comes meanwhile. */
#define CATALOG_CHECK_MS     1000
#define CATALOG_DEADLINE_MS  500

static void
publish_catalog(void *arg)
{
	static int64_t last;
	struct app *app = arg;
	int64_t now = deadline_now_ms();
	const char *state;

	if (last != 0 && now - last < CATALOG_CHECK_MS)
		return;
	last = now;
	if (app->catalog == NULL) {
		live_set_catalog("no cache directory");
		return;
	}
	aws_request_begin(app->aws, now + CATALOG_DEADLINE_MS);
	state = catalog_sync_get(app->catalog, &app->ddb, catalog_now_ms()) !=
	    NULL ? "ok" : "loading";
	aws_request_begin(app->aws, 0);
	live_set_catalog(state);
}

int
main(int argc, char **argv)
{
	struct app app;
	struct fcgi *f;
	struct arena *a;
	const char *why, *health;

	if (!app_open(&app) || !app_load_plans(&app)) {
		app_close(&app);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "--check") == 0) {
		printf("configuration ok\n");
		app_close(&app);
		return 0;
	}
	install_signals();
	if ((f = fcgi_open()) == NULL) {
		log_kv(LOG_ERROR, "fd 0 is not a listening socket; run under "
		    "spawn-fcgi or a systemd socket unit", NULL);
		app_close(&app);
		return 1;
	}
	/* /healthz and /readyz beside the worker (http/live.h); after
	 * fcgi_open, so its threads start with the stop signals blocked. */
	health = getenv("GROWVRD_HEALTH_SOCKET");
	if (health != NULL && health[0] != '\0' &&
	    !live_start(&app, health)) {
		live_stop();
		fcgi_close(f);
		app_close(&app);
		return 1;
	}
	/* Account deletions left to the background (http/sweep.h). */
	if (!sweep_start(&app)) {
		live_stop();
		fcgi_close(f);
		app_close(&app);
		return 1;
	}
	if (app.cfg.jwks_url[0] != '\0' &&
	    jwks_refresh(app.jwks, token_now(), &why) != ERR_OK)
		log_kv(LOG_WARN, "JWKS not loaded yet; /readyz retries", "why",
		    why, NULL);
	log_kv(LOG_INFO, "worker ready", "dynamodb", app.cfg.dynamodb_endpoint,
	    "region", app.cfg.region, NULL);
	a = arena_new(LIM_ARENA_MAX);
	if (health != NULL && health[0] != '\0') {
		publish_catalog(&app);
		fcgi_set_idle(f, publish_catalog, &app, CATALOG_CHECK_MS);
	}
	while (fcgi_accept(f)) {
		live_busy();
		server_handle(&app, f, a);
		fcgi_finish(f);
		arena_reset(a);
		live_idle();
	}
	metrics_flush();
	log_kv(LOG_INFO, "worker stopping", NULL);
	live_stop();
	/* No teardown beside a sweeper's run (http/sweep.h). */
	if (!sweep_stop()) {
		log_kv(LOG_WARN, "worker stopping during an account deletion's "
		    "run; it is run again when its lease passes", NULL);
		_exit(0);
	}
	arena_free(a);
	fcgi_close(f);
	app_close(&app);
	return 0;
}
