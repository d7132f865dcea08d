/*
 * The recommendation scorer (store/recommend), table by table, with no
 * DynamoDB: each case is a plant, a query, and the expected score and
 * reasons (docs/recommendations.md gives the points).
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "json/jx.h"
#include "store/recommend.h"
#include "harness.h"

/* A plant with the attributes the scorer reads. */
#define PLANT(id, light, locs, hum, diff, toxic, indoor) \
	"{\"id\":\"" id "\",\"name\":\"" id "\",\"natural_sunlight_needs\":\"" \
	light "\",\"compatible_locations\":" locs \
	",\"humidity_preference\":\"" \
	hum "\",\"difficulty\":" #diff ",\"toxic_to_pets\":" toxic \
	",\"indoor_compatible\":" indoor "}"

#define SNAKE  PLANT("p001", "low_indirect", "[\"office\",\"bedroom\"]", \
	"low", 1, "true", "true")
#define MINT   PLANT("p004", "full sun to partial shade", \
	"[\"kitchen\",\"balcony\"]", "high", 5, "true", "true")
#define FIG    PLANT("p003", "bright_indirect", "[\"living_room\"]", \
	"medium", 8, "true", "true")
#define FERN   PLANT("p009", "indirect", "[\"bathroom\",\"hanging_planter\"]", \
	"high", 4, "false", "true")
#define HERB   PLANT("p010", "direct", "[\"kitchen\",\"windowsill\"]", \
	"moderate", 2, "false", "true")
#define ODD    PLANT("p099", "moonlight", "[]", "misty", 3, "false", "false")
#define NOTOX  "{\"id\":\"p098\",\"natural_sunlight_needs\":\"indirect\"," \
	"\"compatible_locations\":[],\"difficulty\":2}"

struct q {
	const char          *location;
	enum rec_light       light;
	enum rec_experience  exp;
	bool                 pet_safe;
};

static const struct {
	const char *name;
	const char *plant;
	struct q    q;
	bool        kept;
	int         score;
	const char *reason;      /* a substring of one reason, or NULL */
	const char *no_reason;   /* a substring no reason may hold */
} cases[] = {
	{ "no parameters: only indoors counts", SNAKE,
	  { NULL, 0, 0, false }, true, 5, "grows well indoors", "light" },
	{ "no parameters: toxic plants say so", SNAKE,
	  { NULL, 0, 0, false }, true, 5, "toxic to pets", NULL },
	{ "light matches", SNAKE,
	  { NULL, REC_LIGHT_LOW, 0, false }, true, 40,
	  "light needs (low indirect) match", NULL },
	{ "light one level brighter than needed", SNAKE,
	  { NULL, REC_LIGHT_MEDIUM, 0, false }, true, 20, "prefers less",
	  NULL },
	{ "light far too bright", SNAKE,
	  { NULL, REC_LIGHT_DIRECT, 0, false }, true, 5, "much less light",
	  NULL },
	{ "light range: bright is inside full sun..partial shade", MINT,
	  { NULL, REC_LIGHT_BRIGHT, 0, false }, true, 40, "match", NULL },
	{ "light range: direct is inside too", MINT,
	  { NULL, REC_LIGHT_DIRECT, 0, false }, true, 40, "match", NULL },
	{ "light range: indirect is one below", MINT,
	  { NULL, REC_LIGHT_MEDIUM, 0, false }, true, 20, "prefers more",
	  NULL },
	{ "light range: low is two below", MINT,
	  { NULL, REC_LIGHT_LOW, 0, false }, true, 5, "much more light", NULL },
	{ "light unknown to the scorer", ODD,
	  { NULL, REC_LIGHT_LOW, 0, false }, true, 10, "could not be compared",
	  NULL },
	{ "location compatible, dry room, low humidity plant", SNAKE,
	  { "office", 0, 0, false }, true, 40, "suits an office", NULL },
	{ "dry room: low humidity plant is happy", SNAKE,
	  { "office", 0, 0, false }, true, 40, "drier air of an office", NULL },
	{ "location not compatible; bathroom too humid for it", SNAKE,
	  { "bathroom", 0, 0, false }, true, 5,
	  "not usually grown in a bathroom", NULL },
	{ "humid room: low humidity plant is told so", SNAKE,
	  { "bathroom", 0, 0, false }, true, 5, "prefers drier air", NULL },
	{ "humid room favours high humidity", FERN,
	  { "bathroom", 0, 0, false }, true, 40, "enjoys the humid air", NULL },
	{ "kitchen counts as humid; moderate plant copes", HERB,
	  { "kitchen", 0, 0, false }, true, 36, "copes with the humid air",
	  NULL },
	{ "dry room: high humidity plant needs misting", MINT,
	  { "living_room", 0, 0, false }, true, 8,
	  "more humidity than a living room", NULL },
	{ "unknown humidity scores nothing", ODD,
	  { "office", 0, 0, false }, true, 0, "humidity needs are not recorded",
	  NULL },
	{ "beginner and an easy plant", SNAKE,
	  { NULL, 0, REC_EXP_BEGINNER, false }, true, 30,
	  "(1 of 10) suits a beginner", NULL },
	{ "beginner and a hard plant", FIG,
	  { NULL, 0, REC_EXP_BEGINNER, false }, true, 5, "hard for a beginner",
	  NULL },
	{ "intermediate: two above comfort is a stretch", FIG,
	  { NULL, 0, REC_EXP_INTERMEDIATE, false }, true, 15,
	  "little demanding for an intermediate", NULL },
	{ "expert: anything fits", FIG,
	  { NULL, 0, REC_EXP_EXPERT, false }, true, 30, "suits an expert",
	  NULL },
	{ "pet_safe leaves toxic plants out", SNAKE,
	  { NULL, 0, 0, true }, false, 0, NULL, NULL },
	{ "pet_safe leaves plants of unknown toxicity out", NOTOX,
	  { NULL, 0, 0, true }, false, 0, NULL, NULL },
	{ "pet_safe keeps safe plants and says so", FERN,
	  { NULL, 0, 0, true }, true, 5, "safe for pets", "toxic" },
	{ "outdoor plant gets no indoor points", ODD,
	  { NULL, 0, 0, false }, true, 0, "does best outdoors", NULL },
	{ "everything matches: 100 (fern, intermediate)", FERN,
	  { "bathroom", REC_LIGHT_MEDIUM, REC_EXP_INTERMEDIATE, true }, true,
	  100, "safe for pets", NULL },
};

static bool
has_reason(struct json_object *reasons, const char *needle)
{
	size_t i, n = json_object_array_length(reasons);

	for (i = 0; i < n; i++)
		if (strstr(json_object_get_string(json_object_array_get_idx(
		    reasons, i)), needle) != NULL)
			return true;
	return false;
}

static struct json_object *
parse(struct arena *a, const char *s)
{
	struct json_object *o = NULL;
	const char *why;

	if (jx_parse(a, s, strlen(s), 1 << 16, 8, &o, &why) != ERR_OK)
		printf("  parse failed: %s: %s\n", why, s);
	return o;
}

static void
test_scores(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json_object *reasons;
	struct rec_query q;
	size_t i;
	bool kept;
	int score;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CASE(cases[i].name);
		q.location = cases[i].q.location;
		q.light = cases[i].q.light;
		q.experience = cases[i].q.exp;
		q.pet_safe = cases[i].q.pet_safe;
		reasons = jx_own(a, json_object_new_array());
		kept = recommend_score(parse(a, cases[i].plant), &q, &score,
		    reasons);
		CHECK(kept == cases[i].kept);
		if (cases[i].kept) {
			CHECK(score == cases[i].score);
			if (score != cases[i].score)
				printf("  score %d, reasons %s\n", score,
				    json_object_to_json_string(reasons));
			CHECK(score >= 0 && score <= 100);
			CHECK(cases[i].reason == NULL ||
			    has_reason(reasons, cases[i].reason));
			CHECK(cases[i].no_reason == NULL ||
			    !has_reason(reasons, cases[i].no_reason));
		}
		END_CASE();
	}
	arena_free(a);
}

static void
test_parse(void)
{
	static const struct {
		const char     *s;
		bool            ok;
		enum rec_light  level;
	} lights[] = {
		{ "low_indirect", true, REC_LIGHT_LOW },
		{ "low", true, REC_LIGHT_LOW },
		{ "indirect", true, REC_LIGHT_MEDIUM },
		{ "medium", true, REC_LIGHT_MEDIUM },
		{ "bright_indirect", true, REC_LIGHT_BRIGHT },
		{ "bright", true, REC_LIGHT_BRIGHT },
		{ "direct", true, REC_LIGHT_DIRECT },
		{ "full_sun", true, REC_LIGHT_DIRECT },
		{ "", false, 0 }, { "LOW", false, 0 }, { "dark", false, 0 },
		{ "low ", false, 0 }, { "full sun", false, 0 },
	};
	static const char *const bad_locations[] = { "", "Kitchen",
	    "living room", "a-b", "kitchen;",
	    "123456789012345678901234567890123" };
	enum rec_experience x;
	enum rec_light l;
	size_t i;

	CASE("parse: light words");
	for (i = 0; i < sizeof(lights) / sizeof(lights[0]); i++) {
		l = REC_LIGHT_ANY;
		CHECK(recommend_parse_light(lights[i].s, strlen(lights[i].s),
		    &l) == lights[i].ok);
		CHECK(!lights[i].ok || l == lights[i].level);
	}
	END_CASE();
	CASE("parse: experience levels");
	CHECK(recommend_parse_experience("beginner", 8, &x) &&
	    x == REC_EXP_BEGINNER);
	CHECK(recommend_parse_experience("intermediate", 12, &x) &&
	    x == REC_EXP_INTERMEDIATE);
	CHECK(recommend_parse_experience("expert", 6, &x) &&
	    x == REC_EXP_EXPERT);
	CHECK(!recommend_parse_experience("novice", 6, &x));
	CHECK(!recommend_parse_experience("", 0, &x));
	CHECK(!recommend_parse_experience("beginners", 9, &x));
	END_CASE();
	CASE("parse: locations");
	CHECK(recommend_valid_location("living_room", 11));
	CHECK(recommend_valid_location("kitchen", 7));
	for (i = 0; i < sizeof(bad_locations) / sizeof(bad_locations[0]); i++)
		CHECK(!recommend_valid_location(bad_locations[i],
		    strlen(bad_locations[i])));
	END_CASE();
}

static void
test_plant_light(void)
{
	static const struct {
		const char     *needs;
		bool            ok;
		enum rec_light  lo, hi;
	} t[] = {
		{ "low_indirect", true, REC_LIGHT_LOW, REC_LIGHT_LOW },
		{ "indirect", true, REC_LIGHT_MEDIUM, REC_LIGHT_MEDIUM },
		{ "bright_indirect", true, REC_LIGHT_BRIGHT, REC_LIGHT_BRIGHT },
		{ "direct", true, REC_LIGHT_DIRECT, REC_LIGHT_DIRECT },
		{ "full sun to partial shade", true, REC_LIGHT_BRIGHT,
		  REC_LIGHT_DIRECT },
		{ "Bright, indirect", true, REC_LIGHT_MEDIUM,
		  REC_LIGHT_BRIGHT },
		{ "low to bright indirect", true, REC_LIGHT_LOW,
		  REC_LIGHT_BRIGHT },
		{ "yellow", false, 0, 0 },
		{ "", false, 0, 0 },
		{ NULL, false, 0, 0 },
	};
	enum rec_light lo, hi;
	size_t i;

	CASE("plant light: levels and ranges from the catalog's words");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(recommend_plant_light(t[i].needs, &lo, &hi) == t[i].ok);
		CHECK(!t[i].ok || (lo == t[i].lo && hi == t[i].hi));
	}
	END_CASE();
}

static void
test_rank(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json_object *plants = jx_own(a, json_object_new_array()), *out;
	const char *const all[] = { SNAKE, MINT, FIG, FERN, HERB, ODD };
	struct rec_query q;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		json_object_array_add(plants,
		    json_object_get(parse(a, all[i])));
	CASE("rank: by score, then id; limit; entries hold plant and reasons");
	memset(&q, 0, sizeof(q));
	q.location = "kitchen";
	q.light = REC_LIGHT_DIRECT;
	out = recommend_rank(a, plants, &q, 3);
	CHECK(out != NULL && json_object_array_length(out) == 3);
	/* mint 35+25+10+5 = 75, herb 35+25+6+5 = 71, fig 15+0+6+5 = 26,
	 * fern 0+0+10+5 = 15, odd 10+0+0+0 = 10, snake 0+0+0+5 = 5. */
	CHECK_STR(jx_str(jx_get(json_object_array_get_idx(out, 0), "plant"),
	    "id", NULL), "p004");
	CHECK_STR(jx_str(jx_get(json_object_array_get_idx(out, 1), "plant"),
	    "id", NULL), "p010");
	CHECK_STR(jx_str(jx_get(json_object_array_get_idx(out, 2), "plant"),
	    "id", NULL), "p003");
	CHECK(json_object_get_int(jx_get(json_object_array_get_idx(out, 0),
	    "score")) == 75);
	CHECK(json_object_get_int(jx_get(json_object_array_get_idx(out, 2),
	    "score")) == 26);
	CHECK(json_object_is_type(jx_get(json_object_array_get_idx(out, 0),
	    "reasons"), json_type_array));
	END_CASE();
	CASE("rank: ties broken by id; pet_safe drops toxic plants");
	memset(&q, 0, sizeof(q));
	q.pet_safe = true;
	out = recommend_rank(a, plants, &q, 100);
	/* fern and herb (5 each), then odd (0, outdoors). */
	CHECK(out != NULL && json_object_array_length(out) == 3);
	CHECK_STR(jx_str(jx_get(json_object_array_get_idx(out, 0), "plant"),
	    "id", NULL), "p009");
	CHECK_STR(jx_str(jx_get(json_object_array_get_idx(out, 1), "plant"),
	    "id", NULL), "p010");
	CHECK_STR(jx_str(jx_get(json_object_array_get_idx(out, 2), "plant"),
	    "id", NULL), "p099");
	END_CASE();
	CASE("rank: an empty catalog gives an empty list");
	out = recommend_rank(a, jx_own(a, json_object_new_array()), &q, 5);
	CHECK(out != NULL && json_object_array_length(out) == 0);
	END_CASE();
	arena_free(a);
}

int
main(void)
{
	test_parse();
	test_plant_light();
	test_scores();
	test_rank();
	return harness_done();
}
