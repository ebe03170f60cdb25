#!/usr/bin/env bash
# Fuzzes every request parser (fuzz/fuzz_targets/*) for a set time each, default 60 s:
#   scripts/fuzz.sh [seconds-per-target] [target...]
# Not part of `make test`: the sanitizer build of the AWS SDK takes many minutes. The committed
# corpus is replayed on every test run instead (shared/src/fuzzing.rs). A crash leaves its input
# in fuzz/artifacts/<target>/ and fails the script; add the input to fuzz/corpus/<target>/ with
# the fix.
source "$(dirname "$0")/lib.sh"

SECONDS_PER_TARGET="${1:-60}"
shift || true
ensure_cargo_fuzz

# libFuzzer needs the sanitizer flags only nightly accepts; a machine with only stable builds
# with the same compiler in bootstrap mode.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  TOOLCHAIN=(+nightly)
else
  TOOLCHAIN=()
  export RUSTC_BOOTSTRAP=1
  log "no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
fi
SANITIZER="${FUZZ_SANITIZER:-address}"

cd "$ROOT/fuzz"
targets=("$@")
((${#targets[@]})) || mapfile -t targets < <(cargo "${TOOLCHAIN[@]}" fuzz list)

log "building the fuzz targets (sanitizer: $SANITIZER; the first build takes many minutes)"
cargo "${TOOLCHAIN[@]}" fuzz build -s "$SANITIZER"

# New inputs go to a scratch corpus; the committed seeds are read-only input, so a run leaves
# the tree as it was.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t" "$ROOT/fuzz/artifacts/$t"
  log "fuzzing $t for ${SECONDS_PER_TARGET}s"
  out="$scratch/$t.log"
  if cargo "${TOOLCHAIN[@]}" fuzz run -s "$SANITIZER" "$t" "$scratch/$t" "$ROOT/fuzz/corpus/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$out" 2>&1; then
    result=ok
  else
    result=CRASH; status=1
    grep -E "panicked|ERROR|Test unit written|artifact" "$out" | head -n 8 >&2
  fi
  execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$out" | grep -oE '[0-9]+$' || echo '?')"
  summary+=("$(printf '%-16s %-6s %12s execs  %s new inputs' "$t" "$result" "$execs" "$(ls "$scratch/$t" | wc -l)")")
done

printf '%s\n' "${summary[@]}"
exit $status
