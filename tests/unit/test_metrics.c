/*
 * test_metrics.c - the EMF records the worker writes.
 *
 * Every record is checked by emf_valid(), a validator written from the
 * CloudWatch user guide's "Specification: Embedded metric format": the
 * LogEvent is one JSON object and nothing else; the root has "_aws" with
 * an integer "Timestamp" (ms since the epoch) and "CloudWatchMetrics", an
 * array of MetricDirectives, each with exactly Namespace (1-255 chars),
 * Dimensions (at least one DimensionSet of 0-9 keys, 1-255 chars each,
 * each key a root member with a string value) and Metrics (at most 100
 * MetricDefinitions: Name, 1-255 chars, naming a root member that is a
 * number or an array of at most 100 numbers; Unit, when present, one of
 * CloudWatch's units; nothing else).  Then the counts must add up to the
 * requests and calls the test made.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "core/limits.h"
#include "core/metrics.h"
#include "harness.h"

#define LINES_MAX 512

static char *lines[LINES_MAX];
static size_t nlines;

static void
capture(const char *line, size_t len, void *ctx)
{
	(void)ctx;
	if (nlines < LINES_MAX) {
		lines[nlines] = malloc(len + 1);
		memcpy(lines[nlines], line, len);
		lines[nlines++][len] = '\0';
	}
}

static void
forget(void)
{
	while (nlines > 0)
		free(lines[--nlines]);
}

static const char *const units[] = {
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
	"Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits",
	"Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
	"Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second",
	"Count/Second", "None", NULL
};

static bool
str_1_255(struct json_object *o)
{
	size_t n;

	if (!json_object_is_type(o, json_type_string))
		return false;
	n = (size_t)json_object_get_string_len(o);
	return n >= 1 && n <= 255;
}

/* Only the members named in allowed[] (spec: no additional members). */
static bool
only_members(struct json_object *o, const char *const *allowed)
{
	json_object_object_foreach(o, k, v) {
		size_t i;

		(void)v;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return false;
	}
	return true;
}

static bool
is_number(struct json_object *o)
{
	return json_object_is_type(o, json_type_int) ||
	    json_object_is_type(o, json_type_double);
}

static bool
metric_target_ok(struct json_object *root, const char *name)
{
	struct json_object *v;
	size_t i, n;

	if (!json_object_object_get_ex(root, name, &v))
		return false;
	if (is_number(v))
		return true;
	if (!json_object_is_type(v, json_type_array))
		return false;
	n = json_object_array_length(v);
	if (n > 100)
		return false;
	for (i = 0; i < n; i++)
		if (!is_number(json_object_array_get_idx(v, i)))
			return false;
	return true;
}

static bool
directive_ok(struct json_object *root, struct json_object *d,
    const char **why)
{
	static const char *const members[] = { "Namespace", "Dimensions",
	    "Metrics", NULL };
	static const char *const defmembers[] = { "Name", "Unit",
	    "StorageResolution", NULL };
	struct json_object *ns, *dims, *mets, *set, *key, *def, *v, *u;
	size_t i, j;

	if (!json_object_is_type(d, json_type_object) ||
	    !only_members(d, members))
		return *why = "directive: not an object or extra members", false;
	if (!json_object_object_get_ex(d, "Namespace", &ns) || !str_1_255(ns))
		return *why = "Namespace", false;
	if (!json_object_object_get_ex(d, "Dimensions", &dims) ||
	    !json_object_is_type(dims, json_type_array) ||
	    json_object_array_length(dims) < 1)
		return *why = "Dimensions", false;
	for (i = 0; i < json_object_array_length(dims); i++) {
		set = json_object_array_get_idx(dims, i);
		if (!json_object_is_type(set, json_type_array) ||
		    json_object_array_length(set) > 9)
			return *why = "DimensionSet", false;
		for (j = 0; j < json_object_array_length(set); j++) {
			key = json_object_array_get_idx(set, j);
			if (!str_1_255(key) || !json_object_object_get_ex(root,
			    json_object_get_string(key), &v) ||
			    !json_object_is_type(v, json_type_string))
				return *why = "dimension target", false;
		}
	}
	if (!json_object_object_get_ex(d, "Metrics", &mets) ||
	    !json_object_is_type(mets, json_type_array) ||
	    json_object_array_length(mets) > 100)
		return *why = "Metrics", false;
	for (i = 0; i < json_object_array_length(mets); i++) {
		def = json_object_array_get_idx(mets, i);
		if (!json_object_is_type(def, json_type_object) ||
		    !only_members(def, defmembers) ||
		    !json_object_object_get_ex(def, "Name", &v) ||
		    !str_1_255(v))
			return *why = "MetricDefinition", false;
		if (!metric_target_ok(root, json_object_get_string(v)))
			return *why = "metric target", false;
		if (json_object_object_get_ex(def, "Unit", &u)) {
			for (j = 0; units[j] != NULL; j++)
				if (json_object_is_type(u, json_type_string) &&
				    strcmp(json_object_get_string(u),
				    units[j]) == 0)
					break;
			if (units[j] == NULL)
				return *why = "Unit", false;
		}
	}
	return true;
}

/* Returns the parsed root (caller puts it) when line is valid EMF. */
static struct json_object *
emf_valid(const char *line, const char **why)
{
	static const char *const meta[] = { "Timestamp", "CloudWatchMetrics",
	    NULL };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *aws, *ts, *cwm;
	size_t n = strlen(line), i;
	int64_t now = (int64_t)time(NULL) * 1000, t;

	*why = NULL;
	if (n > 0 && line[n - 1] == '\n')
		n--;                    /* the line's end, not the event's */
	root = json_tokener_parse_ex(tok, line, (int)n);
	if (root == NULL || json_tokener_get_parse_end(tok) != n) {
		json_tokener_free(tok);
		json_object_put(root);
		*why = "not exactly one JSON value";
		return NULL;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "_aws", &aws) ||
	    !json_object_is_type(aws, json_type_object) ||
	    !only_members(aws, meta))
		*why = "_aws";
	else if (!json_object_object_get_ex(aws, "Timestamp", &ts) ||
	    !json_object_is_type(ts, json_type_int) ||
	    (t = json_object_get_int64(ts)) < now - 14LL * 86400 * 1000 ||
	    t > now + 2LL * 3600 * 1000)
		*why = "Timestamp (ms, at most 14 days old, 2 h ahead)";
	else if (!json_object_object_get_ex(aws, "CloudWatchMetrics", &cwm) ||
	    !json_object_is_type(cwm, json_type_array))
		*why = "CloudWatchMetrics";
	else
		for (i = 0; i < json_object_array_length(cwm) && *why == NULL;
		    i++)
			directive_ok(root, json_object_array_get_idx(cwm, i), why);
	if (*why != NULL) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

static int64_t
member_int(struct json_object *root, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(root, k, &v) ?
	    json_object_get_int64(v) : -1;
}

static const char *
member_str(struct json_object *root, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(root, k, &v) ?
	    json_object_get_string(v) : NULL;
}

static size_t
member_len(struct json_object *root, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(root, k, &v) &&
	    json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 0;
}

static double
member_max(struct json_object *root, const char *k)
{
	struct json_object *v;
	double best = -1;
	size_t i;

	if (!json_object_object_get_ex(root, k, &v))
		return -1;
	for (i = 0; i < json_object_array_length(v); i++) {
		double d = json_object_get_double(json_object_array_get_idx(v,
		    i));
		if (d > best)
			best = d;
	}
	return best;
}

static void
test_validator_notices(void)
{
	const char *why;
	static const char *bad[] = {
		"{\"_aws\":{\"CloudWatchMetrics\":[]},\"a\":1}",
		"{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[]}}",
		"{\"_aws\":{\"Timestamp\":%NOW%,\"CloudWatchMetrics\":[{"
		    "\"Namespace\":\"N\",\"Dimensions\":[[\"D\"]],\"Metrics\":"
		    "[{\"Name\":\"a\"}]}]},\"D\":5,\"a\":1}",
		"{\"_aws\":{\"Timestamp\":%NOW%,\"CloudWatchMetrics\":[{"
		    "\"Namespace\":\"N\",\"Dimensions\":[[]],\"Metrics\":"
		    "[{\"Name\":\"a\",\"Unit\":\"Furlongs\"}]}]},\"a\":1}",
		"{\"_aws\":{\"Timestamp\":%NOW%,\"CloudWatchMetrics\":[{"
		    "\"Namespace\":\"N\",\"Dimensions\":[[]],\"Metrics\":"
		    "[{\"Name\":\"a\"}]}]},\"a\":\"1\"}",
		"{\"_aws\":{\"Timestamp\":%NOW%,\"CloudWatchMetrics\":[{"
		    "\"Namespace\":\"N\",\"Dimensions\":[[\"1\",\"2\",\"3\","
		    "\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\"]],\"Metrics\":"
		    "[]}]}}",
		"{\"_aws\":{\"Timestamp\":%NOW%,\"CloudWatchMetrics\":[{"
		    "\"Namespace\":\"N\",\"Dimensions\":[],\"Metrics\":[]}]}}",
		"{\"_aws\":{\"Timestamp\":%NOW%,\"CloudWatchMetrics\":[]}} x",
		NULL
	};
	char line[4096], big[4096], now[32], *p;
	struct json_object *root;
	size_t i;

	CASE("the validator refuses what the specification forbids");
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL) * 1000);
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(line, sizeof(line), "%s", bad[i]);
		if ((p = strstr(line, "%NOW%")) != NULL) {
			snprintf(big, sizeof(big), "%.*s%s%s", (int)(p - line),
			    line, now, p + 5);
			snprintf(line, sizeof(line), "%s", big);
		}
		root = emf_valid(line, &why);
		CHECK(root == NULL);
		json_object_put(root);
	}
	/* 101 values in one metric. */
	p = big + snprintf(big, sizeof(big), "{\"_aws\":{\"Timestamp\":%s,"
	    "\"CloudWatchMetrics\":[{\"Namespace\":\"N\",\"Dimensions\":[[]],"
	    "\"Metrics\":[{\"Name\":\"a\"}]}]},\"a\":[0", now);
	for (i = 1; i < 101; i++)
		p += sprintf(p, ",%zu", i);
	strcpy(p, "]}");
	root = emf_valid(big, &why);
	CHECK(root == NULL && why != NULL && strcmp(why, "metric target") == 0);
	/* ... and 100 pass, as does the guide's own example shape. */
	strcpy(strrchr(big, ','), "]}");
	root = emf_valid(big, &why);
	CHECK(root != NULL);
	json_object_put(root);
	END_CASE();
}

struct sent {
	const char *route;
	int status;
	enum err e;
	long us;
};

static void
test_counts_add_up(void)
{
	static const struct sent mix[] = {
		{ "plants_get", 200, ERR_OK, 1200 },
		{ "plants_get", 404, ERR_NOT_FOUND, 900 },
		{ "plants_list", 200, ERR_OK, 3500 },
		{ "recommendations", 429, ERR_QUOTA, 2500 },
		{ "plants_get", 503, ERR_UNAVAILABLE, 3000000 },
		{ "users_me", 500, ERR_INTERNAL, 40000 },
		{ "-", 404, ERR_NOT_FOUND, 50 },
		{ "plants_list", 504, ERR_UNAVAILABLE, 10000000 },
	};
	const size_t nmix = sizeof(mix) / sizeof(mix[0]);
	int64_t req = 0, c4 = 0, c5 = 0, c503 = 0, dl = 0, q = 0, vals = 0;
	int64_t calls = 0, errs = 0, thr = 0, retries = 0;
	const char *why;
	struct json_object *root;
	size_t i, rounds = 37;

	CASE("every record is valid EMF and the counts add up");
	metrics_reset();
	forget();
	for (size_t r = 0; r < rounds; r++)
		for (i = 0; i < nmix; i++) {
			if (i == 4)     /* this request's DynamoDB call ran out */
				metrics_dep("dynamodb", 2, ERR_UNAVAILABLE,
				    2900000, true);
			metrics_dep("dynamodb", 1, ERR_OK, 800, false);
			metrics_request(mix[i].route, mix[i].status, mix[i].e,
			    mix[i].us);
		}
	metrics_dep("dynamodb", 3, ERR_THROTTLED, 150000, false);
	metrics_dep("dynamodb", 1, ERR_UPSTREAM, 700, false);
	metrics_dep("cognito-idp", 2, ERR_OK, 30000, false);
	metrics_dep("jwks", 1, ERR_UNAVAILABLE, 1000000, false);
	metrics_dep("stripe", 1, ERR_OK, 250000, false);
	metrics_dep("nonesuch", 1, ERR_OK, 1, false);
	CHECK(nlines == 0);             /* nothing before the period ends */
	metrics_flush();
	CHECK(nlines == 5 + 5);         /* 5 routes, 5 dependencies */
	for (i = 0; i < nlines; i++) {
		root = emf_valid(lines[i], &why);
		if (root == NULL)
			printf("  invalid (%s): %s", why, lines[i]);
		CHECK(root != NULL);
		if (root == NULL)
			continue;
		if (member_str(root, "Route") != NULL) {
			req += member_int(root, "Requests");
			c4 += member_int(root, "Status4xx");
			c5 += member_int(root, "Status5xx");
			c503 += member_int(root, "Status503");
			dl += member_int(root, "DeadlineExceeded");
			q += member_int(root, "QuotaRefused");
			vals += (int64_t)member_len(root, "Latency");
			CHECK(member_len(root, "Latency") == (size_t)
			    (member_int(root, "Requests") > 100 ? 100 :
			    member_int(root, "Requests")));
			if (strcmp(member_str(root, "Route"), "plants_list") ==
			    0)  /* 10 s survives the scaling, within 6.25 % */
				CHECK(member_max(root, "Latency") > 9375 &&
				    member_max(root, "Latency") < 10625);
		} else {
			calls += member_int(root, "DependencyCalls");
			errs += member_int(root, "DependencyErrors");
			thr += member_int(root, "DependencyThrottles");
			retries += member_int(root, "DependencyRetries");
			CHECK(member_str(root, "Dependency") != NULL);
		}
		CHECK(strstr(lines[i], "\"Namespace\":\"GrowVRD\"") != NULL);
		json_object_put(root);
	}
	CHECK(req == (int64_t)(rounds * nmix));
	CHECK(c4 == (int64_t)(rounds * 3));
	CHECK(c5 == (int64_t)(rounds * 3));
	CHECK(c503 == (int64_t)rounds);
	CHECK(dl == (int64_t)(rounds * 2));  /* past deadline, and the 504 */
	CHECK(q == (int64_t)rounds);
	CHECK(vals == 100 + 2 * 37 + 37 + 37 + 37);
	CHECK(calls == (int64_t)(rounds * (nmix + 1)) + 6);
	CHECK(errs == (int64_t)rounds + 2);  /* UPSTREAM is not an error */
	CHECK(thr == 1);
	CHECK(retries == (int64_t)rounds + 2 + 1);
	/* A second flush with nothing new writes nothing. */
	forget();
	metrics_flush();
	CHECK(nlines == 0);
	END_CASE();
}

static void
test_percentiles_survive(void)
{
	struct json_object *root, *lat;
	const char *why;
	double v[100];
	size_t i, n;

	CASE("a period of 10,000 requests keeps its shape in 100 values");
	metrics_reset();
	forget();
	/* 98 % at 2 ms, 1 % at 50 ms, 1 % at 400 ms. */
	for (i = 0; i < 10000; i++)
		metrics_request("plants_get", 200, ERR_OK, i % 100 == 0 ?
		    400000 : i % 100 == 1 ? 50000 : 2000);
	metrics_flush();
	CHECK(nlines == 1);
	root = nlines == 1 ? emf_valid(lines[0], &why) : NULL;
	CHECK(root != NULL);
	if (root != NULL && json_object_object_get_ex(root, "Latency", &lat)) {
		n = json_object_array_length(lat);
		CHECK(n == 100);
		for (i = 0; i < n && i < 100; i++)
			v[i] = json_object_get_double(
			    json_object_array_get_idx(lat, i));
		CHECK(v[0] > 1.8 && v[0] < 2.2);         /* p50 */
		CHECK(v[97] > 1.8 && v[97] < 2.2);
		CHECK(v[98] > 46 && v[98] < 54);         /* p99 */
		CHECK(v[99] > 370 && v[99] < 430);       /* max */
		CHECK(member_int(root, "Requests") == 10000);
	}
	json_object_put(root);
	END_CASE();
}

static void
test_period_and_idle(void)
{
	struct timespec ts, *p;
	struct timespec pause = { 0, 30 * 1000000L };

	CASE("records are written when the period ends, busy or idle");
	metrics_reset();
	forget();
	metrics_set_period(20);
	CHECK(metrics_idle(&ts) == NULL);       /* nothing: no timeout */
	metrics_request("plants_get", 200, ERR_OK, 100);
	p = metrics_idle(&ts);
	CHECK(p == &ts && ts.tv_sec == 0 && ts.tv_nsec <= 20 * 1000000L);
	CHECK(nlines == 0);
	nanosleep(&pause, NULL);
	CHECK(metrics_idle(&ts) == NULL);       /* written now */
	CHECK(nlines == 1);
	metrics_request("plants_get", 200, ERR_OK, 100);
	nanosleep(&pause, NULL);
	metrics_request("plants_get", 200, ERR_OK, 100);  /* ends the period */
	CHECK(nlines == 2);
	CHECK(strstr(lines[1], "\"Requests\":2") != NULL);
	metrics_set_period(0);
	END_CASE();
}

static void
test_route_bounds(void)
{
	char name[LIM_METRICS_NAME + 2], other[16];
	const char *why;
	struct json_object *root;
	int64_t total = 0;
	size_t i;

	CASE("route names: LIM_METRICS_NAME kept, longer cut; "
	    "LIM_METRICS_ROUTES routes, then \"other\"");
	metrics_reset();
	forget();
	memset(name, 'r', sizeof(name) - 1);
	name[LIM_METRICS_NAME] = '\0';               /* exactly the limit */
	metrics_request(name, 200, ERR_OK, 1);
	name[LIM_METRICS_NAME] = 's';                /* one past it */
	name[LIM_METRICS_NAME + 1] = '\0';
	metrics_request(name, 200, ERR_OK, 1);
	for (i = 0; i < LIM_METRICS_ROUTES + 5; i++) {
		snprintf(other, sizeof(other), "route%zu", i);
		metrics_request(other, 200, ERR_OK, 1);
	}
	metrics_request("quo\"te\n", 200, ERR_OK, 1);
	metrics_flush();
	CHECK(nlines == LIM_METRICS_ROUTES + 1);
	for (i = 0; i < nlines; i++) {
		root = emf_valid(lines[i], &why);
		CHECK(root != NULL);
		total += root != NULL ? member_int(root, "Requests") : 0;
		json_object_put(root);
	}
	CHECK(total == 2 + LIM_METRICS_ROUTES + 5 + 1);
	name[LIM_METRICS_NAME] = '\0';
	CHECK(strstr(lines[0], name) != NULL);
	CHECK(strstr(lines[0], "\"Requests\":2") != NULL); /* same, cut */
	CHECK(strstr(lines[nlines - 1], "\"Route\":\"other\"") != NULL);
	END_CASE();
}

static void *
probe_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++)
		metrics_dep("dynamodb", 1, ERR_OK, 1000, false);
	return NULL;
}

static void
test_threads(void)
{
	pthread_t th[2];
	const char *why;
	struct json_object *root;
	int64_t calls = 0, reqs = 0;
	size_t i;

	CASE("a probe thread's calls and the requests all count");
	metrics_reset();
	forget();
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, probe_thread, NULL);
	for (i = 0; i < 20000; i++)
		metrics_request("plants_get", 200, ERR_OK, 100);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	metrics_flush();
	for (i = 0; i < nlines; i++) {
		root = emf_valid(lines[i], &why);
		CHECK(root != NULL);
		if (root == NULL)
			continue;
		if (member_str(root, "Route") != NULL)
			reqs += member_int(root, "Requests");
		else
			calls += member_int(root, "DependencyCalls");
		json_object_put(root);
	}
	CHECK(reqs == 20000);
	CHECK(calls == 40000);
	END_CASE();
}

static void
bench(void)
{
	struct timespec t0, t1;
	const long n = 2000000;
	double ns;
	long i;

	metrics_reset();
	forget();
	metrics_set_period(3600000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
		metrics_request(i & 1 ? "plants_get" : "plants_list", 200,
		    ERR_OK, 1000 + (i & 4095));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n;
	printf("# metrics_request: %.0f ns a call (%ld calls)\n", ns, n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 1000; i++) {
		metrics_request("plants_get", 200, ERR_OK, 1000 + i);
		metrics_dep("dynamodb", 1, ERR_OK, 900 + i, false);
		metrics_flush();
		forget();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# metrics_flush of 2 records: %.1f us\n",
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / 1000.0 / 1000.0);
	metrics_set_period(0);
}

int
main(void)
{
	metrics_set_sink(capture, NULL);
	test_validator_notices();
	test_counts_add_up();
	test_percentiles_survive();
	test_period_and_idle();
	test_route_bounds();
	test_threads();
	bench();
	forget();
	return harness_done();
}
