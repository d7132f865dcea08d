/*
 * deadline.h - the request's deadline, in monotonic milliseconds.
 *
 * Every request has a deadline: GROWVRD_REQUEST_DEADLINE_MS (10 s by
 * default) from when nginx received it (nginx passes $msec, the wall
 * clock at the start of the request, as REQUEST_START).  The worker turns
 * it into a point on CLOCK_MONOTONIC once, when it accepts the request;
 * from then on every layer asks how much is left (AWS attempts, backoff,
 * pages, transaction retries) instead of adding up per-call timeouts.
 *
 * A deadline of 0 means none (growvrdctl, unit tests).  No memory.
 */
#ifndef GROWVRD_DEADLINE_H
#define GROWVRD_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* deadline_now_ms - CLOCK_MONOTONIC in milliseconds. */
int64_t deadline_now_ms(void);

/* deadline_wall_ms - CLOCK_REALTIME in milliseconds since the epoch. */
int64_t deadline_wall_ms(void);

/*
 * deadline_parse_msec - nginx's $msec ("1712345678.123", seconds with
 * a fractional part of up to 3 digits) in milliseconds.  False when s is
 * not of that form.
 */
bool deadline_parse_msec(const char *s, size_t n, int64_t *ms);

/*
 * deadline_from_start - the monotonic deadline of a request that nginx
 * received at start_wall_ms (0: unknown, counted from now) with a budget
 * of budget_ms; now_wall_ms and now_mono_ms are the clocks read together.
 * A start in the future (clock steps) counts as now; one further back
 * than the budget gives a deadline already past.
 */
int64_t deadline_from_start(int64_t start_wall_ms, long budget_ms,
    int64_t now_wall_ms, int64_t now_mono_ms);

/*
 * deadline_left_ms - milliseconds left before at (at most INT32_MAX
 * when at is 0, meaning no deadline); 0 or less when it has passed.
 */
int64_t deadline_left_ms(int64_t at);

#endif
