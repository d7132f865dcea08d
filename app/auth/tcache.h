/*
 * tcache.h - the worker's cache of verified tokens.
 *
 * token_verify (auth/token.h) remembers every token that passed the
 * full check here, keyed by the SHA-256 of the token's bytes, with the
 * principal it yielded.  The same bytes presented again cost one hash
 * and one lookup instead of base64, JSON and an RSA verification.  An
 * entry is good until the token's own exp (plus TOKEN_LEEWAY_SECS, the
 * rule of the full check), never longer; tcache_drop_sub drops every
 * entry of a user when a sign-out or a deletion ends their sessions
 * (auth/session.h still refuses revoked sign-ins on every request, on
 * every worker: the cache only saves the cryptography).
 *
 * Bounded: LIM_TCACHE_SLOTS fixed-size slots allocated once by
 * tcache_new (open addressing over LIM_TCACHE_PROBE neighbouring slots;
 * a full neighbourhood evicts an expired entry, else the oldest), so a
 * worker's memory never grows with the number of tokens it sees.  A
 * principal whose strings do not fit a slot (past the LIM_TCACHE_*
 * lengths) is simply not cached.
 *
 * Ownership: worker memory (xcalloc), never in an arena; tcache_get
 * copies what it hands out into the caller's arena.  Single-threaded,
 * like the workers: no lock.
 */
#ifndef GROWVRD_TCACHE_H
#define GROWVRD_TCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"
#include "core/err.h"

#define TCACHE_KEY_LEN 32   /* SHA-256 of the token */

struct arena;
struct tcache;

/* tcache_new - an empty cache of LIM_TCACHE_SLOTS slots. */
struct tcache *tcache_new(void);

/* tcache_free - release.  NULL is a no-op. */
void tcache_free(struct tcache *c);

/* tcache_key - key = SHA-256(token[0..len)).  False if hashing fails. */
bool tcache_key(const char *token, size_t len,
    unsigned char key[TCACHE_KEY_LEN]);

/*
 * tcache_get - the principal cached under key, for a caller requiring
 * token use `use` at time now.  ERR_OK: *p filled with arena copies (its
 * client_id left NULL for the caller to set).  ERR_NOT_FOUND: absent,
 * or expired (the entry is dropped).  ERR_UNAUTHENTICATED with *why:
 * the token is of the other use.  ERR_TOO_LARGE: arena a is full.
 */
enum err tcache_get(struct tcache *c, const unsigned char *key,
    enum token_use use, int64_t now, struct arena *a, struct principal *p,
    const char **why);

/*
 * tcache_put - remember key -> p (copied) until p->exp +
 * TOKEN_LEEWAY_SECS.  Returns false (nothing stored) when a string of p
 * is too long for a slot.
 */
bool tcache_put(struct tcache *c, const unsigned char *key,
    const struct principal *p);

/* tcache_drop_sub - drop every entry of the user sub; returns how many. */
size_t tcache_drop_sub(struct tcache *c, const char *sub);

/* tcache_count - live slots (tests). */
size_t tcache_count(const struct tcache *c);

/* tcache_bytes - the memory the cache holds; constant (tests). */
size_t tcache_bytes(const struct tcache *c);

#endif
