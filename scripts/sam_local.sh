#!/usr/bin/env bash
# `make test`'s sam local checks, on a DynamoDB Local of their own with the demo seed: every
# events/*.json through `sam local invoke`, the demo seed's projections made by the projector
# under `sam local start-lambda`, and SailPoint's official SDKs against `sam local start-api` — all
# through template.yaml's own function definitions, in containers on this machine only.
# Usage: scripts/sam_local.sh LOG_DIR (test.sh exports the local environment first).
source "$(dirname "$0")/lib.sh"

LOGS="$1"
STAGE="$LOGS/sam"
trap stop_started EXIT
seconds_since() { echo $(( $(date +%s) - $1 )); }
# `sam local start-lambda` or `start-api` on a free loopback port, in the background until the
# end; sets $SAM_URL once it answers.
start_sam() {
  local command="$1" port; port="$(free_port)"
  python3 "$ROOT/scripts/sam_local.py" local "$command" "$STAGE" --host 127.0.0.1 --port "$port" \
    --warm-containers LAZY >"$LOGS/sam-$command.log" 2>&1 &
  PIDS+=("$!")
  SAM_URL="http://127.0.0.1:$port"
  wait_for_http "$SAM_URL/" 120
}

t=$(date +%s)
ensure_docker "$LOGS/dockerd.log"
echo "docker engine ready in $(seconds_since "$t")s"
t=$(date +%s)
lambda_base_image "$ROOT/target/debug/slashid-get-person"
echo "base image $LAMBDA_BASE_IMAGE built in $(seconds_since "$t")s"

# A DynamoDB Local of its own, with only the demo seed: the event files delete demo data the
# other tests read, and the suite's large fixtures would slow this one's answers.
DDB_PORT="$(free_port)"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DDB_PORT" TABLE_NAME=idgraph REPLICAS=""
start_dynamodb "$DDB_PORT" "$LOGS/sam-dynamodb.log"
wait_for_http "$AWS_ENDPOINT_URL_DYNAMODB/" 60
"$ROOT/target/debug/devstack" create-table "$ROOT/template.yaml" >/dev/null
"$ROOT/target/debug/devstack" seed "$ROOT/seed/demo.json" >/dev/null
# A search engine of its own too (osmem-server, on 127.0.0.1 only), which the containers reach
# through a relay on Docker's bridge gateway (`sam_local.py forward`, same port): the projector
# indexes the seed into it, the search events read it.
ensure_osmem
start_search "$(free_port)" "$LOGS/sam-search.log"
python3 "$ROOT/scripts/sam_local.py" forward "$SEARCH_ENDPOINT" >"$LOGS/sam-forward.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 40); do grep -q '^relaying' "$LOGS/sam-forward.log" && break; sleep 0.25; done
grep -q '^relaying' "$LOGS/sam-forward.log" || { echo "the search relay did not start:" >&2; cat "$LOGS/sam-forward.log" >&2; exit 1; }
python3 "$ROOT/scripts/sam_local.py" stage "$STAGE"

log "sam local start-lambda, and the stream poller invoking the projector through it"
t=$(date +%s)
start_sam start-lambda
seeded="$(date +%s.%N)"
ROUTER_URL="$SAM_URL" STREAM_FUNCTION=SailpointProjector STREAM_STATUS="$LOGS/sam-stream.status" \
  "$VENV/bin/python" "$ROOT/scripts/stream_poller.py" >"$LOGS/sam-stream.log" 2>&1 &
PIDS+=("$!")
wait_for_projections "$LOGS/sam-stream.status" "$seeded" 600
echo "demo seed projected through sam local start-lambda in $(seconds_since "$t")s"

log "sam local start-api, with SailPoint's official SDKs (Python, both lines; TypeScript)"
t=$(date +%s)
start_sam start-api
python3 "$ROOT/scripts/sam_local.py" sdk "$SAM_URL"
echo "start-api up and the three SDK runs done in $(seconds_since "$t")s"

log "sam local invoke, every events/*.json"
python3 "$ROOT/scripts/sam_local.py" invoke "$STAGE"
