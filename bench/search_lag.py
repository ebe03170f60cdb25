#!/usr/bin/env python3
"""How long a write takes to become searchable, through the API at BASE_URL (the local stack by
default, `make run`'s): search is eventually consistent, and this prints the figures
docs/search.md quotes.

  one hop   PUT /v3/search/accessprofiles/{id} → the document is found by POST /v3/search
            (table → stream → indexer → engine)
  two hops  POST /persons (SlashID) → the person's identity document is found
            (table → stream → projector writes the identity document → stream → indexer)

    bench/search_lag.py [BASE_URL] [--samples 20]

It uses the demo org's credentials (seed/demo.json). Prints min, median, p90 and max of each, in
ms. Locally the figures depend on scripts/stream_poller.py (it reads the stream again at once
while records arrive, and every IDLE_SECONDS when idle); in AWS on the Lambda event source's
polling (about 4 times a second per shard) and the domain's refresh interval (1 s by default)."""
import argparse
import json
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ORG = "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1"
API_KEY = "demo-api-key"


def call(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def token(base):
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "demo-client",
                                   "client_secret": "demo-secret"}).encode()
    with urllib.request.urlopen(urllib.request.Request(base + "/oauth/token", data=form), timeout=30) as r:
        return json.load(r)["access_token"]


def until_found(base, bearer, body, deadline=60.0):
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        status, answer = call(base + "/v3/search", "POST", body, bearer)
        if status == 200 and answer:
            return
        time.sleep(0.01)
    raise SystemExit(f"not searchable within {deadline}s: {body}")


def summary(name, samples):
    s = sorted(samples)
    p90 = s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]
    print(f"{name:9} n={len(s):3}  min {s[0]:7.0f}  median {statistics.median(s):7.0f}  "
          f"p90 {p90:7.0f}  max {s[-1]:7.0f}  (ms)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", nargs="?", default="http://127.0.0.1:9000")
    ap.add_argument("--samples", type=int, default=20)
    args = ap.parse_args()
    base = args.base.rstrip("/")
    bearer = {"Authorization": f"Bearer {token(base)}"}
    slashid = {"SlashID-OrgID": ORG, "SlashID-API-Key": API_KEY}
    one, two = [], []
    for _ in range(args.samples):
        mark = uuid.uuid4().hex
        doc = {"id": f"lag-{mark}", "_type": "accessprofile", "name": f"lag {mark}"}
        started = time.monotonic()
        status, answer = call(f"{base}/v3/search/accessprofiles/lag-{mark}", "PUT", doc, bearer)
        assert status == 200, answer
        until_found(base, bearer, {"indices": ["accessprofiles"], "query": {"query": f"id:lag-{mark}"}})
        one.append((time.monotonic() - started) * 1000)

        started = time.monotonic()
        person = {"name": f"Lag {mark}", "handles": [{"type": "email_address", "value": f"{mark}@example.com"}]}
        status, answer = call(f"{base}/persons", "POST", person, slashid)
        assert status in (200, 201), answer
        until_found(base, bearer, {"indices": ["identities"], "query": {"query": f"displayName:\"Lag {mark}\""}})
        two.append((time.monotonic() - started) * 1000)
    summary("one hop", one)
    summary("two hops", two)


if __name__ == "__main__":
    main()
