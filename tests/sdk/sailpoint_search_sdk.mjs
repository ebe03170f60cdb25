// Runs SailPoint's official TypeScript SDK (sailpoint-api-client 1.4.15, /v3 paths), unchanged,
// from plain Node against the search of issue 21: the flows of tests/sdk/sailpoint_search_sdk.py
// (same keys; "line" is "ts"), plus what only this SDK sends: `Paginator.paginateSearchApi`
// with `sort: ["+name"]` (its `.replace("-", "")` leaves the "+", so it asks for
// `searchAfter: [null]`, which must be a 400, not page one again forever), and limits no client
// check bounds.
//
// The run's documents are written through the REST API (PUT /v3/search/accessprofiles/{id}, our
// extension), then read only through the SDK. Search is eventually consistent: the script polls
// searchCount, bounded, until every document is found. Each step's failure is recorded under its
// own key as {"error", "status", "detail"}. Prints one JSON line.
//
// The SDK is CommonJS; it is loaded from SAILPOINT_TS_SDK_DIR, by default the copy
// scripts/lib.sh (ensure_sailpoint_ts_sdk) installs into .tools/sailpoint-ts-1.4.15.
//
// usage: node sailpoint_search_sdk.mjs BASE_URL CLIENT_ID CLIENT_SECRET PREFIX
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const [baseUrl, clientId, clientSecret, prefix] = process.argv.slice(2, 6);
if (!prefix) {
  console.error("usage: node sailpoint_search_sdk.mjs BASE_URL CLIENT_ID CLIENT_SECRET PREFIX");
  process.exit(2);
}
const N = 7; // documents of the run
const INCREMENT = 3; // the paginators' page size: pages of 3, 3 and 1
const VISIBLE_WITHIN_MS = 30_000;

// stdout carries only the JSON line: the SDK logs with console.log.
const stdoutLog = console.log;
console.log = console.error;

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = process.env.SAILPOINT_TS_SDK_DIR ?? path.join(here, "../../.tools/sailpoint-ts-1.4.15");
const sdk = createRequire(path.join(sdkDir, "package.json"))("sailpoint-api-client");
const { Configuration, SearchApi, Paginator } = sdk;

process.env.SAIL_BASE_URL = baseUrl;
process.env.SAIL_CLIENT_ID = clientId;
process.env.SAIL_CLIENT_SECRET = clientSecret;
const config = new Configuration();
const token = await config.accessToken;
if (!token) throw new Error("the token flow gave no access token");

const search = new SearchApi(config);
const seen = { line: "ts", token: typeof token === "string" && token.length > 0, prefix, n: N };

function failure(e) {
  const data = e?.response?.data;
  return {
    error: e?.name ?? String(e),
    status: e?.response?.status ?? null,
    detail: String(data === undefined ? e?.message : JSON.stringify(data)).slice(0, 400),
  };
}

async function step(keys, fn) {
  try {
    Object.assign(seen, await fn());
  } catch (e) {
    for (const k of keys) seen[k] = failure(e);
  }
}

// Axios holds header names in lowercase; AxiosHeaders.get is case-insensitive anyway.
const totalOf = (res) => res.headers.get?.("X-Total-Count") ?? res.headers["x-total-count"] ?? null;
const namesOf = (docs) => docs.map((d) => d.name);
const tenantField = (docs) => docs.filter((d) => "idgraph_org" in d).length;

// The status and ErrorResponseDto of a call that must fail.
async function refused(fn) {
  try {
    const res = await fn();
    return { status: res.status };
  } catch (e) {
    const data = e?.response?.data;
    return {
      status: e?.response?.status ?? null,
      error: e?.name ?? String(e),
      detail_code: data?.detailCode ?? null,
      text: data?.messages?.[0]?.text ?? null,
    };
  }
}

// ---- the run's documents, written through the REST API -----------------------------------------

const SOURCES = ["Active Directory", "Workday"]; // even documents, odd documents: 4 and 3
const pad = (n) => String(n).padStart(2, "0");
const documentOf = (n) => ({
  id: `${prefix}${pad(n)}`, name: `${prefix}-${pad(n)}`, description: prefix,
  source: { id: `src${n % 2}`, name: SOURCES[n % 2] },
  entitlements: [], entitlementCount: n, segments: [], segmentCount: 0, apps: [],
  created: `2026-01-${pad(n + 1)}T00:00:00Z`, modified: `2026-01-${pad(n + 1)}T12:00:00Z`,
  enabled: true, requestable: n % 2 === 0, requestCommentsRequired: false,
  owner: { id: "ff8081815757d36a015757d42e56031e", name: "SailPoint Support", type: "IDENTITY" },
  tags: ["SDK"], _type: "accessprofile", type: "accessprofile", _version: "v1",
});

await step(["ingest"], async () => {
  const statuses = [];
  for (let n = 0; n < N; n++) {
    const doc = documentOf(n);
    const res = await fetch(`${baseUrl}/v3/search/accessprofiles/${doc.id}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(doc),
    });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return { ingest: { statuses } };
});

// A Search of the run's documents (the marker is their description).
const body = (extra = {}) => ({ indices: ["accessprofiles"], query: { query: `description:${prefix}` }, ...extra });

await step(["visible"], async () => {
  const started = Date.now();
  let last = null;
  for (;;) {
    try {
      last = totalOf(await search.searchCount({ search: body() }));
    } catch (e) {
      last = failure(e);
    }
    if (last === String(N)) return { visible: { within_ms: Date.now() - started, total: last } };
    if (Date.now() - started > VISIBLE_WITHIN_MS) return { visible: { within_ms: null, last } };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

// ---- searchPost, searchCount -------------------------------------------------------------------

await step(["search_post"], async () => {
  const res = await search.searchPost({ search: body({ sort: ["name"] }), offset: 0, limit: 250, count: true });
  return {
    search_post: {
      status: res.status, names: namesOf(res.data), ids: res.data.map((d) => d.id),
      types: [...new Set(res.data.map((d) => String(d._type)))].sort(), total_any_case: totalOf(res),
      tenant_field: tenantField(res.data),
    },
  };
});

await step(["search_post_page"], async () => {
  // The second page by offset, descending.
  const res = await search.searchPost({ search: body({ sort: ["-name"] }), offset: 2, limit: 2 });
  return { search_post_page: { status: res.status, names: namesOf(res.data), total_any_case: totalOf(res) } };
});

await step(["search_after"], async () => {
  // The page after the fourth document (name 03), strictly.
  const res = await search.searchPost({ search: body({ sort: ["name"], searchAfter: [`${prefix}-03`] }), limit: 250 });
  return { search_after: { status: res.status, names: namesOf(res.data) } };
});

await step(["search_count"], async () => {
  const res = await search.searchCount({ search: body() }, { responseType: "text" });
  return { search_count: { status: res.status, total_any_case: totalOf(res), body: String(res.data ?? "") } };
});

// ---- searchAggregate ---------------------------------------------------------------------------

const SAILPOINT_AGG = {
  aggregationType: "SAILPOINT",
  aggregations: { bucket: { name: "Sources", type: "TERMS", field: "source.name" } },
};
const bucketsOf = (aggs, name) =>
  Object.fromEntries((aggs?.[name]?.buckets ?? []).map((b) => [String(b.key), b.doc_count]));

async function aggregate(key, extra, name) {
  await step([key], async () => {
    const res = await search.searchAggregate({ search: body(extra), limit: 2, count: true });
    const hits = res.data?.hits ?? [];
    return {
      [key]: {
        status: res.status, buckets: bucketsOf(res.data?.aggregations, name), hits: hits.length,
        total_any_case: totalOf(res), tenant_field: tenantField(hits),
      },
    };
  });
}

await aggregate("aggregate_sailpoint", SAILPOINT_AGG, "Sources");
await aggregate("aggregate_dsl", {
  aggregationType: "DSL", aggregationsDsl: { Sources: { terms: { field: "source.name.exact" } } },
}, "Sources");

await step(["aggregate_csv"], async () => {
  const res = await search.searchAggregate(
    { search: body(SAILPOINT_AGG) }, { headers: { Accept: "text/csv" }, responseType: "text" });
  return {
    aggregate_csv: {
      status: res.status, content_type: res.headers.get?.("Content-Type") ?? res.headers["content-type"] ?? null,
      lines: String(res.data).split(/\r?\n/).filter((l) => l),
    },
  };
});

// ---- the paginators ----------------------------------------------------------------------------

// A paginator that has made this many calls for 7 documents is looping (a server that ignored
// searchAfter, or answered [null] with page one, would make it loop forever).
const MAX_CALLS = 20;

// The SDK's SearchApi, recording the searchAfter of each call the Paginator makes (as sent:
// JSON, where undefined becomes null), and stopping a paginator that loops.
function recording() {
  const sent = [];
  return {
    sent,
    api: {
      searchPost(params, options) {
        sent.push(JSON.parse(JSON.stringify(params.search.searchAfter ?? [])));
        if (sent.length > MAX_CALLS) throw new Error(`looping: ${sent.length} calls`);
        return search.searchPost(params, options);
      },
    },
  };
}

await step(["paginate_search"], async () => {
  const rec = recording();
  const res = await Paginator.paginateSearchApi(rec.api, body({ sort: ["name"] }), INCREMENT);
  const names = namesOf(res.data);
  return { paginate_search: { names, unique: new Set(names).size, search_after_sent: rec.sent } };
});

await step(["paginate_offset"], async () => {
  const offsets = [];
  // The SDK's searchPost, its offsets recorded.
  const searchPost = function (params, options) {
    offsets.push(params.offset);
    if (offsets.length > MAX_CALLS) throw new Error(`looping: ${offsets.length} calls`);
    return this.searchPost(params, options);
  };
  const res = await Paginator.paginate(search, searchPost, { search: body({ sort: ["name"] }) }, INCREMENT);
  const names = namesOf(res.data);
  return { paginate_offset: { names, unique: new Set(names).size, offsets_sent: offsets } };
});

await step(["paginate_plus_sort"], async () => {
  // sort "+name": the SDK looks up result["+name"] for the next searchAfter and sends [null].
  const rec = recording();
  try {
    const res = await Paginator.paginateSearchApi(rec.api, body({ sort: ["+name"] }), INCREMENT);
    return { paginate_plus_sort: { status: 200, count: res.data.length, search_after_sent: rec.sent } };
  } catch (e) {
    return {
      paginate_plus_sort: {
        status: e?.response?.status ?? null, error: e?.message ?? String(e),
        detail_code: e?.response?.data?.detailCode ?? null, calls: rec.sent.length,
        search_after_sent: rec.sent.slice(0, 4),
      },
    };
  }
});

// ---- refusals ----------------------------------------------------------------------------------

seen.window_over_10000 = await refused(() => search.searchPost({ search: body({ sort: ["name"] }), offset: 9999, limit: 2 }));
seen.query_type_text = await refused(() => search.searchPost({
  search: { indices: ["accessprofiles"], queryType: "TEXT", textQuery: { terms: [prefix], fields: ["description"] } },
}));
// What only this SDK sends: it checks no bounds.
seen.limit_over_10000 = await refused(() => search.searchPost({ search: body(), limit: 10001 }));
seen.aggregate_limit_over_250 = await refused(() => search.searchAggregate({ search: body(SAILPOINT_AGG), limit: 251 }));
seen.search_after_null = await refused(() => search.searchPost({ search: body({ sort: ["name"], searchAfter: [null] }) }));

stdoutLog(JSON.stringify(seen));
