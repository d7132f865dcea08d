/*
 * The parallel writers of growvrdctl plants import and plants remove
 * (ctl/plants_jobs.h).
 */
#include "ctl/plants_jobs.h"

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
#include "core/xalloc.h"
#include "ctl/plants_import.h"
#include "json/jx.h"
#include "net/httpc.h"
#include "store/catalog_sync.h"
#include "store/plants.h"

/* Writers in parallel: a job waits on each BatchGetItem and
 * BatchWriteItem in turn, so several keep DynamoDB busy (on DynamoDB
 * Local at 10^5 plants, 8 jobs wrote 20 % faster than 4, 4 faster than
 * 2: docs/performance.md).
 * GROWVRD_IMPORT_JOBS overrides, 1 to IMPORT_JOBS_MAX. */
#define IMPORT_JOBS_DEFAULT 8
#define IMPORT_JOBS_MAX     16
/* Batches of parsed plants waiting for a job: enough to keep it busy
 * while the reader parses the next ones, few enough to bound memory. */
#define JOB_QUEUE_MAX       4

struct job;

/* What the reader and the jobs share, under mu: the jobs' queues, their
 * tallies. */
struct shared {
	pthread_mutex_t mu;
	pthread_cond_t  changed;    /* for the reader: a job took or ended */
	struct job     *jobs;
	int             n;
	long            read, created, updated, unchanged;
	int             running;
	bool            failed;     /* a job or the reader failed: stop */
};

/* Up to PLANTS_IMPORT_BATCH parsed plants for one job, with a reference
 * to each: the reader fills a batch, then hands it over under mu, and
 * from then on only the job touches it or its plants. */
struct batch {
	struct json_object *plants[PLANTS_IMPORT_BATCH];
	int                 n;
	struct batch       *next;
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
	enum plants_jobs_mode            mode;
	const struct config *cfg;
	struct httpc        *http;
	struct aws          *aws;
	struct ddb           ddb;
	struct plants_import imp;       /* import; remove tallies here too */
	struct removal       rm;
	struct shared       *sh;
	long                 read;
	enum err             err;
	/* under sh->mu */
	pthread_cond_t       ready;     /* a batch came, or the end */
	struct batch        *head, *tail;
	int                  queued;
	bool                 done;      /* the reader has handed out all */
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
batch_free(struct batch *b)
{
	int i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		json_object_put(b->plants[i]);
	free(b);
}

/* Wake every thread that may wait: sh->mu held. */
static void
wake_all(struct shared *sh)
{
	int i;

	for (i = 0; i < sh->n; i++)
		pthread_cond_signal(&sh->jobs[i].ready);
	pthread_cond_signal(&sh->changed);
}

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
	if (j->err != ERR_OK && !sh->failed) {
		sh->failed = true;
		wake_all(sh);
	}
	if (last)
		sh->running--;
	pthread_cond_signal(&sh->changed);
	pthread_mutex_unlock(&sh->mu);
}

/* The job's next batch; NULL at the end (*stop: because something
 * failed). */
static struct batch *
take(struct job *j, bool *stop)
{
	struct shared *sh = j->sh;
	struct batch *b = NULL;

	pthread_mutex_lock(&sh->mu);
	while (j->head == NULL && !j->done && !sh->failed)
		pthread_cond_wait(&j->ready, &sh->mu);
	*stop = sh->failed;
	if (!sh->failed && (b = j->head) != NULL) {
		if ((j->head = b->next) == NULL)
			j->tail = NULL;
		j->queued--;
		pthread_cond_signal(&sh->changed);
	}
	pthread_mutex_unlock(&sh->mu);
	return b;
}

/* Write the plants the reader hands this job. */
static void *
job_main(void *arg)
{
	struct job *j = arg;
	struct batch *b;
	bool stop = false;
	int i;

	while (j->err == ERR_OK && (b = take(j, &stop)) != NULL) {
		for (i = 0; i < b->n && j->err == ERR_OK; i++) {
			j->read++;
			j->err = j->mode == PLANTS_JOBS_IMPORT ?
			    plants_import_add(&j->imp, b->plants[i]) :
			    removal_add(j, b->plants[i]);
		}
		batch_free(b);      /* the importer keeps its own references */
		publish(j, false);
	}
	if (j->err == ERR_OK && !stop)
		j->err = j->mode == PLANTS_JOBS_IMPORT ?
		    plants_import_flush(&j->imp) : removal_flush(j);
	plants_import_free(&j->imp);
	arena_free(j->rm.a);
	j->rm.a = NULL;
	publish(j, true);
	return NULL;
}

static bool
job_open(struct job *j, const struct config *cfg)
{
	struct aws_config ac;

	aws_config_of(cfg, &ac);
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

/* The progress line, when a second has passed since *shown: sh->mu
 * held. */
static void
progress_due(const char *verb, const struct shared *sh, long total,
    const struct timespec *t0, struct timespec *shown)
{
	if (since(shown) >= 1.0) {
		progress(verb, sh, total, t0);
		clock_gettime(CLOCK_MONOTONIC, shown);
	}
}

/* What the reader needs to hand plants out and show progress. */
struct reader_ctx {
	struct shared         *sh;
	const char            *verb;
	long                   total;
	const struct timespec *t0;
	struct timespec        shown;
};

/* Queue b for job j, waiting while its queue is full; false (b freed)
 * when something failed meanwhile. */
static bool
hand(struct reader_ctx *rc, struct job *j, struct batch *b)
{
	struct shared *sh = rc->sh;
	struct timespec deadline;
	bool ok;

	pthread_mutex_lock(&sh->mu);
	while (j->queued >= JOB_QUEUE_MAX && !sh->failed) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec++;
		pthread_cond_timedwait(&sh->changed, &sh->mu, &deadline);
		progress_due(rc->verb, sh, rc->total, rc->t0, &rc->shown);
	}
	if ((ok = !sh->failed)) {
		if (j->tail != NULL)
			j->tail->next = b;
		else
			j->head = b;
		j->tail = b;
		j->queued++;
		pthread_cond_signal(&j->ready);
	}
	progress_due(rc->verb, sh, rc->total, rc->t0, &rc->shown);
	pthread_mutex_unlock(&sh->mu);
	if (!ok)
		batch_free(b);
	return ok;
}

/*
 * The second pass: parse the file (checked already) once and hand each
 * plant to the job its id hashes to, in batches.  Ends every job's
 * queue, or on failure marks the run failed.
 */
static enum err
read_and_hand(struct reader_ctx *rc, const char *path)
{
	struct shared *sh = rc->sh;
	struct batch *cur[IMPORT_JOBS_MAX] = { NULL };
	struct plants_reader *r = NULL;
	struct json_object *plant;
	struct arena *a = arena_new(0);
	FILE *f = fopen(path, "rb");
	enum err e = ERR_OK;
	char msg[256];
	unsigned k;
	int got = 0, i;

	if (f == NULL) {
		fprintf(stderr, "growvrdctl plants: cannot open %s\n", path);
		e = ERR_NOT_FOUND;
	} else
		r = plants_reader_new(f, format_of(path));
	while (e == ERR_OK &&
	    (got = plants_reader_next(r, a, &plant, msg, sizeof(msg))) > 0) {
		k = id_hash(jx_str(plant, "id", NULL)) % (unsigned)sh->n;
		if (cur[k] == NULL)
			cur[k] = xcalloc(1, sizeof(*cur[k]));
		cur[k]->plants[cur[k]->n++] = json_object_get(plant);
		arena_reset(a);
		if (cur[k]->n == PLANTS_IMPORT_BATCH) {
			/* a job failed: its error is the one reported */
			if (!hand(rc, &sh->jobs[k], cur[k]))
				e = ERR_INTERNAL;
			cur[k] = NULL;
		}
	}
	if (got < 0) {
		fprintf(stderr, "%s: %s (it changed while being imported)\n",
		    path, msg);
		e = ERR_INVALID;
	}
	for (i = 0; i < sh->n; i++) {
		if (e == ERR_OK && cur[i] != NULL &&
		    !hand(rc, &sh->jobs[i], cur[i]))
			e = ERR_INTERNAL;
		else if (e != ERR_OK)
			batch_free(cur[i]);
		cur[i] = NULL;
	}
	pthread_mutex_lock(&sh->mu);
	for (i = 0; i < sh->n; i++)
		sh->jobs[i].done = true;
	if (e != ERR_OK)
		sh->failed = true;
	wake_all(sh);
	pthread_mutex_unlock(&sh->mu);
	plants_reader_free(r);
	if (f != NULL)
		fclose(f);
	arena_free(a);
	return e;
}

enum err
plants_jobs_run(const struct config *cfg, const char *path,
    enum plants_jobs_mode mode)
{
	const char *verb = mode == PLANTS_JOBS_IMPORT ? "import" : "remove";
	struct job jobs[IMPORT_JOBS_MAX];
	struct shared sh;
	struct reader_ctx rc;
	struct timespec t0, deadline;
	struct batch *b;
	long total;
	int i, n = jobs_wanted(), started = 0;
	enum err e, re = ERR_OK;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((e = check_file(path, &total)) != ERR_OK)
		return e;
	memset(&sh, 0, sizeof(sh));
	memset(jobs, 0, sizeof(jobs));
	pthread_mutex_init(&sh.mu, NULL);
	pthread_cond_init(&sh.changed, NULL);
	sh.jobs = jobs;
	sh.n = n;
	for (i = 0; i < n; i++)
		pthread_cond_init(&jobs[i].ready, NULL);
	for (i = 0; i < n; i++) {
		jobs[i].mode = mode;
		jobs[i].sh = &sh;
		if (!job_open(&jobs[i], cfg)) {
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
	if (e != ERR_OK) {
		sh.failed = true;
		wake_all(&sh);
	}
	pthread_mutex_unlock(&sh.mu);
	rc.sh = &sh;
	rc.verb = verb;
	rc.total = total;
	rc.t0 = &t0;
	clock_gettime(CLOCK_MONOTONIC, &rc.shown);
	if (e == ERR_OK)
		re = read_and_hand(&rc, path);
	pthread_mutex_lock(&sh.mu);
	while (sh.running > 0) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec++;
		pthread_cond_timedwait(&sh.changed, &sh.mu, &deadline);
		progress_due(verb, &sh, total, &t0, &rc.shown);
	}
	pthread_mutex_unlock(&sh.mu);
	for (i = 0; i < started; i++) {
		pthread_join(jobs[i].th, NULL);
		if (e == ERR_OK && jobs[i].err != ERR_OK)
			e = jobs[i].err;
	}
	if (e == ERR_OK)
		e = re;
	for (i = 0; i < n; i++) {
		while ((b = jobs[i].head) != NULL) {    /* left by a failure */
			jobs[i].head = b->next;
			batch_free(b);
		}
		pthread_cond_destroy(&jobs[i].ready);
		job_close(&jobs[i]);
	}
	progress(verb, &sh, total, &t0);
	if (mode == PLANTS_JOBS_IMPORT)
		printf("plants: %ld created, %ld updated, %ld unchanged\n",
		    sh.created, sh.updated, sh.unchanged);
	else
		printf("plants: %ld removed, %ld not there\n", sh.created,
		    sh.unchanged);
	pthread_cond_destroy(&sh.changed);
	pthread_mutex_destroy(&sh.mu);
	return e;
}

