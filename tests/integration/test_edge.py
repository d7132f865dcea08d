"""test_edge.py - what nginx in front of the workers guarantees: TLS, the
plain-HTTP redirect, health routes, request ids, problem documents for
the answers nginx makes itself, body size and rate limits, access log."""

import json
import os
import re
import socket
import ssl
import threading
import time

from harness import (expect, expect_eq, expect_problem, expect_status, get,
                     env, http_request, post, request, request_id,
                     ssl_context, test, run, base_url)


@test
def healthz_over_tls_is_ok_with_a_request_id():
    r = get("/healthz")
    expect_status(r, 200)
    expect_eq(r.json, {"status": "ok"}, "body")
    expect(re.fullmatch(r"[0-9a-f]{32}", request_id(r)),
           "X-Request-Id is not nginx's $request_id")


@test
def every_answer_has_a_fresh_request_id():
    a = request_id(get("/healthz"))
    b = request_id(get("/healthz"))
    expect(a != b, "two requests share X-Request-Id %s" % a)


@test
def plain_http_api_redirects_308_to_https():
    r = http_request("GET", "/api/v1/plants?limit=2")
    expect_status(r, 308)
    expect_eq(r.headers.get("Location"),
              "https://%s:%s/api/v1/plants?limit=2"
              % (base_url().hostname, base_url().port), "Location")
    request_id(r)


@test
def plain_http_post_redirects_308_too():
    r = http_request("POST", "/api/v1/auth/login", json={"email": "x"})
    expect_status(r, 308)
    expect(r.headers.get("Location", "").startswith("https://"),
           "Location: %r" % r.headers.get("Location"))


@test
def plain_http_healthz_answers_without_redirect():
    r = http_request("GET", "/healthz")
    expect_status(r, 200)
    expect_eq(r.json, {"status": "ok"}, "body")
    request_id(r)


@test
def unknown_api_route_is_a_404_problem():
    expect_problem(get("/api/v1/nope"), 404)


@test
def unknown_static_path_is_a_404_problem_from_nginx():
    doc = expect_problem(get("/no-such-page-%d.html" % os.getpid()), 404)
    expect_eq(doc["type"], "about:blank", "type")


@test
def body_over_64_kib_is_a_413_problem():
    body = b'{"pad":"' + b"a" * (70 * 1024) + b'"}'
    r = post("/api/v1/plants", body=body,
             headers={"Content-Type": "application/json"})
    expect_problem(r, 413)


@test
def body_of_60_kib_passes_nginx():
    body = b'{"pad":"' + b"a" * (60 * 1024) + b'"}'
    r = post("/api/v1/nope", body=body,
             headers={"Content-Type": "application/json"})
    expect(r.status != 413, "60 KiB refused with 413")


@test
def certificate_verifies_with_the_local_ca():
    u = base_url()
    ctx = ssl_context()
    with socket.create_connection((u.hostname, u.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=u.hostname) as s:
            cert = s.getpeercert()
            sans = [v for k, v in cert.get("subjectAltName", ())]
            expect("localhost" in sans, "SAN: %r" % (sans,))
            expect("127.0.0.1" in sans, "SAN: %r" % (sans,))
            expect(s.version() in ("TLSv1.2", "TLSv1.3"),
                   "version %s" % s.version())


@test
def certificate_is_not_trusted_without_the_ca():
    u = base_url()
    ctx = ssl.create_default_context()  # system roots only
    try:
        with socket.create_connection((u.hostname, u.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=u.hostname):
                pass
    except ssl.SSLCertVerificationError:
        return
    raise AssertionError("a client without the local CA trusted the server")


@test
def tls_1_2_client_gets_an_ecdhe_aead_suite():
    u = base_url()
    ctx = ssl_context(maximum_version=ssl.TLSVersion.TLSv1_2)
    with socket.create_connection((u.hostname, u.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=u.hostname) as s:
            name, version, _ = s.cipher()
            expect_eq(version, "TLSv1.2", "version")
            expect(name.startswith("ECDHE-") and
                   ("GCM" in name or "CHACHA20" in name),
                   "cipher %s" % name)


@test
def tls_1_1_is_refused():
    u = base_url()
    ctx = ssl_context()
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except ssl.SSLError:
        pass
    try:
        with socket.create_connection((u.hostname, u.port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=u.hostname):
                pass
    except (ssl.SSLError, ConnectionResetError):
        return
    raise AssertionError("a TLS 1.1 handshake succeeded")


@test
def http2_is_offered_by_alpn():
    u = base_url()
    ctx = ssl_context()
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection((u.hostname, u.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=u.hostname) as s:
            expect_eq(s.selected_alpn_protocol(), "h2", "ALPN")


@test
def https_answers_carry_security_headers():
    r = get("/no-such-page.html")
    h = r.headers
    expect_eq(h.get("X-Content-Type-Options"), "nosniff",
              "X-Content-Type-Options")
    expect_eq(h.get("X-Frame-Options"), "DENY", "X-Frame-Options")
    expect(h.get("Server") in (None, "nginx"), "Server: %r" % h.get("Server"))


@test
def auth_routes_are_rate_limited_with_a_429_problem():
    # From a loopback address of its own, so no other test shares the
    # bucket; more requests at once than any configured burst allows.
    results = []
    lock = threading.Lock()

    def hit():
        try:
            r = request("GET", "/api/v1/auth/rate-limit-probe",
                        source="127.0.0.2", timeout=20)
        except Exception as e:  # noqa: BLE001 - counted below
            r = e
        with lock:
            results.append(r)

    threads = [threading.Thread(target=hit) for _ in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [r for r in results if isinstance(r, Exception)]
    expect(not errors, "request errors: %r" % errors[:3])
    limited = [r for r in results if r.status == 429]
    expect(limited, "no 429 among %d concurrent requests (statuses %r)"
           % (len(results), sorted({r.status for r in results})))
    expect_problem(limited[0], 429)
    expect(limited[0].headers.get("Retry-After"), "429 without Retry-After")


@test
def health_routes_are_never_rate_limited():
    statuses = set()
    for _ in range(60):
        statuses.add(request("GET", "/healthz", source="127.0.0.3").status)
    expect(429 not in statuses, "healthz answered 429")


@test
def crl_is_served_at_the_distribution_point():
    r = http_request("GET", "/ca.crl")
    expect_status(r, 200)
    expect_eq(r.headers.get("Content-Type"), "application/pkix-crl",
              "Content-Type")
    expect(r.body[:1] == b"\x30", "CRL is not DER")


def _access_log_entries(rid):
    path = os.path.join(env("STACK_DIR"), "log", "nginx-access.log")
    found = []
    with open(path) as f:
        for line in f:
            if rid in line:
                found.append(json.loads(line))
    return found


@test
def access_log_is_json_with_the_request_id():
    r = get("/no-such-page-for-the-log.html")
    rid = request_id(r)
    entries = []
    for _ in range(20):
        entries = _access_log_entries(rid)
        if entries:
            break
        time.sleep(0.05)
    expect(len(entries) == 1, "log entries for %s: %r" % (rid, entries))
    e = entries[0]
    expect_eq(e["status"], 404, "logged status")
    for key in ("request_time", "upstream_status", "upstream_response_time"):
        expect(key in e, "log entry lacks %s" % key)


@test
def health_routes_are_not_access_logged():
    r = get("/healthz")
    rid = request_id(r)
    time.sleep(0.1)
    expect(r.status != 200 or not _access_log_entries(rid),
           "a 200 /healthz was access-logged")



@test
def a_too_large_header_is_a_431_problem():
    r = get("/api/v1/plans", headers={"X-Big": "a" * 20000})
    doc = expect_problem(r, 431)
    expect(doc["detail"], "detail")


@test
def readyz_is_404_to_a_forwarded_client_and_200_to_loopback():
    r = http_request("GET", "/readyz", headers={"X-Forwarded-For": "1.2.3.4"})
    expect_problem(r, 404)
    deadline = time.monotonic() + 15
    while True:
        r = http_request("GET", "/readyz")
        if r.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect_status(r, 200)
    expect_eq(r.headers.get("Cache-Control"), "no-store", "Cache-Control")


@test
def healthz_comes_from_the_health_thread_even_as_head():
    r = http_request("HEAD", "/healthz")
    expect_status(r, 200)
    expect_eq(r.body, b"", "HEAD body")

if __name__ == "__main__":
    run()
