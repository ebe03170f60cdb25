#!/usr/bin/env bash
# `make run`: the whole service locally with demo data — DynamoDB Local, the table from
# template.yaml, the demo seed, and `cargo lambda watch` routing like API Gateway.
source "$(dirname "$0")/lib.sh"

DDB_PORT="${DDB_PORT:-8000}"
PORT="${PORT:-9000}"
RUN_DIR="$ROOT/.run"
mkdir -p "$RUN_DIR"

ensure_all
export_local_env "$DDB_PORT"
trap 'stop_started; exit 0' INT TERM HUP
trap stop_started EXIT

log "building the workspace (debug)"
(cd "$ROOT" && cargo build --workspace --bins)
start_stack "$DDB_PORT" "$PORT" "$RUN_DIR"
check_demo_served "http://127.0.0.1:$PORT"

cat <<MSG

  Service:      http://127.0.0.1:$PORT
  DynamoDB:     http://127.0.0.1:$DDB_PORT (table $TABLE_NAME)
  SlashID:      SlashID-OrgID: af5fbd30-7ce7-4548-8b30-4cd59cb2aba1
                SlashID-API-Key: demo-api-key
  Demo person:  903c1ff9-f2cc-435c-b242-9d8a690fcf0a
  Zato SSO:     admin / admin-password-1 (super-user), jdoe / jdoe-password-1; apps CRM, demo

  curl -s http://127.0.0.1:$PORT/persons/903c1ff9-f2cc-435c-b242-9d8a690fcf0a?fields=handles \\
       -H 'SlashID-OrgID: af5fbd30-7ce7-4548-8b30-4cd59cb2aba1' -H 'SlashID-API-Key: demo-api-key'

  Logs in .run/; Ctrl-C stops everything this command started.
MSG
wait
