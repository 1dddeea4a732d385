#!/usr/bin/env bash
# Seed the fuzz corpora (fuzz/corpus/<target>/, git-ignored) from the
# shipped policies, the permit corpus, the fixtures and the regression inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/policy fuzz/corpus/permit fuzz/corpus/check
find policies -name '*.policy' | while read -r f; do
  cp "$f" "fuzz/corpus/policy/$(echo "$f" | tr / _)"
done
cp tests/fuzz_regressions/*.policy fuzz/corpus/policy/ 2>/dev/null || true
for t in permit check; do
  cp corpus/*.yaml tests/fixtures/permits/*.yaml "fuzz/corpus/$t/"
  for f in tests/fixtures/yaml-test-suite/*.yaml; do
    cp "$f" "fuzz/corpus/$t/yts_$(basename "$f")"
  done
done
for t in policy permit check; do
  echo "fuzz/corpus/$t: $(ls "fuzz/corpus/$t" | wc -l) files"
done
