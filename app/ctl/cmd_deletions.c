/*
 * growvrdctl deletions list | deletions finish
 *
 * Account deletions that DELETE /users/me recorded and left to the
 * background (store/purge.h, http/sweep.h).  list prints every marker:
 * the account's sub, when it was requested, whether the account has
 * ended, and the lease.  finish runs one sweep round now, as a worker's
 * sweeper thread does (taking only markers whose lease has passed, so it
 * is safe beside running workers), and prints what it did: for when no
 * worker runs, or to see a stuck marker's error in the log.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "core/arena.h"
#include "core/limits.h"
#include "ctl/ctl.h"
#include "http/ctx.h"
#include "http/sweep.h"
#include "json/jx.h"
#include "store/purge.h"

static int
list(struct app *app, struct arena *a)
{
	struct json_object *start = NULL;
	struct ddb_page page;
	struct purge p;
	size_t i, n, total = 0;
	int64_t now = (int64_t)time(NULL);
	enum err e;

	do {
		e = purge_list(&app->ddb, a, app->cfg.subscriptions_table, start,
		    SWEEP_LIST_PAGE, &page);
		if (e != ERR_OK) {
			fprintf(stderr, "growvrdctl deletions list: %s\n",
			    err_name(e));
			return 1;
		}
		n = json_object_array_length(page.items);
		for (i = 0; i < n; i++, total++) {
			if (!purge_of(json_object_array_get_idx(page.items, i),
			    &p)) {
				printf("(ill-formed marker)\n");
				continue;
			}
			printf("%s  requested %lld s ago  %s  %s\n", p.sub,
			    (long long)(now - p.requested_at),
			    p.ended ? "ended" : "not ended",
			    p.lease_until >= now ? "leased" : "free");
		}
		start = page.last_key;
	} while (start != NULL);
	printf("deletions: %zu pending\n", total);
	return 0;
}

int
cmd_deletions(int argc, char **argv)
{
	struct sweep_env env;
	struct sweep_stats st;
	struct arena *a, *run;
	struct app app;
	int rc;

	if (argc != 2 || (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "finish") != 0)) {
		fprintf(stderr, "usage: growvrdctl deletions list|finish\n");
		return 2;
	}
	if (!app_open(&app)) {
		app_close(&app);
		return 1;
	}
	a = arena_new(LIM_ARENA_MAX);
	run = arena_new(SWEEP_ARENA_MAX);
	if (strcmp(argv[1], "list") == 0)
		rc = list(&app, a);
	else {
		env.aws = app.aws;
		env.ddb = &app.ddb;
		env.cog = &app.cog;
		env.sessions = app.sessions;
		env.users_table = app.cfg.users_table;
		env.subscriptions_table = app.cfg.subscriptions_table;
		env.stop = NULL;
		sweep_round(&env, a, run, (int64_t)time(NULL), &st);
		printf("deletions: %d seen, %d finished, %d to go on, %d failed\n",
		    st.seen, st.finished, st.continued, st.failed);
		rc = st.failed > 0 ? 1 : 0;
	}
	arena_free(run);
	arena_free(a);
	app_close(&app);
	return rc;
}
