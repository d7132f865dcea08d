#include "store/recommend.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "json/jx.h"

/* Points of each rule (docs/recommendations.md). */
#define PTS_LIGHT_MATCH     35
#define PTS_LIGHT_NEAR      15
#define PTS_LIGHT_UNKNOWN   10
#define PTS_LOCATION        25
#define PTS_EXP_FITS        25
#define PTS_EXP_STRETCH     10
#define PTS_INDOORS         5

#define TEXT_MAX 256

static const struct {
	const char     *word;
	enum rec_light  level;
} request_light[] = {
	{ "low_indirect", REC_LIGHT_LOW },
	{ "low", REC_LIGHT_LOW },
	{ "indirect", REC_LIGHT_MEDIUM },
	{ "medium", REC_LIGHT_MEDIUM },
	{ "bright_indirect", REC_LIGHT_BRIGHT },
	{ "bright", REC_LIGHT_BRIGHT },
	{ "direct", REC_LIGHT_DIRECT },
	{ "full_sun", REC_LIGHT_DIRECT },
};

/* Phrases in a plant's light needs, longest first: a match is blanked
 * so that "indirect" does not also count as "direct". */
static const struct {
	const char     *phrase;
	enum rec_light  level;
} plant_light[] = {
	{ "bright indirect", REC_LIGHT_BRIGHT },
	{ "partial shade", REC_LIGHT_BRIGHT },
	{ "low indirect", REC_LIGHT_LOW },
	{ "partial sun", REC_LIGHT_BRIGHT },
	{ "part shade", REC_LIGHT_BRIGHT },
	{ "full shade", REC_LIGHT_LOW },
	{ "part sun", REC_LIGHT_BRIGHT },
	{ "full sun", REC_LIGHT_DIRECT },
	{ "indirect", REC_LIGHT_MEDIUM },
	{ "direct", REC_LIGHT_DIRECT },
	{ "bright", REC_LIGHT_BRIGHT },
	{ "medium", REC_LIGHT_MEDIUM },
	{ "shade", REC_LIGHT_LOW },
	{ "low", REC_LIGHT_LOW },
};

static const struct {
	const char          *word;
	enum rec_experience  level;
	int64_t              comfort;   /* highest comfortable difficulty */
} experience[] = {
	{ "beginner", REC_EXP_BEGINNER, 3 },
	{ "intermediate", REC_EXP_INTERMEDIATE, 6 },
	{ "expert", REC_EXP_EXPERT, 10 },
};

/* Humidity points by humidity level (1 low .. 3 high), in a humid room
 * and elsewhere. */
static const int humid[4] = { 0, 0, 6, 10 };
static const int dry[4] = { 0, 10, 8, 3 };

/* Rooms whose air is usually humid. */
static const char *const humid_rooms[] = { "bathroom", "kitchen" };

#define NELEM(t) (sizeof(t) / sizeof((t)[0]))

bool
recommend_parse_light(const char *s, size_t n, enum rec_light *out)
{
	size_t i;

	for (i = 0; i < NELEM(request_light); i++)
		if (strlen(request_light[i].word) == n &&
		    memcmp(request_light[i].word, s, n) == 0) {
			*out = request_light[i].level;
			return true;
		}
	return false;
}

bool
recommend_parse_experience(const char *s, size_t n,
    enum rec_experience *out)
{
	size_t i;

	for (i = 0; i < NELEM(experience); i++)
		if (strlen(experience[i].word) == n &&
		    memcmp(experience[i].word, s, n) == 0) {
			*out = experience[i].level;
			return true;
		}
	return false;
}

bool
recommend_valid_location(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 32)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Lower case, '_' as ' ', into dst (truncated to cap). */
static void
fold(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < cap && src[i] != '\0'; i++)
		dst[i] = src[i] == '_' ? ' ' :
		    (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

/* The first match of word in s at word boundaries, or NULL. */
static char *
find_word(char *s, const char *word)
{
	size_t n = strlen(word);
	char *p = s;

	while ((p = strstr(p, word)) != NULL) {
		bool start = p == s || !isalpha((unsigned char)p[-1]);
		bool end = !isalpha((unsigned char)p[n]);
		if (start && end)
			return p;
		p++;
	}
	return NULL;
}

bool
recommend_plant_light(const char *needs, enum rec_light *lo,
    enum rec_light *hi)
{
	char text[TEXT_MAX], *p;
	size_t i;
	bool any = false;

	*lo = *hi = REC_LIGHT_ANY;
	if (needs == NULL)
		return false;
	fold(text, sizeof(text), needs);
	for (i = 0; i < NELEM(plant_light); i++) {
		while ((p = find_word(text, plant_light[i].phrase)) != NULL) {
			memset(p, '#', strlen(plant_light[i].phrase));
			if (!any || plant_light[i].level < *lo)
				*lo = plant_light[i].level;
			if (!any || plant_light[i].level > *hi)
				*hi = plant_light[i].level;
			any = true;
		}
	}
	return any;
}

/* Append one sentence (printf format) to reasons. */
static void
reason(struct json_object *reasons, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reason(struct json_object *reasons, const char *fmt, ...)
{
	char buf[TEXT_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(reasons, json_object_new_string(buf));
}

/* "a" or "an" before word. */
static const char *
article(const char *word)
{
	return strchr("aeiou", word[0]) != NULL && word[0] != '\0' ? "an" :
	    "a";
}

static int
score_light(const struct rec_facts *f, const char *needs, enum rec_light want,
    struct json_object *reasons)
{
	char text[TEXT_MAX];
	int d;

	fold(text, sizeof(text), needs != NULL ? needs : "unknown");
	if (f->light_lo == REC_LIGHT_ANY) {
		reason(reasons, "Its light needs (%s) could not be compared "
		    "with yours.", text);
		return PTS_LIGHT_UNKNOWN;
	}
	if (want >= f->light_lo && want <= f->light_hi) {
		reason(reasons, "Its light needs (%s) match the light you "
		    "have.", text);
		return PTS_LIGHT_MATCH;
	}
	d = want < f->light_lo ? (int)f->light_lo - (int)want :
	    (int)want - (int)f->light_hi;
	if (d == 1) {
		reason(reasons, "It can cope with your light, though it "
		    "prefers %s (%s).", want < f->light_lo ? "more" : "less",
		    text);
		return PTS_LIGHT_NEAR;
	}
	reason(reasons, "It needs much %s light (%s) than you have.",
	    want < f->light_lo ? "more" : "less", text);
	return 0;
}

static int
score_location(bool at_location, const char *room, struct json_object *reasons)
{
	if (at_location) {
		reason(reasons, "It suits %s %s.", article(room), room);
		return PTS_LOCATION;
	}
	reason(reasons, "It is not usually grown in %s %s.", article(room),
	    room);
	return 0;
}

/* humidity_preference as 1 (low), 2 (moderate/medium), 3 (high), or 0. */
static int
humidity_level(struct json_object *plant)
{
	const char *h = jx_str(plant, "humidity_preference", NULL);

	if (h == NULL)
		return 0;
	if (strcmp(h, "low") == 0)
		return 1;
	if (strcmp(h, "moderate") == 0 || strcmp(h, "medium") == 0)
		return 2;
	if (strcmp(h, "high") == 0)
		return 3;
	return 0;
}

static bool
is_humid_room(const char *loc)
{
	size_t i;

	for (i = 0; i < NELEM(humid_rooms); i++)
		if (strcmp(humid_rooms[i], loc) == 0)
			return true;
	return false;
}

static int
score_humidity(int h, bool humid_room, const char *room,
    struct json_object *reasons)
{
	const char *a = article(room);

	if (h == 0) {
		reason(reasons, "Its humidity needs are not recorded.");
		return 0;
	}
	if (humid_room) {
		if (h == 3)
			reason(reasons, "It enjoys the humid air of %s %s.", a,
			    room);
		else if (h == 2)
			reason(reasons, "It copes with the humid air of %s %s.",
			    a, room);
		else
			reason(reasons, "It prefers drier air than %s %s "
			    "usually has.", a, room);
		return humid[h];
	}
	if (h == 3)
		reason(reasons, "It likes more humidity than %s %s usually "
		    "has; mist it or use a pebble tray.", a, room);
	else if (h == 2)
		reason(reasons, "Its moderate humidity needs suit %s %s.", a,
		    room);
	else
		reason(reasons, "It is happy in the drier air of %s %s.", a,
		    room);
	return dry[h];
}

static int
score_experience(int diff, enum rec_experience x, struct json_object *reasons)
{
	const char *who = "?";
	int comfort = 10;
	size_t i;

	for (i = 0; i < NELEM(experience); i++)
		if (experience[i].level == x) {
			who = experience[i].word;
			comfort = (int)experience[i].comfort;
		}
	if (diff == 0) {
		reason(reasons, "Its difficulty is not recorded.");
		return 0;
	}
	if (diff <= comfort) {
		reason(reasons, "Its difficulty (%d of 10) suits %s %s.",
		    diff, article(who), who);
		return PTS_EXP_FITS;
	}
	if (diff - comfort <= 2) {
		reason(reasons, "It is a little demanding for %s %s "
		    "(difficulty %d of 10).", article(who), who, diff);
		return PTS_EXP_STRETCH;
	}
	reason(reasons, "It is hard for %s %s (difficulty %d of 10).",
	    article(who), who, diff);
	return 0;
}

bool
recommend_explain(const struct rec_facts *f, const char *needs,
    bool at_location, const struct rec_query *q, int *score,
    struct json_object *reasons)
{
	char room[64];
	int s = 0;

	*score = 0;
	if (q->pet_safe && f->toxic != 0)
		return false;
	if (q->light != REC_LIGHT_ANY)
		s += score_light(f, needs, q->light, reasons);
	if (q->location != NULL) {
		fold(room, sizeof(room), q->location);
		s += score_location(at_location, room, reasons);
		s += score_humidity(f->humidity, is_humid_room(q->location),
		    room, reasons);
	}
	if (q->experience != REC_EXP_ANY)
		s += score_experience(f->difficulty, q->experience, reasons);
	if (f->indoor == 1) {
		reason(reasons, "It grows well indoors.");
		s += PTS_INDOORS;
	} else if (f->indoor == 0)
		reason(reasons, "It does best outdoors.");
	if (q->pet_safe)
		reason(reasons, "It is safe for pets.");
	else if (f->toxic == 1)
		reason(reasons, "It is toxic to pets; keep it out of their "
		    "reach.");
	*score = s;
	return true;
}

bool
recommend_score(struct json_object *plant, const struct rec_query *q,
    int *score, struct json_object *reasons)
{
	struct rec_facts f;

	*score = 0;
	if (!json_object_is_type(plant, json_type_object))
		return false;
	recommend_facts(plant, &f);
	return recommend_explain(&f, jx_str(plant, "natural_sunlight_needs",
	    NULL), q->location != NULL && jx_array_has(jx_get(plant,
	    "compatible_locations"), q->location), q, score, reasons);
}

void
recommend_facts(struct json_object *plant, struct rec_facts *f)
{
	enum rec_light lo, hi;
	int64_t diff;
	bool b;

	memset(f, 0, sizeof(*f));
	if (recommend_plant_light(jx_str(plant, "natural_sunlight_needs", NULL),
	    &lo, &hi)) {
		f->light_lo = (uint8_t)lo;
		f->light_hi = (uint8_t)hi;
	}
	f->humidity = (uint8_t)humidity_level(plant);
	if (jx_int(plant, "difficulty", 1, 10, &diff))
		f->difficulty = (uint8_t)diff;
	f->indoor = jx_bool(plant, "indoor_compatible", &b) ? (int8_t)b : -1;
	f->toxic = jx_bool(plant, "toxic_to_pets", &b) ? (int8_t)b : -1;
}

void
recommend_prepare(const struct rec_query *q, struct rec_prep *p)
{
	size_t i;

	p->q = *q;
	p->humid_room = q->location != NULL && is_humid_room(q->location);
	p->comfort = 10;
	for (i = 0; i < NELEM(experience); i++)
		if (experience[i].level == q->experience)
			p->comfort = (int)experience[i].comfort;
}

bool
recommend_quick(const struct rec_facts *f, bool at_location,
    const struct rec_prep *p, int *score)
{
	const struct rec_query *q = &p->q;
	int s = 0, d;

	*score = 0;
	if (q->pet_safe && f->toxic != 0)
		return false;
	if (q->light != REC_LIGHT_ANY) {
		if (f->light_lo == REC_LIGHT_ANY)
			s += PTS_LIGHT_UNKNOWN;
		else if (q->light >= f->light_lo && q->light <= f->light_hi)
			s += PTS_LIGHT_MATCH;
		else {
			d = q->light < f->light_lo ?
			    (int)f->light_lo - (int)q->light :
			    (int)q->light - (int)f->light_hi;
			s += d == 1 ? PTS_LIGHT_NEAR : 0;
		}
	}
	if (q->location != NULL) {
		s += at_location ? PTS_LOCATION : 0;
		if (f->humidity >= 1 && f->humidity <= 3)
			s += p->humid_room ? humid[f->humidity] :
			    dry[f->humidity];
	}
	if (q->experience != REC_EXP_ANY && f->difficulty != 0) {
		if (f->difficulty <= p->comfort)
			s += PTS_EXP_FITS;
		else if (f->difficulty - p->comfort <= 2)
			s += PTS_EXP_STRETCH;
	}
	if (f->indoor == 1)
		s += PTS_INDOORS;
	*score = s;
	return true;
}

struct scored {
	int                 score;
	const char         *id;
	struct json_object *entry;
};

static int
by_score(const void *pa, const void *pb)
{
	const struct scored *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->id, b->id);
}

struct json_object *
recommend_rank(struct arena *a, struct json_object *plants,
    const struct rec_query *q, size_t limit)
{
	struct json_object *out, *reasons, *p;
	struct scored *all;
	size_t i, n, k = 0;
	int score;

	n = json_object_is_type(plants, json_type_array) ?
	    json_object_array_length(plants) : 0;
	if ((all = arena_alloc(a, (n + 1) * sizeof(*all))) == NULL ||
	    (out = jx_own(a, json_object_new_array())) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(plants, i);
		reasons = json_object_new_array();
		if (!recommend_score(p, q, &score, reasons)) {
			json_object_put(reasons);
			continue;
		}
		all[k].score = score;
		all[k].id = jx_str(p, "id", NULL) ? jx_str(p, "id", NULL) : "";
		all[k].entry = json_object_new_object();
		json_object_object_add(all[k].entry, "plant",
		    json_object_get(p));
		json_object_object_add(all[k].entry, "score",
		    json_object_new_int(score));
		json_object_object_add(all[k].entry, "reasons", reasons);
		k++;
	}
	qsort(all, k, sizeof(*all), by_score);
	/* The array takes the chosen entries; the rest are released. */
	for (i = 0; i < k; i++) {
		if (i < limit)
			json_object_array_add(out, all[i].entry);
		else
			json_object_put(all[i].entry);
	}
	return out;
}
