#!/usr/bin/env bash
# Load test of `jalon serve` on loopback with wrk: 2 server threads, POST /v1/diagnose
# with the eval-dev offers (converted to a temporary folder, never into the repository).
# Prints throughput, latency percentiles, errors, the server's RSS at start and end, and
# its CPU time per request.
#
#   bash scripts/load-test.sh [SECONDS]        (default 60)
# Environment: JALON_BUILD (build folder, default build), JALON_SERVE (server program;
# default $JALON_BUILD/tools/jalon, then $JALON_BUILD/tools/server/jalon-serve),
# JALON_MODEL, LOAD_CONNECTIONS (default 8), LOAD_THREADS (wrk threads, default 2),
# LOAD_SERVER_THREADS (default 2), LOAD_MIN_RPS / LOAD_MAX_P99_MS (targets; a miss is
# reported, and fails with LOAD_STRICT=1).
# Trainings: LOAD_CATALOGUE=none starts the server with --no-trainings, a path with
# --catalogue PATH; unset, the server's own search ($JALON_CATALOGUE, build dir).
# LOAD_TARGET=1 gives each offer its labelled ROME code as "target" and LOAD_DEPARTMENT=D
# a "place" ({"department": D}), so every diagnosis computes a gap and its trainings
# (offers seldom say what job their reader wants, so most diagnoses have none otherwise).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-60}
build=${JALON_BUILD:-build}
conns=${LOAD_CONNECTIONS:-8}
wrk_threads=${LOAD_THREADS:-2}
srv_threads=${LOAD_SERVER_THREADS:-2}
min_rps=${LOAD_MIN_RPS:-2000}
max_p99=${LOAD_MAX_P99_MS:-20}

command -v wrk >/dev/null || { echo "load-test: wrk is missing (apt-get install wrk)" >&2; exit 1; }
source "$root/scripts/serve-lib.sh"
jalon_find_server "$build" load-test
[[ "$build" == /* ]] || build="$root/$build"
export JALON_MODEL="${JALON_MODEL:-$build/models/jalon-rome.model}"
# The same catalogue choice for the server and for the engine-only run below.
catalogue_args=()
case "${LOAD_CATALOGUE:-}" in
  "") ;;
  none) catalogue_args=(--no-trainings) ;;
  *) catalogue_args=(--catalogue "$LOAD_CATALOGUE") ;;
esac

tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# The eval-dev offers as requests {id, title, text, rome}; "rome" is an unknown field
# to the server and ignored. Both sets: 579 texts of a few hundred to a few thousand bytes.
# LOAD_SET=short swaps them for short self-descriptions (a few dozen bytes), which shows
# the server's own cost apart from the engine's.
if [[ "${LOAD_SET:-evaldev}" == short ]]; then
  for t in "caissière 6 ans" "je suis cariste et je voudrais devenir formateur" \
           "aide à domicile" "serveur en brasserie" "j'ai été maçon, je ne veux plus" \
           "vendeuse en boulangerie" "ede a domicil" "plombier chauffagiste"; do
    printf '{"text":"%s"}\n' "$t"
  done >"$tmp/bodies.jsonl"
else
  python3 tools/evaldev_to_jsonl.py --general "$tmp/general.jsonl" --it "$tmp/it.jsonl" >&2
  cat "$tmp/general.jsonl" "$tmp/it.jsonl" >"$tmp/bodies.jsonl"
fi
if [[ "${LOAD_TARGET:-0}" == 1 || -n "${LOAD_DEPARTMENT:-}" ]]; then
  python3 - "$tmp/bodies.jsonl" "${LOAD_TARGET:-0}" "${LOAD_DEPARTMENT:-}" <<'PY'
import json, sys
path, target, dept = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
lines = []
for line in open(path, encoding="utf-8"):
    r = json.loads(line)
    if target and r.get("rome"):
        r["target"] = r["rome"]
    if dept:
        r["place"] = {"department": dept}
    lines.append(json.dumps(r, ensure_ascii=False))
open(path, "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
fi
export LOAD_BODIES="$tmp/bodies.jsonl"

jalon_start_server load-test "$tmp/server.log" --bind 127.0.0.1 --threads "$srv_threads" --quiet \
  "${catalogue_args[@]}"
url="http://127.0.0.1:$port"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
# The server's CPU time (user + system) in clock ticks. CPU per request stays
# comparable when other programs share the machine, where requests/s does not.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

# One pass over every text first: the responses must all be 200 (a text the server
# refuses would be counted as a load-test error below) and the pages are warm.
python3 - "$url" "$LOAD_BODIES" >"$tmp/warm.txt" <<'PY'
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
bad = with_trainings = n = 0
for line in open(sys.argv[2], encoding="utf-8"):
    c.request("POST", "/v1/diagnose", body=line.encode(), headers={"Content-Type": "application/json"})
    r = c.getresponse(); body = r.read()
    n += 1
    bad += r.status != 200
    with_trainings += r.status == 200 and bool(json.loads(body).get("trainings"))
print(f"warm-up: {n} texts, {bad} not 200", file=sys.stderr)
print(f"responses_with_trainings={with_trainings}/{n}")
sys.exit(1 if bad else 0)
PY
rss_start=$(rss)
cpu_start=$(cpu_ticks)

wrk -t "$wrk_threads" -c "$conns" -d "${seconds}s" --latency -s scripts/load-test.lua "$url" >"$tmp/wrk.txt"
rss_end=$(rss)
cpu_end=$(cpu_ticks)
rss_peak=$(hwm)
health=$(curl -s "$url/v1/health")

# The engine alone on the same texts and thread count, through the CLI (no HTTP), when
# the `jalon` tool is there: the server's throughput is to be read against it.
if [[ -x $build/tools/jalon ]]; then
  # Repeated to 2,000 texts at least, so opening the model is a small part of the time.
  per=$(wc -l <"$LOAD_BODIES")
  reps=$(( (2000 + per - 1) / per ))
  t0=$(date +%s.%N)
  for _ in $(seq "$reps"); do cat "$LOAD_BODIES"; done |
    "$build/tools/jalon" diagnose --batch --jobs "$srv_threads" "${catalogue_args[@]}" >/dev/null
  t1=$(date +%s.%N)
  n=$(( reps * per ))
  echo "engine_only_rps=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')" \
    "(jalon diagnose --batch --jobs $srv_threads, $n texts, no HTTP)"
fi
echo "catalogue=${LOAD_CATALOGUE:-default search} target=${LOAD_TARGET:-0} department=${LOAD_DEPARTMENT:-none}"
echo "set=${LOAD_SET:-evaldev} texts=$(wc -l <"$LOAD_BODIES") mean_bytes=$(awk '{s += length($0)} END {printf "%.0f", s / NR}' "$LOAD_BODIES")"
cat "$tmp/warm.txt"
sed -n '/^requests=/,$p' "$tmp/wrk.txt"
echo "server_cpu_ms_per_request=$(awk -v a="$cpu_start" -v b="$cpu_end" -v t="$(getconf CLK_TCK)" \
  -v n="$(sed -n 's/^requests=//p' "$tmp/wrk.txt")" 'BEGIN {printf "%.2f", (b - a) * 1000 / t / n}')"
echo "server_threads=$srv_threads wrk_threads=$wrk_threads connections=$conns"
echo "rss_start_kib=$rss_start"
echo "rss_end_kib=$rss_end"
echo "rss_peak_kib=$rss_peak"
echo "health=$health"

rps=$(sed -n 's/^throughput_rps=//p' "$tmp/wrk.txt")
p99=$(sed -n 's/^latency_p99_ms=//p' "$tmp/wrk.txt")
errs=$(( $(sed -n 's/^socket_errors=//p' "$tmp/wrk.txt") + $(sed -n 's/^non_200=//p' "$tmp/wrk.txt") ))
misses=()
awk -v r="$rps" -v m="$min_rps" 'BEGIN {exit !(r >= m)}' || misses+=("below ${min_rps} req/s")
awk -v p="$p99" -v m="$max_p99" 'BEGIN {exit !(p <= m)}' || misses+=("p99 over ${max_p99} ms")
((errs == 0)) || misses+=("$errs errors")
verdict=ok
((${#misses[@]} == 0)) || verdict=$(IFS=';'; echo "${misses[*]}")
echo "verdict=$verdict (load average $(cut -d' ' -f1-3 /proc/loadavg))"
if [[ "$verdict" != ok && "${LOAD_STRICT:-0}" == 1 ]]; then exit 1; fi
