#include "ctl/plants_import.h"

#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "aws/ddb_batch.h"
#include "aws/ddb_write.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/xalloc.h"
#include "json/jx.h"
#include "store/catalog_sync.h"
#include "store/plants.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

_Static_assert(LIM_IMPORT_RECORD_MAX == LIM_BODY_MAX,
    "an imported plant is bounded as one sent to the admin API");

/* Conditional puts of one plant tried at most this often when admin
 * writes keep changing it between our read and our write. */
#define IMPORT_PUT_TRIES 3

/* ---- readers ------------------------------------------------------- */

enum json_state { J_START, J_FIRST, J_NEXT, J_END };

struct plants_reader {
	FILE               *f;          /* borrowed */
	enum plants_format  fmt;
	struct buf          rec;        /* the record being read */
	bool                failed;
	long                lineno;     /* TSV: lines read */
	long                count;      /* JSON: plants started */
	enum json_state     state;      /* JSON */
	char               *header;     /* TSV: the header line, split */
	char               *names[LIM_IMPORT_COLUMNS];
	int                 ncols;      /* -1 until the header is read */
};

struct plants_reader *
plants_reader_new(FILE *f, enum plants_format fmt)
{
	struct plants_reader *r = xcalloc(1, sizeof(*r));

	r->f = f;
	r->fmt = fmt;
	r->ncols = -1;
	r->state = J_START;
	buf_init(&r->rec, LIM_IMPORT_RECORD_MAX);
	return r;
}

void
plants_reader_free(struct plants_reader *r)
{
	if (r == NULL)
		return;
	buf_free(&r->rec);
	free(r->header);
	free(r);
}

/* Set msg and fail the reader for good: returns -1. */
static int
fail(struct plants_reader *r, char *msg, size_t msglen, const char *what,
    long n, const char *why)
{
	snprintf(msg, msglen, "%s %ld: %s", what, n, why);
	r->failed = true;
	return -1;
}

/* One line into r->rec without its end ("\n" or "\r\n"): 1, 0 at the
 * end of the file, -1 too long or holding a NUL byte (*why). */
static int
read_line(struct plants_reader *r, const char **why)
{
	int c;

	buf_reset(&r->rec);
	if ((c = getc(r->f)) == EOF)
		return 0;
	r->lineno++;
	for (; c != EOF && c != '\n'; c = getc(r->f)) {
		if (c == '\0') {
			*why = "holds a NUL byte";
			return -1;
		}
		if (!buf_putc(&r->rec, (char)c)) {
			*why = "is longer than " STR(LIM_IMPORT_RECORD_MAX) " bytes";
			return -1;
		}
	}
	if (r->rec.len > 0 && r->rec.data[r->rec.len - 1] == '\r')
		r->rec.data[--r->rec.len] = '\0';
	return 1;
}

/* Split line in place at tabs; returns the column count or -1. */
static int
split_tabs(char *line, char **cols)
{
	int n = 0;
	char *p = line, *tab;

	for (;;) {
		if (n == LIM_IMPORT_COLUMNS)
			return -1;
		cols[n++] = p;
		if ((tab = strchr(p, '\t')) == NULL)
			return n;
		*tab = '\0';
		p = tab + 1;
	}
}

static int
next_tsv(struct plants_reader *r, struct arena *a, struct json_object **plant,
    char *msg, size_t msglen)
{
	char *cols[LIM_IMPORT_COLUMNS], m[128];
	const char *why = NULL, *field = NULL;
	int n, got;

	for (;;) {
		if ((got = read_line(r, &why)) <= 0)
			break;
		if (r->rec.len == 0)
			continue;
		if (r->ncols < 0) {
			r->header = xstrdup(r->rec.data);
			if ((r->ncols = split_tabs(r->header, r->names)) < 0)
				return fail(r, msg, msglen, "line", r->lineno,
				    "more than " STR(LIM_IMPORT_COLUMNS) " columns");
			continue;
		}
		if ((n = split_tabs(r->rec.data, cols)) < 0)
			return fail(r, msg, msglen, "line", r->lineno,
			    "more than " STR(LIM_IMPORT_COLUMNS) " columns");
		if (n != r->ncols) {
			snprintf(m, sizeof(m), "%d columns, the header has %d",
			    n, r->ncols);
			return fail(r, msg, msglen, "line", r->lineno, m);
		}
		if (plants_from_columns(a, (const char *const *)r->names,
		    (const char *const *)cols, (size_t)n, plant, &why,
		    &field) != ERR_OK) {
			snprintf(m, sizeof(m), "%s %s", field ? field : "row",
			    why);
			return fail(r, msg, msglen, "line", r->lineno, m);
		}
		return 1;
	}
	if (got < 0)
		return fail(r, msg, msglen, "line", r->lineno, why);
	return 0;
}

static int
skip_ws(FILE *f)
{
	int c;

	do
		c = getc(f);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	return c;
}

/* One JSON object starting with c into r->rec: its closing brace ends
 * it (strings and escapes followed); jx_parse judges the rest. */
static const char *
scan_object(struct plants_reader *r, int c)
{
	bool in_str = false, esc = false;
	long depth = 0;

	buf_reset(&r->rec);
	if (c != '{')
		return "is not a JSON object";
	for (;;) {
		if (c == EOF)
			return "is cut off by the end of the file";
		if (!buf_putc(&r->rec, (char)c))
			return "is longer than " STR(LIM_IMPORT_RECORD_MAX) " bytes";
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return NULL;
		c = getc(r->f);
	}
}

static int
next_json(struct plants_reader *r, struct arena *a,
    struct json_object **plant, char *msg, size_t msglen)
{
	const char *why = NULL, *field = NULL;
	char m[160];
	int c = EOF;

	switch (r->state) {
	case J_START:
		if (skip_ws(r->f) != '[')
			return fail(r, msg, msglen, "byte", 1,
			    "the file is not a JSON array of plants");
		r->state = J_FIRST;
		/* FALLTHROUGH */
	case J_FIRST:
		if ((c = skip_ws(r->f)) == ']')
			goto end;
		break;
	case J_NEXT:
		if ((c = skip_ws(r->f)) == ']')
			goto end;
		if (c != ',')
			return fail(r, msg, msglen, "plant", r->count,
			    "is followed by neither ',' nor ']'");
		c = skip_ws(r->f);
		break;
	case J_END:
		return 0;
	}
	r->count++;
	if ((why = scan_object(r, c)) != NULL)
		return fail(r, msg, msglen, "plant", r->count, why);
	if (jx_parse(a, r->rec.data, r->rec.len, LIM_IMPORT_RECORD_MAX,
	    LIM_JSON_DEPTH, plant, &why) != ERR_OK)
		return fail(r, msg, msglen, "plant", r->count, why);
	if (!plants_validate(*plant, &why, &field)) {
		snprintf(m, sizeof(m), "%s %s", field ? field : "plant", why);
		return fail(r, msg, msglen, "plant", r->count, m);
	}
	json_object_object_del(*plant, "version");
	r->state = J_NEXT;
	return 1;
end:
	r->state = J_END;
	if (skip_ws(r->f) != EOF)
		return fail(r, msg, msglen, "plant", r->count,
		    "the array is followed by more text");
	return 0;
}

int
plants_reader_next(struct plants_reader *r, struct arena *a,
    struct json_object **plant, char *msg, size_t msglen)
{
	int got;

	*plant = NULL;
	if (r->failed) {
		snprintf(msg, msglen, "the file could not be read");
		return -1;
	}
	got = r->fmt == PLANTS_TSV ? next_tsv(r, a, plant, msg, msglen) :
	    next_json(r, a, plant, msg, msglen);
	if (got == 0 && ferror(r->f)) {
		snprintf(msg, msglen, "the file could not be read");
		r->failed = true;
		return -1;
	}
	return got;
}

/* ---- content ------------------------------------------------------- */

static bool
is_number(struct json_object *o)
{
	return json_object_is_type(o, json_type_int) ||
	    json_object_is_type(o, json_type_double);
}

static bool
same_value(struct json_object *x, struct json_object *y)
{
	size_t i, n;

	if (is_number(x) && is_number(y)) {
		if (json_object_is_type(x, json_type_int) &&
		    json_object_is_type(y, json_type_int))
			return json_object_get_int64(x) ==
			    json_object_get_int64(y);
		return json_object_get_double(x) == json_object_get_double(y);
	}
	if (json_object_get_type(x) != json_object_get_type(y))
		return false;
	switch (json_object_get_type(x)) {
	case json_type_null:
		return true;
	case json_type_boolean:
		return json_object_get_boolean(x) == json_object_get_boolean(y);
	case json_type_string:
		return json_object_get_string_len(x) ==
		    json_object_get_string_len(y) &&
		    memcmp(json_object_get_string(x), json_object_get_string(y),
		    (size_t)json_object_get_string_len(x)) == 0;
	case json_type_array:
		n = json_object_array_length(x);
		if (n != json_object_array_length(y))
			return false;
		for (i = 0; i < n; i++)
			if (!same_value(json_object_array_get_idx(x, i),
			    json_object_array_get_idx(y, i)))
				return false;
		return true;
	case json_type_object:
		if (json_object_object_length(x) != json_object_object_length(y))
			return false;
		{
			json_object_object_foreach(x, k, v) {
				struct json_object *w;
				if (!json_object_object_get_ex(y, k, &w) ||
				    !same_value(v, w))
					return false;
			}
		}
		return true;
	default:
		return false;
	}
}

bool
plants_same_content(struct json_object *a, struct json_object *b)
{
	const struct jx_field *schema;
	struct json_object *x, *y;
	size_t i, n;
	bool hx, hy;

	schema = plants_schema(&n);
	for (i = 0; i < n; i++) {
		hx = json_object_object_get_ex(a, schema[i].name, &x);
		hy = json_object_object_get_ex(b, schema[i].name, &y);
		if (hx != hy || (hx && !same_value(x, y)))
			return false;
	}
	return true;
}

/* ---- importer ------------------------------------------------------ */

void
plants_import_init(struct plants_import *imp, struct ddb *d,
    const char *table)
{
	memset(imp, 0, sizeof(*imp));
	imp->ddb = d;
	imp->table = table;
}

void
plants_import_free(struct plants_import *imp)
{
	arena_free(imp->a);
	imp->a = NULL;
	imp->pending = imp->ids = NULL;
}

static void
start_batch(struct plants_import *imp)
{
	if (imp->a != NULL)
		return;
	imp->a = arena_new(0);
	imp->pending = jx_own(imp->a, json_object_new_array());
	imp->ids = jx_own(imp->a, json_object_new_object());
}

/* The item to store: plant's members, version, the catalog stamp. */
static struct json_object *
item_of(struct arena *a, struct json_object *plant, int64_t version)
{
	struct json_object *it = jx_own(a, json_object_new_object());

	json_object_object_foreach(plant, k, v)
		json_object_object_add(it, k, json_object_get(v));
	json_object_object_add(it, "version", json_object_new_int64(version));
	plants_stamp(it, catalog_now_ms());
	return it;
}

static int64_t
version_of(struct json_object *stored)
{
	int64_t v = 0;

	if (stored != NULL &&
	    !jx_int(stored, "version", 0, INT32_MAX - 1, &v))
		v = 0;
	return v;
}

/*
 * Write plant over what is stored (stored: NULL when nothing), on the
 * condition that nothing changed since it was read; re-read and decide
 * again when something did.
 */
static enum err
put_over(struct plants_import *imp, struct arena *a,
    struct json_object *plant, struct json_object *stored)
{
	struct json_object *names = jx_own(a, json_object_new_object());
	struct json_object *key = jx_own(a, json_object_new_object());
	struct ddb_expr x = { NULL, NULL, NULL, NULL };
	const char *id = jx_str(plant, "id", NULL);
	int tries;
	bool tomb;
	enum err e;

	json_object_object_add(names, "#version",
	    json_object_new_string("version"));
	json_object_object_add(key, "id", json_object_new_string(id));
	for (tries = 0; tries < IMPORT_PUT_TRIES; tries++) {
		struct json_object *values = jx_own(a, json_object_new_object());
		tomb = stored != NULL && plants_is_tombstone(stored);
		if (stored != NULL && !tomb &&
		    plants_same_content(plant, stored)) {
			imp->unchanged++;
			return ERR_OK;
		}
		x.names = NULL;
		x.values = NULL;
		if (stored == NULL)
			x.condition = "attribute_not_exists(id)";
		else if (jx_get(stored, "version") == NULL) {
			x.condition = "attribute_exists(id) AND "
			    "attribute_not_exists(#version)";
			x.names = names;
		} else {
			x.condition = "#version = :v";
			x.names = names;
			x.values = values;
			json_object_object_add(values, ":v",
			    json_object_new_int64(version_of(stored)));
		}
		e = ddb_put_item(imp->ddb, a, imp->table,
		    item_of(a, plant, version_of(stored) + 1), &x);
		if (e == ERR_OK) {
			stored == NULL || tomb ? imp->created++ : imp->updated++;
			return ERR_OK;
		}
		if (e != ERR_PRECONDITION)
			return e;
		imp->conflicts++;
		if ((e = ddb_get_item(imp->ddb, a, imp->table, key, true,
		    &stored)) != ERR_OK)
			return e;
	}
	return ERR_CONFLICT;
}

enum err
plants_import_flush(struct plants_import *imp)
{
	struct json_object *keys, *found, *byid, *puts, *p, *stored;
	struct arena *a = imp->a;
	size_t i, n;
	enum err e;

	if (a == NULL)
		return ERR_OK;
	n = json_object_array_length(imp->pending);
	keys = jx_own(a, json_object_new_array());
	for (i = 0; i < n; i++) {
		struct json_object *k = json_object_new_object();
		json_object_object_add(k, "id", json_object_get(jx_get(
		    json_object_array_get_idx(imp->pending, i), "id")));
		json_object_array_add(keys, k);
	}
	e = ddb_batch_get_ex(imp->ddb, a, imp->table, keys, true, &found);
	if (e != ERR_OK)
		goto out;
	byid = jx_own(a, json_object_new_object());
	for (i = 0; i < json_object_array_length(found); i++) {
		struct json_object *it = json_object_array_get_idx(found, i);
		const char *id = jx_str(it, "id", NULL);
		if (id != NULL)
			json_object_object_add(byid, id, json_object_get(it));
	}
	puts = jx_own(a, json_object_new_array());
	for (i = 0; i < n && e == ERR_OK; i++) {
		p = json_object_array_get_idx(imp->pending, i);
		stored = jx_get(byid, jx_str(p, "id", NULL));
		if (stored == NULL)
			json_object_array_add(puts, json_object_get(
			    item_of(a, p, 1)));
		else
			e = put_over(imp, a, p, stored);
	}
	if (e == ERR_OK &&
	    (e = ddb_batch_write(imp->ddb, a, imp->table, puts, NULL)) ==
	    ERR_OK)
		imp->created += (long)json_object_array_length(puts);
out:
	plants_import_free(imp);
	return e;
}

enum err
plants_import_add(struct plants_import *imp, struct json_object *plant)
{
	const char *id = jx_str(plant, "id", NULL);
	enum err e;

	if (id == NULL)
		return ERR_INVALID;
	/* One BatchWriteItem must not name an id twice. */
	if (imp->a != NULL && jx_get(imp->ids, id) != NULL &&
	    (e = plants_import_flush(imp)) != ERR_OK)
		return e;
	start_batch(imp);
	json_object_array_add(imp->pending, json_object_get(plant));
	json_object_object_add(imp->ids, id, json_object_new_boolean(1));
	if (json_object_array_length(imp->pending) == PLANTS_IMPORT_BATCH)
		return plants_import_flush(imp);
	return ERR_OK;
}
