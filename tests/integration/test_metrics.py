"""test_metrics.py - the workers' CloudWatch EMF records, end to end:
requests through nginx and TLS to the real workers, then the records in
the workers' logs must be valid EMF (the same rules as
tests/unit/test_metrics.c, from the CloudWatch user guide's "Embedded
metric format specification") and count exactly the requests sent.

The stack's workers write every GROWVRD_METRICS_PERIOD_MS (tests/run-all
sets 1000; 10000 otherwise), so the test waits a period and a half
before it sends (earlier tests' records are out) and after (its own are
in)."""

import glob
import json
import os
import time

from harness import expect, expect_eq, expect_status, env, get, test, run

UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
         "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits",
         "Megabits", "Gigabits", "Terabits", "Percent", "Count",
         "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
         "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
         "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
         "Terabits/Second", "Count/Second", "None"}


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def emf_problem(line):
    """None when line is one valid EMF document, else what is wrong."""
    try:
        root = json.loads(line)
    except ValueError:
        return "not one JSON value"
    if not isinstance(root, dict) or not isinstance(root.get("_aws"), dict):
        return "_aws"
    aws = root["_aws"]
    if set(aws) - {"Timestamp", "CloudWatchMetrics"}:
        return "_aws has other members"
    ts = aws.get("Timestamp")
    now = time.time() * 1000
    if not isinstance(ts, int) or not now - 14 * 86400e3 <= ts <= now + 7200e3:
        return "Timestamp"
    if not isinstance(aws.get("CloudWatchMetrics"), list):
        return "CloudWatchMetrics"
    for d in aws["CloudWatchMetrics"]:
        if not isinstance(d, dict) or set(d) != {"Namespace", "Dimensions",
                                                 "Metrics"}:
            return "MetricDirective members"
        if not isinstance(d["Namespace"], str) or not 1 <= len(d["Namespace"]) <= 255:
            return "Namespace"
        if not isinstance(d["Dimensions"], list) or not d["Dimensions"]:
            return "Dimensions"
        for ds in d["Dimensions"]:
            if not isinstance(ds, list) or len(ds) > 9:
                return "DimensionSet"
            for k in ds:
                if not isinstance(k, str) or not 1 <= len(k) <= 255 \
                        or not isinstance(root.get(k), str):
                    return "dimension target %r" % k
        if not isinstance(d["Metrics"], list) or len(d["Metrics"]) > 100:
            return "Metrics"
        for m in d["Metrics"]:
            if not isinstance(m, dict) or set(m) - {"Name", "Unit",
                                                    "StorageResolution"}:
                return "MetricDefinition members"
            name = m.get("Name")
            if not isinstance(name, str) or not 1 <= len(name) <= 255:
                return "Name"
            if "Unit" in m and m["Unit"] not in UNITS:
                return "Unit"
            v = root.get(name)
            if not (number(v) or (isinstance(v, list) and len(v) <= 100
                                  and all(number(x) for x in v))):
                return "metric target %r" % name
    return None


def period_s():
    return int(os.environ.get("GROWVRD_METRICS_PERIOD_MS", "10000")) / 1000.0


def log_sizes():
    return {f: os.path.getsize(f) for f in
            glob.glob(os.path.join(env("STACK_DIR"), "log", "worker-*.log"))}


def records_since(sizes):
    out = []
    for f in glob.glob(os.path.join(env("STACK_DIR"), "log", "worker-*.log")):
        with open(f, "rb") as fh:
            fh.seek(sizes.get(f, 0))
            for raw in fh.read().decode("utf-8", "replace").splitlines():
                if '"_aws"' in raw:
                    out.append(raw)
    return out


@test
def records_are_valid_emf_and_count_every_request():
    time.sleep(period_s() * 1.5 + 0.5)
    sizes = log_sizes()
    expect(sizes, "no worker logs under STACK_DIR/log")
    for _ in range(20):
        expect_status(get("/api/v1/plants/p001"), 200)
    for _ in range(4):
        expect_status(get("/api/v1/plants/p999"), 404)
    for _ in range(3):
        expect_status(get("/api/v1/no-such-thing"), 404)
    time.sleep(period_s() * 1.5 + 0.5)
    recs = records_since(sizes)
    expect(recs, "no EMF record in the workers' logs")
    per_route, deps = {}, {}
    for line in recs:
        why = emf_problem(line)
        expect(why is None, "invalid EMF (%s): %s" % (why, line[:300]))
        r = json.loads(line)
        expect_eq(r["_aws"]["CloudWatchMetrics"][0]["Namespace"], "GrowVRD",
                  "namespace")
        if "Route" in r:
            t = per_route.setdefault(r["Route"], {"Requests": 0,
                                                  "Status4xx": 0, "n": 0})
            t["Requests"] += r["Requests"]
            t["Status4xx"] += r["Status4xx"]
            t["n"] += len(r["Latency"])
        else:
            deps[r["Dependency"]] = deps.get(r["Dependency"], 0) + \
                r["DependencyCalls"]
    expect_eq(per_route.get("plants.get", {}).get("Requests"), 24,
              "plants.get requests in %r" % per_route)
    expect_eq(per_route["plants.get"]["Status4xx"], 4, "plants.get 4xx")
    expect_eq(per_route.get("-", {}).get("Requests"), 3, "unrouted")
    expect_eq(sorted(per_route), ["-", "plants.get"], "routes counted")
    expect(per_route["plants.get"]["n"] == 24,
           "24 latencies (each record under 100 requests)")
    expect(deps.get("DynamoDB", 0) >= 24,
           "DynamoDB calls %r for 24 plant reads" % deps)


if __name__ == "__main__":
    run()
