/*
 * idem.h - Idempotency-Key records for POST /api/v1/subscriptions
 * (issue 12; IETF httpapi "The Idempotency-Key HTTP Header Field").
 *
 * A record lives in the caller's partition of the Subscriptions table
 * under "#idem#<key>", so keys are per caller and an account's deletion
 * removes them; expires_at (the table's TTL attribute) ends it after
 * IDEM_TTL, and an expired record that TTL has not yet removed counts as
 * absent.  It holds the SHA-256 of the request body, a state ("running"
 * while the first request is being served, then "done") and the first
 * request's answer.  A "running" record whose lock passed IDEM_LOCK
 * seconds (its worker died) may be taken over by a request with the same
 * body.
 *
 * Ownership: strings handed back live in the caller's arena.
 */
#ifndef GROWVRD_IDEM_H
#define GROWVRD_IDEM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/crypt.h"
#include "core/err.h"

struct arena;
struct ddb;

#define IDEM_TTL   (24L * 3600)  /* a key is kept 24 h */
#define IDEM_LOCK  60L           /* seconds a "running" record holds */

enum idem_state {
	IDEM_NEW,       /* IDEM_NEW: ours to serve (record now "running") */
	IDEM_RUNNING,   /* IDEM_RUNNING: the first request is still running */
	IDEM_DONE,      /* IDEM_DONE: replay the stored answer */
	IDEM_MISMATCH,  /* IDEM_MISMATCH: the key was used with another body */
	IDEM__MAX
};

/* The first request's answer. */
struct idem_answer {
	int         status;      /* HTTP status */
	int         err;         /* enum err of a problem answer, else 0 */
	const char *body;        /* JSON text of a success, or NULL */
	const char *detail;      /* problem detail, or NULL */
	const char *location;    /* Location header, or NULL */
};

/* idem_valid_key - 1..LIM_IDEM_KEY_MAX of [A-Za-z0-9_-]. */
bool idem_valid_key(const char *s);

/*
 * idem_begin - claim key for user_id with the body's hash.  *st tells
 * what to do; with IDEM_DONE, *ans is the stored answer.
 */
enum err idem_begin(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *key,
    const unsigned char hash[CRYPT_SHA256_LEN], enum idem_state *st,
    struct idem_answer *ans);

/* idem_finish - store the answer of the request that claimed key. */
enum err idem_finish(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *key, const struct idem_answer *ans);

/*
 * idem_release - forget key (the request failed in a way worth retrying:
 * a 5xx), so that the client's retry runs again.
 */
enum err idem_release(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *key);

#endif
