"""A client generated from SlashID's own v1.1 spec drives every SlashID operation idgraph serves.

`scripts/slashid_client.sh` generates the client with openapi-python-client from
tests/sdk/slashid-openapi-v1.1-full.yml (the vendor's file, verbatim) into .tools/; nothing of it
is edited by hand. Every response the client receives is also validated by openapi-core against
the same spec (its status, headers and body schema), through an httpx response hook, so no call
escapes the check.

Usage: slashid_client.py BASE_URL ORG_ID API_KEY AREA[,AREA...]
Prints one JSON line: {"calls": [...], "failures": [...], "invalid": [...], "facts": {...}};
tests/tests/slashid_client.rs runs it and asserts on that line.
"""

import io
import json
import pathlib
import sys
import traceback
import uuid

import httpx

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from slashid_client import AuthenticatedClient
from slashid_client.types import File
from slashid_client.api.identity_management import (
    __init__,
    delete_groups_group_name,
    delete_groups_group_name_persons_person_id,
    delete_organizations,
    delete_organizations_attributes_bucket_name,
    delete_persons_person_id,
    delete_persons_person_id_attributes_bucket_name,
    delete_persons_person_id_handles_handle,
    delete_rbac_permissions_permission_name,
    delete_rbac_roles_role_name,
    get_groups,
    get_groups_group_name,
    get_groups_group_name_persons,
    get_organizations,
    get_organizations_attribute_buckets,
    get_organizations_attributes,
    get_organizations_attributes_bucket_name,
    get_organizations_suborganizations,
    get_persons,
    get_persons_bulk_import,
    get_persons_person_id,
    get_persons_person_id_additional_permissions,
    get_persons_person_id_attributes,
    get_persons_person_id_attributes_bucket_name,
    get_persons_person_id_groups,
    get_persons_person_id_handles,
    get_persons_person_id_organizations,
    get_persons_person_id_permissions,
    get_persons_person_id_roles,
    get_rbac_permissions,
    get_rbac_permissions_permission_name,
    get_rbac_roles,
    get_rbac_roles_role_name,
    patch_organizations_attributes,
    patch_organizations_attributes_bucket_name,
    patch_persons_person_id,
    patch_persons_person_id_attributes,
    patch_persons_person_id_attributes_bucket_name,
    patch_rbac_permissions_permission_name,
    patch_rbac_roles_role_name,
    post_groups,
    post_groups_group_name_persons,
    post_organizations_suborganizations,
    post_persons,
    post_persons_bulk_import,
    post_persons_person_id_handles,
    post_rbac_check,
    post_rbac_permissions,
    post_rbac_roles,
    put_organizations_api_keys,
    put_organizations_attributes,
    put_organizations_attributes_bucket_name,
    put_persons,
    put_persons_person_id_attributes,
    put_persons_person_id_attributes_bucket_name,
    put_persons_person_id_groups,
    put_persons_person_id_permissions,
    put_persons_person_id_roles,
)
from slashid_client.models import (
    PatchAttributesReq,
    PatchBucketedAttributesReq,
    PatchPermissionRequest,
    PatchRoleRequest,
    PersonCreateReq,
    PersonFieldName,
    PersonHandle,
    PersonPatchReq,
    PersonsBulkImportRequest,
    PostGroupPersonsReq,
    PostGroupReq,
    PostPermissionRequest,
    PostRBACCheckRequest,
    PostRoleRequest,
    PutAttributesReq,
    PutBucketedAttributesReq,
    PutPersonGroupsReq,
    PutPersonPermissionsRequest,
    PutPersonRolesRequest,
    SuborganizationCreateRequest,
)

SPEC = pathlib.Path(__file__).with_name("slashid-openapi-v1.1-full.yml")
# The spec's own server: openapi-core finds an operation by a URL under one of its servers.
SPEC_SERVER = "https://api.slashid.com"
POOL_BUCKET = "person_pool-end_user_read_write"
ORG_BUCKET = "end_user_no_access"


class Run:
    """The client, the spec's validator, and what was seen."""

    def __init__(self, base_url, org, api_key):
        # openapi-core decodes JSON and text/plain; the spec's one CSV answer (the bulk import
        # template, a string) is decoded the same way, or every CSV would fail as bytes.
        csv_as_text = {"text/csv": lambda body, **_: body.decode() if isinstance(body, bytes) else body}
        self.spec = OpenAPI.from_file_path(str(SPEC), config=Config(extra_media_type_deserializers=csv_as_text))
        self.org = org
        self.calls, self.failures, self.invalid, self.facts = [], [], [], {}
        self.client = self.client_for(base_url, api_key)
        self.base_url = base_url

    def client_for(self, base_url, api_key):
        return AuthenticatedClient(
            base_url=base_url,
            token=api_key,
            prefix="",
            auth_header_name="SlashID-API-Key",
            httpx_args={"event_hooks": {"response": [self.validate]}},
        )

    def validate(self, response):
        """openapi-core's verdict on one response, against the operation the request named."""
        response.read()
        request = response.request
        url = request.url
        try:
            sent = request.content or None
        except httpx.RequestNotRead:  # a streamed upload: its operation is found without it
            sent = None
        spec_request = MockRequest(
            SPEC_SERVER,
            request.method.lower(),
            url.path,
            args=url.params.multi_items(),
            headers=dict(request.headers),
            data=sent,
            content_type=request.headers.get("content-type", "application/json"),
        )
        spec_response = MockResponse(
            response.content,
            status_code=response.status_code,
            headers=dict(response.headers),
            content_type=response.headers.get("content-type", ""),
        )
        try:
            self.spec.validate_response(spec_request, spec_response)
        except Exception as e:  # every validation error type: each is a finding
            cause = e.__cause__ or e
            details = [str(x) for x in getattr(cause, "schema_errors", [])] or [repr(cause)]
            self.invalid.append(
                {
                    "call": f"{request.method} {url.path}",
                    "status": response.status_code,
                    "error": f"{type(e).__name__}: {'; '.join(details)}"[:600],
                    "body": response.content.decode(errors="replace")[:300],
                }
            )

    def validator_refuses(self, method, path, status, body):
        """Whether the spec's check refuses an answer we make up: proof that it can fail."""
        try:
            self.spec.validate_response(
                MockRequest(SPEC_SERVER, method, path, headers={"SlashID-OrgID": self.org}),
                MockResponse(json.dumps(body).encode(), status_code=status),
            )
        except Exception:  # refused: what the probe wants to see
            return True
        return False

    def call(self, step, module, expect, *args, **kwargs):
        """One operation through the generated client; its status must be `expect`."""
        kwargs.setdefault("client", self.client)
        kwargs.setdefault("slash_id_org_id", self.org)
        response = module.sync_detailed(*args, **kwargs)
        operation = module.__name__.rsplit(".", 1)[-1]
        status = int(response.status_code)
        self.calls.append({"step": step, "operation": operation, "status": status})
        if status != expect:
            self.failures.append(
                {
                    "step": step,
                    "operation": operation,
                    "expected": expect,
                    "status": status,
                    "body": response.content.decode(errors="replace")[:300],
                }
            )
        return response

    def result(self, response):
        """The `result` of an answer's envelope, as the client parsed it (a model or a list)."""
        parsed = response.parsed
        return getattr(parsed, "result", None) if parsed is not None else None


def new_email():
    return f"client-{uuid.uuid4().hex[:12]}@example.com"


def persons(run):
    email = new_email()
    body = PersonCreateReq.from_dict(
        {"active": True, "handles": [{"type": "email_address", "value": email}], "region": "europe-belgium"}
    )
    created = run.call("create a person", post_persons, 201, body=body)
    person = run.result(created).person_id
    run.facts["person_id"] = person
    run.facts["email"] = email
    again = run.call(
        "PUT the same handle updates the person",
        put_persons,
        200,
        body=PersonCreateReq.from_dict({"handles": [{"type": "email_address", "value": email}], "active": True}),
    )
    run.facts["put_same_person"] = run.result(again).person_id == person
    got = run.call("get the person with its handles", get_persons_person_id, 200, person, fields=[PersonFieldName("handles")])
    run.facts["got_handles"] = [h.value for h in run.result(got).handles]
    patched = run.call(
        "deactivate the person", patch_persons_person_id, 200, person, body=PersonPatchReq.from_dict({"active": False})
    )
    run.facts["patched_active"] = run.result(patched).active
    run.call(
        "reactivate the person", patch_persons_person_id, 200, person, body=PersonPatchReq.from_dict({"active": True})
    )
    return person


def attributes(run, person):
    run.call(
        "put bucketed attributes",
        put_persons_person_id_attributes,
        204,
        person,
        body=PutBucketedAttributesReq.from_dict({POOL_BUCKET: {"card_number": "1234", "expiry": "07/25"}}),
    )
    run.call(
        "patch bucketed attributes",
        patch_persons_person_id_attributes,
        204,
        person,
        body=PatchBucketedAttributesReq.from_dict({POOL_BUCKET: {"expiry": "08/26"}}),
    )
    got = run.call("get attributes of a bucket list", get_persons_person_id_attributes, 200, person, buckets=[POOL_BUCKET, ORG_BUCKET])
    run.facts["bucketed_expiry"] = run.result(got).to_dict().get(POOL_BUCKET, {}).get("expiry")
    run.call(
        "put one bucket",
        put_persons_person_id_attributes_bucket_name,
        204,
        person,
        ORG_BUCKET,
        body=PutAttributesReq.from_dict({"risk": 3, "tier": "gold"}),
    )
    run.call(
        "patch one bucket",
        patch_persons_person_id_attributes_bucket_name,
        204,
        person,
        ORG_BUCKET,
        body=PatchAttributesReq.from_dict({"tier": "platinum"}),
    )
    got = run.call("get one bucket", get_persons_person_id_attributes_bucket_name, 200, person, ORG_BUCKET)
    run.facts["bucket_tier"] = run.result(got).to_dict().get("tier")
    run.call(
        "delete one attribute of a bucket",
        delete_persons_person_id_attributes_bucket_name,
        204,
        person,
        ORG_BUCKET,
        attributes=["risk"],
    )
    got = run.call("get the bucket after the delete", get_persons_person_id_attributes_bucket_name, 200, person, ORG_BUCKET)
    run.facts["bucket_after_delete"] = sorted(run.result(got).to_dict())
    buckets = run.call("list the attribute buckets", get_organizations_attribute_buckets, 200)
    run.facts["bucket_names"] = sorted(b.name for b in run.result(buckets))


def permissions(run, person):
    names = ["client:read", "client:write"]
    for name in names:
        run.call(
            f"create permission {name}",
            post_rbac_permissions,
            204,
            body=PostPermissionRequest.from_dict({"name": name, "description": f"{name} for the client"}),
        )
    listed = run.call("list the permission catalog", get_rbac_permissions, 200)
    run.facts["catalog"] = sorted(run.result(listed))
    etag = listed.headers.get("etag")
    run.call(
        "describe a permission with the catalog's ETag",
        patch_rbac_permissions_permission_name,
        204,
        "client:read",
        body=PatchPermissionRequest.from_dict({"description": "Read, for the generated client"}),
        if_match=etag,
    )
    got = run.call("get a permission", get_rbac_permissions_permission_name, 200, "client:read")
    run.facts["permission_description"] = run.result(got).description
    current = run.call("get the person's additional permissions", get_persons_person_id_additional_permissions, 200, person)
    run.call(
        "grant permissions with If-Match",
        put_persons_person_id_permissions,
        204,
        person,
        body=PutPersonPermissionsRequest.from_dict({"permissions": names}),
        if_match=current.headers.get("etag"),
    )
    run.call(
        "a stale If-Match is refused",
        put_persons_person_id_permissions,
        412,
        person,
        body=PutPersonPermissionsRequest.from_dict({"permissions": names[:1]}),
        if_match=current.headers.get("etag"),
    )
    effective = run.call("get the person's permissions", get_persons_person_id_permissions, 200, person)
    run.facts["person_permissions"] = sorted(run.result(effective))
    check = run.call(
        "check a granted permission",
        post_rbac_check,
        200,
        body=PostRBACCheckRequest.from_dict({"person_id": person, "permission_name": "client:write"}),
    )
    run.facts["check_granted"] = run.result(check).granted
    run.call("delete a permission from the catalog", delete_rbac_permissions_permission_name, 204, "client:write")
    check = run.call(
        "check a deleted permission",
        post_rbac_check,
        200,
        body=PostRBACCheckRequest.from_dict({"person_id": person, "permission_name": "client:write"}),
    )
    run.facts["check_after_delete"] = run.result(check).granted


def organizations(run):
    org = run.call("get the organization", get_organizations, 200)
    run.facts["org_id"] = run.result(org).id
    sub = run.call(
        "create a sub-organization",
        post_organizations_suborganizations,
        200,
        body=SuborganizationCreateRequest.from_dict(
            {"sub_org_name": "Client Store", "admins": [{"type": "email_address", "value": new_email()}]}
        ),
    )
    created = run.result(sub)
    run.facts["suborg_id"] = created.id
    return created.id, created.api_key


def person_lookup(run, person):
    email = run.facts["email"]
    found = run.call("find the person by handle", get_persons, 200, handle=f"email_address:{email}")
    run.facts["found_by_handle"] = [p.person_id for p in run.result(found)]
    found = run.call("find the person by id list", get_persons, 200, ids=[person])
    run.facts["found_by_ids"] = [p.person_id for p in run.result(found)]
    found = run.call("find the person by a SCIM filter", get_persons, 200, filter_=f'person_id eq "{person}"')
    run.facts["found_by_filter"] = [p.person_id for p in run.result(found)]
    page = run.call("list one page of persons", get_persons, 200, limit=1)
    run.facts["page_of_one"] = len(run.result(page))
    orgs = run.call("list the person's organizations", get_persons_person_id_organizations, 200, person)
    run.facts["person_orgs"] = [o.id for o in run.result(orgs)]


def handles(run, person):
    phone = f"+1202555{uuid.uuid4().int % 10000:04d}"
    run.facts["phone"] = phone
    run.call(
        "add a phone handle",
        post_persons_person_id_handles,
        204,
        person,
        body=[PersonHandle.from_dict({"type": "phone_number", "value": phone})],
    )
    listed = run.call("list the person's handles", get_persons_person_id_handles, 200, person)
    run.facts["handles_after_add"] = sorted(h.value for h in run.result(listed))
    run.call("remove the phone handle", delete_persons_person_id_handles_handle, 204, person, f"phone_number:{phone}")
    listed = run.call("list the handles after the removal", get_persons_person_id_handles, 200, person)
    run.facts["handles_after_remove"] = sorted(h.value for h in run.result(listed))


def roles(run, person):
    run.call(
        "create a permission for a role",
        post_rbac_permissions,
        204,
        body=PostPermissionRequest.from_dict({"name": "client:role", "description": "granted by a role"}),
    )
    run.call(
        "create a role",
        post_rbac_roles,
        204,
        body=PostRoleRequest.from_dict({"name": "client-reader", "description": "Reads", "permissions": ["client:role"]}),
    )
    listed = run.call("list the roles", get_rbac_roles, 200)
    run.facts["roles"] = sorted(run.result(listed))
    got = run.call("get the role", get_rbac_roles_role_name, 200, "client-reader")
    run.facts["role_permissions"] = sorted(run.result(got).permissions)
    run.call(
        "describe the role with its ETag",
        patch_rbac_roles_role_name,
        204,
        "client-reader",
        body=PatchRoleRequest.from_dict({"description": "Reads, patched"}),
        if_match=got.headers.get("etag"),
    )
    current = run.call("get the person's roles", get_persons_person_id_roles, 200, person)
    run.call(
        "give the person the role with If-Match",
        put_persons_person_id_roles,
        204,
        person,
        body=PutPersonRolesRequest.from_dict({"roles": ["client-reader"]}),
        if_match=current.headers.get("etag"),
    )
    got = run.call("get the person's roles after the grant", get_persons_person_id_roles, 200, person)
    run.facts["person_roles"] = sorted(run.result(got))
    check = run.call(
        "check a permission the role grants",
        post_rbac_check,
        200,
        body=PostRBACCheckRequest.from_dict({"person_id": person, "permission_name": "client:role"}),
    )
    run.facts["check_through_role"] = run.result(check).granted
    effective = run.call("the person's permissions include the role's", get_persons_person_id_permissions, 200, person)
    run.facts["permissions_with_role"] = sorted(run.result(effective))
    direct = run.call(
        "the additional permissions do not", get_persons_person_id_additional_permissions, 200, person
    )
    run.facts["additional_with_role"] = sorted(run.result(direct))
    run.call("delete the role", delete_rbac_roles_role_name, 204, "client-reader")
    check = run.call(
        "check after the role's deletion",
        post_rbac_check,
        200,
        body=PostRBACCheckRequest.from_dict({"person_id": person, "permission_name": "client:role"}),
    )
    run.facts["check_after_role_delete"] = run.result(check).granted


def groups(run, person):
    for name in ("client-group", "client-other"):
        run.call(f"create group {name}", post_groups, 201, body=PostGroupReq.from_dict({"name": name, "description": name}))
    listed = run.call("list the groups", get_groups, 200)
    run.facts["groups"] = sorted(run.result(listed))
    joined = run.call(
        "create a person in a group",
        post_persons,
        201,
        body=PersonCreateReq.from_dict(
            {"handles": [{"type": "email_address", "value": new_email()}], "groups": ["client-other"]}
        ),
    )
    run.facts["created_in_groups"] = sorted(run.result(joined).groups or [])
    theirs = run.call(
        "list the groups of the person created in one",
        get_persons_person_id_groups,
        200,
        run.result(joined).person_id,
    )
    run.facts["created_person_groups"] = sorted(run.result(theirs))
    got = run.call("get a group", get_groups_group_name, 200, "client-group")
    run.facts["group_name"] = run.result(got).name
    run.call(
        "add the person to a group",
        post_groups_group_name_persons,
        201,
        "client-group",
        body=PostGroupPersonsReq.from_dict({"persons": [person]}),
    )
    members = run.call("list the group's persons", get_groups_group_name_persons, 200, "client-group")
    run.facts["group_members"] = run.result(members)
    mine = run.call("list the person's groups", get_persons_person_id_groups, 200, person)
    run.facts["person_groups"] = sorted(run.result(mine))
    replaced = run.call(
        "replace the person's groups",
        put_persons_person_id_groups,
        200,
        person,
        body=PutPersonGroupsReq.from_dict({"groups": ["client-other"]}),
    )
    run.facts["person_groups_replaced"] = sorted(run.result(replaced))
    run.call("remove the person from a group", delete_groups_group_name_persons_person_id, 200, "client-other", person)
    mine = run.call("list the person's groups after the removal", get_persons_person_id_groups, 200, person)
    run.facts["person_groups_after_remove"] = sorted(run.result(mine))
    run.call("delete a group", delete_groups_group_name, 200, "client-group")
    run.call("the deleted group is gone", get_groups_group_name, 404, "client-group")


def org_attributes(run):
    run.call(
        "put the organization's bucketed attributes",
        put_organizations_attributes,
        204,
        body=PutBucketedAttributesReq.from_dict({ORG_BUCKET: {"plan": "gold", "seats": 10}}),
    )
    run.call(
        "patch the organization's bucketed attributes",
        patch_organizations_attributes,
        204,
        body=PatchBucketedAttributesReq.from_dict({ORG_BUCKET: {"seats": 12}}),
    )
    got = run.call("get the organization's attributes", get_organizations_attributes, 200, buckets=[ORG_BUCKET])
    run.facts["org_seats"] = run.result(got).to_dict().get(ORG_BUCKET, {}).get("seats")
    run.call(
        "put one organization bucket",
        put_organizations_attributes_bucket_name,
        204,
        ORG_BUCKET,
        body=PutAttributesReq.from_dict({"plan": "silver", "region": "eu"}),
    )
    run.call(
        "patch one organization bucket",
        patch_organizations_attributes_bucket_name,
        204,
        ORG_BUCKET,
        body=PatchAttributesReq.from_dict({"plan": "platinum"}),
    )
    run.call(
        "delete an attribute of an organization bucket",
        delete_organizations_attributes_bucket_name,
        204,
        ORG_BUCKET,
        attributes=["region"],
    )
    got = run.call("get one organization bucket", get_organizations_attributes_bucket_name, 200, ORG_BUCKET)
    run.facts["org_bucket"] = run.result(got).to_dict()


def org_admin(run, sub_id, sub_key):
    listed = run.call("list the sub-organizations", get_organizations_suborganizations, 200)
    run.facts["suborgs"] = list(run.result(listed))
    sub = run.client_for(run.base_url, sub_key)
    rotated = run.call("rotate the sub-organization's API key", put_organizations_api_keys, 200, client=sub, slash_id_org_id=sub_id)
    new_key = run.result(rotated).api_key
    run.facts["rotated_key_differs"] = new_key != sub_key
    sub = run.client_for(run.base_url, new_key)
    got = run.call("the new key works", get_organizations, 200, client=sub, slash_id_org_id=sub_id)
    run.facts["new_key_org"] = run.result(got).id
    run.call("delete the sub-organization", delete_organizations, 204, client=sub, slash_id_org_id=sub_id)
    listed = run.call("list the sub-organizations after the deletion", get_organizations_suborganizations, 200)
    run.facts["suborgs_after_delete"] = list(run.result(listed))


def bulk_import(run):
    template = run.call("get the bulk import template", get_persons_bulk_import, 200)
    run.facts["bulk_template"] = template.content.decode()
    emails = [new_email(), new_email()]
    csv = "slashid:emails,slashid:region\n" + "".join(f"{e},us-iowa\n" for e in emails) + f"{emails[0]},\n"
    imported = run.call(
        "import persons from a CSV file",
        post_persons_bulk_import,
        200,
        body=PersonsBulkImportRequest(
            persons=File(payload=io.BytesIO(csv.encode()), file_name="persons.csv", mime_type="text/csv")
        ),
    )
    result = run.result(imported)
    run.facts["bulk_imported"] = [result.successful_imports, result.failed_imports]


def delete_person(run, person):
    run.call("delete the person", delete_persons_person_id, 204, person)
    run.call("the deleted person is gone", get_persons_person_id, 404, person)


def main():
    base_url, org, api_key, areas = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4].split(","))
    run = Run(base_url, org, api_key)
    run.facts["validator_refuses_a_wrong_body"] = run.validator_refuses("get", "/rbac/permissions", 200, {"result": 5})
    run.facts["validator_refuses_an_undocumented_status"] = run.validator_refuses(
        "get", "/rbac/permissions", 418, {"result": []}
    )
    run.facts["validator_accepts_a_right_body"] = not run.validator_refuses(
        "get", "/rbac/permissions", 200, {"result": ["a:b"]}
    )
    try:
        person = persons(run)
        if "attributes" in areas:
            attributes(run, person)
        if "permissions" in areas:
            permissions(run, person)
        if "person_lookup" in areas:
            person_lookup(run, person)
        if "handles" in areas:
            handles(run, person)
        if "roles" in areas:
            roles(run, person)
        if "groups" in areas:
            groups(run, person)
        if "org_attributes" in areas:
            org_attributes(run)
        if "bulk_import" in areas:
            bulk_import(run)
        if "organizations" in areas:
            sub_id, sub_key = organizations(run)
            if "org_admin" in areas:
                org_admin(run, sub_id, sub_key)
        delete_person(run, person)
    except Exception as e:  # a crash is reported with what was seen before it
        run.failures.append({"step": "the scenario", "error": traceback.format_exc(limit=3)[-800:]})
    print(json.dumps({"calls": run.calls, "failures": run.failures, "invalid": run.invalid, "facts": run.facts}))


if __name__ == "__main__":
    main()
