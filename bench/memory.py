#!/usr/bin/env python3
"""bench/memory.py [TOKENS_FILE] - each worker's memory after it has
served the whole catalog.

Against the running stack of local.env (set -a; . $STACK_DIR/local.env):
walks GET /api/v1/plants?limit=100 along next_cursor to the end (every
plant once), the first pages of a filtered walk, a search that matches
nothing and one that matches, and, with TOKENS_FILE (one ID token a
line, bench/users.py), 10 recommendations per token.  nginx spreads the
requests over the workers, so each of them maps and reads the whole
snapshot.  Then prints, per worker, Rss, Pss, Private (clean + dirty),
Private_Dirty and Shared (clean + dirty) from /proc/PID/smaps_rollup,
the snapshot file's size, and DynamoDB Local's RSS, in kB.  Nothing is
written to the catalog.  (docs/performance.md, "Memory: the snapshot
at 10^4 and 10^5 plants".)
"""

import glob
import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse


def connect():
    u = urllib.parse.urlsplit(os.environ["GROWVRD_URL"])
    ctx = ssl.create_default_context(cafile=os.environ["GROWVRD_CA"])
    return http.client.HTTPSConnection(u.hostname, u.port or 443,
                                       timeout=60, context=ctx)


class Client:
    def __init__(self):
        self.conn = connect()
        self.count = 0

    def get(self, path, token=None):
        headers = {"Authorization": "Bearer " + token} if token else {}
        for attempt in (0, 1):
            try:
                self.conn.request("GET", path, headers=headers)
                r = self.conn.getresponse()
                body = r.read()
                break
            except (http.client.HTTPException, OSError):
                if attempt:
                    raise
                self.conn.close()
                self.conn = connect()
        self.count += 1
        if r.status != 200:
            sys.exit("memory.py: GET %s: %d %s" % (path, r.status, body[:200]))
        return json.loads(body)


def walk(c, query, max_pages=None):
    plants, pages, cursor = 0, 0, None
    while True:
        path = "/api/v1/plants?limit=100" + query
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor)
        doc = c.get(path)
        plants += len(doc["items"])
        pages += 1
        cursor = doc.get("next_cursor")
        if not cursor or (max_pages and pages >= max_pages):
            return plants, pages


def rollup(pid):
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    stack = os.environ["STACK_DIR"]
    c = Client()
    t0 = time.time()
    n, pages = walk(c, "")
    print("memory: walked %d plants in %d pages" % (n, pages))
    for q in ("&light=low_indirect", "&location=kitchen&difficulty_max=3",
              "&q=xyzzyplugh", "&q=fern"):
        n, pages = walk(c, q, max_pages=20)
        print("memory: %s: %d plants in %d pages" % (q[1:], n, pages))
    recs = 0
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            tokens = [t.strip() for t in f if t.strip()]
        for tok in tokens:
            for _ in range(10):
                c.get("/api/v1/recommendations?location=kitchen"
                      "&experience=beginner&limit=5", token=tok)
                recs += 1
    print("memory: %d recommendations; %d requests in %.1f s" %
          (recs, c.count, time.time() - t0))
    print("%-8s %8s %8s %8s %8s %8s" % ("worker", "Rss", "Pss", "Private",
                                        "Pr.Dirty", "Shared"))
    for pidfile in sorted(glob.glob(os.path.join(stack, "run",
                                                 "worker-*.pid"))):
        with open(pidfile) as f:
            pid = int(f.read().strip())
        r = rollup(pid)
        print("%-8d %8d %8d %8d %8d %8d" % (
            pid, r.get("Rss", 0), r.get("Pss", 0),
            r.get("Private_Clean", 0) + r.get("Private_Dirty", 0),
            r.get("Private_Dirty", 0),
            r.get("Shared_Clean", 0) + r.get("Shared_Dirty", 0)))
    snap = os.path.join(os.environ["GROWVRD_CACHE_DIR"], "catalog.snap")
    print("snapshot: %d bytes" % os.path.getsize(snap))
    try:
        with open(os.path.join(stack, "run", "dynamodb.pid")) as f:
            pid = int(f.read().strip())
        print("DynamoDB Local: RSS %d kB" % rss_kb(pid))
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    main()
