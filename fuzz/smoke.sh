#!/usr/bin/env bash
# Fuzz smoke: build the six targets and run each for SECONDS (default 10)
# from the seed corpus; fails on the first crash, printing its log tail.
# Needs `cargo install cargo-fuzz`. Works on the stable toolchain because of
# `-s none` (no sanitizer: the crate is safe Rust; see docs/testing.md).
# The policy-language targets (policy, eval) use the keyword dictionary.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-10}"
bash seed.sh >/dev/null
cargo fuzz build -s none
log="$(mktemp)"
for t in policy eval permit check render files; do
  dict=()
  case "$t" in policy | eval) dict=(-dict=policy.dict) ;; esac
  rc=0
  cargo fuzz run -s none "$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    "${dict[@]}" >"$log" 2>&1 || rc=$?
  echo "$t: $(grep -E '^stat::number_of_executed_units' "$log" || echo 'no stats')"
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "fuzz smoke: target $t failed (exit $rc); input saved under fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
rm -f "$log"
