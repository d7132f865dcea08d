/*
 * live.h - /healthz and /readyz answered beside the worker, never by it.
 *
 * A worker serves one request at a time; while it waits on a black-holed
 * DynamoDB it cannot answer a health check.  So each worker runs a small
 * health thread on a socket of its own (GROWVRD_HEALTH_SOCKET, bound by
 * the worker; nginx's growvrd_health upstream lists every worker's):
 *
 * - /healthz answers 200 from the thread at once while the worker's main
 *   loop is alive: idle, or busy with a request for less than the
 *   request deadline plus LIVE_STUCK_GRACE_MS.  A worker wedged past
 *   that answers 503.  A worker process that is gone answers nothing
 *   (its socket is removed or refuses), so nginx answers 503 for it: the
 *   route is never 200 while no worker runs.
 * - /readyz answers from the last results of a probe thread (DynamoDB
 *   DescribeTable on the catalog table, a JWKS fetch) and the catalog
 *   snapshot's state the main loop publishes (live_set_catalog), at most
 *   LIVE_READY_MAX_AGE_MS old, else 503 "stale".  The prober runs every
 *   LIVE_PROBE_PERIOD_MS while /readyz was asked within
 *   LIVE_DEMAND_MS (and from the worker's start), with its own HTTP and
 *   AWS clients and a deadline of LIVE_PROBE_DEADLINE_MS per round, so
 *   it shares no state with the request path.
 *
 * Ownership: the threads and their clients live as long as the process;
 * live_stop removes the socket file.  The main loop only stores two
 * atomics (live_busy / live_idle).
 */
#ifndef GROWVRD_LIVE_H
#define GROWVRD_LIVE_H

#include <stdbool.h>

struct app;

#define LIVE_STUCK_GRACE_MS     5000
#define LIVE_READY_MAX_AGE_MS   5000
#define LIVE_PROBE_PERIOD_MS    2000
#define LIVE_PROBE_DEADLINE_MS  1500
#define LIVE_DEMAND_MS          (300 * 1000)

/*
 * live_start - bind path and start the health and probe threads, which
 * read app's configuration (never its clients).  False, logged, when
 * the socket or a thread cannot be made.  Call after the stop signals
 * are blocked (fcgi_open), so the threads never take them.
 */
bool live_start(const struct app *app, const char *path);

/*
 * live_set_catalog - the state of the host's catalog snapshot as the
 * main loop last saw it ("ok", "loading", ...; a static string), which
 * /readyz reports and requires: only the main loop may look at it.
 */
void live_set_catalog(const char *state);

/* live_busy / live_idle - the main loop starts / ends a request. */
void live_busy(void);
void live_idle(void);

/* live_stop - wait for a readiness probe under way (at most
 * LIVE_PROBE_DEADLINE_MS), start no other, and remove the socket file;
 * the health thread answers until the process ends.  After it the
 * caller may free the app live_start was given.  Harmless when
 * live_start was not called. */
void live_stop(void);

#endif
