#include "store/catalog_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/crypt.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "json/jx.h"
#include "store/catalog.h"
#include "store/catalog_file.h"
#include "store/plants.h"

/* Appends s[0..n) to b, folded for search when fold, then a '\n'. */
static void
put_line(struct buf *b, const char *s, size_t n, bool fold)
{
	size_t at = b->len;

	if (!buf_append(b, s, n) || !buf_putc(b, '\n'))
		return;
	if (fold)
		catalog_fold(b->data + at, b->data + at, n);
}

/* The texts of a plant entry, in one block: id name light loc json search. */
static bool
fill_texts(struct catalog_entry *e, struct json_object *plant,
    const struct buf *json)
{
	struct json_object *locs = jx_get(plant, "compatible_locations");
	const char *id, *name, *light, *sci, *text;
	size_t id_n, name_n, light_n, sci_n, text_n, i, at[6], n;
	struct buf b;

	id = jx_str(plant, "id", &id_n);
	name = jx_str(plant, "name", &name_n);
	light = jx_str(plant, "natural_sunlight_needs", &light_n);
	sci = jx_str(plant, "scientific_name", &sci_n);
	text = jx_str(plant, "searchable_text", &text_n);
	buf_init(&b, LIM_CATALOG_FILE_MAX);
	at[0] = b.len;
	buf_append(&b, id, id_n);
	at[1] = b.len;
	buf_append(&b, name, name_n);
	at[2] = b.len;
	buf_append(&b, light, light_n);
	at[3] = b.len;
	buf_putc(&b, '\n');
	n = json_object_array_length(locs);
	for (i = 0; i < n; i++) {
		struct json_object *l = json_object_array_get_idx(locs, i);
		put_line(&b, json_object_get_string(l),
		    (size_t)json_object_get_string_len(l), false);
	}
	at[4] = b.len;
	buf_append(&b, json->data, json->len);
	at[5] = b.len;
	put_line(&b, name, name_n, true);
	put_line(&b, sci, sci_n, true);
	put_line(&b, text, text_n, true);
	if (b.data == NULL || b.len - at[5] < 3) {
		buf_free(&b);
		return false;
	}
	e->owned = b.data;      /* the block is the entry's now */
	e->id = b.data + at[0];
	e->id_len = id_n;
	e->name = b.data + at[1];
	e->name_len = name_n;
	e->light = b.data + at[2];
	e->light_len = light_n;
	e->loc = b.data + at[3];
	e->loc_len = at[4] - at[3];
	e->json = b.data + at[4];
	e->json_len = json->len;
	e->search = b.data + at[5];
	e->search_len = b.len - at[5];
	return true;
}

bool
catalog_entry_from_item(struct arena *a, struct json_object *item,
    struct catalog_entry *e, const char **why)
{
	struct json_object *plant;
	const char *field = NULL;
	struct buf json;
	size_t n;
	bool ok;

	memset(e, 0, sizeof(*e));
	e->id = jx_str(item, "id", &n);
	e->id_len = n;
	if (e->id == NULL || !plants_valid_id(e->id, n) ||
	    !jx_int(item, "version", 1, INT64_MAX, &e->version)) {
		*why = "an item without a valid id and version";
		return false;
	}
	if (!jx_int(item, "changed_at", 0, INT64_MAX, &e->changed_at))
		e->changed_at = 0;
	if (plants_is_tombstone(item)) {
		/* The id outlives the item's tree (a poll frees each page). */
		e->tombstone = true;
		e->owned = xmalloc(n);
		memcpy(e->owned, e->id, n);
		e->id = e->owned;
		return true;
	}
	plant = plants_canonical(a, item);
	if (!plants_validate(plant, why, &field))
		return false;
	recommend_facts(plant, &e->facts);
	buf_init(&json, LIM_BODY_MAX);
	ok = jx_write(&json, plant) && fill_texts(e, plant, &json);
	buf_free(&json);
	if (!ok)
		*why = "a plant too large for the snapshot";
	return ok;
}

void
catalog_entry_free(struct catalog_entry *e)
{
	free(e->owned);
	e->owned = NULL;
}

static int
cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int d = memcmp(a, b, an < bn ? an : bn);

	return d != 0 ? d : (an < bn ? -1 : an > bn);
}

/* List order: name, then id. */
static int
cmp_list(const struct catalog_entry *a, const struct catalog_entry *b)
{
	int d = cmp_bytes(a->name, a->name_len, b->name, b->name_len);

	return d != 0 ? d : cmp_bytes(a->id, a->id_len, b->id, b->id_len);
}

static int
by_list(const void *x, const void *y)
{
	return cmp_list(*(struct catalog_entry *const *)x,
	    *(struct catalog_entry *const *)y);
}

/* Changes by id, the newest version of an id first. */
static int
by_id_newest(const void *x, const void *y)
{
	const struct catalog_entry *a = x, *b = y;
	int d = cmp_bytes(a->id, a->id_len, b->id, b->id_len);

	if (d != 0)
		return d;
	return a->version > b->version ? -1 : a->version < b->version;
}

struct id_pos {
	const char *id;
	size_t      len;
	uint32_t    pos;
};

static int
by_id_pos(const void *x, const void *y)
{
	const struct id_pos *a = x, *b = y;

	return cmp_bytes(a->id, a->len, b->id, b->len);
}

/* ---- the room dictionary (store/catalog_file.h) ---------------------- */

struct room {
	const char *s;
	size_t      len;
	size_t      plants;
};

static int
by_room_name(const void *x, const void *y)
{
	const struct room *a = x, *b = y;

	return cmp_bytes(a->s, a->len, b->s, b->len);
}

/* Most plants first, then by name: the same list gives the same file. */
static int
by_room_use(const void *x, const void *y)
{
	const struct room *a = x, *b = y;

	if (a->plants != b->plants)
		return a->plants > b->plants ? -1 : 1;
	return by_room_name(x, y);
}

/* p (and nl, its end) over each room of a list "\nroom\nroom\n". */
#define FOR_ROOM(loc, len, p, nl) \
	for ((p) = (len) > 0 ? (loc) + 1 : (loc) + (len); \
	    (p) < (loc) + (len) && ((nl) = memchr((p), '\n', \
	    (size_t)((loc) + (len) - (p)))) != NULL; (p) = (nl) + 1)

/*
 * The dictionary of list[0..n): the CATALOG_ROOMS rooms most plants
 * list, into dict (room for CATALOG_ROOMS); returns how many.
 */
static size_t
room_dictionary(struct catalog_entry *const *list, size_t n, struct room *dict)
{
	struct room *all;
	size_t total = 0, k = 0, d = 0, i, j;
	const char *p, *nl;

	for (i = 0; i < n; i++)
		FOR_ROOM(list[i]->loc, list[i]->loc_len, p, nl)
			total++;
	all = xcalloc(total + 1, sizeof(*all));
	for (i = 0; i < n; i++)
		FOR_ROOM(list[i]->loc, list[i]->loc_len, p, nl) {
			all[k].s = p;
			all[k++].len = (size_t)(nl - p);
		}
	qsort(all, total, sizeof(*all), by_room_name);
	/* One entry per distinct room, counting the plants that list it
	 * (a plant listing a room twice counts twice: harmless). */
	for (i = 0; i < total; i = j) {
		for (j = i + 1; j < total && by_room_name(&all[i], &all[j]) == 0;
		    j++)
			;
		if (all[i].len == 0)
			continue;
		all[d] = all[i];
		all[d++].plants = j - i;
	}
	qsort(all, d, sizeof(*all), by_room_use);
	if (d > CATALOG_ROOMS)
		d = CATALOG_ROOMS;
	memcpy(dict, all, d * sizeof(*all));
	free(all);
	return d;
}

/* The record bits of entry x for the dictionary dict[0..d). */
static uint16_t
room_bits(const struct catalog_entry *x, const struct room *dict, size_t d)
{
	uint16_t bits = 0;
	const char *p, *nl;
	size_t k;

	FOR_ROOM(x->loc, x->loc_len, p, nl) {
		for (k = 0; k < d; k++)
			if (dict[k].len == (size_t)(nl - p) &&
			    memcmp(dict[k].s, p, dict[k].len) == 0)
				break;
		bits |= k < d ? (uint16_t)(1u << k) : CATALOG_ROOM_OTHER;
	}
	return bits;
}

/* Write the snapshot of list[0..n) to f. */
static enum err
write_file(FILE *f, struct catalog_entry *const *list, size_t n,
    const struct catalog_meta *m)
{
	struct catalog_head h;
	struct catalog_rec r;
	struct room dict[CATALOG_ROOMS];
	struct id_pos *ids;
	uint64_t text = 0, search = 0, rooms = 0;
	size_t i, d;
	enum err e = ERR_OK;

	for (i = 0; i < n; i++) {
		text += list[i]->id_len + list[i]->name_len +
		    list[i]->light_len + list[i]->loc_len + list[i]->json_len;
		search += list[i]->search_len;
	}
	d = room_dictionary(list, n, dict);
	for (i = 0; i < d; i++)
		rooms += dict[i].len + 1;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CATALOG_MAGIC, sizeof(h.magic));
	h.format = CATALOG_FORMAT;
	h.count = (uint32_t)n;
	h.built_ms = m->built_ms;
	h.watermark_ms = m->watermark_ms;
	h.table_ms = m->table_ms;
	crypt_random(&h.id, sizeof(h.id));
	h.rec_off = sizeof(h);
	h.by_id_off = h.rec_off + n * sizeof(r);
	h.text_off = h.by_id_off + n * 4;
	h.text_len = text;
	h.search_off = h.text_off + text;
	h.search_len = search;
	h.rooms_off = h.search_off + search;
	h.rooms_len = rooms;
	h.size = h.rooms_off + rooms;
	if (n > LIM_CATALOG_PLANTS || h.size > LIM_CATALOG_FILE_MAX ||
	    text > UINT32_MAX || search > UINT32_MAX)
		return ERR_TOO_LARGE;
	fwrite(&h, sizeof(h), 1, f);
	text = search = 0;
	for (i = 0; i < n; i++) {
		const struct catalog_entry *x = list[i];
		memset(&r, 0, sizeof(r));
		r.id_off = (uint32_t)text;
		r.name_off = (uint32_t)(text += x->id_len);
		r.light_off = (uint32_t)(text += x->name_len);
		r.loc_off = (uint32_t)(text += x->light_len);
		r.json_off = (uint32_t)(text += x->loc_len);
		text += x->json_len;
		r.json_len = (uint32_t)x->json_len;
		r.id_len = (uint16_t)x->id_len;
		r.name_len = (uint16_t)x->name_len;
		r.light_len = (uint16_t)x->light_len;
		r.loc_len = (uint16_t)x->loc_len;
		r.search_off = (uint32_t)search;
		r.search_len = (uint32_t)x->search_len;
		search += x->search_len;
		r.version = x->version;
		r.changed_at = x->changed_at;
		r.facts = x->facts;
		r.rooms = room_bits(x, dict, d);
		fwrite(&r, sizeof(r), 1, f);
	}
	ids = xcalloc(n + 1, sizeof(*ids));
	for (i = 0; i < n; i++) {
		ids[i].id = list[i]->id;
		ids[i].len = list[i]->id_len;
		ids[i].pos = (uint32_t)i;
	}
	qsort(ids, n, sizeof(*ids), by_id_pos);
	for (i = 0; i < n; i++)
		fwrite(&ids[i].pos, 4, 1, f);
	free(ids);
	for (i = 0; i < n; i++) {
		fwrite(list[i]->id, 1, list[i]->id_len, f);
		fwrite(list[i]->name, 1, list[i]->name_len, f);
		fwrite(list[i]->light, 1, list[i]->light_len, f);
		fwrite(list[i]->loc, 1, list[i]->loc_len, f);
		fwrite(list[i]->json, 1, list[i]->json_len, f);
	}
	for (i = 0; i < n; i++)
		fwrite(list[i]->search, 1, list[i]->search_len, f);
	for (i = 0; i < d; i++) {
		fwrite(dict[i].s, 1, dict[i].len, f);
		fputc('\n', f);
	}
	if (ferror(f))
		e = ERR_INTERNAL;
	return e;
}

/* Write list[0..n) to path through a temporary file and a rename. */
static enum err
install(struct catalog_entry *const *list, size_t n,
    const struct catalog_meta *m, const char *path)
{
	char tmp[4096];
	FILE *f;
	enum err e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
	    (long)getpid()) >= sizeof(tmp))
		return ERR_INTERNAL;
	if ((f = fopen(tmp, "wbe")) == NULL) {
		log_kv(LOG_ERROR, "cannot write the catalog snapshot", "path",
		    tmp, "why", strerror(errno), NULL);
		return ERR_INTERNAL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	e = write_file(f, list, n, m);
	if (fclose(f) != 0 && e == ERR_OK)
		e = ERR_INTERNAL;
	if (e == ERR_OK && rename(tmp, path) != 0) {
		log_kv(LOG_ERROR, "cannot install the catalog snapshot", "path",
		    path, "why", strerror(errno), NULL);
		e = ERR_INTERNAL;
	}
	if (e != ERR_OK)
		unlink(tmp);
	return e;
}

enum err
catalog_build(const struct catalog *old, struct catalog_entry *changes,
    size_t n, const struct catalog_meta *m, bool force, const char *path,
    size_t *applied)
{
	struct catalog_info info = { 0, 0, 0, 0, 0 };
	struct catalog_entry *olds = NULL, **adds, **list;
	unsigned char *drop = NULL;
	size_t nadd = 0, nlist = 0, i, j, pos;
	enum err e;

	*applied = 0;
	if (old != NULL)
		catalog_info(old, &info);
	if (n > 0)      /* an empty table's build passes NULL */
		qsort(changes, n, sizeof(*changes), by_id_newest);
	adds = xcalloc(n + 1, sizeof(*adds));
	drop = xcalloc(info.count + 1, 1);
	for (i = 0; i < n; i++) {
		struct catalog_entry *c = &changes[i];
		if (i > 0 && cmp_bytes(c->id, c->id_len, changes[i - 1].id,
		    changes[i - 1].id_len) == 0)
			continue;       /* an older version of the same id */
		if (old != NULL && catalog_find(old, c->id, c->id_len, &pos)) {
			struct catalog_entry p;
			catalog_plant(old, pos, &p);
			if (c->version <= p.version)
				continue;
			drop[pos] = 1;
		} else if (c->tombstone)
			continue;
		(*applied)++;
		if (!c->tombstone)
			adds[nadd++] = c;
	}
	if (*applied == 0 && !force) {
		free(adds);
		free(drop);
		return ERR_OK;
	}
	qsort(adds, nadd, sizeof(*adds), by_list);
	olds = xcalloc(info.count + 1, sizeof(*olds));
	list = xcalloc(info.count + nadd + 1, sizeof(*list));
	/* Merge the kept plants (already in order) with the added ones. */
	for (i = 0, j = 0; i < info.count || j < nadd;) {
		while (i < info.count && drop[i])
			i++;
		if (i < info.count) {
			catalog_plant(old, i, &olds[i]);
			if (j == nadd || cmp_list(&olds[i], adds[j]) < 0) {
				list[nlist++] = &olds[i++];
				continue;
			}
		}
		if (j < nadd)
			list[nlist++] = adds[j++];
	}
	e = install(list, nlist, m, path);
	free(list);
	free(olds);
	free(adds);
	free(drop);
	return e;
}
