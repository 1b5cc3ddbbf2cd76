#!/usr/bin/env bash
# Builds the bench (build-bench/, release, -Dbench=true), converts the eval-dev offers
# into build-bench/eval/ and runs bench_peer on both sets, then bench_self (full diagnosis
# against the reference cue scans) on the self-descriptions and both sets, and bench_json
# (response writing against a cJSON tree of the same events). Prints figures;
# fails only when something cannot be built or run, never on time.
#   bash bench/run.sh [bench_peer arguments, e.g. --passes 9 --dump build-bench/dump.tsv]
#   bash bench/run.sh --self    # bench_self only (skips the Xapian peer run)
set -euo pipefail
self_only=0
if [[ ${1:-} == --self ]]; then
  self_only=1
  shift
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bdir=${BENCH_BUILD_DIR:-build-bench}

if ! pkg-config --exists xapian-core; then
  echo "bench: Xapian not found (libxapian-dev); run scripts/setup.sh first" >&2
  exit 1
fi

# Quiet unless something fails: the figures are what this prints.
quiet() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
  rm -f "$log"
}
opts=(-Dbench=true -Dbuildtype=release -Dtests=false -Dexamples=false)
if [[ -f "$bdir/meson-private/coredata.dat" ]]; then
  quiet meson setup --reconfigure "$bdir" "${opts[@]}"
else
  quiet meson setup "$bdir" "${opts[@]}"
fi
quiet ninja -C "$bdir"

# The offers must not be committed: they only ever live in the build dir.
python3 tools/evaldev_to_jsonl.py --general "$bdir/eval/general.jsonl" --it "$bdir/eval/it.jsonl"

# The model this release build compiled, unless JALON_MODEL names another.
model=${JALON_MODEL:-$bdir/models/jalon-rome.model}

{
  echo "bench_peer, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU(s):" \
       "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  # Timings taken on a busy machine are not comparable: the load says how busy it was.
  echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo none)" \
       "$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo '(uncommitted changes)')"
  if ((!self_only)); then
    echo
    "$bdir/bench/bench_peer" --model "$model" \
      --data "$bdir/eval/general.jsonl" --data "$bdir/eval/it.jsonl" "$@"
  fi
  echo
  JALON_MODEL="$model" "$bdir/bench/bench_self" tests/data/self_descriptions.jsonl 21 300
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  JALON_MODEL="$model" "$bdir/bench/bench_self" "$bdir/eval/general.jsonl" 11
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  JALON_MODEL="$model" "$bdir/bench/bench_self" "$bdir/eval/it.jsonl" 11
  echo
  JALON_MODEL="$model" JALON_CATALOGUE="$bdir/models/jalon-trainings.catalogue" \
    "$bdir/bench/bench_json" "$bdir/eval/it.jsonl" 11
  JALON_MODEL="$model" JALON_CATALOGUE="$bdir/models/jalon-trainings.catalogue" \
    "$bdir/bench/bench_json" "$bdir/eval/general.jsonl" 11
  echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$bdir/bench.txt"
echo "(saved in $bdir/bench.txt)"
