"""Runs SailPoint's official Python SDK, unchanged, against the search of issue 21: documents of
this run are written through the REST API (PUT /v3/search/accessprofiles/{id}, our extension,
which no SDK has), then read back only through the SDK's own methods and models:

  - search_post with count=true (the page, its order and X-Total-Count), and a searchAfter page;
  - search_count (204, X-Total-Count);
  - search_aggregate: SailPoint's form (a bucket), the DSL form (terms on `.exact`), and CSV;
  - Paginator.paginate_search (searchAfter paging on one sort field) and the generic offset
    Paginator.paginate over search_post;
  - the refusals the contract names: offset + limit over 10,000, queryType TEXT.

Search is eventually consistent: after the writes the script polls search_count, bounded, until
every document is found. Works with both SDK lines (1.x: sailpoint.v3, /v3/search...; 2.x:
sailpoint.search with a _v1 suffix, /search/v1...); each line writes through its own path family.
Every step's failure is recorded under its own keys as {"error", "status", "detail"}. Prints one
JSON line (stdout carries nothing else); tests/tests/sailpoint_search_sdk.rs asserts on it.

usage: python sailpoint_search_sdk.py BASE_URL CLIENT_ID CLIENT_SECRET PREFIX
  PREFIX: letters and digits, unique to the run; it marks the run's documents."""
import contextlib
import json
import sys
import time
import urllib.error
import urllib.request

from sailpoint.configuration import Configuration, ConfigurationParams

base_url, client_id, client_secret, prefix = sys.argv[1:5]
N = 7  # documents of the run
INCREMENT = 3  # the paginators' page size: pages of 3, 3 and 1
VISIBLE_WITHIN_S = 30

params = ConfigurationParams()
params.base_url = base_url
params.client_id = client_id
params.client_secret = client_secret
config = Configuration(params)  # POSTs /oauth/token at once
assert config.access_token, "the token flow gave no access token"

try:
    import sailpoint.v3 as v3  # 1.x
    from sailpoint.paginator import Paginator
    search = v3.SearchApi(v3.ApiClient(config))
    Search = v3.Search
    suffix, family, line = "", "/v3/search", "1.x"
except ImportError:  # 2.x
    from sailpoint import ApiClient, SearchApi
    from sailpoint.paginator import Paginator
    from sailpoint.search.models import Search
    search = SearchApi(ApiClient(config))
    suffix, family, line = "_v1", "/search/v1", "2.x"


def op(name, info=True):
    """The SDK method of this line: search_post (1.x) or search_post_v1 (2.x), with status and
    headers (*_with_http_info) unless info is false."""
    return getattr(search, name + suffix + ("_with_http_info" if info else ""))


seen = {"line": line, "token": bool(config.access_token), "prefix": prefix, "n": N}


def failure(e):
    detail = getattr(e, "body", None) or str(e)
    return {"error": type(e).__name__, "status": getattr(e, "status", None), "detail": str(detail)[:400]}


def step(keys, fn):
    """Runs fn (which returns {key: value}); on an exception every key gets the failure."""
    try:
        seen.update(fn())
    except Exception as e:
        seen.update({k: failure(e) for k in keys})


def total_of(res):
    """X-Total-Count, looked up in any case: `cargo lambda watch` writes header names in lowercase."""
    return {k.lower(): v for k, v in (res.headers or {}).items()}.get("x-total-count")


def quiet(fn, *args, **kwargs):
    """The 1.x Paginator prints each page's offset to stdout, which carries only the JSON line."""
    with contextlib.redirect_stdout(sys.stderr):
        return fn(*args, **kwargs)


def refused(fn):
    """The status and ErrorResponseDto of a call that must fail."""
    try:
        res = fn()
        return {"status": getattr(res, "status_code", 200)}
    except Exception as e:
        got = {"status": getattr(e, "status", None), "error": type(e).__name__}
        try:
            body = json.loads(getattr(e, "body", None) or "{}")
            got["detail_code"] = body.get("detailCode")
            got["text"] = ((body.get("messages") or [{}])[0] or {}).get("text")
        except ValueError:
            got["detail"] = str(getattr(e, "body", e))[:400]
        return got


def names_of(docs):
    return [d.get("name") for d in docs]


# ---- the run's documents, written through the REST API -------------------------------------------

SOURCES = ["Active Directory", "Workday"]  # even documents, odd documents: 4 and 3


def document(n):
    return {
        "id": f"{prefix}{n:02d}", "name": f"{prefix}-{n:02d}", "description": prefix,
        "source": {"id": f"src{n % 2}", "name": SOURCES[n % 2]},
        "entitlements": [], "entitlementCount": n, "segments": [], "segmentCount": 0, "apps": [],
        "created": f"2026-01-{n + 1:02d}T00:00:00Z", "modified": f"2026-01-{n + 1:02d}T12:00:00Z",
        "enabled": True, "requestable": n % 2 == 0, "requestCommentsRequired": False,
        "owner": {"id": "ff8081815757d36a015757d42e56031e", "name": "SailPoint Support", "type": "IDENTITY"},
        "tags": ["SDK"], "_type": "accessprofile", "type": "accessprofile", "_version": "v1",
    }


def ingest():
    statuses = []
    for n in range(N):
        doc = document(n)
        req = urllib.request.Request(
            f"{base_url}{family}/accessprofiles/{doc['id']}", data=json.dumps(doc).encode(), method="PUT",
            headers={"Authorization": f"Bearer {config.access_token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                statuses.append(resp.status)
        except urllib.error.HTTPError as e:
            statuses.append(e.code)
    return {"ingest": {"statuses": statuses}}


step(["ingest"], ingest)


def body(**extra):
    """A Search of the run's documents (the marker is their description), as the SDK's model."""
    return Search.from_dict({"indices": ["accessprofiles"], "query": {"query": f"description:{prefix}"}, **extra})


def visible():
    """Polls search_count until it finds every document, at most VISIBLE_WITHIN_S seconds."""
    started = time.monotonic()
    last = None
    while True:
        try:
            last = total_of(op("search_count")(body()))
        except Exception as e:
            last = failure(e)
        if last == str(N):
            return {"visible": {"within_ms": int((time.monotonic() - started) * 1000), "total": last}}
        if time.monotonic() - started > VISIBLE_WITHIN_S:
            return {"visible": {"within_ms": None, "last": last}}
        time.sleep(0.1)


step(["visible"], visible)

# ---- search_post, search_count ------------------------------------------------------------------


def search_post():
    res = op("search_post")(body(sort=["name"]), offset=0, limit=250, count=True)
    docs = res.data
    return {"search_post": {
        "status": res.status_code, "names": names_of(docs), "ids": [d.get("id") for d in docs],
        "types": sorted({str(d.get("_type")) for d in docs}), "total_any_case": total_of(res),
        "tenant_field": sum(1 for d in docs if "idgraph_org" in d)}}


def search_post_page():
    # The second page by offset, descending.
    res = op("search_post")(body(sort=["-name"]), offset=2, limit=2)
    return {"search_post_page": {"status": res.status_code, "names": names_of(res.data),
                                 "total_any_case": total_of(res)}}


def search_after():
    # The page after the fourth document (name 03), strictly.
    res = op("search_post")(body(sort=["name"], searchAfter=[f"{prefix}-03"]), limit=250)
    return {"search_after": {"status": res.status_code, "names": names_of(res.data)}}


def search_count():
    res = op("search_count")(body())
    return {"search_count": {"status": res.status_code, "total_any_case": total_of(res),
                             "body": (res.raw_data or b"").decode()}}


step(["search_post"], search_post)
step(["search_post_page"], search_post_page)
step(["search_after"], search_after)
step(["search_count"], search_count)

# ---- search_aggregate ---------------------------------------------------------------------------

SAILPOINT_AGG = {"aggregationType": "SAILPOINT",
                 "aggregations": {"bucket": {"name": "Sources", "type": "TERMS", "field": "source.name"}}}


def buckets(aggs, name):
    return {str(b.get("key")): b.get("doc_count") for b in ((aggs or {}).get(name) or {}).get("buckets", [])}


def aggregate(key, extra, name):
    def run():
        res = op("search_aggregate")(body(**extra), limit=2, count=True)
        data = res.data
        return {key: {"status": res.status_code, "buckets": buckets(data.aggregations, name),
                      "hits": len(data.hits or []), "total_any_case": total_of(res),
                      "tenant_field": sum(1 for d in (data.hits or []) if "idgraph_org" in d)}}
    step([key], run)


aggregate("aggregate_sailpoint", SAILPOINT_AGG, "Sources")
aggregate("aggregate_dsl", {"aggregationType": "DSL",
                            "aggregationsDsl": {"Sources": {"terms": {"field": "source.name.exact"}}}}, "Sources")


def aggregate_csv():
    # The SDK's own call, with the Accept its spec offers; the raw answer, since CSV is no model.
    res = getattr(search, "search_aggregate" + suffix + "_without_preload_content")(
        body(**SAILPOINT_AGG), _headers={"Accept": "text/csv"})
    content_type = {k.lower(): v for k, v in res.headers.items()}.get("content-type")
    text = res.data.decode()
    return {"aggregate_csv": {"status": res.status, "content_type": content_type,
                              "lines": [line for line in text.splitlines() if line]}}


step(["aggregate_csv"], aggregate_csv)

# ---- the paginators -----------------------------------------------------------------------------


MAX_CALLS = 20  # a paginator that has made this many calls for 7 documents is looping


class Looping(Exception):
    pass


class Recording:
    """The SDK's SearchApi, recording the searchAfter of each call the Paginator makes, and
    stopping a paginator that loops (a server that ignored searchAfter would make it)."""

    def __init__(self, api):
        self.api, self.sent = api, []

    def __getattr__(self, name):
        real = getattr(self.api, name)

        def call(search_body, *args, **kwargs):
            self.sent.append(list(search_body.search_after or []))
            if len(self.sent) > MAX_CALLS:
                raise Looping(f"{len(self.sent)} calls, searchAfter {self.sent[:4]}...")
            return real(search_body, *args, **kwargs)
        return call


def paginate_search():
    recording = Recording(search)
    docs = quiet(Paginator.paginate_search, recording, body(sort=["name"]), INCREMENT, 0)
    names = names_of(docs)
    return {"paginate_search": {"names": names, "unique": len(set(names)), "search_after_sent": recording.sent}}


def paginate_offset():
    offsets = []

    def search_post(**kwargs):  # the SDK's search_post, its offsets recorded
        offsets.append(kwargs.get("offset"))
        if len(offsets) > MAX_CALLS:
            raise Looping(f"{len(offsets)} calls, offsets {offsets[:4]}...")
        return op("search_post", info=False)(**kwargs)
    docs = quiet(Paginator.paginate, search_post, 100, search=body(sort=["name"]), limit=INCREMENT)
    names = names_of(docs)
    return {"paginate_offset": {"names": names, "unique": len(set(names)), "offsets_sent": offsets}}


step(["paginate_search"], paginate_search)
step(["paginate_offset"], paginate_offset)

# ---- refusals -----------------------------------------------------------------------------------

seen["window_over_10000"] = refused(lambda: op("search_post")(body(sort=["name"]), offset=9999, limit=2))
seen["query_type_text"] = refused(lambda: op("search_post")(Search.from_dict({
    "indices": ["accessprofiles"], "queryType": "TEXT",
    "textQuery": {"terms": [prefix], "fields": ["description"]}})))

print(json.dumps(seen, default=str))
