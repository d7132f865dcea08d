/*
 * The catalog snapshot: lists, filters, walks and ranking at size against
 * references computed here from the same plants (plants_matches,
 * recommend_rank), changes applied in any order, damaged files refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/limits.h"
#include "json/jx.h"
#include "store/catalog.h"
#include "store/catalog_build.h"
#include "store/catalog_file.h"
#include "store/plants.h"
#include "store/recommend.h"
#include "harness.h"

#define NPLANTS 3000

static uint64_t rng = 42;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng >> 33) % n);
}

static const char *const words[] = { "fern", "ivy", "palm", "lily",
    "cactus", "moss", "vine", "herb", "orchid", "tree" };
static const char *const lights[] = { "low_indirect", "indirect",
    "bright_indirect", "direct", "full sun to partial shade", "shade" };
/* Six common rooms, then rare ones: more than CATALOG_ROOMS in all, so
 * some fall outside the snapshot's room dictionary. */
static const char *const rooms[] = { "office", "bedroom", "kitchen",
    "bathroom", "balcony", "living_room", "attic", "porch", "garage_2",
    "loft", "hall", "study", "pantry", "cellar", "nursery", "library",
    "sunroom", "den", "foyer", "gym", "greenhouse", "studio", "shed",
    "veranda" };
#define NROOMS (sizeof(rooms) / sizeof(rooms[0]))
static const char *const humid[] = { "low", "moderate", "high", "?" };

/* A plant of the seed's shape with varied filter and score fields. */
static struct json_object *
make_plant(struct arena *a, unsigned i, int64_t version)
{
	char id[16], name[64], diff[8], locs[64], text[128];
	const char *values[40] = { id, name, "Sci_Name", NULL, "FALSE", "low",
	    "15", "10", "20", "14", NULL, diff, "low", NULL, "Hardy.", locs,
	    "medium", "50", "90", "70", "bottom_watering", "9", "6", "sandy",
	    "900", "90", "decoration", "90", NULL, "division", "mealybugs",
	    "https://example.com/x.jpg", "pr001", "{}", "1", "TRUE",
	    "2025-01-01", "2025-04-06", text, "2025-04-06" };
	const char *names[40];
	const struct jx_field *schema;
	struct json_object *p;
	const char *why, *field;
	size_t n, k;

	/* The columns in schema order, as the seed's header has them. */
	schema = plants_schema(&n);
	for (k = 0; k < 40 && k < n; k++)
		names[k] = schema[k].name;
	snprintf(id, sizeof(id), "g%05u", i);
	/* Names collide often: the id orders them then. */
	snprintf(name, sizeof(name), "%s_%s%s", words[rnd(10)], words[rnd(10)],
	    rnd(3) == 0 ? "" : "_x");
	values[3] = lights[rnd(6)];
	values[10] = humid[rnd(4)];
	snprintf(diff, sizeof(diff), "%u", 1 + rnd(10));
	values[13] = rnd(4) == 0 ? "FALSE" : "TRUE";
	snprintf(locs, sizeof(locs), "%s,%s", rooms[rnd(6)],
	    rooms[rnd(4) == 0 ? rnd(NROOMS) : rnd(6)]);
	values[28] = rnd(2) ? "TRUE" : "FALSE";
	snprintf(text, sizeof(text), "%s %s Plant%s", words[rnd(10)],
	    words[rnd(10)], rnd(500) == 0 ? " zebrawort" : "");
	if (plants_from_columns(a, names, values, 40, &p, &why, &field) !=
	    ERR_OK) {
		printf("  make_plant: %s %s\n", field, why);
		return NULL;
	}
	json_object_object_add(p, "version", json_object_new_int64(version));
	json_object_object_add(p, "changed_at", json_object_new_int64(1000 + i));
	return p;
}

static int
cmp_bytes(const char *a, const char *b)
{
	return strcmp(a, b);   /* ASCII test data: byte order */
}

static int
by_name_id(const void *x, const void *y)
{
	struct json_object *a = *(struct json_object *const *)x;
	struct json_object *b = *(struct json_object *const *)y;
	int d = cmp_bytes(jx_str(a, "name", NULL), jx_str(b, "name", NULL));

	return d != 0 ? d : cmp_bytes(jx_str(a, "id", NULL),
	    jx_str(b, "id", NULL));
}

static char dir[] = "/tmp/growvrd-catalog-XXXXXX";
static char path[256];

/* Build a snapshot of plants[0..n) (with changes semantics) and open it. */
static struct catalog *
build(struct arena *a, const struct catalog *old, struct json_object **items,
    size_t n, size_t *applied)
{
	struct catalog_entry *e = calloc(n + 1, sizeof(*e));
	struct catalog_meta m = { 1, 2, 3 };
	struct catalog *c;
	const char *why = "";
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (catalog_entry_from_item(a, items[i], &e[k], &why))
			k++;
		else
			printf("  entry %zu: %s\n", i, why);
	if (catalog_build(old, e, k, &m, old == NULL, path, applied) != ERR_OK)
		printf("  catalog_build failed\n");
	for (i = 0; i < k; i++)
		catalog_entry_free(&e[i]);
	free(e);
	c = catalog_open(path, &why);
	if (c == NULL)
		printf("  catalog_open: %s\n", why);
	return c;
}

/* Walk f with page size limit; every plant the reference keeps, once, in
 * order, full pages but the last. */
static bool
walk_matches(const struct catalog *c, struct json_object **ref, size_t n,
    const struct plant_filter *f, size_t limit)
{
	size_t pos[LIM_LIST_MAX + 1], got, i, r = 0, start = 0;
	struct catalog_entry p;
	bool more = true;

	while (more) {
		got = catalog_list(c, f, start, limit, pos, &more);
		if (more && got != limit)
			return false;
		for (i = 0; i < got; i++) {
			while (r < n && !plants_matches(ref[r], f))
				r++;
			if (r == n)
				return false;
			catalog_plant(c, pos[i], &p);
			if (strlen(jx_str(ref[r], "id", NULL)) != p.id_len ||
			    memcmp(jx_str(ref[r], "id", NULL), p.id, p.id_len) != 0)
				return false;
			r++;
		}
		if (got > 0) {
			catalog_plant(c, pos[got - 1], &p);
			start = catalog_after(c, p.name, p.name_len, p.id,
			    p.id_len);
		}
	}
	while (r < n && !plants_matches(ref[r], f))
		r++;
	return r == n;
}

static void
test_lists(struct arena *a, struct json_object **plants,
    struct json_object **ref, const struct catalog *c)
{
	static const struct plant_filter fs[] = {
		{ NULL, NULL, NULL, 0, false },
		{ "zebrawort", NULL, NULL, 0, false },
		{ "ZEBRA", NULL, NULL, 0, false },
		{ "nothing matches this", NULL, NULL, 0, false },
		{ "sci name", NULL, NULL, 0, false },
		{ "fern_ivy", NULL, NULL, 0, false },
		{ NULL, "direct", NULL, 0, false },
		{ NULL, NULL, "kitchen", 0, false },
		{ NULL, NULL, "garage", 0, false },
		{ NULL, NULL, NULL, 3, false },
		{ NULL, NULL, NULL, 0, true },
		{ "palm", "indirect", "bedroom", 6, true },
	};
	static const size_t limits[] = { 1, 7, 20, 100 };
	struct catalog_entry p;
	size_t i, j;
	bool ok = true;

	(void)a;
	(void)plants;
	CASE("catalog: name then id order, the index by id finds each plant");
	for (i = 0; i < NPLANTS; i++) {
		size_t pos;
		const char *id = jx_str(ref[i], "id", NULL);
		catalog_plant(c, i, &p);
		ok = ok && p.id_len == strlen(id) && memcmp(p.id, id, p.id_len) == 0;
		ok = ok && catalog_find(c, id, strlen(id), &pos) && pos == i;
	}
	CHECK(ok);
	CHECK(!catalog_find(c, "nope", 4, &i));
	END_CASE();

	CASE("catalog: every filter walked at limits 1, 7, 20, 100 equals the "
	    "reference (each plant once, full pages but the last)");
	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		for (j = 0; j < sizeof(limits) / sizeof(limits[0]); j++)
			if (!walk_matches(c, ref, NPLANTS, &fs[i], limits[j])) {
				printf("  filter %zu limit %zu\n", i, limits[j]);
				ok = false;
			}
	CHECK(ok);
	END_CASE();

	CASE("catalog: each room, in the dictionary or not, filters like the "
	    "reference");
	for (i = 0; i < NROOMS; i++) {
		struct plant_filter f = { NULL, NULL, rooms[i], 0, false };
		if (!walk_matches(c, ref, NPLANTS, &f, 20)) {
			printf("  room %s\n", rooms[i]);
			ok = false;
		}
	}
	CHECK(ok);
	END_CASE();

	CASE("catalog: a q of LIM_FILTER_MAX bytes is searched whole");
	{
		char q[LIM_FILTER_MAX + 1];
		struct plant_filter f = { q, NULL, NULL, 0, false };
		size_t pos[2];
		bool more;
		memset(q, 'z', LIM_FILTER_MAX);
		q[LIM_FILTER_MAX] = '\0';
		CHECK(catalog_list(c, &f, 0, 1, pos, &more) == 0 && !more);
		memcpy(q, "zebrawort", 9);
		q[9] = '\0';
		CHECK(catalog_list(c, &f, 0, 1, pos, &more) == 1);
	}
	END_CASE();
}

static void
test_rank(struct arena *a, struct json_object **ref, const struct catalog *c)
{
	static const struct rec_query qs[] = {
		{ NULL, REC_LIGHT_ANY, REC_EXP_ANY, false },
		{ "kitchen", REC_LIGHT_BRIGHT, REC_EXP_BEGINNER, false },
		{ "bathroom", REC_LIGHT_LOW, REC_EXP_EXPERT, true },
		{ "office", REC_LIGHT_DIRECT, REC_EXP_INTERMEDIATE, false },
		{ "garage", REC_LIGHT_MEDIUM, REC_EXP_ANY, true },
	};
	struct json_object *all = jx_own(a, json_object_new_array()), *want;
	size_t pos[50], i, k, n;
	int scores[50], s1, s2;
	struct rec_facts f;
	struct rec_prep prep;
	bool ok = true, here;

	for (i = 0; i < NPLANTS; i++)
		json_object_array_add(all, json_object_get(ref[i]));
	CASE("recommend_quick gives recommend_score's score for every plant");
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
		for (i = 0; i < NPLANTS; i++) {
			struct json_object *r = json_object_new_array();
			bool in1 = recommend_score(ref[i], &qs[k], &s1, r);
			recommend_facts(ref[i], &f);
			here = qs[k].location != NULL && jx_array_has(jx_get(ref[i],
			    "compatible_locations"), qs[k].location);
			recommend_prepare(&qs[k], &prep);
			ok = ok && in1 == recommend_quick(&f, here, &prep, &s2) &&
			    (!in1 || s1 == s2);
			json_object_put(r);
		}
	CHECK(ok);
	END_CASE();

	CASE("recommend_explain from a snapshot's plant gives recommend_score's "
	    "score and sentences, for rooms in and out of the dictionary");
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]) + NROOMS; k++) {
		struct rec_query rq = { NULL, REC_LIGHT_BRIGHT, REC_EXP_BEGINNER,
		    false };
		if (k < sizeof(qs) / sizeof(qs[0]))
			rq = qs[k];
		else
			rq.location = rooms[k - sizeof(qs) / sizeof(qs[0])];
		for (i = 0; i < NPLANTS && ok; i++) {
			struct json_object *r1 = json_object_new_array();
			struct json_object *r2 = json_object_new_array();
			struct catalog_entry p;
			char light[128];
			bool in1, in2;
			catalog_plant(c, i, &p);
			snprintf(light, sizeof(light), "%.*s", (int)p.light_len,
			    p.light);
			in1 = recommend_score(ref[i], &rq, &s1, r1);
			in2 = recommend_explain(&p.facts, light,
			    catalog_in_room(c, i, rq.location), &rq, &s2, r2);
			ok = in1 == in2 && s1 == s2 && strcmp(
			    json_object_to_json_string(r1),
			    json_object_to_json_string(r2)) == 0;
			if (!ok)
				printf("  plant %zu query %zu\n", i, k);
			json_object_put(r1);
			json_object_put(r2);
		}
	}
	CHECK(ok);
	END_CASE();

	CASE("catalog_rank over the whole catalog equals recommend_rank, "
	    "for each room too");
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]) + NROOMS; k++) {
		struct rec_query rq = { NULL, REC_LIGHT_ANY, REC_EXP_ANY, false };
		if (k < sizeof(qs) / sizeof(qs[0]))
			rq = qs[k];
		else
			rq.location = rooms[k - sizeof(qs) / sizeof(qs[0])];
		want = recommend_rank(a, all, &rq, 50);
		n = catalog_rank(c, &rq, 50, pos, scores);
		ok = ok && n == json_object_array_length(want);
		for (i = 0; i < n && ok; i++) {
			struct json_object *w = json_object_array_get_idx(want, i);
			const char *id = jx_str(jx_get(w, "plant"), "id", NULL);
			struct catalog_entry p;
			int64_t sc;
			catalog_plant(c, pos[i], &p);
			ok = jx_int(w, "score", 0, 100, &sc) && sc == scores[i] &&
			    p.id_len == strlen(id) && memcmp(p.id, id, p.id_len) == 0;
		}
	}
	CHECK(ok);
	END_CASE();
}

static void
test_changes(struct arena *a, struct json_object **ref, struct catalog **cp)
{
	struct json_object *ch[40], *t;
	struct catalog *c = *cp, *c2;
	struct catalog_info info;
	struct catalog_entry p, mid;
	char mid_name[256], mid_id[LIM_ID_MAX];
	size_t applied = 0, i, k = 0, pos, start, got, seen = 0;
	size_t out[LIM_LIST_MAX + 1];
	struct plant_filter all = { NULL, NULL, NULL, 0, false };
	bool more = true, ok = true;

	/* A walk stopped in the middle, resumed after the changes below
	 * (what it keeps is the cursor: a copy of name and id). */
	catalog_plant(c, NPLANTS / 2, &mid);
	memcpy(mid_name, mid.name, mid.name_len);
	memcpy(mid_id, mid.id, mid.id_len);
	mid.name = mid_name;
	mid.id = mid_id;
	CASE("catalog: changes apply by version, in any order, twice");
	for (i = 0; i < 10; i++) {              /* 10 updates, renamed */
		t = make_plant(a, i * 7, 5);
		json_object_object_add(t, "name",
		    json_object_new_string("aaa_moved"));
		ch[k++] = t;
	}
	for (i = 0; i < 5; i++) {               /* 5 deletes */
		t = jx_own(a, json_object_new_object());
		json_object_object_add(t, "id", json_object_new_string(
		    jx_str(ref[100 + i * 13], "id", NULL)));
		json_object_object_add(t, "version", json_object_new_int(9));
		json_object_object_add(t, "deleted", json_object_new_boolean(1));
		ch[k++] = t;
	}
	for (i = 0; i < 5; i++)                 /* 5 new plants */
		ch[k++] = make_plant(a, 90000 + (unsigned)i, 1);
	ch[k++] = make_plant(a, 1, 1);          /* stale: version 1 <= 1 */
	ch[k++] = make_plant(a, 0, 3);          /* older than the 5 above */
	c2 = build(a, c, ch, k, &applied);
	CHECK(c2 != NULL && applied == 20);
	if (c2 == NULL)
		return;
	catalog_info(c2, &info);
	CHECK(info.count == NPLANTS - 5 + 5);
	catalog_plant(c2, 0, &p);
	CHECK(p.name_len == 9 && memcmp(p.name, "aaa_moved", 9) == 0 &&
	    p.version == 5);
	CHECK(!catalog_find(c2, jx_str(ref[100], "id", NULL), 6, &pos));
	CHECK(catalog_find(c2, "g90000", 6, &pos));
	catalog_close(c);
	*cp = c = c2;
	c2 = build(a, c, ch, k, &applied);      /* the same again */
	CHECK(c2 != NULL && applied == 0);
	catalog_close(c2);
	END_CASE();

	CASE("catalog: a tombstone's entry outlives its item (a poll frees "
	    "each page before it builds)");
	{
		struct arena *page = arena_new(0);
		struct catalog_entry te;
		struct catalog_meta m = { 1, 2, 3 };
		const char *why;
		t = jx_own(page, json_object_new_object());
		json_object_object_add(t, "id", json_object_new_string("g90001"));
		json_object_object_add(t, "version", json_object_new_int(7));
		json_object_object_add(t, "deleted", json_object_new_boolean(1));
		CHECK(catalog_entry_from_item(page, t, &te, &why));
		arena_free(page);
		CHECK(catalog_build(c, &te, 1, &m, false, path, &applied) ==
		    ERR_OK && applied == 1);
		catalog_entry_free(&te);
		c2 = catalog_open(path, &why);
		CHECK(c2 != NULL && !catalog_find(c2, "g90001", 6, &pos));
		catalog_close(c);
		*cp = c = c2;
	}
	END_CASE();

	CASE("catalog: a walk resumed across changes returns each unchanged "
	    "plant once");
	start = catalog_after(c, mid.name, mid.name_len, mid.id, mid.id_len);
	while (more) {
		got = catalog_list(c, &all, start, 100, out, &more);
		for (i = 0; i < got; i++) {
			catalog_plant(c, out[i], &p);
			seen++;
		}
		if (got > 0)
			start = catalog_after(c, p.name, p.name_len, p.id,
			    p.id_len);
	}
	/* What follows mid in the new snapshot, counted directly. */
	catalog_info(c, &info);
	pos = catalog_after(c, mid.name, mid.name_len, mid.id, mid.id_len);
	ok = seen == info.count - pos;
	CHECK(ok);
	END_CASE();
}

static void
test_damage(void)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	struct catalog_head *h;
	struct catalog_rec *r;
	struct catalog *c;
	const char *why;
	long n;
	size_t cut;
	bool ok = true;

	CASE("catalog: truncated, damaged or oversized snapshots are refused");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = aligned_alloc(8, ((size_t)n + 7) / 8 * 8);
	CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	h = (struct catalog_head *)buf;
	r = (struct catalog_rec *)(buf + h->rec_off);
	c = catalog_open_mem(buf, (size_t)n, &why);
	CHECK(c != NULL);
	catalog_close(c);
	for (cut = 0; cut < (size_t)n; cut += 997)
		ok = ok && catalog_open_mem(buf, cut, &why) == NULL;
	CHECK(ok);
	h->count = LIM_CATALOG_PLANTS + 1;
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL);
	h->count = 0;
	CHECK((c = catalog_open_mem(buf, (size_t)n, &why)) != NULL);
	catalog_close(c);
	h->count = (uint32_t)(h->by_id_off - h->rec_off) / sizeof(*r);
	r[7].json_off = UINT32_MAX - 1;
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL);
	r[7].json_off = 0;
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL); /* not '{' */
	END_CASE();

	CASE("catalog_open: a refused file's errno is EINVAL, a missing one's "
	    "ENOENT (the workers retry only the latter)");
	{
		char bad[300];
		FILE *g;
		snprintf(bad, sizeof(bad), "%s/bad.snap", dir);
		g = fopen(bad, "wb");
		CHECK(g != NULL && fwrite(buf, 1, (size_t)n, g) == (size_t)n);
		fclose(g);
		errno = 0;
		CHECK(catalog_open(bad, &why) == NULL && errno == EINVAL);
		unlink(bad);
		errno = 0;
		CHECK(catalog_open(bad, &why) == NULL && errno == ENOENT);
	}
	END_CASE();
	free(buf);

	CASE("catalog: a damaged room dictionary or room bits are refused");
	f = fopen(path, "rb");
	buf = aligned_alloc(8, ((size_t)n + 7) / 8 * 8);
	CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	h = (struct catalog_head *)buf;
	r = (struct catalog_rec *)(buf + h->rec_off);
	CHECK(h->rooms_len > 0 && buf[h->rooms_off + h->rooms_len - 1] == '\n');
	buf[h->rooms_off + h->rooms_len - 1] = 'x';     /* no last newline */
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL);
	buf[h->rooms_off + h->rooms_len - 1] = '\n';
	buf[h->rooms_off] = '\n';                       /* an empty room */
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL);
	h->rooms_len = 0;       /* no dictionary: every bit is out of it */
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL);
	h->rooms_off = (uint64_t)n;
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL);
	h->rooms_len = 1;       /* one byte past the end */
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL);
	buf[0] ^= 1;
	CHECK(catalog_open_mem(buf, (size_t)n, &why) == NULL);
	END_CASE();
	free(buf);
}

int
main(void)
{
	struct arena *a = arena_new(0);
	struct json_object **plants = calloc(NPLANTS, sizeof(*plants));
	struct json_object **ref = calloc(NPLANTS, sizeof(*ref));
	struct catalog *c;
	size_t applied, i;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/catalog.snap", dir);
	for (i = 0; i < NPLANTS; i++)
		ref[i] = plants[i] = make_plant(a, (unsigned)i, 1);
	qsort(ref, NPLANTS, sizeof(*ref), by_name_id);
	CASE("catalog: a full build of 3000 plants");
	c = build(a, NULL, plants, NPLANTS, &applied);
	CHECK(c != NULL && applied == NPLANTS);
	END_CASE();
	if (c != NULL) {
		test_lists(a, plants, ref, c);
		test_rank(a, ref, c);
		test_changes(a, ref, &c);
		catalog_close(c);
		test_damage();
	}
	unlink(path);
	rmdir(dir);
	free(plants);
	free(ref);
	arena_free(a);
	rc = harness_done();
	return rc;
}
