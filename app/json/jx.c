#include "json/jx.h"

#include <math.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/xalloc.h"

/* Deeper documents are refused by depth. */
#define JX_DEPTH_MAX     256

static void
put_cb(void *p)
{
	json_object_put(p);
}

struct json_object *
jx_own(struct arena *a, struct json_object *o)
{
	/* Past the arena's cap arena_defer has already released o. */
	if (o != NULL && arena_defer(a, put_cb, o) != 0)
		return NULL;
	return o;
}

/*
 * json-c's strict mode still takes single-quoted strings and a few other
 * spellings: outside strings, RFC 8259 allows only white space, the six
 * structural characters, number characters and the letters of true,
 * false and null.
 */
static bool
outside_ok(unsigned char c)
{
	return strchr(" \t\n\r{}[]:,-+.0123456789eEtruefalsn", c) != NULL &&
	    c != '\0';
}

/*
 * Count, in document order, the member names of every object of a text
 * that json-c already accepted.  Strings are skipped with their escapes;
 * any byte outside strings that RFC 8259 does not allow there, or
 * brackets that do not nest, fail the scan.  Returns the number of
 * objects, or -1.
 */
static long
scan_member_counts(const char *s, size_t n, unsigned *counts, size_t max)
{
	/* Per nesting level: index of the object, or -1 for an array. */
	long stack[JX_DEPTH_MAX];
	int top = -1;
	long nobj = 0;
	bool want_key = false;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"') {
			if (want_key && top >= 0 && stack[top] >= 0)
				counts[stack[top]]++;
			want_key = false;
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
		} else if (!outside_ok((unsigned char)c)) {
			return -1;
		} else if (c == '{') {
			if ((size_t)nobj >= max || top >= JX_DEPTH_MAX - 1)
				return -1;
			counts[nobj] = 0;
			stack[++top] = nobj++;
			want_key = true;
		} else if (c == '[') {
			if (top >= JX_DEPTH_MAX - 1)
				return -1;
			stack[++top] = -1;
		} else if (c == '}' || c == ']') {
			if (top < 0 || (c == '}') != (stack[top] >= 0))
				return -1;
			top--;
		} else if (c == ',') {
			want_key = top >= 0 && stack[top] >= 0;
		}
	}
	return top == -1 ? nobj : -1;
}

/* Walk the tree in document order comparing member counts. */
static bool
tree_matches(struct json_object *o, const unsigned *counts, long nobj,
    long *idx)
{
	size_t i, len;

	switch (json_object_get_type(o)) {
	case json_type_object:
		if (*idx >= nobj ||
		    (unsigned)json_object_object_length(o) != counts[*idx])
			return false;
		(*idx)++;
		{
			json_object_object_foreach(o, k, v) {
				(void)k;
				if (!tree_matches(v, counts, nobj, idx))
					return false;
			}
		}
		return true;
	case json_type_array:
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			if (!tree_matches(json_object_array_get_idx(o, i), counts,
			    nobj, idx))
				return false;
		return true;
	default:
		return true;
	}
}

/*
 * The member counts of every object are kept for one pass: one slot per
 * '{' of the text (inside strings too, an upper bound), so no legitimate
 * answer, however many objects it holds, can exceed it.
 */
static bool
no_duplicate_names(const char *text, size_t len, struct json_object *o)
{
	const char *p = text, *end = text + len;
	unsigned *counts;
	size_t max = 0;
	long nobj, idx = 0;
	bool ok;

	while ((p = memchr(p, '{', (size_t)(end - p))) != NULL) {
		max++;
		p++;
	}
	counts = xcalloc(max + 1, sizeof(*counts));
	nobj = scan_member_counts(text, len, counts, max);
	ok = nobj >= 0 && tree_matches(o, counts, nobj, &idx) && idx == nobj;
	free(counts);
	return ok;
}

/* Refuse NaN/Infinity and strings holding NUL anywhere in the tree. */
static bool
values_sane(struct json_object *o)
{
	size_t i, len;

	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_int:
		/* json-c saturates integers that do not fit in 64 bits. */
		return json_object_get_int64(o) != INT64_MIN &&
		    json_object_get_uint64(o) != UINT64_MAX;
	case json_type_string:
		len = (size_t)json_object_get_string_len(o);
		return memchr(json_object_get_string(o), '\0', len) == NULL;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (!values_sane(v))
				return false;
		}
		return true;
	}
	case json_type_array:
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			if (!values_sane(json_object_array_get_idx(o, i)))
				return false;
		return true;
	default:
		return true;
	}
}

enum err
jx_parse(struct arena *a, const char *text, size_t len, size_t max_len,
    int max_depth, struct json_object **out, const char **why)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	*out = NULL;
	if (len > max_len) {
		*why = "the JSON text is too large";
		return ERR_TOO_LARGE;
	}
	if (len > INT32_MAX || memchr(text, '\0', len) != NULL) {
		*why = "the JSON text holds a NUL byte";
		return ERR_INVALID;
	}
	if (max_depth < 1 || max_depth > JX_DEPTH_MAX)
		max_depth = JX_DEPTH_MAX;
	/* json-c counts the outermost value as depth 1, as API.md does. */
	tok = json_tokener_new_ex(max_depth);
	if (tok == NULL) {
		*why = "cannot parse";
		return ERR_INTERNAL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue) {
		/* A bare top-level number ends only at a delimiter. */
		o = json_tokener_parse_ex(tok, " ", 1);
		end = len;
	}
	if (o == NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		json_tokener_free(tok);
		*why = e == json_tokener_error_depth ?
		    "the JSON text is nested too deeply" :
		    e == json_tokener_continue ? "the JSON text ends early" :
		    e == json_tokener_error_parse_utf8_string ?
		    "the JSON text is not valid UTF-8" :
		    "the text is not valid JSON";
		return ERR_INVALID;
	}
	json_tokener_free(tok);
	while (end < len && (text[end] == ' ' || text[end] == '\t' ||
	    text[end] == '\n' || text[end] == '\r'))
		end++;
	if (end != len) {
		json_object_put(o);
		*why = "the JSON text has data after its value";
		return ERR_INVALID;
	}
	if (!no_duplicate_names(text, len, o)) {
		json_object_put(o);
		*why = "the text is not strict JSON or repeats a member name";
		return ERR_INVALID;
	}
	if (!values_sane(o)) {
		json_object_put(o);
		*why = "the JSON text holds a NUL character, a non-finite number or an "
		    "integer beyond 64 bits";
		return ERR_INVALID;
	}
	if (a != NULL && (o = jx_own(a, o)) == NULL) {
		*why = "the request needs too much memory";
		return ERR_TOO_LARGE;
	}
	*out = o;
	return ERR_OK;
}

struct json_object *
jx_get(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return NULL;
	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

const char *
jx_str(struct json_object *obj, const char *key, size_t *len)
{
	struct json_object *v = jx_get(obj, key);
	size_t n;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	n = (size_t)json_object_get_string_len(v);
	if (memchr(json_object_get_string(v), '\0', n) != NULL)
		return NULL;
	if (len != NULL)
		*len = n;
	return json_object_get_string(v);
}

bool
jx_array_has(struct json_object *arr, const char *s)
{
	size_t i, n;

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return false;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		if (json_object_is_type(e, json_type_string) &&
		    strcmp(json_object_get_string(e), s) == 0)
			return true;
	}
	return false;
}

bool
jx_is_int(struct json_object *o)
{
	return o != NULL && json_object_is_type(o, json_type_int);
}

bool
jx_int(struct json_object *obj, const char *key, int64_t min, int64_t max,
    int64_t *out)
{
	struct json_object *v = jx_get(obj, key);
	int64_t x;

	if (!jx_is_int(v))
		return false;
	/* Values above INT64_MAX are kept as uint64 by json-c. */
	if (json_object_get_int64(v) == INT64_MAX &&
	    json_object_get_uint64(v) != (uint64_t)INT64_MAX)
		return false;
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return false;
	*out = x;
	return true;
}

bool
jx_bool(struct json_object *obj, const char *key, bool *out)
{
	struct json_object *v = jx_get(obj, key);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

bool
jx_write(struct buf *out, struct json_object *o)
{
	size_t n;
	const char *s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

	return s != NULL && buf_append(out, s, n);
}

static int
days_in_month(int64_t y, int64_t m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

bool
jx_valid_date(const char *s, size_t n)
{
	int64_t y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!str_to_i64(s, 4, 1000, 9999, &y) ||
	    !(s[5] >= '0' && s[5] <= '9') || !(s[8] >= '0' && s[8] <= '9'))
		return false;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!(s[6] >= '0' && s[6] <= '9') || !(s[9] >= '0' && s[9] <= '9'))
		return false;
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

static bool
two_digits(const char *s, int max)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	    (s[0] - '0') * 10 + (s[1] - '0') <= max;
}

bool
jx_valid_time(const char *s, size_t n)
{
	return n == 20 && jx_valid_date(s, 10) && s[10] == 'T' &&
	    two_digits(s + 11, 23) && s[13] == ':' && two_digits(s + 14, 59) &&
	    s[16] == ':' && two_digits(s + 17, 59) && s[19] == 'Z';
}

static bool
check_string(struct json_object *v, const struct jx_field *f,
    const char **why)
{
	size_t n = (size_t)json_object_get_string_len(v);
	const char *s = json_object_get_string(v);
	const char *const *p;

	if (f->type == JX_STRING && n == 0) {
		*why = "must not be empty";
		return false;
	}
	if (f->max > 0 && n > (size_t)f->max) {
		*why = "is too long";
		return false;
	}
	if (f->type == JX_DATE && !jx_valid_date(s, n)) {
		*why = "must be a date YYYY-MM-DD";
		return false;
	}
	if (f->type == JX_TIME && !jx_valid_time(s, n)) {
		*why = "must be a UTC time YYYY-MM-DDTHH:MM:SSZ";
		return false;
	}
	if (f->one_of != NULL) {
		for (p = f->one_of; *p != NULL; p++)
			if (strcmp(*p, s) == 0)
				return true;
		*why = "is not one of the allowed values";
		return false;
	}
	return true;
}

static bool
check_number(struct json_object *v, const struct jx_field *f,
    const char **why)
{
	double d;

	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);
		if ((x == INT64_MAX && json_object_get_uint64(v) !=
		    (uint64_t)INT64_MAX) || x < f->min || x > f->max) {
			*why = "is out of range";
			return false;
		}
		return true;
	}
	if (f->type == JX_INT || !json_object_is_type(v, json_type_double)) {
		*why = f->type == JX_INT ? "must be an integer" :
		    "must be a number";
		return false;
	}
	d = json_object_get_double(v);
	if (!(d >= (double)f->min && d <= (double)f->max)) {
		*why = "is out of range";
		return false;
	}
	return true;
}

static bool
check_str_array(struct json_object *v, const struct jx_field *f,
    const char **why)
{
	size_t i, len = json_object_array_length(v);

	if (f->max > 0 && len > (size_t)f->max) {
		*why = "has too many items";
		return false;
	}
	for (i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) == 0 ||
		    json_object_get_string_len(e) > 256) {
			*why = "must be an array of non-empty strings";
			return false;
		}
	}
	return true;
}

static bool
check_one(struct json_object *v, const struct jx_field *f, const char **why)
{
	switch (f->type) {
	case JX_STRING:
	case JX_STRING0:
	case JX_DATE:
	case JX_TIME:
		if (!json_object_is_type(v, json_type_string)) {
			*why = "must be a string";
			return false;
		}
		return check_string(v, f, why);
	case JX_INT:
	case JX_NUMBER:
		return check_number(v, f, why);
	case JX_BOOL:
		if (!json_object_is_type(v, json_type_boolean)) {
			*why = "must be true or false";
			return false;
		}
		return true;
	case JX_STR_ARRAY:
		if (!json_object_is_type(v, json_type_array)) {
			*why = "must be an array";
			return false;
		}
		return check_str_array(v, f, why);
	case JX_OBJECT:
		if (!json_object_is_type(v, json_type_object)) {
			*why = "must be an object";
			return false;
		}
		return true;
	default:
		*why = "has an unknown type";
		return false;
	}
}

bool
jx_check(struct json_object *obj, const struct jx_field *fields, size_t n,
    bool allow_unknown, const char **why, const char **field)
{
	size_t i;

	*field = NULL;
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		*why = "the body must be a JSON object";
		return false;
	}
	for (i = 0; i < n; i++) {
		struct json_object *v = jx_get(obj, fields[i].name);
		*field = fields[i].name;
		if (v == NULL) {
			if (fields[i].required) {
				*why = "is required";
				return false;
			}
			continue;
		}
		if (!check_one(v, &fields[i], why))
			return false;
	}
	*field = NULL;
	if (allow_unknown)
		return true;
	{
		json_object_object_foreach(obj, k, v) {
			(void)v;
			for (i = 0; i < n; i++)
				if (strcmp(k, fields[i].name) == 0)
					break;
			if (i == n) {
				*field = k;
				*why = "is not a known field";
				return false;
			}
		}
	}
	return true;
}
