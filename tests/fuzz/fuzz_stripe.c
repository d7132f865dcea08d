/*
 * libFuzzer: what Stripe sends us.  The input is split at its first
 * newline: before it a Stripe-Signature header, after it a body that is
 * parsed as an API answer (stripe_parse_answer), as a webhook event
 * (webhook_parse_event) and checked against the header
 * (webhook_verify).  Whatever a parser accepts must hold the bounds and
 * shapes it promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "pay/stripe.h"
#include "pay/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
id_or_null(const char *s, const char *prefix)
{
	if (s != NULL && !stripe_valid_id(s, prefix))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(1 << 24);
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hl = nl != NULL ? (size_t)(nl - data) : 0;
	const char *body = (const char *)data + (nl != NULL ? hl + 1 : 0);
	size_t blen = size - (nl != NULL ? hl + 1 : 0);
	char *header = malloc(hl + 1);
	struct json_object *o;
	struct stripe_fail f;
	struct stripe_event ev;
	const char *why;

	memcpy(header, data, hl);
	header[hl] = '\0';
	memset(&f, 0, sizeof(f));
	if (stripe_parse_answer(a, body, blen, &o, &f) == ERR_OK &&
	    !json_object_is_type(o, json_type_object))
		abort();
	if (strlen(f.type) >= sizeof(f.type) || strlen(f.code) >= sizeof(f.code))
		abort();
	if (webhook_parse_event(a, body, blen, &ev, &why) == ERR_OK) {
		if (!stripe_valid_id(ev.id, "evt_") || ev.created <= 0 ||
		    (unsigned)ev.type >= WH__MAX || ev.period_end < 0)
			abort();
		id_or_null(ev.stripe_sub, "sub_");
		id_or_null(ev.customer, "cus_");
		if (ev.user_id != NULL && strlen(ev.user_id) > 128)
			abort();
	}
	/* A fuzzer cannot forge an HMAC: any pass would be a bug. */
	if (webhook_verify("whsec_fuzz", header, body, blen, 1800000000,
	    WEBHOOK_TOLERANCE, &why) == ERR_OK)
		abort();
	free(header);
	arena_free(a);
	return 0;
}
