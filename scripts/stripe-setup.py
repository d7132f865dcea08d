#!/usr/bin/env python3
"""scripts/stripe-setup.py - GrowVRD's Stripe objects (run by
scripts/provision; see docs/operations.md, "Payments").

  STRIPE_SECRET_KEY=sk_... [STRIPE_API_BASE=...] scripts/stripe-setup.py \
      --plans conf/plans.json --webhook-url URL [--secret-out FILE] [--dry-run]

For every priced plan of the plans file: a product (id "growvrd_<plan>")
and, per billing period, a recurring price found again by its
stripe_lookup_key (a second run finds them and changes nothing; a price
whose amount, currency or interval differs from the file is reported as
drift and left alone: Stripe prices are immutable, make a new lookup key).
Then the webhook endpoint at URL with exactly the events the worker uses,
at the pinned API version; a new endpoint's signing secret (shown by
Stripe only then) goes to --secret-out (mode 0600).  Prints one line per
step: "step<TAB>what<TAB>result<TAB>note".  Requests carry the pinned
Stripe-Version and, when they change something, an Idempotency-Key.
"""
import argparse
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

VERSION = "2024-04-10"
EVENTS = ["checkout.session.completed", "customer.subscription.deleted",
          "invoice.paid", "invoice.payment_failed"]
INTERVAL = {"monthly": "month", "yearly": "year"}


class Api:
    def __init__(self, base, key, dry):
        self.base, self.key, self.dry = base.rstrip("/"), key, dry

    def call(self, method, path, params=None):
        data = urllib.parse.urlencode(params or [], safe="[]")
        url = self.base + path
        headers = {"Authorization": "Bearer " + self.key,
                   "Stripe-Version": VERSION}
        body = None
        if method == "GET":
            if data:
                url += "?" + data
        else:
            body = data.encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Idempotency-Key"] = "growvrd-provision-" + hashlib.sha256(
                (method + path + data).encode()).hexdigest()[:40]
        req = urllib.request.Request(url, data=body, headers=headers,
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            try:
                return e.code, json.load(e)
            except ValueError:
                return e.code, {}

    def ok(self, method, path, params=None):
        status, ans = self.call(method, path, params)
        if status // 100 != 2:
            err = ans.get("error", {}) if isinstance(ans, dict) else {}
            raise SystemExit("stripe-setup: %s %s: %s %s (%s)" % (
                method, path, status, err.get("type", "?"),
                err.get("code", "")))
        return ans


def step(what, result, note=""):
    print("step\t%s\t%s\t%s" % (what, result, note), flush=True)


def would(dry, result):
    return {"created": "would create", "updated": "would update"}[result] \
        if dry else result


def ensure_product(api, plan):
    pid = "growvrd_" + plan["id"]
    status, ans = api.call("GET", "/v1/products/" + pid)
    if status == 200:
        step("stripe product " + pid, "unchanged")
        return pid
    if status != 404:
        raise SystemExit("stripe-setup: GET product %s: %s" % (pid, status))
    if not api.dry:
        api.ok("POST", "/v1/products", [("id", pid), ("name",
               "GrowVRD " + plan["name"]), ("metadata[plan]", plan["id"])])
    step("stripe product " + pid, would(api.dry, "created"))
    return pid


def cents(amount):
    whole, _, frac = amount.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def ensure_price(api, product, plan, price):
    key = price.get("stripe_lookup_key")
    what = "stripe price " + (key or "?")
    if not key:
        step(what, "drift", "%s %s has no stripe_lookup_key in the plans "
             "file" % (plan["id"], price["billing_period"]))
        return
    found = api.ok("GET", "/v1/prices", [("lookup_keys[0]", key),
                                         ("active", "true"), ("limit", "1")])
    want = (cents(price["amount"]), price["currency"].lower(),
            INTERVAL[price["billing_period"]])
    if found.get("data"):
        p = found["data"][0]
        have = (p.get("unit_amount"), p.get("currency"),
                (p.get("recurring") or {}).get("interval"))
        if have == want:
            step(what, "unchanged", p["id"])
        else:
            step(what, "drift", "Stripe has %s, the plans file says %s; "
                 "prices are immutable: give the new price a new lookup "
                 "key" % (have, want))
        return
    if not api.dry:
        p = api.ok("POST", "/v1/prices", [
            ("product", product), ("currency", want[1]),
            ("unit_amount", str(want[0])), ("recurring[interval]", want[2]),
            ("lookup_key", key), ("nickname", "%s %s" % (
                plan["name"], price["billing_period"]))])
        step(what, "created", p["id"])
    else:
        step(what, "would create")


def ensure_endpoint(api, url, secret_out):
    eps = api.ok("GET", "/v1/webhook_endpoints", [("limit", "100")])
    for ep in eps.get("data", []):
        if ep.get("url") != url:
            continue
        if sorted(ep.get("enabled_events", [])) == EVENTS:
            step("stripe webhook endpoint", "unchanged", ep["id"])
            return
        if not api.dry:
            api.ok("POST", "/v1/webhook_endpoints/" + ep["id"],
                   [("enabled_events[%d]" % i, e)
                    for i, e in enumerate(EVENTS)])
        step("stripe webhook endpoint", would(api.dry, "updated"),
             "events: " + ", ".join(EVENTS))
        return
    if api.dry:
        step("stripe webhook endpoint", "would create", url)
        return
    ep = api.ok("POST", "/v1/webhook_endpoints", [("url", url),
        ("api_version", VERSION), ("description", "GrowVRD subscriptions")] +
        [("enabled_events[%d]" % i, e) for i, e in enumerate(EVENTS)])
    if secret_out:
        fd = os.open(secret_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(ep["secret"])
    step("stripe webhook endpoint", "created", ep["id"] + " " + url)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", required=True)
    ap.add_argument("--webhook-url", required=True)
    ap.add_argument("--secret-out")
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    key = os.environ.get("STRIPE_SECRET_KEY", "")
    if not key:
        raise SystemExit("stripe-setup: STRIPE_SECRET_KEY is not set")
    api = Api(os.environ.get("STRIPE_API_BASE") or "https://api.stripe.com",
              key, a.dry_run)
    plans = json.load(open(a.plans))["plans"]
    for plan in plans:
        if not plan.get("prices"):
            continue
        product = ensure_product(api, plan)
        for price in plan["prices"]:
            ensure_price(api, product, plan, price)
    ensure_endpoint(api, a.webhook_url, a.secret_out)


if __name__ == "__main__":
    sys.exit(main())
