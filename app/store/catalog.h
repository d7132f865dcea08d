/*
 * catalog.h - the plant catalog as one read-only snapshot file per host.
 *
 * Lists, searches and recommendations read the whole catalog, and the
 * catalog holds 100,000 plants or more: no request can Scan it.  So each
 * host keeps the catalog in one immutable file that every worker maps
 * read-only (one copy in the page cache, whatever the number of workers).
 * The file holds, per plant, its JSON text as the API serves it, what the
 * filters and the recommendation score look at (store/recommend.h's
 * facts), and a folded copy of the searched text; plants are in list
 * order (name, then id, by bytes), with an index by id.  A new snapshot
 * is written beside the old one and renamed over it, so a mapped file
 * never changes; store/catalog_sync.h keeps it fresh.
 *
 * catalog_open_mem checks a whole file before anything reads it (sizes,
 * every offset, the order of the search areas): the file is ours, but a
 * truncated or damaged one must be refused, never read out of bounds.
 *
 * Ownership: a struct catalog owns its mapping (or, from
 * catalog_open_mem, borrows the caller's bytes); every pointer handed out
 * points into it and lives until catalog_close.
 */
#ifndef GROWVRD_CATALOG_H
#define GROWVRD_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/recommend.h"

struct plant_filter;

#define CATALOG_FORMAT 2

struct catalog;

/*
 * One plant: of a snapshot (views into its mapping), or one to write
 * (store/catalog_build.h; with tombstone, one to remove).
 */
struct catalog_entry {
	const char       *id, *name, *light, *loc, *json, *search;
	size_t            id_len, name_len, light_len, loc_len, json_len,
	                  search_len;
	int64_t           version;
	int64_t           changed_at;  /* ms since the epoch */
	struct rec_facts  facts;
	bool              tombstone;
	char             *owned;       /* the texts' block, or NULL */
};

/* What a snapshot says of itself. */
struct catalog_info {
	uint64_t id;            /* random, new for every file */
	int64_t  built_ms;      /* when it was written */
	int64_t  watermark_ms;  /* every change up to here is in it */
	int64_t  table_ms;      /* the Plants table's creation time */
	size_t   count;         /* plants */
};

/*
 * catalog_open - map the snapshot file at path.  NULL with *why (static)
 * when it is missing or not a valid snapshot; errno is then EINVAL when
 * the file's contents were refused (damaged, another format), else the
 * error of the open, fstat or mmap.
 */
struct catalog *catalog_open(const char *path, const char **why);

/*
 * catalog_open_mem - a snapshot over p[0..n) (borrowed: it must outlive
 * the result), checked as catalog_open checks a file.
 */
struct catalog *catalog_open_mem(const void *p, size_t n, const char **why);

/* catalog_close - unmap and free (NULL is fine). */
void catalog_close(struct catalog *c);

void catalog_info(const struct catalog *c, struct catalog_info *out);

/* catalog_plant - plant i (i < count) of the list order. */
void catalog_plant(const struct catalog *c, size_t i, struct catalog_entry *p);

/* catalog_find - *i = the list position of the plant with id. */
bool catalog_find(const struct catalog *c, const char *id, size_t n,
    size_t *i);

/*
 * catalog_after - the list position of the first plant that sorts after
 * (name, id): where a walk resumes, whatever changed since.
 */
size_t catalog_after(const struct catalog *c, const char *name,
    size_t name_len, const char *id, size_t id_len);

/*
 * catalog_list - the list positions of up to limit plants matching f,
 * from position start on, into out[0..limit) (out has room for limit + 1);
 * returns their number, and *more tells whether another match follows.
 * f->q is matched case-insensitively ('_' as ' ') in name,
 * scientific_name and searchable_text; the other filters as
 * store/plants.h's plants_matches.
 */
size_t catalog_list(const struct catalog *c, const struct plant_filter *f,
    size_t start, size_t limit, size_t *out, bool *more);

/*
 * catalog_rank - the list positions and scores of the best limit plants
 * for q over the whole catalog, best first (score descending, then id
 * ascending, as recommend_rank); returns their number.  out and scores
 * have room for limit.
 */
size_t catalog_rank(const struct catalog *c, const struct rec_query *q,
    size_t limit, size_t *out, int *scores);

/*
 * catalog_in_room - whether location (NULL: false) is one of the
 * compatible_locations of the plant at list position i.
 */
bool catalog_in_room(const struct catalog *c, size_t i, const char *location);

/*
 * catalog_fold - the form searched text is kept and compared in: ASCII
 * lower case, '_' as ' '; src[0..n) into dst (n bytes).
 */
void catalog_fold(char *dst, const char *src, size_t n);

#endif
