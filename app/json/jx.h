/*
 * jx.h - json-c behind bounded, strict parsing and typed getters.
 *
 * Every JSON text that comes from outside (request bodies, AWS answers,
 * cursors, JWT parts, JWKS) is parsed by jx_parse: size checked first,
 * depth bounded, UTF-8 validated, strict RFC 8259 syntax (no comments,
 * no trailing commas, nothing after the value but white space) and no
 * duplicate member names.  Below the parser, handlers read values only
 * through the typed getters or a field table (jx_check), never raw.
 *
 * Ownership: a tree returned by jx_parse belongs to the arena it was
 * parsed into (json_object_put runs when the arena is freed).  Getters
 * return pointers into the tree.
 */
#ifndef GROWVRD_JX_H
#define GROWVRD_JX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/err.h"

struct arena;
struct buf;

/*
 * jx_parse - parse text[0..len) into *out (any JSON value).  max_len and
 * max_depth bound the input (depth: the outermost value is level 1).
 * Returns ERR_OK, ERR_TOO_LARGE (len > max_len) or ERR_INVALID with a
 * static reason in *why.  With a NULL arena the caller owns *out and
 * must json_object_put it.
 */
enum err jx_parse(struct arena *a, const char *text, size_t len,
    size_t max_len, int max_depth, struct json_object **out,
    const char **why);

/*
 * jx_own - json_object_put(o) when arena a is released; returns o, or
 * NULL (o already released) when the arena is past its cap.
 */
struct json_object *jx_own(struct arena *a, struct json_object *o);

/* Value types of a field table. */
enum jx_type {
	JX_STRING,      /* a string of 1..max code units, no NUL */
	JX_STRING0,     /* a string of 0..max bytes, no NUL */
	JX_INT,         /* an integer in [min, max] */
	JX_NUMBER,      /* an integer or a finite decimal in [min, max] */
	JX_BOOL,
	JX_DATE,        /* "YYYY-MM-DD", a real calendar date */
	JX_TIME,        /* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ" */
	JX_STR_ARRAY,   /* an array of at most max strings of <= 256 bytes */
	JX_OBJECT,      /* any object (its size is bounded by the body) */
	JX_TYPE_MAX
};

struct jx_field {
	const char   *name;
	enum jx_type  type;
	bool          required;
	int64_t       min;      /* JX_INT, JX_NUMBER */
	int64_t       max;      /* numbers: upper bound; strings: max bytes;
	                           arrays: max items */
	const char *const *one_of; /* JX_STRING: NULL-terminated allowed set */
};

/*
 * jx_check - check object obj against fields[0..n): types, bounds and
 * presence of required fields; with allow_unknown false, a member not in
 * the table is an error.  Returns true, or false with *why set to a
 * static sentence and *field to the offending name (for the problem
 * detail).
 */
bool jx_check(struct json_object *obj, const struct jx_field *fields,
    size_t n, bool allow_unknown, const char **why, const char **field);

/* jx_get - member key of obj, or NULL (also when obj is not an object). */
struct json_object *jx_get(struct json_object *obj, const char *key);

/* jx_str - member key as a string without NUL bytes, else NULL. */
const char *jx_str(struct json_object *obj, const char *key, size_t *len);

/* jx_int - member key as an integer in [min, max]; false otherwise. */
bool jx_int(struct json_object *obj, const char *key, int64_t min,
    int64_t max, int64_t *out);

/* jx_bool - member key as a boolean; false when absent or not one. */
bool jx_bool(struct json_object *obj, const char *key, bool *out);

/* jx_array_has - arr is an array holding the string s. */
bool jx_array_has(struct json_object *arr, const char *s);

/* jx_is_int - o is a JSON integer (not a string, not a decimal). */
bool jx_is_int(struct json_object *o);

/*
 * jx_write - append the compact serialization of o to out (no spaces,
 * "/" unescaped).  False past out's maximum.
 */
bool jx_write(struct buf *out, struct json_object *o);

/* jx_valid_date - s[0..n) is YYYY-MM-DD and a real date. */
bool jx_valid_date(const char *s, size_t n);

/* jx_valid_time - s[0..n) is YYYY-MM-DDTHH:MM:SSZ and real. */
bool jx_valid_time(const char *s, size_t n);

#endif
