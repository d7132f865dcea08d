"""The catalog through nginx and TLS: reads, filters, paging, bad input."""

import urllib.parse

from harness import (expect, expect_eq, expect_problem, expect_status, get,
                     request, request_id, run, test)

SEED_COUNT = 16


def ids(items):
    return [p["id"] for p in items]


def list_all(query="", limit=5):
    """Follow next_cursor to the end; returns the ids in order."""
    seen, cursor, pages = [], None, 0
    while True:
        q = "limit=%d" % limit + ("&" + query if query else "")
        if cursor:
            q += "&cursor=" + urllib.parse.quote(cursor)
        r = get("/api/v1/plants?" + q)
        expect_status(r, 200)
        seen += ids(r.json["items"])
        expect(len(r.json["items"]) <= limit, "page larger than limit")
        cursor = r.json["next_cursor"]
        pages += 1
        expect(pages < 50, "paging does not end")
        if cursor is None:
            return seen


@test
def plant_p001_is_the_typed_snake_plant():
    r = get("/api/v1/plants/p001")
    expect_status(r, 200)
    p = r.json
    expect_eq(p["id"], "p001", "id")
    expect_eq(p["name"], "snake_plant", "name")
    expect(type(p["water_frequency_days"]) is int, "water_frequency_days int")
    expect_eq(p["water_frequency_days"], 14, "water_frequency_days")
    expect(p["toxic_to_pets"] is True, "toxic_to_pets boolean")
    expect_eq(p["compatible_locations"], ["office", "bedroom"], "locations")
    expect_eq(p["care_history"], {}, "care_history object")
    expect_eq(p["version"], 1, "version")
    expect_eq(r.headers.get("ETag"), '"1"', "ETag")
    expect(r.headers.get("Content-Type").startswith("application/json"),
           "content type")
    request_id(r)


@test
def unknown_plant_is_404_problem():
    expect_problem(get("/api/v1/plants/p999"), 404)
    expect_problem(get("/api/v1/plants/bad%20id"), 404)


@test
def list_default_returns_whole_seed_catalog():
    r = get("/api/v1/plants")
    expect_status(r, 200)
    expect_eq(len(r.json["items"]), SEED_COUNT, "items")
    expect(r.json["next_cursor"] is None, "no next page")


@test
def paging_visits_every_plant_once():
    for limit in (1, 5, 7, 16, 100):
        seen = list_all(limit=limit)
        expect_eq(len(seen), SEED_COUNT, "count with limit %d" % limit)
        expect_eq(len(set(seen)), SEED_COUNT, "unique with limit %d" % limit)


@test
def filters_combine_with_and():
    r = get("/api/v1/plants?q=SNAKE")
    expect_eq(ids(r.json["items"]), ["p001"], "q=SNAKE")
    r = get("/api/v1/plants?q=snake_plant")
    expect_eq(ids(r.json["items"]), ["p001"], "q with underscore")
    r = get("/api/v1/plants?q=mother%20in%20law")
    expect_eq(ids(r.json["items"]), ["p001"], "q in searchable_text")
    r = get("/api/v1/plants?location=bedroom&limit=100")
    expect(r.json["items"], "some plant suits a bedroom")
    for p in r.json["items"]:
        expect("bedroom" in p["compatible_locations"], "location filter")
    r = get("/api/v1/plants?pet_safe=true&limit=100")
    for p in r.json["items"]:
        expect(p["toxic_to_pets"] is False, "pet_safe filter")
    r = get("/api/v1/plants?difficulty_max=2&light=indirect&limit=100")
    for p in r.json["items"]:
        expect(p["difficulty"] <= 2, "difficulty_max")
        expect_eq(p["natural_sunlight_needs"], "indirect", "light")
    r = get("/api/v1/plants?q=zzzz-no-such-plant")
    expect_eq(r.json, {"items": [], "next_cursor": None}, "empty list")


@test
def filtered_paging_is_complete():
    all_safe = ids(get("/api/v1/plants?pet_safe=true&limit=100").json["items"])
    paged = list_all("pet_safe=true", limit=2)
    expect_eq(sorted(paged), sorted(all_safe), "filtered pages")


@test
def bad_limit_is_400():
    for q in ("limit=0", "limit=101", "limit=abc", "limit=-1", "limit=",
              "limit=1.5", "limit=05"):
        expect_problem(get("/api/v1/plants?" + q), 400)


@test
def bad_filters_are_400():
    for q in ("difficulty_max=11", "difficulty_max=x", "pet_safe=maybe",
              "pet_safe=1", "q=", "limit=5&limit=6", "q=%ff", "q=%00"):
        expect_problem(get("/api/v1/plants?" + q), 400)


@test
def tampered_cursor_is_400():
    r = get("/api/v1/plants?limit=3")
    cur = r.json["next_cursor"]
    expect(cur, "a first page has a cursor")
    flipped = cur[:-1] + ("A" if cur[-1] != "A" else "B")
    for bad in (flipped, cur[:-2], "x" + cur, "e30.AAAA", "not-a-cursor"):
        expect_problem(get("/api/v1/plants?cursor="
                           + urllib.parse.quote(bad)), 400)
    expect_status(get("/api/v1/plants?cursor=" + urllib.parse.quote(cur)), 200)


@test
def method_not_allowed_is_405_with_allow():
    r = request("PATCH", "/api/v1/plants")
    doc = expect_problem(r, 405)
    expect(doc["detail"], "detail")
    allow = r.headers.get("Allow", "")
    expect("GET" in allow, "Allow lists GET: %r" % allow)
    r = request("POST", "/healthz")
    expect_problem(r, 405)


@test
def head_answers_without_body():
    r = request("HEAD", "/api/v1/plants/p001")
    expect_status(r, 200)
    expect_eq(r.body, b"", "HEAD body")


@test
def non_json_body_is_415():
    r = request("PATCH", "/api/v1/plants", body="x=1",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    expect(r.status in (405, 415), "405 or 415, got %d" % r.status)


@test
def readyz_is_200_when_dependencies_answer():
    r = get("/readyz")
    expect_status(r, 200)
    expect_eq(r.json["status"], "ready", "status")
    expect_eq(r.json["checks"]["dynamodb"], "ok", "dynamodb check")


if __name__ == "__main__":
    run()
