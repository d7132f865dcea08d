/*
 * catalog_sync.h - keeping a host's catalog snapshot fresh.
 *
 * Files in the cache directory (GROWVRD_CACHE_DIR), shared by the
 * workers of a host:
 *   catalog.snap   the snapshot (store/catalog.h), replaced by rename
 *   catalog.lock   flock()ed by whoever writes a snapshot; it also holds
 *                  the poll state (when the host last polled, up to where)
 *
 * Freshness, without a process of its own:
 * - Every catalog read stat()s catalog.snap and maps a new file when one
 *   was installed, so a snapshot written by any worker of the host is
 *   read by all of them from their next request on.
 * - An admin write applies its stored item to the snapshot before it
 *   answers (catalog_sync_apply): on this host the writer's next read,
 *   and everyone's, sees it at once.
 * - At most once a CATALOG_POLL_MS per host, the first worker to read
 *   after that asks DynamoDB what changed (a Query of the Plants index
 *   PLANTS_CHANGES_INDEX for changed_at from the watermark less
 *   CATALOG_OVERLAP_MS, at most CATALOG_POLL_PAGES pages of
 *   CATALOG_POLL_ITEMS, resumed by the next poll) and installs a new snapshot when anything did: writes made
 *   on other hosts, or by growvrdctl, are read within about a second.
 *   The overlap covers writes whose changed_at was taken before another
 *   write's but that became visible after it (retries, clock skew, the
 *   index's own delay); a change read twice is applied once.
 * - With no snapshot (a new host, a new table), the worker starts
 *   `growvrdctl catalog build` in the background, which Scans the table
 *   under the lock, and answers 503 meanwhile.  A snapshot of another
 *   table (its creation time differs) is not used.
 * While DynamoDB is down the last snapshot is served.
 *
 * Ownership: the sync object owns the mapped snapshot it hands out; a
 * pointer from catalog_sync_get is valid until the next call.
 */
#ifndef GROWVRD_CATALOG_SYNC_H
#define GROWVRD_CATALOG_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct catalog;
struct ddb;

#define CATALOG_POLL_MS       1000     /* a host polls this often at most */
#define CATALOG_OVERLAP_MS    20000    /* > the request deadline + skew */
#define CATALOG_POLL_PAGES    2        /* Query pages a poll reads, */
#define CATALOG_POLL_ITEMS    250      /* of this many changes at most */
#define CATALOG_RETRY_MS      10000    /* after a failed poll */
#define CATALOG_APPLY_WAIT_MS 2000     /* an admin write waits this long for
                                          the lock, else the poll applies it */
#define CATALOG_SPAWN_MS      10000    /* a build is started this often */
#define CATALOG_BUILD_ITEMS   500      /* Scan page of a build, in items:
                                          DynamoDB Local reads a Scan with
                                          no Limit about 8x slower (and in
                                          far more heap) than one with */

struct catalog_sync;

/*
 * catalog_sync_new - the sync state over directory dir (created if
 * missing) for table; ctl is growvrdctl's path (for background builds;
 * NULL: never start one).  NULL, logged, when dir cannot be used.
 */
struct catalog_sync *catalog_sync_new(const char *dir, const char *table,
    const char *ctl);

void catalog_sync_free(struct catalog_sync *s);

/*
 * catalog_sync_get - the snapshot to answer from, after mapping a newer
 * file and, when due, polling DynamoDB (through d).  NULL while there is
 * none (a build is then started).
 */
const struct catalog *catalog_sync_get(struct catalog_sync *s,
    struct ddb *d, int64_t now_ms);

/*
 * catalog_sync_apply - apply the stored Plants item of a write that just
 * succeeded to the host's snapshot.  Failures are logged: the next poll
 * applies the change then.
 */
void catalog_sync_apply(struct catalog_sync *s, struct json_object *item,
    int64_t now_ms);

/*
 * catalog_sync_build - a full build: Scan the table and install a new
 * snapshot, under the lock (waiting for it).  With if_missing, nothing is
 * done when a snapshot of this table exists.  *count = plants written.
 */
enum err catalog_sync_build(struct catalog_sync *s, struct ddb *d,
    bool if_missing, int64_t now_ms, size_t *count);

/* The host's poll state (wall-clock ms; 0: never). */
struct catalog_poll {
	int64_t last_ms;        /* the last poll, whatever its outcome */
	bool    failed;         /* it failed */
	int64_t last_ok_ms;     /* the last one that succeeded */
	int64_t next_ms;        /* when the next is due */
};

/* catalog_sync_poll_status - the host's poll state; false (*out zeroed)
 * when it has none (no poll since the last build). */
bool catalog_sync_poll_status(struct catalog_sync *s, struct catalog_poll *out);

/*
 * catalog_poll_describe - p as one line for people, at now_ms: "no poll
 * yet", "last poll N ms ago", or "last poll N ms ago failed (next in M
 * ms), last good poll K ms ago|never"; a time ahead of now_ms (the clock
 * went back) says so instead of a negative age.  Truncated to n.
 */
void catalog_poll_describe(const struct catalog_poll *p, int64_t now_ms,
    char *buf, size_t n);

/* catalog_now_ms - the wall clock in ms since the epoch. */
int64_t catalog_now_ms(void);

#endif
