/*
 * cursor.h - opaque, tamper-evident pagination cursors.
 *
 * A cursor carries DynamoDB's LastEvaluatedKey to the client and back:
 * base64url(JSON key) "." base64url(first 16 bytes of HMAC-SHA256 over
 * the list's scope and the JSON).  The scope ("plants", "sub:<id>:subs")
 * binds a cursor to one list of one caller, so a cursor cannot be moved
 * to another list or user, and any edit is a 400.  The MAC key comes from
 * the deployment's secret (cursor_set_key at start).
 *
 * Ownership: results live in the caller's arena.
 */
#ifndef GROWVRD_CURSOR_H
#define GROWVRD_CURSOR_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;

/* cursor_set_key - derive the MAC key from secret[0..n) (copied). */
void cursor_set_key(const void *secret, size_t n);

/* cursor_encode - *out = the cursor for key (a plain JSON object). */
enum err cursor_encode(struct arena *a, const char *scope,
    struct json_object *key, const char **out);

/*
 * cursor_decode - check and open text: *key = the plain JSON object.
 * ERR_INVALID for anything but a cursor this deployment made for scope.
 */
enum err cursor_decode(struct arena *a, const char *scope, const char *text,
    size_t len, struct json_object **key);

#endif
