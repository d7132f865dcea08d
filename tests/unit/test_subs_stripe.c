/*
 * test_subs_stripe.c - the lifecycle of API.md "Payments (1.1)" as
 * store/subs_stripe.c decides it (subs_next), every transition and the
 * orders in which Stripe may deliver events; Idempotency-Key syntax.
 */
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "store/idem.h"
#include "store/subscriptions.h"

#include "harness.h"

#define JAN1  1798761600LL   /* 2027-01-01T00:00:00Z */
#define FEB1  1801440000LL   /* 2027-02-01T00:00:00Z */
#define MAR1  1803859200LL   /* 2027-03-01T00:00:00Z */

static struct subs_state
state(const char *status, const char *end, bool customer, bool slot)
{
	struct subs_state s;

	memset(&s, 0, sizeof(s));
	snprintf(s.status, sizeof(s.status), "%s", status);
	snprintf(s.period_end, sizeof(s.period_end), "%s", end);
	snprintf(s.billing_period, sizeof(s.billing_period), "monthly");
	s.has_customer = customer;
	s.holds_slot = slot;
	return s;
}

static struct subs_event
event(enum subs_ev_kind k, long long end)
{
	struct subs_event e;

	memset(&e, 0, sizeof(e));
	e.event_id = "evt_1";
	e.kind = k;
	e.user_id = "u";
	e.subscription_id = "sub_20270101T000000000Z_0123abcd";
	e.stripe_sub = "sub_S";
	e.customer = "cus_C";
	e.created = JAN1;
	e.period_end = end;
	return e;
}

/* Apply ch to s as the store would. */
static void
apply(struct subs_state *s, const struct subs_change *ch)
{
	if (ch->status != NULL)
		snprintf(s->status, sizeof(s->status), "%s", ch->status);
	if (ch->period_end[0] != '\0')
		memcpy(s->period_end, ch->period_end, sizeof(s->period_end));
	if (ch->set_payment)
		s->has_customer = true;
	if (ch->set_canceled_at)
		s->has_canceled_at = true;
	if (ch->free_slot)
		s->holds_slot = false;
}

/* Deliver evs[0..n) in order to a fresh pending subscription. */
static struct subs_state
deliver(const struct subs_event *evs, size_t n)
{
	struct subs_state s = state("pending", "", false, true);
	struct subs_change ch;
	size_t i;

	for (i = 0; i < n; i++)
		if (subs_next(&s, &evs[i], &ch))
			apply(&s, &ch);
	return s;
}

static void
test_transitions(void)
{
	struct subs_state s;
	struct subs_event ev;
	struct subs_change ch;

	CASE("lifecycle: completed makes a pending one active, paid for, "
	    "with an estimated period");
	s = state("pending", "", false, true);
	ev = event(SUBS_EV_COMPLETED, 0);
	CHECK(subs_next(&s, &ev, &ch));
	CHECK_STR(ch.status, "active");
	CHECK(ch.set_payment && ch.activate_slot && !ch.free_slot);
	CHECK_STR(ch.period_end, "2027-02-01T00:00:00Z");
	END_CASE();

	CASE("lifecycle: invoice.paid extends current_period_end");
	s = state("active", "2027-02-01T00:00:00Z", true, true);
	ev = event(SUBS_EV_PAID, MAR1);
	CHECK(subs_next(&s, &ev, &ch));
	CHECK_STR(ch.status, "active");
	CHECK_STR(ch.period_end, "2027-03-01T00:00:00Z");
	CHECK(!ch.set_payment && !ch.activate_slot);
	END_CASE();

	CASE("lifecycle: invoice.payment_failed makes it past_due, period kept");
	s = state("active", "2027-02-01T00:00:00Z", true, true);
	ev = event(SUBS_EV_FAILED, MAR1);
	CHECK(subs_next(&s, &ev, &ch));
	CHECK_STR(ch.status, "past_due");
	CHECK(ch.period_end[0] == '\0' && !ch.free_slot);
	END_CASE();

	CASE("lifecycle: past_due then paid is active again");
	s = state("past_due", "2027-02-01T00:00:00Z", true, true);
	ev = event(SUBS_EV_PAID, MAR1);
	CHECK(subs_next(&s, &ev, &ch));
	CHECK_STR(ch.status, "active");
	CHECK_STR(ch.period_end, "2027-03-01T00:00:00Z");
	END_CASE();

	CASE("lifecycle: customer.subscription.deleted cancels and frees the "
	    "slot (from active, past_due and pending)");
	{
		static const char *const from[] = { "active", "past_due",
		    "pending" };
		size_t i;
		for (i = 0; i < 3; i++) {
			s = state(from[i], "2027-02-01T00:00:00Z", true, true);
			ev = event(SUBS_EV_DELETED, FEB1);
			CHECK(subs_next(&s, &ev, &ch));
			CHECK_STR(ch.status, "canceled");
			CHECK(ch.free_slot && ch.set_canceled_at);
		}
	}
	END_CASE();

	CASE("lifecycle: canceled is final");
	{
		enum subs_ev_kind k;
		s = state("canceled", "2027-02-01T00:00:00Z", true, false);
		for (k = 0; k < SUBS_EV__MAX; k++) {
			ev = event(k, MAR1);
			CHECK(!subs_next(&s, &ev, &ch));
		}
	}
	END_CASE();

	CASE("lifecycle: a pending one that lost its slot (expired, another "
	    "took it) takes no event");
	s = state("pending", "", false, false);
	ev = event(SUBS_EV_COMPLETED, 0);
	CHECK(!subs_next(&s, &ev, &ch));
	ev = event(SUBS_EV_PAID, FEB1);
	CHECK(!subs_next(&s, &ev, &ch));
	END_CASE();

	CASE("lifecycle: a cancel requested keeps canceled_at at deletion");
	s = state("active", "2027-02-01T00:00:00Z", true, true);
	s.has_canceled_at = true;
	ev = event(SUBS_EV_DELETED, FEB1);
	CHECK(subs_next(&s, &ev, &ch));
	CHECK(!ch.set_canceled_at);
	END_CASE();
}

static void
test_orders(void)
{
	struct subs_event c = event(SUBS_EV_COMPLETED, 0);
	struct subs_event p1 = event(SUBS_EV_PAID, FEB1);
	struct subs_event p2 = event(SUBS_EV_PAID, MAR1);
	struct subs_event f2 = event(SUBS_EV_FAILED, MAR1);
	struct subs_event d = event(SUBS_EV_DELETED, MAR1);
	struct subs_state s;

	CASE("order: completed then first invoice.paid, or the reverse, end "
	    "the same");
	{
		struct subs_event a[] = { c, p1 }, b[] = { p1, c };
		struct subs_state sa = deliver(a, 2), sb = deliver(b, 2);
		CHECK_STR(sa.status, "active");
		CHECK_STR(sb.status, "active");
		CHECK_STR(sa.period_end, "2027-02-01T00:00:00Z");
		CHECK_STR(sb.period_end, "2027-02-01T00:00:00Z");
		CHECK(sa.has_customer && sb.has_customer);
	}
	END_CASE();

	CASE("order: a renewal paid before an older invoice's paid: the "
	    "period is never shortened");
	{
		struct subs_event a[] = { c, p2, p1 };
		s = deliver(a, 3);
		CHECK_STR(s.period_end, "2027-03-01T00:00:00Z");
	}
	END_CASE();

	CASE("order: the failure of an invoice delivered after its paid is no "
	    "news");
	{
		struct subs_event a[] = { c, p1, p2, f2 };
		s = deliver(a, 4);
		CHECK_STR(s.status, "active");
	}
	END_CASE();

	CASE("order: failed then paid (a retried card) is active");
	{
		struct subs_event a[] = { c, p1, f2, p2 };
		s = deliver(a, 4);
		CHECK_STR(s.status, "active");
		CHECK_STR(s.period_end, "2027-03-01T00:00:00Z");
	}
	END_CASE();

	CASE("order: deleted before anything else stays canceled");
	{
		struct subs_event a[] = { d, c, p1, p2 };
		s = deliver(a, 4);
		CHECK_STR(s.status, "canceled");
		CHECK(!s.holds_slot);
	}
	END_CASE();

	CASE("order: every event twice in a row ends as once");
	{
		struct subs_event a[] = { c, c, p1, p1, f2, f2, p2, p2 };
		struct subs_event b[] = { c, p1, f2, p2 };
		struct subs_state sa = deliver(a, 8), sb = deliver(b, 4);
		CHECK_STR(sa.status, sb.status);
		CHECK_STR(sa.period_end, sb.period_end);
	}
	END_CASE();
}

static void
test_idem_keys(void)
{
	char k64[LIM_IDEM_KEY_MAX + 2];

	CASE("idempotency key: 1..64 of [A-Za-z0-9_-]");
	memset(k64, 'a', sizeof(k64));
	k64[LIM_IDEM_KEY_MAX] = '\0';
	CHECK(idem_valid_key(k64));
	k64[LIM_IDEM_KEY_MAX] = 'a';
	k64[LIM_IDEM_KEY_MAX + 1] = '\0';
	CHECK(!idem_valid_key(k64));
	CHECK(idem_valid_key("a"));
	CHECK(idem_valid_key("Az09_-"));
	CHECK(!idem_valid_key(""));
	CHECK(!idem_valid_key(NULL));
	CHECK(!idem_valid_key("a b"));
	CHECK(!idem_valid_key("a.b"));
	CHECK(!idem_valid_key("\"a\""));
	END_CASE();
}

int
main(void)
{
	test_transitions();
	test_orders();
	test_idem_keys();
	return harness_done();
}
