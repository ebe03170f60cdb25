"""Runs SailPoint's official Python SDK, unchanged, against the local stack: the token flow, a
filtered and sorted page with count=true, paging through the Paginator to the end, a search
document and a 404. Works with both SDK lines (1.x: sailpoint.v3, /v3 paths; 2.x: per-service
paths). Prints one JSON line of what it saw; the Rust test asserts on it.

usage: python sailpoint_sdk.py BASE_URL ROLE_ID IDENTITY_ID"""
import json
import sys

from sailpoint.configuration import Configuration, ConfigurationParams

base_url, role, identity = sys.argv[1:4]
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
    roles, search = v3.RolesApi(client), v3.SearchApi(client)
    list_page = roles.get_role_assigned_identities_with_http_info
    list_plain = roles.get_role_assigned_identities
    get_doc = search.search_get
    line = "1.x"
except ImportError:  # 2.x
    from sailpoint import ApiClient, RolesApi, SearchApi
    from sailpoint.paginator import Paginator
    client = ApiClient(config)
    roles, search = RolesApi(client), SearchApi(client)
    list_page = roles.get_role_assigned_identities_v1_with_http_info
    list_plain = roles.get_role_assigned_identities_v1
    get_doc = search.search_get_v1
    line = "2.x"

page = list_page(id=role, limit=5, offset=0, count=True, filters='name sw "T"', sorters="aliasName,-name")
everyone = Paginator.paginate(list_plain, -1, id=role, limit=50)
doc = get_doc(index="identities", id=identity)
try:
    get_doc(index="identities", id="00000000000000000000000000000000")
    missing = None
except Exception as e:  # NotFoundException
    missing = getattr(e, "status", None)

print(json.dumps({
    "line": line,
    "page_status": page.status_code,
    "page_aliases": [m.alias_name for m in page.data],
    "page_sources": [str(getattr(m.role_assignment_source, "value", m.role_assignment_source)) for m in page.data],
    "total_header": page.headers.get("X-Total-Count"),
    "total_any_case": {k.lower(): v for k, v in page.headers.items()}.get("x-total-count"),
    "paged_count": len(everyone),
    "paged_unique": len({m.id for m in everyone}),
    "doc_type": doc.get("_type"),
    "doc_name": doc.get("displayName"),
    "missing_status": missing,
}))
