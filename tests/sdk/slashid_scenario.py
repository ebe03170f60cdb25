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

import json
import pathlib
import sys
import traceback
import uuid

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from slashid_client import AuthenticatedClient
from slashid_client.api.identity_management import (
    delete_persons_person_id,
    delete_persons_person_id_attributes_bucket_name,
    delete_rbac_permissions_permission_name,
    get_organizations,
    get_organizations_attribute_buckets,
    get_persons_person_id,
    get_persons_person_id_additional_permissions,
    get_persons_person_id_attributes,
    get_persons_person_id_attributes_bucket_name,
    get_persons_person_id_permissions,
    get_rbac_permissions,
    get_rbac_permissions_permission_name,
    patch_persons_person_id,
    patch_persons_person_id_attributes,
    patch_persons_person_id_attributes_bucket_name,
    patch_rbac_permissions_permission_name,
    post_organizations_suborganizations,
    post_persons,
    post_rbac_check,
    post_rbac_permissions,
    put_persons,
    put_persons_person_id_attributes,
    put_persons_person_id_attributes_bucket_name,
    put_persons_person_id_permissions,
)
from slashid_client.models import (
    PatchAttributesReq,
    PatchBucketedAttributesReq,
    PatchPermissionRequest,
    PersonCreateReq,
    PersonFieldName,
    PersonPatchReq,
    PostPermissionRequest,
    PostRBACCheckRequest,
    PutAttributesReq,
    PutBucketedAttributesReq,
    PutPersonPermissionsRequest,
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
        self.spec = OpenAPI.from_file_path(str(SPEC))
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
        spec_request = MockRequest(
            SPEC_SERVER,
            request.method.lower(),
            url.path,
            args=url.params.multi_items(),
            headers=dict(request.headers),
            data=request.content or None,
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
            details = [str(x) for x in getattr(e, "schema_errors", [])] or [repr(e)]
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
    got = run.call("get attributes of a bucket list", get_persons_person_id_attributes, 200, person, buckets=[POOL_BUCKET])
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
        if "organizations" in areas:
            organizations(run)
        delete_person(run, person)
    except Exception as e:  # a crash is reported with what was seen before it
        run.failures.append({"step": "the scenario", "error": traceback.format_exc(limit=3)[-800:]})
    print(json.dumps({"calls": run.calls, "failures": run.failures, "invalid": run.invalid, "facts": run.facts}))


if __name__ == "__main__":
    main()
