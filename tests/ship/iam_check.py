#!/usr/bin/env python3
"""iam_check.py - the worker's IAM policy allows what the C code calls.

Reads the AWS operations out of the sources under app/ and compares them
with the actions of conf/iam-policy.json.in (the policy scripts/provision
attaches to the instance role):

  - DynamoDB, per table: every operation the worker makes on a table
    (Plants, Users, Subscriptions; found from the ddb_*() calls of
    app/: the table argument when it names cfg.<x>_table, else the
    table of the store file, FILE_TABLE, with FUNC_TABLE for the few
    functions of a file that reach another table) is allowed on that
    table by the policy, and nothing else is (so no Scan on Users or
    Subscriptions); an index only where the code queries one.
  - DynamoDB: every operation named in a ddb_call()/call_put() outside
    app/ctl/ is an action of the policy, and nothing else is; a
    TransactWriteItems counts as the item actions inside it (IAM checks
    those: Put -> PutItem, Update -> UpdateItem, Delete -> DeleteItem,
    ConditionCheck -> ConditionCheckItem).  growvrdctl's own operations
    (app/ctl/: CreateTable, DeleteTable) are not the worker's and must
    not be in the policy.
  - Cognito: every operation the worker signs (cog_call*(..., true, ...))
    is allowed, and nothing else (the user's own calls are unsigned:
    Cognito authorizes them by the client id and the user's tokens).
  - Secrets Manager: GetSecretValue, when app/aws/secrets.c makes it.
  - CloudWatch Logs: writing to the one log group only.
  - no wildcard action, every resource names the templated table, pool,
    secret or log group.

usage: iam_check.py [ROOT]      prints "N passed, N failed"
"""
import glob
import json
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s" % name)
    else:
        failed += 1
        print("FAIL %s%s" % (name, ": " + why if why else ""))


def sources():
    for path in sorted(glob.glob(os.path.join(ROOT, "app", "**", "*.c"),
                                 recursive=True)):
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        # comments out, so that prose naming an operation does not count
        text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ",
                                                     m.group(0)),
                      text, flags=re.S)
        yield rel, text


CALL = re.compile(r"\b(call_put|ddb_call)\s*\(\s*([^,()]+),\s*([^,()]+),"
                  r"\s*([^,()]+),")
COG = re.compile(r"\bcog_call(?:_\w+)?\s*\(\s*([^,()]+),\s*([^,()]+),"
                 r"\s*([^,()]+),\s*([^,()]+),")
TX_KIND = re.compile(r'"(Put|Update|Delete|ConditionCheck)"')
TX_ITEM = {"Put": "PutItem", "Update": "UpdateItem",
           "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def code_actions():
    """(worker ddb ops, ctl-only ddb ops, signed cognito ops, secrets ops,
    problems) found in the sources."""
    worker, ctl, signed, secrets, problems = set(), set(), set(), set(), []
    for rel, text in sources():
        is_ctl = rel.startswith(os.path.join("app", "ctl") + os.sep)
        for m in CALL.finditer(text):
            op = m.group(4).strip()
            line = text.count("\n", 0, m.start()) + 1
            if re.fullmatch(r'"[A-Za-z]+"', op):
                (ctl if is_ctl else worker).add(op.strip('"'))
            elif op == "op" and rel == os.path.join("app", "aws", "ddb.c"):
                continue    # the wrapper forwarding its argument
            elif re.fullmatch(r"(const\s+)?char\s*\*\s*op", op) or \
                    op.startswith("struct "):
                continue    # a definition
            else:
                problems.append("%s:%d: DynamoDB operation %s is not a "
                                "literal" % (rel, line, op))
        if "ddb_transact_write(" in text and \
                rel != os.path.join("app", "aws", "ddb.c"):
            for k in TX_KIND.findall(text):
                (ctl if is_ctl else worker).add(TX_ITEM[k])
        for m in COG.finditer(text):
            op, sign = m.group(3).strip(), m.group(4).strip()
            line = text.count("\n", 0, m.start()) + 1
            if op == "op" or op.startswith("const "):
                continue    # the definition or a forwarding wrapper
            if not re.fullmatch(r'"[A-Za-z]+"', op) or \
                    sign not in ("true", "false"):
                problems.append("%s:%d: Cognito call %s, %s not literal"
                                % (rel, line, op, sign))
                continue
            if sign == "true" and not is_ctl:
                signed.add(op.strip('"'))
        if rel == os.path.join("app", "aws", "secrets.c") and \
                "secretsmanager.GetSecretValue" in text:
            secrets.add("GetSecretValue")
    worker.discard("TransactWriteItems")
    ctl.discard("TransactWriteItems")
    return worker, ctl, signed, secrets, problems


# The table a store file works on, and the exceptions by function.
FILE_TABLE = {
    "app/store/plants.c": "Plants",
    "app/store/catalog.c": "Plants",
    "app/store/catalog_sync.c": "Plants",
    "app/store/users.c": "Users",
    "app/store/user_plants.c": "Users",
    "app/auth/session.c": "Users",
    "app/store/subscriptions.c": "Subscriptions",
    "app/store/quota.c": "Subscriptions",
    "app/store/idempotency.c": "Subscriptions",
    "app/store/idem.c": "Subscriptions",
    "app/store/subs_stripe.c": "Subscriptions",
    "app/store/purge.c": "Subscriptions",
}
FUNC_TABLE = {
    ("app/store/purge.c", "delete_profile"): "Users",
}
TABLE_ARG = {"plants_table": "Plants", "users_table": "Users",
             "subscriptions_table": "Subscriptions"}
DDB_FN = {"ddb_get_item": "GetItem", "ddb_put_item": "PutItem",
          "ddb_update_item": "UpdateItem", "ddb_delete_item": "DeleteItem",
          "ddb_scan": "Scan", "ddb_query": "Query",
          "ddb_query_index": "Query", "ddb_batch_get": "BatchGetItem",
          "ddb_batch_write": "BatchWriteItem",
          "ddb_describe_table": "DescribeTable"}
DDB_CALL = re.compile(r"\b(ddb_[a-z_]+)\s*\(([^;]*?)\)\s*[;)!=<>&|]",
                      re.S)
FUNC_START = re.compile(r"^([a-z_][a-z0-9_]*)\(", re.M)
TABLE_KEYS = {"Plants": "@PLANTS_TABLE@", "Users": "@USERS_TABLE@",
              "Subscriptions": "@SUBSCRIPTIONS_TABLE@"}


def table_actions():
    """{table: set of (action, on_index)} the worker's code makes, and
    problems (a call whose table cannot be told)."""
    out = {t: set() for t in TABLE_KEYS}
    problems = []
    for rel, text in sources():
        if rel.startswith(os.path.join("app", "ctl") + os.sep) or \
                rel.startswith(os.path.join("app", "aws") + os.sep):
            continue
        starts = [(m.start(), m.group(1)) for m in FUNC_START.finditer(text)]
        for m in DDB_CALL.finditer(text):
            fn, args = m.group(1), m.group(2)
            if fn not in DDB_FN and fn != "ddb_transact_write":
                continue
            func = ([f for pos, f in starts if pos < m.start()] or
                    ["?"])[-1]
            if func == fn:
                continue    # a prototype or definition
            line = text.count("\n", 0, m.start()) + 1
            named = [t for k, t in TABLE_ARG.items() if k in args]
            table = named[0] if named else FUNC_TABLE.get(
                (rel, func), FILE_TABLE.get(rel))
            if table is None:
                problems.append("%s:%d: %s on a table the check cannot "
                                "tell (add it to FILE_TABLE)" %
                                (rel, line, fn))
                continue
            if fn == "ddb_transact_write":
                for k in TX_KIND.findall(text):
                    out[table].add((TX_ITEM[k], False))
            else:
                out[table].add((DDB_FN[fn], fn == "ddb_query_index"))
    return out, problems


def policy_table_actions(doc):
    """{table: set of (action, on_index)} the policy allows."""
    out = {t: set() for t in TABLE_KEYS}
    for st in doc["Statement"]:
        acts = st["Action"] if isinstance(st["Action"], list) else \
            [st["Action"]]
        res = st["Resource"] if isinstance(st["Resource"], list) else \
            [st["Resource"]]
        for a in acts:
            if not a.startswith("dynamodb:"):
                continue
            for r in res:
                for t, key in TABLE_KEYS.items():
                    if "table/" + key in r:
                        out[t].add((a.split(":", 1)[1], "/index/" in r))
    return out


def policy():
    path = os.path.join(ROOT, "conf", "iam-policy.json.in")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def actions_of(doc, service):
    out, resources = set(), []
    for st in doc["Statement"]:
        acts = st["Action"] if isinstance(st["Action"], list) else \
            [st["Action"]]
        mine = [a for a in acts if a.split(":", 1)[0] == service]
        if mine:
            out.update(a.split(":", 1)[1] for a in mine)
            res = st["Resource"]
            resources.extend(res if isinstance(res, list) else [res])
    return out, resources


def main():
    worker, ctl, signed, secrets, problems = code_actions()
    check("every AWS call in app/ names its operation literally",
          not problems, "; ".join(problems))
    check("the worker's DynamoDB operations are found",
          {"GetItem", "PutItem", "Query"} <= worker, str(sorted(worker)))
    print("     worker DynamoDB: %s" % " ".join(sorted(worker)))
    print("     growvrdctl only: %s" % " ".join(sorted(ctl - worker)))
    print("     signed Cognito:  %s" % " ".join(sorted(signed)))
    print("     Secrets Manager: %s" % " ".join(sorted(secrets)))

    doc = policy()
    check("the policy is version 2012-10-17, Allow statements only",
          doc.get("Version") == "2012-10-17" and
          all(st.get("Effect") == "Allow" for st in doc["Statement"]))
    every = [a for st in doc["Statement"] for a in
             (st["Action"] if isinstance(st["Action"], list)
              else [st["Action"]])]
    check("no wildcard action", not any("*" in a for a in every),
          str([a for a in every if "*" in a]))
    check("no action twice in a statement", all(
        len(a) == len(set(a)) for a in
        (st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
         for st in doc["Statement"])))

    ddb, ddb_res = actions_of(doc, "dynamodb")
    check("policy allows every DynamoDB operation the worker calls",
          worker <= ddb, "missing %s" % sorted(worker - ddb))
    check("policy allows no DynamoDB operation the worker does not call",
          ddb <= worker, "extra %s" % sorted(ddb - worker))
    check("policy leaves table creation and deletion to growvrdctl's "
          "operator credentials",
          not ({"CreateTable", "DeleteTable"} & ddb))
    tables = {"@PLANTS_TABLE@", "@USERS_TABLE@", "@SUBSCRIPTIONS_TABLE@"}
    check("DynamoDB actions only on the three tables and their indexes",
          ddb_res and all(re.fullmatch(
              r"arn:@PARTITION@:dynamodb:@REGION@:@ACCOUNT@:table/"
              r"(@[A-Z_]+@)(/index/(\*|[A-Za-z0-9_.-]+))?", r) and
              re.fullmatch(r".*table/(@[A-Z_]+@).*", r).group(1) in tables
              for r in ddb_res), str(ddb_res))

    used, tproblems = table_actions()
    check("every DynamoDB call in app/ reaches a known table",
          not tproblems, "; ".join(tproblems))
    allowed = policy_table_actions(doc)
    for t in sorted(TABLE_KEYS):
        print("     %s: code %s" % (t, " ".join(sorted(
            a + ("(index)" if i else "") for a, i in used[t]))))
        check("policy allows every operation the worker makes on %s" % t,
              used[t] <= allowed[t], "missing %s" % sorted(
                  used[t] - allowed[t]))
        check("policy allows no operation on %s the worker does not make"
              % t, allowed[t] <= used[t], "extra %s" % sorted(
                  allowed[t] - used[t]))

    # The comparison itself catches both ways: Scan added on Users, and
    # an action the code makes taken away.
    import copy
    bad = copy.deepcopy(doc)
    for st in bad["Statement"]:
        if any("@USERS_TABLE@" in r for r in st["Resource"]):
            st["Action"].append("dynamodb:Scan")
    extra = policy_table_actions(bad)["Users"] - used["Users"]
    check("the check notices dynamodb:Scan granted on Users",
          ("Scan", False) in extra, str(sorted(extra)))
    bad = copy.deepcopy(doc)
    for st in bad["Statement"]:
        if any("@SUBSCRIPTIONS_TABLE@" in r for r in st["Resource"]):
            st["Action"] = [a for a in st["Action"] if a != "dynamodb:Query"]
    missing = used["Subscriptions"] - policy_table_actions(bad)[
        "Subscriptions"]
    check("the check notices a Query the code makes taken away",
          ("Query", False) in missing, str(sorted(missing)))

    bad = copy.deepcopy(doc)
    for st in bad["Statement"]:
        if any("@USERS_TABLE@" in r for r in st["Resource"]):
            st["Action"].append("dynamodb:BatchWriteItem")
        if any("@SUBSCRIPTIONS_TABLE@" in r for r in st["Resource"]):
            st["Action"] = [a for a in st["Action"]
                            if a != "dynamodb:BatchWriteItem"]
    tab = policy_table_actions(bad)
    check("the check notices BatchWriteItem moved from Subscriptions to "
          "Users", ("BatchWriteItem", False) in tab["Users"] - used["Users"]
          and ("BatchWriteItem", False) in used["Subscriptions"] -
          tab["Subscriptions"], str(sorted(tab["Users"])))

    cog, cog_res = actions_of(doc, "cognito-idp")
    check("policy allows every Cognito operation the worker signs",
          signed <= cog, "missing %s" % sorted(signed - cog))
    check("policy allows no Cognito operation the worker does not sign",
          cog <= signed, "extra %s" % sorted(cog - signed))
    check("Cognito actions only on the one user pool",
          all(r == "arn:@PARTITION@:cognito-idp:@REGION@:@ACCOUNT@:"
              "userpool/@USER_POOL_ID@" for r in cog_res), str(cog_res))

    sm, sm_res = actions_of(doc, "secretsmanager")
    check("policy allows reading the client secret as the worker does",
          sm == secrets, "policy %s, code %s" % (sorted(sm), sorted(secrets)))
    check("Secrets Manager actions only on the one secret",
          all(r == "@SECRET_ARN@" for r in sm_res), str(sm_res))

    logs, logs_res = actions_of(doc, "logs")
    check("CloudWatch Logs: writing only",
          logs and logs <= {"CreateLogStream", "PutLogEvents",
                            "DescribeLogStreams"}, str(sorted(logs)))
    check("CloudWatch Logs actions only on the workers' and nginx's log "
          "groups (the CloudWatch agent ships both)",
          logs_res and all(any(r.startswith(
              "arn:@PARTITION@:logs:@REGION@:@ACCOUNT@:log-group:" + g)
              for g in ("@LOG_GROUP@", "@NGINX_LOG_GROUP@"))
              for r in logs_res), str(logs_res))
    others = {a.split(":", 1)[0] for a in every} - {
        "dynamodb", "cognito-idp", "secretsmanager", "logs"}
    check("no other service", not others, str(sorted(others)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
