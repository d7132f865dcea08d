/*
 * purge.h - deleting an account's data, within a request's deadline or
 * later in the background (API.md "Under faults (1.1)": deleting an
 * account with many items finishes within the deadline or continues in
 * the background without blocking a worker).
 *
 * A deletion is recorded before anything is deleted, as a marker item in
 * the Subscriptions table's reserved partition PURGE_PARTITION ("~purge":
 * no Cognito sub has a '~'), sort key the account's sub, holding the
 * Users item's email, the Cognito username, requested_at, ended (the
 * account's sign-in is gone and its tokens are refused) and lease_until
 * (seconds since the epoch: until then one party works on it and others
 * leave it alone).  Whoever holds the lease (the DELETE request, then a
 * worker's background thread, http/sweep.h) ends the account if that is
 * not done yet, then deletes the Users item (only while it is still
 * this sub's) and the account's Subscriptions items, a Query page of
 * PURGE_PAGE at a time, each page with BatchWriteItem (aws/ddb_write.h),
 * and deletes the marker last.  Every step is idempotent, so a run cut
 * short anywhere (deadline, page cap, DynamoDB failing, a worker killed)
 * leaves a marker that the next run finishes.
 *
 * Ownership: strings handed back live in the caller's arena.
 */
#ifndef GROWVRD_PURGE_H
#define GROWVRD_PURGE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct ddb;
struct ddb_page;

#define PURGE_PARTITION  "~purge"
#define PURGE_PAGE       100   /* Subscriptions items per Query page */
/* A page needs a Query and 4 BatchWriteItem calls: none is started with
 * less than this left before the deadline. */
#define PURGE_PAGE_MIN_MS 1000

/* A pending deletion, as its marker holds it. */
struct purge {
	const char *sub;           /* the account's sub (the marker's key) */
	const char *email;         /* the Users item's key, or NULL */
	const char *username;      /* the Cognito username, or NULL (= sub) */
	int64_t     requested_at;  /* seconds since the epoch */
	int64_t     lease_until;   /* seconds; 0 = free */
	bool        ended;         /* Cognito user gone, tokens refused */
};

/*
 * purge_record - write the marker of p (created, or its email, username
 * and lease updated; requested_at and ended are kept) with lease_until:
 * the caller works on it until then.
 */
enum err purge_record(struct ddb *d, struct arena *a,
    const char *subscriptions_table, const struct purge *p,
    int64_t lease_until);

/* purge_get - *found and *p: the marker of sub, if there is one. */
enum err purge_get(struct ddb *d, struct arena *a,
    const char *subscriptions_table, const char *sub, struct purge *p,
    bool *found);

/*
 * purge_claim - take the lease of sub's marker until lease_until, if it
 * is free at now (lease_until < now).  ERR_PRECONDITION when another
 * holds it or the marker is gone.
 */
enum err purge_claim(struct ddb *d, struct arena *a,
    const char *subscriptions_table, const char *sub, int64_t now,
    int64_t lease_until);

/*
 * purge_release - the marker of sub stays for the next run: ended set
 * when the account has been ended, the lease set to lease_until (0:
 * free at once).  A marker that is gone stays gone (ERR_OK).
 */
enum err purge_release(struct ddb *d, struct arena *a,
    const char *subscriptions_table, const char *sub, bool ended,
    int64_t lease_until);

/*
 * purge_data - delete p's Users item (only while its sub is p->sub or
 * it has none) and then p's Subscriptions items, at most max_pages Query
 * pages, none started with less than PURGE_PAGE_MIN_MS left before the
 * deadline (aws_deadline).  *done when no item of p->sub is left.  On an
 * error some items may be gone and others not: running it again goes on.
 */
enum err purge_data(struct ddb *d, struct arena *a, const char *users_table,
    const char *subscriptions_table, const struct purge *p, int max_pages,
    bool *done);

/* purge_finish - delete sub's marker (the deletion is complete). */
enum err purge_finish(struct ddb *d, struct arena *a,
    const char *subscriptions_table, const char *sub);

/*
 * purge_list - one page of markers, at most limit, from start (NULL: the
 * first): page->items holds plain marker items (purge_of reads them).
 */
enum err purge_list(struct ddb *d, struct arena *a,
    const char *subscriptions_table, struct json_object *start, int limit,
    struct ddb_page *page);

/* purge_of - a marker item into *p; false when it is ill-formed. */
bool purge_of(struct json_object *item, struct purge *p);

#endif
