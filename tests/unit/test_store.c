/* Cursors, plant typing and filters, AttributeValue marshalling. */
#include <string.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/buf.h"
#include "json/jx.h"
#include "store/cursor.h"
#include "store/plants.h"
#include "harness.h"

static struct json_object *
parse(struct arena *a, const char *s)
{
	struct json_object *o = NULL;
	const char *why;

	if (jx_parse(a, s, strlen(s), 1 << 20, 64, &o, &why) != ERR_OK)
		printf("  parse failed: %s: %s\n", why, s);
	return o;
}

static void
test_cursor(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json_object *key = parse(a, "{\"id\":\"p005\"}"), *back;
	const char *cur;
	char bad[256];
	size_t i, n;

	cursor_set_key("test-secret", 11);
	CASE("cursor: round trip, scope binding, every one-byte edit refused");
	CHECK(cursor_encode(a, "plants", key, &cur) == ERR_OK);
	CHECK(cursor_decode(a, "plants", cur, strlen(cur), &back) == ERR_OK);
	CHECK_STR(jx_str(back, "id", NULL), "p005");
	CHECK(cursor_decode(a, "sub:x", cur, strlen(cur), &back) == ERR_INVALID);
	n = strlen(cur);
	for (i = 0; i < n; i++) {
		snprintf(bad, sizeof(bad), "%s", cur);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		CHECK(cursor_decode(a, "plants", bad, n, &back) == ERR_INVALID);
		CHECK(cursor_decode(a, "plants", cur, i, &back) == ERR_INVALID);
	}
	CHECK(cursor_decode(a, "plants", "", 0, &back) == ERR_INVALID);
	CHECK(cursor_decode(a, "plants", ".", 1, &back) == ERR_INVALID);
	END_CASE();
	arena_free(a);
}

static void
test_plants(void)
{
	static const char *const names[] = { "id", "name", "scientific_name",
	    "natural_sunlight_needs", "natural_sunlight_required",
	    "led_light_requirements", "recommended_light_wattage",
	    "led_wattage_min", "led_wattage_max", "water_frequency_days",
	    "humidity_preference", "difficulty", "maintenance",
	    "indoor_compatible", "description", "compatible_locations", "size",
	    "temperature_min", "temperature_max", "temperature_ideal",
	    "watering_method_preference", "drought_tolerance",
	    "overwatering_sensitivity", "soil_preference",
	    "soil_replacement_days", "fertilizer_days", "functions",
	    "growth_rate_days", "toxic_to_pets", "propagation_methods",
	    "common_pests", "image_url", "product_ids", "care_history",
	    "perenual_id", "perenual_verified", "created_at", "updated_at",
	    "searchable_text", "last_updated" };
	const char *values[] = { "p001", "snake_plant", "dracaena_trifasciata",
	    "low_indirect", "FALSE", "low", "15", "10", "20", "14", "low", "1",
	    "low", "TRUE", "Hardy.", "office, bedroom", "medium", "50", "90",
	    "70.5", "bottom_watering", "9", "6", "sandy", "900", "90",
	    "air_purification,decoration", "90", "TRUE", "division",
	    "mealybugs", "https://example.com/x.jpg", "pr001", "{}", "1",
	    "TRUE", "2025-01-01", "2025-04-06", "snake plant mother in law",
	    "2025-04-06" };
	struct arena *a = arena_new(1 << 20);
	struct json_object *p;
	const char *why, *field;
	bool b;
	int64_t x;
	struct plant_filter f;

	CASE("plants: a TSV row becomes a typed plant");
	CHECK(plants_from_columns(a, names, values, 40, &p, &why, &field) ==
	    ERR_OK);
	CHECK(jx_int(p, "water_frequency_days", 0, 100, &x) && x == 14);
	CHECK(jx_bool(p, "toxic_to_pets", &b) && b);
	CHECK(json_object_is_type(jx_get(p, "compatible_locations"),
	    json_type_array));
	CHECK_STR(json_object_get_string(json_object_array_get_idx(
	    jx_get(p, "compatible_locations"), 1)), "bedroom");
	CHECK(json_object_is_type(jx_get(p, "care_history"), json_type_object));
	CHECK(json_object_is_type(jx_get(p, "temperature_ideal"),
	    json_type_double));
	END_CASE();

	CASE("plants: ill-typed columns are refused and named");
	values[4] = "maybe";
	CHECK(plants_from_columns(a, names, values, 40, &p, &why, &field) ==
	    ERR_INVALID);
	CHECK_STR(field, "natural_sunlight_required");
	values[4] = "FALSE";
	values[11] = "eleven";
	CHECK(plants_from_columns(a, names, values, 40, &p, &why, &field) ==
	    ERR_INVALID);
	CHECK_STR(field, "difficulty");
	values[11] = "1";
	values[36] = "2025-02-30";
	CHECK(plants_from_columns(a, names, values, 40, &p, &why, &field) ==
	    ERR_INVALID);
	values[36] = "2025-01-01";
	values[0] = "p 1";
	CHECK(plants_from_columns(a, names, values, 40, &p, &why, &field) ==
	    ERR_INVALID);
	values[0] = "p001";
	END_CASE();

	CASE("plants: filters");
	CHECK(plants_from_columns(a, names, values, 40, &p, &why, &field) ==
	    ERR_OK);
	memset(&f, 0, sizeof(f));
	f.q = "SNAKE Plant";
	CHECK(plants_matches(p, &f));
	f.q = "mother in";
	CHECK(plants_matches(p, &f));
	f.q = "dracaena_tri";
	CHECK(plants_matches(p, &f));
	f.q = "fern";
	CHECK(!plants_matches(p, &f));
	memset(&f, 0, sizeof(f));
	f.location = "bedroom";
	CHECK(plants_matches(p, &f));
	f.location = "bed";
	CHECK(!plants_matches(p, &f));
	memset(&f, 0, sizeof(f));
	f.pet_safe = true;
	CHECK(!plants_matches(p, &f));
	memset(&f, 0, sizeof(f));
	f.difficulty_max = 1;
	f.light = "low_indirect";
	CHECK(plants_matches(p, &f));
	f.light = "low";
	CHECK(!plants_matches(p, &f));
	END_CASE();
	arena_free(a);
}

static void
test_marshal(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json_object *plain, *av, *back;
	struct buf b;

	CASE("ddb: marshal/unmarshal round trip keeps types and exact decimals");
	plain = parse(a, "{\"s\":\"x\",\"i\":12345678901234567,\"d\":"
	    "0.30000000000000004,\"t\":true,\"n\":null,\"l\":[1,\"a\",{\"m\":"
	    "[]}],\"e\":\"\"}");
	av = ddb_marshal_item(a, plain);
	back = ddb_unmarshal_item(a, av);
	buf_init(&b, 4096);
	CHECK(back != NULL && jx_write(&b, back));
	CHECK_STR(buf_cstr(&b), "{\"s\":\"x\",\"i\":12345678901234567,\"d\":"
	    "0.30000000000000004,\"t\":true,\"n\":null,\"l\":[1,\"a\",{\"m\":"
	    "[]}],\"e\":\"\"}");
	buf_free(&b);
	END_CASE();

	CASE("ddb: numbers beyond int64 stay exact text");
	av = parse(a, "{\"big\":{\"N\":\"123456789012345678901234567890\"},"
	    "\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"ss\":{\"SS\":[\"a\"]}}");
	back = ddb_unmarshal_item(a, av);
	buf_init(&b, 4096);
	CHECK(back != NULL && jx_write(&b, back));
	CHECK_STR(buf_cstr(&b), "{\"big\":123456789012345678901234567890,"
	    "\"ns\":[1,2.5],\"ss\":[\"a\"]}");
	buf_free(&b);
	END_CASE();

	CASE("ddb: ill-formed AttributeValues are refused");
	{
		static const char *bad[] = {
			"{\"a\":{\"S\":1}}", "{\"a\":{\"N\":\"1x\"}}",
			"{\"a\":{\"N\":\"\"}}", "{\"a\":{\"N\":\"1e\"}}",
			"{\"a\":{\"S\":\"x\",\"N\":\"1\"}}", "{\"a\":{}}",
			"{\"a\":{\"Q\":\"x\"}}", "{\"a\":{\"L\":{}}}",
			"{\"a\":{\"M\":[]}}", "{\"a\":\"x\"}",
			"{\"a\":{\"BOOL\":\"true\"}}", "{\"a\":{\"NS\":[1]}}",
		};
		size_t i;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			CHECK(ddb_unmarshal_item(a, parse(a, bad[i])) == NULL);
	}
	END_CASE();
	arena_free(a);
}

int
main(void)
{
	test_cursor();
	test_plants();
	test_marshal();
	return harness_done();
}
