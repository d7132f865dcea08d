"""Catalog writes: admins only, validated against the plant schema."""

import copy
import os

from harness import (cognito_tokens, delete, env, expect, expect_eq,
                     expect_problem, expect_status, get, post, put, run, test)

_tokens = {}


def token(who):
    """The ID token of the stack's local admin or ordinary user."""
    if who not in _tokens:
        prefix = "GROWVRD_ADMIN" if who == "admin" else "GROWVRD_USER"
        t = cognito_tokens(env(prefix + "_EMAIL"), env(prefix + "_PASSWORD"))
        _tokens[who] = t["IdToken"]
    return _tokens[who]


def new_plant(pid):
    p = copy.deepcopy(get("/api/v1/plants/p001").json)
    del p["version"]
    p["id"] = pid
    p["name"] = "test_plant_" + pid
    return p


def fresh_id():
    return "t%d%d" % (os.getpid(), len(_tokens) + int.from_bytes(os.urandom(3), "big"))


@test
def admin_creates_reads_replaces_and_deletes_a_plant():
    pid = fresh_id()
    body = new_plant(pid)
    r = post("/api/v1/plants", json=body, token=token("admin"))
    expect_status(r, 201)
    expect_eq(r.headers.get("Location"), "/api/v1/plants/" + pid, "Location")
    expect_eq(r.json["version"], 1, "version")
    expect_eq(r.headers.get("ETag"), '"1"', "ETag")
    expect_eq(get("/api/v1/plants/" + pid).json["name"], body["name"], "read")
    body["description"] = "Replaced."
    r = put("/api/v1/plants/" + pid, json=body, token=token("admin"),
            headers={"If-Match": '"1"'})
    expect_status(r, 200)
    expect_eq(r.json["version"], 2, "version after replace")
    expect_eq(r.json["description"], "Replaced.", "replaced field")
    expect_problem(put("/api/v1/plants/" + pid, json=body,
                       token=token("admin"), headers={"If-Match": '"1"'}), 412)
    r = delete("/api/v1/plants/" + pid, token=token("admin"))
    expect_status(r, 204)
    expect_problem(get("/api/v1/plants/" + pid), 404)
    expect_problem(delete("/api/v1/plants/" + pid, token=token("admin")), 404)


@test
def duplicate_id_is_409():
    body = new_plant("p001")
    expect_problem(post("/api/v1/plants", json=body, token=token("admin")), 409)


@test
def invalid_plants_are_400_naming_the_field():
    pid = fresh_id()
    for field, value in (("water_frequency_days", "7"), ("toxic_to_pets", 1),
                         ("compatible_locations", "office"), ("id", "a b"),
                         ("difficulty", 11), ("created_at", "2025-02-30"),
                         ("unknown_field", 1)):
        body = new_plant(pid)
        body[field] = value
        doc = expect_problem(post("/api/v1/plants", json=body,
                                  token=token("admin")), 400)
        expect(field in doc["detail"], "detail names %s: %r" % (field, doc))
    body = new_plant(pid)
    del body["name"]
    expect_problem(post("/api/v1/plants", json=body, token=token("admin")), 400)
    for raw in ("{", "[]", '{"a":1,"a":2}', "null"):
        expect_problem(post("/api/v1/plants", body=raw, token=token("admin"),
                            headers={"Content-Type": "application/json"}), 400)
    expect_problem(get("/api/v1/plants/" + pid), 404)


@test
def put_rules_404_and_id_mismatch():
    body = new_plant("nosuchplant")
    expect_problem(put("/api/v1/plants/nosuchplant", json=body,
                       token=token("admin")), 404)
    body = new_plant("p002")
    expect_problem(put("/api/v1/plants/p001", json=body,
                       token=token("admin")), 400)
    expect_problem(put("/api/v1/plants/p001", json=new_plant("p001"),
                       token=token("admin"), headers={"If-Match": "W/\"1\""}),
                   400)


@test
def ordinary_user_gets_403_and_anonymous_401():
    body = new_plant(fresh_id())
    expect_problem(post("/api/v1/plants", json=body, token=token("user")), 403)
    expect_problem(delete("/api/v1/plants/p001", token=token("user")), 403)
    r = post("/api/v1/plants", json=body)
    expect_problem(r, 401)
    expect_eq(r.headers.get("WWW-Authenticate"), 'Bearer realm="growvrd"',
              "challenge")
    r = post("/api/v1/plants", json=body, token=token("admin") + "x")
    expect_problem(r, 401)
    expect("invalid_token" in r.headers.get("WWW-Authenticate", ""),
           "invalid_token challenge")
    expect_status(get("/api/v1/plants/p001"), 200)


if __name__ == "__main__":
    run()
