/*
 * test_plants_import.c - store/plants_import: the streaming readers of
 * TSV and JSON import files (records at and past LIM_IMPORT_RECORD_MAX,
 * ill-formed arrays, bad rows), the content comparison, and the
 * importer's writes against a scripted DynamoDB (new plants batched with
 * version 1 and the catalog stamp, unchanged plants left alone, changed
 * plants and tombstones replaced under a version condition).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/ddb.h"
#include "aws/retry.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "fake_http.h"
#include "harness.h"
#include "json/jx.h"
#include "net/httpc.h"
#include "store/plants.h"
#include "ctl/plants_import.h"

/* A valid plant of the seed catalog (p001), as JSON; %s = id. */
static const char plant_fmt[] =
    "{\"id\":\"%s\",\"name\":\"snake_plant\",\"scientific_name\":"
    "\"dracaena_trifasciata\",\"natural_sunlight_needs\":\"low_indirect\","
    "\"natural_sunlight_required\":false,\"led_light_requirements\":\"low\","
    "\"recommended_light_wattage\":15,\"led_wattage_min\":10,"
    "\"led_wattage_max\":20.5,\"water_frequency_days\":14,"
    "\"humidity_preference\":\"low\",\"difficulty\":1,\"maintenance\":"
    "\"low\",\"indoor_compatible\":true,\"description\":\"Hardy.\","
    "\"compatible_locations\":[\"office\",\"bedroom\"],\"size\":\"medium\","
    "\"temperature_min\":50,\"temperature_max\":90,\"temperature_ideal\":70,"
    "\"watering_method_preference\":\"bottom_watering\","
    "\"drought_tolerance\":9,\"overwatering_sensitivity\":6,"
    "\"soil_preference\":\"sandy_loose_mix\",\"soil_replacement_days\":900,"
    "\"fertilizer_days\":90,\"functions\":[\"air_purification\"],"
    "\"growth_rate_days\":90,\"toxic_to_pets\":true,\"propagation_methods\":"
    "[\"division\"],\"common_pests\":[\"mealybugs\"],\"image_url\":"
    "\"https://example.com/p.jpg\",\"product_ids\":[\"pr001\"],"
    "\"care_history\":{},\"perenual_id\":1,\"perenual_verified\":true,"
    "\"created_at\":\"2025-01-01\",\"updated_at\":\"2025-04-06\","
    "\"searchable_text\":\"snake plant\",\"last_updated\":\"2025-04-06\"}";

static const char tsv_header[] =
    "id\tname\tscientific_name\tnatural_sunlight_needs\t"
    "natural_sunlight_required\tled_light_requirements\t"
    "recommended_light_wattage\tled_wattage_min\tled_wattage_max\t"
    "water_frequency_days\thumidity_preference\tdifficulty\tmaintenance\t"
    "indoor_compatible\tdescription\tcompatible_locations\tsize\t"
    "temperature_min\ttemperature_max\ttemperature_ideal\t"
    "watering_method_preference\tdrought_tolerance\t"
    "overwatering_sensitivity\tsoil_preference\tsoil_replacement_days\t"
    "fertilizer_days\tfunctions\tgrowth_rate_days\ttoxic_to_pets\t"
    "propagation_methods\tcommon_pests\timage_url\tproduct_ids\t"
    "care_history\tperenual_id\tperenual_verified\tcreated_at\tupdated_at\t"
    "searchable_text\tlast_updated\n";

static const char tsv_row[] =
    "p001\tsnake_plant\tdracaena_trifasciata\tlow_indirect\tFALSE\tlow\t15\t"
    "10\t20\t14\tlow\t1\tlow\tTRUE\tHardy.\toffice,bedroom\tmedium\t50\t90\t"
    "70\tbottom_watering\t9\t6\tsandy_loose_mix\t900\t90\tair_purification\t"
    "90\tTRUE\tdivision\tmealybugs\thttps://example.com/p.jpg\tpr001\t{}\t1\t"
    "TRUE\t2025-01-01\t2025-04-06\tsnake plant\t2025-04-06\n";

static char *
plant_text(const char *id)
{
	static char out[4096];

	snprintf(out, sizeof(out), plant_fmt, id);
	return out;
}

/* Read every record of text; returns the plants read, or -1 with msg. */
static int
read_all(const char *text, size_t len, enum plants_format fmt, char *msg,
    size_t msglen)
{
	FILE *f = fmemopen((void *)text, len, "rb");
	struct plants_reader *r = plants_reader_new(f, fmt);
	struct arena *a = arena_new(0);
	struct json_object *p;
	int n = 0, got;

	msg[0] = '\0';
	while ((got = plants_reader_next(r, a, &p, msg, msglen)) > 0) {
		n++;
		arena_reset(a);
	}
	arena_free(a);
	plants_reader_free(r);
	fclose(f);
	return got < 0 ? -1 : n;
}

static void
test_json_reader(void)
{
	static const struct {
		const char *name, *text;
		int want;
		const char *msg;
	} cases[] = {
		{ "an empty array", " [ ] \n", 0, NULL },
		{ "not an array", "{}", -1, "not a JSON array" },
		{ "an element that is not an object", "[1]", -1,
		  "not a JSON object" },
		{ "a missing comma", "[@,@]", -1, NULL },
		{ "text after the array", "[] x", -1, "followed by more text" },
		{ "a cut-off plant", "[{\"id\":\"p1\"", -1, "cut off" },
		{ "a trailing comma", "[@,]", -1, "not a JSON object" },
		{ "an invalid plant", "[{\"id\":\"p1\"}]", -1, "plant 1:" },
	};
	char text[16384], msg[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s;
		struct buf b;
		int got;

		CASE(cases[i].name);
		buf_init(&b, sizeof(text));
		for (s = cases[i].text; *s; s++)
			*s == '@' ? buf_puts(&b, plant_text("p1")) :
			    buf_putc(&b, *s);
		snprintf(text, sizeof(text), "%s", buf_cstr(&b));
		buf_free(&b);
		if (strcmp(cases[i].name, "a missing comma") == 0) {
			/* "[plant plant]" */
			char *c = strstr(text, "},{");
			if (c != NULL)
				c[1] = ' ';
		}
		got = read_all(text, strlen(text), PLANTS_JSON, msg,
		    sizeof(msg));
		CHECK(got == cases[i].want);
		if (cases[i].msg != NULL)
			CHECK(strstr(msg, cases[i].msg) != NULL);
		END_CASE();
	}

	CASE("three plants, a string holding braces and an escaped quote");
	{
		struct buf b;
		buf_init(&b, sizeof(text) - 1);
		buf_printf(&b, "[%s,\n", plant_text("a"));
		buf_printf(&b, "%s ,", plant_text("b"));
		buf_printf(&b, "%s]\n", plant_text("c"));
		snprintf(text, sizeof(text), "%s", buf_cstr(&b));
		buf_free(&b);
	}
	{
		char *d = strstr(strstr(text, "\"b\""), "Hardy.");
		memcpy(d, "{[\\\"", 4);  /* {[\" inside a string */
	}
	CHECK(read_all(text, strlen(text), PLANTS_JSON, msg, sizeof(msg)) == 3);
	END_CASE();
}

/* A JSON file of one plant padded with spaces inside the object to be
 * exactly size bytes long (the record is the whole object). */
static char *
padded_plant(size_t size)
{
	const char *p = plant_text("pad");
	size_t n = strlen(p);
	char *out = malloc(size + 3);

	out[0] = '[';
	memcpy(out + 1, p, n - 1);
	memset(out + n, ' ', size - n);
	out[size] = '}';
	out[size + 1] = ']';
	out[size + 2] = '\0';
	return out;
}

static void
test_limits(void)
{
	char msg[256], *text;
	size_t n;

	CASE("a JSON plant of LIM_IMPORT_RECORD_MAX bytes is read");
	text = padded_plant(LIM_IMPORT_RECORD_MAX);
	CHECK(read_all(text, strlen(text), PLANTS_JSON, msg, sizeof(msg)) == 1);
	free(text);
	END_CASE();

	CASE("a JSON plant of LIM_IMPORT_RECORD_MAX + 1 bytes is refused");
	text = padded_plant(LIM_IMPORT_RECORD_MAX + 1);
	CHECK(read_all(text, strlen(text), PLANTS_JSON, msg, sizeof(msg)) ==
	    -1);
	CHECK(strstr(msg, "longer than 65536 bytes") != NULL);
	free(text);
	END_CASE();

	/* A TSV line of exactly the limit (without its "\n") is read, then
	 * judged by the schema; one byte more is refused as too long. */
	for (n = LIM_IMPORT_RECORD_MAX; n <= LIM_IMPORT_RECORD_MAX + 1; n++) {
		size_t h = strlen(tsv_header);
		text = malloc(h + n + 2);
		memcpy(text, tsv_header, h);
		memset(text + h, 'x', n);
		text[h + n] = '\n';
		text[h + n + 1] = '\0';
		CASE(n == LIM_IMPORT_RECORD_MAX ?
		    "a TSV line of LIM_IMPORT_RECORD_MAX bytes is read" :
		    "a TSV line of LIM_IMPORT_RECORD_MAX + 1 bytes is refused");
		CHECK(read_all(text, h + n + 1, PLANTS_TSV, msg, sizeof(msg)) ==
		    -1);
		CHECK((strstr(msg, "longer than") != NULL) ==
		    (n > LIM_IMPORT_RECORD_MAX));
		free(text);
		END_CASE();
	}
}

static void
test_tsv_reader(void)
{
	char text[8192], msg[256];

	CASE("TSV: header, a row, CRLF and blank lines");
	snprintf(text, sizeof(text), "%s\r\n%s\n\n", tsv_header, tsv_row);
	CHECK(read_all(text, strlen(text), PLANTS_TSV, msg, sizeof(msg)) == 1);
	END_CASE();

	CASE("TSV: a row with a column missing names its line");
	snprintf(text, sizeof(text), "%s%s%s", tsv_header, tsv_row, "p2\tx\n");
	CHECK(read_all(text, strlen(text), PLANTS_TSV, msg, sizeof(msg)) == -1);
	CHECK(strstr(msg, "line 3: 2 columns, the header has 40") != NULL);
	END_CASE();

	CASE("TSV: a NUL byte is refused");
	snprintf(text, sizeof(text), "%s%s", tsv_header, tsv_row);
	text[strlen(tsv_header) + 2] = '\0';
	CHECK(read_all(text, strlen(tsv_header) + strlen(tsv_row), PLANTS_TSV,
	    msg, sizeof(msg)) == -1);
	CHECK(strstr(msg, "NUL") != NULL);
	END_CASE();
}

static struct json_object *
J(struct arena *a, const char *s)
{
	struct json_object *o = NULL;
	const char *why;

	jx_parse(a, s, strlen(s), 1 << 20, 32, &o, &why);
	return o;
}

static void
test_same_content(void)
{
	struct arena *a = arena_new(0);
	struct json_object *x = J(a, plant_text("p1")), *y;

	CASE("same content: numbers by value, version and stamp ignored");
	y = J(a, plant_text("p1"));
	json_object_object_add(y, "recommended_light_wattage",
	    json_object_new_double(15.0));
	json_object_object_add(y, "version", json_object_new_int(7));
	plants_stamp(y, 1234);
	CHECK(plants_same_content(x, y));
	END_CASE();

	CASE("same content: a changed string, list order or object differs");
	y = J(a, plant_text("p1"));
	json_object_object_add(y, "description", json_object_new_string("x"));
	CHECK(!plants_same_content(x, y));
	y = J(a, plant_text("p1"));
	json_object_object_add(y, "compatible_locations",
	    json_object_get(J(a, "[\"bedroom\",\"office\"]")));
	CHECK(!plants_same_content(x, y));
	y = J(a, plant_text("p1"));
	json_object_object_add(y, "care_history",
	    json_object_get(J(a, "{\"a\":1}")));
	CHECK(!plants_same_content(x, y));
	y = J(a, plant_text("p1"));
	json_object_object_del(y, "size");
	CHECK(!plants_same_content(x, y));
	END_CASE();
	arena_free(a);
}

/* ---- the importer against a scripted DynamoDB ---------------------- */

struct store {
	const char *stored;     /* the BatchGetItem answer's item, or NULL */
	const char *put_status; /* "ok" or "lost": the first PutItem's fate */
	char        ops[256];   /* the operations seen, "op,op," */
	char        put[FAKE_BODY_MAX + 1]; /* the last write's body */
	int         puts;
};

static void
db(struct fake *f, int n, const struct fake_req *r, struct fake_ans *a)
{
	struct store *s = f->ctx;
	char target[64];

	(void)n;
	fake_header(r, "X-Amz-Target", target, sizeof(target));
	strncat(s->ops, strchr(target, '.') + 1,
	    sizeof(s->ops) - strlen(s->ops) - 2);
	strcat(s->ops, ",");
	if (strstr(target, "BatchGetItem") || strstr(target, ".GetItem")) {
		snprintf(a->text, sizeof(a->text), strstr(target, "Batch") ?
		    "{\"Responses\":{\"T\":[%s]},\"UnprocessedKeys\":{}}" :
		    "{\"Item\":%s}", s->stored ? s->stored : "");
		if (s->stored == NULL)
			snprintf(a->text, sizeof(a->text), strstr(target,
			    "Batch") ? "{\"Responses\":{\"T\":[]}}" : "{}");
		a->body = a->text;
		return;
	}
	snprintf(s->put, sizeof(s->put), "%s", r->body);
	if (strstr(target, ".PutItem") && s->puts++ == 0 &&
	    strcmp(s->put_status, "lost") == 0) {
		a->status = 400;
		a->body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
		    "ConditionalCheckFailedException\"}";
		return;
	}
	a->body = "{}";
}

/* The stored form of plant p1 with version v and description d. */
static char *
stored_item(struct arena *a, int v, const char *desc, bool tomb)
{
	struct json_object *p = J(a, plant_text("p1"));

	json_object_object_add(p, "version", json_object_new_int(v));
	json_object_object_add(p, "description", json_object_new_string(desc));
	if (tomb)
		json_object_object_add(p, "deleted", json_object_new_boolean(1));
	return arena_strdup(a, json_object_to_json_string(ddb_marshal_item(a,
	    p)));
}

static void
import_one(struct store *s, struct plants_import *imp)
{
	struct httpc *http = httpc_new();
	struct aws_config cfg = { "us-east-1", 500, 2000, 1 };
	struct fake *f = fake_start(db, s);
	struct arena *a = arena_new(0);
	struct aws *aws;
	struct ddb d;

	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", 1);
	aws = aws_new(&cfg, http);
	memset(&d, 0, sizeof(d));
	d.aws = aws;
	d.endpoint = f->url;
	plants_import_init(imp, &d, "T");
	CHECK(plants_import_add(imp, J(a, plant_text("p1"))) == ERR_OK);
	CHECK(plants_import_flush(imp) == ERR_OK);
	plants_import_free(imp);
	arena_free(a);
	aws_free(aws);
	fake_stop(f);
	httpc_free(http);
}

static void
test_importer(void)
{
	struct arena *a = arena_new(0);
	struct plants_import imp;
	struct store s;

	CASE("import: a new plant goes by BatchWriteItem, version 1, stamped");
	memset(&s, 0, sizeof(s));
	s.put_status = "ok";
	import_one(&s, &imp);
	CHECK_STR(s.ops, "BatchGetItem,BatchWriteItem,");
	CHECK(strstr(s.put, "\"version\":{\"N\":\"1\"}") != NULL);
	CHECK(strstr(s.put, "\"catalog\":{\"S\":\"plants\"}") != NULL);
	CHECK(strstr(s.put, "\"changed_at\":{\"N\":") != NULL);
	CHECK(imp.created == 1 && imp.updated == 0 && imp.unchanged == 0);
	END_CASE();

	CASE("import: an unchanged plant is not written");
	memset(&s, 0, sizeof(s));
	s.put_status = "ok";
	s.stored = stored_item(a, 3, "Hardy.", false);
	import_one(&s, &imp);
	CHECK_STR(s.ops, "BatchGetItem,");
	CHECK(imp.unchanged == 1 && imp.created == 0);
	END_CASE();

	CASE("import: a changed plant is put at version + 1 on its version");
	memset(&s, 0, sizeof(s));
	s.put_status = "ok";
	s.stored = stored_item(a, 3, "Old text.", false);
	import_one(&s, &imp);
	CHECK_STR(s.ops, "BatchGetItem,PutItem,");
	CHECK(strstr(s.put, "\"version\":{\"N\":\"4\"}") != NULL);
	CHECK(strstr(s.put, "\"ConditionExpression\":\"#version = :v\"") !=
	    NULL);
	CHECK(strstr(s.put, "\":v\":{\"N\":\"3\"}") != NULL);
	CHECK(imp.updated == 1);
	END_CASE();

	CASE("import: over a tombstone, the version goes on and 'deleted' goes");
	memset(&s, 0, sizeof(s));
	s.put_status = "ok";
	s.stored = stored_item(a, 5, "Hardy.", true);
	import_one(&s, &imp);
	CHECK_STR(s.ops, "BatchGetItem,PutItem,");
	CHECK(strstr(s.put, "\"version\":{\"N\":\"6\"}") != NULL);
	CHECK(strstr(s.put, "deleted") == NULL);
	CHECK(imp.created == 1);
	END_CASE();

	CASE("import: a write that lost its condition is read again and redone");
	memset(&s, 0, sizeof(s));
	s.put_status = "lost";
	s.stored = stored_item(a, 3, "Old text.", false);
	import_one(&s, &imp);
	CHECK_STR(s.ops, "BatchGetItem,PutItem,GetItem,PutItem,");
	CHECK(imp.updated == 1 && imp.conflicts == 1);
	END_CASE();
	arena_free(a);
}

int
main(void)
{
	log_set_level(LOG_ERROR);
	httpc_global_init();
	test_json_reader();
	test_limits();
	test_tsv_reader();
	test_same_content();
	test_importer();
	return harness_done();
}
