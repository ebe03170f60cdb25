#!/usr/bin/env bash
# Schemathesis against docs/openapi.yaml on a running local stack: no 5xx, and every response's
# status, content type and body as the document says (scripts/schemathesis_hooks.py says what
# it adjusts). test.sh runs a short pass; for a longer one against `make run`:
#   SCHEMATHESIS_EXAMPLES=200 scripts/schemathesis.sh http://127.0.0.1:9000
# SCHEMATHESIS_SEED picks the generator's seed (fixed by default, so `make test` is repeatable);
# SCHEMATHESIS_ARGS adds options (e.g. "--include-path-regex ^/zato").
source "$(dirname "$0")/lib.sh"

BASE="${1:-${ROUTER_URL:?usage: scripts/schemathesis.sh BASE_URL}}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-5}"
SEED="${SCHEMATHESIS_SEED:-20261122}"
ensure_schemathesis
DEMO_ORG=af5fbd30-7ce7-4548-8b30-4cd59cb2aba1

# The demo org's SlashID credentials and a fresh SailPoint token of the demo client (all scopes),
# so requests get past authentication and reach the handlers.
token="$(curl -sf "$BASE/oauth/token" -d grant_type=client_credentials -d client_id=demo-client \
  -d client_secret=demo-secret | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" \
  || { echo "no SailPoint token from $BASE/oauth/token: is the stack up?" >&2; exit 1; }
# A Zato super-user session; scripts/schemathesis_hooks.py puts it where cases send a `ust`.
ZATO_UST="$(curl -sf "$BASE/zato/sso/user/login" -d '{"username": "admin", "password": "admin-password-1", "current_app": "CRM"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["ust"])')" \
  || { echo "no Zato UST from $BASE/zato/sso/user/login" >&2; exit 1; }
export ZATO_UST SCHEMATHESIS_HOOKS="$ROOT/scripts/schemathesis_hooks.py"

log "schemathesis: at most $EXAMPLES examples per operation, seed $SEED, against $BASE"
started=$(date +%s)
status=0
# From a scratch directory: Schemathesis keeps a cache of past failures (and Hypothesis its data)
# in the working directory, which would leak into the repository and into the next run.
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
cd "$workdir"
# The operations that would disable the demo org for every later case (rotating its key,
# deleting it) run in a second pass, as the demo org's key acting for a scratch sub-organization
# made for them: it has its key rotated, and is deleted.
DESTRUCTIVE=(--include-operation-id slashidRotateApiKey --include-operation-id slashidDeleteOrganization)
scratch_org="$(curl -sf "$BASE/organizations/suborganizations" -H "SlashID-OrgID: $DEMO_ORG" \
  -H "SlashID-API-Key: demo-api-key" -H 'Content-Type: application/json' \
  -d '{"sub_org_name": "Schemathesis scratch", "admins": []}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')" \
  || { echo "no scratch sub-organization from $BASE/organizations/suborganizations" >&2; exit 1; }
# Stateful testing needs links the document does not declare; the other phases need none.
# One worker: with two, Schemathesis itself once failed ("Inconsistent results") drawing examples
# of the schema both role paths share; one worker and a fixed seed make the run repeatable.
# -H SlashID-Required-Consistency-Timeout: the lagging test replica never catches up, so a
# generated `all_regions` must give up in a second (408), not wait the default 30.
st_run() {
  local org="$1"; shift
  "$TOOLS/schemathesis/bin/st" run "$ROOT/docs/openapi.yaml" \
    --url "$BASE" \
    --phases examples,coverage,fuzzing \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$EXAMPLES" \
    --seed "$SEED" \
    --workers 1 \
    --request-timeout 60 \
    --generation-database none \
    --no-color \
    -H "SlashID-OrgID: $org" \
    -H "SlashID-API-Key: demo-api-key" \
    -H "Authorization: Bearer $token" \
    -H "SlashID-Required-Consistency-Timeout: 1" \
    "$@" ${SCHEMATHESIS_ARGS:-}
}
st_run "$DEMO_ORG" --exclude-operation-id slashidRotateApiKey --exclude-operation-id slashidDeleteOrganization \
  || status=$?
# A SCHEMATHESIS_ARGS filter may leave this pass nothing to run, which is no failure.
if [[ -z "${SCHEMATHESIS_ARGS:-}" || "${SCHEMATHESIS_ARGS}" == *organizations* ]]; then
  st_run "$scratch_org" "${DESTRUCTIVE[@]}" || status=$?
fi
echo "schemathesis took $(( $(date +%s) - started ))s"
exit $status
