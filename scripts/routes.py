"""The route table of every function, its face, and what it may do to the table. Generates the
functions' part of template.yaml, the local router's routes in Cargo.toml, an event file per
function, and the benchmarks' list of handlers (tools/bench: its dependencies and handlers.rs,
where the compiler checks each face against the one the crate's `handler!` names):
`python3 scripts/routes.py` after adding a function. tests/tests/wiring.rs checks the results
agree."""
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
READ = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
WRITE = READ + ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]
BULK = WRITE + ["dynamodb:BatchWriteItem"]

# name, face, access, [(method, path)], whether it waits for replicas (SlashID consistency)
FUNCTIONS = [
    ("slashid-create-person", "SlashId", WRITE, [("POST", "/persons")], False),
    ("slashid-put-persons", "SlashId", WRITE, [("PUT", "/persons")], False),
    ("slashid-get-person", "SlashId", READ, [("GET", "/persons/{person_id}")], False),
    ("slashid-list-persons", "SlashId", READ, [("GET", "/persons")], False),
    ("slashid-get-person-organizations", "SlashId", READ, [("GET", "/persons/{person_id}/organizations")], False),
    ("slashid-list-handles", "SlashId", READ, [("GET", "/persons/{person_id}/handles")], False),
    ("slashid-add-handles", "SlashId", WRITE, [("POST", "/persons/{person_id}/handles")], False),
    ("slashid-delete-handle", "SlashId", WRITE, [("DELETE", "/persons/{person_id}/handles/{handle}")], False),
    ("slashid-patch-person", "SlashId", WRITE, [("PATCH", "/persons/{person_id}")], False),
    ("slashid-delete-person", "SlashId", BULK, [("DELETE", "/persons/{person_id}")], False),
    ("slashid-get-person-attributes", "SlashId", READ, [("GET", "/persons/{person_id}/attributes")], False),
    ("slashid-put-person-attributes", "SlashId", WRITE, [("PUT", "/persons/{person_id}/attributes")], False),
    ("slashid-patch-person-attributes", "SlashId", WRITE, [("PATCH", "/persons/{person_id}/attributes")], False),
    ("slashid-get-bucket-attributes", "SlashId", READ, [("GET", "/persons/{person_id}/attributes/{bucket_name}")], False),
    ("slashid-put-bucket-attributes", "SlashId", WRITE, [("PUT", "/persons/{person_id}/attributes/{bucket_name}")], False),
    ("slashid-patch-bucket-attributes", "SlashId", WRITE, [("PATCH", "/persons/{person_id}/attributes/{bucket_name}")], False),
    ("slashid-delete-bucket-attributes", "SlashId", WRITE, [("DELETE", "/persons/{person_id}/attributes/{bucket_name}")], False),
    ("slashid-list-buckets", "SlashId", READ, [("GET", "/organizations/attribute-buckets")], False),
    ("slashid-create-bucket", "SlashId", WRITE, [("POST", "/organizations/attribute-buckets")], False),
    ("slashid-delete-bucket", "SlashId", WRITE, [("DELETE", "/organizations/attribute-buckets/{bucket_name}")], False),
    ("slashid-create-suborganization", "SlashId", WRITE, [("POST", "/organizations/suborganizations")], True),
    ("slashid-get-organization", "SlashId", READ, [("GET", "/organizations")], False),
    ("slashid-get-org-attributes", "SlashId", READ, [("GET", "/organizations/attributes")], False),
    ("slashid-put-org-attributes", "SlashId", WRITE, [("PUT", "/organizations/attributes")], False),
    ("slashid-patch-org-attributes", "SlashId", WRITE, [("PATCH", "/organizations/attributes")], False),
    ("slashid-get-org-bucket-attributes", "SlashId", READ, [("GET", "/organizations/attributes/{bucket_name}")], False),
    ("slashid-put-org-bucket-attributes", "SlashId", WRITE, [("PUT", "/organizations/attributes/{bucket_name}")], False),
    ("slashid-patch-org-bucket-attributes", "SlashId", WRITE, [("PATCH", "/organizations/attributes/{bucket_name}")], False),
    ("slashid-delete-org-bucket-attributes", "SlashId", WRITE, [("DELETE", "/organizations/attributes/{bucket_name}")], False),
    ("slashid-list-suborganizations", "SlashId", READ, [("GET", "/organizations/suborganizations")], False),
    ("slashid-rotate-api-key", "SlashId", WRITE, [("PUT", "/organizations/api-keys")], True),
    ("slashid-delete-organization", "SlashId", BULK, [("DELETE", "/organizations")], True),
    ("slashid-create-permission", "SlashId", WRITE, [("POST", "/rbac/permissions")], True),
    ("slashid-list-permissions", "SlashId", READ, [("GET", "/rbac/permissions")], False),
    ("slashid-get-permission", "SlashId", READ, [("GET", "/rbac/permissions/{permission_name}")], False),
    ("slashid-patch-permission", "SlashId", WRITE, [("PATCH", "/rbac/permissions/{permission_name}")], True),
    ("slashid-delete-permission", "SlashId", WRITE, [("DELETE", "/rbac/permissions/{permission_name}")], True),
    ("slashid-check-permission", "SlashId", READ, [("POST", "/rbac/check")], False),
    ("slashid-get-person-permissions", "SlashId", READ, [("GET", "/persons/{person_id}/permissions")], False),
    ("slashid-get-person-additional-permissions", "SlashId", READ,
     [("GET", "/persons/{person_id}/additional-permissions")], False),
    ("slashid-put-person-permissions", "SlashId", WRITE,
     [("PUT", "/persons/{person_id}/permissions"), ("PUT", "/persons/{person_id}/additional-permissions")], True),
    ("slashid-bulk-import-template", "SlashId", READ, [("GET", "/persons/bulk-import")], False),
    ("slashid-bulk-import-persons", "SlashId", WRITE, [("POST", "/persons/bulk-import")], False),
    ("slashid-create-group", "SlashId", WRITE, [("POST", "/groups")], True),
    ("slashid-list-groups", "SlashId", READ, [("GET", "/groups")], False),
    ("slashid-get-group", "SlashId", READ, [("GET", "/groups/{group_name}")], False),
    ("slashid-delete-group", "SlashId", WRITE, [("DELETE", "/groups/{group_name}")], True),
    ("slashid-add-group-persons", "SlashId", WRITE, [("POST", "/groups/{group_name}/persons")], False),
    ("slashid-list-group-persons", "SlashId", READ, [("GET", "/groups/{group_name}/persons")], False),
    ("slashid-remove-group-person", "SlashId", WRITE, [("DELETE", "/groups/{group_name}/persons/{person_id}")], False),
    ("slashid-get-person-groups", "SlashId", READ, [("GET", "/persons/{person_id}/groups")], False),
    ("slashid-put-person-groups", "SlashId", WRITE, [("PUT", "/persons/{person_id}/groups")], False),
    ("slashid-create-role", "SlashId", WRITE, [("POST", "/rbac/roles")], True),
    ("slashid-list-roles", "SlashId", READ, [("GET", "/rbac/roles")], False),
    ("slashid-get-role", "SlashId", READ, [("GET", "/rbac/roles/{role_name}")], False),
    ("slashid-patch-role", "SlashId", WRITE, [("PATCH", "/rbac/roles/{role_name}")], True),
    ("slashid-delete-role", "SlashId", BULK, [("DELETE", "/rbac/roles/{role_name}")], True),
    ("slashid-get-person-roles", "SlashId", READ, [("GET", "/persons/{person_id}/roles")], False),
    ("slashid-put-person-roles", "SlashId", WRITE, [("PUT", "/persons/{person_id}/roles")], True),
    ("zato-login", "Zato", WRITE, [("POST", "/zato/sso/user/login")], False),
    ("zato-logout", "Zato", WRITE, [("POST", "/zato/sso/user/logout")], False),
    ("zato-renew-session", "Zato", WRITE, [("PATCH", "/zato/sso/user/session")], False),
    ("zato-verify-session", "Zato", READ, [("POST", "/zato/sso/user/session")], False),
    ("zato-get-session", "Zato", READ, [("GET", "/zato/sso/user/session")], False),
    ("zato-list-sessions", "Zato", READ, [("GET", "/zato/sso/user/session/list")], False),
    ("zato-get-user", "Zato", READ, [("GET", "/zato/sso/user")], False),
    ("zato-search-users", "Zato", READ, [("GET", "/zato/sso/user/search")], False),
    ("zato-update-user", "Zato", BULK, [("PATCH", "/zato/sso/user")], False),
    ("zato-create-user", "Zato", WRITE, [("POST", "/zato/sso/user")], False),
    ("zato-approve-user", "Zato", WRITE, [("POST", "/zato/sso/user/approve")], False),
    ("zato-reject-user", "Zato", BULK, [("POST", "/zato/sso/user/reject")], False),
    ("zato-lock-user", "Zato", BULK, [("POST", "/zato/sso/user/lock")], False),
    ("zato-unlock-user", "Zato", WRITE, [("DELETE", "/zato/sso/user/lock")], False),
    ("zato-change-password", "Zato", BULK, [("PATCH", "/zato/sso/user/password")], False),
    ("zato-reset-totp", "Zato", WRITE, [("PATCH", "/zato/sso/user/totp")], False),
    ("zato-signup", "Zato", WRITE, [("POST", "/zato/sso/user/signup")], False),
    ("zato-confirm-signup", "Zato", WRITE,
     [("PATCH", "/zato/sso/user/signup"), ("POST", "/zato/sso/user/signup/confirm")], False),
    ("zato-request-password-reset", "Zato", WRITE, [("POST", "/zato/sso/password/reset")], False),
    ("zato-access-password-reset", "Zato", WRITE, [("PATCH", "/zato/sso/password/reset")], False),
    ("zato-complete-password-reset", "Zato", BULK, [("DELETE", "/zato/sso/password/reset")], False),
    ("zato-delete-user", "Zato", BULK, [("DELETE", "/zato/sso/user")], False),
    ("zato-get-linked", "Zato", READ, [("GET", "/zato/sso/user/linked")], False),
    ("zato-create-linked", "Zato", WRITE, [("POST", "/zato/sso/user/linked")], False),
    ("zato-delete-linked", "Zato", WRITE, [("DELETE", "/zato/sso/user/linked")], False),
    ("zato-get-user-attr", "Zato", READ, [("GET", "/zato/sso/user/attr")], False),
    ("zato-create-user-attr", "Zato", WRITE, [("POST", "/zato/sso/user/attr")], False),
    ("zato-update-user-attr", "Zato", WRITE, [("PATCH", "/zato/sso/user/attr")], False),
    ("zato-set-user-attr", "Zato", WRITE, [("PUT", "/zato/sso/user/attr")], False),
    ("zato-delete-user-attr", "Zato", WRITE, [("DELETE", "/zato/sso/user/attr")], False),
    ("zato-user-attr-exists", "Zato", READ, [("GET", "/zato/sso/user/attr/exists")], False),
    ("zato-user-attr-names", "Zato", READ, [("GET", "/zato/sso/user/attr/names")], False),
    ("zato-get-session-attr", "Zato", READ, [("GET", "/zato/sso/session/attr")], False),
    ("zato-create-session-attr", "Zato", WRITE, [("POST", "/zato/sso/session/attr")], False),
    ("zato-update-session-attr", "Zato", WRITE, [("PATCH", "/zato/sso/session/attr")], False),
    ("zato-set-session-attr", "Zato", WRITE, [("PUT", "/zato/sso/session/attr")], False),
    ("zato-delete-session-attr", "Zato", WRITE, [("DELETE", "/zato/sso/session/attr")], False),
    ("zato-session-attr-exists", "Zato", READ, [("GET", "/zato/sso/session/attr/exists")], False),
    ("zato-session-attr-names", "Zato", READ, [("GET", "/zato/sso/session/attr/names")], False),
]

def v3(method, path):
    """A SailPoint route in both families: SDK 1.x calls /v3/..., SDK 2.x per-service paths."""
    rest = path.split("/", 2)[2]
    service = rest.split("/", 1)
    v1 = f"/{service[0]}/v1" + (f"/{service[1]}" if len(service) > 1 else "")
    return [(method, path), (method, v1)]


FUNCTIONS += [
    ("sailpoint-token", "SailPoint", READ, [("POST", "/oauth/token")], False),
    ("sailpoint-create-role", "SailPoint", WRITE, v3("POST", "/v3/roles"), False),
    ("sailpoint-list-roles", "SailPoint", READ, v3("GET", "/v3/roles"), False),
    ("sailpoint-get-role", "SailPoint", READ, v3("GET", "/v3/roles/{id}"), False),
    ("sailpoint-patch-role", "SailPoint", WRITE, v3("PATCH", "/v3/roles/{id}"), False),
    ("sailpoint-delete-role", "SailPoint", BULK, v3("DELETE", "/v3/roles/{id}"), False),
    ("sailpoint-assigned-identities", "SailPoint", READ, v3("GET", "/v3/roles/{id}/assigned-identities"), False),
    ("sailpoint-bulk-delete-roles", "SailPoint", BULK, v3("POST", "/v3/roles/bulk-delete"), False),
    ("sailpoint-access-request", "SailPoint", BULK, v3("POST", "/v3/access-requests"), False),
    ("sailpoint-access-request-status", "SailPoint", READ, v3("GET", "/v3/access-request-status"), False),
    ("sailpoint-cancel-access-request", "SailPoint", READ, v3("POST", "/v3/access-requests/cancel"), False),
    ("sailpoint-get-document", "SailPoint", READ, v3("GET", "/v3/search/{index}/{id}"), False),
    ("sailpoint-put-document", "SailPoint", WRITE, v3("PUT", "/v3/search/{index}/{id}"), False),
    ("sailpoint-search", "SailPoint", READ, v3("POST", "/v3/search"), False),
    ("sailpoint-search-count", "SailPoint", READ, v3("POST", "/v3/search/count"), False),
    ("sailpoint-search-aggregate", "SailPoint", READ, v3("POST", "/v3/search/aggregate"), False),
]
# Seconds each HTTP function may run. Above the DynamoDB client's operation timeout
# (shared/src/config.rs), so a stalled table still gets its 503 out; below the HTTP API's own
# 30 s integration limit. guard/functions.guard and tests/tests/wiring.rs check both.
HTTP_TIMEOUT = 10
STREAM_TIMEOUT = 60

# Each HTTP function's MemorySize, as bench/run's lambda section chose it by measurement
# (bench/results/lambda.md gives the rule and the figures; the section merges its choices into
# bench/results/memory.json). A function not listed there gets Globals' MemorySize.
MEMORY_FILE = ROOT / "bench/results/memory.json"
MEMORY = json.loads(MEMORY_FILE.read_text())["memory_mb"] if MEMORY_FILE.exists() else {}

# Not HTTP: the DynamoDB Streams consumer that keeps projections current.
STREAM_CONSUMER = "sailpoint-projector"

# SailPoint search (issue 21, docs/search.md). The engine is the stack's SearchDomain (Amazon
# OpenSearch Service) when SearchEngine=opensearch; with SearchEngine=none there is no domain,
# SEARCH_ENDPOINT is empty and the search routes answer 501. Only the three search functions and
# the stream consumer (the indexer) are told the endpoint or may call the domain, and each only
# with the requests its code sends: the search functions POST idgraph-*/_search and _count (a
# comma-separated list of idgraph- indices, which IAM's `*` matches) and GET idgraph-*/_mapping;
# the indexer POSTs /_bulk and PUTs /_index_template/idgraph-*. Neither may POST an index's
# _doc, _update_by_query or _delete_by_query. The domain's ARN is built from its fixed name, not
# !GetAtt, so that no role depends on the domain.
SEARCH_FUNCTIONS = {"sailpoint-search", "sailpoint-search-count", "sailpoint-search-aggregate"}
SEARCH_ENV = "          SEARCH_ENDPOINT: !If [HasSearch, !Sub 'https://${SearchDomain.DomainEndpoint}', '']\n"
SEARCH_DOMAIN_NAME = "!If [HasSearchDomainName, !Ref SearchDomainName, !Sub '${AWS::StackName}-search']"


def search_policy(actions, paths, indent):
    """A statement, given only when the stack has a domain, allowing `actions` on `paths` of it."""
    pad = " " * indent
    resources = "".join(
        f"{pad}      - !Sub\n"
        f"{pad}        - 'arn:${{AWS::Partition}}:es:${{AWS::Region}}:${{AWS::AccountId}}:domain/${{Domain}}/{path}'\n"
        f"{pad}        - Domain: {SEARCH_DOMAIN_NAME}\n"
        for path in paths)
    return (f"{pad}- !If\n{pad}  - HasSearch\n{pad}  - Effect: Allow\n"
            f"{pad}    Action: [{', '.join(actions)}]\n{pad}    Resource:\n{resources}"
            f"{pad}  - !Ref AWS::NoValue\n")


def search_settings(name):
    """(environment lines, policy statement lines) of a function's access to the search engine."""
    if name in SEARCH_FUNCTIONS:
        return SEARCH_ENV, (search_policy(["es:ESHttpPost"], ["idgraph-*/_search", "idgraph-*/_count"], 12)
                            + search_policy(["es:ESHttpGet"], ["idgraph-*/_mapping"], 12))
    if name == STREAM_CONSUMER:
        return SEARCH_ENV, (search_policy(["es:ESHttpPost"], ["_bulk"], 12)
                            + search_policy(["es:ESHttpPut"], ["_index_template/idgraph-*"], 12))
    return "", ""

# The demo OAuth client's token (every scope, valid until 2036) in the SailPoint event files. It
# is ES256, signed by the local stack's key (scripts/lib.sh's JWT_LOCAL_SIGNING_KEY) with
# `devstack demo-token`, once: Python's standard library has no ECDSA. tests/tests/wiring.rs
# checks it verifies under the local public key and carries the demo claims; after changing the
# local key, run `devstack demo-token` and paste its output here.
DEMO_TOKEN = ("eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImxvY2FsLTIwMjYifQ"
              ".eyJzdWIiOiJkZW1vLWNsaWVudCIsIm9yZyI6ImFmNWZiZDMwLTdjZTctNDU0OC04YjMwLTRjZDU5Y2IyYWJhMSIsInBvb2wiOiJhZjVmYmQzMC03Y2U3LTQ1NDgtOGIzMC00Y2Q1OWNiMmFiYTEiLCJzY29wZSI6InNwOnNjb3BlczphbGwiLCJpc3MiOiJpZGdyYXBoIiwiaWF0IjoxNzk1MzQ4ODAwLCJleHAiOjIxMTA4ODE2MDAsImp0aSI6ImRlbW8tZXZlbnQtdG9rZW4ifQ"
              ".y9y9y9c3k3TL7DiWx7ZyUWxBYGGlloWZ1FhrmduzwdkUN1d6ih_z-Sy1EjHRAN9dkZr9wZYlgcPnCudBp-fU-g")

# SailPoint access tokens are signed by a KMS key (ECC_NIST_P256): the stack's TokenKey, or the
# TokenKeyArn parameter's key. The token function alone may Sign with it; every other SailPoint
# HTTP function may only read its public key (and that of AcceptedTokenKeyArn, the second key
# of a rotation). SlashID, Zato and the projector get nothing token-related.
TOKEN_FUNCTION = "sailpoint-token"
TOKEN_KEY = "!If [HasTokenKeyArn, !Ref TokenKeyArn, !GetAtt TokenKey.Arn]"


def token_settings(name, face):
    """(environment lines, policy statement lines) of a function's token keys."""
    if face != "SailPoint":
        return "", ""
    if name == TOKEN_FUNCTION:
        # JWT_LOCAL_SIGNING_KEY is declared, empty, so that `sam local --env-vars env.json` can
        # give the local key to this function alone (SAM sets only declared variables). In AWS
        # it stays empty: guard/functions.guard refuses a value, and the function refuses to
        # start with both it and JWT_KMS_KEY_ID set.
        env = (f"          JWT_KMS_KEY_ID: {TOKEN_KEY}\n"
               "          JWT_LOCAL_SIGNING_KEY: ''\n"
               "          OAUTH_TOKEN_SECONDS: !Ref OAuthTokenSeconds\n")
        policy = ("            - Effect: Allow\n              Action: [kms:Sign]\n"
                  f"              Resource: {TOKEN_KEY}\n")
        return env, policy
    env = ("          JWT_KMS_VERIFY_KEYS: !If\n            - HasAcceptedTokenKey\n"
           f"            - !Join [',', [{TOKEN_KEY}, !Ref AcceptedTokenKeyArn]]\n"
           f"            - {TOKEN_KEY}\n"
           "          JWT_PUBLIC_KEYS: !Ref TokenPublicKeys\n")
    policy = ("            - Effect: Allow\n              Action: [kms:GetPublicKey]\n              Resource:\n"
              f"                - {TOKEN_KEY}\n"
              "                - !If [HasAcceptedTokenKey, !Ref AcceptedTokenKeyArn, !Ref AWS::NoValue]\n")
    return env, policy

# What each Zato function may do with the SSO key (SsoKey): wrap new users' data keys, or
# unwrap them to seal and open attribute values. Nothing else touches KMS.
KMS = {
    "zato-create-user": ["kms:GenerateDataKey"],
    "zato-signup": ["kms:GenerateDataKey"],
    # A TOTP key is sealed and opened under the user's data key.
    "zato-login": ["kms:Decrypt"],
    "zato-update-user": ["kms:Decrypt"],
    "zato-reset-totp": ["kms:Decrypt"],
    "zato-get-user-attr": ["kms:Decrypt"],
    "zato-create-user-attr": ["kms:Decrypt"],
    "zato-update-user-attr": ["kms:Decrypt"],
    "zato-set-user-attr": ["kms:Decrypt"],
    "zato-get-session-attr": ["kms:Decrypt"],
    "zato-create-session-attr": ["kms:Decrypt"],
    "zato-update-session-attr": ["kms:Decrypt"],
    "zato-set-session-attr": ["kms:Decrypt"],
}

DEMO = {"person_id": "903c1ff9-f2cc-435c-b242-9d8a690fcf0a", "bucket_name": "person_pool-end_user_read_write",
        "permission_name": "demo:read", "group_name": "demo-admins", "role_name": "demo-viewer", "id": "2c91808c6faadea6016fb4f2bc69077b", "index": "identities",
        # The phone number slashid-add-handles gives the demo person (events run alphabetically).
        "handle": "phone_number:+13475043201"}
# The documents the events name: one the demo seed holds, and an access profile to (re)write.
DEMO_IDS = {"sailpoint-get-document": "2c9180867dde18d1017de8ea1f5c130f",
            "sailpoint-put-document": "2c91808568c529c60168cca6f90c1313"}
DEMO_INDICES = {"sailpoint-get-document": "entitlements", "sailpoint-put-document": "accessprofiles"}
# The bucket slashid-create-bucket makes: the demo's others are defaults, which cannot be deleted.
DEMO_BUCKETS = {"slashid-delete-bucket": "loyalty", "slashid-get-org-bucket-attributes": "end_user_read_write",
                "slashid-put-org-bucket-attributes": "end_user_read_write",
                "slashid-patch-org-bucket-attributes": "end_user_read_write",
                "slashid-delete-org-bucket-attributes": "end_user_read_write"}
# The demo bulk import's multipart boundary.
BULK_BOUNDARY = "idgraph-demo-boundary"
# The group slashid-create-group makes: the seed's own, demo-admins, serves the other events.
DEMO_GROUPS = {"slashid-delete-group": "demo-editors"}
DEMO_HEADERS = {"slashid-orgid": "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1", "slashid-api-key": "demo-api-key"}
# Destructive events act, with the demo org's key, on sub-organizations the seed keeps for them
# alone ("Demo Kiosk" has its key rotated, "Demo Outlet" is deleted): the demo org and its key
# stay as every other event and test expects them.
DEMO_HEADERS_OF = {
    "slashid-rotate-api-key": dict(DEMO_HEADERS, **{"slashid-orgid": "c0a8f2d4-5e6f-4a1b-9c2d-3e4f5a6b7c81"}),
    "slashid-delete-organization": dict(DEMO_HEADERS, **{"slashid-orgid": "c0a8f2d4-5e6f-4a1b-9c2d-3e4f5a6b7c82"}),
}
ZATO_UST = "replace-with-a-fresh-ust-from-zato-login"
ZATO_USER = "zusr6fh6fdgd4997ksjkpx7qnk659q"
DEMO_BODIES = {
    # From SlashID's personHandlesExample: the demo person already has the email, and a
    # username would change its SailPoint aliasName, which other demo runs read.
    "slashid-add-handles": [{"type": "email_address", "value": "user@user.com"},
                            {"type": "phone_number", "value": "+13475043201"}],
    "slashid-create-person": {"active": True, "handles": [{"type": "email_address", "value": "jane.doe@example.com"}], "region": "europe-belgium"},
    "slashid-put-persons": {"handles": [{"type": "email_address", "value": "user@user.com"}], "active": True},
    "slashid-patch-person": {"active": True},
    "slashid-put-person-attributes": {"person_pool-end_user_read_write": {"card_number": "1234", "expiry": "07/25"}},
    "slashid-patch-person-attributes": {"person_pool-end_user_read_write": {"expiry": "07/25"}},
    "slashid-put-bucket-attributes": {"card_number": "1234", "expiry": "07/25"},
    "slashid-patch-bucket-attributes": {"expiry": "07/25"},
    "slashid-put-org-attributes": {"end_user_read_write": {"plan": "enterprise", "seats": 50}},
    "slashid-patch-org-attributes": {"end_user_read_write": {"seats": 60}},
    "slashid-put-org-bucket-attributes": {"plan": "enterprise", "seats": 50},
    "slashid-patch-org-bucket-attributes": {"seats": 60},
    "slashid-create-bucket": {"name": "loyalty", "sharing_scope": "organization", "end_user_permissions": "read_only"},
    "slashid-create-suborganization": {"sub_org_name": "Demo Store", "admins": [{"type": "email_address", "value": "admin@store.example"}],
                                       "persons_org_id": "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1"},
    "slashid-create-permission": {"name": "demo:read", "description": "Read the demo"},
    "slashid-patch-permission": {"description": "Read the demo data"},
    "slashid-check-permission": {"person_id": "903c1ff9-f2cc-435c-b242-9d8a690fcf0a", "permission_name": "demo:read"},
    "slashid-put-person-permissions": {"permissions": ["demo:read", "demo:write"]},
    "slashid-bulk-import-persons": (
        f"--{BULK_BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="persons"; filename="persons.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        '"slashid:emails","slashid:usernames","slashid:region"\r\n'
        '"ada@bulk.example","ada.bulk","europe-belgium"\r\n'
        f"\r\n--{BULK_BOUNDARY}--\r\n"),
    "slashid-create-group": {"name": "demo-editors", "description": "Edit the demo"},
    "slashid-add-group-persons": {"persons": ["903c1ff9-f2cc-435c-b242-9d8a690fcf0a"]},
    "slashid-put-person-groups": {"groups": ["demo-admins"]},
    "slashid-create-role": {"name": "demo-editor", "description": "Edits the demo data", "permissions": ["demo:read", "demo:write"]},
    "slashid-patch-role": {"description": "Views the demo data", "permissions": ["demo:read"]},
    "slashid-put-person-roles": {"roles": ["demo-viewer"]},
    "sailpoint-token": "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
    "sailpoint-create-role": {"name": "Demo Role", "owner": {"type": "IDENTITY", "id": "2c9180a46faadee4016fb4e018c20639"},
                              "membership": {"type": "IDENTITY_LIST", "identities": [{"id": "2c9180a46faadee4016fb4e018c20639"}]}},
    "sailpoint-patch-role": [{"op": "replace", "path": "/description", "value": "Roles for IT staff"}],
    "sailpoint-access-request": {"requestType": "GRANT_ACCESS", "requestedFor": ["2c9180a46faadee4016fb4e018c20639"],
                                 "requestedItems": [{"type": "ROLE", "id": "2c91808c6faadea6016fb4f2bc69077b"}]},
    "sailpoint-put-document": {"id": "2c91808568c529c60168cca6f90c1313", "name": "Employee Access", "_type": "accessprofile"},
    "sailpoint-bulk-delete-roles": {"roleIds": ["2c91808c6faadea6016fb4f2bc690780"]},
    "sailpoint-cancel-access-request": {"accountActivityId": "2c9180835d2e5168015d32f890ca1581", "comment": "I requested this role by mistake."},
    # Every identity of the demo org, by id; their count; and their names in buckets.
    "sailpoint-search": {"indices": ["identities"], "query": {"query": "*"}, "sort": ["id"]},
    "sailpoint-search-count": {"indices": ["identities"], "query": {"query": "*"}, "sort": ["id"]},
    "sailpoint-search-aggregate": {"indices": ["identities"], "aggregationType": "SAILPOINT",
                                   "aggregations": {"bucket": {"name": "Names", "type": "TERMS", "field": "name"}},
                                   "query": {"query": "*"}},
    # Zato's doc examples; every UST-bearing body needs a fresh UST from zato-login.
    "zato-login": {"username": "jdoe", "password": "jdoe-password-1", "current_app": "CRM"},
    "zato-logout": {"ust": ZATO_UST, "current_app": "CRM"},
    "zato-renew-session": {"target_ust": ZATO_UST, "current_ust": ZATO_UST, "current_app": "CRM"},
    "zato-get-user": {"ust": ZATO_UST, "current_app": "CRM"},
    "zato-search-users": {"ust": ZATO_UST, "current_app": "CRM", "display_name": "doe", "is_name_exact": False, "page_size": 2},
    "zato-reset-totp": {"ust": ZATO_UST, "current_app": "CRM", "totp_label": "My SSO key"},
    "zato-update-user": {"ust": ZATO_UST, "current_app": "CRM", "display_name": "My Name", "email": "user@example.com"},
    "zato-reset-totp": {"ust": ZATO_UST, "current_app": "CRM", "totp_label": "My SSO key"},
    "zato-signup": {"username": "my.username", "password": "8CpzwqsiaQO.U.pOKOjsxhoGHAlJ8KaX6wq0CH6NKUvTYuPQP5Tw",
                    "email": "my.username@example.com", "current_app": "CRM", "app_list": ["CRM"]},
    "zato-confirm-signup": {"confirm_token": "3x1gr0uXmM95wW7QsWuq7-VmPU1ueXLn", "current_app": "CRM"},
    "zato-request-password-reset": {"credential": "jdoe", "current_app": "CRM"},
    "zato-access-password-reset": {"token": "7kfwbjg0c88038rcqv5g03erb0", "current_app": "CRM"},
    "zato-complete-password-reset": {"token": "7kfwbjg0c88038rcqv5g03erb0", "reset_key": "replace-with-the-reset-key",
                                     "password": "5c5Apw67534s55ukR_EZSVyH3DKr2ajNaa", "current_app": "CRM"},
    "zato-create-user": {"ust": ZATO_UST, "current_app": "CRM", "username": "user1", "email": "myuser@example.com",
                         "display_name": "My User"},
    "zato-approve-user": {"ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER},
    "zato-reject-user": {"ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER},
    "zato-lock-user": {"ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER},
    "zato-unlock-user": {"ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER},
    "zato-change-password": {"ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER,
                             "new_password": "5c5Apw67534s55ukR_EZSVyH3DKr2ajNaa"},
    "zato-verify-session": {"target_ust": ZATO_UST, "current_ust": ZATO_UST, "current_app": "CRM"},
    "zato-get-session": {"target_ust": ZATO_UST, "current_ust": ZATO_UST, "current_app": "CRM"},
    "zato-list-sessions": {"ust": ZATO_UST, "current_app": "CRM"},
    "zato-delete-user": {"ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER},
    "zato-create-linked": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER, "auth_type": "basic_auth",
                           "auth_username": "my.user", "is_active": True},
    "zato-get-linked": {"current_ust": ZATO_UST, "current_app": "CRM"},
    "zato-delete-linked": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER, "auth_type": "basic_auth",
                           "auth_username": "my.user"},
    "zato-get-user-attr": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER, "name": "my-attribute"},
    "zato-create-user-attr": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER,
                              "name": "my-rest-attribute", "value": "my-rest-value", "encrypt": True, "expiration": 3600},
    "zato-update-user-attr": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER,
                              "name": "my-rest-attribute", "value": "my-rest-value", "encrypt": True, "expiration": 3600},
    "zato-set-user-attr": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER,
                           "name": "my-new-rest-attribute", "value": "my-new-rest-value", "encrypt": True, "expiration": 3600},
    "zato-delete-user-attr": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER, "name": "my-attribute"},
    "zato-user-attr-exists": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER, "name": "my-attribute"},
    "zato-user-attr-names": {"current_ust": ZATO_UST, "current_app": "CRM", "user_id": ZATO_USER},
    "zato-get-session-attr": {"current_ust": ZATO_UST, "target_ust": ZATO_UST, "current_app": "CRM", "name": "my-attribute"},
    "zato-create-session-attr": {"current_ust": ZATO_UST, "target_ust": ZATO_UST, "current_app": "CRM",
                                 "name": "my-rest-attribute", "value": "my-rest-value", "encrypt": True, "expiration": 3600},
    "zato-update-session-attr": {"current_ust": ZATO_UST, "target_ust": ZATO_UST, "current_app": "CRM",
                                 "name": "my-rest-attribute", "value": "my-rest-value", "encrypt": True, "expiration": 3600},
    "zato-set-session-attr": {"current_ust": ZATO_UST, "target_ust": ZATO_UST, "current_app": "CRM",
                              "name": "my-new-rest-attribute", "value": "my-new-rest-value", "encrypt": True, "expiration": 3600},
    "zato-delete-session-attr": {"current_ust": ZATO_UST, "target_ust": ZATO_UST, "current_app": "CRM", "name": "my-attribute"},
    "zato-session-attr-exists": {"current_ust": ZATO_UST, "target_ust": ZATO_UST, "current_app": "CRM", "name": "my-attribute"},
    "zato-session-attr-names": {"current_ust": ZATO_UST, "target_ust": ZATO_UST, "current_app": "CRM"},
}
DEMO_QUERY = {"sailpoint-access-request-status": "requested-for=2c9180a46faadee4016fb4e018c20639&limit=10&count=true&sorters=-created",
              "sailpoint-list-roles": "limit=10&count=true&sorters=name&filters=name%20sw%20%22IT%22",
              "sailpoint-assigned-identities": "limit=10&offset=0&count=true&filters=name%20sw%20%22T%22&sorters=aliasName%2C-name",
              "slashid-get-person-attributes": "buckets=person_pool-end_user_read_write,person_pool-end_user_no_access",
              "slashid-get-person": "fields=handles",
              "slashid-list-persons": "limit=10&fields=handles&filter=active%20eq%20true",
              "slashid-get-org-attributes": "buckets=end_user_read_write",
              "slashid-list-suborganizations": "filter=name%20sw%20%22demo%22",
              "slashid-get-org-bucket-attributes": "attributes=plan,seats",
              "slashid-delete-org-bucket-attributes": "attributes=seats"}


def pascal(name):
    return "".join(part.capitalize() for part in name.split("-"))


# The functions that mail a token (SES in AWS): only they may send, only as SsoMailFrom, and
# only they are told the address; signup also learns which apps allow it.
MAIL = {"zato-signup", "zato-request-password-reset"}


def mail_settings(name):
    if name not in MAIL:
        return "", ""
    # SSO_OUTBOX_DIR is declared empty so that `sam local` (env.json) can point it inside the
    # container; in AWS it stays empty and SES sends.
    env = "          SSO_MAIL_FROM: !Ref SsoMailFrom\n          SSO_OUTBOX_DIR: ''\n"
    if name == "zato-signup":
        env += "          SSO_SIGNUP_APPS: !Ref SsoSignupApps\n"
    policy = ("            - !If\n              - HasMail\n              - Effect: Allow\n"
              "                Action: [ses:SendEmail]\n"
              "                Resource: !Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SsoMailIdentity}'\n"
              "                Condition:\n                  StringEquals:\n"
              "                    ses:FromAddress: !Ref SsoMailFrom\n"
              "              - !Ref AWS::NoValue\n")
    return env, policy


def template_block(name, face, access, routes, waits):
    kms = (f"            - Effect: Allow\n              Action: [{', '.join(KMS[name])}]\n"
           "              Resource: !GetAtt SsoKey.Arn\n") if name in KMS else ""
    token_env, token_policy = token_settings(name, face)
    # Every Zato function opens the user store, which needs a key-encryption key: SsoKey in AWS
    # (Globals' SSO_KMS_KEY_ID), the local KEK under `sam local` (env.json). Declared empty here,
    # for the Zato functions only, so that no other function is given the local KEK.
    kek_env = "          SSO_LOCAL_KEK: ''\n" if face == "Zato" else ""
    mail_env, mail_policy = mail_settings(name)
    search_env, search_policy_lines = search_settings(name)
    own_env = token_env + kek_env + mail_env + search_env
    environment = f"      Environment:\n        Variables:\n{own_env}" if own_env else ""
    logical = pascal(name)
    memory = f"      MemorySize: {MEMORY[name]}\n" if name in MEMORY else ""
    events = "".join(
        f"        {logical}{i}:\n          Type: HttpApi\n          Properties: {{ ApiId: !Ref Api, Method: {m}, Path: '{p}' }}\n"
        for i, (m, p) in enumerate(routes))
    replica = ("            - !If\n              - HasReplicas\n              - Effect: Allow\n                Action: [dynamodb:GetItem]\n"
               "                Resource: !Sub 'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/${Table}'\n"
               "              - !Ref AWS::NoValue\n") if waits else ""
    return f"""  {logical}:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
    Properties:
      FunctionName: !Sub '${{AWS::StackName}}-{name}'
      CodeUri: functions/{name}
      Timeout: {HTTP_TIMEOUT}
{memory}      LoggingConfig:
        LogGroup: !Ref {logical}Logs
{environment}      Events:
{events}      Policies:
        - Statement:
            - Effect: Allow
              Action: [{', '.join(access)}]
              Resource: [!GetAtt Table.Arn, !Sub '${{Table.Arn}}/index/*']
{kms}{token_policy}{mail_policy}{search_policy_lines}{replica}  {logical}Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub '/aws/lambda/${{AWS::StackName}}-{name}'
      RetentionInDays: !Ref LogRetentionDays

"""


def event(name, method, path_template):
    specific = {"id": DEMO_IDS.get(name), "index": DEMO_INDICES.get(name), "bucket_name": DEMO_BUCKETS.get(name),
                "group_name": DEMO_GROUPS.get(name)}
    params = {p: specific.get(p) or DEMO[p] for p in re.findall(r"{(\w+)}", path_template)}
    path = path_template
    for k, v in params.items():
        path = path.replace("{" + k + "}", v)
    body = DEMO_BODIES.get(name)
    if name.startswith("sailpoint-"):
        headers = {} if name == "sailpoint-token" else {"authorization": "Bearer " + DEMO_TOKEN}
        kind = {"sailpoint-token": "application/x-www-form-urlencoded",
                "sailpoint-patch-role": "application/json-patch+json"}.get(name, "application/json")
        if body is not None:
            headers["content-type"] = kind
    else:
        face_headers = DEMO_HEADERS_OF.get(name, DEMO_HEADERS) if name.startswith("slashid-") else {}
        kind = {"slashid-bulk-import-persons": f"multipart/form-data; boundary={BULK_BOUNDARY}"}.get(
            name, "application/json")
        headers = dict(face_headers, **({"content-type": kind} if body is not None else {}))
    return {
        "version": "2.0", "routeKey": f"{method} {path_template}", "rawPath": path,
        "rawQueryString": DEMO_QUERY.get(name, ""), "headers": headers, "pathParameters": params,
        "requestContext": {"accountId": "123456789012", "apiId": "local", "domainName": "localhost",
                           "domainPrefix": "localhost", "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                           "routeKey": f"{method} {path_template}", "stage": "$default",
                           "time": "22/Nov/2026:12:00:00 +0000", "timeEpoch": 1795348800000,
                           "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                    "userAgent": "curl/8.0"}},
        "body": body if isinstance(body, str) else json.dumps(body) if body is not None else None,
        "isBase64Encoded": False}


def stream_event():
    """A DynamoDB Streams batch as Lambda delivers it: the demo person's profile changed."""
    keys = {"pk": {"S": "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1#PERSON#2c9180a46faadee4016fb4e018c20639"},
            "sk": {"S": "#PROFILE"}}
    return {"Records": [{"eventID": "1", "eventName": "MODIFY", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                         "awsRegion": "us-east-1",
                         "dynamodb": {"ApproximateCreationDateTime": 1795348800, "Keys": keys,
                                      "SequenceNumber": "100000000000000000001", "SizeBytes": 100,
                                      "StreamViewType": "NEW_AND_OLD_IMAGES"},
                         "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/idgraph/stream/2026-11-22T00:00:00.000"}]}


def stream_block():
    logical = pascal(STREAM_CONSUMER)
    search_env, search_policy_lines = search_settings(STREAM_CONSUMER)
    return f"""  {logical}:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
    Properties:
      FunctionName: !Sub '${{AWS::StackName}}-{STREAM_CONSUMER}'
      CodeUri: functions/{STREAM_CONSUMER}
      Timeout: {STREAM_TIMEOUT}
      LoggingConfig:
        LogGroup: !Ref {logical}Logs
      Environment:
        Variables:
{search_env}      Events:
        TableStream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 100
            MaximumBatchingWindowInSeconds: 1
            MaximumRetryAttempts: 100
            BisectBatchOnFunctionError: true
            FunctionResponseTypes: [ReportBatchItemFailures]
      Policies:
        - Statement:
            - Effect: Allow
              Action: [{', '.join(WRITE + ["dynamodb:BatchWriteItem"])}]
              Resource: [!GetAtt Table.Arn, !Sub '${{Table.Arn}}/index/*']
            - Effect: Allow
              Action: [dynamodb:DescribeStream, dynamodb:GetRecords, dynamodb:GetShardIterator, dynamodb:ListStreams]
              Resource: [!GetAtt Table.StreamArn]
{search_policy_lines}  {logical}Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub '/aws/lambda/${{AWS::StackName}}-{STREAM_CONSUMER}'
      RetentionInDays: !Ref LogRetentionDays

"""


def between(path, begin, end, body):
    """Replaces what lies between two marker lines of a file."""
    text = path.read_text()
    head, rest = text.split(begin + "\n", 1)
    _, tail = rest.split(end + "\n", 1)
    path.write_text(head + begin + "\n" + body + end + "\n" + tail)


def bench_lists():
    names = sorted(n for n, *_ in FUNCTIONS)
    faces = {n: f for n, f, *_ in FUNCTIONS}
    between(ROOT / "tools/bench/Cargo.toml", "# ---- functions (generated by scripts/routes.py) ----",
            "# ---- end of generated functions ----",
            "".join(f'{n} = {{ path = "../../functions/{n}" }}\n' for n in names))
    between(ROOT / "tools/bench/src/handlers.rs", "    // ---- functions (generated by scripts/routes.py) ----",
            "    // ---- end of generated functions ----",
            "".join(f'    "{n}" => {faces[n]} {n.replace("-", "_")},\n' for n in names))


def main():
    unknown = set(MEMORY) - {n for n, *_ in FUNCTIONS}
    if unknown:
        raise SystemExit(f"{MEMORY_FILE} names no HTTP function: {sorted(unknown)}")
    template = (ROOT / "template.yaml").read_text()
    begin, end = "  # ---- functions (generated by scripts/routes.py) ----\n", "  # ---- end of generated functions ----\n"
    blocks = "".join(template_block(n, f, a, r, w) for n, f, a, r, w in FUNCTIONS) + stream_block()
    head, rest = template.split(begin) if begin in template else (template.split("Outputs:")[0], "")
    tail = rest.split(end)[1] if end in rest else "Outputs:" + template.split("Outputs:")[1]
    (ROOT / "template.yaml").write_text(head + begin + blocks + end + "\n" + tail.lstrip("\n"))

    cargo = (ROOT / "Cargo.toml").read_text()
    routes = {}
    for n, _, _, rs, _ in FUNCTIONS:
        for m, p in rs:
            routes.setdefault(p, []).append(f'{{ method = "{m}", function = "{n}" }}')
    table = "[workspace.metadata.lambda.watch.router]\n" + "".join(
        f'"{p}" = [{", ".join(v)}]\n' for p, v in sorted(routes.items()))
    cargo = cargo.split("[workspace.metadata.lambda.watch.router]\n")[0] + table
    (ROOT / "Cargo.toml").write_text(cargo)

    bench_lists()

    for n, _, _, rs, _ in FUNCTIONS:
        m, p = rs[0]
        (ROOT / "events" / f"{n}.json").write_text(json.dumps(event(n, m, p), indent=2) + "\n")
    (ROOT / "events" / f"{STREAM_CONSUMER}.json").write_text(json.dumps(stream_event(), indent=2) + "\n")


if __name__ == "__main__":
    main()
