#include "pay/webhook.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypt.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "json/jx.h"
#include "pay/stripe.h"

#define SIG_HEX    (2 * CRYPT_SHA256_LEN)
#define T_DIGITS   12          /* a Unix time in seconds, to year 33658 */
#define META_MAX   128         /* our ids in metadata */

static const char *const type_names[WH__MAX] = {
	"",                             /* WH_OTHER */
	"checkout.session.completed",   /* WH_CHECKOUT_COMPLETED */
	"invoice.paid",                 /* WH_INVOICE_PAID */
	"invoice.payment_failed",       /* WH_INVOICE_FAILED */
	"customer.subscription.deleted",/* WH_SUB_DELETED */
};

const char *
webhook_type_name(enum webhook_type t)
{
	return (unsigned)t < WH__MAX ? type_names[t] : "";
}

/* ---- the signature -------------------------------------------------- */

struct sig_header {
	long long t;
	bool      has_t;
	char      v1[LIM_STRIPE_SIGS][SIG_HEX];
	size_t    nv1;
};

static bool
lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return false;
	return true;
}

/* One "k=v" item of the header. */
static bool
parse_item(struct sig_header *h, const char *p, size_t n)
{
	const char *eq = memchr(p, '=', n);
	size_t kl, vl;
	int64_t t;

	if (eq == NULL || eq == p)
		return false;
	kl = (size_t)(eq - p);
	vl = n - kl - 1;
	if (kl == 1 && p[0] == 't') {
		if (h->has_t || vl == 0 || vl > T_DIGITS ||
		    !str_to_i64(eq + 1, vl, 0, INT64_MAX, &t))
			return false;
		h->t = (long long)t;
		h->has_t = true;
	} else if (kl == 2 && p[0] == 'v' && p[1] == '1') {
		/* A v1 of another length or alphabet can never match. */
		if (vl == SIG_HEX && lower_hex(eq + 1, vl) &&
		    h->nv1 < LIM_STRIPE_SIGS)
			memcpy(h->v1[h->nv1++], eq + 1, SIG_HEX);
	}
	/* v0 and schemes we do not know are ignored, as Stripe says. */
	return true;
}

static bool
parse_header(const char *s, struct sig_header *h)
{
	const char *p = s, *comma;
	size_t n;

	memset(h, 0, sizeof(*h));
	if (strlen(s) > LIM_STRIPE_SIG_MAX)
		return false;
	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (!parse_item(h, p, n))
			return false;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return h->has_t;
}

/* hex of HMAC-SHA256(secret, "<t>." body) into out[SIG_HEX]. */
static bool
expected(const char *secret, long long t, const char *body, size_t len,
    char out[SIG_HEX + 1])
{
	unsigned char mac[CRYPT_SHA256_LEN];
	char pre[T_DIGITS + 3];
	size_t pl;
	char *msg;
	bool ok;

	pl = (size_t)snprintf(pre, sizeof(pre), "%lld.", t);
	if (pl >= sizeof(pre))
		return false;
	msg = xmalloc(pl + len + 1);
	memcpy(msg, pre, pl);
	if (len > 0)
		memcpy(msg + pl, body, len);
	ok = crypt_hmac_sha256(secret, strlen(secret), msg, pl + len, mac);
	free(msg);
	if (ok)
		str_hex(out, mac, sizeof(mac));
	crypt_cleanse(mac, sizeof(mac));
	return ok;
}

enum err
webhook_verify(const char *secret, const char *header, const char *body,
    size_t len, time_t now, long tolerance, const char **why)
{
	struct sig_header h;
	char want[SIG_HEX + 1];
	bool match = false;
	size_t i;

	if (secret == NULL || secret[0] == '\0') {
		*why = "webhooks are not configured";
		return ERR_INVALID;
	}
	if (header == NULL || header[0] == '\0') {
		*why = "the Stripe-Signature header is missing";
		return ERR_INVALID;
	}
	if (!parse_header(header, &h)) {
		*why = "the Stripe-Signature header is ill-formed";
		return ERR_INVALID;
	}
	if (h.nv1 == 0) {
		*why = "the Stripe-Signature header has no v1 signature";
		return ERR_INVALID;
	}
	if (h.t < (long long)now - tolerance ||
	    h.t > (long long)now + tolerance) {
		*why = "the signature's timestamp is outside the tolerance";
		return ERR_INVALID;
	}
	if (!expected(secret, h.t, body, len, want)) {
		*why = "the signature cannot be checked";
		return ERR_INVALID;
	}
	/* Look at every v1, so the time taken does not tell which matched. */
	for (i = 0; i < h.nv1; i++)
		match |= str_ct_equal(h.v1[i], want, SIG_HEX);
	crypt_cleanse(want, sizeof(want));
	if (!match) {
		*why = "no signature matches the body";
		return ERR_INVALID;
	}
	return ERR_OK;
}

/* ---- the event ------------------------------------------------------ */

static enum webhook_type
type_of(const char *s)
{
	size_t i;

	for (i = 1; i < WH__MAX; i++)
		if (strcmp(s, type_names[i]) == 0)
			return (enum webhook_type)i;
	return WH_OTHER;
}

/* A string member that is a Stripe id with prefix, or NULL. */
static const char *
id_of(struct json_object *o, const char *key, const char *prefix)
{
	const char *s = jx_str(o, key, NULL);

	return stripe_valid_id(s, prefix) ? s : NULL;
}

/* One of our metadata values: 1..META_MAX printable ASCII, or NULL. */
static const char *
meta(struct json_object *md, const char *key)
{
	const char *s;
	size_t n, i;

	if (md == NULL || !json_object_is_type(md, json_type_object) ||
	    (s = jx_str(md, key, &n)) == NULL || n == 0 || n > META_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return NULL;
	return s;
}

static long long
int_of(struct json_object *o, const char *key)
{
	int64_t v;

	return jx_int(o, key, 1, INT32_MAX * 16LL, &v) ? (long long)v : 0;
}

static void
owner_from(struct stripe_event *ev, struct json_object *md)
{
	ev->user_id = meta(md, "user_id");
	ev->subscription_id = meta(md, "subscription_id");
}

static void
read_session(struct stripe_event *ev, struct json_object *o)
{
	const char *ps = jx_str(o, "payment_status", NULL);

	owner_from(ev, jx_get(o, "metadata"));
	/* client_reference_id is the same user: it wins if both are set. */
	if (meta(o, "client_reference_id") != NULL)
		ev->user_id = meta(o, "client_reference_id");
	ev->stripe_sub = id_of(o, "subscription", "sub_");
	ev->customer = id_of(o, "customer", "cus_");
	ev->unpaid = ps != NULL && strcmp(ps, "unpaid") == 0;
}

/* An invoice: the period its first line covers is what it pays for. */
static void
read_invoice(struct stripe_event *ev, struct json_object *o)
{
	struct json_object *sd = jx_get(o, "subscription_details");
	struct json_object *lines = jx_get(o, "lines"), *data, *first, *per;

	if (sd != NULL && json_object_is_type(sd, json_type_object))
		owner_from(ev, jx_get(sd, "metadata"));
	ev->stripe_sub = id_of(o, "subscription", "sub_");
	ev->customer = id_of(o, "customer", "cus_");
	data = lines != NULL ? jx_get(lines, "data") : NULL;
	if (data != NULL && json_object_is_type(data, json_type_array) &&
	    json_object_array_length(data) > 0 &&
	    (first = json_object_array_get_idx(data, 0)) != NULL &&
	    json_object_is_type(first, json_type_object) &&
	    (per = jx_get(first, "period")) != NULL &&
	    json_object_is_type(per, json_type_object))
		ev->period_end = int_of(per, "end");
}

static void
read_subscription(struct stripe_event *ev, struct json_object *o)
{
	owner_from(ev, jx_get(o, "metadata"));
	ev->stripe_sub = id_of(o, "id", "sub_");
	ev->customer = id_of(o, "customer", "cus_");
	ev->period_end = int_of(o, "current_period_end");
}

enum err
webhook_parse_event(struct arena *a, const char *body, size_t len,
    struct stripe_event *ev, const char **why)
{
	struct json_object *root, *data, *obj;
	const char *type;
	size_t tl;

	memset(ev, 0, sizeof(*ev));
	if (jx_parse(a, body, len, LIM_WEBHOOK_BODY_MAX, LIM_STRIPE_JSON_DEPTH,
	    &root, why) != ERR_OK ||
	    !json_object_is_type(root, json_type_object)) {
		*why = "the body is not a JSON object";
		return ERR_INVALID;
	}
	ev->id = id_of(root, "id", "evt_");
	type = jx_str(root, "type", &tl);
	ev->created = int_of(root, "created");
	data = jx_get(root, "data");
	obj = data != NULL && json_object_is_type(data, json_type_object) ?
	    jx_get(data, "object") : NULL;
	if (ev->id == NULL || type == NULL || tl == 0 || tl > 128 ||
	    ev->created == 0 || obj == NULL ||
	    !json_object_is_type(obj, json_type_object)) {
		*why = "the body is not a Stripe event";
		return ERR_INVALID;
	}
	ev->type_name = type;
	switch ((ev->type = type_of(type))) {
	case WH_CHECKOUT_COMPLETED:
		read_session(ev, obj);
		break;
	case WH_INVOICE_PAID:
	case WH_INVOICE_FAILED:
		read_invoice(ev, obj);
		break;
	case WH_SUB_DELETED:
		read_subscription(ev, obj);
		break;
	default:
		break;
	}
	return ERR_OK;
}
