#include "store/idem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/ddb.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/str.h"
#include "json/jx.h"
#include "store/subs_int.h"

bool
idem_valid_key(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > LIM_IDEM_KEY_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return false;
	return true;
}

static struct json_object *
key_of(struct arena *a, const char *user_id, const char *key)
{
	return subs_key(a, user_id, arena_printf(a, SUBS_IDEM_PREFIX "%s",
	    key));
}

/* The stored record as an answer. */
static void
answer_of(struct json_object *r, struct idem_answer *ans)
{
	int64_t v;

	memset(ans, 0, sizeof(*ans));
	ans->status = jx_int(r, "status", 100, 599, &v) ? (int)v : 500;
	ans->err = jx_int(r, "err", 0, 1000, &v) ? (int)v : 0;
	ans->body = jx_str(r, "body", NULL);
	ans->detail = jx_str(r, "detail", NULL);
	ans->location = jx_str(r, "location", NULL);
}

enum err
idem_begin(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *key,
    const unsigned char hash[CRYPT_SHA256_LEN], enum idem_state *st,
    struct idem_answer *ans)
{
	struct json_object *rec, *n, *v, *old;
	char hex[2 * CRYPT_SHA256_LEN + 1];
	time_t now = time(NULL);
	struct ddb_expr x;
	const char *oh, *os;
	int64_t exp;
	enum err e;

	*st = IDEM_RUNNING;
	memset(ans, 0, sizeof(*ans));
	str_hex(hex, hash, CRYPT_SHA256_LEN);
	rec = key_of(a, user_id, key);
	subs_add_str(rec, "hash", hex);
	subs_add_str(rec, "state", "running");
	json_object_object_add(rec, "lock_until",
	    json_object_new_int64(now + IDEM_LOCK));
	json_object_object_add(rec, SUBS_TTL_ATTR,
	    json_object_new_int64(now + IDEM_TTL));
	n = subs_obj(a);
	v = subs_obj(a);
	subs_add_str(n, "#sk", "subscription_id");
	subs_add_str(n, "#exp", SUBS_TTL_ATTR);
	subs_add_str(n, "#st", "state");
	subs_add_str(n, "#lu", "lock_until");
	subs_add_str(n, "#h", "hash");
	json_object_object_add(v, ":now", json_object_new_int64(now));
	subs_add_str(v, ":running", "running");
	subs_add_str(v, ":h", hex);
	memset(&x, 0, sizeof(x));
	x.condition = "attribute_not_exists(#sk) OR #exp < :now OR "
	    "(#st = :running AND #lu < :now AND #h = :h)";
	x.names = n;
	x.values = v;
	e = ddb_put_item(d, a, table, rec, &x);
	if (e == ERR_OK) {
		*st = IDEM_NEW;
		return ERR_OK;
	}
	if (e != ERR_PRECONDITION)
		return e;
	if ((e = ddb_get_item(d, a, table, key_of(a, user_id, key), true,
	    &old)) != ERR_OK)
		return e;
	if (old == NULL || !jx_int(old, SUBS_TTL_ATTR, 0, INT64_MAX, &exp) ||
	    exp < (int64_t)now)
		return ERR_CONFLICT;    /* just went or expired: a race */
	oh = jx_str(old, "hash", NULL);
	os = jx_str(old, "state", NULL);
	if (oh == NULL || strcmp(oh, hex) != 0)
		*st = IDEM_MISMATCH;
	else if (os != NULL && strcmp(os, "done") == 0) {
		*st = IDEM_DONE;
		answer_of(old, ans);
	} else
		*st = IDEM_RUNNING;
	return ERR_OK;
}

enum err
idem_finish(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *key, const struct idem_answer *ans)
{
	struct json_object *n = subs_obj(a), *v = subs_obj(a);
	char set[256];
	struct ddb_expr x;
	size_t l;

	subs_add_str(n, "#st", "state");
	subs_add_str(n, "#status", "status");
	subs_add_str(n, "#err", "err");
	subs_add_str(v, ":done", "done");
	json_object_object_add(v, ":status", json_object_new_int(ans->status));
	json_object_object_add(v, ":err", json_object_new_int(ans->err));
	l = (size_t)snprintf(set, sizeof(set),
	    "SET #st = :done, #status = :status, #err = :err");
#define OPT(field, nm, vn) do { if (ans->field != NULL) { \
	subs_add_str(n, nm, #field); subs_add_str(v, vn, ans->field); \
	l += (size_t)snprintf(set + l, sizeof(set) - l, ", %s = %s", nm, vn); \
	} } while (0)
	OPT(body, "#body", ":body");
	OPT(detail, "#detail", ":detail");
	OPT(location, "#loc", ":loc");
#undef OPT
	memset(&x, 0, sizeof(x));
	x.update = arena_strdup(a, set);
	x.names = n;
	x.values = v;
	return ddb_update_item(d, a, table, key_of(a, user_id, key), &x, NULL);
}

enum err
idem_release(struct ddb *d, struct arena *a, const char *table,
    const char *user_id, const char *key)
{
	return ddb_delete_item(d, a, table, key_of(a, user_id, key), NULL,
	    NULL);
}
