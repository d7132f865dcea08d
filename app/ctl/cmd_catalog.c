/*
 * growvrdctl catalog build [--if-missing] | catalog info
 *
 * build Scans the Plants table and installs a new catalog snapshot in
 * GROWVRD_CACHE_DIR (store/catalog_sync.h), under the lock the workers
 * share; with --if-missing it leaves a snapshot of this table alone (the
 * workers start it so when they find none).  info prints what the
 * snapshot holds and how fresh it is.  Run it as the workers' user, so
 * that they can replace what it writes.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "http/ctx.h"
#include "store/catalog.h"
#include "store/catalog_sync.h"

static int
info(struct app *app)
{
	const struct catalog *c;
	struct catalog_info i;
	struct catalog_poll p;
	char poll[256];
	int64_t now = catalog_now_ms();

	if ((c = catalog_sync_get(app->catalog, &app->ddb, now)) == NULL) {
		printf("catalog: no snapshot in %s (a build was started)\n",
		    app->cfg.cache_dir);
		return 1;
	}
	catalog_info(c, &i);
	catalog_sync_poll_status(app->catalog, &p);
	catalog_poll_describe(&p, now, poll, sizeof(poll));
	printf("catalog: %zu plants, built %lld ms ago, changes up to %lld ms "
	    "ago, %s\n", i.count, (long long)(now - i.built_ms),
	    (long long)(now - i.watermark_ms), poll);
	return 0;
}

int
cmd_catalog(int argc, char **argv)
{
	struct app app;
	size_t count = 0;
	int64_t t0;
	enum err e;
	int rc;
	bool build = argc >= 2 && strcmp(argv[1], "build") == 0;
	bool if_missing = build && argc == 3 &&
	    strcmp(argv[2], "--if-missing") == 0;

	if (!((build && (argc == 2 || if_missing)) ||
	    (argc == 2 && strcmp(argv[1], "info") == 0))) {
		fprintf(stderr, "usage: growvrdctl catalog build [--if-missing]"
		    "\n       growvrdctl catalog info\n");
		return 2;
	}
	if (!app_open(&app) || app.catalog == NULL) {
		app_close(&app);
		return 1;
	}
	if (!build) {
		rc = info(&app);
		app_close(&app);
		return rc;
	}
	t0 = catalog_now_ms();
	e = catalog_sync_build(app.catalog, &app.ddb, if_missing, t0, &count);
	if (e == ERR_OK)
		printf("catalog: %zu plants in the snapshot (%lld ms)\n", count,
		    (long long)(catalog_now_ms() - t0));
	else
		fprintf(stderr, "growvrdctl catalog build: %s\n", err_name(e));
	app_close(&app);
	return e == ERR_OK ? 0 : 1;
}
