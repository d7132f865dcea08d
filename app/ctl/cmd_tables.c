/*
 * growvrdctl tables create|describe|delete - the three tables of the
 * seed: Plants (id), Users (email), Subscriptions (user_id,
 * subscription_id), all on-demand; Plants also with the index
 * PLANTS_CHANGES_INDEX and a TTL on expires_at (store/plants.h).  create
 * is idempotent: what exists is reported and left alone.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "ctl/ctl.h"
#include "http/ctx.h"
#include "json/jx.h"
#include "store/plants.h"

#define CREATE_WAIT_SECONDS 120

struct table_def {
	const char *name;
	const char *pk;
	const char *sk;         /* NULL when none */
	bool        catalog;    /* Plants: the changes index and the TTL */
};

static void
defs(const struct app *app, struct table_def out[3])
{
	out[0] = (struct table_def){ app->cfg.plants_table, "id", NULL, true };
	out[1] = (struct table_def){ app->cfg.users_table, "email", NULL,
	    false };
	out[2] = (struct table_def){ app->cfg.subscriptions_table, "user_id",
	    "subscription_id", false };
}

static void
add_attr(struct json_object *attrs, const char *name, const char *type)
{
	struct json_object *a = json_object_new_object();

	json_object_object_add(a, "AttributeName", json_object_new_string(name));
	json_object_object_add(a, "AttributeType", json_object_new_string(type));
	json_object_array_add(attrs, a);
}

static void
add_key(struct json_object *attrs, struct json_object *schema,
    const char *name, const char *type)
{
	struct json_object *k = json_object_new_object();

	if (attrs != NULL)
		add_attr(attrs, name, "S");
	json_object_object_add(k, "AttributeName", json_object_new_string(name));
	json_object_object_add(k, "KeyType", json_object_new_string(type));
	json_object_array_add(schema, k);
}

/* Wait until the table is ACTIVE (immediate on DynamoDB Local). */
static enum err
wait_active(struct app *app, struct arena *a, const char *name)
{
	struct json_object *desc;
	const char *status;
	int i;
	enum err e;

	for (i = 0; i < CREATE_WAIT_SECONDS; i++) {
		if ((e = ddb_describe_table(&app->ddb, a, name, &desc)) != ERR_OK)
			return e;
		status = jx_str(desc, "TableStatus", NULL);
		if (status != NULL && strcmp(status, "ACTIVE") == 0)
			return ERR_OK;
		nanosleep(&(struct timespec){ 1, 0 }, NULL);
	}
	return ERR_UNAVAILABLE;
}

/*
 * The Plants index the catalog snapshots follow changes by
 * (store/catalog_sync.h): catalog (S) + changed_at (N), every attribute
 * projected.  Added to a table that lacks it.
 */
static struct json_object *
changes_index(struct json_object *attrs)
{
	struct json_object *gsi = json_object_new_object();
	struct json_object *keys = json_object_new_array();
	struct json_object *proj = json_object_new_object();

	add_attr(attrs, "catalog", "S");
	add_attr(attrs, "changed_at", "N");
	json_object_object_add(gsi, "IndexName",
	    json_object_new_string(PLANTS_CHANGES_INDEX));
	add_key(NULL, keys, "catalog", "HASH");
	add_key(NULL, keys, "changed_at", "RANGE");
	json_object_object_add(gsi, "KeySchema", keys);
	json_object_object_add(proj, "ProjectionType",
	    json_object_new_string("ALL"));
	json_object_object_add(gsi, "Projection", proj);
	return gsi;
}

/*
 * A Plants table made before the index gets it through UpdateTable (on
 * AWS; DynamoDB Local cannot add an index to a table: make it anew).
 */
static enum err
ensure_changes_index(struct app *app, struct arena *a, const char *name)
{
	struct json_object *b = jx_own(a, json_object_new_object()), *ans;
	struct json_object *attrs = json_object_new_array(), *desc, *gsis;
	struct json_object *upd = json_object_new_object();
	struct json_object *list = json_object_new_array();
	size_t i;
	enum err e;

	json_object_object_add(b, "TableName", json_object_new_string(name));
	json_object_object_add(b, "AttributeDefinitions", attrs);
	json_object_object_add(b, "GlobalSecondaryIndexUpdates", list);
	json_object_array_add(list, upd);
	if ((e = ddb_describe_table(&app->ddb, a, name, &desc)) != ERR_OK)
		return e;
	gsis = jx_get(desc, "GlobalSecondaryIndexes");
	for (i = 0; gsis != NULL && i < json_object_array_length(gsis); i++) {
		const char *n = jx_str(json_object_array_get_idx(gsis, i),
		    "IndexName", NULL);
		if (n != NULL && strcmp(n, PLANTS_CHANGES_INDEX) == 0) {
			printf("table %s: index %s exists, unchanged\n", name,
			    PLANTS_CHANGES_INDEX);
			return ERR_OK;
		}
	}
	json_object_object_add(upd, "Create", changes_index(attrs));
	if ((e = ddb_call(&app->ddb, a, "UpdateTable", b, &ans)) == ERR_OK &&
	    (e = wait_active(app, a, name)) == ERR_OK)
		printf("table %s: index %s created\n", name,
		    PLANTS_CHANGES_INDEX);
	return e;
}

/* Tombstones expire through the table's TTL on expires_at. */
static enum err
ensure_ttl(struct app *app, struct arena *a, const char *name)
{
	struct json_object *b = jx_own(a, json_object_new_object()), *ans;
	struct json_object *spec;
	enum err e;

	json_object_object_add(b, "TableName", json_object_new_string(name));
	if (ddb_call(&app->ddb, a, "DescribeTimeToLive", b, &ans) == ERR_OK) {
		const char *st = jx_str(jx_get(ans, "TimeToLiveDescription"),
		    "TimeToLiveStatus", NULL);
		if (st != NULL && (strcmp(st, "ENABLED") == 0 ||
		    strcmp(st, "ENABLING") == 0)) {
			printf("table %s: TTL on expires_at, unchanged\n", name);
			return ERR_OK;
		}
	}
	spec = json_object_new_object();
	json_object_object_add(spec, "Enabled", json_object_new_boolean(1));
	json_object_object_add(spec, "AttributeName",
	    json_object_new_string("expires_at"));
	json_object_object_add(b, "TimeToLiveSpecification", spec);
	if ((e = ddb_call(&app->ddb, a, "UpdateTimeToLive", b, &ans)) == ERR_OK)
		printf("table %s: TTL on expires_at turned on\n", name);
	return e;
}

static enum err
create_one(struct app *app, struct arena *a, const struct table_def *t)
{
	struct json_object *b = jx_own(a, json_object_new_object()), *ans;
	struct json_object *attrs = json_object_new_array();
	struct json_object *schema = json_object_new_array();
	enum err e;

	json_object_object_add(b, "TableName", json_object_new_string(t->name));
	add_key(attrs, schema, t->pk, "HASH");
	if (t->sk != NULL)
		add_key(attrs, schema, t->sk, "RANGE");
	if (t->catalog) {
		struct json_object *gsis = json_object_new_array();
		json_object_array_add(gsis, changes_index(attrs));
		json_object_object_add(b, "GlobalSecondaryIndexes", gsis);
	}
	json_object_object_add(b, "AttributeDefinitions", attrs);
	json_object_object_add(b, "KeySchema", schema);
	json_object_object_add(b, "BillingMode",
	    json_object_new_string("PAY_PER_REQUEST"));
	e = ddb_call(&app->ddb, a, "CreateTable", b, &ans);
	if (e == ERR_EXISTS) {
		printf("table %s: exists, unchanged\n", t->name);
		e = ERR_OK;
	} else if (e == ERR_OK && (e = wait_active(app, a, t->name)) == ERR_OK)
		printf("table %s: created\n", t->name);
	if (e == ERR_OK && t->catalog &&
	    (e = ensure_changes_index(app, a, t->name)) == ERR_OK)
		e = ensure_ttl(app, a, t->name);
	return e;
}

static enum err
describe_one(struct app *app, struct arena *a, const struct table_def *t)
{
	struct json_object *desc;
	int64_t count = 0;
	enum err e = ddb_describe_table(&app->ddb, a, t->name, &desc);

	if (e == ERR_NOT_FOUND) {
		printf("table %s: missing\n", t->name);
		return ERR_OK;
	}
	if (e != ERR_OK)
		return e;
	jx_int(desc, "ItemCount", 0, INT64_MAX, &count);
	printf("table %s: %s, %lld items\n", t->name,
	    jx_str(desc, "TableStatus", NULL) ? jx_str(desc, "TableStatus",
	    NULL) : "?", (long long)count);
	return ERR_OK;
}

static enum err
delete_one(struct app *app, struct arena *a, const struct table_def *t)
{
	struct json_object *b = jx_own(a, json_object_new_object()), *ans;
	enum err e;

	json_object_object_add(b, "TableName", json_object_new_string(t->name));
	e = ddb_call(&app->ddb, a, "DeleteTable", b, &ans);
	if (e == ERR_NOT_FOUND) {
		printf("table %s: missing, unchanged\n", t->name);
		return ERR_OK;
	}
	if (e == ERR_OK)
		printf("table %s: deleted\n", t->name);
	return e;
}

int
cmd_tables(int argc, char **argv)
{
	enum err (*op)(struct app *, struct arena *, const struct table_def *);
	struct table_def t[3];
	struct app app;
	struct arena *a;
	enum err e = ERR_OK;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: growvrdctl tables create|describe|delete\n");
		return 2;
	}
	if (strcmp(argv[1], "create") == 0)
		op = create_one;
	else if (strcmp(argv[1], "describe") == 0)
		op = describe_one;
	else if (strcmp(argv[1], "delete") == 0)
		op = delete_one;
	else {
		fprintf(stderr, "growvrdctl tables: unknown action '%s'\n",
		    argv[1]);
		return 2;
	}
	if (!app_open(&app)) {
		app_close(&app);
		return 1;
	}
	defs(&app, t);
	a = arena_new(0);
	for (i = 0; i < 3 && e == ERR_OK; i++) {
		e = op(&app, a, &t[i]);
		if (e != ERR_OK)
			fprintf(stderr, "growvrdctl tables %s: %s: %s\n", argv[1],
			    t[i].name, err_name(e));
		arena_reset(a);
	}
	arena_free(a);
	app_close(&app);
	return e == ERR_OK ? 0 : 1;
}
