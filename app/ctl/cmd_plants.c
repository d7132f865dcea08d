/*
 * growvrdctl plants import FILE.tsv|FILE.json... | plants remove FILE... |
 * plants export
 *
 * import reads the seed catalog's TSV (header row, 40 columns) or a JSON
 * array of plants through ctl/plants_import, twice: a first pass checks
 * every record with the catalog's one schema (a bad file writes nothing),
 * a second one writes, in GROWVRD_IMPORT_JOBS parallel jobs (2 by
 * default), each with its own connection and the plants whose id hashes
 * to it (so a file that names an id twice ends with its last record).
 * Writes go in batches (BatchGetItem, then BatchWriteItem): the catalog
 * ends up holding each plant as the file has it, and a second run of the
 * same file changes nothing.  A progress line goes to stderr every
 * second, the totals to stdout.  The file is streamed: only a record at
 * a time is in memory (LIM_IMPORT_RECORD_MAX).
 *
 * remove turns every plant of the file that is stored into a tombstone
 * (as the admin API's DELETE does): the bulk counterpart of import, for
 * tests and benchmarks that load a catalog and take it away again.
 *
 * export prints the catalog (tombstones left out, the catalog stamp
 * stripped) as a JSON array sorted by id, which import takes back.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "aws/ddb_batch.h"
#include "aws/ddb_write.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/str.h"
#include "ctl/ctl.h"
#include "http/ctx.h"
#include "json/jx.h"
#include "net/httpc.h"
#include "store/catalog_sync.h"
#include "store/plants.h"
#include "ctl/plants_import.h"

/* Writers in parallel: DynamoDB (and DynamoDB Local even more) spends
 * most of a BatchWriteItem waiting, so two connections keep it busy.
 * GROWVRD_IMPORT_JOBS overrides, 1 to IMPORT_JOBS_MAX. */
#define IMPORT_JOBS_DEFAULT 2
#define IMPORT_JOBS_MAX     16
/* Scan pages of export, in plants: each answer stays well below what one
 * DynamoDB answer may hold (LIM_AWS_RESP_MAX) and comes back quickly from
 * a busy DynamoDB Local. */
#define EXPORT_PAGE         500

enum mode { MODE_IMPORT, MODE_REMOVE };

/* What the jobs share: their tallies, published under mu. */
struct shared {
	pthread_mutex_t mu;
	pthread_cond_t  changed;
	long            read, created, updated, unchanged;
	int             running;
	bool            failed;
};

/* A removal batch: tombstone the stored plants of up to
 * PLANTS_IMPORT_BATCH ids. */
struct removal {
	struct arena       *a;
	struct json_object *keys;    /* plain {"id":...} of this batch */
	struct json_object *ids;     /* {id: true} */
};

/* One writer: a connection of its own, the plants whose id hashes to k. */
struct job {
	pthread_t            th;
	int                  k, n;
	enum mode            mode;
	const char          *path;
	const struct config *cfg;
	struct httpc        *http;
	struct aws          *aws;
	struct ddb           ddb;
	struct plants_import imp;       /* import; remove tallies here too */
	struct removal       rm;
	struct shared       *sh;
	long                 read;
	enum err             err;
};

static enum plants_format
format_of(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && strcmp(path + n - 5, ".json") == 0 ? PLANTS_JSON :
	    PLANTS_TSV;
}

/* FNV-1a: the same id always goes to the same job, in file order. */
static unsigned
id_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* ---- remove -------------------------------------------------------- */

static void
removal_start(struct removal *r)
{
	if (r->a != NULL)
		return;
	r->a = arena_new(0);
	r->keys = jx_own(r->a, json_object_new_array());
	r->ids = jx_own(r->a, json_object_new_object());
}

/* A tombstone of stored item it, as the admin API's DELETE leaves. */
static struct json_object *
tombstone(struct json_object *it, int64_t now_ms)
{
	struct json_object *t = json_object_new_object();
	int64_t v = 0;

	if (!jx_int(it, "version", 0, INT32_MAX - 1, &v))
		v = 0;
	json_object_object_add(t, "id", json_object_get(jx_get(it, "id")));
	json_object_object_add(t, "version", json_object_new_int64(v + 1));
	json_object_object_add(t, "deleted", json_object_new_boolean(1));
	json_object_object_add(t, "expires_at", json_object_new_int64(
	    now_ms / 1000 + PLANTS_TOMBSTONE_DAYS * 86400LL));
	plants_stamp(t, now_ms);
	return t;
}

/* Tombstone every live plant of the batch: BatchGetItem, then
 * BatchWriteItem.  (Unconditional: an admin write racing with the removal
 * is overwritten by the tombstone, as the operator asked.) */
static enum err
removal_flush(struct job *j)
{
	struct removal *r = &j->rm;
	struct json_object *found, *tombs, *it;
	size_t i, n;
	enum err e;

	if (r->a == NULL)
		return ERR_OK;
	e = ddb_batch_get_ex(&j->ddb, r->a, j->cfg->plants_table, r->keys,
	    true, &found);
	tombs = jx_own(r->a, json_object_new_array());
	n = e == ERR_OK ? json_object_array_length(found) : 0;
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(found, i);
		if (!plants_is_tombstone(it))
			json_object_array_add(tombs, tombstone(it, catalog_now_ms()));
	}
	if (e == ERR_OK)
		e = ddb_batch_write(&j->ddb, r->a, j->cfg->plants_table, tombs,
		    NULL);
	if (e == ERR_OK) {
		j->imp.created += (long)json_object_array_length(tombs);
		j->imp.unchanged += (long)(json_object_array_length(r->keys) -
		    json_object_array_length(tombs));
	}
	arena_free(r->a);
	r->a = NULL;
	return e;
}

static enum err
removal_add(struct job *j, struct json_object *plant)
{
	struct removal *r = &j->rm;
	const char *id = jx_str(plant, "id", NULL);
	struct json_object *k;
	enum err e;

	if (r->a != NULL && jx_get(r->ids, id) != NULL &&
	    (e = removal_flush(j)) != ERR_OK)
		return e;
	removal_start(r);
	k = json_object_new_object();
	json_object_object_add(k, "id", json_object_new_string(id));
	json_object_array_add(r->keys, k);
	json_object_object_add(r->ids, id, json_object_new_boolean(1));
	if (json_object_array_length(r->keys) == PLANTS_IMPORT_BATCH)
		return removal_flush(j);
	return ERR_OK;
}

/* ---- jobs ---------------------------------------------------------- */

static void
publish(struct job *j, bool last)
{
	struct shared *sh = j->sh;

	pthread_mutex_lock(&sh->mu);
	sh->read += j->read;
	sh->created += j->imp.created;
	sh->updated += j->imp.updated;
	sh->unchanged += j->imp.unchanged;
	j->read = j->imp.created = j->imp.updated = j->imp.unchanged = 0;
	if (j->err != ERR_OK)
		sh->failed = true;
	if (last)
		sh->running--;
	pthread_cond_signal(&sh->changed);
	pthread_mutex_unlock(&sh->mu);
}

static bool
others_failed(struct job *j)
{
	bool f;

	pthread_mutex_lock(&j->sh->mu);
	f = j->sh->failed;
	pthread_mutex_unlock(&j->sh->mu);
	return f;
}

/* Read the file (checked already) and write this job's share of it. */
static void *
job_main(void *arg)
{
	struct job *j = arg;
	struct plants_reader *r;
	struct json_object *plant;
	struct arena *a = arena_new(0);
	FILE *f = fopen(j->path, "rb");
	char msg[256];
	long since = 0;
	int got = 0;

	j->err = f != NULL ? ERR_OK : ERR_NOT_FOUND;
	r = f != NULL ? plants_reader_new(f, format_of(j->path)) : NULL;
	while (j->err == ERR_OK &&
	    (got = plants_reader_next(r, a, &plant, msg, sizeof(msg))) > 0) {
		if (id_hash(jx_str(plant, "id", NULL)) % (unsigned)j->n ==
		    (unsigned)j->k) {
			j->read++;
			j->err = j->mode == MODE_IMPORT ?
			    plants_import_add(&j->imp, plant) :
			    removal_add(j, plant);
		}
		arena_reset(a);     /* the importer keeps its own reference */
		if (++since == PLANTS_IMPORT_BATCH) {
			since = 0;
			publish(j, false);
			if (others_failed(j))
				break;
		}
	}
	if (got < 0 && j->err == ERR_OK)
		j->err = ERR_INVALID;   /* the file changed since the check */
	if (j->err == ERR_OK)
		j->err = j->mode == MODE_IMPORT ? plants_import_flush(&j->imp) :
		    removal_flush(j);
	plants_import_free(&j->imp);
	arena_free(j->rm.a);
	j->rm.a = NULL;
	plants_reader_free(r);
	if (f != NULL)
		fclose(f);
	arena_free(a);
	publish(j, true);
	return NULL;
}

static bool
job_open(struct job *j, const struct config *cfg)
{
	struct aws_config ac;

	memset(&ac, 0, sizeof(ac));
	ac.region = cfg->region;
	ac.connect_timeout_ms = cfg->aws_connect_timeout_ms;
	ac.timeout_ms = cfg->aws_timeout_ms;
	ac.max_attempts = (int)cfg->aws_max_attempts;
	j->cfg = cfg;
	j->http = httpc_new();
	if ((j->aws = aws_new(&ac, j->http)) == NULL)
		return false;
	j->ddb.aws = j->aws;
	j->ddb.endpoint = cfg->dynamodb_endpoint;
	plants_import_init(&j->imp, &j->ddb, cfg->plants_table);
	return true;
}

static void
job_close(struct job *j)
{
	aws_free(j->aws);
	httpc_free(j->http);
}

static int
jobs_wanted(void)
{
	const char *s = getenv("GROWVRD_IMPORT_JOBS");
	int64_t n;

	if (s != NULL && str_to_i64(s, strlen(s), 1, IMPORT_JOBS_MAX, &n))
		return (int)n;
	return IMPORT_JOBS_DEFAULT;
}

static double
since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The progress line: plain text on stderr, once a second and at the end. */
static void
progress(const char *verb, const struct shared *sh, long total,
    const struct timespec *t0)
{
	double t = since(t0);

	fprintf(stderr, "plants %s: %ld/%ld, %ld %s, %ld updated, "
	    "%ld unchanged, %.1f s, %.0f plants/s\n", verb, sh->read, total,
	    sh->created, strcmp(verb, "remove") == 0 ? "removed" : "created",
	    sh->updated, sh->unchanged, t, t > 0 ? (double)sh->read / t : 0.0);
}

/* Check every record first: a bad file changes nothing.  *count = the
 * plants in it. */
static enum err
check_file(const char *path, long *count)
{
	FILE *f = fopen(path, "rb");
	struct plants_reader *r;
	struct json_object *plant;
	struct arena *a;
	char msg[256];
	int got;

	*count = 0;
	if (f == NULL) {
		fprintf(stderr, "growvrdctl plants: cannot open %s\n", path);
		return ERR_NOT_FOUND;
	}
	r = plants_reader_new(f, format_of(path));
	a = arena_new(0);
	while ((got = plants_reader_next(r, a, &plant, msg, sizeof(msg))) > 0) {
		(*count)++;
		arena_reset(a);
	}
	if (got < 0)
		fprintf(stderr, "%s: %s (nothing was written)\n", path, msg);
	arena_free(a);
	plants_reader_free(r);
	fclose(f);
	return got < 0 ? ERR_INVALID : ERR_OK;
}

static enum err
run_jobs(struct app *app, const char *path, enum mode mode)
{
	const char *verb = mode == MODE_IMPORT ? "import" : "remove";
	struct job jobs[IMPORT_JOBS_MAX];
	struct shared sh;
	struct timespec t0, deadline, shown;
	long total;
	int i, n = jobs_wanted(), started = 0;
	enum err e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((e = check_file(path, &total)) != ERR_OK)
		return e;
	memset(&sh, 0, sizeof(sh));
	memset(jobs, 0, sizeof(jobs));
	pthread_mutex_init(&sh.mu, NULL);
	pthread_cond_init(&sh.changed, NULL);
	for (i = 0; i < n; i++) {
		jobs[i].k = i;
		jobs[i].n = n;
		jobs[i].mode = mode;
		jobs[i].path = path;
		jobs[i].sh = &sh;
		if (!job_open(&jobs[i], &app->cfg)) {
			e = ERR_INTERNAL;
			break;
		}
	}
	pthread_mutex_lock(&sh.mu);
	for (i = 0; e == ERR_OK && i < n; i++) {
		if (pthread_create(&jobs[i].th, NULL, job_main, &jobs[i]) != 0) {
			e = ERR_INTERNAL;
			break;
		}
		started++;
		sh.running++;
	}
	clock_gettime(CLOCK_MONOTONIC, &shown);
	while (sh.running > 0) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec++;
		pthread_cond_timedwait(&sh.changed, &sh.mu, &deadline);
		if (since(&shown) >= 1.0) {
			progress(verb, &sh, total, &t0);
			clock_gettime(CLOCK_MONOTONIC, &shown);
		}
	}
	pthread_mutex_unlock(&sh.mu);
	for (i = 0; i < started; i++) {
		pthread_join(jobs[i].th, NULL);
		if (e == ERR_OK && jobs[i].err != ERR_OK)
			e = jobs[i].err;
	}
	for (i = 0; i < n; i++)
		job_close(&jobs[i]);
	progress(verb, &sh, total, &t0);
	if (mode == MODE_IMPORT)
		printf("plants: %ld created, %ld updated, %ld unchanged\n",
		    sh.created, sh.updated, sh.unchanged);
	else
		printf("plants: %ld removed, %ld not there\n", sh.created,
		    sh.unchanged);
	pthread_cond_destroy(&sh.changed);
	pthread_mutex_destroy(&sh.mu);
	return e;
}

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
			e = run_jobs(&app, argv[i], import ? MODE_IMPORT :
			    MODE_REMOVE);
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
