#!/usr/bin/env bash
# Runs every fuzz target of the clang tree (cmake --preset fuzz && cmake --build --preset fuzz):
# first each input of fuzz/regressions/<target>/ once (a crash there is a regression), then
# libFuzzer for FUZZ_SECONDS (default 10) over fuzz/corpus/<target>/. New corpus entries go to
# build/fuzz/corpus/<target>/ and crashes to build/fuzz/artifacts/<target>/; exits 1 on any crash.
# Usage: scripts/fuzz-run.sh [target...]   (default: every target in build/fuzz/fuzz/fuzzers.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-10}
bin_dir=build/fuzz/fuzz
list=$bin_dir/fuzzers.txt
if [ ! -f "$list" ]; then
  echo "fuzz-run: $list missing; run: cmake --preset fuzz && cmake --build --preset fuzz" >&2
  exit 2
fi
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets <"$list"; fi

failed=()
for t in "${targets[@]}"; do
  bin=$bin_dir/$t
  [ -x "$bin" ] || { echo "fuzz-run: $bin not built" >&2; exit 2; }
  work=build/fuzz/corpus/$t
  artifacts=build/fuzz/artifacts/$t/
  mkdir -p "$work" "$artifacts" "fuzz/corpus/$t"
  opts=(-artifact_prefix="$artifacts" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0)
  shopt -s nullglob
  regressions=(fuzz/regressions/"$t"/*)
  shopt -u nullglob
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! "$bin" "${opts[@]}" "${regressions[@]}" >"build/fuzz/$t.regressions.log" 2>&1; then
      echo "fuzz-run: $t: a regression input fails; see build/fuzz/$t.regressions.log" >&2
      failed+=("$t")
      continue
    fi
  fi
  if "$bin" "${opts[@]}" -max_total_time="$seconds" "$work" "fuzz/corpus/$t" \
    >"build/fuzz/$t.log" 2>&1; then
    echo "fuzz-run: $t ok (${#regressions[@]} regressions, ${seconds}s, $(ls "$work" | wc -l) corpus entries)"
  else
    echo "fuzz-run: $t FAILED; see build/fuzz/$t.log; crash input in $artifacts" >&2
    echo "  keep it as a regression: cp $artifacts/crash-* fuzz/regressions/$t/" >&2
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-run: failed: ${failed[*]}" >&2
  exit 1
fi
