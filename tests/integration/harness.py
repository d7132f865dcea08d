"""harness.py - the integration tests' tiny framework (stdlib only).

A test file registers functions with @test and ends with run():

    from harness import test, run, get, expect_eq

    @test
    def healthz_answers_ok():
        r = get("/healthz")
        expect_eq(r.status, 200, "status")

    if __name__ == "__main__":
        run()

run() prints one line per test, "ok - name" or "FAIL - name: reason", then
"N passed, N failed", and exits 1 when any failed.  `python3 test_x.py
word...` runs only the tests whose name contains one of the words.

The stack comes from the environment (scripts/stack writes it into
$STACK_DIR/local.env): GROWVRD_URL (https://localhost:PORT), GROWVRD_CA
(the local CA's PEM), HTTP_PORT, STACK_DIR, COGNITO_* for the helpers.

Requests return a Response (status, headers, body, json), which unpacks
as a 4-tuple; headers is an http.client.HTTPMessage (case-insensitive,
get_all() for repeated fields); json is None when the body is not JSON.
"""

import base64
import hashlib
import hmac
import http.client
import json as _json
import os
import socket
import ssl
import sys
import time
import traceback
import urllib.parse
from collections import namedtuple

Response = namedtuple("Response", "status headers body json")

_tests = []


def test(fn):
    """Register fn as a test; its name is the function's name."""
    _tests.append(fn)
    return fn


class TestFailure(AssertionError):
    """A failed expectation: the test fails with this message."""


# ------------------------------------------------------------ configuration

def env(name, default=None):
    """The environment variable name, or default; fails the test if both
    are missing."""
    value = os.environ.get(name, default)
    if value is None:
        raise TestFailure("%s is not set (source the stack's local.env)" % name)
    return value


def base_url():
    return urllib.parse.urlsplit(env("GROWVRD_URL"))


def ssl_context(cafile=None, **kw):
    """A client TLS context that trusts only the stack's CA (GROWVRD_CA),
    checks the host name and sends no client certificate.  Keyword
    arguments set context attributes (e.g. maximum_version=...)."""
    ctx = ssl.create_default_context(cafile=cafile or env("GROWVRD_CA"))
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


class _SourcedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS from a chosen local address (e.g. 127.0.0.2, for a rate-limit
    bucket of its own), still verifying the certificate for the URL's
    host name."""

    def __init__(self, host, port, source, connect_host, **kw):
        super().__init__(host, port, **kw)
        self._source = source
        self._connect_host = connect_host

    def connect(self):
        sock = socket.create_connection((self._connect_host, self.port),
                                        self.timeout, (self._source, 0))
        self.sock = self._context.wrap_socket(sock,
                                              server_hostname=self.host)


def _encode(body, json_body, headers):
    headers = dict(headers or {})
    if json_body is not None:
        body = _json.dumps(json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    return body, headers


def _response(conn, method, path, body, headers):
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    parsed = None
    ctype = resp.headers.get("Content-Type", "")
    if data and "json" in ctype:
        try:
            parsed = _json.loads(data)
        except ValueError:
            parsed = None
    return Response(resp.status, resp.headers, data, parsed)


def request(method, path, body=None, headers=None, json=None, token=None,
            timeout=15, context=None, source=None):
    """One HTTPS request to GROWVRD_URL + path (a fresh connection).
    json= sends a JSON body; token= adds "Authorization: Bearer token";
    source= binds the local address (loopback stacks only)."""
    u = base_url()
    body, headers = _encode(body, json, headers)
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    ctx = context or ssl_context()
    port = u.port or 443
    if source:
        conn = _SourcedHTTPSConnection(u.hostname, port, source, "127.0.0.1",
                                       timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPSConnection(u.hostname, port,
                                           timeout=timeout, context=ctx)
    try:
        return _response(conn, method, path, body, headers)
    finally:
        conn.close()


def http_request(method, path, body=None, headers=None, json=None,
                 timeout=15):
    """One plain-HTTP request to the stack's HTTP_PORT (same host)."""
    u = base_url()
    body, headers = _encode(body, json, headers)
    conn = http.client.HTTPConnection(u.hostname, int(env("HTTP_PORT")),
                                      timeout=timeout)
    try:
        return _response(conn, method, path, body, headers)
    finally:
        conn.close()


def get(path, **kw):
    return request("GET", path, **kw)


def post(path, **kw):
    return request("POST", path, **kw)


def put(path, **kw):
    return request("PUT", path, **kw)


def patch(path, **kw):
    return request("PATCH", path, **kw)


def delete(path, **kw):
    return request("DELETE", path, **kw)


# ------------------------------------------------------------- expectations

def expect(cond, message):
    """Fail the test with message unless cond holds."""
    if not cond:
        raise TestFailure(message)


def expect_eq(actual, expected, what="value"):
    if actual != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, actual))


def _short(body):
    text = (body.decode("utf-8", "replace") if isinstance(body, bytes)
            else str(body)).strip()
    return text if len(text) <= 200 else text[:200] + "..."


def expect_status(r, status):
    """Fail unless the response has this status (showing the body)."""
    if r.status != status:
        raise TestFailure("status: expected %d, got %d: %s"
                          % (status, r.status, _short(r.body)))


def request_id(r):
    """The single X-Request-Id of a response (fails on none or several)."""
    ids = r.headers.get_all("X-Request-Id") or []
    expect(len(ids) == 1, "expected one X-Request-Id, got %r" % (ids,))
    expect(len(ids[0]) >= 16, "X-Request-Id too short: %r" % ids[0])
    return ids[0]


def expect_problem(r, status):
    """Fail unless r is an RFC 9457 problem with this status whose
    request_id equals the X-Request-Id header; returns the document."""
    expect_status(r, status)
    ctype = r.headers.get("Content-Type", "")
    expect(ctype.split(";")[0].strip() == "application/problem+json",
           "Content-Type: expected application/problem+json, got %r" % ctype)
    doc = r.json
    expect(isinstance(doc, dict), "problem body is not a JSON object: %s"
           % _short(r.body))
    for key in ("type", "title", "status", "detail", "request_id"):
        expect(key in doc, "problem lacks %r: %s" % (key, _short(r.body)))
    expect_eq(doc["status"], status, "problem status")
    expect_eq(doc["request_id"], request_id(r), "problem request_id")
    return doc


# ---------------------------------------------------------- cognito-local

def secret_hash(username):
    """Cognito's SECRET_HASH for username with the stack's app client."""
    cid = env("COGNITO_CLIENT_ID")
    mac = hmac.new(env("COGNITO_CLIENT_SECRET").encode(),
                   (username + cid).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def cognito_call(op, payload):
    """Call cognito-local directly (COGNITO_ENDPOINT); returns (status,
    JSON answer)."""
    u = urllib.parse.urlsplit(env("COGNITO_ENDPOINT"))
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request("POST", "/", body=_json.dumps(payload), headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService." + op})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, (_json.loads(data) if data else {})
    finally:
        conn.close()


def cognito_tokens(email, password):
    """Log in straight at cognito-local (USER_PASSWORD_AUTH), bypassing
    the service; returns AuthenticationResult (AccessToken, IdToken,
    RefreshToken, ...)."""
    status, out = cognito_call("InitiateAuth", {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": env("COGNITO_CLIENT_ID"),
        "AuthParameters": {"USERNAME": email, "PASSWORD": password,
                           "SECRET_HASH": secret_hash(email)}})
    expect(status == 200 and "AuthenticationResult" in out,
           "cognito login of %s failed: %r" % (email, out))
    return out["AuthenticationResult"]


def cognito_user(email):
    """cognito-local's stored record of the user with this email, or None.
    It holds "ConfirmationCode" (sign-up and forgot-password codes, which
    cognito-local otherwise only prints to its log) and "UserStatus"."""
    path = os.path.join(env("STACK_DIR"), "cognito", ".cognito", "db",
                        env("COGNITO_USER_POOL_ID") + ".json")
    for _ in range(20):
        try:
            with open(path) as f:
                db = _json.load(f)
            break
        except ValueError:
            time.sleep(0.05)  # being rewritten
    else:
        raise TestFailure("cannot read %s" % path)
    for user in db.get("Users", {}).values():
        for a in user.get("Attributes", []):
            if a.get("Name") == "email" and a.get("Value") == email:
                return user
    return None


def token_claims(token):
    """The (unverified) payload of a JWT, for reading sub and friends."""
    payload = token.split(".")[1]
    return _json.loads(base64.urlsafe_b64decode(
        payload + "=" * (-len(payload) % 4)))


def ddb_local(op, payload, timeout=30):
    """One raw call to DynamoDB Local itself (DYNAMODB_ENDPOINT; it checks
    no signature), for seeding and checking what the service stored.
    Fails the test unless DynamoDB answers 200."""
    u = urllib.parse.urlsplit(env("DYNAMODB_ENDPOINT"))
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("POST", "/", body=_json.dumps(payload), headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810." + op,
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/"
            + env("AWS_DEFAULT_REGION", "us-east-1")
            + "/dynamodb/aws4_request, SignedHeaders=host, Signature=00"})
        resp = conn.getresponse()
        data = resp.read()
        expect(resp.status == 200, "DynamoDB %s: %d %s"
               % (op, resp.status, data[:300]))
        return _json.loads(data)
    finally:
        conn.close()


def purge_marker(sub, email, username, lease_until, ended):
    """Write the deletion marker of sub (store/purge.h: Subscriptions,
    partition "~purge") straight into DynamoDB Local, as a DELETE that
    failed midway or a worker that died holding it would leave it;
    requested a minute ago.  Returns its key."""
    key = {"user_id": {"S": "~purge"}, "subscription_id": {"S": sub}}
    ddb_local("PutItem", {"TableName": env("SUBSCRIPTIONS_TABLE"),
                          "Item": dict(key, **{
                              "email": {"S": email},
                              "username": {"S": username},
                              "requested_at": {"N": str(int(time.time()) - 60)},
                              "lease_until": {"N": str(int(lease_until))},
                              "ended": {"BOOL": ended}})})
    return key


def confirmed_user(prefix, password, verified=True):
    """A new confirmed cognito-local user and its tokens: a dict with
    email, id_token, access_token, refresh_token and sub.  Signed up at
    cognito-local directly; with verified, confirmed the way a person who
    typed the emailed code is (the code through POST
    /api/v1/auth/confirm, which leaves the email verified); otherwise
    confirmed by an administrator (AdminConfirmSignUp), which leaves the
    email unverified."""
    email = unique_email(prefix)
    status, out = cognito_call("SignUp", {
        "ClientId": env("COGNITO_CLIENT_ID"), "Username": email,
        "Password": password, "SecretHash": secret_hash(email),
        "UserAttributes": [{"Name": "email", "Value": email}]})
    expect(status == 200, "SignUp failed: %r" % out)
    if verified:
        code = (cognito_user(email) or {}).get("ConfirmationCode")
        expect(code, "no confirmation code stored for %s" % email)
        r = post("/api/v1/auth/confirm", json={"email": email, "code": code})
        expect(r.status == 204, "confirm of %s: %d %r" % (email, r.status,
                                                         r.body[:200]))
    else:
        status, out = cognito_call("AdminConfirmSignUp", {
            "UserPoolId": env("COGNITO_USER_POOL_ID"), "Username": email})
        expect(status == 200, "AdminConfirmSignUp failed: %r" % out)
    t = cognito_tokens(email, password)
    return {"email": email, "id_token": t["IdToken"],
            "access_token": t["AccessToken"],
            "refresh_token": t.get("RefreshToken"),
            "sub": token_claims(t["IdToken"])["sub"]}


def refused_soon(method, path, token, json=None, within=10.0):
    """Poll until a bearer request is refused with 401 invalid_token.
    API.md "Sessions": within 2 s on every worker (each worker re-reads
    the sign-out record after 1 s); the poll allows more on a busy
    machine, as tests must."""
    deadline = time.monotonic() + within
    while True:
        r = request(method, path, json=json, token=token)
        if r.status == 401:
            expect("invalid_token" in r.headers.get("WWW-Authenticate", ""),
                   "%s %s: 401 without invalid_token" % (method, path))
            return r
        expect(time.monotonic() < deadline, "%s %s still answers %d" % (
            method, path, r.status))
        time.sleep(0.2)


def unique_email(prefix="t"):
    """A fresh address for a test user."""
    return "%s-%d-%d@growvrd.test" % (prefix, os.getpid(), time.monotonic_ns())


# -------------------------------------------------------------------- run

def _name(fn):
    return fn.__name__.replace("_", " ")


def run():
    """Run the registered tests (filtered by argv words), print one line
    per test and the totals, exit 1 on any failure."""
    words = sys.argv[1:]
    passed = failed = 0
    for fn in _tests:
        name = _name(fn)
        if words and not any(w in fn.__name__ or w in name for w in words):
            continue
        try:
            fn()
        except TestFailure as e:
            failed += 1
            print("FAIL - %s: %s" % (name, e), flush=True)
        except Exception as e:  # a crash in a test is a failure too
            failed += 1
            tb = traceback.extract_tb(e.__traceback__)[-1]
            print("FAIL - %s: %s: %s (%s:%d)" % (
                name, type(e).__name__, e, os.path.basename(tb.filename),
                tb.lineno), flush=True)
        else:
            passed += 1
            print("ok - %s" % name, flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
