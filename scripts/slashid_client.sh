#!/usr/bin/env bash
# Generates the SlashID client from SlashID's own spec into .tools/slashid-client (what `make test`
# does before its scenario, tests/tests/slashid_client.rs), and regenerates it when the spec or a
# pin changed. `--force` regenerates regardless.
source "$(dirname "$0")/lib.sh"
[[ "${1:-}" == "--force" ]] && rm -f "$TOOLS/slashid-client/.installed"
ensure_slashid_client
echo "$TOOLS/slashid-client/generated"
