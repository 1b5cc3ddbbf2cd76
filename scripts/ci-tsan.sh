#!/usr/bin/env bash
# ThreadSanitizer job: builds build-tsan/ (-Db_sanitize=thread) and runs the
# 16-thread test (tests/test_threads.c, as test_threads_main) and the CLI's --batch --jobs 4 on 200
# request lines, whose output must equal the --jobs 1 output. Any TSan report
# fails the job (halt_on_error=1). Called by .ci/run; runs alone too.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bdir=build-tsan
start=$SECONDS

opts=(-Db_sanitize=thread -Db_lundef=false -Dexamples=false -Dbuildtype=debugoptimized)
if [[ -f $bdir/meson-private/coredata.dat ]]; then
  meson setup --reconfigure "$bdir" "${opts[@]}" >/dev/null
else
  meson setup "$bdir" "${opts[@]}" >/dev/null
fi
# Only what this job runs: the model (compiled by the sanitized CLI), the CLI and the test.
# test_threads_main: tests/test_threads.c without Criterion, which cannot start under
# TSan (Criterion issue #274).
ninja -C "$bdir" models/jalon-rome.model tools/jalon tests/test_threads_main

supp=""
[[ -f tests/tsan.supp ]] && supp=":suppressions=$root/tests/tsan.supp"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1$supp"
export JALON_MODEL="$root/$bdir/models/jalon-rome.model"

echo "tsan: 16-thread test" >&2
JALON_THREADS_ROUNDS=${JALON_THREADS_ROUNDS:-4} "$bdir/tests/test_threads_main"

echo "tsan: jalon diagnose --batch --jobs 4 on 200 lines" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$root/tests/data/self_descriptions.jsonl" "$tmp/requests.jsonl" <<'PY'
import json, sys
texts = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
extra = ["Cariste H/F - CDI - Entrepôt logistique", "ede a domicil, batiman, acceuil",
         "Développeur/euse Python H/F - salarié·e", "x"]
bad = ['{"id":"e","text":""}', '{"id":"e","text":42}', 'not json', '{"id":"f","text":"pas fermé"']
with open(sys.argv[2], "w", encoding="utf-8") as out:
    pool = texts + extra
    for i in range(200):
        if i % 25 == 24:
            out.write(bad[(i // 25) % len(bad)] + "\n")
            continue
        req = {"id": f"b{i}", "text": pool[i % len(pool)]}
        if i % 3 == 1:
            req["title"] = "agent de nettoyage"
        if i % 5 == 2:
            req["target"] = "J1501"
        out.write(json.dumps(req, ensure_ascii=False) + "\n")
PY
"$bdir/tools/jalon" diagnose --batch --jobs 4 <"$tmp/requests.jsonl" >"$tmp/jobs4.jsonl"
"$bdir/tools/jalon" diagnose --batch --jobs 1 <"$tmp/requests.jsonl" >"$tmp/jobs1.jsonl"
n=$(wc -l <"$tmp/jobs4.jsonl")
[[ $n == 200 ]] || { echo "tsan: --batch answered $n lines for 200" >&2; exit 1; }
cmp -s "$tmp/jobs1.jsonl" "$tmp/jobs4.jsonl" || {
  echo "tsan: --jobs 4 output differs from --jobs 1" >&2
  diff "$tmp/jobs1.jsonl" "$tmp/jobs4.jsonl" | head -5 >&2
  exit 1
}
echo "tsan: clean ($((SECONDS - start)) s)" >&2
