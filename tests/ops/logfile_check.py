#!/usr/bin/env python3
"""tests/ops/logfile_check.py - run by tests/pool-test inside its container,
after the load: is what the CloudWatch agent would ship there, and whole?

    logfile_check.py AGENT_JSON

AGENT_JSON is conf/cloudwatch-agent.json.  The workers' journal lines
(what growvrd-logfile.service selects) are read just before and just after
their file.  Prints one "check: ..." or "FAIL: ..." line per check
(tests/pool-test counts them):
  - every file of the agent's configuration exists, and the agent's user
    (cwagent, group adm) can read it; nobody else reads the workers' file;
  - the workers' file holds exactly the workers' journal lines: none lost
    (each line of JOURNAL_BEFORE is there as often), none repeated (none
    more often than in JOURNAL_AFTER), across a restart of the copier;
  - each line is one JSON object; there are request lines, and EMF records
    in the GrowVRD namespace whose metrics are members of the record;
  - nginx's access log is JSON lines whose request ids the workers' lines
    carry too.
"""
import collections
import json
import subprocess
import sys
import time

JOURNAL = ["journalctl", "--no-pager", "--quiet", "--merge", "--output=cat",
           "--identifier=growvrd"]


def out(ok, what):
    print(("check: " if ok else "FAIL: ") + what)


def split(data):
    text = data.decode("utf-8", "replace")
    return [l for l in text.split("\n") if l != ""]


def lines(path):
    with open(path, "rb") as f:
        data = f.read()
    return split(data), data


def journal():
    # (exit status 1 when there is nothing)
    return split(subprocess.run(JOURNAL, stdout=subprocess.PIPE).stdout)


def readable(path, user, group, groups):
    r = subprocess.run(["head", "-c", "1", path], user=user, group=group,
                       extra_groups=groups, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return r.returncode == 0


def emf_ok(rec):
    """A GrowVRD EMF record: directives naming root members."""
    aws = rec.get("_aws")
    if not isinstance(aws, dict) or not isinstance(aws.get("Timestamp"), int):
        return False
    dirs = aws.get("CloudWatchMetrics")
    if not isinstance(dirs, list) or not dirs:
        return False
    for d in dirs:
        if d.get("Namespace") != "GrowVRD":
            return False
        for dims in d.get("Dimensions", []):
            if any(k not in rec for k in dims):
                return False
        for m in d.get("Metrics", []):
            if m.get("Name") not in rec:
                return False
    return True


def main():
    agent = json.load(open(sys.argv[1]))
    files = agent["logs"]["logs_collected"]["files"]["collect_list"]
    paths = {}
    for e in files:
        stream = e.get("log_stream_name", "").rsplit("/", 1)[-1]
        paths[stream] = e["file_path"]
    missing = []
    for p in paths.values():
        try:
            open(p, "rb").close()
        except OSError as err:
            missing.append("%s (%s)" % (p, err.strerror))
    out(not missing, "every file the agent reads exists (%d)%s" % (
        len(paths), "" if not missing else ": missing " + ", ".join(missing)))
    unread = [p for p in paths.values() if not readable(p, "cwagent", "cwagent", ["adm"])]
    out(not unread and not readable(paths["worker"], "nobody", "nogroup", []),
        "the agent's user (cwagent, in adm) reads each file, nobody else "
        "the workers' one%s" % ("" if not unread else
                               ": cwagent cannot read " + ", ".join(unread)))

    # the copier follows the journal within milliseconds: lines in the
    # journal a second before the file is read are in it
    before = journal()
    time.sleep(1)
    worker, raw = lines(paths["worker"])
    after = journal()
    have = collections.Counter(worker)
    want = collections.Counter(before)
    most = collections.Counter(after)
    lost = sum((want - have).values())
    extra = sum((have - most).values())
    out(lost == 0 and extra == 0 and b"\0" not in raw,
        "the workers' file holds their journal lines, none lost, none "
        "repeated (%d lines; %d lost, %d extra)" % (len(worker), lost, extra))
    where = {l: i for i, l in enumerate(before)}
    for l in list((want - have).elements())[:5]:
        print("lost (journal line %d of %d): %.200s" % (where.get(l, -1),
                                                      len(before), l),
              file=sys.stderr)
    for l in list((have - most).elements())[:5]:
        print("extra: %.200s" % l, file=sys.stderr)

    bad = 0
    requests = set()
    emf = emf_bad = 0
    for l in worker:
        try:
            rec = json.loads(l)
        except ValueError:
            rec = None
        if not isinstance(rec, dict):
            bad += 1
            if bad <= 5:
                print("not JSON: %.200s" % l, file=sys.stderr)
            continue
        elif "_aws" in rec:
            emf += 1
            emf_bad += 0 if emf_ok(rec) else 1
        elif rec.get("msg") == "request" and rec.get("request_id"):
            requests.add(rec["request_id"])
    out(bad == 0 and len(requests) >= 10,
        "each line of the workers' file is a JSON object (%d not); %d "
        "requests logged" % (bad, len(requests)))
    out(emf > 0 and emf_bad == 0,
        "the workers' file holds EMF records of the GrowVRD namespace "
        "(%d, %d malformed)" % (emf, emf_bad))

    access, _ = lines(paths["access"])
    bad = 0
    seen = set()
    for l in access:
        try:
            rec = json.loads(l)
            seen.add(rec["request_id"])
        except (ValueError, KeyError, TypeError):
            bad += 1
    both = len(seen & requests)
    out(bad == 0 and len(access) > 0 and both > 0,
        "nginx's access log is JSON lines (%d, %d not), %d of their request "
        "ids in the workers' lines" % (len(access), bad, both))


if __name__ == "__main__":
    main()
