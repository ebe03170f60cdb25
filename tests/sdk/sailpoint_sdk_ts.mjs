// Runs SailPoint's official TypeScript SDK (sailpoint-api-client 1.4.15, /v3 paths), unchanged,
// from plain Node against the local stack: the scenario of tests/sdk/sailpoint_sdk.py (issue 18),
// each call through the SDK's own methods, no hand-written HTTP. Prints one JSON line with the
// Python script's keys ("line" is "ts"), each operation's failure recorded under its own key as
// {"error": <error class>, "status": <HTTP status or null>, "detail": ...}.
//
// The SDK is CommonJS; it is loaded from SAILPOINT_TS_SDK_DIR, by default the copy
// scripts/lib.sh (ensure_sailpoint_ts_sdk) installs into .tools/sailpoint-ts-1.4.15.
//
// usage: node sailpoint_sdk_ts.mjs BASE_URL ROLE_ID IDENTITY_ID
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

const [baseUrl, role, identity] = process.argv.slice(2, 5);
if (!identity) {
  console.error("usage: node sailpoint_sdk_ts.mjs BASE_URL ROLE_ID IDENTITY_ID");
  process.exit(2);
}
// A seed person (seed/demo.json) with an email handle and no name: issue 18 asks that such a
// person be listed with string name/aliasName, never null.
const HANDLE_ONLY_PERSON = "903c1ff9-f2cc-435c-b242-9d8a690fcf0a";

// stdout carries only the JSON line: the SDK logs with console.log (the Paginator, each page's
// offset; Configuration, its config-file lookups).
const stdoutLog = console.log;
console.log = console.error;

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = process.env.SAILPOINT_TS_SDK_DIR ?? path.join(here, "../../.tools/sailpoint-ts-1.4.15");
const sdk = createRequire(path.join(sdkDir, "package.json"))("sailpoint-api-client");
const { Configuration, RolesApi, AccessRequestsApi, SearchApi, Paginator } = sdk;

// The SDK's documented setup (its readme): environment variables, then `new Configuration()`,
// which POSTs $SAIL_BASE_URL/oauth/token. (Constructor parameters would work too, but then
// tokenUrl must be given as well: only the environment path derives it from the base URL.)
process.env.SAIL_BASE_URL = baseUrl;
process.env.SAIL_CLIENT_ID = "demo-client";
process.env.SAIL_CLIENT_SECRET = "demo-secret";
const config = new Configuration();
const token = await config.accessToken; // a Promise of the token; throws (exit 1) without one
if (!token) throw new Error("the token flow gave no access token");

const roles = new RolesApi(config);
const requests = new AccessRequestsApi(config);
const search = new SearchApi(config);
const seen = { line: "ts", token: typeof token === "string" && token.length > 0 };

function failure(e) {
  const data = e?.response?.data;
  return {
    error: e?.name ?? String(e),
    status: e?.response?.status ?? null,
    detail: String(data === undefined ? e?.message : JSON.stringify(data)).slice(0, 400),
  };
}

// Runs fn (which returns {key: value}); on an error every key gets the failure.
async function step(keys, fn) {
  try {
    Object.assign(seen, await fn());
  } catch (e) {
    for (const k of keys) seen[k] = failure(e);
  }
}

// X-Total-Count as a client of this SDK reads it: Node lowercases header names, so axios holds
// it as 'x-total-count' whatever the spelling on the wire; AxiosHeaders.get is case-insensitive.
const headersOf = (res) => ({
  total_header: res.headers["x-total-count"] ?? null,
  total_any_case: res.headers.get?.("X-Total-Count") ?? res.headers["x-total-count"] ?? null,
});
const named = (v) => typeof v === "string" && v !== "";

// ---- the seed role's members, a search document (the seed operations) ----------------------

await step(["page_status", "page_aliases", "page_sources", "total_header", "total_any_case"], async () => {
  const page = await roles.getRoleAssignedIdentities({
    id: role, limit: 5, offset: 0, count: true, filters: 'name sw "T"', sorters: "aliasName,-name",
  });
  return {
    page_status: page.status,
    page_aliases: page.data.map((m) => m.aliasName),
    page_sources: page.data.map((m) => String(m.roleAssignmentSource)),
    ...headersOf(page),
  };
});

await step(["paged_count", "paged_unique", "paged_unnamed"], async () => {
  // Increment 50: the Paginator sends `limit = increment` (default 250) and ends on a shorter page.
  const res = await Paginator.paginate(roles, roles.getRoleAssignedIdentities, { id: role }, 50);
  const everyone = res.data;
  return {
    paged_count: everyone.length,
    paged_unique: new Set(everyone.map((m) => m.id)).size,
    paged_unnamed: everyone.filter((m) => !(named(m.name) && named(m.aliasName))).length,
  };
});

await step(["doc_type", "doc_name"], async () => {
  const doc = (await search.searchGet({ index: "identities", id: identity })).data;
  return { doc_type: doc._type, doc_name: doc.displayName };
});

await step(["missing_status"], async () => {
  try {
    await search.searchGet({ index: "identities", id: "00000000000000000000000000000000" });
    return { missing_status: null };
  } catch (e) {
    return { missing_status: e?.response?.status ?? null };
  }
});

// ---- roles of this run: create, get, patch, listRoles ---------------------------------------

const prefix = `sdk-ts-${randomBytes(4).toString("hex")}`;
const since = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, "Z");
seen.prefix = prefix;
const created = {};

async function create(key, name, requestable) {
  await step([key], async () => {
    const res = await roles.createRole({
      role: {
        name, description: "issue 18 SDK scenario (ts)", enabled: true, requestable,
        owner: { type: "IDENTITY", id: identity },
      },
    });
    created[key] = res.data.id;
    return {
      [key]: {
        status: res.status, id: res.data.id, name: res.data.name,
        owner_id: res.data.owner?.id ?? null, requestable: res.data.requestable,
      },
    };
  });
}

await create("role_create", `${prefix} granted`, true);
await create("role_create_plain", `${prefix} plain`, false);
const granted = created.role_create, plain = created.role_create_plain;

await step(["role_get"], async () => {
  const res = await roles.getRole({ id: granted });
  return {
    role_get: {
      status: res.status, id: res.data.id, name: res.data.name,
      owner_id: res.data.owner?.id ?? null, description: res.data.description,
    },
  };
});

await step(["role_patch"], async () => {
  // The plain role is patched after the granted one was created (timestamps have
  // milliseconds): -modified lists it first.
  const res = await roles.patchRole({
    id: plain, jsonPatchOperation: [{ op: "replace", path: "/description", value: "patched by the SDK" }],
  });
  return { role_patch: { status: res.status, id: res.data.id, description: res.data.description } };
});

async function listRoles(key, withHeaders, params) {
  await step([key], async () => {
    const res = await roles.listRoles(params);
    const got = { status: res.status, names: res.data.map((r) => r.name), ids: res.data.map((r) => r.id) };
    return { [key]: withHeaders ? { ...got, ...headersOf(res) } : got };
  });
}

const byName = `name sw "${prefix}"`;
await listRoles("roles_by_name", true, { filters: byName, sorters: "name", limit: 50, count: true });
await listRoles("roles_by_modified", false, { filters: byName, sorters: "-modified", limit: 50 });
await listRoles("roles_by_id", false, { filters: `id eq "${granted}"` });
await listRoles("roles_not_requestable", false, { filters: `${byName} and requestable eq false`, sorters: "name" });
await listRoles("roles_created_since", false, { filters: `${byName} and created ge ${since}`, sorters: "name" });
// The spec: include-unsegmented=false without for-segment-ids "results in an error" (400 expected).
await listRoles("roles_unsegmented_false", false, { includeUnsegmented: false });
// The TS SDK checks no bounds, so limit=51 reaches the server (the spec's maximum is 50).
await listRoles("roles_limit_51", false, { limit: 51 });

async function rolesPaged(key, increment) {
  await step([key], async () => {
    // Paginator.paginate(thisArg, method, args, increment): it sends limit=increment, default
    // 250, above listRoles' maximum of 50, so the increment must be given; args.limit would be the
    // total to stop at, not the page size.
    const res = await Paginator.paginate(roles, roles.listRoles, { filters: byName, sorters: "name" }, increment);
    return { [key]: { count: res.data.length, names: res.data.map((r) => r.name) } };
  });
}

await rolesPaged("roles_paged", 50);
await rolesPaged("roles_paged_by_one", 1); // offsets 0, 1, 2: several pages
await rolesPaged("roles_paged_default_increment", undefined); // limit=250: a 400 is expected

// ---- access requests ------------------------------------------------------------------------

// The 202 AccessRequestResponse: the SDK types it (AccessRequestTracking.requestedFor: string,
// requestedItemsDetails: RequestedItemDetails[]) but checks nothing at run time, so the types are
// recorded as received.
function tracking(res) {
  const news = res.data?.newRequests ?? [];
  const items = news.flatMap((t) => t.requestedItemsDetails ?? []);
  return {
    status: res.status,
    requested_for: news.map((t) => t.requestedFor),
    requested_for_types: news.map((t) => (t.requestedFor === null ? "null" : typeof t.requestedFor)),
    item_ids: items.map((d) => d.id),
    item_types: items.map((d) => d.type),
    request_ids: news.flatMap((t) => t.accessRequestIds ?? []),
    existing: (res.data?.existingRequests ?? []).length,
  };
}

await step(["ar_grant"], async () => {
  const res = await requests.createAccessRequest({
    accessRequest: {
      requestedFor: [identity, HANDLE_ONLY_PERSON], requestType: "GRANT_ACCESS",
      requestedItems: [{ type: "ROLE", id: granted, comment: "issue 18 SDK scenario" }],
    },
  });
  return { ar_grant: tracking(res) };
});

await step(["role_members"], async () => {
  // A grant writes its members' names with them: one read, no waiting.
  const res = await roles.getRoleAssignedIdentities({ id: granted, limit: 50, count: true, sorters: "name" });
  const members = res.data.map((m) => ({ id: m.id, name: m.name, aliasName: m.aliasName, email: m.email }));
  const allNamed = members.length >= 2 && members.every((m) => named(m.name) && named(m.aliasName));
  return { role_members: { status: res.status, members, all_named: allNamed, ...headersOf(res) } };
});

await step(["ar_status"], async () => {
  const res = await requests.listAccessRequestStatus({
    requestedFor: identity, count: true, limit: 50, sorters: "-created",
  });
  const mine = res.data.filter((s) => s.name === `${prefix} granted`);
  return {
    ar_status: {
      status: res.status, count: res.data.length, ...headersOf(res),
      items: mine.map((s) => ({
        name: s.name, type: String(s.type), state: String(s.state), request_type: String(s.requestType),
        requested_for_id: s.requestedFor?.id ?? null, access_request_id: s.accessRequestId ?? null,
        cancelable: s.cancelable ?? null,
      })),
    },
  };
});

await step(["ar_revoke"], async () => {
  // A revoke names a single identity (spec); the handle-only person keeps the role until the delete.
  const res = await requests.createAccessRequest({
    accessRequest: {
      requestedFor: [identity], requestType: "REVOKE_ACCESS",
      requestedItems: [{ type: "ROLE", id: granted, comment: "issue 18 SDK scenario: revoke" }],
    },
  });
  return { ar_revoke: tracking(res) };
});

await step(["ar_cancel"], async () => {
  // The grant's request id (the identityRequestId the spec asks for). It has completed already,
  // so the server decides what a cancel of it answers; recorded, not judged, here.
  const id = seen.ar_grant?.request_ids?.[0] ?? "none";
  const res = await requests.cancelAccessRequest({
    cancelAccessRequest: { accountActivityId: id, comment: "issue 18 SDK scenario: cancel" },
  });
  return { ar_cancel: { status: res.status, id } };
});

// ---- bulk delete, then the deleted role -----------------------------------------------------

await step(["roles_bulk_delete"], async () => {
  const res = await roles.deleteBulkRoles({ roleBulkDeleteRequest: { roleIds: [granted, plain].filter(Boolean) } });
  return { roles_bulk_delete: { status: res.status, type: res.data?.type ?? null, id: res.data?.id ?? null } };
});

await step(["role_deleted_get"], async () => {
  // The bulk delete's task is done when it answers 202 here: the role is gone at once.
  try {
    await roles.getRole({ id: granted });
  } catch (e) {
    return { role_deleted_get: failure(e) };
  }
  return { role_deleted_get: { status: 200 } };
});

if (seen.roles_bulk_delete?.status !== 202) { // no bulk delete: the roles go one by one
  seen.cleanup = {};
  for (const id of [granted, plain].filter(Boolean)) {
    try {
      seen.cleanup[id] = (await roles.deleteRole({ id })).status;
    } catch (e) {
      seen.cleanup[id] = failure(e);
    }
  }
}

stdoutLog(JSON.stringify(seen));
