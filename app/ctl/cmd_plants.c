/*
 * growvrdctl plants import FILE.tsv|FILE.json | plants export
 *
 * import reads the seed catalog's TSV (header row, 40 columns) or a JSON
 * array of plants, types and validates every row with the catalog's one
 * schema, and puts each plant that is not there yet (a conditional put:
 * running it twice changes nothing).  export prints the catalog as a JSON
 * array sorted by id, which import takes back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/buf.h"
#include "ctl/ctl.h"
#include "http/ctx.h"
#include "json/jx.h"
#include "store/catalog_sync.h"
#include "store/plants.h"

#define IMPORT_FILE_MAX (16 * 1024 * 1024)
#define TSV_COLUMNS_MAX 64

static bool
read_file(const char *path, struct buf *out)
{
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");
	bool ok = true;

	if (f == NULL)
		return false;
	while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ok = buf_append(out, chunk, n);
	ok = ok && !ferror(f);
	fclose(f);
	return ok;
}

/* Split line in place at tabs; returns the column count or -1. */
static int
split_tabs(char *line, char **cols)
{
	int n = 0;
	char *p = line, *tab;

	for (;;) {
		if (n == TSV_COLUMNS_MAX)
			return -1;
		cols[n++] = p;
		if ((tab = strchr(p, '\t')) == NULL)
			return n;
		*tab = '\0';
		p = tab + 1;
	}
}

/* Put plant unless its id exists.  *created tells which happened. */
static enum err
put_new(struct app *app, struct arena *a, struct json_object *plant,
    bool *created)
{
	struct ddb_expr e = { "attribute_not_exists(id)", NULL, NULL, NULL };
	enum err err;

	if (jx_get(plant, "version") == NULL)
		json_object_object_add(plant, "version", json_object_new_int(1));
	plants_stamp(plant, catalog_now_ms());
	err = ddb_put_item(&app->ddb, a, app->cfg.plants_table, plant, &e);
	*created = err == ERR_OK;
	return err == ERR_PRECONDITION ? ERR_OK : err;
}

struct tally {
	int created, unchanged;
};

static enum err
import_one(struct app *app, struct arena *a, struct json_object *plant,
    struct tally *t)
{
	bool created;
	enum err e = put_new(app, a, plant, &created);

	if (e == ERR_OK)
		created ? t->created++ : t->unchanged++;
	return e;
}

static enum err
import_tsv(struct app *app, struct arena *a, char *text, struct tally *t)
{
	char *cols[TSV_COLUMNS_MAX], *names[TSV_COLUMNS_MAX], *line, *next;
	struct json_object *plant;
	const char *why, *field;
	int ncols = -1, n, lineno = 0;
	enum err e;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (*line == '\0')
			continue;
		if (ncols < 0) {
			if ((ncols = split_tabs(line, names)) < 0)
				goto toomany;
			continue;
		}
		if ((n = split_tabs(line, cols)) < 0)
			goto toomany;
		if (n != ncols) {
			fprintf(stderr, "line %d: %d columns, the header has %d\n",
			    lineno, n, ncols);
			return ERR_INVALID;
		}
		e = plants_from_columns(a, (const char *const *)names,
		    (const char *const *)cols, (size_t)n, &plant, &why, &field);
		if (e != ERR_OK) {
			fprintf(stderr, "line %d: %s %s\n", lineno,
			    field ? field : "row", why);
			return e;
		}
		if ((e = import_one(app, a, plant, t)) != ERR_OK)
			return e;
	}
	return ERR_OK;
toomany:
	fprintf(stderr, "line %d: more than %d columns\n", lineno,
	    TSV_COLUMNS_MAX);
	return ERR_INVALID;
}

static enum err
import_json(struct app *app, struct arena *a, const struct buf *text,
    struct tally *t)
{
	struct json_object *arr, *p;
	const char *why, *field;
	size_t i, n;
	enum err e;

	e = jx_parse(a, buf_cstr(text), text->len, IMPORT_FILE_MAX, 32, &arr,
	    &why);
	if (e != ERR_OK || !json_object_is_type(arr, json_type_array)) {
		fprintf(stderr, "not a JSON array of plants: %s\n",
		    e != ERR_OK ? why : "not an array");
		return ERR_INVALID;
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(arr, i);
		if (!plants_validate(p, &why, &field)) {
			fprintf(stderr, "plant %zu: %s %s\n", i + 1,
			    field ? field : "item", why);
			return ERR_INVALID;
		}
		if ((e = import_one(app, a, p, t)) != ERR_OK)
			return e;
	}
	return ERR_OK;
}

static int
by_id(const void *x, const void *y)
{
	const char *a = jx_str(*(struct json_object *const *)x, "id", NULL);
	const char *b = jx_str(*(struct json_object *const *)y, "id", NULL);

	return strcmp(a ? a : "", b ? b : "");
}

static enum err
export_all(struct app *app, struct arena *a)
{
	struct json_object *all = jx_own(a, json_object_new_array());
	struct json_object *start = NULL;
	struct ddb_page page;
	size_t i, n;
	enum err e;

	do {
		e = ddb_scan(&app->ddb, a, app->cfg.plants_table, start, 0, &page);
		if (e != ERR_OK)
			return e;
		n = json_object_array_length(page.items);
		for (i = 0; i < n; i++) {
			struct json_object *it =
			    json_object_array_get_idx(page.items, i);
			if (!plants_is_tombstone(it))
				json_object_array_add(all, json_object_get(
				    plants_canonical(a, it)));
		}
	} while ((start = page.last_key) != NULL);
	json_object_array_sort(all, by_id);
	n = json_object_array_length(all);
	printf("[\n");
	for (i = 0; i < n; i++)
		printf("%s%s\n", json_object_to_json_string_ext(
		    json_object_array_get_idx(all, i), JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE), i + 1 < n ? "," : "");
	printf("]\n");
	return ERR_OK;
}

int
cmd_plants(int argc, char **argv)
{
	struct tally t = { 0, 0 };
	struct app app;
	struct arena *a;
	struct buf text;
	enum err e;
	bool import = argc == 3 && strcmp(argv[1], "import") == 0;

	if (!import && !(argc == 2 && strcmp(argv[1], "export") == 0)) {
		fprintf(stderr, "usage: growvrdctl plants import FILE.tsv|FILE.json"
		    "\n       growvrdctl plants export\n");
		return 2;
	}
	buf_init(&text, IMPORT_FILE_MAX);
	if (import && !read_file(argv[2], &text)) {
		fprintf(stderr, "growvrdctl plants: cannot read %s (missing or "
		    "over 16 MiB)\n", argv[2]);
		buf_free(&text);
		return 1;
	}
	if (!app_open(&app)) {
		app_close(&app);
		buf_free(&text);
		return 1;
	}
	a = arena_new(0);
	if (!import)
		e = export_all(&app, a);
	else if (strlen(argv[2]) > 5 &&
	    strcmp(argv[2] + strlen(argv[2]) - 5, ".json") == 0)
		e = import_json(&app, a, &text, &t);
	else
		e = import_tsv(&app, a, text.data ? text.data : (char *)"", &t);
	if (import)
		printf("plants: %d created, %d unchanged\n", t.created,
		    t.unchanged);
	if (e != ERR_OK)
		fprintf(stderr, "growvrdctl plants %s: %s\n", argv[1], err_name(e));
	arena_free(a);
	app_close(&app);
	buf_free(&text);
	return e == ERR_OK ? 0 : 1;
}
