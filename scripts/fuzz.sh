#!/usr/bin/env bash
# Runs one libFuzzer target for a given time: scripts/fuzz.sh TARGET SECONDS
# (TARGET: text, json, model, csv, catalogue, lheo). Builds build-fuzz/ with clang,
# ASan+UBSan and coverage instrumentation of the whole library. New coverage goes to a scratch
# corpus in build-fuzz/; only crashes, leaks, timeouts and OOMs are written to
# fuzz/corpus/TARGET (as crash-*, leak-*, timeout-*, oom-*), where `meson test`
# replays them: fix the bug, keep the input as the regression test.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
target=${1:-}
seconds=${2:-}
case $target in
  text | json | model | csv | catalogue | lheo) ;;
  *) echo "usage: $0 {text|json|model|csv|catalogue|lheo} SECONDS" >&2; exit 2 ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 TARGET SECONDS" >&2; exit 2; }

bdir=build-fuzz
if [[ ! -f $bdir/meson-private/coredata.dat ]]; then
  # fuzzer-no-link instruments the library for coverage without adding
  # libFuzzer's main(); only the fuzz_* executables link libFuzzer.
  CC=clang meson setup "$bdir" -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link -Dtests=false -Dexamples=false -Dbuildtype=debugoptimized
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ninja -C "$bdir" "fuzz/fuzz_$target" models/jalon-rome.model models/jalon-trainings.catalogue
export JALON_MODEL="$root/$bdir/models/jalon-rome.model"
export JALON_CATALOGUE="$root/$bdir/models/jalon-trainings.catalogue"

scratch="$bdir/corpus-$target"
keep="fuzz/corpus/$target"
mkdir -p "$scratch" "$keep"
args=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$keep/")
case $target in
  text) args+=(-dict=fuzz/dict/french.dict -max_len=4096) ;;
  json)
    cat fuzz/dict/json.dict fuzz/dict/french.dict >"$bdir/json-all.dict"
    args+=(-dict="$bdir/json-all.dict" -max_len=4096) ;;
  csv) args+=(-dict=fuzz/dict/csv.dict -max_len=4096) ;;
  lheo) args+=(-dict=fuzz/dict/lheo.dict -max_len=4096) ;;
  # A flag byte, a length, up to 64 edits of 9 bytes; len_control=0 offers the full
  # length at once (libFuzzer otherwise stays at 10 bytes, one edit, for minutes).
  model | catalogue) args+=(-max_len=600 -len_control=0) ;;
esac

log="$bdir/fuzz-$target.log"
echo "fuzz: $target for $seconds s, log in $log" >&2
set +e
"$bdir/fuzz/fuzz_$target" "${args[@]}" "$scratch" "$keep" >"$log" 2>&1
rc=$?
set -e
# Summary: the last status line and libFuzzer's final statistics.
grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E '^stat::' "$log" || true
grep -E 'SUMMARY|ERROR: libFuzzer|Test unit written' "$log" || true
exit $rc
