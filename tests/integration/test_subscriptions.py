"""test_subscriptions.py - plans, subscriptions and entitlements through
nginx and TLS: every route's answers (200/201/400/401/404/409), the one
active subscription rule under concurrency, and that one user can neither
read, cancel nor detect another user's subscription."""

import base64
import json
import re
import threading
import urllib.parse

from harness import (confirmed_user, cognito_call, cognito_tokens, env, expect, expect_eq,
                     expect_problem, expect_status, get, post, request,
                     request_id, run, secret_hash, test, unique_email)

PASSWORD = "Sub-Test-Pw1!"
SUB_ID = r"sub_\d{8}T\d{9}Z_[0-9a-f]{8}"
RANDOM_ID = "sub_20260101T000000000Z_0123abcd"
FIELDS = ["subscription_id", "plan", "billing_period", "status", "price",
          "currency", "started_at", "current_period_end", "canceled_at",
          "cancel_at_period_end", "pending_until", "checkout_url", "payment",
          "version"]


def new_user(prefix="subs"):
    """A confirmed cognito-local user: (id_token, access_token, sub)."""
    u = confirmed_user(prefix, PASSWORD)
    return u["id_token"], u["access_token"], u["sub"]


def subscribe(token, plan="subscriber", period="monthly", **extra):
    body = {"plan": plan, "billing_period": period}
    body.update(extra)
    return post("/api/v1/subscriptions", json=body, token=token)


def problem_shape(doc):
    """What may not differ between two 404s: everything but request_id."""
    return {k: v for k, v in doc.items() if k != "request_id"}


def expect_time(value, what):
    expect(isinstance(value, str) and
           re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value),
           "%s is not RFC 3339 UTC: %r" % (what, value))


# ------------------------------------------------------------------ plans

@test
def plans_are_public_with_prices_and_limits():
    r = get("/api/v1/plans")
    expect_status(r, 200)
    request_id(r)
    items = r.json["items"]
    expect_eq([p["id"] for p in items], ["free", "subscriber", "premium"],
              "plan ids")
    by_id = {p["id"]: p for p in items}
    expect_eq(by_id["free"]["prices"], [], "free prices")
    expect_eq(by_id["subscriber"]["prices"], [
        {"billing_period": "monthly", "amount": "4.99", "currency": "USD"},
        {"billing_period": "yearly", "amount": "49.99", "currency": "USD"}],
        "subscriber prices")
    expect_eq(by_id["premium"]["prices"], [
        {"billing_period": "monthly", "amount": "9.99", "currency": "USD"},
        {"billing_period": "yearly", "amount": "99.99", "currency": "USD"}],
        "premium prices")
    for pid, limit in (("free", 10), ("subscriber", 30), ("premium", 100)):
        expect_eq(by_id[pid]["features"], {"plant_recommendations": {
            "limit": limit, "period": "month"}}, pid + " features")
        expect(set(by_id[pid]) == {"id", "name", "prices", "features"},
               "plan members: %r" % sorted(by_id[pid]))


# ------------------------------------------------------------ 401 answers

@test
def subscription_routes_need_a_bearer_token():
    for method, path in (("GET", "/api/v1/subscriptions"),
                         ("POST", "/api/v1/subscriptions"),
                         ("GET", "/api/v1/subscriptions/" + RANDOM_ID),
                         ("POST", "/api/v1/subscriptions/%s/cancel"
                          % RANDOM_ID),
                         ("GET", "/api/v1/entitlements")):
        r = request(method, path, json={} if method == "POST" else None)
        expect_problem(r, 401)
        expect_eq(r.headers.get("WWW-Authenticate"), 'Bearer realm="growvrd"',
                  "WWW-Authenticate of %s %s" % (method, path))


@test
def a_tampered_token_is_401_invalid_token():
    tok, _, _ = new_user()
    bad = tok[:-4] + ("AAAA" if not tok.endswith("AAAA") else "BBBB")
    r = get("/api/v1/entitlements", token=bad)
    expect_problem(r, 401)
    expect('error="invalid_token"' in r.headers.get("WWW-Authenticate", ""),
           "WWW-Authenticate: %r" % r.headers.get("WWW-Authenticate"))


# ----------------------------------------------------------- 400 answers

@test
def create_refuses_bad_bodies_before_anything_else():
    tok, _, _ = new_user()
    cases = [
        ({"plan": "gold", "billing_period": "monthly"}, "unknown plan"),
        ({"plan": "free", "billing_period": "monthly"}, "free plan"),
        ({"plan": "subscriber", "billing_period": "weekly"}, "unknown period"),
        ({"plan": "subscriber"}, "missing billing_period"),
        ({"billing_period": "monthly"}, "missing plan"),
        ({"plan": 1, "billing_period": "monthly"}, "plan not a string"),
        ({"plan": "subscriber", "billing_period": "monthly", "x": 1},
         "unknown member"),
        ({"plan": "subscriber", "billing_period": "monthly",
          "payment_method": "card 4242"}, "ill-formed payment_method"),
        ({"plan": "subscriber", "billing_period": "monthly",
          "payment_method": {"card": "4242"}}, "payment_method object"),
    ]
    for body, what in cases:
        r = post("/api/v1/subscriptions", json=body, token=tok)
        doc = expect_problem(r, 400)
        expect(doc["detail"], "empty detail for " + what)
    for raw in ("", "not json", "[]", '{"plan":"subscriber",}'):
        r = post("/api/v1/subscriptions", body=raw, token=tok,
                 headers={"Content-Type": "application/json"})
        expect_problem(r, 400)
    r = get("/api/v1/subscriptions", token=tok)
    expect_status(r, 200)
    expect_eq(r.json["items"], [], "nothing was created")


@test
def free_and_unknown_periods_are_400_even_while_subscribed():
    tok, _, _ = new_user()
    expect_status(subscribe(tok), 201)
    expect_problem(subscribe(tok, plan="free"), 400)
    expect_problem(subscribe(tok, period="daily"), 400)
    expect_problem(subscribe(tok, plan="platinum"), 400)


@test
def list_limit_and_cursor_are_checked():
    tok, _, _ = new_user()
    for q in ("limit=0", "limit=101", "limit=x", "cursor=abc",
              "cursor=e30.AAAAAAAAAAAAAAAAAAAAAA"):
        expect_problem(get("/api/v1/subscriptions?" + q, token=tok), 400)


# ----------------------------------------------------------- happy paths

@test
def create_answers_201_with_location_and_the_subscription():
    tok, _, _ = new_user()
    r = subscribe(tok, plan="premium", period="yearly",
                  payment_method="test_card")
    expect_status(r, 201)
    s = r.json
    expect_eq(list(s), FIELDS, "members in order")
    expect(re.fullmatch(SUB_ID, s["subscription_id"]),
           "subscription_id %r" % s["subscription_id"])
    expect_eq(r.headers.get("Location"),
              "/api/v1/subscriptions/" + s["subscription_id"], "Location")
    expect_eq(r.headers.get("ETag"), '"1"', "ETag")
    expect_eq((s["plan"], s["billing_period"], s["status"], s["price"],
               s["currency"], s["canceled_at"], s["version"]),
              ("premium", "yearly", "active", "99.99", "USD", None, 1),
              "fields")
    expect_time(s["started_at"], "started_at")
    expect_time(s["current_period_end"], "current_period_end")
    start, end = s["started_at"], s["current_period_end"]
    expect_eq(end[4:], start[4:], "yearly keeps month, day and time")
    expect_eq(int(end[:4]), int(start[:4]) + 1, "one year later")
    expect_eq(s["payment"]["provider"], "test_card", "payment provider")
    expect(re.fullmatch(r"ref_[0-9a-f]{16}", s["payment"]["reference"]),
           "payment reference %r" % s["payment"]["reference"])


@test
def monthly_period_ends_one_calendar_month_later():
    tok, _, _ = new_user()
    s = subscribe(tok).json
    y, m, d = (int(x) for x in s["started_at"][:10].split("-"))
    ey, em, ed = (int(x) for x in s["current_period_end"][:10].split("-"))
    expect_eq((ey, em), (y + (m == 12), m % 12 + 1), "next month")
    expect(ed <= d and (ed == d or ed >= 28), "day clamped only at month end")
    expect_eq(s["current_period_end"][10:], s["started_at"][10:], "time kept")
    expect_eq(s["payment"]["provider"], "none", "no payment_method")
    expect_eq((s["price"], s["currency"]), ("4.99", "USD"), "price")


@test
def second_subscription_while_active_is_409():
    tok, _, _ = new_user()
    expect_status(subscribe(tok), 201)
    expect_problem(subscribe(tok, plan="premium"), 409)
    r = get("/api/v1/subscriptions", token=tok)
    expect_eq(len(r.json["items"]), 1, "still one subscription")


@test
def get_returns_the_subscription_with_etag():
    tok, _, _ = new_user()
    s = subscribe(tok).json
    r = get("/api/v1/subscriptions/" + s["subscription_id"], token=tok)
    expect_status(r, 200)
    expect_eq(r.json, s, "same document as created")
    expect_eq(r.headers.get("ETag"), '"1"', "ETag")


@test
def unknown_and_ill_formed_ids_are_404():
    tok, _, _ = new_user()
    shapes = set()
    for sid in (RANDOM_ID, "sub_x", "%23active",
                "%23usage%23plant_recommendations%232026-11",
                "sub_20260101T000000000Z_0123ABCD", "a" * 300):
        for method, path in (("GET", "/api/v1/subscriptions/" + sid),
                             ("POST", "/api/v1/subscriptions/%s/cancel"
                              % sid)):
            doc = expect_problem(request(method, path, token=tok), 404)
            shapes.add(json.dumps(problem_shape(doc), sort_keys=True))
    expect_eq(len(shapes), 1, "one 404 answer for every unknown id")


@test
def cancel_is_immediate_and_idempotent():
    tok, _, _ = new_user()
    s = subscribe(tok, plan="premium").json
    expect_eq(get("/api/v1/entitlements", token=tok).json["tier"], "premium",
              "tier while active")
    path = "/api/v1/subscriptions/%s/cancel" % s["subscription_id"]
    r = post(path, token=tok)
    expect_status(r, 200)
    c = r.json
    expect_eq(c["status"], "canceled", "status")
    expect_time(c["canceled_at"], "canceled_at")
    expect_eq(c["version"], 2, "version")
    expect_eq(r.headers.get("ETag"), '"2"', "ETag")
    for k in ("subscription_id", "plan", "price", "started_at",
              "current_period_end", "payment"):
        expect_eq(c[k], s[k], k + " unchanged")
    expect_eq(get("/api/v1/entitlements", token=tok).json["tier"], "free",
              "tier after cancel")
    again = post(path, token=tok)
    expect_status(again, 200)
    expect_eq(again.json, c, "second cancel answers the same document")
    got = get("/api/v1/subscriptions/" + s["subscription_id"], token=tok)
    expect_eq(got.json, c, "GET after cancel")


@test
def after_cancel_a_new_subscription_can_be_made():
    tok, _, _ = new_user()
    a = subscribe(tok).json
    expect_status(post("/api/v1/subscriptions/%s/cancel"
                       % a["subscription_id"], token=tok), 200)
    r = subscribe(tok, plan="premium", period="monthly")
    expect_status(r, 201)
    expect(r.json["subscription_id"] != a["subscription_id"], "a new id")
    expect_eq(get("/api/v1/entitlements", token=tok).json["tier"], "premium",
              "tier")


@test
def list_is_newest_first_and_pages_with_cursors():
    tok, _, _ = new_user()
    made = []
    for plan in ("subscriber", "premium", "subscriber"):
        s = subscribe(tok, plan=plan).json
        made.append(s["subscription_id"])
        expect_status(post("/api/v1/subscriptions/%s/cancel"
                           % s["subscription_id"], token=tok), 200)
    r = get("/api/v1/subscriptions", token=tok)
    expect_status(r, 200)
    expect_eq([s["subscription_id"] for s in r.json["items"]],
              list(reversed(made)), "newest first")
    expect(r.json["next_cursor"] is None, "one page")
    seen, cursor = [], None
    for _ in range(5):
        q = "limit=2" + ("&cursor=" + urllib.parse.quote(cursor)
                         if cursor else "")
        r = get("/api/v1/subscriptions?" + q, token=tok)
        expect_status(r, 200)
        seen += [s["subscription_id"] for s in r.json["items"]]
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    expect_eq(seen, list(reversed(made)), "paged newest first")
    r = get("/api/v1/subscriptions?limit=1", token=tok)
    cur = r.json["next_cursor"]
    expect(cur, "a cursor after the first of three")
    tampered = cur[:-1] + ("A" if cur[-1] != "A" else "B")
    expect_problem(get("/api/v1/subscriptions?cursor="
                       + urllib.parse.quote(tampered), token=tok), 400)
    other, _, _ = new_user()
    expect_problem(get("/api/v1/subscriptions?cursor="
                       + urllib.parse.quote(cur), token=other), 400)


@test
def list_shows_no_helper_items():
    tok, _, _ = new_user()
    subscribe(tok)
    get("/api/v1/recommendations?limit=1", token=tok)
    items = get("/api/v1/subscriptions", token=tok).json["items"]
    expect_eq(len(items), 1, "only the subscription")
    expect_eq(list(items[0]), FIELDS, "members")


@test
def entitlements_start_free_and_follow_the_plan():
    tok, _, _ = new_user()
    r = get("/api/v1/entitlements", token=tok)
    expect_status(r, 200)
    expect_eq(r.json, {"tier": "free", "features": {"plant_recommendations": {
        "access": True, "limit": 10, "used": 0, "remaining": 10}}}, "free")
    subscribe(tok, plan="subscriber", period="yearly")
    r = get("/api/v1/entitlements", token=tok)
    expect_eq(r.json["tier"], "subscriber", "tier")
    expect_eq(r.json["features"]["plant_recommendations"]["limit"], 30,
              "limit")


@test
def access_tokens_work_as_bearer_too():
    id_tok, access, _ = new_user()
    r = subscribe(access)
    expect_status(r, 201)
    sid = r.json["subscription_id"]
    expect_status(get("/api/v1/subscriptions/" + sid, token=id_tok), 200)
    expect_status(get("/api/v1/subscriptions/" + sid, token=access), 200)
    expect_eq(get("/api/v1/entitlements", token=access).json["tier"],
              "subscriber", "tier via access token")


# ------------------------------------------------------------------ IDOR

@test
def another_user_can_neither_read_nor_cancel_nor_detect_it():
    a, _, _ = new_user("idor-a")
    b, _, _ = new_user("idor-b")
    s = subscribe(a, plan="premium").json
    sid = s["subscription_id"]
    theirs = expect_problem(get("/api/v1/subscriptions/" + sid, token=b), 404)
    random = expect_problem(get("/api/v1/subscriptions/" + RANDOM_ID,
                                token=b), 404)
    expect_eq(problem_shape(theirs), problem_shape(random),
              "same 404 as a random id")
    theirs = expect_problem(post("/api/v1/subscriptions/%s/cancel" % sid,
                                 token=b), 404)
    random = expect_problem(post("/api/v1/subscriptions/%s/cancel"
                                 % RANDOM_ID, token=b), 404)
    expect_eq(problem_shape(theirs), problem_shape(random),
              "same 404 on cancel")
    expect_eq(get("/api/v1/subscriptions", token=b).json["items"], [],
              "B lists nothing")
    expect_eq(get("/api/v1/entitlements", token=b).json["tier"], "free",
              "B stays free")
    r = get("/api/v1/subscriptions/" + sid, token=a)
    expect_eq(r.json["status"], "active", "A's subscription untouched")
    expect_eq(r.json["version"], 1, "A's version untouched")
    expect_status(subscribe(b), 201)


# ----------------------------------------------------------- concurrency

@test
def two_parallel_subscribes_make_exactly_one():
    for _ in range(3):
        tok, _, _ = new_user("race")
        results = [None, None]
        barrier = threading.Barrier(2)

        def go(i, plan):
            barrier.wait()
            results[i] = subscribe(tok, plan=plan)

        threads = [threading.Thread(target=go, args=(0, "subscriber")),
                   threading.Thread(target=go, args=(1, "premium"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(r.status for r in results)
        expect_eq(statuses, [201, 409], "statuses")
        items = get("/api/v1/subscriptions", token=tok).json["items"]
        expect_eq([s["status"] for s in items], ["active"], "one active")


@test
def parallel_cancels_agree():
    tok, _, _ = new_user("race-cancel")
    sid = subscribe(tok).json["subscription_id"]
    results = [None] * 4
    barrier = threading.Barrier(4)

    def go(i):
        barrier.wait()
        results[i] = post("/api/v1/subscriptions/%s/cancel" % sid, token=tok)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect_eq([r.status for r in results], [200] * 4, "statuses")
    expect_eq(len({json.dumps(r.json, sort_keys=True) for r in results}), 1,
              "one document")
    expect_eq(results[0].json["version"], 2, "canceled once")


if __name__ == "__main__":
    run()
