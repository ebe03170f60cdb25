"""Runs SailPoint's official Python SDK, unchanged, against the local stack: the scenario of
issue 18, each call through the SDK's own methods and models (no hand-written HTTP).

  - the token flow (Configuration POSTs /oauth/token);
  - the seed role's assigned identities: a filtered, sorted page with count=true, then every member
    through the Paginator; a search document and a 404;
  - two roles of this run (unique name prefix, so runs repeat on the same data): create, get, patch;
    listRoles with filters (name sw, id eq, requestable eq, created ge), sorters (name, -modified),
    count=true and the Paginator; include-unsegmented=false alone (the spec's error case);
  - access requests: GRANT_ACCESS of the new role to the demo identity and to a seed person who has
    an email handle but no name (the 202 parsed by the SDK's AccessRequestResponse), the role's
    members and their names, the status listing, REVOKE_ACCESS, and a cancel;
  - bulk delete of both roles (202 TaskResultDto), then a get of a deleted role.

Works with both SDK lines (1.x: sailpoint.v3, /v3 paths; 2.x: per-service methods with a _v1
suffix on /roles/v1, /access-requests/v1, ...). Every operation's failure is recorded under its own
key as {"error": <exception class>, "status": <HTTP status or null>, "detail": ...}, so one failure
hides nothing else. Prints one JSON line (stdout carries nothing else); tests/tests/sailpoint_sdk.rs
and scripts/sam_local.py assert on it.

usage: python sailpoint_sdk.py BASE_URL ROLE_ID IDENTITY_ID"""
import contextlib
import datetime
import json
import secrets
import sys

from sailpoint.configuration import Configuration, ConfigurationParams

base_url, role, identity = sys.argv[1:4]
# A seed person (seed/demo.json) with an email handle and no name: issue 18 asks that such a
# person be listed with string name/aliasName, never null.
HANDLE_ONLY_PERSON = "903c1ff9-f2cc-435c-b242-9d8a690fcf0a"

params = ConfigurationParams()
params.base_url = base_url
params.client_id = "demo-client"
params.client_secret = "demo-secret"
config = Configuration(params)  # POSTs /oauth/token at once
assert config.access_token, "the token flow gave no access token"

try:
    import sailpoint.v3 as v3  # 1.x
    from sailpoint.paginator import Paginator
    client = v3.ApiClient(config)
    roles, search, requests = v3.RolesApi(client), v3.SearchApi(client), v3.AccessRequestsApi(client)
    RM = AM = v3  # the models
    suffix, get_doc, line = "", search.search_get, "1.x"
except ImportError:  # 2.x
    from sailpoint import AccessRequestsApi, ApiClient, RolesApi, SearchApi
    from sailpoint.paginator import Paginator
    import sailpoint.access_requests.models as AM
    import sailpoint.roles.models as RM
    client = ApiClient(config)
    roles, search, requests = RolesApi(client), SearchApi(client), AccessRequestsApi(client)
    suffix, get_doc, line = "_v1", search.search_get_v1, "2.x"


def op(api, name, info=True):
    """The SDK method of this line: list_roles (1.x) or list_roles_v1 (2.x), with status and
    headers (*_with_http_info) unless info is false."""
    return getattr(api, name + suffix + ("_with_http_info" if info else ""))


seen = {"line": line, "token": bool(config.access_token)}


def failure(e):
    detail = getattr(e, "body", None) or str(e)
    return {"error": type(e).__name__, "status": getattr(e, "status", None), "detail": str(detail)[:400]}


def step(keys, fn):
    """Runs fn (which returns {key: value}); on an exception every key gets the failure."""
    try:
        seen.update(fn())
    except Exception as e:
        seen.update({k: failure(e) for k in keys})


def headers_of(res):
    """X-Total-Count as a client of this SDK reads it: ApiResponse.headers is a plain dict, so
    `.get("X-Total-Count")` is case-sensitive (issue 18); the any-case lookup shows what was sent."""
    headers = res.headers or {}
    return {"total_header": headers.get("X-Total-Count"),
            "total_any_case": {k.lower(): v for k, v in headers.items()}.get("x-total-count")}


def quiet(fn, *args, **kwargs):
    """The 1.x Paginator prints each page's offset to stdout, which carries only the JSON line."""
    with contextlib.redirect_stdout(sys.stderr):
        return fn(*args, **kwargs)


def named(value):
    return isinstance(value, str) and value != ""


def json_type(value):
    return {str: "string", type(None): "null", dict: "object"}.get(type(value), type(value).__name__)


# ---- the seed role's members, a search document (the seed operations) --------------------------

def seed_page():
    page = op(roles, "get_role_assigned_identities")(id=role, limit=5, offset=0, count=True,
                                                     filters='name sw "T"', sorters="aliasName,-name")
    return {"page_status": page.status_code,
            "page_aliases": [m.alias_name for m in page.data],
            "page_sources": [str(getattr(m.role_assignment_source, "value", m.role_assignment_source))
                             for m in page.data],
            **headers_of(page)}


def seed_paged():
    everyone = quiet(Paginator.paginate, op(roles, "get_role_assigned_identities", info=False), -1,
                     id=role, limit=50)
    return {"paged_count": len(everyone), "paged_unique": len({m.id for m in everyone}),
            "paged_unnamed": sum(1 for m in everyone if not (named(m.name) and named(m.alias_name)))}


def seed_doc():
    doc = get_doc(index="identities", id=identity)
    return {"doc_type": doc.get("_type"), "doc_name": doc.get("displayName")}


def seed_missing():
    try:
        get_doc(index="identities", id="00000000000000000000000000000000")
        return {"missing_status": None}
    except Exception as e:  # NotFoundException
        return {"missing_status": getattr(e, "status", None)}


step(["page_status", "page_aliases", "page_sources", "total_header", "total_any_case"], seed_page)
step(["paged_count", "paged_unique", "paged_unnamed"], seed_paged)
step(["doc_type", "doc_name"], seed_doc)
step(["missing_status"], seed_missing)

# ---- roles of this run: create, get, patch, listRoles ---------------------------------------------

prefix = f"sdk-py{line[0]}-{secrets.token_hex(4)}"
since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
seen["prefix"] = prefix
created = {}  # key -> role id


def create(key, name, requestable):
    def run():
        res = op(roles, "create_role")(RM.Role(
            name=name, description=f"issue 18 SDK scenario ({line})", enabled=True, requestable=requestable,
            owner=RM.OwnerReference(type="IDENTITY", id=identity)))
        created[key] = res.data.id
        return {key: {"status": res.status_code, "id": res.data.id, "name": res.data.name,
                      "owner_id": res.data.owner.id if res.data.owner else None,
                      "requestable": res.data.requestable}}
    step([key], run)


create("role_create", f"{prefix} granted", True)
create("role_create_plain", f"{prefix} plain", False)
granted, plain = created.get("role_create"), created.get("role_create_plain")


def role_get():
    res = op(roles, "get_role")(id=granted)
    return {"role_get": {"status": res.status_code, "id": res.data.id, "name": res.data.name,
                         "owner_id": res.data.owner.id if res.data.owner else None,
                         "description": res.data.description}}


def role_patch():
    # The plain role is patched after the granted one was created (timestamps have
    # milliseconds): -modified lists it first.
    res = op(roles, "patch_role")(id=plain, json_patch_operation=[RM.JsonPatchOperation(
        op="replace", path="/description", value=RM.JsonPatchOperationValue("patched by the SDK"))])
    return {"role_patch": {"status": res.status_code, "id": res.data.id, "description": res.data.description}}


step(["role_get"], role_get)
step(["role_patch"], role_patch)


def list_roles(key, with_headers=False, **kwargs):
    def run():
        res = op(roles, "list_roles")(**kwargs)
        got = {"status": res.status_code, "names": [r.name for r in res.data], "ids": [r.id for r in res.data]}
        if with_headers:
            got.update(headers_of(res))
        return {key: got}
    step([key], run)


by_name = f'name sw "{prefix}"'
list_roles("roles_by_name", True, filters=by_name, sorters="name", limit=50, count=True)
list_roles("roles_by_modified", filters=by_name, sorters="-modified", limit=50)
list_roles("roles_by_id", filters=f'id eq "{granted}"')
list_roles("roles_not_requestable", filters=f"{by_name} and requestable eq false", sorters="name")
list_roles("roles_created_since", filters=f"{by_name} and created ge {since}", sorters="name")
# The spec: "If for-segment-ids is absent or empty, specifying include-unsegmented as false results
# in an error." Recorded as whatever came back (a 400 is expected).
list_roles("roles_unsegmented_false", include_unsegmented=False)


def roles_paged(key, limit):
    # limit= is the page size the Paginator sends: without it, it sends limit=250 (its default),
    # which listRoles' maximum of 50 rejects, and its "short page ends the list" test compares with
    # that default.
    def run():
        got = quiet(Paginator.paginate, op(roles, "list_roles", info=False), -1,
                    limit=limit, filters=by_name, sorters="name")
        return {key: {"count": len(got), "names": [r.name for r in got]}}
    step([key], run)


roles_paged("roles_paged", 50)
roles_paged("roles_paged_by_one", 1)  # offsets 0, 1, 2: several pages

# ---- access requests --------------------------------------------------------------------------


def tracking(res):
    """The 202 AccessRequestResponse, as the SDK's model parsed it (a ValidationError, recorded as
    the operation's failure, when requestedFor is not a string)."""
    body = res.data
    new = body.new_requests or []
    return {"status": res.status_code,
            "requested_for": [t.requested_for for t in new],
            "requested_for_types": [json_type(t.requested_for) for t in new],
            "item_ids": [d.id for t in new for d in (t.requested_items_details or [])],
            "item_types": [str(getattr(d.type, "value", d.type)) for t in new for d in (t.requested_items_details or [])],
            "request_ids": [i for t in new for i in (t.access_request_ids or [])],
            "existing": len(body.existing_requests or [])}


def ar_grant():
    res = op(requests, "create_access_request")(AM.AccessRequest(
        requested_for=[identity, HANDLE_ONLY_PERSON], request_type="GRANT_ACCESS",
        requested_items=[AM.AccessRequestItem(type="ROLE", id=granted, comment="issue 18 SDK scenario")]))
    return {"ar_grant": tracking(res)}


step(["ar_grant"], ar_grant)


def role_members():
    # A grant writes its members' names with them: one read, no waiting.
    res = op(roles, "get_role_assigned_identities")(id=granted, limit=50, count=True, sorters="name")
    members = [{"id": m.id, "name": m.name, "aliasName": m.alias_name, "email": m.email} for m in res.data]
    all_named = len(members) >= 2 and all(named(m["name"]) and named(m["aliasName"]) for m in members)
    return {"role_members": {"status": res.status_code, "members": members, "all_named": all_named,
                             **headers_of(res)}}


step(["role_members"], role_members)


def ar_status():
    res = op(requests, "list_access_request_status")(requested_for=identity, count=True, limit=50, sorters="-created")
    mine = [s for s in res.data if s.name == f"{prefix} granted"]
    return {"ar_status": {
        "status": res.status_code, "count": len(res.data), **headers_of(res),
        "items": [{"name": s.name, "type": str(getattr(s.type, "value", s.type)),
                   "state": str(getattr(s.state, "value", s.state)),
                   "request_type": str(getattr(s.request_type, "value", s.request_type)),
                   "requested_for_id": s.requested_for.id if s.requested_for else None,
                   "access_request_id": s.access_request_id, "cancelable": s.cancelable} for s in mine]}}


step(["ar_status"], ar_status)


def ar_revoke():
    # A revoke names a single identity (spec); the handle-only person keeps the role until the delete.
    res = op(requests, "create_access_request")(AM.AccessRequest(
        requested_for=[identity], request_type="REVOKE_ACCESS",
        requested_items=[AM.AccessRequestItem(type="ROLE", id=granted, comment="issue 18 SDK scenario: revoke")]))
    return {"ar_revoke": tracking(res)}


step(["ar_revoke"], ar_revoke)


def ar_cancel():
    # The grant's request id (the identityRequestId the spec asks for). It has completed already,
    # so the server decides what a cancel of it answers; recorded, not judged, here.
    ids = seen.get("ar_grant", {}).get("request_ids") or ["none"]
    res = op(requests, "cancel_access_request")(AM.CancelAccessRequest(
        account_activity_id=ids[0], comment="issue 18 SDK scenario: cancel"))
    return {"ar_cancel": {"status": res.status_code, "id": ids[0]}}


step(["ar_cancel"], ar_cancel)

# ---- bulk delete, then the deleted role ---------------------------------------------------------


def bulk_delete():
    res = op(roles, "delete_bulk_roles")(RM.RoleBulkDeleteRequest(role_ids=[i for i in (granted, plain) if i]))
    return {"roles_bulk_delete": {"status": res.status_code,
                                  "type": str(getattr(res.data.type, "value", res.data.type)), "id": res.data.id}}


step(["roles_bulk_delete"], bulk_delete)


def deleted_get():
    # The bulk delete's task is done when it answers 202 here: the role is gone at once.
    try:
        op(roles, "get_role")(id=granted)
    except Exception as e:
        return {"role_deleted_get": failure(e)}
    return {"role_deleted_get": {"status": 200}}


step(["role_deleted_get"], deleted_get)

if seen["roles_bulk_delete"].get("status") != 202:  # no bulk delete: the roles go one by one
    cleanup = {}
    for rid in (granted, plain):
        if rid:
            try:
                cleanup[rid] = op(roles, "delete_role")(id=rid).status_code
            except Exception as e:
                cleanup[rid] = failure(e)
    seen["cleanup"] = cleanup

print(json.dumps(seen, default=str))
