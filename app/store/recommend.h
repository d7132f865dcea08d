/*
 * recommend.h - the rule-based plant recommendation score.
 *
 * Pure functions over catalog plants (plain JSON objects, as
 * store/plants.h returns them) and a query: no DynamoDB, no HTTP, so the
 * scorer is unit-tested table by table.  docs/recommendations.md is the
 * rule book; keep the two in step.
 *
 * The score is an integer from 0 to 100, the sum of:
 *   light       35  the plant's natural_sunlight_needs match the light
 *                   asked for; 15 one level away; 0 further away;
 *                   10 when the plant's needs name no known level
 *   location    25  the location is one of compatible_locations
 *   experience  25  difficulty within the experience level's comfort
 *                   (beginner <= 3, intermediate <= 6, expert any);
 *                   10 when one or two above it; 0 further above
 *   humidity    10  humidity_preference against the room: in a humid
 *                   room (bathroom, kitchen) high 10, moderate 6, low 0;
 *                   elsewhere low 10, moderate 8, high 3
 *   indoors      5  indoor_compatible
 * A component counts only when its parameter is given (humidity with
 * location).  With pet_safe, plants that are toxic to pets, or whose
 * toxicity is not recorded, are left out altogether.  Every component
 * that decides something adds a sentence to the plant's reasons.
 *
 * Ownership: trees returned live in the caller's arena.
 */
#ifndef GROWVRD_RECOMMEND_H
#define GROWVRD_RECOMMEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct arena;

/* Light levels, from shade to sun. */
enum rec_light {
	REC_LIGHT_ANY,      /* REC_LIGHT_ANY: not asked */
	REC_LIGHT_LOW,      /* REC_LIGHT_LOW: low_indirect, shade */
	REC_LIGHT_MEDIUM,   /* REC_LIGHT_MEDIUM: indirect */
	REC_LIGHT_BRIGHT,   /* REC_LIGHT_BRIGHT: bright_indirect, part sun */
	REC_LIGHT_DIRECT,   /* REC_LIGHT_DIRECT: direct, full sun */
	REC_LIGHT__MAX
};

enum rec_experience {
	REC_EXP_ANY,            /* REC_EXP_ANY: not asked */
	REC_EXP_BEGINNER,       /* REC_EXP_BEGINNER */
	REC_EXP_INTERMEDIATE,   /* REC_EXP_INTERMEDIATE */
	REC_EXP_EXPERT,         /* REC_EXP_EXPERT */
	REC_EXP__MAX
};

struct rec_query {
	const char          *location;    /* NULL = not asked */
	enum rec_light       light;
	enum rec_experience  experience;
	bool                 pet_safe;
};

/*
 * recommend_parse_light - the ?light= value s[0..n): low_indirect,
 * indirect, bright_indirect or direct (the catalog's words), or low,
 * medium, bright, full_sun.  False for anything else.
 */
bool recommend_parse_light(const char *s, size_t n, enum rec_light *out);

/* recommend_parse_experience - beginner, intermediate or expert. */
bool recommend_parse_experience(const char *s, size_t n,
    enum rec_experience *out);

/* recommend_valid_location - 1..32 bytes of [a-z0-9_]. */
bool recommend_valid_location(const char *s, size_t n);

/*
 * recommend_plant_light - the range of levels a plant's
 * natural_sunlight_needs text names ("full sun to partial shade" is
 * BRIGHT..DIRECT).  False when it names none.
 */
bool recommend_plant_light(const char *needs, enum rec_light *lo,
    enum rec_light *hi);

/*
 * recommend_score - score plant for q: *score (0..100) and one sentence
 * per deciding rule appended to reasons (a JSON array).  False when the
 * plant is left out (pet_safe and toxic, or not a plant object).
 */
bool recommend_score(struct json_object *plant, const struct rec_query *q,
    int *score, struct json_object *reasons);

/*
 * The facts of a plant its score depends on, read once from the plant
 * (the catalog snapshot keeps them per plant), so that the whole catalog
 * is ranked without parsing a plant; recommend_score is then called for
 * the chosen few only, for their reasons.
 */
struct rec_facts {
	uint8_t light_lo, light_hi; /* enum rec_light; ANY when not known */
	uint8_t humidity;           /* 0 not known, 1 low, 2 moderate, 3 high */
	uint8_t difficulty;         /* 1..10; 0 not known */
	int8_t  indoor;             /* 1, 0, or -1 not known */
	int8_t  toxic;              /* 1, 0, or -1 not known */
};

/* recommend_facts - the facts of plant (a plain plant object). */
void recommend_facts(struct json_object *plant, struct rec_facts *f);

/*
 * recommend_explain - recommend_score from a plant's facts f, its
 * natural_sunlight_needs text (for the light's reason) and whether
 * q->location is one of its compatible_locations: the same score and
 * sentences, without the plant object.
 */
bool recommend_explain(const struct rec_facts *f, const char *needs,
    bool at_location, const struct rec_query *q, int *score,
    struct json_object *reasons);

/* A query made ready for ranking: what does not depend on the plant. */
struct rec_prep {
	struct rec_query q;
	bool             humid_room;    /* q.location is a humid room */
	int              comfort;       /* difficulty q.experience copes with */
};

/* recommend_prepare - p for q (p->q.location still points at q's). */
void recommend_prepare(const struct rec_query *q, struct rec_prep *p);

/*
 * recommend_quick - the score recommend_score gives a plant with facts f,
 * from the facts alone; at_location tells whether p->q.location is one
 * of its compatible_locations.  False when the plant is left out.
 */
bool recommend_quick(const struct rec_facts *f, bool at_location,
    const struct rec_prep *p, int *score);

/*
 * recommend_rank - score every plant of the array plants and return the
 * best limit as [{plant, score, reasons}], by score descending, then id
 * ascending.  A new array owned by a.
 */
struct json_object *recommend_rank(struct arena *a, struct json_object *plants,
    const struct rec_query *q, size_t limit);

#endif
