"""test_account_purge.py - deleting an account with many items (API.md
"Under faults (1.1)": it finishes within the deadline or continues in the
background without blocking a worker; store/purge.h, http/sweep.h).

The items are written straight into DynamoDB Local (BatchWriteItem, as
the client would never make 3,000 subscriptions); the checks read it
straight too.  Waits are bounds for something stuck, not speed checks:
the background runs every few seconds.
"""
import time

from harness import (test, run, get, delete, expect, expect_eq, ddb_local,
                     purge_marker,
                     expect_status, env, confirmed_user, cognito_call,
                     secret_hash, refused_soon, token_claims)

ME = "/api/v1/users/me"
PASSWORD = "Purge-test-1!"
BULK = 3000          # far past what one DELETE request deletes (1,000)
BOUND_S = 180        # the background's bound on a busy machine
ddb = ddb_local




def seed(sub, n, prefix="bulk"):
    """n Subscriptions items of sub, 25 a BatchWriteItem."""
    table = env("SUBSCRIPTIONS_TABLE")
    reqs = [{"PutRequest": {"Item": {
        "user_id": {"S": sub},
        "subscription_id": {"S": "%s-%05d" % (prefix, i)},
        "tier": {"S": "free"}, "status": {"S": "canceled"},
        "created_at": {"S": "2026-01-01T00:00:00Z"}}}} for i in range(n)]
    for i in range(0, n, 25):
        todo = reqs[i:i + 25]
        for _ in range(20):
            out = ddb("BatchWriteItem", {"RequestItems": {table: todo}})
            todo = out.get("UnprocessedItems", {}).get(table, [])
            if not todo:
                break
            time.sleep(0.1)
        expect(not todo, "DynamoDB Local left items unprocessed")


def count(partition):
    """Items of the Subscriptions partition (consistent Query, COUNT)."""
    n, start = 0, None
    while True:
        body = {"TableName": env("SUBSCRIPTIONS_TABLE"),
                "KeyConditionExpression": "user_id = :u",
                "ExpressionAttributeValues": {":u": {"S": partition}},
                "Select": "COUNT", "ConsistentRead": True}
        if start:
            body["ExclusiveStartKey"] = start
        out = ddb("Query", body)
        n += out["Count"]
        start = out.get("LastEvaluatedKey")
        if not start:
            return n


def marker(sub):
    out = ddb("GetItem", {"TableName": env("SUBSCRIPTIONS_TABLE"),
                          "Key": {"user_id": {"S": "~purge"},
                                  "subscription_id": {"S": sub}},
                          "ConsistentRead": True})
    return out.get("Item")


def profile(email):
    out = ddb("GetItem", {"TableName": env("USERS_TABLE"),
                          "Key": {"email": {"S": email}},
                          "ConsistentRead": True})
    return out.get("Item")


def gone_within(sub, bound=BOUND_S):
    """Wait until no item of sub and no marker are left; returns how many
    seconds it took (for the log, never asserted)."""
    t0 = time.monotonic()
    while True:
        left = count(sub)
        m = marker(sub)
        if left == 0 and m is None:
            return time.monotonic() - t0
        expect(time.monotonic() - t0 < bound,
               "after %d s: %d items left, marker %s" % (
                   bound, left, "still there" if m else "gone"))
        time.sleep(1)


def signin_refused(email):
    status, out = cognito_call("InitiateAuth", {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": env("COGNITO_CLIENT_ID"),
        "AuthParameters": {"USERNAME": email, "PASSWORD": PASSWORD,
                           "SECRET_HASH": secret_hash(email)}})
    expect(status == 400 and "AuthenticationResult" not in out,
           "sign-in of a deleted account: %d %r" % (status, out))


def user_with_profile(prefix):
    u = confirmed_user(prefix, PASSWORD)
    expect_status(get(ME, token=u["id_token"]), 200)
    return u


@test
def an_account_with_3000_subscription_items_is_deleted_entirely():
    u = user_with_profile("purge")
    other = user_with_profile("purge-other")
    seed(u["sub"], BULK)
    seed(other["sub"], 40)
    expect_eq(count(u["sub"]), BULK, "items seeded")
    t0 = time.monotonic()
    r = delete(ME, token=u["id_token"])
    took = time.monotonic() - t0
    expect_status(r, 204)
    # The account ends at once: no sign-in, every old token refused.
    signin_refused(u["email"])
    refused_soon("GET", ME, u["id_token"])
    refused_soon("GET", ME, u["access_token"])
    expect(profile(u["email"]) is None, "the Users item is gone")
    left = count(u["sub"])
    bg = gone_within(u["sub"])
    print("     DELETE answered in %.1f s leaving %d of %d items; the "
          "rest gone %.1f s later" % (took, left, BULK, bg), flush=True)
    expect_eq(count(other["sub"]), 40, "the other account's items")
    expect(profile(other["email"]) is not None, "the other's profile")
    expect_status(get(ME, token=other["id_token"]), 200)


@test
def a_deletion_broken_off_before_the_account_ended_is_finished():
    # What a DELETE leaves when DynamoDB or Cognito failed right after
    # it recorded the deletion (its answer a 503): the marker, the
    # account still there.  The background ends it and deletes the rest.
    u = user_with_profile("purge-broken")
    seed(u["sub"], 150)
    username = token_claims(u["id_token"]).get("cognito:username",
                                               u["sub"])
    purge_marker(u["sub"], u["email"], username, time.time() - 1,
                 ended=False)
    gone_within(u["sub"])
    refused_soon("GET", ME, u["id_token"], within=BOUND_S)
    signin_refused(u["email"])
    expect(profile(u["email"]) is None, "the Users item is gone")


@test
def a_deletion_whose_worker_died_holding_it_is_finished_after_the_lease():
    # A worker that claimed the marker (lease 60 s) and was killed: the
    # lease passes and another run finishes the deletion.
    u = user_with_profile("purge-lease")
    seed(u["sub"], 80)
    purge_marker(u["sub"], u["email"], u["sub"], time.time() + 5,
                 ended=True)
    gone_within(u["sub"])
    expect(profile(u["email"]) is None, "the Users item is gone")


@test
def a_repeated_delete_after_the_account_ended_answers_204():
    u = user_with_profile("purge-again")
    seed(u["sub"], 30)
    expect_status(delete(ME, token=u["id_token"]), 204)
    r = delete(ME, token=u["id_token"])
    expect(r.status in (204, 401), "repeat: %d" % r.status)
    gone_within(u["sub"])


if __name__ == "__main__":
    run()
