"""tests/ops/test_restore.py - scripts/restore-check against DynamoDB Local
(run once by tests/run-all against its test stack, not per worker build).

DynamoDB Local has no point-in-time recovery, so a copy of the stack's
Plants table made by export and import (a scan, then BatchWriteItem into
a new table with the same keys) stands in for the restored table.  The
check must pass on the copy, and notice an item changed in it, an item
missing from it, and an empty table."""

import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from harness import expect, env, test, run  # noqa: E402
COPY = "PlantsRestoreCheck%d" % os.getpid()


def ddb(*args):
    p = subprocess.run(["aws", "dynamodb",
                        "--endpoint-url=" + env("DYNAMODB_ENDPOINT")]
                       + list(args) + ["--output", "json"],
                       capture_output=True, text=True, timeout=120)
    expect(p.returncode == 0, "aws dynamodb %s: %s" % (args[0], p.stderr))
    return json.loads(p.stdout) if p.stdout.strip() else {}


def check(*extra):
    p = subprocess.run([os.path.join(ROOT, "scripts", "restore-check"),
                        "--source", env("PLANTS_TABLE"), "--restored", COPY,
                        "--sample", "0"] + list(extra),
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def copy_table():
    """Export the Plants table and import it into COPY."""
    src = env("PLANTS_TABLE")
    t = ddb("describe-table", "--table-name", src)["Table"]
    keys = {k["AttributeName"] for k in t["KeySchema"]}
    ddb("create-table", "--table-name", COPY,
        "--billing-mode", "PAY_PER_REQUEST",
        "--key-schema", json.dumps(t["KeySchema"]),
        "--attribute-definitions", json.dumps(
            [d for d in t["AttributeDefinitions"]
             if d["AttributeName"] in keys]))
    items = ddb("scan", "--table-name", src)["Items"]
    expect(items, "the Plants table is empty")
    batch(lambda it: {"PutRequest": {"Item": it}}, items)
    return items


def batch(op, items):
    for i in range(0, len(items), 25):
        ddb("batch-write-item", "--request-items", json.dumps(
            {COPY: [op(it) for it in items[i:i + 25]]}))


@test
def restored_copy_passes_and_every_difference_is_found():
    items = copy_table()
    try:
        rc, out = check("--exact")
        expect(rc == 0, "a faithful copy fails:\n" + out)
        expect("items: %s %d, %s %d" % (env("PLANTS_TABLE"), len(items), COPY,
                                        len(items)) in out, out)

        changed = dict(items[0])
        changed["name"] = {"S": "Restored differently"}
        batch(lambda it: {"PutRequest": {"Item": it}}, [changed])
        batch(lambda it: {"DeleteRequest": {"Key": {"id": it["id"]}}},
              [items[1]])
        rc, out = check("--exact")
        expect(rc == 1 and "differs" in out and "(attributes name)" in out,
               "a changed item goes unnoticed:\n" + out)
        expect("missing from the restored table" in out,
               "a missing item goes unnoticed:\n" + out)
        # Both are fine when the source moved on since the restore point
        # (every plant has a changed_at later than 0).
        rc, out = check("--since-ms", "0")
        expect(rc == 0 and "only in the source 1" in out
               and "1 changed since the restore point" in out,
               "changes since the restore point fail:\n" + out)

        batch(lambda it: {"DeleteRequest": {"Key": {"id": it["id"]}}},
              items)
        rc, out = check()
        expect(rc == 1 and "the restored table is empty" in out,
               "an empty restore passes:\n" + out)
    finally:
        ddb("delete-table", "--table-name", COPY)


if __name__ == "__main__":
    run()
