#!/usr/bin/env python3
"""fcgi_sigterm.py - a worker stopped with SIGTERM finishes its request.

Runs growvrd-fcgi on a unix socket it inherits as fd 0 (as systemd's
StandardInput=socket and spawn-fcgi give it) and speaks FastCGI to it
directly, so the signal can be sent at chosen points of a request: while
the worker waits idle, between the parameters, and in the middle of the
body.  Each case checks that the answer is the complete one a request
without a signal gets, and that the worker then exits 0 promptly.

usage: fcgi_sigterm.py BIN_DIR        (prints "N passed, N failed")
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def record(rtype, content=b""):
    """One FastCGI record of request id 1."""
    return struct.pack(">BBHHBB", 1, rtype, 1, len(content), 0, 0) + content


def pair(name, value):
    """A FastCGI name-value pair (lengths below 128 bytes)."""
    n, v = name.encode(), value.encode()
    assert len(n) < 128 and len(v) < 128
    return bytes([len(n), len(v)]) + n + v


def params(body):
    env = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/healthz",
           "DOCUMENT_URI": "/healthz", "SCRIPT_NAME": "/healthz",
           "QUERY_STRING": "", "CONTENT_TYPE": "application/json",
           "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1",
           "REQUEST_ID": "0123456789abcdef0123456789abcdef",
           "SERVER_PROTOCOL": "HTTP/1.1"}
    return b"".join(pair(k, v) for k, v in env.items())


def read_answer(conn, timeout=10.0):
    """STDOUT bytes up to END_REQUEST; None when the worker hung up."""
    conn.settimeout(timeout)
    buf, out = b"", b""
    while True:
        while len(buf) >= 8:
            _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            content = buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
            if rtype == STDOUT:
                out += content
            elif rtype == END:
                return out
        try:
            chunk = conn.recv(65536)
        except (socket.timeout, ConnectionError):
            return None
        if not chunk:
            return None
        buf += chunk


def status_of(answer):
    if answer is None:
        return "no answer"
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n"):
        if line.lower().startswith("status:"):
            return line.split(":", 1)[1].strip()
    return "200 (no Status header)"


class Worker:
    def __init__(self, bindir, tmp):
        self.path = os.path.join(tmp, "w.sock")
        if os.path.exists(self.path):
            os.unlink(self.path)
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(self.path)
        ls.listen(16)
        env = {"PATH": "/usr/bin:/bin",
               "GROWVRD_PLANS_FILE": os.path.join(ROOT, "conf/plans.json"),
               "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
               "DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
               "COGNITO_ENDPOINT": "http://127.0.0.1:9",
               # the worker refuses to start without a cursor key
               "GROWVRD_CURSOR_KEY": "ship-test-cursor-key-not-secret",
               "GROWVRD_LOG_LEVEL": "warn"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        self.log = open(os.path.join(tmp, "worker.log"), "ab")
        self.proc = subprocess.Popen([os.path.join(bindir, "growvrd-fcgi")],
                                     stdin=ls, stdout=self.log,
                                     stderr=self.log, env=env)
        ls.close()

    def connect(self):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(self.path)
        return c

    def term(self):
        self.proc.send_signal(signal.SIGTERM)

    def exit_code(self, within=5.0):
        try:
            return self.proc.wait(within)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "still running after %.0f s" % within

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


BODY = b'{"probe":"' + b"x" * 2000 + b'"}'


def request(w, body, pause_at=None):
    """Send a request; pause_at(stage) runs between its parts."""
    c = w.connect()
    c.sendall(record(BEGIN, struct.pack(">HB5x", 1, 0)))
    p = params(body)
    c.sendall(record(PARAMS, p[:len(p) // 2]))
    if pause_at:
        pause_at("params")
    c.sendall(record(PARAMS, p[len(p) // 2:]) + record(PARAMS))
    c.sendall(record(STDIN, body[:len(body) // 2]))
    if pause_at:
        pause_at("body")
    c.sendall(record(STDIN, body[len(body) // 2:]) + record(STDIN))
    ans = read_answer(c)
    c.close()
    return ans


def main():
    bindir = sys.argv[1] if len(sys.argv) > 1 else "build"
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="growvrd-sigterm-") as tmp:
        def check(name, ok, why=""):
            nonlocal passed, failed
            if ok:
                passed += 1
                print("ok   %s" % name)
            else:
                failed += 1
                print("FAIL %s: %s" % (name, why))

        # The answer without any signal, to compare with.
        w = Worker(bindir, tmp)
        time.sleep(0.3)
        want = status_of(request(w, BODY))
        w.term()
        code = w.exit_code()
        check("baseline request is answered", want != "no answer", want)
        check("idle worker exits 0 on SIGTERM", code == 0, str(code))
        w.close()

        for stage in ("params", "body"):
            w = Worker(bindir, tmp)
            time.sleep(0.3)

            def pause(at, w=w, stage=stage):
                if at == stage:
                    time.sleep(0.2)
                    w.term()
                    time.sleep(0.3)

            got = status_of(request(w, BODY, pause))
            code = w.exit_code()
            check("SIGTERM in the %s: the full answer (%s)" % (stage, want),
                  got == want, "got %s" % got)
            check("SIGTERM in the %s: then exits 0" % stage, code == 0,
                  str(code))
            w.close()

        # A request queued behind a SIGTERM'd busy worker is not taken:
        # it stays in the socket for the next worker (systemd's socket).
        w = Worker(bindir, tmp)
        time.sleep(0.3)
        c = w.connect()
        c.sendall(record(BEGIN, struct.pack(">HB5x", 1, 0)))
        w.term()
        time.sleep(0.3)
        p = params(BODY)
        c.sendall(record(PARAMS, p) + record(PARAMS) + record(STDIN, BODY) +
                  record(STDIN))
        got = status_of(read_answer(c))
        code = w.exit_code()
        check("SIGTERM after accept, before the request: answered",
              got == want, "got %s" % got)
        check("SIGTERM after accept: then exits 0", code == 0, str(code))
        c.close()
        w.close()
        log = open(os.path.join(tmp, "worker.log"), "rb").read()
        if failed:
            sys.stdout.write(log.decode("utf-8", "replace")[-3000:])
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
