#!/usr/bin/env bash
# Behaviour test of the `jalon` command-line tool: verbs, exit codes, batch
# line alignment and order, thread independence, eval output. Usage: test_cli.sh JALON_BIN
# Needs a built model (JALON_MODEL, or the build dir the library knows) and
# python3 to check the JSON. Exit 0 pass, 1 fail, 77 skip (meson's code).
set -u

JALON=${1:?usage: test_cli.sh PATH_TO_JALON}
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is needed to check the JSON output"
  exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/jalon-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
# The tool's own messages are UTF-8 French; keep the locale from mangling them.
export LC_ALL=C.UTF-8

passes=0
failures=0
pass() { printf 'ok   %s\n' "$1"; passes=$((passes + 1)); }
fail() { printf 'FAIL %s\n' "$1"; failures=$((failures + 1)); }
check() { # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

# Runs jalon with stdin from $IN (default /dev/null); sets OUT, ERR, RC.
run() {
  "$JALON" "$@" <"${IN:-/dev/null}" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}

# Python helper: checks a JSON Lines file against a spec of expected kinds,
# "ok" (a response with jobs, id echoed when given) or "error" (error object).
cat >"$TMP/check_lines.py" <<'EOF'
import json, sys
path, kinds = sys.argv[1], sys.argv[2].split(",")
ids = sys.argv[3].split(",") if len(sys.argv) > 3 else []
with open(path, "rb") as f:
    raw = f.read()
if not raw.endswith(b"\n"):
    sys.exit("output does not end with a newline")
lines = raw.split(b"\n")[:-1]
if len(lines) != len(kinds):
    sys.exit(f"{len(lines)} output lines for {len(kinds)} input lines")
for i, (line, kind) in enumerate(zip(lines, kinds), 1):
    try:
        obj = json.loads(line)
    except ValueError as e:
        sys.exit(f"line {i}: not JSON: {e}")
    if kind == "error":
        err = obj.get("error")
        if not isinstance(err, dict) or not isinstance(err.get("code"), str) or not err["code"]:
            sys.exit(f"line {i}: expected an error object, got {line[:200]!r}")
    elif kind == "ok":
        if "error" in obj or not isinstance(obj.get("jobs"), list):
            sys.exit(f"line {i}: expected a response with jobs, got {line[:200]!r}")
    if i <= len(ids) and ids[i - 1] and obj.get("id") != ids[i - 1]:
        sys.exit(f"line {i}: id {obj.get('id')!r}, expected {ids[i - 1]!r}")
EOF

# ---- help, version, usage errors ----
run --help
check "--help exits 0 and lists the verbs" test "$RC" -eq 0 -a -n "$(grep -e diagnose <<<"$OUT")"
run diagnose --help
check "diagnose --help exits 0" test "$RC" -eq 0 -a -n "$(grep -e --batch <<<"$OUT")"
run eval --help
check "eval --help exits 0" test "$RC" -eq 0
run --version
check "--version prints the version and the model" \
  test "$RC" -eq 0 -a -n "$(grep -e '^jalon [0-9]' <<<"$OUT")" -a -n "$(grep -e '^model: ' <<<"$OUT")"
run frobnicate
check "unknown verb exits 2" test "$RC" -eq 2
check "unknown verb is explained in French" test -n "$(grep -e 'inconnu' <<<"$ERR")"
run
check "no verb exits 2" test "$RC" -eq 2
run diagnose --no-such-option x
check "unknown option exits 2" test "$RC" -eq 2
run diagnose --max-jobs 0 x
check "out-of-range --max-jobs exits 2" test "$RC" -eq 2
check "usage errors are explained in French" test -n "$(grep -e 'attend un nombre' <<<"$ERR")"
run model build --help
check "model build --help names its flags" \
  test "$RC" -eq 0 -a -n "$(grep -e --rome <<<"$OUT")" -a -n "$(grep -e --output <<<"$OUT")"
run rome --help
check "rome --help exits 0" test "$RC" -eq 0

# ---- diagnose: one text ----
run diagnose --json "vendeuse en prêt-à-porter"
check "diagnose --json exits 0" test "$RC" -eq 0
check "diagnose --json finds D1214 for 'vendeuse en prêt-à-porter'" \
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert any(j["rome"]=="D1214" for j in d["jobs"]), d' "$OUT"
run diagnose "vendeuse en prêt-à-porter"
check "readable summary names D1214" test "$RC" -eq 0 -a -n "$(grep -e D1214 <<<"$OUT")"
IN=$TMP/text.txt
printf 'Je suis vendeuse en prêt-à-porter depuis 5 ans.\n' >"$IN"
run diagnose --json
check "diagnose reads the text from stdin" test "$RC" -eq 0 -a -n "$(grep -e D1214 <<<"$OUT")"
IN=/dev/null
run diagnose
check "diagnose on empty stdin fails" test "$RC" -ne 0 -a "$RC" -ne 2
check "diagnose on empty stdin explains in French" test -n "$(grep -i -e 'texte' <<<"$ERR")"
run diagnose --json "vendeuse" --max-jobs 2
check "--max-jobs limits the list" \
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert 1 <= len(d["jobs"]) <= 2, d' "$OUT"

# ---- diagnose --batch: one output line per input line, in order ----
IN=$TMP/five.jsonl
{
  printf '%s\n' '{"id":"a","text":"vendeuse en prêt-à-porter"}'
  printf '%s\n' '{"id":"b","text":'                     # malformed JSON
  printf '{"id":"c","text":"caissi\xffre"}\n'            # invalid UTF-8
  printf '%s\n' '{"id":"d","text":""}'                  # empty text
  printf '%s\n' '{"id":"e","text":"aide-soignante en EHPAD"}'
} >"$IN"
run diagnose --batch --jobs 1
check "batch with bad lines exits 0" test "$RC" -eq 0
# No id is expected on lines 2 and 3: the library refuses a malformed or
# non-UTF-8 request before it can read the id out of it.
check "batch gives 5 lines, errors at lines 2-4, ids echoed" \
  python3 "$TMP/check_lines.py" "$TMP/out" ok,error,error,error,ok a,,,d,e
check "batch names the invalid UTF-8 line" test -n "$(sed -n 3p "$TMP/out" | grep -e invalid_utf8)"
check "batch names the empty text" test -n "$(sed -n 4p "$TMP/out" | grep -e empty_text)"

IN=$TMP/odd.jsonl
{
  printf '\n'                                           # blank line
  printf '{"id":"big","text":"'
  head -c $((4 * 65536 + 100)) /dev/zero | tr '\0' 'a'  # longer than 4*JALON_MAX_TEXT_BYTES
  printf '"}\n'
  printf '%s' '{"id":"last","text":"vendeuse"}'         # no final newline
} >"$IN"
run diagnose --batch --jobs 2
check "batch keeps blank, oversized and unterminated lines aligned" \
  python3 "$TMP/check_lines.py" "$TMP/out" error,error,ok ,,last
check "oversized line is text_too_large" test -n "$(sed -n 2p "$TMP/out" | grep -e text_too_large)"

IN=$TMP/fifty.jsonl
texts=("vendeuse en prêt-à-porter" "caissière en supermarché" "aide-soignante de nuit"
  "je veux devenir boulanger" "développeur web full stack" "chauffeur poids lourd"
  "j'ai été serveuse 6 ans, je voudrais me reconvertir dans la petite enfance"
  "agent de nettoyage industriel" "comptable" "maçon" "infirmier" "cuisinier en collectivité")
for i in $(seq 1 50); do
  if ((i % 17 == 0)); then
    printf '{"id":"%d","text":\n' "$i"
  else
    printf '{"id":"%d","text":"%s","limit":{"jobs":%d}}\n' "$i" "${texts[i % ${#texts[@]}]}" $((i % 10 + 1))
  fi
done >"$IN"
"$JALON" diagnose --batch --jobs 1 <"$IN" >"$TMP/j1" 2>/dev/null
rc1=$?
"$JALON" diagnose --batch --jobs 2 <"$IN" >"$TMP/j2" 2>/dev/null
rc2=$?
"$JALON" diagnose --batch --jobs 7 <"$IN" >"$TMP/j7" 2>/dev/null
rc7=$?
check "batch --jobs 1/2/7 exit 0" test "$rc1" -eq 0 -a "$rc2" -eq 0 -a "$rc7" -eq 0
check "batch --jobs 2 is byte-identical to --jobs 1" cmp -s "$TMP/j1" "$TMP/j2"
check "batch --jobs 7 is byte-identical to --jobs 1" cmp -s "$TMP/j1" "$TMP/j7"
check "batch on 50 lines gives 50 lines" test "$(wc -l <"$TMP/j1")" -eq 50
IN=/dev/null
run diagnose --batch
check "batch on empty input writes nothing and exits 0" test "$RC" -eq 0 -a -z "$OUT"

# ---- eval ----
cat >"$TMP/eval.jsonl" <<'EOF'
{"id":"e1","text":"vendeuse en prêt-à-porter","rome":"D1214"}
{"id":"e2","text":"je travaille en caisse dans un supermarché","rome":"D1505","title":"caissière"}
this line is not JSON
{"id":"e3","text":"aide-soignante en EHPAD","rome":"j1501"}
{"id":"e4","text":"vendeur","rome":"Z9999"}
EOF
run eval --data "$TMP/eval.jsonl" --json --jobs 2 --errors "$TMP/misses.jsonl"
check "eval exits 0" test "$RC" -eq 0
check "eval --json has n, top1 and the other figures" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["n"] == 4 and d["skipped"] == 1 and d["unknown_gold"] == 1, d
for k in ("top1", "top3", "top5", "top10", "mrr10", "parent_top1", "parent_top5",
          "dp_top1", "dp_top5", "gd_top1", "abstain_rate"):
    assert 0.0 <= d[k] <= 1.0, (k, d)
assert d["top1"] <= d["top3"] <= d["top5"] <= d["top10"], d
assert d["top1"] <= d["parent_top1"] and d["top1"] <= d["dp_top1"] <= d["gd_top1"], d
assert d["by_grand_domaine"]["D"]["n"] == 2 and d["by_grand_domaine"]["Z"]["n"] == 1, d
' "$OUT"
check "eval reports the bad line with its number" test -n "$(grep -e ':3:' <<<"$ERR")"
check "eval --errors lists the miss on the unknown code" \
  python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert any(r["id"] == "e4" and r["gold"] == "Z9999" and r["rank"] is None for r in rows), rows
' "$TMP/misses.jsonl"
"$JALON" eval --data "$TMP/eval.jsonl" --jobs 1 >"$TMP/ev1" 2>/dev/null
"$JALON" eval --data "$TMP/eval.jsonl" --jobs 3 >"$TMP/ev3" 2>/dev/null
check "eval text report does not depend on --jobs" cmp -s "$TMP/ev1" "$TMP/ev3"
check "eval text report shows top-1" test -n "$(grep -e 'top-1' "$TMP/ev1")"
run eval
check "eval without --data exits 2" test "$RC" -eq 2
run eval --data "$TMP/does-not-exist.jsonl"
check "eval on a missing file exits 1" test "$RC" -eq 1

# ---- model info, rome ----
run model info
check "model info prints the fiche count" test "$RC" -eq 0 -a -n "$(grep -E -e '^fiches: [1-9]' <<<"$OUT")"
run rome d1214
check "rome prints the fiche as JSON" python3 -c 'import json,sys; assert "D1214" in json.dumps(json.loads(sys.argv[1]))' "$OUT"
run rome Z9999
check "rome on an unknown code exits 1" test "$RC" -eq 1
run model build
check "model build without --output exits 2" test "$RC" -eq 2

echo "$passes passed, $failures failed"
((failures == 0))
