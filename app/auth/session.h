/*
 * session.h - sign-outs that hold with local token verification.
 *
 * Tokens are verified in the worker (auth/token.h), so Cognito's own
 * revocation (RevokeToken, GlobalSignOut) cannot stop an access or ID
 * token it already issued.  This module keeps, per user, what has been
 * ended, and refuses those tokens on every bearer route of every worker
 * (API.md "Sessions (1.1)"):
 *
 *   valid_after  sign-ins at or before this second are over (change- and
 *                reset-password, account deletion): a token is refused
 *                when its auth_time (the sign-in's time, which refreshes
 *                keep on AWS) is <= valid_after;
 *   deleted      the account is gone: every token of the sub is refused,
 *                so old tokens never recreate anything;
 *   revoked      sign-ins ended one by one (logout), by sign-in id: the
 *                token's origin_jti on AWS (its refreshes keep it), else
 *                its event_id (cognito-local; access and ID token of one
 *                sign-in share it), plus "r:<hash of the refresh token>"
 *                for what was refreshed from it;
 *   links        cognito-local only (its tokens have no origin_jti and a
 *                refresh makes a new event_id): event_id -> the
 *                "r:<hash>" of the refresh token that made it, written
 *                at login and refresh, so a logout reaches the tokens
 *                refreshed from its sign-in.
 *
 * The record is one item of the Users table under the key
 * "~session:<sub>" (no '@': never an email), read through a per-worker
 * cache of SESSION_CACHE_MS, so a sign-out is seen by every worker within
 * SESSION_CACHE_MS plus one read (API.md: 2 s), and costs at most one
 * consistent GetItem per user per worker per SESSION_CACHE_MS; the worker
 * that writes it sees it at once, and requests that write read it afresh
 * (one GetItem each), so no write of an ended sign-in gets through.  Revoked ids and links expire with the
 * tokens they stop (SESSION_TOKEN_LIFE_MAX, Cognito's longest access/ID
 * token life); at most LIM_SESSION_ENTRIES are kept per user, and a
 * logout that would pass the bound ends every sign-in instead (stricter,
 * never weaker).  Writes are read-modify-write under a version
 * condition, repeated on a conflict; each operation is idempotent, so a
 * write whose answer was lost is safe to repeat.
 *
 * Ownership: struct sessions is worker memory (xcalloc, fixed size);
 * the ddb client and table name are borrowed.  Single-threaded.
 */
#ifndef GROWVRD_SESSION_H
#define GROWVRD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"
#include "core/err.h"

#define SESSION_CACHE_MS        1000      /* a record is re-read after */
#define SESSION_TOKEN_LIFE_MAX  86400     /* seconds: Cognito's longest */
#define SESSION_WRITE_TRIES     4         /* version conflicts retried */
#define SESSION_PARENT_LEN      27        /* "r:" + 24 hex + NUL */
#define SESSION_KEY_PREFIX      "~session:"

struct arena;
struct ddb;
struct sessions;

/* sessions_new - an empty cache over table (borrowed, as is d). */
struct sessions *sessions_new(struct ddb *d, const char *table);

/* sessions_free - release.  NULL is a no-op. */
void sessions_free(struct sessions *s);

/* session_now_ms - the cache's clock: monotonic milliseconds. */
int64_t session_now_ms(void);

/*
 * session_check - may the verified principal p still be used?  ERR_OK;
 * ERR_UNAUTHENTICATED with a static *why when its sign-in was ended or
 * the account deleted; ERR_UNAVAILABLE when the record cannot be read;
 * ERR_TOO_LARGE when arena a is full.  now_ms: session_now_ms().  fresh
 * reads the record whatever the cache holds (for requests that write:
 * no write of an ended sign-in gets through the cache's window).
 */
enum err session_check(struct sessions *s, struct arena *a,
    const struct principal *p, int64_t now_ms, bool fresh,
    const char **why);

/*
 * session_end - logout: end the sign-in sid (may be NULL) and what was
 * refreshed from the refresh token whose session_parent is parent (may
 * be NULL) for the user sub, at time now (seconds since the epoch).
 */
enum err session_end(struct sessions *s, struct arena *a, const char *sub,
    const char *sid, const char *parent, int64_t now);

/*
 * session_end_all - end every sign-in of sub up to now (valid_after =
 * now); deleted marks the account gone for good.  *valid_after (may be
 * NULL) receives the second written, for session_wait_past.
 */
enum err session_end_all(struct sessions *s, struct arena *a,
    const char *sub, bool deleted, int64_t now, int64_t *valid_after);

/*
 * session_link - remember that sign-in id sid (an event_id) came from the
 * refresh token whose session_parent is parent, until exp.
 */
enum err session_link(struct sessions *s, struct arena *a, const char *sub,
    const char *sid, const char *parent, int64_t exp, int64_t now);

/*
 * session_refresh_check - may a refresh token of sub, from a sign-in at
 * signin_time and with session_parent parent, still be used?  Reads the
 * record afresh.  ERR_OK, ERR_UNAUTHENTICATED (*why), ERR_UNAVAILABLE.
 */
enum err session_refresh_check(struct sessions *s, struct arena *a,
    const char *sub, int64_t signin_time, const char *parent,
    const char **why);

/* session_parent - out = "r:" + the first 12 bytes of SHA-256, in hex. */
void session_parent(const char *refresh_token,
    char out[SESSION_PARENT_LEN]);

/*
 * session_refresh_signin - the sign-in time a refresh token carries, for
 * providers whose refresh tokens are JWS (cognito-local: its "iat"): the
 * token was just accepted by the provider, so it is genuine.  False for
 * opaque ones (Cognito's are encrypted; there auth_time survives
 * refreshes and GlobalSignOut kills the refresh token itself).
 */
bool session_refresh_signin(const char *refresh_token, int64_t *t);

/*
 * session_wait_past - sleep until the wall clock is past valid_after + 1
 * s (plus a margin for the provider's clock), so that a sign-in started
 * after our answer gets an auth_time above valid_after.
 */
void session_wait_past(int64_t valid_after);

#endif
