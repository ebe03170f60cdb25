#!/usr/bin/env bash
# `make test`: the run command's setup on free ports, then every test — unit, integration
# against DynamoDB Local (the KMS code paths against moto's server), end-to-end through the
# router, Schemathesis against docs/openapi.yaml, `sam local` in Docker — the template lint, and
# rustfmt and clippy first.
source "$(dirname "$0")/lib.sh"

RUN_DIR="$(mktemp -d)"
ensure_all
ensure_sailpoint_sdks
ensure_cfn_guard
ensure_schemathesis
ensure_moto
ensure_slashid_client
DDB_PORT="$(free_port)"
PORT="$(free_port)"
KMS_PORT="$(free_port)"
# The stack's mail for this run only (tests/src/lib.rs reads it).
export SSO_OUTBOX_DIR="$RUN_DIR/outbox"
export_local_env "$DDB_PORT"
# Tests create and revoke credentials; a cached key would hide that.
export AUTH_CACHE_SECONDS=0
# Hundreds of tests share the demo organization, and many count DynamoDB requests exactly: the
# per-org allowance is off here; tests/tests/admission.rs turns it on for its own apps.
export ORG_REQUESTS_PER_SECOND=0
# DynamoDB Local shares two cores with the router's functions and eight test threads: a
# 100-item transaction can take longer there than the 2 s one attempt gets by default (a
# clean-clone run once answered a 120-permission PUT with a timeout's 503). The local stack's
# functions get more time; AWS keeps the defaults (template env), and tests/tests/faults.rs sets
# its own short budgets to prove the 503s.
export DYNAMODB_ATTEMPT_TIMEOUT_MS=6000 DYNAMODB_OPERATION_TIMEOUT_MS=9000
# A replica region whose table never receives the writes: all_regions consistency must time out
# (408) while the write stands.
export REPLICAS="us-west-2:${TABLE_NAME:-idgraph}-lagging-replica"
trap 'stop_started; rm -rf "$RUN_DIR"' EXIT
trap 'exit 130' INT TERM HUP
started=$(date +%s)

log "cargo fmt --check, clippy with warnings as errors ([workspace.lints]), the library's layers"
(cd "$ROOT" && cargo fmt --all -- --check && cargo clippy --workspace --all-targets --locked -- -D warnings)
python3 "$ROOT/scripts/layers.py"

log "building the workspace and its tests (debug)"
(cd "$ROOT" && cargo build --workspace --bins && cargo test --workspace --no-run)
start_stack "$DDB_PORT" "$PORT" "$RUN_DIR"
log "starting moto's server on 127.0.0.1:$KMS_PORT (the local KMS, for the KMS code paths' tests)"
start_kms "$KMS_PORT" "$RUN_DIR/kms.log"
log "checking that ready means ready: the demo seed's projections are served"
check_demo_served "http://127.0.0.1:$PORT"

log "cargo test --workspace"
export ROUTER_URL="http://127.0.0.1:$PORT"
# The functions' log lines land in the router's log; tests/tests/log_secrets.rs reads it.
export ROUTER_LOG="$RUN_DIR/router.log"
status=0
(cd "$ROOT" && cargo test --workspace --no-fail-fast) || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- router log (tail) ---" >&2; tail -n 40 "$RUN_DIR/router.log" >&2
fi

log "schemathesis against docs/openapi.yaml"
"$ROOT/scripts/schemathesis.sh" "$ROUTER_URL" || status=$?

log "sam local: every event file through sam local invoke, the SDK through start-api (Docker)"
"$ROOT/scripts/sam_local.sh" "$RUN_DIR" || status=$?

log "sam validate --lint"
(cd "$ROOT" && SAM_CLI_TELEMETRY=0 sam validate --lint) || status=$?

log "cfn-guard: template policy rules (guard/*.guard), and their unit tests"
guard_report="$RUN_DIR/cfn-guard.txt"
if (cd "$ROOT" && cfn-guard validate --rules guard/ --data template.yaml --show-summary fail &&
    cfn-guard test --dir guard/) >"$guard_report" 2>&1; then
  echo "cfn-guard: template.yaml complies; $(grep -c 'Expected = ' "$guard_report") rule test expectations met"
else
  cat "$guard_report" >&2; status=1
fi

echo "test suite took $(( $(date +%s) - started ))s"
exit $status
