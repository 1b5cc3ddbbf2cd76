#!/usr/bin/env python3
"""The skill gap on the jobs people aim at most: the 20 most frequent ROME codes
of the eval-dev offers (../shared/data/eval-dev, converted by
tools/evaldev_to_jsonl.py into a temporary folder, never into the tree) taken as
the target of

  - a text with no job in it ("Bonjour, je cherche du travail."): nothing is
    held, every competence of the fiche is missing, score 1;
  - a text naming that same job ("J'ai travaillé 5 ans comme <fiche title>."):
    score at most 0.3.

Run by meson: test_gap_targets.py JALON_CLI. Exit 77 (skipped) when the eval-dev
folder is not on this machine."""

import collections
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.environ.get("JALON_SOURCE_ROOT", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args):
    out = subprocess.run([sys.argv[1], *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def top_codes(n):
    with tempfile.TemporaryDirectory() as tmp:
        general, it = os.path.join(tmp, "general.jsonl"), os.path.join(tmp, "it.jsonl")
        conv = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "evaldev_to_jsonl.py"),
                               "--general", general, "--it", it], capture_output=True, text=True)
        if conv.returncode != 0:
            print("eval-dev offers not available:", conv.stderr.strip())
            sys.exit(77)
        counts = collections.Counter()
        for path in (general, it):
            with open(path, encoding="utf-8") as f:
                counts.update(json.loads(line)["rome"] for line in f)
    # Ties broken by code, so the same 20 codes are checked on every run.
    return [code for code, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def main():
    failures = []
    codes = top_codes(20)
    if len(codes) != 20:
        sys.exit(f"expected 20 codes, got {len(codes)}")
    for code in codes:
        fiche = cli("rome", code)
        required = {c["code"] for c in fiche["competences"]}
        gap = cli("diagnose", "--json", "--no-trainings", "--target", code,
                  "Bonjour, je cherche du travail.")["gap"]
        missing = {c["code"] for c in gap["missing"]}
        if gap["target"] != code or gap["score"] != 1 or gap["held"] or missing != required:
            failures.append(f"{code}: no job in the text, yet score {gap['score']}, "
                            f"{len(gap['held'])} held, {len(missing)} of {len(required)} missing")
        named = cli("diagnose", "--json", "--no-trainings", "--target", code,
                    f"J'ai travaillé 5 ans comme {fiche['label']}.")["gap"]
        if named["score"] > 0.3:
            failures.append(f"{code} ({fiche['label']}): named in the text, yet score {named['score']}")
        print(f"{code}  no job: score {gap['score']}, {len(missing)}/{len(required)} missing; "
              f"named: score {named['score']}")
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
