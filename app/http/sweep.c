#include "http/sweep.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/session.h"
#include "aws/aws.h"
#include "aws/cognito.h"
#include "aws/ddb.h"
#include "core/arena.h"
#include "core/deadline.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "http/ctx.h"
#include "json/jx.h"
#include "net/httpc.h"
#include "store/purge.h"

/*
 * End the account of p if it is not yet: its Cognito user (only while
 * that username still has p's sub: a username such as an email can be
 * taken again after the deletion) and the deleted mark.
 */
static enum err
end_account(const struct sweep_env *env, struct arena *a,
    const struct purge *p, int64_t now)
{
	const char *username = p->username != NULL ? p->username : p->sub;
	struct cog_user u;
	const char *why = NULL;
	enum err e;

	e = cog_admin_get_user(env->cog, a, username, &u, &why);
	if (e == ERR_OK && u.sub != NULL && strcmp(u.sub, p->sub) == 0)
		e = cog_admin_delete_user(env->cog, a, username);
	else if (e == ERR_OK)
		e = ERR_NOT_FOUND;      /* another account's now */
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	return session_end_all(env->sessions, a, p->sub, true, now, NULL);
}

/* Run one claimable marker: the steps of sweep.h. */
static void
run_one(const struct sweep_env *env, struct arena *a, const struct purge *p,
    int64_t now, struct sweep_stats *st)
{
	const char *subs = env->subscriptions_table;
	bool done = false;
	enum err e;

	aws_request_begin(env->aws, deadline_now_ms() + SWEEP_RUN_MS);
	e = purge_claim(env->ddb, a, subs, p->sub, now, now + SWEEP_LEASE_S);
	if (e == ERR_PRECONDITION)
		goto out;               /* another took it meanwhile */
	if (e == ERR_OK && !p->ended)
		e = end_account(env, a, p, now);
	if (e == ERR_OK)
		e = purge_data(env->ddb, a, env->users_table, subs, p,
		    SWEEP_RUN_PAGES, &done);
	if (e == ERR_OK && done) {
		e = purge_finish(env->ddb, a, subs, p->sub);
		if (e == ERR_OK) {
			st->finished++;
			log_kv(LOG_INFO, "sweep: account deletion finished",
			    NULL);
			goto out;
		}
	} else if (e == ERR_OK) {
		e = purge_release(env->ddb, a, subs, p->sub, true, 0);
		if (e == ERR_OK) {
			st->continued++;
			goto out;
		}
	}
	st->failed++;
	log_kv(LOG_WARN, "sweep: account deletion not finished; retried when "
	    "its lease passes", "error", err_name(e), NULL);
out:
	aws_request_begin(env->aws, 0);
}

/* The last listing failed (sweep_round runs on one thread). */
static bool list_failing;

void
sweep_round(const struct sweep_env *env, struct arena *list,
    struct arena *run, int64_t now, struct sweep_stats *st)
{
	struct json_object *start = NULL;
	struct ddb_page page;
	struct purge p;
	size_t i, n;
	int pages;
	enum err e;

	memset(st, 0, sizeof(*st));
	for (pages = 0; pages < SWEEP_LIST_PAGES; pages++) {
		aws_request_begin(env->aws, deadline_now_ms() + SWEEP_LIST_MS);
		e = purge_list(env->ddb, list, env->subscriptions_table, start,
		    SWEEP_LIST_PAGE, &page);
		aws_request_begin(env->aws, 0);
		if (e != ERR_OK) {
			/* Once per outage, not every round. */
			if (!list_failing)
				log_kv(LOG_WARN, "sweep: markers cannot be read; "
				    "retried every round", "error", err_name(e),
				    NULL);
			list_failing = true;
			break;
		}
		list_failing = false;
		n = json_object_array_length(page.items);
		for (i = 0; i < n; i++) {
			if (env->stop != NULL && atomic_load(env->stop))
				break;
			st->seen++;
			if (!purge_of(json_object_array_get_idx(page.items, i),
			    &p)) {
				log_kv(LOG_ERROR, "sweep: ill-formed marker",
				    NULL);
				continue;
			}
			if (p.lease_until >= now)
				continue;
			run_one(env, run, &p, now, st);
			arena_reset(run);
		}
		if ((start = page.last_key) == NULL ||
		    (env->stop != NULL && atomic_load(env->stop)))
			break;
	}
	arena_reset(list);
}

/* ---- the thread ---------------------------------------------------- */

static struct {
	struct httpc    *http;
	struct aws      *aws;
	struct ddb       ddb;
	struct cog       cog;
	struct sessions *sessions;
	struct sweep_env env;
	uint64_t         rng;
	/* Held for a whole round; sweep_stop takes it to end them. */
	pthread_mutex_t  round;
	atomic_bool      stopping;
} S = { .round = PTHREAD_MUTEX_INITIALIZER };

/* The pause before the next round: the period plus a jitter. */
static long
pause_ms(void)
{
	S.rng ^= S.rng << 13;
	S.rng ^= S.rng >> 7;
	S.rng ^= S.rng << 17;
	return SWEEP_PERIOD_MS + (long)(S.rng % (SWEEP_JITTER_MS + 1));
}

static void *
sweep_main(void *arg)
{
	struct arena *list = arena_new(SWEEP_ARENA_MAX);
	struct arena *run = arena_new(SWEEP_ARENA_MAX);
	struct sweep_stats st;
	struct timespec ts;
	long ms;

	(void)arg;
	for (;;) {
		ms = pause_ms();
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&S.round);
		if (atomic_load(&S.stopping)) {
			pthread_mutex_unlock(&S.round);
			break;
		}
		sweep_round(&S.env, list, run, (int64_t)time(NULL), &st);
		pthread_mutex_unlock(&S.round);
		if (st.finished + st.continued + st.failed > 0)
			log_kv(LOG_INFO, "sweep: round done", "finished",
			    st.finished > 0 ? "yes" : "no", "more",
			    st.continued > 0 ? "yes" : "no", "failed",
			    st.failed > 0 ? "yes" : "no", NULL);
	}
	/* Not freed: sweep_stop's caller is on its way out. */
	return NULL;
}

bool
sweep_stop(void)
{
	struct timespec until;
	int rc;

	atomic_store(&S.stopping, true);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SWEEP_STOP_WAIT_MS / 1000;
	until.tv_nsec += (SWEEP_STOP_WAIT_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	rc = pthread_mutex_timedlock(&S.round, &until);
	if (rc != 0)
		return false;   /* ETIMEDOUT: a marker's run goes on */
	pthread_mutex_unlock(&S.round);
	return true;
}

bool
sweep_start(const struct app *app)
{
	struct aws_config ac;
	pthread_attr_t at;
	pthread_t th;
	bool ok;

	aws_config_of(&app->cfg, &ac);
	if ((S.http = httpc_new()) == NULL ||
	    (S.aws = aws_new(&ac, S.http)) == NULL) {
		log_kv(LOG_ERROR, "sweep: cannot make its clients", NULL);
		return false;
	}
	/* Copies: the thread may still run while the worker frees app
	 * on its way out. */
	S.ddb.aws = S.aws;
	S.ddb.endpoint = xstrdup(app->cfg.dynamodb_endpoint);
	S.cog.aws = S.aws;
	S.cog.endpoint = xstrdup(app->cfg.cognito_endpoint);
	S.cog.client_id = xstrdup(app->cfg.client_id);
	S.cog.client_secret = NULL;     /* the Admin calls are signed */
	S.cog.user_pool_id = xstrdup(app->cfg.user_pool_id);
	S.env.users_table = xstrdup(app->cfg.users_table);
	S.env.subscriptions_table = xstrdup(app->cfg.subscriptions_table);
	if ((S.sessions = sessions_new(&S.ddb, S.env.users_table)) == NULL)
		return false;
	S.env.aws = S.aws;
	S.env.ddb = &S.ddb;
	S.env.cog = &S.cog;
	S.env.sessions = S.sessions;
	S.env.stop = &S.stopping;
	S.rng = (uint64_t)deadline_now_ms() ^ ((uint64_t)getpid() << 32) ^
	    0x9e3779b97f4a7c15ULL;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	ok = pthread_create(&th, &at, sweep_main, NULL) == 0;
	pthread_attr_destroy(&at);
	if (!ok)
		log_kv(LOG_ERROR, "sweep: cannot start its thread", NULL);
	return ok;
}
