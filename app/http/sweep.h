/*
 * sweep.h - finishing account deletions in the background.
 *
 * DELETE /users/me records a deletion (a marker, store/purge.h) and does
 * what fits in its deadline and page cap; what is left (an account with
 * many items, DynamoDB or Cognito failing midway, a worker killed) is
 * finished here, without the client repeating anything.  Every worker
 * runs one sweeper thread beside its request loop, with its own HTTP,
 * AWS, DynamoDB and Cognito clients and its own sign-out record cache,
 * so it never blocks or touches the request path.  Every SWEEP_PERIOD_MS
 * (plus up to SWEEP_JITTER_MS, so workers do not ask together) it reads
 * the markers (a Query of one partition, at most SWEEP_LIST_PAGES pages
 * of SWEEP_LIST_PAGE) and runs each one whose lease has passed:
 *
 *   1. claim it: a conditional write of its lease (lease_until < now),
 *      so that of several workers and hosts one at a time works on it;
 *   2. unless it is marked ended: end the account (AdminGetUser: a user
 *      of that username with this sub is deleted with AdminDeleteUser;
 *      none, or another account's, is already gone) and write the
 *      sign-out record's deleted mark (auth/session.h);
 *   3. delete the data (purge_data), within SWEEP_RUN_MS and
 *      SWEEP_RUN_PAGES pages;
 *   4. all gone: delete the marker; more left: free it at once (the next
 *      round goes on); a failure: keep the lease, so the marker is tried
 *      again when it passes (SWEEP_LEASE_S), not in a tight loop.
 *
 * A worker killed during a run leaves the lease, which passes; every step
 * is idempotent, so two runs of one marker (a lease passed while a slow
 * run still works, clocks of two hosts apart) only repeat deletes.
 *
 * Ownership: the thread and its clients live as long as the process;
 * sweep_stop ends the rounds before the worker exits, so that nothing
 * of the process's teardown (app freed, OpenSSL's and the sanitizers'
 * exit handlers) runs beside a round.
 */
#ifndef GROWVRD_SWEEP_H
#define GROWVRD_SWEEP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct app;
struct arena;
struct aws;
struct cog;
struct ddb;
struct sessions;

#define SWEEP_PERIOD_MS   5000   /* between rounds, plus jitter */
#define SWEEP_JITTER_MS   5000
#define SWEEP_LIST_PAGE   25     /* markers per Query page */
#define SWEEP_LIST_PAGES  4      /* Query pages of markers per round */
#define SWEEP_LIST_MS     3000   /* deadline of a listing page */
#define SWEEP_LEASE_S     60     /* a claimed marker is the claimer's */
#define SWEEP_RUN_MS      20000  /* deadline of one marker's run */
#define SWEEP_RUN_PAGES   100    /* Subscriptions pages per run */
#define SWEEP_ARENA_MAX   (4 * 1024 * 1024)
#define SWEEP_STOP_WAIT_MS 2000  /* sweep_stop waits this for a run */

/* The clients a round works with (borrowed). */
struct sweep_env {
	struct aws      *aws;          /* the one under ddb and cog */
	struct ddb      *ddb;
	const struct cog *cog;
	struct sessions *sessions;
	const char      *users_table;
	const char      *subscriptions_table;
	/* When set (NULL: never), the round ends before its next marker. */
	const atomic_bool *stop;
};

/* What a round did. */
struct sweep_stats {
	int seen;       /* markers read */
	int finished;   /* deletions completed (marker deleted) */
	int continued;  /* runs that left more for the next round */
	int failed;     /* runs that failed (lease kept) */
};

/*
 * sweep_round - one round at now (seconds since the epoch): read the
 * markers and run each one whose lease has passed, each with its own
 * deadline.  list and run are two arenas: run is reset after each
 * marker, list after the round.  Also what growvrdctl and the tests
 * call.
 */
void sweep_round(const struct sweep_env *env, struct arena *list,
    struct arena *run, int64_t now, struct sweep_stats *st);

/*
 * sweep_start - start the worker's sweeper thread over clients of its
 * own, built from app's configuration (never app's clients).  False,
 * logged, when they or the thread cannot be made.  Call after the stop
 * signals are blocked (fcgi_open), so the thread never takes them.
 */
bool sweep_start(const struct app *app);

/*
 * sweep_stop - start no other round, end the one under way after its
 * current marker, and wait for it at most SWEEP_STOP_WAIT_MS.  True
 * when no round runs any more (or none was started); false when a
 * marker's run still works: the caller must then leave with _exit,
 * skipping the exit handlers (the run's lease passes; the marker is
 * run again).
 */
bool sweep_stop(void);

#endif
