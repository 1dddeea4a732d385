#!/usr/bin/env bash
# Fuzz smoke: build the six targets and run each from the seed corpus for a
# fixed number of inputs with a fixed seed (about SECONDS each, default 10,
# on a 2-core machine; SECONDS also caps each run), so that CI is
# reproducible: the same inputs run here and in CI, and a crash the smoke
# finds is found again. Searching for new crashes is the long runs' work
# (docs/testing.md). Fails on the first crash, printing its log tail.
# Needs `cargo install cargo-fuzz`. Works on the stable toolchain because of
# `-s none` (no sanitizer: the crate is safe Rust; see docs/testing.md).
# The policy-language targets (policy, eval) use the keyword dictionary.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-10}"
bash seed.sh >/dev/null
cargo fuzz build -s none
log="$(mktemp)"
# Inputs per target: about 10 s each here (executions per second measured
# in a CI run), scaled by SECONDS.
runs_for() {
  local per10
  case "$1" in
    policy) per10=4000 ;; eval) per10=5000 ;; permit) per10=80000 ;;
    check) per10=30000 ;; render) per10=300 ;; files) per10=40000 ;;
  esac
  echo $(( per10 * secs / 10 ))
}
for t in policy eval permit check render files; do
  dict=()
  case "$t" in policy | eval) dict=(-dict=policy.dict) ;; esac
  rc=0
  cargo fuzz run -s none "$t" -- \
    -seed=1 -runs="$(runs_for "$t")" -max_total_time=$(( secs * 6 )) \
    -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    "${dict[@]}" >"$log" 2>&1 || rc=$?
  echo "$t: $(grep -E '^stat::number_of_executed_units' "$log" || echo 'no stats')"
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "fuzz smoke: target $t failed (exit $rc); input saved under fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
rm -f "$log"
