#!/usr/bin/env python3
"""Runs the SailPoint search conformance corpus (tests/search/corpus.json) through the API at
BASE_URL: ingests its documents (PUT /v3/search/{index}/{id}), waits until search sees them all,
then checks every case's answer. make test runs it against the local stack's engine
(osmem-server, tests/tests/search_corpus.rs); pointed at a deployed stack it checks the same
cases against Amazon OpenSearch Service (docs/search.md, "Checking the emulator").

    search_corpus.py BASE_URL --token TOKEN
    search_corpus.py BASE_URL --client-id ID --client-secret SECRET

The token needs sp:search:read and sp:search:write. Each run marks its documents with a field of
its own and filters every case on it, so runs in one organization never see each other's
documents. Prints one line per failed case, then a JSON summary as the last line; exits 1 on a
failure."""
import argparse
import datetime
import json
import pathlib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

CORPUS = pathlib.Path(__file__).resolve().parent.parent / "tests/search/corpus.json"
MARK = "corpusRun"


def call(base, token, method, path, body=None, accept="application/json"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Accept", accept)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def token_for(base, client_id, secret):
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": secret}).encode()
    req = urllib.request.Request(base + "/oauth/token", data=form, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["access_token"]


def dates(value, now):
    """"$NOW-Nd" strings as the ISO time N days before now."""
    if isinstance(value, dict):
        return {k: dates(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [dates(v, now) for v in value]
    if isinstance(value, str) and value.startswith("$NOW-") and value.endswith("d"):
        at = now - datetime.timedelta(days=int(value[5:-1]))
        return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return value


def marked(body, run):
    body = json.loads(json.dumps(body))
    body.setdefault("filters", {})[MARK] = {"type": "TERMS", "terms": [run]}
    return body


def buckets_at(aggregations, path):
    node = aggregations
    for name in path.split("."):
        node = node[name]
    return {str(b.get("key_as_string", b["key"])): b["doc_count"] for b in node["buckets"]}


def check(base, token, case, run, local_id):
    body = marked(case["body"], run)
    op = case.get("op", "search")
    if op == "count":
        status, headers, _ = call(base, token, "POST", "/v3/search/count", body)
        got = headers.get("x-total-count")
        if status != 204 or got != str(case["expect_count"]):
            return f"count: HTTP {status}, X-Total-Count {got}, expected {case['expect_count']}"
        return None
    path = "/v3/search/aggregate" if op == "aggregate" else "/v3/search?limit=100"
    status, _, raw = call(base, token, "POST", path, body)
    if status != 200:
        return f"HTTP {status}: {raw[:300]!r}"
    answer = json.loads(raw)
    if op == "aggregate":
        for where, expected in case["expect_buckets"].items():
            got = buckets_at(answer["aggregations"], where)
            if got != expected:
                return f"buckets at {where}: {got}, expected {expected}"
        return None
    ids = [local_id(d.get("id")) for d in answer]
    expected = case["expect"]
    if case.get("ordered") and ids != expected:
        return f"ids in order {ids}, expected {expected}"
    if sorted(ids) != sorted(expected):
        return f"ids {sorted(ids)}, expected {sorted(expected)}"
    if "fields" in case:
        for d in answer:
            if sorted(d) != sorted(case["fields"]):
                return f"fields {sorted(d)}, expected {sorted(case['fields'])}"
    if any("idgraph_org" in d or "idgraph_meta" in d for d in answer):
        return "a document carries the engine's own fields"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("--token")
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--wait-seconds", type=float, default=60)
    args = ap.parse_args()
    base = args.base.rstrip("/")
    token = args.token or token_for(base, args.client_id, args.client_secret)
    corpus = json.loads(CORPUS.read_text())
    run = uuid.uuid4().hex[:12]
    now = datetime.datetime.now(datetime.timezone.utc)

    def remote_id(i):
        return f"{run}-{i}"

    def local_id(i):
        return i[len(run) + 1:] if isinstance(i, str) and i.startswith(run + "-") else i

    for entry in corpus["documents"]:
        doc = dates(dict(entry["doc"]), now)
        doc["id"] = remote_id(doc["id"])
        doc[MARK] = run
        status, _, raw = call(base, token, "PUT", f"/v3/search/{entry['index']}/{doc['id']}", doc)
        if status != 200:
            sys.exit(f"ingesting {entry['index']}/{doc['id']}: HTTP {status} {raw[:300]!r}")
    written = time.monotonic()
    everything = marked({"indices": ["*"], "query": {"query": "*"}}, run)
    lag = None
    while time.monotonic() - written < args.wait_seconds:
        status, headers, _ = call(base, token, "POST", "/v3/search/count", everything)
        if status == 204 and headers.get("x-total-count") == str(len(corpus["documents"])):
            lag = time.monotonic() - written
            break
        time.sleep(0.1)
    if lag is None:
        sys.exit(f"the corpus's documents were not all searchable within {args.wait_seconds}s")
    failed = {}
    for case in corpus["cases"]:
        problem = check(base, token, case, run, local_id)
        if problem:
            failed[case["name"]] = problem
            print(f"FAIL {case['name']}: {problem}")
    print(json.dumps({"cases": len(corpus["cases"]), "failed": failed,
                      "documents": len(corpus["documents"]),
                      "visible_after_ms": round(lag * 1000)}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
