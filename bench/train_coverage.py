#!/usr/bin/env python3
"""Training coverage of the jobs people aim at (issue #5 acceptance figures).

For the N most frequent ROME codes of labelled JSONL files (eval-dev), asks
`jalon trainings --rome CODE` and reports how many have at least one
certification leading to them; for those whose certifications have sessions
in the catalogue, asks again from the place of one of those sessions with a
50 km radius and reports how many get a session back within 50 km.
Prints figures only.

usage: train_coverage.py JALON_EXE FILE.jsonl [FILE.jsonl...] [--top N]
"""
import collections
import json
import subprocess
import sys


def trainings(exe, code, *extra):
    out = subprocess.run([exe, "trainings", "--rome", code, "--max", "50", *extra],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["trainings"]


def main():
    args = sys.argv[1:]
    top = 30
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    exe, files = args[0], args[1:]
    counts = collections.Counter()
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                code = json.loads(line).get("rome")
                if code:
                    counts[code] += 1
    codes = [c for c, _ in counts.most_common(top)]
    linked, with_sessions, near = 0, 0, 0
    missing = []
    for code in codes:
        items = [t for t in trainings(exe, code) if t["reason"] == "target"]
        if items:
            linked += 1
        else:
            missing.append(code)
        located = [s for t in items for s in t["sessions"] if "lat" in s.get("place", {})]
        if not located:
            continue
        with_sessions += 1
        p = located[0]["place"]
        back = trainings(exe, code, "--lat", str(p["lat"]), "--lon", str(p["lon"]), "--radius", "50")
        kms = [s.get("distance_km") for t in back for s in t["sessions"]]
        if any(k is not None and k <= 50 for k in kms):
            near += 1
    print(f"top {len(codes)} target fiches: {linked} with a linked certification "
          f"({100.0 * linked / max(1, len(codes)):.1f} %); without: {' '.join(missing) or 'none'}")
    print(f"fiches with located sessions: {with_sessions}; sessions within 50 km when asked "
          f"from there: {near}/{with_sessions}")


if __name__ == "__main__":
    main()
