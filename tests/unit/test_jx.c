#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "json/jx.h"
#include "harness.h"

static enum err
parse(struct arena *a, const char *s, struct json_object **o)
{
	const char *why;

	return jx_parse(a, s, strlen(s), 1024, 32, o, &why);
}

static void
test_parse(void)
{
	static const char *good[] = {
		"{}", "[]", "1", "\"x\"", " {\"a\":[1,2,{\"b\":null}]} \n",
		"{\"a\":{\"x\":1},\"b\":{\"x\":2}}", "{\"a\\\"b\":1,\"a\":2}",
		"[{\"a\":1},{\"a\":1}]", "{\"k\":\"\xc3\xa9\"}", "1.5e3",
	};
	static const char *bad[] = {
		"", "{", "{\"a\":1,}", "[1,]", "{\"a\":1} x", "{\"a\":1}{}",
		"/* c */ {}", "{'a':1}", "{\"a\":1,\"a\":2}",
		"{\"x\":{\"a\":1,\"b\":{\"c\":1,\"c\":2}}}",
		"[{\"a\":1,\"a\":1}]", "{\"a\":\"\\u0000\"}", "{\"a\":NaN}",
		"{\"a\":Infinity}", "{\"k\":\"\xff\"}", "{\"a\":01}", "tru",
		"{\"a\":{\"b\":1,\"b\":{\"c\":1}},\"d\":{}}",
		"{\"n\":123456789012345678901234567890}",
		"{\"a\":'x'}", "['a']", "{'-,}':1}", "[0x10]", "{\"a\":.5}",
		"{\"a\":+1}",
		"{\"n\":-123456789012345678901234567890}",
	};
	struct arena *a = arena_new(1 << 20);
	struct json_object *o;
	size_t i;

	CASE("jx_parse accepts strict JSON");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		enum err e = parse(a, good[i], &o);
		if (e != ERR_OK)
			printf("  refused: %s\n", good[i]);
		CHECK(e == ERR_OK);
	}
	END_CASE();

	CASE("jx_parse refuses sloppy JSON, duplicates, NUL, NaN, bad UTF-8");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum err e = parse(a, bad[i], &o);
		if (e == ERR_OK)
			printf("  accepted: %s\n", bad[i]);
		CHECK(e == ERR_INVALID);
	}
	END_CASE();

	CASE("jx_parse depth: 32 levels pass, 33 fail; size limit");
	{
		char deep[80];
		const char *why;
		memset(deep, '[', 32);
		memset(deep + 32, ']', 32);
		CHECK(jx_parse(a, deep, 64, 1024, 32, &o, &why) == ERR_OK);
		memset(deep, '[', 33);
		memset(deep + 33, ']', 33);
		CHECK(jx_parse(a, deep, 66, 1024, 32, &o, &why) == ERR_INVALID);
		CHECK(jx_parse(a, deep, 66, 10, 32, &o, &why) == ERR_TOO_LARGE);
	}
	END_CASE();
	arena_free(a);
}

static void
test_check(void)
{
	static const char *const lights[] = { "low", "high", NULL };
	static const struct jx_field f[] = {
		{ "name", JX_STRING, true, 0, 10, NULL },
		{ "n", JX_INT, false, 1, 5, NULL },
		{ "x", JX_NUMBER, false, 0, 100, NULL },
		{ "ok", JX_BOOL, false, 0, 0, NULL },
		{ "d", JX_DATE, false, 0, 0, NULL },
		{ "light", JX_STRING, false, 0, 0, lights },
		{ "tags", JX_STR_ARRAY, false, 0, 3, NULL },
	};
	static const struct { const char *json; int ok; const char *field; }
	    cases[] = {
		{ "{\"name\":\"a\"}", 1, NULL },
		{ "{\"name\":\"a\",\"n\":5,\"x\":2.5,\"ok\":true,\"d\":\"2024-02-29\","
		  "\"light\":\"low\",\"tags\":[\"a\"]}", 1, NULL },
		{ "{}", 0, "name" },
		{ "{\"name\":\"\"}", 0, "name" },
		{ "{\"name\":\"01234567890\"}", 0, "name" },
		{ "{\"name\":1}", 0, "name" },
		{ "{\"name\":\"a\",\"n\":6}", 0, "n" },
		{ "{\"name\":\"a\",\"n\":\"3\"}", 0, "n" },
		{ "{\"name\":\"a\",\"n\":2.0}", 0, "n" },
		{ "{\"name\":\"a\",\"x\":101}", 0, "x" },
		{ "{\"name\":\"a\",\"ok\":1}", 0, "ok" },
		{ "{\"name\":\"a\",\"d\":\"2023-02-29\"}", 0, "d" },
		{ "{\"name\":\"a\",\"light\":\"dim\"}", 0, "light" },
		{ "{\"name\":\"a\",\"tags\":[\"a\",\"b\",\"c\",\"d\"]}", 0, "tags" },
		{ "{\"name\":\"a\",\"tags\":[1]}", 0, "tags" },
		{ "{\"name\":\"a\",\"zzz\":1}", 0, "zzz" },
		{ "{\"name\":\"a\",\"n\":9223372036854775807}", 0, "n" },
	};
	struct arena *a = arena_new(1 << 20);
	struct json_object *o;
	const char *why, *field;
	size_t i;

	CASE("jx_check field table");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok;
		CHECK(parse(a, cases[i].json, &o) == ERR_OK);
		ok = jx_check(o, f, sizeof(f) / sizeof(f[0]), false, &why, &field);
		if (ok != (bool)cases[i].ok)
			printf("  case %zu: %s %s\n", i, field ? field : "", why);
		CHECK(ok == (bool)cases[i].ok);
		if (!ok && cases[i].field != NULL)
			CHECK(field != NULL && strcmp(field, cases[i].field) == 0);
	}
	END_CASE();

	CASE("jx_valid_time");
	CHECK(jx_valid_time("2026-11-25T17:30:00Z", 20));
	CHECK(!jx_valid_time("2026-11-25T24:30:00Z", 20));
	CHECK(!jx_valid_time("2026-11-25 17:30:00Z", 20));
	END_CASE();

	CASE("jx_write round trip keeps decimals exact");
	{
		struct buf b;
		buf_init(&b, 256);
		CHECK(parse(a, "{\"a\":0.1,\"b\":\"x/y\",\"c\":12345678901234}", &o)
		    == ERR_OK);
		CHECK(jx_write(&b, o));
		CHECK_STR(buf_cstr(&b), "{\"a\":0.1,\"b\":\"x/y\",\"c\":12345678901234}");
		buf_free(&b);
	}
	END_CASE();
	arena_free(a);
}

/* A DynamoDB page holds thousands of objects: no count may refuse it. */
static void
test_many_objects(void)
{
	struct arena *a = arena_new(0);
	struct json_object *o;
	struct buf b;
	const char *why;
	int i;

	CASE("jx_parse: 100,000 objects (a Scan page's worth and more)");
	buf_init(&b, 8 << 20);
	buf_putc(&b, '[');
	for (i = 0; i < 100000; i++)
		buf_puts(&b, i ? ",{\"S\":{\"k\":{}}}" : "{\"S\":{\"k\":{}}}");
	buf_putc(&b, ']');
	CHECK(jx_parse(a, b.data, b.len, b.len, 64, &o, &why) == ERR_OK);
	CHECK(json_object_array_length(o) == 100000);
	/* The duplicate check still sees the last of them. */
	b.len -= 6;
	buf_puts(&b, "},\"k\":1}]");
	CHECK(jx_parse(a, b.data, b.len, b.len, 64, &o, &why) != ERR_OK);
	END_CASE();
	buf_free(&b);
	arena_free(a);
}

int
main(void)
{
	test_many_objects();
	test_parse();
	test_check();
	return harness_done();
}
