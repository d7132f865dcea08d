"""test_sessions.py - API.md "Sessions (1.1)" through nginx against
cognito-local: logout ends that sign-in (and what was refreshed from it),
change- and reset-password end every sign-in, refreshes of an ended
sign-in are refused, the refresh route answers an unknown email as it
answers a known one, and the worker refuses to start without a cursor key
it can trust.

Refusals are polled (harness.refused_soon): the contract is 2 s on every
worker, and tests must tolerate a busy machine, so no timing is asserted.
Auth routes are rate-limited per client address by nginx: requests here
rotate over loopback source addresses and wait out nginx's own 429."""

import itertools
import os
import subprocess
import time

from harness import (cognito_call, cognito_user, env, expect, expect_eq,
                     expect_problem, expect_status, refused_soon, request,
                     run, secret_hash, test, token_claims, unique_email)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "Session-Leaf-42"
NEW_PASSWORD = "Session-Root-43"
BEARER_ROUTES = ("/api/v1/users/me", "/api/v1/users/me/plants",
                 "/api/v1/subscriptions", "/api/v1/entitlements")
_sources = itertools.cycle(["127.0.8.%d" % i for i in range(1, 255)])


def call(method, path, **kw):
    for _ in range(40):
        r = request(method, path, source=next(_sources), **kw)
        if not (r.status == 429 and isinstance(r.json, dict)
                and r.json.get("type") == "about:blank"):
            return r
        time.sleep(0.25)
    return r


def post(path, **kw):
    return call("POST", path, **kw)


def get(path, **kw):
    return call("GET", path, **kw)


def account(prefix):
    """A registered, confirmed (by the emailed code) account's email."""
    email = unique_email(prefix)
    expect_status(post("/api/v1/auth/register",
                       json={"email": email, "password": PASSWORD}), 201)
    code = (cognito_user(email) or {}).get("ConfirmationCode")
    expect(code, "no code for %s" % email)
    expect_status(post("/api/v1/auth/confirm",
                       json={"email": email, "code": code}), 204)
    return email


def login(email, password=PASSWORD):
    r = post("/api/v1/auth/login", json={"email": email,
                                         "password": password})
    expect_status(r, 200)
    return r.json


def works(tokens):
    for tok in (tokens["access_token"], tokens["id_token"]):
        for path in BEARER_ROUTES:
            expect_status(get(path, token=tok), 200)


def refused(tokens):
    for tok in (tokens["access_token"], tokens["id_token"]):
        for path in BEARER_ROUTES:
            refused_soon("GET", path, tok)


def refresh(email, tokens):
    return post("/api/v1/auth/refresh", json={
        "email": email, "refresh_token": tokens["refresh_token"]})


@test
def logout_ends_that_sign_in_only():
    email = account("logout")
    one, two = login(email), login(email)
    works(one)
    works(two)
    expect_status(post("/api/v1/auth/logout", token=one["access_token"],
                       json={"refresh_token": one["refresh_token"]}), 204)
    refused(one)
    expect_problem(refresh(email, one), 401)
    works(two)
    expect_status(refresh(email, two), 200)


@test
def logout_ends_the_tokens_refreshed_from_that_sign_in():
    email = account("logoutref")
    first = login(email)
    r = refresh(email, first)
    expect_status(r, 200)
    refreshed = r.json
    works(refreshed)
    # logging out with the first access token and the sign-in's refresh
    # token ends what was refreshed from it too
    expect_status(post("/api/v1/auth/logout", token=first["access_token"],
                       json={"refresh_token": first["refresh_token"]}), 204)
    refused(first)
    refused(refreshed)


@test
def logout_with_an_id_token_ends_the_sign_in():
    email = account("logoutid")
    t = login(email)
    expect_status(post("/api/v1/auth/logout", token=t["id_token"],
                       json={"refresh_token": t["refresh_token"]}), 204)
    refused(t)


@test
def change_password_ends_every_sign_in():
    email = account("change")
    one, two = login(email), login(email)
    refreshed = refresh(email, two).json
    expect_status(post("/api/v1/auth/change-password",
                       token=one["access_token"],
                       json={"old_password": PASSWORD,
                             "new_password": NEW_PASSWORD}), 204)
    for t in (one, two, refreshed):
        refused(t)
    expect_problem(refresh(email, one), 401)
    expect_problem(refresh(email, two), 401)
    # a sign-in right after the answer works at once
    fresh = login(email, NEW_PASSWORD)
    works(fresh)
    expect_status(refresh(email, fresh), 200)


@test
def reset_password_ends_every_sign_in():
    email = account("reset")
    t = login(email)
    works(t)
    expect_status(post("/api/v1/auth/forgot-password",
                       json={"email": email}), 204)
    code = (cognito_user(email) or {}).get("ConfirmationCode")
    expect(code, "no reset code")
    expect_status(post("/api/v1/auth/reset-password", json={
        "email": email, "code": code, "new_password": NEW_PASSWORD}), 204)
    refused(t)
    expect_problem(refresh(email, t), 401)
    works(login(email, NEW_PASSWORD))


@test
def deleted_account_tokens_never_come_back():
    email = account("gone")
    t = login(email)
    r = refresh(email, t)
    expect_status(r, 200)
    refreshed = r.json
    expect_status(call("DELETE", "/api/v1/users/me", token=t["id_token"]),
                  204)
    for tok in (t, refreshed):
        refused(tok)
        refused_soon("PATCH", "/api/v1/users/me", tok["id_token"],
                     json={"name": "back"})
        refused_soon("POST", "/api/v1/subscriptions", tok["access_token"],
                     json={"plan": "subscriber",
                           "billing_period": "monthly"})
    expect_problem(refresh(email, t), 401)


@test
def refresh_answers_unknown_and_known_emails_alike():
    email = account("oracle")
    t = login(email)
    bad = t["refresh_token"][:-4] + "AAAA"
    known = post("/api/v1/auth/refresh", json={"email": email,
                                               "refresh_token": bad})
    unknown = post("/api/v1/auth/refresh", json={
        "email": unique_email("nobody"), "refresh_token": bad})
    expect_problem(known, 401)
    expect_problem(unknown, 401)
    expect_eq(known.json["detail"], unknown.json["detail"], "detail")
    expect_eq(known.headers.get("WWW-Authenticate"),
              unknown.headers.get("WWW-Authenticate"), "challenge")
    # another account's valid refresh token under an unknown email
    other = post("/api/v1/auth/refresh", json={
        "email": unique_email("nobody"), "refresh_token": t["refresh_token"]})
    expect_problem(other, 401)
    expect_eq(other.json["detail"], known.json["detail"], "detail")


@test
def tokens_name_their_sign_in():
    email = account("sid")
    t = login(email)
    a, i = token_claims(t["access_token"]), token_claims(t["id_token"])
    sid_a = a.get("origin_jti") or a.get("event_id")
    sid_i = i.get("origin_jti") or i.get("event_id")
    expect(sid_a and sid_a == sid_i, "access and ID token share a sign-in")
    expect_eq(a["auth_time"], i["auth_time"], "auth_time")


# A state change whose answer was lost (the service answered 503, the
# change happened at Cognito): the client's repeat is answered as the
# first would have been, never 409 / "wrong code" / "wrong old password".
# The first attempt is made straight at cognito-local to stand for it.

@test
def repeated_register_after_a_lost_answer_is_201():
    email = unique_email("again")
    status, out = cognito_call("SignUp", {
        "ClientId": env("COGNITO_CLIENT_ID"), "Username": email,
        "Password": PASSWORD, "SecretHash": secret_hash(email),
        "UserAttributes": [{"Name": "email", "Value": email}]})
    expect(status == 200, "SignUp: %r" % out)
    r = post("/api/v1/auth/register", json={"email": email,
                                            "password": PASSWORD})
    expect_status(r, 201)
    expect_eq((r.json["user_sub"], r.json["confirmed"]),
              (out["UserSub"], False), "the first sign-up's answer")
    # someone else (another password) still gets the 409
    expect_problem(post("/api/v1/auth/register", json={
        "email": email, "password": NEW_PASSWORD}), 409)


@test
def repeated_logout_after_a_lost_answer_is_204():
    email = account("logoutagain")
    t = login(email)
    status, out = cognito_call("RevokeToken", {
        "ClientId": env("COGNITO_CLIENT_ID"), "Token": t["refresh_token"],
        "ClientSecret": env("COGNITO_CLIENT_SECRET")})
    expect(status == 200, "RevokeToken: %r" % out)
    expect_status(post("/api/v1/auth/logout", token=t["access_token"],
                       json={"refresh_token": t["refresh_token"]}), 204)
    refused(t)


@test
def repeated_change_password_after_a_lost_answer_is_204():
    email = account("changeagain")
    t = login(email)
    status, out = cognito_call("ChangePassword", {
        "AccessToken": t["access_token"], "PreviousPassword": PASSWORD,
        "ProposedPassword": NEW_PASSWORD})
    expect(status == 200, "ChangePassword: %r" % out)
    expect_status(post("/api/v1/auth/change-password",
                       token=t["access_token"],
                       json={"old_password": PASSWORD,
                             "new_password": NEW_PASSWORD}), 204)
    refused(t)
    works(login(email, NEW_PASSWORD))


@test
def repeated_reset_password_after_a_lost_answer_is_204():
    email = account("resetagain")
    expect_status(post("/api/v1/auth/forgot-password",
                       json={"email": email}), 204)
    code = (cognito_user(email) or {}).get("ConfirmationCode")
    status, out = cognito_call("ConfirmForgotPassword", {
        "ClientId": env("COGNITO_CLIENT_ID"), "Username": email,
        "ConfirmationCode": code, "Password": NEW_PASSWORD,
        "SecretHash": secret_hash(email)})
    expect(status == 200, "ConfirmForgotPassword: %r" % out)
    expect_status(post("/api/v1/auth/reset-password", json={
        "email": email, "code": code, "new_password": NEW_PASSWORD}), 204)
    # a wrong code with a password that is not the account's: 400
    expect_problem(post("/api/v1/auth/reset-password", json={
        "email": email, "code": "000000",
        "new_password": "Not-The-Pw-99"}), 400)


def _check(extra, drop):
    e = dict(os.environ)
    for k in drop:
        e.pop(k, None)
    e.update(extra)
    binary = os.path.join(ROOT, os.environ.get("GROWVRD_BIN", "build"),
                          "growvrd-fcgi")
    if not os.path.isabs(binary):
        binary = os.path.join(ROOT, binary)
    p = subprocess.run([binary, "--check"], env=e, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


@test
def worker_refuses_to_start_without_a_cursor_key_it_can_trust():
    rc, out = _check({}, ("GROWVRD_CURSOR_KEY", "COGNITO_CLIENT_SECRET",
                          "COGNITO_CLIENT_SECRET_ARN"))
    expect(rc != 0 and "no key for list cursors" in out,
           "no key: rc %d %s" % (rc, out[-300:]))
    # LIM_CURSOR_KEY_MIN is 16 bytes: 15 refused, 16 accepted
    rc, out = _check({"GROWVRD_CURSOR_KEY": "k" * 15}, ())
    expect(rc != 0 and "too short" in out, "15 bytes: rc %d" % rc)
    rc, out = _check({"GROWVRD_CURSOR_KEY": "k" * 16}, ())
    expect(rc == 0, "16 bytes: rc %d %s" % (rc, out[-300:]))
    # the stack itself runs with one
    expect(len(env("GROWVRD_CURSOR_KEY", "")) >= 32, "local.env sets one")


if __name__ == "__main__":
    run()
