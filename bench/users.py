#!/usr/bin/env python3
"""bench/users.py N - N new confirmed users of the local stack's
cognito-local, made straight at the emulator (SignUp, AdminConfirmSignUp,
InitiateAuth), printed as one ID token a line.  bench/run gives each of
them its free monthly recommendations, so that every measured
recommendation is a real, counted 200.  Needs the stack's local.env in
the environment."""

import base64
import hashlib
import hmac
import http.client
import json
import os
import sys
import time
import urllib.parse

PASSWORD = "Bench-User-Pw1"


def call(op, payload):
    u = urllib.parse.urlsplit(os.environ["COGNITO_ENDPOINT"])
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("POST", "/", body=json.dumps(payload), headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService." + op})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit("users.py: %s: %d %s" % (op, r.status, data[:200]))
        return json.loads(data) if data else {}
    finally:
        conn.close()


def secret_hash(name):
    mac = hmac.new(os.environ["COGNITO_CLIENT_SECRET"].encode(),
                   (name + os.environ["COGNITO_CLIENT_ID"]).encode(),
                   hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def main():
    n = int(sys.argv[1])
    cid = os.environ["COGNITO_CLIENT_ID"]
    stamp = "%d-%d" % (os.getpid(), time.time())
    for i in range(n):
        email = "bench-%s-%d@growvrd.test" % (stamp, i)
        call("SignUp", {"ClientId": cid, "Username": email,
                        "Password": PASSWORD, "SecretHash": secret_hash(email),
                        "UserAttributes": [{"Name": "email", "Value": email}]})
        call("AdminConfirmSignUp", {
            "UserPoolId": os.environ["COGNITO_USER_POOL_ID"],
            "Username": email})
        out = call("InitiateAuth", {
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": cid,
            "AuthParameters": {"USERNAME": email, "PASSWORD": PASSWORD,
                               "SECRET_HASH": secret_hash(email)}})
        print(out["AuthenticationResult"]["IdToken"], flush=True)


if __name__ == "__main__":
    main()
