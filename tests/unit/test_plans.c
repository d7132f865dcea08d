/*
 * Plans file checks, subscription ids and billing periods, quota months.
 * No DynamoDB: the pure parts of store/plans, store/subscriptions and
 * store/quota.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "json/jx.h"
#include "store/plans.h"
#include "store/quota.h"
#include "store/subscriptions.h"
#include "harness.h"

#define PLANS_FILE "conf/plans.json"

/* A valid file with one plan swapped for the text p (a plan object). */
#define FREE_PLAN "{\"id\":\"free\",\"name\":\"Free\",\"prices\":[]," \
	"\"features\":{\"plant_recommendations\":{\"limit\":10," \
	"\"period\":\"month\"}}}"
#define FEAT(n) "\"features\":{\"plant_recommendations\":{\"limit\":" #n \
	",\"period\":\"month\"}}"
#define PRICE(bp, amt, cur) "{\"billing_period\":\"" bp "\",\"amount\":\"" \
	amt "\",\"currency\":\"" cur "\"}"
#define WITH(p) "{\"plans\":[" FREE_PLAN "," p "]}"

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static void
test_shipped_file(void)
{
	struct plans *p = NULL;
	const struct plan *pl;
	const struct plan_price *pr;
	const char *why = NULL;
	int at;

	CASE("plans: conf/plans.json loads with free, subscriber, premium");
	CHECK(plans_load(PLANS_FILE, &p, &why, &at) == ERR_OK);
	if (p == NULL) {
		printf("  %s\n", why ? why : "?");
		END_CASE();
		return;
	}
	CHECK(p->n == 3);
	CHECK((pl = plans_default(p)) != NULL && pl->nprices == 0 &&
	    pl->limit[FEAT_PLANT_RECOMMENDATIONS] == 10);
	pl = plans_find(p, "subscriber", 10);
	CHECK(pl != NULL && pl->limit[FEAT_PLANT_RECOMMENDATIONS] == 30);
	pr = pl ? plans_price(pl, "monthly", 7) : NULL;
	CHECK(pr != NULL && strcmp(pr->amount, "4.99") == 0 &&
	    strcmp(pr->currency, "USD") == 0);
	pr = pl ? plans_price(pl, "yearly", 6) : NULL;
	CHECK(pr != NULL && strcmp(pr->amount, "49.99") == 0);
	CHECK(pl == NULL || plans_price(pl, "weekly", 6) == NULL);
	pl = plans_find(p, "premium", 7);
	CHECK(pl != NULL && pl->limit[FEAT_PLANT_RECOMMENDATIONS] == 100);
	pr = pl ? plans_price(pl, "monthly", 7) : NULL;
	CHECK(pr != NULL && strcmp(pr->amount, "9.99") == 0);
	pr = pl ? plans_price(pl, "yearly", 6) : NULL;
	CHECK(pr != NULL && strcmp(pr->amount, "99.99") == 0);
	CHECK(plans_find(p, "premiu", 6) == NULL);
	CHECK(plans_find(p, "gold", 4) == NULL);
	END_CASE();
	plans_free(p);
}

static void
test_to_json(void)
{
	struct arena *a = arena_new(1 << 20);
	struct plans p;
	struct json_object *arr, *sub, *f;
	const char *why;
	int at;
	const char *text = WITH("{\"id\":\"subscriber\","
	    "\"name\":\"Subscriber\","
	    "\"prices\":[" PRICE("monthly", "4.99", "USD") "]," FEAT(30) "}");

	CASE("plans: GET /plans items have id, name, prices, features");
	CHECK(plans_parse(text, strlen(text), &p, &why, &at) == ERR_OK);
	arr = plans_to_json(a, &p);
	CHECK(json_object_array_length(arr) == 2);
	CHECK(json_object_array_length(jx_get(json_object_array_get_idx(arr,
	    0), "prices")) == 0);
	sub = json_object_array_get_idx(arr, 1);
	CHECK_STR(jx_str(sub, "id", NULL), "subscriber");
	CHECK_STR(jx_str(sub, "name", NULL), "Subscriber");
	f = json_object_array_get_idx(jx_get(sub, "prices"), 0);
	CHECK_STR(jx_str(f, "billing_period", NULL), "monthly");
	CHECK_STR(jx_str(f, "amount", NULL), "4.99");
	CHECK_STR(jx_str(f, "currency", NULL), "USD");
	f = jx_get(jx_get(sub, "features"), "plant_recommendations");
	CHECK(json_object_get_int(jx_get(f, "limit")) == 30);
	CHECK_STR(jx_str(f, "period", NULL), "month");
	END_CASE();
	arena_free(a);
}

static const struct {
	const char *name;
	const char *text;
	int         at;          /* expected plan index, -1 = file */
} bad[] = {
	{ "not JSON", "{\"plans\":[", -1 },
	{ "trailing comma", "{\"plans\":[" FREE_PLAN ",]}", -1 },
	{ "not an object", "[]", -1 },
	{ "no plans member", "{\"plan\":[]}", -1 },
	{ "extra top member", "{\"plans\":[" FREE_PLAN "],\"x\":1}", -1 },
	{ "empty plan list", "{\"plans\":[]}", -1 },
	{ "no free plan", "{\"plans\":[{\"id\":\"gold\",\"name\":\"G\","
	  "\"prices\":[" PRICE("monthly", "1.00", "USD") "]," FEAT(5) "}]}",
	  -1 },
	{ "free with a price", "{\"plans\":[{\"id\":\"free\",\"name\":\"F\","
	  "\"prices\":[" PRICE("monthly", "1.00", "USD") "]," FEAT(5) "}]}",
	  0 },
	{ "duplicate id", WITH(FREE_PLAN), 1 },
	{ "paid plan without prices", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[]," FEAT(5) "}"), 1 },
	{ "id with capitals", WITH("{\"id\":\"Gold\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "1.00", "USD") "]," FEAT(5) "}"), 1 },
	{ "empty name", WITH("{\"id\":\"x\",\"name\":\"\","
	  "\"prices\":[" PRICE("monthly", "1.00", "USD") "]," FEAT(5) "}"), 1 },
	{ "unknown plan member", WITH("{\"id\":\"x\",\"name\":\"X\",\"y\":1,"
	  "\"prices\":[" PRICE("monthly", "1.00", "USD") "]," FEAT(5) "}"), 1 },
	{ "prices not an array", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":{}," FEAT(5) "}"), 1 },
	{ "amount as a number", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[{\"billing_period\":\"monthly\",\"amount\":4.99,"
	  "\"currency\":\"USD\"}]," FEAT(5) "}"), 1 },
	{ "amount with one decimal", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "4.9", "USD") "]," FEAT(5) "}"), 1 },
	{ "amount with a leading zero", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "04.99", "USD") "]," FEAT(5) "}"),
	  1 },
	{ "negative amount", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "-4.99", "USD") "]," FEAT(5) "}"),
	  1 },
	{ "lower-case currency", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "4.99", "usd") "]," FEAT(5) "}"), 1 },
	{ "weekly billing", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("weekly", "4.99", "USD") "]," FEAT(5) "}"), 1 },
	{ "two monthly prices", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "4.99", "USD") ","
	  PRICE("monthly", "5.99", "USD") "]," FEAT(5) "}"), 1 },
	{ "negative limit", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "4.99", "USD") "]," FEAT(-1) "}"),
	  1 },
	{ "limit as a string", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "4.99", "USD") "],"
	  "\"features\":{\"plant_recommendations\":{\"limit\":\"5\","
	  "\"period\":\"month\"}}}"), 1 },
	{ "weekly period", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "4.99", "USD") "],"
	  "\"features\":{\"plant_recommendations\":{\"limit\":5,"
	  "\"period\":\"week\"}}}"), 1 },
	{ "unknown feature", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "4.99", "USD") "],"
	  "\"features\":{\"plant_recommendations\":{\"limit\":5,"
	  "\"period\":\"month\"},\"x\":{\"limit\":1,\"period\":\"month\"}}}"),
	  1 },
	{ "missing feature", WITH("{\"id\":\"x\",\"name\":\"X\","
	  "\"prices\":[" PRICE("monthly", "4.99", "USD") "],"
	  "\"features\":{}}"), 1 },
};

static void
test_bad_files(void)
{
	struct plans p;
	const char *why;
	size_t i;
	int at;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[128];
		snprintf(name, sizeof(name), "plans: refused: %s", bad[i].name);
		CASE(name);
		why = NULL;
		CHECK(plans_parse(bad[i].text, strlen(bad[i].text), &p, &why,
		    &at) != ERR_OK);
		CHECK(why != NULL && *why != '\0');
		CHECK(at == bad[i].at);
		CHECK(p.n == 0);
		END_CASE();
	}
}

static void
test_load_errors(void)
{
	char path[] = "/tmp/growvrd-plans-XXXXXX";
	struct plans *p = (struct plans *)1;
	const char *why = NULL;
	int fd, at;
	FILE *f;
	size_t i;

	CASE("plans: a missing file, a bad file, an oversized file");
	CHECK(plans_load("/nonexistent/plans.json", &p, &why, &at) ==
	    ERR_NOT_FOUND && p == NULL && why != NULL);
	if ((fd = mkstemp(path)) >= 0 && (f = fdopen(fd, "w")) != NULL) {
		fputs("{\"plans\": 1}", f);
		fclose(f);
		CHECK(plans_load(path, &p, &why, &at) == ERR_INVALID &&
		    p == NULL);
		f = fopen(path, "w");
		for (i = 0; f != NULL && i < PLANS_FILE_MAX + 10; i++)
			fputc(' ', f);
		if (f != NULL)
			fclose(f);
		CHECK(plans_load(path, &p, &why, &at) == ERR_TOO_LARGE &&
		    p == NULL);
		unlink(path);
	} else
		CHECK(!"mkstemp");
	END_CASE();
}

static const struct {
	int         y, mo, d, h, mi, s;
	const char *period;
	const char *end;
} ends[] = {
	{ 2026, 11, 25, 17, 30, 0, "monthly", "2026-12-25T17:30:00Z" },
	{ 2026, 12, 15, 8, 0, 1, "monthly", "2027-01-15T08:00:01Z" },
	{ 2026, 1, 31, 12, 0, 0, "monthly", "2026-02-28T12:00:00Z" },
	{ 2028, 1, 31, 12, 0, 0, "monthly", "2028-02-29T12:00:00Z" },
	{ 2026, 3, 31, 23, 59, 59, "monthly", "2026-04-30T23:59:59Z" },
	{ 2026, 8, 31, 0, 0, 0, "monthly", "2026-09-30T00:00:00Z" },
	{ 2026, 2, 28, 0, 0, 0, "monthly", "2026-03-28T00:00:00Z" },
	{ 2026, 11, 25, 17, 30, 0, "yearly", "2027-11-25T17:30:00Z" },
	{ 2028, 2, 29, 6, 0, 0, "yearly", "2029-02-28T06:00:00Z" },
	{ 2027, 12, 31, 0, 0, 0, "yearly", "2028-12-31T00:00:00Z" },
};

static void
test_period_end(void)
{
	char out[SUBS_TIME_LEN], name[96];
	size_t i;

	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		snprintf(name, sizeof(name), "period end: %04d-%02d-%02d %s",
		    ends[i].y, ends[i].mo, ends[i].d, ends[i].period);
		CASE(name);
		CHECK(subs_period_end(utc(ends[i].y, ends[i].mo, ends[i].d,
		    ends[i].h, ends[i].mi, ends[i].s), ends[i].period, out));
		CHECK_STR(out, ends[i].end);
		END_CASE();
	}
	CASE("period end: unknown billing period refused");
	CHECK(!subs_period_end(utc(2026, 1, 1, 0, 0, 0), "weekly", out));
	CHECK(!subs_period_end(utc(2026, 1, 1, 0, 0, 0), "", out));
	END_CASE();
	CASE("times: RFC 3339 UTC");
	subs_time(utc(2026, 11, 25, 17, 30, 0), out);
	CHECK_STR(out, "2026-11-25T17:30:00Z");
	END_CASE();
}

static void
test_ids(void)
{
	static const char *const ill[] = {
		"", "sub_", "sub_20261125T173000123Z_0123abc",
		"sub_20261125T173000123Z_0123abcde",
		"sub_20261125T173000123Z_0123ABCD",
		"sub_20261125t173000123Z_0123abcd",
		"sub_2026112xT173000123Z_0123abcd",
		"sub_20261125T173000123z_0123abcd",
		"sub_20261125T173000123Z-0123abcd",
		"bus_20261125T173000123Z_0123abcd",
		"#active", "#usage#plant_recommendations#2026-11",
		"sub_20261125T173000123Z_0123abc/",
	};
	char a[SUBS_ID_LEN + 1], b[SUBS_ID_LEN + 1];
	size_t i;

	CASE("ids: made ids are valid, time-ordered and distinct");
	CHECK(subs_new_id(utc(2026, 11, 25, 17, 30, 0), 123, a));
	CHECK(strncmp(a, "sub_20261125T173000123Z_", 24) == 0);
	CHECK(subs_valid_id(a, strlen(a)));
	CHECK(subs_new_id(utc(2026, 11, 25, 17, 30, 0), 124, b));
	CHECK(strcmp(a, b) < 0);
	CHECK(subs_new_id(utc(2026, 11, 25, 17, 30, 1), 0, b));
	CHECK(strcmp(a, b) < 0);
	CHECK(subs_new_id(utc(2026, 11, 25, 17, 30, 0), 123, b));
	CHECK(strcmp(a, b) != 0);   /* same instant, other random part */
	CHECK(!subs_new_id(utc(2026, 11, 25, 17, 30, 0), 1000, b));
	CHECK(subs_valid_id("sub_20261125T173000123Z_0123abcd", 32));
	END_CASE();
	CASE("ids: ill-formed ids refused");
	for (i = 0; i < sizeof(ill) / sizeof(ill[0]); i++)
		CHECK(!subs_valid_id(ill[i], strlen(ill[i])));
	END_CASE();
}

static void
test_cursor_keys(void)
{
	struct arena *a = arena_new(1 << 16);
	static const struct {
		const char *json;
		bool        ok;
	} keys[] = {
		{ "{\"user_id\":\"u1\",\"subscription_id\":"
		  "\"sub_20261125T173000123Z_0123abcd\"}", true },
		{ "{\"user_id\":\"u2\",\"subscription_id\":"
		  "\"sub_20261125T173000123Z_0123abcd\"}", false },
		{ "{\"user_id\":\"u1\",\"subscription_id\":\"#active\"}",
		  false },
		{ "{\"user_id\":\"u1\"}", false },
		{ "{\"user_id\":\"u1\",\"subscription_id\":"
		  "\"sub_20261125T173000123Z_0123abcd\",\"x\":1}", false },
		{ "{\"user_id\":1,\"subscription_id\":"
		  "\"sub_20261125T173000123Z_0123abcd\"}", false },
	};
	struct json_object *k;
	const char *why;
	size_t i;

	CASE("cursor keys: only the caller's own subscription keys");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		k = NULL;
		CHECK(jx_parse(a, keys[i].json, strlen(keys[i].json), 4096, 4,
		    &k, &why) == ERR_OK);
		CHECK(subs_valid_key(k, "u1") == keys[i].ok);
	}
	END_CASE();
	arena_free(a);
}

static void
test_quota_months(void)
{
	char p[QUOTA_PERIOD_LEN];

	CASE("quota: the period is the UTC month");
	quota_period(utc(2026, 11, 25, 17, 30, 0), p);
	CHECK_STR(p, "2026-11");
	quota_period(utc(2026, 1, 1, 0, 0, 0), p);
	CHECK_STR(p, "2026-01");
	quota_period(utc(2026, 12, 31, 23, 59, 59), p);
	CHECK_STR(p, "2026-12");
	END_CASE();
	CASE("quota: Retry-After counts to the 1st of next month 00:00 UTC");
	CHECK(quota_seconds_left(utc(2026, 11, 30, 23, 59, 59)) == 1);
	CHECK(quota_seconds_left(utc(2026, 12, 31, 23, 0, 0)) == 3600);
	CHECK(quota_seconds_left(utc(2026, 2, 1, 0, 0, 0)) == 28 * 86400);
	CHECK(quota_seconds_left(utc(2028, 2, 1, 0, 0, 0)) == 29 * 86400);
	CHECK(quota_seconds_left(utc(2026, 11, 25, 0, 0, 0)) == 6 * 86400);
	END_CASE();
}

int
main(void)
{
	test_shipped_file();
	test_to_json();
	test_bad_files();
	test_load_errors();
	test_period_end();
	test_ids();
	test_cursor_keys();
	test_quota_months();
	return harness_done();
}
