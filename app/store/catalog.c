#define _GNU_SOURCE     /* memmem */
#include "store/catalog.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/xalloc.h"
#include "store/catalog_file.h"
#include "store/plants.h"

struct catalog {
	const unsigned char       *base;
	size_t                     size;
	bool                       mapped;
	const struct catalog_head *h;
	const struct catalog_rec  *rec;
	const uint32_t            *by_id;
	const char                *text;
	const char                *search;
	size_t                     nrooms;  /* the room dictionary */
	const char                *room[CATALOG_ROOMS];
	size_t                     room_len[CATALOG_ROOMS];
};

void
catalog_fold(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[i] == '_' ? ' ' :
		    (char)tolower((unsigned char)src[i]);
}

/* [off, off + len) lies within [0, cap). */
static bool
within(uint64_t off, uint64_t len, uint64_t cap)
{
	return off <= cap && len <= cap - off;
}

/* The room dictionary: at most CATALOG_ROOMS lines, none empty. */
static bool
rooms_ok(struct catalog *c, const char **why)
{
	const char *p = (const char *)c->base + c->h->rooms_off, *nl;
	const char *end = p + c->h->rooms_len;

	for (c->nrooms = 0; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || nl == p || c->nrooms == CATALOG_ROOMS) {
			*why = "the room dictionary is damaged";
			return false;
		}
		c->room[c->nrooms] = p;
		c->room_len[c->nrooms++] = (size_t)(nl - p);
	}
	return true;
}

/* Every record's views inside their areas, search areas in order. */
static bool
records_ok(const struct catalog *c, const char **why)
{
	const struct catalog_head *h = c->h;
	uint64_t search_end = 0;
	uint32_t i;

	for (i = 0; i < h->count; i++) {
		const struct catalog_rec *r = &c->rec[i];
		if (r->id_len == 0 || r->id_len > LIM_ID_MAX ||
		    !within(r->id_off, r->id_len, h->text_len) ||
		    !within(r->name_off, r->name_len, h->text_len) ||
		    !within(r->light_off, r->light_len, h->text_len) ||
		    !within(r->loc_off, r->loc_len, h->text_len) ||
		    !within(r->json_off, r->json_len, h->text_len) ||
		    r->json_len < 2 || c->text[r->json_off] != '{' ||
		    c->text[r->json_off + r->json_len - 1] != '}') {
			*why = "a plant's text lies outside the snapshot";
			return false;
		}
		if (r->search_off < search_end ||
		    !within(r->search_off, r->search_len, h->search_len)) {
			*why = "the search text is out of order";
			return false;
		}
		search_end = (uint64_t)r->search_off + r->search_len;
		if (r->facts.light_lo > REC_LIGHT_DIRECT ||
		    r->facts.light_hi > REC_LIGHT_DIRECT ||
		    r->facts.humidity > 3 || r->facts.difficulty > 10) {
			*why = "a plant's facts are out of range";
			return false;
		}
		if (c->by_id[i] >= h->count) {
			*why = "the id index is out of range";
			return false;
		}
		if ((r->rooms & ~CATALOG_ROOM_OTHER) >> c->nrooms != 0) {
			*why = "a plant's rooms are not in the dictionary";
			return false;
		}
	}
	return true;
}

struct catalog *
catalog_open_mem(const void *p, size_t n, const char **why)
{
	const struct catalog_head *h = p;
	struct catalog *c;

	if (n < sizeof(*h) || ((uintptr_t)p & 7) != 0 ||
	    memcmp(h->magic, CATALOG_MAGIC, sizeof(h->magic)) != 0) {
		*why = "not a catalog snapshot";
		return NULL;
	}
	if (h->format != CATALOG_FORMAT || h->size != n ||
	    n > LIM_CATALOG_FILE_MAX) {
		*why = "a snapshot of another format or size";
		return NULL;
	}
	if (h->count > LIM_CATALOG_PLANTS || h->rec_off % 8 != 0 ||
	    h->by_id_off % 4 != 0 ||
	    !within(h->rec_off, (uint64_t)h->count * sizeof(struct catalog_rec),
	    n) || !within(h->by_id_off, (uint64_t)h->count * 4, n) ||
	    !within(h->text_off, h->text_len, n) ||
	    !within(h->search_off, h->search_len, n) ||
	    !within(h->rooms_off, h->rooms_len, n)) {
		*why = "the snapshot's areas do not fit in it";
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->base = p;
	c->size = n;
	c->h = h;
	c->rec = (const void *)(c->base + h->rec_off);
	c->by_id = (const void *)(c->base + h->by_id_off);
	c->text = (const char *)c->base + h->text_off;
	c->search = (const char *)c->base + h->search_off;
	if (!rooms_ok(c, why) || !records_ok(c, why)) {
		free(c);
		return NULL;
	}
	return c;
}

struct catalog *
catalog_open(const char *path, const char **why)
{
	struct catalog *c;
	struct stat st;
	void *p;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*why = "no snapshot file";
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		close(fd);
		*why = "the snapshot file cannot be read";
		return NULL;
	}
	if (st.st_size < (off_t)sizeof(struct catalog_head) ||
	    (uint64_t)st.st_size > LIM_CATALOG_FILE_MAX) {
		close(fd);
		*why = "the snapshot file has a wrong size";
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		*why = "the snapshot file cannot be mapped";
		return NULL;
	}
	if ((c = catalog_open_mem(p, (size_t)st.st_size, why)) == NULL) {
		munmap(p, (size_t)st.st_size);
		errno = EINVAL;
		return NULL;
	}
	c->mapped = true;
	return c;
}

void
catalog_close(struct catalog *c)
{
	if (c == NULL)
		return;
	if (c->mapped)
		munmap((void *)(uintptr_t)c->base, c->size);
	free(c);
}

void
catalog_info(const struct catalog *c, struct catalog_info *out)
{
	out->id = c->h->id;
	out->built_ms = c->h->built_ms;
	out->watermark_ms = c->h->watermark_ms;
	out->table_ms = c->h->table_ms;
	out->count = c->h->count;
}

void
catalog_plant(const struct catalog *c, size_t i, struct catalog_entry *e)
{
	const struct catalog_rec *r = &c->rec[i];

	memset(e, 0, sizeof(*e));
	e->id = c->text + r->id_off;
	e->id_len = r->id_len;
	e->name = c->text + r->name_off;
	e->name_len = r->name_len;
	e->light = c->text + r->light_off;
	e->light_len = r->light_len;
	e->loc = c->text + r->loc_off;
	e->loc_len = r->loc_len;
	e->json = c->text + r->json_off;
	e->json_len = r->json_len;
	e->search = c->search + r->search_off;
	e->search_len = r->search_len;
	e->version = r->version;
	e->changed_at = r->changed_at;
	e->facts = r->facts;
}

/* Byte order of a[0..an) and b[0..bn), the shorter first on a tie. */
static int
bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int d = memcmp(a, b, an < bn ? an : bn);

	if (d != 0)
		return d;
	return an < bn ? -1 : an > bn;
}

bool
catalog_find(const struct catalog *c, const char *id, size_t n, size_t *i)
{
	size_t lo = 0, hi = c->h->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct catalog_rec *r = &c->rec[c->by_id[mid]];
		int d = bytes_cmp(c->text + r->id_off, r->id_len, id, n);
		if (d == 0) {
			*i = c->by_id[mid];
			return true;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

size_t
catalog_after(const struct catalog *c, const char *name, size_t name_len,
    const char *id, size_t id_len)
{
	size_t lo = 0, hi = c->h->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct catalog_rec *r = &c->rec[mid];
		int d = bytes_cmp(c->text + r->name_off, r->name_len, name,
		    name_len);
		if (d == 0)
			d = bytes_cmp(c->text + r->id_off, r->id_len, id, id_len);
		if (d <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Does the record's location list ("\nroom\nroom\n") hold the one of
 * loc ("\nroom\n")?  A walk over its few lines: memmem's set-up costs
 * more than these short lists (it was most of a recommendation's CPU).
 */
static bool
has_location(const struct catalog *c, const struct catalog_rec *r,
    const char *loc, size_t loc_len)
{
	const char *p = c->text + r->loc_off, *end = p + r->loc_len, *nl;
	const char *want = loc + 1;
	size_t want_len = loc_len - 2;

	if (p == end || *p != '\n')
		return false;
	for (p++; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return false;
		if ((size_t)(nl - p) == want_len && memcmp(p, want, want_len) == 0)
			return true;
	}
	return false;
}

/*
 * A location filter: the room's dictionary bit, or CATALOG_ROOM_OTHER
 * and the walk of has_location for a room outside the dictionary.
 */
struct room_filter {
	bool        on;
	uint16_t    bit;
	const char *loc;        /* "\nroom\n" */
	size_t      len;
	char        buf[LIM_FILTER_MAX + 3];
};

static void
room_filter(const struct catalog *c, const char *location,
    struct room_filter *w)
{
	size_t n, k;

	w->on = location != NULL;
	if (!w->on)
		return;
	n = strlen(location);
	if (n > LIM_FILTER_MAX)
		n = LIM_FILTER_MAX;
	w->buf[0] = '\n';
	memcpy(w->buf + 1, location, n);
	w->buf[n + 1] = '\n';
	w->loc = w->buf;
	w->len = n + 2;
	w->bit = CATALOG_ROOM_OTHER;
	for (k = 0; k < c->nrooms; k++)
		if (c->room_len[k] == n && memcmp(c->room[k], location, n) == 0)
			w->bit = (uint16_t)(1u << k);
}

static bool
in_room(const struct catalog *c, const struct catalog_rec *r,
    const struct room_filter *w)
{
	if (w->bit != CATALOG_ROOM_OTHER)
		return (r->rooms & w->bit) != 0;
	return (r->rooms & CATALOG_ROOM_OTHER) != 0 &&
	    has_location(c, r, w->loc, w->len);
}

bool
catalog_in_room(const struct catalog *c, size_t i, const char *location)
{
	struct room_filter w;

	room_filter(c, location, &w);
	return w.on && in_room(c, &c->rec[i], &w);
}

/* The filters but q, checked on record r. */
static bool
rest_matches(const struct catalog *c, const struct catalog_rec *r,
    const struct plant_filter *f, const struct room_filter *w)
{
	if (f->light != NULL && (r->light_len != strlen(f->light) ||
	    memcmp(c->text + r->light_off, f->light, r->light_len) != 0))
		return false;
	if (w->on && !in_room(c, r, w))
		return false;
	if (f->difficulty_max > 0 && (r->facts.difficulty == 0 ||
	    r->facts.difficulty > f->difficulty_max))
		return false;
	if (f->pet_safe && r->facts.toxic != 0)
		return false;
	return true;
}

/* The record whose search area holds offset off, from position lo on. */
static size_t
record_at(const struct catalog *c, size_t lo, uint64_t off)
{
	size_t hi = c->h->count;

	/* The last record whose area starts at or before off. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->rec[mid].search_off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

size_t
catalog_list(const struct catalog *c, const struct plant_filter *f,
    size_t start, size_t limit, size_t *out, bool *more)
{
	char q[LIM_FILTER_MAX];
	size_t count = c->h->count, found = 0, qn = 0, i;
	struct room_filter w;

	room_filter(c, f->location, &w);
	if (f->q != NULL && *f->q != '\0') {
		qn = strlen(f->q);
		if (qn > sizeof(q))
			qn = sizeof(q);
		catalog_fold(q, f->q, qn);
	}
	for (i = start; i < count && found <= limit; i++) {
		if (qn > 0) {
			uint64_t from = c->rec[i].search_off;
			const char *hit = memmem(c->search + from,
			    c->h->search_len - from, q, qn);
			if (hit == NULL)
				break;
			i = record_at(c, i, (uint64_t)(hit - c->search));
		}
		if (rest_matches(c, &c->rec[i], f, &w))
			out[found++] = i;
	}
	*more = found > limit;
	return *more ? limit : found;
}

/*
 * The best limit plants as a heap whose root is the worst kept: lower
 * score, or the same score and a later id.
 */
struct ranked {
	size_t pos;
	int    score;
};

static bool
worse(const struct catalog *c, const struct ranked *a, const struct ranked *b)
{
	const struct catalog_rec *ra, *rb;

	if (a->score != b->score)
		return a->score < b->score;
	ra = &c->rec[a->pos];
	rb = &c->rec[b->pos];
	return bytes_cmp(c->text + ra->id_off, ra->id_len, c->text + rb->id_off,
	    rb->id_len) > 0;
}

static void
sift_down(const struct catalog *c, struct ranked *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct ranked t;
		if (l < n && worse(c, &h[l], &h[m]))
			m = l;
		if (r < n && worse(c, &h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void
sift_up(const struct catalog *c, struct ranked *h, size_t i)
{
	while (i > 0 && worse(c, &h[i], &h[(i - 1) / 2])) {
		struct ranked t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

size_t
catalog_rank(const struct catalog *c, const struct rec_query *q,
    size_t limit, size_t *out, int *scores)
{
	struct room_filter w;
	struct ranked *heap, cand;
	struct rec_prep prep;
	size_t count = c->h->count, n = 0, i;

	if (limit == 0)
		return 0;
	room_filter(c, q->location, &w);
	recommend_prepare(q, &prep);
	heap = xcalloc(limit, sizeof(*heap));
	for (i = 0; i < count; i++) {
		const struct catalog_rec *r = &c->rec[i];
		bool here = w.on && in_room(c, r, &w);
		cand.pos = i;
		if (!recommend_quick(&r->facts, here, &prep, &cand.score))
			continue;
		if (n < limit) {
			heap[n] = cand;
			sift_up(c, heap, n++);
		} else if (worse(c, &heap[0], &cand)) {
			heap[0] = cand;
			sift_down(c, heap, n, 0);
		}
	}
	/* Take the worst out each time: the array fills from its end. */
	for (i = n; i > 0; i--) {
		out[i - 1] = heap[0].pos;
		scores[i - 1] = heap[0].score;
		heap[0] = heap[i - 1];
		sift_down(c, heap, i - 1, 0);
	}
	free(heap);
	return n;
}
