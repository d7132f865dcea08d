/*
 * growvrdctl plants import FILE.tsv|FILE.json... | plants remove FILE... |
 * plants export
 *
 * import and remove run ctl/plants_jobs (the file checked whole, then
 * written by GROWVRD_IMPORT_JOBS parallel jobs, with a progress line).
 *
 * export prints the catalog (tombstones left out, the catalog stamp
 * stripped) as a JSON array sorted by id, which import takes back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/config.h"
#include "ctl/ctl.h"
#include "ctl/plants_jobs.h"
#include "http/ctx.h"
#include "json/jx.h"
#include "store/plants.h"

/* Scan pages of export, in plants: each answer stays well below what one
 * DynamoDB answer may hold (LIM_AWS_RESP_MAX) and comes back quickly from
 * a busy DynamoDB Local. */
#define EXPORT_PAGE         500

/* ---- export -------------------------------------------------------- */

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
	struct json_object *start = NULL, *it;
	struct ddb_page page;
	size_t i, n;
	enum err e;

	do {
		e = ddb_scan(&app->ddb, a, app->cfg.plants_table, start,
		    EXPORT_PAGE, &page);
		if (e != ERR_OK)
			return e;
		n = json_object_array_length(page.items);
		for (i = 0; i < n; i++) {
			it = json_object_array_get_idx(page.items, i);
			if (plants_is_tombstone(it))
				continue;
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
	struct app app;
	struct arena *a;
	enum err e = ERR_OK;
	int i;
	bool import = argc >= 3 && strcmp(argv[1], "import") == 0;
	bool rm = argc >= 3 && strcmp(argv[1], "remove") == 0;

	if (!import && !rm && !(argc == 2 && strcmp(argv[1], "export") == 0)) {
		fprintf(stderr, "usage: growvrdctl plants import FILE.tsv|"
		    "FILE.json...\n       growvrdctl plants remove FILE.tsv|"
		    "FILE.json...\n       growvrdctl plants export\n");
		return 2;
	}
	if (!app_open(&app)) {
		app_close(&app);
		return 1;
	}
	if (import || rm) {
		for (i = 2; i < argc && e == ERR_OK; i++)
			e = plants_jobs_run(&app.cfg, argv[i], import ?
			    PLANTS_JOBS_IMPORT : PLANTS_JOBS_REMOVE);
	} else {
		a = arena_new(0);
		e = export_all(&app, a);
		arena_free(a);
	}
	if (e != ERR_OK)
		fprintf(stderr, "growvrdctl plants %s: %s\n", argv[1],
		    err_name(e));
	app_close(&app);
	return e == ERR_OK ? 0 : 1;
}
