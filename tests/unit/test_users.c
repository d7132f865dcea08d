/* Users store and my-plants: the parts that need no DynamoDB. */
#include <string.h>

#include "core/arena.h"
#include "handlers/handlers.h"
#include "http/req.h"
#include "json/jx.h"
#include "store/user_plants.h"
#include "store/users.h"
#include "harness.h"

#define EMAIL "ann@growvrd.test"
#define SUB   "0b0e5a2c-1111-4222-8333-944455556666"

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
test_if_match(void)
{
	static const struct {
		const char *in;         /* NULL: no header */
		enum err    e;
		bool        present;
		int64_t     version;
	} cases[] = {
		{ NULL, ERR_OK, false, 0 },
		{ "\"7\"", ERR_OK, true, 7 },
		{ "7", ERR_OK, true, 7 },
		{ "\"9223372036854775807\"", ERR_OK, true, INT64_MAX },
		{ "\"9223372036854775808\"", ERR_INVALID, false, 0 },
		{ "\"0\"", ERR_INVALID, false, 0 },
		{ "*", ERR_INVALID, false, 0 },
		{ "W/\"7\"", ERR_INVALID, false, 0 },
		{ "\"7\", \"8\"", ERR_INVALID, false, 0 },
		{ "\"07\"", ERR_INVALID, false, 0 },
		{ "\"-1\"", ERR_INVALID, false, 0 },
		{ "\"\"", ERR_INVALID, false, 0 },
		{ "", ERR_INVALID, false, 0 },
		{ "\"", ERR_INVALID, false, 0 },
		{ "\"7", ERR_INVALID, false, 0 },
		{ "7\"", ERR_INVALID, false, 0 },
		{ "abc", ERR_INVALID, false, 0 },
		{ "\"1e3\"", ERR_INVALID, false, 0 },
		{ "+7", ERR_INVALID, false, 0 },
	};
	struct req r;
	struct ctx c;
	size_t i;
	int64_t v;
	bool present;
	enum err e;

	CASE("hc_if_match: strong tags and bare integers; W/, lists, * and "
	    "garbage refused");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		memset(&c, 0, sizeof(c));
		r.if_match = cases[i].in;
		c.req = &r;
		v = -1;
		e = hc_if_match(&c, &present, &v);
		if (e != cases[i].e)
			printf("  case %zu: '%s'\n", i, cases[i].in);
		CHECK(e == cases[i].e);
		if (e == ERR_OK) {
			CHECK(present == cases[i].present);
			if (present)
				CHECK(v == cases[i].version);
		} else
			CHECK(c.detail != NULL);
	}
	END_CASE();
}

static void
test_check_patch(void)
{
	static const struct {
		const char *body;
		const char *field;      /* NULL: valid */
	} cases[] = {
		{ "{}", NULL },
		{ "{\"name\":\"Ann\"}", NULL },
		{ "{\"name\":\"Ann\",\"experience_level\":\"expert\"}", NULL },
		{ "{\"experience_level\":\"intermediate\"}", NULL },
		{ "{\"notification_preferences\":{\"watering_reminders\":true,"
		  "\"care_tips\":false,\"newsletter\":true,"
		  "\"product_updates\":false}}", NULL },
		{ "{\"room_conditions\":{\"light\":\"bright\",\"humidity\":"
		  "\"high\",\"temperature_f\":72,\"has_pets\":true}}", NULL },
		{ "{\"room_conditions\":{\"temperature_f\":null}}", NULL },
		{ "{\"email\":\"" EMAIL "\",\"sub\":\"" SUB "\"}", NULL },
		{ "{\"name\":\"\"}", "name" },
		{ "{\"name\":\"   \"}", "name" },
		{ "{\"name\":\"a\\u0001b\"}", "name" },
		{ "{\"name\":7}", "name" },
		{ "{\"name\":null}", "name" },
		{ "{\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxx\"}",
		  "name" },
		{ "{\"experience_level\":\"guru\"}", "experience_level" },
		{ "{\"experience_level\":null}", "experience_level" },
		{ "{\"email\":\"bob@growvrd.test\"}", "email" },
		{ "{\"sub\":\"someone-else\"}", "sub" },
		{ "{\"version\":3}", "version" },
		{ "{\"created_at\":\"2026-01-01T00:00:00Z\"}", "created_at" },
		{ "{\"updated_at\":\"2026-01-01T00:00:00Z\"}", "updated_at" },
		{ "{\"plants\":{}}", "plants" },
		{ "{\"admin\":true}", "admin" },
		{ "{\"notification_preferences\":true}",
		  "notification_preferences" },
		{ "{\"notification_preferences\":{\"sms\":true}}",
		  "notification_preferences" },
		{ "{\"notification_preferences\":{\"newsletter\":\"yes\"}}",
		  "notification_preferences.newsletter" },
		{ "{\"notification_preferences\":{\"newsletter\":null}}",
		  "notification_preferences.newsletter" },
		{ "{\"room_conditions\":[]}", "room_conditions" },
		{ "{\"room_conditions\":{\"light\":\"dim\"}}",
		  "room_conditions.light" },
		{ "{\"room_conditions\":{\"humidity\":\"medium\","
		  "\"temperature_f\":29}}", "room_conditions.temperature_f" },
		{ "{\"room_conditions\":{\"temperature_f\":111}}",
		  "room_conditions.temperature_f" },
		{ "{\"room_conditions\":{\"temperature_f\":70.5}}",
		  "room_conditions.temperature_f" },
		{ "{\"room_conditions\":{\"has_pets\":1}}",
		  "room_conditions.has_pets" },
		{ "{\"room_conditions\":{\"window\":\"north\"}}",
		  "room_conditions" },
	};
	struct arena *a = arena_new(1 << 20);
	const char *why, *field;
	size_t i;
	bool ok;

	CASE("users_check_patch: the writable fields, their types, and the "
	    "member named in every refusal");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = users_check_patch(parse(a, cases[i].body), EMAIL, SUB,
		    &why, &field);
		if (ok != (cases[i].field == NULL) || (!ok &&
		    (field == NULL || strcmp(field, cases[i].field) != 0)))
			printf("  case %zu: %s -> %s %s\n", i, cases[i].body,
			    field ? field : "-", ok ? "ok" : why);
		CHECK(ok == (cases[i].field == NULL));
		if (!ok && cases[i].field != NULL) {
			CHECK(why != NULL);
			CHECK_STR(field, cases[i].field);
		}
	}
	CHECK(!users_check_patch(parse(a, "[]"), EMAIL, SUB, &why, &field));
	END_CASE();
	arena_free(a);
}

static void
test_time(void)
{
	static const char *const good[] = { "1970-01-01T00:00:00Z",
	    "2000-02-29T12:34:56Z", "2026-11-25T17:30:00Z",
	    "2100-12-31T23:59:59Z", "1969-12-31T23:59:59Z" };
	char out[USERS_TIME_LEN];
	int64_t t;
	size_t i;

	CASE("users_time_parse / users_time_format round trip");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(users_time_parse(good[i], strlen(good[i]), &t));
		CHECK(users_time_format(t, out));
		CHECK_STR(out, good[i]);
	}
	CHECK(users_time_parse("1970-01-02T00:00:01Z", 20, &t) && t == 86401);
	CHECK(users_time_parse("2026-11-25T17:30:00Z", 20, &t) &&
	    t == 1795627800);
	CHECK(!users_time_parse("2026-02-29T00:00:00Z", 20, &t));
	CHECK(!users_time_parse("2026-11-25T17:30:00+01:00", 25, &t));
	CHECK(!users_time_parse("2026-11-25", 10, &t));
	CHECK(!users_time_parse(NULL, 0, &t));
	CHECK(!users_time_format(253402300800LL, out) && out[0] == '\0');
	END_CASE();
}

static void
test_next_watering(void)
{
	static const struct {
		const char *last, *added;
		int64_t     days;
		const char *want;       /* NULL: none */
	} cases[] = {
		{ "2026-11-20T08:00:00Z", "2026-01-01T00:00:00Z", 7,
		  "2026-11-27T08:00:00Z" },
		{ NULL, "2026-11-20T08:00:00Z", 14, "2026-12-04T08:00:00Z" },
		{ "garbage", "2026-02-20T10:00:00Z", 10,
		  "2026-03-02T10:00:00Z" },
		{ NULL, "2028-02-25T00:00:00Z", 5, "2028-03-01T00:00:00Z" },
		{ "2026-12-30T23:59:59Z", NULL, 3, "2027-01-02T23:59:59Z" },
		{ "2026-12-30T23:59:59Z", NULL, 0, "2026-12-30T23:59:59Z" },
		{ NULL, NULL, 7, NULL },
		{ "2026-12-30", NULL, 7, NULL },
		{ "2026-12-30T23:59:59Z", NULL, -1, NULL },
		{ "2026-12-30T23:59:59Z", NULL, 3651, NULL },
	};
	char out[USERS_TIME_LEN];
	size_t i;
	bool ok;

	CASE("user_plants_next_watering: last_watered else added_at, plus "
	    "water_frequency_days");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = user_plants_next_watering(cases[i].last, cases[i].added,
		    cases[i].days, out);
		CHECK(ok == (cases[i].want != NULL));
		if (cases[i].want != NULL)
			CHECK_STR(out, cases[i].want);
		else
			CHECK(out[0] == '\0');
	}
	END_CASE();
}

static void
test_set_next(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json_object *e = parse(a, "{\"plant_id\":\"p001\","
	    "\"last_watered\":null,\"next_watering\":null,"
	    "\"added_at\":\"2026-11-01T09:00:00Z\"}");
	struct json_object *plant = parse(a, "{\"id\":\"p001\","
	    "\"water_frequency_days\":14}");
	struct json_object *odd = parse(a, "{\"id\":\"p001\","
	    "\"water_frequency_days\":\"14\"}");

	CASE("user_plants_set_next: from the catalog plant; null without one");
	user_plants_set_next(e, plant);
	CHECK_STR(jx_str(e, "next_watering", NULL), "2026-11-15T09:00:00Z");
	user_plants_set_next(e, NULL);
	CHECK(jx_get(e, "next_watering") == NULL);
	CHECK(json_object_object_get_ex(e, "next_watering", NULL));
	user_plants_set_next(e, odd);
	CHECK(jx_get(e, "next_watering") == NULL);
	END_CASE();
	arena_free(a);
}

static void
test_check_entry(void)
{
	/* 2026-11-25T17:30:00Z */
	const int64_t now = 1795627800;
	static const struct {
		const char *body;
		const char *field;      /* NULL: valid */
	} cases[] = {
		{ "{}", NULL },
		{ "{\"nickname\":\"Sly\",\"location\":\"office\","
		  "\"acquired\":\"2026-03-01\","
		  "\"last_watered\":\"2026-11-25T08:00:00Z\"}", NULL },
		{ "{\"plant_id\":\"p001\"}", NULL },
		{ "{\"nickname\":null,\"acquired\":null}", NULL },
		/* within the clock skew allowance */
		{ "{\"last_watered\":\"2026-11-25T17:34:00Z\"}", NULL },
		{ "{\"last_watered\":\"2026-11-25T17:36:00Z\"}",
		  "last_watered" },
		{ "{\"last_watered\":\"2026-11-25 08:00:00\"}",
		  "last_watered" },
		{ "{\"last_watered\":\"2026-11-25T08:00:00+00:00\"}",
		  "last_watered" },
		{ "{\"acquired\":\"2026-02-30\"}", "acquired" },
		{ "{\"acquired\":\"2026-03-01T00:00:00Z\"}", "acquired" },
		{ "{\"nickname\":\"\"}", "nickname" },
		{ "{\"nickname\":\"  \"}", "nickname" },
		{ "{\"nickname\":5}", "nickname" },
		{ "{\"location\":\"a\\nb\"}", "location" },
		{ "{\"location\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", "location" },
		{ "{\"plant_id\":\"p002\"}", "plant_id" },
		{ "{\"added_at\":\"2026-11-25T08:00:00Z\"}", "added_at" },
		{ "{\"next_watering\":null}", "next_watering" },
		{ "{\"water\":true}", "water" },
	};
	struct arena *a = arena_new(1 << 20);
	const char *why, *field;
	size_t i;
	bool ok;

	CASE("user_plants_check_entry: optional typed members, last_watered "
	    "not in the future");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = user_plants_check_entry(parse(a, cases[i].body), "p001",
		    now, &why, &field);
		if (ok != (cases[i].field == NULL))
			printf("  case %zu: %s -> %s\n", i, cases[i].body,
			    ok ? "ok" : why);
		CHECK(ok == (cases[i].field == NULL));
		if (!ok && cases[i].field != NULL)
			CHECK_STR(field, cases[i].field);
	}
	END_CASE();
	arena_free(a);
}

static void
test_page(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json_object *item = parse(a, "{\"email\":\"" EMAIL "\","
	    "\"plants\":{"
	    "\"p010\":{\"plant_id\":\"p010\","
	    "\"added_at\":\"2026-01-01T00:00:00Z\"},"
	    "\"p002\":{\"plant_id\":\"p002\",\"nickname\":\"Po\","
	    "\"added_at\":\"2026-01-02T00:00:00Z\"},"
	    "\"p001\":{\"plant_id\":\"p001\","
	    "\"added_at\":\"2026-01-03T00:00:00Z\"},"
	    "\"p005\":{\"plant_id\":\"p005\","
	    "\"added_at\":\"2026-01-04T00:00:00Z\"}"
	    "}}");
	struct json_object *items, *next, *first;

	CASE("user_plants_page: sorted by plant_id, limit, after, next key");
	CHECK(user_plants_page(a, item, NULL, 3, &items, &next) == ERR_OK);
	CHECK(json_object_array_length(items) == 3);
	first = json_object_array_get_idx(items, 0);
	CHECK_STR(jx_str(first, "plant_id", NULL), "p001");
	CHECK_STR(jx_str(json_object_array_get_idx(items, 1), "nickname",
	    NULL), "Po");
	CHECK_STR(jx_str(json_object_array_get_idx(items, 2), "plant_id",
	    NULL), "p005");
	/* the public shape: every member, absent ones null */
	CHECK(json_object_object_length(first) == 7);
	CHECK(json_object_object_get_ex(first, "next_watering", NULL));
	CHECK(json_object_object_get_ex(first, "last_watered", NULL));
	CHECK_STR(jx_str(next, "plant_id", NULL), "p005");
	CHECK(user_plants_page(a, item, "p005", 3, &items, &next) == ERR_OK);
	CHECK(json_object_array_length(items) == 1 && next == NULL);
	CHECK_STR(jx_str(json_object_array_get_idx(items, 0), "plant_id",
	    NULL), "p010");
	CHECK(user_plants_page(a, item, "p003", 1, &items, &next) == ERR_OK);
	CHECK_STR(jx_str(json_object_array_get_idx(items, 0), "plant_id",
	    NULL), "p005");
	CHECK_STR(jx_str(next, "plant_id", NULL), "p005");
	CHECK(user_plants_page(a, item, NULL, 4, &items, &next) == ERR_OK);
	CHECK(json_object_array_length(items) == 4 && next == NULL);
	CHECK(user_plants_page(a, item, "p999", 4, &items, &next) == ERR_OK);
	CHECK(json_object_array_length(items) == 0 && next == NULL);
	CHECK(user_plants_page(a, NULL, NULL, 20, &items, &next) == ERR_OK);
	CHECK(json_object_array_length(items) == 0 && next == NULL);
	END_CASE();
	arena_free(a);
}

static void
test_profile(void)
{
	struct arena *a = arena_new(1 << 20);
	struct json_object *item = parse(a, "{\"email\":\"" EMAIL "\","
	    "\"sub\":\"" SUB "\",\"experience_level\":\"beginner\","
	    "\"plants\":{\"p001\":{}},\"created_at\":\"2026-01-01T00:00:00Z\","
	    "\"updated_at\":\"2026-01-01T00:00:00Z\",\"version\":4}");
	struct json_object *p = users_profile(a, item);

	CASE("users_profile: the documented members only, never plants");
	CHECK(p != NULL);
	CHECK(json_object_object_length(p) == 9);
	CHECK(jx_get(p, "plants") == NULL);
	CHECK(!json_object_object_get_ex(p, "plants", NULL));
	CHECK_STR(jx_str(p, "email", NULL), EMAIL);
	CHECK(json_object_object_get_ex(p, "name", NULL));
	CHECK(json_object_is_type(jx_get(p, "room_conditions"),
	    json_type_object));
	CHECK(json_object_is_type(jx_get(p, "notification_preferences"),
	    json_type_object));
	CHECK(json_object_get_int(jx_get(p, "version")) == 4);
	END_CASE();
	arena_free(a);
}

int
main(void)
{
	test_if_match();
	test_check_patch();
	test_time();
	test_next_watering();
	test_set_next();
	test_check_entry();
	test_page();
	test_profile();
	return harness_done();
}
