/*
 * quota.h - per-user, per-feature, per-calendar-month usage counters.
 *
 * A counter is one item in the Subscriptions table, in the user's own
 * partition: user_id = the caller's sub, subscription_id =
 * "#usage#<feature>#<YYYY-MM>", with an integer "used".  The sort key
 * starts with '#', so it can never collide with a subscription id
 * ("sub_...") and subscription listings (begins_with "sub_") skip it.
 *
 * One use is counted by a single conditional UpdateItem: ADD used 1 on
 * the condition attribute_not_exists(used) OR used < limit.  DynamoDB
 * applies each update atomically, so concurrent requests can neither
 * pass the limit nor lose a count; nothing reads the counter before
 * writing it.  Periods are UTC calendar months, and a new month simply
 * starts a new item (old ones stay as a usage record).
 *
 * Applied once (API 1.1: the quota counts exactly the 200 answers):
 * under a request token (struct ddb's, the request id) the update also
 * sets the attribute "tok_<token>" and is conditioned on its absence.
 * A retry after a lost answer then fails its condition, and a
 * consistent read finds the token: the use was ours, counted once.  A
 * consume whose outcome stays unknown (timeouts to the end) is taken
 * back at once: the refund removes the token attribute and counts down
 * in one update conditioned on the attribute, so a refund is applied
 * once too, and never for a use that was not counted.  The consume
 * leaves QUOTA_CLEANUP_RESERVE_MS of the request's deadline for that.
 * The token attributes of a month are at most its limit.
 *
 * Ownership: no memory is returned besides integers and fixed buffers.
 */
#ifndef GROWVRD_QUOTA_H
#define GROWVRD_QUOTA_H

#include <stdint.h>
#include <time.h>

#include "core/err.h"

struct arena;
struct ddb;

#define QUOTA_PERIOD_LEN 8        /* "YYYY-MM" and its NUL */
#define QUOTA_CLEANUP_RESERVE_MS 1500L /* of the deadline, for a refund */

/* quota_period - "YYYY-MM" of the UTC month that holds now. */
void quota_period(time_t now, char out[QUOTA_PERIOD_LEN]);

/*
 * quota_seconds_left - seconds from now to the start (00:00:00 UTC on
 * the 1st) of the next month: the Retry-After of a used-up quota.
 * Always at least 1.
 */
int64_t quota_seconds_left(time_t now);

/*
 * quota_consume - count one use of feature for user_id in period, unless
 * used has reached limit.  *used receives the count after this use.
 * Returns ERR_OK, ERR_QUOTA when the limit is reached (nothing counted;
 * also for a limit of 0), or the DynamoDB error.
 */
enum err quota_consume(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *feature, const char *period,
    int64_t limit, int64_t *used);

/*
 * quota_refund - take back one use counted by quota_consume when the
 * request failed afterwards (never below 0).  Best effort: the result is
 * for the log only.
 */
enum err quota_refund(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *feature, const char *period);

/* quota_used - *used = the count of feature in period (0 if none yet). */
enum err quota_used(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *feature, const char *period,
    int64_t *used);

#endif
