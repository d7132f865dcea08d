"""test_recommendations.py - GET /api/v1/recommendations through nginx and
TLS: parameter checks, the ranked answer, the monthly quota of the
caller's tier (429 with Retry-After when used up), and that the quota
counter is exact under 50 concurrent calls."""

import calendar
import datetime
import threading

from harness import (confirmed_user, ddb_local, env, expect, expect_eq,
                     expect_problem, expect_status, get, post, request, run,
                     test)

PASSWORD = "Rec-Test-Pw1!"
PATH = "/api/v1/recommendations"


def new_user(prefix="rec"):
    """A confirmed cognito-local user: (id_token, sub)."""
    u = confirmed_user(prefix, PASSWORD)
    return u["id_token"], u["sub"]


def period():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")


def seconds_to_next_month():
    now = datetime.datetime.now(datetime.timezone.utc)
    y, m = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    start = calendar.timegm((y, m, 1, 0, 0, 0))
    return start - int(now.timestamp())




ddb = ddb_local


def counter_key(sub):
    return {"user_id": {"S": sub}, "subscription_id": {
        "S": "#usage#plant_recommendations#" + period()}}


def stored_count(sub):
    item = ddb("GetItem", {"TableName": env("SUBSCRIPTIONS_TABLE",
                                             "Subscriptions"),
                           "Key": counter_key(sub),
                           "ConsistentRead": True}).get("Item")
    return int(item["used"]["N"]) if item else 0


def set_count(sub, used):
    ddb("UpdateItem", {"TableName": env("SUBSCRIPTIONS_TABLE",
                                         "Subscriptions"),
                       "Key": counter_key(sub),
                       "UpdateExpression": "SET #u = :u",
                       "ExpressionAttributeNames": {"#u": "used"},
                       "ExpressionAttributeValues": {":u": {"N": str(used)}}})


def used(tok):
    r = get("/api/v1/entitlements", token=tok)
    expect_status(r, 200)
    return r.json["features"]["plant_recommendations"]


def expect_quota_429(r):
    doc = expect_problem(r, 429)
    expect_eq(doc["type"], "/problems/quota-exceeded", "problem type")
    ra = r.headers.get("Retry-After")
    expect(ra is not None and ra.isdigit(), "Retry-After: %r" % ra)
    expect(abs(int(ra) - seconds_to_next_month()) <= 120,
           "Retry-After %s, expected about %d" % (ra, seconds_to_next_month()))


@test
def recommendations_need_a_bearer_token():
    r = get(PATH)
    expect_problem(r, 401)
    expect_eq(r.headers.get("WWW-Authenticate"), 'Bearer realm="growvrd"',
              "WWW-Authenticate")


@test
def ill_formed_parameters_are_400_and_cost_nothing():
    tok, _ = new_user()
    for q in ("experience=novice", "experience=", "limit=0", "limit=101",
              "limit=x", "limit=-1", "pet_safe=yes", "pet_safe=1",
              "light=dark", "light=", "location=Living%20Room",
              "location=", "location=" + "a" * 33, "location=kitchen%3B"):
        doc = expect_problem(get(PATH + "?" + q, token=tok), 400)
        expect(doc["detail"], "detail for " + q)
    expect_eq(used(tok)["used"], 0, "nothing counted")


@test
def answer_is_ranked_with_reasons_and_quota():
    tok, _ = new_user()
    r = get(PATH + "?location=kitchen&light=direct&experience=beginner",
            token=tok)
    expect_status(r, 200)
    body = r.json
    expect_eq(set(body), {"items", "quota"}, "members")
    expect_eq(body["quota"], {"used": 1, "limit": 10, "period": period()},
              "quota")
    items = body["items"]
    expect_eq(len(items), 5, "default limit 5")
    keys = [(-i["score"], i["plant"]["id"]) for i in items]
    expect_eq(keys, sorted(keys), "score descending, then id")
    for i in items:
        expect_eq(set(i), {"plant", "score", "reasons"}, "item members")
        expect(isinstance(i["score"], int) and 0 <= i["score"] <= 100,
               "score %r" % i["score"])
        expect(i["reasons"] and all(isinstance(s, str) and s.endswith(".")
                                    for s in i["reasons"]),
               "reasons %r" % i["reasons"])
        expect("version" in i["plant"] and "name" in i["plant"],
               "full plant object")
    top = items[0]["plant"]
    expect("kitchen" in top["compatible_locations"], "top fits the kitchen")


@test
def limit_is_respected_and_covers_the_catalog():
    tok, _ = new_user()
    r = get(PATH + "?limit=2", token=tok)
    expect_eq(len(r.json["items"]), 2, "limit=2")
    r = get(PATH + "?limit=100", token=tok)
    catalog = get("/api/v1/plants?limit=100").json["items"]
    expect_eq(len(r.json["items"]), len(catalog), "every plant scored")


@test
def pet_safe_leaves_toxic_plants_out():
    tok, _ = new_user()
    r = get(PATH + "?pet_safe=true&limit=100", token=tok)
    expect_status(r, 200)
    items = r.json["items"]
    expect(items, "some plants are pet safe")
    expect(all(i["plant"]["toxic_to_pets"] is False for i in items),
           "a toxic plant was recommended")
    safe = [p for p in get("/api/v1/plants?pet_safe=true&limit=100")
            .json["items"]]
    expect_eq(len(items), len(safe), "every safe plant")
    r = get(PATH + "?pet_safe=false&limit=100", token=tok)
    expect(any(i["plant"]["toxic_to_pets"] for i in r.json["items"]),
           "pet_safe=false keeps toxic plants")


@test
def light_and_location_decide_the_order():
    tok, _ = new_user()
    r = get(PATH + "?light=low_indirect&location=office&limit=1", token=tok)
    top = r.json["items"][0]
    expect_eq(top["plant"]["natural_sunlight_needs"], "low_indirect", "light")
    expect("office" in top["plant"]["compatible_locations"], "location")
    r = get(PATH + "?location=bathroom&limit=1", token=tok)
    top = r.json["items"][0]
    expect("bathroom" in top["plant"]["compatible_locations"], "bathroom")
    expect_eq(top["plant"]["humidity_preference"], "high", "humid room")


@test
def each_call_counts_one_and_entitlements_show_it():
    tok, _ = new_user()
    for n in (1, 2, 3):
        r = get(PATH + "?limit=1", token=tok)
        expect_status(r, 200)
        expect_eq(r.json["quota"]["used"], n, "quota.used")
    e = used(tok)
    expect_eq(e, {"access": True, "limit": 10, "used": 3, "remaining": 7},
              "entitlements")


@test
def used_up_quota_is_429_with_retry_after():
    tok, sub = new_user()
    set_count(sub, 10)
    expect_quota_429(get(PATH, token=tok))
    expect_eq(stored_count(sub), 10, "a refused call counts nothing")
    e = used(tok)
    expect_eq((e["used"], e["remaining"]), (10, 0), "entitlements")


@test
def a_subscription_raises_the_limit_and_cancel_lowers_it():
    tok, sub = new_user()
    set_count(sub, 10)
    expect_quota_429(get(PATH, token=tok))
    s = post("/api/v1/subscriptions", token=tok,
             json={"plan": "subscriber", "billing_period": "monthly"})
    expect_status(s, 201)
    r = get(PATH + "?limit=1", token=tok)
    expect_status(r, 200)
    expect_eq(r.json["quota"], {"used": 11, "limit": 30, "period": period()},
              "subscriber quota")
    expect_status(post("/api/v1/subscriptions/%s/cancel"
                       % s.json["subscription_id"], token=tok), 200)
    expect_quota_429(get(PATH, token=tok))


def burst(tok, n, sources):
    """n calls at once, spread over local addresses so that nginx's
    per-address rate limit is not what answers."""
    results = [None] * n
    barrier = threading.Barrier(n)

    def go(i):
        barrier.wait()
        results[i] = request("GET", PATH + "?limit=1", token=tok,
                             source=sources[i % len(sources)], timeout=60)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


SOURCES = ["127.0.0.%d" % i for i in range(21, 26)]


def check_burst(results, ok_count):
    ok = [r for r in results if r.status == 200]
    refused = [r for r in results if r.status == 429]
    expect_eq((len(ok), len(refused)), (ok_count, len(results) - ok_count),
              "200s and 429s (all statuses: %s)"
              % sorted(r.status for r in results))
    for r in refused:
        expect_quota_429(r)
    return ok


@test
def fifty_parallel_calls_on_a_fresh_free_user_give_exactly_ten():
    tok, sub = new_user("burst-free")
    ok = check_burst(burst(tok, 50, SOURCES), 10)
    expect_eq(sorted(r.json["quota"]["used"] for r in ok),
              list(range(1, 11)), "each success saw its own count")
    expect_eq(stored_count(sub), 10, "stored counter")
    e = used(tok)
    expect_eq((e["used"], e["remaining"]), (10, 0), "entitlements")


@test
def fifty_parallel_calls_with_ten_left_of_premium_give_exactly_ten():
    tok, sub = new_user("burst-premium")
    expect_status(post("/api/v1/subscriptions", token=tok, json={
        "plan": "premium", "billing_period": "monthly"}), 201)
    set_count(sub, 90)
    check_burst(burst(tok, 50, SOURCES), 10)
    expect_eq(stored_count(sub), 100, "stored counter reads the limit")


if __name__ == "__main__":
    run()
