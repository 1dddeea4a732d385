#!/usr/bin/env bash
# Seed the fuzz corpora (fuzz/corpus/<target>/, git-ignored) from the
# shipped policies, the permit corpus, the fixtures, the regression inputs
# and the hand-written seeds in fuzz/seeds/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/{policy,permit,check,eval,render,files}
find policies -name '*.policy' | while read -r f; do
  for t in policy eval; do
    cp "$f" "fuzz/corpus/$t/$(echo "$f" | tr / _)"
  done
done
for t in policy eval; do
  cp tests/fuzz_regressions/*.policy "fuzz/corpus/$t/" 2>/dev/null || true
done
for t in permit check; do
  cp corpus/*.yaml tests/fixtures/permits/*.yaml "fuzz/corpus/$t/"
  for f in tests/fixtures/yaml-test-suite/*.yaml; do
    cp "$f" "fuzz/corpus/$t/yts_$(basename "$f")"
  done
done
cp fuzz/seeds/render/* fuzz/corpus/render/
cp fuzz/seeds/files/* fuzz/corpus/files/
for t in policy permit check eval render files; do
  echo "fuzz/corpus/$t: $(ls "fuzz/corpus/$t" | wc -l) files"
done
