"""test_tls_headers.py - the HTTPS server's TLS settings and response
headers (nginx/snippets/growvrd-tls.conf), the same snippet production
includes: protocols, suites, curves, session tickets, HSTS, CSP, no HTTP
compression."""

import http.client
import ssl

from harness import (base_url, expect, expect_eq, get, ssl_context, test,
                     run)


def _ip_request(path, headers=None):
    """GET path over HTTPS to 127.0.0.1 itself (Host: 127.0.0.1), as a
    TLS grader connects; the certificate names the address too."""
    u = base_url()
    conn = http.client.HTTPSConnection("127.0.0.1", u.port or 443,
                                       timeout=15, context=ssl_context())
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        r.read()
        return r
    finally:
        conn.close()


def _handshake(**kw):
    """The negotiated (version, cipher) with a context set up by kw, or
    the ssl.SSLError."""
    u = base_url()
    ctx = ssl_context(**kw)
    try:
        import socket
        with socket.create_connection(("127.0.0.1", u.port or 443),
                                      timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=u.hostname) as t:
                return t.version(), t.cipher()[0]
    except ssl.SSLError as e:
        return e


@test
def tls_1_1_is_refused():
    ctx = ssl_context()
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        return      # this OpenSSL cannot even offer TLS 1.1: refused anyway
    got = _handshake(minimum_version=ctx.minimum_version,
                     maximum_version=ctx.maximum_version)
    expect(isinstance(got, ssl.SSLError), "TLS 1.1 was accepted: %r" % (got,))


@test
def tls_1_2_gets_an_ecdhe_aead_suite():
    got = _handshake(maximum_version=ssl.TLSVersion.TLSv1_2)
    expect(not isinstance(got, Exception), "TLS 1.2 failed: %r" % (got,))
    version, cipher = got
    expect_eq(version, "TLSv1.2", "version")
    expect(cipher.startswith("ECDHE-") and
           ("GCM" in cipher or "CHACHA20" in cipher),
           "TLS 1.2 suite %s is not ECDHE with an AEAD" % cipher)


@test
def tls_1_2_cbc_and_rsa_key_exchange_are_refused():
    ctx_kw = dict(maximum_version=ssl.TLSVersion.TLSv1_2)
    ctx = ssl_context(**ctx_kw)
    ctx.set_ciphers("AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-SHA:"
                    "ECDHE-ECDSA-AES128-SHA:AES128-GCM-SHA256")
    u = base_url()
    import socket
    try:
        with socket.create_connection(("127.0.0.1", u.port or 443),
                                      timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=u.hostname) as t:
                got = t.cipher()[0]
    except ssl.SSLError:
        return
    raise AssertionError("the server accepted %s" % got)


@test
def tls_1_3_is_offered():
    got = _handshake(minimum_version=ssl.TLSVersion.TLSv1_3)
    expect(not isinstance(got, Exception), "TLS 1.3 failed: %r" % (got,))
    expect_eq(got[0], "TLSv1.3", "version")


@test
def hsts_is_sent_for_an_ip_literal_host():
    r = _ip_request("/healthz")
    expect_eq(r.headers.get("Strict-Transport-Security"), "max-age=63072000",
              "Strict-Transport-Security")


@test
def no_hsts_for_the_name_localhost():
    r = get("/healthz")
    expect(r.headers.get("Strict-Transport-Security") is None,
           "HSTS sent for %s: %r" % (base_url().hostname,
                                     r.headers.get("Strict-Transport-Security")))


@test
def csp_allows_no_inline_code_and_no_framing():
    csp = get("/no-such-page.html").headers.get("Content-Security-Policy", "")
    expect("default-src 'self'" in csp, "CSP: %r" % csp)
    expect("frame-ancestors 'none'" in csp, "CSP: %r" % csp)
    expect("unsafe-inline" not in csp and "unsafe-eval" not in csp,
           "CSP: %r" % csp)


@test
def referrer_policy_is_sent():
    expect_eq(get("/healthz").headers.get("Referrer-Policy"), "no-referrer",
              "Referrer-Policy")


@test
def https_answers_are_not_compressed():
    r = _ip_request("/api/v1/plants?limit=5",
                    {"Accept-Encoding": "gzip, deflate, br"})
    expect(r.headers.get("Content-Encoding") is None,
           "Content-Encoding: %r" % r.headers.get("Content-Encoding"))


if __name__ == "__main__":
    run()
