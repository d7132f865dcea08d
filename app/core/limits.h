/*
 * limits.h - every size limit of the program, in one place.
 *
 * Each growable buffer and each parser takes its maximum from here, so
 * that what untrusted input can make us allocate is visible at a glance.
 */
#ifndef GROWVRD_LIMITS_H
#define GROWVRD_LIMITS_H

#include <stdint.h>

#define LIM_BODY_MAX        (64 * 1024)   /* request body (nginx checks first) */
#define LIM_ARENA_MAX       (4 * 1024 * 1024) /* per-request memory */
#define LIM_JSON_DEPTH      32            /* API.md: outer object is level 1 */
#define LIM_PARAM_MAX       8192          /* one FastCGI param value */
#define LIM_QUERY_MAX       4096          /* QUERY_STRING */
#define LIM_QUERY_PARAMS    32            /* distinct query parameters */
#define LIM_PATH_MAX        1024          /* DOCUMENT_URI / path */
#define LIM_ID_MAX          64            /* plant and subscription ids */
#define LIM_CURSOR_MAX      1024          /* opaque cursor, encoded */
#define LIM_CURSOR_KEY_MIN  16            /* bytes of GROWVRD_CURSOR_KEY */
/*
 * One DynamoDB/Cognito answer.  DynamoDB's largest is a BatchGetItem of
 * 16 MB of item data (a Query or Scan page holds 1 MB); its JSON wraps
 * every value in a type ({"S":...}), which makes a plant of 1.0 KB as an
 * item 1.5 KB as text: 2.5 times 16 MB, rounded up.  The buffer grows
 * with the answer: nothing is reserved.
 */
#define LIM_AWS_RESP_MAX    (40 * 1024 * 1024)
#define LIM_AWS_JSON_DEPTH  64            /* AttributeValue nesting */
#define LIM_TOKEN_MAX       (16 * 1024)   /* a bearer token */
#define LIM_JWKS_MAX        (64 * 1024)   /* a JWKS document */
#define LIM_RESP_MAX        (2 * 1024 * 1024) /* one response body */
#define LIM_LIST_MAX        100           /* ?limit= upper bound */
#define LIM_LIST_DEFAULT    20            /* ?limit= default */
#define LIM_DDB_PAGES       100           /* Query/Scan pages per request */
#define LIM_FILTER_MAX      64            /* one catalog filter value, q too */
#define LIM_METRICS_ROUTES  64            /* routes a worker keeps metrics of */
#define LIM_METRICS_NAME    63            /* a route name in a metrics record */

/*
 * The catalog snapshot (store/catalog.h).  Offsets inside it are 32-bit,
 * so a file stays under 4 GiB; 2 GiB holds about 1.7 million plants of
 * the seed's size (a plant takes about 1.2 KiB in it).
 */
#define LIM_CATALOG_FILE_MAX  ((uint64_t)2 << 30)
#define LIM_CATALOG_PLANTS    2000000
/* growvrdctl plants import streams its file: no bound on the file, one
 * on each record (a TSV line or a plant of a JSON array), the size of a
 * request body since a plant comes through the admin API in one. */
#define LIM_IMPORT_RECORD_MAX 65536       /* = LIM_BODY_MAX; a plain
                                             number: it is printed */
#define LIM_IMPORT_COLUMNS  64            /* columns of a TSV import */

/* auth/tcache: verified tokens per worker, fixed at start. */
#define LIM_TCACHE_SLOTS    1024          /* entries (~1.3 KiB each) */
#define LIM_TCACHE_PROBE    8             /* neighbourhood per key */
#define LIM_TCACHE_STR      128           /* sub, username, sid bytes */
#define LIM_TCACHE_EMAIL    320           /* email claim bytes */
#define LIM_TCACHE_GROUPS   512           /* groups, NUL-separated */
#define LIM_TCACHE_NGROUPS  16            /* groups per principal */
/* auth/session: per-user sign-out state. */
#define LIM_SESSION_SLOTS   1024          /* users cached per worker */
#define LIM_SESSION_ENTRIES 64            /* revoked sign-ins per user */
/* Stripe (app/pay/).  Stripe documents no maximum event size; an event
 * embeds one object (a Checkout Session, an Invoice with its first lines,
 * a Subscription with its items), usually a few KiB, and metadata is
 * capped at 50 keys of 500 characters: 512 KiB leaves ample room. */
#define LIM_WEBHOOK_BODY_MAX (512 * 1024)  /* POST /api/v1/webhooks/stripe */
#define LIM_STRIPE_RESP_MAX (1024 * 1024) /* one Stripe API answer */
#define LIM_STRIPE_JSON_DEPTH 32          /* Stripe answers and events */
#define LIM_STRIPE_SIG_MAX  1024          /* the Stripe-Signature header */
#define LIM_STRIPE_SIGS     8             /* v1 signatures looked at */
#define LIM_STRIPE_FORM_MAX (16 * 1024)   /* one form-encoded request body */
#define LIM_IDEM_KEY_MAX    64            /* an Idempotency-Key (issue 12) */

#endif
