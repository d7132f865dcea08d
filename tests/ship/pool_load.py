#!/usr/bin/env python3
"""pool_load.py - load through nginx while something happens to the pool.

    pool_load.py URL PHASE SECONDS [ACTION...]

Keeps THREADS (8) clients busy for SECONDS against URL (https, the
certificate is a throwaway one and is not checked): GET
/api/v1/plants?limit=2 (200, a DynamoDB call), GET /healthz (200; or
503 with Retry-After in a phase where every worker restarts at once,
ALL_DOWN) and
POST /api/v1/plants with a JSON body and no token (401, the body read by
the worker; or 503 with Retry-After when its worker is killed under it,
KILLS), in turn.  After a third of the time it runs ACTION (a shell
command) and waits for it.  A request fails when it gets another status
or no answer.  Prints

    PHASE: N requests (GET g, POST p), F failed (GET fg, POST fp), action rc R

and a few failure samples; exits 1 when a request failed or the action
did.
"""
import http.client
import json
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

THREADS = 8
# Phases in which every worker is down for a moment: /healthz may then
# answer 503 with Retry-After (API 1.1: never 200 while no worker runs).
ALL_DOWN = ("restart-all",)
# Phases that kill a worker in the middle of requests: a POST it was
# running is never replayed on another worker (it may have been applied;
# nginx passes on only what it could not send), so it may answer 503
# with Retry-After, which tells the client to send it again.  A GET is
# replayed and must not fail.
KILLS = ("kill-9",)
BODY = json.dumps({"id": "pool-probe", "name": "Probe"}).encode()
PLAN = [("GET", "/api/v1/plants?limit=2", None, 200),
        ("GET", "/healthz", None, 200),
        ("POST", "/api/v1/plants", BODY, 401)]


def main():
    url, phase, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    action = sys.argv[4:]
    u = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE     # test-only throwaway certificate
    lock = threading.Lock()
    counts = {"GET": 0, "POST": 0}
    fails = {"GET": 0, "POST": 0}
    samples = []
    health_503 = [0]
    post_503 = [0]
    stop = time.monotonic() + seconds

    def client(n):
        conn = None
        i = n
        while time.monotonic() < stop:
            method, path, body, want = PLAN[i % len(PLAN)]
            i += 1
            why = None
            try:
                if conn is None:
                    conn = http.client.HTTPSConnection(
                        u.hostname, u.port or 443, timeout=60, context=ctx)
                headers = {"Content-Type": "application/json"} if body \
                    else {}
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
                retry = r.status == 503 and r.getheader("Retry-After")
                if r.status != want and not (
                        path == "/healthz" and retry and
                        phase in ALL_DOWN) and not (
                        method == "POST" and retry and phase in KILLS):
                    why = "%s %s: %d %s" % (method, path, r.status,
                                            data[:120])
                elif r.status != want:
                    with lock:
                        if method == "POST":
                            post_503[0] += 1
                        else:
                            health_503[0] += 1
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                why = "%s %s: %r" % (method, path, e)
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                counts[method] += 1
                if why:
                    fails[method] += 1
                    if len(samples) < 5:
                        samples.append(why)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,))
               for n in range(THREADS)]
    for t in threads:
        t.start()
    rc = 0
    if action:
        time.sleep(seconds / 3)
        rc = subprocess.call(action)
    for t in threads:
        t.join()
    total = counts["GET"] + counts["POST"]
    failed = fails["GET"] + fails["POST"]
    print("%s: %d requests (GET %d, POST %d), %d failed (GET %d, POST %d),"
          " action rc %d" % (phase, total, counts["GET"], counts["POST"],
                             failed, fails["GET"], fails["POST"], rc))
    if post_503[0]:
        print("  %d POST in flight on a killed worker answered 503 with "
              "Retry-After (not replayed)" % post_503[0])
    if health_503[0]:
        print("  /healthz answered 503 %d times while no worker ran"
              % health_503[0])
    for s in samples:
        print("  failure: %s" % s)
    return 1 if failed or rc else 0


if __name__ == "__main__":
    sys.exit(main())
