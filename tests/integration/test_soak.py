"""Long-lived workers must not grow: RSS of the pool before and after a
few thousand mixed requests (good, bad, malformed) on kept-alive
connections.  Skipped for the sanitized build, whose allocator keeps
freed memory in quarantine on purpose."""

import glob
import http.client
import os
import urllib.parse

from harness import env, expect, run, ssl_context, test

WARMUP = 400
ROUNDS = 3000
# Allowed growth per worker: allocator noise, not a leak per request.
SLACK_KB = 768

REQUESTS = [
    ("GET", "/api/v1/plants/p001", None),
    ("GET", "/api/v1/plants?q=plant&pet_safe=false&limit=7", None),
    ("GET", "/api/v1/plants?limit=0", None),
    ("GET", "/api/v1/plants?cursor=eyJpZCI6InAwMDUifQ.AAAAAAAAAAAAAAAAAAAAAA", None),
    ("GET", "/api/v1/plants/nope", None),
    ("GET", "/api/v1/nowhere", None),
    ("POST", "/api/v1/plants", b'{"id":"x","name":1,"a":{"b":[1,2,{"c":null}]}}'),
    ("POST", "/api/v1/plants", b'{"a":1,"a":2'),
    ("PATCH", "/api/v1/plants", b"{}"),
    ("GET", "/healthz", None),
]


def worker_pids():
    pids = []
    for f in glob.glob(os.path.join(env("STACK_DIR"), "run", "worker-*.pid")):
        with open(f) as fh:
            pid = fh.read().strip()
        if pid.isdigit() and os.path.exists("/proc/" + pid):
            pids.append(pid)
    return pids


def rss_kb(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sanitized(pids):
    return any("/san/" in os.readlink("/proc/%s/exe" % p) for p in pids)


def hammer(n):
    u = urllib.parse.urlsplit(env("GROWVRD_URL"))
    conn = http.client.HTTPSConnection(u.hostname, u.port,
                                       context=ssl_context(), timeout=15)
    statuses = {}
    try:
        for i in range(n):
            method, path, body = REQUESTS[i % len(REQUESTS)]
            headers = {"Content-Type": "application/json"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            statuses[r.status] = statuses.get(r.status, 0) + 1
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
    finally:
        conn.close()
    return statuses


@test
def workers_do_not_grow_under_mixed_load():
    pids = worker_pids()
    expect(pids, "no worker pid files in STACK_DIR/run")
    statuses = hammer(WARMUP)
    expect(500 not in statuses and 502 not in statuses,
           "errors during warm-up: %r" % statuses)
    before = {p: rss_kb(p) for p in pids}
    statuses = hammer(ROUNDS)
    expect(500 not in statuses and 502 not in statuses,
           "errors under load: %r" % statuses)
    after = {p: rss_kb(p) for p in worker_pids()}
    expect(set(after) == set(before), "a worker restarted: %r -> %r"
           % (sorted(before), sorted(after)))
    if sanitized(pids):
        return
    for p in pids:
        grew = after[p] - before[p]
        expect(grew <= SLACK_KB, "worker %s grew by %d KiB over %d requests"
               " (%d -> %d)" % (p, grew, ROUNDS, before[p], after[p]))
    print("  rss KiB before %r after %r" % (before, after))


if __name__ == "__main__":
    run()
