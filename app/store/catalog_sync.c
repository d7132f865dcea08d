#include "store/catalog_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "json/jx.h"
#include "store/catalog.h"
#include "store/catalog_build.h"
#include "store/plants.h"

extern char **environ;

/* The second layout (a poll's time, its outcome and the next one's due
 * time apart): a state file of the first is not read, so the host polls
 * at once, as after a build. */
#define STATE_MAGIC "GVRDCS2\n"

/* The poll state of a host, in catalog.lock. */
struct poll_state {
	char     magic[8];
	uint64_t snap_id;        /* the snapshot watermark_ms belongs to */
	int64_t  watermark_ms;   /* every change stamped before this less
	                            CATALOG_OVERLAP_MS is in that snapshot */
	int64_t  last_poll_ms;   /* when the host last polled (0: never) */
	int64_t  last_ok_ms;     /* the last poll that succeeded (0: never) */
	int64_t  next_poll_ms;   /* the next one is due (later after a failure) */
	uint32_t last_failed;    /* the last poll failed */
	uint32_t pad_;
	int64_t  round_since_ms; /* a poll round left unfinished: its since, */
	int64_t  resume_ms;      /*   where it stopped: changed_at, id, */
	char     resume_id[LIM_ID_MAX + 1];
	int64_t  round_start_ms; /*   and when it began */
};

struct catalog_sync {
	char            snap[PATH_MAX];
	char            table[256];
	char           *ctl;
	int             lock_fd;
	struct catalog *cur;
	dev_t           dev;
	ino_t           ino;
	dev_t           bad_dev;        /* the file last refused: not */
	ino_t           bad_ino;        /*   opened again until replaced */
	int64_t         next_poll_ms;
	bool            table_known;
	int64_t         table_ms;
	int64_t         next_table_ms;
	pid_t           builder;
	int64_t         next_spawn_ms;
};

int64_t
catalog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct catalog_sync *
catalog_sync_new(const char *dir, const char *table, const char *ctl)
{
	struct catalog_sync *s;
	char lock[PATH_MAX];

	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		log_kv(LOG_ERROR, "cannot make the cache directory", "path",
		    dir, "why", strerror(errno), "hint",
		    "set GROWVRD_CACHE_DIR", NULL);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->lock_fd = -1;
	if ((size_t)snprintf(s->snap, sizeof(s->snap), "%s/catalog.snap", dir) >=
	    sizeof(s->snap) || (size_t)snprintf(lock, sizeof(lock),
	    "%s/catalog.lock", dir) >= sizeof(lock) ||
	    (size_t)snprintf(s->table, sizeof(s->table), "%s", table) >=
	    sizeof(s->table) ||
	    (s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		log_kv(LOG_ERROR, "cannot use the cache directory", "path", dir,
		    "why", strerror(errno), NULL);
		catalog_sync_free(s);
		return NULL;
	}
	s->ctl = ctl != NULL && *ctl != '\0' ? xstrdup(ctl) : NULL;
	return s;
}

void
catalog_sync_free(struct catalog_sync *s)
{
	if (s == NULL)
		return;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	catalog_close(s->cur);
	free(s->ctl);
	free(s);
}

static bool
state_read(struct catalog_sync *s, struct poll_state *st)
{
	if (pread(s->lock_fd, st, sizeof(*st), 0) != (ssize_t)sizeof(*st) ||
	    memcmp(st->magic, STATE_MAGIC, sizeof(st->magic)) != 0) {
		memset(st, 0, sizeof(*st));
		memcpy(st->magic, STATE_MAGIC, sizeof(st->magic));
		return false;
	}
	st->resume_id[LIM_ID_MAX] = '\0';
	return true;
}

static void
state_write(struct catalog_sync *s, const struct poll_state *st)
{
	if (pwrite(s->lock_fd, st, sizeof(*st), 0) != (ssize_t)sizeof(*st))
		log_kv(LOG_WARN, "cannot write the catalog poll state", "why",
		    strerror(errno), NULL);
}

/* Map catalog.snap when it is another file than the one mapped. */
static void
remap(struct catalog_sync *s)
{
	struct catalog_info info;
	struct catalog *c;
	const char *why;
	struct stat st;

	if (stat(s->snap, &st) != 0) {
		if (s->cur != NULL)
			log_kv(LOG_WARN, "the catalog snapshot is gone", NULL);
		catalog_close(s->cur);
		s->cur = NULL;
		return;
	}
	if (s->cur != NULL && st.st_dev == s->dev && st.st_ino == s->ino)
		return;
	/* A refused file (damaged, or of another format after an upgrade)
	 * stays refused until a build renames a new one over it: checking
	 * it again at every request would cost a pass over it each time. */
	if (st.st_ino != 0 && st.st_dev == s->bad_dev && st.st_ino ==
	    s->bad_ino)
		return;
	if ((c = catalog_open(s->snap, &why)) == NULL) {
		log_kv(LOG_WARN, "catalog snapshot refused", "why", why, NULL);
		if (errno == EINVAL) {  /* its contents, not a lack of fds */
			s->bad_dev = st.st_dev;
			s->bad_ino = st.st_ino;
		}
		return;
	}
	catalog_info(c, &info);
	if (s->table_known && info.table_ms != s->table_ms) {
		/* Another table's: as good as none. */
		catalog_close(c);
		catalog_close(s->cur);
		s->cur = NULL;
		return;
	}
	catalog_close(s->cur);
	s->cur = c;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
}

/* The table's creation time, in ms, once known. */
static void
learn_table(struct catalog_sync *s, struct ddb *d, int64_t now_ms)
{
	struct arena *a;
	struct json_object *desc, *t;

	if (s->table_known || now_ms < s->next_table_ms)
		return;
	s->next_table_ms = now_ms + CATALOG_SPAWN_MS;
	a = arena_new(0);
	if (ddb_describe_table(d, a, s->table, &desc) == ERR_OK &&
	    (t = jx_get(desc, "CreationDateTime")) != NULL &&
	    (json_object_is_type(t, json_type_double) ||
	    json_object_is_type(t, json_type_int)) &&
	    isfinite(json_object_get_double(t))) {
		s->table_ms = (int64_t)llround(json_object_get_double(t) * 1000);
		s->table_known = true;
		if (s->cur != NULL) {
			struct catalog_info info;
			catalog_info(s->cur, &info);
			if (info.table_ms != s->table_ms) {
				/* Another table's snapshot: as good as none. */
				catalog_close(s->cur);
				s->cur = NULL;
			}
		}
	}
	arena_free(a);
}

static bool
lock_now(struct catalog_sync *s)
{
	return flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0;
}

static bool
lock_wait(struct catalog_sync *s, int64_t wait_ms)
{
	const struct timespec nap = { 0, 5 * 1000000L };
	int64_t i;

	for (i = 0; i <= wait_ms / 5; i++) {
		if (lock_now(s))
			return true;
		nanosleep(&nap, NULL);
	}
	return false;
}

static void
unlock(struct catalog_sync *s)
{
	flock(s->lock_fd, LOCK_UN);
}

/* Start growvrdctl catalog build in the background, now and then. */
static void
spawn_build(struct catalog_sync *s, int64_t now_ms)
{
	char *argv[] = { "growvrdctl", "catalog", "build", "--if-missing",
	    NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	if (s->builder > 0 && waitpid(s->builder, NULL, WNOHANG) == 0)
		return;         /* still running */
	s->builder = 0;
	if (s->ctl == NULL || now_ms < s->next_spawn_ms)
		return;
	s->next_spawn_ms = now_ms + CATALOG_SPAWN_MS;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* its summary line is for people; its log lines (stderr) stay with
	 * the worker's, which are JSON only */
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, s->ctl, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		log_kv(LOG_ERROR, "cannot start a catalog build", "path", s->ctl,
		    "why", strerror(rc), NULL);
		return;
	}
	s->builder = pid;
	log_kv(LOG_INFO, "catalog build started", NULL);
}

/* The snapshot's info, or zeros. */
static void
cur_info(const struct catalog_sync *s, struct catalog_info *info)
{
	memset(info, 0, sizeof(*info));
	if (s->cur != NULL)
		catalog_info(s->cur, info);
}

/*
 * Turn the items of a page into changes: only those the snapshot does
 * not hold at their version are parsed.
 */
static void
collect(struct catalog_sync *s, struct arena *a, struct json_object *items,
    struct catalog_entry **changes, size_t *n, size_t *cap)
{
	size_t i, len = json_object_array_length(items), pos;
	const char *why;

	for (i = 0; i < len; i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		struct catalog_entry p;
		const char *id;
		size_t id_n;
		int64_t v;
		if ((id = jx_str(it, "id", &id_n)) == NULL ||
		    !jx_int(it, "version", 1, INT64_MAX, &v))
			continue;
		if (s->cur != NULL && catalog_find(s->cur, id, id_n, &pos)) {
			catalog_plant(s->cur, pos, &p);
			if (p.version >= v)
				continue;
		} else if (plants_is_tombstone(it))
			continue;
		if (*n == *cap) {
			*cap = *cap * 2 + 16;
			*changes = xrealloc(*changes, *cap * sizeof(**changes));
		}
		if (catalog_entry_from_item(a, it, &(*changes)[*n], &why))
			(*n)++;
		else
			log_kv(LOG_WARN, "a Plants item is not a plant; left out",
			    "id", id, "why", why, NULL);
	}
}

static void
free_changes(struct catalog_entry *changes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		catalog_entry_free(&changes[i]);
	free(changes);
}

/* Install changes[0..n) over the current snapshot; the state follows. */
static void
install_changes(struct catalog_sync *s, struct poll_state *st,
    struct catalog_entry *changes, size_t n, int64_t watermark_ms,
    int64_t now_ms)
{
	struct catalog_info info;
	struct catalog_meta m;
	size_t applied = 0;

	cur_info(s, &info);
	m.built_ms = now_ms;
	m.watermark_ms = watermark_ms;
	m.table_ms = info.table_ms;
	if (n > 0 && catalog_build(s->cur, changes, n, &m, false, s->snap,
	    &applied) == ERR_OK && applied > 0) {
		char nplants[24], nch[24], ms[24];
		remap(s);
		cur_info(s, &info);
		snprintf(nplants, sizeof(nplants), "%zu", info.count);
		snprintf(nch, sizeof(nch), "%zu", applied);
		snprintf(ms, sizeof(ms), "%lld",
		    (long long)(catalog_now_ms() - now_ms));
		log_kv(LOG_INFO, "catalog snapshot installed", "plants", nplants,
		    "changes", nch, "ms", ms, NULL);
	}
	/* A build's large blocks go back: workers must not grow. */
	malloc_trim(0);
	st->snap_id = info.id;
	st->watermark_ms = watermark_ms;
}

/* One poll of the host, under the lock. */
static enum err
poll_changes(struct catalog_sync *s, struct ddb *d, struct poll_state *st,
    int64_t now_ms)
{
	struct json_object *start = NULL, *names, *values;
	struct catalog_entry *changes = NULL;
	struct catalog_info info;
	struct ddb_page page;
	size_t n = 0, cap = 0;
	int64_t since, mark;
	int pages;
	enum err e = ERR_OK;
	struct arena *a;

	/*
	 * A round reads every change stamped from since on.  Once it has
	 * read to the end, whatever was stamped before the round began less
	 * the overlap is visible and was read: the next round starts there
	 * (so a quiet catalog's rounds read only the last overlap's changes).
	 */
	cur_info(s, &info);
	mark = st->snap_id == info.id ? st->watermark_ms : info.watermark_ms;
	if (st->round_since_ms > 0)
		since = st->round_since_ms;
	else {
		since = mark - CATALOG_OVERLAP_MS;
		st->round_start_ms = now_ms;
	}
	for (pages = 0; pages < CATALOG_POLL_PAGES; pages++) {
		struct ddb_expr x = { "#c = :c AND #t >= :since", NULL, NULL,
		    NULL };
		a = arena_new(0);
		names = jx_own(a, json_object_new_object());
		values = jx_own(a, json_object_new_object());
		json_object_object_add(names, "#c",
		    json_object_new_string("catalog"));
		json_object_object_add(names, "#t",
		    json_object_new_string("changed_at"));
		json_object_object_add(values, ":c",
		    json_object_new_string(PLANTS_CATALOG_KEY));
		json_object_object_add(values, ":since",
		    json_object_new_int64(since < 0 ? 0 : since));
		x.names = names;
		x.values = values;
		if (st->resume_ms > 0) {
			start = jx_own(a, json_object_new_object());
			json_object_object_add(start, "catalog",
			    json_object_new_string(PLANTS_CATALOG_KEY));
			json_object_object_add(start, "changed_at",
			    json_object_new_int64(st->resume_ms));
			json_object_object_add(start, "id",
			    json_object_new_string(st->resume_id));
		}
		e = ddb_query_index(d, a, s->table, PLANTS_CHANGES_INDEX, &x,
		    start, CATALOG_POLL_ITEMS, true, &page);
		if (e == ERR_OK)
			collect(s, a, page.items, &changes, &n, &cap);
		if (e == ERR_OK && page.last_key != NULL) {
			const char *id = jx_str(page.last_key, "id", NULL);
			int64_t t;
			if (id == NULL || strlen(id) > LIM_ID_MAX ||
			    !jx_int(page.last_key, "changed_at", 0, INT64_MAX,
			    &t))
				e = ERR_UPSTREAM;
			else {
				if (st->round_since_ms == 0)
					st->round_since_ms = since;
				st->resume_ms = t;
				snprintf(st->resume_id, sizeof(st->resume_id),
				    "%s", id);
			}
		} else if (e == ERR_OK) {
			st->round_since_ms = 0;
			st->resume_ms = 0;
			st->resume_id[0] = '\0';
		}
		arena_free(a);
		if (e != ERR_OK || st->resume_ms == 0)
			break;
	}
	if (e != ERR_OK)
		log_kv(LOG_WARN, "catalog poll failed; serving the last snapshot",
		    "error", err_name(e), NULL);
	/* A round read to its end moves the watermark. */
	if (st->round_since_ms == 0 && e == ERR_OK && st->round_start_ms > mark)
		mark = st->round_start_ms;
	install_changes(s, st, changes, n, mark, now_ms);
	free_changes(changes, n);
	return e;
}

const struct catalog *
catalog_sync_get(struct catalog_sync *s, struct ddb *d, int64_t now_ms)
{
	struct poll_state st;

	learn_table(s, d, now_ms);
	remap(s);
	if (s->cur == NULL) {
		spawn_build(s, now_ms);
		return NULL;
	}
	/* not yet (unless the clock went back) */
	if (now_ms < s->next_poll_ms &&
	    s->next_poll_ms - now_ms <= CATALOG_POLL_MS)
		return s->cur;
	s->next_poll_ms = now_ms + CATALOG_POLL_MS;
	if (!lock_now(s))
		return s->cur;          /* another worker polls or builds */
	state_read(s, &st);
	/* Due, or due so far ahead that the clock went back. */
	if (st.next_poll_ms <= now_ms ||
	    st.next_poll_ms > now_ms + CATALOG_RETRY_MS + CATALOG_OVERLAP_MS) {
		remap(s);
		if (s->cur != NULL) {
			bool ok = poll_changes(s, d, &st, now_ms) == ERR_OK;
			/* After a failure the host waits longer: a DynamoDB
			 * that does not answer holds one request, not one a
			 * second. */
			st.last_poll_ms = now_ms;
			st.last_failed = !ok;
			if (ok)
				st.last_ok_ms = now_ms;
			st.next_poll_ms = now_ms +
			    (ok ? CATALOG_POLL_MS : CATALOG_RETRY_MS);
			state_write(s, &st);
		}
	}
	unlock(s);
	return s->cur;
}

void
catalog_sync_apply(struct catalog_sync *s, struct json_object *item,
    int64_t now_ms)
{
	struct catalog_entry e;
	struct catalog_info info;
	struct poll_state st;
	struct arena *a = arena_new(0);
	const char *why;
	int64_t mark;

	if (!catalog_entry_from_item(a, item, &e, &why)) {
		log_kv(LOG_WARN, "a written plant cannot enter the snapshot",
		    "why", why, NULL);
		arena_free(a);
		return;
	}
	if (!lock_wait(s, CATALOG_APPLY_WAIT_MS)) {
		log_kv(LOG_INFO, "catalog busy; the next poll applies the write",
		    NULL);
	} else {
		remap(s);
		if (s->cur != NULL) {
			state_read(s, &st);
			cur_info(s, &info);
			mark = st.snap_id == info.id ? st.watermark_ms :
			    info.watermark_ms;
			install_changes(s, &st, &e, 1, mark, now_ms);
			state_write(s, &st);
		}
		unlock(s);
	}
	catalog_entry_free(&e);
	arena_free(a);
}

enum err
catalog_sync_build(struct catalog_sync *s, struct ddb *d, bool if_missing,
    int64_t now_ms, size_t *count)
{
	struct catalog_entry *all = NULL;
	struct json_object *start = NULL;
	struct catalog_info info;
	struct catalog_meta m;
	struct poll_state st;
	struct ddb_page page;
	size_t n = 0, cap = 0, applied = 0;
	struct arena *a, *prev = NULL;
	enum err e = ERR_OK;

	*count = 0;
	s->next_table_ms = 0;
	learn_table(s, d, now_ms);
	if (!s->table_known)
		return ERR_UNAVAILABLE;
	if (flock(s->lock_fd, LOCK_EX) != 0)
		return ERR_INTERNAL;
	remap(s);
	if (if_missing && s->cur != NULL) {
		cur_info(s, &info);
		*count = info.count;
		unlock(s);
		return ERR_OK;
	}
	/* Changes during the Scan may or may not be in it: the first poll
	 * reads them again from here. */
	m.built_ms = now_ms;
	m.watermark_ms = now_ms;
	m.table_ms = s->table_ms;
	do {
		a = arena_new(0);
		e = ddb_scan(d, a, s->table, start, CATALOG_BUILD_ITEMS,
		    &page);
		if (e == ERR_OK) {
			size_t i, len = json_object_array_length(page.items);
			const char *why;
			for (i = 0; i < len; i++) {
				struct json_object *it =
				    json_object_array_get_idx(page.items, i);
				if (plants_is_tombstone(it))
					continue;
				if (n == cap) {
					cap = cap * 2 + 1024;
					all = xrealloc(all, cap * sizeof(*all));
				}
				if (catalog_entry_from_item(a, it, &all[n], &why))
					n++;
				else
					log_kv(LOG_WARN, "a Plants item is not a "
					    "plant; left out", "why", why, NULL);
			}
			start = page.last_key;
		}
		/* start lives in this page's arena: keep it one round. */
		arena_free(prev);
		prev = a;
	} while (e == ERR_OK && start != NULL);
	arena_free(prev);
	if (e == ERR_OK)
		e = catalog_build(NULL, all, n, &m, true, s->snap, &applied);
	if (e == ERR_OK) {
		remap(s);
		cur_info(s, &info);
		memset(&st, 0, sizeof(st));
		memcpy(st.magic, STATE_MAGIC, sizeof(st.magic));
		st.snap_id = info.id;
		st.watermark_ms = info.watermark_ms;
		state_write(s, &st);
		*count = info.count;
	}
	unlock(s);
	free_changes(all, n);
	return e;
}

bool
catalog_sync_poll_status(struct catalog_sync *s, struct catalog_poll *out)
{
	struct poll_state st;

	memset(out, 0, sizeof(*out));
	if (!state_read(s, &st))
		return false;
	out->last_ms = st.last_poll_ms;
	out->last_ok_ms = st.last_ok_ms;
	out->next_ms = st.next_poll_ms;
	out->failed = st.last_poll_ms != 0 && st.last_failed != 0;
	return true;
}

/* "N ms ago", or how far ahead of this clock t is (it went back). */
static void
ago(char *buf, size_t n, int64_t t, int64_t now_ms)
{
	if (t <= now_ms)
		snprintf(buf, n, "%lld ms ago", (long long)(now_ms - t));
	else
		snprintf(buf, n, "%lld ms ahead of this clock",
		    (long long)(t - now_ms));
}

void
catalog_poll_describe(const struct catalog_poll *p, int64_t now_ms,
    char *buf, size_t n)
{
	char last[64], good[64], next[64];

	if (p->last_ms == 0) {
		snprintf(buf, n, "no poll yet");
		return;
	}
	ago(last, sizeof(last), p->last_ms, now_ms);
	if (!p->failed) {
		snprintf(buf, n, "last poll %s", last);
		return;
	}
	if (p->last_ok_ms == 0)
		snprintf(good, sizeof(good), "never");
	else
		ago(good, sizeof(good), p->last_ok_ms, now_ms);
	if (p->next_ms > now_ms)
		snprintf(next, sizeof(next), "in %lld ms",
		    (long long)(p->next_ms - now_ms));
	else
		snprintf(next, sizeof(next), "due");
	snprintf(buf, n, "last poll %s failed (next %s), last good poll %s",
	    last, next, good);
}
