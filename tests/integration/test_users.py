"""test_users.py - the caller's profile (/api/v1/users/me) and their plants
(/api/v1/users/me/plants...) through nginx and TLS: every route's answers
(200/204/400/401/404/405/409/412/415), If-Match under concurrency, that
one user can neither read nor change another's profile or plants, and
that deleting an account removes its profile, subscriptions and sign-in.
"""

import base64
import datetime
import json
import re
import threading
import urllib.parse

from harness import (cognito_call, cognito_tokens, cognito_user, delete, env,
                     refused_soon,
                     expect, expect_eq, expect_problem, expect_status, get,
                     patch, post, put, request, request_id, run, secret_hash,
                     test, unique_email)

PASSWORD = "Users-Test-Pw1!"
ME = "/api/v1/users/me"
MINE = "/api/v1/users/me/plants"
PROFILE_FIELDS = {"email", "sub", "name", "experience_level",
                  "notification_preferences", "room_conditions",
                  "created_at", "updated_at", "version"}
ENTRY_FIELDS = {"plant_id", "nickname", "location", "acquired",
                "last_watered", "next_watering", "added_at"}
# From the seed catalog: p001 snake_plant waters every 14 days, p002
# pothos every 7, p004 mint every 3.
FREQ = {"p001": 14, "p002": 7, "p003": 7, "p004": 3}


def confirm_by_code(email):
    """Confirm email the way its holder does: the emailed code (read from
    cognito-local's store) through POST /api/v1/auth/confirm, which
    leaves the email verified."""
    code = (cognito_user(email) or {}).get("ConfirmationCode")
    expect(code, "no confirmation code stored for %s" % email)
    expect_status(post("/api/v1/auth/confirm",
                       json={"email": email, "code": code}), 204)


class User:
    """A confirmed cognito-local user and its tokens."""

    def __init__(self, prefix="users"):
        self.email = unique_email(prefix)
        status, out = cognito_call("SignUp", {
            "ClientId": env("COGNITO_CLIENT_ID"), "Username": self.email,
            "Password": PASSWORD, "SecretHash": secret_hash(self.email),
            "UserAttributes": [{"Name": "email", "Value": self.email}]})
        expect(status == 200, "SignUp failed: %r" % out)
        confirm_by_code(self.email)
        t = cognito_tokens(self.email, PASSWORD)
        self.id_token = t["IdToken"]
        self.access_token = t["AccessToken"]
        self.refresh_token = t.get("RefreshToken")
        self.sub = claims(self.id_token)["sub"]


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(
        payload + "=" * (-len(payload) % 4)))


def parse_time(value, what):
    expect(isinstance(value, str) and
           re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value),
           "%s is not RFC 3339 UTC: %r" % (what, value))
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def fmt_time(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def etag_version(r):
    tag = r.headers.get("ETag")
    expect(tag is not None and re.fullmatch(r'"\d+"', tag),
           "ETag missing or ill-formed: %r" % tag)
    return int(tag.strip('"'))


def profile(user, token=None):
    r = get(ME, token=token or user.id_token)
    expect_status(r, 200)
    return r


def expect_detail_names(doc, field):
    expect(field in doc["detail"], "detail %r does not name %r"
           % (doc["detail"], field))


# ---------------------------------------------------------------- profile

@test
def first_get_creates_the_profile_from_the_id_token():
    u = User()
    r = profile(u)
    p = r.json
    request_id(r)
    expect_eq(set(p), PROFILE_FIELDS, "profile members")
    expect_eq(p["email"], u.email, "email")
    expect_eq(p["sub"], u.sub, "sub")
    expect_eq(p["name"], None, "name")
    expect_eq(p["experience_level"], "beginner", "experience_level")
    expect_eq(p["notification_preferences"], {}, "notification_preferences")
    expect_eq(p["room_conditions"], {}, "room_conditions")
    expect_eq(p["version"], 1, "version")
    expect_eq(etag_version(r), 1, "ETag")
    expect_eq(parse_time(p["created_at"], "created_at"),
              parse_time(p["updated_at"], "updated_at"), "created = updated")
    expect("plants" not in p, "the internal plants map leaked")


@test
def second_get_returns_the_same_profile():
    u = User()
    first = profile(u).json
    second = profile(u)
    expect_eq(second.json, first, "profile")
    expect_eq(etag_version(second), 1, "ETag")


@test
def access_token_resolves_the_email():
    u = User()
    r = profile(u, token=u.access_token)
    expect_eq(r.json["email"], u.email, "email")
    expect_eq(r.json["sub"], u.sub, "sub")
    # the same item as through the ID token
    expect_eq(profile(u).json, r.json, "profile by ID token")


@test
def no_token_is_401_with_a_bare_challenge():
    for method, path in (("GET", ME), ("PATCH", ME), ("DELETE", ME),
                         ("GET", MINE), ("PUT", MINE + "/p001"),
                         ("DELETE", MINE + "/p001"),
                         ("POST", MINE + "/p001/water")):
        r = request(method, path)
        expect_problem(r, 401)
        expect_eq(r.headers.get("WWW-Authenticate"), 'Bearer realm="growvrd"',
                  "%s %s challenge" % (method, path))


@test
def tampered_token_is_401_invalid_token():
    u = User()
    head, body, sig = u.id_token.split(".")
    c = claims(u.id_token)
    c["email"] = "someone-else@growvrd.test"
    forged = base64.urlsafe_b64encode(json.dumps(c).encode()).decode().rstrip("=")
    for tok in (head + "." + forged + "." + sig, u.id_token[:-4] + "AAAA",
                "not-a-token"):
        r = get(ME, token=tok)
        expect_problem(r, 401)
        expect(r.headers.get("WWW-Authenticate", "").endswith(
            'error="invalid_token"'), "challenge: %r"
            % r.headers.get("WWW-Authenticate"))


@test
def other_methods_on_me_are_405_with_allow():
    u = User()
    for method in ("POST", "PUT"):
        r = request(method, ME, token=u.id_token, json={})
        expect_problem(r, 405)
        allow = {m.strip() for m in r.headers.get("Allow", "").split(",")}
        expect_eq(allow, {"GET", "HEAD", "PATCH", "DELETE"}, "Allow")


@test
def patch_merges_the_given_fields():
    u = User()
    r = patch(ME, token=u.id_token, json={
        "name": "Ann Gardener", "experience_level": "intermediate",
        "notification_preferences": {"watering_reminders": True,
                                     "newsletter": False},
        "room_conditions": {"light": "bright", "temperature_f": 72}})
    expect_status(r, 200)
    p = r.json
    expect_eq(set(p), PROFILE_FIELDS, "profile members")
    expect_eq(p["name"], "Ann Gardener", "name")
    expect_eq(p["experience_level"], "intermediate", "experience_level")
    expect_eq(p["version"], 2, "version")
    expect_eq(etag_version(r), 2, "ETag")
    expect(parse_time(p["updated_at"], "updated_at") >=
           parse_time(p["created_at"], "created_at"), "updated_at moved")
    # a second PATCH merges into the nested objects, one member at a time
    r = patch(ME, token=u.id_token, json={
        "notification_preferences": {"care_tips": True},
        "room_conditions": {"humidity": "high", "has_pets": True}})
    expect_status(r, 200)
    p = r.json
    expect_eq(p["name"], "Ann Gardener", "name kept")
    expect_eq(p["notification_preferences"], {
        "watering_reminders": True, "newsletter": False, "care_tips": True},
        "notification_preferences merged")
    expect_eq(p["room_conditions"], {"light": "bright", "temperature_f": 72,
                                     "humidity": "high", "has_pets": True},
              "room_conditions merged")
    expect_eq(p["version"], 3, "version")
    expect_eq(profile(u).json, p, "GET shows the merge")


@test
def patch_null_room_condition_removes_it():
    u = User()
    patch(ME, token=u.id_token, json={"room_conditions": {
        "light": "low", "temperature_f": 65}})
    r = patch(ME, token=u.id_token, json={"room_conditions": {
        "temperature_f": None}})
    expect_status(r, 200)
    expect_eq(r.json["room_conditions"], {"light": "low"}, "room_conditions")


@test
def patch_unknown_or_ill_typed_fields_are_400_naming_them():
    u = User()
    cases = [
        ({"nickname": "x"}, "nickname"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 5}, "name"),
        ({"name": None}, "name"),
        ({"experience_level": "guru"}, "experience_level"),
        ({"notification_preferences": {"sms": True}},
         "notification_preferences"),
        ({"notification_preferences": {"newsletter": "yes"}},
         "notification_preferences.newsletter"),
        ({"notification_preferences": []}, "notification_preferences"),
        ({"room_conditions": {"light": "dim"}}, "room_conditions.light"),
        ({"room_conditions": {"temperature_f": 200}},
         "room_conditions.temperature_f"),
        ({"room_conditions": {"temperature_f": "70"}},
         "room_conditions.temperature_f"),
        ({"room_conditions": {"window": "north"}}, "room_conditions"),
        ({"version": 9}, "version"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
        ({"plants": {}}, "plants"),
    ]
    for body, field in cases:
        doc = expect_problem(patch(ME, token=u.id_token, json=body), 400)
        expect_detail_names(doc, field)
    r = profile(u)
    expect_eq(r.json["version"], 1, "nothing was written")


@test
def patch_cannot_change_email_or_sub():
    u = User()
    doc = expect_problem(patch(ME, token=u.id_token, json={
        "email": "other@growvrd.test"}), 400)
    expect_detail_names(doc, "email")
    doc = expect_problem(patch(ME, token=u.id_token, json={
        "sub": "00000000-0000-0000-0000-000000000000"}), 400)
    expect_detail_names(doc, "sub")
    # the caller's own values are accepted (a GET body can be sent back)
    r = patch(ME, token=u.id_token, json={"email": u.email, "sub": u.sub,
                                          "name": "Same"})
    expect_status(r, 200)
    expect_eq(r.json["email"], u.email, "email")


@test
def patch_bad_bodies_are_400_or_415():
    u = User()
    for body in ("not json", "[1,2]", '{"name":"a","name":"b"}', ""):
        expect_problem(patch(ME, token=u.id_token, body=body, headers={
            "Content-Type": "application/json"}), 400)
    expect_problem(patch(ME, token=u.id_token, body="name=x", headers={
        "Content-Type": "application/x-www-form-urlencoded"}), 415)


@test
def patch_with_current_if_match_succeeds_and_stale_is_412():
    u = User()
    v = etag_version(profile(u))
    r = patch(ME, token=u.id_token, json={"name": "One"},
              headers={"If-Match": '"%d"' % v})
    expect_status(r, 200)
    expect_eq(etag_version(r), v + 1, "ETag")
    # the old version again: stale
    doc = expect_problem(patch(ME, token=u.id_token, json={"name": "Two"},
                               headers={"If-Match": '"%d"' % v}), 412)
    expect("version" in doc["detail"], "detail: %r" % doc["detail"])
    # a bare integer is accepted
    r = patch(ME, token=u.id_token, json={"name": "Three"},
              headers={"If-Match": str(v + 1)})
    expect_status(r, 200)
    expect_eq(r.json["name"], "Three", "name")
    # a version from the future is stale too
    expect_problem(patch(ME, token=u.id_token, json={"name": "Four"},
                         headers={"If-Match": '"99"'}), 412)
    expect_eq(profile(u).json["name"], "Three", "name after the 412s")


@test
def patch_ill_formed_if_match_is_400():
    u = User()
    for tag in ('W/"1"', "*", '"1", "2"', "abc", '"1'):
        expect_problem(patch(ME, token=u.id_token, json={"name": "X"},
                             headers={"If-Match": tag}), 400)
    expect_eq(profile(u).json["version"], 1, "nothing was written")


@test
def parallel_patches_with_one_if_match_have_one_winner():
    u = User()
    v = etag_version(profile(u))
    results = [None] * 20

    def one(i):
        try:
            results[i] = patch(ME, token=u.id_token,
                               json={"name": "writer %d" % i},
                               headers={"If-Match": '"%d"' % v}).status
        except Exception as e:  # a transport error counts against us
            results[i] = repr(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect_eq(sorted(results, key=str), [200] + [412] * 19, "statuses")
    p = profile(u).json
    expect_eq(p["version"], v + 1, "exactly one write")
    expect(re.fullmatch(r"writer \d+", p["name"]), "name %r" % p["name"])


@test
def patch_without_if_match_is_unconditional():
    u = User()
    patch(ME, token=u.id_token, json={"name": "A"})
    r = patch(ME, token=u.id_token, json={"name": "B"})
    expect_status(r, 200)
    expect_eq(r.json["version"], 3, "version")


@test
def another_user_cannot_read_or_change_a_profile():
    a, b = User("usera"), User("userb")
    patch(ME, token=a.id_token, json={"name": "Alice", "room_conditions": {
        "has_pets": True}})
    before = profile(a).json
    # B's /me is B's own
    rb = profile(b)
    expect_eq(rb.json["email"], b.email, "B's email")
    expect_eq(rb.json["sub"], b.sub, "B's sub")
    expect("Alice" not in rb.body.decode(), "A's data in B's profile")
    # B cannot aim a PATCH at A, whatever the body says
    expect_problem(patch(ME, token=b.id_token, json={"email": a.email}), 400)
    expect_problem(patch(ME, token=b.id_token, json={"sub": a.sub}), 400)
    r = patch(ME, token=b.id_token, json={"name": "Bob"},
              headers={"If-Match": '"%d"' % before["version"]})
    expect(r.status in (200, 412), "status %d" % r.status)
    expect_eq(profile(a).json, before, "A's profile after B's writes")
    # no route names another user
    for path in ("/api/v1/users/" + a.sub, "/api/v1/users/" + a.email,
                 "/api/v1/users/" + urllib.parse.quote(a.email) + "/plants"):
        expect_problem(get(path, token=b.id_token), 404)


# -------------------------------------------------------------- my plants

@test
def put_adds_a_catalog_plant_with_its_schedule():
    u = User()
    before = now_utc()
    r = put(MINE + "/p001", token=u.id_token, json={
        "nickname": "Sly", "location": "office", "acquired": "2026-03-01"})
    expect_status(r, 200)
    e = r.json
    expect_eq(set(e), ENTRY_FIELDS, "entry members")
    expect_eq(e["plant_id"], "p001", "plant_id")
    expect_eq(e["nickname"], "Sly", "nickname")
    expect_eq(e["location"], "office", "location")
    expect_eq(e["acquired"], "2026-03-01", "acquired")
    expect_eq(e["last_watered"], None, "last_watered")
    added = parse_time(e["added_at"], "added_at")
    expect(before - datetime.timedelta(seconds=5) <= added <=
           now_utc() + datetime.timedelta(seconds=5), "added_at is now")
    expect_eq(e["next_watering"],
              fmt_time(added + datetime.timedelta(days=FREQ["p001"])),
              "next_watering")
    r = get(MINE, token=u.id_token)
    expect_status(r, 200)
    expect_eq(r.json, {"items": [e], "next_cursor": None}, "list")
    # the profile counts the write, but never shows the plants
    p = profile(u).json
    expect_eq(p["version"], 2, "profile version")
    expect("plants" not in p, "plants in the profile")


@test
def put_without_a_body_adds_the_plant_bare():
    u = User()
    r = put(MINE + "/p002", token=u.id_token)
    expect_status(r, 200)
    expect_eq(r.json["nickname"], None, "nickname")
    expect(r.json["next_watering"] is not None, "next_watering")


@test
def put_again_replaces_and_keeps_added_at():
    u = User()
    first = put(MINE + "/p002", token=u.id_token, json={
        "nickname": "Potty", "location": "shelf"}).json
    watered = fmt_time(now_utc() - datetime.timedelta(days=2))
    r = put(MINE + "/p002", token=u.id_token, json={
        "nickname": "Pothos", "last_watered": watered})
    expect_status(r, 200)
    e = r.json
    expect_eq(e["added_at"], first["added_at"], "added_at kept")
    expect_eq(e["nickname"], "Pothos", "nickname replaced")
    expect_eq(e["location"], None, "location dropped by the replace")
    expect_eq(e["last_watered"], watered, "last_watered")
    expect_eq(e["next_watering"], fmt_time(parse_time(watered, "w") +
              datetime.timedelta(days=FREQ["p002"])), "next_watering")
    items = get(MINE, token=u.id_token).json["items"]
    expect_eq(items, [e], "one entry")


@test
def put_of_a_plant_not_in_the_catalog_is_404():
    u = User()
    for pid in ("p999", "no%20such", "x" * 65):
        expect_problem(put(MINE + "/" + pid, token=u.id_token,
                           json={"nickname": "Ghost"}), 404)
    expect_eq(get(MINE, token=u.id_token).json["items"], [], "no entries")


@test
def put_invalid_bodies_are_400_naming_the_field():
    u = User()
    future = fmt_time(now_utc() + datetime.timedelta(hours=2))
    cases = [
        ({"nickname": ""}, "nickname"),
        ({"nickname": "n" * 101}, "nickname"),
        ({"location": "l" * 65}, "location"),
        ({"location": 3}, "location"),
        ({"acquired": "2026-02-30"}, "acquired"),
        ({"acquired": "yesterday"}, "acquired"),
        ({"last_watered": future}, "last_watered"),
        ({"last_watered": "2026-01-01T10:00:00+02:00"}, "last_watered"),
        ({"added_at": "2026-01-01T00:00:00Z"}, "added_at"),
        ({"next_watering": None}, "next_watering"),
        ({"plant_id": "p002"}, "plant_id"),
        ({"color": "green"}, "color"),
    ]
    for body, field in cases:
        doc = expect_problem(put(MINE + "/p001", token=u.id_token,
                                 json=body), 400)
        expect_detail_names(doc, field)
    expect_problem(put(MINE + "/p001", token=u.id_token, body="[]",
                       headers={"Content-Type": "application/json"}), 400)
    expect_eq(get(MINE, token=u.id_token).json["items"], [], "no entries")


@test
def water_sets_last_watered_to_now():
    u = User()
    put(MINE + "/p004", token=u.id_token, json={"nickname": "Minty"})
    before = now_utc()
    r = post(MINE + "/p004/water", token=u.id_token)
    expect_status(r, 200)
    e = r.json
    expect_eq(set(e), ENTRY_FIELDS, "entry members")
    watered = parse_time(e["last_watered"], "last_watered")
    expect(before - datetime.timedelta(seconds=5) <= watered <=
           now_utc() + datetime.timedelta(seconds=5), "last_watered is now")
    expect_eq(e["next_watering"], fmt_time(watered + datetime.timedelta(
        days=FREQ["p004"])), "next_watering")
    expect_eq(e["nickname"], "Minty", "nickname kept")
    expect_eq(get(MINE, token=u.id_token).json["items"], [e], "list")


@test
def water_of_a_plant_not_kept_is_404():
    u = User()
    expect_problem(post(MINE + "/p001/water", token=u.id_token), 404)
    put(MINE + "/p002", token=u.id_token)
    expect_problem(post(MINE + "/p001/water", token=u.id_token), 404)
    expect_problem(post(MINE + "/bad%20id/water", token=u.id_token), 404)


@test
def delete_removes_the_entry_then_404():
    u = User()
    put(MINE + "/p001", token=u.id_token)
    put(MINE + "/p002", token=u.id_token)
    r = delete(MINE + "/p001", token=u.id_token)
    expect_status(r, 204)
    expect_eq(r.body, b"", "no body")
    items = get(MINE, token=u.id_token).json["items"]
    expect_eq([e["plant_id"] for e in items], ["p002"], "left")
    expect_problem(delete(MINE + "/p001", token=u.id_token), 404)
    expect_problem(delete(MINE + "/p003", token=u.id_token), 404)


@test
def list_pages_in_plant_id_order():
    u = User()
    pids = ["p00%d" % i for i in range(1, 8)]
    for pid in reversed(pids):
        expect_status(put(MINE + "/" + pid, token=u.id_token), 200)
    seen, cursor, pages = [], None, 0
    while True:
        q = "?limit=3" + ("&cursor=" + urllib.parse.quote(cursor)
                          if cursor else "")
        r = get(MINE + q, token=u.id_token)
        expect_status(r, 200)
        expect(len(r.json["items"]) <= 3, "page larger than limit")
        seen += [e["plant_id"] for e in r.json["items"]]
        cursor = r.json["next_cursor"]
        pages += 1
        expect(pages < 10, "paging does not end")
        if cursor is None:
            break
    expect_eq(seen, pids, "order")
    expect_eq(pages, 3, "pages")
    r = get(MINE, token=u.id_token)
    expect_eq([e["plant_id"] for e in r.json["items"]], pids, "one page")


@test
def bad_limit_or_cursor_is_400():
    u = User()
    for pid in ("p001", "p002"):
        put(MINE + "/" + pid, token=u.id_token)
    cursor = get(MINE + "?limit=1", token=u.id_token).json["next_cursor"]
    expect(cursor, "a next cursor")
    for q in ("limit=0", "limit=101", "limit=x", "cursor=garbage",
              "cursor=" + urllib.parse.quote(cursor[:-2] + "AA")):
        expect_problem(get(MINE + "?" + q, token=u.id_token), 400)
    # a cursor is bound to its user
    other = User("cursor")
    put(MINE + "/p001", token=other.id_token)
    expect_problem(get(MINE + "?cursor=" + urllib.parse.quote(cursor),
                       token=other.id_token), 400)
    # and to its list
    expect_problem(get("/api/v1/plants?cursor=" + urllib.parse.quote(cursor)),
                   400)


@test
def another_user_cannot_see_or_touch_my_plants():
    a, b = User("plantsa"), User("plantsb")
    put(MINE + "/p001", token=a.id_token, json={"nickname": "Alice's"})
    expect_eq(get(MINE, token=b.id_token).json,
              {"items": [], "next_cursor": None}, "B's list")
    expect_problem(post(MINE + "/p001/water", token=b.id_token), 404)
    expect_problem(delete(MINE + "/p001", token=b.id_token), 404)
    items = get(MINE, token=a.id_token).json["items"]
    expect_eq([(e["plant_id"], e["nickname"], e["last_watered"])
               for e in items], [("p001", "Alice's", None)], "A's list")


@test
def list_of_a_new_user_is_empty():
    u = User()
    r = get(MINE, token=u.id_token)
    expect_status(r, 200)
    expect_eq(r.json, {"items": [], "next_cursor": None}, "list")


# --------------------------------------------------------- account delete

@test
def delete_me_removes_profile_subscriptions_and_sign_in():
    u = User("deleteme")
    patch(ME, token=u.id_token, json={"name": "Soon Gone"})
    put(MINE + "/p001", token=u.id_token)
    r = post("/api/v1/subscriptions", token=u.id_token, json={
        "plan": "subscriber", "billing_period": "monthly"})
    expect_status(r, 201)
    r = delete(ME, token=u.id_token)
    expect_status(r, 204)
    expect_eq(r.body, b"", "no body")
    # the sign-in is gone
    expect(cognito_user(u.email) is None, "the Cognito user still exists")
    status, out = cognito_call("InitiateAuth", {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": env("COGNITO_CLIENT_ID"),
        "AuthParameters": {"USERNAME": u.email, "PASSWORD": PASSWORD,
                           "SECRET_HASH": secret_hash(u.email)}})
    expect(status != 200, "login still works: %r" % out)
    # API.md "Sessions": a deleted account stays deleted; its
    # still-unexpired tokens (ID and access) are refused on every bearer
    # route and recreate nothing.
    for tok in (u.id_token, u.access_token):
        for method, path, body in (
                ("GET", ME, None), ("GET", MINE, None),
                ("PATCH", ME, {"name": "back"}),
                ("PUT", MINE + "/p001", None),
                ("GET", "/api/v1/subscriptions", None),
                ("POST", "/api/v1/subscriptions",
                 {"plan": "subscriber", "billing_period": "monthly"}),
                ("GET", "/api/v1/entitlements", None)):
            expect_problem(refused_soon(method, path, tok, json=body), 401)
    # the same email signs up again: a fresh profile, nothing of the old
    status, out = cognito_call("SignUp", {
        "ClientId": env("COGNITO_CLIENT_ID"), "Username": u.email,
        "Password": PASSWORD, "SecretHash": secret_hash(u.email),
        "UserAttributes": [{"Name": "email", "Value": u.email}]})
    expect(status == 200, "SignUp again failed: %r" % out)
    confirm_by_code(u.email)
    t = cognito_tokens(u.email, PASSWORD)
    r = get(ME, token=t["IdToken"])
    expect_status(r, 200)
    expect_eq((r.json["name"], r.json["version"]), (None, 1),
              "fresh profile")
    expect_eq(get(MINE, token=t["IdToken"]).json["items"], [], "plants")
    expect_eq(get("/api/v1/subscriptions", token=t["IdToken"]).json["items"],
              [], "subscriptions")


@test
def delete_me_twice_the_second_is_refused():
    u = User("deletetwice")
    profile(u)
    expect_status(delete(ME, token=u.id_token), 204)
    # the first DELETE ended every sign-in: the token is dead
    refused_soon("DELETE", ME, u.id_token)


@test
def unverified_email_is_403_on_users_routes_and_creates_nothing():
    email = unique_email("unverified")
    status, out = cognito_call("SignUp", {
        "ClientId": env("COGNITO_CLIENT_ID"), "Username": email,
        "Password": PASSWORD, "SecretHash": secret_hash(email),
        "UserAttributes": [{"Name": "email", "Value": email}]})
    expect(status == 200, "SignUp failed: %r" % out)
    # an administrator's confirmation leaves the email unverified
    status, out = cognito_call("AdminConfirmSignUp", {
        "UserPoolId": env("COGNITO_USER_POOL_ID"), "Username": email})
    expect(status == 200, "AdminConfirmSignUp failed: %r" % out)
    t = cognito_tokens(email, PASSWORD)
    for tok in (t["IdToken"], t["AccessToken"]):
        for method, path in (("GET", ME), ("PATCH", ME), ("GET", MINE),
                             ("PUT", MINE + "/p001"), ("DELETE", ME)):
            expect_problem(request(method, path, json={} if method in (
                "PATCH",) else None, token=tok), 403)
    # login through the service signs in, but creates no Users item
    r = post("/api/v1/auth/login", json={"email": email,
                                         "password": PASSWORD})
    expect_status(r, 200)
    expect_problem(get(ME, token=r.json["id_token"]), 403)


@test
def a_squatted_email_does_not_lock_out_its_owner():
    owner, squatter = User("owner"), User("squatter")
    expect_status(get(ME, token=owner.id_token), 200)
    # the squatter changes their email in Cognito to the owner's; the
    # pool (or, on cognito-local, the service's own check) keeps the
    # change unverified
    status, out = cognito_call("UpdateUserAttributes", {
        "AccessToken": squatter.access_token,
        "UserAttributes": [{"Name": "email", "Value": owner.email}]})
    t = cognito_tokens(owner.email, PASSWORD) if False else None
    # the squatter's next tokens may name the owner's email (cognito-local
    # applies the change at once and its ID token says verified)
    status2, out2 = cognito_call("InitiateAuth", {
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "ClientId": env("COGNITO_CLIENT_ID"),
        "AuthParameters": {"REFRESH_TOKEN": squatter.refresh_token,
                           "SECRET_HASH": secret_hash(squatter.sub)}})
    tokens = [squatter.id_token, squatter.access_token]
    if status2 == 200:
        tokens += [out2["AuthenticationResult"]["IdToken"],
                   out2["AuthenticationResult"]["AccessToken"]]
    for tok in tokens:
        r = get(ME, token=tok)
        expect(r.status in (200, 403), "squatter: %d" % r.status)
        if r.status == 200:
            expect_eq(r.json["email"], squatter.email, "squatter's own")
    # the owner is never locked out
    r = get(ME, token=owner.id_token)
    expect_status(r, 200)
    expect_eq(r.json["sub"], owner.sub, "owner's profile")
    expect_status(patch(ME, json={"name": "Owner"}, token=owner.id_token),
                  200)
    del status, out, t


@test
def delete_me_leaves_other_users_alone():
    a, b = User("keepa"), User("goneb")
    patch(ME, token=a.id_token, json={"name": "Stays"})
    put(MINE + "/p001", token=a.id_token)
    expect_status(delete(ME, token=b.id_token), 204)
    expect_eq(profile(a).json["name"], "Stays", "A's profile")
    expect_eq(len(get(MINE, token=a.id_token).json["items"]), 1, "A's plants")
    expect(cognito_user(a.email) is not None, "A's sign-in")


@test
def an_email_reused_by_another_account_does_not_inherit_the_profile():
    a = User("reuse")
    expect_status(get(ME, token=a.id_token), 200)
    expect_status(put(MINE + "/p001", json={"nickname": "mine"},
                      token=a.id_token), 200)
    # The account goes away outside this API; the same email signs up again.
    status, out = cognito_call("AdminDeleteUser", {
        "UserPoolId": env("COGNITO_USER_POOL_ID"), "Username": a.email})
    expect(status == 200, "AdminDeleteUser failed: %r" % out)
    status, out = cognito_call("SignUp", {
        "ClientId": env("COGNITO_CLIENT_ID"), "Username": a.email,
        "Password": PASSWORD, "SecretHash": secret_hash(a.email),
        "UserAttributes": [{"Name": "email", "Value": a.email}]})
    expect(status == 200, "SignUp again failed: %r" % out)
    confirm_by_code(a.email)
    t = cognito_tokens(a.email, PASSWORD)
    expect(claims(t["IdToken"])["sub"] != a.sub, "a new sub")
    for r in (get(ME, token=t["IdToken"]), get(MINE, token=t["IdToken"]),
              patch(ME, json={"name": "x"}, token=t["IdToken"])):
        doc = expect_problem(r, 409)
        expect("mine" not in json.dumps(doc), "no data of the old account")


if __name__ == "__main__":
    run()
