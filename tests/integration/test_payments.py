"""test_payments.py - payments through Stripe (API.md "Payments (1.1)")
through nginx and TLS, against the local Stripe stand-in
(tests/stripe/standin.mjs): Checkout on create, the webhook route's
signature checks, every lifecycle transition, events out of order, twice
and before the create's own answer, pending expiry, cancel at the period
end, the Billing Portal, the Idempotency-Key of POST /api/v1/subscriptions
(issue 12), and that every request of the C client and every answer of
the stand-in matched Stripe's OpenAPI description.

tests/run-all runs this file twice: with PAYMENTS=off (the workers have no
STRIPE_SECRET_KEY: API 1.0's behaviour is kept) and with PAYMENTS=on.
"""

import hashlib
import hmac
import json
import os
import threading
import time
import urllib.request

from harness import (confirmed_user, ddb_local, env, expect, expect_eq,
                     expect_problem, expect_status, get, post, request, run,
                     test)

PASSWORD = "Pay-Test-Pw1!"
ON = os.environ.get("PAYMENTS", "on") == "on"
WEBHOOK = "/api/v1/webhooks/stripe"


def only(mode):
    """Run the test only with payments on (True) or off (False)."""
    def wrap(fn):
        return test(fn) if ON == mode else fn
    return wrap


# ------------------------------------------------------------- helpers

def standin(method, path, body=None):
    """A call to the stand-in's pages and test controls (JSON)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(env("STANDIN_URL") + path, data=data,
                                 method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def user():
    u = confirmed_user("pay", PASSWORD)
    return u["id_token"], u["sub"]


def create(token, plan="premium", period="monthly", key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return post("/api/v1/subscriptions", json={"plan": plan,
                "billing_period": period}, token=token, headers=headers)


def sub_get(token, sid):
    r = get("/api/v1/subscriptions/" + sid, token=token)
    expect_status(r, 200)
    return r.json


def tier(token):
    r = get("/api/v1/entitlements", token=token)
    expect_status(r, 200)
    return r.json["tier"]


def wait_for(token, sid, pred, what, secs=20):
    """Poll the subscription until pred(item) (webhooks are async)."""
    end = time.monotonic() + secs
    s = None
    while time.monotonic() < end:
        s = sub_get(token, sid)
        if pred(s):
            return s
        time.sleep(0.2)
    raise AssertionError("%s: still %r" % (what, s))


def checkout_id(s):
    return s["checkout_url"].rsplit("/", 1)[1]


def pay(s, deliver=True):
    """Press Pay on the stand-in's checkout page; the events made."""
    status, ans = standin("POST", "/checkout/%s/pay?json=1%s" % (
        checkout_id(s), "" if deliver else "&deliver=0"))
    expect_eq(status, 200, "pay at the stand-in")
    return ans["events"]


def control(stripe_sub, what, deliver=True):
    status, ans = standin("POST", "/_standin/subscriptions/%s/%s%s" % (
        stripe_sub, what, "" if deliver else "?deliver=0"))
    expect_eq(status, 200, "stand-in " + what)
    return ans["events"]


def deliver(ev, header=None, body=None):
    """POST one event to the webhook route as Stripe does."""
    return request("POST", WEBHOOK, body=(body or ev["payload"]).encode(),
                   headers={"Content-Type": "application/json; charset=utf-8",
                            "Stripe-Signature": header or ev["header"]})


def secret():
    return env("STRIPE_WEBHOOK_SECRET")


def sign(payload, key=None, t=None):
    t = int(time.time()) if t is None else t
    mac = hmac.new((key or secret()).encode(), ("%d.%s" % (t, payload)).encode(),
                   hashlib.sha256).hexdigest()
    return t, mac


def paid_subscription(token, plan="premium"):
    r = create(token, plan)
    expect_status(r, 201)
    pay(r.json)
    return wait_for(token, r.json["subscription_id"],
                    lambda s: s["status"] == "active", "activation")


# ------------------------------------------------------- without Stripe

@only(False)
def without_stripe_create_is_active_at_once_with_provider_none():
    token, _ = user()
    r = create(token, "subscriber")
    expect_status(r, 201)
    expect_eq(r.json["status"], "active", "status")
    expect_eq(r.json["payment"]["provider"], "none", "provider")
    expect_eq(r.json["checkout_url"], None, "no checkout")
    expect_eq(tier(token), "subscriber", "tier at once")


@only(False)
def without_stripe_the_webhook_route_refuses_and_the_portal_is_404():
    expect_problem(request("POST", WEBHOOK, body=b"{}", headers={
        "Content-Type": "application/json"}), 400)
    token, _ = user()
    expect_problem(post("/api/v1/billing/portal", token=token), 404)


@only(False)
def without_stripe_idempotency_key_replays_the_first_answer():
    token, _ = user()
    r1 = create(token, "subscriber", key="k-off-1")
    r2 = create(token, "subscriber", key="k-off-1")
    expect_status(r1, 201)
    expect_status(r2, 201)
    expect_eq(r2.json["subscription_id"], r1.json["subscription_id"], "same")
    expect_eq(r2.headers.get("Idempotent-Replayed"), "true", "replayed")


# ------------------------------------------------------------ Checkout

@only(True)
def create_makes_a_pending_subscription_with_a_checkout_url():
    token, sub = user()
    r = create(token)
    expect_status(r, 201)
    s = r.json
    expect_eq(s["status"], "pending", "status")
    expect(s["checkout_url"].startswith(env("STANDIN_URL") + "/checkout/cs_"),
           "checkout at the stand-in: %r" % s["checkout_url"])
    expect_eq(s["payment"], {"provider": "stripe"}, "payment")
    expect_eq(s["current_period_end"], None, "no period yet")
    expect(s["pending_until"] is not None, "pending_until")
    expect_eq(r.headers.get("Location"),
              "/api/v1/subscriptions/" + s["subscription_id"], "Location")
    expect_eq(tier(token), "free", "pending grants nothing")
    expect_problem(create(token, "subscriber"), 409)


@only(True)
def paying_makes_it_active_with_stripe_references():
    token, _ = user()
    s = paid_subscription(token)
    expect(s["payment"]["reference"].startswith("sub_"), "reference")
    expect(s["payment"]["customer"].startswith("cus_"), "customer")
    expect_eq(s["payment"]["provider"], "stripe", "provider")
    expect(s["current_period_end"] is not None, "period end")
    expect_eq(s["checkout_url"], None, "no checkout once paid")
    expect_eq(tier(token), "premium", "tier")
    expect_problem(create(token, "subscriber"), 409)


@only(True)
def the_checkout_page_pays_or_cancels_and_goes_back_to_the_app():
    token, _ = user()
    s = create(token, "subscriber", "yearly").json
    with urllib.request.urlopen(s["checkout_url"], timeout=10) as r:
        page = r.read().decode()
    expect("49.99 USD per year" in page, "the page shows the price")
    opener = urllib.request.build_opener(NoRedirect)
    for action, result in (("cancel", "canceled"), ("pay", "success")):
        req = urllib.request.Request(s["checkout_url"] + "/" + action,
                                     data=b"", method="POST")
        try:
            opener.open(req, timeout=20)
            raise AssertionError("no redirect")
        except urllib.error.HTTPError as e:
            expect_eq(e.code, 303, action)
            loc = e.headers["Location"]
            expect(loc.startswith(env("GROWVRD_PUBLIC_URL") +
                                  "/#/billing/return?result=" + result),
                   "back to the app: %r" % loc)
    wait_for(token, s["subscription_id"], lambda x: x["status"] == "active",
             "paid through the page")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


# ----------------------------------------------------------- signatures

@only(True)
def webhook_signatures():
    token, _ = user()
    r = create(token)
    events = pay(r.json, deliver=False)
    ev = events[0]
    payload = ev["payload"]
    now = int(time.time())
    t, good = sign(payload)
    _, wrong = sign(payload, key="whsec_not_ours")
    cases = [
        ("wrong secret", "t=%d,v1=%s" % (t, wrong), payload, 400),
        ("stale t", "t=%d,v1=%s" % sign(payload, t=now - 400), payload, 400),
        ("future t", "t=%d,v1=%s" % sign(payload, t=now + 400), payload, 400),
        ("only v0", "t=%d,v0=%s" % (t, good), payload, 400),
        ("malformed", "v1=%s" % good, payload, 400),
        ("garbage", "x", payload, 400),
        ("one byte changed", "t=%d,v1=%s" % (t, good),
         payload.replace('"id"', '"iD"', 1), 400),
        ("several v1, one valid", "t=%d,v1=%s,v1=%s" % (t, wrong, good),
         payload, 200),
    ]
    for name, header, body, status in cases:
        rr = deliver(ev, header=header, body=body)
        if status == 400:
            expect_problem(rr, 400)
        else:
            expect_eq(rr.status, status, name)
    # Stripe's own SDK made this header (webhooks.generateTestHeaderString).
    status, ans = standin("POST", "/_standin/sign", {"payload": payload})
    rr = deliver(ev, header=ans["header"])
    expect_eq(rr.status, 200, "the SDK's header")
    expect_eq(rr.json["outcome"], "repeat", "already applied once")
    no = request("POST", WEBHOOK, body=payload.encode(), headers={
        "Content-Type": "application/json"})
    expect_problem(no, 400)


@only(True)
def a_repeated_event_changes_nothing():
    token, _ = user()
    r = create(token)
    events = pay(r.json, deliver=False)
    for ev in events:
        # invoice.paid of the period completed already set: no change
        expect(deliver(ev).json["outcome"] in ("applied", "ignored"),
               ev["type"])
    s1 = sub_get(token, r.json["subscription_id"])
    for ev in events:
        rr = deliver(ev)
        expect_eq(rr.status, 200, "repeat status")
        expect_eq(rr.json["outcome"], "repeat", "repeat")
    s2 = sub_get(token, r.json["subscription_id"])
    expect_eq(s2["version"], s1["version"], "version unchanged")


@only(True)
def an_event_of_another_kind_is_200_and_ignored():
    payload = json.dumps({"id": "evt_other1", "object": "event",
                          "type": "customer.created", "created": int(time.time()),
                          "data": {"object": {"id": "cus_x"}}})
    t, mac = sign(payload)
    rr = request("POST", WEBHOOK, body=payload.encode(), headers={
        "Content-Type": "application/json", "Stripe-Signature":
        "t=%d,v1=%s" % (t, mac)})
    expect_eq(rr.status, 200, "status")
    expect_eq(rr.json["outcome"], "ignored", "outcome")


@only(True)
def webhook_bodies_up_to_512_kib_pass_nginx_and_the_worker():
    """LIM_WEBHOOK_BODY_MAX (and nginx's client_max_body_size for the
    route): exactly 512 KiB is read and checked, one byte more is 413."""
    limit = 512 * 1024

    def event_of(size):
        head = {"id": "evt_big%d" % size, "object": "event",
                "type": "customer.updated", "created": int(time.time()),
                "data": {"object": {"id": "cus_big", "pad": ""}}}
        text = json.dumps(head)
        return text.replace('"pad": ""', '"pad": "%s"' % (
            "x" * (size - len(text))))
    for size, status in ((limit, 200), (limit + 1, 413)):
        payload = event_of(size)
        expect_eq(len(payload), size, "body size")
        t, mac = sign(payload)
        rr = request("POST", WEBHOOK, body=payload.encode(), headers={
            "Content-Type": "application/json",
            "Stripe-Signature": "t=%d,v1=%s" % (t, mac)})
        expect_eq(rr.status, status, "%d bytes" % size)
    # the API's other routes keep 64 KiB
    token, _ = user()
    r = post("/api/v1/subscriptions", body=b'{"plan":"' + b"x" * 70000 +
             b'"}', headers={"Content-Type": "application/json"}, token=token)
    expect_eq(r.status, 413, "64 KiB elsewhere")


# ------------------------------------------------------------ lifecycle

@only(True)
def lifecycle_renew_fail_recover_cancel_end():
    token, _ = user()
    s = paid_subscription(token)
    sid, ref = s["subscription_id"], s["payment"]["reference"]
    end1 = s["current_period_end"]
    control(ref, "renew")
    s = wait_for(token, sid, lambda x: x["current_period_end"] > end1,
                 "invoice.paid extends the period")
    end2 = s["current_period_end"]
    control(ref, "fail")
    s = wait_for(token, sid, lambda x: x["status"] == "past_due", "past_due")
    expect_eq(s["current_period_end"], end2, "period kept")
    expect_eq(tier(token), "premium", "past_due keeps the tier until the end")
    control(ref, "renew")
    s = wait_for(token, sid, lambda x: x["status"] == "active", "recovered")
    r = post("/api/v1/subscriptions/%s/cancel" % sid, token=token)
    expect_status(r, 200)
    expect_eq(r.json["status"], "active", "still active until the end")
    expect(r.json["canceled_at"] is not None, "canceled_at set")
    expect_eq(r.json["cancel_at_period_end"], True, "cancel_at_period_end")
    expect_eq(tier(token), "premium", "tier kept until the period end")
    r2 = post("/api/v1/subscriptions/%s/cancel" % sid, token=token)
    expect_eq(r2.json["canceled_at"], r.json["canceled_at"], "idempotent")
    control(ref, "delete")
    s = wait_for(token, sid, lambda x: x["status"] == "canceled", "deleted")
    expect_eq(s["canceled_at"], r.json["canceled_at"], "canceled_at kept")
    expect_eq(tier(token), "free", "free after the end")
    r = create(token, "subscriber")
    expect_status(r, 201)


@only(True)
def canceling_a_pending_subscription_ends_it_and_its_checkout():
    token, _ = user()
    s = create(token).json
    r = post("/api/v1/subscriptions/%s/cancel" % s["subscription_id"],
             token=token)
    expect_status(r, 200)
    expect_eq(r.json["status"], "canceled", "canceled at once")
    status, ans = standin("POST", "/checkout/%s/pay?json=1" % checkout_id(s))
    expect_eq(status, 400, "the checkout can no longer be paid")
    expect_status(create(token, "subscriber"), 201)


# ---------------------------------------------------------------- races

@only(True)
def events_out_of_order_end_right():
    token, _ = user()
    r = create(token)
    completed, paid = pay(r.json, deliver=False)
    expect_eq(deliver(paid).json["outcome"], "applied", "paid first")
    expect_eq(deliver(completed).status, 200, "then completed")
    s = sub_get(token, r.json["subscription_id"])
    expect_eq(s["status"], "active", "active")
    expect(s["payment"]["customer"].startswith("cus_"), "customer")
    ref = s["payment"]["reference"]
    end = s["current_period_end"]
    renew = control(ref, "renew", deliver=False)[0]
    fail = control(ref, "fail", deliver=False)[0]
    renew2 = control(ref, "renew", deliver=False)[0]
    # the second period's failure arrives after its later payment
    for ev in (renew, renew2, fail):
        expect_eq(deliver(ev).status, 200, ev["type"])
    s = sub_get(token, r.json["subscription_id"])
    expect_eq(s["status"], "active", "a stale failure changes nothing")
    expect(s["current_period_end"] > end, "period extended")
    deleted = control(ref, "delete", deliver=False)[0]
    expect_eq(deliver(deleted).json["outcome"], "applied", "deleted")
    expect_eq(deliver(renew).json["outcome"], "repeat", "old renew again")
    s = sub_get(token, r.json["subscription_id"])
    expect_eq(s["status"], "canceled", "canceled stays canceled")


@only(True)
def duplicates_delivered_at_once_are_applied_once():
    token, _ = user()
    r = create(token)
    completed, paid = pay(r.json, deliver=False)
    outcomes = []

    def go(ev):
        outcomes.append((ev["id"], deliver(ev).json["outcome"]))
    threads = [threading.Thread(target=go, args=(ev,))
               for ev in (completed, completed, paid, paid, completed, paid)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for ev in (completed, paid):
        mine = [o for i, o in outcomes if i == ev["id"]]
        expect_eq(sum(o != "repeat" for o in mine),
                  1, "%s handled once: %r" % (ev["type"], mine))
    s = sub_get(token, r.json["subscription_id"])
    expect_eq(s["status"], "active", "active")


@only(True)
def events_before_the_create_answers_end_right():
    """The stand-in pays the session and delivers its events before it
    answers the worker's POST /v1/checkout/sessions: the webhook is served
    by the other worker while the create is between storing the pending
    subscription and recording its checkout."""
    token, _ = user()
    status, _ = standin("POST", "/_standin/autopay", {"next": 1})
    expect_eq(status, 200, "arm autopay")
    r = create(token)
    expect_status(r, 201)
    s = wait_for(token, r.json["subscription_id"],
                 lambda x: x["status"] == "active", "active")
    expect(s["payment"]["customer"].startswith("cus_"), "customer kept")
    expect_eq(tier(token), "premium", "tier")


# --------------------------------------------------------- pending expiry

ddb = ddb_local


@only(True)
def a_pending_subscription_expires_after_24_hours():
    token, sub = user()
    s = create(token).json
    past = int(time.time()) - 60
    # 24 h later: what the clock would make of the stored deadlines
    ddb("UpdateItem", {"TableName": env("SUBSCRIPTIONS_TABLE"),
        "Key": {"user_id": {"S": sub}, "subscription_id": {"S": "#active"}},
        "UpdateExpression": "SET pending_until = :p",
        "ExpressionAttributeValues": {":p": {"N": str(past)}}})
    ddb("UpdateItem", {"TableName": env("SUBSCRIPTIONS_TABLE"),
        "Key": {"user_id": {"S": sub}, "subscription_id": {"S": s["subscription_id"]}},
        "UpdateExpression": "SET pending_until = :p",
        "ExpressionAttributeValues": {":p": {"S": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(past))}}})
    old = sub_get(token, s["subscription_id"])
    expect_eq(old["status"], "canceled", "expired shows as canceled")
    expect_eq(old["checkout_url"], None, "no checkout")
    r = create(token, "subscriber")
    expect_status(r, 201)
    expect_eq(r.json["status"], "pending", "a new one may be made")


# ----------------------------------------------------------------- portal

@only(True)
def billing_portal_for_the_customer_or_404():
    token, _ = user()
    expect_problem(post("/api/v1/billing/portal", token=token), 404)
    paid_subscription(token)
    r = post("/api/v1/billing/portal", token=token)
    expect_status(r, 200)
    expect(r.json["url"].startswith(env("STANDIN_URL") + "/portal/bps_"),
           "portal url %r" % r.json["url"])
    expect_problem(post("/api/v1/billing/portal"), 401)


# -------------------------------------------------------- Idempotency-Key

@only(True)
def idempotency_key_cases():
    token, _ = user()
    r1 = create(token, key="order-1")
    expect_status(r1, 201)
    r2 = create(token, key="order-1")
    expect_status(r2, 201)
    expect_eq(r2.json["subscription_id"], r1.json["subscription_id"], "same")
    expect_eq(r2.headers.get("Location"), r1.headers.get("Location"), "Location")
    expect_eq(r2.headers.get("Idempotent-Replayed"), "true", "replayed")
    expect_problem(create(token, "subscriber", key="order-1"), 422)
    expect_problem(create(token, key="bad key!"), 400)
    expect_problem(create(token, key="x" * 65), 400)
    expect_status(create(token, key="x" * 64), 409)   # a new key, slot taken
    # another caller's key of the same name is another key
    token2, _ = user()
    expect_status(create(token2, key="order-1"), 201)


@only(True)
def idempotency_key_while_the_first_runs_is_409():
    token, _ = user()
    status, _ = standin("POST", "/_standin/fault", {"next": 2, "status": 0,
                                                    "delay_ms": 1500})
    expect_eq(status, 200, "slow Stripe armed")
    first = []
    th = threading.Thread(target=lambda: first.append(create(token, key="slow-1")))
    th.start()
    time.sleep(0.8)
    expect_problem(create(token, key="slow-1"), 409)
    th.join()
    expect_status(first[0], 201)
    again = create(token, key="slow-1")
    expect_eq(again.json["subscription_id"], first[0].json["subscription_id"],
              "the first answer, replayed")


@only(True)
def while_stripe_is_down_create_is_503_with_retry_after_and_leaves_nothing():
    token, _ = user()
    status, _ = standin("POST", "/_standin/fault", {"next": 3, "status": 503})
    expect_eq(status, 200, "outage armed")
    r = create(token, key="down-1")
    expect_problem(r, 503)
    expect_eq(r.headers.get("Retry-After"), "30", "Retry-After")
    expect_eq(get("/api/v1/subscriptions", token=token).json["items"], [],
              "nothing stored")
    r = create(token, key="down-1")      # a 5xx is not kept: runs again
    expect_status(r, 201)
    expect_eq(r.json["status"], "pending", "made once Stripe is back")


@only(True)
def a_checkout_failing_after_the_price_frees_the_slot():
    token, _ = user()
    # the price lookup passes, the session fails to the end
    status, _ = standin("POST", "/_standin/fault", {
        "next": 3, "status": 500, "path": "/v1/checkout/sessions"})
    expect_eq(status, 200, "armed")
    r = create(token)
    expect_problem(r, 503)
    items = get("/api/v1/subscriptions", token=token).json["items"]
    expect(all(s["status"] == "canceled" for s in items),
           "an abandoned pending one at most: %r" % items)
    expect_status(create(token, "subscriber"), 201)


@only(True)
def idempotency_key_parallel_requests_make_one_subscription():
    token, _ = user()
    out = []

    def go():
        out.append(create(token, key="par-1"))
    threads = [threading.Thread(target=go) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    ids = {r.json["subscription_id"] for r in out if r.status == 201}
    expect_eq(len(ids), 1, "one subscription: %r" % [r.status for r in out])
    expect(all(r.status in (201, 409) for r in out), "201 or 409 (running)")
    items = get("/api/v1/subscriptions", token=token).json["items"]
    expect_eq(len(items), 1, "one stored")


# ------------------------------------------------------------ faithfulness

@only(True)
def the_c_client_and_the_stand_in_match_stripes_openapi_description():
    status, ans = standin("GET", "/_standin/violations")
    expect_eq(ans["violations"], [], "OpenAPI violations")
    status, ans = standin("GET", "/_standin/requests")
    ops = {(q["method"], q["oas_path"]) for q in ans["requests"]}
    for op in (("GET", "/v1/prices"), ("POST", "/v1/checkout/sessions"),
               ("POST", "/v1/subscriptions/{subscription_exposed_id}"),
               ("POST", "/v1/billing_portal/sessions"),
               ("POST", "/v1/checkout/sessions/{session}/expire")):
        expect(op in ops, "the C client made %s %s" % op)
    for q in ans["requests"]:
        expect_eq(q["stripe_version"], "2024-04-10", "Stripe-Version")
        if q["method"] == "POST":
            expect(q["idempotency_key"], "Idempotency-Key on every POST")


if __name__ == "__main__":
    run()
